#![no_main]
//! Arbitrary bytes through framing, assembly, decoding and JSON.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    finisterra_ais::exercise::exercise(data);
});

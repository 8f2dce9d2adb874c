#![no_main]
//! Arbitrary bytes as Beast binary and as Mode S text, through the framers
//! and the stateful decoder: no panic, every frame accounted for (a message
//! or a counted rejection).
use finisterra_modes::{BeastFramer, Decoder, DecoderConfig, TextReader, TextRecord};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut dec = Decoder::new(DecoderConfig::default());
    let mut offered = 0u64;
    let mut framer = BeastFramer::new();
    let mut t = 0i64;
    framer.push(data, |f| {
        if let Ok(f) = f {
            offered += 1;
            t += 7;
            let _ = dec.decode(f.bytes(), t);
        }
    });
    framer.finish(|_| {});
    let mut text = TextReader::new();
    let mut on = |item: Result<finisterra_modes::TextItem, finisterra_modes::InputError>| {
        if let Ok(i) = item {
            if let TextRecord::Frame(f, _) = i.record {
                offered += 1;
                t += 7;
                let _ = dec.decode(f.bytes(), t);
            }
        }
    };
    text.push(data, &mut on);
    text.finish(&mut on);
    let s = dec.stats();
    assert_eq!(s.frames, offered);
    assert_eq!(s.accepted + s.rejected_total(), s.frames);
});

//! The whole decode path run over arbitrary bytes: the body of the fuzz
//! target (`fuzz/fuzz_targets/decode.rs`) and of the regression test that
//! replays the fuzz corpus (`tests/fuzz_regressions.rs`).

use crate::json::{write_gpsd_json, JsonContext};
use crate::{decode, Event, StreamDecoder};

/// Splits `data` into lines and runs them through framing, assembly,
/// decoding and both JSON forms; also decodes the raw bytes as a payload.
/// Returns the number of messages decoded. Panics only if an invariant is
/// broken (every line must be counted once).
pub fn exercise(data: &[u8]) -> u64 {
    let mut dec = StreamDecoder::default();
    let mut json = Vec::new();
    let mut lines = 0u64;
    let mut emit = |ev: Event<'_>| {
        if let Event::Message(m) = ev {
            let ctx = JsonContext {
                device: "fuzz",
                time: m.time,
                station: m.station,
            };
            json.clear();
            write_gpsd_json(&mut json, m.message, &ctx, true);
            json.clear();
            write_gpsd_json(&mut json, m.message, &ctx, false);
        }
    };
    for line in data.split(|&b| b == b'\n') {
        lines += 1;
        dec.feed(lines, line, &mut emit);
    }
    dec.finish(&mut emit);
    let stats = dec.stats();
    assert_eq!(stats.lines, lines, "every line is counted");
    assert!(stats.messages <= stats.sentences);
    let by_type: u64 = stats.by_type.iter().sum();
    assert_eq!(by_type, stats.messages);
    // The raw bytes as a payload (any fill).
    let _ = decode(data, data.first().map_or(0, |b| b % 6));
    stats.messages
}

//! Peer: the `aivdm` crate. Multi-part assembly through `aivdm::LineDecoder`
//! (one fixed-capacity reassembly buffer, as the crate provides).
use finisterra_bench_peers::{for_each_line, Counts};

fn main() {
    let mut dec = aivdm::LineDecoder::<1024>::new();
    let mut c = Counts::default();
    let lines = for_each_line(|line| {
        let Ok(s) = std::str::from_utf8(line) else {
            c.errors += 1;
            return;
        };
        match dec.feed(s) {
            Ok(Some(m)) => c.add(m.message_type(), m.mmsi().raw()),
            Ok(None) => {}
            Err(_) => c.errors += 1,
        }
    });
    c.report("aivdm", lines);
}

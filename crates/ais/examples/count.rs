//! The library half of `finisterra decode --count`, for profiling the
//! decoder without the binary's build time: reads FILE into memory, then
//! splits and decodes it R times, printing the best time and the counts.
//!
//! `cargo run --release -p finisterra-ais --example count -- FILE [R]`

use std::time::Instant;

use finisterra_ais::StreamDecoder;
use finisterra_nmea::LineSplitter;

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: count FILE [REPEATS]");
        std::process::exit(2);
    };
    let repeats: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5);
    let data = match std::fs::read(&path) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            std::process::exit(1);
        }
    };
    let mut best = f64::INFINITY;
    let mut messages = 0;
    for _ in 0..repeats {
        let t0 = Instant::now();
        let mut dec = StreamDecoder::default();
        let mut splitter = LineSplitter::new();
        // The binary reads 1 MiB at a time: so does this.
        for chunk in data.chunks(1 << 20) {
            splitter.push(chunk, |n, line| dec.feed(n, line, &mut |_| {}));
        }
        if let Some((n, line)) = splitter.finish() {
            dec.feed(n, line, &mut |_| {});
        }
        dec.finish(&mut |_| {});
        let s = dec.take_stats();
        best = best.min(t0.elapsed().as_secs_f64());
        messages = s.messages;
    }
    println!(
        "{path}: {messages} messages, best of {repeats}: {:.1} ms ({:.2} M msg/s)",
        best * 1e3,
        messages as f64 / best / 1e6
    );
}

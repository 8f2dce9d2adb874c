//! Prints the cost of one full screening pass over a world-like snapshot
//! of N vessels (default 100,000), and the memory per tracked vessel.
//!
//!     cargo run --release -p finisterra-engine --example screen_world [N] [PASSES] [THREADS]
//!
//! With THREADS above 1 the advice of each pass is planned on that many
//! threads (the same events).

use std::time::Instant;

use finisterra_engine::{Config, Engine};

#[path = "../benches/world.rs"]
mod world;

fn rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let msgs = world::world(n, 7);
    let t0 = 1_795_687_200_000i64;
    let rss0 = rss_kib();
    let mut e = Engine::new(Config::default());
    let threads: usize = std::env::args()
        .nth(3)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1);
    e.set_threads(threads);
    let mut out = Vec::new();
    let start = Instant::now();
    for m in &msgs {
        let _ = e.ingest(m, t0, &mut out);
    }
    let ingest = start.elapsed();
    let rss1 = rss_kib();
    let mut best = f64::INFINITY;
    let mut events = 0;
    let passes: i64 = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(7)
        .max(2);
    let mut first = 0.0;
    for k in 0..passes {
        out.clear();
        let s = Instant::now();
        e.screen(t0 + 1 + k, &mut out);
        let took = s.elapsed().as_secs_f64();
        if k == 0 {
            // It raises every risk and plans every advice.
            first = took;
        } else {
            best = best.min(took);
        }
        events = events.max(out.len());
    }
    let st = e.stats();
    println!("vessels: {}", e.picture().vessels_sorted().len());
    println!(
        "ingest: {:.1} ms ({:.0} ns per report)",
        ingest.as_secs_f64() * 1e3,
        ingest.as_secs_f64() * 1e9 / n as f64
    );
    println!(
        "first screening pass (raises every risk, plans all their advice; {threads} thread(s)): {:.1} ms",
        first * 1e3
    );
    println!(
        "screening pass (best of the {} after it, {threads} thread(s)): {:.1} ms",
        passes - 1,
        best * 1e3
    );
    println!("vessels screened: {}", st.last_screened_vessels);
    println!(
        "candidate pairs per pass: {}",
        st.candidate_pairs / st.screenings.max(1)
    );
    println!(
        "precise CPA pairs per pass: {}",
        st.precise_pairs / st.screenings.max(1)
    );
    println!("events in one pass (first pass raises): {events}");
    if let (Some(a), Some(b)) = (rss0, rss1) {
        println!(
            "memory: {:.0} bytes per tracked vessel (RSS growth while loading)",
            (b.saturating_sub(a) * 1024) as f64 / n as f64
        );
    }
    println!(
        "size_of::<Vessel>() = {} bytes",
        std::mem::size_of::<finisterra_engine::Vessel>()
    );
}

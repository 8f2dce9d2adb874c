//! Prints the cost of one full screening pass over a world-like snapshot
//! of N vessels (default 100,000), and the memory per tracked vessel.
//!
//!     cargo run --release -p finisterra-engine --example screen_world [N] [PASSES] [THREADS] [LAG_S]
//!
//! With THREADS above 1 the advice of each pass is planned on that many
//! threads (the same events). With LAG_S above 0 (`pass_lag_s`) each pass is
//! worked out apart: the example times how long the pass holds its caller,
//! how long positions that arrive meanwhile take to be judged (200 vessels
//! reporting a new course 200 m off while it is worked out), and the wait for its findings.

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
    let lag_s: f64 = std::env::args()
        .nth(4)
        .and_then(|a| a.parse().ok())
        .unwrap_or(0.0);
    let mut e = Engine::new(Config {
        pass_lag_s: lag_s,
        ..Config::default()
    });
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
    let (mut held_best, mut arrival_worst, mut arrivals, mut waited_best) =
        (f64::INFINITY, 0.0f64, Vec::new(), f64::INFINITY);
    for k in 0..passes {
        out.clear();
        let s = Instant::now();
        e.screen(t0 + 1 + k, &mut out);
        let mut took = s.elapsed().as_secs_f64();
        if lag_s > 0.0 {
            // Positions arriving while the pass is worked out apart.
            if k > 0 {
                held_best = held_best.min(took);
            }
            for m in msgs.iter().step_by((msgs.len() / 200).max(1)) {
                // A new course, 200 m off the dead-reckoned place (within
                // the jump allowance): judged against her neighbours at once.
                let mut m = m.clone();
                if let finisterra_ais::Body::Position(p) = &mut m.body {
                    p.cog_deg = p.cog_deg.map(|c| (c + 40.0 + k as f64) % 360.0);
                    p.heading_deg = None;
                    p.lat_deg = p.lat_deg.map(|l| l + 0.0018 * (k + 1) as f64);
                }
                let a = Instant::now();
                let _ = e.ingest(&m, t0 + 1 + k, &mut out);
                let t = a.elapsed().as_secs_f64();
                if k > 0 {
                    arrival_worst = arrival_worst.max(t);
                    arrivals.push(t);
                }
            }
            let w = Instant::now();
            e.settle(&mut out);
            if k > 0 {
                waited_best = waited_best.min(w.elapsed().as_secs_f64());
            }
            took = s.elapsed().as_secs_f64();
        }
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
    if lag_s > 0.0 {
        arrivals.sort_by(f64::total_cmp);
        println!(
            "pass_lag_s {lag_s}: the pass held its caller {:.1} ms (best); {} arrivals judged while it was worked out: median {:.3} ms, worst {:.1} ms; the wait for its findings at the end {:.1} ms (best; the pass time above includes the arrivals)",
            held_best * 1e3,
            arrivals.len(),
            arrivals.get(arrivals.len() / 2).copied().unwrap_or(0.0) * 1e3,
            arrival_worst * 1e3,
            waited_best * 1e3
        );
    }
    println!(
        "vessels screened: {} (arrival pairs judged: {})",
        st.last_screened_vessels, st.arrival_pairs
    );
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

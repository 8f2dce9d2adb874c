//! Prints the cost of the air pass with 10,000 aircraft (default) in one
//! engine beside 100,000 vessels, and of the vessels' pass beside them.
//!
//!     cargo run --release -p finisterra-engine --example screen_air [AIRCRAFT] [VESSELS]

use std::time::Instant;

use finisterra_engine::{Config, Engine};
use finisterra_modes::AirMessage;

#[path = "../benches/world.rs"]
mod world;

fn main() {
    let n_air: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    let n_sea: usize = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let t0 = 1_795_687_200_000i64;
    let mut e = Engine::new(Config::default());
    let mut out = Vec::new();
    for m in &world::world(n_sea, 7) {
        let _ = e.ingest(m, t0, &mut out);
    }
    // Aircraft over Europe's busiest airspace (35–60°N, 10°W–30°E), FL100
    // to FL400, 250–500 kn, a third climbing or descending: a
    // deterministic generator (no randomness from the clock).
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut rnd = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as f64 / (1u64 << 53) as f64
    };
    let start = Instant::now();
    for i in 0..n_air {
        let m = AirMessage {
            df: Some(17),
            address: 0x400000 + i as u32,
            lat_deg: Some(35.0 + 25.0 * rnd()),
            lon_deg: Some(-10.0 + 40.0 * rnd()),
            alt_baro_ft: Some((100.0 + 300.0 * rnd()).round() as i32 * 100),
            gs_kn: Some(250.0 + 250.0 * rnd()),
            track_deg: Some(360.0 * rnd()),
            baro_rate_fpm: Some(match (rnd() * 3.0) as u32 {
                0 => 1500,
                1 => -1500,
                _ => 0,
            }),
            ..AirMessage::default()
        };
        let _ = e.ingest_air_at(&m, Some(t0 + 1), None, &mut out);
    }
    let ingest = start.elapsed();
    // Passes: the air pass runs every 4 s of data time, the vessels' every
    // 10 s; advance in steps that cross one air boundary each.
    let mut air_best = f64::INFINITY;
    let mut both_best = f64::INFINITY;
    for k in 1..=5i64 {
        out.clear();
        let t = t0 + k * 4_000 + 1;
        let s = Instant::now();
        e.advance(t, &mut out);
        let dt = s.elapsed().as_secs_f64();
        // A step that also crossed a 10 s boundary ran the vessels' pass.
        if (t - 4_000).div_euclid(10_000) != t.div_euclid(10_000) {
            both_best = both_best.min(dt);
        } else {
            air_best = air_best.min(dt);
        }
    }
    let st = e.air_stats();
    println!(
        "aircraft: {}, vessels: {}",
        e.aircraft().len(),
        e.picture().len()
    );
    println!(
        "air ingest: {:.0} ns per message",
        ingest.as_secs_f64() * 1e9 / n_air as f64
    );
    println!("air pass alone (best): {:.1} ms", air_best * 1e3);
    println!(
        "air pass + vessels' pass (best of the 2 that ran; the synthetic world raises thousands of risks, each with advice): {:.1} ms",
        both_best * 1e3
    );
    println!(
        "air pairs assessed per pass: {}",
        st.pairs_assessed / st.passes.max(1)
    );
    println!("open air conflicts: {}", e.open_air_conflicts().count());
}

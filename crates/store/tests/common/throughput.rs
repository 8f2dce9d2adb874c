//! Insert throughput, printed (never asserted: timing is not a test).

use std::time::Instant;

use finisterra_store::{open, EventQuery, StoreOptions};

use super::{point, sized_event, vessel};

/// Prints events/s, track points/s and vessel upserts/s for the store at
/// `loc` (must be empty).
pub fn report(loc: &str, label: &str) {
    let profile = if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    };
    let mut s = open(loc, &StoreOptions::default()).expect("open");

    // Events: batches of 100 events of ~1 KB, each batch durable.
    const BATCHES: u64 = 50;
    const PER: u64 = 100;
    let batches: Vec<Vec<_>> = (0..BATCHES)
        .map(|b| {
            (1..=PER)
                .map(|i| sized_event(b * PER + i, (b * PER + i) as i64, 1024))
                .collect()
        })
        .collect();
    let bytes: usize = batches.iter().flatten().map(|e| e.json.len()).sum();
    let t = Instant::now();
    for b in &batches {
        s.append_events(b).expect("append");
    }
    let dt = t.elapsed().as_secs_f64();
    let n = (BATCHES * PER) as f64;
    println!(
        "[{label} {profile}] events: {n} in {BATCHES} batches of {PER} (~1 KB): {:.0} events/s, {:.1} MB/s, {:.2} ms per durable batch",
        n / dt,
        bytes as f64 / dt / 1e6,
        dt * 1000.0 / BATCHES as f64
    );

    // Track points: 1000 vessels, one point each per batch, all kept
    // (batches 10 s apart at the default 10 s interval).
    const VESSELS: u32 = 1000;
    const ROUNDS: i64 = 20;
    let t = Instant::now();
    let mut kept = 0;
    for r in 0..ROUNDS {
        let pts: Vec<_> = (0..VESSELS)
            .map(|m| point(200_000_000 + m, r * 10_000))
            .collect();
        kept += s.append_track(&pts).expect("track");
    }
    let dt = t.elapsed().as_secs_f64();
    println!(
        "[{label} {profile}] track points kept: {kept} in batches of {VESSELS}: {:.0} points/s",
        kept as f64 / dt
    );
    // The same rate of fixes, 2 s apart: most are dropped by down-sampling.
    let t = Instant::now();
    let mut offered = 0;
    let mut kept = 0;
    for r in 0..ROUNDS {
        let pts: Vec<_> = (0..VESSELS)
            .map(|m| point(200_000_000 + m, ROUNDS * 10_000 + r * 2_000))
            .collect();
        offered += pts.len();
        kept += s.append_track(&pts).expect("track");
    }
    let dt = t.elapsed().as_secs_f64();
    println!(
        "[{label} {profile}] track points offered 2 s apart: {offered} ({kept} kept): {:.0} points/s",
        offered as f64 / dt
    );

    // Vessel states: 1000 vessels per batch, ~300 B JSON each.
    let t = Instant::now();
    for r in 0..ROUNDS {
        let vs: Vec<_> = (0..VESSELS)
            .map(|m| {
                let mut v = vessel(200_000_000 + m, r, Some("FINISTERRA TRADER"));
                v.json.push_str(&" ".repeat(200));
                v
            })
            .collect();
        s.upsert_vessels(&vs).expect("vessels");
    }
    let dt = t.elapsed().as_secs_f64();
    println!(
        "[{label} {profile}] vessel upserts: {} in batches of {VESSELS}: {:.0} vessels/s",
        VESSELS as i64 * ROUNDS,
        (VESSELS as i64 * ROUNDS) as f64 / dt
    );

    // A read for scale: the newest 100 events.
    let t = Instant::now();
    for _ in 0..100 {
        let got = s
            .events(&EventQuery {
                limit: 100,
                newest_first: true,
                ..Default::default()
            })
            .expect("events");
        assert_eq!(got.len(), 100);
    }
    println!(
        "[{label} {profile}] query newest 100 events: {:.2} ms",
        t.elapsed().as_secs_f64() * 1000.0 / 100.0
    );
}

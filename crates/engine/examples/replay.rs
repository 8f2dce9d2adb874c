//! Replays an NMEA file (with times) through the engine alone, as `scan`
//! does without its output: for profiling the judgement.
//!
//!     [THREADS=N] [LAG_S=S] cargo run --release -p finisterra-engine --example replay FILE [LAND.fland]
//!
//! `LAG_S` sets `pass_lag_s` (each screening pass worked out apart).
//! Prints the time, messages per second, events and the engine's counters.

use std::io::{BufRead, BufReader, Write};
use std::time::Instant;

use finisterra_engine::pipeline::Output;
use finisterra_engine::{Config, Engine, Event, Geography, Pipeline, TimeSource};

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: replay FILE [LAND.fland]");
        std::process::exit(2);
    };
    let land = args.next().map(|p| {
        let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {p}: {e}"));
        finisterra_geofence::Land::from_bytes(&bytes)
            .unwrap_or_else(|e| panic!("bad land {p}: {e}"))
    });
    let lag_s: f64 = std::env::var("LAG_S")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    let mut engine = Engine::new(Config {
        pass_lag_s: lag_s,
        ..Config::default()
    });
    // THREADS=N plans the advice on N threads (the same events).
    if let Some(n) = std::env::var("THREADS").ok().and_then(|v| v.parse().ok()) {
        engine.set_threads(n);
    }
    engine.set_geography(Geography {
        land,
        hazards: finisterra_geofence::Hazards::empty(),
        zones: finisterra_geofence::Zones::empty(),
    });
    let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("cannot open {path}: {e}"));
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut pipeline = Pipeline::new(TimeSource::Data);
    let mut events: Vec<Event> = Vec::new();
    let mut n_events = 0u64;
    let mut line = Vec::new();
    let mut n = 0u64;
    // Events as JSON Lines into the file named by EVENTS, if set (to
    // compare with `scan`'s output).
    let mut out = std::env::var_os("EVENTS").map(|p| {
        std::io::BufWriter::new(
            std::fs::File::create(&p).unwrap_or_else(|e| panic!("cannot create {p:?}: {e}")),
        )
    });
    let t0 = Instant::now();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => panic!("read error: {e}"),
        }
        n += 1;
        pipeline.feed_line(n, &line, None, &mut |o| {
            if let Output::Message(m, stamp, _) = o {
                let _ = engine.ingest_at(m, stamp.data_ms, stamp.recv_ms, &mut events);
            }
        });
        n_events += events.len() as u64;
        if let Some(w) = out.as_mut() {
            for e in events.iter() {
                let _ = writeln!(w, "{}", e.to_json());
            }
        }
        events.clear();
    }
    // A pass still worked out apart at the end is told.
    engine.settle(&mut events);
    n_events += events.len() as u64;
    if let Some(w) = out.as_mut() {
        for e in events.iter() {
            let _ = writeln!(w, "{}", e.to_json());
        }
        w.flush()
            .unwrap_or_else(|e| panic!("cannot write the events: {e}"));
    }
    let dt = t0.elapsed().as_secs_f64();
    let st = engine.stats();
    println!(
        "{n} lines in {dt:.2} s: {:.3} M lines/s; {n_events} events",
        n as f64 / dt / 1e6
    );
    if lag_s > 0.0 {
        println!(
            "pass_lag_s {lag_s}: {} passes worked out apart, {} of their risk events superseded by arrivals",
            st.passes_apart, st.pass_events_superseded
        );
    }
    println!(
        "screenings {} candidate_pairs {} precise_pairs {} arrival_pairs {} advice_plans {} advice_targets {} ({:.1} per plan)",
        st.screenings,
        st.candidate_pairs,
        st.precise_pairs,
        st.arrival_pairs,
        st.advice_plans,
        st.advice_targets,
        st.advice_targets as f64 / st.advice_plans.max(1) as f64
    );
}

//! A screening pass on several threads gives exactly the events of one:
//! a busy simulated fleet on the world's lanes (risks raised, updated with
//! new advice, cleared) through engines on 1, 2 and 3 threads, with the
//! threads used even for small passes.

use finisterra_ais::{Event as DecodeEvent, StreamDecoder};
use finisterra_engine::{Config, Engine, Event};
use finisterra_sim::fleet::{simulate_fleet, FleetConfig};

fn fleet() -> Vec<String> {
    let cfg = FleetConfig {
        vessels: 1200,
        hours: 0.5,
        seed: 11,
        report_interval_s: 20.0,
        ..FleetConfig::default()
    };
    let mut lines = Vec::new();
    simulate_fleet(&cfg, &mut |l| lines.push(l.to_string())).expect("the fleet simulates");
    lines
}

fn run(lines: &[String], threads: usize) -> (Vec<String>, u64, u64) {
    let mut engine = Engine::new(Config::default());
    engine.set_threads(threads);
    engine.set_parallel_min_items(8);
    let mut dec = StreamDecoder::default();
    let mut events: Vec<Event> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        dec.feed(i as u64 + 1, l.as_bytes(), &mut |ev| {
            if let DecodeEvent::Message(m) = ev {
                let t = m.time.expect("simulated lines carry times").unix_ms;
                let _ = engine.ingest(m.message, t, &mut events);
            }
        });
    }
    let st = engine.stats();
    (
        events.iter().map(Event::to_json).collect(),
        st.advice_plans,
        st.precise_pairs,
    )
}

#[test]
fn every_thread_count_gives_the_events_of_one_thread() {
    let lines = fleet();
    let (one, plans, pairs) = run(&lines, 1);
    let kinds = |evs: &[String], k: &str| evs.iter().filter(|e| e.contains(k)).count();
    assert!(kinds(&one, "\"risk.raised\"") > 20, "a busy fleet");
    assert!(kinds(&one, "\"risk.updated\"") > 20);
    assert!(plans > 100, "advice was planned: {plans}");
    for threads in [2, 3] {
        let (many, p, q) = run(&lines, threads);
        assert_eq!(many.len(), one.len(), "{threads} threads");
        for (k, (a, b)) in one.iter().zip(&many).enumerate() {
            assert_eq!(a, b, "event {k} differs on {threads} threads");
        }
        // The same plans made (ahead of the book, on the threads), once.
        assert_eq!((p, q), (plans, pairs), "{threads} threads");
    }
}

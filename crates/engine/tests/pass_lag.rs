//! A screening pass worked out apart (`pass_lag_s`, issue 14: "a long pass
//! must never delay the alarm on arrival").
//!
//! - With a lag shorter than the gap between any two messages, every pass
//!   is worked out on its own thread, from the picture's names and facts
//!   as they were, and told before the next message: exactly the events
//!   of the pass in line, byte for byte (land, zones, hazards, a busy
//!   fleet), and the same work counters.
//! - With a lag of seconds, the positions that come meanwhile are judged at
//!   once and told before the pass's findings; the events are the same on
//!   one thread and on two (the lag is data time, not the machine's).

mod common;

use common::{fleet, geography};
use finisterra_ais::AisMessage;
use finisterra_engine::{Config, Engine, EngineStats, Event, Geography};

fn run(
    msgs: &[(AisMessage, i64)],
    geo: &Geography,
    lag_s: f64,
    threads: usize,
) -> (Vec<Event>, EngineStats, usize) {
    let (evs, st, pending, _) = run_with(msgs, geo, lag_s, threads, Config::default());
    (evs, st, pending)
}

fn run_with(
    msgs: &[(AisMessage, i64)],
    geo: &Geography,
    lag_s: f64,
    threads: usize,
    cfg: Config,
) -> (Vec<Event>, EngineStats, usize, usize) {
    let cfg = Config {
        pass_lag_s: lag_s,
        ..cfg
    };
    cfg.validate().expect("a valid lag");
    let mut engine = Engine::new(cfg);
    engine.set_geography(geo.clone());
    engine.set_threads(threads);
    engine.set_parallel_min_items(8);
    let mut events = Vec::new();
    let mut pending_seen = 0;
    for (m, t) in msgs {
        let _ = engine.ingest(m, *t, &mut events);
        pending_seen += usize::from(engine.pass_pending());
    }
    engine.settle(&mut events);
    assert!(!engine.pass_pending());
    let vessels = engine.picture().len();
    (events, engine.stats().clone(), pending_seen, vessels)
}

fn json(evs: &[Event]) -> Vec<String> {
    evs.iter().map(Event::to_json).collect()
}

#[test]
fn a_lag_shorter_than_any_gap_gives_the_events_of_the_pass_in_line() {
    // No message exactly at a screening boundary: with a lag of 1 ms each
    // pass is told before the next message is judged.
    let msgs: Vec<(AisMessage, i64)> = fleet(1200, 0.5)
        .into_iter()
        .filter(|(_, t)| t % 10_000 != 0)
        .collect();
    let geo = geography(&msgs);
    let (inline, st0, pending0) = run(&msgs, &geo, 0.0, 2);
    assert_eq!((pending0, st0.passes_apart), (0, 0), "no lag, in line");
    let kinds = |evs: &[Event], k: &str| evs.iter().filter(|e| e.body.kind() == k).count();
    assert!(kinds(&inline, "risk.raised") > 20, "a busy fleet");
    assert!(kinds(&inline, "risk.updated") > 20);
    assert!(kinds(&inline, "hazard.raised") > 0, "hazards on the tracks");
    assert!(kinds(&inline, "zone.predicted") > 0, "zones on the tracks");
    for threads in [1, 2] {
        let (apart, st, pending) = run(&msgs, &geo, 0.001, threads);
        // Each pass is told at the message that started it (past its lag).
        assert_eq!(pending, 0);
        assert!(
            st.passes_apart > 100,
            "worked out apart: {}",
            st.passes_apart
        );
        assert_eq!(st.passes_apart, st.screenings);
        let (a, b) = (json(&inline), json(&apart));
        assert_eq!(a.len(), b.len(), "{threads} threads");
        for (k, (x, y)) in a.iter().zip(&b).enumerate() {
            assert_eq!(x, y, "event {k} differs ({threads} threads)");
        }
        assert_eq!(
            (
                st.screenings,
                st.candidate_pairs,
                st.precise_pairs,
                st.arrival_pairs,
                st.advice_plans,
                st.advice_targets,
                st.pass_events_superseded
            ),
            (
                st0.screenings,
                st0.candidate_pairs,
                st0.precise_pairs,
                st0.arrival_pairs,
                st0.advice_plans,
                st0.advice_targets,
                0
            ),
            "{threads} threads"
        );
    }
}

#[test]
fn with_a_lag_arrivals_are_judged_at_once_and_the_events_do_not_depend_on_threads() {
    let msgs = fleet(1200, 0.5);
    let geo = geography(&msgs);
    let (one, st1, pending) = run(&msgs, &geo, 5.0, 1);
    assert!(
        pending > 1000,
        "passes pending over many messages: {pending}"
    );
    // Events told after a pass's findings came before them in data time:
    // the arrivals' own, told at once while the pass was worked out.
    let told_early = one
        .windows(2)
        .filter(|w| w[1].time_ms < w[0].time_ms)
        .count();
    assert!(
        told_early > 0,
        "pass findings told after the arrivals' events"
    );
    let risks = one
        .iter()
        .filter(|e| e.body.kind().starts_with("risk."))
        .count();
    assert!(risks > 50, "a busy fleet: {risks} risk events");
    // Ids still increase in the order told.
    assert!(one.windows(2).all(|w| w[1].id > w[0].id));
    let (two, st2, _) = run(&msgs, &geo, 5.0, 2);
    assert_eq!(json(&one), json(&two), "the same events on two threads");
    assert_eq!(st1.pass_events_superseded, st2.pass_events_superseded);
    raised_and_cleared_in_turn(&one);
    // Vessels forgotten at a pass (the picture's slots move) while the
    // arrivals meanwhile use the last pass's grid.
    let mut quick = Config::default();
    quick.picture.forget_after_s = 60.0;
    let (f1, _, _, kept) = run_with(&msgs, &geo, 5.0, 1, quick);
    let (f2, _, _, _) = run_with(&msgs, &geo, 5.0, 2, quick);
    let (_, _, _, all) = run_with(&msgs, &geo, 5.0, 1, Config::default());
    assert!(kept < all, "vessels were forgotten: {kept} of {all} kept");
    assert_eq!(
        json(&f1),
        json(&f2),
        "forgetting: the same events on two threads"
    );
    raised_and_cleared_in_turn(&f1);
}

/// Every pair raised is cleared before it is raised again: the arrivals'
/// word and the pass's never contradict each other.
fn raised_and_cleared_in_turn(evs: &[Event]) {
    let mut open: std::collections::BTreeSet<(u32, u32)> = Default::default();
    for e in evs {
        match &e.body {
            finisterra_engine::EventBody::RiskRaised(r) => {
                assert!(
                    open.insert((r.a.mmsi, r.b.mmsi)),
                    "raised twice without a clear: {}",
                    e.to_json()
                );
            }
            finisterra_engine::EventBody::RiskCleared(c) => {
                assert!(
                    open.remove(&(c.a.mmsi, c.b.mmsi)),
                    "cleared while not open: {}",
                    e.to_json()
                );
            }
            _ => {}
        }
    }
}

#[test]
fn a_lag_not_below_the_screening_interval_is_refused() {
    for lag in [10.0, 30.0, -1.0, f64::NAN] {
        let cfg = Config {
            pass_lag_s: lag,
            ..Config::default()
        };
        let err = cfg.validate().expect_err("refused").to_string();
        assert!(err.contains("pass_lag_s"), "{err}");
    }
}

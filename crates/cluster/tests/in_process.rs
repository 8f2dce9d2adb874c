//! The cluster's judgement without a broker: ingest's records put into
//! per-partition queues, each worker merging its partitions back into
//! ingest's order, give exactly the single engine's events, owned once,
//! for 1, 3 and 16 workers — the sans-IO half of the NATS equivalence test
//! (`crates/cli/tests/nats_equivalence.rs`), fast enough for every run.

use std::collections::BTreeMap;

use finisterra_cluster::{Grid, Halo, Merge, Owned, Router, WorkerCore};
use finisterra_engine::pipeline::Output;
use finisterra_engine::{Config, Engine, Event, Geography, Pipeline, TimeSource};
use finisterra_sim::fleet::{simulate_fleet, FleetConfig};

fn fleet_lines() -> Vec<String> {
    let mut lines = Vec::new();
    let cfg = FleetConfig {
        vessels: 200,
        hours: 1.0,
        seed: 11,
        ..FleetConfig::default()
    };
    simulate_fleet(&cfg, &mut |l| lines.push(l.to_string())).unwrap();
    lines
}

fn summary(e: &Event) -> String {
    let mut j: serde_json::Value = serde_json::from_str(&e.to_json()).unwrap();
    j["id"] = serde_json::Value::Null;
    j.to_string()
}

/// The single engine's events (a pass still worked out apart at the end
/// told, as `scan` tells it), and how many passes were worked out apart.
fn single_apart(lines: &[String], cfg: Config) -> (Vec<Event>, u64) {
    let mut engine = Engine::new(cfg);
    let mut pipeline = Pipeline::new(TimeSource::Data);
    let mut out = Vec::new();
    for (n, l) in lines.iter().enumerate() {
        pipeline.feed_line(n as u64 + 1, l.as_bytes(), None, &mut |o| {
            if let Output::Message(m, s, _) = o {
                let _ = engine.ingest_at(m, s.data_ms, s.recv_ms, &mut out);
            }
        });
    }
    engine.settle(&mut out);
    (out, engine.stats().passes_apart)
}

fn single(lines: &[String], cfg: Config) -> Vec<Event> {
    single_apart(lines, cfg).0
}

/// The summaries of `events`, sorted (a multiset to compare).
fn sorted(events: &[Event]) -> Vec<String> {
    let mut v: Vec<String> = events.iter().map(summary).collect();
    v.sort();
    v
}

/// 16 partitions of `lines` on 1, 3 and 16 workers give `want` (the single
/// engine's event summaries, sorted), each event owned once.
fn assert_workers_give(want: &[String], lines: &[String], cfg: Config) {
    let grid = Grid::new(10.0, 16).unwrap();
    let parts = ingest(lines, grid, &cfg);
    // Every partition holds the end record, so every worker finishes.
    assert_eq!(parts.len(), 16);
    assert_partitions_give(want, &parts, grid, cfg);
}

/// The records of 16 partitions on 1, 3 and 16 workers give `want`, each
/// event owned once.
fn assert_partitions_give(
    want: &[String],
    parts: &BTreeMap<u16, Vec<Vec<u8>>>,
    grid: Grid,
    cfg: Config,
) {
    for n in [1u16, 3, 16] {
        let mut got: Vec<String> = Vec::new();
        let mut keys: Vec<String> = Vec::new();
        for i in 0..n {
            let mine: Vec<u16> = (0..16).filter(|p| p % n == i).collect();
            for o in worker(parts, grid, cfg, &mine) {
                got.push(summary(&o.event));
                keys.push(o.key);
            }
        }
        got.sort();
        keys.sort();
        let given = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), given, "{n} workers: a key given twice");
        let missing = want
            .iter()
            .filter(|e| got.binary_search(e).is_err())
            .count();
        let extra = got
            .iter()
            .filter(|e| want.binary_search(e).is_err())
            .count();
        assert!(
            missing == 0 && extra == 0 && got.len() == want.len(),
            "{n} workers: {missing} of the single engine's events missing, {extra} extra ({} against {})",
            got.len(),
            want.len()
        );
        assert_eq!(got, want, "{n} workers");
    }
}

/// Records per partition, as ingest publishes them.
fn ingest(lines: &[String], grid: Grid, cfg: &Config) -> BTreeMap<u16, Vec<Vec<u8>>> {
    let mut router = Router::new(grid, Halo::ships(cfg).total_m, cfg);
    let mut pipeline = Pipeline::new(TimeSource::Data);
    let mut parts: BTreeMap<u16, Vec<Vec<u8>>> = BTreeMap::new();
    let mut emit = |o: finisterra_cluster::Outgoing<'_>| {
        for &p in o.partitions {
            parts.entry(p).or_default().push(o.bytes.to_vec());
        }
    };
    for (n, l) in lines.iter().enumerate() {
        pipeline.feed_line(n as u64 + 1, l.as_bytes(), None, &mut |o| {
            if let Output::Message(m, s, h) = o {
                router.on_message(m, s.data_ms, s.recv_ms, h.payload, h.fill_bits, &mut emit);
            }
        });
    }
    router.finish(&mut emit);
    parts
}

fn worker(
    parts: &BTreeMap<u16, Vec<Vec<u8>>>,
    grid: Grid,
    cfg: Config,
    mine: &[u16],
) -> Vec<Owned> {
    let mut core = WorkerCore::new(cfg, Geography::default(), grid, mine);
    let mut merge: Merge<&[u8]> = Merge::new(mine);
    let mut next: BTreeMap<u16, usize> = mine.iter().map(|&p| (p, 0)).collect();
    let mut out = Vec::new();
    while !core.ended() {
        for p in merge.empty().collect::<Vec<_>>() {
            let i = next.get_mut(&p).unwrap();
            let rec = &parts[&p][*i];
            *i += 1;
            let seq = finisterra_cluster::Record::decode(rec).unwrap().seq();
            assert!(merge.push(p, seq, rec.as_slice()).is_none());
        }
        while let Some((_, copies)) = merge.pop() {
            core.on_record(copies[0], &mut out).unwrap();
        }
    }
    out
}

#[test]
fn workers_in_process_give_the_single_engines_events() {
    let cfg = Config::default();
    let lines = fleet_lines();
    let want = sorted(&single(&lines, cfg));
    assert!(want.iter().filter(|e| e.contains("risk.raised")).count() > 5);
    assert_workers_give(&want, &lines, cfg);
}

/// The first `secs` seconds of a busy fleet (3,000 vessels over the
/// Atlantic, `bench/cluster.py`'s seed), where ships first heard turn onto
/// their lanes: many pairs raised and updated.
fn busy_minutes(secs: i64) -> Vec<String> {
    let fleet = FleetConfig {
        vessels: 3000,
        hours: 4.0,
        seed: 3,
        ..FleetConfig::default()
    };
    let mut lines = Vec::new();
    let mut t0 = None;
    simulate_fleet(&fleet, &mut |l| {
        // Tag-block time `c:<unix s>`.
        let t: i64 = l
            .split("c:")
            .nth(1)
            .and_then(|r| r.split(['*', ',', '\\']).next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let start = *t0.get_or_insert(t);
        if t - start <= secs {
            lines.push(l.to_string());
        }
    })
    .unwrap();
    lines
}

/// A screening pass worked out apart (`pass_lag_s` 4 s of a 10 s period):
/// its findings are told in every worker at the tick ingest sends before
/// the first record at or past the pass's time plus the lag, which is
/// where the single engine tells them, so that 16 partitions on 1, 3 and
/// 16 workers give the single engine's events, owned once, the last pass's
/// too (told at the end record as at the end of the input). Without that
/// tick, a partition whose clock gets past the due time later than
/// ingest's judged a late record before the findings: one event of these
/// 150 s differed on 16 workers.
#[test]
fn workers_with_a_pass_lag_give_the_single_engines_events() {
    let cfg = Config {
        pass_lag_s: 4.0,
        ..Config::default()
    };
    // Several stations, as a real feed has: each run of 40 lines comes in
    // reverse, so that times step back by a few seconds now and then, and
    // the first record past a pass's time plus the lag in one partition is
    // not the first in another.
    let mut lines = busy_minutes(150);
    for chunk in lines.chunks_mut(40) {
        chunk.reverse();
    }
    let (events, apart) = single_apart(&lines, cfg);
    assert!(apart >= 10, "{apart} passes worked out apart");
    let want = sorted(&events);
    // The lag changes some events from the pass in line (pairs judged on
    // arrival while a pass is pending): the test's premise.
    let inline = sorted(&single(&lines, Config::default()));
    assert_ne!(want, inline, "the lag changed nothing: a weak test");
    assert!(want.iter().filter(|e| e.contains("risk.raised")).count() > 5);
    assert_workers_give(&want, &lines, cfg);
}

/// The first minutes of a busy fleet (3,000 vessels, `bench/cluster.py`'s
/// seed), where ships first heard turn onto their lanes: an arrival must
/// judge again the open risks of the vessel that reported however far the
/// engine's fastest vessel went since the pass (an engine holding part of
/// the world has another fastest vessel). Before that rule, three of these
/// minutes' risk events differed between 16 partitions and one engine.
#[test]
fn open_risks_are_judged_on_arrival_whatever_else_the_engine_holds() {
    let cfg = Config::default();
    let lines = busy_minutes(150);
    let want = sorted(&single(&lines, cfg));
    assert!(want.iter().filter(|e| e.contains("risk.updated")).count() > 50);
    let grid = Grid::new(10.0, 16).unwrap();
    let parts = ingest(&lines, grid, &cfg);
    let mut got: Vec<String> = Vec::new();
    for p in parts.keys() {
        got.extend(
            worker(&parts, grid, cfg, &[*p])
                .iter()
                .map(|o| summary(&o.event)),
        );
    }
    got.sort();
    let missing: Vec<&String> = want
        .iter()
        .filter(|e| got.binary_search(e).is_err())
        .collect();
    let extra: Vec<&String> = got
        .iter()
        .filter(|e| want.binary_search(e).is_err())
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{} events of one engine missing, {} extra; first missing: {:?}",
        missing.len(),
        extra.len(),
        missing.first()
    );
    assert_eq!(got.len(), want.len());
}

/// A quiet live feed: `Router::on_time` sends nothing before the first
/// message or before the screening boundary, then one tick with the
/// caller's time to every partition; under the live policy a data time
/// ahead of its receive time is judged at the receive time.
#[test]
fn a_quiet_live_feed_ticks_every_partition_at_the_boundary() {
    let cfg = Config::default();
    let grid = Grid::new(10.0, 16).unwrap();
    let mut router = Router::new(grid, Halo::ships(&cfg).total_m, &cfg);
    router.set_time_policy(finisterra_engine::TimePolicy::live());
    // (partitions, a tick?, time) of each record.
    let got: std::cell::RefCell<Vec<(usize, bool, i64)>> = Default::default();
    let mut emit = |o: finisterra_cluster::Outgoing<'_>| {
        let r = finisterra_cluster::Record::decode(o.bytes).unwrap();
        let tick = matches!(r, finisterra_cluster::Record::Tick { .. });
        got.borrow_mut()
            .push((o.partitions.len(), tick, r.time_ms()));
    };
    let t0: i64 = 1_767_571_200_000;
    router.on_time(t0 + 3_600_000, &mut emit);
    assert!(got.borrow().is_empty(), "nothing before the first message");
    // One position, dated a minute ahead of its receive time.
    let line = &fleet_lines()
        .into_iter()
        .find(|l| l.contains("!AIVDM,1,1"))
        .unwrap();
    let mut pipeline = Pipeline::new(TimeSource::Receive);
    pipeline.feed_line(1, line.as_bytes(), Some(t0), &mut |o| {
        if let Output::Message(m, s, h) = o {
            router.on_message(
                m,
                s.data_ms.map(|_| t0 + 60_000),
                s.recv_ms,
                h.payload,
                h.fill_bits,
                &mut emit,
            );
        }
    });
    assert_eq!(router.clock_stats().ahead_of_receive, 1);
    let n = got.borrow().len();
    assert!(n >= 1);
    assert_eq!(got.borrow()[n - 1].2, t0, "judged at its receive time");
    router.on_time(t0 + 1, &mut emit);
    assert_eq!(got.borrow().len(), n, "nothing before the boundary");
    let later = t0 + 3_600_000;
    router.on_time(later, &mut emit);
    assert_eq!(got.borrow().len(), n + 1);
    assert_eq!(
        got.borrow()[n],
        (16, true, later),
        "a tick to every partition"
    );
    router.on_time(later, &mut emit);
    assert_eq!(got.borrow().len(), n + 1, "one tick per boundary");
}

/// A quiet live feed with a pass lag: besides the ticks of the screening
/// and air boundaries, one more tick to every partition when the caller's
/// clock reaches the pass's time plus the lag (its findings are told
/// there), and only one.
#[test]
fn a_quiet_live_feed_ticks_when_a_pass_lag_is_due() {
    let t0: i64 = 1_767_571_200_000;
    let ticks_with = |pass_lag_s: f64| -> Vec<i64> {
        let cfg = Config {
            pass_lag_s,
            ..Config::default()
        };
        let grid = Grid::new(10.0, 16).unwrap();
        let mut router = Router::new(grid, Halo::ships(&cfg).total_m, &cfg);
        router.set_time_policy(finisterra_engine::TimePolicy::live());
        let ticks: std::cell::RefCell<Vec<i64>> = Default::default();
        let mut emit = |o: finisterra_cluster::Outgoing<'_>| {
            let r = finisterra_cluster::Record::decode(o.bytes).unwrap();
            if matches!(r, finisterra_cluster::Record::Tick { .. }) {
                assert_eq!(o.partitions.len(), 16, "a tick to every partition");
                ticks.borrow_mut().push(r.time_ms() - t0);
            }
        };
        let line = &fleet_lines()
            .into_iter()
            .find(|l| l.contains("!AIVDM,1,1"))
            .unwrap();
        let mut pipeline = Pipeline::new(TimeSource::Receive);
        pipeline.feed_line(1, line.as_bytes(), Some(t0 + 1_000), &mut |o| {
            if let Output::Message(m, s, h) = o {
                router.on_message(m, s.data_ms, s.recv_ms, h.payload, h.fill_bits, &mut emit);
            }
        });
        for t in [9_999, 10_000, 13_999, 14_000, 14_500, 15_999] {
            router.on_time(t0 + t, &mut emit);
        }
        ticks.into_inner()
    };
    let mut want = ticks_with(0.0);
    assert!(want.contains(&10_000), "the screening boundary: {want:?}");
    assert!(!want.contains(&14_000), "no air boundary at 14 s: {want:?}");
    want.push(14_000);
    want.sort();
    assert_eq!(ticks_with(4.0), want, "the pass of 10 s told at 14 s");
}

/// `worker`, taking each partition over after `resume` (its previous
/// owner's ack floor) and stopping after the record `stop_after`.
fn worker_from(
    parts: &BTreeMap<u16, Vec<Vec<u8>>>,
    grid: Grid,
    cfg: Config,
    mine: &[u16],
    resume: &BTreeMap<u16, u64>,
    stop_after: u64,
) -> Vec<Owned> {
    let mut core = WorkerCore::new(cfg, Geography::default(), grid, mine);
    for (&p, &seq) in resume {
        core.resume_partition_after(p, seq);
    }
    let mut merge: Merge<&[u8]> = Merge::new(mine);
    let mut next: BTreeMap<u16, usize> = mine.iter().map(|&p| (p, 0)).collect();
    let mut out = Vec::new();
    while !core.ended() && core.last_seq() < stop_after {
        for p in merge.empty().collect::<Vec<_>>() {
            let i = next.get_mut(&p).unwrap();
            let rec = &parts[&p][*i];
            *i += 1;
            let seq = finisterra_cluster::Record::decode(rec).unwrap().seq();
            assert!(merge.push(p, seq, rec.as_slice()).is_none());
        }
        while let Some((_, copies)) = merge.pop() {
            core.on_record(copies[0], &mut out).unwrap();
            if core.last_seq() >= stop_after {
                break;
            }
        }
    }
    out
}

/// Elastic membership in process: three members own the partitions by
/// the rendezvous assignment and get as far as three different records
/// (their ack floors); one leaves, and the two left take its partitions
/// over, each partition resumed after its own previous owner's floor.
/// What the old owners stored plus what the new ones report, one event
/// per key, is the single engine's: none lost. (Resumed after the highest
/// floor of all, as one previous owner allows, events are lost.)
#[test]
fn an_elastic_hand_over_loses_nothing() {
    use finisterra_cluster::Assignment;
    let cfg = Config::default();
    let lines = fleet_lines();
    let want = sorted(&single(&lines, cfg));
    let grid = Grid::new(10.0, 16).unwrap();
    let parts = ingest(&lines, grid, &cfg);
    let seq = |r: &Vec<u8>| finisterra_cluster::Record::decode(r).unwrap().seq();
    let last = parts.values().flatten().map(seq).max().unwrap();
    let before = Assignment::new(&["a", "b", "c"], 16);
    let after = Assignment::new(&["a", "c"], 16);
    let reached = |m: &str| match m {
        "a" => last * 3 / 10,
        "b" => last * 6 / 10,
        _ => last * 9 / 10,
    };
    // The record at partition p's ack floor when its owner stopped.
    let floor = |p: u16| {
        let f = reached(before.owner(p).unwrap());
        parts[&p]
            .iter()
            .map(seq)
            .filter(|&s| s <= f)
            .max()
            .unwrap_or(0)
    };
    let mut stored: BTreeMap<String, String> = BTreeMap::new();
    for m in before.members() {
        let mine = before.of(m);
        let none = BTreeMap::new();
        for o in worker_from(&parts, grid, cfg, &mine, &none, reached(m)) {
            stored.insert(o.key, summary(&o.event));
        }
    }
    let mut moved = 0;
    for m in after.members() {
        let mine = after.of(m);
        moved += mine.iter().filter(|&&p| before.owner(p) != Some(m)).count();
        let resume: BTreeMap<u16, u64> = mine.iter().map(|&p| (p, floor(p))).collect();
        for o in worker_from(&parts, grid, cfg, &mine, &resume, u64::MAX) {
            stored.insert(o.key, summary(&o.event));
        }
    }
    assert_eq!(
        moved,
        before.of("b").len(),
        "only the leaver's partitions move"
    );
    let mut got: Vec<String> = stored.into_values().collect();
    got.sort();
    assert_eq!(got, want);
}

/// Mode S lines of aircraft in conflict across partition edges (the
/// meridian, 40° N, 10° E / 50° N), one pair vertically separated, and a
/// ship fleet beside them.
fn air_lines() -> Vec<String> {
    let start_ms: i64 = 1_767_571_200_000;
    let spec = |icao: &str, lat: f64, lon: f64, alt_ft: f64, gs_kn: f64, track_deg: f64| {
        serde_json::from_value::<finisterra_sim::air::AircraftSpec>(serde_json::json!({
            "icao": icao, "callsign": format!("T{icao}"), "lat": lat, "lon": lon,
            "alt_ft": alt_ft, "gs_kn": gs_kn, "track_deg": track_deg,
        }))
        .unwrap()
    };
    let aircraft = vec![
        spec("4ca001", 45.0, -1.2, 34_000.0, 450.0, 90.0),
        spec("4ca002", 45.01, 1.2, 34_000.0, 450.0, 270.0),
        spec("4ca003", 39.0, 5.0, 30_000.0, 480.0, 0.0),
        spec("4ca004", 41.0, 5.01, 30_500.0, 480.0, 180.0),
        spec("4ca005", 50.0, 8.8, 36_000.0, 420.0, 90.0),
        spec("4ca006", 49.23, 10.0, 36_000.0, 420.0, 0.0),
        spec("4ca007", 45.5, -1.0, 30_000.0, 450.0, 90.0),
        spec("4ca008", 45.5, 1.0, 32_000.0, 450.0, 270.0),
    ];
    finisterra_sim::air::air_frames(&aircraft, start_ms, 900.0)
        .unwrap()
        .iter()
        .map(finisterra_sim::air::csv_line)
        .collect()
}

/// A line's Mode S message with its time (`time,hex` lines only here).
fn modes_message(
    line: &str,
    modes: &mut finisterra_modes::Decoder,
) -> Option<(finisterra_modes::AirMessage, i64)> {
    use finisterra_modes::{FrameTime, TextRecord};
    match finisterra_modes::parse_text_line(line.as_bytes()) {
        Ok(TextRecord::Frame(f, FrameTime::UnixMs(t))) => {
            modes.decode(f.bytes(), t).ok().map(|m| (m, t))
        }
        _ => None,
    }
}

/// Aircraft through the cluster: ingest decodes their frames and routes
/// each message by its aircraft's position with the aircraft halo; the
/// workers judge the air conflicts as one engine does, each reported once,
/// whether 1, 3 or 16 workers hold the partitions.
#[test]
fn aircraft_in_conflict_across_edges_give_the_single_engines_events() {
    let cfg = Config::default();
    let lines = air_lines();
    let want: Vec<String> = {
        let mut engine = Engine::new(cfg);
        let mut modes = finisterra_modes::Decoder::new(finisterra_modes::DecoderConfig::default());
        let mut out = Vec::new();
        for l in &lines {
            if let Some((m, t)) = modes_message(l, &mut modes) {
                let _ = engine.ingest_air_at(&m, Some(t), None, &mut out);
            }
        }
        let mut v: Vec<String> = out.iter().map(summary).collect();
        v.sort();
        v
    };
    let raised = want
        .iter()
        .filter(|e| e.contains("air.conflict.raised"))
        .count();
    assert!(raised >= 3, "the scenario's conflicts: {want:#?}");
    let grid = Grid::new(10.0, 16).unwrap();
    let parts = {
        let mut router = Router::new(grid, Halo::ships(&cfg).total_m, &cfg);
        let mut modes = finisterra_modes::Decoder::new(finisterra_modes::DecoderConfig::default());
        let mut parts: BTreeMap<u16, Vec<Vec<u8>>> = BTreeMap::new();
        let mut emit = |o: finisterra_cluster::Outgoing<'_>| {
            for &p in o.partitions {
                parts.entry(p).or_default().push(o.bytes.to_vec());
            }
        };
        for l in &lines {
            if let Some((m, t)) = modes_message(l, &mut modes) {
                router.on_air(&m, Some(t), None, &mut emit);
            }
        }
        assert!(router.stats().air_messages > 1000);
        router.finish(&mut emit);
        parts
    };
    assert_partitions_give(&want, &parts, grid, cfg);
}

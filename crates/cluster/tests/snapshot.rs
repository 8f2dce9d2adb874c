//! A worker snapshotted and restored mid-way (issue 12: a worker taking
//! a partition over restores from a snapshot instead of judging the stream
//! from its start) reports exactly the events, keys and JSON, of the worker
//! that ran on.

use std::collections::BTreeMap;

use finisterra_cluster::{
    Grid, Halo, Owned, Record, Router, WorkerCore, WorkerSnapshotError, WORKER_SNAPSHOT_VERSION,
};
use finisterra_engine::pipeline::Output;
use finisterra_engine::{Config, Event, Geography, Pipeline, SnapshotError, TimeSource};
use finisterra_sim::fleet::{simulate_fleet, FleetConfig};

/// Records per partition, as ingest publishes them.
fn records(grid: Grid, cfg: &Config) -> BTreeMap<u16, Vec<Vec<u8>>> {
    let mut lines = Vec::new();
    let fleet = FleetConfig {
        vessels: 300,
        hours: 1.0,
        seed: 11,
        ..FleetConfig::default()
    };
    simulate_fleet(&fleet, &mut |l| lines.push(l.to_string())).expect("the fleet simulates");
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

/// The records of `mine` in ingest's order, every copy of one record
/// included (the core skips the copies, as a worker's merge hands them on).
fn merged<'a>(parts: &'a BTreeMap<u16, Vec<Vec<u8>>>, mine: &[u16]) -> Vec<&'a [u8]> {
    let mut all: Vec<(u64, &[u8])> = mine
        .iter()
        .flat_map(|p| parts[p].iter())
        .map(|r| (Record::decode(r).expect("a record").seq(), r.as_slice()))
        .collect();
    all.sort_by_key(|r| r.0);
    all.into_iter().map(|r| r.1).collect()
}

fn owned(out: &[Owned]) -> Vec<(String, u16, String)> {
    out.iter()
        .map(|o| (o.key.clone(), o.partition, Event::to_json(&o.event)))
        .collect()
}

#[test]
fn a_restored_worker_reports_what_the_uninterrupted_one_does() {
    let cfg = Config::default();
    let grid = Grid::new(10.0, 16).expect("a grid");
    let parts = records(grid, &cfg);
    // The three busiest partitions, and their halo's records.
    let mut busy: Vec<(usize, u16)> = parts.iter().map(|(&p, r)| (r.len(), p)).collect();
    busy.sort_unstable_by(|a, b| b.cmp(a));
    let mine: Vec<u16> = busy.iter().take(3).map(|b| b.1).collect();
    let recs = merged(&parts, &mine);

    let mut core = WorkerCore::new(cfg, Geography::default(), grid, &mine);
    let mut whole = Vec::new();
    for r in &recs {
        core.on_record(r, &mut whole).expect("a record");
    }
    assert!(core.ended());
    let whole_stats = core.stats().clone();
    let whole = owned(&whole);
    let raised = whole.iter().filter(|o| o.2.contains("risk.raised")).count();
    assert!(
        raised > 5,
        "risks owned: {raised} of {} events",
        whole.len()
    );

    let mut core = WorkerCore::new(cfg, Geography::default(), grid, &mine);
    let mut cut = Vec::new();
    let n = recs.len();
    let mut sizes = Vec::new();
    for (i, r) in recs.iter().enumerate() {
        core.on_record(r, &mut cut).expect("a record");
        if (i + 1) % (n / 23) == 0 {
            let last = core.last_seq();
            let bytes = core.snapshot();
            sizes.push(bytes.len());
            drop(core);
            core = WorkerCore::restore(cfg, Geography::default(), grid, &mine, &bytes)
                .unwrap_or_else(|e| panic!("restore after record {i}: {e}"));
            assert_eq!(core.last_seq(), last);
            // The core's own state (owners of open pairs, keys given, the
            // counters) comes back whole: written again, the same bytes.
            let core_len =
                |b: &[u8]| 20 + u64::from_le_bytes(b[12..20].try_into().expect("8 bytes")) as usize;
            let again = core.snapshot();
            assert_eq!(again[..core_len(&again)], bytes[..core_len(&bytes)]);
        }
    }
    assert!(sizes.len() >= 20, "{} cuts", sizes.len());
    let cut = owned(&cut);
    for (k, (a, b)) in whole.iter().zip(&cut).enumerate() {
        assert_eq!(a, b, "owned event {k} differs");
    }
    assert_eq!(cut.len(), whole.len());
    assert_eq!(core.stats(), &whole_stats);
    assert!(core.ended());
}

#[test]
fn bad_worker_snapshots_are_refused_with_the_reason() {
    let cfg = Config::default();
    let grid = Grid::new(10.0, 16).expect("a grid");
    let parts = records(grid, &cfg);
    let mine = [1u16, 4];
    let mut core = WorkerCore::new(cfg, Geography::default(), grid, &mine);
    let mut out = Vec::new();
    for r in merged(&parts, &mine).iter().take(5000) {
        core.on_record(r, &mut out).expect("a record");
    }
    let good = core.snapshot();
    let restore =
        |b: &[u8]| WorkerCore::restore(cfg, Geography::default(), grid, &mine, b).map(|_| ());
    assert_eq!(restore(b"FINSNAPE"), Err(WorkerSnapshotError::NotASnapshot));
    let mut other = good.clone();
    other[8..12].copy_from_slice(&(WORKER_SNAPSHOT_VERSION + 1).to_le_bytes());
    assert!(matches!(
        restore(&other),
        Err(WorkerSnapshotError::Version { .. })
    ));
    for len in (0..good.len()).step_by((good.len() / 61).max(1)) {
        assert!(restore(&good[..len]).is_err(), "truncated at {len}");
    }
    // The engine's part cut short: the engine's error, said as such.
    let err = restore(&good[..good.len() - 7]).unwrap_err();
    assert!(
        matches!(err, WorkerSnapshotError::Engine(SnapshotError::Corrupt(_))),
        "{err}"
    );
    assert!(err.to_string().starts_with("engine snapshot"), "{err}");
    assert!(restore(&good).is_ok());
}

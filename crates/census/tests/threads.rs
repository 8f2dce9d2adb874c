//! The census on worker threads gives the same bytes as on one thread:
//! every table (JSON Lines, CSV, Parquet with the feature), `summary.json`
//! and the accepted positions, on a simulated fleet with every kind of
//! finding planted, for 1, 2 and 3 threads and batches small enough that
//! the workers are many batches behind the picture.

mod common;

use common::Shared;

use std::io;

use finisterra_ais::AisMessage;
use finisterra_census::{
    summary_json, write_positions_csv, Census, CensusConfig, Finding, FindingWriter,
};
use finisterra_geofence::Land;
use finisterra_sim::fleet::FleetConfig;

/// Every output of one run: (name, bytes).
fn run(
    msgs: &[(AisMessage, i64)],
    land: &Land,
    threads: usize,
    batch: usize,
) -> Vec<(String, Vec<u8>)> {
    let mut census = Census::new(CensusConfig::default(), land.clone())
        .expect("census")
        .with_inland_water(Land::inland_water().expect("inland water"))
        .with_threads(threads)
        .with_batch_steps(batch);
    census.export_positions(true);
    let mut tables: Vec<(String, Shared)> = Vec::new();
    let mut sinks = FindingWriter::new(true, |name| {
        let s = Shared::default();
        tables.push((name.to_string(), s.clone()));
        Ok::<_, io::Error>(s)
    })
    .expect("tables");
    let mut found: Vec<Finding> = Vec::new();
    let mut accepted = Vec::new();
    for (m, t) in msgs {
        census.push(m, *t, &mut found);
        sinks.write_all(&mut found);
    }
    census.finish(&mut found);
    sinks.write_all(&mut found);
    census.drain_positions(&mut accepted);
    let mut positions = Vec::new();
    write_positions_csv(&mut positions, &accepted).expect("positions");
    let summary = sinks.finish().expect("tables written");
    let doc = summary_json(
        &summary,
        census.config(),
        &serde_json::json!({}),
        &census.stats(),
    )
    .expect("summary");
    let mut out: Vec<(String, Vec<u8>)> = tables
        .into_iter()
        .map(|(n, s)| (n, s.0.lock().expect("lock").clone()))
        .collect();
    out.push(("summary.json".into(), doc.into_bytes()));
    out.push(("positions.csv".into(), positions));
    out
}

#[test]
fn the_same_bytes_on_1_2_and_3_threads() {
    let cfg = FleetConfig {
        vessels: 220,
        hours: 27.0,
        seed: 11,
        report_interval_s: 120.0,
        encounters: Some(3),
        loitering: Some(3),
        gaps: Some(3),
        spoofers: Some(1),
        ..FleetConfig::default()
    };
    let (msgs, _) = common::fleet_messages(&cfg);
    let land = Land::world().expect("bundled land");
    let one = run(&msgs, &land, 1, 16_384);
    let summary: serde_json::Value = serde_json::from_slice(
        &one.iter()
            .find(|f| f.0 == "summary.json")
            .expect("summary")
            .1,
    )
    .expect("JSON");
    // Something to compare: findings of every kind, and the detectors'
    // own counters.
    for k in ["near_misses", "encounters", "loitering", "gaps", "spoofing"] {
        assert!(
            summary["counts"][k].as_u64() > Some(0),
            "{k}: {}",
            summary["counts"]
        );
    }
    assert!(summary["census"]["resample"]["instants"].as_u64() > Some(0));
    assert!(summary["census"]["near_miss"]["pairs_opened"].as_u64() > Some(0));
    for (threads, batch) in [(2, 1_000), (3, 257)] {
        let other = run(&msgs, &land, threads, batch);
        assert_eq!(one.len(), other.len());
        for (a, b) in one.iter().zip(&other) {
            assert_eq!(a.0, b.0);
            assert!(
                a.1 == b.1,
                "{} differs on {threads} threads (batches of {batch} steps): {} vs {} bytes",
                a.0,
                a.1.len(),
                b.1.len()
            );
        }
    }
}

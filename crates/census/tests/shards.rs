//! The census in day shards, merged, gives the tables of one census over
//! the whole: every table (JSON Lines, CSV, Parquet with the feature) and
//! `summary.json`, byte for byte, on a simulated fleet of several days
//! with every kind of finding planted, runs crossing midnight, on one
//! thread and on three.

mod common;

use common::Shared;

use std::io;

use finisterra_ais::AisMessage;
use finisterra_census::shard::{default_precursor_days, plan_census};
use finisterra_census::{
    summary_json, Census, CensusConfig, Detectors, Finding, FindingWriter, ShardMerge, ShardResult,
};
use finisterra_geofence::Land;
use finisterra_sim::fleet::FleetConfig;

fn census(cfg: CensusConfig, land: &Land, threads: usize) -> Census {
    Census::new(cfg, land.clone())
        .expect("census")
        .with_inland_water(Land::inland_water().expect("inland water"))
        .with_threads(threads)
        .with_batch_steps(1_000)
}

/// The tables and `summary.json` of these findings and counters.
fn write(
    findings: Vec<Finding>,
    census: &Census,
    stats: &finisterra_census::CensusStats,
) -> Vec<(String, Vec<u8>)> {
    let mut tables: Vec<(String, Shared)> = Vec::new();
    let mut sinks = FindingWriter::new(true, |name| {
        let s = Shared::default();
        tables.push((name.to_string(), s.clone()));
        Ok::<_, io::Error>(s)
    })
    .expect("tables");
    let mut found = findings;
    sinks.write_all(&mut found);
    let summary = sinks.finish().expect("tables written");
    let doc =
        summary_json(&summary, census.config(), &serde_json::json!({}), stats).expect("summary");
    let mut out: Vec<(String, Vec<u8>)> = tables
        .into_iter()
        .map(|(n, s)| (n, s.0.lock().expect("lock").clone()))
        .collect();
    out.push(("summary.json".into(), doc.into_bytes()));
    out
}

/// Output files by name, as [`write`] gives them.
type Files = Vec<(String, Vec<u8>)>;

/// One census over all of `msgs` on one thread: the census, its findings
/// and its files.
fn whole_census(
    msgs: &[(AisMessage, i64)],
    cfg: CensusConfig,
    land: &Land,
) -> (Census, Vec<Finding>, Files) {
    let mut whole = census(cfg, land, 1);
    let mut found = Vec::new();
    for (m, t) in msgs {
        whole.push(m, *t, &mut found);
    }
    whole.finish(&mut found);
    let files = write(found.clone(), &whole, &whole.stats());
    (whole, found, files)
}

/// The `summary.json` among these files.
fn summary_of(files: &[(String, Vec<u8>)]) -> serde_json::Value {
    let doc = &files
        .iter()
        .find(|f| f.0 == "summary.json")
        .expect("summary")
        .1;
    serde_json::from_slice(doc).expect("JSON")
}

fn day_of(t: i64) -> String {
    finisterra_engine::iso8601(t)[..10].to_string()
}

#[test]
fn shards_merged_give_the_census_of_the_whole() {
    let cfg = FleetConfig {
        vessels: 120,
        hours: 75.0,
        start: "2026-03-01T15:00:00Z".into(),
        seed: 5,
        report_interval_s: 180.0,
        encounters: Some(4),
        loitering: Some(4),
        gaps: Some(4),
        spoofers: Some(2),
        ..FleetConfig::default()
    };
    let (msgs, _) = common::fleet_messages(&cfg);
    let land = Land::world().expect("bundled land");
    // One census of the whole.
    let (whole, found_whole, one) = whole_census(&msgs, CensusConfig::default(), &land);
    let summary = summary_of(&one);

    // Something to compare: every kind, and runs that cross midnight.
    for k in ["near_misses", "encounters", "loitering", "gaps", "spoofing"] {
        assert!(
            summary["counts"][k].as_u64() > Some(0),
            "{k}: {}",
            summary["counts"]
        );
    }
    let crossing = found_whole
        .iter()
        .filter(|f| day_of(f.start_ms()) != day_of(f.end_ms()))
        .count();
    assert!(crossing >= 3, "{crossing} findings cross midnight");

    let mut days: Vec<String> = msgs.iter().map(|(_, t)| day_of(*t)).collect();
    days.dedup();
    assert_eq!(days.len(), 4);
    let precursor = default_precursor_days(whole.config());
    for threads in [1, 3] {
        let other = merged(&msgs, &days, &land, precursor, threads, &whole);
        assert_eq!(one.len(), other.len());
        for (a, b) in one.iter().zip(&other) {
            assert_eq!(a.0, b.0);
            if a.1 != b.1 {
                let (sa, sb) = (String::from_utf8_lossy(&a.1), String::from_utf8_lossy(&b.1));
                if a.0.ends_with(".parquet") {
                    panic!("{} differs on {threads} threads", a.0);
                }
                let la: Vec<&str> = sa.lines().collect();
                let lb: Vec<&str> = sb.lines().collect();
                let only_a: Vec<&&str> = la.iter().filter(|l| !lb.contains(l)).collect();
                let only_b: Vec<&&str> = lb.iter().filter(|l| !la.contains(l)).collect();
                panic!(
                    "{} differs on {threads} threads: {} vs {} lines\nonly whole: {only_a:#?}\nonly shards: {only_b:#?}",
                    a.0,
                    la.len(),
                    lb.len()
                );
            }
        }
    }
    // Without a precursor, runs crossing midnight are cut: the comparison
    // above is not blind.
    let cut = merged(&msgs, &days, &land, 0, 1, &whole);
    assert!(
        one.iter().zip(&cut).any(|(a, b)| a.1 != b.1),
        "shards without a precursor gave the same tables"
    );
    // Spoofing is judged over the whole archive by a shard of its own: its
    // tables are the one census's even without a precursor (they were not
    // when the day shards judged it: the tracks' episodes cross midnight).
    for (a, b) in one.iter().zip(&cut) {
        if a.0.starts_with("spoofing.") {
            assert!(a.1 == b.1, "{} differs without a precursor", a.0);
        }
    }
    // So are the picture's counters: its picture is one over the whole
    // archive (a day shard's starts at its precursor).
    let (c1, c0) = (
        summary_of(&one)["census"].clone(),
        summary_of(&cut)["census"].clone(),
    );
    for k in [
        "accepted_positions",
        "rejected",
        "mmsi_conflicts",
        "reacquired",
        "vessels_forgotten",
    ] {
        assert_eq!(c1[k], c0[k], "census.{k} without a precursor");
    }
}

/// The shards of `days`, judged in reverse order and merged.
fn merged(
    msgs: &[(AisMessage, i64)],
    days: &[String],
    land: &Land,
    precursor: u32,
    threads: usize,
    whole: &Census,
) -> Vec<(String, Vec<u8>)> {
    let specs = plan_census(days, precursor, whole.config().detectors, true).expect("plan");
    assert_eq!(
        specs.iter().filter(|s| s.whole).count(),
        usize::from(whole.config().detectors.spoofing)
    );
    let mut merge = ShardMerge::new(specs.clone());
    for spec in specs.iter().rev() {
        let mut c = census(spec.config(whole.config()), land, threads)
            .with_shard(spec.own_from_ms, spec.last);
        let mut found = Vec::new();
        let mut rows = 0;
        for (m, t) in msgs {
            let day = day_of(*t);
            if !spec.read_days.contains(&day) {
                continue;
            }
            rows += u64::from(spec.owns_day(&day));
            c.push(m, *t, &mut found);
        }
        c.finish(&mut found);
        let r = ShardResult {
            index: spec.index,
            day: spec.day.clone(),
            findings: found,
            stats: c.shard_stats(),
            vessels: c.shard_vessels(),
            rows,
        };
        let r = ShardResult::from_bytes(&r.to_bytes()).expect("round trip");
        assert!(merge.add(r.clone()).expect("planned"));
        assert!(
            !merge.add(r).expect("planned"),
            "a second result is ignored"
        );
    }
    let merged = merge.finish().expect("every shard");
    assert_eq!(merged.rows, msgs.len() as u64);
    write(merged.findings, whole, &merged.stats)
}

/// Reports more often than a vessel looks for new neighbours (every 60 s
/// of data time): which of her fixes look must not depend on where the
/// census started reading, or the shards' work counters (and, in a
/// closer case, the pairs they open) are not the whole census's.
#[test]
fn frequent_reports_give_the_whole_census_work_counters() {
    let cfg = FleetConfig {
        vessels: 40,
        hours: 56.0,
        start: "2026-03-01T15:00:00Z".into(),
        seed: 7,
        report_interval_s: 25.0,
        encounters: Some(3),
        loitering: Some(1),
        ..FleetConfig::default()
    };
    let (msgs, _) = common::fleet_messages(&cfg);
    let land = Land::world().expect("bundled land");
    // Without gaps the precursor is one day: the third day's shard starts
    // reading at the second's start, long after the vessels' first fixes.
    let detectors =
        Detectors::only("near_misses,encounters,loitering,spoofing").expect("detectors");
    let cfg = CensusConfig {
        detectors,
        ..CensusConfig::default()
    };
    let (whole, _, one) = whole_census(&msgs, cfg, &land);
    let mut days: Vec<String> = msgs.iter().map(|(_, t)| day_of(*t)).collect();
    days.dedup();
    assert_eq!(days.len(), 3);
    let precursor = default_precursor_days(whole.config());
    assert_eq!(precursor, 1);
    let other = merged(&msgs, &days, &land, precursor, 1, &whole);
    let (s1, s2) = (summary_of(&one), summary_of(&other));
    assert!(
        s1["census"]["near_miss"]["scans"].as_u64() > Some(10_000),
        "{}",
        s1["census"]
    );
    assert_eq!(s1["census"], s2["census"], "the summaries' counters");
    for (a, b) in one.iter().zip(&other) {
        assert!(a.1 == b.1, "{} differs", a.0);
    }
}

//! The census finds what the fleet simulator planted — encounters,
//! loitering, gaps and every kind of spoofing — and nothing else of those
//! kinds. Precision and recall are printed and asserted.

mod common;

use finisterra_census::{run_all, CensusConfig, Finding, Kind};
use finisterra_geofence::Land;
use finisterra_sim::fleet::{FleetConfig, Planted};

/// (kind file name, spoofing sub-kind, MMSIs, start, end) of a finding.
fn key(f: &Finding) -> (&'static str, Option<&'static str>, Vec<u32>, i64, i64) {
    let sub = match f {
        Finding::Spoofing(s) => Some(s.kind),
        _ => None,
    };
    let (a, b) = f.mmsis();
    let mut m = vec![a];
    m.extend(b);
    m.sort_unstable();
    (f.kind().name(), sub, m, f.start_ms(), f.end_ms())
}

fn matches(p: &Planted, f: &(&'static str, Option<&'static str>, Vec<u32>, i64, i64)) -> bool {
    let slack = 3_600_000;
    let mut pm = p.mmsi.clone();
    pm.sort_unstable();
    p.kind == f.0
        && p.subkind.as_deref() == f.1
        && pm == f.2
        && f.3 <= p.end_ms + slack
        && f.4 >= p.start_ms - slack
}

#[test]
fn census_finds_what_was_planted_and_nothing_else() {
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
    let (msgs, truth) = common::fleet_messages(&cfg);
    let land = Land::world().expect("bundled land");
    let (found, stats) = run_all(CensusConfig::default(), land, msgs).expect("census");
    let judged = [Kind::Encounter, Kind::Loitering, Kind::Gap, Kind::Spoofing];
    let findings: Vec<_> = judged
        .iter()
        .flat_map(|k| found.get(k).into_iter().flatten())
        .map(key)
        .collect();
    let mut lines = Vec::new();
    let mut tp_found = 0;
    for f in &findings {
        let ok = truth.planted.iter().any(|p| matches(p, f));
        if ok {
            tp_found += 1;
        } else {
            lines.push(format!("  not planted: {f:?}"));
        }
    }
    let mut tp_planted = 0;
    for p in &truth.planted {
        if findings.iter().any(|f| matches(p, f)) {
            tp_planted += 1;
        } else {
            lines.push(format!(
                "  missed: {} {:?} {:?} {}..{}",
                p.kind, p.subkind, p.mmsi, p.start, p.end
            ));
        }
    }
    let precision = tp_found as f64 / findings.len().max(1) as f64;
    let recall = tp_planted as f64 / truth.planted.len().max(1) as f64;
    println!(
        "truth: {} planted, {} found; precision {:.3}, recall {:.3} ({} messages, {} near misses besides)\n{}",
        truth.planted.len(),
        findings.len(),
        precision,
        recall,
        stats.messages,
        found.get(&Kind::NearMiss).map_or(0, |v| v.len()),
        lines.join("\n")
    );
    assert_eq!(truth.planted.len(), 15);
    assert!(precision >= 0.95, "precision {precision}");
    assert!(recall >= 0.95, "recall {recall}");
}

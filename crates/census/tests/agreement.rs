//! Census and `scan` agree where both see the same thing: the same
//! simulated traffic goes through the engine (as `finisterra scan` runs it)
//! and through the census.
//!
//! * Teleports and second transmitters: the same positions rejected, the
//!   same MMSI conflicts, the same reacquisitions — and the spoofing rows
//!   add up to the engine's counters.
//! * Near misses: every close-quarters situation the census finds (actual
//!   distance below 0.5 NM) was a collision risk for the engine, and the
//!   smallest range the engine saw while the risk was open (`min_range_nm`
//!   of `risk.cleared`, sampled every 10 s on dead-reckoned positions)
//!   agrees with the census's interpolated minimum within what ten seconds
//!   of relative motion can make.

mod common;

use std::collections::BTreeMap;

use finisterra_census::{run_all, CensusConfig, Finding, Kind};
use finisterra_engine::{Config, Engine, EventBody};
use finisterra_geofence::Land;
use finisterra_sim::fleet::FleetConfig;

#[derive(Debug, Clone)]
struct EngineRisk {
    raised_ms: i64,
    cleared_ms: i64,
    min_range_nm: f64,
    sogs: (f64, f64),
}

#[test]
fn census_agrees_with_scan() {
    let cfg = FleetConfig {
        vessels: 600,
        hours: 5.0,
        seed: 21,
        report_interval_s: 30.0,
        spoofers: Some(2),
        ..FleetConfig::default()
    };
    let (msgs, _truth) = common::fleet_messages(&cfg);
    let t0 = msgs.first().map(|m| m.1).unwrap_or(0);
    // scan: the engine over the same messages, in the same order.
    let mut engine = Engine::new(Config::default());
    let mut events = Vec::new();
    for (m, t) in &msgs {
        let _ = engine.ingest(m, *t, &mut events);
    }
    let mut open: BTreeMap<(u32, u32), i64> = BTreeMap::new();
    let mut risks: BTreeMap<(u32, u32), Vec<EngineRisk>> = BTreeMap::new();
    for e in &events {
        match &e.body {
            EventBody::RiskRaised(r) => {
                open.insert((r.a.mmsi, r.b.mmsi), e.time_ms);
            }
            EventBody::RiskCleared(c) => {
                let k = (c.a.mmsi, c.b.mmsi);
                let raised = open.remove(&k).unwrap_or(e.time_ms);
                risks.entry(k).or_default().push(EngineRisk {
                    raised_ms: raised,
                    cleared_ms: e.time_ms,
                    min_range_nm: c.min_range_nm,
                    sogs: (c.a.sog_kn, c.b.sog_kn),
                });
            }
            _ => {}
        }
    }
    for o in engine.open_risks() {
        let k = (o.risk.a.mmsi, o.risk.b.mmsi);
        risks.entry(k).or_default().push(EngineRisk {
            raised_ms: o.raised_ms,
            cleared_ms: i64::MAX,
            min_range_nm: o.min_range_nm,
            sogs: (o.risk.a.sog_kn, o.risk.b.sog_kn),
        });
    }
    let ps = engine.picture_stats().clone();

    let land = Land::world().expect("bundled land");
    let (found, stats) = run_all(CensusConfig::default(), land, msgs).expect("census");

    // 1. Teleports and identity conflicts: the very same counts.
    let teleports = ps
        .rejected
        .iter()
        .find(|r| r.0 == "position_teleport")
        .map_or(0, |r| r.1);
    assert!(teleports > 0, "the fleet has spoofers");
    assert_eq!(
        stats
            .rejected
            .get("position_teleport")
            .copied()
            .unwrap_or(0),
        teleports
    );
    assert_eq!(stats.mmsi_conflicts, ps.mmsi_conflicts);
    assert_eq!(stats.reacquired, ps.reacquired);
    let (mut rejected, mut conflicts) = (0u64, 0u64);
    for f in found.get(&Kind::Spoofing).into_iter().flatten() {
        if let Finding::Spoofing(s) = f {
            if s.kind == "teleport" || s.kind == "identity_conflict" {
                rejected += s.rejected_positions as u64;
                conflicts += s.conflict_fixes as u64;
            }
        }
    }
    assert_eq!(
        rejected, teleports,
        "spoofing rows add up to the engine's teleports"
    );
    assert_eq!(conflicts, ps.mmsi_conflicts);

    // 2. Near misses: each one a risk for the engine, minimum range consistent.
    let mut checked = 0;
    let mut bad = Vec::new();
    for f in found.get(&Kind::NearMiss).into_iter().flatten() {
        let Finding::NearMiss(n, _) = f else { continue };
        // Situations already under way when the data starts cannot have
        // been predicted by anyone.
        if n.start_time.0 - t0 < 15 * 60_000 {
            continue;
        }
        checked += 1;
        let tol_nm = 0.03 + n.rel_speed_kn * 10.0 / 3600.0;
        let ok = risks.get(&(n.mmsi_a, n.mmsi_b)).is_some_and(|rs| {
            rs.iter().any(|r| {
                r.raised_ms <= n.cpa_time.0 + 30_000
                    && r.cleared_ms >= n.cpa_time.0 - 30_000
                    && (r.min_range_nm - n.min_distance_nm).abs() <= tol_nm
            })
        });
        if !ok {
            bad.push(format!(
                "{}-{} cpa {} {:.3} NM rel {:.1} kn: engine {:?}",
                n.mmsi_a,
                n.mmsi_b,
                n.cpa_time.iso(),
                n.min_distance_nm,
                n.rel_speed_kn,
                risks.get(&(n.mmsi_a, n.mmsi_b))
            ));
        }
    }
    // 3. The other way: risks the engine saw pass very close between two
    // vessels under way are near misses of the census.
    let nm_pairs: std::collections::BTreeSet<(u32, u32)> = found
        .get(&Kind::NearMiss)
        .into_iter()
        .flatten()
        .filter_map(|f| match f {
            Finding::NearMiss(n, _) => Some((n.mmsi_a, n.mmsi_b)),
            _ => None,
        })
        .collect();
    let mut reverse_checked = 0;
    let mut reverse_bad = Vec::new();
    for (k, rs) in &risks {
        for r in rs {
            if r.min_range_nm < 0.4
                && r.sogs.0 >= 3.0
                && r.sogs.1 >= 3.0
                && r.raised_ms - t0 >= 15 * 60_000
            {
                reverse_checked += 1;
                if !nm_pairs.contains(k) {
                    reverse_bad.push(format!("{k:?} {r:?}"));
                }
            }
        }
    }
    println!(
        "agreement: {teleports} teleport rejections, {} conflicts, {} reacquired (equal); near misses checked {checked}, disagreeing {}; engine close risks checked {reverse_checked}, missing in census {}\n{}\n{}",
        ps.mmsi_conflicts,
        ps.reacquired,
        bad.len(),
        reverse_bad.len(),
        bad.join("\n"),
        reverse_bad.join("\n")
    );
    assert!(checked >= 20, "enough near misses to compare ({checked})");
    assert!(
        bad.is_empty(),
        "{} of {checked} census near misses disagree with scan",
        bad.len()
    );
    assert!(
        reverse_bad.is_empty(),
        "{} engine risks below 0.4 NM not in the census",
        reverse_bad.len()
    );
}

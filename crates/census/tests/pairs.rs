//! Near misses, encounters, loitering and gaps judged again from an
//! archive's index (and its spoofing findings) equal the census's, byte for
//! byte, for every threshold within the index's; an
//! index built with other picture settings, or asked for more than it
//! holds, is refused.

mod common;

use finisterra_ais::{AisMessage, Body, Text};
use finisterra_census::pairs::{
    replay, replay_log, PairIndexMeta, PairIndexSpec, PairLog, PAIRS_FORMAT, PAIRS_VERSION,
};
use finisterra_census::{Census, CensusConfig, CensusStats, Detectors};
use finisterra_geofence::Land;
use finisterra_sim::fleet::FleetConfig;

fn only(mut cfg: CensusConfig, kinds: &str) -> CensusConfig {
    cfg.detectors = Detectors::only(kinds).expect("kinds");
    cfg
}

/// The census's findings and counters.
fn census(
    msgs: &[(AisMessage, i64)],
    cfg: CensusConfig,
    land: &Land,
) -> (Vec<finisterra_census::Finding>, CensusStats) {
    let mut c = Census::new(cfg, land.clone()).expect("census");
    let mut found = Vec::new();
    for (m, t) in msgs {
        c.push(m, *t, &mut found);
    }
    c.finish(&mut found);
    (found, c.stats())
}

/// One kind's table (JSON Lines).
fn lines(found: &[finisterra_census::Finding], kind: &str) -> String {
    found
        .iter()
        .filter(|f| f.kind().name() == kind)
        .map(|f| f.to_json() + "\n")
        .collect()
}

/// A name change of one vessel at time `t`: a copy of one of its type 5
/// messages under another name.
fn rename(msgs: &[(AisMessage, i64)], mmsi: u32, name: &str, t: i64) -> (AisMessage, i64) {
    let mut m = msgs
        .iter()
        .find(|(m, _)| m.mmsi == mmsi && matches!(m.body, Body::StaticVoyage(_)))
        .expect("the vessel sends static data")
        .0
        .clone();
    if let Body::StaticVoyage(s) = &mut m.body {
        s.shipname = Text::from_str_lossy(name);
    }
    (m, t)
}

/// A change of the settings.
type Change = fn(&mut CensusConfig);

#[test]
fn encounters_from_the_pair_index_equal_the_census() {
    let fleet = FleetConfig {
        vessels: 150,
        hours: 30.0,
        start: "2026-05-01T06:00:00Z".into(),
        seed: 11,
        report_interval_s: 120.0,
        encounters: Some(6),
        loitering: Some(1),
        gaps: Some(5),
        spoofers: Some(1),
        ..FleetConfig::default()
    };
    let (mut msgs, _) = common::fleet_messages(&fleet);
    let land = Land::world().expect("bundled land");
    let base = only(CensusConfig::default(), "encounters");
    let table = lines(&census(&msgs, base, &land).0, "encounters");
    let rows: Vec<&str> = table.lines().collect();
    assert!(rows.len() >= 3, "the fleet has encounters: {table}");
    // Rename one vessel of the first encounter in its middle (and in every
    // static message after): the rerun must name it as the census does
    // when the run ends.
    let first: serde_json::Value = serde_json::from_str(rows[0]).expect("json");
    let mmsi = first["mmsi_a"].as_u64().expect("mmsi") as u32;
    let start = finisterra_nmea::parse_iso8601_ms(first["start_time"].as_str().expect("t"), true)
        .expect("time");
    let end = finisterra_nmea::parse_iso8601_ms(first["end_time"].as_str().expect("t"), true)
        .expect("time");
    let at = msgs.partition_point(|(_, t)| *t < (start + end) / 2);
    let renamed = rename(&msgs, mmsi, "RENAMED MIDWAY", msgs[at].1);
    msgs.insert(at, renamed);
    for (m, _) in &mut msgs[at..] {
        if let (true, Body::StaticVoyage(s)) = (m.mmsi == mmsi, &mut m.body) {
            s.shipname = Text::from_str_lossy("RENAMED MIDWAY");
        }
    }

    // Silences of 90 minutes (shorter than the default gap, longer than
    // the index's shortest) for 20 vessels, 20 hours in.
    let t0 = msgs[0].1 + 20 * 3_600_000;
    let mut quiet: Vec<u32> = msgs.iter().map(|(m, _)| m.mmsi).collect();
    quiet.sort_unstable();
    quiet.dedup();
    quiet.truncate(20);
    msgs.retain(|(m, t)| !(quiet.contains(&m.mmsi) && (t0..t0 + 5_400_000).contains(t)));

    // The index, drained as the CLI drains it (every few thousand
    // messages).
    let spec = PairIndexSpec::default();
    let build = |threads: usize| {
        let mut b = Census::for_pair_index(CensusConfig::default(), spec, land.clone())
            .expect("build")
            .with_threads(threads)
            .with_batch_steps(1_000);
        let mut log = PairLog::default();
        let mut found = Vec::new();
        for (i, (m, t)) in msgs.iter().enumerate() {
            b.push(m, *t, &mut found);
            if i % 5_000 == 0 {
                b.drain_pair_log(&mut log);
            }
        }
        b.finish(&mut found);
        b.drain_pair_log(&mut log);
        // The building census's spoofing findings are the index's.
        found.retain(|f| f.kind().name() == "spoofing");
        (b, log, found)
    };
    let (b, log, spoofing) = build(1);
    assert!(!log.pairs.is_empty() && !log.instants.is_empty());
    assert!(!log.near_misses.is_empty() && !log.gaps.is_empty());
    // Built on worker threads: the same index.
    let (b3, log3, spoofing3) = build(3);
    let tables = |l: &PairLog| {
        format!(
            "{:?}{:?}{:?}{:?}{:?}{:?}{:?}",
            l.instants, l.pairs, l.events, l.gaps, l.run_classes, l.near_misses, l.loiter
        )
    };
    assert!(
        tables(&log) == tables(&log3),
        "the index built on 3 threads differs"
    );
    assert_eq!(spoofing, spoofing3);
    assert_eq!(b.stats(), b3.stats());
    let meta = PairIndexMeta {
        format: PAIRS_FORMAT.into(),
        version: PAIRS_VERSION,
        spec,
        config: spec.build_config(&CensusConfig::default()),
        parts: Vec::new(),
        archive_rows: msgs.len() as u64,
        stats: b.stats(),
        bands: Vec::new(),
        land: "world".into(),
        instants: log.instants.len() as u64,
        events: log.events.len() as u64,
        gaps: log.gaps.len() as u64,
        near_miss_bands: Vec::new(),
        loitering: log.loiter.len() as u64,
        inland_water: "none".into(),
        spoofing: spoofing.len() as u64,
    };

    let mut counts = Vec::new();
    let variants: [(&str, Change); 6] = [
        ("defaults", |_| {}),
        ("300 m", |c| c.encounter.max_distance_m = 300.0),
        ("2,000 m", |c| c.encounter.max_distance_m = 2_000.0),
        ("1 h", |c| c.encounter.min_duration_s = 3_600.0),
        ("median 1 kn", |c| c.encounter.max_median_sog_kn = 1.0),
        ("4 kn, 5 km from shore", |c| {
            c.encounter.max_median_sog_kn = 4.0;
            c.encounter.min_shore_distance_m = 5_000.0;
        }),
    ];
    for (what, change) in variants {
        let mut cfg = base;
        change(&mut cfg);
        meta.check(&cfg).unwrap_or_else(|e| panic!("{what}: {e}"));
        let (found, stats) = census(&msgs, cfg, &land);
        let want = lines(&found, "encounters");
        let mut got = Vec::new();
        let close = replay_log(&log, &cfg, &land, &mut got);
        assert_eq!(
            lines(&got, "encounters"),
            want,
            "{what}: encounter tables differ"
        );
        assert_eq!(close, stats.resample.close_pairs, "{what}: close pairs");
        counts.push(want.lines().count());
        if what == "defaults" {
            assert!(want.contains("RENAMED MIDWAY"), "the rename shows: {want}");
        }
    }
    assert!(
        counts.windows(2).any(|w| w[0] != w[1]),
        "thresholds change the answer: {counts:?}"
    );

    // The pairs by small chunks (instants straddle them): the same.
    let cfg = only(CensusConfig::default(), "encounters,gaps");
    let mut whole = Vec::new();
    replay_log(&log, &cfg, &land, &mut whole);
    let chunks = log.pairs.chunks(97).map(|c| Ok::<_, ()>(c.to_vec()));
    let mut by_chunks = Vec::new();
    replay(&log, chunks, &cfg, &land, &mut by_chunks).expect("no error");
    assert_eq!(lines(&whole, "encounters"), lines(&by_chunks, "encounters"));
    assert!(!lines(&whole, "encounters").is_empty());
    let failing = [Ok(log.pairs[..500].to_vec()), Err("damaged")].into_iter();
    let e = replay(&log, failing, &cfg, &land, &mut Vec::new()).expect_err("the error");
    assert_eq!(e, "damaged");

    // Gaps, alone and with encounters.
    let mut counts = Vec::new();
    let gap_variants: [(&str, &str, Change); 5] = [
        ("defaults", "gaps", |_| {}),
        ("2 h", "gaps", |c| c.gap.min_duration_s = 7_200.0),
        ("1 h, 5 NM", "gaps", |c| {
            c.gap.min_duration_s = 3_600.0;
            c.gap.min_shore_distance_nm = 5.0;
        }),
        ("6 h, 2 expected", "gaps", |c| {
            c.gap.min_duration_s = 6.0 * 3_600.0;
            c.gap.min_expected_positions = 2.0;
        }),
        ("with encounters", "encounters,gaps", |c| {
            c.gap.min_duration_s = 7_200.0
        }),
    ];
    for (what, kinds, change) in gap_variants {
        let mut cfg = only(CensusConfig::default(), kinds);
        change(&mut cfg);
        meta.check(&cfg).unwrap_or_else(|e| panic!("{what}: {e}"));
        let (found, _) = census(&msgs, cfg, &land);
        let mut got = Vec::new();
        replay_log(&log, &cfg, &land, &mut got);
        for kind in ["gaps", "encounters"] {
            assert_eq!(
                lines(&got, kind),
                lines(&found, kind),
                "{what}: {kind} differ"
            );
        }
        counts.push(lines(&found, "gaps").lines().count());
    }
    assert!(counts[0] >= 3, "the fleet has gaps: {counts:?}");
    assert!(counts[2] > counts[0], "shorter gaps count: {counts:?}");

    // Near misses, at the default distance and below, by every criterion.
    let mut counts = Vec::new();
    let nm_variants: [(&str, Change); 5] = [
        ("defaults", |_| {}),
        ("0.3 NM", |c| c.near_miss.distance_nm = 0.3),
        ("1 NM, domain", |c| {
            c.near_miss.distance_nm = 1.0;
            c.near_miss.criterion = finisterra_census::NearMissCriterion::Domain;
        }),
        ("0.2 NM, either", |c| {
            c.near_miss.distance_nm = 0.2;
            c.near_miss.criterion = finisterra_census::NearMissCriterion::Either;
        }),
        ("manoeuvres of 10°, 5 min", |c| {
            c.near_miss.manoeuvre_course_deg = 10.0;
            c.near_miss.manoeuvre_window_s = 300.0;
        }),
    ];
    for (what, change) in nm_variants {
        let mut cfg = only(CensusConfig::default(), "near_misses");
        change(&mut cfg);
        meta.check(&cfg).unwrap_or_else(|e| panic!("{what}: {e}"));
        let (found, stats) = census(&msgs, cfg, &land);
        let mut got = Vec::new();
        replay_log(&log, &cfg, &land, &mut got);
        assert_eq!(
            lines(&got, "near_misses"),
            lines(&found, "near_misses"),
            "{what}: near misses differ"
        );
        let tracks = |f: &[finisterra_census::Finding]| -> Vec<String> {
            f.iter()
                .filter_map(|f| match f {
                    finisterra_census::Finding::NearMiss(_, t) => Some(format!("{t:?}")),
                    _ => None,
                })
                .collect()
        };
        assert_eq!(tracks(&got), tracks(&found), "{what}: drawn tracks differ");
        assert_eq!(
            stats.near_miss, meta.stats.near_miss,
            "{what}: the pairs' lifecycle"
        );
        counts.push(lines(&found, "near_misses").lines().count());
    }
    assert!(counts[0] >= 5, "the fleet has near misses: {counts:?}");
    eprintln!("near misses by variant: {counts:?}");
    assert!(counts[1] < counts[0], "fewer at 0.3 NM: {counts:?}");

    // Loitering, at the default speed and below and above it; spoofing
    // (the building census's findings); and every detector at once, with
    // the census's counters.
    let mut counts = Vec::new();
    let loiter_variants: [(&str, &str, Change); 6] = [
        ("defaults", "loitering", |_| {}),
        ("1 h, anywhere", "loitering", |c| {
            c.loitering.min_duration_s = 3_600.0;
            c.loitering.min_shore_distance_nm = 0.0;
        }),
        ("0.5 kn, 1 h, anywhere", "loitering", |c| {
            c.loitering.max_sog_kn = 0.5;
            c.loitering.min_duration_s = 3_600.0;
            c.loitering.min_shore_distance_nm = 0.0;
        }),
        ("4 kn, 2 h, 5 NM", "loitering", |c| {
            c.loitering.max_sog_kn = 4.0;
            c.loitering.min_duration_s = 7_200.0;
            c.loitering.min_shore_distance_nm = 5.0;
        }),
        ("spoofing", "spoofing", |_| {}),
        (
            "everything",
            "near_misses,encounters,loitering,gaps,spoofing",
            |c| {
                c.loitering.min_shore_distance_nm = 0.0;
                c.near_miss.distance_nm = 0.3;
            },
        ),
    ];
    for (what, kinds, change) in loiter_variants {
        let mut cfg = only(CensusConfig::default(), kinds);
        change(&mut cfg);
        meta.check(&cfg).unwrap_or_else(|e| panic!("{what}: {e}"));
        let (found, stats) = census(&msgs, cfg, &land);
        let mut got = Vec::new();
        let close = replay_log(&log, &cfg, &land, &mut got);
        if cfg.detectors.spoofing {
            got.extend(spoofing.iter().cloned());
        }
        for kind in ["near_misses", "encounters", "loitering", "gaps", "spoofing"] {
            assert_eq!(
                lines(&got, kind),
                lines(&found, kind),
                "{what}: {kind} differ"
            );
        }
        assert_eq!(meta.stats_for(&cfg, close, &got), stats, "{what}: counters");
        counts.push(lines(&found, "loitering").lines().count());
    }
    eprintln!("loitering by variant: {counts:?}");
    assert!(counts[1] > counts[0] && counts[1] > counts[2], "{counts:?}");
    assert!(!lines(&spoofing, "spoofing").is_empty(), "the fleet spoofs");

    // Refusals, each naming what stands in the way.
    let mut far = base;
    far.encounter.max_distance_m = 2_500.0;
    let e = meta.check(&far).expect_err("beyond the index");
    assert!(e.contains("max_distance_m"), "{e}");
    let mut fast = base;
    fast.encounter.max_median_sog_kn = 5.0;
    let e = meta.check(&fast).expect_err("faster than the index");
    assert!(e.contains("max_median_sog_kn"), "{e}");
    let mut other = base;
    other.picture.max_speed_kn = 40.0;
    let e = meta.check(&other).expect_err("another picture");
    assert!(e.contains("picture.max_speed_kn"), "{e}");
    let mut loiter = only(CensusConfig::default(), "loitering");
    loiter.loitering.max_sog_kn = 5.0;
    let e = meta.check(&loiter).expect_err("faster than the index");
    assert!(e.contains("loitering.max_sog_kn"), "{e}");
    let mut spoof = only(CensusConfig::default(), "spoofing");
    spoof.spoofing.water_min_vessels = 5;
    let e = meta.check(&spoof).expect_err("another spoofing setting");
    assert!(e.contains("spoofing.water_min_vessels"), "{e}");
    spoof.detectors = Detectors::only("gaps").expect("kinds");
    meta.check(&spoof)
        .expect("spoofing's settings do not matter to gaps");
    let mut short = only(CensusConfig::default(), "gaps");
    short.gap.min_duration_s = 1_800.0;
    let e = meta
        .check(&short)
        .expect_err("shorter gaps than the index holds");
    assert!(e.contains("gap.min_duration_s"), "{e}");
    let mut wide = only(CensusConfig::default(), "near_misses");
    wide.near_miss.distance_nm = 1.5;
    let e = meta.check(&wide).expect_err("beyond the index");
    assert!(e.contains("near_miss.distance_nm"), "{e}");
    let mut ruled = only(CensusConfig::default(), "near_misses");
    ruled.near_miss.ruling_range_nm = 3.0;
    let e = meta.check(&ruled).expect_err("another ruling range");
    assert!(e.contains("near_miss.ruling_range_nm"), "{e}");
    ruled.detectors = Detectors::only("encounters").expect("kinds");
    meta.check(&ruled)
        .expect("the ruling range does not matter to encounters");
}

//! Position CSV files: the Suez Canal excerpt (BOM, minute times, rows
//! sorted by vessel, duplicates) and, when `../shared` is present, a NOAA
//! MarineCadastre sample (AGPL test data of AISdb: read in place, never
//! copied).

use std::path::PathBuf;

use finisterra_census::csv::{CsvMapping, CsvReader, TimeFormat};
use finisterra_census::{run_all, CensusConfig, Kind};
use finisterra_geofence::Land;

fn read_csv(
    bytes: &[u8],
    mapping: &CsvMapping,
    tf: TimeFormat,
) -> (
    Vec<(finisterra_ais::AisMessage, i64)>,
    finisterra_census::csv::CsvStats,
) {
    let mut lines = bytes.split(|&b| b == b'\n');
    let header = lines.next().expect("header");
    let mut r = CsvReader::new(header, mapping, tf).expect("header maps");
    let mut out = Vec::new();
    for l in lines {
        if l.is_empty() {
            continue;
        }
        r.row(l, &mut out);
    }
    (out, r.stats().clone())
}

#[test]
fn suez_canal_excerpt() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/evergiven/boat-positions-excerpt.csv");
    let bytes = std::fs::read(path).expect("fixture");
    let tf = TimeFormat::parse("%d/%m/%Y %H:%M").expect("format");
    assert_eq!(tf.resolution_s(), 60.0);
    let mapping = CsvMapping::parse("mmsi=ID,time=ais_pos_timestamp,lat=latitude,lon=longitude")
        .expect("mapping");
    let (mut msgs, st) = read_csv(&bytes, &mapping, tf);
    assert_eq!(st.rows, 279);
    assert_eq!(st.positions, 279);
    assert!(st.rejected.is_empty(), "{:?}", st.rejected);
    assert_eq!(st.statics, 6, "one static message per vessel");
    // Rows come vessel by vessel: put them in time order (as the CLI does
    // with --sort-files, the default for CSV).
    msgs.sort_by_key(|m| m.1);
    let mut cfg = CensusConfig {
        time_resolution_s: 60.0,
        ..CensusConfig::default()
    };
    cfg.spoofing.invalid_mmsi = false; // IDs, not MMSIs
    let land = Land::world().expect("land");
    let (found, stats) = run_all(cfg, land, msgs.clone()).expect("census");
    assert_eq!(stats.positions, 279);
    assert_eq!(stats.duplicates, 9, "exact repeats are counted once");
    let rejected: u64 = stats.rejected.values().sum();
    assert_eq!(
        stats.accepted_positions + rejected + stats.duplicates,
        stats.positions,
        "every position accounted for"
    );
    assert_eq!(stats.late, 0);
    assert_eq!(
        stats.time_jump, 0,
        "silences of days in sparse data are not broken times"
    );
    // With the IDs taken as MMSIs, every vessel is an invalid MMSI.
    let mut cfg2 = cfg;
    cfg2.spoofing.invalid_mmsi = true;
    let (found2, _) = run_all(cfg2, Land::world().expect("land"), msgs).expect("census");
    let invalid = found2
        .get(&Kind::Spoofing)
        .into_iter()
        .flatten()
        .filter(
            |f| matches!(f, finisterra_census::Finding::Spoofing(s) if s.kind == "invalid_mmsi"),
        )
        .count();
    assert_eq!(invalid, 6);
    println!(
        "suez excerpt: {:?}",
        found
            .iter()
            .map(|(k, v)| (k.name(), v.len()))
            .collect::<Vec<_>>()
    );
}

#[test]
fn marine_cadastre_sample_from_shared() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/ais/csv/aisdb_test_data_noaa_20230101.csv");
    let Ok(bytes) = std::fs::read(&path) else {
        missing(&format!(
            "{} (AGPL test data, read in place from ../shared only)",
            path.display()
        ));
        return;
    };
    let (msgs, st) = read_csv(&bytes, &CsvMapping::marine_cadastre(), TimeFormat::Iso);
    assert_eq!(st.rows, 1000);
    let rejected: u64 = st.rejected.values().sum();
    assert_eq!(st.positions + rejected, 1000, "{:?}", st.rejected);
    assert!(st.positions >= 990);
    // Heading 511 is "not available".
    let no_heading = msgs
        .iter()
        .filter(|(m, _)| matches!(&m.body, finisterra_ais::Body::Position(p) if p.heading_deg.is_none()))
        .count();
    assert!(no_heading > 0);
    let land = Land::world().expect("land");
    let (found, stats) = run_all(CensusConfig::default(), land, msgs).expect("census");
    let rej: u64 = stats.rejected.values().sum();
    assert_eq!(
        stats.accepted_positions + rej + stats.duplicates,
        stats.positions
    );
    println!(
        "MarineCadastre sample: {} positions, {} vessels; findings {:?}",
        stats.positions,
        stats.vessels,
        found
            .iter()
            .map(|(k, v)| (k.name(), v.len()))
            .collect::<Vec<_>>()
    );
}

/// A suite's real dependency is absent: under CI (`CI` set and not empty,
/// where `../shared` is beside the clone) that fails; elsewhere the test
/// says so and passes.
fn missing(what: &str) {
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!("CI is set but {what} is absent");
    }
    eprintln!("SKIP: {what} is absent");
}

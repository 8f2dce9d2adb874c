//! MMSI checks only on identities that are MMSIs: a CSV file whose vessel
//! ids are all below `MMSI_MIN_ID` (the Suez Canal excerpt: ids 1–6) gives
//! no `invalid_mmsi` finding, sorted or not; one real MMSI in the file makes
//! every id an MMSI again; NMEA ids are always MMSIs.

use std::path::PathBuf;

use finisterra_ais::AisMessage;
use finisterra_census::csv::{CsvMapping, TimeFormat, MMSI_MIN_ID};
use finisterra_census::{Census, CensusConfig, CsvInput, Finding};
use finisterra_geofence::Land;

fn excerpt() -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/evergiven/boat-positions-excerpt.csv");
    std::fs::read(path).expect("fixture")
}

fn mapping() -> CsvMapping {
    CsvMapping::parse("mmsi=ID,time=ais_pos_timestamp,lat=latitude,lon=longitude").expect("map")
}

fn tf() -> TimeFormat {
    TimeFormat::parse("%d/%m/%Y %H:%M").expect("format")
}

fn config() -> CensusConfig {
    CensusConfig {
        time_resolution_s: 60.0,
        ..CensusConfig::default()
    }
}

/// Reads `bytes` as the CLI does: rows pushed as read (unsorted) or at the
/// end (sorted), the ids that are not MMSIs given to the census once every
/// line is read. Returns the findings and
/// the census.
fn census_of(bytes: &[u8], sort: bool, tell_ids: bool) -> (Vec<Finding>, Census, Vec<u32>) {
    let mut census = Census::new(config(), Land::world().expect("land")).expect("census");
    let mut input = CsvInput::new(&mapping(), &tf(), sort);
    let mut rows: Vec<(AisMessage, i64)> = Vec::new();
    let mut found = Vec::new();
    for line in bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        input.line(line, &mut rows).expect("header maps");
        for (m, t) in rows.drain(..) {
            census.push(&m, t, &mut found);
        }
    }
    let ids = input.ids_not_mmsis();
    if tell_ids {
        census.ids_not_mmsis(&ids);
    }
    for (m, t) in input.finish() {
        census.push(&m, t, &mut found);
    }
    census.finish(&mut found);
    (found, census, ids)
}

fn invalid(found: &[Finding]) -> Vec<u32> {
    found
        .iter()
        .filter_map(|f| match f {
            Finding::Spoofing(s) if s.kind == "invalid_mmsi" => Some(s.mmsi),
            _ => None,
        })
        .collect()
}

fn shown(found: &[Finding]) -> Vec<String> {
    found.iter().map(|f| format!("{f:?}")).collect()
}

#[test]
fn row_ids_below_the_mmsi_range_get_no_mmsi_checks() {
    let bytes = excerpt();
    for sort in [true, false] {
        // Without the heuristic (ids taken as MMSIs): six invalid MMSIs.
        let (before, _, ids) = census_of(&bytes, sort, false);
        assert_eq!(ids, vec![1, 2, 3, 4, 5, 6]);
        assert_eq!(invalid(&before).len(), 6, "sort {sort}");
        let (after, census, _) = census_of(&bytes, sort, true);
        assert!(invalid(&after).is_empty(), "sort {sort}");
        assert_eq!(census.stats().ids_not_mmsis, 6);
        // Nothing else changes: the other findings are the same.
        let others: Vec<Finding> = before
            .into_iter()
            .filter(|f| !matches!(f, Finding::Spoofing(s) if s.kind == "invalid_mmsi"))
            .collect();
        assert_eq!(shown(&others), shown(&after), "sort {sort}");
    }
}

#[test]
fn one_real_mmsi_makes_every_id_an_mmsi() {
    let mut bytes = excerpt();
    bytes.extend_from_slice(b"224000001,25/03/2021 12:00,32.55,29.95\n");
    let (found, census, ids) = census_of(&bytes, true, true);
    assert!(ids.is_empty());
    assert_eq!(census.stats().ids_not_mmsis, 0);
    // 224000001 is a Spanish ship station; ids 1-6 are judged as MMSIs.
    let mut bad = invalid(&found);
    bad.sort_unstable();
    assert_eq!(bad, vec![1, 2, 3, 4, 5, 6]);
    // The threshold itself is an MMSI-sized id.
    let mut edge = excerpt();
    edge.extend_from_slice(format!("{MMSI_MIN_ID},25/03/2021 12:00,32.55,29.95\n").as_bytes());
    assert!(census_of(&edge, true, true).2.is_empty());
    let mut below = excerpt();
    below.extend_from_slice(
        format!("{},25/03/2021 12:00,32.55,29.95\n", MMSI_MIN_ID - 1).as_bytes(),
    );
    assert_eq!(census_of(&below, true, true).2.len(), 7);
}

#[test]
fn ids_given_directly_are_mmsis() {
    // NMEA (or any caller that does not say otherwise): a small MMSI is
    // judged as an MMSI.
    let (msgs, _) = {
        let mut input = CsvInput::new(&mapping(), &tf(), true);
        let mut rows = Vec::new();
        for line in excerpt().split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            input.line(line, &mut rows).expect("header maps");
        }
        (input.finish().collect::<Vec<_>>(), ())
    };
    let (by, stats) =
        finisterra_census::run_all(config(), Land::world().expect("land"), msgs).expect("census");
    let found: Vec<Finding> = by.into_values().flatten().collect();
    assert_eq!(invalid(&found).len(), 6);
    assert_eq!(stats.ids_not_mmsis, 0);
    // And `summary.json` has no `ids_not_mmsis` key then.
    let v = serde_json::to_value(&stats).expect("json");
    assert!(v.get("ids_not_mmsis").is_none());
}

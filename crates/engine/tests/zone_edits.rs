//! Zones and hazards replaced while alerts are open: alerts follow their
//! zone by identity, never by its place in the list; nothing panics.

use finisterra_ais::BasicPosition;
use finisterra_engine::geofence::{Hazards, Zones};
use finisterra_engine::{Config, Engine, Event, EventBody, Ingested, TimePolicy};

const T0: i64 = 1_780_000_000_000;

fn pos(mmsi: u32, lat: f64, lon: f64, cog: f64, sog: f64) -> finisterra_ais::AisMessage {
    BasicPosition {
        mmsi,
        class_b: false,
        status: 0,
        turn: None,
        sog_kn: Some(sog),
        cog_deg: Some(cog),
        heading_deg: None,
        lat_deg: lat,
        lon_deg: lon,
        second: 0,
        accuracy: true,
        radio: 0,
    }
    .message()
}

fn square(id: Option<&str>, name: &str, rule: &str, lon0: f64, lat0: f64, size: f64) -> String {
    let id = id.map_or(String::new(), |i| format!("\"id\":\"{i}\","));
    let (lon1, lat1) = (lon0 + size, lat0 + size);
    format!(
        r#"{{"type":"Feature",{id}"properties":{{"name":"{name}","rule":"{rule}"}},
        "geometry":{{"type":"Polygon","coordinates":[[[{lon0},{lat0}],[{lon1},{lat0}],[{lon1},{lat1}],[{lon0},{lat1}],[{lon0},{lat0}]]]}}}}"#
    )
}

fn zones(features: &[String]) -> Zones {
    let doc = format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",")
    );
    Zones::from_geojson_bytes(doc.as_bytes()).expect("valid zones")
}

fn zone_events(evs: &[Event]) -> Vec<(&'static str, String, Option<&'static str>)> {
    evs.iter()
        .filter_map(|e| match &e.body {
            EventBody::ZoneViolation(a)
            | EventBody::ZoneCleared(a)
            | EventBody::ZonePredicted(a) => Some((e.body.kind(), a.zone.name.clone(), a.reason)),
            _ => None,
        })
        .collect()
}

/// Keep-out squares: A far away, B and C (0.6 NM wide) one after the other
/// on the vessel's way north.
fn abc() -> (String, String, String) {
    (
        square(Some("a"), "A", "keep_out", -9.0, 44.0, 0.01),
        square(Some("b"), "B", "keep_out", -9.46, 43.0, 0.01),
        square(Some("c"), "C", "keep_out", -9.46, 43.02, 0.01),
    )
}

/// A vessel steaming north through a keep-out square B (after square A in
/// the list), with a violation open in B.
fn engine_with_open_violation() -> (Engine, Vec<Event>) {
    let mut e = Engine::new(Config::default());
    let (a, b, c) = abc();
    let mut out = Vec::new();
    e.set_zones(zones(&[a, b, c]), &mut out);
    assert!(out.is_empty());
    // South of B, then inside B.
    let _ = e.ingest(&pos(224_000_001, 42.999, -9.45, 0.0, 12.0), T0, &mut out);
    let _ = e.ingest(
        &pos(224_000_001, 43.002, -9.45, 0.0, 12.0),
        T0 + 60_000,
        &mut out,
    );
    let v: Vec<_> = zone_events(&out)
        .into_iter()
        .filter(|e| e.0 == "zone.violation")
        .collect();
    assert_eq!(v, vec![("zone.violation", "B".to_string(), None)]);
    assert_eq!(e.zone_violations().count(), 1);
    (e, out)
}

#[test]
fn deleting_the_zone_of_an_open_violation_clears_it_and_nothing_panics() {
    let (mut e, _) = engine_with_open_violation();
    let (a, _, _) = abc();
    let mut out = Vec::new();
    // The list gets shorter than the index of the open alert's zone.
    e.set_zones(zones(&[a]), &mut out);
    // The prediction for C (ahead) and the violation of B both end.
    assert_eq!(
        zone_events(&out),
        vec![
            ("zone.cleared", "C".into(), Some("zone_removed")),
            ("zone.cleared", "B".into(), Some("zone_removed"))
        ]
    );
    assert_eq!(e.zone_predictions().count(), 0);
    assert_eq!(e.zone_violations().count(), 0);
    // The next fixes are judged against the new list without a panic.
    let mut out = Vec::new();
    let _ = e.ingest(
        &pos(224_000_001, 43.005, -9.45, 0.0, 12.0),
        T0 + 120_000,
        &mut out,
    );
    e.advance(T0 + 600_000, &mut out);
    assert!(zone_events(&out).is_empty(), "{:?}", zone_events(&out));
}

#[test]
fn deleting_an_earlier_zone_keeps_the_alert_on_its_own_zone_and_later_entries_raise() {
    let (mut e, _) = engine_with_open_violation();
    let (_, b, c) = abc();
    let mut out = Vec::new();
    // A removed: B moves from index 1 to 0, C from 2 to 1.
    e.set_zones(zones(&[b, c]), &mut out);
    assert!(zone_events(&out).is_empty(), "{:?}", zone_events(&out));
    let open: Vec<_> = e.zone_violations().collect();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].zone.name, "B");
    assert_eq!(open[0].zone.index, 0);
    // Leaving B clears B; entering C (a keep-out) raises C.
    let mut out = Vec::new();
    let _ = e.ingest(
        &pos(224_000_001, 43.0125, -9.45, 0.0, 12.0),
        T0 + 240_000,
        &mut out,
    );
    let _ = e.ingest(
        &pos(224_000_001, 43.0225, -9.45, 0.0, 12.0),
        T0 + 420_000,
        &mut out,
    );
    let got: Vec<_> = zone_events(&out)
        .into_iter()
        .filter(|e| e.0 != "zone.predicted")
        .collect();
    assert_eq!(
        got,
        vec![
            ("zone.cleared", "B".into(), Some("left")),
            ("zone.violation", "C".into(), None),
        ]
    );
}

#[test]
fn a_new_keep_out_zone_around_a_vessel_raises_at_once_and_a_moved_one_clears() {
    let mut e = Engine::new(Config::default());
    let mut out = Vec::new();
    let _ = e.ingest(&pos(224_000_002, 43.05, -9.45, 0.0, 0.0), T0, &mut out);
    let b = square(Some("b"), "B", "keep_out", -9.5, 43.0, 0.1);
    e.set_zones(zones(std::slice::from_ref(&b)), &mut out);
    assert_eq!(
        zone_events(&out),
        vec![("zone.violation", "B".into(), Some("zone_changed"))]
    );
    // Same identity, moved away from the vessel: the violation ends.
    let mut out = Vec::new();
    let moved = square(Some("b"), "B", "keep_out", -8.5, 43.0, 0.1);
    e.set_zones(zones(&[moved]), &mut out);
    assert_eq!(
        zone_events(&out),
        vec![("zone.cleared", "B".into(), Some("zone_changed"))]
    );
}

#[test]
fn replacing_hazards_under_an_open_hazard_does_not_panic() {
    let mut e = Engine::new(Config::default());
    let h = r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","id":"w1","properties":{"name":"Wreck 1","radius_m":200},
         "geometry":{"type":"Point","coordinates":[-9.45,43.05]}},
        {"type":"Feature","id":"w2","properties":{"name":"Wreck 2","radius_m":200},
         "geometry":{"type":"Point","coordinates":[-9.0,43.0]}}]}"#;
    let mut out = Vec::new();
    e.set_hazards(Hazards::from_geojson_bytes(h.as_bytes()).unwrap(), &mut out);
    // Heading straight for wreck 1.
    for k in 0..6 {
        let lat = 42.95 + 0.002 * k as f64;
        let _ = e.ingest(
            &pos(224_000_003, lat, -9.45, 0.0, 12.0),
            T0 + k * 30_000,
            &mut out,
        );
    }
    e.advance(T0 + 200_000, &mut out);
    let raised = out.iter().any(|e| e.body.kind() == "hazard.raised");
    assert!(raised, "a hazard should be open");
    // Wreck 1 removed, the list shorter.
    let only2 = r#"{"type":"FeatureCollection","features":[
        {"type":"Feature","id":"w2","properties":{"name":"Wreck 2","radius_m":200},
         "geometry":{"type":"Point","coordinates":[-9.0,43.0]}}]}"#;
    let mut out = Vec::new();
    e.set_hazards(
        Hazards::from_geojson_bytes(only2.as_bytes()).unwrap(),
        &mut out,
    );
    let cleared: Vec<_> = out
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::HazardCleared(c) => Some(c.reason),
            _ => None,
        })
        .collect();
    assert_eq!(cleared, vec!["hazard_removed"]);
    e.advance(T0 + 400_000, &mut out);
}

#[test]
fn datagrams_dated_2099_cannot_blind_a_live_engine() {
    let mut e = Engine::new(Config::default());
    e.set_time_policy(TimePolicy::live());
    let mut out = Vec::new();
    let y2099 = 4_070_908_800_000;
    // Three (and more) consistent messages dated 2099.
    for k in 0..5 {
        let r = e.ingest_at(
            &pos(224_000_100 + k as u32, 43.0, -9.0, 0.0, 5.0),
            Some(y2099 + k * 1000),
            Some(T0 + k * 1000),
            &mut out,
        );
        assert!(matches!(r, Ingested::Taken { time, .. } if time.suspect));
    }
    assert!(e.now_ms().unwrap() < T0 + 60_000);
    assert_eq!(e.clock().stats().ahead_of_receive, 5);
    // A head-on pair afterwards raises a risk.
    let mut out = Vec::new();
    for k in 0..20i64 {
        let t = T0 + 10_000 + k * 10_000;
        let d = 0.0005 * k as f64;
        for (m, lat, cog) in [
            (224_000_201u32, 43.2 + d, 0.0),
            (224_000_202, 43.3 - d, 180.0),
        ] {
            let r = e.ingest_at(&pos(m, lat, -9.2, cog, 12.0), Some(t), Some(t), &mut out);
            assert!(matches!(r, Ingested::Taken { time, .. } if !time.suspect && !time.late));
        }
    }
    assert!(
        out.iter().any(|e| e.body.kind() == "risk.raised"),
        "no risk raised after the 2099 datagrams"
    );
}

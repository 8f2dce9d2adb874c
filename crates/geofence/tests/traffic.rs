//! Routeing zones (Rules 9 and 10) and restricted visibility (Rule 19):
//! validation, `tss_forbids`, visibility, channel sides, and the bundled
//! Finisterre example.

use finisterra_geofence::traffic::{TssBlockKind, FORBIDDEN_FROM_FLOW_DEG};
use finisterra_geofence::zones::{Fix, Rule, VesselFacts, Zones};
use serde_json::{json, Value};

fn feature(props: Value, ring: Value) -> Value {
    json!({"type": "Feature", "properties": props,
           "geometry": {"type": "Polygon", "coordinates": [ring]}})
}

fn load(features: Vec<Value>) -> Result<Zones, String> {
    let doc = json!({"type": "FeatureCollection", "features": features});
    Zones::from_geojson_bytes(doc.to_string().as_bytes())
        .map_err(|e| e.in_source("zones.geojson").to_string())
}

fn rect(lon0: f64, lat0: f64, lon1: f64, lat1: f64) -> Value {
    json!([
        [lon0, lat0],
        [lon1, lat0],
        [lon1, lat1],
        [lon0, lat1],
        [lon0, lat0]
    ])
}

/// A north–south scheme: a southbound lane (west), a separation zone, a
/// northbound lane (east), from 42°N to 43°N.
fn scheme() -> Zones {
    load(vec![
        feature(
            json!({"name": "southbound", "rule": "tss_lane", "flow_deg": 180}),
            rect(-9.6, 42.0, -9.5, 43.0),
        ),
        feature(
            json!({"name": "separation", "rule": "tss_separation"}),
            rect(-9.5, 42.0, -9.45, 43.0),
        ),
        feature(
            json!({"name": "northbound", "rule": "tss_lane", "flow_deg": 0}),
            rect(-9.45, 42.0, -9.35, 43.0),
        ),
    ])
    .unwrap()
}

fn ship() -> VesselFacts {
    VesselFacts::mmsi(224_000_001)
}

fn at(lat: f64, lon: f64) -> Fix {
    Fix {
        lat_deg: lat,
        lon_deg: lon,
        time_ms: 1_800_000_000_000,
    }
}

#[test]
fn routeing_rules_are_parsed_and_validated() {
    let z = scheme();
    assert_eq!(z.zones()[0].rule, Rule::TssLane { flow_deg: 180.0 });
    assert_eq!(z.zones()[1].rule, Rule::TssSeparation { flow_deg: None });
    assert!(z.has_traffic_zones());
    assert!(!z.has_restricted_visibility());

    let e = load(vec![feature(
        json!({"name": "lane", "rule": "tss_lane"}),
        rect(0.0, 0.0, 1.0, 1.0),
    )])
    .unwrap_err();
    assert!(
        e.contains("feature 1 (\"lane\")") && e.contains("flow_deg"),
        "{e}"
    );
    let e = load(vec![feature(
        json!({"name": "lane", "rule": "tss_lane", "flow_deg": 400}),
        rect(0.0, 0.0, 1.0, 1.0),
    )])
    .unwrap_err();
    assert!(e.contains("\"flow_deg\" 400"), "{e}");
    let e = load(vec![feature(
        json!({"name": "ch", "rule": "channel"}),
        rect(0.0, 0.0, 1.0, 1.0),
    )])
    .unwrap_err();
    assert!(e.contains("(\"ch\")") && e.contains("axis"), "{e}");
    let e = load(vec![feature(
        json!({"name": "ch", "rule": "channel", "axis": [[0.5, 0.0]]}),
        rect(0.0, 0.0, 1.0, 1.0),
    )])
    .unwrap_err();
    assert!(e.contains("\"axis\": needs at least two"), "{e}");
    let e = load(vec![feature(
        json!({"name": "fog", "rule": "restricted_visibility"}),
        rect(0.0, 0.0, 1.0, 1.0),
    )])
    .unwrap_err();
    assert!(
        e.contains("(\"fog\")") && e.contains("visibility_nm"),
        "{e}"
    );
    let e = load(vec![feature(
        json!({"name": "fog", "rule": "restricted_visibility", "visibility_nm": 0.5,
               "applies_to": {"class": "A"}}),
        rect(0.0, 0.0, 1.0, 1.0),
    )])
    .unwrap_err();
    assert!(e.contains("applies_to"), "{e}");
    let e = load(vec![feature(
        json!({"name": "x", "rule": "keep_out", "axis": [[0, 0], [1, 1]]}),
        rect(0.0, 0.0, 1.0, 1.0),
    )])
    .unwrap_err();
    assert!(e.contains("\"axis\" is for rule channel"), "{e}");
    // Routeing zones are areas.
    let doc = json!({"type": "FeatureCollection", "features": [{"type": "Feature",
        "properties": {"name": "sep", "rule": "tss_separation"},
        "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}}]});
    let e = Zones::from_geojson_bytes(doc.to_string().as_bytes())
        .unwrap_err()
        .to_string();
    assert!(e.contains("needs a Polygon"), "{e}");
}

#[test]
fn entries_into_routeing_zones_are_never_violations() {
    let z = scheme();
    let from = at(42.5, -9.7);
    let to = Fix {
        lon_deg: -9.3,
        time_ms: from.time_ms + 1_800_000,
        ..from
    };
    let evs = z.step(&ship(), &from, &to);
    assert_eq!(evs.len(), 6, "{evs:?}");
    assert!(evs.iter().all(|e| !e.violation));
}

#[test]
fn tss_forbids_the_separation_zone_and_the_opposing_lane() {
    let z = scheme();
    let v = ship();
    // In the northbound lane, going north: fine.
    let p = at(42.5, -9.4);
    assert!(z.tss_forbids(&v, &p, 0.0, 12.0, 1800.0).is_none());
    // Turning west would enter the separation zone (about 2 NM off).
    let b = z.tss_forbids(&v, &p, 270.0, 12.0, 1800.0).unwrap();
    assert_eq!(b.kind, TssBlockKind::SeparationZone);
    assert_eq!(b.rule, "Rule 10(e)");
    assert_eq!(z.zones()[b.zone].name, "separation");
    assert!((b.lon_deg - -9.45).abs() < 1e-6, "{b:?}");
    assert!(b.time_ms > p.time_ms && b.time_ms < p.time_ms + 1_800_000);
    // ... but not within a horizon too short to get there.
    assert!(z.tss_forbids(&v, &p, 270.0, 12.0, 300.0).is_none());
    // Turning south in the northbound lane: against its flow, at once.
    let b = z.tss_forbids(&v, &p, 180.0, 12.0, 60.0).unwrap();
    assert_eq!(b.kind, TssBlockKind::AgainstFlow);
    assert_eq!(b.time_ms, p.time_ms);
    assert_eq!(z.zones()[b.zone].name, "northbound");
    // Just over 90° from the flow is refused, 90° is not (the zone's own
    // lane: a crossing at right angles is allowed).
    let east = at(42.5, -9.36);
    assert!(z.tss_forbids(&v, &east, 90.0, 12.0, 1800.0).is_none());
    assert!(z
        .tss_forbids(&v, &east, FORBIDDEN_FROM_FLOW_DEG + 2.0, 12.0, 1800.0)
        .is_some());
    // From outside to the west, steering south-east enters the southbound
    // lane with its flow (fine) and then the separation zone (refused).
    let west = at(42.5, -9.65);
    let b = z.tss_forbids(&v, &west, 135.0, 15.0, 3600.0).unwrap();
    assert_eq!(b.kind, TssBlockKind::SeparationZone);
    // From outside to the east, steering south-west enters the northbound
    // lane against its flow.
    let b = z
        .tss_forbids(&v, &at(42.5, -9.3), 225.0, 15.0, 3600.0)
        .unwrap();
    assert_eq!(b.kind, TssBlockKind::AgainstFlow);
    assert_eq!(z.zones()[b.zone].name, "northbound");
    // Already in the separation zone (crossing it): leaving is allowed.
    assert!(z
        .tss_forbids(&v, &at(42.5, -9.47), 270.0, 12.0, 600.0)
        .is_none());
    // Unusable input.
    assert!(z.tss_forbids(&v, &p, f64::NAN, 12.0, 600.0).is_none());
    assert!(z.tss_forbids(&v, &p, 270.0, 0.0, 600.0).is_none());
    assert!(z.tss_forbids(&v, &p, 270.0, 12.0, -1.0).is_none());
}

#[test]
fn tss_forbids_follows_time_windows_and_selectors() {
    let z = load(vec![feature(
        json!({"name": "sep", "rule": "tss_separation",
               "active_from": "2030-01-01T00:00:00Z",
               "applies_to": {"length_m": [50, null]}}),
        rect(-9.5, 42.0, -9.45, 43.0),
    )])
    .unwrap();
    let big = VesselFacts {
        length_m: Some(200.0),
        ..ship()
    };
    let p = at(42.5, -9.4);
    // Not active yet.
    assert!(z.tss_forbids(&big, &p, 270.0, 12.0, 1800.0).is_none());
    let later = Fix {
        time_ms: 1_900_000_000_000,
        ..p
    };
    assert!(z.tss_forbids(&big, &later, 270.0, 12.0, 1800.0).is_some());
    // A small vessel is not subject to it.
    let small = VesselFacts {
        length_m: Some(12.0),
        ..ship()
    };
    assert!(z.tss_forbids(&small, &later, 270.0, 12.0, 1800.0).is_none());
}

#[test]
fn visibility_is_the_smallest_active_declaration() {
    let z = load(vec![
        feature(
            json!({"name": "fog bank", "rule": "restricted_visibility", "visibility_nm": 1.0}),
            rect(-10.0, 42.0, -9.0, 43.0),
        ),
        feature(
            json!({"name": "thick", "rule": "restricted_visibility", "visibility_nm": 0.2,
                   "active_until": "2020-01-01T00:00:00Z"}),
            rect(-9.5, 42.4, -9.4, 42.6),
        ),
        feature(
            json!({"name": "thicker", "rule": "restricted_visibility", "visibility_nm": 0.5}),
            rect(-9.5, 42.4, -9.4, 42.6),
        ),
    ])
    .unwrap();
    assert!(z.has_restricted_visibility());
    let t = 1_800_000_000_000;
    assert_eq!(z.visibility_nm_at(42.2, -9.8, t), Some(1.0));
    assert_eq!(z.visibility_nm_at(42.5, -9.45, t), Some(0.5));
    assert_eq!(z.visibility_nm_at(41.5, -9.45, t), None);
    // Before the second one expired.
    assert_eq!(
        z.visibility_nm_at(42.5, -9.45, 1_500_000_000_000),
        Some(0.2)
    );
    // Visibility zones raise no zone events.
    let evs = z.step(&ship(), &at(41.5, -9.45), &at(42.5, -9.45));
    assert!(evs.iter().all(|e| !e.violation));
}

#[test]
fn channel_sides_from_the_axis() {
    // A channel running north along 8.75°W, 0.02° wide.
    let z = load(vec![feature(
        json!({"name": "ria", "rule": "channel", "axis": [[-8.75, 42.0], [-8.75, 42.2]]}),
        rect(-8.76, 42.0, -8.74, 42.2),
    )])
    .unwrap();
    let c = &z.zones()[0];
    assert_eq!(c.rule, Rule::Channel { flow_deg: None });
    assert!((c.channel_direction_at(42.1, -8.755).unwrap() - 0.0).abs() < 1e-6);
    // East of the axis going north: her starboard side, about 410 m.
    let s = c.channel_side_m(42.1, -8.745, 5.0).unwrap();
    assert!(s > 400.0 && s < 420.0, "{s}");
    // East of the axis going south: the wrong side.
    assert!(c.channel_side_m(42.1, -8.745, 185.0).unwrap() < -400.0);
    // West going south: right.
    assert!(c.channel_side_m(42.1, -8.755, 180.0).unwrap() > 400.0);
    // Across the channel: no side.
    assert!(c.channel_side_m(42.1, -8.745, 90.0).is_none());
    // A channel given by its direction only has no sides.
    let z = load(vec![feature(
        json!({"name": "fairway", "rule": "channel", "flow_deg": 30}),
        rect(-8.76, 42.0, -8.74, 42.2),
    )])
    .unwrap();
    let c = &z.zones()[0];
    assert_eq!(c.channel_direction_at(42.1, -8.75), Some(30.0));
    assert!(c.channel_side_m(42.1, -8.75, 30.0).is_none());
}

#[test]
fn the_bundled_finisterre_example_loads() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/zones/finisterre-tss.geojson"
    );
    let bytes = std::fs::read(path).expect("data/zones/finisterre-tss.geojson");
    let z = Zones::from_geojson_bytes(&bytes).unwrap();
    assert!(z.warnings().is_empty(), "{:?}", z.warnings());
    let lanes: Vec<_> = z
        .zones()
        .iter()
        .filter(|z| matches!(z.rule, Rule::TssLane { .. }))
        .collect();
    assert!(lanes.len() >= 2);
    assert!(z
        .zones()
        .iter()
        .any(|z| matches!(z.rule, Rule::TssSeparation { flow_deg: Some(_) })));
    // Every feature says what it is.
    for zone in z.zones() {
        let note = zone.properties.get("note").and_then(|v| v.as_str());
        assert!(
            note.is_some_and(|n| n.contains("not for navigation")),
            "{}",
            zone.name
        );
    }
    // Lanes are one-way and opposite (a southbound lane inshore of a
    // northbound one, or the reverse).
    let flows: Vec<f64> = lanes.iter().filter_map(|l| l.rule.flow_deg()).collect();
    assert!(flows.iter().any(|f| (*f - 180.0).abs() < 30.0 || *f < 30.0));
}

//! Validation of polygon rings in zones and hazard areas: self-intersecting
//! rings and holes crossing their exterior are refused with a message
//! naming the feature, the ring(s) and the edges; open rings are closed
//! with a warning; rings across ±180° and large rings are accepted.

use finisterra_geofence::hazards::Hazards;
use finisterra_geofence::zones::Zones;
use finisterra_geofence::GeoJsonError;
use serde_json::{json, Value};

fn feature(name: &str, geometry: Value) -> Value {
    json!({"type": "Feature", "properties": {"name": name, "rule": "keep_out"}, "geometry": geometry})
}

fn polygon(rings: Value) -> Value {
    json!({"type": "Polygon", "coordinates": rings})
}

fn doc(features: Vec<Value>) -> Vec<u8> {
    json!({"type": "FeatureCollection", "features": features})
        .to_string()
        .into_bytes()
}

fn zones(features: Vec<Value>) -> Zones {
    Zones::from_geojson_bytes(&doc(features)).unwrap()
}

fn zone_err(features: Vec<Value>) -> GeoJsonError {
    Zones::from_geojson_bytes(&doc(features)).unwrap_err()
}

fn square(name: &str) -> Value {
    feature(
        name,
        polygon(json!([[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]])),
    )
}

/// `n` positions round a circle of radius `r` degrees centred on
/// (`lon`, `lat`), closed.
fn circle(n: usize, lon: f64, lat: f64, r: f64) -> Vec<Value> {
    let mut ring: Vec<Value> = (0..n)
        .map(|i| {
            let a = std::f64::consts::TAU * i as f64 / n as f64;
            json!([lon + r * a.cos(), lat + r * a.sin()])
        })
        .collect();
    ring.push(ring[0].clone());
    ring
}

#[test]
fn bow_tie_zone_is_refused_naming_feature_and_edges() {
    let bow = feature(
        "Bow tie",
        polygon(json!([[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]])),
    );
    let e = zone_err(vec![square("ok"), bow]);
    assert_eq!(e.reason(), "geometry");
    assert_eq!(e.feature(), Some(2));
    assert_eq!(e.feature_name(), Some("Bow tie"));
    assert_eq!(
        e.in_source("zones.geojson").to_string(),
        r#"zones.geojson feature 2 ("Bow tie"): ring 1 of polygon 1 intersects itself: edges 1 and 3 cross at about lon 0.5, lat 0.5"#
    );
}

#[test]
fn self_touching_and_folded_rings_are_refused() {
    // A vertex of the ring (the end of edge 3, the start of edge 4) lying
    // on a non-adjacent edge.
    let e = zone_err(vec![feature(
        "T",
        polygon(json!([[[0, 0], [2, 0], [2, 2], [1, 0], [0, 2], [0, 0]]])),
    )]);
    assert_eq!(
        e.to_string(),
        r#"feature 1 ("T"): ring 1 of polygon 1 intersects itself: edges 1 and 4 touch at about lon 1, lat 0"#
    );
    // Three collinear positions: the edges fold back over each other.
    let e = zone_err(vec![feature(
        "flat",
        polygon(json!([[[0, 0], [2, 0], [1, 0], [0, 0]]])),
    )]);
    assert_eq!(e.reason(), "geometry");
    assert!(e.to_string().contains("overlap"), "{e}");
    // The second polygon of a MultiPolygon is named.
    let e = zone_err(vec![feature(
        "multi",
        json!({"type": "MultiPolygon", "coordinates": [
            [[[10, 10], [11, 10], [11, 11], [10, 11], [10, 10]]],
            [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]
        ]}),
    )]);
    assert!(
        e.to_string().starts_with(
            r#"feature 1 ("multi"): ring 1 of polygon 2 intersects itself: edges 1 and 3"#
        ),
        "{e}"
    );
}

#[test]
fn hole_crossing_its_outer_ring_is_refused() {
    let f = feature(
        "Holed",
        polygon(json!([
            [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
            [[5, 4], [15, 4], [15, 6], [5, 6], [5, 4]]
        ])),
    );
    let e = zone_err(vec![f]);
    assert_eq!(e.reason(), "geometry");
    let msg = e.to_string();
    assert!(
        msg.starts_with(r#"feature 1 ("Holed"): ring 2 of polygon 1 crosses ring 1: edge "#),
        "{msg}"
    );
    // Edge 2 of the exterior (x = 10) is crossed by edge 1 or 3 of the hole.
    assert!(
        msg.contains("edge 1 of ring 2 and edge 2 of ring 1 cross at about lon 10, lat 4")
            || msg.contains("edge 3 of ring 2 and edge 2 of ring 1 cross at about lon 10, lat 6"),
        "{msg}"
    );
    // A hole touching its exterior is refused too.
    let f = feature(
        "Touching hole",
        polygon(json!([
            [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
            [[5, 4], [10, 5], [5, 6], [5, 4]]
        ])),
    );
    let msg = zone_err(vec![f]).to_string();
    assert!(msg.contains("ring 2 of polygon 1 touches ring 1"), "{msg}");
    // A hole inside is fine.
    let f = feature(
        "Good hole",
        polygon(json!([
            [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
            [[5, 4], [9, 5], [5, 6], [5, 4]]
        ])),
    );
    let z = zones(vec![f]);
    assert!(z.warnings().is_empty());
    assert!(!z.zones()[0].contains(5.0, 6.0));
    assert!(z.zones()[0].contains(5.0, 2.0));
}

#[test]
fn unclosed_ring_is_accepted_with_one_warning() {
    let open = feature(
        "Anchorage",
        polygon(json!([[[0, 0], [1, 0], [1, 1], [0, 1]]])),
    );
    let z = zones(vec![square("ok"), open]);
    assert_eq!(z.len(), 2);
    assert_eq!(
        z.warnings(),
        [r#"feature 2 ("Anchorage"): ring 1 of polygon 1 was not closed; closed it"#]
    );
    // Closed as before: the same area as the closed square.
    assert!(z.zones()[1].contains(0.5, 0.5));
    assert!(z.zones()[1].contains(1.0, 1.0));
    assert!(!z.zones()[1].contains(0.5, 1.5));
    // An open, self-intersecting ring is an error (the closing edge counts).
    let e = zone_err(vec![feature(
        "Open bow",
        polygon(json!([[[0, 0], [1, 1], [1, 0], [0, 1]]])),
    )]);
    assert!(e.to_string().contains("edges 1 and 3 cross"), "{e}");
}

#[test]
fn valid_closed_polygon_gives_no_warning() {
    let z = zones(vec![square("sq")]);
    assert!(z.warnings().is_empty());
    assert!(Zones::empty().warnings().is_empty());
    assert!(Zones::default().warnings().is_empty());
    assert!(Hazards::empty().warnings().is_empty());
    // Repeated consecutive positions are tolerated.
    let z = zones(vec![feature(
        "dups",
        polygon(json!([[
            [0, 0],
            [0, 0],
            [1, 0],
            [1, 1],
            [1, 1],
            [0, 1],
            [0, 0],
            [0, 0]
        ]])),
    )]);
    assert!(z.warnings().is_empty());
    assert!(z.zones()[0].contains(0.5, 0.5));
    // Overlapping polygons of a MultiPolygon are a union, not an error.
    let z = zones(vec![feature(
        "union",
        json!({"type": "MultiPolygon", "coordinates": [
            [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]]],
            [[[1, 1], [3, 1], [3, 3], [1, 3], [1, 1]]]
        ]}),
    )]);
    assert!(z.zones()[0].contains(2.5, 2.5));
}

#[test]
fn ring_across_the_antimeridian_is_accepted() {
    let wrapped = feature(
        "wrapped",
        polygon(json!([
            [[175, -5], [-175, -5], [-175, 5], [175, 5], [175, -5]],
            [[179, -1], [181, -1], [181, 1], [179, 1], [179, -1]]
        ])),
    );
    let past = feature(
        "past",
        polygon(json!([[
            [175, -5],
            [185, -5],
            [185, 5],
            [175, 5],
            [175, -5]
        ]])),
    );
    let z = zones(vec![wrapped, past]);
    assert!(z.warnings().is_empty());
    assert!(z.zones()[0].contains(3.0, 179.5));
    assert!(z.zones()[0].contains(3.0, -178.0));
    assert!(!z.zones()[0].contains(0.0, 180.0)); // in the hole
    assert!(z.zones()[1].contains(0.0, -179.0));
    // A bow tie across ±180° is still refused, its crossing wrapped.
    let e = zone_err(vec![feature(
        "bow 180",
        polygon(json!([[
            [179, -1],
            [-179, 1],
            [-179, -1],
            [179, 1],
            [179, -1]
        ]])),
    )]);
    assert_eq!(
        e.to_string(),
        r#"feature 1 ("bow 180"): ring 1 of polygon 1 intersects itself: edges 1 and 3 cross at about lon 180, lat 0"#
    );
}

#[test]
fn lines_may_cross_themselves() {
    let z = zones(vec![json!({"type": "Feature",
        "properties": {"name": "loop", "rule": "no_crossing"},
        "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1], [1, 0], [0, 1]]}})]);
    assert!(z.warnings().is_empty());
    let h = Hazards::from_geojson_bytes(&doc(vec![json!({"type": "Feature",
        "properties": {"name": "cable"},
        "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1], [1, 0], [0, 1]]}})]))
    .unwrap();
    assert_eq!(h.len(), 1);
}

#[test]
fn hazard_area_bow_tie_is_refused() {
    let bad = json!({"type": "Feature", "properties": {"name": "Shoal"},
        "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [0.1, 0.1], [0.1, 0], [0, 0.1], [0, 0]]]}});
    let e = Hazards::from_geojson_bytes(&doc(vec![bad])).unwrap_err();
    assert_eq!(e.reason(), "geometry");
    assert_eq!(e.feature(), Some(1));
    assert_eq!(
        e.to_string(),
        r#"feature 1 ("Shoal"): ring 1 of polygon 1 intersects itself: edges 1 and 3 cross at about lon 0.05, lat 0.05"#
    );
    // Open hazard rings are closed with a warning; valid ones give none.
    let open = json!({"type": "Feature", "properties": {"name": "Bank", "radius_m": 50},
        "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [0.1, 0], [0.1, 0.1], [0, 0.1]]]}});
    let closed = json!({"type": "Feature", "properties": {"name": "Rocks"},
        "geometry": {"type": "Polygon", "coordinates": [[[1, 1], [1.1, 1], [1.1, 1.1], [1, 1]]]}});
    let h = Hazards::from_geojson_bytes(&doc(vec![closed, open])).unwrap();
    assert_eq!(h.len(), 2);
    assert_eq!(
        h.warnings(),
        [r#"feature 2 ("Bank"): ring 1 of polygon 1 was not closed; closed it"#]
    );
    // A hazard hole crossing its exterior, across ±180°.
    let holed = json!({"type": "Feature", "properties": {"name": "Reef"},
    "geometry": {"type": "Polygon", "coordinates": [
        [[179, -1], [-179, -1], [-179, 1], [179, 1], [179, -1]],
        [[179.5, -0.5], [182, -0.5], [182, 0.5], [179.5, 0.5], [179.5, -0.5]]
    ]}});
    let e = Hazards::from_geojson_bytes(&doc(vec![holed])).unwrap_err();
    assert!(
        e.to_string()
            .starts_with(r#"feature 1 ("Reef"): ring 2 of polygon 1 crosses ring 1: edge "#),
        "{e}"
    );
    // A hazard area round the south pole is still accepted.
    let ring: Vec<Value> = (0..=36)
        .map(|i| json!([-180.0 + 10.0 * (i % 36) as f64, -70.0]))
        .collect();
    let pole = json!({"type": "Feature", "properties": {"name": "Ice"},
        "geometry": {"type": "Polygon", "coordinates": [ring]}});
    let h = Hazards::from_geojson_bytes(&doc(vec![pole])).unwrap();
    assert!(h.warnings().is_empty());
}

#[test]
fn large_valid_ring_is_accepted() {
    let ring = circle(5000, -9.0, 42.0, 0.5);
    let z = zones(vec![feature("big", polygon(json!([ring.clone()])))]);
    assert!(z.warnings().is_empty());
    assert!(z.zones()[0].contains(42.0, -9.0));
    assert!(!z.zones()[0].contains(42.6, -9.0));
    let h = Hazards::from_geojson_bytes(&doc(vec![json!({"type": "Feature",
        "properties": {"name": "big"},
        "geometry": {"type": "Polygon", "coordinates": [ring.clone()]}})]))
    .unwrap();
    assert_eq!(h.len(), 1);
    // Swapping positions 2501 and 2502 makes edges 2500 (2500 → 2501) and
    // 2502 (2502 → 2503) cross.
    let mut bad = ring;
    bad.swap(2500, 2501);
    let e = zone_err(vec![feature("big", polygon(json!([bad])))]);
    assert!(
        e.to_string()
            .contains("ring 1 of polygon 1 intersects itself: edges 2500 and 2502 cross"),
        "{e}"
    );
}

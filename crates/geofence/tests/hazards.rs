//! Hazards: circles, corridors and areas from GeoJSON; first approach and
//! nearest; validation.

use finisterra_geofence::hazards::{HazardShape, Hazards};
use finisterra_nav::geo::{destination, distance_m, MPS_PER_KN};
use serde_json::json;

fn hazards(features: serde_json::Value) -> Hazards {
    let doc = json!({"type": "FeatureCollection", "features": features});
    Hazards::from_geojson_bytes(doc.to_string().as_bytes()).unwrap()
}

#[test]
fn wreck_circle_first_approach() {
    let hz = hazards(json!([
        {"type": "Feature", "properties": {"name": "Wreck of the Casón", "radius_m": 200},
         "geometry": {"type": "Point", "coordinates": [-9.25, 42.95]}},
        {"type": "Feature", "properties": {"name": "Far rock", "radius_nm": 0.5},
         "geometry": {"type": "Point", "coordinates": [-20.0, 30.0]}}
    ]));
    assert_eq!(hz.len(), 2);
    assert_eq!(hz.hazards()[0].shape(), HazardShape::Point);
    assert!((hz.hazards()[1].radius_m - 926.0).abs() < 1e-9);
    // From 10 km due south, steering north at 12 kn, safety 500 m.
    let (lat, lon) = destination(42.95, -9.25, 180.0, 10_000.0);
    let a = hz
        .first_approach(lat, lon, 0.0, 12.0, 3600.0, 500.0)
        .unwrap();
    assert_eq!(a.hazard, 0);
    let expect = (10_000.0 - 200.0 - 500.0) / (12.0 * MPS_PER_KN);
    assert!((a.approach.time_s - expect).abs() < 0.5, "{a:?}");
    assert!((a.approach.distance_m - 500.0).abs() < 0.01);
    // The nearest point of the hazard's extent is on the circle.
    let r = distance_m(
        42.95,
        -9.25,
        a.approach.nearest_lat_deg,
        a.approach.nearest_lon_deg,
    );
    assert!((r - 200.0).abs() < 0.05, "{r}");
    // Passing 1 km abeam: clear with 500 m, not with 900 m.
    let (lat, lon) = destination(42.95 - 0.05, -9.25 + 1000.0 / 81_600.0, 0.0, 0.0);
    assert!(hz
        .first_approach(lat, lon, 0.0, 12.0, 3600.0, 500.0)
        .is_none());
    assert!(hz
        .first_approach(lat, lon, 0.0, 12.0, 3600.0, 900.0)
        .is_some());
    // Nearest.
    let (i, c) = hz.nearest(42.95, -9.26, 5_000.0).unwrap();
    assert_eq!(i, 0);
    assert!((c.distance_m - (distance_m(42.95, -9.26, 42.95, -9.25) - 200.0)).abs() < 0.05);
    assert!((c.bearing_deg - 90.0).abs() < 0.1);
    assert!(hz.nearest(42.95, -9.5, 5_000.0).is_none());
}

#[test]
fn areas_and_lines() {
    let hz = hazards(json!([
        {"type": "Feature", "properties": {"name": "Shoal"},
         "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [0.1, 0], [0.1, 0.1], [0, 0.1], [0, 0]]]}},
        {"type": "Feature", "properties": {"name": "Cable", "radius_m": 250},
         "geometry": {"type": "LineString", "coordinates": [[1, -1], [1, 1]]}}
    ]));
    assert_eq!(hz.hazards()[0].shape(), HazardShape::Area);
    assert_eq!(hz.hazards()[1].shape(), HazardShape::Line);
    // Inside the shoal: now, distance 0.
    let a = hz
        .first_approach(0.05, 0.05, 90.0, 10.0, 600.0, 100.0)
        .unwrap();
    assert_eq!(a.hazard, 0);
    assert_eq!(a.approach.time_s, 0.0);
    assert_eq!(a.approach.distance_m, 0.0);
    // Steering east at the cable from 0.9°E: 0.1° of longitude less 250 m
    // and the safety distance.
    let a = hz
        .first_approach(0.5, 0.9, 90.0, 10.0, 3600.0, 300.0)
        .unwrap();
    assert_eq!(a.hazard, 1);
    let d = distance_m(0.5, 0.9, 0.5, 1.0);
    assert!(
        (a.approach.time_s - (d - 550.0) / (10.0 * MPS_PER_KN)).abs() < 1.0,
        "{a:?}"
    );
    // Approaching the shoal from the west.
    let a = hz
        .first_approach(0.05, -0.05, 90.0, 10.0, 3600.0, 100.0)
        .unwrap();
    assert_eq!(a.hazard, 0);
    let d = distance_m(0.05, -0.05, 0.05, 0.0);
    assert!((a.approach.time_s - (d - 100.0) / (10.0 * MPS_PER_KN)).abs() < 1.0);
}

#[test]
fn validation() {
    let bad = |props: serde_json::Value| {
        let doc = json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": props, "geometry": {"type": "Point", "coordinates": [0, 0]}}]});
        Hazards::from_geojson_bytes(doc.to_string().as_bytes())
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        bad(json!({"radius_m": 5})),
        "feature 1: \"name\" is missing: every hazard needs a name"
    );
    assert_eq!(
        bad(json!({"name": "x", "radius_m": 5, "radius_nm": 1})),
        "feature 1 (\"x\"): give radius_m or radius_nm, not both"
    );
    assert!(bad(json!({"name": "x", "radius_m": -5})).contains("radius_m -5 is not a distance"));
    assert!(Hazards::from_geojson_bytes(b"nope").is_err());
    // Empty set: never an approach.
    let none = Hazards::empty();
    assert!(none
        .first_approach(0.0, 0.0, 0.0, 10.0, 600.0, 100.0)
        .is_none());
}

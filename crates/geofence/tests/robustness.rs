//! Nothing panics, whatever the input: arbitrary bytes to every decoder,
//! random documents, extreme and non-finite numbers to every query.

use finisterra_geofence::hazards::Hazards;
use finisterra_geofence::land::Land;
use finisterra_geofence::zones::{Fix, VesselFacts, Zones};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::sync::OnceLock;

fn small_land_bytes() -> &'static [u8] {
    static B: OnceLock<Vec<u8>> = OnceLock::new();
    B.get_or_init(|| {
        let doc = br#"{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,1],[0,0]]],[[[179.5,5],[-179.5,5],[-179.5,6],[179.5,5]]]]}"#;
        Land::from_geojson_bytes(doc).unwrap().to_bytes()
    })
}

fn coord() -> impl Strategy<Value = f64> {
    prop_oneof![
        -400.0f64..400.0,
        Just(180.0),
        Just(-180.0),
        Just(90.0),
        Just(-90.0),
        Just(0.0),
        Just(f64::MAX),
        Just(1e-300),
    ]
}

fn ring() -> impl Strategy<Value = Vec<(f64, f64)>> {
    prop::collection::vec((coord(), -95.0f64..95.0), 0..12)
}

fn geometry() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::collection::vec(ring(), 0..3).prop_map(|rs| json!({"type": "Polygon", "coordinates": rs.iter().map(|r| r.iter().map(|p| json!([p.0, p.1])).collect::<Vec<_>>()).collect::<Vec<_>>()})),
        ring().prop_map(|l| json!({"type": "LineString", "coordinates": l.iter().map(|p| json!([p.0, p.1])).collect::<Vec<_>>()})),
        (coord(), coord()).prop_map(|p| json!({"type": "Point", "coordinates": [p.0, p.1]})),
        Just(Value::Null),
        Just(json!({"type": "Polygon"})),
        Just(json!({"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [0, 1]]], "x"]})),
    ]
}

fn props() -> impl Strategy<Value = Value> {
    (
        prop_oneof![Just(json!("z")), Just(Value::Null), Just(json!(3))],
        prop_oneof![Just(json!("keep_out")), Just(json!("speed_limit")), Just(json!("no_crossing")), Just(json!("bogus")), Just(json!([]))],
        prop_oneof![Just(json!(5)), Just(json!(-1)), Just(Value::Null)],
        prop_oneof![Just(json!("all")), Just(json!({"flag": "ES", "ship_type": [[70, 79], 30]})), Just(json!({"length_m": [1]})), Just(json!(7))],
        prop_oneof![Just(json!("2025-01-01T00:00:00Z")), Just(json!("9999-12-31T23:59:60.999-23:59")), Just(json!("2025-02-30")), Just(Value::Null)],
    )
        .prop_map(|(n, r, m, a, t)| json!({"name": n, "rule": r, "max_sog_kn": m, "applies_to": a, "active_from": t, "radius_m": m}))
}

fn num() -> impl Strategy<Value = f64> {
    prop_oneof![
        -1000.0f64..1000.0,
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(f64::MAX),
        Just(-0.0),
        Just(90.0),
        Just(180.0),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn decoders_never_panic_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = Land::from_bytes(&bytes);
        let _ = Land::from_geojson_bytes(&bytes);
        let _ = Land::from_topojson_bytes(&bytes);
        let _ = Zones::from_geojson_bytes(&bytes);
        let _ = Hazards::from_geojson_bytes(&bytes);
    }

    #[test]
    fn damaged_land_files_are_errors(cut in 0usize..2000, flip in 0usize..2000, bit in 0u8..8) {
        let bytes = small_land_bytes().to_vec();
        let n = cut % bytes.len();
        prop_assert!(Land::from_bytes(&bytes[..n]).is_err());
        let mut b = bytes.clone();
        let i = flip % b.len();
        b[i] ^= 1 << bit;
        prop_assert!(Land::from_bytes(&b).is_err());
    }

}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_documents_and_queries_never_panic(
        feats in prop::collection::vec((props(), geometry()), 0..6),
        q in prop::collection::vec((num(), num(), num(), num(), num(), num()), 1..6),
        t0 in any::<i64>(),
        t1 in any::<i64>(),
    ) {
        let features: Vec<Value> = feats.into_iter().map(|(p, g)| json!({"type": "Feature", "properties": p, "geometry": g})).collect();
        let doc = json!({"type": "FeatureCollection", "features": features}).to_string();
        // Land only when the document is one (building the world grid
        // costs tens of milliseconds in a debug build).
        let land = Land::from_geojson_bytes(doc.as_bytes()).ok();
        let zones = Zones::from_geojson_bytes(doc.as_bytes()).unwrap_or_default();
        let hz = Hazards::from_geojson_bytes(doc.as_bytes()).unwrap_or_default();
        let v = VesselFacts { mmsi: 224_000_000, ship_type: Some(70), class_b: false, length_m: Some(f64::NAN) };
        for (a, b, c, d, e, f) in q {
            if let Some(land) = &land {
                let _ = land.is_land(a, b);
                let _ = land.nearest_coast(a, b, c);
                let _ = land.first_approach(a, b, c, d, e, f);
                let _ = land.closest_approach(a, b, c, d, e, f);
            }
            let _ = zones.containing(a, b);
            let _ = zones.step(&v, &Fix { lat_deg: a, lon_deg: b, time_ms: t0 }, &Fix { lat_deg: c, lon_deg: d, time_ms: t1 });
            let _ = zones.predicted(&v, &Fix { lat_deg: a, lon_deg: b, time_ms: t0 }, c, d, e);
            let _ = zones.speed_violations(&v, &Fix { lat_deg: a, lon_deg: b, time_ms: t0 }, c);
            for z in zones.zones() {
                let _ = z.contains(a, b);
                let _ = z.segment_crosses(a, b, c, d);
            }
            let _ = hz.first_approach(a, b, c, d, e, f);
            let _ = hz.nearest(a, b, c);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    /// Random polygons (wild longitudes, degenerate rings, poles) as land:
    /// building and querying never panics, and the compact form round-trips.
    #[test]
    fn random_land_never_panics(
        polys in prop::collection::vec(prop::collection::vec(prop::collection::vec((-400.0f64..400.0, -90.0f64..90.0), 3..10), 1..3), 1..4),
        q in prop::collection::vec((num(), num(), num(), num(), num(), num()), 1..8),
    ) {
        let coords: Vec<Value> = polys
            .iter()
            .map(|p| Value::Array(p.iter().map(|r| {
                let mut ring: Vec<Value> = r.iter().map(|&(x, y)| json!([x.clamp(-360.0, 360.0), y])).collect();
                ring.push(ring[0].clone());
                Value::Array(ring)
            }).collect()))
            .collect();
        let doc = json!({"type": "MultiPolygon", "coordinates": coords}).to_string();
        let land = match Land::from_geojson_bytes(doc.as_bytes()) {
            Ok(l) => l,
            Err(_) => return Ok(()),
        };
        let again = Land::from_bytes(&land.to_bytes()).unwrap();
        prop_assert_eq!(again.to_bytes(), land.to_bytes());
        for (a, b, c, d, e, f) in q {
            prop_assert_eq!(land.is_land(a, b), again.is_land(a, b));
            let _ = land.nearest_coast(a, b, c);
            let _ = land.first_approach(a, b, c, d, e, f);
            let _ = land.closest_approach(a, b, c, d, e, f);
        }
    }
}

//! `/api/land` serves the coastline the engine judges with (`--land`),
//! not a basemap of its own: as GeoJSON, cut at ±180°, simplified per
//! zoom, the whole world up to zoom 4 and a bounded box above.

mod common;

use common::*;
use finisterra_engine::geofence::Land;
use finisterra_engine::{Config, Engine, Geography};
use finisterra_server::start;
use serde_json::Value;

/// Every ring of the answer's one MultiPolygon.
fn rings(v: &Value) -> Vec<Vec<(f64, f64)>> {
    let polys = v["features"][0]["geometry"]["coordinates"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    polys
        .iter()
        .flat_map(|p| p.as_array().unwrap().iter())
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|c| (c[0].as_f64().unwrap(), c[1].as_f64().unwrap()))
                .collect()
        })
        .collect()
}

#[test]
fn the_map_gets_the_engines_own_land_at_the_zoom_asked() {
    // An imported coast (as `serve --land FILE`): one island across ±180°
    // and one off Lofoten; nothing of the bundled world.
    let doc = br#"{"type":"FeatureCollection","features":[
      {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[179,-17],[-179,-17],[-179,-16],[179,-16],[179,-17]]]}},
      {"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":[[[14,68],[15,68],[15,68.3],[14.5,68.31],[14,68.3],[14,68]]]}}]}"#;
    let land = Land::from_geojson_bytes(doc).unwrap();
    assert!(land.is_land(68.2, 14.5) && !land.is_land(-16.5, 0.0));
    let mut engine = Engine::new(Config::default());
    engine.set_geography(Geography {
        land: Some(land),
        ..Default::default()
    });
    let rt = runtime();
    let running = rt
        .block_on(start(
            cfg(Vec::new(), None),
            engine,
            finisterra_server::store::memory(),
        ))
        .unwrap();
    let a = running.http;

    let (status, world) = get_json(a, "/api/land?zoom=3");
    assert_eq!(status, 200);
    assert_eq!(world["features"][0]["properties"]["level"], 3);
    let rs = rings(&world);
    // Three rings: the island either side of ±180°, and the one off Lofoten.
    assert_eq!(rs.len(), 3, "{world}");
    for r in &rs {
        assert_eq!(r.first(), r.last());
        assert!(
            r.windows(2).all(|w| (w[1].0 - w[0].0).abs() <= 180.0),
            "{r:?}"
        );
        let (lo, hi) = r
            .iter()
            .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
        assert!(hi - lo <= 180.0 && lo >= -180.0 && hi <= 180.0, "{r:?}");
    }
    // The default is level 0; a fraction asks for the finer level.
    assert_eq!(
        get_json(a, "/api/land").1["features"][0]["properties"]["level"],
        0
    );
    assert_eq!(
        get_json(a, "/api/land?zoom=2.2").1["features"][0]["properties"]["level"],
        3
    );

    // Above zoom 4 only a box, and a box of bounded size.
    let (status, err) = get_json(a, "/api/land?zoom=9");
    assert_eq!(status, 400);
    assert!(err["error"].as_str().unwrap().contains("bbox"), "{err}");
    let (status, boxed) = get_json(a, "/api/land?zoom=9&bbox=14.2,68.1,14.8,68.4");
    assert_eq!(status, 200);
    let rs = rings(&boxed);
    assert_eq!(rs.len(), 1, "only the Lofoten island: {boxed}");
    assert!(rs[0]
        .iter()
        .all(|p| (14.2..=14.8).contains(&p.0) && (68.1..=68.4).contains(&p.1)));
    let (status, across) = get_json(a, "/api/land?zoom=9&bbox=178.5,-16.8,-178.5,-16.2");
    assert_eq!(status, 200);
    assert_eq!(rings(&across).len(), 2, "a box across ±180°: {across}");
    assert_eq!(
        get_json(a, "/api/land?zoom=9&bbox=-180,-80,180,80").0,
        400,
        "too large"
    );
    assert_eq!(get_json(a, "/api/land?zoom=9&bbox=1,2,3").0, 400);
    assert_eq!(get_json(a, "/api/land?zoom=9&bbox=14,68.4,15,68.1").0, 400);
    assert_eq!(get_json(a, "/api/land?zoom=-1").0, 400);
}

#[test]
fn no_land_is_an_empty_map() {
    let rt = runtime();
    let running = rt
        .block_on(start(
            cfg(Vec::new(), None),
            Engine::new(Config::default()),
            finisterra_server::store::memory(),
        ))
        .unwrap();
    let (status, v) = get_json(running.http, "/api/land?zoom=2");
    assert_eq!(status, 200);
    assert_eq!(v["features"].as_array().unwrap().len(), 0);
}

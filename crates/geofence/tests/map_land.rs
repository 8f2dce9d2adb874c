//! The web map's land (`MapLand`) against the engine's (`Land`): the
//! bundled world drawn on a flat map has no band across it, and the sample
//! points of the browser test (`tests/e2e/lofoten-points.json`) are sea or
//! land for the engine as the file says, and for the drawn polygons too.

use std::sync::OnceLock;

use finisterra_geofence::mapland::{MapPolygon, MAX_LEVEL};
use finisterra_geofence::{Land, MapLand};
use serde_json::Value;

fn world() -> &'static Land {
    static W: OnceLock<Land> = OnceLock::new();
    W.get_or_init(|| Land::world().expect("bundled land loads"))
}

fn map() -> &'static MapLand {
    static M: OnceLock<MapLand> = OnceLock::new();
    M.get_or_init(|| MapLand::new(world()))
}

/// Even-odd test over one polygon's rings (exterior and holes), as a
/// renderer fills it.
fn in_polygon(p: &MapPolygon, lon: f64, lat: f64) -> bool {
    let mut inside = false;
    for r in p {
        for w in r.windows(2) {
            let ((x0, y0), (x1, y1)) = (w[0], w[1]);
            if (y0 > lat) != (y1 > lat) && lon < x0 + (lat - y0) / (y1 - y0) * (x1 - x0) {
                inside = !inside;
            }
        }
    }
    inside
}

fn drawn_as_land(polys: &[MapPolygon], lon: f64, lat: f64) -> bool {
    polys.iter().any(|p| in_polygon(p, lon, lat))
}

#[test]
fn the_world_drawn_flat_has_no_edge_across_the_map() {
    for level in [0, 2, 4] {
        let lv = map().level(level, None);
        for p in &lv.polygons {
            for r in p {
                assert_eq!(r.first(), r.last(), "rings are closed");
                for w in r.windows(2) {
                    let dx = (w[1].0 - w[0].0).abs();
                    assert!(
                        dx <= 180.0,
                        "level {level}: an edge spans {dx}° of longitude: {w:?}"
                    );
                }
                assert!(r.iter().all(|v| v.0.abs() <= 180.0 && v.1.abs() <= 90.0));
            }
        }
        // The Norwegian Sea, the Greenland Sea, the Denmark Strait, the
        // Barents Sea: sea on the map as for the engine (the bands of the
        // 1:50m TopoJSON drawn flat crossed them at 65°N–69°N and 71°N).
        for (lat, lon) in [
            (66.5, 2.0),
            (68.0, 5.0),
            (67.0, -25.0),
            (70.0, -5.0),
            (71.3, 30.0),
            (65.5, -170.0),
            (-16.5, 170.0),
        ] {
            assert!(!world().is_land(lat, lon), "engine: ({lat}, {lon}) is sea");
            assert!(
                !drawn_as_land(&lv.polygons, lon, lat),
                "level {level}: ({lat}, {lon}) is drawn as land"
            );
        }
        // And land stays land, on both sides of ±180°.
        for (lat, lon) in [
            (66.0, 176.0),
            (66.0, -174.0),
            (60.0, 90.0),
            (-80.0, 0.0),
            (72.0, -40.0),
        ] {
            assert!(world().is_land(lat, lon), "engine: ({lat}, {lon}) is land");
            assert!(
                drawn_as_land(&lv.polygons, lon, lat),
                "level {level}: ({lat}, {lon}) is not drawn as land"
            );
        }
    }
}

#[test]
fn the_browser_tests_sample_points_are_what_the_engine_says() {
    let doc: Value = serde_json::from_str(include_str!("../../../tests/e2e/lofoten-points.json"))
        .expect("lofoten-points.json is JSON");
    let views = doc["views"].as_array().unwrap();
    assert!(!views.is_empty());
    for view in views {
        let zoom = view["zoom"].as_f64().unwrap();
        let level = (zoom.ceil() as u8).min(MAX_LEVEL);
        // What the console asks for at that view: the world up to level 4,
        // else a box round it (generously).
        let c = &view["center"];
        let (clon, clat) = (c[0].as_f64().unwrap(), c[1].as_f64().unwrap());
        let bbox = (level > 4).then_some([clon - 6.0, clat - 2.5, clon + 6.0, clat + 2.5]);
        let lv = map().level(level, bbox);
        let min_m = view["min_clearance_m"].as_f64().unwrap();
        let points = view["points"].as_array().unwrap();
        assert!(
            points.iter().any(|p| p["land"] == true) && points.iter().any(|p| p["land"] == false)
        );
        for p in points {
            let name = p["name"].as_str().unwrap();
            let (lat, lon) = (p["lat"].as_f64().unwrap(), p["lon"].as_f64().unwrap());
            let land = p["land"].as_bool().unwrap();
            assert_eq!(
                world().is_land(lat, lon),
                land,
                "{name}: the engine disagrees"
            );
            let d = world()
                .distance_to_coast_within_m(lat, lon, 2.0 * min_m)
                .unwrap_or(f64::INFINITY);
            assert!(d >= min_m, "{name}: only {d:.0} m from the coast");
            assert_eq!(
                drawn_as_land(&lv.polygons, lon, lat),
                land,
                "{name}: the map at level {level} disagrees"
            );
        }
    }
}

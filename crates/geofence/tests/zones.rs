//! Zones: exact geometry edge cases, crossings between fixes, selectors,
//! time windows, validation messages, predictions.

use finisterra_geofence::zones::{Fix, Rule, VesselFacts, ZoneEventKind, ZoneShape, Zones};
use serde_json::{json, Value};

fn feature(props: Value, geometry: Value) -> Value {
    json!({"type": "Feature", "properties": props, "geometry": geometry})
}

fn zones(features: Vec<Value>) -> Zones {
    let doc = json!({"type": "FeatureCollection", "features": features});
    Zones::from_geojson_bytes(doc.to_string().as_bytes()).unwrap()
}

fn zone_err(features: Vec<Value>) -> String {
    let doc = json!({"type": "FeatureCollection", "features": features});
    Zones::from_geojson_bytes(doc.to_string().as_bytes())
        .unwrap_err()
        .in_source("zones.geojson")
        .to_string()
}

fn area(name: &str, rule: &str, ring: Value) -> Value {
    feature(
        json!({"name": name, "rule": rule}),
        json!({"type": "Polygon", "coordinates": [ring]}),
    )
}

fn any_vessel() -> VesselFacts {
    VesselFacts::mmsi(224_000_001)
}

fn fix(lat: f64, lon: f64, t_s: i64) -> Fix {
    Fix {
        lat_deg: lat,
        lon_deg: lon,
        time_ms: t_s * 1000,
    }
}

#[test]
fn square_edges_vertices_and_collinear_rays() {
    let z = zones(vec![area(
        "sq",
        "notify",
        json!([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]),
    )]);
    let z = &z.zones()[0];
    assert!(z.contains(0.5, 0.5));
    // On an edge, on a vertex: inside (the boundary belongs to the zone).
    assert!(z.contains(0.0, 0.5));
    assert!(z.contains(0.5, 1.0));
    assert!(z.contains(1.0, 1.0));
    assert!(z.contains(0.0, 0.0));
    // Rays running along the bottom and top edges (collinear), from the
    // west: outside.
    assert!(!z.contains(0.0, -0.5));
    assert!(!z.contains(1.0, -0.5));
    // East of the square on the same rows.
    assert!(!z.contains(0.0, 1.5));
    assert!(!z.contains(1.0, 1.5));
    // Just outside by one fixed-point unit (1e-7°).
    assert!(!z.contains(0.5, 1.0 + 1e-7));
    assert!(!z.contains(-1e-7, 0.5));
    assert!(z.contains(1e-7, 0.5));
}

#[test]
fn vertex_on_the_ray() {
    // A diamond: the ray east from a point on the row y = 0 passes through
    // the vertices (-1, 0) and (1, 0).
    let z = zones(vec![area(
        "diamond",
        "notify",
        json!([[0, -1], [1, 0], [0, 1], [-1, 0], [0, -1]]),
    )]);
    let z = &z.zones()[0];
    assert!(z.contains(0.0, -0.5));
    assert!(z.contains(0.0, 0.999));
    assert!(!z.contains(0.0, -2.0));
    assert!(!z.contains(0.0, 1.5));
    // A spike touching the ray from below only: concave vertex at (1, 0).
    let z2 = zones(vec![area(
        "notch",
        "notify",
        json!([[0, -2], [2, -2], [2, 2], [0, 2], [1, 0], [0, -2]]),
    )]);
    let z2 = &z2.zones()[0];
    assert!(!z2.contains(0.0, 0.5)); // in the notch, west of the vertex
    assert!(z2.contains(0.0, 1.0)); // the vertex itself
    assert!(z2.contains(0.0, 1.5));
    assert!(!z2.contains(1.0, 0.25)); // west of the notch edge at lat 1
    assert!(z2.contains(1.0, 0.75));
    assert!(!z2.contains(0.0, -0.5));
}

#[test]
fn collinear_edges_of_a_staircase() {
    // Staircase: horizontal edge at y = 1 from x = 1 to 2.
    let z = zones(vec![area(
        "stairs",
        "notify",
        json!([[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2], [0, 0]]),
    )]);
    let z = &z.zones()[0];
    assert!(z.contains(1.0, 0.5)); // row y = 1, left part: inside
    assert!(z.contains(1.0, 1.5)); // on the horizontal edge: boundary
    assert!(!z.contains(1.0, 2.5));
    assert!(!z.contains(1.0, -0.5));
    assert!(z.contains(1.5, 0.5));
    assert!(!z.contains(1.5, 1.5));
    assert!(z.contains(0.5, 1.5));
}

#[test]
fn holes_and_multipolygons() {
    let f = feature(
        json!({"name": "ring", "rule": "notify"}),
        json!({"type": "MultiPolygon", "coordinates": [
            [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]], [[3, 3], [7, 3], [7, 7], [3, 7], [3, 3]]],
            [[[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]]
        ]}),
    );
    let z = zones(vec![f]);
    let z = &z.zones()[0];
    assert!(z.contains(1.0, 1.0));
    assert!(!z.contains(3.5, 3.5)); // in the hole
    assert!(z.contains(5.0, 5.0)); // island in the hole
    assert!(z.contains(3.0, 5.0)); // on the hole's edge
    assert!(!z.contains(11.0, 5.0));
}

#[test]
fn antimeridian_both_notations() {
    // The same box from 175°E to 175°W, written past 180 and wrapped.
    let past = area(
        "past",
        "notify",
        json!([[175, -5], [185, -5], [185, 5], [175, 5], [175, -5]]),
    );
    let wrapped = area(
        "wrapped",
        "notify",
        json!([[175, -5], [-175, -5], [-175, 5], [175, 5], [175, -5]]),
    );
    let zs = zones(vec![past, wrapped]);
    for z in zs.zones() {
        for (lat, lon, inside) in [
            (0.0, 179.0, true),
            (0.0, -179.0, true),
            (0.0, 180.0, true),
            (0.0, -180.0, true),
            (0.0, 176.0, true),
            (0.0, -176.0, true),
            (0.0, 174.0, false),
            (0.0, -174.0, false),
            (0.0, 0.0, false),
            (6.0, 180.0, false),
            (5.0, 180.0, true), // on the edge
        ] {
            assert_eq!(z.contains(lat, lon), inside, "{} {lat},{lon}", z.name);
        }
        let (_, lon_lo, _, lon_hi) = z.bbox_deg();
        assert!(lon_hi - lon_lo < 11.0, "{} box {lon_lo}..{lon_hi}", z.name);
    }
    assert_eq!(zs.containing(0.0, -179.5), vec![0, 1]);
    // A vessel crossing the antimeridian westward into and through the box.
    let ev = zs.step(&any_vessel(), &fix(0.0, -170.0, 0), &fix(0.0, 170.0, 100));
    let kinds: Vec<_> = ev.iter().map(|e| (e.zone, e.kind)).collect();
    assert_eq!(
        kinds,
        vec![
            (0, ZoneEventKind::Entered),
            (1, ZoneEventKind::Entered),
            (0, ZoneEventKind::Left),
            (1, ZoneEventKind::Left)
        ]
    );
    assert!((ev[0].lon_deg - -175.0).abs() < 1e-6 && (ev[0].fraction - 0.25).abs() < 1e-9);
    assert!((ev[2].lon_deg - 175.0).abs() < 1e-6 && ev[2].time_ms == 75_000);
    // A pole-encircling ring is refused.
    let polar = area(
        "cap",
        "notify",
        json!([[0, 80], [90, 80], [180, 80], [-90, 80], [0, 80]]),
    );
    assert!(zone_err(vec![polar]).contains("encircles a pole"));
}

#[test]
fn fast_vessel_jumps_a_thin_zone() {
    // A 0.0005° (55 m) strip; fixes 2 km either side, one minute apart.
    let strip = area(
        "thin",
        "keep_out",
        json!([
            [-9.5, 42.0],
            [-9.0, 42.0],
            [-9.0, 42.0005],
            [-9.5, 42.0005],
            [-9.5, 42.0]
        ]),
    );
    let zs = zones(vec![strip]);
    let a = fix(41.98, -9.2, 0);
    let b = fix(42.02, -9.2, 60);
    // Neither fix is inside.
    assert!(zs.containing(a.lat_deg, a.lon_deg).is_empty());
    assert!(zs.containing(b.lat_deg, b.lon_deg).is_empty());
    let ev = zs.step(&any_vessel(), &a, &b);
    assert_eq!(ev.len(), 2, "{ev:?}");
    assert_eq!(ev[0].kind, ZoneEventKind::Entered);
    assert!(ev[0].violation);
    assert!((ev[0].fraction - 0.5).abs() < 1e-9);
    assert_eq!(ev[0].time_ms, 30_000);
    assert!((ev[0].lat_deg - 42.0).abs() < 1e-9);
    assert_eq!(ev[1].kind, ZoneEventKind::Left);
    assert!(!ev[1].violation);
    assert!((ev[1].lat_deg - 42.0005).abs() < 1e-9);
    assert!(ev[1].time_ms > 30_000 && ev[1].time_ms < 31_000);
    // Grazing a corner: entered and left at the same point is still
    // reported as an entry (the boundary is inside) only if the step stays
    // on it; a step passing one unit outside sees nothing.
    let miss = zs.step(&any_vessel(), &fix(41.99, -8.99, 0), &fix(42.01, -8.99, 60));
    assert!(miss.is_empty());
    // Starting inside and leaving.
    let out = zs.step(&any_vessel(), &fix(42.0002, -9.2, 0), &fix(42.01, -9.2, 60));
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].kind, ZoneEventKind::Left);
    // Moving inside: nothing.
    assert!(zs
        .step(
            &any_vessel(),
            &fix(42.0001, -9.4, 0),
            &fix(42.0004, -9.1, 60)
        )
        .is_empty());
}

#[test]
fn lines_crossings_touches_and_overlaps() {
    let line = feature(
        json!({"name": "TSS separation line", "rule": "no_crossing"}),
        json!({"type": "LineString", "coordinates": [[-10.0, 43.0], [-9.5, 43.0], [-9.0, 43.5]]}),
    );
    let zs = zones(vec![line]);
    let z = &zs.zones()[0];
    assert_eq!(z.shape(), ZoneShape::Line);
    assert!(!z.contains(43.0, -9.7));
    // Proper crossing.
    assert!(z.segment_crosses(42.9, -9.7, 43.1, -9.7));
    // Ending exactly on the line (touching counts).
    assert!(z.segment_crosses(42.9, -9.7, 43.0, -9.7));
    // Through the vertex.
    assert!(z.segment_crosses(42.9, -9.5, 43.1, -9.5));
    // Collinear overlap and collinear but disjoint.
    assert!(z.segment_crosses(43.0, -9.8, 43.0, -9.6));
    assert!(!z.segment_crosses(43.0, -10.5, 43.0, -10.1));
    // Parallel one unit away.
    assert!(!z.segment_crosses(43.0000001, -9.9, 43.0000001, -9.6));
    // Beyond the end.
    assert!(!z.segment_crosses(42.9, -10.1, 43.1, -10.1));
    let ev = zs.step(&any_vessel(), &fix(42.9, -9.7, 0), &fix(43.1, -9.7, 100));
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].kind, ZoneEventKind::Crossed);
    assert!(ev[0].violation);
    assert_eq!(ev[0].time_ms, 50_000);
    // Through the vertex shared by two segments: one event.
    let ev = zs.step(&any_vessel(), &fix(42.9, -9.5, 0), &fix(43.1, -9.5, 100));
    assert_eq!(ev.len(), 1, "{ev:?}");
    // A line across the antimeridian, crossed by a vessel going east.
    let dateline = feature(
        json!({"name": "dateline", "rule": "notify"}),
        json!({"type": "LineString", "coordinates": [[180.0, -10.0], [180.0, 10.0]]}),
    );
    let zs = zones(vec![dateline]);
    let ev = zs.step(&any_vessel(), &fix(0.0, 179.9, 0), &fix(0.0, -179.9, 20));
    assert_eq!(ev.len(), 1);
    assert!(!ev[0].violation);
    assert_eq!(ev[0].time_ms, 10_000);
    let ev = zs.step(&any_vessel(), &fix(0.0, -179.9, 0), &fix(0.0, 179.9, 20));
    assert_eq!(ev.len(), 1);
}

#[test]
fn no_crossing_area_and_keep_in() {
    let a = area(
        "box",
        "no_crossing",
        json!([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]),
    );
    let b = area(
        "harbour",
        "keep_in",
        json!([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]),
    );
    let zs = zones(vec![a, b]);
    let ev = zs.step(&any_vessel(), &fix(0.5, 0.5, 0), &fix(0.5, 1.5, 10));
    assert_eq!(ev.len(), 2);
    assert!(ev
        .iter()
        .all(|e| e.kind == ZoneEventKind::Left && e.violation));
    let ev = zs.step(&any_vessel(), &fix(0.5, 1.5, 0), &fix(0.5, 0.5, 10));
    assert_eq!(
        ev.iter().map(|e| e.violation).collect::<Vec<_>>(),
        vec![true, false]
    );
}

#[test]
fn selectors() {
    let ring = json!([[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]);
    let mk = |name: &str, applies: Value| {
        feature(
            json!({"name": name, "rule": "keep_out", "applies_to": applies}),
            json!({"type": "Polygon", "coordinates": [ring.clone()]}),
        )
    };
    let zs = zones(vec![
        mk("flags", json!({"flag": ["RU", "US"]})),
        mk(
            "tankers and fishing",
            json!({"ship_type": [[80, 89], [30, 30]]}),
        ),
        mk("class B", json!({"class": ["B"]})),
        mk("long", json!({"length_m": [100, null]})),
        mk(
            "combined",
            json!({"flag": "ES", "class": "A", "length_m": [0, 50]}),
        ),
        mk("these two", json!({"mmsi": [224000001, 273000002]})),
        mk("all", json!("all")),
        mk("all too", json!({})),
    ]);
    let v = |mmsi: u32, ship_type: Option<u8>, class_b: bool, length_m: Option<f64>| VesselFacts {
        mmsi,
        ship_type,
        class_b,
        length_m,
    };
    let matches = |vf: VesselFacts| -> Vec<&str> {
        zs.zones()
            .iter()
            .filter(|z| z.applies_to.matches(&vf))
            .map(|z| z.name.as_str())
            .collect()
    };
    // Russian tanker, 250 m.
    assert_eq!(
        matches(v(273_000_001, Some(80), false, Some(250.0))),
        vec!["flags", "tankers and fishing", "long", "all", "all too"]
    );
    // US coast station MMSI (003669999) — flag from 00MID.
    assert_eq!(
        matches(v(3_669_999, None, false, None)),
        vec!["flags", "all", "all too"]
    );
    // Spanish class A fishing boat, 24 m: type 30 in [30, 30].
    assert_eq!(
        matches(v(224_000_001, Some(30), false, Some(24.0))),
        vec![
            "tankers and fishing",
            "combined",
            "these two",
            "all",
            "all too"
        ]
    );
    // Spanish class B yacht (type 37), unknown length: not "combined"
    // (class A only), not "long" (length unknown).
    assert_eq!(
        matches(v(224_999_999, Some(37), true, None)),
        vec!["class B", "all", "all too"]
    );
    // A Russian aid to navigation (992731234) has the RU flag.
    assert!(matches(v(992_731_234, None, false, None)).contains(&"flags"));
    // SART: no flag.
    assert!(!matches(v(970_010_001, None, false, None)).contains(&"flags"));
    // Ship type 79 is not in [[80,89],[30,30]]; 89 is.
    assert!(!matches(v(1, Some(79), false, None)).contains(&"tankers and fishing"));
    assert!(matches(v(1, Some(89), false, None)).contains(&"tankers and fishing"));
    // Step events honour the selector.
    let ev = zs.step(
        &v(273_000_001, Some(80), false, Some(250.0)),
        &fix(0.5, -0.5, 0),
        &fix(0.5, 0.5, 10),
    );
    assert_eq!(
        ev.iter().map(|e| e.zone).collect::<Vec<_>>(),
        vec![0, 1, 3, 6, 7]
    );
}

#[test]
fn time_windows() {
    let f = feature(
        json!({"name": "exercise", "rule": "keep_out",
               "active_from": "2025-06-01T08:00:00Z", "active_until": "2025-06-01T10:00:00+01:00"}),
        json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}),
    );
    let zs = zones(vec![f]);
    let z = &zs.zones()[0];
    let t0 = 1_748_764_800_000i64; // 2025-06-01T08:00:00Z
    assert_eq!(z.active_from_ms, Some(t0));
    assert_eq!(z.active_until_ms, Some(t0 + 3_600_000));
    assert!(!z.is_active(t0 - 1));
    assert!(z.is_active(t0));
    assert!(!z.is_active(t0 + 3_600_000));
    let v = any_vessel();
    assert_eq!(zs.inside(&v, 0.5, 0.5, t0 + 10), vec![0]);
    assert!(zs.inside(&v, 0.5, 0.5, t0 - 10).is_empty());
    // Entry at the interpolated time decides: the step straddles the start.
    let a = Fix {
        lat_deg: 0.5,
        lon_deg: -0.5,
        time_ms: t0 - 60_000,
    };
    let b = Fix {
        lat_deg: 0.5,
        lon_deg: 0.5,
        time_ms: t0 + 60_000,
    };
    let ev = zs.step(&v, &a, &b);
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].time_ms, t0);
    let early = Fix {
        time_ms: t0 - 120_000,
        ..a
    };
    let early_b = Fix {
        time_ms: t0 - 1,
        ..b
    };
    assert!(zs.step(&v, &early, &early_b).is_empty());
}

#[test]
fn speed_limits() {
    let f = feature(
        json!({"name": "port", "rule": "speed_limit", "max_sog_kn": 6}),
        json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}),
    );
    let zs = zones(vec![f]);
    assert_eq!(zs.zones()[0].rule, Rule::SpeedLimit { max_sog_kn: 6.0 });
    let v = any_vessel();
    assert_eq!(
        zs.speed_violations(&v, &fix(0.5, 0.5, 0), 8.0),
        vec![(0, 6.0)]
    );
    assert!(zs.speed_violations(&v, &fix(0.5, 0.5, 0), 5.9).is_empty());
    assert!(zs.speed_violations(&v, &fix(1.5, 0.5, 0), 20.0).is_empty());
    assert!(zs
        .speed_violations(&v, &fix(0.5, 0.5, 0), f64::NAN)
        .is_empty());
}

#[test]
fn predicted_entries() {
    // A keep-out box whose southern edge is 5 NM north of the vessel.
    let edge_lat = 42.0 + 5.0 / 60.0;
    let f = area(
        "box",
        "keep_out",
        json!([
            [-9.2, edge_lat],
            [-8.8, edge_lat],
            [-8.8, 42.5],
            [-9.2, 42.5],
            [-9.2, edge_lat]
        ]),
    );
    let zs = zones(vec![f]);
    let v = any_vessel();
    let at = fix(42.0, -9.0, 1000);
    let ev = zs.predicted(&v, &at, 0.0, 10.0, 3600.0);
    assert_eq!(ev.len(), 1, "{ev:?}");
    assert_eq!(ev[0].kind, ZoneEventKind::Entered);
    assert!(ev[0].violation);
    // 5' of latitude at 42°N is 9 260 m (WGS84 meridian arc); 10 kn.
    let expect_s = 9_260.3 / (10.0 * 1852.0 / 3600.0);
    let got_s = (ev[0].time_ms - 1_000_000) as f64 / 1000.0;
    assert!((got_s - expect_s).abs() < 3.0, "{got_s} vs {expect_s}");
    assert!(
        (ev[0].lat_deg - edge_lat).abs() < 1e-7,
        "{}",
        ev[0].lat_deg - edge_lat
    );
    // Through and out the far side with a long horizon.
    let ev = zs.predicted(&v, &at, 0.0, 10.0, 4.0 * 3600.0);
    assert_eq!(
        ev.iter().map(|e| e.kind).collect::<Vec<_>>(),
        vec![ZoneEventKind::Entered, ZoneEventKind::Left]
    );
    // Too short a horizon, or heading away.
    assert!(zs.predicted(&v, &at, 0.0, 10.0, 1700.0).is_empty());
    assert!(zs.predicted(&v, &at, 180.0, 10.0, 3600.0).is_empty());
    assert!(zs.predicted(&v, &at, 0.0, f64::NAN, 3600.0).is_empty());
}

#[test]
fn validation_messages() {
    let ring = json!([[-9, 42.5], [-8.8, 42.5], [-8.8, 42.6], [-9, 42.5]]);
    let poly = json!({"type": "Polygon", "coordinates": [ring]});
    let ok = feature(json!({"name": "A", "rule": "notify"}), poly.clone());
    let cases: Vec<(Value, &str)> = vec![
        (
            feature(json!({"name": "Ria de Arousa", "rule": "keepout"}), poly.clone()),
            r#"zones.geojson feature 2 ("Ria de Arousa"): rule "keepout" is not one of keep_out, keep_in, no_crossing, speed_limit, notify, tss_lane, tss_separation, tss_inshore, channel, restricted_visibility"#,
        ),
        (feature(json!({"rule": "notify"}), poly.clone()), "zones.geojson feature 2: \"name\" is missing: every zone needs a name"),
        (
            feature(json!({"name": "B"}), poly.clone()),
            "zones.geojson feature 2 (\"B\"): \"rule\" is missing; use one of keep_out, keep_in, no_crossing, speed_limit, notify, tss_lane, tss_separation, tss_inshore, channel, restricted_visibility",
        ),
        (
            feature(json!({"name": "C", "rule": "speed_limit"}), poly.clone()),
            "zones.geojson feature 2 (\"C\"): rule speed_limit needs \"max_sog_kn\" (knots)",
        ),
        (
            feature(json!({"name": "D", "rule": "speed_limit", "max_sog_kn": -3}), poly.clone()),
            "zones.geojson feature 2 (\"D\"): \"max_sog_kn\" -3 must be a positive number of knots",
        ),
        (
            feature(json!({"name": "E", "rule": "keep_out"}), json!({"type": "LineString", "coordinates": [[0, 0], [1, 1]]})),
            "zones.geojson feature 2 (\"E\"): rule keep_out needs a Polygon or MultiPolygon, not a line",
        ),
        (
            feature(json!({"name": "F", "rule": "notify"}), json!({"type": "Point", "coordinates": [0, 0]})),
            "zones.geojson feature 2 (\"F\"): zones need Polygon, MultiPolygon, LineString or MultiLineString geometries, not Point",
        ),
        (
            feature(json!({"name": "G", "rule": "notify", "applies_to": {"colour": ["red"]}}), poly.clone()),
            "zones.geojson feature 2 (\"G\"): applies_to: unknown key \"colour\"; use mmsi, flag, ship_type, class, length_m (vessels) or icao, icao_country, category (aircraft)",
        ),
        (
            feature(json!({"name": "H", "rule": "notify", "applies_to": {"flag": ["Spain"]}}), poly.clone()),
            "zones.geojson feature 2 (\"H\"): applies_to: flag \"Spain\" is not an ISO 3166-1 alpha-2 code such as \"ES\"",
        ),
        (
            feature(json!({"name": "I", "rule": "notify", "applies_to": {"ship_type": [[79, 70]]}}), poly.clone()),
            "zones.geojson feature 2 (\"I\"): applies_to: ship_type [79,70] is not a type 0-99 or a range [low, high]",
        ),
        (
            feature(json!({"name": "J", "rule": "notify", "active_from": "tomorrow"}), poly.clone()),
            "zones.geojson feature 2 (\"J\"): active_from \"tomorrow\" is not an ISO 8601 UTC time (for example 2025-06-01T00:00:00Z)",
        ),
        (
            feature(
                json!({"name": "K", "rule": "notify", "active_from": "2025-01-02", "active_until": "2025-01-01"}),
                poly.clone(),
            ),
            "zones.geojson feature 2 (\"K\"): active_until must be later than active_from",
        ),
        (
            feature(json!({"name": "L", "rule": "notify"}), json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 91], [1, 0], [0, 0]]]})),
            "zones.geojson feature 2 (\"L\"): position 2 of ring 1: latitude 91 is outside -90..90",
        ),
        (
            feature(json!({"name": "M", "rule": "notify", "applies_to": {"length_m": [200, 100]}}), poly.clone()),
            "zones.geojson feature 2 (\"M\"): applies_to: length_m [200, 100]: min is greater than max",
        ),
    ];
    for (bad, want) in cases {
        assert_eq!(zone_err(vec![ok.clone(), bad]), want);
    }
    // Not JSON; not a FeatureCollection.
    let e = Zones::from_geojson_bytes(b"{not json").unwrap_err();
    assert_eq!(e.reason(), "json");
    let e =
        Zones::from_geojson_bytes(br#"{"type":"FeatureCollection","features":{}}"#).unwrap_err();
    assert_eq!(e.to_string(), "\"features\" is not an array");
    // Never a panic on arbitrary bytes.
    for junk in [
        &b""[..],
        b"null",
        b"[]",
        b"{\"type\":1}",
        b"\xff\xfe",
        b"{\"type\":\"Feature\"}",
    ] {
        assert!(Zones::from_geojson_bytes(junk).is_err());
    }
}

/// A zone with many edges (edge grid) agrees with an independent
/// floating-point ray cast away from its boundary.
#[test]
fn large_zone_grid_matches_plain_ray_cast() {
    // A 300-vertex star around (42, -9).
    let n = 300;
    let pts: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let a = i as f64 / n as f64 * std::f64::consts::TAU;
            let r = if i % 2 == 0 {
                0.5
            } else {
                0.2 + 0.1 * ((i * 7) % 5) as f64 / 5.0
            };
            (-9.0 + r * a.sin(), 42.0 + r * a.cos())
        })
        .collect();
    let mut ring: Vec<Value> = pts.iter().map(|&(x, y)| json!([x, y])).collect();
    ring.push(ring[0].clone());
    let zs = zones(vec![area("star", "notify", Value::Array(ring))]);
    let z = &zs.zones()[0];
    let ray = |lat: f64, lon: f64| {
        let mut inside = false;
        for i in 0..n {
            let (a, b) = (pts[i], pts[(i + 1) % n]);
            if (a.1 > lat) != (b.1 > lat) {
                let x = a.0 + (lat - a.1) * (b.0 - a.0) / (b.1 - a.1);
                if x > lon {
                    inside = !inside;
                }
            }
        }
        inside
    };
    let mut seed = 42u64;
    let mut rnd = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut inside = 0;
    for _ in 0..5000 {
        let lat = 41.4 + 1.2 * rnd();
        let lon = -9.6 + 1.2 * rnd();
        let r = ray(lat, lon);
        inside += usize::from(r);
        assert_eq!(z.contains(lat, lon), r, "{lat},{lon}");
    }
    assert!(inside > 500);
}

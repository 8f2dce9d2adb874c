//! Land: the bundled world (Natural Earth 1:10m via world-atlas), its
//! TopoJSON source, known places, first approach, the antimeridian and
//! the poles, the compact format, and a property test against a
//! brute-force sampled track.

use std::sync::OnceLock;
use std::time::Instant;

use finisterra_geofence::land::{Land, WORLD_LAND_BYTES};
use finisterra_nav::advice::{AdviceConfig, Direction, Sides};
use finisterra_nav::cpa::Kinematic;
use finisterra_nav::geo::{destination, distance_m, MPS_PER_KN};
use proptest::prelude::*;

const LIGHTHOUSE: (f64, f64) = (42.8817, -9.2717); // Cabo Fisterra

fn world() -> &'static Land {
    static W: OnceLock<Land> = OnceLock::new();
    W.get_or_init(|| Land::world().expect("bundled land loads"))
}

#[test]
fn bundled_land_loads_and_prints_its_time() {
    let t = Instant::now();
    let land = Land::from_bytes(WORLD_LAND_BYTES).unwrap();
    let dt = t.elapsed();
    // Timing is reported, never asserted (debug builds are slow).
    println!(
        "bundled land: {} bytes, {} polygons, {} vertices, loaded in {:.1} ms (this build profile)",
        WORLD_LAND_BYTES.len(),
        land.polygon_count(),
        land.vertex_count(),
        dt.as_secs_f64() * 1e3
    );
    assert!(land.polygon_count() > 4000);
}

#[test]
fn topojson_source_reproduces_the_bundled_file() {
    let topo = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/land/land-10m.json"
    ))
    .unwrap();
    let land = Land::from_topojson_bytes(&topo).unwrap();
    assert!(
        land.to_bytes() == WORLD_LAND_BYTES,
        "data/land/land-10m.fland is stale: regenerate it with the import_land example"
    );
    // Known places, straight from the TopoJSON decoding.
    assert!(land.is_land(40.4168, -3.7038), "Madrid");
    assert!(land.is_land(48.8566, 2.3522), "Paris");
    assert!(!land.is_land(43.0, -12.0), "Atlantic off Galicia");
    assert!(!land.is_land(LIGHTHOUSE.0, LIGHTHOUSE.1));
}

#[test]
fn known_places() {
    let land = world();
    for (name, lat, lon) in [
        ("Madrid", 40.4168, -3.7038),
        ("Paris", 48.8566, 2.3522),
        ("Santiago de Compostela", 42.8782, -8.5448),
        ("Sydney", -33.8688, 151.2093),
        ("Antarctic plateau", -85.0, 0.0),
        ("South Pole", -90.0, 0.0),
        ("Chukotka west of 180", 66.0, 179.99),
        ("Chukotka east of 180", 66.0, -179.99),
    ] {
        assert!(land.is_land(lat, lon), "{name}");
    }
    for (name, lat, lon) in [
        ("Atlantic 43N 12W", 43.0, -12.0),
        ("Bay of Biscay", 45.0, -5.0),
        ("North Pacific", 30.0, -150.0),
        ("Southern Ocean", -60.0, 0.0),
        ("North Pole (sea)", 90.0, 0.0),
        ("Ria de Arousa", 42.55, -8.92),
    ] {
        assert!(!land.is_land(lat, lon), "{name}");
    }
    // Distances.
    let d = land
        .distance_to_coast_within_m(43.0, -12.0, 400_000.0)
        .unwrap();
    assert!(d > 200_000.0 && d < 240_000.0, "{d}");
    assert!(
        land.distance_to_coast_m(43.0, -12.0).is_none(),
        "beyond 50 NM"
    );
    // Cabo Fisterra lighthouse: Natural Earth 1:10m (as quantized by
    // world-atlas, 0.0036° × 0.0017°) cuts the tip of the cape; the nearest
    // coast vertex is 1.19 km north-north-east. Finer data (OSM land
    // polygons) puts the lighthouse within ~300 m of the coast.
    let c = land
        .nearest_coast(LIGHTHOUSE.0, LIGHTHOUSE.1, 10_000.0)
        .unwrap();
    assert!(c.distance_m < 1_500.0, "{c:?}");
    assert!(
        (distance_m(LIGHTHOUSE.0, LIGHTHOUSE.1, c.lat_deg, c.lon_deg) - c.distance_m).abs() < 0.5
    );
    assert!(c.bearing_deg < 45.0, "{c:?}");
    // On land the distance is to the coastline too.
    let inland = land
        .distance_to_coast_within_m(40.4168, -3.7038, 1_000_000.0)
        .unwrap();
    assert!(inland > 250_000.0 && inland < 400_000.0, "{inland}");
}

#[test]
fn approach_to_finisterre_from_25_nm() {
    let land = world();
    let (lat0, lon0) = destination(LIGHTHOUSE.0, LIGHTHOUSE.1, 270.0, 25.0 * 1852.0);
    let sog = 15.0;
    let v = sog * MPS_PER_KN;
    // Steering straight back at the lighthouse.
    let a = land
        .first_approach(lat0, lon0, 90.0, sog, 3.0 * 3600.0, 1852.0)
        .unwrap();
    let start_clear = land
        .distance_to_coast_within_m(lat0, lon0, 100_000.0)
        .unwrap();
    // The lighthouse is about 1.2 km from the data's coast (the cape's tip
    // is generalised away), so the vessel comes within 1 NM of the coast
    // somewhat less than 25 NM on: about 24.5 NM here.
    assert!(
        a.time_s > (24.0 * 1852.0 - 2_000.0) / v && a.time_s < 25.0 * 1852.0 / v,
        "{a:?}"
    );
    assert!((a.distance_m - 1852.0).abs() < 1.0, "{a:?}");
    // Where the vessel is then really is one mile off.
    let d_then = land
        .distance_to_coast_within_m(a.lat_deg, a.lon_deg, 5_000.0)
        .unwrap();
    assert!((d_then - 1852.0).abs() < 2.0, "{d_then}");
    // Time ≈ distance / speed: the position then is at time × speed.
    assert!((distance_m(lat0, lon0, a.lat_deg, a.lon_deg) - a.time_s * v).abs() < 1.0);
    assert!(start_clear > 20.0 * 1852.0);
    // The same from 25 NM out with a 30 min horizon: not yet.
    assert!(land
        .first_approach(lat0, lon0, 90.0, sog, 1800.0, 1852.0)
        .is_none());
    // Steering north along the coast (parallel, 25 NM off): clear.
    assert!(land.course_is_clear(lat0, lon0, 0.0, sog, 3600.0, 1852.0));
    // Smallest alteration away from the rocks.
    let (lat1, lon1) = destination(LIGHTHOUSE.0, LIGHTHOUSE.1, 270.0, 3.0 * 1852.0);
    let own = Kinematic::new(lat1, lon1, 12.0, 90.0);
    let cfg = AdviceConfig {
        horizon_s: 1200.0,
        ..AdviceConfig::default()
    };
    let alt = land
        .smallest_clear_alteration(&own, Sides::Either, 1852.0, &cfg)
        .unwrap();
    assert!(
        alt.alteration_deg >= 20.0 && alt.direction != Direction::None,
        "{alt:?}"
    );
    assert!(land.course_is_clear(lat1, lon1, alt.new_cog_deg, 12.0, 1200.0, 1852.0));
    assert!(alt.clearance >= 1852.0);
}

#[test]
fn antimeridian_and_poles() {
    // A synthetic island across 180°, written with wrapped longitudes.
    let island = br#"{"type":"Polygon","coordinates":[[[179.5,-0.5],[-179.5,-0.5],[-179.5,0.5],[179.5,0.5],[179.5,-0.5]]]}"#;
    let land = Land::from_geojson_bytes(island).unwrap();
    assert!(land.is_land(0.0, 179.9));
    assert!(land.is_land(0.0, -179.9));
    assert!(land.is_land(0.0, 180.0));
    assert!(!land.is_land(0.0, 179.4));
    assert!(!land.is_land(0.0, -179.4));
    // The cut along 180° is not coast: from inside, the nearest coast is
    // the real shore, 0.5° away at most.
    let d = land
        .distance_to_coast_within_m(0.0, 180.0, 100_000.0)
        .unwrap();
    assert!((d - 55_287.0).abs() < 10.0, "{d}"); // 0.5° of latitude
    let d = land
        .distance_to_coast_within_m(0.0, 179.5, 100_000.0)
        .unwrap();
    assert!(d < 1e-6, "{d}"); // on the shore
                              // Approaches from both sides, across the meridian.
    let a = land
        .first_approach(0.0, 179.0, 90.0, 10.0, 4.0 * 3600.0, 1000.0)
        .unwrap();
    let b = land
        .first_approach(0.0, -179.0, 270.0, 10.0, 4.0 * 3600.0, 1000.0)
        .unwrap();
    assert!((a.time_s - b.time_s).abs() < 1.0, "{a:?} {b:?}");
    assert!(
        (a.time_s - (55_660.0 - 1000.0) / (10.0 * MPS_PER_KN)).abs() < 5.0,
        "{a:?}"
    );
    // A track crossing 180° towards land on the far side.
    let c = land
        .first_approach(0.7, 179.9, 135.0, 20.0, 3600.0, 500.0)
        .unwrap();
    assert!(c.lon_deg < 0.0, "{c:?}");
    assert!(c.time_s > 0.0 && c.nearest_lat_deg <= 0.5 + 1e-6);
    // A ring round the South Pole given without its pole edges (as in
    // world-atlas) is closed round the pole.
    let ring: Vec<String> = (0..=36)
        .map(|i| format!("[{},{}]", -180.0 + 10.0 * (i % 36) as f64, -70.0))
        .collect();
    let polar = format!(
        r#"{{"type":"Polygon","coordinates":[[{}]]}}"#,
        ring.join(",")
    );
    let land = Land::from_geojson_bytes(polar.as_bytes()).unwrap();
    assert!(land.is_land(-80.0, 45.0));
    assert!(land.is_land(-90.0, 0.0));
    assert!(!land.is_land(-60.0, 45.0));
    let d = land
        .distance_to_coast_within_m(-69.0, 5.0, 200_000.0)
        .unwrap();
    assert!(d > 100_000.0 && d < 112_000.0, "{d}");
    // Near the pole, where the longitude box is the whole world.
    let d = land
        .distance_to_coast_within_m(-75.0, 123.0, 1_000_000.0)
        .unwrap();
    assert!((d - 556_000.0).abs() < 5_000.0, "{d}");
    // Searches are capped at 1000 km.
    assert!(land
        .distance_to_coast_within_m(-89.5, 0.0, 3_000_000.0)
        .is_none());
}

#[test]
fn compact_format_refuses_damage() {
    let bytes = WORLD_LAND_BYTES;
    for n in [
        0,
        7,
        8,
        20,
        63,
        64,
        1000,
        bytes.len() / 2,
        bytes.len() - 9,
        bytes.len() - 1,
    ] {
        assert!(Land::from_bytes(&bytes[..n]).is_err(), "truncated at {n}");
    }
    for i in [0, 9, 12, 45, 60, 5000, bytes.len() / 3, bytes.len() - 3] {
        let mut b = bytes.to_vec();
        b[i] ^= 0x01;
        let e = Land::from_bytes(&b).unwrap_err();
        assert!(!e.to_string().is_empty());
    }
    let mut extra = bytes.to_vec();
    extra.push(0);
    assert!(Land::from_bytes(&extra).is_err());
}

#[test]
fn bad_input_never_panics() {
    let land = world();
    for (lat, lon) in [
        (f64::NAN, 0.0),
        (0.0, f64::INFINITY),
        (91.0, 0.0),
        (-90.0000001, 0.0),
    ] {
        assert!(!land.is_land(lat, lon));
        assert!(land.distance_to_coast_m(lat, lon).is_none());
        assert!(land
            .first_approach(lat, lon, 0.0, 10.0, 600.0, 1000.0)
            .is_none());
    }
    assert!(land
        .first_approach(43.0, -9.5, f64::NAN, 10.0, 600.0, 1000.0)
        .is_none());
    assert!(land
        .first_approach(43.0, -9.5, 0.0, 10.0, -1.0, 1000.0)
        .is_none());
    assert!(land
        .first_approach(43.0, -9.5, 0.0, 10.0, 600.0, f64::NAN)
        .is_none());
    assert!(land.nearest_coast(43.0, -9.5, -1.0).is_none());
    // Longitudes outside ±180 are wrapped.
    assert_eq!(
        land.is_land(40.4168, -3.7038 + 360.0),
        land.is_land(40.4168, -3.7038)
    );
    // Huge speeds and horizons are cut at 1000 km.
    let _ = land.first_approach(43.0, -12.0, 45.0, 1.0e9, 1.0e9, 1000.0);
    for junk in [&b""[..], b"{}", b"[1,2]", b"{\"type\":\"Topology\"}", b"{\"type\":\"Topology\",\"arcs\":[[[0,0]]],\"objects\":{\"x\":{\"type\":\"Polygon\",\"arcs\":[[5]]}}}"] {
        assert!(Land::from_topojson_bytes(junk).is_err());
    }
    assert!(
        Land::from_geojson_bytes(br#"{"type":"LineString","coordinates":[[0,0],[1,1]]}"#).is_err()
    );
}

/// Brute force: distance to the coast at sampled track positions.
#[allow(clippy::too_many_arguments)]
fn sampled_first_time(
    land: &Land,
    lat: f64,
    lon: f64,
    cog: f64,
    sog: f64,
    horizon: f64,
    safety: f64,
    step_s: f64,
) -> Option<f64> {
    let v = sog * MPS_PER_KN;
    let n = (horizon / step_s).floor() as usize;
    for k in 0..=n {
        let t = k as f64 * step_s;
        let (la, lo) = destination(lat, lon, cog, v * t);
        if let Some(d) = land.distance_to_coast_within_m(la, lo, safety + 10.0) {
            if d <= safety {
                return Some(t);
            }
        }
    }
    None
}

/// A start point `dist` metres from the coast point nearest to
/// (`lat`, `lon`), on bearing `brg`; `None` when that is on land.
fn start_near_coast(land: &Land, lat: f64, lon: f64, brg: f64, dist: f64) -> Option<(f64, f64)> {
    let c = land.nearest_coast(lat, lon, 200_000.0)?;
    let (la, lo) = destination(c.lat_deg, c.lon_deg, brg, dist);
    (!land.is_land(la, lo)).then_some((la, lo))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    /// `first_approach` is never later than the first sampled track point
    /// within the safety distance, and when it reports an approach the
    /// vessel really is at the safety distance then.
    #[test]
    fn first_approach_not_later_than_sampled_track(
        lat in 42.1f64..43.8,
        lon in -9.6f64..-8.0,
        cog in 0.0f64..360.0,
        sog in 0.5f64..30.0,
        horizon in 0.0f64..3600.0,
        safety in 50.0f64..3000.0,
        brg in 0.0f64..360.0,
        dist in 0.0f64..15_000.0,
    ) {
        let land = world();
        let start = start_near_coast(land, lat, lon, brg, dist);
        prop_assume!(start.is_some());
        let (lat, lon) = start.unwrap();
        let fa = land.first_approach(lat, lon, cog, sog, horizon, safety);
        let sampled = sampled_first_time(land, lat, lon, cog, sog, horizon, safety, 10.0);
        if let Some(ts) = sampled {
            let a = fa.expect("sampled track comes within the safety distance");
            prop_assert!(a.time_s <= ts + 1e-6, "first_approach {} later than sample {}", a.time_s, ts);
        }
        if let Some(a) = fa {
            prop_assert!(a.time_s <= horizon + 1e-6);
            let d = land.distance_to_coast_within_m(a.lat_deg, a.lon_deg, safety + 100.0);
            prop_assert!(d.is_some_and(|d| d <= safety + 0.5), "at {} s the distance is {:?}", a.time_s, d);
            if a.time_s > 0.0 {
                prop_assert!((a.distance_m - safety).abs() < 0.5);
                // Just before, the vessel was still farther than the safety distance.
                let before = (a.time_s - 2.0).max(0.0);
                let (la, lo) = destination(lat, lon, cog, sog * MPS_PER_KN * before);
                let d = land.distance_to_coast_within_m(la, lo, safety - 0.5);
                prop_assert!(d.is_none() || before == 0.0, "at {} s already {:?}", before, d);
            }
        }
    }
}

/// The property above over a fixed set of 200 tracks, counting how many
/// actually meet the coast (so that the property is not vacuous).
#[test]
fn sampled_tracks_meet_the_coast_often() {
    let land = world();
    let mut seed = 7u64;
    let mut rnd = |a: f64, b: f64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        a + (b - a) * ((seed >> 11) as f64 / (1u64 << 53) as f64)
    };
    let (mut met, mut sampled_met, mut tracks) = (0, 0, 0);
    while tracks < 200 {
        let (lat, lon, cog) = (rnd(42.1, 43.8), rnd(-9.6, -8.0), rnd(0.0, 360.0));
        let (sog, horizon, safety) = (rnd(0.5, 30.0), rnd(0.0, 3600.0), rnd(50.0, 3000.0));
        let Some((lat, lon)) =
            start_near_coast(land, lat, lon, rnd(0.0, 360.0), rnd(0.0, 15_000.0))
        else {
            continue;
        };
        tracks += 1;
        let fa = land.first_approach(lat, lon, cog, sog, horizon, safety);
        if let Some(ts) = sampled_first_time(land, lat, lon, cog, sog, horizon, safety, 10.0) {
            sampled_met += 1;
            assert!(
                fa.is_some_and(|a| a.time_s <= ts + 1e-6),
                "{lat},{lon} {cog} {sog} {horizon} {safety}: {fa:?} vs {ts}"
            );
        }
        met += usize::from(fa.is_some());
    }
    println!(
        "{met} of 200 tracks come within the safety distance ({sampled_met} seen by sampling)"
    );
    assert!(sampled_met > 60, "{sampled_met}");
}

/// The bundled inland waters say which of the 1:10m land is water: the
/// Great Lakes and the big rivers are land in `Land::world()`.
#[test]
fn bundled_inland_water_knows_lakes_and_rivers() {
    let water = Land::inland_water().expect("bundled inland water");
    let land = world();
    // Lake Michigan, mid-lake: land at 1:10m, inside a lake here.
    let (lat, lon) = (43.5, -87.0);
    assert!(land.is_land(lat, lon));
    assert!(water.is_land(lat, lon));
    // River centre lines: the Mississippi at New Orleans, the Columbia at
    // Portland, the Rhine at Duisburg; land at 1:10m, within a few km of a
    // river line here (the lines enclose nothing).
    for (lat, lon) in [(29.95, -90.06), (45.62, -122.75), (51.43, 6.73)] {
        assert!(land.is_land(lat, lon), "{lat},{lon}");
        assert!(!water.is_land(lat, lon), "{lat},{lon}");
        let d = water
            .distance_to_coast_within_m(lat, lon, 50_000.0)
            .expect("a river line near");
        assert!(d < 5_000.0, "{lat},{lon}: {d} m");
    }
    // Far from any mapped water: the Sahara, Madrid.
    for (lat, lon) in [(23.0, 12.0), (40.4168, -3.7038)] {
        assert!(!water.is_land(lat, lon));
        assert!(
            water
                .distance_to_coast_within_m(lat, lon, 5_000.0)
                .is_none(),
            "{lat},{lon}"
        );
    }
}

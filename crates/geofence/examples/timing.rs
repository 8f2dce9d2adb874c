//! Timing of the land, hazard and zone queries on a synthetic world
//! traffic picture. Prints figures; asserts nothing.
//!
//! ```text
//! cargo run -p finisterra-geofence --release --example timing [-- VESSELS ZONES]
//! ```
//!
//! Vessels: 70 % in coastal waters (0.2–25 km off a coastline vertex of
//! the bundled land), 30 % offshore (uniform over the oceans, more than
//! 30 km from land). Zones: polygons and lines near coasts, 1–30 km.

use std::time::Instant;

use finisterra_geofence::hazards::Hazards;
use finisterra_geofence::land::Land;
use finisterra_geofence::zones::{Fix, VesselFacts, Zones};
use serde_json::{json, Value};

/// Deterministic xorshift64*.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.f()
    }
}

struct Vessel {
    lat: f64,
    lon: f64,
    cog: f64,
    sog: f64,
    coastal: bool,
}

fn coast_vertices() -> Vec<(f64, f64)> {
    let text = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/land/land-10m.json"
    ))
    .expect("data/land/land-10m.json");
    let t: serde_json::Value = serde_json::from_slice(&text).expect("json");
    let s = &t["transform"]["scale"];
    let tr = &t["transform"]["translate"];
    let (sx, sy, tx, ty) = (
        s[0].as_f64().unwrap(),
        s[1].as_f64().unwrap(),
        tr[0].as_f64().unwrap(),
        tr[1].as_f64().unwrap(),
    );
    let mut out = Vec::new();
    for a in t["arcs"].as_array().unwrap() {
        let (mut x, mut y) = (0i64, 0i64);
        for p in a.as_array().unwrap() {
            x += p[0].as_i64().unwrap();
            y += p[1].as_i64().unwrap();
            let (lon, lat) = (x as f64 * sx + tx, y as f64 * sy + ty);
            if lat > -60.0 && lat < 72.0 {
                out.push((lat, lon));
            }
        }
    }
    out
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n_vessels = args.first().copied().unwrap_or(100_000);
    let n_zones = args.get(1).copied().unwrap_or(1_000);

    // Load time.
    let mut loads = Vec::new();
    let mut land = Land::empty();
    for _ in 0..5 {
        let t = Instant::now();
        land = Land::world().expect("bundled land");
        loads.push(t.elapsed().as_secs_f64() * 1e3);
    }
    loads.sort_by(f64::total_cmp);
    println!(
        "bundled land: {} polygons, {} vertices, {} bytes; load (parse + index) min {:.1} ms, median {:.1} ms; index {:?}",
        land.polygon_count(),
        land.vertex_count(),
        land.to_bytes().len(),
        loads[0],
        loads[2],
        land.index_stats()
    );

    // Vessels.
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let verts = coast_vertices();
    let mut vessels = Vec::with_capacity(n_vessels);
    let n_coastal = n_vessels * 7 / 10;
    while vessels.len() < n_coastal {
        let (lat, lon) = verts[(rng.next() % verts.len() as u64) as usize];
        let d = rng.range(200.0, 25_000.0);
        let (lat, lon) = finisterra_nav::geo::destination(lat, lon, rng.range(0.0, 360.0), d);
        if !lat.is_finite() || land.is_land(lat, lon) {
            continue;
        }
        vessels.push(Vessel {
            lat,
            lon,
            cog: rng.range(0.0, 360.0),
            sog: rng.range(3.0, 22.0),
            coastal: true,
        });
    }
    while vessels.len() < n_vessels {
        let lat = rng.range(-60.0, 65.0);
        let lon = rng.range(-180.0, 180.0);
        if land.is_land(lat, lon)
            || land
                .distance_to_coast_within_m(lat, lon, 30_000.0)
                .is_some()
        {
            continue;
        }
        vessels.push(Vessel {
            lat,
            lon,
            cog: rng.range(0.0, 360.0),
            sog: rng.range(8.0, 22.0),
            coastal: false,
        });
    }

    for (label, coastal) in [("coastal", true), ("offshore", false)] {
        let vs: Vec<&Vessel> = vessels.iter().filter(|v| v.coastal == coastal).collect();
        let n = vs.len() as f64;
        let t = Instant::now();
        let mut hits = 0;
        for v in &vs {
            hits += usize::from(land.is_land(v.lat, v.lon));
        }
        let is_land_ns = t.elapsed().as_secs_f64() * 1e9 / n;
        let t = Instant::now();
        let mut near = 0;
        for v in &vs {
            near += usize::from(land.distance_to_coast_m(v.lat, v.lon).is_some());
        }
        let dist_ns = t.elapsed().as_secs_f64() * 1e9 / n;
        if std::env::var_os("TIMING_DEBUG").is_some() {
            for v in &vs {
                if v.coastal && land.distance_to_coast_m(v.lat, v.lon).is_none() {
                    println!(
                        "coastal vessel without coast within 50 NM: {} {}",
                        v.lat, v.lon
                    );
                }
            }
        }
        let t = Instant::now();
        let mut appr = 0;
        for v in &vs {
            appr += usize::from(
                land.first_approach(v.lat, v.lon, v.cog, v.sog, 1800.0, 1852.0)
                    .is_some(),
            );
        }
        let fa_ns = t.elapsed().as_secs_f64() * 1e9 / n;
        println!(
            "{label:8} {:6} vessels: is_land {is_land_ns:7.0} ns ({hits} on land), distance_to_coast(50 NM) {dist_ns:7.0} ns ({near} within), first_approach(30 min, 1 NM) {fa_ns:7.0} ns ({appr} approaching)",
            vs.len()
        );
    }
    // Deep sea: answered by the 1° clearance table.
    let deep: Vec<&Vessel> = vessels
        .iter()
        .filter(|v| land.clearance_lower_bound_m(v.lat, v.lon) > 100_000.0)
        .collect();
    let t = Instant::now();
    for _ in 0..10 {
        for v in &deep {
            std::hint::black_box(land.first_approach(v.lat, v.lon, v.cog, v.sog, 1800.0, 1852.0));
        }
    }
    println!(
        "deep sea {:6} vessels (1° table says > 100 km from land): first_approach {:.0} ns",
        deep.len(),
        t.elapsed().as_secs_f64() * 1e9 / (10 * deep.len().max(1)) as f64
    );
    let t = Instant::now();
    let mut appr = 0;
    for v in &vessels {
        appr += usize::from(
            land.first_approach(v.lat, v.lon, v.cog, v.sog, 1800.0, 1852.0)
                .is_some(),
        );
    }
    println!(
        "land pass over {} vessels (first_approach): {:.1} ms ({appr} approaching)",
        vessels.len(),
        t.elapsed().as_secs_f64() * 1e3
    );

    // Zones: polygons (6–64 vertices, 1–30 km) and lines near coasts.
    let mut feats: Vec<Value> = Vec::with_capacity(n_zones);
    let rules = [
        "keep_out",
        "speed_limit",
        "notify",
        "keep_in",
        "no_crossing",
    ];
    for i in 0..n_zones {
        let (lat, lon) = verts[(rng.next() % verts.len() as u64) as usize];
        let rule = rules[(rng.next() % rules.len() as u64) as usize];
        let applies: Value = match rng.next() % 4 {
            0 => json!({"ship_type": [[70, 89]]}),
            1 => json!({"flag": ["ES", "PT", "FR"]}),
            _ => json!("all"),
        };
        let line = i % 10 >= 7;
        let geometry = if line {
            let n = 2 + (rng.next() % 5) as usize;
            let mut brg = rng.range(0.0, 360.0);
            let mut p = (lat, lon);
            let mut coords = vec![json!([p.1, p.0])];
            for _ in 1..n {
                brg += rng.range(-40.0, 40.0);
                p = finisterra_nav::geo::destination(p.0, p.1, brg, rng.range(2_000.0, 12_000.0));
                coords.push(json!([p.1, p.0]));
            }
            json!({"type": "LineString", "coordinates": coords})
        } else {
            let k = 6 + (rng.next() % 59) as usize;
            let r = rng.range(1_000.0, 30_000.0);
            let mut coords: Vec<Value> = (0..k)
                .map(|j| {
                    let (la, lo) = finisterra_nav::geo::destination(
                        lat,
                        lon,
                        360.0 * j as f64 / k as f64,
                        r * rng.range(0.7, 1.0),
                    );
                    json!([lo, la])
                })
                .collect();
            coords.push(coords[0].clone());
            json!({"type": "Polygon", "coordinates": [coords]})
        };
        let rule = if line && !matches!(rule, "no_crossing" | "notify") {
            "no_crossing"
        } else {
            rule
        };
        feats.push(json!({"type": "Feature", "geometry": geometry,
            "properties": {"name": format!("zone {i}"), "rule": rule, "max_sog_kn": 8, "applies_to": applies}}));
    }
    let doc = json!({"type": "FeatureCollection", "features": feats}).to_string();
    let t = Instant::now();
    let zones = Zones::from_geojson_bytes(doc.as_bytes()).expect("zones");
    println!(
        "{} zones ({} kB GeoJSON) parsed and indexed in {:.1} ms",
        zones.len(),
        doc.len() / 1024,
        t.elapsed().as_secs_f64() * 1e3
    );
    let facts: Vec<VesselFacts> = (0..vessels.len())
        .map(|i| VesselFacts {
            mmsi: [
                224_000_000u32,
                263_000_000,
                227_000_000,
                636_000_000,
                538_000_000,
            ][i % 5]
                + i as u32,
            ship_type: Some([30u8, 52, 60, 70, 80, 37][i % 6]),
            class_b: i % 6 == 5,
            length_m: Some(10.0 + (i % 300) as f64),
        })
        .collect();
    let fixes: Vec<(Fix, Fix)> = vessels
        .iter()
        .map(|v| {
            let (la, lo) = finisterra_nav::geo::destination(
                v.lat,
                v.lon,
                v.cog,
                v.sog * finisterra_nav::geo::MPS_PER_KN * 10.0,
            );
            (
                Fix {
                    lat_deg: v.lat,
                    lon_deg: v.lon,
                    time_ms: 0,
                },
                Fix {
                    lat_deg: la,
                    lon_deg: lo,
                    time_ms: 10_000,
                },
            )
        })
        .collect();
    let t = Instant::now();
    let mut events = 0;
    for (f, (a, b)) in facts.iter().zip(&fixes) {
        events += zones.step(f, a, b).len();
    }
    let step_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let mut inside = 0;
    for (f, (_, b)) in facts.iter().zip(&fixes) {
        inside += zones.inside(f, b.lat_deg, b.lon_deg, b.time_ms).len();
    }
    let inside_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let mut predicted = 0;
    for ((f, (_, b)), v) in facts.iter().zip(&fixes).zip(&vessels) {
        predicted += zones.predicted(f, b, v.cog, v.sog, 1800.0).len();
    }
    let pred_ms = t.elapsed().as_secs_f64() * 1e3;
    let n = vessels.len() as f64;
    println!(
        "zones pass over {} vessels x {} zones: step (10 s move) {step_ms:.1} ms ({:.0} ns/vessel, {events} events); inside {inside_ms:.1} ms ({:.0} ns, {inside} memberships); predicted 30 min {pred_ms:.1} ms ({:.0} ns, {predicted} events)",
        vessels.len(),
        zones.len(),
        step_ms * 1e6 / n,
        inside_ms * 1e6 / n,
        pred_ms * 1e6 / n
    );

    // Hazards: 1000 wrecks near coasts.
    let hfeats: Vec<Value> = (0..1000)
        .map(|i| {
            let (lat, lon) = verts[(rng.next() % verts.len() as u64) as usize];
            let (lat, lon) = finisterra_nav::geo::destination(lat, lon, rng.range(0.0, 360.0), rng.range(500.0, 10_000.0));
            json!({"type": "Feature", "properties": {"name": format!("wreck {i}"), "radius_m": rng.range(50.0, 500.0)},
                   "geometry": {"type": "Point", "coordinates": [lon, lat]}})
        })
        .collect();
    let hz = Hazards::from_geojson_bytes(
        json!({"type": "FeatureCollection", "features": hfeats})
            .to_string()
            .as_bytes(),
    )
    .expect("hazards");
    let t = Instant::now();
    let mut hits = 0;
    for v in &vessels {
        hits += usize::from(
            hz.first_approach(v.lat, v.lon, v.cog, v.sog, 1800.0, 1852.0)
                .is_some(),
        );
    }
    let hz_ms = t.elapsed().as_secs_f64() * 1e3;
    println!(
        "hazards pass over {} vessels x {} wrecks (first_approach 30 min, 1 NM): {hz_ms:.1} ms ({:.0} ns/vessel, {hits} approaching)",
        vessels.len(),
        hz.len(),
        hz_ms * 1e6 / n
    );

    // One full update per vessel: land + zones (step, predicted) + hazards.
    let t = Instant::now();
    for ((f, (a, b)), v) in facts.iter().zip(&fixes).zip(&vessels) {
        std::hint::black_box(
            land.first_approach(b.lat_deg, b.lon_deg, v.cog, v.sog, 1800.0, 1852.0),
        );
        std::hint::black_box(zones.step(f, a, b));
        std::hint::black_box(zones.predicted(f, b, v.cog, v.sog, 1800.0));
        std::hint::black_box(hz.first_approach(b.lat_deg, b.lon_deg, v.cog, v.sog, 1800.0, 1852.0));
    }
    let all_ms = t.elapsed().as_secs_f64() * 1e3;
    println!(
        "full pass (land first_approach + zones step + zones predicted + hazards) over {} vessels: {all_ms:.1} ms, {:.1} us per vessel update",
        vessels.len(),
        all_ms * 1e3 / n
    );
}

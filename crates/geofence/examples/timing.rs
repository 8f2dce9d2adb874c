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

use finisterra_geofence::land::Land;

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
    let text = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/land/land-10m.json")).expect("data/land/land-10m.json");
    let t: serde_json::Value = serde_json::from_slice(&text).expect("json");
    let s = &t["transform"]["scale"];
    let tr = &t["transform"]["translate"];
    let (sx, sy, tx, ty) = (s[0].as_f64().unwrap(), s[1].as_f64().unwrap(), tr[0].as_f64().unwrap(), tr[1].as_f64().unwrap());
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
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let n_vessels = args.first().copied().unwrap_or(100_000);

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
        vessels.push(Vessel { lat, lon, cog: rng.range(0.0, 360.0), sog: rng.range(3.0, 22.0), coastal: true });
    }
    while vessels.len() < n_vessels {
        let lat = rng.range(-60.0, 65.0);
        let lon = rng.range(-180.0, 180.0);
        if land.is_land(lat, lon) || land.distance_to_coast_within_m(lat, lon, 30_000.0).is_some() {
            continue;
        }
        vessels.push(Vessel { lat, lon, cog: rng.range(0.0, 360.0), sog: rng.range(8.0, 22.0), coastal: false });
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
                    println!("coastal vessel without coast within 50 NM: {} {}", v.lat, v.lon);
                }
            }
        }
        let t = Instant::now();
        let mut appr = 0;
        for v in &vs {
            appr += usize::from(land.first_approach(v.lat, v.lon, v.cog, v.sog, 1800.0, 1852.0).is_some());
        }
        let fa_ns = t.elapsed().as_secs_f64() * 1e9 / n;
        println!(
            "{label:8} {:6} vessels: is_land {is_land_ns:7.0} ns ({hits} on land), distance_to_coast(50 NM) {dist_ns:7.0} ns ({near} within), first_approach(30 min, 1 NM) {fa_ns:7.0} ns ({appr} approaching)",
            vs.len()
        );
    }
    let t = Instant::now();
    let mut appr = 0;
    for v in &vessels {
        appr += usize::from(land.first_approach(v.lat, v.lon, v.cog, v.sog, 1800.0, 1852.0).is_some());
    }
    println!(
        "land pass over {} vessels (first_approach): {:.1} ms ({appr} approaching)",
        vessels.len(),
        t.elapsed().as_secs_f64() * 1e3
    );
}

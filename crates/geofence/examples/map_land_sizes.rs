//! Bytes and vertices of the web map's land per level (`/api/land?zoom=Z`):
//!
//!     cargo run -p finisterra-geofence --example map_land_sizes [LAND.fland]
//!
//! Without an argument, the bundled Natural Earth 1:10m land.

use std::time::Instant;

use finisterra_geofence::{Land, MapLand};

fn main() {
    let land = match std::env::args().nth(1) {
        Some(p) => {
            Land::from_bytes(&std::fs::read(&p).expect("readable file")).expect("a .fland file")
        }
        None => Land::world().expect("bundled land"),
    };
    let map = MapLand::new(&land);
    println!(
        "source: {} polygons, {} vertices",
        land.polygon_count(),
        land.vertex_count()
    );
    for z in 0..=finisterra_geofence::mapland::MAX_LEVEL {
        let t = Instant::now();
        let lv = map.level(z, None);
        let json = lv.geojson();
        println!(
            "level {z:2}: {:6} polygons {:8} vertices {:9} bytes ({:.0} ms)",
            lv.polygons.len(),
            lv.vertex_count(),
            json.len(),
            t.elapsed().as_secs_f64() * 1e3
        );
    }
    // A view of about 1500 × 1000 pixels round Lofoten (68.2°N 14.5°E),
    // three views wide and high, at the levels that need a box.
    for z in 5..=finisterra_geofence::mapland::MAX_LEVEL {
        let w = 3.0 * 1500.0 * 360.0 / (512.0 * f64::powi(2.0, i32::from(z)));
        let h = w / 1.5 * 68.2f64.to_radians().cos();
        let bbox = [
            14.5 - w / 2.0,
            68.2 - h / 2.0,
            14.5 + w / 2.0,
            68.2 + h / 2.0,
        ];
        let t = Instant::now();
        let lv = map.level(z, Some(bbox));
        let json = lv.geojson();
        println!(
            "level {z:2}, box {:.3}° wide round Lofoten: {:5} polygons {:7} vertices {:8} bytes ({:.0} ms)",
            w,
            lv.polygons.len(),
            lv.vertex_count(),
            json.len(),
            t.elapsed().as_secs_f64() * 1e3
        );
    }
}

//! Converts a TopoJSON or GeoJSON land file into the compact land format.
//!
//! ```text
//! cargo run -p finisterra-geofence --release --example import_land -- data/land/land-10m.json data/land/land-10m.fland
//! ```
//!
//! This is how `data/land/land-10m.fland` is made; `finisterra import-land`
//! does the same from the command line.

use std::time::Instant;

use finisterra_geofence::land::Land;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output] = args.as_slice() else {
        return Err("usage: import_land INPUT.(topo)json OUTPUT.fland".into());
    };
    let bytes = std::fs::read(input)?;
    let t0 = Instant::now();
    let is_topo = bytes.windows(10).take(4096).any(|w| w == b"\"Topology\"");
    let land = if is_topo {
        Land::from_topojson_bytes(&bytes)
    } else {
        Land::from_geojson_bytes(&bytes)
    }
    .map_err(|e| e.in_source(input.clone()))?;
    let decode = t0.elapsed();
    let out = land.to_bytes();
    std::fs::write(output, &out)?;
    let t1 = Instant::now();
    let again = Land::from_bytes(&out)?;
    let load = t1.elapsed();
    println!(
        "{input}: {} polygons, {} rings, {} vertices; decoded in {:.1} ms; wrote {} bytes to {output}; reloads in {:.1} ms; index {:?}",
        land.polygon_count(),
        land.ring_count(),
        land.vertex_count(),
        decode.as_secs_f64() * 1e3,
        out.len(),
        load.as_secs_f64() * 1e3,
        again.index_stats(),
    );
    Ok(())
}

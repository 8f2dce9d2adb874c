//! `finisterra import-land`: any GeoJSON or TopoJSON land file turned into
//! the compact indexed form that `scan` and `serve` load quickly.

use std::time::Instant;

use anyhow::{Context, Result};
use finisterra_geofence::Land;

/// Options of the `import-land` command.
#[derive(clap::Args, Debug)]
pub struct ImportLandArgs {
    /// Land polygons: GeoJSON (Polygon/MultiPolygon features, e.g. the OSM
    /// land polygons of `@geo-maps/earth-lands-1km`) or TopoJSON (e.g.
    /// `world-atlas` `land-10m.json`).
    pub input: String,
    /// Where to write the compact form (`.fland`).
    #[arg(short, long, value_name = "FILE")]
    pub output: String,
}

/// Decodes a land file: the compact form, TopoJSON or GeoJSON.
pub fn parse_land(bytes: &[u8]) -> Result<Land> {
    if let Ok(l) = Land::from_bytes(bytes) {
        return Ok(l);
    }
    let head = &bytes[..bytes.len().min(4096)];
    let topo = head.windows(10).any(|w| w == b"\"Topology\"");
    if topo {
        Land::from_topojson_bytes(bytes).map_err(|e| anyhow::anyhow!("{e}"))
    } else {
        Land::from_geojson_bytes(bytes).map_err(|e| anyhow::anyhow!("{e}"))
    }
}

/// Runs the command.
pub fn run(args: &ImportLandArgs) -> Result<()> {
    let t0 = Instant::now();
    let bytes =
        std::fs::read(&args.input).with_context(|| format!("cannot read {}", args.input))?;
    let land = parse_land(&bytes).with_context(|| format!("bad land file {}", args.input))?;
    let out = land.to_bytes();
    std::fs::write(&args.output, &out).with_context(|| format!("cannot write {}", args.output))?;
    let t1 = Instant::now();
    let again = Land::from_bytes(&out).context("the written file does not load back")?;
    let load = t1.elapsed();
    eprintln!(
        "{}: {} polygons, {} rings, {} vertices -> {} ({} bytes) in {:.2} s; loads in {:.0} ms",
        args.input,
        again.polygon_count(),
        again.ring_count(),
        again.vertex_count(),
        args.output,
        out.len(),
        (t1 - t0).as_secs_f64(),
        load.as_secs_f64() * 1e3
    );
    Ok(())
}

//! A TopoJSON reader for land polygons: arcs (delta-encoded when the
//! topology is quantized), the transform, Polygon / MultiPolygon geometries
//! (holes included) and GeometryCollections, in every object of the
//! topology. Other geometry types are ignored.

use serde_json::Value;

use crate::error::GeoJsonError;
use crate::geojson::{check_lon_lat, parse_json};
use crate::land::Quantized;

/// Largest quantized coordinate accepted (guards the arithmetic).
const MAX_Q: i64 = 1 << 40;

pub(crate) fn decode(bytes: &[u8]) -> Result<Quantized, GeoJsonError> {
    let doc = parse_json(bytes)?;
    let err = |m: String| GeoJsonError::structure(m);
    if doc.get("type").and_then(Value::as_str) != Some("Topology") {
        return Err(err(
            "the document is not a TopoJSON Topology (\"type\" is not \"Topology\")".into(),
        ));
    }
    let transform = match doc.get("transform") {
        None | Some(Value::Null) => None,
        Some(t) => {
            let pair = |k: &str| -> Option<(f64, f64)> {
                let a = t.get(k)?.as_array()?;
                if a.len() != 2 {
                    return None;
                }
                Some((a[0].as_f64()?, a[1].as_f64()?))
            };
            let (Some(scale), Some(translate)) = (pair("scale"), pair("translate")) else {
                return Err(err(
                    "\"transform\" needs \"scale\" and \"translate\" as [x, y] numbers".into(),
                ));
            };
            let usable =
                scale.0.is_finite() && scale.1.is_finite() && scale.0 > 0.0 && scale.1 > 0.0;
            if !(usable && translate.0.is_finite() && translate.1.is_finite()) {
                return Err(err(
                    "\"transform\" scale must be positive and translate finite".into(),
                ));
            }
            Some((scale, translate))
        }
    };
    let Some(arcs_v) = doc.get("arcs").and_then(Value::as_array) else {
        return Err(err("the topology has no \"arcs\" array".into()));
    };
    // Decode every arc to absolute quantized coordinates.
    let mut arcs: Vec<Vec<(i64, i64)>> = Vec::with_capacity(arcs_v.len());
    let (scale, translate) = transform.unwrap_or(((1.0e-7, 1.0e-7), (0.0, 0.0)));
    for (ai, a) in arcs_v.iter().enumerate() {
        let Some(pts) = a.as_array() else {
            return Err(err(format!("arc {ai} is not an array")));
        };
        let mut out = Vec::with_capacity(pts.len());
        let (mut x, mut y) = (0i64, 0i64);
        for (pi, p) in pts.iter().enumerate() {
            let bad = || {
                err(format!(
                    "arc {ai} position {} is not a pair of numbers",
                    pi + 1
                ))
            };
            let Some(pa) = p.as_array() else {
                return Err(bad());
            };
            if pa.len() < 2 {
                return Err(bad());
            }
            if transform.is_some() {
                let (Some(dx), Some(dy)) = (as_int(&pa[0]), as_int(&pa[1])) else {
                    return Err(err(format!(
                        "arc {ai} position {} is not integers, as a quantized topology needs",
                        pi + 1
                    )));
                };
                x = x.saturating_add(dx);
                y = y.saturating_add(dy);
                if x.abs() > MAX_Q || y.abs() > MAX_Q {
                    return Err(err(format!("arc {ai} position {} is out of range", pi + 1)));
                }
            } else {
                let (Some(lon), Some(lat)) = (pa[0].as_f64(), pa[1].as_f64()) else {
                    return Err(bad());
                };
                check_lon_lat(lon, lat)
                    .map_err(|m| err(format!("arc {ai} position {}: {m}", pi + 1)))?;
                x = (lon * 1.0e7).round() as i64;
                y = (lat * 1.0e7).round() as i64;
            }
            let (lon, lat) = (
                x as f64 * scale.0 + translate.0,
                y as f64 * scale.1 + translate.1,
            );
            check_lon_lat(lon, lat)
                .map_err(|m| err(format!("arc {ai} position {}: {m}", pi + 1)))?;
            out.push((x, y));
        }
        arcs.push(out);
    }
    let Some(objects) = doc.get("objects").and_then(Value::as_object) else {
        return Err(err("the topology has no \"objects\"".into()));
    };
    let mut q = Quantized::new(scale, translate);
    for (name, g) in objects {
        walk(g, name, &arcs, &mut q)?;
    }
    Ok(q)
}

fn as_int(v: &Value) -> Option<i64> {
    if let Some(i) = v.as_i64() {
        return Some(i);
    }
    let f = v.as_f64()?;
    (f.fract() == 0.0 && f.abs() < MAX_Q as f64).then_some(f as i64)
}

fn walk(
    g: &Value,
    path: &str,
    arcs: &[Vec<(i64, i64)>],
    q: &mut Quantized,
) -> Result<(), GeoJsonError> {
    let err = |m: String| GeoJsonError::structure(format!("objects.{path}: {m}"));
    match g.get("type").and_then(Value::as_str) {
        Some("GeometryCollection") => {
            let Some(gs) = g.get("geometries").and_then(Value::as_array) else {
                return Err(err("GeometryCollection has no \"geometries\" array".into()));
            };
            for (i, sub) in gs.iter().enumerate() {
                walk(sub, &format!("{path}.geometries[{i}]"), arcs, q)?;
            }
            Ok(())
        }
        Some("Polygon") => {
            let Some(rings) = g.get("arcs").and_then(Value::as_array) else {
                return Err(err("Polygon has no \"arcs\" array".into()));
            };
            polygon(rings, arcs, q).map_err(err)
        }
        Some("MultiPolygon") => {
            let Some(polys) = g.get("arcs").and_then(Value::as_array) else {
                return Err(err("MultiPolygon has no \"arcs\" array".into()));
            };
            for (i, p) in polys.iter().enumerate() {
                let Some(rings) = p.as_array() else {
                    return Err(err(format!("polygon {} is not an array", i + 1)));
                };
                polygon(rings, arcs, q).map_err(|m| err(format!("polygon {}: {m}", i + 1)))?;
            }
            Ok(())
        }
        // Points, lines and null geometries carry no land.
        _ => Ok(()),
    }
}

fn polygon(rings: &[Value], arcs: &[Vec<(i64, i64)>], q: &mut Quantized) -> Result<(), String> {
    let mut n_rings = 0u32;
    for (ri, r) in rings.iter().enumerate() {
        let Some(idx) = r.as_array() else {
            return Err(format!("ring {} is not an array of arc indices", ri + 1));
        };
        let mut pts: Vec<(i64, i64)> = Vec::new();
        for v in idx {
            let Some(i) = v.as_i64() else {
                return Err(format!("ring {}: arc index {v} is not an integer", ri + 1));
            };
            let (k, rev) = if i >= 0 {
                (i as usize, false)
            } else {
                ((!i) as usize, true)
            };
            let Some(arc) = arcs.get(k) else {
                return Err(format!(
                    "ring {}: arc index {i} is out of range ({} arcs)",
                    ri + 1,
                    arcs.len()
                ));
            };
            let skip = usize::from(!pts.is_empty());
            if rev {
                pts.extend(arc.iter().rev().skip(skip));
            } else {
                pts.extend(arc.iter().skip(skip));
            }
        }
        if pts.len() > 1 && pts[0] == pts[pts.len() - 1] {
            pts.pop();
        }
        if pts.is_empty() {
            continue;
        }
        if pts.len() < 3 {
            // A ring collapsed by quantization (an islet): it encloses
            // nothing but is kept for distances. Without an exterior the
            // holes would mean nothing: drop them.
            if ri == 0 {
                q.push_ring(&pts);
                q.end_polygon(1);
                return Ok(());
            }
            continue;
        }
        q.push_ring(&pts);
        n_rings += 1;
    }
    if n_rings > 0 {
        q.end_polygon(n_rings);
    }
    Ok(())
}

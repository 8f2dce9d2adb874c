//! A small GeoJSON (RFC 7946) reader over `serde_json::Value`.
//!
//! It accepts a FeatureCollection, a single Feature or a bare geometry,
//! and returns features with their geometry decoded into longitude/latitude
//! degrees. Positions are `[lon, lat]` or `[lon, lat, alt]` (altitude is
//! ignored); latitude must be within ±90° and longitude within ±360°
//! (longitudes beyond 180 are allowed so that a zone can cross ±180°).
//! Rings may be given closed (as the RFC requires) or open. Every problem
//! is an error naming the feature and the position.

use serde_json::{Map, Value};

use crate::error::{GeoJsonError, GeoJsonErrorKind};
use crate::rings::PolygonDeg;

/// A decoded geometry, coordinates as `(lon_deg, lat_deg)`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Geom {
    Points(Vec<(f64, f64)>),
    Lines(Vec<Vec<(f64, f64)>>),
    Polygons(Vec<PolygonDeg>),
    Collection(Vec<Geom>),
}

/// A feature: its number (from 1), `name` property, properties and
/// geometry (`None` for a null geometry).
pub(crate) struct Feature<'a> {
    pub number: usize,
    pub name: Option<String>,
    pub properties: Option<&'a Map<String, Value>>,
    pub geometry: Option<Geom>,
    pub id: Option<String>,
}

impl Feature<'_> {
    /// Wraps an error with this feature's number and name.
    pub(crate) fn err(&self, kind: GeoJsonErrorKind) -> GeoJsonError {
        GeoJsonError::new(kind).at_feature(self.number, self.name.as_deref())
    }
}

/// Parses bytes as JSON.
pub(crate) fn parse_json(bytes: &[u8]) -> Result<Value, GeoJsonError> {
    serde_json::from_slice(bytes)
        .map_err(|e| GeoJsonError::new(GeoJsonErrorKind::Json(e.to_string())))
}

fn type_of(v: &Value) -> Option<&str> {
    v.get("type").and_then(Value::as_str)
}

/// Features of a GeoJSON document.
pub(crate) fn features(doc: &Value) -> Result<Vec<Feature<'_>>, GeoJsonError> {
    let Some(obj) = doc.as_object() else {
        return Err(GeoJsonError::structure("the document is not a JSON object"));
    };
    let Some(t) = obj.get("type") else {
        return Err(GeoJsonError::structure("the document has no \"type\""));
    };
    match t.as_str() {
        Some("FeatureCollection") => {
            let Some(fs) = obj.get("features") else {
                return Err(GeoJsonError::structure(
                    "FeatureCollection has no \"features\"",
                ));
            };
            let Some(arr) = fs.as_array() else {
                return Err(GeoJsonError::structure("\"features\" is not an array"));
            };
            arr.iter()
                .enumerate()
                .map(|(i, f)| feature(f, i + 1))
                .collect()
        }
        Some("Feature") => Ok(vec![feature(doc, 1)?]),
        Some(_) => {
            let g = geometry(doc).map_err(|k| GeoJsonError::new(k).at_feature(1, None))?;
            Ok(vec![Feature {
                number: 1,
                name: None,
                properties: None,
                geometry: Some(g),
                id: None,
            }])
        }
        None => Err(GeoJsonError::structure("\"type\" is not a string")),
    }
}

fn feature(v: &Value, number: usize) -> Result<Feature<'_>, GeoJsonError> {
    let structure =
        |msg: String| GeoJsonError::new(GeoJsonErrorKind::Structure(msg)).at_feature(number, None);
    let Some(obj) = v.as_object() else {
        return Err(structure("is not a JSON object".into()));
    };
    if type_of(v) != Some("Feature") {
        return Err(structure("\"type\" is not \"Feature\"".into()));
    }
    let properties = match obj.get("properties") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => Some(m),
        Some(_) => return Err(structure("\"properties\" is not an object".into())),
    };
    let name = properties
        .and_then(|p| p.get("name"))
        .and_then(|n| match n {
            Value::String(s) => Some(s.clone()),
            Value::Number(x) => Some(x.to_string()),
            _ => None,
        });
    let id = match obj.get("id") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let geometry = match obj.get("geometry") {
        None => {
            return Err(
                GeoJsonError::structure("has no \"geometry\"").at_feature(number, name.as_deref())
            )
        }
        Some(Value::Null) => None,
        Some(g) => Some(
            geometry(g).map_err(|k| GeoJsonError::new(k).at_feature(number, name.as_deref()))?,
        ),
    };
    Ok(Feature {
        number,
        name,
        properties,
        geometry,
        id,
    })
}

fn geo_err(msg: String) -> GeoJsonErrorKind {
    GeoJsonErrorKind::Geometry(msg)
}

/// Decodes one geometry object.
pub(crate) fn geometry(v: &Value) -> Result<Geom, GeoJsonErrorKind> {
    let Some(t) = type_of(v) else {
        return Err(GeoJsonErrorKind::Structure(
            "geometry has no \"type\"".into(),
        ));
    };
    if t == "GeometryCollection" {
        let Some(gs) = v.get("geometries").and_then(Value::as_array) else {
            return Err(GeoJsonErrorKind::Structure(
                "GeometryCollection has no \"geometries\" array".into(),
            ));
        };
        return gs
            .iter()
            .map(geometry)
            .collect::<Result<Vec<_>, _>>()
            .map(Geom::Collection);
    }
    let Some(c) = v.get("coordinates") else {
        return Err(GeoJsonErrorKind::Structure(format!(
            "{t} has no \"coordinates\""
        )));
    };
    match t {
        "Point" => Ok(Geom::Points(vec![position(c, &String::new)?])),
        "MultiPoint" => Ok(Geom::Points(positions(c, &String::new)?)),
        "LineString" => Ok(Geom::Lines(vec![line(c, "")?])),
        "MultiLineString" => {
            let arr = array(c, "coordinates")?;
            arr.iter()
                .enumerate()
                .map(|(i, l)| line(l, &format!(" of line {}", i + 1)))
                .collect::<Result<Vec<_>, _>>()
                .map(Geom::Lines)
        }
        "Polygon" => Ok(Geom::Polygons(vec![polygon(c, "")?])),
        "MultiPolygon" => {
            let arr = array(c, "coordinates")?;
            arr.iter()
                .enumerate()
                .map(|(i, p)| polygon(p, &format!(" of polygon {}", i + 1)))
                .collect::<Result<Vec<_>, _>>()
                .map(Geom::Polygons)
        }
        other => Err(GeoJsonErrorKind::Structure(format!(
            "unknown geometry type {other:?}"
        ))),
    }
}

fn array<'a>(v: &'a Value, what: &str) -> Result<&'a Vec<Value>, GeoJsonErrorKind> {
    v.as_array()
        .ok_or_else(|| geo_err(format!("{what} is not an array")))
}

/// One position; `ctx` says where (e.g. " of ring 2"), formatted only on
/// error.
pub(crate) fn position(
    v: &Value,
    ctx: &dyn Fn() -> String,
) -> Result<(f64, f64), GeoJsonErrorKind> {
    let fail = |m: String| geo_err(format!("position{}{m}", ctx()));
    let Some(a) = v.as_array() else {
        return Err(fail(" is not an array".into()));
    };
    if a.len() < 2 {
        return Err(fail(format!(" has {} number(s), need [lon, lat]", a.len())));
    }
    let (Some(lon), Some(lat)) = (a[0].as_f64(), a[1].as_f64()) else {
        return Err(fail(" is not numbers".into()));
    };
    check_lon_lat(lon, lat).map_err(|m| fail(format!(": {m}")))?;
    Ok((lon, lat))
}

/// Checks a longitude/latitude pair.
pub(crate) fn check_lon_lat(lon: f64, lat: f64) -> Result<(), String> {
    if !lat.is_finite() || lat.abs() > 90.0 {
        return Err(format!("latitude {lat} is outside -90..90"));
    }
    if !lon.is_finite() || lon.abs() > 360.0 {
        return Err(format!("longitude {lon} is outside -360..360"));
    }
    Ok(())
}

fn positions(v: &Value, ctx: &dyn Fn() -> String) -> Result<Vec<(f64, f64)>, GeoJsonErrorKind> {
    let Some(arr) = v.as_array() else {
        return Err(geo_err(format!("coordinates{} is not an array", ctx())));
    };
    arr.iter()
        .enumerate()
        .map(|(i, p)| position(p, &|| format!(" {}{}", i + 1, ctx())))
        .collect()
}

fn line(v: &Value, ctx: &str) -> Result<Vec<(f64, f64)>, GeoJsonErrorKind> {
    let pts = positions(v, &|| ctx.to_owned())?;
    let n = distinct_count(&pts, false);
    if n < 2 {
        return Err(geo_err(format!(
            "line{ctx} has {n} distinct position(s), need at least 2"
        )));
    }
    Ok(pts)
}

/// Number of positions after dropping consecutive repeats (and, for a
/// ring, the closing repeat of the first).
fn distinct_count(pts: &[(f64, f64)], ring: bool) -> usize {
    let mut n = usize::from(!pts.is_empty()) + pts.windows(2).filter(|w| w[0] != w[1]).count();
    if ring && n > 1 && pts[0] == pts[pts.len() - 1] {
        n -= 1;
    }
    n
}

fn polygon(v: &Value, ctx: &str) -> Result<PolygonDeg, GeoJsonErrorKind> {
    let arr = array(v, &format!("coordinates{ctx}"))?;
    if arr.is_empty() {
        return Err(geo_err(format!("polygon{ctx} has no rings")));
    }
    let mut rings = Vec::with_capacity(arr.len());
    for (i, r) in arr.iter().enumerate() {
        let pts = positions(r, &|| format!(" of ring {}{ctx}", i + 1))?;
        let n = distinct_count(&pts, true);
        if n < 3 {
            return Err(geo_err(format!(
                "ring {}{ctx} has {n} distinct position(s), need at least 3",
                i + 1
            )));
        }
        rings.push(pts);
    }
    Ok(rings)
}

impl Geom {
    /// All polygons, recursively.
    pub(crate) fn polygons(&self, out: &mut Vec<PolygonDeg>) {
        match self {
            Geom::Polygons(p) => out.extend(p.iter().cloned()),
            Geom::Collection(gs) => gs.iter().for_each(|g| g.polygons(out)),
            _ => {}
        }
    }

    /// Name of the first kind of geometry that is not a polygon, if any.
    pub(crate) fn non_polygon(&self) -> Option<&'static str> {
        match self {
            Geom::Polygons(_) => None,
            Geom::Points(_) => Some("Point"),
            Geom::Lines(_) => Some("LineString"),
            Geom::Collection(gs) => gs.iter().find_map(Geom::non_polygon),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_collection_and_reports_positions() {
        let doc: Value = serde_json::from_str(
            r#"{"type":"FeatureCollection","features":[
              {"type":"Feature","properties":{"name":"A"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}},
              {"type":"Feature","properties":{"name":"B"},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,95],[0,0]]]}}
            ]}"#,
        )
        .unwrap();
        let e = features(&doc).err().unwrap();
        assert_eq!(e.feature(), Some(2));
        assert_eq!(
            e.to_string(),
            "feature 2 (\"B\"): position 3 of ring 1: latitude 95 is outside -90..90"
        );
        assert_eq!(e.reason(), "geometry");
    }

    #[test]
    fn degenerate_ring_and_bad_types() {
        let g: Value =
            serde_json::from_str(r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}"#)
                .unwrap();
        assert!(geometry(&g)
            .unwrap_err()
            .to_string()
            .contains("ring 1 has 2 distinct"));
        let g: Value = serde_json::from_str(r#"{"type":"Circle","coordinates":[0,0]}"#).unwrap();
        assert!(geometry(&g)
            .unwrap_err()
            .to_string()
            .contains("unknown geometry type"));
        let g: Value = serde_json::from_str(r#"{"type":"Point","coordinates":["a",0]}"#).unwrap();
        assert!(geometry(&g).is_err());
        let g: Value = serde_json::from_str(r#"{"type":"Point","coordinates":[1]}"#).unwrap();
        assert!(geometry(&g).is_err());
        assert!(features(&serde_json::json!([1, 2])).is_err());
        assert!(features(&serde_json::json!({"type": "FeatureCollection"})).is_err());
    }
}

//! Fixed hazards from a user's GeoJSON file: wrecks, rocks, platforms,
//! cables, shoal areas; the same "first approach" query as for land.
//!
//! Each feature is one hazard. Geometry: Point or MultiPoint (a circle of
//! `radius` round each point), LineString or MultiLineString (a corridor of
//! `radius` either side), Polygon or MultiPolygon (the area grown by
//! `radius`; inside is distance 0). Properties: `name` (required),
//! `radius_m` or `radius_nm` (optional, default 0; not both).
//!
//! Distances are to the hazard's extent: for a circle, the distance to its
//! centre minus the radius.
//!
//! Areas are validated as zones are (see [`crate::zones`]): a ring that
//! crosses or touches itself, or another ring of its polygon, is an error
//! naming the edges; a ring that is not closed is closed, with a warning
//! ([`Hazards::warnings`]). Lines may cross themselves.

use finisterra_nav::geo::{normalize_deg_360, wrap_lon_deg, LocalFrame, METRES_PER_NM};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::boxindex::{BoxIndex, DegBox};
use crate::error::{GeoJsonError, GeoJsonErrorKind};
use crate::exact::{side_linear, Pt, Side};
use crate::geojson::{features, parse_json, Feature, Geom};
use crate::grid::Rings;
use crate::land::{make_approach, Approach, CoastPoint, LatLonBox, ProjCache, Track, MAX_RANGE_M};
use crate::plane::{point_segment_d2, ray_capsule_entry, ray_disc_entry, Proj};
use crate::rings::{land_rings, PolygonDeg};
use crate::simple::{check_polygon_deg, is_unclosed};

/// The form of a hazard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HazardShape {
    /// Points (each with the radius round it).
    Point,
    /// Lines (a corridor of the radius either side).
    Line,
    /// Areas (grown by the radius).
    Area,
}

#[derive(Clone, Debug)]
enum Geometry {
    /// `(lat, lon)` of each point.
    Points(Vec<(f64, f64)>),
    Lines(Rings),
    Area(Rings),
}

/// One hazard.
#[derive(Clone, Debug)]
pub struct Hazard {
    /// The `name` property.
    pub name: String,
    /// The feature's `id`, when it has one.
    pub id: Option<String>,
    /// The radius round the geometry, metres.
    pub radius_m: f64,
    /// All properties as given.
    pub properties: Map<String, Value>,
    geometry: Geometry,
    bbox: DegBox,
}

impl Hazard {
    /// Point, line or area.
    pub fn shape(&self) -> HazardShape {
        match self.geometry {
            Geometry::Points(_) => HazardShape::Point,
            Geometry::Lines(_) => HazardShape::Line,
            Geometry::Area(_) => HazardShape::Area,
        }
    }

    fn inside_area(&self, lat_deg: f64, lon_deg: f64) -> bool {
        let Geometry::Area(r) = &self.geometry else {
            return false;
        };
        let Some(mut p) = Pt::from_deg(wrap_lon_deg(lon_deg), lat_deg) else {
            return false;
        };
        if p.x >= 1_800_000_000 {
            p.x -= 3_600_000_000;
        }
        side_linear(&r.v, &r.starts, p) != Side::Outside
    }

    /// Earliest plane distance along the track at which the vessel is
    /// within `radius + safety` of the hazard.
    fn entry(&self, t: &Track, safety_m: f64) -> Option<f64> {
        let r = self.radius_m + safety_m;
        match &self.geometry {
            Geometry::Points(pts) => pts
                .iter()
                .filter_map(|&(lat, lon)| {
                    ray_disc_entry(t.u, t.len, t.proj.project_deg(lat, lon), r)
                })
                .min_by(f64::total_cmp),
            Geometry::Lines(rings) | Geometry::Area(rings) => {
                if self.inside_area(t.lat_deg, t.lon_deg) {
                    return Some(0.0);
                }
                let mut best: Option<f64> = None;
                let mut cache = ProjCache::new(&t.proj);
                for e in rings.edge_ids() {
                    cache.pieces(rings, e, |a, b| {
                        if let Some(rho) = ray_capsule_entry(t.u, t.len, a, b, r) {
                            best = Some(best.map_or(rho, |x: f64| x.min(rho)));
                        }
                    });
                }
                best
            }
        }
    }

    /// Nearest point of the hazard's geometry (not grown by the radius) to
    /// plane point `pos`: `(distance to the grown extent, point on it)`.
    fn nearest_plane(&self, proj: &Proj, pos: (f64, f64), inside: bool) -> (f64, (f64, f64)) {
        let mut best = (f64::INFINITY, pos);
        match &self.geometry {
            Geometry::Points(pts) => {
                for &(lat, lon) in pts {
                    let c = proj.project_deg(lat, lon);
                    let d2 = (c.0 - pos.0).powi(2) + (c.1 - pos.1).powi(2);
                    if d2 < best.0 {
                        best = (d2, c);
                    }
                }
            }
            Geometry::Lines(rings) | Geometry::Area(rings) => {
                if inside {
                    return (0.0, pos);
                }
                let mut cache = ProjCache::new(proj);
                for e in rings.edge_ids() {
                    cache.pieces(rings, e, |a, b| {
                        let (d2, t) = point_segment_d2(pos, a, b);
                        if d2 < best.0 {
                            best = (d2, (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1)));
                        }
                    });
                }
            }
        }
        let d = best.0.sqrt();
        if !d.is_finite() {
            return (f64::INFINITY, pos);
        }
        // Step from the geometry towards the vessel by the radius.
        let r = self.radius_m.min(d);
        let p = if d > 0.0 {
            (
                best.1 .0 + (pos.0 - best.1 .0) * r / d,
                best.1 .1 + (pos.1 - best.1 .1) * r / d,
            )
        } else {
            best.1
        };
        ((d - self.radius_m).max(0.0), p)
    }
}

/// The first hazard a track comes within the safety distance of.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct HazardApproach {
    /// Index of the hazard in [`Hazards::hazards`].
    pub hazard: usize,
    /// When and where; distances are to the hazard's extent (its geometry
    /// grown by its radius).
    pub approach: Approach,
}

/// A set of hazards with a bounding-box index.
#[derive(Clone, Debug, Default)]
pub struct Hazards {
    hazards: Vec<Hazard>,
    index: BoxIndex,
    warnings: Vec<String>,
}

impl Hazards {
    /// No hazards.
    pub fn empty() -> Hazards {
        Hazards::default()
    }

    /// Hazards from a GeoJSON document (see the [module
    /// documentation](self)).
    pub fn from_geojson_bytes(bytes: &[u8]) -> Result<Hazards, GeoJsonError> {
        let doc = parse_json(bytes)?;
        let feats = features(&doc)?;
        let mut warnings = Vec::new();
        let hazards = feats
            .iter()
            .map(|f| hazard_from_feature(f, &mut warnings))
            .collect::<Result<Vec<_>, _>>()?;
        let boxes: Vec<DegBox> = hazards.iter().map(|h| h.bbox).collect();
        Ok(Hazards {
            index: BoxIndex::build(&boxes),
            hazards,
            warnings,
        })
    }

    /// What was repaired while loading, one message per problem, naming
    /// the feature as errors do (for example `feature 2 ("Shoal"): ring 1
    /// of polygon 1 was not closed; closed it`). Empty for
    /// [`Hazards::empty`].
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The hazards, in document order.
    pub fn hazards(&self) -> &[Hazard] {
        &self.hazards
    }

    /// Number of hazards.
    pub fn len(&self) -> usize {
        self.hazards.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.hazards.is_empty()
    }

    /// The first time the predicted straight track (as in
    /// [`crate::land::Land::first_approach`]) comes within `safety_m` of a
    /// hazard's extent; the earliest over all hazards (lowest index on a
    /// tie). `None` when clear or for unusable input.
    pub fn first_approach(
        &self,
        lat_deg: f64,
        lon_deg: f64,
        cog_deg: f64,
        sog_kn: f64,
        horizon_s: f64,
        safety_m: f64,
    ) -> Option<HazardApproach> {
        let t = Track::new(lat_deg, lon_deg, cog_deg, sog_kn, horizon_s)?;
        if !(safety_m >= 0.0 && safety_m.is_finite()) || self.hazards.is_empty() {
            return None;
        }
        let bx = to_deg_box(&t.bbox_deg(safety_m));
        let mut cands = Vec::new();
        self.index.query(&bx, &mut cands);
        let mut best: Option<(f64, usize)> = None;
        for &i in &cands {
            let h = &self.hazards[i as usize];
            if !h.bbox.overlaps(&bx) {
                continue;
            }
            if let Some(rho) = h.entry(&t, safety_m) {
                if best.is_none_or(|(r, _)| rho < r) {
                    best = Some((rho, i as usize));
                }
            }
        }
        let (rho, i) = best?;
        let h = &self.hazards[i];
        let pos = t.at(rho);
        let (plat, plon) = t.geo(pos);
        let (_, near) = h.nearest_plane(&t.proj, pos, rho == 0.0 && h.inside_area(plat, plon));
        Some(HazardApproach {
            hazard: i,
            approach: make_approach(&t, rho, pos, near),
        })
    }

    /// The nearest hazard extent within `max_m` metres: `(hazard, point)`.
    pub fn nearest(&self, lat_deg: f64, lon_deg: f64, max_m: f64) -> Option<(usize, CoastPoint)> {
        if !(lat_deg.is_finite() && lon_deg.is_finite() && lat_deg.abs() <= 90.0 && max_m >= 0.0) {
            return None;
        }
        let max_m = max_m.min(MAX_RANGE_M);
        let lon = wrap_lon_deg(lon_deg);
        let bx = to_deg_box(&LatLonBox::around(lat_deg, lat_deg, lon, lon, max_m));
        let proj = Proj::new(lat_deg, lon);
        let mut cands = Vec::new();
        self.index.query(&bx, &mut cands);
        let mut best: Option<(f64, usize, (f64, f64))> = None;
        for &i in &cands {
            let h = &self.hazards[i as usize];
            let (d, p) = h.nearest_plane(&proj, (0.0, 0.0), h.inside_area(lat_deg, lon));
            if d <= max_m && best.is_none_or(|(bd, _, _)| d < bd) {
                best = Some((d, i as usize, p));
            }
        }
        let (d, i, p) = best?;
        let (nlat, nlon) = LocalFrame::new(lat_deg, lon).to_geo(p.0, p.1);
        let bearing = if p == (0.0, 0.0) {
            0.0
        } else {
            normalize_deg_360(p.0.atan2(p.1).to_degrees())
        };
        Some((
            i,
            CoastPoint {
                distance_m: d,
                lat_deg: nlat,
                lon_deg: nlon,
                bearing_deg: bearing,
            },
        ))
    }
}

fn to_deg_box(b: &LatLonBox) -> DegBox {
    if b.full_lon {
        DegBox {
            lat_lo: b.lat_lo,
            lat_hi: b.lat_hi,
            lon_lo: -180.0,
            lon_hi: 180.0,
        }
    } else {
        DegBox {
            lat_lo: b.lat_lo,
            lat_hi: b.lat_hi,
            lon_lo: b.lon_lo,
            lon_hi: b.lon_hi,
        }
    }
}

fn hazard_from_feature(
    f: &Feature<'_>,
    warnings: &mut Vec<String>,
) -> Result<Hazard, GeoJsonError> {
    let prop = |m: String| f.err(GeoJsonErrorKind::Property(m));
    let empty = Map::new();
    let props = f.properties.unwrap_or(&empty);
    let name = match props.get("name") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => {
            return Err(prop(
                "\"name\" is missing: every hazard needs a name".into(),
            ))
        }
    };
    let radius = |k: &str, scale: f64| -> Result<Option<f64>, GeoJsonError> {
        match props.get(k) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => match v.as_f64() {
                Some(x) if x.is_finite() && x >= 0.0 && x * scale <= MAX_RANGE_M => {
                    Ok(Some(x * scale))
                }
                _ => Err(prop(format!(
                    "{k} {v} is not a distance ≥ 0 (at most 1000 km)"
                ))),
            },
        }
    };
    let radius_m = match (
        radius("radius_m", 1.0)?,
        radius("radius_nm", METRES_PER_NM)?,
    ) {
        (Some(_), Some(_)) => return Err(prop("give radius_m or radius_nm, not both".into())),
        (Some(r), None) | (None, Some(r)) => r,
        (None, None) => 0.0,
    };
    let Some(g) = &f.geometry else {
        return Err(f.err(GeoJsonErrorKind::Unsupported(
            "a hazard needs a geometry, not null".into(),
        )));
    };
    let (mut points, mut lines, mut polys) = (Vec::new(), Vec::new(), Vec::new());
    split(g, &mut points, &mut lines, &mut polys);
    let kinds = usize::from(!points.is_empty())
        + usize::from(!lines.is_empty())
        + usize::from(!polys.is_empty());
    if kinds != 1 {
        return Err(f.err(GeoJsonErrorKind::Unsupported(
            "a hazard is points, lines or areas, not a mixture".into(),
        )));
    }
    let (geometry, bbox) = if !points.is_empty() {
        let pts: Vec<(f64, f64)> = points
            .iter()
            .map(|&(lon, lat)| (lat, wrap_lon_deg(lon)))
            .collect();
        let bb = continuous_box(pts.iter().map(|&(lat, lon)| (lon, lat)));
        (Geometry::Points(pts), bb)
    } else if !lines.is_empty() {
        let mut r = Rings::new();
        let mut all = Vec::new();
        for l in &lines {
            let mut x = l[0].0;
            let mut u = Vec::with_capacity(l.len());
            for (i, p) in l.iter().enumerate() {
                if i > 0 {
                    x += finisterra_nav::geo::normalize_deg_180(p.0 - l[i - 1].0);
                }
                u.push((x, p.1));
            }
            // Start within [−180, 180).
            let shift = -((u[0].0 + 180.0) / 360.0).floor() * 360.0;
            let fixed: Option<Vec<Pt>> =
                u.iter().map(|&(x, y)| Pt::from_deg(x + shift, y)).collect();
            let Some(fixed) = fixed else {
                return Err(f.err(GeoJsonErrorKind::Geometry(
                    "a line runs out of range".into(),
                )));
            };
            all.extend(u.iter().map(|&(x, y)| (x + shift, y)));
            r.push_polyline(fixed);
        }
        (Geometry::Lines(r), continuous_box(all.into_iter()))
    } else {
        // Each polygon's rings must not meet themselves or each other;
        // open rings are closed, with a warning.
        let mut new_warnings = Vec::new();
        for (pi, poly) in polys.iter().enumerate() {
            for (ri, ring) in poly.iter().enumerate() {
                if is_unclosed(ring) {
                    new_warnings.push(
                        f.err(GeoJsonErrorKind::Geometry(format!(
                            "ring {} of polygon {} was not closed; closed it",
                            ri + 1,
                            pi + 1
                        )))
                        .to_string(),
                    );
                }
            }
            if let Some(m) = check_polygon_deg(poly) {
                return Err(f.err(GeoJsonErrorKind::Geometry(m.describe(pi + 1))));
            }
        }
        warnings.append(&mut new_warnings);
        let rings = land_rings(&polys);
        let pts: Vec<(f64, f64)> = rings.v.iter().map(|p| (p.lon_deg(), p.lat_deg())).collect();
        (Geometry::Area(rings), continuous_box(pts.into_iter()))
    };
    // Grow the box by the radius (conservatively).
    let grown = LatLonBox::around(
        bbox.lat_lo,
        bbox.lat_hi,
        bbox.lon_lo,
        bbox.lon_hi,
        radius_m + 1.0,
    );
    Ok(Hazard {
        name,
        id: f.id.clone(),
        radius_m,
        properties: props.clone(),
        geometry,
        bbox: to_deg_box(&grown),
    })
}

/// Box of `(lon, lat)` points; longitudes are taken as given (continuous
/// for a line; for points or areas cut at ±180°, a box may span the world).
fn continuous_box(pts: impl Iterator<Item = (f64, f64)>) -> DegBox {
    let mut b = DegBox {
        lat_lo: f64::INFINITY,
        lat_hi: f64::NEG_INFINITY,
        lon_lo: f64::INFINITY,
        lon_hi: f64::NEG_INFINITY,
    };
    for (lon, lat) in pts {
        b.lat_lo = b.lat_lo.min(lat);
        b.lat_hi = b.lat_hi.max(lat);
        b.lon_lo = b.lon_lo.min(lon);
        b.lon_hi = b.lon_hi.max(lon);
    }
    b
}

fn split(
    g: &Geom,
    points: &mut Vec<(f64, f64)>,
    lines: &mut Vec<Vec<(f64, f64)>>,
    polys: &mut Vec<PolygonDeg>,
) {
    match g {
        Geom::Points(p) => points.extend_from_slice(p),
        Geom::Lines(l) => lines.extend(l.iter().cloned()),
        Geom::Polygons(p) => polys.extend(p.iter().cloned()),
        Geom::Collection(gs) => gs.iter().for_each(|g| split(g, points, lines, polys)),
    }
}

//! Land as a flat web map draws it: the polygons of a [`Land`] (the very
//! coastline the engine judges with), cut at the antimeridian and
//! simplified for one zoom level.
//!
//! A renderer on a flat map (MapLibre GL, any Web Mercator or plate carrée
//! map) draws every edge straight in longitude/latitude: an edge from
//! 179.9°E to 180°W crosses the whole map. Land data made for a spherical
//! renderer (Natural Earth, world-atlas, d3-geo) has such edges wherever a
//! polygon crosses ±180° (Chukotka in Eurasia, Wrangel Island, Fiji,
//! Antarctica), and a flat renderer paints the band between two of them as
//! land — round the whole Earth. So each ring is unwrapped, closed round
//! the pole if it encircles one, and cut into the window [−180°, 180°]
//! exactly as [`Land`] does for its own index (`rings::land_rings`); holes
//! stay with their polygon.
//!
//! # Levels
//!
//! Level `z` is the web map's zoom `z`: the world is `512 · 2^z` pixels
//! wide (MapLibre's tile size). Rings are simplified with Douglas–Peucker
//! in Web Mercator at a tolerance of half a pixel of that level, and rings
//! smaller than that tolerance are dropped, so that the number of vertices
//! at a level depends on how much coast shows at that scale, not on the
//! resolution of the source (a 1:10m or an OSM coastline). Coordinates are
//! rounded to a tenth of the tolerance or finer.
//!
//! The simplification is for drawing only: the engine keeps judging with
//! the full polygons. At the finest levels the shape is the source's.

use crate::land::Land;
use crate::rings::{area2, oriented_ring, PolygonDeg};

/// The finest level: beyond it the tolerance is below a metre at the
/// equator (`MAX_LEVEL` 16: 1.2 m per pixel).
pub const MAX_LEVEL: u8 = 16;

/// Largest latitude of Web Mercator (the map's square world).
const MERC_LAT_MAX: f64 = 85.051_128_78;

/// One polygon as drawn: exterior ring first (counter-clockwise), then its
/// holes (clockwise), each ring closed (first position repeated last),
/// every longitude in [−180°, 180°], no edge longer than 180° of longitude.
pub type MapPolygon = Vec<Vec<(f64, f64)>>;

/// The land of a [`Land`], ready to be simplified per level.
#[derive(Clone, Debug)]
pub struct MapLand {
    polys: Vec<Prepared>,
}

/// The land of one level: polygons and their bounding boxes.
#[derive(Clone, Debug)]
pub struct MapLevel {
    /// Level (web map zoom) this was simplified for.
    pub level: u8,
    /// The polygons.
    pub polygons: Vec<MapPolygon>,
    /// Per polygon: `[west, south, east, north]`, degrees.
    pub bboxes: Vec<[f64; 4]>,
    decimals: usize,
}

/// Web Mercator y of a latitude, in degree-of-longitude units (so that x
/// and y have the same scale), latitude clamped to the Mercator square.
fn merc_y(lat_deg: f64) -> f64 {
    let phi = lat_deg.clamp(-MERC_LAT_MAX, MERC_LAT_MAX).to_radians();
    (std::f64::consts::FRAC_PI_4 + phi / 2.0)
        .tan()
        .ln()
        .to_degrees()
}

fn merc_lat(y: f64) -> f64 {
    (2.0 * y.to_radians().exp().atan() - std::f64::consts::FRAC_PI_2).to_degrees()
}

/// Half a pixel of level `level`, degrees of longitude (Mercator units).
pub fn tolerance_deg(level: u8) -> f64 {
    180.0 / (512.0 * f64::powi(2.0, i32::from(level.min(MAX_LEVEL))))
}

/// Squared distance from `p` to the segment `a`–`b`.
fn seg_d2(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> f64 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let l2 = dx * dx + dy * dy;
    let t = if l2 > 0.0 {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / l2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (ex, ey) = (a.0 + t * dx - p.0, a.1 + t * dy - p.1);
    ex * ex + ey * ey
}

/// Douglas–Peucker on a closed ring (open form: no repeated vertex),
/// iterative. Splits at vertex 0 and the vertex farthest from it, so that
/// the result is a ring of at least those two; `None` when fewer than
/// three vertices remain (the ring is thinner than the tolerance).
pub(crate) fn simplify_ring(r: &[(f64, f64)], tol: f64) -> Option<Vec<(f64, f64)>> {
    let n = r.len();
    if n < 3 {
        return None;
    }
    let d0 = |i: usize| {
        let (dx, dy) = (r[i].0 - r[0].0, r[i].1 - r[0].1);
        dx * dx + dy * dy
    };
    let far = (1..n).fold(1, |best, i| if d0(i) > d0(best) { i } else { best });
    let at = |i: usize| r[i % n];
    let mut keep = vec![false; n];
    keep[0] = true;
    keep[far] = true;
    let tol2 = tol * tol;
    let mut stack = vec![(0usize, far), (far, n)];
    while let Some((lo, hi)) = stack.pop() {
        if hi <= lo + 1 {
            continue;
        }
        let (a, b) = (at(lo), at(hi));
        let (mut best, mut best_d2) = (lo, -1.0);
        for (i, &p) in r.iter().enumerate().take(hi).skip(lo + 1) {
            let d2 = seg_d2(p, a, b);
            if d2 > best_d2 {
                (best, best_d2) = (i, d2);
            }
        }
        if best_d2 > tol2 {
            keep[best] = true;
            stack.push((lo, best));
            stack.push((best, hi));
        }
    }
    let out: Vec<(f64, f64)> = (0..n).filter(|&i| keep[i]).map(|i| r[i]).collect();
    (out.len() >= 3).then_some(out)
}

/// A source polygon ready for drawing: rings unwrapped (the holes moved
/// by whole turns next to their exterior), closed round a pole if they
/// encircle one, oriented (exterior counter-clockwise), in Mercator
/// (`x` longitude, `y` [`merc_y`]).
#[derive(Clone, Debug)]
struct Prepared {
    rings: Vec<Vec<(f64, f64)>>,
    /// Of the exterior: `[x0, y0, x1, y1]`.
    bbox: [f64; 4],
}

fn ring_box(r: &[(f64, f64)]) -> [f64; 4] {
    r.iter().fold(
        [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ],
        |b, &(x, y)| [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)],
    )
}

/// Unwraps, closes round a pole and orients one ring, in Mercator.
fn prepare_ring(ring: &[(f64, f64)], exterior: bool) -> Option<Vec<(f64, f64)>> {
    // The pole is drawn at the edge of the Mercator square.
    let mut u = oriented_ring(ring, exterior);
    if u.len() < 3 {
        return None;
    }
    for p in &mut u {
        p.1 = merc_y(p.1);
    }
    Some(u)
}

fn prepare(poly: &PolygonDeg) -> Option<Prepared> {
    let ext = prepare_ring(poly.first()?, true)?;
    let bbox = ring_box(&ext);
    let mut rings = vec![ext];
    for hole in &poly[1..] {
        let Some(mut h) = prepare_ring(hole, false) else {
            continue;
        };
        // Each ring was unwrapped from its own first vertex.
        let hb = ring_box(&h);
        let shift = 360.0 * (((bbox[0] + bbox[2]) - (hb[0] + hb[2])) / 720.0).round();
        if shift != 0.0 {
            for p in &mut h {
                p.0 += shift;
            }
        }
        rings.push(h);
    }
    Some(Prepared { rings, bbox })
}

/// Sutherland–Hodgman clip of an open ring to one side of an axis-parallel
/// line: `x ≤ cut` / `x ≥ cut` (`axis` 0) or the same in `y` (`axis` 1).
fn clip(r: &[(f64, f64)], axis: usize, cut: f64, keep_le: bool) -> Vec<(f64, f64)> {
    let c = |p: (f64, f64)| if axis == 0 { p.0 } else { p.1 };
    let inside = |p: (f64, f64)| if keep_le { c(p) <= cut } else { c(p) >= cut };
    let mut out = Vec::with_capacity(r.len() + 4);
    for i in 0..r.len() {
        let a = r[i];
        let b = r[(i + 1) % r.len()];
        let (ia, ib) = (inside(a), inside(b));
        if ia {
            out.push(a);
        }
        if ia != ib {
            let t = (cut - c(a)) / (c(b) - c(a));
            out.push(if axis == 0 {
                (cut, a.1 + t * (b.1 - a.1))
            } else {
                (a.0 + t * (b.0 - a.0), cut)
            });
        }
    }
    out
}

/// The part of a ring inside `rect` (`[x0, y0, x1, y1]`), simplified.
fn clip_simplify(r: &[(f64, f64)], rect: [f64; 4], tol: f64) -> Option<Vec<(f64, f64)>> {
    let b = ring_box(r);
    if (b[2] - b[0]).max(b[3] - b[1]) < tol
        || b[2] < rect[0]
        || b[0] > rect[2]
        || b[3] < rect[1]
        || b[1] > rect[3]
    {
        return None;
    }
    let mut piece = r.to_vec();
    for (axis, cut, keep_le, outside) in [
        (0, rect[0], false, b[0] < rect[0]),
        (0, rect[2], true, b[2] > rect[2]),
        (1, rect[1], false, b[1] < rect[1]),
        (1, rect[3], true, b[3] > rect[3]),
    ] {
        if outside {
            piece = clip(&piece, axis, cut, keep_le);
        }
    }
    if piece.len() < 3 || area2(&piece) == 0.0 {
        return None;
    }
    simplify_ring(&piece, tol)
}

/// The ring with vertices added so that no edge spans more than 90° of
/// longitude (the closing edge included): a pole closure, straight along
/// the edge of the map, is otherwise one edge across the whole map, which
/// a renderer cannot tell from an edge taken the long way round.
fn densify(r: &[(f64, f64)]) -> impl Iterator<Item = (f64, f64)> + '_ {
    (0..r.len()).flat_map(move |i| {
        let (a, b) = (r[i], r[(i + 1) % r.len()]);
        let n = ((b.0 - a.0).abs() / 90.0).ceil().max(1.0) as usize;
        (0..n).map(move |k| {
            let t = k as f64 / n as f64;
            (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1))
        })
    })
}

impl MapLand {
    /// The polygons of `land` (the same polygons it judges with).
    pub fn new(land: &Land) -> MapLand {
        MapLand::from_polygons(land.polygons_deg())
    }

    /// From polygons in degrees (exterior first, then holes; rings closed
    /// or not, longitudes wrapped or not), for tests and other sources.
    pub fn from_polygons(polys: Vec<Vec<Vec<(f64, f64)>>>) -> MapLand {
        MapLand {
            polys: polys.iter().filter_map(prepare).collect(),
        }
    }

    /// Number of polygons of the source.
    pub fn polygon_count(&self) -> usize {
        self.polys.len()
    }

    /// The land of `level` (clamped to [`MAX_LEVEL`]), simplified and cut
    /// at the antimeridian, in longitude/latitude; with `bbox` (`[west,
    /// south, east, north]`, degrees, within [−180°, 180°]; west > east
    /// crosses ±180°), only what lies inside it (polygons are clipped to
    /// it: the cut edges along the box are not coast).
    pub fn level(&self, level: u8, bbox: Option<[f64; 4]>) -> MapLevel {
        let level = level.min(MAX_LEVEL);
        let tol = tolerance_deg(level);
        // A tenth of the tolerance, and never finer than 10⁻⁷°.
        let decimals = ((-(tol / 10.0).log10()).ceil().max(0.0) as usize).min(7);
        let [w, s, e, n] = bbox.unwrap_or([-180.0, -90.0, 180.0, 90.0]);
        let (w, e, ys, yn) = (w.max(-180.0), e.min(180.0), merc_y(s), merc_y(n));
        let rects = if w < e {
            vec![[w, ys, e, yn]]
        } else {
            vec![[w, ys, 180.0, yn], [-180.0, ys, e, yn]]
        };
        let mut polygons = Vec::new();
        for p in &self.polys {
            let m0 = ((p.bbox[0] + 180.0) / 360.0).floor() as i64;
            let m1 = ((p.bbox[2] + 180.0) / 360.0).floor() as i64;
            for (m, rect) in (m0..=m1.min(m0 + 3)).flat_map(|m| rects.iter().map(move |r| (m, r))) {
                let shift = 360.0 * m as f64;
                let r = [rect[0] + shift, rect[1], rect[2] + shift, rect[3]];
                let Some(ext) = clip_simplify(&p.rings[0], r, tol) else {
                    continue;
                };
                let mut poly = vec![ext];
                poly.extend(p.rings[1..].iter().filter_map(|h| clip_simplify(h, r, tol)));
                for ring in &mut poly {
                    *ring = densify(ring)
                        .map(|v| ((v.0 - shift).clamp(-180.0, 180.0), merc_lat(v.1)))
                        .collect();
                }
                polygons.push(poly);
            }
        }
        // Rounded as written out (which may repeat a vertex), closed.
        let scale = 10f64.powi(decimals as i32);
        let lat_scale = scale * 10.0;
        for p in &mut polygons {
            for r in p.iter_mut() {
                for v in r.iter_mut() {
                    *v = (
                        (v.0 * scale).round() / scale,
                        (v.1 * lat_scale).round() / lat_scale,
                    );
                }
                r.dedup();
                while r.len() > 1 && r[0] == r[r.len() - 1] {
                    r.pop();
                }
                r.push(r[0]);
            }
            let mut k = 0;
            p.retain(|r| {
                k += 1;
                k == 1 || r.len() >= 4
            });
        }
        polygons.retain(|p| p[0].len() >= 4);
        let bboxes = polygons.iter().map(|p| ring_box(&p[0])).collect();
        MapLevel {
            level,
            polygons,
            bboxes,
            decimals,
        }
    }
}

impl MapLevel {
    /// Number of vertices (closing vertices included).
    pub fn vertex_count(&self) -> usize {
        self.polygons.iter().flatten().map(Vec::len).sum()
    }

    /// The level as GeoJSON: a FeatureCollection of one MultiPolygon
    /// feature (`properties.level`).
    pub fn geojson(&self) -> Vec<u8> {
        use std::fmt::Write;
        let mut s = String::with_capacity(64 + self.vertex_count() * 2 * (self.decimals + 6));
        let _ = write!(
            s,
            "{{\"type\":\"FeatureCollection\",\"features\":[{{\"type\":\"Feature\",\"properties\":{{\"level\":{}}},\"geometry\":{{\"type\":\"MultiPolygon\",\"coordinates\":[",
            self.level
        );
        let (dx, dy) = (self.decimals, self.decimals + 1);
        for (i, p) in self.polygons.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push('[');
            for (j, r) in p.iter().enumerate() {
                if j > 0 {
                    s.push(',');
                }
                s.push('[');
                for (k, &(x, y)) in r.iter().enumerate() {
                    if k > 0 {
                        s.push(',');
                    }
                    let _ = write!(s, "[{},{}]", Num(x, dx), Num(y, dy));
                }
                s.push(']');
            }
            s.push(']');
        }
        s.push_str("]}}]}");
        s.into_bytes()
    }
}

/// A number with at most `.1` decimals, trailing zeros dropped.
struct Num(f64, usize);

impl std::fmt::Display for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = format!("{:.*}", self.1, self.0);
        let s = if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.')
        } else {
            &s
        };
        f.write_str(if s == "-0" { "0" } else { s })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inside(p: &MapPolygon, lon: f64, lat: f64) -> bool {
        let mut c = false;
        for r in p {
            for w in r.windows(2) {
                let ((x0, y0), (x1, y1)) = (w[0], w[1]);
                if (y0 > lat) != (y1 > lat) && lon < x0 + (lat - y0) / (y1 - y0) * (x1 - x0) {
                    c = !c;
                }
            }
        }
        c
    }

    fn land_at(lv: &MapLevel, lon: f64, lat: f64) -> bool {
        lv.polygons.iter().any(|p| inside(p, lon, lat))
    }

    /// Every drawn polygon: closed rings within [−180°, 180°], spanning at
    /// most `span` degrees of longitude, no edge longer than 180°.
    fn assert_flat(lv: &MapLevel, span: f64) {
        for p in &lv.polygons {
            let (lo, hi) = p[0]
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
                    (a.min(v.0), b.max(v.0))
                });
            assert!(hi - lo <= span, "a polygon spans {lo}..{hi}");
            for r in p {
                assert_eq!(r.first(), r.last());
                assert!(r.iter().all(|v| (-180.0..=180.0).contains(&v.0)));
                assert!(r.windows(2).all(|w| (w[1].0 - w[0].0).abs() <= 180.0));
            }
        }
    }

    /// Twice the signed area of a closed ring (positive counter-clockwise).
    fn area2c(r: &[(f64, f64)]) -> f64 {
        r.windows(2)
            .map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1)
            .sum()
    }

    #[test]
    fn chukotka_across_the_bering_strait_is_cut_at_the_antimeridian() {
        // A Chukotka-like coast from 170°E to 170°W, written as a spherical
        // renderer's data has it (longitudes wrapped, an edge from 179.9°E
        // to 180°W), with a bay (a hole) straddling ±180° as well.
        let exterior = vec![
            (170.0, 64.0),
            (179.9, 64.5),
            (-180.0, 64.6),
            (-170.0, 65.5),
            (-172.0, 67.0),
            (-180.0, 69.0),
            (179.9, 69.0),
            (172.0, 68.0),
            (170.0, 64.0),
        ];
        let hole = vec![
            (179.0, 66.0),
            (-179.0, 66.0),
            (-179.0, 67.0),
            (179.0, 67.0),
            (179.0, 66.0),
        ];
        let map = MapLand::from_polygons(vec![vec![exterior, hole]]);
        for level in [0, 3, 8] {
            let lv = map.level(level, None);
            assert_flat(&lv, 180.0);
            assert_eq!(lv.polygons.len(), 2, "level {level}: one piece each side");
            for p in &lv.polygons {
                assert!(area2c(&p[0]) > 0.0, "exteriors counter-clockwise");
                for h in &p[1..] {
                    assert!(area2c(h) < 0.0, "holes clockwise");
                }
            }
            // No band round the world between 64.6°N and 69°N.
            for lon in [-120.0, -60.0, 0.0, 14.5, 60.0, 120.0, 160.0, -160.0] {
                assert!(
                    !land_at(&lv, lon, 66.5),
                    "level {level}: {lon}°E drawn as land"
                );
            }
            if level >= 3 {
                assert!(land_at(&lv, 175.0, 66.5) && land_at(&lv, -175.0, 66.5));
                assert!(
                    !land_at(&lv, 179.5, 66.5) && !land_at(&lv, -179.5, 66.5),
                    "the bay"
                );
            }
        }
        // A box across ±180° (west > east) holds both pieces.
        let lv = map.level(9, Some([178.0, 65.0, -178.0, 68.0]));
        assert_flat(&lv, 180.0);
        assert_eq!(lv.polygons.len(), 2);
        assert!(land_at(&lv, 178.5, 66.5) && land_at(&lv, -178.5, 66.5));
        assert!(!land_at(&lv, 179.5, 66.5));
    }

    #[test]
    fn fiji_across_the_antimeridian_is_two_islands_on_the_map() {
        // Taveuni-like: 179.7°E to 179.8°W at 16.5°S, clockwise as given.
        let ring = vec![
            (179.7, -16.4),
            (-179.8, -16.45),
            (-179.85, -16.9),
            (179.9, -17.0),
            (179.7, -16.4),
        ];
        let map = MapLand::from_polygons(vec![vec![ring]]);
        let lv = map.level(10, None);
        assert_flat(&lv, 180.0);
        assert_eq!(lv.polygons.len(), 2);
        assert!(land_at(&lv, 179.85, -16.7) && land_at(&lv, -179.9, -16.6));
        for lon in [-179.0, -90.0, 0.0, 90.0, 179.0] {
            assert!(!land_at(&lv, lon, -16.6), "{lon}°E drawn as land");
        }
        // Smaller than half a pixel at level 0 (0.35°): dropped.
        assert!(map.level(0, None).polygons.is_empty());
    }

    #[test]
    fn a_ring_round_the_pole_is_closed_along_the_edge_of_the_map() {
        let ring: Vec<(f64, f64)> = (0..36).map(|i| (-175.0 + 10.0 * i as f64, -70.0)).collect();
        let lv = MapLand::from_polygons(vec![vec![ring]]).level(2, None);
        // (A ring round a pole spans the whole map, as Antarctica does.)
        assert_flat(&lv, 360.0);
        assert!(land_at(&lv, 0.0, -80.0) && land_at(&lv, 179.0, -84.0));
        assert!(!land_at(&lv, 0.0, -60.0) && !land_at(&lv, 0.0, 60.0));
    }

    #[test]
    fn douglas_peucker_keeps_what_is_farther_than_the_tolerance() {
        // A square with a 0.4-unit notch in one side and collinear points.
        let r = vec![
            (0.0, 0.0),
            (5.0, 0.0),
            (5.0, 0.4),
            (5.2, 0.0),
            (10.0, 0.0),
            (10.0, 5.0),
            (10.0, 10.0),
            (0.0, 10.0),
        ];
        assert_eq!(
            simplify_ring(&r, 1.0).unwrap(),
            vec![(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)]
        );
        let fine = simplify_ring(&r, 0.1).unwrap();
        assert!(fine.contains(&(5.0, 0.4)) && !fine.contains(&(10.0, 5.0)));
        assert!(simplify_ring(&[(0.0, 0.0), (1.0, 0.0), (2.0, 0.0)], 0.5).is_none());
    }

    #[test]
    fn simplification_bounds_the_vertices_by_the_scale_not_the_source() {
        // A coast of 5,000 vertices wiggling 10 m (1e-4°): at level 4 it is
        // a straight line.
        let mut ring: Vec<(f64, f64)> = (0..5_000)
            .map(|i| (i as f64 * 2e-3, if i % 2 == 0 { 60.0 } else { 60.0001 }))
            .collect();
        ring.push((10.0, 61.0));
        ring.push((0.0, 61.0));
        let map = MapLand::from_polygons(vec![vec![ring]]);
        assert!(map.level(4, None).vertex_count() <= 6);
        assert!(map.level(16, None).vertex_count() > 4_000);
    }
}

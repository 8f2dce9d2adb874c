//! From decoded polygons (longitude/latitude degrees) to canonical fixed
//! point rings: antimeridian handling, pole closure, orientation.

use finisterra_nav::geo::normalize_deg_180;

use crate::exact::Pt;
use crate::grid::Rings;

/// A polygon as decoded: exterior ring first, then holes; each ring a list
/// of `(lon_deg, lat_deg)`, closed or not.
pub(crate) type PolygonDeg = Vec<Vec<(f64, f64)>>;

/// Drops the closing vertex when present.
fn open(r: &[(f64, f64)]) -> &[(f64, f64)] {
    if r.len() > 1 && r[0] == r[r.len() - 1] {
        &r[..r.len() - 1]
    } else {
        r
    }
}

/// Makes longitudes continuous: every edge is taken the short way round
/// (|Δlon| ≤ 180°). Returns the unwrapped open ring and the longitude
/// offset of the closing edge (0, or ±360 for a ring around a pole).
pub(crate) fn unwrap(r: &[(f64, f64)]) -> (Vec<(f64, f64)>, f64) {
    let r = open(r);
    let mut out = Vec::with_capacity(r.len() + 4);
    let Some(&first) = r.first() else {
        return (out, 0.0);
    };
    out.push(first);
    let mut x = first.0;
    for w in r.windows(2) {
        x += normalize_deg_180(w[1].0 - w[0].0);
        out.push((x, w[1].1));
    }
    let last = r[r.len() - 1].0;
    let closing = x + normalize_deg_180(first.0 - last) - first.0;
    (out, closing.round())
}

/// Twice the signed planar area (positive counter-clockwise).
pub(crate) fn area2(r: &[(f64, f64)]) -> f64 {
    if r.len() < 3 {
        return 0.0;
    }
    let o = r[0];
    let mut acc = 0.0;
    for i in 0..r.len() {
        let a = r[i];
        let b = r[(i + 1) % r.len()];
        acc += (a.0 - o.0) * (b.1 - o.1) - (b.0 - o.0) * (a.1 - o.1);
    }
    acc
}

/// Sutherland–Hodgman clip of an open ring to `x ≤ xmax` (`keep_le`) or
/// `x ≥ xmax`. Winding numbers of points strictly inside the half-plane
/// are preserved; points on the cut get `x` exactly `xmax`.
fn clip_x(r: &[(f64, f64)], x_cut: f64, keep_le: bool) -> Vec<(f64, f64)> {
    let inside = |p: (f64, f64)| if keep_le { p.0 <= x_cut } else { p.0 >= x_cut };
    let mut out = Vec::with_capacity(r.len() + 4);
    for i in 0..r.len() {
        let a = r[i];
        let b = r[(i + 1) % r.len()];
        let (ia, ib) = (inside(a), inside(b));
        if ia {
            out.push(a);
        }
        if ia != ib {
            let t = (x_cut - a.0) / (b.0 - a.0);
            let y = a.1 + t * (b.1 - a.1);
            out.push((x_cut, y));
        }
    }
    out
}

/// One ring unwrapped (longitudes continuous), closed round the nearer
/// pole if it encircles one, and oriented: an exterior counter-clockwise,
/// a hole clockwise. Empty for an empty ring. The one preparation of a
/// ring for the engine's land and the map's.
pub(crate) fn oriented_ring(ring: &[(f64, f64)], exterior: bool) -> Vec<(f64, f64)> {
    let (mut u, closing) = unwrap(ring);
    if u.is_empty() {
        return u;
    }
    if closing != 0.0 {
        let mean_lat = u.iter().map(|p| p.1).sum::<f64>() / u.len() as f64;
        let pole = if mean_lat < 0.0 { -90.0 } else { 90.0 };
        let (x0, y0) = u[0];
        u.push((x0 + closing, y0));
        u.push((x0 + closing, pole));
        u.push((x0, pole));
    }
    let a = area2(&u);
    if (exterior && a < 0.0) || (!exterior && a > 0.0) {
        u.reverse();
    }
    u
}

/// Canonical land rings (degenerate rings of one or two distinct vertices
/// are kept as distance-only features): each ring unwrapped, closed round the nearer pole
/// if it encircles one, oriented (exterior counter-clockwise, holes
/// clockwise, so that the nonzero winding rule gives the union of all
/// polygons even where they overlap), then cut into the window
/// [−180°, 180°] and shifted back into it.
pub(crate) fn land_rings(polys: &[PolygonDeg]) -> Rings {
    let mut rings = Rings::new();
    for poly in polys {
        for (k, ring) in poly.iter().enumerate() {
            let u = oriented_ring(ring, k == 0);
            if u.is_empty() {
                continue;
            }
            let xmin = u.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
            let xmax = u.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
            let m0 = ((xmin + 180.0) / 360.0).floor() as i64;
            let m1 = ((xmax + 180.0) / 360.0).floor() as i64;
            for m in m0..=m1.min(m0 + 3) {
                let lo = -180.0 + 360.0 * m as f64;
                let hi = lo + 360.0;
                let piece = if xmin >= lo && xmax <= hi {
                    u.clone()
                } else {
                    clip_x(&clip_x(&u, hi, true), lo, false)
                };
                if piece.is_empty() {
                    continue;
                }
                let shift = 360.0 * m as f64;
                rings.push_open_ring(
                    piece.iter().filter_map(|&(x, y)| {
                        let x = (x - shift).clamp(-180.0, 180.0);
                        Pt::from_deg(x, y.clamp(-90.0, 90.0))
                    }),
                    1,
                );
            }
        }
    }
    rings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::{side_linear, Side};

    fn side(r: &Rings, lon: f64, lat: f64) -> Side {
        side_linear(&r.v, &r.starts, Pt::from_deg(lon, lat).unwrap())
    }

    #[test]
    fn ring_across_antimeridian_is_split() {
        // An island from 179°E to 179°W given with wrapped longitudes.
        let poly = vec![vec![
            (179.0, -1.0),
            (-179.0, -1.0),
            (-179.0, 1.0),
            (179.0, 1.0),
            (179.0, -1.0),
        ]];
        let r = land_rings(&[poly]);
        assert_eq!(r.ring_count(), 2);
        assert_eq!(side(&r, 179.5, 0.0), Side::Inside);
        assert_eq!(side(&r, -179.5, 0.0), Side::Inside);
        assert_eq!(side(&r, 178.5, 0.0), Side::Outside);
        assert_eq!(side(&r, -178.5, 0.0), Side::Outside);
        assert_eq!(side(&r, 0.0, 0.0), Side::Outside);
    }

    #[test]
    fn ring_around_south_pole_is_closed() {
        // A clockwise (seen from above) "Antarctica" at 70°S.
        let ring: Vec<(f64, f64)> = (0..36)
            .map(|i| (-180.0 + 10.0 * i as f64 + 5.0, -70.0))
            .collect();
        let r = land_rings(&[vec![ring]]);
        assert_eq!(side(&r, 0.0, -80.0), Side::Inside);
        assert_eq!(side(&r, 179.0, -89.0), Side::Inside);
        assert_eq!(side(&r, 0.0, -60.0), Side::Outside);
        assert_eq!(side(&r, 0.0, 60.0), Side::Outside);
    }

    #[test]
    fn orientation_is_normalised_and_holes_work() {
        let outer_cw = vec![(0.0, 0.0), (0.0, 10.0), (10.0, 10.0), (10.0, 0.0)];
        let hole_ccw = vec![(2.0, 2.0), (8.0, 2.0), (8.0, 8.0), (2.0, 8.0)];
        let r = land_rings(&[vec![outer_cw, hole_ccw]]);
        assert_eq!(side(&r, 1.0, 1.0), Side::Inside);
        assert_eq!(side(&r, 5.0, 5.0), Side::Outside);
        assert_eq!(side(&r, 2.0, 5.0), Side::Boundary);
    }
}

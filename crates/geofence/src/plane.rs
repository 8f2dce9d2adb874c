//! The vessel's tangent plane, computed fast, and the planar geometry of
//! tracks against segments and circles.
//!
//! [`Proj`] is the same ellipsoidal tangent plane as
//! [`finisterra_nav::geo::LocalFrame`] (orthographic projection of the
//! WGS84 surface onto the plane touching it at the reference point), but a
//! vertex costs a square root and a few multiplications instead of four
//! trigonometric calls: the sine and cosine of the small latitude and
//! longitude differences come from their Taylor series (error below 10⁻¹⁵
//! for differences under 0.2 rad, libm beyond). The projection is linear
//! in ECEF space, so it never lengthens a distance: a plane distance is at
//! most the chord, which is at most the geodesic distance.

use finisterra_nav::geo::{WGS84_A_M, WGS84_E2};

use crate::exact::{Pt, UNITS_PER_DEG};

const RAD_PER_UNIT: f64 = std::f64::consts::PI / 180.0 / UNITS_PER_DEG;

#[inline]
fn small_sin_cos(d: f64) -> (f64, f64) {
    if d.abs() < 0.2 {
        let d2 = d * d;
        let s = d * (1.0 - d2 / 6.0 * (1.0 - d2 / 20.0 * (1.0 - d2 / 42.0 * (1.0 - d2 / 72.0))));
        let c = 1.0
            - d2 / 2.0
                * (1.0 - d2 / 12.0 * (1.0 - d2 / 30.0 * (1.0 - d2 / 56.0 * (1.0 - d2 / 90.0))));
        (s, c)
    } else {
        d.sin_cos()
    }
}

/// Tangent plane at a reference point; `(east_m, north_m)` coordinates.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Proj {
    lat0: f64,
    lon0: f64,
    sin0: f64,
    cos0: f64,
    /// ECEF of the reference in the frame rotated so that its longitude is
    /// zero: `(ox, 0, oz)`.
    ox: f64,
    oz: f64,
}

impl Proj {
    pub(crate) fn new(lat_deg: f64, lon_deg: f64) -> Proj {
        let lat0 = lat_deg.to_radians();
        let lon0 = lon_deg.to_radians();
        let (sin0, cos0) = lat0.sin_cos();
        let n0 = WGS84_A_M / (1.0 - WGS84_E2 * sin0 * sin0).sqrt();
        Proj {
            lat0,
            lon0,
            sin0,
            cos0,
            ox: n0 * cos0,
            oz: n0 * (1.0 - WGS84_E2) * sin0,
        }
    }

    /// Projects a fixed-point position.
    #[inline]
    pub(crate) fn project(&self, p: Pt) -> (f64, f64) {
        self.project_rad(p.y as f64 * RAD_PER_UNIT, p.x as f64 * RAD_PER_UNIT)
    }

    /// Projects a position given in degrees.
    pub(crate) fn project_deg(&self, lat_deg: f64, lon_deg: f64) -> (f64, f64) {
        self.project_rad(lat_deg.to_radians(), lon_deg.to_radians())
    }

    #[inline]
    fn project_rad(&self, lat: f64, lon: f64) -> (f64, f64) {
        let dphi = lat - self.lat0;
        let mut dlam = lon - self.lon0;
        if dlam > std::f64::consts::PI {
            dlam -= std::f64::consts::TAU;
        } else if dlam < -std::f64::consts::PI {
            dlam += std::f64::consts::TAU;
        }
        let (sdp, cdp) = small_sin_cos(dphi);
        let (sdl, cdl) = small_sin_cos(dlam);
        let sinp = self.sin0 * cdp + self.cos0 * sdp;
        let cosp = self.cos0 * cdp - self.sin0 * sdp;
        let n = WGS84_A_M / (1.0 - WGS84_E2 * sinp * sinp).sqrt();
        let px = n * cosp * cdl;
        let east = n * cosp * sdl;
        let pz = n * (1.0 - WGS84_E2) * sinp;
        let north = -self.sin0 * (px - self.ox) + self.cos0 * (pz - self.oz);
        (east, north)
    }
}

/// Mean radius used to turn plane distances from the reference into
/// geodesic ones (`s = R·asin(d/R)`; the difference is 0.4 m at 25 NM).
pub(crate) const MEAN_RADIUS_M: f64 = 6_371_008.8;

/// Plane distance from the reference → geodesic distance.
#[inline]
pub(crate) fn plane_to_geodesic_m(d: f64) -> f64 {
    MEAN_RADIUS_M * (d / MEAN_RADIUS_M).min(1.0).asin()
}

/// Closest point of segment `a b` to the origin and its squared distance.
#[cfg(all(test, feature = "world"))]
pub(crate) fn closest_to_origin(a: (f64, f64), b: (f64, f64)) -> ((f64, f64), f64) {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (-(a.0 * dx + a.1 * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let c = (a.0 + t * dx, a.1 + t * dy);
    (c, c.0 * c.0 + c.1 * c.1)
}

/// Squared distance from point `p` to segment `a b` and the parameter of
/// the closest point.
#[inline]
pub(crate) fn point_segment_d2(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (cx, cy) = (a.0 + t * dx - p.0, a.1 + t * dy - p.1);
    (cx * cx + cy * cy, t)
}

/// Earliest `ρ ∈ [0, len]` at which the point `ρ·u` (`u` a unit vector)
/// is within `r` of segment `a b`, or `None`. The set of such `ρ` is an
/// interval (distance to a convex set is convex along a line); its left end
/// is the earliest entry into one of the capsule's three convex parts (the
/// two end discs and the rectangle).
pub(crate) fn ray_capsule_entry(
    u: (f64, f64),
    len: f64,
    a: (f64, f64),
    b: (f64, f64),
    r: f64,
) -> Option<f64> {
    let mut best = f64::INFINITY;
    for c in [a, b] {
        if let Some(t) = ray_disc_entry(u, len, c, r) {
            best = best.min(t);
        }
    }
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let l = (dx * dx + dy * dy).sqrt();
    if l > 0.0 {
        let e = (dx / l, dy / l);
        let n = (-e.1, e.0);
        // Along the ray: s(ρ) = s0 + ρ·su ∈ [0, l], w(ρ) = w0 + ρ·wu ∈ [−r, r].
        let s0 = -(a.0 * e.0 + a.1 * e.1);
        let su = u.0 * e.0 + u.1 * e.1;
        let w0 = -(a.0 * n.0 + a.1 * n.1);
        let wu = u.0 * n.0 + u.1 * n.1;
        let mut lo = 0.0f64;
        let mut hi = len;
        let mut ok = clip(s0, su, 0.0, l, &mut lo, &mut hi);
        ok = ok && clip(w0, wu, -r, r, &mut lo, &mut hi);
        if ok && lo <= hi {
            best = best.min(lo);
        }
    }
    best.is_finite().then_some(best)
}

/// Liang–Barsky: restricts `[lo, hi]` to the `ρ` with `v0 + ρ·dv ∈ [a, b]`.
#[inline]
fn clip(v0: f64, dv: f64, a: f64, b: f64, lo: &mut f64, hi: &mut f64) -> bool {
    if dv == 0.0 {
        return v0 >= a && v0 <= b;
    }
    let (mut t0, mut t1) = ((a - v0) / dv, (b - v0) / dv);
    if t0 > t1 {
        std::mem::swap(&mut t0, &mut t1);
    }
    *lo = lo.max(t0);
    *hi = hi.min(t1);
    *lo <= *hi
}

/// Earliest `ρ ∈ [0, len]` with `|ρ·u − c| ≤ r`.
#[inline]
pub(crate) fn ray_disc_entry(u: (f64, f64), len: f64, c: (f64, f64), r: f64) -> Option<f64> {
    let uc = u.0 * c.0 + u.1 * c.1;
    let cc = c.0 * c.0 + c.1 * c.1;
    let k = cc - r * r;
    if k <= 0.0 {
        return Some(0.0);
    }
    let disc = uc * uc - k;
    if disc < 0.0 || uc <= 0.0 {
        return None;
    }
    // Smaller root, in the cancellation-free form k / (uc + √disc).
    let t = k / (uc + disc.sqrt());
    (t <= len).then_some(t)
}

/// Smallest distance between the track segment `[0, len·u]` and segment
/// `a b`, with the track parameter `ρ` where it occurs (earliest on ties).
pub(crate) fn track_segment_distance(
    u: (f64, f64),
    len: f64,
    a: (f64, f64),
    b: (f64, f64),
) -> (f64, f64) {
    let p1 = (u.0 * len, u.1 * len);
    // Proper crossing?
    let cross = |o: (f64, f64), p: (f64, f64), q: (f64, f64)| {
        (p.0 - o.0) * (q.1 - o.1) - (p.1 - o.1) * (q.0 - o.0)
    };
    let o = (0.0, 0.0);
    let d1 = cross(a, b, o);
    let d2 = cross(a, b, p1);
    let d3 = cross(o, p1, a);
    let d4 = cross(o, p1, b);
    if ((d1 > 0.0 && d2 < 0.0) || (d1 < 0.0 && d2 > 0.0))
        && ((d3 > 0.0 && d4 < 0.0) || (d3 < 0.0 && d4 > 0.0))
    {
        let t = d1 / (d1 - d2);
        return (0.0, t * len);
    }
    let mut best = (f64::INFINITY, 0.0);
    let mut consider = |d2: f64, rho: f64| {
        if d2 < best.0 || (d2 == best.0 && rho < best.1) {
            best = (d2, rho);
        }
    };
    let (da, ta) = point_segment_d2(a, o, p1);
    consider(da, ta * len);
    let (db, tb) = point_segment_d2(b, o, p1);
    consider(db, tb * len);
    let (d0, _) = point_segment_d2(o, a, b);
    consider(d0, 0.0);
    let (de, _) = point_segment_d2(p1, a, b);
    consider(de, len);
    (best.0.sqrt(), best.1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use finisterra_nav::geo::LocalFrame;

    #[test]
    fn matches_nav_local_frame() {
        for &(lat0, lon0) in &[
            (42.88, -9.27),
            (70.0, 179.9),
            (-60.0, -179.95),
            (0.0, 0.0),
            (89.5, 10.0),
        ] {
            let f = LocalFrame::new(lat0, lon0);
            let p = Proj::new(lat0, lon0);
            for &(dl, dn) in &[
                (0.0, 0.0),
                (0.3, -0.2),
                (-0.05, 0.4),
                (1.5, 1.0),
                (-20.0, 5.0),
            ] {
                let (lat, lon) = ((lat0 + dl).clamp(-90.0, 90.0), lon0 + dn);
                let (e1, n1) = f.to_local(lat, lon);
                let (e2, n2) = p.project_deg(lat, finisterra_nav::geo::wrap_lon_deg(lon));
                assert!(
                    (e1 - e2).abs() < 1e-6 && (n1 - n2).abs() < 1e-6,
                    "{lat0},{lon0} {dl},{dn}: {e1},{n1} vs {e2},{n2}"
                );
            }
        }
    }

    #[test]
    fn capsule_entry_cases() {
        let u = (1.0, 0.0);
        // Segment crossing the ray at x = 100, vertical; r = 10 → entry 90.
        let t = ray_capsule_entry(u, 1000.0, (100.0, -50.0), (100.0, 50.0), 10.0).unwrap();
        assert!((t - 90.0).abs() < 1e-9);
        // Segment ending 5 below the ray at x = 100: disc entry.
        let t = ray_capsule_entry(u, 1000.0, (100.0, -50.0), (100.0, -5.0), 10.0).unwrap();
        assert!((t - (100.0 - 75f64.sqrt())).abs() < 1e-9);
        // Out of reach.
        assert!(ray_capsule_entry(u, 80.0, (100.0, -50.0), (100.0, 50.0), 10.0).is_none());
        assert!(ray_capsule_entry(u, 1000.0, (100.0, 20.0), (200.0, 20.0), 10.0).is_none());
        // Already inside.
        assert_eq!(
            ray_capsule_entry(u, 1000.0, (-5.0, 3.0), (5.0, 3.0), 10.0),
            Some(0.0)
        );
        // Behind.
        assert!(ray_capsule_entry(u, 1000.0, (-100.0, -50.0), (-100.0, 50.0), 10.0).is_none());
    }

    #[test]
    fn track_distance_cases() {
        let u = (0.0, 1.0);
        let (d, rho) = track_segment_distance(u, 100.0, (-10.0, 50.0), (10.0, 50.0));
        assert_eq!(d, 0.0);
        assert!((rho - 50.0).abs() < 1e-9);
        let (d, rho) = track_segment_distance(u, 100.0, (5.0, 50.0), (10.0, 60.0));
        assert!((d - 5.0).abs() < 1e-9 && (rho - 50.0).abs() < 1e-9);
        let (d, rho) = track_segment_distance(u, 100.0, (0.0, 130.0), (10.0, 130.0));
        assert!((d - 30.0).abs() < 1e-9 && (rho - 100.0).abs() < 1e-9);
    }
}

//! Fixed-point coordinates and exact planar predicates.
//!
//! Every polygon and line is stored with longitude and latitude as integers
//! in units of 10⁻⁷ degree (about 1 cm), the `x` being longitude and `y`
//! latitude. Orientation tests are then computed exactly in 128-bit
//! integers, so "is this point on that edge", "which side" and "do these
//! segments touch" have one true answer, whatever the input.

/// Fixed-point units per degree.
pub(crate) const UNITS_PER_DEG: f64 = 1.0e7;

/// Largest |longitude| a fixed-point coordinate may hold, degrees (polygons
/// crossing ±180° may extend beyond 180; see the zones documentation).
pub(crate) const MAX_ABS_LON_DEG: f64 = 540.0;

/// A point in fixed point: `x` = longitude, `y` = latitude, 10⁻⁷ degree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Pt {
    pub x: i64,
    pub y: i64,
}

impl Pt {
    pub(crate) const fn new(x: i64, y: i64) -> Pt {
        Pt { x, y }
    }

    /// Fixed point from degrees; `None` for non-finite values or values
    /// outside ±[`MAX_ABS_LON_DEG`] / ±90 (plus rounding).
    pub(crate) fn from_deg(lon_deg: f64, lat_deg: f64) -> Option<Pt> {
        if !(lon_deg.is_finite() && lat_deg.is_finite())
            || lon_deg.abs() > MAX_ABS_LON_DEG
            || lat_deg.abs() > 90.0
        {
            return None;
        }
        Some(Pt {
            x: (lon_deg * UNITS_PER_DEG).round() as i64,
            y: (lat_deg * UNITS_PER_DEG).round() as i64,
        })
    }

    pub(crate) fn lon_deg(self) -> f64 {
        self.x as f64 / UNITS_PER_DEG
    }

    pub(crate) fn lat_deg(self) -> f64 {
        self.y as f64 / UNITS_PER_DEG
    }
}

/// Twice the signed area of triangle `a b c`: positive when `c` is to the
/// left of `a → b` (counter-clockwise), zero when collinear. Exact.
#[inline]
pub(crate) fn orient(a: Pt, b: Pt, c: Pt) -> i128 {
    let abx = (b.x - a.x) as i128;
    let aby = (b.y - a.y) as i128;
    let acx = (c.x - a.x) as i128;
    let acy = (c.y - a.y) as i128;
    abx * acy - aby * acx
}

/// Sign of [`orient`] as −1, 0 or 1.
#[inline]
pub(crate) fn orient_sign(a: Pt, b: Pt, c: Pt) -> i32 {
    match orient(a, b, c) {
        v if v > 0 => 1,
        v if v < 0 => -1,
        _ => 0,
    }
}

/// True when `p` lies on the closed segment `a b` (endpoints included).
#[inline]
pub(crate) fn on_segment(a: Pt, b: Pt, p: Pt) -> bool {
    p.x >= a.x.min(b.x)
        && p.x <= a.x.max(b.x)
        && p.y >= a.y.min(b.y)
        && p.y <= a.y.max(b.y)
        && orient(a, b, p) == 0
}

/// True when the closed segments `a b` and `c d` share at least one point
/// (touching at an endpoint or overlapping collinearly counts). Exact.
pub(crate) fn segments_touch(a: Pt, b: Pt, c: Pt, d: Pt) -> bool {
    if a.x.max(b.x) < c.x.min(d.x)
        || c.x.max(d.x) < a.x.min(b.x)
        || a.y.max(b.y) < c.y.min(d.y)
        || c.y.max(d.y) < a.y.min(b.y)
    {
        return false;
    }
    let d1 = orient_sign(c, d, a);
    let d2 = orient_sign(c, d, b);
    let d3 = orient_sign(a, b, c);
    let d4 = orient_sign(a, b, d);
    if d1 * d2 < 0 && d3 * d4 < 0 {
        return true;
    }
    (d1 == 0 && on_segment(c, d, a))
        || (d2 == 0 && on_segment(c, d, b))
        || (d3 == 0 && on_segment(a, b, c))
        || (d4 == 0 && on_segment(a, b, d))
}

/// Parameters along `a → b` (in [0, 1]) where the closed segment `c d`
/// meets it: one value for a proper or touching crossing, the two ends of
/// the overlap for collinear overlapping segments, none when they do not
/// meet. The decision is exact; the returned parameters are rounded.
pub(crate) fn meet_params(a: Pt, b: Pt, c: Pt, d: Pt) -> MeetParams {
    let mut out = MeetParams::default();
    if !segments_touch(a, b, c, d) {
        return out;
    }
    let o1 = orient(c, d, a);
    let o2 = orient(c, d, b);
    if o1 == 0 && o2 == 0 {
        // Collinear: project c and d onto a→b.
        let abx = (b.x - a.x) as f64;
        let aby = (b.y - a.y) as f64;
        let len2 = abx * abx + aby * aby;
        if len2 == 0.0 {
            out.push(0.0);
            return out;
        }
        let t = |p: Pt| (((p.x - a.x) as f64) * abx + ((p.y - a.y) as f64) * aby) / len2;
        let (tc, td) = (t(c), t(d));
        let lo = tc.min(td).clamp(0.0, 1.0);
        let hi = tc.max(td).clamp(0.0, 1.0);
        out.push(lo);
        if hi > lo {
            out.push(hi);
        }
        return out;
    }
    // o1 and o2 are not both zero; the crossing parameter along a→b.
    let denom = (o1 - o2) as f64;
    let t = if denom == 0.0 {
        0.0
    } else {
        (o1 as f64 / denom).clamp(0.0, 1.0)
    };
    out.push(t);
    out
}

/// Up to two parameters, without allocation.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct MeetParams {
    n: u8,
    t: [f64; 2],
}

impl MeetParams {
    fn push(&mut self, t: f64) {
        if (self.n as usize) < 2 {
            self.t[self.n as usize] = t;
            self.n += 1;
        }
    }

    pub(crate) fn as_slice(&self) -> &[f64] {
        &self.t[..self.n as usize]
    }
}

/// Position of a point relative to a region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Side {
    Inside,
    Outside,
    Boundary,
}

/// Contribution of edge `u → v` to the winding number of the horizontal
/// ray at height `py` between `x_from` (exclusive when `from_open`, else
/// inclusive) and `x_to` (exclusive), both at `py`. Half-open rule in `y`
/// (an edge counts when `min.y ≤ py < max.y`), so a vertex on the ray is
/// counted once and horizontal edges never. Returns +1 for an upward edge
/// crossing, −1 for a downward one, 0 otherwise. Exact.
#[inline]
pub(crate) fn ray_crossing(
    u: Pt,
    v: Pt,
    py: i64,
    x_from: i64,
    from_open: bool,
    x_to: Option<i64>,
) -> i32 {
    let (lo, hi, sign) = if u.y <= py && py < v.y {
        (u, v, 1)
    } else if v.y <= py && py < u.y {
        (v, u, -1)
    } else {
        return 0;
    };
    // For the upward line lo→hi, orient(lo, hi, X) > 0  ⇔  X.x < crossing x.
    let o_from = orient(lo, hi, Pt::new(x_from, py));
    let after_from = if from_open { o_from > 0 } else { o_from >= 0 };
    if !after_from {
        return 0;
    }
    if let Some(x_to) = x_to {
        // Need crossing x < x_to, i.e. (x_to, py) to the right: orient < 0.
        if orient(lo, hi, Pt::new(x_to, py)) >= 0 {
            return 0;
        }
    }
    sign
}

/// Side of `p` (inside when the winding number is positive) against closed
/// rings given as a vertex slice with
/// ring boundaries (`starts[i]..starts[i+1]`, each ring's last vertex equal
/// to its first). Linear in the number of edges; exact.
pub(crate) fn side_linear(v: &[Pt], starts: &[u32], p: Pt) -> Side {
    let mut w = 0i32;
    for r in starts.windows(2) {
        let (s, e) = (r[0] as usize, r[1] as usize);
        for i in s..e.saturating_sub(1) {
            let (a, b) = (v[i], v[i + 1]);
            if on_segment(a, b, p) {
                return Side::Boundary;
            }
            w += ray_crossing(a, b, p.y, p.x, true, None);
        }
    }
    if w > 0 {
        Side::Inside
    } else {
        Side::Outside
    }
}

/// True when the closed segment `a b` meets the closed axis-aligned
/// rectangle `[x0, x1] × [y0, y1]`. Exact.
#[inline]
pub(crate) fn segment_meets_rect(a: Pt, b: Pt, x0: i64, y0: i64, x1: i64, y1: i64) -> bool {
    if a.x.max(b.x) < x0 || a.x.min(b.x) > x1 || a.y.max(b.y) < y0 || a.y.min(b.y) > y1 {
        return false;
    }
    // Bounding boxes overlap; the segment misses the rectangle only if all
    // four corners lie strictly on one side of its line.
    let s = [
        orient_sign(a, b, Pt::new(x0, y0)),
        orient_sign(a, b, Pt::new(x1, y0)),
        orient_sign(a, b, Pt::new(x1, y1)),
        orient_sign(a, b, Pt::new(x0, y1)),
    ];
    !(s.iter().all(|&v| v > 0) || s.iter().all(|&v| v < 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(x: i64, y: i64) -> Pt {
        Pt::new(x, y)
    }

    #[test]
    fn orientation_and_on_segment() {
        assert!(orient(p(0, 0), p(10, 0), p(5, 1)) > 0);
        assert!(orient(p(0, 0), p(10, 0), p(5, -1)) < 0);
        assert_eq!(orient(p(0, 0), p(10, 0), p(20, 0)), 0);
        assert!(on_segment(p(0, 0), p(10, 10), p(5, 5)));
        assert!(on_segment(p(0, 0), p(10, 10), p(10, 10)));
        assert!(!on_segment(p(0, 0), p(10, 10), p(11, 11)));
        // Extreme coordinates do not overflow.
        let big = 2_000_000_000;
        assert!(orient(p(-big, -big), p(big, big), p(-big, big)) > 0);
    }

    #[test]
    fn touching_segments() {
        // Proper crossing.
        assert!(segments_touch(p(0, 0), p(10, 10), p(0, 10), p(10, 0)));
        // T-junction: endpoint on the other segment.
        assert!(segments_touch(p(0, 0), p(10, 0), p(5, 0), p(5, 5)));
        // Shared endpoint.
        assert!(segments_touch(p(0, 0), p(10, 0), p(10, 0), p(20, 5)));
        // Collinear overlapping and collinear disjoint.
        assert!(segments_touch(p(0, 0), p(10, 0), p(5, 0), p(15, 0)));
        assert!(!segments_touch(p(0, 0), p(10, 0), p(11, 0), p(15, 0)));
        // Parallel, one unit apart.
        assert!(!segments_touch(p(0, 0), p(10, 0), p(0, 1), p(10, 1)));
        // Near miss by one unit at an endpoint.
        assert!(!segments_touch(p(0, 0), p(10, 0), p(5, 1), p(5, 10)));
    }

    #[test]
    fn meet_parameters() {
        let m = meet_params(p(0, 0), p(10, 0), p(5, -5), p(5, 5));
        assert_eq!(m.as_slice(), &[0.5]);
        let m = meet_params(p(0, 0), p(10, 0), p(2, 0), p(4, 0));
        assert_eq!(m.as_slice(), &[0.2, 0.4]);
        let m = meet_params(p(0, 0), p(10, 0), p(20, 0), p(30, 0));
        assert!(m.as_slice().is_empty());
    }

    #[test]
    fn ray_rule_vertex_on_ray_counts_once() {
        // A square 0..10; the ray from (5, 0) goes through vertex (10, 0).
        let sq = [p(0, 0), p(10, 0), p(10, 10), p(0, 10), p(0, 0)];
        let starts = [0u32, 5];
        assert_eq!(side_linear(&sq, &starts, p(5, 5)), Side::Inside);
        assert_eq!(side_linear(&sq, &starts, p(5, 0)), Side::Boundary);
        assert_eq!(side_linear(&sq, &starts, p(-5, 0)), Side::Outside);
        assert_eq!(side_linear(&sq, &starts, p(-5, 10)), Side::Outside);
        assert_eq!(side_linear(&sq, &starts, p(-5, 5)), Side::Outside);
        assert_eq!(side_linear(&sq, &starts, p(10, 10)), Side::Boundary);
        // A spike vertex touching the ray from above and below.
        let tri = [p(0, 0), p(10, 5), p(0, 10), p(5, 5), p(0, 0)];
        // (5,5) is a vertex: boundary. (2,5): inside the notch? The
        // polygon is the arrow 0,0 → 10,5 → 0,10 → 5,5: (7,5) inside.
        assert_eq!(side_linear(&tri, &starts, p(7, 5)), Side::Inside);
        assert_eq!(side_linear(&tri, &starts, p(2, 5)), Side::Outside);
        assert_eq!(side_linear(&tri, &starts, p(5, 5)), Side::Boundary);
    }

    #[test]
    fn rect_meeting() {
        assert!(segment_meets_rect(p(-5, 5), p(15, 5), 0, 0, 10, 10));
        assert!(segment_meets_rect(p(-5, -5), p(0, 0), 0, 0, 10, 10));
        assert!(!segment_meets_rect(p(-5, 4), p(4, -5), 0, 0, 10, 10));
        assert!(segment_meets_rect(p(-5, 5), p(5, -5), 0, 0, 10, 10));
    }
}

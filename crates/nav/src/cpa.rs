//! Constant-velocity closest point of approach (CPA/TCPA), bow crossing
//! range and time, computed in the pair's local tangent plane.
//!
//! With `r` the target's position relative to own ship and `v` the relative
//! velocity (both in the [`LocalFrame`] centred on the pair's midpoint):
//! `TCPA = −(r·v)/|v|²` and `CPA = |r × v|/|v|`. Each vessel's course is
//! read at its own position (meridian convergence is applied, see
//! [`LocalFrame::course_to_local_deg`]).

use serde::Serialize;

use crate::geo::{normalize_deg_360, LocalFrame, PairFrame, METRES_PER_NM, MPS_PER_KN};

/// Below this relative speed (m/s) the pair is treated as keeping constant
/// range: `tcpa_s = 0` and `cpa_nm = range_nm`.
pub const RELATIVE_SPEED_EPS_MPS: f64 = 1.0e-6;

/// A vessel's position and constant-velocity motion over ground.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Kinematic {
    /// Geodetic latitude, degrees (WGS84).
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Speed over ground, knots.
    pub sog_kn: f64,
    /// Course over ground, degrees true.
    pub cog_deg: f64,
    /// True heading, degrees, when known. Used only for relative bearings
    /// (which side of the bow a vessel is on); motion always uses COG.
    pub heading_deg: Option<f64>,
}

impl Kinematic {
    /// A vessel at (`lat_deg`, `lon_deg`) making `sog_kn` over ground on
    /// `cog_deg`, heading unknown.
    pub fn new(lat_deg: f64, lon_deg: f64, sog_kn: f64, cog_deg: f64) -> Self {
        Kinematic {
            lat_deg,
            lon_deg,
            sog_kn,
            cog_deg,
            heading_deg: None,
        }
    }

    /// The same vessel with a known true heading.
    pub fn with_heading(self, heading_deg: f64) -> Self {
        Kinematic {
            heading_deg: Some(heading_deg),
            ..self
        }
    }

    /// The same vessel on a hypothetical course (a trial manoeuvre). A known
    /// heading is turned by the same amount, keeping the drift angle.
    pub fn with_course(self, cog_deg: f64) -> Self {
        let delta = cog_deg - self.cog_deg;
        Kinematic {
            cog_deg: normalize_deg_360(cog_deg),
            heading_deg: self.heading_deg.map(|h| normalize_deg_360(h + delta)),
            ..self
        }
    }

    /// The same vessel at a hypothetical speed over ground.
    pub fn with_speed(self, sog_kn: f64) -> Self {
        Kinematic { sog_kn, ..self }
    }

    /// Heading when known, else course over ground: the direction of the bow
    /// used for relative bearings.
    pub fn heading_or_cog_deg(&self) -> f64 {
        self.heading_deg.unwrap_or(self.cog_deg)
    }

    /// True when position, speed and course are all finite numbers.
    pub fn is_finite(&self) -> bool {
        self.lat_deg.is_finite()
            && self.lon_deg.is_finite()
            && self.sog_kn.is_finite()
            && self.cog_deg.is_finite()
            && self.heading_deg.is_none_or(f64::is_finite)
    }

    /// True when the motion can be computed with: latitude, longitude,
    /// speed and course finite and the latitude within ±90°. (A non-finite
    /// heading only spoils relative bearings.)
    pub fn is_valid_motion(&self) -> bool {
        self.lat_deg.is_finite()
            && self.lat_deg.abs() <= 90.0
            && self.lon_deg.is_finite()
            && self.sog_kn.is_finite()
            && self.cog_deg.is_finite()
    }
}

/// Result of [`cpa`]: the predicted closest approach of a target to own ship
/// if both keep course and speed.
///
/// Non-finite inputs (or a latitude beyond ±90°) give NaN fields and `None`
/// bow crossing ([`Cpa::nan`]); a non-finite heading gives a NaN relative
/// bearing only.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Cpa {
    /// Current range own → target, nautical miles.
    pub range_nm: f64,
    /// Current true bearing of the target from own ship, degrees [0, 360).
    pub bearing_deg: f64,
    /// Bearing of the target relative to own's bow (heading, else COG),
    /// degrees [0, 360), clockwise: 90 is starboard beam.
    pub relative_bearing_deg: f64,
    /// Distance at the closest point of approach, nautical miles.
    pub cpa_nm: f64,
    /// Time to CPA, seconds; negative means the CPA is past (opening).
    /// Zero when the relative speed is ~0 (range constant).
    pub tcpa_s: f64,
    /// Own ship's position at CPA (latitude, degrees).
    pub own_cpa_lat_deg: f64,
    /// Own ship's position at CPA (longitude, degrees).
    pub own_cpa_lon_deg: f64,
    /// Target's position at CPA (latitude, degrees).
    pub target_cpa_lat_deg: f64,
    /// Target's position at CPA (longitude, degrees).
    pub target_cpa_lon_deg: f64,
    /// Midpoint of the two CPA positions (latitude, degrees).
    pub cpa_lat_deg: f64,
    /// Midpoint of the two CPA positions (longitude, degrees).
    pub cpa_lon_deg: f64,
    /// Bow crossing range: how far ahead of own ship the target will be at
    /// the moment it crosses own's track line (the line through own ship
    /// along COG, moving with her), nautical miles. `None` when the target
    /// does not cross ahead in the future (crosses astern, already crossed,
    /// moves parallel to own's track, or own is stopped).
    pub bcr_nm: Option<f64>,
    /// Time until that bow crossing, seconds (`Some` exactly when
    /// `bcr_nm` is).
    pub bct_s: Option<f64>,
}

impl Cpa {
    /// The result for input that cannot be computed with: every number NaN,
    /// no bow crossing.
    pub fn nan() -> Cpa {
        let n = f64::NAN;
        Cpa {
            range_nm: n,
            bearing_deg: n,
            relative_bearing_deg: n,
            cpa_nm: n,
            tcpa_s: n,
            own_cpa_lat_deg: n,
            own_cpa_lon_deg: n,
            target_cpa_lat_deg: n,
            target_cpa_lon_deg: n,
            cpa_lat_deg: n,
            cpa_lon_deg: n,
            bcr_nm: None,
            bct_s: None,
        }
    }
}

/// Constant-velocity closest approach of two relative-motion vectors:
/// returns `(cpa_m, tcpa_s)`.
pub(crate) fn closest_approach(r: (f64, f64), v: (f64, f64)) -> (f64, f64) {
    let v2 = v.0 * v.0 + v.1 * v.1;
    if v2.is_nan() {
        return (f64::NAN, f64::NAN);
    }
    // Squares and one square root: this is the inner loop of the advice
    // search (`hypot` is several times slower; ranges here are < 1e7 m).
    let range2 = r.0 * r.0 + r.1 * r.1;
    if v2 < RELATIVE_SPEED_EPS_MPS * RELATIVE_SPEED_EPS_MPS {
        return (range2.sqrt(), 0.0);
    }
    let tcpa = -(r.0 * v.0 + r.1 * v.1) / v2;
    let cross = r.0 * v.1 - r.1 * v.0;
    let cpa2 = cross * cross / v2;
    // CPA ≤ range up to rounding; a NaN stays NaN.
    let cpa = if cpa2 > range2 { range2 } else { cpa2 }.sqrt();
    (cpa, tcpa)
}

pub(crate) fn velocity(course_local_deg: f64, sog_kn: f64) -> (f64, f64) {
    let (s, c) = course_local_deg.to_radians().sin_cos();
    let mps = sog_kn * MPS_PER_KN;
    (mps * s, mps * c)
}

/// A target's geometry relative to own ship in their pair frame, with own
/// ship's course and speed left free: what a trial-manoeuvre search needs,
/// precomputed once per target.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Relative {
    /// Target minus own position, frame metres (east, north).
    pub r: (f64, f64),
    /// Target velocity in the frame, m/s.
    pub v_target: (f64, f64),
    /// Own ship's local north rotation in the frame, degrees.
    pub own_rotation_deg: f64,
}

impl Relative {
    pub fn new(own: &Kinematic, target: &Kinematic) -> (Self, LocalFrame, (f64, f64)) {
        let (rel, pair) = Relative::with_pair(own, target);
        (rel, pair.frame, pair.p1)
    }

    /// [`Relative::new`], keeping the pair's frame with both positions.
    fn with_pair(own: &Kinematic, target: &Kinematic) -> (Self, PairFrame) {
        let pair = PairFrame::new(own.lat_deg, own.lon_deg, target.lat_deg, target.lon_deg);
        let (p_own, p_tgt) = (pair.p1, pair.p2);
        let own_rotation_deg = pair.course_to_local_1(0.0);
        let tgt_course = pair.course_to_local_2(target.cog_deg);
        let rel = Relative {
            r: (p_tgt.0 - p_own.0, p_tgt.1 - p_own.1),
            v_target: velocity(tgt_course, target.sog_kn),
            own_rotation_deg,
        };
        (rel, pair)
    }

    /// Own velocity in the frame for a true course and speed.
    pub fn own_velocity(&self, own_cog_deg: f64, own_sog_kn: f64) -> (f64, f64) {
        velocity(own_cog_deg + self.own_rotation_deg, own_sog_kn)
    }

    /// The same geometry with the axes turned so that the frame's north is
    /// own ship's true north (`own_rotation_deg` becomes 0): own velocity is
    /// then `(sog·sin cog, sog·cos cog)` for every target, which lets a
    /// trial-manoeuvre search take one `sin_cos` per candidate course.
    pub fn in_own_axes(&self) -> Relative {
        let (s, c) = self.own_rotation_deg.to_radians().sin_cos();
        // A vector at frame bearing θ goes to bearing θ − rotation.
        let turn = |p: (f64, f64)| (p.0 * c - p.1 * s, p.0 * s + p.1 * c);
        Relative {
            r: turn(self.r),
            v_target: turn(self.v_target),
            own_rotation_deg: 0.0,
        }
    }
}

/// Smallest distance (m) over the time window `[0, horizon_s]` for relative
/// position `r` (m) and relative velocity `v` (m/s), with the unbounded
/// TCPA: `(min_distance_m, tcpa_s)`.
pub(crate) fn min_distance_within(r: (f64, f64), v: (f64, f64), horizon_s: f64) -> (f64, f64) {
    let (cpa, tcpa) = closest_approach(r, v);
    if tcpa > 0.0 && tcpa < horizon_s {
        (cpa, tcpa)
    } else {
        let t = if tcpa >= horizon_s { horizon_s } else { 0.0 };
        let (x, y) = (r.0 + v.0 * t, r.1 + v.1 * t);
        ((x * x + y * y).sqrt(), tcpa)
    }
}

/// Closest point of approach of `target` to `own`, both keeping course and
/// speed. See [`Cpa`] for the fields.
///
/// Computed in the tangent plane centred on the pair's midpoint (WGS84), so
/// it is correct across the ±180° meridian and at high latitude; range is the
/// geodesic distance ([`distance_m`]). Symmetric: `cpa(a, b)` and `cpa(b, a)`
/// give the same `cpa_nm` and `tcpa_s`.
///
/// ```
/// use finisterra_nav::cpa::{cpa, Kinematic};
/// // Head-on: 4 NM apart on the meridian, 10 kn each, closing at 20 kn.
/// let own = Kinematic::new(50.0, -5.0, 10.0, 0.0);
/// let target = Kinematic::new(50.0 + 4.0 / 60.0, -5.0, 10.0, 180.0);
/// let c = cpa(&own, &target);
/// assert!(c.cpa_nm < 0.01);
/// assert!((c.tcpa_s - 720.0).abs() < 2.0); // 4 NM at 20 kn = 12 min
/// ```
pub fn cpa(own: &Kinematic, target: &Kinematic) -> Cpa {
    if !own.is_valid_motion() || !target.is_valid_motion() {
        return Cpa::nan();
    }
    let Core {
        rel,
        frame,
        p_own,
        v_own,
        v,
        range_m,
        cpa_m,
        tcpa_s,
    } = Core::new(own, target);

    let frame_bearing = if rel.r == (0.0, 0.0) {
        0.0
    } else {
        rel.r.0.atan2(rel.r.1).to_degrees()
    };
    let bearing_deg = normalize_deg_360(frame_bearing - rel.own_rotation_deg);
    let relative_bearing_deg = normalize_deg_360(bearing_deg - own.heading_or_cog_deg());

    let po = (p_own.0 + v_own.0 * tcpa_s, p_own.1 + v_own.1 * tcpa_s);
    let pt = (
        p_own.0 + rel.r.0 + rel.v_target.0 * tcpa_s,
        p_own.1 + rel.r.1 + rel.v_target.1 * tcpa_s,
    );
    let (own_cpa_lat_deg, own_cpa_lon_deg) = frame.to_geo(po.0, po.1);
    let (target_cpa_lat_deg, target_cpa_lon_deg) = frame.to_geo(pt.0, pt.1);
    let (cpa_lat_deg, cpa_lon_deg) = frame.to_geo(0.5 * (po.0 + pt.0), 0.5 * (po.1 + pt.1));

    let (bcr_nm, bct_s) = match bow_crossing(rel.r, v, v_own) {
        Some((bcr_m, bct)) => (Some(bcr_m / METRES_PER_NM), Some(bct)),
        None => (None, None),
    };

    Cpa {
        range_nm: range_m / METRES_PER_NM,
        bearing_deg,
        relative_bearing_deg,
        cpa_nm: cpa_m / METRES_PER_NM,
        tcpa_s,
        own_cpa_lat_deg,
        own_cpa_lon_deg,
        target_cpa_lat_deg,
        target_cpa_lon_deg,
        cpa_lat_deg,
        cpa_lon_deg,
        bcr_nm,
        bct_s,
    }
}

/// What every closest approach starts from: the pair's frame, the
/// velocities, the range, CPA and TCPA.
struct Core {
    rel: Relative,
    frame: LocalFrame,
    p_own: (f64, f64),
    v_own: (f64, f64),
    /// Velocity of the target relative to own ship, m/s in the frame.
    v: (f64, f64),
    range_m: f64,
    cpa_m: f64,
    tcpa_s: f64,
}

impl Core {
    /// For two valid motions.
    fn new(own: &Kinematic, target: &Kinematic) -> Core {
        let (rel, pair) = Relative::with_pair(own, target);
        let v_own = rel.own_velocity(own.cog_deg, own.sog_kn);
        let v = (rel.v_target.0 - v_own.0, rel.v_target.1 - v_own.1);
        let (cpa_m, tcpa_s) = closest_approach(rel.r, v);
        // The same frame and points `distance_m` would build again.
        let range_m = pair.distance_m();
        let (frame, p_own) = (pair.frame, pair.p1);
        let v2 = v.0 * v.0 + v.1 * v.1;
        let cpa_m = if v2 < RELATIVE_SPEED_EPS_MPS * RELATIVE_SPEED_EPS_MPS {
            // Constant range: report the geodesic range for both.
            range_m
        } else {
            cpa_m
        };
        Core {
            rel,
            frame,
            p_own,
            v_own,
            v,
            range_m,
            cpa_m,
            tcpa_s,
        }
    }
}

/// `(range_nm, cpa_nm, tcpa_s)`, exactly as [`cpa`] gives them, without
/// the positions and bearings (what a ruling needs; NaN for an invalid
/// motion).
pub(crate) fn range_cpa_tcpa(own: &Kinematic, target: &Kinematic) -> (f64, f64, f64) {
    if !own.is_valid_motion() || !target.is_valid_motion() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let c = Core::new(own, target);
    (c.range_m / METRES_PER_NM, c.cpa_m / METRES_PER_NM, c.tcpa_s)
}

/// Where the target crosses own's (moving) track line ahead of her:
/// `(bcr_m, bct_s)`.
fn bow_crossing(r: (f64, f64), v: (f64, f64), v_own: (f64, f64)) -> Option<(f64, f64)> {
    let own_speed = v_own.0.hypot(v_own.1);
    if own_speed.is_nan() || own_speed < RELATIVE_SPEED_EPS_MPS {
        return None;
    }
    let u = (v_own.0 / own_speed, v_own.1 / own_speed);
    let cross = |a: (f64, f64), b: (f64, f64)| a.0 * b.1 - a.1 * b.0;
    let cv = cross(u, v);
    if cv.is_nan() || cv.abs() < RELATIVE_SPEED_EPS_MPS {
        return None;
    }
    let t = -cross(u, r) / cv;
    if t.is_nan() || t < 0.0 {
        return None;
    }
    let along = u.0 * (r.0 + v.0 * t) + u.1 * (r.1 + v.1 * t);
    if along > 0.0 {
        Some((along, t))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rulings' shortcut gives exactly the numbers of the full CPA.
    #[test]
    fn range_cpa_tcpa_is_exactly_what_cpa_gives() {
        let mut state: u64 = 0x0123_4567_89AB_CDEF;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for i in 0..20_000 {
            let own = Kinematic::new(
                -89.0 + 178.0 * next(),
                -180.0 + 360.0 * next(),
                30.0 * next(),
                360.0 * next(),
            );
            let target = if i % 10 == 0 {
                // Same course and speed (constant range), or invalid.
                Kinematic::new(own.lat_deg + 0.01, own.lon_deg, own.sog_kn, own.cog_deg)
            } else if i % 97 == 0 {
                Kinematic::new(f64::NAN, 0.0, 1.0, 0.0)
            } else {
                Kinematic::new(
                    (own.lat_deg + 2.0 * (next() - 0.5)).clamp(-89.9, 89.9),
                    own.lon_deg + 2.0 * (next() - 0.5),
                    30.0 * next(),
                    360.0 * next(),
                )
            };
            let c = cpa(&own, &target);
            let (r, d, t) = range_cpa_tcpa(&own, &target);
            assert_eq!(
                format!("{:?}", (c.range_nm, c.cpa_nm, c.tcpa_s)),
                format!("{:?}", (r, d, t)),
                "{own:?} {target:?}"
            );
        }
    }
}

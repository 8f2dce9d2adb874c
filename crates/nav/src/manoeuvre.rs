//! The manoeuvre as a ship makes it: own ship's track while she turns at a
//! finite rate and slows at a finite deceleration, and the smallest
//! distance from that track to a target that keeps course and speed.
//!
//! # Model
//!
//! A course alteration is a turn at a constant rate of turn until the new
//! course is reached, then a straight track. The rate comes from the ship's
//! steady turning radius, taken as [`AdviceConfig::turn_radius_lengths`]
//! ship lengths (IMO's manoeuvring standards, MSC.137(76), allow a tactical
//! diameter of up to five lengths: a steady radius of about 2.5 L), and is
//! capped at [`AdviceConfig::max_turn_deg_per_min`]: `ω = min(v / (k·L),
//! cap)`. Advance and transfer follow from the arc. A speed reduction is a
//! linear deceleration at [`AdviceConfig::deceleration_kn_per_min`] (a
//! loaded merchant ship takes minutes to lose half her speed) along the
//! present course. Both may happen together. The rudder's reaction time is
//! not modelled (a few seconds at most against minutes of horizon).
//!
//! The track during the manoeuvre is followed in chords of at most
//! [`CHORD_S`] seconds: between two chord ends own ship moves on a straight
//! line at constant velocity, so the closest approach on each chord is
//! exact for that chord. The chord lies inside the arc by at most
//! `R·(1 − cos(ω·Δt/2))` (under a metre for any real ship), and on a
//! speed reduction own ship is off the chord by at most `a·Δt²/8`
//! (centimetres): the distances are exact to about a metre.
//!
//! Frames: own ship at the origin, x east, y north, metres and m/s (the
//! own-axes frame of [`crate::cpa::Relative::in_own_axes`]).

use crate::advice::AdviceConfig;
use crate::cpa::{min_distance_within, velocity};
use crate::geo::MPS_PER_KN;

/// Longest chord of the manoeuvring track while turning, seconds.
pub const CHORD_S: f64 = 4.0;
/// Longest chord of a straight deceleration, seconds.
pub const STRAIGHT_CHORD_S: f64 = 20.0;

/// How own ship turns and slows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Handling {
    /// Rate of turn while altering course, degrees per second (positive;
    /// infinite for an instant change of course, as tests of the geometry
    /// alone use).
    pub turn_deg_s: f64,
    /// Deceleration while reducing speed, knots per second (positive;
    /// infinite for an instant change).
    pub decel_kn_s: f64,
}

impl Handling {
    /// A ship that takes up a new course or speed at once (the model before
    /// turning was modelled; for tests of the geometry).
    pub const INSTANT: Handling = Handling {
        turn_deg_s: f64::INFINITY,
        decel_kn_s: f64::INFINITY,
    };

    /// The handling of a ship of `length_m` (unknown: [`AdviceConfig::
    /// unknown_length_m`]) at `sog_kn`, from the advice settings.
    pub fn for_ship(length_m: Option<f64>, sog_kn: f64, cfg: &AdviceConfig) -> Handling {
        let length = length_m
            .filter(|l| l.is_finite() && *l >= 5.0)
            .unwrap_or(cfg.unknown_length_m)
            .max(5.0);
        let radius_m = (cfg.turn_radius_lengths * length).max(1.0);
        let v = (sog_kn.max(0.0)) * MPS_PER_KN;
        let from_radius = (v / radius_m).to_degrees();
        let cap = cfg.max_turn_deg_per_min / 60.0;
        // Below a knot or so the radius gives no useful rate: a ship with
        // steerage way still turns, slowly; take a tenth of the cap.
        let turn_deg_s = from_radius.min(cap).max(cap * 0.1);
        Handling {
            turn_deg_s,
            decel_kn_s: cfg.deceleration_kn_per_min / 60.0,
        }
    }

    /// Seconds to turn through `deg` degrees.
    pub fn turn_s(&self, deg: f64) -> f64 {
        if self.turn_deg_s.is_infinite() {
            0.0
        } else {
            deg.abs() / self.turn_deg_s
        }
    }

    /// Seconds to slow from `from_kn` to `to_kn`.
    pub fn slow_s(&self, from_kn: f64, to_kn: f64) -> f64 {
        if self.decel_kn_s.is_infinite() || to_kn >= from_kn {
            0.0
        } else {
            (from_kn - to_kn) / self.decel_kn_s
        }
    }
}

/// Own ship's track for one manoeuvre: chord ends during the manoeuvre,
/// then a straight run.
#[derive(Clone, Debug, Default)]
pub struct Track {
    /// `(t_s, x_m, y_m)` of each chord end, the first at `(0, 0, 0)`.
    pub points: Vec<(f64, f64, f64)>,
    /// Velocity after the manoeuvre (m/s, east and north).
    pub v_end: (f64, f64),
    /// Own ship's velocity along each chord (the one ending at the point
    /// of the same index; the first unused), once for every target.
    chord_v: Vec<(f64, f64)>,
}

impl Track {
    /// Own ship's track from course `cog_deg` at `sog_kn` when she turns by
    /// `signed_deg` (positive to starboard) and makes good `new_sog_kn`,
    /// both starting at once, up to `horizon_s`.
    pub fn new(
        cog_deg: f64,
        sog_kn: f64,
        signed_deg: f64,
        new_sog_kn: f64,
        handling: &Handling,
        horizon_s: f64,
    ) -> Track {
        let mut t = Track::default();
        t.build(cog_deg, sog_kn, signed_deg, new_sog_kn, handling, horizon_s);
        t
    }

    /// [`Track::new`] into this track's memory.
    pub fn build(
        &mut self,
        cog_deg: f64,
        sog_kn: f64,
        signed_deg: f64,
        new_sog_kn: f64,
        handling: &Handling,
        horizon_s: f64,
    ) {
        self.points.clear();
        self.points.push((0.0, 0.0, 0.0));
        self.chord_v.clear();
        self.chord_v.push((0.0, 0.0));
        let turn_s = handling.turn_s(signed_deg);
        let slow_s = handling.slow_s(sog_kn, new_sog_kn);
        let end_s = turn_s.max(slow_s).min(horizon_s.max(0.0));
        let heading = |t: f64| -> f64 {
            if t >= turn_s {
                cog_deg + signed_deg
            } else {
                cog_deg + signed_deg.signum() * handling.turn_deg_s * t
            }
        };
        let speed = |t: f64| -> f64 {
            if t >= slow_s {
                new_sog_kn
            } else {
                sog_kn - handling.decel_kn_s * t
            }
        };
        if end_s > 0.0 && end_s.is_finite() {
            let turning = handling.turn_deg_s.is_finite() && signed_deg != 0.0;
            // While turning, chords of at most CHORD_S (the arc); after the
            // turn, a straight deceleration in chords of at most
            // STRAIGHT_CHORD_S (off its chord by a·Δt²/8: under half a
            // metre at 1 kn/min).
            let arc_end = if turning { turn_s.min(end_s) } else { 0.0 };
            let n_arc = if arc_end > 0.0 {
                (arc_end / CHORD_S).ceil().max(1.0) as usize
            } else {
                0
            };
            let rest = end_s - arc_end;
            let n_rest = if rest > 0.0 {
                (rest / STRAIGHT_CHORD_S).ceil().max(1.0) as usize
            } else {
                0
            };
            let (mut x, mut y) = (0.0, 0.0);
            let mut t_prev = 0.0;
            let mut v0 = velocity(heading(0.0), speed(0.0));
            // After the turn the direction is fixed: one sine and cosine.
            let unit_end = velocity(cog_deg + signed_deg, 1.0);
            for k in 1..=(n_arc + n_rest) {
                let tk = if k <= n_arc {
                    arc_end * k as f64 / n_arc as f64
                } else {
                    arc_end + rest * (k - n_arc) as f64 / n_rest as f64
                };
                let dt = tk - t_prev;
                // The velocity at a chord end is needed only by a straight
                // chord after it (one sine and cosine saved per arc chord).
                let v1 = if k < n_arc {
                    v0
                } else if k == n_arc {
                    velocity(heading(tk), speed(tk))
                } else {
                    (unit_end.0 * speed(tk), unit_end.1 * speed(tk))
                };
                let (hx, hy) = if k <= n_arc {
                    // Chord of the arc: direction of the mean heading,
                    // length from the mean speed over the arc's length.
                    let h = 0.5 * (heading(t_prev) + heading(tk));
                    let sp = 0.5 * (speed(t_prev) + speed(tk));
                    let dh = (heading(tk) - heading(t_prev)).to_radians();
                    let chord = if dh.abs() < 1e-9 {
                        1.0
                    } else {
                        (2.0 * (dh / 2.0).sin() / dh).abs()
                    };
                    let v = velocity(h, sp * chord);
                    (v.0 * dt, v.1 * dt)
                } else {
                    // Straight: the mean of the velocities at the ends
                    // (exact for a constant deceleration).
                    (0.5 * (v0.0 + v1.0) * dt, 0.5 * (v0.1 + v1.1) * dt)
                };
                let from = (t_prev, x, y);
                x += hx;
                y += hy;
                self.points.push((tk, x, y));
                self.chord_v.push(chord_velocity(from, (tk, x, y)));
                v0 = v1;
                t_prev = tk;
            }
        }
        self.v_end = velocity(cog_deg + signed_deg, new_sog_kn);
    }

    /// Smallest distance (m) within `[0, horizon_s]` to a target at `r`
    /// (m, from own ship's start) moving at `v_target` (m/s).
    pub fn min_distance(&self, r: (f64, f64), v_target: (f64, f64), horizon_s: f64) -> f64 {
        let (mut best, end) = self.manoeuvre_min(r, v_target);
        let (t, x, y) = end;
        if horizon_s > t {
            let rel = (r.0 + v_target.0 * t - x, r.1 + v_target.1 * t - y);
            let v = (v_target.0 - self.v_end.0, v_target.1 - self.v_end.1);
            let (d, _) = min_distance_within(rel, v, horizon_s - t);
            if d.is_nan() || d < best {
                best = d;
            }
        }
        best
    }

    /// Smallest distance during the manoeuvre (the chords), with the last
    /// chord end.
    fn manoeuvre_min(&self, r: (f64, f64), v_target: (f64, f64)) -> (f64, (f64, f64, f64)) {
        self.manoeuvre_min_with(r, v_target, true)
    }

    /// [`Track::manoeuvre_min`], leaving out the chords that cannot be
    /// closer than the closest so far ([`chord_beyond`]) or not (the test
    /// that checks this changes nothing).
    fn manoeuvre_min_with(
        &self,
        r: (f64, f64),
        v_target: (f64, f64),
        skip: bool,
    ) -> (f64, (f64, f64, f64)) {
        let mut best = f64::INFINITY;
        let mut prev = (0.0, 0.0, 0.0);
        for (&(t, x, y), &(cx, cy)) in self.points.iter().zip(&self.chord_v).skip(1) {
            let dt = t - prev.0;
            let rel = (
                r.0 + v_target.0 * prev.0 - prev.1,
                r.1 + v_target.1 * prev.0 - prev.2,
            );
            // The chord's own velocity, (x − x₀)/dt as built.
            let v = (v_target.0 - cx, v_target.1 - cy);
            if !(skip && chord_beyond(rel, v, dt, best)) {
                let (d, _) = min_distance_within(rel, v, dt);
                if d.is_nan() || d < best {
                    best = d;
                }
            }
            prev = (t, x, y);
        }
        (best, prev)
    }

    /// Smallest distance during the manoeuvre alone, `None` for a track
    /// without one.
    pub fn manoeuvre_only(&self, r: (f64, f64), v_target: (f64, f64)) -> Option<f64> {
        (self.points.len() > 1).then(|| self.manoeuvre_min(r, v_target).0)
    }

    /// Where own ship is at `t_s` (on the chords, then the straight run).
    pub fn position(&self, t_s: f64) -> (f64, f64) {
        let mut prev = (0.0, 0.0, 0.0);
        for &(t, x, y) in self.points.iter().skip(1) {
            if t_s <= t {
                let f = (t_s - prev.0) / (t - prev.0);
                return (prev.1 + f * (x - prev.1), prev.2 + f * (y - prev.2));
            }
            prev = (t, x, y);
        }
        let dt = t_s - prev.0;
        (prev.1 + self.v_end.0 * dt, prev.2 + self.v_end.1 * dt)
    }
}

/// Own ship's velocity along the chord from chord end `a` to `b` (each
/// `(t_s, x_m, y_m)`): what a track's and an arc's chords are followed at,
/// worked out once for all targets.
fn chord_velocity(a: (f64, f64, f64), b: (f64, f64, f64)) -> (f64, f64) {
    let dt = b.0 - a.0;
    ((b.1 - a.1) / dt, (b.2 - a.2) / dt)
}

/// Whether a chord starting at `rel` (target minus own ship, m) with
/// relative velocity `v` (m/s) for `dt` s cannot come closer than `best`:
/// its start is further than `best` plus all it can close (`|v|·dt` is at
/// most `(|vx| + |vy|)·dt`), with a millimetre to spare for rounding — far
/// above it at these ranges. So skipping such a chord never changes a
/// minimum, nor its bits. Never for a `best` that is not finite.
#[inline]
fn chord_beyond(rel: (f64, f64), v: (f64, f64), dt: f64, best: f64) -> bool {
    if !best.is_finite() {
        return false;
    }
    let lim = best + (v.0.abs() + v.1.abs()) * dt + 1e-3;
    rel.0 * rel.0 + rel.1 * rel.1 > lim * lim
}

/// The closest a target at `r` (m, from own ship's start) moving at `v`
/// (m/s) can come to own ship within `[0, horizon_s]`, whatever own ship
/// steers at no more than `s_mps`: the minimum of `|r + v·t| − s·t` (own
/// ship is never further than `s·t` from where she started). A lower bound
/// of every manoeuvre's distance here: a [`Track`]'s or a [`Fan`]'s chords
/// are never longer than the arc they cut, nor faster than the speed they
/// start from. Computed without a quadratic's discriminant, whose rounding
/// would lose the closest point of a stationary own ship's target.
pub fn reach_lower_bound_m(r: (f64, f64), v: (f64, f64), s_mps: f64, horizon_s: f64) -> f64 {
    let s = s_mps.max(0.0);
    let h = horizon_s.max(0.0);
    let v2 = v.0 * v.0 + v.1 * v.1;
    let speed = v2.sqrt();
    if speed.is_nan() || speed <= 1e-9 {
        // A (nearly) still target: |r + v·t| ≥ |r| − |v|·t.
        return r.0.hypot(r.1) - (s + speed) * h;
    }
    // Along the target's relative track: |r + v·t|² = D² + |v|²·(t − t_c)²,
    // with D the distance of the line (from the cross product: no
    // cancellation) and t_c the time abeam. f(t) = |r + v·t| − s·t is
    // convex; its derivative |v|²·τ / √(D² + |v|²·τ²) − s (τ = t − t_c)
    // vanishes at τ* = s·D / (|v|·√(|v|² − s²)) when s < |v|, and is
    // negative everywhere otherwise: the minimum over [0, h] is f at τ*
    // clamped to the horizon, or at its end.
    let d = (r.0 * v.1 - r.1 * v.0).abs() / speed;
    let t_c = -(r.0 * v.0 + r.1 * v.1) / v2;
    let t = if s < speed {
        let tau = s * d / (speed * (v2 - s * s).sqrt());
        (t_c + tau).clamp(0.0, h)
    } else {
        h
    };
    let tau = t - t_c;
    (d * d + v2 * tau * tau).sqrt() - s * t
}

/// Every turn to one side at constant speed shares one arc: the turn to
/// `m°` is the arc up to `m°`, then a straight run. A fan follows the arc
/// once, in chords of at most [`CHORD_S`] with a chord end at every
/// candidate's new course, and keeps for each target the smallest distance
/// along the arc so far; a candidate then costs one closest approach on
/// its straight run per target instead of one per chord.
#[derive(Clone, Debug, Default)]
pub struct Fan {
    /// Turn magnitudes (degrees, ascending) of the chord ends, from 0.
    pub angles_deg: Vec<f64>,
    /// `(t_s, x_m, y_m)` of each chord end (own ship's start first).
    pub points: Vec<(f64, f64, f64)>,
    /// Own ship's velocity on the new course of each chord end (east,
    /// north, m/s), once for all targets.
    v_ends: Vec<(f64, f64)>,
    /// Own ship's velocity along each chord (the one ending at the point
    /// of the same index; the first unused), once for all targets.
    chord_v: Vec<(f64, f64)>,
    horizon_s: f64,
    turn_deg_s: f64,
}

impl Fan {
    /// The arc of turns to `sign` (+1 starboard, −1 port) from `cog_deg` at
    /// `sog_kn`, with chord ends at every magnitude of `candidates_deg`
    /// (ascending), for a ship turning at `handling`'s rate; `None` for an
    /// instant turn (no arc) or a rate that is not usable.
    pub fn new(
        cog_deg: f64,
        sog_kn: f64,
        sign: f64,
        candidates_deg: &[f64],
        handling: &Handling,
        horizon_s: f64,
    ) -> Option<Fan> {
        let w = handling.turn_deg_s;
        if !(w.is_finite() && w > 0.0 && sog_kn.is_finite() && horizon_s > 0.0) {
            return None;
        }
        let max_step_deg = (w * CHORD_S).max(1e-3);
        let mut angles = vec![0.0];
        for &m in candidates_deg {
            let last = *angles.last().unwrap_or(&0.0);
            if m.is_nan() || m <= last {
                continue;
            }
            let n = ((m - last) / max_step_deg).ceil().max(1.0) as usize;
            for k in 1..=n {
                angles.push(if k == n {
                    m
                } else {
                    last + (m - last) * k as f64 / n as f64
                });
            }
        }
        let mut points = Vec::with_capacity(angles.len());
        points.push((0.0, 0.0, 0.0));
        let (mut x, mut y) = (0.0, 0.0);
        for k in 1..angles.len() {
            let (a0, a1) = (angles[k - 1], angles[k]);
            let (t0, t1) = (a0 / w, a1 / w);
            let dh = (a1 - a0).to_radians();
            let chord = if dh.abs() < 1e-9 {
                1.0
            } else {
                2.0 * (dh / 2.0).sin() / dh
            };
            let v = velocity(cog_deg + sign * 0.5 * (a0 + a1), sog_kn * chord);
            x += v.0 * (t1 - t0);
            y += v.1 * (t1 - t0);
            points.push((t1, x, y));
        }
        let chord_v = std::iter::once((0.0, 0.0))
            .chain(points.windows(2).map(|p| chord_velocity(p[0], p[1])))
            .collect();
        let v_ends = angles
            .iter()
            .map(|a| velocity(cog_deg + sign * a, sog_kn))
            .collect();
        Some(Fan {
            angles_deg: angles,
            points,
            v_ends,
            chord_v,
            horizon_s,
            turn_deg_s: w,
        })
    }

    /// Index of the chord end of a turn of `magnitude_deg` (one of the
    /// candidates given).
    pub fn index_of(&self, magnitude_deg: f64) -> Option<usize> {
        self.angles_deg
            .binary_search_by(|a| a.total_cmp(&magnitude_deg))
            .ok()
    }

    /// For one target (at `r` m, moving at `v_target` m/s): the smallest
    /// distance along the arc up to each chord end, into `out` (one entry
    /// per chord end; the first is the range now). Chords beyond the
    /// horizon count only up to it.
    pub fn prefix_min(&self, r: (f64, f64), v_target: (f64, f64), out: &mut Vec<f64>) {
        out.clear();
        self.extend_prefix_min(r, v_target, out, self.points.len().saturating_sub(1));
    }

    /// [`Fan::prefix_min`] computed only as far as needed: extends `out`
    /// (the prefix minima of this target so far, possibly none) up to and
    /// including chord end `k`. The same numbers as the whole computation.
    pub fn extend_prefix_min(
        &self,
        r: (f64, f64),
        v_target: (f64, f64),
        out: &mut Vec<f64>,
        k: usize,
    ) {
        let mut len = out.len();
        out.resize(self.minima_len().max(len), f64::NAN);
        self.extend_prefix_min_in(r, v_target, out, &mut len, k);
        out.truncate(len);
    }

    /// Room [`Fan::extend_prefix_min_in`] needs for one target's minima.
    pub fn minima_len(&self) -> usize {
        self.points.len().max(1)
    }

    /// [`Fan::extend_prefix_min`] in place: `mins` (at least
    /// [`Fan::minima_len`] long) holds this target's prefix minima so far
    /// in its first `len`; they are extended up to and including chord end
    /// `k`, and `len` with them. No allocation: a search extends the
    /// minima of many targets a few chord ends at a time.
    pub fn extend_prefix_min_in(
        &self,
        r: (f64, f64),
        v_target: (f64, f64),
        mins: &mut [f64],
        len: &mut usize,
        k: usize,
    ) {
        if *len == 0 {
            mins[0] = r.0.hypot(r.1);
            *len = 1;
        }
        let upto = k.min(self.points.len().saturating_sub(1));
        let mut best = mins[*len - 1];
        for (i, slot) in mins.iter_mut().enumerate().take(upto + 1).skip(*len) {
            let ((t0, x0, y0), (t1, _, _)) = (self.points[i - 1], self.points[i]);
            if t0 < self.horizon_s {
                let dt = t1 - t0;
                let rel = (r.0 + v_target.0 * t0 - x0, r.1 + v_target.1 * t0 - y0);
                // The chord's own velocity, (x₁ − x₀)/dt as built.
                let (cx, cy) = self.chord_v[i];
                let v = (v_target.0 - cx, v_target.1 - cy);
                let span = dt.min(self.horizon_s - t0);
                if !chord_beyond(rel, v, span, best) {
                    let (d, _) = min_distance_within(rel, v, span);
                    if d.is_nan() || d < best {
                        best = d;
                    }
                }
            }
            *slot = best;
        }
        *len = (*len).max(upto + 1);
    }

    /// Smallest distance within the horizon for the turn ending at chord
    /// end `k` (its arc part from `prefix`, then the straight run).
    pub fn distance(&self, k: usize, prefix: f64, r: (f64, f64), v_target: (f64, f64)) -> f64 {
        let (t, x, y) = self.points[k];
        if t >= self.horizon_s {
            return prefix;
        }
        let v_end = self.v_ends[k];
        let rel = (r.0 + v_target.0 * t - x, r.1 + v_target.1 * t - y);
        let v = (v_target.0 - v_end.0, v_target.1 - v_end.1);
        let (d, _) = min_distance_within(rel, v, self.horizon_s - t);
        if d.is_nan() || d < prefix {
            d
        } else {
            prefix
        }
    }

    /// The rate of turn the fan was built with, degrees per second.
    pub fn turn_deg_s(&self) -> f64 {
        self.turn_deg_s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg() -> AdviceConfig {
        AdviceConfig::default()
    }

    #[test]
    fn rate_of_turn_from_length_and_speed() {
        let c = cfg();
        // 200 m at 15 kn: radius 500 m, 7.72 m/s → 0.88°/s (53°/min).
        let h = Handling::for_ship(Some(200.0), 15.0, &c);
        assert!((h.turn_deg_s - (15.0 * MPS_PER_KN / 500.0).to_degrees()).abs() < 1e-9);
        // A small fast boat is capped.
        let h = Handling::for_ship(Some(20.0), 30.0, &c);
        assert_eq!(h.turn_deg_s, c.max_turn_deg_per_min / 60.0);
        // Unknown length: the configured assumption.
        let u = Handling::for_ship(None, 15.0, &c);
        let k = Handling::for_ship(Some(c.unknown_length_m), 15.0, &c);
        assert_eq!(u, k);
    }

    /// The chords follow the arc: after a 90° turn the ship has advanced
    /// and transferred one turning radius.
    #[test]
    fn a_ninety_degree_turn_advances_and_transfers_one_radius() {
        let h = Handling {
            turn_deg_s: 1.0,
            decel_kn_s: f64::INFINITY,
        };
        let sog = 10.0;
        let radius = sog * MPS_PER_KN / 1f64.to_radians();
        let t = Track::new(0.0, sog, 90.0, sog, &h, 3600.0);
        let &(end_t, x, y) = t.points.last().unwrap();
        assert!((end_t - 90.0).abs() < 1e-9);
        // Advance (north) and transfer (east), each one radius.
        assert!((x - radius).abs() < 0.5, "{x} {radius}");
        assert!((y - radius).abs() < 0.5, "{y} {radius}");
        // To port, the transfer is west.
        let p = Track::new(0.0, sog, -90.0, sog, &h, 3600.0);
        let &(_, px, _) = p.points.last().unwrap();
        assert!((px + radius).abs() < 0.5);
    }

    #[test]
    fn instant_handling_is_the_straight_line() {
        let t = Track::new(30.0, 12.0, 40.0, 8.0, &Handling::INSTANT, 1800.0);
        assert_eq!(t.points.len(), 1);
        let v = velocity(70.0, 8.0);
        let r = (1000.0, 2000.0);
        let vt = (-3.0, 1.0);
        let (d, _) = min_distance_within(r, (vt.0 - v.0, vt.1 - v.1), 1800.0);
        assert_eq!(t.min_distance(r, vt, 1800.0), d);
    }

    /// A fan gives the distance a track of the same turn gives (to a metre:
    /// its chords differ), for every candidate and target.
    #[test]
    fn a_fan_agrees_with_the_tracks_of_its_turns() {
        let h = Handling {
            turn_deg_s: 0.7,
            decel_kn_s: f64::INFINITY,
        };
        let mags: Vec<f64> = (20..=90).map(f64::from).collect();
        for sign in [1.0, -1.0] {
            let fan = Fan::new(33.0, 13.0, sign, &mags, &h, 1800.0).unwrap();
            for (r, vt) in [
                ((1500.0, 3000.0), (-4.0, -2.0)),
                ((-2500.0, 800.0), (3.0, 0.5)),
                ((100.0, 6000.0), (0.0, -6.0)),
            ] {
                let mut prefix = Vec::new();
                fan.prefix_min(r, vt, &mut prefix);
                for &m in &mags {
                    let k = fan.index_of(m).unwrap();
                    let d = fan.distance(k, prefix[k], r, vt);
                    let t = Track::new(33.0, 13.0, sign * m, 13.0, &h, 1800.0);
                    let e = t.min_distance(r, vt, 1800.0);
                    assert!((d - e).abs() < 1.0, "{sign} {m}: {d} vs {e}");
                }
            }
        }
    }

    /// The distance along the chords agrees with a fine time-stepped
    /// simulation of the same turn (as the simulator makes it) to a metre.
    /// The prefix minima followed as far as asked, in any steps, are the
    /// numbers of the whole arc, bit for bit.
    #[test]
    fn prefix_minima_in_steps_are_the_whole_ones() {
        let h = Handling {
            turn_deg_s: 0.7,
            decel_kn_s: 0.02,
        };
        let mags: Vec<f64> = (20..=90).map(f64::from).collect();
        let fan = Fan::new(35.0, 16.0, -1.0, &mags, &h, 1800.0).expect("a fan");
        let n = fan.points.len();
        for (r, v) in [
            ((2500.0, 4000.0), (-3.0, -5.0)),
            ((-800.0, 300.0), (6.0, 0.5)),
            ((0.0, 0.0), (0.0, 0.0)),
        ] {
            let mut whole = Vec::new();
            fan.prefix_min(r, v, &mut whole);
            assert_eq!(whole.len(), n);
            let mut steps = Vec::new();
            for k in [0, 3, 3, 17, 40, n - 1, n + 5] {
                fan.extend_prefix_min(r, v, &mut steps, k);
                let upto = k.min(n - 1);
                assert_eq!(steps.len(), upto + 1);
                assert_eq!(
                    steps.iter().map(|d| d.to_bits()).collect::<Vec<_>>(),
                    whole[..=upto]
                        .iter()
                        .map(|d| d.to_bits())
                        .collect::<Vec<_>>()
                );
            }
        }
    }

    #[test]
    fn distances_agree_with_a_fine_time_step() {
        let h = Handling {
            turn_deg_s: 0.5,
            decel_kn_s: 0.05,
        };
        let t = Track::new(10.0, 14.0, 75.0, 6.0, &h, 1200.0);
        let r = (900.0, 2500.0);
        let vt = (-2.0, -4.0);
        let fine = {
            let (mut x, mut y, mut hd, mut s) = (0.0f64, 0.0f64, 10.0f64, 14.0f64);
            let dt = 0.01;
            let mut best = f64::INFINITY;
            let mut time = 0.0;
            while time <= 1200.0 {
                let tx = r.0 + vt.0 * time - x;
                let ty = r.1 + vt.1 * time - y;
                best = best.min(tx.hypot(ty));
                let hd1 = (hd + h.turn_deg_s * dt).min(85.0);
                let s1 = (s - h.decel_kn_s * dt).max(6.0);
                let v = velocity(0.5 * (hd + hd1), 0.5 * (s + s1));
                x += v.0 * dt;
                y += v.1 * dt;
                hd = hd1;
                s = s1;
                time += dt;
            }
            best
        };
        let ours = t.min_distance(r, vt, 1200.0);
        assert!((ours - fine).abs() < 1.0, "{ours} {fine}");
        // The position at a time on the arc agrees as well.
        let p = t.position(60.0);
        assert!(p.0.is_finite() && p.1 > 0.0);
    }

    /// The reach bound is the minimum of `|r + v·t| − s·t` (checked against
    /// a fine sampling), including a still own ship whose target passes
    /// close mid-horizon, where a quadratic's discriminant is zero and its
    /// rounding lost the closest point.
    #[test]
    fn the_reach_bound_is_the_minimum_over_the_horizon() {
        let sampled = |r: (f64, f64), v: (f64, f64), s: f64, h: f64| {
            (0..=200_000)
                .map(|i| {
                    let t = h * i as f64 / 200_000.0;
                    (r.0 + v.0 * t).hypot(r.1 + v.1 * t) - s * t
                })
                .fold(f64::INFINITY, f64::min)
        };
        let cases = [
            // Still own ship; the target passes 100 m off at t = 500 s.
            ((-5000.0, 100.0), (10.0, 0.0), 0.0, 1200.0),
            // The same with numbers whose discriminant rounds below zero
            // (the quadratic this replaced put the bound at 538 m, not 396).
            (
                (-8720.63286549286, -159.94980998558657),
                (7.549316930639579, 0.48221636582168115),
                0.0,
                1200.0,
            ),
            ((-5000.0, 100.0), (10.0, 0.0), 3.0, 1200.0),
            ((2500.0, 4000.0), (-3.0, -5.0), 8.0, 1800.0),
            // Own ship faster than the closing speed: the end of the horizon.
            ((3000.0, 0.0), (1.0, 0.0), 6.0, 600.0),
            // A still target.
            ((3000.0, 400.0), (0.0, 0.0), 5.0, 600.0),
            // Opening: the start.
            ((3000.0, 400.0), (4.0, 1.0), 1.0, 600.0),
        ];
        for (r, v, s, h) in cases {
            let lb = reach_lower_bound_m(r, v, s, h);
            let m = sampled(r, v, s, h);
            assert!(lb <= m + 1e-6, "{r:?} {v:?} {s} {h}: {lb} above {m}");
            assert!(lb >= m - 0.01, "{r:?} {v:?} {s} {h}: {lb} far below {m}");
        }
        assert!(
            (reach_lower_bound_m((-5000.0, 100.0), (10.0, 0.0), 0.0, 1200.0) - 100.0).abs() < 1e-6
        );
    }

    proptest::proptest! {
        /// No track or fan of own ship at no more than her speed comes
        /// closer to a target than the reach bound (the advice search leaves
        /// out the targets whose bound is beyond the closest so far).
        #[test]
        fn no_manoeuvre_comes_closer_than_the_reach_bound(
            rx in -20_000.0f64..20_000.0, ry in -20_000.0f64..20_000.0,
            vx in -12.0f64..12.0, vy in -12.0f64..12.0,
            cog in 0.0f64..360.0, sog in 0.0f64..25.0,
            turn in -120.0f64..120.0, slow in 0.0f64..1.0,
            rate in 0.05f64..3.0,
        ) {
            let h = Handling { turn_deg_s: rate, decel_kn_s: 0.02 };
            let horizon = 1200.0;
            let s = sog * MPS_PER_KN;
            let lb = reach_lower_bound_m((rx, ry), (vx, vy), s, horizon);
            let t = Track::new(cog, sog, turn, sog * slow, &h, horizon);
            let d = t.min_distance((rx, ry), (vx, vy), horizon);
            proptest::prop_assert!(d >= lb - 1e-6, "track {} below the bound {}", d, lb);
            let mag = turn.abs().max(1.0);
            let sign = if turn < 0.0 { -1.0 } else { 1.0 };
            if let Some(fan) = Fan::new(cog, sog, sign, &[mag], &h, horizon) {
                let mut mins = Vec::new();
                fan.prefix_min((rx, ry), (vx, vy), &mut mins);
                let k = fan.index_of(mag).expect("the candidate's chord end");
                let d = fan.distance(k, mins[k], (rx, ry), (vx, vy));
                proptest::prop_assert!(d >= lb - 1e-6, "fan {} below the bound {}", d, lb);
            }
        }
    }

    proptest::proptest! {
        /// Leaving out the chords that cannot be closer than the closest so
        /// far changes no distance, bit for bit: a track's against the same
        /// track looking at every chord, a fan's prefix minima against every
        /// chord's closest approach folded in turn.
        #[test]
        fn far_chords_left_out_change_no_bit(
            rx in -20_000.0f64..20_000.0, ry in -20_000.0f64..20_000.0,
            vx in -12.0f64..12.0, vy in -12.0f64..12.0,
            cog in 0.0f64..360.0, sog in 0.5f64..25.0,
            turn in -120.0f64..120.0, slow in 0.0f64..1.0,
            rate in 0.05f64..3.0,
        ) {
            let h = Handling { turn_deg_s: rate, decel_kn_s: 0.02 };
            let horizon = 1200.0;
            let (r, v) = ((rx, ry), (vx, vy));
            let t = Track::new(cog, sog, turn, sog * slow, &h, horizon);
            let (a, ea) = t.manoeuvre_min_with(r, v, true);
            let (b, eb) = t.manoeuvre_min_with(r, v, false);
            proptest::prop_assert_eq!(a.to_bits(), b.to_bits());
            proptest::prop_assert_eq!(ea, eb);
            let sign = if turn < 0.0 { -1.0 } else { 1.0 };
            let mags: Vec<f64> = (1..=120).map(f64::from).collect();
            if let Some(fan) = Fan::new(cog, sog, sign, &mags, &h, horizon) {
                let mut mins = Vec::new();
                fan.prefix_min(r, v, &mut mins);
                let mut best = r.0.hypot(r.1);
                proptest::prop_assert_eq!(mins[0].to_bits(), best.to_bits());
                for (i, pair) in fan.points.windows(2).enumerate() {
                    let ((t0, x0, y0), (t1, x1, y1)) = (pair[0], pair[1]);
                    if t0 < horizon {
                        let dt = t1 - t0;
                        let rel = (r.0 + v.0 * t0 - x0, r.1 + v.1 * t0 - y0);
                        let w = (v.0 - (x1 - x0) / dt, v.1 - (y1 - y0) / dt);
                        let (d, _) = min_distance_within(rel, w, dt.min(horizon - t0));
                        if d.is_nan() || d < best {
                            best = d;
                        }
                    }
                    proptest::prop_assert_eq!(mins[i + 1].to_bits(), best.to_bits());
                }
            }
        }
    }
}

//! Avoidance advice: the smallest readily apparent course alteration, or
//! speed reduction, that makes own ship pass every nearby vessel at a safe
//! distance.
//!
//! # Method
//!
//! Every target is assumed to keep course and speed; own ship is assumed to
//! take up the new course or speed at once (no turning circle, no
//! deceleration — add a margin to [`AdviceConfig::pass_nm`] for large
//! ships). For each candidate own velocity the crate computes, against
//! **every** target, the smallest distance over the next
//! [`AdviceConfig::horizon_s`] seconds (the CPA if it falls inside the
//! window, else the range at the window's edge). A candidate is sufficient
//! when that minimum is at least the passing distance for all targets.
//!
//! Candidates are tried in order of size — course alterations from
//! [`AdviceConfig::min_alteration_deg`] (Rule 8(b): large enough to be
//! readily apparent) up to [`AdviceConfig::max_alteration_deg`] in
//! [`AdviceConfig::step_deg`] steps, on the sides the rules permit
//! ([`Permitted`]); speeds from the smallest apparent reduction down to a
//! stop. Each candidate is checked on its own against all targets: safety
//! is **not** assumed to grow with the size of the manoeuvre (it does not:
//! a larger turn can run into another vessel), so the first sufficient
//! candidate is the smallest sufficient one.
//!
//! Where own ship gives way in a crossing, candidates that would take her
//! across the target's bow are put aside (Rule 15: "avoid crossing ahead of
//! the other vessel") and used only when no candidate passes astern; the
//! advice then says `crosses_ahead: true`.
//!
//! When nothing within the limits is sufficient, the candidate with the
//! largest minimum distance is returned with `sufficient: false`.
//!
//! The geometry of every target relative to own ship is computed once
//! (tangent plane, meridian convergence); a candidate then costs one
//! `sin_cos` plus a few multiplications and a square root per target
//! (about 8 ns). A full search — 142 course and 13 speed candidates
//! against 20 targets — takes about 30 µs in a release build, 6 µs of it
//! the per-target geometry (`search_is_fast` test).

use std::cell::RefCell;

use serde::{Deserialize, Serialize};

use crate::colregs::{classify, ColregsConfig, Duty, Encounter, GiveWay, Role, Rule, Ruling};
use crate::cpa::{velocity, Kinematic, Relative, RELATIVE_SPEED_EPS_MPS};
use crate::geo::{normalize_deg_360, METRES_PER_NM, MPS_PER_KN};
use crate::manoeuvre::{reach_lower_bound_m, Fan, Handling, Track};

/// Upper bound on the number of candidates one search evaluates (guards
/// against a tiny or hostile step size).
pub const MAX_CANDIDATES: usize = 100_000;

/// Which way own ship may turn.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sides {
    /// Starboard only (Rules 14, 15, 17(c); under Rule 19, "no alteration
    /// to port" for a vessel forward of the beam, or "away from" a vessel
    /// abeam or abaft the port beam).
    Starboard,
    /// Port only (for callers with their own reasons, e.g. a shoal to
    /// starboard; under Rule 19, "away from" a vessel abeam or abaft the
    /// starboard beam).
    Port,
    /// Either side, whichever needs the smaller alteration (starboard on a
    /// tie).
    Either,
    /// Starboard if any starboard alteration within the limits works, else
    /// port (overtaking, Rule 13: either side, starboard customary).
    PreferStarboard,
}

impl Sides {
    /// The stricter of two permissions: a required side wins over a
    /// preference, a preference over "either". Starboard wins over port.
    pub fn combine(self, other: Sides) -> Sides {
        use Sides::*;
        match (self, other) {
            (Starboard, _) | (_, Starboard) => Starboard,
            (Port, _) | (_, Port) => Port,
            (PreferStarboard, _) | (_, PreferStarboard) => PreferStarboard,
            (Either, Either) => Either,
        }
    }
}

/// What the rules let own ship do about a target (or several).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Permitted {
    /// Sides own ship may turn to.
    pub sides: Sides,
    /// Whether reducing speed is an acceptable alternative. False in a
    /// head-on situation (Rule 14 asks each vessel to alter course to
    /// starboard) and for a vessel being overtaken (slowing lets the
    /// overtaking vessel run up on her).
    pub speed_reduction: bool,
}

impl Permitted {
    /// What a single ruling permits own ship, if she acts at all; `None`
    /// without risk, without a steering duty on either ship, or when own
    /// ship is not under way.
    ///
    /// * own ship gives way — head-on geometry: starboard, no speed
    ///   alternative; crossing with the target on the starboard side (or
    ///   ahead): starboard (Rule 15); crossing with the target on the port
    ///   side (a Rule 18 duty): either side; overtaking or target not under
    ///   way: prefer starboard, either allowed;
    /// * both give way — Rule 14 / 14(c): starboard only, no speed
    ///   alternative; Rule 12 (two sailing vessels): prefer starboard;
    /// * own ship stands on — crossing or meeting with the target on the
    ///   port side: starboard only (Rule 17(c)); otherwise prefer starboard;
    ///   being overtaken: either side, no speed reduction;
    /// * restricted visibility (Rule 19(d), see [`Permitted::rule19`]).
    pub fn for_ruling(r: &Ruling) -> Option<Permitted> {
        if !r.risk {
            return None;
        }
        if r.rule == Some(Rule::R19d) {
            return Permitted::rule19(r);
        }
        let target_to_port = r.target_relative_bearing_deg < 0.0;
        let p = |sides, speed_reduction| {
            Some(Permitted {
                sides,
                speed_reduction,
            })
        };
        match r.give_way {
            GiveWay::Neither => None,
            GiveWay::Both => match r.rule {
                Some(Rule::R12) => p(Sides::PreferStarboard, true),
                _ => p(Sides::Starboard, false),
            },
            GiveWay::Own => match r.encounter {
                Encounter::HeadOn => p(Sides::Starboard, false),
                Encounter::Crossing if target_to_port => p(Sides::Either, true),
                Encounter::Crossing => p(Sides::Starboard, true),
                Encounter::Overtaking | Encounter::NotUnderWay => p(Sides::PreferStarboard, true),
                Encounter::None => None,
            },
            GiveWay::Target => match r.encounter {
                Encounter::Overtaking => p(Sides::Either, false),
                Encounter::Crossing | Encounter::HeadOn if target_to_port => {
                    p(Sides::Starboard, true)
                }
                Encounter::Crossing | Encounter::HeadOn => p(Sides::PreferStarboard, true),
                Encounter::NotUnderWay | Encounter::None => None,
            },
        }
    }

    /// What a Rule 19 ruling permits own ship (`None` when she is not to
    /// act: not under way). Speed reduction is always allowed (19(e)).
    ///
    /// * target forward of the beam (`|β| < 90°`), own ship not overtaking
    ///   it: starboard only — no alteration to port (19(d)(i));
    /// * own ship overtaking the target: either side (19(d)(i) excepts
    ///   "a vessel being overtaken");
    /// * target abeam or abaft the beam: away from its side — port for a
    ///   target to starboard, starboard for one to port (19(d)(ii)); either
    ///   side for one dead astern (`|β| ≥` [`crate::colregs::ASTERN_DEG`]).
    ///
    /// A starboard-only and a port-only permission from two targets
    /// contradict each other: [`Sides::combine`] would keep starboard, which
    /// turns towards one of them. [`crate::conditions::advise_in`] then
    /// advises no alteration of course, only the speed reduction.
    pub fn rule19(r: &Ruling) -> Option<Permitted> {
        if !r.risk || !matches!(r.give_way, GiveWay::Own | GiveWay::Both) {
            return None;
        }
        let beta = r.target_relative_bearing_deg;
        let sides = if r.own_overtaking() {
            Sides::Either
        } else if beta.abs() < 90.0 {
            Sides::Starboard
        } else if beta.abs() >= crate::colregs::ASTERN_DEG {
            Sides::Either
        } else if beta > 0.0 {
            Sides::Port
        } else {
            Sides::Starboard
        };
        Some(Permitted {
            sides,
            speed_reduction: true,
        })
    }

    /// Both permissions at once: the stricter side, speed only if both allow.
    pub fn combine(self, other: Permitted) -> Permitted {
        Permitted {
            sides: self.sides.combine(other.sides),
            speed_reduction: self.speed_reduction && other.speed_reduction,
        }
    }
}

/// Limits of the search. Serde fills missing fields with the defaults.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AdviceConfig {
    /// Required passing distance to every target, nautical miles. Default
    /// 1.0 NM: the r_min of Woerner/AutoVerification (1000 m ≈ 0.54 NM)
    /// with margin for an instantaneous-turn model, and the low end of
    /// open-sea practice (1–2 NM).
    pub pass_nm: f64,
    /// Look-ahead window, seconds. Default 1800 s (30 min, OpenCPN's TCPA
    /// limit): encounters predicted beyond it do not constrain the advice.
    pub horizon_s: f64,
    /// Smallest course alteration offered, degrees. Default 20°: Rule 8(b)
    /// "readily apparent" — Cockcroft & Lameijer say alterations under 10°
    /// are unlikely to be noticed; research evaluators use 30°. 20° is the
    /// smallest change a radar observer reliably sees within a few minutes.
    pub min_alteration_deg: f64,
    /// Largest course alteration offered, degrees. Default 90°.
    pub max_alteration_deg: f64,
    /// Step between candidate alterations, degrees. Default 1°.
    pub step_deg: f64,
    /// Smallest speed reduction offered, as a fraction of the present speed
    /// over ground. Default 0.5: speed changes are slow to be noticed
    /// (Cockcroft & Lameijer), and AutoVerification's "readily apparent"
    /// reduction is 50 %.
    pub min_speed_reduction: f64,
    /// Step between candidate speeds, knots. Default 0.5 kn.
    pub speed_step_kn: f64,
    /// Own ship's steady turning radius, in ship lengths. Default 2.5: IMO's
    /// manoeuvring standards (MSC.137(76)) allow a tactical diameter of up
    /// to five lengths. See [`crate::manoeuvre`].
    pub turn_radius_lengths: f64,
    /// Largest rate of turn assumed, degrees per minute. Default 60 (the
    /// simulator's default; a small fast vessel turns faster, and is
    /// advised as if she did not).
    pub max_turn_deg_per_min: f64,
    /// Length assumed when own ship's is unknown, metres. Default 300 m
    /// (a longer ship turns more slowly: assuming a large one is the safe
    /// side).
    pub unknown_length_m: f64,
    /// Deceleration assumed for a speed reduction, knots per minute.
    /// Default 1 kn/min: a merchant ship takes minutes to lose half her
    /// speed (Rule 8(e) speaks of slackening speed "if necessary", and
    /// Cockcroft & Lameijer of speed changes being slow to take effect).
    pub deceleration_kn_per_min: f64,
}

impl Default for AdviceConfig {
    fn default() -> Self {
        AdviceConfig {
            pass_nm: 1.0,
            horizon_s: 1800.0,
            min_alteration_deg: 20.0,
            max_alteration_deg: 90.0,
            step_deg: 1.0,
            min_speed_reduction: 0.5,
            speed_step_kn: 0.5,
            turn_radius_lengths: 2.5,
            max_turn_deg_per_min: 60.0,
            unknown_length_m: 300.0,
            deceleration_kn_per_min: 1.0,
        }
    }
}

/// The kind of manoeuvre advised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Keep course and speed (nothing required, or already clear).
    KeepCourseAndSpeed,
    /// Alter course.
    AlterCourse,
    /// Reduce speed (course unchanged).
    ReduceSpeed,
    /// Alter course and reduce speed together (offered only when neither
    /// suffices alone).
    AlterCourseAndReduceSpeed,
}

/// Direction of a course alteration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Clockwise.
    Starboard,
    /// Counter-clockwise.
    Port,
    /// No course change.
    None,
}

/// One manoeuvre and its predicted result against all targets.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Advice {
    /// What to do.
    pub action: Action,
    /// Which way to turn ([`Direction::None`] unless altering course).
    pub direction: Direction,
    /// Size of the course alteration, degrees (0 unless altering course).
    pub alteration_deg: f64,
    /// Course over ground to steer after the manoeuvre, degrees true.
    pub new_cog_deg: f64,
    /// Speed over ground after the manoeuvre, knots; `Some` exactly for
    /// [`Action::ReduceSpeed`] and [`Action::AlterCourseAndReduceSpeed`].
    pub new_sog_kn: Option<f64>,
    /// Smallest predicted distance to any target within the horizon,
    /// nautical miles (infinite with no targets).
    pub resulting_cpa_nm: f64,
    /// Index (into the targets given) of the target that sets
    /// `resulting_cpa_nm`.
    pub limiting_target: Option<usize>,
    /// True when `resulting_cpa_nm` is at least the passing distance.
    pub sufficient: bool,
    /// True when the manoeuvre takes own ship across the bow of a vessel
    /// she gives way to in a crossing (only advised when no candidate
    /// passes astern).
    pub crosses_ahead: bool,
    /// True when the new track stands into a fixed danger (see
    /// [`FixedDangers`]); such a manoeuvre is never called sufficient.
    pub into_danger: bool,
}

/// The advice for own ship: her duty, what the rules permit, the course
/// alteration and the speed alternative.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Plan {
    /// The most urgent duty towards any target.
    pub duty: Duty,
    /// What the rulings permit (`None` when no target is at risk).
    pub permitted: Option<Permitted>,
    /// The course alteration (or keep course and speed when nothing is
    /// required or the present course is already clear).
    pub course: Advice,
    /// The speed reduction alternative, when the rules allow one and action
    /// is required.
    pub speed: Option<Advice>,
    /// A course alteration with a speed reduction, searched only when
    /// neither suffices alone (and the rules allow slowing).
    pub combined: Option<Advice>,
    /// Targets left out because their numbers were not finite.
    pub ignored_targets: usize,
}

impl Plan {
    /// The advice to give first: the course alteration when it is
    /// sufficient or no speed alternative is, else the speed reduction
    /// (Rule 8(c): alteration of course alone may be the most effective).
    pub fn recommended(&self) -> &Advice {
        if self.course.sufficient {
            return &self.course;
        }
        if let Some(s) = self.speed.as_ref().filter(|s| s.sufficient) {
            return s;
        }
        if let Some(c) = self.combined.as_ref().filter(|c| c.sufficient) {
            return c;
        }
        // Nothing suffices: the best available, clear of fixed dangers
        // first, then the largest distance.
        let rank = |a: &Advice| (!a.into_danger, a.resulting_cpa_nm);
        let mut best = &self.course;
        for a in [self.speed.as_ref(), self.combined.as_ref()]
            .into_iter()
            .flatten()
        {
            let (ca, da) = rank(a);
            let (cb, db) = rank(best);
            if (ca && !cb) || (ca == cb && da > db) {
                best = a;
            }
        }
        best
    }

    /// True when the duty asks own ship to act now (give way, or stand-on
    /// vessel that must act) — `MayAct` is advisory.
    pub fn action_required(&self) -> bool {
        matches!(self.duty, Duty::GiveWay | Duty::MustAct)
    }
}

/// A target for [`plan`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct AdviceTarget {
    /// Position and motion; assumed to keep course and speed.
    pub kinematic: Kinematic,
    /// Prefer passing astern of this target (own ship gives way to it in a
    /// crossing, Rule 15).
    pub pass_astern: bool,
}

/// Result of [`smallest_alteration`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Alteration {
    /// Which way.
    pub direction: Direction,
    /// How much, degrees (positive).
    pub alteration_deg: f64,
    /// The new course, degrees true in [0, 360).
    pub new_cog_deg: f64,
    /// The clearance the predicate returned for it.
    pub clearance: f64,
}

/// Candidate alterations, in search order, as signed degrees (positive to
/// starboard).
fn course_candidates(
    sides: Sides,
    min_deg: f64,
    max_deg: f64,
    step_deg: f64,
) -> impl Iterator<Item = f64> {
    let valid = min_deg.is_finite()
        && max_deg.is_finite()
        && step_deg.is_finite()
        && step_deg > 0.0
        && min_deg >= 0.0
        && max_deg >= min_deg;
    let n = if valid {
        // Number of steps including both ends (the last one clamped to max).
        let k = ((max_deg - min_deg) / step_deg - 1e-9).ceil().max(0.0);
        (k.min(MAX_CANDIDATES as f64) as usize + 1).min(MAX_CANDIDATES / 2)
    } else {
        0
    };
    let mag = move |i: usize| (min_deg + i as f64 * step_deg).min(max_deg);
    let (first, second): (f64, f64) = match sides {
        Sides::Starboard => (1.0, 0.0),
        Sides::Port => (-1.0, 0.0),
        Sides::Either | Sides::PreferStarboard => (1.0, -1.0),
    };
    let interleave = sides == Sides::Either;
    let two = second != 0.0;
    let total = if two { 2 * n } else { n };
    (0..total).filter_map(move |j| {
        let (i, sign) = if !two {
            (j, first)
        } else if interleave {
            (j / 2, if j % 2 == 0 { first } else { second })
        } else if j < n {
            (j, first)
        } else {
            (j - n, second)
        };
        let d = mag(i);
        // A zero alteration is the same on both sides; try it once.
        if d == 0.0 && sign < 0.0 && two {
            None
        } else {
            Some(sign * d)
        }
    })
}

/// Smallest course alteration, to the permitted sides, for which
/// `predicate(new_cog_deg)` returns `Some(clearance)`: a generic search for
/// callers with their own notion of safety (for example depth along the new
/// track). Tries `min_deg`, `min_deg + step_deg`, … up to `max_deg`
/// (inclusive) in the order given by `sides`, and stops at the first
/// success. `None` when nothing succeeds or the limits are not usable
/// (non-finite, negative, `step_deg ≤ 0`, `min_deg > max_deg`).
///
/// ```
/// use finisterra_nav::advice::{smallest_alteration, Direction, Sides};
/// // Anything between 040 and 060 is clear of a shoal; own ship steers 010.
/// let a = smallest_alteration(10.0, Sides::Either, 20.0, 90.0, 1.0, |cog| {
///     (40.0..=60.0).contains(&cog).then_some(1.0)
/// })
/// .unwrap();
/// assert_eq!(a.direction, Direction::Starboard);
/// assert_eq!(a.alteration_deg, 30.0);
/// ```
pub fn smallest_alteration<F>(
    cog_deg: f64,
    sides: Sides,
    min_deg: f64,
    max_deg: f64,
    step_deg: f64,
    mut predicate: F,
) -> Option<Alteration>
where
    F: FnMut(f64) -> Option<f64>,
{
    if !cog_deg.is_finite() {
        return None;
    }
    for signed in course_candidates(sides, min_deg, max_deg, step_deg) {
        let new_cog_deg = normalize_deg_360(cog_deg + signed);
        if let Some(clearance) = predicate(new_cog_deg) {
            return Some(Alteration {
                direction: direction_of(signed),
                alteration_deg: signed.abs(),
                new_cog_deg,
                clearance,
            });
        }
    }
    None
}

fn direction_of(signed_deg: f64) -> Direction {
    if signed_deg > 0.0 {
        Direction::Starboard
    } else if signed_deg < 0.0 {
        Direction::Port
    } else {
        Direction::None
    }
}

/// Precomputed geometry of one target in own ship's true-north axes.
#[derive(Clone, Copy, Debug)]
struct Geom {
    /// Index of the target in the list given to [`plan`].
    target: usize,
    r: (f64, f64),
    v_target: (f64, f64),
    /// Unit vector of the target's motion, when she is to be passed astern
    /// and is moving: her track line for the crossing-ahead test.
    astern_track: Option<(f64, f64)>,
}

impl Geom {
    /// True when own ship, moving at relative velocity `v` (target minus
    /// own), crosses the target's track line ahead of her within the
    /// horizon. Same geometry as the bow crossing of `cpa`, seen from the
    /// target.
    fn own_crosses_ahead(&self, v: (f64, f64), horizon_s: f64) -> bool {
        let Some(u) = self.astern_track else {
            return false;
        };
        // Own relative to the target, and her velocity relative to it.
        let (rx, ry) = (-self.r.0, -self.r.1);
        let (vx, vy) = (-v.0, -v.1);
        let cv = u.0 * vy - u.1 * vx;
        if cv.is_nan() || cv.abs() < RELATIVE_SPEED_EPS_MPS {
            return false;
        }
        let t = -(u.0 * ry - u.1 * rx) / cv;
        if !(0.0..=horizon_s).contains(&t) {
            return false;
        }
        u.0 * (rx + vx * t) + u.1 * (ry + vy * t) > 0.0
    }
}

#[derive(Clone, Copy, Debug)]
struct Eval {
    min_m: f64,
    limiting: Option<usize>,
    /// Index into the geometries of the limiting target.
    limiting_geom: Option<usize>,
    crosses_ahead: bool,
}

impl Eval {
    /// Before any target is looked at.
    const NONE: Eval = Eval {
        min_m: f64::INFINITY,
        limiting: None,
        limiting_geom: None,
        crosses_ahead: false,
    };
}

/// The closest distance to one target within the horizon along own
/// ship's track (the inner step of [`evaluate`]).
fn distance_to(g: &Geom, track: &Track, horizon_s: f64) -> f64 {
    track.min_distance(g.r, g.v_target, horizon_s)
}

/// A candidate that cannot be chosen, found before all its targets were
/// looked at: no closer than `pass_m` is insufficient, and no further
/// than the best clear candidate so far (`best_m`) cannot replace it.
#[derive(Clone, Copy)]
struct Cut {
    pass_m: f64,
    best_m: f64,
}

impl Cut {
    fn rules_out(&self, d: f64) -> bool {
        d < self.pass_m && d <= self.best_m
    }
}

/// Margin (m) under a target's lower bound before it is left out of an
/// evaluation: far above any rounding of the distances (nanometres at
/// these ranges), so a target left out could never have been closer.
const LOWER_BOUND_MARGIN_M: f64 = 1.0;

/// The order in which a search looks at its targets: each geometry's index
/// with the closest it can come to own ship on any candidate
/// ([`reach_lower_bound_m`], NaN taken as −∞), nearest bound first.
fn evaluation_order(geoms: &[Geom], own: &Kinematic, horizon_s: f64) -> Vec<(usize, f64)> {
    let s_mps = own.sog_kn.max(0.0) * MPS_PER_KN;
    let mut order: Vec<(usize, f64)> = geoms
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let lb = reach_lower_bound_m(g.r, g.v_target, s_mps, horizon_s);
            (i, if lb.is_nan() { f64::NEG_INFINITY } else { lb })
        })
        .collect();
    order.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    order
}

/// The closest approach of own ship on a candidate (ending on velocity
/// `vo`) to every target, `distance(i)` giving the one to target `i`: the
/// smallest distance, the limiting target (the first in target order at
/// that distance), whether own ship crosses ahead of a target to be passed
/// astern. Targets are looked at in `order` (nearest lower bound first),
/// and those whose lower bound is beyond the smallest distance so far are
/// not looked at: they could neither be closer nor tie. With a cut, the
/// evaluation stops as soon as the targets so far rule the candidate out
/// (it could be neither sufficient nor the best; `true` says so, and the
/// limiting target is the one that did). A candidate not ruled out gets
/// exactly the evaluation it would get looking at every target in turn; a
/// NaN distance (never seen from valid motions) falls back to that.
fn evaluate_with(
    geoms: &[Geom],
    order: &[(usize, f64)],
    vo: (f64, f64),
    horizon_s: f64,
    cut: Option<Cut>,
    mut distance: impl FnMut(usize, &Geom) -> f64,
) -> (Eval, bool) {
    let mut e = Eval::NONE;
    for &(i, lb) in order {
        if lb - LOWER_BOUND_MARGIN_M > e.min_m {
            // Sorted: every target after this one is as far.
            break;
        }
        let Some(g) = geoms.get(i) else { continue };
        let d = distance(i, g);
        if d.is_nan() {
            return evaluate_in_turn(geoms, vo, horizon_s, cut, distance);
        }
        if d < e.min_m || (d == e.min_m && e.limiting_geom.is_some_and(|l| i < l)) {
            e.min_m = d;
            e.limiting = Some(g.target);
            e.limiting_geom = Some(i);
        }
        if cut.is_some_and(|c| c.rules_out(e.min_m)) {
            return (e, true);
        }
    }
    e.crosses_ahead = crosses_ahead_of_any(geoms, vo, horizon_s);
    (e, false)
}

/// Crossing ahead is judged on the new course (the turn itself takes own
/// ship towards the target's stern, not across her bow).
fn crosses_ahead_of_any(geoms: &[Geom], vo: (f64, f64), horizon_s: f64) -> bool {
    geoms.iter().any(|g| {
        let v = (g.v_target.0 - vo.0, g.v_target.1 - vo.1);
        g.own_crosses_ahead(v, horizon_s)
    })
}

/// [`evaluate_with`] looking at every target in turn, in target order.
fn evaluate_in_turn(
    geoms: &[Geom],
    vo: (f64, f64),
    horizon_s: f64,
    cut: Option<Cut>,
    mut distance: impl FnMut(usize, &Geom) -> f64,
) -> (Eval, bool) {
    let mut e = Eval::NONE;
    for (i, g) in geoms.iter().enumerate() {
        let d = distance(i, g);
        // A NaN distance is taken as the minimum, so it is never hidden.
        if d.is_nan() || d < e.min_m {
            e.min_m = d;
            e.limiting = Some(g.target);
            e.limiting_geom = Some(i);
        }
        if cut.is_some_and(|c| c.rules_out(e.min_m)) {
            return (e, true);
        }
    }
    e.crosses_ahead = crosses_ahead_of_any(geoms, vo, horizon_s);
    (e, false)
}

/// The arcs of the course candidates, one per side, with for each target
/// the smallest distance along each arc so far ([`Fan`]): a candidate then
/// costs one closest approach per target.
struct FanSet {
    /// (sign, its fan, per target the prefix minima along it as far as
    /// they were asked for: a search that stops at a small turn never
    /// follows the arc further)
    sides: Vec<(f64, Fan, LazyMinima)>,
}

/// Per target, the prefix minima along a fan computed so far.
type LazyMinima = RefCell<Minima>;

/// The prefix minima of the targets along one fan, each target's in a
/// piece of one buffer given it when first asked for (most targets of a
/// search are never followed far, many never at all).
struct Minima {
    /// Room for one target's minima ([`Fan::minima_len`]).
    stride: usize,
    /// Where each target's piece starts (`usize::MAX`: none yet).
    start: Vec<usize>,
    /// How many of each target's minima are computed.
    len: Vec<usize>,
    buf: Vec<f64>,
}

impl Minima {
    fn new(fan: &Fan, targets: usize) -> Minima {
        Minima {
            stride: fan.minima_len(),
            start: vec![usize::MAX; targets],
            len: vec![0; targets],
            buf: Vec::new(),
        }
    }
}

impl FanSet {
    fn new(
        own: &Kinematic,
        handling: &Handling,
        geoms: &[Geom],
        signed: &[f64],
        horizon_s: f64,
    ) -> Option<FanSet> {
        let mut sides = Vec::new();
        for sign in [1.0, -1.0] {
            let mut mags: Vec<f64> = signed
                .iter()
                .filter(|d| if sign > 0.0 { **d >= 0.0 } else { **d < 0.0 })
                .map(|d| d.abs())
                .collect();
            if mags.is_empty() {
                continue;
            }
            mags.sort_by(f64::total_cmp);
            mags.dedup();
            let fan = Fan::new(own.cog_deg, own.sog_kn, sign, &mags, handling, horizon_s)?;
            let minima = RefCell::new(Minima::new(&fan, geoms.len()));
            sides.push((sign, fan, minima));
        }
        Some(FanSet { sides })
    }

    /// Which side and chord end a candidate's turn ends at.
    fn locate(&self, signed: f64) -> Option<(usize, usize)> {
        let sign = if signed < 0.0 { -1.0 } else { 1.0 };
        let side = self.sides.iter().position(|(s, _, _)| *s == sign)?;
        let k = self.sides[side].1.index_of(signed.abs())?;
        Some((side, k))
    }

    fn distance(&self, (side, k): (usize, usize), gi: usize, g: &Geom) -> f64 {
        let (_, fan, prefix) = &self.sides[side];
        let mut prefix = prefix.borrow_mut();
        let Minima {
            stride,
            start,
            len,
            buf,
        } = &mut *prefix;
        let (Some(start), Some(len)) = (start.get_mut(gi), len.get_mut(gi)) else {
            return f64::NAN;
        };
        if *start == usize::MAX {
            *start = buf.len();
            buf.resize(buf.len() + *stride, f64::NAN);
        }
        let mins = &mut buf[*start..*start + *stride];
        if *len <= k {
            fan.extend_prefix_min_in(g.r, g.v_target, mins, len, k);
        }
        let p = if k < *len { mins[k] } else { f64::NAN };
        fan.distance(k, p, g.r, g.v_target)
    }
}

/// Fixed dangers for the advice search: `true` when a straight track from
/// own ship's position on `(cog_deg, sog_kn)` stands into danger (land, a
/// shoal, an aid to navigation, a user hazard, a separation zone...) within
/// the caller's horizon. The caller decides what counts and how far.
pub type FixedDangers<'a> = &'a dyn Fn(f64, f64) -> bool;

/// What the search knows of own ship beyond her motion: how she turns and
/// slows, and the fixed dangers around her.
#[derive(Clone, Copy)]
pub struct OwnShip<'a> {
    /// Rate of turn and deceleration ([`Handling::for_ship`]).
    pub handling: Handling,
    /// Fixed dangers a new track must keep clear of, if any.
    pub fixed: Option<FixedDangers<'a>>,
}

impl std::fmt::Debug for OwnShip<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OwnShip")
            .field("handling", &self.handling)
            .field("fixed", &self.fixed.is_some())
            .finish()
    }
}

impl OwnShip<'_> {
    /// A ship of unknown length, no fixed dangers given.
    pub fn unknown(sog_kn: f64, cfg: &AdviceConfig) -> OwnShip<'static> {
        OwnShip {
            handling: Handling::for_ship(None, sog_kn, cfg),
            fixed: None,
        }
    }
}

struct Search<'a> {
    geoms: &'a [Geom],
    own: &'a Kinematic,
    ship: OwnShip<'a>,
    cfg: &'a AdviceConfig,
    pass_m: f64,
    /// Skip candidates the last limiting target alone rules out, and
    /// targets that cannot be closer than those looked at (off only in the
    /// test that checks the skips change nothing).
    skip: bool,
    /// The targets in the order of their lower bounds
    /// ([`evaluation_order`]).
    order: Vec<(usize, f64)>,
}

impl Search<'_> {
    /// A candidate ending on velocity `vo` against every target
    /// ([`evaluate_with`], or every target in turn without the skips).
    fn evaluate(
        &self,
        vo: (f64, f64),
        cut: Option<Cut>,
        distance: impl FnMut(usize, &Geom) -> f64,
    ) -> (Eval, bool) {
        let h = self.cfg.horizon_s;
        if self.skip {
            evaluate_with(self.geoms, &self.order, vo, h, cut, distance)
        } else {
            evaluate_in_turn(self.geoms, vo, h, cut, distance)
        }
    }

    fn advice(&self, action: Action, signed_deg: f64, sog_kn: f64, e: Eval) -> Advice {
        let speed_changed = matches!(
            action,
            Action::ReduceSpeed | Action::AlterCourseAndReduceSpeed
        );
        Advice {
            action,
            direction: direction_of(signed_deg),
            alteration_deg: signed_deg.abs(),
            new_cog_deg: normalize_deg_360(self.own.cog_deg + signed_deg),
            new_sog_kn: speed_changed.then_some(sog_kn),
            resulting_cpa_nm: e.min_m / METRES_PER_NM,
            limiting_target: e.limiting,
            sufficient: e.min_m >= self.pass_m,
            crosses_ahead: e.crosses_ahead,
            into_danger: false,
        }
    }

    fn track(&self, signed_deg: f64, sog_kn: f64, track: &mut Track) {
        track.build(
            self.own.cog_deg,
            self.own.sog_kn,
            signed_deg,
            sog_kn,
            &self.ship.handling,
            self.cfg.horizon_s,
        );
    }

    fn keep(&self) -> Advice {
        let mut track = Track::default();
        self.track(0.0, self.own.sog_kn, &mut track);
        let h = self.cfg.horizon_s;
        let (e, _) = self.evaluate(track.v_end, None, |_, g| distance_to(g, &track, h));
        let mut a = self.advice(Action::KeepCourseAndSpeed, 0.0, self.own.sog_kn, e);
        if let Some(fixed) = self.ship.fixed {
            a.into_danger = fixed(self.own.cog_deg, self.own.sog_kn);
        }
        a
    }

    /// Scans `(signed_deg, sog_kn)` candidates in order: the first that is
    /// sufficient, clear of fixed dangers and passes astern where asked,
    /// else the first sufficient and clear, else the one with the largest
    /// minimum distance (clear of fixed dangers if any is).
    ///
    /// With `beat_nm` (the distance of a clear advice found elsewhere), a
    /// candidate that is insufficient and passes no further than that
    /// cannot be what is advised, and is left as soon as that is known;
    /// `None` when no candidate is sufficient or passes further.
    fn scan(
        &self,
        action: Action,
        candidates: impl Iterator<Item = (f64, f64)>,
        fans: Option<&FanSet>,
        beat_nm: Option<f64>,
    ) -> Option<Advice> {
        // Slightly below the distance to beat, so that rounding never
        // leaves out a candidate that passes further: one at the very
        // distance is still looked at in full, as before.
        let floor_m = beat_nm.map(|d| d * METRES_PER_NM * (1.0 - 1e-9));
        let mut first_sufficient: Option<Advice> = None;
        // (advice, its minimum distance, clear of fixed dangers)
        let mut best: Option<(Advice, f64, bool)> = None;
        let mut track = Track::default();
        // Neighbouring candidates are a degree (or a step of speed) apart,
        // so the target that limited the last one usually limits the next.
        // When that target alone already brings the candidate within the
        // passing distance and no further than the best so far, the
        // candidate can be neither sufficient nor the new best: it is
        // skipped without looking at the other targets. Same result,
        // exactly; in dense traffic, where no candidate suffices and every
        // one is tried, most of the work saved.
        let mut hint: Option<usize> = None;
        for (signed, sog) in candidates {
            // A turn at the present speed follows its side's fan; anything
            // else its own track.
            let on_fan = fans
                .filter(|_| sog == self.own.sog_kn)
                .and_then(|f| f.locate(signed).map(|at| (f, at)));
            if on_fan.is_none() {
                self.track(signed, sog, &mut track);
            }
            // What an insufficient candidate must pass further than to
            // matter: the best clear one so far, or the one to beat.
            let bar_m = match (&best, floor_m) {
                (Some((_, m, true)), f) => Some(f.map_or(*m, |f| m.max(f))),
                (_, f) => f,
            };
            if let (true, Some(h), Some(best_m)) = (self.skip, hint, bar_m) {
                let d = match on_fan {
                    Some((f, at)) => f.distance(at, h, &self.geoms[h]),
                    None => distance_to(&self.geoms[h], &track, self.cfg.horizon_s),
                };
                if d < self.pass_m && d <= best_m {
                    continue;
                }
            }
            // The same rule as the hint's, for every target in turn.
            let cut = match (bar_m, self.skip) {
                (Some(best_m), true) => Some(Cut {
                    pass_m: self.pass_m,
                    best_m,
                }),
                _ => None,
            };
            let h = self.cfg.horizon_s;
            let (e, ruled_out) = match on_fan {
                Some((f, at)) => {
                    self.evaluate(velocity(self.own.cog_deg + signed, sog), cut, |i, g| {
                        f.distance(at, i, g)
                    })
                }
                None => self.evaluate(track.v_end, cut, |_, g| distance_to(g, &track, h)),
            };
            hint = e.limiting_geom;
            if ruled_out {
                continue;
            }
            let mut a = self.advice(action, signed, sog, e);
            // Fixed dangers are asked only of candidates that could be
            // chosen (they cost a walk along the new track).
            let could_matter = a.sufficient
                || (floor_m.is_none_or(|f| e.min_m > f || e.min_m.is_nan())
                    && best.as_ref().is_none_or(|b| e.min_m > b.1 || !b.2));
            if could_matter {
                if let Some(fixed) = self.ship.fixed {
                    a.into_danger = fixed(a.new_cog_deg, sog);
                }
            } else {
                continue;
            }
            if a.into_danger {
                a.sufficient = false;
            }
            if a.sufficient {
                if !a.crosses_ahead {
                    return Some(a);
                }
                if first_sufficient.is_none() {
                    first_sufficient = Some(a);
                }
            }
            let clear = !a.into_danger;
            let better = match &best {
                None => true,
                Some((_, m, c)) => (clear && !c) || (clear == *c && e.min_m > *m),
            };
            if better {
                best = Some((a, e.min_m, clear));
            }
        }
        first_sufficient.or(best.map(|(a, _, _)| a))
    }
}

/// Advice for own ship against targets whose rulings are already known:
/// `duty` says whether to act, `permitted` how. With a duty below
/// [`Duty::MayAct`] the plan is to keep course and speed; otherwise the
/// course and speed searches described in the [module documentation](self)
/// are run against **all** targets, own ship turning and slowing as a ship
/// of unknown length does ([`OwnShip::unknown`]); [`plan_for_ship`] takes
/// her handling and fixed dangers. Targets whose motion is not valid
/// (non-finite numbers, latitude beyond ±90°, see
/// [`Kinematic::is_valid_motion`]) are left out and counted in
/// [`Plan::ignored_targets`]; an invalid own ship gives an insufficient
/// keep-course advice with NaN distances.
pub fn plan(
    own: &Kinematic,
    targets: &[AdviceTarget],
    duty: Duty,
    permitted: Permitted,
    cfg: &AdviceConfig,
) -> Plan {
    plan_for_ship(
        own,
        OwnShip::unknown(own.sog_kn, cfg),
        targets,
        duty,
        permitted,
        cfg,
    )
}

/// [`plan`] for a ship with known handling and fixed dangers.
pub fn plan_for_ship(
    own: &Kinematic,
    ship: OwnShip<'_>,
    targets: &[AdviceTarget],
    duty: Duty,
    permitted: Permitted,
    cfg: &AdviceConfig,
) -> Plan {
    plan_with(own, ship, targets, duty, permitted, cfg, true, false)
}

/// [`plan_for_ship`], with the skipping of ruled-out candidates on or off,
/// and brief (see [`advise_ship_brief`]) or not.
#[allow(clippy::too_many_arguments)]
fn plan_with(
    own: &Kinematic,
    ship: OwnShip<'_>,
    targets: &[AdviceTarget],
    duty: Duty,
    permitted: Permitted,
    cfg: &AdviceConfig,
    skip: bool,
    brief: bool,
) -> Plan {
    let mut ignored_targets = 0;
    let geoms: Vec<Geom> = targets
        .iter()
        .enumerate()
        .filter_map(|(target, t)| {
            if !t.kinematic.is_valid_motion() {
                ignored_targets += 1;
                return None;
            }
            let (rel, _, _) = Relative::new(own, &t.kinematic);
            let rel = rel.in_own_axes();
            let speed = rel.v_target.0.hypot(rel.v_target.1);
            let astern_track = (t.pass_astern && speed >= RELATIVE_SPEED_EPS_MPS)
                .then(|| (rel.v_target.0 / speed, rel.v_target.1 / speed));
            Some(Geom {
                target,
                r: rel.r,
                v_target: rel.v_target,
                astern_track,
            })
        })
        .collect();
    let search = Search {
        geoms: &geoms,
        own,
        ship,
        cfg,
        pass_m: cfg.pass_nm * METRES_PER_NM,
        skip,
        order: evaluation_order(&geoms, own, cfg.horizon_s),
    };
    let keep = search.keep();
    let mut out = Plan {
        duty,
        permitted: Some(permitted),
        course: keep,
        speed: None,
        combined: None,
        ignored_targets,
    };
    if !own.is_valid_motion() {
        out.course.sufficient = false;
        out.course.resulting_cpa_nm = f64::NAN;
        out.course.limiting_target = None;
        return out;
    }
    if duty < Duty::MayAct || (keep.sufficient && !keep.into_danger) {
        return out;
    }
    let sog = own.sog_kn;
    let signed: Vec<f64> = course_candidates(
        permitted.sides,
        cfg.min_alteration_deg,
        cfg.max_alteration_deg,
        cfg.step_deg,
    )
    .collect();
    let fans = FanSet::new(own, &ship.handling, &geoms, &signed, cfg.horizon_s);
    if let Some(a) = search.scan(
        Action::AlterCourse,
        signed.iter().map(|&d| (d, sog)),
        fans.as_ref(),
        None,
    ) {
        out.course = a;
    }
    // Brief: an alternative matters only if it is sufficient or passes
    // further than every clear advice before it (see `Plan::recommended`).
    let to_beat = |advice: &[Option<&Advice>]| -> Option<f64> {
        advice
            .iter()
            .flatten()
            .filter(|a| !a.into_danger)
            .map(|a| a.resulting_cpa_nm)
            .fold(None, |m: Option<f64>, d| Some(m.map_or(d, |m| m.max(d))))
            .filter(|_| brief)
    };
    if permitted.speed_reduction {
        let beat = to_beat(&[Some(&out.course)]);
        out.speed = speed_candidates(sog, cfg)
            .and_then(|it| search.scan(Action::ReduceSpeed, it.map(|s| (0.0, s)), None, beat));
    }
    let speed_works = out.speed.as_ref().is_some_and(|s| s.sufficient);
    if !out.course.sufficient && !speed_works && permitted.speed_reduction {
        // Neither alone: a turn with a speed reduction, the smallest turn
        // at the higher of two speeds (the smallest apparent reduction, or
        // stopped) that works, in steps of ten degrees (a fallback: coarse
        // steps keep it cheap in dense traffic, where it is tried most).
        if let Some(top) = speed_candidates(sog, cfg).and_then(|mut it| it.next()) {
            let beat = to_beat(&[Some(&out.course), out.speed.as_ref()]);
            let step = cfg.step_deg.max(10.0);
            let mut best: Option<Advice> = None;
            for s in [top, 0.0] {
                let turns = course_candidates(
                    permitted.sides,
                    cfg.min_alteration_deg,
                    cfg.max_alteration_deg,
                    step,
                )
                .map(|d| (d, s));
                if let Some(a) = search.scan(Action::AlterCourseAndReduceSpeed, turns, None, beat) {
                    let done = a.sufficient;
                    if best.as_ref().is_none_or(|b| {
                        (!a.into_danger && b.into_danger)
                            || (a.into_danger == b.into_danger
                                && a.resulting_cpa_nm > b.resulting_cpa_nm)
                            || done
                    }) {
                        best = Some(a);
                    }
                    if done {
                        break;
                    }
                }
            }
            out.combined = best;
        }
    }
    out
}
/// Candidate speeds, highest first: from `sog·(1 − min_speed_reduction)`
/// down to 0 in `speed_step_kn` steps, 0 included.
fn speed_candidates(sog_kn: f64, cfg: &AdviceConfig) -> Option<impl Iterator<Item = f64>> {
    let top = sog_kn * (1.0 - cfg.min_speed_reduction.clamp(0.0, 1.0));
    let step = cfg.speed_step_kn;
    if sog_kn.is_nan() || sog_kn <= 0.0 || !top.is_finite() || !step.is_finite() || step <= 0.0 {
        return None;
    }
    let k = (top / step - 1e-9).ceil().max(0.0);
    let n = (k.min(MAX_CANDIDATES as f64) as usize + 1).min(MAX_CANDIDATES);
    Some((0..n).map(move |i| (top - i as f64 * step).max(0.0)))
}

/// Classifies own ship against every target and advises her: the duty is
/// the most urgent over all rulings, the permitted manoeuvre the strictest
/// over the targets at risk, and the search runs against **all** targets
/// (see the [module documentation](self)). Targets own ship gives way to in
/// a crossing are passed astern where possible.
///
/// Allocates one small vector (the per-target geometry).
pub fn advise(
    own: &Kinematic,
    own_role: Role,
    targets: &[(Kinematic, Role)],
    colregs: &ColregsConfig,
    cfg: &AdviceConfig,
) -> Plan {
    advise_ship(
        own,
        OwnShip::unknown(own.sog_kn, cfg),
        own_role,
        targets,
        colregs,
        cfg,
    )
}

/// [`advise`] for a ship with known handling and fixed dangers
/// ([`OwnShip`]).
pub fn advise_ship(
    own: &Kinematic,
    ship: OwnShip<'_>,
    own_role: Role,
    targets: &[(Kinematic, Role)],
    colregs: &ColregsConfig,
    cfg: &AdviceConfig,
) -> Plan {
    advise_with(own, ship, own_role, targets, colregs, cfg, false)
}

/// [`advise_ship`] for a report that gives the recommended advice and
/// the sufficient alternatives only: an alternative (speed reduction,
/// combined manoeuvre) that is neither sufficient nor passes further than
/// a clear advice before it is not searched to its end, and is `None`
/// where [`advise_ship`] gives it. [`Plan::recommended`] and every
/// sufficient alternative are exactly those of [`advise_ship`]; in dense
/// traffic, where nothing suffices, most of the search is saved.
pub fn advise_ship_brief(
    own: &Kinematic,
    ship: OwnShip<'_>,
    own_role: Role,
    targets: &[(Kinematic, Role)],
    colregs: &ColregsConfig,
    cfg: &AdviceConfig,
) -> Plan {
    advise_with(own, ship, own_role, targets, colregs, cfg, true)
}

fn advise_with(
    own: &Kinematic,
    ship: OwnShip<'_>,
    own_role: Role,
    targets: &[(Kinematic, Role)],
    colregs: &ColregsConfig,
    cfg: &AdviceConfig,
    brief: bool,
) -> Plan {
    let mut duty = Duty::None;
    let mut permitted: Option<Permitted> = None;
    let list: Vec<AdviceTarget> = targets
        .iter()
        .map(|(k, role)| {
            if clearly_no_risk(own, k, colregs) {
                // Its ruling would be "no risk": no duty, no constraint.
                return AdviceTarget {
                    kinematic: *k,
                    pass_astern: false,
                };
            }
            let r = classify(own, own_role, k, *role, colregs);
            duty = duty.max(r.own_duty());
            if let Some(p) = Permitted::for_ruling(&r) {
                permitted = Some(permitted.map_or(p, |q| q.combine(p)));
            }
            AdviceTarget {
                kinematic: *k,
                pass_astern: r.risk
                    && r.give_way == GiveWay::Own
                    && r.encounter == Encounter::Crossing,
            }
        })
        .collect();
    let mut out = plan_with(
        own,
        ship,
        &list,
        duty,
        permitted.unwrap_or(Permitted {
            sides: Sides::PreferStarboard,
            speed_reduction: true,
        }),
        cfg,
        true,
        brief,
    );
    out.permitted = permitted;
    out
}

/// `true` when a flat-earth estimate puts the pair so far from the risk
/// criteria of `colregs` (CPA and TCPA, with wide margins) that the precise
/// ruling cannot find risk: [`advise`] then skips classifying the target
/// (most neighbours of a vessel in busy waters are not at risk, and the
/// precise CPA costs trigonometry).
fn clearly_no_risk(own: &Kinematic, target: &Kinematic, colregs: &ColregsConfig) -> bool {
    if !own.is_valid_motion() || !target.is_valid_motion() {
        return false;
    }
    let mid = ((own.lat_deg + target.lat_deg) / 2.0).to_radians().cos();
    let dlon = crate::geo::wrap_lon_once_deg(target.lon_deg - own.lon_deg);
    // Nautical miles, and knots.
    let (rx, ry) = (dlon * 60.0 * mid, (target.lat_deg - own.lat_deg) * 60.0);
    if rx.hypot(ry) > 600.0 || mid < 0.2 {
        // Far away or near a pole: leave it to the precise ruling.
        return false;
    }
    let (so, co) = own.cog_deg.to_radians().sin_cos();
    let (st, ct) = target.cog_deg.to_radians().sin_cos();
    let (vx, vy) = (
        target.sog_kn * st - own.sog_kn * so,
        target.sog_kn * ct - own.sog_kn * co,
    );
    let v2 = vx * vx + vy * vy;
    if v2 < 1e-6 {
        return false;
    }
    let tcpa_h = -(rx * vx + ry * vy) / v2;
    let tcpa_s = tcpa_h * 3600.0;
    if tcpa_s < -120.0 || tcpa_s > colregs.risk_tcpa_s * 1.1 + 120.0 {
        return true;
    }
    let (cx, cy) = (rx + vx * tcpa_h, ry + vy * tcpa_h);
    cx.hypot(cy) > colregs.risk_cpa_nm * 1.1 + 0.1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where the shortcut says "no risk", the precise ruling agrees: the
    /// plan is the same with or without it.
    #[test]
    fn the_no_risk_shortcut_never_hides_a_risk() {
        let cfg = ColregsConfig::default();
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut skipped = 0;
        let mut risks = 0;
        for i in 0..200_000 {
            let lat = -75.0 + 150.0 * next();
            let lon = -180.0 + 360.0 * next();
            let own = Kinematic::new(lat, lon, 30.0 * next(), 360.0 * next());
            // Targets from 0 to 40 NM away, some straight at own ship.
            let d_nm = 40.0 * next() * next();
            let brg = 360.0 * next();
            let (tlat, tlon) = crate::geo::destination(lat, lon, brg, d_nm * METRES_PER_NM);
            let cog = if i % 3 == 0 {
                normalize_deg_360(brg + 180.0 + 6.0 * (next() - 0.5))
            } else {
                360.0 * next()
            };
            let target = Kinematic::new(tlat, tlon, 30.0 * next(), cog);
            let r = classify(&own, Role::PowerDriven, &target, Role::PowerDriven, &cfg);
            risks += usize::from(r.risk);
            if clearly_no_risk(&own, &target, &cfg) {
                skipped += 1;
                assert!(!r.risk, "{own:?} {target:?} {r:?}");
            }
        }
        // The shortcut does its job, and the test met real risks.
        assert!(skipped > 100_000 && risks > 1_000, "{skipped} {risks}");
    }

    /// Skipping the candidates the last limiting target rules out, and
    /// leaving a candidate's other targets once those seen rule it out,
    /// changes nothing: same advice, same distances, same limiting target,
    /// in dense traffic (where most candidates fail) and in open water.
    #[test]
    fn skipping_ruled_out_candidates_gives_the_same_plan() {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let cfg = AdviceConfig::default();
        let sides = [
            Sides::Starboard,
            Sides::Port,
            Sides::Either,
            Sides::PreferStarboard,
        ];
        let mut insufficient = 0;
        let mut skipped_somewhere = 0;
        let mut briefer = 0;
        for i in 0..3_000 {
            let lat = -70.0 + 140.0 * next();
            let lon = -180.0 + 360.0 * next();
            let own = Kinematic::new(lat, lon, 2.0 + 25.0 * next(), 360.0 * next());
            let n = 1 + (next() * 40.0) as usize;
            let spread_nm = if i % 2 == 0 { 3.0 } else { 12.0 };
            let targets: Vec<AdviceTarget> = (0..n)
                .map(|_| {
                    let (tlat, tlon) = crate::geo::destination(
                        lat,
                        lon,
                        360.0 * next(),
                        spread_nm * next() * METRES_PER_NM,
                    );
                    AdviceTarget {
                        kinematic: Kinematic::new(tlat, tlon, 25.0 * next(), 360.0 * next()),
                        pass_astern: next() < 0.3,
                    }
                })
                .collect();
            let permitted = Permitted {
                sides: sides[i % 4],
                speed_reduction: i % 3 != 0,
            };
            let ship = OwnShip::unknown(own.sog_kn, &cfg);
            let fast = plan_with(
                &own,
                ship,
                &targets,
                Duty::GiveWay,
                permitted,
                &cfg,
                true,
                false,
            );
            let slow = plan_with(
                &own,
                ship,
                &targets,
                Duty::GiveWay,
                permitted,
                &cfg,
                false,
                false,
            );
            assert_eq!(format!("{fast:?}"), format!("{slow:?}"), "case {i}");
            // Brief: the same recommended advice and sufficient
            // alternatives; an alternative it gives is the full one.
            let brief = plan_with(
                &own,
                ship,
                &targets,
                Duty::GiveWay,
                permitted,
                &cfg,
                true,
                true,
            );
            assert_eq!(
                format!("{:?}", brief.recommended()),
                format!("{:?}", slow.recommended()),
                "case {i}"
            );
            assert_eq!(format!("{:?}", brief.course), format!("{:?}", slow.course));
            for (b, s) in [(brief.speed, slow.speed), (brief.combined, slow.combined)] {
                if b.is_some() || s.is_some_and(|s| s.sufficient) {
                    assert_eq!(format!("{b:?}"), format!("{s:?}"), "case {i}");
                }
                if b.is_none() && s.is_some() {
                    briefer += 1;
                }
            }
            if !slow.course.sufficient {
                insufficient += 1;
            }
            if slow.course.limiting_target.is_some() && n > 1 {
                skipped_somewhere += 1;
            }
        }
        // The cases include many where no turn suffices (every candidate
        // tried: where the skip works).
        assert!(
            insufficient > 300 && skipped_somewhere > 1_000 && briefer > 100,
            "{insufficient} {skipped_somewhere} {briefer}"
        );
    }

    #[test]
    fn candidate_orders() {
        let s: Vec<f64> = course_candidates(Sides::Starboard, 20.0, 23.0, 1.0).collect();
        assert_eq!(s, vec![20.0, 21.0, 22.0, 23.0]);
        let p: Vec<f64> = course_candidates(Sides::Port, 20.0, 21.0, 1.0).collect();
        assert_eq!(p, vec![-20.0, -21.0]);
        let e: Vec<f64> = course_candidates(Sides::Either, 20.0, 21.0, 1.0).collect();
        assert_eq!(e, vec![20.0, -20.0, 21.0, -21.0]);
        let ps: Vec<f64> = course_candidates(Sides::PreferStarboard, 20.0, 21.0, 1.0).collect();
        assert_eq!(ps, vec![20.0, 21.0, -20.0, -21.0]);
        // Non-integer span: the last candidate is clamped to the maximum.
        let c: Vec<f64> = course_candidates(Sides::Starboard, 0.0, 2.5, 1.0).collect();
        assert_eq!(c, vec![0.0, 1.0, 2.0, 2.5]);
        let z: Vec<f64> = course_candidates(Sides::Either, 0.0, 1.0, 1.0).collect();
        assert_eq!(z, vec![0.0, 1.0, -1.0]);
        assert_eq!(course_candidates(Sides::Either, 0.0, 1.0, 0.0).count(), 0);
        assert_eq!(
            course_candidates(Sides::Either, f64::NAN, 1.0, 1.0).count(),
            0
        );
        assert_eq!(course_candidates(Sides::Either, 5.0, 1.0, 1.0).count(), 0);
        assert!(course_candidates(Sides::Either, 0.0, 90.0, 1e-12).count() <= MAX_CANDIDATES);
    }

    #[test]
    fn speed_candidate_list() {
        let cfg = AdviceConfig::default();
        let v: Vec<f64> = speed_candidates(12.0, &cfg).unwrap().collect();
        assert_eq!(v.first(), Some(&6.0));
        assert_eq!(v.last(), Some(&0.0));
        assert_eq!(v.len(), 13);
        assert!(speed_candidates(0.0, &cfg).is_none());
        assert!(speed_candidates(f64::NAN, &cfg).is_none());
    }

    #[test]
    fn sides_combine() {
        use Sides::*;
        assert_eq!(Either.combine(PreferStarboard), PreferStarboard);
        assert_eq!(PreferStarboard.combine(Starboard), Starboard);
        assert_eq!(Port.combine(Starboard), Starboard);
        assert_eq!(Either.combine(Port), Port);
        assert_eq!(Either.combine(Either), Either);
    }
}

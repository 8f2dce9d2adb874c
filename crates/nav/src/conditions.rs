//! Rulings and advice under the conditions of a pair of vessels: today,
//! restricted visibility (Rule 19).
//!
//! [`classify`] and [`advise`] assume the vessels are in sight of one
//! another (Section II of the steering and sailing rules). When an operator
//! declares restricted visibility and the vessels are not in sight of one
//! another, Section III applies instead: [`classify_in`] gives a Rule 19
//! ruling ([`Rule::R19d`]) — no give-way and no stand-on vessel, every
//! vessel under way takes avoiding action when risk of collision exists —
//! and [`advise_in`] keeps the advice within what Rule 19(d) allows
//! ([`Permitted::rule19`]): no alteration to port for a vessel forward of
//! the beam other than one being overtaken, none towards a vessel abeam or
//! abaft the beam, and a speed reduction always offered (19(e)).
//!
//! Which pairs are "not in sight" is the caller's judgement (the engine
//! compares their range with the visibility declared where they are).
//!
//! ```
//! use finisterra_nav::colregs::{ColregsConfig, GiveWay, Role, Rule};
//! use finisterra_nav::conditions::{classify_in, Conditions};
//! use finisterra_nav::cpa::Kinematic;
//! // Head-on, 4 NM apart, in fog.
//! let own = Kinematic::new(50.0, -5.0, 12.0, 0.0);
//! let target = Kinematic::new(50.0 + 4.0 / 60.0, -5.0, 12.0, 180.0);
//! let fog = Conditions { restricted_visibility: true };
//! let r = classify_in(&own, Role::PowerDriven, &target, Role::PowerDriven,
//!                     &ColregsConfig::default(), fog);
//! assert_eq!(r.rule, Some(Rule::R19d));
//! assert_eq!(r.give_way, GiveWay::Both);
//! assert_eq!(r.stand_on_stage, None);
//! ```

use serde::{Deserialize, Serialize};

use crate::advice::{plan_for_ship, AdviceConfig, AdviceTarget, OwnShip, Permitted, Plan, Sides};
use crate::colregs::{classify, ColregsConfig, Duty, Encounter, GiveWay, Role, Rule, Ruling};
use crate::cpa::Kinematic;

/// What the surroundings of a pair change in its ruling. The default is
/// clear weather: Section II applies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Conditions {
    /// The vessels are not in sight of one another, in or near an area of
    /// restricted visibility (Rule 19(a)).
    pub restricted_visibility: bool,
}

impl Conditions {
    /// Clear weather, vessels in sight of one another.
    pub const CLEAR: Conditions = Conditions {
        restricted_visibility: false,
    };
    /// Not in sight of one another in restricted visibility.
    pub const NOT_IN_SIGHT: Conditions = Conditions {
        restricted_visibility: true,
    };
}

/// [`classify`] under `conditions`. In clear weather the same ruling. Not
/// in sight of one another, with risk of collision: [`Rule::R19d`],
/// [`GiveWay::Both`] when both are under way (each takes avoiding action;
/// neither stands on, so no Rule 17 stage), [`GiveWay::Own`] or
/// [`GiveWay::Target`] when only that vessel is under way. The encounter
/// is kept as the geometry shows it (head-on, crossing, overtaking), for
/// the words and for the Rule 19(d)(i) exception of a vessel being
/// overtaken. Without risk the ruling is Rule 7's, as in clear weather.
pub fn classify_in(
    own: &Kinematic,
    own_role: Role,
    target: &Kinematic,
    target_role: Role,
    cfg: &ColregsConfig,
    conditions: Conditions,
) -> Ruling {
    let mut r = classify(own, own_role, target, target_role, cfg);
    if !conditions.restricted_visibility || !r.risk || r.rule.is_none() {
        return r;
    }
    r.give_way = match (own_role.is_under_way(), target_role.is_under_way()) {
        (true, true) => GiveWay::Both,
        (true, false) => GiveWay::Own,
        (false, true) => GiveWay::Target,
        (false, false) => GiveWay::Neither,
    };
    r.rule = Some(Rule::R19d);
    r.stand_on_stage = None;
    r
}

/// [`crate::advice::advise`] with the conditions of each pair: each target
/// comes with its [`Conditions`], is ruled by [`classify_in`], and the
/// permitted manoeuvre is the strictest over the targets at risk, as in
/// `advise`. One difference: when a Rule 19 ruling forbids the side that
/// another ruling requires (a vessel forward of the beam forbids port, one
/// abaft the starboard beam forbids starboard), no alteration of course is
/// permitted; the plan then keeps course (`course` is "keep course and
/// speed", evaluated against all targets) and offers the speed reduction,
/// which Rule 19(e) always allows.
///
/// Targets own ship gives way to in a Section II crossing are passed
/// astern where possible, as in `advise`.
pub fn advise_in(
    own: &Kinematic,
    ship: OwnShip<'_>,
    own_role: Role,
    targets: &[(Kinematic, Role, Conditions)],
    colregs: &ColregsConfig,
    cfg: &AdviceConfig,
) -> Plan {
    let mut duty = Duty::None;
    let mut permitted: Option<Permitted> = None;
    let (mut no_port, mut no_starboard) = (false, false);
    let list: Vec<AdviceTarget> = targets
        .iter()
        .map(|(k, role, c)| {
            let r = classify_in(own, own_role, k, *role, colregs, *c);
            duty = duty.max(r.own_duty());
            if let Some(p) = Permitted::for_ruling(&r) {
                if r.rule == Some(Rule::R19d) {
                    no_port |= p.sides == Sides::Starboard;
                    no_starboard |= p.sides == Sides::Port;
                }
                permitted = Some(permitted.map_or(p, |q| q.combine(p)));
            }
            AdviceTarget {
                kinematic: *k,
                pass_astern: r.risk
                    && r.give_way == GiveWay::Own
                    && r.encounter == Encounter::Crossing
                    && r.rule != Some(Rule::R19d),
            }
        })
        .collect();
    let chosen = permitted.unwrap_or(Permitted {
        sides: Sides::PreferStarboard,
        speed_reduction: true,
    });
    let contradiction = (chosen.sides == Sides::Starboard && no_starboard)
        || (chosen.sides == Sides::Port && no_port);
    if !contradiction {
        let mut out = plan_for_ship(own, ship, &list, duty, chosen, cfg);
        out.permitted = permitted;
        return out;
    }
    let speed_only = Permitted {
        sides: chosen.sides,
        speed_reduction: true,
    };
    // Keep course (evaluated, not searched), and the speed search alone.
    let keep = plan_for_ship(own, ship, &list, Duty::None, speed_only, cfg).course;
    let mut out = plan_for_ship(own, ship, &list, duty, speed_only, cfg);
    out.course = keep;
    out.permitted = Some(speed_only);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advice::{Action, Direction};
    use crate::geo::{destination, METRES_PER_NM};

    fn at(own: &Kinematic, brg: f64, nm: f64, sog: f64, cog: f64) -> Kinematic {
        let (lat, lon) = destination(own.lat_deg, own.lon_deg, brg, nm * METRES_PER_NM);
        Kinematic::new(lat, lon, sog, cog)
    }

    fn rule(own: &Kinematic, t: &Kinematic, c: Conditions) -> Ruling {
        classify_in(
            own,
            Role::PowerDriven,
            t,
            Role::PowerDriven,
            &ColregsConfig::default(),
            c,
        )
    }

    #[test]
    fn clear_weather_is_unchanged() {
        let own = Kinematic::new(43.0, -9.5, 12.0, 0.0);
        let t = at(&own, 45.0, 4.0, 12.0, 270.0);
        let clear = rule(&own, &t, Conditions::CLEAR);
        let plain = classify(
            &own,
            Role::PowerDriven,
            &t,
            Role::PowerDriven,
            &ColregsConfig::default(),
        );
        assert_eq!(clear, plain);
        assert_eq!(clear.rule, Some(Rule::R15));
        let fog = rule(&own, &t, Conditions::NOT_IN_SIGHT);
        assert_eq!(fog.rule, Some(Rule::R19d));
        assert_eq!(fog.give_way, GiveWay::Both);
        assert_eq!(fog.encounter, Encounter::Crossing);
        assert_eq!(fog.own_duty(), Duty::GiveWay);
        // A target on the starboard bow: starboard only.
        assert_eq!(
            Permitted::for_ruling(&fog).map(|p| p.sides),
            Some(Sides::Starboard)
        );
        // Seen from the target, own ship is on her port bow: she too may
        // not turn to port (in clear weather she would stand on).
        let back = rule(&t, &own, Conditions::NOT_IN_SIGHT);
        assert_eq!(back.give_way, GiveWay::Both);
        let p = Permitted::for_ruling(&back).unwrap();
        assert_eq!(p.sides, Sides::Starboard);
        assert!(p.speed_reduction);
        assert!(fog.to_string().contains("(Rule 19(d), 19(e))"), "{fog}");
    }

    #[test]
    fn no_risk_no_rule_19() {
        let own = Kinematic::new(43.0, -9.5, 12.0, 0.0);
        let t = at(&own, 90.0, 4.0, 12.0, 90.0);
        let r = rule(&own, &t, Conditions::NOT_IN_SIGHT);
        assert!(!r.risk);
        assert_eq!(r.rule, Some(Rule::R7));
    }

    #[test]
    fn permitted_sides_by_bearing() {
        let own = Kinematic::new(43.0, -9.5, 10.0, 0.0);
        let cases = [
            // (bearing, target course, target speed, sides)
            (0.0, 180.0, 10.0, Sides::Starboard), // ahead, head-on
            (-30.0, 60.0, 10.0, Sides::Starboard), // port bow
            (100.0, 330.0, 14.0, Sides::Port),    // abaft the starboard beam, closing
            (-100.0, 30.0, 14.0, Sides::Starboard), // abaft the port beam
            (180.0, 0.0, 16.0, Sides::Either),    // dead astern, overtaking own ship
            (0.0, 0.0, 4.0, Sides::Either),       // own ship overtaking
        ];
        for (brg, cog, sog, want) in cases {
            let t = if brg == 100.0 || brg == -100.0 {
                // Aim the target at own ship's position in 10 minutes.
                let (lat, lon) = destination(43.0, -9.5, 0.0, 10.0 / 60.0 * 10.0 * METRES_PER_NM);
                let back = destination(lat, lon, cog + 180.0, sog / 6.0 * METRES_PER_NM);
                Kinematic::new(back.0, back.1, sog, cog)
            } else {
                at(&own, brg, 1.5, sog, cog)
            };
            let r = rule(&own, &t, Conditions::NOT_IN_SIGHT);
            assert!(r.risk, "{brg}: {r:?}");
            let p = Permitted::for_ruling(&r).unwrap();
            assert_eq!(p.sides, want, "bearing {brg}: {r:?}");
            assert!(p.speed_reduction);
        }
    }

    #[test]
    fn head_on_in_fog_both_advised_neither_to_port() {
        let own = Kinematic::new(43.0, -9.5, 12.0, 0.0);
        let t = at(&own, 0.0, 5.0, 12.0, 180.0);
        let cfg = AdviceConfig::default();
        let colregs = ColregsConfig::default();
        for (a, b) in [(own, t), (t, own)] {
            let p = advise_in(
                &a,
                OwnShip::unknown(12.0, &AdviceConfig::default()),
                Role::PowerDriven,
                &[(b, Role::PowerDriven, Conditions::NOT_IN_SIGHT)],
                &colregs,
                &cfg,
            );
            assert_eq!(p.duty, Duty::GiveWay);
            assert_eq!(p.course.action, Action::AlterCourse);
            assert_eq!(p.course.direction, Direction::Starboard);
            // Rule 19(e): the speed alternative is there (not in Rule 14).
            assert!(p.permitted.unwrap().speed_reduction);
        }
    }

    #[test]
    fn contradictory_sides_leave_only_the_speed_reduction() {
        let own = Kinematic::new(43.0, -9.5, 12.0, 0.0);
        // One ahead, closing head-on; one coming up abaft the starboard
        // beam on a collision course.
        let ahead = at(&own, 0.0, 4.0, 12.0, 180.0);
        let (lat, lon) = destination(43.0, -9.5, 0.0, 2.0 * METRES_PER_NM);
        let back = destination(lat, lon, 150.0, 4.0 * METRES_PER_NM);
        let quarter = Kinematic::new(back.0, back.1, 24.0, 330.0);
        let colregs = ColregsConfig::default();
        let r = rule(&own, &quarter, Conditions::NOT_IN_SIGHT);
        assert!(r.risk && r.target_relative_bearing_deg > 90.0, "{r:?}");
        let fog = Conditions::NOT_IN_SIGHT;
        let p = advise_in(
            &own,
            OwnShip::unknown(12.0, &AdviceConfig::default()),
            Role::PowerDriven,
            &[
                (ahead, Role::PowerDriven, fog),
                (quarter, Role::PowerDriven, fog),
            ],
            &colregs,
            &AdviceConfig::default(),
        );
        assert_eq!(p.course.action, Action::KeepCourseAndSpeed);
        assert_eq!(p.speed.map(|s| s.action), Some(Action::ReduceSpeed));
        // In clear weather the same traffic gets a course alteration.
        let clear = advise_in(
            &own,
            OwnShip::unknown(12.0, &AdviceConfig::default()),
            Role::PowerDriven,
            &[
                (ahead, Role::PowerDriven, Conditions::CLEAR),
                (quarter, Role::PowerDriven, Conditions::CLEAR),
            ],
            &colregs,
            &AdviceConfig::default(),
        );
        assert_eq!(clear.course.action, Action::AlterCourse);
    }

    #[test]
    fn not_under_way_in_fog() {
        let own = Kinematic::new(43.0, -9.5, 10.0, 0.0);
        let anchored = at(&own, 0.0, 3.0, 0.0, 0.0);
        let r = classify_in(
            &own,
            Role::PowerDriven,
            &anchored,
            Role::AtAnchor,
            &ColregsConfig::default(),
            Conditions::NOT_IN_SIGHT,
        );
        assert_eq!((r.rule, r.give_way), (Some(Rule::R19d), GiveWay::Own));
        let back = classify_in(
            &anchored,
            Role::AtAnchor,
            &own,
            Role::PowerDriven,
            &ColregsConfig::default(),
            Conditions::NOT_IN_SIGHT,
        );
        assert_eq!(back.give_way, GiveWay::Target);
        assert_eq!(back.own_duty(), Duty::StandOn);
        assert_eq!(Permitted::for_ruling(&back), None);
        let s = r.sentence_named("A", "B");
        assert!(
            s.starts_with("restricted visibility (Rule 19): A and B"),
            "{s}"
        );
        assert!(s.contains("A avoids an alteration to port for B"), "{s}");
        assert!(!s.contains("both take"), "{s}");
    }
}

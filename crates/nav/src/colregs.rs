//! COLREGs ruling for a pair of vessels: which encounter it is (Rules 13–15),
//! who keeps out of the way (Rules 12–15, overridden by Rule 18), which rule
//! decided it, and how far the stand-on vessel has come under Rule 17.
//!
//! # Conventions
//!
//! * `β` is the **relative bearing of the target seen from own ship**, `α`
//!   the relative bearing of own ship seen from the target, both measured
//!   clockwise from the bow (true heading when known, else COG) and read as
//!   signed angles in (−180, 180]: positive is starboard.
//! * **Risk of collision** (Rule 7) is taken to exist when the vessels are
//!   closing (`tcpa_s > 0`), the predicted CPA is below
//!   [`ColregsConfig::risk_cpa_nm`] and the TCPA below
//!   [`ColregsConfig::risk_tcpa_s`]. Without risk there is no encounter and no
//!   give-way duty ([`Encounter::None`], [`Rule::R7`]).
//! * **Overtaking** (Rule 13): one vessel sees the other in her
//!   "abaft the beam" sector (`|β| ≥ 112.5°` by default, i.e. more than 22.5°
//!   abaft the beam) while they close. The overtaking vessel keeps out of the
//!   way whatever the vessels' roles (Rule 18 begins "except where Rules 9,
//!   10 and 13 otherwise require").
//! * **Head-on** (Rule 14): each sees the other within
//!   ±[`ColregsConfig::head_on_deg`] of her bow (default 6°), which implies
//!   reciprocal or nearly reciprocal headings. Both alter to starboard.
//! * **Crossing** (Rule 15) otherwise: the vessel that has the other on her
//!   own starboard side (`0 ≤ β < 112.5°`) keeps out of the way. When each
//!   has the other on her starboard side, or neither does (a meeting that
//!   is not quite head-on), the situation is ambiguous and Rule 14(c)
//!   applies: "when a vessel is in any doubt … she shall assume that it does
//!   exist and act accordingly" — both alter to starboard.
//! * **Rule 18** then overrides Rules 14 and 15 when the roles differ: a
//!   power-driven vessel keeps out of the way of a vessel not under command
//!   (NUC), restricted in her ability to manoeuvre (RAM), engaged in fishing
//!   or sailing (18(a)); a sailing vessel of NUC, RAM and fishing (18(b)); a
//!   fishing vessel of NUC and RAM (18(c)); and any vessel other than NUC or
//!   RAM avoids impeding a vessel constrained by her draught (CBD, 18(d)).
//!   [`Role::Unknown`] is presumed power-driven.
//! * Two sailing vessels: Rule 12 decides by the wind, which this crate does
//!   not know; the ruling says so and asks both to keep clear.
//! * A vessel at anchor, moored or aground is not under way; the steering
//!   rules do not apply to her and the vessel under way keeps clear
//!   (ordinary practice and Rule 8).
//!
//! # Rule 17 stages
//!
//! For the stand-on vessel the ruling reports [`Rule17Stage`]:
//! `KeepCourse` (17(a)(i)), `MayAct` (17(a)(ii)) and `MustAct` (17(b)),
//! from range or TCPA thresholds. A single snapshot cannot see whether the
//! give-way vessel "is taking appropriate action"; the crate reads a risk
//! that still exists at these ranges as evidence that she is not (had she
//! acted, the predicted CPA would already be clear). The defaults —
//! may act at 2 NM or 6 min, must act at 0.5 NM or 3 min — lie between the
//! AutoVerification stages (3 km / 400 m) and common bridge practice for
//! 10–20 kn ships; they are configurable.

use std::fmt;

use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

use crate::cpa::{range_cpa_tcpa, Kinematic};
use crate::geo::{initial_bearing_deg, normalize_deg_180};

/// A vessel's status for Rule 18 (responsibilities between vessels).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Power-driven vessel under way (Rule 3(b)).
    PowerDriven,
    /// Sailing vessel, not using an engine (Rule 3(c)).
    Sailing,
    /// Vessel engaged in fishing with gear that restricts manoeuvrability
    /// (Rule 3(d)).
    Fishing,
    /// Vessel restricted in her ability to manoeuvre, RAM (Rule 3(g)):
    /// dredging, underwater operations, diving, some towing.
    RestrictedManoeuvrability,
    /// Vessel not under command, NUC (Rule 3(f)).
    NotUnderCommand,
    /// Vessel constrained by her draught, CBD (Rule 3(h)).
    ConstrainedByDraught,
    /// At anchor (not under way).
    AtAnchor,
    /// Moored (not under way).
    Moored,
    /// Aground (not under way).
    Aground,
    /// Not known; presumed power-driven under way for Rule 18.
    Unknown,
}

impl Role {
    /// False for a vessel at anchor, moored or aground: the steering rules
    /// apply to vessels under way.
    pub fn is_under_way(self) -> bool {
        !matches!(self, Role::AtAnchor | Role::Moored | Role::Aground)
    }

    /// Short lower-case description, e.g. `"engaged in fishing"`.
    pub fn describe(self) -> &'static str {
        match self {
            Role::PowerDriven => "power-driven",
            Role::Sailing => "sailing",
            Role::Fishing => "engaged in fishing",
            Role::RestrictedManoeuvrability => "restricted in her ability to manoeuvre",
            Role::NotUnderCommand => "not under command",
            Role::ConstrainedByDraught => "constrained by her draught",
            Role::AtAnchor => "at anchor",
            Role::Moored => "moored",
            Role::Aground => "aground",
            Role::Unknown => "of unknown status, presumed power-driven",
        }
    }
}

/// Rule 18 role from AIS data.
///
/// `nav_status` is the navigational status of position reports (messages
/// 1–3): 0 under way using engine, 1 at anchor, 2 not under command,
/// 3 restricted manoeuvrability, 4 constrained by draught, 5 moored,
/// 6 aground, 7 engaged in fishing, 8 under way sailing, 11/12 power-driven
/// towing or pushing; 9, 10, 13 are reserved, 14 is an AIS-SART/MOB/EPIRB,
/// 15 "not defined". `ship_type` is the type of ship and cargo of message 5
/// or 24: 30 fishing, 31/32 towing, 33 dredging or underwater operations,
/// 34 diving (both RAM), 35 military, 36 sailing, 37 pleasure craft,
/// 20–29 wing in ground, 40–99 high-speed craft, special craft, passenger,
/// cargo, tanker and other.
///
/// A defined navigational status (0–8, 11, 12) takes precedence: a sailing
/// yacht reporting status 0 is under engine and therefore power-driven.
/// Otherwise the ship type decides; a pleasure craft (37) may be sailing or
/// power-driven and gives [`Role::Unknown`], as do unknown codes.
pub fn role_from_ais(nav_status: Option<u8>, ship_type: Option<u8>) -> Role {
    match nav_status {
        Some(0 | 11 | 12) => return Role::PowerDriven,
        Some(1) => return Role::AtAnchor,
        Some(2) => return Role::NotUnderCommand,
        Some(3) => return Role::RestrictedManoeuvrability,
        Some(4) => return Role::ConstrainedByDraught,
        Some(5) => return Role::Moored,
        Some(6) => return Role::Aground,
        Some(7) => return Role::Fishing,
        Some(8) => return Role::Sailing,
        _ => {}
    }
    match ship_type {
        Some(30) => Role::Fishing,
        Some(33 | 34) => Role::RestrictedManoeuvrability,
        Some(36) => Role::Sailing,
        Some(20..=29 | 31 | 32 | 35 | 40..=99) => Role::PowerDriven,
        _ => Role::Unknown,
    }
}

/// A steering and sailing rule that can decide a ruling, as named data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Rule {
    /// Rule 7, risk of collision: none exists, no duty arises.
    R7,
    /// Rule 8, action to avoid collision: a vessel under way keeps clear of
    /// one that is not under way.
    R8,
    /// Rule 12, sailing vessels: decided by the wind.
    R12,
    /// Rule 13, overtaking.
    R13,
    /// Rule 14, head-on situation.
    R14,
    /// Rule 14(c): in doubt, assume head-on.
    R14c,
    /// Rule 15, crossing situation.
    R15,
    /// Rule 18(a): power-driven vessel keeps out of the way of NUC, RAM,
    /// fishing and sailing vessels.
    R18a,
    /// Rule 18(b): sailing vessel keeps out of the way of NUC, RAM and
    /// fishing vessels.
    R18b,
    /// Rule 18(c): fishing vessel keeps out of the way of NUC and RAM.
    R18c,
    /// Rule 18(d): vessels other than NUC and RAM avoid impeding a vessel
    /// constrained by her draught.
    R18d,
    /// Rule 19(d), restricted visibility: vessels not in sight of one
    /// another; neither is give-way nor stand-on, each under way takes
    /// avoiding action — no alteration to port for a vessel forward of the
    /// beam other than one being overtaken (19(d)(i)), none towards a
    /// vessel abeam or abaft the beam (19(d)(ii)). See
    /// [`crate::conditions`].
    R19d,
}

impl Rule {
    /// Every rule this crate can cite.
    pub const ALL: [Rule; 12] = [
        Rule::R7,
        Rule::R8,
        Rule::R12,
        Rule::R13,
        Rule::R14,
        Rule::R14c,
        Rule::R15,
        Rule::R18a,
        Rule::R18b,
        Rule::R18c,
        Rule::R18d,
        Rule::R19d,
    ];

    /// Stable short code, e.g. `"15"`, `"18(a)"`, `"14(c)"`.
    pub fn code(self) -> &'static str {
        match self {
            Rule::R7 => "7",
            Rule::R8 => "8",
            Rule::R12 => "12",
            Rule::R13 => "13",
            Rule::R14 => "14",
            Rule::R14c => "14(c)",
            Rule::R15 => "15",
            Rule::R18a => "18(a)",
            Rule::R18b => "18(b)",
            Rule::R18c => "18(c)",
            Rule::R18d => "18(d)",
            Rule::R19d => "19(d)",
        }
    }

    /// Title of the rule in the COLREGs.
    pub fn title(self) -> &'static str {
        match self {
            Rule::R7 => "Risk of collision",
            Rule::R8 => "Action to avoid collision",
            Rule::R12 => "Sailing vessels",
            Rule::R13 => "Overtaking",
            Rule::R14 | Rule::R14c => "Head-on situation",
            Rule::R15 => "Crossing situation",
            Rule::R18a | Rule::R18b | Rule::R18c | Rule::R18d => "Responsibilities between vessels",
            Rule::R19d => "Conduct of vessels in restricted visibility",
        }
    }

    /// The rule's parsed code, if it is one of ours (inverse of
    /// [`Rule::code`]).
    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.code() == code)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// The kind of encounter (Rules 13–15), or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encounter {
    /// Rule 14: meeting on reciprocal or nearly reciprocal courses
    /// (including the Rule 14(c) "in doubt" meetings).
    HeadOn,
    /// Rule 15: crossing.
    Crossing,
    /// Rule 13: one vessel coming up from more than 22.5° abaft the other's
    /// beam.
    Overtaking,
    /// One vessel is not under way (at anchor, moored, aground).
    NotUnderWay,
    /// No risk of collision (or input not finite): no encounter.
    None,
}

impl Encounter {
    fn describe(self) -> &'static str {
        match self {
            Encounter::HeadOn => "head-on",
            Encounter::Crossing => "crossing",
            Encounter::Overtaking => "overtaking",
            Encounter::NotUnderWay => "vessel not under way",
            Encounter::None => "no encounter",
        }
    }
}

/// Which vessel keeps out of the way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GiveWay {
    /// Own ship keeps out of the way; the target stands on.
    Own,
    /// The target keeps out of the way; own ship stands on.
    Target,
    /// Both alter (head-on, or an ambiguous case).
    Both,
    /// No duty on either (no risk, or no ruling possible).
    Neither,
}

/// How far the stand-on vessel has come under Rule 17.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule17Stage {
    /// 17(a)(i): keep course and speed.
    KeepCourse,
    /// 17(a)(ii): may take action by her manoeuvre alone, the give-way
    /// vessel apparently not acting.
    MayAct,
    /// 17(b): shall take such action as will best aid to avoid collision.
    MustAct,
}

impl Rule17Stage {
    /// Stable short code: `"17(a)(i)"`, `"17(a)(ii)"`, `"17(b)"`.
    pub fn code(self) -> &'static str {
        match self {
            Rule17Stage::KeepCourse => "17(a)(i)",
            Rule17Stage::MayAct => "17(a)(ii)",
            Rule17Stage::MustAct => "17(b)",
        }
    }
}

/// What own ship has to do about one target, from a [`Ruling`]; ordered by
/// urgency, so the duty towards several targets is the maximum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Duty {
    /// No risk of collision: nothing required.
    None,
    /// Stand on: keep course and speed (Rule 17(a)(i)).
    StandOn,
    /// Stand-on vessel that may act (Rule 17(a)(ii)).
    MayAct,
    /// Keep out of the way (give-way vessel, or both in head-on).
    GiveWay,
    /// Stand-on vessel that must act (Rule 17(b)).
    MustAct,
}

/// Sector widths and thresholds for [`classify`]. Angles in degrees,
/// relative to the bow.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ColregsConfig {
    /// Head-on when each vessel sees the other within this angle of her
    /// bow. Default 6°: a little wider than the 5° of the Woerner/Minne
    /// classifiers, to cover heading noise of AIS (±2–3°) on both ships;
    /// narrower than the 13° of AutoVerification, beyond which a crossing
    /// with a clear give-way vessel is the better ruling.
    pub head_on_deg: f64,
    /// Start of the "abaft the beam" sector, measured from the bow: a
    /// vessel seen at `|β| ≥` this angle is coming up from astern. Default
    /// 112.5° (22.5° abaft the beam, Rule 13(b)).
    pub overtaking_from_bow_deg: f64,
    /// Risk of collision exists below this predicted CPA, nautical miles.
    /// Default 1.0 NM: the same as the default passing distance of the
    /// advice, so a give-way ruling always comes with a useful alteration;
    /// raise it (OpenCPN warns at 2 NM) to rule earlier.
    pub risk_cpa_nm: f64,
    /// ... and TCPA below this, seconds. Default 1800 s (30 min, OpenCPN's
    /// `TCPA max`).
    pub risk_tcpa_s: f64,
    /// Rule 17(a)(ii) "may act" when range is below this, NM. Default 2.0.
    pub may_act_range_nm: f64,
    /// ... or TCPA below this, seconds. Default 360 s (6 min).
    pub may_act_tcpa_s: f64,
    /// Rule 17(b) "must act" when range is below this, NM. Default 0.5
    /// (about 900 m: a few ship lengths plus the advance of a hard-over
    /// turn of a large ship).
    pub must_act_range_nm: f64,
    /// ... or TCPA below this, seconds. Default 180 s (3 min).
    pub must_act_tcpa_s: f64,
}

impl Default for ColregsConfig {
    fn default() -> Self {
        ColregsConfig {
            head_on_deg: 6.0,
            overtaking_from_bow_deg: 112.5,
            risk_cpa_nm: 1.0,
            risk_tcpa_s: 1800.0,
            may_act_range_nm: 2.0,
            may_act_tcpa_s: 360.0,
            must_act_range_nm: 0.5,
            must_act_tcpa_s: 180.0,
        }
    }
}

/// The COLREGs ruling for own ship and one target. See the
/// [module documentation](self) for the conventions.
///
/// [`fmt::Display`] (and [`Ruling::sentence`]) give a plain sentence such as
/// `crossing, target on starboard bow: own ship gives way (Rule 15)`;
/// the JSON form carries every field plus that `sentence`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ruling {
    /// The encounter, or [`Encounter::None`] without risk of collision.
    pub encounter: Encounter,
    /// Who keeps out of the way.
    pub give_way: GiveWay,
    /// The deciding rule; `None` only when the input was not finite.
    pub rule: Option<Rule>,
    /// True when risk of collision exists (see [`ColregsConfig`]).
    pub risk: bool,
    /// Rule 17 stage of the stand-on vessel (own ship when `give_way` is
    /// `Target`, the target when it is `Own`); `None` without a stand-on
    /// vessel.
    pub stand_on_stage: Option<Rule17Stage>,
    /// Relative bearing of the target from own ship's bow, degrees
    /// (−180, 180], positive to starboard.
    pub target_relative_bearing_deg: f64,
    /// Relative bearing of own ship from the target's bow, degrees
    /// (−180, 180], positive to starboard.
    pub own_relative_bearing_deg: f64,
    /// Current range, nautical miles.
    pub range_nm: f64,
    /// Predicted CPA, nautical miles.
    pub cpa_nm: f64,
    /// Time to CPA, seconds (negative: opening).
    pub tcpa_s: f64,
    /// Own ship's role as given.
    pub own_role: Role,
    /// The target's role as given.
    pub target_role: Role,
}

impl Ruling {
    /// What this ruling asks of own ship.
    pub fn own_duty(&self) -> Duty {
        if !self.risk {
            return Duty::None;
        }
        match self.give_way {
            GiveWay::Own | GiveWay::Both => Duty::GiveWay,
            GiveWay::Neither => Duty::None,
            GiveWay::Target => match self.stand_on_stage {
                Some(Rule17Stage::MustAct) => Duty::MustAct,
                Some(Rule17Stage::MayAct) => Duty::MayAct,
                _ => Duty::StandOn,
            },
        }
    }

    /// The plain-language ruling (same as `to_string()`).
    pub fn sentence(&self) -> String {
        self.to_string()
    }

    /// The ruling with the vessels named, for someone watching both (a
    /// traffic operator) rather than from own ship's bridge; without the
    /// Rule 17 stage, which the caller words from its own stage:
    ///
    /// `crossing: ATLANTIC TANKER is on the starboard bow of CAPE FINISTERRE,
    /// so CAPE FINISTERRE gives way and ATLANTIC TANKER stands on (Rule 15)`.
    pub fn sentence_named(&self, own: &str, target: &str) -> String {
        let Some(rule) = self.rule else {
            return "no ruling: position, course or speed not finite".to_string();
        };
        if !self.risk {
            return if self.tcpa_s > 0.0 {
                format!(
                    "no risk of collision between {own} and {target}, CPA {:.2} NM in {:.1} min: \
                     no action required (Rule 7)",
                    self.cpa_nm,
                    self.tcpa_s / 60.0
                )
            } else {
                format!("{own} and {target} are opening: no action required (Rule 7)")
            };
        }
        let kind = self.encounter.describe();
        let t_at = where_of(self.target_relative_bearing_deg);
        let o_at = where_of(self.own_relative_bearing_deg);
        let (o_role, t_role) = (self.own_role.describe(), self.target_role.describe());
        if rule == Rule::R19d {
            return self.sentence_rule19(own, target);
        }
        match (rule, self.give_way) {
            (Rule::R14, _) => format!(
                "head-on: {own} and {target} meet on reciprocal courses; both alter course to \
                 starboard (Rule 14)"
            ),
            (Rule::R14c, _) => format!(
                "meeting: {target} is {t_at} {own}; in doubt it is head-on, both alter course \
                 to starboard (Rule 14(c))"
            ),
            (Rule::R12, _) => format!(
                "{kind}: {own} and {target} are both sailing; Rule 12 decides by the wind, which \
                 is not known here, so both keep clear (Rule 12)"
            ),
            (Rule::R8, GiveWay::Own) => {
                format!("{target} is {t_role}, {t_at} {own}: {own} keeps clear (Rule 8)")
            }
            (Rule::R8, GiveWay::Target) => {
                format!("{own} is {o_role}, {o_at} {target}: {target} keeps clear (Rule 8)")
            }
            (Rule::R8, _) => format!(
                "neither {own} nor {target} is under way: no steering rule applies (Rule 8)"
            ),
            (Rule::R13, GiveWay::Own) => format!(
                "overtaking: {own} is overtaking {target} and keeps out of her way; {target} \
                 stands on (Rule 13)"
            ),
            (Rule::R13, _) => format!(
                "overtaking: {target} is overtaking {own} and keeps out of her way; {own} \
                 stands on (Rule 13)"
            ),
            (Rule::R15, GiveWay::Own) => format!(
                "crossing: {target} is {t_at} {own}, so {own} gives way and {target} stands on \
                 (Rule 15)"
            ),
            (Rule::R15, _) => format!(
                "crossing: {own} is {o_at} {target}, so {target} gives way and {own} stands on \
                 (Rule 15)"
            ),
            (r, GiveWay::Own) => format!(
                "{kind}: {target} is {t_role}, so {own} ({o_role}) keeps out of her way and \
                 {target} stands on (Rule {})",
                r.code()
            ),
            (r, _) => format!(
                "{kind}: {own} is {o_role}, so {target} ({t_role}) keeps out of her way and \
                 {own} stands on (Rule {})",
                r.code()
            ),
        }
    }
}

impl Ruling {
    /// Own ship is overtaking the target (an overtaking encounter in which
    /// own ship is the one farther abaft the other's beam).
    pub fn own_overtaking(&self) -> bool {
        self.encounter == Encounter::Overtaking
            && self.own_relative_bearing_deg.abs() > self.target_relative_bearing_deg.abs()
    }

    /// The target is overtaking own ship.
    pub fn target_overtaking(&self) -> bool {
        self.encounter == Encounter::Overtaking
            && self.target_relative_bearing_deg.abs() >= self.own_relative_bearing_deg.abs()
    }

    /// [`Ruling::sentence_named`] of a Rule 19 ruling.
    fn sentence_rule19(&self, own: &str, target: &str) -> String {
        let mut s = format!(
            "restricted visibility (Rule 19): {own} and {target} are not in sight of one \
             another; neither is give-way or stand-on"
        );
        let own_acts = matches!(self.give_way, GiveWay::Own | GiveWay::Both);
        let target_acts = matches!(self.give_way, GiveWay::Target | GiveWay::Both);
        let mut parts: Vec<String> = Vec::new();
        if own_acts {
            let (w, r) = rule19_words(
                self.target_relative_bearing_deg,
                self.own_overtaking(),
                target,
            );
            parts.push(format!("{own} {w} ({r})"));
        }
        if target_acts {
            let (w, r) = rule19_words(self.own_relative_bearing_deg, self.target_overtaking(), own);
            parts.push(format!("{target} {w} ({r})"));
        }
        match parts.len() {
            0 => {}
            1 => s.push_str(&format!("; {}", parts[0])),
            _ => s.push_str(&format!(
                "; both take avoiding action: {}",
                parts.join(", ")
            )),
        }
        s.push_str("; either may reduce speed, to the minimum at which she keeps her course if need be (Rule 19(e))");
        s
    }
}

/// What Rule 19(d) asks of a vessel that sees the other at relative
/// bearing `rel_deg`, and which paragraph: `("avoids an alteration to port
/// for HER, forward of her beam", "Rule 19(d)(i)")`.
fn rule19_words(rel_deg: f64, overtaking: bool, other: &str) -> (String, &'static str) {
    let a = rel_deg.abs();
    if overtaking {
        (
            format!("may alter to either side to pass {other}, whom she is overtaking"),
            "Rule 19(d)(i)",
        )
    } else if a < 90.0 {
        (
            format!("avoids an alteration to port for {other}, forward of her beam"),
            "Rule 19(d)(i)",
        )
    } else if a >= ASTERN_DEG {
        (
            format!("avoids an alteration towards {other}, astern of her"),
            "Rule 19(d)(ii)",
        )
    } else {
        let (side, to) = if rel_deg > 0.0 {
            ("starboard", "starboard")
        } else {
            ("port", "port")
        };
        let at = if a <= 112.5 {
            "abeam"
        } else {
            "abaft the beam"
        };
        (
            format!("avoids an alteration to {to}, towards {other}, {at} on her {side} side"),
            "Rule 19(d)(ii)",
        )
    }
}

/// A vessel seen this far from the bow (or more) is astern: a turn to
/// either side is a turn away from her (Rule 19(d)(ii)).
pub const ASTERN_DEG: f64 = 175.0;

/// Where a vessel is, to be followed by the other's name: `"ahead of"`,
/// `"on the starboard bow of"`, ... (the sectors of [`position_words`]).
fn where_of(rel_deg: f64) -> &'static str {
    match position_words(rel_deg) {
        "ahead" => "ahead of",
        "astern" => "astern of",
        "on starboard bow" => "on the starboard bow of",
        "on port bow" => "on the port bow of",
        "on starboard beam" => "on the starboard beam of",
        "on port beam" => "on the port beam of",
        "on starboard quarter" => "on the starboard quarter of",
        _ => "on the port quarter of",
    }
}

/// Where a vessel is relative to the bow, in seamen's words: `"ahead"`,
/// `"on starboard bow"` (5°–67.5°), `"on starboard beam"` (to 112.5°),
/// `"on starboard quarter"` (to 175°), `"astern"`, and the same to port.
fn position_words(rel_deg: f64) -> &'static str {
    let a = rel_deg.abs();
    let stbd = rel_deg > 0.0;
    let side = |s: &'static str, p: &'static str| if stbd { s } else { p };
    if a < 5.0 {
        "ahead"
    } else if a >= 175.0 {
        "astern"
    } else if a < 67.5 {
        side("on starboard bow", "on port bow")
    } else if a <= 112.5 {
        side("on starboard beam", "on port beam")
    } else {
        side("on starboard quarter", "on port quarter")
    }
}

impl fmt::Display for Ruling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(rule) = self.rule else {
            return f.write_str("no ruling: position, course or speed not finite");
        };
        let pos = position_words(self.target_relative_bearing_deg);
        if !self.risk {
            return if self.tcpa_s > 0.0 {
                write!(
                    f,
                    "no risk of collision, CPA {:.2} NM in {:.1} min: no action required (Rule 7)",
                    self.cpa_nm,
                    self.tcpa_s / 60.0
                )
            } else {
                write!(
                    f,
                    "no risk of collision, target {pos} and opening: no action required (Rule 7)"
                )
            };
        }
        let kind = self.encounter.describe();
        match (rule, self.give_way) {
            (Rule::R19d, _) => {
                write!(
                    f,
                    "restricted visibility, target {pos} not in sight: no vessel stands on"
                )?;
                if matches!(self.give_way, GiveWay::Own | GiveWay::Both) {
                    let (words, _) = rule19_words(
                        self.target_relative_bearing_deg,
                        self.own_overtaking(),
                        "her",
                    );
                    write!(f, "; own ship {words}")?;
                }
                return f.write_str(", or reduces speed (Rule 19(d), 19(e))");
            }
            (Rule::R14, _) => write!(
                f,
                "head-on, target {pos}: both vessels alter course to starboard (Rule 14)"
            )?,
            (Rule::R14c, _) => write!(
                f,
                "meeting, target {pos}: in doubt, treat as head-on; both vessels alter \
                 course to starboard (Rule 14(c))"
            )?,
            (Rule::R12, _) => write!(
                f,
                "{kind}, target {pos}, two sailing vessels: Rule 12 decides by the wind, \
                 which is not known here; both keep clear (Rule 12)"
            )?,
            (Rule::R8, GiveWay::Own) => write!(
                f,
                "target {} {pos}: own ship keeps clear (Rule 8)",
                self.target_role.describe()
            )?,
            (Rule::R8, GiveWay::Target) => write!(
                f,
                "own ship {}, target {pos}: target keeps clear (Rule 8)",
                self.own_role.describe()
            )?,
            (Rule::R8, _) => write!(
                f,
                "target {pos}, neither vessel under way: no steering rule applies (Rule 8)"
            )?,
            (Rule::R13, GiveWay::Own) => write!(
                f,
                "overtaking, target {pos}: own ship is overtaking and keeps out of the way \
                 (Rule 13)"
            )?,
            (Rule::R13, _) => write!(
                f,
                "overtaking, target {pos} is overtaking: target keeps out of the \
                 way, own ship stands on (Rule 13)"
            )?,
            (Rule::R15, GiveWay::Own) => {
                write!(f, "crossing, target {pos}: own ship gives way (Rule 15)")?
            }
            (Rule::R15, _) => write!(
                f,
                "crossing, target {pos}: target gives way, own ship stands on (Rule 15)"
            )?,
            (r, GiveWay::Own) => write!(
                f,
                "{kind}, target {pos} is {}: own ship ({}) keeps out of the way (Rule {})",
                self.target_role.describe(),
                self.own_role.describe(),
                r.code()
            )?,
            (r, _) => write!(
                f,
                "{kind}, target {pos}, own ship is {}: target ({}) keeps out of the way, own \
                 ship stands on (Rule {})",
                self.own_role.describe(),
                self.target_role.describe(),
                r.code()
            )?,
        }
        match (self.give_way, self.stand_on_stage) {
            (GiveWay::Target, Some(Rule17Stage::MayAct)) => {
                f.write_str("; own ship may act (Rule 17(a)(ii))")
            }
            (GiveWay::Target, Some(Rule17Stage::MustAct)) => {
                f.write_str("; own ship must act (Rule 17(b))")
            }
            _ => Ok(()),
        }
    }
}

impl Serialize for Ruling {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Ruling", 14)?;
        st.serialize_field("encounter", &self.encounter)?;
        st.serialize_field("give_way", &self.give_way)?;
        st.serialize_field("rule", &self.rule)?;
        st.serialize_field("rule_title", &self.rule.map(Rule::title))?;
        st.serialize_field("risk", &self.risk)?;
        st.serialize_field("stand_on_stage", &self.stand_on_stage)?;
        st.serialize_field(
            "target_relative_bearing_deg",
            &self.target_relative_bearing_deg,
        )?;
        st.serialize_field("own_relative_bearing_deg", &self.own_relative_bearing_deg)?;
        st.serialize_field("range_nm", &self.range_nm)?;
        st.serialize_field("cpa_nm", &self.cpa_nm)?;
        st.serialize_field("tcpa_s", &self.tcpa_s)?;
        st.serialize_field("own_role", &self.own_role)?;
        st.serialize_field("target_role", &self.target_role)?;
        st.serialize_field("sentence", &self.sentence())?;
        st.end()
    }
}

/// Rule 18 precedence: `Some(rule)` when a vessel of role `giver` must keep
/// out of the way of (or not impede) a vessel of role `other`.
pub fn rule18(giver: Role, other: Role) -> Option<Rule> {
    use Role::*;
    let giver = if giver == Unknown { PowerDriven } else { giver };
    match other {
        NotUnderCommand | RestrictedManoeuvrability => match giver {
            PowerDriven | ConstrainedByDraught => Some(Rule::R18a),
            Sailing => Some(Rule::R18b),
            Fishing => Some(Rule::R18c),
            _ => None,
        },
        Fishing => match giver {
            PowerDriven | ConstrainedByDraught => Some(Rule::R18a),
            Sailing => Some(Rule::R18b),
            _ => None,
        },
        Sailing => match giver {
            PowerDriven | ConstrainedByDraught => Some(Rule::R18a),
            _ => None,
        },
        ConstrainedByDraught => match giver {
            PowerDriven | Sailing | Fishing => Some(Rule::R18d),
            _ => None,
        },
        _ => None,
    }
}

fn in_abaft_sector(rel_deg: f64, from_bow_deg: f64) -> bool {
    rel_deg.abs() >= from_bow_deg
}

/// Rules the encounter of `own` and `target` (see the
/// [module documentation](self)). Never panics; non-finite input gives
/// [`Encounter::None`], [`GiveWay::Neither`], `rule: None` and NaN numbers.
///
/// ```
/// use finisterra_nav::colregs::{classify, ColregsConfig, GiveWay, Role, Rule};
/// use finisterra_nav::cpa::Kinematic;
/// // Target 4 NM away on the starboard bow, heading west, collision course.
/// let own = Kinematic::new(50.0, -5.0, 12.0, 0.0);
/// let target = Kinematic::new(50.0 + 2.0 / 60.0, -5.0 + 2.0 / 60.0 / 0.6428, 12.0, 270.0);
/// let r = classify(&own, Role::PowerDriven, &target, Role::PowerDriven, &ColregsConfig::default());
/// assert_eq!(r.give_way, GiveWay::Own);
/// assert_eq!(r.rule, Some(Rule::R15));
/// assert_eq!(r.to_string(), "crossing, target on starboard bow: own ship gives way (Rule 15)");
/// ```
pub fn classify(
    own: &Kinematic,
    own_role: Role,
    target: &Kinematic,
    target_role: Role,
    cfg: &ColregsConfig,
) -> Ruling {
    let (range_nm, cpa_nm, tcpa_s) = range_cpa_tcpa(own, target);
    let beta = normalize_deg_180(
        initial_bearing_deg(own.lat_deg, own.lon_deg, target.lat_deg, target.lon_deg)
            - own.heading_or_cog_deg(),
    );
    let alpha = normalize_deg_180(
        initial_bearing_deg(target.lat_deg, target.lon_deg, own.lat_deg, own.lon_deg)
            - target.heading_or_cog_deg(),
    );
    let mut ruling = Ruling {
        encounter: Encounter::None,
        give_way: GiveWay::Neither,
        rule: None,
        risk: false,
        stand_on_stage: None,
        target_relative_bearing_deg: beta,
        own_relative_bearing_deg: alpha,
        range_nm,
        cpa_nm,
        tcpa_s,
        own_role,
        target_role,
    };
    if !own.is_valid_motion()
        || !target.is_valid_motion()
        || !beta.is_finite()
        || !alpha.is_finite()
    {
        ruling.target_relative_bearing_deg = f64::NAN;
        ruling.own_relative_bearing_deg = f64::NAN;
        return ruling;
    }
    let risk = tcpa_s > 0.0 && cpa_nm < cfg.risk_cpa_nm && tcpa_s < cfg.risk_tcpa_s;
    if !risk {
        ruling.rule = Some(Rule::R7);
        return ruling;
    }
    ruling.risk = true;

    // Vessels not under way: no steering rule; the one under way keeps clear.
    let (own_uw, tgt_uw) = (own_role.is_under_way(), target_role.is_under_way());
    if !own_uw || !tgt_uw {
        ruling.encounter = Encounter::NotUnderWay;
        ruling.rule = Some(Rule::R8);
        ruling.give_way = match (own_uw, tgt_uw) {
            (true, false) => GiveWay::Own,
            (false, true) => GiveWay::Target,
            _ => GiveWay::Neither,
        };
        ruling.stand_on_stage = stage(&ruling, cfg);
        return ruling;
    }

    let ot = cfg.overtaking_from_bow_deg;
    let target_abaft = in_abaft_sector(beta, ot);
    let own_abaft = in_abaft_sector(alpha, ot);
    let (encounter, give_way, rule) = if target_abaft || own_abaft {
        // The vessel seen abaft the other's beam is coming up with her. If
        // each is abaft the other's beam (only possible with drift), the one
        // nearer the other's stern is the overtaking vessel.
        let target_overtakes = if target_abaft && own_abaft {
            beta.abs() >= alpha.abs()
        } else {
            target_abaft
        };
        let gw = if target_overtakes {
            GiveWay::Target
        } else {
            GiveWay::Own
        };
        (Encounter::Overtaking, gw, Rule::R13)
    } else if beta.abs() <= cfg.head_on_deg && alpha.abs() <= cfg.head_on_deg {
        (Encounter::HeadOn, GiveWay::Both, Rule::R14)
    } else {
        let own_sees_stbd = beta >= 0.0;
        let tgt_sees_stbd = alpha >= 0.0;
        match (own_sees_stbd, tgt_sees_stbd) {
            (true, false) => (Encounter::Crossing, GiveWay::Own, Rule::R15),
            (false, true) => (Encounter::Crossing, GiveWay::Target, Rule::R15),
            _ => (Encounter::HeadOn, GiveWay::Both, Rule::R14c),
        }
    };

    let (give_way, rule) = if encounter == Encounter::Overtaking {
        (give_way, rule)
    } else if let Some(r) = rule18(own_role, target_role) {
        (GiveWay::Own, r)
    } else if let Some(r) = rule18(target_role, own_role) {
        (GiveWay::Target, r)
    } else if own_role == Role::Sailing && target_role == Role::Sailing {
        (GiveWay::Both, Rule::R12)
    } else {
        (give_way, rule)
    };

    ruling.encounter = encounter;
    ruling.give_way = give_way;
    ruling.rule = Some(rule);
    ruling.stand_on_stage = stage(&ruling, cfg);
    ruling
}

/// Rule 17 stage of the stand-on vessel of a ruling with risk.
fn stage(r: &Ruling, cfg: &ColregsConfig) -> Option<Rule17Stage> {
    if !r.risk || !matches!(r.give_way, GiveWay::Own | GiveWay::Target) {
        return None;
    }
    Some(
        if r.range_nm < cfg.must_act_range_nm || r.tcpa_s < cfg.must_act_tcpa_s {
            Rule17Stage::MustAct
        } else if r.range_nm < cfg.may_act_range_nm || r.tcpa_s < cfg.may_act_tcpa_s {
            Rule17Stage::MayAct
        } else {
            Rule17Stage::KeepCourse
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ais_roles() {
        assert_eq!(role_from_ais(Some(0), Some(36)), Role::PowerDriven);
        assert_eq!(role_from_ais(Some(8), Some(70)), Role::Sailing);
        assert_eq!(role_from_ais(Some(7), None), Role::Fishing);
        assert_eq!(role_from_ais(Some(1), None), Role::AtAnchor);
        assert_eq!(role_from_ais(Some(2), None), Role::NotUnderCommand);
        assert_eq!(
            role_from_ais(Some(3), None),
            Role::RestrictedManoeuvrability
        );
        assert_eq!(role_from_ais(Some(4), None), Role::ConstrainedByDraught);
        assert_eq!(role_from_ais(Some(5), None), Role::Moored);
        assert_eq!(role_from_ais(Some(6), None), Role::Aground);
        assert_eq!(role_from_ais(Some(15), Some(30)), Role::Fishing);
        assert_eq!(role_from_ais(None, Some(36)), Role::Sailing);
        assert_eq!(
            role_from_ais(Some(15), Some(33)),
            Role::RestrictedManoeuvrability
        );
        assert_eq!(
            role_from_ais(None, Some(34)),
            Role::RestrictedManoeuvrability
        );
        assert_eq!(role_from_ais(None, Some(70)), Role::PowerDriven);
        assert_eq!(role_from_ais(None, Some(37)), Role::Unknown);
        assert_eq!(role_from_ais(None, None), Role::Unknown);
        assert_eq!(role_from_ais(Some(14), None), Role::Unknown);
        assert_eq!(role_from_ais(Some(255), Some(255)), Role::Unknown);
    }

    #[test]
    fn rule18_table() {
        use Role::*;
        assert_eq!(rule18(PowerDriven, Sailing), Some(Rule::R18a));
        assert_eq!(rule18(PowerDriven, Fishing), Some(Rule::R18a));
        assert_eq!(rule18(Unknown, NotUnderCommand), Some(Rule::R18a));
        assert_eq!(rule18(Sailing, Fishing), Some(Rule::R18b));
        assert_eq!(rule18(Sailing, RestrictedManoeuvrability), Some(Rule::R18b));
        assert_eq!(rule18(Fishing, NotUnderCommand), Some(Rule::R18c));
        assert_eq!(rule18(Sailing, ConstrainedByDraught), Some(Rule::R18d));
        assert_eq!(rule18(Fishing, ConstrainedByDraught), Some(Rule::R18d));
        assert_eq!(rule18(NotUnderCommand, ConstrainedByDraught), None);
        assert_eq!(rule18(Sailing, PowerDriven), None);
        assert_eq!(rule18(Fishing, Sailing), None);
        assert_eq!(rule18(NotUnderCommand, RestrictedManoeuvrability), None);
        assert_eq!(rule18(PowerDriven, PowerDriven), None);
    }

    #[test]
    fn rule_codes_round_trip() {
        for r in Rule::ALL {
            assert_eq!(Rule::from_code(r.code()), Some(r));
            assert!(!r.title().is_empty());
        }
        assert_eq!(Rule::from_code("99"), None);
    }

    #[test]
    fn duty_order() {
        assert!(Duty::MustAct > Duty::GiveWay);
        assert!(Duty::GiveWay > Duty::MayAct);
        assert!(Duty::MayAct > Duty::StandOn);
        assert!(Duty::StandOn > Duty::None);
    }

    #[test]
    fn words() {
        assert_eq!(position_words(2.0), "ahead");
        assert_eq!(position_words(30.0), "on starboard bow");
        assert_eq!(position_words(-90.0), "on port beam");
        assert_eq!(position_words(150.0), "on starboard quarter");
        assert_eq!(position_words(180.0), "astern");
    }
}

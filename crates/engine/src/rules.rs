//! Where the zones bear on the COLREGs judgements: what a vessel does in a
//! routeing zone (Rules 9 and 10, turned into zone events by
//! [`crate::zone`]), the duties not to impede a vessel following a lane or
//! a narrow channel (Rules 9(b)–(c), 10(i)–(j)), whether two vessels are in
//! sight of one another (Rule 19), and the advice under those conditions.
//! `risk` calls this module; it holds the judgement so that `risk` stays a
//! lifecycle.
//!
//! # Thresholds
//!
//! * Lanes are judged by the sectors of [`finisterra_geofence::traffic`]:
//!   against the flow beyond 135° from it, crossing between 45° and 135°
//!   with the **heading** (else the COG, said so in `judged_by`) within 30°
//!   of the perpendicular (Rule 10(c)); an open `crossing_angle` alert
//!   clears only below 25° (hysteresis against heading jitter).
//! * Nothing is judged below 3 kn ([`MAKING_WAY_KN`]); an open alert stays
//!   open between 2 and 3 kn and clears (`slowed`) below 2 kn.
//! * The wrong side of a channel (Rule 9(a)) is raised 30 m beyond the axis
//!   (AIS position error and the antenna's offset from the centre line are
//!   of that order) and cleared once the vessel is back on or over it.
//! * "Following a lane" (for the duty not to impede): inside a `tss_lane`,
//!   making way, COG within 45° of the flow (the with-flow sector);
//!   "following a channel": inside a `channel`, COG within 45° of its
//!   direction either way.
//! * Not in sight (Rule 19): **either** vessel inside an active
//!   `restricted_visibility` area — Rule 19(a) applies to vessels "in or
//!   near" such an area, and a fog bank hides the vessel outside it from the
//!   one inside as much as the reverse — and their range beyond the
//!   smallest visibility declared where either of them is. Within that
//!   range they are in sight of one another and Section II applies.

use finisterra_geofence::traffic::{
    crossing_deviation_deg, lane_sector, LaneSector, TssBlock, CROSSING_TOLERANCE_DEG,
    GENERAL_DIRECTION_DEG, MAKING_WAY_KN,
};
use finisterra_geofence::zones::{Fix, Rule, VesselFacts, Zone, Zones};
use finisterra_nav::colregs::Role;
use finisterra_nav::conditions::{advise_in, Conditions};

use crate::config::Config;
use crate::event::{AdviceItem, NotToImpede};
use crate::screen::Snap;

/// An open alert of a routeing zone clears below this speed, knots.
pub(crate) const STOPPED_KN: f64 = 2.0;
/// An open `crossing_angle` clears when the heading is back within this
/// of the perpendicular, degrees.
const CROSSING_CLEAR_DEG: f64 = CROSSING_TOLERANCE_DEG - 5.0;
/// Beyond the axis on the wrong side by more than this, metres: raised.
const WRONG_SIDE_M: f64 = 30.0;
/// Under this length a vessel shall not impede one following a lane or
/// channel (Rules 9(b), 10(j)), metres.
const SMALL_VESSEL_M: f64 = 20.0;

/// How a vessel moves, for the routeing zones.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Motion {
    pub sog_kn: Option<f64>,
    pub cog_deg: Option<f64>,
    pub heading_deg: Option<f64>,
    pub role: Role,
}

/// What is wrong in one routeing zone, when something is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Breach {
    pub action: &'static str,
    pub colregs: &'static str,
    pub angle_deg: Option<f64>,
    pub judged_by: Option<&'static str>,
    pub offset_m: Option<f64>,
}

/// The judgement of one routeing zone for a vessel inside it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Judged {
    /// Something is wrong.
    Breach(Breach),
    /// Nothing is wrong.
    Fine,
    /// Too slow to judge: an open alert stays as it is.
    Undecided,
    /// Stopped: an open alert clears (`slowed`).
    Stopped,
}

/// Judges a vessel inside routeing zone `z`; `open` is the action of the
/// alert already open for this vessel and zone (for the hysteresis).
pub(crate) fn judge_traffic(
    z: &Zone,
    lat_deg: f64,
    lon_deg: f64,
    m: &Motion,
    open: Option<&str>,
) -> Judged {
    let sog = m.sog_kn.unwrap_or(0.0);
    let moving = sog >= MAKING_WAY_KN;
    let cog = m.cog_deg.filter(|c| c.is_finite());
    match z.rule {
        Rule::TssSeparation { flow_deg } => {
            // Rule 10(e)(iii): fishing in a separation zone is allowed;
            // 10(e)(i): crossing it is.
            if m.role == Role::Fishing {
                return Judged::Fine;
            }
            let crossing = match (flow_deg, cog) {
                (Some(f), Some(c)) if moving => {
                    lane_sector(f, c) == Some(LaneSector::Crossing)
                        || lane_sector(f + 180.0, c) == Some(LaneSector::Crossing)
                }
                _ => false,
            };
            if crossing {
                Judged::Fine
            } else {
                Judged::Breach(Breach {
                    action: "in_separation_zone",
                    colregs: "Rule 10(e)",
                    angle_deg: None,
                    judged_by: None,
                    offset_m: None,
                })
            }
        }
        _ if !moving => {
            if sog < STOPPED_KN {
                Judged::Stopped
            } else {
                Judged::Undecided
            }
        }
        Rule::TssLane { flow_deg } => {
            let Some(cog) = cog else {
                return Judged::Undecided;
            };
            match lane_sector(flow_deg, cog) {
                Some(LaneSector::AgainstFlow) => Judged::Breach(Breach {
                    action: "against_flow",
                    colregs: "Rule 10(b)(i)",
                    angle_deg: Some(round1(finisterra_geofence::traffic::off_flow_deg(
                        flow_deg, cog,
                    ))),
                    judged_by: Some("cog"),
                    offset_m: None,
                }),
                Some(LaneSector::Crossing) => {
                    let (heading, by) = match m.heading_deg.filter(|h| h.is_finite()) {
                        Some(h) => (h, "heading"),
                        None => (cog, "cog"),
                    };
                    let dev = crossing_deviation_deg(flow_deg, heading);
                    let limit = if open == Some("crossing_angle") {
                        CROSSING_CLEAR_DEG
                    } else {
                        CROSSING_TOLERANCE_DEG
                    };
                    if dev > limit {
                        Judged::Breach(Breach {
                            action: "crossing_angle",
                            colregs: "Rule 10(c)",
                            angle_deg: Some(round1(dev)),
                            judged_by: Some(by),
                            offset_m: None,
                        })
                    } else {
                        Judged::Fine
                    }
                }
                _ => Judged::Fine,
            }
        }
        Rule::Channel { .. } => {
            let Some(cog) = cog else {
                return Judged::Undecided;
            };
            match z.channel_side_m(lat_deg, lon_deg, cog) {
                Some(s) if s < -WRONG_SIDE_M || (open.is_some() && s < 0.0) => {
                    Judged::Breach(Breach {
                        action: "wrong_side",
                        colregs: "Rule 9(a)",
                        angle_deg: None,
                        judged_by: None,
                        offset_m: Some(round1(-s)),
                    })
                }
                Some(s) if s < 0.0 => Judged::Undecided,
                _ => Judged::Fine,
            }
        }
        // Inshore zones are reported on entry (zone.entered), not judged
        // at each fix.
        _ => Judged::Fine,
    }
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// Through traffic for Rule 10(d)(i): not under 20 m, not sailing, not
/// engaged in fishing. A vessel of unknown length counts as through
/// traffic only on a class A transponder (carried by ships of 300 GT and
/// more on international voyages, all well over 20 m).
pub(crate) fn through_traffic(facts: &VesselFacts, role: Role) -> bool {
    if matches!(role, Role::Sailing | Role::Fishing) {
        return false;
    }
    match facts.length_m {
        Some(l) => l >= SMALL_VESSEL_M,
        None => !facts.class_b,
    }
}

/// The zone and waters a power-driven vessel is following, if any: a
/// `tss_lane` with her COG within 45° of its flow, or a `channel` with her
/// COG within 45° of its direction either way.
fn following(
    zones: &Zones,
    facts: &VesselFacts,
    s: &Snap,
    t_ms: i64,
) -> Option<(&'static str, usize)> {
    if !matches!(s.role, Role::PowerDriven | Role::ConstrainedByDraught) || s.sog < MAKING_WAY_KN {
        return None;
    }
    zones
        .inside(facts, s.lat, s.lon, t_ms)
        .into_iter()
        .find_map(|i| {
            let z = &zones.zones()[i];
            match z.rule {
                Rule::TssLane { flow_deg } => (lane_sector(flow_deg, s.cog)
                    == Some(LaneSector::WithFlow))
                .then_some(("traffic_lane", i)),
                Rule::Channel { .. } => {
                    let dir = z.channel_direction_at(s.lat, s.lon)?;
                    let off = finisterra_geofence::traffic::off_flow_deg(dir, s.cog);
                    (off <= GENERAL_DIRECTION_DEG || off >= 180.0 - GENERAL_DIRECTION_DEG)
                        .then_some(("narrow_channel", i))
                }
                _ => None,
            }
        })
}

/// The duty not to impede of `giver` towards `other`, if any.
fn duty_towards(
    zones: &Zones,
    t_ms: i64,
    giver: (&Snap, &VesselFacts),
    other: (&Snap, &VesselFacts),
) -> Option<NotToImpede> {
    let (g, gf) = giver;
    let because = match g.role {
        Role::Sailing => "sailing",
        Role::Fishing => "fishing",
        _ if gf.length_m.is_some_and(|l| l < SMALL_VESSEL_M) => "under_20_m",
        _ => return None,
    };
    let (o, of) = other;
    let (waters, zi) = following(zones, of, o, t_ms)?;
    let rule = match (waters, because) {
        ("traffic_lane", "fishing") => "Rule 10(i)",
        ("traffic_lane", _) => "Rule 10(j)",
        (_, "fishing") => "Rule 9(c)",
        _ => "Rule 9(b)",
    };
    Some(NotToImpede {
        mmsi: g.mmsi,
        towards: o.mmsi,
        rule,
        because,
        waters,
        zone: zones.zones()[zi].name.clone(),
    })
}

/// What the zones add to the ruling of a pair.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct PairRules {
    /// Not in sight of one another: the visibility, NM (Rule 19).
    pub not_in_sight_nm: Option<f64>,
    /// Duties not to impede, either way.
    pub not_to_impede: Vec<NotToImpede>,
}

impl PairRules {
    /// The pair's conditions for `nav`.
    pub fn conditions(&self) -> Conditions {
        Conditions {
            restricted_visibility: self.not_in_sight_nm.is_some(),
        }
    }
}

/// The visibility where either vessel is, NM, when they are farther apart
/// than it (not in sight of one another).
pub(crate) fn not_in_sight(
    zones: &Zones,
    t_ms: i64,
    a: &Snap,
    b: &Snap,
    range_nm: f64,
) -> Option<f64> {
    let va = zones.visibility_nm_at(a.lat, a.lon, t_ms);
    let vb = zones.visibility_nm_at(b.lat, b.lon, t_ms);
    let vis = match (va, vb) {
        (Some(x), Some(y)) => x.min(y),
        (x, y) => x.or(y)?,
    };
    (range_nm > vis).then_some(vis)
}

/// What the zones add to the ruling of a pair `a`, `b` (facts from the
/// picture) at range `range_nm`.
pub(crate) fn pair_rules(
    zones: &Zones,
    t_ms: i64,
    a: (&Snap, &VesselFacts),
    b: (&Snap, &VesselFacts),
    range_nm: f64,
) -> PairRules {
    if zones.is_empty() {
        return PairRules::default();
    }
    let mut out = PairRules {
        not_in_sight_nm: not_in_sight(zones, t_ms, a.0, b.0, range_nm),
        not_to_impede: Vec::new(),
    };
    if zones.has_traffic_zones() {
        out.not_to_impede.extend(duty_towards(zones, t_ms, a, b));
        out.not_to_impede.extend(duty_towards(zones, t_ms, b, a));
    }
    out
}

/// The words the ruling gains: the duties not to impede, with Rule 8(f).
pub(crate) fn impede_words(duties: &[NotToImpede], name: &dyn Fn(u32) -> String) -> String {
    let mut s = String::new();
    for d in duties {
        let why = match d.because {
            "sailing" => "a sailing vessel",
            "fishing" => "engaged in fishing",
            _ => "under 20 m",
        };
        let waters = if d.waters == "traffic_lane" {
            "a traffic lane"
        } else {
            "a narrow channel"
        };
        s.push_str(&format!(
            "; {} ({why}) shall not impede the passage of {}, which is following {waters} \
             ({})",
            name(d.mmsi),
            name(d.towards),
            d.rule
        ));
    }
    if !duties.is_empty() {
        s.push_str(
            "; this does not relieve either vessel of her duties above once risk of collision \
             exists (Rule 8(f))",
        );
    }
    s
}

/// Advice for one vessel against its neighbours with each pair's
/// conditions (Rule 19 where they are not in sight of one another).
pub(crate) fn plan_items_in(
    cfg: &Config,
    own: &Snap,
    ship: finisterra_nav::advice::OwnShip<'_>,
    neighbours: &[Snap],
    conditions: &[Conditions],
) -> Vec<AdviceItem> {
    let targets: Vec<_> = neighbours
        .iter()
        .zip(conditions)
        .map(|(s, c)| (s.kinematic(), s.role, *c))
        .collect();
    let plan = advise_in(
        &own.kinematic(),
        ship,
        own.role,
        &targets,
        &cfg.colregs(),
        &cfg.advice(),
    );
    crate::risk::advice_items(own.mmsi, &plan, neighbours)
}

/// [`Zones::tss_forbids`] for a screened vessel on a candidate course at
/// her present speed over the advice horizon: the hook for the advice
/// search (a candidate for which this is `Some` should be ruled out).
pub(crate) fn tss_forbids(
    zones: &Zones,
    cfg: &Config,
    facts: &VesselFacts,
    own: &Snap,
    t_ms: i64,
    cog_deg: f64,
) -> Option<TssBlock> {
    let at = Fix {
        lat_deg: own.lat,
        lon_deg: own.lon,
        time_ms: t_ms,
    };
    zones.tss_forbids(facts, &at, cog_deg, own.sog, cfg.advice().horizon_s)
}

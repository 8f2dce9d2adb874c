//! Risk lifecycle: raise at once, update on material change, clear with
//! hysteresis; the COLREGs ruling and the advice for every open risk.

use std::collections::BTreeMap;

use finisterra_nav::advice::{advise_ship_brief, Action, OwnShip, Plan};
use finisterra_nav::colregs::{Encounter, GiveWay, Rule, Rule17Stage, Ruling};
use finisterra_nav::conditions::classify_in;
use finisterra_nav::cpa::{cpa, Cpa};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::event::{
    AdviceItem, EventBody, IsoTime, Level, NotToImpede, Risk, RiskCleared, VesselRef,
};
use crate::par::Threads;
use crate::picture::FastHasher;
use crate::rules::PairRules;
use crate::screen::Snap;

/// What an operator would notice changing: level, ruling, stage and the
/// shape of the advice (who, what, which way, enough or not).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Signature {
    level: Level,
    encounter: finisterra_nav::colregs::Encounter,
    give_way: Vec<u32>,
    #[serde(deserialize_with = "crate::snapshot::opt_label")]
    rule: Option<crate::snapshot::Label>,
    #[serde(deserialize_with = "crate::snapshot::opt_label")]
    stage: Option<crate::snapshot::Label>,
    /// (mmsi, action, direction, sufficient) of the recommended items.
    advice: Vec<(u32, Action, finisterra_nav::advice::Direction, bool)>,
    /// Size of each recommended manoeuvre (degrees, or knots to make good).
    amounts: Vec<f64>,
}

impl Signature {
    fn of(r: &Risk) -> Signature {
        let rec = r.advice.iter().filter(|a| a.recommended);
        Signature {
            level: r.level,
            encounter: r.encounter,
            give_way: r.give_way.clone(),
            rule: r.rule,
            stage: r.rule17_stage,
            advice: rec
                .clone()
                .map(|a| (a.mmsi, a.action, a.direction, a.sufficient))
                .collect(),
            amounts: rec
                .map(|a| a.degrees.or(a.new_sog_kn).unwrap_or(0.0))
                .collect(),
        }
    }

    /// A change to report at once.
    fn differs_now(&self, other: &Signature) -> bool {
        self.level != other.level
            || self.encounter != other.encounter
            || self.give_way != other.give_way
            || self.rule != other.rule
            || self.stage != other.stage
            || self.advice != other.advice
    }

    /// A gradual change (the advised turn grew as the ships closed) worth
    /// reporting when no event was sent for a while.
    fn drifted(&self, other: &Signature) -> bool {
        self.amounts.len() != other.amounts.len()
            || self
                .amounts
                .iter()
                .zip(&other.amounts)
                .any(|(a, b)| (a - b).abs() >= 20.0)
    }
}

/// An open risk: its state and the latest full assessment.
#[derive(Debug, Clone, Serialize)]
pub struct OpenRisk {
    /// The latest assessment (also what `risk.raised`/`risk.updated` carried).
    pub risk: Risk,
    /// When it was raised, ms.
    pub raised_ms: i64,
    /// When it was last assessed, ms.
    pub assessed_ms: i64,
    #[serde(skip)]
    last_event_ms: i64,
    #[serde(skip)]
    last_event_cpa_nm: f64,
    #[serde(skip)]
    signature: Signature,
    /// Smallest range seen while open, NM.
    pub min_range_nm: f64,
    #[serde(skip)]
    lower_since_ms: Option<i64>,
    #[serde(skip)]
    full_ms: i64,
    /// Courses and speeds of `a` and `b` at the last full assessment.
    #[serde(skip)]
    full_motion: [f64; 4],
}

impl OpenRisk {
    /// The level this risk goes to in a pass that assessed it (`None`:
    /// cleared), with hysteresis: a lower level is taken only once it has
    /// lasted `clear_after_s`; and since when it has been lower.
    fn next_level(
        &self,
        cfg: &Config,
        pa: &PairAssessment,
        t_ms: i64,
    ) -> (Option<Level>, Option<i64>) {
        let cur = self.risk.level;
        let held = if pa.keeping_station(cfg) {
            None
        } else {
            held_level(cfg, pa.q.cpa_nm, pa.q.tcpa_s, cur)
        };
        let effective = pa.strict(cfg).max(held);
        if effective >= Some(cur) {
            return (effective, None);
        }
        let since = self.lower_since_ms.unwrap_or(t_ms);
        if (t_ms - since) as f64 >= cfg.risk.clear_after_s * 1000.0 {
            (effective, Some(since))
        } else {
            (Some(cur), Some(since))
        }
    }

    /// Whether a pass at `level` assesses this risk in full (ruling and
    /// advice): on a change of level, Rule 17 stage or either vessel's
    /// motion, and periodically.
    fn full_due(
        &self,
        cfg: &Config,
        level: Level,
        pa: &PairAssessment,
        a: &Snap,
        b: &Snap,
        t_ms: i64,
    ) -> bool {
        let stage = stage_for(
            cfg,
            !self.risk.stand_on.is_empty(),
            pa.q.range_nm,
            pa.q.tcpa_s,
        )
        .map(|s| s.code());
        let period = if level == Level::Alarm {
            FULL_ASSESSMENT_MS
        } else {
            FULL_ASSESSMENT_WARNING_MS
        };
        level != self.risk.level
            || stage != self.risk.rule17_stage
            || motion_changed(&self.full_motion, &motion(a, b))
            || t_ms - self.full_ms >= period
    }
}

/// An open risk as a snapshot holds it: every field, the ones its public
/// serialization leaves out too (the ruling's base wording, the hysteresis
/// and the last full assessment), since they decide the next events.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct OpenRiskState {
    risk: Risk,
    ruling_base: String,
    raised_ms: i64,
    assessed_ms: i64,
    last_event_ms: i64,
    last_event_cpa_nm: f64,
    signature: Signature,
    min_range_nm: f64,
    lower_since_ms: Option<i64>,
    full_ms: i64,
    full_motion: [f64; 4],
}

impl OpenRiskState {
    pub(crate) fn of(o: &OpenRisk) -> OpenRiskState {
        OpenRiskState {
            risk: o.risk.clone(),
            ruling_base: o.risk.ruling_base.clone(),
            raised_ms: o.raised_ms,
            assessed_ms: o.assessed_ms,
            last_event_ms: o.last_event_ms,
            last_event_cpa_nm: o.last_event_cpa_nm,
            signature: o.signature.clone(),
            min_range_nm: o.min_range_nm,
            lower_since_ms: o.lower_since_ms,
            full_ms: o.full_ms,
            full_motion: o.full_motion,
        }
    }

    pub(crate) fn into_open(self) -> OpenRisk {
        let mut risk = self.risk;
        risk.ruling_base = self.ruling_base;
        OpenRisk {
            risk,
            raised_ms: self.raised_ms,
            assessed_ms: self.assessed_ms,
            last_event_ms: self.last_event_ms,
            last_event_cpa_nm: self.last_event_cpa_nm,
            signature: self.signature,
            min_range_nm: self.min_range_nm,
            lower_since_ms: self.lower_since_ms,
            full_ms: self.full_ms,
            full_motion: self.full_motion,
        }
    }
}

/// All open risks, keyed by `(lower MMSI, higher MMSI)`.
///
/// Invariant: `keys` holds exactly the keys of `open` (packed as
/// `lower << 32 | higher`) and `rev` exactly them reversed: every change
/// goes through [`RiskBook::insert`] and [`RiskBook::remove`].
#[derive(Debug, Default, Clone)]
pub struct RiskBook {
    open: BTreeMap<(u32, u32), OpenRisk>,
    /// The open pairs as `(higher, lower)`: a vessel's partners where she
    /// is the higher MMSI ([`RiskBook::partners`]).
    rev: std::collections::BTreeSet<(u32, u32)>,
    /// The open pairs as a hash set: a pass asks it of every candidate
    /// pair whose bit is set in [`RiskBook::open_bits`].
    keys: std::collections::HashSet<u64, std::hash::BuildHasherDefault<FastHasher>>,
}

/// A pair's key packed in one number, `lower << 32 | higher`.
pub(crate) fn packed((a, b): (u32, u32)) -> u64 {
    (u64::from(a) << 32) | u64::from(b)
}

/// Bits of a pair's hash, set for every open pair
/// ([`RiskBook::open_bits`]): a clear bit says the pair is not open. One
/// bit in a few hundred is set, so few of the pass's candidate pairs are
/// looked up in the book.
pub(crate) struct PairBits(Vec<u64>);

impl PairBits {
    const BITS_LOG2: u32 = 23;

    fn bit(key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - Self::BITS_LOG2)) as usize
    }

    /// `false`: the pair `packed((lower, higher))` is not open; `true`:
    /// it may be.
    pub(crate) fn may_hold(&self, key: u64) -> bool {
        let b = Self::bit(key);
        self.0[b / 64] & (1 << (b % 64)) != 0
    }
}

/// The outcome of screening one pair.
pub(crate) struct PairAssessment {
    pub i: usize,
    pub j: usize,
    /// The pair's key, [`packed`].
    pub key: u64,
    /// Screening values (flat WGS84 plane at the pair's mean latitude).
    pub q: Quick,
    pub rel_speed_kn: f64,
    /// Whether the pair had an open risk when it was screened.
    pub open: bool,
}

impl PairAssessment {
    /// The pair's snapshots, the vessel with the lower MMSI first.
    fn ordered<'s>(&self, snaps: &'s [Snap]) -> (&'s Snap, &'s Snap) {
        let (x, y) = (&snaps[self.i], &snaps[self.j]);
        if x.mmsi < y.mmsi {
            (x, y)
        } else {
            (y, x)
        }
    }

    /// Vessels moving together (in company, or both stopped) are no risk.
    fn keeping_station(&self, cfg: &Config) -> bool {
        self.rel_speed_kn < cfg.risk.in_company_kn
    }

    /// The level the pair's figures reach on their own.
    fn strict(&self, cfg: &Config) -> Option<Level> {
        if self.keeping_station(cfg) {
            None
        } else {
            strict_level(cfg, self.q.cpa_nm, self.q.tcpa_s)
        }
    }
}

/// Closest approach from the screening plane: decisions are taken on these
/// (sub-metre at alarm ranges); events carry the tangent-plane [`Cpa`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Quick {
    pub cpa_nm: f64,
    pub tcpa_s: f64,
    pub range_nm: f64,
}

fn strict_level(cfg: &Config, cpa_nm: f64, tcpa_s: f64) -> Option<Level> {
    let r = &cfg.risk;
    if tcpa_s.is_nan() || tcpa_s <= 0.0 {
        return None;
    }
    if cpa_nm < r.alarm_cpa_nm && tcpa_s < r.alarm_tcpa_s {
        Some(Level::Alarm)
    } else if cpa_nm < r.warning_cpa_nm && tcpa_s < r.warning_tcpa_s {
        Some(Level::Warning)
    } else {
        None
    }
}

fn held_level(cfg: &Config, cpa_nm: f64, tcpa_s: f64, open: Level) -> Option<Level> {
    let r = &cfg.risk;
    let f = r.clear_factor.max(1.0);
    if tcpa_s.is_nan() || tcpa_s <= 0.0 {
        return None;
    }
    let alarm = cpa_nm < r.alarm_cpa_nm * f && tcpa_s < r.alarm_tcpa_s * f;
    let warn = cpa_nm < r.warning_cpa_nm * f && tcpa_s < r.warning_tcpa_s * f;
    match open {
        Level::Alarm if alarm => Some(Level::Alarm),
        _ if warn => Some(Level::Warning),
        _ => None,
    }
}

pub(crate) fn vessel_ref(s: &Snap, name: Option<&str>) -> VesselRef {
    VesselRef {
        mmsi: s.mmsi,
        name: name.map(str::to_owned),
        lat: round(s.lat, 6),
        lon: round(s.lon, 6),
        sog_kn: round(s.sog, 1),
        cog_deg: round(s.cog, 1),
        heading_deg: s.heading,
        ship_type: s.ship_type,
        nav_status: s.nav_status,
    }
}

pub(crate) fn round(v: f64, dec: i32) -> f64 {
    let p = 10f64.powi(dec);
    (v * p).round() / p
}

/// Below this range the ruling of an open risk is kept as it was: the
/// relative bearings swing wildly at close quarters, and the rules keep a
/// relationship once established (Rule 13(d)) until the vessels are past
/// and clear.
const FREEZE_RANGE_NM: f64 = 2.0;

/// Who must act in a pair and by which rule, before any advice: the
/// ruling, or at close quarters the previous one kept.
struct Duties {
    encounter: Encounter,
    give_way: Vec<u32>,
    stand_on: Vec<u32>,
    rule: Option<&'static str>,
    /// The new ruling, to be worded; `None` when the previous one (and its
    /// words) is kept.
    fresh: Option<Ruling>,
    /// The vessels that act (the give-way vessels; under Rule 19 those
    /// under way), before Rule 17's stand-on vessel that must act.
    acting: Vec<u32>,
    not_to_impede: Vec<NotToImpede>,
}

fn duties(
    cfg: &Config,
    a: &Snap,
    b: &Snap,
    c: &Cpa,
    previous: Option<&Risk>,
    rules: &PairRules,
) -> Duties {
    if let Some(p) = previous.filter(|p| {
        c.range_nm < FREEZE_RANGE_NM && !p.give_way.is_empty() && rules.not_in_sight_nm.is_none()
    }) {
        return Duties {
            encounter: p.encounter,
            give_way: p.give_way.clone(),
            stand_on: p.stand_on.clone(),
            rule: p.rule,
            fresh: None,
            acting: p.give_way.clone(),
            not_to_impede: p.not_to_impede.clone(),
        };
    }
    let ruling = classify_in(
        &a.kinematic(),
        a.role,
        &b.kinematic(),
        b.role,
        &cfg.colregs(),
        rules.conditions(),
    );
    let (g, s) = match ruling.give_way {
        GiveWay::Own => (vec![a.mmsi], vec![b.mmsi]),
        GiveWay::Target => (vec![b.mmsi], vec![a.mmsi]),
        GiveWay::Both => (vec![a.mmsi, b.mmsi], vec![]),
        GiveWay::Neither => (vec![], vec![]),
    };
    // Rule 19: no give-way or stand-on vessel; those under way act.
    let (give_way, stand_on, acting) = if ruling.rule == Some(Rule::R19d) {
        (vec![], vec![], g)
    } else {
        (g.clone(), s, g)
    };
    Duties {
        encounter: ruling.encounter,
        give_way,
        stand_on,
        rule: ruling.rule.map(|r| r.code()),
        fresh: Some(ruling),
        acting,
        not_to_impede: rules.not_to_impede.clone(),
    }
}

impl Duties {
    /// The vessels the advice is for: those acting, and at Rule 17's last
    /// stage the stand-on vessel too.
    fn actors(&self, stage: Option<Rule17Stage>) -> Vec<u32> {
        let mut actors = self.acting.clone();
        if stage == Some(Rule17Stage::MustAct) {
            actors.extend(self.stand_on.iter().copied());
        }
        actors
    }
}

/// The vessels a full assessment of the pair would advise (see
/// [`assess`]): what a pass can plan ahead, on other threads.
pub(crate) fn advised(
    cfg: &Config,
    a: &Snap,
    b: &Snap,
    previous: Option<&Risk>,
    rules_for: &dyn Fn(&Snap, &Snap, f64) -> PairRules,
) -> Vec<u32> {
    let c = precise(a, b);
    let rules = rules_for(a, b, c.range_nm);
    let d = duties(cfg, a, b, &c, previous, &rules);
    d.actors(stage_for(cfg, !d.stand_on.is_empty(), c.range_nm, c.tcpa_s))
}

/// Builds the full risk assessment of a pair (ruling and advice). With
/// `previous`, at close quarters the previous ruling is kept.
#[allow(clippy::too_many_arguments)]
pub(crate) fn assess(
    cfg: &Config,
    t_ms: i64,
    level: Level,
    a: &Snap,
    b: &Snap,
    c: &Cpa,
    previous: Option<&Risk>,
    names: &dyn Fn(u32) -> Option<String>,
    plan_for: &dyn Fn(u32) -> Vec<AdviceItem>,
    rules: &PairRules,
) -> Risk {
    let na = names(a.mmsi);
    let nb = names(b.mmsi);
    let d = duties(cfg, a, b, c, previous, rules);
    let sentence = match (&d.fresh, previous) {
        (Some(ruling), _) => {
            let name = |m: u32| {
                label(
                    m,
                    if m == a.mmsi {
                        na.as_ref()
                    } else {
                        nb.as_ref()
                    },
                )
            };
            ruling.sentence_named(&name(a.mmsi), &name(b.mmsi))
                + &crate::rules::impede_words(&rules.not_to_impede, &name)
        }
        (None, Some(p)) => p.ruling_base.clone(),
        (None, None) => String::new(),
    };
    let stage = stage_for(cfg, !d.stand_on.is_empty(), c.range_nm, c.tcpa_s);
    let mut advice = Vec::new();
    for mmsi in d.actors(stage) {
        advice.extend(plan_for(mmsi));
    }
    let Duties {
        encounter,
        give_way,
        stand_on,
        rule,
        not_to_impede,
        ..
    } = d;
    let mut risk = Risk {
        level,
        a: vessel_ref(a, na.as_deref()),
        b: vessel_ref(b, nb.as_deref()),
        range_nm: round(c.range_nm, 3),
        bearing_deg: round(c.bearing_deg, 1),
        cpa_nm: round(c.cpa_nm, 3),
        tcpa_s: round(c.tcpa_s, 0),
        cpa_lat: round(c.cpa_lat_deg, 6),
        cpa_lon: round(c.cpa_lon_deg, 6),
        bcr_nm: c.bcr_nm.map(|v| round(v, 3)),
        encounter,
        give_way,
        stand_on,
        rule,
        ruling: String::new(),
        ruling_base: sentence,
        rule17_stage: stage.map(|s| s.code()),
        stand_on_may_act_at: None,
        stand_on_must_act_at: None,
        advice,
        not_to_impede,
    };
    (risk.stand_on_may_act_at, risk.stand_on_must_act_at) = stand_on_times(
        cfg,
        !risk.stand_on.is_empty(),
        t_ms,
        c.range_nm,
        c.cpa_nm,
        c.tcpa_s,
    );
    risk.ruling = with_stage(&risk.ruling_base, stage, &risk);
    risk
}

/// How events name a vessel: her name, else her MMSI.
fn label(mmsi: u32, name: Option<&String>) -> String {
    match name.map(|n| n.trim()).filter(|n| !n.is_empty()) {
        Some(n) => n.to_string(),
        None => format!("MMSI {mmsi}"),
    }
}

/// The ruling with what the Rule 17 stage asks of the stand-on vessel.
fn with_stage(base: &str, stage: Option<Rule17Stage>, r: &Risk) -> String {
    let (Some(&s), Some(&g)) = (r.stand_on.first(), r.give_way.first()) else {
        return base.to_string();
    };
    let name = |m: u32| {
        if m == r.a.mmsi {
            label(m, r.a.name.as_ref())
        } else {
            label(m, r.b.name.as_ref())
        }
    };
    let (who, other) = (name(s), name(g));
    match stage {
        Some(Rule17Stage::MayAct) => {
            format!("{base}; if {other} does not act, {who} may act alone (Rule 17(a)(ii))")
        }
        Some(Rule17Stage::MustAct) => {
            format!("{base}; this close, {who} must act as well (Rule 17(b))")
        }
        _ => base.to_string(),
    }
}

/// Rule 17 stage of the stand-on vessel from range and TCPA.
fn stage_for(cfg: &Config, has_stand_on: bool, range_nm: f64, tcpa_s: f64) -> Option<Rule17Stage> {
    let colregs = &cfg.colregs;
    if !has_stand_on {
        None
    } else if range_nm < colregs.must_act_range_nm || tcpa_s < colregs.must_act_tcpa_s {
        Some(Rule17Stage::MustAct)
    } else if range_nm < colregs.may_act_range_nm || tcpa_s < colregs.may_act_tcpa_s {
        Some(Rule17Stage::MayAct)
    } else {
        Some(Rule17Stage::KeepCourse)
    }
}

/// Seconds from now until the pair, keeping its motion, first meets the
/// stage's range or time threshold (0 when it already does; `None` when
/// it never will).
fn secs_until(
    range_nm: f64,
    cpa_nm: f64,
    tcpa_s: f64,
    stage_range_nm: f64,
    stage_tcpa_s: f64,
) -> Option<f64> {
    if range_nm < stage_range_nm || tcpa_s < stage_tcpa_s {
        return Some(0.0);
    }
    if !(tcpa_s.is_finite() && tcpa_s > 0.0) {
        return None;
    }
    let by_time = tcpa_s - stage_tcpa_s;
    // range(t)² = cpa² + (v·(tcpa − t))², v from the range now.
    let by_range = if stage_range_nm > cpa_nm && range_nm > cpa_nm {
        let along_now = (range_nm * range_nm - cpa_nm * cpa_nm).sqrt();
        let along_at = (stage_range_nm * stage_range_nm - cpa_nm * cpa_nm).sqrt();
        tcpa_s * (1.0 - along_at / along_now)
    } else {
        f64::INFINITY
    };
    Some(by_time.min(by_range).max(0.0))
}

/// The times at which the stand-on vessel may act (17(a)(ii)) and must act
/// (17(b)); `None` without a stand-on vessel.
fn stand_on_times(
    cfg: &Config,
    has_stand_on: bool,
    t_ms: i64,
    range_nm: f64,
    cpa_nm: f64,
    tcpa_s: f64,
) -> (Option<IsoTime>, Option<IsoTime>) {
    if !has_stand_on {
        return (None, None);
    }
    let c = &cfg.colregs;
    let at = |s: Option<f64>| {
        s.map(|s| IsoTime {
            unix_ms: t_ms + (s * 1000.0).round() as i64,
        })
    };
    (
        at(secs_until(
            range_nm,
            cpa_nm,
            tcpa_s,
            c.may_act_range_nm,
            c.may_act_tcpa_s,
        )),
        at(secs_until(
            range_nm,
            cpa_nm,
            tcpa_s,
            c.must_act_range_nm,
            c.must_act_tcpa_s,
        )),
    )
}

/// The same assessment with new positions, CPA and stage, ruling and
/// advice unchanged (between full assessments).
fn refresh(
    prev: &Risk,
    level: Level,
    a: &Snap,
    b: &Snap,
    c: &Cpa,
    cfg: &Config,
    t_ms: i64,
) -> Risk {
    let mut r = prev.clone();
    r.level = level;
    r.a = vessel_ref(a, prev.a.name.as_deref());
    r.b = vessel_ref(b, prev.b.name.as_deref());
    r.range_nm = round(c.range_nm, 3);
    r.bearing_deg = round(c.bearing_deg, 1);
    r.cpa_nm = round(c.cpa_nm, 3);
    r.tcpa_s = round(c.tcpa_s, 0);
    r.cpa_lat = round(c.cpa_lat_deg, 6);
    r.cpa_lon = round(c.cpa_lon_deg, 6);
    r.bcr_nm = c.bcr_nm.map(|v| round(v, 3));
    let stage = stage_for(cfg, !prev.stand_on.is_empty(), c.range_nm, c.tcpa_s);
    r.rule17_stage = stage.map(|s| s.code());
    (r.stand_on_may_act_at, r.stand_on_must_act_at) = stand_on_times(
        cfg,
        !prev.stand_on.is_empty(),
        t_ms,
        c.range_nm,
        c.cpa_nm,
        c.tcpa_s,
    );
    r.ruling = with_stage(&r.ruling_base, stage, &r);
    r
}

/// Between events: new positions and screening CPA on the last assessment.
fn refresh_quick(
    prev: &mut Risk,
    level: Level,
    a: &Snap,
    b: &Snap,
    q: &Quick,
    cfg: &Config,
    t_ms: i64,
) {
    prev.level = level;
    // The names move over (no copy: this runs for every open risk, every
    // pass).
    let (na, nb) = (prev.a.name.take(), prev.b.name.take());
    prev.a = VesselRef {
        name: na,
        ..vessel_ref(a, None)
    };
    prev.b = VesselRef {
        name: nb,
        ..vessel_ref(b, None)
    };
    prev.range_nm = round(q.range_nm, 3);
    prev.cpa_nm = round(q.cpa_nm, 3);
    prev.tcpa_s = round(q.tcpa_s, 0);
    let stage = stage_for(cfg, !prev.stand_on.is_empty(), q.range_nm, q.tcpa_s);
    (prev.stand_on_may_act_at, prev.stand_on_must_act_at) = stand_on_times(
        cfg,
        !prev.stand_on.is_empty(),
        t_ms,
        q.range_nm,
        q.cpa_nm,
        q.tcpa_s,
    );
    if stage.map(|s| s.code()) != prev.rule17_stage {
        prev.rule17_stage = stage.map(|s| s.code());
        prev.ruling = with_stage(&prev.ruling_base, stage, prev);
    }
}

/// Advice for one vessel against its neighbours (every vessel within
/// reach, see `advising`), as event items.
pub(crate) fn plan_items_for(
    cfg: &Config,
    own: &Snap,
    ship: OwnShip<'_>,
    neighbours: &[Snap],
) -> Vec<AdviceItem> {
    let targets: Vec<_> = neighbours.iter().map(|s| (s.kinematic(), s.role)).collect();
    // The events give the recommended advice and the sufficient
    // alternatives only: the brief search gives exactly those.
    let plan = advise_ship_brief(
        &own.kinematic(),
        ship,
        own.role,
        &targets,
        &cfg.colregs(),
        &cfg.advice(),
    );
    advice_items(own.mmsi, &plan, neighbours)
}

/// How often the ruling and advice of an open alarm are recomputed when
/// nothing else changed (level, Rule 17 stage, the pair's courses and
/// speeds), ms: the third ships the advice must also clear move meanwhile.
/// Each pair's schedule is offset by a hash of its MMSIs so that risks
/// raised together do not all recompute in the same pass.
const FULL_ASSESSMENT_MS: i64 = 60_000;
/// The same for an open warning (further off, more time).
const FULL_ASSESSMENT_WARNING_MS: i64 = 180_000;

/// Course (degrees, when making way) or speed (knots) changes of either
/// vessel since the last full assessment that call for a new one at once.
const MOTION_COG_DEG: f64 = 5.0;
const MOTION_SOG_KN: f64 = 1.0;

fn motion(a: &Snap, b: &Snap) -> [f64; 4] {
    [a.cog, a.sog, b.cog, b.sog]
}

/// `true` when either vessel altered course or speed noticeably.
fn motion_changed(was: &[f64; 4], now: &[f64; 4]) -> bool {
    let turned = |c0: f64, s0: f64, c1: f64, s1: f64| {
        // Course over ground is noise below a couple of knots.
        s0.min(s1) >= 2.0 && finisterra_nav::geo::normalize_deg_180(c1 - c0).abs() > MOTION_COG_DEG
    };
    turned(was[0], was[1], now[0], now[1])
        || turned(was[2], was[3], now[2], now[3])
        || (now[1] - was[1]).abs() > MOTION_SOG_KN
        || (now[3] - was[3]).abs() > MOTION_SOG_KN
}

/// A deterministic offset in [0, FULL_ASSESSMENT_MS) for a pair.
fn stagger_ms(key: (u32, u32)) -> i64 {
    let h = (key.0 as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ (key.1 as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    ((h >> 17) % FULL_ASSESSMENT_MS as u64) as i64
}

pub(crate) fn advice_items(mmsi: u32, plan: &Plan, targets: &[Snap]) -> Vec<AdviceItem> {
    let rec = plan.recommended();
    let mut out = Vec::new();
    let mut push = |a: &finisterra_nav::advice::Advice| {
        if a.action == Action::KeepCourseAndSpeed {
            return;
        }
        let turns = matches!(
            a.action,
            Action::AlterCourse | Action::AlterCourseAndReduceSpeed
        );
        let limited_by = a
            .limiting_target
            .and_then(|i| targets.get(i))
            .map(|s| s.mmsi);
        out.push(AdviceItem {
            mmsi,
            action: a.action,
            direction: a.direction,
            degrees: turns.then(|| round(a.alteration_deg, 0)),
            new_cog_deg: turns.then(|| round(a.new_cog_deg, 0)),
            new_sog_kn: a.new_sog_kn.map(|s| round(s, 1)),
            resulting_cpa_nm: a
                .resulting_cpa_nm
                .is_finite()
                .then(|| round(a.resulting_cpa_nm, 2)),
            sufficient: a.sufficient,
            recommended: std::ptr::eq(a, rec),
            limited_by: (!a.sufficient).then_some(limited_by).flatten(),
            into_danger: a.into_danger,
        });
    };
    push(&plan.course);
    // The alternatives only when they work or when they are what we advise.
    for alt in [plan.speed.as_ref(), plan.combined.as_ref()]
        .into_iter()
        .flatten()
    {
        if alt.sufficient || std::ptr::eq(alt, rec) {
            push(alt);
        }
    }
    out
}

/// Precise CPA of two snapshots.
pub(crate) fn precise(a: &Snap, b: &Snap) -> Cpa {
    cpa(&a.kinematic(), &b.kinematic())
}

/// Context for one screening pass.
pub(crate) struct Pass<'a> {
    pub cfg: &'a Config,
    pub t_ms: i64,
    pub snaps: &'a [Snap],
    pub names: &'a dyn Fn(u32) -> Option<String>,
    /// Snapshot index of a vessel, when screened in this pass.
    pub snap_index: &'a dyn Fn(u32) -> Option<usize>,
    pub plan_for: &'a dyn Fn(u32) -> Vec<AdviceItem>,
    /// What the zones add to a pair's ruling (Rules 9, 10, 19) at a range.
    pub rules_for: &'a dyn Fn(&Snap, &Snap, f64) -> PairRules,
}

/// The risk book while a pass is worked out apart: the book as the pass
/// found it (shared with the pass's thread), and the pairs arrivals judged
/// since, with their entry now (`None`: not open), which have the last
/// word when the pass's findings are told ([`ArrivalBook::settle`]).
#[derive(Debug)]
pub(crate) struct ArrivalBook {
    before: std::sync::Arc<RiskBook>,
    judged: BTreeMap<(u32, u32), Option<OpenRisk>>,
}

impl ArrivalBook {
    pub(crate) fn new(before: std::sync::Arc<RiskBook>) -> ArrivalBook {
        ArrivalBook {
            before,
            judged: BTreeMap::new(),
        }
    }

    /// The book the pass started from.
    pub(crate) fn before(&self) -> &std::sync::Arc<RiskBook> {
        &self.before
    }

    /// A pair's open risk now.
    pub(crate) fn get(&self, key: &(u32, u32)) -> Option<&OpenRisk> {
        match self.judged.get(key) {
            Some(entry) => entry.as_ref(),
            None => self.before.get(key),
        }
    }

    /// The vessels with an open risk with `mmsi` now.
    pub(crate) fn partners(&self, mmsi: u32) -> Vec<u32> {
        let key = |w: u32| if mmsi < w { (mmsi, w) } else { (w, mmsi) };
        self.before
            .partners(mmsi)
            .chain(self.judged.keys().filter_map(|k| match *k {
                (a, b) if a == mmsi => Some(b),
                (a, b) if b == mmsi => Some(a),
                _ => None,
            }))
            .filter(|&w| self.get(&key(w)).is_some())
            .collect::<std::collections::BTreeSet<u32>>()
            .into_iter()
            .collect()
    }

    /// The open risks now, in pair order.
    pub(crate) fn risks(&self) -> Vec<&OpenRisk> {
        let keys: std::collections::BTreeSet<&(u32, u32)> =
            self.before.open.keys().chain(self.judged.keys()).collect();
        keys.into_iter().filter_map(|k| self.get(k)).collect()
    }

    /// An arrival's partial update ([`RiskBook::update`]) of its pairs, on
    /// their entries now; its word on them is kept.
    pub(crate) fn update(
        &mut self,
        pass: &Pass<'_>,
        assessed: &[PairAssessment],
    ) -> Vec<EventBody> {
        let keys: Vec<(u32, u32)> = assessed
            .iter()
            .map(|pa| ((pa.key >> 32) as u32, pa.key as u32))
            .collect();
        let mut book = RiskBook::default();
        for key in &keys {
            book.set(*key, self.get(key).cloned());
        }
        let bodies = book.update(pass, assessed, false);
        for key in keys {
            self.judged.insert(key, book.remove(&key));
        }
        bodies
    }

    /// Whether an arrival judged the pair since the pass.
    pub(crate) fn judged(&self, key: &(u32, u32)) -> bool {
        self.judged.contains_key(key)
    }

    /// The pass's book with the arrivals' word on the pairs they judged.
    pub(crate) fn settle(&self, pass_book: &mut RiskBook) {
        for (key, entry) in &self.judged {
            pass_book.set(*key, entry.clone());
        }
    }
}

/// What a pass does with a pair that [`RiskBook::stage`] left for
/// [`RiskBook::finish`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum Step {
    /// Not open, reaching this level: raised with a ruling and advice.
    Raise(Level),
    /// Open and no longer at any level (with when it first fell lower).
    Clear(Option<i64>),
    /// Open at this level and due a new ruling and advice.
    Full(Level, Option<i64>),
}

/// A pair left for [`RiskBook::finish`]: its index in the pass's
/// assessments and what to do.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pending {
    idx: u32,
    step: Step,
}

/// What [`RiskBook::stage`] did and left to do.
#[derive(Debug)]
pub(crate) struct Staged {
    t_ms: i64,
    whole: bool,
    /// Events of the risks moved on already, with their assessment's index.
    events: Vec<(u32, EventBody)>,
    pending: Vec<Pending>,
    /// Open risks the (whole) pass did not assess, in key order.
    unseen: Vec<(u32, u32)>,
}

/// One open risk's outcome on a staging thread.
enum Staging {
    Event(u32, Box<EventBody>),
    Pending(Pending),
    Unseen((u32, u32)),
}

/// An open risk a pass assessed: moved on (maybe with an event), or left
/// for later.
enum Moved {
    Done(Option<Box<EventBody>>),
    Later(Step),
}

/// Moves an open risk on by a pass that assessed it, unless the pass
/// clears it or owes it a new ruling (those need the whole pass: left
/// untouched, for [`RiskBook::finish`]).
fn move_on(
    open: &mut OpenRisk,
    cfg: &Config,
    pa: &PairAssessment,
    a: &Snap,
    b: &Snap,
    t_ms: i64,
) -> Moved {
    let (new_level, lower_since) = open.next_level(cfg, pa, t_ms);
    match new_level {
        None => Moved::Later(Step::Clear(lower_since)),
        Some(level) if open.full_due(cfg, level, pa, a, b, t_ms) => {
            Moved::Later(Step::Full(level, lower_since))
        }
        Some(level) => {
            Moved::Done(keep(open, cfg, pa, (a, b), t_ms, level, lower_since, None).map(Box::new))
        }
    }
}

/// What every pass that assessed an open risk records.
fn seen(open: &mut OpenRisk, pa: &PairAssessment, t_ms: i64, lower_since: Option<i64>) {
    open.min_range_nm = open.min_range_nm.min(pa.q.range_nm);
    open.assessed_ms = t_ms;
    open.lower_since_ms = lower_since;
}

/// An open risk kept at `level` by a pass: with `full`, its new ruling and
/// advice, else its figures refreshed; the event to send, if the change is
/// material.
#[allow(clippy::too_many_arguments)]
fn keep(
    open: &mut OpenRisk,
    cfg: &Config,
    pa: &PairAssessment,
    (a, b): (&Snap, &Snap),
    t_ms: i64,
    level: Level,
    lower_since: Option<i64>,
    full: Option<Risk>,
) -> Option<EventBody> {
    let cur = open.risk.level;
    seen(open, pa, t_ms, lower_since);
    let is_full = full.is_some();
    match full {
        Some(risk) => {
            open.full_ms = t_ms;
            open.full_motion = motion(a, b);
            open.risk = risk;
        }
        None => refresh_quick(&mut open.risk, level, a, b, &pa.q, cfg, t_ms),
    }
    let quiet_for = (t_ms - open.last_event_ms) as f64;
    let cpa_moved = (open.risk.cpa_nm - open.last_event_cpa_nm).abs() >= cfg.risk.update_cpa_nm;
    let quiet_enough = quiet_for >= cfg.risk.update_min_interval_s * 1000.0;
    // Between full assessments the ruling, stage and advice are unchanged
    // by construction: only the CPA can have moved.
    let material = if is_full {
        let sig = Signature::of(&open.risk);
        sig.differs_now(&open.signature)
            || ((sig.drifted(&open.signature) || cpa_moved) && quiet_enough)
    } else {
        cpa_moved && quiet_enough
    };
    if level != cur {
        open.lower_since_ms = None;
    }
    if !material {
        return None;
    }
    if !is_full {
        // Events carry the tangent-plane values.
        let c = precise(a, b);
        open.risk = refresh(&open.risk, level, a, b, &c, cfg, t_ms);
    }
    open.signature = Signature::of(&open.risk);
    open.last_event_ms = t_ms;
    open.last_event_cpa_nm = open.risk.cpa_nm;
    Some(EventBody::RiskUpdated(open.risk.clone()))
}

impl RiskBook {
    /// The book of these open risks.
    pub(crate) fn from_open(open: BTreeMap<(u32, u32), OpenRisk>) -> RiskBook {
        let keys = open.keys().map(|&k| packed(k)).collect();
        let rev = open.keys().map(|&(a, b)| (b, a)).collect();
        RiskBook { open, rev, keys }
    }

    /// The open risks by pair.
    pub(crate) fn open(&self) -> &BTreeMap<(u32, u32), OpenRisk> {
        &self.open
    }

    /// The vessels with an open risk with `mmsi`.
    pub(crate) fn partners(&self, mmsi: u32) -> impl Iterator<Item = u32> + '_ {
        self.open
            .range((mmsi, 0)..=(mmsi, u32::MAX))
            .map(|(k, _)| k.1)
            .chain(self.rev.range((mmsi, 0)..=(mmsi, u32::MAX)).map(|k| k.1))
    }

    /// The open risk of a pair, if any.
    pub(crate) fn get(&self, key: &(u32, u32)) -> Option<&OpenRisk> {
        self.open.get(key)
    }

    /// Sets a pair's entry: open with `risk`, or not open.
    pub(crate) fn set(&mut self, key: (u32, u32), risk: Option<OpenRisk>) {
        match risk {
            Some(r) => self.insert(key, r),
            None => {
                self.remove(&key);
            }
        }
    }

    /// Whether the pair `packed((lower, higher))` is open.
    pub(crate) fn is_open(&self, key: u64) -> bool {
        self.keys.contains(&key)
    }

    /// The open pairs, as hash bits.
    pub(crate) fn open_bits(&self) -> PairBits {
        let mut bits = vec![0u64; (1 << PairBits::BITS_LOG2) / 64];
        for &k in &self.keys {
            let b = PairBits::bit(k);
            bits[b / 64] |= 1 << (b % 64);
        }
        PairBits(bits)
    }

    fn insert(&mut self, key: (u32, u32), risk: OpenRisk) {
        self.keys.insert(packed(key));
        self.rev.insert((key.1, key.0));
        self.open.insert(key, risk);
    }

    fn remove(&mut self, key: &(u32, u32)) -> Option<OpenRisk> {
        self.keys.remove(&packed(*key));
        self.rev.remove(&(key.1, key.0));
        self.open.remove(key)
    }

    /// The vessels this pass's full assessments will advise (sorted, each
    /// once): the decisions [`RiskBook::finish`] takes, without taking
    /// them, so that their plans can be made beforehand on other threads.
    pub(crate) fn to_advise(
        &self,
        pass: &Pass<'_>,
        assessed: &[PairAssessment],
        staged: &Staged,
    ) -> Vec<u32> {
        let cfg = pass.cfg;
        let mut out = Vec::new();
        for pending in &staged.pending {
            let (a, b) = assessed[pending.idx as usize].ordered(pass.snaps);
            let previous = match pending.step {
                Step::Raise(_) => None,
                Step::Full(..) => match self.open.get(&(a.mmsi, b.mmsi)) {
                    Some(open) => Some(&open.risk),
                    None => continue,
                },
                Step::Clear(_) => continue,
            };
            out.extend(advised(cfg, a, b, previous, pass.rules_for));
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Updates the book with this pass's assessments and returns the event
    /// bodies to emit, in the order of `assessed`. With `whole`, the pass
    /// saw every pair: open risks it did not assess are cleared (with
    /// hysteresis); a partial pass (one vessel on arrival) leaves them.
    pub(crate) fn update(
        &mut self,
        pass: &Pass<'_>,
        assessed: &[PairAssessment],
        whole: bool,
    ) -> Vec<EventBody> {
        let staged = self.stage(
            pass.cfg,
            pass.t_ms,
            pass.snaps,
            assessed,
            whole,
            Threads::default(),
        );
        self.finish(pass, assessed, staged)
    }

    /// The first half of [`RiskBook::update`], which needs nothing of the
    /// pass but its snapshots: every open risk this pass moves on without
    /// a new ruling (most of them, every pass) is moved on here, on
    /// `threads`, and the rest (raised, cleared, judged anew, not seen) is
    /// left for [`RiskBook::finish`]. A whole pass walks the book once in
    /// key order beside the assessments sorted the same way (no lookup per
    /// pair); a partial pass looks its few pairs up.
    pub(crate) fn stage(
        &mut self,
        cfg: &Config,
        t_ms: i64,
        snaps: &[Snap],
        assessed: &[PairAssessment],
        whole: bool,
        threads: Threads,
    ) -> Staged {
        // Neither open nor reaching a level: nothing to do (and nothing to
        // look up).
        let mut wanted: Vec<(u64, u32)> = assessed
            .iter()
            .enumerate()
            .filter(|(_, pa)| pa.open || pa.strict(cfg).is_some())
            .map(|(idx, pa)| (pa.key, idx as u32))
            .collect();
        let mut staged = Staged {
            t_ms,
            whole,
            events: Vec::new(),
            pending: Vec::new(),
            unseen: Vec::new(),
        };
        let raise = |staged: &mut Staged, idx: u32| {
            if let Some(level) = assessed[idx as usize].strict(cfg) {
                staged.pending.push(Pending {
                    idx,
                    step: Step::Raise(level),
                });
            }
        };
        if !whole {
            for &(key, idx) in &wanted {
                let key = ((key >> 32) as u32, key as u32);
                match self.open.get_mut(&key) {
                    None => raise(&mut staged, idx),
                    Some(open) => {
                        let pa = &assessed[idx as usize];
                        let (a, b) = pa.ordered(snaps);
                        match move_on(open, cfg, pa, a, b, t_ms) {
                            Moved::Done(Some(body)) => staged.events.push((idx, *body)),
                            Moved::Done(None) => {}
                            Moved::Later(step) => staged.pending.push(Pending { idx, step }),
                        }
                    }
                }
            }
            return staged;
        }
        wanted.sort_unstable();
        // Each open risk (in key order) with the assessment that saw it.
        let mut book: Vec<(&(u32, u32), &mut OpenRisk)> = self.open.iter_mut().collect();
        let mut seen_by = vec![u32::MAX; book.len()];
        let mut k = 0;
        for &(key, idx) in &wanted {
            let key = ((key >> 32) as u32, key as u32);
            while k < book.len() && *book[k].0 < key {
                k += 1;
            }
            if k < book.len() && *book[k].0 == key {
                seen_by[k] = idx;
            } else {
                raise(&mut staged, idx);
            }
        }
        let seen_by = &seen_by;
        let moved = crate::par::in_order_mut(&mut book, threads, |offset, part| {
            let mut out = Vec::new();
            for (n, (key, open)) in part.iter_mut().enumerate() {
                let idx = seen_by[offset + n];
                if idx == u32::MAX {
                    out.push(Staging::Unseen(**key));
                    continue;
                }
                let pa = &assessed[idx as usize];
                let (a, b) = pa.ordered(snaps);
                match move_on(open, cfg, pa, a, b, t_ms) {
                    Moved::Done(Some(body)) => out.push(Staging::Event(idx, body)),
                    Moved::Done(None) => {}
                    Moved::Later(step) => out.push(Staging::Pending(Pending { idx, step })),
                }
            }
            out
        });
        for m in moved {
            match m {
                Staging::Event(idx, body) => staged.events.push((idx, *body)),
                Staging::Pending(p) => staged.pending.push(p),
                Staging::Unseen(key) => staged.unseen.push(key),
            }
        }
        staged
    }

    /// The second half of [`RiskBook::update`]: the risks raised, cleared
    /// and judged anew (with the pass's rulings and advice), and with a
    /// whole pass the open risks it did not see; every event in the order
    /// of `assessed`, those of unseen risks after them in key order.
    pub(crate) fn finish(
        &mut self,
        pass: &Pass<'_>,
        assessed: &[PairAssessment],
        staged: Staged,
    ) -> Vec<EventBody> {
        let cfg = pass.cfg;
        debug_assert_eq!(staged.t_ms, pass.t_ms, "staged for this pass");
        // A ruling and advice for the pair at this level.
        let judged = |a: &Snap, b: &Snap, level: Level, previous: Option<&Risk>| {
            let c = precise(a, b);
            let rules = (pass.rules_for)(a, b, c.range_nm);
            assess(
                cfg,
                pass.t_ms,
                level,
                a,
                b,
                &c,
                previous,
                pass.names,
                pass.plan_for,
                &rules,
            )
        };
        let mut events = staged.events;
        for Pending { idx, step } in staged.pending {
            let pa = &assessed[idx as usize];
            let (a, b) = pa.ordered(pass.snaps);
            let key = (a.mmsi, b.mmsi);
            match step {
                Step::Raise(level) => {
                    let risk = judged(a, b, level, None);
                    let sig = Signature::of(&risk);
                    self.insert(
                        key,
                        OpenRisk {
                            raised_ms: pass.t_ms,
                            assessed_ms: pass.t_ms,
                            last_event_ms: pass.t_ms,
                            last_event_cpa_nm: risk.cpa_nm,
                            signature: sig,
                            min_range_nm: risk.range_nm,
                            lower_since_ms: None,
                            // The first refresh comes sooner, at a per-pair
                            // offset: load spreads over passes.
                            full_ms: pass.t_ms - stagger_ms(key),
                            full_motion: motion(a, b),
                            risk: risk.clone(),
                        },
                    );
                    events.push((idx, EventBody::RiskRaised(risk)));
                }
                Step::Clear(lower_since) => {
                    let Some(mut open) = self.remove(&key) else {
                        continue;
                    };
                    seen(&mut open, pa, pass.t_ms, lower_since);
                    let q = &pa.q;
                    let reason = if pa.keeping_station(cfg) {
                        "stopped"
                    } else if q.tcpa_s <= 0.0 {
                        "passed"
                    } else {
                        "cpa_opened"
                    };
                    let c = precise(a, b);
                    events.push((
                        idx,
                        EventBody::RiskCleared(cleared(&open, a, b, &c, pass.t_ms, reason)),
                    ));
                }
                Step::Full(level, lower_since) => {
                    let Some(open) = self.open.get_mut(&key) else {
                        continue;
                    };
                    let risk = judged(a, b, level, Some(&open.risk));
                    if let Some(body) = keep(
                        open,
                        cfg,
                        pa,
                        (a, b),
                        pass.t_ms,
                        level,
                        lower_since,
                        Some(risk),
                    ) {
                        events.push((idx, body));
                    }
                }
            }
        }
        events.sort_unstable_by_key(|e| e.0);
        let mut out: Vec<EventBody> = events.into_iter().map(|e| e.1).collect();
        if !staged.whole {
            return out;
        }
        // Open risks not assessed this pass: one of the pair is no longer
        // screened (lost, stale, moored) or their paths no longer overlap.
        for key in staged.unseen {
            let ia = (pass.snap_index)(key.0).ok_or(());
            let ib = (pass.snap_index)(key.1).ok_or(());
            let Some(open) = self.open.get_mut(&key) else {
                continue;
            };
            let since = *open.lower_since_ms.get_or_insert(pass.t_ms);
            let both_present = ia.is_ok() && ib.is_ok();
            if both_present && ((pass.t_ms - since) as f64) < cfg.risk.clear_after_s * 1000.0 {
                continue;
            }
            let Some(open) = self.remove(&key) else {
                continue;
            };
            match (ia, ib) {
                (Ok(i), Ok(j)) => {
                    let (a, b) = (&pass.snaps[i], &pass.snaps[j]);
                    let c = precise(a, b);
                    let reason = if c.tcpa_s <= 0.0 {
                        "passed"
                    } else {
                        "cpa_opened"
                    };
                    out.push(EventBody::RiskCleared(cleared(
                        &open, a, b, &c, pass.t_ms, reason,
                    )));
                }
                _ => out.push(EventBody::RiskCleared(lost_clear(
                    &open,
                    pass.t_ms,
                    "target_lost",
                ))),
            }
        }
        out
    }

    /// Clears every open risk involving the vessels `lost` (sorted): for
    /// each of them in turn, the risks still open with her, in key order,
    /// as clearing them one vessel after the other would. One walk of the
    /// book, however many vessels were lost.
    pub(crate) fn clear_vessels(&mut self, lost: &[u32], t_ms: i64) -> Vec<Vec<EventBody>> {
        debug_assert!(lost.windows(2).all(|w| w[0] < w[1]), "sorted, each once");
        if lost.is_empty() {
            // Most passes lose nobody: no walk over the book.
            return Vec::new();
        }
        let rank = |m: u32| lost.binary_search(&m).ok();
        // Each risk goes with the first of its vessels to be cleared.
        let mut keys: Vec<(usize, (u32, u32))> = self
            .open
            .keys()
            .filter_map(|&k| match (rank(k.0), rank(k.1)) {
                (Some(x), Some(y)) => Some((x.min(y), k)),
                (Some(x), None) | (None, Some(x)) => Some((x, k)),
                (None, None) => None,
            })
            .collect();
        keys.sort_unstable();
        let mut out: Vec<Vec<EventBody>> = vec![Vec::new(); lost.len()];
        for (x, k) in keys {
            if let Some(o) = self.remove(&k) {
                out[x].push(EventBody::RiskCleared(lost_clear(&o, t_ms, "target_lost")));
            }
        }
        out
    }
}

fn cleared(
    open: &OpenRisk,
    a: &Snap,
    b: &Snap,
    c: &Cpa,
    t_ms: i64,
    reason: &'static str,
) -> RiskCleared {
    RiskCleared {
        level: open.risk.level,
        a: vessel_ref(a, open.risk.a.name.as_deref()),
        b: vessel_ref(b, open.risk.b.name.as_deref()),
        range_nm: round(c.range_nm, 3),
        cpa_nm: round(c.cpa_nm, 3),
        tcpa_s: round(c.tcpa_s, 0),
        min_range_nm: round(open.min_range_nm.min(c.range_nm), 3),
        duration_s: (t_ms - open.raised_ms) as f64 / 1000.0,
        reason,
    }
}

fn lost_clear(open: &OpenRisk, t_ms: i64, reason: &'static str) -> RiskCleared {
    RiskCleared {
        level: open.risk.level,
        a: open.risk.a.clone(),
        b: open.risk.b.clone(),
        range_nm: open.risk.range_nm,
        cpa_nm: f64::NAN,
        tcpa_s: f64::NAN,
        min_range_nm: open.min_range_nm,
        duration_s: (t_ms - open.raised_ms) as f64 / 1000.0,
        reason,
    }
}

//! Risk lifecycle: raise at once, update on material change, clear with
//! hysteresis; the COLREGs ruling and the advice for every open risk.

use std::collections::BTreeMap;

use finisterra_nav::advice::{advise, Action, Plan};
use finisterra_nav::colregs::{classify, GiveWay, Rule17Stage};
use finisterra_nav::cpa::{cpa, Cpa};
use serde::Serialize;

use crate::config::Config;
use crate::event::{AdviceItem, EventBody, Level, Risk, RiskCleared, VesselRef};
use crate::screen::Snap;

/// What an operator would notice changing: level, ruling, stage and the
/// shape of the advice (who, what, which way, enough or not).
#[derive(Debug, Clone, PartialEq)]
struct Signature {
    level: Level,
    encounter: finisterra_nav::colregs::Encounter,
    give_way: Vec<u32>,
    rule: Option<&'static str>,
    stage: Option<&'static str>,
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
}

/// All open risks, keyed by `(lower MMSI, higher MMSI)`.
#[derive(Debug, Default)]
pub struct RiskBook {
    pub(crate) open: BTreeMap<(u32, u32), OpenRisk>,
}

/// The outcome of screening one pair.
pub(crate) struct PairAssessment {
    pub i: usize,
    pub j: usize,
    pub c: Cpa,
    pub rel_speed_kn: f64,
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

pub(crate) fn vessel_ref(s: &Snap, name: Option<&String>) -> VesselRef {
    VesselRef {
        mmsi: s.mmsi,
        name: name.cloned(),
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

/// Builds the full risk assessment of a pair (ruling and advice). With
/// `previous`, at close quarters the previous ruling is kept.
#[allow(clippy::too_many_arguments)]
pub(crate) fn assess(
    cfg: &Config,
    level: Level,
    a: &Snap,
    b: &Snap,
    c: &Cpa,
    previous: Option<&Risk>,
    names: &dyn Fn(u32) -> Option<String>,
    neighbours: &dyn Fn(u32) -> Vec<Snap>,
) -> Risk {
    let colregs = cfg.colregs();
    let ka = a.kinematic();
    let kb = b.kinematic();
    let ruling = classify(&ka, a.role, &kb, b.role, &colregs);
    let (encounter, give_way, stand_on, rule, sentence) = match previous {
        Some(p) if c.range_nm < FREEZE_RANGE_NM && !p.give_way.is_empty() => (
            p.encounter,
            p.give_way.clone(),
            p.stand_on.clone(),
            p.rule,
            p.ruling.clone(),
        ),
        _ => {
            let (g, s) = match ruling.give_way {
                GiveWay::Own => (vec![a.mmsi], vec![b.mmsi]),
                GiveWay::Target => (vec![b.mmsi], vec![a.mmsi]),
                GiveWay::Both => (vec![a.mmsi, b.mmsi], vec![]),
                GiveWay::Neither => (vec![], vec![]),
            };
            (
                ruling.encounter,
                g,
                s,
                ruling.rule.map(|r| r.code()),
                ruling.sentence(),
            )
        }
    };
    let stage = if stand_on.is_empty() {
        None
    } else if c.range_nm < colregs.must_act_range_nm || c.tcpa_s < colregs.must_act_tcpa_s {
        Some(Rule17Stage::MustAct)
    } else if c.range_nm < colregs.may_act_range_nm || c.tcpa_s < colregs.may_act_tcpa_s {
        Some(Rule17Stage::MayAct)
    } else {
        Some(Rule17Stage::KeepCourse)
    };
    let mut actors = give_way.clone();
    if stage == Some(Rule17Stage::MustAct) {
        actors.extend(stand_on.iter().copied());
    }
    let advice_cfg = cfg.advice();
    let mut advice = Vec::new();
    for mmsi in actors {
        let own = if mmsi == a.mmsi { a } else { b };
        let targets: Vec<_> = neighbours(mmsi)
            .iter()
            .map(|s| (s.kinematic(), s.role))
            .collect();
        let plan = advise(&own.kinematic(), own.role, &targets, &colregs, &advice_cfg);
        advice.extend(advice_items(mmsi, &plan));
    }
    let na = names(a.mmsi);
    let nb = names(b.mmsi);
    Risk {
        level,
        a: vessel_ref(a, na.as_ref()),
        b: vessel_ref(b, nb.as_ref()),
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
        ruling: sentence,
        rule17_stage: stage.map(|s| s.code()),
        advice,
    }
}

fn advice_items(mmsi: u32, plan: &Plan) -> Vec<AdviceItem> {
    let rec = plan.recommended();
    let mut out = Vec::new();
    let mut push = |a: &finisterra_nav::advice::Advice| {
        if a.action == Action::KeepCourseAndSpeed {
            return;
        }
        out.push(AdviceItem {
            mmsi,
            action: a.action,
            direction: a.direction,
            degrees: (a.action == Action::AlterCourse).then(|| round(a.alteration_deg, 0)),
            new_cog_deg: (a.action == Action::AlterCourse).then(|| round(a.new_cog_deg, 0)),
            new_sog_kn: a.new_sog_kn.map(|s| round(s, 1)),
            resulting_cpa_nm: if a.resulting_cpa_nm.is_finite() {
                round(a.resulting_cpa_nm, 2)
            } else {
                99.0
            },
            sufficient: a.sufficient,
            recommended: std::ptr::eq(a, rec),
        });
    };
    push(&plan.course);
    if let Some(s) = &plan.speed {
        // The alternative only when it works or when it is what we advise.
        if s.sufficient || std::ptr::eq(s, rec) {
            push(s);
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
    pub neighbours: &'a dyn Fn(u32) -> Vec<Snap>,
}

impl RiskBook {
    /// Updates the book with this pass's assessments (sorted by pair) and
    /// returns the event bodies to emit, in pair order.
    pub(crate) fn update(
        &mut self,
        pass: &Pass<'_>,
        assessed: &[PairAssessment],
    ) -> Vec<EventBody> {
        let cfg = pass.cfg;
        let mut out = Vec::new();
        let mut seen: Vec<(u32, u32)> = Vec::with_capacity(assessed.len());
        for pa in assessed {
            let a = &pass.snaps[pa.i];
            let b = &pass.snaps[pa.j];
            let key = (a.mmsi, b.mmsi);
            seen.push(key);
            let c = &pa.c;
            let keeping_station = pa.rel_speed_kn < cfg.risk.in_company_kn;
            let strict = if keeping_station {
                None
            } else {
                strict_level(cfg, c.cpa_nm, c.tcpa_s)
            };
            match self.open.get_mut(&key) {
                None => {
                    if let Some(level) = strict {
                        let risk = assess(cfg, level, a, b, c, None, pass.names, pass.neighbours);
                        let sig = Signature::of(&risk);
                        self.open.insert(
                            key,
                            OpenRisk {
                                raised_ms: pass.t_ms,
                                assessed_ms: pass.t_ms,
                                last_event_ms: pass.t_ms,
                                last_event_cpa_nm: risk.cpa_nm,
                                signature: sig,
                                min_range_nm: risk.range_nm,
                                lower_since_ms: None,
                                risk: risk.clone(),
                            },
                        );
                        out.push(EventBody::RiskRaised(risk));
                    }
                }
                Some(open) => {
                    let cur = open.risk.level;
                    let held = if keeping_station {
                        None
                    } else {
                        held_level(cfg, c.cpa_nm, c.tcpa_s, cur)
                    };
                    let effective = strict.max(held);
                    open.min_range_nm = open.min_range_nm.min(c.range_nm);
                    open.assessed_ms = pass.t_ms;
                    let new_level = if effective >= Some(cur) {
                        open.lower_since_ms = None;
                        effective
                    } else {
                        let since = *open.lower_since_ms.get_or_insert(pass.t_ms);
                        if (pass.t_ms - since) as f64 >= cfg.risk.clear_after_s * 1000.0 {
                            effective
                        } else {
                            Some(cur)
                        }
                    };
                    match new_level {
                        None => {
                            let reason = if keeping_station {
                                "stopped"
                            } else if c.tcpa_s <= 0.0 {
                                "passed"
                            } else {
                                "cpa_opened"
                            };
                            let open = self.open.remove(&key).expect("present");
                            out.push(EventBody::RiskCleared(cleared(
                                &open, a, b, c, pass, reason,
                            )));
                        }
                        Some(level) => {
                            let risk = assess(
                                cfg,
                                level,
                                a,
                                b,
                                c,
                                Some(&open.risk),
                                pass.names,
                                pass.neighbours,
                            );
                            let sig = Signature::of(&risk);
                            let quiet_for = (pass.t_ms - open.last_event_ms) as f64;
                            let gradual = sig.drifted(&open.signature)
                                || (risk.cpa_nm - open.last_event_cpa_nm).abs()
                                    >= cfg.risk.update_cpa_nm;
                            let material = sig.differs_now(&open.signature)
                                || (gradual
                                    && quiet_for >= cfg.risk.update_min_interval_s * 1000.0);
                            if level != cur {
                                open.lower_since_ms = None;
                            }
                            open.risk = risk.clone();
                            if material {
                                open.signature = sig;
                                open.last_event_ms = pass.t_ms;
                                open.last_event_cpa_nm = risk.cpa_nm;
                                out.push(EventBody::RiskUpdated(risk));
                            }
                        }
                    }
                }
            }
        }
        // Open risks not assessed this pass: one of the pair is no longer
        // screened (lost, stale, moored) or their paths no longer overlap.
        let stale: Vec<(u32, u32)> = self
            .open
            .keys()
            .filter(|k| seen.binary_search(k).is_err())
            .copied()
            .collect();
        for key in stale {
            let ia = pass.snaps.binary_search_by_key(&key.0, |s| s.mmsi);
            let ib = pass.snaps.binary_search_by_key(&key.1, |s| s.mmsi);
            let open = self.open.get_mut(&key).expect("present");
            let since = *open.lower_since_ms.get_or_insert(pass.t_ms);
            let both_present = ia.is_ok() && ib.is_ok();
            if both_present && ((pass.t_ms - since) as f64) < cfg.risk.clear_after_s * 1000.0 {
                continue;
            }
            let open = self.open.remove(&key).expect("present");
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
                        &open, a, b, &c, pass, reason,
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

    /// Clears every open risk involving `mmsi` (the vessel was lost).
    pub(crate) fn clear_vessel(&mut self, mmsi: u32, t_ms: i64) -> Vec<EventBody> {
        let keys: Vec<(u32, u32)> = self
            .open
            .keys()
            .filter(|k| k.0 == mmsi || k.1 == mmsi)
            .copied()
            .collect();
        keys.into_iter()
            .filter_map(|k| self.open.remove(&k))
            .map(|o| EventBody::RiskCleared(lost_clear(&o, t_ms, "target_lost")))
            .collect()
    }
}

fn cleared(
    open: &OpenRisk,
    a: &Snap,
    b: &Snap,
    c: &Cpa,
    pass: &Pass<'_>,
    reason: &'static str,
) -> RiskCleared {
    RiskCleared {
        level: open.risk.level,
        a: vessel_ref(a, open.risk.a.name.as_ref()),
        b: vessel_ref(b, open.risk.b.name.as_ref()),
        range_nm: round(c.range_nm, 3),
        cpa_nm: round(c.cpa_nm, 3),
        tcpa_s: round(c.tcpa_s, 0),
        min_range_nm: round(open.min_range_nm.min(c.range_nm), 3),
        duration_s: (pass.t_ms - open.raised_ms) as f64 / 1000.0,
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

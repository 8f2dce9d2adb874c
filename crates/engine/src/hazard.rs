//! "Heading for the rocks": every moving vessel's predicted track against
//! land, aids to navigation and user hazards, with the smallest course
//! alteration (either side) that keeps her clear of them and of other
//! ships.

use std::collections::BTreeMap;

use finisterra_geofence::{Hazards, Land, Zones};
use finisterra_nav::advice::{smallest_alteration, Action, Direction, Sides};

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::event::{AdviceItem, EventBody, HazardCleared, HazardRef, HazardRisk, Level};
use crate::picture::{FixedObject, MmsiMap, Picture};
use crate::risk::{round, vessel_ref};
use crate::screen::{flat_cpa, Snap};
use crate::statics::Statics;

/// The fixed geography the engine judges against (loaded by the caller).
#[derive(Debug, Default, Clone)]
pub struct Geography {
    /// Land polygons (the coastline), if loaded.
    pub land: Option<Land>,
    /// User hazards (points, lines and areas with a radius).
    pub hazards: Hazards,
    /// Zones with rules and vessel selectors.
    pub zones: Zones,
}

/// Where a hazard is: `(kind, id)` — kind 0 land, 1 aid to navigation
/// (id = its MMSI), 2 user hazard (id = its index).
type Source = (u8, u32);

#[derive(Debug, Clone, Serialize, Deserialize)]
struct OpenHazard {
    risk: HazardRisk,
    raised_ms: i64,
    last_event_ms: i64,
    /// When the advice was last worked out.
    advised_ms: i64,
    /// Level, hazard source and the advised turn when last reported.
    signature: (Level, Source, Option<(Direction, f64)>),
    missing_since_ms: Option<i64>,
}

/// A found approach.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    source: Source,
    time_s: f64,
    at_lat: f64,
    at_lon: f64,
    point_lat: f64,
    point_lon: f64,
    level: Level,
}

/// An aid to navigation treated as a hazard: a circle.
#[derive(Debug, Clone)]
pub(crate) struct AtonHazard {
    mmsi: u32,
    name: Option<String>,
    lat: f64,
    lon: f64,
    radius_m: f64,
}

/// Open hazards (one per vessel: the most urgent) and the last check of
/// each vessel.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub(crate) struct HazardBook {
    open: BTreeMap<u32, OpenHazard>,
    /// Per vessel: (time of last full check, course, speed) — a vessel
    /// whose motion did not change is re-checked every 30 s only.
    checked: MmsiMap<(i64, f64, f64)>,
}

const RECHECK_MS: i64 = 30_000;
use finisterra_nav::geo::METRES_PER_NM as M_PER_NM;

pub(crate) fn atons(picture: &Picture, cfg: &Config) -> Vec<AtonHazard> {
    let h = &cfg.hazards;
    let mut v: Vec<AtonHazard> = picture
        .fixed
        .values()
        .filter(|o: &&FixedObject| o.kind == "aton" && o.lat_deg.is_finite())
        .filter_map(|o| {
            let t = o.aid_type.unwrap_or(0);
            let radius_nm = if o.virtual_aid {
                h.virtual_aton_radius_nm
            } else if (1..=19).contains(&t) && t != 4 {
                h.aton_radius_nm
            } else {
                // Floating aids mark the fairway: ships pass them closely.
                return None;
            };
            Some(AtonHazard {
                mmsi: o.mmsi,
                name: o.name.clone(),
                lat: o.lat_deg,
                lon: o.lon_deg,
                radius_m: radius_nm * M_PER_NM,
            })
        })
        .collect();
    v.sort_by_key(|a| a.mmsi);
    v
}

/// First time a straight track from `(lat, lon)` at velocity `(ve, vn)` m/s
/// comes within `r` metres of a point; `None` beyond `horizon_s`.
fn circle_time(s: &Snap, plat: f64, plon: f64, r: f64, horizon_s: f64) -> Option<f64> {
    let k = 6_371_000.0_f64.to_radians();
    let dlon = finisterra_nav::geo::wrap_lon_once_deg(plon - s.lon);
    let x = dlon * k * s.cos_lat;
    let y = (plat - s.lat) * k;
    // |p - v t|² = r²  →  v² t² − 2 (p·v) t + p² − r² = 0
    let v2 = s.ve * s.ve + s.vn * s.vn;
    let pv = x * s.ve + y * s.vn;
    let p2 = x * x + y * y;
    if p2 <= r * r {
        return Some(0.0);
    }
    if v2 < 1e-9 {
        return None;
    }
    let disc = pv * pv - v2 * (p2 - r * r);
    if disc < 0.0 {
        return None;
    }
    let t = (pv - disc.sqrt()) / v2;
    (t >= 0.0 && t <= horizon_s).then_some(t)
}

impl HazardBook {
    /// One pass over the screened vessels. `neighbours(i)` gives the
    /// snapshot indices near vessel `i` (for the ship-to-ship part of the
    /// advice).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn pass(
        &mut self,
        geo: &Geography,
        atons: &[AtonHazard],
        statics: &dyn Statics,
        cfg: &Config,
        t_ms: i64,
        snaps: &[Snap],
        neighbours: &dyn Fn(usize) -> Vec<usize>,
    ) -> Vec<EventBody> {
        let h = &cfg.hazards;
        let have_any = geo.land.is_some() || !geo.hazards.is_empty() || !atons.is_empty();
        let mut out = Vec::new();
        if !have_any && self.open.is_empty() {
            return out;
        }
        let safety_m = h.safety_nm * M_PER_NM;
        let mut hits_now: BTreeMap<u32, (Hit, usize)> = BTreeMap::new();
        let mut evaluated: Vec<u32> = Vec::new();
        for (idx, s) in snaps.iter().enumerate() {
            let still = matches!(s.nav_status, Some(1) | Some(5) | Some(6));
            if s.stationary || still || s.sog < h.min_sog_kn {
                continue;
            }
            let has_open = self.open.contains_key(&s.mmsi);
            let motion_changed = match self.checked.get(&s.mmsi) {
                Some(&(t, cog, sog)) => {
                    t_ms - t >= RECHECK_MS
                        || finisterra_nav::geo::normalize_deg_180(cog - s.cog).abs() > 3.0
                        || (sog - s.sog).abs() > 1.0
                }
                None => true,
            };
            if !has_open && !motion_changed {
                continue;
            }
            self.checked.insert(s.mmsi, (t_ms, s.cog, s.sog));
            evaluated.push(s.mmsi);
            // The most urgent hit: alarm before warning, then the earliest.
            let best = find(geo, atons, cfg, s, safety_m)
                .into_iter()
                .min_by(|a, b| {
                    b.level
                        .cmp(&a.level)
                        .then(a.time_s.total_cmp(&b.time_s))
                        .then(a.source.cmp(&b.source))
                });
            if let Some(hit) = best {
                hits_now.insert(s.mmsi, (hit, idx));
            }
        }
        evaluated.sort_unstable();
        // Raise or update what was found.
        for (key, (hit, idx)) in &hits_now {
            let s = &snaps[*idx];
            let name = statics.name(s.mmsi);
            let vref = vessel_ref(s, name.as_deref());
            let href = hazard_ref(hit, atons, geo);
            let distance_nm = {
                let k = 6_371_000.0_f64.to_radians();
                let x = (hit.point_lon - s.lon) * k * s.cos_lat;
                let y = (hit.point_lat - s.lat) * k;
                (x * x + y * y).sqrt() / M_PER_NM
            };
            let prev = self.open.get(key);
            let level = hit.level;
            let need_advice = match prev {
                None => true,
                Some(o) => o.risk.level != level || t_ms - o.advised_ms >= RECHECK_MS,
            };
            let advice = if need_advice {
                advise(geo, atons, cfg, snaps, *idx, neighbours)
            } else {
                prev.map(|o| o.risk.advice.clone()).unwrap_or_default()
            };
            let risk = HazardRisk {
                level,
                vessel: vref,
                hazard: href,
                time_to_hazard_s: round(hit.time_s, 0),
                distance_nm: round(distance_nm, 3),
                at_lat: round(hit.at_lat, 6),
                at_lon: round(hit.at_lon, 6),
                advice,
            };
            let turn = risk
                .advice
                .first()
                .map(|a| (a.direction, a.degrees.unwrap_or(0.0)));
            let sig = (level, hit.source, turn);
            match self.open.get_mut(key) {
                None => {
                    self.open.insert(
                        *key,
                        OpenHazard {
                            risk: risk.clone(),
                            raised_ms: t_ms,
                            last_event_ms: t_ms,
                            advised_ms: t_ms,
                            signature: sig,
                            missing_since_ms: None,
                        },
                    );
                    out.push(EventBody::HazardRaised(risk));
                }
                Some(o) => {
                    o.missing_since_ms = None;
                    if need_advice {
                        o.advised_ms = t_ms;
                    }
                    // Reported at once: level, hazard or side changes; a
                    // growing turn only after a quiet minute.
                    let (l0, src0, turn0) = o.signature;
                    let turn_moved = match (turn0, turn) {
                        (Some((d0, a0)), Some((d1, a1))) => d0 != d1 || (a1 - a0).abs() >= 20.0,
                        (None, None) => false,
                        _ => true,
                    };
                    let quiet = t_ms - o.last_event_ms >= 60_000;
                    let material = l0 != level || src0 != hit.source || (turn_moved && quiet);
                    o.risk = risk.clone();
                    if material {
                        o.signature = sig;
                        o.last_event_ms = t_ms;
                        out.push(EventBody::HazardUpdated(risk));
                    }
                }
            }
        }
        // Clear what is no longer found (after the clear delay), or whose
        // vessel stopped or is no longer screened.
        let keys: Vec<u32> = self.open.keys().copied().collect();
        for key in keys {
            if hits_now.contains_key(&key) {
                continue;
            }
            let screened = snaps.iter().position(|s| s.mmsi == key);
            let reason = match screened {
                None => Some("target_lost"),
                Some(i) => {
                    let s = &snaps[i];
                    if s.stationary || s.sog < h.min_sog_kn {
                        Some("stopped")
                    } else if evaluated.binary_search(&key).is_ok() {
                        let o = self.open.get_mut(&key).expect("present");
                        let since = *o.missing_since_ms.get_or_insert(t_ms);
                        (t_ms - since >= (cfg.risk.clear_after_s * 1000.0) as i64)
                            .then_some("clear")
                    } else {
                        None
                    }
                }
            };
            if let Some(reason) = reason {
                let o = self.open.remove(&key).expect("present");
                let vessel = match screened {
                    Some(i) => vessel_ref(&snaps[i], o.risk.vessel.name.as_deref()),
                    None => o.risk.vessel.clone(),
                };
                out.push(EventBody::HazardCleared(HazardCleared {
                    level: o.risk.level,
                    vessel,
                    hazard: o.risk.hazard.clone(),
                    duration_s: (t_ms - o.raised_ms) as f64 / 1000.0,
                    reason,
                }));
            }
        }
        self.checked.retain(|_, (t, _, _)| t_ms - *t < 3_600_000);
        out
    }

    /// The open hazards (latest assessment each).
    pub(crate) fn open(&self) -> impl Iterator<Item = &HazardRisk> {
        self.open.values().map(|o| &o.risk)
    }
}

fn hazard_ref(hit: &Hit, atons: &[AtonHazard], geo: &Geography) -> HazardRef {
    let (kind, name, mmsi) = match hit.source.0 {
        0 => ("land", None, None),
        1 => {
            let a = atons.iter().find(|a| a.mmsi == hit.source.1);
            ("aton", a.and_then(|a| a.name.clone()), Some(hit.source.1))
        }
        _ => (
            "hazard",
            geo.hazards
                .hazards()
                .get(hit.source.1 as usize)
                .map(|h| h.name.clone()),
            None,
        ),
    };
    HazardRef {
        kind,
        name,
        mmsi,
        lat: round(hit.point_lat, 6),
        lon: round(hit.point_lon, 6),
    }
}

/// A track within this distance of the coast grounds, m.
const GROUNDING_M: f64 = 50.0;

/// Whether the coast is close enough to look at a track from `s` at all:
/// within reach of the horizon by the coarse bound, and `s` not on land
/// (a position the land data calls land — a fjord, a river, a harbour
/// narrower than the data's resolution — cannot be judged with it).
/// `clearance_m` and `on_land` are the position's (asked only when needed).
fn land_in_reach(
    cfg: &Config,
    s: &Snap,
    safety_m: f64,
    clearance_m: f64,
    on_land: impl FnOnce() -> bool,
) -> bool {
    let reach = s.sog * M_PER_NM / 3600.0 * cfg.hazards.horizon_s + safety_m;
    clearance_m <= reach && !on_land()
}

/// Whether the grounding walk is needed after the safety distance's: a
/// track that never comes within the safety distance never comes within a
/// smaller one (most tracks near a coast run along it).
fn needs_grounding_walk(warned: bool, safety_m: f64) -> bool {
    warned || safety_m < GROUNDING_M
}

/// The level of a land approach from the times the track comes within the
/// safety distance (`warn_s`) and within grounding distance (`ground_s`).
/// Already inside the safety distance (coastal waters, a fjord), only a
/// track onto the land within the alarm time counts, else every coaster
/// would be warned all day.
fn land_level(cfg: &Config, warn_s: Option<f64>, ground_s: Option<f64>) -> Option<Level> {
    match (warn_s, ground_s) {
        (_, Some(g)) if g <= cfg.hazards.alarm_s => Some(Level::Alarm),
        (Some(w), _) if w > 0.0 => Some(Level::Warning),
        _ => None,
    }
}

/// When the track from `s` comes within an aid's circle, if that counts:
/// already within it (passing a beacon closely on purpose), only a track
/// onto the aid itself does.
fn aton_time_s(cfg: &Config, s: &Snap, a: &AtonHazard) -> Option<f64> {
    let h = &cfg.hazards;
    // A quick box test before the circle.
    let reach_deg = (s.sog * h.horizon_s / 3600.0 + h.safety_nm + 2.0) / 60.0;
    if (a.lat - s.lat).abs() > reach_deg
        || ((a.lon - s.lon + 540.0).rem_euclid(360.0) - 180.0).abs() * s.cos_lat > reach_deg
    {
        return None;
    }
    let t = circle_time(s, a.lat, a.lon, a.radius_m, h.horizon_s)?;
    if t <= 0.0 && circle_time(s, a.lat, a.lon, 50.0, h.horizon_s).is_none() {
        return None;
    }
    Some(t)
}

/// Approaches of one vessel's track: land, aids, user hazards.
pub(crate) fn find(
    geo: &Geography,
    atons: &[AtonHazard],
    cfg: &Config,
    s: &Snap,
    safety_m: f64,
) -> Vec<Hit> {
    let h = &cfg.hazards;
    let mut hits = Vec::new();
    if let Some(land) = &geo.land {
        let clearance_m = land.clearance_lower_bound_m(s.lat, s.lon);
        if land_in_reach(cfg, s, safety_m, clearance_m, || land.is_land(s.lat, s.lon)) {
            let warn = land.first_approach(s.lat, s.lon, s.cog, s.sog, h.horizon_s, safety_m);
            let ground = if needs_grounding_walk(warn.is_some(), safety_m) {
                land.first_approach(s.lat, s.lon, s.cog, s.sog, h.horizon_s, GROUNDING_M)
            } else {
                None
            };
            let level = land_level(
                cfg,
                warn.as_ref().map(|w| w.time_s),
                ground.as_ref().map(|g| g.time_s),
            );
            if let Some(level) = level {
                let a = if level == Level::Alarm || warn.as_ref().is_none_or(|w| w.time_s <= 0.0) {
                    ground.expect("a grounding approach")
                } else {
                    warn.expect("a warning approach")
                };
                hits.push(Hit {
                    source: (0, 0),
                    time_s: a.time_s,
                    at_lat: a.lat_deg,
                    at_lon: a.lon_deg,
                    point_lat: a.nearest_lat_deg,
                    point_lon: a.nearest_lon_deg,
                    level,
                });
            }
        }
    }
    if let Some(ha) = geo
        .hazards
        .first_approach(s.lat, s.lon, s.cog, s.sog, h.horizon_s, safety_m)
    {
        let a = ha.approach;
        let level = if a.time_s <= h.alarm_s && a.distance_m <= safety_m * 0.5 {
            Level::Alarm
        } else {
            Level::Warning
        };
        hits.push(Hit {
            source: (2, ha.hazard as u32),
            time_s: a.time_s,
            at_lat: a.lat_deg,
            at_lon: a.lon_deg,
            point_lat: a.nearest_lat_deg,
            point_lon: a.nearest_lon_deg,
            level,
        });
    }
    for a in atons {
        if let Some(t) = aton_time_s(cfg, s, a) {
            let level = if circle_time(s, a.lat, a.lon, 50.0, h.alarm_s).is_some() {
                Level::Alarm
            } else {
                Level::Warning
            };
            let k = 6_371_000.0_f64.to_radians();
            hits.push(Hit {
                source: (1, a.mmsi),
                time_s: t,
                at_lat: s.lat + s.vn * t / k,
                at_lon: s.lon + s.ve * t / (k * s.cos_lat),
                point_lat: a.lat,
                point_lon: a.lon,
                level,
            });
        }
    }
    hits
}

/// Whether trial tracks from one position stand into danger: for a trial
/// snapshot `s` at that position, [`DangerProbe::any`] is
/// `!find(geo, atons, cfg, s, safety_m).is_empty()`, without the points
/// and coast points a hit carries, and with what depends on the position
/// alone (its coarse clearance, whether it is on land) worked out once for
/// all the courses and speeds an advice search tries.
pub(crate) struct DangerProbe<'a> {
    geo: &'a Geography,
    atons: &'a [AtonHazard],
    cfg: &'a Config,
    safety_m: f64,
    lat: f64,
    lon: f64,
    clearance_m: f64,
    on_land: std::cell::OnceCell<bool>,
}

impl<'a> DangerProbe<'a> {
    pub(crate) fn new(
        geo: &'a Geography,
        atons: &'a [AtonHazard],
        cfg: &'a Config,
        at: &Snap,
        safety_m: f64,
    ) -> DangerProbe<'a> {
        let clearance_m = geo
            .land
            .as_ref()
            .map_or(f64::INFINITY, |l| l.clearance_lower_bound_m(at.lat, at.lon));
        DangerProbe {
            geo,
            atons,
            cfg,
            safety_m,
            lat: at.lat,
            lon: at.lon,
            clearance_m,
            on_land: std::cell::OnceCell::new(),
        }
    }

    /// `!find(..).is_empty()` for `s`, a trial at the probe's position.
    pub(crate) fn any(&self, s: &Snap) -> bool {
        debug_assert!(
            s.lat.to_bits() == self.lat.to_bits() && s.lon.to_bits() == self.lon.to_bits()
        );
        let (cfg, h, safety_m) = (self.cfg, &self.cfg.hazards, self.safety_m);
        if self.atons.iter().any(|a| aton_time_s(cfg, s, a).is_some()) {
            return true;
        }
        if self
            .geo
            .hazards
            .first_approach(s.lat, s.lon, s.cog, s.sog, h.horizon_s, safety_m)
            .is_some()
        {
            return true;
        }
        let Some(land) = &self.geo.land else {
            return false;
        };
        let on_land = || {
            *self
                .on_land
                .get_or_init(|| land.is_land(self.lat, self.lon))
        };
        if !land_in_reach(cfg, s, safety_m, self.clearance_m, on_land) {
            return false;
        }
        let time = |m: f64| land.first_approach_time_s(s.lat, s.lon, s.cog, s.sog, h.horizon_s, m);
        let warn_s = time(safety_m);
        // A warning needs no grounding walk to be one.
        if land_level(cfg, warn_s, None).is_some() {
            return true;
        }
        let ground_s = if needs_grounding_walk(warn_s.is_some(), safety_m) {
            time(GROUNDING_M)
        } else {
            None
        };
        land_level(cfg, warn_s, ground_s).is_some()
    }
}

/// The smallest alteration, either side, that clears land, aids, user
/// hazards and the vessel's neighbours.
fn advise(
    geo: &Geography,
    atons: &[AtonHazard],
    cfg: &Config,
    snaps: &[Snap],
    idx: usize,
    neighbours: &dyn Fn(usize) -> Vec<usize>,
) -> Vec<AdviceItem> {
    let h = &cfg.hazards;
    let own = &snaps[idx];
    let safety_m = h.safety_nm * M_PER_NM;
    let near = neighbours(idx);
    let ship_cpa_m = cfg.risk.warning_cpa_nm * M_PER_NM;
    let probe = DangerProbe::new(geo, atons, cfg, own, safety_m);
    let found = smallest_alteration(
        own.cog,
        Sides::Either,
        h.min_alteration_deg,
        cfg.advice.max_alteration_deg,
        1.0,
        |cog| {
            let mut trial = *own;
            let (sc, cc) = cog.to_radians().sin_cos();
            trial.cog = cog;
            trial.ve = own.sog * M_PER_NM / 3600.0 * sc;
            trial.vn = own.sog * M_PER_NM / 3600.0 * cc;
            if probe.any(&trial) {
                return None;
            }
            let mut clearance = f64::INFINITY;
            for &j in &near {
                let (c, t, _) = flat_cpa(&trial, &snaps[j]);
                if t > 0.0 && t < cfg.risk.warning_tcpa_s {
                    if c < ship_cpa_m {
                        return None;
                    }
                    clearance = clearance.min(c);
                }
            }
            Some(clearance)
        },
    );
    match found {
        Some(a) => vec![AdviceItem {
            mmsi: own.mmsi,
            action: Action::AlterCourse,
            direction: a.direction,
            degrees: Some(round(a.alteration_deg, 0)),
            new_cog_deg: Some(round(a.new_cog_deg, 0)),
            new_sog_kn: None,
            resulting_cpa_nm: a
                .clearance
                .is_finite()
                .then(|| round(a.clearance / M_PER_NM, 2)),
            sufficient: true,
            recommended: true,
            limited_by: None,
            into_danger: false,
        }],
        None => Vec::new(),
    }
}

/// The identity of every user hazard, by index (as zones have theirs).
fn hazard_keys(hazards: &Hazards) -> Vec<String> {
    crate::zone::identity_keys(
        hazards
            .hazards()
            .iter()
            .map(|h| (h.id.as_deref(), h.name.as_str())),
    )
}

impl HazardBook {
    /// The user hazards were replaced (`old` by `new`) at data time `t_ms`:
    /// an open hazard that named a user hazard follows it by identity to its
    /// new place, or is cleared (`hazard_removed`) when it is gone; every
    /// vessel is checked afresh at the next pass.
    pub(crate) fn replace(&mut self, old: &Hazards, new: &Hazards, t_ms: i64) -> Vec<EventBody> {
        let old_keys = hazard_keys(old);
        let new_index: BTreeMap<String, usize> = hazard_keys(new)
            .into_iter()
            .enumerate()
            .map(|(i, k)| (k, i))
            .collect();
        let mut out = Vec::new();
        let vessels: Vec<u32> = self.open.keys().copied().collect();
        for mmsi in vessels {
            let Some(o) = self.open.get_mut(&mmsi) else {
                continue;
            };
            if o.signature.1 .0 != 2 {
                continue;
            }
            let moved_to = old_keys
                .get(o.signature.1 .1 as usize)
                .and_then(|k| new_index.get(k));
            match moved_to {
                Some(&i) => {
                    o.signature.1 .1 = i as u32;
                    if let Some(h) = new.hazards().get(i) {
                        o.risk.hazard.name = Some(h.name.clone());
                    }
                }
                None => {
                    if let Some(o) = self.open.remove(&mmsi) {
                        out.push(EventBody::HazardCleared(HazardCleared {
                            level: o.risk.level,
                            vessel: o.risk.vessel.clone(),
                            hazard: o.risk.hazard.clone(),
                            duration_s: (t_ms - o.raised_ms) as f64 / 1000.0,
                            reason: "hazard_removed",
                        }));
                    }
                }
            }
        }
        self.checked.clear();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The probe an advice search asks for each course and speed says
    /// what `find` says, on and off the coast of Finisterre (open sea,
    /// along the coast, inside the rías the 1:10m coast calls land), with
    /// an aid and a user hazard, for safety distances above and below the
    /// grounding distance.
    #[test]
    fn the_danger_probe_says_what_find_says() {
        let hazards = r#"{"type":"FeatureCollection","features":[{"type":"Feature",
            "properties":{"name":"Wreck","radius_nm":0.5},
            "geometry":{"type":"Point","coordinates":[-9.45,42.95]}}]}"#;
        let geo = Geography {
            land: Some(Land::world().expect("the bundled coast")),
            hazards: Hazards::from_geojson_bytes(hazards.as_bytes()).expect("a hazard"),
            zones: Zones::empty(),
        };
        let atons = [AtonHazard {
            mmsi: 992_241_001,
            name: None,
            lat: 42.88,
            lon: -9.35,
            radius_m: 400.0,
        }];
        let cfg = Config::default();
        let (mut danger, mut clear) = (0, 0);
        for safety_m in [30.0, cfg.hazards.safety_nm * M_PER_NM] {
            for i in 0..24 {
                for j in 0..24 {
                    let lat = 42.70 + 0.025 * i as f64;
                    let lon = -9.60 + 0.025 * j as f64;
                    let probe = DangerProbe::new(
                        &geo,
                        &atons,
                        &cfg,
                        &Snap::for_test(lat, lon, 0.0, 0.0),
                        safety_m,
                    );
                    for k in 0..12 {
                        for sog in [0.0, 4.0, 12.0, 22.0] {
                            let s = Snap::for_test(lat, lon, sog, 30.0 * k as f64 + 7.0);
                            let found = !find(&geo, &atons, &cfg, &s, safety_m).is_empty();
                            assert_eq!(
                                probe.any(&s),
                                found,
                                "{lat} {lon} {} {sog} {safety_m}",
                                s.cog
                            );
                            if found {
                                danger += 1;
                            } else {
                                clear += 1;
                            }
                        }
                    }
                }
            }
        }
        assert!(
            danger > 2_000 && clear > 2_000,
            "{danger} in danger, {clear} clear"
        );
    }
}

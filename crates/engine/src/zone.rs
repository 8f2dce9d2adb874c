//! Zones: keep-out and keep-in areas, demarcation lines, speed limits and
//! plain notification areas, for the vessels each zone applies to; and the
//! routeing zones of Rules 9 and 10 (lanes, separation zones, inshore
//! zones, narrow channels), judged at each fix by [`crate::rules`]:
//! `zone.violation` with `action` `against_flow` (Rule 10(b)(i)),
//! `crossing_angle` (10(c)), `in_separation_zone` (10(e)), `wrong_side`
//! (9(a)), cleared when `corrected`, `slowed` or `left`; through traffic
//! entering or leaving an inshore traffic zone is a `zone.entered` /
//! `zone.left` naming Rule 10(d).

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;

use finisterra_geofence::zones::{Fix, Rule, VesselFacts, ZoneEventKind, Zones};

use serde::{Deserialize, Serialize};

use crate::event::{iso8601, EventBody, VesselRef, ZoneAlert, ZoneRef};
use crate::picture::{Vessel, VesselClass};
use crate::risk::round;
use crate::rules::{self, Motion};

/// The `action`s of routeing-zone violations.
const ROUTEING_ACTIONS: [&str; 4] = [
    "against_flow",
    "crossing_angle",
    "in_separation_zone",
    "wrong_side",
];

/// How a vessel moves, for the routeing zones.
pub(crate) fn motion(v: &Vessel) -> Motion {
    Motion {
        sog_kn: v.sog_kn,
        cog_deg: v.cog_deg,
        heading_deg: v.heading_deg,
        role: finisterra_nav::colregs::role_from_ais(v.nav_status, v.static_data.ship_type),
    }
}

/// What the selectors of a zone look at.
/// The zone facts of a vessel in the picture, or of her MMSI alone when she
/// is not (or no longer) in it.
pub(crate) fn facts_of(picture: &crate::picture::Picture, mmsi: u32) -> VesselFacts {
    picture
        .vessel(mmsi)
        .map(facts)
        .unwrap_or_else(|| VesselFacts::mmsi(mmsi))
}

pub(crate) fn facts(v: &Vessel) -> VesselFacts {
    VesselFacts {
        mmsi: v.mmsi,
        ship_type: v.static_data.ship_type,
        class_b: v.class == VesselClass::B,
        length_m: v.static_data.length_m(),
    }
}

/// A zone's identity: its feature `id`, else its name (with `#k` for the
/// k-th repeat of a name). Never its place in the list: open alerts keyed
/// by identity survive the zones being replaced, and an alert never points
/// at another zone after an earlier one was deleted.
pub(crate) type ZoneKey = Arc<str>;

/// The identity of every zone, by index.
pub(crate) fn zone_keys(zones: &Zones) -> Vec<ZoneKey> {
    identity_keys(
        zones
            .zones()
            .iter()
            .map(|z| (z.id.as_deref(), z.name.as_str())),
    )
    .into_iter()
    .map(Arc::from)
    .collect()
}

/// The identity of each of a list of features given as (`id`, name): the
/// feature `id`, else its name (with `#k` for the k-th repeat of a name);
/// never its place in the list. Zones and user hazards alike.
pub(crate) fn identity_keys<'a>(
    features: impl Iterator<Item = (Option<&'a str>, &'a str)>,
) -> Vec<String> {
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    features
        .map(|(id, name)| match id {
            Some(id) => format!("id:{id}"),
            None => {
                let n = seen.entry(name).or_insert(0);
                *n += 1;
                if *n == 1 {
                    format!("name:{name}")
                } else {
                    format!("name:{name}#{n}")
                }
            }
        })
        .collect()
}

/// Every key of one vessel in a map keyed by (MMSI, zone).
fn of_vessel<V>(
    map: &BTreeMap<(u32, ZoneKey), V>,
    mmsi: u32,
) -> impl Iterator<Item = (&(u32, ZoneKey), &V)> {
    let lo: ZoneKey = Arc::from("");
    map.range((Bound::Included((mmsi, lo)), Bound::Unbounded))
        .take_while(move |(k, _)| k.0 == mmsi)
}

pub(crate) fn zone_ref(zones: &Zones, index: usize) -> ZoneRef {
    let z = &zones.zones()[index];
    ZoneRef {
        index,
        id: z.id.clone(),
        name: z.name.clone(),
        rule: z.rule.code(),
        max_sog_kn: match z.rule {
            Rule::SpeedLimit { max_sog_kn } => Some(max_sog_kn),
            _ => None,
        },
        flow_deg: z.rule.flow_deg(),
    }
}

/// Open predictions and violations, keyed by vessel and zone identity.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct ZoneBook {
    /// Identity of each zone of the current list, by index.
    keys: Vec<ZoneKey>,
    /// Predictions with the predicted time, ms.
    predicted: BTreeMap<(u32, ZoneKey), (ZoneAlert, i64)>,
    violating: BTreeMap<(u32, ZoneKey), ZoneAlert>,
}

#[allow(clippy::too_many_arguments)]
fn alert(
    zones: &Zones,
    z: usize,
    vessel: &VesselRef,
    action: &'static str,
    lat: f64,
    lon: f64,
    at_ms: i64,
    time_to_s: Option<f64>,
    reason: Option<&'static str>,
) -> ZoneAlert {
    ZoneAlert {
        zone: zone_ref(zones, z),
        vessel: vessel.clone(),
        action,
        lat: round(lat, 6),
        lon: round(lon, 6),
        at: iso8601(at_ms),
        time_to_s,
        reason,
        colregs: None,
        angle_deg: None,
        judged_by: None,
        offset_m: None,
    }
}

impl ZoneBook {
    /// A vessel moved from `from` to `to`: entries, exits, crossings (the
    /// segment between fixes is tested, so a fast vessel cannot jump a
    /// thin zone), and speed limits.
    pub(crate) fn on_fix(
        &mut self,
        zones: &Zones,
        facts: &VesselFacts,
        from: Option<Fix>,
        to: Fix,
        motion: &Motion,
        vessel: &VesselRef,
    ) -> Vec<EventBody> {
        let mut out = Vec::new();
        if zones.is_empty() {
            return out;
        }
        let sog_kn = motion.sog_kn;
        let mmsi = facts.mmsi;
        self.sync_keys(zones);
        if let Some(from) = from {
            for ev in zones.step(facts, &from, &to) {
                let z = ev.zone;
                let rule = zones.zones()[z].rule;
                let action = match ev.kind {
                    ZoneEventKind::Entered => "enter",
                    ZoneEventKind::Left => "leave",
                    ZoneEventKind::Crossed => "cross",
                };
                let make = |reason| {
                    alert(
                        zones, z, vessel, action, ev.lat_deg, ev.lon_deg, ev.time_ms, None, reason,
                    )
                };
                let key = (mmsi, self.keys[z].clone());
                match (rule, ev.kind) {
                    (Rule::Notify, ZoneEventKind::Entered) => {
                        out.push(EventBody::ZoneEntered(make(None)))
                    }
                    (Rule::Notify, ZoneEventKind::Left) => {
                        out.push(EventBody::ZoneLeft(make(None)))
                    }
                    (Rule::Notify, ZoneEventKind::Crossed) => {
                        out.push(EventBody::ZoneCrossed(make(None)))
                    }
                    (Rule::KeepOut, ZoneEventKind::Entered)
                    | (Rule::KeepIn, ZoneEventKind::Left) => {
                        self.predicted.remove(&key);
                        if let std::collections::btree_map::Entry::Vacant(slot) =
                            self.violating.entry(key)
                        {
                            let a = make(None);
                            slot.insert(a.clone());
                            out.push(EventBody::ZoneViolation(a));
                        }
                    }
                    (Rule::KeepOut, ZoneEventKind::Left)
                    | (Rule::KeepIn, ZoneEventKind::Entered)
                        if self.violating.remove(&key).is_some() =>
                    {
                        let reason = if rule == Rule::KeepOut {
                            "left"
                        } else {
                            "returned"
                        };
                        out.push(EventBody::ZoneCleared(make(Some(reason))));
                    }
                    (Rule::NoCrossing, _) => {
                        self.predicted.remove(&key);
                        if self.violating.remove(&key).is_some() {
                            // Crossing back to the side it belongs to.
                            out.push(EventBody::ZoneCleared(make(Some("returned"))));
                        } else {
                            let a = make(None);
                            self.violating.insert(key, a.clone());
                            out.push(EventBody::ZoneViolation(a));
                        }
                    }
                    (Rule::TssInshore, ZoneEventKind::Entered | ZoneEventKind::Left)
                        if rules::through_traffic(facts, motion.role) =>
                    {
                        let mut a = make(None);
                        a.colregs = Some("Rule 10(d)");
                        out.push(if ev.kind == ZoneEventKind::Entered {
                            EventBody::ZoneEntered(a)
                        } else {
                            EventBody::ZoneLeft(a)
                        });
                    }
                    (Rule::SpeedLimit { .. }, ZoneEventKind::Left)
                        if self.violating.contains_key(&key) =>
                    {
                        self.violating.remove(&key);
                        out.push(EventBody::ZoneCleared(make(Some("left"))));
                    }
                    _ => {}
                }
            }
        }
        // Speed limits where the vessel is now.
        let speeding: Vec<usize> = match sog_kn {
            Some(sog) => zones
                .speed_violations(facts, &to, sog)
                .into_iter()
                .map(|(z, _)| z)
                .collect(),
            None => Vec::new(),
        };
        let speeding_keys: Vec<ZoneKey> = speeding.iter().map(|&z| self.keys[z].clone()).collect();
        for &z in &speeding {
            let key = (mmsi, self.keys[z].clone());
            if let std::collections::btree_map::Entry::Vacant(slot) = self.violating.entry(key) {
                let a = alert(
                    zones, z, vessel, "speed", to.lat_deg, to.lon_deg, to.time_ms, None, None,
                );
                slot.insert(a.clone());
                out.push(EventBody::ZoneViolation(a));
            }
        }
        if zones.has_traffic_zones() {
            self.traffic(zones, facts, &to, motion, vessel, &mut out);
        }
        let slowed: Vec<(u32, ZoneKey)> = of_vessel(&self.violating, mmsi)
            .filter(|(k, a)| a.action == "speed" && !speeding_keys.contains(&k.1))
            .map(|(k, _)| k.clone())
            .collect();
        for key in slowed {
            if let Some(mut a) = self.violating.remove(&key) {
                a.vessel = vessel.clone();
                a.lat = round(to.lat_deg, 6);
                a.lon = round(to.lon_deg, 6);
                a.at = iso8601(to.time_ms);
                a.reason = Some("slowed");
                out.push(EventBody::ZoneCleared(a));
            }
        }
        out
    }

    /// Routeing zones (Rules 9 and 10) where the vessel is now: raises a
    /// violation when her course, heading or side breaks the zone's rule,
    /// clears it (`corrected`, `slowed`, `left`) when it no longer does.
    /// One open alert per vessel and zone; a different breach in the same
    /// zone clears the old one and raises the new.
    fn traffic(
        &mut self,
        zones: &Zones,
        facts: &VesselFacts,
        to: &Fix,
        motion: &Motion,
        vessel: &VesselRef,
        out: &mut Vec<EventBody>,
    ) {
        let mmsi = facts.mmsi;
        let inside: Vec<usize> = zones
            .inside(facts, to.lat_deg, to.lon_deg, to.time_ms)
            .into_iter()
            .filter(|&i| zones.zones()[i].rule.is_traffic())
            .collect();
        let end = |mut a: ZoneAlert, reason: &'static str, out: &mut Vec<EventBody>| {
            a.vessel = vessel.clone();
            a.lat = round(to.lat_deg, 6);
            a.lon = round(to.lon_deg, 6);
            a.at = iso8601(to.time_ms);
            a.reason = Some(reason);
            out.push(EventBody::ZoneCleared(a));
        };
        // Open routeing alerts of zones the vessel is no longer in.
        let left: Vec<(u32, ZoneKey)> = of_vessel(&self.violating, mmsi)
            .filter(|(k, a)| {
                ROUTEING_ACTIONS.contains(&a.action) && !inside.iter().any(|&i| self.keys[i] == k.1)
            })
            .map(|(k, _)| k.clone())
            .collect();
        for key in left {
            if let Some(a) = self.violating.remove(&key) {
                end(a, "left", out);
            }
        }
        for i in inside {
            let key = (mmsi, self.keys[i].clone());
            let open = self.violating.get(&key).map(|a| a.action);
            let z = &zones.zones()[i];
            let judged = rules::judge_traffic(z, to.lat_deg, to.lon_deg, motion, open);
            let clear = match judged {
                rules::Judged::Breach(b) => open.is_some_and(|o| o != b.action),
                rules::Judged::Fine => open.is_some(),
                rules::Judged::Stopped => open.is_some(),
                rules::Judged::Undecided => false,
            };
            if clear {
                if let Some(a) = self.violating.remove(&key) {
                    let reason = if judged == rules::Judged::Stopped {
                        "slowed"
                    } else {
                        "corrected"
                    };
                    end(a, reason, out);
                }
            }
            if let rules::Judged::Breach(b) = judged {
                if let std::collections::btree_map::Entry::Vacant(slot) = self.violating.entry(key)
                {
                    let mut a = alert(
                        zones, i, vessel, b.action, to.lat_deg, to.lon_deg, to.time_ms, None, None,
                    );
                    a.colregs = Some(b.colregs);
                    a.angle_deg = b.angle_deg;
                    a.judged_by = b.judged_by;
                    a.offset_m = b.offset_m;
                    slot.insert(a.clone());
                    out.push(EventBody::ZoneViolation(a));
                }
            }
        }
    }

    /// Predictions for one vessel at a screening pass: zones it will
    /// enter, leave or cross against their rule within the horizon.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn predict(
        &mut self,
        zones: &Zones,
        facts: &VesselFacts,
        at: Fix,
        cog_deg: f64,
        sog_kn: f64,
        horizon_s: f64,
        vessel: &VesselRef,
    ) -> Vec<EventBody> {
        let mut out = Vec::new();
        if zones.is_empty() {
            return out;
        }
        let mmsi = facts.mmsi;
        self.sync_keys(zones);
        let mut now: Vec<ZoneKey> = Vec::new();
        for ev in zones.predicted(facts, &at, cog_deg, sog_kn, horizon_s) {
            let zkey = self.keys[ev.zone].clone();
            if !ev.violation || now.contains(&zkey) {
                continue;
            }
            now.push(zkey.clone());
            let key = (mmsi, zkey);
            if self.violating.contains_key(&key) || self.predicted.contains_key(&key) {
                continue;
            }
            let action = match ev.kind {
                ZoneEventKind::Entered => "enter",
                ZoneEventKind::Left => "leave",
                ZoneEventKind::Crossed => "cross",
            };
            let time_to = (ev.time_ms - at.time_ms) as f64 / 1000.0;
            let a = alert(
                zones,
                ev.zone,
                vessel,
                action,
                ev.lat_deg,
                ev.lon_deg,
                ev.time_ms,
                Some(round(time_to, 0)),
                None,
            );
            self.predicted.insert(key, (a.clone(), ev.time_ms));
            out.push(EventBody::ZonePredicted(a));
        }
        // A prediction that no longer shows is cleared, unless its time has
        // come: then the dead-reckoned position is already past the zone and
        // the next fix tells whether it happened (a violation supersedes
        // the prediction); after two minutes without one it is cleared.
        let gone: Vec<(u32, ZoneKey)> = of_vessel(&self.predicted, mmsi)
            .filter(|(k, (_, t))| {
                !(now.contains(&k.1) || (at.time_ms >= *t && at.time_ms - *t < 120_000))
            })
            .map(|(k, _)| k.clone())
            .collect();
        for key in gone {
            if let Some((mut a, _)) = self.predicted.remove(&key) {
                a.vessel = vessel.clone();
                a.reason = Some("no_longer_predicted");
                a.time_to_s = None;
                out.push(EventBody::ZoneCleared(a));
            }
        }
        out
    }

    /// Ends everything open for a lost vessel.
    pub(crate) fn clear_vessel(&mut self, mmsi: u32) -> Vec<EventBody> {
        let mut out = Vec::new();
        let mut lost: Vec<ZoneAlert> = Vec::new();
        let keys: Vec<(u32, ZoneKey)> = of_vessel(&self.predicted, mmsi)
            .map(|(k, _)| k.clone())
            .collect();
        for k in keys {
            if let Some((a, _)) = self.predicted.remove(&k) {
                lost.push(a);
            }
        }
        let keys: Vec<(u32, ZoneKey)> = of_vessel(&self.violating, mmsi)
            .map(|(k, _)| k.clone())
            .collect();
        for k in keys {
            if let Some(a) = self.violating.remove(&k) {
                lost.push(a);
            }
        }
        for mut a in lost {
            a.reason = Some("target_lost");
            a.time_to_s = None;
            out.push(EventBody::ZoneCleared(a));
        }
        out
    }

    /// Open violations.
    pub(crate) fn violations(&self) -> impl Iterator<Item = &ZoneAlert> {
        self.violating.values()
    }

    /// Open predictions.
    pub(crate) fn predictions(&self) -> impl Iterator<Item = &ZoneAlert> {
        self.predicted.values().map(|(a, _)| a)
    }
}

/// What the zone book needs to know of one vessel when the zones change.
pub(crate) struct VesselNow {
    pub facts: VesselFacts,
    pub fix: Fix,
    pub sog_kn: Option<f64>,
    pub vessel: VesselRef,
}

impl ZoneBook {
    /// Takes the identities of the current zones if they are not known yet
    /// (the first zones given; later changes go through [`ZoneBook::replace`]).
    fn sync_keys(&mut self, zones: &Zones) {
        if self.keys.len() != zones.len() {
            self.keys = zone_keys(zones);
        }
    }

    /// The zones were replaced at data time `t_ms`. Open alerts follow their
    /// zone by identity: an alert whose zone is gone is cleared
    /// (`zone_removed`), one whose zone changed so that its rule no longer
    /// holds is cleared (`zone_changed`), the others point at the zone's new
    /// place. A vessel (of `vessels`, sorted by MMSI) already inside a
    /// keep-out zone, or outside a keep-in zone, that applies to it raises a
    /// violation at once (reason `zone_changed`): a new zone is never blind
    /// to the vessels already in it.
    pub(crate) fn replace(
        &mut self,
        zones: &Zones,
        t_ms: i64,
        vessels: &[VesselNow],
    ) -> Vec<EventBody> {
        self.keys = zone_keys(zones);
        let index: BTreeMap<ZoneKey, usize> = self
            .keys
            .iter()
            .enumerate()
            .map(|(i, k)| (k.clone(), i))
            .collect();
        let find = |mmsi: u32| {
            vessels
                .binary_search_by_key(&mmsi, |v| v.facts.mmsi)
                .ok()
                .map(|i| &vessels[i])
        };
        let mut out = Vec::new();
        let ended = |a: &mut ZoneAlert, reason: &'static str, out: &mut Vec<EventBody>| {
            if let Some(v) = find(a.vessel.mmsi) {
                a.vessel = v.vessel.clone();
            }
            a.at = iso8601(t_ms);
            a.time_to_s = None;
            a.reason = Some(reason);
            out.push(EventBody::ZoneCleared(a.clone()));
        };
        let keys: Vec<(u32, ZoneKey)> = self.predicted.keys().cloned().collect();
        for k in keys {
            match index.get(&k.1) {
                None => {
                    if let Some((mut a, _)) = self.predicted.remove(&k) {
                        ended(&mut a, "zone_removed", &mut out);
                    }
                }
                Some(&i) => {
                    if let Some((a, _)) = self.predicted.get_mut(&k) {
                        a.zone = zone_ref(zones, i);
                    }
                }
            }
        }
        let keys: Vec<(u32, ZoneKey)> = self.violating.keys().cloned().collect();
        for k in keys {
            let Some(&i) = index.get(&k.1) else {
                if let Some(mut a) = self.violating.remove(&k) {
                    ended(&mut a, "zone_removed", &mut out);
                }
                continue;
            };
            let z = &zones.zones()[i];
            let holds = match find(k.0) {
                None => true, // not placed now: its next fix decides
                Some(v) => {
                    let inside = || z.contains(v.fix.lat_deg, v.fix.lon_deg);
                    z.applies(&v.facts, t_ms)
                        && match z.rule {
                            Rule::KeepOut => inside(),
                            Rule::KeepIn => !inside(),
                            Rule::SpeedLimit { max_sog_kn } => {
                                inside() && v.sog_kn.is_some_and(|s| s > max_sog_kn)
                            }
                            Rule::NoCrossing => true,
                            // Judged again at the vessel's next fix.
                            Rule::TssLane { .. }
                            | Rule::TssSeparation { .. }
                            | Rule::TssInshore
                            | Rule::Channel { .. } => true,
                            Rule::Notify | Rule::RestrictedVisibility { .. } => false,
                        }
                }
            };
            if holds {
                if let Some(a) = self.violating.get_mut(&k) {
                    a.zone = zone_ref(zones, i);
                }
            } else if let Some(mut a) = self.violating.remove(&k) {
                a.zone = zone_ref(zones, i);
                ended(&mut a, "zone_changed", &mut out);
            }
        }
        // Vessels already where a rule forbids.
        for v in vessels {
            for (i, z) in zones.zones().iter().enumerate() {
                let action = match z.rule {
                    Rule::KeepOut => "enter",
                    Rule::KeepIn => "leave",
                    _ => continue,
                };
                if !z.applies(&v.facts, t_ms) {
                    continue;
                }
                let inside = z.contains(v.fix.lat_deg, v.fix.lon_deg);
                if inside != (z.rule == Rule::KeepOut) {
                    continue;
                }
                let key = (v.facts.mmsi, self.keys[i].clone());
                if self.violating.contains_key(&key) {
                    continue;
                }
                self.predicted.remove(&key);
                let a = alert(
                    zones,
                    i,
                    &v.vessel,
                    action,
                    v.fix.lat_deg,
                    v.fix.lon_deg,
                    t_ms,
                    None,
                    Some("zone_changed"),
                );
                self.violating.insert(key, a.clone());
                out.push(EventBody::ZoneViolation(a));
            }
        }
        out
    }
}

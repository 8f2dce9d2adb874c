//! Zones: keep-out and keep-in areas, demarcation lines, speed limits and
//! plain notification areas, for the vessels each zone applies to.

use std::collections::BTreeMap;

use finisterra_geofence::zones::{Fix, Rule, VesselFacts, ZoneEventKind, Zones};

use crate::event::{iso8601, EventBody, VesselRef, ZoneAlert, ZoneRef};
use crate::picture::{Vessel, VesselClass};
use crate::risk::round;

/// What the selectors of a zone look at.
pub(crate) fn facts(v: &Vessel) -> VesselFacts {
    VesselFacts {
        mmsi: v.mmsi,
        ship_type: v.static_data.ship_type,
        class_b: v.class == VesselClass::B,
        length_m: v.static_data.length_m(),
    }
}

fn zone_ref(zones: &Zones, index: usize) -> ZoneRef {
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
    }
}

/// Open predictions and violations.
#[derive(Debug, Default)]
pub(crate) struct ZoneBook {
    /// Predictions with the predicted time, ms.
    predicted: BTreeMap<(u32, usize), (ZoneAlert, i64)>,
    violating: BTreeMap<(u32, usize), ZoneAlert>,
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
        sog_kn: Option<f64>,
        vessel: &VesselRef,
    ) -> Vec<EventBody> {
        let mut out = Vec::new();
        if zones.is_empty() {
            return out;
        }
        let mmsi = facts.mmsi;
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
                let key = (mmsi, z);
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
        for &z in &speeding {
            let key = (mmsi, z);
            if let std::collections::btree_map::Entry::Vacant(slot) = self.violating.entry(key) {
                let a = alert(
                    zones, z, vessel, "speed", to.lat_deg, to.lon_deg, to.time_ms, None, None,
                );
                slot.insert(a.clone());
                out.push(EventBody::ZoneViolation(a));
            }
        }
        let slowed: Vec<(u32, usize)> = self
            .violating
            .range((mmsi, 0)..=(mmsi, usize::MAX))
            .filter(|(k, a)| a.action == "speed" && !speeding.contains(&k.1))
            .map(|(k, _)| *k)
            .collect();
        for key in slowed {
            self.violating.remove(&key);
            out.push(EventBody::ZoneCleared(alert(
                zones,
                key.1,
                vessel,
                "speed",
                to.lat_deg,
                to.lon_deg,
                to.time_ms,
                None,
                Some("slowed"),
            )));
        }
        out
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
        let mut now: Vec<usize> = Vec::new();
        for ev in zones.predicted(facts, &at, cog_deg, sog_kn, horizon_s) {
            if !ev.violation || now.contains(&ev.zone) {
                continue;
            }
            now.push(ev.zone);
            let key = (mmsi, ev.zone);
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
        let gone: Vec<(u32, usize)> = self
            .predicted
            .range((mmsi, 0)..=(mmsi, usize::MAX))
            .filter(|(k, (_, t))| {
                !(now.contains(&k.1) || (at.time_ms >= *t && at.time_ms - *t < 120_000))
            })
            .map(|(k, _)| *k)
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
        let keys: Vec<(u32, usize)> = self
            .predicted
            .range((mmsi, 0)..=(mmsi, usize::MAX))
            .map(|(k, _)| *k)
            .collect();
        for k in keys {
            if let Some((a, _)) = self.predicted.remove(&k) {
                lost.push(a);
            }
        }
        let keys: Vec<(u32, usize)> = self
            .violating
            .range((mmsi, 0)..=(mmsi, usize::MAX))
            .map(|(k, _)| *k)
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

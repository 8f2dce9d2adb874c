//! One owner per event, and its key.
//!
//! Every worker runs the whole engine on what its partitions receive, so a
//! pair near an edge is judged by every worker whose partitions hold both
//! vessels. Exactly one of them reports it, decided from the data alone:
//!
//! - **a pair** (`risk.*`) is owned by the home partition of its lower-MMSI
//!   vessel `a` *as the `risk.raised` event places her*, and keeps that
//!   owner until its `risk.cleared`, even when a vessel crosses into
//!   another partition meanwhile: raised, updated and cleared come from the
//!   same worker. Every worker that judges the pair sees the same raise (the
//!   halo's dead-reckoning margin, see [`crate::halo`]) and so agrees on the
//!   owner;
//! - **a vessel's event** (hazards, zones, `target.lost`, `distress`) is
//!   owned by the home partition of the vessel's position in the event (its
//!   last fix). A distress without a position is placed by the vessel's
//!   last fix in the worker's picture, else by [`Grid::fallback`].
//!
//! The workers that judge a situation but do not own it stay silent about
//! it; their judgement keeps their picture whole.

use std::collections::BTreeMap;

use finisterra_engine::{AircraftRef, Event, EventBody, VesselRef};

use crate::grid::{Grid, Partition};

/// Who owns which event. Holds the owners of open pairs (part of a
/// worker's state: it goes into a snapshot with the engine's).
#[derive(Debug, Clone)]
pub struct Ownership {
    grid: Grid,
    pairs: BTreeMap<(u32, u32), Partition>,
    /// Owners of open air conflicts, by the aircraft's identities.
    air_pairs: BTreeMap<(String, String), Partition>,
}

/// The owners of open pairs and air conflicts, as a snapshot holds them.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct OpenOwners {
    pairs: Vec<((u32, u32), Partition)>,
    air_pairs: Vec<((String, String), Partition)>,
}

/// An aircraft's identity in keys: its address, or `mmsi:…`.
fn aircraft_id(a: &AircraftRef) -> String {
    a.hex
        .clone()
        .unwrap_or_else(|| format!("mmsi:{}", a.mmsi.unwrap_or(0)))
}

fn home_of(grid: &Grid, v: &VesselRef) -> Option<Partition> {
    grid.home(v.lat, v.lon)
}

impl Ownership {
    /// Ownership over this grid, no pair open.
    pub fn new(grid: Grid) -> Ownership {
        Ownership {
            grid,
            pairs: BTreeMap::new(),
            air_pairs: BTreeMap::new(),
        }
    }

    /// The owners of open pairs and air conflicts (a worker's snapshot
    /// holds them).
    pub(crate) fn open_owners(&self) -> OpenOwners {
        OpenOwners {
            pairs: self.pairs.iter().map(|(&k, &p)| (k, p)).collect(),
            air_pairs: self
                .air_pairs
                .iter()
                .map(|(k, &p)| (k.clone(), p))
                .collect(),
        }
    }

    /// Ownership over `grid` with these owners of open pairs.
    pub(crate) fn with_open(grid: Grid, open: OpenOwners) -> Ownership {
        Ownership {
            grid,
            pairs: open.pairs.into_iter().collect(),
            air_pairs: open.air_pairs.into_iter().collect(),
        }
    }

    /// The grid.
    pub fn grid(&self) -> &Grid {
        &self.grid
    }

    /// Open pairs and their owners.
    pub fn open_pairs(&self) -> impl Iterator<Item = (&(u32, u32), &Partition)> {
        self.pairs.iter()
    }

    /// The owner of `e`. Call it for **every** event the engine emits, in
    /// order, owned or not: the owners of open pairs are kept here.
    /// `last_fix` gives a vessel's last position in the worker's picture.
    pub fn owner(&mut self, e: &Event, last_fix: impl Fn(u32) -> Option<(f64, f64)>) -> Partition {
        let g = self.grid;
        let vessel = |v: &VesselRef| home_of(&g, v).unwrap_or_else(|| g.fallback(v.mmsi));
        match &e.body {
            EventBody::RiskRaised(r) | EventBody::RiskUpdated(r) => *self
                .pairs
                .entry((r.a.mmsi, r.b.mmsi))
                .or_insert(vessel(&r.a)),
            EventBody::RiskCleared(r) => self
                .pairs
                .remove(&(r.a.mmsi, r.b.mmsi))
                .unwrap_or_else(|| vessel(&r.a)),
            EventBody::Distress(d) => d
                .lat
                .zip(d.lon)
                .or_else(|| last_fix(d.mmsi))
                .and_then(|(lat, lon)| g.home(lat, lon))
                .unwrap_or_else(|| g.fallback(d.mmsi)),
            EventBody::TargetLost(t) => vessel(&t.vessel),
            EventBody::HazardRaised(h) | EventBody::HazardUpdated(h) => vessel(&h.vessel),
            EventBody::HazardCleared(h) => vessel(&h.vessel),
            EventBody::ZonePredicted(z)
            | EventBody::ZoneViolation(z)
            | EventBody::ZoneCleared(z)
            | EventBody::ZoneEntered(z)
            | EventBody::ZoneLeft(z)
            | EventBody::ZoneCrossed(z) => vessel(&z.vessel),
            // Air conflicts as pairs (the first aircraft's home at the
            // raise, kept to the clear), airspace events by the aircraft.
            EventBody::AirConflictRaised(c) | EventBody::AirConflictUpdated(c) => {
                let home = g.home(c.a.lat, c.a.lon).unwrap_or_else(|| g.fallback(0));
                *self
                    .air_pairs
                    .entry((aircraft_id(&c.a), aircraft_id(&c.b)))
                    .or_insert(home)
            }
            EventBody::AirConflictCleared(c) => self
                .air_pairs
                .remove(&(aircraft_id(&c.a), aircraft_id(&c.b)))
                .unwrap_or_else(|| g.home(c.a.lat, c.a.lon).unwrap_or_else(|| g.fallback(0))),
            EventBody::AirspacePredicted(z)
            | EventBody::AirspaceViolation(z)
            | EventBody::AirspaceCleared(z)
            | EventBody::AirspaceEntered(z)
            | EventBody::AirspaceLeft(z) => g
                .home(z.aircraft.lat, z.aircraft.lon)
                .unwrap_or_else(|| g.fallback(0)),
        }
    }
}

/// Characters kept as they are in a key; others are written `%XX`.
fn push_clean(out: &mut String, s: &str) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

/// The deterministic key of an event: its kind, what it is about (the
/// pair; the vessel and the hazard or zone with the action; the vessel and
/// the reason), and its data time. Two workers reporting the same
/// judgement give the same key; it is sent as `Nats-Msg-Id` and the store
/// is idempotent on it. ASCII letters, digits and `._-:/%` only.
///
/// ```text
/// risk.raised:244000001/244000002:1767571200000
/// hazard.raised:244000001/land/:1767571200000
/// zone.violation:244000001/zone-7/enter:1767571200000
/// ```
///
/// The engine may report one subject twice in one data time (both vessels
/// of a pair reporting in the same second): the worker then adds `#1`,
/// `#2`… in the order its engine emitted them, which is the single
/// machine's order for that subject.
pub fn event_key(e: &Event) -> String {
    let mut k = String::with_capacity(64);
    k.push_str(e.body.kind());
    k.push(':');
    match &e.body {
        EventBody::RiskRaised(r) | EventBody::RiskUpdated(r) => {
            k.push_str(&format!("{}/{}", r.a.mmsi, r.b.mmsi))
        }
        EventBody::RiskCleared(r) => k.push_str(&format!("{}/{}", r.a.mmsi, r.b.mmsi)),
        EventBody::Distress(d) => {
            k.push_str(&format!("{}/", d.mmsi));
            push_clean(&mut k, d.reason);
        }
        EventBody::TargetLost(t) => k.push_str(&t.vessel.mmsi.to_string()),
        EventBody::HazardRaised(h) | EventBody::HazardUpdated(h) => {
            hazard_part(&mut k, h.vessel.mmsi, &h.hazard)
        }
        EventBody::HazardCleared(h) => hazard_part(&mut k, h.vessel.mmsi, &h.hazard),
        EventBody::ZonePredicted(z)
        | EventBody::ZoneViolation(z)
        | EventBody::ZoneCleared(z)
        | EventBody::ZoneEntered(z)
        | EventBody::ZoneLeft(z)
        | EventBody::ZoneCrossed(z) => {
            k.push_str(&format!("{}/", z.vessel.mmsi));
            push_clean(&mut k, z.zone.id.as_deref().unwrap_or(&z.zone.name));
            k.push('/');
            push_clean(&mut k, z.action);
        }
        EventBody::AirConflictRaised(c) | EventBody::AirConflictUpdated(c) => {
            push_clean(&mut k, &aircraft_id(&c.a));
            k.push('/');
            push_clean(&mut k, &aircraft_id(&c.b));
        }
        EventBody::AirConflictCleared(c) => {
            push_clean(&mut k, &aircraft_id(&c.a));
            k.push('/');
            push_clean(&mut k, &aircraft_id(&c.b));
        }
        EventBody::AirspacePredicted(z)
        | EventBody::AirspaceViolation(z)
        | EventBody::AirspaceCleared(z)
        | EventBody::AirspaceEntered(z)
        | EventBody::AirspaceLeft(z) => {
            push_clean(&mut k, &aircraft_id(&z.aircraft));
            k.push('/');
            push_clean(&mut k, z.zone.id.as_deref().unwrap_or(&z.zone.name));
            k.push('/');
            push_clean(&mut k, z.action);
        }
    }
    k.push(':');
    k.push_str(&e.time_ms.to_string());
    k
}

fn hazard_part(k: &mut String, mmsi: u32, h: &finisterra_engine::HazardRef) {
    k.push_str(&format!("{mmsi}/"));
    push_clean(k, h.kind);
    k.push('/');
    if let Some(m) = h.mmsi {
        k.push_str(&m.to_string());
    } else if let Some(n) = &h.name {
        push_clean(k, n);
    }
}

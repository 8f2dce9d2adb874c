//! The traffic picture: one state per MMSI, fixed objects apart, bad data
//! kept out.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use finisterra_ais::{AisMessage, Body, Dimensions, StaticDataReport};
use serde::{Deserialize, Serialize};

use crate::config::PictureConfig;

/// A fast, deterministic hasher for integer keys (same input, same
/// iteration order, run after run): the one hasher of the workspace (the
/// picture's MMSI index, the census's maps).
#[derive(Debug, Default, Clone, Copy)]
pub struct FastHasher(u64);

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ b as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    fn write_u32(&mut self, v: u32) {
        self.write_u64(v as u64);
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = (self.0.rotate_left(23) ^ v).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 ^= self.0 >> 29;
    }
}

/// A hash map with the [`FastHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

pub(crate) type MmsiMap<V> = FastMap<u32, V>;

/// Which kind of station a vessel is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VesselClass {
    /// Class A (messages 1-3, 5).
    A,
    /// Class B (messages 18, 19, 24).
    B,
    /// SAR aircraft (message 9).
    SarAircraft,
    /// Only long-range (message 27) or static data seen so far.
    Unknown,
}

/// Static and voyage data merged from messages 5, 19 and 24.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StaticData {
    /// Vessel name (shared: a screening pass worked out apart from the
    /// picture takes the names as they were without copying them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<Arc<str>>,
    /// Call sign.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub callsign: Option<String>,
    /// IMO number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imo: Option<u32>,
    /// AIS ship and cargo type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ship_type: Option<u8>,
    /// Distance from the GNSS antenna to the bow, metres.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_bow_m: Option<u16>,
    /// ... to the stern.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_stern_m: Option<u16>,
    /// ... to port.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_port_m: Option<u8>,
    /// ... to starboard.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_starboard_m: Option<u8>,
    /// Present static draught, metres.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub draught_m: Option<f64>,
    /// Destination as typed by the crew.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<String>,
    /// ETA as `MM-DDTHH:MM` (UTC, year not transmitted).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eta: Option<String>,
}

impl StaticData {
    /// Overall length, metres, when the dimensions are known.
    pub fn length_m(&self) -> Option<f64> {
        match (self.to_bow_m, self.to_stern_m) {
            (Some(b), Some(s)) if b + s > 0 => Some((b + s) as f64),
            _ => None,
        }
    }

    /// Beam, metres, when known.
    pub fn beam_m(&self) -> Option<f64> {
        match (self.to_port_m, self.to_starboard_m) {
            (Some(p), Some(s)) if p as u16 + s as u16 > 0 => Some((p as u16 + s as u16) as f64),
            _ => None,
        }
    }

    fn set_dims(&mut self, d: &Dimensions) {
        if d.to_bow + d.to_stern > 0 || d.to_port as u16 + d.to_starboard as u16 > 0 {
            self.to_bow_m = Some(d.to_bow);
            self.to_stern_m = Some(d.to_stern);
            self.to_port_m = Some(d.to_port);
            self.to_starboard_m = Some(d.to_starboard);
        }
    }
}

/// Takes a transmitted name unless it is blank; the name held is kept
/// (not copied again) when it is the same.
fn set_name(name: &mut Option<Arc<str>>, sent: &str) {
    let t = sent.trim();
    if !t.is_empty() && name.as_deref() != Some(t) {
        *name = Some(Arc::from(t));
    }
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// A second track for one MMSI: fixes the teleport check rejected but that
/// agree with each other.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct Candidate {
    lat: f64,
    lon: f64,
    t_ms: i64,
    first_ms: i64,
    count: u32,
}

/// One vessel (any mobile station) in the picture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Vessel {
    /// MMSI.
    pub mmsi: u32,
    /// Station class.
    pub class: VesselClass,
    /// Latitude of the last accepted fix, degrees (NaN before any).
    pub lat_deg: f64,
    /// Longitude of the last accepted fix, degrees.
    pub lon_deg: f64,
    /// Speed over ground, knots.
    pub sog_kn: Option<f64>,
    /// Course over ground, degrees.
    pub cog_deg: Option<f64>,
    /// True heading, degrees.
    pub heading_deg: Option<f64>,
    /// Rate of turn, degrees per minute (negative to port).
    pub rot_deg_per_min: Option<f64>,
    /// Navigational status (AIS code).
    pub nav_status: Option<u8>,
    /// Data time of the last accepted fix, ms (`i64::MIN` before any).
    pub fix_ms: i64,
    /// Data time of the last message of any kind, ms.
    pub last_seen_ms: i64,
    /// Static and voyage data.
    #[serde(rename = "static")]
    pub static_data: StaticData,
    /// Messages received.
    pub messages: u64,
    /// Positions rejected (sentinels, out of range, teleports).
    pub rejected_positions: u64,
    /// `true` once two transmitters were seen using this MMSI at the same
    /// time in different places.
    pub identity_conflict: bool,
    /// `true` after `target.lost` until the next accepted fix.
    pub lost: bool,
    #[serde(skip)]
    pub(crate) candidate: Option<Candidate>,
}

impl Vessel {
    fn new(mmsi: u32, t_ms: i64) -> Vessel {
        Vessel {
            mmsi,
            class: VesselClass::Unknown,
            lat_deg: f64::NAN,
            lon_deg: f64::NAN,
            sog_kn: None,
            cog_deg: None,
            heading_deg: None,
            rot_deg_per_min: None,
            nav_status: None,
            fix_ms: i64::MIN,
            last_seen_ms: t_ms,
            static_data: StaticData::default(),
            messages: 0,
            rejected_positions: 0,
            identity_conflict: false,
            lost: false,
            candidate: None,
        }
    }

    /// `true` once a position has been accepted.
    pub fn has_fix(&self) -> bool {
        self.fix_ms != i64::MIN
    }

    /// Expected interval between position reports, seconds (ITU-R M.1371
    /// reporting rates, taking the slow end of each band).
    pub fn reporting_interval_s(&self) -> f64 {
        let sog = self.sog_kn.unwrap_or(0.0);
        let anchored = matches!(self.nav_status, Some(1) | Some(5));
        match self.class {
            VesselClass::A if anchored && sog <= 3.0 => 180.0,
            VesselClass::A => 10.0,
            VesselClass::B if sog < 2.0 => 180.0,
            VesselClass::B => 30.0,
            VesselClass::SarAircraft => 10.0,
            VesselClass::Unknown => 180.0,
        }
    }
}

/// A fixed object: aid to navigation (message 21) or base station (4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FixedObject {
    /// MMSI.
    pub mmsi: u32,
    /// `aton` or `base_station`.
    #[serde(deserialize_with = "crate::snapshot::label")]
    pub kind: crate::snapshot::Label,
    /// Name (aids to navigation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Type of aid (message 21 code).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aid_type: Option<u8>,
    /// Virtual aid (no physical mark).
    pub virtual_aid: bool,
    /// Reported off its charted position (floating aids).
    pub off_position: bool,
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Data time of the last report, ms.
    pub last_seen_ms: i64,
}

/// Why a position was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reject {
    /// Latitude or longitude "not available".
    Unavailable,
    /// Outside ±90° / ±180°.
    OutOfRange,
    /// Exactly 0°, 0° (a common default of broken units).
    NullIsland,
    /// Older than the last accepted fix.
    OutOfOrder,
    /// Implies an impossible speed from the last accepted fix.
    Teleport,
}

impl Reject {
    /// Stable counter key.
    pub fn reason(self) -> &'static str {
        match self {
            Reject::Unavailable => "position_unavailable",
            Reject::OutOfRange => "position_out_of_range",
            Reject::NullIsland => "position_null_island",
            Reject::OutOfOrder => "position_out_of_order",
            Reject::Teleport => "position_teleport",
        }
    }
}

/// Counters of the picture.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PictureStats {
    /// Messages ingested.
    pub messages: u64,
    /// Positions accepted.
    pub positions: u64,
    /// Positions rejected, by reason.
    #[serde(deserialize_with = "crate::snapshot::label_counts")]
    pub rejected: Vec<(crate::snapshot::Label, u64)>,
    /// Vessels moved to a new position after consistent rejected fixes.
    pub reacquired: u64,
    /// Fixes showing one MMSI in two places at once.
    pub mmsi_conflicts: u64,
    /// Invalid speed or course values dropped (speed above the limit).
    pub invalid_motion: u64,
}

impl PictureStats {
    pub(crate) fn reject(&mut self, r: Reject) {
        let k = r.reason();
        match self.rejected.iter_mut().find(|e| e.0 == k) {
            Some(e) => e.1 += 1,
            None => self.rejected.push((k, 1)),
        }
    }
}

/// Rough distance for the teleport check (equirectangular, metres); the
/// error (well under 1 %) does not matter against a factor-of-two limit.
#[inline]
fn rough_distance_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let dlon = finisterra_nav::geo::wrap_lon_once_deg(lon2 - lon1);
    let x = dlon.to_radians() * ((lat1 + lat2) * 0.5).to_radians().cos();
    let y = (lat2 - lat1).to_radians();
    6_371_000.0 * (x * x + y * y).sqrt()
}

/// A position report's motion fields.
pub(crate) struct Fix {
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub sog_kn: Option<f64>,
    pub cog_deg: Option<f64>,
    pub heading_deg: Option<f64>,
    pub rot: Option<f64>,
    pub status: Option<u8>,
}

/// A vessel as a snapshot writes it: the public fields and the second
/// track the public serialization leaves out.
#[derive(Serialize)]
pub(crate) struct VesselStateRef<'a> {
    pub vessel: &'a Vessel,
    pub candidate: &'a Option<Candidate>,
}

/// A vessel as a snapshot reads it back.
#[derive(Deserialize)]
pub(crate) struct VesselState {
    pub vessel: Vessel,
    pub candidate: Option<Candidate>,
}

/// The picture as a snapshot writes it (the MMSI index is rebuilt from
/// the slots; the fixed objects in MMSI order).
#[derive(Serialize)]
pub(crate) struct PictureStateRef<'a> {
    pub slots: Vec<VesselStateRef<'a>>,
    pub fixed: Vec<&'a FixedObject>,
    pub stats: &'a PictureStats,
}

/// The picture as a snapshot reads it back.
#[derive(Deserialize)]
pub(crate) struct PictureState {
    pub slots: Vec<VesselState>,
    pub fixed: Vec<FixedObject>,
    pub stats: PictureStats,
}

impl Picture {
    pub(crate) fn state(&self) -> PictureStateRef<'_> {
        let mut fixed: Vec<&FixedObject> = self.fixed.values().collect();
        fixed.sort_by_key(|o| o.mmsi);
        PictureStateRef {
            slots: self
                .slots
                .iter()
                .map(|v| VesselStateRef {
                    vessel: v,
                    candidate: &v.candidate,
                })
                .collect(),
            fixed,
            stats: &self.stats,
        }
    }

    /// The picture a snapshot held. The MMSI index is rebuilt from the
    /// slots; nothing iterates it, nor the fixed objects' map (aids are
    /// sorted by MMSI where they are used), so their hash order does not
    /// matter.
    pub(crate) fn from_state(st: PictureState) -> Result<Picture, String> {
        let mut p = Picture {
            stats: st.stats,
            ..Picture::default()
        };
        for (i, vs) in st.slots.into_iter().enumerate() {
            let mut v = vs.vessel;
            v.candidate = vs.candidate;
            if p.index.insert(v.mmsi, i as u32).is_some() {
                return Err(format!("vessel {} twice", v.mmsi));
            }
            p.slots.push(v);
        }
        for o in st.fixed {
            if p.fixed.insert(o.mmsi, o).is_some() {
                return Err("a fixed object twice".to_string());
            }
        }
        Ok(p)
    }
}

/// The picture. Vessels live in one dense vector (screening walks it in
/// memory order) with an MMSI index beside it.
#[derive(Debug, Default)]
pub struct Picture {
    pub(crate) slots: Vec<Vessel>,
    pub(crate) index: MmsiMap<u32>,
    pub(crate) fixed: MmsiMap<FixedObject>,
    pub(crate) stats: PictureStats,
}

impl Picture {
    /// A vessel by MMSI.
    pub fn vessel(&self, mmsi: u32) -> Option<&Vessel> {
        self.index.get(&mmsi).map(|&i| &self.slots[i as usize])
    }

    /// The slot of a vessel.
    pub(crate) fn slot(&self, mmsi: u32) -> Option<usize> {
        self.index.get(&mmsi).map(|&i| i as usize)
    }

    /// Number of vessels.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// `true` when no vessel is known.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Every vessel, in no particular (but reproducible) order.
    pub fn vessels(&self) -> impl Iterator<Item = &Vessel> {
        self.slots.iter()
    }

    /// Every vessel, in MMSI order.
    pub fn vessels_sorted(&self) -> Vec<&Vessel> {
        let mut v: Vec<&Vessel> = self.slots.iter().collect();
        v.sort_unstable_by_key(|v| v.mmsi);
        v
    }

    /// Removes the vessels for which `keep` is false (keeping the order of
    /// the others) and rebuilds the index if any went.
    pub(crate) fn retain_vessels(&mut self, keep: impl FnMut(&Vessel) -> bool) {
        let before = self.slots.len();
        self.slots.retain(keep);
        if self.slots.len() != before {
            self.index.clear();
            for (i, v) in self.slots.iter().enumerate() {
                self.index.insert(v.mmsi, i as u32);
            }
        }
    }

    /// Updates the picture with one message; says what became of its
    /// position, if it carried one.
    pub(crate) fn ingest(
        &mut self,
        msg: &AisMessage,
        t_ms: i64,
        cfg: &PictureConfig,
    ) -> FixOutcome {
        self.stats.messages += 1;
        let mmsi = msg.mmsi;
        match &msg.body {
            Body::AidToNavigation(a) => {
                let o = self.fixed.entry(mmsi).or_insert_with(|| FixedObject {
                    mmsi,
                    kind: "aton",
                    name: None,
                    aid_type: None,
                    virtual_aid: false,
                    off_position: false,
                    lat_deg: f64::NAN,
                    lon_deg: f64::NAN,
                    last_seen_ms: t_ms,
                });
                o.name = non_empty(a.name.as_str()).or(o.name.take());
                o.aid_type = Some(a.aid_type);
                o.virtual_aid = a.virtual_aid;
                o.off_position = a.off_position && a.second <= 59;
                if let (Some(lat), Some(lon)) = (a.lat_deg, a.lon_deg) {
                    if lat.abs() <= 90.0 && lon.abs() <= 180.0 {
                        o.lat_deg = lat;
                        o.lon_deg = lon;
                    }
                }
                o.last_seen_ms = o.last_seen_ms.max(t_ms);
                return FixOutcome::NoFix;
            }
            Body::BaseStation(b) if msg.msg_type == 4 => {
                let o = self.fixed.entry(mmsi).or_insert_with(|| FixedObject {
                    mmsi,
                    kind: "base_station",
                    name: None,
                    aid_type: None,
                    virtual_aid: false,
                    off_position: false,
                    lat_deg: f64::NAN,
                    lon_deg: f64::NAN,
                    last_seen_ms: t_ms,
                });
                if let (Some(lat), Some(lon)) = (b.lat_deg, b.lon_deg) {
                    if lat.abs() <= 90.0 && lon.abs() <= 180.0 {
                        o.lat_deg = lat;
                        o.lon_deg = lon;
                    }
                }
                o.last_seen_ms = o.last_seen_ms.max(t_ms);
                return FixOutcome::NoFix;
            }
            _ => {}
        }
        // Class, aircraft, status and rate of turn by type; position and
        // motion from the one place that knows which messages carry them.
        let fix_of = |status: Option<u8>, rot: Option<f64>| {
            msg.body.reported().map(|r| Fix {
                lat: r.lat_deg,
                lon: r.lon_deg,
                sog_kn: r.sog_kn,
                cog_deg: r.cog_deg,
                heading_deg: r.heading_deg,
                rot,
                status,
            })
        };
        let (fix, class, aircraft) = match &msg.body {
            Body::Position(p) => (
                fix_of(Some(p.status), p.rot_deg_per_min()),
                Some(VesselClass::A),
                false,
            ),
            Body::ClassBPosition(_) | Body::ClassBExtended(_) => {
                (fix_of(None, None), Some(VesselClass::B), false)
            }
            Body::SarAircraft(_) => (fix_of(None, None), Some(VesselClass::SarAircraft), true),
            Body::LongRange(p) => (fix_of(Some(p.status), None), None, false),
            Body::StaticVoyage(_) => (None, Some(VesselClass::A), false),
            Body::StaticData(_) => (None, Some(VesselClass::B), false),
            // Other messages (binary, safety, acknowledgements...) only
            // count as signs of life of an already known vessel.
            _ => {
                if let Some(&i) = self.index.get(&mmsi) {
                    let v = &mut self.slots[i as usize];
                    v.messages += 1;
                    v.last_seen_ms = v.last_seen_ms.max(t_ms);
                }
                return FixOutcome::NoFix;
            }
        };
        let stats = &mut self.stats;
        let slot = match self.index.get(&mmsi) {
            Some(&i) => i as usize,
            None => {
                self.slots.push(Vessel::new(mmsi, t_ms));
                let i = self.slots.len() - 1;
                self.index.insert(mmsi, i as u32);
                i
            }
        };
        let v = &mut self.slots[slot];
        v.messages += 1;
        v.last_seen_ms = v.last_seen_ms.max(t_ms);
        if let Some(c) = class {
            v.class = c;
        }
        match &msg.body {
            Body::StaticVoyage(s) => {
                let d = &mut v.static_data;
                set_name(&mut d.name, s.shipname.as_str());
                d.callsign = non_empty(s.callsign.as_str()).or(d.callsign.take());
                d.imo = (s.imo != 0).then_some(s.imo).or(d.imo);
                d.ship_type = (s.shiptype != 0).then_some(s.shiptype).or(d.ship_type);
                d.set_dims(&s.dimensions);
                d.draught_m = s.draught_m.or(d.draught_m);
                d.destination = non_empty(s.destination.as_str()).or(d.destination.take());
                if s.eta_month != 0 && s.eta_day != 0 {
                    d.eta = Some(format!(
                        "{:02}-{:02}T{:02}:{:02}",
                        s.eta_month, s.eta_day, s.eta_hour, s.eta_minute
                    ));
                }
            }
            Body::ClassBExtended(s) => {
                let d = &mut v.static_data;
                set_name(&mut d.name, s.shipname.as_str());
                d.ship_type = (s.shiptype != 0).then_some(s.shiptype).or(d.ship_type);
                d.set_dims(&s.dimensions);
            }
            Body::StaticData(StaticDataReport::PartA { shipname }) => {
                let d = &mut v.static_data;
                set_name(&mut d.name, shipname.as_str());
            }
            Body::StaticData(StaticDataReport::PartB(b)) => {
                let d = &mut v.static_data;
                d.ship_type = (b.shiptype != 0).then_some(b.shiptype).or(d.ship_type);
                d.callsign = non_empty(b.callsign.as_str()).or(d.callsign.take());
                d.set_dims(&b.dimensions);
            }
            _ => {}
        }
        if let Some(fix) = fix {
            let max_kn = if aircraft {
                cfg.max_speed_aircraft_kn
            } else {
                cfg.max_speed_kn
            };
            let conflicts = stats.mmsi_conflicts;
            let reacquired = stats.reacquired;
            match apply_fix(v, &fix, t_ms, max_kn, cfg, stats) {
                Err(r) => {
                    v.rejected_positions += 1;
                    stats.reject(r);
                    FixOutcome::Rejected {
                        reason: r.reason(),
                        conflict: stats.mmsi_conflicts > conflicts,
                    }
                }
                Ok(()) => {
                    stats.positions += 1;
                    FixOutcome::Accepted {
                        reacquired: stats.reacquired > reacquired,
                    }
                }
            }
        } else {
            FixOutcome::NoFix
        }
    }
}

/// What became of a message's position in the picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FixOutcome {
    /// The message carried no position (static data, an aid, a base
    /// station, another message).
    NoFix,
    /// The position was taken; `reacquired` when it moved the vessel to a
    /// new place after consistent rejected fixes.
    Accepted {
        /// Moved to a new track after consistent rejected fixes.
        reacquired: bool,
    },
    /// The position was refused.
    Rejected {
        /// The reason (`position_teleport`, `position_null_island`, ...).
        reason: &'static str,
        /// Refused because a second transmitter uses the same MMSI.
        conflict: bool,
    },
}

/// Applies one fix to a vessel, or says why not.
fn apply_fix(
    v: &mut Vessel,
    fix: &Fix,
    t_ms: i64,
    max_kn: f64,
    cfg: &PictureConfig,
    stats: &mut PictureStats,
) -> Result<(), Reject> {
    // Navigational status is news even without a position.
    if let Some(s) = fix.status {
        v.nav_status = Some(s);
    }
    let (lat, lon) = match (fix.lat, fix.lon) {
        (Some(a), Some(b)) => (a, b),
        _ => return Err(Reject::Unavailable),
    };
    if !(lat.abs() <= 90.0 && lon.abs() <= 180.0) {
        return Err(Reject::OutOfRange);
    }
    if lat == 0.0 && lon == 0.0 {
        return Err(Reject::NullIsland);
    }
    if v.has_fix() {
        let dt_ms = t_ms - v.fix_ms;
        if dt_ms < 0 {
            return Err(Reject::OutOfOrder);
        }
        let d = rough_distance_m(v.lat_deg, v.lon_deg, lat, lon);
        let allowed = cfg.jump_allowance_m + max_kn * 1852.0 / 3600.0 * dt_ms as f64 / 1000.0;
        if d > allowed {
            // Not where this vessel can be: maybe a second transmitter with
            // the same MMSI, maybe the vessel really moved while unheard.
            let consistent = v.candidate.is_some_and(|c| {
                let dt = (t_ms - c.t_ms).max(0) as f64 / 1000.0;
                rough_distance_m(c.lat, c.lon, lat, lon)
                    <= cfg.jump_allowance_m + max_kn * 1852.0 / 3600.0 * dt
            });
            if consistent {
                let c = v.candidate.as_mut().expect("checked above");
                c.count += 1;
                c.lat = lat;
                c.lon = lon;
                c.t_ms = t_ms;
                if v.fix_ms >= c.first_ms {
                    // The main track kept reporting meanwhile: two stations
                    // share this MMSI. Keep the main track (no jumping).
                    if !v.identity_conflict {
                        v.identity_conflict = true;
                    }
                    stats.mmsi_conflicts += 1;
                    return Err(Reject::Teleport);
                }
                if c.count >= cfg.reacquire_fixes.max(1) {
                    stats.reacquired += 1;
                    v.candidate = None;
                    // fall through: accept
                } else {
                    return Err(Reject::Teleport);
                }
            } else {
                v.candidate = Some(Candidate {
                    lat,
                    lon,
                    t_ms,
                    first_ms: t_ms,
                    count: 1,
                });
                return Err(Reject::Teleport);
            }
        }
    }
    v.lat_deg = lat;
    v.lon_deg = lon;
    v.fix_ms = t_ms;
    v.lost = false;
    let mut sog = fix.sog_kn;
    if sog.is_some_and(|s| s > max_kn) {
        stats.invalid_motion += 1;
        sog = None;
    }
    v.sog_kn = sog;
    v.cog_deg = fix.cog_deg.filter(|c| (0.0..360.0).contains(c));
    v.heading_deg = fix.heading_deg.filter(|h| (0.0..360.0).contains(h));
    v.rot_deg_per_min = fix.rot;
    Ok(())
}

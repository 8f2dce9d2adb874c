//! The air picture and its judgements (issue 13): aircraft beside the
//! vessels, their conflicts in three dimensions and their airspace
//! restrictions.
//!
//! * **The picture.** One [`Aircraft`] per 24-bit address heard in Mode S
//!   (ICAO, or non-ICAO for TIS-B and anonymous addresses), and one per
//!   MMSI for AIS search-and-rescue aircraft (message 9). Mode S messages
//!   arrive already decoded by `finisterra-modes` (CPR resolved, parity
//!   checked); here they are merged per aircraft: identity, pressure
//!   altitude, velocity, vertical rate, the track rate measured from
//!   successive tracks, and positions checked against the speed they would
//!   imply ([`AirConfig::max_speed_kn`]: refused and counted).
//! * **Ageing in seconds.** A position older than
//!   [`AirConfig::stale_s`] is not screened (20 s); an aircraft not heard
//!   for [`AirConfig::lost_s`] (60 s, as readsb drops it) is removed and
//!   its open conflicts end with `target_lost`. Aircraft leave coverage all
//!   the time: no `target.lost` event is emitted for them.
//! * **Conflicts** ([`finisterra_nav::air::assess`]): every pair whose
//!   bounding reach can bring it within the separation minima in the
//!   look-ahead, judged on a grid every [`AirConfig::screen_interval_s`]
//!   (4 s, a radar sweep); aircraft on the ground take no part; a pair is
//!   raised when its horizontal and vertical losses overlap in the
//!   look-ahead, updated when its tier, its vertical situation or loss
//!   changes (at once) or its figures change materially (at most every
//!   [`UPDATE_MIN_INTERVAL_S`]), and cleared after two passes without a
//!   predicted loss (a flicker does not re-fire).
//! * **Airspace** (zones with a floor or ceiling,
//!   `finisterra_geofence::airspace`): each new position with a pressure
//!   altitude is located in the airspaces (entry, exit: `airspace.entered`,
//!   `airspace.left`, `airspace.violation`, `airspace.cleared`), and each
//!   pass predicts the first entry into a `keep_out` airspace within
//!   [`AirConfig::airspace_horizon_s`] (`airspace.predicted`). An aircraft
//!   without a pressure altitude is not judged against vertical limits.

use std::collections::BTreeMap;
use std::sync::Arc;

use finisterra_geofence::{AirFix, AircraftFacts, Rule, Zones};
use finisterra_modes::{AddressKind, AirMessage};
use finisterra_nav::air::{
    assess, AirAssessment, AirConflictConfig, AirKinematic, Party, Tier, TierTable, Vertical,
    LEVEL_RATE_FPM,
};
use finisterra_nav::geo::{destination, distance_m, METRES_PER_NM};
use serde::{Deserialize, Serialize};

use crate::event::{iso8601, EventBody, ZoneRef};
use crate::FastMap;

/// `air.conflict.updated` for a change of figures alone waits at least this
/// long after the pair's last event, seconds.
pub const UPDATE_MIN_INTERVAL_S: f64 = 30.0;

/// Settings of the air picture and its judgements (`air.*` of the engine's
/// settings).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AirConfig {
    /// Horizontal separation minimum, nautical miles (5: short-term
    /// conflict alert in terminal and en-route radar airspace).
    pub separation_nm: f64,
    /// Vertical separation minimum, feet (1,000).
    pub vertical_ft: f64,
    /// Vertical minimum when either aircraft is above FL410, feet (2,000).
    pub vertical_above_fl410_ft: f64,
    /// How far ahead conflicts are predicted, seconds (120).
    pub lookahead_s: f64,
    /// Add the caution/warning tiers modelled on TCAS II (default off).
    pub tiers: bool,
    /// Period of the air screening, seconds of data time (4).
    pub screen_interval_s: f64,
    /// A position older than this is not screened, seconds (20).
    pub stale_s: f64,
    /// An aircraft not heard for this long leaves the picture, seconds (60).
    pub lost_s: f64,
    /// A position implying more than this ground speed from the previous
    /// one is refused, knots (2,000: no civil or military aircraft in
    /// ADS-B range flies faster).
    pub max_speed_kn: f64,
    /// Look-ahead of `airspace.predicted`, seconds (300).
    pub airspace_horizon_s: f64,
}

impl Default for AirConfig {
    fn default() -> Self {
        AirConfig {
            separation_nm: 5.0,
            vertical_ft: 1000.0,
            vertical_above_fl410_ft: 2000.0,
            lookahead_s: 120.0,
            tiers: false,
            screen_interval_s: 4.0,
            stale_s: 20.0,
            lost_s: 60.0,
            max_speed_kn: 2000.0,
            airspace_horizon_s: 300.0,
        }
    }
}

impl AirConfig {
    /// The conflict settings of `finisterra_nav::air`.
    pub fn conflict(&self) -> AirConflictConfig {
        AirConflictConfig {
            separation_nm: self.separation_nm,
            vertical_ft: self.vertical_ft,
            vertical_above_fl410_ft: self.vertical_above_fl410_ft,
            lookahead_s: self.lookahead_s,
            tiers: self.tiers.then(TierTable::tcas_ii),
        }
    }

    pub(crate) fn screen_interval_ms(&self) -> i64 {
        (self.screen_interval_s.max(0.1) * 1000.0) as i64
    }
}

/// Who an aircraft is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum AirId {
    /// An ICAO 24-bit address.
    Icao(u32),
    /// A non-ICAO 24-bit address (TIS-B, anonymous): readsb writes `~`.
    NonIcao(u32),
    /// An AIS search-and-rescue aircraft (message 9), by MMSI.
    Mmsi(u32),
}

impl AirId {
    /// The identity a decoded Mode S message speaks for.
    pub fn of(m: &AirMessage) -> AirId {
        match m.address_kind {
            AddressKind::NonIcao => AirId::NonIcao(m.address),
            _ => AirId::Icao(m.address),
        }
    }

    /// The address as readsb writes it (`4ca1b2`, `~4ca1b2`), or
    /// `mmsi:111232506` for an AIS SAR aircraft.
    pub fn text(&self) -> String {
        match self {
            AirId::Icao(a) => format!("{a:06x}"),
            AirId::NonIcao(a) => format!("~{a:06x}"),
            AirId::Mmsi(m) => format!("mmsi:{m}"),
        }
    }
}

/// One aircraft as the picture holds it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Aircraft {
    /// Who.
    pub id: AirId,
    /// Callsign (flight), trimmed.
    pub flight: Option<String>,
    /// Emitter category as readsb writes it (`A3`).
    pub category: Option<String>,
    /// Mode A code, four octal digits.
    pub squawk: Option<String>,
    /// Emergency state (ADS-B TC 28), when not "none".
    pub emergency: Option<u8>,
    /// Latitude of the last position, degrees (NaN: none yet).
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Time of the last position, ms (`i64::MIN`: none).
    pub fix_ms: i64,
    /// Pressure altitude, feet.
    pub alt_baro_ft: Option<f64>,
    /// Time of that altitude, ms.
    pub alt_ms: i64,
    /// GNSS height, feet (AIS SAR aircraft report only this).
    pub alt_geom_ft: Option<f64>,
    /// Ground speed, knots.
    pub gs_kn: Option<f64>,
    /// Track over ground, degrees.
    pub track_deg: Option<f64>,
    /// Time of the velocity, ms.
    pub velocity_ms: i64,
    /// Barometric vertical rate, ft/min.
    pub baro_rate_fpm: Option<f64>,
    /// GNSS vertical rate, ft/min.
    pub geom_rate_fpm: Option<f64>,
    /// Rate of turn measured from successive tracks, degrees per second
    /// (positive to the right).
    pub track_rate_deg_s: Option<f64>,
    /// On the ground.
    pub on_ground: bool,
    /// Last message of any kind, ms.
    pub seen_ms: i64,
    /// Messages taken.
    pub messages: u64,
    /// Reference of the track-rate measurement: (track, time).
    track_ref: Option<(f64, i64)>,
    /// Airspaces it is in (zone identity keys).
    inside: Vec<Arc<str>>,
}

impl Aircraft {
    fn new(id: AirId, t_ms: i64) -> Aircraft {
        Aircraft {
            id,
            flight: None,
            category: None,
            squawk: None,
            emergency: None,
            lat_deg: f64::NAN,
            lon_deg: f64::NAN,
            fix_ms: i64::MIN,
            alt_baro_ft: None,
            alt_ms: i64::MIN,
            alt_geom_ft: None,
            gs_kn: None,
            track_deg: None,
            velocity_ms: i64::MIN,
            baro_rate_fpm: None,
            geom_rate_fpm: None,
            track_rate_deg_s: None,
            on_ground: false,
            seen_ms: t_ms,
            messages: 0,
            track_ref: None,
            inside: Vec::new(),
        }
    }

    /// Has a position.
    pub fn has_fix(&self) -> bool {
        self.fix_ms != i64::MIN
    }

    /// The vertical rate to predict with: barometric, else GNSS, ft/min.
    pub fn vertical_rate_fpm(&self) -> Option<f64> {
        self.baro_rate_fpm.or(self.geom_rate_fpm)
    }

    /// `climbing`, `descending`, `level` or `unknown`.
    pub fn trend(&self) -> &'static str {
        match self.vertical_rate_fpm() {
            None => "unknown",
            Some(r) if r >= LEVEL_RATE_FPM => "climbing",
            Some(r) if r <= -LEVEL_RATE_FPM => "descending",
            Some(_) => "level",
        }
    }

    /// Its state dead-reckoned to `t_ms` (position along the track at the
    /// ground speed, altitude at the vertical rate), for judging; `None`
    /// without a position, velocity, or with a position older than
    /// `stale_s`.
    pub fn kinematic_at(&self, t_ms: i64, stale_s: f64) -> Option<AirKinematic> {
        if !self.has_fix() {
            return None;
        }
        let age_s = (t_ms - self.fix_ms) as f64 / 1000.0;
        if !(0.0..=stale_s).contains(&age_s) && age_s > 0.0 {
            return None;
        }
        let (gs, track) = (self.gs_kn?, self.track_deg?);
        let dt_s = age_s.max(0.0);
        let (lat, lon) = destination(
            self.lat_deg,
            self.lon_deg,
            track,
            gs * METRES_PER_NM / 3600.0 * dt_s,
        );
        let rate = self.vertical_rate_fpm();
        let alt = self.alt_baro_ft.map(|a| {
            let since_s = ((t_ms - self.alt_ms) as f64 / 1000.0).clamp(0.0, stale_s);
            a + rate.unwrap_or(0.0) / 60.0 * since_s
        });
        let mut k = AirKinematic::new(lat, lon, alt, gs, track);
        if let Some(r) = rate {
            k = k.with_baro_rate(r);
        }
        if let Some(w) = self.track_rate_deg_s {
            k = k.with_track_rate(w);
        }
        if self.on_ground {
            k = k.grounded();
        }
        Some(k)
    }

    /// How events show it, at `t_ms`.
    pub fn reference(&self, k: Option<&AirKinematic>) -> AircraftRef {
        AircraftRef {
            hex: match self.id {
                AirId::Mmsi(_) => None,
                _ => Some(self.id.text()),
            },
            mmsi: match self.id {
                AirId::Mmsi(m) => Some(m),
                _ => None,
            },
            flight: self.flight.clone(),
            category: self.category.clone(),
            lat: k.map_or(self.lat_deg, |k| k.lat_deg),
            lon: k.map_or(self.lon_deg, |k| k.lon_deg),
            alt_baro_ft: k.map_or(self.alt_baro_ft, |k| k.alt_baro_ft).map(round1),
            alt_geom_ft: self.alt_geom_ft,
            gs_kn: self.gs_kn,
            track_deg: self.track_deg,
            vertical_rate_fpm: self.vertical_rate_fpm(),
            trend: self.trend(),
            squawk: self.squawk.clone(),
        }
    }

    /// A short name for sentences: the callsign, else the address.
    pub fn label(&self) -> String {
        self.flight.clone().unwrap_or_else(|| self.id.text())
    }
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// An aircraft as events show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AircraftRef {
    /// 24-bit address as readsb writes it (`~` before a non-ICAO one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hex: Option<String>,
    /// MMSI of an AIS search-and-rescue aircraft.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mmsi: Option<u32>,
    /// Callsign.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flight: Option<String>,
    /// Emitter category (`A3`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Latitude at the event's time (dead-reckoned), degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Pressure altitude, feet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alt_baro_ft: Option<f64>,
    /// GNSS height, feet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alt_geom_ft: Option<f64>,
    /// Ground speed, knots.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gs_kn: Option<f64>,
    /// Track, degrees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub track_deg: Option<f64>,
    /// Vertical rate, ft/min.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vertical_rate_fpm: Option<f64>,
    /// `climbing`, `descending`, `level` or `unknown`.
    #[serde(deserialize_with = "crate::snapshot::label")]
    pub trend: crate::snapshot::Label,
    /// Mode A code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub squawk: Option<String>,
}

/// A predicted or present loss of separation between two aircraft.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AirConflict {
    /// The tier modelled on TCAS II (`caution`, `warning`), when tiers are
    /// on and the pair meets one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<Tier>,
    /// The aircraft with the lower identity.
    pub a: AircraftRef,
    /// The other.
    pub b: AircraftRef,
    /// Horizontal range now, nautical miles.
    pub h_now_nm: f64,
    /// Vertical separation now, feet (absent when an altitude is unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub v_now_ft: Option<f64>,
    /// Horizontal closest approach, nautical miles.
    pub hcpa_nm: f64,
    /// Time to it, seconds.
    pub tcpa_s: f64,
    /// Vertical separation at the horizontal closest approach, feet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vcpa_ft: Option<f64>,
    /// Seconds until separation is lost (0: lost now).
    pub t_in_s: f64,
    /// Seconds until it is regained (at most the look-ahead).
    pub t_out_s: f64,
    /// Separation is lost now.
    pub separation_lost: bool,
    /// The minima applied: horizontal, nautical miles...
    pub separation_nm: f64,
    /// ... and vertical, feet (2,000 above FL410).
    pub vertical_minimum_ft: f64,
    /// `level`, `climbing_into`, `descending_into`, `not_closing`,
    /// `unknown` (an altitude is missing: judged horizontally alone).
    #[serde(deserialize_with = "crate::snapshot::label")]
    pub vertical: crate::snapshot::Label,
    /// The aircraft climbing or descending into the other (its `hex`, or
    /// `mmsi:…`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mover: Option<String>,
    /// The situation in words.
    pub summary: String,
}

/// The end of an air conflict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AirConflictCleared {
    /// The aircraft with the lower identity.
    pub a: AircraftRef,
    /// The other.
    pub b: AircraftRef,
    /// Horizontal range now, nautical miles.
    pub h_now_nm: f64,
    /// Vertical separation now, feet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub v_now_ft: Option<f64>,
    /// Smallest horizontal range seen while open, nautical miles.
    pub min_h_nm: f64,
    /// Smallest vertical separation seen while open, feet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_v_ft: Option<f64>,
    /// Separation was lost at some pass while open.
    pub separation_was_lost: bool,
    /// How long it was open, seconds.
    pub duration_s: f64,
    /// `passed` (closest approach behind them), `resolved` (no loss
    /// predicted any more: a turn, a level-off), `landed`, `target_lost`.
    pub reason: &'static str,
}

/// An airspace event for one aircraft.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AirspaceAlert {
    /// The airspace.
    pub zone: ZoneRef,
    /// Its floor, feet of pressure altitude (0: the surface).
    pub floor_ft: f64,
    /// Its ceiling, feet of pressure altitude (absent: unlimited).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ceiling_ft: Option<f64>,
    /// The limits are MSL or ground limits compared with pressure altitude
    /// without QNH or terrain (see `finisterra_geofence::airspace`).
    pub approximate: bool,
    /// The aircraft.
    pub aircraft: AircraftRef,
    /// `enter` or `leave`.
    #[serde(deserialize_with = "crate::snapshot::label")]
    pub action: crate::snapshot::Label,
    /// Where, degrees.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// At which pressure altitude, feet.
    pub alt_ft: f64,
    /// When (ISO 8601; the predicted time for `airspace.predicted`).
    pub at: String,
    /// Seconds from now (predictions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_to_s: Option<f64>,
    /// Why it ended (`airspace.cleared`): `left`, `returned`,
    /// `no_longer_predicted`, `target_lost`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::snapshot::opt_label"
    )]
    pub reason: Option<crate::snapshot::Label>,
}

/// Counters of the air picture.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AirStats {
    /// Mode S messages taken.
    pub messages: u64,
    /// Positions taken.
    pub positions: u64,
    /// Positions refused: implying more than `max_speed_kn`.
    pub rejected_speed: u64,
    /// Positions refused: not a finite position on the globe.
    pub rejected_invalid: u64,
    /// Aircraft in the picture after the last pass.
    pub aircraft: u64,
    /// Air screening passes.
    pub passes: u64,
    /// Pairs assessed in all passes.
    pub pairs_assessed: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct OpenConflict {
    since_ms: i64,
    last_event_ms: i64,
    last: AirConflict,
    min_h_nm: f64,
    min_v_ft: Option<f64>,
    lost: bool,
    /// Passes in a row without a predicted loss.
    quiet: u32,
}

/// The air picture with its open conflicts and airspace alerts.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct AirState {
    #[serde(skip)]
    pub(crate) cfg: AirConfig,
    #[serde(skip)]
    pub(crate) conflict_cfg: AirConflictConfig,
    slots: Vec<Aircraft>,
    /// Rebuilt from `slots` on restore.
    #[serde(skip)]
    index: FastMap<AirId, usize>,
    conflicts: BTreeMap<(AirId, AirId), OpenConflict>,
    predicted: BTreeMap<(AirId, Arc<str>), AirspaceAlert>,
    violating: BTreeMap<(AirId, Arc<str>), AirspaceAlert>,
    pub(crate) stats: AirStats,
    pub(crate) next_pass_ms: Option<i64>,
}

/// What became of a message's position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PositionTaken {
    /// It carried none.
    None,
    /// Taken, in this slot.
    Taken(usize),
    /// Refused, for this reason.
    Rejected(&'static str),
}

/// What an AIS message 9 (SAR aircraft) says.
pub(crate) struct SarReport {
    pub mmsi: u32,
    pub lat_deg: f64,
    pub lon_deg: f64,
    pub alt_m: Option<f64>,
    pub sog_kn: Option<f64>,
    pub cog_deg: Option<f64>,
}

fn category_text(c: u8) -> String {
    format!("{c:02X}")
}

fn wrap180(d: f64) -> f64 {
    let x = (d + 180.0).rem_euclid(360.0) - 180.0;
    if x == -180.0 {
        180.0
    } else {
        x
    }
}

impl AirState {
    pub(crate) fn new(cfg: AirConfig) -> AirState {
        AirState {
            cfg,
            conflict_cfg: cfg.conflict(),
            ..AirState::default()
        }
    }

    /// The state a snapshot held, made whole again: the configuration
    /// (not in the snapshot) given back, the index rebuilt from the slots.
    pub(crate) fn restored(mut self, cfg: AirConfig) -> Result<AirState, String> {
        self.cfg = cfg;
        self.conflict_cfg = cfg.conflict();
        self.index.clear();
        for (i, a) in self.slots.iter().enumerate() {
            if self.index.insert(a.id, i).is_some() {
                return Err(format!("aircraft {} twice", a.id.text()));
            }
        }
        Ok(self)
    }

    pub(crate) fn aircraft(&self) -> &[Aircraft] {
        &self.slots
    }

    pub(crate) fn get(&self, id: AirId) -> Option<&Aircraft> {
        self.index.get(&id).map(|&i| &self.slots[i])
    }

    pub(crate) fn open_conflicts(&self) -> impl Iterator<Item = &AirConflict> {
        self.conflicts.values().map(|o| &o.last)
    }

    fn slot(&mut self, id: AirId, t_ms: i64) -> usize {
        if let Some(&i) = self.index.get(&id) {
            return i;
        }
        self.slots.push(Aircraft::new(id, t_ms));
        let i = self.slots.len() - 1;
        self.index.insert(id, i);
        i
    }

    /// Takes a decoded Mode S message at `t_ms`; says what became of its
    /// position (the slot when it was taken).
    pub(crate) fn ingest(&mut self, m: &AirMessage, t_ms: i64) -> PositionTaken {
        let id = AirId::of(m);
        self.stats.messages += 1;
        let max_kn = self.cfg.max_speed_kn;
        let i = self.slot(id, t_ms);
        let a = &mut self.slots[i];
        a.seen_ms = a.seen_ms.max(t_ms);
        a.messages += 1;
        if let Some(cs) = m.callsign {
            let s = cs.as_str().trim();
            if !s.is_empty() {
                a.flight = Some(s.to_string());
            }
        }
        if let Some(c) = m.category {
            a.category = Some(category_text(c));
        }
        if let Some(code) = m.squawk {
            let mut b = [0u8; 4];
            a.squawk = Some(AirMessage::squawk_digits(code, &mut b).to_string());
        }
        if let Some(e) = m.emergency {
            a.emergency = (e != 0).then_some(e);
        }
        if let Some(g) = m.on_ground {
            a.on_ground = g;
        }
        if let Some(alt) = m.alt_baro_ft {
            a.alt_baro_ft = Some(f64::from(alt));
            a.alt_ms = t_ms;
        }
        if let Some(alt) = m.alt_geom_ft {
            a.alt_geom_ft = Some(f64::from(alt));
        }
        if let Some(r) = m.baro_rate_fpm {
            a.baro_rate_fpm = Some(f64::from(r));
        }
        if let Some(r) = m.geom_rate_fpm {
            a.geom_rate_fpm = Some(f64::from(r));
        }
        if let (Some(gs), Some(track)) = (m.gs_kn, m.track_deg) {
            set_velocity(a, gs, track, t_ms);
        }
        let (Some(lat), Some(lon)) = (m.lat_deg, m.lon_deg) else {
            return PositionTaken::None;
        };
        self.take_position(i, lat, lon, t_ms, max_kn)
    }

    /// Takes an AIS search-and-rescue aircraft's report (message 9).
    pub(crate) fn ingest_sar(&mut self, r: &SarReport, t_ms: i64) -> PositionTaken {
        let max_kn = self.cfg.max_speed_kn;
        let i = self.slot(AirId::Mmsi(r.mmsi), t_ms);
        self.stats.messages += 1;
        let a = &mut self.slots[i];
        a.seen_ms = a.seen_ms.max(t_ms);
        a.messages += 1;
        // GNSS altitude in metres: never a pressure altitude.
        a.alt_geom_ft = r.alt_m.map(|m| (m / 0.3048).round());
        if let (Some(gs), Some(track)) = (r.sog_kn, r.cog_deg) {
            set_velocity(a, gs, track, t_ms);
        }
        self.take_position(i, r.lat_deg, r.lon_deg, t_ms, max_kn)
    }

    fn take_position(
        &mut self,
        i: usize,
        lat: f64,
        lon: f64,
        t_ms: i64,
        max_kn: f64,
    ) -> PositionTaken {
        let a = &mut self.slots[i];
        if !(lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0) {
            self.stats.rejected_invalid += 1;
            return PositionTaken::Rejected("position_invalid");
        }
        if a.has_fix() {
            if t_ms < a.fix_ms {
                return PositionTaken::Rejected("position_out_of_order");
            }
            let d_m = distance_m(a.lat_deg, a.lon_deg, lat, lon);
            let dt_s = (t_ms - a.fix_ms) as f64 / 1000.0;
            // 1 km for CPR and time-stamp jitter whatever the time.
            if d_m > 1000.0 + max_kn * METRES_PER_NM / 3600.0 * dt_s {
                self.stats.rejected_speed += 1;
                return PositionTaken::Rejected("position_teleport");
            }
        }
        a.lat_deg = lat;
        a.lon_deg = lon;
        a.fix_ms = t_ms;
        self.stats.positions += 1;
        PositionTaken::Taken(i)
    }

    /// Airspace entries and exits at aircraft `i`'s new position.
    pub(crate) fn on_position(
        &mut self,
        i: usize,
        zones: &Zones,
        keys: &[Arc<str>],
        out: &mut Vec<EventBody>,
    ) {
        let a = &self.slots[i];
        let Some(alt) = a.alt_baro_ft else {
            return;
        };
        if zones.is_empty() || !a.has_fix() {
            return;
        }
        let facts = facts_of(a);
        let now: Vec<usize> = zones.airspace_at(a.lat_deg, a.lon_deg, alt, a.fix_ms, &facts);
        let now_keys: Vec<Arc<str>> = now.iter().filter_map(|&z| keys.get(z).cloned()).collect();
        let id = a.id;
        let aref = a.reference(None);
        let (lat, lon, t) = (a.lat_deg, a.lon_deg, a.fix_ms);
        let before = std::mem::take(&mut self.slots[i].inside);
        let alert = |z: usize, action: &'static str, reason: Option<&'static str>| {
            airspace_alert(zones, z, &aref, action, lat, lon, alt, t, None, reason)
        };
        // Entries.
        for (&z, key) in now.iter().zip(&now_keys) {
            if before.contains(key) {
                continue;
            }
            let k = (id, key.clone());
            match zones.zones()[z].rule {
                Rule::KeepOut => {
                    self.predicted.remove(&k);
                    if let std::collections::btree_map::Entry::Vacant(slot) =
                        self.violating.entry(k)
                    {
                        let al = alert(z, "enter", None);
                        slot.insert(al.clone());
                        out.push(EventBody::AirspaceViolation(al));
                    }
                }
                Rule::KeepIn => {
                    if self.violating.remove(&k).is_some() {
                        out.push(EventBody::AirspaceCleared(alert(
                            z,
                            "enter",
                            Some("returned"),
                        )));
                    }
                }
                _ => out.push(EventBody::AirspaceEntered(alert(z, "enter", None))),
            }
        }
        // Exits.
        for key in &before {
            if now_keys.contains(key) {
                continue;
            }
            let Some(z) = keys.iter().position(|k| k == key) else {
                continue;
            };
            let k = (id, key.clone());
            match zones.zones()[z].rule {
                Rule::KeepOut => {
                    if self.violating.remove(&k).is_some() {
                        out.push(EventBody::AirspaceCleared(alert(z, "leave", Some("left"))));
                    }
                }
                Rule::KeepIn => {
                    if let std::collections::btree_map::Entry::Vacant(slot) =
                        self.violating.entry(k)
                    {
                        let al = alert(z, "leave", None);
                        slot.insert(al.clone());
                        out.push(EventBody::AirspaceViolation(al));
                    }
                }
                _ => out.push(EventBody::AirspaceLeft(alert(z, "leave", None))),
            }
        }
        self.slots[i].inside = now_keys;
    }

    /// The air pass at `t_ms`: ageing, conflicts, airspace predictions.
    pub(crate) fn pass(
        &mut self,
        t_ms: i64,
        zones: &Zones,
        keys: &[Arc<str>],
        out: &mut Vec<EventBody>,
    ) {
        self.stats.passes += 1;
        self.age(t_ms, out);
        let stale_s = self.cfg.stale_s;
        let kin: Vec<Option<AirKinematic>> = self
            .slots
            .iter()
            .map(|a| a.kinematic_at(t_ms, stale_s).filter(|k| !k.on_ground))
            .collect();
        self.conflicts_pass(t_ms, &kin, out);
        if !zones.is_empty() {
            self.predict_airspace(t_ms, &kin, zones, keys, out);
        }
        self.stats.aircraft = self.slots.len() as u64;
    }

    /// Forgets aircraft silent past `lost_s`, for a picture that judges
    /// nothing (it has no conflicts to clear).
    pub(crate) fn age_silently(&mut self, t_ms: i64) {
        let mut none = Vec::new();
        self.age(t_ms, &mut none);
        self.stats.aircraft = self.slots.len() as u64;
    }

    fn age(&mut self, t_ms: i64, out: &mut Vec<EventBody>) {
        let lost_ms = (self.cfg.lost_s * 1000.0) as i64;
        let gone: Vec<AirId> = self
            .slots
            .iter()
            .filter(|a| t_ms - a.seen_ms > lost_ms)
            .map(|a| a.id)
            .collect();
        if gone.is_empty() {
            return;
        }
        for id in &gone {
            let keys: Vec<(AirId, AirId)> = self
                .conflicts
                .keys()
                .filter(|k| k.0 == *id || k.1 == *id)
                .copied()
                .collect();
            for k in keys {
                if let Some(o) = self.conflicts.remove(&k) {
                    out.push(self.cleared(&o, t_ms, "target_lost", None));
                }
            }
            for map in [&mut self.predicted, &mut self.violating] {
                let keys: Vec<(AirId, Arc<str>)> =
                    map.keys().filter(|k| k.0 == *id).cloned().collect();
                for k in keys {
                    if let Some(mut al) = map.remove(&k) {
                        al.reason = Some("target_lost");
                        al.time_to_s = None;
                        out.push(EventBody::AirspaceCleared(al));
                    }
                }
            }
        }
        self.slots.retain(|a| !gone.contains(&a.id));
        self.index.clear();
        for (i, a) in self.slots.iter().enumerate() {
            self.index.insert(a.id, i);
        }
    }

    fn cleared(
        &self,
        o: &OpenConflict,
        t_ms: i64,
        reason: &'static str,
        now: Option<&AirAssessment>,
    ) -> EventBody {
        EventBody::AirConflictCleared(AirConflictCleared {
            a: o.last.a.clone(),
            b: o.last.b.clone(),
            h_now_nm: now.map_or(o.last.h_now_nm, |r| r.h_now_nm),
            v_now_ft: now.map_or(o.last.v_now_ft, |r| r.v_now_ft),
            min_h_nm: o.min_h_nm,
            min_v_ft: o.min_v_ft,
            separation_was_lost: o.lost,
            duration_s: (t_ms - o.since_ms) as f64 / 1000.0,
            reason,
        })
    }

    fn conflicts_pass(
        &mut self,
        t_ms: i64,
        kin: &[Option<AirKinematic>],
        out: &mut Vec<EventBody>,
    ) {
        // A uniform grid of cells as wide as the farthest two aircraft can
        // close in the look-ahead: a pair that can lose separation lies in
        // the same or neighbouring cells.
        let mut max_gs: f64 = 0.0;
        for k in kin.iter().flatten() {
            max_gs = max_gs.max(k.gs_kn);
        }
        let max_gs = max_gs.min(self.cfg.max_speed_kn);
        let reach_nm = self.cfg.separation_nm + 2.0 * max_gs * self.cfg.lookahead_s / 3600.0;
        let cell_deg = (reach_nm / 60.0).max(1e-3);
        let mut grid: FastMap<(i32, i32), Vec<u32>> = FastMap::default();
        let mut cells: Vec<(i32, i32)> = vec![(0, 0); kin.len()];
        for (i, k) in kin.iter().enumerate() {
            let Some(k) = k else { continue };
            let c = cell_of(k, cell_deg);
            cells[i] = c;
            grid.entry(c).or_default().push(i as u32);
        }
        let mut seen: BTreeMap<(AirId, AirId), AirAssessment> = BTreeMap::new();
        let mut cand: Vec<(u32, u32)> = Vec::new();
        for (i, k) in kin.iter().enumerate() {
            let Some(k) = k else { continue };
            let (cy, cx) = cells[i];
            for dy in -1..=1 {
                for dx in -1..=1 {
                    let Some(list) = grid.get(&(cy + dy, cx + dx)) else {
                        continue;
                    };
                    for &j in list {
                        if (j as usize) <= i {
                            continue;
                        }
                        let Some(o) = &kin[j as usize] else { continue };
                        if could_conflict(k, o, &self.cfg) {
                            cand.push((i as u32, j));
                        }
                    }
                }
            }
        }
        // Longitude cells do not wrap at ±180° and shrink towards the
        // poles in metres: a neighbour beyond one cell east or west is
        // possible only where cos(lat) < reach/cell, i.e. never with cells
        // sized in latitude degrees below 60°; above it the closing bound
        // in `could_conflict` still decides, so the grid may miss pairs
        // only above 60° of latitude, which are caught by the open
        // conflicts being re-assessed below.
        for (i, j) in cand {
            let (ka, kb) = (kin[i as usize].as_ref(), kin[j as usize].as_ref());
            let (Some(ka), Some(kb)) = (ka, kb) else {
                continue;
            };
            let (ia, ib) = (self.slots[i as usize].id, self.slots[j as usize].id);
            let (key, x, y) = if ia < ib {
                ((ia, ib), ka, kb)
            } else {
                ((ib, ia), kb, ka)
            };
            self.stats.pairs_assessed += 1;
            // `assess` gives the tier too, when tiers are configured.
            if let Some(r) = assess(x, y, &self.conflict_cfg) {
                seen.insert(key, r);
            }
        }
        // Open pairs not among the candidates (one left the grid's reach,
        // landed, went stale) are judged too.
        let open: Vec<(AirId, AirId)> = self.conflicts.keys().copied().collect();
        for key in open {
            if seen.contains_key(&key) {
                continue;
            }
            let ka = self.index.get(&key.0).and_then(|&i| kin[i]);
            let kb = self.index.get(&key.1).and_then(|&i| kin[i]);
            if let (Some(x), Some(y)) = (ka, kb) {
                if let Some(r) = assess(&x, &y, &self.conflict_cfg) {
                    seen.insert(key, r);
                    continue;
                }
            }
            // Landed or stale: ended.
            let landed = [key.0, key.1]
                .iter()
                .any(|id| self.get(*id).is_some_and(|a| a.on_ground));
            if let Some(o) = self.conflicts.remove(&key) {
                let reason = if landed { "landed" } else { "target_lost" };
                out.push(self.cleared(&o, t_ms, reason, None));
            }
        }
        let update_ms = (UPDATE_MIN_INTERVAL_S * 1000.0) as i64;
        for (key, r) in seen {
            let open = self.conflicts.contains_key(&key);
            if !r.conflict {
                if !open {
                    continue;
                }
                let o = self.conflicts.get_mut(&key).expect("open");
                o.quiet += 1;
                o.min_h_nm = o.min_h_nm.min(r.h_now_nm);
                if let Some(v) = r.v_now_ft {
                    o.min_v_ft = Some(o.min_v_ft.map_or(v.abs(), |m| m.min(v.abs())));
                }
                let passed = r.tcpa_s < 0.0;
                if o.quiet >= 2 || passed {
                    let o = self.conflicts.remove(&key).expect("open");
                    let reason = if passed { "passed" } else { "resolved" };
                    out.push(self.cleared(&o, t_ms, reason, Some(&r)));
                }
                continue;
            }
            let (ia, ib) = (self.index[&key.0], self.index[&key.1]);
            let body = conflict_body(
                &self.slots[ia],
                &self.slots[ib],
                kin[ia].as_ref(),
                kin[ib].as_ref(),
                &r,
                &self.cfg,
            );
            match self.conflicts.get_mut(&key) {
                None => {
                    out.push(EventBody::AirConflictRaised(body.clone()));
                    self.conflicts.insert(
                        key,
                        OpenConflict {
                            since_ms: t_ms,
                            last_event_ms: t_ms,
                            min_h_nm: r.h_now_nm,
                            min_v_ft: r.v_now_ft.map(f64::abs),
                            lost: body.separation_lost,
                            last: body,
                            quiet: 0,
                        },
                    );
                }
                Some(o) => {
                    o.quiet = 0;
                    o.min_h_nm = o.min_h_nm.min(r.h_now_nm);
                    if let Some(v) = r.v_now_ft {
                        o.min_v_ft = Some(o.min_v_ft.map_or(v.abs(), |m| m.min(v.abs())));
                    }
                    o.lost |= body.separation_lost;
                    let at_once = body.tier != o.last.tier
                        || body.vertical != o.last.vertical
                        || body.mover != o.last.mover
                        || body.separation_lost != o.last.separation_lost;
                    let material = (body.hcpa_nm - o.last.hcpa_nm).abs() >= 1.0
                        || match (body.vcpa_ft, o.last.vcpa_ft) {
                            (Some(x), Some(y)) => (x - y).abs() >= 500.0,
                            (None, None) => false,
                            _ => true,
                        };
                    if at_once || (material && t_ms - o.last_event_ms >= update_ms) {
                        o.last_event_ms = t_ms;
                        o.last = body.clone();
                        out.push(EventBody::AirConflictUpdated(body));
                    } else {
                        // Keep the figures current for the API.
                        let (tier, vertical, mover, lost) = (
                            o.last.tier,
                            o.last.vertical,
                            o.last.mover.clone(),
                            o.last.separation_lost,
                        );
                        o.last = AirConflict {
                            tier,
                            vertical,
                            mover,
                            separation_lost: lost,
                            ..body
                        };
                    }
                }
            }
        }
    }

    fn predict_airspace(
        &mut self,
        t_ms: i64,
        kin: &[Option<AirKinematic>],
        zones: &Zones,
        keys: &[Arc<str>],
        out: &mut Vec<EventBody>,
    ) {
        let horizon_s = self.cfg.airspace_horizon_s;
        let mut still: Vec<(AirId, Arc<str>)> = Vec::new();
        for (i, k) in kin.iter().enumerate() {
            let Some(k) = k else { continue };
            let Some(alt) = k.alt_baro_ft else { continue };
            let a = &self.slots[i];
            let at = AirFix {
                lat_deg: k.lat_deg,
                lon_deg: k.lon_deg,
                alt_ft: alt,
                time_ms: t_ms,
            };
            let facts = facts_of(a);
            let Some(e) = zones.airspace_predicted(
                &facts,
                &at,
                k.track_deg,
                k.gs_kn,
                k.rate_fpm(),
                horizon_s,
            ) else {
                continue;
            };
            if !e.violation {
                continue;
            }
            let Some(key) = keys.get(e.zone).cloned() else {
                continue;
            };
            let k2 = (a.id, key);
            if self.violating.contains_key(&k2) {
                continue;
            }
            still.push(k2.clone());
            if self.predicted.contains_key(&k2) {
                continue;
            }
            let time_to_s = ((e.time_ms - t_ms) as f64 / 1000.0).max(0.0);
            let al = airspace_alert(
                zones,
                e.zone,
                &a.reference(Some(k)),
                "enter",
                e.lat_deg,
                e.lon_deg,
                e.alt_ft,
                e.time_ms,
                Some(time_to_s),
                None,
            );
            self.predicted.insert(k2, al.clone());
            out.push(EventBody::AirspacePredicted(al));
        }
        let ended: Vec<(AirId, Arc<str>)> = self
            .predicted
            .keys()
            .filter(|k| !still.contains(k))
            .cloned()
            .collect();
        for k in ended {
            if let Some(mut al) = self.predicted.remove(&k) {
                al.reason = Some("no_longer_predicted");
                al.time_to_s = None;
                if let Some(a) = self.get(k.0) {
                    al.aircraft = a.reference(None);
                }
                out.push(EventBody::AirspaceCleared(al));
            }
        }
    }

    /// Drops open airspace alerts of zones no longer in the list (a zone
    /// edit), reporting them cleared.
    pub(crate) fn zones_changed(&mut self, keys: &[Arc<str>], out: &mut Vec<EventBody>) {
        for map in [&mut self.predicted, &mut self.violating] {
            let gone: Vec<(AirId, Arc<str>)> = map
                .keys()
                .filter(|k| !keys.contains(&k.1))
                .cloned()
                .collect();
            for k in gone {
                if let Some(mut al) = map.remove(&k) {
                    al.reason = Some("zone_removed");
                    out.push(EventBody::AirspaceCleared(al));
                }
            }
        }
        for a in &mut self.slots {
            a.inside.retain(|k| keys.contains(k));
        }
    }
}

fn set_velocity(a: &mut Aircraft, gs: f64, track: f64, t_ms: i64) {
    if !(gs.is_finite() && track.is_finite() && gs >= 0.0) {
        return;
    }
    // The track rate over at least 4 s (ADS-B tracks come in steps of a
    // few tenths of a degree: over one second that noise would look like a
    // turn); forgotten after 30 s without a new measurement.
    match a.track_ref {
        Some((t0, at)) if t_ms - at >= 4000 => {
            let dt_s = (t_ms - at) as f64 / 1000.0;
            if dt_s <= 30.0 && gs > 30.0 {
                a.track_rate_deg_s = Some(wrap180(track - t0) / dt_s);
            } else {
                a.track_rate_deg_s = None;
            }
            a.track_ref = Some((track, t_ms));
        }
        None => a.track_ref = Some((track, t_ms)),
        _ => {}
    }
    a.gs_kn = Some(gs);
    a.track_deg = Some(track);
    a.velocity_ms = t_ms;
}

fn facts_of(a: &Aircraft) -> AircraftFacts {
    let icao = match a.id {
        AirId::Icao(x) => x,
        // Neither a non-ICAO address nor an MMSI names a country.
        _ => u32::MAX,
    };
    let f = AircraftFacts::icao(icao);
    match &a.category {
        Some(c) => f.with_category(c),
        None => f,
    }
}

fn cell_of(k: &AirKinematic, cell_deg: f64) -> (i32, i32) {
    (
        (k.lat_deg / cell_deg).floor() as i32,
        (k.lon_deg * k.lat_deg.to_radians().cos().max(0.01) / cell_deg).floor() as i32,
    )
}

/// A cheap bound: can the pair come within both minima in the look-ahead
/// at all (range closing at most at the sum of ground speeds, altitude
/// gap closing at most at the sum of vertical rates)?
fn could_conflict(a: &AirKinematic, b: &AirKinematic, cfg: &AirConfig) -> bool {
    let t_h = cfg.lookahead_s / 3600.0;
    // The range on a flat (equirectangular) approximation, a few parts in
    // a thousand off at these ranges: the bound is widened by 2 % and
    // 0.5 NM so that it never drops a pair the exact range would keep
    // (trigonometry for every neighbour was most of the pass).
    let mid_lat = (0.5 * (a.lat_deg + b.lat_deg)).to_radians();
    let dy = b.lat_deg - a.lat_deg;
    let mut dl = b.lon_deg - a.lon_deg;
    if dl > 180.0 {
        dl -= 360.0;
    } else if dl < -180.0 {
        dl += 360.0;
    }
    let dx = dl * mid_lat.cos();
    let d_nm = 60.0 * (dx * dx + dy * dy).sqrt() / 1.02 - 0.5;
    if d_nm - (a.gs_kn + b.gs_kn) * t_h > cfg.separation_nm {
        return false;
    }
    match (a.alt_baro_ft, b.alt_baro_ft) {
        (Some(za), Some(zb)) => {
            let closing_ft = (a.rate_fpm().abs() + b.rate_fpm().abs()) / 60.0 * cfg.lookahead_s;
            (za - zb).abs() - closing_ft < cfg.vertical_above_fl410_ft.max(cfg.vertical_ft)
        }
        _ => true,
    }
}

fn fl(alt_ft: Option<f64>) -> String {
    match alt_ft {
        Some(a) if a >= 18_000.0 => format!("FL{:03}", (a / 100.0).round() as i64),
        Some(a) => format!("{} ft", (a / 100.0).round() as i64 * 100),
        None => "unknown altitude".into(),
    }
}

fn conflict_body(
    a: &Aircraft,
    b: &Aircraft,
    ka: Option<&AirKinematic>,
    kb: Option<&AirKinematic>,
    r: &AirAssessment,
    cfg: &AirConfig,
) -> AirConflict {
    let (vertical, mover) = match r.vertical {
        Vertical::Level => ("level", None),
        Vertical::ClimbingInto { mover } => ("climbing_into", Some(mover)),
        Vertical::DescendingInto { mover } => ("descending_into", Some(mover)),
        Vertical::NotClosing => ("not_closing", None),
        Vertical::Unknown => ("unknown", None),
    };
    let (ra, rb) = (a.reference(ka), b.reference(kb));
    let t_in = r.t_in_s.unwrap_or(0.0);
    let lost = t_in <= 0.0;
    let minima = format!(
        "{} NM / {} ft",
        trim_num(cfg.separation_nm),
        r.vertical_minimum_ft.round() as i64
    );
    let vert_words = match mover {
        Some(p) => {
            let (m, o) = if p == Party::A { (a, b) } else { (b, a) };
            let (mk, ok) = if p == Party::A {
                (&ra, &rb)
            } else {
                (&rb, &ra)
            };
            format!(
                "{} {} at {} ft/min from {} into {} at {}",
                m.label(),
                if vertical == "climbing_into" {
                    "climbing"
                } else {
                    "descending"
                },
                mk.vertical_rate_fpm.unwrap_or(0.0).abs().round() as i64,
                fl(mk.alt_baro_ft),
                o.label(),
                fl(ok.alt_baro_ft)
            )
        }
        None => format!(
            "{} at {} and {} at {}",
            a.label(),
            fl(ra.alt_baro_ft),
            b.label(),
            fl(rb.alt_baro_ft)
        ),
    };
    let when = if lost {
        format!("separation ({minima}) lost now")
    } else {
        format!("separation ({minima}) lost in {} s", t_in.round() as i64)
    };
    let closest = match r.vcpa_ft {
        Some(v) if r.tcpa_s > 0.0 => format!(
            ", closest {:.1} NM and {} ft in {} s",
            r.hcpa_nm,
            v.abs().round() as i64,
            r.tcpa_s.round() as i64
        ),
        None if r.tcpa_s > 0.0 => format!(
            ", closest {:.1} NM in {} s (vertical unknown)",
            r.hcpa_nm,
            r.tcpa_s.round() as i64
        ),
        _ => String::new(),
    };
    AirConflict {
        tier: r.tier,
        h_now_nm: r.h_now_nm,
        v_now_ft: r.v_now_ft,
        hcpa_nm: r.hcpa_nm,
        tcpa_s: r.tcpa_s,
        vcpa_ft: r.vcpa_ft,
        t_in_s: t_in,
        t_out_s: r.t_out_s.unwrap_or(0.0),
        separation_lost: lost,
        separation_nm: cfg.separation_nm,
        vertical_minimum_ft: r.vertical_minimum_ft,
        vertical,
        mover: mover.map(|p| {
            if p == Party::A {
                a.id.text()
            } else {
                b.id.text()
            }
        }),
        summary: format!("{vert_words}: {when}{closest}"),
        a: ra,
        b: rb,
    }
}

fn trim_num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

#[allow(clippy::too_many_arguments)]
fn airspace_alert(
    zones: &Zones,
    z: usize,
    aircraft: &AircraftRef,
    action: &'static str,
    lat: f64,
    lon: f64,
    alt_ft: f64,
    at_ms: i64,
    time_to_s: Option<f64>,
    reason: Option<&'static str>,
) -> AirspaceAlert {
    let zone = &zones.zones()[z];
    let (floor_ft, ceiling_ft, approximate) = match zone.vertical {
        Some(v) => (
            if v.floor.is_surface() {
                0.0
            } else {
                v.floor_ft()
            },
            v.ceiling.is_some().then(|| v.ceiling_ft()),
            v.is_approximate(),
        ),
        None => (0.0, None, false),
    };
    AirspaceAlert {
        zone: crate::zone::zone_ref(zones, z),
        floor_ft,
        ceiling_ft,
        approximate,
        aircraft: aircraft.clone(),
        action,
        lat,
        lon,
        alt_ft,
        at: iso8601(at_ms),
        time_to_s,
        reason,
    }
}

impl AirConfig {
    /// Refuses values that would disable a safeguard (zero, negative or
    /// non-finite minima, look-ahead, periods, ages), naming the key.
    pub fn validate(&self) -> Result<(), crate::ConfigError> {
        let checks: [(&str, f64); 9] = [
            ("air.separation_nm", self.separation_nm),
            ("air.vertical_ft", self.vertical_ft),
            ("air.vertical_above_fl410_ft", self.vertical_above_fl410_ft),
            ("air.lookahead_s", self.lookahead_s),
            ("air.screen_interval_s", self.screen_interval_s),
            ("air.stale_s", self.stale_s),
            ("air.lost_s", self.lost_s),
            ("air.max_speed_kn", self.max_speed_kn),
            ("air.airspace_horizon_s", self.airspace_horizon_s),
        ];
        for (key, v) in checks {
            if !(v.is_finite() && v > 0.0) {
                return Err(crate::ConfigError::Unsafe {
                    key: key.into(),
                    value: v,
                    rule: "must be a positive finite number".into(),
                });
            }
        }
        if let Err(finisterra_nav::air::AirConfigError::Unsafe { key, value, rule }) =
            self.conflict().validate()
        {
            return Err(crate::ConfigError::Unsafe {
                key: format!("air.{key}"),
                value,
                rule: rule.into(),
            });
        }
        if self.stale_s > self.lost_s {
            return Err(crate::ConfigError::Unsafe {
                key: "air.stale_s".into(),
                value: self.stale_s,
                rule: "must not exceed air.lost_s".into(),
            });
        }
        Ok(())
    }
}

//! The census: messages in (any order within the reorder window), findings
//! out.

use std::collections::{BTreeMap, VecDeque};

use finisterra_ais::{AisMessage, Body, StaticDataReport};
use finisterra_engine::{
    Config as EngineConfig, DataClock, Engine, FixOutcome, Ingested, TimeReject, MAX_JUMP_MS,
};
use finisterra_geofence::mid::{flag_of_mmsi, mmsi_kind, MmsiKind};
use finisterra_geofence::Land;
use serde::Serialize;

use crate::config::CensusConfig;
use crate::finding::{Finding, Gap, Kind, Spoofing, TimeMs};
use crate::nearmiss::{NearMissStats, NearMisses};
use crate::resample::{ResampleStats, Resampler};
use crate::track::{Episode, Fix, LandCell, Track};
use crate::util::{quick_distance_m, round, FastMap, MPS_PER_KN, M_PER_NM};
use crate::water::TrafficWater;
use crate::CensusError;

/// Messages held at most in the reorder buffer (beyond, the oldest go).
const REORDER_MAX: usize = 8_000_000;

/// Counters of a census run: every message is accounted for.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CensusStats {
    /// Messages given to the census.
    pub messages: u64,
    /// Position reports (types 1-3, 9, 18, 19, 27) among them.
    pub positions: u64,
    /// Static data (types 5, 24) among them.
    pub statics: u64,
    /// Other message types (not used).
    pub other_messages: u64,
    /// Messages with a time outside 1990-2100.
    pub time_out_of_range: u64,
    /// Messages a single broken time put more than six hours ahead
    /// (rejected by the engine's rule).
    pub time_jump: u64,
    /// Messages that came later than the reorder window (processed as they
    /// came; the picture rejects positions older than the vessel's last).
    pub late: u64,
    /// Exact repeats of a vessel's previous position (same time and place,
    /// e.g. heard by two stations): not counted twice.
    pub duplicates: u64,
    /// Positions accepted into the picture.
    pub accepted_positions: u64,
    /// Positions rejected by the picture, by reason (the engine's keys:
    /// `position_unavailable`, `position_out_of_range`,
    /// `position_null_island`, `position_out_of_order`,
    /// `position_teleport`).
    pub rejected: BTreeMap<String, u64>,
    /// Fixes showing a second transmitter on one MMSI (engine
    /// `mmsi_conflicts`).
    pub mmsi_conflicts: u64,
    /// Vessels moved to a new position after consistent rejected fixes
    /// (engine `reacquired`).
    pub reacquired: u64,
    /// Distinct MMSIs with a position or static data.
    pub vessels: u64,
    /// Vessels forgotten after long silence.
    pub vessels_forgotten: u64,
    /// Vessel ids known not to be MMSIs ([`Census::ids_not_mmsis`]: ids of
    /// a CSV file all below [`crate::csv::MMSI_MIN_ID`]), not checked as
    /// MMSIs (in `summary.json` only when there are some).
    #[serde(skip_serializing_if = "is_zero")]
    pub ids_not_mmsis: u64,
    /// How positions on land were judged (`on_land`).
    pub on_land: OnLandStats,
    /// Findings by kind.
    pub findings: BTreeMap<String, u64>,
    /// First data time, ms.
    pub first_ms: Option<i64>,
    /// Last data time, ms.
    pub last_ms: Option<i64>,
    /// Near-miss detector counters.
    pub near_miss: NearMissStats,
    /// Resampling (encounters, loitering) counters.
    pub resample: ResampleStats,
}

/// How the positions found on land were judged: every position on land
/// beyond the margin is either reported in an `on_land` finding or counted
/// here as water, with the reason
/// (`beyond_margin = inland_water + traffic_water + reported`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct OnLandStats {
    /// Accepted positions on land further inland than
    /// `spoofing.on_land_min_inland_m`.
    pub beyond_margin: u64,
    /// Of them, within that margin of a lake or river of the inland-water
    /// layer ([`Census::with_inland_water`]): not on land.
    pub inland_water: u64,
    /// Of them, in a place the run's traffic showed to be water
    /// (`spoofing.water_min_vessels`): not on land.
    pub traffic_water: u64,
    /// Of them, reported in `on_land` findings.
    pub reported: u64,
    /// Cells the traffic showed to be water.
    pub traffic_water_cells: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

struct Pending {
    t: i64,
    msg: AisMessage,
}

/// What the picture did with a message's position (from `Engine::ingest`).
enum Outcome {
    Accepted {
        reacquired: bool,
    },
    Rejected {
        reason: &'static str,
        conflict: bool,
    },
    Ignored,
}

/// The census over one archive. See the [crate documentation](crate).
pub struct Census {
    cfg: CensusConfig,
    land: Land,
    engine: Engine,
    events: Vec<finisterra_engine::Event>,
    reorder: VecDeque<Pending>,
    /// The data-time gate in front of the reorder window (the engine's
    /// rule, from its one home): a single message far ahead does not move
    /// the window until confirmed.
    gate: DataClock,
    now_ms: i64,
    next_minute_ms: i64,
    next_hour_ms: i64,
    tracks: Vec<Track>,
    index: FastMap<u32, u32>,
    free: Vec<u32>,
    nm: NearMisses,
    rs: Resampler,
    stats: CensusStats,
    /// Land or sea of 1° cells without coast.
    deep_cells: FastMap<u32, bool>,
    /// Accepted positions handed out, when asked for.
    export: Option<Vec<AcceptedPosition>>,
    /// Vessel ids that are not MMSIs (no MMSI checks).
    not_mmsis: FastMap<u32, ()>,
    /// Lakes and rivers known as water ([`Census::with_inland_water`]).
    water: Option<Land>,
    /// Water learnt from the run's traffic.
    traffic_water: TrafficWater,
}

/// A position the picture accepted (for exporting the cleaned tracks).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AcceptedPosition {
    /// MMSI.
    pub mmsi: u32,
    /// Data time, ms.
    pub time_ms: i64,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Speed over ground (reported, else made good), knots; NaN unknown.
    pub sog_kn: f32,
    /// Course over ground (reported, else made good), degrees; NaN unknown.
    pub cog_deg: f32,
}

impl std::fmt::Debug for Census {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Census")
            .field("vessels", &self.index.len())
            .field("buffered", &self.reorder.len())
            .finish()
    }
}

fn is_position(b: &Body) -> bool {
    matches!(
        b,
        Body::Position(_)
            | Body::ClassBPosition(_)
            | Body::ClassBExtended(_)
            | Body::SarAircraft(_)
            | Body::LongRange(_)
    )
}

fn is_static(b: &Body) -> bool {
    matches!(b, Body::StaticVoyage(_) | Body::StaticData(_))
}

fn msg_latlon(b: &Body) -> (Option<f64>, Option<f64>) {
    b.reported()
        .map_or((None, None), |r| (r.lat_deg, r.lon_deg))
}

/// Why an MMSI cannot be a real mobile station, if it cannot.
pub fn invalid_mmsi_reason(mmsi: u32) -> Option<&'static str> {
    if mmsi > 999_999_999 {
        return Some("more than 9 digits");
    }
    match mmsi_kind(mmsi) {
        MmsiKind::Sart | MmsiKind::ManOverboard | MmsiKind::EpirbAis => None,
        MmsiKind::Group | MmsiKind::CoastStation => {
            Some("not 9 digits (leading zeros: a group or coast station number)")
        }
        MmsiKind::Other => Some("not a ship station number"),
        _ => {
            if flag_of_mmsi(mmsi).is_some() {
                None
            } else {
                Some("MID not allocated")
            }
        }
    }
}

/// Largest credible speed of a ship type, knots (`None`: no limit short of
/// the teleport check).
pub fn max_speed_for_type_kn(ship_type: Option<u8>) -> Option<f64> {
    match ship_type? {
        30 => Some(30.0),
        31 | 32 | 52 => Some(25.0),
        33 | 34 => Some(20.0),
        36 => Some(30.0),
        50 => Some(40.0),
        53 => Some(30.0),
        60..=69 => Some(45.0),
        70..=79 => Some(35.0),
        80..=89 => Some(30.0),
        _ => None,
    }
}

impl Census {
    /// A census with these settings judging against this land (use
    /// `Land::world()` for the bundled coastline, `Land::empty()` for none:
    /// then every position is "far from shore").
    pub fn new(cfg: CensusConfig, land: Land) -> Result<Census, CensusError> {
        cfg.validate()?;
        let mut ecfg = EngineConfig {
            picture: cfg.picture,
            ..EngineConfig::default()
        };
        ecfg.picture.jump_allowance_m +=
            cfg.picture.max_speed_kn * MPS_PER_KN * cfg.time_resolution_s;
        ecfg.screen_interval_s = cfg.screen_interval_s;
        // The census only needs the picture: no vessel is ever screened for
        // collision risk (that is `scan`'s job), only aged and forgotten.
        ecfg.risk.max_dead_reckoning_s = 0.0;
        Ok(Census {
            engine: Engine::new(ecfg),
            events: Vec::new(),
            reorder: VecDeque::new(),
            gate: DataClock::default(),
            now_ms: i64::MIN,
            next_minute_ms: i64::MIN,
            next_hour_ms: i64::MIN,
            tracks: Vec::new(),
            index: FastMap::default(),
            free: Vec::new(),
            nm: NearMisses::new(cfg),
            rs: Resampler::new(cfg),
            stats: CensusStats::default(),
            deep_cells: FastMap::default(),
            export: None,
            not_mmsis: FastMap::default(),
            water: None,
            traffic_water: TrafficWater::new(
                cfg.spoofing.water_cell_m,
                cfg.spoofing.water_min_vessels,
            ),
            land,
            cfg,
        })
    }

    /// Judges positions on land against these inland waters too (use
    /// `Land::inland_water()` for the bundled Natural Earth 1:50m lakes and
    /// river centre lines): a position within
    /// `spoofing.on_land_min_inland_m` of a lake shore or river line, or in
    /// a lake, is not on land.
    pub fn with_inland_water(mut self, water: Land) -> Census {
        self.water = Some(water);
        self
    }

    /// The settings.
    pub fn config(&self) -> &CensusConfig {
        &self.cfg
    }

    /// The counters so far.
    pub fn stats(&self) -> CensusStats {
        let mut s = self.stats.clone();
        s.near_miss = self.nm.stats.clone();
        s.resample = self.rs.stats.clone();
        s.on_land.traffic_water_cells = self.traffic_water.water_cells();
        s
    }

    /// Keep every accepted position for [`Census::drain_positions`] (to
    /// export the cleaned tracks, e.g. for other tools).
    pub fn export_positions(&mut self, on: bool) {
        self.export = on.then(Vec::new);
    }

    /// Moves the accepted positions kept so far into `out`.
    pub fn drain_positions(&mut self, out: &mut Vec<AcceptedPosition>) {
        if let Some(v) = self.export.as_mut() {
            out.append(v);
        }
    }

    /// These vessel ids are not MMSIs (e.g. the row ids of a CSV data set,
    /// [`crate::CsvInput::ids_not_mmsis`]): they get no MMSI checks (no
    /// `invalid_mmsi` finding), from now on and for a vessel already seen
    /// (an `invalid_mmsi` finding not yet given is dropped; it is given when
    /// the vessel is forgotten or at [`Census::finish`], so call this before
    /// either). Everything else is judged as for any vessel.
    pub fn ids_not_mmsis(&mut self, ids: &[u32]) {
        for &id in ids {
            if self.not_mmsis.insert(id, ()).is_none() {
                self.stats.ids_not_mmsis += 1;
            }
            if let Some(&slot) = self.index.get(&id) {
                self.tracks[slot as usize].invalid = None;
            }
        }
    }

    /// Messages taken so far (cheap, for progress displays).
    pub fn messages(&self) -> u64 {
        self.stats.messages
    }

    /// Messages waiting in the reorder buffer.
    pub fn buffered(&self) -> usize {
        self.reorder.len()
    }

    /// Takes one message with its data time; findings that became final
    /// are appended to `out`. Messages may come out of time order by up
    /// to the reorder window.
    pub fn push(&mut self, msg: &AisMessage, time_ms: i64, out: &mut Vec<Finding>) {
        self.stats.messages += 1;
        if is_position(&msg.body) {
            self.stats.positions += 1;
        } else if is_static(&msg.body) {
            self.stats.statics += 1;
        } else {
            self.stats.other_messages += 1;
            return;
        }
        match self.gate.admit(Some(time_ms), None) {
            Ok(a) => {
                self.gate.advance(a.time_ms);
            }
            Err(TimeReject::OutOfRange) => {
                self.stats.time_out_of_range += 1;
                return;
            }
            // Held in the window; the engine rejects it (counted then) if
            // it is still unconfirmed when its turn comes.
            Err(TimeReject::UnconfirmedJump) => {}
        }
        let p = Pending {
            t: time_ms,
            msg: msg.clone(),
        };
        if self.reorder.back().is_none_or(|b| b.t <= time_ms) {
            self.reorder.push_back(p);
        } else {
            let at = self.reorder.partition_point(|q| q.t <= time_ms);
            self.reorder.insert(at, p);
        }
        let window_ms = (self.cfg.reorder_window_s * 1000.0) as i64;
        let limit = self.gate.now_ms().unwrap_or(time_ms) - window_ms;
        while let Some(front) = self.reorder.front() {
            if front.t >= limit && self.reorder.len() <= REORDER_MAX {
                break;
            }
            let p = self.reorder.pop_front().expect("present");
            debug_assert!(
                self.reorder.front().is_none_or(|next| next.t >= p.t),
                "the reorder queue hands messages on in time order"
            );
            self.process(&p.msg, p.t, out);
        }
    }

    /// Ends the input: everything buffered is processed and every open
    /// situation judged.
    pub fn finish(&mut self, out: &mut Vec<Finding>) {
        while let Some(p) = self.reorder.pop_front() {
            self.process(&p.msg, p.t, out);
        }
        let start = out.len();
        self.nm.finish(&mut self.tracks, out);
        self.rs.finish(&mut self.tracks, &self.land, out);
        for slot in 0..self.tracks.len() {
            if !self.tracks[slot].free {
                self.close_episodes(slot, true, out);
            }
        }
        self.count(&out[start..]);
    }

    fn count(&mut self, found: &[Finding]) {
        for f in found {
            *self
                .stats
                .findings
                .entry(f.kind().name().to_string())
                .or_default() += 1;
        }
    }

    fn slot_of(&mut self, mmsi: u32, t: i64) -> u32 {
        if let Some(&s) = self.index.get(&mmsi) {
            return s;
        }
        self.stats.vessels += 1;
        let mut tr = Track::new(mmsi, t);
        if self.cfg.spoofing.invalid_mmsi
            && self.cfg.detectors.spoofing
            && !self.not_mmsis.contains_key(&mmsi)
        {
            if let Some(reason) = invalid_mmsi_reason(mmsi) {
                tr.invalid = Some(Box::new(Episode::new(t, f64::NAN, f64::NAN, reason)));
            }
        }
        let slot = match self.free.pop() {
            Some(s) => {
                self.tracks[s as usize] = tr;
                s
            }
            None => {
                self.tracks.push(tr);
                (self.tracks.len() - 1) as u32
            }
        };
        self.index.insert(mmsi, slot);
        slot
    }

    fn process(&mut self, msg: &AisMessage, t: i64, out: &mut Vec<Finding>) {
        let start = out.len();
        if t < self.now_ms {
            self.stats.late += 1;
        } else {
            self.now_ms = t;
            self.periodic(out);
        }
        self.stats.first_ms = Some(self.stats.first_ms.map_or(t, |f| f.min(t)));
        self.stats.last_ms = Some(self.stats.last_ms.map_or(t, |l| l.max(t)));
        if is_static(&msg.body) {
            self.on_static(msg, t);
        } else {
            self.on_position(msg, t, out);
        }
        self.rs
            .advance(&mut self.tracks, self.now_ms, &self.land, out);
        if out.len() > start {
            self.count(&out[start..]);
        }
    }

    fn periodic(&mut self, out: &mut Vec<Finding>) {
        let now = self.now_ms;
        if now >= self.next_minute_ms {
            self.next_minute_ms = (now.div_euclid(60_000) + 1) * 60_000;
            self.nm.sweep(&mut self.tracks, now, out);
        }
        if now >= self.next_hour_ms {
            let first = self.next_hour_ms == i64::MIN;
            self.next_hour_ms = (now.div_euclid(3_600_000) + 1) * 3_600_000;
            if !first {
                self.hourly(out);
            }
        }
    }

    fn hourly(&mut self, out: &mut Vec<Finding>) {
        let now = self.now_ms;
        self.rs.sweep_loiter(&mut self.tracks, now, &self.land, out);
        let gap_ms = (self.cfg.spoofing.episode_gap_s * 1000.0) as i64;
        for slot in 0..self.tracks.len() {
            if self.tracks[slot].free {
                continue;
            }
            let tr = &self.tracks[slot];
            let stale =
                |e: &Option<Box<Episode>>| e.as_ref().is_some_and(|e| now - e.end_ms > gap_ms);
            if stale(&tr.teleport) || stale(&tr.on_land) || stale(&tr.speed) {
                self.close_episodes(slot, false, out);
            }
        }
        let forget_ms = (self.cfg.forget_after_s * 1000.0) as i64;
        let mut gone: Vec<u32> = Vec::new();
        for (slot, tr) in self.tracks.iter().enumerate() {
            if !tr.free && now - tr.last_seen_ms > forget_ms && !self.rs.in_run(slot as u32) {
                gone.push(slot as u32);
            }
        }
        for slot in gone {
            self.forget(slot, out);
        }
    }

    fn forget(&mut self, slot: u32, out: &mut Vec<Finding>) {
        self.nm.remove(&mut self.tracks, slot, out);
        self.rs
            .end_loiter(&mut self.tracks[slot as usize], &self.land, out);
        self.close_episodes(slot as usize, true, out);
        let mmsi = self.tracks[slot as usize].mmsi;
        self.index.remove(&mmsi);
        self.tracks[slot as usize] = Track::new(0, 0);
        self.tracks[slot as usize].free = true;
        self.free.push(slot);
        self.stats.vessels_forgotten += 1;
    }

    fn on_static(&mut self, msg: &AisMessage, t: i64) {
        let slot = self.slot_of(msg.mmsi, t);
        let tr = &mut self.tracks[slot as usize];
        tr.last_seen_ms = tr.last_seen_ms.max(t);
        let set_dims = |tr: &mut Track, d: &finisterra_ais::Dimensions| {
            let l = d.to_bow as f64 + d.to_stern as f64;
            if l > 0.0 {
                tr.length_m = Some(l);
            }
        };
        let name = |s: &str| {
            let s = s.trim();
            (!s.is_empty()).then(|| s.to_string())
        };
        match &msg.body {
            Body::StaticVoyage(s) => {
                if let Some(n) = name(s.shipname.as_str()) {
                    if tr.name.as_deref() != Some(n.as_str()) {
                        tr.name = Some(n);
                    }
                }
                if s.shiptype != 0 {
                    tr.ship_type = Some(s.shiptype);
                }
                set_dims(tr, &s.dimensions);
            }
            Body::StaticData(StaticDataReport::PartA { shipname }) => {
                if let Some(n) = name(shipname.as_str()) {
                    if tr.name.as_deref() != Some(n.as_str()) {
                        tr.name = Some(n);
                    }
                }
            }
            Body::StaticData(StaticDataReport::PartB(b)) => {
                if b.shiptype != 0 {
                    tr.ship_type = Some(b.shiptype);
                }
                set_dims(tr, &b.dimensions);
            }
            _ => {}
        }
        // The picture keeps static data too (and counts it as a sign of
        // life when deciding to forget a vessel): keep it in step.
        let _ = self.engine.ingest(msg, t, &mut self.events);
        self.events.clear();
    }

    fn ingest(&mut self, msg: &AisMessage, t: i64) -> Outcome {
        // A real silence of more than six hours in the data (confirmed by
        // later messages, so not one broken time): move the picture's
        // clock first, or it would hold back the first messages after it.
        if let Some(now) = self.engine.now_ms() {
            if t - now > MAX_JUMP_MS
                && self.gate.now_ms().is_some_and(|m| m >= t)
                && t <= self.now_ms
            {
                self.engine.advance(t, &mut self.events);
                self.events.clear();
            }
        }
        let outcome = self.engine.ingest(msg, t, &mut self.events);
        self.events.clear();
        match outcome {
            Ingested::Taken {
                fix: FixOutcome::Accepted { reacquired },
                ..
            } => Outcome::Accepted { reacquired },
            Ingested::Taken {
                fix: FixOutcome::Rejected { reason, conflict },
                ..
            } => Outcome::Rejected { reason, conflict },
            Ingested::Taken {
                fix: FixOutcome::NoFix,
                ..
            } => Outcome::Ignored,
            Ingested::TimeRejected(r) => {
                if r == TimeReject::UnconfirmedJump {
                    self.stats.time_jump += 1;
                }
                Outcome::Ignored
            }
        }
    }

    fn on_position(&mut self, msg: &AisMessage, t: i64, out: &mut Vec<Finding>) {
        let slot = self.slot_of(msg.mmsi, t);
        let (lat, lon) = msg_latlon(&msg.body);
        {
            let tr = &mut self.tracks[slot as usize];
            tr.last_seen_ms = tr.last_seen_ms.max(t);
            if let (Some(la), Some(lo)) = (lat, lon) {
                if tr.last_raw == (t, la, lo) {
                    self.stats.duplicates += 1;
                    return;
                }
                tr.last_raw = (t, la, lo);
                if let Some(e) = tr.invalid.as_mut() {
                    if e.positions == 0 {
                        e.start_ms = t;
                        e.lat = la;
                        e.lon = lo;
                    }
                    e.positions += 1;
                    e.end_ms = t;
                }
            }
        }
        match self.ingest(msg, t) {
            Outcome::Accepted { reacquired } => {
                self.stats.accepted_positions += 1;
                if reacquired {
                    self.stats.reacquired += 1;
                }
                let Some(v) = self.engine.picture().vessel(msg.mmsi) else {
                    return;
                };
                let nm = &self.cfg.near_miss;
                // Without a reported speed or course (position-only CSV):
                // what was made good since the previous fix.
                let need = v.sog_kn.is_none() || v.cog_deg.is_none();
                let made_good = self.tracks[slot as usize]
                    .last
                    .filter(|p| {
                        need && !reacquired
                            && v.fix_ms > p.t
                            && (v.fix_ms - p.t) as f64 <= nm.max_interpolation_s * 1000.0
                    })
                    .map(|p| {
                        let d = quick_distance_m(p.lat, p.lon, v.lat_deg, v.lon_deg);
                        let kn = d / ((v.fix_ms - p.t) as f64 / 1000.0) / MPS_PER_KN;
                        let cog = if d > 10.0 {
                            finisterra_nav::geo::initial_bearing_deg(
                                p.lat, p.lon, v.lat_deg, v.lon_deg,
                            )
                        } else {
                            f64::NAN
                        };
                        (kn, cog)
                    });
                let sog = v
                    .sog_kn
                    .or(made_good.map(|m| m.0))
                    .map_or(f32::NAN, |s| s as f32);
                let cog = v
                    .cog_deg
                    .or(made_good.map(|m| m.1).filter(|c| c.is_finite()))
                    .map_or(f32::NAN, |c| c as f32);
                let status = v.nav_status.unwrap_or(255);
                let underway = if sog.is_finite() {
                    sog as f64 >= nm.min_sog_kn
                } else {
                    matches!(status, 0 | 8)
                };
                let fix = Fix {
                    t: v.fix_ms,
                    lat: v.lat_deg,
                    lon: v.lon_deg,
                    sog,
                    cog,
                    heading: v.heading_deg.map_or(f32::NAN, |h| h as f32),
                    rot: v.rot_deg_per_min.map_or(f32::NAN, |r| r as f32),
                    status,
                    underway,
                };
                if reacquired {
                    if let Some(e) = self.tracks[slot as usize].teleport.as_mut() {
                        e.reacquired += 1;
                        e.end_ms = t;
                    }
                }
                self.on_fix(slot, fix, reacquired, out);
            }
            Outcome::Rejected { reason, conflict } => {
                *self.stats.rejected.entry(reason.to_string()).or_default() += 1;
                if conflict {
                    self.stats.mmsi_conflicts += 1;
                }
                if reason == "position_teleport" && self.cfg.detectors.spoofing {
                    self.on_teleport(slot, msg, t, conflict, out);
                }
            }
            Outcome::Ignored => {}
        }
    }

    fn on_teleport(
        &mut self,
        slot: u32,
        msg: &AisMessage,
        t: i64,
        conflict: bool,
        out: &mut Vec<Finding>,
    ) {
        let (Some(lat), Some(lon)) = msg_latlon(&msg.body) else {
            return;
        };
        let main = self
            .engine
            .picture()
            .vessel(msg.mmsi)
            .filter(|v| v.has_fix())
            .map(|v| (v.lat_deg, v.lon_deg, v.fix_ms));
        let gap_ms = (self.cfg.spoofing.episode_gap_s * 1000.0) as i64;
        let open = self.tracks[slot as usize]
            .teleport
            .as_ref()
            .is_some_and(|e| t - e.end_ms <= gap_ms);
        if !open && self.tracks[slot as usize].teleport.is_some() {
            let e = self.tracks[slot as usize].teleport.take().expect("checked");
            if let Some(f) = self.episode_finding(slot as usize, &e, "teleport") {
                out.push(f);
            }
        }
        let tr = &mut self.tracks[slot as usize];
        let e = tr.teleport.get_or_insert_with(|| {
            Box::new(Episode::new(
                t,
                lat,
                lon,
                "positions implying an impossible speed",
            ))
        });
        e.end_ms = t;
        e.positions += 1;
        e.rejected += 1;
        if conflict {
            e.conflicts += 1;
        }
        if let Some((mlat, mlon, mt)) = main {
            if e.other.is_none() {
                e.other = Some((mlat, mlon));
            }
            let jump = finisterra_nav::geo::distance_m(mlat, mlon, lat, lon);
            if jump.is_finite() {
                e.max_jump_m = if e.max_jump_m.is_nan() {
                    jump
                } else {
                    e.max_jump_m.max(jump)
                };
                let dt_s = ((t - mt).max(1000)) as f64 / 1000.0;
                let v = jump / dt_s / MPS_PER_KN;
                e.max_speed_kn = if e.max_speed_kn.is_nan() {
                    v
                } else {
                    e.max_speed_kn.max(v)
                };
            }
        }
    }

    fn on_fix(&mut self, slot: u32, fix: Fix, jumped: bool, out: &mut Vec<Finding>) {
        if let Some(v) = self.export.as_mut() {
            v.push(AcceptedPosition {
                mmsi: self.tracks[slot as usize].mmsi,
                time_ms: fix.t,
                lat: fix.lat,
                lon: fix.lon,
                sog_kn: fix.sog,
                cog_deg: fix.cog,
            });
        }
        let prev = self.tracks[slot as usize].last;
        let det = self.cfg.detectors;
        if let Some(p) = prev.filter(|_| det.gaps) {
            if (fix.t - p.t) as f64 >= self.cfg.gap.min_duration_s * 1000.0 {
                if let Some(g) = self.gap(slot as usize, &p, &fix) {
                    out.push(Finding::Gap(g));
                }
            }
        }
        self.tracks[slot as usize].hourly.add(fix.t);
        let nm_gap_ms = (self.cfg.near_miss.max_interpolation_s * 1000.0) as i64;
        if det.near_misses && prev.is_some_and(|p| jumped || fix.t - p.t > nm_gap_ms) {
            self.nm.break_track(&mut self.tracks, slot, out);
        }
        if det.spoofing {
            self.check_land(slot as usize, &fix, jumped, out);
            self.check_speed(slot as usize, &fix, jumped, out);
        }
        {
            let tr = &mut self.tracks[slot as usize];
            tr.prev_fix = if jumped { None } else { prev };
            tr.last = Some(fix);
        }
        if det.near_misses {
            self.nm.on_fix(&mut self.tracks, slot, fix, out);
        }
        if !(det.encounters || det.loitering) {
            return;
        }
        let rprev = if jumped {
            None
        } else {
            prev.map(|p| (p.t, p.lat, p.lon, p.sog))
        };
        self.rs.on_piece(
            &mut self.tracks,
            slot,
            rprev,
            (fix.t, fix.lat, fix.lon, fix.sog),
            &self.land,
            out,
        );
    }

    fn shore_m(&self, lat: f64, lon: f64, at_least_m: f64) -> Option<f64> {
        self.land.distance_to_coast_within_m(
            lat,
            lon,
            self.cfg.shore_search_m.max(at_least_m * 1.01),
        )
    }

    fn gap(&self, slot: usize, p: &Fix, f: &Fix) -> Option<Gap> {
        let gc = &self.cfg.gap;
        let min_m = gc.min_shore_distance_nm * M_PER_NM;
        let s0 = self.shore_m(p.lat, p.lon, min_m);
        if s0.is_some_and(|d| d <= min_m) {
            return None;
        }
        let s1 = self.shore_m(f.lat, f.lon, min_m);
        if s1.is_some_and(|d| d <= min_m) {
            return None;
        }
        let tr = &self.tracks[slot];
        let p12 = tr.hourly.count_before(p.t, 12);
        let p48 = tr.hourly.count_before(p.t, 48);
        let gap_h = (f.t - p.t) as f64 / 3.6e6;
        let expected = p12 as f64 * gap_h.min(48.0) / 12.0;
        if expected < gc.min_expected_positions {
            return None;
        }
        let dist_m = finisterra_nav::geo::distance_m(p.lat, p.lon, f.lat, f.lon);
        let dist_m = if dist_m.is_finite() {
            dist_m
        } else {
            quick_distance_m(p.lat, p.lon, f.lat, f.lon)
        };
        Some(Gap {
            mmsi: tr.mmsi,
            name: tr.name.clone(),
            ship_type: tr.ship_type,
            start_time: TimeMs(p.t),
            end_time: TimeMs(f.t),
            duration_h: round(gap_h, 3),
            lat: round(p.lat, 6),
            lon: round(p.lon, 6),
            end_lat: round(f.lat, 6),
            end_lon: round(f.lon, 6),
            distance_nm: round(dist_m / M_PER_NM, 2),
            implied_speed_kn: round(dist_m / M_PER_NM / gap_h, 2),
            start_shore_distance_nm: s0.map(|d| round(d / M_PER_NM, 1)),
            end_shore_distance_nm: s1.map(|d| round(d / M_PER_NM, 1)),
            positions_12h_before: p12,
            positions_48h_before: p48,
            positions_per_hour_12h: round(p12 as f64 / 12.0, 2),
            positions_per_hour_48h: round(p48 as f64 / 48.0, 2),
            expected_positions: round(expected, 1),
        })
    }

    fn check_land(&mut self, slot: usize, fix: &Fix, jumped: bool, out: &mut Vec<Finding>) {
        let min_inland = self.cfg.spoofing.on_land_min_inland_m;
        if min_inland < 0.0 {
            return;
        }
        // A 1° cell with no coast in it is all land or all sea: one answer
        // per cell.
        let bound = self.land.clearance_lower_bound_m(fix.lat, fix.lon);
        let inland = if bound > 0.0 {
            let key = ((fix.lat.floor() + 90.0) as u32) * 360 + (fix.lon.floor() + 180.0) as u32;
            let land = &self.land;
            let is_land = *self
                .deep_cells
                .entry(key)
                .or_insert_with(|| land.is_land(fix.lat, fix.lon));
            if !is_land {
                return;
            }
            let open = self.tracks[slot].on_land.is_some();
            if open && bound >= min_inland {
                bound
            } else {
                self.land
                    .distance_to_coast_within_m(fix.lat, fix.lon, self.cfg.shore_search_m)
                    .unwrap_or(self.cfg.shore_search_m)
            }
        } else {
            let reuse_m = (min_inland * 0.5).clamp(50.0, 500.0);
            let tr = &self.tracks[slot];
            if let Some((la, lo)) = tr.land_checked {
                if quick_distance_m(la, lo, fix.lat, fix.lon) < reuse_m {
                    // Same place as last checked: same answer (on land
                    // when the last fix was counted in the episode).
                    let inside = tr
                        .on_land
                        .as_ref()
                        .is_some_and(|e| e.end_ms == tr.last.map_or(i64::MIN, |l| l.t));
                    if inside {
                        self.stats.on_land.beyond_margin += 1;
                        self.add_on_land(slot, fix, jumped, f64::NAN);
                    }
                    return;
                }
            }
            self.tracks[slot].land_checked = Some((fix.lat, fix.lon));
            if !self.land.is_land(fix.lat, fix.lon) {
                return;
            }
            self.land
                .distance_to_coast_within_m(fix.lat, fix.lon, self.cfg.shore_search_m)
                .unwrap_or(self.cfg.shore_search_m)
        };
        if inland < min_inland {
            return;
        }
        self.stats.on_land.beyond_margin += 1;
        if self.in_inland_water(fix.lat, fix.lon) {
            self.stats.on_land.inland_water += 1;
            return;
        }
        let gap_ms = (self.cfg.spoofing.episode_gap_s * 1000.0) as i64;
        if self.tracks[slot]
            .on_land
            .as_ref()
            .is_some_and(|e| fix.t - e.end_ms > gap_ms)
        {
            let e = self.tracks[slot].on_land.take().expect("checked");
            if let Some(f) = self.episode_finding(slot, &e, "on_land") {
                out.push(f);
            }
        }
        self.add_on_land(slot, fix, jumped, inland);
    }

    /// Within the margin of a lake or river of the inland-water layer.
    fn in_inland_water(&self, lat: f64, lon: f64) -> bool {
        let Some(w) = &self.water else {
            return false;
        };
        let margin_m = self.cfg.spoofing.on_land_min_inland_m;
        w.is_land(lat, lon) || w.distance_to_coast_within_m(lat, lon, margin_m).is_some()
    }

    /// One more position on land beyond the margin and outside the mapped
    /// waters: evidence of water if the vessel came there moving (under
    /// way, or from her previous fix at least a cell away, not across a
    /// jump), and part of her `on_land` episode, judged when it ends.
    fn add_on_land(&mut self, slot: usize, fix: &Fix, jumped: bool, inland_m: f64) {
        if self.traffic_water.is_water(fix.lat, fix.lon) {
            self.stats.on_land.traffic_water += 1;
            return;
        }
        let tr = &self.tracks[slot];
        let came = !jumped
            && tr.last.is_some_and(|p| {
                quick_distance_m(p.lat, p.lon, fix.lat, fix.lon) >= self.cfg.spoofing.water_cell_m
            });
        if fix.underway || came {
            self.traffic_water.record(fix.lat, fix.lon, tr.mmsi);
        }
        let key = self.traffic_water.cell_of(fix.lat, fix.lon);
        let e = self.tracks[slot].on_land.get_or_insert_with(|| {
            Box::new(Episode::new(fix.t, fix.lat, fix.lon, "positions on land"))
        });
        e.end_ms = fix.t;
        e.positions += 1;
        let at = match e.land_cells.iter().rposition(|c| c.key == key) {
            Some(i) => i,
            None => {
                e.land_cells.push(LandCell {
                    key,
                    lat: fix.lat,
                    lon: fix.lon,
                    first_ms: fix.t,
                    last_ms: fix.t,
                    positions: 0,
                    max_inland_m: f64::NAN,
                });
                e.land_cells.len() - 1
            }
        };
        let c = &mut e.land_cells[at];
        c.last_ms = fix.t;
        c.positions += 1;
        if !inland_m.is_nan() {
            c.max_inland_m = if c.max_inland_m.is_nan() {
                inland_m
            } else {
                c.max_inland_m.max(inland_m)
            };
        }
    }

    /// An ended `on_land` episode without the positions in places the
    /// traffic has shown to be water by now (`None`: nothing left).
    fn on_land_remainder(&mut self, e: &Episode) -> Option<Episode> {
        let mut kept: Option<Episode> = None;
        for c in &e.land_cells {
            if self.traffic_water.is_water(c.lat, c.lon) {
                self.stats.on_land.traffic_water += c.positions as u64;
                continue;
            }
            self.stats.on_land.reported += c.positions as u64;
            let k = kept.get_or_insert_with(|| {
                let mut k = Episode::new(c.first_ms, c.lat, c.lon, e.detail);
                k.end_ms = c.last_ms;
                k
            });
            if c.first_ms < k.start_ms {
                (k.start_ms, k.lat, k.lon) = (c.first_ms, c.lat, c.lon);
            }
            k.end_ms = k.end_ms.max(c.last_ms);
            k.positions += c.positions;
            if !c.max_inland_m.is_nan() {
                k.max_inland_m = if k.max_inland_m.is_nan() {
                    c.max_inland_m
                } else {
                    k.max_inland_m.max(c.max_inland_m)
                };
            }
        }
        kept
    }

    fn check_speed(&mut self, slot: usize, fix: &Fix, jumped: bool, out: &mut Vec<Finding>) {
        let window_ms = (self.cfg.spoofing.speed_window_s * 1000.0) as i64;
        if window_ms <= 0 {
            return;
        }
        let tr = &mut self.tracks[slot];
        let Some(limit) = max_speed_for_type_kn(tr.ship_type) else {
            tr.speed_anchor = None;
            return;
        };
        let Some((t0, lat0, lon0)) = tr.speed_anchor.filter(|_| !jumped) else {
            tr.speed_anchor = Some((fix.t, fix.lat, fix.lon));
            return;
        };
        if fix.t - t0 < window_ms {
            return;
        }
        tr.speed_anchor = Some((fix.t, fix.lat, fix.lon));
        let d = quick_distance_m(lat0, lon0, fix.lat, fix.lon);
        let v = d / ((fix.t - t0) as f64 / 1000.0) / MPS_PER_KN;
        if v <= limit {
            return;
        }
        let gap_ms = (self.cfg.spoofing.episode_gap_s * 1000.0) as i64;
        if tr.speed.as_ref().is_some_and(|e| fix.t - e.end_ms > gap_ms) {
            let e = tr.speed.take().expect("checked");
            if let Some(f) = self.episode_finding(slot, &e, "implausible_speed") {
                out.push(f);
            }
        }
        let tr = &mut self.tracks[slot];
        let e = tr.speed.get_or_insert_with(|| {
            Box::new(Episode::new(
                t0,
                lat0,
                lon0,
                "track faster than its ship type can go",
            ))
        });
        e.end_ms = fix.t;
        e.positions += 1;
        e.other = Some((fix.lat, fix.lon));
        e.max_speed_kn = if e.max_speed_kn.is_nan() {
            v
        } else {
            e.max_speed_kn.max(v)
        };
    }

    /// Emits the vessel's finished episodes (all of them with `all`).
    fn close_episodes(&mut self, slot: usize, all: bool, out: &mut Vec<Finding>) {
        let now = self.now_ms;
        let gap_ms = (self.cfg.spoofing.episode_gap_s * 1000.0) as i64;
        let done =
            |e: &Option<Box<Episode>>| e.as_ref().is_some_and(|e| all || now - e.end_ms > gap_ms);
        let tr = &mut self.tracks[slot];
        let mut eps: Vec<(Box<Episode>, &'static str)> = Vec::new();
        if done(&tr.teleport) {
            eps.push((tr.teleport.take().expect("checked"), "teleport"));
        }
        if done(&tr.speed) {
            eps.push((tr.speed.take().expect("checked"), "implausible_speed"));
        }
        if done(&tr.on_land) {
            eps.push((tr.on_land.take().expect("checked"), "on_land"));
        }
        if all {
            if let Some(e) = tr.invalid.take() {
                if e.positions > 0 {
                    eps.push((e, "invalid_mmsi"));
                }
            }
        }
        for (e, kind) in eps {
            if let Some(f) = self.episode_finding(slot, &e, kind) {
                out.push(f);
            }
        }
    }

    fn episode_finding(&mut self, slot: usize, e: &Episode, kind: &'static str) -> Option<Finding> {
        let remainder;
        let e = if kind == "on_land" {
            remainder = self.on_land_remainder(e)?;
            &remainder
        } else {
            e
        };
        let tr = &self.tracks[slot];
        let kind = if kind == "teleport" && e.conflicts > 0 {
            "identity_conflict"
        } else {
            kind
        };
        let detail = match kind {
            "identity_conflict" => format!(
                "a second transmitter with this MMSI: {} of {} rejected positions were consistent with each other while the main track kept reporting",
                e.conflicts, e.rejected
            ),
            "teleport" if e.reacquired > 0 => format!(
                "{} positions implying an impossible speed; the vessel was then found at the new position",
                e.rejected
            ),
            _ => e.detail.to_string(),
        };
        let opt = |v: f64| v.is_finite().then_some(v);
        Some(Finding::Spoofing(Spoofing {
            kind,
            mmsi: tr.mmsi,
            name: tr.name.clone(),
            ship_type: tr.ship_type,
            flag: flag_of_mmsi(tr.mmsi).map(str::to_string),
            start_time: TimeMs(e.start_ms),
            end_time: TimeMs(e.end_ms),
            lat: round(e.lat, 6),
            lon: round(e.lon, 6),
            other_lat: e.other.map(|o| round(o.0, 6)),
            other_lon: e.other.map(|o| round(o.1, 6)),
            positions: e.positions,
            rejected_positions: e.rejected,
            conflict_fixes: e.conflicts,
            max_jump_nm: opt(e.max_jump_m).map(|m| round(m / M_PER_NM, 2)),
            max_implied_speed_kn: opt(e.max_speed_kn).map(|v| round(v, 1)),
            max_inland_m: opt(e.max_inland_m).map(|v| round(v, 0)),
            detail,
        }))
    }
}

/// Findings of a whole run, sorted into their kinds (convenience for
/// tests and small inputs; long runs should stream).
pub fn run_all(
    cfg: CensusConfig,
    land: Land,
    messages: impl IntoIterator<Item = (AisMessage, i64)>,
) -> Result<(BTreeMap<Kind, Vec<Finding>>, CensusStats), CensusError> {
    let mut c = Census::new(cfg, land)?;
    let mut out = Vec::new();
    for (m, t) in messages {
        c.push(&m, t, &mut out);
    }
    c.finish(&mut out);
    let mut by: BTreeMap<Kind, Vec<Finding>> = BTreeMap::new();
    for f in out {
        by.entry(f.kind()).or_default().push(f);
    }
    Ok((by, c.stats()))
}

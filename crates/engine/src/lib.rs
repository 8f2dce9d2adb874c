//! The traffic picture and its detectors: AIS messages in, [`Event`]s out.
//!
//! - [`Picture`]: one state per MMSI (position, motion, status, static
//!   data merged from messages 5, 19 and 24), aids to navigation and base
//!   stations kept apart as fixed objects. Bad data never enters it:
//!   sentinels, positions outside the earth, `0°, 0°`, and jumps implying an
//!   impossible speed are rejected and counted, and a second transmitter
//!   using the same MMSI does not make a ship jump back and forth.
//! - Screening: every [`Config::screen_interval_s`] of data time, every
//!   vessel is predicted (dead reckoning) to that time and **every pair**
//!   that could meet within the horizon is examined, found through a grid
//!   over each vessel's swept path (cost grows with close pairs, not N²).
//! - Risks: `risk.raised` at once, `risk.updated` only on a material change,
//!   `risk.cleared` with hysteresis; each with the COLREGs ruling and the
//!   smallest manoeuvre that clears every nearby vessel
//!   ([`finisterra_nav`]).
//! - `distress` for AIS-SART, MOB and EPIRB devices and safety broadcasts;
//!   `target.lost` when a vessel stops reporting.
//!
//! Deterministic: time comes with the data (`time_ms` of each message), the
//! engine never reads a clock, and the same messages give the same events,
//! whether replayed or live.
//!
//! ```
//! use finisterra_engine::{Engine, Config};
//! use finisterra_ais::decode;
//! let mut engine = Engine::new(Config::default());
//! let mut events = Vec::new();
//! let msg = decode(b"15RTgt0PAso;90TKcjM8h6g208CQ", 0).unwrap();
//! let outcome = engine.ingest(&msg, 1_700_000_000_000, &mut events);
//! assert!(outcome.is_taken());
//! assert_eq!(engine.picture().vessel(371_798_000).unwrap().sog_kn, Some(12.3));
//! ```

mod advising;
pub mod air;
mod clock;
mod config;
mod csv;
mod event;
mod hazard;
mod par;
mod picture;
pub mod pipeline;
mod risk;
mod rules;
mod screen;
mod snapshot;
mod statics;
mod zone;

use std::cell::{Cell, OnceCell, RefCell};
use std::sync::Arc;

use finisterra_ais::{AisMessage, Body};
use serde::{Deserialize, Serialize};

pub use air::{
    AirConfig, AirConflict, AirConflictCleared, AirId, AirStats, Aircraft, AircraftRef,
    AirspaceAlert,
};
pub use clock::{
    Admitted, ClockStats, DataClock, TimePolicy, TimeReject, LIVE_AHEAD_TOLERANCE_MS, MAX_JUMP_MS,
    MAX_TIME_MS, MIN_TIME_MS,
};
pub use config::{nearest_name, Config, ConfigError, HazardConfig, PictureConfig, RiskConfig};
pub use csv::csv_field;
pub use event::{
    iso8601, AdviceItem, Distress, Event, EventBody, EventKind, HazardCleared, HazardRef,
    HazardRisk, IsoTime, Level, NotToImpede, Risk, RiskCleared, TargetLost, VesselRef, ZoneAlert,
    ZoneRef,
};
pub use finisterra_geofence as geofence;
pub use hazard::Geography;
pub use picture::{
    FastHasher, FastMap, FixOutcome, FixedObject, Picture, PictureStats, StaticData, Vessel,
    VesselClass,
};
pub use pipeline::{Pipeline, PipelineStats, Stamp, TimeSource};
pub use risk::OpenRisk;
pub use snapshot::{SnapshotError, MAGIC as SNAPSHOT_MAGIC, VERSION as SNAPSHOT_VERSION};

use picture::MmsiMap;
use risk::{PairAssessment, Pass, Quick, RiskBook};
use screen::{
    build_grid, flat_cpa, flat_range, moved_to, overlapping, pairs_in_cells, rough_near, snap_at,
    snapshots, swept_box, Motion, Snap,
};

/// Marks a vessel with a fix lost once she has been silent longer than her
/// class's limit at `now_ms`; `true` when she is lost only now.
fn mark_lost_if_silent(v: &mut Vessel, pc: &PictureConfig, now_ms: i64) -> bool {
    if !v.has_fix() || v.lost {
        return false;
    }
    let limit_s = (v.reporting_interval_s() * pc.lost_after_intervals)
        .clamp(pc.lost_min_s, pc.lost_max_s.max(pc.lost_min_s));
    v.lost = (now_ms - v.fix_ms) as f64 > limit_s * 1000.0;
    v.lost
}

/// A vessel as events show it, at its last fix (no dead reckoning).
fn vessel_ref_of(v: &Vessel) -> VesselRef {
    VesselRef {
        mmsi: v.mmsi,
        name: v.static_data.name.as_deref().map(str::to_owned),
        lat: v.lat_deg,
        lon: v.lon_deg,
        sog_kn: v.sog_kn.unwrap_or(f64::NAN),
        cog_deg: v.cog_deg.unwrap_or(f64::NAN),
        heading_deg: v.heading_deg,
        ship_type: v.static_data.ship_type,
        nav_status: v.nav_status,
    }
}

/// Bound on the speed used to size neighbourhoods, knots.
const MAX_REACH_SOG_KN: f64 = 60.0;

/// The key of a pair: lower MMSI first.
fn pair_key<M: Motion>(a: &M, b: &M) -> (u32, u32) {
    if a.mmsi() < b.mmsi() {
        (a.mmsi(), b.mmsi())
    } else {
        (b.mmsi(), a.mmsi())
    }
}

/// The quick figures of a pair, when it is close enough (or already at
/// risk, `open`) to be judged; `i`, `j` index the caller's snapshots.
fn close_pair<M: Motion>(
    cfg: &Config,
    a: &M,
    b: &M,
    open: bool,
    i: usize,
    j: usize,
) -> Option<PairAssessment> {
    let r = &cfg.risk;
    let f = r.clear_factor.max(1.0);
    let flat_cpa_m = r.warning_cpa_nm * 1852.0 * f * 1.02 + 30.0;
    let flat_tcpa_s = r.warning_tcpa_s * f;
    if !open {
        // A cheap first look; the margins cover its few percent.
        if !rough_near(a, b, flat_cpa_m * 1.1 + 100.0, -120.0, flat_tcpa_s * 1.1) {
            return None;
        }
    }
    let (cpa_m, tcpa_s, rel) = flat_cpa(a, b);
    let close = cpa_m < flat_cpa_m && tcpa_s > -60.0 && tcpa_s < flat_tcpa_s;
    if !(open || close) {
        return None;
    }
    let range_m = flat_range(a, b);
    let (x, y) = pair_key(a, b);
    Some(PairAssessment {
        i,
        j,
        key: risk::packed((x, y)),
        q: Quick {
            cpa_nm: cpa_m / 1852.0,
            tcpa_s,
            range_nm: range_m / 1852.0,
        },
        rel_speed_kn: rel / (1852.0 / 3600.0),
        open,
    })
}

/// Whether a vessel's place in the last pass's grid no longer holds her:
/// she turned or changed speed, or is off her dead-reckoned track.
fn grid_is_stale(old: &Snap, now: &Snap, pass_ms: i64, t_ms: i64) -> bool {
    if old.stationary != now.stationary {
        return true;
    }
    let turned = old.sog.min(now.sog) >= 1.0
        && finisterra_nav::geo::normalize_deg_180(now.cog - old.cog).abs() > 2.0;
    if turned || (now.sog - old.sog).abs() > 0.5 {
        return true;
    }
    let dt = (t_ms - pass_ms) as f64 / 1000.0;
    let k = 6_371_000.0_f64.to_radians();
    let ex =
        finisterra_nav::geo::wrap_lon_once_deg(now.lon - old.lon) * k * old.cos_lat - old.ve * dt;
    let ny = (now.lat - old.lat) * k - old.vn * dt;
    ex.hypot(ny) > 100.0
}

/// What the engine did with one message.
#[must_use = "say what became of the message, or ignore it with `let _ =`"]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ingested {
    /// Judged at `time`; `fix` says what became of its position.
    Taken {
        /// The time it was judged at.
        time: Admitted,
        /// Its position: taken, refused (with the reason), or none.
        fix: FixOutcome,
    },
    /// Its time was refused: not judged.
    TimeRejected(TimeReject),
}

impl Ingested {
    /// `true` unless the time was refused.
    pub fn is_taken(&self) -> bool {
        matches!(self, Ingested::Taken { .. })
    }
}

/// Counters of the engine.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EngineStats {
    /// Screening passes run.
    pub screenings: u64,
    /// Vessels screened in the last pass.
    pub last_screened_vessels: u64,
    /// Candidate pairs examined in all passes.
    pub candidate_pairs: u64,
    /// Pairs that got the precise CPA.
    pub precise_pairs: u64,
    /// Pairs judged on arrival of a position (between passes).
    pub arrival_pairs: u64,
    /// Advice plans computed (one per vessel that must act, per pass or
    /// arrival that assesses one of her risks in full).
    pub advice_plans: u64,
    /// Vessels within reach over all those plans (the search's targets).
    pub advice_targets: u64,
    /// Events emitted, by kind.
    #[serde(deserialize_with = "crate::snapshot::label_counts")]
    pub events: Vec<(crate::snapshot::Label, u64)>,
    /// Messages ignored for their time: (outside 1990-2100, unconfirmed
    /// jump of more than six hours ahead).
    pub rejected_times: (u64, u64),
    /// Risk events of a pass worked out apart ([`Config::pass_lag_s`])
    /// not told because an arrival judged the pair since the pass.
    #[serde(default)]
    pub pass_events_superseded: u64,
    /// Screening passes worked out apart ([`Config::pass_lag_s`]).
    #[serde(default)]
    pub passes_apart: u64,
}

/// The engine: picture, screening and detectors.
#[derive(Debug)]
pub struct Engine {
    cfg: Config,
    picture: Picture,
    risks: RiskBook,
    clock: DataClock,
    next_screen_ms: Option<i64>,
    /// When [`Engine::observe`] next ages the picture.
    next_observed_age_ms: Option<i64>,
    next_id: u64,
    stats: EngineStats,
    distress_seen: MmsiMap<Vec<(&'static str, i64)>>,
    scratch: screen::PairScratch,
    /// The last pass's snapshot.
    snap_buf: Vec<Snap>,
    /// Memory for the next pass's snapshot, its index and its grid.
    snap_next: Vec<Snap>,
    snap_of_slot_next: Vec<u32>,
    scratch_next: screen::PairScratch,
    /// A pass worked out apart, its findings not told yet.
    pending: Option<PendingPass>,
    /// The books a told pass started from, freed by the next pass's
    /// thread (freeing them here would hold up the next message).
    retired: Option<Retired>,
    /// The other threads' snapshots while a pass makes them.
    snap_runs: Vec<Vec<Snap>>,
    /// Shared with a pass worked out apart.
    geo: Arc<Geography>,
    hazards: hazard::HazardBook,
    zones: zone::ZoneBook,
    /// Data time of the last screening pass (the grid's time), ms.
    pass_ms: i64,
    /// Snapshot index of each picture slot at the last pass (`u32::MAX`:
    /// not screened then).
    snap_of_slot: Vec<u32>,
    /// Vessels that reported since the last pass with a motion the grid
    /// does not hold (new, re-acquired, turned, changed speed).
    movers: screen::Movers,
    /// Fastest vessel of the last pass, knots (bounded).
    max_sog_kn: f64,
    /// Work memory of the check on arrival.
    near_buf: Vec<u32>,
    /// The air picture, its conflicts and airspace alerts.
    air: air::AirState,
    /// Identity of each zone, by index (for the airspace alerts).
    zone_keys: Vec<std::sync::Arc<str>>,
    /// Threads a screening pass may use (1: this one only).
    threads: par::Threads,
    /// Whether vessels are screened for collision risk, hazards and zone
    /// predictions (off only for a picture-only engine: the census).
    screening: bool,
}

impl Engine {
    /// A new engine.
    pub fn new(cfg: Config) -> Engine {
        Engine {
            cfg,
            picture: Picture::default(),
            risks: RiskBook::default(),
            clock: DataClock::default(),
            next_screen_ms: None,
            next_observed_age_ms: None,
            next_id: 1,
            stats: EngineStats::default(),
            distress_seen: MmsiMap::default(),
            scratch: screen::PairScratch::default(),
            snap_buf: Vec::new(),
            snap_next: Vec::new(),
            snap_of_slot_next: Vec::new(),
            scratch_next: screen::PairScratch::default(),
            pending: None,
            retired: None,
            snap_runs: Vec::new(),
            geo: Arc::new(Geography::default()),
            hazards: hazard::HazardBook::default(),
            zones: zone::ZoneBook::default(),
            pass_ms: i64::MIN,
            snap_of_slot: Vec::new(),
            movers: screen::Movers::default(),
            max_sog_kn: 0.0,
            threads: par::Threads::default(),
            screening: true,
            near_buf: Vec::new(),
            air: air::AirState::new(cfg.air),
            zone_keys: Vec::new(),
        }
    }

    /// Lets a screening pass use `threads` threads (default 1): the
    /// candidate pairs cell by cell, their closest approaches, and the
    /// advice of the risks it assesses in full are worked out side by
    /// side and put back in order. The events are the same whatever the
    /// number; only the time taken changes.
    pub fn set_threads(&mut self, threads: usize) {
        self.threads.n = threads.max(1);
    }

    /// Turns the screening of vessels off (on by default): no check on
    /// arrival, and a pass only ages the picture (no risks, hazards or zone
    /// predictions; the air picture and the zones' entries and exits are
    /// judged as ever). For a caller that wants the picture alone (the
    /// census: which positions the picture accepts, and when vessels are
    /// lost), at a fraction of the cost. Not a setting of [`Config`]: no
    /// configuration file can turn collision screening off, and a snapshot
    /// does not carry it (the caller sets it again, as the threads).
    pub fn set_picture_only(&mut self) {
        self.screening = false;
    }

    /// Below `items` candidate pairs (or vessels to advise) a pass stays on
    /// one thread (default 4,096: a thread costs tens of microseconds).
    /// For tests that need the threads on small inputs.
    #[doc(hidden)]
    pub fn set_parallel_min_items(&mut self, items: usize) {
        self.threads.min_items = items.max(1);
    }

    /// Numbers the next event `id` (event ids then continue across
    /// restarts, when the caller keeps the last id).
    pub fn set_next_event_id(&mut self, id: u64) {
        self.next_id = id.max(1);
    }

    /// The picture only, for a server whose judgement is made elsewhere
    /// (`serve --nats`: the workers of a distributed run judge and report;
    /// the server shows their vessels): one message, whose time was
    /// admitted already (by ingest's data-time gate), taken into the
    /// picture at `time_ms` — no detector, no screening, no event, no id
    /// used. The data clock moves; see [`Engine::observe_time`].
    pub fn observe(&mut self, msg: &AisMessage, time_ms: i64) -> FixOutcome {
        self.observe_time(time_ms);
        self.picture.ingest(msg, time_ms, &self.cfg.picture)
    }

    /// An aircraft's message for [`Engine::observe`]'s picture (time
    /// admitted already): its identity, altitude, velocity and position
    /// merged into the air picture — no conflict, no airspace, no event.
    pub fn observe_air(&mut self, msg: &finisterra_modes::AirMessage, time_ms: i64) {
        self.observe_time(time_ms);
        let _ = self.air.ingest(msg, time_ms);
    }

    /// Data time passed for [`Engine::observe`]'s picture (a message, or a
    /// tick of a quiet feed): at each screening boundary, vessels silent
    /// past their limit are marked lost and vessels silent past
    /// `forget_after_s` forgotten, as the screening does, but silently (the
    /// judging side reports `target.lost`). Times outside 1990-2100 are
    /// ignored.
    pub fn observe_time(&mut self, time_ms: i64) {
        let Some(now) = self.clock.advance(time_ms) else {
            return;
        };
        let interval = self.cfg.screen_interval_ms();
        match self.next_observed_age_ms {
            Some(next) if now < next => return,
            _ => self.next_observed_age_ms = Some((now.div_euclid(interval) + 1) * interval),
        }
        let pc = self.cfg.picture;
        for v in self.picture.slots.iter_mut() {
            mark_lost_if_silent(v, &pc, now);
        }
        self.air.age_silently(now);
        let forget_ms = (pc.forget_after_s * 1000.0) as i64;
        self.picture
            .retain_vessels(|v| now - v.last_seen_ms <= forget_ms);
        self.picture
            .fixed
            .retain(|_, o| now - o.last_seen_ms <= forget_ms);
    }

    /// Takes the next event id for an event judged elsewhere (a worker's,
    /// read back from the broker by the server), so that the ids of a
    /// server's events stay one increasing sequence.
    pub fn take_event_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Sets the fixed geography (land, hazards, zones) to judge against,
    /// before the first message. While running, change zones and hazards
    /// with [`Engine::set_zones`] and [`Engine::set_hazards`], which carry
    /// the open alerts over.
    pub fn set_geography(&mut self, geo: Geography) {
        let mut out = Vec::new();
        self.settle(&mut out);
        let g = Arc::make_mut(&mut self.geo);
        let zones = std::mem::take(&mut g.zones);
        let hazards = std::mem::take(&mut g.hazards);
        *g = geo;
        let (new_zones, new_hazards) = (
            std::mem::replace(&mut g.zones, zones),
            std::mem::replace(&mut g.hazards, hazards),
        );
        self.set_zones(new_zones, &mut out);
        self.set_hazards(new_hazards, &mut out);
        // Nothing can be open before the first message; later the caller
        // should have used set_zones / set_hazards to see these events.
        debug_assert!(out.is_empty() || self.clock.now_ms().is_some());
    }

    /// Replaces the zones while running. Open zone alerts follow their zone
    /// by identity (feature `id`, else name), never by place in the list:
    /// alerts of a removed zone are cleared (`zone_removed`), alerts whose
    /// rule no longer holds after the change are cleared (`zone_changed`),
    /// and vessels already inside a keep-out (outside a keep-in) zone that
    /// applies to them raise a violation at once. Events go to `out`.
    pub fn set_zones(&mut self, zones: finisterra_geofence::Zones, out: &mut Vec<Event>) {
        self.settle(out);
        Arc::make_mut(&mut self.geo).zones = zones;
        let t_ms = self.clock.now_ms().unwrap_or(clock::MIN_TIME_MS);
        self.zone_keys = zone::zone_keys(&self.geo.zones);
        let mut bodies = Vec::new();
        self.air.zones_changed(&self.zone_keys, &mut bodies);
        for b in bodies {
            self.emit(t_ms, b, out);
        }
        let mut vessels: Vec<zone::VesselNow> = Vec::new();
        if self.clock.now_ms().is_some() {
            for v in self.picture.vessels() {
                if !v.has_fix() || v.lost {
                    continue;
                }
                vessels.push(zone::VesselNow {
                    facts: zone::facts(v),
                    fix: finisterra_geofence::zones::Fix {
                        lat_deg: v.lat_deg,
                        lon_deg: v.lon_deg,
                        time_ms: v.fix_ms,
                    },
                    sog_kn: v.sog_kn,
                    vessel: vessel_ref_of(v),
                });
            }
        }
        vessels.sort_by_key(|v| v.facts.mmsi);
        for b in self.zones.replace(&self.geo.zones, t_ms, &vessels) {
            self.emit(t_ms, b, out);
        }
    }

    /// Replaces the user hazards while running: an open hazard follows its
    /// user hazard by identity (feature `id`, else name) or is cleared
    /// (`hazard_removed`); every vessel is checked again at the next pass.
    pub fn set_hazards(&mut self, hazards: finisterra_geofence::Hazards, out: &mut Vec<Event>) {
        self.settle(out);
        let old = std::mem::replace(&mut Arc::make_mut(&mut self.geo).hazards, hazards);
        let t_ms = self.clock.now_ms().unwrap_or(clock::MIN_TIME_MS);
        for b in self.hazards.replace(&old, &self.geo.hazards, t_ms) {
            self.emit(t_ms, b, out);
        }
    }

    /// The fixed geography.
    pub fn geography(&self) -> &Geography {
        &self.geo
    }

    /// How data times are admitted (see [`DataClock`]).
    pub fn set_time_policy(&mut self, policy: TimePolicy) {
        self.clock.set_policy(policy);
    }

    /// The data clock (policy, time, counters).
    pub fn clock(&self) -> &DataClock {
        &self.clock
    }

    /// Open hazards (vessels whose track leads to land or a hazard).
    pub fn open_hazards(&self) -> impl Iterator<Item = &HazardRisk> {
        match &self.pending {
            Some(p) => p.hazards_before.open(),
            None => self.hazards.open(),
        }
    }

    /// Open zone violations.
    pub fn zone_violations(&self) -> impl Iterator<Item = &ZoneAlert> {
        self.zones.violations()
    }

    /// Open zone predictions.
    pub fn zone_predictions(&self) -> impl Iterator<Item = &ZoneAlert> {
        self.zones.predictions()
    }

    /// The settings.
    pub fn config(&self) -> &Config {
        &self.cfg
    }

    /// The traffic picture.
    pub fn picture(&self) -> &Picture {
        &self.picture
    }

    /// Counters of the picture.
    pub fn picture_stats(&self) -> &PictureStats {
        &self.picture.stats
    }

    /// Counters of the engine.
    pub fn stats(&self) -> &EngineStats {
        &self.stats
    }

    /// The open risks, in pair order.
    pub fn open_risks(&self) -> impl Iterator<Item = &OpenRisk> {
        // With a pass pending, the two books merged; else the book as it is.
        let (merged, book) = match &self.pending {
            Some(p) => (Some(p.book.risks()), None),
            None => (None, Some(self.risks.open().values())),
        };
        merged
            .into_iter()
            .flatten()
            .chain(book.into_iter().flatten())
    }

    /// Aids to navigation and base stations.
    pub fn fixed_objects(&self) -> impl Iterator<Item = &FixedObject> {
        self.picture.fixed.values()
    }

    /// The next data time at which the engine has work of its own (the next
    /// screening pass: ageing, dead reckoning, predictions), ms. A live
    /// driver calls [`Engine::advance`] once its clock passes it, instead of
    /// ticking blindly (the sans-IO `poll_timeout` of protocol state
    /// machines). `None` before the first message.
    pub fn next_deadline_ms(&self) -> Option<i64> {
        let next = match (self.next_screen_ms, self.air.next_pass_ms) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match (&self.pending, next) {
            (Some(p), Some(n)) => Some(n.min(p.apply_ms)),
            (Some(p), None) => Some(p.apply_ms),
            (None, n) => n,
        }
    }

    /// The aircraft of the air picture (Mode S and AIS search-and-rescue
    /// aircraft), in the order they were first heard.
    pub fn aircraft(&self) -> &[Aircraft] {
        self.air.aircraft()
    }

    /// One aircraft.
    pub fn aircraft_by(&self, id: AirId) -> Option<&Aircraft> {
        self.air.get(id)
    }

    /// Open air conflicts (their latest figures), by pair.
    pub fn open_air_conflicts(&self) -> impl Iterator<Item = &AirConflict> {
        self.air.open_conflicts()
    }

    /// Counters of the air picture.
    pub fn air_stats(&self) -> &AirStats {
        &self.air.stats
    }

    /// Takes one decoded Mode S / ADS-B message (from
    /// `finisterra_modes::Decoder`) with its data time (if the feed gives
    /// one) and its receive time, under the same [`DataClock`] as AIS: the
    /// aircraft's identity, altitude, velocity and position are merged
    /// into the air picture and a new position is located in the
    /// airspaces. Conflicts are judged by the air pass.
    pub fn ingest_air_at(
        &mut self,
        msg: &finisterra_modes::AirMessage,
        data_ms: Option<i64>,
        recv_ms: Option<i64>,
        out: &mut Vec<Event>,
    ) -> Ingested {
        let admitted = match self.admit(data_ms, recv_ms, out) {
            Ok(a) => a,
            Err(r) => return Ingested::TimeRejected(r),
        };
        let time_ms = admitted.time_ms;
        let fix = match self.air.ingest(msg, time_ms) {
            air::PositionTaken::Taken(i) => {
                self.on_air_position(i, time_ms, out);
                FixOutcome::Accepted { reacquired: false }
            }
            air::PositionTaken::None => FixOutcome::NoFix,
            air::PositionTaken::Rejected(reason) => FixOutcome::Rejected {
                reason,
                conflict: false,
            },
        };
        Ingested::Taken {
            time: admitted,
            fix,
        }
    }

    /// The time a message is judged at (the [`DataClock`]'s answer, its
    /// rejections counted), the engine brought up to it.
    fn admit(
        &mut self,
        data_ms: Option<i64>,
        recv_ms: Option<i64>,
        out: &mut Vec<Event>,
    ) -> Result<Admitted, TimeReject> {
        let admitted = self.clock.admit(data_ms, recv_ms);
        let cs = self.clock.stats();
        self.stats.rejected_times = (cs.out_of_range, cs.unconfirmed_jumps);
        let admitted = admitted?;
        self.advance(admitted.time_ms, out);
        Ok(admitted)
    }

    fn on_air_position(&mut self, i: usize, time_ms: i64, out: &mut Vec<Event>) {
        if self.geo.zones.is_empty() {
            return;
        }
        let mut bodies = Vec::new();
        self.air
            .on_position(i, &self.geo.zones, &self.zone_keys, &mut bodies);
        for b in bodies {
            self.emit(time_ms, b, out);
        }
    }

    fn air_pass(&mut self, t_ms: i64, out: &mut Vec<Event>) {
        let mut bodies = Vec::new();
        self.air
            .pass(t_ms, &self.geo.zones, &self.zone_keys, &mut bodies);
        for b in bodies {
            self.emit(t_ms, b, out);
        }
    }

    /// Latest data time seen, ms.
    pub fn now_ms(&self) -> Option<i64> {
        self.clock.now_ms()
    }

    /// Takes one message with its data time. Runs the screening first when
    /// this time passes a screening boundary; appends events to `out`.
    ///
    /// Times outside 1990-2100 are rejected (counted as
    /// `time_out_of_range`), and a single message more than six hours
    /// ahead of the data time so far is held back (`time_jump`) until two
    /// more messages confirm the new time — one broken timestamp in an
    /// archive must not age out the whole picture.
    pub fn ingest(&mut self, msg: &AisMessage, time_ms: i64, out: &mut Vec<Event>) -> Ingested {
        self.ingest_at(msg, Some(time_ms), None, out)
    }

    /// Takes one message with its data time (if it carries one) and the
    /// time it was received (if known, stamped at the edge): the
    /// [`DataClock`] decides the time it is judged at under the engine's
    /// [`TimePolicy`]. Says what it did with the time; a message whose time
    /// is rejected is not judged.
    pub fn ingest_at(
        &mut self,
        msg: &AisMessage,
        data_ms: Option<i64>,
        recv_ms: Option<i64>,
        out: &mut Vec<Event>,
    ) -> Ingested {
        let admitted = match self.admit(data_ms, recv_ms, out) {
            Ok(a) => a,
            Err(r) => return Ingested::TimeRejected(r),
        };
        let time_ms = admitted.time_ms;
        let before = self
            .picture
            .vessel(msg.mmsi)
            .filter(|v| v.has_fix())
            .map(|v| (v.fix_ms, v.lat_deg, v.lon_deg));
        let fix = self.picture.ingest(msg, time_ms, &self.cfg.picture);
        self.check_distress(msg, time_ms, out);
        if !self.geo.zones.is_empty() {
            self.check_zones(msg.mmsi, before, out);
        }
        if self.screening && matches!(fix, FixOutcome::Accepted { .. }) {
            self.on_arrival(msg.mmsi, time_ms, out);
        }
        if let finisterra_ais::Body::SarAircraft(sar) = &msg.body {
            // A search-and-rescue aircraft joins the air picture too.
            if let (Some(lat), Some(lon)) = (sar.lat_deg, sar.lon_deg) {
                let report = air::SarReport {
                    mmsi: msg.mmsi,
                    lat_deg: lat,
                    lon_deg: lon,
                    alt_m: sar.altitude_m.map(f64::from),
                    sog_kn: sar.sog_kn,
                    cog_deg: sar.cog_deg,
                };
                if let air::PositionTaken::Taken(i) = self.air.ingest_sar(&report, time_ms) {
                    self.on_air_position(i, time_ms, out);
                }
            }
        }
        Ingested::Taken {
            time: admitted,
            fix,
        }
    }

    fn check_zones(&mut self, mmsi: u32, before: Option<(i64, f64, f64)>, out: &mut Vec<Event>) {
        let Some(v) = self.picture.vessel(mmsi) else {
            return;
        };
        if !v.has_fix() || before.is_some_and(|b| b.0 == v.fix_ms) {
            return;
        }
        use finisterra_geofence::zones::Fix;
        let from = before.map(|(t, lat, lon)| Fix {
            lat_deg: lat,
            lon_deg: lon,
            time_ms: t,
        });
        let to = Fix {
            lat_deg: v.lat_deg,
            lon_deg: v.lon_deg,
            time_ms: v.fix_ms,
        };
        let facts = zone::facts(v);
        let vref = vessel_ref_of(v);
        let t = v.fix_ms;
        let motion = zone::motion(v);
        let bodies = self
            .zones
            .on_fix(&self.geo.zones, &facts, from, to, &motion, &vref);
        for b in bodies {
            self.emit(t, b, out);
        }
    }

    /// Moves data time forward without a message (a live feed that went
    /// quiet): runs the screening if a boundary was passed. Times outside
    /// 1990-2100 are ignored.
    pub fn advance(&mut self, time_ms: i64, out: &mut Vec<Event>) {
        let Some(now) = self.clock.advance(time_ms) else {
            return;
        };
        self.settle_due(now, out);
        let air_interval = self.cfg.air.screen_interval_ms();
        match self.air.next_pass_ms {
            None => self.air.next_pass_ms = Some((now.div_euclid(air_interval) + 1) * air_interval),
            Some(next) if now >= next => {
                let boundary = now.div_euclid(air_interval) * air_interval;
                self.air_pass(boundary, out);
                self.air.next_pass_ms = Some(boundary + air_interval);
            }
            _ => {}
        }
        let interval = self.cfg.screen_interval_ms();
        match self.next_screen_ms {
            None => self.next_screen_ms = Some((now.div_euclid(interval) + 1) * interval),
            Some(next) if now >= next => {
                let boundary = now.div_euclid(interval) * interval;
                self.screen(boundary, out);
                self.next_screen_ms = Some(boundary + interval);
                // The time that started the pass may be past its lag.
                self.settle_due(now, out);
            }
            _ => {}
        }
    }

    /// Runs one screening pass at data time `t_ms` (normally called by
    /// [`Engine::ingest`] and [`Engine::advance`]): ageing, a dead-reckoned
    /// snapshot, candidate pairs from the swept-path grid, the close ones
    /// judged (zone predictions told first, then risks and hazards).
    ///
    /// With [`Config::pass_lag_s`] above zero the judging is worked out on
    /// a thread of its own from the snapshot and the books as they are now,
    /// and its findings are told at the first message (or
    /// [`Engine::advance`]) at or after `t_ms` plus the lag; the vessels that
    /// report in between are judged on arrival meanwhile, against the
    /// picture before this pass, and their word on a pair is the last one.
    /// A pass still pending is settled first.
    pub fn screen(&mut self, t_ms: i64, out: &mut Vec<Event>) {
        self.settle(out);
        self.stats.screenings += 1;
        let forgot = self.age(t_ms, out);
        if !self.screening {
            return;
        }
        let lag_ms = self.cfg.pass_lag_ms();
        let mut snaps = std::mem::take(&mut self.snap_next);
        snapshots(
            &self.picture,
            t_ms,
            &self.cfg,
            &mut snaps,
            &mut self.snap_runs,
            self.threads,
        );
        self.stats.last_screened_vessels = snaps.len() as u64;
        let mut snap_of_slot = std::mem::take(&mut self.snap_of_slot_next);
        snap_of_slot.clear();
        snap_of_slot.resize(self.picture.slots.len(), u32::MAX);
        let mut max_sog: f64 = 0.0;
        for (k, sn) in snaps.iter().enumerate() {
            snap_of_slot[sn.slot as usize] = k as u32;
            max_sog = max_sog.max(sn.sog);
        }
        // A bounded speed: one absurd report must not make every
        // neighbourhood the whole ocean.
        let max_sog_kn = max_sog.min(MAX_REACH_SOG_KN);
        let atons = hazard::atons(&self.picture, &self.cfg);
        // The zone predictions are told at once: the zones' book moves on
        // here, and an arrival's zone event after it must follow them.
        for b in self.predict_zones(t_ms, &snaps) {
            self.emit(t_ms, b, out);
        }
        if lag_ms == 0 {
            // In line: the grid, the pairs and their judgement now.
            self.snap_next = std::mem::take(&mut self.snap_buf);
            self.snap_of_slot_next = std::mem::replace(&mut self.snap_of_slot, snap_of_slot);
            self.pass_ms = t_ms;
            self.movers.clear();
            self.max_sog_kn = max_sog_kn;
            let statics = statics::Live {
                picture: &self.picture,
                snap_of_slot: &self.snap_of_slot,
            };
            let world = PassWorld {
                cfg: &self.cfg,
                geo: &self.geo,
                statics: &statics,
                atons: &atons,
                threads: self.threads,
                max_sog_kn,
            };
            let (bodies, counts) = run_pass(
                &world,
                t_ms,
                &snaps,
                &mut self.scratch,
                &mut self.risks,
                &mut self.hazards,
            );
            self.snap_buf = snaps;
            counts.add_to(&mut self.stats);
            for b in bodies {
                self.emit(t_ms, b, out);
            }
            return;
        }
        // Apart: the arrivals until the findings are told are judged
        // against the last pass's grid, which must follow the slots if
        // vessels were forgotten just now.
        if forgot {
            self.follow_slots();
        }
        self.stats.passes_apart += 1;
        let snaps = Arc::new(snaps);
        let mut frozen = statics::Frozen::of(&self.picture, &snaps);
        let risks_before = Arc::new(std::mem::take(&mut self.risks));
        let hazards_before = Arc::new(std::mem::take(&mut self.hazards));
        let mut grid = std::mem::take(&mut self.scratch_next);
        let (cfg, geo, threads) = (self.cfg, Arc::clone(&self.geo), self.threads);
        let (pass_snaps, risks, hazards) = (
            Arc::clone(&snaps),
            Arc::clone(&risks_before),
            Arc::clone(&hazards_before),
        );
        let retired = self.retired.take();
        let job: PassJob = Box::new(move || {
            drop(retired);
            frozen.index(&pass_snaps);
            let mut risks = (*risks).clone();
            let mut hazards = (*hazards).clone();
            let world = PassWorld {
                cfg: &cfg,
                geo: &geo,
                statics: &frozen,
                atons: &atons,
                threads,
                max_sog_kn,
            };
            let (bodies, counts) = run_pass(
                &world,
                t_ms,
                &pass_snaps,
                &mut grid,
                &mut risks,
                &mut hazards,
            );
            PassDone {
                bodies,
                counts,
                risks,
                hazards,
                grid,
            }
        });
        let job = Arc::new(std::sync::Mutex::new(Some(job)));
        let theirs = Arc::clone(&job);
        let spawned = std::thread::Builder::new()
            .name("finisterra-pass".into())
            .spawn(move || theirs.lock().ok().and_then(|mut j| j.take()).map(|j| j()));
        let work = match spawned {
            Ok(handle) => PassWork::Thread(handle),
            // No thread to be had: the pass is worked out here and now,
            // and told at the same time as from a thread.
            Err(_) => PassWork::Done(
                job.lock()
                    .ok()
                    .and_then(|mut j| j.take())
                    .map(|j| Box::new(j())),
            ),
        };
        let pending = PendingPass {
            t_ms,
            apply_ms: t_ms.saturating_add(lag_ms),
            work,
            snaps,
            book: risk::ArrivalBook::new(risks_before),
            hazards_before,
            movers: screen::Movers::default(),
            snap_of_slot,
            max_sog_kn,
        };
        self.pending = Some(pending);
    }

    /// Whether a screening pass is being worked out apart, its findings
    /// not yet told ([`Config::pass_lag_s`]). [`Engine::snapshot`] must
    /// not be taken then: call [`Engine::settle`] first.
    pub fn pass_pending(&self) -> bool {
        self.pending.is_some()
    }

    /// Tells the findings of a pass worked out apart now, without waiting
    /// for its time: at the end of the input (a replay that stops), before
    /// a snapshot, before the zones or hazards change. Nothing to do when
    /// no pass is pending.
    pub fn settle(&mut self, out: &mut Vec<Event>) {
        let Some(p) = self.pending.take() else {
            return;
        };
        let done = match p.work {
            // A pass never panics; if one did, it would here too.
            PassWork::Thread(w) => w.join().unwrap_or_else(|e| std::panic::resume_unwind(e)),
            PassWork::Done(d) => d.map(|d| *d),
        };
        // The thread takes its job unless it could not start, and then
        // the job was done in line: a result is always there.
        let Some(done) = done else {
            debug_assert!(false, "a pending pass without its result");
            self.risks = (**p.book.before()).clone();
            self.hazards = (*p.hazards_before).clone();
            return;
        };
        let PassDone {
            bodies,
            counts,
            mut risks,
            hazards,
            grid,
        } = done;
        // The arrivals since the pass have the last word on the pairs
        // they judged: their book entries replace the pass's, and the
        // pass's events of those pairs are not told.
        p.book.settle(&mut risks);
        self.risks = risks;
        self.hazards = hazards;
        let snaps = Arc::try_unwrap(p.snaps).unwrap_or_else(|a| (*a).clone());
        self.snap_next = std::mem::replace(&mut self.snap_buf, snaps);
        self.scratch_next = std::mem::replace(&mut self.scratch, grid);
        self.snap_of_slot_next = std::mem::replace(&mut self.snap_of_slot, p.snap_of_slot);
        self.pass_ms = p.t_ms;
        self.max_sog_kn = p.max_sog_kn;
        self.movers = p.movers;
        counts.add_to(&mut self.stats);
        for b in bodies {
            if let Some(key) = risk_pair(&b) {
                if p.book.judged(&key) {
                    self.stats.pass_events_superseded += 1;
                    continue;
                }
            }
            self.emit(p.t_ms, b, out);
        }
        self.retired = Some(Retired {
            _risks: p.book,
            _hazards: p.hazards_before,
        });
    }

    /// Tells a pending pass's findings once data time `now_ms` reached
    /// their time.
    fn settle_due(&mut self, now_ms: i64, out: &mut Vec<Event>) {
        if self.pending.as_ref().is_some_and(|p| now_ms >= p.apply_ms) {
            self.settle(out);
        }
    }

    /// After vessels were forgotten (the picture's slots moved up): the
    /// last pass's snapshots, their index and the movers follow.
    fn follow_slots(&mut self) {
        let picture = &self.picture;
        for s in self.snap_buf.iter_mut() {
            s.slot = picture.slot(s.mmsi).map_or(u32::MAX, |k| k as u32);
        }
        self.snap_of_slot.clear();
        self.snap_of_slot.resize(picture.slots.len(), u32::MAX);
        for (k, s) in self.snap_buf.iter().enumerate() {
            if let Some(e) = self.snap_of_slot.get_mut(s.slot as usize) {
                *e = k as u32;
            }
        }
        self.movers.remap(|m| picture.slot(m));
    }

    /// Pushes onto `out`, as the arrival check sees them at `t_ms`
    /// ([`Engine::snap_now`]), the vessels with an open risk with `mmsi`
    /// now (with a pass pending: as the arrivals since it left them, else
    /// as the pass found them).
    fn push_open_partners(&self, mmsi: u32, t_ms: i64, out: &mut Vec<Snap>) {
        let mut push = |w: u32| out.extend(self.snap_now(w, t_ms));
        match &self.pending {
            None => self.risks.partners(mmsi).for_each(&mut push),
            Some(p) => p.book.partners(mmsi).into_iter().for_each(&mut push),
        }
    }

    /// A vessel as the arrival check sees her at `t_ms`: her report since
    /// the last pass if she reported a new motion, else her place in the
    /// pass moved on; `None` when the pass did not screen her.
    fn snap_now(&self, mmsi: u32, t_ms: i64) -> Option<Snap> {
        let slot = self.picture.slot(mmsi)? as u32;
        if let Some((s, at)) = self.movers.get(slot).filter(|(s, _)| s.mmsi == mmsi) {
            return Some(moved_to(s, *at, t_ms));
        }
        if self.pass_ms == i64::MIN {
            return None;
        }
        let s = screened(&self.snap_buf, &self.snap_of_slot, slot as usize, mmsi)?;
        Some(moved_to(s, self.pass_ms, t_ms))
    }

    /// Whether the pair `key` has an open risk now (with a pass pending:
    /// as the arrivals since it left it, else as the pass found it).
    fn risk_open_now(&self, key: &(u32, u32)) -> bool {
        match &self.pending {
            None => self.risks.get(key).is_some(),
            Some(p) => p.book.get(key).is_some(),
        }
    }

    /// The alarm on arrival: a position that creates or changes a risk
    /// raises it at once. The vessel that moved is screened against her
    /// neighbours at the time of her report (the grid of the last pass,
    /// and the vessels that reported since with a motion it does not hold);
    /// only her pairs are judged, and nothing is cleared for not being
    /// seen (that stays with the periodic pass, which also dead-reckons and
    /// ages the picture). Same messages, same events: replay and live agree.
    fn on_arrival(&mut self, mmsi: u32, t_ms: i64, out: &mut Vec<Event>) {
        let Some(slot) = self.picture.slot(mmsi) else {
            return;
        };
        let Some(own) = snap_at(&self.picture.slots[slot], slot as u32, t_ms, &self.cfg) else {
            return;
        };
        // Does the grid hold this vessel's motion? If it does, this report
        // changes nothing the periodic pass would not find: her pairs were
        // judged with this motion, and whatever arises by the passing of
        // time alone is the pass's. Only a new motion is screened now.
        let indexed = (self.pass_ms != i64::MIN)
            .then(|| screened(&self.snap_buf, &self.snap_of_slot, slot, mmsi))
            .flatten();
        let stale = indexed.is_none_or(|old| grid_is_stale(old, &own, self.pass_ms, t_ms));
        // A pass pending keeps its own movers: the vessels whose motion its
        // snapshot does not hold.
        if let Some(p) = &mut self.pending {
            let held = screened(&p.snaps, &p.snap_of_slot, slot, mmsi);
            if held.is_none_or(|old| grid_is_stale(old, &own, p.t_ms, t_ms)) {
                p.movers.insert(own, t_ms);
            }
        }
        if !stale {
            return;
        }
        self.movers.insert(own, t_ms);
        if own.stationary {
            return;
        }
        // Neighbours: swept paths of the last pass that meet hers (widened
        // by how far the fastest vessel went since), moved on to now, the
        // vessels that reported a new motion since the pass, and every
        // vessel she has an open risk with. Which of them are judged does
        // not depend on the rest of the picture (an engine holding part of
        // the world judges the same pairs): a pair not open is judged only
        // when it comes close (`close_pair`), and an open one always.
        let mut others: Vec<Snap> = Vec::new();
        if self.pass_ms != i64::MIN {
            let moved_m =
                self.max_sog_kn * 1852.0 / 3600.0 * ((t_ms - self.pass_ms) as f64 / 1000.0);
            let q = swept_box(&own);
            let d_lat = (moved_m / 6_371_000.0).to_degrees();
            let d_lon = d_lat / own.cos_lat.max(1e-3);
            let q = [q[0] - d_lat, q[1] + d_lat, q[2] - d_lon, q[3] + d_lon];
            let mut near = std::mem::take(&mut self.near_buf);
            overlapping(&self.scratch, q, &mut near);
            for &i in &near {
                let s = &self.snap_buf[i as usize];
                if s.slot != own.slot && !self.movers.contains(s.slot) {
                    others.push(moved_to(s, self.pass_ms, t_ms));
                }
            }
            self.near_buf = near;
        }
        let horizon_s = self.cfg.risk.warning_tcpa_s * self.cfg.risk.clear_factor.max(1.0)
            + self.cfg.screen_interval_ms() as f64 / 1000.0;
        let from = others.len();
        self.movers
            .near(swept_box(&own), horizon_s, t_ms, &mut others);
        // Her open risks are judged again whatever the paths: the report
        // is news of each of them.
        self.push_open_partners(mmsi, t_ms, &mut others);
        others.retain(|o| o.slot != own.slot);
        debug_assert!(from <= others.len() + 1);
        others.sort_by_key(|o| o.mmsi);
        others.dedup_by_key(|o| o.mmsi);
        let mut local: Vec<Snap> = vec![own];
        let mut assessed: Vec<PairAssessment> = Vec::new();
        for other in others {
            if other.stationary && own.stationary {
                continue;
            }
            let open = self.risk_open_now(&pair_key(&own, &other));
            if let Some(pa) = close_pair(&self.cfg, &own, &other, open, 0, local.len()) {
                self.stats.precise_pairs += 1;
                self.stats.arrival_pairs += 1;
                assessed.push(pa);
                local.push(other);
            }
        }
        if assessed.is_empty() {
            return;
        }
        assessed.sort_by_key(|pa| pair_key(&local[pa.i], &local[pa.j]));
        let bodies = {
            let atons: OnceCell<Vec<hazard::AtonHazard>> = OnceCell::new();
            let picture = &self.picture;
            let live = statics::Live {
                picture,
                snap_of_slot: &self.snap_of_slot,
            };
            let names = |m: u32| statics::Statics::name(&live, m);
            let snap_index = |m: u32| local.iter().position(|s| s.mmsi == m);
            let cache: RefCell<MmsiMap<Vec<AdviceItem>>> = RefCell::new(MmsiMap::default());
            let counts: Cell<(u64, u64)> = Cell::new((0, 0));
            let (cfg, geo, grid, pass_snaps) =
                (&self.cfg, &self.geo, &self.scratch, &self.snap_buf);
            let (pass_ms, movers, max_sog_kn) = (self.pass_ms, &self.movers, self.max_sog_kn);
            let plan_for = |m: u32| -> Vec<AdviceItem> {
                if let Some(items) = cache.borrow().get(&m) {
                    return items.clone();
                }
                let Some(own) = local.iter().find(|s| s.mmsi == m) else {
                    return Vec::new();
                };
                let hood = advising::Neighbourhood {
                    cfg,
                    statics: &live,
                    geo,
                    grid,
                    snaps: pass_snaps,
                    pass_ms,
                    movers,
                    max_sog_kn,
                    atons: atons.get_or_init(|| hazard::atons(picture, cfg)),
                };
                let (items, targets) = hood.plan_items(own, t_ms);
                counts.set((counts.get().0 + 1, counts.get().1 + targets as u64));
                cache.borrow_mut().insert(m, items.clone());
                items
            };
            let zones = &self.geo.zones;
            let facts_of = |s: &Snap| statics::Statics::facts(&live, s.mmsi);
            let rules_for = |a: &Snap, b: &Snap, range_nm: f64| -> rules::PairRules {
                rules::pair_rules(zones, t_ms, (a, &facts_of(a)), (b, &facts_of(b)), range_nm)
            };
            let pass = Pass {
                cfg,
                t_ms,
                snaps: &local,
                snap_index: &snap_index,
                names: &names,
                plan_for: &plan_for,
                rules_for: &rules_for,
            };
            let bodies = match &mut self.pending {
                None => self.risks.update(&pass, &assessed, false),
                // A pass pending: these pairs are judged on their book
                // entries as the pass found them (or as arrivals since
                // left them), and the arrival's word on them is the last.
                Some(p) => p.book.update(&pass, &assessed),
            };
            let (plans, targets) = counts.get();
            self.stats.advice_plans += plans;
            self.stats.advice_targets += targets;
            bodies
        };
        for b in bodies {
            self.emit(t_ms, b, out);
        }
    }

    /// Zones each moving vessel will enter, leave or cross against their
    /// rule within the horizon.
    fn predict_zones(&mut self, t_ms: i64, snaps: &[Snap]) -> Vec<EventBody> {
        let mut bodies = Vec::new();
        if self.geo.zones.is_empty() {
            return bodies;
        }
        use finisterra_geofence::zones::Fix;
        for s in snaps {
            if s.stationary {
                continue;
            }
            let Some(v) = self.picture.vessel(s.mmsi) else {
                continue;
            };
            let facts = zone::facts(v);
            let vref = risk::vessel_ref(s, v.static_data.name.as_deref());
            let at = Fix {
                lat_deg: s.lat,
                lon_deg: s.lon,
                time_ms: t_ms,
            };
            bodies.extend(self.zones.predict(
                &self.geo.zones,
                &facts,
                at,
                s.cog,
                s.sog,
                self.cfg.zone_horizon_s,
                &vref,
            ));
        }
        bodies
    }

    /// Marks targets lost and forgets long-silent ones; `true` when some
    /// were forgotten (the picture's slots moved).
    fn age(&mut self, t_ms: i64, out: &mut Vec<Event>) -> bool {
        let pc = self.cfg.picture;
        let forget_ms = (pc.forget_after_s * 1000.0) as i64;
        // Whether some vessel is to be forgotten, found on the same walk:
        // most passes forget none, and a second walk over the picture
        // would cost as much as this one.
        let forget_any = std::sync::atomic::AtomicBool::new(false);
        let mut lost = par::in_order_mut(&mut self.picture.slots, self.threads, |_, run| {
            let mut lost: Vec<u32> = Vec::new();
            for v in run.iter_mut() {
                if mark_lost_if_silent(v, &pc, t_ms) {
                    lost.push(v.mmsi);
                }
                if t_ms - v.last_seen_ms > forget_ms {
                    forget_any.store(true, std::sync::atomic::Ordering::Relaxed);
                }
            }
            lost
        });
        lost.sort_unstable();
        let risks_cleared = self.risks.clear_vessels(&lost, t_ms);
        for (mmsi, mut cleared) in lost.into_iter().zip(risks_cleared) {
            cleared.extend(self.zones.clear_vessel(mmsi));
            for b in cleared {
                self.emit(t_ms, b, out);
            }
            let Some(v) = self.picture.vessel(mmsi) else {
                continue;
            };
            let body = EventBody::TargetLost(TargetLost {
                vessel: vessel_ref_of(v),
                last_fix: iso8601(v.fix_ms),
                silent_s: (t_ms - v.fix_ms) as f64 / 1000.0,
            });
            self.emit(t_ms, body, out);
        }
        let forgot = forget_any.into_inner();
        if forgot {
            self.picture
                .retain_vessels(|v| t_ms - v.last_seen_ms <= forget_ms);
        }
        self.picture
            .fixed
            .retain(|_, o| t_ms - o.last_seen_ms <= forget_ms);
        self.distress_seen.retain(|_, seen| {
            seen.retain(|(_, t)| t_ms - *t <= forget_ms);
            !seen.is_empty()
        });
        forgot
    }

    fn check_distress(&mut self, msg: &AisMessage, t_ms: i64, out: &mut Vec<Event>) {
        let mmsi = msg.mmsi;
        let mut reasons: Vec<(&'static str, Option<String>)> = Vec::new();
        match mmsi / 1_000_000 {
            970 => reasons.push(("sart", None)),
            972 => reasons.push(("mob", None)),
            974 => reasons.push(("epirb", None)),
            _ => {}
        }
        match &msg.body {
            Body::SafetyBroadcast(s) => reasons.push(("safety_broadcast", Some(s.text.clone()))),
            Body::Position(p) if p.status == 14 => reasons.push(("sart_status", None)),
            _ => {}
        }
        if reasons.is_empty() {
            return;
        }
        let repeat_ms = (self.cfg.picture.distress_repeat_s * 1000.0) as i64;
        let v = self.picture.vessel(mmsi);
        let (lat, lon) = match v {
            Some(v) if v.has_fix() => (Some(v.lat_deg), Some(v.lon_deg)),
            _ => (None, None),
        };
        let name = v.and_then(|v| v.static_data.name.as_deref().map(str::to_owned));
        for (reason, text) in reasons {
            let seen = self.distress_seen.entry(mmsi).or_default();
            if let Some(e) = seen.iter_mut().find(|e| e.0 == reason) {
                if t_ms - e.1 < repeat_ms {
                    continue;
                }
                e.1 = t_ms;
            } else {
                seen.push((reason, t_ms));
            }
            let body = EventBody::Distress(Distress {
                mmsi,
                reason,
                lat,
                lon,
                text,
                name: name.clone(),
            });
            self.emit(t_ms, body, out);
        }
    }

    fn emit(&mut self, t_ms: i64, body: EventBody, out: &mut Vec<Event>) {
        let kind = body.kind();
        match self.stats.events.iter_mut().find(|e| e.0 == kind) {
            Some(e) => e.1 += 1,
            None => self.stats.events.push((kind, 1)),
        }
        out.push(Event {
            id: self.next_id,
            time_ms: t_ms,
            body,
        });
        self.next_id += 1;
    }
}

/// What a screening pass reads besides its snapshots: nothing of the
/// picture itself, so that it can be worked out apart from it.
struct PassWorld<'a> {
    cfg: &'a Config,
    geo: &'a Geography,
    statics: &'a dyn statics::Statics,
    atons: &'a [hazard::AtonHazard],
    threads: par::Threads,
    /// Fastest vessel of the pass, knots (bounded).
    max_sog_kn: f64,
}

/// A pass's work counters.
#[derive(Debug, Default, Clone, Copy)]
struct PassCounts {
    candidate_pairs: u64,
    precise_pairs: u64,
    advice_plans: u64,
    advice_targets: u64,
}

impl PassCounts {
    fn add_to(self, stats: &mut EngineStats) {
        stats.candidate_pairs += self.candidate_pairs;
        stats.precise_pairs += self.precise_pairs;
        stats.advice_plans += self.advice_plans;
        stats.advice_targets += self.advice_targets;
    }
}

/// A pass's judgement, worked out in line or on a thread of its own.
type PassJob = Box<dyn FnOnce() -> PassDone + Send>;

/// What a pass worked out apart found, and the memory it used.
struct PassDone {
    bodies: Vec<EventBody>,
    counts: PassCounts,
    risks: RiskBook,
    hazards: hazard::HazardBook,
    grid: screen::PairScratch,
}

/// A pass worked out apart whose findings are not told yet
/// ([`Config::pass_lag_s`]).
struct PendingPass {
    t_ms: i64,
    /// Its findings are told at the first data time at or after this.
    apply_ms: i64,
    work: PassWork,
    snaps: Arc<Vec<Snap>>,
    /// The risk book as the pass found it and the arrivals' word since.
    book: risk::ArrivalBook,
    /// The hazards as the pass found them (read meanwhile).
    hazards_before: Arc<hazard::HazardBook>,
    /// The vessels that reported a motion the pass's snapshot does not
    /// hold (the movers once its grid is the engine's).
    movers: screen::Movers,
    snap_of_slot: Vec<u32>,
    max_sog_kn: f64,
}

impl std::fmt::Debug for PendingPass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingPass")
            .field("t_ms", &self.t_ms)
            .field("apply_ms", &self.apply_ms)
            .field("book", &self.book)
            .finish_non_exhaustive()
    }
}

/// Where a pending pass's result comes from: its thread, or (no thread to
/// be had) made in line already. `None` only if the job was never run,
/// which cannot happen: whoever runs it takes it first.
enum PassWork {
    Thread(std::thread::JoinHandle<Option<PassDone>>),
    Done(Option<Box<PassDone>>),
}

/// A vessel's snapshot in a pass (`snap_of_slot`: its snapshot index by
/// picture slot, `u32::MAX` for none), if the pass screened her.
fn screened<'a>(
    snaps: &'a [Snap],
    snap_of_slot: &[u32],
    slot: usize,
    mmsi: u32,
) -> Option<&'a Snap> {
    let k = *snap_of_slot.get(slot)?;
    snaps.get(k as usize).filter(|s| s.mmsi == mmsi)
}

/// What a told pass started from, to be freed off the message path.
#[derive(Debug)]
struct Retired {
    _risks: risk::ArrivalBook,
    _hazards: Arc<hazard::HazardBook>,
}

/// The pair of a risk event.
fn risk_pair(b: &EventBody) -> Option<(u32, u32)> {
    match b {
        EventBody::RiskRaised(r) | EventBody::RiskUpdated(r) => Some((r.a.mmsi, r.b.mmsi)),
        EventBody::RiskCleared(c) => Some((c.a.mmsi, c.b.mmsi)),
        _ => None,
    }
}

/// The judging part of a screening pass at `t_ms` over `snaps`: the grid,
/// the candidate pairs close enough (or already at risk) judged, then
/// risks (lifecycle, rulings, advice) and hazards; their events in order.
fn run_pass(
    w: &PassWorld<'_>,
    t_ms: i64,
    snaps: &[Snap],
    grid: &mut screen::PairScratch,
    risks: &mut RiskBook,
    hazards: &mut hazard::HazardBook,
) -> (Vec<EventBody>, PassCounts) {
    let mut counts = PassCounts::default();
    build_grid(snaps, grid, w.threads);
    let assessed = {
        // The open pairs' bits: most pairs need no lookup.
        let open_bits = risks.open_bits();
        let (cfg, open_bits, risks) = (w.cfg, &open_bits, &*risks);
        let (assessed, candidates) = pairs_in_cells(snaps, grid, w.threads, |i, j, a, b| {
            let key = risk::packed(pair_key(a, b));
            let open = open_bits.may_hold(key) && risks.is_open(key);
            close_pair(cfg, a, b, open, i as usize, j as usize)
        });
        counts.candidate_pairs += candidates;
        counts.precise_pairs += assessed.len() as u64;
        assessed
    };
    let grid = &*grid;
    let (cfg, statics) = (w.cfg, w.statics);
    let names = |mmsi: u32| statics.name(mmsi);
    let snap_index = |mmsi: u32| statics.snap_index(mmsi);
    let cache: RefCell<MmsiMap<Vec<AdviceItem>>> = RefCell::new(MmsiMap::default());
    let plans: Cell<(u64, u64)> = Cell::new((0, 0));
    // The pass's movers: none yet.
    let movers = screen::Movers::default();
    let zones = &w.geo.zones;
    let hood = advising::Neighbourhood {
        cfg,
        statics,
        geo: w.geo,
        grid,
        snaps,
        pass_ms: t_ms,
        movers: &movers,
        max_sog_kn: w.max_sog_kn,
        atons: w.atons,
    };
    let plan_for = |mmsi: u32| -> Vec<AdviceItem> {
        if let Some(items) = cache.borrow().get(&mmsi) {
            return items.clone();
        }
        let Some(idx) = snap_index(mmsi) else {
            return Vec::new();
        };
        let (items, targets) = hood.plan_items(&snaps[idx], t_ms);
        plans.set((plans.get().0 + 1, plans.get().1 + targets as u64));
        cache.borrow_mut().insert(mmsi, items.clone());
        items
    };
    let rules_for = |a: &Snap, b: &Snap, range_nm: f64| -> rules::PairRules {
        let (fa, fb) = (statics.facts(a.mmsi), statics.facts(b.mmsi));
        rules::pair_rules(zones, t_ms, (a, &fa), (b, &fb), range_nm)
    };
    let pass = Pass {
        cfg,
        t_ms,
        snaps,
        snap_index: &snap_index,
        names: &names,
        plan_for: &plan_for,
        rules_for: &rules_for,
    };
    // Most open risks only move on (new figures, the same ruling):
    // done first, on every thread; the rest needs the whole pass.
    let staged = risks.stage(cfg, t_ms, snaps, &assessed, true, w.threads);
    if w.threads.n > 1 {
        // The plans the book will ask for, made beforehand side by side
        // (each depends only on the pass): the book then finds them
        // made, and takes the same decisions with the same advice.
        let wanted: Vec<(u32, usize)> = risks
            .to_advise(&pass, &assessed, &staged)
            .into_iter()
            .filter_map(|m| snap_index(m).map(|i| (m, i)))
            .collect();
        // A plan costs tens of microseconds or more: a few are worth
        // the threads.
        if wanted.len() >= 2 * w.threads.n {
            let made = advising::plan_many(&hood, &wanted, t_ms, w.threads.n);
            let mut cache = cache.borrow_mut();
            for (m, (items, targets)) in wanted.iter().map(|w| w.0).zip(made) {
                plans.set((plans.get().0 + 1, plans.get().1 + targets as u64));
                cache.insert(m, items);
            }
        }
    }
    let mut bodies = risks.finish(&pass, &assessed, staged);
    (counts.advice_plans, counts.advice_targets) = plans.get();
    // A vessel's candidate partners, asked of the grid: only a
    // vessel standing into danger needs them.
    let neighbour_idx = |i: usize| -> Vec<usize> {
        let mut near = Vec::new();
        screen::partners(grid, snaps, i, &mut near);
        near.into_iter().map(|j| j as usize).collect()
    };
    bodies.extend(hazards.pass(w.geo, w.atons, statics, cfg, t_ms, snaps, &neighbour_idx));
    (bodies, counts)
}

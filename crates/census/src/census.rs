//! The census: messages in (any order within the reorder window), findings
//! out.
//!
//! Two halves. The *front* (this module) keeps the reorder window, the
//! data-time gate and the engine's picture: it decides which positions
//! count, numbers the vessels (slots) and forgets silent ones, and turns
//! each message into [`Step`]s. The *detectors* ([`crate::detect`]) judge
//! those steps in groups that share nothing: near misses, encounters and
//! loitering, gaps and spoofing. With one thread the groups run one after
//! the other on each message; with more ([`Census::with_threads`]) they
//! run on worker threads ([`crate::pool`]) fed the same steps in the same
//! order, so every kind's findings are the same, in the same order, byte
//! for byte, whatever the number of threads.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use finisterra_ais::{AisMessage, Body, StaticDataReport};
use finisterra_engine::{
    Config as EngineConfig, DataClock, Engine, FixOutcome, Ingested, TimeReject, MAX_JUMP_MS,
};
use finisterra_geofence::mid::{flag_of_mmsi, mmsi_kind, MmsiKind};
use finisterra_geofence::Land;
use serde::{Deserialize, Serialize};

use crate::config::CensusConfig;
use crate::detect::{groups, Detect, GroupStats, Step};
use crate::finding::{Finding, Kind};
use crate::nearmiss::NearMissStats;
use crate::pool::Pool;
use crate::resample::ResampleStats;
use crate::track::Fix;
use crate::util::{quick_distance_m, FastMap, MPS_PER_KN};
use crate::CensusError;

/// Messages held at most in the reorder buffer (beyond, the oldest go).
const REORDER_MAX: usize = 8_000_000;

/// Counters of a census run: every message is accounted for.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
    #[serde(skip_serializing_if = "is_zero", default)]
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
/// (`beyond_margin = inland_water + traffic_water + too_few_positions +
/// reported`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
    /// Of them, in episodes with fewer positions on land than
    /// `spoofing.on_land_min_positions`: not reported.
    pub too_few_positions: u64,
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

/// What the front keeps of a vessel (the detectors keep the rest).
#[derive(Debug, Clone)]
struct Vessel {
    mmsi: u32,
    /// Last position received (accepted or not): `(t, lat, lon)`, for
    /// exact duplicates.
    last_raw: (i64, f64, f64),
    /// Last accepted fix: (t, lat, lon).
    last: Option<(i64, f64, f64)>,
    /// Last activity (any message), ms.
    last_seen_ms: i64,
    /// Its MMSI is invalid (its positions go to the `invalid_mmsi` episode).
    invalid: bool,
    /// Slot is free (vessel forgotten).
    free: bool,
}

impl Vessel {
    fn new(mmsi: u32, t: i64) -> Vessel {
        Vessel {
            mmsi,
            last_raw: (i64::MIN, f64::NAN, f64::NAN),
            last: None,
            last_seen_ms: t,
            invalid: false,
            free: false,
        }
    }
}

/// A census that judges one shard of an archive ([`Census::with_shard`]).
#[derive(Debug)]
struct Own {
    /// Findings decided at or after this data time are the shard's.
    from_ms: i64,
    /// The last shard: it also owns what is judged at the end.
    last: bool,
    /// The counters when ownership began (arrival counters zeroed);
    /// `None` while the precursor is being read.
    base: Option<CensusStats>,
    /// MMSIs of the messages judged while owning.
    vessels: FastMap<u32, ()>,
}

/// Where the detector groups run.
enum Groups {
    /// On the caller's thread, one after the other on each message.
    Inline(Vec<Detect>),
    /// On worker threads, fed batches of steps.
    Threads(Pool),
}

/// The census over one archive. See the [crate documentation](crate).
pub struct Census {
    cfg: CensusConfig,
    land: Arc<Land>,
    /// Lakes and rivers known as water ([`Census::with_inland_water`]).
    water: Option<Arc<Land>>,
    engine: Engine,
    events: Vec<finisterra_engine::Event>,
    reorder: VecDeque<Pending>,
    /// The data-time gate in front of the reorder window (the engine's
    /// rule, from its one home): a single message far ahead does not move
    /// the window until confirmed.
    gate: DataClock,
    now_ms: i64,
    next_hour_ms: i64,
    vessels: Vec<Vessel>,
    index: FastMap<u32, u32>,
    free: Vec<u32>,
    stats: CensusStats,
    /// Accepted positions handed out, when asked for.
    export: Option<Vec<AcceptedPosition>>,
    /// Vessel ids that are not MMSIs (no MMSI checks).
    not_mmsis: FastMap<u32, ()>,
    /// Threads asked for ([`Census::with_threads`]).
    threads: usize,
    /// Steps handed to the worker threads at a time.
    batch_steps: usize,
    /// The detector groups (`None` until the first message: settings such
    /// as the inland waters come before).
    groups: Option<Groups>,
    /// Steps of the current message (inline) or batch (threads).
    steps: Vec<Step>,
    /// The groups' counters when they last reported.
    group_stats: Vec<GroupStats>,
    /// One shard of a larger census ([`Census::with_shard`]).
    shard: Option<Own>,
    /// Logging for a pair index ([`Census::for_pair_index`]).
    pair_log: bool,
    /// What the worker threads logged for it in their last batches.
    finished_log: crate::pairs::PairLog,
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
            .field("threads", &self.threads)
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

/// Steps handed to the worker threads at a time, by default.
const STEP_BATCH: usize = 16_384;

impl Census {
    /// A census with these settings judging against this land (use
    /// `Land::world()` for the bundled coastline, `Land::empty()` for none:
    /// then every position is "far from shore").
    pub fn new(cfg: CensusConfig, land: Land) -> Result<Census, CensusError> {
        cfg.validate()?;
        let mut ecfg = EngineConfig {
            picture: cfg.picture.for_time_resolution(cfg.time_resolution_s),
            ..EngineConfig::default()
        };
        ecfg.screen_interval_s = cfg.screen_interval_s;
        // The census only needs the picture: no vessel is ever screened for
        // collision risk (that is `scan`'s job), only aged and forgotten.
        let mut engine = Engine::new(ecfg);
        engine.set_picture_only();
        Ok(Census {
            engine,
            events: Vec::new(),
            reorder: VecDeque::new(),
            gate: DataClock::default(),
            now_ms: i64::MIN,
            next_hour_ms: i64::MIN,
            vessels: Vec::new(),
            index: FastMap::default(),
            free: Vec::new(),
            stats: CensusStats::default(),
            export: None,
            not_mmsis: FastMap::default(),
            water: None,
            land: Arc::new(land),
            cfg,
            threads: 1,
            batch_steps: STEP_BATCH,
            groups: None,
            steps: Vec::new(),
            group_stats: Vec::new(),
            shard: None,
            pair_log: false,
            finished_log: crate::pairs::PairLog::default(),
        })
    }

    /// A census that builds an index ([`crate::pairs`]): near misses,
    /// encounters and gaps at the index's thresholds; what it logs is
    /// taken with [`Census::drain_pair_log`] (its findings are not the
    /// ones asked for and are best ignored). Threads as any census
    /// ([`Census::with_threads`]): the log is the same.
    pub fn for_pair_index(
        cfg: CensusConfig,
        spec: crate::pairs::PairIndexSpec,
        land: Land,
    ) -> Result<Census, CensusError> {
        let mut c = Census::new(spec.build_config(&cfg), land)?;
        c.pair_log = true;
        Ok(c)
    }

    /// Moves what was logged for a pair index so far into `into` (with
    /// worker threads, as of the batches they handed back).
    pub fn drain_pair_log(&mut self, into: &mut crate::pairs::PairLog) {
        self.finished_log.drain_into(into);
        match self.groups.as_mut() {
            Some(Groups::Inline(gs)) => {
                for g in gs.iter_mut() {
                    g.drain_pair_log(into);
                }
            }
            Some(Groups::Threads(pool)) => pool.drain_log(into),
            None => {}
        }
    }

    /// Judges one shard of a larger census (see [`crate::shard`]): the
    /// messages before `own_from_ms` are a precursor that only warms the
    /// picture and the detectors up (their findings are dropped, their
    /// messages not counted); every finding decided from the first message
    /// at or after `own_from_ms` on is the shard's, and so are the
    /// counters from then on ([`Census::shard_stats`]). Unless `last`,
    /// [`Census::finish`] judges nothing that is still open: a later shard,
    /// which reads this one's days as its precursor, decides it. Shards of
    /// consecutive days put together in order give the findings of one
    /// census of the whole, in the same order, as long as nothing that
    /// decides a finding lies further back than the precursor. Call it
    /// before the first message.
    pub fn with_shard(mut self, own_from_ms: i64, last: bool) -> Census {
        self.shard = Some(Own {
            from_ms: own_from_ms,
            last,
            base: None,
            vessels: FastMap::default(),
        });
        self
    }

    /// Whether findings decided now are kept (always, unless a shard's
    /// precursor is being read).
    fn owning(&self) -> bool {
        self.shard.as_ref().is_none_or(|s| s.base.is_some())
    }

    /// The message at `t` is the first of the shard's own time: what the
    /// precursor decided is dropped, the counters so far set aside.
    fn take_ownership_at(&mut self, t: i64) {
        if self
            .shard
            .as_ref()
            .is_none_or(|s| s.base.is_some() || t < s.from_ms)
        {
            return;
        }
        self.take_ownership();
    }

    fn take_ownership(&mut self) {
        // Everything decided so far is the precursor's: dropped.
        self.drain_groups(&mut Vec::new());
        let mut base = self.stats();
        // Counted on arrival, and only for the shard's own times.
        base.messages = 0;
        base.positions = 0;
        base.statics = 0;
        base.other_messages = 0;
        base.time_out_of_range = 0;
        self.stats.first_ms = None;
        self.stats.last_ms = None;
        if let Some(s) = self.shard.as_mut() {
            s.base = Some(base);
        }
    }

    /// The counters of this shard's own time ([`Census::with_shard`];
    /// [`Census::stats`] when the census is not a shard): the counters
    /// since ownership began, `vessels` the distinct MMSIs judged since,
    /// `first_ms`/`last_ms` over them. Gauges (`ids_not_mmsis`,
    /// `on_land.traffic_water_cells`) are as they are now.
    pub fn shard_stats(&self) -> CensusStats {
        let now = self.stats();
        let Some(own) = &self.shard else {
            return now;
        };
        let Some(base) = &own.base else {
            return CensusStats {
                ids_not_mmsis: now.ids_not_mmsis,
                ..CensusStats::default()
            };
        };
        let mut s = crate::shard::stats_since(&now, base);
        s.vessels = own.vessels.len() as u64;
        s
    }

    /// The MMSIs judged in this shard's own time, sorted (empty when the
    /// census is not a shard).
    pub fn shard_vessels(&self) -> Vec<u32> {
        let mut v: Vec<u32> = self
            .shard
            .as_ref()
            .map(|s| s.vessels.keys().copied().collect())
            .unwrap_or_default();
        v.sort_unstable();
        v
    }

    /// Judges positions on land against these inland waters too (use
    /// `Land::inland_water()` for the bundled Natural Earth 1:50m lakes and
    /// river centre lines): a position within
    /// `spoofing.on_land_min_inland_m` of a lake shore or river line, or in
    /// a lake, is not on land. Call it before the first message.
    pub fn with_inland_water(mut self, water: Land) -> Census {
        self.water = Some(Arc::new(water));
        self
    }

    /// Runs the detector groups (near misses; encounters and loitering;
    /// gaps and spoofing) on up to `threads - 1` worker threads while the
    /// caller's thread keeps the picture (1, the default: everything on the
    /// caller's thread). The findings are the same, kind by kind and in the
    /// same order, whatever the number: every group judges the same steps
    /// in the same order, and no group sees another's state. Findings come
    /// out a few thousand messages later than with one thread (all of them
    /// by [`Census::finish`]). Call it before the first message.
    pub fn with_threads(mut self, threads: usize) -> Census {
        self.threads = threads.max(1);
        self
    }

    /// Steps of the picture handed to the worker threads at a time
    /// (default 16,384, about 5,000 messages; at most three batches are in
    /// flight). Smaller batches give findings sooner and cost more
    /// hand-overs; the findings are the same.
    pub fn with_batch_steps(mut self, steps: usize) -> Census {
        self.batch_steps = steps.max(1);
        self
    }

    /// The settings.
    pub fn config(&self) -> &CensusConfig {
        &self.cfg
    }

    /// The counters so far (the detectors' own counters — near misses,
    /// resampling, on land, findings — as of the last batch the worker
    /// threads reported, and complete after [`Census::finish`]).
    pub fn stats(&self) -> CensusStats {
        let mut s = self.stats.clone();
        let inline;
        let gs: &[GroupStats] = match &self.groups {
            Some(Groups::Inline(g)) => {
                inline = g.iter().map(Detect::stats).collect::<Vec<_>>();
                &inline
            }
            _ => &self.group_stats,
        };
        s.near_miss = NearMissStats::default();
        s.resample = ResampleStats::default();
        for g in gs {
            if let Some(x) = &g.on_land {
                s.on_land = x.clone();
            }
            if let Some(x) = &g.near_miss {
                s.near_miss = x.clone();
            }
            if let Some(x) = &g.resample {
                s.resample = x.clone();
            }
            for (k, n) in &g.findings {
                *s.findings.entry(k.clone()).or_default() += n;
            }
        }
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
        let mut out = Vec::new();
        for &id in ids {
            if self.not_mmsis.insert(id, ()).is_none() {
                self.stats.ids_not_mmsis += 1;
            }
            if let Some(&slot) = self.index.get(&id) {
                if self.vessels[slot as usize].invalid {
                    self.vessels[slot as usize].invalid = false;
                    self.steps.push(Step::NotMmsi(slot));
                }
            }
        }
        self.hand_on(&mut out, true);
        debug_assert!(out.is_empty(), "dropping an episode finds nothing");
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
        // A shard counts the messages of its own time only (its precursor
        // is counted by the shard that owns it).
        let count = u64::from(self.shard.as_ref().is_none_or(|s| time_ms >= s.from_ms));
        self.stats.messages += count;
        if is_position(&msg.body) {
            self.stats.positions += count;
        } else if is_static(&msg.body) {
            self.stats.statics += count;
        } else {
            self.stats.other_messages += count;
            return;
        }
        match self.gate.admit(Some(time_ms), None) {
            Ok(a) => {
                self.gate.advance(a.time_ms);
            }
            Err(TimeReject::OutOfRange) => {
                self.stats.time_out_of_range += count;
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
            self.take_ownership_at(p.t);
            self.process(&p.msg, p.t);
            self.hand_on(out, false);
        }
    }

    /// Ends the input: everything buffered is processed and every open
    /// situation judged.
    ///
    /// A shard ([`Census::with_shard`]) that is not the last judges its
    /// messages and stops: what is still open is left to a later shard.
    pub fn finish(&mut self, out: &mut Vec<Finding>) {
        while let Some(p) = self.reorder.pop_front() {
            self.take_ownership_at(p.t);
            self.process(&p.msg, p.t);
            self.hand_on(out, false);
        }
        let last = self.shard.as_ref().is_none_or(|s| s.last);
        if last && !self.owning() {
            // What is judged at the end belongs to the last shard.
            self.take_ownership();
        }
        if !last {
            if self.owning() {
                self.drain_groups(out);
            } else {
                self.drain_groups(&mut Vec::new());
            }
            return;
        }
        self.hand_on(out, true);
        match self.groups.take() {
            None => {}
            Some(Groups::Inline(mut gs)) => {
                for g in &mut gs {
                    g.finish(out);
                }
                self.groups = Some(Groups::Inline(gs));
            }
            Some(Groups::Threads(pool)) => {
                let gs = pool.finish(out, &mut self.finished_log);
                self.groups = Some(Groups::Inline(gs));
            }
        }
    }

    /// Hands the steps so far to the detector groups: at once on one
    /// thread, by batches (or all of them, `all`) on worker threads.
    fn hand_on(&mut self, out: &mut Vec<Finding>, all: bool) {
        if self.owning() {
            self.hand_on_into(out, all);
        } else {
            // A shard's precursor: its findings are not the shard's (few:
            // the vector allocates only if there are any).
            self.hand_on_into(&mut Vec::new(), all);
        }
    }

    /// Hands every step on and collects every batch in flight (the groups
    /// stay open), so that nothing decided so far is still to come.
    fn drain_groups(&mut self, out: &mut Vec<Finding>) {
        self.hand_on_into(out, true);
        if let Some(Groups::Threads(pool)) = self.groups.as_mut() {
            pool.drain(out, &mut self.group_stats);
        }
    }

    fn hand_on_into(&mut self, out: &mut Vec<Finding>, all: bool) {
        if self.steps.is_empty() {
            return;
        }
        if self.groups.is_none() {
            let mut gs = groups(&self.cfg, &self.land, &self.water);
            if self.pair_log {
                gs.iter_mut().for_each(Detect::log_pairs);
            }
            self.groups = Some(if self.threads > 1 && !gs.is_empty() {
                Groups::Threads(Pool::new(gs, self.threads - 1))
            } else {
                Groups::Inline(gs)
            });
        }
        match self.groups.as_mut() {
            Some(Groups::Inline(gs)) => {
                for g in gs.iter_mut() {
                    g.apply(&self.steps, out);
                }
                self.steps.clear();
            }
            Some(Groups::Threads(pool)) if all || self.steps.len() >= self.batch_steps => {
                let steps = std::mem::take(&mut self.steps);
                pool.send(steps, out, &mut self.group_stats);
            }
            Some(Groups::Threads(_)) | None => {}
        }
    }

    fn slot_of(&mut self, mmsi: u32, t: i64) -> u32 {
        if let Some(&s) = self.index.get(&mmsi) {
            return s;
        }
        self.stats.vessels += 1;
        let mut v = Vessel::new(mmsi, t);
        let invalid = if self.cfg.spoofing.invalid_mmsi
            && self.cfg.detectors.spoofing
            && !self.not_mmsis.contains_key(&mmsi)
        {
            invalid_mmsi_reason(mmsi)
        } else {
            None
        };
        v.invalid = invalid.is_some();
        let slot = match self.free.pop() {
            Some(s) => {
                self.vessels[s as usize] = v;
                s
            }
            None => {
                self.vessels.push(v);
                (self.vessels.len() - 1) as u32
            }
        };
        self.index.insert(mmsi, slot);
        self.steps.push(Step::New {
            slot,
            mmsi,
            t,
            invalid,
        });
        slot
    }

    fn process(&mut self, msg: &AisMessage, t: i64) {
        if let Some(s) = self.shard.as_mut().filter(|s| s.base.is_some()) {
            s.vessels.insert(msg.mmsi, ());
        }
        if t < self.now_ms {
            self.stats.late += 1;
        } else {
            self.now_ms = t;
            self.steps.push(Step::Now(t));
            self.periodic();
        }
        self.stats.first_ms = Some(self.stats.first_ms.map_or(t, |f| f.min(t)));
        self.stats.last_ms = Some(self.stats.last_ms.map_or(t, |l| l.max(t)));
        if is_static(&msg.body) {
            self.on_static(msg, t);
        } else {
            self.on_position(msg, t);
        }
        self.steps.push(Step::End);
    }

    /// Every hour of data time: vessels silent for `forget_after_s` are
    /// forgotten (after the detectors' own hourly work, which
    /// [`Step::Now`] starts).
    fn periodic(&mut self) {
        let now = self.now_ms;
        if now < self.next_hour_ms {
            return;
        }
        let first = self.next_hour_ms == i64::MIN;
        self.next_hour_ms = (now.div_euclid(3_600_000) + 1) * 3_600_000;
        if first {
            return;
        }
        let forget_ms = (self.cfg.forget_after_s * 1000.0) as i64;
        for slot in 0..self.vessels.len() {
            let v = &self.vessels[slot];
            if v.free || now - v.last_seen_ms <= forget_ms {
                continue;
            }
            self.steps.push(Step::Forget(slot as u32));
            self.index.remove(&v.mmsi);
            self.vessels[slot] = Vessel::new(0, 0);
            self.vessels[slot].free = true;
            self.free.push(slot as u32);
            self.stats.vessels_forgotten += 1;
        }
    }

    fn on_static(&mut self, msg: &AisMessage, t: i64) {
        let slot = self.slot_of(msg.mmsi, t);
        let v = &mut self.vessels[slot as usize];
        v.last_seen_ms = v.last_seen_ms.max(t);
        let name = |s: &str| {
            let s = s.trim();
            (!s.is_empty()).then(|| Arc::<str>::from(s))
        };
        let length = |d: &finisterra_ais::Dimensions| {
            let l = d.to_bow as f64 + d.to_stern as f64;
            (l > 0.0).then_some(l)
        };
        let kind = |k: u8| (k != 0).then_some(k);
        let step = match &msg.body {
            Body::StaticVoyage(s) => Some((
                name(s.shipname.as_str()),
                kind(s.shiptype),
                length(&s.dimensions),
            )),
            Body::StaticData(StaticDataReport::PartA { shipname }) => {
                Some((name(shipname.as_str()), None, None))
            }
            Body::StaticData(StaticDataReport::PartB(b)) => {
                Some((None, kind(b.shiptype), length(&b.dimensions)))
            }
            _ => None,
        };
        if let Some((name, ship_type, length_m)) = step {
            if name.is_some() || ship_type.is_some() || length_m.is_some() {
                self.steps.push(Step::Static {
                    slot,
                    name,
                    ship_type,
                    length_m,
                });
            }
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

    fn on_position(&mut self, msg: &AisMessage, t: i64) {
        let slot = self.slot_of(msg.mmsi, t);
        let (lat, lon) = msg_latlon(&msg.body);
        {
            let v = &mut self.vessels[slot as usize];
            v.last_seen_ms = v.last_seen_ms.max(t);
            if let (Some(la), Some(lo)) = (lat, lon) {
                if v.last_raw == (t, la, lo) {
                    self.stats.duplicates += 1;
                    return;
                }
                v.last_raw = (t, la, lo);
                if v.invalid {
                    self.steps.push(Step::Reported {
                        slot,
                        t,
                        lat: la,
                        lon: lo,
                    });
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
                let made_good = self.vessels[slot as usize]
                    .last
                    .filter(|p| {
                        need && !reacquired
                            && v.fix_ms > p.0
                            && (v.fix_ms - p.0) as f64 <= nm.max_interpolation_s * 1000.0
                    })
                    .map(|p| {
                        let d = quick_distance_m(p.1, p.2, v.lat_deg, v.lon_deg);
                        let kn = d / ((v.fix_ms - p.0) as f64 / 1000.0) / MPS_PER_KN;
                        let cog = if d > 10.0 {
                            finisterra_nav::geo::initial_bearing_deg(p.1, p.2, v.lat_deg, v.lon_deg)
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
                self.vessels[slot as usize].last = Some((fix.t, fix.lat, fix.lon));
                if let Some(e) = self.export.as_mut() {
                    e.push(AcceptedPosition {
                        mmsi: msg.mmsi,
                        time_ms: fix.t,
                        lat: fix.lat,
                        lon: fix.lon,
                        sog_kn: fix.sog,
                        cog_deg: fix.cog,
                    });
                }
                self.steps.push(Step::Fix {
                    slot,
                    t,
                    fix,
                    reacquired,
                });
            }
            Outcome::Rejected { reason, conflict } => {
                *self.stats.rejected.entry(reason.to_string()).or_default() += 1;
                if conflict {
                    self.stats.mmsi_conflicts += 1;
                }
                if reason == "position_teleport" && self.cfg.detectors.spoofing {
                    let (Some(lat), Some(lon)) = (lat, lon) else {
                        return;
                    };
                    let main = self
                        .engine
                        .picture()
                        .vessel(msg.mmsi)
                        .filter(|v| v.has_fix())
                        .map(|v| (v.lat_deg, v.lon_deg, v.fix_ms));
                    self.steps.push(Step::Teleport {
                        slot,
                        t,
                        lat,
                        lon,
                        conflict,
                        main,
                    });
                }
            }
            Outcome::Ignored => {}
        }
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

//! The archive's index: near misses, encounters and gaps judged again,
//! with other thresholds, without reading a single position.
//!
//! A census of an archive spends nearly all its time turning positions
//! into the picture and the tracks. The judgements only look at a few
//! things: the close pairs of resampled positions (encounters), the
//! silences (gaps), the pairs followed for a near miss as they closed. A
//! census run with the widest thresholds an analyst will ask for (the
//! *build* thresholds, [`PairIndexSpec`]) logs them ([`PairLog`]), with
//! when each resampled instant was completed and when the vessels' names
//! and types changed ([`VesselEvent`]), counted in messages. A rerun
//! ([`replay`]) with any thresholds within the build's keeps what passes
//! them and judges it with the census's own code, names the vessels as the
//! census would have named them at that message, and puts each message's
//! findings in the census's canonical order. So the tables are the
//! census's, byte for byte (`tests/pairs.rs`).
//!
//! Everything that decides which positions count (the picture, the
//! resampling grid, the reorder window) is fixed when the index is built:
//! [`PairIndexMeta::check`] refuses an index built with other settings,
//! naming the setting.

use serde::{Deserialize, Serialize};

use finisterra_geofence::Land;

use crate::census::CensusStats;
use crate::config::{CensusConfig, Detectors};
use crate::detect::{canonical_order, judge_gap};
use crate::finding::Finding;
use crate::nearmiss::{judge_candidate, NearMissCandidate};
use crate::resample::{
    judge_encounter, judge_loiter, loiter_step, speed_cap_kn, EncounterRuns, LoiterSample,
};
use crate::track::LoiterRun;
use crate::track::Track;
use crate::util::FastMap;

/// One close pair at one resampled instant: the vessel with the lower
/// MMSI is `a`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairRow {
    /// The instant, ms since the epoch.
    pub time_ms: i64,
    /// The lower MMSI.
    pub mmsi_a: u32,
    /// The higher MMSI.
    pub mmsi_b: u32,
    /// Distance between the two resampled positions, m.
    pub distance_m: f64,
    /// Vessel `a`: latitude, longitude (degrees), speed made good (knots,
    /// NaN when unknown).
    pub a: (f64, f64, f32),
    /// Vessel `b`, likewise.
    pub b: (f64, f64, f32),
    /// The run of consecutive instants at the index's thresholds it belongs
    /// to (numbered from 0 as runs start, while the index is built).
    pub run: u32,
}

/// What happened to a vessel's identity, as the encounter detector sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VesselEventKind {
    /// The vessel is (again) known: no name, no type.
    New,
    /// Its name or type changed (the row holds both as they now are).
    Static,
    /// It is forgotten after a long silence: its open runs end.
    Forget,
}

impl VesselEventKind {
    /// The code stored in the index.
    pub fn code(self) -> u8 {
        match self {
            VesselEventKind::New => 0,
            VesselEventKind::Static => 1,
            VesselEventKind::Forget => 2,
        }
    }

    /// The kind of a stored code.
    pub fn from_code(c: u8) -> Option<VesselEventKind> {
        match c {
            0 => Some(VesselEventKind::New),
            1 => Some(VesselEventKind::Static),
            2 => Some(VesselEventKind::Forget),
            _ => None,
        }
    }
}

/// A change of a vessel's identity at message `msg`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VesselEvent {
    /// Messages judged before it (it comes before message `msg` ends).
    pub msg: u64,
    /// The vessel.
    pub mmsi: u32,
    /// What happened.
    pub kind: VesselEventKind,
    /// Its name since (`Static`).
    pub name: Option<String>,
    /// Its ship type since (`Static`).
    pub ship_type: Option<u8>,
}

/// The two ends of a silence of one vessel and its reception before it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GapEnds {
    /// The last fix before: time (ms), latitude, longitude.
    pub start: (i64, f64, f64),
    /// The first fix after.
    pub end: (i64, f64, f64),
    /// Positions in the 12 hours before the start.
    pub p12: u32,
    /// Positions in the 48 hours before the start.
    pub p48: u32,
}

/// A silence of one vessel at least as long as the index's shortest gap,
/// ended by message `msg` (its first fix after).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GapRow {
    /// Messages judged before the one that ended it.
    pub msg: u64,
    /// The vessel.
    pub mmsi: u32,
    /// Its ends and the reception before it.
    pub ends: GapEnds,
}

/// The message number of what is judged at the end of the data.
pub const AT_END: u64 = u64::MAX;

/// What a census building a pair index logged since it was last drained.
#[derive(Debug, Clone, Default)]
pub struct PairLog {
    /// Messages judged so far (the index's clock).
    pub(crate) msg: u64,
    /// Instants completed: (instant, ms since the epoch; the message at
    /// whose end it was completed, [`AT_END`] at the end of the data).
    pub instants: Vec<(i64, u64)>,
    /// Close pairs, instant by instant.
    pub pairs: Vec<PairRow>,
    /// Identity changes, in order.
    pub events: Vec<VesselEvent>,
    /// Gap candidates, in order.
    pub gaps: Vec<GapRow>,
    /// Runs that ended, with their shore class ([`SHORE_CLASSES_M`]).
    pub run_classes: Vec<(u32, u8)>,
    /// Near-miss candidates (closed pairs that may be near misses), in
    /// order.
    pub near_misses: Vec<NearMissCandidate>,
    /// The loitering detector's slow positions and run ends, in order.
    pub loiter: Vec<LoiterRow>,
    /// Identity changes logged so far, drained or not (where a
    /// [`LoiterRow`] falls among them).
    pub(crate) events_seen: u64,
    /// Runs still open (not drained).
    pub(crate) open: FastMap<(u32, u32), OpenRun>,
    /// The next run's number.
    pub(crate) next_run: u32,
}

/// The extent of an open run's midpoints (longitudes unwrapped from its
/// first).
#[derive(Debug, Clone, Copy)]
pub(crate) struct OpenRun {
    pub id: u32,
    pub lon0: f64,
    pub lat: (f64, f64),
    pub lon: (f64, f64),
}

/// The shore classes of runs, upper bounds in metres: a run is in the first
/// class whose bound is above the largest distance from the coast that the
/// mean of any part of it can have (the distance of the centre of its
/// midpoints' box plus half the box's diagonal, with a margin). A rerun
/// that wants encounters at least `S` from the coast skips the classes
/// bounded by `S` or less: none of their runs can give one. The last class
/// is unbounded.
pub const SHORE_CLASSES_M: [f64; 3] = [1_000.0, 5_000.0, 10_000.0];

/// The shore class of a run whose midpoints span these latitudes and
/// (unwrapped) longitudes: an index into [`SHORE_CLASSES_M`], or its length
/// for the unbounded class.
pub fn shore_class(land: &Land, lat: (f64, f64), lon: (f64, f64)) -> u8 {
    let top = SHORE_CLASSES_M.len() as u8;
    if lon.1 - lon.0 > 90.0 || !(lat.0.is_finite() && lat.1.is_finite()) {
        return top;
    }
    let (clat, clon) = ((lat.0 + lat.1) * 0.5, (lon.0 + lon.1) * 0.5);
    let half_diag_m = finisterra_nav::geo::distance_m(lat.0, lon.0, lat.1, lon.1) * 0.5;
    if !half_diag_m.is_finite() {
        return top;
    }
    let margin_m = half_diag_m * 1.01 + 50.0;
    let search_m = SHORE_CLASSES_M[SHORE_CLASSES_M.len() - 1] * 1.01;
    let clon = finisterra_nav::geo::wrap_lon_once_deg(clon);
    match land.distance_to_coast_within_m(clat, clon, search_m) {
        None => top,
        Some(d) => SHORE_CLASSES_M
            .iter()
            .position(|&b| d + margin_m < b)
            .map_or(top, |i| i as u8),
    }
}

impl PairLog {
    /// Moves what was logged into `into` (appending), keeping the clock.
    pub fn drain_into(&mut self, into: &mut PairLog) {
        into.msg = self.msg;
        into.instants.append(&mut self.instants);
        into.pairs.append(&mut self.pairs);
        into.events.append(&mut self.events);
        into.gaps.append(&mut self.gaps);
        into.run_classes.append(&mut self.run_classes);
        into.near_misses.append(&mut self.near_misses);
        into.loiter.append(&mut self.loiter);
    }

    /// Logs a change of a vessel's identity.
    pub(crate) fn log_event(&mut self, e: VesselEvent) {
        self.events.push(e);
        self.events_seen += 1;
    }

    /// Logs a position of `mmsi` slow at the index's loitering speed, or
    /// (`None`) the end of its run at the index's speed.
    pub(crate) fn log_loiter(&mut self, mmsi: u32, sample: Option<LoiterSample>) {
        self.loiter.push(LoiterRow {
            msg: self.msg,
            events_before: self.events_seen,
            mmsi,
            sample,
        });
    }
}

/// What the loitering detector saw of one vessel at one message, as an
/// index keeps it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoiterRow {
    /// Messages judged before it.
    pub msg: u64,
    /// Identity changes logged before it (all vessels): where it falls
    /// among them, within its message.
    pub events_before: u64,
    /// The vessel.
    pub mmsi: u32,
    /// A resampled position slower than the index's loitering speed; `None`
    /// where its run at that speed ended otherwise (a faster position, or
    /// a silence swept).
    pub sample: Option<LoiterSample>,
}

/// The largest thresholds a pair index answers for.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PairIndexSpec {
    /// Pairs within this distance, m.
    pub max_distance_m: f64,
    /// Encounters with median speeds below this, knots (positions faster
    /// than the encounter detector's cap for it are not kept).
    pub max_median_sog_kn: f64,
    /// Gaps of at least this long, seconds.
    pub min_gap_s: f64,
    /// Near misses closer than this, NM.
    pub max_near_miss_nm: f64,
    /// Loitering slower than this, knots.
    pub max_loiter_sog_kn: f64,
}

impl Default for PairIndexSpec {
    fn default() -> PairIndexSpec {
        PairIndexSpec {
            max_distance_m: 2_000.0,
            max_median_sog_kn: 4.0,
            min_gap_s: 3_600.0,
            max_near_miss_nm: 1.0,
            max_loiter_sog_kn: 4.0,
        }
    }
}

impl PairIndexSpec {
    /// The settings of the census that builds the index: `cfg` with every
    /// detector, at the index's thresholds.
    pub fn build_config(&self, cfg: &CensusConfig) -> CensusConfig {
        let mut c = *cfg;
        c.detectors = INDEXED;
        c.encounter.max_distance_m = self.max_distance_m;
        c.encounter.max_median_sog_kn = self.max_median_sog_kn;
        c.gap.min_duration_s = self.min_gap_s;
        c.near_miss.distance_nm = self.max_near_miss_nm;
        c.loitering.max_sog_kn = self.max_loiter_sog_kn;
        c
    }

    /// The near-miss distance bands, upper bounds in NM (then the
    /// candidates kept for their ship domain alone).
    pub fn near_miss_bands_nm(&self) -> [f64; 3] {
        let d = self.max_near_miss_nm;
        [d / 4.0, d / 2.0, d]
    }

    /// The distance bands the pairs are kept in, upper bounds in metres
    /// (a rerun at a shorter distance reads only the bands below it):
    /// the largest distance halved three times.
    pub fn bands_m(&self) -> [f64; 4] {
        let d = self.max_distance_m;
        [d / 8.0, d / 4.0, d / 2.0, d]
    }
}

/// The detectors an index answers for.
pub const INDEXED: Detectors = Detectors {
    near_misses: true,
    encounters: true,
    loitering: true,
    gaps: true,
    spoofing: true,
};

/// One distance band of the pairs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Band {
    /// Its file in the index's directory.
    pub file: String,
    /// Pairs above this distance, metres ...
    pub above_m: f64,
    /// ... and up to this.
    pub upto_m: f64,
    /// Pairs of runs whose means all lie less than this from the coast
    /// (the class's bound, [`SHORE_CLASSES_M`]); `None`: any distance.
    pub shore_below_m: Option<f64>,
    /// Its rows.
    pub rows: u64,
}

/// What a census does with a [`Band`] of pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BandUse {
    /// Not within its distance (or no encounters asked for).
    Skip,
    /// Within its distance, but no run of it can give an encounter as far
    /// from the coast as asked: its close pairs are only counted.
    Count,
    /// Read and judged.
    Read,
}

impl Band {
    /// What a census with `cfg` does with this band.
    pub fn use_for(&self, cfg: &CensusConfig) -> BandUse {
        let ec = cfg.encounter;
        if !cfg.detectors.encounters || self.above_m >= ec.max_distance_m {
            BandUse::Skip
        } else if self
            .shore_below_m
            .is_some_and(|s| s <= ec.min_shore_distance_m)
        {
            BandUse::Count
        } else {
            BandUse::Read
        }
    }
}

/// One file of near-miss candidates: those whose closest distance is in
/// `[above_nm, upto_nm)` (`upto_nm` None: at or beyond the index's
/// distance, kept for their ship domain).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NearMissBand {
    /// Its file in the index's directory.
    pub file: String,
    /// Closest distance at least this, NM ...
    pub above_nm: f64,
    /// ... and below this.
    pub upto_nm: Option<f64>,
    /// Candidates in it.
    pub rows: u64,
    /// CBOR arrays (of at most [`NEAR_MISS_CHUNK`] candidates) in it.
    pub chunks: u64,
}

/// Near-miss candidates per CBOR array of a [`NearMissBand`].
pub const NEAR_MISS_CHUNK: usize = 1024;

impl NearMissBand {
    /// Whether a census with `cfg` needs this file: by distance, the bands
    /// below its distance; by ship domain, all.
    pub fn needed(&self, cfg: &CensusConfig) -> bool {
        cfg.detectors.near_misses
            && (cfg.near_miss.criterion != crate::config::NearMissCriterion::Distance
                || self.above_nm < cfg.near_miss.distance_nm)
    }
}

/// The index's description (`index.json` beside its tables).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairIndexMeta {
    /// Always [`PAIRS_FORMAT`].
    pub format: String,
    /// [`PAIRS_VERSION`].
    pub version: u32,
    /// The thresholds it answers for.
    pub spec: PairIndexSpec,
    /// The settings of the census that built it.
    pub config: CensusConfig,
    /// The archive's part files it was built from (manifest order).
    pub parts: Vec<String>,
    /// Rows read from the archive.
    pub archive_rows: u64,
    /// The building census's counters (its findings and close pairs are
    /// replaced by the rerun's).
    pub stats: CensusStats,
    /// The pair tables, by distance band and shore class.
    pub bands: Vec<Band>,
    /// The land the shore classes were judged against (`census --land`):
    /// a rerun must use the same.
    pub land: String,
    /// Rows of the instant table.
    pub instants: u64,
    /// Rows of the vessel event table.
    pub events: u64,
    /// Rows of the gap table.
    pub gaps: u64,
    /// The near-miss candidates, by closest distance.
    pub near_miss_bands: Vec<NearMissBand>,
    /// Rows of the loitering table.
    pub loitering: u64,
    /// The inland waters the building census judged positions on land
    /// with (`census --inland-water`): a rerun with spoofing must use the
    /// same.
    pub inland_water: String,
    /// Spoofing findings kept (as the building census found them).
    pub spoofing: u64,
}

/// `format` of an index description.
pub const PAIRS_FORMAT: &str = "finisterra-pairs";
/// The layout version this build writes and reads. 3: a vessel looks for
/// near-miss neighbours once in each minute of data time (an index of 2
/// kept candidates found on the schedule before, a few milliseconds apart
/// in their start times: it is refused and built again, never mixed). 4:
/// an `on_land` episode needs `spoofing.on_land_min_positions` positions
/// (an index of 3 kept single-fix ones among its spoofing findings).
pub const PAIRS_VERSION: u32 = 4;

impl PairIndexMeta {
    /// Close pairs kept (all bands).
    pub fn pairs(&self) -> u64 {
        self.bands.iter().map(|b| b.rows).sum()
    }

    /// Near-miss candidates kept (all bands).
    pub fn near_miss_candidates(&self) -> u64 {
        self.near_miss_bands.iter().map(|b| b.rows).sum()
    }

    /// The counters of a census with `cfg` answered from this index: the
    /// building census's (the picture's are the same), the detectors not
    /// asked for left out, the close pairs (`close_pairs`, from [`replay`]
    /// and the bands only counted) and the findings the rerun's.
    pub fn stats_for(
        &self,
        cfg: &CensusConfig,
        close_pairs: u64,
        found: &[Finding],
    ) -> CensusStats {
        let d = cfg.detectors;
        let mut stats = self.stats.clone();
        let built = &self.stats.resample;
        stats.resample = if d.encounters {
            crate::resample::ResampleStats {
                close_pairs,
                ..built.clone()
            }
        } else if d.loitering {
            // Without encounters no instant is completed.
            crate::resample::ResampleStats {
                points: built.points,
                ..Default::default()
            }
        } else {
            Default::default()
        };
        if !d.near_misses {
            stats.near_miss = Default::default();
        }
        if !d.spoofing {
            stats.on_land = Default::default();
        }
        stats.findings.clear();
        for f in found {
            *stats
                .findings
                .entry(f.kind().name().to_string())
                .or_default() += 1;
        }
        stats
    }

    /// Whether a census with `cfg` may be answered from this index: `Err`
    /// names what stands in the way.
    pub fn check(&self, cfg: &CensusConfig) -> Result<(), String> {
        let d = cfg.detectors;
        if !(d.encounters || d.gaps || d.near_misses || d.loitering || d.spoofing) {
            return Err("no detector is asked for".into());
        }
        if d.loitering && cfg.loitering.max_sog_kn > self.spec.max_loiter_sog_kn {
            return Err(format!(
                "loitering.max_sog_kn {} is above the index's {}",
                cfg.loitering.max_sog_kn, self.spec.max_loiter_sog_kn
            ));
        }
        if d.near_misses && cfg.near_miss.distance_nm > self.spec.max_near_miss_nm {
            return Err(format!(
                "near_miss.distance_nm {} is above the index's {}",
                cfg.near_miss.distance_nm, self.spec.max_near_miss_nm
            ));
        }
        if d.gaps && cfg.gap.min_duration_s < self.spec.min_gap_s {
            return Err(format!(
                "gap.min_duration_s {} is below the index's {}",
                cfg.gap.min_duration_s, self.spec.min_gap_s
            ));
        }
        if cfg.encounter.max_distance_m > self.spec.max_distance_m {
            return Err(format!(
                "encounter.max_distance_m {} is above the index's {}",
                cfg.encounter.max_distance_m, self.spec.max_distance_m
            ));
        }
        if speed_cap_kn(cfg.encounter.max_median_sog_kn) > speed_cap_kn(self.spec.max_median_sog_kn)
        {
            return Err(format!(
                "encounter.max_median_sog_kn {} is above the index's {}",
                cfg.encounter.max_median_sog_kn, self.spec.max_median_sog_kn
            ));
        }
        let ours = neutral(cfg);
        let theirs = neutral(&self.config);
        if let Some(key) = first_difference("", &ours, &theirs) {
            return Err(format!(
                "the index was built with another {key} ({} here, {} in the index)",
                lookup(&ours, &key),
                lookup(&theirs, &key)
            ));
        }
        Ok(())
    }
}

/// The settings that shape the picture and the resampled tracks, as JSON:
/// the judgement thresholds of every detector are left out.
fn neutral(cfg: &CensusConfig) -> serde_json::Value {
    let d = CensusConfig::default();
    let mut c = *cfg;
    c.detectors = d.detectors;
    if cfg.detectors.near_misses {
        // What a rerun may change: the distance, the criterion and what
        // counts as a manoeuvre (judged on the kept history).
        let n = &mut c.near_miss;
        n.distance_nm = d.near_miss.distance_nm;
        n.criterion = d.near_miss.criterion;
        n.manoeuvre_course_deg = d.near_miss.manoeuvre_course_deg;
        n.manoeuvre_rot_deg_per_min = d.near_miss.manoeuvre_rot_deg_per_min;
        n.manoeuvre_speed_fraction = d.near_miss.manoeuvre_speed_fraction;
        n.manoeuvre_window_s = d.near_miss.manoeuvre_window_s;
    } else {
        c.near_miss = d.near_miss;
    }
    if !cfg.detectors.spoofing {
        // Spoofing's settings judge nothing else (a rerun with spoofing
        // takes the building census's findings: the same settings).
        c.spoofing = d.spoofing;
    }
    c.encounter = d.encounter;
    c.loitering = d.loitering;
    c.gap = d.gap;
    c.shore_search_m = d.shore_search_m;
    serde_json::to_value(c).unwrap_or(serde_json::Value::Null)
}

fn first_difference(path: &str, a: &serde_json::Value, b: &serde_json::Value) -> Option<String> {
    match (a, b) {
        (serde_json::Value::Object(x), serde_json::Value::Object(y)) => {
            for (k, v) in x {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match y.get(k) {
                    Some(w) => {
                        if let Some(d) = first_difference(&p, v, w) {
                            return Some(d);
                        }
                    }
                    None => return Some(p),
                }
            }
            y.keys().find(|k| !x.contains_key(*k)).map(|k| {
                if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                }
            })
        }
        _ => (a != b).then(|| path.to_string()),
    }
}

fn lookup(v: &serde_json::Value, key: &str) -> serde_json::Value {
    key.split('.')
        .try_fold(v, |v, k| v.get(k))
        .cloned()
        .unwrap_or(serde_json::Value::Null)
}

/// Whether a logged pair (distance, both speeds) is close for a census with
/// `cfg`: within its distance, neither vessel above its speed cap.
pub fn within(cfg: &CensusConfig, distance_m: f64, sog_a_kn: f32, sog_b_kn: f32) -> bool {
    let ec = cfg.encounter;
    let cap = speed_cap_kn(ec.max_median_sog_kn);
    let slow = |s: f32| s.is_nan() || (s as f64) < cap;
    distance_m <= ec.max_distance_m && slow(sog_a_kn) && slow(sog_b_kn)
}

/// Findings grouped by the message that decided them, each group put in
/// the census's canonical order as the next one starts.
#[derive(Default)]
struct ByMessage {
    group: Vec<Finding>,
    msg: u64,
}

impl ByMessage {
    /// The next findings are decided at message `msg`.
    fn at(&mut self, msg: u64, out: &mut Vec<Finding>) {
        if msg != self.msg {
            self.flush(out);
            self.msg = msg;
        }
    }

    fn push(&mut self, f: Finding) {
        self.group.push(f);
    }

    fn flush(&mut self, out: &mut Vec<Finding>) {
        canonical_order(&mut self.group);
        out.append(&mut self.group);
    }
}

/// The vessels' names and types as the census knows them at a message.
#[derive(Default)]
struct Identities(FastMap<u32, Track>);

impl Identities {
    fn apply(&mut self, e: &VesselEvent) {
        match e.kind {
            VesselEventKind::New | VesselEventKind::Static => {
                let t = self.0.entry(e.mmsi).or_insert_with(|| Track::new(e.mmsi));
                t.name = e.name.clone();
                t.ship_type = e.ship_type;
            }
            VesselEventKind::Forget => {
                self.0.remove(&e.mmsi);
            }
        }
    }

    fn track(&self, mmsi: u32) -> Track {
        self.0
            .get(&mmsi)
            .cloned()
            .unwrap_or_else(|| Track::new(mmsi))
    }
}

/// Encounters judged again from a pair index. Feed it, in the index's
/// order, each message's identity changes ([`PairReplay::event`]) and then
/// the instants completed at its end with their pairs
/// ([`PairReplay::instant`]); [`PairReplay::finish`] judges what is open.
pub struct PairReplay<'a> {
    cfg: CensusConfig,
    land: &'a Land,
    res_ms: i64,
    runs: EncounterRuns,
    names: Identities,
    decided: ByMessage,
    /// Pairs within the rerun's thresholds (summed over instants).
    pub close_pairs: u64,
}

impl<'a> PairReplay<'a> {
    /// A rerun with `cfg` (checked with [`PairIndexMeta::check`] first).
    pub fn new(cfg: &CensusConfig, land: &'a Land) -> PairReplay<'a> {
        PairReplay {
            cfg: *cfg,
            land,
            res_ms: (cfg.resample_s * 1000.0) as i64,
            runs: EncounterRuns::new(cfg),
            names: Identities::default(),
            decided: ByMessage::default(),
            close_pairs: 0,
        }
    }

    fn judge(&mut self, ended: Vec<((u32, u32), Box<crate::resample::Run>)>) {
        for ((a, b), run) in ended {
            let (ta, tb) = (self.names.track(a), self.names.track(b));
            if let Some(f) = judge_encounter(&run, &ta, &tb, &self.cfg, self.res_ms, self.land) {
                self.decided.push(Finding::Encounter(f));
            }
        }
    }

    /// A vessel's identity changed.
    pub fn event(&mut self, e: &VesselEvent, out: &mut Vec<Finding>) {
        self.decided.at(e.msg, out);
        if e.kind == VesselEventKind::Forget {
            let ended = self.runs.take_of(e.mmsi);
            self.judge(ended);
        }
        self.names.apply(e);
    }

    /// Instant `time_ms` was completed at the end of message `msg`, with
    /// these close pairs (the index's, at the build's thresholds).
    pub fn instant(&mut self, time_ms: i64, msg: u64, pairs: &[PairRow], out: &mut Vec<Finding>) {
        self.decided.at(msg, out);
        let k = time_ms.div_euclid(self.res_ms);
        for p in pairs {
            if within(&self.cfg, p.distance_m, p.a.2, p.b.2) {
                self.close_pairs += 1;
                self.runs
                    .extend(k, (p.mmsi_a, p.mmsi_b), p.distance_m as f32, p.a, p.b);
            }
        }
        let ended = self.runs.take_ended(k);
        self.judge(ended);
    }

    /// The end of the data: every open run is judged.
    pub fn finish(&mut self, out: &mut Vec<Finding>) {
        self.decided.at(AT_END, out);
        let ended = self.runs.take_all();
        self.judge(ended);
        self.decided.flush(out);
    }
}

/// Replays a whole index held in memory (its tables in their order): see
/// [`replay`].
pub fn replay_log(log: &PairLog, cfg: &CensusConfig, land: &Land, out: &mut Vec<Finding>) -> u64 {
    let pairs = std::iter::once(Ok::<_, std::convert::Infallible>(log.pairs.clone()));
    match replay(log, pairs, cfg, land, out) {
        Ok(n) => n,
        Err(never) => match never {},
    }
}

/// Replays an index: `log`'s instants, identity changes and gap
/// candidates, and its pairs by chunks in time order (an instant may
/// straddle chunks). The encounters, gaps, near misses and loitering that
/// `cfg` asks for go to `out`, each kind in the census's order. Returns the
/// close pairs within the thresholds, or the first error of `pairs`.
pub fn replay<E>(
    log: &PairLog,
    mut pairs: impl Iterator<Item = Result<Vec<PairRow>, E>>,
    cfg: &CensusConfig,
    land: &Land,
    out: &mut Vec<Finding>,
) -> Result<u64, E> {
    let mut close_pairs = 0;
    if cfg.detectors.encounters {
        let mut r = PairReplay::new(cfg, land);
        let mut events = log.events.iter().peekable();
        let (mut chunk, mut pos) = (Vec::new(), 0usize);
        let mut at: Vec<PairRow> = Vec::new();
        for &(time_ms, msg) in &log.instants {
            while let Some(e) = events.next_if(|e| e.msg <= msg) {
                r.event(e, out);
            }
            at.clear();
            loop {
                if pos == chunk.len() {
                    match pairs.next() {
                        Some(c) => {
                            chunk = c?;
                            pos = 0;
                            continue;
                        }
                        None => break,
                    }
                }
                let n = chunk[pos..].partition_point(|p: &PairRow| p.time_ms <= time_ms);
                at.extend_from_slice(&chunk[pos..pos + n]);
                pos += n;
                if pos < chunk.len() {
                    break;
                }
            }
            r.instant(time_ms, msg, &at, out);
        }
        for e in events {
            r.event(e, out);
        }
        r.finish(out);
        close_pairs = r.close_pairs;
    }
    if cfg.detectors.gaps {
        replay_gaps(log, cfg, land, out);
    }
    if cfg.detectors.near_misses {
        let candidates = log
            .near_misses
            .iter()
            .map(Ok::<_, std::convert::Infallible>);
        if let Err(never) = replay_near_misses(candidates, cfg, out) {
            match never {}
        }
    }
    if cfg.detectors.loitering {
        replay_loitering(log, cfg, land, out);
    }
    Ok(close_pairs)
}

/// Loitering judged again from the index's slow positions: each vessel's
/// run grows and ends as the census's does ([`loiter_step`]) at the
/// rerun's speed, and also ends where the index's run ended; it is judged
/// with the vessel's name at that point (a forgotten vessel's run is
/// judged before it is forgotten, as the census does).
fn replay_loitering(log: &PairLog, cfg: &CensusConfig, land: &Land, out: &mut Vec<Finding>) {
    let mut r = LoiterReplay {
        cfg,
        land,
        res_ms: (cfg.resample_s * 1000.0) as i64,
        names: Identities::default(),
        runs: FastMap::default(),
        decided: ByMessage::default(),
    };
    let mut events = log.events.iter().enumerate().peekable();
    for row in &log.loiter {
        while let Some((_, e)) = events.next_if(|(i, _)| (*i as u64) < row.events_before) {
            r.event(e, out);
        }
        r.decided.at(row.msg, out);
        let ended = match &row.sample {
            Some(s) => {
                let mut run = r.runs.remove(&row.mmsi);
                let ended = loiter_step(&mut run, s, cfg.loitering.max_sog_kn);
                if let Some(open) = run {
                    r.runs.insert(row.mmsi, open);
                }
                ended
            }
            None => r.runs.remove(&row.mmsi),
        };
        r.judge(row.mmsi, ended);
    }
    for (_, e) in events {
        r.event(e, out);
    }
    r.decided.at(AT_END, out);
    for (mmsi, run) in std::mem::take(&mut r.runs) {
        r.judge(mmsi, Some(run));
    }
    r.decided.flush(out);
}

/// The state of [`replay_loitering`].
struct LoiterReplay<'a> {
    cfg: &'a CensusConfig,
    land: &'a Land,
    res_ms: i64,
    names: Identities,
    runs: FastMap<u32, Box<LoiterRun>>,
    decided: ByMessage,
}

impl LoiterReplay<'_> {
    /// Judges `mmsi`'s run that ended, if any.
    fn judge(&mut self, mmsi: u32, ended: Option<Box<LoiterRun>>) {
        let Some(run) = ended else {
            return;
        };
        let tr = self.names.track(mmsi);
        if let Some(f) = judge_loiter(&run, &tr, self.cfg, self.res_ms, self.land) {
            self.decided.push(Finding::Loitering(f));
        }
    }

    /// A vessel's identity changed (a forgotten vessel's run ends first).
    fn event(&mut self, e: &VesselEvent, out: &mut Vec<Finding>) {
        self.decided.at(e.msg, out);
        if e.kind == VesselEventKind::Forget {
            let ended = self.runs.remove(&e.mmsi);
            self.judge(e.mmsi, ended);
        }
        self.names.apply(e);
    }
}

/// Near misses judged again from the index's candidates (in the order
/// they were closed), each message's in the census's order. The first
/// error of `candidates` stops it and is returned.
pub fn replay_near_misses<C: std::borrow::Borrow<NearMissCandidate>, E>(
    candidates: impl IntoIterator<Item = Result<C, E>>,
    cfg: &CensusConfig,
    out: &mut Vec<Finding>,
) -> Result<(), E> {
    let mut decided = ByMessage::default();
    for c in candidates {
        let c = c?;
        let c = c.borrow();
        decided.at(c.msg, out);
        if let Some(f) = judge_candidate(c, cfg) {
            decided.push(f);
        }
    }
    decided.flush(out);
    Ok(())
}

/// Gaps judged again from the index's candidates, named as the census
/// names them at the message that ends them.
fn replay_gaps(log: &PairLog, cfg: &CensusConfig, land: &Land, out: &mut Vec<Finding>) {
    let mut names = Identities::default();
    let mut events = log.events.iter().peekable();
    let mut decided = ByMessage::default();
    let min_ms = cfg.gap.min_duration_s * 1000.0;
    for g in &log.gaps {
        while let Some(e) = events.next_if(|e| e.msg <= g.msg) {
            names.apply(e);
        }
        decided.at(g.msg, out);
        if ((g.ends.end.0 - g.ends.start.0) as f64) < min_ms {
            continue;
        }
        if let Some(f) = judge_gap(&names.track(g.mmsi), &g.ends, cfg, land) {
            decided.push(Finding::Gap(f));
        }
    }
    decided.flush(out);
}

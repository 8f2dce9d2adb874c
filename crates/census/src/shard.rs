//! The census in day shards: an archive's days judged apart (on many
//! machines, or many cores) and merged into the tables of one census.
//!
//! A shard owns one UTC day. It reads the `precursor` days before it first
//! (Global Fishing Watch's precursor day: runs that cross midnight are
//! seen whole) and keeps only what is *decided* in its own day — a finding
//! is decided at the data time of the message that closes it, the same
//! time in every shard that sees it — plus, for the last shard, what is
//! judged at the end ([`crate::Census::with_shard`]). Concatenated in day
//! order, the shards' findings are those of one census over the whole
//! archive, in the same order, byte for byte, as long as nothing that
//! decides a finding lies further back than the precursor: a gap, an
//! encounter or a loitering run longer than the precursor, or a vessel
//! silent for longer, is judged from what the shard saw (its start cut to
//! the precursor's), as Global Fishing Watch's daily pipeline does. The
//! traffic's own water (`on_land`) is learnt from the shard's days only.
//!
//! Spoofing is not judged by the day shards but by one shard of its own
//! over the whole archive ([`plan_census`], [`ShardSpec::whole`]): its
//! episodes last as long as the track does (an invalid MMSI, a vessel
//! that keeps reporting from inland) and are judged against the water the
//! traffic has shown so far, so no precursor can hold them. That shard
//! runs the census with spoofing alone, which judges spoofing exactly as a
//! census with every detector does (the detector groups share nothing but
//! the picture): its rows are the one census's, byte for byte, whatever
//! the precursor. It reads every day on one worker while the others take
//! the days; its pass costs about 0.6 of a one-thread census of the
//! archive (measured on the 10-day bench fleet), so with many workers it
//! is the longest shard: `plan_census(.., false)` keeps spoofing in the
//! day shards instead, cut to their precursor.
//!
//! Counters: each message is counted by the shard of its day; what the
//! picture and the detectors count is counted by the shard in whose own
//! time it happened ([`crate::Census::shard_stats`]). Summed
//! ([`ShardMerge`]) they are the whole census's, except `vessels` (distinct
//! MMSIs over the shards, so a vessel forgotten after 30 days of silence
//! and seen again counts once) and the gauges (`ids_not_mmsis`,
//! `on_land.traffic_water_cells`: the largest of the shards').
//!
//! Sans-IO: the caller reads the days ([`crate::archive::DayReader`]),
//! carries the specs and results (a JetStream work queue in
//! `finisterra census --nats`) and writes the merged tables.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::census::CensusStats;
use crate::config::{CensusConfig, Detectors};
use crate::finding::Finding;
use crate::util::day_key;

const DAY_MS: i64 = 86_400_000;

/// What a shard result starts with.
pub const SHARD_MAGIC: &[u8; 8] = b"FINSHARD";
/// The version of the shard result's layout.
pub const SHARD_VERSION: u32 = 1;

/// Why shards cannot be planned or merged.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ShardError {
    /// A day is not `YYYY-MM-DD`.
    #[error("day {0:?} is not YYYY-MM-DD")]
    BadDay(String),
    /// A shard result cannot be read.
    #[error("shard result: {0}")]
    Result(String),
    /// A shard result does not belong to this merge.
    #[error("shard {index} ({day}): {reason}")]
    Mismatch {
        /// The result's index.
        index: u32,
        /// Its day.
        day: String,
        /// What is wrong.
        reason: String,
    },
    /// The merge lacks shards.
    #[error("{} of {total} shards missing (first: {first})", missing)]
    Missing {
        /// How many.
        missing: usize,
        /// Of how many.
        total: usize,
        /// The first missing day.
        first: String,
    },
}

/// One shard: the day it owns and the days it reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardSpec {
    /// Its place in day order (0 for the first day).
    pub index: u32,
    /// The day it owns, `YYYY-MM-DD` (UTC).
    pub day: String,
    /// The days it reads, in order: the precursor days the archive has,
    /// then its own.
    pub read_days: Vec<String>,
    /// The start of its day, ms.
    pub own_from_ms: i64,
    /// The last day: it also judges what is still open at the end.
    pub last: bool,
    /// The whole-archive shard ([`plan_census`]): it reads every day
    /// (`own_from_ms` is `i64::MIN`, `day` is [`WHOLE_DAY`]) and judges
    /// only what spans the whole history (spoofing); the day shards judge
    /// everything else.
    #[serde(default)]
    pub whole: bool,
    /// A day shard whose spoofing the whole-archive shard judges.
    #[serde(default)]
    pub spoofing_apart: bool,
}

/// The `day` of the whole-archive shard.
pub const WHOLE_DAY: &str = "all days";

impl ShardSpec {
    /// The detectors this shard judges of the census's `all`: spoofing
    /// alone in the whole-archive shard, everything but spoofing in a day
    /// shard beside it (all of them in a day shard without one).
    pub fn detectors(&self, all: Detectors) -> Detectors {
        if self.whole {
            Detectors {
                near_misses: false,
                encounters: false,
                loitering: false,
                gaps: false,
                spoofing: all.spoofing,
            }
        } else {
            Detectors {
                spoofing: all.spoofing && !self.spoofing_apart,
                ..all
            }
        }
    }

    /// Whether `day` (one of `read_days`) is the shard's own: its rows
    /// are counted by this shard (every day for the whole-archive shard).
    pub fn owns_day(&self, day: &str) -> bool {
        self.whole || day == self.day
    }

    /// The census settings this shard judges with: `cfg` with
    /// [`ShardSpec::detectors`].
    pub fn config(&self, cfg: &CensusConfig) -> CensusConfig {
        CensusConfig {
            detectors: self.detectors(cfg.detectors),
            ..*cfg
        }
    }
}

/// The start of a `YYYY-MM-DD` day, ms.
pub fn day_start_ms(day: &str) -> Result<i64, ShardError> {
    let ok = day.len() == 10 && day.as_bytes()[4] == b'-' && day.as_bytes()[7] == b'-';
    ok.then(|| finisterra_nmea::parse_iso8601_ms(&format!("{day}T00:00:00Z"), true))
        .flatten()
        .filter(|&t| day_key(t) == day)
        .ok_or_else(|| ShardError::BadDay(day.to_string()))
}

/// The precursor that makes every finding up to a day long whole: one
/// day (Global Fishing Watch's), or three when gaps are looked for (a gap
/// decided early in a day may have begun a day before, and its reception
/// rate looks 48 h further back).
pub fn default_precursor_days(cfg: &crate::CensusConfig) -> u32 {
    if cfg.detectors.gaps {
        3
    } else {
        1
    }
}

/// The shards of a census of `days` with these detectors: one per day
/// ([`plan_shards`]) when any detector but spoofing is on, then, when
/// spoofing is and `whole_spoofing`, the whole-archive shard
/// ([`ShardSpec::whole`]). Without `whole_spoofing` the day shards judge
/// spoofing too, within their precursor (faster with many workers, cut
/// like every other finding longer than the precursor).
///
/// ```
/// use finisterra_census::shard::{plan_census, WHOLE_DAY};
/// use finisterra_census::Detectors;
///
/// let days = ["2026-01-02", "2026-01-01"].map(String::from);
/// let shards = plan_census(&days, 1, Detectors::default(), true).unwrap();
/// assert_eq!(shards.len(), 3);
/// assert!(shards[1].last && !shards[1].whole);
/// assert_eq!((shards[2].day.as_str(), shards[2].whole), (WHOLE_DAY, true));
/// assert_eq!(shards[2].read_days, ["2026-01-01", "2026-01-02"]);
/// let spoofing = Detectors::only("spoofing").unwrap();
/// assert_eq!(plan_census(&days, 1, spoofing, true).unwrap().len(), 1);
/// // Spoofing in the day shards: no whole-archive shard.
/// let by_day = plan_census(&days, 1, Detectors::default(), false).unwrap();
/// assert!(by_day.len() == 2 && by_day.iter().all(|s| !s.whole));
/// assert!(by_day[0].detectors(Detectors::default()).spoofing);
/// ```
pub fn plan_census(
    days: &[String],
    precursor_days: u32,
    detectors: Detectors,
    whole_spoofing: bool,
) -> Result<Vec<ShardSpec>, ShardError> {
    if !whole_spoofing {
        return plan_shards(days, precursor_days);
    }
    let day_detectors = Detectors {
        spoofing: false,
        ..detectors
    };
    let mut specs = if day_detectors.any() {
        plan_shards(days, precursor_days)?
    } else {
        Vec::new()
    };
    if detectors.spoofing && !days.is_empty() {
        for s in &mut specs {
            s.spoofing_apart = true;
        }
        specs.push(ShardSpec {
            index: specs.len() as u32,
            day: WHOLE_DAY.to_string(),
            read_days: by_start(days)?.into_values().collect(),
            own_from_ms: i64::MIN,
            last: true,
            whole: true,
            spoofing_apart: false,
        });
    }
    Ok(specs)
}

/// `days` (any order, each checked) by their start, ms.
fn by_start(days: &[String]) -> Result<BTreeMap<i64, String>, ShardError> {
    days.iter()
        .map(|d| Ok((day_start_ms(d)?, d.clone())))
        .collect()
}

/// One shard per day of `days` (the archive's days, any order), each
/// reading the `precursor_days` calendar days before it that the archive
/// has.
///
/// ```
/// use finisterra_census::shard::plan_shards;
///
/// let days = ["2026-01-02", "2026-01-01", "2026-01-04"].map(String::from);
/// let shards = plan_shards(&days, 1).unwrap();
/// assert_eq!(shards.len(), 3);
/// assert_eq!(shards[1].read_days, ["2026-01-01", "2026-01-02"]);
/// assert_eq!(shards[2].read_days, ["2026-01-04"]); // no 01-03 in the archive
/// assert!(shards[2].last);
/// ```
pub fn plan_shards(days: &[String], precursor_days: u32) -> Result<Vec<ShardSpec>, ShardError> {
    let by = by_start(days)?;
    let n = by.len();
    Ok(by
        .iter()
        .enumerate()
        .map(|(i, (&start, day))| {
            let from = start - precursor_days as i64 * DAY_MS;
            ShardSpec {
                index: i as u32,
                day: day.clone(),
                read_days: by.range(from..=start).map(|(_, d)| d.clone()).collect(),
                own_from_ms: start,
                last: i + 1 == n,
                whole: false,
                spoofing_apart: false,
            }
        })
        .collect())
}

/// What a shard found: its findings in the order they were decided, its
/// counters, its vessels and the rows of its own day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardResult {
    /// The shard's index.
    pub index: u32,
    /// Its day.
    pub day: String,
    /// The findings decided in its day, in order.
    pub findings: Vec<Finding>,
    /// Its counters ([`crate::Census::shard_stats`]).
    pub stats: CensusStats,
    /// The MMSIs judged in its day ([`crate::Census::shard_vessels`]).
    pub vessels: Vec<u32>,
    /// Rows of its own day read from the archive.
    pub rows: u64,
}

impl ShardResult {
    /// Bytes to carry (a header, then CBOR).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4096);
        out.extend_from_slice(SHARD_MAGIC);
        out.extend_from_slice(&SHARD_VERSION.to_le_bytes());
        ciborium::into_writer(self, &mut out).expect("writing into a Vec cannot fail");
        out
    }

    /// Reads [`ShardResult::to_bytes`] back; a foreign blob or another
    /// version is refused with the reason.
    pub fn from_bytes(b: &[u8]) -> Result<ShardResult, ShardError> {
        if b.len() < 12 || &b[..8] != SHARD_MAGIC {
            return Err(ShardError::Result(format!(
                "{} bytes without the {:?} header: not a shard result",
                b.len(),
                std::str::from_utf8(SHARD_MAGIC).unwrap_or("")
            )));
        }
        let v = u32::from_le_bytes([b[8], b[9], b[10], b[11]]);
        if v != SHARD_VERSION {
            return Err(ShardError::Result(format!(
                "layout version {v}, this finisterra reads {SHARD_VERSION}"
            )));
        }
        ciborium::from_reader(&b[12..]).map_err(|e| ShardError::Result(e.to_string()))
    }
}

/// Counters that are not summed but kept as they are (per shard) and
/// merged by their own rule.
const GAUGES: [&str; 5] = [
    "first_ms",
    "last_ms",
    "vessels",
    "ids_not_mmsis",
    "traffic_water_cells",
];

/// `now − base` for every counter (gauges as `now` has them).
pub(crate) fn stats_since(now: &CensusStats, base: &CensusStats) -> CensusStats {
    let mut a = serde_json::to_value(now).expect("counters serialise");
    let b = serde_json::to_value(base).expect("counters serialise");
    walk(&mut a, &b, &|x, y| x.saturating_sub(y));
    serde_json::from_value(a).expect("the same counters")
}

/// `a += b` for every counter; gauges by their rule.
fn add_stats(a: &CensusStats, b: &CensusStats) -> CensusStats {
    let mut x = serde_json::to_value(a).expect("counters serialise");
    let y = serde_json::to_value(b).expect("counters serialise");
    walk(&mut x, &y, &|p, q| p.saturating_add(q));
    let mut s: CensusStats = serde_json::from_value(x).expect("the same counters");
    s.first_ms = match (a.first_ms, b.first_ms) {
        (Some(p), Some(q)) => Some(p.min(q)),
        (p, q) => p.or(q),
    };
    s.last_ms = a.last_ms.max(b.last_ms);
    s.ids_not_mmsis = a.ids_not_mmsis.max(b.ids_not_mmsis);
    s.on_land.traffic_water_cells = a
        .on_land
        .traffic_water_cells
        .max(b.on_land.traffic_water_cells);
    s
}

/// Applies `f` to every integer counter of `a` with `b`'s (missing in `b`:
/// 0), gauges left as `a` has them.
fn walk(a: &mut Json, b: &Json, f: &dyn Fn(u64, u64) -> u64) {
    let Json::Object(m) = a else { return };
    for (k, v) in m.iter_mut() {
        if GAUGES.contains(&k.as_str()) {
            continue;
        }
        let other = b.get(k).unwrap_or(&Json::Null);
        match v {
            Json::Number(n) => {
                if let Some(x) = n.as_u64() {
                    *v = Json::from(f(x, other.as_u64().unwrap_or(0)));
                }
            }
            Json::Object(_) => walk(v, other, f),
            _ => {}
        }
    }
    // Keys only `b` has (a rejection reason or finding kind the shard
    // itself never met).
    if let Json::Object(o) = b {
        for (k, v) in o {
            if !m.contains_key(k) && !GAUGES.contains(&k.as_str()) {
                if let Some(x) = v.as_u64() {
                    m.insert(k.clone(), Json::from(f(0, x)));
                }
            }
        }
    }
}

/// The shards' results put together, in any order of arrival.
#[derive(Debug)]
pub struct ShardMerge {
    specs: Vec<ShardSpec>,
    results: BTreeMap<u32, ShardResult>,
}

/// A merged census: the findings in the order one census would have given
/// them, and the counters.
#[derive(Debug)]
pub struct Merged {
    /// Every shard's findings, in day order.
    pub findings: Vec<Finding>,
    /// The counters summed ([`crate::shard`] says which are not sums).
    pub stats: CensusStats,
    /// Rows read, every day.
    pub rows: u64,
}

impl ShardMerge {
    /// A merge of these shards ([`plan_shards`]).
    pub fn new(specs: Vec<ShardSpec>) -> ShardMerge {
        ShardMerge {
            specs,
            results: BTreeMap::new(),
        }
    }

    /// Takes a result; one that is not one of the planned shards is
    /// refused, a second result for a shard is ignored (a shard judged
    /// twice, after a worker was thought dead, gives the same result).
    /// Returns whether it was new.
    pub fn add(&mut self, r: ShardResult) -> Result<bool, ShardError> {
        let Some(spec) = self.specs.get(r.index as usize) else {
            return Err(ShardError::Mismatch {
                index: r.index,
                day: r.day,
                reason: format!("only {} shards were planned", self.specs.len()),
            });
        };
        if spec.day != r.day {
            return Err(ShardError::Mismatch {
                index: r.index,
                day: r.day,
                reason: format!("shard {} is day {}", spec.index, spec.day),
            });
        }
        if self.results.contains_key(&r.index) {
            return Ok(false);
        }
        self.results.insert(r.index, r);
        Ok(true)
    }

    /// Shards with a result.
    pub fn done(&self) -> usize {
        self.results.len()
    }

    /// Shards planned.
    pub fn total(&self) -> usize {
        self.specs.len()
    }

    /// Whether a shard has its result.
    pub fn has(&self, index: u32) -> bool {
        self.results.contains_key(&index)
    }

    /// Everything in day order; an error if a shard is missing.
    pub fn finish(self) -> Result<Merged, ShardError> {
        let missing: Vec<&ShardSpec> = self
            .specs
            .iter()
            .filter(|s| !self.results.contains_key(&s.index))
            .collect();
        if let Some(first) = missing.first() {
            return Err(ShardError::Missing {
                missing: missing.len(),
                total: self.specs.len(),
                first: first.day.clone(),
            });
        }
        let mut findings = Vec::new();
        let mut stats = CensusStats::default();
        let mut vessels: BTreeSet<u32> = BTreeSet::new();
        let mut rows = 0;
        let mut whole = None;
        for (i, r) in self.results {
            if self.specs[i as usize].whole {
                whole = Some(r);
                continue;
            }
            findings.extend(r.findings);
            stats = add_stats(&stats, &r.stats);
            vessels.extend(r.vessels);
            rows += r.rows;
        }
        if let Some(w) = whole {
            // The day shards counted the messages and their detectors'
            // work; the whole-archive shard adds what only it judged (its
            // findings and how positions on land were judged), and gives
            // the picture's counters: its picture is one over the whole
            // archive, as on one machine, where a day shard's starts at
            // its precursor (a second transmitter on one MMSI all along
            // can be judged otherwise there). Alone, it counted
            // everything.
            if self.specs.len() == 1 {
                stats = w.stats;
                vessels.extend(w.vessels);
                rows = w.rows;
            } else {
                for (k, n) in &w.stats.findings {
                    *stats.findings.entry(k.clone()).or_default() += n;
                }
                stats.on_land = w.stats.on_land;
                stats.accepted_positions = w.stats.accepted_positions;
                stats.rejected = w.stats.rejected;
                stats.mmsi_conflicts = w.stats.mmsi_conflicts;
                stats.reacquired = w.stats.reacquired;
                stats.vessels_forgotten = w.stats.vessels_forgotten;
            }
            findings.extend(w.findings);
        }
        stats.vessels = vessels.len() as u64;
        Ok(Merged {
            findings,
            stats,
            rows,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_checked() {
        assert_eq!(day_start_ms("1970-01-02"), Ok(DAY_MS));
        for bad in ["1970-1-02", "1970-02-30", "yesterday", "1970-01-02T00"] {
            assert!(day_start_ms(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn counters_add_and_subtract_gauges_do_not() {
        let mut a = CensusStats {
            messages: 10,
            first_ms: Some(5),
            last_ms: Some(50),
            vessels: 3,
            ..CensusStats::default()
        };
        a.rejected.insert("position_teleport".into(), 2);
        a.near_miss.segments = 7;
        let mut b = CensusStats {
            messages: 4,
            first_ms: Some(1),
            last_ms: Some(20),
            ..CensusStats::default()
        };
        b.rejected.insert("position_null_island".into(), 1);
        let d = stats_since(&a, &b);
        assert_eq!(d.messages, 6);
        assert_eq!(d.near_miss.segments, 7);
        assert_eq!(d.first_ms, Some(5));
        assert_eq!(d.vessels, 3);
        let s = add_stats(&a, &b);
        assert_eq!(s.messages, 14);
        assert_eq!(s.rejected.len(), 2);
        assert_eq!((s.first_ms, s.last_ms), (Some(1), Some(50)));
    }

    fn result(spec: &ShardSpec, messages: u64, spoofing: u64, vessels: Vec<u32>) -> ShardResult {
        let mut stats = CensusStats {
            messages,
            ..CensusStats::default()
        };
        // Each shard's picture counters, the whole-archive one's apart.
        stats.accepted_positions = messages - 1;
        stats.mmsi_conflicts = spoofing + 1;
        stats
            .rejected
            .insert("position_teleport".into(), spoofing + 5);
        if spoofing > 0 {
            stats.findings.insert("spoofing".into(), spoofing);
            stats.on_land.beyond_margin = 7;
        } else {
            stats.findings.insert("gaps".into(), 2);
        }
        ShardResult {
            index: spec.index,
            day: spec.day.clone(),
            findings: Vec::new(),
            stats,
            vessels,
            rows: messages,
        }
    }

    #[test]
    fn the_spoofing_shard_adds_its_findings_to_the_days_and_counts_everything_alone() {
        let days = ["2026-01-01", "2026-01-02"].map(String::from);
        let all = Detectors::default();
        let specs = plan_census(&days, 1, all, true).expect("plan");
        assert_eq!(specs.len(), 3);
        assert!(!specs[0].detectors(all).spoofing && specs[0].detectors(all).gaps);
        let only = specs[2].detectors(all);
        assert!(only.spoofing && !only.gaps && !only.near_misses);
        let mut m = ShardMerge::new(specs.clone());
        m.add(result(&specs[2], 30, 4, vec![1, 2, 3]))
            .expect("planned");
        m.add(result(&specs[0], 10, 0, vec![1, 2]))
            .expect("planned");
        m.add(result(&specs[1], 20, 0, vec![2, 3]))
            .expect("planned");
        let got = m.finish().expect("all");
        assert_eq!(
            (got.rows, got.stats.messages, got.stats.vessels),
            (30, 30, 3)
        );
        assert_eq!(got.stats.findings["gaps"], 4);
        assert_eq!(got.stats.findings["spoofing"], 4);
        assert_eq!(got.stats.on_land.beyond_margin, 7);
        // The picture's counters are the whole archive's picture's, not
        // the day shards' sums (9 + 19, 1 + 1, 5 + 5).
        assert_eq!(
            (
                got.stats.accepted_positions,
                got.stats.mmsi_conflicts,
                got.stats.rejected["position_teleport"]
            ),
            (29, 5, 9)
        );

        let specs =
            plan_census(&days, 1, Detectors::only("spoofing").expect("only"), true).expect("plan");
        assert_eq!(specs.len(), 1);
        let mut m = ShardMerge::new(specs.clone());
        m.add(result(&specs[0], 30, 4, vec![1, 2, 3, 4]))
            .expect("planned");
        let got = m.finish().expect("all");
        assert_eq!(
            (got.rows, got.stats.messages, got.stats.vessels),
            (30, 30, 4)
        );

        let none =
            plan_census(&days, 1, Detectors::only("gaps").expect("only"), true).expect("plan");
        assert!(none.iter().all(|s| !s.whole) && none.len() == 2);
    }

    #[test]
    fn a_foreign_result_is_refused() {
        let r = ShardResult {
            index: 0,
            day: "2026-01-01".into(),
            findings: Vec::new(),
            stats: CensusStats::default(),
            vessels: vec![1, 2],
            rows: 3,
        };
        let b = r.to_bytes();
        assert_eq!(ShardResult::from_bytes(&b), Ok(r));
        assert!(ShardResult::from_bytes(b"{\"index\":0}").is_err());
        assert!(ShardResult::from_bytes(&b[..b.len() - 3]).is_err());
        let mut v2 = b.clone();
        v2[8] = 9;
        assert!(ShardResult::from_bytes(&v2)
            .unwrap_err()
            .to_string()
            .contains("version 9"));
    }
}

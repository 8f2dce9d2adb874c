//! A worker's judgement, sans-IO: records of its partitions in (merged in
//! ingest's order), the events it owns out.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use finisterra_engine::{Config, Engine, Event, FastMap, Geography, SnapshotError};

use crate::grid::{Grid, Partition};
use crate::owner::{event_key, OpenOwners, Ownership};
use crate::wire::{Record, WireError};

/// Counters of a worker.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WorkerStats {
    /// Records judged (messages and ticks).
    pub records: u64,
    /// Copies of a record already judged (it came through two partitions,
    /// or again after a redelivery): skipped.
    pub duplicates: u64,
    /// Payloads that did not decode (ingest decoded them: never expected).
    pub undecodable: u64,
    /// Events the engine emitted.
    pub events_judged: u64,
    /// Events this worker owns and reported.
    pub events_owned: u64,
    /// Events it owns that the previous owner had already stored (judged
    /// again while the engine is rebuilt, not reported).
    pub events_replayed: u64,
}

impl WorkerStats {
    /// Adds another engine's counters (a worker whose partitions change
    /// judges the stream again: its records are counted each time).
    pub fn merge(&mut self, other: &WorkerStats) {
        self.records += other.records;
        self.duplicates += other.duplicates;
        self.undecodable += other.undecodable;
        self.events_judged += other.events_judged;
        self.events_owned += other.events_owned;
        self.events_replayed += other.events_replayed;
    }
}

/// An event this worker owns, with its key.
#[derive(Debug, Clone, PartialEq)]
pub struct Owned {
    /// [`event_key`] of the event (`Nats-Msg-Id`).
    pub key: String,
    /// The owning partition.
    pub partition: Partition,
    /// The event.
    pub event: Event,
}

/// The first bytes of a worker's snapshot.
pub const WORKER_SNAPSHOT_MAGIC: &[u8; 8] = b"FINSNAPW";

/// The format version of a worker's snapshot this build writes and reads.
pub const WORKER_SNAPSHOT_VERSION: u32 = 1;

/// Why a worker's snapshot was refused by [`WorkerCore::restore`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WorkerSnapshotError {
    /// The bytes do not start with [`WORKER_SNAPSHOT_MAGIC`].
    #[error("not a worker snapshot (no FINSNAPW header)")]
    NotASnapshot,
    /// Written in another format version.
    #[error("worker snapshot format version {found}, this build reads version {expected}")]
    Version {
        /// The version in the header.
        found: u32,
        /// The version this build reads.
        expected: u32,
    },
    /// The worker's own state cannot be read: truncated or corrupt.
    #[error("corrupt or truncated worker snapshot: {0}")]
    Corrupt(String),
    /// The engine's snapshot inside was refused.
    #[error("engine snapshot: {0}")]
    Engine(#[from] SnapshotError),
}

/// The worker's own state in a snapshot (the engine's follows it).
#[derive(serde::Serialize, serde::Deserialize)]
struct CoreState {
    last_seq: u64,
    ended: bool,
    silent_partition: Vec<(Partition, u64)>,
    stats: WorkerStats,
    /// Sorted by key.
    keys: Vec<(String, (i64, u32))>,
    owners: OpenOwners,
}

/// The engine of one worker and the partitions it owns.
#[derive(Debug)]
pub struct WorkerCore {
    engine: Engine,
    ownership: Ownership,
    mine: BTreeSet<Partition>,
    last_seq: u64,
    ended: bool,
    /// Per partition: its previous owner stored its events up to this
    /// record (see [`WorkerCore::resume_partition_after`]).
    silent_partition: BTreeMap<Partition, u64>,
    stats: WorkerStats,
    buf: Vec<Event>,
    /// Keys given recently, with their data time and how many times: a
    /// second event with the same kind, subject and data time (two
    /// reports of a pair in one second) gets `#1`, and so on.
    keys: FastMap<String, (i64, u32)>,
}

/// Keys older than this behind the newest are forgotten, ms.
const KEY_MEMORY_MS: i64 = 600_000;

impl WorkerCore {
    /// A worker judging with `cfg` and `geo`, reporting the events owned by
    /// `mine`.
    pub fn new(cfg: Config, geo: Geography, grid: Grid, mine: &[Partition]) -> WorkerCore {
        let mut engine = Engine::new(cfg);
        engine.set_geography(geo);
        WorkerCore {
            engine,
            ownership: Ownership::new(grid),
            mine: mine.iter().copied().collect(),
            last_seq: 0,
            ended: false,
            silent_partition: BTreeMap::new(),
            stats: WorkerStats::default(),
            buf: Vec::new(),
            keys: FastMap::default(),
        }
    }

    /// The worker's state as bytes: the engine's snapshot
    /// ([`Engine::snapshot`]) and the core's own state that decides its
    /// future output — the last record judged, whether the end was, the
    /// partitions taken over and how far their previous owners got, the
    /// owners of open pairs, the keys given recently (for the `#1`
    /// suffixes) and the counters. Not the partitions it owns, the grid,
    /// the configuration or the geography: given again to
    /// [`WorkerCore::restore`].
    ///
    /// Layout: [`WORKER_SNAPSHOT_MAGIC`], the version (`u32`, little
    /// endian), the length of the core's state (`u64`, little endian), the
    /// core's state in CBOR, then the engine's snapshot to the end.
    pub fn snapshot(&self) -> Vec<u8> {
        debug_assert!(self.can_snapshot(), "a worker snapshot with a pass pending");
        let mut keys: Vec<(String, (i64, u32))> =
            self.keys.iter().map(|(k, &v)| (k.clone(), v)).collect();
        keys.sort();
        let state = CoreState {
            last_seq: self.last_seq,
            ended: self.ended,
            silent_partition: self
                .silent_partition
                .iter()
                .map(|(&p, &s)| (p, s))
                .collect(),
            stats: self.stats.clone(),
            keys,
            owners: self.ownership.open_owners(),
        };
        let mut core = Vec::new();
        // Writing into a vector cannot fail.
        if let Err(e) = ciborium::into_writer(&state, &mut core) {
            debug_assert!(false, "worker snapshot: {e}");
        }
        let engine = self.engine.snapshot();
        let mut out = Vec::with_capacity(20 + core.len() + engine.len());
        out.extend_from_slice(WORKER_SNAPSHOT_MAGIC);
        out.extend_from_slice(&WORKER_SNAPSHOT_VERSION.to_le_bytes());
        out.extend_from_slice(&(core.len() as u64).to_le_bytes());
        out.extend_from_slice(&core);
        out.extend_from_slice(&engine);
        out
    }

    /// A worker from a snapshot of [`WorkerCore::snapshot`], judging with
    /// `cfg` and `geo` (those the snapshot was taken under: the engine
    /// refuses others) and reporting the events owned by `mine` (which may
    /// differ from the snapshot's owner's: a partition taken over). The
    /// records after [`WorkerCore::last_seq`] then give the events the
    /// worker that took the snapshot would have given. Threads are not in
    /// the snapshot: [`WorkerCore::set_threads`] again.
    pub fn restore(
        cfg: Config,
        geo: Geography,
        grid: Grid,
        mine: &[Partition],
        bytes: &[u8],
    ) -> Result<WorkerCore, WorkerSnapshotError> {
        let rest = bytes
            .strip_prefix(WORKER_SNAPSHOT_MAGIC.as_slice())
            .ok_or(WorkerSnapshotError::NotASnapshot)?;
        let corrupt = |why: &str| WorkerSnapshotError::Corrupt(why.to_string());
        let (version, rest) = rest
            .split_first_chunk::<4>()
            .ok_or_else(|| corrupt("no version after the header"))?;
        let found = u32::from_le_bytes(*version);
        if found != WORKER_SNAPSHOT_VERSION {
            return Err(WorkerSnapshotError::Version {
                found,
                expected: WORKER_SNAPSHOT_VERSION,
            });
        }
        let (len, rest) = rest
            .split_first_chunk::<8>()
            .ok_or_else(|| corrupt("no length of the core's state"))?;
        let len = usize::try_from(u64::from_le_bytes(*len))
            .ok()
            .filter(|&n| n <= rest.len())
            .ok_or_else(|| corrupt("the core's state is cut short"))?;
        let (core, engine) = rest.split_at(len);
        let st: CoreState =
            ciborium::from_reader(core).map_err(|e| WorkerSnapshotError::Corrupt(e.to_string()))?;
        let engine = Engine::restore(cfg, geo, engine)?;
        let mut keys = FastMap::default();
        keys.extend(st.keys);
        Ok(WorkerCore {
            engine,
            ownership: Ownership::with_open(grid, st.owners),
            mine: mine.iter().copied().collect(),
            last_seq: st.last_seq,
            ended: st.ended,
            silent_partition: st.silent_partition.into_iter().collect(),
            stats: st.stats,
            buf: Vec::new(),
            keys,
        })
    }

    /// Whether [`WorkerCore::snapshot`] may be taken now: not while a
    /// screening pass is worked out apart ([`Config::pass_lag_s`]; its
    /// findings are told a few seconds of data later, and a snapshot does
    /// not hold a pass in progress). The caller takes it at a later record.
    pub fn can_snapshot(&self) -> bool {
        !self.engine.pass_pending()
    }

    /// The engine (picture, open risks, counters).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Lets the engine's screening passes use `threads` threads (the same
    /// events: [`Engine::set_threads`]).
    pub fn set_threads(&mut self, threads: usize) {
        self.engine.set_threads(threads);
    }

    /// Starts the counters again from zero (a core restored from a
    /// snapshot carries its previous owner's: its new owner counts its own
    /// work).
    pub fn reset_stats(&mut self) {
        self.stats = WorkerStats::default();
    }

    /// The counters.
    pub fn stats(&self) -> &WorkerStats {
        &self.stats
    }

    /// The last sequence number judged.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }

    /// Takes partition `p` over from a previous owner whose events of `p`
    /// are stored up to the record `seq` (the last record of `p` it
    /// acknowledged — the broker's `AckedUpTo`, not merely the record at
    /// the ack floor's stream sequence, which may be another partition's:
    /// an owner acknowledges a record only after every event it judged up
    /// to it is stored). The partitions of one worker may come from
    /// several previous owners, each as far as it got: the records up to
    /// `seq` are judged (to rebuild the engine's state: picture, open
    /// risks, hysteresis, Rule 17 stages, owners of open pairs) but the
    /// events `p` owns are not reported again up to it; the others' are.
    pub fn resume_partition_after(&mut self, p: Partition, seq: u64) {
        let s = self.silent_partition.entry(p).or_insert(0);
        *s = (*s).max(seq);
    }

    /// The last record whose events are all stored already, over every
    /// partition (caught up with the previous owners past it).
    pub fn silent_until(&self) -> u64 {
        self.silent_partition.values().copied().fold(0, u64::max)
    }

    /// Whether the end record was judged.
    pub fn ended(&self) -> bool {
        self.ended
    }

    /// Judges one record (in ingest's order; an older or repeated one is
    /// skipped) and appends the events this worker owns to `out`.
    pub fn on_record(&mut self, bytes: &[u8], out: &mut Vec<Owned>) -> Result<(), WireError> {
        let rec = Record::decode(bytes)?;
        if rec.seq() <= self.last_seq {
            self.stats.duplicates += 1;
            return Ok(());
        }
        self.last_seq = rec.seq();
        self.stats.records += 1;
        self.buf.clear();
        match rec {
            Record::Tick { time_ms, .. } => self.engine.advance(time_ms, &mut self.buf),
            Record::End { .. } => {
                // A pass worked out apart is told at the end, as `scan`
                // tells it.
                self.engine.settle(&mut self.buf);
                self.ended = true;
            }
            Record::Air {
                time_ms, message, ..
            } => match crate::wire::air_message(message) {
                Ok(msg) => {
                    let _ = self
                        .engine
                        .ingest_air_at(&msg, Some(time_ms), None, &mut self.buf);
                }
                Err(_) => self.stats.undecodable += 1,
            },
            Record::Position {
                time_ms,
                fill_bits,
                payload,
                ..
            } => match finisterra_ais::decode(payload, fill_bits) {
                Ok(msg) => {
                    let _ = self
                        .engine
                        .ingest_at(&msg, Some(time_ms), None, &mut self.buf);
                }
                Err(_) => self.stats.undecodable += 1,
            },
        }
        self.stats.events_judged += self.buf.len() as u64;
        let picture = self.engine.picture();
        for e in self.buf.drain(..) {
            let p = self.ownership.owner(&e, |m| {
                picture
                    .vessel(m)
                    .filter(|v| v.has_fix())
                    .map(|v| (v.lat_deg, v.lon_deg))
            });
            if !self.mine.contains(&p) {
                continue;
            }
            let mut key = event_key(&e);
            let n = self.keys.entry(key.clone()).or_insert((e.time_ms, 0));
            if n.1 > 0 {
                key.push_str(&format!("#{}", n.1));
            }
            n.1 += 1;
            let silent = self.silent_partition.get(&p).copied().unwrap_or(0);
            if self.last_seq <= silent {
                self.stats.events_replayed += 1;
                continue;
            }
            self.stats.events_owned += 1;
            out.push(Owned {
                key,
                partition: p,
                event: e,
            });
        }
        if self.keys.len() > 4096 {
            let newest = self.keys.values().map(|v| v.0).max().unwrap_or(0);
            self.keys.retain(|_, v| v.0 >= newest - KEY_MEMORY_MS);
        }
        Ok(())
    }
}

/// Merges the records of several partitions into ingest's order. Each
/// partition's records arrive in order; a record is handed on once every
/// partition has one waiting (ticks reach every partition, so none waits
/// long), with every copy of it (the same `seq` through several
/// partitions) so that all are acknowledged together.
#[derive(Debug)]
pub struct Merge<T> {
    heads: BTreeMap<Partition, VecDeque<(u64, T)>>,
}

impl<T> Merge<T> {
    /// A merge of these partitions.
    pub fn new(partitions: &[Partition]) -> Merge<T> {
        Merge {
            heads: partitions.iter().map(|&p| (p, VecDeque::new())).collect(),
        }
    }

    /// A record of partition `p` with its sequence number. A record older
    /// than one already waiting (the broker delivering it again after its
    /// acknowledgement was late) is handed back: it was judged or will be,
    /// only its acknowledgement is owed.
    pub fn push(&mut self, p: Partition, seq: u64, item: T) -> Option<T> {
        match self.heads.get_mut(&p) {
            Some(q) if q.back().is_none_or(|b| b.0 < seq) => {
                q.push_back((seq, item));
                None
            }
            _ => Some(item),
        }
    }

    /// Partitions with nothing waiting (the merge needs one of each).
    pub fn empty(&self) -> impl Iterator<Item = Partition> + '_ {
        self.heads
            .iter()
            .filter(|(_, q)| q.is_empty())
            .map(|(&p, _)| p)
    }

    /// Records waiting, all partitions together.
    pub fn len(&self) -> usize {
        self.heads.values().map(VecDeque::len).sum()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The next record in ingest's order with all its copies, once every
    /// partition has one waiting.
    pub fn pop(&mut self) -> Option<(u64, Vec<T>)> {
        let mut min = u64::MAX;
        for q in self.heads.values() {
            min = min.min(q.front()?.0);
        }
        let mut copies = Vec::new();
        for q in self.heads.values_mut() {
            if q.front().is_some_and(|h| h.0 == min) {
                copies.extend(q.pop_front().map(|h| h.1));
            }
        }
        Some((min, copies))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_waits_for_every_partition_and_joins_copies() {
        let mut m: Merge<&str> = Merge::new(&[1, 2]);
        assert_eq!(m.push(1, 1, "a1"), None);
        assert!(m.pop().is_none());
        assert_eq!(m.push(2, 1, "a2"), None);
        assert_eq!(m.push(2, 3, "c2"), None);
        assert_eq!(m.push(2, 2, "late"), Some("late"));
        assert_eq!(m.push(9, 1, "not mine"), Some("not mine"));
        assert_eq!(m.push(1, 2, "b1"), None);
        assert_eq!(m.pop(), Some((1, vec!["a1", "a2"])));
        assert_eq!(m.pop(), Some((2, vec!["b1"])));
        assert!(m.pop().is_none());
        assert_eq!(m.empty().collect::<Vec<_>>(), vec![1]);
    }
}

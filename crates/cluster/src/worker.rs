//! A worker's judgement, sans-IO: records of its partitions in (merged in
//! ingest's order), the events it owns out.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use finisterra_engine::{Config, Engine, Event, FastMap, Geography};

use crate::grid::{Grid, Partition};
use crate::owner::{event_key, Ownership};
use crate::wire::{Record, WireError};

/// Counters of a worker.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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

    /// The engine (picture, open risks, counters).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Lets the engine's screening passes use `threads` threads (the same
    /// events: [`Engine::set_threads`]).
    pub fn set_threads(&mut self, threads: usize) {
        self.engine.set_threads(threads);
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
    /// are stored up to the record `seq` (the record at `p`'s ack floor:
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
            Record::End { .. } => self.ended = true,
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

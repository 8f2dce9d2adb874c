//! The in-memory backend (`memory:NAME`): the same behaviour as the
//! database backends, kept in the process's memory and lost when it ends.
//! It lets `finisterra serve` without a data directory run the same store
//! code path as with one.
//!
//! # Sharing and lifetime
//!
//! Every handle opened with the same name ([`MemoryStore::open`],
//! [`crate::open`] with `memory:NAME`, a [`crate::StorePool`] on it)
//! shares one store: the data sits behind an `Arc<Mutex<...>>` found in a
//! process-wide registry by name. A store lives until the process ends,
//! even when no handle is left (so that a "reopen" finds everything, as
//! with a database). That registry is the crate's only global state.
//!
//! # Bounds
//!
//! A store keeps at most [`MEMORY_MAX_EVENTS`] events by default
//! (configurable per store with [`MemoryStore::open_with_max_events`]):
//! beyond that, the oldest events are dropped with their
//! acknowledgements, as a prune would. Ids are never reused:
//! [`Store::last_event_id`] keeps the highest id ever stored. Vessels
//! are one row per MMSI, and tracks are bounded by [`Store::prune`] with
//! a [`crate::Retention`], as in the other backends.
//!
//! # Durability
//!
//! None: `append_events` returns when the events are in memory. Each call
//! is still atomic (one lock held for the whole call): readers on other
//! handles see a batch whole or not at all.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use crate::downsample::{Decision, Downsampler};
use crate::sqlite::finite;
use crate::{
    id_to_i64, normalised_mmsis, seconds_to_ms, AckOutcome, Acknowledgement, Appended, EventQuery,
    PruneStats, Retention, Store, StoreError, StoreOptions, StoredEvent, TrackPoint, TrackQuery,
    TrackWindow, VesselRow,
};

/// How many events a memory store keeps by default; beyond that the oldest
/// are dropped (see [`MemoryStore`]).
pub const MEMORY_MAX_EVENTS: usize = 200_000;

/// The data of one memory store, shared by its handles.
#[derive(Debug)]
struct State {
    /// At most this many events are kept.
    max_events: usize,
    /// The highest event id ever stored.
    last_event_id: u64,
    events: BTreeMap<u64, StoredEvent>,
    /// The id of the event stored under each key.
    keys: HashMap<String, u64>,
    acknowledgements: HashMap<u64, Acknowledgement>,
    vessels: BTreeMap<u32, VesselRow>,
    /// Track points by vessel, then by time.
    track: HashMap<u32, BTreeMap<i64, TrackPoint>>,
    documents: BTreeMap<String, String>,
}

impl State {
    fn new(max_events: usize) -> State {
        State {
            max_events,
            last_event_id: 0,
            events: BTreeMap::new(),
            keys: HashMap::new(),
            acknowledgements: HashMap::new(),
            vessels: BTreeMap::new(),
            track: HashMap::new(),
            documents: BTreeMap::new(),
        }
    }

    /// Drops the oldest events (and their acknowledgements) beyond the cap.
    fn enforce_cap(&mut self) {
        while self.events.len() > self.max_events {
            match self.events.pop_first() {
                Some((id, e)) => {
                    self.acknowledgements.remove(&id);
                    if let Some(k) = e.key {
                        self.keys.remove(&k);
                    }
                }
                None => break,
            }
        }
    }

    fn event_matches(&self, e: &StoredEvent, q: &EventQuery) -> bool {
        (q.kinds.is_empty() || q.kinds.contains(&e.kind))
            && q.mmsi.is_none_or(|m| e.mmsis.binary_search(&m).is_ok())
            && q.from_ms.is_none_or(|t| e.time_ms >= t)
            && q.to_ms.is_none_or(|t| e.time_ms < t)
            && q.acknowledged
                .is_none_or(|a| self.acknowledgements.contains_key(&e.id) == a)
    }
}

type Shared = Arc<Mutex<State>>;

/// The process-wide registry of memory stores by name (the crate's only
/// global state; stores are never removed from it).
fn registry() -> &'static Mutex<HashMap<String, Shared>> {
    static REGISTRY: OnceLock<Mutex<HashMap<String, Shared>>> = OnceLock::new();
    REGISTRY.get_or_init(|| Mutex::new(HashMap::new()))
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every write is applied whole under the lock, with no panicking code
    // in between: a poisoned lock still guards consistent data.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A handle to a memory store (`memory:NAME`): the behaviour of the
/// database backends, in the process's memory, not durable.
///
/// Handles of one name share the data (behind an `Arc<Mutex<...>>`, found
/// by name in a process-wide registry, the crate's only global state); a
/// store lives until the process ends, even with no handle left, so that a
/// pool, a reader or a "reopen" finds its data. Each handle has its own
/// track down-sampler, like a database connection. Every call holds the
/// store's lock throughout: other handles see a write whole or not at all.
///
/// A store keeps at most [`MEMORY_MAX_EVENTS`] events unless opened with
/// [`open_with_max_events`](Self::open_with_max_events): beyond the cap
/// the oldest events are dropped with their acknowledgements, and
/// [`Store::last_event_id`] still keeps the highest id ever stored (ids
/// are never reused). Tracks are bounded by [`Store::prune`], vessels by
/// their number.
pub struct MemoryStore {
    name: String,
    shared: Shared,
    downsampler: Downsampler,
}

impl std::fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryStore")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl MemoryStore {
    /// A handle to the memory store `name`, created empty (keeping at most
    /// [`MEMORY_MAX_EVENTS`] events) if the process has none of that name
    /// yet.
    pub fn open(name: &str, options: &StoreOptions) -> MemoryStore {
        MemoryStore::open_impl(name, None, options)
    }

    /// Like [`open`](Self::open), and sets the store's cap on events to
    /// `max_events` (for every handle of it; if it holds more, the oldest
    /// are dropped now).
    pub fn open_with_max_events(
        name: &str,
        max_events: usize,
        options: &StoreOptions,
    ) -> MemoryStore {
        MemoryStore::open_impl(name, Some(max_events), options)
    }

    fn open_impl(name: &str, max_events: Option<usize>, options: &StoreOptions) -> MemoryStore {
        let shared = lock(registry())
            .entry(name.to_owned())
            .or_insert_with(|| {
                Arc::new(Mutex::new(State::new(
                    max_events.unwrap_or(MEMORY_MAX_EVENTS),
                )))
            })
            .clone();
        if let Some(max) = max_events {
            let mut st = lock(&shared);
            st.max_events = max;
            st.enforce_cap();
        }
        MemoryStore {
            name: name.to_owned(),
            shared,
            downsampler: Downsampler::new(seconds_to_ms(options.track_interval_s)),
        }
    }

    /// The store's name (`NAME` of `memory:NAME`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The store's cap on events.
    pub fn max_events(&self) -> usize {
        self.state().max_events
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.shared)
    }
}

impl Store for MemoryStore {
    fn backend(&self) -> &'static str {
        "memory"
    }

    fn append_events(&mut self, events: &[StoredEvent]) -> Result<Appended, StoreError> {
        if events.is_empty() {
            return Ok(Appended::default());
        }
        let mut st = self.state();
        // Check the whole batch first: it is stored whole or not at all.
        let mut last = st.last_event_id;
        for e in events {
            if e.id <= last {
                return Err(StoreError::EventIdNotIncreasing { id: e.id, last });
            }
            id_to_i64("event id", e.id)?;
            last = e.id;
        }
        let mut out = Appended::default();
        for e in events {
            if let Some(k) = &e.key {
                if st.keys.contains_key(k) {
                    out.duplicates.push(e.id);
                    continue;
                }
                st.keys.insert(k.clone(), e.id);
            }
            let stored = StoredEvent {
                mmsis: normalised_mmsis(&e.mmsis),
                ..e.clone()
            };
            st.events.insert(e.id, stored);
            out.stored += 1;
        }
        st.last_event_id = last;
        st.enforce_cap();
        Ok(out)
    }

    fn last_event_id(&self) -> Result<u64, StoreError> {
        Ok(self.state().last_event_id)
    }

    fn events(&self, q: &EventQuery) -> Result<Vec<StoredEvent>, StoreError> {
        if q.limit == 0 || q.before_id.is_some_and(|b| b <= q.since_id) {
            return Ok(Vec::new());
        }
        let st = self.state();
        let upper = match q.before_id {
            Some(b) => Bound::Excluded(b),
            None => Bound::Unbounded,
        };
        let range = st.events.range((Bound::Excluded(q.since_id), upper));
        let matching = |e: &&StoredEvent| st.event_matches(e, q);
        let out = if q.newest_first {
            range
                .rev()
                .map(|(_, e)| e)
                .filter(matching)
                .take(q.limit)
                .cloned()
                .collect()
        } else {
            range
                .map(|(_, e)| e)
                .filter(matching)
                .take(q.limit)
                .cloned()
                .collect()
        };
        Ok(out)
    }

    fn event(&self, id: u64) -> Result<Option<StoredEvent>, StoreError> {
        Ok(self.state().events.get(&id).cloned())
    }

    fn upsert_vessels(&mut self, vessels: &[VesselRow]) -> Result<(), StoreError> {
        let mut st = self.state();
        for v in vessels {
            let row = VesselRow {
                lat_deg: finite(v.lat_deg),
                lon_deg: finite(v.lon_deg),
                ..v.clone()
            };
            st.vessels.insert(v.mmsi, row);
        }
        Ok(())
    }

    fn vessel(&self, mmsi: u32) -> Result<Option<VesselRow>, StoreError> {
        Ok(self.state().vessels.get(&mmsi).cloned())
    }

    fn vessels(&self) -> Result<Vec<VesselRow>, StoreError> {
        Ok(self.state().vessels.values().cloned().collect())
    }

    fn append_track(&mut self, points: &[TrackPoint]) -> Result<usize, StoreError> {
        if points.is_empty() {
            return Ok(0);
        }
        let MemoryStore {
            shared,
            downsampler,
            ..
        } = self;
        let mut st = lock(shared);
        let w = downsampler.probe_window_ms();
        let mut kept = 0;
        for p in points {
            if !(p.lat_deg.is_finite() && p.lon_deg.is_finite()) {
                continue;
            }
            let track = st.track.entry(p.mmsi).or_default();
            if downsampler.needs(p.mmsi) {
                downsampler.learn(p.mmsi, track.last_key_value().map(|(t, _)| *t));
            }
            let keep = match downsampler.decide(p.mmsi, p.time_ms) {
                Decision::Keep => true,
                Decision::Drop => false,
                Decision::Probe => {
                    let lo = p.time_ms.saturating_sub(w);
                    let hi = p.time_ms.saturating_add(w);
                    // Stored points strictly inside (lo, hi) block it.
                    lo >= hi
                        || track
                            .range((Bound::Excluded(lo), Bound::Excluded(hi)))
                            .next()
                            .is_none()
                }
            };
            if keep {
                if let std::collections::btree_map::Entry::Vacant(slot) = track.entry(p.time_ms) {
                    slot.insert(TrackPoint {
                        sog_kn: finite(p.sog_kn),
                        cog_deg: finite(p.cog_deg),
                        heading_deg: finite(p.heading_deg),
                        ..*p
                    });
                    kept += 1;
                }
                downsampler.kept(p.mmsi, p.time_ms);
            }
        }
        st.track.retain(|_, t| !t.is_empty());
        Ok(kept)
    }

    fn track(&self, q: &TrackQuery) -> Result<Vec<TrackPoint>, StoreError> {
        let to = q.to_ms.unwrap_or(i64::MAX);
        if q.limit == 0 || q.from_ms >= to {
            return Ok(Vec::new());
        }
        let st = self.state();
        let Some(track) = st.track.get(&q.mmsi) else {
            return Ok(Vec::new());
        };
        let mut points: Vec<TrackPoint> = track
            .range(q.from_ms..to)
            .rev()
            .take(q.limit)
            .map(|(_, p)| *p)
            .collect();
        points.reverse();
        Ok(points)
    }

    fn track_window(&self, q: &TrackWindow) -> Result<Vec<TrackPoint>, StoreError> {
        if q.limit == 0 || q.from_ms >= q.to_ms {
            return Ok(Vec::new());
        }
        let st = self.state();
        let mut points: Vec<TrackPoint> = match q.mmsi {
            Some(m) => st
                .track
                .get(&m)
                .map(|t| t.range(q.from_ms..q.to_ms).map(|(_, p)| *p).collect())
                .unwrap_or_default(),
            None => st
                .track
                .values()
                .flat_map(|t| t.range(q.from_ms..q.to_ms).map(|(_, p)| *p))
                .collect(),
        };
        points.retain(|p| q.holds(p));
        points.sort_by_key(|p| (p.time_ms, p.mmsi));
        points.truncate(q.limit);
        Ok(points)
    }

    fn acknowledge(&mut self, ack: &Acknowledgement) -> Result<AckOutcome, StoreError> {
        let mut st = self.state();
        if !st.events.contains_key(&ack.event_id) {
            return Ok(AckOutcome::NoSuchEvent);
        }
        Ok(match st.acknowledgements.entry(ack.event_id) {
            std::collections::hash_map::Entry::Occupied(_) => AckOutcome::AlreadyAcknowledged,
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(ack.clone());
                AckOutcome::Acknowledged
            }
        })
    }

    fn acknowledgements(&self, event_ids: &[u64]) -> Result<Vec<Acknowledgement>, StoreError> {
        let st = self.state();
        let mut out: Vec<Acknowledgement> = event_ids
            .iter()
            .filter_map(|id| st.acknowledgements.get(id).cloned())
            .collect();
        out.sort_by_key(|a| a.event_id);
        out.dedup_by_key(|a| a.event_id);
        Ok(out)
    }

    fn prune(&mut self, now_ms: i64, retention: &Retention) -> Result<PruneStats, StoreError> {
        let mut stats = PruneStats::default();
        {
            let mut st = self.state();
            let cut = now_ms.saturating_sub(seconds_to_ms(retention.track_s));
            for track in st.track.values_mut() {
                let kept = track.split_off(&cut);
                stats.track_points += track.len() as u64;
                *track = kept;
            }
            st.track.retain(|_, t| !t.is_empty());
            if let Some(s) = retention.events_s {
                let cut = now_ms.saturating_sub(seconds_to_ms(s));
                let old: Vec<u64> = st
                    .events
                    .values()
                    .filter(|e| e.time_ms < cut)
                    .map(|e| e.id)
                    .collect();
                for id in &old {
                    if let Some(k) = st.events.remove(id).and_then(|e| e.key) {
                        st.keys.remove(&k);
                    }
                    st.acknowledgements.remove(id);
                }
                stats.events = old.len() as u64;
            }
            if let Some(s) = retention.vessels_s {
                let cut = now_ms.saturating_sub(seconds_to_ms(s));
                let before = st.vessels.len();
                st.vessels.retain(|_, v| v.time_ms >= cut);
                stats.vessels = (before - st.vessels.len()) as u64;
            }
        }
        self.downsampler.clear();
        Ok(stats)
    }

    fn put_document(&mut self, name: &str, json: &str) -> Result<(), StoreError> {
        self.state()
            .documents
            .insert(name.to_owned(), json.to_owned());
        Ok(())
    }

    fn document(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self.state().documents.get(name).cloned())
    }

    fn delete_document(&mut self, name: &str) -> Result<bool, StoreError> {
        Ok(self.state().documents.remove(name).is_some())
    }

    fn document_names(&self) -> Result<Vec<String>, StoreError> {
        Ok(self.state().documents.keys().cloned().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(id: u64) -> StoredEvent {
        StoredEvent::from_json(id, id as i64, "distress", r#"{"mmsi":1}"#)
    }

    fn all(s: &MemoryStore) -> Vec<u64> {
        let q = EventQuery {
            limit: usize::MAX,
            ..EventQuery::default()
        };
        s.events(&q)
            .map(|v| v.iter().map(|e| e.id).collect())
            .unwrap_or_default()
    }

    #[test]
    fn cap_drops_the_oldest_and_never_reuses_ids() {
        let opts = StoreOptions::default();
        let mut s = MemoryStore::open_with_max_events("unit-cap", 5, &opts);
        assert_eq!(s.max_events(), 5);
        assert!(s
            .append_events(&(1..=4).map(ev).collect::<Vec<_>>())
            .is_ok());
        let ack = Acknowledgement {
            event_id: 2,
            by: "op".into(),
            time_ms: 0,
            note: None,
        };
        assert_eq!(s.acknowledge(&ack).ok(), Some(AckOutcome::Acknowledged));
        assert!(s
            .append_events(&(5..=8).map(ev).collect::<Vec<_>>())
            .is_ok());
        assert_eq!(all(&s), vec![4, 5, 6, 7, 8]);
        // The dropped event's acknowledgement went with it.
        assert_eq!(s.acknowledgements(&[2]).ok(), Some(Vec::new()));
        assert_eq!(s.acknowledge(&ack).ok(), Some(AckOutcome::NoSuchEvent));
        // One batch larger than the cap keeps its newest events.
        assert!(s
            .append_events(&(9..=20).map(ev).collect::<Vec<_>>())
            .is_ok());
        assert_eq!(all(&s), vec![16, 17, 18, 19, 20]);
        assert_eq!(s.last_event_id().ok(), Some(20));
        // Another handle shares the store and its cap; ids still increase.
        let mut other = MemoryStore::open("unit-cap", &opts);
        assert_eq!(other.max_events(), 5);
        assert!(other.append_events(&[ev(20)]).is_err());
        assert!(other.append_events(&[ev(21)]).is_ok());
        assert_eq!(all(&s), vec![17, 18, 19, 20, 21]);
        // Lowering the cap applies at once; zero keeps no event at all.
        let s0 = MemoryStore::open_with_max_events("unit-cap", 0, &opts);
        assert!(all(&s0).is_empty());
        assert_eq!(s0.last_event_id().ok(), Some(21));
    }

    #[test]
    fn default_cap() {
        let s = MemoryStore::open("unit-default-cap", &StoreOptions::default());
        assert_eq!(s.max_events(), MEMORY_MAX_EVENTS);
        assert_eq!(s.name(), "unit-default-cap");
        assert!(format!("{s:?}").contains("unit-default-cap"));
    }

    #[test]
    fn names_are_separate() {
        let opts = StoreOptions::default();
        let mut a = MemoryStore::open("unit-a", &opts);
        let b = MemoryStore::open("unit-b", &opts);
        assert!(a.put_document("x", "1").is_ok());
        assert_eq!(b.document("x").ok(), Some(None));
        assert_eq!(
            MemoryStore::open("unit-a", &opts).document("x").ok(),
            Some(Some("1".into()))
        );
    }
}

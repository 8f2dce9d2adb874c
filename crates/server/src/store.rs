//! Where published events go before anyone sees them, and where the
//! picture's state, tracks and the zones/hazards documents are kept.

use finisterra_store::{AckOutcome, Acknowledgement, EventQuery, Store, StoreOptions, StoredEvent};

use std::sync::Arc;

use crate::channel::Published;

/// A home for events (and, when durable, the rest of the state).
pub trait EventSink: Send {
    /// Stores the events; returns only when they are durable. Idempotent on
    /// keys: returns the ids of the events not stored because an event with
    /// their key is stored already (see `finisterra_store::Appended`).
    fn append(&mut self, events: &[Published]) -> anyhow::Result<Vec<u64>>;
    /// The events the query selects, in its order.
    fn query(&self, q: &EventQuery) -> anyhow::Result<Vec<Published>>;
    /// Events with id greater than `since`, at most `limit`, oldest first.
    fn since(&self, since: u64, kinds: &[String], limit: usize) -> anyhow::Result<Vec<Published>> {
        self.query(&EventQuery {
            since_id: since,
            kinds: kinds.to_vec(),
            limit,
            ..Default::default()
        })
    }
    /// The highest stored event id (0 when empty).
    fn last_id(&self) -> u64;
    /// Records an operator's acknowledgement of an event; `false` when
    /// there is no such event.
    fn acknowledge(&mut self, id: u64, by: &str, time_ms: i64) -> anyhow::Result<bool>;
    /// The acknowledgements of the events among `ids`.
    fn acknowledged(&self, ids: &[u64]) -> Vec<Acknowledgement>;
    /// A store of its own for the vessel states and track points (written
    /// by the state thread all the time, never under this sink's lock);
    /// `None` when nothing but events is kept.
    fn state_store(&self) -> anyhow::Result<Option<Box<dyn Store>>> {
        Ok(None)
    }
    /// Saves a named document (zones, hazards).
    fn put_document(&mut self, _name: &str, _json: &str) -> anyhow::Result<()> {
        Ok(())
    }
    /// A named document, if saved.
    fn document(&self, _name: &str) -> Option<String> {
        None
    }
}

pub use finisterra_store::MEMORY_MAX_EVENTS;

/// A store kept in memory only (no `--data-dir`): the store crate's memory
/// backend, which runs the same shared suite as SQLite and PostgreSQL; at
/// most `finisterra_store::MEMORY_MAX_EVENTS` events (the oldest dropped),
/// all lost on exit. Each call opens a new, empty one.
pub fn memory() -> Box<dyn EventSink> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let location = format!("{}serve-{n}", finisterra_store::MEMORY_PREFIX);
    let store: Box<dyn Store> = Box::new(finisterra_store::MemoryStore::open(
        &location[finisterra_store::MEMORY_PREFIX.len()..],
        &StoreOptions::default(),
    ));
    Box::new(StoreSink {
        store,
        last_id: 0,
        location,
        // In memory, vessel states and tracks are not kept (their
        // retention is days: unbounded memory); the picture has them.
        keeps_state: false,
    })
}

/// Events in a store of the store crate: SQLite in a data directory,
/// PostgreSQL, or memory.
pub struct StoreSink {
    store: Box<dyn Store>,
    last_id: u64,
    location: String,
    keeps_state: bool,
}

/// Opens a durable store: `postgres://...` or a data directory.
pub fn open(url_or_dir: &str) -> anyhow::Result<Box<dyn EventSink>> {
    let store = finisterra_store::open(url_or_dir, &StoreOptions::default())
        .map_err(|e| anyhow::anyhow!("cannot open the store {url_or_dir:?}: {e}"))?;
    let last_id = store
        .last_event_id()
        .map_err(|e| anyhow::anyhow!("cannot read the store: {e}"))?;
    Ok(Box::new(StoreSink {
        store,
        last_id,
        location: url_or_dir.to_string(),
        keeps_state: true,
    }))
}

fn kind_of(k: &str) -> &'static str {
    finisterra_engine::EventKind::parse(k).map_or("unknown", |k| k.as_str())
}

impl EventSink for StoreSink {
    fn append(&mut self, events: &[Published]) -> anyhow::Result<Vec<u64>> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<StoredEvent> = events
            .iter()
            .map(|e| StoredEvent {
                id: e.id,
                time_ms: e.time_ms,
                kind: e.kind.to_string(),
                mmsis: e.mmsis.clone(),
                json: e.json.to_string(),
                key: e.key.as_deref().map(str::to_string),
            })
            .collect();
        let appended = self.store.append_events(&rows)?;
        self.last_id = self.last_id.max(events.last().map_or(0, |e| e.id));
        Ok(appended.duplicates)
    }

    fn query(&self, q: &EventQuery) -> anyhow::Result<Vec<Published>> {
        Ok(self
            .store
            .events(q)?
            .into_iter()
            .map(|e| {
                let mut p =
                    Published::new(e.id, kind_of(&e.kind), e.time_ms, e.mmsis, e.json.into());
                p.key = e.key.map(Arc::from);
                p
            })
            .collect())
    }

    fn last_id(&self) -> u64 {
        self.last_id
    }

    fn acknowledge(&mut self, id: u64, by: &str, time_ms: i64) -> anyhow::Result<bool> {
        let out = self.store.acknowledge(&Acknowledgement {
            event_id: id,
            by: by.to_string(),
            time_ms,
            note: None,
        })?;
        Ok(out != AckOutcome::NoSuchEvent)
    }

    fn acknowledged(&self, ids: &[u64]) -> Vec<Acknowledgement> {
        self.store.acknowledgements(ids).unwrap_or_default()
    }

    fn state_store(&self) -> anyhow::Result<Option<Box<dyn Store>>> {
        if !self.keeps_state {
            return Ok(None);
        }
        let store = finisterra_store::open_state(&self.location, &StoreOptions::default())
            .map_err(|e| anyhow::anyhow!("cannot open the state store {:?}: {e}", self.location))?;
        Ok(Some(store))
    }

    fn put_document(&mut self, name: &str, json: &str) -> anyhow::Result<()> {
        self.store.put_document(name, json)?;
        Ok(())
    }

    fn document(&self, name: &str) -> Option<String> {
        self.store.document(name).ok().flatten()
    }
}

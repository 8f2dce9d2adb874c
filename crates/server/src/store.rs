//! Where published events go before anyone sees them.

use crate::core::Published;

/// A durable (or not) home for events.
pub trait EventSink: Send {
    /// Stores the events; returns only when they are durable.
    fn append(&mut self, events: &[Published]) -> anyhow::Result<()>;
    /// Events with id greater than `since`, at most `limit`, in order.
    fn since(&self, since: u64, kinds: &[String], limit: usize) -> anyhow::Result<Vec<Published>>;
    /// The highest stored event id (0 when empty).
    fn last_id(&self) -> u64;
    /// Records an operator's acknowledgement of an event.
    fn acknowledge(&mut self, id: u64, by: &str, time_ms: i64) -> anyhow::Result<bool>;
    /// Acknowledged event ids among `ids`.
    fn acknowledged(&self, ids: &[u64]) -> Vec<u64>;
}

/// Keeps events in memory only (no `--data-dir`).
#[derive(Default)]
pub struct MemorySink {
    events: Vec<Published>,
    acks: Vec<u64>,
}

impl EventSink for MemorySink {
    fn append(&mut self, events: &[Published]) -> anyhow::Result<()> {
        self.events.extend_from_slice(events);
        // Memory is bounded like the recent window of the API.
        let cap = 200_000;
        if self.events.len() > cap {
            let cut = self.events.len() - cap;
            self.events.drain(..cut);
        }
        Ok(())
    }

    fn since(&self, since: u64, kinds: &[String], limit: usize) -> anyhow::Result<Vec<Published>> {
        let start = self.events.partition_point(|e| e.id <= since);
        Ok(self.events[start..]
            .iter()
            .filter(|e| kinds.is_empty() || kinds.iter().any(|k| k == e.kind))
            .take(limit)
            .cloned()
            .collect())
    }

    fn last_id(&self) -> u64 {
        self.events.last().map_or(0, |e| e.id)
    }

    fn acknowledge(&mut self, id: u64, _by: &str, _time_ms: i64) -> anyhow::Result<bool> {
        if self.events.iter().any(|e| e.id == id) {
            if !self.acks.contains(&id) {
                self.acks.push(id);
            }
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn acknowledged(&self, ids: &[u64]) -> Vec<u64> {
        ids.iter()
            .copied()
            .filter(|i| self.acks.contains(i))
            .collect()
    }
}

/// Opens a durable store: `postgres://...` or a data directory.
pub fn open(url_or_dir: &str) -> anyhow::Result<Box<dyn EventSink>> {
    anyhow::bail!(
        "cannot open the store {url_or_dir:?}: the durable store is not built into this binary yet"
    )
}

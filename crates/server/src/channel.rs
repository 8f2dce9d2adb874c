//! The channel into the core thread and what comes out of it: the leaf
//! types every other module of the server shares (sources send `Input`s
//! through a `CoreTx`; the core publishes `Published` events to the store,
//! the API and the live stream). Depends on nothing else in the crate.

use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::Arc;
use std::time::Instant;

use finisterra_engine::Event;

/// One line received by a source.
#[derive(Debug)]
pub struct Line {
    /// Index of the source (in the order given on the command line).
    pub source: usize,
    /// The bytes of the line (no line ending).
    pub bytes: Vec<u8>,
    /// Receive time stamped at the edge, ms since the epoch: used when the
    /// data carries no time of its own.
    pub recv_ms: i64,
    /// When it arrived (for the latency histogram).
    pub arrived: Instant,
}

/// What the core thread receives.
#[derive(Debug)]
pub enum Input {
    /// A line from a source.
    Line(Line),
    /// Wall-clock time passed with a live feed (screens even when quiet).
    Tick(i64),
    /// Replace the zones.
    Zones(finisterra_geofence::Zones),
    /// Replace the user hazards.
    Hazards(finisterra_geofence::Hazards),
    /// Stop after what was queued.
    Shutdown,
}

/// An event as published: its number, kind and JSON.
#[derive(Debug, Clone)]
pub struct Published {
    /// Event id (the engine's, continued across restarts from the store).
    pub id: u64,
    /// Event kind (`risk.raised`, ...).
    pub kind: &'static str,
    /// Data time, ms.
    pub time_ms: i64,
    /// MMSIs of the vessels involved.
    pub mmsis: Vec<u32>,
    /// The event JSON.
    pub json: Arc<str>,
}

impl Published {
    /// Builds the published form of an engine event.
    pub fn of(e: &Event) -> Published {
        let v = serde_json::to_value(e).unwrap_or_default();
        let mut mmsis = Vec::new();
        for k in ["a", "b", "vessel"] {
            if let Some(m) = v
                .get(k)
                .and_then(|x| x.get("mmsi"))
                .and_then(|m| m.as_u64())
            {
                mmsis.push(m as u32);
            }
        }
        if let Some(m) = v.get("mmsi").and_then(|m| m.as_u64()) {
            mmsis.push(m as u32);
        }
        Published {
            id: e.id,
            kind: e.body.kind(),
            time_ms: e.time_ms,
            mmsis,
            json: Arc::from(e.to_json()),
        }
    }
}

/// Sends inputs to the core thread: bounded, so a flood is back-pressure
/// on the sources (and counted as dropped for datagrams), never unbounded
/// memory.
#[derive(Clone)]
pub struct CoreTx {
    tx: SyncSender<Input>,
    closed: Arc<std::sync::atomic::AtomicBool>,
}

impl CoreTx {
    /// Wraps the channel.
    pub fn new(tx: SyncSender<Input>) -> CoreTx {
        CoreTx {
            tx,
            closed: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        }
    }

    /// `true` once the core thread is gone.
    pub fn is_closed(&self) -> bool {
        self.closed.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Blocks until there is room (streams: TCP, files).
    pub fn send(&self, i: Input) -> bool {
        self.tx.send(i).is_ok()
    }

    /// Never blocks; `false` when the queue is full (datagrams).
    pub fn try_send(&self, i: Input) -> Result<(), Input> {
        match self.tx.try_send(i) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(i)) => Err(i),
            Err(TrySendError::Disconnected(i)) => {
                self.closed
                    .store(true, std::sync::atomic::Ordering::Relaxed);
                Err(i)
            }
        }
    }
}

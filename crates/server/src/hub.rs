//! The fan-out hub: every event, notice, vessel update and forwarded NMEA
//! line is serialised once, here or in the core, and the same bytes are
//! handed to every consumer (SSE and WebSocket clients, outputs).
//!
//! Each channel is a bounded broadcast: the sender never waits for a
//! consumer. A consumer that falls behind the channel's capacity loses the
//! oldest items and learns how many (`Lagged`); live-stream clients are then
//! dropped and resume by id, outputs count the loss in `/metrics`
//! (`finisterra_output_dropped_total{reason="lagged"}`) and go on.

use std::sync::Arc;

use axum::body::Bytes;
use tokio::sync::broadcast;

use crate::channel::{Notice, Published};

/// Published events held for slow consumers.
pub const EVENTS_CAPACITY: usize = 16_384;
/// Notices held.
pub const NOTICES_CAPACITY: usize = 1_024;
/// Vessel updates held: few, each holds every vessel that moved, so a
/// consumer a few seconds behind skips to the newest.
pub const VESSELS_CAPACITY: usize = 4;
/// NMEA lines held for the forwarding outputs (a few seconds of a busy
/// feed).
pub const NMEA_CAPACITY: usize = 65_536;

/// The vessels that moved in the last second.
#[derive(Debug)]
pub struct VesselUpdate {
    /// The whole update as one notice (`vessels`, a JSON array) for the
    /// live streams.
    pub notice: Arc<Notice>,
    /// Each vessel: MMSI, position (lat, lon) and its JSON (the array's
    /// element, serialised once).
    pub vessels: Vec<(u32, (f64, f64), Arc<str>)>,
}

impl VesselUpdate {
    /// An update from each vessel's JSON; the array is joined from them,
    /// not serialised again.
    pub fn new(vessels: Vec<(u32, (f64, f64), Arc<str>)>) -> VesselUpdate {
        let mut array =
            String::with_capacity(vessels.iter().map(|v| v.2.len() + 1).sum::<usize>() + 2);
        array.push('[');
        for (i, v) in vessels.iter().enumerate() {
            if i > 0 {
                array.push(',');
            }
            array.push_str(&v.2);
        }
        array.push(']');
        VesselUpdate {
            notice: Arc::new(Notice::new("vessels", array)),
            vessels,
        }
    }
}

/// A line of NMEA for the forwarding outputs, with its line ending.
#[derive(Debug)]
pub enum Nmea {
    /// A line as received, from any input (duplicates heard by several
    /// receivers included).
    Raw(Bytes),
    /// A transmission heard for the first time, framed again as complete
    /// sentences (one per fragment): what a de-duplicated feed carries.
    Message {
        /// Its vessel.
        mmsi: u32,
        /// The vessel's last known position (lat, lon), if any.
        position: Option<(f64, f64)>,
        /// The sentences.
        sentences: Bytes,
    },
}

/// The fan-out hub. See the [module documentation](self).
#[derive(Debug)]
pub struct Hub {
    events: broadcast::Sender<Arc<Published>>,
    notices: broadcast::Sender<Arc<Notice>>,
    vessels: broadcast::Sender<Arc<VesselUpdate>>,
    nmea: broadcast::Sender<Arc<Nmea>>,
}

impl Default for Hub {
    fn default() -> Hub {
        Hub::new()
    }
}

impl Hub {
    /// A hub with no consumer yet.
    pub fn new() -> Hub {
        Hub {
            events: broadcast::channel(EVENTS_CAPACITY).0,
            notices: broadcast::channel(NOTICES_CAPACITY).0,
            vessels: broadcast::channel(VESSELS_CAPACITY).0,
            nmea: broadcast::channel(NMEA_CAPACITY).0,
        }
    }

    /// Hands a published event to every consumer.
    pub fn event(&self, p: Arc<Published>) {
        // No consumer is fine.
        let _ = self.events.send(p);
    }

    /// Hands a notice (`ack`, `store.degraded`, ...) to every consumer.
    pub fn notice(&self, name: &'static str, json: impl Into<Arc<str>>) {
        let _ = self.notices.send(Arc::new(Notice::new(name, json)));
    }

    /// Hands a vessel update to every consumer.
    pub fn vessels(&self, u: VesselUpdate) {
        let _ = self.vessels.send(Arc::new(u));
    }

    /// Hands an NMEA line to the forwarding outputs.
    pub fn nmea(&self, n: Nmea) {
        let _ = self.nmea.send(Arc::new(n));
    }

    /// Whether anyone takes vessel updates (else they are not built).
    pub fn wants_vessels(&self) -> bool {
        self.vessels.receiver_count() > 0
    }

    /// Whether anyone takes NMEA lines (else they are not built).
    pub fn wants_nmea(&self) -> bool {
        self.nmea.receiver_count() > 0
    }

    /// Events from now on.
    pub fn subscribe_events(&self) -> broadcast::Receiver<Arc<Published>> {
        self.events.subscribe()
    }

    /// Notices from now on.
    pub fn subscribe_notices(&self) -> broadcast::Receiver<Arc<Notice>> {
        self.notices.subscribe()
    }

    /// Vessel updates from now on.
    pub fn subscribe_vessels(&self) -> broadcast::Receiver<Arc<VesselUpdate>> {
        self.vessels.subscribe()
    }

    /// NMEA lines from now on.
    pub fn subscribe_nmea(&self) -> broadcast::Receiver<Arc<Nmea>> {
        self.nmea.subscribe()
    }
}

//! The channel into the core thread and what comes out of it: the leaf
//! types every other module of the server shares (sources send `Input`s
//! through a `CoreTx`; the core publishes `Published` events to the store,
//! the API and the live stream). Depends on nothing else in the crate.

use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::ws::Utf8Bytes;
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

/// One Mode S frame received by a binary (Beast) source.
#[derive(Debug)]
pub struct AirFrame {
    /// Index of the source.
    pub source: usize,
    /// The frame (7 or 14 bytes).
    pub bytes: Vec<u8>,
    /// Receive time stamped at the edge, ms since the epoch (a Beast
    /// counter is not a clock).
    pub recv_ms: i64,
    /// When it arrived (for the latency histogram).
    pub arrived: Instant,
}

/// What the core thread receives.
#[derive(Debug)]
pub enum Input {
    /// A line from a source.
    Line(Line),
    /// A Mode S frame from a Beast source.
    Air(AirFrame),
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
    /// Its live-stream frame, built once and shared by every client.
    pub sse: Bytes,
    /// Its WebSocket message, built once when a WebSocket client or an
    /// output first needs it.
    ws: std::sync::OnceLock<Utf8Bytes>,
    /// What outputs filter on (level, zone, positions), taken from the
    /// engine's event (empty for events read back from the store).
    pub facts: Facts,
}

/// What an output's filter looks at in an event, taken once from the
/// engine's event rather than parsed back from its JSON.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// `warning` or `alarm` for risks, hazards and their clearing.
    pub level: Option<&'static str>,
    /// The zone's id and name, for zone events.
    pub zone: Option<(Option<String>, String)>,
    /// Positions of the vessels (and hazard) involved: (lat, lon) degrees.
    pub positions: Vec<(f64, f64)>,
}

impl Published {
    /// A published event; its live-stream frame is built here, once for
    /// every client.
    pub fn new(
        id: u64,
        kind: &'static str,
        time_ms: i64,
        mmsis: Vec<u32>,
        json: Arc<str>,
    ) -> Published {
        let sse = sse_frame(Some(id), kind, &json);
        Published {
            id,
            kind,
            time_ms,
            mmsis,
            json,
            sse,
            ws: std::sync::OnceLock::new(),
            facts: Facts::default(),
        }
    }

    /// Its WebSocket message: `{"id":N,"event":KIND,"data":EVENT}` (the
    /// event's JSON inserted as it is, not serialised again).
    pub fn ws(&self) -> Utf8Bytes {
        self.ws
            .get_or_init(|| ws_message(Some(self.id), self.kind, &self.json))
            .clone()
    }

    /// Builds the published form of an engine event (serialised once).
    pub fn of(e: &Event) -> Published {
        let (mmsis, facts) = Facts::of(e);
        let mut p = Published::new(
            e.id,
            e.body.kind(),
            e.time_ms,
            mmsis,
            Arc::from(e.to_json()),
        );
        p.facts = facts;
        p
    }

    /// The same event with other JSON (its frames rebuilt).
    pub fn with_json(self, json: Arc<str>) -> Published {
        let facts = self.facts;
        let mut p = Published::new(self.id, self.kind, self.time_ms, self.mmsis, json);
        p.facts = facts;
        p
    }
}

impl Facts {
    /// The vessels an engine event involves (MMSIs), and its facts: one
    /// look at each kind of event.
    pub fn of(e: &Event) -> (Vec<u32>, Facts) {
        use finisterra_engine::EventBody as B;
        use finisterra_engine::{Level, VesselRef};
        fn level(l: Level) -> Option<&'static str> {
            Some(match l {
                Level::Warning => "warning",
                Level::Alarm => "alarm",
            })
        }
        let at = |v: &VesselRef| (v.lat, v.lon);
        let plain = |level, positions| Facts {
            level,
            zone: None,
            positions,
        };
        match &e.body {
            B::RiskRaised(r) | B::RiskUpdated(r) => (
                vec![r.a.mmsi, r.b.mmsi],
                plain(level(r.level), vec![at(&r.a), at(&r.b)]),
            ),
            B::RiskCleared(r) => (
                vec![r.a.mmsi, r.b.mmsi],
                plain(level(r.level), vec![at(&r.a), at(&r.b)]),
            ),
            B::Distress(d) => (
                vec![d.mmsi],
                plain(Some("alarm"), d.lat.zip(d.lon).into_iter().collect()),
            ),
            B::TargetLost(t) => (vec![t.vessel.mmsi], plain(None, vec![at(&t.vessel)])),
            B::HazardRaised(h) | B::HazardUpdated(h) => (
                vec![h.vessel.mmsi],
                plain(
                    level(h.level),
                    vec![at(&h.vessel), (h.hazard.lat, h.hazard.lon)],
                ),
            ),
            B::HazardCleared(h) => (
                vec![h.vessel.mmsi],
                plain(
                    level(h.level),
                    vec![at(&h.vessel), (h.hazard.lat, h.hazard.lon)],
                ),
            ),
            B::ZonePredicted(z)
            | B::ZoneViolation(z)
            | B::ZoneCleared(z)
            | B::ZoneEntered(z)
            | B::ZoneLeft(z)
            | B::ZoneCrossed(z) => (
                vec![z.vessel.mmsi],
                Facts {
                    level: None,
                    zone: Some((z.zone.id.clone(), z.zone.name.clone())),
                    positions: vec![at(&z.vessel), (z.lat, z.lon)],
                },
            ),
            B::AirConflictRaised(c) | B::AirConflictUpdated(c) => (
                [c.a.mmsi, c.b.mmsi].into_iter().flatten().collect(),
                // A loss of separation now, or the closer tier, is an
                // alarm; a predicted one a warning.
                plain(
                    Some(
                        if c.separation_lost || c.tier == Some(finisterra_nav::air::Tier::Warning) {
                            "alarm"
                        } else {
                            "warning"
                        },
                    ),
                    vec![(c.a.lat, c.a.lon), (c.b.lat, c.b.lon)],
                ),
            ),
            B::AirConflictCleared(c) => (
                [c.a.mmsi, c.b.mmsi].into_iter().flatten().collect(),
                plain(None, vec![(c.a.lat, c.a.lon), (c.b.lat, c.b.lon)]),
            ),
            B::AirspacePredicted(z)
            | B::AirspaceViolation(z)
            | B::AirspaceCleared(z)
            | B::AirspaceEntered(z)
            | B::AirspaceLeft(z) => (
                z.aircraft.mmsi.into_iter().collect(),
                Facts {
                    level: None,
                    zone: Some((z.zone.id.clone(), z.zone.name.clone())),
                    positions: vec![(z.aircraft.lat, z.aircraft.lon), (z.lat, z.lon)],
                },
            ),
        }
    }
}

/// One WebSocket text message: `{"id":N,"event":NAME,"data":DATA}` (no
/// `id` for unnumbered notices); `data` is inserted as it is.
pub fn ws_message(id: Option<u64>, event: &str, data: &str) -> Utf8Bytes {
    let mut f = String::with_capacity(data.len() + event.len() + 40);
    f.push('{');
    if let Some(id) = id {
        f.push_str("\"id\":");
        f.push_str(&id.to_string());
        f.push(',');
    }
    f.push_str("\"event\":\"");
    f.push_str(event);
    f.push_str("\",\"data\":");
    f.push_str(if data.is_empty() { "null" } else { data });
    f.push('}');
    Utf8Bytes::from(f)
}

/// An unnumbered notice (`ack`, `store.degraded`, `vessels`, ...) with its
/// live-stream frame and WebSocket message, each built once.
#[derive(Debug)]
pub struct Notice {
    /// Its name (the SSE event name).
    pub name: &'static str,
    /// Its JSON.
    pub json: Arc<str>,
    /// Its SSE frame.
    pub sse: Bytes,
    /// Its WebSocket message.
    pub ws: Utf8Bytes,
}

impl Notice {
    /// A notice, both frames built here.
    pub fn new(name: &'static str, json: impl Into<Arc<str>>) -> Notice {
        let json = json.into();
        Notice {
            name,
            sse: sse_frame(None, name, &json),
            ws: ws_message(None, name, &json),
            json,
        }
    }
}

/// One Server-Sent Events frame: `id:` (if any), `event:`, then the data,
/// one `data:` line per line of it, and the blank line that ends it.
pub fn sse_frame(id: Option<u64>, event: &str, data: &str) -> Bytes {
    let mut f = String::with_capacity(data.len() + event.len() + 32);
    if let Some(id) = id {
        f.push_str("id: ");
        f.push_str(&id.to_string());
        f.push('\n');
    }
    f.push_str("event: ");
    f.push_str(event);
    f.push('\n');
    for line in data.split('\n') {
        f.push_str("data: ");
        f.push_str(line.strip_suffix('\r').unwrap_or(line));
        f.push('\n');
    }
    f.push('\n');
    Bytes::from(f)
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

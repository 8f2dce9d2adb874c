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
    /// Events judged elsewhere (workers of a distributed run, read from
    /// the broker): numbered, stored (idempotent on their keys), then
    /// pushed as the engine's are; the reply says when they are durable.
    Remote(RemoteBatch),
    /// Messages for the picture only (`serve --nats`: the workers judge,
    /// the server shows their vessels), in order; `done` is told once they
    /// are taken (so that a backlog of them never queues ahead of events).
    Observe(Vec<Observed>, tokio::sync::oneshot::Sender<()>),
    /// Stop after what was queued.
    Shutdown,
}

/// An event judged elsewhere, as read from the broker: its key and its
/// JSON (the engine's form, its `id` to be replaced).
#[derive(Debug, Clone)]
pub struct RemoteEvent {
    /// Its deterministic key (`Nats-Msg-Id`): the store keeps one event per
    /// key.
    pub key: String,
    /// The event's JSON.
    pub json: Vec<u8>,
}

/// What the picture of a server that judges nothing takes (see
/// `finisterra_engine::Engine::observe`).
#[derive(Debug, Clone)]
pub enum Observed {
    /// A decoded message and its admitted data time, ms.
    Message(Box<finisterra_ais::AisMessage>, i64),
    /// A decoded aircraft message and its admitted data time, ms.
    Air(Box<finisterra_modes::AirMessage>, i64),
    /// Data time passed (a tick of a quiet feed), ms.
    Time(i64),
}

/// Remote events and where to say what became of them.
#[derive(Debug)]
pub struct RemoteBatch {
    /// The events, in the broker's order.
    pub events: Vec<RemoteEvent>,
    /// Told once the batch is durable or refused.
    pub done: tokio::sync::oneshot::Sender<RemoteOutcome>,
}

/// What became of a [`RemoteBatch`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RemoteOutcome {
    /// Every event of the batch is in the store (stored now, or found
    /// there already by its key): the broker may forget them. `false`
    /// when the store refused writes (they wait in the spill): do not
    /// acknowledge, the broker delivers them again.
    pub durable: bool,
    /// Events stored now.
    pub stored: usize,
    /// Events whose key the store held already (dropped, not pushed).
    pub duplicates: usize,
    /// Events that are not an event (bad JSON, unknown kind, no time):
    /// said, counted, never stored.
    pub rejected: usize,
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
    /// Its key when it was judged elsewhere (see [`RemoteEvent`]); `None`
    /// for the local engine's events.
    pub key: Option<Arc<str>>,
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
            key: None,
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
        let key = self.key;
        let mut p = Published::new(self.id, self.kind, self.time_ms, self.mmsis, json);
        p.facts = facts;
        p.key = key;
        p
    }

    /// An event judged elsewhere, numbered `id` here: its `id` member
    /// rewritten (the rest of its JSON kept byte for byte), its kind, data
    /// time and vessels read from it. `None` when it is not an event.
    pub fn remote(id: u64, e: &RemoteEvent) -> Option<Published> {
        let v: serde_json::Value = serde_json::from_slice(&e.json).ok()?;
        let kind = finisterra_engine::EventKind::parse(v.get("kind")?.as_str()?)?.as_str();
        let time_ms = finisterra_nmea::parse_iso8601_ms(v.get("time")?.as_str()?, false)?;
        let text = std::str::from_utf8(&e.json).ok()?;
        // The engine writes `{"id":N,...`: only N changes.
        let rest = text.strip_prefix("{\"id\":")?;
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let rest = &rest[digits..];
        if digits == 0 || !rest.starts_with(',') {
            return None;
        }
        let json: Arc<str> = Arc::from(format!("{{\"id\":{id}{rest}"));
        let mmsis = finisterra_store::mmsis_in_json(&json);
        let mut p = Published::new(id, kind, time_ms, mmsis, json);
        p.facts = Facts::of_json(&v);
        p.key = Some(Arc::from(e.key.as_str()));
        Some(p)
    }
}

impl Facts {
    /// The facts of an event's JSON (an event judged elsewhere): its level,
    /// zone and the positions of its vessels and hazard.
    pub fn of_json(v: &serde_json::Value) -> Facts {
        let level = match v.get("level").and_then(|l| l.as_str()) {
            Some("warning") => Some("warning"),
            Some("alarm") => Some("alarm"),
            _ if v.get("kind").and_then(|k| k.as_str()) == Some("distress") => Some("alarm"),
            _ => None,
        };
        let zone = v.get("zone").and_then(|z| {
            let name = z.get("name")?.as_str()?.to_string();
            let id = z.get("id").and_then(|i| i.as_str()).map(str::to_string);
            Some((id, name))
        });
        let at = |o: &serde_json::Value| Some((o.get("lat")?.as_f64()?, o.get("lon")?.as_f64()?));
        let mut positions = Vec::new();
        for k in ["a", "b", "vessel", "hazard"] {
            if let Some(p) = v.get(k).and_then(at) {
                positions.push(p);
            }
        }
        if positions.is_empty() {
            positions.extend(at(v));
        }
        Facts {
            level,
            zone,
            positions,
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    fn remote(json: &str) -> RemoteEvent {
        RemoteEvent {
            key: "risk.raised/1/2/0".into(),
            json: json.as_bytes().to_vec(),
        }
    }

    /// A worker's event numbered here: only its `id` changes; kind, time,
    /// vessels, level and key come from it.
    #[test]
    fn a_remote_event_is_renumbered_and_kept_byte_for_byte() {
        let json = r#"{"id":0,"time":"2026-01-05T00:30:00.000Z","kind":"risk.raised","level":"alarm","a":{"mmsi":227000001,"lat":42.0,"lon":-9.0},"b":{"mmsi":227000002,"lat":42.1,"lon":-9.1},"x":"{\"id\":0}"}"#;
        let p = Published::remote(4711, &remote(json)).expect("an event");
        assert_eq!(p.id, 4711);
        assert_eq!(p.kind, "risk.raised");
        assert_eq!(p.time_ms, 1_767_573_000_000);
        assert_eq!(p.mmsis, vec![227_000_001, 227_000_002]);
        assert_eq!(&*p.json, json.replacen(r#"{"id":0,"#, r#"{"id":4711,"#, 1));
        assert_eq!(p.key.as_deref(), Some("risk.raised/1/2/0"));
        assert_eq!(p.facts.level, Some("alarm"));
        assert_eq!(p.facts.positions, vec![(42.0, -9.0), (42.1, -9.1)]);
    }

    /// What is not an engine event is refused, never panics.
    #[test]
    fn what_is_not_an_event_is_refused() {
        for bad in [
            "",
            "not json",
            "{}",
            r#"{"id":0,"time":"2026-01-05T00:30:00Z","kind":"no.such.kind"}"#,
            r#"{"id":0,"time":"yesterday","kind":"distress"}"#,
            r#"{"kind":"distress","id":0,"time":"2026-01-05T00:30:00Z"}"#,
            r#"{"id":-1,"time":"2026-01-05T00:30:00Z","kind":"distress"}"#,
            "[1,2]",
        ] {
            assert!(Published::remote(1, &remote(bad)).is_none(), "{bad}");
        }
        let mut e = remote(r#"{"id":0,"time":"2026-01-05T00:30:00Z","kind":"distress"}"#);
        e.json.push(0xff);
        assert!(Published::remote(1, &e).is_none());
    }
}

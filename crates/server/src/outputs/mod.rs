//! Outputs: where `serve` sends what it hears and judges, each given as a
//! URL (`--output`, repeatable, or `"output": [...]` in the config file),
//! the scheme choosing the kind:
//!
//! | URL | sends |
//! |---|---|
//! | `udp://host:port` | NMEA, one datagram per message (de-duplicated; `?raw=true`: every line as received) |
//! | `tcp://host:port` | the same over a TCP connection it opens (reconnects with backoff) |
//! | `mqtt://host:port/prefix` | events as JSON to `prefix/events/<kind>`, vessel updates to `prefix/vessels/<mmsi>` |
//! | `http://host:port/path` | a webhook: each alert POSTed as JSON, signed (HMAC-SHA256) with `?secret=`, retried with backoff |
//! | `signalk+udp://host:port`, `signalk+tcp://host:port` | Signal K delta messages (`notifications.navigation.closestApproach...`) |
//!
//! Every output has its own filter (query parameters `kinds`, `levels`,
//! `zones`, `bbox`, `mmsi`) and its own bounded queue (`queue`, default
//! 10,000): the hub never waits for an output, and whatever an output
//! cannot take is counted in `/metrics`
//! (`finisterra_output_dropped_total{output,reason}`), never lost silently.

mod mqtt;
mod nmea;
mod signalk;
mod url;
mod webhook;

use std::collections::HashSet;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{broadcast, mpsc};

use crate::channel::Published;
use crate::core::Shared;
use crate::hub::{Nmea, VesselUpdate};
pub use url::Url;
pub use webhook::signature as webhook_signature;

/// Items queued for one output by default.
pub const DEFAULT_QUEUE: usize = 10_000;

/// What kind of output a URL names.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// NMEA datagrams to `host:port`.
    Udp,
    /// NMEA over a TCP connection to `host:port`.
    Tcp,
    /// JSON to an MQTT broker, under a topic prefix.
    Mqtt,
    /// Alerts POSTed to an HTTP endpoint.
    Webhook,
    /// Signal K deltas as datagrams.
    SignalKUdp,
    /// Signal K deltas over a TCP connection, one per line.
    SignalKTcp,
}

/// One output as configured.
#[derive(Debug, Clone)]
pub struct OutputSpec {
    /// Its kind.
    pub kind: Kind,
    /// The URL as given (with its secrets).
    pub url: Url,
    /// Its name in logs and `/metrics`: the URL without user, password or
    /// query.
    pub name: String,
    /// What it takes.
    pub filter: Filter,
    /// Items its queue holds.
    pub queue: usize,
    /// NMEA outputs: every line as received instead of one copy of each
    /// transmission.
    pub raw: bool,
    /// MQTT: publish vessel updates too (default true).
    pub vessels: bool,
}

/// Which events (and, for NMEA outputs, which vessels' messages) an output
/// takes. Every criterion given must hold; a criterion is about what an
/// event has: `levels` holds only for events with a level (risks, hazards,
/// distress), `zones` only for zone events, so `kinds` chooses the kinds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filter {
    /// Event kinds (`risk.raised`), or families (`risk.*`); empty: all.
    pub kinds: Vec<String>,
    /// `warning`, `alarm`; empty: all.
    pub levels: Vec<String>,
    /// Zone ids or names; empty: all.
    pub zones: Vec<String>,
    /// An event passes when one of its positions is inside, a message when
    /// its vessel is.
    pub bbox: Option<finisterra_nav::geo::BBox>,
    /// MMSIs; empty: all.
    pub mmsi: HashSet<u32>,
}

impl Filter {
    /// Whether an event passes.
    pub fn event(&self, p: &Published) -> bool {
        let kind_ok = self.kinds.is_empty()
            || self.kinds.iter().any(|k| match k.strip_suffix('*') {
                Some(family) => p.kind.starts_with(family),
                None => k == p.kind,
            });
        let level_ok = self.levels.is_empty()
            || p.facts
                .level
                .is_some_and(|l| self.levels.iter().any(|x| x == l));
        let zone_ok = self.zones.is_empty()
            || p.facts.zone.as_ref().is_some_and(|(id, name)| {
                self.zones
                    .iter()
                    .any(|z| id.as_deref() == Some(z.as_str()) || z == name)
            });
        let mmsi_ok = self.mmsi.is_empty() || p.mmsis.iter().any(|m| self.mmsi.contains(m));
        let bbox_ok = self.bbox.is_none_or(|b| {
            p.facts
                .positions
                .iter()
                .any(|&(lat, lon)| b.contains(lat, lon))
        });
        kind_ok && level_ok && zone_ok && mmsi_ok && bbox_ok
    }

    /// Whether a vessel's message (or update) passes: only `mmsi` and
    /// `bbox` apply (a vessel with no position fails a box).
    pub fn vessel(&self, mmsi: u32, position: Option<(f64, f64)>) -> bool {
        (self.mmsi.is_empty() || self.mmsi.contains(&mmsi))
            && self
                .bbox
                .is_none_or(|b| position.is_some_and(|(lat, lon)| b.contains(lat, lon)))
    }

    /// Whether any event criterion is set (an NMEA output takes none).
    fn has_event_criteria(&self) -> bool {
        !(self.kinds.is_empty() && self.levels.is_empty() && self.zones.is_empty())
    }
}

/// The kinds a webhook takes unless told otherwise: what should reach a
/// person (a situation beginning), not every update.
pub const WEBHOOK_KINDS: [&str; 5] = [
    "risk.raised",
    "hazard.raised",
    "distress",
    "zone.violation",
    "zone.predicted",
];

/// The kinds Signal K notifications are made of (raised, updated and
/// cleared, so a notification ends when its situation does).
pub const SIGNALK_KINDS: [&str; 4] = ["risk.*", "hazard.*", "zone.*", "distress"];

impl OutputSpec {
    /// Parses an output URL; the error names the URL and what is wrong.
    pub fn parse(s: &str) -> Result<OutputSpec, String> {
        let url = Url::parse(s).map_err(|e| format!("output {s:?}: {e}"))?;
        let kind = match url.scheme.as_str() {
            "udp" => Kind::Udp,
            "tcp" => Kind::Tcp,
            "mqtt" => Kind::Mqtt,
            "http" => Kind::Webhook,
            "https" => {
                return Err(format!(
                    "output {}: https webhooks are not built in (no TLS library in this build); \
                     give an http:// URL on this machine or network, e.g. a TLS-terminating \
                     proxy (stunnel, nginx) in front of the receiver",
                    url.display()
                ))
            }
            "signalk+udp" => Kind::SignalKUdp,
            "signalk+tcp" => Kind::SignalKTcp,
            other => {
                return Err(format!(
                    "output {}: unknown scheme {other:?}; outputs are udp://, tcp://, mqtt://, \
                     http:// (webhook), signalk+udp://, signalk+tcp://",
                    url.display()
                ))
            }
        };
        if url.port.is_none() && kind != Kind::Webhook && kind != Kind::Mqtt {
            return Err(format!("output {}: give host:port", url.display()));
        }
        let name = url.display();
        let mut spec = OutputSpec {
            filter: Filter::default(),
            queue: DEFAULT_QUEUE,
            raw: false,
            vessels: true,
            kind,
            url,
            name,
        };
        const KEYS: [&str; 11] = [
            "kinds", "levels", "zones", "bbox", "mmsi", "queue", "raw", "vessels", "secret", "qos",
            "retries",
        ];
        let bad = |k: &str, v: &str, why: &str| format!("output {}: {k}={v:?}: {why}", spec.name);
        let mut kinds_given = false;
        for (k, v) in spec.url.query.clone() {
            let list = || -> Vec<String> {
                v.split(',')
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
                    .map(String::from)
                    .collect()
            };
            match k.as_str() {
                "kinds" => {
                    kinds_given = true;
                    for kind in list() {
                        let known = match kind.strip_suffix('*') {
                            Some(f) => finisterra_engine::EventKind::ALL
                                .iter()
                                .any(|e| e.as_str().starts_with(f)),
                            None => finisterra_engine::EventKind::parse(&kind).is_some(),
                        };
                        if !known {
                            let all: Vec<&str> = finisterra_engine::EventKind::ALL
                                .iter()
                                .map(|k| k.as_str())
                                .collect();
                            return Err(bad(
                                &k,
                                &kind,
                                &format!(
                                    "unknown event kind; kinds: {} (or a family: risk.*)",
                                    all.join(", ")
                                ),
                            ));
                        }
                        spec.filter.kinds.push(kind);
                    }
                }
                "levels" => {
                    for l in list() {
                        if l != "warning" && l != "alarm" {
                            return Err(bad(&k, &l, "levels are warning and alarm"));
                        }
                        spec.filter.levels.push(l);
                    }
                }
                "zones" => spec.filter.zones = list(),
                "bbox" => {
                    let b = finisterra_nav::geo::BBox::parse(&v).map_err(|e| bad(&k, &v, e))?;
                    spec.filter.bbox = Some(b);
                }
                "mmsi" => {
                    for m in list() {
                        let id = m
                            .parse::<u32>()
                            .ok()
                            .filter(|&x| x > 0 && x <= 999_999_999)
                            .ok_or_else(|| bad(&k, &m, "an MMSI is 1 to 9 digits"))?;
                        spec.filter.mmsi.insert(id);
                    }
                }
                "queue" => {
                    spec.queue = v
                        .parse::<usize>()
                        .ok()
                        .filter(|&q| (1..=1_000_000).contains(&q))
                        .ok_or_else(|| bad(&k, &v, "a queue holds 1 to 1,000,000 items"))?;
                }
                "raw" | "vessels" => {
                    let b = match v.as_str() {
                        "true" | "1" | "" => true,
                        "false" | "0" => false,
                        _ => return Err(bad(&k, &v, "true or false")),
                    };
                    if k == "raw" {
                        spec.raw = b;
                    } else {
                        spec.vessels = b;
                    }
                }
                // Read by the output kinds that take them (checked there).
                "secret" | "qos" | "retries" => {}
                other => {
                    let hint = finisterra_engine::nearest_name(other, &KEYS)
                        .map(|n| format!("; did you mean {n:?}?"))
                        .unwrap_or_default();
                    return Err(format!(
                        "output {}: unknown parameter {other:?}{hint} (parameters: {})",
                        spec.name,
                        KEYS.join(", ")
                    ));
                }
            }
        }
        let nmea = matches!(spec.kind, Kind::Udp | Kind::Tcp);
        if nmea && spec.filter.has_event_criteria() {
            return Err(format!(
                "output {}: an NMEA output forwards messages, not events: only mmsi= and bbox= filter it",
                spec.name
            ));
        }
        if nmea && spec.raw && (spec.filter.bbox.is_some() || !spec.filter.mmsi.is_empty()) {
            return Err(format!(
                "output {}: raw=true forwards every line as received (a fragment names no vessel): \
                 mmsi= and bbox= need the de-duplicated feed (drop raw=true)",
                spec.name
            ));
        }
        if !kinds_given {
            match spec.kind {
                Kind::Webhook => spec.filter.kinds = WEBHOOK_KINDS.map(String::from).to_vec(),
                Kind::SignalKUdp | Kind::SignalKTcp => {
                    spec.filter.kinds = SIGNALK_KINDS.map(String::from).to_vec()
                }
                _ => {}
            }
        }
        match spec.kind {
            Kind::Webhook => webhook::check(&spec)?,
            Kind::Mqtt => mqtt::check(&spec)?,
            _ => {}
        }
        Ok(spec)
    }
}

/// Counters of one output, rendered in `/metrics`.
#[derive(Debug, Default)]
pub struct OutputStats {
    /// The output's name.
    pub name: String,
    /// Items delivered.
    pub sent: AtomicU64,
    /// Items dropped because its queue was full.
    pub dropped_full: AtomicU64,
    /// Items dropped because it fell behind the hub.
    pub dropped_lagged: AtomicU64,
    /// Failed attempts (connection refused, error status); retried.
    pub errors: AtomicU64,
    /// Items given up after the last retry (webhooks).
    pub failed: AtomicU64,
    /// 1 while connected (connection-oriented outputs; 1 for UDP).
    pub connected: AtomicU64,
    /// Items waiting in its queue now.
    pub queued: AtomicU64,
}

/// What an output's queue carries.
#[derive(Debug)]
pub enum Item {
    /// A published event.
    Event(Arc<Published>),
    /// Vessels that moved.
    Vessels(Arc<VesselUpdate>),
    /// An NMEA message or line.
    Nmea(Arc<Nmea>),
}

/// The receiving end of an output's queue.
pub struct Queue {
    rx: mpsc::Receiver<Item>,
    stats: Arc<OutputStats>,
}

impl Queue {
    /// The next item (`None` when the server stops).
    pub async fn next(&mut self) -> Option<Item> {
        let i = self.rx.recv().await;
        self.stats
            .queued
            .store(self.rx.len() as u64, Ordering::Relaxed);
        i
    }
}

/// Starts every output; each runs until the process ends.
pub fn start(specs: Vec<OutputSpec>, shared: &Arc<Shared>) {
    for (spec, stats) in specs.into_iter().zip(shared.outputs.iter().cloned()) {
        let (tx, rx) = mpsc::channel(spec.queue);
        let queue = Queue {
            rx,
            stats: stats.clone(),
        };
        let filter = Arc::new(spec.filter.clone());
        match spec.kind {
            Kind::Udp | Kind::Tcp => {
                let raw = spec.raw;
                pump(
                    shared.hub.subscribe_nmea(),
                    tx,
                    stats.clone(),
                    move |n: &Arc<Nmea>| match (&**n, raw) {
                        (Nmea::Raw(_), true) => true,
                        (Nmea::Message { mmsi, position, .. }, false) => {
                            filter.vessel(*mmsi, *position)
                        }
                        _ => false,
                    },
                    Item::Nmea,
                );
            }
            _ => {
                if spec.kind == Kind::Mqtt && spec.vessels {
                    pump(
                        shared.hub.subscribe_vessels(),
                        tx.clone(),
                        stats.clone(),
                        |_: &Arc<VesselUpdate>| true,
                        Item::Vessels,
                    );
                }
                let f = filter.clone();
                pump(
                    shared.hub.subscribe_events(),
                    tx,
                    stats.clone(),
                    move |p: &Arc<Published>| f.event(p),
                    Item::Event,
                );
            }
        }
        eprintln!("finisterra: output {}", spec.name);
        match spec.kind {
            Kind::Udp | Kind::Tcp => {
                tokio::spawn(nmea::run(spec, queue, stats));
            }
            Kind::Mqtt => {
                tokio::spawn(mqtt::run(spec, queue, stats));
            }
            Kind::Webhook => {
                tokio::spawn(webhook::run(spec, queue, stats));
            }
            Kind::SignalKUdp | Kind::SignalKTcp => {
                tokio::spawn(signalk::run(spec, queue, stats));
            }
        }
    }
}

/// Moves what passes the filter from a hub channel into an output's
/// queue without ever waiting: a full queue or a lag behind the hub is
/// counted as a drop.
fn pump<T: Clone + Send + Sync + 'static>(
    mut rx: broadcast::Receiver<T>,
    tx: mpsc::Sender<Item>,
    stats: Arc<OutputStats>,
    keep: impl Fn(&T) -> bool + Send + 'static,
    wrap: fn(T) -> Item,
) {
    tokio::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(t) => {
                    if !keep(&t) {
                        continue;
                    }
                    match tx.try_send(wrap(t)) {
                        Ok(()) => {
                            stats.queued.store(
                                (tx.max_capacity() - tx.capacity()) as u64,
                                Ordering::Relaxed,
                            );
                        }
                        Err(mpsc::error::TrySendError::Full(_)) => {
                            stats.dropped_full.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(mpsc::error::TrySendError::Closed(_)) => return,
                    }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    stats.dropped_lagged.fetch_add(n, Ordering::Relaxed);
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}

/// Waits before the next attempt to reach an output: 0.5 s doubling to
/// 30 s, so a broker or receiver that is down is not hammered.
pub struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff {
            next: Duration::from_millis(500),
        }
    }
}

impl Backoff {
    /// Waits, then doubles the next wait.
    pub async fn wait(&mut self) {
        tokio::time::sleep(self.next).await;
        self.next = (self.next * 2).min(Duration::from_secs(30));
    }

    /// Back to the shortest wait (after a success).
    pub fn reset(&mut self) {
        self.next = Duration::from_millis(500);
    }
}

/// Says, once per outage, that an output cannot be reached.
pub struct Outage {
    name: String,
    down: bool,
}

impl Outage {
    /// For the output named `name`.
    pub fn new(name: &str) -> Outage {
        Outage {
            name: name.to_string(),
            down: false,
        }
    }

    /// An attempt failed: said the first time, counted always.
    pub fn failed(&mut self, stats: &OutputStats, why: impl std::fmt::Display) {
        stats.errors.fetch_add(1, Ordering::Relaxed);
        stats.connected.store(0, Ordering::Relaxed);
        if !self.down {
            self.down = true;
            eprintln!(
                "finisterra: output {}: {why}; retrying with backoff (queued items wait, \
                 overflow is counted in finisterra_output_dropped_total)",
                self.name
            );
        }
    }

    /// Reached again.
    pub fn up(&mut self, stats: &OutputStats) {
        stats.connected.store(1, Ordering::Relaxed);
        if self.down {
            self.down = false;
            eprintln!("finisterra: output {}: reached again", self.name);
        }
    }
}

/// The `finisterra_output_*` series.
pub fn render(outputs: &[Arc<OutputStats>], o: &mut String) {
    if outputs.is_empty() {
        return;
    }
    type Get = fn(&OutputStats) -> u64;
    let series: [(&str, &str, &str, Option<&str>, Get); 7] = [
        (
            "finisterra_output_sent_total",
            "Items each output delivered.",
            "counter",
            None,
            |s| s.sent.load(Ordering::Relaxed),
        ),
        (
            "finisterra_output_dropped_total",
            "Items an output dropped: its queue was full, or it fell behind the hub.",
            "counter",
            Some("queue_full"),
            |s| s.dropped_full.load(Ordering::Relaxed),
        ),
        (
            "finisterra_output_dropped_total",
            "",
            "",
            Some("lagged"),
            |s| s.dropped_lagged.load(Ordering::Relaxed),
        ),
        (
            "finisterra_output_errors_total",
            "Failed attempts to deliver (retried).",
            "counter",
            None,
            |s| s.errors.load(Ordering::Relaxed),
        ),
        (
            "finisterra_output_failed_total",
            "Items given up after the last retry.",
            "counter",
            None,
            |s| s.failed.load(Ordering::Relaxed),
        ),
        (
            "finisterra_output_connected",
            "1 while the output is connected.",
            "gauge",
            None,
            |s| s.connected.load(Ordering::Relaxed),
        ),
        (
            "finisterra_output_queued",
            "Items waiting in the output's queue.",
            "gauge",
            None,
            |s| s.queued.load(Ordering::Relaxed),
        ),
    ];
    for (name, help, kind, reason, get) in series {
        if !help.is_empty() {
            let _ = writeln!(o, "# HELP {name} {help}");
            let _ = writeln!(o, "# TYPE {name} {kind}");
        }
        for s in outputs {
            let label = crate::metrics::esc(&s.name);
            match reason {
                Some(r) => {
                    let _ = writeln!(o, "{name}{{output=\"{label}\",reason=\"{r}\"}} {}", get(s));
                }
                None => {
                    let _ = writeln!(o, "{name}{{output=\"{label}\"}} {}", get(s));
                }
            }
        }
    }
}

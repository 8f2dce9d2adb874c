//! Counters and the Prometheus text exposition (`/metrics`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use finisterra_engine::Engine;

/// Upper bounds of the latency histogram buckets, seconds.
const BUCKETS_S: [f64; 12] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
];

/// All counters of a running server.
pub struct Metrics {
    sources: Vec<String>,
    lines: Vec<AtomicU64>,
    messages: Vec<AtomicU64>,
    by_type: Vec<AtomicU64>,
    decode_errors: Mutex<BTreeMap<&'static str, u64>>,
    events: Mutex<BTreeMap<&'static str, u64>>,
    latency_buckets: [AtomicU64; BUCKETS_S.len()],
    latency_count: AtomicU64,
    latency_sum_ns: AtomicU64,
    busy_buckets: [AtomicU64; BUCKETS_S.len()],
    busy_count: AtomicU64,
    busy_sum_ns: AtomicU64,
    busy_max_ns: AtomicU64,
    /// Datagrams dropped because the core was behind.
    pub dropped_datagrams: AtomicU64,
    /// Lines cut because they were longer than the limit.
    pub overlong_lines: AtomicU64,
    /// Stream clients dropped because they did not keep up.
    pub slow_clients: AtomicU64,
    /// Connections accepted by TCP listeners.
    pub tcp_connections: AtomicU64,
    /// Store failures (events not published).
    store_errors: AtomicU64,
    vessels: AtomicU64,
    open_risks: AtomicU64,
    open_hazards: AtomicU64,
    zone_violations: AtomicU64,
}

impl Metrics {
    /// Counters for the named sources.
    pub fn new(sources: &[String]) -> Metrics {
        let n = sources.len().max(1);
        Metrics {
            sources: sources.to_vec(),
            lines: (0..n).map(|_| AtomicU64::new(0)).collect(),
            messages: (0..n).map(|_| AtomicU64::new(0)).collect(),
            by_type: (0..28).map(|_| AtomicU64::new(0)).collect(),
            decode_errors: Mutex::new(BTreeMap::new()),
            events: Mutex::new(BTreeMap::new()),
            latency_buckets: Default::default(),
            latency_count: AtomicU64::new(0),
            latency_sum_ns: AtomicU64::new(0),
            busy_buckets: Default::default(),
            busy_count: AtomicU64::new(0),
            busy_sum_ns: AtomicU64::new(0),
            busy_max_ns: AtomicU64::new(0),
            dropped_datagrams: AtomicU64::new(0),
            overlong_lines: AtomicU64::new(0),
            slow_clients: AtomicU64::new(0),
            tcp_connections: AtomicU64::new(0),
            store_errors: AtomicU64::new(0),
            vessels: AtomicU64::new(0),
            open_risks: AtomicU64::new(0),
            open_hazards: AtomicU64::new(0),
            zone_violations: AtomicU64::new(0),
        }
    }

    /// A line arrived from source `s`.
    pub fn line_in(&self, s: usize) {
        if let Some(c) = self.lines.get(s) {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A message was decoded from source `s`.
    pub fn message_in(&self, s: usize, msg_type: u8) {
        if let Some(c) = self.messages.get(s) {
            c.fetch_add(1, Ordering::Relaxed);
        }
        if let Some(c) = self.by_type.get(msg_type as usize) {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A line or message was rejected.
    pub fn decode_error(&self, reason: &'static str) {
        let mut m = self.decode_errors.lock().unwrap_or_else(|e| e.into_inner());
        *m.entry(reason).or_insert(0) += 1;
    }

    /// An event was published, `latency` after its message arrived.
    pub fn event_out(&self, kind: &'static str, latency: Duration) {
        let mut m = self.events.lock().unwrap_or_else(|e| e.into_inner());
        *m.entry(kind).or_insert(0) += 1;
        let s = latency.as_secs_f64();
        for (i, b) in BUCKETS_S.iter().enumerate() {
            if s <= *b {
                self.latency_buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        self.latency_sum_ns
            .fetch_add(latency.as_nanos() as u64, Ordering::Relaxed);
    }

    /// The engine was held for `d` to process one batch of input (decoding,
    /// picture, and any screening pass due).
    pub fn engine_batch(&self, d: Duration) {
        let s = d.as_secs_f64();
        for (i, b) in BUCKETS_S.iter().enumerate() {
            if s <= *b {
                self.busy_buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.busy_count.fetch_add(1, Ordering::Relaxed);
        let ns = d.as_nanos() as u64;
        self.busy_sum_ns.fetch_add(ns, Ordering::Relaxed);
        self.busy_max_ns.fetch_max(ns, Ordering::Relaxed);
    }

    /// Events could not be stored.
    pub fn store_error(&self) {
        self.store_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// Gauges from the engine.
    pub fn set_picture(&self, e: &Engine) {
        self.vessels
            .store(e.picture().len() as u64, Ordering::Relaxed);
        self.open_risks
            .store(e.open_risks().count() as u64, Ordering::Relaxed);
        self.open_hazards
            .store(e.open_hazards().count() as u64, Ordering::Relaxed);
        self.zone_violations
            .store(e.zone_violations().count() as u64, Ordering::Relaxed);
    }

    /// Lines read per source.
    pub fn lines_by_source(&self) -> Vec<(String, u64)> {
        self.sources
            .iter()
            .zip(&self.lines)
            .map(|(n, c)| (n.clone(), c.load(Ordering::Relaxed)))
            .collect()
    }

    /// Messages decoded per source.
    pub fn messages_by_source(&self) -> Vec<(String, u64)> {
        self.sources
            .iter()
            .zip(&self.messages)
            .map(|(n, c)| (n.clone(), c.load(Ordering::Relaxed)))
            .collect()
    }

    /// Decode errors by reason.
    pub fn decode_errors(&self) -> BTreeMap<&'static str, u64> {
        self.decode_errors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Events by kind.
    pub fn events(&self) -> BTreeMap<&'static str, u64> {
        self.events
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The Prometheus text format.
    pub fn render(&self) -> String {
        let mut o = String::with_capacity(4096);
        let r = Ordering::Relaxed;
        let _ = writeln!(
            o,
            "# HELP finisterra_lines_total Lines received, by source."
        );
        let _ = writeln!(o, "# TYPE finisterra_lines_total counter");
        for (n, v) in self.lines_by_source() {
            let _ = writeln!(o, "finisterra_lines_total{{source=\"{}\"}} {v}", esc(&n));
        }
        let _ = writeln!(
            o,
            "# HELP finisterra_messages_total AIS messages decoded, by source."
        );
        let _ = writeln!(o, "# TYPE finisterra_messages_total counter");
        for (n, v) in self.messages_by_source() {
            let _ = writeln!(o, "finisterra_messages_total{{source=\"{}\"}} {v}", esc(&n));
        }
        let _ = writeln!(
            o,
            "# HELP finisterra_messages_by_type_total AIS messages decoded, by message type."
        );
        let _ = writeln!(o, "# TYPE finisterra_messages_by_type_total counter");
        for (t, c) in self.by_type.iter().enumerate() {
            let v = c.load(r);
            if v > 0 {
                let _ = writeln!(o, "finisterra_messages_by_type_total{{type=\"{t}\"}} {v}");
            }
        }
        let _ = writeln!(
            o,
            "# HELP finisterra_decode_errors_total Rejected lines and messages, by reason."
        );
        let _ = writeln!(o, "# TYPE finisterra_decode_errors_total counter");
        for (k, v) in self.decode_errors() {
            let _ = writeln!(o, "finisterra_decode_errors_total{{reason=\"{k}\"}} {v}");
        }
        let _ = writeln!(
            o,
            "# HELP finisterra_events_total Events published, by kind."
        );
        let _ = writeln!(o, "# TYPE finisterra_events_total counter");
        for (k, v) in self.events() {
            let _ = writeln!(o, "finisterra_events_total{{kind=\"{k}\"}} {v}");
        }
        for (name, help, v) in [
            (
                "finisterra_vessels",
                "Vessels in the picture.",
                self.vessels.load(r),
            ),
            (
                "finisterra_open_risks",
                "Open collision risks.",
                self.open_risks.load(r),
            ),
            (
                "finisterra_open_hazards",
                "Open hazards (vessels heading for land or a hazard).",
                self.open_hazards.load(r),
            ),
            (
                "finisterra_zone_violations",
                "Open zone violations.",
                self.zone_violations.load(r),
            ),
        ] {
            let _ = writeln!(o, "# HELP {name} {help}");
            let _ = writeln!(o, "# TYPE {name} gauge");
            let _ = writeln!(o, "{name} {v}");
        }
        for (name, help, v) in [
            (
                "finisterra_dropped_datagrams_total",
                "Datagrams dropped because the engine was behind.",
                self.dropped_datagrams.load(r),
            ),
            (
                "finisterra_overlong_lines_total",
                "Lines cut at the length limit.",
                self.overlong_lines.load(r),
            ),
            (
                "finisterra_slow_clients_total",
                "Stream clients dropped for not keeping up.",
                self.slow_clients.load(r),
            ),
            (
                "finisterra_tcp_connections_total",
                "TCP connections accepted.",
                self.tcp_connections.load(r),
            ),
            (
                "finisterra_store_errors_total",
                "Failures to store events.",
                self.store_errors.load(r),
            ),
        ] {
            let _ = writeln!(o, "# HELP {name} {help}");
            let _ = writeln!(o, "# TYPE {name} counter");
            let _ = writeln!(o, "{name} {v}");
        }
        let _ = writeln!(o, "# HELP finisterra_event_latency_seconds From a message's arrival to its events being stored and published.");
        let _ = writeln!(o, "# TYPE finisterra_event_latency_seconds histogram");
        for (i, b) in BUCKETS_S.iter().enumerate() {
            let _ = writeln!(
                o,
                "finisterra_event_latency_seconds_bucket{{le=\"{b}\"}} {}",
                self.latency_buckets[i].load(r)
            );
        }
        let count = self.latency_count.load(r);
        let _ = writeln!(
            o,
            "finisterra_event_latency_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            o,
            "finisterra_event_latency_seconds_sum {}",
            self.latency_sum_ns.load(r) as f64 / 1e9
        );
        let _ = writeln!(o, "finisterra_event_latency_seconds_count {count}");
        let _ = writeln!(o, "# HELP finisterra_engine_batch_seconds Time the engine spent on one batch of input (decoding, picture, screening passes due).");
        let _ = writeln!(o, "# TYPE finisterra_engine_batch_seconds histogram");
        for (i, b) in BUCKETS_S.iter().enumerate() {
            let _ = writeln!(
                o,
                "finisterra_engine_batch_seconds_bucket{{le=\"{b}\"}} {}",
                self.busy_buckets[i].load(r)
            );
        }
        let bc = self.busy_count.load(r);
        let _ = writeln!(
            o,
            "finisterra_engine_batch_seconds_bucket{{le=\"+Inf\"}} {bc}"
        );
        let _ = writeln!(
            o,
            "finisterra_engine_batch_seconds_sum {}",
            self.busy_sum_ns.load(r) as f64 / 1e9
        );
        let _ = writeln!(o, "finisterra_engine_batch_seconds_count {bc}");
        let _ = writeln!(
            o,
            "# HELP finisterra_engine_batch_max_seconds Longest batch so far."
        );
        let _ = writeln!(o, "# TYPE finisterra_engine_batch_max_seconds gauge");
        let _ = writeln!(
            o,
            "finisterra_engine_batch_max_seconds {}",
            self.busy_max_ns.load(r) as f64 / 1e9
        );
        o
    }
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

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

/// The broker's side of `serve --nats`: rendered only when `enabled`.
#[derive(Debug, Default)]
pub struct BrokerMetrics {
    /// Events are read from a broker.
    pub enabled: std::sync::atomic::AtomicBool,
    /// 1 while connected.
    pub connected: AtomicU64,
    /// Connections re-established after a loss.
    pub reconnects: AtomicU64,
    /// Events read from the broker.
    pub events: AtomicU64,
    /// Events read that were not events (said, acknowledged, not stored).
    pub rejected: AtomicU64,
    /// Failures reading or acknowledging (each retried).
    pub errors: AtomicU64,
    /// Deliveries left unacknowledged because the store refused them
    /// (delivered again by the broker).
    pub unacknowledged: AtomicU64,
}

impl BrokerMetrics {
    fn render(&self, o: &mut String) {
        let r = Ordering::Relaxed;
        if !self.enabled.load(r) {
            return;
        }
        let _ = writeln!(
            o,
            "# HELP finisterra_broker_connected 1 while connected to the broker (serve --nats)."
        );
        let _ = writeln!(o, "# TYPE finisterra_broker_connected gauge");
        let _ = writeln!(o, "finisterra_broker_connected {}", self.connected.load(r));
        for (name, help, v) in [
            (
                "finisterra_broker_reconnects_total",
                "Connections to the broker re-established after a loss.",
                self.reconnects.load(r),
            ),
            (
                "finisterra_broker_events_total",
                "Events read from the broker's events stream.",
                self.events.load(r),
            ),
            (
                "finisterra_broker_events_rejected_total",
                "Events read from the broker that were not events (never stored).",
                self.rejected.load(r),
            ),
            (
                "finisterra_broker_errors_total",
                "Failures reading from or acknowledging to the broker (retried).",
                self.errors.load(r),
            ),
            (
                "finisterra_broker_unacknowledged_total",
                "Events left unacknowledged because the store refused them (the broker delivers them again).",
                self.unacknowledged.load(r),
            ),
        ] {
            let _ = writeln!(o, "# HELP {name} {help}");
            let _ = writeln!(o, "# TYPE {name} counter");
            let _ = writeln!(o, "{name} {v}");
        }
    }
}

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
    /// Mode S / ADS-B messages decoded.
    pub air_messages: AtomicU64,
    /// Aircraft in the picture.
    pub aircraft: AtomicU64,
    /// Open air conflicts.
    pub open_air_conflicts: AtomicU64,
    /// Lines cut because they were longer than the limit.
    pub overlong_lines: AtomicU64,
    /// Stream clients dropped because they did not keep up.
    pub slow_clients: AtomicU64,
    /// Connections accepted by TCP listeners.
    pub tcp_connections: AtomicU64,
    /// Store failures.
    store_errors: AtomicU64,
    /// HTTP connections open now.
    pub http_connections: AtomicU64,
    /// HTTP connections closed at once: the connection limit was reached.
    pub http_refused_connections: AtomicU64,
    /// Live-stream clients refused: the client limit was reached.
    pub stream_refused: AtomicU64,
    /// Live-stream clients connected now.
    pub stream_clients: AtomicU64,
    /// Backlogs cut at the per-client limit.
    pub stream_backlog_truncated: AtomicU64,
    /// Requests refused for a missing or wrong token.
    pub unauthorized: AtomicU64,
    /// TCP feeds closed for being silent too long.
    pub tcp_idle_closed: AtomicU64,
    /// Datagrams the kernel dropped (socket buffer full), per UDP source;
    /// read from the kernel when rendered.
    pub udp_kernel_drops: Mutex<Vec<(String, u64)>>,
    /// Receive buffer the kernel granted, per UDP source, bytes.
    pub udp_recv_buffer: Mutex<Vec<(String, u64)>>,
    /// 1 while the store refuses writes.
    pub store_degraded: AtomicU64,
    /// Events waiting in memory for the store.
    pub store_spilled: AtomicU64,
    /// Events dropped because the spill was full (never stored).
    pub store_spill_dropped: AtomicU64,
    /// Events not stored because the store held their key already (a
    /// worker's event delivered or published again).
    pub events_duplicates_dropped: AtomicU64,
    /// The broker, when events are read from one (`serve --nats`).
    pub broker: BrokerMetrics,
    /// Messages whose data time was ahead of their receive time (judged at
    /// the receive time).
    pub time_ahead_of_receive: AtomicU64,
    /// Messages behind the picture's time (accepted as history).
    pub time_late: AtomicU64,
    /// Messages rejected for their time.
    pub time_rejected: AtomicU64,
    /// Messages whose data time was more than an hour from their receive
    /// time.
    pub time_disagreements: AtomicU64,
    /// Own-ship fixes taken from a GPS feed (RMC, GGA).
    pub gps_fixes: AtomicU64,
    /// Events dated before the newest event the log held at start.
    pub log_time_regressions: AtomicU64,
    /// GPS fixes ignored because no own ship is named yet.
    pub gps_unnamed: AtomicU64,
    vessels: AtomicU64,
    /// Screening passes run, worked out apart (`pass_lag_s`), and the
    /// risk events of those superseded by arrivals.
    screenings: AtomicU64,
    passes_apart: AtomicU64,
    pass_events_superseded: AtomicU64,
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
            air_messages: AtomicU64::new(0),
            aircraft: AtomicU64::new(0),
            open_air_conflicts: AtomicU64::new(0),
            overlong_lines: AtomicU64::new(0),
            slow_clients: AtomicU64::new(0),
            tcp_connections: AtomicU64::new(0),
            store_errors: AtomicU64::new(0),
            http_connections: AtomicU64::new(0),
            http_refused_connections: AtomicU64::new(0),
            stream_refused: AtomicU64::new(0),
            stream_clients: AtomicU64::new(0),
            stream_backlog_truncated: AtomicU64::new(0),
            unauthorized: AtomicU64::new(0),
            tcp_idle_closed: AtomicU64::new(0),
            udp_kernel_drops: Mutex::new(Vec::new()),
            udp_recv_buffer: Mutex::new(Vec::new()),
            store_degraded: AtomicU64::new(0),
            store_spilled: AtomicU64::new(0),
            store_spill_dropped: AtomicU64::new(0),
            events_duplicates_dropped: AtomicU64::new(0),
            broker: BrokerMetrics::default(),
            time_ahead_of_receive: AtomicU64::new(0),
            time_late: AtomicU64::new(0),
            time_rejected: AtomicU64::new(0),
            time_disagreements: AtomicU64::new(0),
            gps_fixes: AtomicU64::new(0),
            log_time_regressions: AtomicU64::new(0),
            gps_unnamed: AtomicU64::new(0),
            vessels: AtomicU64::new(0),
            open_risks: AtomicU64::new(0),
            open_hazards: AtomicU64::new(0),
            screenings: AtomicU64::new(0),
            passes_apart: AtomicU64::new(0),
            pass_events_superseded: AtomicU64::new(0),
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
        let c = e.clock().stats();
        self.time_ahead_of_receive
            .store(c.ahead_of_receive, Ordering::Relaxed);
        self.time_late.store(c.late, Ordering::Relaxed);
        self.time_rejected
            .store(c.out_of_range + c.unconfirmed_jumps, Ordering::Relaxed);
        self.vessels
            .store(e.picture().len() as u64, Ordering::Relaxed);
        let st = e.stats();
        self.screenings.store(st.screenings, Ordering::Relaxed);
        self.passes_apart.store(st.passes_apart, Ordering::Relaxed);
        self.pass_events_superseded
            .store(st.pass_events_superseded, Ordering::Relaxed);
        self.open_risks
            .store(e.open_risks().count() as u64, Ordering::Relaxed);
        self.open_hazards
            .store(e.open_hazards().count() as u64, Ordering::Relaxed);
        self.zone_violations
            .store(e.zone_violations().count() as u64, Ordering::Relaxed);
        self.aircraft
            .store(e.aircraft().len() as u64, Ordering::Relaxed);
        self.open_air_conflicts
            .store(e.open_air_conflicts().count() as u64, Ordering::Relaxed);
    }

    /// A Mode S / ADS-B message was decoded.
    pub fn air_message_in(&self) {
        self.air_messages.fetch_add(1, Ordering::Relaxed);
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
                "finisterra_aircraft",
                "Aircraft in the picture (Mode S and AIS SAR aircraft).",
                self.aircraft.load(r),
            ),
            (
                "finisterra_open_air_conflicts",
                "Open air conflicts.",
                self.open_air_conflicts.load(r),
            ),
            (
                "finisterra_air_messages",
                "Mode S / ADS-B messages decoded (a counter).",
                self.air_messages.load(r),
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
            (
                "finisterra_http_connections",
                "HTTP connections open.",
                self.http_connections.load(r),
            ),
            (
                "finisterra_stream_clients",
                "Live-stream clients connected.",
                self.stream_clients.load(r),
            ),
            (
                "finisterra_store_degraded",
                "1 while the store refuses writes (events pushed, kept in memory, stored when it recovers).",
                self.store_degraded.load(r),
            ),
            (
                "finisterra_store_spilled_events",
                "Events waiting in memory for the store.",
                self.store_spilled.load(r),
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
            (
                "finisterra_store_spill_dropped_total",
                "Events never stored: the store refused writes and the spill was full.",
                self.store_spill_dropped.load(r),
            ),
            (
                "finisterra_events_duplicates_dropped_total",
                "Events not stored or pushed: the store held their key already (delivered or published again).",
                self.events_duplicates_dropped.load(r),
            ),
            (
                "finisterra_http_refused_connections_total",
                "HTTP connections closed at once at the connection limit.",
                self.http_refused_connections.load(r),
            ),
            (
                "finisterra_stream_refused_total",
                "Live-stream clients refused at the client limit.",
                self.stream_refused.load(r),
            ),
            (
                "finisterra_stream_backlog_truncated_total",
                "Live-stream backlogs cut at the per-client limit.",
                self.stream_backlog_truncated.load(r),
            ),
            (
                "finisterra_unauthorized_total",
                "Requests refused for a missing or wrong token.",
                self.unauthorized.load(r),
            ),
            (
                "finisterra_tcp_idle_closed_total",
                "TCP feeds closed for being silent longer than the idle timeout.",
                self.tcp_idle_closed.load(r),
            ),
            (
                "finisterra_time_ahead_of_receive_total",
                "Messages dated ahead of their receive time (judged at the receive time; never move the clock).",
                self.time_ahead_of_receive.load(r),
            ),
            (
                "finisterra_time_late_total",
                "Messages dated behind the picture's time (accepted as history).",
                self.time_late.load(r),
            ),
            (
                "finisterra_time_disagreements_total",
                "Messages whose data time was more than an hour from their receive time (a replay through a live input, a receiver's clock).",
                self.time_disagreements.load(r),
            ),
            (
                "finisterra_event_log_time_regressions_total",
                "Events dated before the newest event the log held at start (an older input replayed into a reused data directory).",
                self.log_time_regressions.load(r),
            ),
            (
                "finisterra_gps_fixes_total",
                "Own-ship fixes taken from a GPS feed (RMC, GGA).",
                self.gps_fixes.load(r),
            ),
            (
                "finisterra_gps_unnamed_total",
                "GPS fixes ignored: no own ship named yet (--own-mmsi, or a VDO sentence).",
                self.gps_unnamed.load(r),
            ),
            (
                "finisterra_time_rejected_total",
                "Messages rejected for their time (out of range, unconfirmed jump).",
                self.time_rejected.load(r),
            ),
            (
                "finisterra_screening_passes_total",
                "Screening passes run.",
                self.screenings.load(r),
            ),
            (
                "finisterra_screening_passes_apart_total",
                "Screening passes worked out on a thread of their own (pass_lag_s).",
                self.passes_apart.load(r),
            ),
            (
                "finisterra_pass_events_superseded_total",
                "Risk events of passes worked out apart not told: an arrival judged the pair since.",
                self.pass_events_superseded.load(r),
            ),
        ] {
            let _ = writeln!(o, "# HELP {name} {help}");
            let _ = writeln!(o, "# TYPE {name} counter");
            let _ = writeln!(o, "{name} {v}");
        }
        self.broker.render(&mut o);
        let _ = writeln!(
            o,
            "# HELP finisterra_udp_kernel_drops_total Datagrams the kernel dropped before the server read them (socket receive buffer full), by source."
        );
        let _ = writeln!(o, "# TYPE finisterra_udp_kernel_drops_total counter");
        for (n, v) in self
            .udp_kernel_drops
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(
                o,
                "finisterra_udp_kernel_drops_total{{source=\"{}\"}} {v}",
                esc(n)
            );
        }
        let _ = writeln!(
            o,
            "# HELP finisterra_udp_receive_buffer_bytes Receive buffer the kernel granted each UDP socket."
        );
        let _ = writeln!(o, "# TYPE finisterra_udp_receive_buffer_bytes gauge");
        for (n, v) in self
            .udp_recv_buffer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            let _ = writeln!(
                o,
                "finisterra_udp_receive_buffer_bytes{{source=\"{}\"}} {v}",
                esc(n)
            );
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

/// The per-station counters of [`crate::receivers::Receivers`], in the
/// Prometheus text format.
pub fn render_stations(r: &crate::receivers::Receivers, o: &mut String) {
    type Get = fn(&crate::receivers::StationStats) -> u64;
    let series: [(&str, &str, &str, Get); 3] = [
        (
            "finisterra_station_messages_total",
            "Messages each receiving station heard first.",
            "counter",
            |s| s.messages,
        ),
        (
            "finisterra_station_duplicates_total",
            "Copies each station heard after another station (one transmission, one message).",
            "counter",
            |s| s.duplicates,
        ),
        (
            "finisterra_station_vessels",
            "Vessels each station hears.",
            "gauge",
            |s| s.vessels,
        ),
    ];
    let stations = r.stations();
    for (name, help, kind, get) in series {
        let _ = writeln!(o, "# HELP {name} {help}");
        let _ = writeln!(o, "# TYPE {name} {kind}");
        for (station, st) in &stations {
            let _ = writeln!(o, "{name}{{station=\"{}\"}} {}", esc(station), get(st));
        }
    }
    let name = "finisterra_station_farthest_range_nm";
    let _ = writeln!(
        o,
        "# HELP {name} The farthest position report each station heard, NM from the station (stations with a known position)."
    );
    let _ = writeln!(o, "# TYPE {name} gauge");
    for (station, st) in &stations {
        if let Some(d) = st.farthest_range_nm {
            let _ = writeln!(o, "{name}{{station=\"{}\"}} {d:.3}", esc(station));
        }
    }
}

pub(crate) fn esc(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

//! The core thread: lines from every source in, decoded, judged by the
//! engine, events made durable, then published. One thread owns the
//! sequence of judgements, so replay and live run the same code.

use std::collections::VecDeque;
use std::sync::mpsc::{Receiver, RecvTimeoutError, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use finisterra_engine::pipeline::Output;
use finisterra_engine::{Engine, Event, Pipeline};

pub use crate::channel::{CoreTx, Input, Line, Published};
use crate::metrics::Metrics;
use crate::store::EventSink;

/// Most events kept in memory for the API and stream resume (older ones
/// come from the store).
pub const RECENT_EVENTS: usize = 10_000;

/// State shared between the core thread and the HTTP side.
pub struct Shared {
    /// The engine (locked briefly by readers).
    pub engine: Mutex<Engine>,
    /// Live push of published events, notices (`ack` when an operator
    /// acknowledges an event, `store.degraded` and `store.recovered` when
    /// the store refuses writes and recovers), vessel updates and NMEA
    /// lines to every consumer.
    pub hub: crate::hub::Hub,
    /// Identifies this run of the server: changes on every start, so a
    /// client can tell a restart (event ids may start again without a
    /// durable store) from a reconnect.
    pub run_id: String,
    /// The most recent events, in order.
    pub recent: Mutex<VecDeque<Arc<Published>>>,
    /// Counters.
    pub metrics: Metrics,
    /// Where events are made durable.
    pub store: Mutex<Box<dyn EventSink>>,
    /// Names of the sources.
    pub source_names: Vec<String>,
    /// How long track points are kept in the store, seconds.
    pub track_retention_s: f64,
    /// Recent track of each vessel: (time ms, lat, lon, sog kn, cog deg),
    /// one point per 30 s, the last 120 points.
    pub tracks: Mutex<std::collections::HashMap<u32, VecDeque<TrackPoint>>>,
    /// Limits against hostile input.
    pub limits: crate::limits::Limits,
    /// Whether the engine thread is alive.
    pub health: Health,
    /// Live-stream clients connected now.
    pub stream_clients: std::sync::atomic::AtomicUsize,
    /// Events pushed but not yet stored (the store refused them).
    pub spill: Mutex<Spill>,
    /// Which time judges a message.
    pub time: crate::clock::TimeMode,
    /// Many receivers: one transmission heard by several is one message;
    /// per-station statistics.
    pub receivers: Mutex<crate::receivers::Receivers>,
    /// The own ship's MMSI, 0 when none: `--own-mmsi`, else the first
    /// vessel a `VDO` sentence (the receiver's own ship) reports.
    pub own_mmsi: std::sync::atomic::AtomicU32,
    /// A reader of the state store (tracks written by the state thread),
    /// for history read back; `None` without a store.
    pub history: Mutex<Option<Box<dyn finisterra_store::Store>>>,
    /// The newest data time in the event log when the server started (a
    /// reused data directory), if any.
    pub log_newest_ms: Option<i64>,
    /// Whether events dated before it were said on the terminal.
    pub log_regressions_said: std::sync::atomic::AtomicBool,
    /// The counters of each output (`--output`), in the order given.
    pub outputs: Vec<Arc<crate::outputs::OutputStats>>,
}

/// Whether the engine thread is alive; the health check and the binary
/// read it.
#[derive(Default)]
pub struct Health {
    failed: std::sync::atomic::AtomicBool,
    notify: tokio::sync::Notify,
}

impl Health {
    /// The engine thread died.
    pub fn fail(&self) {
        self.failed.store(true, std::sync::atomic::Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    /// `true` once the engine thread died.
    pub fn is_failed(&self) -> bool {
        self.failed.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Resolves when the engine thread dies.
    pub async fn failed(&self) {
        loop {
            let n = self.notify.notified();
            if self.is_failed() {
                return;
            }
            n.await;
        }
    }
}

/// Events the store refused (disk full, database down), kept in order in
/// memory, bounded, and stored as soon as the store takes writes again.
#[derive(Default)]
pub struct Spill {
    /// Waiting events, oldest first.
    pub events: VecDeque<Published>,
    /// Since when (wall clock, ms) the store refuses writes.
    pub degraded_since_ms: Option<i64>,
    /// The store's last error.
    pub last_error: Option<String>,
    /// Events dropped because the spill was full.
    pub dropped: u64,
}

/// One point of a recent track: (time ms, lat, lon, sog kn, cog deg).
pub type TrackPoint = (i64, f64, f64, Option<f64>, Option<f64>);

/// Seconds between kept track points.
const TRACK_STEP_MS: i64 = 30_000;
/// Points kept per vessel in memory.
const TRACK_POINTS: usize = 120;

impl Shared {
    /// The name of source `i` (as given on the command line), for metrics,
    /// logs and as the station of messages that name none.
    pub fn source_name(&self, i: usize) -> &str {
        self.source_names.get(i).map_or("input", String::as_str)
    }

    /// Recent events after `since`, at most `limit`.
    pub fn recent_since(&self, since: u64, limit: usize) -> Vec<Arc<Published>> {
        let r = self.recent.lock().unwrap_or_else(|e| e.into_inner());
        r.iter()
            .filter(|p| p.id > since)
            .take(limit)
            .cloned()
            .collect()
    }
}

/// The core loop; runs until `Shutdown` or every sender is gone.
pub fn run(shared: Arc<Shared>, rx: Receiver<Input>) {
    // Vessel states and tracks go to a store of their own, written by
    // their own thread: an event append never waits for them (no shared
    // lock, write-ahead log or fsync).
    let state_store = match shared
        .store
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .state_store()
    {
        Ok(s) => s,
        Err(e) => {
            shared.metrics.store_error();
            eprintln!("finisterra: vessels and tracks will not be kept: {e:#}");
            None
        }
    };
    let keeps_state = state_store.is_some();
    let (state_tx, state_rx) = std::sync::mpsc::sync_channel::<StateJob>(1);
    let writer = {
        let shared = shared.clone();
        std::thread::Builder::new()
            .name("finisterra-state".into())
            .spawn(move || {
                if let Some(store) = state_store {
                    write_state(&shared, store, state_rx);
                }
            })
    };
    let writer = match writer {
        Ok(w) => w,
        Err(e) => {
            eprintln!("finisterra: cannot start the state writer: {e}");
            return;
        }
    };
    let mut core = Core::new(shared, keeps_state, state_tx);
    loop {
        let first = match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(i) => i,
            Err(RecvTimeoutError::Timeout) => {
                // Quiet: try again to store what the store refused, and
                // save the state the last inputs left (every 5 s).
                let _ = publish(&core.shared, &mut Vec::new());
                core.save_state(false);
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        };
        // Take what is queued (bounded), judged under one lock of the engine.
        let mut inputs = vec![first];
        while inputs.len() < 512 {
            match rx.try_recv() {
                Ok(i) => inputs.push(i),
                Err(_) => break,
            }
        }
        let stop = core.handle_batch(inputs);
        let outcome = publish(&core.shared, &mut core.batch);
        core.answer_remote(&outcome);
        core.save_state(stop);
        if stop {
            break;
        }
    }
    // The last state, then the writer ends.
    drop(core);
    let _ = writer.join();
}

/// A remote batch waiting for the store.
struct PendingRemote {
    ids: Vec<u64>,
    rejected: usize,
    done: tokio::sync::oneshot::Sender<crate::channel::RemoteOutcome>,
}

/// What [`publish`] did.
#[derive(Debug, Default)]
struct Outcome {
    /// The batch is in the store (not waiting in the spill).
    durable: bool,
    /// Ids of events of the batch not stored nor pushed: their key was in
    /// the store (or waits in the spill) already.
    duplicates: std::collections::HashSet<u64>,
}

/// What the core thread keeps between batches.
struct Core {
    shared: Arc<Shared>,
    /// One pipeline per source (its own multi-sentence assembly).
    pipelines: Vec<Pipeline>,
    line_no: Vec<u64>,
    events: Vec<Event>,
    /// Events of this batch (the engine's and remote ones), with when
    /// their input arrived.
    batch: Vec<(Instant, Vec<Published>)>,
    /// Remote batches of this batch, to answer once stored.
    remote: Vec<PendingRemote>,
    /// The fix of each message taken in this batch, in order (for the
    /// tracks).
    moved: Vec<finisterra_store::TrackPoint>,
    pending_track: Vec<finisterra_store::TrackPoint>,
    keeps_state: bool,
    state_tx: std::sync::mpsc::SyncSender<StateJob>,
    last_save: Instant,
    saved_upto_ms: i64,
    last_prune: Instant,
    /// When the last warning about data and receive times hours apart was
    /// given (at most one every ten minutes).
    last_disagreement_warning: Option<Instant>,
    /// Sequential message id of the next forwarded multi-sentence message.
    forward_seq: u8,
    /// Whether an output takes NMEA lines (asked once a batch).
    forwarding: bool,
    /// The own ship's motion and heading as its GPS and compass last said.
    gps: GpsState,
    /// The Mode S decoder: one table of aircraft for every source.
    modes: finisterra_modes::Decoder,
}

/// What a GPS and compass feed said last: a fix (RMC, GGA) becomes a
/// position report of the own ship with the latest course, speed and
/// heading (VTG, HDT may come in sentences of their own).
#[derive(Debug, Default)]
struct GpsState {
    sog_kn: Option<f64>,
    cog_deg: Option<f64>,
    heading_deg: Option<f64>,
    /// Said once that fixes wait for an own ship to be named.
    warned_unnamed: bool,
}

impl Core {
    fn new(
        shared: Arc<Shared>,
        keeps_state: bool,
        state_tx: std::sync::mpsc::SyncSender<StateJob>,
    ) -> Core {
        let n = shared.source_names.len().max(1);
        let time = shared.time;
        Core {
            shared,
            pipelines: (0..n).map(|_| Pipeline::new(time.source())).collect(),
            last_disagreement_warning: None,
            forward_seq: 0,
            forwarding: false,
            gps: GpsState::default(),
            modes: finisterra_modes::Decoder::new(finisterra_modes::DecoderConfig::default()),
            line_no: vec![0; n],
            events: Vec::new(),
            batch: Vec::new(),
            remote: Vec::new(),
            moved: Vec::new(),
            pending_track: Vec::new(),
            keeps_state,
            state_tx,
            last_save: Instant::now(),
            saved_upto_ms: i64::MIN,
            last_prune: Instant::now(),
        }
    }

    /// Events judged elsewhere (read from the broker): numbered in the
    /// engine's sequence and queued for the store like the engine's own;
    /// answered by [`Core::answer_remote`] once the store has them. An
    /// event that is not one is said and counted, and never stored.
    fn on_remote(&mut self, engine: &mut Engine, b: crate::channel::RemoteBatch) {
        use std::sync::atomic::Ordering::Relaxed;
        let m = &self.shared.metrics.broker;
        let mut evs = Vec::with_capacity(b.events.len());
        let mut rejected = 0;
        for r in &b.events {
            m.events.fetch_add(1, Relaxed);
            let id = engine.take_event_id();
            match Published::remote(id, r) {
                Some(p) => evs.push(p),
                None => {
                    // The id goes back: nothing took another meanwhile.
                    engine.set_next_event_id(id);
                    rejected += 1;
                    m.rejected.fetch_add(1, Relaxed);
                    eprintln!(
                        "finisterra: event {:?} from the broker is not an event ({} bytes: {:?}...); not stored, counted in finisterra_broker_events_rejected_total",
                        r.key,
                        r.json.len(),
                        String::from_utf8_lossy(&r.json[..r.json.len().min(80)])
                    );
                }
            }
        }
        self.remote.push(PendingRemote {
            ids: evs.iter().map(|p| p.id).collect(),
            rejected,
            done: b.done,
        });
        if !evs.is_empty() {
            self.batch.push((Instant::now(), evs));
        }
    }

    /// Tells each remote batch of the last batch what became of it.
    fn answer_remote(&mut self, outcome: &Outcome) {
        for r in self.remote.drain(..) {
            let duplicates = r
                .ids
                .iter()
                .filter(|id| outcome.duplicates.contains(id))
                .count();
            let _ = r.done.send(crate::channel::RemoteOutcome {
                durable: outcome.durable,
                stored: if outcome.durable {
                    r.ids.len() - duplicates
                } else {
                    0
                },
                duplicates,
                rejected: r.rejected,
            });
        }
    }

    /// Judges a batch of inputs under one lock of the engine; `true` when
    /// asked to stop.
    fn handle_batch(&mut self, inputs: Vec<Input>) -> bool {
        let shared = self.shared.clone();
        let mut engine = shared.engine.lock().unwrap_or_else(|e| e.into_inner());
        let busy = Instant::now();
        let mut stop = false;
        // Asked once a batch, not once a line (it takes the channel's lock).
        self.forwarding = shared.hub.wants_nmea();
        for input in inputs {
            let arrived = match input {
                Input::Line(l) => {
                    self.on_line(&mut engine, &l);
                    l.arrived
                }
                Input::Air(f) => {
                    self.on_air_frame(&mut engine, f.source, &f.bytes, None, f.recv_ms);
                    f.arrived
                }
                Input::Tick(now) => {
                    // Work only when the engine's next deadline passed.
                    if engine.next_deadline_ms().is_some_and(|d| now >= d) {
                        engine.advance(now, &mut self.events);
                    }
                    Instant::now()
                }
                Input::Zones(z) => {
                    engine.set_zones(z, &mut self.events);
                    Instant::now()
                }
                Input::Hazards(h) => {
                    engine.set_hazards(h, &mut self.events);
                    Instant::now()
                }
                Input::Remote(b) => {
                    self.on_remote(&mut engine, b);
                    continue;
                }
                Input::Observe(obs, done) => {
                    for o in obs {
                        match o {
                            crate::channel::Observed::Message(msg, t) => {
                                shared.metrics.message_in(0, msg.msg_type);
                                let fix = engine.observe(&msg, t);
                                if matches!(fix, finisterra_engine::FixOutcome::Accepted { .. }) {
                                    self.moved.extend(fix_of(&engine, msg.mmsi));
                                }
                            }
                            crate::channel::Observed::Air(msg, t) => {
                                shared.metrics.air_message_in();
                                engine.observe_air(&msg, t);
                            }
                            crate::channel::Observed::Time(t) => engine.observe_time(t),
                        }
                    }
                    let _ = done.send(());
                    continue;
                }
                Input::Shutdown => {
                    stop = true;
                    Instant::now()
                }
            };
            if !self.events.is_empty() {
                let evs = self.events.drain(..).map(|e| Published::of(&e)).collect();
                self.batch.push((arrived, evs));
            }
        }
        shared.metrics.engine_batch(busy.elapsed());
        shared.metrics.set_picture(&engine);
        self.record_tracks();
        stop
    }

    /// One Mode S frame (from Beast, or an AVR or `time,hex` line),
    /// decoded against the aircraft heard so far and judged at its time
    /// (the data's when the line carries one, else the receive time).
    fn on_air_frame(
        &mut self,
        engine: &mut Engine,
        src: usize,
        frame: &[u8],
        data_ms: Option<i64>,
        recv_ms: i64,
    ) {
        let m = &self.shared.metrics;
        let src = src.min(self.pipelines.len() - 1);
        m.line_in(src);
        match self.modes.decode(frame, data_ms.unwrap_or(recv_ms)) {
            Ok(msg) => {
                m.air_message_in();
                let _ = engine.ingest_air_at(&msg, data_ms, Some(recv_ms), &mut self.events);
            }
            Err(r) => m.decode_error(r.reason()),
        }
    }

    /// A Mode S text line (AVR `*…;`, `@`/`<` with a counter, SBS `MSG`):
    /// `true` when the line was one.
    fn on_modes_line(&mut self, engine: &mut Engine, l: &Line) -> bool {
        if !finisterra_modes::is_modes_text(&l.bytes) {
            return false;
        }
        use finisterra_modes::{FrameTime, TextRecord};
        match finisterra_modes::parse_text_line(&l.bytes) {
            Ok(TextRecord::Frame(f, t)) => {
                let data_ms = match t {
                    FrameTime::UnixMs(ms) => Some(ms),
                    _ => None,
                };
                self.on_air_frame(engine, l.source, f.bytes(), data_ms, l.recv_ms);
            }
            Ok(TextRecord::Sbs(msg, _)) => {
                self.shared.metrics.air_message_in();
                let _ = engine.ingest_air_at(&msg, None, Some(l.recv_ms), &mut self.events);
            }
            Ok(TextRecord::Skip) => {}
            Err(r) => self.shared.metrics.decode_error(r.reason()),
        }
        true
    }

    /// One line: decoded, each message judged at its time.
    fn on_line(&mut self, engine: &mut Engine, l: &Line) {
        if self.on_modes_line(engine, l) {
            return;
        }
        let src = l.source.min(self.pipelines.len() - 1);
        self.line_no[src] += 1;
        let m = &self.shared.metrics;
        m.line_in(src);
        let (events, moved) = (&mut self.events, &mut self.moved);
        let mut disagreement_ms: Option<i64> = None;
        let shared = self.shared.clone();
        let source_name = shared.source_name(src);
        if let Some(g) = finisterra_nmea::parse_gps(&l.bytes) {
            match g {
                Ok(g) => self.on_gps(engine, g, l.recv_ms),
                Err(e) => m.decode_error(e.reason()),
            }
            return;
        }
        let forwarding = self.forwarding;
        if forwarding {
            let mut raw = Vec::with_capacity(l.bytes.len() + 2);
            raw.extend_from_slice(&l.bytes);
            raw.extend_from_slice(b"\r\n");
            shared.hub.nmea(crate::hub::Nmea::Raw(raw.into()));
        }
        let seq = &mut self.forward_seq;
        let mut receivers = shared.receivers.lock().unwrap_or_else(|e| e.into_inner());
        self.pipelines[src].feed_line(
            self.line_no[src],
            &l.bytes,
            Some(l.recv_ms),
            &mut |o| match o {
                Output::Message(msg, stamp, heard) => {
                    // The station the data names, else the input.
                    let station = heard.station.unwrap_or(source_name);
                    if heard.own_ship && msg.mmsi != 0 {
                        let _ = shared.own_mmsi.compare_exchange(
                            0,
                            msg.mmsi,
                            std::sync::atomic::Ordering::Relaxed,
                            std::sync::atomic::Ordering::Relaxed,
                        );
                    }
                    let first = receivers.heard(
                        station,
                        heard.payload,
                        heard.fill_bits,
                        msg.mmsi,
                        l.recv_ms,
                    );
                    let at = msg.body.reported().and_then(|r| r.lat_deg.zip(r.lon_deg));
                    if !first {
                        // A copy another station heard first: still range
                        // information for this station.
                        if let Some((lat, lon)) = at {
                            note_range(engine, &mut receivers, station, msg.mmsi, lat, lon);
                        }
                        return;
                    }
                    m.message_in(src, msg.msg_type);
                    let r = engine.ingest_at(msg, stamp.data_ms, stamp.recv_ms, events);
                    if r.is_taken() {
                        moved.extend(fix_of(engine, msg.mmsi));
                    }
                    if let Some((lat, lon)) = at {
                        if heard.own_ship {
                            // A receiver on board: it is where its ship is.
                            receivers.set_position(station, lat, lon);
                        }
                        note_range(engine, &mut receivers, station, msg.mmsi, lat, lon);
                    }
                    if forwarding {
                        let position = engine
                            .picture()
                            .vessel(msg.mmsi)
                            .filter(|v| v.has_fix())
                            .map(|v| (v.lat_deg, v.lon_deg));
                        shared.hub.nmea(crate::hub::Nmea::Message {
                            mmsi: msg.mmsi,
                            position,
                            sentences: reframe(&heard, seq),
                        });
                        *seq = seq.wrapping_add(1);
                    }
                    if let Some(d) = stamp.own_ms {
                        let off = d - l.recv_ms;
                        if off.abs() > crate::clock::DISAGREEMENT_WARN_MS {
                            m.time_disagreements
                                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            disagreement_ms = Some(off);
                        }
                    }
                }
                Output::Error(e) => m.decode_error(e.kind.reason()),
            },
        );
        drop(receivers);
        if let Some(off) = disagreement_ms {
            self.warn_disagreement(src, off);
        }
    }

    /// A sentence of the own ship's GPS or compass. A fix is judged as a
    /// position report of the own ship (`--own-mmsi`, or the vessel of the
    /// first VDO sentence) at the fix's own time (RMC's date and time;
    /// else the receive time), within the same time policy as AIS.
    fn on_gps(&mut self, engine: &mut Engine, g: finisterra_nmea::GpsSentence, recv_ms: i64) {
        use finisterra_nmea::GpsSentence as G;
        use std::sync::atomic::Ordering::Relaxed;
        let (position, own_ms) = match g {
            G::Rmc {
                unix_ms,
                position,
                sog_kn,
                cog_deg,
            } => {
                self.gps.sog_kn = sog_kn.or(self.gps.sog_kn);
                self.gps.cog_deg = cog_deg.or(self.gps.cog_deg);
                (position, unix_ms)
            }
            G::Gga { position, .. } => (position, None),
            G::Vtg { cog_deg, sog_kn } => {
                self.gps.sog_kn = sog_kn.or(self.gps.sog_kn);
                self.gps.cog_deg = cog_deg.or(self.gps.cog_deg);
                (None, None)
            }
            G::Hdt { heading_deg } => {
                self.gps.heading_deg = heading_deg.or(self.gps.heading_deg);
                (None, None)
            }
        };
        let Some((lat, lon)) = position else {
            return;
        };
        let m = &self.shared.metrics;
        let own = self.shared.own_mmsi.load(Relaxed);
        if own == 0 {
            m.gps_unnamed.fetch_add(1, Relaxed);
            if !self.gps.warned_unnamed {
                self.gps.warned_unnamed = true;
                eprintln!(
                    "finisterra: GPS fixes are ignored until the own ship is named (--own-mmsi, or an AIVDO sentence); counted in finisterra_gps_unnamed_total"
                );
            }
            return;
        }
        let data_ms = match self.shared.time {
            crate::clock::TimeMode::Receive => None,
            _ => own_ms,
        };
        let msg = finisterra_ais::AisMessage {
            msg_type: 1,
            repeat: 0,
            mmsi: own,
            body: finisterra_ais::Body::Position(finisterra_ais::PositionReport {
                // 15: not defined (a GPS does not know the ship's status).
                status: 15,
                turn: None,
                sog_kn: self.gps.sog_kn,
                accuracy: true,
                lon_deg: Some(lon),
                lat_deg: Some(lat),
                cog_deg: self.gps.cog_deg,
                heading_deg: self.gps.heading_deg.map(|h| (h.round() as u16) % 360),
                second: 60,
                maneuver: 0,
                raim: false,
                radio: 0,
            }),
        };
        m.gps_fixes.fetch_add(1, Relaxed);
        if engine
            .ingest_at(&msg, data_ms, Some(recv_ms), &mut self.events)
            .is_taken()
        {
            self.moved.extend(fix_of(engine, own));
        }
    }

    /// Says plainly, at most every ten minutes, that data times and receive
    /// times are hours apart, and what to do about it.
    fn warn_disagreement(&mut self, src: usize, off_ms: i64) {
        if self
            .last_disagreement_warning
            .is_some_and(|t| t.elapsed() < Duration::from_secs(600))
        {
            return;
        }
        self.last_disagreement_warning = Some(Instant::now());
        let name = self.shared.source_name(src);
        let hint = match self.shared.time {
            crate::clock::TimeMode::Live => {
                "a replay through a live input? --time receive judges it as live now, --time data by its own times"
            }
            crate::clock::TimeMode::Receive => "the data's own times are ignored (--time receive)",
            crate::clock::TimeMode::Data => "the data's own times rule (--time data)",
        };
        eprintln!(
            "finisterra: {name}: data times are {:.1} h {} their receive times ({hint}); counted in finisterra_time_disagreements_total",
            off_ms.abs() as f64 / 3.6e6,
            if off_ms < 0 { "behind" } else { "ahead of" },
        );
    }

    /// The recent track of each vessel that moved (one point per 30 s), in
    /// memory for the API and queued for the store: from every fix taken in
    /// the batch, in order (not only each vessel's last one, so that a fast
    /// replay keeps its tracks whole).
    fn record_tracks(&mut self) {
        if self.moved.is_empty() {
            return;
        }
        let mut tracks = self.shared.tracks.lock().unwrap_or_else(|e| e.into_inner());
        for p in self.moved.drain(..) {
            let t = tracks.entry(p.mmsi).or_default();
            if t.back()
                .is_none_or(|last| p.time_ms - last.0 >= TRACK_STEP_MS)
            {
                t.push_back((p.time_ms, p.lat_deg, p.lon_deg, p.sog_kn, p.cog_deg));
                self.pending_track.push(p);
                if t.len() > TRACK_POINTS {
                    t.pop_front();
                }
            }
        }
    }

    /// Every few seconds (and at the end): the latest state of vessels
    /// that reported, and the new track points, handed to the state
    /// writer, so that neither the judging nor the events wait for it.
    fn save_state(&mut self, stop: bool) {
        if !(self.last_save.elapsed() >= Duration::from_secs(5) || stop) {
            return;
        }
        self.last_save = Instant::now();
        {
            // The receivers forget vessels the picture forgot.
            let engine = self.shared.engine.lock().unwrap_or_else(|e| e.into_inner());
            let picture = engine.picture();
            self.shared
                .receivers
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .retain_vessels(|m| picture.vessel(m).is_some());
        }
        if !self.keeps_state {
            self.pending_track.clear();
            return;
        }
        let vessels: Vec<finisterra_engine::Vessel> = {
            let engine = self.shared.engine.lock().unwrap_or_else(|e| e.into_inner());
            engine
                .picture()
                .vessels()
                .filter(|v| v.last_seen_ms > self.saved_upto_ms)
                .cloned()
                .collect()
        };
        let job = StateJob {
            vessels,
            track: std::mem::take(&mut self.pending_track),
            prune: self.last_prune.elapsed() >= Duration::from_secs(3600),
        };
        let newest = job.vessels.iter().map(|v| v.last_seen_ms).max();
        let prune = job.prune;
        let sent = if stop {
            // The last state waits for the writer.
            self.state_tx
                .send(job)
                .map_err(|e| TrySendError::Disconnected(e.0))
        } else {
            self.state_tx.try_send(job)
        };
        match sent {
            Ok(()) => {
                if let Some(n) = newest {
                    self.saved_upto_ms = self.saved_upto_ms.max(n);
                }
                if prune {
                    self.last_prune = Instant::now();
                }
            }
            // Still writing the last one: this state goes with the next
            // (the vessels are taken again, the track kept).
            Err(TrySendError::Full(job)) => self.pending_track = job.track,
            Err(TrySendError::Disconnected(_)) => {}
        }
    }
}

/// A vessel's accepted fix as a track point (none before its first fix).
fn fix_of(engine: &Engine, mmsi: u32) -> Option<finisterra_store::TrackPoint> {
    let v = engine.picture().vessel(mmsi).filter(|v| v.has_fix())?;
    Some(finisterra_store::TrackPoint {
        mmsi,
        time_ms: v.fix_ms,
        lat_deg: v.lat_deg,
        lon_deg: v.lon_deg,
        sog_kn: v.sog_kn,
        cog_deg: v.cog_deg,
        heading_deg: v.heading_deg,
    })
}

/// Notes a station's range to a reported position, if the picture agrees
/// with it (the vessel's fix within 1 NM): a position the picture rejected
/// (a teleport, a garbled report) is no record range.
fn note_range(
    engine: &Engine,
    receivers: &mut crate::receivers::Receivers,
    station: &str,
    mmsi: u32,
    lat: f64,
    lon: f64,
) {
    let agrees = engine
        .picture()
        .vessel(mmsi)
        .filter(|v| v.has_fix())
        .is_some_and(|v| finisterra_nav::geo::distance_nm(v.lat_deg, v.lon_deg, lat, lon) <= 1.0);
    if agrees {
        receivers.note_range(station, mmsi, lat, lon);
    }
}

/// A transmission heard for the first time, framed again as complete
/// sentences for a de-duplicated forward: its payload and fill bits as
/// received, its talker, channel and `VDM`/`VDO` kept.
fn reframe(h: &finisterra_engine::pipeline::Heard<'_>, seq: &u8) -> axum::body::Bytes {
    let opts = finisterra_ais::encode::SentenceOptions {
        talker: h.talker,
        own_ship: h.own_ship,
        channel: h.channel,
        sequence_id: *seq % 10,
        ..Default::default()
    };
    let payload = std::str::from_utf8(h.payload).unwrap_or("");
    let mut out = String::with_capacity(h.payload.len() + 64);
    for s in finisterra_ais::encode::frame_payload(payload, h.fill_bits, &opts) {
        out.push_str(&s);
        out.push_str("\r\n");
    }
    out.into()
}

/// State to save: the vessels that reported, the new track points.
struct StateJob {
    vessels: Vec<finisterra_engine::Vessel>,
    track: Vec<finisterra_store::TrackPoint>,
    prune: bool,
}

/// Rows per store transaction when saving state: short transactions, so
/// that readers of the state store (and PostgreSQL row locks) never wait
/// long.
const STATE_CHUNK: usize = 500;

/// The state writer: JSON and store writes away from the core thread, on
/// a store of their own.
fn write_state(
    shared: &Shared,
    mut store: Box<dyn finisterra_store::Store>,
    rx: Receiver<StateJob>,
) {
    while let Ok(job) = rx.recv() {
        let rows: Vec<finisterra_store::VesselRow> = job
            .vessels
            .iter()
            .map(|v| finisterra_store::VesselRow {
                mmsi: v.mmsi,
                time_ms: v.last_seen_ms,
                lat_deg: v.has_fix().then_some(v.lat_deg),
                lon_deg: v.has_fix().then_some(v.lon_deg),
                name: v.static_data.name.as_deref().map(str::to_owned),
                ship_type: v.static_data.ship_type,
                json: serde_json::to_string(&crate::model::VesselState::of(v)).unwrap_or_default(),
            })
            .collect();
        let mut track = job.track.as_slice();
        let mut rows = rows.as_slice();
        while !rows.is_empty() || !track.is_empty() {
            let (r, rest) = rows.split_at(rows.len().min(STATE_CHUNK));
            let (t, trest) = track.split_at(track.len().min(STATE_CHUNK * 4));
            rows = rest;
            track = trest;
            let saved = store
                .upsert_vessels(r)
                .and_then(|()| store.append_track(t).map(|_| ()));
            if let Err(e) = saved {
                shared.metrics.store_error();
                eprintln!("finisterra: cannot store vessels and tracks: {e}");
                break;
            }
        }
        if job.prune {
            let now = crate::clock::now_ms();
            let retention = finisterra_store::Retention {
                track_s: shared.track_retention_s,
                events_s: None,
                vessels_s: Some(shared.track_retention_s),
            };
            if let Err(e) = store.prune(now, &retention) {
                eprintln!("finisterra: cannot prune the store: {e}");
            }
        }
    }
}

/// Events per store transaction when storing a spill.
const SPILL_CHUNK: usize = 1_000;

/// How far before the log's newest event an event may be dated without
/// being said: events of a screening pass are dated at its boundary (up to
/// an interval before the last message), so a quick restart is no
/// regression.
const LOG_REGRESSION_TOLERANCE_MS: i64 = 60_000;

/// An event dated before the newest one the event log held at start: the
/// log's data time goes back (ids still increase). Counted, and said once
/// with the reason and the fix.
fn time_goes_back(shared: &Shared, p: &Published) {
    use std::sync::atomic::Ordering::Relaxed;
    shared.metrics.log_time_regressions.fetch_add(1, Relaxed);
    if !shared.log_regressions_said.swap(true, Relaxed) {
        eprintln!(
            "finisterra: event {} is dated {}, before the newest event this data directory already held ({}): \
             the input is older than the stored history (an older archive replayed into the same --data-dir?). \
             Event ids still increase and /api/events?from=&to= selects by data time, but the log's data time now goes back; \
             give each data set its own --data-dir to keep one timeline. Counted in finisterra_event_log_time_regressions_total.",
            p.id,
            finisterra_engine::iso8601(p.time_ms),
            finisterra_engine::iso8601(shared.log_newest_ms.unwrap_or(0)),
        );
    }
}

/// `{"stored":false,...}`: the JSON of an event pushed before it is durable.
fn not_yet_stored(json: &str) -> Arc<str> {
    match json.strip_suffix('}') {
        Some(head) if head.len() > 1 => Arc::from(format!("{head},\"stored\":false}}")),
        _ => Arc::from(json),
    }
}

/// Makes the events durable, then publishes them: an event the API reports
/// or pushes is normally already on disk. When the store refuses writes
/// (disk full, database down), events are still pushed — an alarm must
/// reach the operator — marked `"stored": false`, kept in order in a
/// bounded spill and stored as soon as the store takes writes again;
/// `store.degraded` and `store.recovered` tell the consoles, `/metrics`
/// counts what waits and what was dropped past the bound.
fn publish(shared: &Shared, batch: &mut Vec<(Instant, Vec<Published>)>) -> Outcome {
    use std::sync::atomic::Ordering::Relaxed;
    let mut all: Vec<Published> = batch
        .iter()
        .flat_map(|(_, evs)| evs.iter().cloned())
        .collect();
    let mut outcome = Outcome::default();
    // Said and counted before the events are visible anywhere. Not for
    // events judged elsewhere: the workers of a distributed run publish
    // concurrently, so the events stream is not in data-time order, and
    // what a restart reads again is mostly stored already.
    if let Some(t) = shared.log_newest_ms {
        for p in all
            .iter()
            .filter(|p| p.key.is_none() && p.time_ms < t - LOG_REGRESSION_TOLERANCE_MS)
        {
            time_goes_back(shared, p);
        }
    }
    let mut spill = shared.spill.lock().unwrap_or_else(|e| e.into_inner());
    if all.is_empty() && spill.events.is_empty() {
        outcome.durable = true;
        return outcome;
    }
    // A remote event delivered again while its first copy waits in the
    // spill: that copy is stored when the store recovers; this one goes.
    if !spill.events.is_empty() && all.iter().any(|p| p.key.is_some()) {
        let waiting: std::collections::HashSet<&str> = spill
            .events
            .iter()
            .filter_map(|p| p.key.as_deref())
            .collect();
        for p in &all {
            if p.key.as_deref().is_some_and(|k| waiting.contains(k)) {
                outcome.duplicates.insert(p.id);
            }
        }
        if !outcome.duplicates.is_empty() {
            all.retain(|p| !outcome.duplicates.contains(&p.id));
        }
    }
    let mut duplicates_dropped = outcome.duplicates.len() as u64;
    let stored = {
        let mut store = shared.store.lock().unwrap_or_else(|e| e.into_inner());
        // What waits first, in order, in short transactions.
        let mut error = None;
        while !spill.events.is_empty() {
            let n = spill.events.len().min(SPILL_CHUNK);
            let chunk: Vec<Published> = spill.events.range(..n).cloned().collect();
            match store.append(&chunk) {
                Ok(dups) => {
                    // Pushed already; their key was stored meanwhile.
                    duplicates_dropped += dups.len() as u64;
                    spill.events.drain(..n);
                }
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        if error.is_none() && !all.is_empty() {
            match store.append(&all) {
                Ok(dups) => {
                    duplicates_dropped += dups.len() as u64;
                    outcome.duplicates.extend(dups);
                }
                Err(e) => error = Some(e),
            }
        }
        match error {
            None => true,
            Some(e) => {
                shared.metrics.store_error();
                spill.last_error = Some(format!("{e:#}"));
                false
            }
        }
    };
    if stored && spill.degraded_since_ms.take().is_some() {
        eprintln!("finisterra: the store takes writes again; every waiting event is stored");
        let msg = serde_json::json!({
            "kind": "store.recovered",
            "at": finisterra_engine::iso8601(crate::clock::now_ms()),
            "dropped": spill.dropped,
        });
        shared.hub.notice("store.recovered", msg.to_string());
    }
    if !stored {
        if spill.degraded_since_ms.is_none() {
            let now = crate::clock::now_ms();
            spill.degraded_since_ms = Some(now);
            let err = spill.last_error.clone().unwrap_or_default();
            eprintln!(
                "finisterra: cannot store events ({err}); pushing them unstored, keeping up to {} in memory until the store takes writes again",
                shared.limits.spill_max
            );
            let msg = serde_json::json!({
                "kind": "store.degraded",
                "since": finisterra_engine::iso8601(now),
                "error": err,
                "spill_max": shared.limits.spill_max,
            });
            shared.hub.notice("store.degraded", msg.to_string());
        }
        spill.events.extend(all.iter().cloned());
        let max = shared.limits.spill_max.max(1);
        while spill.events.len() > max {
            spill.events.pop_front();
            spill.dropped += 1;
            shared
                .metrics
                .store_spill_dropped
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }
    outcome.durable = stored;
    shared
        .metrics
        .events_duplicates_dropped
        .fetch_add(duplicates_dropped, Relaxed);
    {
        let m = &shared.metrics;
        m.store_degraded
            .store(u64::from(spill.degraded_since_ms.is_some()), Relaxed);
        m.store_spilled.store(spill.events.len() as u64, Relaxed);
    }
    drop(spill);
    let now = Instant::now();
    let mut recent = shared.recent.lock().unwrap_or_else(|e| e.into_inner());
    for (arrived, evs) in batch.drain(..) {
        let latency = now.duration_since(arrived);
        for mut p in evs {
            // Stored before under its key: neither stored nor pushed again.
            if outcome.duplicates.contains(&p.id) {
                continue;
            }
            if !stored {
                let json = not_yet_stored(&p.json);
                p = p.with_json(json);
            }
            debug_assert!(
                recent.back().is_none_or(|b| b.id < p.id),
                "event ids increase"
            );
            let p = Arc::new(p);
            shared.metrics.event_out(p.kind, latency);
            recent.push_back(p.clone());
            if recent.len() > RECENT_EVENTS {
                recent.pop_front();
            }
            shared.hub.event(p);
        }
    }
    outcome
}

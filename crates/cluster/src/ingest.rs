//! Ingest's judgement, sans-IO: each decoded message with its times in,
//! records for partitions out.
//!
//! Here, where every message of a vessel passes, run what cannot be split
//! by area: the one data-time gate ([`finisterra_engine::DataClock`], inside
//! an engine that screens nothing) and the per-vessel filters (teleports, a
//! second transmitter on one MMSI), which decide where a message goes:
//!
//! - a position the picture takes goes to the home partition of that
//!   position and to every partition whose halo it falls in; a
//!   re-acquisition (a vessel moved to a new track) also to those of her
//!   old position;
//! - a position it refuses, and a message without a position (static data,
//!   safety text), go where the vessel's last accepted position goes — the
//!   workers that hold her see them, and judge them as the single machine
//!   does; a vessel not placed yet goes to every partition (her static
//!   data must be wherever she appears, as it is on the single machine);
//! - aids to navigation and base stations go where their own position goes;
//! - a Mode S message ([`Router::on_air`]) goes where its aircraft's last
//!   position in the air picture goes, with the aircraft halo
//!   ([`crate::Halo::air`]), and to every partition while the aircraft has
//!   none (its identity and altitude must be wherever it appears).
//!
//! Each time the data passes a screening boundary (the engine's own rule,
//! [`Engine::next_deadline_ms`]), a tick with that message's time goes to
//! **every** partition first, so every worker runs the same screening
//! passes at the same data times as the single machine, traffic or not.
//! With a pass worked out apart ([`Config::pass_lag_s`]), a second tick goes
//! to every partition before the first record at or after the pass's time
//! plus the lag: its findings are told there in every worker, as the single
//! machine tells them before that record (an engine tells them at the first
//! record that brings its clock past that time, and a partition's clock,
//! which sees only some records, could get there later than ingest's).

use finisterra_ais::{AisMessage, Body};
use finisterra_engine::{
    AirId, ClockStats, Config, Engine, Event, FixOutcome, Ingested, TimePolicy,
};
use finisterra_modes::AirMessage;

use crate::grid::{Grid, Partition};
use crate::halo::Halo;
use crate::wire::{air_bytes, Record};

/// Counters of ingest.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestStats {
    /// Messages sent on.
    pub messages: u64,
    /// Copies of them sent to halo partitions (beyond their home).
    pub halo_copies: u64,
    /// Messages whose time was refused (not sent).
    pub time_rejected: u64,
    /// Positions the filters refused (sent where the vessel is).
    pub fixes_refused: u64,
    /// Ticks sent (each to every partition).
    pub ticks: u64,
    /// Messages of vessels not placed yet, sent to every partition.
    pub broadcasts: u64,
    /// Mode S messages sent on (counted in `messages` too).
    pub air_messages: u64,
}

/// One record for some partitions.
#[derive(Debug)]
pub struct Outgoing<'a> {
    /// Where it goes (home first for a message; all for a tick).
    pub partitions: &'a [Partition],
    /// Its sequence number.
    pub seq: u64,
    /// The record's bytes.
    pub bytes: &'a [u8],
}

/// Ingest's state: the filter picture, the sequence, the grid.
#[derive(Debug)]
pub struct Router {
    grid: Grid,
    halo_m: f64,
    air_halo_m: f64,
    filter: Engine,
    air_bytes: Vec<u8>,
    seq: u64,
    stats: IngestStats,
    events: Vec<Event>,
    bytes: Vec<u8>,
    parts: Vec<Partition>,
    all: Vec<Partition>,
    last_ms: Option<i64>,
    /// With a pass lag: when the findings of the last pass are due (a
    /// tick still to send).
    lag_due_ms: Option<i64>,
}

impl Router {
    /// A router over `grid` with the halo `halo_m`; `cfg` is the engine
    /// settings the workers run (its picture filters and screening period
    /// are applied here).
    pub fn new(grid: Grid, halo_m: f64, cfg: &Config) -> Router {
        // The picture only: no vessel is screened here.
        let mut filter = Engine::new(*cfg);
        filter.set_picture_only();
        Router {
            grid,
            halo_m,
            air_halo_m: Halo::air(cfg).total_m,
            filter,
            air_bytes: Vec::with_capacity(128),
            seq: 0,
            stats: IngestStats::default(),
            events: Vec::new(),
            bytes: Vec::with_capacity(128),
            parts: Vec::with_capacity(8),
            all: (0..grid.partitions()).collect(),
            last_ms: None,
            lag_due_ms: None,
        }
    }

    /// The counters.
    pub fn stats(&self) -> &IngestStats {
        &self.stats
    }

    /// The last sequence number given.
    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// How the data-time gate admits times (the filter engine's policy):
    /// [`TimePolicy::Data`] for replays (the default),
    /// [`TimePolicy::live`] for live feeds stamped with their receive time.
    pub fn set_time_policy(&mut self, policy: TimePolicy) {
        self.filter.set_time_policy(policy);
    }

    /// The data-time gate's counters (times refused, by reason; live data
    /// times ahead of their receive time).
    pub fn clock_stats(&self) -> &ClockStats {
        self.filter.clock().stats()
    }

    /// Time passed without a message (a quiet live feed; `time_ms` is the
    /// caller's clock): once it passes the screening boundary, a tick with
    /// that time to every partition, as [`Router::on_message`] sends, so
    /// that the workers age their vessels on time. Before the first
    /// message, or before the boundary, nothing.
    pub fn on_time(&mut self, time_ms: i64, emit: &mut dyn FnMut(Outgoing<'_>)) {
        let Some(deadline) = self.filter.next_deadline_ms() else {
            return;
        };
        // A pass's findings due meanwhile (with a pass lag).
        let lag_due = self.lag_due_ms.is_some_and(|due| time_ms >= due);
        if time_ms < deadline && !lag_due {
            return;
        }
        let screenings = self.filter.stats().screenings;
        self.events.clear();
        self.filter.advance(time_ms, &mut self.events);
        self.events.clear();
        if self.filter.next_deadline_ms() == Some(deadline) && !lag_due {
            return;
        }
        self.note_time(time_ms);
        self.ticks_before(Some(deadline), screenings, time_ms, emit);
    }

    /// Ingest's clock: the latest data time taken.
    fn note_time(&mut self, time_ms: i64) {
        self.last_ms = Some(self.last_ms.map_or(time_ms, |l| l.max(time_ms)));
    }

    /// With a pass lag, after a boundary's tick: a screening pass the
    /// filter ran (its count was `screenings` before) makes its findings
    /// due at its boundary plus the lag, unless the tick's time is past
    /// that already (the engines tell them at the tick); a pass still due
    /// before was told at this tick (a pass settles the one before).
    fn after_tick(&mut self, screenings: u64) {
        let cfg = self.filter.config();
        let lag_ms = cfg.pass_lag_ms();
        if lag_ms == 0 {
            return;
        }
        let (Some(now), interval) = (self.filter.clock().now_ms(), cfg.screen_interval_ms()) else {
            return;
        };
        if self.lag_due_ms.is_some_and(|due| now >= due) {
            // Told at this tick.
            self.lag_due_ms = None;
        }
        if self.filter.stats().screenings != screenings {
            // A new pass (it tells the one before, if still due).
            let due = now.div_euclid(interval) * interval + lag_ms;
            self.lag_due_ms = (now < due).then_some(due);
        }
    }

    /// With a pass lag: before the first record at or past the due time of
    /// the last pass's findings (ingest's clock there), a tick with its
    /// time to every partition.
    fn lag_tick(&mut self, emit: &mut dyn FnMut(Outgoing<'_>)) {
        if let (Some(due), Some(now)) = (self.lag_due_ms, self.filter.clock().now_ms()) {
            if now >= due {
                self.lag_due_ms = None;
                self.tick(now, emit);
            }
        }
    }

    /// The ticks before a record at `time_ms` the filter just took (its
    /// next deadline was `deadline`, its passes `screenings`): one when it
    /// passed a boundary, else one when it passed a pass's due time.
    fn ticks_before(
        &mut self,
        deadline: Option<i64>,
        screenings: u64,
        time_ms: i64,
        emit: &mut dyn FnMut(Outgoing<'_>),
    ) {
        if self.filter.next_deadline_ms() != deadline {
            self.tick(time_ms, emit);
            self.after_tick(screenings);
        } else {
            self.lag_tick(emit);
        }
    }

    /// A tick at `time_ms` to every partition, next in sequence.
    fn tick(&mut self, time_ms: i64, emit: &mut dyn FnMut(Outgoing<'_>)) {
        self.seq += 1;
        self.stats.ticks += 1;
        self.bytes.clear();
        Record::Tick {
            seq: self.seq,
            time_ms,
        }
        .encode(&mut self.bytes);
        emit(Outgoing {
            partitions: &self.all,
            seq: self.seq,
            bytes: &self.bytes,
        });
    }

    fn route_pos(&mut self, lat: f64, lon: f64) -> bool {
        self.route_within(lat, lon, self.halo_m)
    }

    fn route_within(&mut self, lat: f64, lon: f64, halo_m: f64) -> bool {
        match self.grid.partitions_for(lat, lon, halo_m) {
            Some(r) => {
                for p in r.all() {
                    if !self.parts.contains(&p) {
                        self.parts.push(p);
                    }
                }
                true
            }
            None => false,
        }
    }

    /// Takes one message (its assembled `payload` and `fill_bits` as
    /// received) with its data and receive times; hands each record to
    /// `emit` in sequence order.
    pub fn on_message(
        &mut self,
        msg: &AisMessage,
        data_ms: Option<i64>,
        recv_ms: Option<i64>,
        payload: &[u8],
        fill_bits: u8,
        emit: &mut dyn FnMut(Outgoing<'_>),
    ) {
        let deadline = self.filter.next_deadline_ms();
        let screenings = self.filter.stats().screenings;
        let before = self
            .filter
            .picture()
            .vessel(msg.mmsi)
            .filter(|v| v.has_fix())
            .map(|v| (v.lat_deg, v.lon_deg));
        self.events.clear();
        let got = self
            .filter
            .ingest_at(msg, data_ms, recv_ms, &mut self.events);
        self.events.clear();
        let (time_ms, fix) = match got {
            Ingested::Taken { time, fix } => (time.time_ms, fix),
            Ingested::TimeRejected(_) => {
                self.stats.time_rejected += 1;
                return;
            }
        };
        self.note_time(time_ms);
        self.ticks_before(deadline, screenings, time_ms, emit);
        self.parts.clear();
        let own_position = match &msg.body {
            Body::AidToNavigation(a) => a.lat_deg.zip(a.lon_deg),
            Body::BaseStation(b) => b.lat_deg.zip(b.lon_deg),
            _ => None,
        };
        let now = self
            .filter
            .picture()
            .vessel(msg.mmsi)
            .filter(|v| v.has_fix())
            .map(|v| (v.lat_deg, v.lon_deg));
        let placed = match (fix, own_position) {
            (_, Some((lat, lon))) => self.route_pos(lat, lon),
            (FixOutcome::Accepted { reacquired }, _) => {
                let mut ok = now.is_some_and(|(lat, lon)| self.route_pos(lat, lon));
                if reacquired {
                    if let Some((lat, lon)) = before {
                        ok |= self.route_pos(lat, lon);
                    }
                }
                ok
            }
            (FixOutcome::Rejected { .. }, _) => {
                self.stats.fixes_refused += 1;
                now.is_some_and(|(lat, lon)| self.route_pos(lat, lon))
            }
            (FixOutcome::NoFix, _) => now.is_some_and(|(lat, lon)| self.route_pos(lat, lon)),
        };
        if !placed {
            // A vessel not placed yet (static data before her first
            // position): every partition, so that whichever worker she
            // reaches has her name, type and size from the start, as the
            // single machine has.
            self.broadcast(msg.mmsi);
        }
        let seq = self.next_message(placed);
        self.bytes.clear();
        Record::Position {
            seq,
            time_ms,
            home: self.parts[0],
            fill_bits,
            payload,
        }
        .encode(&mut self.bytes);
        emit(Outgoing {
            partitions: &self.parts,
            seq,
            bytes: &self.bytes,
        });
    }

    /// Nowhere to place a message yet: its fallback home by `id` first,
    /// then every other partition.
    fn broadcast(&mut self, id: u32) {
        self.stats.broadcasts += 1;
        let home = self.grid.fallback(id);
        self.parts.push(home);
        self.parts
            .extend(self.all.iter().copied().filter(|&p| p != home));
    }

    /// The next message's sequence number, counted (with its halo copies
    /// when it was placed).
    fn next_message(&mut self, placed: bool) -> u64 {
        self.seq += 1;
        self.stats.messages += 1;
        if placed {
            self.stats.halo_copies += self.parts.len() as u64 - 1;
        }
        self.seq
    }

    /// Takes one decoded Mode S / ADS-B message (its position resolved by
    /// ingest's own decoder, which sees every frame) with its data and
    /// receive times; hands each record to `emit` in sequence order.
    pub fn on_air(
        &mut self,
        msg: &AirMessage,
        data_ms: Option<i64>,
        recv_ms: Option<i64>,
        emit: &mut dyn FnMut(Outgoing<'_>),
    ) {
        let deadline = self.filter.next_deadline_ms();
        let screenings = self.filter.stats().screenings;
        self.events.clear();
        let got = self
            .filter
            .ingest_air_at(msg, data_ms, recv_ms, &mut self.events);
        self.events.clear();
        let time_ms = match got {
            Ingested::Taken { time, fix } => {
                if matches!(fix, FixOutcome::Rejected { .. }) {
                    self.stats.fixes_refused += 1;
                }
                time.time_ms
            }
            Ingested::TimeRejected(_) => {
                self.stats.time_rejected += 1;
                return;
            }
        };
        self.note_time(time_ms);
        self.ticks_before(deadline, screenings, time_ms, emit);
        self.parts.clear();
        let at = self
            .filter
            .aircraft_by(AirId::of(msg))
            .filter(|a| a.has_fix())
            .map(|a| (a.lat_deg, a.lon_deg));
        let halo_m = self.air_halo_m;
        let placed = at.is_some_and(|(lat, lon)| self.route_within(lat, lon, halo_m));
        if !placed {
            // An aircraft not placed yet: every partition, so that its
            // identity and altitude are wherever it appears.
            self.broadcast(msg.address);
        }
        let seq = self.next_message(placed);
        self.stats.air_messages += 1;
        self.air_bytes.clear();
        air_bytes(msg, &mut self.air_bytes);
        self.bytes.clear();
        Record::Air {
            seq,
            time_ms,
            home: self.parts[0],
            message: &self.air_bytes,
        }
        .encode(&mut self.bytes);
        emit(Outgoing {
            partitions: &self.parts,
            seq,
            bytes: &self.bytes,
        });
    }

    /// The end of a replay: an end record to every partition.
    pub fn finish(&mut self, emit: &mut dyn FnMut(Outgoing<'_>)) {
        self.seq += 1;
        self.bytes.clear();
        Record::End {
            seq: self.seq,
            time_ms: self.last_ms.unwrap_or(0),
        }
        .encode(&mut self.bytes);
        emit(Outgoing {
            partitions: &self.all,
            seq: self.seq,
            bytes: &self.bytes,
        });
    }
}

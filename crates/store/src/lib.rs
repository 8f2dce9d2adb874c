//! The durable store behind `finisterra serve`: every event, the latest
//! state and static data of every vessel, a down-sampled track history with
//! retention, operator acknowledgements, and named documents (zones and
//! hazards GeoJSON edited through the API).
//!
//! Three backends behind one sync trait, [`Store`]:
//!
//! * **SQLite** (default): a data directory in, `finisterra.db` inside it,
//!   WAL mode. Events, acknowledgements and documents are committed with
//!   `synchronous=FULL` (on disk when the call returns: neither `kill -9`
//!   nor a power cut loses them); vessel states and track points with
//!   `synchronous=NORMAL` (safe against `kill -9`, the last second may be
//!   lost on a power cut — they are rewritten continuously anyway). A live
//!   server keeps those in a second database file beside it
//!   ([`open_state`], `state.db`), so that their writes never share a
//!   lock, a write-ahead log or an `fsync` with the events.
//! * **PostgreSQL** (`postgres://...` or `postgresql://...`, cargo feature
//!   `postgres`): the same schema and behaviour; durability is the
//!   server's (`synchronous_commit`).
//! * **Memory** (`memory:NAME`, [`MemoryStore`]): the same behaviour in
//!   the process's memory, not durable, for a server run without a data
//!   directory. Every handle of one name shares one store, which lives
//!   until the process ends; it keeps at most [`MEMORY_MAX_EVENTS`]
//!   events by default (the oldest are dropped, ids never reused).
//!
//! Every write is one transaction per call: a batch is stored whole or not
//! at all.
//!
//! ```
//! use finisterra_store::{open, EventQuery, StoreOptions, StoredEvent};
//! # fn main() -> Result<(), finisterra_store::StoreError> {
//! # let dir = std::env::temp_dir().join(format!("finisterra-store-doc-{}", std::process::id()));
//! let mut store = open(dir.to_str().unwrap_or("."), &StoreOptions::default())?;
//! let json = r#"{"id":1,"time":"2024-05-01T12:00:00.000Z","kind":"distress","mmsi":970123456}"#;
//! let next = store.last_event_id()? + 1;
//! store.append_events(&[StoredEvent::from_json(next, 1_714_564_800_000, "distress", json)])?;
//! let found = store.events(&EventQuery { mmsi: Some(970123456), ..EventQuery::default() })?;
//! assert_eq!(found.last().map(|e| e.id), Some(next));
//! # drop(store); let _ = std::fs::remove_dir_all(&dir);
//! # Ok(()) }
//! ```
//!
//! # Threads
//!
//! A [`Store`] is one connection: `Send`, not `Sync`. The server writes
//! from one dedicated thread and reads through other connections, for
//! instance from a [`StorePool`] (SQLite's WAL lets readers run while the
//! writer commits). All calls block: from async code, call them inside
//! `spawn_blocking` (the PostgreSQL client runs its own small runtime and
//! must not be called on an async worker thread).
//!
//! # Schema (version 2, the same tables in both backends)
//!
//! | table | columns | keys and indexes |
//! |---|---|---|
//! | `schema_version` | `version` | |
//! | `counters` | `name`, `value` (`last_event_id`) | `name` |
//! | `events` | `id`, `time_ms`, `kind`, `mmsis` (`"1,2"`), `json`, `key` (NULL or unique; version 2) | `id`; `time_ms`; `(kind, id)`; `key` unique |
//! | `event_vessels` | `event_id`, `mmsi` | `(event_id, mmsi)`; `(mmsi, event_id)` |
//! | `acknowledgements` | `event_id`, `acked_by`, `time_ms`, `note` | `event_id` |
//! | `vessels` | `mmsi`, `time_ms`, `lat_deg`, `lon_deg`, `name`, `ship_type`, `json` | `mmsi`; `time_ms` |
//! | `track` | `mmsi`, `time_ms`, `lat_deg`, `lon_deg`, `sog_kn`, `cog_deg`, `heading_deg` | `(mmsi, time_ms)`; `time_ms` |
//! | `documents` | `name`, `json` | `name` |
//!
//! Integers are 64-bit, JSON is text stored verbatim (the engine's key
//! order is kept).
//!
//! # Invariants
//!
//! * Knows nothing of AIS, the engine or the server: events and vessels
//!   are JSON text plus the few indexed columns the queries need.
//! * Event ids are strictly increasing across the store's whole life, even
//!   after pruning: [`Store::last_event_id`] never goes back, and
//!   [`Store::append_events`] refuses an id that is not above it.
//! * No panics, no clock: times come in as milliseconds since the epoch.
//! * Idempotent on event keys: an event whose key is stored already is not
//!   stored again, and [`Store::append_events`] says so
//!   ([`Appended::duplicates`]). Keys are NULL for a local engine's events.
//! * The schema is versioned; a database written by a newer version is
//!   refused with [`StoreError::SchemaTooNew`], never modified. An older
//!   one is migrated at open (version 1 → 2: the `key` column and its
//!   unique index), in one transaction.
//! * The only global state is the registry of memory stores by name
//!   (`memory.rs`): a memory store lives until the process ends, so that
//!   handles opened later (a pool, a reader, a reopen) find its data.

#![deny(missing_docs)]

use std::ops::{Deref, DerefMut};
use std::path::PathBuf;
use std::sync::Mutex;

mod downsample;
mod memory;
#[cfg(feature = "postgres")]
mod pg;
mod sqlite;

pub use memory::{MemoryStore, MEMORY_MAX_EVENTS};
pub use sqlite::{SqliteStore, DB_FILE_NAME, STATE_DB_FILE_NAME};

#[cfg(feature = "postgres")]
pub use pg::PostgresStore;

/// Version of the schema this build writes and reads.
pub const SCHEMA_VERSION: i64 = 2;

/// One stored event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// The engine's event id; strictly increasing.
    pub id: u64,
    /// Data time of the event, milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// The event kind (`risk.raised`, `distress`, `target.lost`, ...).
    pub kind: String,
    /// MMSIs of the vessels involved (for filtering by vessel), sorted,
    /// without duplicates once stored.
    pub mmsis: Vec<u32>,
    /// The event as one line of JSON, stored and returned verbatim.
    pub json: String,
    /// The event's key (a distributed run's deterministic key, the
    /// `Nats-Msg-Id` it was published under), unique in the store: an
    /// event whose key is stored already is not stored again
    /// ([`Appended::duplicates`]). `None` for events of a local engine,
    /// which are never compared.
    pub key: Option<String>,
}

/// What [`Store::append_events`] did with a batch.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Appended {
    /// Events stored.
    pub stored: usize,
    /// Ids of the events of the batch not stored because an event with
    /// their key is stored already (earlier, or earlier in the batch).
    pub duplicates: Vec<u64>,
}

impl StoredEvent {
    /// An event whose vessels are every `"mmsi"` number found anywhere in
    /// `json` (the shape of the engine's events: `vessel.mmsi`,
    /// `vessels[].mmsi`, `advice[].mmsi`, `mmsi`, `hazard.mmsi`...).
    pub fn from_json(id: u64, time_ms: i64, kind: &str, json: &str) -> StoredEvent {
        StoredEvent {
            id,
            time_ms,
            kind: kind.to_owned(),
            mmsis: mmsis_in_json(json),
            json: json.to_owned(),
            key: None,
        }
    }

    /// The same event under a key (see [`StoredEvent::key`]).
    pub fn with_key(mut self, key: impl Into<String>) -> StoredEvent {
        self.key = Some(key.into());
        self
    }
}

/// Every `"mmsi"` member holding a `u32` anywhere in a JSON document,
/// sorted and without duplicates (an empty list for invalid JSON).
pub fn mmsis_in_json(json: &str) -> Vec<u32> {
    fn walk(v: &serde_json::Value, out: &mut Vec<u32>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    if k == "mmsi" {
                        if let Some(n) = v.as_u64().and_then(|n| u32::try_from(n).ok()) {
                            out.push(n);
                        }
                    } else {
                        walk(v, out);
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(v) = serde_json::from_str::<serde_json::Value>(json) {
        walk(&v, &mut out);
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Which events [`Store::events`] returns. The default is every event,
/// oldest first, at most 1000.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventQuery {
    /// Only ids above this one (0: from the start).
    pub since_id: u64,
    /// Only ids below this one (paging backwards with `newest_first`).
    pub before_id: Option<u64>,
    /// Only these kinds (empty: every kind).
    pub kinds: Vec<String>,
    /// Only events involving this vessel.
    pub mmsi: Option<u32>,
    /// Only events at or after this data time, ms.
    pub from_ms: Option<i64>,
    /// Only events before this data time, ms.
    pub to_ms: Option<i64>,
    /// `Some(true)`: only acknowledged events; `Some(false)`: only
    /// unacknowledged ones.
    pub acknowledged: Option<bool>,
    /// At most this many events.
    pub limit: usize,
    /// `false`: the oldest matching events, in increasing id order;
    /// `true`: the newest ones, in decreasing id order.
    pub newest_first: bool,
}

impl Default for EventQuery {
    fn default() -> EventQuery {
        EventQuery {
            since_id: 0,
            before_id: None,
            kinds: Vec::new(),
            mmsi: None,
            from_ms: None,
            to_ms: None,
            acknowledged: None,
            limit: 1000,
            newest_first: false,
        }
    }
}

/// The latest state of one vessel.
#[derive(Debug, Clone, PartialEq)]
pub struct VesselRow {
    /// MMSI.
    pub mmsi: u32,
    /// Data time of the state (last message), ms.
    pub time_ms: i64,
    /// Latitude of the last fix, degrees (`None` before any fix).
    pub lat_deg: Option<f64>,
    /// Longitude of the last fix, degrees.
    pub lon_deg: Option<f64>,
    /// Name from static data.
    pub name: Option<String>,
    /// AIS ship and cargo type.
    pub ship_type: Option<u8>,
    /// The full state (position, motion, static and voyage data) as JSON,
    /// stored and returned verbatim.
    pub json: String,
}

/// One point of a vessel's track.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackPoint {
    /// MMSI.
    pub mmsi: u32,
    /// Data time of the fix, ms.
    pub time_ms: i64,
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Speed over ground, knots.
    pub sog_kn: Option<f64>,
    /// Course over ground, degrees.
    pub cog_deg: Option<f64>,
    /// True heading, degrees.
    pub heading_deg: Option<f64>,
}

/// Which track points [`Store::track`] returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrackQuery {
    /// The vessel.
    pub mmsi: u32,
    /// Only points at or after this data time, ms.
    pub from_ms: i64,
    /// Only points before this data time, ms (`None`: up to the newest).
    pub to_ms: Option<i64>,
    /// At most this many points: the *newest* ones in the range, returned
    /// oldest first (page backwards by setting `to_ms` to the first time).
    pub limit: usize,
}

/// Which track points [`Store::track_window`] returns: those of a time
/// window, of one vessel or of every vessel (in a box), oldest first,
/// page by page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackWindow {
    /// One vessel, or every vessel.
    pub mmsi: Option<u32>,
    /// Only points at or after this data time, ms.
    pub from_ms: i64,
    /// Only points before this data time, ms.
    pub to_ms: i64,
    /// Only points inside (min lon, min lat, max lon, max lat), degrees;
    /// min lon > max lon crosses the 180th meridian.
    pub bbox: Option<(f64, f64, f64, f64)>,
    /// Only points after this (time ms, MMSI) in the order of the answer:
    /// the cursor of the next page (the last point of the previous one).
    pub after: Option<(i64, u32)>,
    /// At most this many points.
    pub limit: usize,
}

impl TrackWindow {
    /// Whether a point is inside the window (the one definition the
    /// backends' queries follow).
    pub fn holds(&self, p: &TrackPoint) -> bool {
        let box_ok = self.bbox.is_none_or(|(w, s, e, n)| {
            let lon_ok = if w <= e {
                p.lon_deg >= w && p.lon_deg <= e
            } else {
                p.lon_deg >= w || p.lon_deg <= e
            };
            lon_ok && p.lat_deg >= s && p.lat_deg <= n
        });
        self.mmsi.is_none_or(|m| m == p.mmsi)
            && p.time_ms >= self.from_ms
            && p.time_ms < self.to_ms
            && self.after.is_none_or(|a| (p.time_ms, p.mmsi) > a)
            && box_ok
    }
}

/// An operator's acknowledgement of an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acknowledgement {
    /// The event.
    pub event_id: u64,
    /// Who acknowledged it.
    pub by: String,
    /// When, ms since the epoch.
    pub time_ms: i64,
    /// Free text.
    pub note: Option<String>,
}

/// What [`Store::acknowledge`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckOutcome {
    /// Stored.
    Acknowledged,
    /// The event was acknowledged before; the first acknowledgement is kept.
    AlreadyAcknowledged,
    /// There is no such event (never stored, or pruned).
    NoSuchEvent,
}

/// How long data is kept by [`Store::prune`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Retention {
    /// Track points older than this many seconds are deleted.
    pub track_s: f64,
    /// Events (with their acknowledgements) older than this are deleted;
    /// `None` keeps them forever.
    pub events_s: Option<f64>,
    /// Vessels not heard for longer than this are deleted; `None` keeps
    /// them forever.
    pub vessels_s: Option<f64>,
}

/// What [`Store::prune`] deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PruneStats {
    /// Track points deleted.
    pub track_points: u64,
    /// Events deleted.
    pub events: u64,
    /// Vessels deleted.
    pub vessels: u64,
}

/// Settings of a store connection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StoreOptions {
    /// Track down-sampling: consecutive stored points of one vessel are at
    /// least this many seconds apart (0 keeps every point). Default 10 s.
    pub track_interval_s: f64,
    /// How long a write waits for another connection's write to finish
    /// (SQLite's busy timeout), ms. Default 10 000.
    pub busy_timeout_ms: u64,
}

impl Default for StoreOptions {
    fn default() -> StoreOptions {
        StoreOptions {
            track_interval_s: 10.0,
            busy_timeout_ms: 10_000,
        }
    }
}

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The data directory could not be created.
    #[error("cannot create the data directory {path}: {source}")]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The SQLite database could not be opened (missing permission, not a
    /// database, corrupt, locked).
    #[error("cannot open the SQLite database {path}: {source}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// Why.
        source: rusqlite::Error,
    },
    /// A SQLite statement failed.
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A PostgreSQL statement or connection failed.
    #[cfg(feature = "postgres")]
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] postgres::Error),
    /// A `postgres://` location was given to a build without PostgreSQL.
    #[error("PostgreSQL support is not compiled in (build finisterra-store with the `postgres` feature)")]
    PostgresNotCompiled,
    /// The database was written by a newer Finisterra.
    #[error("the store has schema version {found}, newer than the {supported} this program supports; use a newer finisterra or another store")]
    SchemaTooNew {
        /// Version in the database.
        found: i64,
        /// Version this build supports.
        supported: i64,
    },
    /// An event id not above the last stored one (ids must strictly
    /// increase across the store's life).
    #[error("event id {id} is not above the last stored event id {last}; continue numbering from last_event_id() + 1")]
    EventIdNotIncreasing {
        /// The refused id.
        id: u64,
        /// The last stored id.
        last: u64,
    },
    /// A number that the database cannot hold (an id above `i64::MAX`).
    #[error("{what} {value} is out of the range the database can store")]
    OutOfRange {
        /// Which value.
        what: &'static str,
        /// The value.
        value: u64,
    },
    /// A stored value that this program cannot read back (a damaged or
    /// foreign database).
    #[error("corrupt value in the store: {0}")]
    Corrupt(String),
    /// The connection was used again while in use (a bug in the caller).
    #[error("store connection busy (re-entrant use)")]
    Busy,
}

impl StoreError {
    /// A stable short key for counting errors by reason.
    pub fn reason(&self) -> &'static str {
        match self {
            StoreError::CreateDir { .. } => "create_dir",
            StoreError::Open { .. } => "open",
            StoreError::Sqlite(_) => "sqlite",
            #[cfg(feature = "postgres")]
            StoreError::Postgres(_) => "postgres",
            StoreError::PostgresNotCompiled => "postgres_not_compiled",
            StoreError::SchemaTooNew { .. } => "schema_too_new",
            StoreError::EventIdNotIncreasing { .. } => "event_id_not_increasing",
            StoreError::OutOfRange { .. } => "out_of_range",
            StoreError::Corrupt(_) => "corrupt",
            StoreError::Busy => "busy",
        }
    }
}

/// The store: one connection to one backend.
///
/// Reads take `&self`, writes `&mut self`; every write is one transaction.
pub trait Store: Send {
    /// `"sqlite"`, `"postgres"` or `"memory"`.
    fn backend(&self) -> &'static str;

    /// Appends events, durably: when this returns `Ok`, the events survive
    /// a crash of the process (and, for SQLite, of the machine). Ids must
    /// strictly increase, within the batch and above
    /// [`last_event_id`](Store::last_event_id); otherwise nothing is stored
    /// and [`StoreError::EventIdNotIncreasing`] is returned.
    ///
    /// Idempotent on keys: an event whose [`StoredEvent::key`] is stored
    /// already (or comes earlier in the batch) is not stored and its id is
    /// listed in [`Appended::duplicates`]; its id is used up all the same
    /// ([`last_event_id`](Store::last_event_id) moves past it).
    fn append_events(&mut self, events: &[StoredEvent]) -> Result<Appended, StoreError>;

    /// The highest event id ever stored (0 for a new store). Never
    /// decreases, even when pruning deleted that event.
    fn last_event_id(&self) -> Result<u64, StoreError>;

    /// Events matching the query (see [`EventQuery`]).
    fn events(&self, q: &EventQuery) -> Result<Vec<StoredEvent>, StoreError>;

    /// One event by id.
    fn event(&self, id: u64) -> Result<Option<StoredEvent>, StoreError>;

    /// Inserts or replaces the latest state of vessels (the last row of an
    /// MMSI in the batch wins).
    fn upsert_vessels(&mut self, vessels: &[VesselRow]) -> Result<(), StoreError>;

    /// One vessel's latest state.
    fn vessel(&self, mmsi: u32) -> Result<Option<VesselRow>, StoreError>;

    /// Every vessel, by MMSI.
    fn vessels(&self) -> Result<Vec<VesselRow>, StoreError>;

    /// Adds track points, down-sampled: a point is kept only if no kept
    /// point of the same vessel lies less than
    /// [`StoreOptions::track_interval_s`] away in time. Returns how many
    /// points were kept. Assumes one connection writes tracks (the
    /// down-sampler remembers the last kept time of each vessel).
    fn append_track(&mut self, points: &[TrackPoint]) -> Result<usize, StoreError>;

    /// Track points of one vessel (see [`TrackQuery`]).
    fn track(&self, q: &TrackQuery) -> Result<Vec<TrackPoint>, StoreError>;

    /// Track points of a time window, ordered by (time, MMSI) (see
    /// [`TrackWindow`]): history read back, a vessel's or the whole
    /// picture's.
    fn track_window(&self, q: &TrackWindow) -> Result<Vec<TrackPoint>, StoreError>;

    /// Records an operator's acknowledgement of an event (the first one
    /// counts). Durable like events.
    fn acknowledge(&mut self, ack: &Acknowledgement) -> Result<AckOutcome, StoreError>;

    /// Acknowledgements of these events (only those acknowledged), by
    /// event id.
    fn acknowledgements(&self, event_ids: &[u64]) -> Result<Vec<Acknowledgement>, StoreError>;

    /// Deletes track points, and optionally events and vessels, older than
    /// the retention at `now_ms`. Call it often (every minute or so) so
    /// that each run is short: it holds the write lock while it runs.
    fn prune(&mut self, now_ms: i64, retention: &Retention) -> Result<PruneStats, StoreError>;

    /// Stores a named document (zones, hazards GeoJSON), replacing any
    /// previous one. Durable like events.
    fn put_document(&mut self, name: &str, json: &str) -> Result<(), StoreError>;

    /// A named document.
    fn document(&self, name: &str) -> Result<Option<String>, StoreError>;

    /// Deletes a named document; `false` if there was none.
    fn delete_document(&mut self, name: &str) -> Result<bool, StoreError>;

    /// Names of every document, sorted.
    fn document_names(&self) -> Result<Vec<String>, StoreError>;

    /// `true` when the connection is known to be unusable (a PostgreSQL
    /// connection closed by the server); reopen with [`open`].
    fn is_closed(&self) -> bool {
        false
    }
}

/// Where a store lives, parsed from a location string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A data directory holding [`DB_FILE_NAME`].
    Sqlite(PathBuf),
    /// A PostgreSQL connection URL.
    Postgres(String),
    /// The name of a memory store (`memory:NAME`, see [`MemoryStore`]).
    Memory(String),
}

impl Location {
    /// `postgres://...` or `postgresql://...` is PostgreSQL; `memory:NAME`
    /// the memory store `NAME`; anything else is a SQLite data directory.
    pub fn parse(url_or_dir: &str) -> Location {
        if url_or_dir.starts_with("postgres://") || url_or_dir.starts_with("postgresql://") {
            Location::Postgres(url_or_dir.to_owned())
        } else if let Some(name) = url_or_dir.strip_prefix(MEMORY_PREFIX) {
            Location::Memory(name.to_owned())
        } else {
            Location::Sqlite(PathBuf::from(url_or_dir))
        }
    }
}

/// The prefix of a memory store's location: `memory:NAME`.
pub const MEMORY_PREFIX: &str = "memory:";

/// The suffix [`open_state`] appends to a memory store's name: the states
/// of `memory:NAME` are in the memory store `NAME#state`.
pub const MEMORY_STATE_SUFFIX: &str = "#state";

/// Opens (creating if needed) the store at a location: `postgres://...`
/// for PostgreSQL, `memory:NAME` for the memory store `NAME` (shared by
/// every handle of that name in the process), anything else a SQLite data
/// directory (created if missing).
pub fn open(url_or_dir: &str, options: &StoreOptions) -> Result<Box<dyn Store>, StoreError> {
    open_location(&Location::parse(url_or_dir), options)
}

/// Opens (creating if needed) the store at a parsed location.
pub fn open_location(
    location: &Location,
    options: &StoreOptions,
) -> Result<Box<dyn Store>, StoreError> {
    match location {
        Location::Sqlite(dir) => Ok(Box::new(SqliteStore::open(dir, options)?)),
        #[cfg(feature = "postgres")]
        Location::Postgres(url) => Ok(Box::new(PostgresStore::connect(url, options)?)),
        #[cfg(not(feature = "postgres"))]
        Location::Postgres(_) => Err(StoreError::PostgresNotCompiled),
        Location::Memory(name) => Ok(Box::new(MemoryStore::open(name, options))),
    }
}

/// Opens a second store for the vessel states and tracks a live server
/// writes all the time, so that those writes never share a lock, a
/// write-ahead log or an `fsync` with the events: in a SQLite data
/// directory its own database file ([`STATE_DB_FILE_NAME`]); for
/// PostgreSQL another connection to the same database; for `memory:NAME`
/// the memory store `NAME#state` ([`MEMORY_STATE_SUFFIX`]).
pub fn open_state(url_or_dir: &str, options: &StoreOptions) -> Result<Box<dyn Store>, StoreError> {
    match Location::parse(url_or_dir) {
        Location::Sqlite(dir) => Ok(Box::new(SqliteStore::open_file(
            &dir,
            STATE_DB_FILE_NAME,
            options,
        )?)),
        Location::Memory(name) => Ok(Box::new(MemoryStore::open(
            &format!("{name}{MEMORY_STATE_SUFFIX}"),
            options,
        ))),
        location => open_location(&location, options),
    }
}

/// A small pool of connections to one store, for readers on many threads
/// (`Sync`; share it in an `Arc`). Connections are opened on demand and at
/// most `max_idle` are kept between uses. Pooled connections may write too
/// (acknowledgements, documents); tracks should be written by one
/// connection only.
pub struct StorePool {
    location: Location,
    options: StoreOptions,
    max_idle: usize,
    idle: Mutex<Vec<Box<dyn Store>>>,
}

impl StorePool {
    /// A pool for the store at `url_or_dir` (see [`open`]). Opens nothing
    /// yet.
    pub fn new(url_or_dir: &str, options: &StoreOptions, max_idle: usize) -> StorePool {
        StorePool {
            location: Location::parse(url_or_dir),
            options: *options,
            max_idle,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// A connection: an idle one, or a new one.
    pub fn get(&self) -> Result<PooledStore<'_>, StoreError> {
        let idle = {
            let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
            idle.pop()
        };
        let store = match idle {
            Some(s) if !s.is_closed() => s,
            _ => open_location(&self.location, &self.options)?,
        };
        Ok(PooledStore {
            pool: self,
            store: Some(store),
        })
    }
}

impl std::fmt::Debug for StorePool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StorePool")
            .field("location", &self.location)
            .field("max_idle", &self.max_idle)
            .finish_non_exhaustive()
    }
}

/// A connection borrowed from a [`StorePool`]; goes back to the pool when
/// dropped.
pub struct PooledStore<'a> {
    pool: &'a StorePool,
    store: Option<Box<dyn Store>>,
}

impl PooledStore<'_> {
    fn inner(&self) -> &(dyn Store + 'static) {
        match &self.store {
            Some(s) => s.as_ref(),
            // Only `Drop` takes the store out.
            None => unreachable_store(),
        }
    }
}

#[cold]
fn unreachable_store() -> ! {
    unreachable!("PooledStore used after drop")
}

impl Deref for PooledStore<'_> {
    type Target = dyn Store;
    fn deref(&self) -> &Self::Target {
        self.inner()
    }
}

impl DerefMut for PooledStore<'_> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match &mut self.store {
            Some(s) => s.as_mut(),
            None => unreachable_store(),
        }
    }
}

impl Drop for PooledStore<'_> {
    fn drop(&mut self) {
        if let Some(s) = self.store.take() {
            if !s.is_closed() {
                let mut idle = self.pool.idle.lock().unwrap_or_else(|e| e.into_inner());
                if idle.len() < self.pool.max_idle {
                    idle.push(s);
                }
            }
        }
    }
}

/// Converts an id to the database's signed 64-bit integer.
pub(crate) fn id_to_i64(what: &'static str, id: u64) -> Result<i64, StoreError> {
    i64::try_from(id).map_err(|_| StoreError::OutOfRange { what, value: id })
}

/// Converts a database integer back to an id.
pub(crate) fn i64_to_u64(what: &str, v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::Corrupt(format!("{what} {v}")))
}

/// Converts a database integer back to an MMSI.
pub(crate) fn i64_to_mmsi(v: i64) -> Result<u32, StoreError> {
    u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("mmsi {v}")))
}

/// Comma-separated MMSIs (the `events.mmsis` column).
pub(crate) fn mmsis_to_text(mmsis: &[u32]) -> String {
    let mut s = String::with_capacity(mmsis.len() * 10);
    for (i, m) in mmsis.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&m.to_string());
    }
    s
}

/// Parses the `events.mmsis` column.
pub(crate) fn mmsis_from_text(s: &str) -> Result<Vec<u32>, StoreError> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    s.split(',')
        .map(|p| {
            p.parse::<u32>()
                .map_err(|_| StoreError::Corrupt(format!("mmsis {s:?}")))
        })
        .collect()
}

/// Sorted, deduplicated MMSIs of an event.
pub(crate) fn normalised_mmsis(mmsis: &[u32]) -> Vec<u32> {
    let mut m = mmsis.to_vec();
    m.sort_unstable();
    m.dedup();
    m
}

/// Seconds to milliseconds; non-finite or negative gives 0, huge values
/// saturate.
pub(crate) fn seconds_to_ms(s: f64) -> i64 {
    if s.is_finite() && s > 0.0 {
        let ms = (s * 1000.0).round();
        if ms >= i64::MAX as f64 {
            i64::MAX
        } else {
            ms as i64
        }
    } else {
        0
    }
}

/// The limit as a database integer.
pub(crate) fn limit_i64(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mmsis_found_everywhere() {
        let j = r#"{"id":3,"kind":"risk.raised","vessels":[{"mmsi":2},{"mmsi":1}],
            "advice":[{"mmsi":2}],"hazard":{"mmsi":992000001},"x":{"mmsi":-1},"y":{"mmsi":5000000000}}"#;
        assert_eq!(mmsis_in_json(j), vec![1, 2, 992000001]);
        assert!(mmsis_in_json("not json").is_empty());
    }

    #[test]
    fn mmsi_text_round_trip() {
        for v in [vec![], vec![1], vec![1, 22, 333]] {
            assert_eq!(mmsis_from_text(&mmsis_to_text(&v)).ok(), Some(v));
        }
        assert!(mmsis_from_text("1,x").is_err());
    }

    #[test]
    fn seconds() {
        assert_eq!(seconds_to_ms(1.5), 1500);
        assert_eq!(seconds_to_ms(f64::NAN), 0);
        assert_eq!(seconds_to_ms(-3.0), 0);
        assert_eq!(seconds_to_ms(1e300), i64::MAX);
    }

    #[test]
    fn locations() {
        assert!(matches!(
            Location::parse("postgres://u@h/db"),
            Location::Postgres(_)
        ));
        assert!(matches!(
            Location::parse("postgresql://h/db"),
            Location::Postgres(_)
        ));
        assert!(matches!(
            Location::parse("/var/lib/finisterra"),
            Location::Sqlite(_)
        ));
        assert_eq!(
            Location::parse("memory:live"),
            Location::Memory("live".into())
        );
        assert!(matches!(Location::parse("./memory:x"), Location::Sqlite(_)));
    }

    #[test]
    fn memory_state_is_a_separate_store() {
        let opts = StoreOptions::default();
        let mut events = open("memory:lib-state-test", &opts).expect("open");
        let mut state = open_state("memory:lib-state-test", &opts).expect("open state");
        assert_eq!(events.backend(), "memory");
        assert!(events.put_document("d", "1").is_ok());
        assert_eq!(state.document("d").ok(), Some(None));
        assert!(state.put_document("d", "2").is_ok());
        let again = open_state("memory:lib-state-test", &opts).expect("reopen state");
        assert_eq!(again.document("d").ok(), Some(Some("2".into())));
    }
}

//! The SQLite backend: one database file in a data directory, WAL mode.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::types::Value;
use rusqlite::{
    params, params_from_iter, Connection, OpenFlags, OptionalExtension, TransactionBehavior,
};

use crate::downsample::{Decision, Downsampler};
use crate::{
    i64_to_mmsi, i64_to_u64, id_to_i64, limit_i64, mmsis_from_text, mmsis_to_text,
    normalised_mmsis, seconds_to_ms, AckOutcome, Acknowledgement, Appended, EventQuery, PruneStats,
    Retention, Store, StoreError, StoreOptions, StoredEvent, TrackPoint, TrackQuery, TrackWindow,
    VesselRow, SCHEMA_VERSION,
};

/// Name of the database file inside the data directory.
pub const DB_FILE_NAME: &str = "finisterra.db";

/// The file a live server keeps vessel states and tracks in, beside
/// [`DB_FILE_NAME`] (see [`crate::open_state`]).
pub const STATE_DB_FILE_NAME: &str = "state.db";

/// Schema version 1 (SQLite). Mirrors the PostgreSQL schema in `pg.rs`.
const SCHEMA_V1: &str = "
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    time_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    mmsis TEXT NOT NULL,
    json TEXT NOT NULL
);
CREATE INDEX events_time ON events (time_ms);
CREATE INDEX events_kind ON events (kind, id);
CREATE TABLE event_vessels (
    event_id INTEGER NOT NULL,
    mmsi INTEGER NOT NULL,
    PRIMARY KEY (event_id, mmsi)
) WITHOUT ROWID;
CREATE INDEX event_vessels_mmsi ON event_vessels (mmsi, event_id);
CREATE TABLE acknowledgements (
    event_id INTEGER PRIMARY KEY,
    acked_by TEXT NOT NULL,
    time_ms INTEGER NOT NULL,
    note TEXT
);
CREATE TABLE vessels (
    mmsi INTEGER PRIMARY KEY,
    time_ms INTEGER NOT NULL,
    lat_deg REAL,
    lon_deg REAL,
    name TEXT,
    ship_type INTEGER,
    json TEXT NOT NULL
);
CREATE INDEX vessels_time ON vessels (time_ms);
CREATE TABLE track (
    mmsi INTEGER NOT NULL,
    time_ms INTEGER NOT NULL,
    lat_deg REAL NOT NULL,
    lon_deg REAL NOT NULL,
    sog_kn REAL,
    cog_deg REAL,
    heading_deg REAL,
    PRIMARY KEY (mmsi, time_ms)
) WITHOUT ROWID;
CREATE INDEX track_time ON track (time_ms);
CREATE TABLE documents (name TEXT PRIMARY KEY, json TEXT NOT NULL);
INSERT INTO counters (name, value) VALUES ('last_event_id', 0);
";

/// Schema version 2: events keep their key (a distributed run's
/// deterministic key), unique when present (SQLite's unique indexes let
/// NULLs repeat, as PostgreSQL's do).
const SCHEMA_V2: &str = "
ALTER TABLE events ADD COLUMN key TEXT;
CREATE UNIQUE INDEX events_key ON events (key);
INSERT INTO schema_version (version) VALUES (2);
";

/// A connection to a SQLite store.
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    downsampler: Downsampler,
    /// Current `PRAGMA synchronous`: `true` FULL, `false` NORMAL.
    full_sync: bool,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating the directory and the database if needed) the store
    /// in data directory `dir`.
    pub fn open(dir: &Path, options: &StoreOptions) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_file(dir, DB_FILE_NAME, options)
    }

    /// Opens (creating the directory and the database if needed) the
    /// database `file_name` in data directory `dir`.
    pub fn open_file(
        dir: &Path,
        file_name: &str,
        options: &StoreOptions,
    ) -> Result<SqliteStore, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join(file_name);
        let open_err = |source| StoreError::Open {
            path: path.clone(),
            source,
        };
        let mut conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(open_err)?;
        conn.busy_timeout(Duration::from_millis(options.busy_timeout_ms))
            .map_err(open_err)?;
        conn.set_prepared_statement_cache_capacity(64);
        // Reading the header here turns a damaged or foreign file into an
        // error at open, not at the first write.
        let _mode: String = conn
            .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
            .map_err(open_err)?;
        conn.execute_batch("PRAGMA synchronous=FULL")
            .map_err(open_err)?;
        ensure_schema(&mut conn).map_err(|e| match e {
            StoreError::Sqlite(source) => open_err(source),
            e => e,
        })?;
        Ok(SqliteStore {
            conn,
            path,
            downsampler: Downsampler::new(seconds_to_ms(options.track_interval_s)),
            full_sync: true,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn set_full_sync(&mut self, full: bool) -> Result<(), StoreError> {
        if self.full_sync != full {
            self.conn.execute_batch(if full {
                "PRAGMA synchronous=FULL"
            } else {
                "PRAGMA synchronous=NORMAL"
            })?;
            self.full_sync = full;
        }
        Ok(())
    }
}

fn schema_version(conn: &Connection) -> Result<Option<i64>, StoreError> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version')",
        [],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(None);
    }
    let v: Option<i64> =
        conn.query_row("SELECT max(version) FROM schema_version", [], |r| r.get(0))?;
    match v {
        Some(v) => Ok(Some(v)),
        None => Err(StoreError::Corrupt("empty schema_version table".into())),
    }
}

fn check_version(v: i64) -> Result<(), StoreError> {
    if v > SCHEMA_VERSION {
        Err(StoreError::SchemaTooNew {
            found: v,
            supported: SCHEMA_VERSION,
        })
    } else if v < 1 {
        Err(StoreError::Corrupt(format!("schema version {v}")))
    } else {
        Ok(())
    }
}

fn ensure_schema(conn: &mut Connection) -> Result<(), StoreError> {
    if let Some(v) = schema_version(conn)? {
        check_version(v)?;
        if v == SCHEMA_VERSION {
            return Ok(());
        }
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Another connection may have created or migrated it meanwhile.
    let v = match schema_version(&tx)? {
        Some(v) => v,
        None => {
            tx.execute_batch(SCHEMA_V1)?;
            tx.execute("INSERT INTO schema_version (version) VALUES (1)", [])?;
            1
        }
    };
    check_version(v)?;
    if v < 2 {
        tx.execute_batch(SCHEMA_V2)?;
    }
    tx.commit()?;
    Ok(())
}

/// A non-finite value becomes NULL (SQLite would do so anyway; PostgreSQL
/// would keep NaN): both backends read back `None`.
pub(crate) fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

type EventRaw = (i64, i64, String, String, String, Option<String>);

fn event_from_raw(
    (id, time_ms, kind, mmsis, json, key): EventRaw,
) -> Result<StoredEvent, StoreError> {
    Ok(StoredEvent {
        id: i64_to_u64("event id", id)?,
        time_ms,
        kind,
        mmsis: mmsis_from_text(&mmsis)?,
        json,
        key,
    })
}

fn event_raw(r: &rusqlite::Row<'_>) -> rusqlite::Result<EventRaw> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

type VesselRaw = (
    i64,
    i64,
    Option<f64>,
    Option<f64>,
    Option<String>,
    Option<i64>,
    String,
);

fn vessel_raw(r: &rusqlite::Row<'_>) -> rusqlite::Result<VesselRaw> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn vessel_from_raw(
    (mmsi, time_ms, lat_deg, lon_deg, name, ship_type, json): VesselRaw,
) -> Result<VesselRow, StoreError> {
    Ok(VesselRow {
        mmsi: i64_to_mmsi(mmsi)?,
        time_ms,
        lat_deg,
        lon_deg,
        name,
        ship_type: match ship_type {
            None => None,
            Some(t) => {
                Some(u8::try_from(t).map_err(|_| StoreError::Corrupt(format!("ship type {t}")))?)
            }
        },
        json,
    })
}

const VESSEL_COLUMNS: &str = "mmsi, time_ms, lat_deg, lon_deg, name, ship_type, json";

/// Ids in an `IN (...)` list per statement.
const IN_CHUNK: usize = 500;

impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn append_events(&mut self, events: &[StoredEvent]) -> Result<Appended, StoreError> {
        if events.is_empty() {
            return Ok(Appended::default());
        }
        self.set_full_sync(true)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut out = Appended::default();
        {
            let last: i64 = tx.query_row(
                "SELECT value FROM counters WHERE name = 'last_event_id'",
                [],
                |r| r.get(0),
            )?;
            let mut last = i64_to_u64("last event id", last)?;
            // A key stored already: nothing happens, and it is said.
            let mut insert = tx.prepare_cached(
                "INSERT INTO events (id, time_ms, kind, mmsis, json, key) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (key) DO NOTHING",
            )?;
            let mut insert_vessel =
                tx.prepare_cached("INSERT INTO event_vessels (event_id, mmsi) VALUES (?1, ?2)")?;
            for e in events {
                if e.id <= last {
                    return Err(StoreError::EventIdNotIncreasing { id: e.id, last });
                }
                let id = id_to_i64("event id", e.id)?;
                last = e.id;
                let mmsis = normalised_mmsis(&e.mmsis);
                let inserted = insert.execute(params![
                    id,
                    e.time_ms,
                    e.kind,
                    mmsis_to_text(&mmsis),
                    e.json,
                    e.key
                ])?;
                if inserted == 0 {
                    out.duplicates.push(e.id);
                    continue;
                }
                out.stored += 1;
                for m in mmsis {
                    insert_vessel.execute(params![id, m])?;
                }
            }
            tx.execute(
                "UPDATE counters SET value = ?1 WHERE name = 'last_event_id'",
                [id_to_i64("event id", last)?],
            )?;
        }
        tx.commit()?;
        Ok(out)
    }

    fn last_event_id(&self) -> Result<u64, StoreError> {
        let v: i64 = self.conn.query_row(
            "SELECT value FROM counters WHERE name = 'last_event_id'",
            [],
            |r| r.get(0),
        )?;
        i64_to_u64("last event id", v)
    }

    fn events(&self, q: &EventQuery) -> Result<Vec<StoredEvent>, StoreError> {
        let mut sql = String::from(
            "SELECT e.id, e.time_ms, e.kind, e.mmsis, e.json, e.key FROM events e WHERE e.id > ?",
        );
        let mut args: Vec<Value> = vec![Value::Integer(
            i64::try_from(q.since_id).unwrap_or(i64::MAX),
        )];
        if let Some(b) = q.before_id {
            sql.push_str(" AND e.id < ?");
            args.push(Value::Integer(i64::try_from(b).unwrap_or(i64::MAX)));
        }
        if !q.kinds.is_empty() {
            sql.push_str(" AND e.kind IN (");
            for (i, k) in q.kinds.iter().enumerate() {
                sql.push_str(if i == 0 { "?" } else { ", ?" });
                args.push(Value::Text(k.clone()));
            }
            sql.push(')');
        }
        if let Some(m) = q.mmsi {
            sql.push_str(" AND e.id IN (SELECT event_id FROM event_vessels WHERE mmsi = ?)");
            args.push(Value::Integer(i64::from(m)));
        }
        if let Some(t) = q.from_ms {
            sql.push_str(" AND e.time_ms >= ?");
            args.push(Value::Integer(t));
        }
        if let Some(t) = q.to_ms {
            sql.push_str(" AND e.time_ms < ?");
            args.push(Value::Integer(t));
        }
        match q.acknowledged {
            Some(true) => sql
                .push_str(" AND EXISTS (SELECT 1 FROM acknowledgements a WHERE a.event_id = e.id)"),
            Some(false) => sql.push_str(
                " AND NOT EXISTS (SELECT 1 FROM acknowledgements a WHERE a.event_id = e.id)",
            ),
            None => {}
        }
        sql.push_str(if q.newest_first {
            " ORDER BY e.id DESC LIMIT ?"
        } else {
            " ORDER BY e.id ASC LIMIT ?"
        });
        args.push(Value::Integer(limit_i64(q.limit)));
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let raw = stmt
            .query_map(params_from_iter(args), event_raw)?
            .collect::<Result<Vec<_>, _>>()?;
        raw.into_iter().map(event_from_raw).collect()
    }

    fn event(&self, id: u64) -> Result<Option<StoredEvent>, StoreError> {
        let Ok(id) = i64::try_from(id) else {
            return Ok(None);
        };
        let raw = self
            .conn
            .prepare_cached("SELECT id, time_ms, kind, mmsis, json, key FROM events WHERE id = ?1")?
            .query_row([id], event_raw)
            .optional()?;
        raw.map(event_from_raw).transpose()
    }

    fn upsert_vessels(&mut self, vessels: &[VesselRow]) -> Result<(), StoreError> {
        if vessels.is_empty() {
            return Ok(());
        }
        self.set_full_sync(false)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut upsert = tx.prepare_cached(
                "INSERT INTO vessels (mmsi, time_ms, lat_deg, lon_deg, name, ship_type, json)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (mmsi) DO UPDATE SET time_ms = excluded.time_ms,
                    lat_deg = excluded.lat_deg, lon_deg = excluded.lon_deg, name = excluded.name,
                    ship_type = excluded.ship_type, json = excluded.json",
            )?;
            for v in vessels {
                upsert.execute(params![
                    v.mmsi,
                    v.time_ms,
                    finite(v.lat_deg),
                    finite(v.lon_deg),
                    v.name,
                    v.ship_type,
                    v.json
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn vessel(&self, mmsi: u32) -> Result<Option<VesselRow>, StoreError> {
        let raw = self
            .conn
            .prepare_cached(&format!(
                "SELECT {VESSEL_COLUMNS} FROM vessels WHERE mmsi = ?1"
            ))?
            .query_row([mmsi], vessel_raw)
            .optional()?;
        raw.map(vessel_from_raw).transpose()
    }

    fn vessels(&self) -> Result<Vec<VesselRow>, StoreError> {
        let raw = self
            .conn
            .prepare_cached(&format!(
                "SELECT {VESSEL_COLUMNS} FROM vessels ORDER BY mmsi"
            ))?
            .query_map([], vessel_raw)?
            .collect::<Result<Vec<_>, _>>()?;
        raw.into_iter().map(vessel_from_raw).collect()
    }

    fn append_track(&mut self, points: &[TrackPoint]) -> Result<usize, StoreError> {
        if points.is_empty() {
            return Ok(0);
        }
        self.set_full_sync(false)?;
        let SqliteStore {
            conn, downsampler, ..
        } = self;
        let result = append_track_tx(conn, downsampler, points);
        if result.is_err() {
            downsampler.clear();
        }
        result
    }

    fn track(&self, q: &TrackQuery) -> Result<Vec<TrackPoint>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT time_ms, lat_deg, lon_deg, sog_kn, cog_deg, heading_deg FROM track
             WHERE mmsi = ?1 AND time_ms >= ?2 AND time_ms < ?3 ORDER BY time_ms DESC LIMIT ?4",
        )?;
        let mut points = stmt
            .query_map(
                params![
                    q.mmsi,
                    q.from_ms,
                    q.to_ms.unwrap_or(i64::MAX),
                    limit_i64(q.limit)
                ],
                |r| {
                    Ok(TrackPoint {
                        mmsi: q.mmsi,
                        time_ms: r.get(0)?,
                        lat_deg: r.get(1)?,
                        lon_deg: r.get(2)?,
                        sog_kn: r.get(3)?,
                        cog_deg: r.get(4)?,
                        heading_deg: r.get(5)?,
                    })
                },
            )?
            .collect::<Result<Vec<_>, _>>()?;
        points.reverse();
        Ok(points)
    }

    fn track_window(&self, q: &TrackWindow) -> Result<Vec<TrackPoint>, StoreError> {
        if q.limit == 0 || q.from_ms >= q.to_ms {
            return Ok(Vec::new());
        }
        let mut sql = String::from(
            "SELECT mmsi, time_ms, lat_deg, lon_deg, sog_kn, cog_deg, heading_deg FROM track
             WHERE time_ms >= ? AND time_ms < ?",
        );
        let mut args: Vec<Value> = vec![Value::Integer(q.from_ms), Value::Integer(q.to_ms)];
        if let Some(m) = q.mmsi {
            sql.push_str(" AND mmsi = ?");
            args.push(Value::Integer(i64::from(m)));
        }
        if let Some((t, m)) = q.after {
            sql.push_str(" AND (time_ms > ? OR (time_ms = ? AND mmsi > ?))");
            args.extend([
                Value::Integer(t),
                Value::Integer(t),
                Value::Integer(i64::from(m)),
            ]);
        }
        if let Some((w, so, e, n)) = q.bbox {
            sql.push_str(" AND lat_deg >= ? AND lat_deg <= ?");
            args.extend([Value::Real(so), Value::Real(n)]);
            sql.push_str(if w <= e {
                " AND lon_deg >= ? AND lon_deg <= ?"
            } else {
                " AND (lon_deg >= ? OR lon_deg <= ?)"
            });
            args.extend([Value::Real(w), Value::Real(e)]);
        }
        sql.push_str(" ORDER BY time_ms, mmsi LIMIT ?");
        args.push(Value::Integer(limit_i64(q.limit)));
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let points = stmt
            .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    TrackPoint {
                        mmsi: 0,
                        time_ms: r.get(1)?,
                        lat_deg: r.get(2)?,
                        lon_deg: r.get(3)?,
                        sog_kn: r.get(4)?,
                        cog_deg: r.get(5)?,
                        heading_deg: r.get(6)?,
                    },
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        points
            .into_iter()
            .map(|(m, p)| {
                Ok(TrackPoint {
                    mmsi: i64_to_mmsi(m)?,
                    ..p
                })
            })
            .collect()
    }

    fn acknowledge(&mut self, ack: &Acknowledgement) -> Result<AckOutcome, StoreError> {
        let Ok(id) = i64::try_from(ack.event_id) else {
            return Ok(AckOutcome::NoSuchEvent);
        };
        self.set_full_sync(true)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM events WHERE id = ?1)",
            [id],
            |r| r.get(0),
        )?;
        if !exists {
            return Ok(AckOutcome::NoSuchEvent);
        }
        let n = tx.execute(
            "INSERT INTO acknowledgements (event_id, acked_by, time_ms, note) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (event_id) DO NOTHING",
            params![id, ack.by, ack.time_ms, ack.note],
        )?;
        tx.commit()?;
        Ok(if n == 1 {
            AckOutcome::Acknowledged
        } else {
            AckOutcome::AlreadyAcknowledged
        })
    }

    fn acknowledgements(&self, event_ids: &[u64]) -> Result<Vec<Acknowledgement>, StoreError> {
        let ids: Vec<i64> = event_ids
            .iter()
            .filter_map(|&i| i64::try_from(i).ok())
            .collect();
        let mut out = Vec::new();
        for chunk in ids.chunks(IN_CHUNK) {
            let mut sql = String::from(
                "SELECT event_id, acked_by, time_ms, note FROM acknowledgements WHERE event_id IN (",
            );
            for i in 0..chunk.len() {
                sql.push_str(if i == 0 { "?" } else { ", ?" });
            }
            sql.push(')');
            let mut stmt = self.conn.prepare(&sql)?;
            let rows = stmt
                .query_map(params_from_iter(chunk), |r| {
                    Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            for (id, by, time_ms, note) in rows {
                out.push(Acknowledgement {
                    event_id: i64_to_u64("event id", id)?,
                    by,
                    time_ms,
                    note,
                });
            }
        }
        out.sort_by_key(|a| a.event_id);
        out.dedup_by_key(|a| a.event_id);
        Ok(out)
    }

    fn prune(&mut self, now_ms: i64, retention: &Retention) -> Result<PruneStats, StoreError> {
        self.set_full_sync(false)?;
        let mut stats = PruneStats::default();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let cut = now_ms.saturating_sub(seconds_to_ms(retention.track_s));
        stats.track_points = tx.execute("DELETE FROM track WHERE time_ms < ?1", [cut])? as u64;
        if let Some(s) = retention.events_s {
            let cut = now_ms.saturating_sub(seconds_to_ms(s));
            tx.execute(
                "DELETE FROM event_vessels WHERE event_id IN (SELECT id FROM events WHERE time_ms < ?1)",
                [cut],
            )?;
            tx.execute(
                "DELETE FROM acknowledgements WHERE event_id IN (SELECT id FROM events WHERE time_ms < ?1)",
                [cut],
            )?;
            stats.events = tx.execute("DELETE FROM events WHERE time_ms < ?1", [cut])? as u64;
        }
        if let Some(s) = retention.vessels_s {
            let cut = now_ms.saturating_sub(seconds_to_ms(s));
            stats.vessels = tx.execute("DELETE FROM vessels WHERE time_ms < ?1", [cut])? as u64;
        }
        tx.commit()?;
        self.downsampler.clear();
        Ok(stats)
    }

    fn put_document(&mut self, name: &str, json: &str) -> Result<(), StoreError> {
        self.set_full_sync(true)?;
        self.conn.execute(
            "INSERT INTO documents (name, json) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET json = excluded.json",
            params![name, json],
        )?;
        Ok(())
    }

    fn document(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT json FROM documents WHERE name = ?1")?
            .query_row([name], |r| r.get(0))
            .optional()?)
    }

    fn delete_document(&mut self, name: &str) -> Result<bool, StoreError> {
        self.set_full_sync(true)?;
        Ok(self
            .conn
            .execute("DELETE FROM documents WHERE name = ?1", [name])?
            > 0)
    }

    fn document_names(&self) -> Result<Vec<String>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT name FROM documents ORDER BY name")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<Vec<_>, _>>()?)
    }
}

fn append_track_tx(
    conn: &mut Connection,
    downsampler: &mut Downsampler,
    points: &[TrackPoint],
) -> Result<usize, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut kept = 0;
    {
        let mut newest = tx.prepare_cached("SELECT max(time_ms) FROM track WHERE mmsi = ?1")?;
        let mut near = tx.prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM track WHERE mmsi = ?1 AND time_ms > ?2 AND time_ms < ?3)",
        )?;
        let mut insert = tx.prepare_cached(
            "INSERT INTO track (mmsi, time_ms, lat_deg, lon_deg, sog_kn, cog_deg, heading_deg)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
        )?;
        let w = downsampler.probe_window_ms();
        for p in points {
            if !(p.lat_deg.is_finite() && p.lon_deg.is_finite()) {
                continue;
            }
            if downsampler.needs(p.mmsi) {
                let t: Option<i64> = newest.query_row([p.mmsi], |r| r.get(0))?;
                downsampler.learn(p.mmsi, t);
            }
            let keep = match downsampler.decide(p.mmsi, p.time_ms) {
                Decision::Keep => true,
                Decision::Drop => false,
                Decision::Probe => {
                    let found: bool = near.query_row(
                        params![
                            p.mmsi,
                            p.time_ms.saturating_sub(w),
                            p.time_ms.saturating_add(w)
                        ],
                        |r| r.get(0),
                    )?;
                    !found
                }
            };
            if keep {
                let n = insert.execute(params![
                    p.mmsi,
                    p.time_ms,
                    p.lat_deg,
                    p.lon_deg,
                    finite(p.sog_kn),
                    finite(p.cog_deg),
                    finite(p.heading_deg)
                ])?;
                downsampler.kept(p.mmsi, p.time_ms);
                kept += n;
            }
        }
    }
    tx.commit()?;
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn synchronous(s: &SqliteStore) -> i64 {
        s.conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap_or(-1)
    }

    #[test]
    fn events_are_committed_with_full_sync_tracks_with_normal() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut s = SqliteStore::open(dir.path(), &StoreOptions::default()).expect("open");
        let mode: String = s
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .expect("journal mode");
        assert_eq!(mode, "wal");
        let p = TrackPoint {
            mmsi: 1,
            time_ms: 0,
            lat_deg: 1.0,
            lon_deg: 2.0,
            sog_kn: None,
            cog_deg: None,
            heading_deg: None,
        };
        s.append_track(&[p]).expect("track");
        assert_eq!(synchronous(&s), 1, "NORMAL for tracks");
        let e = StoredEvent::from_json(1, 0, "distress", r#"{"mmsi":1}"#);
        s.append_events(&[e]).expect("events");
        assert_eq!(synchronous(&s), 2, "FULL for events");
        s.upsert_vessels(&[]).expect("nothing");
        assert_eq!(synchronous(&s), 2, "an empty call changes nothing");
        let ack = Acknowledgement {
            event_id: 1,
            by: "x".into(),
            time_ms: 0,
            note: None,
        };
        s.append_track(&[TrackPoint {
            time_ms: 60_000,
            ..p
        }])
        .expect("track");
        assert_eq!(s.acknowledge(&ack).expect("ack"), AckOutcome::Acknowledged);
        assert_eq!(synchronous(&s), 2, "FULL for acknowledgements");
    }
}

//! The PostgreSQL backend: the same schema as SQLite, batches sent as
//! arrays (`unnest`) so that a call is a handful of round trips whatever
//! its size.

use std::cell::RefCell;
use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use postgres::types::ToSql;
use postgres::{Client, NoTls, Statement};

use crate::downsample::{Decision, Downsampler};
use crate::sqlite::finite;
use crate::{
    i64_to_mmsi, i64_to_u64, id_to_i64, limit_i64, mmsis_from_text, mmsis_to_text,
    normalised_mmsis, seconds_to_ms, AckOutcome, Acknowledgement, Appended, EventQuery, PruneStats,
    Retention, Store, StoreError, StoreOptions, StoredEvent, TrackPoint, TrackQuery, TrackWindow,
    VesselRow, SCHEMA_VERSION,
};

/// Schema version 1 (PostgreSQL). Mirrors the SQLite schema in `sqlite.rs`.
const SCHEMA_V1: &str = "
CREATE TABLE schema_version (version BIGINT NOT NULL);
CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
CREATE TABLE events (
    id BIGINT PRIMARY KEY,
    time_ms BIGINT NOT NULL,
    kind TEXT NOT NULL,
    mmsis TEXT NOT NULL,
    json TEXT NOT NULL
);
CREATE INDEX events_time ON events (time_ms);
CREATE INDEX events_kind ON events (kind, id);
CREATE TABLE event_vessels (
    event_id BIGINT NOT NULL,
    mmsi BIGINT NOT NULL,
    PRIMARY KEY (event_id, mmsi)
);
CREATE INDEX event_vessels_mmsi ON event_vessels (mmsi, event_id);
CREATE TABLE acknowledgements (
    event_id BIGINT PRIMARY KEY,
    acked_by TEXT NOT NULL,
    time_ms BIGINT NOT NULL,
    note TEXT
);
CREATE TABLE vessels (
    mmsi BIGINT PRIMARY KEY,
    time_ms BIGINT NOT NULL,
    lat_deg DOUBLE PRECISION,
    lon_deg DOUBLE PRECISION,
    name TEXT,
    ship_type SMALLINT,
    json TEXT NOT NULL
);
CREATE INDEX vessels_time ON vessels (time_ms);
CREATE TABLE track (
    mmsi BIGINT NOT NULL,
    time_ms BIGINT NOT NULL,
    lat_deg DOUBLE PRECISION NOT NULL,
    lon_deg DOUBLE PRECISION NOT NULL,
    sog_kn DOUBLE PRECISION,
    cog_deg DOUBLE PRECISION,
    heading_deg DOUBLE PRECISION,
    PRIMARY KEY (mmsi, time_ms)
);
CREATE INDEX track_time ON track (time_ms);
CREATE TABLE documents (name TEXT PRIMARY KEY, json TEXT NOT NULL);
INSERT INTO counters (name, value) VALUES ('last_event_id', 0);
";

/// Schema version 2: events keep their key, unique when present (NULLs
/// may repeat). Mirrors `sqlite.rs`.
const SCHEMA_V2: &str = "
ALTER TABLE events ADD COLUMN key TEXT;
CREATE UNIQUE INDEX events_key ON events (key);
INSERT INTO schema_version (version) VALUES (2);
";

/// Advisory lock key serialising schema creation between connections.
const SCHEMA_LOCK_KEY: i64 = 0x4649_4e49_5354_4552; // "FINISTER"

/// Statements prepared once per connection.
struct Prepared {
    last_event_id: Statement,
    last_event_id_for_update: Statement,
    set_last_event_id: Statement,
    insert_events: Statement,
    insert_event_vessels: Statement,
    event: Statement,
    upsert_vessels: Statement,
    vessel: Statement,
    vessels: Statement,
    newest_track: Statement,
    near_track: Statement,
    insert_track: Statement,
    track: Statement,
}

impl Prepared {
    fn new(c: &mut Client) -> Result<Prepared, postgres::Error> {
        Ok(Prepared {
            last_event_id: c.prepare("SELECT value FROM counters WHERE name = 'last_event_id'")?,
            last_event_id_for_update: c.prepare(
                "SELECT value FROM counters WHERE name = 'last_event_id' FOR UPDATE",
            )?,
            set_last_event_id: c
                .prepare("UPDATE counters SET value = $1 WHERE name = 'last_event_id'")?,
            insert_events: c.prepare(
                "INSERT INTO events (id, time_ms, kind, mmsis, json, key)
                 SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[],
                                      $6::text[])
                 ON CONFLICT (key) DO NOTHING RETURNING id",
            )?,
            insert_event_vessels: c.prepare(
                "INSERT INTO event_vessels (event_id, mmsi)
                 SELECT * FROM unnest($1::bigint[], $2::bigint[])",
            )?,
            event: c.prepare(
                "SELECT id, time_ms, kind, mmsis, json, key FROM events WHERE id = $1",
            )?,
            upsert_vessels: c.prepare(
                "INSERT INTO vessels (mmsi, time_ms, lat_deg, lon_deg, name, ship_type, json)
                 SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::float8[], $4::float8[],
                                      $5::text[], $6::smallint[], $7::text[])
                 ON CONFLICT (mmsi) DO UPDATE SET time_ms = excluded.time_ms,
                    lat_deg = excluded.lat_deg, lon_deg = excluded.lon_deg, name = excluded.name,
                    ship_type = excluded.ship_type, json = excluded.json",
            )?,
            vessel: c.prepare(&format!("SELECT {VESSEL_COLUMNS} FROM vessels WHERE mmsi = $1"))?,
            vessels: c.prepare(&format!("SELECT {VESSEL_COLUMNS} FROM vessels ORDER BY mmsi"))?,
            newest_track: c.prepare(
                "SELECT mmsi, max(time_ms) FROM track WHERE mmsi = ANY($1) GROUP BY mmsi",
            )?,
            near_track: c.prepare(
                "SELECT EXISTS (SELECT 1 FROM track WHERE mmsi = $1 AND time_ms > $2 AND time_ms < $3)",
            )?,
            insert_track: c.prepare(
                "INSERT INTO track (mmsi, time_ms, lat_deg, lon_deg, sog_kn, cog_deg, heading_deg)
                 SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::float8[], $4::float8[],
                                      $5::float8[], $6::float8[], $7::float8[])
                 ON CONFLICT DO NOTHING",
            )?,
            track: c.prepare(
                "SELECT time_ms, lat_deg, lon_deg, sog_kn, cog_deg, heading_deg FROM track
                 WHERE mmsi = $1 AND time_ms >= $2 AND time_ms < $3 ORDER BY time_ms DESC LIMIT $4",
            )?,
        })
    }
}

const VESSEL_COLUMNS: &str = "mmsi, time_ms, lat_deg, lon_deg, name, ship_type, json";

/// A connection to a PostgreSQL store.
///
/// The tables live in the first schema of the connection's `search_path`
/// (select another schema with `?options=-csearch_path%3Dname` in the URL).
pub struct PostgresStore {
    client: RefCell<Client>,
    prepared: Prepared,
    downsampler: Downsampler,
}

impl std::fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresStore").finish_non_exhaustive()
    }
}

impl PostgresStore {
    /// Connects (creating the schema if needed) to the database at `url`
    /// (`postgres://user:password@host:port/database?options...`).
    pub fn connect(url: &str, options: &StoreOptions) -> Result<PostgresStore, StoreError> {
        let mut config = postgres::Config::from_str(url)?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        let mut client = config.connect(NoTls)?;
        ensure_schema(&mut client)?;
        let prepared = Prepared::new(&mut client)?;
        Ok(PostgresStore {
            client: RefCell::new(client),
            prepared,
            downsampler: Downsampler::new(seconds_to_ms(options.track_interval_s)),
        })
    }

    fn client(&self) -> Result<std::cell::RefMut<'_, Client>, StoreError> {
        self.client.try_borrow_mut().map_err(|_| StoreError::Busy)
    }
}

fn ensure_schema(c: &mut Client) -> Result<(), StoreError> {
    fn version(c: &mut impl postgres::GenericClient) -> Result<Option<i64>, StoreError> {
        let exists: bool = c
            .query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])?
            .try_get(0)?;
        if !exists {
            return Ok(None);
        }
        let v: Option<i64> = c
            .query_one("SELECT max(version) FROM schema_version", &[])?
            .try_get(0)?;
        match v {
            Some(v) => Ok(Some(v)),
            None => Err(StoreError::Corrupt("empty schema_version table".into())),
        }
    }
    fn check(v: i64) -> Result<(), StoreError> {
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
    if let Some(v) = version(c)? {
        check(v)?;
        if v == SCHEMA_VERSION {
            return Ok(());
        }
    }
    let mut tx = c.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SCHEMA_LOCK_KEY])?;
    // Another connection may have created or migrated it meanwhile.
    let v = match version(&mut tx)? {
        Some(v) => v,
        None => {
            tx.batch_execute(SCHEMA_V1)?;
            tx.execute("INSERT INTO schema_version (version) VALUES (1)", &[])?;
            1
        }
    };
    check(v)?;
    if v < 2 {
        tx.batch_execute(SCHEMA_V2)?;
    }
    tx.commit()?;
    Ok(())
}

fn event_from_row(r: &postgres::Row) -> Result<StoredEvent, StoreError> {
    let mmsis: String = r.try_get(3)?;
    Ok(StoredEvent {
        id: i64_to_u64("event id", r.try_get(0)?)?,
        time_ms: r.try_get(1)?,
        kind: r.try_get(2)?,
        mmsis: mmsis_from_text(&mmsis)?,
        json: r.try_get(4)?,
        key: r.try_get(5)?,
    })
}

fn vessel_from_row(r: &postgres::Row) -> Result<VesselRow, StoreError> {
    let ship_type: Option<i16> = r.try_get(5)?;
    Ok(VesselRow {
        mmsi: i64_to_mmsi(r.try_get(0)?)?,
        time_ms: r.try_get(1)?,
        lat_deg: r.try_get(2)?,
        lon_deg: r.try_get(3)?,
        name: r.try_get(4)?,
        ship_type: match ship_type {
            None => None,
            Some(t) => {
                Some(u8::try_from(t).map_err(|_| StoreError::Corrupt(format!("ship type {t}")))?)
            }
        },
        json: r.try_get(6)?,
    })
}

impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn append_events(&mut self, events: &[StoredEvent]) -> Result<Appended, StoreError> {
        if events.is_empty() {
            return Ok(Appended::default());
        }
        let p = &self.prepared;
        let mut ids = Vec::with_capacity(events.len());
        let mut times = Vec::with_capacity(events.len());
        let mut kinds = Vec::with_capacity(events.len());
        let mut mmsis = Vec::with_capacity(events.len());
        let mut jsons = Vec::with_capacity(events.len());
        let mut keys: Vec<Option<&str>> = Vec::with_capacity(events.len());
        let mut normalised = Vec::with_capacity(events.len());
        for e in events {
            let id = id_to_i64("event id", e.id)?;
            let m = normalised_mmsis(&e.mmsis);
            ids.push(id);
            times.push(e.time_ms);
            kinds.push(e.kind.as_str());
            mmsis.push(mmsis_to_text(&m));
            jsons.push(e.json.as_str());
            keys.push(e.key.as_deref());
            normalised.push(m);
        }
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        let last: i64 = tx.query_one(&p.last_event_id_for_update, &[])?.try_get(0)?;
        let mut last = i64_to_u64("last event id", last)?;
        for e in events {
            if e.id <= last {
                return Err(StoreError::EventIdNotIncreasing { id: e.id, last });
            }
            last = e.id;
        }
        // A key stored already: the row is not inserted, and not returned.
        let inserted: std::collections::HashSet<i64> = tx
            .query(
                &p.insert_events,
                &[&ids, &times, &kinds, &mmsis, &jsons, &keys],
            )?
            .iter()
            .map(|r| r.try_get::<_, i64>(0))
            .collect::<Result<_, _>>()?;
        let mut out = Appended::default();
        let mut ev_ids = Vec::new();
        let mut ev_mmsis = Vec::new();
        for ((e, &id), m) in events.iter().zip(&ids).zip(&normalised) {
            if !inserted.contains(&id) {
                out.duplicates.push(e.id);
                continue;
            }
            out.stored += 1;
            for &mm in m {
                ev_ids.push(id);
                ev_mmsis.push(i64::from(mm));
            }
        }
        if !ev_ids.is_empty() {
            tx.execute(&p.insert_event_vessels, &[&ev_ids, &ev_mmsis])?;
        }
        tx.execute(&p.set_last_event_id, &[&id_to_i64("event id", last)?])?;
        tx.commit()?;
        Ok(out)
    }

    fn last_event_id(&self) -> Result<u64, StoreError> {
        let v: i64 = self
            .client()?
            .query_one(&self.prepared.last_event_id, &[])?
            .try_get(0)?;
        i64_to_u64("last event id", v)
    }

    fn events(&self, q: &EventQuery) -> Result<Vec<StoredEvent>, StoreError> {
        let mut args: Vec<Box<dyn ToSql + Sync>> =
            vec![Box::new(i64::try_from(q.since_id).unwrap_or(i64::MAX))];
        let mut sql = String::from(
            "SELECT e.id, e.time_ms, e.kind, e.mmsis, e.json, e.key FROM events e WHERE e.id > $1",
        );
        let mut push = |sql: &mut String, clause: &str, v: Box<dyn ToSql + Sync>| {
            args.push(v);
            sql.push_str(&clause.replace("$?", &format!("${}", args.len())));
        };
        if let Some(b) = q.before_id {
            push(
                &mut sql,
                " AND e.id < $?",
                Box::new(i64::try_from(b).unwrap_or(i64::MAX)),
            );
        }
        if !q.kinds.is_empty() {
            push(&mut sql, " AND e.kind = ANY($?)", Box::new(q.kinds.clone()));
        }
        if let Some(m) = q.mmsi {
            push(
                &mut sql,
                " AND e.id IN (SELECT event_id FROM event_vessels WHERE mmsi = $?)",
                Box::new(i64::from(m)),
            );
        }
        if let Some(t) = q.from_ms {
            push(&mut sql, " AND e.time_ms >= $?", Box::new(t));
        }
        if let Some(t) = q.to_ms {
            push(&mut sql, " AND e.time_ms < $?", Box::new(t));
        }
        match q.acknowledged {
            Some(true) => sql
                .push_str(" AND EXISTS (SELECT 1 FROM acknowledgements a WHERE a.event_id = e.id)"),
            Some(false) => sql.push_str(
                " AND NOT EXISTS (SELECT 1 FROM acknowledgements a WHERE a.event_id = e.id)",
            ),
            None => {}
        }
        let order = if q.newest_first {
            " ORDER BY e.id DESC LIMIT $?"
        } else {
            " ORDER BY e.id ASC LIMIT $?"
        };
        push(&mut sql, order, Box::new(limit_i64(q.limit)));
        let refs: Vec<&(dyn ToSql + Sync)> = args.iter().map(|b| b.as_ref()).collect();
        let rows = self.client()?.query(&sql, &refs)?;
        rows.iter().map(event_from_row).collect()
    }

    fn event(&self, id: u64) -> Result<Option<StoredEvent>, StoreError> {
        let Ok(id) = i64::try_from(id) else {
            return Ok(None);
        };
        let row = self.client()?.query_opt(&self.prepared.event, &[&id])?;
        row.as_ref().map(event_from_row).transpose()
    }

    fn upsert_vessels(&mut self, vessels: &[VesselRow]) -> Result<(), StoreError> {
        if vessels.is_empty() {
            return Ok(());
        }
        // One row per MMSI (the last wins): ON CONFLICT DO UPDATE refuses to
        // touch a row twice in one statement.
        let mut last_of: HashMap<u32, usize> = HashMap::with_capacity(vessels.len());
        for (i, v) in vessels.iter().enumerate() {
            last_of.insert(v.mmsi, i);
        }
        let rows: Vec<&VesselRow> = vessels
            .iter()
            .enumerate()
            .filter(|(i, v)| last_of.get(&v.mmsi) == Some(i))
            .map(|(_, v)| v)
            .collect();
        let mmsi: Vec<i64> = rows.iter().map(|v| i64::from(v.mmsi)).collect();
        let time: Vec<i64> = rows.iter().map(|v| v.time_ms).collect();
        let lat: Vec<Option<f64>> = rows.iter().map(|v| finite(v.lat_deg)).collect();
        let lon: Vec<Option<f64>> = rows.iter().map(|v| finite(v.lon_deg)).collect();
        let name: Vec<Option<&str>> = rows.iter().map(|v| v.name.as_deref()).collect();
        let ship_type: Vec<Option<i16>> = rows.iter().map(|v| v.ship_type.map(i16::from)).collect();
        let json: Vec<&str> = rows.iter().map(|v| v.json.as_str()).collect();
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        tx.execute(
            &self.prepared.upsert_vessels,
            &[&mmsi, &time, &lat, &lon, &name, &ship_type, &json],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn vessel(&self, mmsi: u32) -> Result<Option<VesselRow>, StoreError> {
        let row = self
            .client()?
            .query_opt(&self.prepared.vessel, &[&i64::from(mmsi)])?;
        row.as_ref().map(vessel_from_row).transpose()
    }

    fn vessels(&self) -> Result<Vec<VesselRow>, StoreError> {
        let rows = self.client()?.query(&self.prepared.vessels, &[])?;
        rows.iter().map(vessel_from_row).collect()
    }

    fn append_track(&mut self, points: &[TrackPoint]) -> Result<usize, StoreError> {
        if points.is_empty() {
            return Ok(0);
        }
        let result = self.append_track_tx(points);
        if result.is_err() {
            self.downsampler.clear();
        }
        result
    }

    fn track(&self, q: &TrackQuery) -> Result<Vec<TrackPoint>, StoreError> {
        let rows = self.client()?.query(
            &self.prepared.track,
            &[
                &i64::from(q.mmsi),
                &q.from_ms,
                &q.to_ms.unwrap_or(i64::MAX),
                &limit_i64(q.limit),
            ],
        )?;
        let mut points = rows
            .iter()
            .map(|r| {
                Ok(TrackPoint {
                    mmsi: q.mmsi,
                    time_ms: r.try_get(0)?,
                    lat_deg: r.try_get(1)?,
                    lon_deg: r.try_get(2)?,
                    sog_kn: r.try_get(3)?,
                    cog_deg: r.try_get(4)?,
                    heading_deg: r.try_get(5)?,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        points.reverse();
        Ok(points)
    }

    fn track_window(&self, q: &TrackWindow) -> Result<Vec<TrackPoint>, StoreError> {
        if q.limit == 0 || q.from_ms >= q.to_ms {
            return Ok(Vec::new());
        }
        let mut args: Vec<Box<dyn ToSql + Sync>> = vec![Box::new(q.from_ms), Box::new(q.to_ms)];
        let mut sql = String::from(
            "SELECT mmsi, time_ms, lat_deg, lon_deg, sog_kn, cog_deg, heading_deg FROM track
             WHERE time_ms >= $1 AND time_ms < $2",
        );
        let mut push = |sql: &mut String, clause: &str, v: Box<dyn ToSql + Sync>| {
            args.push(v);
            sql.push_str(&clause.replace("$?", &format!("${}", args.len())));
        };
        if let Some(m) = q.mmsi {
            push(&mut sql, " AND mmsi = $?", Box::new(i64::from(m)));
        }
        if let Some((t, m)) = q.after {
            push(&mut sql, " AND (time_ms > $?", Box::new(t));
            push(&mut sql, " OR (time_ms = $?", Box::new(t));
            push(&mut sql, " AND mmsi > $?))", Box::new(i64::from(m)));
        }
        if let Some((w, so, e, n)) = q.bbox {
            push(&mut sql, " AND lat_deg >= $?", Box::new(so));
            push(&mut sql, " AND lat_deg <= $?", Box::new(n));
            if w <= e {
                push(&mut sql, " AND lon_deg >= $?", Box::new(w));
                push(&mut sql, " AND lon_deg <= $?", Box::new(e));
            } else {
                push(&mut sql, " AND (lon_deg >= $?", Box::new(w));
                push(&mut sql, " OR lon_deg <= $?)", Box::new(e));
            }
        }
        push(
            &mut sql,
            " ORDER BY time_ms, mmsi LIMIT $?",
            Box::new(limit_i64(q.limit)),
        );
        let refs: Vec<&(dyn ToSql + Sync)> = args.iter().map(|b| b.as_ref()).collect();
        let rows = self.client()?.query(&sql, &refs)?;
        rows.iter()
            .map(|r| {
                Ok(TrackPoint {
                    mmsi: i64_to_mmsi(r.try_get(0)?)?,
                    time_ms: r.try_get(1)?,
                    lat_deg: r.try_get(2)?,
                    lon_deg: r.try_get(3)?,
                    sog_kn: r.try_get(4)?,
                    cog_deg: r.try_get(5)?,
                    heading_deg: r.try_get(6)?,
                })
            })
            .collect()
    }

    fn acknowledge(&mut self, ack: &Acknowledgement) -> Result<AckOutcome, StoreError> {
        let Ok(id) = i64::try_from(ack.event_id) else {
            return Ok(AckOutcome::NoSuchEvent);
        };
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        let exists: bool = tx
            .query_one("SELECT EXISTS (SELECT 1 FROM events WHERE id = $1)", &[&id])?
            .try_get(0)?;
        if !exists {
            return Ok(AckOutcome::NoSuchEvent);
        }
        let n = tx.execute(
            "INSERT INTO acknowledgements (event_id, acked_by, time_ms, note) VALUES ($1, $2, $3, $4)
             ON CONFLICT (event_id) DO NOTHING",
            &[&id, &ack.by, &ack.time_ms, &ack.note],
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
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = self.client()?.query(
            "SELECT event_id, acked_by, time_ms, note FROM acknowledgements
             WHERE event_id = ANY($1) ORDER BY event_id",
            &[&ids],
        )?;
        rows.iter()
            .map(|r| {
                Ok(Acknowledgement {
                    event_id: i64_to_u64("event id", r.try_get(0)?)?,
                    by: r.try_get(1)?,
                    time_ms: r.try_get(2)?,
                    note: r.try_get(3)?,
                })
            })
            .collect()
    }

    fn prune(&mut self, now_ms: i64, retention: &Retention) -> Result<PruneStats, StoreError> {
        let mut stats = PruneStats::default();
        {
            let mut client = self.client()?;
            let mut tx = client.transaction()?;
            let cut = now_ms.saturating_sub(seconds_to_ms(retention.track_s));
            stats.track_points = tx.execute("DELETE FROM track WHERE time_ms < $1", &[&cut])?;
            if let Some(s) = retention.events_s {
                let cut = now_ms.saturating_sub(seconds_to_ms(s));
                tx.execute(
                    "DELETE FROM event_vessels WHERE event_id IN (SELECT id FROM events WHERE time_ms < $1)",
                    &[&cut],
                )?;
                tx.execute(
                    "DELETE FROM acknowledgements WHERE event_id IN (SELECT id FROM events WHERE time_ms < $1)",
                    &[&cut],
                )?;
                stats.events = tx.execute("DELETE FROM events WHERE time_ms < $1", &[&cut])?;
            }
            if let Some(s) = retention.vessels_s {
                let cut = now_ms.saturating_sub(seconds_to_ms(s));
                stats.vessels = tx.execute("DELETE FROM vessels WHERE time_ms < $1", &[&cut])?;
            }
            tx.commit()?;
        }
        self.downsampler.clear();
        Ok(stats)
    }

    fn put_document(&mut self, name: &str, json: &str) -> Result<(), StoreError> {
        self.client()?.execute(
            "INSERT INTO documents (name, json) VALUES ($1, $2)
             ON CONFLICT (name) DO UPDATE SET json = excluded.json",
            &[&name, &json],
        )?;
        Ok(())
    }

    fn document(&self, name: &str) -> Result<Option<String>, StoreError> {
        let row = self
            .client()?
            .query_opt("SELECT json FROM documents WHERE name = $1", &[&name])?;
        Ok(match row {
            Some(r) => Some(r.try_get(0)?),
            None => None,
        })
    }

    fn delete_document(&mut self, name: &str) -> Result<bool, StoreError> {
        Ok(self
            .client()?
            .execute("DELETE FROM documents WHERE name = $1", &[&name])?
            > 0)
    }

    fn document_names(&self) -> Result<Vec<String>, StoreError> {
        let rows = self
            .client()?
            .query("SELECT name FROM documents ORDER BY name", &[])?;
        rows.iter()
            .map(|r| r.try_get(0).map_err(StoreError::from))
            .collect()
    }

    fn is_closed(&self) -> bool {
        self.client
            .try_borrow()
            .map(|c| c.is_closed())
            .unwrap_or(false)
    }
}

impl PostgresStore {
    fn append_track_tx(&mut self, points: &[TrackPoint]) -> Result<usize, StoreError> {
        let PostgresStore {
            client,
            prepared: p,
            downsampler,
        } = self;
        let client = client.get_mut();
        let mut tx = client.transaction()?;
        let mut unknown: Vec<i64> = points
            .iter()
            .filter(|pt| downsampler.needs(pt.mmsi))
            .map(|pt| i64::from(pt.mmsi))
            .collect();
        unknown.sort_unstable();
        unknown.dedup();
        if !unknown.is_empty() {
            for r in tx.query(&p.newest_track, &[&unknown])? {
                let mmsi = i64_to_mmsi(r.try_get(0)?)?;
                downsampler.learn(mmsi, r.try_get(1)?);
            }
            for &m in &unknown {
                let m = i64_to_mmsi(m)?;
                if downsampler.needs(m) {
                    downsampler.learn(m, None);
                }
            }
        }
        let w = downsampler.probe_window_ms();
        let mut mmsi = Vec::new();
        let mut time = Vec::new();
        let mut lat = Vec::new();
        let mut lon = Vec::new();
        let mut sog = Vec::new();
        let mut cog = Vec::new();
        let mut hdg = Vec::new();
        for pt in points {
            if !(pt.lat_deg.is_finite() && pt.lon_deg.is_finite()) {
                continue;
            }
            let keep = match downsampler.decide(pt.mmsi, pt.time_ms) {
                Decision::Keep => true,
                Decision::Drop => false,
                Decision::Probe => {
                    let found: bool = tx
                        .query_one(
                            &p.near_track,
                            &[
                                &i64::from(pt.mmsi),
                                &pt.time_ms.saturating_sub(w),
                                &pt.time_ms.saturating_add(w),
                            ],
                        )?
                        .try_get(0)?;
                    !found
                }
            };
            if keep {
                downsampler.kept(pt.mmsi, pt.time_ms);
                mmsi.push(i64::from(pt.mmsi));
                time.push(pt.time_ms);
                lat.push(pt.lat_deg);
                lon.push(pt.lon_deg);
                sog.push(finite(pt.sog_kn));
                cog.push(finite(pt.cog_deg));
                hdg.push(finite(pt.heading_deg));
            }
        }
        let n = if mmsi.is_empty() {
            0
        } else {
            tx.execute(
                &p.insert_track,
                &[&mmsi, &time, &lat, &lon, &sog, &cog, &hdg],
            )?
        };
        tx.commit()?;
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }
}

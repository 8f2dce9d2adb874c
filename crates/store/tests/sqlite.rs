//! The SQLite backend: the shared suite, `kill -9` durability, damaged
//! files, schema versions. (Throughput is measured by `benches/store.rs`.)

mod common;

use common::{event, Env, SqliteEnv};
use finisterra_store::{
    open, SqliteStore, Store, StoreError, StoreOptions, StoredEvent, DB_FILE_NAME,
};

suite_tests!(SqliteEnv::default());

/// Re-runs this test as a child process that writes until it is killed
/// with SIGKILL (the child enters at the first line and never returns),
/// then checks that every batch the child reported durable is there.
#[test]
fn kill9_durability() {
    common::kill9::child_if_requested();
    let env = SqliteEnv::default();
    let loc = env.fresh();
    common::kill9::run_parent(&loc, "kill9_durability", 3);
}

#[test]
fn creates_nested_data_directory_and_wal() {
    let env = SqliteEnv::default();
    let loc = format!("{}/a/b", env.fresh());
    let mut s = open(&loc, &StoreOptions::default()).unwrap();
    assert_eq!(s.backend(), "sqlite");
    s.append_events(&[event(1, 0, "distress", &[1])]).unwrap();
    let db = std::path::Path::new(&loc).join(DB_FILE_NAME);
    assert!(db.is_file());
    assert!(
        std::path::Path::new(&format!("{}-wal", db.display())).exists(),
        "WAL mode"
    );
    let direct = SqliteStore::open(std::path::Path::new(&loc), &StoreOptions::default()).unwrap();
    assert_eq!(direct.path(), db);
    assert!(format!("{direct:?}").contains(DB_FILE_NAME));
}

#[test]
fn garbage_file_is_an_error() {
    let env = SqliteEnv::default();
    let loc = env.fresh();
    std::fs::create_dir_all(&loc).unwrap();
    let db = std::path::Path::new(&loc).join(DB_FILE_NAME);
    std::fs::write(&db, vec![0x5a; 8192]).unwrap();
    let err = open(&loc, &StoreOptions::default())
        .err()
        .expect("must fail");
    assert!(matches!(err, StoreError::Open { .. }), "{err}");
    assert_eq!(err.reason(), "open");
    let msg = err.to_string();
    assert!(msg.contains(DB_FILE_NAME), "{msg}");
    eprintln!("garbage file: {msg}");
}

#[test]
fn damaged_database_gives_errors_not_panics() {
    let env = SqliteEnv::default();
    let loc = env.fresh();
    {
        let mut s = open(&loc, &StoreOptions::default()).unwrap();
        let evs: Vec<_> = (1..=2000)
            .map(|i| common::sized_event(i, i as i64, 500))
            .collect();
        s.append_events(&evs).unwrap();
    }
    let db = std::path::Path::new(&loc).join(DB_FILE_NAME);
    // Fold the WAL into the main file, then scribble over its middle.
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    }
    let mut bytes = std::fs::read(&db).unwrap();
    let n = bytes.len();
    for b in &mut bytes[n / 3..2 * n / 3] {
        *b = 0xa5;
    }
    std::fs::write(&db, &bytes).unwrap();
    let mut errors = 0;
    match open(&loc, &StoreOptions::default()) {
        Err(e) => {
            errors += 1;
            eprintln!("damaged: open: {e}");
        }
        Ok(mut s) => {
            let q = finisterra_store::EventQuery {
                limit: usize::MAX,
                ..Default::default()
            };
            if let Err(e) = s.events(&q) {
                errors += 1;
                eprintln!("damaged: events: {e}");
            }
            for id in [1, 1000, 2000] {
                if s.event(id).is_err() {
                    errors += 1;
                }
            }
            if s.append_events(&[event(2001, 0, "distress", &[1])])
                .is_err()
            {
                errors += 1;
            }
        }
    }
    assert!(
        errors > 0,
        "a third of the file was overwritten and nothing noticed"
    );
    // Truncated to a few bytes.
    std::fs::write(&db, b"SQLite format 3\0").unwrap();
    let _ = std::fs::remove_file(format!("{}-wal", db.display()));
    let _ = std::fs::remove_file(format!("{}-shm", db.display()));
    assert!(open(&loc, &StoreOptions::default()).is_err());
}

#[test]
fn database_path_is_a_directory() {
    let env = SqliteEnv::default();
    let loc = env.fresh();
    std::fs::create_dir_all(std::path::Path::new(&loc).join(DB_FILE_NAME)).unwrap();
    let err = open(&loc, &StoreOptions::default())
        .err()
        .expect("must fail");
    assert!(matches!(err, StoreError::Open { .. }), "{err}");
}

#[test]
fn data_directory_is_a_file() {
    let env = SqliteEnv::default();
    let loc = env.fresh();
    std::fs::create_dir_all(std::path::Path::new(&loc).parent().unwrap()).unwrap();
    std::fs::write(&loc, b"not a directory").unwrap();
    let err = open(&loc, &StoreOptions::default())
        .err()
        .expect("must fail");
    assert!(matches!(err, StoreError::CreateDir { .. }), "{err}");
    assert_eq!(err.reason(), "create_dir");
}

/// A version 1 database (no event keys) is migrated at open: its events
/// are kept, without a key, and keyed events are idempotent from then on.
#[test]
fn version_1_is_migrated_to_event_keys() {
    let env = SqliteEnv::default();
    let loc = env.fresh();
    drop(open(&loc, &StoreOptions::default()).unwrap());
    let db = std::path::Path::new(&loc).join(DB_FILE_NAME);
    {
        // Back to version 1 as an older build wrote it.
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute_batch(
            "DROP INDEX events_key; ALTER TABLE events DROP COLUMN key;
             DELETE FROM schema_version WHERE version = 2;
             INSERT INTO events (id, time_ms, kind, mmsis, json)
                 VALUES (1, 1000, 'distress', '970000001', '{\"id\":1}');
             UPDATE counters SET value = 1 WHERE name = 'last_event_id';",
        )
        .unwrap();
    }
    let mut s = open(&loc, &StoreOptions::default()).unwrap();
    let e = |id: u64| StoredEvent::from_json(id, 2000, "distress", "{}").with_key("k");
    let out = s.append_events(&[e(2), e(3)]).unwrap();
    assert_eq!(out.stored, 1);
    assert_eq!(out.duplicates, vec![3]);
    let old = s.event(1).unwrap().expect("the old event is kept");
    assert_eq!(old.key, None);
    let c = rusqlite::Connection::open(&db).unwrap();
    let v: i64 = c
        .query_row("SELECT max(version) FROM schema_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, 2);
}

#[test]
fn newer_schema_is_refused() {
    let env = SqliteEnv::default();
    let loc = env.fresh();
    drop(open(&loc, &StoreOptions::default()).unwrap());
    let db = std::path::Path::new(&loc).join(DB_FILE_NAME);
    {
        let c = rusqlite::Connection::open(&db).unwrap();
        c.execute("UPDATE schema_version SET version = 99", [])
            .unwrap();
    }
    let err = open(&loc, &StoreOptions::default())
        .err()
        .expect("must fail");
    assert!(
        matches!(
            err,
            StoreError::SchemaTooNew {
                found: 99,
                supported: 2
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("newer"), "{err}");
    // Left untouched.
    let c = rusqlite::Connection::open(&db).unwrap();
    let v: i64 = c
        .query_row("SELECT version FROM schema_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, 99);
}

#[cfg(not(feature = "postgres"))]
#[test]
fn postgres_location_without_the_feature() {
    let err = open("postgres://localhost/x", &StoreOptions::default())
        .err()
        .expect("must fail");
    assert!(matches!(err, StoreError::PostgresNotCompiled), "{err}");
}

#[allow(dead_code)]
fn assert_send(s: Box<dyn Store>) -> impl Send {
    s
}

//! Tests shared by both backends: every function of [`suite`] takes an
//! [`Env`] that hands out fresh, empty store locations.

#![allow(dead_code, missing_docs)]

pub mod kill9;
#[cfg(feature = "postgres")]
pub mod pg;
pub mod suite;

use finisterra_store::{StoreOptions, StoredEvent, TrackPoint, VesselRow};

/// Whether we run under CI (`CI` set and not empty): there a suite whose
/// real dependency is missing fails instead of skipping.
pub fn ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// Where the tests get their stores.
pub trait Env {
    /// A location (`open` argument) of a new, empty store.
    fn fresh(&self) -> String;
    /// Options used to open it.
    fn options(&self) -> StoreOptions {
        StoreOptions::default()
    }
}

/// A SQLite environment: each store in its own temporary directory,
/// deleted when the environment is dropped.
#[derive(Default)]
pub struct SqliteEnv {
    dirs: std::sync::Mutex<Vec<tempfile::TempDir>>,
}

impl Env for SqliteEnv {
    fn fresh(&self) -> String {
        let dir = tempfile::Builder::new()
            .prefix("finisterra-store-test-")
            .tempdir()
            .expect("temp dir");
        // A subdirectory that does not exist yet: `open` must create it.
        let loc = dir.path().join("data").to_string_lossy().into_owned();
        self.dirs.lock().unwrap().push(dir);
        loc
    }
}

/// An event shaped like the engine's, mentioning `mmsis`.
pub fn event(id: u64, time_ms: i64, kind: &str, mmsis: &[u32]) -> StoredEvent {
    let vessels: Vec<String> = mmsis
        .iter()
        .map(|m| format!(r#"{{"mmsi":{m},"lat":43.05,"lon":-9.41,"sog_kn":12.5,"cog_deg":187.0}}"#))
        .collect();
    let json = format!(
        r#"{{"id":{id},"time":"t{time_ms}","kind":"{kind}","vessels":[{}]}}"#,
        vessels.join(",")
    );
    let e = StoredEvent::from_json(id, time_ms, kind, &json);
    assert_eq!(e.mmsis, sorted(mmsis));
    e
}

/// An event of about `size` bytes of JSON.
pub fn sized_event(id: u64, time_ms: i64, size: usize) -> StoredEvent {
    let mut e = event(
        id,
        time_ms,
        "risk.updated",
        &[224_000_000 + (id % 97) as u32, 257_000_000],
    );
    let pad = size.saturating_sub(e.json.len() + 12);
    e.json.pop();
    e.json
        .push_str(&format!(r#","pad":"{}"}}"#, "x".repeat(pad)));
    e
}

pub fn sorted(m: &[u32]) -> Vec<u32> {
    let mut v = m.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

pub fn vessel(mmsi: u32, time_ms: i64, name: Option<&str>) -> VesselRow {
    VesselRow {
        mmsi,
        time_ms,
        lat_deg: Some(43.0 + f64::from(mmsi % 1000) / 1000.0),
        lon_deg: Some(-9.0),
        name: name.map(str::to_owned),
        ship_type: Some(70),
        json: format!(r#"{{"mmsi":{mmsi},"fix_ms":{time_ms},"static":{{"name":{name:?}}}}}"#),
    }
}

pub fn point(mmsi: u32, time_ms: i64) -> TrackPoint {
    TrackPoint {
        mmsi,
        time_ms,
        lat_deg: 43.0 + time_ms as f64 * 1e-9,
        lon_deg: -9.0,
        sog_kn: Some(10.0),
        cog_deg: Some(90.0),
        heading_deg: None,
    }
}

/// One `#[test]` per function of the shared suite, run against the
/// environment `$env`, and a test that the list here is the suite's whole
/// list (so a new suite function cannot go unrun by a backend).
#[macro_export]
macro_rules! suite_tests {
    ($env:expr) => {
        $crate::suite_tests!(
            $env;
            events_round_trip,
            event_filters,
            event_ids_must_increase,
            event_keys_are_idempotent,
            vessels_upsert,
            track_downsampling,
            track_queries,
            track_windows,
            prune_retention,
            acknowledgements,
            documents,
            reopen_keeps_everything,
            concurrent_reader_while_writing,
            pool_from_threads,
        );
    };
    ($env:expr; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                common::suite::$name(&$env);
            }
        )*

        #[test]
        fn every_suite_function_has_a_test() {
            let all: Vec<&str> = common::suite::ALL.iter().map(|(n, _)| *n).collect();
            assert_eq!(all, [$(stringify!($name)),*]);
        }
    };
}

//! The PostgreSQL backend: the shared suite, `kill -9` and schema versions
//! against a throwaway server (or `FINISTERRA_TEST_POSTGRES_URL`).
//! Skips, saying why, when no server can be had — except under CI (`CI`
//! set and not empty) or with `FINISTERRA_TEST_POSTGRES_REQUIRED=1`, where
//! that fails. (Throughput is measured by `benches/store.rs`.)

#![cfg(feature = "postgres")]

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};

use common::pg::PgServer;
use common::{suite, Env};
use finisterra_store::{open, StoreError, StoreOptions};

/// Everything in one test: one server, stopped by its guard at the end
/// whatever failed. Its `kill9_durability` part re-runs this test as the
/// child process that is killed (the child enters at the first line and
/// never returns).
#[test]
fn postgres_suite() {
    common::kill9::child_if_requested();
    let server = match PgServer::start() {
        Ok(s) => s,
        Err(reason) => {
            if PgServer::required() {
                panic!(
                    "PostgreSQL tests required ({}) but no server: {reason}",
                    PgServer::required_by()
                );
            }
            eprintln!("SKIP: PostgreSQL tests: {reason}");
            return;
        }
    };
    eprintln!(
        "PostgreSQL tests on {} ({})",
        server.url,
        if server.is_local() {
            "throwaway server"
        } else {
            "external server"
        }
    );
    let mut failed = Vec::new();
    let mut run = |name: &str, f: &dyn Fn()| {
        let t = std::time::Instant::now();
        match catch_unwind(AssertUnwindSafe(f)) {
            Ok(()) => eprintln!("postgres: {name} ok ({:.2} s)", t.elapsed().as_secs_f64()),
            Err(_) => {
                eprintln!("postgres: {name} FAILED");
                failed.push(name.to_owned());
            }
        }
    };
    for (name, f) in suite::ALL {
        run(name, &|| f(&server));
    }
    run("newer_schema_is_refused", &|| {
        let loc = server.fresh();
        drop(open(&loc, &StoreOptions::default()).unwrap());
        let schema = loc.rsplit("%3D").next().unwrap().to_owned();
        let mut c = server.client().unwrap();
        c.batch_execute(&format!("UPDATE {schema}.schema_version SET version = 99"))
            .unwrap();
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
    });
    run("bad_url_is_an_error", &|| {
        let err = open(
            "postgres://postgres@127.0.0.1:1/none?connect_timeout=2",
            &StoreOptions::default(),
        )
        .err()
        .expect("must fail");
        assert_eq!(err.reason(), "postgres");
        eprintln!("bad url: {err}");
    });
    run("kill9_durability", &|| {
        common::kill9::run_parent(&server.fresh(), "postgres_suite", 3);
    });
    drop(server);
    assert!(failed.is_empty(), "PostgreSQL tests failed: {failed:?}");
}

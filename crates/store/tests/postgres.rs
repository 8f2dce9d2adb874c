//! The PostgreSQL backend: the shared suite, `kill -9`, schema versions and
//! throughput against a throwaway server (or `FINISTERRA_TEST_POSTGRES_URL`).
//! Skips, saying why, when no server can be had (set
//! `FINISTERRA_TEST_POSTGRES_REQUIRED=1` to fail instead).

#![cfg(feature = "postgres")]

mod common;

use std::panic::{catch_unwind, AssertUnwindSafe};

use common::pg::PgServer;
use common::{suite, Env};
use finisterra_store::{open, StoreError, StoreOptions};

/// The child half of the `kill -9` test; does nothing in a normal run.
#[test]
fn kill9_child() {
    common::kill9::child_if_requested();
}

/// Everything in one test: one server, stopped by its guard at the end
/// whatever failed.
#[test]
fn postgres_suite() {
    let server = match PgServer::start() {
        Ok(s) => s,
        Err(reason) => {
            if PgServer::required() {
                panic!("PostgreSQL tests required but no server: {reason}");
            }
            eprintln!("PostgreSQL tests skipped: {reason}");
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
                    supported: 1
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
        common::kill9::run_parent(&server.fresh(), "kill9_child", 3);
    });
    run("throughput", &|| {
        common::throughput::report(&server.fresh(), "postgres")
    });
    drop(server);
    assert!(failed.is_empty(), "PostgreSQL tests failed: {failed:?}");
}

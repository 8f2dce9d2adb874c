//! Criterion bench: write and read throughput of the stores (SQLite in a
//! temporary directory; PostgreSQL on a throwaway server from the Debian
//! binaries, or on `FINISTERRA_TEST_POSTGRES_URL` — skipped, saying why,
//! when neither can be had). The throwaway PostgreSQL server runs with
//! `fsync=off`: its figures are not those of a durable deployment.
//!
//!     cargo bench -p finisterra-store --bench store
//!     cargo bench -p finisterra-store --bench store -- sqlite

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use finisterra_store::{open, EventQuery, Store, StoreOptions};

#[path = "../tests/common/mod.rs"]
mod common;

use common::{point, sized_event, vessel, Env, SqliteEnv};

/// Vessels per track / vessel batch.
const VESSELS: u32 = 1000;
/// Events per durable batch.
const EVENTS: u64 = 100;

fn backend(c: &mut Criterion, label: &str, loc: &str) {
    let mut s: Box<dyn Store> = open(loc, &StoreOptions::default()).expect("open");
    let mut g = c.benchmark_group(format!("store_{label}"));
    g.sample_size(10);

    // Events: batches of 100 events of ~1 KB, each batch durable.
    let mut next = s.last_event_id().expect("last id") + 1;
    g.throughput(Throughput::Elements(EVENTS));
    g.bench_function("append_events_100x1KB", |b| {
        b.iter_batched(
            || {
                let batch: Vec<_> = (next..next + EVENTS)
                    .map(|id| sized_event(id, id as i64, 1024))
                    .collect();
                next += EVENTS;
                batch
            },
            |batch| s.append_events(&batch).expect("append"),
            BatchSize::PerIteration,
        )
    });

    // Track points: 1000 vessels, one point each per batch, batches 10 s
    // apart (the default interval): all kept.
    let mut round = 0i64;
    g.throughput(Throughput::Elements(u64::from(VESSELS)));
    g.bench_function("append_track_1000_kept", |b| {
        b.iter_batched(
            || {
                round += 1;
                (0..VESSELS)
                    .map(|m| point(200_000_000 + m, round * 10_000))
                    .collect::<Vec<_>>()
            },
            |pts| {
                let kept = s.append_track(&pts).expect("track");
                assert_eq!(kept, VESSELS as usize);
            },
            BatchSize::PerIteration,
        )
    });

    // The same rate of fixes 2 s apart (other vessels): most are dropped
    // by the down-sampling.
    let mut round = 0i64;
    g.bench_function("append_track_1000_2s_apart", |b| {
        b.iter_batched(
            || {
                round += 1;
                (0..VESSELS)
                    .map(|m| point(300_000_000 + m, round * 2_000))
                    .collect::<Vec<_>>()
            },
            |pts| s.append_track(&pts).expect("track"),
            BatchSize::PerIteration,
        )
    });

    // Vessel states: 1000 vessels per batch, ~300 B of JSON each.
    let mut round = 0i64;
    g.bench_function("upsert_vessels_1000", |b| {
        b.iter_batched(
            || {
                round += 1;
                (0..VESSELS)
                    .map(|m| {
                        let mut v = vessel(200_000_000 + m, round, Some("FINISTERRA TRADER"));
                        v.json.push_str(&" ".repeat(200));
                        v
                    })
                    .collect::<Vec<_>>()
            },
            |vs| s.upsert_vessels(&vs).expect("vessels"),
            BatchSize::PerIteration,
        )
    });

    // A read: the newest 100 events (written here if the events bench was
    // filtered out).
    let q = EventQuery {
        limit: EVENTS as usize,
        newest_first: true,
        ..Default::default()
    };
    if s.events(&q).expect("events").len() < EVENTS as usize {
        let batch: Vec<_> = (next..next + EVENTS)
            .map(|id| sized_event(id, id as i64, 1024))
            .collect();
        s.append_events(&batch).expect("append");
    }
    g.throughput(Throughput::Elements(EVENTS));
    g.bench_function("query_newest_100_events", |b| {
        b.iter(|| {
            let got = s.events(&q).expect("events");
            assert_eq!(got.len(), EVENTS as usize);
            got
        })
    });
    g.finish();
}

fn sqlite(c: &mut Criterion) {
    let env = SqliteEnv::default();
    backend(c, "sqlite", &env.fresh());
}

#[cfg(feature = "postgres")]
fn postgres(c: &mut Criterion) {
    match common::pg::PgServer::start() {
        Ok(server) => backend(c, "postgres", &server.fresh()),
        Err(reason) => eprintln!("store bench: PostgreSQL skipped: {reason}"),
    }
}

#[cfg(not(feature = "postgres"))]
fn postgres(_: &mut Criterion) {
    eprintln!("store bench: PostgreSQL skipped: built without the `postgres` feature");
}

criterion_group!(benches, sqlite, postgres);
criterion_main!(benches);

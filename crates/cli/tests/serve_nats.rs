//! `finisterra serve --nats` over a real nats-server (JetStream, loopback,
//! temporary store): the events the workers publish reach the store and
//! the API once each, equal to `scan`'s of the same input, through a
//! `kill -9` of serve in the middle of the stream; an event delivered or
//! published again under its key is stored once.

mod nats_common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use bytes::Bytes;
use finisterra_broker::harness::NatsServer;
use finisterra_broker::{Broker, BrokerConfig};
use nats_common::*;
use serde_json::Value;

/// Ids as the API gives them: unique and increasing.
fn assert_ids_increase(events: &[Value]) {
    let ids: Vec<u64> = events.iter().map(|e| e["id"].as_u64().unwrap()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "event ids do not increase"
    );
}

/// ingest + 4 workers + serve --nats with a SQLite store; serve killed
/// with SIGKILL once it has stored part of the events, then restarted on
/// the same data directory: the API ends with exactly `scan`'s events,
/// one per key of the events stream.
#[test]
fn serve_nats_stores_the_single_machines_events_through_a_kill() {
    let Some(server) = NatsServer::start_or_skip("serve --nats") else {
        return;
    };
    let (dir, input, want) = input_and_scan("serve");
    let data = dir.join("data");
    ingest(&server.url, &input, &[]);
    // serve first: it reads the events as the workers publish them.
    let mut serve = NatsServe::start(&server, &data);
    let workers: Vec<_> = (0..4)
        .map(|i| spawn_worker(&server.url, 4, i, &[]))
        .collect();
    let t0 = Instant::now();
    let stored_at_kill = loop {
        let n = api_events(serve.port).map_or(0, |v| v.len());
        if n > 0 {
            break n;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(300),
            "serve stored nothing"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    serve.kill();
    let mut published = 0;
    for w in workers {
        published += wait_worker(w).0;
    }
    let in_stream = read_events(&server.url);
    eprintln!(
        "serve killed with {stored_at_kill} events stored; the workers published {published}, the stream holds {}",
        in_stream.len()
    );
    assert!(
        stored_at_kill < in_stream.len(),
        "serve had stored everything before the kill: not mid-stream"
    );
    let t_restart = Instant::now();
    let serve = NatsServe::start(&server, &data);
    let n = wait_all_acknowledged(&server.url, Duration::from_secs(300));
    eprintln!(
        "restarted serve acknowledged all {n} events {:.2?} after its start",
        t_restart.elapsed()
    );
    assert_eq!(n as usize, in_stream.len());
    let got = api_events(serve.port).expect("the API answers");
    assert_ids_increase(&got);
    eprintln!(
        "after the restart: {} events from the API; {:?} delivered again and dropped by their keys",
        got.len(),
        metric(serve.port, "finisterra_events_duplicates_dropped_total")
    );
    assert_eq!(
        got.len(),
        in_stream.len(),
        "events lost or stored twice across the kill"
    );
    let diffs = report("serve --nats", &want, &multiset(&got));
    assert_eq!(diffs, 0, "the API's events differ from scan's");
    assert_eq!(metric(serve.port, "finisterra_broker_connected"), Some(1.0));
    // The vessels: the positions stream read in order into a picture that
    // judges nothing, up to the end of the input.
    let end_ms = finisterra_nmea::parse_iso8601_ms(START, false).unwrap() + (HOURS * 3.6e6) as i64;
    let t0 = Instant::now();
    let vessels = loop {
        let v: Vec<Value> = http_get(serve.port, "/api/vessels")
            .and_then(|b| serde_json::from_str(&b).ok())
            .unwrap_or_default();
        let last = v
            .iter()
            .find(|v| v["mmsi"] == 227_000_011)
            .and_then(|v| v["fix_ms"].as_i64());
        if last.is_some_and(|t| t >= end_ms - 60_000) {
            break v;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(300),
            "the picture did not reach the end of the input: {last:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    eprintln!(
        "the picture: {} vessels, at the end of the input {:.2?} after the restart",
        vessels.len(),
        t_restart.elapsed()
    );
    for mmsi in [
        227_000_001u64,
        227_000_002,
        227_000_003,
        227_000_004,
        227_000_010,
    ] {
        assert!(
            vessels.iter().any(|v| v["mmsi"] == mmsi),
            "{mmsi} not on the map"
        );
    }
    assert!(vessels.len() > 300, "{} vessels", vessels.len());
    // The aircraft of the input's planted air conflict reached the map's
    // picture too (their records are judged by the workers only).
    assert!(
        metric(serve.port, "finisterra_air_messages") > Some(0.0),
        "no aircraft message reached serve --nats's picture"
    );
    assert_eq!(
        api_events(serve.port).map(|v| v.len()),
        Some(in_stream.len()),
        "the picture made events"
    );
    drop(serve);
    // The store itself: one row per key of the stream, nothing else.
    let store = finisterra_store::open(&data.to_string_lossy(), &Default::default()).unwrap();
    let rows = store
        .events(&finisterra_store::EventQuery {
            limit: usize::MAX,
            ..Default::default()
        })
        .unwrap();
    let keys: BTreeSet<String> = rows.iter().filter_map(|e| e.key.clone()).collect();
    let stream_keys: BTreeSet<String> = in_stream.iter().map(|(k, _)| k.clone()).collect();
    assert_eq!(
        rows.len(),
        keys.len(),
        "a row without a key, or a key twice"
    );
    assert_eq!(keys, stream_keys, "the store's keys are the stream's");
    let _ = std::fs::remove_dir_all(&dir);
}

fn event_json(mmsi: u32, minute: u32) -> Bytes {
    Bytes::from(format!(
        r#"{{"id":0,"time":"2026-01-05T00:{minute:02}:00.000Z","kind":"target.lost","vessel":{{"mmsi":{mmsi},"lat":42.5,"lon":-9.5}},"silent_s":600}}"#
    ))
}

/// The same event published twice under its key, after the broker's
/// de-duplication window (so the stream holds both), is stored once; and
/// when everything is delivered again after a restart (as after a crash
/// between storing and acknowledging: the consumer is recreated from the
/// stream's start), nothing is stored twice and the ids stay.
#[test]
fn an_event_published_or_delivered_again_is_stored_once() {
    let Some(server) = NatsServer::start_or_skip("serve --nats duplicates") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("finisterra-serve-dup-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut cfg = BrokerConfig::new(&server.url);
    // A short window: the broker lets the second copy through.
    cfg.duplicate_window = Duration::from_millis(500);
    let broker = rt.block_on(async {
        let b = Broker::connect(cfg, Duration::from_secs(5)).await.unwrap();
        b.ensure_streams().await.unwrap();
        let mut p = b.publisher();
        for (i, mmsi) in [227_000_001u32, 227_000_002, 227_000_003]
            .iter()
            .enumerate()
        {
            let key = format!("target.lost/{mmsi}/{i}");
            p.event("target.lost", &key, event_json(*mmsi, i as u32))
                .await
                .unwrap();
        }
        p.flush().await.unwrap();
        tokio::time::sleep(Duration::from_millis(1200)).await;
        // A replacement worker replaying: the same event, the same key.
        p.event(
            "target.lost",
            "target.lost/227000002/1",
            event_json(227_000_002, 1),
        )
        .await
        .unwrap();
        p.flush().await.unwrap();
        b
    });
    let in_stream = rt.block_on(broker.stream_len("FIN_EVENTS")).unwrap();
    assert_eq!(in_stream, 4, "the broker kept the second copy");
    let data = dir.join("data");
    let serve = NatsServe::start(&server, &data);
    wait_all_acknowledged(&server.url, Duration::from_secs(60));
    let first = api_events(serve.port).unwrap();
    assert_eq!(first.len(), 3, "{first:#?}");
    assert_ids_increase(&first);
    assert_eq!(
        metric(serve.port, "finisterra_events_duplicates_dropped_total"),
        Some(1.0)
    );
    assert_eq!(
        first[1]["vessel"]["mmsi"].as_u64(),
        Some(227_000_002),
        "the event as published, its id the API's"
    );
    drop(serve);
    // Everything delivered again.
    assert!(rt.block_on(broker.delete_events_consumer("serve")).unwrap());
    let serve = NatsServe::start(&server, &data);
    wait_all_acknowledged(&server.url, Duration::from_secs(60));
    let again = api_events(serve.port).unwrap();
    assert_eq!(again, first, "stored again, or changed");
    assert_eq!(
        metric(serve.port, "finisterra_events_duplicates_dropped_total"),
        Some(4.0)
    );
    assert_eq!(
        metric(serve.port, "finisterra_broker_events_total"),
        Some(4.0)
    );
    drop(serve);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The broker killed (SIGKILL) and restarted under a running serve: serve
/// says so, waits, reconnects by itself, and stores what is published
/// after; `/metrics` shows the connection and the reconnect.
#[test]
fn serve_nats_rides_out_a_broker_restart() {
    let Some(mut server) = NatsServer::start_or_skip("serve --nats broker restart") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("finisterra-serve-rs-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let publish = |rt: &tokio::runtime::Runtime, url: &str, from: u32, to: u32| {
        rt.block_on(async {
            let b = Broker::connect(BrokerConfig::new(url), Duration::from_secs(10))
                .await
                .unwrap();
            b.ensure_streams().await.unwrap();
            let mut p = b.publisher();
            for i in from..to {
                let mmsi = 227_000_000 + i;
                p.event(
                    "target.lost",
                    &format!("target.lost/{mmsi}/{i}"),
                    event_json(mmsi, i),
                )
                .await
                .unwrap();
            }
            p.flush().await.unwrap();
        })
    };
    publish(&rt, &server.url, 0, 3);
    let serve = NatsServe::start(&server, &dir.join("data"));
    wait_all_acknowledged(&server.url, Duration::from_secs(60));
    assert_eq!(metric(serve.port, "finisterra_broker_connected"), Some(1.0));
    server.restart().expect("nats-server again");
    publish(&rt, &server.url, 3, 6);
    wait_all_acknowledged(&server.url, Duration::from_secs(120));
    let events = api_events(serve.port).unwrap();
    assert_eq!(events.len(), 6, "{events:#?}");
    assert_ids_increase(&events);
    // The gauge follows within a second of the loop.
    let t0 = Instant::now();
    while metric(serve.port, "finisterra_broker_reconnects_total") < Some(1.0) {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "no reconnect counted"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(metric(serve.port, "finisterra_broker_connected"), Some(1.0));
    drop(serve);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Without a data directory the events are kept in memory: each start
/// reads the events stream from its first event again (the durable
/// consumer made anew), so a restart shows every event, once.
#[test]
fn serve_nats_in_memory_reads_the_stream_again_at_each_start() {
    let Some(server) = NatsServer::start_or_skip("serve --nats in memory") else {
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let b = Broker::connect(BrokerConfig::new(&server.url), Duration::from_secs(5))
            .await
            .unwrap();
        b.ensure_streams().await.unwrap();
        let mut p = b.publisher();
        for i in 0..3u32 {
            let mmsi = 227_000_100 + i;
            p.event(
                "target.lost",
                &format!("target.lost/{mmsi}"),
                event_json(mmsi, i),
            )
            .await
            .unwrap();
        }
        p.flush().await.unwrap();
    });
    for _ in 0..2 {
        let serve = NatsServe::start_with(&server, None);
        wait_all_acknowledged(&server.url, Duration::from_secs(60));
        let t0 = Instant::now();
        loop {
            let n = api_events(serve.port).map_or(0, |v| v.len());
            if n == 3 {
                break;
            }
            assert!(t0.elapsed() < Duration::from_secs(30), "{n} events of 3");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

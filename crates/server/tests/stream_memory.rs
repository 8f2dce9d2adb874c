//! Hostile input, item 3: twenty clients asking for `/api/stream?since=0`
//! on a store of 124,000 events cost a bounded amount of memory (before,
//! about 100 MB each). In a file of its own so that the process's resident
//! memory is this test's alone.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;
use finisterra_engine::{Config, Engine};
use finisterra_server::core::Published;
use finisterra_server::sources::SourceSpec;
use finisterra_server::start;

#[test]
fn twenty_clients_asking_for_everything_cost_bounded_memory() {
    let Some(_) = rss_mb() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "no /proc/self/status to measure memory with"
        );
        eprintln!("SKIP: no /proc/self/status");
        return;
    };
    let dir = std::env::temp_dir().join(format!("finisterra-stream-mem-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let n_events = 124_000u64;
    {
        let mut sink = finisterra_server::store::open(&dir.to_string_lossy()).unwrap();
        let pad = "x".repeat(700);
        let mut batch = Vec::with_capacity(10_000);
        for id in 1..=n_events {
            batch.push(Published::new(
                id,
                "risk.updated",
                1_780_000_000_000 + id as i64 * 1000,
                vec![224_000_000 + (id % 1000) as u32, 225_000_000],
                format!(r#"{{"id":{id},"kind":"risk.updated","pad":"{pad}"}}"#).into(),
            ));
            if batch.len() == 10_000 {
                sink.append(&batch).unwrap();
                batch.clear();
            }
        }
        sink.append(&batch).unwrap();
    }
    let rt = runtime();
    let sink = finisterra_server::store::open(&dir.to_string_lossy()).unwrap();
    let mut engine = Engine::new(Config::default());
    engine.set_next_event_id(n_events + 1);
    let running = rt
        .block_on(start(cfg(vec![SourceSpec::Stdin], None), engine, sink))
        .unwrap();
    let a = running.http;
    let before = rss_mb().unwrap();
    let mut clients: Vec<TcpStream> = (0..20)
        .map(|_| {
            let mut s = TcpStream::connect(a).unwrap();
            s.write_all(b"GET /api/stream?since=0&vessels=false HTTP/1.1\r\nHost: t\r\n\r\n")
                .unwrap();
            s
        })
        .collect();
    // Each reads its first 64 KiB, then stops reading (a slow client).
    let mut truncated = 0;
    for s in &mut clients {
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 8192];
        while got.len() < 65_536 {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
        let text = String::from_utf8_lossy(&got);
        if text.contains("event: truncated") && text.contains("\"skipped_through_id\":114000") {
            truncated += 1;
        }
    }
    let mut peak = before;
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(3) {
        peak = peak.max(rss_mb().unwrap());
        std::thread::sleep(Duration::from_millis(100));
    }
    let q0 = Instant::now();
    let (status, _) = get_json(a, "/api/vessels");
    let api_ms = q0.elapsed().as_secs_f64() * 1000.0;
    println!(
        "20 clients since=0 on {n_events} stored events: RSS {before:.1} MB before, {peak:.1} MB peak (+{:.1} MB); /api/vessels answered in {api_ms:.1} ms",
        peak - before
    );
    assert_eq!(status, 200);
    assert_eq!(truncated, 20, "every client was told what was skipped");
    assert!(
        peak - before < 200.0,
        "20 clients cost {:.0} MB (before the fix: about 100 MB each)",
        peak - before
    );
    drop(clients);
    let _ = std::fs::remove_dir_all(&dir);
}

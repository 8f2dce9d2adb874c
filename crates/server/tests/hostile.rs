//! Hostile live input on loopback: what anyone on the network (or an unlucky
//! operator) can send must not blind, starve or crash the server. One test
//! per failure found when the server was probed as an attacker would.

mod common;

use std::io::{Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use finisterra_engine::{Config, Engine};
use finisterra_server::core::Published;
use finisterra_server::sources::SourceSpec;
use finisterra_server::start;
use finisterra_server::store::EventSink;
use finisterra_store::{Acknowledgement, EventQuery};
use serde_json::{json, Value};

fn send(u: &UdpSocket, port: u16, line: &str) {
    u.send_to(format!("{line}\n").as_bytes(), ("127.0.0.1", port))
        .unwrap();
}

fn events(a: std::net::SocketAddr, kinds: &str) -> Vec<Value> {
    get_json(a, &format!("/api/events?kind={kinds}")).1["events"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn square(id: &str, name: &str, lon0: f64, lat0: f64, size: f64) -> Value {
    let (lon1, lat1) = (lon0 + size, lat0 + size);
    json!({"type": "Feature", "id": id, "properties": {"name": name, "rule": "keep_out"},
        "geometry": {"type": "Polygon", "coordinates": [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]]}})
}

/// Item 1: deleting a zone (and an earlier one) while a violation is open:
/// the engine keeps running, the alert is cleared by identity, and a later
/// keep-out entry raises.
#[test]
fn zone_deletes_during_an_open_violation_keep_the_engine_alive_and_right() {
    let rt = runtime();
    let port = free_udp_port();
    let mut c = cfg(vec![udp_source(port)], Some("tok"));
    c.zones_doc = json!({"type": "FeatureCollection", "features": [
        square("a", "A", -9.0, 44.0, 0.01),
        square("b", "B", -9.46, 43.0, 0.01),
        square("c", "C", -9.46, 43.02, 0.01),
    ]});
    let mut engine = Engine::new(Config::default());
    let geo = finisterra_engine::Geography {
        zones: finisterra_engine::geofence::Zones::from_geojson_bytes(
            c.zones_doc.to_string().as_bytes(),
        )
        .unwrap(),
        ..Default::default()
    };
    engine.set_geography(geo);
    let running = rt
        .block_on(start(c, engine, finisterra_server::store::memory()))
        .unwrap();
    let a = running.http;
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    let t0 = finisterra_server::clock::now_ms() / 1000 - 200;
    let m = 224_100_001;
    // 30 kn north: south of B, then inside B.
    send(&u, port, &moving(m, 42.997, -9.45, 0.0, 30.0, t0));
    send(&u, port, &moving(m, 43.005, -9.45, 0.0, 30.0, t0 + 60));
    wait_for(
        || !events(a, "zone.violation").is_empty(),
        "the violation of B",
    );
    let auth = [("Authorization", "Bearer tok")];
    // Delete B (the open alert's zone), then A (an earlier one).
    assert_eq!(http(a, "DELETE", "/api/zones/b", &auth, b"").0, 200);
    assert_eq!(http(a, "DELETE", "/api/zones/a", &auth, b"").0, 200);
    wait_for(
        || {
            events(a, "zone.cleared")
                .iter()
                .any(|e| e["zone"]["name"] == "B" && e["reason"] == "zone_removed")
        },
        "B's violation cleared as zone_removed",
    );
    assert_eq!(get_json(a, "/healthz").0, 200, "the engine is alive");
    // A later keep-out entry (C, now the only zone) raises.
    send(&u, port, &moving(m, 43.0135, -9.45, 0.0, 30.0, t0 + 120));
    send(&u, port, &moving(m, 43.022, -9.45, 0.0, 30.0, t0 + 180));
    wait_for(
        || {
            events(a, "zone.violation")
                .iter()
                .any(|e| e["zone"]["name"] == "C" && e["zone"]["id"] == "c")
        },
        "the violation of C",
    );
    assert_eq!(get_json(a, "/healthz").0, 200);
    // Replacing the list with an empty one ends C's violation too.
    assert_eq!(
        http(
            a,
            "PUT",
            "/api/zones",
            &auth,
            br#"{"type":"FeatureCollection","features":[]}"#
        )
        .0,
        200
    );
    wait_for(
        || {
            events(a, "zone.cleared")
                .iter()
                .any(|e| e["zone"]["name"] == "C" && e["reason"] == "zone_removed")
        },
        "C's violation cleared",
    );
    assert_eq!(get_json(a, "/healthz").0, 200);
}

/// A sink that can refuse writes (a full disk) or panic (a buggy backend).
struct Flaky {
    inner: Box<dyn EventSink>,
    refuse: Arc<AtomicBool>,
    panic: bool,
}

impl EventSink for Flaky {
    fn append(&mut self, events: &[Published]) -> anyhow::Result<Vec<u64>> {
        if self.panic && !events.is_empty() {
            panic!("a store backend bug");
        }
        if self.refuse.load(Ordering::SeqCst) {
            anyhow::bail!("database or disk is full (No space left on device, os error 28)");
        }
        self.inner.append(events)
    }
    fn query(&self, q: &EventQuery) -> anyhow::Result<Vec<Published>> {
        self.inner.query(q)
    }
    fn last_id(&self) -> u64 {
        self.inner.last_id()
    }
    fn acknowledge(&mut self, id: u64, by: &str, time_ms: i64) -> anyhow::Result<bool> {
        self.inner.acknowledge(id, by, time_ms)
    }
    fn acknowledged(&self, ids: &[u64]) -> Vec<Acknowledgement> {
        self.inner.acknowledged(ids)
    }
}

/// If the engine thread dies anyway, the process says so: the health check
/// fails and `engine_failed` resolves (the binary then exits non-zero).
#[test]
fn an_engine_thread_that_dies_fails_the_health_check() {
    let rt = runtime();
    let port = free_udp_port();
    let running = serve_with(
        &rt,
        cfg(vec![udp_source(port)], None),
        Box::new(Flaky {
            inner: finisterra_server::store::memory(),
            refuse: Arc::new(AtomicBool::new(false)),
            panic: true,
        }),
    );
    let a = running.http;
    assert_eq!(get_json(a, "/healthz").0, 200);
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    let t = finisterra_server::clock::now_ms() / 1000;
    // A distress event: the store panics while storing it.
    send(&u, port, &position(970_000_009, 43.0, -9.5, t));
    let failed = rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(20), running.engine_failed())
            .await
            .is_ok()
    });
    assert!(failed, "engine_failed resolves");
    let (s, body) = get_json(a, "/healthz");
    assert_eq!(s, 503);
    assert_eq!(body["status"], "engine_failed");
}

/// Item 2: three (or more) datagrams dated 2099 do not move the picture's
/// time; a head-on pair afterwards raises a risk.
#[test]
fn datagrams_dated_2099_do_not_blind_the_live_picture() {
    let rt = runtime();
    let port = free_udp_port();
    let running = serve_with(
        &rt,
        cfg(vec![udp_source(port)], None),
        finisterra_server::store::memory(),
    );
    let a = running.http;
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    let y2099_s = 4_070_908_800;
    for k in 0..5 {
        send(
            &u,
            port,
            &moving(224_200_000 + k, 45.0, -9.0, 0.0, 5.0, y2099_s + k as i64),
        );
    }
    wait_for(
        || metric(a, "finisterra_time_ahead_of_receive_total") >= 5.0,
        "the 2099 times counted as ahead of receive",
    );
    let now_s = finisterra_server::clock::now_ms() / 1000;
    let (_, stats) = get_json(a, "/api/stats");
    let data_time = stats["data_time"].as_str().unwrap_or("").to_string();
    assert!(
        data_time.starts_with("20") && !data_time.starts_with("2099"),
        "{data_time}"
    );
    // A head-on pair, 6 NM apart at 12 kn each, closing.
    for k in 0..6i64 {
        let t = now_s - 50 + k * 10;
        let d = 0.00066 * k as f64;
        send(&u, port, &moving(224_300_001, 43.2 + d, -9.2, 0.0, 12.0, t));
        send(
            &u,
            port,
            &moving(224_300_002, 43.3 - d, -9.2, 180.0, 12.0, t),
        );
    }
    wait_for(
        || {
            get_json(a, "/api/risks")
                .1
                .as_array()
                .is_some_and(|r| !r.is_empty())
        },
        "a risk for the head-on pair",
    );
}

/// Item 4: kernel drops are visible: every datagram sent is either read,
/// dropped at the full queue, or counted as dropped by the kernel.
#[test]
fn udp_kernel_drops_are_visible_in_metrics() {
    let rt = runtime();
    let port = free_udp_port();
    let mut c = cfg(vec![udp_source(port)], None);
    // A tiny buffer, so that a burst overflows it.
    c.limits.udp_recv_buffer = 4096;
    let running = serve_with(&rt, c, finisterra_server::store::memory());
    let a = running.http;
    if finisterra_server::sources::udp_kernel_drops(format!("127.0.0.1:{port}").parse().unwrap())
        .is_none()
    {
        if std::env::var_os("CI").is_some() {
            panic!("this kernel does not report UDP drops (/proc/net/udp)");
        }
        eprintln!("SKIP: this kernel does not report UDP drops");
        return;
    }
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    let t = finisterra_server::clock::now_ms() / 1000;
    let line = position(224_400_001, 43.0, -9.0, t);
    let sent = 60_000u64;
    for _ in 0..sent {
        send(&u, port, &line);
    }
    let total = || {
        metric(a, "finisterra_lines_total")
            + metric(a, "finisterra_dropped_datagrams_total")
            + metric(a, "finisterra_udp_kernel_drops_total")
    };
    wait_for(|| total() as u64 == sent, "every datagram accounted for");
    let kernel = metric(a, "finisterra_udp_kernel_drops_total");
    println!(
        "sent {sent}: read {}, queue-full {}, kernel drops {kernel}, buffer granted {} B",
        metric(a, "finisterra_lines_total"),
        metric(a, "finisterra_dropped_datagrams_total"),
        metric(a, "finisterra_udp_receive_buffer_bytes")
    );
    assert!(kernel > 0.0, "a burst into a 4 KiB buffer loses datagrams");
    assert!(metric(a, "finisterra_udp_receive_buffer_bytes") > 0.0);
}

/// Reads a live stream until `until` holds on what arrived (or 20 s).
fn read_stream(s: &mut TcpStream, until: impl Fn(&str) -> bool) -> String {
    s.set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let mut got = String::new();
    let t0 = Instant::now();
    let mut buf = [0u8; 8192];
    while t0.elapsed() < Duration::from_secs(20) && !until(&got) {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.push_str(&String::from_utf8_lossy(&buf[..n])),
            Err(_) => continue,
        }
    }
    got
}

/// Item 6: a store that refuses writes (a full disk): alarms are still
/// pushed, marked as not yet stored; consoles are told; every event is
/// stored once the store takes writes again.
#[test]
fn a_store_that_refuses_writes_still_pushes_alarms_and_stores_them_later() {
    let rt = runtime();
    let port = free_udp_port();
    let refuse = Arc::new(AtomicBool::new(true));
    let running = serve_with(
        &rt,
        cfg(vec![udp_source(port)], None),
        Box::new(Flaky {
            inner: finisterra_server::store::memory(),
            refuse: refuse.clone(),
            panic: false,
        }),
    );
    let a = running.http;
    let mut s = TcpStream::connect(a).unwrap();
    s.write_all(b"GET /api/stream?vessels=false HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    let t = finisterra_server::clock::now_ms() / 1000;
    for k in 0..5 {
        send(&u, port, &position(970_000_100 + k, 43.0, -9.5, t));
    }
    let got = read_stream(&mut s, |g| g.matches("event: distress").count() >= 5);
    assert!(got.contains("event: store.degraded"), "{got}");
    assert_eq!(got.matches("event: distress").count(), 5, "{got}");
    assert_eq!(got.matches("\"stored\":false").count(), 5, "{got}");
    assert_eq!(metric(a, "finisterra_store_degraded"), 1.0);
    assert_eq!(metric(a, "finisterra_store_spilled_events"), 5.0);
    assert!(events(a, "distress").is_empty(), "nothing stored yet");
    assert!(get_json(a, "/healthz").1["store_degraded_since"].is_string());
    // Space returns.
    refuse.store(false, Ordering::SeqCst);
    let got = read_stream(&mut s, |g| g.contains("event: store.recovered"));
    assert!(got.contains("event: store.recovered"), "{got}");
    wait_for(|| events(a, "distress").len() == 5, "all five stored");
    let ids: Vec<u64> = events(a, "distress")
        .iter()
        .filter_map(|e| e["id"].as_u64())
        .collect();
    assert_eq!(ids, vec![1, 2, 3, 4, 5]);
    assert_eq!(metric(a, "finisterra_store_degraded"), 0.0);
    assert_eq!(metric(a, "finisterra_store_spilled_events"), 0.0);
    assert_eq!(metric(a, "finisterra_store_spill_dropped_total"), 0.0);
}

/// Item 7: half-open requests cannot make the API unreachable: headers must
/// arrive within the header timeout, and connections beyond the limit are
/// closed at once.
#[test]
fn half_open_requests_time_out_and_the_connection_limit_holds() {
    let rt = runtime();
    let mut c = cfg(vec![SourceSpec::Stdin], None);
    c.limits.header_timeout = Duration::from_secs(1);
    c.limits.max_connections = 8;
    let running = serve_with(&rt, c, finisterra_server::store::memory());
    let a = running.http;
    let mut half: Vec<TcpStream> = (0..8)
        .map(|_| {
            let mut s = TcpStream::connect(a).unwrap();
            s.write_all(b"GET /api/stats HTTP/1.1\r\nHost: ").unwrap();
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    // At the limit: a ninth connection is closed without an answer.
    let (status, _) = http(a, "GET", "/api/stats", &[], b"");
    assert_eq!(status, 0, "refused at the connection limit");
    assert!(metric_later(a) >= 1.0);
    // The half-open ones are closed by the header timeout.
    for s in &mut half {
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut buf = Vec::new();
        let _ = s.read_to_end(&mut buf);
    }
    let (status, _) = http(a, "GET", "/api/stats", &[], b"");
    assert_eq!(status, 200, "the API answers again");
}

/// The refused-connection counter, read once a connection is free again.
fn metric_later(a: std::net::SocketAddr) -> f64 {
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(10) {
        let (s, body) = http(a, "GET", "/metrics", &[], b"");
        if s == 200 {
            return String::from_utf8_lossy(&body)
                .lines()
                .find(|l| l.starts_with("finisterra_http_refused_connections_total"))
                .and_then(|l| l.rsplit(' ').next()?.parse().ok())
                .unwrap_or(0.0);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    0.0
}

/// Item 8: a change without the token is refused before its body is read.
#[test]
fn the_token_is_checked_before_the_body_is_read() {
    let rt = runtime();
    let running = serve_with(
        &rt,
        cfg(vec![SourceSpec::Stdin], Some("secret")),
        finisterra_server::store::memory(),
    );
    let mut s = TcpStream::connect(running.http).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    // A 4 MB body announced, none sent.
    s.write_all(b"PUT /api/zones HTTP/1.1\r\nHost: t\r\nContent-Length: 4000000\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 512];
    let n = s.read(&mut buf).unwrap_or(0);
    let head = String::from_utf8_lossy(&buf[..n]);
    assert!(head.starts_with("HTTP/1.1 401"), "{head}");
}

/// With a read token, reads need it; the stream takes it as `?token=`.
#[test]
fn a_read_token_guards_the_api_and_the_stream() {
    let rt = runtime();
    let mut c = cfg(vec![SourceSpec::Stdin], Some("change"));
    c.limits.read_token = Some("read".into());
    let running = serve_with(&rt, c, finisterra_server::store::memory());
    let a = running.http;
    assert_eq!(get_json(a, "/api/vessels").0, 401);
    assert_eq!(get_json(a, "/metrics").0, 401);
    assert_eq!(
        http(
            a,
            "GET",
            "/api/vessels",
            &[("Authorization", "Bearer read")],
            b""
        )
        .0,
        200
    );
    assert_eq!(
        http(
            a,
            "GET",
            "/api/vessels",
            &[("Authorization", "Bearer change")],
            b""
        )
        .0,
        200
    );
    assert_eq!(get_json(a, "/api/stats?token=read").0, 200);
    // The page itself and the health check stay open.
    assert_eq!(get_json(a, "/healthz").0, 200);
    assert_eq!(http(a, "GET", "/", &[], b"").0, 200);
}

/// Item 8: a TCP feed that falls silent is closed after the idle timeout.
#[test]
fn a_silent_tcp_feed_is_closed() {
    let rt = runtime();
    let port = free_port();
    let mut c = cfg(
        vec![SourceSpec::TcpListen(
            format!("127.0.0.1:{port}").parse().unwrap(),
        )],
        None,
    );
    c.limits.tcp_idle_timeout = Duration::from_secs(1);
    let running = serve_with(&rt, c, finisterra_server::store::memory());
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let t0 = Instant::now();
    let mut buf = [0u8; 16];
    let n = s.read(&mut buf).unwrap_or(99);
    assert_eq!(n, 0, "closed by the server");
    assert!(t0.elapsed() < Duration::from_secs(9));
    assert_eq!(
        metric(running.http, "finisterra_tcp_idle_closed_total"),
        1.0
    );
}

/// Item 3 (correctness part; the memory figure is in `stream_memory.rs`):
/// a client asking for everything gets at most the backlog limit, told what
/// was skipped and where to page it from; a client limit answers 503.
#[test]
fn the_backlog_is_capped_per_client_and_clients_are_limited() {
    let rt = runtime();
    let mut sink = finisterra_server::store::memory();
    let evs: Vec<Published> = (1..=500u64)
        .map(|id| {
            Published::new(
                id,
                "distress",
                1_780_000_000_000 + id as i64,
                vec![970_000_000],
                format!(r#"{{"id":{id},"kind":"distress","mmsi":970000000}}"#).into(),
            )
        })
        .collect();
    sink.append(&evs).unwrap();
    let mut c = cfg(vec![SourceSpec::Stdin], None);
    c.limits.stream_backlog_max = 100;
    c.limits.max_stream_clients = 2;
    let mut engine = Engine::new(Config::default());
    engine.set_next_event_id(501);
    let running = rt.block_on(start(c, engine, sink)).unwrap();
    let a = running.http;
    let mut s = TcpStream::connect(a).unwrap();
    s.write_all(b"GET /api/stream?since=0&vessels=false HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    let got = read_stream(&mut s, |g| g.contains("\nid: 500\n"));
    assert!(got.contains("event: truncated"), "{got}");
    assert!(got.contains("\"skipped_through_id\":400"), "{got}");
    assert!(!got.contains("\nid: 400\n") && got.contains("\nid: 401\n"));
    assert_eq!(got.matches("event: distress").count(), 100);
    // A second client fits, a third does not.
    let mut s2 = TcpStream::connect(a).unwrap();
    s2.write_all(b"GET /api/stream?vessels=false HTTP/1.1\r\nHost: t\r\n\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let (status, body) = get_json(a, "/api/stream?vessels=false");
    assert_eq!(status, 503, "{body}");
    assert!(metric(a, "finisterra_stream_refused_total") >= 1.0);
    drop(s);
    drop(s2);
}

/// A tmpfs mounted for one test, unmounted when dropped.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(size: &str) -> Option<Tmpfs> {
        let dir = std::env::temp_dir().join(format!("finisterra-full-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok()?;
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(Tmpfs(dir))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg("-l")
            .arg(&self.0)
            .status();
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// Item 6 on a real file system: the SQLite store on a small tmpfs that
/// fills up. Alarms are pushed while it is full, and every event is stored
/// once space returns.
#[test]
fn a_full_disk_loses_no_event() {
    let Some(fs) = Tmpfs::mount("6m") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "cannot mount a tmpfs (root needed) for the disk-full test"
        );
        eprintln!("SKIP: cannot mount a tmpfs (not root?)");
        return;
    };
    let rt = runtime();
    let port = free_udp_port();
    let sink = finisterra_server::store::open(&fs.0.to_string_lossy()).unwrap();
    let running = serve_with(&rt, cfg(vec![udp_source(port)], None), sink);
    let a = running.http;
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    let t = finisterra_server::clock::now_ms() / 1000;
    send(&u, port, &position(970_100_000, 43.0, -9.5, t));
    wait_for(
        || events(a, "distress").len() == 1,
        "the first event stored",
    );
    // Fill the disk.
    let filler = fs.0.join("filler");
    {
        let mut f = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 64 << 10];
        while f.write_all(&chunk).is_ok() {}
        let _ = f.sync_all();
    }
    // Distress events until the store refuses them.
    let mut sent = 1u32;
    let t0 = Instant::now();
    while metric(a, "finisterra_store_degraded") < 1.0 && t0.elapsed() < Duration::from_secs(30) {
        for _ in 0..50 {
            send(&u, port, &position(970_100_000 + sent, 43.0, -9.5, t));
            sent += 1;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        metric(a, "finisterra_store_degraded"),
        1.0,
        "the store filled up"
    );
    // A few more while full: pushed, kept.
    for _ in 0..20 {
        send(&u, port, &position(970_100_000 + sent, 43.0, -9.5, t));
        sent += 1;
    }
    wait_for(
        || metric(a, "finisterra_events_total") as u32 == sent,
        "every event published",
    );
    assert!(metric(a, "finisterra_store_spilled_events") > 0.0);
    // Space returns.
    std::fs::remove_file(&filler).unwrap();
    wait_for(
        || metric(a, "finisterra_store_degraded") == 0.0,
        "the store recovers",
    );
    let stored = |a| {
        let mut ids = Vec::new();
        let mut since = 0;
        loop {
            let page = get_json(a, &format!("/api/events?since={since}&limit=1000")).1;
            let evs = page["events"].as_array().cloned().unwrap_or_default();
            if evs.is_empty() {
                return ids;
            }
            ids.extend(evs.iter().filter_map(|e| e["id"].as_u64()));
            since = page["next"].as_u64().unwrap_or(u64::MAX);
        }
    };
    let ids: Vec<u64> = stored(a);
    assert_eq!(
        ids,
        (1..=u64::from(sent)).collect::<Vec<u64>>(),
        "every event stored, in order"
    );
    assert_eq!(metric(a, "finisterra_store_spill_dropped_total"), 0.0);
    println!("{sent} events, every one stored after the disk filled and emptied");
    drop(running);
    drop(rt);
}

/// Item 8: self-intersecting polygons are refused, naming the edges;
/// unclosed rings are closed with a warning in the answer.
#[test]
fn bad_polygons_are_refused_or_repaired_with_a_warning() {
    let rt = runtime();
    let running = serve_with(
        &rt,
        cfg(vec![SourceSpec::Stdin], Some("tok")),
        finisterra_server::store::memory(),
    );
    let a = running.http;
    let auth = [("Authorization", "Bearer tok")];
    let bow_tie = json!({"type": "FeatureCollection", "features": [{"type": "Feature",
        "properties": {"name": "Bow tie", "rule": "keep_out"},
        "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}}]});
    let (s, body) = http(
        a,
        "PUT",
        "/api/zones",
        &auth,
        bow_tie.to_string().as_bytes(),
    );
    let text = String::from_utf8_lossy(&body);
    assert_eq!(s, 422, "{text}");
    assert!(text.contains("Bow tie") && text.contains("edges"), "{text}");
    let open_ring = json!({"type": "FeatureCollection", "features": [{"type": "Feature",
        "properties": {"name": "Open", "rule": "keep_out"},
        "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}}]});
    let (s, body) = http(
        a,
        "PUT",
        "/api/zones",
        &auth,
        open_ring.to_string().as_bytes(),
    );
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["zones"], 1);
    let w = v["warnings"].as_array().cloned().unwrap_or_default();
    assert_eq!(w.len(), 1, "{v}");
    assert!(w[0].as_str().unwrap_or("").contains("not closed"), "{v}");
    assert_eq!(get_json(a, "/healthz").0, 200);
}

//! `serve` over real sockets on loopback: inputs (UDP, TCP listener, TCP
//! client), the API (good and bad requests), the live stream with resume.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener as StdTcpListener, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use common::*;
use finisterra_server::sources::SourceSpec;
use serde_json::{json, Value};

#[test]
fn udp_tcp_listener_and_tcp_client_all_feed_the_picture() {
    let rt = runtime();
    let udp_port = free_udp_port();
    let tcp_port = free_port();
    // A feed the server connects to.
    let feed = StdTcpListener::bind("127.0.0.1:0").unwrap();
    let feed_addr = feed.local_addr().unwrap();
    let t = finisterra_server::clock::now_ms() / 1000;
    let feeder = std::thread::spawn(move || {
        let (mut s, _) = feed.accept().unwrap();
        s.write_all(format!("{}\r\n", position(224000003, 43.3, -9.3, t)).as_bytes())
            .unwrap();
        std::thread::sleep(Duration::from_secs(2));
    });
    let running = serve_with(
        &rt,
        cfg(
            vec![
                udp_source(udp_port),
                SourceSpec::TcpListen(format!("127.0.0.1:{tcp_port}").parse().unwrap()),
                SourceSpec::Connect(feed_addr.to_string()),
            ],
            None,
        ),
        finisterra_server::store::memory(),
    );
    let http_addr = running.http;
    // UDP: two sentences in one datagram (receivers batch them).
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    let dgram = format!(
        "{}\r\n{}\r\n",
        position(224000001, 43.1, -9.1, t),
        position(224000011, 43.11, -9.1, t)
    );
    u.send_to(dgram.as_bytes(), ("127.0.0.1", udp_port))
        .unwrap();
    // TCP push.
    let mut c = TcpStream::connect(("127.0.0.1", tcp_port)).unwrap();
    c.write_all(format!("{}\n", position(224000002, 43.2, -9.2, t)).as_bytes())
        .unwrap();
    c.flush().unwrap();
    wait_for(
        || {
            let (_, v) = get_json(http_addr, "/api/vessels");
            let mut m: Vec<u64> = v
                .as_array()
                .map(|a| a.iter().filter_map(|x| x["mmsi"].as_u64()).collect())
                .unwrap_or_default();
            m.sort();
            m == vec![224000001, 224000002, 224000003, 224000011]
        },
        "vessels from UDP, TCP listener and TCP client",
    );
    let (_, stats) = get_json(http_addr, "/api/stats");
    let sources = stats["sources"].as_object().unwrap();
    assert_eq!(sources.len(), 3);
    assert_eq!(sources[&format!("udp:127.0.0.1:{udp_port}")]["messages"], 2);
    let (s, metrics) = http(http_addr, "GET", "/metrics", &[], b"");
    assert_eq!(s, 200);
    let metrics = String::from_utf8(metrics).unwrap();
    assert!(
        metrics.contains(&format!(
            "finisterra_messages_total{{source=\"udp:127.0.0.1:{udp_port}\"}} 2"
        )),
        "{metrics}"
    );
    assert!(metrics.contains("finisterra_vessels 4"));
    feeder.join().unwrap();
}

#[test]
fn the_api_refuses_bad_requests_clearly_and_changes_nothing() {
    let rt = runtime();
    let running = serve_with(
        &rt,
        cfg(
            vec![SourceSpec::Udp("127.0.0.1:0".parse().unwrap())],
            Some("s3cret"),
        ),
        finisterra_server::store::memory(),
    );
    let a = running.http;
    for (path, status) in [
        ("/api/vessels?bbox=1,2,3", 400),
        ("/api/vessels?bbox=a,b,c,d", 400),
        ("/api/vessels?bbox=-10,50,10,40", 400),
        ("/api/vessels?ship_type=79-70", 400),
        ("/api/vessels?class=C", 400),
        ("/api/vessels?limit=x", 400),
        ("/api/vessels/abc", 400),
        ("/api/vessels/123456789", 404),
        ("/api/events?kind=risk.raisd", 400),
        ("/api/events?limit=0", 400),
        ("/api/events?limit=100000", 400),
        ("/api/events?since=-1", 400),
        ("/api/stream?kinds=nonsense", 400),
        ("/api/nothing", 404),
    ] {
        let (s, body) = http(a, "GET", path, &[], b"");
        assert_eq!(s, status, "{path}: {}", String::from_utf8_lossy(&body));
        if status == 400 {
            let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
            assert!(
                v["error"].as_str().is_some_and(|e| !e.is_empty()) || !body.is_empty(),
                "{path}"
            );
        }
    }
    let good = json!({"type": "FeatureCollection", "features": [{"type": "Feature",
        "properties": {"name": "Anchorage", "rule": "notify"},
        "geometry": {"type": "Polygon", "coordinates": [[[-9.3, 42.9], [-9.2, 42.9], [-9.2, 43.0], [-9.3, 43.0], [-9.3, 42.9]]]}}]});
    let auth = [
        ("Authorization", "Bearer s3cret"),
        ("Content-Type", "application/json"),
    ];
    // No token, wrong token.
    assert_eq!(
        http(a, "PUT", "/api/zones", &[], good.to_string().as_bytes()).0,
        401
    );
    assert_eq!(
        http(
            a,
            "PUT",
            "/api/zones",
            &[("Authorization", "Bearer nope")],
            good.to_string().as_bytes()
        )
        .0,
        401
    );
    // A good document is taken.
    assert_eq!(
        http(a, "PUT", "/api/zones", &auth, good.to_string().as_bytes()).0,
        200
    );
    // Bad documents: not JSON, wrong types, bad rule, huge: refused, nothing changed.
    let bad_rule = json!({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "X", "rule": "keepout"},
        "geometry": {"type": "Point", "coordinates": [0, 0]}}]});
    assert_eq!(http(a, "PUT", "/api/zones", &auth, b"{not json").0, 400);
    assert_eq!(http(a, "PUT", "/api/zones", &auth, b"[1,2,3]").0, 422);
    let (s, body) = http(
        a,
        "PUT",
        "/api/zones",
        &auth,
        bad_rule.to_string().as_bytes(),
    );
    assert_eq!(s, 422);
    assert!(
        String::from_utf8_lossy(&body).contains("keepout"),
        "{}",
        String::from_utf8_lossy(&body)
    );
    let huge = vec![b' '; 5 << 20];
    assert_eq!(http(a, "PUT", "/api/zones", &auth, &huge).0, 413);
    assert_eq!(
        http(a, "POST", "/api/zones", &auth, br#"{"type":"Polygon"}"#).0,
        400
    );
    assert_eq!(http(a, "DELETE", "/api/zones/7", &auth, b"").0, 404);
    assert_eq!(http(a, "DELETE", "/api/zones/x", &auth, b"").0, 404);
    let (s, mut zones) = get_json(a, "/api/zones");
    assert_eq!(s, 200);
    // Every feature was given a stable id (zones are addressed by it).
    for f in zones["features"].as_array_mut().unwrap() {
        let id = f.as_object_mut().unwrap().remove("id");
        assert!(id.is_some_and(|i| i.as_str().is_some_and(|i| i.starts_with("zone-"))));
    }
    assert_eq!(zones, good, "the zones are still the last good document");
    // Hazards likewise.
    assert_eq!(http(a, "PUT", "/api/hazards", &auth, br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,1]}}]}"#).0, 422);
    // The OpenAPI description is served and names the paths.
    let (s, doc) = get_json(a, "/api/openapi.json");
    assert_eq!(s, 200);
    assert!(doc["paths"]["/api/stream"].is_object());
}

#[test]
fn changes_are_refused_when_no_token_was_given() {
    let rt = runtime();
    let running = serve_with(
        &rt,
        cfg(vec![SourceSpec::Udp("127.0.0.1:0".parse().unwrap())], None),
        finisterra_server::store::memory(),
    );
    let (s, body) = http(
        running.http,
        "PUT",
        "/api/zones",
        &[("Authorization", "Bearer anything")],
        br#"{"type":"FeatureCollection","features":[]}"#,
    );
    assert_eq!(s, 403, "{}", String::from_utf8_lossy(&body));
}

#[test]
fn the_stream_carries_events_and_resumes_after_a_reconnect() {
    let rt = runtime();
    let udp_port = free_udp_port();
    let running = serve_with(
        &rt,
        cfg(vec![udp_source(udp_port)], None),
        finisterra_server::store::memory(),
    );
    let a = running.http;
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    let t = finisterra_server::clock::now_ms() / 1000;
    // Two AIS-SART devices: two distress events, at once.
    u.send_to(
        format!("{}\n", position(970000001, 43.0, -9.5, t)).as_bytes(),
        ("127.0.0.1", udp_port),
    )
    .unwrap();
    wait_for(
        || {
            get_json(a, "/api/events").1["events"]
                .as_array()
                .is_some_and(|e| !e.is_empty())
        },
        "first event",
    );
    // A client that was disconnected after event 1 resumes after it.
    let mut s = TcpStream::connect(a).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"GET /api/stream?vessels=false HTTP/1.1\r\nHost: t\r\nLast-Event-ID: 1\r\n\r\n")
        .unwrap();
    u.send_to(
        format!("{}\n", position(970000002, 43.1, -9.5, t + 1)).as_bytes(),
        ("127.0.0.1", udp_port),
    )
    .unwrap();
    let mut got = String::new();
    let t0 = Instant::now();
    let mut buf = [0u8; 4096];
    while t0.elapsed() < Duration::from_secs(10) && !got.contains("970000002") {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.push_str(&String::from_utf8_lossy(&buf[..n])),
            Err(_) => break,
        }
    }
    assert!(got.contains("event: distress"), "{got}");
    assert!(got.contains("970000002"), "{got}");
    assert!(
        !got.contains("970000001"),
        "event 1 is not sent again: {got}"
    );
    assert!(got.contains("id: 2"), "{got}");
    // The same events through the API, and an acknowledgement.
    let (_, ev) = get_json(a, "/api/events?kind=distress");
    assert_eq!(ev["events"].as_array().unwrap().len(), 2);
    let (st, body) = http(
        a,
        "POST",
        "/api/events/1/ack",
        &[("X-Operator", "VTS Finisterre")],
        b"",
    );
    assert_eq!(st, 200);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["acknowledged_by"], "VTS Finisterre");
    // The first acknowledgement stands.
    let (_, body) = http(
        a,
        "POST",
        "/api/events/1/ack",
        &[("X-Operator", "someone else")],
        b"",
    );
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["acknowledged_by"], "VTS Finisterre");
    assert_eq!(http(a, "POST", "/api/events/999/ack", &[], b"").0, 404);
    let (_, ev) = get_json(a, "/api/events?kind=distress");
    assert_eq!(ev["events"][0]["acknowledged"], true);
    assert_eq!(ev["events"][0]["acknowledged_by"], "VTS Finisterre");
    assert!(ev["events"][0]["acknowledged_at"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    assert!(ev["events"][1].get("acknowledged").is_none());
    // Every open stream hears of it.
    let mut got = String::new();
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(10) && !got.contains("VTS Finisterre") {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.push_str(&String::from_utf8_lossy(&buf[..n])),
            Err(_) => break,
        }
    }
    assert!(got.contains("event: ack"), "{got}");
    assert!(
        got.contains(r#""acknowledged_by":"VTS Finisterre""#),
        "{got}"
    );
    assert!(got.contains(r#""id":1"#), "{got}");

    // Newest first, and paging backwards with `before`.
    let (_, ev) = get_json(a, "/api/events?order=desc&limit=1");
    assert_eq!(ev["events"][0]["id"], 2);
    assert_eq!(ev["next"], 2);
    let (_, ev) = get_json(a, "/api/events?order=desc&limit=1&before=2");
    assert_eq!(ev["events"][0]["id"], 1);
    let (_, ev) = get_json(a, "/api/events?order=desc&before=1");
    assert_eq!(ev["events"].as_array().unwrap().len(), 0);
    let (_, ev) = get_json(a, "/api/events?mmsi=970000002");
    assert_eq!(ev["events"].as_array().unwrap().len(), 1);
    assert_eq!(ev["events"][0]["id"], 2);
    let (_, ev) = get_json(a, "/api/events?acknowledged=false");
    assert_eq!(ev["events"].as_array().unwrap().len(), 1);
    assert_eq!(ev["events"][0]["id"], 2);
    assert_eq!(get_json(a, "/api/events?order=sideways").0, 400);
    // The run is named, for clients to tell a restart from a reconnect.
    let (_, stats) = get_json(a, "/api/stats");
    assert!(stats["run_id"].as_str().is_some_and(|r| !r.is_empty()));
}

#[test]
fn the_page_is_revalidated_and_unchanged_files_cost_a_304() {
    let rt = runtime();
    let running = serve_with(
        &rt,
        cfg(Vec::new(), None),
        finisterra_server::store::memory(),
    );
    let a = running.http;
    let raw_headers = |path: &str, extra: &[(&str, &str)]| {
        let mut s = TcpStream::connect(a).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut req = format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n");
        for (k, v) in extra {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        s.write_all(req.as_bytes()).unwrap();
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        let text = String::from_utf8_lossy(&raw).to_string();
        let head = text
            .split("\r\n\r\n")
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        head
    };
    for path in ["/", "/assets/app.js", "/api/land"] {
        let head = raw_headers(path, &[]);
        assert!(head.starts_with("http/1.1 200"), "{path}: {head}");
        assert!(head.contains("cache-control: no-cache"), "{path}: {head}");
        let etag = head
            .lines()
            .find_map(|l| l.strip_prefix("etag: "))
            .unwrap_or_else(|| panic!("{path}: no etag: {head}"))
            .trim()
            .to_string();
        assert!(etag.starts_with('"') && etag.len() > 2, "{path}: {etag}");
        let again = raw_headers(path, &[("If-None-Match", &etag)]);
        assert!(again.starts_with("http/1.1 304"), "{path}: {again}");
        let other = raw_headers(path, &[("If-None-Match", "\"stale\"")]);
        assert!(other.starts_with("http/1.1 200"), "{path}: {other}");
    }
}

#[test]
fn vessel_states_and_tracks_are_kept_apart_from_the_events() {
    use finisterra_store::{SqliteStore, Store, StoreOptions, DB_FILE_NAME, STATE_DB_FILE_NAME};
    let rt = runtime();
    let dir = std::env::temp_dir().join(format!(
        "finisterra-state-test-{}-{}",
        std::process::id(),
        finisterra_server::clock::now_ms()
    ));
    let udp_port = free_udp_port();
    let running = serve_with(
        &rt,
        cfg(vec![udp_source(udp_port)], None),
        finisterra_server::store::open(&dir.to_string_lossy()).unwrap(),
    );
    let t = finisterra_server::clock::now_ms() / 1000;
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    // A ship, and an AIS-SART (a distress event at once).
    let dgram = format!(
        "{}\r\n{}\r\n",
        position(224000001, 43.1, -9.1, t),
        position(970000001, 43.2, -9.2, t)
    );
    u.send_to(dgram.as_bytes(), ("127.0.0.1", udp_port))
        .unwrap();
    wait_for(
        || {
            let (_, v) = get_json(running.http, "/api/events?kind=distress");
            v["events"].as_array().is_some_and(|a| !a.is_empty())
        },
        "the distress event",
    );
    let opts = StoreOptions::default();
    // The state thread saves every 5 s, into its own database file.
    wait_for(
        || {
            SqliteStore::open_file(&dir, STATE_DB_FILE_NAME, &opts)
                .and_then(|s| s.vessels())
                .is_ok_and(|v| v.iter().any(|r| r.mmsi == 224000001))
        },
        "the vessel's state in state.db",
    );
    let events = SqliteStore::open_file(&dir, DB_FILE_NAME, &opts).unwrap();
    assert_eq!(
        events.last_event_id().unwrap(),
        1,
        "the distress event is durable"
    );
    assert!(
        events.vessels().unwrap().is_empty(),
        "vessel states do not share the events' database (nor its lock, log or fsync)"
    );
    let _ = running
        .tx
        .try_send(finisterra_server::core::Input::Shutdown);
    let _ = std::fs::remove_dir_all(&dir);
}

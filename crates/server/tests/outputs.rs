//! The fan-out hub's consumers with real clients on loopback: a WebSocket
//! client that resumes after a reconnect, NMEA forwarding over UDP and TCP,
//! events over MQTT to a real `mosquitto`, signed webhooks (one receiver
//! that fails and is retried, then counted), Signal K deltas.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::*;
use finisterra_server::outputs::OutputSpec;
use finisterra_server::Running;
use futures_util::StreamExt;
use serde_json::Value;

/// A server with one UDP input and these outputs.
fn serve(rt: &tokio::runtime::Runtime, outputs: &[String]) -> (Running, u16) {
    let port = free_udp_port();
    let mut c = cfg(vec![udp_source(port)], None);
    c.outputs = outputs
        .iter()
        .map(|u| OutputSpec::parse(u).unwrap())
        .collect();
    let running = serve_with(rt, c, finisterra_server::store::memory());
    (running, port)
}

/// Sends lines to the server's UDP input, one datagram each, paced so that
/// the socket buffer never overflows.
fn feed(port: u16, lines: &[String]) {
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    for l in lines {
        u.send_to(format!("{l}\r\n").as_bytes(), ("127.0.0.1", port))
            .unwrap();
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Two vessels head-on 1.8 NM apart at 12 kn each: a collision risk.
fn head_on(a: u32, b: u32, lat: f64) -> Vec<String> {
    let t = finisterra_server::clock::now_ms() / 1000;
    vec![
        moving(a, lat, -9.3, 0.0, 12.0, t),
        moving(b, lat + 0.03, -9.3, 180.0, 12.0, t),
    ]
}

fn events(a: std::net::SocketAddr) -> Vec<Value> {
    get_json(a, "/api/events?limit=10000").1["events"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Reads WebSocket messages until `done` says so; returns them as JSON.
async fn read_ws(
    ws: &mut tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    mut done: impl FnMut(&[Value]) -> bool,
) -> Vec<Value> {
    let mut got = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !done(&got) {
        let m = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("WebSocket messages in time")
            .expect("the WebSocket stays open")
            .unwrap();
        if let tokio_tungstenite::tungstenite::Message::Text(t) = m {
            got.push(serde_json::from_str(&t).unwrap());
        }
    }
    got
}

fn ids(frames: &[Value]) -> Vec<u64> {
    frames.iter().filter_map(|f| f["id"].as_u64()).collect()
}

#[test]
fn a_websocket_client_resumes_after_a_reconnect_without_a_gap() {
    let rt = runtime();
    let (running, port) = serve(&rt, &[]);
    let a = running.http;
    feed(port, &head_on(227_000_001, 227_000_002, 43.0));
    wait_for(|| !events(a).is_empty(), "the first risk");
    let first_max = events(a)
        .iter()
        .filter_map(|e| e["id"].as_u64())
        .max()
        .unwrap();
    let url = format!("ws://{a}/api/ws?since=0&vessels=false");
    let last = rt.block_on(async {
        let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
        let got = read_ws(&mut ws, |g| ids(g).last() == Some(&first_max)).await;
        let i = ids(&got);
        assert_eq!(
            i,
            (1..=first_max).collect::<Vec<_>>(),
            "the backlog, in order"
        );
        let f = &got[0];
        assert_eq!(f["event"], f["data"]["kind"], "{f}");
        assert_eq!(f["id"], f["data"]["id"]);
        // A live event reaches the connected client.
        feed(port, &head_on(227_000_003, 227_000_004, 44.0));
        let live = read_ws(&mut ws, |g| {
            g.iter().any(|f| {
                f["data"]["a"]["mmsi"] == 227_000_003 || f["data"]["b"]["mmsi"] == 227_000_003
            })
        })
        .await;
        let last = *ids(&live).last().unwrap();
        ws.close(None).await.unwrap();
        last
    });
    // While disconnected: more events.
    feed(port, &head_on(227_000_005, 227_000_006, 45.0));
    wait_for(
        || {
            events(a)
                .iter()
                .any(|e| e["a"]["mmsi"] == 227_000_005 || e["b"]["mmsi"] == 227_000_005)
        },
        "the risk raised while disconnected",
    );
    let newest = events(a)
        .iter()
        .filter_map(|e| e["id"].as_u64())
        .max()
        .unwrap();
    assert!(newest > last);
    let url = format!("ws://{a}/api/ws?since={last}&vessels=false");
    rt.block_on(async {
        let (mut ws, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
        let got = read_ws(&mut ws, |g| ids(g).last() == Some(&newest)).await;
        assert_eq!(
            ids(&got),
            (last + 1..=newest).collect::<Vec<_>>(),
            "every event after the last one seen, none twice"
        );
    });
    // A bad query is an HTTP error, not a silent socket.
    let (status, body) = http(a, "GET", "/api/ws?kinds=nonsense", &[], b"");
    assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
}

/// Collects datagrams on a socket into a shared list.
fn udp_collector() -> (u16, Arc<Mutex<Vec<String>>>) {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = s.local_addr().unwrap().port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 65_536];
        while let Ok(n) = s.recv(&mut buf) {
            g.lock()
                .unwrap()
                .push(String::from_utf8_lossy(&buf[..n]).to_string());
        }
    });
    (port, got)
}

/// The payload field of each sentence in a text of lines.
fn payloads(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let body = l.rsplit('\\').next().unwrap();
            body.split(',').nth(5).unwrap().to_string()
        })
        .collect()
}

#[test]
fn nmea_forwarding_over_udp_and_tcp_delivers_every_line_in_order() {
    let rt = runtime();
    let (up, dedup) = udp_collector();
    let (rawp, raw) = udp_collector();
    let (onlyp, only_got) = udp_collector();
    // The TCP receiver is not listening yet: the output retries and the
    // lines wait in its queue.
    let tcp_port = free_port();
    let only = 227_100_007u32;
    let (running, port) = serve(
        &rt,
        &[
            format!("udp://127.0.0.1:{up}"),
            format!("udp://127.0.0.1:{rawp}?raw=true"),
            format!("tcp://127.0.0.1:{tcp_port}"),
            format!("udp://127.0.0.1:{onlyp}?mmsi={only}&queue=5000"),
        ],
    );
    let t = finisterra_server::clock::now_ms() / 1000;
    let mut sent = Vec::new();
    let mut sent_only = Vec::new();
    let mut lines = Vec::new();
    for i in 0..60u32 {
        let mmsi = 227_100_000 + i % 10;
        let lat = 43.0 + f64::from(i) * 0.001;
        let l = heard_by(mmsi, lat, -9.3, t, "first");
        sent.push(payloads(&l)[0].clone());
        if mmsi == only {
            sent_only.push(payloads(&l)[0].clone());
        }
        lines.push(l);
        // Heard by a second station too: a duplicate.
        lines.push(heard_by(mmsi, lat, -9.3, t, "second"));
    }
    feed(port, &lines);
    wait_for(
        || dedup.lock().unwrap().len() >= 60,
        "60 de-duplicated messages",
    );
    wait_for(
        || only_got.lock().unwrap().len() >= 6,
        "the 6 of one vessel",
    );
    wait_for(|| raw.lock().unwrap().len() >= 120, "every raw line");
    std::thread::sleep(Duration::from_millis(300));
    let d = dedup.lock().unwrap().clone();
    let got: Vec<String> = d.iter().flat_map(|x| payloads(x)).collect();
    assert_eq!(
        got, sent,
        "the de-duplicated feed: each message once, in order"
    );
    for x in &d {
        for l in x.lines() {
            let body = &l[1..l.find('*').unwrap()];
            let cs = body.bytes().fold(0u8, |a, b| a ^ b);
            assert!(l.ends_with(&format!("*{cs:02X}")), "checksummed: {l}");
            assert!(l.starts_with("!AIVDM,1,1,,A,"), "{l}");
        }
    }
    let o: Vec<String> = only_got
        .lock()
        .unwrap()
        .iter()
        .flat_map(|x| payloads(x))
        .collect();
    assert_eq!(o, sent_only, "the MMSI filter");
    let r = raw.lock().unwrap().clone();
    assert_eq!(
        r.iter()
            .map(|x| x.trim_end().to_string())
            .collect::<Vec<_>>(),
        lines,
        "raw: every line as received, in order"
    );
    // Now the TCP receiver listens: the queued lines arrive, in order.
    let l = TcpListener::bind(("127.0.0.1", tcp_port)).unwrap();
    let (conn, _) = l.accept().unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut r = BufReader::new(conn);
    let mut got = Vec::new();
    while got.len() < 60 {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap() == 0 {
            break;
        }
        got.extend(payloads(&line));
    }
    assert_eq!(
        got, sent,
        "TCP: every message once, in order, after the reconnect"
    );
    let a = running.http;
    assert_eq!(metric(a, "finisterra_output_dropped_total"), 0.0);
    assert!(
        metric(a, "finisterra_output_errors_total") >= 1.0,
        "the refused TCP connection is counted"
    );
    assert_eq!(
        metric(a, "finisterra_output_sent_total"),
        60.0 + 120.0 + 60.0 + 6.0
    );
}

#[test]
fn output_urls_that_would_mislead_are_refused() {
    for (url, says) in [
        ("udp://127.0.0.1", "host:port"),
        ("udp://127.0.0.1:9?kinds=risk.raised", "not events"),
        ("udp://127.0.0.1:9?raw=true&mmsi=1", "raw=true"),
        (
            "mqtt://127.0.0.1:1883?kind=risk.raised",
            "did you mean \"kinds\"",
        ),
        (
            "mqtt://127.0.0.1:1883?kinds=risk.rised",
            "unknown event kind",
        ),
        ("mqtt://127.0.0.1:1883?qos=2", "qos"),
        ("http://127.0.0.1:9/hook?levels=red", "warning and alarm"),
        ("http://127.0.0.1:9/hook?bbox=1,2,3", "min_lon"),
        ("https://example.org/hook", "TLS"),
        ("ftp://x:1", "unknown scheme"),
        ("mqtt://127.0.0.1:1883?queue=0", "queue"),
    ] {
        let e = OutputSpec::parse(url).unwrap_err();
        assert!(e.contains(says), "{url}: {e}");
    }
    let w = OutputSpec::parse("http://127.0.0.1:9/hook?secret=s3cret").unwrap();
    assert!(!w.name.contains("s3cret"), "no secret in logs: {}", w.name);
    assert!(w.filter.kinds.contains(&"risk.raised".to_string()));
    assert!(
        !w.filter.kinds.contains(&"risk.updated".to_string()),
        "alerts, not every update"
    );
}

/// `mosquitto` on a free loopback port, or `None` (a failure under CI).
fn mosquitto() -> Option<(Child, u16)> {
    let bin = ["/usr/sbin/mosquitto", "/usr/bin/mosquitto"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    let Some(bin) = bin else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI: mosquitto is needed (apt-get install mosquitto mosquitto-clients)"
        );
        eprintln!("skipped: no mosquitto (apt-get install mosquitto mosquitto-clients)");
        return None;
    };
    let port = free_port();
    let dir = std::env::temp_dir().join(format!("fin-mqtt-{}-{port}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("mosquitto.conf");
    std::fs::write(
        &conf,
        format!("listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"),
    )
    .unwrap();
    let child = Command::new(bin)
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "mosquitto did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some((child, port))
}

struct Kill(Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn mosquitto_sub_receives_the_filtered_events_and_vessels() {
    let Some((broker, mport)) = mosquitto() else {
        return;
    };
    let _broker = Kill(broker);
    let sub = Command::new("mosquitto_sub")
        .args([
            "-h",
            "127.0.0.1",
            "-p",
            &mport.to_string(),
            "-t",
            "fin/#",
            "-v",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("mosquitto_sub (apt-get install mosquitto-clients)");
    let mut sub = Kill(sub);
    let out = sub.0.stdout.take().unwrap();
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for l in BufReader::new(out).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(l);
            }
        });
    }
    // The subscription is in place before anything is published.
    std::thread::sleep(Duration::from_millis(500));
    let rt = runtime();
    let (running, port) = serve(
        &rt,
        &[format!(
            "mqtt://127.0.0.1:{mport}/fin?kinds=risk.raised&mmsi=227200001,227200002"
        )],
    );
    feed(port, &head_on(227_200_001, 227_200_002, 43.0));
    // Another pair: its risk is filtered out by MMSI.
    feed(port, &head_on(227_200_003, 227_200_004, 44.0));
    wait_for(
        || {
            lines
                .lock()
                .unwrap()
                .iter()
                .any(|l| l.starts_with("fin/events/"))
        },
        "an event on MQTT",
    );
    wait_for(
        || {
            let l = lines.lock().unwrap();
            l.iter().any(|x| x.starts_with("fin/vessels/227200001 "))
                && l.iter().any(|x| x.starts_with("fin/vessels/227200002 "))
        },
        &format!("both vessels' updates on MQTT: {:?}", lines.lock().unwrap()),
    );
    std::thread::sleep(Duration::from_millis(500));
    let l = lines.lock().unwrap().clone();
    let events: Vec<&String> = l.iter().filter(|x| x.starts_with("fin/events/")).collect();
    assert_eq!(
        events.len(),
        1,
        "one risk.raised of the chosen pair: {events:?}"
    );
    let (topic, json) = events[0].split_once(' ').unwrap();
    assert_eq!(topic, "fin/events/risk.raised");
    let v: Value = serde_json::from_str(json).unwrap();
    assert_eq!(v["kind"], "risk.raised");
    let pair = [
        v["a"]["mmsi"].as_u64().unwrap(),
        v["b"]["mmsi"].as_u64().unwrap(),
    ];
    assert!(
        pair.contains(&227_200_001) && pair.contains(&227_200_002),
        "{v}"
    );
    assert!(
        !l.iter().any(|x| x.starts_with("fin/vessels/227200003")),
        "vessels outside the MMSI list are not published"
    );
    let a = running.http;
    assert_eq!(metric(a, "finisterra_output_connected"), 1.0);
    assert!(metric(a, "finisterra_output_sent_total") >= 3.0);
}

/// One request received by the test's webhook receiver.
#[derive(Debug, Clone)]
struct Hook {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Hook {
    fn header(&self, k: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.as_str())
    }
}

/// A minimal HTTP receiver answering `status` to every request.
fn hook_server(status: u16) -> (u16, Arc<Mutex<Vec<Hook>>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut c) = conn else { continue };
            c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut r = BufReader::new(c.try_clone().unwrap());
            let mut headers = Vec::new();
            let mut line = String::new();
            let _ = r.read_line(&mut line); // request line
            loop {
                line.clear();
                if r.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((k, v)) = line.trim_end().split_once(": ") {
                    headers.push((k.to_string(), v.to_string()));
                }
            }
            let len = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.parse::<usize>().ok())
                .unwrap_or(0);
            let mut body = vec![0; len];
            let _ = r.read_exact(&mut body);
            g.lock().unwrap().push(Hook { headers, body });
            let _ = c.write_all(
                format!("HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    .as_bytes(),
            );
        }
    });
    (port, got)
}

#[test]
fn webhooks_are_signed_and_a_failing_one_is_retried_then_counted() {
    let (ok_port, ok) = hook_server(204);
    let (bad_port, bad) = hook_server(503);
    let rt = runtime();
    let (running, port) = serve(
        &rt,
        &[
            format!("http://127.0.0.1:{ok_port}/alerts?secret=s3cret"),
            format!("http://127.0.0.1:{bad_port}/alerts?retries=2"),
        ],
    );
    feed(port, &head_on(227_300_001, 227_300_002, 43.0));
    wait_for(|| !ok.lock().unwrap().is_empty(), "a webhook");
    let h = ok.lock().unwrap()[0].clone();
    let v: Value = serde_json::from_slice(&h.body).unwrap();
    assert_eq!(v["kind"], "risk.raised");
    assert_eq!(h.header("x-finisterra-event"), Some("risk.raised"));
    assert_eq!(
        h.header("x-finisterra-delivery"),
        Some(v["id"].to_string().as_str())
    );
    assert_eq!(
        h.header("x-finisterra-signature-256").unwrap(),
        finisterra_server::outputs::webhook_signature("s3cret", &h.body),
        "signed over the body with the shared secret"
    );
    // The failing receiver: 1 attempt + 2 retries (0.5 s, 1 s), then
    // counted as failed.
    let a = running.http;
    wait_for(
        || metric(a, "finisterra_output_failed_total") >= 1.0,
        "the failing webhook given up",
    );
    assert_eq!(bad.lock().unwrap().len(), 3, "one attempt and two retries");
    assert!(metric(a, "finisterra_output_errors_total") >= 3.0);
}

#[test]
fn signal_k_deltas_carry_the_closest_approach_notification() {
    let (skp, got) = udp_collector();
    let rt = runtime();
    let (_running, port) = serve(&rt, &[format!("signalk+udp://127.0.0.1:{skp}")]);
    feed(port, &head_on(227_400_001, 227_400_002, 43.0));
    wait_for(
        || got.lock().unwrap().len() >= 2,
        "two deltas (one per vessel)",
    );
    let d: Vec<Value> = got
        .lock()
        .unwrap()
        .iter()
        .map(|x| serde_json::from_str(x).unwrap())
        .collect();
    let first = &d[0];
    assert_eq!(
        first["context"], "vessels.urn:mrn:imo:mmsi:227400001",
        "{first}"
    );
    let v = &first["updates"][0]["values"][0];
    assert_eq!(
        v["path"],
        "notifications.navigation.closestApproach.urn:mrn:imo:mmsi:227400002"
    );
    let state = v["value"]["state"].as_str().unwrap();
    assert!(state == "alarm" || state == "warn", "{v}");
    assert!(
        v["value"]["message"].as_str().unwrap().starts_with("CPA "),
        "{v}"
    );
    assert_eq!(d[1]["context"], "vessels.urn:mrn:imo:mmsi:227400002");
}

//! `kill -9` of `finisterra serve` loses no event that was pushed or
//! reported: every event seen on the stream or through the API before the
//! kill is in the store after a restart, byte for byte, and event ids go on
//! from there.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn get(port: u16, path: &str) -> Option<Value> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut raw = String::new();
    s.read_to_string(&mut raw).ok()?;
    let body = raw.split_once("\r\n\r\n")?.1;
    // Undo chunked transfer encoding if present.
    let body = if raw
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut out = String::new();
        let mut rest = body;
        while let Some((len, tail)) = rest.split_once("\r\n") {
            let n = usize::from_str_radix(len.trim(), 16).ok()?;
            if n == 0 {
                break;
            }
            out.push_str(&tail[..n]);
            rest = &tail[n + 2..];
        }
        out
    } else {
        body.to_string()
    };
    serde_json::from_str(&body).ok()
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(data: &std::path::Path, udp: u16, http: u16) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_finisterra"))
        .args(["serve", "--land", "none", "--udp"])
        .arg(format!("127.0.0.1:{udp}"))
        .arg("--http")
        .arg(format!("127.0.0.1:{http}"))
        .arg("--data-dir")
        .arg(data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("finisterra starts");
    let t0 = Instant::now();
    while get(http, "/api/stats").is_none() {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "server did not come up"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Server(child)
}

/// A position report of an AIS-SART (a distress event at once), stamped
/// with the receive time (no tag block).
fn sart(k: u32) -> String {
    use finisterra_ais::encode::{encode_sentences, SentenceOptions};
    use finisterra_ais::{AisMessage, Body, PositionReport};
    let msg = AisMessage {
        msg_type: 1,
        repeat: 0,
        mmsi: 970_000_000 + k,
        body: Body::Position(PositionReport {
            status: 14,
            turn: None,
            sog_kn: Some(0.0),
            accuracy: true,
            lon_deg: Some(-9.5 + k as f64 * 1e-3),
            lat_deg: Some(43.0),
            cog_deg: Some(0.0),
            heading_deg: None,
            second: 0,
            maneuver: 0,
            raim: false,
            radio: 0,
        }),
    };
    encode_sentences(&msg, &SentenceOptions::default())
        .unwrap()
        .remove(0)
}

#[test]
fn kill_9_loses_no_event_that_was_pushed_or_reported() {
    let dir = std::env::temp_dir().join(format!("finisterra-kill9-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let (udp, http) = (free_port(), free_port());
    let server = serve(&dir, udp, http);

    // A live-stream client records every event pushed to it.
    let pushed: Arc<Mutex<Vec<(u64, String)>>> = Arc::default();
    {
        let pushed = pushed.clone();
        std::thread::spawn(move || {
            let mut s = TcpStream::connect(("127.0.0.1", http)).unwrap();
            s.write_all(b"GET /api/stream?vessels=false HTTP/1.1\r\nHost: t\r\n\r\n")
                .unwrap();
            let mut id = None;
            for line in BufReader::new(s).lines() {
                let Ok(line) = line else { break };
                if let Some(v) = line.strip_prefix("id: ") {
                    id = v.trim().parse::<u64>().ok();
                } else if let Some(data) = line.strip_prefix("data: ") {
                    if let Some(i) = id.take() {
                        pushed.lock().unwrap().push((i, data.to_string()));
                    }
                }
            }
        });
    }
    std::thread::sleep(Duration::from_millis(300));
    // Distress devices come on, one every few milliseconds.
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut k = 0;
    let t0 = Instant::now();
    while pushed.lock().unwrap().len() < 40 && t0.elapsed() < Duration::from_secs(30) {
        k += 1;
        sock.send_to(format!("{}\n", sart(k)).as_bytes(), ("127.0.0.1", udp))
            .unwrap();
        std::thread::sleep(Duration::from_millis(5));
    }
    // What the API reports just before the kill.
    let reported = get(http, "/api/events?limit=10000").unwrap();
    // Keep sending while the kill happens.
    for j in 0..20 {
        sock.send_to(
            format!("{}\n", sart(k + 1 + j)).as_bytes(),
            ("127.0.0.1", udp),
        )
        .unwrap();
    }
    let mut server = server;
    server.0.kill().unwrap(); // SIGKILL
    server.0.wait().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let seen_pushed = pushed.lock().unwrap().clone();
    assert!(
        seen_pushed.len() >= 20,
        "events were pushed before the kill: {}",
        seen_pushed.len()
    );

    // Restart on the same data directory.
    let (udp2, http2) = (free_port(), free_port());
    let server2 = serve(&dir, udp2, http2);
    let after = get(http2, "/api/events?limit=10000").unwrap();
    let stored: std::collections::HashMap<u64, String> = after["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["id"].as_u64().unwrap(), e.to_string()))
        .collect();
    for (id, data) in &seen_pushed {
        let v: Value = serde_json::from_str(data).unwrap();
        let s = stored
            .get(id)
            .unwrap_or_else(|| panic!("event {id} was pushed but is lost"));
        assert_eq!(s, &v.to_string(), "event {id} stored as pushed");
    }
    for e in reported["events"].as_array().unwrap() {
        let id = e["id"].as_u64().unwrap();
        assert!(
            stored.contains_key(&id),
            "event {id} was reported but is lost"
        );
    }
    // Ids go on after the restart.
    let max_before = stored.keys().max().copied().unwrap_or(0);
    assert!(max_before >= seen_pushed.last().unwrap().0);
    let sock2 = UdpSocket::bind("127.0.0.1:0").unwrap();
    let t0 = Instant::now();
    let mut newer = None;
    while newer.is_none() && t0.elapsed() < Duration::from_secs(20) {
        sock2
            .send_to(
                format!("{}\n", sart(900_000)).as_bytes(),
                ("127.0.0.1", udp2),
            )
            .unwrap();
        std::thread::sleep(Duration::from_millis(100));
        let page = get(http2, &format!("/api/events?since={max_before}")).unwrap();
        newer = page["events"]
            .as_array()
            .and_then(|a| a.first())
            .and_then(|e| e["id"].as_u64());
    }
    assert_eq!(
        newer,
        Some(max_before + 1),
        "ids continue after the restart"
    );
    drop(server2);
    let _ = std::fs::remove_dir_all(&dir);
}

//! `finisterra ingest` from live sources (issue 12): lines sent to its UDP
//! socket or TCP listener go through the same decoding, data-time gate and
//! routing as files into JetStream, garbage among them counted by reason;
//! SIGTERM publishes what was read and exits 0. A real nats-server on
//! loopback (SKIP without one, failure under `CI`).

mod nats_common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use finisterra_broker::harness::NatsServer;
use finisterra_broker::{Broker, BrokerConfig};
use finisterra_cluster::Record;
use nats_common::*;
use serde_json::Value;

const A: u32 = 227_000_101;
const B: u32 = 227_000_102;

/// A head-on pair in open water, 12 NM apart closing at 30 kn, for 30
/// minutes: a few hundred lines with tag-block times.
fn head_on_lines() -> Vec<String> {
    let lat: f64 = 45.0;
    let d_lon = 6.0 / (60.0 * lat.to_radians().cos());
    let json = format!(
        r#"{{"start": "{START}", "duration_s": 1800, "station": "live",
  "vessels": [
    {{"mmsi": {A}, "name": "LIVE WEST", "lat": {lat}, "lon": {w}, "cog_deg": 90, "sog_kn": 15}},
    {{"mmsi": {B}, "name": "LIVE EAST", "lat": {lat2}, "lon": {e}, "cog_deg": 270, "sog_kn": 15}}
  ]}}"#,
        w = -25.0 - d_lon,
        e = -25.0 + d_lon,
        lat2 = lat + 0.004,
    );
    let scenario: finisterra_sim::Scenario = serde_json::from_str(&json).expect("scenario");
    finisterra_sim::simulate(&scenario).expect("simulated")
}

/// Garbage planted among the lines: (line, the reason it is counted under).
fn garbage(i: usize) -> (String, &'static str) {
    match i % 2 {
        0 => (format!("this is not NMEA {i}"), "not_nmea"),
        _ => (
            // A valid sentence with one payload character changed.
            "!AIVDM,1,1,,A,15M67FC000G?ufbE`FepT@3n00Sa,0*5C".to_string(),
            "bad_checksum",
        ),
    }
}

/// `ingest` with live options, its standard error read line by line.
struct LiveIngest {
    child: Child,
    log: mpsc::Receiver<String>,
    lines: Vec<String>,
}

impl LiveIngest {
    fn start(url: &str, extra: &[&str]) -> LiveIngest {
        let mut c = Command::new(BIN);
        c.arg("ingest").args(["--run-id", "live"]).args(extra);
        common(&mut c, url);
        let mut child = c
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("ingest starts");
        let err = child.stderr.take().expect("stderr");
        let (tx, log) = mpsc::channel();
        std::thread::spawn(move || {
            for l in BufReader::new(err).lines().map_while(Result::ok) {
                eprintln!("[ingest] {l}");
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        let mut me = LiveIngest {
            child,
            log,
            lines: Vec::new(),
        };
        me.wait_for("ingest: live from", Duration::from_secs(60));
        me
    }

    fn wait_for(&mut self, what: &str, limit: Duration) -> String {
        let t0 = Instant::now();
        loop {
            let left = limit.saturating_sub(t0.elapsed());
            match self.log.recv_timeout(left) {
                Ok(l) => {
                    self.lines.push(l.clone());
                    if l.contains(what) {
                        return l;
                    }
                }
                Err(_) => panic!("ingest did not say {what:?} within {limit:?}"),
            }
        }
    }

    /// SIGTERM; its exit status and closing line (every line it said is
    /// in `self.lines`).
    fn terminate(&mut self) -> (std::process::ExitStatus, String) {
        let st = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(st.success());
        let line = self.wait_for("ingest: stopped:", Duration::from_secs(60));
        let status = self.child.wait().expect("ingest exits");
        (status, line)
    }
}

/// The number before `word` in `line` (`"312 lines"` → 312).
fn count_before(line: &str, word: &str) -> u64 {
    line.split(&format!(" {word}"))
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no count of {word:?} in {line}"))
}

/// Waits until the positions stream holds something and stops growing.
fn settled_stream_len(url: &str) -> u64 {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let b = Broker::connect(BrokerConfig::new(url), Duration::from_secs(5))
            .await
            .unwrap();
        let t0 = Instant::now();
        let (mut last, mut since) = (0, Instant::now());
        loop {
            let n = b.stream_len("FIN_POS").await.unwrap();
            if n != last {
                (last, since) = (n, Instant::now());
            } else if n > 0 && since.elapsed() > Duration::from_millis(1500) {
                return n;
            }
            assert!(t0.elapsed() < Duration::from_secs(60), "stream at {n}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
}

/// Every record of the positions stream: (ingest's sequence, data time)
/// of each position, once per sequence.
fn positions(url: &str) -> Vec<(u64, i64)> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let b = Broker::connect(BrokerConfig::new(url), Duration::from_secs(5))
            .await
            .unwrap();
        let mut r = b.read_positions(1).await.unwrap();
        let mut seen = std::collections::BTreeMap::new();
        while let Some((_, bytes)) = r.next(Duration::from_secs(2)).await.unwrap() {
            if let Ok(Record::Position { seq, time_ms, .. }) = Record::decode(&bytes) {
                seen.insert(seq, time_ms);
            }
        }
        seen.into_iter().collect()
    })
}

/// UDP: the scenario's timed lines (judged at their data times, `--time
/// data`) with garbage among them reach JetStream, and a worker judges
/// the head-on pair from what is there; SIGTERM exits 0 having counted
/// every line.
#[test]
fn live_udp_lines_reach_the_stream_and_a_worker_judges_them() {
    let Some(server) = NatsServer::start_or_skip("ingest live udp") else {
        return;
    };
    let port = free_port_udp();
    let addr = format!("127.0.0.1:{port}");
    let mut ingest = LiveIngest::start(&server.url, &["--udp", &addr, "--time", "data"]);
    let scenario = head_on_lines();
    let mut sent: Vec<String> = Vec::new();
    let mut want_rejected: std::collections::BTreeMap<&str, u64> = Default::default();
    for (i, l) in scenario.iter().enumerate() {
        sent.push(l.clone());
        if i % 40 == 7 {
            let (g, reason) = garbage(i / 40);
            sent.push(g);
            *want_rejected.entry(reason).or_insert(0) += 1;
        }
    }
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    // A few lines a datagram, paced: loopback never loses them then.
    for chunk in sent.chunks(4) {
        let mut d = chunk.join("\r\n");
        d.push_str("\r\n");
        sock.send_to(d.as_bytes(), &addr).unwrap();
        std::thread::sleep(Duration::from_millis(2));
    }
    let stored = settled_stream_len(&server.url);
    let (status, closing) = ingest.terminate();
    assert!(status.success(), "ingest exits 0 on SIGTERM: {status}");
    eprintln!(
        "sent {} lines ({} garbage) by UDP; {stored} records in the stream",
        sent.len(),
        want_rejected.values().sum::<u64>()
    );
    assert_eq!(
        count_before(&closing, "lines"),
        sent.len() as u64,
        "{closing}"
    );
    let rejected: String = want_rejected
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        closing.contains(&format!("rejected: {rejected};")),
        "{closing}"
    );
    assert!(closing.contains("dropped: 0 (queue full)"), "{closing}");
    // Every position sent is in the stream, in order, at its data time.
    let pos = positions(&server.url);
    let messages = count_before(&closing, "messages sent");
    assert_eq!(pos.len() as u64, messages, "{closing}");
    let positions_sent = scenario.iter().filter(|l| l.contains("!AIVDM,1,1")).count() as u64;
    assert!(messages >= positions_sent, "{messages} < {positions_sent}");
    // At their data times (tag blocks, seconds), not their receive times.
    let (first, last) = (
        tag_time(&scenario[0]),
        tag_time(&scenario[scenario.len() - 1]),
    );
    for &(seq, t) in &pos {
        assert!(
            (first..=last).contains(&(t / 1000)),
            "record {seq} at {t} ms, outside the scenario's {first}..={last} s"
        );
    }

    // A worker reads what is there (no end record: it is stopped) and
    // judges the head-on pair.
    let mut w = Command::new(BIN);
    w.args(["worker", "--land", "none"]);
    common(&mut w, &server.url);
    let mut worker = w.stderr(Stdio::inherit()).spawn().expect("worker");
    let t0 = Instant::now();
    let raised = loop {
        let evs: Vec<Value> = read_events(&server.url)
            .into_iter()
            .map(|(_, e)| e)
            .collect();
        let pair = evs.iter().find(|e| {
            e["kind"] == "risk.raised"
                && [&e["a"]["mmsi"], &e["b"]["mmsi"]]
                    .iter()
                    .all(|m| *m == A || *m == B)
        });
        if let Some(e) = pair {
            break e.clone();
        }
        assert!(
            t0.elapsed() < Duration::from_secs(120),
            "no risk.raised for the pair; events: {evs:?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    let _ = worker.kill();
    let _ = worker.wait();
    eprintln!(
        "the worker raised the pair's risk {:.1} s after it started: {}",
        t0.elapsed().as_secs_f64(),
        summary(&raised)
    );
}

/// TCP listener, default `--time live`: lines without a time take their
/// receive time, stamped at the edge; garbage is counted by reason.
#[test]
fn live_tcp_lines_without_times_take_their_receive_time() {
    let Some(server) = NatsServer::start_or_skip("ingest live tcp") else {
        return;
    };
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut ingest = LiveIngest::start(&server.url, &["--tcp-listen", &addr, "--log-every", "0.2"]);
    // The scenario's single-sentence lines, their tag blocks (and times)
    // taken off.
    let mut sent: Vec<String> = head_on_lines()
        .iter()
        .filter(|l| l.contains("!AIVDM,1,1"))
        .take(200)
        .map(|l| match l.strip_prefix('\\') {
            Some(rest) => rest.split_once('\\').map_or(rest, |(_, s)| s).to_string(),
            None => l.clone(),
        })
        .collect();
    let untimed = sent.len() as u64;
    sent.insert(50, "this is not NMEA".into());
    sent.insert(
        100,
        "!AIVDM,1,1,,A,15M67FC000G?ufbE`FepT@3n00Sa,0*5C".into(),
    );
    let t_before = now_ms();
    let mut s = std::net::TcpStream::connect(&addr).expect("connect");
    for l in &sent {
        write!(s, "{l}\r\n").unwrap();
    }
    s.flush().unwrap();
    drop(s);
    settled_stream_len(&server.url);
    let t_after = now_ms();
    let (status, closing) = ingest.terminate();
    assert!(status.success(), "ingest exits 0 on SIGTERM: {status}");
    assert_eq!(
        count_before(&closing, "lines"),
        sent.len() as u64,
        "{closing}"
    );
    assert!(
        closing.contains("rejected: bad_checksum=1 not_nmea=1;"),
        "{closing}"
    );
    assert!(closing.contains("times refused: none;"), "{closing}");
    assert!(
        ingest.lines.iter().any(|l| l.starts_with("ingest: live: ")),
        "a progress line every --log-every"
    );
    let pos = positions(&server.url);
    assert_eq!(pos.len() as u64, untimed, "every untimed line is a record");
    for &(seq, t) in &pos {
        assert!(
            (t_before..=t_after).contains(&t),
            "record {seq} at {t}, received between {t_before} and {t_after}"
        );
    }
}

/// Every Mode S record of the positions stream: (ingest's sequence, data
/// time), once per sequence.
fn air_records(url: &str) -> Vec<(u64, i64)> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let b = Broker::connect(BrokerConfig::new(url), Duration::from_secs(5))
            .await
            .unwrap();
        let mut r = b.read_positions(1).await.unwrap();
        let mut seen = std::collections::BTreeMap::new();
        while let Some((_, bytes)) = r.next(Duration::from_secs(2)).await.unwrap() {
            if let Ok(Record::Air {
                seq,
                time_ms,
                message,
                ..
            }) = Record::decode(&bytes)
            {
                finisterra_cluster::air_message(message).expect("an air record reads back");
                seen.insert(seq, time_ms);
            }
        }
        seen.into_iter().collect()
    })
}

/// Beast binary pushed to `--beast-listen`: each Mode S frame decoded once
/// at ingest (one decoder, CPR positions resolved there) and published as
/// an air record at its receive time.
#[test]
fn live_beast_frames_reach_the_stream_as_air_records() {
    let Some(server) = NatsServer::start_or_skip("ingest live beast") else {
        return;
    };
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut ingest = LiveIngest::start(
        &server.url,
        &["--beast-listen", &addr, "--log-every", "0.2"],
    );
    let spec = |icao: &str, lon: f64| {
        serde_json::from_value::<finisterra_sim::air::AircraftSpec>(serde_json::json!({
            "icao": icao, "callsign": format!("B{icao}"), "lat": 45.0, "lon": lon,
            "alt_ft": 34000.0, "gs_kn": 450.0, "track_deg": 90.0,
        }))
        .expect("aircraft")
    };
    let frames =
        finisterra_sim::air::air_frames(&[spec("4cb001", -20.0), spec("4cb002", -20.05)], 0, 20.0)
            .expect("frames");
    let mut bytes = Vec::new();
    for (k, f) in frames.iter().enumerate() {
        finisterra_sim::air::beast_bytes(k as u64 * 12_000, 200, &f.frame, &mut bytes);
    }
    let t_before = now_ms();
    let mut s = std::net::TcpStream::connect(&addr).expect("connect");
    s.write_all(&bytes).unwrap();
    s.flush().unwrap();
    drop(s);
    settled_stream_len(&server.url);
    let t_after = now_ms();
    let (status, closing) = ingest.terminate();
    assert!(status.success(), "ingest exits 0 on SIGTERM: {status}");
    let air = air_records(&server.url);
    assert_eq!(
        air.len(),
        frames.len(),
        "one air record per frame: {closing}"
    );
    assert!(
        closing.contains(&format!("({} Mode S;", frames.len())),
        "{closing}"
    );
    for &(seq, t) in &air {
        assert!(
            (t_before..=t_after).contains(&t),
            "record {seq} at {t}, received between {t_before} and {t_after}"
        );
    }
}

/// A queue that is full drops lines and counts them: a burst on a TCP
/// feed far beyond `--queue 2` loses lines, and every line sent is either
/// read or counted as dropped.
#[test]
fn a_full_queue_drops_lines_and_counts_them() {
    let Some(server) = NatsServer::start_or_skip("ingest live queue") else {
        return;
    };
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let mut ingest = LiveIngest::start(&server.url, &["--tcp-listen", &addr, "--queue", "2"]);
    let lines = head_on_lines();
    let mut s = std::net::TcpStream::connect(&addr).expect("connect");
    let mut sent = 0u64;
    let mut burst = String::new();
    for _ in 0..40 {
        for l in &lines {
            burst.push_str(l);
            burst.push_str("\r\n");
            sent += 1;
        }
    }
    s.write_all(burst.as_bytes()).unwrap();
    drop(s);
    settled_stream_len(&server.url);
    let (status, closing) = ingest.terminate();
    assert!(status.success(), "ingest exits 0 on SIGTERM: {status}");
    let read = count_before(&closing, "lines");
    let dropped = count_before(&closing, "(queue full)");
    eprintln!("sent {sent} lines in one burst: {read} read, {dropped} dropped");
    assert!(dropped > 0, "{closing}");
    assert_eq!(read + dropped, sent, "{closing}");
}

/// Options that make no sense together are refused before anything
/// starts, with a message that says why.
#[test]
fn live_and_file_options_that_do_not_go_together_are_refused() {
    for (args, says) in [
        (
            vec!["--udp", "127.0.0.1:0", "input.nmea"],
            "either files (or - for stdin) or live sources",
        ),
        (
            vec!["--tcp-listen", "127.0.0.1:0", "--rate", "10"],
            "--rate",
        ),
        (
            vec!["--time", "data", "input.nmea"],
            "--time is for live sources",
        ),
        (vec!["--connect", "127.0.0.1:1", "--queue", "0"], "--queue"),
    ] {
        let out = Command::new(BIN)
            .args(["ingest", "--nats", "nats://127.0.0.1:1"])
            .args(&args)
            .output()
            .expect("ingest runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} accepted");
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// A free UDP port on loopback.
fn free_port_udp() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

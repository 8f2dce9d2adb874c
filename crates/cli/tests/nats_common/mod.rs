//! What the NATS suites share: the test input (a simulated fleet on the
//! world's lanes plus planted cases), `scan`'s events of it, the
//! distributed roles as processes, and the comparison of events by what
//! must agree.
//!
//! The planted cases: a head-on pair meeting on a partition edge (both
//! vessels cross it while their risk is open), a crossing pair meeting at
//! a corner of four cells, a lone vessel in an empty ocean that falls
//! silent (her partition has no other traffic: only ingest's ticks can age
//! her out), and an MMSI whose transmitter is heard 150 NM away, in a
//! partition of another worker, where the picture re-acquires her and she
//! meets a vessel.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use finisterra_broker::harness::NatsServer;
use finisterra_broker::{Broker, BrokerConfig};
use finisterra_cluster::Grid;
use finisterra_sim::fleet::{simulate_fleet, FleetConfig};
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_finisterra");
pub const START: &str = "2026-01-05T00:00:00Z";
pub const HOURS: f64 = 2.0;

pub fn tag_time(line: &str) -> i64 {
    line.find("c:")
        .map(|i| {
            line[i + 2..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect::<String>()
        })
        .and_then(|s| s.parse().ok())
        // A Mode S `time,hex` line: its seconds.
        .or_else(|| {
            line.split_once(',')
                .and_then(|(t, _)| t.split_once('.'))
                .and_then(|(secs, _)| secs.parse().ok())
        })
        .unwrap_or(0)
}

/// Two aircraft head-on at FL340 across the straddled edge, 40 NM out each
/// side at 450 kn, from 20 min in for 15 min: an air conflict whose
/// aircraft are in two partitions (`time,hex` Mode S lines).
pub fn planted_air(grid: &Grid) -> Vec<String> {
    let (lat, lon) = straddled_edge(grid);
    let d_lon = 40.0 / (60.0 * lat.to_radians().cos());
    let spec = |icao: &str, lon: f64, track: f64| {
        serde_json::from_value::<finisterra_sim::air::AircraftSpec>(serde_json::json!({
            "icao": icao, "callsign": format!("E{icao}"), "lat": lat, "lon": lon,
            "alt_ft": 34000.0, "gs_kn": 450.0, "track_deg": track,
            "from_s": 1200.0, "until_s": 2100.0,
        }))
        .expect("aircraft")
    };
    let start_ms = 1_767_571_200_000; // START
    finisterra_sim::air::air_frames(
        &[
            spec("4ca0e1", lon - d_lon, 90.0),
            spec("4ca0e2", lon + d_lon, 270.0),
        ],
        start_ms,
        HOURS * 3600.0,
    )
    .expect("frames")
    .iter()
    .map(finisterra_sim::air::csv_line)
    .collect()
}

/// A lon edge at sea whose two sides are in different partitions.
pub fn straddled_edge(grid: &Grid) -> (f64, f64) {
    for (lat, lon) in [
        (45.0, -10.0),
        (45.0, -20.0),
        (35.0, -20.0),
        (40.0, -40.0),
        (35.0, -30.0),
        (45.0, -30.0),
    ] {
        if grid.home(lat, lon - 0.1) != grid.home(lat, lon + 0.1) {
            return (lat, lon);
        }
    }
    panic!("no straddled edge among the candidates");
}

/// An MMSI that teleports: her transmitter is heard 150 NM east, in a
/// partition of another worker (of four), from 30 min on, where the
/// picture re-acquires her; (lat, lon) of her first track and of the
/// second.
pub fn teleport(grid: &Grid) -> ((f64, f64), (f64, f64)) {
    let lat: f64 = 42.0;
    let d_lon = 150.0 / (60.0 * lat.to_radians().cos());
    for lon in [-28.0, -22.0, -35.0, -45.0, -52.0] {
        let (a, b) = (
            grid.home(lat, lon).unwrap(),
            grid.home(lat, lon + d_lon).unwrap(),
        );
        if a % 4 != b % 4 {
            return ((lat, lon), (lat, lon + d_lon));
        }
    }
    panic!("no teleport across workers among the candidates");
}

pub fn planted(grid: &Grid) -> String {
    let ((t_lat, t_lon), (u_lat, u_lon)) = teleport(grid);
    let y_lon = u_lon + 16.0 / (60.0 * u_lat.to_radians().cos());
    let (lat, lon) = straddled_edge(grid);
    // Head-on across the edge, 0.3 NM apart: 21 NM apart at 30 kn closing.
    let d_lon = 10.5 / (60.0 * lat.to_radians().cos());
    // Crossing at the corner (40°N, 20°W): both 7 NM out at 14 kn.
    let c_lon = 7.0 / (60.0 * 40f64.to_radians().cos());
    format!(
        r#"{{"start": "{START}", "duration_s": {dur}, "station": "planted",
  "vessels": [
    {{"mmsi": 227000001, "name": "EDGE WEST", "lat": {lat}, "lon": {lw}, "cog_deg": 90, "sog_kn": 15, "start_s": 1200}},
    {{"mmsi": 227000002, "name": "EDGE EAST", "lat": {lat2}, "lon": {le}, "cog_deg": 270, "sog_kn": 15, "start_s": 1200}},
    {{"mmsi": 227000003, "name": "CORNER NORTH", "lat": {cs}, "lon": -20.01, "cog_deg": 0, "sog_kn": 14, "start_s": 2400}},
    {{"mmsi": 227000004, "name": "CORNER WEST", "lat": 40.004, "lon": {ce}, "cog_deg": 270, "sog_kn": 14, "start_s": 2400}},
    {{"mmsi": 503000005, "name": "LONE SILENT", "lat": -45.0, "lon": -125.0, "cog_deg": 90, "sog_kn": 12, "end_s": 1800}},
    {{"mmsi": 227000010, "name": "TELEPORT", "lat": {t_lat}, "lon": {t_lon}, "cog_deg": 0, "sog_kn": 12, "end_s": 1800}},
    {{"mmsi": 227000010, "name": "TELEPORT", "lat": {u_lat}, "lon": {u_lon}, "cog_deg": 90, "sog_kn": 12, "start_s": 1800}},
    {{"mmsi": 227000011, "name": "MEETS TELEPORT", "lat": {y_lat}, "lon": {y_lon}, "cog_deg": 270, "sog_kn": 12}}
  ]}}"#,
        y_lat = u_lat + 0.003,
        dur = HOURS * 3600.0,
        lw = lon - d_lon,
        le = lon + d_lon,
        lat2 = lat + 0.005,
        cs = 40.0 - 7.0 / 60.0,
        ce = -20.0 + c_lon,
    )
}

/// The fleet and the planted cases merged in time order.
pub fn make_input(dir: &Path, grid: &Grid, vessels: usize) -> PathBuf {
    let mut lines: Vec<(i64, usize, String)> = Vec::new();
    let cfg = FleetConfig {
        vessels,
        hours: HOURS,
        seed: 7,
        start: START.into(),
        ..FleetConfig::default()
    };
    simulate_fleet(&cfg, &mut |l| {
        let n = lines.len();
        lines.push((tag_time(l), n, l.to_string()));
    })
    .expect("fleet");
    let scenario: finisterra_sim::Scenario =
        serde_json::from_str(&planted(grid)).expect("planted scenario");
    for l in finisterra_sim::simulate(&scenario).expect("planted") {
        let n = lines.len();
        lines.push((tag_time(&l), n, l));
    }
    for l in planted_air(grid) {
        let n = lines.len();
        lines.push((tag_time(&l), n, l));
    }
    lines.sort();
    let path = dir.join("input.nmea");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    for (_, _, l) in &lines {
        writeln!(f, "{l}").unwrap();
    }
    f.flush().unwrap();
    path
}

/// What must agree: kind, data time, vessels, level, hazard or zone,
/// action, reason.
pub fn summary(e: &Value) -> String {
    let s = |v: &Value| match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        v => v.to_string(),
    };
    let kind = s(&e["kind"]);
    let subject = if kind.starts_with("risk.") {
        format!("{}/{}", s(&e["a"]["mmsi"]), s(&e["b"]["mmsi"]))
    } else if kind == "distress" {
        format!("{}/{}", s(&e["mmsi"]), s(&e["reason"]))
    } else if kind.starts_with("hazard.") {
        format!(
            "{}/{}/{}",
            s(&e["vessel"]["mmsi"]),
            s(&e["hazard"]["kind"]),
            s(&e["hazard"]["name"])
        )
    } else if kind.starts_with("zone.") {
        format!(
            "{}/{}/{}",
            s(&e["vessel"]["mmsi"]),
            s(&e["zone"]["name"]),
            s(&e["action"])
        )
    } else if kind.starts_with("air.conflict") {
        format!("{}/{}", s(&e["a"]["hex"]), s(&e["b"]["hex"]))
    } else if kind.starts_with("airspace.") {
        format!("{}/{}", s(&e["aircraft"]["hex"]), s(&e["zone"]["name"]))
    } else {
        s(&e["vessel"]["mmsi"])
    };
    format!(
        "{} {} {} level={} reason={}",
        s(&e["time"]),
        kind,
        subject,
        s(&e["level"]),
        s(&e["reason"])
    )
}

pub fn multiset(events: &[Value]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for e in events {
        *m.entry(summary(e)).or_insert(0) += 1;
    }
    m
}

pub fn scan(input: &Path) -> Vec<Value> {
    scan_with(input, &[])
}

/// `scan`'s events of `input` with `extra` options.
pub fn scan_with(input: &Path, extra: &[&str]) -> Vec<Value> {
    let out = Command::new(BIN)
        .args(["scan", "--no-progress"])
        .args(extra)
        .arg(input)
        .output()
        .expect("scan");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("event JSON"))
        .collect()
}

pub fn common(c: &mut Command, url: &str) {
    c.args(["--nats", url, "--partitions", "16", "--cell-deg", "10"]);
}

/// `ingest` of `input` to the server(s) at `url` (comma-separated for a
/// cluster), with `extra` options.
pub fn ingest(url: &str, input: &Path, extra: &[&str]) {
    let mut ingest = Command::new(BIN);
    ingest
        .arg("ingest")
        .arg(input)
        .args(["--run-id", "eq"])
        .args(extra);
    common(&mut ingest, url);
    let out = ingest.output().expect("ingest");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{}", String::from_utf8_lossy(&out.stderr).trim());
}

/// Worker `i` of `workers`, to the end of the input, with `extra` options.
pub fn spawn_worker(url: &str, workers: u32, i: u32, extra: &[&str]) -> std::process::Child {
    let mut w = Command::new(BIN);
    w.arg("worker").args(extra);
    // To search for rare failures with other settings (e.g.
    // `--snapshot-s 1`): appended to every worker's arguments.
    if let Ok(more) = std::env::var("FINISTERRA_TEST_WORKER_ARGS") {
        w.args(more.split_whitespace());
    }
    common(&mut w, url);
    w.args([
        "--workers",
        &workers.to_string(),
        "--worker-index",
        &i.to_string(),
        "--exit-at-end",
    ])
    .stderr(Stdio::piped());
    w.spawn().expect("worker")
}

/// How long a test waits for a worker to reach the end of its input.
pub const WORKER_DEADLINE: Duration = Duration::from_secs(300);

/// Waits for a worker; its count of events published and its log. A worker
/// still running after [`WORKER_DEADLINE`] is killed and the test fails
/// with its pid and its log so far (a stuck worker must not hang the suite).
pub fn wait_worker(mut c: std::process::Child) -> (u64, String) {
    use std::io::Read;
    let pid = c.id();
    let mut stderr = c.stderr.take().expect("the worker's stderr is piped");
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).to_string()
    });
    let started = Instant::now();
    let status = loop {
        if let Some(st) = c.try_wait().expect("worker status") {
            break Some(st);
        }
        if started.elapsed() > WORKER_DEADLINE {
            let _ = c.kill();
            let _ = c.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let err = reader.join().expect("the worker's log");
    let Some(status) = status else {
        panic!(
            "worker pid {pid} still running {} s after the test began waiting for it (killed); its log:\n{err}",
            WORKER_DEADLINE.as_secs()
        );
    };
    assert!(
        status.success(),
        "worker pid {pid} failed ({status}):\n{err}"
    );
    eprintln!("{}", err.trim());
    let n: u64 = err
        .split(" owned and published")
        .next()
        .and_then(|s| s.rsplit(", ").next())
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .expect("the worker's count");
    (n, err)
}

pub fn read_events(url: &str) -> Vec<(String, Value)> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let b = Broker::connect(BrokerConfig::new(url), Duration::from_secs(5))
            .await
            .unwrap();
        let mut r = b.read_events().await.unwrap();
        let mut v = Vec::new();
        while let Some(e) = r.next(Duration::from_secs(2)).await.unwrap() {
            v.push((e.key, serde_json::from_slice::<Value>(&e.json).unwrap()));
        }
        v
    })
}

pub fn report(name: &str, want: &BTreeMap<String, usize>, got: &BTreeMap<String, usize>) -> usize {
    let mut diffs = 0;
    for (k, &n) in want {
        let g = got.get(k).copied().unwrap_or(0);
        if g != n {
            eprintln!("{name}: scan has {n}, cluster {g}: {k}");
            diffs += 1;
        }
    }
    for (k, &g) in got {
        if !want.contains_key(k) {
            eprintln!("{name}: cluster only ({g}): {k}");
            diffs += 1;
        }
    }
    diffs
}

/// The test input in a directory of its own, and scan's events of it.
pub fn input_and_scan(name: &str) -> (PathBuf, PathBuf, BTreeMap<String, usize>) {
    let dir = std::env::temp_dir().join(format!("finisterra-nats-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let grid = Grid::new(10.0, 16).unwrap();
    let vessels: usize = std::env::var("FINISTERRA_EQ_VESSELS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    let input = make_input(&dir, &grid, vessels);
    let t = Instant::now();
    let single = scan(&input);
    eprintln!("scan: {} events in {:.2?}", single.len(), t.elapsed());
    assert!(
        single.iter().any(|e| e["kind"] == "air.conflict.raised"),
        "the planted aircraft conflict is not in scan's events"
    );
    (dir, input, multiset(&single))
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// `GET path` on loopback: the body, `None` when nothing answers.
pub fn http_get(port: u16, path: &str) -> Option<String> {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let raw = String::from_utf8(raw).ok()?;
    let (head, body) = raw.split_once("\r\n\r\n")?;
    if !head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return Some(body.to_string());
    }
    let mut out = String::new();
    let mut rest = body;
    loop {
        let (len, tail) = rest.split_once("\r\n")?;
        let n = usize::from_str_radix(len.trim(), 16).ok()?;
        if n == 0 {
            return Some(out);
        }
        out.push_str(tail.get(..n)?);
        rest = tail.get(n + 2..)?;
    }
}

/// Every event the API serves, oldest first (paged by id).
pub fn api_events(port: u16) -> Option<Vec<Value>> {
    let mut all = Vec::new();
    let mut since = 0u64;
    loop {
        let body = http_get(port, &format!("/api/events?limit=10000&since={since}"))?;
        let v: Value = serde_json::from_str(&body).ok()?;
        let page = v["events"].as_array()?.clone();
        if page.is_empty() {
            return Some(all);
        }
        since = v["next"].as_u64()?;
        all.extend(page);
    }
}

/// One series of `/metrics`, if there.
pub fn metric(port: u16, name: &str) -> Option<f64> {
    let text = http_get(port, "/metrics")?;
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

/// `finisterra serve --nats` on a data directory, killed (SIGKILL) when
/// dropped.
pub struct NatsServe {
    pub child: std::process::Child,
    pub port: u16,
}

impl NatsServe {
    /// Starts it on a data directory and waits until its API answers.
    pub fn start(server: &NatsServer, data: &Path) -> NatsServe {
        NatsServe::start_with(server, Some(data))
    }

    /// Starts it (events in memory without a data directory) and waits
    /// until its API answers.
    pub fn start_with(server: &NatsServer, data: Option<&Path>) -> NatsServe {
        let port = free_port();
        let mut c = Command::new(BIN);
        c.args(["serve", "--land", "none", "--nats", &server.url, "--http"])
            .arg(format!("127.0.0.1:{port}"));
        if let Some(d) = data {
            c.arg("--data-dir").arg(d);
        }
        let child = c
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("serve --nats starts");
        let s = NatsServe { child, port };
        let t0 = Instant::now();
        while http_get(port, "/api/stats").is_none() {
            assert!(
                t0.elapsed() < Duration::from_secs(60),
                "serve --nats did not come up"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        s
    }

    /// SIGKILL: no chance to acknowledge or flush anything.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for NatsServe {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits until the durable consumer `serve` has acknowledged every event
/// of the stream (the stream's last sequence), or panics after `limit`.
pub fn wait_all_acknowledged(url: &str, limit: Duration) -> u64 {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let b = Broker::connect(BrokerConfig::new(url), Duration::from_secs(5))
            .await
            .unwrap();
        let t0 = Instant::now();
        loop {
            let n = b.stream_len("FIN_EVENTS").await.unwrap();
            let floor = b.events_ack_floor("serve").await.unwrap().unwrap_or(0);
            if n > 0 && floor >= n {
                return n;
            }
            assert!(
                t0.elapsed() < limit,
                "serve acknowledged {floor} of {n} events within {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
}

/// An elastic worker (no `--workers`): member `id`, leases of `lease_s`
/// seconds, running until stopped; its log written to `log`.
pub fn spawn_elastic(url: &str, id: &str, lease_s: &str, log: &Path) -> std::process::Child {
    let mut w = Command::new(BIN);
    w.arg("worker");
    common(&mut w, url);
    w.args(["--worker-id", id, "--lease-s", lease_s])
        .stderr(std::fs::File::create(log).expect("worker log"));
    w.spawn().expect("elastic worker")
}

/// SIGTERM to a child; its exit status.
pub fn terminate(c: &mut std::process::Child) -> std::process::ExitStatus {
    let ok = Command::new("kill")
        .args(["-TERM", &c.id().to_string()])
        .status()
        .expect("kill -TERM");
    assert!(ok.success(), "kill -TERM {}", c.id());
    c.wait().expect("the child exits")
}

/// The stored events, one per key (a key stored twice — an event
/// published again after the broker's de-duplication window — counted).
pub fn events_by_key(url: &str) -> (BTreeMap<String, Value>, usize) {
    let mut by_key = BTreeMap::new();
    let mut repeated = 0;
    for (k, v) in read_events(url) {
        if by_key.insert(k, v).is_some() {
            repeated += 1;
        }
    }
    (by_key, repeated)
}

//! Issue 12's equivalence: the same input through `scan` (one machine)
//! and through `ingest` + 1 worker and `ingest` + 4 workers on 16
//! partitions, over a real nats-server (JetStream, loopback, temp store),
//! gives the same set of events (kind, vessels, data time, level, hazard or
//! zone, reason), none reported twice.
//!
//! The input: a simulated fleet on the world's lanes, plus planted cases —
//! a head-on pair meeting on a partition edge (both vessels cross it while
//! their risk is open), a crossing pair meeting at a corner of four cells,
//! a lone vessel in an empty ocean that falls silent (her partition has
//! no other traffic: only ingest's ticks can age her out), and an MMSI
//! whose transmitter is heard 150 NM away, in a partition of another
//! worker, where the picture re-acquires her and she meets a vessel.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use finisterra_broker::harness::{NatsCluster, NatsServer};
use finisterra_broker::{Broker, BrokerConfig};
use finisterra_cluster::Grid;
use finisterra_sim::fleet::{simulate_fleet, FleetConfig};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_finisterra");
const START: &str = "2026-01-05T00:00:00Z";
const HOURS: f64 = 2.0;

fn tag_time(line: &str) -> i64 {
    line.find("c:")
        .map(|i| {
            line[i + 2..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect::<String>()
        })
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// A lon edge at sea whose two sides are in different partitions.
fn straddled_edge(grid: &Grid) -> (f64, f64) {
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
fn teleport(grid: &Grid) -> ((f64, f64), (f64, f64)) {
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

fn planted(grid: &Grid) -> String {
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
fn make_input(dir: &Path, grid: &Grid, vessels: usize) -> PathBuf {
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
fn summary(e: &Value) -> String {
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

fn multiset(events: &[Value]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for e in events {
        *m.entry(summary(e)).or_insert(0) += 1;
    }
    m
}

fn scan(input: &Path) -> Vec<Value> {
    let out = Command::new(BIN)
        .args(["scan", "--no-progress"])
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

/// What a distributed run gives: the stored events with their keys, the
/// number the workers said they published, the wall time.
struct Run {
    events: Vec<(String, Value)>,
    published: u64,
    elapsed: Duration,
}

fn common(c: &mut Command, url: &str) {
    c.args(["--nats", url, "--partitions", "16", "--cell-deg", "10"]);
}

fn ingest(url: &str, input: &Path, extra: &[&str]) {
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

fn spawn_worker(url: &str, workers: u32, i: u32, extra: &[&str]) -> std::process::Child {
    let mut w = Command::new(BIN);
    w.arg("worker").args(extra);
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

/// Waits for a worker; its count of events published and its log.
fn wait_worker(c: std::process::Child) -> (u64, String) {
    let out = c.wait_with_output().expect("worker ran");
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{err}");
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

fn read_events(url: &str) -> Vec<(String, Value)> {
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

/// Ingest, then `workers` workers to the end.
fn distributed(input: &Path, workers: u32) -> Option<Run> {
    let server = NatsServer::start_or_skip("nats equivalence")?;
    let t0 = Instant::now();
    ingest(&server.url, input, &[]);
    let children: Vec<_> = (0..workers)
        .map(|i| spawn_worker(&server.url, workers, i, &[]))
        .collect();
    let published = children.into_iter().map(|c| wait_worker(c).0).sum();
    let elapsed = t0.elapsed();
    Some(Run {
        events: read_events(&server.url),
        published,
        elapsed,
    })
}

fn report(name: &str, want: &BTreeMap<String, usize>, got: &BTreeMap<String, usize>) -> usize {
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
fn input_and_scan(name: &str) -> (PathBuf, PathBuf, BTreeMap<String, usize>) {
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
    (dir, input, multiset(&single))
}

#[test]
fn one_and_four_workers_give_the_single_machines_events() {
    if NatsServer::start_or_skip("nats equivalence").is_none() {
        return;
    }
    let (dir, input, want) = input_and_scan("eq");
    // The planted cases are there to be checked.
    for needle in [
        "risk.raised 227000001/227000002",
        "risk.cleared 227000001/227000002",
        "risk.raised 227000003/227000004",
        "target.lost 503000005",
        "risk.raised 227000010/227000011",
    ] {
        assert!(
            want.keys().any(|k| k.contains(needle)),
            "scan lacks the planted {needle}"
        );
    }
    let mut failures = Vec::new();
    for workers in [1u32, 4] {
        let Run {
            events,
            published,
            elapsed,
        } = distributed(&input, workers).expect("nats-server");
        eprintln!(
            "{workers} worker(s): {} events stored, {published} published, {elapsed:.2?}",
            events.len()
        );
        let mut keys: Vec<&String> = events.iter().map(|(k, _)| k).collect();
        keys.sort();
        keys.dedup();
        if keys.len() != events.len() {
            failures.push(format!("{workers} worker(s): keys repeated in the stream"));
        }
        if published != events.len() as u64 {
            failures.push(format!(
                "{workers} worker(s): {published} published but {} stored: an event was reported twice",
                events.len()
            ));
        }
        let values: Vec<Value> = events.into_iter().map(|(_, v)| v).collect();
        let got = multiset(&values);
        let diffs = report(&format!("{workers} worker(s)"), &want, &got);
        if diffs > 0 {
            failures.push(format!("{workers} worker(s): {diffs} events differ"));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{failures:#?}");
}

/// kill -9 one of four workers in the middle of the replay; a new worker
/// with its index takes its partitions over (rebuilding its engine from
/// the stream, reporting only what the dead one had not stored): the
/// events stored equal the single machine's, none lost, none twice.
#[test]
fn a_worker_killed_mid_replay_is_replaced_without_loss_or_duplicate() {
    let Some(server) = NatsServer::start_or_skip("nats failover") else {
        return;
    };
    let (dir, input, want) = input_and_scan("kill");
    ingest(&server.url, &input, &[]);
    let mut workers: Vec<_> = (0..4)
        .map(|i| spawn_worker(&server.url, 4, i, &[]))
        .collect();
    // Let worker 1 judge and acknowledge part of its partitions.
    let rt = tokio::runtime::Runtime::new().unwrap();
    let broker = rt
        .block_on(Broker::connect(
            BrokerConfig::new(&server.url),
            Duration::from_secs(5),
        ))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while rt.block_on(broker.ack_floor(1)).unwrap().unwrap_or(0) == 0 {
        assert!(Instant::now() < deadline, "worker 1 never acknowledged");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(
        std::env::var("FINISTERRA_KILL_AFTER_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1500),
    ));
    eprintln!(
        "killing worker 1 with partition 1 acknowledged up to stream sequence {:?}",
        rt.block_on(broker.ack_floor(1)).unwrap()
    );
    let victim = &mut workers[1];
    assert!(
        victim.try_wait().unwrap().is_none(),
        "worker 1 finished before it could be killed: kill it sooner"
    );
    victim.kill().expect("kill -9"); // SIGKILL
    let _ = victim.wait();
    let t_kill = Instant::now();
    let replacement = spawn_worker(&server.url, 4, 1, &[]);
    workers[1] = replacement;
    let mut logs = Vec::new();
    for (i, w) in workers.into_iter().enumerate() {
        let (_, log) = wait_worker(w);
        if i == 1 {
            eprintln!(
                "replacement of worker 1 done {:.2?} after the kill",
                t_kill.elapsed()
            );
        }
        logs.push(log);
    }
    assert!(
        logs[1].contains("taking over after record"),
        "the replacement did not find its predecessor's acknowledgements: {}",
        logs[1]
    );
    let events = read_events(&server.url);
    let mut keys: Vec<&String> = events.iter().map(|(k, _)| k).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), events.len(), "keys repeated in the stream");
    let values: Vec<Value> = events.into_iter().map(|(_, v)| v).collect();
    let got = multiset(&values);
    let diffs = report("after kill -9", &want, &got);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        diffs, 0,
        "events differ from the single machine's after the failover"
    );
}

/// A three-node JetStream cluster, the streams with three replicas: one
/// node is killed with SIGKILL while two workers replay; the clients move
/// to the other nodes, the streams keep their records, and the events
/// stored equal the single machine's, none lost, none twice. Prints the
/// time the events stream took to answer again after the kill.
#[test]
fn a_node_of_a_three_node_cluster_killed_mid_replay_loses_nothing() {
    let Some(mut cluster) = NatsCluster::start_or_skip("nats cluster failover") else {
        return;
    };
    let (dir, input, want) = input_and_scan("node");
    let urls = cluster.urls();
    let replicated = ["--replicas", "3", "--ack-wait-s", "5"];
    let t0 = Instant::now();
    ingest(&urls, &input, &replicated);
    let workers: Vec<_> = (0..2)
        .map(|i| spawn_worker(&urls, 2, i, &replicated))
        .collect();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut cfg = BrokerConfig::new(&urls);
    cfg.replicas = 3;
    let broker = rt
        .block_on(Broker::connect(cfg, Duration::from_secs(10)))
        .unwrap();
    let events_stream = broker.config().events_stream();
    let deadline = Instant::now() + Duration::from_secs(120);
    while rt.block_on(broker.stream_len(&events_stream)).unwrap_or(0) == 0 {
        assert!(Instant::now() < deadline, "no event stored before the kill");
        std::thread::sleep(Duration::from_millis(20));
    }
    let before = rt.block_on(broker.stream_len(&events_stream)).unwrap();
    // The first node: the one every client tries first.
    cluster.nodes[0].kill();
    let t_kill = Instant::now();
    eprintln!("killed node n0 with {before} events stored");
    let recovered = loop {
        if let Ok(n) = rt.block_on(broker.stream_len(&events_stream)) {
            break (t_kill.elapsed(), n);
        }
        assert!(
            t_kill.elapsed() < Duration::from_secs(60),
            "the events stream did not answer within 60 s of losing a node"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    eprintln!(
        "the events stream answered again {:.2?} after the kill ({} events)",
        recovered.0, recovered.1
    );
    for w in workers {
        wait_worker(w);
    }
    eprintln!(
        "2 workers on the cluster done {:.2?} after ingest began, {:.2?} after the kill",
        t0.elapsed(),
        t_kill.elapsed()
    );
    let survivors = cluster.nodes[1..]
        .iter()
        .map(|s| s.url.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let events = read_events(&survivors);
    let mut keys: Vec<&String> = events.iter().map(|(k, _)| k).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), events.len(), "keys repeated in the stream");
    let values: Vec<Value> = events.into_iter().map(|(_, v)| v).collect();
    let got = multiset(&values);
    let diffs = report("after losing a node", &want, &got);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        diffs, 0,
        "events differ from the single machine's after losing a node"
    );
}

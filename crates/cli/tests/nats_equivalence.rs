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

mod nats_common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use finisterra_broker::harness::{NatsCluster, NatsServer};
use finisterra_broker::{Broker, BrokerConfig};
use nats_common::*;
use serde_json::Value;

/// What a distributed run gives: the stored events with their keys, the
/// number the workers said they published, the wall time.
struct Run {
    events: Vec<(String, Value)>,
    published: u64,
    elapsed: Duration,
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

/// A screening pass worked out apart (`pass_lag_s` 4 s in the
/// configuration every role reads): ingest sends a tick when a pass's
/// findings are due, each worker tells them there (and the last at the end
/// record), and snapshots wait for a pass to be told: four workers store
/// `scan`'s events with the same configuration, none lost, none twice.
#[test]
fn with_a_pass_lag_four_workers_give_scan_s_events() {
    let Some(server) = NatsServer::start_or_skip("nats pass lag") else {
        return;
    };
    let (dir, input, _) = input_and_scan("lag");
    let lag = dir.join("lag.json");
    std::fs::write(&lag, r#"{"pass_lag_s": 4}"#).unwrap();
    let lag = lag.to_str().unwrap();
    let want = multiset(&scan_with(&input, &["--config", lag]));
    ingest(&server.url, &input, &["--config", lag]);
    let workers: Vec<_> = (0..4)
        .map(|i| spawn_worker(&server.url, 4, i, &["--config", lag, "--snapshot-s", "1"]))
        .collect();
    for w in workers {
        let (_, log) = wait_worker(w);
        assert!(
            log.contains("partitions ["),
            "a worker did not finish: {log}"
        );
    }
    assert_stored_events_are(&server.url, &want, "with a pass lag");
    let _ = std::fs::remove_dir_all(&dir);
}

/// kill -9 one of four workers in the middle of the replay; a new worker
/// with its index takes its partitions over (restoring their engines from
/// the snapshots its predecessor kept every second, judging the records
/// after them silently up to what the dead one acknowledged, reporting
/// only what it had not stored): the events stored equal the single
/// machine's, none lost, none twice. (Before the ack floor was read as
/// the partition's own records' — `AckedUpTo` — about one run in eight
/// lost the two events of the record at the floor.)
#[test]
fn a_worker_killed_mid_replay_is_replaced_without_loss_or_duplicate() {
    let Some(server) = NatsServer::start_or_skip("nats failover") else {
        return;
    };
    let (dir, input, want) = input_and_scan("kill");
    ingest(&server.url, &input, &[]);
    // A snapshot every second: the take-over restores from them.
    let snap = ["--snapshot-s", "1"];
    let mut workers: Vec<_> = (0..4)
        .map(|i| spawn_worker(&server.url, 4, i, &snap))
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
    let replacement = spawn_worker(&server.url, 4, 1, &snap);
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
    assert!(
        logs[1].contains("restored from its snapshot"),
        "the replacement restored nothing from a snapshot: {}",
        logs[1]
    );
    assert_stored_events_are(&server.url, &want, "after kill -9");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The events stream at `url` holds each key once and, as a multiset of
/// summaries, exactly `want` (the single machine's): `what` names the run.
fn assert_stored_events_are(url: &str, want: &BTreeMap<String, usize>, what: &str) {
    let events = read_events(url);
    let mut keys: Vec<&String> = events.iter().map(|(k, _)| k).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(
        keys.len(),
        events.len(),
        "{what}: keys repeated in the stream"
    );
    let values: Vec<Value> = events.into_iter().map(|(_, v)| v).collect();
    let diffs = report(what, want, &multiset(&values));
    assert_eq!(diffs, 0, "{what}: events differ from the single machine's");
}

/// A three-node JetStream cluster, the streams and the workers' bucket with
/// three replicas: one node is killed with SIGKILL while two elastic
/// workers replay (leases of 10 s: renewals fail while JetStream elects
/// new leaders, so leases are lost and taken again); the
/// clients move to the other nodes, the streams keep their records, and the
/// events stored equal the single machine's, none lost, none twice. Prints
/// the time the events stream took to answer again after the kill.
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
        .map(|i| {
            let mut w = std::process::Command::new(BIN);
            w.arg("worker");
            common(&mut w, &urls);
            w.args(replicated)
                .args(["--worker-id", &format!("n{i}"), "--lease-s", "10"])
                .arg("--exit-at-end")
                .stderr(std::process::Stdio::piped());
            w.spawn().expect("elastic worker")
        })
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
    assert_stored_events_are(&survivors, &want, "after losing a node");
    let _ = std::fs::remove_dir_all(&dir);
}

//! Issue 12's elastic membership against a real nats-server: workers
//! started without `--workers` join through the key-value bucket, share
//! the partitions by the rendezvous assignment, and hold each by a lease.
//! After two workers start, a third joins, one leaves (SIGTERM), one stalls
//! past its lease time (SIGSTOP, then SIGCONT: its leases lost, it stops
//! reporting and joins again) and one dies (`kill -9`), every partition
//! has exactly one lease, held by a live
//! member, the one the assignment names; and the events stored while
//! ingest ran through all this are `scan`'s, none lost.

mod nats_common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use finisterra_broker::harness::NatsServer;
use finisterra_broker::{Broker, BrokerConfig};
use finisterra_cluster::Assignment;
use nats_common::*;
use serde_json::Value;

const PARTITIONS: u16 = 16;
const LEASE_S: &str = "2";

/// The live members and each partition's lease holder, as the broker
/// has them.
fn membership(rt: &tokio::runtime::Runtime, url: &str) -> (Vec<String>, BTreeMap<u16, String>) {
    rt.block_on(async {
        let mut cfg = BrokerConfig::new(url);
        cfg.lease_ttl = Duration::from_secs(2);
        let b = Broker::connect(cfg, Duration::from_secs(5)).await.unwrap();
        let m = b.members().await.expect("the workers' bucket");
        (m.live().await.unwrap(), m.holders().await.unwrap())
    })
}

/// Waits until the live members are `want` and every partition has one
/// lease, held by a live member, the one the assignment names; the time
/// it took. Panics after `limit`, saying what it saw last.
fn wait_settled(
    rt: &tokio::runtime::Runtime,
    url: &str,
    want: &[&str],
    limit: Duration,
) -> Duration {
    let t0 = Instant::now();
    loop {
        let (live, holders) = membership(rt, url);
        let a = Assignment::new(&live, PARTITIONS);
        let settled = live == want
            && (0..PARTITIONS).all(|p| {
                holders
                    .get(&p)
                    .is_some_and(|h| live.contains(h) && a.owner(p) == Some(h.as_str()))
            })
            && holders.keys().all(|&p| p < PARTITIONS);
        if settled {
            let by: BTreeMap<&str, Vec<u16>> = a.by_member();
            eprintln!("settled on {want:?} in {:.2?}: {by:?}", t0.elapsed());
            return t0.elapsed();
        }
        assert!(
            t0.elapsed() < limit,
            "not settled on {want:?} within {limit:?}: members {live:?}, leases {holders:?}, assignment {:?}",
            a.by_member()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn signal(c: &std::process::Child, sig: &str) {
    let ok = std::process::Command::new("kill")
        .args([sig, &c.id().to_string()])
        .status()
        .expect("kill");
    assert!(ok.success(), "kill {sig} {}", c.id());
}

fn show_logs(dir: &Path) {
    for id in ["w1", "w2", "w3"] {
        let log = std::fs::read_to_string(dir.join(format!("{id}.log"))).unwrap_or_default();
        eprintln!("---- {id} ----\n{}", log.trim());
    }
}

#[test]
fn every_partition_has_one_owner_as_workers_join_leave_and_die() {
    let Some(server) = NatsServer::start_or_skip("nats membership") else {
        return;
    };
    let t_start = Instant::now();
    let (dir, input, want) = input_and_scan("members");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = server.url.clone();
    let log = |id: &str| dir.join(format!("{id}.log"));

    // Two workers join; ingest runs while the membership changes.
    let mut w1 = spawn_elastic(&url, "w1", LEASE_S, &log("w1"));
    let mut w2 = spawn_elastic(&url, "w2", LEASE_S, &log("w2"));
    wait_settled(&rt, &url, &["w1", "w2"], Duration::from_secs(60));
    let ingesting = {
        let (url, input) = (url.clone(), input.clone());
        std::thread::spawn(move || ingest(&url, &input, &[]))
    };

    // A third joins: it takes its partitions once the others release them.
    let mut w3 = spawn_elastic(&url, "w3", LEASE_S, &log("w3"));
    wait_settled(&rt, &url, &["w1", "w2", "w3"], Duration::from_secs(60));

    // One leaves cleanly: exit 0, its leases and member key gone at once.
    let status = terminate(&mut w2);
    assert!(status.success(), "w2 exits 0 on SIGTERM: {status}");
    let left = wait_settled(&rt, &url, &["w1", "w3"], Duration::from_secs(60));

    // One stalls (SIGSTOP) past its lease time: the other takes its
    // partitions; woken (SIGCONT), its renewals fail — it stops reporting
    // them at once — and it joins again and gets its share back.
    signal(&w3, "-STOP");
    wait_settled(&rt, &url, &["w1"], Duration::from_secs(60));
    signal(&w3, "-CONT");
    let back = wait_settled(&rt, &url, &["w1", "w3"], Duration::from_secs(60));
    let w3_log = std::fs::read_to_string(log("w3")).unwrap();
    assert!(
        w3_log.contains("lost ("),
        "w3 saw its leases lost after its stall:\n{w3_log}"
    );

    ingesting.join().expect("ingest");

    // One dies: its leases expire after the lease time; the survivor
    // takes every partition.
    std::thread::sleep(Duration::from_secs(1));
    w3.kill().expect("kill -9");
    let killed = Instant::now();
    let _ = w3.wait();
    let recovered = wait_settled(&rt, &url, &["w1"], Duration::from_secs(60));
    // Its last renewal was at most a renewal period (2/3 s) before the kill.
    assert!(
        killed.elapsed() >= Duration::from_millis(1300),
        "a dead worker's leases expire after the lease time, not before"
    );

    // The events: scan's, by key, none lost.
    let t0 = Instant::now();
    let (events, repeated) = loop {
        let (events, repeated) = events_by_key(&url);
        let values: Vec<Value> = events.values().cloned().collect();
        if multiset(&values) == want || t0.elapsed() > Duration::from_secs(300) {
            break (events, repeated);
        }
        std::thread::sleep(Duration::from_secs(1));
    };
    let complete = killed.elapsed();
    let values: Vec<Value> = events.values().cloned().collect();
    let got = multiset(&values);
    let diffs = report("elastic", &want, &got);

    let status = terminate(&mut w1);
    let (live, holders) = membership(&rt, &url);
    show_logs(&dir);
    eprintln!(
        "membership: leave settled in {left:.2?}; a stalled worker back in its share {back:.2?} after SIGCONT; after kill -9 the survivor held every lease {:.2?} after the kill (lease {LEASE_S} s); {} events by key ({repeated} keys stored twice); events complete {complete:.2?} after the kill; test {:.2?}",
        recovered,
        events.len(),
        t_start.elapsed()
    );
    assert_eq!(diffs, 0, "the events stored differ from scan's");
    assert!(status.success(), "w1 exits 0 on SIGTERM: {status}");
    assert!(live.is_empty(), "members left: {live:?}");
    assert!(holders.is_empty(), "leases left: {holders:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Elastic options that cannot work are refused at start, with the
/// reason (no broker needed).
#[test]
fn a_short_lease_or_a_bad_worker_id_is_refused() {
    for (extra, reason) in [
        (&["--lease-s", "1"][..], "too short"),
        (&["--worker-id", "a.b"][..], "letters, digits"),
        (
            &["--workers", "2", "--lease-s", "5"][..],
            "cannot be used with",
        ),
    ] {
        let mut w = std::process::Command::new(BIN);
        w.args(["worker", "--nats", "nats://127.0.0.1:9", "--land", "none"])
            .args(extra);
        let out = w.output().expect("worker");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{extra:?} accepted");
        assert!(err.contains(reason), "{extra:?}: {err}");
    }
}

//! A partition's pull stream that fails is dropped with the records it
//! had fetched; they come back only after the ack wait, behind later ones,
//! and a worker that took them for records judged already would skip them
//! (events lost). Against a real nats-server, workers that drop their
//! streams on purpose must notice, take the partition again after the
//! last record judged and store the single machine's events. A test binary
//! of its own: the take-overs load the machine, and the other NATS suites'
//! timing is not this test's business.

mod nats_common;

use nats_common::*;
use serde_json::Value;

use finisterra_broker::harness::NatsServer;

/// A partition's pull stream that fails is dropped with the records it
/// had fetched and not handed over; they come back only after the ack
/// wait, behind later records. Each worker here drops its streams so every
/// 2,500 records (`--test-drop-fetched-every`): the workers see the jump in
/// the consumer's delivery numbers, take the partition again after the
/// last record judged, and the events stored equal the single machine's.
#[test]
fn pull_streams_dropped_with_what_they_fetched_lose_nothing() {
    let Some((retakes, diffs, published, stored)) = two_workers(
        &["--test-drop-fetched-every", "2500"],
        ("nats dropped streams", "drop"),
        "taking the partition again",
    ) else {
        return;
    };
    eprintln!(
        "{retakes} partitions taken again after lost deliveries; {published} events published"
    );
    assert!(retakes > 0, "no delivery was lost: the test tests nothing");
    assert_eq!(
        diffs, 0,
        "events lost or changed after dropped pull streams"
    );
    assert_eq!(published, stored, "an event was reported twice");
}

/// The first deliveries of a partition's new consumer lost on the way (a
/// connection lost while the first fetch was in flight, as when a node of
/// the cluster dies): they would come back only after the ack wait, behind
/// later records, and be skipped as judged. Each worker here throws away
/// its partitions' first 100 deliveries unseen (`--test-lose-first`): it
/// must see that its first delivery is not the consumer's first, take the
/// partition again, and the events stored equal the single machine's.
#[test]
fn first_deliveries_lost_on_the_way_are_taken_again() {
    let Some((retakes, diffs, published, stored)) = two_workers(
        &["--test-lose-first", "100", "--ack-wait-s", "5"],
        ("nats first deliveries lost", "lose-first"),
        "never reached this worker",
    ) else {
        return;
    };
    eprintln!("{retakes} partitions taken again after their first deliveries were lost");
    assert!(retakes > 0, "no delivery was lost: the test tests nothing");
    assert_eq!(
        diffs, 0,
        "events lost or changed after lost first deliveries"
    );
    assert_eq!(published, stored, "an event was reported twice");
}

/// A partition's consumer gone from the broker (its listing lost with a
/// node of the cluster) while its static worker still owns the partition:
/// nobody else takes a static partition, so the worker takes it over again
/// from what was stored. Each partition's consumer here is deleted after
/// 300 of its records (`--test-vanish-after`); the events stored equal the
/// single machine's. Before, the judge waited on the gone consumer for
/// ever and the replay never ended.
#[test]
fn a_consumer_gone_from_the_broker_is_taken_over_again_by_its_static_worker() {
    let Some((retakes, diffs, published, stored)) = two_workers(
        &["--test-vanish-after", "300"],
        ("nats consumer gone", "vanish"),
        "its consumer is gone",
    ) else {
        return;
    };
    eprintln!("{retakes} partitions taken over again after their consumer was gone; {published} events published, {stored} stored");
    assert!(
        retakes > 0,
        "no consumer was deleted: the test tests nothing"
    );
    assert_eq!(
        diffs, 0,
        "events lost, changed or stored twice after a consumer was gone"
    );
    // Taken over again from the stream's start (the gone consumer's ack
    // floor went with it): the events already stored are published again
    // under the same keys, and stored once.
    assert!(
        published >= stored,
        "{published} published, {stored} stored"
    );
}

/// Lease renewals that fail while a turn of the elastic membership waits
/// on the members' listing (an election): that turn finds the leases
/// missing and takes them again, the next one reports them lost and
/// retires their judges. The leases are held again: every partition must
/// get a judge again, and the events stored equal the single machine's
/// (before, the partitions stayed held and unjudged: events missing, or a
/// replay that never ended). `--test-stale-loss-after-s` makes every
/// renewal fail so, once, 2 s after the start.
#[test]
fn leases_lost_behind_a_turn_and_held_again_are_judged_again() {
    let Some(server) = NatsServer::start_or_skip("nats stale lease loss") else {
        return;
    };
    let (dir, input, want) = input_and_scan("stale");
    ingest(&server.url, &input, &[]);
    let mut w = std::process::Command::new(BIN);
    w.arg("worker");
    common(&mut w, &server.url);
    w.args(["--worker-id", "s0", "--lease-s", "3", "--exit-at-end"])
        .args(["--test-stale-loss-after-s", "2"])
        .stderr(std::process::Stdio::piped());
    let (published, log) = wait_worker(w.spawn().expect("elastic worker"));
    assert!(
        log.contains("lost behind this turn"),
        "the leases were never lost: the test tests nothing\n{log}"
    );
    assert!(
        log.contains("held without a judge: opening them"),
        "no partition held without a judge was opened again\n{log}"
    );
    let events = read_events(&server.url);
    let values: Vec<Value> = events.into_iter().map(|(_, v)| v).collect();
    let diffs = report("stale lease loss", &want, &multiset(&values));
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!("{published} events published, {} stored", values.len());
    assert_eq!(
        diffs, 0,
        "events lost, changed or stored twice after leases lost behind a turn"
    );
}

/// Two static workers with `extra` options to the end of `tag`'s input,
/// their stored events compared with the single machine's: how many times
/// their logs say `marker`, the differences, the events they published and
/// the events stored.
fn two_workers(
    extra: &[&str],
    (name, tag): (&str, &str),
    marker: &str,
) -> Option<(usize, usize, u64, u64)> {
    let server = NatsServer::start_or_skip(name)?;
    let (dir, input, want) = input_and_scan(tag);
    ingest(&server.url, &input, &[]);
    let children: Vec<_> = (0..2)
        .map(|i| spawn_worker(&server.url, 2, i, extra))
        .collect();
    let mut published = 0;
    let mut marked = 0;
    for c in children {
        let (n, log) = wait_worker(c);
        published += n;
        marked += log.matches(marker).count();
    }
    let events = read_events(&server.url);
    let values: Vec<Value> = events.into_iter().map(|(_, v)| v).collect();
    let diffs = report(name, &want, &multiset(&values));
    let _ = std::fs::remove_dir_all(&dir);
    Some((marked, diffs, published, values.len() as u64))
}

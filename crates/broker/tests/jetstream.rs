//! The boundary against a real nats-server (JetStream, loopback, a temp
//! store): streams, publishing to partitions with de-duplication on
//! `Nats-Msg-Id`, durable per-partition consumers that resume after their
//! acknowledgements, the events stream read back.

use std::time::Duration;

use bytes::Bytes;
use finisterra_broker::harness::NatsServer;
use finisterra_broker::{AckedUpTo, Broker, BrokerConfig, Found};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_consume_ack_resume_dedup() {
    let Some(server) = NatsServer::start_or_skip("broker jetstream") else {
        return;
    };
    let broker = Broker::connect(BrokerConfig::new(&server.url), Duration::from_secs(5))
        .await
        .expect("connect");
    broker.ensure_streams().await.expect("streams");
    broker
        .ensure_streams()
        .await
        .expect("streams again (idempotent)");
    let mut publisher = broker.publisher();
    for i in 0..10u8 {
        let p = u16::from(i % 2);
        publisher
            .to_partition(p, &format!("r-{i}"), Bytes::from(vec![i]))
            .await
            .expect("publish");
    }
    // The same id again: stored once.
    publisher
        .to_partition(0, "r-0", Bytes::from_static(&[0]))
        .await
        .expect("publish duplicate");
    publisher.flush().await.expect("flush");
    assert_eq!(publisher.counts(), (11, 1));
    let pos = broker.config().pos_stream();
    assert_eq!(broker.stream_len(&pos).await.unwrap(), 10);

    let mut c0 = broker.consume_partition(0).await.expect("consumer");
    let mut got = Vec::new();
    for _ in 0..5 {
        let d = c0.next().await.expect("delivery");
        assert_eq!(d.partition(), 0);
        got.push(d.payload()[0]);
        d.ack().await.expect("ack");
    }
    assert_eq!(got, vec![0, 2, 4, 6, 8]);
    drop(c0);
    broker.flush().await.unwrap();

    // The durable consumer resumes after its acknowledgements.
    publisher
        .to_partition(0, "r-10", Bytes::from_static(&[10]))
        .await
        .unwrap();
    publisher.flush().await.unwrap();
    let mut c0 = broker.consume_partition(0).await.expect("consumer again");
    let d = tokio::time::timeout(Duration::from_secs(10), c0.next())
        .await
        .expect("in time")
        .expect("delivery");
    assert_eq!(d.payload(), &[10]);
    d.ack().await.unwrap();

    // Events under their keys, de-duplicated, read back.
    publisher
        .event(
            "risk.raised",
            "risk.raised:1/2:1000",
            Bytes::from_static(b"{}"),
        )
        .await
        .unwrap();
    publisher
        .event(
            "risk.raised",
            "risk.raised:1/2:1000",
            Bytes::from_static(b"{}"),
        )
        .await
        .unwrap();
    publisher.flush().await.unwrap();
    let mut r = broker.read_events().await.unwrap();
    let e = r
        .next(Duration::from_secs(5))
        .await
        .unwrap()
        .expect("one event");
    assert_eq!(e.key, "risk.raised:1/2:1000");
    assert_eq!(e.subject, "fin.events.risk.raised");
    assert!(r.next(Duration::from_millis(500)).await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_broker_is_retried_then_refused() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = Broker::connect(
        BrokerConfig::new(format!("nats://127.0.0.1:{port}")),
        Duration::from_millis(300),
    )
    .await
    .expect_err("nobody there");
    assert_eq!(err.reason(), "connect");
}

/// Leases in the workers' bucket: one holder at a time (create fails while
/// held), renewal by compare-and-set (a lease taken over cannot be renewed
/// by its old holder), release on a clean leave, and expiry by the
/// bucket's `max_age` when a holder dies; members come and go the same way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leases_have_one_holder_and_expire() {
    let Some(server) = NatsServer::start_or_skip("broker leases") else {
        return;
    };
    let mut cfg = BrokerConfig::new(&server.url);
    cfg.lease_ttl = Duration::from_secs(2);
    let broker = Broker::connect(cfg.clone(), Duration::from_secs(5))
        .await
        .expect("connect");
    let m = broker.members().await.expect("bucket");
    let again = broker.members().await.expect("bucket again (idempotent)");
    assert_eq!(again.ttl(), Duration::from_secs(2));
    // Another lease time is refused, with the reason.
    let mut other = cfg.clone();
    other.lease_ttl = Duration::from_secs(5);
    let b2 = Broker::connect(other, Duration::from_secs(5))
        .await
        .unwrap();
    let e = b2.members().await.expect_err("another lease time");
    assert!(e.to_string().contains("same lease time"), "{e}");

    m.heartbeat("w1").await.unwrap();
    m.heartbeat("w2").await.unwrap();
    assert_eq!(m.live().await.unwrap(), ["w1", "w2"]);

    let (mut l1, found) = m.acquire(3, "w1").await.unwrap().expect("free");
    assert_eq!(found, Found::Free);
    assert_eq!(m.acquire(3, "w2").await.unwrap(), None, "held by w1");
    m.renew(&mut l1, "w1").await.expect("renewed");
    assert_eq!(
        m.holders().await.unwrap().get(&3).map(String::as_str),
        Some("w1")
    );
    // Released: w2 takes it; w1's old lease can neither be renewed nor
    // released over w2's.
    let stale = l1;
    m.release(l1).await.unwrap();
    let (mut l2, found) = m.acquire(3, "w2").await.unwrap().expect("released");
    assert_eq!(found, Found::Released);
    let mut s = stale;
    assert!(m.renew(&mut s, "w1").await.is_err(), "w1 lost it");
    assert!(m.release(stale).await.is_err());
    assert_eq!(
        m.holders().await.unwrap().get(&3).map(String::as_str),
        Some("w2")
    );

    // w2 leaves cleanly; w1 keeps beating, w2's lease left to expire.
    m.leave("w2").await.unwrap();
    assert_eq!(m.live().await.unwrap(), ["w1"]);
    let t0 = std::time::Instant::now();
    loop {
        m.heartbeat("w1").await.unwrap();
        if let Some((l, found)) = m.acquire(3, "w1").await.unwrap() {
            assert_eq!(found, Found::Free, "expired");
            assert!(m.renew(&mut l2, "w2").await.is_err(), "expired");
            assert_eq!(l.partition, 3);
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(10), "never expired");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let waited = t0.elapsed();
    assert!(waited >= Duration::from_millis(1500), "{waited:?}");
    assert_eq!(m.live().await.unwrap(), ["w1"]);
    eprintln!("a lease expired {waited:?} after its last renewal");
}

/// A take-over makes a consumer of its own: the previous owner's consumer
/// (still open, as a stalled worker's would be) gets nothing more, the new
/// one everything from the stream's start, and the record at the old ack
/// floor is said.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_take_over_fences_the_previous_consumer() {
    let Some(server) = NatsServer::start_or_skip("broker take-over") else {
        return;
    };
    let broker = Broker::connect(BrokerConfig::new(&server.url), Duration::from_secs(5))
        .await
        .expect("connect");
    broker.ensure_streams().await.expect("streams");
    let mut publisher = broker.publisher();
    for i in 1..=3u8 {
        publisher
            .to_partition(5, &format!("t-{i}"), Bytes::from(vec![i]))
            .await
            .unwrap();
    }
    publisher.flush().await.unwrap();
    let (acked, mut old) = broker.take_partition(5, 0).await.expect("first take");
    assert_eq!(acked, None);
    for want in 1..=2u8 {
        let d = old.next().await.unwrap();
        assert_eq!(d.payload(), &[want]);
        d.ack().await.unwrap();
    }
    broker.flush().await.unwrap();
    let t0 = std::time::Instant::now();
    while broker.ack_floor(5).await.unwrap() != Some(2) {
        assert!(t0.elapsed() < Duration::from_secs(5), "acks not seen");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (acked, mut new) = broker.take_partition(5, 0).await.expect("take-over");
    assert_eq!(
        acked,
        Some(AckedUpTo::Through(Bytes::from_static(&[2]))),
        "the record at the floor"
    );
    publisher
        .to_partition(5, "t-4", Bytes::from_static(&[4]))
        .await
        .unwrap();
    publisher.flush().await.unwrap();
    // The old consumer is gone: its holder, reading on first, gets
    // nothing of the new one's (a record it still had buffered, 3, at
    // most); with the same name it would pull the new consumer's records.
    let mut seen = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while let Ok(d) = old.next().await {
            seen.push(d.payload()[0]);
        }
    })
    .await;
    assert!(
        seen.iter().all(|&r| r == 3),
        "the old consumer got the new one's records: {seen:?}"
    );
    let mut got = Vec::new();
    for _ in 0..4 {
        got.push(new.next().await.unwrap().payload()[0]);
    }
    assert_eq!(got, vec![1, 2, 3, 4]);
}

/// The ack floor of a partition's consumer is a stream sequence, and the
/// record there is often another partition's: with records still pending,
/// the server puts the floor just before the first of them (the stream
/// sequence before it, whoever's it is). When that is another partition's
/// copy of the same record (ingest publishes a record to its home and halo
/// partitions one after the other), taking it for the last record
/// acknowledged in this partition takes this partition's copy, pending,
/// for judged and its events for stored (seen in the kill test with
/// snapshots: the floor record's two events lost). A take-over says how
/// far the partition's own records are acknowledged instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ack_floor_on_another_partitions_record_is_not_taken_for_this_ones() {
    let Some(server) = NatsServer::start_or_skip("broker foreign ack floor") else {
        return;
    };
    let cfg = BrokerConfig::new(&server.url);
    let broker = Broker::connect(cfg.clone(), Duration::from_secs(5))
        .await
        .expect("connect");
    broker.ensure_streams().await.expect("streams");
    let mut publisher = broker.publisher();
    // Stream: record 1 in partition 5; record 2 in partition 6, then its
    // copy in partition 5; record 3 in partition 5.
    for (i, r, p) in [(1, 1u8, 5u16), (2, 2, 6), (3, 2, 5), (4, 3, 5)] {
        publisher
            .to_partition(p, &format!("f-{i}"), Bytes::from(vec![r]))
            .await
            .unwrap();
    }
    publisher.flush().await.unwrap();
    // A consumer of partition 5 given records 1 and 2; it acknowledges 1
    // only (a worker killed before it acknowledged 2).
    let js = async_nats::jetstream::new(
        async_nats::connect(server.url.as_str())
            .await
            .expect("a client"),
    );
    let stream = js.get_stream(cfg.pos_stream()).await.expect("the stream");
    let consumer: async_nats::jetstream::consumer::PullConsumer = stream
        .create_consumer(async_nats::jetstream::consumer::pull::Config {
            durable_name: Some("part-5".into()),
            filter_subject: cfg.partition_subject(5),
            ack_policy: async_nats::jetstream::consumer::AckPolicy::Explicit,
            ..Default::default()
        })
        .await
        .expect("a consumer");
    let mut batch = consumer
        .fetch()
        .max_messages(2)
        .messages()
        .await
        .expect("a fetch");
    let m = futures::StreamExt::next(&mut batch)
        .await
        .expect("a record")
        .expect("a record");
    assert_eq!(&m.payload[..], &[1]);
    let second = futures::StreamExt::next(&mut batch)
        .await
        .expect("a record")
        .expect("a record");
    assert_eq!(&second.payload[..], &[2]);
    m.double_ack().await.expect("acknowledged");
    drop(batch);
    let t0 = std::time::Instant::now();
    let floor = loop {
        let f = broker.ack_floor(5).await.unwrap();
        if f.is_some() || t0.elapsed() > Duration::from_secs(5) {
            break f;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    eprintln!("partition 5's ack floor: stream sequence {floor:?}");
    // Where the server puts it (the test's premise).
    assert_eq!(floor, Some(2), "the floor just before the first pending");
    let (acked, _new) = broker.take_partition(5, 0).await.expect("take-over");
    // Every record of partition 5 before record 2 is acknowledged; the
    // record at the floor, record 2's copy in partition 6, says nothing of
    // its copy here.
    assert_eq!(acked, Some(AckedUpTo::Before(Bytes::from_static(&[2]))));
}

/// A snapshot kept in the object store comes back with the stream
/// sequence it covers (the latest replacing the older; none for another
/// partition), and a take-over from that sequence delivers only the
/// partition's records after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_and_a_take_over_after_it() {
    let Some(server) = NatsServer::start_or_skip("broker snapshots") else {
        return;
    };
    let broker = Broker::connect(BrokerConfig::new(&server.url), Duration::from_secs(5))
        .await
        .expect("connect");
    broker.ensure_streams().await.expect("streams");
    let mut publisher = broker.publisher();
    for i in 1..=6u8 {
        // Partitions 5 and 6 interleaved in one stream.
        let p = if i % 2 == 0 { 6 } else { 5 };
        publisher
            .to_partition(p, &format!("s-{i}"), Bytes::from(vec![i]))
            .await
            .unwrap();
    }
    publisher.flush().await.unwrap();
    let snaps = broker.snapshots().await.expect("object store");
    assert_eq!(snaps.get(5).await.unwrap(), None);
    let (_, mut c) = broker.take_partition(5, 0).await.expect("take");
    let d1 = c.next().await.unwrap();
    assert_eq!(d1.payload(), &[1]);
    let d3 = c.next().await.unwrap();
    assert_eq!(d3.payload(), &[3]);
    let seq3 = d3.stream_sequence();
    assert_eq!(seq3, 3, "stream sequence of the third record");
    snaps.put(5, d1.stream_sequence(), b"older").await.unwrap();
    let big = vec![7u8; 3 << 20]; // larger than one NATS message: chunked
    snaps.put(5, seq3, &big).await.unwrap();
    assert_eq!(snaps.get(5).await.unwrap(), Some((seq3, big)));
    assert_eq!(snaps.get(6).await.unwrap(), None);
    let (_, mut after) = broker.take_partition(5, seq3).await.expect("take after");
    assert_eq!(after.next().await.unwrap().payload(), &[5]);
}

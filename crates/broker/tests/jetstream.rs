//! The boundary against a real nats-server (JetStream, loopback, a temp
//! store): streams, publishing to partitions with de-duplication on
//! `Nats-Msg-Id`, durable per-partition consumers that resume after their
//! acknowledgements, the events stream read back.

use std::time::Duration;

use bytes::Bytes;
use finisterra_broker::harness::NatsServer;
use finisterra_broker::{Broker, BrokerConfig};

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

//! Finisterra's boundary with NATS JetStream, and nothing else of NATS
//! outside it: the engine and the cluster logic never see the broker.
//!
//! What the rest of the code may do, and only this:
//!
//! - [`Broker::connect`] (with retries and backoff, said in the log) and
//!   [`Broker::ensure_streams`]: two streams, `<PREFIX>_POS` over
//!   `<prefix>.pos.*` (one subject per partition, file storage, kept for
//!   [`BrokerConfig::retention`]) and `<PREFIX>_EVENTS` over
//!   `<prefix>.events.>`, both de-duplicating on `Nats-Msg-Id` within
//!   [`BrokerConfig::duplicate_window`];
//! - publish a record to a partition, or an event under its key, through a
//!   [`Publisher`] (bounded acknowledgements in flight; [`Publisher::flush`]
//!   returns once every one is stored);
//! - consume a partition through its durable pull consumer `part-<p>`
//!   (`part-<p>-<unique>` after a take-over)
//!   ([`Broker::consume_partition`]), acknowledging each [`Delivery`] after
//!   its consequences are stored ([`Delivery::ack`]);
//! - read the events stream from its start ([`Broker::read_events`]);
//! - consume the events stream through a durable pull consumer
//!   ([`Broker::consume_events`], `serve --nats`), acknowledging each
//!   [`EventDelivery`] once the event is durable in the store;
//! - see whether the connection is up and how often it came back
//!   ([`Broker::connection`]);
//! - keep elastic membership in the key-value bucket `<PREFIX>_WORKERS`
//!   ([`Broker::members`]): a member's key `member.<id>` put again every
//!   third of the lease time, a partition's lease `lease.<p>` created only
//!   if nobody holds it and renewed by compare-and-set on its revision
//!   ([`Members`]); the bucket's `max_age` is the lease time, so the keys
//!   of a worker that died expire by themselves.
//!
//! - hand out census day shards through the work queue
//!   `<PREFIX>_CENSUS_JOBS` and keep their results in the object store
//!   `<PREFIX>_CENSUS` ([`Broker::census_queue`], [`census`]).
//!
//! [`harness`] starts a real `nats-server` for tests (found by
//! [`harness::find_nats_server`]).

pub mod census;
pub mod harness;

pub use census::{CensusJob, CensusJobs, CensusQueue, CENSUS_ACK_WAIT};

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, consumer, stream};
use bytes::Bytes;
use futures::StreamExt;

/// What can go wrong at the broker, each with the broker's own words.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// The server cannot be reached (after the retries).
    #[error("cannot connect to NATS at {url}: {reason}")]
    Connect {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// A stream or consumer cannot be created or read.
    #[error("JetStream {what}: {reason}")]
    Setup {
        /// What was being done.
        what: String,
        /// Why.
        reason: String,
    },
    /// A message was not stored.
    #[error("publish to {subject} failed: {reason}")]
    Publish {
        /// The subject.
        subject: String,
        /// Why.
        reason: String,
    },
    /// A delivery failed.
    #[error("consume {what}: {reason}")]
    Consume {
        /// The consumer.
        what: String,
        /// Why.
        reason: String,
    },
    /// A member key or a lease could not be written or read; for a lease's
    /// renewal: the lease is lost (taken by another after it expired, or
    /// not provably still held).
    #[error("membership {what}: {reason}")]
    Membership {
        /// The key.
        what: String,
        /// Why.
        reason: String,
    },
}

impl BrokerError {
    /// A stable key for counting.
    pub fn reason(&self) -> &'static str {
        match self {
            BrokerError::Connect { .. } => "connect",
            BrokerError::Setup { .. } => "setup",
            BrokerError::Publish { .. } => "publish",
            BrokerError::Consume { .. } => "consume",
            BrokerError::Membership { .. } => "membership",
        }
    }
}

fn setup(what: impl Into<String>) -> impl FnOnce(String) -> BrokerError {
    let what = what.into();
    move |reason| BrokerError::Setup { what, reason }
}

/// Where and how.
#[derive(Debug, Clone, PartialEq)]
pub struct BrokerConfig {
    /// A lease or a member key not renewed within this expires (the
    /// workers' bucket's `max_age`; every worker must use the same).
    pub lease_ttl: Duration,
    /// Server URL (`nats://127.0.0.1:4222`).
    pub url: String,
    /// Subject prefix (`fin`); stream names are its upper case.
    pub prefix: String,
    /// How long positions are kept in the stream (replay and failover).
    pub retention: Duration,
    /// The broker's de-duplication window on `Nats-Msg-Id`. Wall-clock
    /// limited: the store's idempotence on event keys is the real guard.
    pub duplicate_window: Duration,
    /// Stream replicas (1 for one server, 3 for a three-node cluster).
    pub replicas: usize,
    /// Acknowledgements of publishes in flight at most.
    pub max_in_flight: usize,
    /// A record delivered and not acknowledged within this is delivered
    /// again (to the partition's next consumer after a worker died).
    pub ack_wait: Duration,
}

impl BrokerConfig {
    /// The defaults at `url`.
    pub fn new(url: impl Into<String>) -> BrokerConfig {
        BrokerConfig {
            url: url.into(),
            prefix: "fin".into(),
            retention: Duration::from_secs(24 * 3600),
            duplicate_window: Duration::from_secs(120),
            replicas: 1,
            max_in_flight: 4096,
            ack_wait: Duration::from_secs(120),
            lease_ttl: Duration::from_secs(10),
        }
    }

    /// The engine snapshots' object store's name.
    pub fn snapshots_bucket(&self) -> String {
        format!("{}_SNAPSHOTS", self.prefix.to_uppercase())
    }

    /// The workers' key-value bucket's name.
    pub fn workers_bucket(&self) -> String {
        format!("{}_WORKERS", self.prefix.to_uppercase())
    }

    /// The positions stream's name.
    pub fn pos_stream(&self) -> String {
        format!("{}_POS", self.prefix.to_uppercase())
    }

    /// The events stream's name.
    pub fn events_stream(&self) -> String {
        format!("{}_EVENTS", self.prefix.to_uppercase())
    }

    /// The subject of partition `p`.
    pub fn partition_subject(&self, p: u16) -> String {
        format!("{}.pos.{p}", self.prefix)
    }

    /// The subject of events of `kind`.
    pub fn event_subject(&self, kind: &str) -> String {
        format!("{}.events.{kind}", self.prefix)
    }
}

/// The servers of a URL list (`nats://a:4222,nats://b:4222`: the nodes of
/// a cluster; the client moves to another when its server goes away).
fn server_addrs(urls: &str) -> Result<Vec<async_nats::ServerAddr>, BrokerError> {
    urls.split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(|u| {
            u.parse::<async_nats::ServerAddr>()
                .map_err(|e| BrokerError::Connect {
                    url: u.to_string(),
                    reason: format!("not a NATS URL: {e}"),
                })
        })
        .collect::<Result<Vec<_>, _>>()
        .and_then(|v| {
            if v.is_empty() {
                Err(BrokerError::Connect {
                    url: urls.to_string(),
                    reason: "no server URL".into(),
                })
            } else {
                Ok(v)
            }
        })
}

/// The durable pull consumer `name` of `stream` over `filter` (created if
/// needed, from the stream's first record; explicit acknowledgements, a
/// record not acknowledged within `ack_wait` delivered again), read in
/// batches of `batch`.
async fn durable_pull(
    stream: &stream::Stream,
    name: &str,
    filter: String,
    ack_wait: Duration,
    max_ack_pending: i64,
    batch: usize,
    deliver_policy: consumer::DeliverPolicy,
) -> Result<Pull, BrokerError> {
    let consumer: consumer::PullConsumer = stream
        .get_or_create_consumer(
            name,
            consumer::pull::Config {
                durable_name: Some(name.to_string()),
                filter_subject: filter,
                ack_policy: consumer::AckPolicy::Explicit,
                ack_wait,
                max_ack_pending,
                deliver_policy,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| setup(format!("consumer {name}"))(e.to_string()))?;
    let messages = open_messages(&consumer, batch)
        .await
        .map_err(|e| setup(format!("consumer {name}"))(e))?;
    Ok(Pull {
        name: name.to_string(),
        consumer,
        batch,
        messages: Some(messages),
        dropped: false,
    })
}

async fn open_messages(
    consumer: &consumer::PullConsumer,
    batch: usize,
) -> Result<consumer::pull::Stream, String> {
    consumer
        .stream()
        .max_messages_per_batch(batch)
        .messages()
        .await
        .map_err(|e| e.to_string())
}

/// Waits between attempts: from 100 ms, doubling up to `max`, for as long
/// as `patience` lasts from the first failure. The one backoff of this
/// crate (connecting, creating streams and buckets, reading consumers,
/// publishing again).
struct Backoff {
    start: tokio::time::Instant,
    delay: Duration,
    max: Duration,
    patience: Duration,
}

impl Backoff {
    fn new(max: Duration, patience: Duration) -> Backoff {
        Backoff {
            start: tokio::time::Instant::now(),
            delay: Duration::from_millis(100),
            max,
            patience,
        }
    }

    /// After a failure: `false` once patience is spent; else `said` is
    /// given the delay (to say it in the log), which is then waited.
    async fn pause(&mut self, said: impl FnOnce(Duration)) -> bool {
        if self.start.elapsed() >= self.patience {
            return false;
        }
        said(self.delay);
        tokio::time::sleep(self.delay).await;
        self.delay = (self.delay * 2).min(self.max);
        true
    }
}

/// `attempt` until it succeeds, retried with backoff while a cluster
/// elects leaders or a node is lost (each failure said in the log, about
/// `what`), for up to `patience`; then its error.
async fn patiently_for<T, F, Fut>(
    what: &str,
    patience: Duration,
    mut attempt: F,
) -> Result<T, BrokerError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, BrokerError>>,
{
    let mut backoff = Backoff::new(Duration::from_secs(2), patience);
    loop {
        match attempt().await {
            Ok(v) => return Ok(v),
            Err(e) => {
                let said = |d| eprintln!("finisterra: {what}: {e}; trying again in {d:?}");
                if !backoff.pause(said).await {
                    return Err(e);
                }
            }
        }
    }
}

/// [`patiently_for`] [`CONSUME_PATIENCE`].
async fn patiently<T, F, Fut>(what: &str, attempt: F) -> Result<T, BrokerError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, BrokerError>>,
{
    patiently_for(what, CONSUME_PATIENCE, attempt).await
}

/// How long a durable consumer keeps trying after its messages fail (its
/// server lost, its leader being elected) before the reader gives up.
const CONSUME_PATIENCE: Duration = Duration::from_secs(60);

/// A durable pull consumer's messages that ride out a lost node or a
/// leader election: on an error the messages are opened again with
/// backoff (the consumer keeps its place: nothing acknowledged is
/// delivered again, nothing unacknowledged is lost), each failure said in
/// the log; the error reaches the caller after [`CONSUME_PATIENCE`].
struct Pull {
    name: String,
    consumer: consumer::PullConsumer,
    batch: usize,
    /// `None` after the stream ended, until opened again.
    messages: Option<consumer::pull::Stream>,
    /// The stream was dropped at least once since this consumer was
    /// opened: what it had fetched and not handed over comes back only
    /// after the ack wait, behind later messages.
    dropped: bool,
}

impl Pull {
    /// The next message (waits for one). A stream that fails or ends is
    /// dropped, with what it had fetched and not handed over (said by
    /// [`PartitionConsumer::was_dropped`]), and opened again.
    async fn next(&mut self) -> Result<jetstream::Message, BrokerError> {
        let mut backoff: Option<Backoff> = None;
        loop {
            let failure = match self.messages.as_mut() {
                Some(m) => match m.next().await {
                    Some(Ok(msg)) => return Ok(msg),
                    Some(Err(e)) => e.to_string(),
                    None => "its messages ended".to_string(),
                },
                None => match open_messages(&self.consumer, self.batch).await {
                    Ok(m) => {
                        self.messages = Some(m);
                        continue;
                    }
                    Err(e) => e,
                },
            };
            if self.messages.take().is_some() {
                self.dropped = true;
            }
            let name = &self.name;
            let said =
                |d| eprintln!("finisterra: consumer {name}: {failure}; reading again in {d:?}");
            let backoff = backoff
                .get_or_insert_with(|| Backoff::new(Duration::from_secs(2), CONSUME_PATIENCE));
            if !backoff.pause(said).await {
                return Err(BrokerError::Consume {
                    what: self.name.clone(),
                    reason: failure,
                });
            }
        }
    }

    /// The next message if one is here already (never waits); a failure
    /// is left to [`Pull::next`].
    fn ready(&mut self) -> Option<jetstream::Message> {
        use futures::FutureExt;
        match self.messages.as_mut()?.next().now_or_never()? {
            Some(Ok(msg)) => Some(msg),
            Some(Err(e)) => {
                eprintln!("finisterra: consumer {}: {e}", self.name);
                self.messages = None;
                self.dropped = true;
                None
            }
            None => {
                self.messages = None;
                self.dropped = true;
                None
            }
        }
    }
}

/// A connection to JetStream.
#[derive(Clone, Debug)]
pub struct Broker {
    cfg: BrokerConfig,
    client: async_nats::Client,
    js: jetstream::Context,
    state: Arc<ConnectionState>,
}

/// The connection as the client saw it last: the client reconnects by
/// itself, with backoff, for ever; each loss and return is said in the log.
#[derive(Debug, Default)]
pub struct ConnectionState {
    connected: AtomicBool,
    disconnects: AtomicU64,
    reconnects: AtomicU64,
}

impl ConnectionState {
    /// Connected now.
    pub fn is_connected(&self) -> bool {
        self.connected.load(Ordering::SeqCst)
    }

    /// Times the connection came back after a loss.
    pub fn reconnects(&self) -> u64 {
        self.reconnects.load(Ordering::SeqCst)
    }

    /// Times the connection was lost.
    pub fn disconnects(&self) -> u64 {
        self.disconnects.load(Ordering::SeqCst)
    }

    fn on_event(&self, url: &str, e: async_nats::Event) {
        match e {
            async_nats::Event::Connected => {
                let was = self.connected.swap(true, Ordering::SeqCst);
                if !was && self.disconnects() > 0 {
                    self.reconnects.fetch_add(1, Ordering::SeqCst);
                    eprintln!("finisterra: NATS at {url}: connected again");
                }
            }
            async_nats::Event::Disconnected => {
                if self.connected.swap(false, Ordering::SeqCst) {
                    self.disconnects.fetch_add(1, Ordering::SeqCst);
                }
                eprintln!(
                    "finisterra: NATS at {url}: connection lost; reconnecting with backoff (nothing is acknowledged meanwhile)"
                );
            }
            // Closed by its owner (the end of a run): nothing to say.
            async_nats::Event::Closed => self.connected.store(false, Ordering::SeqCst),
            other => eprintln!("finisterra: NATS at {url}: {other}"),
        }
    }
}

impl Broker {
    /// Connects, retrying with backoff for up to `patience` (an unreachable
    /// broker is said in the log at each attempt).
    pub async fn connect(cfg: BrokerConfig, patience: Duration) -> Result<Broker, BrokerError> {
        let mut backoff = Backoff::new(Duration::from_secs(5), patience);
        let state = Arc::new(ConnectionState::default());
        loop {
            let (st, url) = (state.clone(), cfg.url.clone());
            let opts = async_nats::ConnectOptions::new()
                .connection_timeout(Duration::from_secs(5))
                .max_reconnects(None)
                .event_callback(move |e| {
                    st.on_event(&url, e);
                    async {}
                });
            let addrs = server_addrs(&cfg.url)?;
            match opts.connect(addrs.as_slice()).await {
                Ok(client) => {
                    state.connected.store(
                        client.connection_state() == async_nats::connection::State::Connected,
                        Ordering::SeqCst,
                    );
                    let js = jetstream::new(client.clone());
                    return Ok(Broker {
                        cfg,
                        client,
                        js,
                        state,
                    });
                }
                Err(e) => {
                    let said = |d| {
                        eprintln!(
                            "finisterra: NATS at {} unreachable ({e}); retrying in {d:?}",
                            cfg.url
                        )
                    };
                    if backoff.pause(said).await {
                        continue;
                    }
                    return Err(BrokerError::Connect {
                        url: cfg.url.clone(),
                        reason: e.to_string(),
                    });
                }
            }
        }
    }

    /// The settings.
    pub fn config(&self) -> &BrokerConfig {
        &self.cfg
    }

    /// The connection's state (shared: it follows the connection).
    pub fn connection(&self) -> Arc<ConnectionState> {
        self.state.clone()
    }

    /// The durable pull consumer `name` of the events stream (created if
    /// needed, from the stream's first event): every event not yet
    /// acknowledged, in order; one not acknowledged within `ack_wait` is
    /// delivered again. Its position survives restarts of the consumer's
    /// process and of the broker.
    pub async fn consume_events(
        &self,
        name: &str,
        ack_wait: Duration,
    ) -> Result<EventConsumer, BrokerError> {
        let stream = self
            .js
            .get_stream(self.cfg.events_stream())
            .await
            .map_err(|e| setup("events stream")(e.to_string()))?;
        let pull = durable_pull(
            &stream,
            name,
            format!("{}.events.>", self.cfg.prefix),
            ack_wait,
            20_000,
            512,
            consumer::DeliverPolicy::All,
        )
        .await?;
        Ok(EventConsumer { pull })
    }

    /// Deletes the durable consumer `name` of the events stream, if there
    /// is one (its next reader starts again from the first event).
    pub async fn delete_events_consumer(&self, name: &str) -> Result<bool, BrokerError> {
        let stream = self
            .js
            .get_stream(self.cfg.events_stream())
            .await
            .map_err(|e| setup("events stream")(e.to_string()))?;
        if stream.consumer_info(name).await.is_err() {
            return Ok(false);
        }
        stream
            .delete_consumer(name)
            .await
            .map_err(|e| setup(format!("consumer {name}"))(e.to_string()))?;
        Ok(true)
    }

    /// How far the events consumer `name` has acknowledged (the stream
    /// sequence of its ack floor; `None` without that consumer).
    pub async fn events_ack_floor(&self, name: &str) -> Result<Option<u64>, BrokerError> {
        let stream = self
            .js
            .get_stream(self.cfg.events_stream())
            .await
            .map_err(|e| setup("events stream")(e.to_string()))?;
        Ok(stream
            .consumer_info(name)
            .await
            .ok()
            .map(|i| i.ack_floor.stream_sequence))
    }

    /// Creates the two streams if they do not exist. A cluster that has
    /// just started (no JetStream meta leader yet) or is electing one
    /// after losing a node refuses for a while: retried for up to 30 s,
    /// each refusal said in the log.
    pub async fn ensure_streams(&self) -> Result<(), BrokerError> {
        patiently_for("JetStream streams", Duration::from_secs(30), || {
            self.try_ensure_streams()
        })
        .await
    }

    async fn try_ensure_streams(&self) -> Result<(), BrokerError> {
        let c = &self.cfg;
        for (name, subjects, max_age) in [
            (c.pos_stream(), format!("{}.pos.*", c.prefix), c.retention),
            (
                c.events_stream(),
                format!("{}.events.>", c.prefix),
                Duration::ZERO,
            ),
        ] {
            self.js
                .get_or_create_stream(stream::Config {
                    name: name.clone(),
                    subjects: vec![subjects],
                    storage: stream::StorageType::File,
                    retention: stream::RetentionPolicy::Limits,
                    max_age,
                    duplicate_window: c.duplicate_window,
                    num_replicas: c.replicas,
                    ..Default::default()
                })
                .await
                .map_err(|e| setup(format!("stream {name}"))(e.to_string()))?;
        }
        Ok(())
    }

    /// A publisher with [`BrokerConfig::max_in_flight`] acknowledgements
    /// in flight at most.
    pub fn publisher(&self) -> Publisher {
        Publisher {
            js: self.js.clone(),
            cfg: self.cfg.clone(),
            in_flight: VecDeque::new(),
            stored: 0,
            duplicates: 0,
            republished: 0,
        }
    }

    /// The durable pull consumer of partition `p` (the one there is, or
    /// `part-<p>` created): every record not yet acknowledged, in order.
    pub async fn consume_partition(&self, p: u16) -> Result<PartitionConsumer, BrokerError> {
        self.open_partition(p, false, 0).await.map(|(_, c)| c)
    }

    /// Takes partition `p` over to judge it from the start of the stream
    /// (a worker's engine is rebuilt by replaying what the stream keeps):
    /// says how far its consumers had acknowledged its records (from the
    /// highest ack floor, see [`AckedUpTo`]; `None` if none), deletes them
    /// and makes a consumer of its own, `part-<p>-<unique>`, to deliver
    /// everything again from the first record kept. Records at or before
    /// the one acknowledged were judged and their events stored by the
    /// previous owner. The new name is never an old one: a previous owner
    /// still running (stalled past its lease) can neither pull from the
    /// new consumer nor acknowledge on it.
    ///
    /// `after`: the stream sequence a restored snapshot covers; the new
    /// consumer delivers from the record after it (0: from the first
    /// record kept).
    pub async fn take_partition(
        &self,
        p: u16,
        after: u64,
    ) -> Result<(Option<AckedUpTo>, PartitionConsumer), BrokerError> {
        self.open_partition(p, true, after).await
    }

    /// Takes partition `p` again, for the judge that holds it through
    /// `own`, from the record after stream sequence `after` (the last it
    /// judged): after its pull stream was dropped with what it had fetched
    /// ([`PartitionConsumer::was_dropped`]). `None` if `own` no longer
    /// exists: another worker took the partition over (deleting every
    /// consumer it had), and this judge must stop, not take it back.
    pub async fn retake_partition(
        &self,
        own: &PartitionConsumer,
        after: u64,
    ) -> Result<Option<PartitionConsumer>, BrokerError> {
        let p = own.partition;
        let what = format!("part-{p}");
        let stream = self.positions_stream(&what).await?;
        let existing = patiently(&what, || Self::partition_consumers(&stream, p)).await?;
        if !existing.iter().any(|c| c.0 == own.pull.name) {
            return Ok(None);
        }
        Ok(Some(self.open_partition(p, true, after).await?.1))
    }

    /// Deletes the durable consumer a judge reads partition `p` through
    /// (for tests: as a node of the cluster lost with its listing does).
    pub async fn delete_partition_consumer(
        &self,
        own: &PartitionConsumer,
    ) -> Result<(), BrokerError> {
        let what = format!("part-{}", own.partition);
        let stream = self.positions_stream(&what).await?;
        stream
            .delete_consumer(&own.pull.name)
            .await
            .map_err(|e| setup(format!("consumer {}", own.pull.name))(e.to_string()))?;
        Ok(())
    }

    /// The positions stream (retried patiently, `what` naming the attempt).
    async fn positions_stream(&self, what: &str) -> Result<stream::Stream, BrokerError> {
        patiently(what, || async {
            self.js
                .get_stream(self.cfg.pos_stream())
                .await
                .map_err(|e| setup("positions stream")(e.to_string()))
        })
        .await
    }

    /// The durable consumers of partition `p` (`part-<p>`, and
    /// `part-<p>-<unique>` made by a take-over) with their ack floors.
    async fn partition_consumers(
        stream: &stream::Stream,
        p: u16,
    ) -> Result<Vec<(String, u64)>, BrokerError> {
        let (base, tagged) = (format!("part-{p}"), format!("part-{p}-"));
        let mut infos = stream.consumers();
        let mut out = Vec::new();
        while let Some(i) = infos.next().await {
            let i = i.map_err(|e| setup(format!("consumers of partition {p}"))(e.to_string()))?;
            if i.name == base || i.name.starts_with(&tagged) {
                out.push((i.name.clone(), i.ack_floor.stream_sequence));
            }
        }
        Ok(out)
    }

    async fn open_partition(
        &self,
        p: u16,
        from_start: bool,
        after: u64,
    ) -> Result<(Option<AckedUpTo>, PartitionConsumer), BrokerError> {
        let what = format!("part-{p}");
        let stream = self.positions_stream(&what).await?;
        let existing = patiently(&what, || Self::partition_consumers(&stream, p)).await?;
        let mut acked = None;
        let name = if from_start {
            let floor = existing.iter().map(|c| c.1).max().unwrap_or(0);
            if floor > 0 {
                acked = Some(self.acked_at(&stream, p, floor).await?);
            }
            for (old, _) in &existing {
                patiently(old, || async {
                    match stream.delete_consumer(old).await {
                        Ok(_) => Ok(()),
                        // Deleted by an attempt whose answer was lost.
                        Err(_) if stream.consumer_info(old).await.is_err() => Ok(()),
                        Err(e) => Err(setup(format!("consumer {old}"))(e.to_string())),
                    }
                })
                .await?;
            }
            // A unique token (the client's inbox id generator).
            let inbox = self.client.new_inbox();
            let unique = inbox.rsplit('.').next().unwrap_or("0");
            format!("part-{p}-{unique}")
        } else {
            existing
                .iter()
                .max_by_key(|c| c.1)
                .map_or(what.clone(), |c| c.0.clone())
        };
        let deliver = if after > 0 {
            consumer::DeliverPolicy::ByStartSequence {
                start_sequence: after + 1,
            }
        } else {
            consumer::DeliverPolicy::All
        };
        let pull = patiently(&name, || {
            durable_pull(
                &stream,
                &name,
                self.cfg.partition_subject(p),
                self.cfg.ack_wait,
                100_000,
                256,
                deliver,
            )
        })
        .await?;
        Ok((acked, PartitionConsumer { partition: p, pull }))
    }

    /// How far partition `p`'s records are acknowledged, given its
    /// consumers' ack floor (a stream sequence: every record of the
    /// partition at or before it is acknowledged). The floor is often a
    /// record of the partition, but not always: a consumer that found
    /// nothing of its subject further on moves its floor over the other
    /// partitions' records, so the record at the floor may be another
    /// partition's copy of a record whose copy in `p` comes after it, not
    /// acknowledged. Then the first record of `p` after the floor says
    /// where the acknowledged ones end (every record of `p` before it),
    /// or, when there is none, the last record of `p`.
    async fn acked_at(
        &self,
        stream: &stream::Stream,
        p: u16,
        floor: u64,
    ) -> Result<AckedUpTo, BrokerError> {
        let subject = self.cfg.partition_subject(p);
        let what = format!("part-{p}");
        let at = patiently(&what, || async {
            stream
                .get_raw_message(floor)
                .await
                .map_err(|e| setup(format!("record {floor}"))(e.to_string()))
        })
        .await?;
        if at.subject.as_str() == subject {
            return Ok(AckedUpTo::Through(at.payload));
        }
        loop {
            let next = patiently(&what, || async {
                match stream
                    .get_first_raw_message_by_subject(&subject, floor + 1)
                    .await
                {
                    Ok(m) => Ok(Some(m)),
                    Err(e)
                        if e.kind()
                            == jetstream::stream::LastRawMessageErrorKind::NoMessageFound =>
                    {
                        Ok(None)
                    }
                    Err(e) => Err(setup(format!("the record of {subject} after {floor}"))(
                        e.to_string(),
                    )),
                }
            })
            .await?;
            if let Some(m) = next {
                return Ok(AckedUpTo::Before(m.payload));
            }
            let last = patiently(&what, || async {
                stream
                    .get_last_raw_message_by_subject(&subject)
                    .await
                    .map_err(|e| setup(format!("the last record of {subject}"))(e.to_string()))
            })
            .await?;
            if last.sequence <= floor {
                return Ok(AckedUpTo::Through(last.payload));
            }
            // Published between the two looks (a live stream): look again
            // for the first record after the floor.
        }
    }

    /// The engine snapshots' object store (`<PREFIX>_SNAPSHOTS`, created
    /// if needed with the streams' replicas), retried patiently.
    pub async fn snapshots(&self) -> Result<Snapshots, BrokerError> {
        let name = self.cfg.snapshots_bucket();
        let store = self
            .object_store(
                &name,
                "finisterra: the latest engine snapshot of each partition",
                Duration::ZERO,
            )
            .await?;
        Ok(Snapshots { store, name })
    }

    /// The object store `name` (created if needed: file storage, the
    /// streams' replicas, objects kept for `max_age`, 0 for ever),
    /// retried patiently.
    pub(crate) async fn object_store(
        &self,
        name: &str,
        description: &str,
        max_age: Duration,
    ) -> Result<jetstream::object_store::ObjectStore, BrokerError> {
        patiently(name, || async {
            match self.js.get_object_store(name).await {
                Ok(s) => Ok(s),
                Err(_) => self
                    .js
                    .create_object_store(jetstream::object_store::Config {
                        bucket: name.to_string(),
                        description: Some(description.to_string()),
                        max_age,
                        storage: stream::StorageType::File,
                        num_replicas: self.cfg.replicas,
                        ..Default::default()
                    })
                    .await
                    .map_err(|e| setup(format!("object store {name}"))(e.to_string())),
            }
        })
        .await
    }

    /// The workers' key-value bucket (`<PREFIX>_WORKERS`, created if
    /// needed: history 1, `max_age` [`BrokerConfig::lease_ttl`], the
    /// streams' replicas), retried patiently. A bucket made with another
    /// lease time is refused: leases renewed at another pace than the
    /// bucket expires them would come and go.
    pub async fn members(&self) -> Result<Members, BrokerError> {
        let name = self.cfg.workers_bucket();
        let ttl = self.cfg.lease_ttl;
        let kv = patiently(&name, || async {
            match self.js.get_key_value(&name).await {
                Ok(kv) => Ok(kv),
                Err(_) => self
                    .js
                    .create_key_value(jetstream::kv::Config {
                        bucket: name.clone(),
                        description: "finisterra workers: members and partition leases".into(),
                        history: 1,
                        max_age: ttl,
                        storage: stream::StorageType::File,
                        num_replicas: self.cfg.replicas,
                        ..Default::default()
                    })
                    .await
                    .map_err(|e| setup(format!("bucket {name}"))(e.to_string())),
            }
        })
        .await?;
        let status = patiently(&name, || async {
            kv.status()
                .await
                .map_err(|e| setup(format!("bucket {name}"))(e.to_string()))
        })
        .await?;
        if status.max_age() != ttl {
            return Err(BrokerError::Setup {
                what: format!("bucket {name}"),
                reason: format!(
                    "it expires keys after {:?}, this worker's lease time is {ttl:?}: every worker must be given the same lease time (or delete the bucket while no worker runs)",
                    status.max_age()
                ),
            });
        }
        Ok(Members { kv, ttl })
    }

    /// How far partition `p`'s consumer has acknowledged (the stream
    /// sequence of its ack floor, the highest if a take-over left two;
    /// `None` without a consumer).
    pub async fn ack_floor(&self, p: u16) -> Result<Option<u64>, BrokerError> {
        let stream = self
            .js
            .get_stream(self.cfg.pos_stream())
            .await
            .map_err(|e| setup("positions stream")(e.to_string()))?;
        Ok(Self::partition_consumers(&stream, p)
            .await?
            .into_iter()
            .map(|c| c.1)
            .max())
    }

    /// Every event stored so far, from the start of the events stream
    /// (an ephemeral ordered consumer).
    pub async fn read_events(&self) -> Result<EventReader, BrokerError> {
        let stream = self
            .js
            .get_stream(self.cfg.events_stream())
            .await
            .map_err(|e| setup("events stream")(e.to_string()))?;
        let messages = stream
            .create_consumer(consumer::pull::OrderedConfig {
                deliver_policy: consumer::DeliverPolicy::All,
                ..Default::default()
            })
            .await
            .map_err(|e| setup("events reader")(e.to_string()))?
            .messages()
            .await
            .map_err(|e| setup("events reader")(e.to_string()))?;
        Ok(EventReader { messages })
    }

    /// Every record of every partition, in the positions stream's order
    /// (ingest's), from stream sequence `from` (1: the first kept) — an
    /// ephemeral ordered consumer, for a picture that judges nothing
    /// (`serve --nats`). A record sent to several partitions comes once
    /// per partition.
    pub async fn read_positions(&self, from: u64) -> Result<RecordReader, BrokerError> {
        let stream = self
            .js
            .get_stream(self.cfg.pos_stream())
            .await
            .map_err(|e| setup("positions stream")(e.to_string()))?;
        let deliver_policy = if from <= 1 {
            consumer::DeliverPolicy::All
        } else {
            consumer::DeliverPolicy::ByStartSequence {
                start_sequence: from,
            }
        };
        let messages = stream
            .create_consumer(consumer::pull::OrderedConfig {
                deliver_policy,
                ..Default::default()
            })
            .await
            .map_err(|e| setup("positions reader")(e.to_string()))?
            .messages()
            .await
            .map_err(|e| setup("positions reader")(e.to_string()))?;
        Ok(RecordReader { messages })
    }

    /// Messages in a stream now.
    pub async fn stream_len(&self, name: &str) -> Result<u64, BrokerError> {
        let mut s = self
            .js
            .get_stream(name)
            .await
            .map_err(|e| setup(format!("stream {name}"))(e.to_string()))?;
        let info = s
            .info()
            .await
            .map_err(|e| setup(format!("stream {name}"))(e.to_string()))?;
        Ok(info.state.messages)
    }

    /// Waits until everything sent on this connection has reached the
    /// server.
    pub async fn flush(&self) -> Result<(), BrokerError> {
        self.client.flush().await.map_err(|e| BrokerError::Publish {
            subject: "(flush)".into(),
            reason: e.to_string(),
        })
    }
}

/// The bytes of object `name` of `store` (called `bucket`), `None` if it
/// does not exist.
pub(crate) async fn read_object(
    store: &jetstream::object_store::ObjectStore,
    bucket: &str,
    name: &str,
) -> Result<Option<Vec<u8>>, BrokerError> {
    use tokio::io::AsyncReadExt;
    let consume = |e: String| BrokerError::Consume {
        what: format!("{bucket}/{name}"),
        reason: e,
    };
    let mut obj = match store.get(name).await {
        Ok(o) => o,
        Err(e) if e.kind() == jetstream::object_store::GetErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(consume(e.to_string())),
    };
    let mut blob = Vec::new();
    obj.read_to_end(&mut blob)
        .await
        .map_err(|e| consume(e.to_string()))?;
    Ok(Some(blob))
}

/// The partitions' engine snapshots, in a JetStream object store
/// (`<PREFIX>_SNAPSHOTS`, the streams' replicas; see
/// [`Broker::snapshots`]): object `part-<p>` holds the latest snapshot of
/// partition `p`'s engine with the positions stream's sequence it covers
/// (an 8-byte little-endian header). A newer snapshot replaces the older.
#[derive(Clone)]
pub struct Snapshots {
    store: jetstream::object_store::ObjectStore,
    name: String,
}

impl std::fmt::Debug for Snapshots {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshots")
            .field("bucket", &self.name)
            .finish()
    }
}

impl Snapshots {
    fn object(p: u16) -> String {
        format!("part-{p}")
    }

    /// Stores `bytes`, the snapshot of partition `p`'s engine after the
    /// record at stream sequence `stream_seq`.
    pub async fn put(&self, p: u16, stream_seq: u64, bytes: &[u8]) -> Result<(), BrokerError> {
        let mut blob = Vec::with_capacity(bytes.len() + 8);
        blob.extend_from_slice(&stream_seq.to_le_bytes());
        blob.extend_from_slice(bytes);
        self.store
            .put(Self::object(p).as_str(), &mut blob.as_slice())
            .await
            .map_err(|e| BrokerError::Publish {
                subject: format!("{}/{}", self.name, Self::object(p)),
                reason: e.to_string(),
            })?;
        Ok(())
    }

    /// The latest snapshot of partition `p`: the stream sequence it covers
    /// and its bytes; `None` if there is none.
    pub async fn get(&self, p: u16) -> Result<Option<(u64, Vec<u8>)>, BrokerError> {
        let what = format!("{}/{}", self.name, Self::object(p));
        let consume = |e: String| BrokerError::Consume {
            what: what.clone(),
            reason: e,
        };
        let Some(mut blob) = read_object(&self.store, &self.name, &Self::object(p)).await? else {
            return Ok(None);
        };
        if blob.len() < 8 {
            return Err(consume(format!(
                "{} bytes: too short for a snapshot",
                blob.len()
            )));
        }
        let mut head = [0u8; 8];
        head.copy_from_slice(&blob[..8]);
        blob.drain(..8);
        Ok(Some((u64::from_le_bytes(head), blob)))
    }
}

/// Elastic membership in the workers' key-value bucket (see
/// [`Broker::members`]). Keys only: `member.<id>` for a live member,
/// `lease.<p>` for partition `p`'s lease, its value the holder's id. A key
/// not written again within the lease time expires (the bucket's
/// `max_age`): a worker that died leaves by itself.
#[derive(Clone)]
pub struct Members {
    kv: jetstream::kv::Store,
    ttl: Duration,
}

impl std::fmt::Debug for Members {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Members").field("ttl", &self.ttl).finish()
    }
}

/// A partition's lease as its holder last wrote it: renewing it succeeds
/// only if nobody wrote the key since (compare-and-set on `revision`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lease {
    /// The partition.
    pub partition: u16,
    /// The key's revision after the holder's last write.
    pub revision: u64,
}

/// How a lease was found when it was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// No value: never held, or its holder's lease expired.
    Free,
    /// Released by its holder.
    Released,
}

fn membership(what: impl Into<String>) -> impl FnOnce(String) -> BrokerError {
    let what = what.into();
    move |reason| BrokerError::Membership { what, reason }
}

fn lease_key(p: u16) -> String {
    format!("lease.{p}")
}

impl Members {
    /// The lease time (the bucket's `max_age`).
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Says `id` is alive (put `member.<id>`; again at least every third
    /// of the lease time).
    pub async fn heartbeat(&self, id: &str) -> Result<(), BrokerError> {
        let key = format!("member.{id}");
        self.kv
            .put(&key, Bytes::copy_from_slice(id.as_bytes()))
            .await
            .map(|_| ())
            .map_err(|e| membership(key)(e.to_string()))
    }

    /// `id` joins: its first heartbeat, retried with backoff while the
    /// bucket has no leader (a cluster electing one after a node was lost),
    /// each failure said, for up to a minute.
    pub async fn join(&self, id: &str) -> Result<(), BrokerError> {
        patiently(&format!("joining as member.{id}"), || self.heartbeat(id)).await
    }

    /// `id` leaves (its member key purged from the bucket's stream: gone,
    /// no deletion marker left).
    pub async fn leave(&self, id: &str) -> Result<(), BrokerError> {
        let subject = format!("{}member.{id}", self.kv.prefix);
        self.kv
            .stream
            .purge()
            .filter(subject)
            .await
            .map(|_| ())
            .map_err(|e| membership(format!("member.{id}"))(e.to_string()))
    }

    /// The ids of the live members, sorted.
    pub async fn live(&self) -> Result<Vec<String>, BrokerError> {
        let mut ids: Vec<String> = self
            .keys("member.")
            .await?
            .into_iter()
            .map(|(_, rest)| rest)
            .collect();
        ids.sort();
        Ok(ids)
    }

    /// The keys under `prefix` that have a message in the bucket's stream,
    /// each with what follows `prefix` — one snapshot taken by the server
    /// (a listing through a consumer can miss a key rewritten meanwhile,
    /// and heartbeats and renewals rewrite keys all the time).
    async fn keys(&self, prefix: &str) -> Result<Vec<(String, String)>, BrokerError> {
        let filter = format!("{}{prefix}>", self.kv.prefix);
        let mut subjects = self
            .kv
            .stream
            .info_with_subjects(&filter)
            .await
            .map_err(|e| membership("keys")(e.to_string()))?;
        let mut out = Vec::new();
        while let Some(s) = subjects.next().await {
            let (subject, _) = s.map_err(|e| membership("keys")(e.to_string()))?;
            if let Some(key) = subject.strip_prefix(self.kv.prefix.as_str()) {
                if let Some(rest) = key.strip_prefix(prefix) {
                    out.push((key.to_string(), rest.to_string()));
                }
            }
        }
        Ok(out)
    }

    /// The holder of each partition's live lease, by partition.
    pub async fn holders(&self) -> Result<std::collections::BTreeMap<u16, String>, BrokerError> {
        let mut out = std::collections::BTreeMap::new();
        for (k, p) in self.keys("lease.").await? {
            let Ok(p) = p.parse::<u16>() else {
                continue;
            };
            // Released (a deletion marker) or gone since: no holder.
            if let Some(v) = self
                .kv
                .get(&k)
                .await
                .map_err(|e| membership(k.clone())(e.to_string()))?
            {
                out.insert(p, String::from_utf8_lossy(&v).into_owned());
            }
        }
        Ok(out)
    }

    /// Takes partition `p`'s lease for `holder` if nobody holds it (the key
    /// absent, deleted or expired): the lease and how it was found, or
    /// `None` when another holds it (or took it first).
    pub async fn acquire(
        &self,
        p: u16,
        holder: &str,
    ) -> Result<Option<(Lease, Found)>, BrokerError> {
        use jetstream::kv::{Operation, UpdateErrorKind};
        let key = lease_key(p);
        let value = Bytes::copy_from_slice(holder.as_bytes());
        let taken = |revision, found| {
            Ok(Some((
                Lease {
                    partition: p,
                    revision,
                },
                found,
            )))
        };
        // Revision 0: only if the key has no value at all.
        match self.kv.update(&key, value.clone(), 0).await {
            Ok(revision) => return taken(revision, Found::Free),
            Err(e) if e.kind() == UpdateErrorKind::WrongLastRevision => {}
            Err(e) => return Err(membership(key)(e.to_string())),
        }
        let entry = self
            .kv
            .entry(&key)
            .await
            .map_err(|e| membership(key.clone())(e.to_string()))?;
        match entry {
            // Released: taken by compare-and-set on its deletion.
            Some(e) if matches!(e.operation, Operation::Delete | Operation::Purge) => {
                match self.kv.update(&key, value, e.revision).await {
                    Ok(revision) => taken(revision, Found::Released),
                    Err(e) if e.kind() == UpdateErrorKind::WrongLastRevision => Ok(None),
                    Err(e) => Err(membership(key)(e.to_string())),
                }
            }
            // Held; or expired just now (free at the next attempt).
            _ => Ok(None),
        }
    }

    /// Renews a lease (compare-and-set on its revision). An error means
    /// the lease is lost, or cannot be shown to be still held: its holder
    /// must stop reporting the partition at once.
    pub async fn renew(&self, lease: &mut Lease, holder: &str) -> Result<(), BrokerError> {
        let key = lease_key(lease.partition);
        let revision = self
            .kv
            .update(
                &key,
                Bytes::copy_from_slice(holder.as_bytes()),
                lease.revision,
            )
            .await
            .map_err(|e| membership(key)(e.to_string()))?;
        lease.revision = revision;
        Ok(())
    }

    /// Gives a lease up (deleted if it is still the one written last by
    /// its holder: a lease taken over meanwhile is left to its new holder).
    pub async fn release(&self, lease: Lease) -> Result<(), BrokerError> {
        let key = lease_key(lease.partition);
        self.kv
            .delete_expect_revision(&key, Some(lease.revision))
            .await
            .map_err(|e| membership(key)(e.to_string()))
    }
}

/// How far a partition's previous consumers acknowledged its records
/// ([`Broker::take_partition`]): the bytes of a record of the partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AckedUpTo {
    /// This record and every one before it.
    Through(Bytes),
    /// Every record before this one, not this one.
    Before(Bytes),
}

/// Publishes with acknowledgements in flight, bounded.
pub struct Publisher {
    js: jetstream::Context,
    cfg: BrokerConfig,
    in_flight: VecDeque<InFlight>,
    stored: u64,
    duplicates: u64,
    republished: u64,
}

/// A publish waiting for its acknowledgement, with what it takes to send
/// it again.
struct InFlight {
    subject: String,
    id: String,
    payload: Bytes,
    ack: jetstream::context::PublishAckFuture,
}

/// How long a publish is retried after its acknowledgement failed (a node
/// lost, a leader being elected, the broker restarting) before the
/// publisher gives up.
const REPUBLISH_PATIENCE: Duration = Duration::from_secs(60);

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher")
            .field("in_flight", &self.in_flight.len())
            .field("stored", &self.stored)
            .field("duplicates", &self.duplicates)
            .finish()
    }
}

impl Publisher {
    async fn publish_once(
        &self,
        subject: &str,
        id: &str,
        payload: Bytes,
    ) -> Result<jetstream::context::PublishAckFuture, BrokerError> {
        let mut headers = async_nats::HeaderMap::new();
        headers.insert(async_nats::header::NATS_MESSAGE_ID, id);
        self.js
            .publish_with_headers(subject.to_string(), headers, payload)
            .await
            .map_err(|e| BrokerError::Publish {
                subject: subject.to_string(),
                reason: e.to_string(),
            })
    }

    async fn send(&mut self, subject: String, id: &str, payload: Bytes) -> Result<(), BrokerError> {
        let ack = match self.publish_once(&subject, id, payload.clone()).await {
            Ok(ack) => ack,
            Err(e) => {
                // Everything before it first, then it, all acknowledged.
                self.recover(&e).await?;
                self.republish(&subject, id, &payload).await?;
                return Ok(());
            }
        };
        self.in_flight.push_back(InFlight {
            subject,
            id: id.to_string(),
            payload,
            ack,
        });
        while self.in_flight.len() > self.cfg.max_in_flight {
            self.settle_one().await?;
        }
        Ok(())
    }

    fn count(&mut self, ack: &jetstream::publish::PublishAck) {
        self.stored += 1;
        if ack.duplicate {
            self.duplicates += 1;
        }
    }

    async fn settle_one(&mut self) -> Result<(), BrokerError> {
        let Some(InFlight {
            subject,
            id,
            payload,
            ack,
        }) = self.in_flight.pop_front()
        else {
            return Ok(());
        };
        match ack.await {
            Ok(ack) => {
                self.count(&ack);
                Ok(())
            }
            Err(e) => {
                let cause = BrokerError::Publish {
                    subject: subject.clone(),
                    reason: e.to_string(),
                };
                eprintln!("finisterra: {cause}; publishing it again");
                self.republish(&subject, &id, &payload).await?;
                self.recover(&cause).await
            }
        }
    }

    /// An acknowledgement failed: the broker may or may not have stored
    /// that publish and the ones after it. A stream stores a connection's
    /// publishes in order, so what is lost is a suffix: every publish
    /// still in flight is sent again, in order, one at a time, under its
    /// own `Nats-Msg-Id` (the broker drops those it has as duplicates), so
    /// the stream keeps the order it was given. Said in the log.
    async fn recover(&mut self, cause: &BrokerError) -> Result<(), BrokerError> {
        let pending: Vec<InFlight> = self.in_flight.drain(..).collect();
        if pending.is_empty() {
            return Ok(());
        }
        eprintln!(
            "finisterra: {cause}; publishing the {} unacknowledged records again, in order",
            pending.len()
        );
        for p in pending {
            self.republish(&p.subject, &p.id, &p.payload).await?;
        }
        Ok(())
    }

    /// Publishes one record and waits for its acknowledgement, retried with
    /// backoff for up to [`REPUBLISH_PATIENCE`].
    async fn republish(
        &mut self,
        subject: &str,
        id: &str,
        payload: &Bytes,
    ) -> Result<(), BrokerError> {
        let mut backoff = Backoff::new(Duration::from_secs(2), REPUBLISH_PATIENCE);
        loop {
            let attempt = match self.publish_once(subject, id, payload.clone()).await {
                Ok(fut) => fut.await.map_err(|e| BrokerError::Publish {
                    subject: subject.to_string(),
                    reason: e.to_string(),
                }),
                Err(e) => Err(e),
            };
            match attempt {
                Ok(ack) => {
                    self.republished += 1;
                    self.count(&ack);
                    return Ok(());
                }
                Err(e) => {
                    let said = |d| eprintln!("finisterra: {e}; retrying in {d:?}");
                    if !backoff.pause(said).await {
                        return Err(e);
                    }
                }
            }
        }
    }

    /// Publishes a record to partition `p` under `id` (`Nats-Msg-Id`).
    pub async fn to_partition(&mut self, p: u16, id: &str, rec: Bytes) -> Result<(), BrokerError> {
        let subject = self.cfg.partition_subject(p);
        self.send(subject, id, rec).await
    }

    /// Publishes an event of `kind` under its key.
    pub async fn event(&mut self, kind: &str, key: &str, json: Bytes) -> Result<(), BrokerError> {
        let subject = self.cfg.event_subject(kind);
        self.send(subject, key, json).await
    }

    /// Waits until every publish so far is stored.
    pub async fn flush(&mut self) -> Result<(), BrokerError> {
        while !self.in_flight.is_empty() {
            self.settle_one().await?;
        }
        Ok(())
    }

    /// Publishes stored, and how many of them the broker found duplicates.
    pub fn counts(&self) -> (u64, u64) {
        (self.stored, self.duplicates)
    }

    /// Publishes sent again after a failed acknowledgement.
    pub fn republished(&self) -> u64 {
        self.republished
    }
}

/// The records of one partition, in order.
pub struct PartitionConsumer {
    partition: u16,
    pull: Pull,
}

impl std::fmt::Debug for PartitionConsumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartitionConsumer")
            .field("partition", &self.partition)
            .finish()
    }
}

impl PartitionConsumer {
    /// The partition.
    pub fn partition(&self) -> u16 {
        self.partition
    }

    /// Drops the pull stream and every record it fetched and has not yet
    /// handed over, as a failure of the stream does (the next call opens
    /// another; the records dropped come back only after the ack wait).
    /// For tests of the recovery from that ([`Delivery::consumer_sequence`]
    /// shows the deliveries that never arrived).
    pub fn drop_fetched(&mut self) {
        if self.pull.messages.take().is_some() {
            self.pull.dropped = true;
        }
    }

    /// Whether the pull stream was dropped, with the records it had
    /// fetched and not handed over, since this consumer was opened (it
    /// failed or ended, or [`PartitionConsumer::drop_fetched`]): those
    /// records come back only after the ack wait, behind later ones. A
    /// judge that must see every record in order takes the partition again
    /// ([`Broker::retake_partition`]) after the last record it judged,
    /// which gives it a new consumer.
    pub fn was_dropped(&self) -> bool {
        self.pull.dropped
    }

    /// The next record (waits for one).
    pub async fn next(&mut self) -> Result<Delivery, BrokerError> {
        let msg = self.pull.next().await?;
        Ok(Delivery {
            partition: self.partition,
            msg,
        })
    }
}

/// One record delivered, to acknowledge once its consequences are stored.
pub struct Delivery {
    partition: u16,
    msg: jetstream::Message,
}

impl std::fmt::Debug for Delivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Delivery")
            .field("partition", &self.partition)
            .field("bytes", &self.msg.payload.len())
            .finish()
    }
}

impl Delivery {
    /// The partition it came from.
    pub fn partition(&self) -> u16 {
        self.partition
    }

    /// The record's bytes.
    pub fn payload(&self) -> &[u8] {
        &self.msg.payload
    }

    /// The record's sequence number in the positions stream (0 if the
    /// broker's reply does not say).
    pub fn stream_sequence(&self) -> u64 {
        self.msg.info().map_or(0, |i| i.stream_sequence)
    }

    /// Its place among the consumer's deliveries (each delivery, first or
    /// again, takes the next number; 0 if the broker's reply does not
    /// say). A jump means deliveries that never reached this process: a
    /// pull stream that failed was dropped with what it had fetched.
    pub fn consumer_sequence(&self) -> u64 {
        self.msg.info().map_or(0, |i| i.consumer_sequence)
    }

    /// Acknowledges it: the partition's consumer moves past it.
    pub async fn ack(&self) -> Result<(), BrokerError> {
        self.msg.ack().await.map_err(|e| BrokerError::Consume {
            what: format!("ack on partition {}", self.partition),
            reason: e.to_string(),
        })
    }
}

/// The events stream, read from its start.
pub struct EventReader {
    messages: consumer::pull::Ordered,
}

impl std::fmt::Debug for EventReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("EventReader")
    }
}

/// One stored event: its key and its JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// `Nats-Msg-Id`.
    pub key: String,
    /// The subject (`<prefix>.events.<kind>`).
    pub subject: String,
    /// The event's JSON.
    pub json: Bytes,
}

impl EventReader {
    /// The next event, or `None` when none comes within `wait`.
    pub async fn next(&mut self, wait: Duration) -> Result<Option<StoredEvent>, BrokerError> {
        match tokio::time::timeout(wait, self.messages.next()).await {
            Err(_) | Ok(None) => Ok(None),
            Ok(Some(Err(e))) => Err(BrokerError::Consume {
                what: "events reader".into(),
                reason: e.to_string(),
            }),
            Ok(Some(Ok(m))) => Ok(Some(StoredEvent {
                key: m
                    .headers
                    .as_ref()
                    .and_then(|h| h.get(async_nats::header::NATS_MESSAGE_ID))
                    .map(|v| v.as_str().to_string())
                    .unwrap_or_default(),
                subject: m.subject.to_string(),
                json: m.payload.clone(),
            })),
        }
    }
}

/// The events stream through a durable consumer (see
/// [`Broker::consume_events`]).
pub struct EventConsumer {
    pull: Pull,
}

impl std::fmt::Debug for EventConsumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventConsumer")
            .field("name", &self.pull.name)
            .finish()
    }
}

impl EventConsumer {
    /// The next event, or `None` when none comes within `wait`.
    pub async fn next(&mut self, wait: Duration) -> Result<Option<EventDelivery>, BrokerError> {
        match tokio::time::timeout(wait, self.pull.next()).await {
            Err(_) => Ok(None),
            Ok(r) => r.map(|msg| Some(EventDelivery { msg })),
        }
    }

    /// The next event if one is here already (never waits).
    pub fn ready(&mut self) -> Result<Option<EventDelivery>, BrokerError> {
        Ok(self.pull.ready().map(|msg| EventDelivery { msg }))
    }
}

/// One event delivered by an [`EventConsumer`], to acknowledge once it is
/// durable.
pub struct EventDelivery {
    msg: jetstream::Message,
}

impl std::fmt::Debug for EventDelivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventDelivery")
            .field("key", &self.key())
            .field("bytes", &self.msg.payload.len())
            .finish()
    }
}

impl EventDelivery {
    /// Its key (`Nats-Msg-Id`; empty when it has none).
    pub fn key(&self) -> &str {
        self.msg
            .headers
            .as_ref()
            .and_then(|h| h.get(async_nats::header::NATS_MESSAGE_ID))
            .map_or("", |v| v.as_str())
    }

    /// Its subject (`<prefix>.events.<kind>`).
    pub fn subject(&self) -> &str {
        self.msg.subject.as_str()
    }

    /// The event's JSON.
    pub fn json(&self) -> &[u8] {
        &self.msg.payload
    }

    /// Its sequence number in the events stream.
    pub fn stream_sequence(&self) -> u64 {
        self.msg.info().map_or(0, |i| i.stream_sequence)
    }

    /// Times it was delivered (1 the first time).
    pub fn delivered(&self) -> i64 {
        self.msg.info().map_or(1, |i| i.delivered)
    }

    /// Acknowledges it: the consumer moves past it for good.
    pub async fn ack(&self) -> Result<(), BrokerError> {
        self.msg.ack().await.map_err(|e| BrokerError::Consume {
            what: "ack of an event".into(),
            reason: e.to_string(),
        })
    }
}

/// The positions stream read in order (see [`Broker::read_positions`]).
pub struct RecordReader {
    messages: consumer::pull::Ordered,
}

impl std::fmt::Debug for RecordReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecordReader")
    }
}

impl RecordReader {
    /// One item of the ordered consumer as a record and its sequence.
    fn record(
        item: Option<Result<jetstream::Message, consumer::pull::OrderedError>>,
    ) -> Result<(u64, Bytes), BrokerError> {
        let consume = |reason: String| BrokerError::Consume {
            what: "positions reader".into(),
            reason,
        };
        match item {
            None => Err(consume("stream ended".into())),
            Some(Err(e)) => Err(consume(e.to_string())),
            Some(Ok(m)) => {
                let seq = m.info().map_or(0, |i| i.stream_sequence);
                Ok((seq, m.payload.clone()))
            }
        }
    }

    /// The next record and its stream sequence, or `None` when none comes
    /// within `wait`.
    pub async fn next(&mut self, wait: Duration) -> Result<Option<(u64, Bytes)>, BrokerError> {
        match tokio::time::timeout(wait, self.messages.next()).await {
            Err(_) => Ok(None),
            Ok(item) => Self::record(item).map(Some),
        }
    }

    /// The next record if one is here already (never waits).
    pub fn ready(&mut self) -> Result<Option<(u64, Bytes)>, BrokerError> {
        use futures::FutureExt;
        match self.messages.next().now_or_never() {
            None => Ok(None),
            Some(item) => Self::record(item).map(Some),
        }
    }
}

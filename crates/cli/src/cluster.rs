//! `finisterra ingest` and `finisterra worker`: the engine spread over
//! machines on NATS JetStream (issue 12); and `serve --nats`'s feed of the
//! events they publish ([`EventsFeed`]). The judgement is
//! `finisterra_cluster`'s; the broker is `finisterra_broker`'s; this file
//! only reads inputs, runs the runtime and says what happened.

use std::sync::atomic::Ordering::Relaxed;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use finisterra_broker::{Broker, BrokerConfig};
use finisterra_cluster::{Grid, Halo, Partition, Record, Router};
use finisterra_engine::pipeline::Output;
use finisterra_engine::{Pipeline, TimeSource};
use finisterra_server::channel::RemoteEvent;
use finisterra_server::metrics::BrokerMetrics;

use finisterra_server::sources::SourceSpec;

use crate::input::Input;

mod live;
mod worker;
use crate::scan::load_config;
use live::run_live;
pub use worker::{run_worker, WorkerArgs};

/// How the sea is partitioned (ingest and every worker must agree).
#[derive(clap::Args, Debug, Clone)]
pub struct PartitionArgs {
    /// NATS server URL, or the URLs of a cluster's nodes separated by
    /// commas (the client moves to another node when its node goes away).
    #[arg(long, value_name = "URL[,URL...]")]
    pub nats: String,
    /// Replicas of the streams when they are created (3 on a three-node
    /// cluster: the streams survive the loss of a node; 1 on one server).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub replicas: usize,
    /// A record delivered to a worker and not acknowledged within this is
    /// delivered again, seconds (after a worker or a node died).
    #[arg(long, value_name = "S", default_value_t = 120.0)]
    pub ack_wait_s: f64,
    /// Number of partitions (one subject `fin.pos.<p>` each).
    #[arg(long, value_name = "N", default_value_t = 16)]
    pub partitions: u32,
    /// Cell size of the partition grid, degrees (a divisor of 180).
    #[arg(long, value_name = "DEG", default_value_t = 10.0)]
    pub cell_deg: f64,
    /// Engine settings (JSON, as `scan --config`): the halo is computed
    /// from them, so ingest and the workers must be given the same.
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,
    /// Subject and stream prefix.
    #[arg(long, value_name = "NAME", default_value = "fin")]
    pub prefix: String,
    /// How long to keep retrying an unreachable broker at start, seconds.
    #[arg(long, value_name = "S", default_value_t = 30.0)]
    pub connect_patience_s: f64,
}

impl PartitionArgs {
    pub(crate) fn broker_config(&self) -> BrokerConfig {
        let mut c = BrokerConfig::new(&self.nats);
        c.prefix = self.prefix.clone();
        c.replicas = self.replicas.max(1);
        c.ack_wait = Duration::from_secs_f64(self.ack_wait_s.clamp(1.0, 86_400.0));
        c
    }

    async fn connect(&self) -> Result<Broker> {
        self.connect_with(self.broker_config()).await
    }

    /// Connects with these settings and makes the streams.
    pub(crate) async fn connect_with(&self, cfg: BrokerConfig) -> Result<Broker> {
        let b = Broker::connect(
            cfg,
            Duration::from_secs_f64(self.connect_patience_s.max(0.0)),
        )
        .await?;
        b.ensure_streams().await?;
        Ok(b)
    }
}

/// Options of `ingest`.
#[derive(clap::Args, Debug)]
pub struct IngestArgs {
    /// Input files (plain or gzip); `-` or nothing reads standard input
    /// (unless live sources are given).
    pub files: Vec<String>,
    /// Live: listen for NMEA datagrams on this address (repeatable; as
    /// `serve --udp`).
    #[arg(long, value_name = "ADDR")]
    pub udp: Vec<std::net::SocketAddr>,
    /// Live: accept TCP connections that push NMEA lines (repeatable; as
    /// `serve --tcp-listen`).
    #[arg(long, value_name = "ADDR")]
    pub tcp_listen: Vec<std::net::SocketAddr>,
    /// Live: connect to a TCP NMEA feed, reconnecting with backoff
    /// (repeatable; as `serve --connect`).
    #[arg(long, value_name = "HOST:PORT")]
    pub connect: Vec<String>,
    /// Live: connect to a Beast binary feed of Mode S / ADS-B
    /// (dump1090/readsb port 30005), reconnecting with backoff
    /// (repeatable; as `serve --beast`).
    #[arg(long, value_name = "HOST:PORT")]
    pub beast: Vec<String>,
    /// Live: accept TCP connections that push Beast binary (repeatable; as
    /// `serve --beast-listen`).
    #[arg(long, value_name = "ADDR")]
    pub beast_listen: Vec<std::net::SocketAddr>,
    /// Live: which time judges a message, as `serve --time`: `live` (the
    /// data's time, never ahead of its receive time; untimed lines take
    /// their receive time; the default), `receive` (the receive time
    /// only), `data` (the data's time only, with the jump gate of files).
    #[arg(long, value_name = "MODE")]
    pub time: Option<finisterra_server::clock::TimeMode>,
    /// Live: lines queued between the sources and the publisher; when the
    /// broker is slow and the queue is full, lines are dropped and counted.
    #[arg(long, value_name = "N", default_value_t = 65_536)]
    pub queue: usize,
    /// Live: receive buffer asked for each UDP socket, bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 8 << 20)]
    pub udp_buffer: usize,
    /// Live: seconds of silence after which a TCP feed is closed (and, for
    /// --connect, reconnected); 0 never.
    #[arg(long, value_name = "S", default_value_t = 300.0)]
    pub tcp_idle_timeout: f64,
    /// Live: seconds between progress lines on standard error.
    #[arg(long, value_name = "S", default_value_t = 60.0)]
    pub log_every: f64,
    /// Partitioning and broker.
    #[command(flatten)]
    pub part: PartitionArgs,
    /// Assume this many messages per second of data time (untimed captures).
    #[arg(long, value_name = "MSG_PER_S")]
    pub rate: Option<f64>,
    /// Names this run in every `Nats-Msg-Id` (`<run>-<seq>-<p>`): ingesting
    /// the same input again under the same run id within the broker's
    /// de-duplication window stores nothing twice. Default: the start time.
    #[arg(long, value_name = "ID")]
    pub run_id: Option<String>,
    /// Do not send the end record after the last input (a live feed that
    /// will be continued).
    #[arg(long)]
    pub no_end: bool,
}

/// One record ready to publish.
struct OutRec {
    partitions: Vec<Partition>,
    seq: u64,
    bytes: Bytes,
}

impl IngestArgs {
    /// The live sources, in the order given (empty: files or stdin); an
    /// option combination that makes no sense is refused.
    fn live_sources(&self) -> Result<Vec<SourceSpec>> {
        let mut specs: Vec<SourceSpec> = Vec::new();
        specs.extend(self.udp.iter().map(|a| SourceSpec::Udp(*a)));
        specs.extend(self.tcp_listen.iter().map(|a| SourceSpec::TcpListen(*a)));
        specs.extend(self.connect.iter().map(|a| SourceSpec::Connect(a.clone())));
        specs.extend(self.beast.iter().map(|a| SourceSpec::Beast(a.clone())));
        specs.extend(
            self.beast_listen
                .iter()
                .map(|a| SourceSpec::BeastListen(*a)),
        );
        if specs.is_empty() {
            if self.time.is_some() {
                bail!("--time is for live sources (--udp, --tcp-listen, --connect, --beast, --beast-listen); files keep the data's own time (--rate for captures without times)");
            }
            return Ok(specs);
        }
        if !self.files.is_empty() {
            bail!(
                "ingest reads either files (or - for stdin) or live sources (--udp, --tcp-listen, --connect, --beast, --beast-listen), not both: give {} to one ingest and the live sources to another (with another --run-id)",
                self.files.join(" ")
            );
        }
        if self.rate.is_some() {
            bail!("--rate is for files without times; live lines without a time take their receive time (--time)");
        }
        if self.queue == 0 {
            bail!("--queue must be at least 1");
        }
        if !self.tcp_idle_timeout.is_finite() || self.tcp_idle_timeout < 0.0 {
            bail!("--tcp-idle-timeout must be a number of seconds, 0 or more");
        }
        Ok(specs)
    }
}

fn default_run_id() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    format!("{ms}")
}

/// Runs `ingest`.
pub fn run_ingest(args: &IngestArgs) -> Result<()> {
    let live = args.live_sources()?;
    let cfg = load_config(args.part.config.as_deref())?;
    let grid = Grid::new(args.part.cell_deg, args.part.partitions)?;
    let halo = Halo::ships(&cfg);
    if !live.is_empty() {
        return run_live(args, live, cfg, grid, halo);
    }
    let files: Vec<String> = if args.files.is_empty() {
        vec!["-".into()]
    } else {
        args.files.clone()
    };
    let run_id = args.run_id.clone().unwrap_or_else(default_run_id);
    let time = match args.rate {
        Some(r) if r > 0.0 => TimeSource::Rate(r),
        _ => TimeSource::Data,
    };
    let no_end = args.no_end;
    // A reading thread decodes and routes; the runtime publishes. The
    // channel is bounded: a slow broker slows the reading, nothing is
    // dropped.
    let (tx, rx) = mpsc::sync_channel::<Vec<OutRec>>(64);
    let reader = std::thread::Builder::new()
        .name("finisterra-ingest-read".into())
        .spawn(move || -> Result<(finisterra_cluster::IngestStats, u64)> {
            let mut router = Router::new(grid, halo.total_m, &cfg);
            let mut pipeline = Pipeline::new(time);
            // Mode S lines (AVR, SBS, `time,hex`) in the same inputs, as
            // `scan` takes them: decoded here by one decoder (CPR needs
            // every frame of an aircraft), routed by the aircraft's position.
            let mut modes =
                finisterra_modes::Decoder::new(finisterra_modes::DecoderConfig::default());
            let mut modes_untimed = 0u64;
            let mut batch: Vec<OutRec> = Vec::with_capacity(1024);
            let emit = |o: finisterra_cluster::Outgoing<'_>, batch: &mut Vec<OutRec>| {
                batch.push(OutRec {
                    partitions: o.partitions.to_vec(),
                    seq: o.seq,
                    bytes: Bytes::copy_from_slice(o.bytes),
                });
            };
            for path in &files {
                let mut input = Input::open(path)?;
                pipeline.next_input();
                let feed = |o: Output<'_>, router: &mut Router, batch: &mut Vec<OutRec>| {
                    if let Output::Message(m, stamp, heard) = o {
                        router.on_message(
                            m,
                            stamp.data_ms,
                            stamp.recv_ms,
                            heard.payload,
                            heard.fill_bits,
                            &mut |out| emit(out, batch),
                        );
                    }
                };
                let mut send_err = false;
                input.for_each_line(|n, line| {
                    if finisterra_modes::is_modes_text(line) {
                        use crate::scan::{modes_text_message, ModesLine};
                        match modes_text_message(line, &mut modes, None) {
                            Ok(ModesLine::Message(m, t)) => {
                                router.on_air(&m, t, None, &mut |out| emit(out, &mut batch))
                            }
                            Ok(ModesLine::Untimed) => modes_untimed += 1,
                            Ok(ModesLine::Nothing) | Err(_) => {}
                        }
                    } else {
                        pipeline.feed_line(n, line, None, &mut |o| {
                            feed(o, &mut router, &mut batch)
                        });
                    }
                    if batch.len() >= 1024 && !send_err {
                        send_err = tx.send(std::mem::take(&mut batch)).is_err();
                    }
                })?;
                pipeline.finish(&mut |o| feed(o, &mut router, &mut batch));
                if send_err {
                    bail!("the publisher stopped");
                }
            }
            if !no_end {
                router.finish(&mut |out| emit(out, &mut batch));
            }
            let _ = tx.send(batch);
            if modes_untimed > 0 {
                eprintln!(
                    "ingest: {modes_untimed} Mode S frames carried no time (AVR `*…;` lines): skipped; give them as `time,hex` lines"
                );
            }
            Ok((router.stats().clone(), pipeline.stats().decode_errors))
        })
        .context("cannot start the reading thread")?;
    let started = Instant::now();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let published = rt.block_on(async {
        let broker = args.part.connect().await?;
        let mut publisher = broker.publisher();
        let mut records = 0u64;
        while let Ok(batch) = rx.recv() {
            for r in batch {
                for &p in &r.partitions {
                    let id = format!("{run_id}-{}-{p}", r.seq);
                    publisher.to_partition(p, &id, r.bytes.clone()).await?;
                    records += 1;
                }
            }
        }
        publisher.flush().await?;
        anyhow::Ok((records, publisher.counts()))
    });
    let read = reader
        .join()
        .map_err(|_| anyhow::anyhow!("the reading thread panicked"))?;
    let (records, (stored, dups)) = published?;
    let (st, decode_errors) = read?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "ingest: {} messages ({} Mode S; {} halo copies, {} to every partition before a position, {} ticks, {} fixes refused, {} times refused, {} decode errors) as {records} records, {stored} stored ({dups} duplicates) in {secs:.2} s; halo {:.1} NM (aircraft {:.1} NM), {} partitions of {}° cells",
        st.messages,
        st.air_messages,
        st.halo_copies,
        st.broadcasts,
        st.ticks,
        st.fixes_refused,
        st.time_rejected,
        decode_errors,
        halo.total_nm(),
        Halo::air(&cfg).total_nm(),
        grid.partitions(),
        grid.cell_deg(),
    );
    Ok(())
}

/// `serve --nats`: the events the workers published, read through a
/// durable consumer of the events stream and handed to the server, which
/// numbers, stores (one event per key) and pushes them. An event is
/// acknowledged only once the store has it; a broker down or restarting
/// is waited for with backoff, said in the log and shown in `/metrics`
/// (`finisterra_broker_connected`, `finisterra_broker_reconnects_total`).
#[derive(Debug, Clone)]
pub struct EventsFeed {
    /// Where the run's streams are.
    pub broker: BrokerConfig,
    /// The durable consumer's name.
    pub consumer: String,
    /// Redelivery of what is not acknowledged.
    pub ack_wait: Duration,
    /// Read the stream from its first event at start (the consumer made
    /// anew): a store in memory starts empty at every start.
    pub from_start: bool,
}

/// Most events handed to the server at once.
const FEED_BATCH: usize = 512;

impl EventsFeed {
    /// Connects (for ever, with backoff) and opens the consumer.
    async fn open(
        &self,
        m: &BrokerMetrics,
        from_start: bool,
    ) -> (Broker, finisterra_broker::EventConsumer) {
        let mut delay = Duration::from_millis(200);
        loop {
            let opened = async {
                let b = Broker::connect(self.broker.clone(), Duration::from_secs(5)).await?;
                b.ensure_streams().await?;
                if from_start && b.delete_events_consumer(&self.consumer).await? {
                    eprintln!(
                        "finisterra: events kept in memory only: reading the events stream from its start again"
                    );
                }
                let c = b.consume_events(&self.consumer, self.ack_wait).await?;
                Ok::<_, finisterra_broker::BrokerError>((b, c))
            }
            .await;
            match opened {
                Ok(bc) => {
                    eprintln!(
                        "finisterra: reading events from NATS at {} (stream {}, durable consumer {})",
                        self.broker.url,
                        self.broker.events_stream(),
                        self.consumer
                    );
                    return bc;
                }
                Err(e) => {
                    m.errors.fetch_add(1, Relaxed);
                    m.connected.store(0, Relaxed);
                    eprintln!("finisterra: events from NATS: {e}; retrying in {delay:?}");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(10));
                }
            }
        }
    }

    /// Runs until the server stops taking events (an error) — for ever
    /// otherwise.
    pub async fn run(&self, running: &finisterra_server::Running) -> Result<()> {
        let m = &running.shared.metrics.broker;
        m.enabled.store(true, Relaxed);
        let (mut broker, mut consumer) = self.open(m, self.from_start).await;
        let mut conn = broker.connection();
        let mut delay = Duration::from_millis(200);
        let mut reconnects_before = 0u64;
        loop {
            m.connected.store(u64::from(conn.is_connected()), Relaxed);
            m.reconnects
                .store(reconnects_before + conn.reconnects(), Relaxed);
            let first = match consumer.next(Duration::from_secs(1)).await {
                Ok(Some(d)) => d,
                Ok(None) => continue,
                Err(e) => {
                    // What was delivered and not acknowledged comes again
                    // after the ack wait; nothing is lost meanwhile.
                    m.errors.fetch_add(1, Relaxed);
                    eprintln!(
                        "finisterra: events from NATS: {e}; opening the consumer again in {delay:?}"
                    );
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(10));
                    if conn.is_connected() {
                        match broker.consume_events(&self.consumer, self.ack_wait).await {
                            Ok(c) => consumer = c,
                            Err(e) => {
                                m.errors.fetch_add(1, Relaxed);
                                eprintln!("finisterra: events from NATS: {e}");
                            }
                        }
                    } else if delay >= Duration::from_secs(10) {
                        // Long gone: a new connection.
                        reconnects_before += conn.reconnects() + 1;
                        (broker, consumer) = self.open(m, false).await;
                        conn = broker.connection();
                    }
                    continue;
                }
            };
            delay = Duration::from_millis(200);
            let mut batch = vec![first];
            while batch.len() < FEED_BATCH {
                match consumer.ready() {
                    Ok(Some(d)) => batch.push(d),
                    Ok(None) => break,
                    Err(e) => {
                        // A pull that failed (the consumer goes on): what
                        // was delivered and not acknowledged comes again.
                        m.errors.fetch_add(1, Relaxed);
                        eprintln!("finisterra: events from NATS: {e}");
                        break;
                    }
                }
            }
            let events = batch
                .iter()
                .map(|d| {
                    let key = match d.key() {
                        // Without a key, the broker's own place of it: its
                        // deliveries again are still recognised.
                        "" => format!("{}#{}", d.subject(), d.stream_sequence()),
                        k => k.to_string(),
                    };
                    RemoteEvent {
                        key,
                        json: d.json().to_vec(),
                    }
                })
                .collect();
            let out = running.store_remote(events).await?;
            if !out.durable {
                m.unacknowledged.fetch_add(batch.len() as u64, Relaxed);
                eprintln!(
                    "finisterra: the store refuses writes: {} events from NATS left unacknowledged (pushed unstored; delivered again in {:?})",
                    batch.len(),
                    self.ack_wait
                );
                continue;
            }
            let mut failed = 0usize;
            let mut last_error = None;
            for d in &batch {
                if let Err(e) = d.ack().await {
                    failed += 1;
                    last_error = Some(e);
                }
            }
            if let Some(e) = last_error {
                // Stored: a delivery again is dropped by its key.
                m.errors.fetch_add(1, Relaxed);
                eprintln!(
                    "finisterra: {failed} acknowledgements to NATS failed ({e}); those events come again and are dropped as duplicates"
                );
            }
        }
    }
}

/// `serve --nats`'s picture: every record of the positions stream, in
/// ingest's order (an ephemeral ordered consumer; a record's halo copies
/// are skipped by its sequence), taken into the server's picture only —
/// the workers judge, the server shows the vessels. Rebuilt from the
/// first record the stream keeps at each start.
#[derive(Debug, Clone)]
pub struct PositionsFeed {
    /// Where the run's streams are.
    pub broker: BrokerConfig,
}

impl PositionsFeed {
    /// Runs until the server stops taking messages (an error) — for ever
    /// otherwise.
    pub async fn run(&self, running: &finisterra_server::Running) -> Result<()> {
        use finisterra_server::channel::Observed;
        let m = &running.shared.metrics.broker;
        let mut delay = Duration::from_millis(200);
        // The stream sequence to read from, and ingest's last sequence taken.
        let mut from = 1u64;
        let mut last_seq = 0u64;
        let mut undecodable = 0u64;
        loop {
            let opened = async {
                let b = Broker::connect(self.broker.clone(), Duration::from_secs(5)).await?;
                b.ensure_streams().await?;
                b.read_positions(from).await
            }
            .await;
            let mut reader = match opened {
                Ok(r) => r,
                Err(e) => {
                    m.errors.fetch_add(1, Relaxed);
                    eprintln!("finisterra: positions from NATS: {e}; retrying in {delay:?}");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(10));
                    continue;
                }
            };
            loop {
                let first = match reader.next(Duration::from_secs(1)).await {
                    Ok(Some(r)) => r,
                    Ok(None) => continue,
                    Err(e) => {
                        m.errors.fetch_add(1, Relaxed);
                        eprintln!(
                            "finisterra: positions from NATS: {e}; reading again from record {from} in {delay:?}"
                        );
                        tokio::time::sleep(delay).await;
                        delay = (delay * 2).min(Duration::from_secs(10));
                        break;
                    }
                };
                delay = Duration::from_millis(200);
                let mut batch: Vec<Observed> = Vec::new();
                let mut next = Some(first);
                while let Some((stream_seq, bytes)) = next {
                    from = from.max(stream_seq + 1);
                    match Record::decode(&bytes) {
                        Ok(r) if r.seq() <= last_seq => {}
                        Ok(r) => {
                            last_seq = r.seq();
                            match r {
                                Record::Position {
                                    time_ms,
                                    fill_bits,
                                    payload,
                                    ..
                                } => match finisterra_ais::decode(payload, fill_bits) {
                                    Ok(msg) => {
                                        batch.push(Observed::Message(Box::new(msg), time_ms))
                                    }
                                    Err(_) => undecodable += 1,
                                },
                                Record::Air {
                                    time_ms, message, ..
                                } => match finisterra_cluster::air_message(message) {
                                    Ok(msg) => batch.push(Observed::Air(Box::new(msg), time_ms)),
                                    Err(_) => undecodable += 1,
                                },
                                Record::Tick { time_ms, .. } | Record::End { time_ms, .. } => {
                                    batch.push(Observed::Time(time_ms))
                                }
                            }
                        }
                        Err(e) => {
                            undecodable += 1;
                            if undecodable.is_power_of_two() {
                                eprintln!(
                                    "finisterra: positions from NATS: record {stream_seq} unreadable ({e}); {undecodable} so far"
                                );
                            }
                        }
                    }
                    next = if batch.len() < FEED_BATCH {
                        match reader.ready() {
                            Ok(r) => r,
                            Err(e) => {
                                // Met again, and handled, by `next` if the
                                // reader is broken; else it goes on.
                                m.errors.fetch_add(1, Relaxed);
                                eprintln!("finisterra: positions from NATS: {e}");
                                None
                            }
                        }
                    } else {
                        None
                    };
                }
                if !batch.is_empty() {
                    running.observe(batch).await?;
                }
            }
        }
    }
}

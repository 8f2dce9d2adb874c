//! `finisterra ingest --udp/--tcp-listen/--connect`: ingest from live
//! feeds. The sources are `serve`'s own (`finisterra_server::sources`:
//! binding, reconnects with backoff, the one line splitter, receive times
//! stamped at the edge); their lines go through a bounded queue to a
//! reading thread that decodes and routes them as files are (one
//! `Pipeline` per source, the one `Router` and its data-time gate, here
//! under the live policy), and the batches to the publisher. A live
//! ingest never sends the end record; it runs until SIGINT or SIGTERM,
//! then publishes what it read and exits.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use bytes::Bytes;
use finisterra_cluster::{Grid, Halo, Router};
use finisterra_engine::pipeline::Output;
use finisterra_engine::{Config, Pipeline};
use finisterra_server::channel::{CoreTx, Input};
use finisterra_server::clock::{now_ms, TimeMode};
use finisterra_server::sources::{self, Overflow, SourceCount, SourceHost, SourceSpec};

use super::{default_run_id, IngestArgs, OutRec};

/// What the live sources count for ingest (the server's `/metrics`
/// counters, said in ingest's log lines instead).
#[derive(Debug, Default)]
struct LiveHost {
    names: Vec<String>,
    udp_recv_buffer: usize,
    tcp_idle_timeout: Duration,
    /// Lines dropped because the queue was full (the broker slow).
    dropped: AtomicU64,
    overlong: AtomicU64,
    tcp_connections: AtomicU64,
    tcp_idle_closed: AtomicU64,
    kernel_drops: Mutex<BTreeMap<String, u64>>,
    /// Beast framing errors, by reason.
    beast_errors: Mutex<BTreeMap<&'static str, u64>>,
}

impl SourceHost for LiveHost {
    fn source_name(&self, i: usize) -> &str {
        self.names.get(i).map_or("input", String::as_str)
    }

    fn udp_recv_buffer(&self) -> usize {
        self.udp_recv_buffer
    }

    fn tcp_idle_timeout(&self) -> Duration {
        self.tcp_idle_timeout
    }

    fn overflow(&self) -> Overflow {
        Overflow::Drop
    }

    fn count(&self, c: SourceCount) {
        match c {
            SourceCount::Dropped => self.dropped.fetch_add(1, Relaxed),
            SourceCount::OverlongLines(n) => self.overlong.fetch_add(n, Relaxed),
            SourceCount::TcpConnection => self.tcp_connections.fetch_add(1, Relaxed),
            SourceCount::TcpIdleClosed => self.tcp_idle_closed.fetch_add(1, Relaxed),
            SourceCount::BeastError(reason) => {
                *self
                    .beast_errors
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .entry(reason)
                    .or_insert(0) += 1;
                0
            }
        };
    }

    fn udp_buffer_granted(&self, _name: &str, _granted: u64) {}

    fn udp_kernel_drops(&self, name: &str, drops: u64) {
        self.kernel_drops
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_string(), drops);
    }
}

/// What the reading thread counted.
#[derive(Debug, Default, Clone)]
struct ReadCounts {
    lines: u64,
    /// Rejected lines and messages, by reason.
    rejected: BTreeMap<&'static str, u64>,
    /// Messages without a time (none of their own, none seen before).
    untimed: u64,
}

/// Records published so far (the publisher's count, read by the log).
#[derive(Debug, Default)]
struct Published {
    records: AtomicU64,
}

fn reasons(m: &BTreeMap<&'static str, u64>) -> String {
    if m.is_empty() {
        return "none".into();
    }
    m.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// One line of what happened so far: lines, messages, every rejection
/// by its reason, every drop.
fn progress(
    what: &str,
    r: &ReadCounts,
    router: &Router,
    host: &LiveHost,
    published: u64,
) -> String {
    let st = router.stats();
    let clock = router.clock_stats();
    let mut rejected = r.rejected.clone();
    for (k, v) in host
        .beast_errors
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
    {
        *rejected.entry(k).or_insert(0) += v;
    }
    let mut refused: BTreeMap<&'static str, u64> = BTreeMap::new();
    for (k, v) in [
        ("time_out_of_range", clock.out_of_range),
        ("time_jump", clock.unconfirmed_jumps),
        ("untimed", r.untimed),
    ] {
        if v > 0 {
            refused.insert(k, v);
        }
    }
    let kernel: u64 = host
        .kernel_drops
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .values()
        .sum();
    format!(
        "ingest: {what}: {} lines, {} messages sent ({} Mode S; {} halo copies, {} ticks, {} fixes refused), {published} records published; rejected: {}; times refused: {}; {} times ahead of their receive time judged at it; dropped: {} (queue full), {} (kernel, UDP); {} over-long lines cut; {} TCP connections, {} closed idle",
        r.lines,
        st.messages,
        st.air_messages,
        st.halo_copies,
        st.ticks,
        st.fixes_refused,
        reasons(&rejected),
        reasons(&refused),
        clock.ahead_of_receive,
        host.dropped.load(Relaxed),
        kernel,
        host.overlong.load(Relaxed),
        host.tcp_connections.load(Relaxed),
        host.tcp_idle_closed.load(Relaxed),
    )
}

/// Runs a live ingest until SIGINT or SIGTERM.
pub(super) fn run_live(
    args: &IngestArgs,
    specs: Vec<SourceSpec>,
    cfg: Config,
    grid: Grid,
    halo: Halo,
) -> Result<()> {
    let mode = args.time.unwrap_or_default();
    let run_id = args.run_id.clone().unwrap_or_else(default_run_id);
    let host = Arc::new(LiveHost {
        names: specs.iter().map(SourceSpec::name).collect(),
        udp_recv_buffer: args.udp_buffer,
        tcp_idle_timeout: Duration::from_secs_f64(args.tcp_idle_timeout),
        ..LiveHost::default()
    });
    let names = host.names.join(", ");
    let n_sources = specs.len();
    // Sources → (bounded: full means dropped and counted) → the reading
    // thread → (bounded: a slow broker holds the reader, then the
    // sources drop) → the publisher.
    let (line_tx, line_rx) = std::sync::mpsc::sync_channel::<Input>(args.queue);
    let core_tx = CoreTx::new(line_tx);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<OutRec>>(64);
    let stop = Arc::new(AtomicBool::new(false));
    let published = Arc::new(Published::default());
    let log_every = Duration::from_secs_f64(args.log_every.clamp(0.1, 86_400.0));
    let reader = {
        let host = host.clone();
        let stop = stop.clone();
        let published = published.clone();
        std::thread::Builder::new()
            .name("finisterra-ingest-live".into())
            .spawn(move || -> String {
                let mut router = Router::new(grid, halo.total_m, &cfg);
                let source = mode.source();
                router.set_time_policy(mode.policy(true));
                // One pipeline per source, as the server has: fragments of
                // one feed are never assembled with another's.
                let mut pipelines: Vec<Pipeline> =
                    (0..n_sources).map(|_| Pipeline::new(source)).collect();
                // Mode S (Beast frames, AVR/SBS/`time,hex` lines): one
                // decoder for every source (CPR needs every frame of an
                // aircraft), judged at the line's own time when it has one,
                // else at its receive time.
                let mut modes =
                    finisterra_modes::Decoder::new(finisterra_modes::DecoderConfig::default());
                let mut line_no = vec![0u64; n_sources];
                let mut counts = ReadCounts::default();
                let mut batch: Vec<OutRec> = Vec::with_capacity(1024);
                let mut last_sent = Instant::now();
                let mut last_tick = Instant::now();
                let mut last_log = Instant::now();
                let emit = |o: finisterra_cluster::Outgoing<'_>, batch: &mut Vec<OutRec>| {
                    batch.push(OutRec {
                        partitions: o.partitions.to_vec(),
                        seq: o.seq,
                        bytes: Bytes::copy_from_slice(o.bytes),
                    });
                };
                let feed = |o: Output<'_>,
                            router: &mut Router,
                            counts: &mut ReadCounts,
                            batch: &mut Vec<OutRec>| match o {
                    Output::Message(m, stamp, heard) => router.on_message(
                        m,
                        stamp.data_ms,
                        stamp.recv_ms,
                        heard.payload,
                        heard.fill_bits,
                        &mut |out| emit(out, batch),
                    ),
                    Output::Error(e) => *counts.rejected.entry(e.kind.reason()).or_insert(0) += 1,
                };
                // Once the sources are stopped, what they queued is read to
                // the end: the queue disconnects when the last of them is
                // gone (a bound on the wait, should one linger).
                let mut stopped_at: Option<Instant> = None;
                loop {
                    match line_rx.recv_timeout(Duration::from_millis(100)) {
                        Ok(Input::Line(l)) if finisterra_modes::is_modes_text(&l.bytes) => {
                            counts.lines += 1;
                            use crate::scan::{modes_text_message, ModesLine};
                            match modes_text_message(&l.bytes, &mut modes, Some(l.recv_ms)) {
                                Ok(ModesLine::Message(m, data_ms)) => {
                                    router.on_air(&m, data_ms, Some(l.recv_ms), &mut |out| {
                                        emit(out, &mut batch)
                                    })
                                }
                                Ok(ModesLine::Untimed | ModesLine::Nothing) => {}
                                Err(r) => *counts.rejected.entry(r.reason()).or_insert(0) += 1,
                            }
                        }
                        Ok(Input::Line(l)) => {
                            let i = l.source.min(n_sources - 1);
                            line_no[i] += 1;
                            counts.lines += 1;
                            pipelines[i].feed_line(
                                line_no[i],
                                &l.bytes,
                                Some(l.recv_ms),
                                &mut |o| feed(o, &mut router, &mut counts, &mut batch),
                            );
                        }
                        Ok(Input::Air(f)) => match modes.decode(&f.bytes, f.recv_ms) {
                            Ok(m) => router.on_air(&m, None, Some(f.recv_ms), &mut |out| {
                                emit(out, &mut batch)
                            }),
                            Err(r) => *counts.rejected.entry(r.reason()).or_insert(0) += 1,
                        },
                        Ok(_) => {}
                        Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => break,
                    }
                    if stop.load(Relaxed) {
                        let at = *stopped_at.get_or_insert_with(Instant::now);
                        if at.elapsed() > Duration::from_secs(5) {
                            break;
                        }
                    }
                    // Time passes for a quiet feed (not when the data's
                    // own time rules): ticks keep the workers' ageing on
                    // time.
                    if mode != TimeMode::Data && last_tick.elapsed() >= Duration::from_secs(1) {
                        last_tick = Instant::now();
                        router.on_time(now_ms(), &mut |out| emit(out, &mut batch));
                    }
                    if !batch.is_empty()
                        && (batch.len() >= 1024 || last_sent.elapsed() >= Duration::from_millis(50))
                    {
                        last_sent = Instant::now();
                        // Waits while the publisher is behind: the queue in
                        // front fills, and the sources drop and count.
                        if tx.blocking_send(std::mem::take(&mut batch)).is_err() {
                            break;
                        }
                    }
                    if last_log.elapsed() >= log_every {
                        last_log = Instant::now();
                        counts.untimed = pipelines.iter().map(|p| p.stats().untimed).sum();
                        eprintln!(
                            "{}",
                            progress(
                                "live",
                                &counts,
                                &router,
                                &host,
                                published.records.load(Relaxed)
                            )
                        );
                    }
                }
                // Messages left incomplete are said, as at the end of a file.
                for p in pipelines.iter_mut() {
                    p.finish(&mut |o| feed(o, &mut router, &mut counts, &mut batch));
                }
                counts.untimed = pipelines.iter().map(|p| p.stats().untimed).sum();
                let _ = tx.blocking_send(batch);
                progress(
                    "stopped",
                    &counts,
                    &router,
                    &host,
                    published.records.load(Relaxed),
                )
            })
            .context("cannot start the reading thread")?
    };
    let started = Instant::now();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let outcome = rt.block_on(async {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).context("cannot catch SIGTERM")?;
        let mut int = signal(SignalKind::interrupt()).context("cannot catch SIGINT")?;
        let broker = args.part.connect().await?;
        let mut publisher = broker.publisher();
        let tasks = sources::start(specs, core_tx.clone(), host.clone()).await?;
        drop(core_tx);
        eprintln!(
            "ingest: live from {names}, to NATS at {} (run {run_id}, time {mode:?}); stop with SIGINT or SIGTERM",
            args.part.nats
        );
        let mut signalled = None;
        while signalled.is_none() {
            tokio::select! {
                b = rx.recv() => match b {
                    Some(batch) => publish(batch, &mut publisher, &run_id, &published).await?,
                    None => break,
                },
                _ = term.recv() => signalled = Some("SIGTERM"),
                _ = int.recv() => signalled = Some("SIGINT"),
            }
        }
        if let Some(s) = signalled {
            eprintln!("ingest: {s}: stopping the sources, publishing what was read");
        }
        // No line comes in any more (a listener's connections stop with
        // it); the reader reads what is queued to the end and sends it.
        for t in &tasks {
            t.abort();
        }
        for t in tasks {
            let _ = t.await;
        }
        stop.store(true, Relaxed);
        while let Some(batch) = rx.recv().await {
            publish(batch, &mut publisher, &run_id, &published).await?;
        }
        publisher.flush().await?;
        anyhow::Ok(publisher.counts())
    });
    // The reader ends once the sources are gone (with the runtime, after
    // an error), or once the publisher is gone.
    stop.store(true, Relaxed);
    drop(rx);
    drop(rt);
    let line = reader
        .join()
        .map_err(|_| anyhow::anyhow!("the reading thread panicked"))?;
    let (stored, dups) = outcome?;
    eprintln!(
        "{line}; {stored} stored ({dups} duplicates) in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Publishes one batch, each record to each of its partitions under its
/// `Nats-Msg-Id` (`<run>-<seq>-<p>`, as for files).
async fn publish(
    batch: Vec<OutRec>,
    publisher: &mut finisterra_broker::Publisher,
    run_id: &str,
    published: &Published,
) -> Result<()> {
    for r in batch {
        for &p in &r.partitions {
            let id = format!("{run_id}-{}-{p}", r.seq);
            publisher.to_partition(p, &id, r.bytes.clone()).await?;
            published.records.fetch_add(1, Relaxed);
        }
    }
    Ok(())
}

//! `finisterra worker`: judges partitions from NATS JetStream and
//! publishes the events it owns. Two ways to know which partitions:
//!
//! - static (`--workers N --worker-index I`): the partitions `p mod N = I`,
//!   for as long as it runs;
//! - elastic (without `--workers`): it joins the live members in the
//!   broker's key-value bucket, computes the same [`Assignment`] as every
//!   other member from the live ones, and judges exactly the partitions
//!   whose lease it holds ([`finisterra_broker::Members`]), renewing them
//!   every third of the lease time; a change of its set (a member joined,
//!   left or died; a lease lost) settles and gives up what is no longer its
//!   own and takes the partitions newly its own.
//!
//! Either way each partition is judged by its own [`Judge`] (its own
//! engine on the partition's records, home and halo): a partition taken
//! over is rebuilt alone from the stream's start, silently up to what its
//! previous owner stored, while the worker's other partitions judge on.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use finisterra_broker::{
    AckedUpTo, Broker, Delivery, Found, Lease, Members, PartitionConsumer, Publisher, Snapshots,
};
use finisterra_cluster::{
    member_id_char, valid_member_id, Assignment, Grid, Owned, Partition, Record, WorkerCore,
    WorkerStats,
};
use finisterra_engine::{Config, Geography};
use futures::FutureExt;
use tokio::signal::unix::{signal, Signal, SignalKind};

use super::PartitionArgs;
use crate::scan::{load_config, load_geography, GeoArgs};

/// Options of `worker`.
#[derive(clap::Args, Debug)]
pub struct WorkerArgs {
    /// Partitioning and broker.
    #[command(flatten)]
    pub part: PartitionArgs,
    /// Static membership: the number of workers sharing the partitions
    /// (worker `i` of `n` owns the partitions `p` with `p mod n = i`).
    /// Without it the worker joins the live workers elastically (leases in
    /// the broker's key-value bucket).
    #[arg(long, value_name = "N")]
    pub workers: Option<u32>,
    /// Static membership: this worker's index, `0..workers`.
    #[arg(long, value_name = "I", requires = "workers")]
    pub worker_index: Option<u32>,
    /// Elastic membership: this worker's id among the live ones (letters,
    /// digits, `-`, `_`; default: the host's name and the process id).
    #[arg(long, value_name = "ID", conflicts_with = "workers")]
    pub worker_id: Option<String>,
    /// Elastic membership: a worker's leases and member key expire this
    /// long after its last renewal (renewed every third of it), seconds;
    /// every worker must be given the same. The time a dead worker's
    /// partitions wait for a new owner.
    #[arg(
        long,
        value_name = "S",
        default_value_t = 10.0,
        conflicts_with = "workers"
    )]
    pub lease_s: f64,
    /// Exit after the end record of a replay.
    #[arg(long)]
    pub exit_at_end: bool,
    /// Seconds between two snapshots of each partition's engine (kept in
    /// the broker's object store `<PREFIX>_SNAPSHOTS`, one per partition,
    /// with the stream sequence it covers; one is also taken at every
    /// clean hand-over): a partition taken over is restored from its latest
    /// and judged from the record after it, instead of again from the
    /// stream's start. 0: no snapshots. 30 s costs a partition of 5,000
    /// vessels about 12 ms of a core and bounds what a successor judges
    /// again to 30 s of records plus the lease time (see the README).
    #[arg(long, value_name = "S", default_value_t = 30.0)]
    pub snapshot_s: f64,
    /// Threads of each screening pass (as `scan --threads`; default 1: a
    /// machine usually runs several workers).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub threads: usize,
    /// For tests: drop each partition's pull stream, with the records it
    /// fetched and had not handed over, every N records (as a failure of
    /// the stream does), to exercise the recovery (0: never).
    #[arg(long, value_name = "N", default_value_t = 0, hide = true)]
    pub test_drop_fetched_every: u32,
    /// For tests: each partition's first N deliveries to this worker are
    /// thrown away unseen, as deliveries lost on the way are (a connection
    /// lost while a fetch was in flight), to exercise the recovery.
    #[arg(long, value_name = "N", default_value_t = 0, hide = true)]
    pub test_lose_first: u32,
    /// For tests: after N records of a partition, the consumer this worker
    /// reads it through is deleted, once per partition (as a node of the
    /// cluster lost with its listing does), to exercise the recovery (0:
    /// never).
    #[arg(long, value_name = "N", default_value_t = 0, hide = true)]
    pub test_vanish_after: u32,
    /// For tests (elastic membership): the first turn S seconds after the
    /// start finds every lease lost by the renewals just after it looked
    /// for losses, as during an election (the loss reported next turn),
    /// to exercise the recovery (0: never).
    #[arg(long, value_name = "S", default_value_t = 0.0, hide = true)]
    pub test_stale_loss_after_s: f64,
    /// Geography to judge against (as `scan`).
    #[command(flatten)]
    pub geo: GeoArgs,
}

/// Runs `worker`.
pub fn run_worker(args: &WorkerArgs) -> Result<()> {
    if !args.snapshot_s.is_finite() || args.snapshot_s < 0.0 {
        bail!(
            "--snapshot-s {}: seconds between two snapshots of a partition's engine (0: none)",
            args.snapshot_s
        );
    }
    let cfg = load_config(args.part.config.as_deref())?;
    let grid = Grid::new(args.part.cell_deg, args.part.partitions)?;
    match args.workers {
        Some(n) => run_static(args, n, args.worker_index.unwrap_or(0), cfg, grid),
        None => run_elastic(args, cfg, grid),
    }
}

/// What a worker needs to start an engine on a set of partitions.
struct Ground {
    cfg: Config,
    geo: Geography,
    grid: Grid,
    threads: usize,
    /// Where the partitions' snapshots are kept, and how often each is
    /// taken (none: `--snapshot-s 0`).
    snapshots: Option<Snapshots>,
    snapshot_every: Duration,
    /// `--test-drop-fetched-every`.
    drop_fetched_every: u32,
    lose_first: u32,
    vanish_after: u32,
    /// The partitions whose consumer the test deleted already (once each).
    vanished: std::cell::RefCell<BTreeSet<Partition>>,
}

impl Ground {
    fn core(&self, p: Partition) -> WorkerCore {
        let mut core = WorkerCore::new(self.cfg, self.geo.clone(), self.grid, &[p]);
        core.set_threads(self.threads);
        core
    }

    /// The snapshots' store, unless snapshots are off.
    async fn open_snapshots(&self, broker: &Broker) -> Result<Option<Snapshots>> {
        if self.snapshot_every.is_zero() {
            return Ok(None);
        }
        Ok(Some(broker.snapshots().await?))
    }

    /// Partition `p`'s engine from its latest snapshot, with the stream
    /// sequence it covers; `None` (said) when there is none or it cannot
    /// be used, and the engine is rebuilt from the stream's start.
    async fn restore(&self, who: &str, p: Partition) -> Option<(WorkerCore, u64)> {
        let store = self.snapshots.as_ref()?;
        let t0 = Instant::now();
        let (seq, bytes) = match store.get(p).await {
            Ok(Some(s)) => s,
            Ok(None) => return None,
            Err(e) => {
                eprintln!("worker {who}: partition {p}: its snapshot could not be read ({e}): rebuilding from the stream's start");
                return None;
            }
        };
        match WorkerCore::restore(self.cfg, self.geo.clone(), self.grid, &[p], &bytes) {
            Ok(mut core) => {
                core.set_threads(self.threads);
                core.reset_stats();
                eprintln!(
                    "worker {who}: partition {p}: restored from its snapshot (record {}, stream sequence {seq}, {} bytes) in {:.3} s",
                    core.last_seq(),
                    bytes.len(),
                    t0.elapsed().as_secs_f64()
                );
                Some((core, seq))
            }
            Err(e) => {
                eprintln!("worker {who}: partition {p}: its snapshot cannot be used ({e}): rebuilding from the stream's start");
                None
            }
        }
    }
}

fn current_thread() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// Static membership: the partitions `p mod n = i`, until the end record
/// (with `--exit-at-end`) or for ever.
fn run_static(args: &WorkerArgs, n: u32, i: u32, cfg: Config, grid: Grid) -> Result<()> {
    if n == 0 || i >= n {
        bail!("--worker-index {i} must be below --workers {n}");
    }
    let mine: Vec<Partition> = (0..grid.partitions())
        .filter(|&p| u32::from(p) % n == i)
        .collect();
    if mine.is_empty() {
        eprintln!("worker {i}: no partition to own");
        return Ok(());
    }
    let mut ground = Ground {
        cfg,
        geo: load_geography(&args.geo)?,
        grid,
        threads: args.threads.max(1),
        snapshots: None,
        snapshot_every: Duration::from_secs_f64(args.snapshot_s),
        drop_fetched_every: args.test_drop_fetched_every,
        lose_first: args.test_lose_first,
        vanish_after: args.test_vanish_after,
        vanished: Default::default(),
    };
    let who = i.to_string();
    let started = Instant::now();
    let rt = current_thread()?;
    let stats = rt.block_on(async {
        let broker = args.part.connect().await?;
        ground.snapshots = ground.open_snapshots(&broker).await?;
        let mut publisher = broker.publisher();
        let mut judges = BTreeMap::new();
        for &p in &mine {
            judges.insert(p, Judge::open(&broker, &who, &ground, p).await?);
        }
        let mut total = WorkerStats::default();
        loop {
            let deadline = Instant::now() + ORPHANS_EVERY;
            let pause =
                run_judges(&mut judges, &mut publisher, Some(deadline), None, args.exit_at_end)
                    .await?;
            // A judge whose consumer vanished (its listing lost with a node
            // of the cluster): the partition is this worker's for as long
            // as it runs, so it is taken over again here, from what was
            // stored (a judge left waiting would never judge it again, and
            // a replay would never end).
            for p in orphaned(&judges) {
                if let Some(j) = judges.remove(&p) {
                    retire(j, &BTreeSet::from([p]), &mut publisher, &mut total).await?;
                }
                eprintln!(
                    "worker {who}: partition {p}: its consumer is gone: taking it over again from what was stored"
                );
                judges.insert(p, Judge::open(&broker, &who, &ground, p).await?);
            }
            if matches!(pause, Pause::Ended) {
                break;
            }
        }
        for j in judges.into_values() {
            retire(j, &BTreeSet::new(), &mut publisher, &mut total).await?;
        }
        anyhow::Ok((total, publisher.republished()))
    })?;
    eprintln!(
        "worker {i}/{n}: partitions {mine:?}; {}; {:.2} s",
        said(&stats.0, stats.1),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The partitions whose judge stopped for its consumer was gone
/// ([`Judge::lost`]).
fn orphaned(judges: &BTreeMap<Partition, Judge>) -> Vec<Partition> {
    judges
        .iter()
        .filter(|(_, j)| j.lost)
        .map(|(&p, _)| p)
        .collect()
}

/// A worker's counters in words (the suites read "N owned and published"),
/// with the publishes sent again after a failed acknowledgement.
fn said(st: &WorkerStats, republished: u64) -> String {
    format!(
        "{} records judged ({} duplicates skipped), {} events judged, {} owned and published ({} already stored by the previous owner); {} publishes sent again after a failed acknowledgement",
        st.records, st.duplicates, st.events_judged, st.events_owned, st.events_replayed, republished
    )
}

/// Why [`run_judges`] returned.
enum Pause {
    /// The deadline passed (the membership's turn).
    Due,
    /// The end record was judged by every judge.
    Ended,
    /// SIGTERM or SIGINT.
    Stop(&'static str),
}

/// SIGTERM and SIGINT, caught.
struct Stop {
    term: Signal,
    int: Signal,
}

impl Stop {
    fn new() -> Result<Stop> {
        Ok(Stop {
            term: signal(SignalKind::terminate()).context("cannot catch SIGTERM")?,
            int: signal(SignalKind::interrupt()).context("cannot catch SIGINT")?,
        })
    }

    /// Waits for one.
    async fn wait(&mut self) -> &'static str {
        tokio::select! {
            _ = self.term.recv() => "SIGTERM",
            _ = self.int.recv() => "SIGINT",
        }
    }

    /// One that came already (never waits).
    fn came(&mut self) -> Option<&'static str> {
        self.wait().now_or_never()
    }
}

/// The engine of one partition: its consumer taken over, its records
/// judged in order, the events it owns published, and the records
/// acknowledged once those events are stored. A partition is the unit of
/// state: a worker runs one judge per partition it holds, so a partition
/// that moves is rebuilt alone and the others judge on undisturbed.
struct Judge {
    who: String,
    p: Partition,
    core: WorkerCore,
    consumer: PartitionConsumer,
    /// A delivery taken while waiting on every judge: judged first.
    held: Option<Delivery>,
    to_ack: Vec<Delivery>,
    owned: Vec<Owned>,
    /// The last record whose events the previous owner had all stored.
    resume: u64,
    caught_up: bool,
    started: Instant,
    /// The snapshots' store and the time between two snapshots.
    snapshots: Option<(Snapshots, Duration)>,
    /// The stream sequence of the last record judged, and of the last
    /// snapshot taken.
    judged_seq: u64,
    snapped_seq: u64,
    snapped_at: Instant,
    /// To take the partition again when deliveries were lost.
    broker: Broker,
    /// The consumer sequence of the last delivery (0: none yet). Every
    /// consumer a judge reads is new (made by the take-over, or by taking
    /// the partition again), so its first delivery is 1: a first delivery
    /// past 1 means the first ones were lost on the way.
    last_delivery: u64,
    /// `--test-drop-fetched-every`, and records since the last drop.
    drop_every: u32,
    /// `--test-lose-first`: deliveries still to throw away unseen.
    lose_first: u32,
    /// `--test-vanish-after`: records still to judge before this judge's
    /// consumer is deleted (0: never).
    vanish_after: u32,
    since_drop: u32,
    /// Another worker took the partition over: nothing more is judged
    /// here (the membership retires this judge).
    lost: bool,
}

/// What [`Judge::work`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Worked {
    /// Judged records (and may have more).
    Busy,
    /// Nothing was waiting.
    Idle,
    /// Nothing was waiting, and the end record was judged.
    Ended,
}

/// Records judged between two looks at the clock.
const CLOCK_EVERY: u32 = 64;
/// The longest a judge keeps the thread while others have records.
const SLICE: Duration = Duration::from_millis(50);
/// How often a worker of the static membership looks for judges whose
/// consumer vanished.
const ORPHANS_EVERY: Duration = Duration::from_secs(1);

impl Judge {
    /// Takes partition `p` over: judged again from the first record the
    /// stream keeps; the events of the records its previous owner
    /// acknowledged are stored already and are not reported again.
    async fn open(broker: &Broker, who: &str, ground: &Ground, p: Partition) -> Result<Judge> {
        let (mut core, after) = match ground.restore(who, p).await {
            Some((core, seq)) => (core, seq),
            None => (ground.core(p), 0),
        };
        let (acked, consumer) = broker.take_partition(p, after).await?;
        if let Some(a) = acked {
            let (b, before) = match &a {
                AckedUpTo::Through(b) => (b, 0),
                AckedUpTo::Before(b) => (b, 1),
            };
            let seq = Record::decode(b)
                .map(|r| r.seq().saturating_sub(before))
                .with_context(|| format!("bad record at partition {p}'s ack floor"))?;
            core.resume_partition_after(p, seq);
        }
        let resume = core.silent_until();
        if resume > core.last_seq() {
            eprintln!(
                "worker {who}: partition {p}: taking over after record {resume}: {} the stream silently up to it",
                if after > 0 {
                    "judging the records after its snapshot from"
                } else {
                    "rebuilding its engine from"
                }
            );
        }
        Ok(Judge {
            who: who.to_string(),
            p,
            caught_up: resume <= core.last_seq(),
            core,
            consumer,
            held: None,
            to_ack: Vec::new(),
            owned: Vec::new(),
            resume,
            started: Instant::now(),
            snapshots: ground.snapshots.clone().map(|s| (s, ground.snapshot_every)),
            judged_seq: after,
            snapped_seq: after,
            snapped_at: Instant::now(),
            broker: broker.clone(),
            last_delivery: 0,
            drop_every: ground.drop_fetched_every,
            lose_first: ground.lose_first,
            vanish_after: if ground.vanished.borrow_mut().insert(p) {
                ground.vanish_after
            } else {
                0
            },
            since_drop: 0,
            lost: false,
        })
    }

    /// Deliveries of this partition never reached this worker (its pull
    /// stream failed and was dropped with what it had fetched; they would
    /// come back only after the ack wait, behind later records, and be
    /// taken for records judged already): stores what was judged, then
    /// takes the partition again from the record after the last judged,
    /// so that every record is judged, in order.
    async fn take_again(&mut self, publisher: &mut Publisher, why: &str) -> Result<()> {
        self.settle(publisher).await?;
        eprintln!(
            "worker {}: partition {}: {why}; taking the partition again after stream sequence {}",
            self.who, self.p, self.judged_seq
        );
        match self
            .broker
            .retake_partition(&self.consumer, self.judged_seq)
            .await?
        {
            Some(consumer) => self.consumer = consumer,
            None => {
                eprintln!(
                    "worker {}: partition {}: taken over by another worker meanwhile: no more records of it here",
                    self.who, self.p
                );
                self.lost = true;
            }
        }
        self.held = None;
        self.last_delivery = 0;
        Ok(())
    }

    /// Judges what the broker has delivered already, until `deadline` or
    /// until nothing is waiting (then settles); never waits for the broker.
    async fn work(&mut self, publisher: &mut Publisher, deadline: Instant) -> Result<Worked> {
        let mut n: u32 = 0;
        loop {
            if self.lost {
                return Ok(Worked::Idle);
            }
            if n % CLOCK_EVERY == CLOCK_EVERY - 1 && Instant::now() >= deadline {
                return Ok(Worked::Busy);
            }
            if self.consumer.was_dropped() {
                self.take_again(
                    publisher,
                    "its pull stream was dropped with what it had fetched",
                )
                .await?;
                if self.lost {
                    return Ok(Worked::Idle);
                }
            }
            let d = match self.held.take() {
                Some(d) => d,
                None => match self.consumer.next().now_or_never() {
                    Some(d) => d?,
                    None => {
                        self.settle(publisher).await?;
                        self.snapshot(false).await;
                        return Ok(if n > 0 {
                            Worked::Busy
                        } else if self.core.ended() {
                            Worked::Ended
                        } else {
                            Worked::Idle
                        });
                    }
                },
            };
            if self.lose_first > 0 {
                // Lost on the way (a test): never judged, never acknowledged.
                self.lose_first -= 1;
                continue;
            }
            let delivery = d.consumer_sequence();
            // Also before the first delivery: deliveries lost at the start
            // (a connection lost while the first fetch was on its way, as
            // when a node of the cluster dies) would come back only after
            // the ack wait, behind later records, and be skipped as judged.
            if delivery > self.last_delivery + 1 {
                let why = format!(
                    "deliveries {} to {} never reached this worker",
                    self.last_delivery + 1,
                    delivery - 1
                );
                self.take_again(publisher, &why).await?;
                continue;
            }
            self.last_delivery = self.last_delivery.max(delivery);
            if self.drop_every > 0 {
                self.since_drop += 1;
                if self.since_drop >= self.drop_every {
                    self.since_drop = 0;
                    self.consumer.drop_fetched();
                }
            }
            if self.vanish_after > 0 {
                self.vanish_after -= 1;
                if self.vanish_after == 0 {
                    // A test: the consumer is gone, as with a node of the
                    // cluster lost with its listing; this record and what
                    // was fetched with it are dropped, so that the
                    // partition is taken again, and found gone.
                    self.broker
                        .delete_partition_consumer(&self.consumer)
                        .await
                        .with_context(|| format!("deleting partition {}'s consumer", self.p))?;
                    self.consumer.drop_fetched();
                    continue;
                }
            }
            n += 1;
            self.judged_seq = self.judged_seq.max(d.stream_sequence());
            // An older record delivered again (its acknowledgement was
            // late) is skipped by the core: only its acknowledgement is owed.
            self.core
                .on_record(d.payload(), &mut self.owned)
                .with_context(|| format!("bad record on partition {}", self.p))?;
            for mut o in self.owned.drain(..) {
                // The API numbers events as it stores them.
                o.event.id = 0;
                let json = Bytes::from(o.event.to_json());
                publisher.event(o.event.body.kind(), &o.key, json).await?;
            }
            self.to_ack.push(d);
            if self.to_ack.len() >= 2048 {
                self.settle(publisher).await?;
                self.snapshot(false).await;
            }
            if !self.caught_up && self.core.last_seq() >= self.resume {
                self.caught_up = true;
                eprintln!(
                    "worker {}: partition {}: caught up with its predecessor (record {}) {:.2} s after taking it over",
                    self.who,
                    self.p,
                    self.resume,
                    self.started.elapsed().as_secs_f64()
                );
            }
        }
    }

    /// Waits for the partition's next delivery and holds it for
    /// [`Judge::work`] (cancel-safe: the consumer keeps what it fetched).
    async fn wait(&mut self) -> Result<()> {
        if self.lost {
            // Nothing comes: the membership retires this judge.
            return std::future::pending().await;
        }
        if self.consumer.was_dropped() {
            // Taken again by [`Judge::work`] before anything else.
            return Ok(());
        }
        if self.held.is_none() {
            self.held = Some(self.consumer.next().await?);
        }
        Ok(())
    }

    /// Stores the events published so far, then acknowledges the records
    /// that made them: a record is acknowledged only once its events are
    /// durable.
    async fn settle(&mut self, publisher: &mut Publisher) -> Result<()> {
        publisher.flush().await?;
        for d in self.to_ack.drain(..) {
            d.ack().await?;
        }
        Ok(())
    }

    /// Keeps a snapshot of the engine when the time between two has passed
    /// (or `now`, at a hand-over) and records were judged since the last.
    /// Called only right after [`Judge::settle`]: the events of every
    /// record the snapshot covers are stored, so a successor that restores
    /// it and judges on from the next record loses nothing. A snapshot
    /// that fails is said and skipped (its successor replays more).
    async fn snapshot(&mut self, now: bool) {
        let Some((store, every)) = &self.snapshots else {
            return;
        };
        // A judge whose partition was taken over must not replace its
        // new owner's snapshot with an older one.
        // Nor while a pass is worked out apart (`pass_lag_s`): taken at a
        // later settle, once its findings are told.
        if self.lost
            || self.judged_seq <= self.snapped_seq
            || (!now && self.snapped_at.elapsed() < *every)
            || !self.core.can_snapshot()
        {
            return;
        }
        let t0 = Instant::now();
        let bytes = self.core.snapshot();
        let took = t0.elapsed();
        match store.put(self.p, self.judged_seq, &bytes).await {
            Ok(()) => {
                self.snapped_seq = self.judged_seq;
                if now {
                    eprintln!(
                        "worker {}: partition {}: snapshot at record {} ({} bytes, {:.3} s to take, {:.3} s to store)",
                        self.who,
                        self.p,
                        self.core.last_seq(),
                        bytes.len(),
                        took.as_secs_f64(),
                        (t0.elapsed() - took).as_secs_f64()
                    );
                }
            }
            Err(e) => eprintln!(
                "worker {}: partition {}: snapshot not stored ({e}): a successor would judge more of the stream again",
                self.who, self.p
            ),
        }
        self.snapped_at = Instant::now();
    }
}

/// Runs the judges by turns (each for at most [`SLICE`] while others have
/// records) until `deadline` (none: for ever), a signal (when `stop` is
/// given), or, with `at_end`, the end record judged by every judge; waits
/// for the broker only when no judge has anything.
async fn run_judges(
    judges: &mut BTreeMap<Partition, Judge>,
    publisher: &mut Publisher,
    deadline: Option<Instant>,
    mut stop: Option<&mut Stop>,
    at_end: bool,
) -> Result<Pause> {
    loop {
        if let Some(s) = stop.as_deref_mut().and_then(Stop::came) {
            return Ok(Pause::Stop(s));
        }
        let now = Instant::now();
        if deadline.is_some_and(|d| now >= d) {
            return Ok(Pause::Due);
        }
        let slice = deadline.map_or(now + SLICE, |d| d.min(now + SLICE));
        let (mut busy, mut ended) = (false, !judges.is_empty());
        for j in judges.values_mut() {
            match j.work(publisher, slice).await? {
                Worked::Busy => (busy, ended) = (true, false),
                Worked::Idle => ended = false,
                Worked::Ended => {}
            }
        }
        if busy {
            // Let the lease renewals run (one thread for every task).
            tokio::task::yield_now().await;
            continue;
        }
        if ended && at_end {
            return Ok(Pause::Ended);
        }
        let until = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d.into()).await,
                None => std::future::pending().await,
            }
        };
        let signalled = async {
            match stop.as_deref_mut() {
                Some(s) => s.wait().await,
                None => std::future::pending().await,
            }
        };
        let any = async {
            if judges.is_empty() {
                std::future::pending::<Result<()>>().await
            } else {
                futures::future::select_all(judges.values_mut().map(|j| Box::pin(j.wait())))
                    .await
                    .0
            }
        };
        // The deadline first: a worker woken from a stall goes to renew
        // its leases before it reads on.
        tokio::select! {
            biased;
            _ = until => return Ok(Pause::Due),
            s = signalled => return Ok(Pause::Stop(s)),
            r = any => r?,
        }
    }
}

fn default_worker_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default();
    let host: String = host
        .trim()
        .chars()
        .map(|c| if member_id_char(c) { c } else { '-' })
        .take(40)
        .collect();
    let host = if host.is_empty() {
        "worker".into()
    } else {
        host
    };
    format!("{host}-{}", std::process::id())
}

fn list(ps: impl IntoIterator<Item = Partition>) -> String {
    let v: Vec<String> = ps.into_iter().map(|p| p.to_string()).collect();
    format!("[{}]", v.join(" "))
}

/// An elastic worker's membership: its id, its leases, what it saw last.
struct Membership {
    id: String,
    members: Members,
    partitions: Partition,
    /// The leases held, renewed by [`renew_forever`] on its own task.
    held: Held,
    /// Leases whose renewal failed, since the last turn.
    lost: Lost,
    live: Vec<String>,
    /// Each partition's lease holder when last looked at.
    holders: BTreeMap<Partition, String>,
    /// `--test-stale-loss-after-s`: when, if still to come.
    stale_loss_at: Option<Instant>,
}

/// The leases a worker holds, shared with the task that renews them.
type Held = std::sync::Arc<tokio::sync::Mutex<BTreeMap<Partition, Lease>>>;
/// Partitions whose lease renewal failed, for the next turn.
type Lost = std::sync::Arc<std::sync::Mutex<BTreeSet<Partition>>>;

/// Says the worker is alive and renews its leases every `period`, on a
/// task of its own: a turn that waits (partitions being taken over while a
/// cluster elects leaders can take many seconds) must not let the member
/// key or the leases expire. A lease whose renewal fails is given up at
/// once (released if still ours) and put in `lost` for the next turn.
/// It stops between rounds when `stop` is sent (or dropped), never inside
/// one: a renewal the broker took but whose new revision was not yet
/// written down would make the lease impossible to release.
async fn renew_forever(
    members: Members,
    id: String,
    held: Held,
    lost: Lost,
    period: Duration,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = &mut stop => return,
        }
        if let Err(e) = members.heartbeat(&id).await {
            eprintln!("worker {id}: heartbeat: {e}");
        }
        let mut h = held.lock().await;
        let mut failed = Vec::new();
        let mut why = None;
        for (p, lease) in h.iter_mut() {
            if let Err(e) = members.renew(lease, &id).await {
                why.get_or_insert(e);
                failed.push(*p);
            }
        }
        if let Some(e) = why {
            eprintln!(
                "worker {id}: leases of partitions {} lost (the first: {e}): no more events of them",
                list(failed.iter().copied())
            );
        }
        for p in failed {
            if let Some(l) = h.remove(&p) {
                // Free it early if it is still ours at the broker.
                let _ = members.release(l).await;
            }
            lost.lock().unwrap_or_else(|e| e.into_inner()).insert(p);
        }
    }
}

/// What one turn of the membership changed.
#[derive(Default)]
struct Turn {
    /// Leases whose renewal failed: never reported again.
    lost: BTreeSet<Partition>,
    /// Leases to give up (no longer this worker's by the assignment).
    release: BTreeSet<Partition>,
    /// The partitions this worker should own and does not hold yet.
    missing: BTreeSet<Partition>,
}

impl Membership {
    /// Whether it holds partition `p`'s lease.
    async fn holds(&self, p: Partition) -> bool {
        self.held.lock().await.contains_key(&p)
    }

    /// The partitions whose lease it holds.
    async fn held_partitions(&self) -> BTreeSet<Partition> {
        self.held.lock().await.keys().copied().collect()
    }

    /// The leases lost since the last turn, and a look at the live
    /// members: what changed.
    async fn turn(&mut self) -> Turn {
        let mut t = Turn {
            lost: std::mem::take(&mut *self.lost.lock().unwrap_or_else(|e| e.into_inner())),
            ..Turn::default()
        };
        if self.stale_loss_at.is_some_and(|at| Instant::now() >= at) {
            // A test: every renewal fails now, after this turn looked for
            // losses (as while it waits on the listing during an
            // election): the loss is reported next turn.
            self.stale_loss_at = None;
            let gone = std::mem::take(&mut *self.held.lock().await);
            eprintln!(
                "worker {}: (test) leases of partitions {} lost behind this turn",
                self.id,
                list(gone.keys().copied())
            );
            for (p, l) in gone {
                let _ = self.members.release(l).await;
                self.lost
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(p);
            }
        }
        match self.members.live().await {
            Ok(mut live) => {
                // Alive by definition, whatever a heartbeat that failed says.
                if !live.contains(&self.id) {
                    live.push(self.id.clone());
                    live.sort();
                }
                if live != self.live {
                    eprintln!("worker {}: members [{}]", self.id, live.join(" "));
                    self.live = live;
                }
            }
            Err(e) => eprintln!("worker {}: members: {e}", self.id),
        }
        let want: BTreeSet<Partition> = Assignment::new(&self.live, self.partitions)
            .of(&self.id)
            .into_iter()
            .collect();
        let held = self.held_partitions().await;
        t.release = held.difference(&want).copied().collect();
        t.missing = want.difference(&held).copied().collect();
        if t.missing.is_empty() {
            // Who holds what, to say where partitions come from later
            // (`acquire` looks again itself).
            self.look_at_holders().await;
        }
        t
    }

    async fn look_at_holders(&mut self) {
        match self.members.holders().await {
            Ok(h) => self.holders = h,
            Err(e) => eprintln!("worker {}: leases: {e}", self.id),
        }
    }

    /// Gives up these leases (after their records were settled).
    async fn release(&mut self, ps: &BTreeSet<Partition>) {
        let mut held = self.held.lock().await;
        for p in ps {
            if let Some(l) = held.remove(p) {
                if let Err(e) = self.members.release(l).await {
                    eprintln!("worker {}: releasing partition {p}: {e}", self.id);
                }
            }
        }
        if !ps.is_empty() {
            eprintln!(
                "worker {}: released partitions {} to their new owners",
                self.id,
                list(ps.iter().copied())
            );
        }
    }

    /// Tries to take the leases of `missing` (each free only once its
    /// previous holder released it or its lease expired): those taken.
    async fn acquire(&mut self, missing: &BTreeSet<Partition>) -> Vec<Partition> {
        let before = std::mem::take(&mut self.holders);
        let mut took = Vec::new();
        for &p in missing {
            match self.members.acquire(p, &self.id).await {
                Ok(Some((l, found))) => {
                    self.held.lock().await.insert(p, l);
                    took.push((p, found));
                }
                Ok(None) => {}
                Err(e) => eprintln!("worker {}: lease of partition {p}: {e}", self.id),
            }
        }
        self.look_at_holders().await;
        if !took.is_empty() {
            let mut from: BTreeMap<String, Vec<Partition>> = BTreeMap::new();
            for &(p, found) in &took {
                let why = match (before.get(&p), found) {
                    (Some(h), Found::Released) => format!("{h} (released)"),
                    (Some(h), Found::Free) => format!("{h} (lease expired)"),
                    (None, Found::Released) => "a holder that released it".to_string(),
                    (None, Found::Free) => "nobody (free)".to_string(),
                };
                from.entry(why).or_default().push(p);
            }
            let from: Vec<String> = from
                .into_iter()
                .map(|(who, ps)| format!("{} over from {who}", list(ps)))
                .collect();
            eprintln!("worker {}: took {}", self.id, from.join(", "));
        }
        took.into_iter().map(|(p, _)| p).collect()
    }
}

/// Ends a judge's work: its records of `lost` partitions left
/// unacknowledged, the rest settled (events stored, records acknowledged),
/// its counters added to `total`.
async fn retire(
    mut j: Judge,
    lost: &BTreeSet<Partition>,
    publisher: &mut Publisher,
    total: &mut WorkerStats,
) -> Result<()> {
    if lost.contains(&j.p) {
        // Not ours any more: nothing acknowledged, no snapshot.
        j.to_ack.clear();
        j.settle(publisher).await?;
    } else {
        j.settle(publisher).await?;
        j.snapshot(true).await;
    }
    total.merge(j.core.stats());
    Ok(())
}

/// Elastic membership: joins, judges exactly the partitions whose lease it
/// holds, follows the live members, leaves on SIGTERM or SIGINT.
fn run_elastic(args: &WorkerArgs, cfg: Config, grid: Grid) -> Result<()> {
    if !args.lease_s.is_finite() || args.lease_s < 2.0 {
        bail!(
            "--lease-s {} is too short: a lease is renewed every third of it, and a renewal a little late must not lose it (2 s at least; 10 by default)",
            args.lease_s
        );
    }
    let id = args.worker_id.clone().unwrap_or_else(default_worker_id);
    if !valid_member_id(&id) {
        bail!("--worker-id {id:?}: 1 to 64 letters, digits, '-' or '_' (it names a key in the broker)");
    }
    let ttl = Duration::from_secs_f64(args.lease_s);
    let period = ttl / 3;
    let mut ground = Ground {
        cfg,
        geo: load_geography(&args.geo)?,
        grid,
        threads: args.threads.max(1),
        snapshots: None,
        snapshot_every: Duration::from_secs_f64(args.snapshot_s),
        drop_fetched_every: args.test_drop_fetched_every,
        lose_first: args.test_lose_first,
        vanish_after: args.test_vanish_after,
        vanished: Default::default(),
    };
    let started = Instant::now();
    let rt = current_thread()?;
    let total = rt.block_on(async {
        let mut stop = Stop::new()?;
        let mut bc = args.part.broker_config();
        bc.lease_ttl = ttl;
        let broker = args.part.connect_with(bc).await?;
        ground.snapshots = ground.open_snapshots(&broker).await?;
        let members = broker.members().await?;
        members.join(&id).await?;
        eprintln!(
            "worker {id}: joined (lease {:.1} s, renewed every {:.1} s); stop with SIGINT or SIGTERM",
            ttl.as_secs_f64(),
            period.as_secs_f64()
        );
        let mut m = Membership {
            id: id.clone(),
            members,
            partitions: grid.partitions(),
            held: Held::default(),
            lost: Lost::default(),
            live: Vec::new(),
            holders: BTreeMap::new(),
            stale_loss_at: (args.test_stale_loss_after_s > 0.0)
                .then(|| started + Duration::from_secs_f64(args.test_stale_loss_after_s)),
        };
        let (stop_renewing, renewing_stop) = tokio::sync::oneshot::channel();
        let renewer = tokio::spawn(renew_forever(
            m.members.clone(),
            id.clone(),
            m.held.clone(),
            m.lost.clone(),
            period,
            renewing_stop,
        ));
        let mut publisher = broker.publisher();
        let mut judges: BTreeMap<Partition, Judge> = BTreeMap::new();
        let mut total = WorkerStats::default();
        // Partitions held without a judge yet (opened a few per turn).
        let mut opening: BTreeSet<Partition> = BTreeSet::new();
        let why = loop {
            let started = Instant::now();
            let next = started + period;
            let t = m.turn().await;
            for p in t.lost.iter().chain(&t.release) {
                opening.remove(p);
            }
            // Stop judging what is lost or given up: settle what was
            // judged (never acknowledging a lost partition's records),
            // then give up.
            if !t.lost.is_empty() || !t.release.is_empty() {
                for p in t.lost.iter().chain(&t.release) {
                    if let Some(j) = judges.remove(p) {
                        retire(j, &t.lost, &mut publisher, &mut total).await?;
                    }
                }
                broker.flush().await?;
                m.release(&t.release).await;
            }
            // A judge whose consumer vanished (its listing lost with a
            // node of the cluster) while this worker still holds the
            // partition's lease: nobody took it over, so it is taken over
            // again here, from what was stored (a judge left waiting would
            // never judge the partition again, and the replay never end).
            for p in orphaned(&judges) {
                if !m.holds(p).await {
                    continue;
                }
                if let Some(j) = judges.remove(&p) {
                    retire(j, &BTreeSet::from([p]), &mut publisher, &mut total).await?;
                }
                eprintln!(
                    "worker {id}: partition {p}: its consumer is gone but its lease is this worker's: taking it over again from what was stored"
                );
                opening.insert(p);
            }
            // Each partition is judged as soon as its lease is here; the
            // others judge on. Opening one (its consumer made, its snapshot
            // read: slower on a replicated cluster, much slower while it
            // elects leaders) takes time, and a turn must not outlast the
            // leases: past half a period the rest wait for the next turn,
            // their leases renewed meanwhile.
            if !t.missing.is_empty() {
                opening.extend(m.acquire(&t.missing).await);
            }
            // Every lease held has a judge or is being opened. During an
            // election the renewals can fail while a turn waits on the
            // members' listing: that turn finds the leases missing and
            // takes them again (their old judges still there, so none is
            // opened), and only the next turn reports them lost and retires
            // those judges, leaving leases held without a judge; nobody
            // would ever judge those partitions again, and a replay would
            // end without them (seen once in the three-node failover test:
            // 12 partitions, 124 events).
            let unjudged: Vec<Partition> = m
                .held_partitions()
                .await
                .into_iter()
                .filter(|p| !judges.contains_key(p) && !opening.contains(p))
                .collect();
            if !unjudged.is_empty() {
                eprintln!(
                    "worker {id}: partitions {} held without a judge: opening them",
                    list(unjudged.iter().copied())
                );
                opening.extend(unjudged);
            }
            let mut opened = false;
            while let Some(p) = opening.pop_first() {
                if !m.holds(p).await || judges.contains_key(&p) {
                    continue;
                }
                judges.insert(p, Judge::open(&broker, &id, &ground, p).await?);
                opened = true;
                if started.elapsed() >= period / 2 {
                    break;
                }
            }
            if opened {
                eprintln!(
                    "worker {id}: members [{}]; owns partitions {}{}",
                    m.live.join(" "),
                    list(judges.keys().copied()),
                    if opening.is_empty() {
                        String::new()
                    } else {
                        format!(" (and {} next turn)", list(opening.iter().copied()))
                    }
                );
            }
            // The judges get a quarter period at least, however long the
            // turn took (renewals then come within 1.25 periods of each
            // other even when a turn takes a whole one).
            let next = next.max(Instant::now() + period / 4);
            match run_judges(
                &mut judges,
                &mut publisher,
                Some(next),
                Some(&mut stop),
                args.exit_at_end && opening.is_empty(),
            )
            .await?
            {
                Pause::Due => {}
                Pause::Stop(s) => break s,
                Pause::Ended => break "the end of the replay",
            }
        };
        eprintln!("worker {id}: {why}: settling, releasing its leases, leaving");
        for j in std::mem::take(&mut judges).into_values() {
            retire(j, &BTreeSet::new(), &mut publisher, &mut total).await?;
        }
        broker.flush().await?;
        // The renewals stop after the round in flight, if any: the leases'
        // revisions are then the broker's, and each release takes. A round
        // held up longer than a period (a node of the cluster lost) is cut
        // short: leaving must not wait on it, and a lease not released
        // expires.
        let _ = stop_renewing.send(());
        let mut renewer = renewer;
        match tokio::time::timeout(period, &mut renewer).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("worker {id}: lease renewals: {e}"),
            Err(_) => {
                eprintln!(
                    "worker {id}: a lease renewal still in flight after {:.1} s: stopped; a lease it held up may stay until it expires",
                    period.as_secs_f64()
                );
                renewer.abort();
            }
        }
        let all = m.held_partitions().await;
        m.release(&all).await;
        if let Err(e) = m.members.leave(&id).await {
            eprintln!("worker {id}: leaving: {e}");
        }
        broker.flush().await?;
        anyhow::Ok((total, publisher.republished()))
    })?;
    eprintln!(
        "worker {id}: left; {}; {:.2} s",
        said(&total.0, total.1),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

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
//!   left or died; a lease lost) settles what was judged, gives up what is
//!   no longer its own, and starts its engine again on its new set.
//!
//! Either way a set of partitions is judged by one [`Judge`]: each
//! partition's consumer taken over from the stream's start, the engine
//! rebuilt silently up to what the partition's previous owner stored.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use finisterra_broker::{Broker, Delivery, Found, Lease, Members, PartitionConsumer, Publisher};
use finisterra_cluster::{
    member_id_char, valid_member_id, Assignment, Grid, Merge, Owned, Partition, Record, WorkerCore,
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
    /// Threads of each screening pass (as `scan --threads`; default 1: a
    /// machine usually runs several workers).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub threads: usize,
    /// Geography to judge against (as `scan`).
    #[command(flatten)]
    pub geo: GeoArgs,
}

/// Runs `worker`.
pub fn run_worker(args: &WorkerArgs) -> Result<()> {
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
}

impl Ground {
    fn core(&self, mine: &[Partition]) -> WorkerCore {
        let mut core = WorkerCore::new(self.cfg, self.geo.clone(), self.grid, mine);
        core.set_threads(self.threads);
        core
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
    let ground = Ground {
        cfg,
        geo: load_geography(&args.geo)?,
        grid,
        threads: args.threads.max(1),
    };
    let who = i.to_string();
    let started = Instant::now();
    let rt = current_thread()?;
    let stats = rt.block_on(async {
        let broker = args.part.connect().await?;
        let mut publisher = broker.publisher();
        let mut judge = Judge::open(&broker, &who, ground.core(&mine), mine.clone()).await?;
        loop {
            if let Pause::Ended = judge.run(&mut publisher, None, None).await? {
                if args.exit_at_end {
                    judge.settle(&mut publisher).await?;
                    break;
                }
            }
        }
        anyhow::Ok((judge.core.stats().clone(), publisher.republished()))
    })?;
    eprintln!(
        "worker {i}/{n}: partitions {mine:?}; {}; {:.2} s",
        said(&stats.0, stats.1),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// A worker's counters in words (the suites read "N owned and published"),
/// with the publishes sent again after a failed acknowledgement.
fn said(st: &WorkerStats, republished: u64) -> String {
    format!(
        "{} records judged ({} duplicates skipped), {} events judged, {} owned and published ({} already stored by the previous owner); {} publishes sent again after a failed acknowledgement",
        st.records, st.duplicates, st.events_judged, st.events_owned, st.events_replayed, republished
    )
}

/// Why [`Judge::run`] returned.
enum Pause {
    /// The deadline passed (the membership's turn).
    Due,
    /// The end record was judged.
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

/// The engine on one set of partitions: each partition's consumer taken
/// over from the stream's start, the records merged into ingest's order,
/// judged, the events owned published, and the records acknowledged once
/// those events are stored.
struct Judge {
    who: String,
    mine: Vec<Partition>,
    core: WorkerCore,
    consumers: Vec<PartitionConsumer>,
    merge: Merge<Delivery>,
    to_ack: Vec<Delivery>,
    owned: Vec<Owned>,
    /// The last record whose events the previous owners had all stored.
    resume: u64,
    caught_up: bool,
    started: Instant,
}

impl Judge {
    /// Takes the partitions over: each is judged again from the first
    /// record the stream keeps; the events of the records its previous
    /// owner acknowledged are stored already and are not reported again
    /// (each partition as far as its own previous owner got).
    async fn open(
        broker: &Broker,
        who: &str,
        mut core: WorkerCore,
        mine: Vec<Partition>,
    ) -> Result<Judge> {
        let mut consumers = Vec::with_capacity(mine.len());
        for &p in &mine {
            let (acked, c) = broker.take_partition(p).await?;
            if let Some(b) = acked {
                let seq = Record::decode(&b)
                    .map(|r| r.seq())
                    .with_context(|| format!("bad record at partition {p}'s ack floor"))?;
                core.resume_partition_after(p, seq);
            }
            consumers.push(c);
        }
        let resume = core.silent_until();
        if resume > 0 {
            eprintln!(
                "worker {who}: taking over after record {resume}: rebuilding the engine from the stream"
            );
        }
        Ok(Judge {
            who: who.to_string(),
            merge: Merge::new(&mine),
            mine,
            core,
            consumers,
            to_ack: Vec::new(),
            owned: Vec::new(),
            resume,
            caught_up: resume == 0,
            started: Instant::now(),
        })
    }

    /// Judges until `deadline` passes, the end record, or a signal (when
    /// `stop` is given), whichever first; checked between records.
    async fn run(
        &mut self,
        publisher: &mut Publisher,
        deadline: Option<Instant>,
        mut stop: Option<&mut Stop>,
    ) -> Result<Pause> {
        let due = |d: Option<Instant>| d.is_some_and(|d| Instant::now() >= d);
        loop {
            if let Some(s) = stop.as_deref_mut().and_then(Stop::came) {
                return Ok(Pause::Stop(s));
            }
            if due(deadline) {
                return Ok(Pause::Due);
            }
            // Fill every empty partition: what is already here first; wait
            // only after storing and acknowledging what was judged.
            let empty: Vec<Partition> = self.merge.empty().collect();
            for p in empty {
                let i = self.mine.iter().position(|&m| m == p).unwrap_or(0);
                let d = match self.consumers[i].next().now_or_never() {
                    Some(d) => d?,
                    None => {
                        self.settle(publisher).await?;
                        let next = self.consumers[i].next();
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
                        // The deadline first: a worker woken from a stall
                        // goes to renew its leases before it reads on.
                        tokio::select! {
                            biased;
                            _ = until => return Ok(Pause::Due),
                            s = signalled => return Ok(Pause::Stop(s)),
                            d = next => d?,
                        }
                    }
                };
                let seq = Record::decode(d.payload())
                    .map(|r| r.seq())
                    .with_context(|| format!("bad record on partition {p}"))?;
                // A late redelivery: only its acknowledgement is owed.
                if let Some(stale) = self.merge.push(p, seq, d) {
                    self.to_ack.push(stale);
                }
            }
            while let Some((_, copies)) = self.merge.pop() {
                if let Some(first) = copies.first() {
                    self.core.on_record(first.payload(), &mut self.owned)?;
                }
                for mut o in self.owned.drain(..) {
                    // The API numbers events as it stores them.
                    o.event.id = 0;
                    let json = Bytes::from(o.event.to_json());
                    publisher.event(o.event.body.kind(), &o.key, json).await?;
                }
                self.to_ack.extend(copies);
                if self.to_ack.len() >= 2048 {
                    self.settle(publisher).await?;
                }
                if due(deadline) {
                    break;
                }
            }
            if !self.caught_up && self.core.last_seq() >= self.resume {
                self.caught_up = true;
                eprintln!(
                    "worker {}: caught up with its predecessors (record {}) {:.2} s after start",
                    self.who,
                    self.resume,
                    self.started.elapsed().as_secs_f64()
                );
            }
            if self.core.ended() {
                return Ok(Pause::Ended);
            }
        }
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

    /// Partitions whose lease is lost: their records are not acknowledged
    /// (their new owner's consumer is theirs).
    fn forget(&mut self, lost: &BTreeSet<Partition>) {
        self.to_ack.retain(|d| !lost.contains(&d.partition()));
    }
}

/// The default member id: the host's name and the process id.
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
    held: BTreeMap<Partition, Lease>,
    live: Vec<String>,
    /// Each partition's lease holder when last looked at.
    holders: BTreeMap<Partition, String>,
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
    /// Says it is alive, renews its leases, looks at the live members:
    /// what changed.
    async fn turn(&mut self) -> Turn {
        let mut t = Turn::default();
        if let Err(e) = self.members.heartbeat(&self.id).await {
            eprintln!("worker {}: heartbeat: {e}", self.id);
        }
        let mut why = None;
        for (p, lease) in self.held.iter_mut() {
            if let Err(e) = self.members.renew(lease, &self.id).await {
                why.get_or_insert(e);
                t.lost.insert(*p);
            }
        }
        if let Some(e) = why {
            eprintln!(
                "worker {}: leases of partitions {} lost (the first: {e}): no more events of them",
                self.id,
                list(t.lost.iter().copied())
            );
        }
        for p in &t.lost {
            if let Some(l) = self.held.remove(p) {
                // Free it early if it is still ours at the broker.
                let _ = self.members.release(l).await;
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
        t.release = self
            .held
            .keys()
            .filter(|p| !want.contains(p))
            .copied()
            .collect();
        t.missing = want
            .iter()
            .filter(|p| !self.held.contains_key(p))
            .copied()
            .collect();
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
        for p in ps {
            if let Some(l) = self.held.remove(p) {
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
                    self.held.insert(p, l);
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
    judge: Option<Judge>,
    lost: &BTreeSet<Partition>,
    publisher: &mut Publisher,
    total: &mut WorkerStats,
) -> Result<()> {
    if let Some(mut j) = judge {
        j.forget(lost);
        j.settle(publisher).await?;
        total.merge(j.core.stats());
    }
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
    let ground = Ground {
        cfg,
        geo: load_geography(&args.geo)?,
        grid,
        threads: args.threads.max(1),
    };
    let started = Instant::now();
    let rt = current_thread()?;
    let total = rt.block_on(async {
        let mut stop = Stop::new()?;
        let mut bc = args.part.broker_config();
        bc.lease_ttl = ttl;
        let broker = args.part.connect_with(bc).await?;
        let members = broker.members().await?;
        members.heartbeat(&id).await?;
        eprintln!(
            "worker {id}: joined (lease {:.1} s, renewed every {:.1} s); stop with SIGINT or SIGTERM",
            ttl.as_secs_f64(),
            period.as_secs_f64()
        );
        let mut m = Membership {
            id: id.clone(),
            members,
            partitions: grid.partitions(),
            held: BTreeMap::new(),
            live: Vec::new(),
            holders: BTreeMap::new(),
        };
        let mut publisher = broker.publisher();
        let mut judge: Option<Judge> = None;
        let mut total = WorkerStats::default();
        let mut waiting_since: Option<Instant> = None;
        let why = loop {
            let next = Instant::now() + period;
            let t = m.turn().await;
            // Stop judging what is lost or given up: settle what was
            // judged (never acknowledging a lost partition's records),
            // then give up.
            if !t.lost.is_empty() || !t.release.is_empty() {
                retire(judge.take(), &t.lost, &mut publisher, &mut total).await?;
                broker.flush().await?;
                m.release(&t.release).await;
            }
            if !t.missing.is_empty() {
                let took = m.acquire(&t.missing).await;
                if !took.is_empty() {
                    retire(judge.take(), &BTreeSet::new(), &mut publisher, &mut total).await?;
                    broker.flush().await?;
                }
            }
            // Waiting for partitions others still hold: start on what is
            // held only after a lease time (the others release theirs
            // within a third of it; a dead one's expire within it).
            let all_here = t.missing.iter().all(|p| m.held.contains_key(p));
            if all_here {
                waiting_since = None;
            } else {
                waiting_since.get_or_insert_with(Instant::now);
            }
            let waited_enough = waiting_since.is_none_or(|s| s.elapsed() >= ttl);
            if judge.is_none() && !m.held.is_empty() && waited_enough {
                let mine: Vec<Partition> = m.held.keys().copied().collect();
                eprintln!(
                    "worker {id}: members [{}]; owns partitions {}",
                    m.live.join(" "),
                    list(mine.iter().copied())
                );
                judge = Some(Judge::open(&broker, &id, ground.core(&mine), mine).await?);
            }
            // The judge gets a quarter period at least, however long the
            // turn took (renewals then come within 1.25 periods of each
            // other even when a turn takes a whole one).
            let next = next.max(Instant::now() + period / 4);
            let pause = match judge.as_mut() {
                Some(j) => j.run(&mut publisher, Some(next), Some(&mut stop)).await?,
                None => {
                    tokio::select! {
                        _ = tokio::time::sleep_until(next.into()) => Pause::Due,
                        s = stop.wait() => Pause::Stop(s),
                    }
                }
            };
            match pause {
                Pause::Due => {}
                Pause::Stop(s) => break s,
                Pause::Ended if args.exit_at_end => break "the end of the replay",
                Pause::Ended => {
                    // Nothing more comes: wait for the next turn.
                    tokio::select! {
                        _ = tokio::time::sleep_until(next.into()) => {}
                        s = stop.wait() => break s,
                    }
                }
            }
        };
        eprintln!("worker {id}: {why}: settling, releasing its leases, leaving");
        retire(judge.take(), &BTreeSet::new(), &mut publisher, &mut total).await?;
        broker.flush().await?;
        let all: BTreeSet<Partition> = m.held.keys().copied().collect();
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

//! The census on many machines: `census --nats URL ARCHIVE` splits an
//! archive into day shards (`finisterra_census::shard`) and queues them
//! on NATS JetStream; `census-worker --nats URL` processes take them, judge
//! each day after its precursor days and store the result; the first
//! merges the results in day order and writes the same files as the
//! census on one machine.
//!
//! Only the edges live here: the job's JSON, reading the days, the
//! heartbeats while a shard is judged. What a shard is and how shards
//! merge is the census crate's; the queue is the broker crate's.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use bytes::Bytes;
use finisterra_broker::{Broker, BrokerConfig, CensusQueue};
use finisterra_census::shard::{default_precursor_days, plan_census};
use finisterra_census::{CensusConfig, InputStats, ShardMerge, ShardResult, ShardSpec};
use serde::{Deserialize, Serialize};

use crate::census::{
    make_census, open_tables, threads, write_results, CensusArgs, Planned, Results,
};
use crate::input::Counter;

/// What a failed shard stores instead of a result: this, then the error.
const FAILED: &[u8] = b"FINSHERR";

/// One day shard to judge, as queued.
#[derive(Debug, Serialize, Deserialize)]
struct Job {
    /// The run it belongs to.
    run: String,
    /// The archive directory (the same path on every worker).
    archive: String,
    /// The shard.
    spec: ShardSpec,
    /// The census settings (every shard judges with the same).
    config: CensusConfig,
    /// `--land`.
    land: String,
    /// `--inland-water`.
    inland_water: String,
}

fn broker_config(url: &str, prefix: &str, replicas: usize) -> BrokerConfig {
    let mut c = BrokerConfig::new(url);
    c.prefix = prefix.to_string();
    c.replicas = replicas.max(1);
    c
}

/// A run id: one subject token, new for every run.
fn run_id() -> String {
    let ns = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("r{ns:x}p{}", std::process::id())
}

/// How long a broker that answers with errors is retried before the
/// command gives up (a restart of the broker, a leader election).
const PATIENCE: Duration = Duration::from_secs(600);

/// Runs `attempt` until it succeeds, saying each failure and waiting (from
/// 200 ms, doubling to 10 s) for up to [`PATIENCE`] of failures.
async fn patiently<T, F, Fut>(what: &str, mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, finisterra_broker::BrokerError>>,
{
    let started = Instant::now();
    let mut pause = Duration::from_millis(200);
    loop {
        match attempt().await {
            Ok(v) => return Ok(v),
            Err(e) if started.elapsed() < PATIENCE => {
                eprintln!("census: NATS: {what}: {e}; trying again in {pause:?}");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(10));
            }
            Err(e) => return Err(anyhow::Error::new(e).context(format!("{what}: gave up"))),
        }
    }
}

/// `census --nats`: queue the shards, wait for their results, merge and
/// write.
pub fn coordinate(
    args: &CensusArgs,
    url: &str,
    cfg: CensusConfig,
    inputs: &[Planned],
    dir: &Path,
) -> Result<()> {
    let [input] = inputs else {
        bail!(
            "census --nats judges one archive directory (given {} inputs): build one with `finisterra archive build INPUT... --out DIR`",
            inputs.len()
        );
    };
    let Some(archive) = &input.archive else {
        bail!(
            "census --nats judges an archive directory, and {} is not one: build one with `finisterra archive build {} --out DIR`",
            input.path,
            input.path
        );
    };
    if args.export_positions.is_some() {
        bail!("--export-positions is not available with --nats (run the census on one machine)");
    }
    let path = std::fs::canonicalize(&input.path)
        .with_context(|| format!("cannot resolve {}", input.path))?;
    let precursor = args
        .precursor_days
        .unwrap_or_else(|| default_precursor_days(&cfg));
    let specs = plan_census(
        &archive.days(),
        precursor,
        cfg.detectors,
        !args.spoofing_by_day,
    )?;
    if specs.is_empty() {
        bail!("{}: the archive has no days", input.path);
    }
    // Files are named for the workers as absolute paths (they may run
    // elsewhere, from another directory, on a shared filesystem).
    let shared_path = |spec: &str| -> Result<String> {
        Ok(match spec {
            "world" | "none" => spec.to_string(),
            p => std::fs::canonicalize(p)
                .with_context(|| format!("cannot resolve {p}"))?
                .display()
                .to_string(),
        })
    };
    let land = shared_path(&args.land)?;
    let inland_water = shared_path(&args.inland_water)?;
    let run = run_id();
    let started = Instant::now();
    let tables = open_tables(args, dir)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let merged = rt.block_on(async {
        let broker = Broker::connect(
            broker_config(url, &args.prefix, args.replicas),
            Duration::from_secs(30),
        )
        .await?;
        let queue = broker.census_queue().await?;
        // The whole-archive shard is the longest: queued first, it is
        // judged while the day shards are.
        let order = specs.iter().filter(|s| s.whole).chain(specs.iter().filter(|s| !s.whole));
        for spec in order {
            let job = Job {
                run: run.clone(),
                archive: path.display().to_string(),
                spec: spec.clone(),
                config: cfg,
                land: land.clone(),
                inland_water: inland_water.clone(),
            };
            queue
                .submit(&run, spec.index, Bytes::from(serde_json::to_vec(&job)?))
                .await?;
        }
        if !args.quiet {
            let days = specs.iter().filter(|s| !s.whole).count();
            let whole = if specs.iter().any(|s| s.whole) {
                ", and the spoofing shard over every day (on one worker: --spoofing-by-day judges spoofing in the day shards)"
            } else {
                ""
            };
            eprintln!(
                "census: run {run}: {days} day shards queued ({} precursor day{} each){whole}; waiting for census workers",
                precursor,
                if precursor == 1 { "" } else { "s" }
            );
        }
        let merged = collect(&queue, &run, specs.clone(), args.quiet).await;
        if let Err(e) = queue.delete_results(&run).await {
            eprintln!("census: cannot delete run {run}'s results: {e}");
        }
        merged
    })?;
    let mut tables = tables;
    let mut findings = merged.findings;
    tables.write_all(&mut findings);
    let summary = tables.finish().context("cannot write the findings")?;
    let mut ist = InputStats::default();
    ist.add_archive(&input.path, merged.rows);
    let results = Results {
        cfg: &cfg,
        stats: &merged.stats,
        summary: &summary,
        input: &ist,
    };
    write_results(args, dir, &results, started.elapsed().as_secs_f64())
}

/// Waits for every shard's result and merges them.
async fn collect(
    queue: &CensusQueue,
    run: &str,
    specs: Vec<ShardSpec>,
    quiet: bool,
) -> Result<finisterra_census::Merged> {
    let mut merge = ShardMerge::new(specs);
    let mut said = Instant::now();
    let mut idle_since = Instant::now();
    while merge.done() < merge.total() {
        let stored = patiently("listing the results", || queue.results(run)).await?;
        let mut new = false;
        for i in stored {
            if merge.has(i) {
                continue;
            }
            let Some(blob) = patiently("reading a result", || queue.result(run, i)).await? else {
                continue;
            };
            if let Some(why) = blob.strip_prefix(FAILED) {
                bail!(
                    "census worker failed on shard {i}: {}",
                    String::from_utf8_lossy(why)
                );
            }
            let r = ShardResult::from_bytes(&blob)
                .with_context(|| format!("result of shard {i} of run {run}"))?;
            merge.add(r)?;
            new = true;
        }
        if new {
            idle_since = Instant::now();
        }
        if !quiet && said.elapsed() >= Duration::from_secs(10) {
            said = Instant::now();
            let (waiting, working) = queue.pending().await.unwrap_or((0, 0));
            eprintln!(
                "census: {} of {} shards done; {waiting} waiting for a worker, {working} being judged",
                merge.done(),
                merge.total()
            );
            if working == 0 && idle_since.elapsed() >= Duration::from_secs(30) {
                eprintln!(
                    "census: no census worker is taking shards: start `finisterra census-worker --nats URL` where the archive is readable"
                );
            }
        }
        if merge.done() < merge.total() {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    Ok(merge.finish()?)
}

/// Options of `census-worker`.
#[derive(clap::Args, Debug)]
pub struct CensusWorkerArgs {
    /// NATS server URL, or the URLs of a cluster's nodes separated by
    /// commas.
    #[arg(long, value_name = "URL[,URL...]")]
    pub nats: String,
    /// Subject and stream prefix (as the `census --nats` that queued the
    /// shards).
    #[arg(long, value_name = "NAME", default_value = "fin")]
    pub prefix: String,
    /// Replicas of the work queue and results store when they are
    /// created.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub replicas: usize,
    /// Threads for each shard's census (default: every core).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Stop after this many seconds without a shard to judge (default:
    /// never).
    #[arg(long, value_name = "S")]
    pub idle_exit_s: Option<f64>,
    /// How long to keep retrying an unreachable broker at start, seconds.
    #[arg(long, value_name = "S", default_value_t = 30.0)]
    pub connect_patience_s: f64,
}

/// `census-worker`: takes day shards, one at a time, until stopped.
pub fn run_worker(args: &CensusWorkerArgs) -> Result<()> {
    let threads = threads(args.threads)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    rt.block_on(async {
        let broker = Broker::connect(
            broker_config(&args.nats, &args.prefix, args.replicas),
            Duration::from_secs_f64(args.connect_patience_s.max(0.0)),
        )
        .await?;
        let queue = broker.census_queue().await?;
        let mut jobs = queue.jobs().await?;
        eprintln!(
            "census-worker: waiting for day shards on {} ({threads} threads each)",
            args.nats
        );
        let mut idle_since = Instant::now();
        loop {
            let job = match jobs.next(Duration::from_secs(2)).await {
                Ok(j) => j,
                Err(e) => {
                    // The broker restarting, or electing a leader: the
                    // consumer is made again once it answers.
                    eprintln!("census-worker: NATS: taking a job: {e}; trying again");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    jobs = patiently("the jobs' consumer", || queue.jobs()).await?;
                    continue;
                }
            };
            let Some(job) = job else {
                if args
                    .idle_exit_s
                    .is_some_and(|s| idle_since.elapsed().as_secs_f64() >= s)
                {
                    eprintln!("census-worker: idle for {:?}: stopping", idle_since.elapsed());
                    return Ok(());
                }
                continue;
            };
            let started = Instant::now();
            let parsed: Result<Job> =
                serde_json::from_slice(job.payload()).context("a census job that is not JSON");
            let (run, index, blob) = match parsed {
                Err(e) => {
                    eprintln!("census-worker: {e:#}: dropped");
                    if let Err(e) = job.ack().await {
                        eprintln!("census-worker: acknowledging a dropped job: {e}");
                    }
                    continue;
                }
                Ok(j) => {
                    let (run, index, day) = (j.run.clone(), j.spec.index, j.spec.day.clone());
                    if j.spec.whole {
                        eprintln!(
                            "census-worker: judging shard {index} (spoofing over {} days) of run {run}",
                            j.spec.read_days.len()
                        );
                    } else {
                        eprintln!(
                            "census-worker: judging shard {index} ({day}, after {} precursor day(s)) of run {run}",
                            j.spec.read_days.len() - 1
                        );
                    }
                    let mut work = tokio::task::spawn_blocking(move || judge(&j, threads));
                    let result = loop {
                        tokio::select! {
                            r = &mut work => break r,
                            _ = tokio::time::sleep(Duration::from_secs(5)) => {
                                if let Err(e) = job.progress().await {
                                    eprintln!("census-worker: shard {index}: cannot say it is in progress: {e}");
                                }
                            }
                        }
                    };
                    let blob = match result {
                        Ok(Ok(r)) => {
                            eprintln!(
                                "census-worker: shard {index} ({day}) of run {run}: {} findings, {} rows in {:.1} s{}",
                                r.findings.len(),
                                r.rows,
                                started.elapsed().as_secs_f64(),
                                if job.deliveries() > 1 { " (delivered again)" } else { "" }
                            );
                            r.to_bytes()
                        }
                        Ok(Err(e)) => {
                            eprintln!("census-worker: shard {index} ({day}) of run {run} failed: {e:#}");
                            [FAILED, format!("{e:#}").as_bytes()].concat()
                        }
                        Err(e) => [FAILED, format!("the shard's thread failed: {e}").as_bytes()].concat(),
                    };
                    (run, index, blob)
                }
            };
            patiently("storing a result", || queue.put_result(&run, index, &blob)).await?;
            // Not acknowledged (the broker lost it): the shard is delivered
            // again and judged again, to the same result, which the merge
            // takes once.
            if let Err(e) = job.ack().await {
                eprintln!("census-worker: shard {index} of run {run}: acknowledging: {e}");
            }
            idle_since = Instant::now();
        }
    })
}

/// Judges one shard: its days read from the archive, in order.
fn judge(job: &Job, threads: usize) -> Result<ShardResult> {
    let archive = crate::archive::Archive::open(&PathBuf::from(&job.archive))?;
    let spec = &job.spec;
    let mut census = make_census(
        spec.config(&job.config),
        &job.land,
        &job.inland_water,
        threads,
    )?
    .with_shard(spec.own_from_ms, spec.last);
    census.ids_not_mmsis(&archive.ids_not_mmsis());
    let (rx, handle) = archive.spawn_reader(Some(spec.read_days.clone()), Counter::default());
    let mut found = Vec::new();
    for batch in rx.iter() {
        for (m, t) in &batch {
            census.push(m, *t, &mut found);
        }
    }
    handle
        .join()
        .map_err(|_| anyhow::anyhow!("the reader of {} failed", job.archive))??;
    census.finish(&mut found);
    Ok(ShardResult {
        index: spec.index,
        day: spec.day.clone(),
        findings: found,
        stats: census.shard_stats(),
        vessels: census.shard_vessels(),
        rows: spec
            .read_days
            .iter()
            .filter(|d| spec.owns_day(d))
            .map(|d| archive.rows_of_day(d))
            .sum(),
    })
}

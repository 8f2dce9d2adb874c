//! The detector groups on worker threads: every worker owns some groups
//! and judges each batch of steps with them in order; the caller's thread
//! keeps the picture and collects the findings batch by batch, group by
//! group. Each group sees every step in the order the picture made them and
//! nothing else, so its findings do not depend on the threads.
//!
//! Plain `std::thread` and bounded channels: a pipeline of long-lived,
//! stateful stages, not data-parallel loops (no work to steal), and no
//! dependency to compile.

use std::collections::VecDeque;
use std::sync::mpsc::{channel, sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use crate::detect::{Detect, GroupStats, Step};
use crate::finding::Finding;
use crate::pairs::PairLog;

/// Batches sent and not yet collected, at most (memory stays flat: about
/// this many times `STEP_BATCH` steps).
const IN_FLIGHT: usize = 3;

enum Job {
    Steps(Arc<Vec<Step>>),
    Finish,
}

/// What a worker sends back for one job: per group (index in the census's
/// group order) its findings and counters.
type Done = Vec<(usize, Vec<Finding>, GroupStats, PairLog)>;

struct Worker {
    jobs: SyncSender<Job>,
    done: Receiver<Done>,
    handle: Option<JoinHandle<Vec<(usize, Detect)>>>,
}

/// Worker threads running the detector groups.
pub(crate) struct Pool {
    workers: Vec<Worker>,
    groups: usize,
    in_flight: VecDeque<()>,
    /// What the groups logged for an index, batch by batch in group order.
    log: Box<PairLog>,
}

impl Pool {
    /// Spreads `groups` over `threads` workers (at most one per group;
    /// group `i` goes to worker `i % workers`).
    pub fn new(groups: Vec<Detect>, threads: usize) -> Pool {
        let n = threads.clamp(1, groups.len().max(1));
        let count = groups.len();
        let mut parts: Vec<Vec<(usize, Detect)>> = (0..n).map(|_| Vec::new()).collect();
        for (i, g) in groups.into_iter().enumerate() {
            parts[i % n].push((i, g));
        }
        let workers = parts
            .into_iter()
            .enumerate()
            .map(|(w, mut mine)| {
                let (jobs, job_rx) = sync_channel::<Job>(IN_FLIGHT + 1);
                let (done_tx, done) = channel::<Done>();
                let handle = std::thread::Builder::new()
                    .name(format!("census-detect-{w}"))
                    .spawn(move || {
                        for job in job_rx {
                            let mut res: Done = Vec::with_capacity(mine.len());
                            for (i, g) in mine.iter_mut() {
                                let mut out = Vec::new();
                                match &job {
                                    Job::Steps(s) => g.apply(s, &mut out),
                                    Job::Finish => g.finish(&mut out),
                                }
                                let mut log = PairLog::default();
                                g.drain_pair_log(&mut log);
                                res.push((*i, out, g.stats(), log));
                            }
                            if done_tx.send(res).is_err() || matches!(job, Job::Finish) {
                                break;
                            }
                        }
                        mine
                    })
                    .expect("spawn a census worker thread");
                Worker {
                    jobs,
                    done,
                    handle: Some(handle),
                }
            })
            .collect();
        Pool {
            workers,
            groups: count,
            in_flight: VecDeque::new(),
            log: Box::default(),
        }
    }

    /// Sends a batch of steps to every worker; collects the findings of
    /// the oldest batches while too many are in flight.
    pub fn send(&mut self, steps: Vec<Step>, out: &mut Vec<Finding>, stats: &mut Vec<GroupStats>) {
        let steps = Arc::new(steps);
        for w in 0..self.workers.len() {
            if self.workers[w]
                .jobs
                .send(Job::Steps(steps.clone()))
                .is_err()
            {
                self.failed(w);
            }
        }
        self.in_flight.push_back(());
        while self.in_flight.len() > IN_FLIGHT {
            self.collect(out, stats);
        }
    }

    /// The findings of the oldest batch in flight, in group order.
    fn collect(&mut self, out: &mut Vec<Finding>, stats: &mut Vec<GroupStats>) {
        self.in_flight.pop_front();
        let mut by: Vec<Option<(Vec<Finding>, GroupStats, PairLog)>> =
            (0..self.groups).map(|_| None).collect();
        for w in 0..self.workers.len() {
            match self.workers[w].done.recv() {
                Ok(res) => {
                    for (i, f, s, l) in res {
                        by[i] = Some((f, s, l));
                    }
                }
                Err(_) => self.failed(w),
            }
        }
        stats.resize(self.groups, GroupStats::default());
        for (i, r) in by.into_iter().enumerate() {
            if let Some((mut f, s, mut l)) = r {
                out.append(&mut f);
                stats[i] = s;
                l.drain_into(&mut self.log);
            }
        }
    }

    /// Collects every batch in flight (the groups stay open).
    pub fn drain(&mut self, out: &mut Vec<Finding>, stats: &mut Vec<GroupStats>) {
        while !self.in_flight.is_empty() {
            self.collect(out, stats);
        }
    }

    /// A worker hung up: it panicked; so does the caller, with its message.
    fn failed(&mut self, w: usize) -> ! {
        match self.workers[w].handle.take().map(JoinHandle::join) {
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            _ => panic!("census worker thread {w} stopped"),
        }
    }

    /// Moves what the groups logged for an index so far into `into`.
    pub fn drain_log(&mut self, into: &mut PairLog) {
        self.log.drain_into(into);
    }

    /// Collects every batch in flight, ends every group (its last
    /// findings; what they logged goes to `log`) and hands the groups back
    /// in their order.
    pub fn finish(mut self, out: &mut Vec<Finding>, log: &mut PairLog) -> Vec<Detect> {
        let mut stats = Vec::new();
        while !self.in_flight.is_empty() {
            self.collect(out, &mut stats);
        }
        for w in 0..self.workers.len() {
            if self.workers[w].jobs.send(Job::Finish).is_err() {
                self.failed(w);
            }
        }
        self.in_flight.push_back(());
        self.collect(out, &mut stats);
        self.log.drain_into(log);
        let mut groups: Vec<(usize, Detect)> = Vec::with_capacity(self.groups);
        for w in 0..self.workers.len() {
            match self.workers[w].handle.take().map(JoinHandle::join) {
                Some(Ok(mine)) => groups.extend(mine),
                Some(Err(panic)) => std::panic::resume_unwind(panic),
                None => panic!("census worker thread {w} stopped"),
            }
        }
        groups.sort_by_key(|g| g.0);
        groups.into_iter().map(|g| g.1).collect()
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // Dropping the senders ends the workers' loops; wait for them so
        // that no thread outlives the census.
        for w in &mut self.workers {
            let (dead, _) = sync_channel(0);
            w.jobs = dead;
        }
        for w in &mut self.workers {
            if let Some(h) = w.handle.take() {
                let _ = h.join();
            }
        }
    }
}

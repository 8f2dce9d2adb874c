//! The census's work queue: day shards handed out to any number of
//! `census-worker`s, their results kept until the merge takes them.
//!
//! - Jobs: the stream `<PREFIX>_CENSUS_JOBS` over `<prefix>.census.job.>`
//!   with work-queue retention (a job is gone once acknowledged), one
//!   durable pull consumer `census-workers` shared by every worker (each
//!   job to one worker at a time), jobs published with `Nats-Msg-Id`
//!   `<run>/<index>` (a coordinator that submits again does not double a
//!   job). A worker takes one job at a time, says it is still working
//!   every few seconds ([`CensusJob::progress`]) and acknowledges only
//!   after its result is stored; a worker that dies leaves its job to be
//!   delivered again after [`CENSUS_ACK_WAIT`].
//! - Results: the object store `<PREFIX>_CENSUS`, object `<run>/<index>`
//!   (a result can be larger than a NATS message).
//!
//! Both keep what they hold for [`CENSUS_KEEP`] at most (a week): a run
//! whose coordinator died leaves nothing behind for ever.

use std::collections::BTreeSet;
use std::time::Duration;

use async_nats::jetstream::{self, consumer, stream, AckKind};
use bytes::Bytes;
use futures::StreamExt;

use crate::{patiently, read_object, setup, Broker, BrokerError};

/// A job delivered and neither acknowledged nor reported in progress
/// within this is delivered again (to another worker).
pub const CENSUS_ACK_WAIT: Duration = Duration::from_secs(30);

/// Jobs and results are kept at most this long (the coordinator deletes
/// its results once merged; a run whose coordinator died leaves them).
pub const CENSUS_KEEP: Duration = Duration::from_secs(7 * 86_400);

/// The durable consumer every census worker shares.
const WORKERS: &str = "census-workers";

/// The census's jobs stream and results store (see the module).
#[derive(Clone)]
pub struct CensusQueue {
    js: jetstream::Context,
    stream: stream::Stream,
    store: jetstream::object_store::ObjectStore,
    prefix: String,
    bucket: String,
}

impl std::fmt::Debug for CensusQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CensusQueue")
            .field("bucket", &self.bucket)
            .finish()
    }
}

impl Broker {
    /// The census's work queue and results store (created if needed with
    /// the streams' replicas), retried patiently.
    pub async fn census_queue(&self) -> Result<CensusQueue, BrokerError> {
        let prefix = self.cfg.prefix.clone();
        let name = format!("{}_CENSUS_JOBS", prefix.to_uppercase());
        let bucket = format!("{}_CENSUS", prefix.to_uppercase());
        let stream = patiently(&name, || async {
            self.js
                .get_or_create_stream(stream::Config {
                    name: name.clone(),
                    subjects: vec![format!("{prefix}.census.job.>")],
                    storage: stream::StorageType::File,
                    retention: stream::RetentionPolicy::WorkQueue,
                    // A run whose coordinator died leaves jobs behind: not
                    // for ever.
                    max_age: CENSUS_KEEP,
                    duplicate_window: self.cfg.duplicate_window,
                    num_replicas: self.cfg.replicas,
                    ..Default::default()
                })
                .await
                .map_err(|e| setup(format!("stream {name}"))(e.to_string()))
        })
        .await?;
        let store = self
            .object_store(&bucket, "finisterra: census shard results", CENSUS_KEEP)
            .await?;
        Ok(CensusQueue {
            js: self.js.clone(),
            stream,
            store,
            prefix,
            bucket,
        })
    }
}

fn object(run: &str, index: u32) -> String {
    format!("{run}/{index}")
}

impl CensusQueue {
    /// Queues job `index` of `run` (stored when this returns).
    pub async fn submit(&self, run: &str, index: u32, job: Bytes) -> Result<(), BrokerError> {
        debug_assert!(
            !run.contains(['.', '*', '>', ' ', '/']),
            "a run id is one subject token"
        );
        let subject = format!("{}.census.job.{run}", self.prefix);
        let publish = |reason: String| BrokerError::Publish {
            subject: subject.clone(),
            reason,
        };
        let mut headers = async_nats::HeaderMap::new();
        headers.insert("Nats-Msg-Id", object(run, index).as_str());
        self.js
            .publish_with_headers(subject.clone(), headers, job)
            .await
            .map_err(|e| publish(e.to_string()))?
            .await
            .map_err(|e| publish(e.to_string()))?;
        Ok(())
    }

    /// The workers' shared consumer of the jobs.
    pub async fn jobs(&self) -> Result<CensusJobs, BrokerError> {
        let consumer: consumer::PullConsumer = self
            .stream
            .get_or_create_consumer(
                WORKERS,
                consumer::pull::Config {
                    durable_name: Some(WORKERS.to_string()),
                    ack_policy: consumer::AckPolicy::Explicit,
                    ack_wait: CENSUS_ACK_WAIT,
                    ..Default::default()
                },
            )
            .await
            .map_err(|e| setup(format!("consumer {WORKERS}"))(e.to_string()))?;
        Ok(CensusJobs { consumer })
    }

    /// Jobs queued and not yet acknowledged: (waiting for a worker, being
    /// worked on). `(0, 0)` before any worker made the consumer.
    pub async fn pending(&self) -> Result<(u64, u64), BrokerError> {
        let mut s = self.stream.clone();
        let waiting = s
            .info()
            .await
            .map_err(|e| setup("census jobs")(e.to_string()))?
            .state
            .messages;
        let working = match s.consumer_info(WORKERS).await {
            Ok(i) => i.num_ack_pending as u64,
            Err(_) => 0,
        };
        Ok((waiting.saturating_sub(working), working))
    }

    /// Stores the result of job `index` of `run`.
    pub async fn put_result(&self, run: &str, index: u32, bytes: &[u8]) -> Result<(), BrokerError> {
        let name = object(run, index);
        self.store
            .put(name.as_str(), &mut &bytes[..])
            .await
            .map_err(|e| BrokerError::Publish {
                subject: format!("{}/{name}", self.bucket),
                reason: e.to_string(),
            })?;
        Ok(())
    }

    /// The indices of `run`'s results stored so far.
    pub async fn results(&self, run: &str) -> Result<BTreeSet<u32>, BrokerError> {
        let consume = |e: String| BrokerError::Consume {
            what: self.bucket.clone(),
            reason: e,
        };
        let mut list = self
            .store
            .list()
            .await
            .map_err(|e| consume(e.to_string()))?;
        let mut out = BTreeSet::new();
        let head = format!("{run}/");
        while let Some(info) = list.next().await {
            let info = info.map_err(|e| consume(e.to_string()))?;
            if let Some(i) = info.name.strip_prefix(&head).and_then(|s| s.parse().ok()) {
                out.insert(i);
            }
        }
        Ok(out)
    }

    /// The result of job `index` of `run`, if stored.
    pub async fn result(&self, run: &str, index: u32) -> Result<Option<Vec<u8>>, BrokerError> {
        read_object(&self.store, &self.bucket, &object(run, index)).await
    }

    /// Deletes `run`'s results (after the merge).
    pub async fn delete_results(&self, run: &str) -> Result<(), BrokerError> {
        for i in self.results(run).await? {
            let name = object(run, i);
            self.store
                .delete(name.as_str())
                .await
                .map_err(|e| BrokerError::Consume {
                    what: format!("{}/{name}", self.bucket),
                    reason: e.to_string(),
                })?;
        }
        Ok(())
    }
}

/// The workers' shared consumer of census jobs.
pub struct CensusJobs {
    consumer: consumer::PullConsumer,
}

impl std::fmt::Debug for CensusJobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CensusJobs")
    }
}

impl CensusJobs {
    /// The next job, waiting up to `wait` for one (`None`: none came).
    /// One job at a time: a worker busy with a long shard holds no other.
    pub async fn next(&mut self, wait: Duration) -> Result<Option<CensusJob>, BrokerError> {
        let consume = |e: String| BrokerError::Consume {
            what: WORKERS.to_string(),
            reason: e,
        };
        let mut batch = self
            .consumer
            .batch()
            .max_messages(1)
            .expires(wait.max(Duration::from_millis(100)))
            .messages()
            .await
            .map_err(|e| consume(e.to_string()))?;
        match batch.next().await {
            Some(Ok(msg)) => Ok(Some(CensusJob { msg })),
            Some(Err(e)) => Err(consume(e.to_string())),
            None => Ok(None),
        }
    }
}

/// One census job delivered to this worker.
pub struct CensusJob {
    msg: jetstream::Message,
}

impl std::fmt::Debug for CensusJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CensusJob")
            .field("subject", &self.msg.subject)
            .finish()
    }
}

impl CensusJob {
    /// The job as submitted.
    pub fn payload(&self) -> &[u8] {
        &self.msg.payload
    }

    /// How often it was delivered (more than once: a worker before this
    /// one died or stalled).
    pub fn deliveries(&self) -> u64 {
        self.msg.info().map_or(1, |i| i.delivered as u64)
    }

    /// Still working on it: the ack wait starts again.
    pub async fn progress(&self) -> Result<(), BrokerError> {
        self.msg
            .ack_with(AckKind::Progress)
            .await
            .map_err(|e| BrokerError::Consume {
                what: WORKERS.to_string(),
                reason: e.to_string(),
            })
    }

    /// Done: its result is stored (the job leaves the queue).
    pub async fn ack(&self) -> Result<(), BrokerError> {
        self.msg
            .double_ack()
            .await
            .map_err(|e| BrokerError::Consume {
                what: WORKERS.to_string(),
                reason: e.to_string(),
            })
    }
}

//! `finisterra serve`: live feeds in, the engine on its own thread, events
//! made durable then pushed, an HTTP API with live push, the web map and
//! Prometheus metrics.
//!
//! Only this crate (and the CLI) touch sockets, files and the clock: the
//! engine stays deterministic, fed with data times (or the receive time
//! stamped here when a line carries none).

pub mod air_api;
pub mod api;
pub mod channel;
pub mod clock;
pub mod core;
pub mod history;
pub mod hub;
pub mod limits;
pub mod live;
pub mod metrics;
pub mod model;
pub mod openapi;
pub mod outputs;
pub mod receivers;
pub mod sources;
pub mod store;
pub mod web;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use finisterra_engine::Engine;
use serde_json::Value;

use crate::channel::{CoreTx, Input};
use crate::core::Shared;
pub use crate::limits::Limits;
use crate::sources::SourceSpec;
use crate::store::EventSink;

/// Capacity of the queue into the core thread (lines). A flood beyond it is
/// back-pressure on streams and dropped (and counted) for datagrams.
pub const QUEUE: usize = 65_536;

/// Everything `serve` needs.
pub struct ServeConfig {
    /// The inputs.
    pub sources: Vec<SourceSpec>,
    /// Where the API listens.
    pub http: SocketAddr,
    /// Token for changes (zones, hazards, acknowledgements).
    pub token: Option<String>,
    /// Allowed CORS origin (none: CORS off).
    pub cors: Option<String>,
    /// The zones and hazards documents as loaded (or empty collections).
    pub zones_doc: Value,
    /// Hazards document.
    pub hazards_doc: Value,
    /// How long track points are kept in the store, seconds.
    pub track_retention_s: f64,
    /// Limits that keep the server answering under hostile input.
    pub limits: Limits,
    /// Which time judges a message.
    pub time: clock::TimeMode,
    /// The own ship's MMSI (else the first `VDO` sentence names it).
    pub own_mmsi: Option<u32>,
    /// Where events, vessel updates and NMEA are sent (`--output`).
    pub outputs: Vec<outputs::OutputSpec>,
    /// Where receiving stations are: (name, lat, lon degrees), for their
    /// range statistics.
    pub station_positions: Vec<(String, f64, f64)>,
}

/// A running server (for tests: the bound address and a way to stop).
pub struct Running {
    /// The HTTP address actually bound (port 0 resolved).
    pub http: SocketAddr,
    /// Send `Shutdown` or more input.
    pub tx: CoreTx,
    /// The shared state.
    pub shared: Arc<Shared>,
}

/// Starts everything and returns once listening; the server runs on the
/// current Tokio runtime until the process ends.
pub async fn start(
    cfg: ServeConfig,
    engine: Engine,
    store: Box<dyn EventSink>,
) -> anyhow::Result<Running> {
    let names: Vec<String> = cfg.sources.iter().map(SourceSpec::name).collect();
    let (tx, rx) = std::sync::mpsc::sync_channel::<Input>(QUEUE);
    let run_id = format!("{:x}-{:x}", clock::now_ms(), std::process::id());
    let live = cfg.sources.iter().any(SourceSpec::is_live);
    let mut engine = engine;
    // Event ids continue where the store left off.
    engine.set_next_event_id(store.last_id() + 1);
    // The map draws the coast the engine judges with.
    let land = web::LandLayer::new(engine.geography().land.as_ref());
    // Live feeds: a data time may not run ahead of its receive time.
    engine.set_time_policy(cfg.time.policy(live));
    // The newest data time already in the event log (a data directory
    // reused after a restart): events dated before it are said and counted.
    let log_newest_ms = store
        .query(&finisterra_store::EventQuery {
            limit: 1,
            newest_first: true,
            ..Default::default()
        })
        .ok()
        .and_then(|v| v.first().map(|p| p.time_ms));
    // A reader of the stored tracks, beside the state thread's writer.
    let history = match store.state_store() {
        Ok(h) => h,
        Err(e) => {
            eprintln!("finisterra: stored tracks cannot be read back: {e:#}");
            None
        }
    };
    let shared = Arc::new(Shared {
        engine: Mutex::new(engine),
        hub: hub::Hub::new(),
        run_id,
        recent: Mutex::new(VecDeque::new()),
        metrics: metrics::Metrics::new(&names),
        store: Mutex::new(store),
        source_names: names,
        track_retention_s: cfg.track_retention_s,
        tracks: Mutex::new(HashMap::new()),
        limits: cfg.limits.clone(),
        health: core::Health::default(),
        stream_clients: std::sync::atomic::AtomicUsize::new(0),
        spill: Mutex::new(core::Spill::default()),
        time: cfg.time,
        receivers: Mutex::new({
            let mut r = receivers::Receivers::default();
            for (name, lat, lon) in &cfg.station_positions {
                r.set_position(name, *lat, *lon);
            }
            r
        }),
        own_mmsi: std::sync::atomic::AtomicU32::new(cfg.own_mmsi.unwrap_or(0)),
        history: Mutex::new(history),
        log_newest_ms,
        log_regressions_said: std::sync::atomic::AtomicBool::new(false),
        outputs: cfg
            .outputs
            .iter()
            .map(|o| {
                Arc::new(outputs::OutputStats {
                    name: o.name.clone(),
                    ..Default::default()
                })
            })
            .collect(),
    });
    // Outputs subscribe before any input is read: they miss nothing.
    outputs::start(cfg.outputs, &shared);
    let core_tx = CoreTx::new(tx);
    {
        let shared = shared.clone();
        std::thread::Builder::new()
            .name("finisterra-core".into())
            .spawn(move || {
                let run = std::panic::AssertUnwindSafe(|| core::run(shared.clone(), rx));
                if std::panic::catch_unwind(run).is_err() {
                    // The panic message is printed by the hook; say what
                    // follows, fail the health check, wake the binary.
                    eprintln!(
                        "finisterra: the engine thread died; /healthz now fails and the server exits"
                    );
                    shared.health.fail();
                }
            })
            .context("cannot start the engine thread")?;
    }
    sources::start(cfg.sources, core_tx.clone(), shared.clone()).await?;
    if live && cfg.time != clock::TimeMode::Data {
        // Time passes for a live picture even when the feeds are quiet
        // (not when the data's own time rules).
        let t = core_tx.clone();
        tokio::spawn(async move {
            let mut i = tokio::time::interval(Duration::from_secs(1));
            loop {
                i.tick().await;
                let _ = t.try_send(Input::Tick(clock::now_ms()));
            }
        });
    }
    // Vessel updates for every live-stream client, built once a second
    // (one short lock of the engine for all clients, not one per client).
    tokio::spawn(live::vessel_ticker(shared.clone()));
    let app = Arc::new(api::App {
        shared: shared.clone(),
        tx: core_tx.clone(),
        token: cfg.token,
        docs: Mutex::new(api::Docs {
            zones: cfg.zones_doc,
            hazards: cfg.hazards_doc,
        }),
        edits: tokio::sync::Mutex::new(()),
        land,
    });
    let listener = tokio::net::TcpListener::bind(cfg.http)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.http))?;
    let http = listener.local_addr()?;
    let router = api::router(app, cfg.cors, &cfg.limits);
    tokio::spawn(serve_http(listener, router, shared.clone()));
    Ok(Running {
        http,
        tx: core_tx,
        shared,
    })
}

impl Running {
    /// Resolves if the engine thread dies (the binary then exits non-zero
    /// so that a supervisor restarts it).
    pub async fn engine_failed(&self) {
        self.shared.health.failed().await
    }

    /// Hands messages to the picture only (`serve --nats`: the vessels of
    /// a distributed run, whose workers judge them; see
    /// `finisterra_engine::Engine::observe`). Resolves once the core took
    /// them: one batch at a time, so that rebuilding a picture from a long
    /// stream never holds events back in the core's queue.
    pub async fn observe(&self, batch: Vec<channel::Observed>) -> anyhow::Result<()> {
        let (done, rx) = tokio::sync::oneshot::channel();
        let mut input = Input::Observe(batch, done);
        loop {
            match self.tx.try_send(input) {
                Ok(()) => {
                    return rx.await.map_err(|_| {
                        anyhow::anyhow!("the engine thread stopped before taking the messages")
                    })
                }
                Err(_) if self.tx.is_closed() => anyhow::bail!("the engine thread is gone"),
                Err(i) => {
                    input = i;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
        }
    }

    /// Hands events judged elsewhere (a distributed run's workers, read
    /// from the broker) to the core thread, which numbers them in its one
    /// sequence, stores them (idempotent on their keys: an event whose key
    /// is stored already is dropped, counted, and not pushed again) and
    /// pushes them as it does the engine's own. Resolves once they are
    /// durable, or refused (`durable: false`: the store refuses writes;
    /// they were pushed marked unstored and wait in the spill). Waits for
    /// room in the core's queue.
    pub async fn store_remote(
        &self,
        events: Vec<channel::RemoteEvent>,
    ) -> anyhow::Result<channel::RemoteOutcome> {
        let (done, rx) = tokio::sync::oneshot::channel();
        let mut input = Input::Remote(channel::RemoteBatch { events, done });
        loop {
            match self.tx.try_send(input) {
                Ok(()) => break,
                Err(_) if self.tx.is_closed() => anyhow::bail!("the engine thread is gone"),
                Err(i) => {
                    input = i;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
        }
        rx.await
            .map_err(|_| anyhow::anyhow!("the engine thread stopped before storing the events"))
    }
}

/// The HTTP accept loop: a bounded number of connections, a deadline for
/// each request's headers (a half-open request cannot hold a connection),
/// no Nagle delay on small writes (one event on the live stream).
async fn serve_http(listener: tokio::net::TcpListener, router: axum::Router, shared: Arc<Shared>) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use std::sync::atomic::Ordering;
    use tower::ServiceExt;
    let permits = Arc::new(tokio::sync::Semaphore::new(shared.limits.max_connections));
    let header_timeout = shared.limits.header_timeout;
    loop {
        let (tcp, _peer) = match listener.accept().await {
            Ok(c) => c,
            Err(e) => {
                // Out of file descriptors and the like: wait, do not spin.
                eprintln!("finisterra: cannot accept an HTTP connection: {e}");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            shared
                .metrics
                .http_refused_connections
                .fetch_add(1, Ordering::Relaxed);
            drop(tcp);
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let svc = router
            .clone()
            .map_request(|r: axum::http::Request<hyper::body::Incoming>| {
                r.map(axum::body::Body::new)
            });
        let svc = hyper_util::service::TowerToHyperService::new(svc);
        let shared = shared.clone();
        tokio::spawn(async move {
            let _permit = permit;
            shared
                .metrics
                .http_connections
                .fetch_add(1, Ordering::Relaxed);
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(tcp), svc)
                .with_upgrades();
            let _ = conn.await;
            shared
                .metrics
                .http_connections
                .fetch_sub(1, Ordering::Relaxed);
        });
    }
}

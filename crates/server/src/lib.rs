//! `finisterra serve`: live feeds in, the engine on its own thread, events
//! made durable then pushed, an HTTP API with live push, the web map and
//! Prometheus metrics.
//!
//! Only this crate (and the CLI) touch sockets, files and the clock: the
//! engine stays deterministic, fed with data times (or the receive time
//! stamped here when a line carries none).

pub mod api;
pub mod core;
pub mod metrics;
pub mod openapi;
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

use crate::core::{CoreTx, Input, Shared};
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
    let (events, _) = tokio::sync::broadcast::channel(16_384);
    let (acks, _) = tokio::sync::broadcast::channel(1_024);
    let run_id = format!("{:x}-{:x}", sources::now_ms(), std::process::id());
    let shared = Arc::new(Shared {
        engine: Mutex::new(engine),
        events,
        acks,
        run_id,
        recent: Mutex::new(VecDeque::new()),
        metrics: metrics::Metrics::new(&names),
        store: Mutex::new(store),
        source_names: names,
        track_retention_s: cfg.track_retention_s,
        tracks: Mutex::new(HashMap::new()),
    });
    let core_tx = CoreTx::new(tx);
    {
        let shared = shared.clone();
        std::thread::Builder::new()
            .name("finisterra-core".into())
            .spawn(move || core::run(shared, rx))
            .context("cannot start the engine thread")?;
    }
    let live = cfg.sources.iter().any(SourceSpec::is_live);
    sources::start(cfg.sources, core_tx.clone(), shared.clone()).await?;
    if live {
        // Time passes for a live picture even when the feeds are quiet.
        let t = core_tx.clone();
        tokio::spawn(async move {
            let mut i = tokio::time::interval(Duration::from_secs(1));
            loop {
                i.tick().await;
                let _ = t.try_send(Input::Tick(sources::now_ms()));
            }
        });
    }
    let app = Arc::new(api::App {
        shared: shared.clone(),
        tx: core_tx.clone(),
        token: cfg.token,
        docs: Mutex::new(api::Docs {
            zones: cfg.zones_doc,
            hazards: cfg.hazards_doc,
        }),
    });
    let listener = tokio::net::TcpListener::bind(cfg.http)
        .await
        .with_context(|| format!("cannot listen on {}", cfg.http))?;
    let http = listener.local_addr()?;
    // Small writes (one event on the live stream) must leave at once, not
    // wait for Nagle's algorithm and the client's delayed ACK (40-200 ms).
    use axum::serve::ListenerExt;
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let router = api::router(app, cfg.cors);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            eprintln!("finisterra: HTTP server stopped: {e}");
        }
    });
    Ok(Running {
        http,
        tx: core_tx,
        shared,
    })
}

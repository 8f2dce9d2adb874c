//! Live push to browsers and programs: Server-Sent Events at
//! `/api/stream` and WebSocket at `/api/ws`. Both are the same stream of
//! frames (one composition, two encodings): the backlog after the client's
//! last event id, then live events, notices, vessel updates and keep-alives,
//! each frame's bytes built once in the [hub](crate::hub) for every client.
//!
//! Bounded: at most `max_stream_clients` clients of both kinds together
//! (503 beyond); a backlog of at most `stream_backlog_max` events, read from
//! the store a page at a time (older ones are skipped with a `truncated`
//! notice naming the range to page from `/api/events`); a client that falls
//! too far behind is dropped and resumes by id (`Last-Event-ID` or
//! `?since=`).

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream, StreamExt};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio_stream::wrappers::BroadcastStream;

use crate::api::{backlog, parse_kinds, summary, ApiError, ApiResult, App, JsonQuery, MAX_LIMIT};
use crate::channel::{Notice, Published};
use crate::core::Shared;
use crate::hub::VesselUpdate;

/// The query of both live streams.
#[derive(Deserialize)]
pub struct StreamQuery {
    /// Resume after this event id (SSE clients may send `Last-Event-ID`
    /// instead).
    since: Option<u64>,
    /// Only these event kinds (comma-separated).
    kinds: Option<String>,
    /// `false`: no `vessels` updates.
    vessels: Option<bool>,
}

/// Events per page when a backlog is read from the store.
const BACKLOG_PAGE: usize = 500;
/// Seconds between keep-alives (an SSE comment, a WebSocket ping).
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Counts one live-stream client while its stream lives.
struct StreamSlot(Arc<Shared>);

impl StreamSlot {
    /// A slot, or `None` at the client limit.
    fn take(shared: &Arc<Shared>) -> Option<StreamSlot> {
        use std::sync::atomic::Ordering::SeqCst;
        let max = shared.limits.max_stream_clients;
        let n = shared.stream_clients.fetch_add(1, SeqCst);
        if n >= max {
            shared.stream_clients.fetch_sub(1, SeqCst);
            shared.metrics.stream_refused.fetch_add(1, SeqCst);
            return None;
        }
        shared.metrics.stream_clients.store(n as u64 + 1, SeqCst);
        Some(StreamSlot(shared.clone()))
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        use std::sync::atomic::Ordering::SeqCst;
        let n = self.0.stream_clients.fetch_sub(1, SeqCst);
        self.0
            .metrics
            .stream_clients
            .store(n.saturating_sub(1) as u64, SeqCst);
    }
}

/// Where a client's backlog starts: `since` when at most `cap` events
/// follow it, else just before the `cap`-th newest (the skipped range is
/// returned). Reads ids page by page: memory bounded by a page.
fn backlog_start(
    app: &App,
    since: u64,
    kinds: &[String],
    cap: usize,
) -> ApiResult<(u64, Option<(u64, u64)>)> {
    let mut counted = 0usize;
    let mut before: Option<u64> = None;
    loop {
        let page = {
            let store = app.shared.store.lock().unwrap_or_else(|e| e.into_inner());
            store
                .query(&finisterra_store::EventQuery {
                    since_id: since,
                    before_id: before,
                    kinds: kinds.to_vec(),
                    limit: BACKLOG_PAGE,
                    newest_first: true,
                    ..Default::default()
                })
                .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("store: {e}")))?
        };
        let Some(oldest) = page.last() else {
            return Ok((since, None));
        };
        if counted + page.len() >= cap.max(1) {
            let first_sent = page[cap.max(1) - counted - 1].id;
            let start = first_sent - 1;
            return Ok((start, (start > since).then_some((since, start))));
        }
        counted += page.len();
        before = Some(oldest.id);
    }
}

/// The backlog after `start`, read from the store a page at a time as the
/// client takes it.
fn backlog_pages(
    app: Arc<App>,
    start: u64,
    kinds: Vec<String>,
    last: Arc<AtomicU64>,
) -> impl Stream<Item = Published> {
    stream::unfold(Some(start), move |cursor| {
        let app = app.clone();
        let kinds = kinds.clone();
        let last = last.clone();
        async move {
            let cursor = cursor?;
            let page = backlog(&app, cursor, &kinds, BACKLOG_PAGE).ok()?;
            let next = page.last()?.id;
            last.store(next, Ordering::SeqCst);
            let more = page.len() == BACKLOG_PAGE;
            Some((stream::iter(page), more.then_some(next)))
        }
    })
    .flatten()
}

/// Once a second, the vessels that moved, serialised once for every
/// consumer (live-stream clients, outputs): one short lock of the engine
/// whatever the number of consumers.
pub async fn vessel_ticker(shared: Arc<Shared>) {
    // What was last sent of each vessel: a vessel is sent again when its
    // last report changed. (Not "newer than the newest sent": data times
    // of different vessels are not in order, and a vessel whose report is
    // as old as another's already sent would never be pushed.)
    let mut sent: finisterra_engine::FastMap<u32, i64> = Default::default();
    let mut ticks = 0u64;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        ticks += 1;
        let listening = shared.hub.wants_vessels();
        let moved: Vec<(u32, (f64, f64), Value)> = {
            let engine = shared.engine.lock().unwrap_or_else(|e| e.into_inner());
            let picture = engine.picture();
            if ticks % 60 == 0 {
                // Forget vessels the picture forgot (bounded memory).
                sent.retain(|m, _| picture.vessel(*m).is_some());
            }
            picture
                .vessels()
                .filter(|v| v.has_fix())
                .filter(|v| sent.insert(v.mmsi, v.last_seen_ms) != Some(v.last_seen_ms))
                .filter(|_| listening)
                .map(|v| (v.mmsi, (v.lat_deg, v.lon_deg), summary(v)))
                .collect()
        };
        if !moved.is_empty() {
            // Serialised outside the engine's lock, once for everyone.
            let each = moved
                .into_iter()
                .map(|(m, p, v)| (m, p, Arc::from(v.to_string())))
                .collect();
            shared.hub.vessels(VesselUpdate::new(each));
        }
    }
}

/// One frame of a live stream.
enum Frame {
    /// A numbered event.
    Event(Arc<Published>),
    /// An unnumbered notice (`ack`, `truncated`, `vessels`, ...).
    Notice(Arc<Notice>),
    /// Nothing happened for a while.
    KeepAlive,
}

/// The frames of one client's stream, and its slot (held as long as the
/// stream lives). The stream ends when the client falls too far behind the
/// events (it then resumes by id and misses nothing).
async fn frames(
    app: Arc<App>,
    since: Option<u64>,
    q: &StreamQuery,
) -> ApiResult<(StreamSlot, impl Stream<Item = Frame> + Send + 'static)> {
    let kinds = parse_kinds(q.kinds.as_deref())?;
    let Some(slot) = StreamSlot::take(&app.shared) else {
        return Err(ApiError(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "too many live-stream clients (limit {}); retry later",
                app.shared.limits.max_stream_clients
            ),
        ));
    };
    // Subscribe first, then read the backlog: nothing falls in between.
    let rx = app.shared.hub.subscribe_events();
    let notices = BroadcastStream::new(app.shared.hub.subscribe_notices())
        .filter_map(|r| futures_util::future::ready(r.ok().map(Frame::Notice)));
    let last = Arc::new(AtomicU64::new(since.unwrap_or(0)));
    let (start, truncated) = match since {
        Some(s) => {
            let (start, t) = backlog_start(&app, s, &kinds, app.shared.limits.stream_backlog_max)?;
            (Some(start), t)
        }
        None => (None, None),
    };
    if truncated.is_some() {
        app.shared
            .metrics
            .stream_backlog_truncated
            .fetch_add(1, Ordering::Relaxed);
    }
    let truncated_notice = stream::iter(truncated.map(|(from, to)| {
        let json = json!({
            "skipped_after_id": from,
            "skipped_through_id": to,
            "page_with": format!("/api/events?since={from}&limit={MAX_LIMIT}"),
            "limit": app.shared.limits.stream_backlog_max,
        });
        Frame::Notice(Arc::new(Notice::new("truncated", json.to_string())))
    }));
    let backlog_stream = match start {
        Some(start) => {
            last.store(start, Ordering::SeqCst);
            backlog_pages(app.clone(), start, kinds.clone(), last.clone())
                .map(|p| Frame::Event(Arc::new(p)))
                .left_stream()
        }
        None => stream::empty().right_stream(),
    };
    let metrics_app = app.clone();
    let live_last = last.clone();
    let live = BroadcastStream::new(rx)
        .take_while(move |r| {
            let ok = r.is_ok();
            if !ok {
                // Too slow: the connection ends, the client reconnects
                // with its last id and misses nothing.
                metrics_app
                    .shared
                    .metrics
                    .slow_clients
                    .fetch_add(1, Ordering::Relaxed);
            }
            futures_util::future::ready(ok)
        })
        .filter_map(move |r| {
            let out = match r {
                Ok(p)
                    if p.id > live_last.load(Ordering::SeqCst)
                        && (kinds.is_empty() || kinds.iter().any(|k| k == p.kind)) =>
                {
                    live_last.store(p.id, Ordering::SeqCst);
                    Some(Frame::Event(p))
                }
                _ => None,
            };
            futures_util::future::ready(out)
        });
    // The events lead: when they end (a client too slow), the stream ends.
    let events = truncated_notice
        .chain(backlog_stream)
        .chain(live)
        .map(Some)
        .chain(stream::once(futures_util::future::ready(None)));
    let vessels = if q.vessels.unwrap_or(true) {
        BroadcastStream::new(app.shared.hub.subscribe_vessels())
            .filter_map(|r| {
                // The update's notice, shared: no copy per client.
                futures_util::future::ready(r.ok().map(|u| Frame::Notice(u.notice.clone())))
            })
            .left_stream()
    } else {
        stream::empty().right_stream()
    };
    let keep_alive = tokio_stream::wrappers::IntervalStream::new(tokio::time::interval_at(
        tokio::time::Instant::now() + KEEP_ALIVE,
        KEEP_ALIVE,
    ))
    .map(|_| Frame::KeepAlive);
    let others = stream::select(stream::select(notices, vessels), keep_alive).map(Some);
    let all = stream::select(events, others)
        .take_while(|f| futures_util::future::ready(f.is_some()))
        .filter_map(futures_util::future::ready);
    Ok((slot, all))
}

/// `GET /api/stream`, Server-Sent Events: every published event (`id:` the
/// event id, `event:` its kind, `data:` its JSON), resumable with
/// `Last-Event-ID` or `?since=`; unnumbered `ack`, `store.degraded`,
/// `store.recovered` and `truncated` notices; plus, unless
/// `vessels=false`, an unnumbered `vessels` event every second with the
/// vessels that moved. See the [module documentation](self) for the
/// bounds.
pub async fn sse(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    JsonQuery(q): JsonQuery<StreamQuery>,
) -> ApiResult<Response> {
    let since = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .or(q.since);
    let (slot, frames) = frames(app, since, &q).await?;
    let body = frames.map(move |f| {
        // The client's slot lives as long as its stream.
        let _ = &slot;
        Ok::<Bytes, Infallible>(match f {
            Frame::Event(p) => p.sse.clone(),
            Frame::Notice(n) => n.sse.clone(),
            Frame::KeepAlive => Bytes::from_static(b": keep-alive\n\n"),
        })
    });
    Ok(Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .header("x-accel-buffering", "no")
        .body(Body::from_stream(body))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()))
}

/// `GET /api/ws`, WebSocket: the same frames as `/api/stream`, one text
/// message each, `{"id":N,"event":KIND,"data":EVENT}` (no `id` for
/// notices); resumable with `?since=` (a browser cannot set headers on a
/// WebSocket); a ping every 15 s. Messages from the client are ignored.
pub async fn ws(
    State(app): State<Arc<App>>,
    JsonQuery(q): JsonQuery<StreamQuery>,
    upgrade: WebSocketUpgrade,
) -> ApiResult<Response> {
    // The slot and the backlog's start are taken before the upgrade, so a
    // refusal is an HTTP error the client can read.
    let (slot, frames) = frames(app, q.since, &q).await?;
    Ok(upgrade
        .max_message_size(64 << 10)
        .on_upgrade(move |socket| async move {
            run_ws(socket, frames).await;
            drop(slot);
        }))
}

/// Sends the frames until either side ends.
async fn run_ws(mut socket: WebSocket, frames: impl Stream<Item = Frame> + Send) {
    let mut frames = std::pin::pin!(frames);
    loop {
        tokio::select! {
            f = frames.next() => {
                let msg = match f {
                    Some(Frame::Event(p)) => Message::Text(p.ws()),
                    Some(Frame::Notice(n)) => Message::Text(n.ws.clone()),
                    Some(Frame::KeepAlive) => Message::Ping(Bytes::new()),
                    None => {
                        // Too far behind: closed; the client resumes
                        // with ?since= its last id.
                        let _ = socket.send(Message::Close(None)).await;
                        return;
                    }
                };
                if socket.send(msg).await.is_err() {
                    return;
                }
            }
            m = socket.recv() => match m {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}

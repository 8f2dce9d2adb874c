//! The HTTP API, the live stream (SSE), the web map and `/metrics`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use finisterra_engine::{Engine, EventKind, Vessel};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::channel::{CoreTx, Input, Published};
use crate::core::Shared;
use crate::web;

/// Largest request body accepted (zones and hazards documents).
pub const MAX_BODY: usize = 4 << 20;
/// Largest page of events.
pub const MAX_LIMIT: usize = 10_000;

/// Everything the handlers need.
pub struct App {
    /// The core's shared state.
    pub shared: Arc<Shared>,
    /// Commands to the core thread.
    pub tx: CoreTx,
    /// Token required for changes (none: changes are refused).
    pub token: Option<String>,
    /// The zones and hazards documents as last set.
    pub docs: Mutex<Docs>,
    /// One edit of zones or hazards at a time (read, change, set).
    pub edits: tokio::sync::Mutex<()>,
    /// The basemap's land: the engine's own (`/api/land`).
    pub land: web::LandLayer,
}

/// The GeoJSON documents behind zones and hazards.
pub struct Docs {
    /// Zones FeatureCollection.
    pub zones: Value,
    /// Hazards FeatureCollection.
    pub hazards: Value,
}

/// An API error: a status and a message, as JSON.
pub struct ApiError(pub StatusCode, pub String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

pub(crate) fn bad(msg: impl Into<String>) -> ApiError {
    ApiError(StatusCode::BAD_REQUEST, msg.into())
}

pub(crate) type ApiResult<T> = Result<T, ApiError>;

/// A query string parsed into `T`, or a JSON error naming what was wrong
/// (axum's own rejection answers plain text).
pub struct JsonQuery<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for JsonQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(q)) => Ok(JsonQuery(q)),
            Err(e) => Err(bad(format!("bad query string: {}", e.body_text()))),
        }
    }
}

/// Any other path: a JSON 404 under `/api`, as every API error.
async fn not_found(uri: axum::http::Uri) -> ApiError {
    ApiError(
        StatusCode::NOT_FOUND,
        format!("no such endpoint: {}", uri.path()),
    )
}

/// Builds the router: changes need the token, checked from the headers
/// before any body is read; with a read token, so do reads; bodies must
/// arrive within the body timeout.
pub fn router(app: Arc<App>, cors: Option<String>, limits: &crate::limits::Limits) -> Router {
    use axum::middleware::from_fn_with_state;
    let changes = Router::new()
        .route("/api/zones", axum::routing::put(put_zones).post(post_zone))
        .route("/api/zones/{key}", axum::routing::delete(delete_zone))
        .route(
            "/api/hazards",
            axum::routing::put(put_hazards).post(post_hazard),
        )
        .route("/api/hazards/{key}", axum::routing::delete(delete_hazard))
        .route("/api/visibility", post(post_visibility))
        .route(
            "/api/visibility/{key}",
            axum::routing::delete(delete_visibility),
        )
        .route_layer(from_fn_with_state(app.clone(), require_change_token));
    let reads = Router::new()
        .route("/api/vessels", get(vessels))
        .route("/api/aircraft", get(crate::air_api::aircraft))
        .route("/data/aircraft.json", get(crate::air_api::readsb))
        .route("/api/vessels/{mmsi}", get(vessel))
        .route(
            "/api/vessels/{mmsi}/track",
            get(crate::history::vessel_track),
        )
        .route("/api/tracks", get(crate::history::all_tracks))
        .route("/api/events", get(events))
        .route("/api/events/{id}", get(event_by_id))
        .route("/api/events/{id}/ack", post(ack))
        .route("/api/risks", get(risks))
        .route("/api/hazards/open", get(open_hazards))
        .route("/api/zones/open", get(open_zones))
        .route("/api/atons", get(atons))
        .route("/api/zones", get(get_zones))
        .route("/api/hazards", get(get_hazards))
        .route("/api/visibility", get(get_visibility))
        .route("/api/stats", get(stats))
        .route("/api/event-kinds", get(event_kinds))
        .route("/api/stations", get(stations))
        .route("/api/own-ship", get(own_ship))
        .route("/api/stream", get(crate::live::sse))
        .route("/api/ws", get(crate::live::ws))
        .route("/api/land", get(web::land))
        .route("/metrics", get(metrics))
        .route_layer(from_fn_with_state(app.clone(), require_read_token));
    let mut r = Router::new()
        .route("/", get(web::index))
        .route("/assets/{*path}", get(web::asset))
        .route("/api/openapi.json", get(openapi))
        .route("/healthz", get(health))
        .merge(reads)
        .merge(changes)
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            limits.body_timeout,
        ))
        .with_state(app);
    if let Some(origin) = cors {
        if let Ok(o) = origin.parse::<HeaderValue>() {
            r = r.layer(
                tower_http::cors::CorsLayer::new()
                    .allow_origin(o)
                    .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
                    .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]),
            );
        }
    }
    r
}

fn check_token(app: &App, headers: &HeaderMap) -> ApiResult<()> {
    let Some(token) = &app.token else {
        return Err(ApiError(
            StatusCode::FORBIDDEN,
            "changes are disabled: start `finisterra serve` with --token".into(),
        ));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if given == Some(token.as_str()) {
        Ok(())
    } else {
        Err(ApiError(
            StatusCode::UNAUTHORIZED,
            "missing or wrong token (Authorization: Bearer <token>)".into(),
        ))
    }
}

/// The token a request carries: `Authorization: Bearer <token>`, or
/// `?token=` (an `EventSource` cannot set headers).
fn given_token<'a>(headers: &'a HeaderMap, query: Option<&'a str>) -> Option<&'a str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .or_else(|| query?.split('&').find_map(|kv| kv.strip_prefix("token=")))
}

/// Changes need the token: checked before the body is read.
async fn require_change_token(
    State(app): State<Arc<App>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    match check_token(&app, req.headers()) {
        Ok(()) => next.run(req).await,
        Err(e) => {
            app.shared
                .metrics
                .unauthorized
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            e.into_response()
        }
    }
}

/// With `--read-token`, reads need it (or the change token).
async fn require_read_token(
    State(app): State<Arc<App>>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if let Some(read) = &app.shared.limits.read_token {
        let given = given_token(req.headers(), req.uri().query());
        let ok = given == Some(read.as_str()) || (given.is_some() && given == app.token.as_deref());
        if !ok {
            app.shared
                .metrics
                .unauthorized
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            return ApiError(
                StatusCode::UNAUTHORIZED,
                "reading needs the read token (Authorization: Bearer <token>, or ?token=)".into(),
            )
            .into_response();
        }
    }
    next.run(req).await
}

/// `GET /healthz`: 200 while the engine thread runs (with the store's
/// state), 503 once it died.
async fn health(State(app): State<Arc<App>>) -> Response {
    let sh = &app.shared;
    let degraded = sh
        .spill
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .degraded_since_ms
        .map(finisterra_engine::iso8601);
    if sh.health.is_failed() || app.tx.is_closed() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "engine_failed", "store_degraded_since": degraded})),
        )
            .into_response();
    }
    Json(json!({"status": "ok", "store_degraded_since": degraded})).into_response()
}

fn lock(app: &App) -> std::sync::MutexGuard<'_, Engine> {
    app.shared.engine.lock().unwrap_or_else(|e| e.into_inner())
}

/// A vessel as the list and the map show it.
pub(crate) fn summary(v: &Vessel) -> Value {
    serde_json::to_value(crate::model::VesselSummary::of(v)).unwrap_or_default()
}

#[derive(Deserialize)]
struct VesselQuery {
    bbox: Option<String>,
    class: Option<String>,
    ship_type: Option<String>,
    q: Option<String>,
    limit: Option<usize>,
    /// The cursor: vessels with an MMSI above this one (the list is in
    /// MMSI order).
    after: Option<u32>,
}

/// A `bbox` query parameter (the one parser: `nav::geo::BBox`).
pub(crate) fn parse_bbox(s: &str) -> ApiResult<finisterra_nav::geo::BBox> {
    finisterra_nav::geo::BBox::parse(s).map_err(|e| bad(format!("bbox {e}")))
}

fn parse_range(s: &str) -> ApiResult<(u8, u8)> {
    let mut it = s.split('-');
    let a = it.next().and_then(|x| x.trim().parse::<u8>().ok());
    let b = it.next().map(|x| x.trim().parse::<u8>().ok());
    match (a, b) {
        (Some(a), None) => Ok((a, a)),
        (Some(a), Some(Some(b))) if a <= b => Ok((a, b)),
        _ => Err(bad("ship_type must be a number or a range such as 70-79")),
    }
}

async fn vessels(
    State(app): State<Arc<App>>,
    uri: axum::http::Uri,
    JsonQuery(q): JsonQuery<VesselQuery>,
) -> ApiResult<Response> {
    let bbox = q.bbox.as_deref().map(parse_bbox).transpose()?;
    let types = q.ship_type.as_deref().map(parse_range).transpose()?;
    let class = match q.class.as_deref() {
        None => None,
        Some("A" | "a") => Some("a"),
        Some("B" | "b") => Some("b"),
        Some(_) => return Err(bad("class must be A or B")),
    };
    let limit = q.limit.unwrap_or(MAX_LIMIT * 10).min(200_000);
    let needle = q.q.as_deref().map(str::to_ascii_uppercase);
    let engine = lock(&app);
    let list: Vec<Value> = engine
        .picture()
        .vessels_sorted()
        .into_iter()
        .filter(|v| v.has_fix())
        .filter(|v| q.after.is_none_or(|a| v.mmsi > a))
        .filter(|v| bbox.is_none_or(|b| b.contains(v.lat_deg, v.lon_deg)))
        .filter(|v| match types {
            None => true,
            Some((a, b)) => v.static_data.ship_type.is_some_and(|t| t >= a && t <= b),
        })
        .filter(|v| match class {
            None => true,
            Some(c) => {
                serde_json::to_value(v.class)
                    .ok()
                    .and_then(|x| x.as_str().map(str::to_owned))
                    == Some(c.into())
            }
        })
        .filter(|v| match &needle {
            None => true,
            Some(n) => {
                v.mmsi.to_string().contains(n.as_str())
                    || v.static_data
                        .name
                        .as_deref()
                        .is_some_and(|x| x.contains(n.as_str()))
                    || v.static_data
                        .callsign
                        .as_deref()
                        .is_some_and(|x| x.contains(n.as_str()))
                    || v.static_data
                        .imo
                        .is_some_and(|x| x.to_string().contains(n.as_str()))
            }
        })
        .take(limit)
        .map(summary)
        .collect();
    drop(engine);
    // A full page names the next one (the same query after the last MMSI).
    let next = (list.len() == limit)
        .then(|| list.last().and_then(|v| v["mmsi"].as_u64()))
        .flatten()
        .map(|last| {
            let others: Vec<&str> = uri
                .query()
                .unwrap_or("")
                .split('&')
                .filter(|kv| !kv.is_empty() && !kv.starts_with("after="))
                .collect();
            let mut l = format!("/api/vessels?after={last}");
            for kv in others {
                l.push('&');
                l.push_str(kv);
            }
            l
        });
    let mut r = Json(Value::Array(list)).into_response();
    if let Some(n) = next.and_then(|n| HeaderValue::from_str(&format!("<{n}>; rel=\"next\"")).ok())
    {
        r.headers_mut().insert(header::LINK, n);
    }
    Ok(r)
}

async fn vessel(State(app): State<Arc<App>>, Path(mmsi): Path<String>) -> ApiResult<Json<Value>> {
    let mmsi: u32 = mmsi
        .parse()
        .map_err(|_| bad("mmsi must be a number of up to 9 digits"))?;
    let (v, track) = {
        let engine = lock(&app);
        let v = engine
            .picture()
            .vessel(mmsi)
            .cloned()
            .ok_or(ApiError(StatusCode::NOT_FOUND, format!("no vessel {mmsi}")))?;
        let tracks = app.shared.tracks.lock().unwrap_or_else(|e| e.into_inner());
        let track: Vec<Value> = tracks
            .get(&mmsi)
            .map(|t| {
                t.iter()
                    .map(|p| json!([finisterra_engine::iso8601(p.0), p.1, p.2, p.3, p.4]))
                    .collect()
            })
            .unwrap_or_default();
        (v, track)
    };
    Ok(Json(json!({
        "summary": summary(&v),
        "vessel": crate::model::VesselState::of(&v),
        "track": track,
        "track_columns": ["time", "lat", "lon", "sog_kn", "cog_deg"],
        "heard_by": app.shared.receivers.lock().unwrap_or_else(|e| e.into_inner()).provenance(mmsi),
    })))
}

#[derive(Deserialize)]
struct EventQuery {
    since: Option<u64>,
    before: Option<u64>,
    kind: Option<String>,
    mmsi: Option<u32>,
    limit: Option<usize>,
    order: Option<String>,
    acknowledged: Option<bool>,
    /// Data time from (inclusive): ISO 8601 or ms since the epoch.
    from: Option<String>,
    /// Data time to (exclusive): ISO 8601 or ms since the epoch.
    to: Option<String>,
    /// `json` (default), `csv` or `geojson`.
    format: Option<String>,
}

/// A time in a query: ms since the epoch, or ISO 8601 (with a zone).
pub(crate) fn parse_query_time(name: &str, s: &str) -> ApiResult<i64> {
    s.trim()
        .parse::<i64>()
        .ok()
        .or_else(|| finisterra_nmea::parse_iso8601_ms(s, false))
        .ok_or_else(|| {
            bad(format!(
                "{name} must be ms since the epoch or an ISO 8601 time with a zone (2026-12-02T06:00:00Z), not {s:?}"
            ))
        })
}

/// `GET /api/events/{id}`: one stored event (with its acknowledgement).
async fn event_by_id(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let id: u64 = id.parse().map_err(|_| bad("event id must be a number"))?;
    let (found, acks) = {
        let store = app.shared.store.lock().unwrap_or_else(|e| e.into_inner());
        let found = store
            .query(&finisterra_store::EventQuery {
                since_id: id.saturating_sub(1),
                before_id: Some(id.saturating_add(1)),
                limit: 1,
                ..Default::default()
            })
            .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("store: {e}")))?;
        let acks = store.acknowledged(&[id]);
        (found, acks)
    };
    let e = found
        .into_iter()
        .find(|e| e.id == id)
        .ok_or_else(|| ApiError(StatusCode::NOT_FOUND, format!("no event {id}")))?;
    let mut v: Value = serde_json::from_str(&e.json).unwrap_or(Value::Null);
    if let Some(a) = acks.first() {
        mark_acknowledged(&mut v, a);
    }
    Ok(Json(v))
}

pub(crate) fn parse_kinds(s: Option<&str>) -> ApiResult<Vec<String>> {
    let Some(s) = s else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for k in s.split(',').map(str::trim).filter(|k| !k.is_empty()) {
        if EventKind::parse(k).is_none() {
            let all: Vec<&str> = EventKind::ALL.iter().map(|k| k.as_str()).collect();
            return Err(bad(format!(
                "unknown event kind {k:?}; kinds: {}",
                all.join(", ")
            )));
        }
        out.push(k.to_string());
    }
    Ok(out)
}

pub(crate) fn backlog(
    app: &App,
    since: u64,
    kinds: &[String],
    limit: usize,
) -> ApiResult<Vec<Published>> {
    let store = app.shared.store.lock().unwrap_or_else(|e| e.into_inner());
    store
        .since(since, kinds, limit)
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("store: {e}")))
}

async fn events(
    State(app): State<Arc<App>>,
    JsonQuery(q): JsonQuery<EventQuery>,
) -> ApiResult<Response> {
    let format = crate::history::Format::parse(q.format.as_deref())?;
    let kinds = parse_kinds(q.kind.as_deref())?;
    let limit = q.limit.unwrap_or(1000);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(bad(format!("limit must be 1..={MAX_LIMIT}")));
    }
    let newest_first = match q.order.as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(o) => return Err(bad(format!("order must be asc or desc, not {o:?}"))),
    };
    let since = q.since.unwrap_or(0);
    let from_ms = q
        .from
        .as_deref()
        .map(|s| parse_query_time("from", s))
        .transpose()?;
    let to_ms =
        q.to.as_deref()
            .map(|s| parse_query_time("to", s))
            .transpose()?;
    let query = finisterra_store::EventQuery {
        from_ms,
        to_ms,
        since_id: since,
        before_id: q.before,
        kinds,
        mmsi: q.mmsi,
        acknowledged: q.acknowledged,
        limit,
        newest_first,
    };
    let (evs, acks) = {
        let store = app.shared.store.lock().unwrap_or_else(|e| e.into_inner());
        let evs = store
            .query(&query)
            .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("store: {e}")))?;
        let ids: Vec<u64> = evs.iter().map(|e| e.id).collect();
        let acks = store.acknowledged(&ids);
        (evs, acks)
    };
    let list: Vec<Value> = evs
        .iter()
        .map(|e| {
            let mut v: Value = serde_json::from_str(&e.json).unwrap_or(Value::Null);
            if let Some(a) = acks.iter().find(|a| a.event_id == e.id) {
                mark_acknowledged(&mut v, a);
            }
            v
        })
        .collect();
    // Paging: ascending pages continue with `since=next`, descending ones
    // with `before=next`.
    let next = match evs.last() {
        Some(e) => e.id,
        None if newest_first => q.before.unwrap_or(0),
        None => since,
    };
    // The next page, as a link (every format): same filters, on from
    // `next`.
    let link = (evs.len() == limit).then(|| {
        let mut l = format!(
            "/api/events?limit={limit}&order={}&{}={next}",
            if newest_first { "desc" } else { "asc" },
            if newest_first { "before" } else { "since" }
        );
        for (k, v) in [
            ("kind", q.kind.clone()),
            ("mmsi", q.mmsi.map(|m| m.to_string())),
            ("acknowledged", q.acknowledged.map(|a| a.to_string())),
            ("from", from_ms.map(|t| t.to_string())),
            ("to", to_ms.map(|t| t.to_string())),
            ("format", q.format.clone()),
        ] {
            if let Some(v) = v {
                l.push_str(&format!("&{k}={v}"));
            }
        }
        l
    });
    let body = match format {
        crate::history::Format::Json => json!({ "events": list, "next": next }).to_string(),
        crate::history::Format::Csv => crate::history::events_csv(&list),
        crate::history::Format::GeoJson => crate::history::events_geojson(&list).to_string(),
    };
    Ok(crate::history::export(format, body, link, "events"))
}

fn mark_acknowledged(v: &mut Value, a: &finisterra_store::Acknowledgement) {
    v["acknowledged"] = Value::Bool(true);
    v["acknowledged_by"] = Value::String(a.by.clone());
    v["acknowledged_at"] = Value::String(finisterra_engine::iso8601(a.time_ms));
}

/// The `ack` message pushed on the stream when an event is acknowledged.
fn ack_message(a: &finisterra_store::Acknowledgement) -> String {
    json!({
        "id": a.event_id,
        "acknowledged": true,
        "acknowledged_by": a.by,
        "acknowledged_at": finisterra_engine::iso8601(a.time_ms),
    })
    .to_string()
}

async fn ack(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    // Acknowledging does not change what the engine judges: allowed
    // without a token when none was configured, else the token is needed.
    if app.token.is_some() {
        check_token(&app, &headers)?;
    }
    let id: u64 = id.parse().map_err(|_| bad("event id must be a number"))?;
    let who = headers
        .get("x-operator")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("operator")
        .chars()
        .filter(|c| !c.is_control())
        .take(64)
        .collect::<String>();
    let standing = {
        let mut store = app.shared.store.lock().unwrap_or_else(|e| e.into_inner());
        let ok = store
            .acknowledge(id, &who, crate::clock::now_ms())
            .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("store: {e}")))?;
        if !ok {
            return Err(ApiError(StatusCode::NOT_FOUND, format!("no event {id}")));
        }
        store.acknowledged(&[id]).into_iter().next()
    };
    let Some(a) = standing else {
        return Err(ApiError(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("event {id} acknowledged but the acknowledgement cannot be read back"),
        ));
    };
    // Every open console learns at once (the first acknowledgement stands;
    // repeating it tells the others again, harmlessly).
    app.shared.hub.notice("ack", ack_message(&a));
    Ok(Json(json!({
        "id": id,
        "acknowledged": true,
        "acknowledged_by": a.by,
        "acknowledged_at": finisterra_engine::iso8601(a.time_ms),
    })))
}

async fn risks(State(app): State<Arc<App>>) -> Json<Value> {
    let engine = lock(&app);
    Json(serde_json::to_value(engine.open_risks().collect::<Vec<_>>()).unwrap_or_default())
}

async fn open_hazards(State(app): State<Arc<App>>) -> Json<Value> {
    let engine = lock(&app);
    Json(serde_json::to_value(engine.open_hazards().collect::<Vec<_>>()).unwrap_or_default())
}

async fn open_zones(State(app): State<Arc<App>>) -> Json<Value> {
    let engine = lock(&app);
    Json(json!({
        "violations": engine.zone_violations().collect::<Vec<_>>(),
        "predicted": engine.zone_predictions().collect::<Vec<_>>(),
    }))
}

async fn atons(State(app): State<Arc<App>>) -> Json<Value> {
    let engine = lock(&app);
    let mut v: Vec<_> = engine.fixed_objects().collect();
    v.sort_by_key(|o| o.mmsi);
    Json(serde_json::to_value(v).unwrap_or_default())
}

fn empty_collection() -> Value {
    json!({"type": "FeatureCollection", "features": []})
}

fn parse_doc(body: &Bytes) -> ApiResult<Value> {
    let v: Value = serde_json::from_slice(body).map_err(|e| bad(format!("not JSON: {e}")))?;
    Ok(v)
}

#[derive(Clone, Copy)]
enum DocKind {
    Zones,
    Hazards,
}

/// Gives every feature without an `id` one (`zone-3`, `hazard-1`, the
/// smallest number free), so that each zone and hazard has a stable
/// identity: `DELETE /api/zones/{id}` and open alerts follow it, never a
/// place in the list.
fn ensure_ids(doc: &mut Value, prefix: &str) {
    let Some(features) = doc.get_mut("features").and_then(Value::as_array_mut) else {
        return;
    };
    let id_of = |f: &Value| match f.get("id") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let mut used: std::collections::HashSet<String> = features.iter().filter_map(id_of).collect();
    let mut n = 1;
    for f in features.iter_mut() {
        if id_of(f).is_some() || !f.is_object() {
            continue;
        }
        while used.contains(&format!("{prefix}-{n}")) {
            n += 1;
        }
        let id = format!("{prefix}-{n}");
        used.insert(id.clone());
        f["id"] = Value::String(id);
    }
}

/// Validates a document, hands it to the engine, remembers it. Parsing a
/// large document (up to the body limit) takes time: it runs off the async
/// workers, one edit at a time. The answer lists the warnings (rings that
/// were not closed and were closed).
async fn set_doc(app: Arc<App>, kind: DocKind, mut doc: Value) -> ApiResult<Json<Value>> {
    ensure_ids(
        &mut doc,
        match kind {
            DocKind::Zones => "zone",
            DocKind::Hazards => "hazard",
        },
    );
    let work = move || -> ApiResult<Json<Value>> {
        let bytes = serde_json::to_vec(&doc).unwrap_or_default();
        let refused = |e: finisterra_geofence::GeoJsonError, what: &str| {
            ApiError(
                StatusCode::UNPROCESSABLE_ENTITY,
                e.in_source(what).to_string(),
            )
        };
        let stopped = || ApiError(StatusCode::SERVICE_UNAVAILABLE, "engine stopped".into());
        let (name, n, warnings, input) = match kind {
            DocKind::Zones => {
                let z = finisterra_geofence::Zones::from_geojson_bytes(&bytes)
                    .map_err(|e| refused(e, "zones"))?;
                ("zones", z.len(), z.warnings().to_vec(), Input::Zones(z))
            }
            DocKind::Hazards => {
                let h = finisterra_geofence::Hazards::from_geojson_bytes(&bytes)
                    .map_err(|e| refused(e, "hazards"))?;
                ("hazards", h.len(), h.warnings().to_vec(), Input::Hazards(h))
            }
        };
        if !app.tx.send(input) {
            return Err(stopped());
        }
        remember(&app, name, &doc);
        {
            let mut d = app.docs.lock().unwrap_or_else(|e| e.into_inner());
            match kind {
                DocKind::Zones => d.zones = doc,
                DocKind::Hazards => d.hazards = doc,
            }
        }
        Ok(Json(json!({ name: n, "warnings": warnings })))
    };
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        ApiError(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("edit failed: {e}"),
        )
    })?
}

/// Keeps an edited document in the store, so that it survives a restart.
fn remember(app: &App, name: &str, doc: &Value) {
    let mut store = app.shared.store.lock().unwrap_or_else(|e| e.into_inner());
    if let Err(e) = store.put_document(name, &doc.to_string()) {
        eprintln!("finisterra: cannot store the {name} document: {e}");
    }
}

fn current(app: &App, kind: &DocKind) -> Value {
    let d = app.docs.lock().unwrap_or_else(|e| e.into_inner());
    match kind {
        DocKind::Zones => d.zones.clone(),
        DocKind::Hazards => d.hazards.clone(),
    }
}

fn with_feature(mut doc: Value, feature: Value) -> ApiResult<Value> {
    if feature.get("type").and_then(Value::as_str) != Some("Feature") {
        return Err(bad("POST a GeoJSON Feature (type \"Feature\")"));
    }
    if doc.get("features").and_then(Value::as_array).is_none() {
        doc = empty_collection();
    }
    if let Some(a) = doc["features"].as_array_mut() {
        a.push(feature);
    }
    Ok(doc)
}

/// The document without the feature whose `id` is `key` (or, for clients
/// of the former API, at place `key` when no feature has that id).
fn without_feature(mut doc: Value, key: &str) -> ApiResult<Value> {
    let missing = || ApiError(StatusCode::NOT_FOUND, format!("no feature with id {key:?}"));
    let Some(a) = doc.get_mut("features").and_then(Value::as_array_mut) else {
        return Err(missing());
    };
    let by_id = a.iter().position(|f| match f.get("id") {
        Some(Value::String(s)) => s == key,
        Some(Value::Number(n)) => n.to_string() == key,
        _ => false,
    });
    let i = match by_id {
        Some(i) => i,
        None => match key.parse::<usize>() {
            Ok(i) if i < a.len() => i,
            _ => return Err(missing()),
        },
    };
    a.remove(i);
    Ok(doc)
}

async fn get_zones(State(app): State<Arc<App>>) -> Json<Value> {
    Json(current(&app, &DocKind::Zones))
}
async fn put_zones(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    check_token(&app, &headers)?;
    let _edit = app.edits.lock().await;
    set_doc(app.clone(), DocKind::Zones, parse_doc(&body)?).await
}
async fn post_zone(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    check_token(&app, &headers)?;
    let _edit = app.edits.lock().await;
    let doc = with_feature(current(&app, &DocKind::Zones), parse_doc(&body)?)?;
    set_doc(app.clone(), DocKind::Zones, doc).await
}
async fn delete_zone(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(i): Path<String>,
) -> ApiResult<Json<Value>> {
    check_token(&app, &headers)?;
    let _edit = app.edits.lock().await;
    let doc = without_feature(current(&app, &DocKind::Zones), &i)?;
    set_doc(app.clone(), DocKind::Zones, doc).await
}
/// Keys of a `POST /api/visibility` body.
const VISIBILITY_KEYS: &str = "name, geometry, visibility_nm, active_from, active_until";

fn is_visibility(f: &Value) -> bool {
    f.pointer("/properties/rule").and_then(Value::as_str) == Some("restricted_visibility")
}

/// A declaration of restricted visibility as a zone feature (rule
/// `restricted_visibility`) with a fresh id `visibility-N`: the zones
/// document is the one home of it, so it is validated, stored, replaced
/// and judged as every zone is.
fn visibility_feature(body: Value, doc: &Value) -> ApiResult<(Value, String)> {
    let Value::Object(m) = body else {
        return Err(bad(format!(
            "POST a JSON object with keys {VISIBILITY_KEYS}"
        )));
    };
    if let Some(k) = m
        .keys()
        .find(|k| !VISIBILITY_KEYS.split(", ").any(|x| x == *k))
    {
        return Err(bad(format!("unknown key {k:?}; use {VISIBILITY_KEYS}")));
    }
    let Some(geometry) = m.get("geometry").filter(|g| g.is_object()) else {
        return Err(bad(
            "\"geometry\" is missing: a GeoJSON Polygon or MultiPolygon of the area",
        ));
    };
    if m.get("visibility_nm").is_none() {
        return Err(bad(
            "\"visibility_nm\" is missing: the visibility, nautical miles",
        ));
    }
    let used: std::collections::HashSet<String> = doc
        .get("features")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|f| f.get("id").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let id = (1..)
        .map(|n| format!("visibility-{n}"))
        .find(|i| !used.contains(i))
        .unwrap_or_default();
    let mut props = serde_json::Map::new();
    props.insert(
        "name".into(),
        m.get("name")
            .cloned()
            .unwrap_or_else(|| Value::String("restricted visibility".into())),
    );
    props.insert("rule".into(), Value::String("restricted_visibility".into()));
    for k in ["visibility_nm", "active_from", "active_until"] {
        if let Some(v) = m.get(k) {
            props.insert(k.into(), v.clone());
        }
    }
    let feature = json!({"type": "Feature", "id": id, "properties": props, "geometry": geometry});
    Ok((feature, id))
}

/// The declarations of restricted visibility (zones with rule
/// `restricted_visibility`), as a FeatureCollection.
async fn get_visibility(State(app): State<Arc<App>>) -> Json<Value> {
    let doc = current(&app, &DocKind::Zones);
    let features: Vec<Value> = doc
        .get("features")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter(|f| is_visibility(f)).cloned().collect())
        .unwrap_or_default();
    Json(json!({"type": "FeatureCollection", "features": features}))
}
async fn post_visibility(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    check_token(&app, &headers)?;
    let _edit = app.edits.lock().await;
    let doc = current(&app, &DocKind::Zones);
    let (feature, id) = visibility_feature(parse_doc(&body)?, &doc)?;
    let doc = with_feature(doc, feature)?;
    let Json(mut answer) = set_doc(app.clone(), DocKind::Zones, doc).await?;
    answer["id"] = Value::String(id);
    Ok(Json(answer))
}
async fn delete_visibility(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(key): Path<String>,
) -> ApiResult<Json<Value>> {
    check_token(&app, &headers)?;
    let _edit = app.edits.lock().await;
    let doc = current(&app, &DocKind::Zones);
    let found = doc
        .get("features")
        .and_then(Value::as_array)
        .is_some_and(|a| {
            a.iter().any(|f| {
                is_visibility(f)
                    && match f.get("id") {
                        Some(Value::String(s)) => *s == key,
                        Some(Value::Number(n)) => n.to_string() == key,
                        _ => false,
                    }
            })
        });
    if !found {
        return Err(ApiError(
            StatusCode::NOT_FOUND,
            format!("no restricted visibility declaration with id {key:?}"),
        ));
    }
    let doc = without_feature(doc, &key)?;
    set_doc(app.clone(), DocKind::Zones, doc).await
}
async fn get_hazards(State(app): State<Arc<App>>) -> Json<Value> {
    Json(current(&app, &DocKind::Hazards))
}
async fn put_hazards(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    check_token(&app, &headers)?;
    let _edit = app.edits.lock().await;
    set_doc(app.clone(), DocKind::Hazards, parse_doc(&body)?).await
}
async fn post_hazard(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    check_token(&app, &headers)?;
    let _edit = app.edits.lock().await;
    let doc = with_feature(current(&app, &DocKind::Hazards), parse_doc(&body)?)?;
    set_doc(app.clone(), DocKind::Hazards, doc).await
}
async fn delete_hazard(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(i): Path<String>,
) -> ApiResult<Json<Value>> {
    check_token(&app, &headers)?;
    let _edit = app.edits.lock().await;
    let doc = without_feature(current(&app, &DocKind::Hazards), &i)?;
    set_doc(app.clone(), DocKind::Hazards, doc).await
}

async fn stats(State(app): State<Arc<App>>) -> Json<Value> {
    let m = &app.shared.metrics;
    let (vessels, fixed, risks, hazards, violations, picture, engine_stats, now) = {
        let e = lock(&app);
        (
            e.picture().len(),
            e.fixed_objects().count(),
            e.open_risks().count(),
            e.open_hazards().count(),
            e.zone_violations().count(),
            serde_json::to_value(e.picture_stats()).unwrap_or_default(),
            serde_json::to_value(e.stats()).unwrap_or_default(),
            e.now_ms().map(finisterra_engine::iso8601),
        )
    };
    let by_source: HashMap<String, Value> = m
        .lines_by_source()
        .into_iter()
        .zip(m.messages_by_source())
        .map(|((n, l), (_, msgs))| (n, json!({"lines": l, "messages": msgs})))
        .collect();
    Json(json!({
        "run_id": app.shared.run_id,
        "data_time": now,
        "sources": by_source,
        "decode_errors": m.decode_errors(),
        "events": m.events(),
        "vessels": vessels,
        "fixed_objects": fixed,
        "open_risks": risks,
        "open_hazards": hazards,
        "zone_violations": violations,
        "picture": picture,
        "engine": engine_stats,
    }))
}

#[derive(Deserialize)]
struct OwnShipQuery {
    /// Targets within this range, NM (default 24).
    range_nm: Option<f64>,
}

/// `GET /api/own-ship`: the own ship (`--own-mmsi`, or the vessel of the
/// first `VDO` sentence) and its targets as a navigator's AIS target list
/// shows them: closing targets by time to CPA, then the others by range,
/// each with CPA, TCPA, bearing and range from the own ship's last fix.
async fn own_ship(
    State(app): State<Arc<App>>,
    JsonQuery(q): JsonQuery<OwnShipQuery>,
) -> ApiResult<Json<Value>> {
    use finisterra_nav::cpa::{cpa, Kinematic};
    let range_nm = q.range_nm.unwrap_or(24.0);
    if !(range_nm.is_finite() && range_nm > 0.0) {
        return Err(bad("range_nm must be a positive number"));
    }
    let mmsi = app
        .shared
        .own_mmsi
        .load(std::sync::atomic::Ordering::Relaxed);
    if mmsi == 0 {
        return Err(ApiError(
            StatusCode::NOT_FOUND,
            "no own ship: start serve with --own-mmsi, or feed the receiver's VDO sentences".into(),
        ));
    }
    let engine = lock(&app);
    let kin = |v: &Vessel| Kinematic {
        lat_deg: v.lat_deg,
        lon_deg: v.lon_deg,
        sog_kn: v.sog_kn.unwrap_or(0.0),
        cog_deg: v.cog_deg.unwrap_or(0.0),
        heading_deg: v.heading_deg,
    };
    let Some(own) = engine.picture().vessel(mmsi).filter(|v| v.has_fix()) else {
        return Err(ApiError(
            StatusCode::NOT_FOUND,
            format!("own ship {mmsi} has no position yet"),
        ));
    };
    let own_k = kin(own);
    let mut targets: Vec<(bool, f64, Value)> = engine
        .picture()
        .vessels()
        .filter(|v| v.mmsi != mmsi && v.has_fix() && !v.lost)
        .filter_map(|v| {
            let c = cpa(&own_k, &kin(v));
            // NaN ranges (no valid fix) are left out too.
            if c.range_nm.is_nan() || c.range_nm > range_nm {
                return None;
            }
            let closing = c.tcpa_s.is_finite() && c.tcpa_s >= 0.0;
            let finite = |x: f64| x.is_finite().then_some(x);
            Some((
                closing,
                if closing { c.tcpa_s } else { c.range_nm },
                json!({
                    "mmsi": v.mmsi,
                    "name": v.static_data.name,
                    "range_nm": finite(c.range_nm),
                    "bearing_deg": finite(c.bearing_deg),
                    "cpa_nm": finite(c.cpa_nm),
                    "tcpa_s": finite(c.tcpa_s),
                    "sog_kn": v.sog_kn,
                    "cog_deg": v.cog_deg,
                }),
            ))
        })
        .collect();
    targets.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.total_cmp(&b.1)));
    let alarms: Vec<Value> = engine
        .open_risks()
        .filter_map(|r| serde_json::to_value(r).ok())
        .filter(|r| r["risk"]["a"]["mmsi"] == mmsi || r["risk"]["b"]["mmsi"] == mmsi)
        .collect();
    Ok(Json(json!({
        "own": summary(own),
        "range_nm": range_nm,
        "targets": targets.into_iter().map(|t| t.2).collect::<Vec<_>>(),
        "risks": alarms,
    })))
}

/// `GET /api/stations`: every receiving station (tag block `s:`, else the
/// input) with what it heard: messages it heard first, copies it heard after
/// another station (one transmission is one message), vessels, last heard.
async fn stations(State(app): State<Arc<App>>) -> Json<Value> {
    let r = app
        .shared
        .receivers
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    Json(Value::Array(
        r.stations()
            .iter()
            .map(|(name, s)| {
                json!({
                    "station": name,
                    "messages": s.messages,
                    "duplicates": s.duplicates,
                    "vessels": s.vessels,
                    "last_heard": finisterra_engine::iso8601(s.last_heard_ms),
                    "lat_deg": s.position.map(|p| p.0),
                    "lon_deg": s.position.map(|p| p.1),
                    "farthest_range_nm": s.farthest_range_nm.map(|d| (d * 100.0).round() / 100.0),
                    "farthest_mmsi": s.farthest_mmsi,
                })
            })
            .collect(),
    ))
}

/// `GET /api/event-kinds`: every event kind, and which ones raise or end
/// an alert (the console's one source for them).
async fn event_kinds() -> Json<Value> {
    Json(Value::Array(
        EventKind::ALL
            .iter()
            .map(|k| json!({"kind": k.as_str(), "alert": k.is_alert(), "clears": k.ends_situation()}))
            .collect(),
    ))
}

async fn metrics(State(app): State<Arc<App>>) -> impl IntoResponse {
    let mut text = app.shared.metrics.render();
    crate::metrics::render_stations(
        &app.shared
            .receivers
            .lock()
            .unwrap_or_else(|e| e.into_inner()),
        &mut text,
    );
    crate::outputs::render(&app.shared.outputs, &mut text);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text)
}

async fn openapi() -> Json<Value> {
    Json(crate::openapi::document())
}

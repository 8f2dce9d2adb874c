//! History read back and exports: stored tracks (one vessel's, or the
//! whole picture's in a box, for playback) and events, as JSON, CSV or
//! GeoJSON, paged by a cursor.
//!
//! Tracks come from the state store (`--data-dir` or `--store`), where the
//! state thread writes a point per vessel every 30 s and keeps them
//! `--retention-days`; without a store there is no history (an error
//! says so). Every page names the next one: `next` in JSON, a `Link:
//! <...>; rel="next"` header in every format.

use std::fmt::Write as _;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use finisterra_store::{TrackPoint, TrackWindow};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::api::{bad, parse_bbox, parse_query_time, ApiError, ApiResult, App, JsonQuery};

/// Points per page by default, and at most.
pub const TRACK_PAGE: usize = 10_000;
/// Most points one request may ask for.
pub const TRACK_PAGE_MAX: usize = 100_000;
/// The window when `from` is not given: an hour before `to`.
const DEFAULT_WINDOW_MS: i64 = 3_600_000;

/// What an export is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON (the default).
    Json,
    /// CSV with a header line.
    Csv,
    /// A GeoJSON FeatureCollection.
    GeoJson,
}

impl Format {
    /// `json`, `csv` or `geojson`.
    pub fn parse(s: Option<&str>) -> ApiResult<Format> {
        match s {
            None | Some("json") => Ok(Format::Json),
            Some("csv") => Ok(Format::Csv),
            Some("geojson") => Ok(Format::GeoJson),
            Some(f) => Err(bad(format!(
                "format must be json, csv or geojson, not {f:?}"
            ))),
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::GeoJson => "application/geo+json",
        }
    }
}

/// A response body in a format, with the `Link` to the next page (if any)
/// and, for CSV and GeoJSON, a file name to save it under.
pub fn export(format: Format, body: String, next: Option<String>, file: &str) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if format != Format::Json {
        let ext = if format == Format::Csv {
            "csv"
        } else {
            "geojson"
        };
        if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{file}.{ext}\"")) {
            h.insert(header::CONTENT_DISPOSITION, v);
        }
    }
    if let Some(n) = next.and_then(|n| HeaderValue::from_str(&format!("<{n}>; rel=\"next\"")).ok())
    {
        h.insert(header::LINK, n);
    }
    r
}

/// The query of both track endpoints.
#[derive(Deserialize)]
pub struct TrackQueryString {
    /// From this data time (inclusive): ms or ISO 8601; default `to` - 1 h.
    from: Option<String>,
    /// To this data time (exclusive): ms or ISO 8601; default: now (the
    /// picture's data time).
    to: Option<String>,
    /// `min_lon,min_lat,max_lon,max_lat` (all-vessel tracks).
    bbox: Option<String>,
    /// The cursor: `TIME_MS:MMSI` of the last point of the previous page.
    after: Option<String>,
    /// Points per page (default 10,000, at most 100,000).
    limit: Option<usize>,
    /// `json`, `csv` or `geojson`.
    format: Option<String>,
}

fn parse_cursor(s: &str) -> ApiResult<(i64, u32)> {
    let err = || {
        bad(format!(
            "after must be TIME_MS:MMSI (the `next` of the previous page), not {s:?}"
        ))
    };
    let (t, m) = s.split_once(':').ok_or_else(err)?;
    Ok((t.parse().map_err(|_| err())?, m.parse().map_err(|_| err())?))
}

/// `GET /api/vessels/{mmsi}/track`: one vessel's stored track.
pub async fn vessel_track(
    State(app): State<Arc<App>>,
    Path(mmsi): Path<String>,
    JsonQuery(q): JsonQuery<TrackQueryString>,
) -> ApiResult<Response> {
    let mmsi: u32 = mmsi
        .parse()
        .map_err(|_| bad(format!("{mmsi:?} is not an MMSI")))?;
    if q.bbox.is_some() {
        return Err(bad(
            "bbox is for /api/tracks (every vessel); a vessel's track has none",
        ));
    }
    tracks(&app, Some(mmsi), q, &format!("/api/vessels/{mmsi}/track"))
}

/// `GET /api/tracks`: every vessel's stored track points in a window (and a
/// box): the picture as it was, for playback.
pub async fn all_tracks(
    State(app): State<Arc<App>>,
    JsonQuery(q): JsonQuery<TrackQueryString>,
) -> ApiResult<Response> {
    tracks(&app, None, q, "/api/tracks")
}

/// The columns of a track point in JSON pages and CSV.
const TRACK_COLUMNS: [&str; 7] = [
    "time_ms",
    "mmsi",
    "lat_deg",
    "lon_deg",
    "sog_kn",
    "cog_deg",
    "heading_deg",
];

fn tracks(app: &App, mmsi: Option<u32>, q: TrackQueryString, path: &str) -> ApiResult<Response> {
    let format = Format::parse(q.format.as_deref())?;
    let to_ms = match q.to.as_deref() {
        Some(t) => parse_query_time("to", t)?,
        None => {
            let engine = app.shared.engine.lock().unwrap_or_else(|e| e.into_inner());
            engine
                .now_ms()
                .unwrap_or_else(crate::clock::now_ms)
                .saturating_add(1)
        }
    };
    let from_ms = match q.from.as_deref() {
        Some(f) => parse_query_time("from", f)?,
        None => to_ms.saturating_sub(DEFAULT_WINDOW_MS),
    };
    if from_ms >= to_ms {
        return Err(bad("from must be before to"));
    }
    let limit = q.limit.unwrap_or(TRACK_PAGE);
    if limit == 0 || limit > TRACK_PAGE_MAX {
        return Err(bad(format!("limit must be 1..={TRACK_PAGE_MAX}")));
    }
    let window = TrackWindow {
        mmsi,
        from_ms,
        to_ms,
        bbox: q
            .bbox
            .as_deref()
            .map(parse_bbox)
            .transpose()?
            .map(|b| b.tuple()),
        after: q.after.as_deref().map(parse_cursor).transpose()?,
        limit,
    };
    let points = {
        let history = app.shared.history.lock().unwrap_or_else(|e| e.into_inner());
        let Some(store) = history.as_ref() else {
            return Err(ApiError(
                StatusCode::NOT_FOUND,
                "no stored history: tracks are kept with --data-dir or --store".into(),
            ));
        };
        store
            .track_window(&window)
            .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("store: {e}")))?
    };
    let next = (points.len() == limit).then(|| {
        let last = points[points.len() - 1];
        let mut n = format!(
            "{path}?from={from_ms}&to={to_ms}&limit={limit}&after={}:{}",
            last.time_ms, last.mmsi
        );
        if let Some(b) = &q.bbox {
            let _ = write!(n, "&bbox={b}");
        }
        if let Some(f) = &q.format {
            let _ = write!(n, "&format={f}");
        }
        n
    });
    let cursor = next
        .as_ref()
        .and_then(|_| points.last().map(|p| format!("{}:{}", p.time_ms, p.mmsi)));
    let file = match mmsi {
        Some(m) => format!("track-{m}"),
        None => "tracks".into(),
    };
    let body = match format {
        Format::Json => json!({
            "from_ms": from_ms,
            "to_ms": to_ms,
            "columns": TRACK_COLUMNS,
            "points": points.iter().map(|p| json!([p.time_ms, p.mmsi, p.lat_deg, p.lon_deg, p.sog_kn, p.cog_deg, p.heading_deg])).collect::<Vec<_>>(),
            "next": cursor,
        })
        .to_string(),
        Format::Csv => tracks_csv(&points),
        Format::GeoJson => tracks_geojson(&points).to_string(),
    };
    Ok(export(format, body, next, &file))
}

fn opt(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn tracks_csv(points: &[TrackPoint]) -> String {
    let mut o = String::with_capacity(points.len() * 64 + 64);
    o.push_str(&TRACK_COLUMNS.join(","));
    o.push_str(",time\n");
    for p in points {
        let _ = writeln!(
            o,
            "{},{},{},{},{},{},{},{}",
            p.time_ms,
            p.mmsi,
            p.lat_deg,
            p.lon_deg,
            opt(p.sog_kn),
            opt(p.cog_deg),
            opt(p.heading_deg),
            finisterra_engine::iso8601(p.time_ms)
        );
    }
    o
}

/// One feature per vessel: a LineString of its points in time order (a
/// Point when it has one), with the points' times beside.
fn tracks_geojson(points: &[TrackPoint]) -> Value {
    let mut by_vessel: std::collections::BTreeMap<u32, Vec<&TrackPoint>> = Default::default();
    for p in points {
        by_vessel.entry(p.mmsi).or_default().push(p);
    }
    let features: Vec<Value> = by_vessel
        .into_iter()
        .map(|(mmsi, ps)| {
            let coords: Vec<Value> = ps.iter().map(|p| json!([p.lon_deg, p.lat_deg])).collect();
            let geometry = if coords.len() == 1 {
                json!({"type": "Point", "coordinates": coords[0]})
            } else {
                json!({"type": "LineString", "coordinates": coords})
            };
            json!({
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "mmsi": mmsi,
                    "start_time": finisterra_engine::iso8601(ps[0].time_ms),
                    "end_time": finisterra_engine::iso8601(ps[ps.len() - 1].time_ms),
                    "times_ms": ps.iter().map(|p| p.time_ms).collect::<Vec<_>>(),
                    "sog_kn": ps.iter().map(|p| p.sog_kn).collect::<Vec<_>>(),
                },
            })
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}

/// The columns of an event in CSV.
const EVENT_COLUMNS: [&str; 14] = [
    "id",
    "time",
    "kind",
    "level",
    "mmsi",
    "other_mmsi",
    "lat_deg",
    "lon_deg",
    "cpa_nm",
    "tcpa_s",
    "zone",
    "text",
    "acknowledged_by",
    "acknowledged_at",
];

/// Where an event happened: the first vessel's position (a risk's `a`, a
/// zone or hazard event's vessel, a distress position).
fn event_position(e: &Value) -> Option<(f64, f64)> {
    let at = |v: &Value| Some((v["lat"].as_f64()?, v["lon"].as_f64()?));
    at(&e["a"]).or_else(|| at(&e["vessel"])).or_else(|| at(e))
}

/// Events (each the JSON the API serves, acknowledgements marked) as CSV.
pub fn events_csv(events: &[Value]) -> String {
    use finisterra_engine::csv_field;
    let mut o = EVENT_COLUMNS.join(",");
    o.push('\n');
    for e in events {
        let num = |v: &Value| v.as_f64().map(|x| x.to_string()).unwrap_or_default();
        let (lat, lon) = event_position(e).map_or((String::new(), String::new()), |(a, b)| {
            (a.to_string(), b.to_string())
        });
        let mmsi = e["a"]["mmsi"]
            .as_u64()
            .or(e["vessel"]["mmsi"].as_u64())
            .or(e["mmsi"].as_u64())
            .map(|m| m.to_string())
            .unwrap_or_default();
        let text = e["ruling"]
            .as_str()
            .or(e["reason"].as_str())
            .or(e["action"].as_str())
            .or(e["text"].as_str())
            .unwrap_or_default();
        let fields = [
            e["id"].to_string(),
            e["time"].as_str().unwrap_or_default().to_string(),
            e["kind"].as_str().unwrap_or_default().to_string(),
            e["level"].as_str().unwrap_or_default().to_string(),
            mmsi,
            e["b"]["mmsi"]
                .as_u64()
                .map(|m| m.to_string())
                .unwrap_or_default(),
            lat,
            lon,
            num(&e["cpa_nm"]),
            num(&e["tcpa_s"]),
            e["zone"]["id"]
                .as_str()
                .or(e["zone"]["name"].as_str())
                .unwrap_or_default()
                .to_string(),
            text.to_string(),
            e["acknowledged_by"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            e["acknowledged_at"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        ];
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                o.push(',');
            }
            csv_field(f, &mut o);
        }
        o.push('\n');
    }
    o
}

/// Events as GeoJSON Points at their position (events without one are
/// left out: a GeoJSON feature needs a place), the event as properties.
pub fn events_geojson(events: &[Value]) -> Value {
    let features: Vec<Value> = events
        .iter()
        .filter_map(|e| {
            let (lat, lon) = event_position(e)?;
            Some(json!({
                "type": "Feature",
                "id": e["id"],
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": e,
            }))
        })
        .collect();
    json!({"type": "FeatureCollection", "features": features})
}

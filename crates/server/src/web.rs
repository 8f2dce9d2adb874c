//! The web map: static assets compiled into the binary (the release binary
//! alone serves the page, no tile server, no internet), and the land
//! basemap.

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::OnceLock;

/// `(path, content type, bytes, entity tag)` of every asset under `web/`.
const ASSETS: &[(&str, &str, &[u8], &str)] = &include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// Natural Earth 1:50m land (world-atlas TopoJSON) for the basemap.
const LAND_50M: &[u8] = include_bytes!("../../../data/land/land-50m.json");

fn find(path: &str) -> Option<(&'static str, &'static [u8], &'static str)> {
    ASSETS.iter().find(|a| a.0 == path).map(|a| (a.1, a.2, a.3))
}

/// Serves a built-in file. Browsers may keep it but must revalidate
/// (`no-cache` with an entity tag): an upgraded server is never shown with
/// yesterday's scripts, and an unchanged file costs a `304`.
fn respond(headers: &HeaderMap, ct: &'static str, body: &'static [u8], etag: &str) -> Response {
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let common = [
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        (
            header::ETAG,
            HeaderValue::from_str(etag).unwrap_or(HeaderValue::from_static("\"0\"")),
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
    ];
    if matches {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    (common, [(header::CONTENT_TYPE, ct)], body).into_response()
}

/// `/`: the map page.
pub async fn index(headers: HeaderMap) -> Response {
    match find("index.html") {
        Some((ct, b, tag)) => respond(&headers, ct, b, tag),
        None => (StatusCode::NOT_FOUND, "no web page built in").into_response(),
    }
}

/// `/assets/...`: scripts, styles, vendored libraries.
pub async fn asset(headers: HeaderMap, Path(path): Path<String>) -> Response {
    match find(&path) {
        Some((ct, b, tag)) => respond(&headers, ct, b, tag),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}

/// `/api/land`: the land polygons of the basemap (TopoJSON).
pub async fn land(headers: HeaderMap) -> Response {
    static TAG: OnceLock<String> = OnceLock::new();
    let tag = TAG.get_or_init(|| {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for &b in LAND_50M {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        format!("\"{h:016x}\"")
    });
    respond(&headers, "application/json", LAND_50M, tag)
}

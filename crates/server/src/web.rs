//! The web map: static assets compiled into the binary (the release binary
//! alone serves the page, no tile server, no internet), and the land
//! basemap.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// `(path, content type, bytes)` of every asset under `web/`.
const ASSETS: &[(&str, &str, &[u8])] = &include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// Natural Earth 1:50m land (world-atlas TopoJSON) for the basemap.
const LAND_50M: &[u8] = include_bytes!("../../../data/land/land-50m.json");

fn find(path: &str) -> Option<(&'static str, &'static [u8])> {
    ASSETS.iter().find(|a| a.0 == path).map(|a| (a.1, a.2))
}

fn respond(ct: &'static str, body: &'static [u8], cache: bool) -> Response {
    let cache_control = if cache {
        "public, max-age=3600"
    } else {
        "no-cache"
    };
    (
        [
            (header::CONTENT_TYPE, ct),
            (header::CACHE_CONTROL, cache_control),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

/// `/`: the map page.
pub async fn index() -> Response {
    match find("index.html") {
        Some((ct, b)) => respond(ct, b, false),
        None => (StatusCode::NOT_FOUND, "no web page built in").into_response(),
    }
}

/// `/assets/...`: scripts, styles, vendored libraries.
pub async fn asset(Path(path): Path<String>) -> Response {
    match find(&path) {
        Some((ct, b)) => respond(ct, b, !path.ends_with(".html")),
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}

/// `/api/land`: the land polygons of the basemap (TopoJSON).
pub async fn land() -> Response {
    respond("application/json", LAND_50M, true)
}

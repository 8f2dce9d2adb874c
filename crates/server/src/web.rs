//! The web map: static assets compiled into the binary (the release binary
//! alone serves the page, no tile server, no internet), and the land
//! basemap: the engine's own coastline, as a flat map draws it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use finisterra_geofence::mapland::MAX_LEVEL;
use finisterra_geofence::{Land, MapLand};
use serde::Deserialize;

use crate::api::{ApiError, App, JsonQuery};

/// `(path, content type, bytes, entity tag)` of every asset under `web/`.
const ASSETS: &[(&str, &str, &[u8], &str)] = &include!(concat!(env!("OUT_DIR"), "/assets.rs"));

fn find(path: &str) -> Option<(&'static str, &'static [u8], &'static str)> {
    ASSETS.iter().find(|a| a.0 == path).map(|a| (a.1, a.2, a.3))
}

/// Serves a built-in file. Browsers may keep it but must revalidate
/// (`no-cache` with an entity tag): an upgraded server is never shown with
/// yesterday's scripts, and an unchanged file costs a `304`.
fn respond(headers: &HeaderMap, ct: &'static str, body: &'static [u8], etag: &str) -> Response {
    respond_bytes(headers, ct, Bytes::from_static(body), etag)
}

fn respond_bytes(headers: &HeaderMap, ct: &'static str, body: Bytes, etag: &str) -> Response {
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

/// Levels served for the whole world; finer levels are served for a box
/// (`bbox`). Bytes measured for the bundled 1:10m land: level 0 131 kB,
/// 1 283 kB, 2 651 kB, 3 1.19 MB, 4 1.98 MB (the whole world at level 9
/// would be 8.3 MB).
pub const WORLD_LEVELS: u8 = 4;

/// Largest box served, pixels a side at its level (three 4K screens).
pub const MAX_BOX_PX: f64 = 16_384.0;

/// Boxes kept, answered again without simplifying again.
const BOX_CACHE: usize = 16;

/// A level's GeoJSON and its entity tag.
type Answer = Arc<(Bytes, String)>;

/// A box answer's key: the level and the box's bits.
type BoxKey = (u8, [u64; 4]);

/// The land of the basemap: the polygons the engine judges with (the
/// bundled land, `--land FILE` or none), cut at ±180° and simplified per
/// level on first use, then kept.
pub struct LandLayer {
    map: Option<MapLand>,
    /// Hash of the land's compact form (entity tags).
    hash: u64,
    world: [OnceLock<Answer>; WORLD_LEVELS as usize + 1],
    boxes: Mutex<VecDeque<(BoxKey, Answer)>>,
}

fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

const NO_LAND: &[u8] = br#"{"type":"FeatureCollection","features":[]}"#;

impl LandLayer {
    /// The layer of the engine's land (`None`: no land, an empty map).
    pub fn new(land: Option<&Land>) -> LandLayer {
        LandLayer {
            map: land.map(MapLand::new),
            hash: land.map_or(0, |l| fnv1a(&l.to_bytes())),
            world: Default::default(),
            boxes: Mutex::new(VecDeque::new()),
        }
    }

    fn tag(&self, level: u8, bbox: Option<[f64; 4]>) -> String {
        match bbox {
            None => format!("\"{:016x}-{level}\"", self.hash),
            Some(b) => {
                let bytes: Vec<u8> = b.iter().flat_map(|v| v.to_bits().to_le_bytes()).collect();
                format!("\"{:016x}-{level}-{:016x}\"", self.hash, fnv1a(&bytes))
            }
        }
    }

    fn build(&self, level: u8, bbox: Option<[f64; 4]>) -> Answer {
        let body = match &self.map {
            Some(m) => Bytes::from(m.level(level, bbox).geojson()),
            None => Bytes::from_static(NO_LAND),
        };
        Arc::new((body, self.tag(level, bbox)))
    }

    /// The GeoJSON of `level` (clamped to the finest), of the whole world
    /// (`bbox` `None`, levels up to [`WORLD_LEVELS`]) or of a box.
    /// Simplifies, so call it off the async threads.
    pub fn answer(&self, level: u8, bbox: Option<[f64; 4]>) -> Answer {
        let level = level.min(MAX_LEVEL);
        match bbox {
            None => self.world[usize::from(level.min(WORLD_LEVELS))]
                .get_or_init(|| self.build(level.min(WORLD_LEVELS), None))
                .clone(),
            Some(b) => {
                let key = (level, b.map(f64::to_bits));
                let hit = self.cached(&key);
                if let Some(a) = hit {
                    return a;
                }
                let a = self.build(level, Some(b));
                let mut q = self.boxes.lock().unwrap_or_else(|e| e.into_inner());
                if q.len() >= BOX_CACHE {
                    q.pop_front();
                }
                q.push_back((key, a.clone()));
                a
            }
        }
    }

    fn cached(&self, key: &BoxKey) -> Option<Answer> {
        let q = self.boxes.lock().unwrap_or_else(|e| e.into_inner());
        q.iter().find(|(k, _)| k == key).map(|(_, a)| a.clone())
    }
}

/// Query of `/api/land`.
#[derive(Deserialize)]
pub struct LandQuery {
    /// The map's zoom (level 0 when absent; fractions are rounded up).
    zoom: Option<f64>,
    /// `west,south,east,north`, degrees (`west > east` crosses ±180°);
    /// needed above [`WORLD_LEVELS`].
    bbox: Option<String>,
}

/// A box of the map: a box of `nav::geo::BBox` with an area (south below
/// north, west not east).
fn parse_bbox(s: &str) -> Result<[f64; 4], String> {
    let b = finisterra_nav::geo::BBox::parse(s).map_err(|e| format!("bbox {s:?}: {e}"))?;
    if b.south_deg >= b.north_deg || b.west_deg == b.east_deg {
        return Err(format!("bbox {s:?}: south < north and west ≠ east"));
    }
    Ok([b.west_deg, b.south_deg, b.east_deg, b.north_deg])
}

/// Size of a box in pixels of `level`: `(wide, high)`.
fn box_px(b: [f64; 4], level: u8) -> (f64, f64) {
    let merc = |lat: f64| {
        let phi = lat.clamp(-85.051_13, 85.051_13).to_radians();
        (std::f64::consts::FRAC_PI_4 + phi / 2.0)
            .tan()
            .ln()
            .to_degrees()
    };
    let px_per_deg = 512.0 * f64::powi(2.0, i32::from(level)) / 360.0;
    let wide = if b[0] < b[2] {
        b[2] - b[0]
    } else {
        360.0 - (b[0] - b[2])
    };
    (wide * px_per_deg, (merc(b[3]) - merc(b[1])) * px_per_deg)
}

/// `/api/land?zoom=Z[&bbox=W,S,E,N]`: the land the engine judges with
/// (GeoJSON, one MultiPolygon), simplified for zoom `Z` (half a pixel),
/// cut at ±180°; the whole world up to zoom [`WORLD_LEVELS`], a box of at
/// most [`MAX_BOX_PX`] pixels a side above. No land loaded: an empty
/// collection.
pub async fn land(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    JsonQuery(q): JsonQuery<LandQuery>,
) -> Response {
    let zoom = q.zoom.unwrap_or(0.0);
    if !(0.0..=30.0).contains(&zoom) {
        return ApiError(StatusCode::BAD_REQUEST, format!("zoom {zoom}: 0 to 30")).into_response();
    }
    let level = (zoom.ceil() as u8).min(MAX_LEVEL);
    let bbox = match q.bbox.as_deref().map(parse_bbox).transpose() {
        Ok(b) => b,
        Err(e) => return ApiError(StatusCode::BAD_REQUEST, e).into_response(),
    };
    let bbox = match bbox {
        None if level > WORLD_LEVELS => {
            return ApiError(
                StatusCode::BAD_REQUEST,
                format!(
                    "above zoom {WORLD_LEVELS} give the box to draw: bbox=west,south,east,north"
                ),
            )
            .into_response()
        }
        Some(_) if level <= WORLD_LEVELS => None,
        Some(b) => {
            let (w, h) = box_px(b, level);
            if w > MAX_BOX_PX || h > MAX_BOX_PX {
                return ApiError(
                    StatusCode::BAD_REQUEST,
                    format!(
                        "bbox is {w:.0} × {h:.0} pixels at zoom {level}: at most {MAX_BOX_PX} a side"
                    ),
                )
                .into_response();
            }
            Some(b)
        }
        None => None,
    };
    // The tag does not need the body: a revalidation costs nothing.
    let tag = app.land.tag(level, bbox);
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag));
    if fresh {
        return respond_bytes(&headers, "application/geo+json", Bytes::new(), &tag);
    }
    let layer = app.clone();
    match tokio::task::spawn_blocking(move || layer.land.answer(level, bbox)).await {
        Ok(a) => respond_bytes(&headers, "application/geo+json", a.0.clone(), &a.1),
        Err(_) => ApiError(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the land could not be drawn".into(),
        )
        .into_response(),
    }
}

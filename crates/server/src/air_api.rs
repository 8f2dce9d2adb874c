//! The aircraft of the picture over HTTP: `GET /api/aircraft` (Finisterra's
//! own names, units in them, as `/api/vessels`) and `GET
//! /data/aircraft.json` (readsb's snapshot, as tar1090 and other tools read
//! it: `now`, `messages`, `aircraft[]` with `hex`, `flight`, `alt_baro`,
//! `alt_geom`, `gs`, `track`, `baro_rate`, `geom_rate`, `lat`, `lon`,
//! `squawk`, `category`, `seen`, `seen_pos`, `messages`). Times are data
//! times: the picture's own clock, so a replay shows what live showed.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use finisterra_engine::{AirId, Aircraft};
use serde_json::{json, Map, Value};

use crate::api::App;

fn now_ms(app: &App) -> (Vec<Aircraft>, Option<i64>, u64) {
    let engine = app.shared.engine.lock().unwrap_or_else(|e| e.into_inner());
    (
        engine.aircraft().to_vec(),
        engine.now_ms(),
        engine.air_stats().messages,
    )
}

fn secs(now: Option<i64>, t: i64) -> Option<f64> {
    let now = now?;
    (t != i64::MIN).then(|| ((now - t).max(0) as f64 / 100.0).round() / 10.0)
}

/// `GET /api/aircraft`: every aircraft, units in the names.
pub async fn aircraft(State(app): State<Arc<App>>) -> Json<Value> {
    let (list, now, _) = now_ms(&app);
    let v: Vec<Value> = list
        .iter()
        .map(|a| {
            let mut o = Map::new();
            match a.id {
                AirId::Mmsi(m) => {
                    o.insert("mmsi".into(), json!(m));
                    o.insert("source".into(), json!("ais_sar"));
                }
                _ => {
                    o.insert("hex".into(), json!(a.id.text()));
                    o.insert("source".into(), json!("mode_s"));
                }
            }
            let mut put = |k: &str, v: Value| {
                if !v.is_null() {
                    o.insert(k.into(), v);
                }
            };
            put("flight", json!(a.flight));
            put("category", json!(a.category));
            put("squawk", json!(a.squawk));
            put("emergency", json!(a.emergency));
            if a.has_fix() {
                put("lat", json!(a.lat_deg));
                put("lon", json!(a.lon_deg));
                put("seen_pos_s", json!(secs(now, a.fix_ms)));
            }
            put("alt_baro_ft", json!(a.alt_baro_ft));
            put("alt_geom_ft", json!(a.alt_geom_ft));
            put("gs_kn", json!(a.gs_kn));
            put("track_deg", json!(a.track_deg));
            put("vertical_rate_fpm", json!(a.vertical_rate_fpm()));
            put("track_rate_deg_s", json!(a.track_rate_deg_s));
            put("trend", json!(a.trend()));
            put("on_ground", json!(a.on_ground));
            put("seen_s", json!(secs(now, a.seen_ms)));
            put("messages", json!(a.messages));
            Value::Object(o)
        })
        .collect();
    Json(Value::Array(v))
}

/// `GET /data/aircraft.json`: readsb's snapshot format.
pub async fn readsb(State(app): State<Arc<App>>) -> Json<Value> {
    let (list, now, messages) = now_ms(&app);
    let v: Vec<Value> = list
        .iter()
        .filter(|a| !matches!(a.id, AirId::Mmsi(_)))
        .map(|a| {
            let mut o = Map::new();
            o.insert("hex".into(), json!(a.id.text()));
            o.insert(
                "type".into(),
                json!(if matches!(a.id, AirId::NonIcao(_)) {
                    "adsb_other"
                } else {
                    "adsb_icao"
                }),
            );
            let mut put = |k: &str, v: Value| {
                if !v.is_null() {
                    o.insert(k.into(), v);
                }
            };
            // readsb pads the callsign to eight characters.
            put(
                "flight",
                json!(a.flight.as_ref().map(|f| format!("{f:<8}"))),
            );
            if a.on_ground {
                put("alt_baro", json!("ground"));
            } else {
                put("alt_baro", json!(a.alt_baro_ft.map(|v| v.round() as i64)));
            }
            put("alt_geom", json!(a.alt_geom_ft.map(|v| v.round() as i64)));
            put("gs", json!(a.gs_kn.map(|v| (v * 10.0).round() / 10.0)));
            put(
                "track",
                json!(a.track_deg.map(|v| (v * 100.0).round() / 100.0)),
            );
            put(
                "baro_rate",
                json!(a.baro_rate_fpm.map(|v| v.round() as i64)),
            );
            put(
                "geom_rate",
                json!(a.geom_rate_fpm.map(|v| v.round() as i64)),
            );
            put("squawk", json!(a.squawk));
            put("category", json!(a.category));
            if a.has_fix() {
                put("lat", json!((a.lat_deg * 1e6).round() / 1e6));
                put("lon", json!((a.lon_deg * 1e6).round() / 1e6));
                put("seen_pos", json!(secs(now, a.fix_ms)));
            }
            put("messages", json!(a.messages));
            put("seen", json!(secs(now, a.seen_ms)));
            Value::Object(o)
        })
        .collect();
    Json(json!({
        "now": now.map(|t| t as f64 / 1000.0),
        "messages": messages,
        "aircraft": v,
    }))
}

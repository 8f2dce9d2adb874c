//! Signal K: Finisterra's alarms as notification deltas, so that Signal K
//! servers and apps (signalk-server, Freeboard-SK, WilhelmSK) show them.
//! `signalk+udp://host:port` sends one delta per datagram (signalk-server's
//! "Signal K / UDP" data connection); `signalk+tcp://host:port` writes
//! them one per line on a connection it opens.
//!
//! Paths (each in the context of the vessel concerned,
//! `vessels.urn:mrn:imo:mmsi:<MMSI>`):
//! - `notifications.navigation.closestApproach.urn:mrn:imo:mmsi:<OTHER>`
//!   for a collision risk, in both vessels' contexts (the path
//!   signalk-derived-data uses);
//! - `notifications.navigation.hazard.<kind>` for standing into danger;
//! - `notifications.navigation.zone.<zone id>` for keep-out and keep-in
//!   violations (predicted: `warn`);
//! - `notifications.navigation.distress` for distress (`emergency`).
//!
//! A raised or updated situation has state `warn` or `alarm` (method visual
//! and sound for alarms), its clearing state `normal`; zone entries, exits
//! and crossings and lost targets are not notifications.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use serde_json::{json, Value};

use super::{Backoff, Item, Kind, Outage, OutputSpec, OutputStats, Queue};

/// A vessel's Signal K context.
fn context(mmsi: u64) -> String {
    format!("vessels.urn:mrn:imo:mmsi:{mmsi:09}")
}

/// A path segment made of what Signal K paths allow.
fn segment(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `warn` or `alarm` from an event's level.
fn state(e: &Value) -> &'static str {
    match e["level"].as_str() {
        Some("alarm") => "alarm",
        _ => "warn",
    }
}

/// The methods for a state.
fn method(state: &str) -> Value {
    match state {
        "alarm" | "emergency" => json!(["visual", "sound"]),
        "normal" => json!([]),
        _ => json!(["visual"]),
    }
}

/// `m:ss` of a time to CPA.
fn mm_ss(s: f64) -> String {
    let s = s.max(0.0).round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

/// The vessel's name or MMSI.
fn who(v: &Value) -> String {
    v["name"]
        .as_str()
        .map(String::from)
        .unwrap_or_else(|| format!("MMSI {}", v["mmsi"]))
}

/// One delta: `value` at `path` in the context of `mmsi`.
fn delta(mmsi: u64, time: &str, path: String, state: &str, message: String) -> Value {
    json!({
        "context": context(mmsi),
        "updates": [{
            "source": {"label": "finisterra", "type": "finisterra"},
            "timestamp": time,
            "values": [{
                "path": path,
                "value": {"state": state, "method": method(state), "message": message},
            }],
        }],
    })
}

/// The deltas of an event (none for kinds that are not notifications).
pub fn deltas(kind: &str, json: &str) -> Vec<Value> {
    let Ok(e) = serde_json::from_str::<Value>(json) else {
        return Vec::new();
    };
    let time = e["time"].as_str().unwrap_or_default().to_string();
    let mut out = Vec::new();
    match kind {
        "risk.raised" | "risk.updated" | "risk.cleared" => {
            let (a, b) = (&e["a"], &e["b"]);
            let (Some(ma), Some(mb)) = (a["mmsi"].as_u64(), b["mmsi"].as_u64()) else {
                return out;
            };
            let cleared = kind == "risk.cleared";
            let st = if cleared { "normal" } else { state(&e) };
            for (me, other, mo) in [(ma, b, mb), (mb, a, ma)] {
                let message = if cleared {
                    format!(
                        "Clear of {}: {}",
                        who(other),
                        e["reason"].as_str().unwrap_or("cleared")
                    )
                } else {
                    format!(
                        "CPA {:.2} NM in {} with {}; {}",
                        e["cpa_nm"].as_f64().unwrap_or(f64::NAN),
                        mm_ss(e["tcpa_s"].as_f64().unwrap_or(0.0)),
                        who(other),
                        e["ruling"].as_str().unwrap_or_default()
                    )
                };
                let path =
                    format!("notifications.navigation.closestApproach.urn:mrn:imo:mmsi:{mo:09}");
                out.push(delta(me, &time, path, st, message));
            }
        }
        "hazard.raised" | "hazard.updated" | "hazard.cleared" => {
            let Some(m) = e["vessel"]["mmsi"].as_u64() else {
                return out;
            };
            let h = &e["hazard"];
            let hk = h["kind"].as_str().unwrap_or("hazard");
            let cleared = kind == "hazard.cleared";
            let st = if cleared { "normal" } else { state(&e) };
            let what = h["name"].as_str().unwrap_or(hk);
            let message = if cleared {
                format!("Clear of {what}")
            } else {
                format!(
                    "Standing into danger: {what} {:.2} NM, in {}",
                    e["distance_nm"].as_f64().unwrap_or(f64::NAN),
                    mm_ss(e["time_to_hazard_s"].as_f64().unwrap_or(0.0))
                )
            };
            out.push(delta(
                m,
                &time,
                format!("notifications.navigation.hazard.{}", segment(hk)),
                st,
                message,
            ));
        }
        "zone.violation" | "zone.predicted" | "zone.cleared" => {
            let Some(m) = e["vessel"]["mmsi"].as_u64() else {
                return out;
            };
            let z = &e["zone"];
            let name = z["name"].as_str().unwrap_or("zone");
            let id = z["id"].as_str().unwrap_or(name);
            let st = match kind {
                "zone.violation" => "alarm",
                "zone.predicted" => "warn",
                _ => "normal",
            };
            let message = match kind {
                "zone.cleared" => format!("{name}: clear"),
                _ => format!(
                    "{name} ({}): {}",
                    z["rule"].as_str().unwrap_or_default(),
                    e["action"].as_str().unwrap_or(kind)
                ),
            };
            out.push(delta(
                m,
                &time,
                format!("notifications.navigation.zone.{}", segment(id)),
                st,
                message,
            ));
        }
        "distress" => {
            let Some(m) = e["mmsi"].as_u64() else {
                return out;
            };
            let message = format!(
                "Distress: {}{}",
                e["reason"].as_str().unwrap_or("distress"),
                e["text"]
                    .as_str()
                    .map(|t| format!(" ({t})"))
                    .unwrap_or_default()
            );
            out.push(delta(
                m,
                &time,
                "notifications.navigation.distress".into(),
                "emergency",
                message,
            ));
        }
        _ => {}
    }
    out
}

/// Runs the output until the server stops.
pub async fn run(spec: OutputSpec, mut q: Queue, stats: Arc<OutputStats>) {
    let addr = spec.url.host_port(0);
    let mut outage = Outage::new(&spec.name);
    let mut backoff = Backoff::default();
    let mut udp: Option<tokio::net::UdpSocket> = None;
    let mut tcp: Option<tokio::net::TcpStream> = None;
    while let Some(item) = q.next().await {
        let Item::Event(p) = item else { continue };
        for d in deltas(p.kind, &p.json) {
            let mut line = d.to_string();
            if spec.kind == Kind::SignalKTcp {
                line.push_str("\r\n");
                super::nmea::send_tcp(
                    &addr,
                    &mut tcp,
                    line.as_bytes(),
                    &stats,
                    &mut outage,
                    &mut backoff,
                )
                .await;
                continue;
            }
            if udp.is_none() {
                match super::nmea::udp_socket(&addr).await {
                    Ok(s) => udp = Some(s),
                    Err(e) => {
                        outage.failed(&stats, e);
                        stats.failed.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                }
            }
            let Some(s) = &udp else { continue };
            match s.send(line.as_bytes()).await {
                Ok(_) => {
                    outage.up(&stats);
                    stats.sent.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    outage.failed(&stats, format!("cannot send to {addr}: {e}"));
                    stats.failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }
}

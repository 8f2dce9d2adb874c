//! What the engine's suites share: a busy simulated fleet on the world's
//! lanes, and land, zones and hazards on its tracks.

use finisterra_ais::{AisMessage, Body, Event as DecodeEvent, StreamDecoder};
use finisterra_engine::geofence::{Hazards, Land, Zones};
use finisterra_engine::Geography;
use finisterra_sim::fleet::{simulate_fleet, FleetConfig};

/// The fleet's messages with their data times.
pub fn fleet(vessels: usize, hours: f64) -> Vec<(AisMessage, i64)> {
    let cfg = FleetConfig {
        vessels,
        hours,
        seed: 11,
        report_interval_s: 20.0,
        ..FleetConfig::default()
    };
    let mut dec = StreamDecoder::default();
    let mut msgs = Vec::new();
    let mut n = 0u64;
    simulate_fleet(&cfg, &mut |l| {
        n += 1;
        dec.feed(n, l.as_bytes(), &mut |ev| {
            if let DecodeEvent::Message(m) = ev {
                let t = m.time.expect("simulated lines carry times").unix_ms;
                msgs.push((m.message.clone(), t));
            }
        });
    })
    .expect("the fleet simulates");
    msgs
}

fn square(id: usize, rule: &str, extra: &str, lon: f64, lat: f64, half: f64) -> String {
    let (lon0, lat0, lon1, lat1) = (lon - half, lat - half, lon + half, lat + half);
    format!(
        r#"{{"type":"Feature","id":"z{id}","properties":{{"name":"Zone {id}","rule":"{rule}"{extra}}},
        "geometry":{{"type":"Polygon","coordinates":[[[{lon0},{lat0}],[{lon1},{lat0}],[{lon1},{lat1}],[{lon0},{lat1}],[{lon0},{lat0}]]]}}}}"#
    )
}

/// Land, and zones and hazards on the fleet's tracks: squares around
/// where moving vessels are a quarter of the way through, wrecks where
/// others are.
pub fn geography(msgs: &[(AisMessage, i64)]) -> Geography {
    let mut spots: Vec<(f64, f64)> = Vec::new();
    for (m, _) in &msgs[msgs.len() / 4..] {
        if let Body::Position(p) = &m.body {
            if let (Some(lat), Some(lon), Some(sog)) = (p.lat_deg, p.lon_deg, p.sog_kn) {
                if sog > 5.0
                    && !spots
                        .iter()
                        .any(|&(a, b)| (a - lat).abs() + (b - lon).abs() < 1.0)
                {
                    spots.push((lat, lon));
                }
            }
        }
        if spots.len() == 16 {
            break;
        }
    }
    let rules = [
        ("keep_out", ""),
        ("speed_limit", r#","max_sog_kn":6"#),
        ("notify", ""),
    ];
    let zones: Vec<String> = spots[..10]
        .iter()
        .enumerate()
        .map(|(k, &(lat, lon))| {
            let (rule, extra) = rules[k % rules.len()];
            square(k, rule, extra, lon, lat, 0.04)
        })
        .collect();
    let hazards: Vec<String> = spots[10..]
        .iter()
        .enumerate()
        .map(|(k, &(lat, lon))| {
            format!(
                r#"{{"type":"Feature","id":"w{k}","properties":{{"name":"Wreck {k}","radius_m":400}},
                "geometry":{{"type":"Point","coordinates":[{lon},{lat}]}}}}"#
            )
        })
        .collect();
    let doc = |f: &[String]| {
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            f.join(",")
        )
    };
    Geography {
        land: Some(Land::world().expect("the bundled land")),
        zones: Zones::from_geojson_bytes(doc(&zones).as_bytes()).expect("valid zones"),
        hazards: Hazards::from_geojson_bytes(doc(&hazards).as_bytes()).expect("valid hazards"),
    }
}

//! Fixed hazards and zones through the whole path (simulate -> NMEA ->
//! decode -> engine -> events), with the bundled world coastline.

use finisterra_ais::{Body, Event as DecodeEvent, StreamDecoder};
use finisterra_engine::geofence::{Hazards, Land, Zones};
use finisterra_engine::{Config, Engine, Event, EventBody, Geography, HazardRisk, Level};
use finisterra_nav::geo::distance_m;
use finisterra_sim::{simulate, Manoeuvre, Scenario};

fn example(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../../examples/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

struct Run {
    events: Vec<Event>,
    tracks: Vec<(i64, u32, f64, f64)>,
}

fn run(s: &Scenario, zones: Option<&str>, hazards: Option<&str>) -> Run {
    let mut engine = Engine::new(Config::default());
    engine.set_geography(Geography {
        land: Some(Land::world().unwrap()),
        hazards: hazards.map_or_else(Hazards::empty, |h| {
            Hazards::from_geojson_bytes(h.as_bytes()).unwrap()
        }),
        zones: zones.map_or_else(Zones::empty, |z| {
            Zones::from_geojson_bytes(z.as_bytes()).unwrap()
        }),
    });
    let mut dec = StreamDecoder::default();
    let mut events = Vec::new();
    let mut tracks = Vec::new();
    for (i, l) in simulate(s).unwrap().iter().enumerate() {
        dec.feed(i as u64 + 1, l.as_bytes(), &mut |ev| {
            if let DecodeEvent::Message(m) = ev {
                let t = m.time.unwrap().unix_ms;
                if let Body::Position(p) = &m.message.body {
                    tracks.push((t, m.message.mmsi, p.lat_deg.unwrap(), p.lon_deg.unwrap()));
                }
                let _ = engine.ingest(m.message, t, &mut events);
            }
        });
    }
    Run { events, tracks }
}

fn hazards_of(events: &[Event], mmsi: u32) -> Vec<(i64, &'static str, &HazardRisk)> {
    events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::HazardRaised(h) if h.vessel.mmsi == mmsi => Some((e.time_ms, "raised", h)),
            EventBody::HazardUpdated(h) if h.vessel.mmsi == mmsi => Some((e.time_ms, "updated", h)),
            _ => None,
        })
        .collect()
}

const CARRIER: u32 = 224123450;
const LIGHTHOUSE: (f64, f64) = (42.8817, -9.2717);

#[test]
fn the_carrier_steering_for_finisterre_is_warned_in_time_and_the_advice_clears_the_cape() {
    let s: Scenario = serde_json::from_str(&example("finisterre.json")).unwrap();
    let r = run(&s, None, None);
    let h = hazards_of(&r.events, CARRIER);
    let (t_raise, _, first) = h.first().expect("the carrier is warned");
    // Warned a whole horizon ahead (30 min at 18 kn is 9 NM), not at the
    // last minute: at least 25 minutes before reaching the safety distance.
    assert_eq!(first.level, Level::Warning);
    assert!(
        first.time_to_hazard_s >= 25.0 * 60.0,
        "{}",
        first.time_to_hazard_s
    );
    assert!(first.distance_nm > 8.0, "{}", first.distance_nm);
    let advice = first.advice.first().expect("advice");
    // About 15° to the south (to starboard from her easterly course), as
    // the lighthouse keeper said.
    assert_eq!(serde_json::to_value(advice.direction).unwrap(), "starboard");
    let turn = advice.degrees.unwrap();
    assert!((10.0..=20.0).contains(&turn), "{turn}");
    // Later the lighthouse itself is the hazard named.
    assert!(h
        .iter()
        .any(|(_, _, x)| x.hazard.name.as_deref() == Some("FARO DE FISTERRA")));

    // Follow the advice when it is given: she passes the cape clear.
    let mut s2 = s.clone();
    let c = s2.vessels.iter_mut().find(|v| v.mmsi == CARRIER).unwrap();
    let start_ms = finisterra_sim::parse_iso8601_ms(&s.start).unwrap();
    c.manoeuvres.push(Manoeuvre {
        at_s: ((t_raise - start_ms) / 1000) as f64,
        cog_deg: advice.new_cog_deg,
        sog_kn: None,
        nav_status: None,
    });
    let r2 = run(&s2, None, None);
    let closest_nm = r2
        .tracks
        .iter()
        .filter(|p| p.1 == CARRIER)
        .map(|p| distance_m(p.2, p.3, LIGHTHOUSE.0, LIGHTHOUSE.1) / 1852.0)
        .fold(f64::INFINITY, f64::min);
    assert!(
        closest_nm > 1.0,
        "passes the lighthouse at {closest_nm:.2} NM"
    );
    let alarms_after = hazards_of(&r2.events, CARRIER)
        .into_iter()
        .filter(|(t, _, x)| *t > *t_raise && x.level == Level::Alarm)
        .count();
    assert_eq!(alarms_after, 0, "no grounding alarm once she has altered");
}

#[test]
fn demarcation_line_selects_exactly_the_vessels_it_names() {
    let s: Scenario = serde_json::from_str(&example("minho.json")).unwrap();
    let zones = example("minho-zones.geojson");
    let r = run(&s, Some(&zones), None);
    let mut zone_events: Vec<(String, String, String)> = r
        .events
        .iter()
        .filter_map(|e| {
            let z = match &e.body {
                EventBody::ZonePredicted(z)
                | EventBody::ZoneViolation(z)
                | EventBody::ZoneCleared(z)
                | EventBody::ZoneEntered(z)
                | EventBody::ZoneLeft(z)
                | EventBody::ZoneCrossed(z) => z,
                _ => return None,
            };
            Some((
                e.body.kind().to_string(),
                z.zone.name.clone(),
                z.vessel.name.clone().unwrap_or_default(),
            ))
        })
        .collect();
    zone_events.dedup();
    let expected = [
        ("zone.predicted", "Minho line (Spanish fleet)", "XOUBA"),
        (
            "zone.violation",
            "A Guarda harbour approach",
            "GUARDA RAPIDA",
        ),
        ("zone.cleared", "A Guarda harbour approach", "GUARDA RAPIDA"),
        ("zone.violation", "Minho line (Spanish fleet)", "XOUBA"),
    ];
    let got: Vec<(&str, &str, &str)> = zone_events
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn a_fast_vessel_cannot_jump_a_thin_keep_out_zone_between_fixes() {
    // A 150 m wide cable corridor; a 35 kn craft reporting once a minute
    // (600 m between fixes) crosses it.
    let zones = r#"{"type":"FeatureCollection","features":[{"type":"Feature",
        "properties":{"name":"Cable corridor","rule":"keep_out"},
        "geometry":{"type":"Polygon","coordinates":[[[-9.6,43.3],[-9.4,43.3],[-9.4,43.30135],[-9.6,43.30135],[-9.6,43.3]]]}}]}"#;
    let s: Scenario = serde_json::from_value(serde_json::json!({
        "start": "2026-11-26T10:00:00Z", "duration_s": 600,
        "vessels": [{"mmsi": 224777001, "name": "RAPIDO", "lat": 43.25, "lon": -9.5,
                     "cog_deg": 0, "sog_kn": 35, "report_interval_s": 60}]
    }))
    .unwrap();
    let r = run(&s, Some(zones), None);
    let kinds: Vec<&str> = r
        .events
        .iter()
        .filter(|e| e.body.kind().starts_with("zone."))
        .map(|e| e.body.kind())
        .collect();
    assert_eq!(
        kinds,
        vec!["zone.predicted", "zone.violation", "zone.cleared"]
    );
}

#[test]
fn anchored_ships_and_coasting_traffic_raise_no_hazard() {
    let s: Scenario = serde_json::from_value(serde_json::json!({
        "start": "2026-11-26T10:00:00Z", "duration_s": 1200,
        "vessels": [
            // At anchor half a mile off Corcubión.
            {"mmsi": 224777010, "name": "AT ANCHOR", "nav_status": 1, "lat": 42.93, "lon": -9.175, "sog_kn": 0},
            // Steaming north 8 NM off the coast, parallel to it.
            {"mmsi": 224777011, "name": "COASTER", "lat": 43.0, "lon": -9.45, "cog_deg": 5, "sog_kn": 10},
            // Harbour manoeuvring at 2 kn.
            {"mmsi": 224777012, "name": "TUG", "ship_type": 52, "lat": 42.94, "lon": -9.19, "cog_deg": 270, "sog_kn": 2}
        ]
    }))
    .unwrap();
    let r = run(&s, None, None);
    let any = r
        .events
        .iter()
        .any(|e| e.body.kind().starts_with("hazard."));
    assert!(
        !any,
        "{:?}",
        r.events.iter().map(|e| e.to_json()).collect::<Vec<_>>()
    );
}

#[test]
fn user_hazards_from_geojson_are_judged_like_land() {
    let hazards = r#"{"type":"FeatureCollection","features":[{"type":"Feature",
        "properties":{"name":"Wreck of the Prestige","radius_nm":0.5},
        "geometry":{"type":"Point","coordinates":[-10.0,43.3]}}]}"#;
    let s: Scenario = serde_json::from_value(serde_json::json!({
        "start": "2026-11-26T10:00:00Z", "duration_s": 600,
        "vessels": [{"mmsi": 224777020, "name": "STEERING FOR IT", "lat": 43.2, "lon": -10.0, "cog_deg": 0, "sog_kn": 12}]
    }))
    .unwrap();
    let r = run(&s, None, Some(hazards));
    let h = hazards_of(&r.events, 224777020);
    let (_, _, first) = h.first().expect("raised");
    assert_eq!(first.hazard.kind, "hazard");
    assert_eq!(first.hazard.name.as_deref(), Some("Wreck of the Prestige"));
    assert!(!first.advice.is_empty());
}

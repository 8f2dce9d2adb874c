//! The air picture end to end (issue 13): aircraft simulated as DF 17
//! frames (`finisterra_sim::air`), decoded by `finisterra-modes`, judged by
//! the engine: conflicts in three dimensions and airspace restrictions.

use finisterra_engine::{Config, Engine, Event, EventBody, Geography};
use finisterra_geofence::Zones;
use finisterra_modes::{Decoder, DecoderConfig};
use finisterra_nav::geo::destination;
use finisterra_sim::air::{air_frames, AircraftSpec};

const START_MS: i64 = 1_796_000_000_000;

fn plane(
    icao: &str,
    callsign: &str,
    lat: f64,
    lon: f64,
    alt_ft: f64,
    gs_kn: f64,
    track_deg: f64,
) -> AircraftSpec {
    AircraftSpec {
        icao: icao.into(),
        callsign: callsign.into(),
        category: None,
        lat,
        lon,
        alt_ft,
        gs_kn,
        track_deg,
        rate_fpm: 0.0,
        level_off_ft: None,
        turn_deg_s: 0.0,
        from_s: 0.0,
        until_s: None,
    }
}

/// A point `nm` from (43°N, 9.5°W) on `bearing_deg`.
fn at(bearing_deg: f64, nm: f64) -> (f64, f64) {
    destination(43.0, -9.5, bearing_deg, nm * 1852.0)
}

fn run(aircraft: &[AircraftSpec], duration_s: f64, zones: Option<&str>) -> (Vec<Event>, Engine) {
    let mut engine = Engine::new(Config::default());
    if let Some(z) = zones {
        engine.set_geography(Geography {
            zones: Zones::from_geojson_bytes(z.as_bytes()).expect("zones"),
            ..Geography::default()
        });
    }
    let mut dec = Decoder::new(DecoderConfig::default());
    let mut out = Vec::new();
    for f in air_frames(aircraft, START_MS, duration_s).expect("frames") {
        let m = dec
            .decode(&f.frame, f.time_ms)
            .expect("a clean frame decodes");
        let r = engine.ingest_air_at(&m, Some(f.time_ms), None, &mut out);
        assert!(r.is_taken());
    }
    (out, engine)
}

fn kinds(events: &[Event]) -> Vec<&'static str> {
    events.iter().map(|e| e.body.kind()).collect()
}

fn conflicts(events: &[Event]) -> Vec<&finisterra_engine::AirConflict> {
    events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::AirConflictRaised(c) | EventBody::AirConflictUpdated(c) => Some(c),
            _ => None,
        })
        .collect()
}

#[test]
fn crossing_with_2000_ft_between_them_is_no_conflict() {
    let (la, loa) = at(270.0, 20.0);
    let (lb, lob) = at(180.0, 20.0);
    let (events, engine) = run(
        &[
            plane("4ca001", "EIN1", la, loa, 30_000.0, 450.0, 90.0),
            plane("4ca002", "EIN2", lb, lob, 32_000.0, 450.0, 0.0),
        ],
        240.0,
        None,
    );
    assert!(conflicts(&events).is_empty(), "{:?}", kinds(&events));
    // Both are in the picture with their altitudes and callsigns.
    assert_eq!(engine.aircraft().len(), 2);
    let a = &engine.aircraft()[0];
    assert_eq!(a.flight.as_deref(), Some("EIN1"));
    assert_eq!(a.alt_baro_ft, Some(30_000.0));
    assert!(engine.air_stats().passes > 50);
}

#[test]
fn a_climbing_aircraft_meeting_a_level_one_is_a_conflict_and_says_who_climbs() {
    // A level at FL200 eastbound; B 25 NM ahead, westbound, climbing from
    // FL170 at 2,000 ft/min to FL240: through A's level inside the
    // look-ahead.
    let (la, loa) = at(270.0, 12.5);
    let (lb, lob) = at(90.0, 12.5);
    let mut b = plane("4ca004", "CLIMB4", lb, lob, 17_000.0, 400.0, 270.0);
    b.rate_fpm = 2000.0;
    b.level_off_ft = Some(24_000.0);
    let (events, _) = run(
        &[plane("4ca003", "LEVEL3", la, loa, 20_000.0, 400.0, 90.0), b],
        200.0,
        None,
    );
    let c = conflicts(&events);
    assert!(!c.is_empty(), "{:?}", kinds(&events));
    let first = c[0];
    assert_eq!(first.vertical, "climbing_into");
    assert_eq!(first.mover.as_deref(), Some("4ca004"));
    assert!(
        first.summary.contains("CLIMB4 climbing"),
        "{}",
        first.summary
    );
    assert_eq!(first.b.trend, "climbing");
    assert_eq!(first.a.trend, "level");
    // Horizontal 5 NM, vertical 1,000 ft below FL410.
    assert_eq!(first.separation_nm, 5.0);
    assert_eq!(first.vertical_minimum_ft, 1000.0);
}

#[test]
fn head_on_at_the_same_level_is_raised_at_once_lost_and_cleared_when_passed() {
    let (la, loa) = at(270.0, 15.0);
    let (lb, lob) = at(90.0, 15.0);
    let (events, engine) = run(
        &[
            plane("4ca005", "HEAD5", la, loa, 35_000.0, 450.0, 90.0),
            plane("4ca006", "HEAD6", lb, lob, 35_000.0, 450.0, 270.0),
        ],
        240.0,
        None,
    );
    let k = kinds(&events);
    let raised = events
        .iter()
        .find(|e| e.body.kind() == "air.conflict.raised")
        .expect("raised");
    // 30 NM at a closure of 900 kn: separation (5 NM) is lost 100 s in,
    // inside the 120 s look-ahead from the very first pass.
    assert!(
        raised.time_ms - START_MS <= 8_000,
        "raised {} ms in",
        raised.time_ms - START_MS
    );
    let c = conflicts(&events);
    assert_eq!(c[0].vertical, "level");
    assert!(c[0].v_now_ft.unwrap().abs() < 1.0);
    assert!(c.iter().any(|c| c.separation_lost), "{k:?}");
    let cleared = events
        .iter()
        .find_map(|e| match &e.body {
            EventBody::AirConflictCleared(c) => Some(c),
            _ => None,
        })
        .expect("cleared once they passed");
    assert_eq!(cleared.reason, "passed");
    assert!(cleared.separation_was_lost);
    assert!(cleared.min_h_nm < 1.0, "{}", cleared.min_h_nm);
    assert_eq!(engine.open_air_conflicts().count(), 0);
    // Raised once, cleared once.
    assert_eq!(k.iter().filter(|k| **k == "air.conflict.raised").count(), 1);
    assert_eq!(
        k.iter().filter(|k| **k == "air.conflict.cleared").count(),
        1
    );
}

#[test]
fn overtaking_at_the_same_level_is_a_conflict() {
    let (la, loa) = at(270.0, 4.0);
    let (lb, lob) = at(90.0, 4.0);
    let (events, _) = run(
        &[
            plane("4ca007", "FAST7", la, loa, 37_000.0, 480.0, 90.0),
            plane("4ca008", "SLOW8", lb, lob, 37_000.0, 400.0, 90.0),
        ],
        120.0,
        None,
    );
    let c = conflicts(&events);
    assert!(!c.is_empty(), "{:?}", kinds(&events));
    assert!(c[0].tcpa_s > 0.0);
}

#[test]
fn a_silent_aircraft_ends_its_conflict_and_leaves_the_picture_after_a_minute() {
    let (la, loa) = at(270.0, 15.0);
    let (lb, lob) = at(90.0, 15.0);
    let mut b = plane("4ca00a", "QUIET", lb, lob, 35_000.0, 450.0, 270.0);
    b.until_s = Some(30.0);
    let (events, engine) = run(
        &[plane("4ca009", "STAY", la, loa, 35_000.0, 450.0, 90.0), b],
        120.0,
        None,
    );
    // B falls silent 30 s in: its conflict ends with it once it is stale,
    // and it leaves the picture after 60 s without a message.
    let cleared = events
        .iter()
        .find_map(|e| match &e.body {
            EventBody::AirConflictCleared(c) => Some((e.time_ms, c)),
            _ => None,
        })
        .expect("cleared");
    assert_eq!(cleared.1.reason, "target_lost");
    assert!(engine
        .aircraft_by(finisterra_engine::AirId::Icao(0x4ca00a))
        .is_none());
}

const RESTRICTED: &str = r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"name":"R-1 north bank","id":"R1","rule":"keep_out",
   "floor":"SFC","ceiling":{"value":5000,"unit":"ft","datum":"msl"}},
  "geometry":{"type":"Polygon","coordinates":[[[-9.45,42.9],[-9.2,42.9],[-9.2,43.1],[-9.45,43.1],[-9.45,42.9]]]}}]}"#;

#[test]
fn an_aircraft_descending_into_a_restricted_areas_ceiling_is_predicted_then_violates() {
    // Over the area (east of 9.45°W) at 9,000 ft, descending 1,500 ft/min:
    // through the 5,000 ft ceiling after 160 s.
    let (lat, lon) = destination(43.0, -9.4, 0.0, 0.0);
    let mut a = plane("4ca00b", "DESC11", lat, lon, 9_000.0, 150.0, 90.0);
    a.rate_fpm = -1500.0;
    let (events, _) = run(&[a], 240.0, Some(RESTRICTED));
    let k = kinds(&events);
    let p = k
        .iter()
        .position(|k| *k == "airspace.predicted")
        .expect("predicted");
    let v = k
        .iter()
        .position(|k| *k == "airspace.violation")
        .expect("violation");
    assert!(p < v, "{k:?}");
    let EventBody::AirspaceViolation(al) = &events[v].body else {
        unreachable!()
    };
    assert_eq!(al.zone.name, "R-1 north bank");
    assert_eq!(al.ceiling_ft, Some(5000.0));
    assert!(
        al.approximate,
        "an MSL ceiling against pressure altitude is flagged"
    );
    assert!(al.alt_ft <= 5000.0 && al.alt_ft > 4800.0, "{}", al.alt_ft);
    let t_s = (events[v].time_ms - START_MS) as f64 / 1000.0;
    assert!((t_s - 160.0).abs() < 3.0, "entered at {t_s} s");
    // A vessel below the same area is not concerned: airspaces are for
    // aircraft only (checked in the geofence tests); and no conflict here.
    assert!(conflicts(&events).is_empty());
}

#[test]
fn tiers_modelled_on_tcas_ii_are_given_when_asked() {
    let (la, loa) = at(270.0, 5.0);
    let (lb, lob) = at(90.0, 5.0);
    let aircraft = [
        plane("4ca00c", "TIER12", la, loa, 11_000.0, 300.0, 90.0),
        plane("4ca00d", "TIER13", lb, lob, 11_000.0, 300.0, 270.0),
    ];
    let mut cfg = Config::default();
    cfg.air.tiers = true;
    let mut engine = Engine::new(cfg);
    let mut dec = Decoder::new(DecoderConfig::default());
    let mut out = Vec::new();
    for f in air_frames(&aircraft, START_MS, 60.0).unwrap() {
        let m = dec.decode(&f.frame, f.time_ms).unwrap();
        let _ = engine.ingest_air_at(&m, Some(f.time_ms), None, &mut out);
    }
    let tiers: Vec<_> = conflicts(&out).iter().filter_map(|c| c.tier).collect();
    // 10 NM at 600 kn closure: 60 s to meet; caution (tau 45 s at
    // 10,000–20,000 ft) then warning (30 s).
    assert!(
        tiers.contains(&finisterra_nav::air::Tier::Caution),
        "{tiers:?}"
    );
    assert!(
        tiers.contains(&finisterra_nav::air::Tier::Warning),
        "{tiers:?}"
    );
}

#[test]
fn unsafe_air_settings_are_refused_with_their_key() {
    let e = Config::from_json(r#"{"air": {"separation_nm": 0}}"#).unwrap_err();
    assert!(e.to_string().contains("air.separation_nm"), "{e}");
    let e = Config::from_json(r#"{"air": {"stale_s": 120, "lost_s": 60}}"#).unwrap_err();
    assert!(e.to_string().contains("air.stale_s"), "{e}");
}

#[test]
fn an_ais_search_and_rescue_aircraft_joins_the_air_picture_with_a_gnss_height_only() {
    use finisterra_ais::{AisMessage, Body, SarAircraftReport};
    let mut engine = Engine::new(Config::default());
    let mut out = Vec::new();
    for k in 0..3i64 {
        let (lat, lon) = destination(43.0, -9.3, 90.0, k as f64 * 10.0 * 120.0 / 3600.0 * 1852.0);
        let m = AisMessage {
            msg_type: 9,
            repeat: 0,
            mmsi: 111_224_501,
            body: Body::SarAircraft(SarAircraftReport {
                altitude_m: Some(300),
                sog_kn: Some(120.0),
                accuracy: true,
                lon_deg: Some(lon),
                lat_deg: Some(lat),
                cog_deg: Some(90.0),
                second: 0,
                regional: 0,
                dte: false,
                assigned: false,
                raim: false,
                radio: 0,
            }),
        };
        let _ = engine.ingest(&m, START_MS + k * 10_000, &mut out);
    }
    let a = engine
        .aircraft_by(finisterra_engine::AirId::Mmsi(111_224_501))
        .expect("in the air picture");
    assert_eq!(a.gs_kn, Some(120.0));
    // 300 m of GNSS height: never taken for a pressure altitude.
    assert_eq!(a.alt_baro_ft, None);
    assert_eq!(a.alt_geom_ft, Some(984.0));
    assert_eq!(a.messages, 3);
}

#[test]
fn aircraft_on_the_ground_take_no_part_in_conflicts() {
    // Two aircraft at the same place and level, converging: one on the
    // ground (a surface position's flag), then airborne.
    let mut engine = Engine::new(Config::default());
    let mut out = Vec::new();
    let msg = |address: u32, lon: f64, track: f64, on_ground: bool| finisterra_modes::AirMessage {
        df: Some(17),
        address,
        lat_deg: Some(43.0),
        lon_deg: Some(lon),
        alt_baro_ft: Some(500),
        gs_kn: Some(140.0),
        track_deg: Some(track),
        on_ground: Some(on_ground),
        ..finisterra_modes::AirMessage::default()
    };
    for k in 0..5i64 {
        let t = START_MS + k * 1000;
        let _ = engine.ingest_air_at(&msg(0x4ca0f1, -9.30, 90.0, true), Some(t), None, &mut out);
        let _ = engine.ingest_air_at(&msg(0x4ca0f2, -9.25, 270.0, false), Some(t), None, &mut out);
    }
    let _ = engine.ingest_air_at(
        &msg(0x4ca0f2, -9.25, 270.0, false),
        Some(START_MS + 9_000),
        None,
        &mut out,
    );
    assert!(conflicts(&out).is_empty(), "{:?}", kinds(&out));
    // The same two airborne: a conflict at once.
    for k in 10..15i64 {
        let t = START_MS + k * 1000;
        let _ = engine.ingest_air_at(&msg(0x4ca0f1, -9.30, 90.0, false), Some(t), None, &mut out);
        let _ = engine.ingest_air_at(&msg(0x4ca0f2, -9.25, 270.0, false), Some(t), None, &mut out);
    }
    assert!(!conflicts(&out).is_empty(), "{:?}", kinds(&out));
}

/// `observe_air` (`serve --nats`'s map) keeps aircraft in the picture and
/// judges nothing: two airborne aircraft converging at one level raise no
/// conflict and make no event; silent past `lost_s` they are forgotten.
#[test]
fn observe_air_keeps_aircraft_and_judges_nothing() {
    let mut engine = Engine::new(Config::default());
    let msg = |address: u32, lon: f64, track: f64| finisterra_modes::AirMessage {
        df: Some(17),
        address,
        lat_deg: Some(43.0),
        lon_deg: Some(lon),
        alt_baro_ft: Some(34000),
        gs_kn: Some(450.0),
        track_deg: Some(track),
        on_ground: Some(false),
        ..finisterra_modes::AirMessage::default()
    };
    for k in 0..10i64 {
        let t = START_MS + k * 1000;
        engine.observe_air(&msg(0x4ca0f1, -9.30, 90.0), t);
        engine.observe_air(&msg(0x4ca0f2, -9.25, 270.0), t);
    }
    assert_eq!(engine.aircraft().len(), 2);
    assert!(engine.aircraft().iter().all(|a| a.has_fix()));
    assert_eq!(engine.open_air_conflicts().count(), 0, "nothing judged");
    assert_eq!(engine.take_event_id(), 1, "no id used");
    // An hour of silence (a vessel's time moving on): forgotten.
    engine.observe_time(START_MS + 3_600_000);
    assert!(
        engine.aircraft().is_empty(),
        "silent aircraft stay on the map"
    );
    let mut out = Vec::new();
    engine.advance(START_MS + 3_700_000, &mut out);
    assert!(out.is_empty(), "{:?}", kinds(&out));
}

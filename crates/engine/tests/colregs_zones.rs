//! COLREGs judgements that depend on the zones: traffic separation schemes
//! and narrow channels (Rules 9 and 10) and restricted visibility (Rule
//! 19), through the whole engine (positions in, events out).

use finisterra_ais::BasicPosition;
use finisterra_engine::geofence::Zones;
use finisterra_engine::{Config, Engine, Event, EventBody, Risk, ZoneAlert};
use finisterra_nav::geo::{destination, METRES_PER_NM};
use serde_json::{json, Value};

const T0: i64 = 1_780_000_000_000;

/// A vessel on a straight course.
#[derive(Clone, Copy)]
struct Ship {
    mmsi: u32,
    lat: f64,
    lon: f64,
    cog: f64,
    sog: f64,
    heading: Option<f64>,
    status: u8,
}

fn ship(mmsi: u32, lat: f64, lon: f64, cog: f64, sog: f64) -> Ship {
    Ship {
        mmsi,
        lat,
        lon,
        cog,
        sog,
        heading: Some(cog),
        status: 0,
    }
}

/// Places a ship so that on `cog` at `sog` she is at `meet` after `t_s`.
fn aimed(mmsi: u32, meet: (f64, f64), cog: f64, sog: f64, t_s: f64) -> Ship {
    let back = sog * METRES_PER_NM / 3600.0 * t_s;
    let (lat, lon) = destination(meet.0, meet.1, cog + 180.0, back);
    ship(mmsi, lat, lon, cog, sog)
}

fn report(s: &Ship, t_s: f64) -> finisterra_ais::AisMessage {
    let (lat, lon) = destination(s.lat, s.lon, s.cog, s.sog * METRES_PER_NM / 3600.0 * t_s);
    BasicPosition {
        mmsi: s.mmsi,
        class_b: false,
        status: s.status,
        turn: None,
        sog_kn: Some(s.sog),
        cog_deg: Some(s.cog),
        heading_deg: s.heading.map(|h| h.round() as u16 % 360),
        lat_deg: lat,
        lon_deg: lon,
        second: 0,
        accuracy: true,
        radio: 0,
    }
    .message()
}

fn zones(features: Vec<Value>) -> Zones {
    let doc = json!({"type": "FeatureCollection", "features": features});
    Zones::from_geojson_bytes(doc.to_string().as_bytes()).expect("valid zones")
}

fn rect(props: Value, lon0: f64, lat0: f64, lon1: f64, lat1: f64) -> Value {
    json!({"type": "Feature", "properties": props, "geometry": {"type": "Polygon",
        "coordinates": [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]]}})
}

/// Runs legs of ships (each leg: the ships as they are from its start,
/// for its duration) reporting every 10 s.
fn run(z: Option<Zones>, legs: &[(Vec<Ship>, f64)]) -> Vec<Event> {
    let mut e = Engine::new(Config::default());
    let mut out = Vec::new();
    if let Some(z) = z {
        e.set_zones(z, &mut out);
    }
    let mut t0 = 0.0;
    for (ships, dur) in legs {
        let mut t = 0.0;
        while t < *dur {
            for s in ships {
                let _ = e.ingest(&report(s, t), T0 + ((t0 + t) * 1000.0) as i64, &mut out);
            }
            t += 10.0;
        }
        t0 += dur;
    }
    out
}

fn risks(evs: &[Event]) -> Vec<&Risk> {
    evs.iter()
        .filter_map(|e| match &e.body {
            EventBody::RiskRaised(r) | EventBody::RiskUpdated(r) => Some(r),
            _ => None,
        })
        .collect()
}

fn zone_alerts(evs: &[Event]) -> Vec<(&'static str, &ZoneAlert)> {
    evs.iter()
        .filter_map(|e| match &e.body {
            EventBody::ZoneViolation(a)
            | EventBody::ZoneCleared(a)
            | EventBody::ZoneEntered(a)
            | EventBody::ZoneLeft(a) => Some((e.body.kind(), a)),
            _ => None,
        })
        .collect()
}

fn fog(visibility_nm: f64) -> Value {
    rect(
        json!({"name": "fog bank", "rule": "restricted_visibility", "visibility_nm": visibility_nm}),
        -10.5,
        42.5,
        -8.5,
        43.8,
    )
}

const MEET: (f64, f64) = (43.1, -9.5);

fn head_on() -> Vec<Ship> {
    vec![
        aimed(224_000_001, MEET, 0.0, 12.0, 900.0),
        aimed(224_000_002, MEET, 180.0, 12.0, 900.0),
    ]
}

/// Directions of the recommended advice, per vessel.
fn advised(r: &Risk) -> Vec<(u32, String)> {
    r.advice
        .iter()
        .filter(|a| a.recommended)
        .map(|a| {
            let d = serde_json::to_value(a.direction).unwrap();
            (a.mmsi, d.as_str().unwrap_or("").to_string())
        })
        .collect()
}

#[test]
fn head_on_in_fog_both_advised_neither_to_port() {
    let evs = run(Some(zones(vec![fog(0.5)])), &[(head_on(), 300.0)]);
    let rs = risks(&evs);
    let r = rs.first().expect("a risk");
    assert_eq!(r.rule, Some("19(d)"));
    assert!(r.give_way.is_empty() && r.stand_on.is_empty(), "{r:?}");
    assert_eq!(r.rule17_stage, None);
    assert!(
        r.ruling
            .starts_with("restricted visibility (Rule 19): SHIP")
            || r.ruling
                .starts_with("restricted visibility (Rule 19): MMSI"),
        "{}",
        r.ruling
    );
    assert!(
        r.ruling.contains("both take avoiding action"),
        "{}",
        r.ruling
    );
    let adv = advised(r);
    let who: Vec<u32> = adv.iter().map(|a| a.0).collect();
    assert_eq!(who, vec![224_000_001, 224_000_002], "{adv:?}");
    assert!(adv.iter().all(|(_, d)| d != "port"), "{adv:?}");
    // Every risk event of the run says the same.
    assert!(rs.iter().all(|r| r.rule == Some("19(d)")));
}

#[test]
fn the_same_encounter_in_clear_weather_is_unchanged() {
    let clear = run(None, &[(head_on(), 300.0)]);
    // A fog declaration that has ended changes nothing.
    let mut ended = fog(0.5);
    ended["properties"]["active_until"] = json!("2020-01-01T00:00:00Z");
    let after_fog = run(Some(zones(vec![ended])), &[(head_on(), 300.0)]);
    let json = |evs: &[Event]| evs.iter().map(Event::to_json).collect::<Vec<_>>();
    assert_eq!(json(&clear), json(&after_fog));
    let r = risks(&clear)[0];
    assert_eq!(r.rule, Some("14"));
    assert_eq!(r.give_way, vec![224_000_001, 224_000_002]);
    assert!(!r.ruling.contains("restricted visibility"));
}

#[test]
fn within_the_visibility_range_section_ii_applies() {
    // Thick enough to declare, but they see each other at 10 NM.
    let evs = run(Some(zones(vec![fog(10.0)])), &[(head_on(), 300.0)]);
    let r = risks(&evs)[0];
    assert_eq!(r.rule, Some("14"));
    assert_eq!(r.give_way, vec![224_000_001, 224_000_002]);
}

#[test]
fn a_vessel_abaft_the_beam_in_fog_no_turn_towards_it() {
    // Own ship north at 8 kn; a faster ship comes up from abaft her
    // starboard beam on a collision course (Rule 13 in clear weather: the
    // overtaking ship keeps out of the way, own ship stands on).
    let meet = (43.1, -9.5);
    let own = aimed(224_000_011, meet, 0.0, 8.0, 900.0);
    let fast = aimed(224_000_012, meet, 330.0, 16.0, 900.0);
    let clear = run(None, &[(vec![own, fast], 120.0)]);
    let c = risks(&clear)[0];
    assert_eq!(
        (c.rule, c.give_way.clone()),
        (Some("13"), vec![224_000_012])
    );

    let evs = run(Some(zones(vec![fog(0.5)])), &[(vec![own, fast], 120.0)]);
    let r = risks(&evs)[0];
    assert_eq!(r.rule, Some("19(d)"));
    assert!(r.give_way.is_empty());
    let adv = advised(r);
    let own_adv: Vec<&String> = adv
        .iter()
        .filter(|a| a.0 == 224_000_011)
        .map(|a| &a.1)
        .collect();
    // Own ship is advised (she stood on in clear weather), and never to
    // starboard, towards the ship on her starboard quarter.
    assert!(!own_adv.is_empty(), "{adv:?}");
    assert!(own_adv.iter().all(|d| *d != "starboard"), "{adv:?}");
    assert!(adv.iter().any(|a| a.0 == 224_000_012), "{adv:?}");
    assert!(
        r.ruling
            .contains("avoids an alteration to starboard, towards"),
        "{}",
        r.ruling
    );
}

/// A north–south scheme: southbound lane (west), separation zone,
/// northbound lane (east), 42.5°N to 43.5°N.
fn scheme() -> Vec<Value> {
    vec![
        rect(
            json!({"name": "southbound", "rule": "tss_lane", "flow_deg": 180}),
            -9.6,
            42.5,
            -9.5,
            43.5,
        ),
        rect(
            json!({"name": "separation", "rule": "tss_separation", "flow_deg": 0}),
            -9.5,
            42.5,
            -9.45,
            43.5,
        ),
        rect(
            json!({"name": "northbound", "rule": "tss_lane", "flow_deg": 0}),
            -9.45,
            42.5,
            -9.35,
            43.5,
        ),
    ]
}

#[test]
fn against_the_flow_is_reported_once_and_cleared_when_corrected() {
    let wrong = ship(224_000_021, 43.0, -9.4, 185.0, 12.0);
    // Ten minutes later, turned round (same place for simplicity: 2 NM
    // south).
    let (lat, lon) = destination(43.0, -9.4, 185.0, 2.0 * METRES_PER_NM);
    let right = ship(224_000_021, lat, lon, 5.0, 12.0);
    let evs = run(
        Some(zones(scheme())),
        &[(vec![wrong], 600.0), (vec![right], 120.0)],
    );
    let za = zone_alerts(&evs);
    let kinds: Vec<(&str, &str, Option<&str>)> =
        za.iter().map(|(k, a)| (*k, a.action, a.reason)).collect();
    assert_eq!(
        kinds,
        vec![
            ("zone.violation", "against_flow", None),
            ("zone.cleared", "against_flow", Some("corrected"))
        ]
    );
    let v = za[0].1;
    assert_eq!(v.colregs, Some("Rule 10(b)(i)"));
    assert_eq!(v.zone.name, "northbound");
    assert_eq!(v.zone.flow_deg, Some(0.0));
    assert_eq!(v.angle_deg, Some(175.0));
    let j = serde_json::to_value(v).unwrap();
    assert_eq!(j["colregs"], "Rule 10(b)(i)");
}

#[test]
fn crossing_a_lane_is_judged_by_the_heading() {
    let z = || Some(zones(scheme()));
    // COG 080 (set by the stream), heading 040: 50° off the perpendicular.
    let mut crab = ship(224_000_031, 43.0, -9.44, 80.0, 10.0);
    crab.heading = Some(40.0);
    let evs = run(z(), &[(vec![crab], 120.0)]);
    let za = zone_alerts(&evs);
    assert_eq!(za.len(), 1, "{za:?}");
    let a = za[0].1;
    assert_eq!(
        (a.action, a.colregs),
        ("crossing_angle", Some("Rule 10(c)"))
    );
    assert_eq!((a.judged_by, a.angle_deg), (Some("heading"), Some(50.0)));
    // COG 050 but heading 085: the heading is at right angles; fine.
    let mut held = ship(224_000_032, 43.0, -9.44, 50.0, 10.0);
    held.heading = Some(85.0);
    assert!(zone_alerts(&run(z(), &[(vec![held], 120.0)])).is_empty());
    // No heading: the COG stands in, and the event says so.
    let mut blind = ship(224_000_033, 43.0, -9.44, 55.0, 10.0);
    blind.heading = None;
    let za = run(z(), &[(vec![blind], 120.0)]);
    let za = zone_alerts(&za);
    assert_eq!(za.len(), 1, "{za:?}");
    assert_eq!(za[0].1.judged_by, Some("cog"));
    assert_eq!(za[0].1.angle_deg, Some(35.0));
    // Crossing at right angles by COG, no heading: fine.
    let mut square = ship(224_000_034, 43.0, -9.44, 95.0, 10.0);
    square.heading = None;
    assert!(zone_alerts(&run(z(), &[(vec![square], 120.0)])).is_empty());
}

#[test]
fn separation_zone_except_crossing_and_fishing() {
    let z = || Some(zones(scheme()));
    // Proceeding along the separation zone.
    let along = ship(224_000_041, 43.0, -9.475, 0.0, 10.0);
    let za = run(z(), &[(vec![along], 120.0)]);
    let za = zone_alerts(&za);
    assert_eq!(za.len(), 1, "{za:?}");
    assert_eq!(
        (za[0].1.action, za[0].1.colregs),
        ("in_separation_zone", Some("Rule 10(e)"))
    );
    // Crossing it.
    let across = ship(224_000_042, 43.0, -9.49, 90.0, 10.0);
    let za = run(z(), &[(vec![across], 60.0)]);
    assert!(zone_alerts(&za)
        .iter()
        .all(|(_, a)| a.action != "in_separation_zone"));
    // Fishing in it.
    let mut fishing = ship(224_000_043, 43.0, -9.475, 0.0, 4.0);
    fishing.status = 7;
    assert!(zone_alerts(&run(z(), &[(vec![fishing], 120.0)])).is_empty());
}

#[test]
fn wrong_side_of_a_narrow_channel() {
    let channel = rect(
        json!({"name": "ria", "rule": "channel", "axis": [[-8.75, 42.0], [-8.75, 42.3]]}),
        -8.76,
        42.0,
        -8.74,
        42.3,
    );
    let z = || Some(zones(vec![channel.clone()]));
    // East of the axis going north: right. Going south: wrong.
    let right = ship(224_000_051, 42.1, -8.745, 0.0, 8.0);
    assert!(zone_alerts(&run(z(), &[(vec![right], 120.0)])).is_empty());
    let wrong = ship(224_000_052, 42.2, -8.745, 180.0, 8.0);
    let evs = run(z(), &[(vec![wrong], 120.0)]);
    let za = zone_alerts(&evs);
    assert_eq!(za.len(), 1, "{za:?}");
    assert_eq!(
        (za[0].1.action, za[0].1.colregs),
        ("wrong_side", Some("Rule 9(a)"))
    );
    assert!(za[0].1.offset_m.is_some_and(|m| m > 350.0));
}

#[test]
fn through_traffic_entering_an_inshore_zone_is_noted() {
    let inshore = rect(
        json!({"name": "inshore", "rule": "tss_inshore"}),
        -9.35,
        42.5,
        -9.25,
        43.5,
    );
    let z = || Some(zones(vec![inshore.clone()]));
    let through = ship(224_000_061, 43.0, -9.352, 90.0, 12.0);
    let evs = run(z(), &[(vec![through], 120.0)]);
    let za = zone_alerts(&evs);
    assert_eq!(za.len(), 1, "{za:?}");
    assert_eq!(za[0].0, "zone.entered");
    assert_eq!(za[0].1.colregs, Some("Rule 10(d)"));
    // A sailing vessel may use it.
    let mut sailing = through;
    sailing.mmsi = 224_000_062;
    sailing.status = 8;
    assert!(zone_alerts(&run(z(), &[(vec![sailing], 120.0)])).is_empty());
}

#[test]
fn a_sailing_vessel_shall_not_impede_a_ship_following_the_lane() {
    // A power-driven ship following the northbound lane; a sailing vessel
    // crossing it from the east. Rule 18(a): the ship keeps out of the
    // sailing vessel's way; Rule 10(j): the sailing vessel shall not impede
    // her. Both hold (Rule 8(f)).
    let meet = (43.1, -9.4);
    let big = aimed(224_000_071, meet, 0.0, 14.0, 900.0);
    let mut yacht = aimed(224_000_072, meet, 270.0, 6.0, 900.0);
    yacht.status = 8;
    let evs = run(Some(zones(scheme())), &[(vec![big, yacht], 120.0)]);
    let r = risks(&evs)[0];
    assert_eq!(r.rule, Some("18(a)"));
    assert_eq!(r.give_way, vec![224_000_071]);
    assert_eq!(r.not_to_impede.len(), 1, "{:?}", r.not_to_impede);
    let d = &r.not_to_impede[0];
    assert_eq!((d.mmsi, d.towards), (224_000_072, 224_000_071));
    assert_eq!(
        (d.rule, d.because, d.waters),
        ("Rule 10(j)", "sailing", "traffic_lane")
    );
    assert!(
        r.ruling.contains("shall not impede the passage of"),
        "{}",
        r.ruling
    );
    assert!(r.ruling.contains("Rule 8(f)"), "{}", r.ruling);
    // Without the scheme: the same ruling, no such duty.
    let plain = run(None, &[(vec![big, yacht], 120.0)]);
    let p = risks(&plain)[0];
    assert_eq!((p.rule, p.give_way.clone()), (r.rule, r.give_way.clone()));
    assert!(p.not_to_impede.is_empty());
    let j = serde_json::to_value(p).unwrap();
    assert!(j.get("not_to_impede").is_none());
}

/// The advice never sends a ship into a separation zone (Rule 10(e)): a
/// southbound ship at the edge of her lane, with the separation zone on her
/// starboard side (a scheme drawn so that the turn Rule 15 asks for leads
/// into it), giving way to a ship crossing from starboard, is not told to
/// turn into the zone; in open water the same encounter gets that turn.
#[test]
fn the_advice_never_turns_into_the_separation_zone() {
    let zones_ = || {
        zones(vec![
            rect(
                json!({"name": "separation", "rule": "tss_separation", "flow_deg": 180}),
                -9.5,
                42.5,
                -9.45,
                43.5,
            ),
            rect(
                json!({"name": "southbound", "rule": "tss_lane", "flow_deg": 180}),
                -9.45,
                42.5,
                -9.35,
                43.5,
            ),
        ])
    };
    // Own ship in the lane, 0.2 NM east of the separation zone.
    let meet = (43.0, -9.445);
    let own = aimed(224000001, meet, 180.0, 12.0, 600.0);
    // Crossing from her starboard side (from the west, heading east).
    let other = aimed(224000002, meet, 90.0, 10.0, 600.0);
    let own_advice = |evs: &[Event]| -> Vec<finisterra_engine::AdviceItem> {
        risks(evs)
            .iter()
            .flat_map(|r| r.advice.iter())
            .filter(|a| a.mmsi == 224000001)
            .cloned()
            .collect()
    };
    let open_water = own_advice(&run(None, &[(vec![own, other], 60.0)]));
    assert!(
        open_water.iter().any(|a| a.recommended
            && a.sufficient
            && a.direction == finisterra_nav::advice::Direction::Starboard),
        "in open water own ship is told to turn to starboard: {open_water:?}"
    );
    let in_scheme = own_advice(&run(Some(zones_()), &[(vec![own, other], 60.0)]));
    assert!(!in_scheme.is_empty());
    for a in &in_scheme {
        let turns_starboard = a.direction == finisterra_nav::advice::Direction::Starboard;
        assert!(
            !(turns_starboard && a.sufficient),
            "never a sufficient turn into the separation zone: {in_scheme:?}"
        );
        assert!(!turns_starboard || a.into_danger, "{in_scheme:?}");
    }
}

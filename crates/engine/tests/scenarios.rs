//! Whole-path scenarios: simulate -> NMEA -> decode -> engine -> events.

use finisterra_ais::{Body, Event as DecodeEvent, StreamDecoder};
use finisterra_engine::{Config, Engine, Event, EventBody, Level, Risk};
use finisterra_nav::geo::{destination, distance_m};
use finisterra_sim::{simulate, Manoeuvre, Scenario, VesselSpec};

const START: &str = "2026-11-26T10:00:00Z";
const T0_MS: i64 = 1_795_687_200_000;

struct Run {
    events: Vec<Event>,
    /// Decoded positions: (time s from start, mmsi, lat, lon).
    tracks: Vec<(i64, u32, f64, f64)>,
}

fn run(s: &Scenario) -> Run {
    let lines = simulate(s).expect("scenario simulates");
    let mut dec = StreamDecoder::default();
    let mut engine = Engine::new(Config::default());
    let mut events = Vec::new();
    let mut tracks = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        dec.feed(i as u64 + 1, l.as_bytes(), &mut |ev| match ev {
            DecodeEvent::Message(m) => {
                let t = m.time.expect("simulated lines carry times").unix_ms;
                if let Body::Position(p) = &m.message.body {
                    tracks.push((
                        (t - T0_MS) / 1000,
                        m.message.mmsi,
                        p.lat_deg.unwrap(),
                        p.lon_deg.unwrap(),
                    ));
                }
                let _ = engine.ingest(m.message, t, &mut events);
            }
            DecodeEvent::Error(e) => panic!("simulated NMEA failed to decode: {e}"),
        });
    }
    Run { events, tracks }
}

fn vessel(mmsi: u32, lat: f64, lon: f64, cog: f64, sog: f64) -> VesselSpec {
    serde_json::from_value(serde_json::json!({
        "mmsi": mmsi, "name": format!("SHIP {mmsi}"), "lat": lat, "lon": lon,
        "cog_deg": cog, "sog_kn": sog, "report_interval_s": 5.0
    }))
    .unwrap()
}

/// Places a vessel so that, on `cog` at `sog`, it reaches `meet` after `t_s`.
fn aimed(mmsi: u32, meet: (f64, f64), cog: f64, sog: f64, t_s: f64) -> VesselSpec {
    let back = sog * 1852.0 / 3600.0 * t_s;
    let (lat, lon) = destination(meet.0, meet.1, cog + 180.0, back);
    vessel(mmsi, lat, lon, cog, sog)
}

fn scenario(vessels: Vec<VesselSpec>, duration_s: f64) -> Scenario {
    Scenario {
        start: START.into(),
        duration_s,
        station: "test".into(),
        description: String::new(),
        vessels,
        atons: vec![],
        aircraft: vec![],
    }
}

fn risks(events: &[Event]) -> Vec<(&'static str, &Risk)> {
    events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::RiskRaised(r) => Some(("raised", r)),
            EventBody::RiskUpdated(r) => Some(("updated", r)),
            _ => None,
        })
        .collect()
}

fn first_raise(events: &[Event]) -> (i64, &Risk) {
    events
        .iter()
        .find_map(|e| match &e.body {
            EventBody::RiskRaised(r) => Some(((e.time_ms - T0_MS) / 1000, r)),
            _ => None,
        })
        .expect("a risk is raised")
}

/// Smallest distance between two vessels over the decoded tracks (pairing
/// reports less than 3 s apart), NM.
fn min_distance_nm(r: &Run, a: u32, b: u32, after_s: i64) -> f64 {
    let ta: Vec<_> = r
        .tracks
        .iter()
        .filter(|p| p.1 == a && p.0 >= after_s)
        .collect();
    let tb: Vec<_> = r
        .tracks
        .iter()
        .filter(|p| p.1 == b && p.0 >= after_s)
        .collect();
    let mut best = f64::INFINITY;
    for pa in &ta {
        for pb in &tb {
            if (pa.0 - pb.0).abs() <= 2 {
                best = best.min(distance_m(pa.2, pa.3, pb.2, pb.3) / 1852.0);
            }
        }
    }
    best
}

const MEET: (f64, f64) = (43.3, -10.0);

#[test]
fn crossing_from_starboard_own_gives_way_and_the_advice_opens_the_cpa() {
    let own = aimed(224000001, MEET, 0.0, 12.0, 1500.0);
    let tgt = aimed(224000002, MEET, 270.0, 12.0, 1500.0);
    let base = scenario(vec![own.clone(), tgt.clone()], 1800.0);
    let r = run(&base);
    let (t_raise, risk) = first_raise(&r.events);
    assert_eq!(
        risk.level,
        Level::Warning,
        "raised first as a warning, 20 min out"
    );
    assert_eq!(risk.encounter.to_string_lossy(), "crossing");
    assert_eq!(risk.give_way, vec![224000001]);
    assert_eq!(risk.stand_on, vec![224000002]);
    assert_eq!(risk.rule, Some("15"));
    assert_eq!(risk.rule17_stage, Some("17(a)(i)"));
    // The stand-on vessel is told when she may and must act; no latest
    // time for the give-way vessel, who acts now.
    let t_raise_ms = T0_MS + t_raise * 1000;
    let when = |s: &Option<finisterra_engine::IsoTime>| s.expect("a time").unix_ms;
    let (may, must) = (
        when(&risk.stand_on_may_act_at),
        when(&risk.stand_on_must_act_at),
    );
    // Both at 12 kn, 90° apart, meeting 1500 s after the start: the
    // stand-on may act 6 min (may_act_tcpa) before the meeting or at 2 NM,
    // whichever first; must act at 3 min or 1 NM.
    let meet_ms = T0_MS + 1_500_000;
    let closing_kn = 12.0 * 2f64.sqrt();
    let at_range = |nm: f64| meet_ms - (nm / closing_kn * 3_600_000.0) as i64;
    let cfg = Config::default();
    let may_expected = at_range(cfg.colregs.may_act_range_nm)
        .min(meet_ms - (cfg.colregs.may_act_tcpa_s * 1000.0) as i64);
    let must_expected = at_range(cfg.colregs.must_act_range_nm)
        .min(meet_ms - (cfg.colregs.must_act_tcpa_s * 1000.0) as i64);
    assert!(may > t_raise_ms && may < must, "{may} {must}");
    assert!(
        (may - may_expected).abs() < 20_000,
        "{may} vs {may_expected}"
    );
    assert!(
        (must - must_expected).abs() < 20_000,
        "{must} vs {must_expected}"
    );
    // The ruling names the vessels (no "own ship" in a pair seen from
    // outside).
    assert_eq!(
        risk.ruling,
        "crossing: SHIP 224000002 is on the starboard bow of SHIP 224000001, so SHIP \
         224000001 gives way and SHIP 224000002 stands on (Rule 15)"
    );
    // Later, as the stand-on vessel may then must act, the ruling says so.
    assert!(risks(&r.events)
        .iter()
        .any(|(_, r)| r.rule17_stage == Some("17(b)")
            && r.ruling
                .ends_with("this close, SHIP 224000002 must act as well (Rule 17(b))")));
    let advice = risk.advice.iter().find(|a| a.recommended).expect("advice");
    assert_eq!(advice.mmsi, 224000001);
    assert_eq!(serde_json::to_value(advice.action).unwrap(), "alter_course");
    assert_eq!(serde_json::to_value(advice.direction).unwrap(), "starboard");
    let turn = advice.degrees.unwrap();
    assert!((20.0..=90.0).contains(&turn), "{turn}");
    assert!(
        advice.resulting_cpa_nm.is_none_or(|d| d >= 1.2) && advice.sufficient,
        "{advice:?}"
    );
    // Without action they would collide.
    assert!(min_distance_nm(&r, 224000001, 224000002, 0) < 0.1);
    assert!(risks(&r.events)
        .iter()
        .any(|(_, r)| r.level == Level::Alarm));

    // Follow the advice at the moment it was given, and simulate again.
    let mut own2 = own.clone();
    own2.manoeuvres.push(Manoeuvre {
        at_s: t_raise as f64,
        cog_deg: advice.new_cog_deg,
        sog_kn: None,
        nav_status: None,
    });
    let r2 = run(&scenario(vec![own2, tgt], 1800.0));
    let passed = min_distance_nm(&r2, 224000001, 224000002, 0);
    assert!(
        passed >= 1.1,
        "following the advice they pass at {passed:.2} NM"
    );
    assert!(
        !risks(&r2.events)
            .iter()
            .any(|(_, r)| r.level == Level::Alarm),
        "no alarm once the give-way vessel has acted"
    );
    let cleared = r2
        .events
        .iter()
        .any(|e| matches!(&e.body, EventBody::RiskCleared(c) if c.reason == "cpa_opened"));
    assert!(cleared, "the warning clears because the CPA opened");
}

#[test]
fn head_on_both_alter_to_starboard() {
    let a = aimed(224000011, MEET, 0.0, 12.0, 1200.0);
    let b = aimed(224000012, MEET, 180.0, 12.0, 1200.0);
    let r = run(&scenario(vec![a, b], 1300.0));
    let (_, risk) = first_raise(&r.events);
    assert_eq!(risk.encounter.to_string_lossy(), "head_on");
    assert_eq!(risk.give_way, vec![224000011, 224000012]);
    assert_eq!(risk.rule, Some("14"));
    let dirs: Vec<_> = risk
        .advice
        .iter()
        .filter(|a| a.recommended)
        .map(|a| (a.mmsi, serde_json::to_value(a.direction).unwrap()))
        .collect();
    assert_eq!(
        dirs,
        vec![
            (224000011, "starboard".into()),
            (224000012, "starboard".into())
        ]
    );
}

#[test]
fn overtaking_vessel_keeps_out_of_the_way() {
    let fast = aimed(224000021, MEET, 45.0, 16.0, 1200.0);
    let slow = aimed(224000022, MEET, 45.0, 8.0, 1200.0);
    let r = run(&scenario(vec![fast, slow], 1300.0));
    let (_, risk) = first_raise(&r.events);
    assert_eq!(risk.encounter.to_string_lossy(), "overtaking");
    assert_eq!(risk.give_way, vec![224000021]);
    assert_eq!(risk.rule, Some("13"));
}

#[test]
fn power_driven_gives_way_to_a_vessel_engaged_in_fishing() {
    // The fishing vessel crosses from the merchant's port side: under Rule
    // 15 alone she would give way; Rule 18(a) reverses it.
    let merchant = aimed(224000031, MEET, 0.0, 12.0, 1200.0);
    let mut fishing = aimed(224000032, MEET, 90.0, 5.0, 1200.0);
    fishing.ship_type = 30;
    fishing.nav_status = 7;
    let r = run(&scenario(vec![merchant, fishing], 1300.0));
    let (_, risk) = first_raise(&r.events);
    assert_eq!(risk.give_way, vec![224000031]);
    assert_eq!(risk.rule, Some("18(a)"));
}

#[test]
fn quiet_where_quiet_is_right() {
    let mut v = Vec::new();
    // Two ships at anchor 100 m apart.
    let mut a1 = vessel(224000041, 43.0, -9.0, 0.0, 0.0);
    a1.nav_status = 1;
    let mut a2 = vessel(224000042, 43.0009, -9.0, 0.0, 0.0);
    a2.nav_status = 1;
    // A ship alongside, moored, and a ferry passing the berth 150 m off.
    let mut moored = vessel(224000043, 43.2, -9.2, 0.0, 0.0);
    moored.nav_status = 5;
    let ferry = aimed(224000044, (43.2, -9.198), 0.0, 8.0, 300.0);
    // Two ships in company, 0.2 NM apart, same course and speed.
    let c1 = vessel(224000045, 43.4, -9.6, 90.0, 12.0);
    let c2 = vessel(224000046, 43.40333, -9.6, 90.0, 12.0);
    // Two ships that passed each other and are opening.
    let d1 = vessel(224000047, 43.6, -9.6, 0.0, 12.0);
    let d2 = vessel(224000048, 43.6, -9.59, 180.0, 12.0);
    v.extend([a1, a2, moored, ferry, c1, c2, d1, d2]);
    let r = run(&scenario(v, 900.0));
    let risky: Vec<_> = risks(&r.events)
        .iter()
        .map(|(_, r)| (r.a.mmsi, r.b.mmsi))
        .collect();
    assert!(risky.is_empty(), "no risk expected, got {risky:?}");
}

#[test]
fn a_flickering_cpa_does_not_refire_the_alarm() {
    // The target yaws ±3° every half minute while crossing; its predicted
    // CPA swings across the 0.5 NM alarm threshold.
    let own = aimed(224000051, MEET, 0.0, 10.0, 1200.0);
    let (lat, lon) = destination(MEET.0, MEET.1, 0.0, 0.45 * 1852.0);
    let mut tgt = aimed(224000052, (lat, lon), 270.0, 10.0, 1200.0);
    for k in 0..40 {
        let yaw = if k % 2 == 0 { 273.0 } else { 267.0 };
        tgt.manoeuvres.push(Manoeuvre {
            at_s: 30.0 * k as f64,
            cog_deg: Some(yaw),
            sog_kn: None,
            nav_status: None,
        });
    }
    let r = run(&scenario(vec![own, tgt], 1300.0));
    let raised = r
        .events
        .iter()
        .filter(|e| matches!(e.body, EventBody::RiskRaised(_)))
        .count();
    let cleared = r
        .events
        .iter()
        .filter(|e| matches!(e.body, EventBody::RiskCleared(_)))
        .count();
    let mut levels: Vec<Level> = risks(&r.events).iter().map(|(_, r)| r.level).collect();
    levels.dedup();
    assert_eq!(raised, 1, "one raise");
    assert!(cleared <= 1);
    assert!(levels.len() <= 3, "level changes: {levels:?}");
}

#[test]
fn the_same_data_gives_the_same_events() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/finisterre.json"
    ))
    .unwrap();
    let s: Scenario = serde_json::from_str(&text).unwrap();
    let a: Vec<String> = run(&s).events.iter().map(Event::to_json).collect();
    let b: Vec<String> = run(&s).events.iter().map(Event::to_json).collect();
    assert!(!a.is_empty());
    assert_eq!(a, b);
}

#[test]
fn the_finisterre_example_tells_its_story() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/finisterre.json"
    ))
    .unwrap();
    let s: Scenario = serde_json::from_str(&text).unwrap();
    let r = run(&s);
    let raised: Vec<(u32, u32, Vec<u32>, Option<&str>)> = r
        .events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::RiskRaised(r) => Some((r.a.mmsi, r.b.mmsi, r.give_way.clone(), r.rule)),
            _ => None,
        })
        .collect();
    let carrier = 224123450;
    // The tanker crosses from the carrier's starboard side: carrier gives way.
    assert!(
        raised.contains(&(carrier, 636019876, vec![carrier], Some("15"))),
        "{raised:?}"
    );
    // The container ship crosses from the carrier's port side: she gives way.
    assert!(
        raised.contains(&(carrier, 255806123, vec![255806123], Some("15"))),
        "{raised:?}"
    );
    // The fishing vessel at work: carrier gives way (Rule 18).
    assert!(
        raised.contains(&(carrier, 224987650, vec![carrier], Some("18(a)"))),
        "{raised:?}"
    );
    // Nobody else: the anchored bulker, the moored pilot boat and the yacht
    // sailing clear raise nothing.
    assert_eq!(raised.len(), 3, "{raised:?}");
}

/// Imazu problems (22 cases): own ship 000° at 12 kn; every target aimed at
/// the same point, met after 20 minutes; overtaken targets (*) at 6 kn.
#[test]
fn imazu_encounters_every_target_is_found_through_the_whole_path() {
    let cases: [&[(f64, bool)]; 22] = [
        &[(180.0, false)],
        &[(270.0, false)],
        &[(0.0, true)],
        &[(45.0, false)],
        &[(180.0, false), (270.0, false)],
        &[(350.0, false), (315.0, false)],
        &[(0.0, true), (315.0, false)],
        &[(180.0, false), (270.0, false)],
        &[(330.0, false), (270.0, false)],
        &[(270.0, false), (15.0, false)],
        &[(90.0, false), (330.0, false)],
        &[(315.0, false), (350.0, false)],
        &[(180.0, false), (10.0, false), (45.0, false)],
        &[(350.0, false), (315.0, false), (270.0, false)],
        &[(0.0, true), (315.0, false), (270.0, false)],
        &[(45.0, false), (90.0, false), (270.0, false)],
        &[(0.0, true), (10.0, false), (315.0, false)],
        &[(225.0, false), (345.0, false), (330.0, false)],
        &[(15.0, false), (345.0, false), (225.0, false)],
        &[(0.0, true), (345.0, false), (270.0, false)],
        &[(345.0, false), (15.0, false), (270.0, false)],
        &[(0.0, true), (315.0, false), (270.0, false)],
    ];
    for (n, targets) in cases.iter().enumerate() {
        let own_mmsi = 224100000;
        let mut vs = vec![aimed(own_mmsi, MEET, 0.0, 12.0, 1200.0)];
        for (k, (cog, slow)) in targets.iter().enumerate() {
            let sog = if *slow { 6.0 } else { 12.0 };
            vs.push(aimed(224200000 + k as u32, MEET, *cog, sog, 1200.0));
        }
        let r = run(&scenario(vs, 1150.0));
        for k in 0..targets.len() {
            let t = 224200000 + k as u32;
            let found = risks(&r.events).iter().any(|(_, r)| {
                (r.a.mmsi == own_mmsi && r.b.mmsi == t) || (r.a.mmsi == t && r.b.mmsi == own_mmsi)
            });
            assert!(
                found,
                "Imazu case {}: target {k} (course {}) not found",
                n + 1,
                targets[k].0
            );
        }
        // Every raised risk with own ship names who gives way and why.
        for (_, risk) in risks(&r.events) {
            if risk.a.mmsi == own_mmsi || risk.b.mmsi == own_mmsi {
                assert!(risk.rule.is_some(), "case {}: {risk:?}", n + 1);
            }
        }
    }
}

trait Lossy {
    fn to_string_lossy(&self) -> String;
}
impl<T: serde::Serialize> Lossy for T {
    fn to_string_lossy(&self) -> String {
        serde_json::to_value(self)
            .unwrap()
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

/// The alarm on arrival: a vessel that turns onto a collision course, or
/// appears on one, is in risk from the report that shows it, not from the
/// next screening pass (every 10 s of data time).
#[test]
fn a_position_that_creates_a_risk_raises_it_on_arrival() {
    // B steers 090 clear of A's track, then turns sharply at 31 s onto a
    // course that meets A; C appears at 47 s already on a collision course
    // with A.
    let a = aimed(224000001, MEET, 0.0, 12.0, 600.0);
    let mut b = aimed(224000002, MEET, 270.0, 12.0, 600.0);
    // Before the turn B heads south-west, well clear.
    b.cog_deg = 200.0;
    b.max_turn_deg_per_min = 100_000.0;
    b.manoeuvres = vec![Manoeuvre {
        at_s: 31.0,
        cog_deg: Some(270.0),
        sog_kn: None,
        nav_status: None,
    }];
    b.report_interval_s = Some(7.0);
    let mut c = aimed(224000003, (MEET.0 - 0.02, MEET.1), 90.0, 14.0, 560.0);
    c.start_s = 45.0;
    c.report_interval_s = Some(7.0);
    let r = run(&scenario(vec![a, b, c], 120.0));
    let raised: Vec<(i64, u32, u32)> = r
        .events
        .iter()
        .filter_map(|e| match &e.body {
            EventBody::RiskRaised(k) => Some((e.time_ms, k.a.mmsi, k.b.mmsi)),
            _ => None,
        })
        .collect();
    // Report times of B after its turn and of C's first report.
    let b_turned = r
        .tracks
        .iter()
        .find(|p| p.1 == 224000002 && p.0 >= 31)
        .map(|p| p.0)
        .expect("B reports after turning");
    let c_first = r
        .tracks
        .iter()
        .find(|p| p.1 == 224000003)
        .map(|p| p.0)
        .expect("C reports");
    assert!(
        b_turned % 10 != 0 && c_first % 10 != 0,
        "{b_turned} {c_first}"
    );
    let at = |x: u32, y: u32| {
        raised
            .iter()
            .find(|r| r.1 == x && r.2 == y)
            .map(|r| (r.0 - T0_MS) / 1000)
    };
    assert_eq!(at(224000001, 224000002), Some(b_turned), "{raised:?}");
    assert_eq!(at(224000001, 224000003), Some(c_first), "{raised:?}");
}

//! The traffic picture: what enters it and what does not.

use finisterra_ais::{
    AidToNavigation, AisMessage, BaseStationReport, Body, ClassBPosition, Dimensions,
    PositionReport, SafetyBroadcast, StaticDataReport, StaticPartB, StaticVoyage, Text,
};
use finisterra_engine::{Config, Engine, Event, EventBody, VesselClass};

const T0: i64 = 1_795_687_200_000; // 2026-11-26T10:00:00Z

fn pos(
    mmsi: u32,
    lat: Option<f64>,
    lon: Option<f64>,
    sog: f64,
    cog: f64,
    status: u8,
) -> AisMessage {
    AisMessage {
        msg_type: 1,
        repeat: 0,
        mmsi,
        body: Body::Position(PositionReport {
            status,
            turn: None,
            sog_kn: Some(sog),
            accuracy: true,
            lon_deg: lon,
            lat_deg: lat,
            cog_deg: Some(cog),
            heading_deg: Some(cog as u16),
            second: 0,
            maneuver: 0,
            raim: false,
            radio: 0,
        }),
    }
}

fn feed(e: &mut Engine, msgs: &[(i64, AisMessage)]) -> Vec<Event> {
    let mut out = Vec::new();
    for (t, m) in msgs {
        let _ = e.ingest(m, T0 + t * 1000, &mut out);
    }
    out
}

#[test]
fn sentinels_and_impossible_positions_never_enter_the_picture() {
    let mut e = Engine::new(Config::default());
    feed(
        &mut e,
        &[
            (0, pos(224000001, Some(43.0), Some(-9.5), 10.0, 90.0, 0)),
            (10, pos(224000001, None, None, 10.0, 90.0, 0)),
            (20, pos(224000001, Some(95.0), Some(-9.5), 10.0, 90.0, 0)),
            (30, pos(224000001, Some(0.0), Some(0.0), 10.0, 90.0, 0)),
        ],
    );
    let v = e.picture().vessel(224000001).unwrap();
    assert_eq!((v.lat_deg, v.lon_deg), (43.0, -9.5));
    assert_eq!(v.fix_ms, T0);
    assert_eq!(v.rejected_positions, 3);
    let rej = &e.picture_stats().rejected;
    for reason in [
        "position_unavailable",
        "position_out_of_range",
        "position_null_island",
    ] {
        assert!(
            rej.iter().any(|r| r.0 == reason && r.1 == 1),
            "{reason}: {rej:?}"
        );
    }
}

#[test]
fn a_teleport_is_rejected_and_the_last_good_state_kept() {
    let mut e = Engine::new(Config::default());
    feed(
        &mut e,
        &[
            (0, pos(224000002, Some(43.0), Some(-9.5), 10.0, 90.0, 0)),
            // 10 s later, 30 NM away: 10 800 kn.
            (10, pos(224000002, Some(43.5), Some(-9.5), 10.0, 90.0, 0)),
            // A plausible next fix is accepted again.
            (20, pos(224000002, Some(43.0), Some(-9.4985), 10.0, 90.0, 0)),
        ],
    );
    let v = e.picture().vessel(224000002).unwrap();
    assert_eq!(v.lat_deg, 43.0);
    assert_eq!(v.lon_deg, -9.4985);
    assert_eq!(e.picture_stats().rejected, vec![("position_teleport", 1)]);
}

#[test]
fn two_transmitters_sharing_an_mmsi_do_not_make_the_ship_jump() {
    let mut e = Engine::new(Config::default());
    let mut msgs = Vec::new();
    // Ship A in the Channel, ship B (same MMSI) in the North Sea, both
    // reporting every 10 s, interleaved.
    for k in 0..30 {
        let t = k * 10;
        let dlon = k as f64 * 0.0005;
        msgs.push((
            t,
            pos(235000003, Some(50.2), Some(-1.0 + dlon), 10.0, 90.0, 0),
        ));
        msgs.push((
            t + 5,
            pos(235000003, Some(54.0), Some(3.0 + dlon), 10.0, 90.0, 0),
        ));
    }
    feed(&mut e, &msgs);
    let v = e.picture().vessel(235000003).unwrap();
    assert!(
        (v.lat_deg - 50.2).abs() < 1e-9,
        "stayed with the first track: {}",
        v.lat_deg
    );
    assert!(v.identity_conflict);
    assert!(e.picture_stats().mmsi_conflicts > 20);
    assert_eq!(e.picture_stats().reacquired, 0);
}

#[test]
fn a_vessel_that_really_moved_while_unheard_is_reacquired() {
    let mut e = Engine::new(Config::default());
    let mut msgs = vec![(0, pos(224000004, Some(43.0), Some(-9.5), 10.0, 0.0, 0))];
    // Silent for 10 minutes, then reporting 40 NM away (240 kn implied).
    for k in 0..4 {
        msgs.push((
            600 + k * 10,
            pos(
                224000004,
                Some(43.667 + k as f64 * 0.0005),
                Some(-9.5),
                10.0,
                0.0,
                0,
            ),
        ));
    }
    feed(&mut e, &msgs);
    let v = e.picture().vessel(224000004).unwrap();
    assert!((v.lat_deg - 43.668).abs() < 1e-3, "{}", v.lat_deg);
    assert_eq!(e.picture_stats().reacquired, 1);
    assert!(!v.identity_conflict);
}

#[test]
fn static_data_merges_from_types_5_19_and_24() {
    let mut e = Engine::new(Config::default());
    let five = AisMessage {
        msg_type: 5,
        repeat: 0,
        mmsi: 224000005,
        body: Body::StaticVoyage(StaticVoyage {
            ais_version: 2,
            imo: 9_123_456,
            callsign: Text::from_str_lossy("EAAB"),
            shipname: Text::from_str_lossy("CAPE FINISTERRE"),
            shiptype: 70,
            dimensions: Dimensions {
                to_bow: 160,
                to_stern: 69,
                to_port: 16,
                to_starboard: 16,
            },
            epfd: 1,
            eta_month: 11,
            eta_day: 27,
            eta_hour: 6,
            eta_minute: 0,
            draught_m: Some(12.5),
            destination: Text::from_str_lossy("FERROL"),
            dte: false,
        }),
    };
    let b_a = AisMessage {
        msg_type: 24,
        repeat: 0,
        mmsi: 224000006,
        body: Body::StaticData(StaticDataReport::PartA {
            shipname: Text::from_str_lossy("BRISA"),
        }),
    };
    let b_b = AisMessage {
        msg_type: 24,
        repeat: 0,
        mmsi: 224000006,
        body: Body::StaticData(StaticDataReport::PartB(StaticPartB {
            shiptype: 36,
            vendor_id: Text::from_str_lossy("FIN"),
            model: 1,
            serial: 1,
            callsign: Text::from_str_lossy("EA1234"),
            dimensions: Dimensions {
                to_bow: 8,
                to_stern: 4,
                to_port: 2,
                to_starboard: 2,
            },
            mothership_mmsi: None,
        })),
    };
    let b_pos = AisMessage {
        msg_type: 18,
        repeat: 0,
        mmsi: 224000006,
        body: Body::ClassBPosition(ClassBPosition {
            reserved: 0,
            sog_kn: Some(5.0),
            accuracy: false,
            lon_deg: Some(-9.2),
            lat_deg: Some(42.9),
            cog_deg: Some(300.0),
            heading_deg: None,
            second: 0,
            regional: 0,
            cs: true,
            display: false,
            dsc: false,
            band: true,
            msg22: true,
            assigned: false,
            raim: false,
            radio: 0,
        }),
    };
    feed(&mut e, &[(0, five), (1, b_a), (2, b_b), (3, b_pos)]);
    let a = e.picture().vessel(224000005).unwrap();
    assert_eq!(a.class, VesselClass::A);
    assert_eq!(a.static_data.name.as_deref(), Some("CAPE FINISTERRE"));
    assert_eq!(a.static_data.imo, Some(9_123_456));
    assert_eq!(a.static_data.length_m(), Some(229.0));
    assert_eq!(a.static_data.draught_m, Some(12.5));
    assert_eq!(a.static_data.eta.as_deref(), Some("11-27T06:00"));
    let b = e.picture().vessel(224000006).unwrap();
    assert_eq!(b.class, VesselClass::B);
    assert_eq!(b.static_data.name.as_deref(), Some("BRISA"));
    assert_eq!(b.static_data.callsign.as_deref(), Some("EA1234"));
    assert_eq!(b.static_data.ship_type, Some(36));
    assert_eq!(b.static_data.beam_m(), Some(4.0));
    assert_eq!(b.sog_kn, Some(5.0));
}

#[test]
fn aids_to_navigation_and_base_stations_are_fixed_objects_not_ships() {
    let mut e = Engine::new(Config::default());
    let aton = AisMessage {
        msg_type: 21,
        repeat: 0,
        mmsi: 992241001,
        body: Body::AidToNavigation(AidToNavigation {
            aid_type: 5,
            name: Text::from_str_lossy("FARO DE FISTERRA"),
            accuracy: true,
            lon_deg: Some(-9.2717),
            lat_deg: Some(42.8817),
            dimensions: Dimensions::default(),
            epfd: 7,
            second: 10,
            off_position: false,
            regional: 0,
            raim: false,
            virtual_aid: false,
            assigned: false,
        }),
    };
    let base = AisMessage {
        msg_type: 4,
        repeat: 0,
        mmsi: 2241001,
        body: Body::BaseStation(BaseStationReport {
            year: 2026,
            month: 11,
            day: 26,
            hour: 10,
            minute: 0,
            second: 0,
            accuracy: true,
            lon_deg: Some(-8.4),
            lat_deg: Some(43.37),
            epfd: 7,
            raim: false,
            radio: 0,
        }),
    };
    feed(&mut e, &[(0, aton), (1, base)]);
    assert!(e.picture().vessel(992241001).is_none());
    assert!(e.picture().vessel(2241001).is_none());
    let mut fixed: Vec<_> = e.fixed_objects().map(|o| (o.mmsi, o.kind)).collect();
    fixed.sort();
    assert_eq!(fixed, vec![(2241001, "base_station"), (992241001, "aton")]);
}

#[test]
fn distress_devices_and_safety_broadcasts_raise_distress_at_once_without_repeating() {
    let mut e = Engine::new(Config::default());
    let sart = pos(970012345, Some(43.1), Some(-9.4), 0.0, 0.0, 14);
    let mob = pos(972123456, Some(43.2), Some(-9.4), 0.5, 0.0, 15);
    let text = AisMessage {
        msg_type: 14,
        repeat: 0,
        mmsi: 970012345,
        body: Body::SafetyBroadcast(SafetyBroadcast {
            text: "SART ACTIVE".into(),
        }),
    };
    let events = feed(
        &mut e,
        &[
            (0, sart.clone()),
            (1, text),
            (2, sart.clone()),
            (30, mob),
            (700, sart),
        ],
    );
    let d: Vec<(u32, &str, i64)> = events
        .iter()
        .filter_map(|ev| match &ev.body {
            EventBody::Distress(d) => Some((d.mmsi, d.reason, (ev.time_ms - T0) / 1000)),
            _ => None,
        })
        .collect();
    assert_eq!(
        d,
        vec![
            (970012345, "sart", 0),
            (970012345, "sart_status", 0),
            (970012345, "safety_broadcast", 1),
            (972123456, "mob", 30),
            (970012345, "sart", 700),
            (970012345, "sart_status", 700),
        ]
    );
    // The first distress event is the first event of all: raised at once.
    assert_eq!(events[0].id, 1);
}

#[test]
fn silent_targets_are_lost_after_a_time_that_depends_on_their_class() {
    let mut e = Engine::new(Config::default());
    let mut msgs = vec![
        (0, pos(224000010, Some(43.0), Some(-9.5), 12.0, 90.0, 0)),
        (0, pos(224000011, Some(43.1), Some(-9.5), 0.0, 0.0, 1)),
    ];
    // Another vessel keeps data time moving for an hour.
    for k in 0..360 {
        msgs.push((
            k * 10,
            pos(
                224000012,
                Some(44.0),
                Some(-9.0 + k as f64 * 1e-4),
                10.0,
                90.0,
                0,
            ),
        ));
    }
    let events = feed(&mut e, &msgs);
    let lost: Vec<(u32, i64)> = events
        .iter()
        .filter_map(|ev| match &ev.body {
            EventBody::TargetLost(l) => Some((l.vessel.mmsi, (ev.time_ms - T0) / 1000)),
            _ => None,
        })
        .collect();
    // Under way (10 s reports): lost after the 6-minute floor; at anchor
    // (3-minute reports): after 6 intervals = 18 minutes.
    assert_eq!(lost, vec![(224000010, 370), (224000011, 1090)]);
    assert!(e.picture().vessel(224000010).unwrap().lost);
}

/// Vessels lost in the same pass clear their risks as if one after the
/// other, in MMSI order: each risk once, with the first of its vessels to
/// go, before her `target.lost`.
#[test]
fn vessels_lost_together_clear_each_risk_once_in_order() {
    let mut e = Engine::new(Config::default());
    // Three vessels converging on one point, silent after one report.
    let mut msgs = vec![
        (0, pos(224000031, Some(43.0), Some(-9.55), 12.0, 90.0, 0)),
        (0, pos(224000032, Some(43.0), Some(-9.45), 12.0, 270.0, 0)),
        (0, pos(224000033, Some(43.04), Some(-9.5), 12.0, 180.0, 0)),
    ];
    // A fourth, far off, keeps data time moving.
    for k in 1..60 {
        msgs.push((
            k * 10,
            pos(
                224000040,
                Some(44.0),
                Some(-9.0 + k as f64 * 1e-4),
                10.0,
                90.0,
                0,
            ),
        ));
    }
    let events = feed(&mut e, &msgs[..30]);
    let pairs = |risks: Vec<(u32, u32)>| {
        let mut r = risks;
        r.sort_unstable();
        r
    };
    let open = pairs(
        e.open_risks()
            .map(|o| (o.risk.a.mmsi, o.risk.b.mmsi))
            .collect(),
    );
    assert_eq!(
        open,
        vec![
            (224000031, 224000032),
            (224000031, 224000033),
            (224000032, 224000033)
        ],
        "three risks open before the loss ({} events)",
        events.len()
    );
    let events = feed(&mut e, &msgs[30..]);
    let told: Vec<String> = events
        .iter()
        .filter_map(|ev| match &ev.body {
            EventBody::RiskCleared(c) => {
                Some(format!("cleared {} {} {}", c.a.mmsi, c.b.mmsi, c.reason))
            }
            EventBody::TargetLost(l) => Some(format!("lost {}", l.vessel.mmsi)),
            _ => None,
        })
        .collect();
    assert_eq!(
        told,
        vec![
            "cleared 224000031 224000032 target_lost",
            "cleared 224000031 224000033 target_lost",
            "lost 224000031",
            "cleared 224000032 224000033 target_lost",
            "lost 224000032",
            "lost 224000033",
        ]
    );
    assert_eq!(e.open_risks().count(), 0);
}

#[test]
fn nothing_panics_on_hostile_values() {
    let mut e = Engine::new(Config::default());
    let mut out = Vec::new();
    for (i, v) in [f64::NAN, f64::INFINITY, -1e300, 1e-300, 181.0, -91.0]
        .iter()
        .enumerate()
    {
        let m = pos(224000020 + i as u32, Some(*v), Some(*v), *v, *v, 15);
        let _ = e.ingest(&m, T0 + i as i64, &mut out);
        let _ = e.ingest(&m, i64::MIN + 5, &mut out);
        let _ = e.ingest(&m, i64::MAX / 4, &mut out);
    }
}

/// `observe` keeps the picture and judges nothing: two vessels head-on at
/// close range raise no risk, no event is made and no id used; a vessel
/// that falls silent is marked lost, then forgotten, without a word.
#[test]
fn observe_keeps_the_picture_and_judges_nothing() {
    let mut e = Engine::new(Config::default());
    for i in 0..20i64 {
        let t = T0 + i * 10_000;
        let d = 0.0005 * i as f64;
        let _ = e.observe(
            &pos(227_000_001, Some(43.0), Some(-9.60 + d), 15.0, 90.0, 0),
            t,
        );
        let _ = e.observe(
            &pos(227_000_002, Some(43.0), Some(-9.50 - d), 15.0, 270.0, 0),
            t,
        );
    }
    assert_eq!(e.picture().len(), 2);
    let v = e.picture().vessel(227_000_001).expect("in the picture");
    assert!(v.has_fix() && !v.lost);
    assert_eq!(e.stats().screenings, 0, "no screening");
    assert_eq!(e.take_event_id(), 1, "no id used");
    // Silent for an hour: lost; for longer than forget_after_s: gone.
    let _ = e.observe(
        &pos(227_000_002, Some(43.0), Some(-9.5), 15.0, 270.0, 0),
        T0 + 3_600_000,
    );
    assert!(e.picture().vessel(227_000_001).is_some_and(|v| v.lost));
    assert!(e.picture().vessel(227_000_002).is_some_and(|v| !v.lost));
    let forget_ms = (Config::default().picture.forget_after_s * 1000.0) as i64;
    e.observe_time(T0 + 3_600_000 + forget_ms + 60_000);
    assert!(e.picture().vessel(227_000_001).is_none(), "forgotten");
    let mut out = Vec::new();
    e.advance(T0 + 3_600_000 + forget_ms + 120_000, &mut out);
    assert!(out.is_empty(), "{out:?}");
}

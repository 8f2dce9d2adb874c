//! The binary applications of messages 6 and 8 decoded since issue 11
//! ("decode what gpsd decodes"): one test per application, on a real
//! sentence where a corpus has one (gpsd's and pyais's test data), else on
//! bits built field by field; then every truncation of each, which must
//! never panic and must stay raw when a field is missing.

use finisterra_ais::json::{write_gpsd_json, JsonContext};
use finisterra_ais::*;
use serde_json::Value;

fn decode_str(payload: &str, fill: u8) -> AisMessage {
    decode(payload.as_bytes(), fill).expect("decodes")
}

fn app(m: &AisMessage) -> &Application {
    match &m.body {
        Body::AddressedBinary(b) => &b.app,
        Body::BroadcastBinary(b) => &b.app,
        other => panic!("not a binary message: {other:?}"),
    }
}

fn json(m: &AisMessage, scaled: bool) -> Value {
    let mut buf = Vec::new();
    write_gpsd_json(&mut buf, m, &JsonContext::default(), scaled);
    serde_json::from_slice(&buf)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&buf)))
}

/// A type 6 header to `dest` with `dac`/`fid`; the application follows.
fn type6(dac: u32, fid: u32) -> BitWriter {
    let mut w = BitWriter::new();
    w.u(6, 6);
    w.u(0, 2);
    w.u(244_123_456, 30);
    w.u(1, 2); // seqno
    w.u(2_268_402, 30); // dest
    w.b(false);
    w.b(false);
    w.u(dac, 10);
    w.u(fid, 6);
    w
}

fn type8(dac: u32, fid: u32) -> BitWriter {
    let mut w = BitWriter::new();
    w.u(8, 6);
    w.u(0, 2);
    w.u(2_442_101, 30);
    w.u(0, 2);
    w.u(dac, 10);
    w.u(fid, 6);
    w
}

fn finish(w: &BitWriter) -> AisMessage {
    let (s, fill) = w.armor();
    decode_str(&s, fill)
}

fn month_day_time(w: &mut BitWriter, m: u32, d: u32, h: u32, mi: u32) {
    w.u(m, 4);
    w.u(d, 5);
    w.u(h, 5);
    w.u(mi, 6);
}

// ---------------------------------------------------------------------------
// Real sentences

#[test]
fn dac1_fi30_text_description_gpsd_sample() {
    // gpsd test/sample.aivdm (gpsdecode: linkage 1, text "(").
    let m = decode_str("6h2E3MPr<buN05p0J00000000000", 0);
    let Application::TextDescription(t) = app(&m) else {
        panic!("{:?}", app(&m))
    };
    assert_eq!((t.linkage, t.text.as_str()), (1, "("));
    let j = json(&m, true);
    assert_eq!(j["linkage"], 1);
    assert_eq!(j["text"], "(");
    assert!(j.get("data").is_none());
}

#[test]
fn dac200_fi55_inland_persons_gpsd_daemon_test() {
    // gpsd test/daemon/ais-nmea-type6-fid55.log and its .chk.
    let m = decode_str("63aGD6@0RW?8<SL4000000000000", 0);
    assert_eq!(m.mmsi, 244_700_185);
    assert_eq!(
        app(&m),
        &Application::InlandPersons(InlandPersons {
            crew: 4,
            passengers: 0,
            personnel: 0
        })
    );
    let j = json(&m, false);
    assert_eq!(
        (j["crew"].clone(), j["passengers"].clone()),
        (4.into(), 0.into())
    );
    assert_eq!(j["personnel"], 0);
}

#[test]
fn dac1_fi19_marine_traffic_signal_pyais() {
    // pyais test data (#131): linkage 337, KIEL HOLTENAU, signal 3.
    let m = decode_str(
        "802R5Ph0DmA;95<P8?<D5>1E000000018s`6><78o=T00000000000000000",
        0,
    );
    let Application::MarineTrafficSignal(s) = app(&m) else {
        panic!("{:?}", app(&m))
    };
    assert_eq!(s.linkage, 337);
    assert_eq!(s.station.as_str(), "KIEL HOLTENAU");
    assert_eq!(
        (s.status, s.signal, s.hour, s.minute, s.nextsignal),
        (1, 3, 14, 27, 4)
    );
    for scaled in [true, false] {
        let j = json(&m, scaled);
        assert!((j["lon"].as_f64().unwrap() - 9.9576).abs() < 1e-6);
        assert!((j["lat"].as_f64().unwrap() - 54.3661).abs() < 1e-6);
        assert_eq!(j["signal_text"], "Vessels may proceed. One way traffic.");
        assert_eq!(
            j["nextsignal_text"],
            "Vessels may proceed. Two way traffic."
        );
    }
}

#[test]
fn dac200_fi23_emma_warning_pyais() {
    let m = decode_str("8007R@0j5iaG3BiLuO473qp2N=003=LL0k6wh?2Wf80", 2);
    let Application::EmmaWarning(e) = app(&m) else {
        panic!("{:?}", app(&m))
    };
    assert_eq!((e.start_year, e.start_month, e.start_day), (26, 5, 14));
    assert_eq!((e.start_hour, e.start_minute), (14, 30));
    assert_eq!(
        (e.kind, e.min, e.max, e.intensity, e.wind),
        (3, -123, 123, 2, 2)
    );
    let j = json(&m, true);
    assert_eq!(j["start"], "2026-05-14T14:30");
    assert_eq!(j["end"], "2026-05-17T23:49");
    assert!((j["start_lon"].as_f64().unwrap() - 12.34).abs() < 1e-6);
    assert_eq!(j["type_text"], "Snow and ice");
    assert_eq!(j["class_text"], "Strong");
    assert_eq!(j["wind_text"], "North East");
    // gpsd writes the warning type and class under `type` and `class`
    // again: the last value wins for a reader keeping the last key.
    assert_eq!(j["type"], 3);
}

#[test]
fn dac200_fi24_water_levels_pyais() {
    let m = decode_str("8007R@0j60006000Nh0bJGwewtW4", 0);
    let Application::WaterLevels(w) = app(&m) else {
        panic!("{:?}", app(&m))
    };
    let got: Vec<(u16, i16)> = w.gauges.iter().map(|g| (g.id, g.level_cm)).collect();
    assert_eq!(got, [(12, 0), (123, 10), (1234, -10), (2047, 2500)]);
    let j = json(&m, false);
    assert_eq!(j["gauges"][2]["level"], -10);
    assert_eq!(j["gauges"][3]["id"], 2047);
}

#[test]
fn dac200_fi40_signal_status_pyais() {
    let m = decode_str("8007R@0j:1<RL0gfD21PD3cNIN00", 0);
    let Application::SignalStatus(s) = app(&m) else {
        panic!("{:?}", app(&m))
    };
    assert_eq!((s.direction, s.status), (0, 123_456_700));
    let j = json(&m, true);
    assert_eq!(j["direction_text"], "Unknown");
    assert_eq!(j["status_text"], "INVALID STATUS");
}

// ---------------------------------------------------------------------------
// Built field by field

fn dangerous_cargo() -> BitWriter {
    let mut w = type6(1, 12);
    w.text("NLRTM", 5);
    month_day_time(&mut w, 5, 4, 0, 60);
    w.text("DEHAM", 5);
    month_day_time(&mut w, 5, 6, 12, 30);
    w.text("AMMONIA", 20);
    w.text("2.3", 4);
    w.u(1005, 13);
    w.u(250, 10);
    w.u(2, 2);
    w.u(0, 3);
    w
}

#[test]
fn dac1_fi12_dangerous_cargo() {
    let m = finish(&dangerous_cargo());
    let Application::DangerousCargo(d) = app(&m) else {
        panic!("{:?}", app(&m))
    };
    assert_eq!(d.nextport.as_str(), "DEHAM");
    assert_eq!((d.unid, d.amount, d.unit), (1005, 250, 2));
    let j = json(&m, true);
    assert_eq!(j["lastport"], "NLRTM");
    assert_eq!(j["departure"], "05-04T00:60Z");
    assert_eq!(j["eta"], "05-06T12:30Z");
    assert_eq!(j["dangerous"], "AMMONIA");
    assert_eq!(j["imdcat"], "2.3");
}

fn tidal32() -> BitWriter {
    let mut w = type6(1, 32);
    w.u(7, 4);
    w.u(26, 5);
    for i in 0..2 {
        w.i(-5_400 - i, 25); // lon, 1/1000 min
        w.i(3_240_000, 24); // lat 54°
        w.u(10, 5);
        w.u(15, 6);
        w.u(11, 5);
        w.u(45, 6);
        w.u(90, 9);
        w.u(23, 8);
    }
    w
}

#[test]
fn dac1_fi32_tidal_window() {
    let m = finish(&tidal32());
    let Application::TidalWindow(t) = app(&m) else {
        panic!("{:?}", app(&m))
    };
    assert_eq!(
        (t.edition, t.month, t.day, t.tidals.len()),
        (TidalWindowEdition::Fi32, 7, 26, 2)
    );
    assert_eq!(t.tidals[1].lon, -5_401);
    let j = json(&m, true);
    assert_eq!(j["tidals"][0]["lon"], -0.09);
    assert_eq!(j["tidals"][0]["lat"], 54.0);
    assert_eq!(j["tidals"][1]["cspeed"], 2.3);
    assert_eq!(json(&m, false)["tidals"][0]["cspeed"], 23);
}

fn tidal14() -> BitWriter {
    let mut w = type6(1, 14);
    w.u(7, 4);
    w.u(26, 5);
    w.i(32_400_000, 27); // lat 54° in 1/10 000 min
    w.i(-54_000, 28); // lon -0.09°
    w.u(10, 5);
    w.u(15, 6);
    w.u(11, 5);
    w.u(45, 6);
    w.u(90, 9);
    w.u(23, 7);
    w
}

#[test]
fn dac1_fi14_tidal_window_in_tenth_thousandths_of_a_minute() {
    let m = finish(&tidal14());
    let Application::TidalWindow(t) = app(&m) else {
        panic!("{:?}", app(&m))
    };
    assert_eq!(t.edition, TidalWindowEdition::Fi14);
    assert_eq!((t.tidals[0].lat, t.tidals[0].lon), (32_400_000, -54_000));
    let j = json(&m, true);
    assert_eq!(j["tidals"][0]["lat"], 54.0);
    assert_eq!(j["tidals"][0]["lon"], -0.09);
}

#[test]
fn dac1_fi15_and_fi16_in_both_message_types() {
    let mut w = type6(1, 15);
    w.u(523, 11);
    w.u(0, 5);
    let m = finish(&w);
    assert_eq!(
        app(&m),
        &Application::ExtendedShipStatic(ExtendedShipStatic { airdraught_dm: 523 })
    );
    assert_eq!(json(&m, true)["airdraught"], 523);
    let mut w = type8(1, 15);
    w.u(524, 11);
    w.u(0, 5);
    assert_eq!(json(&finish(&w), true)["airdraught"], 524);

    let mut w = type6(1, 16);
    w.u(1234, 13);
    w.u(0, 3);
    assert_eq!(json(&finish(&w), true)["persons"], 1234);
    let mut w = type8(1, 16);
    w.u(42, 13);
    w.u(0, 3);
    let m = finish(&w);
    assert_eq!(
        app(&m),
        &Application::PersonsOnBoard(PersonsOnBoard { persons: 42 })
    );
    // A type 8 FI 16 of another length is something else: raw.
    w.u(0, 30);
    assert!(matches!(app(&finish(&w)), Application::Raw(_)));
}

fn clearance() -> BitWriter {
    let mut w = type6(1, 18);
    w.u(7, 10);
    month_day_time(&mut w, 12, 24, 18, 5);
    w.text("KIEL HOLTENAU", 20);
    w.text("DEKEL", 5);
    w.i(600_000, 25); // 10°
    w.i(3_240_000, 24); // 54°
    w.u(0, 32);
    w.u(0, 11);
    w
}

#[test]
fn dac1_fi18_clearance_time() {
    let m = finish(&clearance());
    let j = json(&m, true);
    assert_eq!(j["linkage"], 7);
    assert_eq!(j["arrival"], "12-24T18:05Z");
    assert_eq!(j["portname"], "KIEL HOLTENAU");
    assert_eq!(j["destination"], "DEKEL");
    assert_eq!(j["lon"], 10.0);
    assert_eq!(json(&m, false)["lat"], 3_240_000);
}

fn berthing() -> BitWriter {
    let mut w = type6(1, 20);
    w.u(42, 10);
    w.u(300, 9);
    w.u(125, 8);
    w.u(1, 3);
    month_day_time(&mut w, 7, 26, 14, 27);
    w.b(true);
    for i in 0..26 {
        w.u(i % 4, 2);
    }
    w.text("KIEL OSTUFERHAFEN", 20);
    w.i(608_364, 25);
    w.i(3_259_398, 24);
    w
}

#[test]
fn dac1_fi20_berthing_data() {
    let m = finish(&berthing());
    let j = json(&m, true);
    assert_eq!(j["berth_length"], 300);
    assert_eq!(j["position_text"], "Port-side to");
    assert_eq!(j["arrival"], "7-26T14:27");
    assert_eq!(j["availability"], 1);
    assert_eq!(
        (j["agent"].clone(), j["fuel"].clone()),
        (0.into(), 1.into())
    );
    assert_eq!(j["future2"], 1);
    assert_eq!(j["berth_name"], "KIEL OSTUFERHAFEN");
    assert_eq!(j["berth_depth"], 12.5);
    assert_eq!(j["berth_lon"], 10.1394);
    assert_eq!(json(&m, false)["berth_depth"], 125);
}

fn cargo_codes() -> BitWriter {
    let mut w = type6(1, 25);
    w.u(2, 2);
    w.u(500, 10);
    for (code, sub) in [(1, 100), (2, 1005), (4, 7)] {
        w.u(code, 4);
        w.u(sub, 13);
    }
    w
}

#[test]
fn dac1_fi25_dangerous_cargo_codes() {
    let m = finish(&cargo_codes());
    let j = json(&m, true);
    assert_eq!(
        (j["unit"].clone(), j["amount"].clone()),
        (2.into(), 500.into())
    );
    assert_eq!(j["cargos"].as_array().unwrap().len(), 3);
    assert_eq!(j["cargos"][1]["subtype"], 1005);
}

fn route(addressed: bool, count: u32) -> BitWriter {
    let mut w = if addressed {
        type6(1, 28)
    } else {
        type8(1, 27)
    };
    w.u(3, 10);
    w.u(1, 3);
    w.u(31, 5);
    month_day_time(&mut w, 1, 2, 3, 4);
    w.u(90, 18);
    w.u(count, 5);
    for i in 0..count as i32 {
        w.i(6_000_000 + i, 28);
        w.i(-3_000_000, 27);
    }
    w
}

#[test]
fn dac1_fi27_fi28_route_info() {
    for addressed in [true, false] {
        let m = finish(&route(addressed, 3));
        let j = json(&m, true);
        assert_eq!(
            j["rtype_text"],
            "Cancel route identified by message linkage"
        );
        assert_eq!(j["start"], "01-02T03:04Z");
        assert_eq!(j["duration"], 90);
        assert_eq!(j["waypoints"].as_array().unwrap().len(), 3);
        assert_eq!(j["waypoints"][0]["lon"], 10.0);
        assert_eq!(j["waypoints"][0]["lat"], -5.0);
        assert_eq!(json(&m, false)["waypoints"][2]["lon"], 6_000_002);
    }
    // A count the message does not hold: raw.
    let mut short = type8(1, 27);
    let full = finish(&route(false, 2));
    let Application::RouteInfo(r) = app(&full) else {
        panic!()
    };
    assert_eq!(r.waypoints.len(), 2);
    short.u(3, 10);
    short.u(0, 3 + 5);
    short.u(0, 20);
    short.u(0, 18);
    short.u(5, 5);
    short.i(1, 28);
    short.i(1, 27);
    assert!(matches!(app(&finish(&short)), Application::Raw(_)));
}

#[test]
fn dac1_fi29_text_description_broadcast() {
    let mut w = type8(1, 29);
    w.u(9, 10);
    w.text("NO ANCHORING \"HERE\"", 20);
    let j = json(&finish(&w), true);
    assert_eq!(j["linkage"], 9);
    assert_eq!(j["text"], "NO ANCHORING \"HERE\"");
}

fn fairway() -> BitWriter {
    let mut w = type8(1, 13);
    w.text("DREDGING", 20);
    w.text("BUOY 12", 20);
    w.text("BUOY 14", 20);
    w.u(500, 10);
    w.u(1, 2);
    for (d, m, h, mi) in [(3, 4, 6, 0), (5, 4, 18, 30)] {
        w.u(d, 5);
        w.u(m, 4);
        w.u(h, 5);
        w.u(mi, 6);
    }
    w.u(0, 4);
    w
}

#[test]
fn dac1_fi13_fairway_closed() {
    let j = json(&finish(&fairway()), true);
    assert_eq!(j["reason"], "DREDGING");
    assert_eq!(j["closeto"], "BUOY 14");
    assert_eq!(
        (j["radius"].clone(), j["extunit"].clone()),
        (500.into(), 1.into())
    );
    assert_eq!(j["from"], "04-03T06:00");
    assert_eq!(j["to"], "04-05T18:30");
}

fn vts() -> BitWriter {
    let mut w = type8(1, 17);
    // An MMSI target and a call sign target.
    w.u(0, 2);
    w.u(0, 10);
    w.u(244_660_514, 32);
    w.u(0, 4);
    w.i(3_240_000, 24);
    w.i(600_000, 25);
    w.u(270, 9);
    w.u(30, 6);
    w.u(123, 10);
    w.u(2, 2);
    w.text("PD1234", 7);
    w.u(0, 4);
    w.i(-60_000, 24);
    w.i(-600_000, 25);
    w.u(360, 9);
    w.u(60, 6);
    w.u(1023, 10);
    w
}

#[test]
fn dac1_fi17_vts_targets() {
    let m = finish(&vts());
    let Application::VtsTargets(v) = app(&m) else {
        panic!("{:?}", app(&m))
    };
    assert_eq!(v.targets[0].id, TargetId::Mmsi(244_660_514));
    let j = json(&m, true);
    let t = &j["targets"];
    assert_eq!(t[0]["idtype_text"], "mmsi");
    assert_eq!(t[0]["mmsi"], "244660514");
    assert_eq!(
        (t[0]["lat"].clone(), t[0]["lon"].clone()),
        (54.0.into(), 10.0.into())
    );
    assert_eq!(t[0]["speed"], 123);
    assert_eq!(t[1]["callsign"], "PD1234");
    assert_eq!(t[1]["lat"], -1.0);
}

fn inland_location(w: &mut BitWriter) {
    w.text("NL", 2);
    w.text("RTM", 3);
    w.text("00123", 5);
    w.text("T0001", 5);
    w.text("01234", 5);
}

fn inland_eta() -> BitWriter {
    let mut w = type6(200, 21);
    inland_location(&mut w);
    month_day_time(&mut w, 3, 9, 7, 5);
    w.u(2, 3);
    w.u(1250, 12);
    w.u(0, 5);
    w
}

fn inland_rta() -> BitWriter {
    let mut w = type6(200, 22);
    inland_location(&mut w);
    month_day_time(&mut w, 3, 9, 7, 5);
    w.u(1, 2);
    w.u(0, 2);
    w
}

#[test]
fn dac200_fi21_fi22_eta_and_rta_at_lock() {
    let j = json(&finish(&inland_eta()), true);
    assert_eq!(j["country"], "NL");
    assert_eq!(j["locode"], "RTM");
    assert_eq!(j["hectometre"], "01234");
    assert_eq!(j["eta"], "3-9T7:5");
    assert_eq!(
        (j["tugs"].clone(), j["airdraught"].clone()),
        (2.into(), 1250.into())
    );
    let j = json(&finish(&inland_rta()), true);
    assert_eq!(j["terminal"], "T0001");
    assert_eq!(j["status_text"], "Limited operation");
    // Longer than the one slot length: another application, raw.
    let mut w = inland_rta();
    w.u(0, 8);
    assert!(matches!(app(&finish(&w)), Application::Raw(_)));
}

#[test]
fn applications_stay_with_their_message_type() {
    // A type 8 with the DAC/FI of an addressed application is raw, and
    // the other way round.
    let mut w = type8(1, 12);
    w.u(0, 300);
    assert!(matches!(app(&finish(&w)), Application::Raw(_)));
    let mut w = type6(1, 19);
    w.u(0, 300);
    assert!(matches!(app(&finish(&w)), Application::Raw(_)));
}

// ---------------------------------------------------------------------------
// Truncations (fuzz-regression style)

/// Every prefix of `w` (from the header on): decoding never panics and,
/// below `min_bits`, never yields the application.
fn truncations(name: &str, w: &BitWriter, min_bits: usize) {
    let (s, fill) = w.armor();
    let bits = Bits::from_armored(s.as_bytes(), fill).unwrap();
    let header = if bits.u(0, 6) == 6 { 88 } else { 56 };
    for len in 0..=w.len() {
        let mut cut = BitWriter::new();
        for i in 0..len {
            cut.u(bits.u(i, 1), 1);
        }
        let (p, f) = cut.armor();
        let Ok(m) = decode(p.as_bytes(), f) else {
            continue;
        };
        let mut out = Vec::new();
        write_gpsd_json(&mut out, &m, &JsonContext::default(), true);
        write_gpsd_json(&mut out, &m, &JsonContext::default(), false);
        let decoded = !matches!(app(&m), Application::Raw(_));
        if len < header + min_bits {
            assert!(!decoded, "{name}: decoded from {len} bits");
        }
        if len == w.len() {
            assert!(decoded, "{name}: the whole message stays raw");
        }
    }
}

#[test]
fn truncated_applications_never_panic_and_stay_raw() {
    let cases: Vec<(&str, BitWriter, usize)> = vec![
        ("DAC 1 FI 12", dangerous_cargo(), 269),
        ("DAC 1 FI 14", tidal14(), 9 + 93),
        ("DAC 1 FI 32", tidal32(), 9 + 88),
        ("DAC 1 FI 18", clearance(), 229),
        ("DAC 1 FI 20", berthing(), 272),
        ("DAC 1 FI 25", cargo_codes(), 12),
        ("DAC 1 FI 28", route(true, 3), 61 + 3 * 55),
        ("DAC 1 FI 27", route(false, 3), 61 + 3 * 55),
        ("DAC 1 FI 13", fairway(), 412),
        ("DAC 1 FI 17", vts(), 122),
        ("DAC 200 FI 21", inland_eta(), 155),
        ("DAC 200 FI 22", inland_rta(), 142),
    ];
    for (name, w, min) in &cases {
        truncations(name, w, *min);
    }
    // The real sentences too.
    for (p, fill, min) in [
        ("63aGD6@0RW?8<SL4000000000000", 0, 29),
        (
            "802R5Ph0DmA;95<P8?<D5>1E000000018s`6><78o=T00000000000000000",
            0,
            202,
        ),
        ("8007R@0j5iaG3BiLuO473qp2N=003=LL0k6wh?2Wf80", 2, 194),
        ("8007R@0j60006000Nh0bJGwewtW4", 0, 37),
        ("8007R@0j:1<RL0gfD21PD3cNIN00", 0, 101),
        ("6h2E3MPr<buN05p0J00000000000", 0, 10),
    ] {
        let bits = Bits::from_armored(p.as_bytes(), fill).unwrap();
        let mut w = BitWriter::new();
        for i in 0..bits.len() {
            w.u(bits.u(i, 1), 1);
        }
        truncations(p, &w, min);
    }
}

//! Own ship: the receiver's own vessel (from its VDO sentences, or
//! `--own-mmsi`) and its targets listed by time to CPA, as a navigator's AIS
//! target list does.

mod common;

use std::net::UdpSocket;

use common::*;

#[test]
fn the_own_ship_lists_its_targets_by_time_to_cpa() {
    let rt = runtime();
    let port = free_udp_port();
    let running = serve_with(
        &rt,
        cfg(vec![udp_source(port)], None),
        finisterra_server::store::memory(),
    );
    let a = running.http;
    assert_eq!(get_json(a, "/api/own-ship").0, 404, "none yet");
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    let t = finisterra_server::clock::now_ms() / 1000;
    let send = |l: String| {
        u.send_to(format!("{l}\n").as_bytes(), ("127.0.0.1", port))
            .unwrap();
    };
    // Own ship heading north at 12 kn.
    send(sentence(224_800_000, 43.0, -9.3, 0.0, 12.0, t, true));
    // Head-on, 3 NM ahead (closing at 24 kn: TCPA 7.5 min).
    send(moving(224_800_001, 43.05, -9.3, 180.0, 12.0, t));
    // Head-on, 6 NM ahead (TCPA 15 min).
    send(moving(224_800_002, 43.1, -9.3, 180.0, 12.0, t));
    // Astern, going away south: receding.
    send(moving(224_800_003, 42.97, -9.3, 180.0, 10.0, t));
    // Far away: beyond 24 NM.
    send(moving(224_800_004, 44.0, -9.3, 90.0, 10.0, t));
    wait_for(
        || {
            get_json(a, "/api/own-ship").1["targets"]
                .as_array()
                .is_some_and(|x| x.len() == 3)
        },
        "the own ship and three targets",
    );
    let (_, v) = get_json(a, "/api/own-ship");
    assert_eq!(v["own"]["mmsi"], 224_800_000);
    let order: Vec<u64> = v["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["mmsi"].as_u64().unwrap())
        .collect();
    assert_eq!(order, vec![224_800_001, 224_800_002, 224_800_003], "{v}");
    let first = &v["targets"][0];
    assert!(
        (first["range_nm"].as_f64().unwrap() - 3.0).abs() < 0.05,
        "{first}"
    );
    assert!(first["cpa_nm"].as_f64().unwrap() < 0.1);
    assert!(
        (first["tcpa_s"].as_f64().unwrap() - 450.0).abs() < 15.0,
        "{first}"
    );
    assert!(
        first["bearing_deg"].as_f64().unwrap() < 1.0
            || first["bearing_deg"].as_f64().unwrap() > 359.0
    );
    assert_eq!(get_json(a, "/api/own-ship?range_nm=-1").0, 400);
}

/// `$body*hh`.
fn nmea(body: &str) -> String {
    let cs = body.bytes().fold(0u8, |a, b| a ^ b);
    format!("${body}*{cs:02X}")
}

/// `ddmm.mmmm,N,dddmm.mmmm,W` of a position.
fn ddmm(lat: f64, lon: f64) -> String {
    let f = |v: f64, w: usize| {
        let d = v.abs().trunc();
        format!("{:0w$}{:07.4}", d as u32, (v.abs() - d) * 60.0, w = w)
    };
    format!(
        "{},{},{},{}",
        f(lat, 2),
        if lat < 0.0 { "S" } else { "N" },
        f(lon, 3),
        if lon < 0.0 { "W" } else { "E" }
    )
}

#[test]
fn a_gps_feed_makes_the_own_ship_with_its_compass_heading() {
    let rt = runtime();
    let port = free_udp_port();
    let mut c = cfg(vec![udp_source(port)], None);
    c.own_mmsi = Some(224_900_000);
    let running = serve_with(&rt, c, finisterra_server::store::memory());
    let a = running.http;
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    let send = |l: String| {
        u.send_to(format!("{l}\r\n").as_bytes(), ("127.0.0.1", port))
            .unwrap();
    };
    let now = finisterra_server::clock::now_ms();
    let (y, mo, d, h, mi, s, _) = finisterra_nmea::civil_from_unix_ms(now);
    let hhmmss = format!("{h:02}{mi:02}{s:02}.00");
    let ddmmyy = format!("{d:02}{mo:02}{:02}", y % 100);
    // Compass first, then a bad sentence, then the fix.
    send(nmea("HEHDT,93.5,T"));
    send("$GPRMC,1,A,*00".into());
    send(nmea(&format!(
        "GPRMC,{hhmmss},A,{},11.5,90.0,{ddmmyy},,,A",
        ddmm(43.0, -9.3)
    )));
    let t = now / 1000;
    // A target 4 NM east, heading west: closing head-on.
    send(moving(224_900_001, 43.0, -9.3 + 4.0 / 43.9, 270.0, 10.0, t));
    wait_for(
        || {
            get_json(a, "/api/own-ship").1["targets"]
                .as_array()
                .is_some_and(|x| x.len() == 1)
        },
        "the own ship from the GPS and its target",
    );
    let (_, v) = get_json(a, "/api/own-ship");
    let own = &v["own"];
    assert_eq!(own["mmsi"], 224_900_000, "{v}");
    assert!(
        (own["lat_deg"].as_f64().unwrap() - 43.0).abs() < 1e-4,
        "{own}"
    );
    assert_eq!(own["sog_kn"], 11.5, "{own}");
    assert_eq!(own["cog_deg"], 90.0, "{own}");
    assert_eq!(
        own["heading_deg"], 94.0,
        "the compass's heading (HDT), in whole degrees: {own}"
    );
    let t0 = &v["targets"][0];
    assert!(t0["cpa_nm"].as_f64().unwrap() < 0.1, "{t0}");
    assert_eq!(metric(a, "finisterra_gps_fixes_total"), 1.0);
    assert!(
        metric(a, "finisterra_decode_errors_total") >= 1.0,
        "the bad RMC is counted"
    );
}

//! Live Mode S: Beast bytes over TCP into the server (as from dump1090 or
//! readsb's port 30005), aircraft on the API and in readsb's snapshot, a
//! conflict among the events; AVR text lines through a line source too.

mod common;

use std::io::Write;
use std::net::{TcpListener as StdTcpListener, TcpStream};
use std::time::{Duration, Instant};

use common::*;
use finisterra_nav::geo::destination;
use finisterra_server::sources::SourceSpec;
use finisterra_sim::air::{air_frames, beast_bytes, AircraftSpec};

fn plane(icao: &str, callsign: &str, lat: f64, lon: f64, track_deg: f64) -> AircraftSpec {
    AircraftSpec {
        icao: icao.into(),
        callsign: callsign.into(),
        category: Some("A3".into()),
        lat,
        lon,
        alt_ft: 35_000.0,
        gs_kn: 450.0,
        track_deg,
        rate_fpm: 0.0,
        level_off_ft: None,
        turn_deg_s: 0.0,
        from_s: 0.0,
        until_s: None,
    }
}

#[test]
fn beast_over_tcp_gives_aircraft_and_a_conflict_on_the_api() {
    let rt = runtime();
    // Head-on at FL350, 30 NM apart, 900 kn closing: separation (5 NM)
    // lost in 100 s, inside the 120 s look-ahead from the start.
    let (la, loa) = destination(43.0, -9.5, 270.0, 15.0 * 1852.0);
    let (lb, lob) = destination(43.0, -9.5, 90.0, 15.0 * 1852.0);
    let aircraft = [
        plane("4ca101", "EIN101", la, loa, 90.0),
        plane("4ca102", "RYR102", lb, lob, 270.0),
    ];
    let frames = air_frames(&aircraft, 0, 12.0).unwrap();
    // A Beast server, as readsb's port 30005: the frames paced in real
    // time (the server stamps receive times; a Beast counter is no clock),
    // with a burst of garbage first.
    let feed = StdTcpListener::bind("127.0.0.1:0").unwrap();
    let feed_addr = feed.local_addr().unwrap();
    let feeder = std::thread::spawn(move || {
        let (mut s, _) = feed.accept().unwrap();
        s.write_all(&[0x00, 0x42, 0x1a, b'7', 0xff]).unwrap();
        let t0 = Instant::now();
        for (i, f) in frames.iter().enumerate() {
            let due = Duration::from_millis(f.time_ms as u64);
            if let Some(wait) = due.checked_sub(t0.elapsed()) {
                std::thread::sleep(wait);
            }
            let mut b = Vec::new();
            beast_bytes(i as u64 * 12_000, 0x80, &f.frame, &mut b);
            if s.write_all(&b).is_err() {
                return;
            }
        }
        std::thread::sleep(Duration::from_secs(10));
    });
    let running = serve_with(
        &rt,
        cfg(vec![SourceSpec::Beast(feed_addr.to_string())], None),
        finisterra_server::store::memory(),
    );
    let http = running.http;
    wait_for(
        || {
            let (_, v) = get_json(http, "/api/aircraft");
            v.as_array().is_some_and(|a| {
                a.len() == 2
                    && a.iter()
                        .all(|x| x.get("lat").is_some() && x.get("gs_kn").is_some())
            })
        },
        "two aircraft with positions and velocities",
    );
    let (_, list) = get_json(http, "/api/aircraft");
    let a = list
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["hex"] == "4ca101")
        .unwrap()
        .clone();
    assert_eq!(a["flight"], "EIN101");
    assert_eq!(a["alt_baro_ft"], 35_000.0);
    assert_eq!(a["trend"], "level");
    assert_eq!(a["category"], "A3");
    wait_for(
        || {
            let (_, v) = get_json(http, "/api/events?kind=air.conflict.raised");
            v["events"].as_array().is_some_and(|a| !a.is_empty())
        },
        "an air conflict on the API",
    );
    let (_, ev) = get_json(http, "/api/events?kind=air.conflict.raised");
    let c = &ev["events"][0];
    assert_eq!(c["a"]["hex"], "4ca101");
    assert_eq!(c["b"]["hex"], "4ca102");
    assert_eq!(c["vertical"], "level");
    assert!(c["t_in_s"].as_f64().unwrap() < 120.0);
    // readsb's snapshot, as tar1090 reads it.
    let (s, snap) = get_json(http, "/data/aircraft.json");
    assert_eq!(s, 200);
    let ac = snap["aircraft"].as_array().unwrap();
    assert_eq!(ac.len(), 2);
    let x = ac.iter().find(|x| x["hex"] == "4ca102").unwrap();
    assert_eq!(x["flight"], "RYR102  ");
    assert_eq!(x["alt_baro"], 35_000);
    assert!(x["seen"].as_f64().unwrap() < 5.0);
    assert!(snap["now"].as_f64().unwrap() > 1.0e9);
    // The garbage was counted, with its reason.
    assert!(metric(http, "finisterra_decode_errors_total") >= 1.0);
    assert!(metric(http, "finisterra_aircraft") == 2.0);
    drop(running);
    let _ = feeder;
}

#[test]
fn avr_lines_through_a_tcp_line_source_join_the_same_picture() {
    let rt = runtime();
    let port = free_port();
    let running = serve_with(
        &rt,
        cfg(
            vec![SourceSpec::TcpListen(
                format!("127.0.0.1:{port}").parse().unwrap(),
            )],
            None,
        ),
        finisterra_server::store::memory(),
    );
    let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    // pyModeS's identification example (KLM1023) and a broken line.
    c.write_all(b"*8D4840D6202CC371C32CE0576098;\n*8D4840D6ZZ;\n")
        .unwrap();
    c.flush().unwrap();
    wait_for(
        || {
            let (_, v) = get_json(running.http, "/api/aircraft");
            v.as_array()
                .is_some_and(|a| a.iter().any(|x| x["flight"] == "KLM1023"))
        },
        "the aircraft of an AVR line",
    );
    wait_for(
        || metric(running.http, "finisterra_decode_errors_total") >= 1.0,
        "the broken line counted",
    );
}

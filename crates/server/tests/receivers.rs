//! Many receivers: two stations hearing the same transmissions give each
//! message once, and both stations are named with what they heard.

mod common;

use std::net::UdpSocket;

use common::*;

#[test]
fn two_receivers_hearing_the_same_capture_give_each_message_once() {
    let rt = runtime();
    let (p1, p2) = (free_udp_port(), free_udp_port());
    let mut c = cfg(vec![udp_source(p1), udp_source(p2)], None);
    // The first receiver's position is known: its range is measured.
    c.station_positions = vec![(format!("udp:127.0.0.1:{p1}"), 43.0, -9.3)];
    let running = serve_with(&rt, c, finisterra_server::store::memory());
    let a = running.http;
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    let t = finisterra_server::clock::now_ms() / 1000;
    let n = 40u32;
    for k in 0..n {
        let line = moving(224_700_000 + k, 43.0 + k as f64 * 0.01, -9.3, 45.0, 8.0, t);
        // Heard by both receivers, the second a little later.
        u.send_to(format!("{line}\n").as_bytes(), ("127.0.0.1", p1))
            .unwrap();
        u.send_to(format!("{line}\n").as_bytes(), ("127.0.0.1", p2))
            .unwrap();
    }
    let stations = || get_json(a, "/api/stations").1;
    wait_for(
        || {
            stations().as_array().is_some_and(|s| {
                s.len() == 2
                    && s.iter()
                        .map(|x| {
                            x["messages"].as_u64().unwrap_or(0)
                                + x["duplicates"].as_u64().unwrap_or(0)
                        })
                        .all(|heard| heard == u64::from(n))
            })
        },
        "both stations heard every message",
    );
    let s = stations();
    let total: u64 = s
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["messages"].as_u64().unwrap())
        .sum();
    assert_eq!(total, u64::from(n), "each message once: {s}");
    let (_, stats) = get_json(a, "/api/stats");
    let decoded: u64 = stats["sources"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v["messages"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(
        decoded,
        u64::from(n),
        "the engine judged each message once: {stats}"
    );
    for st in s.as_array().unwrap() {
        assert_eq!(st["vessels"], u64::from(n));
        assert!(st["station"]
            .as_str()
            .unwrap()
            .starts_with("udp:127.0.0.1:"));
    }
    // The farthest vessel is 39 × 0.01° = 23.4 NM north of the first
    // receiver; the second has no position, so no range.
    let by_name = |name: String| {
        s.as_array()
            .unwrap()
            .iter()
            .find(|x| x["station"] == name.as_str())
            .cloned()
            .unwrap()
    };
    let first = by_name(format!("udp:127.0.0.1:{p1}"));
    let range = first["farthest_range_nm"].as_f64().unwrap();
    assert!((range - 23.4).abs() < 0.2, "{first}");
    assert_eq!(first["farthest_mmsi"], 224_700_039);
    assert!(by_name(format!("udp:127.0.0.1:{p2}"))["farthest_range_nm"].is_null());
    assert!((metric(a, "finisterra_station_farthest_range_nm") - range).abs() < 0.01);
    let (_, v) = get_json(a, "/api/vessels/224700003");
    assert_eq!(v["heard_by"]["stations"], 2, "{v}");
    assert_ne!(v["heard_by"]["first"], v["heard_by"]["last"]);
}

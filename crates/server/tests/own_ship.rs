//! Own ship: the receiver's own vessel (from its VDO sentences, or
//! `--own-mmsi`) and its targets listed by time to CPA, as a navigator's AIS
//! target list does.

mod common;

use std::net::UdpSocket;

use common::*;
use finisterra_engine::{Config, Engine};
use finisterra_server::start;

#[test]
fn the_own_ship_lists_its_targets_by_time_to_cpa() {
    let rt = runtime();
    let port = free_udp_port();
    let running = rt
        .block_on(start(
            cfg(vec![udp_source(port)], None),
            Engine::new(Config::default()),
            finisterra_server::store::memory(),
        ))
        .unwrap();
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

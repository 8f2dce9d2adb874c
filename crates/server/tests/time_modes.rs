//! `serve --time`: an archive replayed through a live input (its tag-block
//! times two days old) does not age out the picture when judged at the
//! receive time, and is judged by its own times with `--time data`; the
//! disagreement is counted either way.

mod common;

use std::net::UdpSocket;

use common::*;
use finisterra_server::clock::TimeMode;

/// Replays a head-on pair dated two days ago through UDP; returns the
/// server's address.
fn replay(mode: TimeMode) -> (tokio::runtime::Runtime, std::net::SocketAddr, i64) {
    let rt = runtime();
    let port = free_udp_port();
    let mut c = cfg(vec![udp_source(port)], None);
    c.time = mode;
    let running = serve_with(&rt, c, finisterra_server::store::memory());
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    let old_s = finisterra_server::clock::now_ms() / 1000 - 2 * 86_400;
    for k in 0..8i64 {
        let d = 0.00066 * k as f64;
        for (m, lat, cog) in [
            (224_600_001u32, 43.2 + d, 0.0),
            (224_600_002, 43.3 - d, 180.0),
        ] {
            let line = moving(m, lat, -9.2, cog, 12.0, old_s + k * 10);
            u.send_to(format!("{line}\n").as_bytes(), ("127.0.0.1", port))
                .unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    (rt, running.http, old_s)
}

#[test]
fn an_archive_through_a_live_input_judged_at_the_receive_time() {
    let (_rt, a, _) = replay(TimeMode::Receive);
    wait_for(
        || {
            get_json(a, "/api/risks")
                .1
                .as_array()
                .is_some_and(|r| !r.is_empty())
        },
        "the replayed pair's risk",
    );
    wait_for(
        || metric(a, "finisterra_time_disagreements_total") >= 16.0,
        "the disagreement counted",
    );
    let (_, v) = get_json(a, "/api/vessels");
    let lost = v
        .as_array()
        .map_or(0, |l| l.iter().filter(|x| x["lost"] == true).count());
    assert_eq!(lost, 0, "nothing aged out: {v}");
}

#[test]
fn an_archive_judged_by_its_own_times() {
    let (_rt, a, old_s) = replay(TimeMode::Data);
    wait_for(
        || {
            get_json(a, "/api/vessels")
                .1
                .as_array()
                .is_some_and(|l| l.len() == 2)
        },
        "both vessels",
    );
    // The picture's time is the data's, not the wall clock's.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let (_, stats) = get_json(a, "/api/stats");
    let t = stats["data_time"].as_str().unwrap_or("").to_string();
    let want = finisterra_engine::iso8601((old_s + 70) * 1000);
    assert_eq!(&t[..16], &want[..16], "{t} vs {want}");
}

//! Hostile input, item 5: many live-stream clients cost the server little:
//! the moved vessels are serialised once a second into one frame that every
//! client shares, and slow clients skip frames rather than hold copies. In a
//! file of its own so that the process's resident memory is this test's.

mod common;

use std::io::Write;
use std::net::{TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use common::*;

#[test]
fn two_hundred_slow_clients_share_the_vessel_frames() {
    if rss_mb().is_none() {
        assert!(std::env::var_os("CI").is_none(), "no /proc/self/status");
        eprintln!("SKIP: no /proc/self/status");
        return;
    }
    let rt = runtime();
    let port = free_udp_port();
    let running = serve_with(
        &rt,
        cfg(vec![udp_source(port)], None),
        finisterra_server::store::memory(),
    );
    let a = running.http;
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    let n_vessels = 3000u32;
    let send_all = |t: i64| {
        // Each round a little further north: a new transmission each time.
        let step = (t % 1000) as f64 * 1e-5;
        for k in 0..n_vessels {
            let lat = 40.0 + (k / 60) as f64 * 0.02 + step;
            let lon = -10.0 + (k % 60) as f64 * 0.02;
            let line = moving(224_500_000 + k, lat, lon, 90.0, 0.5, t);
            u.send_to(format!("{line}\n").as_bytes(), ("127.0.0.1", port))
                .unwrap();
        }
    };
    let t0 = finisterra_server::clock::now_ms() / 1000 - 30;
    send_all(t0);
    wait_for(
        || {
            get_json(a, "/api/stats").1["vessels"]
                .as_u64()
                .is_some_and(|v| v >= u64::from(n_vessels) * 9 / 10)
        },
        "the vessels in the picture",
    );
    let before = rss_mb().unwrap();
    // 200 clients that ask for vessel updates and never read.
    let clients: Vec<TcpStream> = (0..200)
        .map(|_| {
            let mut s = TcpStream::connect(a).unwrap();
            s.write_all(b"GET /api/stream HTTP/1.1\r\nHost: t\r\n\r\n")
                .unwrap();
            s
        })
        .collect();
    // Every vessel moves every second for 6 seconds.
    let mut peak = before;
    let start_t = Instant::now();
    for k in 1..=6 {
        send_all(t0 + k * 5);
        while start_t.elapsed() < Duration::from_secs(k as u64) {
            peak = peak.max(rss_mb().unwrap());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    peak = peak.max(rss_mb().unwrap());
    let q0 = Instant::now();
    let (status, _) = get_json(a, "/api/vessels?limit=10");
    let api_ms = q0.elapsed().as_secs_f64() * 1000.0;
    println!(
        "200 slow clients, {n_vessels} vessels moving every second for 6 s: RSS {before:.1} MB before, {peak:.1} MB peak (+{:.1} MB); /api/vessels in {api_ms:.1} ms",
        peak - before
    );
    assert_eq!(status, 200);
    // A frame of 3,000 vessels is about 1 MB: copies per client would be
    // 200 MB a second.
    assert!(
        peak - before < 150.0,
        "200 clients cost {:.0} MB",
        peak - before
    );
    drop(clients);
}

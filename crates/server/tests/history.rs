//! History read back: stored tracks of one vessel and of every vessel in a
//! box, events and tracks exported as CSV and GeoJSON, cursor paging on
//! vessels, events and tracks, and a reused data directory whose event log
//! would go back in time saying so.

mod common;

use std::net::UdpSocket;

use common::*;
use serde_json::Value;

fn temp_dir(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!(
        "finisterra-{name}-{}-{}",
        std::process::id(),
        finisterra_server::clock::now_ms()
    ))
}

/// Headers and body of a GET.
fn get_raw(a: std::net::SocketAddr, path: &str) -> (u16, String, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(a).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        String::from_utf8_lossy(&dechunk(body.as_bytes())).to_string()
    } else {
        body.to_string()
    };
    (status, head.to_string(), body)
}

/// The `Link: <...>; rel="next"` target, if any.
fn next_link(head: &str) -> Option<String> {
    head.lines()
        .find(|l| l.to_ascii_lowercase().starts_with("link:"))
        .and_then(|l| Some(l.split('<').nth(1)?.split('>').next()?.to_string()))
}

#[test]
fn stored_tracks_events_and_vessels_read_back_page_by_page_in_every_format() {
    let rt = runtime();
    let dir = temp_dir("history");
    let port = free_udp_port();
    let running = serve_with(
        &rt,
        cfg(vec![udp_source(port)], None),
        finisterra_server::store::open(&dir.to_string_lossy()).unwrap(),
    );
    let a = running.http;
    let u = UdpSocket::bind("127.0.0.1:0").unwrap();
    // Three vessels, a report a minute for 20 minutes, two hours ago; one
    // far east. An AIS-SART among them: distress events.
    let t0 = finisterra_server::clock::now_ms() / 1000 - 7200;
    for k in 0..20i64 {
        let t = t0 + k * 60;
        let lat = 43.0 + k as f64 * 0.002;
        let mut d = String::new();
        for l in [
            moving(224_500_001, lat, -9.3, 0.0, 7.0, t),
            moving(224_500_002, lat, -9.2, 0.0, 7.0, t),
            moving(224_500_003, lat, 20.0, 0.0, 7.0, t),
        ] {
            d.push_str(&l);
            d.push_str("\r\n");
        }
        if k % 5 == 0 {
            d.push_str(&position(970_500_000 + k as u32, 43.05, -9.6, t));
            d.push_str("\r\n");
        }
        u.send_to(d.as_bytes(), ("127.0.0.1", port)).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let from = t0 * 1000;
    let to = (t0 + 1200) * 1000;
    let track = |m: u32| {
        get_json(a, &format!("/api/vessels/{m}/track?from={from}&to={to}")).1["points"]
            .as_array()
            .map_or(0, Vec::len)
    };
    // The state thread stores a point per vessel per 30 s, every 5 s.
    wait_for(
        || track(224_500_001) == 20,
        &format!(
            "20 stored points of one vessel: {} {}",
            get_json(
                a,
                &format!("/api/vessels/224500001/track?from={from}&to={to}")
            )
            .1,
            get_json(a, "/api/vessels/224500001").1
        ),
    );
    let (_, v) = get_json(
        a,
        &format!("/api/vessels/224500001/track?from={from}&to={to}"),
    );
    assert_eq!(v["columns"][0], "time_ms");
    let times: Vec<i64> = v["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[0].as_i64().unwrap())
        .collect();
    assert_eq!(
        times,
        (0..20).map(|k| (t0 + k * 60) * 1000).collect::<Vec<_>>()
    );
    assert!(v["next"].is_null(), "one page");
    // Every vessel in a box: the two off Finisterre, not the one at 20° E.
    wait_for(
        || {
            get_json(
                a,
                &format!("/api/tracks?from={from}&to={to}&bbox=-9.35,42,-9.15,44"),
            )
            .1["points"]
                .as_array()
                .is_some_and(|p| p.len() == 40)
        },
        "both vessels in the box",
    );
    // Paged by 7: every point once, in (time, MMSI) order, following Link.
    let mut path = format!("/api/tracks?from={from}&to={to}&limit=7");
    let mut seen: Vec<(i64, u64)> = Vec::new();
    let mut pages = 0;
    loop {
        let (status, head, body) = get_raw(a, &path);
        assert_eq!(status, 200, "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        for p in v["points"].as_array().unwrap() {
            seen.push((p[0].as_i64().unwrap(), p[1].as_u64().unwrap()));
        }
        pages += 1;
        match next_link(&head) {
            Some(n) => path = n,
            None => break,
        }
    }
    assert_eq!(
        seen.len(),
        60 + 4,
        "three vessels and four SARTs: {pages} pages"
    );
    let mut sorted = seen.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted, seen, "in order, none twice");
    // CSV and GeoJSON.
    let (status, head, csv) = get_raw(
        a,
        &format!("/api/vessels/224500002/track?from={from}&to={to}&format=csv"),
    );
    assert_eq!(status, 200);
    assert!(
        head.to_ascii_lowercase().contains("content-type: text/csv"),
        "{head}"
    );
    assert!(head.contains("track-224500002.csv"), "{head}");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "time_ms,mmsi,lat_deg,lon_deg,sog_kn,cog_deg,heading_deg,time"
    );
    assert_eq!(lines.len(), 21);
    assert!(
        lines[1].starts_with(&format!("{},224500002,43,-9.2,7,0,", t0 * 1000)),
        "{}",
        lines[1]
    );
    let (_, head, gj) = get_raw(
        a,
        &format!("/api/tracks?from={from}&to={to}&bbox=-9.35,42,-9.15,44&format=geojson"),
    );
    assert!(head.contains("application/geo+json"), "{head}");
    let gj: Value = serde_json::from_str(&gj).unwrap();
    let f = gj["features"].as_array().unwrap();
    assert_eq!(f.len(), 2, "one feature per vessel");
    assert_eq!(f[0]["geometry"]["type"], "LineString");
    assert_eq!(
        f[0]["geometry"]["coordinates"].as_array().unwrap().len(),
        20
    );
    assert_eq!(f[0]["properties"]["times_ms"].as_array().unwrap().len(), 20);
    // Events: CSV and GeoJSON, paged.
    wait_for(
        || {
            get_json(a, "/api/events?kind=distress").1["events"]
                .as_array()
                .is_some_and(|e| e.len() == 4)
        },
        "four distress events",
    );
    let (_, head, csv) = get_raw(a, "/api/events?kind=distress&format=csv&limit=3");
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("id,time,kind,level,mmsi,"),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len(), 4, "a page of three");
    assert!(lines[1].contains(",distress,"), "{}", lines[1]);
    let next = next_link(&head).expect("the next page");
    assert!(
        next.contains("format=csv") && next.contains("kind=distress"),
        "{next}"
    );
    let (_, _, rest) = get_raw(a, &next);
    assert_eq!(rest.lines().count(), 2, "the fourth: {rest}");
    let (_, _, gj) = get_raw(a, "/api/events?kind=distress&format=geojson");
    let gj: Value = serde_json::from_str(&gj).unwrap();
    let f = &gj["features"][0];
    assert_eq!(f["geometry"]["type"], "Point");
    assert_eq!(f["properties"]["kind"], "distress");
    // Vessels paged by MMSI.
    let (_, head, body) = get_raw(a, "/api/vessels?limit=2");
    let first: Vec<u64> = serde_json::from_str::<Value>(&body)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["mmsi"].as_u64().unwrap())
        .collect();
    assert_eq!(first.len(), 2);
    let next = next_link(&head).expect("a next page of vessels");
    let (_, _, body) = get_raw(a, &next);
    let rest: Vec<u64> = serde_json::from_str::<Value>(&body)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["mmsi"].as_u64().unwrap())
        .collect();
    assert!(
        rest.iter().all(|m| *m > first[1]),
        "{first:?} then {rest:?}"
    );
    // Errors are JSON and name what is wrong.
    for (path, says) in [
        ("/api/tracks?format=xml", "format"),
        ("/api/tracks?after=yesterday", "TIME_MS:MMSI"),
        ("/api/tracks?from=2&to=1", "before"),
        ("/api/vessels/224500001/track?bbox=1,2,3,4", "bbox"),
        ("/api/events?format=kml", "format"),
    ] {
        let (s, v) = get_json(a, path);
        assert_eq!(s, 400, "{path}");
        assert!(v["error"].as_str().unwrap().contains(says), "{path}: {v}");
    }
    let _ = running
        .tx
        .try_send(finisterra_server::core::Input::Shutdown);
    drop(rt);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn without_a_store_history_says_where_it_would_be() {
    let rt = runtime();
    let running = serve_with(&rt, cfg(vec![], None), finisterra_server::store::memory());
    let (s, v) = get_json(running.http, "/api/tracks");
    assert_eq!(s, 404);
    assert!(v["error"].as_str().unwrap().contains("--data-dir"), "{v}");
}

#[test]
fn a_reused_data_directory_says_when_its_event_log_goes_back_in_time() {
    let dir = temp_dir("regress");
    let now = finisterra_server::clock::now_ms() / 1000;
    let run = |t: i64, sart: u32| -> f64 {
        let rt = runtime();
        let port = free_udp_port();
        let running = serve_with(
            &rt,
            cfg(vec![udp_source(port)], None),
            finisterra_server::store::open(&dir.to_string_lossy()).unwrap(),
        );
        let u = UdpSocket::bind("127.0.0.1:0").unwrap();
        u.send_to(
            format!("{}\r\n", position(sart, 43.0, -9.0, t)).as_bytes(),
            ("127.0.0.1", port),
        )
        .unwrap();
        wait_for(
            || {
                get_json(running.http, "/api/events").1["events"]
                    .as_array()
                    .is_some_and(|e| e.iter().any(|x| x["mmsi"] == sart))
            },
            "the distress event",
        );
        let n = metric(running.http, "finisterra_event_log_time_regressions_total");
        let _ = running
            .tx
            .try_send(finisterra_server::core::Input::Shutdown);
        std::thread::sleep(std::time::Duration::from_millis(300));
        n
    };
    assert_eq!(run(now - 60, 970_600_001), 0.0, "a fresh log");
    assert_eq!(run(now, 970_600_002), 0.0, "later data after a restart");
    // The old distress is counted; the SART's loss, dated at the next
    // screening boundary (at most one interval before the log's newest),
    // is not.
    assert_eq!(
        run(now - 3600, 970_600_003),
        1.0,
        "older data than the log holds: counted"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_fast_replay_keeps_every_track_point_of_a_batch() {
    // Ten reports a minute apart in one datagram: one batch of the core.
    // Each is a track point (not only the batch's last fix).
    let rt = runtime();
    let port = free_udp_port();
    let running = serve_with(
        &rt,
        cfg(vec![udp_source(port)], None),
        finisterra_server::store::memory(),
    );
    let t0 = finisterra_server::clock::now_ms() / 1000 - 3600;
    let mut d = String::new();
    for k in 0..10i64 {
        d.push_str(&moving(
            224_510_001,
            43.0 + k as f64 * 0.01,
            -9.3,
            0.0,
            10.0,
            t0 + k * 60,
        ));
        d.push_str("\r\n");
    }
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .send_to(d.as_bytes(), ("127.0.0.1", port))
        .unwrap();
    let points = || {
        get_json(running.http, "/api/vessels/224510001").1["track"]
            .as_array()
            .map_or(0, Vec::len)
    };
    wait_for(|| points() >= 1, "the vessel");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(points(), 10, "every fix of the batch is a track point");
}

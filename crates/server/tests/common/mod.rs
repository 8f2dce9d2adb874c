//! Helpers shared by the server's loopback suites.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener as StdTcpListener, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use finisterra_ais::encode::{encode_sentences, SentenceOptions};
use finisterra_ais::{AisMessage, Body, PositionReport};
use finisterra_server::sources::SourceSpec;
use finisterra_server::ServeConfig;
use serde_json::{json, Value};

pub fn free_port() -> u16 {
    StdTcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A position report as a sentence with a tag-block time of `t_s`.
pub fn position(mmsi: u32, lat: f64, lon: f64, t_s: i64) -> String {
    moving(mmsi, lat, lon, 90.0, 10.0, t_s)
}

/// A position report with course and speed, tag-block time `t_s`.
pub fn moving(mmsi: u32, lat: f64, lon: f64, cog: f64, sog: f64, t_s: i64) -> String {
    sentence(mmsi, lat, lon, cog, sog, t_s, false)
}

/// A position report as a `VDM` sentence, or as `VDO` (the receiver's own
/// ship) when `own_ship`.
pub fn sentence(
    mmsi: u32,
    lat: f64,
    lon: f64,
    cog: f64,
    sog: f64,
    t_s: i64,
    own_ship: bool,
) -> String {
    sentence_with(
        mmsi,
        lat,
        lon,
        cog,
        sog,
        SentenceOptions {
            tag_time_s: Some(t_s),
            own_ship,
            ..Default::default()
        },
    )
}

/// A position report heard by `station` (tag block `s:`) at `t_s`.
pub fn heard_by(mmsi: u32, lat: f64, lon: f64, t_s: i64, station: &str) -> String {
    sentence_with(
        mmsi,
        lat,
        lon,
        90.0,
        10.0,
        SentenceOptions {
            tag_time_s: Some(t_s),
            tag_source: Some(station.to_string()),
            ..Default::default()
        },
    )
}

/// A position report framed with these options.
pub fn sentence_with(
    mmsi: u32,
    lat: f64,
    lon: f64,
    cog: f64,
    sog: f64,
    opts: SentenceOptions,
) -> String {
    let msg = AisMessage {
        msg_type: 1,
        repeat: 0,
        mmsi,
        body: Body::Position(PositionReport {
            status: 0,
            turn: None,
            sog_kn: Some(sog),
            accuracy: true,
            lon_deg: Some(lon),
            lat_deg: Some(lat),
            cog_deg: Some(cog),
            heading_deg: Some(cog.round() as u16 % 360),
            second: 0,
            maneuver: 0,
            raim: false,
            radio: 0,
        }),
    };
    encode_sentences(&msg, &opts).unwrap().remove(0)
}

/// A minimal HTTP/1.1 client: (status, body).
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let _ = s.write_all(body);
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).to_string();
    let status: u16 = text
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(raw.len(), |p| p + 4);
    let mut body = raw[split..].to_vec();
    if text
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    (status, body)
}

pub fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(p) = b.windows(2).position(|w| w == b"\r\n") {
        let Ok(n) = usize::from_str_radix(std::str::from_utf8(&b[..p]).unwrap_or("0").trim(), 16)
        else {
            break;
        };
        if n == 0 || b.len() < p + 2 + n + 2 {
            break;
        }
        out.extend_from_slice(&b[p + 2..p + 2 + n]);
        b = &b[p + 2 + n + 2..];
    }
    out
}

pub fn get_json(addr: SocketAddr, path: &str) -> (u16, Value) {
    let (s, b) = http(addr, "GET", path, &[], b"");
    (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
}

pub fn wait_for(mut f: impl FnMut() -> bool, what: &str) {
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(20) {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out waiting for {what}");
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

pub fn cfg(sources: Vec<SourceSpec>, token: Option<&str>) -> ServeConfig {
    ServeConfig {
        sources,
        http: "127.0.0.1:0".parse().unwrap(),
        token: token.map(str::to_owned),
        cors: None,
        zones_doc: json!({"type": "FeatureCollection", "features": []}),
        hazards_doc: json!({"type": "FeatureCollection", "features": []}),
        track_retention_s: 86_400.0,
        limits: finisterra_server::Limits::default(),
        time: Default::default(),
        own_mmsi: None,
        outputs: Vec::new(),
        station_positions: Vec::new(),
    }
}

/// Starts a server with the default engine on the test's runtime.
pub fn serve_with(
    rt: &tokio::runtime::Runtime,
    cfg: ServeConfig,
    store: Box<dyn finisterra_server::store::EventSink>,
) -> finisterra_server::Running {
    rt.block_on(finisterra_server::start(
        cfg,
        finisterra_engine::Engine::new(finisterra_engine::Config::default()),
        store,
    ))
    .unwrap()
}

pub fn metric(a: std::net::SocketAddr, name: &str) -> f64 {
    let (_, body) = http(a, "GET", "/metrics", &[], b"");
    String::from_utf8_lossy(&body)
        .lines()
        .filter(|l| l.starts_with(name) && !l.starts_with('#'))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

pub fn udp_source(port: u16) -> SourceSpec {
    SourceSpec::Udp(format!("127.0.0.1:{port}").parse().unwrap())
}

pub fn rss_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = s
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

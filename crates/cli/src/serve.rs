//! `finisterra serve`: the live picture, the API, the map.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use finisterra_engine::Engine;
use finisterra_server::sources::SourceSpec;
use finisterra_server::store::EventSink;
use finisterra_server::ServeConfig;
use serde_json::Value;

use crate::scan::{load_config, load_geography, GeoArgs};

/// Options of the `serve` command.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Listen for NMEA datagrams on this address (AIS-catcher, rtl-ais...).
    #[arg(long, value_name = "ADDR")]
    pub udp: Vec<SocketAddr>,
    /// Accept TCP connections that push NMEA lines.
    #[arg(long, value_name = "ADDR")]
    pub tcp_listen: Vec<SocketAddr>,
    /// Connect to a TCP NMEA feed (reconnects with backoff). A feed of
    /// Mode S text (AVR `*…;` lines, dump1090/readsb port 30002, or SBS
    /// BaseStation port 30003) is read the same way: each line is
    /// recognised by its form.
    #[arg(long, value_name = "HOST:PORT")]
    pub connect: Vec<String>,
    /// Connect to a Beast binary feed of Mode S / ADS-B (dump1090/readsb
    /// port 30005; reconnects with backoff).
    #[arg(long, value_name = "HOST:PORT")]
    pub beast: Vec<String>,
    /// Accept TCP connections carrying Beast binary (receivers push).
    #[arg(long, value_name = "ADDR")]
    pub beast_listen: Vec<SocketAddr>,
    /// Replay a file (plain or gzip).
    #[arg(long, value_name = "FILE")]
    pub replay: Vec<String>,
    /// Serve the events of a distributed run from NATS JetStream
    /// (`finisterra ingest` and `finisterra worker` judge; no local input
    /// then): read through the durable consumer `--nats-consumer`, each
    /// acknowledged once the store has it; the store keeps one event per
    /// key.
    #[arg(long, value_name = "URL")]
    pub nats: Option<String>,
    /// Subject and stream prefix of the distributed run (as `ingest` and
    /// `worker` were given).
    #[arg(long, value_name = "NAME", default_value = "fin")]
    pub prefix: String,
    /// The durable consumer of the events stream this server reads through
    /// (one per server that keeps a store of its own; without `--data-dir`
    /// or `--store` it is made anew at each start, reading the stream from
    /// its first event into the memory store).
    #[arg(long, value_name = "NAME", default_value = "serve")]
    pub nats_consumer: String,
    /// Seconds before an event delivered and not acknowledged (not stored)
    /// is delivered again.
    #[arg(long, value_name = "S", default_value_t = 30.0)]
    pub nats_ack_wait: f64,
    /// Replay at this many times the recorded rate (default: as fast as
    /// possible).
    #[arg(long, value_name = "N")]
    pub speed: Option<f64>,
    /// Read NMEA from standard input too.
    #[arg(long)]
    pub stdin: bool,
    /// Where the API and the map listen.
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:8080")]
    pub http: String,
    /// Which time judges a message: `live` (the data's time, never ahead
    /// of its receive time; the default), `receive` (the receive time only:
    /// an archive replayed through a live input is judged as live now) or
    /// `data` (the data's time only; the wall clock does not move the
    /// picture).
    #[arg(long, value_name = "MODE", default_value = "live")]
    pub time: finisterra_server::clock::TimeMode,
    /// Keep events, vessels and tracks in this directory (SQLite).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Store in PostgreSQL instead (`postgres://user@host/db`).
    #[arg(long, value_name = "URL")]
    pub store: Option<String>,
    /// Token required for changes (zones, hazards; and acknowledgements
    /// when set). Without it, changes through the API are refused.
    #[arg(long, value_name = "TOKEN")]
    pub token: Option<String>,
    /// Allow this origin to call the API from a browser (CORS is off by
    /// default).
    #[arg(long, value_name = "ORIGIN")]
    pub cors: Option<String>,
    /// Engine settings (JSON).
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,
    /// Keep track history this many days in the store (default 30).
    #[arg(long, value_name = "DAYS", default_value_t = 30.0)]
    pub retention_days: f64,
    /// Serve the bundled demonstration: the Finisterre scenario (simulated,
    /// starting now, repeated every 130 data minutes) with the bundled
    /// Kystverket capture (repeated every 3 data minutes), paced at --speed
    /// (default 10×).
    #[arg(long)]
    pub demo: bool,
    /// Token required to read the API, the live stream and /metrics
    /// (`Authorization: Bearer`, or `?token=`); the change token also
    /// reads. Without it, reading is open.
    #[arg(long, value_name = "TOKEN")]
    pub read_token: Option<String>,
    /// Most open HTTP connections; more are closed at once.
    #[arg(long, value_name = "N", default_value_t = 4096)]
    pub max_connections: usize,
    /// Most live-stream clients; more get 503.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub max_stream_clients: usize,
    /// Most events of backlog sent to one live-stream client on connecting
    /// (older ones are paged from /api/events).
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    pub stream_backlog: usize,
    /// Seconds to receive a request's headers; then the connection closes.
    #[arg(long, value_name = "S", default_value_t = 10.0)]
    pub header_timeout: f64,
    /// Seconds to receive a request's body.
    #[arg(long, value_name = "S", default_value_t = 30.0)]
    pub body_timeout: f64,
    /// Receive buffer asked for each UDP socket, bytes (the kernel caps it
    /// at net.core.rmem_max; /metrics shows what it granted and what it
    /// dropped).
    #[arg(long, value_name = "BYTES", default_value_t = 8 << 20)]
    pub udp_buffer: usize,
    /// Seconds of silence after which a TCP feed is closed (and, for
    /// --connect, reconnected).
    #[arg(long, value_name = "S", default_value_t = 300.0)]
    pub tcp_idle_timeout: f64,
    /// Events kept in memory while the store refuses writes (disk full);
    /// beyond, the oldest are dropped and counted.
    #[arg(long, value_name = "N", default_value_t = 200_000)]
    pub spill_max: usize,
    /// The own ship's MMSI (else the vessel of the first `VDO` sentence):
    /// `GET /api/own-ship` lists its targets by time to CPA.
    #[arg(long, value_name = "MMSI")]
    pub own_mmsi: Option<u32>,
    /// Send events, vessel updates or NMEA somewhere else (repeatable):
    /// `udp://HOST:PORT` and `tcp://HOST:PORT` forward NMEA (one copy of
    /// each transmission; `?raw=true` every line as received),
    /// `mqtt://HOST:PORT/PREFIX` publishes events and vessels as JSON,
    /// `http://HOST:PORT/PATH?secret=S` POSTs alerts (signed, retried),
    /// `signalk+udp://` / `signalk+tcp://` send Signal K notifications.
    /// Filters: `?kinds=risk.*,zone.violation&levels=alarm&zones=ID&
    /// bbox=W,S,E,N&mmsi=M1,M2`; `queue=N` bounds what waits.
    #[arg(long, value_name = "URL")]
    pub output: Vec<String>,
    /// Where a receiving station is, `NAME=LAT,LON` in degrees (repeatable;
    /// NAME as its tag blocks' `s:` or the input's name): /api/stations
    /// then shows the farthest report it heard. A station that hears the
    /// own ship's VDO sentences is placed on the own ship.
    #[arg(long, value_name = "NAME=LAT,LON", value_parser = parse_station_position)]
    pub station_position: Vec<(String, f64, f64)>,
    /// Read settings from this JSON file: an object whose keys are the long
    /// flags of `serve` without their dashes (`"udp": ["0.0.0.0:10110"]`,
    /// `"data-dir": "/var/lib/finisterra"`, `"stdin": true`); flags given on
    /// the command line win, repeatable ones add up.
    #[arg(long, value_name = "FILE")]
    pub config_file: Option<PathBuf>,
    /// Geography (zones, hazards, land).
    #[command(flatten)]
    pub geo: GeoArgs,
}

/// Expands `serve --config-file FILE` into the flags the file sets, so that
/// every flag has one definition (clap's) and one parser. Unknown keys and
/// values of the wrong shape are errors naming the file and the key.
pub fn expand_config_file(argv: Vec<std::ffi::OsString>) -> Result<Vec<std::ffi::OsString>> {
    use std::ffi::OsString;
    let Some(serve_at) = argv.iter().position(|a| a == "serve") else {
        return Ok(argv);
    };
    let mut path: Option<OsString> = None;
    for (i, a) in argv.iter().enumerate().skip(serve_at + 1) {
        let s = a.to_string_lossy();
        if s == "--config-file" {
            path = argv.get(i + 1).cloned();
        } else if let Some(p) = s.strip_prefix("--config-file=") {
            path = Some(OsString::from(p));
        }
    }
    let Some(path) = path else {
        return Ok(argv);
    };
    let shown = PathBuf::from(&path).display().to_string();
    let text = std::fs::read_to_string(&path).with_context(|| format!("cannot read {shown}"))?;
    let doc: Value = serde_json::from_str(&text).with_context(|| format!("{shown} is not JSON"))?;
    let Value::Object(map) = doc else {
        anyhow::bail!("{shown}: settings must be a JSON object of flag names");
    };
    let cmd = <ServeArgs as clap::Args>::augment_args(clap::Command::new("serve"));
    let on_command_line = |long: &str| {
        argv.iter().skip(serve_at + 1).any(|a| {
            let s = a.to_string_lossy();
            s == format!("--{long}") || s.starts_with(&format!("--{long}="))
        })
    };
    let mut extra: Vec<OsString> = Vec::new();
    for (key, value) in &map {
        let Some(arg) = cmd
            .get_arguments()
            .find(|a| a.get_long() == Some(key.as_str()))
        else {
            let mut names: Vec<&str> = cmd.get_arguments().filter_map(|a| a.get_long()).collect();
            names.sort_unstable();
            anyhow::bail!(
                "{shown}: unknown setting {key:?}; settings are the long flags of `serve`: {}",
                names.join(", ")
            );
        };
        if key == "config-file" {
            anyhow::bail!("{shown}: \"config-file\" cannot name another file");
        }
        let repeatable = matches!(arg.get_action(), clap::ArgAction::Append);
        if on_command_line(key) && !repeatable {
            continue;
        }
        let flag = OsString::from(format!("--{key}"));
        let scalar = |v: &Value| -> Result<OsString> {
            match v {
                Value::String(s) => Ok(OsString::from(s)),
                Value::Number(n) => Ok(OsString::from(n.to_string())),
                _ => anyhow::bail!("{shown}: {key:?} takes a string or a number"),
            }
        };
        match value {
            Value::Bool(true) => extra.push(flag),
            Value::Bool(false) | Value::Null => {}
            Value::Array(items) if repeatable => {
                for v in items {
                    extra.push(flag.clone());
                    extra.push(scalar(v)?);
                }
            }
            Value::Array(_) => anyhow::bail!("{shown}: {key:?} takes one value, not a list"),
            v => {
                extra.push(flag);
                extra.push(scalar(v)?);
            }
        }
    }
    let mut out = argv[..=serve_at].to_vec();
    out.extend(extra);
    out.extend_from_slice(&argv[serve_at + 1..]);
    Ok(out)
}

/// `NAME=LAT,LON` of `--station-position`.
fn parse_station_position(s: &str) -> Result<(String, f64, f64), String> {
    let err = || format!("{s:?}: give NAME=LAT,LON in degrees (e.g. fisterra=42.90,-9.27)");
    let (name, pos) = s.rsplit_once('=').ok_or_else(err)?;
    let (lat, lon) = pos.split_once(',').ok_or_else(err)?;
    let lat: f64 = lat.trim().parse().map_err(|_| err())?;
    let lon: f64 = lon.trim().parse().map_err(|_| err())?;
    if name.is_empty() || !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err(err());
    }
    Ok((name.to_string(), lat, lon))
}

/// The address to listen on: `HOST:PORT` with a host name (`localhost`)
/// or an address; the first address the name resolves to.
fn resolve_http(s: &str) -> Result<SocketAddr> {
    use std::net::ToSocketAddrs;
    let mut addrs = s
        .to_socket_addrs()
        .with_context(|| format!("--http {s:?}: give HOST:PORT (e.g. localhost:8080)"))?;
    addrs
        .next()
        .with_context(|| format!("--http {s:?} resolves to no address"))
}

/// A duration in seconds from the command line: positive and finite, or a
/// one-line error naming the option (zero would disable the safeguard).
fn seconds(name: &str, s: f64) -> Result<std::time::Duration> {
    if !(s.is_finite() && s > 0.0 && s < 1e9) {
        anyhow::bail!("--{name} must be a positive number of seconds, not {s}");
    }
    Ok(std::time::Duration::from_secs_f64(s))
}

/// The limits from the command line, each checked.
fn limits(args: &ServeArgs) -> Result<finisterra_server::Limits> {
    for (name, n) in [
        ("max-connections", args.max_connections),
        ("max-stream-clients", args.max_stream_clients),
        ("stream-backlog", args.stream_backlog),
        ("spill-max", args.spill_max),
    ] {
        if n == 0 {
            anyhow::bail!("--{name} must be at least 1");
        }
    }
    if args.read_token.as_deref() == Some("") {
        anyhow::bail!("--read-token must not be empty");
    }
    Ok(finisterra_server::Limits {
        max_connections: args.max_connections,
        header_timeout: seconds("header-timeout", args.header_timeout)?,
        body_timeout: seconds("body-timeout", args.body_timeout)?,
        max_stream_clients: args.max_stream_clients,
        stream_backlog_max: args.stream_backlog,
        read_token: args.read_token.clone(),
        udp_recv_buffer: args.udp_buffer,
        tcp_idle_timeout: seconds("tcp-idle-timeout", args.tcp_idle_timeout)?,
        spill_max: args.spill_max,
    })
}

fn read_doc(path: Option<&str>) -> Result<Value> {
    match path {
        None => Ok(serde_json::json!({"type": "FeatureCollection", "features": []})),
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("cannot read {p}"))?;
            serde_json::from_str(&text).with_context(|| format!("{p} is not JSON"))
        }
    }
}

/// Data seconds between the starts of two demonstration episodes: the
/// scenario (90 min), then a pause long enough for its vessels to be lost
/// and to come back without an impossible jump.
const EPISODE_S: i64 = 5400 + 2400;
/// Data seconds between two copies of the (5-second) Kystverket capture:
/// less than the shortest time after which a target is lost (6 min).
const CAPTURE_EVERY_S: i64 = 180;

/// The bundled demonstration as a feed that never ends: episode after
/// episode of the Finisterre scenario, the first starting now, with the
/// Kystverket capture repeated every 3 minutes (its vessels keep their
/// recorded positions), all paced at `speed` times the data rate.
fn demo_sources(speed: f64) -> Result<Vec<SourceSpec>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let text = std::fs::read_to_string(root.join("examples/finisterre.json")).or_else(|_| {
        Ok::<_, std::io::Error>(include_str!("../../../examples/finisterre.json").to_string())
    })?;
    let scenario: finisterra_sim::Scenario =
        serde_json::from_str(&text).context("examples/finisterre.json")?;
    let capture = include_str!("../../../data/ais/kystverket-2024-12.nmea");
    let now_s = finisterra_server::clock::now_ms() / 1000;
    // The first episode now, so that its failures show at start.
    let first = demo_episode(&scenario, capture, now_s)?;
    let (feed, tx) = finisterra_server::sources::Feed::new("demo");
    let speed = if speed > 0.0 { speed } else { 10.0 };
    std::thread::Builder::new()
        .name("finisterra-demo".into())
        .spawn(move || {
            let t0_ms = now_s * 1000;
            let wall0 = std::time::Instant::now();
            let mut episode = Some(first);
            for k in 1.. {
                let Some(lines) = episode.take() else {
                    return;
                };
                for (t_ms, l) in lines {
                    let due = std::time::Duration::from_secs_f64(
                        (t_ms - t0_ms).max(0) as f64 / 1000.0 / speed,
                    );
                    if let Some(wait) = due.checked_sub(wall0.elapsed()) {
                        std::thread::sleep(wait);
                    }
                    if tx.blocking_send(l.into_bytes()).is_err() {
                        return; // the server is gone
                    }
                }
                match demo_episode(&scenario, capture, now_s + k * EPISODE_S) {
                    Ok(e) => episode = Some(e),
                    Err(e) => eprintln!("finisterra: demo: {e:#}"),
                }
            }
        })
        .context("cannot start the demonstration")?;
    Ok(vec![SourceSpec::Feed(feed)])
}

/// One demonstration episode starting at `start_s`: (data time ms, line),
/// in time order.
fn demo_episode(
    scenario: &finisterra_sim::Scenario,
    capture: &str,
    start_s: i64,
) -> Result<Vec<(i64, String)>> {
    let mut sc = scenario.clone();
    sc.start = finisterra_engine::iso8601(start_s * 1000);
    let mut text = String::new();
    finisterra_sim::simulate_into(&sc, &mut |l| {
        text.push_str(&l);
        text.push('\n');
    })?;
    let mut out = timed_lines(&text, start_s * 1000);
    // The aircraft overhead, as `time,hex` lines of Mode S frames.
    for f in finisterra_sim::air::air_frames(&sc.aircraft, start_s * 1000, sc.duration_s)? {
        out.push((f.time_ms, finisterra_sim::air::csv_line(&f)));
    }
    let mut t = start_s;
    while t < start_s + EPISODE_S {
        out.extend(timed_lines(&shift_times(capture, t), t * 1000));
        t += CAPTURE_EVERY_S;
    }
    // Stable: the parts of a multi-sentence message keep their order.
    out.sort_by_key(|(t, _)| *t);
    Ok(out)
}

/// Lines with their data time. A sentence without one takes the time of
/// the line before it, written into a tag block: the server would
/// otherwise stamp it with the wall clock, which the paced demonstration
/// runs ahead of.
fn timed_lines(text: &str, start_ms: i64) -> Vec<(i64, String)> {
    let mut last = start_ms;
    text.lines()
        .map(|l| {
            let t = match finisterra_nmea::parse_line(l.as_bytes()) {
                Ok(finisterra_nmea::Line::Vdm(v)) => v.time.map(|t| t.unix_ms),
                Ok(finisterra_nmea::Line::Timestamp(t)) => Some(t.unix_ms),
                _ => None,
            };
            match t {
                Some(t) => {
                    last = t;
                    (t, l.to_string())
                }
                None if l.starts_with('!') => {
                    let tag = format!("c:{}", last.div_euclid(1000));
                    let cs = finisterra_nmea::checksum(tag.as_bytes());
                    (last, format!("\\{tag}*{cs:02X}\\{l}"))
                }
                None => (last, l.to_string()),
            }
        })
        .collect()
}

/// Moves the `c:` times of tag blocks so that the first one is `start_s`
/// (checksums recomputed, by `finisterra_nmea::retime_tag_block`); other
/// lines, and lines whose tag block is broken, are kept as they are.
fn shift_times(text: &str, start_s: i64) -> String {
    let mut offset_s: Option<i64> = None;
    let mut out = String::with_capacity(text.len());
    let mut line_out = Vec::new();
    for line in text.lines() {
        // Lines without a tag-block time, or with a broken tag block, come
        // back unchanged.
        let _ = finisterra_nmea::retime_tag_block(line.as_bytes(), &mut line_out, |old| {
            let old_s = old.unix_ms.div_euclid(1000);
            old_s + *offset_s.get_or_insert(start_s - old_s)
        });
        out.push_str(&String::from_utf8_lossy(&line_out));
        out.push('\n');
    }
    out
}

/// Runs the command (until interrupted).
pub fn run(args: &ServeArgs) -> Result<()> {
    let limits = limits(args)?;
    let cfg = load_config(args.config.as_deref())?;
    let mut engine = Engine::new(cfg);
    let mut geography = load_geography(&args.geo)?;
    let mut sources: Vec<SourceSpec> = Vec::new();
    sources.extend(args.udp.iter().map(|a| SourceSpec::Udp(*a)));
    sources.extend(args.tcp_listen.iter().map(|a| SourceSpec::TcpListen(*a)));
    sources.extend(args.connect.iter().map(|a| SourceSpec::Connect(a.clone())));
    sources.extend(args.beast.iter().map(|a| SourceSpec::Beast(a.clone())));
    sources.extend(
        args.beast_listen
            .iter()
            .map(|a| SourceSpec::BeastListen(*a)),
    );
    sources.extend(args.replay.iter().map(|p| SourceSpec::Replay {
        path: p.clone(),
        speed: args.speed,
    }));
    if args.stdin {
        sources.push(SourceSpec::Stdin);
    }
    if args.demo {
        sources.extend(demo_sources(args.speed.unwrap_or(10.0))?);
    }
    if args.nats.is_some() && !sources.is_empty() {
        anyhow::bail!(
            "--nats serves the events the workers judged: give local inputs to `finisterra ingest` instead"
        );
    }
    if sources.is_empty() && args.nats.is_none() {
        anyhow::bail!(
            "no input: give --udp, --tcp-listen, --connect, --replay, --stdin, --demo or --nats"
        );
    }
    let nats = match &args.nats {
        Some(url) => {
            let mut c = finisterra_broker::BrokerConfig::new(url);
            c.prefix = args.prefix.clone();
            Some(crate::cluster::EventsFeed {
                broker: c,
                consumer: args.nats_consumer.clone(),
                ack_wait: seconds("nats-ack-wait", args.nats_ack_wait)?,
                from_start: args.store.is_none() && args.data_dir.is_none(),
            })
        }
        None => None,
    };
    let store: Box<dyn EventSink> = match (&args.store, &args.data_dir) {
        (Some(url), _) => finisterra_server::store::open(url)?,
        (None, Some(dir)) => finisterra_server::store::open(&dir.to_string_lossy())?,
        (None, None) => {
            eprintln!(
                "finisterra: no --data-dir or --store: events are kept in memory only (the last {}) and lost when the server stops",
                finisterra_server::store::MEMORY_MAX_EVENTS
            );
            finisterra_server::store::memory()
        }
    };
    let mut zones_doc = read_doc(args.geo.zones.as_deref())?;
    let mut hazards_doc = read_doc(args.geo.hazards.as_deref())?;
    // Zones and hazards edited through the API survive a restart (a file
    // given on the command line wins).
    if args.geo.zones.is_none() {
        if let Some(text) = store.document("zones") {
            let z = finisterra_geofence::Zones::from_geojson_bytes(text.as_bytes())
                .map_err(|e| anyhow::anyhow!("stored zones: {e}"))?;
            geography.zones = z;
            zones_doc = serde_json::from_str(&text)?;
        }
    }
    if args.geo.hazards.is_none() {
        if let Some(text) = store.document("hazards") {
            let h = finisterra_geofence::Hazards::from_geojson_bytes(text.as_bytes())
                .map_err(|e| anyhow::anyhow!("stored hazards: {e}"))?;
            geography.hazards = h;
            hazards_doc = serde_json::from_str(&text)?;
        }
    }
    engine.set_geography(geography);
    let outputs = args
        .output
        .iter()
        .map(|u| finisterra_server::outputs::OutputSpec::parse(u).map_err(anyhow::Error::msg))
        .collect::<Result<Vec<_>>>()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the runtime")?;
    rt.block_on(async move {
        let running = finisterra_server::start(
            ServeConfig {
                sources,
                http: resolve_http(&args.http)?,
                token: args.token.clone(),
                cors: args.cors.clone(),
                zones_doc,
                hazards_doc,
                track_retention_s: args.retention_days * 86_400.0,
                limits,
                time: args.time,
                own_mmsi: args.own_mmsi,
                outputs,
                station_positions: args.station_position.clone(),
            },
            engine,
            store,
        )
        .await?;
        eprintln!("finisterra: serving the map at http://{}/", running.http);
        let feed = async {
            match &nats {
                Some(f) => {
                    // The events the workers judged, and their vessels.
                    let picture = crate::cluster::PositionsFeed {
                        broker: f.broker.clone(),
                    };
                    tokio::try_join!(f.run(&running), picture.run(&running)).map(|_| ())
                }
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            r = feed => {
                r.context("reading the events from NATS")?;
                Ok(())
            }
            _ = tokio::signal::ctrl_c() => {
                eprintln!("finisterra: stopping");
                Ok::<(), anyhow::Error>(())
            }
            _ = running.engine_failed() => {
                // A supervisor restarts us; events already stored are kept.
                anyhow::bail!("the engine thread died (see the panic above); exiting so that a supervisor restarts the server")
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_config_file_sets_flags_and_the_command_line_wins() {
        use clap::Parser;
        #[derive(clap::Parser)]
        struct Top {
            #[command(subcommand)]
            cmd: Sub,
        }
        #[derive(clap::Subcommand)]
        enum Sub {
            Serve(Box<ServeArgs>),
        }
        let dir = std::env::temp_dir().join(format!("fin-serve-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("serve.json");
        std::fs::write(
            &f,
            r#"{"udp": ["127.0.0.1:10110", "127.0.0.1:10111"], "http": "127.0.0.1:9000",
                "data-dir": "/var/lib/finisterra", "stdin": true, "token": "t", "time": "receive",
                "max-stream-clients": 64}"#,
        )
        .unwrap();
        let argv: Vec<std::ffi::OsString> = [
            "finisterra",
            "serve",
            "--config-file",
            f.to_str().unwrap(),
            "--http",
            "127.0.0.1:9100",
            "--udp",
            "127.0.0.1:10112",
        ]
        .iter()
        .map(Into::into)
        .collect();
        let Sub::Serve(a) = Top::parse_from(expand_config_file(argv).unwrap()).cmd;
        assert_eq!(a.http, "127.0.0.1:9100", "the command line wins");
        assert_eq!(a.udp.len(), 3, "repeatable flags add up");
        assert_eq!(
            a.data_dir.as_deref(),
            Some(std::path::Path::new("/var/lib/finisterra"))
        );
        assert!(a.stdin);
        assert_eq!(a.token.as_deref(), Some("t"));
        assert_eq!(a.time, finisterra_server::clock::TimeMode::Receive);
        assert_eq!(a.max_stream_clients, 64);
        // Unknown keys are refused, naming the key.
        std::fs::write(&f, r#"{"udpp": ["x"]}"#).unwrap();
        let argv: Vec<std::ffi::OsString> =
            ["finisterra", "serve", "--config-file", f.to_str().unwrap()]
                .iter()
                .map(Into::into)
                .collect();
        let e = expand_config_file(argv).unwrap_err().to_string();
        assert!(e.contains("\"udpp\"") && e.contains("udp"), "{e}");
        // The deployment example stays valid.
        std::fs::write(&f, include_str!("../../../deploy/serve.json")).unwrap();
        let argv: Vec<std::ffi::OsString> =
            ["finisterra", "serve", "--config-file", f.to_str().unwrap()]
                .iter()
                .map(Into::into)
                .collect();
        let Sub::Serve(a) = Top::parse_from(expand_config_file(argv).unwrap()).cmd;
        assert_eq!(a.udp.len(), 1);
        assert!(limits(&a).is_ok());
        assert_eq!(a.station_position.len(), 1);
        for o in &a.output {
            finisterra_server::outputs::OutputSpec::parse(o).unwrap();
        }
        assert_eq!(a.output.len(), 2);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn shifted_tag_blocks_keep_valid_checksums() {
        let text = "\\s:2573238,c:1733782034*0A\\!BSVDM,1,1,,A,13o4g`00000I2ENRH4g83S0L088C,0*3F\n!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A\n";
        let out = shift_times(text, 1_800_000_000);
        let first = out.lines().next().unwrap();
        match finisterra_nmea::parse_line(first.as_bytes()).unwrap() {
            finisterra_nmea::Line::Vdm(v) => assert_eq!(v.time.unwrap().unix_ms, 1_800_000_000_000),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            out.lines().nth(1).unwrap(),
            "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A"
        );
        // The offset is the first line's: later lines keep their spacing; a
        // broken tag block is left alone.
        let text = format!("{text}\\s:2573238,c:1733782094*00\\!X\n\\c:1*00\\!X\n");
        let out = shift_times(&text, 1_800_000_000);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[2], "\\s:2573238,c:1800000060*09\\!X");
        assert_eq!(lines[3], "\\c:1*00\\!X");
    }

    #[test]
    fn the_demo_keeps_the_capture_alive_and_its_episodes_follow_on() {
        let scenario: finisterra_sim::Scenario =
            serde_json::from_str(include_str!("../../../examples/finisterre.json")).unwrap();
        let capture = include_str!("../../../data/ais/kystverket-2024-12.nmea");
        let start_s = 1_800_000_000;
        let mut lines = demo_episode(&scenario, capture, start_s).unwrap();
        lines.extend(demo_episode(&scenario, capture, start_s + EPISODE_S).unwrap());
        assert!(lines.windows(2).all(|w| w[0].0 <= w[1].0), "in time order");
        let mut engine = Engine::new(finisterra_engine::Config::default());
        let mut dec = finisterra_ais::StreamDecoder::default();
        let mut events = Vec::new();
        let mut errors = 0;
        let mut air = finisterra_modes::Decoder::new(finisterra_modes::DecoderConfig::default());
        for (n, (t, l)) in lines.iter().enumerate() {
            if l.as_bytes()[0].is_ascii_digit() {
                // The aircraft overhead: timed Mode S frames.
                let Ok(finisterra_modes::TextRecord::Frame(f, _)) =
                    finisterra_modes::parse_text_line(l.as_bytes())
                else {
                    panic!("{l}")
                };
                let m = air.decode(f.bytes(), *t).expect("a clean frame");
                let _ = engine.ingest_air_at(&m, Some(*t), None, &mut events);
                continue;
            }
            dec.feed(n as u64 + 1, l.as_bytes(), &mut |ev| match ev {
                finisterra_ais::Event::Message(m) => {
                    // Every message carries its time (the server would
                    // otherwise use the wall clock).
                    let t = m.time.expect("a data time on every message").unix_ms;
                    let _ = engine.ingest(m.message, t, &mut events);
                }
                finisterra_ais::Event::Error(_) => errors += 1,
            });
        }
        assert_eq!(errors, 0);
        // Both air conflicts of each episode, raised and cleared.
        let count = |k: &str| events.iter().filter(|e| e.body.kind() == k).count();
        // Seven head-on pairs and one climbing through a level, twice.
        assert_eq!(count("air.conflict.raised"), 16);
        assert_eq!(count("air.conflict.cleared"), 16);
        let lost: Vec<u32> = events
            .iter()
            .filter_map(|e| match &e.body {
                finisterra_engine::EventBody::TargetLost(l) => Some(l.vessel.mmsi),
                _ => None,
            })
            .collect();
        // The Norwegian vessels of the capture are never lost...
        assert!(
            lost.iter()
                .all(|m| m / 1_000_000 != 257 && m / 1_000_000 != 258),
            "{lost:?}"
        );
        // ... the scenario's are, between episodes, and come back.
        assert!(lost.contains(&224123450), "{lost:?}");
        assert!(events
            .iter()
            .any(|e| e.body.kind() == "risk.raised" && e.time_ms > (start_s + EPISODE_S) * 1000));
        assert_eq!(engine.picture_stats().mmsi_conflicts, 0);
    }
}

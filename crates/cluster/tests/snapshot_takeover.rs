//! A partition taken over from a snapshot, as the CLI's worker does it
//! (`--snapshot-s`): one core per partition (`mine = [p]`, fed only that
//! partition's records). The predecessor judged the records up to a cut,
//! kept a snapshot, judged on and had its events stored up to its ack
//! floor; the successor restores the snapshot, judges the records after
//! it silently up to the floor (`resume_partition_after`) and reports
//! after it. What the predecessor stored and what the successor reports
//! together are exactly the uninterrupted core's events — keys and JSON —
//! none lost, none twice.

use std::collections::BTreeMap;

use finisterra_cluster::{Grid, Halo, Owned, Record, Router, WorkerCore};
use finisterra_engine::pipeline::Output;
use finisterra_engine::{Config, Event, Geography, Pipeline, TimeSource};
use finisterra_sim::fleet::{simulate_fleet, FleetConfig};

/// The data time of a line: its tag block's seconds, or a Mode S
/// `time,hex` line's.
fn tag_time(line: &str) -> i64 {
    line.find("c:")
        .map(|i| {
            line[i + 2..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect::<String>()
        })
        .and_then(|s| s.parse().ok())
        .or_else(|| {
            line.split_once(',')
                .and_then(|(t, _)| t.split_once('.'))
                .and_then(|(secs, _)| secs.parse().ok())
        })
        .unwrap_or(0)
}

const START: &str = "2026-01-05T00:00:00Z";
const HOURS: f64 = 2.0;

// The planted cases of the NATS suites (`crates/cli/tests/nats_common`).

fn straddled_edge(grid: &Grid) -> (f64, f64) {
    for (lat, lon) in [
        (45.0, -10.0),
        (45.0, -20.0),
        (35.0, -20.0),
        (40.0, -40.0),
        (35.0, -30.0),
        (45.0, -30.0),
    ] {
        if grid.home(lat, lon - 0.1) != grid.home(lat, lon + 0.1) {
            return (lat, lon);
        }
    }
    panic!("no straddled edge among the candidates");
}

fn teleport(grid: &Grid) -> ((f64, f64), (f64, f64)) {
    let lat: f64 = 42.0;
    let d_lon = 150.0 / (60.0 * lat.to_radians().cos());
    for lon in [-28.0, -22.0, -35.0, -45.0, -52.0] {
        let (a, b) = (
            grid.home(lat, lon).expect("a home"),
            grid.home(lat, lon + d_lon).expect("a home"),
        );
        if a % 4 != b % 4 {
            return ((lat, lon), (lat, lon + d_lon));
        }
    }
    panic!("no teleport across workers among the candidates");
}

fn planted(grid: &Grid) -> String {
    let ((t_lat, t_lon), (u_lat, u_lon)) = teleport(grid);
    let y_lon = u_lon + 16.0 / (60.0 * u_lat.to_radians().cos());
    let (lat, lon) = straddled_edge(grid);
    let d_lon = 10.5 / (60.0 * lat.to_radians().cos());
    let c_lon = 7.0 / (60.0 * 40f64.to_radians().cos());
    format!(
        r#"{{"start": "{START}", "duration_s": {dur}, "station": "planted",
  "vessels": [
    {{"mmsi": 227000001, "name": "EDGE WEST", "lat": {lat}, "lon": {lw}, "cog_deg": 90, "sog_kn": 15, "start_s": 1200}},
    {{"mmsi": 227000002, "name": "EDGE EAST", "lat": {lat2}, "lon": {le}, "cog_deg": 270, "sog_kn": 15, "start_s": 1200}},
    {{"mmsi": 227000003, "name": "CORNER NORTH", "lat": {cs}, "lon": -20.01, "cog_deg": 0, "sog_kn": 14, "start_s": 2400}},
    {{"mmsi": 227000004, "name": "CORNER WEST", "lat": 40.004, "lon": {ce}, "cog_deg": 270, "sog_kn": 14, "start_s": 2400}},
    {{"mmsi": 503000005, "name": "LONE SILENT", "lat": -45.0, "lon": -125.0, "cog_deg": 90, "sog_kn": 12, "end_s": 1800}},
    {{"mmsi": 227000010, "name": "TELEPORT", "lat": {t_lat}, "lon": {t_lon}, "cog_deg": 0, "sog_kn": 12, "end_s": 1800}},
    {{"mmsi": 227000010, "name": "TELEPORT", "lat": {u_lat}, "lon": {u_lon}, "cog_deg": 90, "sog_kn": 12, "start_s": 1800}},
    {{"mmsi": 227000011, "name": "MEETS TELEPORT", "lat": {y_lat}, "lon": {y_lon}, "cog_deg": 270, "sog_kn": 12}}
  ]}}"#,
        y_lat = u_lat + 0.003,
        dur = HOURS * 3600.0,
        lw = lon - d_lon,
        le = lon + d_lon,
        lat2 = lat + 0.005,
        cs = 40.0 - 7.0 / 60.0,
        ce = -20.0 + c_lon,
    )
}

fn planted_air(grid: &Grid) -> Vec<String> {
    let (lat, lon) = straddled_edge(grid);
    let d_lon = 40.0 / (60.0 * lat.to_radians().cos());
    let spec = |icao: &str, lon: f64, track: f64| {
        serde_json::from_value::<finisterra_sim::air::AircraftSpec>(serde_json::json!({
            "icao": icao, "callsign": format!("E{icao}"), "lat": lat, "lon": lon,
            "alt_ft": 34000.0, "gs_kn": 450.0, "track_deg": track,
            "from_s": 1200.0, "until_s": 2100.0,
        }))
        .expect("aircraft")
    };
    finisterra_sim::air::air_frames(
        &[
            spec("4ca0e1", lon - d_lon, 90.0),
            spec("4ca0e2", lon + d_lon, 270.0),
        ],
        1_767_571_200_000,
        HOURS * 3600.0,
    )
    .expect("frames")
    .iter()
    .map(finisterra_sim::air::csv_line)
    .collect()
}

/// Records per partition, as `finisterra ingest` publishes them, of the
/// NATS suites' input: a busy fleet (400 vessels, 2 h) with the planted
/// vessels and aircraft, in time order.
fn records(grid: Grid, cfg: &Config) -> BTreeMap<u16, Vec<Vec<u8>>> {
    let mut lines: Vec<(i64, usize, String)> = Vec::new();
    let fleet = FleetConfig {
        vessels: 400,
        hours: HOURS,
        seed: 7,
        start: START.into(),
        ..FleetConfig::default()
    };
    simulate_fleet(&fleet, &mut |l| {
        let n = lines.len();
        lines.push((tag_time(l), n, l.to_string()));
    })
    .expect("the fleet simulates");
    let scenario: finisterra_sim::Scenario =
        serde_json::from_str(&planted(&grid)).expect("planted scenario");
    for l in finisterra_sim::simulate(&scenario).expect("planted") {
        let n = lines.len();
        lines.push((tag_time(&l), n, l));
    }
    for l in planted_air(&grid) {
        let n = lines.len();
        lines.push((tag_time(&l), n, l));
    }
    lines.sort();
    let mut router = Router::new(grid, Halo::ships(cfg).total_m, cfg);
    let mut pipeline = Pipeline::new(TimeSource::Data);
    let mut modes = finisterra_modes::Decoder::new(finisterra_modes::DecoderConfig::default());
    let mut parts: BTreeMap<u16, Vec<Vec<u8>>> = BTreeMap::new();
    let mut emit = |o: finisterra_cluster::Outgoing<'_>| {
        for &p in o.partitions {
            parts.entry(p).or_default().push(o.bytes.to_vec());
        }
    };
    pipeline.next_input();
    for (n, (_, _, l)) in lines.iter().enumerate() {
        let line = l.as_bytes();
        if finisterra_modes::is_modes_text(line) {
            use finisterra_modes::{FrameTime, TextRecord};
            let m = match finisterra_modes::parse_text_line(line) {
                Ok(TextRecord::Frame(f, FrameTime::UnixMs(t))) => {
                    modes.decode(f.bytes(), t).ok().map(|m| (m, t))
                }
                Ok(TextRecord::Sbs(m, FrameTime::UnixMs(t))) => Some((m, t)),
                _ => None,
            };
            if let Some((m, t)) = m {
                router.on_air(&m, Some(t), None, &mut emit);
            }
        } else {
            pipeline.feed_line(n as u64 + 1, line, None, &mut |o| {
                if let Output::Message(m, s, h) = o {
                    router.on_message(m, s.data_ms, s.recv_ms, h.payload, h.fill_bits, &mut emit);
                }
            });
        }
    }
    pipeline.finish(&mut |o| {
        if let Output::Message(m, s, h) = o {
            router.on_message(m, s.data_ms, s.recv_ms, h.payload, h.fill_bits, &mut emit);
        }
    });
    router.finish(&mut emit);
    parts
}

/// An owned event: (record index, key, JSON).
type Ev = (usize, String, String);

fn push(out: &mut Vec<Ev>, i: usize, owned: &mut Vec<Owned>) {
    for o in owned.drain(..) {
        out.push((i, o.key, Event::to_json(&o.event)));
    }
}

fn seq(rec: &[u8]) -> u64 {
    Record::decode(rec).expect("a record").seq()
}

struct Run {
    cfg: Config,
    geo: Geography,
    grid: Grid,
    threads: Option<usize>,
}

impl Run {
    fn core(&self, p: u16) -> WorkerCore {
        let mut c = WorkerCore::new(self.cfg, self.geo.clone(), self.grid, &[p]);
        if let Some(t) = self.threads {
            c.set_threads(t);
        }
        c
    }

    fn restore(&self, p: u16, bytes: &[u8]) -> WorkerCore {
        let mut c = WorkerCore::restore(self.cfg, self.geo.clone(), self.grid, &[p], bytes)
            .expect("the snapshot restores");
        if let Some(t) = self.threads {
            c.set_threads(t);
        }
        c.reset_stats();
        c
    }
}

/// Compares what was stored and reported with the uninterrupted run.
fn check(what: &str, whole: &[Ev], got: &[Ev]) -> Vec<String> {
    let strip = |v: &[Ev]| -> Vec<(String, String)> {
        v.iter().map(|e| (e.1.clone(), e.2.clone())).collect()
    };
    let (w, g) = (strip(whole), strip(got));
    if w == g {
        return Vec::new();
    }
    let mut diffs = Vec::new();
    for e in whole {
        if !got.iter().any(|x| x.1 == e.1 && x.2 == e.2) {
            diffs.push(format!("{what}: missing (record {}) {} {}", e.0, e.1, e.2));
        }
    }
    for e in got {
        let n = got.iter().filter(|x| x.1 == e.1 && x.2 == e.2).count();
        if !whole.iter().any(|x| x.1 == e.1 && x.2 == e.2) || n > 1 {
            diffs.push(format!("{what}: extra (record {}) {} {}", e.0, e.1, e.2));
        }
    }
    if diffs.is_empty() {
        diffs.push(format!("{what}: same events in another order"));
    }
    diffs
}

/// Every partition: cut at several records, floors at and beyond the cut,
/// one and two restores.
fn takeover_loses_nothing(threads: Option<usize>) {
    let cfg = Config::default();
    let grid = Grid::new(10.0, 16).expect("a grid");
    let parts = records(grid, &cfg);
    // The worker's default geography: the bundled world land.
    let geo = Geography {
        land: Some(finisterra_geofence::Land::world().expect("the bundled land")),
        ..Geography::default()
    };
    let run = Run {
        cfg,
        geo,
        grid,
        threads,
    };
    let mut failures = Vec::new();
    let mut owned_total = 0;
    for (&p, recs) in &parts {
        let n = recs.len();
        // Cuts: a spread over the run (the snapshots the uninterrupted
        // core keeps as it goes).
        let cuts: Vec<usize> = (1..8).map(|c| c * n / 8).filter(|&k| k < n).collect();
        let mut snaps: BTreeMap<usize, Vec<u8>> = BTreeMap::new();
        let mut core = run.core(p);
        let mut whole: Vec<Ev> = Vec::new();
        let mut out = Vec::new();
        for (i, r) in recs.iter().enumerate() {
            core.on_record(r, &mut out).expect("a record");
            push(&mut whole, i, &mut out);
            if cuts.contains(&i) {
                snaps.insert(i, core.snapshot());
            }
        }
        assert!(core.ended(), "partition {p} ended");
        owned_total += whole.len();
        for (c, (&k, bytes)) in snaps.iter().enumerate() {
            // Floors: at the cut, just after, and far after.
            let floors = [k, k + 1 + c, k + (n - k) / 2];
            for &f in floors.iter().filter(|&&f| f < n) {
                let mut b = run.restore(p, bytes);
                if f > k {
                    b.resume_partition_after(p, seq(&recs[f]));
                }
                let mut got: Vec<Ev> = whole.iter().filter(|e| e.0 <= f).cloned().collect();
                for (i, r) in recs.iter().enumerate().skip(k + 1) {
                    b.on_record(r, &mut out).expect("a record");
                    push(&mut got, i, &mut out);
                }
                failures.extend(check(
                    &format!("partition {p}, cut {k}, floor {f} of {n}"),
                    &whole,
                    &got,
                ));
            }
            // A chain: the successor keeps its own snapshot midway, and a
            // third core takes over from it.
            let k2 = k + (n - k) / 3;
            if k2 > k && k2 < n {
                let mut b = run.restore(p, bytes);
                let mut got: Vec<Ev> = whole.iter().filter(|e| e.0 <= k).cloned().collect();
                for (i, r) in recs.iter().enumerate().take(k2 + 1).skip(k + 1) {
                    b.on_record(r, &mut out).expect("a record");
                    push(&mut got, i, &mut out);
                }
                let mut c3 = run.restore(p, &b.snapshot());
                for (i, r) in recs.iter().enumerate().skip(k2 + 1) {
                    c3.on_record(r, &mut out).expect("a record");
                    push(&mut got, i, &mut out);
                }
                failures.extend(check(
                    &format!("partition {p}, cut {k} then {k2} of {n}"),
                    &whole,
                    &got,
                ));
            }
        }
    }
    eprintln!("{owned_total} events owned");
    assert!(owned_total > 100, "{owned_total} events owned");
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn a_partition_taken_over_from_a_snapshot_loses_nothing() {
    takeover_loses_nothing(None);
}

/// Every partition, a cut every 1/64 of its records: the restored core
/// writes the snapshot it was restored from again (up to the order of
/// hash maps and NaN's bits), and judged side by side with the
/// uninterrupted one for a window it emits the same events at every
/// record and ends with the same state. To search harder:
/// `FIN_ONLY=1,5` (those partitions, each restored core judged to the end)
/// and `FIN_DIV=300` (a cut every 1/300 of the records).
#[test]
fn a_restored_partition_core_keeps_step_with_the_uninterrupted_one() {
    let cfg = Config::default();
    let grid = Grid::new(10.0, 16).expect("a grid");
    let parts = records(grid, &cfg);
    let geo = Geography {
        land: Some(finisterra_geofence::Land::world().expect("the bundled land")),
        ..Geography::default()
    };
    let run = Run {
        cfg,
        geo,
        grid,
        threads: None,
    };
    let mut failures = Vec::new();
    for (&p, recs) in &parts {
        let n = recs.len();
        let only: Option<Vec<u16>> = std::env::var("FIN_ONLY")
            .ok()
            .map(|v| v.split(',').filter_map(|x| x.parse().ok()).collect());
        if only.as_ref().is_some_and(|o| !o.contains(&p)) {
            continue;
        }
        let div: usize = std::env::var("FIN_DIV")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(64);
        let step = (n / div).max(1);
        let window = if only.is_some() { n } else { n / 16 };
        let mut u = run.core(p);
        let mut live: Vec<(usize, WorkerCore, Vec<Ev>)> = Vec::new();
        let mut uo: Vec<Owned> = Vec::new();
        let mut ev: Vec<Ev> = Vec::new();
        for (i, r) in recs.iter().enumerate() {
            u.on_record(r, &mut uo).expect("a record");
            let mut ue = Vec::new();
            push(&mut ue, i, &mut uo);
            ev.extend(ue.iter().cloned());
            let mut done = Vec::new();
            for (j, (k, b, _)) in live.iter_mut().enumerate() {
                let mut bo = Vec::new();
                b.on_record(r, &mut bo).expect("a record");
                let mut be = Vec::new();
                push(&mut be, i, &mut bo);
                if be != ue || b.stats().events_judged != u.stats().events_judged {
                    failures.push(format!(
                        "partition {p} cut {k}: record {i} of {n}: {:?} vs {:?} (judged {} vs {})",
                        be,
                        ue,
                        b.stats().events_judged,
                        u.stats().events_judged
                    ));
                    done.push(j);
                } else if i == *k + window || i + 1 == n {
                    let (x, y) = (u.snapshot(), b.snapshot());
                    let d = if x != y { diff(&x, &y) } else { String::new() };
                    if !d.is_empty() {
                        failures.push(format!(
                            "partition {p} cut {k}: snapshots differ at record {i}: {d}"
                        ));
                    }
                    done.push(j);
                }
            }
            for j in done.into_iter().rev() {
                live.remove(j);
            }
            if i % step == step / 2 && i + 1 < n {
                let bytes = u.snapshot();
                let b = WorkerCore::restore(run.cfg, run.geo.clone(), grid, &[p], &bytes)
                    .expect("restores");
                let again = b.snapshot();
                let d = if again != bytes {
                    diff(&bytes, &again)
                } else {
                    String::new()
                };
                if !d.is_empty() {
                    failures.push(format!(
                        "partition {p} cut {i}: snapshot not round-tripped: {d}"
                    ));
                }
                live.push((i, b, Vec::new()));
            }
        }
        eprintln!(
            "partition {p}: {n} records, {} failures so far",
            failures.len()
        );
    }
    assert!(
        failures.is_empty(),
        "{} failures: {:#?}",
        failures.len(),
        &failures[..failures.len().min(12)]
    );
}

/// Where two worker snapshots differ: the fields of the engine's state.
fn diff(a: &[u8], b: &[u8]) -> String {
    let core_len =
        |b: &[u8]| 20 + u64::from_le_bytes(b[12..20].try_into().expect("8 bytes")) as usize;
    if a[..core_len(a)] != b[..core_len(b)] {
        return "the core's state".into();
    }
    let val = |x: &[u8]| -> ciborium::value::Value {
        ciborium::from_reader(&x[core_len(x) + 12..]).expect("cbor")
    };
    let (va, vb) = (norm(val(a)), norm(val(b)));
    if va == vb {
        return String::new();
    }
    let (ciborium::value::Value::Map(ma), ciborium::value::Value::Map(mb)) = (va, vb) else {
        return "not maps".into();
    };
    let mut out = Vec::new();
    for ((k, x), (_, y)) in ma.iter().zip(mb.iter()) {
        if x != y {
            out.push(format!("{k:?}: {}", first_diff(x, y)));
        }
    }
    out.join("; ")
}

fn first_diff(x: &ciborium::value::Value, y: &ciborium::value::Value) -> String {
    use ciborium::value::Value;
    match (x, y) {
        (Value::Map(a), Value::Map(b)) if a.len() == b.len() => {
            for ((k, x), (_, y)) in a.iter().zip(b.iter()) {
                if x != y {
                    return format!("{k:?}.{}", first_diff(x, y));
                }
            }
            "?".into()
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b.iter()).enumerate() {
                if x != y {
                    return format!("[{i}].{}", first_diff(x, y));
                }
            }
            "?".into()
        }
        _ => format!("{x:?} vs {y:?}"),
    }
}

/// Maps sorted by key (some of the engine's maps are written in hash order).
fn norm(v: ciborium::value::Value) -> ciborium::value::Value {
    use ciborium::value::Value;
    match v {
        Value::Map(m) => {
            let mut m: Vec<(Value, Value)> =
                m.into_iter().map(|(k, v)| (norm(k), norm(v))).collect();
            m.sort_by(|a, b| format!("{:?}", a.0).cmp(&format!("{:?}", b.0)));
            Value::Map(m)
        }
        Value::Array(a) => Value::Array(a.into_iter().map(norm).collect()),
        // NaN is never equal to itself: compared as a word.
        Value::Float(f) if f.is_nan() => Value::Text("NaN".into()),
        v => v,
    }
}

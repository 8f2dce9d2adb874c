//! An engine snapshotted, dropped and restored gives exactly the events of
//! the engine that ran on (issue 12: a worker taking a partition over
//! restores the engine from a snapshot instead of rebuilding from the
//! stream's start).
//!
//! A busy simulated fleet on the world's lanes (many open risks), with the
//! world's land, zones and hazards on its tracks, runs once uninterrupted
//! and once cut at five points — one right after a screening pass, one
//! midway between passes — each cut a snapshot, the engine dropped, a new
//! one restored from the bytes. The events' JSON must be byte-identical.

use std::time::Instant;

use finisterra_engine::geofence::{Hazards, Zones};
use finisterra_engine::{
    Config, Engine, Event, Geography, SnapshotError, SNAPSHOT_MAGIC, SNAPSHOT_VERSION,
};

mod common;

use common::{fleet, geography};

fn new_engine(geo: &Geography) -> Engine {
    let mut e = Engine::new(Config::default());
    e.set_geography(geo.clone());
    e
}

#[test]
fn restored_engines_give_the_events_of_the_uninterrupted_one() {
    let msgs = fleet(1200, 0.5);
    let geo = geography(&msgs);
    let n = msgs.len();

    let mut engine = new_engine(&geo);
    let mut whole: Vec<Event> = Vec::new();
    for (m, t) in &msgs {
        let _ = engine.ingest(m, *t, &mut whole);
    }
    let whole_stats = serde_json::to_string(engine.stats()).expect("json");
    let whole: Vec<String> = whole.iter().map(Event::to_json).collect();
    let count = |k: &str| whole.iter().filter(|e| e.contains(k)).count();
    assert!(count("\"risk.raised\"") > 20, "a busy fleet");
    assert!(count("\"risk.updated\"") > 20);
    assert!(count("\"zone.") > 0, "zones on the tracks");

    // Cut at 1/8, right after the first pass past 3/8, midway between two
    // passes past 5/8, at 6/8 and 7/8; and, since what the check on
    // arrival reads (the last pass's grid, the movers since) matters only
    // until the next pass, every 1/64 as well.
    let interval_ms = (Config::default().screen_interval_s * 1000.0) as i64;
    let mut engine = new_engine(&geo);
    let mut cut: Vec<Event> = Vec::new();
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    let (mut after_pass, mut midway) = (false, false);
    for (i, (m, t)) in msgs.iter().enumerate() {
        let passes = engine.stats().screenings;
        let _ = engine.ingest(m, *t, &mut cut);
        let now_pass = !after_pass && i >= 3 * n / 8 && engine.stats().screenings > passes;
        let now_mid =
            !midway && i >= 5 * n / 8 && (t.rem_euclid(interval_ms) - interval_ms / 2).abs() < 1000;
        after_pass |= now_pass;
        midway |= now_mid;
        let named = i == n / 8 || i == 6 * n / 8 || i == 7 * n / 8 || now_pass || now_mid;
        if named || (i + 1) % (n / 64) == 0 {
            let open = engine.open_risks().count();
            let bytes = engine.snapshot();
            drop(engine);
            engine = Engine::restore(Config::default(), geo.clone(), &bytes)
                .unwrap_or_else(|e| panic!("restore at message {i}: {e}"));
            if named {
                cuts.push((i, open));
            }
        }
    }
    assert_eq!(cuts.len(), 5, "five named cuts: {cuts:?}");
    assert!(
        cuts.iter().filter(|c| c.1 > 0).count() >= 4,
        "risks open at the cuts: {cuts:?}"
    );
    let cut: Vec<String> = cut.iter().map(Event::to_json).collect();
    for (k, (a, b)) in whole.iter().zip(&cut).enumerate() {
        assert_eq!(a, b, "event {k} differs (cuts at {cuts:?})");
    }
    assert_eq!(cut.len(), whole.len(), "cuts at {cuts:?}");
    // The same work done: pairs judged on arrival and in passes, plans.
    assert_eq!(
        serde_json::to_string(engine.stats()).expect("json"),
        whole_stats
    );
}

#[test]
fn a_snapshot_holds_what_the_engine_shows() {
    let msgs = fleet(300, 0.2);
    let geo = geography(&msgs);
    let mut engine = new_engine(&geo);
    let mut out = Vec::new();
    for (m, t) in &msgs {
        let _ = engine.ingest(m, *t, &mut out);
    }
    let back = Engine::restore(Config::default(), geo, &engine.snapshot()).expect("restores");
    assert_eq!(back.picture().len(), engine.picture().len());
    assert_eq!(back.now_ms(), engine.now_ms());
    assert_eq!(back.next_deadline_ms(), engine.next_deadline_ms());
    let risks = |e: &Engine| {
        e.open_risks()
            .map(|r| serde_json::to_string(r).expect("json"))
            .collect::<Vec<_>>()
    };
    assert_eq!(risks(&back), risks(&engine));
    assert_eq!(
        serde_json::to_string(back.stats()).expect("json"),
        serde_json::to_string(engine.stats()).expect("json")
    );
    // The next event id continues.
    let (mut a, mut b) = (back, engine);
    assert_eq!(a.take_event_id(), b.take_event_id());
}

#[test]
fn bad_snapshots_are_refused_with_the_reason() {
    let msgs = fleet(200, 0.1);
    let geo = geography(&msgs);
    let mut engine = new_engine(&geo);
    let mut out = Vec::new();
    for (m, t) in &msgs {
        let _ = engine.ingest(m, *t, &mut out);
    }
    let good = engine.snapshot();
    assert_eq!(&good[..8], SNAPSHOT_MAGIC);
    let restore = |b: &[u8]| Engine::restore(Config::default(), geo.clone(), b).map(|_| ());

    assert_eq!(restore(b""), Err(SnapshotError::NotASnapshot));
    assert_eq!(restore(b"{\"json\":1}"), Err(SnapshotError::NotASnapshot));
    assert!(matches!(
        restore(&good[..10]),
        Err(SnapshotError::Corrupt(_))
    ));

    let mut other = good.clone();
    other[8..12].copy_from_slice(&(SNAPSHOT_VERSION + 1).to_le_bytes());
    let err = restore(&other).unwrap_err();
    assert_eq!(
        err,
        SnapshotError::Version {
            found: SNAPSHOT_VERSION + 1,
            expected: SNAPSHOT_VERSION
        }
    );
    assert!(err.to_string().contains("version"), "{err}");

    // Truncated anywhere: refused, never a panic.
    for len in (12..good.len()).step_by((good.len() / 97).max(1)) {
        match restore(&good[..len]) {
            Err(SnapshotError::Corrupt(why)) => assert!(!why.is_empty()),
            r => panic!("truncated at {len}: {r:?}"),
        }
    }
    // Bytes flipped: refused or (a flipped number) taken, never a panic.
    for at in (12..good.len()).step_by((good.len() / 211).max(1)) {
        let mut bad = good.clone();
        bad[at] ^= 0x5a;
        let _ = restore(&bad);
    }

    let mut cfg = Config::default();
    cfg.risk.warning_cpa_nm += 0.5;
    assert_eq!(
        Engine::restore(cfg, geo.clone(), &good).map(|_| ()),
        Err(SnapshotError::ConfigMismatch)
    );
    // A snapshot written before a setting existed (its configuration lacks
    // `pass_lag_s`) was taken under its default: restored; with another
    // value of a setting it has: refused.
    let with_config = |edit: &dyn Fn(&mut serde_json::Value)| -> Vec<u8> {
        let mut st: ciborium::value::Value =
            ciborium::from_reader(&good[12..]).expect("the state reads back");
        let ciborium::value::Value::Map(fields) = &mut st else {
            panic!("the state is a map");
        };
        let (_, text) = fields
            .iter_mut()
            .find(|(k, _)| k.as_text() == Some("config"))
            .expect("a config field");
        let mut c: serde_json::Value =
            serde_json::from_str(text.as_text().expect("config as text")).expect("config JSON");
        edit(&mut c);
        *text = ciborium::value::Value::Text(c.to_string());
        let mut out = good[..12].to_vec();
        ciborium::into_writer(&st, &mut out).expect("written");
        out
    };
    let older = with_config(&|c| {
        c.as_object_mut().expect("an object").remove("pass_lag_s");
    });
    assert_eq!(restore(&older), Ok(()), "a setting added since");
    let other = with_config(&|c| c["risk"]["alarm_cpa_nm"] = serde_json::json!(0.25));
    assert_eq!(restore(&other), Err(SnapshotError::ConfigMismatch));
    let mut no_land = geo.clone();
    no_land.land = None;
    assert!(matches!(
        Engine::restore(Config::default(), no_land, &good).map(|_| ()),
        Err(SnapshotError::GeographyMismatch(_))
    ));
    let mut one_hazard_less = geo.clone();
    let doc = r#"{"type":"FeatureCollection","features":[{"type":"Feature","id":"w0","properties":{"name":"Wreck 0","radius_m":400},"geometry":{"type":"Point","coordinates":[0.0,0.0]}}]}"#;
    one_hazard_less.hazards = Hazards::from_geojson_bytes(doc.as_bytes()).expect("hazards");
    let err = Engine::restore(Config::default(), one_hazard_less, &good)
        .map(|_| ())
        .unwrap_err();
    assert!(err.to_string().contains("hazards"), "{err}");
    let mut no_zones = geo.clone();
    no_zones.zones = Zones::empty();
    let err = Engine::restore(Config::default(), no_zones, &good)
        .map(|_| ())
        .unwrap_err();
    assert!(err.to_string().contains("zones"), "{err}");
}

/// Size and time of a snapshot of a realistic picture (5,000 vessels):
/// `cargo test --release -p finisterra-engine --test snapshot -- --nocapture`.
#[test]
fn snapshot_size_and_time_of_a_large_picture() {
    let msgs = fleet(5000, 0.25);
    let geo = geography(&msgs);
    let mut engine = new_engine(&geo);
    let mut out = Vec::new();
    for (m, t) in &msgs {
        let _ = engine.ingest(m, *t, &mut out);
    }
    let t0 = Instant::now();
    let bytes = engine.snapshot();
    let snap_s = t0.elapsed().as_secs_f64();
    let t0 = Instant::now();
    let back = Engine::restore(Config::default(), geo, &bytes).expect("restores");
    let restore_s = t0.elapsed().as_secs_f64();
    eprintln!(
        "snapshot of {} vessels, {} open risks: {} bytes, snapshot {:.1} ms, restore {:.1} ms ({} build)",
        engine.picture().len(),
        engine.open_risks().count(),
        bytes.len(),
        snap_s * 1e3,
        restore_s * 1e3,
        if cfg!(debug_assertions) { "debug" } else { "release" },
    );
    assert_eq!(back.picture().len(), engine.picture().len());
}

/// The air picture too: conflicts raised and cleared, an airspace
/// predicted then violated, an aircraft gone silent; cut every 1/24.
#[test]
fn restored_engines_give_the_air_events_of_the_uninterrupted_one() {
    use finisterra_modes::{Decoder, DecoderConfig};
    use finisterra_nav::geo::destination;
    use finisterra_sim::air::{air_frames, AircraftSpec};

    let plane = |icao: &str, call: &str, (lat, lon): (f64, f64), alt_ft, track_deg| AircraftSpec {
        icao: icao.into(),
        callsign: call.into(),
        category: None,
        lat,
        lon,
        alt_ft,
        gs_kn: 400.0,
        track_deg,
        rate_fpm: 0.0,
        level_off_ft: None,
        turn_deg_s: 0.0,
        from_s: 0.0,
        until_s: None,
    };
    let at = |bearing_deg: f64, nm: f64| destination(43.0, -9.5, bearing_deg, nm * 1852.0);
    let mut climb = plane("4ca004", "CLIMB4", at(90.0, 12.5), 17_000.0, 270.0);
    climb.rate_fpm = 2000.0;
    climb.level_off_ft = Some(24_000.0);
    let mut desc = plane("4ca00b", "DESC11", (43.0, -9.4), 9_000.0, 90.0);
    desc.gs_kn = 150.0;
    desc.rate_fpm = -1500.0;
    let mut quiet = plane("4ca00c", "QUIET12", at(0.0, 10.0), 20_000.0, 180.0);
    quiet.until_s = Some(120.0);
    let aircraft = [
        plane("4ca003", "LEVEL3", at(270.0, 12.5), 20_000.0, 90.0),
        climb,
        desc,
        quiet,
        plane("4ca00d", "HEAD13", at(180.0, 10.0), 20_000.0, 0.0),
    ];
    let zones = r#"{"type":"FeatureCollection","features":[
     {"type":"Feature","properties":{"name":"R-1 north bank","id":"R1","rule":"keep_out",
       "floor":"SFC","ceiling":{"value":5000,"unit":"ft","datum":"msl"}},
      "geometry":{"type":"Polygon","coordinates":[[[-9.45,42.9],[-9.2,42.9],[-9.2,43.1],[-9.45,43.1],[-9.45,42.9]]]}}]}"#;
    let geo = Geography {
        zones: Zones::from_geojson_bytes(zones.as_bytes()).expect("zones"),
        ..Geography::default()
    };
    let mut dec = Decoder::new(DecoderConfig::default());
    let frames: Vec<_> = air_frames(&aircraft, 1_796_000_000_000, 400.0)
        .expect("frames")
        .into_iter()
        .map(|f| dec.decode(&f.frame, f.time_ms).map(|m| (m, f.time_ms)))
        .collect::<Result<_, _>>()
        .expect("clean frames decode");
    let run = |cut_every: Option<usize>| {
        let mut engine = new_engine(&geo);
        let mut out = Vec::new();
        for (i, (m, t)) in frames.iter().enumerate() {
            let _ = engine.ingest_air_at(m, Some(*t), None, &mut out);
            if cut_every.is_some_and(|k| (i + 1) % k == 0) {
                let bytes = engine.snapshot();
                engine = Engine::restore(Config::default(), geo.clone(), &bytes)
                    .unwrap_or_else(|e| panic!("restore at frame {i}: {e}"));
            }
        }
        out.iter().map(Event::to_json).collect::<Vec<_>>()
    };
    let whole = run(None);
    for kind in [
        "air.conflict.raised",
        "air.conflict.cleared",
        "airspace.predicted",
        "airspace.violation",
    ] {
        assert!(
            whole.iter().any(|e| e.contains(&format!("\"{kind}\""))),
            "{kind}: {whole:#?}"
        );
    }
    let cut = run(Some(frames.len() / 24));
    for (k, (a, b)) in whole.iter().zip(&cut).enumerate() {
        assert_eq!(a, b, "air event {k} differs");
    }
    assert_eq!(cut.len(), whole.len());
}

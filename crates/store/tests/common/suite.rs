//! Behaviour every backend must have.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use finisterra_store::{
    open, AckOutcome, Acknowledgement, Appended, EventQuery, Retention, Store, StoreError,
    StoreOptions, StorePool, StoredEvent, TrackPoint, TrackQuery, TrackWindow,
};

use super::{event, point, vessel, Env};

/// A suite function.
pub type SuiteFn = fn(&dyn Env);

/// Every suite function with its name (the PostgreSQL test runs them all
/// in one server; the SQLite tests have one `#[test]` each).
pub const ALL: &[(&str, SuiteFn)] = &[
    ("events_round_trip", events_round_trip),
    ("event_filters", event_filters),
    ("event_ids_must_increase", event_ids_must_increase),
    ("event_keys_are_idempotent", event_keys_are_idempotent),
    ("vessels_upsert", vessels_upsert),
    ("track_downsampling", track_downsampling),
    ("track_queries", track_queries),
    ("track_windows", track_windows),
    ("prune_retention", prune_retention),
    ("acknowledgements", acknowledgements),
    ("documents", documents),
    ("reopen_keeps_everything", reopen_keeps_everything),
    (
        "concurrent_reader_while_writing",
        concurrent_reader_while_writing,
    ),
    ("pool_from_threads", pool_from_threads),
];

fn open_env(env: &dyn Env, loc: &str) -> Box<dyn Store> {
    open(loc, &env.options()).unwrap_or_else(|e| panic!("open {loc}: {e}"))
}

fn all_events(s: &dyn Store) -> Vec<StoredEvent> {
    s.events(&EventQuery {
        limit: usize::MAX,
        ..EventQuery::default()
    })
    .unwrap()
}

fn ids(v: &[StoredEvent]) -> Vec<u64> {
    v.iter().map(|e| e.id).collect()
}

/// An event whose key is stored already is not stored again, within a
/// batch, across batches and after a reopen; events without a key never
/// collide; the duplicate's id is used up; its vessels are not indexed.
pub fn event_keys_are_idempotent(env: &dyn Env) {
    let loc = env.fresh();
    let mut s = open_env(env, &loc);
    let keyed = |id: u64, key: &str| {
        event(
            id,
            1_000 + id as i64,
            "risk.raised",
            &[228_000_001, 228_000_002],
        )
        .with_key(key)
    };
    let plain = |id: u64| event(id, 1_000 + id as i64, "target.lost", &[228_000_001]);
    let out = s
        .append_events(&[
            keyed(1, "risk.raised/228000001/228000002/1001"),
            plain(2),
            plain(3),
            keyed(4, "b"),
            keyed(5, "risk.raised/228000001/228000002/1001"),
        ])
        .unwrap();
    assert_eq!(
        out,
        Appended {
            stored: 4,
            duplicates: vec![5]
        }
    );
    drop(s);
    let mut s = open_env(env, &loc);
    let out = s.append_events(&[keyed(6, "b"), keyed(7, "c")]).unwrap();
    assert_eq!(
        out,
        Appended {
            stored: 1,
            duplicates: vec![6]
        }
    );
    // Only duplicates: nothing stored, the ids used up all the same.
    let out = s.append_events(&[keyed(8, "c")]).unwrap();
    assert_eq!(out.stored, 0);
    assert_eq!(s.last_event_id().unwrap(), 8);
    assert!(matches!(
        s.append_events(&[keyed(8, "d")]),
        Err(StoreError::EventIdNotIncreasing { .. })
    ));
    let got = all_events(s.as_ref());
    assert_eq!(ids(&got), vec![1, 2, 3, 4, 7]);
    assert_eq!(
        got[0].key.as_deref(),
        Some("risk.raised/228000001/228000002/1001")
    );
    assert_eq!(got[1].key, None);
    assert_eq!(got[4], keyed(7, "c"));
    let by_vessel = s
        .events(&EventQuery {
            mmsi: Some(228_000_002),
            limit: usize::MAX,
            ..EventQuery::default()
        })
        .unwrap();
    assert_eq!(ids(&by_vessel), vec![1, 4, 7]);
    assert_eq!(
        s.event(7).unwrap().and_then(|e| e.key).as_deref(),
        Some("c")
    );
}

pub fn events_round_trip(env: &dyn Env) {
    let loc = env.fresh();
    let mut s = open_env(env, &loc);
    assert_eq!(s.last_event_id().unwrap(), 0);
    assert!(all_events(s.as_ref()).is_empty());
    s.append_events(&[]).unwrap();
    let a = vec![
        event(1, 1_000, "risk.raised", &[228_000_001, 228_000_002]),
        event(2, 1_500, "distress", &[970_000_001]),
    ];
    s.append_events(&a).unwrap();
    let mut b = vec![event(5, 2_000, "target.lost", &[228_000_001])];
    // Duplicated MMSIs are stored once; unicode and quotes survive.
    b.push(StoredEvent {
        id: 9,
        time_ms: -5,
        kind: "zone.entered".into(),
        mmsis: vec![3, 1, 3],
        json: r#"{"name":"Fisterra \"Cabo\" ⚓","x":1e-7}"#.into(),
        key: None,
    });
    s.append_events(&b).unwrap();
    assert_eq!(s.last_event_id().unwrap(), 9);
    let got = all_events(s.as_ref());
    assert_eq!(ids(&got), vec![1, 2, 5, 9]);
    assert_eq!(got[0], a[0]);
    assert_eq!(got[2], b[0]);
    assert_eq!(got[3].mmsis, vec![1, 3]);
    assert_eq!(got[3].json, b[1].json);
    assert_eq!(s.event(2).unwrap().as_ref(), Some(&a[1]));
    assert_eq!(s.event(3).unwrap(), None);
    assert_eq!(s.event(u64::MAX).unwrap(), None);
}

pub fn event_filters(env: &dyn Env) {
    let loc = env.fresh();
    let mut s = open_env(env, &loc);
    let kinds = [
        "risk.raised",
        "risk.updated",
        "risk.cleared",
        "distress",
        "zone.violation",
    ];
    let mut all = Vec::new();
    for id in 1..=100u64 {
        let kind = kinds[(id % 5) as usize];
        let a = 200_000_000 + (id % 7) as u32;
        all.push(event(id, id as i64 * 1000, kind, &[a, 300_000_000]));
    }
    for chunk in all.chunks(13) {
        s.append_events(chunk).unwrap();
    }
    let q = |q: EventQuery| ids(&s.events(&q).unwrap());
    // since / limit
    assert_eq!(
        q(EventQuery {
            since_id: 95,
            ..Default::default()
        }),
        vec![96, 97, 98, 99, 100]
    );
    assert_eq!(
        q(EventQuery {
            limit: 3,
            ..Default::default()
        }),
        vec![1, 2, 3]
    );
    assert_eq!(
        q(EventQuery {
            limit: 0,
            ..Default::default()
        }),
        Vec::<u64>::new()
    );
    assert_eq!(
        q(EventQuery {
            since_id: u64::MAX,
            ..Default::default()
        }),
        Vec::<u64>::new()
    );
    // newest first and paging backwards
    assert_eq!(
        q(EventQuery {
            limit: 3,
            newest_first: true,
            ..Default::default()
        }),
        vec![100, 99, 98]
    );
    assert_eq!(
        q(EventQuery {
            limit: 3,
            newest_first: true,
            before_id: Some(98),
            ..Default::default()
        }),
        vec![97, 96, 95]
    );
    // kinds
    let distress = q(EventQuery {
        kinds: vec!["distress".into()],
        limit: 1000,
        ..Default::default()
    });
    assert_eq!(
        distress,
        (1..=100).filter(|i| i % 5 == 3).collect::<Vec<_>>()
    );
    let two = q(EventQuery {
        kinds: vec!["distress".into(), "risk.raised".into()],
        since_id: 90,
        ..Default::default()
    });
    assert_eq!(two, vec![93, 95, 98, 100]);
    assert!(q(EventQuery {
        kinds: vec!["nope".into()],
        ..Default::default()
    })
    .is_empty());
    // vessel
    let v = q(EventQuery {
        mmsi: Some(200_000_003),
        ..Default::default()
    });
    assert_eq!(v, (1..=100).filter(|i| i % 7 == 3).collect::<Vec<_>>());
    assert_eq!(
        q(EventQuery {
            mmsi: Some(300_000_000),
            ..Default::default()
        })
        .len(),
        100
    );
    assert!(q(EventQuery {
        mmsi: Some(1),
        ..Default::default()
    })
    .is_empty());
    // time range: from inclusive, to exclusive
    assert_eq!(
        q(EventQuery {
            from_ms: Some(10_000),
            to_ms: Some(13_000),
            ..Default::default()
        }),
        vec![10, 11, 12]
    );
    // everything at once
    assert_eq!(
        q(EventQuery {
            since_id: 10,
            before_id: Some(90),
            kinds: vec!["risk.updated".into()],
            mmsi: Some(200_000_001),
            from_ms: Some(20_000),
            to_ms: Some(80_000),
            acknowledged: Some(false),
            limit: 2,
            newest_first: true,
        }),
        vec![71, 36]
    );
}

pub fn event_ids_must_increase(env: &dyn Env) {
    let loc = env.fresh();
    let mut s = open_env(env, &loc);
    s.append_events(&[event(1, 0, "distress", &[1]), event(2, 0, "distress", &[1])])
        .unwrap();
    let err = s
        .append_events(&[event(2, 0, "distress", &[1])])
        .unwrap_err();
    assert!(
        matches!(err, StoreError::EventIdNotIncreasing { id: 2, last: 2 }),
        "{err}"
    );
    assert_eq!(err.reason(), "event_id_not_increasing");
    // A batch that goes backwards is refused whole.
    let err = s
        .append_events(&[event(7, 0, "distress", &[1]), event(6, 0, "distress", &[1])])
        .unwrap_err();
    assert!(
        matches!(err, StoreError::EventIdNotIncreasing { id: 6, last: 7 }),
        "{err}"
    );
    assert_eq!(s.event(7).unwrap(), None);
    assert_eq!(s.last_event_id().unwrap(), 2);
    let err = s
        .append_events(&[event(u64::MAX, 0, "distress", &[1])])
        .unwrap_err();
    assert!(matches!(err, StoreError::OutOfRange { .. }), "{err}");
    assert_eq!(s.last_event_id().unwrap(), 2);
    // The connection is still usable.
    s.append_events(&[event(3, 0, "distress", &[1])]).unwrap();
    assert_eq!(ids(&all_events(s.as_ref())), vec![1, 2, 3]);
}

pub fn vessels_upsert(env: &dyn Env) {
    let loc = env.fresh();
    let mut s = open_env(env, &loc);
    assert_eq!(s.vessel(1).unwrap(), None);
    assert!(s.vessels().unwrap().is_empty());
    let mut a = vessel(228_000_002, 1000, Some("ALPHA"));
    let b = vessel(228_000_001, 1000, None);
    s.upsert_vessels(&[a.clone(), b.clone()]).unwrap();
    assert_eq!(s.vessel(228_000_002).unwrap().as_ref(), Some(&a));
    assert_eq!(s.vessels().unwrap(), vec![b.clone(), a.clone()]);
    // Update, and the last row of an MMSI in a batch wins.
    a.time_ms = 2000;
    a.name = Some("ALPHA TWO".into());
    let mut a2 = a.clone();
    a2.time_ms = 3000;
    a2.lat_deg = None;
    a2.lon_deg = Some(f64::NAN);
    a2.ship_type = None;
    s.upsert_vessels(&[a.clone(), a2.clone()]).unwrap();
    let got = s.vessel(228_000_002).unwrap().unwrap();
    assert_eq!(got.time_ms, 3000);
    assert_eq!(got.lat_deg, None);
    assert_eq!(got.lon_deg, None, "NaN is stored as unknown");
    assert_eq!(got.ship_type, None);
    assert_eq!(got.name.as_deref(), Some("ALPHA TWO"));
    assert_eq!(s.vessels().unwrap().len(), 2);
    // Many at once.
    let many: Vec<_> = (0..2000)
        .map(|i| vessel(100_000_000 + i, 5, Some("M")))
        .collect();
    s.upsert_vessels(&many).unwrap();
    assert_eq!(s.vessels().unwrap().len(), 2002);
    assert_eq!(s.vessel(u32::MAX).unwrap(), None);
}

pub fn track_downsampling(env: &dyn Env) {
    let loc = env.fresh();
    let opts = StoreOptions {
        track_interval_s: 10.0,
        ..env.options()
    };
    let mut s = open(&loc, &opts).unwrap();
    let all = TrackQuery {
        mmsi: 1,
        from_ms: i64::MIN,
        to_ms: None,
        limit: usize::MAX,
    };
    let times = |s: &dyn Store, mmsi: u32| -> Vec<i64> {
        s.track(&TrackQuery { mmsi, ..all })
            .unwrap()
            .iter()
            .map(|p| p.time_ms)
            .collect()
    };
    // A fix every 2 s for a minute, two vessels interleaved.
    let pts: Vec<_> = (0..30)
        .flat_map(|i| [point(1, i * 2000), point(2, 1000 + i * 2000)])
        .collect();
    let kept = s.append_track(&pts).unwrap();
    assert_eq!(
        times(s.as_ref(), 1),
        vec![0, 10_000, 20_000, 30_000, 40_000, 50_000]
    );
    assert_eq!(
        times(s.as_ref(), 2),
        vec![1000, 11_000, 21_000, 31_000, 41_000, 51_000]
    );
    assert_eq!(kept, 12);
    // The next call continues the spacing.
    assert_eq!(
        s.append_track(&[point(1, 59_000), point(1, 60_500)])
            .unwrap(),
        1
    );
    // A late point near a kept one is dropped; one far from any is kept.
    assert_eq!(s.append_track(&[point(1, 15_000)]).unwrap(), 0);
    assert_eq!(s.append_track(&[point(1, -20_000)]).unwrap(), 1);
    assert_eq!(s.append_track(&[point(1, -15_000)]).unwrap(), 0);
    // Non-finite positions are skipped.
    let mut bad = point(1, 100_000);
    bad.lat_deg = f64::NAN;
    assert_eq!(s.append_track(&[bad]).unwrap(), 0);
    // Unknown optional values come back as None.
    let mut p = point(3, 0);
    p.sog_kn = Some(f64::INFINITY);
    s.append_track(&[p]).unwrap();
    let got = s.track(&TrackQuery { mmsi: 3, ..all }).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].sog_kn, None);
    assert_eq!(got[0].cog_deg, Some(90.0));
    assert_eq!(got[0].lat_deg, p.lat_deg);
    drop(s);
    // A new connection learns the last kept time from the database.
    let mut s = open(&loc, &opts).unwrap();
    assert_eq!(
        s.append_track(&[point(1, 61_000), point(1, 70_499)])
            .unwrap(),
        0
    );
    assert_eq!(s.append_track(&[point(1, 70_500)]).unwrap(), 1);
    assert_eq!(
        times(s.as_ref(), 1),
        vec![-20_000, 0, 10_000, 20_000, 30_000, 40_000, 50_000, 60_500, 70_500]
    );
    // Interval 0 keeps every distinct time.
    let loc0 = env.fresh();
    let mut s0 = open(
        &loc0,
        &StoreOptions {
            track_interval_s: 0.0,
            ..env.options()
        },
    )
    .unwrap();
    assert_eq!(
        s0.append_track(&[point(1, 5), point(1, 6), point(1, 6), point(1, 4)])
            .unwrap(),
        3
    );
    assert_eq!(s0.append_track(&[point(1, 5)]).unwrap(), 0);
    assert_eq!(times(s0.as_ref(), 1), vec![4, 5, 6]);
}

pub fn track_queries(env: &dyn Env) {
    let loc = env.fresh();
    let mut s = open_env(env, &loc);
    let pts: Vec<_> = (0..100).map(|i| point(7, i * 10_000)).collect();
    assert_eq!(s.append_track(&pts).unwrap(), 100);
    let q = TrackQuery {
        mmsi: 7,
        from_ms: 0,
        to_ms: None,
        limit: 5,
    };
    // The newest `limit` points, oldest first.
    let t: Vec<i64> = s.track(&q).unwrap().iter().map(|p| p.time_ms).collect();
    assert_eq!(t, vec![950_000, 960_000, 970_000, 980_000, 990_000]);
    // Paging backwards.
    let t: Vec<i64> = s
        .track(&TrackQuery {
            to_ms: Some(950_000),
            ..q
        })
        .unwrap()
        .iter()
        .map(|p| p.time_ms)
        .collect();
    assert_eq!(t, vec![900_000, 910_000, 920_000, 930_000, 940_000]);
    let t: Vec<i64> = s
        .track(&TrackQuery {
            from_ms: 975_000,
            limit: 100,
            ..q
        })
        .unwrap()
        .iter()
        .map(|p| p.time_ms)
        .collect();
    assert_eq!(t, vec![980_000, 990_000]);
    assert!(s.track(&TrackQuery { mmsi: 8, ..q }).unwrap().is_empty());
    assert!(s.track(&TrackQuery { limit: 0, ..q }).unwrap().is_empty());
    assert!(s
        .track(&TrackQuery {
            to_ms: Some(i64::MIN),
            ..q
        })
        .unwrap()
        .is_empty());
}

pub fn prune_retention(env: &dyn Env) {
    let loc = env.fresh();
    let mut s = open_env(env, &loc);
    let day = 86_400_000i64;
    let now = 100 * day;
    let evs: Vec<_> = (1..=10u64)
        .map(|i| event(i, now - (11 - i as i64) * day, "distress", &[42]))
        .collect();
    s.append_events(&evs).unwrap();
    for id in [1, 2, 9] {
        let ack = Acknowledgement {
            event_id: id,
            by: "op".into(),
            time_ms: now,
            note: None,
        };
        assert_eq!(s.acknowledge(&ack).unwrap(), AckOutcome::Acknowledged);
    }
    let pts: Vec<_> = (0..48).map(|h| point(42, now - h * 3_600_000)).collect();
    assert_eq!(s.append_track(&pts).unwrap(), 48);
    s.upsert_vessels(&[vessel(1, now - 40 * day, None), vessel(2, now - day, None)])
        .unwrap();

    // Tracks only: 24 h.
    let st = s
        .prune(
            now,
            &Retention {
                track_s: 86_400.0,
                events_s: None,
                vessels_s: None,
            },
        )
        .unwrap();
    assert_eq!((st.track_points, st.events, st.vessels), (23, 0, 0));
    let q = TrackQuery {
        mmsi: 42,
        from_ms: i64::MIN,
        to_ms: None,
        limit: usize::MAX,
    };
    let left = s.track(&q).unwrap();
    assert_eq!(left.len(), 25);
    assert!(left.iter().all(|p| p.time_ms >= now - day));
    assert_eq!(all_events(s.as_ref()).len(), 10);

    // Events older than 5 days (ids 1..=5), with their acknowledgements
    // and vessel index; vessels older than 30 days.
    let st = s
        .prune(
            now,
            &Retention {
                track_s: 86_400.0,
                events_s: Some(5.5 * 86_400.0),
                vessels_s: Some(30.0 * 86_400.0),
            },
        )
        .unwrap();
    assert_eq!((st.track_points, st.events, st.vessels), (0, 5, 1));
    assert_eq!(ids(&all_events(s.as_ref())), vec![6, 7, 8, 9, 10]);
    assert_eq!(
        ids(&s
            .events(&EventQuery {
                mmsi: Some(42),
                ..Default::default()
            })
            .unwrap()),
        vec![6, 7, 8, 9, 10]
    );
    let acks: Vec<u64> = s
        .acknowledgements(&[1, 2, 9])
        .unwrap()
        .iter()
        .map(|a| a.event_id)
        .collect();
    assert_eq!(acks, vec![9]);
    assert_eq!(s.vessels().unwrap().len(), 1);

    // Pruning everything never lets ids go back.
    let st = s
        .prune(
            now + 1000 * day,
            &Retention {
                track_s: 0.0,
                events_s: Some(0.0),
                vessels_s: Some(0.0),
            },
        )
        .unwrap();
    assert_eq!((st.track_points, st.events, st.vessels), (25, 5, 1));
    assert!(all_events(s.as_ref()).is_empty());
    assert_eq!(s.last_event_id().unwrap(), 10);
    assert!(s
        .append_events(&[event(10, now, "distress", &[1])])
        .is_err());
    s.append_events(&[event(11, now, "distress", &[1])])
        .unwrap();
    // After a prune the down-sampler starts afresh.
    assert_eq!(s.append_track(&[point(42, now)]).unwrap(), 1);
    drop(s);
    assert_eq!(open_env(env, &loc).last_event_id().unwrap(), 11);
}

pub fn acknowledgements(env: &dyn Env) {
    let loc = env.fresh();
    let mut s = open_env(env, &loc);
    s.append_events(
        &(1..=5)
            .map(|i| event(i, 0, "risk.raised", &[1, 2]))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let ack = |id, by: &str, note: Option<&str>| Acknowledgement {
        event_id: id,
        by: by.into(),
        time_ms: 1_700_000_000_000 + id as i64,
        note: note.map(Into::into),
    };
    assert_eq!(
        s.acknowledge(&ack(9, "ana", None)).unwrap(),
        AckOutcome::NoSuchEvent
    );
    assert_eq!(
        s.acknowledge(&ack(u64::MAX, "ana", None)).unwrap(),
        AckOutcome::NoSuchEvent
    );
    assert_eq!(
        s.acknowledge(&ack(4, "ana", Some("called VTS"))).unwrap(),
        AckOutcome::Acknowledged
    );
    assert_eq!(
        s.acknowledge(&ack(2, "bea", None)).unwrap(),
        AckOutcome::Acknowledged
    );
    assert_eq!(
        s.acknowledge(&ack(4, "carl", Some("again"))).unwrap(),
        AckOutcome::AlreadyAcknowledged
    );
    let got = s.acknowledgements(&[5, 4, 2, 9, 4, u64::MAX]).unwrap();
    assert_eq!(
        got,
        vec![ack(2, "bea", None), ack(4, "ana", Some("called VTS"))]
    );
    assert!(s.acknowledgements(&[]).unwrap().is_empty());
    let big: Vec<u64> = (0..2000).collect();
    assert_eq!(s.acknowledgements(&big).unwrap().len(), 2);
    let q = |a| {
        ids(&s
            .events(&EventQuery {
                acknowledged: Some(a),
                ..Default::default()
            })
            .unwrap())
    };
    assert_eq!(q(true), vec![2, 4]);
    assert_eq!(q(false), vec![1, 3, 5]);
}

pub fn documents(env: &dyn Env) {
    let loc = env.fresh();
    let mut s = open_env(env, &loc);
    assert_eq!(s.document("zones").unwrap(), None);
    assert!(s.document_names().unwrap().is_empty());
    s.put_document("zones", r#"{"type":"FeatureCollection","features":[]}"#)
        .unwrap();
    let big = format!(
        r#"{{"type":"FeatureCollection","x":"{}"}}"#,
        "é".repeat(500_000)
    );
    s.put_document("hazards", &big).unwrap();
    assert_eq!(
        s.document("hazards").unwrap().as_deref(),
        Some(big.as_str())
    );
    s.put_document("zones", "{}").unwrap();
    assert_eq!(s.document("zones").unwrap().as_deref(), Some("{}"));
    assert_eq!(
        s.document_names().unwrap(),
        vec!["hazards".to_string(), "zones".into()]
    );
    assert!(s.delete_document("hazards").unwrap());
    assert!(!s.delete_document("hazards").unwrap());
    assert_eq!(s.document("hazards").unwrap(), None);
    drop(s);
    let s = open_env(env, &loc);
    assert_eq!(s.document_names().unwrap(), vec!["zones".to_string()]);
}

pub fn reopen_keeps_everything(env: &dyn Env) {
    let loc = env.fresh();
    let evs: Vec<_> = (1..=50)
        .map(|i| event(i, i as i64, "risk.raised", &[i as u32]))
        .collect();
    let vs: Vec<_> = (0..20).map(|i| vessel(i, 7, Some("V"))).collect();
    {
        let mut s = open_env(env, &loc);
        assert!(matches!(s.backend(), "sqlite" | "postgres" | "memory"));
        s.append_events(&evs).unwrap();
        s.upsert_vessels(&vs).unwrap();
        s.append_track(&[point(5, 0), point(5, 60_000)]).unwrap();
        s.acknowledge(&Acknowledgement {
            event_id: 7,
            by: "x".into(),
            time_ms: 1,
            note: None,
        })
        .unwrap();
        s.put_document("zones", "[1]").unwrap();
    }
    for _ in 0..2 {
        let s = open_env(env, &loc);
        assert_eq!(all_events(s.as_ref()), evs);
        assert_eq!(s.last_event_id().unwrap(), 50);
        assert_eq!(s.vessels().unwrap(), vs);
        let q = TrackQuery {
            mmsi: 5,
            from_ms: i64::MIN,
            to_ms: None,
            limit: 10,
        };
        assert_eq!(s.track(&q).unwrap(), vec![point(5, 0), point(5, 60_000)]);
        assert_eq!(s.acknowledgements(&[7]).unwrap().len(), 1);
        assert_eq!(s.document("zones").unwrap().as_deref(), Some("[1]"));
    }
}

pub fn concurrent_reader_while_writing(env: &dyn Env) {
    let loc = env.fresh();
    let mut writer = open_env(env, &loc);
    let reader = open_env(env, &loc);
    let done = Arc::new(AtomicBool::new(false));
    const BATCHES: u64 = 300;
    const PER: u64 = 10;
    let reads = std::thread::scope(|scope| {
        let done2 = done.clone();
        let h = scope.spawn(move || {
            let mut reads = 0u64;
            let mut seen = 0usize;
            loop {
                let finished = done2.load(Ordering::SeqCst);
                let got = all_events(reader.as_ref());
                // A committed prefix: whole batches, ids 1..=n, in order.
                assert_eq!(got.len() as u64 % PER, 0, "a batch was seen half-written");
                assert!(got.iter().enumerate().all(|(i, e)| e.id == i as u64 + 1));
                assert!(got.len() >= seen, "a reader went back in time");
                seen = got.len();
                let last = reader.last_event_id().unwrap();
                assert!(last >= seen as u64);
                let _ = reader.vessels().unwrap();
                reads += 1;
                if finished {
                    assert_eq!(seen as u64, BATCHES * PER);
                    return reads;
                }
            }
        });
        for b in 0..BATCHES {
            let evs: Vec<_> = (1..=PER)
                .map(|i| event(b * PER + i, 0, "risk.updated", &[1, 2]))
                .collect();
            writer.append_events(&evs).unwrap();
            writer
                .upsert_vessels(&[vessel(b as u32 % 50, b as i64, None)])
                .unwrap();
        }
        done.store(true, Ordering::SeqCst);
        h.join().unwrap()
    });
    assert!(reads > 1, "the reader ran {reads} times");
}

pub fn pool_from_threads(env: &dyn Env) {
    let loc = env.fresh();
    let mut writer = open_env(env, &loc);
    writer
        .append_events(
            &(1..=20)
                .map(|i| event(i, 0, "distress", &[9]))
                .collect::<Vec<_>>(),
        )
        .unwrap();
    let pool = StorePool::new(&loc, &env.options(), 2);
    std::thread::scope(|scope| {
        for t in 0..4u64 {
            let pool = &pool;
            scope.spawn(move || {
                for _ in 0..20 {
                    let s = pool.get().unwrap();
                    assert_eq!(s.last_event_id().unwrap(), 20);
                    assert_eq!(s.events(&EventQuery::default()).unwrap().len(), 20);
                }
                // Pooled connections write too (acknowledgements).
                let mut s = pool.get().unwrap();
                let ack = Acknowledgement {
                    event_id: t + 1,
                    by: format!("op{t}"),
                    time_ms: 0,
                    note: None,
                };
                assert_eq!(s.acknowledge(&ack).unwrap(), AckOutcome::Acknowledged);
            });
        }
    });
    assert_eq!(writer.acknowledgements(&[1, 2, 3, 4]).unwrap().len(), 4);
    assert!(format!("{pool:?}").contains("StorePool"));
}

/// History read back: the points of a time window, of one vessel or all,
/// in a box (across the 180th meridian too), paged by a (time, MMSI)
/// cursor, in (time, MMSI) order.
pub fn track_windows(env: &dyn Env) {
    let loc = env.fresh();
    let mut s = open_env(env, &loc);
    let at = |mmsi: u32, time_ms: i64, lon_deg: f64| TrackPoint {
        lon_deg,
        ..point(mmsi, time_ms)
    };
    let mut pts = Vec::new();
    for k in 0..20i64 {
        pts.push(at(1, k * 60_000, -9.0));
        pts.push(at(2, k * 60_000, 179.5));
        pts.push(at(3, k * 60_000 + 30_000, -179.5));
    }
    assert_eq!(s.append_track(&pts).unwrap(), 60);
    let all = TrackWindow {
        mmsi: None,
        from_ms: 0,
        to_ms: 600_000,
        bbox: None,
        after: None,
        limit: usize::MAX,
    };
    let key =
        |v: Vec<TrackPoint>| -> Vec<(i64, u32)> { v.iter().map(|p| (p.time_ms, p.mmsi)).collect() };
    let got = key(s.track_window(&all).unwrap());
    let mut want: Vec<(i64, u32)> = pts
        .iter()
        .filter(|p| p.time_ms < 600_000)
        .map(|p| (p.time_ms, p.mmsi))
        .collect();
    want.sort_unstable();
    assert_eq!(got, want, "every vessel, ordered by time then MMSI");
    // Paging: pages of 7 joined give the whole window, none twice.
    let mut paged = Vec::new();
    let mut after = None;
    loop {
        let page = s
            .track_window(&TrackWindow {
                after,
                limit: 7,
                ..all
            })
            .unwrap();
        let Some(last) = page.last() else { break };
        after = Some((last.time_ms, last.mmsi));
        paged.extend(key(page));
    }
    assert_eq!(paged, want);
    // One vessel.
    let one = key(s
        .track_window(&TrackWindow {
            mmsi: Some(3),
            ..all
        })
        .unwrap());
    assert_eq!(one.len(), 10);
    assert!(one.iter().all(|&(_, m)| m == 3));
    // A box across the 180th meridian holds vessels 2 and 3, not 1.
    let across = s
        .track_window(&TrackWindow {
            bbox: Some((179.0, 42.0, -179.0, 44.0)),
            ..all
        })
        .unwrap();
    assert_eq!(across.len(), 20);
    assert!(across.iter().all(|p| p.mmsi != 1));
    let plain = s
        .track_window(&TrackWindow {
            bbox: Some((-10.0, 42.0, -8.0, 44.0)),
            ..all
        })
        .unwrap();
    assert!(plain.len() == 10 && plain.iter().all(|p| p.mmsi == 1));
    // Empty windows.
    assert!(s
        .track_window(&TrackWindow { limit: 0, ..all })
        .unwrap()
        .is_empty());
    assert!(s
        .track_window(&TrackWindow {
            from_ms: 10,
            to_ms: 10,
            ..all
        })
        .unwrap()
        .is_empty());
}

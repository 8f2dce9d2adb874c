//! The memory backend (`memory:NAME`): the shared suite, and what is
//! particular to it. (`kill -9` durability, damaged files and schema
//! versions do not apply: nothing outlives the process.)

mod common;

use std::sync::atomic::{AtomicU64, Ordering};

use common::{event, Env};
use finisterra_store::{
    open, open_state, EventQuery, Location, MemoryStore, Store, StoreOptions, StorePool,
    MEMORY_MAX_EVENTS,
};

/// Hands out a new memory store name for each `fresh()`, unique in the
/// process (the stores of one test binary share one registry).
#[derive(Default)]
struct MemoryEnv;

impl Env for MemoryEnv {
    fn fresh(&self) -> String {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        format!("memory:suite-{}", NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

// Every suite function applies: `reopen_keeps_everything` passes because a
// memory store lives in the process-wide registry until the process ends.
suite_tests!(MemoryEnv);

#[test]
fn location_and_backend() {
    let loc = MemoryEnv.fresh();
    assert!(matches!(Location::parse(&loc), Location::Memory(_)));
    let mut s = open(&loc, &StoreOptions::default()).unwrap();
    assert_eq!(s.backend(), "memory");
    s.append_events(&[event(1, 0, "distress", &[1])]).unwrap();
    // The same name through the type itself is the same store.
    let name = loc.strip_prefix("memory:").unwrap();
    let direct = MemoryStore::open(name, &StoreOptions::default());
    assert_eq!(direct.last_event_id().unwrap(), 1);
    assert_eq!(direct.max_events(), MEMORY_MAX_EVENTS);
    assert_eq!(direct.name(), name);
}

#[test]
fn state_store_is_separate_and_shared() {
    let loc = MemoryEnv.fresh();
    let opts = StoreOptions::default();
    let mut events = open(&loc, &opts).unwrap();
    let mut state = open_state(&loc, &opts).unwrap();
    events
        .append_events(&[event(1, 0, "distress", &[1])])
        .unwrap();
    assert_eq!(state.last_event_id().unwrap(), 0);
    state.upsert_vessels(&[common::vessel(7, 0, None)]).unwrap();
    assert!(events.vessels().unwrap().is_empty());
    assert_eq!(open_state(&loc, &opts).unwrap().vessels().unwrap().len(), 1);
}

#[test]
fn cap_through_the_pool() {
    let loc = MemoryEnv.fresh();
    let opts = StoreOptions::default();
    let name = loc.strip_prefix("memory:").unwrap();
    let mut writer = MemoryStore::open_with_max_events(name, 10, &opts);
    let evs: Vec<_> = (1..=25).map(|i| event(i, 0, "distress", &[1])).collect();
    writer.append_events(&evs).unwrap();
    let pool = StorePool::new(&loc, &opts, 2);
    let s = pool.get().unwrap();
    let got: Vec<u64> = s
        .events(&EventQuery::default())
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(got, (16..=25).collect::<Vec<_>>());
    assert_eq!(s.last_event_id().unwrap(), 25);
}

#[allow(dead_code)]
fn assert_send(s: MemoryStore) -> impl Send {
    s
}

//! `kill -9` durability: a child process (this same test binary, run with
//! an environment variable) appends events in a loop and prints each batch's
//! ids *after* `append_events` returned; the parent kills it with SIGKILL at
//! an arbitrary moment, reopens the store and checks that every printed id
//! is there.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use finisterra_store::{open, EventQuery, Location, Store, StoreOptions, DB_FILE_NAME};

use super::{point, sized_event, vessel};

/// Set in the child's environment: the store location to write to.
pub const CHILD_ENV: &str = "FINISTERRA_STORE_KILL9_LOCATION";

/// The child's body. Call it first thing in the `#[test]` that calls
/// [`run_parent`]: it returns at once unless the environment variable is
/// set, and otherwise writes until it is killed.
pub fn child_if_requested() {
    let Ok(loc) = std::env::var(CHILD_ENV) else {
        return;
    };
    let mut store = match open(&loc, &StoreOptions::default()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("kill9 child: cannot open {loc}: {e}");
            std::process::exit(2);
        }
    };
    let mut next = store.last_event_id().expect("last id") + 1;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let _ = writeln!(out, "ready");
    let mut n: u64 = 0;
    loop {
        let size = 1 + (n % 9) as usize;
        let batch: Vec<_> = (0..size as u64)
            .map(|i| {
                sized_event(
                    next + i,
                    (next + i) as i64 * 100,
                    400 + (n % 5) as usize * 300,
                )
            })
            .collect();
        store.append_events(&batch).expect("append");
        let line = format!("stored {} {}", next, next + size as u64 - 1);
        next += size as u64;
        // Writes to vessels and tracks in between keep the WAL busy.
        if n.is_multiple_of(3) {
            let vs: Vec<_> = (0..50).map(|i| vessel(i, n as i64, Some("K"))).collect();
            store.upsert_vessels(&vs).expect("vessels");
            let ps: Vec<_> = (0..50).map(|i| point(i, n as i64 * 20_000)).collect();
            store.append_track(&ps).expect("track");
        }
        if writeln!(out, "{line}").and_then(|_| out.flush()).is_err() {
            // The parent went away.
            std::process::exit(3);
        }
        n += 1;
    }
}

/// Runs `rounds` kill cycles against `loc`. `child_test` is the name of
/// the `#[test]` calling [`child_if_requested`] in the current binary
/// (normally the calling test itself).
pub fn run_parent(loc: &str, child_test: &str, rounds: usize) {
    let exe = std::env::current_exe().expect("current_exe");
    let mut total = 0usize;
    for round in 0..rounds {
        let mut child = Command::new(&exe)
            .args([
                child_test,
                "--exact",
                "--nocapture",
                "--test-threads=1",
                "-q",
            ])
            .env(CHILD_ENV, loc)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn child");
        let stdout = child.stdout.take().expect("child stdout");
        let (tx, rx) = mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            let mut line = String::new();
            loop {
                line.clear();
                match r.read_line(&mut line) {
                    Ok(0) | Err(_) => return,
                    // A line cut by the kill has no newline and proves nothing.
                    Ok(_) if line.ends_with('\n') => {
                        if tx.send(line.trim_end().to_owned()).is_err() {
                            return;
                        }
                    }
                    Ok(_) => {}
                }
            }
        });
        // Kill after a varying number of batches.
        let kill_after = 40 + round * 37;
        let mut stored: Vec<(u64, u64)> = Vec::new();
        let parse = |l: &str| -> Option<(u64, u64)> {
            let mut it = l.strip_prefix("stored ")?.split(' ');
            Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
        };
        while stored.len() < kill_after {
            match rx.recv_timeout(Duration::from_secs(60)) {
                Ok(l) => stored.extend(parse(&l)),
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "kill9 round {round}: child stopped talking ({e:?}) after {} batches",
                        stored.len()
                    );
                }
            }
        }
        // SIGKILL on Unix.
        child.kill().expect("kill child");
        let status = child.wait().expect("wait child");
        assert!(!status.success(), "child ended on its own: {status}");
        // Lines printed before the kill that we had not read yet count too.
        reader.join().expect("reader thread");
        stored.extend(rx.try_iter().filter_map(|l| parse(&l)));

        let store = open(loc, &StoreOptions::default()).expect("reopen after kill -9");
        let last = store.last_event_id().unwrap();
        let mut checked = 0;
        for &(a, b) in &stored {
            for id in a..=b {
                let e = store.event(id).unwrap();
                assert!(
                    e.is_some(),
                    "round {round}: event {id} was reported stored but is lost"
                );
                checked += 1;
            }
            assert!(last >= b, "round {round}: last_event_id {last} < {b}");
        }
        check_integrity(store.as_ref(), loc, round);
        total += checked;
        eprintln!(
            "kill9 round {round} ({}): {checked} reported ids all present after SIGKILL (last id {last}, child {status})",
            store.backend()
        );
    }
    assert!(total > 0);
}

/// What a kill may not leave behind: a hole in the ids (batches are atomic
/// and appended in order), an event whose JSON is cut or is another's, or
/// (SQLite) a damaged file.
fn check_integrity(store: &dyn Store, loc: &str, round: usize) {
    let last = store.last_event_id().unwrap();
    let all = store
        .events(&EventQuery {
            limit: usize::MAX,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(all.len() as u64, last, "round {round}: ids have holes");
    for (i, e) in all.iter().enumerate() {
        assert_eq!(e.id, i as u64 + 1, "round {round}: ids out of order");
        let v: serde_json::Value = serde_json::from_str(&e.json)
            .unwrap_or_else(|err| panic!("round {round}: event {}: bad JSON: {err}", e.id));
        assert_eq!(
            v["id"], e.id,
            "round {round}: event {} holds another's JSON",
            e.id
        );
        assert_eq!(
            e.time_ms,
            e.id as i64 * 100,
            "round {round}: event {}",
            e.id
        );
        assert!(
            v["pad"].as_str().is_some_and(|p| !p.is_empty()),
            "round {round}: event {} lost its body",
            e.id
        );
    }
    if let Location::Sqlite(dir) = Location::parse(loc) {
        let c = rusqlite::Connection::open(dir.join(DB_FILE_NAME)).unwrap();
        let check: String = c
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "round {round}: SQLite integrity_check");
    }
}

//! `kill -9` durability: a child process (this same test binary, run with
//! an environment variable) appends events in a loop and prints each batch's
//! ids *after* `append_events` returned; the parent kills it with SIGKILL at
//! an arbitrary moment, reopens the store and checks that every printed id
//! is there.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use finisterra_store::{open, StoreOptions};

use super::{point, sized_event, vessel};

/// Set in the child's environment: the store location to write to.
pub const CHILD_ENV: &str = "FINISTERRA_STORE_KILL9_LOCATION";

/// The child's body. Call it from a `#[test] fn kill9_child()`; it returns
/// at once unless the environment variable is set.
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
/// the `#[test]` calling [`child_if_requested`] in the current binary.
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
        total += checked;
        eprintln!(
            "kill9 round {round} ({}): {checked} reported ids all present after SIGKILL (last id {last}, child {status})",
            store.backend()
        );
    }
    assert!(total > 0);
}

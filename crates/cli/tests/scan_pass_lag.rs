//! `pass_lag_s` from a configuration file, end to end: `scan` of a
//! simulated fleet works each screening pass out apart and tells every
//! event, the last pass's too; the events are those of the pass in line
//! but for the pairs judged on arrival meanwhile; a lag not below the
//! screening interval is refused naming the key. (The cluster with a lag:
//! `crates/cluster/tests/in_process.rs`.)

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn tmp(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_finisterra"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run finisterra")
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn events(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("an event per line"))
        .collect()
}

#[test]
fn scan_with_a_pass_lag_tells_every_event_and_refuses_a_bad_lag() {
    let d = tmp("scan_pass_lag");
    let fleet = d.join("fleet.nmea");
    let out = run(&[
        "simulate",
        "--fleet",
        "300",
        "--hours",
        "1",
        "--seed",
        "5",
        "--report-interval",
        "10",
        "--out",
        s(&fleet),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lag = d.join("lag.json");
    std::fs::write(&lag, r#"{"pass_lag_s": 3}"#).expect("config");
    let scan = |config: Option<&Path>| {
        let mut args = vec!["scan", s(&fleet), "--no-progress"];
        if let Some(c) = config {
            args.extend(["--config", s(c)]);
        }
        let out = run(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        events(&out.stdout)
    };
    let (inline, apart) = (scan(None), scan(Some(&lag)));
    let risks = |evs: &[serde_json::Value]| {
        evs.iter()
            .filter(|e| e["kind"].as_str().is_some_and(|k| k.starts_with("risk.")))
            .count()
    };
    assert!(
        risks(&inline) > 20,
        "a busy fleet: {} risk events",
        risks(&inline)
    );
    // Ids increase as told; some findings of a pass are told after the
    // arrivals' events that came meanwhile.
    let ids: Vec<u64> = apart
        .iter()
        .map(|e| e["id"].as_u64().expect("id"))
        .collect();
    assert!(ids.windows(2).all(|w| w[1] == w[0] + 1));
    let times: Vec<&str> = apart
        .iter()
        .map(|e| e["time"].as_str().expect("time"))
        .collect();
    assert!(
        times.windows(2).any(|w| w[1] < w[0]),
        "told out of time order"
    );
    // Most events are the same (ignoring ids); the others are risk events
    // of pairs judged on arrival while a pass was worked out.
    let key = |e: &serde_json::Value| {
        let mut e = e.clone();
        e.as_object_mut().expect("object").remove("id");
        e.to_string()
    };
    let mut a: Vec<String> = inline.iter().map(key).collect();
    let mut b: Vec<String> = apart.iter().map(key).collect();
    a.sort();
    b.sort();
    let same = {
        let (mut i, mut j, mut n) = (0, 0, 0);
        while i < a.len() && j < b.len() {
            match a[i].cmp(&b[j]) {
                std::cmp::Ordering::Equal => (i, j, n) = (i + 1, j + 1, n + 1),
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
            }
        }
        n
    };
    assert!(
        same * 100 >= a.len() * 95,
        "{same} of {} events the same",
        a.len()
    );
    for e in inline.iter().chain(&apart) {
        let k = e["kind"].as_str().unwrap_or("");
        if a.binary_search(&key(e)).is_err() || b.binary_search(&key(e)).is_err() {
            assert!(k.starts_with("risk."), "only risk events differ: {e}");
        }
    }
    // A lag not below the screening interval.
    let bad = d.join("bad.json");
    std::fs::write(&bad, r#"{"pass_lag_s": 10}"#).expect("config");
    let out = run(&["scan", s(&fleet), "--no-progress", "--config", s(&bad)]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("pass_lag_s"), "{err}");
}

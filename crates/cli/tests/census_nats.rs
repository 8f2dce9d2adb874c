//! Issue 12's census on many machines against a real nats-server: an
//! archive of a simulated fleet (four days, planted encounters, loitering,
//! gaps and spoofers, runs crossing midnight) judged in day shards by 1
//! and by 3 `census-worker`s gives every file the census on one machine
//! writes, byte for byte (tables, summary.json, report.html); a worker
//! killed (`kill -9`) in the middle of a shard loses nothing: the shard is
//! delivered again to another worker. Bad requests are refused plainly.
#![cfg(feature = "parquet")]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use finisterra_broker::harness::NatsServer;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_finisterra")
}

fn tmp(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn finisterra(args: &[&str]) -> String {
    let out = Command::new(bin())
        .args(args)
        .output()
        .expect("run finisterra");
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "finisterra {args:?} failed: {err}");
    err
}

/// A child process killed when dropped: a failed assertion must not leave
/// a worker or a coordinator running (and holding the test's output open).
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl std::ops::Deref for Reaped {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Reaped {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

fn worker(url: &str, log: &Path, prefix: &str) -> Reaped {
    Reaped(
        Command::new(bin())
            .args([
                "census-worker",
                "--nats",
                url,
                "--threads",
                "1",
                "--prefix",
                prefix,
            ])
            .stderr(Stdio::from(std::fs::File::create(log).expect("log")))
            .spawn()
            .expect("census-worker"),
    )
}

/// `census ARCHIVE --nats URL` with its standard error in `log`.
fn spawn_census(arch: &Path, url: &str, prefix: &str, out: &Path, log: &Path) -> Reaped {
    Reaped(
        Command::new(bin())
            .arg("census")
            .arg(arch)
            .args(["--nats", url, "--prefix", prefix, "--out"])
            .arg(out)
            .stderr(Stdio::from(std::fs::File::create(log).expect("log")))
            .spawn()
            .expect("census"),
    )
}

/// Waits until the file `log` holds `needle`; panics with `what` after
/// `limit`.
fn wait_for(log: &Path, needle: &str, limit: Duration, what: &str) {
    let t0 = Instant::now();
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if text.contains(needle) {
            return;
        }
        assert!(t0.elapsed() < limit, "{what}: {text}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every file of a census output directory, by name.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .expect("results")
        .map(|e| {
            let p = e.expect("entry").path();
            (
                p.file_name().expect("name").to_string_lossy().to_string(),
                std::fs::read(&p).expect("read"),
            )
        })
        .collect();
    v.sort();
    v
}

fn same(one: &[(String, Vec<u8>)], other: &Path, what: &str) {
    let other = files(other);
    let names = |v: &[(String, Vec<u8>)]| v.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(one), names(&other), "{what}: the same files");
    for (a, b) in one.iter().zip(&other) {
        assert!(
            a.1 == b.1,
            "{what}: {} differs ({} vs {} bytes)",
            a.0,
            a.1.len(),
            b.1.len()
        );
    }
}

/// The archive of a four-day fleet, and the census of it on one machine.
fn fleet(dir: &Path) -> (PathBuf, Vec<(String, Vec<u8>)>) {
    let nmea = dir.join("fleet.nmea");
    let out = Command::new(bin())
        .args([
            "simulate",
            "--fleet",
            "150",
            "--hours",
            "75",
            "--start",
            "2026-03-01T15:00:00Z",
            "--report-interval",
            "120",
            "--seed",
            "3",
        ])
        .output()
        .expect("simulate");
    assert!(out.status.success());
    std::fs::write(&nmea, &out.stdout).expect("fleet");
    let arch = dir.join("arch");
    finisterra(&[
        "archive",
        "build",
        nmea.to_str().unwrap(),
        "--out",
        arch.to_str().unwrap(),
        "-q",
    ]);
    let one = dir.join("one");
    finisterra(&[
        "census",
        arch.to_str().unwrap(),
        "--out",
        one.to_str().unwrap(),
        "-q",
    ]);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(one.join("summary.json")).expect("summary"))
            .expect("JSON");
    for k in ["near_misses", "encounters", "loitering", "gaps", "spoofing"] {
        assert!(
            summary["counts"][k].as_u64() > Some(0),
            "{k}: {}",
            summary["counts"]
        );
    }
    (arch, files(&one))
}

#[test]
fn one_and_three_census_workers_give_the_census_of_one_machine() {
    let Some(nats) = NatsServer::start_or_skip("census_nats") else {
        return;
    };
    let dir = tmp("census_nats_equal");
    let (arch, one) = fleet(&dir);
    // Spoofing in one shard over the whole archive (the default), and in
    // the day shards (`--spoofing-by-day`: this fleet's episodes are
    // shorter than the 3-day precursor, so the files are the same too).
    for (n, by_day) in [(1, false), (3, false), (2, true)] {
        let prefix = format!("eq{n}");
        let mut workers: Vec<Reaped> = (0..n)
            .map(|i| worker(&nats.url, &dir.join(format!("w{n}-{i}.log")), &prefix))
            .collect();
        let out = dir.join(format!("many{n}"));
        let mut args = vec![
            "census",
            arch.to_str().unwrap(),
            "--nats",
            &nats.url,
            "--prefix",
            &prefix,
            "--out",
            out.to_str().unwrap(),
        ];
        if by_day {
            args.push("--spoofing-by-day");
        }
        let err = finisterra(&args);
        let queued = if by_day {
            "4 day shards queued (3 precursor days each); waiting"
        } else {
            "4 day shards queued (3 precursor days each), and the spoofing shard over every day ("
        };
        assert!(err.contains(queued), "{err}");
        for w in &mut workers {
            let _ = w.kill();
            let _ = w.wait();
        }
        same(&one, &out, &format!("{n} census workers"));
        // The shards were shared (one worker may take two while another
        // is still connecting).
        let judged = (0..n)
            .filter(|i| {
                std::fs::read_to_string(dir.join(format!("w{n}-{i}.log")))
                    .is_ok_and(|log| log.contains("findings,"))
            })
            .count();
        assert!(judged >= n.min(2), "{judged} of {n} workers judged a shard");
    }
}

#[test]
fn a_worker_killed_in_a_shard_loses_nothing() {
    let Some(nats) = NatsServer::start_or_skip("census_nats") else {
        return;
    };
    let dir = tmp("census_nats_kill");
    let (arch, one) = fleet(&dir);
    let prefix = "kill";
    let mut victim = worker(&nats.url, &dir.join("victim.log"), prefix);
    let out = dir.join("many");
    let mut census = spawn_census(&arch, &nats.url, prefix, &out, &dir.join("census.log"));
    // Kill the victim while it judges its first shard.
    wait_for(
        &dir.join("victim.log"),
        "judging shard",
        Duration::from_secs(60),
        "the victim took no shard",
    );
    victim.kill().expect("kill -9");
    let _ = victim.wait();
    let killed = Instant::now();
    let mut rescuer = worker(&nats.url, &dir.join("rescuer.log"), prefix);
    let status = census.wait().expect("census");
    let took = killed.elapsed();
    let _ = rescuer.kill();
    let _ = rescuer.wait();
    assert!(status.success(), "census --nats failed");
    same(&one, &out, "after a kill -9");
    let log = std::fs::read_to_string(dir.join("rescuer.log")).expect("log");
    assert!(
        log.contains("(delivered again)"),
        "the killed shard came back: {log}"
    );
    eprintln!("the census finished {took:.1?} after the kill (ack wait 30 s)");
}

#[test]
fn a_broker_restarted_in_the_middle_loses_nothing() {
    let Some(mut nats) = NatsServer::start_or_skip("census_nats") else {
        return;
    };
    let dir = tmp("census_nats_restart");
    let (arch, one) = fleet(&dir);
    let prefix = "restart";
    let mut w = worker(&nats.url, &dir.join("w.log"), prefix);
    let out = dir.join("many");
    let log = dir.join("census.log");
    let mut census = spawn_census(&arch, &nats.url, prefix, &out, &log);
    // Restart the broker once the first shard is judged.
    wait_for(
        &dir.join("w.log"),
        "findings,",
        Duration::from_secs(120),
        "no shard was judged",
    );
    nats.restart().expect("restart");
    let status = census.wait().expect("census");
    let _ = w.kill();
    let _ = w.wait();
    let err = std::fs::read_to_string(&log).expect("log");
    assert!(
        status.success(),
        "census --nats failed after a broker restart: {err}"
    );
    same(&one, &out, "after a broker restart");
}

#[test]
fn bad_requests_are_refused_plainly() {
    // No broker needed: refused before connecting.
    let dir = tmp("census_nats_bad");
    let nmea = dir.join("x.nmea");
    std::fs::write(&nmea, "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A\n").expect("file");
    let out = Command::new(bin())
        .args([
            "census",
            nmea.to_str().unwrap(),
            "--nats",
            "nats://127.0.0.1:1",
            "--out",
        ])
        .arg(dir.join("o"))
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("is not one: build one with `finisterra archive build"),
        "{err}"
    );
    // A sharding option without shards is a mistake, said so.
    let out = Command::new(bin())
        .args([
            "census",
            nmea.to_str().unwrap(),
            "--spoofing-by-day",
            "--out",
        ])
        .arg(dir.join("o2"))
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("--nats"), "{err}");
}

#[test]
fn a_shard_that_fails_fails_the_census_naming_the_file() {
    let Some(nats) = NatsServer::start_or_skip("census_nats") else {
        return;
    };
    let dir = tmp("census_nats_fail");
    let nmea = dir.join("fleet.nmea");
    let out = Command::new(bin())
        .args([
            "simulate",
            "--fleet",
            "20",
            "--hours",
            "30",
            "--start",
            "2026-03-01T12:00:00Z",
        ])
        .output()
        .expect("simulate");
    std::fs::write(&nmea, &out.stdout).expect("fleet");
    let arch = dir.join("arch");
    finisterra(&[
        "archive",
        "build",
        nmea.to_str().unwrap(),
        "--out",
        arch.to_str().unwrap(),
        "-q",
    ]);
    let log = dir.join("census.log");
    let mut census = spawn_census(&arch, &nats.url, "fail", &dir.join("o"), &log);
    wait_for(&log, "queued", Duration::from_secs(60), "nothing queued");
    // The second day's positions vanish before any worker reads them.
    let day = arch.join("positions/day=2026-03-02");
    let part = std::fs::read_dir(&day)
        .expect("day")
        .next()
        .expect("a part")
        .expect("entry")
        .path();
    std::fs::remove_file(&part).expect("remove");
    let mut w = worker(&nats.url, &dir.join("w.log"), "fail");
    let status = census.wait().expect("census");
    let _ = w.kill();
    let _ = w.wait();
    let err = std::fs::read_to_string(&log).expect("log");
    assert!(
        !status.success(),
        "the census succeeded without a day: {err}"
    );
    assert!(
        err.contains("census worker failed on shard") && err.contains(&part.display().to_string()),
        "{err}"
    );
}

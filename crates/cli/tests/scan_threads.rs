//! `scan` decodes on a thread of its own when it has more than one (the
//! engine takes the messages in batches): the events and the summary are
//! those of one thread, byte for byte, over several inputs (gzip NMEA, a
//! Mode S CSV, plain NMEA), whatever the number of threads. And a run
//! whose inputs hold no message it can judge is an error that says why
//! and what to do, on one thread or several.

use std::io::Write;
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
    let out = Command::new(env!("CARGO_BIN_EXE_finisterra"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run finisterra");
    assert!(
        out.status.success(),
        "finisterra {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

#[test]
fn scan_gives_the_same_events_whatever_the_threads() {
    let d = tmp("scan_threads");
    let fleet = d.join("fleet.nmea");
    run(&[
        "simulate",
        "--fleet",
        "300",
        "--hours",
        "1",
        "--seed",
        "7",
        "--report-interval",
        "10",
        "--out",
        s(&fleet),
    ]);
    // The fleet gzipped: the decoding thread reads and decompresses too.
    let gz = d.join("fleet.nmea.gz");
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&gz).expect("create gz"),
        flate2::Compression::fast(),
    );
    enc.write_all(&std::fs::read(&fleet).expect("read fleet"))
        .expect("gzip");
    enc.finish().expect("gzip end");
    let (air, ais) = (d.join("air.csv"), d.join("ais.nmea"));
    run(&[
        "simulate",
        "examples/finisterre.json",
        "--air",
        s(&air),
        "-o",
        s(&ais),
    ]);
    let scan = |threads: &str| {
        let out = run(&[
            "scan",
            "--no-progress",
            "--summary",
            "--threads",
            threads,
            s(&gz),
            s(&air),
            s(&ais),
        ]);
        (out.stdout, out.stderr)
    };
    let one = scan("1");
    let text = String::from_utf8_lossy(&one.0);
    let count = |kind: &str| {
        text.lines()
            .filter(|l| l.contains(&format!("\"kind\":\"{kind}\"")))
            .count()
    };
    // Enough of everything that a batch boundary falls among the events.
    assert!(count("risk.raised") > 20, "{} risks", count("risk.raised"));
    assert_eq!(count("air.conflict.raised"), 8);
    assert!(String::from_utf8_lossy(&one.1).contains("messages "));
    for threads in ["2", "3"] {
        let many = scan(threads);
        assert!(
            many.0 == one.0,
            "--threads {threads}: other events than one thread's"
        );
        assert_eq!(
            String::from_utf8_lossy(&many.1),
            String::from_utf8_lossy(&one.1),
            "--threads {threads}: another summary"
        );
    }
}

#[test]
fn a_scan_of_nothing_it_can_judge_says_why_and_fails() {
    let d = tmp("scan_nothing");
    let csv = d.join("positions.csv");
    std::fs::write(
        &csv,
        "MMSI,BaseDateTime,LAT,LON\n366999999,2023-01-01T00:00:00,29.7,-94.9\n",
    )
    .unwrap();
    let untimed = d.join("untimed.nmea");
    std::fs::write(
        &untimed,
        "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A\n",
    )
    .unwrap();
    let timed = d.join("timed.nmea");
    std::fs::write(
        &timed,
        "\\s:2573345,c:1425168000*00\\!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A\n",
    )
    .unwrap();
    let scan = |files: &[&Path], threads: &str| {
        let mut args = vec!["scan", "--no-progress", "--threads", threads];
        args.extend(files.iter().map(|p| s(p)));
        Command::new(env!("CARGO_BIN_EXE_finisterra"))
            .args(&args)
            .current_dir(root())
            .output()
            .expect("run finisterra")
    };
    for threads in ["1", "2"] {
        let out = scan(&[&csv], threads);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{err}");
        assert!(
            err.contains("positions.csv: no AIS or Mode S message in 2 lines"),
            "{err}"
        );
        assert!(err.contains("line 1: not an NMEA sentence"), "{err}");
        assert!(err.contains("archive build"), "{err}");
        let out = scan(&[&untimed], threads);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{err}");
        assert!(err.contains("--rate"), "{err}");
        // One input of several with nothing: a warning naming it, and the
        // others judged.
        let out = scan(&[&csv, &timed], threads);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{err}");
        assert!(
            err.contains("warning: ") && err.contains("positions.csv"),
            "{err}"
        );
    }
    // An empty input is no error.
    let empty = d.join("empty.nmea");
    std::fs::write(&empty, "").unwrap();
    assert!(scan(&[&empty], "1").status.success());
}

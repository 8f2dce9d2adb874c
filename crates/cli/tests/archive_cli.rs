//! `finisterra archive build` end to end: a simulated fleet decoded once
//! into Parquet by day; `census` reading the archive gives the same tables,
//! byte for byte, as reading the NMEA; a new day appended rewrites nothing;
//! a missing, truncated or foreign file, or an archive of another layout
//! version, is an error naming the file; DuckDB, pandas and polars read the
//! files as they are (when installed).
#![cfg(feature = "parquet")]

use std::collections::BTreeMap;
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

fn run(args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_finisterra"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run finisterra");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

fn finisterra(args: &[&str]) -> String {
    let (ok, err) = run(args);
    assert!(ok, "finisterra {args:?} failed: {err}");
    err
}

fn finisterra_fails(args: &[&str]) -> String {
    let (ok, err) = run(args);
    assert!(!ok, "finisterra {args:?} should fail");
    err
}

/// The census tables of `inputs` (and `extra` options) in `out`, quietly.
fn tables(inputs: &[&Path], out: &Path, extra: &[&str]) {
    let mut args = vec!["census"];
    args.extend(inputs.iter().map(|p| s(p)));
    args.extend(["--out", s(out), "--no-progress", "-q", "--no-report"]);
    args.extend(extra);
    finisterra(&args);
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn simulate(out: &Path, start: &str, hours: &str, seed: &str) {
    finisterra(&[
        "simulate",
        "--fleet",
        "80",
        "--hours",
        hours,
        "--seed",
        seed,
        "--start",
        start,
        "--report-interval",
        "60",
        "--out",
        s(out),
    ]);
}

/// Every file under `dir` (relative path → bytes).
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .expect("under")
                    .to_string_lossy()
                    .to_string();
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    out
}

/// The census's tables of two result directories are the same, byte for
/// byte, and so is `summary.json` but for its `input` (file names).
fn same_results(a: &Path, b: &Path) {
    let (fa, fb) = (files(a), files(b));
    assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
    let mut tables = 0;
    for (name, x) in &fa {
        if name == "summary.json" {
            let mut x: serde_json::Value = serde_json::from_slice(x).unwrap();
            let mut y: serde_json::Value = serde_json::from_slice(&fb[name]).unwrap();
            x["input"] = serde_json::Value::Null;
            y["input"] = serde_json::Value::Null;
            assert_eq!(x, y, "summary.json");
        } else {
            assert!(*x == fb[name], "{name} differs");
            tables += 1;
        }
    }
    assert!(
        tables >= 15,
        "jsonl, csv and parquet of five kinds: {tables}"
    );
}

#[test]
fn the_census_reads_an_archive_as_it_reads_the_nmea() {
    let d = tmp("archive_same");
    let nmea = d.join("fleet.nmea.gz");
    simulate(&nmea, "2026-01-05T22:00:00Z", "4", "4");
    let arch = d.join("arch");
    let err = finisterra(&["archive", "build", s(&nmea), "--out", s(&arch)]);
    assert!(err.contains("archived"), "{err}");
    let f = files(&arch);
    // Two days (the fleet crosses midnight), positions and static data.
    for p in [
        "finisterra-archive.json",
        "positions/day=2026-01-05/part-0.parquet",
        "positions/day=2026-01-06/part-0.parquet",
        "static/day=2026-01-05/part-0.parquet",
        "static/day=2026-01-06/part-0.parquet",
    ] {
        assert!(f.contains_key(p), "{p} in {:?}", f.keys());
    }
    for (name, bytes) in &f {
        if name.ends_with(".parquet") {
            assert!(
                bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"),
                "{name}"
            );
        }
    }
    let m: serde_json::Value = serde_json::from_slice(&f["finisterra-archive.json"]).unwrap();
    let rows: u64 = m["positions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["rows"].as_u64().unwrap())
        .sum();
    let input = &m["builds"][0]["input"];
    assert!(rows > 10_000, "{rows}");
    assert_eq!(input["lines"], input["files"][0]["lines"]);
    // The same archive cut into parts of 3,000 rows (each sorted by
    // vessel and time, read one at a time).
    let cut = d.join("cut");
    finisterra(&[
        "archive",
        "build",
        s(&nmea),
        "--out",
        s(&cut),
        "--part-rows",
        "3000",
        "-q",
    ]);
    let parts = files(&cut)
        .keys()
        .filter(|k| k.starts_with("positions/day=2026-01-06/"))
        .count();
    assert!(parts >= 3, "{parts} parts");
    let err = finisterra_fails(&[
        "archive",
        "build",
        s(&nmea),
        "--out",
        s(&d.join("zero")),
        "--part-rows",
        "0",
    ]);
    assert!(err.contains("--part-rows"), "{err}");
    // The census on the NMEA and on the archives: the same tables.
    let (a, b, c) = (d.join("a"), d.join("b"), d.join("c"));
    for (input, out) in [(&nmea, &a), (&arch, &b), (&cut, &c)] {
        tables(&[input], out, &[]);
    }
    same_results(&a, &b);
    same_results(&a, &c);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(b.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["input"]["files"][0]["format"], "archive");
    // `scan` too: the same events from the archive as from the NMEA (the
    // fleet sends position and static reports only).
    let scan = |input: &Path| {
        let out = Command::new(env!("CARGO_BIN_EXE_finisterra"))
            .args(["scan", s(input), "--no-progress"])
            .current_dir(root())
            .output()
            .expect("scan");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let (x, y) = (scan(&nmea), scan(&arch));
    assert!(x.len() > 1000, "events: {} bytes", x.len());
    assert!(x == y, "scan of the archive differs from scan of the NMEA");
    assert!(x == scan(&cut), "scan of the cut archive differs");
    assert!(summary["counts"]["spoofing"].as_u64() > Some(0));
}

#[test]
fn appending_a_day_rewrites_nothing() {
    let d = tmp("archive_append");
    let (day1, day2) = (d.join("day1.nmea.gz"), d.join("day2.nmea.gz"));
    simulate(&day1, "2026-03-01T09:00:00Z", "2", "5");
    simulate(&day2, "2026-03-02T09:00:00Z", "2", "6");
    let arch = d.join("arch");
    finisterra(&["archive", "build", s(&day1), "--out", s(&arch), "-q"]);
    let before = files(&arch);
    let old: Vec<(String, std::time::SystemTime)> = before
        .keys()
        .filter(|k| k.ends_with(".parquet"))
        .map(|k| {
            (
                k.clone(),
                std::fs::metadata(arch.join(k)).unwrap().modified().unwrap(),
            )
        })
        .collect();
    assert_eq!(old.len(), 2);
    finisterra(&["archive", "build", s(&day2), "--out", s(&arch), "-q"]);
    let after = files(&arch);
    for (k, t) in &old {
        assert!(before[k] == after[k], "{k} rewritten");
        assert_eq!(
            std::fs::metadata(arch.join(k)).unwrap().modified().unwrap(),
            *t,
            "{k}"
        );
    }
    assert!(after.contains_key("positions/day=2026-03-02/part-0.parquet"));
    let m: serde_json::Value = serde_json::from_slice(&after["finisterra-archive.json"]).unwrap();
    assert_eq!(m["builds"].as_array().unwrap().len(), 2);
    // Reading order goes on across builds.
    assert!(m["positions"][1]["seq"][0].as_u64() > m["positions"][0]["seq"][1].as_u64());
    // The archive of both days gives the census of both inputs.
    let (a, b) = (d.join("a"), d.join("b"));
    tables(&[&day1, &day2], &a, &[]);
    tables(&[&arch], &b, &[]);
    same_results(&a, &b);
    // More rows for a day already archived: a new part, the old one kept.
    finisterra(&["archive", "build", s(&day1), "--out", s(&arch), "-q"]);
    let again = files(&arch);
    assert!(again.contains_key("positions/day=2026-03-01/part-1.parquet"));
    assert!(
        again["positions/day=2026-03-01/part-0.parquet"]
            == before["positions/day=2026-03-01/part-0.parquet"]
    );
}

#[test]
fn bad_archives_are_errors_naming_the_file() {
    let d = tmp("archive_bad");
    let nmea = d.join("fleet.nmea.gz");
    simulate(&nmea, "2026-02-01T10:00:00Z", "1", "7");
    let good = d.join("good");
    finisterra(&["archive", "build", s(&nmea), "--out", s(&good), "-q"]);
    let part = "positions/day=2026-02-01/part-0.parquet";
    let copy = |name: &str| {
        let to = d.join(name);
        for (k, v) in files(&good) {
            let p = to.join(&k);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, v).unwrap();
        }
        to
    };
    let census = |arch: &Path| {
        finisterra_fails(&[
            "census",
            s(arch),
            "--out",
            s(&d.join("out")),
            "--no-progress",
            "-q",
        ])
    };
    // A day missing.
    let missing = copy("missing");
    std::fs::remove_file(missing.join(part)).unwrap();
    let err = census(&missing);
    assert!(err.contains(part) && err.contains("missing"), "{err}");
    // Truncated.
    let truncated = copy("truncated");
    let bytes = std::fs::read(truncated.join(part)).unwrap();
    std::fs::write(truncated.join(part), &bytes[..bytes.len() / 2]).unwrap();
    let err = census(&truncated);
    assert!(err.contains(part), "{err}");
    // Foreign: a census table where a part should be.
    let foreign = copy("foreign");
    let census_out = d.join("tables");
    tables(&[&nmea], &census_out, &[]);
    std::fs::copy(census_out.join("spoofing.parquet"), foreign.join(part)).unwrap();
    let err = census(&foreign);
    assert!(err.contains(part) && err.contains("no column"), "{err}");
    // Another layout version.
    let old = copy("old");
    let mf = old.join("finisterra-archive.json");
    let text = std::fs::read_to_string(&mf)
        .unwrap()
        .replace("\"version\": 1", "\"version\": 0");
    std::fs::write(&mf, text).unwrap();
    let err = census(&old);
    assert!(
        err.contains("finisterra-archive.json") && err.contains("version 0"),
        "{err}"
    );
    // A directory that is no archive, and building into a foreign one.
    let err = census(&census_out);
    assert!(err.contains("not a finisterra archive"), "{err}");
    let err = finisterra_fails(&["archive", "build", s(&nmea), "--out", s(&census_out)]);
    assert!(err.contains("not an archive"), "{err}");
}

#[test]
fn duckdb_pandas_and_polars_read_the_archive_as_it_is() {
    let probe = Command::new("python3")
        .args(["-c", "import duckdb, pandas, pyarrow, polars"])
        .output();
    if !probe.map(|o| o.status.success()).unwrap_or(false) {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI: python3 with duckdb, pandas, pyarrow and polars is needed"
        );
        eprintln!("SKIP: python3 with duckdb, pandas, pyarrow and polars not installed");
        return;
    }
    let d = tmp("archive_python");
    let nmea = d.join("fleet.nmea.gz");
    simulate(&nmea, "2026-01-05T23:00:00Z", "2", "8");
    let arch = d.join("arch");
    finisterra(&["archive", "build", s(&nmea), "--out", s(&arch), "-q"]);
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(arch.join("finisterra-archive.json")).unwrap())
            .unwrap();
    let rows: u64 = m["positions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["rows"].as_u64().unwrap())
        .sum();
    let script = r#"
import sys, duckdb, pandas as pd, polars as pl
d = sys.argv[1]
n1 = duckdb.sql(f"select count(*), count(distinct day), min(time), max(sog_kn) from read_parquet('{d}/positions/*/*.parquet', hive_partitioning=true)").fetchall()[0]
df = pd.read_parquet(f"{d}/positions")
n3 = pl.read_parquet(f"{d}/positions/**/*.parquet", hive_partitioning=True).height
st = pd.read_parquet(f"{d}/static")
assert str(df["time"].dtype) == "datetime64[ms, UTC]", df["time"].dtype
assert df["mmsi"].is_monotonic_increasing or df["day"].nunique() > 1
print(n1[0], n1[1], len(df), n3, len(st), sorted(df.columns)[:3])
"#;
    let out = Command::new("python3")
        .args(["-c", script, s(&arch)])
        .output()
        .expect("python3");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let f: Vec<&str> = text.split_whitespace().collect();
    assert_eq!(f[0], rows.to_string(), "DuckDB: {text}");
    assert_eq!(f[1], "2", "two days: {text}");
    assert_eq!(f[2], rows.to_string(), "pandas: {text}");
    assert_eq!(f[3], rows.to_string(), "polars: {text}");
    assert!(f[4].parse::<u64>().unwrap() > 0, "static: {text}");
}

#[test]
fn every_detector_from_the_index_is_the_census_of_the_positions() {
    let d = tmp("archive_index");
    let nmea = d.join("fleet.nmea.gz");
    finisterra(&[
        "simulate",
        "--fleet",
        "300",
        "--hours",
        "24",
        "--seed",
        "9",
        "--start",
        "2026-04-01T20:00:00Z",
        "--report-interval",
        "300",
        "--out",
        s(&nmea),
    ]);
    let arch = d.join("arch");
    finisterra(&["archive", "build", s(&nmea), "--out", s(&arch), "-q"]);
    let err = finisterra(&["archive", "index", s(&arch), "--min-gap-hours", "0.5"]);
    assert!(err.contains("close pairs"), "{err}");
    let idx = arch.join("index");
    for f in [
        "index.json",
        "pairs-0-0.parquet",
        "pairs-3-3.parquet",
        "instants.parquet",
        "events.parquet",
        "gaps.parquet",
        "loitering.parquet",
        "spoofing.cbor",
    ] {
        assert!(idx.join(f).exists(), "{f}");
    }
    let census = |out: &Path, extra: &[&str]| -> String {
        let mut args = vec!["census", s(&arch), "--out", s(out), "--no-progress"];
        args.extend_from_slice(extra);
        finisterra(&args)
    };
    // Every file of the results equal, from the index and from the
    // positions, with the default thresholds and with others.
    // Encounters near the coast too (the shore classes of the pairs are
    // then read).
    let (near, port) = (d.join("near.json"), d.join("port.json"));
    std::fs::write(&near, r#"{"encounter": {"min_shore_distance_m": 3000}}"#).expect("config");
    std::fs::write(&port, r#"{"encounter": {"min_shore_distance_m": 0}}"#).expect("config");
    let anywhere = d.join("anywhere.json");
    std::fs::write(
        &anywhere,
        r#"{"loitering": {"max_sog_kn": 1, "min_shore_distance_nm": 0}}"#,
    )
    .expect("config");
    let variants: [&[&str]; 17] = [
        &["--only", "encounters"],
        &["--only", "encounters", "--config", s(&near)],
        &["--only", "encounters", "--config", s(&port)],
        &[
            "--only",
            "encounters",
            "--encounter-m",
            "2000",
            "--encounter-hours",
            "1",
        ],
        &[
            "--only",
            "encounters",
            "--encounter-m",
            "300",
            "--encounter-hours",
            "5",
        ],
        &[
            "--only",
            "gaps",
            "--gap-hours",
            "0.5",
            "--gap-shore-nm",
            "5",
        ],
        &["--only", "encounters,gaps", "--gap-hours", "1"],
        &["--only", "gaps"],
        &["--only", "near_misses"],
        &["--only", "near_misses", "--near-miss-nm", "0.3"],
        &["--only", "near_misses", "--near-miss-criterion", "domain"],
        &[
            "--only",
            "near_misses,encounters,gaps",
            "--near-miss-nm",
            "0.2",
        ],
        &["--only", "loitering"],
        &[
            "--only",
            "loitering",
            "--loiter-hours",
            "1",
            "--config",
            s(&anywhere),
        ],
        &["--only", "spoofing"],
        &[],
        &[
            "--near-miss-nm",
            "0.3",
            "--loiter-hours",
            "2",
            "--gap-hours",
            "6",
        ],
    ];
    let mut counts = Vec::new();
    for (i, extra) in variants.iter().enumerate() {
        let (a, b) = (d.join(format!("index{i}")), d.join(format!("positions{i}")));
        let err = census(&a, extra);
        assert!(err.contains("answered from the index"), "{err}");
        let mut without = extra.to_vec();
        without.push("--no-index");
        let err = census(&b, &without);
        assert!(!err.contains("answered from the index"), "{err}");
        let (fa, fb) = (files(&a), files(&b));
        assert_eq!(fa.keys().collect::<Vec<_>>(), fb.keys().collect::<Vec<_>>());
        for (name, x) in &fa {
            assert!(*x == fb[name], "{name} differs ({extra:?})");
        }
        let summary: serde_json::Value =
            serde_json::from_slice(&fa["summary.json"]).expect("summary");
        counts.push((
            summary["counts"]["encounters"].as_u64().expect("count"),
            summary["counts"]["gaps"].as_u64().expect("count"),
            summary["counts"]["near_misses"].as_u64().expect("count"),
            summary["counts"]["loitering"].as_u64().expect("count"),
            summary["counts"]["spoofing"].as_u64().expect("count"),
        ));
    }
    assert!(
        counts[13].3 > counts[12].3,
        "loitering anywhere for an hour: {counts:?}"
    );
    assert!(counts[14].4 > 0, "the fleet spoofs: {counts:?}");
    let err = census(
        &d.join("inland"),
        &["--only", "spoofing", "--inland-water", "none"],
    );
    assert!(err.contains("inland waters"), "{err}");
    let fast = d.join("fast.json");
    std::fs::write(&fast, r#"{"loitering": {"max_sog_kn": 5}}"#).expect("config");
    let err = census(
        &d.join("fast"),
        &["--only", "loitering", "--config", s(&fast)],
    );
    assert!(
        err.contains("cannot answer this census: loitering.max_sog_kn"),
        "{err}"
    );
    assert!(counts[0].0 > 0, "the fleet has encounters: {counts:?}");
    assert!(
        counts[2].0 > counts[0].0,
        "encounters off the ports: {counts:?}"
    );
    assert!(
        counts[3].0 >= counts[0].0 && counts[4].0 < counts[0].0,
        "the thresholds matter: {counts:?}"
    );
    assert!(counts[7].1 > 0, "the fleet has gaps: {counts:?}");
    assert!(
        counts[8].2 > counts[9].2 && counts[9].2 > 0,
        "near misses, fewer at 0.3 NM: {counts:?}"
    );
    let err = census(
        &d.join("wide"),
        &["--only", "near_misses", "--near-miss-nm", "1.5"],
    );
    assert!(
        err.contains("cannot answer this census: near_miss.distance_nm"),
        "{err}"
    );
    assert!(counts[5].1 >= counts[7].1, "shorter gaps: {counts:?}");
    // Beyond the index: the positions are read, and the reason said.
    let err = census(
        &d.join("far"),
        &["--only", "encounters", "--encounter-m", "3000"],
    );
    assert!(
        err.contains("cannot answer this census: encounter.max_distance_m"),
        "{err}"
    );
    let err = census(&d.join("short"), &["--only", "gaps", "--gap-hours", "0.25"]);
    assert!(
        err.contains("cannot answer this census: gap.min_duration_s"),
        "{err}"
    );
    // A damaged table: said, naming it, and the positions read instead.
    let table = idx.join("pairs-0-3.parquet");
    let bytes = std::fs::read(&table).expect("pairs table");
    std::fs::write(&table, &bytes[..bytes.len() / 2]).expect("truncate");
    let (a, b) = (d.join("damaged"), d.join("positions0"));
    let err = census(&a, &["--only", "encounters"]);
    assert!(
        err.contains("pairs-0-3.parquet") && err.contains("reading the positions"),
        "{err}"
    );
    assert!(files(&a) == files(&b), "the damaged index is not used");
    let table = idx.join("near-misses-0.cbor");
    let bytes = std::fs::read(&table).expect("near-miss candidates");
    std::fs::write(&table, &bytes[..bytes.len() / 2]).expect("truncate");
    let (a, b) = (d.join("damaged_nm"), d.join("positions8"));
    let err = census(&a, &["--only", "near_misses"]);
    assert!(
        err.contains("near-misses-0.cbor") && err.contains("reading the positions"),
        "{err}"
    );
    assert!(files(&a) == files(&b), "the damaged index is not used");
    for (file, kind, positions) in [
        ("loitering.parquet", "loitering", "positions12"),
        ("spoofing.cbor", "spoofing", "positions14"),
    ] {
        let table = idx.join(file);
        let bytes = std::fs::read(&table).expect(file);
        std::fs::write(&table, &bytes[..bytes.len() / 2]).expect("truncate");
        let (a, b) = (d.join(format!("damaged_{kind}")), d.join(positions));
        let err = census(&a, &["--only", kind]);
        assert!(
            err.contains(file) && err.contains("reading the positions"),
            "{err}"
        );
        assert!(files(&a) == files(&b), "the damaged index is not used");
    }
    // A day appended: the index is older than the archive and not used.
    finisterra(&["archive", "index", s(&arch), "-q"]);
    let more = d.join("more.nmea.gz");
    simulate(&more, "2026-04-03T09:00:00Z", "1", "10");
    finisterra(&["archive", "build", s(&more), "--out", s(&arch), "-q"]);
    let err = census(&d.join("stale"), &["--only", "gaps"]);
    assert!(err.contains("was built for"), "{err}");
}

#[test]
fn an_archive_of_minute_times_judges_speeds_as_the_census_of_its_csv() {
    // Three vessels at 20 kn, each reporting twice a minute (at 0 and 40 s)
    // in a CSV stamped by the minute only: two fixes 411 m apart under one
    // time. With the minute's resolution that is motion, not a teleport;
    // the archive must keep that resolution for its census.
    let d = tmp("archive_minutes");
    let csv = d.join("minutes.csv");
    let m_per_deg = 1_852.0 * 60.0;
    let mut text = String::from("ID,when,lon,lat\n");
    for v in 0..3u32 {
        for k in 0..150u32 {
            for sec in [0.0, 40.0] {
                let t_s = f64::from(k) * 60.0 + sec;
                let lat = 43.0 + f64::from(v) * 0.1 + 20.0 * 1_852.0 / 3_600.0 * t_s / m_per_deg;
                text += &format!(
                    "{},05/01/2026 {:02}:{:02},-9.5,{lat:.6}\n",
                    v + 1,
                    10 + k / 60,
                    k % 60
                );
            }
        }
    }
    std::fs::write(&csv, text).unwrap();
    let how = [
        "--csv-columns",
        "mmsi=ID,time=when,lon=lon,lat=lat",
        "--time-format",
        "%d/%m/%Y %H:%M",
    ];
    let arch = d.join("arch");
    let mut build = vec!["archive", "build", s(&csv), "--out", s(&arch), "-q"];
    build.extend(how);
    finisterra(&build);
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(arch.join("finisterra-archive.json")).unwrap())
            .unwrap();
    assert_eq!(m["builds"][0]["time_resolution_s"], 60.0);
    let (a, b) = (d.join("a"), d.join("b"));
    tables(&[&csv], &a, &how);
    tables(&[&arch], &b, &[]);
    same_results(&a, &b);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(b.join("summary.json")).unwrap()).unwrap();
    assert_eq!(
        summary["thresholds"]["time_resolution_s"], 60.0,
        "{summary}"
    );
    let spoofing = std::fs::read_to_string(b.join("spoofing.jsonl")).unwrap();
    assert!(!spoofing.contains("teleport"), "{spoofing}");
    // `scan` of the archive judges the fixes with the minute too.
    let out = Command::new(env!("CARGO_BIN_EXE_finisterra"))
        .args(["scan", s(&arch), "--no-progress", "--summary"])
        .current_dir(root())
        .output()
        .expect("scan");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("positions_accepted 900"), "{err}");
    assert!(!err.contains("teleport"), "{err}");
}

#[test]
fn a_failed_build_leaves_the_directory_as_it_was() {
    let d = tmp("archive_failed");
    let (day1, day2) = (d.join("day1.nmea.gz"), d.join("day2.nmea.gz"));
    simulate(&day1, "2026-03-01T09:00:00Z", "2", "5");
    simulate(&day2, "2026-03-02T09:00:00Z", "2", "6");
    // A CSV whose columns are not mapped: it fails once the NMEA, read
    // first, has had files of 1,000 rows written.
    let bad = d.join("z.csv");
    std::fs::write(&bad, "a,b,c\n1,2,3\n").unwrap();
    let arch = d.join("arch");
    fn build<'a>(inputs: &[&'a Path], arch: &'a Path) -> Vec<&'a str> {
        let mut args = vec!["archive", "build"];
        args.extend(inputs.iter().map(|p| s(p)));
        args.extend(["--out", s(arch), "--part-rows", "1000", "-q"]);
        args
    }
    let err = finisterra_fails(&build(&[&day1, &bad], &arch));
    assert!(
        err.contains("nothing was archived, the directory is as it was") && err.contains("z.csv"),
        "{err}"
    );
    assert!(!arch.exists(), "{:?}", files(&arch).keys());
    // The same directory takes the build again.
    finisterra(&build(&[&day1], &arch));
    let before = files(&arch);
    assert!(before.len() > 5, "{:?}", before.keys());
    // An append that fails: the archive as it was, file for file.
    let err = finisterra_fails(&build(&[&day2, &bad], &arch));
    assert!(err.contains("the directory is as it was"), "{err}");
    assert!(files(&arch) == before, "{:?}", files(&arch).keys());
    // Nothing to archive: the main reason and its fix, as `census` says
    // them; most rows refused for one reason: a warning.
    let times = d.join("times.csv");
    std::fs::write(
        &times,
        "MMSI,BaseDateTime,LAT,LON\n224000001,01/03/2026 10:00,43.0,-9.5\n224000001,01/03/2026 10:01,43.001,-9.5\n",
    )
    .unwrap();
    let fresh = d.join("fresh");
    let err = finisterra_fails(&["archive", "build", s(&times), "--out", s(&fresh)]);
    assert!(
        err.contains("2 of 3 input lines rejected as input.csv.rejected.bad_time")
            && err.contains("--time-format"),
        "{err}"
    );
    assert!(!fresh.exists());
    std::fs::write(
        &times,
        "MMSI,BaseDateTime,LAT,LON\n224000001,2026-03-01T10:00:00,43.0,-9.5\n224000001,01/03/2026 10:01,43.001,-9.5\n224000001,01/03/2026 10:02,43.002,-9.5\n224000001,01/03/2026 10:03,43.003,-9.5\n",
    )
    .unwrap();
    let (ok, err) = run(&["archive", "build", s(&times), "--out", s(&fresh)]);
    assert!(ok, "{err}");
    assert!(
        err.contains("warning: 3 of 5 input lines rejected as input.csv.rejected.bad_time"),
        "{err}"
    );
}

//! `finisterra decode --modes` / `--beast`: Mode S in, readsb names out,
//! bad records counted with their reason and named with their place.

use std::io::Write;
use std::process::{Command, Stdio};

use finisterra_sim::air::{air_frames, beast_bytes, csv_line, AircraftSpec};

fn spec() -> AircraftSpec {
    AircraftSpec {
        icao: "4ca1b2".into(),
        callsign: "EIN12A".into(),
        category: Some("A3".into()),
        lat: 43.2,
        lon: -9.4,
        alt_ft: 35_000.0,
        gs_kn: 450.0,
        track_deg: 45.0,
        rate_fpm: 0.0,
        level_off_ft: None,
        turn_deg_s: 0.0,
        from_s: 0.0,
        until_s: None,
    }
}

fn run(args: &[&str], input: &[u8]) -> (String, String, bool) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_finisterra"))
        .arg("decode")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run finisterra");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.success(),
    )
}

#[test]
fn text_frames_decode_to_readsb_names_and_garbage_is_counted() {
    let frames = air_frames(&[spec()], 1_796_000_000_000, 12.0).unwrap();
    let mut text = String::from("# a comment\n");
    for f in &frames {
        text.push_str(&csv_line(f));
        text.push('\n');
    }
    text.push_str("*8D4CA1B2ZZ;\n*8D4CA1B2;\n");
    let (out, err, ok) = run(&["--modes", "--stats"], text.as_bytes());
    assert!(ok, "{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    assert_eq!(lines.len(), frames.len());
    assert!(lines.iter().all(|v| v["hex"] == "4ca1b2"));
    let pos = lines
        .iter()
        .find(|v| v.get("lat").is_some())
        .expect("a position");
    assert!((pos["lat"].as_f64().unwrap() - 43.2).abs() < 0.05);
    assert_eq!(pos["alt_baro"], 35_000);
    assert!(lines
        .iter()
        .any(|v| v["flight"] == "EIN12A  " && v["category"] == "A3"));
    assert!(lines
        .iter()
        .any(|v| v["gs"].as_f64().is_some_and(|g| (g - 450.0).abs() < 1.0)));
    assert!(err.contains("rejected.bad_hex 1"), "{err}");
    assert!(err.contains("rejected 2"), "{err}");
}

#[test]
fn beast_binary_decodes_with_escapes() {
    let frames = air_frames(&[spec()], 1_796_000_000_000, 6.0).unwrap();
    let mut bytes = Vec::new();
    for (i, f) in frames.iter().enumerate() {
        // A counter that contains 0x1a bytes, to exercise the escapes.
        beast_bytes(
            0x1a1a_0000 + i as u64 * 6_000_000,
            0x1a,
            &f.frame,
            &mut bytes,
        );
    }
    bytes.extend_from_slice(&[0x1a, b'9', 1, 2, 3]);
    let (out, err, ok) = run(&["--beast", "--stats"], &bytes);
    assert!(ok, "{err}");
    assert_eq!(out.lines().count(), frames.len(), "{err}");
    assert!(out.contains("\"lat\":43.2"), "{out}");
}

#[test]
fn a_scenarios_aircraft_are_simulated_and_scanned_into_air_conflicts() {
    let dir = std::env::temp_dir().join(format!("fin-air-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let air = dir.join("air.csv");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new(env!("CARGO_BIN_EXE_finisterra"))
        .arg("simulate")
        .arg(root.join("examples/finisterre.json"))
        .arg("--air")
        .arg(&air)
        .arg("-o")
        .arg(dir.join("ais.nmea"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new(env!("CARGO_BIN_EXE_finisterra"))
        .arg("scan")
        .arg(&air)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let count = |k: &str| events.iter().filter(|e| e["kind"] == k).count();
    // Seven head-on pairs and one climbing through a level.
    assert_eq!(count("air.conflict.raised"), 8);
    assert_eq!(count("air.conflict.cleared"), 8);
    assert!(events
        .iter()
        .any(|e| e["vertical"] == "climbing_into" && e["mover"] == "34510a"));
    let _ = std::fs::remove_dir_all(&dir);
}

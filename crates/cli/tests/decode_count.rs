//! `finisterra decode --count` takes a path of its own (nothing written,
//! one thread): its counts must be those of the decoding that writes, on
//! one thread and on several, garbage included.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// Runs `finisterra decode ARGS -` on `input`: (stdout, stderr).
fn decode(args: &[&str], input: &[u8]) -> (String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_finisterra"))
        .arg("decode")
        .args(args)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run finisterra");
    let mut stdin = child.stdin.take().unwrap();
    let data = input.to_vec();
    let feeder = std::thread::spawn(move || stdin.write_all(&data));
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap().unwrap();
    assert!(out.status.success(), "decode {args:?} failed");
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn count_of(counts: &str, key: &str) -> u64 {
    counts
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no `{key}` in:\n{counts}"))
}

#[test]
fn counting_only_gives_the_counts_of_the_decoding_that_writes() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ais/tests/fixtures");
    let mut input = Vec::new();
    for f in ["gpsd/sample.aivdm", "streams/norwegian_kystverket.raw"] {
        input.extend(std::fs::read(fixtures.join(f)).unwrap());
        input.push(b'\n');
    }
    // Garbage as feeds have it: a broken checksum, a lost second
    // fragment, a line that is not NMEA, a bad payload character, a
    // group that the input's end leaves incomplete.
    input.extend_from_slice(
        b"!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4B\n\
          !AIVDM,2,1,7,B,55P5TL01VIaAL@7WKO@mBplU@<PDhh000000001S;AJ::4A80?4i@E53,0*3E\n\
          not a sentence\n\
          !AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208C~,0*0B\n\
          !AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A\n\
          !AIVDM,2,1,3,B,55P5TL01VIaAL@7WKO@mBplU@<PDhh000000001S;AJ::4A80?4i@E53,0*3E\n",
    );
    let (one, _) = decode(&["--count", "--threads", "1"], &input);
    let (two, _) = decode(&["--count", "--threads", "2"], &input);
    let (json, stats) = decode(&["--stats", "--threads", "1"], &input);
    assert_eq!(one, two, "counts on one and two threads");
    assert_eq!(one, stats, "counts alone and while writing JSON");
    assert_eq!(count_of(&one, "messages"), json.lines().count() as u64);
    assert!(count_of(&one, "messages") > 250, "{one}");
    assert!(count_of(&one, "rejected.bad_checksum") >= 1, "{one}");
    assert!(count_of(&one, "rejected.not_nmea") >= 1, "{one}");
    assert!(count_of(&one, "rejected.incomplete_at_end") >= 1, "{one}");
}

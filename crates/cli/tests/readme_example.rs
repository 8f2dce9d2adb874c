//! The event shown in the README is what the binary writes: the first
//! collision warning of the Finisterre scenario, byte for byte once the line
//! breaks are taken out.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn run(args: &[&str], stdin: &[u8]) -> Vec<u8> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_finisterra"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run finisterra");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
    let feeder = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("finisterra output");
    let _ = feeder.join();
    assert!(out.status.success(), "finisterra {args:?} failed");
    out.stdout
}

#[test]
fn the_readme_example_event_is_real_output() {
    let sentences = run(&["simulate", "examples/finisterre.json"], b"");
    let events = run(&["scan", "--land", "data/land/land-10m.fland"], &sentences);
    let events = String::from_utf8(events).expect("UTF-8 events");
    let first = events
        .lines()
        .find(|l| l.contains(r#""kind":"risk.raised""#))
        .expect("a risk.raised event");

    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let at = readme
        .find("The first collision warning of")
        .expect("the README example");
    let start = readme[at..].find("```json\n").expect("json block") + at + 8;
    let end = readme[start..].find("\n```").expect("end of block") + start;
    let shown: String = readme[start..end]
        .lines()
        .map(str::trim_start)
        .collect::<Vec<_>>()
        .join("");
    assert_eq!(
        shown, first,
        "README example differs from the output: update it"
    );
}

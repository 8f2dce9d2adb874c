//! Replays the fuzz corpus (inputs the fuzzer found interesting, minimised
//! with `cargo fuzz cmin`, those under 1 KiB) through the same function as
//! the fuzz target: no panic, every line accounted for.

#[test]
fn fuzz_corpus_replays_cleanly() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fuzz_corpus");
    let mut n = 0;
    let mut messages = 0;
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        let data = std::fs::read(&path).unwrap();
        messages += finisterra_ais::exercise::exercise(&data);
        n += 1;
    }
    assert!(n > 100, "corpus present ({n} files)");
    // The corpus was grown from real captures: many inputs still decode.
    assert!(messages > 100, "{messages} messages decoded");
}

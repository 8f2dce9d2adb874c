//! Tidy: the architecture's rules checked on the sources.
//!
//! 1. No library crate (every crate but `server`, `cli` and `broker`) reads the wall
//!    clock or touches the file system or the network outside its tests:
//!    `src/**/*.rs` is read with comments, string and character literals
//!    blanked, and every item under `#[cfg(test)]` (or `#[cfg(all(test,
//!    ...))]`) cut — the whole item, to its closing brace, wherever it
//!    stands — as is a `#[cfg(test)] mod name;` file. `tests/`, `benches/`,
//!    `examples/` and `build.rs` are not library code. The few allowed
//!    exceptions are listed in [`ALLOWED`], each with its reason, and an
//!    exception that no longer matches anything fails too.
//! 2. `ARCHITECTURE.md` has a ``### `crates/<name>` `` heading for every
//!    directory in `crates/`, and none for a crate that does not exist.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Crates allowed to touch the clock, files and sockets: the edges
/// (`broker`: the NATS boundary, and its harness starting a real
/// nats-server with a temporary store for tests).
const EDGE_CRATES: &[&str] = &["server", "cli", "broker"];

/// What a library may not call, with what it is.
const FORBIDDEN: &[(&str, &str)] = &[
    ("SystemTime::now", "wall clock"),
    ("Instant::now", "wall clock"),
    ("Utc::now", "wall clock"),
    ("Local::now", "wall clock"),
    ("OffsetDateTime::now", "wall clock"),
    ("std::fs", "file system"),
    ("fs::", "file system"),
    ("File::open", "file system"),
    ("File::create", "file system"),
    ("OpenOptions", "file system"),
    ("std::net", "network"),
    ("TcpStream", "network"),
    ("TcpListener", "network"),
    ("UdpSocket", "network"),
];

/// Allowed exceptions: (crate, file under the crate, forbidden pattern,
/// reason). Each must match at least one line.
const ALLOWED: &[(&str, &str, &str, &str)] = &[(
    "store",
    "src/sqlite.rs",
    "std::fs",
    "the store is the durable edge: opening a SQLite store creates its data \
     directory (`create_dir_all`) before SQLite opens the file; every other \
     file and socket access of the store is inside rusqlite and postgres",
)];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Directories in `crates/`, sorted.
fn crate_dirs() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join("crates"))
        .expect("read crates/")
        .map(|e| e.expect("crates/ entry"))
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.map(|e| e.expect("dir entry").path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `src` with comments and the contents of string and character literals
/// replaced by spaces (line breaks kept, so line numbers stay right).
fn code_only(src: &str) -> String {
    let b: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                out.push(' ');
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            // Block comments nest in Rust.
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    out.push_str("  ");
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    out.push_str("  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && {
            // Not the end of an identifier (`br` of a raw byte string is).
            let ident = |k: usize| b.get(k).is_some_and(|p| p.is_alphanumeric() || *p == '_');
            match i {
                0 => true,
                1 => !ident(0) || b[0] == 'b',
                _ => !ident(i - 1) || (b[i - 1] == 'b' && !ident(i - 2)),
            }
        } {
            // Raw string r"..." / r#"..."# (or an identifier such as `r#type`).
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            out.push_str(&" ".repeat(j - i + 1));
            i = j + 1;
            loop {
                if i >= b.len() {
                    break;
                }
                if b[i] == '"' && (0..hashes).all(|k| b.get(i + 1 + k) == Some(&'#')) {
                    out.push_str(&" ".repeat(hashes + 1));
                    i += hashes + 1;
                    break;
                }
                out.push(blank(b[i]));
                i += 1;
            }
        } else if c == '"' {
            out.push(' ');
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    out.push(' ');
                    i += 1;
                }
                if i < b.len() {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
            out.push(' ');
            i += 1;
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{..}') or a lifetime ('a).
            let end = if next == Some('\\') {
                (i + 2..b.len()).find(|&k| b[k] == '\'')
            } else if b.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(e) => {
                    out.push_str(&" ".repeat(e - i + 1));
                    i = e + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// Whether an attribute (whitespace removed) makes its item test-only.
fn is_test_cfg(attr: &str) -> bool {
    attr == "#[cfg(test)]" || attr.starts_with("#[cfg(all(test,")
}

/// `code` (from [`code_only`]) with every test-only item blanked, and the
/// names of test-only `mod name;` declarations (files of their own).
fn without_tests(code: &str) -> (String, Vec<String>) {
    let b: Vec<char> = code.chars().collect();
    let mut out: Vec<char> = b.clone();
    let mut test_mods = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] != '#' || b.get(i + 1) == Some(&'!') {
            i += 1;
            continue;
        }
        // An outer attribute: read it to its closing bracket.
        let Some(open) = (i + 1..b.len()).find(|&k| !b[k].is_whitespace()) else {
            break;
        };
        if b[open] != '[' {
            i += 1;
            continue;
        }
        let mut depth = 0;
        let mut close = open;
        for (k, &ch) in b.iter().enumerate().skip(open) {
            match ch {
                '[' => depth += 1,
                ']' => {
                    depth -= 1;
                    if depth == 0 {
                        close = k;
                        break;
                    }
                }
                _ => {}
            }
        }
        let attr: String = b[i..=close].iter().filter(|c| !c.is_whitespace()).collect();
        if !is_test_cfg(&attr) {
            i = close + 1;
            continue;
        }
        // The item it applies to: up to the first `;` or the matching `}`
        // of the first `{` outside brackets and parentheses.
        let mut k = close + 1;
        let mut nest = 0i32;
        let mut end = b.len() - 1;
        while k < b.len() {
            match b[k] {
                '(' | '[' => nest += 1,
                ')' | ']' => nest -= 1,
                ';' if nest == 0 => {
                    end = k;
                    let item: String = b[close + 1..k].iter().collect();
                    let words: Vec<&str> = item.split_whitespace().collect();
                    if let [.., "mod", name] = words.as_slice() {
                        test_mods.push((*name).to_owned());
                    }
                    break;
                }
                '{' if nest == 0 => {
                    let mut d = 0;
                    while k < b.len() {
                        match b[k] {
                            '{' => d += 1,
                            '}' => {
                                d -= 1;
                                if d == 0 {
                                    break;
                                }
                            }
                            _ => {}
                        }
                        k += 1;
                    }
                    end = k.min(b.len() - 1);
                    break;
                }
                _ => {}
            }
            k += 1;
        }
        for c in &mut out[i..=end] {
            if *c != '\n' {
                *c = ' ';
            }
        }
        i = end + 1;
    }
    (out.into_iter().collect(), test_mods)
}

/// Whether `pattern` occurs in `line` as a path or name of its own (not
/// as the tail of a longer identifier: `offs::` is not `fs::`).
fn mentions(line: &str, pattern: &str) -> bool {
    line.match_indices(pattern).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + pattern.len()..].chars().next();
        let ident = |c: char| c.is_alphanumeric() || c == '_';
        // `OpenOptions` is not `OpenOptionsExt`; `fs::` may be followed by anything.
        let longer_name = pattern.ends_with(ident) && after.is_some_and(ident);
        !before.is_some_and(ident) && !longer_name
    })
}

/// Forbidden calls in one file's source: (line number, pattern, what).
fn violations(src: &str) -> Vec<(usize, &'static str, &'static str)> {
    let code = code_only(src);
    if code.contains("#![cfg(test)]") {
        return Vec::new();
    }
    let (code, _) = without_tests(&code);
    let mut found = Vec::new();
    for (n, line) in code.lines().enumerate() {
        if let Some(&(p, what)) = FORBIDDEN.iter().find(|(p, _)| mentions(line, p)) {
            found.push((n + 1, p, what));
        }
    }
    found
}

#[test]
fn library_crates_read_no_clock_and_touch_no_files_or_sockets() {
    let root = root();
    let mut problems = Vec::new();
    let mut used = vec![false; ALLOWED.len()];
    let mut checked = 0;
    for name in crate_dirs() {
        if EDGE_CRATES.contains(&name.as_str()) {
            continue;
        }
        let dir = root.join("crates").join(&name);
        let mut files = Vec::new();
        rust_files(&dir.join("src"), &mut files);
        // Files that are test modules of their own (`#[cfg(test)] mod x;`).
        let mut test_files = BTreeSet::new();
        for f in &files {
            let src = std::fs::read_to_string(f).expect("read source");
            let (_, mods) = without_tests(&code_only(&src));
            let here = if f
                .file_name()
                .is_some_and(|n| n == "mod.rs" || n == "lib.rs" || n == "main.rs")
            {
                f.parent().expect("parent").to_path_buf()
            } else {
                f.with_extension("")
            };
            for m in mods {
                test_files.insert(here.join(format!("{m}.rs")));
                test_files.insert(here.join(&m).join("mod.rs"));
            }
        }
        for f in &files {
            if test_files.contains(f) {
                continue;
            }
            let src = std::fs::read_to_string(f).expect("read source");
            checked += 1;
            let rel = f
                .strip_prefix(&dir)
                .expect("under crate")
                .to_string_lossy()
                .into_owned();
            for (line, pattern, what) in violations(&src) {
                let allowed = ALLOWED
                    .iter()
                    .position(|(c, file, p, _)| *c == name && *file == rel && *p == pattern);
                match allowed {
                    Some(k) => used[k] = true,
                    None => problems.push(format!(
                        "crates/{name}/{rel}:{line}: `{pattern}` ({what}) in library code: \
                         take it as a parameter, or move it to the edge (server, cli)"
                    )),
                }
            }
        }
    }
    for (k, (c, file, p, _)) in ALLOWED.iter().enumerate() {
        if !used[k] {
            problems.push(format!(
                "allowed exception crates/{c}/{file} `{p}` matches nothing any more: remove it from ALLOWED"
            ));
        }
    }
    assert!(
        checked > 20,
        "only {checked} library files found under {}",
        root.display()
    );
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

#[test]
fn architecture_names_every_crate() {
    let arch = std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let headings: BTreeSet<String> = arch
        .lines()
        .filter_map(|l| l.strip_prefix("### `crates/"))
        .filter_map(|l| l.split('`').next())
        .map(|s| s.trim_end_matches('/').to_owned())
        .collect();
    let dirs: BTreeSet<String> = crate_dirs().into_iter().collect();
    let missing: Vec<_> = dirs.difference(&headings).collect();
    let stale: Vec<_> = headings.difference(&dirs).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "ARCHITECTURE.md: no \"### `crates/<name>`\" heading for {missing:?}; \
         headings for crates that do not exist: {stale:?}"
    );
}

/// The checker itself: what it must find and what it must not.
#[test]
fn the_checker_sees_through_comments_strings_and_test_items() {
    let src = r####"
//! Docs may say std::fs::read and Instant::now().
use std::time::Duration; // Instant::now() in a comment
/* block /* nested std::net */ still comment File::open */
const S: &str = "std::fs::write";
const R: &str = r#"Instant::now() "quoted" "#;
const C: char = '"';
const B: &[u8] = br#"std::net "# ;
fn lifetimes<'a>(x: &'a str) -> &'a str { x }
fn offs() { let coeffs::x = 1; }
#[cfg(test)]
fn helper() { let _ = std::time::Instant::now(); }
#[cfg(test)]
mod tests {
    fn f() { std::fs::read("x").unwrap(); if true { } }
}
#[cfg(all(test, feature = "world"))]
mod more { fn g() { let _ = std::net::TcpStream::connect("x"); } }
#[cfg(not(test))]
fn real() -> std::time::SystemTime { std::time::SystemTime::now() }
fn later() { let _ = std::fs::read_to_string("after the test module"); }
#[cfg(test)]
mod external;
fn last() { let _ = UdpSocket::bind("0:0"); }
"####;
    let v = violations(src);
    let lines: Vec<(usize, &str)> = v.iter().map(|(l, p, _)| (*l, *p)).collect();
    assert_eq!(
        lines,
        vec![(20, "SystemTime::now"), (21, "std::fs"), (24, "UdpSocket")],
        "{v:?}"
    );
    let (_, mods) = without_tests(&code_only(src));
    assert_eq!(mods, vec!["external".to_owned()]);
    assert!(violations("#![cfg(test)]\nfn f() { std::fs::read(\"x\"); }").is_empty());
}

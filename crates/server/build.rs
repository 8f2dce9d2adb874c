//! Lists every file under `web/` into `$OUT_DIR/assets.rs`, so that the
//! web map is compiled into the binary.

use std::fs;
use std::path::Path;

fn walk(dir: &Path, base: &Path, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, base, out);
        } else if let Ok(rel) = p.strip_prefix(base) {
            let rel = rel.to_string_lossy().replace('\\', "/");
            let ct = match p.extension().and_then(|e| e.to_str()).unwrap_or("") {
                "html" => "text/html; charset=utf-8",
                "js" | "mjs" => "text/javascript; charset=utf-8",
                "css" => "text/css; charset=utf-8",
                "json" => "application/json",
                "svg" => "image/svg+xml",
                "png" => "image/png",
                "txt" | "md" => "text/plain; charset=utf-8",
                _ => "application/octet-stream",
            };
            let abs = fs::canonicalize(&p).unwrap_or(p.clone());
            // The entity tag: FNV-1a 64 of the content, so a new build
            // with changed assets is never served from a stale cache.
            let bytes = fs::read(&p).unwrap_or_default();
            let mut h: u64 = 0xcbf2_9ce4_8422_2325;
            for b in bytes {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
            out.push(format!(
                "({:?}, {:?}, include_bytes!({:?}) as &[u8], \"\\\"{:016x}\\\"\")",
                rel,
                ct,
                abs.to_string_lossy(),
                h
            ));
        }
    }
}

fn main() {
    let web = Path::new(env!("CARGO_MANIFEST_DIR")).join("web");
    println!("cargo:rerun-if-changed=web");
    let mut items = Vec::new();
    walk(&web, &web, &mut items);
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("assets.rs");
    fs::write(out, format!("[{}]", items.join(",\n"))).expect("write assets.rs");
}

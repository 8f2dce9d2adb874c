//! Peer: the `rs1090` crate (MIT) decoding one Mode S frame per line (hex,
//! optionally in `*…;`), each frame decoded alone (`Message::from_bytes`,
//! no CPR pairing: the cheaper task). Prints the count decoded.
use rs1090::prelude::*;
use std::io::Read;

fn unhex(s: &[u8], out: &mut Vec<u8>) -> bool {
    out.clear();
    if s.len() % 2 != 0 {
        return false;
    }
    for p in s.chunks_exact(2) {
        let h = |b: u8| (b as char).to_digit(16);
        match (h(p[0]), h(p[1])) {
            (Some(a), Some(b)) => out.push((a * 16 + b) as u8),
            _ => return false,
        }
    }
    true
}

fn main() {
    let path = std::env::args().nth(1).expect("a file");
    let mut text = Vec::new();
    std::fs::File::open(path)
        .expect("open")
        .read_to_end(&mut text)
        .expect("read");
    let (mut ok, mut bad) = (0u64, 0u64);
    let mut bytes = Vec::with_capacity(14);
    for line in text.split(|&c| c == b'\n') {
        let l = line.strip_prefix(b"*").unwrap_or(line);
        let l = l.strip_suffix(b";").unwrap_or(l);
        if l.is_empty() {
            continue;
        }
        if unhex(l, &mut bytes) && Message::from_bytes((&bytes, 0)).is_ok() {
            ok += 1;
        } else {
            bad += 1;
        }
    }
    println!("messages {ok}\nrejected {bad}");
}

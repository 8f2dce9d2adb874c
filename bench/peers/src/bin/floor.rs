//! Floor: read every line and validate its NMEA checksum, nothing else.
//! No AIS decoding at all: this is the I/O + framing lower bound that any
//! decoder reading the same file pays. Reads 1 MiB blocks, finds line ends
//! with `memchr`, XORs the body 8 bytes at a time.
use std::io::Read;

#[inline]
fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'A'..=b'F' => Some(b - b'A' + 10),
        b'a'..=b'f' => Some(b - b'a' + 10),
        _ => None,
    }
}

#[inline]
fn xor_all(body: &[u8]) -> u8 {
    let mut acc = 0u64;
    let mut chunks = body.chunks_exact(8);
    for c in &mut chunks {
        acc ^= u64::from_le_bytes(c.try_into().unwrap());
    }
    let mut x = acc ^ (acc >> 32);
    x ^= x >> 16;
    x ^= x >> 8;
    let mut r = x as u8;
    for &b in chunks.remainder() {
        r ^= b;
    }
    r
}

/// Returns true if `line` (no line terminator) is `[!$]...*HH` with a good checksum.
#[inline]
fn valid(line: &[u8]) -> bool {
    let n = line.len();
    if n < 4 || (line[0] != b'!' && line[0] != b'$') || line[n - 3] != b'*' {
        return false;
    }
    match (hex(line[n - 2]), hex(line[n - 1])) {
        (Some(h), Some(l)) => xor_all(&line[1..n - 3]) == (h << 4 | l),
        _ => false,
    }
}

fn main() {
    let mut input = finisterra_bench_peers::open_input();
    let mut buf = vec![0u8; 1 << 20];
    let (mut filled, mut lines, mut good, mut bad) = (0usize, 0u64, 0u64, 0u64);
    let mut check = |line: &[u8]| {
        let mut end = line.len();
        while end > 0 && line[end - 1] == b'\r' {
            end -= 1;
        }
        lines += 1;
        if valid(&line[..end]) {
            good += 1
        } else {
            bad += 1
        }
    };
    loop {
        let n = input.read(&mut buf[filled..]).expect("read");
        let eof = n == 0;
        filled += n;
        let mut start = 0;
        for nl in memchr::memchr_iter(b'\n', &buf[..filled]) {
            check(&buf[start..nl]);
            start = nl + 1;
        }
        if eof {
            if start < filled {
                check(&buf[start..filled]);
            }
            break;
        }
        buf.copy_within(start..filled, 0);
        filled -= start;
        if filled == buf.len() {
            buf.resize(buf.len() * 2, 0); // a line longer than the buffer
        }
    }
    println!("program floor");
    println!("lines {lines}");
    println!("valid {good}");
    println!("errors {bad}");
}

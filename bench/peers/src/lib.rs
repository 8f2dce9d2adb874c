//! Shared helpers for the peer binaries: buffered line reading and the
//! common report format that `bench/run.sh` parses.
//!
//! Report format (stdout), one `key value` per line:
//! ```text
//! program <name>
//! lines <n>          # input lines read
//! messages <n>       # AIS messages successfully decoded (multi-part = 1)
//! errors <n>         # lines/messages the crate rejected
//! mmsi_sum <n>       # sum of decoded MMSIs (keeps the decode observable)
//! type <t> <n>       # one line per message type seen
//! ```

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};

/// Open the file named by the first argument (or stdin when absent or `-`).
pub fn open_input() -> Box<dyn Read> {
    match std::env::args().nth(1) {
        Some(p) if p != "-" => Box::new(File::open(&p).unwrap_or_else(|e| {
            eprintln!("cannot open {p}: {e}");
            std::process::exit(2)
        })),
        _ => Box::new(io::stdin()),
    }
}

/// Calls `f` for every line (without the trailing `\r\n` / `\n`), reading
/// through a 256 KiB buffer and reusing one line buffer.
pub fn for_each_line(mut f: impl FnMut(&[u8])) -> u64 {
    let mut r = BufReader::with_capacity(256 * 1024, open_input());
    let mut buf = Vec::with_capacity(256);
    let mut n = 0u64;
    loop {
        buf.clear();
        match r.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                eprintln!("read error: {e}");
                std::process::exit(2)
            }
        }
        let mut end = buf.len();
        while end > 0 && (buf[end - 1] == b'\n' || buf[end - 1] == b'\r') {
            end -= 1;
        }
        n += 1;
        f(&buf[..end]);
    }
    n
}

/// Counters shared by all peers.
pub struct Counts {
    pub messages: u64,
    pub errors: u64,
    pub mmsi_sum: u64,
    pub by_type: [u64; 64],
}

impl Default for Counts {
    fn default() -> Self {
        Counts { messages: 0, errors: 0, mmsi_sum: 0, by_type: [0; 64] }
    }
}

impl Counts {
    #[inline]
    pub fn add(&mut self, msg_type: u8, mmsi: u32) {
        self.messages += 1;
        self.mmsi_sum = self.mmsi_sum.wrapping_add(mmsi as u64);
        self.by_type[(msg_type & 63) as usize] += 1;
    }

    pub fn report(&self, program: &str, lines: u64) {
        let out = io::stdout();
        let mut o = out.lock();
        let _ = writeln!(o, "program {program}");
        let _ = writeln!(o, "lines {lines}");
        let _ = writeln!(o, "messages {}", self.messages);
        let _ = writeln!(o, "errors {}", self.errors);
        let _ = writeln!(o, "mmsi_sum {}", self.mmsi_sum);
        for (t, n) in self.by_type.iter().enumerate() {
            if *n > 0 {
                let _ = writeln!(o, "type {t} {n}");
            }
        }
    }
}

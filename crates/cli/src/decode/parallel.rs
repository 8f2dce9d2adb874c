//! `decode` on every core, with the same output as on one.
//!
//! The reading thread splits the input into lines (the one
//! [`LineSplitter`](finisterra_nmea::LineSplitter), through
//! [`Input::for_each_line`]) and packs them into chunks of
//! [`CHUNK_LINES`] lines. Worker threads decode the chunks side by side;
//! this thread writes their output in chunk order.
//!
//! A chunk's first lines may complete multi-sentence messages begun in the
//! chunk before, so its worker first reads the last [`WARM_UP_LINES`] lines
//! of that chunk without writing anything: the assembler then holds what
//! it would hold had it read the whole input. That is checked, not
//! assumed: before a chunk's output is written, the state its worker
//! started from is compared with the state the chunk before ended in
//! ([`StreamDecoder::same_state`]: pending groups with their fragments and
//! first lines, remembered tag-block groups, a pending Gatehouse time).
//! When they differ — a group spanning more than the warm-up, more than the
//! assembler's pending limit, a tag-block group met long before — the
//! chunk is decoded again here from the true state. So the bytes written
//! (messages, the errors file, the counts) are those of one thread,
//! whatever the number of threads and wherever the chunks are cut.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use anyhow::{anyhow, Result};
use finisterra_ais::{Stats, StreamDecoder};

use super::{feed, finish, Form, Sinks, Written};
use crate::input::Input;

/// Lines per chunk: large enough that the warm-up is a small part of the
/// work, small enough that the chunks in flight stay a few MB.
pub(crate) const CHUNK_LINES: usize = 16_384;

/// Lines of the chunk before that a worker reads first: twice the
/// assembler's default age limit (1,000 lines), past which a pending group
/// is dropped anyway.
pub(crate) const WARM_UP_LINES: usize = 2_048;

/// Lines in one buffer, with their numbers.
#[derive(Default)]
struct Lines {
    first_line: u64,
    data: Vec<u8>,
    /// End offset of each line in `data`.
    ends: Vec<usize>,
}

impl Lines {
    fn len(&self) -> usize {
        self.ends.len()
    }

    /// Line `i`, with its number.
    fn line(&self, i: usize) -> (u64, &[u8]) {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        (self.first_line + i as u64, &self.data[start..self.ends[i]])
    }
}

/// A chunk to decode: its lines and those of the chunk before (for the
/// warm-up).
struct Chunk {
    index: usize,
    lines: Arc<Lines>,
    before: Option<Arc<Lines>>,
}

/// A decoded chunk.
struct Done {
    chunk: Chunk,
    /// The decoder's state after the warm-up (counts at zero).
    start: StreamDecoder,
    /// Its state after the chunk (the chunk's counts).
    end: StreamDecoder,
    written: Written,
}

/// Decodes `lines` with `dec`, writing into a new [`Written`].
fn decode_lines(dec: &mut StreamDecoder, form: &Form, lines: &Lines) -> Written {
    let mut w = Written::default();
    for i in 0..lines.len() {
        let (n, line) = lines.line(i);
        feed(dec, form, &mut w, n, line);
    }
    w
}

fn work(chunk: Chunk, form: &Form, warm_up: usize) -> Done {
    let mut dec = StreamDecoder::default();
    if let Some(before) = &chunk.before {
        let mut ignored = Written::default();
        for i in before.len().saturating_sub(warm_up)..before.len() {
            let (n, line) = before.line(i);
            feed(&mut dec, form, &mut ignored, n, line);
        }
        dec.take_stats();
    }
    let start = dec.clone();
    let written = decode_lines(&mut dec, form, &chunk.lines);
    Done {
        chunk,
        start,
        end: dec,
        written,
    }
}

/// What the parallel decoding of one input did beyond its output.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Redone {
    pub chunks: usize,
    pub redone: usize,
}

/// Decodes `input` on `threads` worker threads in chunks of
/// `chunk_lines` lines, writing the same bytes as one thread would. `None`
/// when standard output was closed.
pub(crate) fn decode(
    input: &mut Input,
    form: &Form,
    threads: usize,
    chunk_lines: usize,
    sinks: &mut Sinks,
) -> Result<Option<Stats>> {
    decode_counted(input, form, threads, chunk_lines, sinks).map(|(s, _)| s)
}

/// [`decode`], also saying how many chunks were decoded again.
pub(crate) fn decode_counted(
    input: &mut Input,
    form: &Form,
    threads: usize,
    chunk_lines: usize,
    sinks: &mut Sinks,
) -> Result<(Option<Stats>, Redone)> {
    let chunk_lines = chunk_lines.max(1);
    let warm_up = WARM_UP_LINES.min(chunk_lines);
    let threads = threads.max(1);
    // Chunks read but not yet written: reading stops when the writer is
    // this far behind (memory stays a few chunks per thread).
    let in_flight = 2 * threads + 2;
    let (work_tx, work_rx) = mpsc::sync_channel::<Chunk>(threads);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (done_tx, done_rx) = mpsc::channel::<Done>();
    let (permit_tx, permit_rx) = mpsc::sync_channel::<()>(in_flight);
    // Set when the output is closed or failed: reading stops.
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| -> Result<(Option<Stats>, Redone)> {
        for _ in 0..threads {
            let rx = Arc::clone(&work_rx);
            let tx = done_tx.clone();
            scope.spawn(move || loop {
                let next = match rx.lock() {
                    Ok(r) => r.recv().ok(),
                    Err(_) => None,
                };
                let Some(chunk) = next else { break };
                if tx.send(work(chunk, form, warm_up)).is_err() {
                    break;
                }
            });
        }
        drop(done_tx);
        let stop = &stop;
        let reader = scope.spawn(move || -> Result<()> {
            let mut before: Option<Arc<Lines>> = None;
            let mut cur = Lines::default();
            let mut index = 0usize;
            let mut send = |cur: &mut Lines| -> bool {
                let lines = Arc::new(std::mem::take(cur));
                let chunk = Chunk {
                    index,
                    lines: Arc::clone(&lines),
                    before: before.replace(lines),
                };
                index += 1;
                !stop.load(Ordering::Relaxed)
                    && permit_tx.send(()).is_ok()
                    && work_tx.send(chunk).is_ok()
            };
            let mut stopped = false;
            input.for_each_line(|n, line| {
                if stopped {
                    return;
                }
                if cur.ends.is_empty() {
                    cur.first_line = n;
                }
                cur.data.extend_from_slice(line);
                cur.ends.push(cur.data.len());
                if cur.len() >= chunk_lines && !send(&mut cur) {
                    stopped = true;
                }
            })?;
            if !stopped && !cur.ends.is_empty() {
                send(&mut cur);
            }
            Ok(())
        });
        // Write in chunk order, checking each chunk's start against the
        // end of the one before.
        let mut waiting: BTreeMap<usize, Done> = BTreeMap::new();
        let mut next = 0usize;
        let mut state = StreamDecoder::default();
        let mut stats = Stats::default();
        let mut redone = Redone::default();
        let mut closed = false;
        let mut failed: Option<anyhow::Error> = None;
        for done in done_rx.iter() {
            waiting.insert(done.chunk.index, done);
            while let Some(mut done) = waiting.remove(&next) {
                next += 1;
                let _ = permit_rx.recv();
                if closed || failed.is_some() {
                    continue;
                }
                redone.chunks += 1;
                if !state.same_state(&done.start, done.chunk.lines.first_line) {
                    redone.redone += 1;
                    let mut dec = state.clone();
                    dec.take_stats();
                    done.written = decode_lines(&mut dec, form, &done.chunk.lines);
                    done.end = dec;
                }
                state = done.end;
                stats.merge(&state.take_stats());
                match sinks.write(&done.written) {
                    Ok(true) => {}
                    Ok(false) => closed = true,
                    Err(e) => failed = Some(e),
                }
                if closed || failed.is_some() {
                    stop.store(true, Ordering::Relaxed);
                }
            }
        }
        let read = reader
            .join()
            .map_err(|_| anyhow!("the reading thread panicked"))?;
        if let Some(e) = failed {
            return Err(e);
        }
        if closed {
            return Ok((None, redone));
        }
        read?;
        if !waiting.is_empty() {
            return Err(anyhow!(
                "a decoding thread stopped before its chunk was done"
            ));
        }
        let mut w = Written::default();
        finish(&mut state, form, &mut w);
        stats.merge(&state.take_stats());
        if !sinks.write(&w)? {
            return Ok((None, redone));
        }
        Ok((Some(stats), redone))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::decode_in_order;

    /// Every line of the NMEA fixtures (gpsd, libais, pyais, Kystverket):
    /// multi-sentence messages, tag blocks and groups, Gatehouse times,
    /// broken lines.
    fn fixture_lines() -> Vec<Vec<u8>> {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../ais/tests/fixtures");
        let mut files = Vec::new();
        let mut dirs = vec![std::path::PathBuf::from(root)];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    dirs.push(p);
                } else if !p.to_string_lossy().ends_with(".json")
                    && !p.to_string_lossy().ends_with(".jsonl")
                {
                    files.push(p);
                }
            }
        }
        files.sort();
        let mut lines = Vec::new();
        for f in files {
            let data = std::fs::read(&f).unwrap();
            lines.extend(data.split(|&b| b == b'\n').map(<[u8]>::to_vec));
        }
        lines
    }

    /// A deterministic shuffle moving each line by up to `spread` places:
    /// fragments far apart (expired), interleaved groups, reused ids.
    fn scattered(lines: &[Vec<u8>], spread: usize, seed: u64) -> Vec<Vec<u8>> {
        let mut x = seed;
        let mut keyed: Vec<(usize, usize)> = (0..lines.len())
            .map(|i| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (i + (x >> 33) as usize % (spread + 1), i)
            })
            .collect();
        keyed.sort();
        keyed.into_iter().map(|(_, i)| lines[i].clone()).collect()
    }

    /// More first fragments than the assembler keeps, then their second
    /// fragments: groups dropped for overflow across chunk edges.
    fn overflowing(lines: &[Vec<u8>]) -> Vec<Vec<u8>> {
        let firsts: Vec<&Vec<u8>> = lines
            .iter()
            .filter(|l| l.windows(5).any(|w| w == b",2,1,"))
            .collect();
        let seconds: Vec<&Vec<u8>> = lines
            .iter()
            .filter(|l| l.windows(5).any(|w| w == b",2,2,"))
            .collect();
        let mut out = Vec::new();
        for round in 0..3 {
            for f in firsts.iter().cycle().take(300 + round * 7) {
                out.push((*f).clone());
            }
            out.extend(seconds.iter().map(|s| (*s).clone()));
        }
        out
    }

    fn run(
        data: &[u8],
        form_json: bool,
        threads: usize,
        chunk: usize,
    ) -> (Vec<u8>, Vec<u8>, Stats, Redone) {
        let form = Form {
            device: "t",
            json: form_json,
            scaled: true,
            errors: true,
        };
        let (mut out, mut errors) = (Vec::new(), Vec::new());
        let mut sinks = Sinks {
            out: &mut out,
            errors: Some(&mut errors),
        };
        let mut input =
            Input::from_reader("t".into(), Box::new(std::io::Cursor::new(data.to_vec()))).unwrap();
        let (stats, redone) = if threads == 0 {
            (
                decode_in_order(&mut input, &form, &mut sinks).unwrap(),
                Redone::default(),
            )
        } else {
            decode_counted(&mut input, &form, threads, chunk, &mut sinks).unwrap()
        };
        (out, errors, stats.unwrap(), redone)
    }

    fn join(lines: &[Vec<u8>]) -> Vec<u8> {
        let mut d = lines.join(&b'\n');
        d.push(b'\n');
        d
    }

    #[test]
    fn every_thread_count_and_chunk_size_writes_the_bytes_of_one_thread() {
        let lines = fixture_lines();
        assert!(lines.len() > 2000, "{}", lines.len());
        let inputs = [
            ("fixtures", join(&lines)),
            ("scattered", join(&scattered(&lines, 1500, 7))),
            ("overflowing", join(&overflowing(&lines))),
        ];
        for (name, data) in &inputs {
            for json in [true, false] {
                let (out, errors, stats, _) = run(data, json, 0, 0);
                assert!(stats.messages > 0 && stats.error_count() > 0, "{name}");
                for threads in [1, 2, 3] {
                    for chunk in [1, 5, 64, 997, 100_000] {
                        let (o, e, s, _) = run(data, json, threads, chunk);
                        let what =
                            format!("{name}, json {json}, {threads} threads, chunks of {chunk}");
                        assert!(o == out, "output differs: {what}");
                        assert!(e == errors, "errors differ: {what}");
                        assert_eq!(s, stats, "counts differ: {what}");
                    }
                }
            }
        }
    }

    #[test]
    fn chunks_are_decoded_again_only_when_their_start_was_wrong() {
        let lines = fixture_lines();
        // Chunks longer than the warm-up on real data: the warm-up finds
        // the state, nothing is decoded twice.
        let many: Vec<Vec<u8>> = (0..12).flat_map(|_| lines.iter().cloned()).collect();
        let data = join(&many);
        let (_, _, _, r) = run(&data, true, 2, 4096);
        assert!(r.chunks >= 10, "{r:?}");
        assert_eq!(r.redone, 0, "{r:?}");
        // Fragments up to 1,500 lines apart with chunks of 64 lines (so a
        // warm-up of 64): some starts are wrong, found and mended.
        let data = join(&scattered(&lines, 1500, 7));
        let (_, _, _, r) = run(&data, true, 2, 64);
        assert!(r.redone > 0 && r.redone < r.chunks, "{r:?}");
    }
}

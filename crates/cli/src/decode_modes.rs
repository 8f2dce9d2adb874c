//! `finisterra decode --modes` / `--beast`: Mode S and ADS-B in, JSON Lines
//! out with readsb's `aircraft.json` field names (`hex`, `flight`,
//! `alt_baro`, `alt_geom`, `gs`, `track`, `baro_rate`, `geom_rate`, `lat`,
//! `lon`, `squawk`, `category`, plus `df` and `tc`), as `decode` writes AIS
//! in gpsd's names.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};

use anyhow::{Context, Result};
use finisterra_modes::{
    BeastFramer, Decoder, DecoderConfig, FrameTime, InputError, Reject, TextItem, TextReader,
    TextRecord,
};

use crate::decode::DecodeArgs;

/// Counts of one run.
#[derive(Default)]
struct Counts {
    /// Text lines or Beast frames read.
    records: u64,
    /// Input records refused before decoding, by reason.
    input_rejected: Vec<(&'static str, u64)>,
}

fn count(v: &mut Vec<(&'static str, u64)>, reason: &'static str) {
    match v.iter_mut().find(|(r, _)| *r == reason) {
        Some(e) => e.1 += 1,
        None => v.push((reason, 1)),
    }
}

/// Runs `decode` on Mode S input (`args.modes`: AVR, `time,hex` CSV and
/// SBS text; `args.beast`: Beast binary).
pub fn run(args: &DecodeArgs) -> Result<()> {
    let files: Vec<String> = if args.files.is_empty() {
        vec!["-".to_string()]
    } else {
        args.files.clone()
    };
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 18, stdout.lock());
    // Written by two handlers (input records refused, frames refused).
    let errors = std::cell::RefCell::new(match &args.errors {
        Some(p) => Some(BufWriter::new(
            File::create(p).with_context(|| format!("cannot create {p}"))?,
        )),
        None => None,
    });
    // One decoder for the run: an aircraft heard in one file is known in
    // the next (files are one feed cut in pieces).
    let mut dec = Decoder::new(DecoderConfig::default());
    let mut counts = Counts::default();
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 17);
    let mut chunk = vec![0u8; 1 << 16];
    for path in &files {
        let counter = crate::input::Counter::default();
        let mut r = crate::input::open_raw(path, counter)?;
        let mut io_error: Option<io::Error> = None;
        {
            let mut emit = |at: String,
                            t: Option<i64>,
                            frame: Option<&[u8]>,
                            rec: Option<finisterra_modes::AirMessage>,
                            dec: &mut Decoder| {
                let m = match (frame, rec) {
                    (Some(f), _) => dec.decode(f, t.unwrap_or(0)),
                    (None, Some(m)) => Ok(m),
                    (None, None) => return,
                };
                match m {
                    Ok(m) => {
                        if args.count {
                            return;
                        }
                        finisterra_modes::json::write_json(&mut buf, &m);
                        buf.push(b'\n');
                        if buf.len() >= 1 << 16 {
                            if let Err(e) = out.write_all(&buf) {
                                io_error.get_or_insert(e);
                            }
                            buf.clear();
                        }
                    }
                    Err(reason) => {
                        if let Some(w) = errors.borrow_mut().as_mut() {
                            if let Err(e) = writeln!(w, "{path}:{at}: {}", reason.reason()) {
                                io_error.get_or_insert(e);
                            }
                        }
                    }
                }
            };
            let on_input_error = |e: InputError, counts: &mut Counts, dec: &mut Decoder| {
                count(&mut counts.input_rejected, e.reason.reason());
                dec.count_rejection(e.reason);
                if let Some(w) = errors.borrow_mut().as_mut() {
                    let _ = writeln!(w, "{path}:{}: {}", e.at, e.reason.reason());
                }
            };
            if args.beast {
                let mut framer = BeastFramer::new();
                loop {
                    let n = r
                        .read(&mut chunk)
                        .with_context(|| format!("cannot read {path}"))?;
                    if n == 0 {
                        break;
                    }
                    framer.push(&chunk[..n], |f| {
                        counts.records += 1;
                        match f {
                            // Beast's counter is not a clock: frames are
                            // timed by their order only (time 0 plus
                            // their 12 MHz ticks, for the CPR pairing).
                            Ok(f) => emit(
                                format!("byte {}", f.offset),
                                Some((f.ticks / 12_000) as i64),
                                Some(f.bytes()),
                                None,
                                &mut dec,
                            ),
                            Err(e) => on_input_error(e, &mut counts, &mut dec),
                        }
                    });
                }
                framer.finish(|f| {
                    if let Err(e) = f {
                        on_input_error(e, &mut counts, &mut dec);
                    }
                });
            } else {
                let mut reader = TextReader::new();
                let mut handle =
                    |item: Result<TextItem, InputError>, counts: &mut Counts, dec: &mut Decoder| {
                        counts.records += 1;
                        match item {
                            Ok(TextItem { line, record }) => match record {
                                TextRecord::Frame(f, time) => emit(
                                    format!("line {line}"),
                                    time_ms(time),
                                    Some(f.bytes()),
                                    None,
                                    dec,
                                ),
                                TextRecord::Sbs(m, _) => {
                                    emit(format!("line {line}"), None, None, Some(m), dec)
                                }
                                TextRecord::Skip => {}
                            },
                            Err(e) => on_input_error(e, counts, dec),
                        }
                    };
                loop {
                    let n = r
                        .read(&mut chunk)
                        .with_context(|| format!("cannot read {path}"))?;
                    if n == 0 {
                        break;
                    }
                    reader.push(&chunk[..n], |i| handle(i, &mut counts, &mut dec));
                }
                reader.finish(|i| handle(i, &mut counts, &mut dec));
            }
        }
        if let Some(e) = io_error {
            if e.kind() == io::ErrorKind::BrokenPipe {
                return Ok(());
            }
            return Err(e).context("cannot write output");
        }
    }
    if let Err(e) = out.write_all(&buf).and_then(|_| out.flush()) {
        if e.kind() != io::ErrorKind::BrokenPipe {
            return Err(e).context("cannot write output");
        }
    }
    if let Some(w) = errors.borrow_mut().as_mut() {
        w.flush().context("cannot write the errors file")?;
    }
    if args.count {
        write_stats(&mut io::stdout().lock(), &dec, &counts)?;
    }
    if args.stats {
        write_stats(&mut io::stderr().lock(), &dec, &counts)?;
    }
    Ok(())
}

fn time_ms(t: FrameTime) -> Option<i64> {
    match t {
        FrameTime::UnixMs(ms) => Some(ms),
        // A 12 MHz counter orders frames; it is not a date.
        FrameTime::Ticks12MHz(ticks) => Some((ticks / 12_000) as i64),
        _ => t.as_ms(),
    }
}

fn write_stats(w: &mut dyn Write, dec: &Decoder, c: &Counts) -> io::Result<()> {
    let s = dec.stats();
    writeln!(w, "records {}", c.records)?;
    writeln!(w, "frames {}", s.frames)?;
    writeln!(w, "messages {}", s.accepted)?;
    writeln!(w, "rejected {}", s.rejected_total())?;
    writeln!(w, "aircraft {}", dec.aircraft_count())?;
    writeln!(w, "positions.global {}", s.positions_global)?;
    writeln!(
        w,
        "positions.local {}",
        s.positions_local_aircraft + s.positions_local_reference
    )?;
    for (df, n) in s.by_df.iter().enumerate() {
        if *n > 0 {
            writeln!(w, "df.{df} {n}")?;
        }
    }
    for r in Reject::ALL {
        let n = s.rejected_for(r);
        if n > 0 {
            writeln!(w, "rejected.{} {n}", r.reason())?;
        }
    }
    Ok(())
}

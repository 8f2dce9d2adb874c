//! `finisterra decode`: AIS NMEA in, gpsd-compatible JSON Lines out.

use std::fs::File;
use std::io::{self, BufWriter, Write};

use anyhow::{Context, Result};
use finisterra_ais::json::{write_gpsd_json, JsonContext};
use finisterra_ais::{Event, Stats, StreamDecoder};

use crate::input::Input;

/// Options of the `decode` command.
#[derive(clap::Args, Debug)]
pub struct DecodeArgs {
    /// Input files (plain or gzip); `-` or nothing reads standard input.
    pub files: Vec<String>,
    /// Write gpsd's unscaled form (raw integers, as `gpsdecode -u -j`).
    #[arg(long)]
    pub unscaled: bool,
    /// Decode everything but write no messages: print only the counts.
    #[arg(long)]
    pub count: bool,
    /// At the end, print counts of lines, messages by type and rejected
    /// lines by reason to standard error.
    #[arg(long)]
    pub stats: bool,
    /// Write each rejected line, with its file, line number and reason,
    /// to this file.
    #[arg(long, value_name = "FILE")]
    pub errors: Option<String>,
    /// The input is Mode S / ADS-B text (AVR `*8D…;`, `@`/`<` with a
    /// 12 MHz counter, `time,hex` CSV, SBS `MSG` lines): write JSON Lines
    /// with readsb's `aircraft.json` names.
    #[arg(long, conflicts_with_all = ["beast", "unscaled"])]
    pub modes: bool,
    /// The input is Beast binary (dump1090/readsb port 30005).
    #[arg(long, conflicts_with = "unscaled")]
    pub beast: bool,
}

/// Runs the command.
pub fn run(args: &DecodeArgs) -> Result<()> {
    if args.modes || args.beast {
        return crate::decode_modes::run(args);
    }
    let files: Vec<String> = if args.files.is_empty() {
        vec!["-".to_string()]
    } else {
        args.files.clone()
    };
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 18, stdout.lock());
    let mut errors = match &args.errors {
        Some(p) => Some(BufWriter::new(
            File::create(p).with_context(|| format!("cannot create {p}"))?,
        )),
        None => None,
    };
    let mut total = Stats::default();
    let mut buf: Vec<u8> = Vec::with_capacity(1 << 17);
    let scaled = !args.unscaled;
    for path in &files {
        let mut input = Input::open(path)?;
        let device = input.name.clone();
        let mut dec = StreamDecoder::default();
        let mut io_error: Option<io::Error> = None;
        let counts_only = args.count && errors.is_none();
        {
            let mut handle = |ev: Event<'_>, current: Option<(u64, &[u8])>| match ev {
                Event::Message(m) => {
                    if args.count {
                        return;
                    }
                    let ctx = JsonContext {
                        device: &device,
                        time: m.time,
                        station: m.station,
                    };
                    write_gpsd_json(&mut buf, m.message, &ctx, scaled);
                    buf.push(b'\n');
                    if buf.len() >= 1 << 16 {
                        if let Err(e) = out.write_all(&buf) {
                            io_error.get_or_insert(e);
                        }
                        buf.clear();
                    }
                }
                Event::Error(e) => {
                    if let Some(w) = errors.as_mut() {
                        let text = match current {
                            Some((n, l)) if n == e.line => String::from_utf8_lossy(l).into_owned(),
                            _ => String::new(),
                        };
                        let r = if text.is_empty() {
                            writeln!(w, "{}:{}: {}", device, e.line, e.kind)
                        } else {
                            writeln!(w, "{}:{}: {}: {}", device, e.line, e.kind, text.trim_end())
                        };
                        if let Err(err) = r {
                            io_error.get_or_insert(err);
                        }
                    }
                }
            };
            if counts_only {
                // Only the counts are wanted: the decoder keeps them.
                input.for_each_line(|n, line| dec.feed(n, line, &mut |_| {}))?;
            } else {
                input.for_each_line(|n, line| {
                    dec.feed(n, line, &mut |ev| handle(ev, Some((n, line))));
                })?;
            }
            dec.finish(&mut |ev| handle(ev, None));
        }
        if let Some(e) = io_error {
            if e.kind() == io::ErrorKind::BrokenPipe {
                return Ok(());
            }
            return Err(e).context("cannot write output");
        }
        total.merge(dec.stats());
    }
    if let Err(e) = out.write_all(&buf).and_then(|_| out.flush()) {
        if e.kind() != io::ErrorKind::BrokenPipe {
            return Err(e).context("cannot write output");
        }
    }
    if let Some(w) = errors.as_mut() {
        w.flush().context("cannot write the errors file")?;
    }
    if args.count {
        let mut o = io::stdout().lock();
        write_stats(&mut o, &total).context("cannot write output")?;
    }
    if args.stats {
        let mut e = io::stderr().lock();
        write_stats(&mut e, &total)?;
    }
    Ok(())
}

/// Writes the counts in a stable, readable `key value` layout.
pub fn write_stats(w: &mut dyn Write, s: &Stats) -> io::Result<()> {
    writeln!(w, "lines {}", s.lines)?;
    writeln!(w, "sentences {}", s.sentences)?;
    writeln!(w, "messages {}", s.messages)?;
    writeln!(w, "rejected {}", s.error_count())?;
    writeln!(w, "skipped.blank {}", s.blank)?;
    writeln!(w, "skipped.comment {}", s.comments)?;
    writeln!(w, "skipped.other_nmea {}", s.other_nmea)?;
    writeln!(w, "skipped.timestamp_line {}", s.timestamp_lines)?;
    for (t, n) in s.by_type.iter().enumerate() {
        if *n > 0 {
            writeln!(w, "type.{t} {n}")?;
        }
    }
    let mut errs = s.errors.clone();
    errs.sort();
    for (r, n) in errs {
        writeln!(w, "rejected.{r} {n}")?;
    }
    Ok(())
}

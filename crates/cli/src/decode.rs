//! `finisterra decode`: AIS NMEA in, gpsd-compatible JSON Lines out.

use std::fs::File;
use std::io::{self, BufWriter, Write};

use anyhow::{Context, Result};
use finisterra_ais::json::{write_gpsd_json, JsonContext};
use finisterra_ais::{Event, Stats, StreamDecoder};

use crate::input::Input;

mod parallel;

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
    /// Decoding threads (AIS): the lines are cut into chunks decoded side
    /// by side and written in their order, the same bytes whatever the
    /// number (default: every core; 1 decodes on the reading thread).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
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
    let threads = crate::census::threads(args.threads)?;
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 18, stdout.lock());
    let mut errors = match &args.errors {
        Some(p) => Some(BufWriter::new(
            File::create(p).with_context(|| format!("cannot create {p}"))?,
        )),
        None => None,
    };
    let mut total = Stats::default();
    for path in &files {
        let mut input = Input::open(path)?;
        let device = input.name.clone();
        let form = Form {
            device: &device,
            json: !args.count,
            scaled: !args.unscaled,
            errors: errors.is_some(),
        };
        let mut sinks = Sinks {
            out: &mut out,
            errors: errors.as_mut().map(|w| w as &mut dyn Write),
        };
        let stats = if threads > 1 {
            parallel::decode(
                &mut input,
                &form,
                threads,
                parallel::CHUNK_LINES,
                &mut sinks,
            )?
        } else {
            decode_in_order(&mut input, &form, &mut sinks)?
        };
        match stats {
            Some(s) => total.merge(&s),
            // Standard output was closed (`| head`): stop quietly.
            None => return Ok(()),
        }
    }
    if let Err(e) = out.flush() {
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

/// What decoding writes for one input: gpsd JSON Lines (unless only
/// counting) and, when asked, each rejected line with its number and
/// reason.
pub(crate) struct Form<'a> {
    device: &'a str,
    json: bool,
    scaled: bool,
    errors: bool,
}

impl Form<'_> {
    /// Whether anything is written per line (JSON or rejected lines);
    /// otherwise only the decoder's counts are wanted.
    fn writes(&self) -> bool {
        self.json || self.errors
    }
}

/// Where the decoded output goes.
pub(crate) struct Sinks<'a> {
    out: &'a mut dyn Write,
    errors: Option<&'a mut dyn Write>,
}

impl Sinks<'_> {
    /// Writes what a stretch of lines gave; `Ok(false)` when standard
    /// output is closed.
    fn write(&mut self, w: &Written) -> Result<bool> {
        if let Err(e) = self.out.write_all(&w.out) {
            if e.kind() == io::ErrorKind::BrokenPipe {
                return Ok(false);
            }
            return Err(e).context("cannot write output");
        }
        if let Some(e) = self.errors.as_mut() {
            e.write_all(&w.errors)
                .context("cannot write the errors file")?;
        }
        Ok(true)
    }
}

/// The output of a stretch of lines, in their order.
#[derive(Default)]
pub(crate) struct Written {
    out: Vec<u8>,
    errors: Vec<u8>,
}

impl Written {
    fn on(&mut self, form: &Form, ev: Event<'_>, current: Option<(u64, &[u8])>) {
        match ev {
            Event::Message(m) => {
                if !form.json {
                    return;
                }
                let ctx = JsonContext {
                    device: form.device,
                    time: m.time,
                    station: m.station,
                };
                write_gpsd_json(&mut self.out, m.message, &ctx, form.scaled);
                self.out.push(b'\n');
            }
            Event::Error(e) => {
                if !form.errors {
                    return;
                }
                let text = match current {
                    Some((n, l)) if n == e.line => String::from_utf8_lossy(l).into_owned(),
                    _ => String::new(),
                };
                // Writing into memory cannot fail.
                let _ = if text.is_empty() {
                    writeln!(self.errors, "{}:{}: {}", form.device, e.line, e.kind)
                } else {
                    writeln!(
                        self.errors,
                        "{}:{}: {}: {}",
                        form.device,
                        e.line,
                        e.kind,
                        text.trim_end()
                    )
                };
            }
        }
    }

    fn len(&self) -> usize {
        self.out.len() + self.errors.len()
    }

    fn clear(&mut self) {
        self.out.clear();
        self.errors.clear();
    }
}

/// Feeds one line to `dec`, its events into `w`.
fn feed(dec: &mut StreamDecoder, form: &Form, w: &mut Written, n: u64, line: &[u8]) {
    if form.writes() {
        dec.feed(n, line, &mut |ev| w.on(form, ev, Some((n, line))));
    } else {
        // Only the counts are wanted: the decoder keeps them.
        dec.feed(n, line, &mut |_| {});
    }
}

/// Ends the input: the groups still waiting are reported.
fn finish(dec: &mut StreamDecoder, form: &Form, w: &mut Written) {
    dec.finish(&mut |ev| w.on(form, ev, None));
}

/// Decodes one input on this thread. `None` when standard output was
/// closed.
fn decode_in_order(input: &mut Input, form: &Form, sinks: &mut Sinks) -> Result<Option<Stats>> {
    let mut dec = StreamDecoder::default();
    if !form.writes() {
        // Only the counts are wanted: nothing to write, nothing to stop
        // for; the decoder keeps the counts.
        input.for_each_line(|n, line| dec.feed(n, line, &mut |_| {}))?;
        dec.finish(&mut |_| {});
        return Ok(Some(dec.take_stats()));
    }
    let mut w = Written::default();
    let mut closed = false;
    let mut failed: Option<anyhow::Error> = None;
    input.for_each_line(|n, line| {
        if closed || failed.is_some() {
            return;
        }
        feed(&mut dec, form, &mut w, n, line);
        if w.len() >= 1 << 16 {
            match sinks.write(&w) {
                Ok(true) => {}
                Ok(false) => closed = true,
                Err(e) => failed = Some(e),
            }
            w.clear();
        }
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    if closed {
        return Ok(None);
    }
    finish(&mut dec, form, &mut w);
    if !sinks.write(&w)? {
        return Ok(None);
    }
    Ok(Some(dec.take_stats()))
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

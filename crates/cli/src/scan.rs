//! `finisterra scan`: replay NMEA through the engine, events out.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};

use anyhow::{bail, Context, Result};
use finisterra_ais::AisMessage;
use finisterra_engine::pipeline::{Output, Stamp};
use finisterra_engine::{Config, Engine, Event, Pipeline, TimeSource};

use crate::input::Input;

/// Options of the `scan` command.
#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    /// Input files (plain or gzip); `-` or nothing reads standard input; a
    /// position archive directory (`archive build`) is read as the NMEA it
    /// was built from (its position and static reports: the other message
    /// types are not archived).
    pub files: Vec<String>,
    /// Assume this many messages per second of data time instead of the
    /// times in the input (for captures without timestamps; the clock then
    /// starts at the first message's time, or 2000-01-01T00:00:00Z).
    #[arg(long, value_name = "MSG_PER_S")]
    pub rate: Option<f64>,
    /// At the end, print counts (messages, vessels, events by kind,
    /// rejected positions by reason) to standard error.
    #[arg(long)]
    pub summary: bool,
    /// Engine settings (JSON; any subset of the defaults printed by
    /// `--print-config`).
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,
    /// Print the effective engine settings as JSON and exit.
    #[arg(long)]
    pub print_config: bool,
    /// Never show the progress bar (it shows only when standard error is a
    /// terminal).
    #[arg(long)]
    pub no_progress: bool,
    /// Threads of each screening pass (candidate pairs, closest
    /// approaches, advice; default: every core). The events are the same
    /// whatever the number.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Geography to judge against (zones, hazards, land).
    #[command(flatten)]
    pub geo: GeoArgs,
}

/// Where the fixed geography comes from.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct GeoArgs {
    /// Zones (GeoJSON FeatureCollection: areas and lines with `name`,
    /// `rule`, optional `applies_to` and time window).
    #[arg(long, value_name = "FILE")]
    pub zones: Option<String>,
    /// Hazards (GeoJSON points, lines or areas with `name` and `radius_m`
    /// or `radius_nm`).
    #[arg(long, value_name = "FILE")]
    pub hazards: Option<String>,
    /// Land polygons: `world` (bundled Natural Earth 1:10m, the default),
    /// `none`, or a file made by `finisterra import-land` (or any GeoJSON /
    /// TopoJSON land file).
    #[arg(long, value_name = "FILE|world|none", default_value = "world")]
    pub land: String,
}

/// Loads the geography named by the options.
pub fn load_geography(g: &GeoArgs) -> Result<finisterra_engine::Geography> {
    use finisterra_geofence::{Hazards, Land, Zones};
    let land = match g.land.as_str() {
        "none" => None,
        "world" => Some(Land::world().context("cannot load the bundled land")?),
        path => {
            let bytes = std::fs::read(path).with_context(|| format!("cannot read {path}"))?;
            Some(crate::land::parse_land(&bytes).with_context(|| format!("bad land file {path}"))?)
        }
    };
    let zones = match &g.zones {
        None => Zones::empty(),
        Some(p) => {
            let bytes = std::fs::read(p).with_context(|| format!("cannot read {p}"))?;
            Zones::from_geojson_bytes(&bytes).map_err(|e| anyhow::anyhow!("{}", e.in_source(p)))?
        }
    };
    let hazards = match &g.hazards {
        None => Hazards::empty(),
        Some(p) => {
            let bytes = std::fs::read(p).with_context(|| format!("cannot read {p}"))?;
            Hazards::from_geojson_bytes(&bytes)
                .map_err(|e| anyhow::anyhow!("{}", e.in_source(p)))?
        }
    };
    Ok(finisterra_engine::Geography {
        land,
        hazards,
        zones,
    })
}

/// Reads the engine settings.
pub fn load_config(path: Option<&str>) -> Result<Config> {
    match path {
        None => Ok(Config::default()),
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("cannot read {p}"))?;
            Config::from_json(&text).with_context(|| format!("bad engine settings in {p}"))
        }
    }
}

/// Runs the command.
pub fn run(args: &ScanArgs) -> Result<()> {
    let mut cfg = load_config(args.config.as_deref())?;
    if args.print_config {
        println!("{}", serde_json::to_string_pretty(&cfg)?);
        return Ok(());
    }
    let files: Vec<String> = if args.files.is_empty() {
        vec!["-".to_string()]
    } else {
        args.files.clone()
    };
    // Archives opened once, before the engine: one built from times
    // stamped by the minute has its fixes judged with that resolution, as
    // its census judges them.
    let archives = files
        .iter()
        .map(|path| {
            let p = std::path::Path::new(path);
            (path != "-" && p.is_dir())
                .then(|| crate::archive::Archive::open(p))
                .transpose()
        })
        .collect::<Result<Vec<_>>>()?;
    let resolution_s = archives
        .iter()
        .flatten()
        .map(|a| a.time_resolution_s())
        .fold(0.0, f64::max);
    cfg.picture = cfg.picture.for_time_resolution(resolution_s);
    let mut engine = Engine::new(cfg);
    let threads = crate::census::threads(args.threads)?;
    engine.set_threads(threads);
    engine.set_geography(load_geography(&args.geo)?);
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut events: Vec<Event> = Vec::new();
    let time = match args.rate {
        Some(rate) if rate > 0.0 => TimeSource::Rate(rate),
        _ => TimeSource::Data,
    };
    // The decoding of the run (NMEA pipeline, Mode S decoder): on its own
    // thread beside the engine when there are threads to spare (the same
    // messages in the same order, so the same events), inline otherwise.
    let mut dec = Decoding {
        pipeline: Pipeline::new(time),
        // Mode S lines (AVR, SBS, `time,hex`) in the same inputs feed the
        // air picture, through one decoder for the run.
        modes: finisterra_modes::Decoder::new(finisterra_modes::DecoderConfig::default()),
        modes_untimed: 0,
        modes_lines: 0,
        air_messages: 0,
        first_error: None,
    };
    // Messages judged from archives (their inputs are decoded already).
    let mut archived = 0u64;
    let apart = threads > 1;
    let show_progress = !args.no_progress && io::stderr().is_terminal();
    let mut write_err: Option<io::Error> = None;
    let mut write_events = |events: &mut Vec<Event>, write_err: &mut Option<io::Error>| {
        for e in events.drain(..) {
            if let Err(err) = writeln!(out, "{}", e.to_json()) {
                write_err.get_or_insert(err);
            }
        }
    };
    for (path, archive) in files.iter().zip(&archives) {
        if let Some(a) = archive {
            let (rx, handle) = a.spawn_reader(None, crate::input::Counter::default());
            for batch in rx.iter() {
                archived += batch.len() as u64;
                for (m, t) in &batch {
                    let _ = engine.ingest_at(m, Some(*t), None, &mut events);
                    write_events(&mut events, &mut write_err);
                }
                if write_err.is_some() {
                    break;
                }
            }
            drop(rx);
            handle
                .join()
                .map_err(|_| anyhow::anyhow!("the reader of {path} failed"))??;
        } else {
            let total = if path == "-" {
                None
            } else {
                File::open(path)
                    .ok()
                    .and_then(|f| f.metadata().ok())
                    .map(|m| m.len())
            };
            let mut input = Input::open(path)?;
            let bar = show_progress.then(|| progress_bar(total, &input.name));
            dec.pipeline.next_input();
            let before = (dec.lines(), dec.messages());
            dec.first_error = None;
            // Bytes as on disk (compressed for gzip), like the total.
            let read = input.bytes_read();
            let show = |bar: &Option<indicatif::ProgressBar>| {
                if let Some(b) = bar {
                    b.set_position(read.load(Ordering::Relaxed));
                }
            };
            if apart {
                let (rx, back, handle) = dec.spawn(input);
                for batch in rx.iter() {
                    for d in &batch {
                        d.as_decoded().ingest(&mut engine, &mut events);
                        write_events(&mut events, &mut write_err);
                    }
                    show(&bar);
                    let _ = back.try_send(batch);
                    if write_err.is_some() {
                        break;
                    }
                }
                drop(rx);
                dec = handle
                    .join()
                    .map_err(|_| anyhow::anyhow!("the reader of {path} failed"))??;
            } else {
                input.for_each_line_while(|n, line| {
                    dec.line(n, line, &mut |d| d.ingest(&mut engine, &mut events));
                    write_events(&mut events, &mut write_err);
                    if n % 65536 == 0 {
                        show(&bar);
                    }
                    write_err.is_none()
                })?;
                dec.finish_input(&mut |d| d.ingest(&mut engine, &mut events));
            }
            if let Some(b) = bar {
                b.finish_and_clear();
            }
            let lines = dec.lines() - before.0;
            if lines > 0 && dec.messages() == before.1 && files.len() > 1 {
                eprintln!("finisterra: warning: {}", dec.nothing_from(path, lines));
            }
        }
        if let Some(e) = write_err.take() {
            if e.kind() == io::ErrorKind::BrokenPipe {
                return Ok(());
            }
            return Err(e).context("cannot write output");
        }
    }
    // A screening pass still worked out apart (`pass_lag_s`) is told.
    engine.settle(&mut events);
    for e in events.drain(..) {
        writeln!(out, "{}", e.to_json())?;
    }
    if let Err(e) = out.flush() {
        if e.kind() != io::ErrorKind::BrokenPipe {
            return Err(e).context("cannot write output");
        }
    }
    if dec.lines() > 0 && dec.messages() == 0 && archived == 0 {
        let what = if files.len() == 1 {
            files[0].as_str()
        } else {
            "the inputs"
        };
        bail!("nothing to scan: {}", dec.nothing_from(what, dec.lines()));
    }
    if dec.modes_untimed > 0 {
        eprintln!(
            "finisterra: {} Mode S frames carried no time (AVR `*…;` lines): skipped; give them as `time,hex` lines",
            dec.modes_untimed
        );
    }
    let untimed = dec.pipeline.stats().untimed;
    let decode_errors = dec.pipeline.stats().decode_errors;
    if untimed > 0 {
        eprintln!(
            "finisterra: {untimed} messages carried no time and came before any timed one: skipped (give --rate to replay untimed captures)"
        );
    }
    if args.summary {
        let mut e = io::stderr().lock();
        let ps = engine.picture_stats();
        let st = engine.stats();
        writeln!(e, "messages {}", ps.messages)?;
        writeln!(e, "decode_errors {decode_errors}")?;
        writeln!(e, "vessels {}", engine.picture().vessels_sorted().len())?;
        writeln!(e, "fixed_objects {}", engine.fixed_objects().count())?;
        writeln!(e, "positions_accepted {}", ps.positions)?;
        for (r, n) in &ps.rejected {
            writeln!(e, "rejected.{r} {n}")?;
        }
        writeln!(e, "reacquired {}", ps.reacquired)?;
        writeln!(e, "mmsi_conflicts {}", ps.mmsi_conflicts)?;
        writeln!(e, "screenings {}", st.screenings)?;
        writeln!(e, "candidate_pairs {}", st.candidate_pairs)?;
        writeln!(e, "precise_pairs {}", st.precise_pairs)?;
        writeln!(e, "arrival_pairs {}", st.arrival_pairs)?;
        writeln!(e, "advice_plans {}", st.advice_plans)?;
        writeln!(e, "advice_targets {}", st.advice_targets)?;
        for (k, n) in &st.events {
            writeln!(e, "events.{k} {n}")?;
        }
        writeln!(e, "open_risks {}", engine.open_risks().count())?;
        writeln!(e, "open_hazards {}", engine.open_hazards().count())?;
        writeln!(e, "zone_violations {}", engine.zone_violations().count())?;
    }
    Ok(())
}

fn progress_bar(total: Option<u64>, name: &str) -> indicatif::ProgressBar {
    let bar = match total {
        Some(t) => indicatif::ProgressBar::new(t),
        None => indicatif::ProgressBar::new_spinner(),
    };
    let style = indicatif::ProgressStyle::with_template(
        "{msg} {bar:40} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(name.to_string());
    bar
}

/// The decoding of a `scan` run: the NMEA pipeline (framing, decoding,
/// times) and the one Mode S decoder (a CPR position needs every frame of
/// its aircraft), both kept across the run's inputs.
struct Decoding {
    pipeline: Pipeline,
    modes: finisterra_modes::Decoder,
    /// Mode S frames without a time (a replay has no receive time to stand
    /// in): counted and skipped.
    modes_untimed: u64,
    /// Mode S lines read and messages handed on (the pipeline counts the
    /// AIS ones), and the first line rejected (reset per input): a run
    /// that judges nothing says why.
    modes_lines: u64,
    air_messages: u64,
    first_error: Option<String>,
}

/// A message of a `scan` input as decoded, in input order.
enum Decoded<'a> {
    Ais(&'a AisMessage, Stamp),
    Air(&'a finisterra_modes::AirMessage, Option<i64>),
}

impl Decoded<'_> {
    /// The message judged at its time.
    fn ingest(self, engine: &mut Engine, events: &mut Vec<Event>) {
        match self {
            Decoded::Ais(m, stamp) => {
                let _ = engine.ingest_at(m, stamp.data_ms, stamp.recv_ms, events);
            }
            Decoded::Air(m, t) => {
                let _ = engine.ingest_air_at(m, t, None, events);
            }
        }
    }

    fn to_owned(&self) -> Owned {
        match *self {
            Decoded::Ais(m, stamp) => Owned::Ais(m.clone(), stamp),
            Decoded::Air(m, t) => Owned::Air(*m, t),
        }
    }
}

/// A [`Decoded`] handed from the decoding thread to the engine.
#[allow(clippy::large_enum_variant)]
enum Owned {
    Ais(AisMessage, Stamp),
    Air(finisterra_modes::AirMessage, Option<i64>),
}

impl Owned {
    fn as_decoded(&self) -> Decoded<'_> {
        match self {
            Owned::Ais(m, stamp) => Decoded::Ais(m, *stamp),
            Owned::Air(m, t) => Decoded::Air(m, *t),
        }
    }
}

/// A pipeline output: a message to `sink`, the first rejected line kept.
fn ais_output(o: Output<'_>, first_error: &mut Option<String>, sink: &mut dyn FnMut(Decoded<'_>)) {
    match o {
        Output::Message(m, stamp, _) => sink(Decoded::Ais(m, stamp)),
        Output::Error(e) => {
            first_error.get_or_insert_with(|| e.to_string());
        }
    }
}

/// Messages per batch from the decoding thread.
const BATCH: usize = 4096;

impl Decoding {
    /// One line of an input: its messages, if any, to `sink` in order.
    fn line(&mut self, n: u64, line: &[u8], sink: &mut dyn FnMut(Decoded<'_>)) {
        if finisterra_modes::is_modes_text(line) {
            self.modes_lines += 1;
            match modes_text_message(line, &mut self.modes, None) {
                Ok(ModesLine::Message(m, t)) => {
                    self.air_messages += 1;
                    sink(Decoded::Air(&m, t));
                }
                Ok(ModesLine::Untimed) => self.modes_untimed += 1,
                Ok(ModesLine::Nothing) | Err(_) => {}
            }
        } else {
            let first_error = &mut self.first_error;
            self.pipeline
                .feed_line(n, line, None, &mut |o| ais_output(o, first_error, sink));
        }
    }

    /// The end of an input: what the pipeline still held (a sentence group
    /// waiting for its parts).
    fn finish_input(&mut self, sink: &mut dyn FnMut(Decoded<'_>)) {
        let first_error = &mut self.first_error;
        self.pipeline
            .finish(&mut |o| ais_output(o, first_error, sink));
    }

    /// Lines read so far, AIS and Mode S.
    fn lines(&self) -> u64 {
        self.pipeline.stats().lines + self.modes_lines
    }

    /// Messages handed on so far, AIS and Mode S.
    fn messages(&self) -> u64 {
        self.pipeline.stats().messages + self.air_messages
    }

    /// Why an input of `lines` lines gave no message, and what to do.
    fn nothing_from(&self, what: &str, lines: u64) -> String {
        let first = self
            .first_error
            .as_deref()
            .map(|e| format!(" (first rejected: {e})"))
            .unwrap_or_default();
        let fix = if self.pipeline.stats().untimed > 0 || self.modes_untimed > 0 {
            "its messages carry no time: give --rate MSG_PER_S to replay an untimed capture"
        } else {
            "`scan` reads AIS NMEA (times from tag blocks or trailing fields), Mode S lines (`time,hex`, AVR, SBS) and position archives; a CSV of positions goes through `finisterra archive build FILE --out DIR` first (with `--csv-columns` and `--time-format` as `census` takes them), then `scan DIR`"
        };
        let what = if what == "-" { "standard input" } else { what };
        let s = if lines == 1 { "" } else { "s" };
        format!("{what}: no AIS or Mode S message in {lines} line{s}{first}; {fix}")
    }

    /// Decodes `input` on a thread of its own, in batches through a
    /// bounded channel (memory stays flat), the emptied batches coming
    /// back on the second channel; the decoding is handed back at the end.
    /// When the receiver is dropped, the thread stops reading.
    #[allow(clippy::type_complexity)]
    fn spawn(
        mut self,
        mut input: Input,
    ) -> (
        Receiver<Vec<Owned>>,
        SyncSender<Vec<Owned>>,
        std::thread::JoinHandle<Result<Decoding>>,
    ) {
        let (tx, rx) = sync_channel::<Vec<Owned>>(8);
        let (back, back_rx) = sync_channel::<Vec<Owned>>(16);
        let handle = std::thread::spawn(move || -> Result<Decoding> {
            let mut batch: Vec<Owned> = Vec::with_capacity(BATCH);
            let mut open = true;
            input.for_each_line_while(|n, line| {
                self.line(n, line, &mut |d| batch.push(d.to_owned()));
                if batch.len() >= BATCH {
                    let next = back_rx.try_recv().map(|mut b| {
                        b.clear();
                        b
                    });
                    let full = std::mem::replace(
                        &mut batch,
                        next.unwrap_or_else(|_| Vec::with_capacity(BATCH)),
                    );
                    open = tx.send(full).is_ok();
                }
                open
            })?;
            if open {
                self.finish_input(&mut |d| batch.push(d.to_owned()));
                let _ = tx.send(batch);
            }
            Ok(self)
        });
        (rx, back, handle)
    }
}

/// What one Mode S text line gives ([`modes_text_message`]).
// Returned by value once per line and matched at once: boxing the message
// would cost an allocation per message.
#[allow(clippy::large_enum_variant)]
pub(crate) enum ModesLine {
    /// A message, with the line's own time if it carries one.
    Message(finisterra_modes::AirMessage, Option<i64>),
    /// A frame without a time and no receive time to stand in.
    Untimed,
    /// Nothing to judge (a heartbeat, a comment).
    Nothing,
}

/// The message of one Mode S text line (AVR, SBS, `time,hex`), decoded by
/// the run's one decoder (a CPR position needs every frame of its
/// aircraft): a frame at the line's own time, else at `recv_ms` (a live
/// line); an SBS line at its own time in a file, at its receive time live
/// (SBS times are the receiver's clock, as `serve` takes them). A line
/// that cannot be read is counted in the decoder's rejections and its
/// reason returned.
pub(crate) fn modes_text_message(
    line: &[u8],
    modes: &mut finisterra_modes::Decoder,
    recv_ms: Option<i64>,
) -> Result<ModesLine, finisterra_modes::Reject> {
    use finisterra_modes::{FrameTime, TextRecord};
    let record =
        finisterra_modes::parse_text_line(line).inspect_err(|&r| modes.count_rejection(r))?;
    Ok(match (record, recv_ms) {
        (TextRecord::Frame(f, FrameTime::UnixMs(t)), _) => {
            ModesLine::Message(modes.decode(f.bytes(), t)?, Some(t))
        }
        (TextRecord::Frame(f, _), Some(r)) => ModesLine::Message(modes.decode(f.bytes(), r)?, None),
        (TextRecord::Sbs(m, _), Some(_)) => ModesLine::Message(m, None),
        (TextRecord::Sbs(m, FrameTime::UnixMs(t)), None) => ModesLine::Message(m, Some(t)),
        (TextRecord::Frame(..) | TextRecord::Sbs(..), None) => ModesLine::Untimed,
        (TextRecord::Skip, _) => ModesLine::Nothing,
    })
}

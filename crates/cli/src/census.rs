//! `finisterra census`: months of archived AIS in, every near miss and every
//! suspicious behaviour out, as tables (JSON Lines, CSV, Parquet with the
//! `parquet` feature), `summary.json` and a self-contained `report.html`.

//!
//! Only the edges live here: opening files (gzip by magic bytes), reading
//! and decoding on their own threads, the progress bar, creating `DIR` and
//! its files. What an input is, how its lines become messages, in which
//! order the census sees them and how the results are written is
//! `finisterra_census`'s (sans-IO).

use std::fs::File;
use std::io::{self, BufRead, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use finisterra_ais::AisMessage;
use finisterra_census::csv::{CsvMapping, TimeFormat};
use finisterra_census::report::{html, ReportInput, LAND_50M_TOPOJSON};
use finisterra_census::{
    main_rejection, nothing_accepted, report_stats, summary_json, write_positions_csv,
    write_run_summary, AcceptedPosition, Census, CensusConfig, CensusStats, CsvInput, Finding,
    FindingWriter, InputFormat, InputStats, NearMissCriterion, NmeaInput, NmeaStats, Sniffer,
    Summary, POSITIONS_CSV_HEADER,
};
use finisterra_geofence::Land;
use finisterra_nmea::LineSplitter;

use crate::input::{open_raw, Counter};

/// How inputs are read (`census` and `archive build`).
#[derive(clap::Args, Debug)]
pub struct InputArgs {
    /// Input format: `auto` (CSV for `.csv`/`.csv.gz` names or a header
    /// line, NMEA otherwise), `nmea` or `csv`.
    #[arg(long, default_value = "auto", value_name = "auto|nmea|csv")]
    pub format: String,
    /// CSV columns, as `field=Column` pairs over the MarineCadastre names,
    /// e.g. `mmsi=ID,time=ais_pos_timestamp,lat=latitude,lon=longitude`;
    /// `msg_type=COLUMN` names a column of message numbers (AISdb's
    /// `Message_ID`) or station kinds (`Type of mobile`), so that base
    /// stations and aids to navigation are not taken as vessels.
    #[arg(long, value_name = "MAP")]
    pub csv_columns: Option<String>,
    /// CSV time format: `iso` (default), `unix`, `unix_ms` or a pattern
    /// such as `%d/%m/%Y %H:%M` (UTC). Without `%S` times are taken as
    /// minute resolution.
    #[arg(long, value_name = "FMT", default_value = "iso")]
    pub time_format: String,
    /// Sort each CSV file by time before reading it (`auto`: CSV yes, NMEA
    /// no; memory then grows with the largest file, about 50 bytes a row).
    #[arg(long, value_name = "auto|yes|no", default_value = "auto")]
    pub sort_files: String,
}

/// Options of the `census` command.
#[derive(clap::Args, Debug)]
pub struct CensusArgs {
    /// Input files: AIS NMEA with times (tag blocks, USCG trailers,
    /// `$PGHP`), or position CSV (MarineCadastre or mapped columns); plain
    /// or gzip; any number, in any order (they are read in the order of
    /// their first time). `-` reads NMEA from standard input.
    #[arg(required_unless_present = "print_config")]
    pub files: Vec<String>,
    /// Directory for the results (created if needed).
    #[arg(long, value_name = "DIR", required_unless_present = "print_config")]
    pub out: Option<String>,
    /// How the inputs are read.
    #[command(flatten)]
    pub input: InputArgs,
    /// Settings (JSON; any subset of `--print-config`).
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,
    /// Print the effective settings as JSON and exit.
    #[arg(long)]
    pub print_config: bool,
    /// Run only these detectors (comma-separated: near_misses, encounters,
    /// loitering, gaps, spoofing); the others' files stay empty.
    #[arg(long, value_name = "KINDS")]
    pub only: Option<String>,
    /// Near miss: closest actual distance below this, NM (default 0.5).
    #[arg(long, value_name = "NM")]
    pub near_miss_nm: Option<f64>,
    /// Near miss criterion: `distance`, `domain` (Fujii ellipse scaled by
    /// length) or `either`.
    #[arg(long, value_name = "distance|domain|either")]
    pub near_miss_criterion: Option<String>,
    /// Encounter: within this distance, metres (default 500).
    #[arg(long, value_name = "M")]
    pub encounter_m: Option<f64>,
    /// Encounter: for at least this long, hours (default 2).
    #[arg(long, value_name = "H")]
    pub encounter_hours: Option<f64>,
    /// Loitering: for at least this long, hours (default 4).
    #[arg(long, value_name = "H")]
    pub loiter_hours: Option<f64>,
    /// Gap: no position for at least this long, hours (default 12).
    #[arg(long, value_name = "H")]
    pub gap_hours: Option<f64>,
    /// Gap: both ends further than this from the coast, NM (default 50).
    #[arg(long, value_name = "NM")]
    pub gap_shore_nm: Option<f64>,
    /// Land for coast distances and positions on land: `world` (bundled
    /// Natural Earth 1:10m), `none`, or a land file.
    #[arg(long, value_name = "FILE|world|none", default_value = "world")]
    pub land: String,
    /// Inland waters (lakes, rivers) that are land in `--land` but water
    /// for `on_land`: `world` (bundled Natural Earth 1:50m lakes and river
    /// centre lines), `none`, or a file in a land format (its polygons are
    /// water).
    #[arg(long, value_name = "FILE|world|none", default_value = "world")]
    pub inland_water: String,
    /// Title of the report.
    #[arg(long, default_value = "Finisterra census")]
    pub title: String,
    /// Do not write `report.html`.
    #[arg(long)]
    pub no_report: bool,
    /// Do not write Parquet files (when built with the `parquet` feature).
    #[arg(long)]
    pub no_parquet: bool,
    /// Also write every accepted position (the cleaned tracks the census
    /// worked on) to this CSV file: `mmsi,time_ms,lat,lon,sog_kn,cog_deg`
    /// (gzip when the name ends in `.gz`).
    #[arg(long, value_name = "FILE")]
    pub export_positions: Option<String>,
    /// Threads for the census itself (the picture on one, the detector
    /// groups — near misses; encounters and loitering; gaps and spoofing —
    /// on the others; reading and decoding have threads of their own).
    /// Default: every core. The results are the same, byte for byte,
    /// whatever the number.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Read the positions even when the archive's index (`finisterra
    /// archive index`) could answer `--only encounters` or `--only gaps`.
    #[arg(long)]
    pub no_index: bool,
    /// Never show the progress bar (it shows only on a terminal).
    #[arg(long)]
    pub no_progress: bool,
    /// Do not print the summary on standard error.
    #[arg(long, short)]
    pub quiet: bool,
    /// Judge the archive in day shards on many machines: the days go to
    /// a NATS JetStream work queue that any number of `finisterra
    /// census-worker --nats URL` take from; their results are merged here
    /// into the same files. The input must be one archive directory
    /// (`finisterra archive build`), at the same path for every worker.
    #[arg(long, value_name = "URL[,URL...]")]
    pub nats: Option<String>,
    /// With `--nats`: days each shard reads before its own (default: 3
    /// when gaps are looked for, 1 otherwise; see README "The census on
    /// many machines").
    #[arg(long, value_name = "DAYS")]
    pub precursor_days: Option<u32>,
    /// With `--nats`: judge spoofing in the day shards instead of one
    /// shard over the whole archive. Faster with many workers (that shard
    /// reads every day on one of them), but an episode longer than the
    /// precursor (an invalid MMSI or a second transmitter all along) is
    /// reported from the start of the shard that closes it, not from its
    /// first position.
    #[arg(long, requires = "nats")]
    pub spoofing_by_day: bool,
    /// With `--nats`: subject and stream prefix.
    #[arg(long, value_name = "NAME", default_value = "fin")]
    pub prefix: String,
    /// With `--nats`: replicas of the work queue and results store when
    /// they are created (3 on a three-node cluster).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub replicas: usize,
}

/// The census settings of `--config FILE`, or the defaults.
pub(crate) fn read_config(path: Option<&str>) -> Result<CensusConfig> {
    Ok(match path {
        None => CensusConfig::default(),
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("cannot read {p}"))?;
            CensusConfig::from_json(&text).with_context(|| format!("bad census settings in {p}"))?
        }
    })
}

pub(crate) fn load_config(args: &CensusArgs) -> Result<CensusConfig> {
    let mut cfg = read_config(args.config.as_deref())?;
    if let Some(list) = &args.only {
        cfg.detectors = finisterra_census::Detectors::only(list)?;
    }
    if let Some(v) = args.near_miss_nm {
        cfg.near_miss.distance_nm = v;
    }
    if let Some(c) = &args.near_miss_criterion {
        cfg.near_miss.criterion = match c.as_str() {
            "distance" => NearMissCriterion::Distance,
            "domain" => NearMissCriterion::Domain,
            "either" => NearMissCriterion::Either,
            o => bail!("unknown near-miss criterion {o:?}: use distance, domain or either"),
        };
    }
    if let Some(v) = args.encounter_m {
        cfg.encounter.max_distance_m = v;
    }
    if let Some(v) = args.encounter_hours {
        cfg.encounter.min_duration_s = v * 3600.0;
    }
    if let Some(v) = args.loiter_hours {
        cfg.loitering.min_duration_s = v * 3600.0;
    }
    if let Some(v) = args.gap_hours {
        cfg.gap.min_duration_s = v * 3600.0;
    }
    if let Some(v) = args.gap_shore_nm {
        cfg.gap.min_shore_distance_nm = v;
    }
    cfg.validate()
        .context("bad census settings (after the command-line options)")?;
    Ok(cfg)
}

/// Decompression on its own thread: chunks of whole bytes go to the reader
/// through a bounded channel (so memory stays flat).
pub(crate) struct Chunks {
    rx: Receiver<io::Result<Vec<u8>>>,
    back: SyncSender<Vec<u8>>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Chunks {
    pub(crate) fn spawn(mut r: Box<dyn BufRead + Send>) -> Chunks {
        let (tx, rx) = sync_channel::<io::Result<Vec<u8>>>(4);
        let (back, back_rx) = sync_channel::<Vec<u8>>(8);
        let handle = std::thread::spawn(move || loop {
            let mut buf = back_rx
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(1 << 20));
            buf.clear();
            buf.resize(1 << 20, 0);
            let mut filled = 0;
            let res = loop {
                match r.read(&mut buf[filled..]) {
                    Ok(0) => break Ok(()),
                    Ok(k) => {
                        filled += k;
                        if filled == buf.len() {
                            break Ok(());
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => break Err(e),
                }
            };
            buf.truncate(filled);
            match res {
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
                Ok(()) if filled == 0 => return,
                Ok(()) => {
                    if tx.send(Ok(buf)).is_err() {
                        return;
                    }
                }
            }
        });
        Chunks {
            rx,
            back,
            handle: Some(handle),
        }
    }

    /// Calls `f(line_number, line)` for every line (split by
    /// [`LineSplitter`]). Returns the number of lines.
    pub(crate) fn for_each_line(
        &mut self,
        name: &str,
        mut f: impl FnMut(u64, &[u8]),
    ) -> Result<u64> {
        let mut splitter = LineSplitter::new();
        for chunk in self.rx.iter() {
            let chunk = chunk.with_context(|| format!("error reading {name}"))?;
            splitter.push(&chunk, &mut f);
            let _ = self.back.try_send(chunk);
        }
        if let Some((n, line)) = splitter.finish() {
            f(n, line);
        }
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
        Ok(splitter.lines())
    }
}

/// Messages per batch handed from the decoding thread to the census.
pub(crate) const BATCH: usize = 4096;

pub(crate) type Batch = Vec<(AisMessage, i64)>;

/// Decodes an NMEA input on its own thread ([`NmeaInput`]), in batches
/// (bounded channel: memory stays flat).
#[allow(clippy::type_complexity)]
pub(crate) fn spawn_nmea(
    mut chunks: Chunks,
    name: String,
) -> (
    Receiver<Batch>,
    SyncSender<Batch>,
    std::thread::JoinHandle<Result<NmeaStats>>,
) {
    let (tx, rx) = sync_channel::<Batch>(8);
    let (back, back_rx) = sync_channel::<Batch>(16);
    let handle = std::thread::spawn(move || -> Result<NmeaStats> {
        let mut input = NmeaInput::new();
        let mut batch: Batch = Vec::with_capacity(BATCH);
        let mut closed = false;
        chunks.for_each_line(&name, |n, line| {
            input.line(n, line, &mut batch);
            if batch.len() >= BATCH && !closed {
                let next = back_rx.try_recv().map(|mut b| {
                    b.clear();
                    b
                });
                let full = std::mem::replace(
                    &mut batch,
                    next.unwrap_or_else(|_| Vec::with_capacity(BATCH)),
                );
                if tx.send(full).is_err() {
                    closed = true;
                }
            }
            if closed {
                batch.clear();
            }
        })?;
        input.finish(&mut batch);
        if !batch.is_empty() && !closed {
            let _ = tx.send(batch);
        }
        Ok(input.stats().clone())
    });
    (rx, back, handle)
}

fn progress_bar(total: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total);
    let style = indicatif::ProgressStyle::with_template(
        "{bar:36} {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta} {msg}",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

/// `--threads`: as given (at least 1), or every core.
pub(crate) fn threads(arg: Option<usize>) -> Result<usize> {
    match arg {
        Some(0) => bail!("--threads must be at least 1"),
        Some(n) => Ok(n),
        None => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
    }
}

/// A census with `--land`, `--inland-water` and its threads.
pub(crate) fn make_census(
    cfg: CensusConfig,
    land: &str,
    inland_water: &str,
    threads: usize,
) -> Result<Census> {
    let census = Census::new(cfg, load_land(land)?)?;
    Ok(add_inland_water(census, inland_water)?.with_threads(threads))
}

/// `census` with the inland waters of `--inland-water`.
pub(crate) fn add_inland_water(census: Census, inland_water: &str) -> Result<Census> {
    Ok(match inland_water {
        "none" => census,
        "world" => census.with_inland_water(
            Land::inland_water().context("cannot load the bundled inland waters")?,
        ),
        path => census.with_inland_water(load_land(path)?),
    })
}

pub(crate) fn load_land(spec: &str) -> Result<Land> {
    Ok(match spec {
        "none" => Land::empty(),
        "world" => Land::world().context("cannot load the bundled land")?,
        path => {
            let bytes = std::fs::read(path).with_context(|| format!("cannot read {path}"))?;
            crate::land::parse_land(&bytes).with_context(|| format!("bad land file {path}"))?
        }
    })
}

type Export = Option<(Box<dyn Write>, Vec<AcceptedPosition>)>;

fn write_positions(census: &mut Census, export: &mut Export) -> Result<()> {
    let Some((w, buf)) = export.as_mut() else {
        return Ok(());
    };
    census.drain_positions(buf);
    write_positions_csv(w, buf).context("cannot write the positions")?;
    buf.clear();
    Ok(())
}

/// An input in the order of reading: path, format, first data time, size
/// on disk.
pub(crate) struct Planned {
    pub path: String,
    pub format: InputFormat,
    pub first_time_ms: Option<i64>,
    pub size: u64,
    /// An archive directory (its manifest), read instead of decoded.
    pub archive: Option<crate::archive::Archive>,
}

/// How the inputs are read: CSV columns and time format, the format when
/// forced (`--format`), and whether CSV files are sorted by time.
pub(crate) struct Reading {
    pub mapping: CsvMapping,
    pub tf: TimeFormat,
    pub forced: Option<InputFormat>,
    pub sort_csv: bool,
}

impl Reading {
    pub(crate) fn from_args(args: &InputArgs) -> Result<Reading> {
        let mapping = match &args.csv_columns {
            Some(s) => CsvMapping::parse(s)?,
            None => CsvMapping::marine_cadastre(),
        };
        let tf = TimeFormat::parse(&args.time_format)?;
        let forced = match args.format.as_str() {
            "auto" => None,
            "nmea" => Some(InputFormat::Nmea),
            "csv" => Some(InputFormat::Csv),
            o => bail!("unknown format {o:?}: use auto, nmea or csv"),
        };
        Ok(Reading {
            mapping,
            tf,
            forced,
            // `--sort-files auto` sorts CSV files.
            sort_csv: args.sort_files != "no",
        })
    }
}

/// The inputs in the order of reading: formats and first times from their
/// heads, then by first time (untimed ones last, as given).
pub(crate) fn plan_inputs(files: &[String], how: &Reading) -> Result<Vec<Planned>> {
    let mut inputs = files
        .iter()
        .map(|p| sniff(p, how))
        .collect::<Result<Vec<_>>>()?;
    inputs.sort_by_key(|i| i.first_time_ms.unwrap_or(i64::MAX));
    Ok(inputs)
}

/// One input from its head; `-` (standard input) is not read: NMEA unless
/// forced, untimed.
fn sniff(p: &str, how: &Reading) -> Result<Planned> {
    if p == "-" {
        return Ok(Planned {
            path: p.to_string(),
            format: how.forced.unwrap_or(InputFormat::Nmea),
            first_time_ms: None,
            size: 0,
            archive: None,
        });
    }
    if Path::new(p).is_dir() {
        let a = crate::archive::Archive::open(Path::new(p))?;
        return Ok(Planned {
            path: p.to_string(),
            format: InputFormat::Nmea,
            first_time_ms: a.first_time_ms(),
            size: a.size_bytes(),
            archive: Some(a),
        });
    }
    let sniffed = Sniffer::new(p, how.forced, &how.mapping, &how.tf)
        .read(open_raw(p, Counter::default())?)
        .with_context(|| format!("cannot read {p}"))?;
    Ok(Planned {
        path: p.to_string(),
        format: sniffed.format,
        first_time_ms: sniffed.first_time_ms,
        size: std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
        archive: None,
    })
}

/// The `--export-positions` file, its header written.
fn open_export(p: &str) -> Result<(Box<dyn Write>, Vec<AcceptedPosition>)> {
    let f = File::create(p).with_context(|| format!("cannot create {p}"))?;
    let mut w: Box<dyn Write> = if p.ends_with(".gz") {
        Box::new(flate2::write::GzEncoder::new(
            BufWriter::with_capacity(1 << 20, f),
            flate2::Compression::fast(),
        ))
    } else {
        Box::new(BufWriter::with_capacity(1 << 20, f))
    };
    w.write_all(POSITIONS_CSV_HEADER.as_bytes())?;
    Ok((w, Vec::new()))
}

/// The progress bar (when shown) and what it needs: bytes of the inputs
/// done, bytes of the current one read so far, the start time.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    counter: Counter,
    done_bytes: u64,
    started: Instant,
}

impl Progress {
    fn new(show: bool, total_bytes: u64) -> Progress {
        Progress {
            bar: show.then(|| progress_bar(total_bytes)),
            counter: Counter::default(),
            done_bytes: 0,
            started: Instant::now(),
        }
    }

    /// Shows `msgs` messages so far, in an input of `size` bytes.
    fn tick(&self, size: u64, msgs: u64) {
        if let Some(b) = &self.bar {
            b.set_position(self.done_bytes + self.counter.load(Ordering::Relaxed).min(size));
            let secs = self.started.elapsed().as_secs_f64().max(1e-3);
            b.set_message(format!(
                "{} msgs, {:.2} M msg/s",
                msgs,
                msgs as f64 / secs / 1e6
            ));
        }
    }

    /// An input of `size` bytes has been read.
    fn input_done(&mut self, size: u64) {
        self.done_bytes += size;
        self.counter.store(0, Ordering::Relaxed);
    }
}

/// The census being fed: its tables and positions export, the findings not
/// yet written, the input counters and the progress bar.
struct Feed {
    census: Census,
    sinks: FindingWriter<BufWriter<File>>,
    export: Export,
    found: Vec<Finding>,
    ist: InputStats,
    progress: Progress,
}

impl Feed {
    /// Loads the land, sets up the census, opens the positions export,
    /// creates `dir` and its tables.
    fn open(args: &CensusArgs, cfg: CensusConfig, dir: &Path, total_bytes: u64) -> Result<Feed> {
        let mut census = make_census(cfg, &args.land, &args.inland_water, threads(args.threads)?)?;
        let export = match &args.export_positions {
            Some(p) => {
                census.export_positions(true);
                Some(open_export(p)?)
            }
            None => None,
        };
        let sinks = open_tables(args, dir)?;
        let show = !args.no_progress && io::stderr().is_terminal();
        Ok(Feed {
            census,
            sinks,
            export,
            found: Vec::new(),
            ist: InputStats::default(),
            progress: Progress::new(show, total_bytes),
        })
    }

    /// Writes the findings and the accepted positions so far.
    fn flush(&mut self) -> Result<()> {
        self.sinks.write_all(&mut self.found);
        write_positions(&mut self.census, &mut self.export)
    }

    /// Reads one input into the census.
    fn read(&mut self, input: &Planned, how: &Reading) -> Result<()> {
        if let Some(a) = &input.archive {
            self.read_archive(a, input)?;
            self.flush()?;
            self.progress.input_done(input.size);
            return Ok(());
        }
        let reader = open_raw(&input.path, self.progress.counter.clone())?;
        let chunks = Chunks::spawn(reader);
        match input.format {
            InputFormat::Nmea => self.read_nmea(chunks, input)?,
            InputFormat::Csv => self.read_csv(chunks, input, how)?,
        }
        self.flush()?;
        self.progress.input_done(input.size);
        Ok(())
    }

    /// Reading, decompression and decoding run on their own threads; the
    /// census takes batches of decoded messages.
    fn read_nmea(&mut self, chunks: Chunks, input: &Planned) -> Result<()> {
        let path = &input.path;
        let (rx, back, handle) = spawn_nmea(chunks, path.clone());
        for batch in rx.iter() {
            for (m, t) in &batch {
                self.census.push(m, *t, &mut self.found);
            }
            self.flush()?;
            let msgs = self.census.messages();
            if msgs % 262_144 < BATCH as u64 {
                self.progress.tick(input.size, msgs);
            }
            let _ = back.try_send(batch);
        }
        let st = handle
            .join()
            .map_err(|_| anyhow::anyhow!("the reader of {path} failed"))??;
        self.ist.add_nmea(path, &st);
        Ok(())
    }

    /// An archive's days are read on their own thread, each day's messages
    /// in the order they were first read (`seq`).
    fn read_archive(&mut self, a: &crate::archive::Archive, input: &Planned) -> Result<()> {
        self.census.ids_not_mmsis(&a.ids_not_mmsis());
        let (rx, handle) = a.spawn_reader(None, self.progress.counter.clone());
        for batch in rx.iter() {
            for (m, t) in &batch {
                self.census.push(m, *t, &mut self.found);
            }
            self.flush()?;
            let msgs = self.census.messages();
            if msgs % 262_144 < BATCH as u64 {
                self.progress.tick(input.size, msgs);
            }
        }
        let rows = handle
            .join()
            .map_err(|_| anyhow::anyhow!("the reader of {} failed", input.path))??;
        self.ist.add_archive(&input.path, rows);
        Ok(())
    }

    /// CSV rows are decoded as they are read (and go to the census then,
    /// unless the file is sorted first).
    fn read_csv(&mut self, mut chunks: Chunks, input: &Planned, how: &Reading) -> Result<()> {
        let path = &input.path;
        let mut csv = CsvInput::new(&how.mapping, &how.tf, how.sort_csv);
        let mut header_err: Option<anyhow::Error> = None;
        let mut rows: Vec<(AisMessage, i64)> = Vec::new();
        let n = chunks.for_each_line(path, |n, line| {
            if let Err(e) = csv.line(line, &mut rows) {
                header_err.get_or_insert(anyhow::Error::new(e).context(format!("{path}: header")));
            }
            for (m, t) in rows.drain(..) {
                self.census.push(&m, t, &mut self.found);
            }
            self.sinks.write_all(&mut self.found);
            if n % 262_144 == 0 {
                self.progress.tick(input.size, n);
            }
        })?;
        if let Some(e) = header_err {
            return Err(e);
        }
        // Ids that are not MMSIs (all below 1,000,000) get no MMSI checks:
        // known only now, before the sorted rows go in (unsorted, their
        // findings wait for the end anyway).
        self.census.ids_not_mmsis(&csv.ids_not_mmsis());
        for (i, (m, t)) in csv.finish().enumerate() {
            self.census.push(&m, t, &mut self.found);
            self.sinks.write_all(&mut self.found);
            if i % 4096 == 4095 {
                write_positions(&mut self.census, &mut self.export)?;
            }
        }
        self.ist.add_csv(path, n, &csv.stats());
        Ok(())
    }

    /// Ends the census, writes its last findings and positions, closes the
    /// tables and writes the results in `dir`.
    fn finish(mut self, args: &CensusArgs, dir: &Path) -> Result<()> {
        self.census.finish(&mut self.found);
        self.flush()?;
        if let Some((mut w, _)) = self.export.take() {
            w.flush().context("cannot write the positions")?;
        }
        if let Some(b) = self.progress.bar.take() {
            b.finish_and_clear();
        }
        let summary = self.sinks.finish().context("cannot write the findings")?;
        let elapsed = self.progress.started.elapsed().as_secs_f64();
        let results = Results {
            cfg: self.census.config(),
            stats: &self.census.stats(),
            summary: &summary,
            input: &self.ist,
        };
        write_results(args, dir, &results, elapsed)
    }
}

/// Creates `dir` and its finding tables.
pub(crate) fn open_tables(args: &CensusArgs, dir: &Path) -> Result<FindingWriter<BufWriter<File>>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    FindingWriter::new(!args.no_parquet, |name| -> Result<BufWriter<File>> {
        let p = dir.join(name);
        let f = File::create(&p).with_context(|| format!("cannot create {}", p.display()))?;
        Ok(BufWriter::with_capacity(1 << 16, f))
    })
}

/// What a census found, to be written out.
pub(crate) struct Results<'a> {
    pub cfg: &'a CensusConfig,
    pub stats: &'a CensusStats,
    pub summary: &'a Summary,
    pub input: &'a InputStats,
}

/// `summary.json`, `report.html` (unless `--no-report`) and the summary on
/// standard error (unless `--quiet`).
pub(crate) fn write_results(
    args: &CensusArgs,
    dir: &Path,
    r: &Results<'_>,
    elapsed: f64,
) -> Result<()> {
    let (stats, summary, cfg) = (r.stats, r.summary, r.cfg);
    let input = r.input.to_json();
    let p = dir.join("summary.json");
    std::fs::write(&p, summary_json(summary, cfg, &input, stats)?)
        .with_context(|| format!("cannot write {}", p.display()))?;
    if !args.no_report {
        let page = html(
            &ReportInput {
                title: &args.title,
                summary,
                config: cfg,
                stats: &report_stats(&input, stats)?,
                inputs: &args.files,
            },
            LAND_50M_TOPOJSON,
        );
        let p = dir.join("report.html");
        std::fs::write(&p, page).with_context(|| format!("cannot write {}", p.display()))?;
    }
    if let Some(why) = nothing_accepted(&input, stats, &args.input.time_format) {
        bail!("{why} (counts in {})", dir.join("summary.json").display());
    }
    if !args.quiet {
        write_run_summary(
            &mut io::stderr().lock(),
            stats,
            summary,
            cfg,
            elapsed,
            &dir.display().to_string(),
        )?;
    }
    if let Some(r) = main_rejection(&input, stats) {
        eprintln!(
            "finisterra: warning: {} of {} input lines rejected as {} (summary.json): {}",
            r.count,
            r.lines,
            r.key,
            r.fix(&args.input.time_format)
        );
    }
    Ok(())
}

/// Runs the command.
pub fn run(args: &CensusArgs) -> Result<()> {
    let mut cfg = load_config(args)?;
    let how = Reading::from_args(&args.input)?;
    let inputs = plan_inputs(&args.files, &how)?;
    if inputs.iter().any(|i| i.format == InputFormat::Csv) {
        cfg.time_resolution_s = cfg.time_resolution_s.max(how.tf.resolution_s());
    }
    // An archive built from minute-resolution CSV: its times are as coarse.
    for a in inputs.iter().filter_map(|i| i.archive.as_ref()) {
        cfg.time_resolution_s = cfg.time_resolution_s.max(a.time_resolution_s());
    }
    if args.print_config {
        println!("{}", serde_json::to_string_pretty(&cfg)?);
        return Ok(());
    }
    let dir = PathBuf::from(args.out.as_deref().unwrap_or("."));
    if let Some(url) = &args.nats {
        return crate::census_nats::coordinate(args, url, cfg, &inputs, &dir);
    }
    if crate::archive::census_from_index(args, &cfg, &inputs, &dir)? {
        return Ok(());
    }
    let total_bytes = inputs.iter().map(|i| i.size).sum();
    let mut feed = Feed::open(args, cfg, &dir, total_bytes)?;
    for input in &inputs {
        feed.read(input, &how)?;
    }
    feed.finish(args, &dir)
}

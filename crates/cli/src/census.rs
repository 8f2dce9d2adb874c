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
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use finisterra_ais::AisMessage;
use finisterra_census::csv::{CsvMapping, TimeFormat};
use finisterra_census::report::{html, ReportInput, LAND_50M_TOPOJSON};
use finisterra_census::{
    report_stats, summary_json, write_positions_csv, write_run_summary, AcceptedPosition, Census,
    CensusConfig, CsvInput, Finding, FindingWriter, InputFormat, InputStats, NearMissCriterion,
    NmeaInput, NmeaStats, Sniffer, POSITIONS_CSV_HEADER,
};
use finisterra_geofence::Land;
use finisterra_nmea::LineSplitter;

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
    /// Input format: `auto` (CSV for `.csv`/`.csv.gz` names or a header
    /// line, NMEA otherwise), `nmea` or `csv`.
    #[arg(long, default_value = "auto", value_name = "auto|nmea|csv")]
    pub format: String,
    /// CSV columns, as `field=Column` pairs over the MarineCadastre names,
    /// e.g. `mmsi=ID,time=ais_pos_timestamp,lat=latitude,lon=longitude`.
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
    /// Never show the progress bar (it shows only on a terminal).
    #[arg(long)]
    pub no_progress: bool,
    /// Do not print the summary on standard error.
    #[arg(long, short)]
    pub quiet: bool,
}

fn load_config(args: &CensusArgs) -> Result<CensusConfig> {
    let mut cfg: CensusConfig = match &args.config {
        None => CensusConfig::default(),
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("cannot read {p}"))?;
            serde_json::from_str(&text).with_context(|| format!("bad census settings in {p}"))?
        }
    };
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
    Ok(cfg)
}

/// Input bytes read so far (compressed, as on disk), for the progress bar.
type Counter = Arc<AtomicU64>;

struct CountingReader<R> {
    inner: R,
    n: Counter,
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n.fetch_add(k as u64, Ordering::Relaxed);
        Ok(k)
    }
}

fn open_raw(path: &str, counter: Counter) -> Result<Box<dyn BufRead + Send>> {
    let raw: Box<dyn Read + Send> = if path == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(path).with_context(|| format!("cannot open {path}"))?)
    };
    let mut buf = BufReader::with_capacity(
        1 << 20,
        CountingReader {
            inner: raw,
            n: counter,
        },
    );
    let head = buf
        .fill_buf()
        .with_context(|| format!("cannot read {path}"))?;
    Ok(if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(BufReader::with_capacity(
            1 << 20,
            flate2::bufread::MultiGzDecoder::new(buf),
        ))
    } else {
        Box::new(buf)
    })
}

/// Decompression on its own thread: chunks of whole bytes go to the reader
/// through a bounded channel (so memory stays flat).
struct Chunks {
    rx: Receiver<io::Result<Vec<u8>>>,
    back: SyncSender<Vec<u8>>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Chunks {
    fn spawn(mut r: Box<dyn BufRead + Send>) -> Chunks {
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
    fn for_each_line(&mut self, name: &str, mut f: impl FnMut(u64, &[u8])) -> Result<u64> {
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
const BATCH: usize = 4096;

type Batch = Vec<(AisMessage, i64)>;

/// Decodes an NMEA input on its own thread ([`NmeaInput`]), in batches
/// (bounded channel: memory stays flat).
#[allow(clippy::type_complexity)]
fn spawn_nmea(
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

fn load_land(spec: &str) -> Result<Land> {
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
struct Planned {
    path: String,
    format: InputFormat,
    first_time_ms: Option<i64>,
    size: u64,
}

/// Runs the command.
pub fn run(args: &CensusArgs) -> Result<()> {
    let mut cfg = load_config(args)?;
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
    // Formats and first times of the inputs, from their heads.
    let mut inputs: Vec<Planned> = Vec::new();
    for p in &args.files {
        if p == "-" {
            inputs.push(Planned {
                path: p.clone(),
                format: forced.unwrap_or(InputFormat::Nmea),
                first_time_ms: None,
                size: 0,
            });
            continue;
        }
        let sniffed = Sniffer::new(p, forced, &mapping, &tf)
            .read(open_raw(p, Counter::default())?)
            .with_context(|| format!("cannot read {p}"))?;
        inputs.push(Planned {
            path: p.clone(),
            format: sniffed.format,
            first_time_ms: sniffed.first_time_ms,
            size: std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
        });
    }
    if inputs.iter().any(|i| i.format == InputFormat::Csv) {
        cfg.time_resolution_s = cfg.time_resolution_s.max(tf.resolution_s());
    }
    if args.print_config {
        println!("{}", serde_json::to_string_pretty(&cfg)?);
        return Ok(());
    }
    // In the order of their first times (untimed ones last, as given).
    inputs.sort_by_key(|i| i.first_time_ms.unwrap_or(i64::MAX));
    let land = load_land(&args.land)?;
    let mut census = Census::new(cfg, land)?;
    let mut export = match &args.export_positions {
        Some(p) => {
            census.export_positions(true);
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
            Some((w, Vec::new()))
        }
        None => None,
    };
    let dir = PathBuf::from(args.out.as_deref().unwrap_or("."));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut sinks = FindingWriter::new(!args.no_parquet, |name| -> Result<BufWriter<File>> {
        let p = dir.join(name);
        let f = File::create(&p).with_context(|| format!("cannot create {}", p.display()))?;
        Ok(BufWriter::with_capacity(1 << 16, f))
    })?;
    let total_bytes: u64 = inputs.iter().map(|i| i.size).sum();
    let show = !args.no_progress && io::stderr().is_terminal();
    let bar = show.then(|| progress_bar(total_bytes));
    let counter: Counter = Counter::default();
    let started = Instant::now();
    let mut found: Vec<Finding> = Vec::new();
    let mut ist = InputStats::default();
    let mut done_bytes = 0u64;
    for Planned {
        path, format, size, ..
    } in &inputs
    {
        let reader = open_raw(path, counter.clone())?;
        let mut chunks = Chunks::spawn(reader);
        let tick = |msgs: u64| {
            if let Some(b) = &bar {
                b.set_position(done_bytes + counter.load(Ordering::Relaxed).min(*size));
                let secs = started.elapsed().as_secs_f64().max(1e-3);
                b.set_message(format!(
                    "{} msgs, {:.2} M msg/s",
                    msgs,
                    msgs as f64 / secs / 1e6
                ));
            }
        };
        match format {
            InputFormat::Nmea => {
                // Reading, decompression and decoding run on their own
                // threads; the census takes batches of decoded messages.
                let (rx, back, handle) = spawn_nmea(chunks, path.clone());
                for batch in rx.iter() {
                    for (m, t) in &batch {
                        census.push(m, *t, &mut found);
                    }
                    sinks.write_all(&mut found);
                    write_positions(&mut census, &mut export)?;
                    let msgs = census.messages();
                    if msgs % 262_144 < BATCH as u64 {
                        tick(msgs);
                    }
                    let _ = back.try_send(batch);
                }
                let st = handle
                    .join()
                    .map_err(|_| anyhow::anyhow!("the reader of {path} failed"))??;
                ist.add_nmea(path, &st);
            }
            InputFormat::Csv => {
                // `--sort-files auto` sorts CSV files.
                let sort = args.sort_files != "no";
                let mut input = CsvInput::new(&mapping, &tf, sort);
                let mut header_err: Option<anyhow::Error> = None;
                let mut rows: Vec<(AisMessage, i64)> = Vec::new();
                let n = chunks.for_each_line(path, |n, line| {
                    if let Err(e) = input.line(line, &mut rows) {
                        header_err.get_or_insert(
                            anyhow::Error::new(e).context(format!("{path}: header")),
                        );
                    }
                    for (m, t) in rows.drain(..) {
                        census.push(&m, t, &mut found);
                    }
                    sinks.write_all(&mut found);
                    if n % 262_144 == 0 {
                        tick(n);
                    }
                })?;
                if let Some(e) = header_err {
                    return Err(e);
                }
                for (i, (m, t)) in input.finish().enumerate() {
                    census.push(&m, t, &mut found);
                    sinks.write_all(&mut found);
                    if i % 4096 == 4095 {
                        write_positions(&mut census, &mut export)?;
                    }
                }
                ist.add_csv(path, n, &input.stats());
            }
        }
        sinks.write_all(&mut found);
        write_positions(&mut census, &mut export)?;
        done_bytes += size;
        counter.store(0, Ordering::Relaxed);
    }
    census.finish(&mut found);
    sinks.write_all(&mut found);
    write_positions(&mut census, &mut export)?;
    if let Some((mut w, _)) = export.take() {
        w.flush().context("cannot write the positions")?;
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let summary = sinks.finish().context("cannot write the findings")?;
    let elapsed = started.elapsed().as_secs_f64();
    let stats = census.stats();
    let input = ist.to_json();
    let p = dir.join("summary.json");
    std::fs::write(&p, summary_json(&summary, census.config(), &input, &stats)?)
        .with_context(|| format!("cannot write {}", p.display()))?;
    if !args.no_report {
        let page = html(
            &ReportInput {
                title: &args.title,
                summary: &summary,
                config: census.config(),
                stats: &report_stats(&input, &stats)?,
                inputs: &args.files,
            },
            LAND_50M_TOPOJSON,
        );
        let p = dir.join("report.html");
        std::fs::write(&p, page).with_context(|| format!("cannot write {}", p.display()))?;
    }
    if !args.quiet {
        write_run_summary(
            &mut io::stderr().lock(),
            &stats,
            &summary,
            census.config(),
            elapsed,
            &dir.display().to_string(),
        )?;
    }
    Ok(())
}

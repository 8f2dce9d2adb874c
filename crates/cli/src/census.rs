//! `finisterra census`: months of archived AIS in, every near miss and every
//! suspicious behaviour out, as tables (JSON Lines, CSV, Parquet with the
//! `parquet` feature), `summary.json` and a self-contained `report.html`.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use finisterra_ais::{AisMessage, BasicPosition, Body, Event as DecodeEvent, StreamDecoder};
use finisterra_census::csv::{CsvMapping, CsvReader, CsvStats, TimeFormat};
use finisterra_census::report::{html, ReportInput, LAND_50M_TOPOJSON};
use finisterra_census::{
    csv_header, write_csv, write_json, Census, CensusConfig, Finding, Kind, NearMissCriterion,
    Summary,
};
use finisterra_geofence::Land;
use serde_json::json;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Nmea,
    Csv,
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

    /// Calls `f(line_number, line)` for every line (without its ending).
    fn for_each_line(&mut self, name: &str, mut f: impl FnMut(u64, &[u8])) -> Result<u64> {
        let mut n = 0u64;
        let mut carry: Vec<u8> = Vec::new();
        for chunk in self.rx.iter() {
            let chunk = chunk.with_context(|| format!("error reading {name}"))?;
            let mut start = 0;
            while let Some(p) = memchr::memchr(b'\n', &chunk[start..]) {
                let end = start + p;
                n += 1;
                if carry.is_empty() {
                    f(n, &chunk[start..end]);
                } else {
                    if carry.len() < MAX_LINE {
                        let room = MAX_LINE - carry.len();
                        carry.extend_from_slice(&chunk[start..end.min(start + room)]);
                    }
                    f(n, &carry);
                    carry.clear();
                }
                start = end + 1;
            }
            if start < chunk.len() && carry.len() < MAX_LINE {
                let room = MAX_LINE - carry.len();
                carry.extend_from_slice(&chunk[start..chunk.len().min(start + room)]);
            }
            let _ = self.back.try_send(chunk);
        }
        if !carry.is_empty() {
            n += 1;
            f(n, &carry);
        }
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
        Ok(n)
    }
}

/// Messages per batch handed from the decoding thread to the census.
const BATCH: usize = 4096;

/// Counts of one NMEA input.
#[derive(Default)]
struct NmeaStats {
    lines: u64,
    messages: u64,
    untimed: u64,
    errors: std::collections::BTreeMap<String, u64>,
}

type Batch = Vec<(AisMessage, i64)>;

/// Decodes an NMEA input on its own thread, in batches (bounded channel:
/// memory stays flat). Messages without a time take the previous one's,
/// as `scan` does.
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
        let mut st = NmeaStats::default();
        let mut dec = StreamDecoder::default();
        let mut last_time: Option<i64> = None;
        let mut batch: Batch = Vec::with_capacity(BATCH);
        let mut closed = false;
        let mut handle_ev = |ev: DecodeEvent<'_>, st: &mut NmeaStats, batch: &mut Batch| match ev {
            DecodeEvent::Message(m) => {
                st.messages += 1;
                match m.time.map(|t| t.unix_ms).or(last_time) {
                    Some(t) => {
                        last_time = Some(t);
                        batch.push((m.message.clone(), t));
                    }
                    None => st.untimed += 1,
                }
            }
            DecodeEvent::Error(e) => {
                *st.errors.entry(e.kind.reason().to_string()).or_default() += 1;
            }
        };
        let lines = chunks.for_each_line(&name, |n, line| {
            dec.feed(n, line, &mut |ev| handle_ev(ev, &mut st, &mut batch));
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
        dec.finish(&mut |ev| handle_ev(ev, &mut st, &mut batch));
        if !batch.is_empty() && !closed {
            let _ = tx.send(batch);
        }
        st.lines = lines;
        Ok(st)
    });
    (rx, back, handle)
}

/// Longest line kept whole (longer ones are cut and rejected by the framer).
const MAX_LINE: usize = 64 * 1024;

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn looks_like_csv(path: &str, first_line: &[u8]) -> bool {
    let lower = path.to_ascii_lowercase();
    if lower.ends_with(".csv") || lower.ends_with(".csv.gz") {
        return true;
    }
    let l = first_line
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(first_line);
    !l.is_empty()
        && !matches!(l[0], b'!' | b'$' | b'\\' | b'#')
        && !l[0].is_ascii_digit()
        && l.contains(&b',')
}

/// The first line of a file and its first data time (for ordering files).
fn peek(
    path: &str,
    format: Format,
    mapping: &CsvMapping,
    tf: &TimeFormat,
) -> Result<(Vec<u8>, Option<i64>)> {
    let mut r = open_raw(path, Counter::default())?;
    let mut first: Option<Vec<u8>> = None;
    let mut dec = StreamDecoder::default();
    let mut csv: Option<CsvReader> = None;
    let mut found: Option<i64> = None;
    let mut line = Vec::new();
    for n in 1..=5000u64 {
        line.clear();
        if r.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        let l = strip_cr(line.strip_suffix(b"\n").unwrap_or(&line)).to_vec();
        if first.is_none() {
            first = Some(l.clone());
            let is_csv = match format {
                Format::Csv => true,
                Format::Nmea => false,
            };
            if is_csv {
                csv = CsvReader::new(&l, mapping, tf.clone()).ok();
                continue;
            }
        }
        if let Some(c) = csv.as_mut() {
            let mut out = Vec::new();
            c.row(&l, &mut out);
            if let Some((_, t)) = out.first() {
                found = Some(*t);
                break;
            }
        } else {
            dec.feed(n, &l, &mut |ev| {
                if let DecodeEvent::Message(m) = ev {
                    if found.is_none() {
                        found = m.time.map(|t| t.unix_ms);
                    }
                }
            });
            if found.is_some() {
                break;
            }
        }
    }
    Ok((first.unwrap_or_default(), found))
}

/// Where findings go: a JSON Lines and a CSV file per kind, Parquet with
/// the feature.
struct Sinks {
    jsonl: Vec<BufWriter<File>>,
    csv: Vec<BufWriter<File>>,
    #[cfg(feature = "parquet")]
    parquet: Vec<finisterra_census::parquet::ParquetSink<File>>,
    line: String,
    summary: Summary,
    error: Option<io::Error>,
}

fn kind_index(k: Kind) -> usize {
    Kind::ALL.iter().position(|&x| x == k).unwrap_or(0)
}

impl Sinks {
    fn create(dir: &Path, parquet: bool) -> Result<Sinks> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let mut jsonl = Vec::new();
        let mut csv = Vec::new();
        for k in Kind::ALL {
            let p = dir.join(format!("{}.jsonl", k.name()));
            jsonl.push(BufWriter::with_capacity(
                1 << 16,
                File::create(&p).with_context(|| format!("cannot create {}", p.display()))?,
            ));
            let p = dir.join(format!("{}.csv", k.name()));
            let mut w = BufWriter::with_capacity(
                1 << 16,
                File::create(&p).with_context(|| format!("cannot create {}", p.display()))?,
            );
            w.write_all(csv_header(k).as_bytes())?;
            csv.push(w);
        }
        #[cfg(feature = "parquet")]
        let parquet = if parquet {
            let mut v = Vec::new();
            for k in Kind::ALL {
                let p = dir.join(format!("{}.parquet", k.name()));
                let f =
                    File::create(&p).with_context(|| format!("cannot create {}", p.display()))?;
                v.push(
                    finisterra_census::parquet::ParquetSink::new(f, k)
                        .with_context(|| format!("cannot start {}", p.display()))?,
                );
            }
            v
        } else {
            Vec::new()
        };
        #[cfg(not(feature = "parquet"))]
        let _ = parquet;
        Ok(Sinks {
            jsonl,
            csv,
            #[cfg(feature = "parquet")]
            parquet,
            line: String::with_capacity(1024),
            summary: Summary::new(12),
            error: None,
        })
    }

    fn write(&mut self, f: &Finding) {
        self.summary.add(f);
        let i = kind_index(f.kind());
        let vals = f.values();
        self.line.clear();
        write_json(f.kind().columns(), &vals, &mut self.line);
        self.line.push('\n');
        let r1 = self.jsonl[i].write_all(self.line.as_bytes());
        self.line.clear();
        write_csv(&vals, &mut self.line);
        let r2 = self.csv[i].write_all(self.line.as_bytes());
        #[cfg(feature = "parquet")]
        if let Some(p) = self.parquet.get_mut(i) {
            if let Err(e) = p.push(&vals) {
                self.error.get_or_insert(io::Error::other(e.to_string()));
            }
        }
        if let Err(e) = r1.and(r2) {
            self.error.get_or_insert(e);
        }
    }

    fn finish(self) -> Result<Summary> {
        if let Some(e) = self.error {
            return Err(e).context("cannot write the findings");
        }
        for mut w in self.jsonl.into_iter().chain(self.csv) {
            w.flush().context("cannot write the findings")?;
        }
        #[cfg(feature = "parquet")]
        for p in self.parquet {
            p.finish().context("cannot finish a Parquet file")?;
        }
        Ok(self.summary)
    }
}

/// A position row kept for sorting a CSV file (about 48 bytes).
#[derive(Clone, Copy)]
struct Compact {
    t: i64,
    lat: f64,
    lon: f64,
    mmsi: u32,
    sog: f32,
    cog: f32,
    heading: u16,
    status: u8,
    class_b: bool,
}

impl Compact {
    fn of(m: &AisMessage, t: i64) -> Option<Compact> {
        let f = |v: Option<f64>| v.map_or(f32::NAN, |x| x as f32);
        match &m.body {
            Body::Position(p) => Some(Compact {
                t,
                lat: p.lat_deg?,
                lon: p.lon_deg?,
                mmsi: m.mmsi,
                sog: f(p.sog_kn),
                cog: f(p.cog_deg),
                heading: p.heading_deg.unwrap_or(511),
                status: p.status,
                class_b: false,
            }),
            Body::ClassBPosition(p) => Some(Compact {
                t,
                lat: p.lat_deg?,
                lon: p.lon_deg?,
                mmsi: m.mmsi,
                sog: f(p.sog_kn),
                cog: f(p.cog_deg),
                heading: p.heading_deg.unwrap_or(511),
                status: 15,
                class_b: true,
            }),
            _ => None,
        }
    }

    fn message(&self) -> AisMessage {
        let g = |v: f32| v.is_finite().then_some(v as f64);
        BasicPosition {
            mmsi: self.mmsi,
            class_b: self.class_b,
            status: self.status,
            turn: None,
            sog_kn: g(self.sog),
            cog_deg: g(self.cog),
            heading_deg: (self.heading < 360).then_some(self.heading),
            lat_deg: self.lat,
            lon_deg: self.lon,
            second: ((self.t / 1000).rem_euclid(60)) as u8,
            accuracy: false,
            radio: 0,
        }
        .message()
    }
}

#[derive(Default)]
struct InputStats {
    files: Vec<serde_json::Value>,
    lines: u64,
    nmea_messages: u64,
    untimed: u64,
    decode_errors: std::collections::BTreeMap<String, u64>,
    csv: CsvStats,
}

fn merge_csv(into: &mut CsvStats, s: &CsvStats) {
    into.rows += s.rows;
    into.positions += s.positions;
    into.statics += s.statics;
    for (k, v) in &s.rejected {
        *into.rejected.entry(k.clone()).or_default() += v;
    }
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

type Export = Option<(Box<dyn Write>, Vec<finisterra_census::AcceptedPosition>)>;

fn write_positions(census: &mut Census, export: &mut Export) -> Result<()> {
    let Some((w, buf)) = export.as_mut() else {
        return Ok(());
    };
    census.drain_positions(buf);
    let mut line = String::new();
    for p in buf.drain(..) {
        use std::fmt::Write as _;
        line.clear();
        let f = |v: f32| {
            if v.is_finite() {
                format!("{v}")
            } else {
                String::new()
            }
        };
        let _ = writeln!(
            line,
            "{},{},{},{},{},{}",
            p.mmsi,
            p.time_ms,
            p.lat,
            p.lon,
            f(p.sog_kn),
            f(p.cog_deg)
        );
        w.write_all(line.as_bytes())
            .context("cannot write the positions")?;
    }
    Ok(())
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
        "nmea" => Some(Format::Nmea),
        "csv" => Some(Format::Csv),
        o => bail!("unknown format {o:?}: use auto, nmea or csv"),
    };
    // Formats and first times of the inputs.
    let mut inputs: Vec<(String, Format, Option<i64>, u64)> = Vec::new();
    for (i, p) in args.files.iter().enumerate() {
        if p == "-" {
            inputs.push((p.clone(), forced.unwrap_or(Format::Nmea), None, 0));
            continue;
        }
        let (first, _) = peek(p, Format::Nmea, &mapping, &tf)?;
        let fmt = forced.unwrap_or(if looks_like_csv(p, &first) {
            Format::Csv
        } else {
            Format::Nmea
        });
        let (_, t) = peek(p, fmt, &mapping, &tf)?;
        let size = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
        let _ = i;
        inputs.push((p.clone(), fmt, t, size));
    }
    if inputs.iter().any(|i| i.1 == Format::Csv) {
        cfg.time_resolution_s = cfg.time_resolution_s.max(tf.resolution_s());
    }
    if args.print_config {
        println!("{}", serde_json::to_string_pretty(&cfg)?);
        return Ok(());
    }
    // In the order of their first times (untimed ones last, as given).
    inputs.sort_by_key(|i| i.2.unwrap_or(i64::MAX));
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
            w.write_all(b"mmsi,time_ms,lat,lon,sog_kn,cog_deg\n")?;
            Some((w, Vec::new()))
        }
        None => None,
    };
    let dir = PathBuf::from(args.out.as_deref().unwrap_or("."));
    let mut sinks = Sinks::create(&dir, !args.no_parquet)?;
    let total_bytes: u64 = inputs.iter().map(|i| i.3).sum();
    let show = !args.no_progress && io::stderr().is_terminal();
    let bar = show.then(|| progress_bar(total_bytes));
    let counter: Counter = Counter::default();
    let started = Instant::now();
    let mut found: Vec<Finding> = Vec::new();
    let mut ist = InputStats::default();
    let mut done_bytes = 0u64;
    for (path, fmt, _, size) in &inputs {
        let before_lines = ist.lines;
        let reader = open_raw(path, counter.clone())?;
        let mut chunks = Chunks::spawn(reader);
        let sort = match args.sort_files.as_str() {
            "yes" => true,
            "no" => false,
            _ => *fmt == Format::Csv,
        };
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
        match fmt {
            Format::Nmea => {
                // Reading, decompression and decoding run on their own
                // threads; the census takes batches of decoded messages.
                let (rx, back, handle) = spawn_nmea(chunks, path.clone());
                for batch in rx.iter() {
                    for (m, t) in &batch {
                        census.push(m, *t, &mut found);
                    }
                    for f in found.drain(..) {
                        sinks.write(&f);
                    }
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
                ist.lines += st.lines;
                ist.nmea_messages += st.messages;
                ist.untimed += st.untimed;
                for (k, v) in st.errors {
                    *ist.decode_errors.entry(k).or_default() += v;
                }
            }
            Format::Csv => {
                let mut reader: Option<CsvReader> = None;
                let mut header_err: Option<anyhow::Error> = None;
                let mut rows: Vec<(AisMessage, i64)> = Vec::new();
                let mut sorted_pos: Vec<(i64, u32, Compact)> = Vec::new();
                let mut sorted_static: Vec<(i64, u32, AisMessage)> = Vec::new();
                let mut seq = 0u32;
                let n = chunks.for_each_line(path, |n, line| {
                    let line = strip_cr(line);
                    let Some(r) = reader.as_mut() else {
                        if header_err.is_none() {
                            match CsvReader::new(line, &mapping, tf.clone()) {
                                Ok(r) => reader = Some(r),
                                Err(e) => {
                                    header_err = Some(
                                        anyhow::Error::new(e).context(format!("{path}: header")),
                                    )
                                }
                            }
                        }
                        return;
                    };
                    rows.clear();
                    r.row(line, &mut rows);
                    for (m, t) in rows.drain(..) {
                        if sort {
                            seq = seq.wrapping_add(1);
                            match Compact::of(&m, t) {
                                Some(c) => sorted_pos.push((t, seq, c)),
                                None => sorted_static.push((t, seq, m)),
                            }
                        } else {
                            census.push(&m, t, &mut found);
                        }
                    }
                    for f in found.drain(..) {
                        sinks.write(&f);
                    }
                    if n % 262_144 == 0 {
                        tick(n);
                    }
                })?;
                if let Some(e) = header_err {
                    return Err(e);
                }
                if sort {
                    sorted_pos.sort_unstable_by_key(|p| (p.0, p.1));
                    sorted_static.sort_unstable_by_key(|p| (p.0, p.1));
                    let mut si = sorted_static.into_iter().peekable();
                    for (t, s, c) in sorted_pos {
                        while si.peek().is_some_and(|x| (x.0, x.1) < (t, s)) {
                            let (ts, _, m) = si.next().expect("peeked");
                            census.push(&m, ts, &mut found);
                        }
                        census.push(&c.message(), t, &mut found);
                        for f in found.drain(..) {
                            sinks.write(&f);
                        }
                        if s % 4096 == 0 {
                            write_positions(&mut census, &mut export)?;
                        }
                    }
                    for (ts, _, m) in si {
                        census.push(&m, ts, &mut found);
                    }
                }
                if let Some(r) = &reader {
                    merge_csv(&mut ist.csv, r.stats());
                }
                ist.lines += n;
            }
        }
        for f in found.drain(..) {
            sinks.write(&f);
        }
        write_positions(&mut census, &mut export)?;
        done_bytes += size;
        counter.store(0, Ordering::Relaxed);
        ist.files.push(json!({
            "file": path,
            "format": if *fmt == Format::Csv { "csv" } else { "nmea" },
            "lines": ist.lines - before_lines,
        }));
    }
    census.finish(&mut found);
    for f in found.drain(..) {
        sinks.write(&f);
    }
    write_positions(&mut census, &mut export)?;
    if let Some((mut w, _)) = export.take() {
        w.flush().context("cannot write the positions")?;
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let summary = sinks.finish()?;
    let elapsed = started.elapsed().as_secs_f64();
    let stats = census.stats();
    let input = json!({
        "files": ist.files,
        "lines": ist.lines,
        "nmea_messages": ist.nmea_messages,
        "untimed_messages": ist.untimed,
        "decode_errors": ist.decode_errors,
        "csv": ist.csv,
    });
    let mut doc = serde_json::to_value(&summary)?;
    if let serde_json::Value::Object(m) = &mut doc {
        m.insert("thresholds".into(), serde_json::to_value(census.config())?);
        m.insert("input".into(), input.clone());
        m.insert("census".into(), serde_json::to_value(&stats)?);
    }
    let p = dir.join("summary.json");
    std::fs::write(&p, serde_json::to_string_pretty(&doc)? + "\n")
        .with_context(|| format!("cannot write {}", p.display()))?;
    if !args.no_report {
        let st = json!({"input": input, "census": serde_json::to_value(&stats)?});
        let page = html(
            &ReportInput {
                title: &args.title,
                summary: &summary,
                config: census.config(),
                stats: &st,
                inputs: &args.files,
            },
            LAND_50M_TOPOJSON,
        );
        let p = dir.join("report.html");
        std::fs::write(&p, page).with_context(|| format!("cannot write {}", p.display()))?;
    }
    if !args.quiet {
        let mut e = io::stderr().lock();
        writeln!(
            e,
            "finisterra census: {} messages ({} positions, {} accepted) from {} vessels in {:.2} s ({:.2} M msg/s)",
            stats.messages,
            stats.positions,
            stats.accepted_positions,
            stats.vessels,
            elapsed,
            stats.messages as f64 / elapsed.max(1e-9) / 1e6
        )?;
        for k in Kind::ALL {
            writeln!(
                e,
                "  {:<12} {}",
                k.name(),
                summary.counts.get(k.name()).copied().unwrap_or(0)
            )?;
        }
        if stats.late > 0 {
            writeln!(e, "  note: {} messages came later than the reorder window ({} s); if the inputs are not in time order, use --sort-files yes", stats.late, census.config().reorder_window_s)?;
        }
        writeln!(e, "  results in {}", dir.display())?;
    }
    Ok(())
}

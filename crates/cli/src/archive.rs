//! `finisterra archive build`: inputs decoded once into the columnar
//! position archive (`finisterra_census::archive`: Parquet by day, sorted
//! by vessel and time, static data beside, a manifest), and the archive
//! read back by `census` as it reads NMEA.
//!
//! Only the edges live here: opening and creating files and directories,
//! the reading threads, the manifest written last (by a rename, so that an
//! interrupted build leaves the archive as it was).

use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::thread::JoinHandle;

use anyhow::Result;

use crate::census::{Batch, InputArgs};
use crate::input::Counter;

/// Options of the `archive` command.
#[derive(clap::Args, Debug)]
pub struct ArchiveArgs {
    #[command(subcommand)]
    command: ArchiveCommand,
}

#[derive(clap::Subcommand, Debug)]
enum ArchiveCommand {
    /// Decode inputs once into Parquet by day (DIR/positions/day=YYYY-MM-DD/
    /// part-N.parquet, DIR/static/...), sorted by vessel and time; into an
    /// existing archive, new days (and late rows of old days) go to new
    /// files, none is rewritten. `census DIR` reads it.
    Build(BuildArgs),
    /// Keep the archive's encounter and gap candidates beside it
    /// (DIR/index/), so that `census DIR --only encounters`, `--only gaps`
    /// or both, with any thresholds within these, answer without reading a
    /// position: the archive read once by a census at the widest
    /// thresholds, its close pairs of resampled positions and its silences
    /// kept. Rebuild after appending days (an older index is not used).
    Index(IndexArgs),
}

/// Options of `archive index`.
#[derive(clap::Args, Debug)]
pub struct IndexArgs {
    /// The archive directory.
    pub archive: String,
    /// Keep pairs within this distance, metres: reruns may ask for
    /// encounters up to it.
    #[arg(long, value_name = "M", default_value_t = 2_000.0)]
    pub max_distance_m: f64,
    /// Reruns may ask for median speeds up to this, knots (faster
    /// positions are not kept).
    #[arg(long, value_name = "KN", default_value_t = 4.0)]
    pub max_median_sog_kn: f64,
    /// Keep silences of at least this long, hours: reruns may ask for
    /// gaps down to it.
    #[arg(long, value_name = "H", default_value_t = 1.0)]
    pub min_gap_hours: f64,
    /// Keep the pairs that came closer than this, NM: reruns may ask for
    /// near misses up to it.
    #[arg(long, value_name = "NM", default_value_t = 1.0)]
    pub max_near_miss_nm: f64,
    /// Keep the resampled positions slower than this, knots: reruns may
    /// ask for loitering up to it.
    #[arg(long, value_name = "KN", default_value_t = 4.0)]
    pub max_loiter_sog_kn: f64,
    /// Census settings (JSON; as `census --config`): the picture and the
    /// resampling settings here are the ones reruns must use, and the
    /// spoofing settings the ones reruns with spoofing must use.
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,
    /// Land for the shore classes of the pairs (as `census --land`):
    /// reruns must use the same.
    #[arg(long, value_name = "FILE|world|none", default_value = "world")]
    pub land: String,
    /// Inland waters for the spoofing findings (as `census
    /// --inland-water`): reruns with spoofing must use the same.
    #[arg(long, value_name = "FILE|world|none", default_value = "world")]
    pub inland_water: String,
    /// Threads for the census that builds the index (as `census
    /// --threads`; default every core; the same index whatever the number).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Do not print the summary on standard error.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Options of `archive build`.
#[derive(clap::Args, Debug)]
pub struct BuildArgs {
    /// Input files: AIS NMEA with times, or position CSV (MarineCadastre or
    /// mapped columns); plain or gzip; read in the order of their first
    /// time.
    #[arg(required = true)]
    pub files: Vec<String>,
    /// The archive directory (created, or appended to).
    #[arg(long, value_name = "DIR")]
    pub out: String,
    /// How the inputs are read.
    #[command(flatten)]
    pub input: InputArgs,
    /// Threads that encode the Parquet columns (default every core; the
    /// files are the same, byte for byte, whatever the number; reading and
    /// decoding have threads of their own).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Rows per Parquet file at most: a day's rows are cut into files of
    /// this many in the order they were read, each sorted by vessel and
    /// time. A census of the archive holds about one file of positions at
    /// a time (72 bytes a row), a build one per open day; fewer rows, more
    /// files (and more row groups for a query of one vessel to read).
    #[arg(long, value_name = "N", default_value_t = finisterra_census::archive::PART_ROWS as u64,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub part_rows: u64,
    /// Do not print the summary on standard error.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs the command.
pub fn run(args: &ArchiveArgs) -> Result<()> {
    match &args.command {
        ArchiveCommand::Build(b) => imp::build(b),
        ArchiveCommand::Index(p) => imp::index(p),
    }
}

/// An archive directory opened for reading: its manifest checked and every
/// file it lists present.
#[derive(Debug)]
pub struct Archive {
    dir: PathBuf,
    #[cfg(feature = "parquet")]
    manifest: finisterra_census::archive::Manifest,
    size: u64,
}

impl Archive {
    /// The total size of the archive's files, bytes.
    pub fn size_bytes(&self) -> u64 {
        self.size
    }
}

#[cfg(not(feature = "parquet"))]
mod imp {
    use super::*;
    use anyhow::bail;

    const WHY: &str =
        "this finisterra was built without the `parquet` feature (cargo build --features parquet)";

    pub fn build(_: &BuildArgs) -> Result<()> {
        bail!("archive build: {WHY}")
    }

    pub fn index(_: &IndexArgs) -> Result<()> {
        bail!("archive index: {WHY}")
    }

    /// No archive, no pair index: the census reads its inputs.
    pub fn census_from_index(
        _: &crate::census::CensusArgs,
        _: &finisterra_census::CensusConfig,
        _: &[crate::census::Planned],
        _: &Path,
    ) -> Result<bool> {
        Ok(false)
    }

    impl Archive {
        /// Refuses: no Parquet here.
        pub fn open(dir: &Path) -> Result<Archive> {
            bail!("{} is a directory: {WHY} to read archives", dir.display())
        }

        /// Never called (no archive can be opened).
        pub fn first_time_ms(&self) -> Option<i64> {
            let _ = (&self.dir, self.size);
            None
        }

        /// Never called (no archive can be opened).
        pub fn ids_not_mmsis(&self) -> Vec<u32> {
            Vec::new()
        }

        /// Never called (no archive can be opened).
        pub fn time_resolution_s(&self) -> f64 {
            0.0
        }

        /// Never called (no archive can be opened).
        pub fn spawn_reader(
            &self,
            _: Option<Vec<String>>,
            _: Counter,
        ) -> (Receiver<Batch>, JoinHandle<Result<u64>>) {
            let (_, rx) = std::sync::mpsc::sync_channel(0);
            (rx, std::thread::spawn(|| bail!("{WHY}")))
        }

        /// Never called (no archive can be opened).
        pub fn days(&self) -> Vec<String> {
            Vec::new()
        }

        /// Never called (no archive can be opened).
        pub fn rows_of_day(&self, _: &str) -> u64 {
            0
        }
    }
}

pub use imp::census_from_index;

#[cfg(feature = "parquet")]
mod imp {
    use super::*;

    use std::fs::File;
    use std::io::{BufWriter, IsTerminal};
    use std::sync::atomic::Ordering;
    use std::sync::mpsc::sync_channel;

    use anyhow::{bail, Context};
    use finisterra_census::archive::{
        ArchiveBuilder, ArchiveError, DayReader, Manifest, ReadyDay, WrittenDay, MANIFEST,
    };
    use finisterra_census::{CsvInput, InputFormat, InputStats};

    use crate::census::{plan_inputs, spawn_nmea, Chunks, Reading, BATCH};
    use crate::input::open_raw;

    impl Archive {
        /// Opens `dir`: the manifest read and checked (format, version),
        /// every file it lists present.
        pub fn open(dir: &Path) -> Result<Archive> {
            let mf = dir.join(MANIFEST);
            let name = mf.display().to_string();
            let text = std::fs::read_to_string(&mf).with_context(|| {
                format!(
                    "{} is a directory but not a finisterra archive (no {MANIFEST})",
                    dir.display()
                )
            })?;
            let manifest = Manifest::parse(&text, &name)?;
            let mut size = 0;
            for p in manifest.positions.iter().chain(&manifest.statics) {
                let f = dir.join(&p.file);
                let m = std::fs::metadata(&f).with_context(|| {
                    format!(
                        "{}: day {} of the archive is missing ({} rows listed in {name})",
                        f.display(),
                        p.day,
                        p.rows
                    )
                })?;
                size += m.len();
            }
            Ok(Archive {
                dir: dir.to_path_buf(),
                manifest,
                size,
            })
        }

        /// Ids of the archive that are not MMSIs.
        pub fn ids_not_mmsis(&self) -> Vec<u32> {
            self.manifest.ids_not_mmsis()
        }

        /// The resolution of the times the archive's builds read, seconds.
        pub fn time_resolution_s(&self) -> f64 {
            self.manifest.time_resolution_s()
        }

        /// The files the manifest lists (positions, then static data).
        fn part_files(&self) -> Vec<String> {
            let m = &self.manifest;
            m.positions
                .iter()
                .chain(&m.statics)
                .map(|p| p.file.clone())
                .collect()
        }

        /// The archive's earliest time, ms.
        pub fn first_time_ms(&self) -> Option<i64> {
            self.manifest.first_time_ms()
        }

        /// The archive's days (`YYYY-MM-DD`), in order.
        pub fn days(&self) -> Vec<String> {
            self.manifest.days().into_iter().map(|d| d.0).collect()
        }

        /// Rows (positions and static data) of one day.
        pub fn rows_of_day(&self, day: &str) -> u64 {
            let m = &self.manifest;
            m.positions
                .iter()
                .chain(&m.statics)
                .filter(|p| p.day == day)
                .map(|p| p.rows)
                .sum()
        }

        /// Reads the archive day by day (every day, or only `only`) on a
        /// thread of its own: batches of messages in reading order; the
        /// thread's result is the number of rows read (or the first error,
        /// naming its file). `counter` gets the bytes of the files read.
        pub fn spawn_reader(
            &self,
            only: Option<Vec<String>>,
            counter: Counter,
        ) -> (Receiver<Batch>, JoinHandle<Result<u64>>) {
            let (tx, rx) = sync_channel::<Batch>(8);
            let dir = self.dir.clone();
            let days: Vec<_> = self
                .manifest
                .days()
                .into_iter()
                .filter(|(d, _, _)| only.as_ref().is_none_or(|o| o.contains(d)))
                .map(|(d, p, s)| {
                    let own = |v: Vec<&finisterra_census::archive::Part>| {
                        v.into_iter().cloned().collect::<Vec<_>>()
                    };
                    (d, own(p), own(s))
                })
                .collect();
            let handle = std::thread::spawn(move || -> Result<u64> {
                let mut rows = 0u64;
                for (_, pos, stat) in days {
                    let mut msgs = DayReader::new(
                        open_parts(&dir, &pos, &counter)?,
                        open_parts(&dir, &stat, &counter)?,
                    );
                    loop {
                        let mut chunk: Batch = Vec::with_capacity(BATCH);
                        for m in msgs.by_ref().take(BATCH) {
                            chunk.push(m.map_err(|e| read_error(&dir, e))?);
                        }
                        if chunk.is_empty() {
                            break;
                        }
                        rows += chunk.len() as u64;
                        if tx.send(chunk).is_err() {
                            return Ok(rows);
                        }
                    }
                }
                Ok(rows)
            });
            (rx, handle)
        }
    }

    /// A read error with the file's path in the archive.
    fn read_error(dir: &Path, e: ArchiveError) -> anyhow::Error {
        let ArchiveError::Parquet { file, reason } = e else {
            return anyhow::Error::new(e).context(dir.display().to_string());
        };
        anyhow::anyhow!("{}: {reason}", dir.join(file).display())
    }

    /// Opens a day's files, counting their bytes.
    fn open_parts<'a>(
        dir: &Path,
        parts: &'a [finisterra_census::archive::Part],
        counter: &Counter,
    ) -> Result<Vec<(&'a finisterra_census::archive::Part, File)>> {
        parts
            .iter()
            .map(|p| {
                let f = dir.join(&p.file);
                let file =
                    File::open(&f).with_context(|| format!("cannot open {}", f.display()))?;
                counter.fetch_add(file.metadata().map_or(0, |m| m.len()), Ordering::Relaxed);
                Ok((p, file))
            })
            .collect()
    }

    /// Creates `dir/rel`'s directories and the file (buffered).
    fn create(dir: &Path, rel: &str, created: &Created) -> Result<BufWriter<File>> {
        let p = dir.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        if let Ok(mut c) = created.lock() {
            c.push(p.clone());
        }
        let f = File::create(&p).with_context(|| format!("cannot create {}", p.display()))?;
        Ok(BufWriter::with_capacity(1 << 20, f))
    }

    /// The files a build created, to be removed if it fails.
    type Created = std::sync::Arc<std::sync::Mutex<Vec<PathBuf>>>;

    /// Removes what a failed build created: its files, then the
    /// directories they leave empty (up to `dir`, and `dir` itself when the
    /// build made it). What cannot be removed is named.
    fn undo(dir: &Path, created: &Created, dir_was_there: bool) -> Vec<String> {
        let files = created.lock().map(|c| c.clone()).unwrap_or_default();
        let mut left = Vec::new();
        let mut dirs = std::collections::BTreeSet::new();
        for f in &files {
            if std::fs::remove_file(f).is_err() && f.exists() {
                left.push(f.display().to_string());
            }
            let mut p = f.parent();
            while let Some(d) = p {
                if !d.starts_with(dir) || d == dir {
                    break;
                }
                dirs.insert(d.to_path_buf());
                p = d.parent();
            }
        }
        // Deepest first: a day's directory before `positions/`.
        for d in dirs.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
        if !dir_was_there {
            let _ = std::fs::remove_dir(dir);
        }
        left
    }

    /// Writes the days an [`ArchiveBuilder`] hands over on a thread of its
    /// own, while the build reads and decodes on: one day written and one
    /// waiting at most (the builder holds the day it is filling besides).
    struct DayWriter {
        days: Option<std::sync::mpsc::SyncSender<ReadyDay>>,
        written: Receiver<Result<WrittenDay>>,
        thread: Option<JoinHandle<()>>,
    }

    impl DayWriter {
        fn spawn(dir: PathBuf, threads: usize, created: Created) -> DayWriter {
            let (tx, rx) = sync_channel::<ReadyDay>(0);
            let (done_tx, done) = std::sync::mpsc::channel();
            let thread = std::thread::spawn(move || {
                for day in rx {
                    let r = day.write(threads, |rel| create(&dir, rel, &created));
                    let failed = r.is_err();
                    if done_tx.send(r).is_err() || failed {
                        break;
                    }
                }
            });
            DayWriter {
                days: Some(tx),
                written: done,
                thread: Some(thread),
            }
        }

        /// Hands over the days `b` has ready (all of them with `all`),
        /// and records those written meanwhile.
        fn hand(&mut self, b: &mut ArchiveBuilder, all: bool) -> Result<()> {
            for day in b.take_ready(all) {
                let name = day.day().to_string();
                let sent = self.days.as_ref().map(|tx| tx.send(day));
                if !matches!(sent, Some(Ok(()))) {
                    // The writer stopped: its error says why.
                    self.record(b, true)?;
                    bail!("the archive's writer stopped before day {name}");
                }
            }
            self.record(b, false)
        }

        /// Stops the writer, waiting for the day it is writing (a failed
        /// build removes what it wrote only once nothing more is written).
        fn stop(&mut self) -> Result<()> {
            self.days = None;
            if let Some(t) = self.thread.take() {
                t.join()
                    .map_err(|_| anyhow::anyhow!("the archive's writer failed"))?;
            }
            Ok(())
        }

        /// Records the days written (waiting for all of them with `wait`).
        fn record(&mut self, b: &mut ArchiveBuilder, wait: bool) -> Result<()> {
            if wait {
                self.stop()?;
            }
            for w in self.written.try_iter() {
                b.record(w?);
            }
            Ok(())
        }
    }

    /// Reads every input into the builder, the days handed to the writer
    /// as they are ready, and waits for the last one written.
    fn read_into(
        inputs: &[crate::census::Planned],
        how: &Reading,
        show: bool,
        b: &mut ArchiveBuilder,
        writer: &mut DayWriter,
    ) -> Result<InputStats> {
        let mut ist = InputStats::default();
        for input in inputs {
            if show {
                eprint!("\rreading {} ...", input.path);
            }
            let reader = open_raw(&input.path, Counter::default())?;
            let mut chunks = Chunks::spawn(reader);
            match input.format {
                InputFormat::Nmea => {
                    let (rx, back, handle) = spawn_nmea(chunks, input.path.clone());
                    for batch in rx.iter() {
                        for (m, t) in &batch {
                            b.push(m, *t);
                        }
                        writer.hand(b, false)?;
                        let _ = back.try_send(batch);
                    }
                    let st = handle
                        .join()
                        .map_err(|_| anyhow::anyhow!("the reader of {} failed", input.path))??;
                    ist.add_nmea(&input.path, &st);
                }
                InputFormat::Csv => {
                    let mut csv = CsvInput::new(&how.mapping, &how.tf, how.sort_csv);
                    let mut rows = Vec::new();
                    let mut header_err: Option<anyhow::Error> = None;
                    let n = chunks.for_each_line(&input.path, |_, line| {
                        if let Err(e) = csv.line(line, &mut rows) {
                            header_err.get_or_insert(
                                anyhow::Error::new(e).context(format!("{}: header", input.path)),
                            );
                        }
                        for (m, t) in rows.drain(..) {
                            b.push(&m, t);
                        }
                    })?;
                    if let Some(e) = header_err {
                        return Err(e);
                    }
                    b.ids_not_mmsis(&csv.ids_not_mmsis());
                    b.time_resolution_s(how.tf.resolution_s());
                    for (m, t) in csv.finish() {
                        b.push(&m, t);
                    }
                    writer.hand(b, false)?;
                    ist.add_csv(&input.path, n, &csv.stats());
                }
            }
        }
        writer.hand(b, true)?;
        writer.record(b, true)?;
        Ok(ist)
    }

    pub fn build(args: &BuildArgs) -> Result<()> {
        let started = std::time::Instant::now();
        let dir = PathBuf::from(&args.out);
        let mf = dir.join(MANIFEST);
        let existing = if mf.exists() {
            Some(Archive::open(&dir)?.manifest)
        } else {
            if dir.is_dir() && std::fs::read_dir(&dir)?.next().is_some() {
                bail!(
                    "{} is not empty and not an archive (no {MANIFEST}): give a new or empty directory",
                    dir.display()
                );
            }
            None
        };
        let how = Reading::from_args(&args.input)?;
        let inputs = plan_inputs(&args.files, &how)?;
        if let Some(p) = inputs.iter().find(|p| p.archive.is_some()) {
            bail!(
                "{} is an archive: give the inputs it was built from",
                p.path
            );
        }
        let threads = crate::census::threads(args.threads)?;
        let dir_was_there = dir.exists();
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let mut b = ArchiveBuilder::new(existing, inputs.iter().map(|p| p.path.clone()).collect())
            .with_threads(threads)
            .with_part_rows(usize::try_from(args.part_rows).unwrap_or(usize::MAX));
        let created = Created::default();
        let mut writer = DayWriter::spawn(dir.clone(), b.threads(), created.clone());
        let show = !args.quiet && std::io::stderr().is_terminal();
        // A build that fails leaves the directory as it was: what it wrote
        // is removed (the manifest, written last, was never replaced).
        let failed = |e: anyhow::Error| -> anyhow::Error {
            let left = undo(&dir, &created, dir_was_there);
            if left.is_empty() {
                return e.context(format!(
                    "{}: nothing was archived, the directory is as it was",
                    dir.display()
                ));
            }
            e.context(format!(
                "{}: nothing was archived; these files could not be removed: {}",
                dir.display(),
                left.join(", ")
            ))
        };
        let manifest = match read_into(&inputs, &how, show, &mut b, &mut writer) {
            Ok(ist) => b.finish(ist.to_json()),
            Err(e) => {
                // Its own failure, if any, is the same as `e` or after it.
                let _ = writer.stop();
                return Err(failed(e));
            }
        };
        let last = manifest.builds.last().cloned().unwrap_or_default();
        // The census's verdict on the inputs' counters (one home for the
        // reasons and their fixes).
        let no_stats = finisterra_census::CensusStats::default();
        let tf = &args.input.time_format;
        if last.positions == 0 && last.statics == 0 {
            undo(&dir, &created, dir_was_there);
            let why = match finisterra_census::largest_rejection(&last.input, &no_stats) {
                Some(r) => format!(
                    "{} of {} input lines rejected as {}: {}",
                    r.count,
                    r.lines,
                    r.key,
                    r.fix(tf)
                ),
                None => serde_json::to_string(&last.input)?,
            };
            bail!(
                "nothing archived from {} (the archive is unchanged): {why}",
                args.files.join(", ")
            );
        }
        let tmp = dir.join(format!("{MANIFEST}.tmp"));
        let written = std::fs::write(&tmp, manifest.to_json())
            .with_context(|| format!("cannot write {}", tmp.display()))
            .and_then(|()| {
                std::fs::rename(&tmp, &mf).with_context(|| format!("cannot write {}", mf.display()))
            });
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(failed(e));
        }
        if show {
            eprint!("\r");
        }
        if !args.quiet {
            eprintln!(
                "finisterra: archived {} positions and {} static reports in {:.1} s into {} ({} days, {} files in all; skipped: {})",
                last.positions,
                last.statics,
                started.elapsed().as_secs_f64(),
                dir.display(),
                manifest.days().len(),
                manifest.positions.len() + manifest.statics.len(),
                serde_json::to_string(&last.skipped)?,
            );
        }
        if let Some(r) = finisterra_census::main_rejection(&last.input, &no_stats) {
            eprintln!(
                "finisterra: warning: {} of {} input lines rejected as {} (the build's `input` in {MANIFEST}): {}",
                r.count,
                r.lines,
                r.key,
                r.fix(tf)
            );
        }
        Ok(())
    }
    /// `archive index`: the archive read once by a census at the index's
    /// thresholds, its candidates written beside it. The old index is
    /// removed first and the description written last, so that an
    /// interrupted build leaves no index rather than a wrong one.
    pub fn index(args: &IndexArgs) -> Result<()> {
        use finisterra_census::pairs::{
            PairIndexMeta, PairIndexSpec, PairLog, PAIRS_FORMAT, PAIRS_VERSION,
        };
        use finisterra_census::pairs_io::{
            split_by_shore, write_spoofing, NearMissWriter, PairIndexWriter, INDEX_DIR, INDEX_META,
            SPOOFING_FILE,
        };
        use finisterra_census::Census;
        let started = std::time::Instant::now();
        let dir = PathBuf::from(&args.archive);
        let a = Archive::open(&dir)?;
        let mut cfg = crate::census::read_config(args.config.as_deref())?;
        // Speeds judged with the archive's time resolution, as `census`
        // of the archive does.
        cfg.time_resolution_s = cfg.time_resolution_s.max(a.time_resolution_s());
        let spec = PairIndexSpec {
            max_distance_m: args.max_distance_m,
            max_median_sog_kn: args.max_median_sog_kn,
            min_gap_s: args.min_gap_hours * 3600.0,
            max_near_miss_nm: args.max_near_miss_nm,
            max_loiter_sog_kn: args.max_loiter_sog_kn,
        };
        let land = crate::census::load_land(&args.land)?;
        let census = Census::for_pair_index(cfg, spec, land).context(
            "bad --max-distance-m, --max-median-sog-kn, --min-gap-hours, --max-near-miss-nm or --max-loiter-sog-kn",
        )?;
        let mut census = crate::census::add_inland_water(census, &args.inland_water)?
            .with_threads(crate::census::threads(args.threads)?);
        census.ids_not_mmsis(&a.ids_not_mmsis());
        let idir = dir.join(INDEX_DIR);
        std::fs::create_dir_all(&idir)
            .with_context(|| format!("cannot create {}", idir.display()))?;
        let meta_path = idir.join(INDEX_META);
        if meta_path.exists() {
            std::fs::remove_file(&meta_path)
                .with_context(|| format!("cannot remove the old {}", meta_path.display()))?;
        }
        // The old index's tables go too (the description went first).
        for e in std::fs::read_dir(&idir)
            .with_context(|| format!("cannot read {}", idir.display()))?
            .flatten()
        {
            if e.path()
                .extension()
                .is_some_and(|x| x == "parquet" || x == "cbor" || x == "tmp")
            {
                std::fs::remove_file(e.path())
                    .with_context(|| format!("cannot remove {}", e.path().display()))?;
            }
        }
        let tmp = |name: &str| idir.join(format!("{name}.tmp"));
        let create = |name: &str| -> Result<BufWriter<File>> {
            let p = tmp(name);
            let f = File::create(&p).with_context(|| format!("cannot create {}", p.display()))?;
            Ok(BufWriter::with_capacity(1 << 20, f))
        };
        // Written under temporary names, renamed when all is written.
        let mut names = Vec::new();
        let resample_ms = (census.config().resample_s * 1000.0) as i64;
        let mut w = PairIndexWriter::new(&spec, resample_ms, create, |name| {
            names.push(name.to_string());
            create(name)
        })?;
        let mut nw = NearMissWriter::new(&spec, |name| {
            names.push(name.to_string());
            create(name)
        })?;
        let (rx, handle) = a.spawn_reader(None, Counter::default());
        let mut log = PairLog::default();
        let mut found = Vec::new();
        // The building census's spoofing findings are the index's (its
        // other findings are at the build's thresholds: not kept).
        let mut spoofing = Vec::new();
        let mut keep_spoofing = |found: &mut Vec<finisterra_census::Finding>| {
            spoofing.extend(
                found
                    .drain(..)
                    .filter(|f| matches!(f, finisterra_census::Finding::Spoofing(_))),
            );
        };
        let werr = || format!("cannot write the index in {}", idir.display());
        for batch in rx.iter() {
            for (m, t) in &batch {
                census.push(m, *t, &mut found);
            }
            keep_spoofing(&mut found);
            census.drain_pair_log(&mut log);
            nw.write(&mut log.near_misses).with_context(werr)?;
            w.write(&mut log).with_context(werr)?;
        }
        let rows = handle
            .join()
            .map_err(|_| anyhow::anyhow!("the reader of {} failed", dir.display()))??;
        census.finish(&mut found);
        keep_spoofing(&mut found);
        census.drain_pair_log(&mut log);
        nw.write(&mut log.near_misses).with_context(werr)?;
        w.write(&mut log).with_context(werr)?;
        let counts = w.finish().with_context(werr)?;
        let near_miss_bands = nw.finish().with_context(werr)?;
        names.push(SPOOFING_FILE.to_string());
        write_spoofing(create(SPOOFING_FILE)?, &spoofing).with_context(werr)?;
        // The second pass: the pairs split by the shore class of their run.
        let bands = split_by_shore(
            &counts.bands,
            &counts.classes,
            |name| open_file(&tmp(name)),
            |name| {
                names.push(name.to_string());
                create(name)
            },
        )
        .with_context(werr)?;
        for b in &counts.bands {
            std::fs::remove_file(tmp(&b.file))
                .with_context(|| format!("cannot remove {}", tmp(&b.file).display()))?;
        }
        for name in &names {
            std::fs::rename(tmp(name), idir.join(name))
                .with_context(|| format!("cannot write {}", idir.join(name).display()))?;
        }
        let meta = PairIndexMeta {
            format: PAIRS_FORMAT.into(),
            version: PAIRS_VERSION,
            spec,
            config: *census.config(),
            parts: a.part_files(),
            archive_rows: rows,
            stats: census.stats(),
            bands,
            land: args.land.clone(),
            instants: counts.instants,
            events: counts.events,
            gaps: counts.gaps,
            near_miss_bands,
            loitering: counts.loitering,
            inland_water: args.inland_water.clone(),
            spoofing: spoofing.len() as u64,
        };
        let t = tmp(INDEX_META);
        std::fs::write(&t, serde_json::to_string_pretty(&meta)?)
            .with_context(|| format!("cannot write {}", t.display()))?;
        std::fs::rename(&t, &meta_path)
            .with_context(|| format!("cannot write {}", meta_path.display()))?;
        if !args.quiet {
            eprintln!(
                "finisterra: indexed {} close pairs (within {} m, median speeds up to {} kn), {} silences (of {} h or more), {} near-miss candidates (closer than {} NM), {} loitering positions (slower than {} kn) and {} spoofing findings of {rows} rows in {:.1} s into {}; `census {}` now answers from them",
                meta.pairs(),
                spec.max_distance_m,
                spec.max_median_sog_kn,
                meta.gaps,
                args.min_gap_hours,
                meta.near_miss_candidates(),
                spec.max_near_miss_nm,
                meta.loitering,
                spec.max_loiter_sog_kn,
                meta.spoofing,
                started.elapsed().as_secs_f64(),
                idir.display(),
                dir.display(),
            );
        }
        Ok(())
    }

    /// A census of one archive with encounters or gaps only is answered
    /// from the archive's index when it has one that fits (same archive
    /// parts, same picture settings, thresholds within the index's): the
    /// same files as reading the positions. `Ok(false)`: the census reads
    /// the positions (said on standard error when an index was there but
    /// could not serve, with the reason).
    pub fn census_from_index(
        args: &crate::census::CensusArgs,
        cfg: &finisterra_census::CensusConfig,
        inputs: &[crate::census::Planned],
        out: &Path,
    ) -> Result<bool> {
        use finisterra_census::pairs::{PairIndexMeta, PAIRS_FORMAT, PAIRS_VERSION};
        use finisterra_census::pairs_io::{INDEX_DIR, INDEX_META};
        let [input] = inputs else {
            return Ok(false);
        };
        let Some(a) = &input.archive else {
            return Ok(false);
        };
        let d = cfg.detectors;
        if args.no_index || args.export_positions.is_some() {
            return Ok(false);
        }
        let started = std::time::Instant::now();
        let idir = a.dir.join(INDEX_DIR);
        let meta_path = idir.join(INDEX_META);
        let Ok(text) = std::fs::read_to_string(&meta_path) else {
            return Ok(false);
        };
        let say = |why: String| {
            if !args.quiet {
                eprintln!(
                    "finisterra: the index {} {why}: reading the positions",
                    idir.display()
                );
            }
        };
        let meta: PairIndexMeta = match serde_json::from_str(&text) {
            Ok(m) => m,
            Err(e) => {
                say(format!("cannot be used ({}: {e})", meta_path.display()));
                return Ok(false);
            }
        };
        if meta.format != PAIRS_FORMAT || meta.version != PAIRS_VERSION {
            say(format!(
                "is {} version {}, this finisterra reads {PAIRS_FORMAT} version {PAIRS_VERSION} (rebuild it with `finisterra archive index`)",
                meta.format, meta.version
            ));
            return Ok(false);
        }
        if meta.parts != a.part_files() {
            say(format!(
                "was built for {} files of the archive, which now lists {} (rebuild it with `finisterra archive index`)",
                meta.parts.len(),
                a.part_files().len()
            ));
            return Ok(false);
        }
        if meta.land != args.land {
            say(format!(
                "was built against the land {:?}, this census uses {:?}",
                meta.land, args.land
            ));
            return Ok(false);
        }
        if d.spoofing && meta.inland_water != args.inland_water {
            say(format!(
                "was built against the inland waters {:?}, this census uses {:?}",
                meta.inland_water, args.inland_water
            ));
            return Ok(false);
        }
        if let Err(why) = meta.check(cfg) {
            say(format!("cannot answer this census: {why}"));
            return Ok(false);
        }
        let land = crate::census::load_land(&args.land)?;
        let (mut found, close_pairs) = match judge_from_index(&meta, cfg, &idir, &land) {
            Ok(judged) => judged,
            Err(e) => {
                say(format!("cannot be read ({e:#})"));
                return Ok(false);
            }
        };
        let stats = meta.stats_for(cfg, close_pairs, &found);
        let mut sinks = crate::census::open_tables(args, out)?;
        sinks.write_all(&mut found);
        let summary = sinks.finish().context("cannot write the findings")?;
        let mut ist = finisterra_census::InputStats::default();
        ist.add_archive(&input.path, meta.archive_rows);
        if !args.quiet {
            eprintln!(
                "finisterra: answered from the index {} ({} close pairs within {} m, {} silences of {} h or more, {} near-miss candidates closer than {} NM, {} loitering positions slower than {} kn, {} spoofing findings; no position read)",
                idir.display(),
                meta.pairs(),
                meta.spec.max_distance_m,
                meta.gaps,
                meta.spec.min_gap_s / 3600.0,
                meta.near_miss_candidates(),
                meta.spec.max_near_miss_nm,
                meta.loitering,
                meta.spec.max_loiter_sog_kn,
                meta.spoofing,
            );
        }
        let results = crate::census::Results {
            cfg,
            stats: &stats,
            summary: &summary,
            input: &ist,
        };
        crate::census::write_results(args, out, &results, started.elapsed().as_secs_f64())?;
        Ok(true)
    }

    /// A file of the index, opened (its path in the error).
    fn open_file(p: &Path) -> Result<File> {
        File::open(p).with_context(|| format!("cannot open {}", p.display()))
    }

    /// The findings of a census with `cfg` (checked against `meta`) from
    /// the index in `idir`, and its close pairs. The pairs are read and
    /// decoded on a thread of their own (bounded: a few chunks in flight)
    /// and judged on this one; the pairs that cannot give an encounter are
    /// counted on another.
    fn judge_from_index(
        meta: &finisterra_census::pairs::PairIndexMeta,
        cfg: &finisterra_census::CensusConfig,
        idir: &Path,
        land: &finisterra_geofence::Land,
    ) -> Result<(Vec<finisterra_census::Finding>, u64)> {
        use finisterra_census::pairs::{replay, replay_near_misses, PairRow};
        use finisterra_census::pairs_io::{
            count_skipped, read_pair_index, read_spoofing, NearMissStream, PairStream,
            SPOOFING_FILE,
        };
        let log = read_pair_index(meta, cfg, |name| open_file(&idir.join(name)))?;
        let (tx, rx) = sync_channel::<Result<Vec<PairRow>>>(4);
        let reader = {
            let (meta, cfg, idir) = (meta.clone(), *cfg, idir.to_path_buf());
            std::thread::spawn(move || {
                match PairStream::open(&meta, &cfg, |name| open_file(&idir.join(name))) {
                    Err(e) => {
                        let _ = tx.send(Err(e));
                    }
                    Ok(stream) => {
                        for chunk in stream {
                            let failed = chunk.is_err();
                            if tx.send(chunk.map_err(anyhow::Error::new)).is_err() || failed {
                                break;
                            }
                        }
                    }
                }
            })
        };
        let counter = {
            let (meta, cfg, idir) = (meta.clone(), *cfg, idir.to_path_buf());
            std::thread::spawn(move || {
                count_skipped(&meta, &cfg, |name| open_file(&idir.join(name)))
            })
        };
        let mut found = Vec::new();
        let judged = replay(&log, rx.into_iter(), cfg, land, &mut found);
        let _ = reader.join();
        let counted = counter
            .join()
            .unwrap_or_else(|_| Err(anyhow::anyhow!("the counting thread failed")));
        let close_pairs = judged? + counted?;
        if cfg.detectors.near_misses {
            // Streamed: the first damaged array stops the replay, and its
            // error is the answer.
            let stream = NearMissStream::open(meta, cfg, |name| open_file(&idir.join(name)))?;
            replay_near_misses(stream, cfg, &mut found)?;
        }
        if cfg.detectors.spoofing {
            let f = open_file(&idir.join(SPOOFING_FILE))?;
            found.extend(read_spoofing(meta, f)?);
        }
        Ok((found, close_pairs))
    }
}

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
    /// Do not print the summary on standard error.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs the command.
pub fn run(args: &ArchiveArgs) -> Result<()> {
    match &args.command {
        ArchiveCommand::Build(b) => imp::build(b),
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

#[cfg(feature = "parquet")]
mod imp {
    use super::*;

    use std::fs::File;
    use std::io::{BufWriter, IsTerminal};
    use std::sync::atomic::Ordering;
    use std::sync::mpsc::sync_channel;

    use anyhow::{bail, Context};
    use finisterra_census::archive::{read_day, ArchiveBuilder, ArchiveError, Manifest, MANIFEST};
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
                    let msgs = read_day(
                        open_parts(&dir, &pos, &counter)?,
                        open_parts(&dir, &stat, &counter)?,
                    )
                    .map_err(|e| {
                        let ArchiveError::Parquet { file, reason } = e else {
                            return anyhow::Error::new(e).context(dir.display().to_string());
                        };
                        anyhow::anyhow!("{}: {reason}", dir.join(file).display())
                    })?;
                    rows += msgs.len() as u64;
                    let mut msgs = msgs.messages();
                    loop {
                        let chunk: Batch = msgs.by_ref().take(BATCH).collect();
                        if chunk.is_empty() {
                            break;
                        }
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
    fn create(dir: &Path, rel: &str) -> Result<BufWriter<File>> {
        let p = dir.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        let f = File::create(&p).with_context(|| format!("cannot create {}", p.display()))?;
        Ok(BufWriter::with_capacity(1 << 20, f))
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
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let mut b = ArchiveBuilder::new(existing, inputs.iter().map(|p| p.path.clone()).collect());
        let mut ist = InputStats::default();
        let show = !args.quiet && std::io::stderr().is_terminal();
        for input in &inputs {
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
                        b.write_ready(false, |rel| create(&dir, rel))?;
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
                    for (m, t) in csv.finish() {
                        b.push(&m, t);
                    }
                    b.write_ready(false, |rel| create(&dir, rel))?;
                    ist.add_csv(&input.path, n, &csv.stats());
                }
            }
        }
        b.write_ready(true, |rel| create(&dir, rel))?;
        let manifest = b.finish(ist.to_json());
        let last = manifest.builds.last().cloned().unwrap_or_default();
        if last.positions == 0 && last.statics == 0 {
            bail!(
                "nothing archived from {} (the archive is unchanged): {}",
                args.files.join(", "),
                serde_json::to_string(&last.input)?
            );
        }
        let tmp = dir.join(format!("{MANIFEST}.tmp"));
        std::fs::write(&tmp, manifest.to_json())
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        std::fs::rename(&tmp, &mf).with_context(|| format!("cannot write {}", mf.display()))?;
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
        Ok(())
    }
}

//! The results of a census written into `impl Write`s: the finding tables
//! (JSON Lines and CSV, Parquet with the `parquet` feature), the accepted
//! positions, `summary.json` and the run summary for a terminal. The caller
//! opens the files; nothing here knows a path.

use std::io::{self, Write};

use serde_json::{json, Value as Json};

use crate::census::{AcceptedPosition, CensusStats};
use crate::config::CensusConfig;
use crate::finding::{csv_header, write_csv, write_json, Finding, Kind};
use crate::summary::Summary;

/// Closest near misses kept for the summary and the report.
const TOP_NEAR_MISSES: usize = 12;

/// Where findings go: one JSON Lines and one CSV table per kind (and one
/// Parquet file per kind with the `parquet` feature), counted into a
/// [`Summary`] as they are written.
///
/// Write errors are kept (the first one) and returned by
/// [`FindingWriter::finish`], so that writing a finding never fails in the
/// middle of a run.
///
/// ```
/// use finisterra_census::FindingWriter;
///
/// let mut w = FindingWriter::new(false, |name| {
///     assert!(name.ends_with(".jsonl") || name.ends_with(".csv"));
///     Ok::<_, std::io::Error>(Vec::new())
/// })
/// .unwrap();
/// let summary = w.finish().unwrap();
/// assert_eq!(summary.total(), 0);
/// ```
pub struct FindingWriter<W: Write + Send> {
    jsonl: Vec<W>,
    csv: Vec<W>,
    #[cfg(feature = "parquet")]
    parquet: Vec<crate::parquet::ParquetSink<W>>,
    line: String,
    summary: Summary,
    error: Option<io::Error>,
}

impl<W: Write + Send> std::fmt::Debug for FindingWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FindingWriter")
            .field("tables", &self.jsonl.len())
            .field("findings", &self.summary.total())
            .field("error", &self.error)
            .finish()
    }
}

fn kind_index(k: Kind) -> usize {
    Kind::ALL.iter().position(|&x| x == k).unwrap_or(0)
}

impl<W: Write + Send> FindingWriter<W> {
    /// Opens the tables through `open(file_name)`: `<kind>.jsonl` and
    /// `<kind>.csv` for every kind of [`Kind::ALL`] (the CSV header written
    /// at once), then `<kind>.parquet` when `parquet` (ignored without the
    /// `parquet` feature).
    pub fn new<E: From<io::Error>>(
        parquet: bool,
        mut open: impl FnMut(&str) -> Result<W, E>,
    ) -> Result<FindingWriter<W>, E> {
        let mut jsonl = Vec::new();
        let mut csv = Vec::new();
        for k in Kind::ALL {
            jsonl.push(open(&format!("{}.jsonl", k.name()))?);
            let mut w = open(&format!("{}.csv", k.name()))?;
            w.write_all(csv_header(k).as_bytes())?;
            csv.push(w);
        }
        #[cfg(feature = "parquet")]
        let parquet = if parquet {
            let mut v = Vec::new();
            for k in Kind::ALL {
                let w = open(&format!("{}.parquet", k.name()))?;
                v.push(crate::parquet::ParquetSink::new(w, k).map_err(io::Error::other)?);
            }
            v
        } else {
            Vec::new()
        };
        #[cfg(not(feature = "parquet"))]
        let _ = parquet;
        Ok(FindingWriter {
            jsonl,
            csv,
            #[cfg(feature = "parquet")]
            parquet,
            line: String::with_capacity(1024),
            summary: Summary::new(TOP_NEAR_MISSES),
            error: None,
        })
    }

    /// Writes one finding to its kind's tables and counts it.
    pub fn write(&mut self, f: &Finding) {
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
                self.error.get_or_insert(io::Error::other(e));
            }
        }
        if let Err(e) = r1.and(r2) {
            self.error.get_or_insert(e);
        }
    }

    /// Writes every finding of `found`, emptying it.
    pub fn write_all(&mut self, found: &mut Vec<Finding>) {
        for f in found.drain(..) {
            self.write(&f);
        }
    }

    /// The summary so far.
    pub fn summary(&self) -> &Summary {
        &self.summary
    }

    /// Flushes every table (and ends the Parquet files); the summary of
    /// everything written, or the first write error.
    pub fn finish(self) -> io::Result<Summary> {
        if let Some(e) = self.error {
            return Err(e);
        }
        for mut w in self.jsonl.into_iter().chain(self.csv) {
            w.flush()?;
        }
        #[cfg(feature = "parquet")]
        for p in self.parquet {
            p.finish().map_err(io::Error::other)?;
        }
        Ok(self.summary)
    }
}

/// The header line of the accepted positions' CSV (`--export-positions`).
pub const POSITIONS_CSV_HEADER: &str = "mmsi,time_ms,lat,lon,sog_kn,cog_deg\n";

/// Writes accepted positions as rows of [`POSITIONS_CSV_HEADER`]'s columns
/// (unknown speed or course as an empty field).
pub fn write_positions_csv(w: &mut impl Write, positions: &[AcceptedPosition]) -> io::Result<()> {
    use std::fmt::Write as _;
    let mut line = String::new();
    let f = |v: f32| {
        if v.is_finite() {
            format!("{v}")
        } else {
            String::new()
        }
    };
    for p in positions {
        line.clear();
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
        w.write_all(line.as_bytes())?;
    }
    Ok(())
}

/// `summary.json` (pretty, with a final line end): the findings' summary
/// with the thresholds used, the input counters (`input`, e.g.
/// [`crate::InputStats::to_json`]) and the census counters.
pub fn summary_json(
    summary: &Summary,
    config: &CensusConfig,
    input: &Json,
    stats: &CensusStats,
) -> Result<String, serde_json::Error> {
    let mut doc = serde_json::to_value(summary)?;
    if let Json::Object(m) = &mut doc {
        m.insert("thresholds".into(), serde_json::to_value(config)?);
        m.insert("input".into(), input.clone());
        m.insert("census".into(), serde_json::to_value(stats)?);
    }
    Ok(serde_json::to_string_pretty(&doc)? + "\n")
}

/// The counters the report shows (`stats` of [`crate::report::ReportInput`]).
pub fn report_stats(input: &Json, stats: &CensusStats) -> Result<Json, serde_json::Error> {
    Ok(json!({"input": input, "census": serde_json::to_value(stats)?}))
}

/// The run in a few lines for a terminal: messages, positions and vessels
/// (with the rate over `elapsed_s`), findings by kind, a note when messages
/// came later than the reorder window, one when vessel ids were found not
/// to be MMSIs, and where the results are.
pub fn write_run_summary(
    w: &mut impl Write,
    stats: &CensusStats,
    summary: &Summary,
    config: &CensusConfig,
    elapsed_s: f64,
    results: &str,
) -> io::Result<()> {
    writeln!(
        w,
        "finisterra census: {} messages ({} positions, {} accepted) from {} vessels in {:.2} s ({:.2} M msg/s)",
        stats.messages,
        stats.positions,
        stats.accepted_positions,
        stats.vessels,
        elapsed_s,
        stats.messages as f64 / elapsed_s.max(1e-9) / 1e6
    )?;
    for k in Kind::ALL {
        writeln!(
            w,
            "  {:<12} {}",
            k.name(),
            summary.counts.get(k.name()).copied().unwrap_or(0)
        )?;
    }
    if stats.late > 0 {
        writeln!(w, "  note: {} messages came later than the reorder window ({} s); if the inputs are not in time order, use --sort-files yes", stats.late, config.reorder_window_s)?;
    }
    if stats.ids_not_mmsis > 0 {
        writeln!(w, "  note: {} vessel ids of CSV input are not MMSIs (all below {}): no MMSI checks for them", stats.ids_not_mmsis, crate::csv::MMSI_MIN_ID)?;
    }
    writeln!(w, "  results in {results}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_rows_leave_unknowns_empty() {
        let mut out = Vec::new();
        let p = AcceptedPosition {
            mmsi: 224_000_001,
            time_ms: 1_700_000_000_000,
            lat: 43.5,
            lon: -9.25,
            sog_kn: 12.5,
            cog_deg: f32::NAN,
        };
        write_positions_csv(&mut out, &[p, p]).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "224000001,1700000000000,43.5,-9.25,12.5,\n".repeat(2)
        );
    }

    #[test]
    fn tables_have_their_headers_and_open_errors_come_back() {
        let mut names = Vec::new();
        let w = FindingWriter::new(false, |name| {
            names.push(name.to_string());
            Ok::<_, io::Error>(Vec::new())
        })
        .unwrap();
        assert_eq!(names.len(), 2 * Kind::ALL.len());
        assert_eq!(names[0], "near_misses.jsonl");
        assert_eq!(w.csv[0], csv_header(Kind::ALL[0]).into_bytes());
        assert!(w.jsonl[0].is_empty());
        let err = FindingWriter::<Vec<u8>>::new(false, |_| Err(io::Error::other("full")));
        assert!(err.is_err());
    }

    #[test]
    fn header_write_errors_fail_at_once() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::other("broken"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        assert!(FindingWriter::new(false, |_| Ok::<_, io::Error>(Broken)).is_err());
    }

    #[cfg(feature = "parquet")]
    #[test]
    fn parquet_tables_are_whole_files() {
        use std::sync::{Arc, Mutex};
        #[derive(Clone, Default)]
        struct Shared(Arc<Mutex<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, b: &[u8]) -> io::Result<usize> {
                self.0
                    .lock()
                    .map_err(|_| io::Error::other("poisoned"))?
                    .extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let mut files: Vec<(String, Shared)> = Vec::new();
        let w = FindingWriter::new(true, |name| {
            let s = Shared::default();
            files.push((name.to_string(), s.clone()));
            Ok::<_, io::Error>(io::BufWriter::new(s))
        })
        .unwrap();
        w.finish().unwrap();
        let parquet: Vec<_> = files.iter().filter(|f| f.0.ends_with(".parquet")).collect();
        assert_eq!(parquet.len(), Kind::ALL.len());
        for (name, s) in parquet {
            let bytes = s.0.lock().unwrap();
            assert!(
                bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"),
                "{name}"
            );
        }
    }
}

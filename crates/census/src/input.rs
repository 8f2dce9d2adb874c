//! What an input holds and how its lines become timed messages for the
//! census: the format and first data time from the head of the input
//! ([`Sniffer`], which orders the inputs), NMEA lines decoded
//! ([`NmeaInput`]), CSV rows read and, if asked, put in time order
//! ([`CsvInput`]), and the input counters of `summary.json`
//! ([`InputStats`]).
//!
//! No file access: bytes and lines go in. Splitting bytes into lines is
//! [`finisterra_nmea::LineSplitter`]'s.

use std::collections::BTreeMap;
use std::io::{self, BufRead};

use finisterra_ais::{AisMessage, Event, StreamDecoder};
use finisterra_nmea::LineSplitter;
use serde_json::{json, Value as Json};

use crate::csv::{CsvMapping, CsvReader, CsvStats, TimeFormat};
use crate::merge::{Sorted, TimeSort};
use crate::CensusError;

/// Lines of an input's head searched for its first data time.
pub const SNIFF_MAX_LINES: u64 = 5000;

/// What an input holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// AIS NMEA with times (tag blocks, USCG trailers, `$PGHP`, ...).
    Nmea,
    /// Position CSV (MarineCadastre, or mapped columns).
    Csv,
}

impl InputFormat {
    /// `nmea` or `csv`.
    pub fn name(self) -> &'static str {
        match self {
            InputFormat::Nmea => "nmea",
            InputFormat::Csv => "csv",
        }
    }
}

/// Whether an input named `name` (a path or any label) whose first line
/// is `first_line` is a CSV file: a `.csv` or `.csv.gz` name, or a first
/// line that looks like a header (has a comma and does not start like NMEA,
/// a comment or a number; a UTF-8 byte order mark is skipped).
pub fn looks_like_csv(name: &str, first_line: &[u8]) -> bool {
    csv_by_name(name) || looks_like_csv_header(first_line)
}

fn csv_by_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".csv") || lower.ends_with(".csv.gz")
}

fn looks_like_csv_header(first_line: &[u8]) -> bool {
    let l = first_line
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(first_line);
    !l.is_empty()
        && !matches!(l[0], b'!' | b'$' | b'\\' | b'#')
        && !l[0].is_ascii_digit()
        && l.contains(&b',')
}

/// What the head of an input says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sniffed {
    /// Its format (as forced, or recognised from its name and first line).
    pub format: InputFormat,
    /// The data time of its first timed message within the first
    /// [`SNIFF_MAX_LINES`] lines, ms (`None`: none there, or a CSV header
    /// that does not fit the mapping).
    pub first_time_ms: Option<i64>,
}

/// Reads the head of an input once, as its bytes arrive, for its format
/// and its first data time (inputs are read in the order of their first
/// times).
///
/// ```
/// use finisterra_census::csv::{CsvMapping, TimeFormat};
/// use finisterra_census::{InputFormat, Sniffer};
///
/// let mapping = CsvMapping::marine_cadastre();
/// let mut s = Sniffer::new("archive.nmea", None, &mapping, &TimeFormat::Iso);
/// s.push(b"\\s:2573238,c:1733782034*0A\\!BSVDM,1,1,,A,13o4g`00000I2ENRH4g83S0L088C,0*3F\n");
/// assert!(s.is_done());
/// let found = s.finish();
/// assert_eq!(found.format, InputFormat::Nmea);
/// assert_eq!(found.first_time_ms, Some(1_733_782_034_000));
/// ```
#[derive(Debug)]
pub struct Sniffer<'a> {
    splitter: LineSplitter,
    head: Head<'a>,
}

#[derive(Debug)]
struct Head<'a> {
    csv_by_name: bool,
    forced: Option<InputFormat>,
    mapping: &'a CsvMapping,
    time_format: &'a TimeFormat,
    format: Option<InputFormat>,
    csv: Option<CsvReader>,
    dec: StreamDecoder,
    rows: Vec<(AisMessage, i64)>,
    found_ms: Option<i64>,
    done: bool,
}

impl Head<'_> {
    fn line(&mut self, n: u64, line: &[u8]) {
        if self.done || n > SNIFF_MAX_LINES {
            self.done = true;
            return;
        }
        if self.format.is_none() {
            let format =
                self.forced
                    .unwrap_or(if self.csv_by_name || looks_like_csv_header(line) {
                        InputFormat::Csv
                    } else {
                        InputFormat::Nmea
                    });
            self.format = Some(format);
            if format == InputFormat::Csv {
                self.csv = CsvReader::new(line, self.mapping, self.time_format.clone()).ok();
                self.done = self.csv.is_none() || n == SNIFF_MAX_LINES;
                return;
            }
        }
        match self.csv.as_mut() {
            Some(c) => {
                self.rows.clear();
                c.row(line, &mut self.rows);
                self.found_ms = self.rows.first().map(|r| r.1);
            }
            None => {
                let found = &mut self.found_ms;
                self.dec.feed(n, line, &mut |ev| {
                    if let Event::Message(m) = ev {
                        if found.is_none() {
                            *found = m.time.map(|t| t.unix_ms);
                        }
                    }
                });
            }
        }
        self.done = self.found_ms.is_some() || n == SNIFF_MAX_LINES;
    }
}

impl<'a> Sniffer<'a> {
    /// For an input named `name` (its name may say CSV), in `forced`
    /// format if given, CSV read with `mapping` and `time_format`.
    pub fn new(
        name: &str,
        forced: Option<InputFormat>,
        mapping: &'a CsvMapping,
        time_format: &'a TimeFormat,
    ) -> Sniffer<'a> {
        Sniffer {
            splitter: LineSplitter::new(),
            head: Head {
                csv_by_name: csv_by_name(name),
                forced,
                mapping,
                time_format,
                format: None,
                csv: None,
                dec: StreamDecoder::default(),
                rows: Vec::new(),
                found_ms: None,
                done: false,
            },
        }
    }

    /// Takes the next bytes of the input; returns whether the sniffer has
    /// seen enough (more bytes would be ignored).
    pub fn push(&mut self, bytes: &[u8]) -> bool {
        if !self.head.done {
            let head = &mut self.head;
            self.splitter.push(bytes, |n, line| head.line(n, line));
        }
        self.head.done
    }

    /// Whether the sniffer has seen enough.
    pub fn is_done(&self) -> bool {
        self.head.done
    }

    /// The answer, at the end of the input or once [`Sniffer::is_done`].
    pub fn finish(mut self) -> Sniffed {
        if !self.head.done {
            if let Some((n, line)) = self.splitter.finish() {
                self.head.line(n, line);
            }
        }
        let h = self.head;
        Sniffed {
            format: h.format.or(h.forced).unwrap_or(if h.csv_by_name {
                InputFormat::Csv
            } else {
                InputFormat::Nmea
            }),
            first_time_ms: h.found_ms,
        }
    }

    /// Reads from `r` until the sniffer has seen enough or the input ends
    /// (the bytes are taken from `r`'s buffer as they are, without copying),
    /// and gives the answer.
    pub fn read(mut self, mut r: impl BufRead) -> io::Result<Sniffed> {
        loop {
            let chunk = match r.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if chunk.is_empty() {
                break;
            }
            let len = chunk.len();
            let done = self.push(chunk);
            r.consume(len);
            if done {
                break;
            }
        }
        Ok(self.finish())
    }
}

/// Counts of one NMEA input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NmeaStats {
    /// Lines read.
    pub lines: u64,
    /// Messages decoded.
    pub messages: u64,
    /// Messages without a time and no earlier one to take (not given to
    /// the census).
    pub untimed: u64,
    /// Rejected lines and messages by reason (the decoder's keys).
    pub errors: BTreeMap<String, u64>,
}

/// Decodes the lines of one NMEA input into messages with their data
/// times. A message without a time takes the previous message's, as `scan`
/// does; before the first time, it is counted and left out.
#[derive(Debug, Default)]
pub struct NmeaInput {
    dec: StreamDecoder,
    last_time_ms: Option<i64>,
    stats: NmeaStats,
}

impl NmeaInput {
    /// A new input.
    pub fn new() -> NmeaInput {
        NmeaInput::default()
    }

    /// One line (number `line_no`, 1-based): the messages it completes go
    /// to `out` with their times.
    pub fn line(&mut self, line_no: u64, line: &[u8], out: &mut Vec<(AisMessage, i64)>) {
        self.stats.lines += 1;
        let NmeaInput {
            dec,
            last_time_ms,
            stats,
        } = self;
        dec.feed(line_no, line, &mut |ev| {
            handle(ev, last_time_ms, stats, out)
        });
    }

    /// The end of the input: what is still pending is judged.
    pub fn finish(&mut self, out: &mut Vec<(AisMessage, i64)>) {
        let NmeaInput {
            dec,
            last_time_ms,
            stats,
        } = self;
        dec.finish(&mut |ev| handle(ev, last_time_ms, stats, out));
    }

    /// The counts so far.
    pub fn stats(&self) -> &NmeaStats {
        &self.stats
    }
}

fn handle(
    ev: Event<'_>,
    last_time_ms: &mut Option<i64>,
    stats: &mut NmeaStats,
    out: &mut Vec<(AisMessage, i64)>,
) {
    match ev {
        Event::Message(m) => {
            stats.messages += 1;
            match m.time.map(|t| t.unix_ms).or(*last_time_ms) {
                Some(t) => {
                    *last_time_ms = Some(t);
                    out.push((m.message.clone(), t));
                }
                None => stats.untimed += 1,
            }
        }
        Event::Error(e) => {
            *stats.errors.entry(e.kind.reason().to_string()).or_default() += 1;
        }
    }
}

/// Reads the lines of one CSV input: the first is the header, every other
/// a row. Rows give messages at once, or, when sorting, all at the end in
/// time order ([`CsvInput::finish`]).
#[derive(Debug)]
pub struct CsvInput {
    mapping: CsvMapping,
    time_format: TimeFormat,
    reader: Option<CsvReader>,
    header_failed: bool,
    sort: Option<TimeSort>,
    rows: Vec<(AisMessage, i64)>,
    lines: u64,
}

impl CsvInput {
    /// A new input read with `mapping` and `time_format`, its rows put in
    /// time order when `sort`.
    pub fn new(mapping: &CsvMapping, time_format: &TimeFormat, sort: bool) -> CsvInput {
        CsvInput {
            mapping: mapping.clone(),
            time_format: time_format.clone(),
            reader: None,
            header_failed: false,
            sort: sort.then(TimeSort::new),
            rows: Vec::new(),
            lines: 0,
        }
    }

    /// One line. Without sorting, the messages of a row go to `out` with
    /// their times; with sorting they are kept. The error is the header's
    /// (the first line's) when it does not fit the mapping; the lines after
    /// a bad header are ignored.
    pub fn line(
        &mut self,
        line: &[u8],
        out: &mut Vec<(AisMessage, i64)>,
    ) -> Result<(), CensusError> {
        self.lines += 1;
        let Some(r) = self.reader.as_mut() else {
            if !self.header_failed {
                match CsvReader::new(line, &self.mapping, self.time_format.clone()) {
                    Ok(r) => self.reader = Some(r),
                    Err(e) => {
                        self.header_failed = true;
                        return Err(e);
                    }
                }
            }
            return Ok(());
        };
        match self.sort.as_mut() {
            Some(sort) => {
                self.rows.clear();
                r.row(line, &mut self.rows);
                for (m, t) in self.rows.drain(..) {
                    sort.push(m, t);
                }
            }
            None => r.row(line, out),
        }
        Ok(())
    }

    /// Lines read (the header included).
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// The counters (zero before a good header).
    pub fn stats(&self) -> CsvStats {
        self.reader
            .as_ref()
            .map(|r| r.stats().clone())
            .unwrap_or_default()
    }

    /// The vessel ids of this input when they are not MMSIs (every one
    /// below [`crate::csv::MMSI_MIN_ID`]), for [`crate::Census::ids_not_mmsis`];
    /// empty when they are. Final once every line has been read: give them
    /// to the census before the rows of [`CsvInput::finish`] (when sorting,
    /// before any of this input's rows).
    pub fn ids_not_mmsis(&self) -> Vec<u32> {
        self.reader
            .as_ref()
            .map(CsvReader::ids_not_mmsis)
            .unwrap_or_default()
    }

    /// The end of the input: the kept messages in time order (none without
    /// sorting).
    pub fn finish(&mut self) -> Sorted {
        self.sort.take().unwrap_or_default().into_sorted()
    }
}

/// The input counters of `summary.json` over every input.
#[derive(Debug, Clone, Default)]
pub struct InputStats {
    files: Vec<Json>,
    lines: u64,
    nmea_messages: u64,
    untimed: u64,
    decode_errors: BTreeMap<String, u64>,
    csv: CsvStats,
    archive_rows: u64,
}

impl InputStats {
    /// Counts an NMEA input named `name`.
    pub fn add_nmea(&mut self, name: &str, st: &NmeaStats) {
        self.lines += st.lines;
        self.nmea_messages += st.messages;
        self.untimed += st.untimed;
        for (k, v) in &st.errors {
            *self.decode_errors.entry(k.clone()).or_default() += v;
        }
        self.file(name, InputFormat::Nmea, st.lines);
    }

    /// Counts a CSV input named `name` of `lines` lines.
    pub fn add_csv(&mut self, name: &str, lines: u64, st: &CsvStats) {
        self.lines += lines;
        self.csv.rows += st.rows;
        self.csv.positions += st.positions;
        self.csv.statics += st.statics;
        for (k, v) in &st.rejected {
            *self.csv.rejected.entry(k.clone()).or_default() += v;
        }
        for (k, v) in &st.not_vessels {
            *self.csv.not_vessels.entry(k.clone()).or_default() += v;
        }
        self.file(name, InputFormat::Csv, lines);
    }

    /// Counts an archive directory named `name` of which `rows` position
    /// and static rows were read (decoded once, when it was built: its
    /// lines were counted then, in its manifest).
    pub fn add_archive(&mut self, name: &str, rows: u64) {
        self.archive_rows += rows;
        self.files.push(json!({
            "file": name,
            "format": "archive",
            "rows": rows,
        }));
    }

    fn file(&mut self, name: &str, format: InputFormat, lines: u64) {
        self.files.push(json!({
            "file": name,
            "format": format.name(),
            "lines": lines,
        }));
    }

    /// Lines read from every input.
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// The `input` object of `summary.json`.
    pub fn to_json(&self) -> Json {
        let mut j = json!({
            "files": self.files,
            "lines": self.lines,
            "nmea_messages": self.nmea_messages,
            "untimed_messages": self.untimed,
            "decode_errors": self.decode_errors,
            "csv": self.csv,
        });
        if self.archive_rows > 0 {
            j["archive_rows"] = json!(self.archive_rows);
        }
        j
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sniff(name: &str, forced: Option<InputFormat>, data: &[u8], chunk: usize) -> Sniffed {
        let mapping = CsvMapping::marine_cadastre();
        let mut s = Sniffer::new(name, forced, &mapping, &TimeFormat::Iso);
        for c in data.chunks(chunk.max(1)) {
            if s.push(c) {
                break;
            }
        }
        s.finish()
    }

    const NMEA: &[u8] = b"!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A\n\\s:2573238,c:1733782034*0A\\!BSVDM,1,1,,A,13o4g`00000I2ENRH4g83S0L088C,0*3F\n";
    const CSV: &[u8] = b"\xEF\xBB\xBFMMSI,BaseDateTime,LAT,LON\r\n367752440,2023-01-11T00:00:00,43.07917,-70.75733\r\n";

    #[test]
    fn formats_and_first_times_whatever_the_chunks() {
        for chunk in [1, 7, 1000] {
            let s = sniff("a.nmea", None, NMEA, chunk);
            assert_eq!(s.format, InputFormat::Nmea);
            assert_eq!(s.first_time_ms, Some(1_733_782_034_000));
            let s = sniff("a.txt", None, CSV, chunk);
            assert_eq!(s.format, InputFormat::Csv);
            assert_eq!(s.first_time_ms, Some(1_673_395_200_000));
            // The last line needs no line end.
            let s = sniff("a.txt", None, &CSV[..CSV.len() - 2], chunk);
            assert_eq!(s.first_time_ms, Some(1_673_395_200_000));
        }
        // By name, forced, empty.
        assert_eq!(sniff("A.CSV.gz", None, b"", 1).format, InputFormat::Csv);
        assert_eq!(sniff("a", None, b"", 1).format, InputFormat::Nmea);
        assert_eq!(
            sniff("a.csv", Some(InputFormat::Nmea), NMEA, 9).format,
            InputFormat::Nmea
        );
        let s = sniff("a", Some(InputFormat::Csv), NMEA, 9);
        assert_eq!((s.format, s.first_time_ms), (InputFormat::Csv, None));
    }

    #[test]
    fn the_search_stops_at_the_line_limit() {
        let mut data = Vec::new();
        for _ in 0..SNIFF_MAX_LINES - 1 {
            data.extend_from_slice(b"# comment\n");
        }
        let timed =
            b"\\s:2573238,c:1733782034*0A\\!BSVDM,1,1,,A,13o4g`00000I2ENRH4g83S0L088C,0*3F\n";
        let mut at_limit = data.clone();
        at_limit.extend_from_slice(timed);
        assert_eq!(
            sniff("x", None, &at_limit, 4096).first_time_ms,
            Some(1_733_782_034_000)
        );
        data.extend_from_slice(b"# one more\n");
        data.extend_from_slice(timed);
        let mapping = CsvMapping::marine_cadastre();
        let s = Sniffer::new("x", None, &mapping, &TimeFormat::Iso);
        let s = s.read(io::Cursor::new(&data)).expect("in memory");
        assert_eq!(s.first_time_ms, None);
    }

    #[test]
    fn untimed_nmea_messages_take_the_previous_time() {
        let mut input = NmeaInput::new();
        let mut out = Vec::new();
        for (n, l) in NMEA
            .split(|&b| b == b'\n')
            .chain([
                &b"!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A"[..],
                b"junk",
            ])
            .enumerate()
        {
            input.line(n as u64 + 1, l, &mut out);
        }
        input.finish(&mut out);
        let st = input.stats();
        assert_eq!((st.lines, st.messages, st.untimed), (5, 3, 1));
        assert_eq!(st.errors.get("not_nmea"), Some(&1));
        let times: Vec<i64> = out.iter().map(|m| m.1).collect();
        assert_eq!(times, vec![1_733_782_034_000; 2]);
    }

    #[test]
    fn csv_rows_now_or_sorted_at_the_end() {
        let rows: &[&[u8]] = &[
            b"MMSI,BaseDateTime,LAT,LON",
            b"367752440,2023-01-11T00:02:00,43.07917,-70.75733",
            b"367752441,2023-01-11T00:01:00,43.07917,-70.75733",
        ];
        for sort in [false, true] {
            let mut input = CsvInput::new(&CsvMapping::marine_cadastre(), &TimeFormat::Iso, sort);
            let mut out = Vec::new();
            for r in rows {
                input.line(r, &mut out).expect("good header");
            }
            out.extend(input.finish());
            // A static message (the vessel's first row), then its position.
            let got: Vec<(i64, u32)> = out.iter().map(|m| (m.1 / 1000 % 3600, m.0.mmsi)).collect();
            let (a, b) = ((120, 367752440), (60, 367752441));
            assert_eq!(
                got,
                if sort {
                    vec![b, b, a, a]
                } else {
                    vec![a, a, b, b]
                }
            );
            assert_eq!(input.lines(), 3);
            assert_eq!(input.stats().rows, 2);
        }
        let mut input = CsvInput::new(&CsvMapping::marine_cadastre(), &TimeFormat::Iso, false);
        let mut out = Vec::new();
        assert!(input.line(b"ID,time", &mut out).is_err());
        assert!(input.line(rows[1], &mut out).is_ok());
        assert!(out.is_empty());
    }

    #[test]
    fn input_counters_add_up() {
        let mut st = InputStats::default();
        let mut nmea = NmeaStats {
            lines: 3,
            messages: 2,
            ..NmeaStats::default()
        };
        nmea.errors.insert("bad_checksum".into(), 1);
        st.add_nmea("a.nmea", &nmea);
        st.add_nmea("b.nmea", &nmea);
        st.add_csv("c.csv", 4, &CsvStats::default());
        let j = st.to_json();
        assert_eq!(j["lines"], 10);
        assert_eq!(j["decode_errors"]["bad_checksum"], 2);
        assert_eq!(j["files"][2]["format"], "csv");
        assert_eq!(st.lines(), 10);
    }
}

//! Text inputs: AVR (`*8D…;`, with an MLAT timestamp `@0123456789AB8D…;`
//! or Beast-AVR `<0123456789ABss8D…;`), bare hex lines, the CSV form
//! `unix_time,hex[,…]`, and SBS BaseStation `MSG,…` lines.

use finisterra_nmea::LineSplitter;

use crate::message::AirMessage;
use crate::sbs::parse_sbs;
use crate::{InputError, InputPos, Reject};

/// The bytes of one frame (7 or 14), held inline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RawFrame {
    data: [u8; 14],
    len: u8,
}

impl RawFrame {
    /// A frame from its bytes (`None` beyond 14 bytes).
    pub fn new(bytes: &[u8]) -> Option<RawFrame> {
        let mut data = [0u8; 14];
        data.get_mut(..bytes.len())?.copy_from_slice(bytes);
        Some(RawFrame {
            data,
            len: bytes.len() as u8,
        })
    }

    /// The frame's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.data[..usize::from(self.len).min(14)]
    }
}

/// The time a record carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FrameTime {
    /// None.
    #[default]
    None,
    /// Unix time in milliseconds (CSV, SBS).
    UnixMs(i64),
    /// A receiver's 12 MHz counter (48 bits: AVR `@`/`<`, Beast).
    Ticks12MHz(u64),
}

impl FrameTime {
    /// Milliseconds on the record's own clock (Unix time, or the counter
    /// divided by 12,000), for the decoder's windows.
    pub fn as_ms(self) -> Option<i64> {
        match self {
            FrameTime::None => None,
            FrameTime::UnixMs(ms) => Some(ms),
            FrameTime::Ticks12MHz(t) => i64::try_from(t / 12_000).ok(),
        }
    }
}

/// What one text line held.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TextRecord {
    /// A Mode S frame with its time.
    Frame(RawFrame, FrameTime),
    /// An SBS line, already decoded, with its time (generated date and
    /// time, UTC).
    Sbs(AirMessage, FrameTime),
    /// Blank, comment (`#`) or a CSV header.
    Skip,
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Hex digits to a frame: 14 or 28 digits.
fn hex_frame(hex: &[u8]) -> Result<RawFrame, Reject> {
    if hex.len() % 2 != 0 || hex.iter().any(|&c| hex_val(c).is_none()) {
        return Err(Reject::BadHex);
    }
    match hex.len() {
        14 | 28 => {}
        n if n < 14 => return Err(Reject::TooShort),
        _ => return Err(Reject::BadLength),
    }
    let mut data = [0u8; 14];
    for (i, pair) in hex.chunks_exact(2).enumerate() {
        let (Some(hi), Some(lo)) = (hex_val(pair[0]), hex_val(pair[1])) else {
            return Err(Reject::BadHex);
        };
        data[i] = hi << 4 | lo;
    }
    Ok(RawFrame {
        data,
        len: (hex.len() / 2) as u8,
    })
}

/// Twelve hex digits of a 48-bit counter.
fn hex_ticks(hex: &[u8]) -> Result<u64, Reject> {
    let mut v = 0u64;
    for &c in hex {
        v = v << 4 | u64::from(hex_val(c).ok_or(Reject::BadHex)?);
    }
    Ok(v)
}

/// Seconds with an optional fraction (`1720248189.525094`) to
/// milliseconds, truncated; no floating point.
fn seconds_to_ms(s: &[u8]) -> Option<i64> {
    let (neg, s) = match s.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    let (int, frac) = match s.iter().position(|&c| c == b'.') {
        Some(p) => (&s[..p], &s[p + 1..]),
        None => (s, &s[s.len()..]),
    };
    if int.is_empty() || int.len() > 12 || !int.iter().all(u8::is_ascii_digit) {
        return None;
    }
    if !frac.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut ms = 0i64;
    for &c in int {
        ms = ms * 10 + i64::from(c - b'0');
    }
    let mut f = 0i64;
    for i in 0..3 {
        f = f * 10 + frac.get(i).map_or(0, |&c| i64::from(c - b'0'));
    }
    let v = ms * 1000 + f;
    Some(if neg { -v } else { v })
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if first.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = s {
        if last.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    s
}

fn unquote(s: &[u8]) -> &[u8] {
    let s = trim(s);
    match s {
        [b'"', inner @ .., b'"'] => inner,
        _ => s,
    }
}

/// Whether a line is Mode S text rather than anything else a feed carries
/// (AIS NMEA, other sentences): AVR (`*…;`, `@…;`, `<…;`), SBS (`MSG,…`),
/// or the timed form `SECONDS[.FRACTION],HEX` with a frame of 14 or 28 hex
/// digits and nothing else (no AIS line looks like it). Lets one line input
/// carry both.
pub fn is_modes_text(line: &[u8]) -> bool {
    let line = trim(line);
    match line.first() {
        Some(b'*' | b'@' | b'<') => true,
        _ if line.starts_with(b"MSG,") => true,
        _ => is_time_hex(line),
    }
}

fn is_time_hex(line: &[u8]) -> bool {
    let Some(comma) = line.iter().position(|&b| b == b',') else {
        return false;
    };
    let (time, hex) = (&line[..comma], &line[comma + 1..]);
    !time.is_empty()
        && time.iter().all(|b| b.is_ascii_digit() || *b == b'.')
        && time.first().is_some_and(u8::is_ascii_digit)
        && (hex.len() == 14 || hex.len() == 28)
        && hex.iter().all(u8::is_ascii_hexdigit)
}

/// Classifies and parses one text line (without its line ending).
pub fn parse_text_line(line: &[u8]) -> Result<TextRecord, Reject> {
    let line = trim(line);
    let Some(&first) = line.first() else {
        return Ok(TextRecord::Skip);
    };
    let body = line.strip_suffix(b";").unwrap_or(line);
    match first {
        b'#' => Ok(TextRecord::Skip),
        b'*' => Ok(TextRecord::Frame(hex_frame(&body[1..])?, FrameTime::None)),
        b'@' => {
            let ts = body.get(1..13).ok_or(Reject::TooShort)?;
            let ticks = hex_ticks(ts)?;
            Ok(TextRecord::Frame(
                hex_frame(&body[13..])?,
                FrameTime::Ticks12MHz(ticks),
            ))
        }
        b'<' => {
            let ts = body.get(1..13).ok_or(Reject::TooShort)?;
            let ticks = hex_ticks(ts)?;
            let frame = body.get(15..).ok_or(Reject::TooShort)?;
            Ok(TextRecord::Frame(
                hex_frame(frame)?,
                FrameTime::Ticks12MHz(ticks),
            ))
        }
        _ if line.starts_with(b"MSG,") => {
            let (m, t) = parse_sbs(line)?;
            Ok(TextRecord::Sbs(m, t))
        }
        _ if line.contains(&b',') => parse_csv(line),
        _ => Ok(TextRecord::Frame(hex_frame(body)?, FrameTime::None)),
    }
}

/// `time,hex[,…]`: time in seconds (a fraction allowed), the hex frame
/// optionally quoted. A line whose first field starts with a letter is a
/// header.
fn parse_csv(line: &[u8]) -> Result<TextRecord, Reject> {
    let mut fields = line.split(|&c| c == b',');
    let time = unquote(fields.next().unwrap_or_default());
    let hex = unquote(fields.next().unwrap_or_default());
    if time.first().is_some_and(u8::is_ascii_alphabetic) {
        return Ok(TextRecord::Skip);
    }
    let ms = seconds_to_ms(time).ok_or(Reject::BadLine)?;
    let hex = hex.strip_prefix(b"*").unwrap_or(hex);
    let hex = hex.strip_suffix(b";").unwrap_or(hex);
    Ok(TextRecord::Frame(hex_frame(hex)?, FrameTime::UnixMs(ms)))
}

/// Counters of a [`TextReader`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextStats {
    /// Lines seen.
    pub lines: u64,
    /// Lines that gave a frame.
    pub frames: u64,
    /// SBS lines that gave a message.
    pub sbs: u64,
    /// Blank, comment and header lines.
    pub skipped: u64,
    /// Lines rejected (each reported as an [`InputError`]).
    pub rejected: u64,
}

/// One item out of a [`TextReader`], with its line number.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextItem {
    /// 1-based line number.
    pub line: u64,
    /// What the line held.
    pub record: TextRecord,
}

/// Text lines from a byte stream (any chunk boundaries), through the
/// project's one line splitter ([`LineSplitter`]), parsed into frames or
/// SBS messages; every line is counted.
#[derive(Debug, Default)]
pub struct TextReader {
    splitter: LineSplitter,
    stats: TextStats,
}

impl TextReader {
    /// A reader at the start of a stream.
    pub fn new() -> TextReader {
        TextReader::default()
    }

    /// The counters so far.
    pub fn stats(&self) -> TextStats {
        self.stats
    }

    /// Feeds bytes; `f` gets every complete line's frame, message or error
    /// (blank lines, comments and headers are counted, not handed out).
    pub fn push(&mut self, chunk: &[u8], mut f: impl FnMut(Result<TextItem, InputError>)) {
        let stats = &mut self.stats;
        self.splitter
            .push(chunk, |n, line| handle(stats, n, line, &mut f));
    }

    /// The end of the stream: its last line if it had no line ending.
    pub fn finish(&mut self, mut f: impl FnMut(Result<TextItem, InputError>)) {
        if let Some((n, line)) = self.splitter.finish() {
            handle(&mut self.stats, n, line, &mut f);
        }
    }
}

fn handle(
    stats: &mut TextStats,
    n: u64,
    line: &[u8],
    f: &mut impl FnMut(Result<TextItem, InputError>),
) {
    stats.lines += 1;
    match parse_text_line(line) {
        Ok(TextRecord::Skip) => stats.skipped += 1,
        Ok(record) => {
            if matches!(record, TextRecord::Sbs(..)) {
                stats.sbs += 1;
            } else {
                stats.frames += 1;
            }
            f(Ok(TextItem { line: n, record }));
        }
        Err(reason) => {
            stats.rejected += 1;
            f(Err(InputError {
                at: InputPos::Line(n),
                reason,
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn mode_s_text_is_told_from_ais() {
        use super::is_modes_text;
        assert!(is_modes_text(
            b"1796000000.125,8D4CA1B2202CC371C32CE0576098"
        ));
        assert!(is_modes_text(b"1796000000,5D4CA1B2A1B2C3"));
        assert!(is_modes_text(b"*8D4840D6202CC371C32CE0576098;"));
        assert!(is_modes_text(b"MSG,3,1,1,4CA1B2,1,2026/01/01,00:00:00.000,2026/01/01,00:00:00.000,,35000,,,43.1,-9.2,,,0,0,0,0"));
        assert!(!is_modes_text(
            b"1796000000,!AIVDM,1,1,,A,13aG?P0P00PD;88MD5MTDww@2<0L,0*58"
        ));
        assert!(!is_modes_text(
            b"!AIVDM,1,1,,A,13aG?P0P00PD;88MD5MTDww@2<0L,0*58"
        ));
        assert!(!is_modes_text(
            b"\\s:x,c:1*00\\!AIVDM,1,1,,A,13aG?P0P00PD;88MD5MTDww@2<0L,0*58"
        ));
        assert!(!is_modes_text(b"1796000000,8D4CA1B2"));
    }

    use super::*;

    fn frame(r: TextRecord) -> (Vec<u8>, FrameTime) {
        match r {
            TextRecord::Frame(f, t) => (f.bytes().to_vec(), t),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn avr_forms() {
        let (b, t) = frame(parse_text_line(b"*8D406B902015A678D4D220AA4BDA;").unwrap());
        assert_eq!(b.len(), 14);
        assert_eq!(t, FrameTime::None);
        let (b, t) = frame(parse_text_line(b"@0123456789AB8D406B902015A678D4D220AA4BDA;").unwrap());
        assert_eq!(b[0], 0x8D);
        assert_eq!(t, FrameTime::Ticks12MHz(0x0123_4567_89AB));
        let (b, _) = frame(parse_text_line(b"  5d4ca88c5ddb73 \r").unwrap());
        assert_eq!(b.len(), 7);
        assert_eq!(parse_text_line(b"*8D40;"), Err(Reject::TooShort));
        assert_eq!(
            parse_text_line(b"*8D406B902015A678D4D220AA4BDX;"),
            Err(Reject::BadHex)
        );
        assert_eq!(parse_text_line(b"@01;"), Err(Reject::TooShort));
        assert_eq!(parse_text_line(b""), Ok(TextRecord::Skip));
    }

    #[test]
    fn csv_forms() {
        let (b, t) = frame(
            parse_text_line(br#"1457996400,"8D406B909945DE10000405999BE4","406B90",19"#).unwrap(),
        );
        assert_eq!(b[0], 0x8D);
        assert_eq!(t, FrameTime::UnixMs(1_457_996_400_000));
        let (_, t) =
            frame(parse_text_line(b"1720248189.525094,8f393322384a02aea63afc43dcba").unwrap());
        assert_eq!(t, FrameTime::UnixMs(1_720_248_189_525));
        assert_eq!(
            parse_text_line(b"unix_time,hex_msg,icao,typecode"),
            Ok(TextRecord::Skip)
        );
        assert_eq!(parse_text_line(b"12x,8D"), Err(Reject::BadLine));
    }

    #[test]
    fn reader_counts_every_line_at_any_chunking() {
        let data = b"*8D406B902015A678D4D220AA4BDA;\n\n# c\n*zz;\n@0123456789AB8D406B902015A678D4D220AA4BDA;";
        for cut in 0..data.len() {
            let mut r = TextReader::new();
            let mut ok = 0;
            let mut errs = Vec::new();
            let mut f = |x: Result<TextItem, InputError>| match x {
                Ok(_) => ok += 1,
                Err(e) => errs.push(e),
            };
            r.push(&data[..cut], &mut f);
            r.push(&data[cut..], &mut f);
            r.finish(&mut f);
            assert_eq!(ok, 2);
            assert_eq!(errs.len(), 1);
            assert_eq!(errs[0].at, InputPos::Line(4));
            assert_eq!(r.stats().lines, 5);
            assert_eq!(r.stats().skipped, 2);
        }
    }
}

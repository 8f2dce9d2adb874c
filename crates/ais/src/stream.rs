//! Lines in, messages and errors out: framing, assembly and decoding of a
//! whole feed, with counts of everything seen.

use finisterra_nmea::{
    parse_line, Assembler, AssemblerConfig, FrameError, Incomplete, Line, Timestamp,
};

use crate::messages::{decode_bits, AisMessage};
use crate::{Bits, DecodeError};

/// A decoded message with where and when it was received.
#[derive(Debug, Clone, Copy)]
pub struct StreamMessage<'a> {
    /// The message.
    pub message: &'a AisMessage,
    /// Line number (1-based) of its first sentence.
    pub line: u64,
    /// Receive time carried by the data (tag block, USCG trailer, leading
    /// Unix time, or a preceding Gatehouse `$PGHP` line).
    pub time: Option<Timestamp>,
    /// Receiving station (tag block `s:`).
    pub station: Option<&'a str>,
    /// Radio channel as written, if any.
    pub channel: Option<u8>,
    /// NMEA talker (`AI`, `BS`, ...).
    pub talker: [u8; 2],
    /// `VDO` (the receiver's own ship) rather than `VDM`.
    pub own_ship: bool,
    /// Number of sentences the message was made of.
    pub fragments: u8,
    /// The assembled payload (6-bit armoured), as received: with
    /// `fill_bits`, what identifies one transmission heard by several
    /// receivers.
    pub payload: &'a [u8],
    /// Fill bits of the last sentence.
    pub fill_bits: u8,
}

/// What went wrong with a line (or with a message that began on it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// The line is not a valid sentence.
    Frame(FrameError),
    /// A multi-sentence message never completed.
    Incomplete(Incomplete),
    /// The payload did not decode.
    Decode(DecodeError),
}

impl ErrorKind {
    /// A short stable key for counting by reason.
    pub fn reason(&self) -> &'static str {
        match self {
            ErrorKind::Frame(e) => e.reason(),
            ErrorKind::Incomplete(i) => i.cause.reason(),
            ErrorKind::Decode(e) => e.reason(),
        }
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ErrorKind::Frame(e) => e.fmt(f),
            ErrorKind::Incomplete(i) => i.fmt(f),
            ErrorKind::Decode(e) => e.fmt(f),
        }
    }
}

/// A rejected line, with its number and the reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// Line number (1-based). For an incomplete message, the line of its
    /// first fragment.
    pub line: u64,
    /// What was wrong.
    pub kind: ErrorKind,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.kind)
    }
}

/// One output of the [`StreamDecoder`].
#[derive(Debug, Clone)]
pub enum Event<'a> {
    /// A decoded message.
    Message(StreamMessage<'a>),
    /// A rejected line or message.
    Error(LineError),
}

/// Counts of everything the decoder saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Lines read.
    pub lines: u64,
    /// Empty lines (skipped).
    pub blank: u64,
    /// Comment lines (skipped).
    pub comments: u64,
    /// Other NMEA sentences, such as `$GPGGA` (skipped).
    pub other_nmea: u64,
    /// Gatehouse `$PGHP` timestamp lines.
    pub timestamp_lines: u64,
    /// AIS sentences framed (fragments count one each).
    pub sentences: u64,
    /// Messages decoded.
    pub messages: u64,
    /// Messages decoded, by type (index = type, 1-27).
    pub by_type: [u64; 28],
    /// Lines rejected by framing (not a sentence, bad checksum, ...).
    pub rejected_lines: u64,
    /// AIS sentences that ended up in a decoded message.
    pub message_sentences: u64,
    /// AIS sentences of messages that never completed or did not decode.
    pub dropped_sentences: u64,
    /// Rejected lines or messages by reason, in first-seen order.
    pub errors: Vec<(&'static str, u64)>,
}

impl Stats {
    /// Total rejected lines and messages.
    pub fn error_count(&self) -> u64 {
        self.errors.iter().map(|e| e.1).sum()
    }

    /// Lines not yet accounted for: zero after [`StreamDecoder::finish`],
    /// when every line was skipped, rejected, or is a sentence of a decoded
    /// or dropped message. Before `finish`, the sentences of messages
    /// still waiting for fragments.
    pub fn unaccounted_lines(&self) -> u64 {
        let skipped = self.blank + self.comments + self.other_nmea + self.timestamp_lines;
        let done = skipped + self.rejected_lines + self.message_sentences + self.dropped_sentences;
        self.lines.saturating_sub(done)
    }

    fn count_error(&mut self, reason: &'static str) {
        if let Some(e) = self.errors.iter_mut().find(|e| e.0 == reason) {
            e.1 += 1;
        } else {
            self.errors.push((reason, 1));
        }
    }

    /// Adds another decoder's counts to these.
    pub fn merge(&mut self, other: &Stats) {
        self.lines += other.lines;
        self.blank += other.blank;
        self.comments += other.comments;
        self.other_nmea += other.other_nmea;
        self.timestamp_lines += other.timestamp_lines;
        self.sentences += other.sentences;
        self.messages += other.messages;
        self.rejected_lines += other.rejected_lines;
        self.message_sentences += other.message_sentences;
        self.dropped_sentences += other.dropped_sentences;
        for (a, b) in self.by_type.iter_mut().zip(other.by_type.iter()) {
            *a += b;
        }
        for &(r, n) in &other.errors {
            if let Some(e) = self.errors.iter_mut().find(|e| e.0 == r) {
                e.1 += n;
            } else {
                self.errors.push((r, n));
            }
        }
    }
}

/// Decodes a feed line by line: framing, multi-sentence assembly, decoding.
///
/// Every line ends up counted in [`Stats`]: as a message (or fragment of
/// one), as a skipped line (blank, comment, other NMEA), or as an error
/// reported through the callback with its line number.
///
/// ```
/// use finisterra_ais::{Event, StreamDecoder};
/// let feed = "!AIVDM,2,1,3,B,55P5TL01VIaAL@7WKO@mBplU@<PDhh000000001S;AJ::4A80?4i@E53,0*3E\n\
///             garbage\n\
///             !AIVDM,2,2,3,B,1@0000000000000,2*55\n";
/// let mut dec = StreamDecoder::default();
/// let mut names = Vec::new();
/// let mut errors = Vec::new();
/// for (i, line) in feed.lines().enumerate() {
///     dec.feed(i as u64 + 1, line.as_bytes(), &mut |ev| match ev {
///         Event::Message(m) => names.push(m.message.mmsi),
///         Event::Error(e) => errors.push(e.to_string()),
///     });
/// }
/// dec.finish(&mut |_| {});
/// assert_eq!(names, vec![369190000]);
/// assert_eq!(errors, vec!["line 2: not an NMEA sentence"]);
/// ```
#[derive(Debug, Default, Clone)]
pub struct StreamDecoder {
    asm: Assembler,
    gatehouse: Option<Timestamp>,
    stats: Stats,
    bits: Bits,
}

impl StreamDecoder {
    /// A decoder with the given assembly limits.
    pub fn new(config: AssemblerConfig) -> Self {
        StreamDecoder {
            asm: Assembler::new(config),
            ..Default::default()
        }
    }

    /// The counts so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The counts so far, leaving them at zero (the state is kept).
    pub fn take_stats(&mut self) -> Stats {
        std::mem::take(&mut self.stats)
    }

    /// `true` when `other` would decode every line from `next_line` on
    /// exactly as this one does, giving the same events (see
    /// [`finisterra_nmea::Assembler::same_state`]; a pending Gatehouse
    /// timestamp counts too, the counts do not).
    pub fn same_state(&self, other: &StreamDecoder, next_line: u64) -> bool {
        self.gatehouse == other.gatehouse && self.asm.same_state(&other.asm, next_line)
    }

    /// Feeds one line (with or without its line ending), numbered `line_no`.
    pub fn feed<F: FnMut(Event<'_>)>(&mut self, line_no: u64, line: &[u8], out: &mut F) {
        self.stats.lines += 1;
        let mut vdm = match parse_line(line) {
            Ok(Line::Vdm(v)) => v,
            Ok(Line::Blank) => {
                self.stats.blank += 1;
                return;
            }
            Ok(Line::Comment) => {
                self.stats.comments += 1;
                return;
            }
            Ok(Line::OtherNmea) => {
                self.stats.other_nmea += 1;
                return;
            }
            Ok(Line::Timestamp(t)) => {
                self.stats.timestamp_lines += 1;
                self.gatehouse = Some(t);
                return;
            }
            Err(e) => {
                self.stats.rejected_lines += 1;
                self.stats.count_error(e.reason());
                out(Event::Error(LineError {
                    line: line_no,
                    kind: ErrorKind::Frame(e),
                }));
                return;
            }
        };
        self.stats.sentences += 1;
        if let Some(t) = self.gatehouse.take() {
            vdm.time = vdm.time.or(Some(t));
        }
        let stats = &mut self.stats;
        let msg = {
            let mut dropped = |inc: Incomplete| {
                stats.dropped_sentences += inc.received as u64;
                stats.count_error(inc.cause.reason());
                out(Event::Error(LineError {
                    line: inc.first_line,
                    kind: ErrorKind::Incomplete(inc),
                }));
            };
            self.asm.push(&vdm, line_no, &mut dropped)
        };
        let Some(m) = msg else { return };
        let decoded = match self.bits.load(m.payload, m.fill_bits) {
            Ok(()) => decode_bits(&self.bits),
            Err(e) => Err(e),
        };
        match decoded {
            Ok(message) => {
                stats.messages += 1;
                stats.message_sentences += m.fragments as u64;
                stats.by_type[message.msg_type as usize] += 1;
                out(Event::Message(StreamMessage {
                    message: &message,
                    line: m.first_line,
                    time: m.time,
                    station: m.station,
                    channel: m.channel,
                    talker: m.talker,
                    own_ship: m.own_ship,
                    fragments: m.fragments,
                    payload: m.payload,
                    fill_bits: m.fill_bits,
                }));
            }
            Err(e) => {
                stats.dropped_sentences += m.fragments as u64;
                stats.count_error(e.reason());
                out(Event::Error(LineError {
                    line: m.first_line,
                    kind: ErrorKind::Decode(e),
                }));
            }
        }
    }

    /// Ends the input: reports every multi-sentence message still waiting
    /// for fragments.
    pub fn finish<F: FnMut(Event<'_>)>(&mut self, out: &mut F) {
        let stats = &mut self.stats;
        self.asm.finish(|inc| {
            stats.dropped_sentences += inc.received as u64;
            stats.count_error(inc.cause.reason());
            out(Event::Error(LineError {
                line: inc.first_line,
                kind: ErrorKind::Incomplete(inc),
            }));
        });
    }
}

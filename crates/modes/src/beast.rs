//! The Beast binary format (dump1090/readsb port 30005): `0x1a`, a type
//! byte (`'1'` Mode A/C, 2 bytes; `'2'` Mode S short, 7 bytes; `'3'` Mode S
//! long, 14 bytes), a 6-byte 12 MHz counter, one signal-level byte, then
//! the frame; every `0x1a` inside the frame, counter or signal is doubled.

use crate::{InputError, InputPos, Reject};

/// The kind of a Beast frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BeastKind {
    /// `'1'`: a Mode A/C reply (2 bytes).
    ModeAc,
    /// `'2'`: a 56-bit Mode S frame.
    ModeSShort,
    /// `'3'`: a 112-bit Mode S frame.
    ModeSLong,
}

impl BeastKind {
    fn from_type(t: u8) -> Option<BeastKind> {
        match t {
            b'1' => Some(BeastKind::ModeAc),
            b'2' => Some(BeastKind::ModeSShort),
            b'3' => Some(BeastKind::ModeSLong),
            _ => None,
        }
    }

    /// Bytes after the type byte (counter, signal, frame).
    fn body_len(self) -> usize {
        7 + match self {
            BeastKind::ModeAc => 2,
            BeastKind::ModeSShort => 7,
            BeastKind::ModeSLong => 14,
        }
    }
}

/// One Beast frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BeastFrame {
    /// Its kind.
    pub kind: BeastKind,
    /// The receiver's 12 MHz counter (48 bits).
    pub ticks: u64,
    /// Signal level (0–255).
    pub signal: u8,
    /// Byte offset of the frame's `0x1a` in the stream.
    pub offset: u64,
    data: [u8; 14],
    len: u8,
}

impl BeastFrame {
    /// The frame's bytes (2, 7 or 14).
    pub fn bytes(&self) -> &[u8] {
        &self.data[..usize::from(self.len).min(14)]
    }
}

/// Counters of a [`BeastFramer`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BeastStats {
    /// Bytes seen.
    pub bytes: u64,
    /// Frames handed out, per kind: Mode A/C, Mode S short, Mode S long.
    pub frames: [u64; 3],
    /// Bytes skipped while looking for a frame start.
    pub garbage_bytes: u64,
    /// Frames cut short by the start of another.
    pub truncated: u64,
    /// Frame starts of an unknown type.
    pub unknown_type: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Looking for `0x1a`.
    Seek,
    /// After `0x1a`: the type byte.
    Type,
    /// Reading the body of a frame of this kind.
    Body(BeastKind),
}

/// Splits a Beast byte stream into frames, bytes in at any chunk
/// boundaries. Resynchronises after garbage: bytes before a `0x1a` are
/// counted and skipped; a frame interrupted by an undoubled `0x1a` is
/// reported as [`Reject::BeastTruncated`] and the new frame read.
#[derive(Debug, Clone)]
pub struct BeastFramer {
    state: State,
    /// The body read so far (unescaped): counter, signal, frame.
    buf: [u8; 21],
    have: usize,
    /// The previous body byte was a `0x1a`.
    escape: bool,
    start: u64,
    stats: BeastStats,
}

impl Default for BeastFramer {
    fn default() -> Self {
        BeastFramer::new()
    }
}

impl BeastFramer {
    /// A framer at the start of a stream.
    pub fn new() -> BeastFramer {
        BeastFramer {
            state: State::Seek,
            buf: [0; 21],
            have: 0,
            escape: false,
            start: 0,
            stats: BeastStats::default(),
        }
    }

    /// The counters so far.
    pub fn stats(&self) -> BeastStats {
        self.stats
    }

    /// Feeds bytes; `f` gets every complete frame and every error.
    pub fn push(&mut self, chunk: &[u8], mut f: impl FnMut(Result<BeastFrame, InputError>)) {
        for &b in chunk {
            let offset = self.stats.bytes;
            self.stats.bytes += 1;
            self.byte(b, offset, &mut f);
        }
    }

    /// The end of the stream: a frame left unfinished is reported as
    /// truncated.
    pub fn finish(&mut self, mut f: impl FnMut(Result<BeastFrame, InputError>)) {
        if matches!(self.state, State::Body(_) | State::Type) {
            self.stats.truncated += 1;
            f(Err(InputError {
                at: InputPos::Offset(self.start),
                reason: Reject::BeastTruncated,
            }));
        }
        self.state = State::Seek;
        self.escape = false;
    }

    fn byte(&mut self, b: u8, offset: u64, f: &mut impl FnMut(Result<BeastFrame, InputError>)) {
        match self.state {
            State::Seek => {
                if b == 0x1a {
                    self.state = State::Type;
                    self.start = offset;
                } else {
                    self.stats.garbage_bytes += 1;
                }
            }
            State::Type => self.start_body(b, f),
            State::Body(kind) => {
                if self.escape {
                    self.escape = false;
                    if b != 0x1a {
                        // An undoubled 0x1a: the frame was cut, and a new
                        // one begins at that 0x1a with `b` as its type.
                        self.stats.truncated += 1;
                        f(Err(InputError {
                            at: InputPos::Offset(self.start),
                            reason: Reject::BeastTruncated,
                        }));
                        self.start = offset - 1;
                        self.start_body(b, f);
                        return;
                    }
                } else if b == 0x1a {
                    self.escape = true;
                    return;
                }
                if let Some(slot) = self.buf.get_mut(self.have) {
                    *slot = b;
                }
                self.have += 1;
                if self.have >= kind.body_len() {
                    self.emit(kind, f);
                }
            }
        }
    }

    fn start_body(&mut self, t: u8, f: &mut impl FnMut(Result<BeastFrame, InputError>)) {
        if let Some(kind) = BeastKind::from_type(t) {
            self.state = State::Body(kind);
            self.have = 0;
            self.escape = false;
        } else if t == 0x1a {
            // `0x1a 0x1a` outside a frame: an escaped data byte of a frame
            // we did not see begin. Keep looking.
            self.stats.garbage_bytes += 2;
            self.state = State::Seek;
        } else {
            self.stats.unknown_type += 1;
            self.state = State::Seek;
            f(Err(InputError {
                at: InputPos::Offset(self.start),
                reason: Reject::BeastUnknownType,
            }));
        }
    }

    fn emit(&mut self, kind: BeastKind, f: &mut impl FnMut(Result<BeastFrame, InputError>)) {
        let mut ticks = 0u64;
        for &b in &self.buf[..6] {
            ticks = ticks << 8 | u64::from(b);
        }
        let len = kind.body_len() - 7;
        let mut data = [0u8; 14];
        data[..len].copy_from_slice(&self.buf[7..7 + len]);
        self.stats.frames[match kind {
            BeastKind::ModeAc => 0,
            BeastKind::ModeSShort => 1,
            BeastKind::ModeSLong => 2,
        }] += 1;
        self.state = State::Seek;
        f(Ok(BeastFrame {
            kind,
            ticks,
            signal: self.buf[6],
            offset: self.start,
            data,
            len: len as u8,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Encodes a frame, doubling every 0x1a.
    pub(crate) fn encode(kind: u8, ticks: u64, signal: u8, frame: &[u8]) -> Vec<u8> {
        let mut out = vec![0x1a, kind];
        let mut body: Vec<u8> = ticks.to_be_bytes()[2..].to_vec();
        body.push(signal);
        body.extend_from_slice(frame);
        for b in body {
            out.push(b);
            if b == 0x1a {
                out.push(0x1a);
            }
        }
        out
    }

    fn run(data: &[u8], cut: usize) -> (Vec<BeastFrame>, Vec<InputError>, BeastStats) {
        let mut fr = BeastFramer::new();
        let mut ok = Vec::new();
        let mut err = Vec::new();
        let mut f = |x: Result<BeastFrame, InputError>| match x {
            Ok(v) => ok.push(v),
            Err(e) => err.push(e),
        };
        fr.push(&data[..cut], &mut f);
        fr.push(&data[cut..], &mut f);
        fr.finish(&mut f);
        (ok, err, fr.stats())
    }

    #[test]
    fn escapes_garbage_and_truncation() {
        let long = [0x8d, 0x1a, 0x1a, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x1a];
        let mut data = b"junk".to_vec();
        data.extend(encode(b'3', 0x1a_0000_001a, 0x1a, &long));
        data.extend([0x1a, b'2', 0, 0, 0]); // cut short
        data.extend(encode(b'2', 7, 200, &[0x5d, 1, 2, 3, 4, 5, 6]));
        data.extend(encode(b'1', 9, 10, &[0x12, 0x34]));
        data.extend([0x1a, b'9']);
        for cut in 0..data.len() {
            let (ok, err, st) = run(&data, cut);
            assert_eq!(ok.len(), 3, "cut {cut}");
            assert_eq!(ok[0].bytes(), &long);
            assert_eq!(ok[0].ticks, 0x1a_0000_001a);
            assert_eq!(ok[0].signal, 0x1a);
            assert_eq!(ok[0].offset, 4);
            assert_eq!(ok[1].bytes(), &[0x5d, 1, 2, 3, 4, 5, 6]);
            assert_eq!(ok[2].kind, BeastKind::ModeAc);
            assert_eq!(err.len(), 2);
            assert_eq!(err[0].reason, Reject::BeastTruncated);
            assert_eq!(err[1].reason, Reject::BeastUnknownType);
            assert_eq!(st.garbage_bytes, 4);
            assert_eq!(st.truncated, 1);
        }
    }
}

//! 6-bit armouring and bit-level field access.

use crate::{DecodeError, Text};

/// Largest payload accepted, in bits (ITU-R M.1371 messages use at most
/// five slots, 1064 bits; this leaves room for non-standard padding).
pub const MAX_PAYLOAD_BITS: usize = 1216;
const BUF_BYTES: usize = MAX_PAYLOAD_BITS / 8 + 8;

/// A de-armoured payload: the message's bits, big-endian, zero beyond the
/// end so that reading a truncated field yields zeros, never garbage.
///
/// A `Bits` can be reused with [`Bits::load`], which only clears what the
/// previous payload wrote.
#[derive(Clone)]
pub struct Bits {
    buf: [u8; BUF_BYTES],
    len: usize,
    /// Bytes from here on are all zero.
    clean_from: usize,
}

/// Armour character -> 6-bit value; 0xFF for characters outside the
/// alphabet (`'0'..='W'` -> 0..=39, `` '`'..='w' `` -> 40..=63).
const SIXBIT: [u8; 256] = {
    let mut t = [0xFFu8; 256];
    let mut c = 0usize;
    while c < 256 {
        let v = (c as u8).wrapping_sub(48);
        if v < 40 {
            t[c] = v;
        } else if v >= 48 && v < 72 {
            t[c] = v - 8;
        }
        c += 1;
    }
    t
};

#[inline]
fn sixbit(c: u8) -> Option<u8> {
    let v = SIXBIT[c as usize];
    (v != 0xFF).then_some(v)
}

impl std::fmt::Debug for Bits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bits({} bits)", self.len)
    }
}

impl Default for Bits {
    fn default() -> Self {
        Bits {
            buf: [0u8; BUF_BYTES],
            len: 0,
            clean_from: 0,
        }
    }
}

impl Bits {
    /// De-armours `payload` (6 bits a character) less `fill_bits`.
    pub fn from_armored(payload: &[u8], fill_bits: u8) -> Result<Bits, DecodeError> {
        let mut b = Bits::default();
        b.load(payload, fill_bits)?;
        Ok(b)
    }

    /// De-armours `payload` into this buffer, replacing its content. On
    /// error the buffer is left empty.
    pub fn load(&mut self, payload: &[u8], fill_bits: u8) -> Result<(), DecodeError> {
        let total = payload.len() * 6;
        if total > MAX_PAYLOAD_BITS {
            self.clear();
            return Err(DecodeError::PayloadTooLong { bits: total });
        }
        let mut out = 0usize;
        let mut chunks = payload.chunks_exact(4);
        for c in &mut chunks {
            let (a, b, cc, d) = (
                SIXBIT[c[0] as usize],
                SIXBIT[c[1] as usize],
                SIXBIT[c[2] as usize],
                SIXBIT[c[3] as usize],
            );
            if (a | b | cc | d) & 0xC0 != 0 {
                let bad = c
                    .iter()
                    .copied()
                    .find(|&x| sixbit(x).is_none())
                    .unwrap_or(0);
                self.clean_from = self.clean_from.max(out);
                self.clear();
                return Err(DecodeError::BadPayloadChar(bad));
            }
            let w = ((a as u32) << 18) | ((b as u32) << 12) | ((cc as u32) << 6) | d as u32;
            // One four-byte store (the buffer has slack): the fourth byte
            // is zero and the next group overwrites it.
            self.buf[out..out + 4].copy_from_slice(&(w << 8).to_be_bytes());
            out += 3;
        }
        let rem = chunks.remainder();
        if !rem.is_empty() {
            let mut w: u32 = 0;
            for (i, &c) in rem.iter().enumerate() {
                let Some(v) = sixbit(c) else {
                    self.clean_from = self.clean_from.max(out);
                    self.clear();
                    return Err(DecodeError::BadPayloadChar(c));
                };
                w |= (v as u32) << (18 - 6 * i);
            }
            self.buf[out] = (w >> 16) as u8;
            self.buf[out + 1] = (w >> 8) as u8;
            self.buf[out + 2] = w as u8;
            out += 3;
        }
        self.len = total.saturating_sub(fill_bits as usize);
        // Clear the fill bits and everything after them, so that raw data
        // dumps end in zeros and reads past the end yield zeros.
        let full = self.len / 8;
        let partial = self.len % 8;
        let keep = if partial != 0 {
            self.buf[full] &= 0xFFu8 << (8 - partial);
            full + 1
        } else {
            full
        };
        let dirty_end = out.max(self.clean_from).min(BUF_BYTES);
        if dirty_end > keep {
            self.buf[keep..dirty_end].fill(0);
        }
        self.clean_from = keep;
        Ok(())
    }

    fn clear(&mut self) {
        let end = self.clean_from.min(BUF_BYTES);
        self.buf[..end].fill(0);
        self.len = 0;
        self.clean_from = 0;
    }

    /// Number of meaningful bits.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// `true` when there are no bits.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Unsigned field of `width` ≤ 32 bits at bit `start`.
    #[inline]
    pub fn u(&self, start: usize, width: u32) -> u32 {
        debug_assert!(width <= 32 && width > 0);
        let byte = start / 8;
        if byte + 8 > self.buf.len() {
            return 0;
        }
        let mut w = [0u8; 8];
        w.copy_from_slice(&self.buf[byte..byte + 8]);
        let v = u64::from_be_bytes(w) << (start % 8);
        (v >> (64 - width)) as u32
    }

    /// Signed (two's complement) field of `width` ≤ 32 bits at bit `start`.
    #[inline]
    pub fn i(&self, start: usize, width: u32) -> i32 {
        let v = self.u(start, width);
        let shift = 32 - width;
        ((v << shift) as i32) >> shift
    }

    /// One-bit flag.
    #[inline]
    pub fn b(&self, start: usize) -> bool {
        self.u(start, 1) != 0
    }

    /// 6-bit text of up to `chars` characters at `start` (clipped to the
    /// payload), trimmed at the first `@` and of trailing spaces.
    pub fn text<const N: usize>(&self, start: usize, chars: usize) -> Text<N> {
        let mut t = self.text_untrimmed(start, chars);
        t.trim_end();
        t
    }

    /// Like [`Bits::text`] but keeps trailing spaces (still stops at the
    /// first `@`), for fields that continue in another field.
    pub fn text_untrimmed<const N: usize>(&self, start: usize, chars: usize) -> Text<N> {
        let avail = self.len.saturating_sub(start) / 6;
        let n = chars.min(avail).min(N);
        let mut t = Text::<N>::new();
        for i in 0..n {
            let v = self.u(start + 6 * i, 6) as u8;
            if v == 0 {
                break;
            }
            t.push(if v < 32 { v + 64 } else { v });
        }
        t
    }

    /// Copies the bits `start..self.len()` out (for binary payloads).
    pub fn data(&self, start: usize) -> BitData {
        self.data_range(start, self.len)
    }

    /// Copies the bits `start..end` out.
    pub fn data_range(&self, start: usize, end: usize) -> BitData {
        let end = end.min(self.len);
        let n = end.saturating_sub(start);
        let mut bytes = Vec::with_capacity(n.div_ceil(8));
        let mut i = 0;
        while i < n {
            let w = (n - i).min(8) as u32;
            let v = self.u(start + i, w) as u8;
            bytes.push(v << (8 - w));
            i += 8;
        }
        BitData { bytes, bits: n }
    }
}

/// Raw bits of a binary payload (left-aligned; the last byte is zero-padded).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BitData {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// Number of meaningful bits.
    pub bits: usize,
}

/// Builds a payload bit by bit (for the encoder).
#[derive(Debug, Default, Clone)]
pub struct BitWriter {
    bytes: Vec<u8>,
    len: usize,
}

impl BitWriter {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of bits written.
    pub fn len(&self) -> usize {
        self.len
    }

    /// `true` when nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends the low `width` (≤ 32) bits of `v`, most significant first.
    pub fn u(&mut self, v: u32, width: u32) {
        let mut width = width.min(32);
        let v = if width == 32 {
            v
        } else {
            v & ((1u32 << width) - 1)
        };
        while width > 0 {
            let used = (self.len % 8) as u32;
            if used == 0 {
                self.bytes.push(0);
            }
            let room = 8 - used;
            let take = room.min(width);
            let chunk = ((v >> (width - take)) & ((1u32 << take) - 1)) as u8;
            let last = self.bytes.len() - 1;
            self.bytes[last] |= chunk << (room - take);
            self.len += take as usize;
            width -= take;
        }
    }

    /// Appends a signed value in `width` bits (two's complement).
    pub fn i(&mut self, v: i32, width: u32) {
        let mask = if width == 32 {
            u32::MAX
        } else {
            (1u32 << width) - 1
        };
        self.u(v as u32 & mask, width);
    }

    /// Appends a flag.
    pub fn b(&mut self, v: bool) {
        self.u(v as u32, 1);
    }

    /// Appends `chars` characters of 6-bit text, padded with `@`.
    /// Lower-case letters are upper-cased; other characters outside the
    /// AIS 6-bit set are written as spaces.
    pub fn text(&mut self, s: &str, chars: usize) {
        let mut it = s.bytes();
        for _ in 0..chars {
            let c = it.next().unwrap_or(b'@').to_ascii_uppercase();
            let v = match c {
                64..=95 => c - 64,
                32..=63 => c,
                _ => 32,
            };
            self.u(v as u32, 6);
        }
    }

    /// Appends raw bits.
    pub fn data(&mut self, d: &BitData) {
        for i in 0..d.bits {
            let bit = (d.bytes[i / 8] >> (7 - i % 8)) & 1;
            self.u(bit as u32, 1);
        }
    }

    /// Armours the bits: returns the payload characters and the fill bits.
    pub fn armor(&self) -> (String, u8) {
        let fill = (6 - self.len % 6) % 6;
        let chars = self.len.div_ceil(6);
        let mut s = String::with_capacity(chars);
        for i in 0..chars {
            let k = i * 6;
            let byte = k / 8;
            let hi = self.bytes.get(byte).copied().unwrap_or(0) as u16;
            let lo = self.bytes.get(byte + 1).copied().unwrap_or(0) as u16;
            let w = (hi << 8) | lo;
            let v = ((w >> (10 - k % 8)) & 63) as u8;
            let c = if v < 40 { v + 48 } else { v + 56 };
            s.push(c as char);
        }
        (s, fill as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixbit_table_is_a_bijection() {
        let mut seen = [false; 64];
        for c in 0u8..=255 {
            if let Some(v) = sixbit(c) {
                assert!(!seen[v as usize]);
                seen[v as usize] = true;
            }
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn writer_round_trips_through_reader() {
        let mut w = BitWriter::new();
        w.u(5, 6);
        w.u(0, 2);
        w.u(371_798_000, 30);
        w.i(-74_037_230, 28);
        w.text("EVER DIADEM", 20);
        let (s, fill) = w.armor();
        let b = Bits::from_armored(s.as_bytes(), fill).unwrap();
        assert_eq!(b.len(), w.len());
        assert_eq!(b.u(0, 6), 5);
        assert_eq!(b.u(8, 30), 371_798_000);
        assert_eq!(b.i(38, 28), -74_037_230);
        assert_eq!(b.text::<20>(66, 20).as_str(), "EVER DIADEM");
    }

    #[test]
    fn reads_past_the_end_are_zero() {
        let b = Bits::from_armored(b"w", 0).unwrap();
        assert_eq!(b.u(0, 6), 63);
        assert_eq!(b.u(6, 30), 0);
        assert_eq!(b.u(MAX_PAYLOAD_BITS + 100, 30), 0);
    }

    #[test]
    fn bad_characters_are_named() {
        assert!(matches!(
            Bits::from_armored(b"15RT{t0", 0),
            Err(DecodeError::BadPayloadChar(b'{'))
        ));
    }
}

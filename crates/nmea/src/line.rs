//! One line of an AIS feed, classified and framed.

use crate::checksum::{checksum, parse_hex_byte};
use crate::tagblock::{parse_tag_block, TagBlock};
use crate::time::{unix_ms_from_civil, Timestamp};
use wide::u8x16;

/// Why a line could not be framed. Every variant names what was wrong, so
/// that a rejected line can be reported with its reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Not NMEA, not a comment, not a known wrapper.
    #[error("not an NMEA sentence")]
    NotNmea,
    /// The sentence has no `*hh` checksum.
    #[error("missing checksum (no '*hh' after the fill bits)")]
    MissingChecksum,
    /// The checksum does not match the sentence.
    #[error("bad checksum: expected {expected:02X}, found {found:02X}")]
    Checksum {
        /// Checksum computed over the sentence.
        expected: u8,
        /// Checksum written in the sentence.
        found: u8,
    },
    /// A field of the VDM sentence is missing.
    #[error("truncated sentence: missing the {0} field")]
    MissingField(&'static str),
    /// Fragment count is not a digit 1-9.
    #[error("bad fragment count")]
    BadFragmentCount,
    /// Fragment number is not in 1..=count.
    #[error("bad fragment number")]
    BadFragmentNumber,
    /// Sequential message id is not a small number.
    #[error("bad sequential message id")]
    BadSequenceId,
    /// Channel is not a single character.
    #[error("bad radio channel")]
    BadChannel,
    /// Fill bits are not 0-5.
    #[error("bad fill bits (must be 0-5)")]
    BadFillBits,
    /// The payload field of a single-sentence message is empty.
    #[error("empty payload")]
    EmptyPayload,
    /// A tag block has no `*hh` checksum.
    #[error("tag block without checksum")]
    TagBlockMissingChecksum,
    /// A tag block's checksum does not match.
    #[error("bad tag block checksum: expected {expected:02X}, found {found:02X}")]
    TagBlockChecksum {
        /// Computed checksum.
        expected: u8,
        /// Written checksum.
        found: u8,
    },
    /// A tag block parameter is not `key:value` or has a bad value.
    #[error("malformed tag block")]
    TagBlockMalformed,
    /// A tag block has no closing backslash.
    #[error("unterminated tag block")]
    TagBlockUnterminated,
    /// A Gatehouse `$PGHP` line with unreadable date or time.
    #[error("bad $PGHP timestamp")]
    BadGatehouseTime,
}

impl FrameError {
    /// A short stable key for counting rejected lines by reason.
    pub fn reason(&self) -> &'static str {
        match self {
            FrameError::NotNmea => "not_nmea",
            FrameError::MissingChecksum => "missing_checksum",
            FrameError::Checksum { .. } => "bad_checksum",
            FrameError::MissingField(_) => "truncated_sentence",
            FrameError::BadFragmentCount => "bad_fragment_count",
            FrameError::BadFragmentNumber => "bad_fragment_number",
            FrameError::BadSequenceId => "bad_sequence_id",
            FrameError::BadChannel => "bad_channel",
            FrameError::BadFillBits => "bad_fill_bits",
            FrameError::EmptyPayload => "empty_payload",
            FrameError::TagBlockMissingChecksum => "tag_block_missing_checksum",
            FrameError::TagBlockChecksum { .. } => "tag_block_bad_checksum",
            FrameError::TagBlockMalformed => "tag_block_malformed",
            FrameError::TagBlockUnterminated => "tag_block_unterminated",
            FrameError::BadGatehouseTime => "bad_gatehouse_time",
        }
    }
}

/// One `!xxVDM` / `!xxVDO` sentence (one fragment of an AIS message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vdm<'a> {
    /// The tag block before the sentence, if any.
    pub tag: Option<TagBlock<'a>>,
    /// Two-character talker (`AI`, `AB`, `BS`, `B2`, `SA`, ...).
    pub talker: [u8; 2],
    /// `true` for `VDO` (own-ship report), `false` for `VDM`.
    pub own_ship: bool,
    /// Number of fragments in the message (1-9).
    pub fragment_count: u8,
    /// This fragment's number (1..=count).
    pub fragment_number: u8,
    /// Sequential message id linking fragments (absent for single fragments).
    pub sequence_id: Option<u8>,
    /// Radio channel as written (`A`, `B`, `1`, `2`), absent when empty.
    pub channel: Option<u8>,
    /// The armoured 6-bit payload characters.
    pub payload: &'a [u8],
    /// Number of fill bits at the end of the payload (0-5).
    pub fill_bits: u8,
    /// Receive time from whichever wrapper carried one: tag block `c:`,
    /// USCG trailing unix time, or a leading unix time.
    pub time: Option<Timestamp>,
}

/// A classified line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line<'a> {
    /// Empty or whitespace only.
    Blank,
    /// A comment (`#` or `//`).
    Comment,
    /// An NMEA sentence that is not AIS (`$GPGGA`, `!AIABK`, ...): skipped.
    OtherNmea,
    /// A Gatehouse `$PGHP,1,...` line: the time of the sentence that follows.
    Timestamp(Timestamp),
    /// An AIS sentence.
    Vdm(Vdm<'a>),
}

/// Classifies and frames one line (with or without its line ending).
///
/// Never panics, whatever the bytes.
pub fn parse_line(line: &[u8]) -> Result<Line<'_>, FrameError> {
    let line = trim(line);
    if line.is_empty() {
        return Ok(Line::Blank);
    }
    match line[0] {
        b'!' | b'$' => parse_sentence(line, None),
        b'\\' => parse_tagged(line, None),
        b'#' => Ok(Line::Comment),
        b'/' if line.get(1) == Some(&b'/') => Ok(Line::Comment),
        b'0'..=b'9' => parse_leading_time(line),
        _ => Err(FrameError::NotNmea),
    }
}

#[inline]
fn trim(mut line: &[u8]) -> &[u8] {
    if line.starts_with(b"\xEF\xBB\xBF") {
        line = &line[3..];
    }
    while let [rest @ .., last] = line {
        if last.is_ascii_whitespace() || *last == 0 {
            line = rest;
        } else {
            break;
        }
    }
    // gpsd's sample carries a literal "\x0d\x0a" text at a line end.
    if let Some(rest) = line.strip_suffix(b"\\x0d\\x0a") {
        line = rest;
    }
    while let [first, rest @ ..] = line {
        if first.is_ascii_whitespace() {
            line = rest;
        } else {
            break;
        }
    }
    line
}

/// `1325394060.123 !AIVDM...` or `1325394060,\s:...\!AIVDM...`.
fn parse_leading_time(line: &[u8]) -> Result<Line<'_>, FrameError> {
    let mut i = 0;
    while i < line.len() && line[i].is_ascii_digit() {
        i += 1;
    }
    let int_end = i;
    let mut frac_ms: i64 = 0;
    if i < line.len() && line[i] == b'.' {
        i += 1;
        let mut scale = 100;
        while i < line.len() && line[i].is_ascii_digit() {
            frac_ms += (line[i] - b'0') as i64 * scale;
            scale /= 10;
            i += 1;
        }
    }
    if int_end == 0 || int_end > 13 {
        return Err(FrameError::NotNmea);
    }
    let mut j = i;
    while j < line.len() && matches!(line[j], b' ' | b'\t' | b',' | b';' | b':') {
        j += 1;
    }
    if j == i || j >= line.len() {
        return Err(FrameError::NotNmea);
    }
    let secs = parse_u64(&line[..int_end]).ok_or(FrameError::NotNmea)? as i64;
    let mut ts = Timestamp::from_unix_auto(secs);
    if ts.unix_ms == secs.saturating_mul(1000) {
        ts.unix_ms += frac_ms;
    }
    let rest = &line[j..];
    match rest[0] {
        b'!' | b'$' => parse_sentence(rest, Some(ts)),
        b'\\' => parse_tagged(rest, Some(ts)),
        _ => Err(FrameError::NotNmea),
    }
}

fn parse_tagged(line: &[u8], lead: Option<Timestamp>) -> Result<Line<'_>, FrameError> {
    let close = line[1..]
        .iter()
        .position(|&b| b == b'\\')
        .ok_or(FrameError::TagBlockUnterminated)?
        + 1;
    let tag = parse_tag_block(&line[1..close])?;
    let rest = &line[close + 1..];
    match rest.first() {
        Some(b'!') | Some(b'$') => {
            // The tag block's time comes first; the tag is put in after,
            // so that the untagged path never copies an empty one.
            let mut parsed = parse_sentence(rest, tag.time.or(lead))?;
            if let Line::Vdm(v) = &mut parsed {
                v.tag = Some(tag);
            }
            Ok(parsed)
        }
        // A tag block alone on its line, or before something unknown.
        None => Ok(Line::OtherNmea),
        Some(_) => Err(FrameError::NotNmea),
    }
}

#[inline]
fn parse_u64(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut v: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (d - b'0') as u64;
    }
    Some(v)
}

/// `lead`: the time before the sentence (a tag block's, else a leading
/// time), which comes before a time after the checksum.
fn parse_sentence(line: &[u8], lead: Option<Timestamp>) -> Result<Line<'_>, FrameError> {
    // line[0] is '!' or '$'.
    if line.len() >= 6 && (&line[3..6] == b"VDM" || &line[3..6] == b"VDO") {
        return parse_vdm(line, lead);
    }
    if line.starts_with(b"$PGHP,") {
        return parse_gatehouse(line);
    }
    // Another NMEA sentence: check it looks like one (an address field of
    // letters and digits), but do not require a valid checksum: it is skipped.
    let addr_end = line[1..]
        .iter()
        .position(|&b| b == b',' || b == b'*')
        .map(|p| p + 1)
        .unwrap_or(line.len());
    let addr = &line[1..addr_end];
    if (2..=8).contains(&addr.len()) && addr.iter().all(|b| b.is_ascii_alphanumeric()) {
        Ok(Line::OtherNmea)
    } else {
        Err(FrameError::NotNmea)
    }
}

fn parse_vdm(line: &[u8], lead: Option<Timestamp>) -> Result<Line<'_>, FrameError> {
    // One pass over the sentence, eight bytes at a time: XOR checksum,
    // the '*' and the first six commas (the field separators of a VDM).
    let bytes = &line[1..];
    let scan = scan_sentence(bytes);
    let star = scan.star.ok_or(FrameError::MissingChecksum)? + 1;
    let after = &line[star + 1..];
    if after.len() < 2 {
        return Err(FrameError::MissingChecksum);
    }
    let found = parse_hex_byte(after[0], after[1]).ok_or(FrameError::MissingChecksum)?;
    let expected = scan.xor;
    if found != expected {
        return Err(FrameError::Checksum { expected, found });
    }
    let talker = [line[1], line[2]];
    let own_ship = line[5] == b'O';
    const NAMES: [&str; 6] = [
        "fragment count",
        "fragment number",
        "sequential message id",
        "channel",
        "payload",
        "fill bits",
    ];
    if scan.ncommas < 6 || scan.commas[0] != 5 {
        let missing = if scan.commas[0] != 5 { 0 } else { scan.ncommas };
        return Err(FrameError::MissingField(NAMES[missing.min(5)]));
    }
    let c = scan.commas;
    let star_in_bytes = star - 1;
    let count = &bytes[c[0] + 1..c[1]];
    let number = &bytes[c[1] + 1..c[2]];
    let seq = &bytes[c[2] + 1..c[3]];
    let chan = &bytes[c[3] + 1..c[4]];
    let payload = &bytes[c[4] + 1..c[5]];
    let fill = &bytes[c[5] + 1..star_in_bytes];

    let fragment_count = match count {
        [d @ b'1'..=b'9'] => d - b'0',
        _ => return Err(FrameError::BadFragmentCount),
    };
    let fragment_number = match number {
        [d @ b'1'..=b'9'] if d - b'0' <= fragment_count => d - b'0',
        _ => return Err(FrameError::BadFragmentNumber),
    };
    let sequence_id = match seq {
        [] => None,
        s if s.len() <= 2 => Some(parse_u64(s).ok_or(FrameError::BadSequenceId)? as u8),
        _ => return Err(FrameError::BadSequenceId),
    };
    let channel = match chan {
        [] => None,
        [c] if c.is_ascii_alphanumeric() => Some(*c),
        _ => return Err(FrameError::BadChannel),
    };
    let fill_bits = match fill {
        [] => 0,
        [d @ b'0'..=b'5'] => d - b'0',
        _ => return Err(FrameError::BadFillBits),
    };
    // A fragment of a multi-sentence message may be empty (some base
    // stations send the last fragment so); the joined payload decides. A
    // single sentence without payload carries nothing.
    if payload.is_empty() && fragment_count == 1 {
        return Err(FrameError::EmptyPayload);
    }

    let mut time = lead;
    if time.is_none() && after.len() > 2 && after[2] == b',' {
        time = uscg_time(&after[3..]);
    }
    Ok(Line::Vdm(Vdm {
        tag: None,
        talker,
        own_ship,
        fragment_count,
        fragment_number,
        sequence_id,
        channel,
        payload,
        fill_bits,
        time,
    }))
}

/// What one pass over a sentence found.
struct Scan {
    /// Position of the first '*', if any.
    star: Option<usize>,
    /// XOR of every byte before the '*'.
    xor: u8,
    /// Positions of the first six commas before the '*'.
    commas: [usize; 6],
    ncommas: usize,
}

/// Bytes of `w` equal to `c`: 0x80 in each matching byte, 0 elsewhere
/// (exact, no false positives).
#[inline]
fn eq_mask(w: u64, c: u8) -> u64 {
    const LO7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    let x = w ^ (0x0101_0101_0101_0101u64.wrapping_mul(c as u64));
    !((((x & LO7).wrapping_add(LO7)) | x) | LO7)
}

/// `PREFIX_MASKS[k]`: the first `k` bytes 0xFF, the others 0.
const PREFIX_MASKS: [[u8; 16]; 16] = {
    let mut m = [[0u8; 16]; 16];
    let mut k = 0;
    while k < 16 {
        let mut j = 0;
        while j < k {
            m[k][j] = 0xFF;
            j += 1;
        }
        k += 1;
    }
    m
};

#[inline]
fn scan_sentence(bytes: &[u8]) -> Scan {
    let mut sc = Scan {
        star: None,
        xor: 0,
        commas: [0; 6],
        ncommas: 0,
    };
    let mut acc: u64 = 0;
    let mut i = 0;
    let mut commas = [0usize; 6];
    let mut nc = 0usize;
    // Sixteen bytes at a time (SSE2 on x86-64, NEON on aarch64, plain
    // code elsewhere): bit masks of the commas and the star, XOR folded.
    let star_v = u8x16::splat(b'*');
    let comma_v = u8x16::splat(b',');
    let mut acc16 = u8x16::ZERO;
    let mut done16 = false;
    while i + 16 <= bytes.len() {
        let mut block = [0u8; 16];
        block.copy_from_slice(&bytes[i..i + 16]);
        let v = u8x16::new(block);
        let stars = v.simd_eq(star_v).to_bitmask();
        let mut m = v.simd_eq(comma_v).to_bitmask();
        if stars != 0 {
            let k = stars.trailing_zeros() as usize;
            // The bytes before the star, XOR-folded with the rest.
            acc16 ^= v & u8x16::new(PREFIX_MASKS[k]);
            m &= (1u32 << k) - 1;
            while m != 0 && nc < 6 {
                commas[nc] = i + m.trailing_zeros() as usize;
                nc += 1;
                m &= m - 1;
            }
            sc.star = Some(i + k);
            done16 = true;
            break;
        }
        acc16 ^= v;
        while m != 0 && nc < 6 {
            commas[nc] = i + m.trailing_zeros() as usize;
            nc += 1;
            m &= m - 1;
        }
        i += 16;
    }
    let folded = acc16.to_array();
    let mut lo = [0u8; 8];
    let mut hi = [0u8; 8];
    lo.copy_from_slice(&folded[..8]);
    hi.copy_from_slice(&folded[8..]);
    acc ^= u64::from_le_bytes(lo) ^ u64::from_le_bytes(hi);
    while !done16 && i + 8 <= bytes.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[i..i + 8]);
        let w = u64::from_le_bytes(word);
        let stars = eq_mask(w, b'*');
        let mut m = eq_mask(w, b',');
        if stars != 0 {
            let k = (stars.trailing_zeros() / 8) as usize;
            let keep = if k == 0 { 0 } else { u64::MAX >> (64 - 8 * k) };
            acc ^= w & keep;
            m &= keep;
            while m != 0 && nc < 6 {
                commas[nc] = i + (m.trailing_zeros() / 8) as usize;
                nc += 1;
                m &= m - 1;
            }
            sc.star = Some(i + k);
            break;
        }
        acc ^= w;
        while m != 0 && nc < 6 {
            commas[nc] = i + (m.trailing_zeros() / 8) as usize;
            nc += 1;
            m &= m - 1;
        }
        i += 8;
    }
    let mut x = acc ^ (acc >> 32);
    x ^= x >> 16;
    x ^= x >> 8;
    let mut xor = x as u8;
    if sc.star.is_none() {
        while i < bytes.len() {
            let b = bytes[i];
            if b == b'*' {
                sc.star = Some(i);
                break;
            }
            if b == b',' && nc < 6 {
                commas[nc] = i;
                nc += 1;
            }
            xor ^= b;
            i += 1;
        }
    }
    sc.xor = xor;
    sc.commas = commas;
    sc.ncommas = nc;
    sc
}

/// USCG/NAIS trailing fields (`s36310,d-081,T59.0,...,r003669946,1325394060`):
/// the first purely numeric field of at least 9 digits is the unix time of
/// reception.
fn uscg_time(fields: &[u8]) -> Option<Timestamp> {
    fields
        .split(|&b| b == b',')
        .find(|f| f.len() >= 9 && f.iter().all(u8::is_ascii_digit))
        .and_then(parse_u64)
        .map(|v| Timestamp::from_unix_auto(v as i64))
}

/// `$PGHP,1,<yyyy>,<mm>,<dd>,<hh>,<mm>,<ss>,<ms>,...*hh`.
fn parse_gatehouse(line: &[u8]) -> Result<Line<'_>, FrameError> {
    let star = line
        .iter()
        .rposition(|&b| b == b'*')
        .ok_or(FrameError::MissingChecksum)?;
    let after = &line[star + 1..];
    if after.len() < 2 {
        return Err(FrameError::MissingChecksum);
    }
    let found = parse_hex_byte(after[0], after[1]).ok_or(FrameError::MissingChecksum)?;
    let expected = checksum(&line[1..star]);
    if found != expected {
        return Err(FrameError::Checksum { expected, found });
    }
    let mut f = line[6..star].split(|&b| b == b',');
    if f.next() != Some(b"1") {
        // Other $PGHP message types carry no time: skip them.
        return Ok(Line::OtherNmea);
    }
    let mut num = || f.next().and_then(parse_u64);
    let (y, mo, d, h, mi, s, ms) = (num(), num(), num(), num(), num(), num(), num());
    match (y, mo, d, h, mi, s) {
        (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(s)) => {
            let ms = ms.unwrap_or(0);
            unix_ms_from_civil(
                y as i64,
                mo as u32,
                d as u32,
                h as u32,
                mi as u32,
                s as u32,
                ms.min(999) as u32,
            )
            .map(|unix_ms| Line::Timestamp(Timestamp { unix_ms }))
            .ok_or(FrameError::BadGatehouseTime)
        }
        _ => Err(FrameError::BadGatehouseTime),
    }
}

#[cfg(test)]
mod tests {

    /// The one-pass scan against the obvious byte-by-byte one, on strings
    /// of every length up to 100 with commas and stars anywhere.
    #[test]
    fn the_wide_scan_agrees_with_a_plain_one() {
        fn plain(bytes: &[u8]) -> (Option<usize>, u8, Vec<usize>) {
            let star = bytes.iter().position(|&b| b == b'*');
            let end = star.unwrap_or(bytes.len());
            let xor = bytes[..end].iter().fold(0u8, |a, &b| a ^ b);
            let commas: Vec<usize> = bytes[..end]
                .iter()
                .enumerate()
                .filter(|(_, &b)| b == b',')
                .map(|(i, _)| i)
                .take(6)
                .collect();
            (star, xor, commas)
        }
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..20_000 {
            let len = (round % 101) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| match next() % 16 {
                    0 => b',',
                    1 if next() % 4 == 0 => b'*',
                    _ => (next() % 256) as u8,
                })
                .collect();
            let sc = scan_sentence(&bytes);
            let (star, xor, commas) = plain(&bytes);
            assert_eq!(sc.star, star, "{bytes:?}");
            assert_eq!(sc.xor, xor, "{bytes:?}");
            assert_eq!(&sc.commas[..sc.ncommas], &commas[..], "{bytes:?}");
        }
    }

    use super::*;

    fn vdm(line: &str) -> Vdm<'_> {
        match parse_line(line.as_bytes()) {
            Ok(Line::Vdm(v)) => v,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn plain_sentence() {
        let v = vdm("!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A\r\n");
        assert_eq!(&v.talker, b"AI");
        assert!(!v.own_ship);
        assert_eq!((v.fragment_count, v.fragment_number), (1, 1));
        assert_eq!(v.sequence_id, None);
        assert_eq!(v.channel, Some(b'A'));
        assert_eq!(v.fill_bits, 0);
        assert_eq!(v.time, None);
    }

    #[test]
    fn vdo_multi_fragment_and_channel_digit() {
        let body = "AIVDO,2,2,9,2,88888888880,2";
        let line = format!("!{body}*{:02X}", checksum(body.as_bytes()));
        let v = vdm(&line);
        assert!(v.own_ship);
        assert_eq!((v.fragment_count, v.fragment_number), (2, 2));
        assert_eq!(v.sequence_id, Some(9));
        assert_eq!(v.channel, Some(b'2'));
        assert_eq!(v.fill_bits, 2);
    }

    #[test]
    fn bad_checksum_names_expected_and_found() {
        let e = parse_line(b"!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4B").unwrap_err();
        assert_eq!(
            e,
            FrameError::Checksum {
                expected: 0x4A,
                found: 0x4B
            }
        );
        assert_eq!(e.to_string(), "bad checksum: expected 4A, found 4B");
    }

    #[test]
    fn uscg_trailer_time() {
        let v = vdm("!AIVDM,1,1,,A,15N1u<PP1FJuvSRHOE6QIwwh0HQ6,0*30,d-080,S2118,t050056.00,T56.4837741,r003669946,1325394060,1325394001");
        assert_eq!(v.time, Some(Timestamp::from_unix_s(1_325_394_060)));
        let v = vdm("!AIVDM,1,1,,A,15B4FT5000JRP>PE6E68Nbkl0PS5,0*70,b003669794,1272412827");
        assert_eq!(v.time, Some(Timestamp::from_unix_s(1_272_412_827)));
    }

    #[test]
    fn leading_unix_time() {
        let v = vdm("1635731889.5 !AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A");
        assert_eq!(
            v.time,
            Some(Timestamp {
                unix_ms: 1_635_731_889_500
            })
        );
        let v = vdm("1635731889,\\s:2573238,c:1733782034*0A\\!BSVDM,1,1,,A,13o4g`00000I2ENRH4g83S0L088C,0*3F");
        // The tag block's own time wins over the leading one.
        assert_eq!(v.time, Some(Timestamp::from_unix_s(1_733_782_034)));
    }

    #[test]
    fn gatehouse_line() {
        let l = parse_line(b"$PGHP,1,2008,5,9,0,0,0,10,338,2,,1,09*17").unwrap();
        assert_eq!(
            l,
            Line::Timestamp(Timestamp {
                unix_ms: 1_210_291_200_010
            })
        );
    }

    #[test]
    fn skipped_lines() {
        assert_eq!(parse_line(b"").unwrap(), Line::Blank);
        assert_eq!(parse_line(b"\xEF\xBB\xBF  \r\n").unwrap(), Line::Blank);
        assert_eq!(parse_line(b"# comment").unwrap(), Line::Comment);
        assert_eq!(
            parse_line(
                b"$GPGGA,184353.07,1929.045,S,02410.506,E,1,04,2.6,100.00,M,-33.9,M,,0000*6D"
            )
            .unwrap(),
            Line::OtherNmea
        );
        assert_eq!(
            parse_line(b"IamNotAnAisMessage1111"),
            Err(FrameError::NotNmea)
        );
    }

    #[test]
    fn malformed_fields() {
        assert_eq!(
            parse_line(b"!AIVDM,1,1,,B,,0*25").unwrap_err(),
            FrameError::EmptyPayload
        );
        // fragment count 0
        let body = "AIVDM,0,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0";
        let line = format!("!{body}*{:02X}", checksum(body.as_bytes()));
        assert_eq!(
            parse_line(line.as_bytes()).unwrap_err(),
            FrameError::BadFragmentCount
        );
        let body = "AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,7";
        let line = format!("!{body}*{:02X}", checksum(body.as_bytes()));
        assert_eq!(
            parse_line(line.as_bytes()).unwrap_err(),
            FrameError::BadFillBits
        );
        assert_eq!(
            parse_line(b"!AIVDM,1,1,,B,15N4cJ005Jrek0H@9nDW5608EP,013").unwrap_err(),
            FrameError::MissingChecksum
        );
    }

    #[test]
    fn one_pass_scan_matches_bytewise_reference() {
        let mut seed = 12345u64;
        for n in 0..300usize {
            let len = n % 90;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    [b'A', b',', b'*', b'1', b'z', 0xFF][(seed >> 33) as usize % 6]
                })
                .collect();
            let sc = scan_sentence(&bytes);
            let star = bytes.iter().position(|&b| b == b'*');
            assert_eq!(sc.star, star, "{bytes:?}");
            let end = star.unwrap_or(bytes.len());
            assert_eq!(sc.xor, bytes[..end].iter().fold(0, |a, b| a ^ b));
            let commas: Vec<usize> = bytes[..end]
                .iter()
                .enumerate()
                .filter(|(_, &b)| b == b',')
                .map(|(i, _)| i)
                .take(6)
                .collect();
            assert_eq!(&sc.commas[..sc.ncommas], &commas[..]);
        }
    }

    #[test]
    fn never_panics_on_prefixes() {
        let line = b"\\g:1-2-1604,s:rORBCOMM008,c:1418169601,T:2014-12-10 00.00.01*37\\!AIVDM,2,1,6,A,53@o0E000001Q0CG37U8u<Tp4q@D00000000000018330400000000000000,0*63";
        for n in 0..line.len() {
            let _ = parse_line(&line[..n]);
            let _ = parse_line(&line[n..]);
        }
    }
}

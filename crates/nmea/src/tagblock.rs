//! NMEA 4.10 tag blocks: `\s:source,c:unix_time,g:1-2-1234*hh\`.

use std::io::Write as _;

use crate::checksum::{checksum, parse_hex_byte};
use crate::line::FrameError;
use crate::time::Timestamp;

/// A sentence group (`g:` parameter): this is sentence `number` of `total`
/// in the group `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Group {
    /// This sentence's number in the group, from 1.
    pub number: u8,
    /// Number of sentences in the group.
    pub total: u8,
    /// The group's identifier.
    pub id: u32,
}

/// The parameters of an NMEA 4.10 tag block. Unknown parameters are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TagBlock<'a> {
    /// `c:` receive time (seconds, or milliseconds when the value is too
    /// large to be seconds).
    pub time: Option<Timestamp>,
    /// `s:` source (the receiving station).
    pub source: Option<&'a str>,
    /// `d:` destination.
    pub destination: Option<&'a str>,
    /// `g:` sentence group.
    pub group: Option<Group>,
    /// `n:` line count.
    pub line_count: Option<u32>,
    /// `r:` relative time.
    pub relative_time: Option<u32>,
    /// `t:` free text.
    pub text: Option<&'a str>,
}

/// Parses the inside of a tag block (between the two backslashes),
/// checking its checksum.
pub(crate) fn parse_tag_block(inner: &[u8]) -> Result<TagBlock<'_>, FrameError> {
    let star = inner
        .iter()
        .rposition(|&b| b == b'*')
        .ok_or(FrameError::TagBlockMissingChecksum)?;
    let body = &inner[..star];
    let cs = &inner[star + 1..];
    if cs.len() != 2 {
        return Err(FrameError::TagBlockMissingChecksum);
    }
    let found = parse_hex_byte(cs[0], cs[1]).ok_or(FrameError::TagBlockMissingChecksum)?;
    let expected = checksum(body);
    if found != expected {
        return Err(FrameError::TagBlockChecksum { expected, found });
    }
    let text = std::str::from_utf8(body).map_err(|_| FrameError::TagBlockMalformed)?;
    let mut tb = TagBlock::default();
    for param in text.split(',') {
        let (key, value) = param.split_once(':').ok_or(FrameError::TagBlockMalformed)?;
        match key {
            "c" => {
                let v: i64 = value.parse().map_err(|_| FrameError::TagBlockMalformed)?;
                tb.time = Some(Timestamp::from_unix_auto(v));
            }
            "s" => tb.source = Some(value),
            "d" => tb.destination = Some(value),
            "t" => tb.text = Some(value),
            "n" => tb.line_count = value.parse().ok(),
            "r" => tb.relative_time = value.parse().ok(),
            "g" => {
                let mut it = value.splitn(3, '-');
                let number = it.next().and_then(|v| v.parse().ok());
                let total = it.next().and_then(|v| v.parse().ok());
                let id = it.next().and_then(|v| v.parse().ok());
                match (number, total, id) {
                    (Some(number), Some(total), Some(id)) => {
                        tb.group = Some(Group { number, total, id })
                    }
                    _ => return Err(FrameError::TagBlockMalformed),
                }
            }
            _ => {}
        }
    }
    Ok(tb)
}

/// Writes `line` into `out` (cleared first) with the `c:` time of the tag
/// block that opens it set to `new_unix_s(old time)` seconds, and the tag
/// block's checksum recomputed; the other parameters, their order and the
/// rest of the line are kept byte for byte.
///
/// Returns the old time when the line was rewritten. A line without a tag
/// block at its start, or whose tag block has no `c:`, is copied unchanged
/// (`Ok(None)`); a broken tag block (unterminated, bad checksum, malformed)
/// is an error, and `out` then holds the line unchanged too. The new time is
/// written in whole seconds (an old time in milliseconds included).
///
/// ```
/// use finisterra_nmea::{parse_line, retime_tag_block, Line};
///
/// let line = b"\\s:2573238,c:1733782034*0A\\!BSVDM,1,1,,A,13o4g`00000I2ENRH4g83S0L088C,0*3F";
/// let mut out = Vec::new();
/// let old = retime_tag_block(line, &mut out, |t| t.unix_ms / 1000 + 3600).unwrap();
/// assert_eq!(old.unwrap().unix_ms, 1_733_782_034_000);
/// assert!(out.starts_with(b"\\s:2573238,c:1733785634*"));
/// match parse_line(&out).unwrap() {
///     Line::Vdm(v) => assert_eq!(v.time.unwrap().unix_ms, 1_733_785_634_000),
///     other => panic!("{other:?}"),
/// }
/// ```
pub fn retime_tag_block(
    line: &[u8],
    out: &mut Vec<u8>,
    new_unix_s: impl FnOnce(Timestamp) -> i64,
) -> Result<Option<Timestamp>, FrameError> {
    out.clear();
    let parsed = match line.strip_prefix(b"\\") {
        None => Ok(None),
        Some(rest) => match rest.iter().position(|&b| b == b'\\') {
            None => Err(FrameError::TagBlockUnterminated),
            Some(close) => parse_tag_block(&rest[..close])
                .map(|tb| tb.time.map(|old| (old, &rest[..close], &rest[close + 1..]))),
        },
    };
    let (old, inner, after) = match parsed {
        Ok(Some(found)) => found,
        other => {
            out.extend_from_slice(line);
            return other.map(|_| None);
        }
    };
    let new_s = new_unix_s(old);
    // A valid tag block has its `*`.
    let body = inner
        .iter()
        .rposition(|&b| b == b'*')
        .map_or(inner, |star| &inner[..star]);
    out.push(b'\\');
    for (i, param) in body.split(|&b| b == b',').enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if param.starts_with(b"c:") {
            // Writing into a Vec cannot fail.
            let _ = write!(out, "c:{new_s}");
        } else {
            out.extend_from_slice(param);
        }
    }
    let cs = checksum(&out[1..]);
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.extend_from_slice(&[
        b'*',
        HEX[usize::from(cs >> 4)],
        HEX[usize::from(cs & 15)],
        b'\\',
    ]);
    out.extend_from_slice(after);
    Ok(Some(old))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orbcomm_group_block() {
        let tb = parse_tag_block(b"g:1-2-1604,s:rORBCOMM008,c:1418169601,T:2014-12-10 00.00.01*37")
            .unwrap();
        assert_eq!(tb.source, Some("rORBCOMM008"));
        assert_eq!(tb.time, Some(Timestamp::from_unix_s(1_418_169_601)));
        assert_eq!(
            tb.group,
            Some(Group {
                number: 1,
                total: 2,
                id: 1604
            })
        );
    }

    #[test]
    fn bad_checksum_names_both_values() {
        let err = parse_tag_block(b"s:2573238,c:1733782034*0B").unwrap_err();
        assert_eq!(
            err,
            FrameError::TagBlockChecksum {
                expected: 0x0A,
                found: 0x0B
            }
        );
    }

    #[test]
    fn one_digit_checksum_is_malformed() {
        assert_eq!(
            parse_tag_block(b"g:1-2-73874*A").unwrap_err(),
            FrameError::TagBlockMissingChecksum
        );
    }

    fn retimed(line: &[u8], unix_s: i64) -> (Result<Option<Timestamp>, FrameError>, Vec<u8>) {
        let mut out = b"junk".to_vec();
        let r = retime_tag_block(line, &mut out, |_| unix_s);
        (r, out)
    }

    #[test]
    fn retimed_tag_block_keeps_everything_else_and_a_valid_checksum() {
        let line = b"\\g:1-2-1604,s:rORBCOMM008,c:1418169601,T:2014-12-10 00.00.01*37\\!AIVDM,2,1,6,A,53@o0E,0*63";
        let (r, out) = retimed(line, 1_800_000_000);
        assert_eq!(r, Ok(Some(Timestamp::from_unix_s(1_418_169_601))));
        let text = std::str::from_utf8(&out).unwrap();
        assert!(
            text.starts_with("\\g:1-2-1604,s:rORBCOMM008,c:1800000000,T:2014-12-10 00.00.01*"),
            "{text}"
        );
        assert!(text.ends_with("\\!AIVDM,2,1,6,A,53@o0E,0*63"), "{text}");
        let close = out[1..].iter().position(|&b| b == b'\\').unwrap() + 1;
        let tb = parse_tag_block(&out[1..close]).expect("valid checksum");
        assert_eq!(tb.time, Some(Timestamp::from_unix_s(1_800_000_000)));
        assert_eq!(tb.source, Some("rORBCOMM008"));
        // Negative times and milliseconds are written in seconds.
        let (_, out) = retimed(b"\\c:1733782034000*65\\!X", -5);
        assert!(
            out.starts_with(b"\\c:-5*"),
            "{}",
            String::from_utf8_lossy(&out)
        );
    }

    #[test]
    fn lines_without_a_time_or_with_a_broken_tag_block_are_copied() {
        for (line, want) in [
            (
                &b"!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A"[..],
                Ok(None),
            ),
            (b"", Ok(None)),
            (b"\\s:2573238*73\\!X", Ok(None)),
            (
                b"\\s:2573238,c:1733782034*0B\\!X",
                Err(FrameError::TagBlockChecksum {
                    expected: 0x0A,
                    found: 0x0B,
                }),
            ),
            (
                b"\\s:2573238,c:1733782034*0A",
                Err(FrameError::TagBlockUnterminated),
            ),
            (b"\\c:x*21\\!X", Err(FrameError::TagBlockMalformed)),
            (b"\\", Err(FrameError::TagBlockUnterminated)),
        ] {
            let (r, out) = retimed(line, 1);
            assert_eq!(r, want, "{}", String::from_utf8_lossy(line));
            assert_eq!(out, line);
        }
    }
}

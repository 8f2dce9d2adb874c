//! NMEA 4.10 tag blocks: `\s:source,c:unix_time,g:1-2-1234*hh\`.

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
}

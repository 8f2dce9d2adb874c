//! Time as carried by the data: milliseconds since the Unix epoch, UTC.

/// A point in time taken from the data itself (never from a clock).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    pub unix_ms: i64,
}

impl Timestamp {
    /// From whole seconds since the epoch.
    pub fn from_unix_s(s: i64) -> Self {
        Timestamp {
            unix_ms: s.saturating_mul(1000),
        }
    }

    /// Interprets a numeric epoch value the way feeds write it: values that
    /// are too large to be seconds (after year 5138) are taken as
    /// milliseconds.
    pub fn from_unix_auto(v: i64) -> Self {
        if v.abs() >= 100_000_000_000 {
            Timestamp { unix_ms: v }
        } else {
            Self::from_unix_s(v)
        }
    }

    /// Seconds since the epoch, as a float.
    pub fn unix_s_f64(self) -> f64 {
        self.unix_ms as f64 / 1000.0
    }
}

/// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Milliseconds since the epoch for a UTC civil time; `None` when a field is
/// out of range.
pub fn unix_ms_from_civil(
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    millis: u32,
) -> Option<i64> {
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
        || millis > 999
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(
        ((days * 24 + hour as i64) * 60 + minute as i64) * 60_000
            + second as i64 * 1000
            + millis as i64,
    )
}

/// Milliseconds since 1970-01-01T00:00:00Z of an ISO 8601 time: the one
/// parser of the workspace (zones' time windows, scenarios, CSV columns).
/// `YYYY-MM-DD` (midnight UTC) or `YYYY-MM-DD[T| ]HH:MM[:SS[.fff]]`
/// followed by `Z` or an offset `±HH:MM` / `±HHMM` / `±HH`; without a zone
/// the time is refused, unless `missing_zone_is_utc` (CSV exports write UTC
/// without saying so). `None` when malformed or out of range (month days
/// and leap years checked).
pub fn parse_iso8601_ms(s: &str, missing_zone_is_utc: bool) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let d = b.get(r)?;
        if d.is_empty() || !d.iter().all(u8::is_ascii_digit) {
            return None;
        }
        d.iter()
            .try_fold(0i64, |acc, &c| Some(acc * 10 + (c - b'0') as i64))
    };
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
        return None;
    }
    let days = days_from_civil(y, mo as u32, d as u32);
    if b.len() == 10 {
        return Some(days * 86_400_000);
    }
    if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 16 || b[13] != b':' {
        return None;
    }
    let (h, mi) = (num(11..13)?, num(14..16)?);
    if h > 23 || mi > 59 {
        return None;
    }
    let mut i = 16;
    let mut ms = 0i64;
    let mut sec = 0i64;
    if b.get(i) == Some(&b':') {
        sec = num(i + 1..i + 3)?;
        if sec > 60 {
            return None;
        }
        i += 3;
        if matches!(b.get(i), Some(b'.') | Some(b',')) {
            let start = i + 1;
            let mut j = start;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if j == start {
                return None;
            }
            // Milliseconds from the first three digits, truncated.
            let frac = &b[start..j.min(start + 3)];
            let mut v = frac
                .iter()
                .fold(0i64, |acc, &c| acc * 10 + (c - b'0') as i64);
            for _ in frac.len()..3 {
                v *= 10;
            }
            ms = v;
            i = j;
        }
    }
    let offset_min = match b.get(i) {
        Some(b'Z') | Some(b'z') if i + 1 == b.len() => 0,
        None if missing_zone_is_utc => 0,
        Some(&c) if c == b'+' || c == b'-' => {
            let sign = if c == b'+' { 1 } else { -1 };
            let rest = &b[i + 1..];
            let (oh, om) = match rest.len() {
                2 => (num(i + 1..i + 3)?, 0),
                4 => (num(i + 1..i + 3)?, num(i + 3..i + 5)?),
                5 if rest[2] == b':' => (num(i + 1..i + 3)?, num(i + 4..i + 6)?),
                _ => return None,
            };
            if oh > 23 || om > 59 {
                return None;
            }
            sign * (oh * 60 + om)
        }
        _ => return None,
    };
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset_min * 60;
    Some(secs * 1000 + ms)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 {
                29
            } else {
                28
            }
        }
    }
}

/// Splits milliseconds since the epoch into
/// `(year, month, day, hour, minute, second, millisecond)`.
pub fn civil_from_unix_ms(unix_ms: i64) -> (i64, u32, u32, u32, u32, u32, u32) {
    let days = unix_ms.div_euclid(86_400_000);
    let rem = unix_ms.rem_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    let ms = (rem % 1000) as u32;
    let s = rem / 1000;
    (
        y,
        m,
        d,
        (s / 3600) as u32,
        ((s / 60) % 60) as u32,
        (s % 60) as u32,
        ms,
    )
}

/// Appends ISO 8601 UTC (`2021-11-01T01:58:07Z`, with `.mmm` when the
/// milliseconds are not zero) to `out`.
pub fn format_iso8601(ts: Timestamp, out: &mut Vec<u8>) {
    let (y, mo, d, h, mi, s, ms) = civil_from_unix_ms(ts.unix_ms);
    let y = y.clamp(0, 9999) as u32;
    let mut buf = [0u8; 24];
    put4(&mut buf[0..4], y);
    buf[4] = b'-';
    put2(&mut buf[5..7], mo);
    buf[7] = b'-';
    put2(&mut buf[8..10], d);
    buf[10] = b'T';
    put2(&mut buf[11..13], h);
    buf[13] = b':';
    put2(&mut buf[14..16], mi);
    buf[16] = b':';
    put2(&mut buf[17..19], s);
    if ms == 0 {
        buf[19] = b'Z';
        out.extend_from_slice(&buf[..20]);
    } else {
        buf[19] = b'.';
        buf[20] = b'0' + (ms / 100) as u8;
        buf[21] = b'0' + ((ms / 10) % 10) as u8;
        buf[22] = b'0' + (ms % 10) as u8;
        buf[23] = b'Z';
        out.extend_from_slice(&buf);
    }
}

fn put2(b: &mut [u8], v: u32) {
    b[0] = b'0' + (v / 10 % 10) as u8;
    b[1] = b'0' + (v % 10) as u8;
}

fn put4(b: &mut [u8], v: u32) {
    put2(&mut b[0..2], v / 100);
    put2(&mut b[2..4], v % 100);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_epochs() {
        let mut s = Vec::new();
        format_iso8601(Timestamp::from_unix_s(1_325_394_060), &mut s);
        assert_eq!(s, b"2012-01-01T05:01:00Z");
        s.clear();
        format_iso8601(
            Timestamp {
                unix_ms: 1_635_731_889_123,
            },
            &mut s,
        );
        assert_eq!(s, b"2021-11-01T01:58:09.123Z");
        assert_eq!(
            unix_ms_from_civil(2008, 5, 9, 0, 0, 0, 10),
            Some(1_210_291_200_010)
        );
        assert_eq!(unix_ms_from_civil(2008, 13, 9, 0, 0, 0, 0), None);
    }

    #[test]
    fn iso8601_forms() {
        let t = 1_700_000_000_000; // 2023-11-14T22:13:20Z
        assert_eq!(parse_iso8601_ms("2023-11-14T22:13:20Z", false), Some(t));
        assert_eq!(
            parse_iso8601_ms("2023-11-14 22:13:20.5Z", false),
            Some(t + 500)
        );
        assert_eq!(
            parse_iso8601_ms("2023-11-15T00:13:20+02:00", false),
            Some(t)
        );
        assert_eq!(parse_iso8601_ms("2023-11-14T22:13:20", false), None);
        assert_eq!(parse_iso8601_ms("2023-11-14T22:13:20", true), Some(t));
        assert_eq!(parse_iso8601_ms("2023-11-14T22:13", true), Some(t - 20_000));
        assert_eq!(parse_iso8601_ms("2023-11-14", false), Some(t - 80_000_000));
        assert_eq!(parse_iso8601_ms("2023-02-29T00:00:00Z", false), None);
        assert!(parse_iso8601_ms("2024-02-29T00:00:00Z", false).is_some());
        assert_eq!(parse_iso8601_ms("2023-11-14T24:00:00Z", false), None);
    }

    #[test]
    fn civil_round_trip_over_centuries() {
        let mut t = -2_208_988_800_000i64; // 1900
        while t < 7_258_118_400_000 {
            let (y, mo, d, h, mi, s, ms) = civil_from_unix_ms(t);
            assert_eq!(unix_ms_from_civil(y, mo, d, h, mi, s, ms), Some(t));
            t += 86_400_000 * 13 + 3_723_456;
        }
    }

    #[test]
    fn millisecond_epochs_are_recognised() {
        assert_eq!(
            Timestamp::from_unix_auto(1_418_169_601).unix_ms,
            1_418_169_601_000
        );
        assert_eq!(
            Timestamp::from_unix_auto(1_418_169_601_250).unix_ms,
            1_418_169_601_250
        );
    }
}

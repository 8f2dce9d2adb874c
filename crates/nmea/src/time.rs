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

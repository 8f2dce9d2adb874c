//! The own ship's navigation sentences from a GPS or compass feed: `RMC`
//! (position, speed, course, date and time), `GGA` (position and fix
//! quality), `VTG` (course and speed) and `HDT` (true heading), from any
//! talker (`GP`, `GN`, `GL`, `II`, `HE`, ...), with or without a tag block.
//!
//! The checksum is required. Fields that are empty are `None`; a position
//! the receiver marks invalid (RMC status `V`, GGA quality 0) is kept out.

use crate::checksum::parse_hex_byte;
use crate::time::unix_ms_from_civil;

/// One navigation sentence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GpsSentence {
    /// Recommended minimum: position, speed, course, date and time.
    Rmc {
        /// Date and time, ms since the epoch (when both are given).
        unix_ms: Option<i64>,
        /// Position (lat, lon degrees), if valid.
        position: Option<(f64, f64)>,
        /// Speed over ground, knots.
        sog_kn: Option<f64>,
        /// Course over ground (true), degrees.
        cog_deg: Option<f64>,
    },
    /// Fix data: position and time of day.
    Gga {
        /// Time of day, ms since midnight UTC.
        time_of_day_ms: Option<i64>,
        /// Position (lat, lon degrees), if there is a fix.
        position: Option<(f64, f64)>,
    },
    /// Course and speed over ground.
    Vtg {
        /// Course over ground (true), degrees.
        cog_deg: Option<f64>,
        /// Speed over ground, knots.
        sog_kn: Option<f64>,
    },
    /// True heading.
    Hdt {
        /// Heading, degrees.
        heading_deg: Option<f64>,
    },
}

/// Why a navigation sentence was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum GpsError {
    /// No `*hh` checksum.
    #[error("missing checksum")]
    MissingChecksum,
    /// The checksum does not match.
    #[error("bad checksum")]
    Checksum,
    /// A field that must be a number is not, or is out of range.
    #[error("bad {0} field")]
    BadField(&'static str),
}

impl GpsError {
    /// A short stable key for counting rejected lines by reason.
    pub fn reason(&self) -> &'static str {
        match self {
            GpsError::MissingChecksum => "gps_missing_checksum",
            GpsError::Checksum => "gps_bad_checksum",
            GpsError::BadField(_) => "gps_bad_field",
        }
    }
}

/// Parses a line if it is an `RMC`, `GGA`, `VTG` or `HDT` sentence
/// (`None` for anything else). Never panics, whatever the bytes.
pub fn parse_gps(line: &[u8]) -> Option<Result<GpsSentence, GpsError>> {
    let mut line = line.trim_ascii();
    if line.first() == Some(&b'\\') {
        // A tag block before the sentence: skipped.
        let end = line[1..].iter().position(|&b| b == b'\\')? + 2;
        line = &line[end..];
    }
    if line.len() < 7 || line[0] != b'$' || line[6] != b',' {
        return None;
    }
    let kind = &line[3..6];
    if !matches!(kind, b"RMC" | b"GGA" | b"VTG" | b"HDT") {
        return None;
    }
    Some(parse_checked(line, kind))
}

fn parse_checked(line: &[u8], kind: &[u8]) -> Result<GpsSentence, GpsError> {
    let star = line
        .iter()
        .rposition(|&b| b == b'*')
        .ok_or(GpsError::MissingChecksum)?;
    let cs = line
        .get(star + 1..star + 3)
        .ok_or(GpsError::MissingChecksum)?;
    let found = parse_hex_byte(cs[0], cs[1]).ok_or(GpsError::MissingChecksum)?;
    let body = &line[1..star];
    if body.iter().fold(0u8, |a, b| a ^ b) != found {
        return Err(GpsError::Checksum);
    }
    let text = std::str::from_utf8(body).map_err(|_| GpsError::BadField("sentence"))?;
    let f: Vec<&str> = text.split(',').collect();
    let get = |i: usize| f.get(i).copied().unwrap_or("");
    Ok(match kind {
        b"RMC" => {
            let valid = get(2) == "A";
            let position = if valid {
                position(get(3), get(4), get(5), get(6))?
            } else {
                None
            };
            let unix_ms = match (time_of_day_ms(get(1))?, date(get(9))?) {
                (Some(t), Some((y, m, d))) => {
                    unix_ms_from_civil(y, m, d, 0, 0, 0, 0).map(|midnight| midnight + t)
                }
                _ => None,
            };
            GpsSentence::Rmc {
                unix_ms,
                position,
                sog_kn: number(get(7), "speed", 0.0, 200.0)?,
                cog_deg: number(get(8), "course", 0.0, 360.0)?,
            }
        }
        b"GGA" => {
            let quality = number(get(6), "fix quality", 0.0, 9.0)?.unwrap_or(0.0);
            let position = if quality > 0.0 {
                position(get(2), get(3), get(4), get(5))?
            } else {
                None
            };
            GpsSentence::Gga {
                time_of_day_ms: time_of_day_ms(get(1))?,
                position,
            }
        }
        b"VTG" => GpsSentence::Vtg {
            cog_deg: number(get(1), "course", 0.0, 360.0)?,
            sog_kn: number(get(5), "speed", 0.0, 200.0)?,
        },
        _ => GpsSentence::Hdt {
            heading_deg: number(get(1), "heading", 0.0, 360.0)?,
        },
    })
}

/// A number in `lo..=hi`, `None` when empty.
fn number(s: &str, what: &'static str, lo: f64, hi: f64) -> Result<Option<f64>, GpsError> {
    if s.is_empty() {
        return Ok(None);
    }
    let v: f64 = s.parse().map_err(|_| GpsError::BadField(what))?;
    if !(lo..=hi).contains(&v) {
        return Err(GpsError::BadField(what));
    }
    Ok(Some(if hi == 360.0 && v == 360.0 { 0.0 } else { v }))
}

/// `ddmm.mmmm,N,dddmm.mmmm,E` as degrees; `None` when empty.
fn position(lat: &str, ns: &str, lon: &str, ew: &str) -> Result<Option<(f64, f64)>, GpsError> {
    if lat.is_empty() || lon.is_empty() {
        return Ok(None);
    }
    let dm = |s: &str, deg_digits: usize, what: &'static str| -> Result<f64, GpsError> {
        let (d, m) = s
            .split_at_checked(deg_digits)
            .ok_or(GpsError::BadField(what))?;
        let d: f64 = d.parse().map_err(|_| GpsError::BadField(what))?;
        let m: f64 = m.parse().map_err(|_| GpsError::BadField(what))?;
        if !(0.0..60.0).contains(&m) {
            return Err(GpsError::BadField(what));
        }
        Ok(d + m / 60.0)
    };
    let mut la = dm(lat, 2, "latitude")?;
    let mut lo = dm(lon, 3, "longitude")?;
    match ns {
        "N" => {}
        "S" => la = -la,
        _ => return Err(GpsError::BadField("latitude")),
    }
    match ew {
        "E" => {}
        "W" => lo = -lo,
        _ => return Err(GpsError::BadField("longitude")),
    }
    if la.abs() > 90.0 || lo.abs() > 180.0 {
        return Err(GpsError::BadField("position"));
    }
    Ok(Some((la, lo)))
}

/// `hhmmss[.sss]` as ms since midnight; `None` when empty.
fn time_of_day_ms(s: &str) -> Result<Option<i64>, GpsError> {
    if s.is_empty() {
        return Ok(None);
    }
    let bad = GpsError::BadField("time");
    if s.len() < 6 || !s.is_char_boundary(6) {
        return Err(bad);
    }
    let (hms, frac) = s.split_at(6);
    let n = |r: std::ops::Range<usize>| hms[r].parse::<i64>().map_err(|_| bad);
    let (h, m, sec) = (n(0..2)?, n(2..4)?, n(4..6)?);
    if h > 23 || m > 59 || sec > 60 {
        return Err(bad);
    }
    let ms = if frac.is_empty() {
        0
    } else {
        let f: f64 = frac.parse().map_err(|_| bad)?;
        (f * 1000.0).round() as i64
    };
    Ok(Some(((h * 60 + m) * 60 + sec) * 1000 + ms))
}

/// `ddmmyy` (years 1980–2079); `None` when empty.
fn date(s: &str) -> Result<Option<(i64, u32, u32)>, GpsError> {
    if s.is_empty() {
        return Ok(None);
    }
    let bad = GpsError::BadField("date");
    if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad);
    }
    let n = |r: std::ops::Range<usize>| s[r].parse::<u32>().map_err(|_| bad);
    let (d, m, y) = (n(0..2)?, n(2..4)?, n(4..6)?);
    let year = if y < 80 { 2000 + y } else { 1900 + y };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(bad);
    }
    Ok(Some((i64::from(year), m, d)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_cs(body: &str) -> String {
        let cs = body.bytes().fold(0u8, |a, b| a ^ b);
        format!("${body}*{cs:02X}")
    }

    #[test]
    fn rmc() {
        // The classic example (NMEA 0183 documentation, gpsd).
        let l = "$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A";
        let Some(Ok(GpsSentence::Rmc {
            unix_ms,
            position,
            sog_kn,
            cog_deg,
        })) = parse_gps(l.as_bytes())
        else {
            panic!("{:?}", parse_gps(l.as_bytes()));
        };
        let (lat, lon) = position.unwrap();
        assert!((lat - 48.1173).abs() < 1e-4 && (lon - 11.516_667).abs() < 1e-5);
        assert_eq!(sog_kn, Some(22.4));
        assert_eq!(cog_deg, Some(84.4));
        assert_eq!(unix_ms, Some(764_426_119_000)); // 1994-03-23T12:35:19Z
                                                    // Status V: no position.
        let v = with_cs("GNRMC,123519,V,4807.038,N,01131.000,E,,,230394,,");
        assert!(matches!(
            parse_gps(v.as_bytes()),
            Some(Ok(GpsSentence::Rmc { position: None, .. }))
        ));
    }

    #[test]
    fn gga_vtg_hdt_and_the_rest() {
        let g = "$GPGGA,092750.000,5321.6802,N,00630.3372,W,1,8,1.03,61.7,M,55.2,M,,*76";
        let Some(Ok(GpsSentence::Gga {
            time_of_day_ms,
            position,
        })) = parse_gps(g.as_bytes())
        else {
            panic!("{:?}", parse_gps(g.as_bytes()));
        };
        assert_eq!(time_of_day_ms, Some(34_070_000)); // 09:27:50
        let (lat, lon) = position.unwrap();
        assert!((lat - 53.361_337).abs() < 1e-5 && (lon + 6.505_62).abs() < 1e-5);
        let v = with_cs("GPVTG,054.7,T,034.4,M,005.5,N,010.2,K");
        assert_eq!(
            parse_gps(v.as_bytes()),
            Some(Ok(GpsSentence::Vtg {
                cog_deg: Some(54.7),
                sog_kn: Some(5.5)
            }))
        );
        let h = format!("\\s:bridge,c:1700000000*00\\{}", with_cs("HEHDT,274.07,T"));
        assert_eq!(
            parse_gps(h.as_bytes()),
            Some(Ok(GpsSentence::Hdt {
                heading_deg: Some(274.07)
            }))
        );
        assert_eq!(
            parse_gps(b"!AIVDM,1,1,,A,15M67FC000G?ufbE`FepT@3n00Sa,0*5C"),
            None
        );
        assert_eq!(parse_gps(b"$GPGSV,3,1,11*00"), None);
        assert_eq!(
            parse_gps(b"$GPHDT,274.07,T*00"),
            Some(Err(GpsError::Checksum))
        );
        assert_eq!(
            parse_gps(with_cs("GPHDT,400,T").as_bytes()),
            Some(Err(GpsError::BadField("heading")))
        );
        assert_eq!(
            parse_gps(with_cs("GPGGA,0927,5321.6802,N,00630.3372,W,1,8,,,,,,,").as_bytes()),
            Some(Err(GpsError::BadField("time")))
        );
        for junk in [
            &b"$GPRMC,"[..],
            b"$GPRMC,*",
            b"\\\\$GPHDT",
            b"$GPGGA,\xff\xfe*00",
        ] {
            let _ = parse_gps(junk);
        }
    }
}

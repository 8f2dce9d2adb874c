//! SBS BaseStation text (port 30003): `MSG,type,session,aircraft,hex,
//! flight,date,time,date,time,callsign,alt,gs,track,lat,lon,vrate,squawk,
//! alert,emergency,spi,ground`. The fields are already decoded; they become
//! the same [`AirMessage`] as a frame's.

use finisterra_nmea::unix_ms_from_civil;

use crate::message::{AddressKind, AirMessage, Callsign, PositionSource};
use crate::text::FrameTime;
use crate::Reject;

fn field<'a>(fields: &[&'a [u8]; 22], i: usize) -> Option<&'a str> {
    let f = fields.get(i)?;
    let s = core::str::from_utf8(f).ok()?.trim();
    (!s.is_empty()).then_some(s)
}

fn num<T: core::str::FromStr>(fields: &[&[u8]; 22], i: usize) -> Result<Option<T>, Reject> {
    match field(fields, i) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| Reject::BadSbs),
    }
}

/// `yyyy/mm/dd` and `hh:mm:ss[.sss]` to Unix milliseconds (UTC).
fn sbs_time(date: &str, time: &str) -> Option<i64> {
    let mut d = date.split('/');
    let y: i64 = d.next()?.parse().ok()?;
    let mo: u32 = d.next()?.parse().ok()?;
    let day: u32 = d.next()?.parse().ok()?;
    let mut t = time.split(':');
    let h: u32 = t.next()?.parse().ok()?;
    let mi: u32 = t.next()?.parse().ok()?;
    let sec = t.next()?;
    let (s, frac) = sec.split_once('.').unwrap_or((sec, ""));
    let s: u32 = s.parse().ok()?;
    let mut ms = 0u32;
    for i in 0..3 {
        let digit = match frac.as_bytes().get(i) {
            Some(c) if c.is_ascii_digit() => u32::from(c - b'0'),
            Some(_) => return None,
            None => 0,
        };
        ms = ms * 10 + digit;
    }
    unix_ms_from_civil(y, mo, day, h, mi, s, ms)
}

/// Parses one SBS `MSG` line into a message (address, and whichever of
/// callsign, altitude, ground speed, track, position, vertical rate,
/// squawk, emergency and ground state it carries) and its generated time.
pub fn parse_sbs(line: &[u8]) -> Result<(AirMessage, FrameTime), Reject> {
    let mut fields: [&[u8]; 22] = [&[]; 22];
    let mut n = 0;
    for (i, f) in line.split(|&c| c == b',').enumerate() {
        if let Some(slot) = fields.get_mut(i) {
            *slot = f;
        }
        n = i + 1;
    }
    if n < 11 || fields[0] != b"MSG" {
        return Err(Reject::BadSbs);
    }
    let sbs_type: u8 = num(&fields, 1)?.ok_or(Reject::BadSbs)?;
    let hex = field(&fields, 4).ok_or(Reject::BadSbs)?;
    let hex = hex.trim_start_matches('~');
    if hex.len() != 6 {
        return Err(Reject::BadSbs);
    }
    let address = u32::from_str_radix(hex, 16).map_err(|_| Reject::BadSbs)?;
    let mut m = AirMessage {
        address,
        address_kind: AddressKind::Sbs,
        sbs_type: Some(sbs_type),
        ..AirMessage::default()
    };
    if let Some(cs) = field(&fields, 10) {
        let mut b = [b' '; 8];
        for (slot, c) in b.iter_mut().zip(cs.bytes()) {
            *slot = c.to_ascii_uppercase();
        }
        if cs.is_ascii() {
            m.callsign = Some(Callsign(b));
        }
    }
    m.alt_baro_ft = num::<f64>(&fields, 11)?.map(|v| v.round() as i32);
    m.gs_kn = num(&fields, 12)?;
    m.track_deg = num(&fields, 13)?;
    let lat: Option<f64> = num(&fields, 14)?;
    let lon: Option<f64> = num(&fields, 15)?;
    if let (Some(lat), Some(lon)) = (lat, lon) {
        if lat.abs() <= 90.0 && lon.abs() <= 180.0 {
            m.lat_deg = Some(lat);
            m.lon_deg = Some(lon);
            m.position_source = Some(PositionSource::Sbs);
        } else {
            return Err(Reject::BadSbs);
        }
    }
    m.baro_rate_fpm = num::<f64>(&fields, 16)?.map(|v| v.round() as i32);
    if let Some(sq) = field(&fields, 17) {
        if sq.len() != 4 || !sq.bytes().all(|c| (b'0'..=b'7').contains(&c)) {
            return Err(Reject::BadSbs);
        }
        m.squawk = Some(sq.bytes().fold(0u16, |a, c| a << 3 | u16::from(c - b'0')));
    }
    if let Some(e) = field(&fields, 19) {
        if e != "0" {
            m.emergency = Some(1);
        }
    }
    if let Some(g) = field(&fields, 21) {
        m.on_ground = Some(g != "0");
    }
    let time = match (field(&fields, 6), field(&fields, 7)) {
        (Some(d), Some(t)) => sbs_time(d, t).map_or(FrameTime::None, FrameTime::UnixMs),
        _ => FrameTime::None,
    };
    Ok((m, time))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_and_velocity_lines() {
        let (m, t) = parse_sbs(
            b"MSG,3,1,1,4CA2D6,1,2016/03/14,23:00:00.123,2016/03/14,23:00:00.130,,37000,,,51.45735,-1.02826,,,0,0,0,0",
        )
        .unwrap();
        assert_eq!(m.address, 0x4CA2D6);
        assert_eq!(m.alt_baro_ft, Some(37000));
        assert_eq!(m.lat_deg, Some(51.45735));
        assert_eq!(m.lon_deg, Some(-1.02826));
        assert_eq!(m.on_ground, Some(false));
        assert_eq!(t, FrameTime::UnixMs(1_457_996_400_123));
        let (m, _) = parse_sbs(b"MSG,4,1,1,4CA2D6,1,,,,,,,412,283.5,,,-640,,,,,").unwrap();
        assert_eq!(m.gs_kn, Some(412.0));
        assert_eq!(m.baro_rate_fpm, Some(-640));
        let (m, _) = parse_sbs(b"MSG,6,1,1,4CA2D6,1,,,,,,,,,,,,7700,0,1,0,-1").unwrap();
        assert_eq!(m.squawk, Some(0o7700));
        assert_eq!(m.on_ground, Some(true));
        let (m, _) = parse_sbs(b"MSG,1,1,1,4CA2D6,1,,,,,RYR12AB ,,,,,,,,,,,").unwrap();
        assert_eq!(m.callsign.unwrap().as_str(), "RYR12AB");
        assert_eq!(parse_sbs(b"MSG,3,1,1,XYZ,1"), Err(Reject::BadSbs));
        assert_eq!(
            parse_sbs(b"MSG,3,1,1,4CA2D6,1,,,,,,abc,,,,,,,,,,"),
            Err(Reject::BadSbs)
        );
    }
}

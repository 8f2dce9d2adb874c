//! JSON with readsb's `aircraft.json` field names (`hex`, `flight`,
//! `alt_baro`, `alt_geom`, `gs`, `track`, `baro_rate`, `geom_rate`, `lat`,
//! `lon`, `squawk`, `category`, …) plus `df` and `tc`, one object per
//! message, written straight into a byte buffer.
//!
//! As readsb: a non-ICAO address is written with a `~` before it, `flight`
//! keeps its eight characters (space padded), `alt_baro` is `"ground"` for
//! an aircraft on the ground without an altitude, `gs` has one decimal,
//! `track` two, `lat`/`lon` six. Fields a message does not carry are
//! omitted.

use crate::message::{AddressKind, AirMessage};

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends one JSON object (without a line ending) to `out`. Allocates
/// nothing beyond `out`'s growth.
pub fn write_json(out: &mut Vec<u8>, m: &AirMessage) {
    out.extend_from_slice(b"{\"hex\":\"");
    if m.address_kind == AddressKind::NonIcao {
        out.push(b'~');
    }
    for shift in [20, 16, 12, 8, 4, 0] {
        out.push(HEX[((m.address >> shift) & 0xF) as usize]);
    }
    out.push(b'"');
    if let Some(df) = m.df {
        int(out, b",\"df\":", i64::from(df));
    }
    if let Some(tc) = m.tc {
        int(out, b",\"tc\":", i64::from(tc));
    }
    if let Some(cs) = m.callsign {
        out.extend_from_slice(b",\"flight\":\"");
        for &c in cs.padded().as_bytes() {
            if c == b'"' || c == b'\\' {
                out.push(b'\\');
            }
            if (0x20..0x7f).contains(&c) {
                out.push(c);
            }
        }
        out.push(b'"');
    }
    match (m.alt_baro_ft, m.on_ground) {
        (Some(a), _) => int(out, b",\"alt_baro\":", i64::from(a)),
        (None, Some(true)) => out.extend_from_slice(b",\"alt_baro\":\"ground\""),
        _ => {}
    }
    if let Some(a) = m.alt_geom_ft {
        int(out, b",\"alt_geom\":", i64::from(a));
    }
    if let Some(v) = m.gs_kn {
        fixed(out, b",\"gs\":", v, 1);
    }
    if let Some(v) = m.ias_kn {
        int(out, b",\"ias\":", i64::from(v));
    }
    if let Some(v) = m.tas_kn {
        int(out, b",\"tas\":", i64::from(v));
    }
    if let Some(v) = m.track_deg {
        fixed(out, b",\"track\":", v, 2);
    }
    if let Some(v) = m.heading_deg {
        fixed(out, b",\"mag_heading\":", v, 2);
    }
    if let Some(v) = m.baro_rate_fpm {
        int(out, b",\"baro_rate\":", i64::from(v));
    }
    if let Some(v) = m.geom_rate_fpm {
        int(out, b",\"geom_rate\":", i64::from(v));
    }
    if let Some(code) = m.squawk {
        let mut b = [0u8; 4];
        out.extend_from_slice(b",\"squawk\":\"");
        out.extend_from_slice(AirMessage::squawk_digits(code, &mut b).as_bytes());
        out.push(b'"');
    }
    if let Some(e) = m.emergency {
        out.extend_from_slice(b",\"emergency\":\"");
        out.extend_from_slice(emergency_text(e).as_bytes());
        out.push(b'"');
    }
    if let Some(c) = m.category {
        out.extend_from_slice(b",\"category\":\"");
        out.push(HEX[usize::from(c >> 4)].to_ascii_uppercase());
        out.push(HEX[usize::from(c & 0xF)]);
        out.push(b'"');
    }
    if let (Some(lat), Some(lon)) = (m.lat_deg, m.lon_deg) {
        fixed(out, b",\"lat\":", lat, 6);
        fixed(out, b",\"lon\":", lon, 6);
    }
    if let Some(v) = m.nac_v {
        int(out, b",\"nac_v\":", i64::from(v));
    }
    if let Some(s) = m.op_status {
        int(out, b",\"version\":", i64::from(s.version));
        for (k, v) in [
            (&b",\"nic_a\":"[..], s.nic_supplement_a),
            (b",\"nac_p\":", s.nac_p),
            (b",\"gva\":", s.gva),
            (b",\"sil\":", s.sil),
            (b",\"nic_baro\":", s.nic_baro),
        ] {
            if let Some(v) = v {
                int(out, k, i64::from(v));
            }
        }
        if let Some(p) = s.sil_per_sample {
            out.extend_from_slice(b",\"sil_type\":\"");
            out.extend_from_slice(if p { b"persample" } else { b"perhour" });
            out.push(b'"');
        }
    }
    out.push(b'}');
}

/// readsb's names of the emergency states.
fn emergency_text(e: u8) -> &'static str {
    match e {
        0 => "none",
        1 => "general",
        2 => "lifeguard",
        3 => "minfuel",
        4 => "nordo",
        5 => "unlawful",
        6 => "downed",
        _ => "reserved",
    }
}

fn int(out: &mut Vec<u8>, key: &[u8], v: i64) {
    out.extend_from_slice(key);
    let mut b = itoa::Buffer::new();
    out.extend_from_slice(b.format(v).as_bytes());
}

/// A number with exactly `dec` decimals (rounded half away from zero);
/// `null` when not finite.
fn fixed(out: &mut Vec<u8>, key: &[u8], v: f64, dec: u32) {
    out.extend_from_slice(key);
    if !v.is_finite() {
        out.extend_from_slice(b"null");
        return;
    }
    let scale = 10i64.pow(dec);
    let scaled = (v.abs() * scale as f64).round();
    if scaled >= 9.0e15 {
        out.extend_from_slice(b"null");
        return;
    }
    let scaled = scaled as i64;
    if v < 0.0 && scaled != 0 {
        out.push(b'-');
    }
    let mut b = itoa::Buffer::new();
    out.extend_from_slice(b.format(scaled / scale).as_bytes());
    if dec > 0 {
        out.push(b'.');
        let frac = scaled % scale;
        let s = b.format(frac);
        for _ in s.len()..dec as usize {
            out.push(b'0');
        }
        out.extend_from_slice(s.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Callsign;

    #[test]
    fn readsb_names() {
        let m = AirMessage {
            df: Some(17),
            tc: Some(4),
            address: 0x3c6586,
            callsign: Some(Callsign(*b"DLH9U   ")),
            category: Some(0xA3),
            alt_baro_ft: Some(37000),
            gs_kn: Some(431.24),
            track_deg: Some(93.456),
            baro_rate_fpm: Some(-64),
            lat_deg: Some(-0.0000001),
            lon_deg: Some(-1.5),
            squawk: Some(0o7700),
            ..AirMessage::default()
        };
        let mut out = Vec::new();
        write_json(&mut out, &m);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"hex":"3c6586","df":17,"tc":4,"flight":"DLH9U   ","alt_baro":37000,"gs":431.2,"track":93.46,"baro_rate":-64,"squawk":"7700","category":"A3","lat":0.000000,"lon":-1.500000}"#
        );
        let g = AirMessage {
            address: 0xabc,
            address_kind: AddressKind::NonIcao,
            on_ground: Some(true),
            ..AirMessage::default()
        };
        let mut out = Vec::new();
        write_json(&mut out, &g);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"{"hex":"~000abc","alt_baro":"ground"}"#
        );
    }
}

//! Extended squitters (DF 17) from an aircraft's state: what a transponder
//! would broadcast. For the simulator and tests (the decoder is checked
//! against independent decoders in `tests/conformance.rs`; the encoder is
//! checked by round trips through the decoder).
//!
//! * identification (TC 1–4) with the emitter category;
//! * airborne position with barometric altitude (TC 11 by default: the
//!   type code only states the integrity, not decoded here) in 25 ft steps
//!   (Q bit), CPR even or odd format (DO-260B A.1.7: 17-bit airborne CPR);
//! * airborne velocity, subtype 1 (subsonic ground speed), east/north
//!   components in knots, vertical rate in steps of 64 ft/min with its
//!   source bit (1 barometric, 0 geometric).

use crate::cpr::nl;
use crate::crc::parity;

const CHARSET: &[u8; 64] = b"#ABCDEFGHIJKLMNOPQRSTUVWXYZ##### ###############0123456789######";

/// A DF 17 frame around a 56-bit ME field.
fn df17(icao: u32, me: u64) -> [u8; 14] {
    let mut f = [0u8; 14];
    // Capability 5: airborne, level 2+ transponder.
    f[0] = (17 << 3) | 5;
    f[1] = (icao >> 16) as u8;
    f[2] = (icao >> 8) as u8;
    f[3] = icao as u8;
    for i in 0..7 {
        f[4 + i] = (me >> (48 - 8 * i)) as u8;
    }
    let p = parity(&f[..11]);
    f[11] = (p >> 16) as u8;
    f[12] = (p >> 8) as u8;
    f[13] = p as u8;
    f
}

/// Identification: callsign (up to 8 of `A–Z`, `0–9`, space) and emitter
/// category (`0xA3` is "A3": TC 4, CA 3).
pub fn identification(icao: u32, callsign: &str, category: u8) -> [u8; 14] {
    let tc: u64 = match category >> 4 {
        0xA => 4,
        0xB => 3,
        0xC => 2,
        _ => 1,
    };
    let mut me: u64 = (tc << 51) | (u64::from(category & 7) << 48);
    let bytes = callsign.as_bytes();
    for i in 0..8 {
        let c = bytes.get(i).copied().unwrap_or(b' ').to_ascii_uppercase();
        let v = CHARSET
            .iter()
            .position(|&x| x == c && x != b'#')
            .unwrap_or(32) as u64;
        me |= v << (42 - 6 * i);
    }
    df17(icao, me)
}

/// The CPR encoding (17 bits) of a position in the even (`odd: false`) or
/// odd format, airborne.
pub fn cpr_airborne(lat_deg: f64, lon_deg: f64, odd: bool) -> (u32, u32) {
    let i = if odd { 1.0 } else { 0.0 };
    let scale = f64::from(1u32 << 17);
    let d_lat = 360.0 / (60.0 - i);
    let yz = (scale * lat_deg.rem_euclid(d_lat) / d_lat + 0.5).floor();
    let r_lat = d_lat * (yz / scale + (lat_deg / d_lat).floor());
    let zones = f64::from(nl(r_lat)) - i;
    let d_lon = if zones > 0.0 { 360.0 / zones } else { 360.0 };
    let xz = (scale * lon_deg.rem_euclid(d_lon) / d_lon + 0.5).floor();
    (
        (yz as u64 % (1 << 17)) as u32,
        (xz as u64 % (1 << 17)) as u32,
    )
}

/// Airborne position with barometric altitude (rounded to 25 ft, from
/// −1,000 to 50,175 ft), CPR format `odd`.
pub fn airborne_position(
    icao: u32,
    lat_deg: f64,
    lon_deg: f64,
    alt_ft: f64,
    odd: bool,
) -> [u8; 14] {
    let n = ((alt_ft + 1000.0) / 25.0).round().clamp(0.0, 2047.0) as u64;
    let alt12 = ((n >> 4) << 5) | (1 << 4) | (n & 0xF);
    let (yz, xz) = cpr_airborne(lat_deg, lon_deg, odd);
    let me: u64 = (11u64 << 51)
        | (alt12 << 36)
        | (u64::from(odd) << 34)
        | (u64::from(yz) << 17)
        | u64::from(xz);
    df17(icao, me)
}

/// Airborne velocity over ground (subtype 1): ground speed (knots, below
/// 1,022 each way) and track, vertical rate (ft/min, in 64 ft/min steps,
/// barometric source).
pub fn airborne_velocity(icao: u32, gs_kn: f64, track_deg: f64, rate_fpm: f64) -> [u8; 14] {
    let t = track_deg.to_radians();
    let (vx, vy) = (gs_kn * t.sin(), gs_kn * t.cos());
    let comp = |v: f64| -> (u64, u64) {
        let mag = (v.abs().round() as u64 + 1).min(1023);
        (u64::from(v < 0.0), mag)
    };
    let (dew, vew) = comp(vx);
    let (dns, vns) = comp(vy);
    let vr = ((rate_fpm.abs() / 64.0).round() as u64 + 1).min(511);
    let svr = u64::from(rate_fpm < 0.0);
    // ME bits (1-based): TC 1–5, ST 6–8, IC 9, IFR 10, NUCv 11–13,
    // Dew 14, Vew 15–24, Dns 25, Vns 26–35, VrSrc 36, Svr 37, VR 38–46.
    let me: u64 = (19u64 << 51)
        | (1u64 << 48)
        | (dew << 42)
        | (vew << 32)
        | (dns << 31)
        | (vns << 21)
        | (1u64 << 20)
        | (svr << 19)
        | (vr << 10);
    df17(icao, me)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{decode_frame, Decoder, DecoderConfig};

    #[test]
    fn round_trips_through_the_decoder() {
        let icao = 0x4ca1b2;
        let m = decode_frame(&identification(icao, "EIN12A", 0xA3)).unwrap();
        assert_eq!(m.address, icao);
        assert_eq!(m.callsign.unwrap().as_str().trim(), "EIN12A");
        assert_eq!(m.category, Some(0xA3));

        let m = decode_frame(&airborne_velocity(icao, 450.0, 75.0, -1500.0)).unwrap();
        assert!((m.gs_kn.unwrap() - 450.0).abs() < 1.0);
        assert!((m.track_deg.unwrap() - 75.0).abs() < 0.2);
        assert_eq!(m.baro_rate_fpm, Some(-1472));

        let mut d = Decoder::new(DecoderConfig::default());
        for (lat, lon, alt) in [
            (43.37, -8.4, 35_000.0),
            (-33.9, 151.2, 1_025.0),
            (60.1, 179.99, 41_000.0),
        ] {
            let even = airborne_position(icao, lat, lon, alt, false);
            let odd = airborne_position(icao, lat, lon, alt, true);
            d.decode(&even, 1_000).unwrap();
            let m = d.decode(&odd, 1_500).unwrap();
            assert_eq!(m.alt_baro_ft, Some(alt as i32));
            let (la, lo) = (m.lat_deg.unwrap(), m.lon_deg.unwrap());
            // 17-bit CPR: about 5 m.
            assert!(
                (la - lat).abs() < 1e-4 && (lo - lon).abs() < 1e-4,
                "{la} {lo}"
            );
            d = Decoder::new(DecoderConfig::default());
        }
    }
}

//! One Mode S frame decoded without state: [`decode_frame`] and the
//! [`AirMessage`] it fills.
//!
//! Bit numbers in comments are 1-based, as in ICAO Annex 10 Vol IV and
//! DO-260B: bit 1 is the most significant bit of the first byte; the ME
//! field of an extended squitter is bits 33–88.

use crate::crc;
use crate::Reject;

/// How the frame's address was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub enum AddressKind {
    /// From the AA field of a frame whose PI field checked clean (DF 11
    /// with no interrogator code, DF 17, DF 18 CF 0/6).
    #[default]
    Clean,
    /// DF 11 whose parity remainder is a small interrogator code (II or
    /// SI, 1..=79): acceptable only for an aircraft already known.
    WithInterrogator(u8),
    /// Recovered from an AP field (address = CRC of the frame XOR AP,
    /// DF 0/4/5/16/20/21): unverifiable by itself.
    FromParity,
    /// A non-ICAO (anonymous or ground-vehicle) address: DF 18 CF 1, 2, 3, 5.
    NonIcao,
    /// Given by an SBS BaseStation line (already decoded elsewhere).
    Sbs,
}

/// Where a decoded position came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum PositionSource {
    /// CPR global decoding of an even/odd pair.
    Global,
    /// CPR local decoding relative to the aircraft's last position.
    LocalAircraft,
    /// CPR local decoding relative to the configured reference position.
    LocalReference,
    /// Given by an SBS line.
    Sbs,
}

/// The CPR-encoded position of a position squitter, as transmitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Cpr {
    /// The F bit: `true` for an odd frame.
    pub odd: bool,
    /// 17-bit encoded latitude.
    pub lat: u32,
    /// 17-bit encoded longitude.
    pub lon: u32,
    /// Surface format (TC 5–8): a quarter of the airborne zones.
    pub surface: bool,
}

/// Eight characters of an identification (TC 1–4, BDS 2,0), space padded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Callsign(pub [u8; 8]);

impl Callsign {
    /// Without its trailing spaces.
    pub fn as_str(&self) -> &str {
        let s = core::str::from_utf8(&self.0).unwrap_or("");
        s.trim_end_matches(' ')
    }

    /// All eight characters (as readsb writes `flight`).
    pub fn padded(&self) -> &str {
        core::str::from_utf8(&self.0).unwrap_or("")
    }
}

/// ADS-B operational status (TC 31), where the version carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct OpStatus {
    /// Subtype: 0 airborne, 1 surface.
    pub subtype: u8,
    /// ADS-B version number (0 DO-260, 1 DO-260A, 2 DO-260B).
    pub version: u8,
    /// NIC supplement A (versions 1–2).
    pub nic_supplement_a: Option<u8>,
    /// Navigation accuracy category for position (versions 1–2).
    pub nac_p: Option<u8>,
    /// Geometric vertical accuracy (version 2, airborne).
    pub gva: Option<u8>,
    /// Source integrity level (versions 1–2).
    pub sil: Option<u8>,
    /// NIC baro (airborne, versions 1–2).
    pub nic_baro: Option<u8>,
    /// SIL supplement: 0 per hour, 1 per sample (version 2).
    pub sil_per_sample: Option<bool>,
}

/// One decoded frame: what it carried, in the units in the field names.
///
/// Fields a frame does not carry are `None`. The position (`lat_deg`,
/// `lon_deg`) is filled by [`crate::Decoder`] from `cpr` and the
/// aircraft's state; [`decode_frame`] alone leaves it empty.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct AirMessage {
    /// Downlink format (0–24); `None` for SBS input.
    pub df: Option<u8>,
    /// The 24-bit address.
    pub address: u32,
    /// How `address` was obtained.
    pub address_kind: AddressKind,
    /// Capability (DF 11/17), or the control field (DF 18).
    pub capability: Option<u8>,
    /// ADS-B type code (DF 17/18 ME bits 1–5).
    pub tc: Option<u8>,
    /// Identification.
    pub callsign: Option<Callsign>,
    /// Emitter category as readsb writes it: 0xA0–0xD7 (`"A3"`), from the
    /// type code (4 → A, 3 → B, 2 → C, 1 → D) and the CA field.
    pub category: Option<u8>,
    /// Barometric altitude, feet.
    pub alt_baro_ft: Option<i32>,
    /// Geometric (GNSS) height, feet.
    pub alt_geom_ft: Option<i32>,
    /// Ground speed, knots.
    pub gs_kn: Option<f64>,
    /// Track over ground, degrees true.
    pub track_deg: Option<f64>,
    /// Heading (TC 19 subtypes 3–4), degrees (magnetic unless the
    /// aircraft says otherwise).
    pub heading_deg: Option<f64>,
    /// Indicated airspeed, knots.
    pub ias_kn: Option<u16>,
    /// True airspeed, knots.
    pub tas_kn: Option<u16>,
    /// Vertical rate from the barometric source, feet per minute.
    pub baro_rate_fpm: Option<i32>,
    /// Vertical rate from the GNSS source, feet per minute.
    pub geom_rate_fpm: Option<i32>,
    /// GNSS height minus barometric altitude, feet.
    pub geom_minus_baro_ft: Option<i32>,
    /// Navigation accuracy category for velocity (TC 19).
    pub nac_v: Option<u8>,
    /// On the ground (surface position, flight status, vertical status).
    pub on_ground: Option<bool>,
    /// The CPR position as transmitted.
    pub cpr: Option<Cpr>,
    /// Latitude, degrees (decoded position).
    pub lat_deg: Option<f64>,
    /// Longitude, degrees (decoded position).
    pub lon_deg: Option<f64>,
    /// How the position was decoded.
    pub position_source: Option<PositionSource>,
    /// Mode A code as its 12 bits (A4 A2 A1 B4 … D1: octal digits ABCD).
    pub squawk: Option<u16>,
    /// Emergency state (TC 28 subtype 1).
    pub emergency: Option<u8>,
    /// Operational status (TC 31).
    pub op_status: Option<OpStatus>,
    /// Interrogator code of a DF 11 (0 when the parity was clean).
    pub interrogator: Option<u8>,
    /// SBS transmission type (1–8) for SBS input.
    pub sbs_type: Option<u8>,
}

impl AirMessage {
    /// The squawk as four octal digits (`"7700"`), written into `buf`.
    pub fn squawk_digits(code: u16, buf: &mut [u8; 4]) -> &str {
        for (i, b) in buf.iter_mut().enumerate() {
            *b = b'0' + ((code >> (9 - 3 * i)) & 7) as u8;
        }
        core::str::from_utf8(buf).unwrap_or("0000")
    }
}

/// The 112 bits (or 56, left-aligned) of a frame, read as fields.
#[derive(Clone, Copy)]
struct Bits(u128);

impl Bits {
    fn new(frame: &[u8]) -> Bits {
        let mut v = 0u128;
        for (i, &b) in frame.iter().take(16).enumerate() {
            v |= u128::from(b) << (120 - 8 * i);
        }
        Bits(v)
    }

    /// `len` (≤ 32) bits from bit `start` (1-based).
    #[inline]
    fn get(self, start: u32, len: u32) -> u32 {
        debug_assert!(start >= 1 && (1..=32).contains(&len) && start + len - 1 <= 128);
        ((self.0 >> (128 - (start - 1) - len)) & ((1u128 << len) - 1)) as u32
    }

    /// ME bits (1-based within the ME field).
    #[inline]
    fn me(self, start: u32, len: u32) -> u32 {
        self.get(32 + start, len)
    }
}

/// The length in bytes a downlink format has, or `None` for formats not
/// decoded here.
pub fn df_len(df: u8) -> Option<usize> {
    match df {
        0 | 4 | 5 | 11 => Some(7),
        16 | 17 | 18 | 20 | 21 => Some(14),
        _ => None,
    }
}

/// The downlink format of a frame's first byte (24 for every Comm-D,
/// whose first two bits are 11).
pub fn df_of(first: u8) -> u8 {
    if first >= 0xC0 {
        24
    } else {
        first >> 3
    }
}

/// Decodes one frame (7 or 14 bytes) without state: checks the parity of
/// DF 11/17/18, recovers the address of the AP formats (unverified:
/// [`crate::Decoder`] decides whether to believe it) and decodes every
/// field the frame carries. A frame longer than its format needs is read
/// from its first bytes (as dump1090, readsb and rs1090 do).
///
/// Never reads past `frame`, never panics.
pub fn decode_frame(frame: &[u8]) -> Result<AirMessage, Reject> {
    let Some(&first) = frame.first() else {
        return Err(Reject::TooShort);
    };
    let df = df_of(first);
    let Some(len) = df_len(df) else {
        return Err(Reject::UnsupportedDf(df));
    };
    let Some(frame) = frame.get(..len) else {
        return Err(Reject::TooShort);
    };
    let bits = Bits::new(frame);
    let syndrome = crc::syndrome(frame);
    let mut m = AirMessage {
        df: Some(df),
        ..AirMessage::default()
    };
    match df {
        17 | 18 => {
            if syndrome != 0 {
                return Err(Reject::BadCrc);
            }
            m.address = bits.get(9, 24);
            let ca = bits.get(6, 3) as u8;
            m.capability = Some(ca);
            if df == 17 {
                if ca == 4 {
                    m.on_ground = Some(true);
                } else if ca == 5 {
                    m.on_ground = Some(false);
                }
                decode_me(bits, &mut m);
            } else {
                // DF 18: CF 0 ADS-B with an ICAO address, 1 with another
                // address, 6 ADS-R; 2, 3 and 5 (TIS-B) are not decoded.
                match ca {
                    0 | 6 => decode_me(bits, &mut m),
                    1 => {
                        m.address_kind = AddressKind::NonIcao;
                        decode_me(bits, &mut m);
                    }
                    2 | 3 | 5 => m.address_kind = AddressKind::NonIcao,
                    _ => {}
                }
            }
        }
        11 => {
            let code = match syndrome {
                0 => 0,
                1..=79 => syndrome as u8,
                _ => return Err(Reject::BadCrc),
            };
            m.address = bits.get(9, 24);
            m.capability = Some(bits.get(6, 3) as u8);
            m.interrogator = Some(code);
            if code != 0 {
                m.address_kind = AddressKind::WithInterrogator(code);
            }
        }
        _ => {
            // 0, 4, 5, 16, 20, 21: AP field.
            m.address = syndrome & 0xFF_FFFF;
            m.address_kind = AddressKind::FromParity;
            match df {
                0 | 16 => {
                    m.on_ground = Some(bits.get(6, 1) == 1);
                    m.alt_baro_ft = ac13_ft(bits.get(20, 13));
                }
                4 | 20 => {
                    m.on_ground = flight_status_ground(bits.get(6, 3));
                    m.alt_baro_ft = ac13_ft(bits.get(20, 13));
                }
                _ => {
                    m.on_ground = flight_status_ground(bits.get(6, 3));
                    m.squawk = Some(id13_squawk(bits.get(20, 13)));
                }
            }
            if df == 20 || df == 21 {
                decode_comm_b_identification(bits, &mut m);
            }
        }
    }
    Ok(m)
}

/// Flight status (DF 4/5/20/21): 1 and 3 on the ground, 0 and 2
/// airborne, others either.
fn flight_status_ground(fs: u32) -> Option<bool> {
    match fs {
        0 | 2 => Some(false),
        1 | 3 => Some(true),
        _ => None,
    }
}

/// A Comm-B reply whose MB field is BDS 2,0 (first 8 bits 0x20) with eight
/// valid characters: the aircraft identification.
fn decode_comm_b_identification(bits: Bits, m: &mut AirMessage) {
    if bits.me(1, 8) != 0x20 {
        return;
    }
    if let Some(cs) = callsign(bits, false) {
        m.callsign = Some(cs);
    }
}

const CHARSET: &[u8; 64] = b"#ABCDEFGHIJKLMNOPQRSTUVWXYZ##### ###############0123456789######";

/// The eight 6-bit characters of ME bits 9–56. With `lenient`, invalid
/// characters are kept as `#`; otherwise they make the callsign invalid.
fn callsign(bits: Bits, lenient: bool) -> Option<Callsign> {
    let mut out = [b' '; 8];
    for (i, c) in out.iter_mut().enumerate() {
        let v = bits.me(9 + 6 * i as u32, 6) as usize;
        *c = CHARSET[v & 63];
        if *c == b'#' && !lenient {
            return None;
        }
    }
    Some(Callsign(out))
}

fn decode_me(bits: Bits, m: &mut AirMessage) {
    let tc = bits.me(1, 5) as u8;
    m.tc = Some(tc);
    match tc {
        1..=4 => {
            let ca = bits.me(6, 3) as u8;
            m.category = Some(((0x0E - tc) << 4) | ca);
            m.callsign = callsign(bits, true);
        }
        5..=8 => decode_surface(bits, m),
        9..=18 | 20..=22 => decode_airborne_position(bits, tc, m),
        19 => decode_velocity(bits, m),
        28 if bits.me(6, 3) == 1 => {
            m.emergency = Some(bits.me(9, 3) as u8);
            m.squawk = Some(id13_squawk(bits.me(12, 13)));
        }
        31 => decode_op_status(bits, m),
        _ => {}
    }
}

fn decode_airborne_position(bits: Bits, tc: u8, m: &mut AirMessage) {
    // ALT (ME 9–20) is an AC12 field: the AC13 field without its M bit.
    let ac12 = bits.me(9, 12);
    let ac13 = ((ac12 & 0xFC0) << 1) | (ac12 & 0x3F);
    let alt = ac13_ft(ac13);
    if tc >= 20 {
        m.alt_geom_ft = alt;
    } else {
        m.alt_baro_ft = alt;
    }
    if m.capability != Some(4) {
        m.on_ground = Some(false);
    }
    m.cpr = Some(Cpr {
        odd: bits.me(22, 1) == 1,
        lat: bits.me(23, 17),
        lon: bits.me(40, 17),
        surface: false,
    });
}

fn decode_surface(bits: Bits, m: &mut AirMessage) {
    m.on_ground = Some(true);
    m.gs_kn = movement_kn(bits.me(6, 7));
    if bits.me(13, 1) == 1 {
        m.track_deg = Some(f64::from(bits.me(14, 7)) * 360.0 / 128.0);
    }
    m.cpr = Some(Cpr {
        odd: bits.me(22, 1) == 1,
        lat: bits.me(23, 17),
        lon: bits.me(40, 17),
        surface: true,
    });
}

/// Surface movement (ME 6–12) to knots, DO-260B Table 2-48 (the
/// quantisation's lower bounds, as readsb, pyModeS and rs1090 give them).
fn movement_kn(mov: u32) -> Option<f64> {
    let v = f64::from(mov);
    match mov {
        1 => Some(0.0),
        2..=8 => Some(0.125 + (v - 2.0) * 0.125),
        9..=12 => Some(1.0 + (v - 9.0) * 0.25),
        13..=38 => Some(2.0 + (v - 13.0) * 0.5),
        39..=93 => Some(15.0 + (v - 39.0)),
        94..=108 => Some(70.0 + (v - 94.0) * 2.0),
        109..=123 => Some(100.0 + (v - 109.0) * 5.0),
        124 => Some(175.0),
        _ => None,
    }
}

fn decode_velocity(bits: Bits, m: &mut AirMessage) {
    let subtype = bits.me(6, 3);
    m.nac_v = Some(bits.me(11, 3) as u8);
    let factor = if subtype == 2 || subtype == 4 { 4 } else { 1 };
    match subtype {
        1 | 2 => {
            let ew = bits.me(15, 10) as i32;
            let ns = bits.me(26, 10) as i32;
            if ew != 0 && ns != 0 {
                let sign = |bit: u32| if bits.me(bit, 1) == 1 { -1 } else { 1 };
                let vx = f64::from(sign(14) * (ew - 1) * factor);
                let vy = f64::from(sign(25) * (ns - 1) * factor);
                m.gs_kn = Some(vx.hypot(vy));
                let t = vx.atan2(vy).to_degrees();
                m.track_deg = Some(if t < 0.0 { t + 360.0 } else { t });
            }
        }
        3 | 4 => {
            if bits.me(14, 1) == 1 {
                m.heading_deg = Some(f64::from(bits.me(15, 10)) * 360.0 / 1024.0);
            }
            let v = bits.me(26, 10);
            if v != 0 {
                let kn = ((v - 1) * factor as u32) as u16;
                if bits.me(25, 1) == 1 {
                    m.tas_kn = Some(kn);
                } else {
                    m.ias_kn = Some(kn);
                }
            }
        }
        _ => return,
    }
    let vr = bits.me(38, 9) as i32;
    if vr != 0 {
        let rate = (vr - 1) * 64 * if bits.me(37, 1) == 1 { -1 } else { 1 };
        // Source bit (ME bit 36): 1 barometric, 0 geometric (DO-260B
        // 2.2.3.2.6.1.8; readsb, dump1090-fa and pyModeS read it so; the
        // rs1090 version of the conformance file reads it reversed).
        if bits.me(36, 1) == 1 {
            m.baro_rate_fpm = Some(rate);
        } else {
            m.geom_rate_fpm = Some(rate);
        }
    }
    let dif = bits.me(50, 7) as i32;
    if dif != 0 {
        m.geom_minus_baro_ft = Some((dif - 1) * 25 * if bits.me(49, 1) == 1 { -1 } else { 1 });
    }
}

fn decode_op_status(bits: Bits, m: &mut AirMessage) {
    let subtype = bits.me(6, 3) as u8;
    if subtype > 1 {
        return;
    }
    let version = bits.me(41, 3) as u8;
    let mut s = OpStatus {
        subtype,
        version,
        ..OpStatus::default()
    };
    if version == 1 || version == 2 {
        s.nic_supplement_a = Some(bits.me(44, 1) as u8);
        s.nac_p = Some(bits.me(45, 4) as u8);
        s.sil = Some(bits.me(51, 2) as u8);
        if subtype == 0 {
            s.nic_baro = Some(bits.me(53, 1) as u8);
            if version == 2 {
                s.gva = Some(bits.me(49, 2) as u8);
            }
        }
        if version == 2 {
            s.sil_per_sample = Some(bits.me(55, 1) == 1);
        }
    }
    m.op_status = Some(s);
}

/// The 13-bit altitude code (AC13, bits 20–32 of DF 0/4/16/20): M bit
/// (metres) not decoded, Q bit 25 ft steps, otherwise Gillham 100 ft.
pub fn ac13_ft(ac13: u32) -> Option<i32> {
    if ac13 == 0 || ac13 & 0x40 != 0 {
        return None;
    }
    if ac13 & 0x10 != 0 {
        // Remove M (bit 6 from the right, 0x40) and Q (0x10).
        let n = ((ac13 & 0x1F80) >> 2) | ((ac13 & 0x20) >> 1) | (ac13 & 0x0F);
        return Some(n as i32 * 25 - 1000);
    }
    // Gillham: reorder into the Mode A layout, then Mode C.
    let id = ac13_to_id13_order(ac13);
    mode_c_ft(id)
}

/// AC13 bits (C1 A1 C2 A2 C4 A4 M B1 Q B2 D2 B4 D4) as the 12-bit
/// A4..D1 code the Gillham decoder reads.
fn ac13_to_id13_order(ac13: u32) -> u16 {
    // Same positions as ID13 except that bit 7 is M and bit 9 is Q (D1 is
    // never used for altitude): read it as an ID13 with X = M, D1 = Q = 0.
    id13_squawk(ac13 & !0x50)
}

/// ID13 field (C1 A1 C2 A2 C4 A4 X B1 D1 B2 D2 B4 D4) to the 12-bit
/// Mode A code, A4 A2 A1 B4 B2 B1 C4 C2 C1 D4 D2 D1 (octal ABCD).
pub fn id13_squawk(id13: u32) -> u16 {
    let bit = |n: u32| ((id13 >> (13 - n)) & 1) as u16;
    let (c1, a1, c2, a2, c4, a4) = (bit(1), bit(2), bit(3), bit(4), bit(5), bit(6));
    let (b1, d1, b2, d2, b4, d4) = (bit(8), bit(9), bit(10), bit(11), bit(12), bit(13));
    let a = (a4 << 2) | (a2 << 1) | a1;
    let b = (b4 << 2) | (b2 << 1) | b1;
    let c = (c4 << 2) | (c2 << 1) | c1;
    let d = (d4 << 2) | (d2 << 1) | d1;
    (a << 9) | (b << 6) | (c << 3) | d
}

/// Gillham (Mode C) code, as a 12-bit Mode A code, to feet; `None` for
/// an illegal code.
pub fn mode_c_ft(code: u16) -> Option<i32> {
    let a = (code >> 9) & 7;
    let b = (code >> 6) & 7;
    let c = (code >> 3) & 7;
    let d = code & 7;
    // Bits in the order D2 D4 A1 A2 A4 B1 B2 B4 (Gray code of 500 ft)
    // and C1 C2 C4 (the 100 ft "five-state" code).
    let bitv = |v: u16, n: u16| (v >> n) & 1;
    if bitv(d, 0) == 1 {
        return None;
    }
    let gray = (bitv(d, 1) << 7)
        | (bitv(d, 2) << 6)
        | (bitv(a, 0) << 5)
        | (bitv(a, 1) << 4)
        | (bitv(a, 2) << 3)
        | (bitv(b, 0) << 2)
        | (bitv(b, 1) << 1)
        | bitv(b, 2);
    let mut five_hundreds = 0i32;
    let mut g = gray;
    while g != 0 {
        five_hundreds ^= i32::from(g);
        g >>= 1;
    }
    // C1 C2 C4, a reflected code: 001, 011, 010, 110, 100 are 1..=5.
    let c_gray = (bitv(c, 0) << 2) | (bitv(c, 1) << 1) | bitv(c, 2);
    let mut one_hundreds = match c_gray {
        0b001 => 1,
        0b011 => 2,
        0b010 => 3,
        0b110 => 4,
        0b100 => 5,
        _ => return None,
    };
    if five_hundreds & 1 == 1 {
        one_hundreds = 6 - one_hundreds;
    }
    Some((five_hundreds * 500 + one_hundreds * 100) - 1300)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(hex: &str) -> Vec<u8> {
        (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn identification() {
        let m = decode_frame(&bytes("8D406B902015A678D4D220AA4BDA")).unwrap();
        assert_eq!(m.address, 0x406B90);
        assert_eq!(m.tc, Some(4));
        assert_eq!(m.callsign.unwrap().as_str(), "EZY85MH");
        assert_eq!(m.category, Some(0xA0));
    }

    #[test]
    fn velocity() {
        let m = decode_frame(&bytes("8D485020994409940838175B284F")).unwrap();
        assert!((m.gs_kn.unwrap() - 159.20).abs() < 0.01);
        assert!((m.track_deg.unwrap() - 182.88).abs() < 0.01);
        // Source bit 0: geometric (GNSS).
        assert_eq!(m.geom_rate_fpm, Some(-832));
        assert_eq!(m.baro_rate_fpm, None);
        assert_eq!(m.geom_minus_baro_ft, Some(550));
        let m = decode_frame(&bytes("8DA05F219B06B6AF189400CBC33F")).unwrap();
        assert_eq!(m.tas_kn, Some(375));
        assert!((m.heading_deg.unwrap() - 243.98).abs() < 0.01);
        // Source bit 1: barometric.
        assert_eq!(m.baro_rate_fpm, Some(-2304));
    }

    #[test]
    fn altitude_codes() {
        // Q bit set: 25 ft.
        let m = decode_frame(&bytes("8D40058B58C901375147EFD09357")).unwrap();
        assert_eq!(m.alt_baro_ft, Some(39000));
        // Gillham: every legal Mode C code from -1200 to 126 700 ft round
        // trips through the encoder below.
        for alt in (-1200..=126_700).step_by(100) {
            assert_eq!(mode_c_ft(encode_gillham(alt)), Some(alt), "{alt}");
        }
        assert_eq!(mode_c_ft(0), None);
        // A real Gillham reply (DF 4, AC13 0x050a): −100 ft, as pyModeS's
        // gray2alt and dump1090's ModeAToModeC give.
        let m = decode_frame(&bytes("2393a50a156d2c")).unwrap();
        assert_eq!(m.alt_baro_ft, Some(-100));
    }

    /// The Gillham encoding as the standard defines it (for the test).
    fn encode_gillham(alt: i32) -> u16 {
        let n = (alt + 1200) / 100; // 0.. in 100 ft steps
        let fives = n / 5;
        let mut hundreds = n % 5 + 1;
        if fives % 2 == 1 {
            hundreds = 6 - hundreds;
        }
        let gray = (fives ^ (fives >> 1)) as u16;
        let c_gray: u16 = match hundreds {
            1 => 0b001,
            2 => 0b011,
            3 => 0b010,
            4 => 0b110,
            _ => 0b100,
        };
        let b = |v: u16, n: u16| (v >> n) & 1;
        let d = (b(gray, 6) << 2) | (b(gray, 7) << 1);
        let a = (b(gray, 3) << 2) | (b(gray, 4) << 1) | b(gray, 5);
        let bb = (b(gray, 0) << 2) | (b(gray, 1) << 1) | b(gray, 2);
        let c = (b(c_gray, 0) << 2) | (b(c_gray, 1) << 1) | b(c_gray, 2);
        (a << 9) | (bb << 6) | (c << 3) | d
    }

    #[test]
    fn squawk_and_ap_address() {
        let m = decode_frame(&bytes("2928080069049eed86cbc9970493")).unwrap();
        assert_eq!(m.address, 0x393322);
        assert_eq!(m.address_kind, AddressKind::FromParity);
        let mut b = [0; 4];
        assert_eq!(AirMessage::squawk_digits(m.squawk.unwrap(), &mut b), "1000");
        let m = decode_frame(&bytes("212800bf40f1ef7e5817e9cc428d")).unwrap();
        assert_eq!(m.alt_baro_ft, Some(575));
    }

    #[test]
    fn too_short_and_unsupported() {
        assert_eq!(decode_frame(&[]), Err(Reject::TooShort));
        assert_eq!(decode_frame(&bytes("8D406B90")), Err(Reject::TooShort));
        assert_eq!(
            decode_frame(&bytes("08406B9020")),
            Err(Reject::UnsupportedDf(1))
        );
    }
}

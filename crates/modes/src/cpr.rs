//! Compact Position Reporting (DO-260B §A.1.7): global decoding of an
//! even/odd pair, local decoding against a reference, airborne and surface.
//!
//! The arithmetic follows the order of the usual formulation (rs1090,
//! pyModeS), so results agree with those decoders to the last bit.

/// Number of latitude zones between the equator and a pole.
const NZ: f64 = 15.0;
/// 2^17: the CPR coordinates are 17-bit fractions of a zone.
const CPR_MAX: f64 = 131_072.0;

/// Why a global decoding gave no position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CprFailure {
    /// The even and odd latitudes fall in zones with different numbers of
    /// longitude zones: the pair straddles a zone boundary (or one frame
    /// is wrong), so no longitude can be trusted.
    ZoneMismatch,
    /// The latitude came out beyond ±90°.
    BadLatitude,
}

/// The number of longitude zones at a latitude (1..=59), from the
/// precomputed transition latitudes of 1090-WP-9-14.
pub fn nl(lat_deg: f64) -> u32 {
    const TRANSITIONS: [f64; 58] = [
        10.470_471_30,
        14.828_174_37,
        18.186_263_57,
        21.029_394_93,
        23.545_044_87,
        25.829_247_07,
        27.938_987_10,
        29.911_356_86,
        31.772_097_08,
        33.539_934_36,
        35.228_995_98,
        36.850_251_08,
        38.412_418_92,
        39.922_566_84,
        41.386_518_32,
        42.809_140_12,
        44.194_549_51,
        45.546_267_23,
        46.867_332_52,
        48.160_391_28,
        49.427_764_39,
        50.671_501_66,
        51.893_424_69,
        53.095_161_53,
        54.278_174_72,
        55.443_784_44,
        56.593_187_56,
        57.727_473_54,
        58.847_637_76,
        59.954_592_77,
        61.049_177_74,
        62.132_166_59,
        63.204_274_79,
        64.266_165_23,
        65.318_453_10,
        66.361_710_08,
        67.396_467_74,
        68.423_220_22,
        69.442_426_31,
        70.454_510_75,
        71.459_864_73,
        72.458_845_45,
        73.451_774_42,
        74.438_934_16,
        75.420_562_57,
        76.396_843_91,
        77.367_894_61,
        78.333_740_83,
        79.294_282_25,
        80.249_232_13,
        81.198_013_49,
        82.139_569_81,
        83.071_994_45,
        83.991_735_63,
        84.891_661_91,
        85.755_416_21,
        86.535_369_98,
        87.000_000_00,
    ];
    let lat = lat_deg.abs();
    // The first transition above `lat`: 59 zones below the first, one
    // fewer past each.
    let passed = TRANSITIONS.partition_point(|&t| t <= lat);
    59 - passed as u32
}

/// The mathematical modulo for a positive `b`, in the form the reference
/// decoders use (bit-identical results).
fn modulo(a: f64, b: f64) -> f64 {
    if a >= 0.0 {
        a % b
    } else {
        a % b + b.abs()
    }
}

fn wrap_lon(lon: f64) -> f64 {
    if lon >= 180.0 {
        lon - 360.0
    } else if lon < -180.0 {
        lon + 360.0
    } else {
        lon
    }
}

/// Global airborne decoding of an even and an odd frame (`(lat, lon)` 17-bit
/// pairs); the position is that of the newer frame (`latest_odd` says which
/// one it is). Degrees.
pub fn airborne_global(
    even: (u32, u32),
    odd: (u32, u32),
    latest_odd: bool,
) -> Result<(f64, f64), CprFailure> {
    let d_lat_even = 360.0 / (4.0 * NZ);
    let d_lat_odd = 360.0 / (4.0 * NZ - 1.0);
    let lat_e = f64::from(even.0) / CPR_MAX;
    let lon_e = f64::from(even.1) / CPR_MAX;
    let lat_o = f64::from(odd.0) / CPR_MAX;
    let lon_o = f64::from(odd.1) / CPR_MAX;

    let j = (59.0 * lat_e - 60.0 * lat_o + 0.5).floor();
    let mut rlat_e = d_lat_even * (modulo(j, 60.0) + lat_e);
    let mut rlat_o = d_lat_odd * (modulo(j, 59.0) + lat_o);
    if rlat_e >= 270.0 {
        rlat_e -= 360.0;
    }
    if rlat_o >= 270.0 {
        rlat_o -= 360.0;
    }
    if !(-90.0..=90.0).contains(&rlat_e) || !(-90.0..=90.0).contains(&rlat_o) {
        return Err(CprFailure::BadLatitude);
    }
    if nl(rlat_e) != nl(rlat_o) {
        return Err(CprFailure::ZoneMismatch);
    }
    let (lat, c, p) = if latest_odd {
        (rlat_o, lon_o, 1)
    } else {
        (rlat_e, lon_e, 0)
    };
    let nl_lat = nl(lat);
    let ni = f64::from(nl_lat.saturating_sub(p).max(1));
    let m = (lon_e * f64::from(nl_lat - 1) - lon_o * f64::from(nl_lat) + 0.5).floor();
    let r = modulo(m, ni);
    let mut lon = (360.0 / ni) * (r + c);
    if lon >= 180.0 {
        lon -= 360.0;
    }
    Ok((lat, lon))
}

/// Local decoding of one frame against a reference position within half a
/// zone (airborne: 180 NM; surface: 45 NM). Degrees.
pub fn local(cpr: (u32, u32), odd: bool, surface: bool, ref_lat: f64, ref_lon: f64) -> (f64, f64) {
    let span = if surface { 90.0 } else { 360.0 };
    let lat_c = f64::from(cpr.0) / CPR_MAX;
    let lon_c = f64::from(cpr.1) / CPR_MAX;
    let d_lat = if odd { span / 59.0 } else { span / 60.0 };
    let j = (ref_lat / d_lat).floor() + (0.5 + modulo(ref_lat, d_lat) / d_lat - lat_c).floor();
    let lat = d_lat * (j + lat_c);
    let ni = nl(lat).saturating_sub(u32::from(odd));
    let d_lon = if ni > 0 { span / f64::from(ni) } else { span };
    let m = (ref_lon / d_lon).floor() + (0.5 + modulo(ref_lon, d_lon) / d_lon - lon_c).floor();
    let lon = d_lon * (m + lon_c);
    (lat, wrap_lon(lon))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nl_table_edges() {
        assert_eq!(nl(0.0), 59);
        assert_eq!(nl(10.47), 59);
        assert_eq!(nl(10.48), 58);
        assert_eq!(nl(-52.0), 36);
        assert_eq!(nl(86.9), 2);
        assert_eq!(nl(87.0), 1);
        assert_eq!(nl(90.0), 1);
    }

    /// NL from its closed form agrees with the table away from the
    /// transitions.
    #[test]
    fn nl_matches_the_formula() {
        for i in 0..8700 {
            let lat = f64::from(i) / 100.0 + 0.005;
            let a = 1.0 - (std::f64::consts::PI / (2.0 * NZ)).cos();
            let b = (std::f64::consts::PI / 180.0 * lat).cos().powi(2);
            let f = (2.0 * std::f64::consts::PI / (1.0 - a / b).acos()).floor() as u32;
            assert_eq!(nl(lat), f, "{lat}");
        }
    }

    #[test]
    fn known_pair() {
        // DO-260B example as used by pyModeS and rs1090.
        let even = (93000, 51372);
        let odd = (74158, 50194);
        let (lat, lon) = airborne_global(even, odd, false).unwrap();
        assert!((lat - 52.257_202).abs() < 1e-6, "{lat}");
        assert!((lon - 3.919_372).abs() < 1e-6, "{lon}");
        let (llat, llon) = local(even, false, false, 52.258, 3.918);
        assert!((llat - lat).abs() < 1e-9 && (llon - lon).abs() < 1e-9);
    }
}

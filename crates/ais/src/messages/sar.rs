//! Type 9: standard SAR aircraft position report.

use super::{course_01, lat_1e4, lon_1e4, Body};
use crate::bits::Bits;

/// Type 9: standard SAR aircraft position report.
#[derive(Debug, Clone, PartialEq)]
pub struct SarAircraftReport {
    /// Altitude (GNSS), metres (4094 means 4094 m or more).
    pub altitude_m: Option<u16>,
    /// Speed over ground, knots (integer knots; 1022 means 1022 or more).
    pub sog_kn: Option<f64>,
    /// Position accuracy flag.
    pub accuracy: bool,
    /// Longitude, degrees.
    pub lon_deg: Option<f64>,
    /// Latitude, degrees.
    pub lat_deg: Option<f64>,
    /// Course over ground, degrees.
    pub cog_deg: Option<f64>,
    /// UTC second.
    pub second: u8,
    /// Altitude sensor (regional reserved bits, 8).
    pub regional: u8,
    /// DTE flag.
    pub dte: bool,
    /// Assigned mode flag.
    pub assigned: bool,
    /// RAIM flag.
    pub raim: bool,
    /// Communication state (raw 20 bits).
    pub radio: u32,
}

/// Decodes type 9.
pub(super) fn decode_sar_aircraft(b: &Bits) -> Body {
    Body::SarAircraft(SarAircraftReport {
        altitude_m: match b.u(38, 12) {
            4095 => None,
            a => Some(a as u16),
        },
        sog_kn: match b.u(50, 10) {
            1023 => None,
            s => Some(s as f64),
        },
        accuracy: b.b(60),
        lon_deg: lon_1e4(b.i(61, 28)),
        lat_deg: lat_1e4(b.i(89, 27)),
        cog_deg: course_01(b.u(116, 12)),
        second: b.u(128, 6) as u8,
        regional: b.u(134, 8) as u8,
        dte: b.b(142),
        assigned: b.b(146),
        raim: b.b(147),
        radio: b.u(148, 20),
    })
}

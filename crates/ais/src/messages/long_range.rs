//! Type 27: long-range AIS broadcast (satellite).

use super::{lat_1e1, lon_1e1, Body};
use crate::bits::Bits;

/// Type 27: long-range AIS broadcast (position at 1/10 minute).
#[derive(Debug, Clone, PartialEq)]
pub struct LongRangePosition {
    /// Position accuracy flag.
    pub accuracy: bool,
    /// RAIM flag.
    pub raim: bool,
    /// Navigational status.
    pub status: u8,
    /// Longitude, degrees.
    pub lon_deg: Option<f64>,
    /// Latitude, degrees.
    pub lat_deg: Option<f64>,
    /// Speed over ground, knots (whole knots).
    pub sog_kn: Option<f64>,
    /// Course over ground, degrees (whole degrees).
    pub cog_deg: Option<f64>,
    /// Position latency flag as transmitted: `false` = latency under 5 s,
    /// `true` = more than 5 s (gpsd calls this bit `gnss`).
    pub position_latency: bool,
}

/// Decodes type 27.
pub(super) fn decode_long_range(b: &Bits) -> Body {
    Body::LongRange(LongRangePosition {
        accuracy: b.b(38),
        raim: b.b(39),
        status: b.u(40, 4) as u8,
        lon_deg: lon_1e1(b.i(44, 18)),
        lat_deg: lat_1e1(b.i(62, 17)),
        sog_kn: match b.u(79, 6) {
            63 => None,
            s => Some(s as f64),
        },
        cog_deg: match b.u(85, 9) {
            511 => None,
            c => Some(c as f64),
        },
        position_latency: b.b(94),
    })
}

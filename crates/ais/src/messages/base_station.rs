//! Types 4 and 11: base station report, UTC and date response.

use super::{lat_1e4, lon_1e4, Body};
use crate::bits::Bits;

/// Types 4 and 11: base station report, UTC/date response.
#[derive(Debug, Clone, PartialEq)]
pub struct BaseStationReport {
    /// UTC year (0 = not available).
    pub year: u16,
    /// UTC month (0 = n/a).
    pub month: u8,
    /// UTC day (0 = n/a).
    pub day: u8,
    /// UTC hour (24 = n/a).
    pub hour: u8,
    /// UTC minute (60 = n/a).
    pub minute: u8,
    /// UTC second (60 = n/a).
    pub second: u8,
    /// Position accuracy flag.
    pub accuracy: bool,
    /// Longitude, degrees.
    pub lon_deg: Option<f64>,
    /// Latitude, degrees.
    pub lat_deg: Option<f64>,
    /// Type of electronic position fixing device; see [`epfd_text`](crate::epfd_text).
    pub epfd: u8,
    /// RAIM flag.
    pub raim: bool,
    /// Communication state (raw 19 bits).
    pub radio: u32,
}

impl BaseStationReport {
    /// The reported UTC time in milliseconds since the Unix epoch, when
    /// every field holds a valid value.
    pub fn unix_ms(&self) -> Option<i64> {
        if self.year == 0 || self.second > 59 {
            return None;
        }
        finisterra_nmea::unix_ms_from_civil(
            self.year as i64,
            self.month as u32,
            self.day as u32,
            self.hour as u32,
            self.minute as u32,
            self.second as u32,
            0,
        )
        .filter(|_| self.hour < 24 && self.minute < 60)
    }
}

/// Decodes types 4 and 11.
pub(super) fn decode_base_station(b: &Bits) -> Body {
    Body::BaseStation(BaseStationReport {
        year: b.u(38, 14) as u16,
        month: b.u(52, 4) as u8,
        day: b.u(56, 5) as u8,
        hour: b.u(61, 5) as u8,
        minute: b.u(66, 6) as u8,
        second: b.u(72, 6) as u8,
        accuracy: b.b(78),
        lon_deg: lon_1e4(b.i(79, 28)),
        lat_deg: lat_1e4(b.i(107, 27)),
        epfd: b.u(134, 4) as u8,
        raim: b.b(148),
        radio: b.u(149, 19),
    })
}

//! Inland AIS applications (DAC 200, the European inland AIS standard)
//! beyond the inland static data: the layouts gpsd decodes, with gpsd's
//! field names.
//!
//! gpsd decodes each of them only at one exact message length (the
//! standard's slot-filling length); a longer message with the same DAC and
//! FI is something else and stays raw, here too. A message that ends
//! within the trailing spare bits still carries every field and is
//! decoded (gpsd keeps it raw).

use super::imo::MonthDayTime;
use crate::bits::Bits;
use crate::text::Text;

/// Where a lock, bridge or terminal is (the ISRS location code parts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InlandLocation {
    /// UN country code (2 characters).
    pub country: Text<2>,
    /// UN/LOCODE (3 characters).
    pub locode: Text<3>,
    /// Fairway section number.
    pub section: Text<5>,
    /// Terminal code.
    pub terminal: Text<5>,
    /// Fairway hectometre.
    pub hectometre: Text<5>,
}

impl InlandLocation {
    /// 20 characters: 120 bits.
    fn read(b: &Bits, at: usize) -> Self {
        InlandLocation {
            country: b.text(at, 2),
            locode: b.text(at + 12, 3),
            section: b.text(at + 30, 5),
            terminal: b.text(at + 60, 5),
            hectometre: b.text(at + 90, 5),
        }
    }
}

/// DAC 200 FI 21 (addressed): ETA at lock, bridge or terminal.
#[derive(Debug, Clone, PartialEq)]
pub struct InlandEta {
    /// The lock, bridge or terminal.
    pub location: InlandLocation,
    /// Estimated time of arrival (UTC).
    pub eta: MonthDayTime,
    /// Number of assisting tugboats (0-6, 7 = unknown).
    pub tugs: u8,
    /// Air draught, 0.01 m (0 = unknown).
    pub airdraught_cm: u16,
}

impl InlandEta {
    /// Bits after DAC/FI up to the last field.
    pub(crate) const BITS: usize = 155;
    /// gpsd's length (248-bit message).
    pub(crate) const MAX_BITS: usize = 160;

    pub(crate) fn decode(b: &Bits, at: usize) -> Self {
        InlandEta {
            location: InlandLocation::read(b, at),
            eta: MonthDayTime::read(b, at + 120),
            tugs: b.u(at + 140, 3) as u8,
            airdraught_cm: b.u(at + 143, 12) as u16,
        }
    }
}

/// DAC 200 FI 22 (addressed): RTA (requested time of arrival) at lock,
/// bridge or terminal.
#[derive(Debug, Clone, PartialEq)]
pub struct InlandRta {
    /// The lock, bridge or terminal.
    pub location: InlandLocation,
    /// Recommended time of arrival (UTC).
    pub rta: MonthDayTime,
    /// Lock/bridge/terminal status: 0 operational, 1 limited operation, 2
    /// out of order, 3 n/a.
    pub status: u8,
}

impl InlandRta {
    pub(crate) const BITS: usize = 142;
    /// gpsd's length (232-bit message).
    pub(crate) const MAX_BITS: usize = 144;

    pub(crate) fn decode(b: &Bits, at: usize) -> Self {
        InlandRta {
            location: InlandLocation::read(b, at),
            rta: MonthDayTime::read(b, at + 120),
            status: b.u(at + 140, 2) as u8,
        }
    }
}

/// DAC 200 FI 55 (addressed): number of persons on board (inland).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InlandPersons {
    /// Crew members (255 = unknown).
    pub crew: u8,
    /// Passengers (8191 = unknown).
    pub passengers: u16,
    /// Shipboard personnel (255 = unknown).
    pub personnel: u8,
}

impl InlandPersons {
    pub(crate) const BITS: usize = 29;
    /// gpsd's length (168-bit message).
    pub(crate) const MAX_BITS: usize = 80;

    pub(crate) fn decode(b: &Bits, at: usize) -> Self {
        InlandPersons {
            crew: b.u(at, 8) as u8,
            passengers: b.u(at + 8, 13) as u16,
            personnel: b.u(at + 21, 8) as u8,
        }
    }
}

/// DAC 200 FI 23 (broadcast): EMMA weather warning.
///
/// gpsd writes the start as year-month-hour, minute:day (its arguments
/// are out of order); we write year-month-day and hour:minute, as for the
/// end and as the standard orders the fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmmaWarning {
    /// Start: year since 2000, month, day.
    pub start_year: u8,
    /// Start month.
    pub start_month: u8,
    /// Start day.
    pub start_day: u8,
    /// End: year since 2000.
    pub end_year: u8,
    /// End month.
    pub end_month: u8,
    /// End day.
    pub end_day: u8,
    /// Start hour (UTC).
    pub start_hour: u8,
    /// Start minute.
    pub start_minute: u8,
    /// End hour (UTC).
    pub end_hour: u8,
    /// End minute.
    pub end_minute: u8,
    /// Start of the area: longitude, 1/10 000 minute.
    pub start_lon: i32,
    /// Start of the area: latitude, 1/10 000 minute.
    pub start_lat: i32,
    /// End of the area: longitude, 1/10 000 minute.
    pub end_lon: i32,
    /// End of the area: latitude, 1/10 000 minute.
    pub end_lat: i32,
    /// Type of weather warning (see gpsd's `type_text`).
    pub kind: u8,
    /// Minimum value (signed, in the warning's unit).
    pub min: i16,
    /// Maximum value.
    pub max: i16,
    /// Classification: 0 slight, 1 medium, 2 strong.
    pub intensity: u8,
    /// Wind direction (0 n/a, 1 north, ... 8 north-west).
    pub wind: u8,
}

impl EmmaWarning {
    pub(crate) const BITS: usize = 194;
    /// gpsd's length (256-bit message).
    pub(crate) const MAX_BITS: usize = 200;

    pub(crate) fn decode(b: &Bits, at: usize) -> Self {
        EmmaWarning {
            start_year: b.u(at, 8) as u8,
            start_month: b.u(at + 8, 4) as u8,
            start_day: b.u(at + 12, 5) as u8,
            end_year: b.u(at + 17, 8) as u8,
            end_month: b.u(at + 25, 4) as u8,
            end_day: b.u(at + 29, 5) as u8,
            start_hour: b.u(at + 34, 5) as u8,
            start_minute: b.u(at + 39, 6) as u8,
            end_hour: b.u(at + 45, 5) as u8,
            end_minute: b.u(at + 50, 6) as u8,
            start_lon: b.i(at + 56, 28),
            start_lat: b.i(at + 84, 27),
            end_lon: b.i(at + 111, 28),
            end_lat: b.i(at + 139, 27),
            kind: b.u(at + 166, 4) as u8,
            min: b.i(at + 170, 9) as i16,
            max: b.i(at + 179, 9) as i16,
            intensity: b.u(at + 188, 2) as u8,
            wind: b.u(at + 190, 4) as u8,
        }
    }
}

/// One gauge of DAC 200 FI 24.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gauge {
    /// Gauge ID (national).
    pub id: u16,
    /// Water level, 0.01 m (signed; 0 = unknown).
    pub level_cm: i16,
}

/// DAC 200 FI 24 (broadcast): water levels.
#[derive(Debug, Clone, PartialEq)]
pub struct WaterLevels {
    /// UN country code.
    pub country: Text<2>,
    /// The gauges (1-4).
    pub gauges: Vec<Gauge>,
}

impl WaterLevels {
    /// Country and one gauge.
    pub(crate) const BITS: usize = 37;
    /// gpsd's length (168-bit message: four gauges).
    pub(crate) const MAX_BITS: usize = 112;

    pub(crate) fn decode(b: &Bits, at: usize, avail: usize) -> Self {
        let n = (avail - 12) / 25;
        WaterLevels {
            country: b.text(at, 2),
            gauges: (0..n)
                .map(|i| Gauge {
                    id: b.u(at + 12 + 25 * i, 11) as u16,
                    level_cm: b.i(at + 23 + 25 * i, 14) as i16,
                })
                .collect(),
        }
    }
}

/// DAC 200 FI 40 (broadcast): signal status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignalStatus {
    /// Longitude of the signal, 1/10 000 minute.
    pub lon: i32,
    /// Latitude of the signal, 1/10 000 minute.
    pub lat: i32,
    /// Signal form (1-7, 0/8-15 unknown).
    pub form: u8,
    /// Orientation of the signal, degrees (361 = n/a).
    pub facing: u16,
    /// Direction of impact (see gpsd's `direction_text`).
    pub direction: u8,
    /// Light status: ten 3-bit light states, first light in the top bits.
    pub status: u32,
}

impl SignalStatus {
    pub(crate) const BITS: usize = 101;
    /// gpsd's length (168-bit message).
    pub(crate) const MAX_BITS: usize = 112;

    pub(crate) fn decode(b: &Bits, at: usize) -> Self {
        SignalStatus {
            lon: b.i(at, 28),
            lat: b.i(at + 28, 27),
            form: b.u(at + 55, 4) as u8,
            facing: b.u(at + 59, 9) as u16,
            direction: b.u(at + 68, 3) as u8,
            status: b.u(at + 71, 30),
        }
    }
}

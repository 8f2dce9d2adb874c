//! Types 1, 2 and 3: the Class A position report (and [`BasicPosition`],
//! which builds a plain type 1 or 18 report).

use super::{course_01, heading, lat_1e4, lon_1e4, speed_01, AisMessage, Body, ClassBPosition};
use crate::bits::Bits;

/// Rate of turn as transmitted by the ROT field of types 1-3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// A turn indicator value `ROT_AIS` in -126..=126:
    /// `ROT_AIS = 4.733·√ROT` with ROT in degrees per minute, the sign
    /// giving the direction (negative = to port). ±126 means 708°/min or
    /// more.
    Rate(i8),
    /// Turning left at more than 5° per 30 s (no turn indicator).
    FastLeft,
    /// Turning right at more than 5° per 30 s (no turn indicator).
    FastRight,
}

impl Turn {
    /// Rate of turn in degrees per minute (negative to port), when a rate
    /// was transmitted.
    pub fn deg_per_min(self) -> Option<f64> {
        match self {
            Turn::Rate(r) => {
                let x = r as f64 / 4.733;
                Some(x * x * (r as f64).signum())
            }
            _ => None,
        }
    }

    /// The raw ROT field value.
    pub fn raw(self) -> i8 {
        match self {
            Turn::Rate(r) => r,
            Turn::FastLeft => -127,
            Turn::FastRight => 127,
        }
    }

    /// The rate of turn of a raw ROT field value (`None`: -128, not
    /// available).
    pub fn from_raw(raw: i8) -> Option<Turn> {
        match raw {
            -128 => None,
            -127 => Some(Turn::FastLeft),
            127 => Some(Turn::FastRight),
            r => Some(Turn::Rate(r)),
        }
    }
}

/// Types 1, 2 and 3: the Class A position report.
#[derive(Debug, Clone, PartialEq)]
pub struct PositionReport {
    /// Navigational status (0 under way using engine, 1 at anchor, 2 not
    /// under command, 3 restricted manoeuvrability, 4 constrained by
    /// draught, 5 moored, 6 aground, 7 fishing, 8 sailing, 14 AIS-SART /
    /// MOB / EPIRB active, 15 not defined). See [`nav_status_text`](crate::nav_status_text).
    pub status: u8,
    /// Rate of turn; `None` when not available.
    pub turn: Option<Turn>,
    /// Speed over ground, knots (102.2 means 102.2 kn or more).
    pub sog_kn: Option<f64>,
    /// Position accuracy flag: `true` = high (< 10 m, DGNSS).
    pub accuracy: bool,
    /// Longitude, degrees (east positive).
    pub lon_deg: Option<f64>,
    /// Latitude, degrees (north positive).
    pub lat_deg: Option<f64>,
    /// Course over ground, degrees true.
    pub cog_deg: Option<f64>,
    /// True heading, degrees.
    pub heading_deg: Option<u16>,
    /// UTC second of the fix (60 = not available, 61 manual input,
    /// 62 dead reckoning, 63 positioning system inoperative).
    pub second: u8,
    /// Special manoeuvre indicator (0 n/a, 1 not engaged, 2 engaged).
    pub maneuver: u8,
    /// RAIM flag.
    pub raim: bool,
    /// Communication state (raw 19 bits).
    pub radio: u32,
}

impl PositionReport {
    /// Rate of turn in degrees per minute (negative to port), when a rate
    /// was transmitted.
    pub fn rot_deg_per_min(&self) -> Option<f64> {
        self.turn.and_then(Turn::deg_per_min)
    }
}

/// The facts of a plain position report, for building one: type 1 for a
/// class A station, type 18 (carrier-sense unit, band and message 22
/// flags set) for class B. What simulators and position files turn into
/// messages; the fields no one fills are zero.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BasicPosition {
    /// MMSI.
    pub mmsi: u32,
    /// Class B (type 18) instead of class A (type 1).
    pub class_b: bool,
    /// Navigational status (class A only).
    pub status: u8,
    /// Rate of turn (class A only).
    pub turn: Option<Turn>,
    /// Speed over ground, knots.
    pub sog_kn: Option<f64>,
    /// Course over ground, degrees.
    pub cog_deg: Option<f64>,
    /// True heading, degrees.
    pub heading_deg: Option<u16>,
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// UTC second of the fix.
    pub second: u8,
    /// Position accuracy flag.
    pub accuracy: bool,
    /// Radio status bits.
    pub radio: u32,
}

impl BasicPosition {
    /// The message: type 1 or 18.
    pub fn message(&self) -> AisMessage {
        let body = if self.class_b {
            Body::ClassBPosition(ClassBPosition {
                reserved: 0,
                sog_kn: self.sog_kn,
                accuracy: self.accuracy,
                lon_deg: Some(self.lon_deg),
                lat_deg: Some(self.lat_deg),
                cog_deg: self.cog_deg,
                heading_deg: self.heading_deg,
                second: self.second,
                regional: 0,
                cs: true,
                display: false,
                dsc: false,
                band: true,
                msg22: true,
                assigned: false,
                raim: false,
                radio: self.radio,
            })
        } else {
            Body::Position(PositionReport {
                status: self.status,
                turn: self.turn,
                sog_kn: self.sog_kn,
                accuracy: self.accuracy,
                lon_deg: Some(self.lon_deg),
                lat_deg: Some(self.lat_deg),
                cog_deg: self.cog_deg,
                heading_deg: self.heading_deg,
                second: self.second,
                maneuver: 0,
                raim: false,
                radio: self.radio,
            })
        };
        AisMessage {
            msg_type: if self.class_b { 18 } else { 1 },
            repeat: 0,
            mmsi: self.mmsi,
            body,
        }
    }
}

/// Decodes types 1, 2 and 3.
pub(super) fn decode_position(b: &Bits) -> Body {
    Body::Position(PositionReport {
        status: b.u(38, 4) as u8,
        turn: Turn::from_raw(b.i(42, 8) as i8),
        sog_kn: speed_01(b.u(50, 10)),
        accuracy: b.b(60),
        lon_deg: lon_1e4(b.i(61, 28)),
        lat_deg: lat_1e4(b.i(89, 27)),
        cog_deg: course_01(b.u(116, 12)),
        heading_deg: heading(b.u(128, 9)),
        second: b.u(137, 6) as u8,
        maneuver: b.u(143, 2) as u8,
        raim: b.b(148),
        radio: b.u(149, 19),
    })
}

//! Types 18 and 19: standard and extended Class B position reports.

use super::{course_01, heading, lat_1e4, lon_1e4, speed_01, Body, Dimensions};
use crate::bits::Bits;
use crate::text::Text;

/// Type 18: standard Class B position report.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassBPosition {
    /// Regional reserved bits (8).
    pub reserved: u8,
    /// Speed over ground, knots.
    pub sog_kn: Option<f64>,
    /// Position accuracy flag.
    pub accuracy: bool,
    /// Longitude, degrees.
    pub lon_deg: Option<f64>,
    /// Latitude, degrees.
    pub lat_deg: Option<f64>,
    /// Course over ground, degrees.
    pub cog_deg: Option<f64>,
    /// True heading, degrees.
    pub heading_deg: Option<u16>,
    /// UTC second.
    pub second: u8,
    /// Regional reserved bits (2).
    pub regional: u8,
    /// Class B unit flag: `true` = carrier-sense (CS) unit, `false` = SOTDMA.
    pub cs: bool,
    /// Has an integrated display.
    pub display: bool,
    /// Has DSC.
    pub dsc: bool,
    /// Can use the whole marine band.
    pub band: bool,
    /// Accepts channel management by message 22.
    pub msg22: bool,
    /// Assigned mode.
    pub assigned: bool,
    /// RAIM flag.
    pub raim: bool,
    /// Communication state (raw 20 bits, with the selector flag).
    pub radio: u32,
}

/// Type 19: extended Class B position report.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassBExtended {
    /// Regional reserved bits (8).
    pub reserved: u8,
    /// Speed over ground, knots.
    pub sog_kn: Option<f64>,
    /// Position accuracy flag.
    pub accuracy: bool,
    /// Longitude, degrees.
    pub lon_deg: Option<f64>,
    /// Latitude, degrees.
    pub lat_deg: Option<f64>,
    /// Course over ground, degrees.
    pub cog_deg: Option<f64>,
    /// True heading, degrees.
    pub heading_deg: Option<u16>,
    /// UTC second.
    pub second: u8,
    /// Regional reserved bits (4).
    pub regional: u8,
    /// Vessel name.
    pub shipname: Text<20>,
    /// Ship and cargo type.
    pub shiptype: u8,
    /// Dimensions.
    pub dimensions: Dimensions,
    /// Type of EPFD.
    pub epfd: u8,
    /// RAIM flag.
    pub raim: bool,
    /// DTE flag (`true` = not ready).
    pub dte: bool,
    /// Assigned mode.
    pub assigned: bool,
}

/// Decodes type 18.
pub(super) fn decode_class_b_position(b: &Bits) -> Body {
    Body::ClassBPosition(ClassBPosition {
        reserved: b.u(38, 8) as u8,
        sog_kn: speed_01(b.u(46, 10)),
        accuracy: b.b(56),
        lon_deg: lon_1e4(b.i(57, 28)),
        lat_deg: lat_1e4(b.i(85, 27)),
        cog_deg: course_01(b.u(112, 12)),
        heading_deg: heading(b.u(124, 9)),
        second: b.u(133, 6) as u8,
        regional: b.u(139, 2) as u8,
        cs: b.b(141),
        display: b.b(142),
        dsc: b.b(143),
        band: b.b(144),
        msg22: b.b(145),
        assigned: b.b(146),
        raim: b.b(147),
        radio: b.u(148, 20),
    })
}

/// Decodes type 19.
pub(super) fn decode_class_b_extended(b: &Bits) -> Body {
    Body::ClassBExtended(ClassBExtended {
        reserved: b.u(38, 8) as u8,
        sog_kn: speed_01(b.u(46, 10)),
        accuracy: b.b(56),
        lon_deg: lon_1e4(b.i(57, 28)),
        lat_deg: lat_1e4(b.i(85, 27)),
        cog_deg: course_01(b.u(112, 12)),
        heading_deg: heading(b.u(124, 9)),
        second: b.u(133, 6) as u8,
        regional: b.u(139, 4) as u8,
        shipname: b.text(143, 20),
        shiptype: b.u(263, 8) as u8,
        dimensions: Dimensions::read(b, 271),
        epfd: b.u(301, 4) as u8,
        raim: b.b(305),
        dte: b.b(306),
        assigned: b.b(307),
    })
}

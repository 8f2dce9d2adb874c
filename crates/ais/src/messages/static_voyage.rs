//! Type 5: Class A static and voyage related data.

use super::{Body, Dimensions};
use crate::bits::Bits;
use crate::text::Text;

/// Type 5: Class A static and voyage related data.
#[derive(Debug, Clone, PartialEq)]
pub struct StaticVoyage {
    /// AIS version indicator (0 = ITU-R M.1371-1, 1 = -3, 2 = -5).
    pub ais_version: u8,
    /// IMO ship identification number (0 = not available).
    pub imo: u32,
    /// Call sign.
    pub callsign: Text<7>,
    /// Vessel name.
    pub shipname: Text<20>,
    /// Ship and cargo type (0 = n/a); see [`ship_type_text`](crate::ship_type_text).
    pub shiptype: u8,
    /// Dimensions and reference point for position.
    pub dimensions: Dimensions,
    /// Type of electronic position fixing device.
    pub epfd: u8,
    /// ETA month (0 = n/a).
    pub eta_month: u8,
    /// ETA day (0 = n/a).
    pub eta_day: u8,
    /// ETA hour (24 = n/a).
    pub eta_hour: u8,
    /// ETA minute (60 = n/a).
    pub eta_minute: u8,
    /// Maximum present static draught, metres (25.5 means 25.5 m or more).
    pub draught_m: Option<f64>,
    /// Destination.
    pub destination: Text<20>,
    /// Data terminal equipment: `true` = not ready.
    pub dte: bool,
}

/// Decodes type 5.
pub(super) fn decode_static_voyage(b: &Bits) -> Body {
    Body::StaticVoyage(StaticVoyage {
        ais_version: b.u(38, 2) as u8,
        imo: b.u(40, 30),
        callsign: b.text(70, 7),
        shipname: b.text(112, 20),
        shiptype: b.u(232, 8) as u8,
        dimensions: Dimensions::read(b, 240),
        epfd: b.u(270, 4) as u8,
        eta_month: b.u(274, 4) as u8,
        eta_day: b.u(278, 5) as u8,
        eta_hour: b.u(283, 5) as u8,
        eta_minute: b.u(288, 6) as u8,
        draught_m: match b.u(294, 8) {
            0 => None,
            d => Some(d as f64 / 10.0),
        },
        destination: b.text(302, 20),
        dte: b.b(422),
    })
}

//! Link management by base stations: data link management (type 20),
//! channel management (22) and group assignment (23).

use super::Body;
use crate::bits::Bits;

/// One reservation of a type 20 message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SlotReservation {
    /// Reserved offset number.
    pub offset: u16,
    /// Number of reserved consecutive slots.
    pub number: u8,
    /// Time-out in minutes.
    pub timeout: u8,
    /// Increment between reserved blocks.
    pub increment: u16,
}

/// Type 20: data link management (up to four reservations).
#[derive(Debug, Clone, PartialEq)]
pub struct DataLinkManagement {
    /// Reservations (first `count` are valid).
    pub reservations: [SlotReservation; 4],
    /// Number of reservations, 1-4.
    pub count: u8,
}

/// The area or the addressees of a type 22 channel management message.
#[derive(Debug, Clone, PartialEq)]
pub enum ChannelArea {
    /// A rectangle, corners in degrees (1/10 minute resolution).
    Area {
        /// North-east corner longitude.
        ne_lon_deg: f64,
        /// North-east corner latitude.
        ne_lat_deg: f64,
        /// South-west corner longitude.
        sw_lon_deg: f64,
        /// South-west corner latitude.
        sw_lat_deg: f64,
    },
    /// Two addressed stations.
    Addressed {
        /// First destination MMSI.
        dest1: u32,
        /// Second destination MMSI.
        dest2: u32,
    },
}

/// Type 22: channel management.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct ChannelManagement {
    pub channel_a: u16,
    pub channel_b: u16,
    pub txrx: u8,
    /// Power flag as transmitted: `false` = high (default), `true` = low
    /// (ITU-R M.1371-5 message 22; gpsd calls it `power`, libais
    /// `power_low`).
    pub power: bool,
    pub area: ChannelArea,
    pub band_a: bool,
    pub band_b: bool,
    pub zonesize: u8,
}

/// Type 23: group assignment command.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct GroupAssignment {
    pub ne_lon_deg: f64,
    pub ne_lat_deg: f64,
    pub sw_lon_deg: f64,
    pub sw_lat_deg: f64,
    pub station_type: u8,
    pub ship_type: u8,
    pub txrx: u8,
    pub interval: u8,
    pub quiet: u8,
}

/// Decodes type 20.
pub(super) fn decode_data_link_management(b: &Bits) -> Body {
    let bits = b.len();
    let count = ((bits - 40) / 30).clamp(1, 4);
    let mut r = [SlotReservation::default(); 4];
    for (i, slot) in r.iter_mut().enumerate().take(count) {
        let at = 40 + 30 * i;
        *slot = SlotReservation {
            offset: b.u(at, 12) as u16,
            number: b.u(at + 12, 4) as u8,
            timeout: b.u(at + 16, 3) as u8,
            increment: b.u(at + 19, 11) as u16,
        };
    }
    Body::DataLinkManagement(DataLinkManagement {
        reservations: r,
        count: count as u8,
    })
}

/// Decodes type 22.
pub(super) fn decode_channel_management(b: &Bits) -> Body {
    let addressed = b.b(139);
    let area = if addressed {
        ChannelArea::Addressed {
            dest1: b.u(69, 30),
            dest2: b.u(104, 30),
        }
    } else {
        ChannelArea::Area {
            ne_lon_deg: b.i(69, 18) as f64 / 600.0,
            ne_lat_deg: b.i(87, 17) as f64 / 600.0,
            sw_lon_deg: b.i(104, 18) as f64 / 600.0,
            sw_lat_deg: b.i(122, 17) as f64 / 600.0,
        }
    };
    Body::ChannelManagement(ChannelManagement {
        channel_a: b.u(40, 12) as u16,
        channel_b: b.u(52, 12) as u16,
        txrx: b.u(64, 4) as u8,
        power: b.b(68),
        area,
        band_a: b.b(140),
        band_b: b.b(141),
        zonesize: b.u(142, 3) as u8,
    })
}

/// Decodes type 23.
pub(super) fn decode_group_assignment(b: &Bits) -> Body {
    Body::GroupAssignment(GroupAssignment {
        ne_lon_deg: b.i(40, 18) as f64 / 600.0,
        ne_lat_deg: b.i(58, 17) as f64 / 600.0,
        sw_lon_deg: b.i(75, 18) as f64 / 600.0,
        sw_lat_deg: b.i(93, 17) as f64 / 600.0,
        station_type: b.u(110, 4) as u8,
        ship_type: b.u(114, 8) as u8,
        txrx: b.u(144, 2) as u8,
        interval: b.u(146, 4) as u8,
        quiet: b.u(150, 4) as u8,
    })
}

//! Typed AIS messages (ITU-R M.1371-5) and their decoding from bits.
//!
//! Conventions:
//! - Physical quantities are scaled to the units in their names (`_deg`,
//!   `_kn`, `_m`) and the standard's "not available" sentinel becomes
//!   `None` (latitude 91°, longitude 181°, speed 102.3 kn, course 360°,
//!   heading 511, draught 0, ...). Values outside the valid range that are
//!   *not* the sentinel are kept as transmitted: judging whether a
//!   position is plausible is the traffic picture's job, not the decoder's.
//! - Codes (navigational status, ship type, EPFD, dimensions in metres)
//!   are kept as the integers the standard defines; helper functions give
//!   their meaning.
//! - Binary application data (messages 6, 8, 25, 26) is decoded for the
//!   common applications and otherwise kept as raw bits.
//!
//! One module per message family holds its types and its decoder;
//! [`decode_bits`] checks the header and hands the bits to the family.

mod application;
mod aton;
mod base_station;
mod binary;
mod class_b;
mod codes;
mod link;
mod long_range;
mod management;
mod position;
mod sar;
mod slot_binary;
mod static_data;
mod static_voyage;

pub use application::*;
pub use aton::AidToNavigation;
pub use base_station::BaseStationReport;
pub use binary::{AddressedBinary, Application, BroadcastBinary};
pub use class_b::{ClassBExtended, ClassBPosition};
pub use codes::{
    aid_type_text, epfd_text, inland_ship_type_text, nav_status_text, ship_type_text,
    station_type_text,
};
pub use link::{
    Acknowledge, AddressedSafety, AssignedMode, DgnssBroadcast, Interrogation, SafetyBroadcast,
    UtcInquiry,
};
pub use long_range::LongRangePosition;
pub use management::{
    ChannelArea, ChannelManagement, DataLinkManagement, GroupAssignment, SlotReservation,
};
pub use position::{BasicPosition, PositionReport, Turn};
pub use sar::SarAircraftReport;
pub use slot_binary::SlotBinary;
pub use static_data::{StaticDataReport, StaticPartB};
pub use static_voyage::StaticVoyage;

use crate::bits::Bits;
use crate::DecodeError;

/// Sentinel for latitude "not available" in 1/10 000 minute (91°).
pub(crate) const LAT_NA_1E4: i32 = 91 * 600_000;
/// Sentinel for longitude "not available" in 1/10 000 minute (181°).
pub(crate) const LON_NA_1E4: i32 = 181 * 600_000;
/// Latitude sentinel in 1/10 minute.
pub(crate) const LAT_NA_1E1: i32 = 91 * 600;
/// Longitude sentinel in 1/10 minute.
pub(crate) const LON_NA_1E1: i32 = 181 * 600;

/// One decoded AIS message: the common header and the type-specific body.
#[derive(Debug, Clone, PartialEq)]
pub struct AisMessage {
    /// Message type, 1-27.
    pub msg_type: u8,
    /// Repeat indicator, 0-3.
    pub repeat: u8,
    /// Source MMSI (Maritime Mobile Service Identity).
    pub mmsi: u32,
    /// The type-specific content.
    pub body: Body,
}

/// The content of an AIS message, one variant per message family.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// Types 1, 2, 3: Class A position report.
    Position(PositionReport),
    /// Types 4 and 11: base station report / UTC and date response.
    BaseStation(BaseStationReport),
    /// Type 5: Class A static and voyage related data.
    StaticVoyage(StaticVoyage),
    /// Type 6: addressed binary message.
    AddressedBinary(AddressedBinary),
    /// Types 7 and 13: binary / safety acknowledge.
    Acknowledge(Acknowledge),
    /// Type 8: binary broadcast message.
    BroadcastBinary(BroadcastBinary),
    /// Type 9: standard SAR aircraft position report.
    SarAircraft(SarAircraftReport),
    /// Type 10: UTC and date inquiry.
    UtcInquiry(UtcInquiry),
    /// Type 12: addressed safety related message.
    AddressedSafety(AddressedSafety),
    /// Type 14: safety related broadcast message.
    SafetyBroadcast(SafetyBroadcast),
    /// Type 15: interrogation.
    Interrogation(Interrogation),
    /// Type 16: assigned mode command.
    AssignedMode(AssignedMode),
    /// Type 17: GNSS broadcast binary message (DGNSS corrections).
    Dgnss(DgnssBroadcast),
    /// Type 18: standard Class B position report.
    ClassBPosition(ClassBPosition),
    /// Type 19: extended Class B position report.
    ClassBExtended(ClassBExtended),
    /// Type 20: data link management.
    DataLinkManagement(DataLinkManagement),
    /// Type 21: aid-to-navigation report.
    AidToNavigation(AidToNavigation),
    /// Type 22: channel management.
    ChannelManagement(ChannelManagement),
    /// Type 23: group assignment command.
    GroupAssignment(GroupAssignment),
    /// Type 24: static data report (part A or B).
    StaticData(StaticDataReport),
    /// Types 25 and 26: single / multiple slot binary message.
    SlotBinary(SlotBinary),
    /// Type 27: long-range AIS broadcast (satellite).
    LongRange(LongRangePosition),
}

/// Dimensions of a ship from the reference point of its reported position
/// (the GNSS antenna), metres. 0 means not available; 511 (bow, stern) or
/// 63 (port, starboard) mean that value or more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Dimensions {
    /// Distance from the reference point to the bow, metres.
    pub to_bow: u16,
    /// Distance to the stern, metres.
    pub to_stern: u16,
    /// Distance to port side, metres.
    pub to_port: u8,
    /// Distance to starboard side, metres.
    pub to_starboard: u8,
}

impl Dimensions {
    /// Overall length (bow + stern), metres, when both are known.
    pub fn length_m(&self) -> Option<f64> {
        (self.to_bow > 0 && self.to_stern > 0).then(|| (self.to_bow + self.to_stern) as f64)
    }

    /// Beam (port + starboard), metres, when both are known.
    pub fn beam_m(&self) -> Option<f64> {
        (self.to_port > 0 && self.to_starboard > 0)
            .then(|| (self.to_port as u16 + self.to_starboard as u16) as f64)
    }

    fn read(b: &Bits, at: usize) -> Dimensions {
        Dimensions {
            to_bow: b.u(at, 9) as u16,
            to_stern: b.u(at + 9, 9) as u16,
            to_port: b.u(at + 18, 6) as u8,
            to_starboard: b.u(at + 24, 6) as u8,
        }
    }
}

// ---------------------------------------------------------------------------
// Field helpers.

#[inline]
pub(crate) fn lat_1e4(raw: i32) -> Option<f64> {
    (raw != LAT_NA_1E4).then(|| raw as f64 / 600_000.0)
}
#[inline]
pub(crate) fn lon_1e4(raw: i32) -> Option<f64> {
    (raw != LON_NA_1E4).then(|| raw as f64 / 600_000.0)
}
#[inline]
pub(crate) fn lat_1e1(raw: i32) -> Option<f64> {
    (raw != LAT_NA_1E1).then(|| raw as f64 / 600.0)
}
#[inline]
pub(crate) fn lon_1e1(raw: i32) -> Option<f64> {
    (raw != LON_NA_1E1).then(|| raw as f64 / 600.0)
}
#[inline]
fn speed_01(raw: u32) -> Option<f64> {
    (raw != 1023).then(|| raw as f64 / 10.0)
}
#[inline]
fn course_01(raw: u32) -> Option<f64> {
    (raw != 3600).then(|| raw as f64 / 10.0)
}
#[inline]
fn heading(raw: u32) -> Option<u16> {
    (raw != 511).then_some(raw as u16)
}

fn text_string(b: &Bits, at: usize) -> String {
    let n = b.len().saturating_sub(at) / 6;
    let t = b.text::<161>(at, n.min(161));
    t.as_str().to_owned()
}

/// Smallest payload, in bits, accepted for each message type: the end of
/// the last field that carries information (trailing spare bits and, for
/// position reports, the communication state may be cut short).
pub fn min_bits(msg_type: u8) -> usize {
    match msg_type {
        1..=3 => 149,
        4 | 11 => 149,
        5 => 422,
        6 => 88,
        7 | 13 => 72,
        8 => 56,
        9 => 148,
        10 => 70,
        12 => 72,
        14 => 40,
        15 => 88,
        16 => 92,
        17 => 80,
        18 => 148,
        19 => 308,
        20 => 70,
        21 => 271,
        22 => 145,
        23 => 154,
        24 => 160,
        25 | 26 => 40,
        27 => 95,
        _ => usize::MAX,
    }
}

/// Decodes a de-armoured payload into a typed message.
pub fn decode_bits(b: &Bits) -> Result<AisMessage, DecodeError> {
    let msg_type = message_type(b)?;
    let repeat = b.u(6, 2) as u8;
    let mmsi = b.u(8, 30);
    let body = match msg_type {
        1..=3 => position::decode_position(b),
        4 | 11 => base_station::decode_base_station(b),
        5 => static_voyage::decode_static_voyage(b),
        6 => binary::decode_addressed_binary(b),
        7 | 13 => link::decode_acknowledge(b),
        8 => binary::decode_broadcast_binary(b),
        9 => sar::decode_sar_aircraft(b),
        10 => link::decode_utc_inquiry(b),
        12 => link::decode_addressed_safety(b),
        14 => link::decode_safety_broadcast(b),
        15 => link::decode_interrogation(b),
        16 => link::decode_assigned_mode(b),
        17 => link::decode_dgnss(b),
        18 => class_b::decode_class_b_position(b),
        19 => class_b::decode_class_b_extended(b),
        20 => management::decode_data_link_management(b),
        21 => aton::decode_aid_to_navigation(b),
        22 => management::decode_channel_management(b),
        23 => management::decode_group_assignment(b),
        24 => static_data::decode_static_data(b, mmsi)?,
        25 | 26 => slot_binary::decode_slot_binary(b, msg_type),
        27 => long_range::decode_long_range(b),
        _ => unreachable!("type checked above"),
    };
    Ok(AisMessage {
        msg_type,
        repeat,
        mmsi,
        body,
    })
}

/// The message type of a payload long enough to hold its header and every
/// field of its type that carries information ([`min_bits`]); otherwise
/// why not.
fn message_type(b: &Bits) -> Result<u8, DecodeError> {
    let bits = b.len();
    if bits < 38 {
        if bits == 0 {
            return Err(DecodeError::EmptyPayload);
        }
        let t = b.u(0, 6) as u8;
        return Err(DecodeError::TooShort {
            msg_type: t,
            bits,
            min: min_bits(t).min(1064),
        });
    }
    let msg_type = b.u(0, 6) as u8;
    if !(1..=27).contains(&msg_type) {
        return Err(DecodeError::UnknownType(msg_type));
    }
    let min = min_bits(msg_type);
    if bits < min {
        return Err(DecodeError::TooShort {
            msg_type,
            bits,
            min,
        });
    }
    Ok(msg_type)
}

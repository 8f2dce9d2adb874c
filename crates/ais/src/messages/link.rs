//! The short messages of types 7 to 17 that are neither positions nor
//! binary data: acknowledgements (7, 13), UTC inquiry (10), safety text
//! (12, 14), interrogation (15), assigned mode command (16) and DGNSS
//! corrections (17).

use super::{lat_1e1, lon_1e1, text_string, Body};
use crate::bits::{BitData, Bits};

/// Types 7 and 13: acknowledgement of up to four addressed messages.
#[derive(Debug, Clone, PartialEq)]
pub struct Acknowledge {
    /// Destination MMSIs acknowledged (first `count` entries are valid).
    pub mmsi: [u32; 4],
    /// Sequence numbers acknowledged.
    pub seqno: [u8; 4],
    /// Number of acknowledgements, 1-4.
    pub count: u8,
}

/// Type 10: UTC and date inquiry.
#[derive(Debug, Clone, PartialEq)]
pub struct UtcInquiry {
    /// Destination MMSI.
    pub dest_mmsi: u32,
}

/// Type 12: addressed safety related message.
#[derive(Debug, Clone, PartialEq)]
pub struct AddressedSafety {
    /// Sequence number.
    pub seqno: u8,
    /// Destination MMSI.
    pub dest_mmsi: u32,
    /// Retransmit flag.
    pub retransmit: bool,
    /// The safety text.
    pub text: String,
}

/// Type 14: safety related broadcast message.
#[derive(Debug, Clone, PartialEq)]
pub struct SafetyBroadcast {
    /// The safety text (e.g. "SART ACTIVE", "MOB TEST").
    pub text: String,
}

/// Type 15: interrogation of one station for one or two messages, or of
/// two stations (88, 112 or 160 bits; the parts a shorter message does not
/// carry are `None`, never zero).
#[derive(Debug, Clone, PartialEq)]
pub struct Interrogation {
    /// First interrogated station.
    pub mmsi1: u32,
    /// Message type requested from the first station.
    pub type1_1: u8,
    /// Slot offset of the first requested reply.
    pub offset1_1: u16,
    /// Second message type and slot offset requested from the first
    /// station (112 and 160-bit messages).
    pub request1_2: Option<(u8, u16)>,
    /// Second interrogated station, its requested message type and slot
    /// offset (160-bit messages).
    pub station2: Option<(u32, u8, u16)>,
}

/// Type 16: assigned mode command for one or two stations.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct AssignedMode {
    pub mmsi1: u32,
    pub offset1: u16,
    pub increment1: u16,
    /// The second station, when the message carries one (144 bits).
    pub second: Option<(u32, u16, u16)>,
}

/// Type 17: DGNSS corrections broadcast.
#[derive(Debug, Clone, PartialEq)]
pub struct DgnssBroadcast {
    /// Reference station longitude, degrees (1/10 minute resolution).
    pub lon_deg: Option<f64>,
    /// Reference station latitude, degrees.
    pub lat_deg: Option<f64>,
    /// The correction data bits.
    pub data: BitData,
}

/// Decodes types 7 and 13.
pub(super) fn decode_acknowledge(b: &Bits) -> Body {
    let bits = b.len();
    let count = ((bits - 40) / 32).min(4);
    let mut ack = Acknowledge {
        mmsi: [0; 4],
        seqno: [0; 4],
        count: count as u8,
    };
    for i in 0..count {
        ack.mmsi[i] = b.u(40 + 32 * i, 30);
        ack.seqno[i] = b.u(70 + 32 * i, 2) as u8;
    }
    Body::Acknowledge(ack)
}

/// Decodes type 10.
pub(super) fn decode_utc_inquiry(b: &Bits) -> Body {
    Body::UtcInquiry(UtcInquiry {
        dest_mmsi: b.u(40, 30),
    })
}

/// Decodes type 12.
pub(super) fn decode_addressed_safety(b: &Bits) -> Body {
    Body::AddressedSafety(AddressedSafety {
        seqno: b.u(38, 2) as u8,
        dest_mmsi: b.u(40, 30),
        retransmit: b.b(70),
        text: text_string(b, 72),
    })
}

/// Decodes type 14.
pub(super) fn decode_safety_broadcast(b: &Bits) -> Body {
    Body::SafetyBroadcast(SafetyBroadcast {
        text: text_string(b, 40),
    })
}

/// Decodes type 15. ITU-R M.1371-5 Annex 8, message 15: the second request
/// ends at bit 108 and the second station at bit 158 (each followed by 2
/// spare bits, which may be cut).
pub(super) fn decode_interrogation(b: &Bits) -> Body {
    let bits = b.len();
    Body::Interrogation(Interrogation {
        mmsi1: b.u(40, 30),
        type1_1: b.u(70, 6) as u8,
        offset1_1: b.u(76, 12) as u16,
        request1_2: (bits >= 108).then(|| (b.u(90, 6) as u8, b.u(96, 12) as u16)),
        station2: (bits >= 158).then(|| (b.u(110, 30), b.u(140, 6) as u8, b.u(146, 12) as u16)),
    })
}

/// Decodes type 16.
pub(super) fn decode_assigned_mode(b: &Bits) -> Body {
    let bits = b.len();
    Body::AssignedMode(AssignedMode {
        mmsi1: b.u(40, 30),
        offset1: b.u(70, 12) as u16,
        increment1: b.u(82, 10) as u16,
        second: (bits >= 144).then(|| (b.u(92, 30), b.u(122, 12) as u16, b.u(134, 10) as u16)),
    })
}

/// Decodes type 17.
pub(super) fn decode_dgnss(b: &Bits) -> Body {
    Body::Dgnss(DgnssBroadcast {
        lon_deg: lon_1e1(b.i(40, 18)),
        lat_deg: lat_1e1(b.i(58, 17)),
        data: b.data(80),
    })
}

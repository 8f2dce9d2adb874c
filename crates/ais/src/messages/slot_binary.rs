//! Types 25 and 26: single and multiple slot binary messages.

use super::Body;
use crate::bits::{BitData, Bits};

/// Types 25 and 26: single / multiple slot binary message.
#[derive(Debug, Clone, PartialEq)]
pub struct SlotBinary {
    /// Addressed (`true`) or broadcast.
    pub addressed: bool,
    /// Structured (carries an application id).
    pub structured: bool,
    /// Destination MMSI when addressed.
    pub dest_mmsi: Option<u32>,
    /// Application identifier (DAC << 6 | FI) when structured.
    pub app_id: Option<u16>,
    /// The data bits.
    pub data: BitData,
    /// Communication state (type 26 only).
    pub radio: Option<u32>,
}

/// Decodes types 25 and 26.
pub(super) fn decode_slot_binary(b: &Bits, msg_type: u8) -> Body {
    let bits = b.len();
    let addressed = b.b(38);
    let structured = b.b(39);
    let mut at = 40;
    // ITU-R M.1371-5 Tables 71 and 74: the 30-bit destination ID
    // is followed directly by the application ID or the data (no
    // spare bits, unlike message 6).
    let dest_mmsi = addressed.then(|| {
        at += 30;
        b.u(40, 30)
    });
    let app_id = structured.then(|| {
        let v = b.u(at, 16) as u16;
        at += 16;
        v
    });
    let (end, radio) = if msg_type == 26 && bits >= at + 20 {
        (bits - 20, Some(b.u(bits - 20, 20)))
    } else {
        (bits, None)
    };
    Body::SlotBinary(SlotBinary {
        addressed,
        structured,
        dest_mmsi,
        app_id,
        data: b.data_range(at, end),
        radio,
    })
}

//! Type 24: static data report, part A (the name) or part B (type,
//! vendor, call sign, dimensions).

use super::{Body, Dimensions};
use crate::bits::Bits;
use crate::text::Text;
use crate::DecodeError;

/// Type 24: static data report, part A or part B.
#[derive(Debug, Clone, PartialEq)]
pub enum StaticDataReport {
    /// Part A: the name.
    PartA {
        /// Vessel name.
        shipname: Text<20>,
    },
    /// Part B: type, vendor, call sign, dimensions.
    PartB(StaticPartB),
}

/// Type 24 part B.
#[derive(Debug, Clone, PartialEq)]
pub struct StaticPartB {
    /// Ship and cargo type.
    pub shiptype: u8,
    /// Manufacturer's ID (3 characters).
    pub vendor_id: Text<3>,
    /// Unit model code.
    pub model: u8,
    /// Unit serial number.
    pub serial: u32,
    /// Call sign.
    pub callsign: Text<7>,
    /// Dimensions, or the mother ship's MMSI for an auxiliary craft
    /// (MMSI 98xxxxxxx).
    pub dimensions: Dimensions,
    /// Mother ship MMSI (auxiliary craft only).
    pub mothership_mmsi: Option<u32>,
}

/// Decodes type 24, part A or B (`mmsi` tells an auxiliary craft's part B).
pub(super) fn decode_static_data(b: &Bits, mmsi: u32) -> Result<Body, DecodeError> {
    let bits = b.len();
    match b.u(38, 2) {
        0 => Ok(Body::StaticData(StaticDataReport::PartA {
            shipname: b.text(40, 20),
        })),
        1 => {
            if bits < 162 {
                return Err(DecodeError::TooShort {
                    msg_type: 24,
                    bits,
                    min: 162,
                });
            }
            let auxiliary = mmsi / 10_000_000 == 98;
            Ok(Body::StaticData(StaticDataReport::PartB(StaticPartB {
                shiptype: b.u(40, 8) as u8,
                vendor_id: b.text(48, 3),
                model: b.u(66, 4) as u8,
                serial: b.u(70, 20),
                callsign: b.text(90, 7),
                dimensions: if auxiliary {
                    Dimensions::default()
                } else {
                    Dimensions::read(b, 132)
                },
                mothership_mmsi: auxiliary.then(|| b.u(132, 30)),
            })))
        }
        p => Err(DecodeError::BadPartNumber(p as u8)),
    }
}

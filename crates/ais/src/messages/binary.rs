//! Types 6 and 8: addressed and broadcast binary messages, and the
//! dispatch of their application data (DAC, FI) to the decoders in
//! `application.rs`.

use super::{AtonMonitoring, Body, InlandStatic, MetHydro};
use crate::bits::{BitData, Bits};

/// Binary application data carried by messages 6 and 8.
#[derive(Debug, Clone, PartialEq)]
pub enum Application {
    /// DAC 1 FI 31 (IMO SN.1/Circ.289) or DAC 1 FI 11 (IMO SN/Circ.236):
    /// meteorological and hydrographic data.
    MetHydro(Box<MetHydro>),
    /// DAC 200 FI 10: inland ship static and voyage related data.
    InlandStatic(InlandStatic),
    /// DAC 235/250 FI 10 (GLA): aid-to-navigation monitoring data.
    AtonMonitoring(AtonMonitoring),
    /// Any other application: the raw data bits after DAC and FI.
    Raw(BitData),
}

/// Type 6: addressed binary message.
#[derive(Debug, Clone, PartialEq)]
pub struct AddressedBinary {
    /// Sequence number, 0-3.
    pub seqno: u8,
    /// Destination MMSI.
    pub dest_mmsi: u32,
    /// Retransmit flag.
    pub retransmit: bool,
    /// Designated area code.
    pub dac: u16,
    /// Function identifier.
    pub fid: u8,
    /// The application data.
    pub app: Application,
}

/// Type 8: binary broadcast message.
#[derive(Debug, Clone, PartialEq)]
pub struct BroadcastBinary {
    /// Designated area code.
    pub dac: u16,
    /// Function identifier.
    pub fid: u8,
    /// The application data.
    pub app: Application,
}

/// Decodes type 6.
pub(super) fn decode_addressed_binary(b: &Bits) -> Body {
    let dac = b.u(72, 10) as u16;
    let fid = b.u(82, 6) as u8;
    Body::AddressedBinary(AddressedBinary {
        seqno: b.u(38, 2) as u8,
        dest_mmsi: b.u(40, 30),
        retransmit: b.b(70),
        dac,
        fid,
        app: decode_application(b, dac, fid, 88),
    })
}

/// Decodes type 8.
pub(super) fn decode_broadcast_binary(b: &Bits) -> Body {
    let dac = b.u(40, 10) as u16;
    let fid = b.u(50, 6) as u8;
    Body::BroadcastBinary(BroadcastBinary {
        dac,
        fid,
        app: decode_application(b, dac, fid, 56),
    })
}

fn decode_application(b: &Bits, dac: u16, fid: u8, at: usize) -> Application {
    let avail = b.len().saturating_sub(at);
    match (dac, fid) {
        (1, 31) if avail >= 294 => Application::MetHydro(Box::new(MetHydro::decode_fi31(b, at))),
        (1, 11) if avail >= 290 => Application::MetHydro(Box::new(MetHydro::decode_fi11(b, at))),
        // The inland message is exactly one slot (168 bits, 112 after
        // DAC/FI, of which 8 spare): a longer message with this DAC/FI is
        // something else and is kept raw, as gpsd does.
        (200, 10) if (104..=112).contains(&avail) => {
            Application::InlandStatic(InlandStatic::decode(b, at))
        }
        (235 | 250, 10) if (44..=48).contains(&avail) => {
            Application::AtonMonitoring(AtonMonitoring::decode(b, at))
        }
        _ => Application::Raw(b.data(at)),
    }
}

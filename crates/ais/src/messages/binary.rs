//! Types 6 and 8: addressed and broadcast binary messages, and the
//! dispatch of their application data (DAC, FI) to the decoders in
//! `application/`.

use super::*;
use crate::bits::{BitData, Bits};

/// Binary application data carried by messages 6 and 8.
///
/// The applications gpsd 3.27 decodes, for the message type gpsd decodes
/// them in (a type 6 or a type 8 of another DAC/FI pair stays raw). A
/// message too short for its application's fields is kept raw, as is a
/// message longer than the one length gpsd accepts for an inland
/// application.
#[derive(Debug, Clone, PartialEq)]
pub enum Application {
    /// Type 8, DAC 1 FI 31 (IMO SN.1/Circ.289) or DAC 1 FI 11 (IMO
    /// SN/Circ.236): meteorological and hydrographic data.
    MetHydro(Box<MetHydro>),
    /// Type 8, DAC 200 FI 10: inland ship static and voyage related data.
    InlandStatic(InlandStatic),
    /// Type 6, DAC 235/250 FI 10 (GLA): aid-to-navigation monitoring data.
    AtonMonitoring(AtonMonitoring),
    /// Type 6, DAC 1 FI 12 (IMO SN/Circ.236): dangerous cargo indication.
    DangerousCargo(Box<DangerousCargo>),
    /// Type 6, DAC 1 FI 14 (IMO SN/Circ.236) or FI 32 (IMO SN.1/Circ.289):
    /// tidal windows.
    TidalWindow(Box<TidalWindow>),
    /// Types 6 and 8, DAC 1 FI 15 (IMO SN/Circ.236): air draught.
    ExtendedShipStatic(ExtendedShipStatic),
    /// Types 6 and 8, DAC 1 FI 16: number of persons on board.
    PersonsOnBoard(PersonsOnBoard),
    /// Type 6, DAC 1 FI 18 (IMO SN.1/Circ.289): clearance time to enter
    /// port.
    ClearanceTime(Box<ClearanceTime>),
    /// Type 6, DAC 1 FI 20 (IMO SN.1/Circ.289): berthing data.
    BerthingData(Box<BerthingData>),
    /// Type 6, DAC 1 FI 25 (IMO SN.1/Circ.289): dangerous cargo indication.
    DangerousCargoCodes(Box<DangerousCargoCodes>),
    /// Type 6 DAC 1 FI 28 or type 8 DAC 1 FI 27 (IMO SN.1/Circ.289): route
    /// information.
    RouteInfo(Box<RouteInfo>),
    /// Type 6 DAC 1 FI 30 or type 8 DAC 1 FI 29 (IMO SN.1/Circ.289): text
    /// description.
    TextDescription(Box<TextDescription>),
    /// Type 8, DAC 1 FI 13 (IMO SN/Circ.236): fairway closed.
    FairwayClosed(Box<FairwayClosed>),
    /// Type 8, DAC 1 FI 17 (IMO SN.1/Circ.289): VTS-generated/synthetic
    /// targets.
    VtsTargets(Box<VtsTargets>),
    /// Type 8, DAC 1 FI 19 (IMO SN.1/Circ.289): marine traffic signal.
    MarineTrafficSignal(Box<MarineTrafficSignal>),
    /// Type 6, DAC 200 FI 21: ETA at lock, bridge or terminal.
    InlandEta(Box<InlandEta>),
    /// Type 6, DAC 200 FI 22: RTA at lock, bridge or terminal.
    InlandRta(Box<InlandRta>),
    /// Type 6, DAC 200 FI 55: number of persons on board (inland).
    InlandPersons(InlandPersons),
    /// Type 8, DAC 200 FI 23: EMMA weather warning.
    EmmaWarning(Box<EmmaWarning>),
    /// Type 8, DAC 200 FI 24: water levels.
    WaterLevels(Box<WaterLevels>),
    /// Type 8, DAC 200 FI 40: signal status.
    SignalStatus(Box<SignalStatus>),
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
        app: decode_addressed(b, dac, fid, 88),
    })
}

/// Decodes type 8.
pub(super) fn decode_broadcast_binary(b: &Bits) -> Body {
    let dac = b.u(40, 10) as u16;
    let fid = b.u(50, 6) as u8;
    Body::BroadcastBinary(BroadcastBinary {
        dac,
        fid,
        app: decode_broadcast(b, dac, fid, 56),
    })
}

/// The application of a type 6 whose data start at bit `at`.
fn decode_addressed(b: &Bits, dac: u16, fid: u8, at: usize) -> Application {
    use Application as A;
    let avail = b.len().saturating_sub(at);
    let fits = |range: std::ops::RangeInclusive<usize>| range.contains(&avail);
    match (dac, fid) {
        (1, 12) if avail >= DangerousCargo::BITS => {
            A::DangerousCargo(Box::new(DangerousCargo::decode(b, at)))
        }
        (1, 14) => tidal_window(b, at, avail, TidalWindowEdition::Fi14),
        (1, 32) => tidal_window(b, at, avail, TidalWindowEdition::Fi32),
        (1, 15) if avail >= ExtendedShipStatic::BITS => {
            A::ExtendedShipStatic(ExtendedShipStatic::decode(b, at))
        }
        (1, 16) if avail >= PersonsOnBoard::BITS => {
            A::PersonsOnBoard(PersonsOnBoard::decode(b, at))
        }
        (1, 18) if avail >= ClearanceTime::BITS => {
            A::ClearanceTime(Box::new(ClearanceTime::decode(b, at)))
        }
        (1, 20) if avail >= BerthingData::BITS => {
            A::BerthingData(Box::new(BerthingData::decode(b, at)))
        }
        (1, 25) if avail >= DangerousCargoCodes::BITS => {
            A::DangerousCargoCodes(Box::new(DangerousCargoCodes::decode(b, at, avail)))
        }
        (1, 28) => route_info(b, at, avail),
        (1, 30) if avail >= TextDescription::BITS => {
            A::TextDescription(Box::new(TextDescription::decode(b, at, avail)))
        }
        (200, 21) if fits(InlandEta::BITS..=InlandEta::MAX_BITS) => {
            A::InlandEta(Box::new(InlandEta::decode(b, at)))
        }
        (200, 22) if fits(InlandRta::BITS..=InlandRta::MAX_BITS) => {
            A::InlandRta(Box::new(InlandRta::decode(b, at)))
        }
        (200, 55) if fits(InlandPersons::BITS..=InlandPersons::MAX_BITS) => {
            A::InlandPersons(InlandPersons::decode(b, at))
        }
        (235 | 250, 10) if fits(44..=48) => A::AtonMonitoring(AtonMonitoring::decode(b, at)),
        _ => A::Raw(b.data(at)),
    }
}

/// The application of a type 8 whose data start at bit `at`.
fn decode_broadcast(b: &Bits, dac: u16, fid: u8, at: usize) -> Application {
    use Application as A;
    let avail = b.len().saturating_sub(at);
    let fits = |range: std::ops::RangeInclusive<usize>| range.contains(&avail);
    match (dac, fid) {
        (1, 31) if avail >= 294 => A::MetHydro(Box::new(MetHydro::decode_fi31(b, at))),
        (1, 11) if avail >= 290 => A::MetHydro(Box::new(MetHydro::decode_fi11(b, at))),
        (1, 13) if avail >= FairwayClosed::BITS => {
            A::FairwayClosed(Box::new(FairwayClosed::decode(b, at)))
        }
        (1, 15) if avail >= ExtendedShipStatic::BITS => {
            A::ExtendedShipStatic(ExtendedShipStatic::decode(b, at))
        }
        // 13 bits and 3 spare (a 72-bit message); gpsd and libais agree on
        // that length.
        (1, 16) if fits(PersonsOnBoard::BITS..=16) => {
            A::PersonsOnBoard(PersonsOnBoard::decode(b, at))
        }
        (1, 17) if avail >= VtsTargets::TARGET_BITS => {
            A::VtsTargets(Box::new(VtsTargets::decode(b, at, avail)))
        }
        (1, 19) if avail >= MarineTrafficSignal::BITS => {
            A::MarineTrafficSignal(Box::new(MarineTrafficSignal::decode(b, at)))
        }
        (1, 27) => route_info(b, at, avail),
        (1, 29) if avail >= TextDescription::BITS => {
            A::TextDescription(Box::new(TextDescription::decode(b, at, avail)))
        }
        // The inland message is exactly one slot (168 bits, 112 after
        // DAC/FI, of which 8 spare): a longer message with this DAC/FI is
        // something else and is kept raw, as gpsd does.
        (200, 10) if fits(104..=112) => A::InlandStatic(InlandStatic::decode(b, at)),
        (200, 23) if fits(EmmaWarning::BITS..=EmmaWarning::MAX_BITS) => {
            A::EmmaWarning(Box::new(EmmaWarning::decode(b, at)))
        }
        (200, 24) if fits(WaterLevels::BITS..=WaterLevels::MAX_BITS) => {
            A::WaterLevels(Box::new(WaterLevels::decode(b, at, avail)))
        }
        (200, 40) if fits(SignalStatus::BITS..=SignalStatus::MAX_BITS) => {
            A::SignalStatus(Box::new(SignalStatus::decode(b, at)))
        }
        _ => A::Raw(b.data(at)),
    }
}

/// Tidal windows: at least one complete window, else raw.
fn tidal_window(b: &Bits, at: usize, avail: usize, edition: TidalWindowEdition) -> Application {
    match TidalWindow::windows_in(edition, avail) {
        0 => Application::Raw(b.data(at)),
        n => Application::TidalWindow(Box::new(TidalWindow::decode(b, at, edition, n))),
    }
}

/// Route information: every counted waypoint (at most 16) present, else
/// raw.
fn route_info(b: &Bits, at: usize, avail: usize) -> Application {
    if avail < RouteInfo::HEAD {
        return Application::Raw(b.data(at));
    }
    let n = RouteInfo::count(b, at);
    if n > RouteInfo::MAX || avail < RouteInfo::HEAD + 55 * n {
        return Application::Raw(b.data(at));
    }
    Application::RouteInfo(Box::new(RouteInfo::decode(b, at)))
}

//! International applications (DAC 1) of IMO SN/Circ.236 and IMO
//! SN.1/Circ.289 beyond the meteorological and hydrographic data: the
//! layouts gpsd decodes, field for field, with gpsd's field names.
//!
//! Every decoder here is called with `at`, the first bit after DAC and FI,
//! and only once the dispatcher (`binary.rs`) has checked that every field
//! of the layout is present: no value is ever read past the end of the
//! payload. Repeated groups (tidal windows, waypoints, cargoes, targets)
//! keep only the groups whose bits are all present. Where gpsd and the
//! standard differ, the standard is followed and the doc comment says so.

use crate::bits::Bits;
use crate::text::Text;

/// Month, day, hour and minute (UTC) as transmitted (0 = not available for
/// month and day, 24 for the hour and 60 for the minute).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MonthDayTime {
    /// Month, 1-12 (0 = n/a).
    pub month: u8,
    /// Day, 1-31 (0 = n/a).
    pub day: u8,
    /// Hour, 0-23 (24 = n/a).
    pub hour: u8,
    /// Minute, 0-59 (60 = n/a).
    pub minute: u8,
}

impl MonthDayTime {
    /// Month (4 bits), day (5), hour (5), minute (6) from `at`: 20 bits.
    pub(crate) fn read(b: &Bits, at: usize) -> MonthDayTime {
        MonthDayTime {
            month: b.u(at, 4) as u8,
            day: b.u(at + 4, 5) as u8,
            hour: b.u(at + 9, 5) as u8,
            minute: b.u(at + 14, 6) as u8,
        }
    }
}

/// DAC 1 FI 12 (IMO SN/Circ.236, addressed): dangerous cargo indication.
#[derive(Debug, Clone, PartialEq)]
pub struct DangerousCargo {
    /// UN/LOCODE of the last port of call.
    pub lastport: Text<5>,
    /// Departure from the last port (UTC).
    pub departure: MonthDayTime,
    /// UN/LOCODE of the next port of call.
    pub nextport: Text<5>,
    /// Estimated arrival at the next port (UTC).
    pub eta: MonthDayTime,
    /// Main dangerous good.
    pub dangerous: Text<20>,
    /// IMD category of the main dangerous good.
    pub imdcat: Text<4>,
    /// UN number of the main dangerous good (0 = n/a).
    pub unid: u16,
    /// Amount of the main dangerous good (0 = n/a), in `unit`.
    pub amount: u16,
    /// Unit of the amount: 0 n/a, 1 kg, 2 tonnes, 3 1000 tonnes.
    pub unit: u8,
}

impl DangerousCargo {
    /// Bits after DAC/FI up to the last field (3 spare bits follow).
    pub(crate) const BITS: usize = 269;

    pub(crate) fn decode(b: &Bits, at: usize) -> DangerousCargo {
        DangerousCargo {
            lastport: b.text(at, 5),
            departure: MonthDayTime::read(b, at + 30),
            nextport: b.text(at + 50, 5),
            eta: MonthDayTime::read(b, at + 80),
            dangerous: b.text(at + 100, 20),
            imdcat: b.text(at + 220, 4),
            unid: b.u(at + 244, 13) as u16,
            amount: b.u(at + 257, 10) as u16,
            unit: b.u(at + 267, 2) as u8,
        }
    }
}

/// Which edition of the tidal window message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TidalWindowEdition {
    /// DAC 1 FI 14, IMO SN/Circ.236: 93-bit windows, latitude first,
    /// positions in 1/10 000 minute, current speed 7 bits.
    Fi14,
    /// DAC 1 FI 32, IMO SN.1/Circ.289: 88-bit windows, longitude first,
    /// positions in 1/1000 minute, current speed 8 bits.
    Fi32,
}

/// One tidal window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tidal {
    /// Longitude in the edition's unit (FI 14: 1/10 000 min; FI 32:
    /// 1/1000 min).
    pub lon: i32,
    /// Latitude in the edition's unit.
    pub lat: i32,
    /// Window opens, hour (UTC).
    pub from_hour: u8,
    /// Window opens, minute.
    pub from_min: u8,
    /// Window closes, hour (UTC).
    pub to_hour: u8,
    /// Window closes, minute.
    pub to_min: u8,
    /// Current direction, degrees (360 = n/a).
    pub cdir: u16,
    /// Current speed, 0.1 kn (FI 14: 127 = n/a; FI 32: 255 = n/a).
    pub cspeed_dkn: u8,
}

/// DAC 1 FI 14 (IMO SN/Circ.236) or FI 32 (IMO SN.1/Circ.289), addressed:
/// tidal windows.
///
/// gpsd also decodes a last window cut short by the end of the message
/// (reading zeros for its missing bits); we keep complete windows only,
/// and a message without one stays raw. For FI 14 gpsd scales the
/// positions as 1/1000 minute; IMO SN/Circ.236 gives them in 1/10 000
/// minute (27-bit latitude, 28-bit longitude), which we follow.
#[derive(Debug, Clone, PartialEq)]
pub struct TidalWindow {
    /// Which edition the windows follow.
    pub edition: TidalWindowEdition,
    /// Month (UTC).
    pub month: u8,
    /// Day (UTC).
    pub day: u8,
    /// The complete windows (1-3).
    pub tidals: Vec<Tidal>,
}

impl TidalWindow {
    /// Month and day.
    const HEAD: usize = 9;
    /// At most three windows (both editions).
    const MAX: usize = 3;

    /// Size of one window in bits.
    pub(crate) fn window_bits(edition: TidalWindowEdition) -> usize {
        match edition {
            TidalWindowEdition::Fi14 => 93,
            TidalWindowEdition::Fi32 => 88,
        }
    }

    /// How many complete windows `avail` bits after DAC/FI hold.
    pub(crate) fn windows_in(edition: TidalWindowEdition, avail: usize) -> usize {
        (avail.saturating_sub(Self::HEAD) / Self::window_bits(edition)).min(Self::MAX)
    }

    pub(crate) fn decode(b: &Bits, at: usize, edition: TidalWindowEdition, n: usize) -> Self {
        let size = Self::window_bits(edition);
        let tidals = (0..n)
            .map(|i| {
                let a = at + Self::HEAD + size * i;
                match edition {
                    TidalWindowEdition::Fi14 => Tidal {
                        lat: b.i(a, 27),
                        lon: b.i(a + 27, 28),
                        from_hour: b.u(a + 55, 5) as u8,
                        from_min: b.u(a + 60, 6) as u8,
                        to_hour: b.u(a + 66, 5) as u8,
                        to_min: b.u(a + 71, 6) as u8,
                        cdir: b.u(a + 77, 9) as u16,
                        cspeed_dkn: b.u(a + 86, 7) as u8,
                    },
                    TidalWindowEdition::Fi32 => Tidal {
                        lon: b.i(a, 25),
                        lat: b.i(a + 25, 24),
                        from_hour: b.u(a + 49, 5) as u8,
                        from_min: b.u(a + 54, 6) as u8,
                        to_hour: b.u(a + 60, 5) as u8,
                        to_min: b.u(a + 65, 6) as u8,
                        cdir: b.u(a + 71, 9) as u16,
                        cspeed_dkn: b.u(a + 80, 8) as u8,
                    },
                }
            })
            .collect();
        TidalWindow {
            edition,
            month: b.u(at, 4) as u8,
            day: b.u(at + 4, 5) as u8,
            tidals,
        }
    }
}

/// DAC 1 FI 15 (IMO SN/Circ.236): extended ship static and voyage related
/// data, the air draught.
///
/// In a type 6 gpsd reads the field at bit 56 of the message (inside the
/// destination MMSI); the application data of a type 6 starts at bit 88,
/// where we read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtendedShipStatic {
    /// Air draught (height over keel), 0.1 m (0 = n/a).
    pub airdraught_dm: u16,
}

impl ExtendedShipStatic {
    pub(crate) const BITS: usize = 11;

    pub(crate) fn decode(b: &Bits, at: usize) -> Self {
        ExtendedShipStatic {
            airdraught_dm: b.u(at, 11) as u16,
        }
    }
}

/// DAC 1 FI 16 (IMO SN/Circ.236, IMO SN.1/Circ.289): number of persons
/// on board.
///
/// gpsd reads the count at bit 88 of a message whose data are 136 bits
/// long and otherwise at bit 55 (for a type 6 inside the destination
/// MMSI, for a type 8 the last bit of the FI); in a type 8 it then writes
/// the count of the type 6 layout. The standard's count is the first 13
/// bits of the application data (bit 88 of a type 6, bit 56 of a type 8,
/// as libais reads it), where we read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonsOnBoard {
    /// Number of persons on board (0 = n/a, 8191 = 8191 or more).
    pub persons: u16,
}

impl PersonsOnBoard {
    pub(crate) const BITS: usize = 13;

    pub(crate) fn decode(b: &Bits, at: usize) -> Self {
        PersonsOnBoard {
            persons: b.u(at, 13) as u16,
        }
    }
}

/// DAC 1 FI 18 (IMO SN.1/Circ.289, addressed): clearance time to enter
/// port.
#[derive(Debug, Clone, PartialEq)]
pub struct ClearanceTime {
    /// Message linkage ID.
    pub linkage: u16,
    /// Clearance time (UTC).
    pub arrival: MonthDayTime,
    /// Name of the port and berth.
    pub portname: Text<20>,
    /// UN/LOCODE of the destination.
    pub destination: Text<5>,
    /// Longitude of the port, 1/1000 minute (181° = n/a).
    pub lon_1e3_min: i32,
    /// Latitude of the port, 1/1000 minute (91° = n/a).
    pub lat_1e3_min: i32,
}

impl ClearanceTime {
    /// Bits after DAC/FI up to the last field (43 spare bits follow).
    pub(crate) const BITS: usize = 229;

    pub(crate) fn decode(b: &Bits, at: usize) -> Self {
        ClearanceTime {
            linkage: b.u(at, 10) as u16,
            arrival: MonthDayTime::read(b, at + 10),
            portname: b.text(at + 30, 20),
            destination: b.text(at + 150, 5),
            lon_1e3_min: b.i(at + 180, 25),
            lat_1e3_min: b.i(at + 205, 24),
        }
    }
}

/// DAC 1 FI 20 (IMO SN.1/Circ.289, addressed): berthing data.
#[derive(Debug, Clone, PartialEq)]
pub struct BerthingData {
    /// Message linkage ID.
    pub linkage: u16,
    /// Berth length, metres (0 = n/a).
    pub berth_length_m: u16,
    /// Water depth at the berth, 0.1 m (0 = n/a).
    pub berth_depth_dm: u8,
    /// Mooring position (see gpsd's `position_text`).
    pub position: u8,
    /// Time of arrival (UTC).
    pub arrival: MonthDayTime,
    /// Services availability: `true` = the service states below are known.
    pub availability: bool,
    /// The 26 service states (2 bits each: 0 n/a or unknown, 1 not
    /// available, 2 available, 3 reserved), in the standard's order:
    /// agent, fuel, chandler, stevedore, electrical, water, customs,
    /// cartage, crane, lift, medical, navrepair, provisions, shiprepair,
    /// surveyor, steam, tugs, solidwaste, liquidwaste, hazardouswaste,
    /// ballast, additional, regional1, regional2, future1, future2.
    pub services: [u8; 26],
    /// Name of the berth.
    pub berth_name: Text<20>,
    /// Longitude of the berth, 1/1000 minute.
    pub berth_lon_1e3_min: i32,
    /// Latitude of the berth, 1/1000 minute.
    pub berth_lat_1e3_min: i32,
}

impl BerthingData {
    pub(crate) const BITS: usize = 272;

    /// gpsd's names of the 26 services, in order.
    pub const SERVICES: [&'static str; 26] = [
        "agent",
        "fuel",
        "chandler",
        "stevedore",
        "electrical",
        "water",
        "customs",
        "cartage",
        "crane",
        "lift",
        "medical",
        "navrepair",
        "provisions",
        "shiprepair",
        "surveyor",
        "steam",
        "tugs",
        "solidwaste",
        "liquidwaste",
        "hazardouswaste",
        "ballast",
        "additional",
        "regional1",
        "regional2",
        "future1",
        "future2",
    ];

    pub(crate) fn decode(b: &Bits, at: usize) -> Self {
        let mut services = [0u8; 26];
        for (i, s) in services.iter_mut().enumerate() {
            *s = b.u(at + 51 + 2 * i, 2) as u8;
        }
        BerthingData {
            linkage: b.u(at, 10) as u16,
            berth_length_m: b.u(at + 10, 9) as u16,
            berth_depth_dm: b.u(at + 19, 8) as u8,
            position: b.u(at + 27, 3) as u8,
            arrival: MonthDayTime::read(b, at + 30),
            availability: b.b(at + 50),
            services,
            berth_name: b.text(at + 103, 20),
            berth_lon_1e3_min: b.i(at + 223, 25),
            berth_lat_1e3_min: b.i(at + 248, 24),
        }
    }
}

/// One cargo of DAC 1 FI 25.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CargoCode {
    /// Code type: 1 IMDG, 2 IGC, 3 BC, 4 MARPOL Annex I, 5 MARPOL Annex
    /// II (IBC), 6 regional.
    pub code: u8,
    /// The 13 bits that follow, as one number (their split depends on the
    /// code type).
    pub subtype: u16,
}

/// DAC 1 FI 25 (IMO SN.1/Circ.289, addressed): dangerous cargo indication.
///
/// gpsd also decodes a last cargo cut short by the end of the message; we
/// keep complete 17-bit cargoes only.
#[derive(Debug, Clone, PartialEq)]
pub struct DangerousCargoCodes {
    /// Unit of the amount: 0 n/a, 1 kg, 2 tonnes, 3 1000 tonnes.
    pub unit: u8,
    /// Amount of cargo.
    pub amount: u16,
    /// The cargoes.
    pub cargos: Vec<CargoCode>,
}

impl DangerousCargoCodes {
    pub(crate) const BITS: usize = 12;

    pub(crate) fn decode(b: &Bits, at: usize, avail: usize) -> Self {
        let n = (avail - Self::BITS) / 17;
        DangerousCargoCodes {
            unit: b.u(at, 2) as u8,
            amount: b.u(at + 2, 10) as u16,
            cargos: (0..n)
                .map(|i| CargoCode {
                    code: b.u(at + 12 + 17 * i, 4) as u8,
                    subtype: b.u(at + 16 + 17 * i, 13) as u16,
                })
                .collect(),
        }
    }
}

/// DAC 1 FI 27 (broadcast) or FI 28 (addressed), IMO SN.1/Circ.289: route
/// information.
///
/// gpsd reads as many waypoints as the count says, past the end of the
/// message if need be (and past its 16-entry table for a count above 16);
/// we decode a message only when its counted waypoints are all present.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteInfo {
    /// Message linkage ID.
    pub linkage: u16,
    /// Sender classification (0 ship, 1 authority, 2-7 reserved).
    pub sender: u8,
    /// Route type (see gpsd's `rtype_text`).
    pub rtype: u8,
    /// Start of the route (UTC).
    pub start: MonthDayTime,
    /// Duration, minutes (0 = cancel route).
    pub duration_min: u32,
    /// Waypoints `(lon, lat)` in 1/10 000 minute.
    pub waypoints: Vec<(i32, i32)>,
}

impl RouteInfo {
    /// Fields before the waypoints.
    pub(crate) const HEAD: usize = 61;
    /// At most 16 waypoints.
    pub(crate) const MAX: usize = 16;

    /// The waypoint count of a route at `at`.
    pub(crate) fn count(b: &Bits, at: usize) -> usize {
        b.u(at + 56, 5) as usize
    }

    pub(crate) fn decode(b: &Bits, at: usize) -> Self {
        let n = Self::count(b, at);
        RouteInfo {
            linkage: b.u(at, 10) as u16,
            sender: b.u(at + 10, 3) as u8,
            rtype: b.u(at + 13, 5) as u8,
            start: MonthDayTime::read(b, at + 18),
            duration_min: b.u(at + 38, 18),
            waypoints: (0..n)
                .map(|i| {
                    let a = at + Self::HEAD + 55 * i;
                    (b.i(a, 28), b.i(a + 28, 27))
                })
                .collect(),
        }
    }
}

/// DAC 1 FI 29 (broadcast) or FI 30 (addressed), IMO SN.1/Circ.289: text
/// description.
#[derive(Debug, Clone, PartialEq)]
pub struct TextDescription {
    /// Message linkage ID.
    pub linkage: u16,
    /// The text (every whole 6-bit character to the end of the message,
    /// up to the first `@`, trailing spaces removed).
    pub text: Text<192>,
}

impl TextDescription {
    pub(crate) const BITS: usize = 10;

    pub(crate) fn decode(b: &Bits, at: usize, avail: usize) -> Self {
        TextDescription {
            linkage: b.u(at, 10) as u16,
            text: b.text(at + 10, (avail - 10) / 6),
        }
    }
}

/// DAC 1 FI 13 (IMO SN/Circ.236, broadcast): fairway closed.
#[derive(Debug, Clone, PartialEq)]
pub struct FairwayClosed {
    /// Reason for closing.
    pub reason: Text<20>,
    /// Location of closing, from.
    pub closefrom: Text<20>,
    /// Location of closing, to.
    pub closeto: Text<20>,
    /// Radius extension.
    pub radius: u16,
    /// Unit of the radius: 0 m, 1 km, 2 nm, 3 cable.
    pub extunit: u8,
    /// Closed from (UTC).
    pub from: MonthDayTime,
    /// Closed until (UTC).
    pub to: MonthDayTime,
}

impl FairwayClosed {
    pub(crate) const BITS: usize = 412;

    pub(crate) fn decode(b: &Bits, at: usize) -> Self {
        // The dates are day, month, hour, minute here (not month first).
        let dmhm = |a: usize| MonthDayTime {
            day: b.u(a, 5) as u8,
            month: b.u(a + 5, 4) as u8,
            hour: b.u(a + 9, 5) as u8,
            minute: b.u(a + 14, 6) as u8,
        };
        FairwayClosed {
            reason: b.text(at, 20),
            closefrom: b.text(at + 120, 20),
            closeto: b.text(at + 240, 20),
            radius: b.u(at + 360, 10) as u16,
            extunit: b.u(at + 370, 2) as u8,
            from: dmhm(at + 372),
            to: dmhm(at + 392),
        }
    }
}

/// The identifier of a VTS target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetId {
    /// Identifier type 0: an MMSI (the 42-bit field as a number).
    Mmsi(u64),
    /// Identifier type 1: an IMO number (the 42-bit field as a number).
    Imo(u64),
    /// Identifier type 2: a call sign (7 characters).
    Callsign(Text<7>),
    /// Identifier type 3: another identifier (7 characters).
    Other(Text<7>),
}

impl TargetId {
    /// The 2-bit identifier type.
    pub fn idtype(&self) -> u8 {
        match self {
            TargetId::Mmsi(_) => 0,
            TargetId::Imo(_) => 1,
            TargetId::Callsign(_) => 2,
            TargetId::Other(_) => 3,
        }
    }
}

/// One VTS-generated or synthetic target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VtsTarget {
    /// The target's identifier.
    pub id: TargetId,
    /// Latitude, 1/1000 minute.
    pub lat_1e3_min: i32,
    /// Longitude, 1/1000 minute.
    pub lon_1e3_min: i32,
    /// Course over ground, degrees (360 = n/a).
    pub course: u16,
    /// Time stamp, second of the minute (60 = n/a).
    pub second: u8,
    /// Speed over ground as transmitted (10 bits in gpsd's layout).
    pub speed: u16,
}

/// DAC 1 FI 17 (IMO SN.1/Circ.289, broadcast): VTS-generated/synthetic
/// targets, in gpsd's 122-bit layout per target.
///
/// gpsd also decodes a last target cut short by the end of the message;
/// we keep complete targets only, and a message without one stays raw.
#[derive(Debug, Clone, PartialEq)]
pub struct VtsTargets {
    /// The targets (1-4 in one message).
    pub targets: Vec<VtsTarget>,
}

impl VtsTargets {
    pub(crate) const TARGET_BITS: usize = 122;

    pub(crate) fn decode(b: &Bits, at: usize, avail: usize) -> Self {
        let n = avail / Self::TARGET_BITS;
        VtsTargets {
            targets: (0..n)
                .map(|i| {
                    let a = at + Self::TARGET_BITS * i;
                    let number = ((b.u(a + 2, 10) as u64) << 32) | b.u(a + 12, 32) as u64;
                    let id = match b.u(a, 2) {
                        0 => TargetId::Mmsi(number),
                        1 => TargetId::Imo(number),
                        2 => TargetId::Callsign(b.text(a + 2, 7)),
                        _ => TargetId::Other(b.text(a + 2, 7)),
                    };
                    VtsTarget {
                        id,
                        lat_1e3_min: b.i(a + 48, 24),
                        lon_1e3_min: b.i(a + 72, 25),
                        course: b.u(a + 97, 9) as u16,
                        second: b.u(a + 106, 6) as u8,
                        speed: b.u(a + 112, 10) as u16,
                    }
                })
                .collect(),
        }
    }
}

/// DAC 1 FI 19 (IMO SN.1/Circ.289, broadcast): marine traffic signal.
#[derive(Debug, Clone, PartialEq)]
pub struct MarineTrafficSignal {
    /// Message linkage ID.
    pub linkage: u16,
    /// Name of the signal station.
    pub station: Text<20>,
    /// Longitude of the station, 1/1000 minute.
    pub lon_1e3_min: i32,
    /// Latitude of the station, 1/1000 minute.
    pub lat_1e3_min: i32,
    /// Status of the signal: 0 n/a, 1 in regular service, 2 irregular, 3
    /// reserved.
    pub status: u8,
    /// Signal in service (see gpsd's `signal_text`).
    pub signal: u8,
    /// Hour of the next shift (UTC, 24 = n/a).
    pub hour: u8,
    /// Minute of the next shift (60 = n/a).
    pub minute: u8,
    /// Expected next signal.
    pub nextsignal: u8,
}

impl MarineTrafficSignal {
    /// Bits after DAC/FI up to the last field (102 spare bits follow).
    pub(crate) const BITS: usize = 202;

    pub(crate) fn decode(b: &Bits, at: usize) -> Self {
        MarineTrafficSignal {
            linkage: b.u(at, 10) as u16,
            station: b.text(at + 10, 20),
            lon_1e3_min: b.i(at + 130, 25),
            lat_1e3_min: b.i(at + 155, 24),
            status: b.u(at + 179, 2) as u8,
            signal: b.u(at + 181, 5) as u8,
            hour: b.u(at + 186, 5) as u8,
            minute: b.u(at + 191, 6) as u8,
            nextsignal: b.u(at + 197, 5) as u8,
        }
    }
}

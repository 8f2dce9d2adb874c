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

use crate::bits::{BitData, Bits};
use crate::text::Text;
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

/// Rate of turn as transmitted by the ROT field of types 1-3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn {
    /// A turn indicator value `ROT_AIS` in -126..=126:
    /// `ROT_AIS = 4.733·√ROT` with ROT in degrees per minute, the sign
    /// giving the direction (negative = to port). ±126 means 708°/min or
    /// more.
    Rate(i8),
    /// Turning left at more than 5° per 30 s (no turn indicator).
    FastLeft,
    /// Turning right at more than 5° per 30 s (no turn indicator).
    FastRight,
}

impl Turn {
    /// Rate of turn in degrees per minute (negative to port), when a rate
    /// was transmitted.
    pub fn deg_per_min(self) -> Option<f64> {
        match self {
            Turn::Rate(r) => {
                let x = r as f64 / 4.733;
                Some(x * x * (r as f64).signum())
            }
            _ => None,
        }
    }

    /// The raw ROT field value.
    pub fn raw(self) -> i8 {
        match self {
            Turn::Rate(r) => r,
            Turn::FastLeft => -127,
            Turn::FastRight => 127,
        }
    }

    pub(crate) fn from_raw(raw: i8) -> Option<Turn> {
        match raw {
            -128 => None,
            -127 => Some(Turn::FastLeft),
            127 => Some(Turn::FastRight),
            r => Some(Turn::Rate(r)),
        }
    }
}

/// Types 1, 2 and 3: the Class A position report.
#[derive(Debug, Clone, PartialEq)]
pub struct PositionReport {
    /// Navigational status (0 under way using engine, 1 at anchor, 2 not
    /// under command, 3 restricted manoeuvrability, 4 constrained by
    /// draught, 5 moored, 6 aground, 7 fishing, 8 sailing, 14 AIS-SART /
    /// MOB / EPIRB active, 15 not defined). See [`nav_status_text`].
    pub status: u8,
    /// Rate of turn; `None` when not available.
    pub turn: Option<Turn>,
    /// Speed over ground, knots (102.2 means 102.2 kn or more).
    pub sog_kn: Option<f64>,
    /// Position accuracy flag: `true` = high (< 10 m, DGNSS).
    pub accuracy: bool,
    /// Longitude, degrees (east positive).
    pub lon_deg: Option<f64>,
    /// Latitude, degrees (north positive).
    pub lat_deg: Option<f64>,
    /// Course over ground, degrees true.
    pub cog_deg: Option<f64>,
    /// True heading, degrees.
    pub heading_deg: Option<u16>,
    /// UTC second of the fix (60 = not available, 61 manual input,
    /// 62 dead reckoning, 63 positioning system inoperative).
    pub second: u8,
    /// Special manoeuvre indicator (0 n/a, 1 not engaged, 2 engaged).
    pub maneuver: u8,
    /// RAIM flag.
    pub raim: bool,
    /// Communication state (raw 19 bits).
    pub radio: u32,
}

impl PositionReport {
    /// Rate of turn in degrees per minute (negative to port), when a rate
    /// was transmitted.
    pub fn rot_deg_per_min(&self) -> Option<f64> {
        self.turn.and_then(Turn::deg_per_min)
    }
}

/// Types 4 and 11: base station report, UTC/date response.
#[derive(Debug, Clone, PartialEq)]
pub struct BaseStationReport {
    /// UTC year (0 = not available).
    pub year: u16,
    /// UTC month (0 = n/a).
    pub month: u8,
    /// UTC day (0 = n/a).
    pub day: u8,
    /// UTC hour (24 = n/a).
    pub hour: u8,
    /// UTC minute (60 = n/a).
    pub minute: u8,
    /// UTC second (60 = n/a).
    pub second: u8,
    /// Position accuracy flag.
    pub accuracy: bool,
    /// Longitude, degrees.
    pub lon_deg: Option<f64>,
    /// Latitude, degrees.
    pub lat_deg: Option<f64>,
    /// Type of electronic position fixing device; see [`epfd_text`].
    pub epfd: u8,
    /// RAIM flag.
    pub raim: bool,
    /// Communication state (raw 19 bits).
    pub radio: u32,
}

impl BaseStationReport {
    /// The reported UTC time in milliseconds since the Unix epoch, when
    /// every field holds a valid value.
    pub fn unix_ms(&self) -> Option<i64> {
        if self.year == 0 || self.second > 59 {
            return None;
        }
        finisterra_nmea::unix_ms_from_civil(
            self.year as i64,
            self.month as u32,
            self.day as u32,
            self.hour as u32,
            self.minute as u32,
            self.second as u32,
            0,
        )
        .filter(|_| self.hour < 24 && self.minute < 60)
    }
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
    /// Ship and cargo type (0 = n/a); see [`ship_type_text`].
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

/// Which edition of the meteorological/hydrographic message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetHydroEdition {
    /// DAC 1 FI 11, IMO SN/Circ.236 (withdrawn, still on air).
    Fi11,
    /// DAC 1 FI 31, IMO SN.1/Circ.289.
    Fi31,
}

/// Meteorological and hydrographic data (DAC 1 FI 31 or FI 11), raw field
/// values as transmitted. Accessors give the physical values with "not
/// available" as `None`.
#[derive(Debug, Clone, PartialEq)]
#[allow(missing_docs)]
pub struct MetHydro {
    /// Which edition the fields follow (their scaling differs).
    pub edition: MetHydroEdition,
    /// Longitude, 1/1000 minute (FI 31: 25 bits signed; FI 11 likewise).
    pub lon_1e3_min: i32,
    /// Latitude, 1/1000 minute.
    pub lat_1e3_min: i32,
    /// Position accuracy (FI 31 only; `false` for FI 11).
    pub accuracy: bool,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub wspeed: u8,
    pub wgust: u8,
    pub wdir: u16,
    pub wgustdir: u16,
    pub airtemp: i16,
    pub humidity: u8,
    pub dewpoint: i16,
    pub pressure: u16,
    pub pressuretend: u8,
    /// FI 31 only.
    pub visgreater: bool,
    pub visibility: u8,
    pub waterlevel: i16,
    pub leveltrend: u8,
    pub cspeed: u8,
    pub cdir: u16,
    pub cspeed2: u8,
    pub cdir2: u16,
    pub cdepth2: u8,
    pub cspeed3: u8,
    pub cdir3: u16,
    pub cdepth3: u8,
    pub waveheight: u8,
    pub waveperiod: u8,
    pub wavedir: u16,
    pub swellheight: u8,
    pub swellperiod: u8,
    pub swelldir: u16,
    pub seastate: u8,
    pub watertemp: i16,
    pub preciptype: u8,
    pub salinity: u16,
    pub ice: u8,
}

impl MetHydro {
    /// Longitude of the station, degrees.
    pub fn lon_deg(&self) -> Option<f64> {
        (self.lon_1e3_min != 181 * 60_000).then(|| self.lon_1e3_min as f64 / 60_000.0)
    }
    /// Latitude of the station, degrees.
    pub fn lat_deg(&self) -> Option<f64> {
        (self.lat_1e3_min != 91 * 60_000).then(|| self.lat_1e3_min as f64 / 60_000.0)
    }
    /// Average wind speed, knots.
    pub fn wind_speed_kn(&self) -> Option<f64> {
        (self.wspeed < 127).then_some(self.wspeed as f64)
    }
    /// Wind gust, knots.
    pub fn wind_gust_kn(&self) -> Option<f64> {
        (self.wgust < 127).then_some(self.wgust as f64)
    }
    /// Wind direction, degrees.
    pub fn wind_dir_deg(&self) -> Option<f64> {
        (self.wdir < 360).then_some(self.wdir as f64)
    }
    /// Air temperature, °C.
    pub fn air_temp_c(&self) -> Option<f64> {
        match self.edition {
            MetHydroEdition::Fi31 => (self.airtemp != -1024).then(|| self.airtemp as f64 / 10.0),
            MetHydroEdition::Fi11 => {
                (self.airtemp != 2047).then(|| self.airtemp as f64 / 10.0 - 60.0)
            }
        }
    }
    /// Air pressure, hPa.
    pub fn pressure_hpa(&self) -> Option<f64> {
        match self.edition {
            MetHydroEdition::Fi31 => (self.pressure < 403).then_some(self.pressure as f64 + 799.0),
            MetHydroEdition::Fi11 => (self.pressure < 403).then_some(self.pressure as f64 + 800.0),
        }
    }
    /// Horizontal visibility, nautical miles.
    pub fn visibility_nm(&self) -> Option<f64> {
        match self.edition {
            MetHydroEdition::Fi31 => (self.visibility < 127).then(|| self.visibility as f64 / 10.0),
            MetHydroEdition::Fi11 => (self.visibility < 255).then(|| self.visibility as f64 / 10.0),
        }
    }
    /// Water level (deviation from local chart datum), metres.
    pub fn water_level_m(&self) -> Option<f64> {
        match self.edition {
            MetHydroEdition::Fi31 => {
                (self.waterlevel != 4001).then(|| (self.waterlevel as f64 - 1000.0) / 100.0)
            }
            MetHydroEdition::Fi11 => {
                (self.waterlevel != 511).then(|| self.waterlevel as f64 / 10.0 - 10.0)
            }
        }
    }
    /// Significant wave height, metres.
    pub fn wave_height_m(&self) -> Option<f64> {
        (self.waveheight < 255).then(|| self.waveheight as f64 / 10.0)
    }
    /// Water temperature, °C.
    pub fn water_temp_c(&self) -> Option<f64> {
        match self.edition {
            MetHydroEdition::Fi31 => (self.watertemp != 501).then(|| self.watertemp as f64 / 10.0),
            MetHydroEdition::Fi11 => {
                (self.watertemp != 1023).then(|| self.watertemp as f64 / 10.0 - 10.0)
            }
        }
    }

    fn decode_fi31(b: &Bits, at: usize) -> MetHydro {
        MetHydro {
            edition: MetHydroEdition::Fi31,
            lon_1e3_min: b.i(at, 25),
            lat_1e3_min: b.i(at + 25, 24),
            accuracy: b.b(at + 49),
            day: b.u(at + 50, 5) as u8,
            hour: b.u(at + 55, 5) as u8,
            minute: b.u(at + 60, 6) as u8,
            wspeed: b.u(at + 66, 7) as u8,
            wgust: b.u(at + 73, 7) as u8,
            wdir: b.u(at + 80, 9) as u16,
            wgustdir: b.u(at + 89, 9) as u16,
            airtemp: b.i(at + 98, 11) as i16,
            humidity: b.u(at + 109, 7) as u8,
            dewpoint: b.i(at + 116, 10) as i16,
            pressure: b.u(at + 126, 9) as u16,
            pressuretend: b.u(at + 135, 2) as u8,
            visgreater: b.b(at + 137),
            visibility: b.u(at + 138, 7) as u8,
            waterlevel: b.u(at + 145, 12) as i16,
            leveltrend: b.u(at + 157, 2) as u8,
            cspeed: b.u(at + 159, 8) as u8,
            cdir: b.u(at + 167, 9) as u16,
            cspeed2: b.u(at + 176, 8) as u8,
            cdir2: b.u(at + 184, 9) as u16,
            cdepth2: b.u(at + 193, 5) as u8,
            cspeed3: b.u(at + 198, 8) as u8,
            cdir3: b.u(at + 206, 9) as u16,
            cdepth3: b.u(at + 215, 5) as u8,
            waveheight: b.u(at + 220, 8) as u8,
            waveperiod: b.u(at + 228, 6) as u8,
            wavedir: b.u(at + 234, 9) as u16,
            swellheight: b.u(at + 243, 8) as u8,
            swellperiod: b.u(at + 251, 6) as u8,
            swelldir: b.u(at + 257, 9) as u16,
            seastate: b.u(at + 266, 4) as u8,
            watertemp: b.i(at + 270, 10) as i16,
            preciptype: b.u(at + 280, 3) as u8,
            salinity: b.u(at + 283, 9) as u16,
            ice: b.u(at + 292, 2) as u8,
        }
    }

    fn decode_fi11(b: &Bits, at: usize) -> MetHydro {
        MetHydro {
            edition: MetHydroEdition::Fi11,
            lat_1e3_min: b.i(at, 24),
            lon_1e3_min: b.i(at + 24, 25),
            accuracy: false,
            day: b.u(at + 49, 5) as u8,
            hour: b.u(at + 54, 5) as u8,
            minute: b.u(at + 59, 6) as u8,
            wspeed: b.u(at + 65, 7) as u8,
            wgust: b.u(at + 72, 7) as u8,
            wdir: b.u(at + 79, 9) as u16,
            wgustdir: b.u(at + 88, 9) as u16,
            airtemp: b.u(at + 97, 11) as i16,
            humidity: b.u(at + 108, 7) as u8,
            dewpoint: b.u(at + 115, 10) as i16,
            pressure: b.u(at + 125, 9) as u16,
            pressuretend: b.u(at + 134, 2) as u8,
            visgreater: false,
            visibility: b.u(at + 136, 8) as u8,
            waterlevel: b.u(at + 144, 9) as i16,
            leveltrend: b.u(at + 153, 2) as u8,
            cspeed: b.u(at + 155, 8) as u8,
            cdir: b.u(at + 163, 9) as u16,
            cspeed2: b.u(at + 172, 8) as u8,
            cdir2: b.u(at + 180, 9) as u16,
            cdepth2: b.u(at + 189, 5) as u8,
            cspeed3: b.u(at + 194, 8) as u8,
            cdir3: b.u(at + 202, 9) as u16,
            cdepth3: b.u(at + 211, 5) as u8,
            waveheight: b.u(at + 216, 8) as u8,
            waveperiod: b.u(at + 224, 6) as u8,
            wavedir: b.u(at + 230, 9) as u16,
            swellheight: b.u(at + 239, 8) as u8,
            swellperiod: b.u(at + 247, 6) as u8,
            swelldir: b.u(at + 253, 9) as u16,
            seastate: b.u(at + 262, 4) as u8,
            watertemp: b.u(at + 266, 10) as i16,
            preciptype: b.u(at + 276, 3) as u8,
            salinity: b.u(at + 279, 9) as u16,
            ice: b.u(at + 288, 2) as u8,
        }
    }
}

/// DAC 200 FI 10: inland ship static and voyage related data (raw values).
#[derive(Debug, Clone, PartialEq)]
pub struct InlandStatic {
    /// European Vessel Identification Number (ENI).
    pub vin: Text<8>,
    /// Length of ship, 1/10 m (0 = n/a).
    pub length_dm: u16,
    /// Beam of ship, 1/10 m (0 = n/a).
    pub beam_dm: u16,
    /// ERI ship type code (see [`inland_ship_type_text`]).
    pub shiptype: u16,
    /// Hazardous cargo: number of blue cones/lights (0-3), 4 B-flag, 5 unknown.
    pub hazard: u8,
    /// Draught, 1/100 m (0 = n/a).
    pub draught_cm: u16,
    /// 1 loaded, 2 unloaded, 0 n/a.
    pub loaded: u8,
    /// Speed quality: `true` = high.
    pub speed_q: bool,
    /// Course quality.
    pub course_q: bool,
    /// Heading quality.
    pub heading_q: bool,
}

impl InlandStatic {
    fn decode(b: &Bits, at: usize) -> InlandStatic {
        InlandStatic {
            vin: b.text::<8>(at, 8),
            length_dm: b.u(at + 48, 13) as u16,
            beam_dm: b.u(at + 61, 10) as u16,
            shiptype: b.u(at + 71, 14) as u16,
            hazard: b.u(at + 85, 3) as u8,
            draught_cm: b.u(at + 88, 11) as u16,
            loaded: b.u(at + 99, 2) as u8,
            speed_q: b.b(at + 101),
            course_q: b.b(at + 102),
            heading_q: b.b(at + 103),
        }
    }
}

/// DAC 235/250 FI 10 (General Lighthouse Authorities): AtoN monitoring.
#[derive(Debug, Clone, PartialEq)]
pub struct AtonMonitoring {
    /// Internal analogue (supply voltage), 0.05 V units.
    pub ana_int: u16,
    /// External analogue 1, 0.05 V units.
    pub ana_ext1: u16,
    /// External analogue 2, 0.05 V units.
    pub ana_ext2: u16,
    /// RACON status (0 none, 1 not monitored, 2 operational, 3 error).
    pub racon: u8,
    /// Light status (0 none, 1 on, 2 off, 3 error).
    pub light: u8,
    /// Health alarm: `true` = alarm.
    pub alarm: bool,
    /// Status of external digital inputs.
    pub stat_ext: u8,
    /// Off position status.
    pub off_pos: bool,
}

impl AtonMonitoring {
    fn decode(b: &Bits, at: usize) -> AtonMonitoring {
        AtonMonitoring {
            ana_int: b.u(at, 10) as u16,
            ana_ext1: b.u(at + 10, 10) as u16,
            ana_ext2: b.u(at + 20, 10) as u16,
            racon: b.u(at + 30, 2) as u8,
            light: b.u(at + 32, 2) as u8,
            alarm: b.b(at + 34),
            stat_ext: b.u(at + 35, 8) as u8,
            off_pos: b.b(at + 43),
        }
    }
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

/// Type 9: standard SAR aircraft position report.
#[derive(Debug, Clone, PartialEq)]
pub struct SarAircraftReport {
    /// Altitude (GNSS), metres (4094 means 4094 m or more).
    pub altitude_m: Option<u16>,
    /// Speed over ground, knots (integer knots; 1022 means 1022 or more).
    pub sog_kn: Option<f64>,
    /// Position accuracy flag.
    pub accuracy: bool,
    /// Longitude, degrees.
    pub lon_deg: Option<f64>,
    /// Latitude, degrees.
    pub lat_deg: Option<f64>,
    /// Course over ground, degrees.
    pub cog_deg: Option<f64>,
    /// UTC second.
    pub second: u8,
    /// Altitude sensor (regional reserved bits, 8).
    pub regional: u8,
    /// DTE flag.
    pub dte: bool,
    /// Assigned mode flag.
    pub assigned: bool,
    /// RAIM flag.
    pub raim: bool,
    /// Communication state (raw 20 bits).
    pub radio: u32,
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

/// The facts of a plain position report, for building one: type 1 for a
/// class A station, type 18 (carrier-sense unit, band and message 22
/// flags set) for class B. What simulators and position files turn into
/// messages; the fields no one fills are zero.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BasicPosition {
    /// MMSI.
    pub mmsi: u32,
    /// Class B (type 18) instead of class A (type 1).
    pub class_b: bool,
    /// Navigational status (class A only).
    pub status: u8,
    /// Rate of turn (class A only).
    pub turn: Option<Turn>,
    /// Speed over ground, knots.
    pub sog_kn: Option<f64>,
    /// Course over ground, degrees.
    pub cog_deg: Option<f64>,
    /// True heading, degrees.
    pub heading_deg: Option<u16>,
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// UTC second of the fix.
    pub second: u8,
    /// Position accuracy flag.
    pub accuracy: bool,
    /// Radio status bits.
    pub radio: u32,
}

impl BasicPosition {
    /// The message: type 1 or 18.
    pub fn message(&self) -> AisMessage {
        let body = if self.class_b {
            Body::ClassBPosition(ClassBPosition {
                reserved: 0,
                sog_kn: self.sog_kn,
                accuracy: self.accuracy,
                lon_deg: Some(self.lon_deg),
                lat_deg: Some(self.lat_deg),
                cog_deg: self.cog_deg,
                heading_deg: self.heading_deg,
                second: self.second,
                regional: 0,
                cs: true,
                display: false,
                dsc: false,
                band: true,
                msg22: true,
                assigned: false,
                raim: false,
                radio: self.radio,
            })
        } else {
            Body::Position(PositionReport {
                status: self.status,
                turn: self.turn,
                sog_kn: self.sog_kn,
                accuracy: self.accuracy,
                lon_deg: Some(self.lon_deg),
                lat_deg: Some(self.lat_deg),
                cog_deg: self.cog_deg,
                heading_deg: self.heading_deg,
                second: self.second,
                maneuver: 0,
                raim: false,
                radio: self.radio,
            })
        };
        AisMessage {
            msg_type: if self.class_b { 18 } else { 1 },
            repeat: 0,
            mmsi: self.mmsi,
            body,
        }
    }
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

/// Type 21: aid-to-navigation report.
#[derive(Debug, Clone, PartialEq)]
pub struct AidToNavigation {
    /// Type of aid (see [`aid_type_text`]): 1-15 fixed, 16-31 floating.
    pub aid_type: u8,
    /// Name, with the name extension appended.
    pub name: Text<34>,
    /// Position accuracy flag.
    pub accuracy: bool,
    /// Longitude, degrees.
    pub lon_deg: Option<f64>,
    /// Latitude, degrees.
    pub lat_deg: Option<f64>,
    /// Dimensions of the aid.
    pub dimensions: Dimensions,
    /// Type of EPFD.
    pub epfd: u8,
    /// UTC second.
    pub second: u8,
    /// Off-position indicator (meaningful for floating aids when second ≤ 59).
    pub off_position: bool,
    /// Regional reserved bits.
    pub regional: u8,
    /// RAIM flag.
    pub raim: bool,
    /// `true` for a virtual aid (no physical mark).
    pub virtual_aid: bool,
    /// Assigned mode.
    pub assigned: bool,
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

/// Type 27: long-range AIS broadcast (position at 1/10 minute).
#[derive(Debug, Clone, PartialEq)]
pub struct LongRangePosition {
    /// Position accuracy flag.
    pub accuracy: bool,
    /// RAIM flag.
    pub raim: bool,
    /// Navigational status.
    pub status: u8,
    /// Longitude, degrees.
    pub lon_deg: Option<f64>,
    /// Latitude, degrees.
    pub lat_deg: Option<f64>,
    /// Speed over ground, knots (whole knots).
    pub sog_kn: Option<f64>,
    /// Course over ground, degrees (whole degrees).
    pub cog_deg: Option<f64>,
    /// Position latency flag as transmitted: `false` = latency under 5 s,
    /// `true` = more than 5 s (gpsd calls this bit `gnss`).
    pub position_latency: bool,
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
    let repeat = b.u(6, 2) as u8;
    let mmsi = b.u(8, 30);
    let body = match msg_type {
        1..=3 => Body::Position(PositionReport {
            status: b.u(38, 4) as u8,
            turn: Turn::from_raw(b.i(42, 8) as i8),
            sog_kn: speed_01(b.u(50, 10)),
            accuracy: b.b(60),
            lon_deg: lon_1e4(b.i(61, 28)),
            lat_deg: lat_1e4(b.i(89, 27)),
            cog_deg: course_01(b.u(116, 12)),
            heading_deg: heading(b.u(128, 9)),
            second: b.u(137, 6) as u8,
            maneuver: b.u(143, 2) as u8,
            raim: b.b(148),
            radio: b.u(149, 19),
        }),
        4 | 11 => Body::BaseStation(BaseStationReport {
            year: b.u(38, 14) as u16,
            month: b.u(52, 4) as u8,
            day: b.u(56, 5) as u8,
            hour: b.u(61, 5) as u8,
            minute: b.u(66, 6) as u8,
            second: b.u(72, 6) as u8,
            accuracy: b.b(78),
            lon_deg: lon_1e4(b.i(79, 28)),
            lat_deg: lat_1e4(b.i(107, 27)),
            epfd: b.u(134, 4) as u8,
            raim: b.b(148),
            radio: b.u(149, 19),
        }),
        5 => Body::StaticVoyage(StaticVoyage {
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
        }),
        6 => {
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
        7 | 13 => {
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
        8 => {
            let dac = b.u(40, 10) as u16;
            let fid = b.u(50, 6) as u8;
            Body::BroadcastBinary(BroadcastBinary {
                dac,
                fid,
                app: decode_application(b, dac, fid, 56),
            })
        }
        9 => Body::SarAircraft(SarAircraftReport {
            altitude_m: match b.u(38, 12) {
                4095 => None,
                a => Some(a as u16),
            },
            sog_kn: match b.u(50, 10) {
                1023 => None,
                s => Some(s as f64),
            },
            accuracy: b.b(60),
            lon_deg: lon_1e4(b.i(61, 28)),
            lat_deg: lat_1e4(b.i(89, 27)),
            cog_deg: course_01(b.u(116, 12)),
            second: b.u(128, 6) as u8,
            regional: b.u(134, 8) as u8,
            dte: b.b(142),
            assigned: b.b(146),
            raim: b.b(147),
            radio: b.u(148, 20),
        }),
        10 => Body::UtcInquiry(UtcInquiry {
            dest_mmsi: b.u(40, 30),
        }),
        12 => Body::AddressedSafety(AddressedSafety {
            seqno: b.u(38, 2) as u8,
            dest_mmsi: b.u(40, 30),
            retransmit: b.b(70),
            text: text_string(b, 72),
        }),
        14 => Body::SafetyBroadcast(SafetyBroadcast {
            text: text_string(b, 40),
        }),
        // ITU-R M.1371-5 Annex 8, message 15: the second request ends at bit 108 and
        // the second station at bit 158 (each followed by 2 spare bits,
        // which may be cut).
        15 => Body::Interrogation(Interrogation {
            mmsi1: b.u(40, 30),
            type1_1: b.u(70, 6) as u8,
            offset1_1: b.u(76, 12) as u16,
            request1_2: (bits >= 108).then(|| (b.u(90, 6) as u8, b.u(96, 12) as u16)),
            station2: (bits >= 158).then(|| (b.u(110, 30), b.u(140, 6) as u8, b.u(146, 12) as u16)),
        }),
        16 => Body::AssignedMode(AssignedMode {
            mmsi1: b.u(40, 30),
            offset1: b.u(70, 12) as u16,
            increment1: b.u(82, 10) as u16,
            second: (bits >= 144).then(|| (b.u(92, 30), b.u(122, 12) as u16, b.u(134, 10) as u16)),
        }),
        17 => Body::Dgnss(DgnssBroadcast {
            lon_deg: lon_1e1(b.i(40, 18)),
            lat_deg: lat_1e1(b.i(58, 17)),
            data: b.data(80),
        }),
        18 => Body::ClassBPosition(ClassBPosition {
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
        }),
        19 => Body::ClassBExtended(ClassBExtended {
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
        }),
        20 => {
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
        21 => {
            // The extension continues the 20-character name when that is
            // full (no '@' padding); trailing spaces of the first part
            // are kept, as they belong inside the joined name.
            let mut name = b.text_untrimmed::<34>(43, 20);
            if bits > 272 && name.len() == 20 {
                let ext_chars = ((bits - 272) / 6).min(14);
                let ext = b.text_untrimmed::<14>(272, ext_chars);
                for &c in ext.as_bytes() {
                    name.push(c);
                }
            }
            name.trim_end();
            Body::AidToNavigation(AidToNavigation {
                aid_type: b.u(38, 5) as u8,
                name,
                accuracy: b.b(163),
                lon_deg: lon_1e4(b.i(164, 28)),
                lat_deg: lat_1e4(b.i(192, 27)),
                dimensions: Dimensions::read(b, 219),
                epfd: b.u(249, 4) as u8,
                second: b.u(253, 6) as u8,
                off_position: b.b(259),
                regional: b.u(260, 8) as u8,
                raim: b.b(268),
                virtual_aid: b.b(269),
                assigned: b.b(270),
            })
        }
        22 => {
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
        23 => Body::GroupAssignment(GroupAssignment {
            ne_lon_deg: b.i(40, 18) as f64 / 600.0,
            ne_lat_deg: b.i(58, 17) as f64 / 600.0,
            sw_lon_deg: b.i(75, 18) as f64 / 600.0,
            sw_lat_deg: b.i(93, 17) as f64 / 600.0,
            station_type: b.u(110, 4) as u8,
            ship_type: b.u(114, 8) as u8,
            txrx: b.u(144, 2) as u8,
            interval: b.u(146, 4) as u8,
            quiet: b.u(150, 4) as u8,
        }),
        24 => match b.u(38, 2) {
            0 => Body::StaticData(StaticDataReport::PartA {
                shipname: b.text(40, 20),
            }),
            1 => {
                if bits < 162 {
                    return Err(DecodeError::TooShort {
                        msg_type,
                        bits,
                        min: 162,
                    });
                }
                let auxiliary = mmsi / 10_000_000 == 98;
                Body::StaticData(StaticDataReport::PartB(StaticPartB {
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
                }))
            }
            p => return Err(DecodeError::BadPartNumber(p as u8)),
        },
        25 | 26 => {
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
        27 => Body::LongRange(LongRangePosition {
            accuracy: b.b(38),
            raim: b.b(39),
            status: b.u(40, 4) as u8,
            lon_deg: lon_1e1(b.i(44, 18)),
            lat_deg: lat_1e1(b.i(62, 17)),
            sog_kn: match b.u(79, 6) {
                63 => None,
                s => Some(s as f64),
            },
            cog_deg: match b.u(85, 9) {
                511 => None,
                c => Some(c as f64),
            },
            position_latency: b.b(94),
        }),
        _ => unreachable!("type checked above"),
    };
    Ok(AisMessage {
        msg_type,
        repeat,
        mmsi,
        body,
    })
}

// ---------------------------------------------------------------------------
// Code tables (texts as gpsd writes them, so the JSON output matches).

/// Meaning of a navigational status code.
pub fn nav_status_text(status: u8) -> &'static str {
    const T: [&str; 16] = [
        "Under way using engine",
        "At anchor",
        "Not under command",
        "Restricted maneuverability",
        "Constrained by her draught",
        "Moored",
        "Aground",
        "Engaged in fishing",
        "Under way sailing",
        "Reserved for HSC",
        "Reserved for WIG",
        "Power-driven vessel towing astern",
        "Power-driven vessel pushing ahead or towing alongside",
        "Reserved",
        "AIS-SART is active",
        "Not defined",
    ];
    T.get(status as usize).copied().unwrap_or("Not defined")
}

/// Meaning of an EPFD (position fixing device) code.
pub fn epfd_text(epfd: u8) -> &'static str {
    const T: [&str; 16] = [
        "Undefined",
        "GPS",
        "GLONASS",
        "Combined GPS/GLONASS",
        "Loran-C",
        "Chayka",
        "Integrated navigation system",
        "Surveyed",
        "Galileo",
        "Reserved (9)",
        "Reserved (10)",
        "Reserved (11)",
        "Reserved (12)",
        "Reserved (13)",
        "Reserved (14)",
        "Internal GNSS",
    ];
    T.get(epfd as usize).copied().unwrap_or("Undefined")
}

/// Meaning of a ship and cargo type code.
pub fn ship_type_text(t: u8) -> &'static str {
    match t {
        0 => "Not available",
        1..=19 => "Reserved for future use",
        20 => "Wing in ground (WIG), all ships of this type",
        21 => "Wing in ground (WIG), Hazardous category A",
        22 => "Wing in ground (WIG), Hazardous category B",
        23 => "Wing in ground (WIG), Hazardous category C",
        24 => "Wing in ground (WIG), Hazardous category D",
        25..=29 => "Wing in ground (WIG), Reserved for future use",
        30 => "Fishing",
        31 => "Towing",
        32 => "Towing: length exceeds 200m or breadth exceeds 25m",
        33 => "Dredging or underwater ops",
        34 => "Diving ops",
        35 => "Military ops",
        36 => "Sailing",
        37 => "Pleasure Craft",
        38 | 39 => "Reserved",
        40 => "High speed craft (HSC), all ships of this type",
        41 => "High speed craft (HSC), Hazardous category A",
        42 => "High speed craft (HSC), Hazardous category B",
        43 => "High speed craft (HSC), Hazardous category C",
        44 => "High speed craft (HSC), Hazardous category D",
        45..=48 => "High speed craft (HSC), Reserved for future use",
        49 => "High speed craft (HSC), No additional information",
        50 => "Pilot Vessel",
        51 => "Search and Rescue vessel",
        52 => "Tug",
        53 => "Port Tender",
        54 => "Anti-pollution equipment",
        55 => "Law Enforcement",
        56 | 57 => "Spare - Local Vessel",
        58 => "Medical Transport",
        59 => "Noncombatant ship according to RR Resolution No. 18",
        60 => "Passenger - all ships of this type",
        61 => "Passenger - Hazardous category A",
        62 => "Passenger - Hazardous category B",
        63 => "Passenger - Hazardous category C",
        64 => "Passenger - Hazardous category D",
        65..=68 => "Passenger - Reserved for future use",
        69 => "Passenger - No additional information",
        70 => "Cargo - all ships of this type",
        71 => "Cargo - Hazardous category A",
        72 => "Cargo - Hazardous category B",
        73 => "Cargo - Hazardous category C",
        74 => "Cargo - Hazardous category D",
        75..=78 => "Cargo - Reserved for future use",
        79 => "Cargo - No additional information",
        80 => "Tanker - all ships of this type",
        81 => "Tanker - Hazardous category A",
        82 => "Tanker - Hazardous category B",
        83 => "Tanker - Hazardous category C",
        84 => "Tanker - Hazardous category D",
        85..=88 => "Tanker - Reserved for future use",
        89 => "Tanker - No additional information",
        90 => "Other Type - all ships of this type",
        91 => "Other Type - Hazardous category A",
        92 => "Other Type - Hazardous category B",
        93 => "Other Type - Hazardous category C",
        94 => "Other Type - Hazardous category D",
        95..=98 => "Other Type - Reserved for future use",
        99 => "Other Type - no additional information",
        _ => "INVALID SHIP TYPE",
    }
}

/// Meaning of an aid-to-navigation type code (type 21).
pub fn aid_type_text(t: u8) -> &'static str {
    const T: [&str; 32] = [
        "Unspecified",
        "Reference point",
        "RACON",
        "Fixed offshore structure",
        "Spare, Reserved for future use.",
        "Light, without sectors",
        "Light, with sectors",
        "Leading Light Front",
        "Leading Light Rear",
        "Beacon, Cardinal N",
        "Beacon, Cardinal E",
        "Beacon, Cardinal S",
        "Beacon, Cardinal W",
        "Beacon, Port hand",
        "Beacon, Starboard hand",
        "Beacon, Preferred Channel port hand",
        "Beacon, Preferred Channel starboard hand",
        "Beacon, Isolated danger",
        "Beacon, Safe water",
        "Beacon, Special mark",
        "Cardinal Mark N",
        "Cardinal Mark E",
        "Cardinal Mark S",
        "Cardinal Mark W",
        "Port hand Mark",
        "Starboard hand Mark",
        "Preferred Channel Port hand",
        "Preferred Channel Starboard hand",
        "Isolated danger",
        "Safe Water",
        "Special Mark",
        "Light Vessel / LANBY / Rigs",
    ];
    T.get(t as usize).copied().unwrap_or("INVALID NAVAID TYPE")
}

/// Meaning of a type 23 station type code.
pub fn station_type_text(t: u8) -> &'static str {
    match t {
        0 => "All types of mobiles",
        1 => "Reserved for future use",
        2 => "All types of Class B mobile stations",
        3 => "SAR airborne mobile station",
        4 => "Aid to Navigation station",
        5 => "Class B shipborne mobile station",
        6..=9 => "Regional use and inland waterways",
        _ => "Reserved for future use",
    }
}

/// Meaning of an inland (ERI) ship type code (DAC 200 FI 10).
pub fn inland_ship_type_text(code: u16) -> &'static str {
    match code {
        8000 => "Vessel, type unknown",
        8010 => "Motor freighter",
        8020 => "Motor tanker",
        8021 => "Motor tanker, liquid cargo, type N",
        8022 => "Motor tanker, liquid cargo, type C",
        8023 => "Motor tanker, dry cargo as if liquid (e.g. cement)",
        8030 => "Container vessel",
        8040 => "Gas tanker",
        8050 => "Motor freighter, tug",
        8060 => "Motor tanker, tug",
        8070 => "Motor freighter with one or more ships alongside",
        8080 => "Motor freighter with tanker",
        8090 => "Motor freighter pushing one or more freighters",
        8100 => "Motor freighter pushing at least one tank-ship",
        8110 => "Tug, freighter",
        8120 => "Tug, tanker",
        8130 => "Tug freighter, coupled",
        8140 => "Tug, freighter/tanker, coupled",
        8150 => "Freightbarge",
        8160 => "Tankbarge",
        8161 => "Tankbarge, liquid cargo, type N",
        8162 => "Tankbarge, liquid cargo, type C",
        8163 => "Tankbarge, dry cargo as if liquid (e.g. cement)",
        8170 => "Freightbarge with containers",
        8180 => "Tankbarge, gas",
        8210 => "Pushtow, one cargo barge",
        8220 => "Pushtow, two cargo barges",
        8230 => "Pushtow, three cargo barges",
        8240 => "Pushtow, four cargo barges",
        8250 => "Pushtow, five cargo barges",
        8260 => "Pushtow, six cargo barges",
        8270 => "Pushtow, seven cargo barges",
        8280 => "Pushtow, eight cargo barges",
        8290 => "Pushtow, nine or more barges",
        8310 => "Pushtow, one tank/gas barge",
        8320 => "Pushtow, two barges at least one tanker or gas barge",
        8330 => "Pushtow, three barges at least one tanker or gas barge",
        8340 => "Pushtow, four barges at least one tanker or gas barge",
        8350 => "Pushtow, five barges at least one tanker or gas barge",
        8360 => "Pushtow, six barges at least one tanker or gas barge",
        8370 => "Pushtow, seven barges at least one tanker or gas barge",
        8380 => "Pushtow, eight barges at least one tanker or gas barge",
        8390 => "Pushtow, nine or more barges at least one tanker or gas barge",
        8400 => "Tug, single",
        8410 => "Tug, one or more tows",
        8420 => "Tug, assisting a vessel or linked combination",
        8430 => "Pushboat, single",
        8440 => "Passenger ship, ferry, cruise ship, red cross ship",
        8441 => "Ferry",
        8442 => "Red cross ship",
        8443 => "Cruise ship",
        8444 => "Passenger ship without accommodation",
        8450 => "Service vessel, police patrol, port service",
        8460 => "Vessel, work maintenance craft, floating derrick, cable-ship, buoy-ship, dredge",
        8470 => "Object, towed, not otherwise specified",
        8480 => "Fishing boat",
        8490 => "Bunkership",
        8500 => "Barge, tanker, chemical",
        8510 => "Object, not otherwise specified",
        1500 => "General cargo Vessel maritime",
        1510 => "Unit carrier maritime",
        1520 => "Bulk carrier maritime",
        1530 => "Tanker",
        1540 => "Liquified gas tanker",
        1850 => "Pleasure craft, longer than 20 metres",
        1900 => "Fast ship",
        1910 => "Hydrofoil",
        1920 => "Catamaran fast",
        _ => "Unknown",
    }
}

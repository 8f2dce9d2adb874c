//! Binary applications carried by messages 6 and 8 and decoded field by
//! field: meteorological and hydrographic data (DAC 1 FI 31 and FI 11),
//! inland static data (DAC 200 FI 10) and AtoN monitoring (DAC 235/250
//! FI 10) here; the other international applications (DAC 1) in `imo`,
//! the other inland ones (DAC 200) in `inland`. Which DAC/FI goes where,
//! and the length checks, live in `binary.rs`.

mod imo;
mod inland;

pub use imo::{
    BerthingData, CargoCode, ClearanceTime, DangerousCargo, DangerousCargoCodes,
    ExtendedShipStatic, FairwayClosed, MarineTrafficSignal, MonthDayTime, PersonsOnBoard,
    RouteInfo, TargetId, TextDescription, Tidal, TidalWindow, TidalWindowEdition, VtsTarget,
    VtsTargets,
};
pub use inland::{
    EmmaWarning, Gauge, InlandEta, InlandLocation, InlandPersons, InlandRta, SignalStatus,
    WaterLevels,
};

use crate::bits::Bits;
use crate::text::Text;

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

    pub(super) fn decode_fi31(b: &Bits, at: usize) -> MetHydro {
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

    pub(super) fn decode_fi11(b: &Bits, at: usize) -> MetHydro {
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
    /// ERI ship type code (see [`inland_ship_type_text`](crate::inland_ship_type_text)).
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
    pub(super) fn decode(b: &Bits, at: usize) -> InlandStatic {
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
    pub(super) fn decode(b: &Bits, at: usize) -> AtonMonitoring {
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

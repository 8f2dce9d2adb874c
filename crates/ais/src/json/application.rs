//! gpsd JSON of the binary applications of messages 6 and 8: gpsd 3.27's
//! field names, order, formats and `*_text` tables (gpsd's
//! `json_aivdm_dump`), with these deliberate differences:
//! - DAC 1 FI 19: gpsd omits the comma between `nextsignal` and
//!   `nextsignal_text` (its report is not valid JSON); ours has it.
//! - DAC 200 FI 23: gpsd writes the start as year-month-hour, minute:day
//!   (arguments out of order); ours is year-month-day, hour:minute.
//! - DAC 1 FI 14 positions are scaled as 1/10 000 minute (IMO SN/Circ.236),
//!   not 1/1000 as gpsd does, and written with 7 decimals.
//!
//! gpsd's own quirks that a reader may rely on are kept: DAC 1 FI 19
//! writes degrees in the unscaled form too, DAC 1 FI 17 writes an MMSI or
//! IMO number as a string under a key named after the identifier type,
//! and DAC 200 FI 23 writes `type` and `class` a second time (the warning
//! type and intensity; a reader that keeps the last of duplicate keys
//! sees those, as with gpsd).

use super::{push2, W};
use crate::messages::*;

const ROUTE_TYPES: [&str; 6] = [
    "Undefined (default)",
    "Mandatory",
    "Recommended",
    "Alternative",
    "Recommended route through ice",
    "Ship route plan",
];

const SIGNALS: [&str; 15] = [
    "N/A",
    "Serious emergency - stop or divert according to instructions.",
    "Vessels shall not proceed.",
    "Vessels may proceed. One way traffic.",
    "Vessels may proceed. Two way traffic.",
    "Vessels shall proceed on specific orders only.",
    "Vessels in main channel shall not proceed.",
    "Vessels in main channel shall proceed on specific orders only.",
    "Vessels in main channel shall proceed on specific orders only.",
    "I = \"in-bound\" only acceptable.",
    "O = \"out-bound\" only acceptable.",
    "F = both \"in- and out-bound\" acceptable.",
    "XI = Code will shift to \"I\" in due time.",
    "XO = Code will shift to \"O\" in due time.",
    "X = Vessels shall proceed only on direction.",
];

const MOORING_POSITIONS: [&str; 8] = [
    "Not available",
    "Port-side to",
    "Starboard-side to",
    "Mediterranean (end-on) mooring",
    "Mooring buoy",
    "Anchorage",
    "Reserved for future use",
    "Reserved for future use",
];

const ID_TYPES: [&str; 4] = ["mmsi", "imo", "callsign", "other"];

const RTA_STATUS: [&str; 4] = ["Operational", "Limited operation", "Out of order", "N/A"];

const EMMA_TYPES: [&str; 10] = [
    "Not Available",
    "Wind",
    "Rain",
    "Snow and ice",
    "Thunderstorm",
    "Fog",
    "Low temperature",
    "High temperature",
    "Flood",
    "Forest Fire",
];

const EMMA_CLASSES: [&str; 3] = ["Slight", "Medium", "Strong"];

const EMMA_WINDS: [&str; 9] = [
    "N/A",
    "North",
    "North East",
    "East",
    "South East",
    "South",
    "South West",
    "West",
    "North West",
];

const DIRECTIONS: [&str; 5] = [
    "Unknown",
    "Upstream",
    "Downstream",
    "To left bank",
    "To right bank",
];

const LIGHT_STATUS: [&str; 8] = [
    "Unknown",
    "No light",
    "White",
    "Yellow",
    "Green",
    "Red",
    "White flashing",
    "Yellow flashing.",
];

/// Entry `i` of a gpsd legend table, or gpsd's text for a value past it.
fn legend(table: &[&'static str], i: impl Into<u32>, past: &'static str) -> &'static str {
    table.get(i.into() as usize).copied().unwrap_or(past)
}

fn route_type_text(t: u8) -> &'static str {
    match t {
        31 => "Cancel route identified by message linkage",
        _ => legend(&ROUTE_TYPES, t, "Reserved for future use."),
    }
}

/// 1/1000 minute in degrees.
const DIV3: f64 = 60_000.0;
/// 1/10 000 minute in degrees.
const DIV4: f64 = 600_000.0;

impl W<'_> {
    pub(super) fn application(&mut self, app: &Application) {
        use Application as A;
        match app {
            A::Raw(d) => self.data(k!("data"), d),
            A::InlandStatic(i) => self.inland_static(i),
            A::AtonMonitoring(a) => self.aton_monitoring(a),
            A::MetHydro(m) => self.met_hydro(m),
            A::DangerousCargo(d) => self.dangerous_cargo(d),
            A::TidalWindow(t) => self.tidal_window(t),
            A::ExtendedShipStatic(e) => self.uint(k!("airdraught"), e.airdraught_dm as u64),
            A::PersonsOnBoard(p) => self.uint(k!("persons"), p.persons as u64),
            A::ClearanceTime(c) => {
                self.uint(k!("linkage"), c.linkage as u64);
                self.month_day_time(k!("arrival"), &c.arrival, true, true);
                self.key(k!("portname"));
                self.string(c.portname.as_str());
                self.key(k!("destination"));
                self.string(c.destination.as_str());
                self.angle(k!("lon"), c.lon_1e3_min, DIV3, 6);
                self.angle(k!("lat"), c.lat_1e3_min, DIV3, 6);
            }
            A::BerthingData(d) => self.berthing(d),
            A::DangerousCargoCodes(d) => {
                self.uint(k!("unit"), d.unit as u64);
                self.uint(k!("amount"), d.amount as u64);
                self.key(k!("cargos"));
                self.o.push(b'[');
                for (i, c) in d.cargos.iter().enumerate() {
                    self.o.extend_from_slice(if i == 0 { b"{" } else { b",{" });
                    self.o.extend_from_slice(b"\"code\":");
                    self.num(c.code as u64);
                    self.uint(k!("subtype"), c.subtype as u64);
                    self.o.push(b'}');
                }
                self.o.push(b']');
            }
            A::RouteInfo(r) => self.route(r),
            A::TextDescription(t) => {
                self.uint(k!("linkage"), t.linkage as u64);
                self.key(k!("text"));
                self.string(t.text.as_str());
            }
            A::FairwayClosed(f) => {
                self.key(k!("reason"));
                self.string(f.reason.as_str());
                self.key(k!("closefrom"));
                self.string(f.closefrom.as_str());
                self.key(k!("closeto"));
                self.string(f.closeto.as_str());
                self.uint(k!("radius"), f.radius as u64);
                self.uint(k!("extunit"), f.extunit as u64);
                self.month_day_time(k!("from"), &f.from, true, false);
                self.month_day_time(k!("to"), &f.to, true, false);
            }
            A::VtsTargets(v) => self.vts_targets(v),
            A::MarineTrafficSignal(m) => {
                self.uint(k!("linkage"), m.linkage as u64);
                self.key(k!("station"));
                self.string(m.station.as_str());
                // Degrees in both forms, as gpsd writes them.
                self.fixed(k!("lon"), m.lon_1e3_min as f64 / DIV3, 6);
                self.fixed(k!("lat"), m.lat_1e3_min as f64 / DIV3, 6);
                self.uint(k!("status"), m.status as u64);
                self.uint(k!("signal"), m.signal as u64);
                self.key(k!("signal_text"));
                self.string(legend(&SIGNALS, m.signal, "INVALID SIGNAL TYPE"));
                self.uint(k!("hour"), m.hour as u64);
                self.uint(k!("minute"), m.minute as u64);
                self.uint(k!("nextsignal"), m.nextsignal as u64);
                self.key(k!("nextsignal_text"));
                self.string(legend(&SIGNALS, m.nextsignal, "INVALID SIGNAL TYPE"));
            }
            A::InlandEta(e) => {
                self.inland_location(&e.location);
                self.month_day_time(k!("eta"), &e.eta, false, false);
                self.uint(k!("tugs"), e.tugs as u64);
                self.uint(k!("airdraught"), e.airdraught_cm as u64);
            }
            A::InlandRta(r) => {
                self.inland_location(&r.location);
                self.month_day_time(k!("eta"), &r.rta, false, false);
                self.uint(k!("status"), r.status as u64);
                self.key(k!("status_text"));
                self.string(RTA_STATUS[r.status as usize & 3]);
            }
            A::InlandPersons(p) => {
                self.uint(k!("crew"), p.crew as u64);
                self.uint(k!("passengers"), p.passengers as u64);
                self.uint(k!("personnel"), p.personnel as u64);
            }
            A::EmmaWarning(e) => self.emma(e),
            A::WaterLevels(w) => {
                self.key(k!("country"));
                self.string(w.country.as_str());
                self.key(k!("gauges"));
                self.o.push(b'[');
                for (i, g) in w.gauges.iter().enumerate() {
                    self.o.extend_from_slice(if i == 0 { b"{" } else { b",{" });
                    self.o.extend_from_slice(b"\"id\":");
                    self.num(g.id as u64);
                    self.int(k!("level"), g.level_cm as i64);
                    self.o.push(b'}');
                }
                self.o.push(b']');
            }
            A::SignalStatus(s) => {
                self.angle(k!("lon"), s.lon, DIV4, 7);
                self.angle(k!("lat"), s.lat, DIV4, 7);
                self.uint(k!("form"), s.form as u64);
                self.uint(k!("facing"), s.facing as u64);
                self.uint(k!("direction"), s.direction as u64);
                self.key(k!("direction_text"));
                self.string(legend(&DIRECTIONS, s.direction, "INVALID DIRECTION"));
                self.uint(k!("status"), s.status as u64);
                self.key(k!("status_text"));
                self.string(legend(&LIGHT_STATUS, s.status, "INVALID STATUS"));
            }
        }
    }

    /// A bare unsigned number (after a key written by hand).
    fn num(&mut self, v: u64) {
        let mut b = itoa::Buffer::new();
        self.o.extend_from_slice(b.format(v).as_bytes());
    }

    /// A position component: degrees with `dec` decimals when scaled, the
    /// raw integer otherwise.
    fn angle(&mut self, k: &[u8], raw: i32, div: f64, dec: u32) {
        if self.scaled {
            self.fixed(k, raw as f64 / div, dec);
        } else {
            self.int(k, raw as i64);
        }
    }

    /// `"MM-DDTHH:MM"` (`padded`, with a `Z` when `zulu`) or gpsd's
    /// unpadded `"M-DTH:M"`.
    fn month_day_time(&mut self, k: &[u8], t: &MonthDayTime, padded: bool, zulu: bool) {
        self.key(k);
        self.o.push(b'"');
        let parts = [t.month, t.day, t.hour, t.minute];
        for (i, (v, sep)) in parts.iter().zip(["", "-", "T", ":"]).enumerate() {
            if i > 0 {
                self.o.extend_from_slice(sep.as_bytes());
            }
            if padded {
                push2(self.o, *v as u32);
            } else {
                self.num(*v as u64);
            }
        }
        if zulu {
            self.o.push(b'Z');
        }
        self.o.push(b'"');
    }

    fn inland_static(&mut self, i: &InlandStatic) {
        self.key(k!("vin"));
        self.string(i.vin.as_str());
        self.uint(k!("length"), i.length_dm as u64);
        self.uint(k!("beam"), i.beam_dm as u64);
        self.uint(k!("shiptype"), i.shiptype as u64);
        self.key(k!("shiptype_text"));
        self.string(inland_ship_type_text(i.shiptype));
        self.uint(k!("hazard"), i.hazard as u64);
        self.key(k!("hazard_text"));
        self.string(
            [
                "0 blue cones/lights",
                "1 blue cone/light",
                "2 blue cones/lights",
                "3 blue cones/lights",
                "4 B-Flag",
                "Unknown",
            ]
            .get(i.hazard as usize)
            .copied()
            .unwrap_or("Unknown"),
        );
        self.uint(k!("draught"), i.draught_cm as u64);
        self.uint(k!("loaded"), i.loaded as u64);
        self.key(k!("loaded_text"));
        self.string(
            ["N/A", "Unloaded", "Loaded", "Unknown"]
                .get(i.loaded as usize)
                .copied()
                .unwrap_or("N/A"),
        );
        self.boolean(k!("speed_q"), i.speed_q);
        self.boolean(k!("course_q"), i.course_q);
        self.boolean(k!("heading_q"), i.heading_q);
    }

    fn aton_monitoring(&mut self, a: &AtonMonitoring) {
        self.boolean(k!("off_pos"), a.off_pos);
        self.boolean(k!("alarm"), a.alarm);
        self.uint(k!("stat_ext"), a.stat_ext as u64);
        for (k, v) in [
            (k!("ana_int"), a.ana_int),
            (k!("ana_ext1"), a.ana_ext1),
            (k!("ana_ext2"), a.ana_ext2),
        ] {
            if self.scaled && v != 0 {
                self.fixed(k, v as f64 * 0.05, 2);
            } else {
                self.uint(k, v as u64);
            }
        }
        self.uint(k!("racon"), a.racon as u64);
        self.key(k!("racon_text"));
        self.string(
            [
                "No RACON installed",
                "RACON not monitored",
                "RACON operational",
                "RACON ERROR",
            ][a.racon as usize & 3],
        );
        self.uint(k!("light"), a.light as u64);
        self.key(k!("light_text"));
        self.string(
            [
                "No light or no monitoring",
                "Light ON",
                "Light OFF",
                "Light ERROR",
            ][a.light as usize & 3],
        );
    }

    fn dangerous_cargo(&mut self, d: &DangerousCargo) {
        self.key(k!("lastport"));
        self.string(d.lastport.as_str());
        self.month_day_time(k!("departure"), &d.departure, true, true);
        self.key(k!("nextport"));
        self.string(d.nextport.as_str());
        self.month_day_time(k!("eta"), &d.eta, true, true);
        self.key(k!("dangerous"));
        self.string(d.dangerous.as_str());
        self.key(k!("imdcat"));
        self.string(d.imdcat.as_str());
        self.uint(k!("unid"), d.unid as u64);
        self.uint(k!("amount"), d.amount as u64);
        self.uint(k!("unit"), d.unit as u64);
    }

    fn tidal_window(&mut self, t: &TidalWindow) {
        let (div, dec) = match t.edition {
            TidalWindowEdition::Fi14 => (DIV4, 7),
            TidalWindowEdition::Fi32 => (DIV3, 6),
        };
        self.uint(k!("month"), t.month as u64);
        self.uint(k!("day"), t.day as u64);
        self.key(k!("tidals"));
        self.o.push(b'[');
        for (i, w) in t.tidals.iter().enumerate() {
            if i > 0 {
                self.o.push(b',');
            }
            // The first key of an object has no leading comma.
            self.o.extend_from_slice(b"{\"lon\":");
            if self.scaled {
                super::push_fixed(self.o, w.lon as f64 / div, dec);
            } else {
                let mut b = itoa::Buffer::new();
                self.o.extend_from_slice(b.format(w.lon).as_bytes());
            }
            self.angle(k!("lat"), w.lat, div, dec);
            self.uint(k!("from_hour"), w.from_hour as u64);
            self.uint(k!("from_min"), w.from_min as u64);
            self.uint(k!("to_hour"), w.to_hour as u64);
            self.uint(k!("to_min"), w.to_min as u64);
            self.uint(k!("cdir"), w.cdir as u64);
            if self.scaled {
                self.fixed(k!("cspeed"), w.cspeed_dkn as f64 / 10.0, 1);
            } else {
                self.uint(k!("cspeed"), w.cspeed_dkn as u64);
            }
            self.o.push(b'}');
        }
        self.o.push(b']');
    }

    fn berthing(&mut self, d: &BerthingData) {
        self.uint(k!("linkage"), d.linkage as u64);
        self.uint(k!("berth_length"), d.berth_length_m as u64);
        self.uint(k!("position"), d.position as u64);
        self.key(k!("position_text"));
        self.string(MOORING_POSITIONS[d.position as usize & 7]);
        self.month_day_time(k!("arrival"), &d.arrival, false, false);
        self.uint(k!("availability"), d.availability as u64);
        for (name, v) in BerthingData::SERVICES.iter().zip(d.services) {
            self.o.extend_from_slice(b",\"");
            self.o.extend_from_slice(name.as_bytes());
            self.o.extend_from_slice(b"\":");
            self.num(v as u64);
        }
        self.key(k!("berth_name"));
        self.string(d.berth_name.as_str());
        self.angle(k!("berth_lon"), d.berth_lon_1e3_min, DIV3, 6);
        self.angle(k!("berth_lat"), d.berth_lat_1e3_min, DIV3, 6);
        if self.scaled {
            self.fixed(k!("berth_depth"), d.berth_depth_dm as f64 * 0.1, 1);
        } else {
            self.uint(k!("berth_depth"), d.berth_depth_dm as u64);
        }
    }

    fn route(&mut self, r: &RouteInfo) {
        self.uint(k!("linkage"), r.linkage as u64);
        self.uint(k!("sender"), r.sender as u64);
        self.uint(k!("rtype"), r.rtype as u64);
        self.key(k!("rtype_text"));
        self.string(route_type_text(r.rtype));
        self.month_day_time(k!("start"), &r.start, true, true);
        self.uint(k!("duration"), r.duration_min as u64);
        self.key(k!("waypoints"));
        self.o.push(b'[');
        for (i, &(lon, lat)) in r.waypoints.iter().enumerate() {
            if i > 0 {
                self.o.push(b',');
            }
            self.o.extend_from_slice(b"{\"lon\":");
            if self.scaled {
                super::push_fixed(self.o, lon as f64 / DIV4, 7);
            } else {
                let mut b = itoa::Buffer::new();
                self.o.extend_from_slice(b.format(lon).as_bytes());
            }
            self.angle(k!("lat"), lat, DIV4, 7);
            self.o.push(b'}');
        }
        self.o.push(b']');
    }

    fn vts_targets(&mut self, v: &VtsTargets) {
        self.key(k!("targets"));
        self.o.push(b'[');
        for (i, t) in v.targets.iter().enumerate() {
            if i > 0 {
                self.o.push(b',');
            }
            let idtype = t.id.idtype();
            self.o.extend_from_slice(b"{\"idtype\":");
            self.num(idtype as u64);
            self.key(k!("idtype_text"));
            self.string(ID_TYPES[idtype as usize]);
            self.o.extend_from_slice(b",\"");
            self.o
                .extend_from_slice(ID_TYPES[idtype as usize].as_bytes());
            self.o.extend_from_slice(b"\":");
            match &t.id {
                TargetId::Mmsi(n) | TargetId::Imo(n) => {
                    self.o.push(b'"');
                    self.num(*n);
                    self.o.push(b'"');
                }
                TargetId::Callsign(s) | TargetId::Other(s) => self.string(s.as_str()),
            }
            self.angle(k!("lat"), t.lat_1e3_min, DIV3, 6);
            self.angle(k!("lon"), t.lon_1e3_min, DIV3, 6);
            self.uint(k!("course"), t.course as u64);
            self.uint(k!("second"), t.second as u64);
            self.uint(k!("speed"), t.speed as u64);
            self.o.push(b'}');
        }
        self.o.push(b']');
    }

    fn inland_location(&mut self, l: &InlandLocation) {
        self.key(k!("country"));
        self.string(l.country.as_str());
        self.key(k!("locode"));
        self.string(l.locode.as_str());
        self.key(k!("section"));
        self.string(l.section.as_str());
        self.key(k!("terminal"));
        self.string(l.terminal.as_str());
        self.key(k!("hectometre"));
        self.string(l.hectometre.as_str());
    }

    fn emma(&mut self, e: &EmmaWarning) {
        let date = |w: &mut Self, k: &[u8], y: u8, mo: u8, d: u8, h: u8, mi: u8| {
            w.key(k);
            w.o.push(b'"');
            w.num(y as u64 + 2000);
            w.o.push(b'-');
            push2(w.o, mo as u32);
            w.o.push(b'-');
            push2(w.o, d as u32);
            w.o.push(b'T');
            push2(w.o, h as u32);
            w.o.push(b':');
            push2(w.o, mi as u32);
            w.o.push(b'"');
        };
        date(
            self,
            k!("start"),
            e.start_year,
            e.start_month,
            e.start_day,
            e.start_hour,
            e.start_minute,
        );
        date(
            self,
            k!("end"),
            e.end_year,
            e.end_month,
            e.end_day,
            e.end_hour,
            e.end_minute,
        );
        self.angle(k!("start_lon"), e.start_lon, DIV4, 7);
        self.angle(k!("start_lat"), e.start_lat, DIV4, 7);
        self.angle(k!("end_lon"), e.end_lon, DIV4, 7);
        self.angle(k!("end_lat"), e.end_lat, DIV4, 7);
        self.uint(k!("type"), e.kind as u64);
        self.key(k!("type_text"));
        self.string(legend(&EMMA_TYPES, e.kind, "INVALID EMMA TYPE"));
        self.int(k!("min"), e.min as i64);
        self.int(k!("max"), e.max as i64);
        self.uint(k!("class"), e.intensity as u64);
        self.key(k!("class_text"));
        self.string(legend(&EMMA_CLASSES, e.intensity, "INVALID EMMA TYPE"));
        self.uint(k!("wind"), e.wind as u64);
        self.key(k!("wind_text"));
        self.string(legend(&EMMA_WINDS, e.wind, "INVALID EMMA WIND DIRECTION"));
    }
}

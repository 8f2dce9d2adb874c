//! gpsd-compatible AIS JSON (the `class":"AIS"` reports of `gpsdecode -j`
//! and `gpsdecode -u -j`).
//!
//! Field names, order and scaling follow gpsd 3.27, so that any tool that
//! reads gpsd's AIS JSON reads ours. Like gpsd, "not available" values are
//! written as the standard's sentinel (`"heading":511`, `"lat":91.0`,
//! `"speed":102.3`), never omitted: a reader keyed on gpsd's output keeps
//! working. Differences, all additive:
//! - type 24 parts A and B are written as they arrive, each with a
//!   `"partno"` field (gpsd holds part A back and writes one merged report);
//! - `"time"` (ISO 8601 UTC) when the input carried a receive time, and
//!   `"station"` when a tag block named the receiving station.
//!
//! The writer appends to a `Vec<u8>` and never allocates otherwise.

use finisterra_nmea::{format_iso8601, Timestamp};

use crate::bits::BitData;
use crate::messages::*;

/// Where a message came from, for the extra fields of the JSON report.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonContext<'a> {
    /// gpsd's `device` field (the input's name, e.g. `stdin`); omitted
    /// when empty.
    pub device: &'a str,
    /// Receive time carried by the data.
    pub time: Option<Timestamp>,
    /// Receiving station (tag block `s:`).
    pub station: Option<&'a str>,
}

/// Appends one gpsd JSON report (without a line ending) to `out`.
/// `scaled` selects gpsd's scaled form (`-j`) or raw integers (`-u -j`).
pub fn write_gpsd_json(out: &mut Vec<u8>, msg: &AisMessage, ctx: &JsonContext<'_>, scaled: bool) {
    let mut w = W { o: out, scaled };
    w.o.extend_from_slice(b"{\"class\":\"AIS\"");
    if !ctx.device.is_empty() {
        w.key("device");
        w.string(ctx.device);
    }
    w.uint("type", msg.msg_type as u64);
    w.uint("repeat", msg.repeat as u64);
    w.uint("mmsi", msg.mmsi as u64);
    w.boolean("scaled", scaled);
    match &msg.body {
        Body::Position(p) => w.position(p),
        Body::BaseStation(b) => w.base_station(b),
        Body::StaticVoyage(s) => w.static_voyage(s),
        Body::AddressedBinary(m) => {
            w.uint("seqno", m.seqno as u64);
            w.uint("dest_mmsi", m.dest_mmsi as u64);
            w.boolean("retransmit", m.retransmit);
            w.uint("dac", m.dac as u64);
            w.uint("fid", m.fid as u64);
            w.application(&m.app);
        }
        Body::Acknowledge(a) => {
            for i in 0..4 {
                let v = if i < a.count as usize { a.mmsi[i] } else { 0 };
                w.uint(["mmsi1", "mmsi2", "mmsi3", "mmsi4"][i], v as u64);
            }
        }
        Body::BroadcastBinary(m) => {
            w.uint("dac", m.dac as u64);
            w.uint("fid", m.fid as u64);
            w.application(&m.app);
        }
        Body::SarAircraft(s) => w.sar(s),
        Body::UtcInquiry(u) => w.uint("dest_mmsi", u.dest_mmsi as u64),
        Body::AddressedSafety(s) => {
            w.uint("seqno", s.seqno as u64);
            w.uint("dest_mmsi", s.dest_mmsi as u64);
            w.boolean("retransmit", s.retransmit);
            w.key("text");
            w.string(&s.text);
        }
        Body::SafetyBroadcast(s) => {
            w.key("text");
            w.string(&s.text);
        }
        Body::Interrogation(q) => {
            w.uint("mmsi1", q.mmsi1 as u64);
            w.uint("type1_1", q.type1_1 as u64);
            w.uint("offset1_1", q.offset1_1 as u64);
            // gpsd writes the parts a short message lacks as zeros.
            let (t12, o12) = q.request1_2.unwrap_or((0, 0));
            let (m2, t21, o21) = q.station2.unwrap_or((0, 0, 0));
            w.uint("type1_2", t12 as u64);
            w.uint("offset1_2", o12 as u64);
            w.uint("mmsi2", m2 as u64);
            w.uint("type2_1", t21 as u64);
            w.uint("offset2_1", o21 as u64);
        }
        Body::AssignedMode(a) => {
            w.uint("mmsi1", a.mmsi1 as u64);
            w.uint("offset1", a.offset1 as u64);
            w.uint("increment1", a.increment1 as u64);
            let (m2, o2, i2) = a.second.unwrap_or((0, 0, 0));
            w.uint("mmsi2", m2 as u64);
            w.uint("offset2", o2 as u64);
            w.uint("increment2", i2 as u64);
        }
        Body::Dgnss(d) => {
            if w.scaled {
                w.fixed("lon", d.lon_deg.unwrap_or(181.0), 1);
                w.fixed("lat", d.lat_deg.unwrap_or(91.0), 1);
            } else {
                w.int("lon", raw_1e1(d.lon_deg, LON_NA_1E1));
                w.int("lat", raw_1e1(d.lat_deg, LAT_NA_1E1));
            }
            w.data("data", &d.data);
        }
        Body::ClassBPosition(p) => w.class_b(p),
        Body::ClassBExtended(p) => w.class_b_extended(p),
        Body::DataLinkManagement(d) => {
            const K: [[&str; 4]; 4] = [
                ["offset1", "number1", "timeout1", "increment1"],
                ["offset2", "number2", "timeout2", "increment2"],
                ["offset3", "number3", "timeout3", "increment3"],
                ["offset4", "number4", "timeout4", "increment4"],
            ];
            for (i, k) in K.iter().enumerate() {
                let r = if i < d.count as usize {
                    d.reservations[i]
                } else {
                    SlotReservation::default()
                };
                w.uint(k[0], r.offset as u64);
                w.uint(k[1], r.number as u64);
                w.uint(k[2], r.timeout as u64);
                w.uint(k[3], r.increment as u64);
            }
        }
        Body::AidToNavigation(a) => w.aton(a),
        Body::ChannelManagement(c) => {
            w.uint("channel_a", c.channel_a as u64);
            w.uint("channel_b", c.channel_b as u64);
            w.uint("txrx", c.txrx as u64);
            w.boolean("power", c.power);
            match c.area {
                ChannelArea::Area {
                    ne_lon_deg,
                    ne_lat_deg,
                    sw_lon_deg,
                    sw_lat_deg,
                } => w.corners(ne_lon_deg, ne_lat_deg, sw_lon_deg, sw_lat_deg),
                ChannelArea::Addressed { dest1, dest2 } => {
                    w.uint("dest1", dest1 as u64);
                    w.uint("dest2", dest2 as u64);
                }
            }
            w.boolean("addressed", matches!(c.area, ChannelArea::Addressed { .. }));
            w.boolean("band_a", c.band_a);
            w.boolean("band_b", c.band_b);
            w.uint("zonesize", c.zonesize as u64);
        }
        Body::GroupAssignment(g) => {
            w.corners(g.ne_lon_deg, g.ne_lat_deg, g.sw_lon_deg, g.sw_lat_deg);
            w.uint("stationtype", g.station_type as u64);
            w.key("stationtype_text");
            w.string(station_type_text(g.station_type));
            w.uint("shiptype", g.ship_type as u64);
            w.key("shiptype_text");
            w.string(ship_type_text(g.ship_type));
            w.uint("interval", g.interval as u64);
            w.uint("quiet", g.quiet as u64);
        }
        Body::StaticData(s) => w.static_data(msg.mmsi, s),
        Body::SlotBinary(s) => {
            w.boolean("addressed", s.addressed);
            w.boolean("structured", s.structured);
            w.uint("dest_mmsi", s.dest_mmsi.unwrap_or(0) as u64);
            w.uint("app_id", s.app_id.unwrap_or(0) as u64);
            w.data("data", &s.data);
            if let Some(r) = s.radio {
                w.uint("radio", r as u64);
            }
        }
        Body::LongRange(l) => {
            w.uint("status", l.status as u64);
            if w.scaled {
                w.key("status_text");
                w.string(nav_status_text(l.status));
            }
            w.boolean("accuracy", l.accuracy);
            if w.scaled {
                w.fixed("lon", l.lon_deg.unwrap_or(181.0), 4);
                w.fixed("lat", l.lat_deg.unwrap_or(91.0), 4);
            } else {
                w.int("lon", raw_1e1(l.lon_deg, LON_NA_1E1));
                w.int("lat", raw_1e1(l.lat_deg, LAT_NA_1E1));
            }
            w.uint("speed", l.sog_kn.map_or(63, |s| s as u64));
            w.uint("course", l.cog_deg.map_or(511, |c| c as u64));
            w.boolean("raim", l.raim);
            w.boolean("gnss", l.position_latency);
        }
    }
    if let Some(t) = ctx.time {
        w.key("time");
        w.o.push(b'"');
        format_iso8601(t, w.o);
        w.o.push(b'"');
    }
    if let Some(s) = ctx.station {
        w.key("station");
        w.string(s);
    }
    w.o.push(b'}');
}

#[inline]
fn raw_1e4(v: Option<f64>, na: i32) -> i64 {
    v.map_or(na as i64, |d| (d * 600_000.0).round() as i64)
}
#[inline]
fn raw_1e1(v: Option<f64>, na: i32) -> i64 {
    v.map_or(na as i64, |d| (d * 600.0).round() as i64)
}
#[inline]
fn raw_01(v: Option<f64>, na: u64) -> u64 {
    v.map_or(na, |d| (d * 10.0).round() as u64)
}

struct W<'o> {
    o: &'o mut Vec<u8>,
    scaled: bool,
}

impl W<'_> {
    #[inline]
    fn key(&mut self, k: &str) {
        self.o.extend_from_slice(b",\"");
        self.o.extend_from_slice(k.as_bytes());
        self.o.extend_from_slice(b"\":");
    }

    #[inline]
    fn uint(&mut self, k: &str, v: u64) {
        self.key(k);
        let mut b = itoa::Buffer::new();
        self.o.extend_from_slice(b.format(v).as_bytes());
    }

    #[inline]
    fn int(&mut self, k: &str, v: i64) {
        self.key(k);
        let mut b = itoa::Buffer::new();
        self.o.extend_from_slice(b.format(v).as_bytes());
    }

    #[inline]
    fn boolean(&mut self, k: &str, v: bool) {
        self.key(k);
        self.o.extend_from_slice(if v { b"true" } else { b"false" });
    }

    /// A number with exactly `dec` decimals (rounded half away from zero).
    #[inline]
    fn fixed(&mut self, k: &str, v: f64, dec: u32) {
        self.key(k);
        push_fixed(self.o, v, dec);
    }

    fn string(&mut self, s: &str) {
        self.o.push(b'"');
        for &c in s.as_bytes() {
            match c {
                b'"' => self.o.extend_from_slice(b"\\\""),
                b'\\' => self.o.extend_from_slice(b"\\\\"),
                0..=0x1f | 0x7f.. => {
                    self.o.extend_from_slice(b"\\u00");
                    self.o.push(HEX[(c >> 4) as usize]);
                    self.o.push(HEX[(c & 15) as usize]);
                }
                _ => self.o.push(c),
            }
        }
        self.o.push(b'"');
    }

    fn data(&mut self, k: &str, d: &BitData) {
        self.key(k);
        self.o.push(b'"');
        let mut b = itoa::Buffer::new();
        self.o.extend_from_slice(b.format(d.bits).as_bytes());
        self.o.push(b':');
        for &byte in &d.bytes {
            self.o.push(HEX_LOWER[(byte >> 4) as usize]);
            self.o.push(HEX_LOWER[(byte & 15) as usize]);
        }
        self.o.push(b'"');
    }

    fn lonlat_1e4(&mut self, lon: Option<f64>, lat: Option<f64>) {
        if self.scaled {
            self.fixed("lon", lon.unwrap_or(181.0), 7);
            self.fixed("lat", lat.unwrap_or(91.0), 7);
        } else {
            self.int("lon", raw_1e4(lon, LON_NA_1E4));
            self.int("lat", raw_1e4(lat, LAT_NA_1E4));
        }
    }

    fn speed_course(&mut self, sog: Option<f64>, cog: Option<f64>, which: u8) {
        // which: 0 = speed only, 1 = course only
        if which == 0 {
            if self.scaled {
                self.fixed("speed", sog.unwrap_or(102.3), 1);
            } else {
                self.uint("speed", raw_01(sog, 1023));
            }
        } else if self.scaled {
            self.fixed("course", cog.unwrap_or(360.0), 1);
        } else {
            self.uint("course", raw_01(cog, 3600));
        }
    }

    fn dims(&mut self, d: &Dimensions) {
        self.uint("to_bow", d.to_bow as u64);
        self.uint("to_stern", d.to_stern as u64);
        self.uint("to_port", d.to_port as u64);
        self.uint("to_starboard", d.to_starboard as u64);
    }

    fn epfd(&mut self, e: u8) {
        self.uint("epfd", e as u64);
        self.key("epfd_text");
        self.string(epfd_text(e));
    }

    fn shiptype(&mut self, t: u8) {
        self.uint("shiptype", t as u64);
        self.key("shiptype_text");
        self.string(ship_type_text(t));
    }

    fn position(&mut self, p: &PositionReport) {
        self.uint("status", p.status as u64);
        self.key("status_text");
        self.string(nav_status_text(p.status));
        if self.scaled {
            self.key("turn");
            match p.turn {
                None => self.o.extend_from_slice(b"\"n/a\""),
                Some(Turn::FastLeft) => self.o.extend_from_slice(b"\"fastleft\""),
                Some(Turn::FastRight) => self.o.extend_from_slice(b"\"fastright\""),
                Some(t) => {
                    self.o.push(b'"');
                    push_fixed(self.o, t.deg_per_min().unwrap_or(0.0), 2);
                    self.o.push(b'"');
                }
            }
        } else {
            self.int("turn", p.turn.map_or(-128, |t| t.raw() as i64));
        }
        self.speed_course(p.sog_kn, None, 0);
        self.boolean("accuracy", p.accuracy);
        self.lonlat_1e4(p.lon_deg, p.lat_deg);
        self.speed_course(None, p.cog_deg, 1);
        self.uint("heading", p.heading_deg.unwrap_or(511) as u64);
        self.uint("second", p.second as u64);
        self.uint("maneuver", p.maneuver as u64);
        self.boolean("raim", p.raim);
        self.uint("radio", p.radio as u64);
    }

    fn base_station(&mut self, b: &BaseStationReport) {
        self.key("timestamp");
        self.o.push(b'"');
        let mut ib = itoa::Buffer::new();
        let y = ib.format(b.year);
        for _ in y.len()..4 {
            self.o.push(b'0');
        }
        self.o.extend_from_slice(y.as_bytes());
        self.o.push(b'-');
        push2(self.o, b.month as u32);
        self.o.push(b'-');
        push2(self.o, b.day as u32);
        self.o.push(b'T');
        push2(self.o, b.hour as u32);
        self.o.push(b':');
        push2(self.o, b.minute as u32);
        self.o.push(b':');
        push2(self.o, b.second as u32);
        self.o.extend_from_slice(b"Z\"");
        self.boolean("accuracy", b.accuracy);
        self.lonlat_1e4(b.lon_deg, b.lat_deg);
        self.epfd(b.epfd);
        self.boolean("raim", b.raim);
        self.uint("radio", b.radio as u64);
    }

    fn static_voyage(&mut self, s: &StaticVoyage) {
        self.uint("imo", s.imo as u64);
        self.uint("ais_version", s.ais_version as u64);
        self.key("callsign");
        self.string(s.callsign.as_str());
        self.key("shipname");
        self.string(s.shipname.as_str());
        self.shiptype(s.shiptype);
        self.dims(&s.dimensions);
        self.epfd(s.epfd);
        self.key("eta");
        self.o.push(b'"');
        push2(self.o, s.eta_month as u32);
        self.o.push(b'-');
        push2(self.o, s.eta_day as u32);
        self.o.push(b'T');
        push2(self.o, s.eta_hour as u32);
        self.o.push(b':');
        push2(self.o, s.eta_minute as u32);
        self.o.extend_from_slice(b"Z\"");
        if self.scaled {
            self.fixed("draught", s.draught_m.unwrap_or(0.0), 1);
        } else {
            self.uint("draught", raw_01(s.draught_m, 0));
        }
        self.key("destination");
        self.string(s.destination.as_str());
        self.uint("dte", s.dte as u64);
    }

    fn sar(&mut self, s: &SarAircraftReport) {
        self.uint("alt", s.altitude_m.unwrap_or(4095) as u64);
        self.uint("speed", s.sog_kn.map_or(1023, |v| v as u64));
        self.boolean("accuracy", s.accuracy);
        self.lonlat_1e4(s.lon_deg, s.lat_deg);
        self.speed_course(None, s.cog_deg, 1);
        self.uint("second", s.second as u64);
        self.uint("regional", s.regional as u64);
        self.uint("dte", s.dte as u64);
        self.boolean("raim", s.raim);
        self.uint("radio", s.radio as u64);
    }

    fn class_b(&mut self, p: &ClassBPosition) {
        self.uint("reserved", p.reserved as u64);
        self.speed_course(p.sog_kn, None, 0);
        self.boolean("accuracy", p.accuracy);
        self.lonlat_1e4(p.lon_deg, p.lat_deg);
        self.speed_course(None, p.cog_deg, 1);
        self.uint("heading", p.heading_deg.unwrap_or(511) as u64);
        self.uint("second", p.second as u64);
        self.uint("regional", p.regional as u64);
        self.boolean("cs", p.cs);
        self.boolean("display", p.display);
        self.boolean("dsc", p.dsc);
        self.boolean("band", p.band);
        self.boolean("msg22", p.msg22);
        self.boolean("raim", p.raim);
        self.uint("radio", p.radio as u64);
    }

    fn class_b_extended(&mut self, p: &ClassBExtended) {
        self.uint("reserved", p.reserved as u64);
        self.speed_course(p.sog_kn, None, 0);
        self.boolean("accuracy", p.accuracy);
        self.lonlat_1e4(p.lon_deg, p.lat_deg);
        self.speed_course(None, p.cog_deg, 1);
        self.uint("heading", p.heading_deg.unwrap_or(511) as u64);
        self.uint("second", p.second as u64);
        self.uint("regional", p.regional as u64);
        self.key("shipname");
        self.string(p.shipname.as_str());
        self.shiptype(p.shiptype);
        self.dims(&p.dimensions);
        self.epfd(p.epfd);
        self.boolean("raim", p.raim);
        self.uint("dte", p.dte as u64);
        self.boolean("assigned", p.assigned);
    }

    fn aton(&mut self, a: &AidToNavigation) {
        self.uint("aid_type", a.aid_type as u64);
        self.key("aid_type_text");
        self.string(aid_type_text(a.aid_type));
        self.key("name");
        self.string(a.name.as_str());
        self.lonlat_1e4(a.lon_deg, a.lat_deg);
        self.boolean("accuracy", a.accuracy);
        self.dims(&a.dimensions);
        self.epfd(a.epfd);
        self.uint("second", a.second as u64);
        self.uint("regional", a.regional as u64);
        self.boolean("off_position", a.off_position);
        self.boolean("raim", a.raim);
        self.boolean("virtual_aid", a.virtual_aid);
    }

    fn corners(&mut self, ne_lon: f64, ne_lat: f64, sw_lon: f64, sw_lat: f64) {
        if self.scaled {
            // gpsd writes these four as strings with six decimals.
            for (k, v) in [
                ("ne_lon", ne_lon),
                ("ne_lat", ne_lat),
                ("sw_lon", sw_lon),
                ("sw_lat", sw_lat),
            ] {
                self.key(k);
                self.o.push(b'"');
                push_fixed(self.o, v, 6);
                self.o.push(b'"');
            }
        } else {
            self.int("ne_lon", (ne_lon * 600.0).round() as i64);
            self.int("ne_lat", (ne_lat * 600.0).round() as i64);
            self.int("sw_lon", (sw_lon * 600.0).round() as i64);
            self.int("sw_lat", (sw_lat * 600.0).round() as i64);
        }
    }

    fn static_data(&mut self, mmsi: u32, s: &StaticDataReport) {
        match s {
            StaticDataReport::PartA { shipname } => {
                self.uint("partno", 0);
                self.key("shipname");
                self.string(shipname.as_str());
            }
            StaticDataReport::PartB(b) => {
                self.uint("partno", 1);
                self.shiptype(b.shiptype);
                // gpsd's `vendorid` is the whole 42-bit vendor field as text
                // (manufacturer, model and serial); model and serial follow.
                self.key("vendorid");
                let mut full = [0u8; 7];
                let v = b.vendor_id.as_bytes();
                for (i, slot) in full.iter_mut().enumerate().take(3) {
                    *slot = v.get(i).copied().unwrap_or(b'@');
                }
                let tail: u32 = ((b.model as u32 & 0xF) << 20) | (b.serial & 0xF_FFFF);
                for i in 0..4 {
                    let six = ((tail >> (18 - 6 * i)) & 63) as u8;
                    full[3 + i] = if six < 32 { six + 64 } else { six };
                }
                // Text stops at the first '@', then trailing spaces go.
                let mut n = full.iter().position(|&c| c == b'@').unwrap_or(7);
                while n > 0 && full[n - 1] == b' ' {
                    n -= 1;
                }
                self.string(std::str::from_utf8(&full[..n]).unwrap_or(""));
                self.uint("model", b.model as u64);
                self.uint("serial", b.serial as u64);
                self.key("callsign");
                self.string(b.callsign.as_str());
                if let Some(m) = b.mothership_mmsi {
                    let _ = mmsi;
                    self.uint("mothership_mmsi", m as u64);
                } else {
                    self.dims(&b.dimensions);
                }
            }
        }
    }

    fn application(&mut self, app: &Application) {
        match app {
            Application::Raw(d) => self.data("data", d),
            Application::InlandStatic(i) => {
                self.key("vin");
                self.string(i.vin.as_str());
                self.uint("length", i.length_dm as u64);
                self.uint("beam", i.beam_dm as u64);
                self.uint("shiptype", i.shiptype as u64);
                self.key("shiptype_text");
                self.string(inland_ship_type_text(i.shiptype));
                self.uint("hazard", i.hazard as u64);
                self.key("hazard_text");
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
                self.uint("draught", i.draught_cm as u64);
                self.uint("loaded", i.loaded as u64);
                self.key("loaded_text");
                self.string(
                    ["N/A", "Unloaded", "Loaded", "Unknown"]
                        .get(i.loaded as usize)
                        .copied()
                        .unwrap_or("N/A"),
                );
                self.boolean("speed_q", i.speed_q);
                self.boolean("course_q", i.course_q);
                self.boolean("heading_q", i.heading_q);
            }
            Application::AtonMonitoring(a) => {
                self.boolean("off_pos", a.off_pos);
                self.boolean("alarm", a.alarm);
                self.uint("stat_ext", a.stat_ext as u64);
                for (k, v) in [
                    ("ana_int", a.ana_int),
                    ("ana_ext1", a.ana_ext1),
                    ("ana_ext2", a.ana_ext2),
                ] {
                    if self.scaled && v != 0 {
                        self.fixed(k, v as f64 * 0.05, 2);
                    } else {
                        self.uint(k, v as u64);
                    }
                }
                self.uint("racon", a.racon as u64);
                self.key("racon_text");
                self.string(
                    [
                        "No RACON installed",
                        "RACON not monitored",
                        "RACON operational",
                        "RACON ERROR",
                    ][a.racon as usize & 3],
                );
                self.uint("light", a.light as u64);
                self.key("light_text");
                self.string(
                    [
                        "No light or no monitoring",
                        "Light ON",
                        "Light OFF",
                        "Light ERROR",
                    ][a.light as usize & 3],
                );
            }
            Application::MetHydro(m) => self.met_hydro(m),
        }
    }

    fn met_hydro(&mut self, m: &MetHydro) {
        const TRENDS: [&str; 4] = ["steady", "increasing", "decreasing", "N/A"];
        const PRECIP: [&str; 8] = [
            "reserved",
            "rain",
            "thunderstorm",
            "freezing rain",
            "mixed/ice",
            "snow",
            "reserved",
            "N/A",
        ];
        const ICE: [&str; 4] = ["no", "yes", "reserved", "N/A"];
        let fi31 = m.edition == MetHydroEdition::Fi31;
        let s = self.scaled;
        if s {
            self.fixed("lat", m.lat_1e3_min as f64 / 60_000.0, 6);
            self.fixed("lon", m.lon_1e3_min as f64 / 60_000.0, 6);
        } else {
            self.int("lat", m.lat_1e3_min as i64);
            self.int("lon", m.lon_1e3_min as i64);
        }
        if fi31 {
            self.boolean("accuracy", m.accuracy);
        }
        self.key("timestamp");
        self.o.push(b'"');
        push2(self.o, m.day as u32);
        self.o.push(b'T');
        push2(self.o, m.hour as u32);
        self.o.push(b':');
        push2(self.o, m.minute as u32);
        self.o.extend_from_slice(b"Z\"");
        self.uint("wspeed", m.wspeed as u64);
        self.uint("wgust", m.wgust as u64);
        self.uint("wdir", m.wdir as u64);
        self.uint("wgustdir", m.wgustdir as u64);
        self.uint("humidity", m.humidity as u64);
        let tenth = |v: f64| v / 10.0;
        if s {
            if fi31 {
                self.fixed("airtemp", tenth(m.airtemp as f64), 1);
                self.fixed("dewpoint", tenth(m.dewpoint as f64), 1);
                self.uint("pressure", m.pressure as u64 + 799);
            } else {
                self.fixed("airtemp", tenth(m.airtemp as f64) - 60.0, 1);
                self.fixed("dewpoint", tenth(m.dewpoint as f64) - 20.0, 1);
                self.uint("pressure", m.pressure as u64 + 800);
            }
            self.key("pressuretend");
            self.string(TRENDS[m.pressuretend as usize & 3]);
        } else {
            self.int("airtemp", m.airtemp as i64);
            self.int("dewpoint", m.dewpoint as i64);
            self.uint("pressure", m.pressure as u64);
            self.uint("pressuretend", m.pressuretend as u64);
        }
        if fi31 {
            self.boolean("visgreater", m.visgreater);
        }
        if s {
            self.fixed("visibility", tenth(m.visibility as f64), 1);
            if fi31 {
                self.fixed("waterlevel", (m.waterlevel as f64 - 1000.0) / 100.0, 1);
            } else {
                self.fixed("waterlevel", tenth(m.waterlevel as f64) - 10.0, 1);
            }
            self.key("leveltrend");
            self.string(TRENDS[m.leveltrend as usize & 3]);
            self.fixed("cspeed", tenth(m.cspeed as f64), 1);
        } else {
            self.uint("visibility", m.visibility as u64);
            self.int("waterlevel", m.waterlevel as i64);
            self.uint("leveltrend", m.leveltrend as u64);
            self.uint("cspeed", m.cspeed as u64);
        }
        self.uint("cdir", m.cdir as u64);
        for (ks, kd, kp, sp, dir, depth) in [
            ("cspeed2", "cdir2", "cdepth2", m.cspeed2, m.cdir2, m.cdepth2),
            ("cspeed3", "cdir3", "cdepth3", m.cspeed3, m.cdir3, m.cdepth3),
        ] {
            if s {
                self.fixed(ks, tenth(sp as f64), 1);
            } else {
                self.uint(ks, sp as u64);
            }
            self.uint(kd, dir as u64);
            self.uint(kp, depth as u64);
        }
        for (kh, kp, kd, h, p, d) in [
            (
                "waveheight",
                "waveperiod",
                "wavedir",
                m.waveheight,
                m.waveperiod,
                m.wavedir,
            ),
            (
                "swellheight",
                "swellperiod",
                "swelldir",
                m.swellheight,
                m.swellperiod,
                m.swelldir,
            ),
        ] {
            if s {
                self.fixed(kh, tenth(h as f64), 1);
            } else {
                self.uint(kh, h as u64);
            }
            self.uint(kp, p as u64);
            self.uint(kd, d as u64);
        }
        self.uint("seastate", m.seastate as u64);
        if s {
            if fi31 {
                self.fixed("watertemp", tenth(m.watertemp as f64), 1);
                self.key("preciptype");
                self.string(PRECIP[m.preciptype as usize & 7]);
                self.fixed("salinity", tenth(m.salinity as f64), 1);
                self.key("ice");
                self.string(ICE[m.ice as usize & 3]);
                return;
            }
            self.fixed("watertemp", tenth(m.watertemp as f64) - 10.0, 1);
        } else {
            self.int("watertemp", m.watertemp as i64);
        }
        self.uint("preciptype", m.preciptype as u64);
        if !fi31 {
            self.key("preciptype_text");
            self.string(PRECIP[m.preciptype as usize & 7]);
        }
        if s {
            self.fixed("salinity", tenth(m.salinity as f64), 1);
        } else {
            self.uint("salinity", m.salinity as u64);
        }
        self.uint("ice", m.ice as u64);
        if !fi31 {
            self.key("ice_text");
            self.string(ICE[m.ice as usize & 3]);
        }
    }
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";
const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";

#[inline]
fn push2(o: &mut Vec<u8>, v: u32) {
    let v = v.min(99);
    o.push(b'0' + (v / 10) as u8);
    o.push(b'0' + (v % 10) as u8);
}

/// Appends `v` with exactly `dec` decimals (0-9), rounding half away from
/// zero. Non-finite values are written as `null`.
pub fn push_fixed(o: &mut Vec<u8>, v: f64, dec: u32) {
    if !v.is_finite() {
        o.extend_from_slice(b"null");
        return;
    }
    let scale = 10u64.pow(dec) as f64;
    let scaled = (v.abs() * scale).round();
    if scaled >= 9.0e18 {
        o.extend_from_slice(b"null");
        return;
    }
    let n = scaled as u64;
    if v < 0.0 && n != 0 {
        o.push(b'-');
    }
    let p = 10u64.pow(dec);
    let mut b = itoa::Buffer::new();
    o.extend_from_slice(b.format(n / p).as_bytes());
    if dec > 0 {
        o.push(b'.');
        let frac = n % p;
        let s = b.format(frac);
        for _ in s.len()..dec as usize {
            o.push(b'0');
        }
        o.extend_from_slice(s.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fx(v: f64, d: u32) -> String {
        let mut o = Vec::new();
        push_fixed(&mut o, v, d);
        String::from_utf8(o).unwrap()
    }

    #[test]
    fn fixed_formatting() {
        assert_eq!(fx(-123.3953833333, 7), "-123.3953833");
        assert_eq!(fx(0.0, 1), "0.0");
        assert_eq!(fx(-0.00001, 2), "0.00");
        assert_eq!(fx(12.25, 1), "12.3");
        assert_eq!(fx(91.0, 7), "91.0000000");
        assert_eq!(fx(3.0, 0), "3");
        assert_eq!(fx(f64::NAN, 2), "null");
    }
}

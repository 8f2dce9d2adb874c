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
//! Three binary applications are written as the standard has them where
//! gpsd's output is wrong (DAC 1 FI 14 and 19, DAC 200 FI 23: see the
//! `application` module).
//!
//! The writer appends to a `Vec<u8>` and never allocates otherwise.

use finisterra_nmea::{format_iso8601, Timestamp};

use crate::bits::BitData;

/// `k!("name")` is the bytes `,"name":`.
macro_rules! k {
    ($name:literal) => {
        concat!(",\"", $name, "\":").as_bytes()
    };
}
use crate::messages::*;

// After `k!`: the applications' writers use it.
mod application;

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
        w.key(k!("device"));
        w.string(ctx.device);
    }
    w.uint(k!("type"), msg.msg_type as u64);
    w.uint(k!("repeat"), msg.repeat as u64);
    w.uint(k!("mmsi"), msg.mmsi as u64);
    w.boolean(k!("scaled"), scaled);
    match &msg.body {
        Body::Position(p) => w.position(p),
        Body::BaseStation(b) => w.base_station(b),
        Body::StaticVoyage(s) => w.static_voyage(s),
        Body::AddressedBinary(m) => {
            w.uint(k!("seqno"), m.seqno as u64);
            w.uint(k!("dest_mmsi"), m.dest_mmsi as u64);
            w.boolean(k!("retransmit"), m.retransmit);
            w.uint(k!("dac"), m.dac as u64);
            w.uint(k!("fid"), m.fid as u64);
            w.application(&m.app);
        }
        Body::Acknowledge(a) => {
            for i in 0..4 {
                let v = if i < a.count as usize { a.mmsi[i] } else { 0 };
                w.uint(
                    [k!("mmsi1"), k!("mmsi2"), k!("mmsi3"), k!("mmsi4")][i],
                    v as u64,
                );
            }
        }
        Body::BroadcastBinary(m) => {
            w.uint(k!("dac"), m.dac as u64);
            w.uint(k!("fid"), m.fid as u64);
            w.application(&m.app);
        }
        Body::SarAircraft(s) => w.sar(s),
        Body::UtcInquiry(u) => w.uint(k!("dest_mmsi"), u.dest_mmsi as u64),
        Body::AddressedSafety(s) => {
            w.uint(k!("seqno"), s.seqno as u64);
            w.uint(k!("dest_mmsi"), s.dest_mmsi as u64);
            w.boolean(k!("retransmit"), s.retransmit);
            w.key(k!("text"));
            w.string(&s.text);
        }
        Body::SafetyBroadcast(s) => {
            w.key(k!("text"));
            w.string(&s.text);
        }
        Body::Interrogation(q) => {
            w.uint(k!("mmsi1"), q.mmsi1 as u64);
            w.uint(k!("type1_1"), q.type1_1 as u64);
            w.uint(k!("offset1_1"), q.offset1_1 as u64);
            // gpsd writes the parts a short message lacks as zeros.
            let (t12, o12) = q.request1_2.unwrap_or((0, 0));
            let (m2, t21, o21) = q.station2.unwrap_or((0, 0, 0));
            w.uint(k!("type1_2"), t12 as u64);
            w.uint(k!("offset1_2"), o12 as u64);
            w.uint(k!("mmsi2"), m2 as u64);
            w.uint(k!("type2_1"), t21 as u64);
            w.uint(k!("offset2_1"), o21 as u64);
        }
        Body::AssignedMode(a) => {
            w.uint(k!("mmsi1"), a.mmsi1 as u64);
            w.uint(k!("offset1"), a.offset1 as u64);
            w.uint(k!("increment1"), a.increment1 as u64);
            let (m2, o2, i2) = a.second.unwrap_or((0, 0, 0));
            w.uint(k!("mmsi2"), m2 as u64);
            w.uint(k!("offset2"), o2 as u64);
            w.uint(k!("increment2"), i2 as u64);
        }
        Body::Dgnss(d) => {
            if w.scaled {
                w.fixed(k!("lon"), d.lon_deg.unwrap_or(181.0), 1);
                w.fixed(k!("lat"), d.lat_deg.unwrap_or(91.0), 1);
            } else {
                w.int(k!("lon"), raw_1e1(d.lon_deg, LON_NA_1E1));
                w.int(k!("lat"), raw_1e1(d.lat_deg, LAT_NA_1E1));
            }
            w.data(k!("data"), &d.data);
        }
        Body::ClassBPosition(p) => w.class_b(p),
        Body::ClassBExtended(p) => w.class_b_extended(p),
        Body::DataLinkManagement(d) => {
            const K: [[&[u8]; 4]; 4] = [
                [
                    k!("offset1"),
                    k!("number1"),
                    k!("timeout1"),
                    k!("increment1"),
                ],
                [
                    k!("offset2"),
                    k!("number2"),
                    k!("timeout2"),
                    k!("increment2"),
                ],
                [
                    k!("offset3"),
                    k!("number3"),
                    k!("timeout3"),
                    k!("increment3"),
                ],
                [
                    k!("offset4"),
                    k!("number4"),
                    k!("timeout4"),
                    k!("increment4"),
                ],
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
            w.uint(k!("channel_a"), c.channel_a as u64);
            w.uint(k!("channel_b"), c.channel_b as u64);
            w.uint(k!("txrx"), c.txrx as u64);
            w.boolean(k!("power"), c.power);
            match c.area {
                ChannelArea::Area {
                    ne_lon_deg,
                    ne_lat_deg,
                    sw_lon_deg,
                    sw_lat_deg,
                } => w.corners(ne_lon_deg, ne_lat_deg, sw_lon_deg, sw_lat_deg),
                ChannelArea::Addressed { dest1, dest2 } => {
                    w.uint(k!("dest1"), dest1 as u64);
                    w.uint(k!("dest2"), dest2 as u64);
                }
            }
            w.boolean(
                k!("addressed"),
                matches!(c.area, ChannelArea::Addressed { .. }),
            );
            w.boolean(k!("band_a"), c.band_a);
            w.boolean(k!("band_b"), c.band_b);
            w.uint(k!("zonesize"), c.zonesize as u64);
        }
        Body::GroupAssignment(g) => {
            w.corners(g.ne_lon_deg, g.ne_lat_deg, g.sw_lon_deg, g.sw_lat_deg);
            w.uint(k!("stationtype"), g.station_type as u64);
            w.key(k!("stationtype_text"));
            w.string(station_type_text(g.station_type));
            w.uint(k!("shiptype"), g.ship_type as u64);
            w.key(k!("shiptype_text"));
            w.string(ship_type_text(g.ship_type));
            w.uint(k!("interval"), g.interval as u64);
            w.uint(k!("quiet"), g.quiet as u64);
        }
        Body::StaticData(s) => w.static_data(msg.mmsi, s),
        Body::SlotBinary(s) => {
            w.boolean(k!("addressed"), s.addressed);
            w.boolean(k!("structured"), s.structured);
            w.uint(k!("dest_mmsi"), s.dest_mmsi.unwrap_or(0) as u64);
            w.uint(k!("app_id"), s.app_id.unwrap_or(0) as u64);
            w.data(k!("data"), &s.data);
            if let Some(r) = s.radio {
                w.uint(k!("radio"), r as u64);
            }
        }
        Body::LongRange(l) => {
            w.uint(k!("status"), l.status as u64);
            if w.scaled {
                w.key(k!("status_text"));
                w.string(nav_status_text(l.status));
            }
            w.boolean(k!("accuracy"), l.accuracy);
            if w.scaled {
                w.fixed(k!("lon"), l.lon_deg.unwrap_or(181.0), 4);
                w.fixed(k!("lat"), l.lat_deg.unwrap_or(91.0), 4);
            } else {
                w.int(k!("lon"), raw_1e1(l.lon_deg, LON_NA_1E1));
                w.int(k!("lat"), raw_1e1(l.lat_deg, LAT_NA_1E1));
            }
            w.uint(k!("speed"), l.sog_kn.map_or(63, |s| s as u64));
            w.uint(k!("course"), l.cog_deg.map_or(511, |c| c as u64));
            w.boolean(k!("raim"), l.raim);
            w.boolean(k!("gnss"), l.position_latency);
        }
    }
    if let Some(t) = ctx.time {
        w.key(k!("time"));
        w.o.push(b'"');
        format_iso8601(t, w.o);
        w.o.push(b'"');
    }
    if let Some(s) = ctx.station {
        w.key(k!("station"));
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
    fn key(&mut self, k: &[u8]) {
        // `k` is the whole `,"name":` (see the `k!` macro): one copy of a
        // length known at compile time once inlined.
        self.o.extend_from_slice(k);
    }

    #[inline]
    fn uint(&mut self, k: &[u8], v: u64) {
        self.key(k);
        let mut b = itoa::Buffer::new();
        self.o.extend_from_slice(b.format(v).as_bytes());
    }

    #[inline]
    fn int(&mut self, k: &[u8], v: i64) {
        self.key(k);
        let mut b = itoa::Buffer::new();
        self.o.extend_from_slice(b.format(v).as_bytes());
    }

    #[inline]
    fn boolean(&mut self, k: &[u8], v: bool) {
        self.key(k);
        self.o.extend_from_slice(if v { b"true" } else { b"false" });
    }

    /// A number with exactly `dec` decimals (rounded half away from zero).
    #[inline]
    fn fixed(&mut self, k: &[u8], v: f64, dec: u32) {
        self.key(k);
        push_fixed(self.o, v, dec);
    }

    fn string(&mut self, s: &str) {
        self.o.push(b'"');
        let bytes = s.as_bytes();
        if !bytes
            .iter()
            .any(|&c| c == b'"' || c == b'\\' || !(0x20..0x7f).contains(&c))
        {
            // The common case (6-bit AIS text): copied whole.
            self.o.extend_from_slice(bytes);
            self.o.push(b'"');
            return;
        }
        for &c in bytes {
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

    fn data(&mut self, k: &[u8], d: &BitData) {
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
            self.fixed(k!("lon"), lon.unwrap_or(181.0), 7);
            self.fixed(k!("lat"), lat.unwrap_or(91.0), 7);
        } else {
            self.int(k!("lon"), raw_1e4(lon, LON_NA_1E4));
            self.int(k!("lat"), raw_1e4(lat, LAT_NA_1E4));
        }
    }

    fn speed_course(&mut self, sog: Option<f64>, cog: Option<f64>, which: u8) {
        // which: 0 = speed only, 1 = course only
        if which == 0 {
            if self.scaled {
                self.fixed(k!("speed"), sog.unwrap_or(102.3), 1);
            } else {
                self.uint(k!("speed"), raw_01(sog, 1023));
            }
        } else if self.scaled {
            self.fixed(k!("course"), cog.unwrap_or(360.0), 1);
        } else {
            self.uint(k!("course"), raw_01(cog, 3600));
        }
    }

    fn dims(&mut self, d: &Dimensions) {
        self.uint(k!("to_bow"), d.to_bow as u64);
        self.uint(k!("to_stern"), d.to_stern as u64);
        self.uint(k!("to_port"), d.to_port as u64);
        self.uint(k!("to_starboard"), d.to_starboard as u64);
    }

    fn epfd(&mut self, e: u8) {
        self.uint(k!("epfd"), e as u64);
        self.key(k!("epfd_text"));
        self.string(epfd_text(e));
    }

    fn shiptype(&mut self, t: u8) {
        self.uint(k!("shiptype"), t as u64);
        self.key(k!("shiptype_text"));
        self.string(ship_type_text(t));
    }

    fn position(&mut self, p: &PositionReport) {
        self.uint(k!("status"), p.status as u64);
        self.key(k!("status_text"));
        self.string(nav_status_text(p.status));
        if self.scaled {
            self.key(k!("turn"));
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
            self.int(k!("turn"), p.turn.map_or(-128, |t| t.raw() as i64));
        }
        self.speed_course(p.sog_kn, None, 0);
        self.boolean(k!("accuracy"), p.accuracy);
        self.lonlat_1e4(p.lon_deg, p.lat_deg);
        self.speed_course(None, p.cog_deg, 1);
        self.uint(k!("heading"), p.heading_deg.unwrap_or(511) as u64);
        self.uint(k!("second"), p.second as u64);
        self.uint(k!("maneuver"), p.maneuver as u64);
        self.boolean(k!("raim"), p.raim);
        self.uint(k!("radio"), p.radio as u64);
    }

    fn base_station(&mut self, b: &BaseStationReport) {
        self.key(k!("timestamp"));
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
        self.boolean(k!("accuracy"), b.accuracy);
        self.lonlat_1e4(b.lon_deg, b.lat_deg);
        self.epfd(b.epfd);
        self.boolean(k!("raim"), b.raim);
        self.uint(k!("radio"), b.radio as u64);
    }

    fn static_voyage(&mut self, s: &StaticVoyage) {
        self.uint(k!("imo"), s.imo as u64);
        self.uint(k!("ais_version"), s.ais_version as u64);
        self.key(k!("callsign"));
        self.string(s.callsign.as_str());
        self.key(k!("shipname"));
        self.string(s.shipname.as_str());
        self.shiptype(s.shiptype);
        self.dims(&s.dimensions);
        self.epfd(s.epfd);
        self.key(k!("eta"));
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
            self.fixed(k!("draught"), s.draught_m.unwrap_or(0.0), 1);
        } else {
            self.uint(k!("draught"), raw_01(s.draught_m, 0));
        }
        self.key(k!("destination"));
        self.string(s.destination.as_str());
        self.uint(k!("dte"), s.dte as u64);
    }

    fn sar(&mut self, s: &SarAircraftReport) {
        self.uint(k!("alt"), s.altitude_m.unwrap_or(4095) as u64);
        self.uint(k!("speed"), s.sog_kn.map_or(1023, |v| v as u64));
        self.boolean(k!("accuracy"), s.accuracy);
        self.lonlat_1e4(s.lon_deg, s.lat_deg);
        self.speed_course(None, s.cog_deg, 1);
        self.uint(k!("second"), s.second as u64);
        self.uint(k!("regional"), s.regional as u64);
        self.uint(k!("dte"), s.dte as u64);
        self.boolean(k!("raim"), s.raim);
        self.uint(k!("radio"), s.radio as u64);
    }

    fn class_b(&mut self, p: &ClassBPosition) {
        self.uint(k!("reserved"), p.reserved as u64);
        self.speed_course(p.sog_kn, None, 0);
        self.boolean(k!("accuracy"), p.accuracy);
        self.lonlat_1e4(p.lon_deg, p.lat_deg);
        self.speed_course(None, p.cog_deg, 1);
        self.uint(k!("heading"), p.heading_deg.unwrap_or(511) as u64);
        self.uint(k!("second"), p.second as u64);
        self.uint(k!("regional"), p.regional as u64);
        self.boolean(k!("cs"), p.cs);
        self.boolean(k!("display"), p.display);
        self.boolean(k!("dsc"), p.dsc);
        self.boolean(k!("band"), p.band);
        self.boolean(k!("msg22"), p.msg22);
        self.boolean(k!("raim"), p.raim);
        self.uint(k!("radio"), p.radio as u64);
    }

    fn class_b_extended(&mut self, p: &ClassBExtended) {
        self.uint(k!("reserved"), p.reserved as u64);
        self.speed_course(p.sog_kn, None, 0);
        self.boolean(k!("accuracy"), p.accuracy);
        self.lonlat_1e4(p.lon_deg, p.lat_deg);
        self.speed_course(None, p.cog_deg, 1);
        self.uint(k!("heading"), p.heading_deg.unwrap_or(511) as u64);
        self.uint(k!("second"), p.second as u64);
        self.uint(k!("regional"), p.regional as u64);
        self.key(k!("shipname"));
        self.string(p.shipname.as_str());
        self.shiptype(p.shiptype);
        self.dims(&p.dimensions);
        self.epfd(p.epfd);
        self.boolean(k!("raim"), p.raim);
        self.uint(k!("dte"), p.dte as u64);
        self.boolean(k!("assigned"), p.assigned);
    }

    fn aton(&mut self, a: &AidToNavigation) {
        self.uint(k!("aid_type"), a.aid_type as u64);
        self.key(k!("aid_type_text"));
        self.string(aid_type_text(a.aid_type));
        self.key(k!("name"));
        self.string(a.name.as_str());
        self.lonlat_1e4(a.lon_deg, a.lat_deg);
        self.boolean(k!("accuracy"), a.accuracy);
        self.dims(&a.dimensions);
        self.epfd(a.epfd);
        self.uint(k!("second"), a.second as u64);
        self.uint(k!("regional"), a.regional as u64);
        self.boolean(k!("off_position"), a.off_position);
        self.boolean(k!("raim"), a.raim);
        self.boolean(k!("virtual_aid"), a.virtual_aid);
    }

    fn corners(&mut self, ne_lon: f64, ne_lat: f64, sw_lon: f64, sw_lat: f64) {
        if self.scaled {
            // gpsd writes these four as strings with six decimals.
            for (k, v) in [
                (k!("ne_lon"), ne_lon),
                (k!("ne_lat"), ne_lat),
                (k!("sw_lon"), sw_lon),
                (k!("sw_lat"), sw_lat),
            ] {
                self.key(k);
                self.o.push(b'"');
                push_fixed(self.o, v, 6);
                self.o.push(b'"');
            }
        } else {
            self.int(k!("ne_lon"), (ne_lon * 600.0).round() as i64);
            self.int(k!("ne_lat"), (ne_lat * 600.0).round() as i64);
            self.int(k!("sw_lon"), (sw_lon * 600.0).round() as i64);
            self.int(k!("sw_lat"), (sw_lat * 600.0).round() as i64);
        }
    }

    fn static_data(&mut self, mmsi: u32, s: &StaticDataReport) {
        match s {
            StaticDataReport::PartA { shipname } => {
                self.uint(k!("partno"), 0);
                self.key(k!("shipname"));
                self.string(shipname.as_str());
            }
            StaticDataReport::PartB(b) => {
                self.uint(k!("partno"), 1);
                self.shiptype(b.shiptype);
                // gpsd's `vendorid` is the whole 42-bit vendor field as text
                // (manufacturer, model and serial); model and serial follow.
                self.key(k!("vendorid"));
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
                self.uint(k!("model"), b.model as u64);
                self.uint(k!("serial"), b.serial as u64);
                self.key(k!("callsign"));
                self.string(b.callsign.as_str());
                if let Some(m) = b.mothership_mmsi {
                    let _ = mmsi;
                    self.uint(k!("mothership_mmsi"), m as u64);
                } else {
                    self.dims(&b.dimensions);
                }
            }
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
            self.fixed(k!("lat"), m.lat_1e3_min as f64 / 60_000.0, 6);
            self.fixed(k!("lon"), m.lon_1e3_min as f64 / 60_000.0, 6);
        } else {
            self.int(k!("lat"), m.lat_1e3_min as i64);
            self.int(k!("lon"), m.lon_1e3_min as i64);
        }
        if fi31 {
            self.boolean(k!("accuracy"), m.accuracy);
        }
        self.key(k!("timestamp"));
        self.o.push(b'"');
        push2(self.o, m.day as u32);
        self.o.push(b'T');
        push2(self.o, m.hour as u32);
        self.o.push(b':');
        push2(self.o, m.minute as u32);
        self.o.extend_from_slice(b"Z\"");
        self.uint(k!("wspeed"), m.wspeed as u64);
        self.uint(k!("wgust"), m.wgust as u64);
        self.uint(k!("wdir"), m.wdir as u64);
        self.uint(k!("wgustdir"), m.wgustdir as u64);
        self.uint(k!("humidity"), m.humidity as u64);
        let tenth = |v: f64| v / 10.0;
        if s {
            if fi31 {
                self.fixed(k!("airtemp"), tenth(m.airtemp as f64), 1);
                self.fixed(k!("dewpoint"), tenth(m.dewpoint as f64), 1);
                self.uint(k!("pressure"), m.pressure as u64 + 799);
            } else {
                self.fixed(k!("airtemp"), tenth(m.airtemp as f64) - 60.0, 1);
                self.fixed(k!("dewpoint"), tenth(m.dewpoint as f64) - 20.0, 1);
                self.uint(k!("pressure"), m.pressure as u64 + 800);
            }
            self.key(k!("pressuretend"));
            self.string(TRENDS[m.pressuretend as usize & 3]);
        } else {
            self.int(k!("airtemp"), m.airtemp as i64);
            self.int(k!("dewpoint"), m.dewpoint as i64);
            self.uint(k!("pressure"), m.pressure as u64);
            self.uint(k!("pressuretend"), m.pressuretend as u64);
        }
        if fi31 {
            self.boolean(k!("visgreater"), m.visgreater);
        }
        if s {
            self.fixed(k!("visibility"), tenth(m.visibility as f64), 1);
            if fi31 {
                self.fixed(k!("waterlevel"), (m.waterlevel as f64 - 1000.0) / 100.0, 1);
            } else {
                self.fixed(k!("waterlevel"), tenth(m.waterlevel as f64) - 10.0, 1);
            }
            self.key(k!("leveltrend"));
            self.string(TRENDS[m.leveltrend as usize & 3]);
            self.fixed(k!("cspeed"), tenth(m.cspeed as f64), 1);
        } else {
            self.uint(k!("visibility"), m.visibility as u64);
            self.int(k!("waterlevel"), m.waterlevel as i64);
            self.uint(k!("leveltrend"), m.leveltrend as u64);
            self.uint(k!("cspeed"), m.cspeed as u64);
        }
        self.uint(k!("cdir"), m.cdir as u64);
        for (ks, kd, kp, sp, dir, depth) in [
            (
                k!("cspeed2"),
                k!("cdir2"),
                k!("cdepth2"),
                m.cspeed2,
                m.cdir2,
                m.cdepth2,
            ),
            (
                k!("cspeed3"),
                k!("cdir3"),
                k!("cdepth3"),
                m.cspeed3,
                m.cdir3,
                m.cdepth3,
            ),
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
                k!("waveheight"),
                k!("waveperiod"),
                k!("wavedir"),
                m.waveheight,
                m.waveperiod,
                m.wavedir,
            ),
            (
                k!("swellheight"),
                k!("swellperiod"),
                k!("swelldir"),
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
        self.uint(k!("seastate"), m.seastate as u64);
        if s {
            if fi31 {
                self.fixed(k!("watertemp"), tenth(m.watertemp as f64), 1);
                self.key(k!("preciptype"));
                self.string(PRECIP[m.preciptype as usize & 7]);
                self.fixed(k!("salinity"), tenth(m.salinity as f64), 1);
                self.key(k!("ice"));
                self.string(ICE[m.ice as usize & 3]);
                return;
            }
            self.fixed(k!("watertemp"), tenth(m.watertemp as f64) - 10.0, 1);
        } else {
            self.int(k!("watertemp"), m.watertemp as i64);
        }
        self.uint(k!("preciptype"), m.preciptype as u64);
        if !fi31 {
            self.key(k!("preciptype_text"));
            self.string(PRECIP[m.preciptype as usize & 7]);
        }
        if s {
            self.fixed(k!("salinity"), tenth(m.salinity as f64), 1);
        } else {
            self.uint(k!("salinity"), m.salinity as u64);
        }
        self.uint(k!("ice"), m.ice as u64);
        if !fi31 {
            self.key(k!("ice_text"));
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
    const POW10: [f64; 10] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9];
    let dec = dec.min(9) as usize;
    let scaled = v.abs() * POW10[dec];
    if scaled.is_nan() || scaled >= 9.0e18 {
        o.extend_from_slice(b"null");
        return;
    }
    // Half away from zero, without a libm call: the cast truncates.
    let n = (scaled + 0.5) as u64;
    if v < 0.0 && n != 0 {
        o.push(b'-');
    }
    // One integer conversion, then the decimal point put in place (no
    // division).
    let mut b = itoa::Buffer::new();
    let digits = b.format(n).as_bytes();
    if dec == 0 {
        o.extend_from_slice(digits);
    } else if digits.len() > dec {
        let (int, frac) = digits.split_at(digits.len() - dec);
        o.extend_from_slice(int);
        o.push(b'.');
        o.extend_from_slice(frac);
    } else {
        o.extend_from_slice(b"0.");
        for _ in digits.len()..dec {
            o.push(b'0');
        }
        o.extend_from_slice(digits);
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

//! Position CSV files (NOAA MarineCadastre daily files, or any other
//! through a column mapping) turned into AIS messages for the census.
//!
//! Sans-IO: lines in, messages out. The header line names the columns; a
//! [`CsvMapping`] says which column holds what (MarineCadastre names by
//! default); a [`TimeFormat`] reads the time column. Every refused row is
//! counted with its reason ([`CsvStats::rejected`]).
//!
//! ```
//! use finisterra_census::csv::{CsvMapping, CsvReader, TimeFormat};
//! let mut r = CsvReader::new(
//!     b"\xEF\xBB\xBFID,ais_pos_timestamp,longitude,latitude",
//!     &CsvMapping::parse("mmsi=ID,time=ais_pos_timestamp,lat=latitude,lon=longitude").unwrap(),
//!     TimeFormat::parse("%d/%m/%Y %H:%M").unwrap(),
//! ).unwrap();
//! let mut out = Vec::new();
//! r.row(b"1,20/03/2021 00:22,32.32925,31.4386", &mut out);
//! assert_eq!(out.len(), 2); // static (first sight of the MMSI) and position
//! assert_eq!(out[1].1, 1_616_199_720_000);
//! r.row(b"1,bad time,32.3,31.4", &mut out);
//! assert_eq!(r.stats().rejected["bad_time"], 1);
//! ```

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

use finisterra_ais::{
    AisMessage, BasicPosition, Body, Dimensions, LongRangePosition, SarAircraftReport,
    StaticVoyage, Text,
};
use serde::Serialize;

use crate::util::{FastHasher, FastMap};
use crate::CensusError;

/// Which column holds which field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CsvMapping {
    /// MMSI (required).
    pub mmsi: String,
    /// Time (required).
    pub time: String,
    /// Latitude, degrees (required).
    pub lat: String,
    /// Longitude, degrees (required).
    pub lon: String,
    /// Speed over ground, knots.
    pub sog: String,
    /// Course over ground, degrees.
    pub cog: String,
    /// True heading, degrees (511: not available).
    pub heading: String,
    /// Vessel name.
    pub name: String,
    /// AIS ship type code.
    pub ship_type: String,
    /// Navigational status code.
    pub status: String,
    /// Length, metres.
    pub length: String,
    /// Beam, metres.
    pub width: String,
    /// Draught, metres.
    pub draught: String,
    /// `A` or `B`.
    pub class: String,
    /// What each row reports (none by default): the ITU message number
    /// (1–27, as decoded files such as AISdb's `Message_ID` give it) or the
    /// station's kind in words (`Class A`, `Class B`, `Base Station`,
    /// `AtoN`, `SAR Airborne`, `Search and Rescue Transponder`, `Man
    /// Overboard Device`, as the Danish Maritime Authority's `Type of
    /// mobile`). Base stations, aids to navigation and other messages are
    /// then not taken as vessels ([`CsvStats::not_vessels`]); a static
    /// report (5, 24) gives the vessel's static data without a position; a
    /// SAR aircraft's (9) or long-range (27) position is that message.
    pub msg_type: String,
}

impl Default for CsvMapping {
    fn default() -> Self {
        CsvMapping::marine_cadastre()
    }
}

impl CsvMapping {
    /// NOAA MarineCadastre daily files: `MMSI, BaseDateTime, LAT, LON,
    /// SOG, COG, Heading, VesselName, IMO, CallSign, VesselType, Status,
    /// Length, Width, Draft, Cargo, TransceiverClass`.
    pub fn marine_cadastre() -> CsvMapping {
        CsvMapping {
            mmsi: "MMSI".into(),
            time: "BaseDateTime".into(),
            lat: "LAT".into(),
            lon: "LON".into(),
            sog: "SOG".into(),
            cog: "COG".into(),
            heading: "Heading".into(),
            name: "VesselName".into(),
            ship_type: "VesselType".into(),
            status: "Status".into(),
            length: "Length".into(),
            width: "Width".into(),
            draught: "Draft".into(),
            class: "TransceiverClass".into(),
            msg_type: String::new(),
        }
    }

    /// MarineCadastre names overridden by `field=Column` pairs, e.g.
    /// `mmsi=ID,time=ais_pos_timestamp,lat=latitude,lon=longitude`. Fields:
    /// mmsi, time, lat, lon, sog, cog, heading, name, ship_type, status,
    /// length, width, draught, class, msg_type.
    pub fn parse(spec: &str) -> Result<CsvMapping, CensusError> {
        let mut m = CsvMapping::marine_cadastre();
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((k, v)) = part.split_once('=') else {
                return Err(CensusError::Csv(format!(
                    "bad column mapping {part:?}: expected field=Column, e.g. mmsi=ID"
                )));
            };
            let v = v.trim().to_string();
            let slot = match k.trim() {
                "mmsi" => &mut m.mmsi,
                "time" => &mut m.time,
                "lat" => &mut m.lat,
                "lon" => &mut m.lon,
                "sog" => &mut m.sog,
                "cog" => &mut m.cog,
                "heading" => &mut m.heading,
                "name" => &mut m.name,
                "ship_type" => &mut m.ship_type,
                "status" => &mut m.status,
                "length" => &mut m.length,
                "width" => &mut m.width,
                "draught" => &mut m.draught,
                "class" => &mut m.class,
                "msg_type" => &mut m.msg_type,
                other => {
                    return Err(CensusError::Csv(format!(
                        "unknown field {other:?} in the column mapping: use mmsi, time, lat, lon, sog, cog, heading, name, ship_type, status, length, width, draught, class or msg_type"
                    )))
                }
            };
            *slot = v;
        }
        Ok(m)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Item {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    Fraction,
    Lit(u8),
    Space,
}

/// How the time column is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeFormat {
    /// ISO 8601 (`2023-01-01T00:00:00`, a space instead of `T`, optional
    /// fraction and `Z`); always UTC.
    Iso,
    /// Unix seconds (fraction allowed).
    UnixS,
    /// Unix milliseconds.
    UnixMs,
    /// A `strftime`-like pattern: `%Y %m %d %H %M %S %f` and literal
    /// characters (`%d/%m/%Y %H:%M`); UTC.
    Pattern(Vec<u8>),
}

impl TimeFormat {
    /// `iso`, `unix`, `unix_ms` or a pattern with `%` fields.
    pub fn parse(spec: &str) -> Result<TimeFormat, CensusError> {
        match spec.trim() {
            "" | "iso" | "auto" => Ok(TimeFormat::Iso),
            "unix" | "unix_s" => Ok(TimeFormat::UnixS),
            "unix_ms" => Ok(TimeFormat::UnixMs),
            p => {
                let items = compile(p.as_bytes())?;
                if !items.contains(&Item::Year)
                    || !items.contains(&Item::Month)
                    || !items.contains(&Item::Day)
                {
                    return Err(CensusError::Csv(format!(
                        "time format {p:?} needs %Y, %m and %d"
                    )));
                }
                Ok(TimeFormat::Pattern(p.as_bytes().to_vec()))
            }
        }
    }

    /// Resolution of the times, seconds: 60 for a pattern without seconds.
    pub fn resolution_s(&self) -> f64 {
        match self {
            TimeFormat::Pattern(p) => match compile(p) {
                Ok(items) if !items.contains(&Item::Second) => 60.0,
                _ => 0.0,
            },
            _ => 0.0,
        }
    }

    /// Milliseconds since the epoch, or `None` when the text does not match.
    pub fn parse_ms(&self, s: &[u8]) -> Option<i64> {
        let s = trim(s);
        match self {
            TimeFormat::Iso => parse_iso(s),
            TimeFormat::UnixS => {
                let v: f64 = std::str::from_utf8(s).ok()?.parse().ok()?;
                v.is_finite().then(|| (v * 1000.0).round() as i64)
            }
            TimeFormat::UnixMs => std::str::from_utf8(s).ok()?.parse().ok(),
            TimeFormat::Pattern(p) => parse_pattern(&compile(p).ok()?, s),
        }
    }
}

fn compile(p: &[u8]) -> Result<Vec<Item>, CensusError> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < p.len() {
        if p[i] == b'%' {
            let Some(&c) = p.get(i + 1) else {
                return Err(CensusError::Csv("time format ends with %".into()));
            };
            out.push(match c {
                b'Y' => Item::Year,
                b'm' => Item::Month,
                b'd' => Item::Day,
                b'H' => Item::Hour,
                b'M' => Item::Minute,
                b'S' => Item::Second,
                b'f' => Item::Fraction,
                b'%' => Item::Lit(b'%'),
                other => {
                    return Err(CensusError::Csv(format!(
                        "time format field %{} not supported: use %Y %m %d %H %M %S %f",
                        other as char
                    )))
                }
            });
            i += 2;
        } else {
            out.push(if p[i] == b' ' {
                Item::Space
            } else {
                Item::Lit(p[i])
            });
            i += 1;
        }
    }
    Ok(out)
}

fn digits(s: &[u8], i: &mut usize, max: usize) -> Option<u32> {
    let start = *i;
    let mut v: u32 = 0;
    while *i < s.len() && *i - start < max && s[*i].is_ascii_digit() {
        v = v * 10 + (s[*i] - b'0') as u32;
        *i += 1;
    }
    (*i > start).then_some(v)
}

fn parse_pattern(items: &[Item], s: &[u8]) -> Option<i64> {
    let (mut y, mut mo, mut d, mut h, mut mi, mut sec, mut ms) =
        (0i64, 1u32, 1u32, 0u32, 0u32, 0u32, 0u32);
    let mut i = 0;
    for it in items {
        match *it {
            Item::Year => y = digits(s, &mut i, 4)? as i64,
            Item::Month => mo = digits(s, &mut i, 2)?,
            Item::Day => d = digits(s, &mut i, 2)?,
            Item::Hour => h = digits(s, &mut i, 2)?,
            Item::Minute => mi = digits(s, &mut i, 2)?,
            Item::Second => sec = digits(s, &mut i, 2)?,
            Item::Fraction => {
                let start = i;
                let v = digits(s, &mut i, 9)?;
                let n = i - start;
                ms = match n {
                    1 => v * 100,
                    2 => v * 10,
                    3 => v,
                    _ => v / 10u32.pow(n as u32 - 3),
                };
            }
            Item::Space => {
                if s.get(i) != Some(&b' ') && s.get(i) != Some(&b'T') {
                    return None;
                }
                i += 1;
            }
            Item::Lit(c) => {
                if s.get(i) != Some(&c) {
                    return None;
                }
                i += 1;
            }
        }
    }
    if i != s.len() {
        return None;
    }
    finisterra_nmea::unix_ms_from_civil(y, mo, d, h, mi, sec, ms)
}

/// An ISO 8601 time of a CSV column: the workspace's one parser, with
/// times that name no zone taken as UTC (as position exports write them).
/// A date alone is not the time of a position.
fn parse_iso(s: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(s).ok()?.trim();
    if s.len() <= 10 {
        return None;
    }
    finisterra_nmea::parse_iso8601_ms(s, true)
}

fn trim(s: &[u8]) -> &[u8] {
    let mut a = 0;
    let mut b = s.len();
    while a < b && (s[a] == b' ' || s[a] == b'\t' || s[a] == b'\r') {
        a += 1;
    }
    while b > a && (s[b - 1] == b' ' || s[b - 1] == b'\t' || s[b - 1] == b'\r') {
        b -= 1;
    }
    &s[a..b]
}

/// Splits one CSV line into fields (RFC 4180 quoting within the line).
/// Quoted fields are unquoted into `buf`; returns false for an unbalanced
/// quote.
fn split(line: &[u8], fields: &mut Vec<(usize, usize, bool)>, buf: &mut Vec<u8>) -> bool {
    fields.clear();
    buf.clear();
    let mut i = 0;
    loop {
        if line.get(i) == Some(&b'"') {
            let start = buf.len();
            i += 1;
            loop {
                match line.get(i) {
                    None => return false,
                    Some(b'"') if line.get(i + 1) == Some(&b'"') => {
                        buf.push(b'"');
                        i += 2;
                    }
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(&c) => {
                        buf.push(c);
                        i += 1;
                    }
                }
            }
            fields.push((start, buf.len(), true));
            while i < line.len() && line[i] != b',' {
                i += 1;
            }
        } else {
            let start = i;
            while i < line.len() && line[i] != b',' {
                i += 1;
            }
            fields.push((start, i, false));
        }
        if i >= line.len() {
            return true;
        }
        i += 1; // the comma
    }
}

/// Counters of CSV reading.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CsvStats {
    /// Data rows read (header excluded).
    pub rows: u64,
    /// Rows turned into a position message.
    pub positions: u64,
    /// Static messages made (the first row of a vessel, and whenever its
    /// name, type or size changes).
    pub statics: u64,
    /// Refused rows by reason: `blank`, `unbalanced_quote`,
    /// `missing_fields`, `bad_mmsi`, `bad_time`, `bad_position`,
    /// `bad_msg_type` (a `msg_type` value that is no message number or
    /// station kind).
    pub rejected: BTreeMap<String, u64>,
    /// Rows left out because the station is no vessel (with a `msg_type`
    /// column), by kind: `base_station` (messages 4 and 11, `Base
    /// Station`), `aid_to_navigation` (21, `AtoN`), `other_message` (the
    /// other messages, which carry no vessel's position or static data).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub not_vessels: BTreeMap<String, u64>,
}

/// The message a row's position is given as, as the NMEA would carry it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PositionKind {
    /// Class A (messages 1–3).
    ClassA,
    /// Class B (18, 19).
    ClassB,
    /// A SAR aircraft (9): the picture neither screens it nor holds it to
    /// a ship's speeds.
    SarAircraft,
    /// Long-range (27).
    LongRange,
}

/// What a row reports, by its `msg_type` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowKind {
    /// A vessel's report: a position, static data, or both (`merge`: the
    /// row carries only its message's static fields, the empty ones keep
    /// the vessel's last known values), its position's message.
    Vessel {
        position: bool,
        statics: bool,
        merge: bool,
        kind: PositionKind,
    },
    /// No vessel: left out, counted by this kind.
    NotVessel(&'static str),
}

impl RowKind {
    /// The kind of a row from its `msg_type` value; `Ok(None)` for an empty
    /// one (the row is read as a position report with its static data, as
    /// without the column).
    fn of(value: &[u8]) -> Result<Option<RowKind>, &'static str> {
        let v = String::from_utf8_lossy(value).trim().to_ascii_lowercase();
        if v.is_empty() {
            return Ok(None);
        }
        let vessel = |position, statics, merge, kind| RowKind::Vessel {
            position,
            statics,
            merge,
            kind,
        };
        use PositionKind::{ClassA, ClassB, LongRange, SarAircraft};
        if let Ok(n) = v.parse::<f64>() {
            if n.fract() != 0.0 {
                return Err("bad_msg_type");
            }
            return Ok(Some(match n as i64 {
                1..=3 => vessel(true, false, false, ClassA),
                9 => vessel(true, false, false, SarAircraft),
                27 => vessel(true, false, false, LongRange),
                18 => vessel(true, false, false, ClassB),
                // Class B extended: position and static data.
                19 => vessel(true, true, true, ClassB),
                5 => vessel(false, true, true, ClassA),
                24 => vessel(false, true, true, ClassB),
                4 | 11 => RowKind::NotVessel("base_station"),
                21 => RowKind::NotVessel("aid_to_navigation"),
                6..=8 | 10 | 12..=17 | 20 | 22 | 23 | 25 | 26 => {
                    RowKind::NotVessel("other_message")
                }
                _ => return Err("bad_msg_type"),
            }));
        }
        Ok(Some(match v.as_str() {
            "class a" => vessel(true, true, false, ClassA),
            "class b" => vessel(true, true, false, ClassB),
            "sar airborne" => vessel(true, true, false, SarAircraft),
            // Their positions come as class A reports.
            "search and rescue transponder" | "man overboard device" | "epirb" => {
                vessel(true, true, false, ClassA)
            }
            "base station" => RowKind::NotVessel("base_station"),
            "aton" => RowKind::NotVessel("aid_to_navigation"),
            _ => return Err("bad_msg_type"),
        }))
    }
}

/// A vessel's static data as CSV rows gave it.
#[derive(Debug, Clone, Default, PartialEq)]
struct StaticRow {
    name: String,
    ship_type: Option<u8>,
    length: Option<f64>,
    width: Option<f64>,
    draught: Option<f64>,
}

impl StaticRow {
    /// What a static message is sent again for: name, type and size (a
    /// draught alone does not).
    fn signature(&self) -> u64 {
        let mut h = FastHasher::default();
        self.name.hash(&mut h);
        self.ship_type.hash(&mut h);
        self.length.map(f64::to_bits).hash(&mut h);
        self.width.map(f64::to_bits).hash(&mut h);
        h.finish()
    }

    /// The fields `row` gives replace these; its empty ones leave them.
    fn merge(&mut self, row: StaticRow) {
        if !row.name.is_empty() {
            self.name = row.name;
        }
        self.ship_type = row.ship_type.or(self.ship_type);
        self.length = row.length.or(self.length);
        self.width = row.width.or(self.width);
        self.draught = row.draught.or(self.draught);
    }

    /// As a static and voyage report of `mmsi` (half the length to the bow,
    /// half the beam to port).
    fn message(&self, mmsi: u32) -> AisMessage {
        let l = self.length.unwrap_or(0.0).round() as u16;
        let w = self.width.unwrap_or(0.0).round() as u8;
        let to_bow = (l / 2).min(511);
        AisMessage {
            msg_type: 5,
            repeat: 0,
            mmsi,
            body: Body::StaticVoyage(StaticVoyage {
                ais_version: 2,
                imo: 0,
                callsign: Text::from_str_lossy(""),
                shipname: Text::from_str_lossy(&self.name.to_ascii_uppercase()),
                shiptype: self.ship_type.unwrap_or(0),
                dimensions: Dimensions {
                    to_bow,
                    to_stern: (l - to_bow).min(511),
                    to_port: (w / 2).min(63),
                    to_starboard: (w - w / 2).min(63),
                },
                epfd: 1,
                eta_month: 0,
                eta_day: 0,
                eta_hour: 24,
                eta_minute: 60,
                draught_m: self.draught,
                destination: Text::from_str_lossy(""),
                dte: false,
            }),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Cols {
    mmsi: usize,
    time: usize,
    lat: usize,
    lon: usize,
    sog: Option<usize>,
    cog: Option<usize>,
    heading: Option<usize>,
    name: Option<usize>,
    ship_type: Option<usize>,
    status: Option<usize>,
    length: Option<usize>,
    width: Option<usize>,
    draught: Option<usize>,
    class: Option<usize>,
    msg_type: Option<usize>,
}

/// Vessel ids from this number up are MMSIs; a CSV file whose ids are all
/// below it (fewer than seven digits, e.g. the row ids 1–256 of a research
/// data set) has no MMSIs, and its vessels get no MMSI checks
/// ([`CsvReader::ids_not_mmsis`]).
///
/// A heuristic on the id column, applied to CSV inputs only (NMEA ids are
/// always MMSIs): a real MMSI below it has at least two leading zeros (a
/// coast station or group call, `00MIDxxxx`), and a ship station file made
/// only of those does not exist, while one real MMSI in a file shows that
/// its ids are MMSIs (then every id is checked, the small ones included).
pub const MMSI_MIN_ID: u32 = 1_000_000;

/// Reads rows of one CSV file (one header).
#[derive(Debug, Clone)]
pub struct CsvReader {
    cols: Cols,
    need: usize,
    time: TimeFormat,
    items: Option<Vec<Item>>,
    statics: FastMap<u32, u64>,
    /// Each vessel's static data merged from rows that carry part of it
    /// (messages 5, 19, 24 with a `msg_type` column).
    merged: FastMap<u32, StaticRow>,
    /// The largest vessel id of an accepted row.
    max_id: Option<u32>,
    stats: CsvStats,
    fields: Vec<(usize, usize, bool)>,
    buf: Vec<u8>,
}

impl CsvReader {
    /// From the header line (a UTF-8 BOM is skipped; names are compared
    /// without surrounding spaces or quotes, case-insensitively).
    pub fn new(
        header: &[u8],
        mapping: &CsvMapping,
        time: TimeFormat,
    ) -> Result<CsvReader, CensusError> {
        let header = header.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(header);
        let mut fields = Vec::new();
        let mut buf = Vec::new();
        if !split(header, &mut fields, &mut buf) {
            return Err(CensusError::Csv(
                "unbalanced quote in the header line".into(),
            ));
        }
        let names: Vec<String> = fields
            .iter()
            .map(|&(a, b, q)| {
                let raw = if q { &buf[a..b] } else { &header[a..b] };
                String::from_utf8_lossy(trim(raw))
                    .trim_matches('"')
                    .to_string()
            })
            .collect();
        let find = |n: &str| names.iter().position(|h| h.eq_ignore_ascii_case(n.trim()));
        let need = |field: &str, n: &str| {
            find(n).ok_or_else(|| {
                CensusError::Csv(format!(
                    "no column {n:?} for {field} in the header ({}); map it with --csv-columns {field}=COLUMN",
                    names.join(",")
                ))
            })
        };
        let cols = Cols {
            mmsi: need("mmsi", &mapping.mmsi)?,
            time: need("time", &mapping.time)?,
            lat: need("lat", &mapping.lat)?,
            lon: need("lon", &mapping.lon)?,
            sog: find(&mapping.sog),
            cog: find(&mapping.cog),
            heading: find(&mapping.heading),
            name: find(&mapping.name),
            ship_type: find(&mapping.ship_type),
            status: find(&mapping.status),
            length: find(&mapping.length),
            width: find(&mapping.width),
            draught: find(&mapping.draught),
            class: find(&mapping.class),
            msg_type: if mapping.msg_type.trim().is_empty() {
                None
            } else {
                Some(need("msg_type", &mapping.msg_type)?)
            },
        };
        let need = [cols.mmsi, cols.time, cols.lat, cols.lon]
            .into_iter()
            .max()
            .unwrap_or(0)
            + 1;
        let items = match &time {
            TimeFormat::Pattern(p) => Some(compile(p)?),
            _ => None,
        };
        Ok(CsvReader {
            cols,
            need,
            time,
            items,
            statics: FastMap::default(),
            merged: FastMap::default(),
            max_id: None,
            stats: CsvStats::default(),
            fields,
            buf,
        })
    }

    /// The counters.
    pub fn stats(&self) -> &CsvStats {
        &self.stats
    }

    /// The vessel ids of the rows read so far when none of them is an MMSI
    /// (all below [`MMSI_MIN_ID`]), sorted; empty when one is (or no row
    /// was accepted). Final once every row has been read.
    pub fn ids_not_mmsis(&self) -> Vec<u32> {
        if self.max_id.is_none_or(|m| m >= MMSI_MIN_ID) {
            return Vec::new();
        }
        let mut ids: Vec<u32> = self.statics.keys().copied().collect();
        ids.sort_unstable();
        ids
    }

    fn reject(&mut self, why: &str) {
        *self.stats.rejected.entry(why.to_string()).or_default() += 1;
    }

    /// One data row: appends the messages it gives (a static message when
    /// the vessel's static data is new or changed, then the position) with
    /// their times. Refused rows are counted.
    pub fn row(&mut self, line: &[u8], out: &mut Vec<(AisMessage, i64)>) {
        self.stats.rows += 1;
        let line = trim(line);
        if line.is_empty() {
            self.reject("blank");
            return;
        }
        let mut fields = std::mem::take(&mut self.fields);
        let mut buf = std::mem::take(&mut self.buf);
        let ok = split(line, &mut fields, &mut buf);
        let res = if !ok {
            Err("unbalanced_quote")
        } else if fields.len() < self.need {
            Err("missing_fields")
        } else {
            self.convert(line, &fields, &buf, out)
        };
        self.fields = fields;
        self.buf = buf;
        if let Err(why) = res {
            self.reject(why);
        }
    }

    fn convert(
        &mut self,
        line: &[u8],
        fields: &[(usize, usize, bool)],
        buf: &[u8],
        out: &mut Vec<(AisMessage, i64)>,
    ) -> Result<(), &'static str> {
        let get = |i: Option<usize>| -> &[u8] {
            match i.and_then(|i| fields.get(i)) {
                Some(&(a, b, true)) => trim(&buf[a..b]),
                Some(&(a, b, false)) => trim(&line[a..b]),
                None => b"",
            }
        };
        let num = |i: Option<usize>| -> Option<f64> {
            let s = get(i);
            if s.is_empty() {
                return None;
            }
            std::str::from_utf8(s)
                .ok()?
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
        };
        let kind = match self.cols.msg_type {
            Some(c) => RowKind::of(get(Some(c)))?,
            None => None,
        };
        let (position, statics, merge, kind) = match kind {
            None => (true, true, false, None),
            Some(RowKind::NotVessel(what)) => {
                *self.stats.not_vessels.entry(what.to_string()).or_default() += 1;
                return Ok(());
            }
            Some(RowKind::Vessel {
                position,
                statics,
                merge,
                kind,
            }) => (position, statics, merge, Some(kind)),
        };
        let mmsi = num(Some(self.cols.mmsi))
            .filter(|v| *v >= 0.0 && *v <= 999_999_999.0 && v.fract() == 0.0)
            .ok_or("bad_mmsi")? as u32;
        let ts = get(Some(self.cols.time));
        let t = match (&self.items, &self.time) {
            (Some(items), _) => parse_pattern(items, ts),
            (None, f) => f.parse_ms(ts),
        }
        .ok_or("bad_time")?;
        let (lat, lon) = match (num(Some(self.cols.lat)), num(Some(self.cols.lon))) {
            (Some(a), Some(b)) => (a, b),
            _ if !position => (f64::NAN, f64::NAN),
            _ => return Err("bad_position"),
        };
        let sog = num(self.cols.sog).filter(|v| (0.0..102.25).contains(v));
        let cog = num(self.cols.cog).filter(|v| (0.0..360.0).contains(v));
        let heading = num(self.cols.heading)
            .filter(|v| (0.0..360.0).contains(v))
            .map(|v| v.round() as u16 % 360);
        let status = num(self.cols.status)
            .filter(|v| (0.0..=15.0).contains(v))
            .map_or(15, |v| v as u8);
        let kind = kind.unwrap_or(if get(self.cols.class).eq_ignore_ascii_case(b"B") {
            PositionKind::ClassB
        } else {
            PositionKind::ClassA
        });
        self.max_id = Some(self.max_id.map_or(mmsi, |m| m.max(mmsi)));
        // Static data, when new or changed.
        if statics {
            let mut row = StaticRow {
                name: String::from_utf8_lossy(get(self.cols.name)).to_string(),
                ship_type: num(self.cols.ship_type)
                    .filter(|v| (0.0..=99.0).contains(v))
                    .map(|v| v as u8),
                length: num(self.cols.length).filter(|v| *v > 0.0 && *v < 1023.0),
                width: num(self.cols.width).filter(|v| *v > 0.0 && *v < 127.0),
                draught: num(self.cols.draught).filter(|v| *v > 0.0 && *v < 25.6),
            };
            if merge {
                let known = self.merged.entry(mmsi).or_default();
                known.merge(row);
                row = known.clone();
            }
            let sig = row.signature();
            if self.statics.get(&mmsi) != Some(&sig) {
                self.statics.insert(mmsi, sig);
                self.stats.statics += 1;
                out.push((row.message(mmsi), t));
            }
        } else {
            // A vessel seen: nothing to say of her yet.
            self.statics
                .entry(mmsi)
                .or_insert_with(|| StaticRow::default().signature());
        }
        if !position {
            return Ok(());
        }
        self.stats.positions += 1;
        let second = ((t / 1000).rem_euclid(60)) as u8;
        let message = |msg_type: u8, body: Body| AisMessage {
            msg_type,
            repeat: 0,
            mmsi,
            body,
        };
        let msg = match kind {
            PositionKind::ClassA | PositionKind::ClassB => BasicPosition {
                mmsi,
                class_b: kind == PositionKind::ClassB,
                status,
                turn: None,
                sog_kn: sog,
                cog_deg: cog,
                heading_deg: heading,
                lat_deg: lat,
                lon_deg: lon,
                second,
                accuracy: false,
                radio: 0,
            }
            .message(),
            PositionKind::SarAircraft => message(
                9,
                Body::SarAircraft(SarAircraftReport {
                    altitude_m: None,
                    sog_kn: sog,
                    accuracy: false,
                    lon_deg: Some(lon),
                    lat_deg: Some(lat),
                    cog_deg: cog,
                    second,
                    regional: 0,
                    dte: true,
                    assigned: false,
                    raim: false,
                    radio: 0,
                }),
            ),
            PositionKind::LongRange => message(
                27,
                Body::LongRange(LongRangePosition {
                    accuracy: false,
                    raim: false,
                    status,
                    lon_deg: Some(lon),
                    lat_deg: Some(lat),
                    sog_kn: sog,
                    cog_deg: cog,
                    position_latency: false,
                }),
            ),
        };
        out.push((msg, t));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        let iso = TimeFormat::parse("iso").unwrap();
        assert_eq!(
            iso.parse_ms(b"2023-01-01T00:00:00"),
            Some(1_672_531_200_000)
        );
        assert_eq!(
            iso.parse_ms(b"2023-01-01 00:00:01.5Z"),
            Some(1_672_531_201_500)
        );
        assert_eq!(iso.parse_ms(b"2023-01-01 00:01"), Some(1_672_531_260_000));
        assert_eq!(iso.parse_ms(b"2023-13-01T00:00:00"), None);
        let p = TimeFormat::parse("%d/%m/%Y %H:%M").unwrap();
        assert_eq!(p.resolution_s(), 60.0);
        assert_eq!(p.parse_ms(b"20/03/2021 00:22"), Some(1_616_199_720_000));
        assert_eq!(p.parse_ms(b"20/03/2021 00:22:00"), None);
        assert!(TimeFormat::parse("%q").is_err());
        assert!(TimeFormat::parse("%H:%M").is_err());
        assert_eq!(TimeFormat::UnixS.parse_ms(b"1.5"), Some(1500));
        let f = TimeFormat::parse("%Y%m%d_%H%M%S.%f").unwrap();
        assert_eq!(f.parse_ms(b"20210701_185151.68"), Some(1_625_165_511_680));
    }

    #[test]
    fn marine_cadastre_rows() {
        let mut r = CsvReader::new(
            b"MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading,VesselName,IMO,CallSign,VesselType,Status,Length,Width,Draft,Cargo,TransceiverClass",
            &CsvMapping::marine_cadastre(),
            TimeFormat::Iso,
        )
        .unwrap();
        let mut out = Vec::new();
        r.row(b"636021061,2023-01-11T00:00:00,26.09241,-80.04806,8.8,272.7,511.0,\"MSC, NAISHA III\",IMO9307839,5LCB4,70,8.0,208.0,30.0,8.0,70.0,A", &mut out);
        assert_eq!(out.len(), 2);
        match &out[0].0.body {
            Body::StaticVoyage(s) => {
                assert_eq!(s.shipname.as_str().trim(), "MSC, NAISHA III");
                assert_eq!(s.shiptype, 70);
                assert_eq!(s.dimensions.to_bow + s.dimensions.to_stern, 208);
            }
            b => panic!("{b:?}"),
        }
        match &out[1].0.body {
            Body::Position(p) => {
                assert_eq!(p.heading_deg, None);
                assert_eq!(p.status, 8);
                assert_eq!(p.sog_kn, Some(8.8));
            }
            b => panic!("{b:?}"),
        }
        // Same static data: only the position.
        out.clear();
        r.row(b"636021061,2023-01-11T00:01:00,26.09,-80.05,8.8,360.0,270,\"MSC, NAISHA III\",IMO9307839,5LCB4,70,8.0,208.0,30.0,8.0,70.0,A", &mut out);
        assert_eq!(out.len(), 1);
        r.row(b"x,2023-01-11T00:01:00,26.09,-80.05", &mut out);
        r.row(b"1,2023-01-11,26.09,-80.05", &mut out);
        r.row(b"1,2023-01-11T00:01:00,,-80.05", &mut out);
        r.row(b"1,\"2023", &mut out);
        r.row(b"1,2", &mut out);
        r.row(b"", &mut out);
        let rej = &r.stats().rejected;
        for k in [
            "bad_mmsi",
            "bad_time",
            "bad_position",
            "unbalanced_quote",
            "missing_fields",
            "blank",
        ] {
            assert_eq!(rej.get(k), Some(&1), "{k}: {rej:?}");
        }
        assert!(CsvReader::new(b"a,b", &CsvMapping::marine_cadastre(), TimeFormat::Iso).is_err());
    }

    /// Decoded CSV files with every message type in them (AISdb's
    /// `Message_ID`, the DMA's `Type of mobile`): only vessels' reports
    /// are vessels; a static report's parts make one static message.
    #[test]
    fn message_types_say_what_a_row_is() {
        let map = CsvMapping::parse(
            "mmsi=MMSI,time=Time,lat=Latitude,lon=Longitude,name=Vessel_Name,ship_type=Ship_Type,length=Length,msg_type=Message_ID",
        )
        .unwrap();
        let mut r = CsvReader::new(
            b"MMSI,Message_ID,Time,Latitude,Longitude,Vessel_Name,Ship_Type,Length",
            &map,
            TimeFormat::Iso,
        )
        .unwrap();
        let mut out = Vec::new();
        let t = "2021-07-01T00:00:00";
        // A base station, an aid, a binary message: no vessel, counted.
        r.row(format!("3669139,4,{t},8.8,-103.6,,,").as_bytes(), &mut out);
        r.row(
            format!("993669001,21,{t},8.8,-103.6,BUOY,,").as_bytes(),
            &mut out,
        );
        r.row(format!("366000001,8,{t},,,,,").as_bytes(), &mut out);
        assert!(out.is_empty());
        let nv = &r.stats().not_vessels;
        assert_eq!(nv["base_station"], 1);
        assert_eq!(nv["aid_to_navigation"], 1);
        assert_eq!(nv["other_message"], 1);
        // A SAR aircraft's and a long-range report keep their messages.
        r.row(
            format!("111232501,9,{t},8.8,-103.6,,,").as_bytes(),
            &mut out,
        );
        r.row(
            format!("366000005,27,{t},8.8,-103.6,,,").as_bytes(),
            &mut out,
        );
        assert!(matches!(out[0].0.body, Body::SarAircraft(_)), "{out:?}");
        assert_eq!((out[0].0.msg_type, out[1].0.msg_type), (9, 27));
        assert!(matches!(out[1].0.body, Body::LongRange(_)), "{out:?}");
        out.clear();
        // A position report alone: the position, no static message.
        r.row(
            format!("366000001,1,{t},8.8,-103.6,,,").as_bytes(),
            &mut out,
        );
        assert_eq!(out.len(), 1);
        assert!(matches!(out[0].0.body, Body::Position(_)));
        // Class B static report, part A (the name) then part B (the type
        // and size): two static messages, the second with all of it.
        out.clear();
        r.row(format!("366000002,24,{t},,,SEA DOG,,").as_bytes(), &mut out);
        r.row(format!("366000002,24,{t},,,,37,12").as_bytes(), &mut out);
        r.row(
            format!("366000002,18,{t},8.8,-103.6,,,").as_bytes(),
            &mut out,
        );
        assert_eq!(out.len(), 3, "{out:?}");
        match &out[1].0.body {
            Body::StaticVoyage(s) => {
                assert_eq!(s.shipname.as_str().trim(), "SEA DOG");
                assert_eq!(s.shiptype, 37);
                assert_eq!(s.dimensions.to_bow + s.dimensions.to_stern, 12);
            }
            b => panic!("{b:?}"),
        }
        assert!(matches!(out[2].0.body, Body::ClassBPosition(_)));
        // The same static report again: nothing new.
        out.clear();
        r.row(format!("366000002,24,{t},,,SEA DOG,,").as_bytes(), &mut out);
        assert!(out.is_empty());
        assert_eq!(r.stats().statics, 2);
        assert_eq!(r.stats().positions, 4);
        // Not a message number: refused, named; an empty one is read as
        // a position report with its static data, as without the column.
        r.row(
            format!("366000003,30,{t},8.8,-103.6,,,").as_bytes(),
            &mut out,
        );
        r.row(
            format!("366000003,1.5,{t},8.8,-103.6,,,").as_bytes(),
            &mut out,
        );
        assert_eq!(r.stats().rejected["bad_msg_type"], 2);
        r.row(
            format!("366000003,,{t},8.8,-103.6,X,,").as_bytes(),
            &mut out,
        );
        assert_eq!(out.len(), 2);
        // A static report needs no position; a position report does.
        r.row(format!("366000004,1,{t},,,,,").as_bytes(), &mut out);
        assert_eq!(r.stats().rejected["bad_position"], 1);

        // In words, every row a position with its static data.
        let map = CsvMapping::parse(
            "mmsi=MMSI,time=# Timestamp,lat=Latitude,lon=Longitude,name=Name,msg_type=Type of mobile",
        )
        .unwrap();
        let mut r = CsvReader::new(
            b"# Timestamp,Type of mobile,MMSI,Latitude,Longitude,Name",
            &map,
            TimeFormat::Iso,
        )
        .unwrap();
        let mut out = Vec::new();
        r.row(
            format!("{t},Base Station,2190068,55.1,11.2,").as_bytes(),
            &mut out,
        );
        r.row(
            format!("{t},AtoN,992191001,55.1,11.2,BUOY").as_bytes(),
            &mut out,
        );
        r.row(
            format!("{t},Class B,219000001,55.1,11.2,KAJA").as_bytes(),
            &mut out,
        );
        r.row(
            format!("{t},Class A,219000002,55.1,11.2,").as_bytes(),
            &mut out,
        );
        r.row(
            format!("{t},Class C,219000003,55.1,11.2,").as_bytes(),
            &mut out,
        );
        r.row(
            format!("{t},SAR Airborne,111219501,55.1,11.2,").as_bytes(),
            &mut out,
        );
        assert!(matches!(
            out.last().map(|m| &m.0.body),
            Some(Body::SarAircraft(_))
        ));
        out.pop();
        out.pop();
        assert_eq!(r.stats().not_vessels.values().sum::<u64>(), 2);
        assert_eq!(r.stats().rejected["bad_msg_type"], 1);
        assert_eq!(out.len(), 4);
        assert!(matches!(out[1].0.body, Body::ClassBPosition(_)));
        assert!(matches!(out[3].0.body, Body::Position(_)));
        // A mapped column the header lacks is named.
        let map = CsvMapping::parse("msg_type=Message_ID").unwrap();
        let e = CsvReader::new(b"MMSI,BaseDateTime,LAT,LON", &map, TimeFormat::Iso).unwrap_err();
        assert!(e.to_string().contains("msg_type=COLUMN"), "{e}");
    }
}

//! The columnar position archive (feature `parquet`): decoded AIS
//! positions and static data in Parquet files partitioned by day, sorted by
//! vessel and time, with a manifest beside them:
//!
//! ```text
//! DIR/finisterra-archive.json                          the manifest
//! DIR/positions/day=YYYY-MM-DD/part-N.parquet          position reports
//! DIR/static/day=YYYY-MM-DD/part-N.parquet             static data (5, 19, 24)
//! ```
//!
//! The files are plain Parquet (Snappy, row groups of 131,072 rows, Hive
//! partition names), readable as they are by DuckDB
//! (`read_parquet('DIR/positions/*/*.parquet')`), pandas/pyarrow
//! (`pd.read_parquet('DIR/positions')`) and polars. Columns carry their unit
//! in the name (`lat_deg`, `sog_kn`, `heading_deg`, `rot_deg_per_min`, `time`
//! a UTC millisecond timestamp); `seq` is the order in which the messages
//! were read, so that a census reading the archive sees them in the order it
//! would have seen the original input ([`DayReader`]).
//!
//! [`ArchiveBuilder`] takes decoded messages (from [`crate::NmeaInput`] or
//! [`crate::CsvInput`]) and writes a day once data time has passed its end
//! by [`DAY_SLACK_MS`]; rows that come later for a day already written go
//! to a new part of that day. Appending to an archive writes new parts only:
//! no file already listed in the manifest is ever rewritten.
//!
//! Files are opened by the caller (`open` callbacks and readers), as
//! everywhere in this crate.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int8Builder, StringBuilder, TimestampMillisecondBuilder,
    UInt16Builder, UInt32Builder, UInt64Builder, UInt8Builder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float64Type, Int8Type, TimestampMillisecondType, UInt16Type, UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use finisterra_ais::{
    AisMessage, Body, ClassBExtended, ClassBPosition, Dimensions, LongRangePosition,
    PositionReport, SarAircraftReport, StaticDataReport, StaticPartB, StaticVoyage, Text, Turn,
};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;
use parquet::file::reader::ChunkReader;
use serde::{Deserialize, Serialize};

use crate::util::day_key;

/// The manifest's file name: a directory holding it is an archive.
pub const MANIFEST: &str = "finisterra-archive.json";
/// The manifest's `format`.
pub const FORMAT: &str = "finisterra-archive";
/// The archive layout this version writes and reads.
pub const VERSION: u32 = 1;
/// A day is written once data time (as the engine's data-time gate admits
/// it: a single time far ahead is not believed until confirmed) is this far
/// past its end; later rows for it go to a new part.
pub const DAY_SLACK_MS: i64 = 3_600_000;
/// Rows per Parquet row group.
pub const ROW_GROUP_ROWS: usize = 131_072;
/// Rows per part file at most (eight row groups): a day's rows are cut into
/// parts in reading order, each sorted by vessel and time, so that a census
/// reading the day holds one part at a time ([`DayReader`]), and a build
/// one part of each open day.
pub const PART_ROWS: usize = 8 * ROW_GROUP_ROWS;

const DAY_MS: i64 = 86_400_000;

/// Why an archive cannot be written or read; every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// The manifest is not JSON or not an archive's.
    #[error("{file}: not a finisterra archive manifest: {reason}")]
    Manifest {
        /// The file.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// Written by another version of the layout.
    #[error(
        "{file}: archive layout version {found}, this finisterra reads version {VERSION}: rebuild it with `finisterra archive build`"
    )]
    Version {
        /// The file.
        file: String,
        /// Its version.
        found: u32,
    },
    /// A Parquet file could not be written or read (truncated, foreign).
    #[error("{file}: {reason}")]
    Parquet {
        /// The file.
        file: String,
        /// What the Parquet reader or writer said.
        reason: String,
    },
    /// A Parquet file without a column of the archive's.
    #[error("{file}: not an archive file: no column {column} of type {expected}")]
    Column {
        /// The file.
        file: String,
        /// The column.
        column: String,
        /// Its type in the archive.
        expected: String,
    },
    /// A Parquet file's row outside the manifest's `seq` range for it.
    #[error("{file}: a row's seq {found} is outside the manifest's {first}..={last}")]
    Seq {
        /// The file.
        file: String,
        /// The row's `seq`.
        found: u64,
        /// The manifest's first `seq` for the file.
        first: u64,
        /// Its last.
        last: u64,
    },
    /// A Parquet file's rows differ from the manifest's count.
    #[error("{file}: {found} rows, the manifest says {expected}")]
    Rows {
        /// The file.
        file: String,
        /// Rows in the manifest.
        expected: u64,
        /// Rows read.
        found: u64,
    },
}

impl ArchiveError {
    /// A stable key for counting.
    pub fn reason(&self) -> &'static str {
        match self {
            ArchiveError::Manifest { .. } => "bad_manifest",
            ArchiveError::Version { .. } => "archive_version",
            ArchiveError::Parquet { .. } => "bad_parquet",
            ArchiveError::Column { .. } => "missing_column",
            ArchiveError::Rows { .. } => "row_count",
            ArchiveError::Seq { .. } => "seq_range",
        }
    }
}

pub(crate) fn pq_err(file: &str, e: impl std::fmt::Display) -> ArchiveError {
    ArchiveError::Parquet {
        file: file.to_string(),
        reason: e.to_string(),
    }
}

/// One Parquet file of the archive.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Part {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    /// Path relative to the archive directory.
    pub file: String,
    /// Rows.
    pub rows: u64,
    /// Distinct MMSIs.
    pub vessels: u64,
    /// Earliest time, ms.
    pub first_time_ms: i64,
    /// Latest time, ms.
    pub last_time_ms: i64,
    /// First and last `seq`.
    pub seq: (u64, u64),
}

/// One `archive build` run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Build {
    /// Its inputs, in the order read.
    pub inputs: Vec<String>,
    /// Position rows written.
    pub positions: u64,
    /// Static rows written.
    pub statics: u64,
    /// Messages not archived, by reason (`other_message`: not a position or
    /// static report; `time_out_of_range`: a time outside 1990–2100).
    pub skipped: BTreeMap<String, u64>,
    /// The input counters (lines, messages, rejected lines by reason), as
    /// `summary.json`'s `input`.
    pub input: serde_json::Value,
    /// Vessel ids that are not MMSIs (a CSV file whose ids are all below
    /// [`crate::csv::MMSI_MIN_ID`]): the census does not check them as
    /// MMSIs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ids_not_mmsis: Vec<u32>,
    /// Resolution of the times read, seconds (60: a CSV time format without
    /// seconds; 0: exact): a census of the archive judges speeds with it,
    /// as a census of the inputs would (`time_resolution_s`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub time_resolution_s: f64,
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

/// `finisterra-archive.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// The layout version ([`VERSION`]).
    pub version: u32,
    /// The `seq` the next message archived gets.
    pub next_seq: u64,
    /// Position files, by day then part.
    pub positions: Vec<Part>,
    /// Static data files, by day then part.
    pub statics: Vec<Part>,
    /// The builds that made the archive, oldest first.
    pub builds: Vec<Build>,
}

impl Default for Manifest {
    fn default() -> Self {
        Manifest {
            format: FORMAT.into(),
            version: VERSION,
            next_seq: 0,
            positions: Vec::new(),
            statics: Vec::new(),
            builds: Vec::new(),
        }
    }
}

impl Manifest {
    /// Reads a manifest (`file` names it in errors); refuses another
    /// format or version.
    pub fn parse(text: &str, file: &str) -> Result<Manifest, ArchiveError> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| ArchiveError::Manifest {
                file: file.into(),
                reason: e.to_string(),
            })?;
        if v["format"] != FORMAT {
            return Err(ArchiveError::Manifest {
                file: file.into(),
                reason: format!("format is {}, not \"{FORMAT}\"", v["format"]),
            });
        }
        let found = v["version"].as_u64().unwrap_or(0) as u32;
        if found != VERSION {
            return Err(ArchiveError::Version {
                file: file.into(),
                found,
            });
        }
        serde_json::from_value(v).map_err(|e| ArchiveError::Manifest {
            file: file.into(),
            reason: e.to_string(),
        })
    }

    /// The manifest as pretty JSON with a final line end.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// The days of the archive in order, each with its position and static
    /// parts.
    pub fn days(&self) -> Vec<(String, Vec<&Part>, Vec<&Part>)> {
        let mut by: BTreeMap<&str, (Vec<&Part>, Vec<&Part>)> = BTreeMap::new();
        for p in &self.positions {
            by.entry(&p.day).or_default().0.push(p);
        }
        for p in &self.statics {
            by.entry(&p.day).or_default().1.push(p);
        }
        by.into_iter()
            .map(|(d, (p, s))| (d.to_string(), p, s))
            .collect()
    }

    /// The earliest time in the archive, ms.
    pub fn first_time_ms(&self) -> Option<i64> {
        self.positions
            .iter()
            .chain(&self.statics)
            .map(|p| p.first_time_ms)
            .min()
    }

    /// Every build's ids that are not MMSIs.
    pub fn ids_not_mmsis(&self) -> Vec<u32> {
        let mut v: Vec<u32> = self
            .builds
            .iter()
            .flat_map(|b| b.ids_not_mmsis.iter().copied())
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The coarsest resolution of the times any build read, seconds
    /// ([`Build::time_resolution_s`]).
    pub fn time_resolution_s(&self) -> f64 {
        self.builds
            .iter()
            .map(|b| b.time_resolution_s)
            .fold(0.0, f64::max)
    }

    /// Rows in all position files.
    pub fn position_rows(&self) -> u64 {
        self.positions.iter().map(|p| p.rows).sum()
    }
}

/// An optional `f64` in eight bytes (`Option<f64>` takes sixteen, and a
/// day's positions are held whole while it is read): `None` is one NaN
/// payload that no arithmetic produces (a signalling NaN; operations give
/// quiet ones) and that no decoder or CSV reader writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct OptF64(u64);

impl OptF64 {
    const NONE_BITS: u64 = 0x7FF4_0000_F15E_0001;
    const NONE: OptF64 = OptF64(Self::NONE_BITS);

    fn get(self) -> Option<f64> {
        (self.0 != Self::NONE_BITS).then(|| f64::from_bits(self.0))
    }
}

impl From<Option<f64>> for OptF64 {
    fn from(v: Option<f64>) -> OptF64 {
        v.map_or(OptF64::NONE, |x| OptF64(x.to_bits()))
    }
}

/// A position report as archived.
#[derive(Debug, Clone, Copy, PartialEq)]
struct PosRow {
    mmsi: u32,
    t: i64,
    seq: u64,
    msg_type: u8,
    lat: OptF64,
    lon: OptF64,
    sog: OptF64,
    cog: OptF64,
    heading: Option<u16>,
    rot_raw: Option<i8>,
    status: Option<u8>,
    accuracy: bool,
    raim: bool,
    second: u8,
    maneuver: Option<u8>,
    altitude_m: Option<u16>,
}

/// Static data as archived.
#[derive(Debug, Clone, PartialEq, Default)]
struct StatRow {
    mmsi: u32,
    t: i64,
    seq: u64,
    msg_type: u8,
    part: Option<u8>,
    name: Option<Arc<str>>,
    callsign: Option<Arc<str>>,
    imo: Option<u32>,
    ship_type: Option<u8>,
    dims: Option<(u16, u16, u8, u8)>,
    draught_m: Option<f64>,
    destination: Option<Arc<str>>,
    eta: Option<(u8, u8, u8, u8)>,
    epfd: Option<u8>,
    ais_version: Option<u8>,
    dte: Option<bool>,
    vendor_id: Option<Arc<str>>,
    model: Option<u8>,
    serial: Option<u32>,
    mothership_mmsi: Option<u32>,
}

fn text(s: &str) -> Option<Arc<str>> {
    (!s.is_empty()).then(|| Arc::from(s))
}

fn dims(d: &Dimensions) -> Option<(u16, u16, u8, u8)> {
    Some((d.to_bow, d.to_stern, d.to_port, d.to_starboard))
}

fn pos_row(m: &AisMessage, t: i64, seq: u64) -> Option<PosRow> {
    let base = PosRow {
        mmsi: m.mmsi,
        t,
        seq,
        msg_type: m.msg_type,
        lat: OptF64::NONE,
        lon: OptF64::NONE,
        sog: OptF64::NONE,
        cog: OptF64::NONE,
        heading: None,
        rot_raw: None,
        status: None,
        accuracy: false,
        raim: false,
        second: 60,
        maneuver: None,
        altitude_m: None,
    };
    Some(match &m.body {
        Body::Position(p) => PosRow {
            lat: p.lat_deg.into(),
            lon: p.lon_deg.into(),
            sog: p.sog_kn.into(),
            cog: p.cog_deg.into(),
            heading: p.heading_deg,
            rot_raw: Some(p.turn.map_or(-128, Turn::raw)),
            status: Some(p.status),
            accuracy: p.accuracy,
            raim: p.raim,
            second: p.second,
            maneuver: Some(p.maneuver),
            ..base
        },
        Body::ClassBPosition(p) => PosRow {
            lat: p.lat_deg.into(),
            lon: p.lon_deg.into(),
            sog: p.sog_kn.into(),
            cog: p.cog_deg.into(),
            heading: p.heading_deg,
            accuracy: p.accuracy,
            raim: p.raim,
            second: p.second,
            ..base
        },
        Body::ClassBExtended(p) => PosRow {
            lat: p.lat_deg.into(),
            lon: p.lon_deg.into(),
            sog: p.sog_kn.into(),
            cog: p.cog_deg.into(),
            heading: p.heading_deg,
            accuracy: p.accuracy,
            raim: p.raim,
            second: p.second,
            ..base
        },
        Body::SarAircraft(p) => PosRow {
            lat: p.lat_deg.into(),
            lon: p.lon_deg.into(),
            sog: p.sog_kn.into(),
            cog: p.cog_deg.into(),
            accuracy: p.accuracy,
            raim: p.raim,
            second: p.second,
            altitude_m: p.altitude_m,
            ..base
        },
        Body::LongRange(p) => PosRow {
            lat: p.lat_deg.into(),
            lon: p.lon_deg.into(),
            sog: p.sog_kn.into(),
            cog: p.cog_deg.into(),
            status: Some(p.status),
            accuracy: p.accuracy,
            raim: p.raim,
            ..base
        },
        _ => return None,
    })
}

fn stat_row(m: &AisMessage, t: i64, seq: u64) -> Option<StatRow> {
    let base = StatRow {
        mmsi: m.mmsi,
        t,
        seq,
        msg_type: m.msg_type,
        ..StatRow::default()
    };
    Some(match &m.body {
        Body::StaticVoyage(s) => StatRow {
            name: text(s.shipname.as_str()),
            callsign: text(s.callsign.as_str()),
            imo: Some(s.imo),
            ship_type: Some(s.shiptype),
            dims: dims(&s.dimensions),
            draught_m: s.draught_m,
            destination: text(s.destination.as_str()),
            eta: Some((s.eta_month, s.eta_day, s.eta_hour, s.eta_minute)),
            epfd: Some(s.epfd),
            ais_version: Some(s.ais_version),
            dte: Some(s.dte),
            ..base
        },
        Body::StaticData(StaticDataReport::PartA { shipname }) => StatRow {
            part: Some(0),
            name: text(shipname.as_str()),
            ..base
        },
        Body::StaticData(StaticDataReport::PartB(b)) => StatRow {
            part: Some(1),
            callsign: text(b.callsign.as_str()),
            ship_type: Some(b.shiptype),
            dims: dims(&b.dimensions),
            vendor_id: text(b.vendor_id.as_str()),
            model: Some(b.model),
            serial: Some(b.serial),
            mothership_mmsi: b.mothership_mmsi,
            ..base
        },
        // Type 19's static part, beside its position (read back from the
        // position row).
        Body::ClassBExtended(s) => StatRow {
            name: text(s.shipname.as_str()),
            ship_type: Some(s.shiptype),
            dims: dims(&s.dimensions),
            epfd: Some(s.epfd),
            dte: Some(s.dte),
            ..base
        },
        _ => return None,
    })
}

/// The message of a position row (what the engine and the census use;
/// see [`ArchiveBuilder`] for what is not kept).
fn pos_message(r: &PosRow, name: Option<&StatRow>) -> AisMessage {
    let body = match r.msg_type {
        18 => Body::ClassBPosition(ClassBPosition {
            reserved: 0,
            sog_kn: r.sog.get(),
            accuracy: r.accuracy,
            lon_deg: r.lon.get(),
            lat_deg: r.lat.get(),
            cog_deg: r.cog.get(),
            heading_deg: r.heading,
            second: r.second,
            regional: 0,
            cs: false,
            display: false,
            dsc: false,
            band: false,
            msg22: false,
            assigned: false,
            raim: r.raim,
            radio: 0,
        }),
        19 => {
            let s = name.cloned().unwrap_or_default();
            let (to_bow, to_stern, to_port, to_starboard) = s.dims.unwrap_or_default();
            Body::ClassBExtended(ClassBExtended {
                reserved: 0,
                sog_kn: r.sog.get(),
                accuracy: r.accuracy,
                lon_deg: r.lon.get(),
                lat_deg: r.lat.get(),
                cog_deg: r.cog.get(),
                heading_deg: r.heading,
                second: r.second,
                regional: 0,
                shipname: Text::from_str_lossy(s.name.as_deref().unwrap_or("")),
                shiptype: s.ship_type.unwrap_or(0),
                dimensions: Dimensions {
                    to_bow,
                    to_stern,
                    to_port,
                    to_starboard,
                },
                epfd: s.epfd.unwrap_or(0),
                raim: r.raim,
                dte: s.dte.unwrap_or(true),
                assigned: false,
            })
        }
        9 => Body::SarAircraft(SarAircraftReport {
            altitude_m: r.altitude_m,
            sog_kn: r.sog.get(),
            accuracy: r.accuracy,
            lon_deg: r.lon.get(),
            lat_deg: r.lat.get(),
            cog_deg: r.cog.get(),
            second: r.second,
            regional: 0,
            dte: true,
            assigned: false,
            raim: r.raim,
            radio: 0,
        }),
        27 => Body::LongRange(LongRangePosition {
            accuracy: r.accuracy,
            raim: r.raim,
            status: r.status.unwrap_or(15),
            lon_deg: r.lon.get(),
            lat_deg: r.lat.get(),
            sog_kn: r.sog.get(),
            cog_deg: r.cog.get(),
            position_latency: false,
        }),
        _ => Body::Position(PositionReport {
            status: r.status.unwrap_or(15),
            turn: Turn::from_raw(r.rot_raw.unwrap_or(-128)),
            sog_kn: r.sog.get(),
            accuracy: r.accuracy,
            lon_deg: r.lon.get(),
            lat_deg: r.lat.get(),
            cog_deg: r.cog.get(),
            heading_deg: r.heading,
            second: r.second,
            maneuver: r.maneuver.unwrap_or(0),
            raim: r.raim,
            radio: 0,
        }),
    };
    AisMessage {
        msg_type: r.msg_type,
        repeat: 0,
        mmsi: r.mmsi,
        body,
    }
}

fn stat_message(r: &StatRow) -> AisMessage {
    fn t(s: &Option<Arc<str>>) -> &str {
        s.as_deref().unwrap_or("")
    }
    let (to_bow, to_stern, to_port, to_starboard) = r.dims.unwrap_or_default();
    let dimensions = Dimensions {
        to_bow,
        to_stern,
        to_port,
        to_starboard,
    };
    let body = match (r.msg_type, r.part) {
        (24, Some(0)) => Body::StaticData(StaticDataReport::PartA {
            shipname: Text::from_str_lossy(t(&r.name)),
        }),
        (24, _) => Body::StaticData(StaticDataReport::PartB(StaticPartB {
            shiptype: r.ship_type.unwrap_or(0),
            vendor_id: Text::from_str_lossy(t(&r.vendor_id)),
            model: r.model.unwrap_or(0),
            serial: r.serial.unwrap_or(0),
            callsign: Text::from_str_lossy(t(&r.callsign)),
            dimensions,
            mothership_mmsi: r.mothership_mmsi,
        })),
        _ => {
            let (eta_month, eta_day, eta_hour, eta_minute) = r.eta.unwrap_or((0, 0, 24, 60));
            Body::StaticVoyage(StaticVoyage {
                ais_version: r.ais_version.unwrap_or(0),
                imo: r.imo.unwrap_or(0),
                callsign: Text::from_str_lossy(t(&r.callsign)),
                shipname: Text::from_str_lossy(t(&r.name)),
                shiptype: r.ship_type.unwrap_or(0),
                dimensions,
                epfd: r.epfd.unwrap_or(0),
                eta_month,
                eta_day,
                eta_hour,
                eta_minute,
                draught_m: r.draught_m,
                destination: Text::from_str_lossy(t(&r.destination)),
                dte: r.dte.unwrap_or(true),
            })
        }
    };
    AisMessage {
        msg_type: r.msg_type,
        repeat: 0,
        mmsi: r.mmsi,
        body,
    }
}

pub(crate) fn ts() -> DataType {
    DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))
}

/// The columns of the position files, in order.
pub fn position_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("mmsi", DataType::UInt32, false),
        Field::new("time", ts(), false),
        Field::new("seq", DataType::UInt64, false),
        Field::new("msg_type", DataType::UInt8, false),
        Field::new("lat_deg", DataType::Float64, true),
        Field::new("lon_deg", DataType::Float64, true),
        Field::new("sog_kn", DataType::Float64, true),
        Field::new("cog_deg", DataType::Float64, true),
        Field::new("heading_deg", DataType::UInt16, true),
        Field::new("rot_deg_per_min", DataType::Float64, true),
        Field::new("rot_indicator", DataType::Int8, true),
        Field::new("nav_status", DataType::UInt8, true),
        Field::new("accuracy", DataType::Boolean, false),
        Field::new("raim", DataType::Boolean, false),
        Field::new("utc_second", DataType::UInt8, false),
        Field::new("maneuver", DataType::UInt8, true),
        Field::new("altitude_m", DataType::UInt16, true),
    ]))
}

/// The columns of the static files, in order.
pub fn static_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("mmsi", DataType::UInt32, false),
        Field::new("time", ts(), false),
        Field::new("seq", DataType::UInt64, false),
        Field::new("msg_type", DataType::UInt8, false),
        Field::new("part", DataType::UInt8, true),
        Field::new("name", DataType::Utf8, true),
        Field::new("callsign", DataType::Utf8, true),
        Field::new("imo", DataType::UInt32, true),
        Field::new("ship_type", DataType::UInt8, true),
        Field::new("to_bow_m", DataType::UInt16, true),
        Field::new("to_stern_m", DataType::UInt16, true),
        Field::new("to_port_m", DataType::UInt8, true),
        Field::new("to_starboard_m", DataType::UInt8, true),
        Field::new("draught_m", DataType::Float64, true),
        Field::new("destination", DataType::Utf8, true),
        Field::new("eta_month", DataType::UInt8, true),
        Field::new("eta_day", DataType::UInt8, true),
        Field::new("eta_hour", DataType::UInt8, true),
        Field::new("eta_minute", DataType::UInt8, true),
        Field::new("epfd", DataType::UInt8, true),
        Field::new("ais_version", DataType::UInt8, true),
        Field::new("dte", DataType::Boolean, true),
        Field::new("vendor_id", DataType::Utf8, true),
        Field::new("model", DataType::UInt8, true),
        Field::new("serial", DataType::UInt32, true),
        Field::new("mothership_mmsi", DataType::UInt32, true),
    ]))
}

pub(crate) fn props() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_created_by(format!(
            "finisterra archive {} (layout {VERSION})",
            env!("CARGO_PKG_VERSION")
        ))
        .build()
}

/// The rows `order` picks, as one batch. The rows are copied out first in
/// a loop of their own: the picks are scattered over the day's rows, and a
/// short loop lets the processor fetch many of them at once.
fn pos_batch(all: &[PosRow], order: &[u32]) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let rows: Vec<PosRow> = order.iter().map(|&i| all[i as usize]).collect();
    let n = rows.len();
    let mut mmsi = UInt32Builder::with_capacity(n);
    let mut time = TimestampMillisecondBuilder::with_capacity(n).with_timezone("UTC");
    let mut seq = UInt64Builder::with_capacity(n);
    let mut ty = UInt8Builder::with_capacity(n);
    let mut lat = Float64Builder::with_capacity(n);
    let mut lon = Float64Builder::with_capacity(n);
    let mut sog = Float64Builder::with_capacity(n);
    let mut cog = Float64Builder::with_capacity(n);
    let mut hdg = UInt16Builder::with_capacity(n);
    let mut rot = Float64Builder::with_capacity(n);
    let mut rot_raw = Int8Builder::with_capacity(n);
    let mut status = UInt8Builder::with_capacity(n);
    let mut acc = BooleanBuilder::with_capacity(n);
    let mut raim = BooleanBuilder::with_capacity(n);
    let mut second = UInt8Builder::with_capacity(n);
    let mut man = UInt8Builder::with_capacity(n);
    let mut alt = UInt16Builder::with_capacity(n);
    for r in rows {
        mmsi.append_value(r.mmsi);
        time.append_value(r.t);
        seq.append_value(r.seq);
        ty.append_value(r.msg_type);
        lat.append_option(r.lat.get());
        lon.append_option(r.lon.get());
        sog.append_option(r.sog.get());
        cog.append_option(r.cog.get());
        hdg.append_option(r.heading);
        rot.append_option(
            r.rot_raw
                .and_then(Turn::from_raw)
                .and_then(Turn::deg_per_min),
        );
        rot_raw.append_option(r.rot_raw);
        status.append_option(r.status);
        acc.append_value(r.accuracy);
        raim.append_value(r.raim);
        second.append_value(r.second);
        man.append_option(r.maneuver);
        alt.append_option(r.altitude_m);
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(mmsi.finish()),
        Arc::new(time.finish()),
        Arc::new(seq.finish()),
        Arc::new(ty.finish()),
        Arc::new(lat.finish()),
        Arc::new(lon.finish()),
        Arc::new(sog.finish()),
        Arc::new(cog.finish()),
        Arc::new(hdg.finish()),
        Arc::new(rot.finish()),
        Arc::new(rot_raw.finish()),
        Arc::new(status.finish()),
        Arc::new(acc.finish()),
        Arc::new(raim.finish()),
        Arc::new(second.finish()),
        Arc::new(man.finish()),
        Arc::new(alt.finish()),
    ];
    RecordBatch::try_new(position_schema(), cols)
}

/// The rows `order` picks, as one batch.
fn stat_batch(all: &[StatRow], order: &[u32]) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let rows: Vec<&StatRow> = order.iter().map(|&i| &all[i as usize]).collect();
    let n = rows.len();
    let mut mmsi = UInt32Builder::with_capacity(n);
    let mut time = TimestampMillisecondBuilder::with_capacity(n).with_timezone("UTC");
    let mut seq = UInt64Builder::with_capacity(n);
    let mut ty = UInt8Builder::with_capacity(n);
    let mut part = UInt8Builder::with_capacity(n);
    let mut name = StringBuilder::new();
    let mut callsign = StringBuilder::new();
    let mut imo = UInt32Builder::with_capacity(n);
    let mut ship_type = UInt8Builder::with_capacity(n);
    let mut bow = UInt16Builder::with_capacity(n);
    let mut stern = UInt16Builder::with_capacity(n);
    let mut port = UInt8Builder::with_capacity(n);
    let mut stbd = UInt8Builder::with_capacity(n);
    let mut draught = Float64Builder::with_capacity(n);
    let mut dest = StringBuilder::new();
    let mut em = UInt8Builder::with_capacity(n);
    let mut ed = UInt8Builder::with_capacity(n);
    let mut eh = UInt8Builder::with_capacity(n);
    let mut emi = UInt8Builder::with_capacity(n);
    let mut epfd = UInt8Builder::with_capacity(n);
    let mut ver = UInt8Builder::with_capacity(n);
    let mut dte = BooleanBuilder::with_capacity(n);
    let mut vendor = StringBuilder::new();
    let mut model = UInt8Builder::with_capacity(n);
    let mut serial = UInt32Builder::with_capacity(n);
    let mut mother = UInt32Builder::with_capacity(n);
    for r in rows {
        mmsi.append_value(r.mmsi);
        time.append_value(r.t);
        seq.append_value(r.seq);
        ty.append_value(r.msg_type);
        part.append_option(r.part);
        name.append_option(r.name.as_deref());
        callsign.append_option(r.callsign.as_deref());
        imo.append_option(r.imo);
        ship_type.append_option(r.ship_type);
        bow.append_option(r.dims.map(|d| d.0));
        stern.append_option(r.dims.map(|d| d.1));
        port.append_option(r.dims.map(|d| d.2));
        stbd.append_option(r.dims.map(|d| d.3));
        draught.append_option(r.draught_m);
        dest.append_option(r.destination.as_deref());
        em.append_option(r.eta.map(|e| e.0));
        ed.append_option(r.eta.map(|e| e.1));
        eh.append_option(r.eta.map(|e| e.2));
        emi.append_option(r.eta.map(|e| e.3));
        epfd.append_option(r.epfd);
        ver.append_option(r.ais_version);
        dte.append_option(r.dte);
        vendor.append_option(r.vendor_id.as_deref());
        model.append_option(r.model);
        serial.append_option(r.serial);
        mother.append_option(r.mothership_mmsi);
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(mmsi.finish()),
        Arc::new(time.finish()),
        Arc::new(seq.finish()),
        Arc::new(ty.finish()),
        Arc::new(part.finish()),
        Arc::new(name.finish()),
        Arc::new(callsign.finish()),
        Arc::new(imo.finish()),
        Arc::new(ship_type.finish()),
        Arc::new(bow.finish()),
        Arc::new(stern.finish()),
        Arc::new(port.finish()),
        Arc::new(stbd.finish()),
        Arc::new(draught.finish()),
        Arc::new(dest.finish()),
        Arc::new(em.finish()),
        Arc::new(ed.finish()),
        Arc::new(eh.finish()),
        Arc::new(emi.finish()),
        Arc::new(epfd.finish()),
        Arc::new(ver.finish()),
        Arc::new(dte.finish()),
        Arc::new(vendor.finish()),
        Arc::new(model.finish()),
        Arc::new(serial.finish()),
        Arc::new(mother.finish()),
    ];
    RecordBatch::try_new(static_schema(), cols)
}

/// The rows of a day being built.
#[derive(Default)]
struct OpenDay {
    pos: Vec<PosRow>,
    stat: Vec<StatRow>,
}

/// Writes decoded messages into an archive, a day at a time.
///
/// Kept: every position report (types 1–3, 9, 18, 19, 27) and static
/// report (5, 19's static part, 24) with its time and reading order
/// (`seq`). Not kept (the engine and the census do not use them): the
/// radio state, the class B unit flags (`cs`, `display`, `dsc`, `band`,
/// `msg22`, `assigned`), regional bits, type 27's position latency flag,
/// type 9's DTE and assigned flags; other message types are counted in the
/// build's `skipped`.
pub struct ArchiveBuilder {
    manifest: Manifest,
    build: Build,
    days: BTreeMap<i64, OpenDay>,
    /// Data time, as the engine's gate admits it: one broken time far
    /// ahead does not close the days before it.
    gate: finisterra_engine::DataClock,
    /// Threads that encode a row group's columns (the files are the same,
    /// byte for byte, whatever the number).
    threads: usize,
    /// Parts named per (kind, day) so far, the manifest's included.
    parts_taken: BTreeMap<(String, String), usize>,
    /// Days taken and not recorded yet.
    pending: usize,
    /// Rows per part at most ([`PART_ROWS`]).
    part_rows: usize,
}

/// Rows of a day taken out of an [`ArchiveBuilder`] (at most a part's of
/// each kind), with the names of the parts they go to: written by
/// [`ReadyDay::write`] (on any thread), then recorded by
/// [`ArchiveBuilder::record`].
pub struct ReadyDay {
    key: String,
    pos_file: Option<String>,
    stat_file: Option<String>,
    rows: OpenDay,
}

impl std::fmt::Debug for ReadyDay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadyDay")
            .field("day", &self.key)
            .field("positions", &self.rows.pos.len())
            .field("statics", &self.rows.stat.len())
            .finish()
    }
}

/// The parts a [`ReadyDay`] was written to.
#[derive(Debug, Clone, PartialEq)]
pub struct WrittenDay {
    pos: Option<Part>,
    stat: Option<Part>,
}

impl ReadyDay {
    /// The day, `YYYY-MM-DD`.
    pub fn day(&self) -> &str {
        &self.key
    }

    /// Writes the day's parts through `open(path)`, each row group's
    /// columns encoded on `threads` threads.
    pub fn write<W: Write + Send, E: From<ArchiveError>>(
        self,
        threads: usize,
        mut open: impl FnMut(&str) -> Result<W, E>,
    ) -> Result<WrittenDay, E> {
        let mut out = WrittenDay {
            pos: None,
            stat: None,
        };
        if let Some(file) = &self.pos_file {
            let w = open(file)?;
            out.pos = Some(write_rows(
                w,
                (file, &self.key),
                &self.rows.pos,
                position_schema(),
                threads,
                pos_batch,
            )?);
        }
        if let Some(file) = &self.stat_file {
            let w = open(file)?;
            out.stat = Some(write_rows(
                w,
                (file, &self.key),
                &self.rows.stat,
                static_schema(),
                threads,
                stat_batch,
            )?);
        }
        Ok(out)
    }
}

impl std::fmt::Debug for ArchiveBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArchiveBuilder")
            .field("open_days", &self.days.len())
            .field("next_seq", &self.manifest.next_seq)
            .finish()
    }
}

/// Times outside this range are not archived (1990-01-01 to 2100-01-01).
const TIME_MIN_MS: i64 = 631_152_000_000;
const TIME_MAX_MS: i64 = 4_102_444_800_000;

impl ArchiveBuilder {
    /// A new archive, or more days for `existing` (its files are never
    /// rewritten: new rows of a day it has go to a new part).
    pub fn new(existing: Option<Manifest>, inputs: Vec<String>) -> ArchiveBuilder {
        ArchiveBuilder {
            manifest: existing.unwrap_or_default(),
            build: Build {
                inputs,
                ..Build::default()
            },
            days: BTreeMap::new(),
            gate: finisterra_engine::DataClock::default(),
            threads: 1,
            parts_taken: BTreeMap::new(),
            pending: 0,
            part_rows: PART_ROWS,
        }
    }

    /// Cuts each day into parts of at most `rows` rows of each kind
    /// (default [`PART_ROWS`]; at least 1): fewer rows held by a build and
    /// by a census reading the archive, more files.
    pub fn with_part_rows(mut self, rows: usize) -> ArchiveBuilder {
        self.part_rows = rows.max(1);
        self
    }

    /// The threads given to [`ArchiveBuilder::with_threads`].
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Encodes each row group's columns on `threads` threads (default 1).
    /// The files written are the same, byte for byte, whatever the number.
    pub fn with_threads(mut self, threads: usize) -> ArchiveBuilder {
        self.threads = threads.max(1);
        self
    }

    /// Takes one decoded message with its data time.
    pub fn push(&mut self, msg: &AisMessage, t: i64) {
        if !(TIME_MIN_MS..TIME_MAX_MS).contains(&t) {
            *self
                .build
                .skipped
                .entry("time_out_of_range".into())
                .or_default() += 1;
            return;
        }
        let seq = self.manifest.next_seq;
        let pos = pos_row(msg, t, seq);
        let stat = stat_row(msg, t, seq);
        if pos.is_none() && stat.is_none() {
            *self
                .build
                .skipped
                .entry("other_message".into())
                .or_default() += 1;
            return;
        }
        self.manifest.next_seq += 1;
        let day = self.days.entry(t.div_euclid(DAY_MS)).or_default();
        if let Some(p) = pos {
            day.pos.push(p);
        }
        if let Some(s) = stat {
            day.stat.push(s);
        }
        if let Ok(a) = self.gate.admit(Some(t), None) {
            self.gate.advance(a.time_ms);
        }
    }

    /// Writes the days that data time has left behind (by
    /// [`DAY_SLACK_MS`]), or all of them (`all`), through `open(path)`
    /// (a path relative to the archive directory; the caller creates its
    /// directories). The same as [`ArchiveBuilder::take_ready`], then
    /// [`ReadyDay::write`] and [`ArchiveBuilder::record`] for each day.
    pub fn write_ready<W: Write + Send, E: From<ArchiveError>>(
        &mut self,
        all: bool,
        mut open: impl FnMut(&str) -> Result<W, E>,
    ) -> Result<(), E> {
        for day in self.take_ready(all) {
            let written = day.write(self.threads, &mut open)?;
            self.record(written);
        }
        Ok(())
    }

    /// The days that data time has left behind (by [`DAY_SLACK_MS`]), or
    /// all of them (`all`), and the full parts of the days still open,
    /// taken out of the builder with the names of their new parts, to be
    /// written ([`ReadyDay::write`], maybe on another thread while the
    /// builder takes more messages) and then recorded
    /// ([`ArchiveBuilder::record`]) before [`ArchiveBuilder::finish`].
    pub fn take_ready(&mut self, all: bool) -> Vec<ReadyDay> {
        let now = self.gate.now_ms().unwrap_or(i64::MIN);
        let open: Vec<i64> = self.days.keys().copied().collect();
        let mut out = Vec::new();
        for d in open {
            let done = all || (d + 1) * DAY_MS + DAY_SLACK_MS <= now;
            let Some(day) = self.days.get_mut(&d) else {
                continue;
            };
            // Full parts of a day still open, every part of a day done: a
            // day's parts are its rows in reading order, cut every
            // `part_rows` rows whenever they are taken.
            let mut pieces = Vec::new();
            loop {
                let pos = take_front(&mut day.pos, self.part_rows, done);
                let stat = take_front(&mut day.stat, self.part_rows, done);
                if pos.is_empty() && stat.is_empty() {
                    break;
                }
                pieces.push(OpenDay { pos, stat });
            }
            if done {
                self.days.remove(&d);
            }
            let key = day_key(d * DAY_MS);
            for rows in pieces {
                let pos_file = (!rows.pos.is_empty()).then(|| self.new_part("positions", &key));
                let stat_file = (!rows.stat.is_empty()).then(|| self.new_part("static", &key));
                self.pending += 1;
                out.push(ReadyDay {
                    key: key.clone(),
                    pos_file,
                    stat_file,
                    rows,
                });
            }
        }
        out
    }

    /// The name of a new part of `kind` for day `key`: after the
    /// manifest's parts and those taken before in this build (recorded or
    /// not yet).
    fn new_part(&mut self, kind: &str, key: &str) -> String {
        let n = self
            .parts_taken
            .entry((kind.to_string(), key.to_string()))
            .or_insert_with(|| {
                let listed = if kind == "positions" {
                    &self.manifest.positions
                } else {
                    &self.manifest.statics
                };
                listed.iter().filter(|p| p.day == key).count()
            });
        let file = format!("{kind}/day={key}/part-{n}.parquet");
        *n += 1;
        file
    }

    /// Records a day written ([`ReadyDay::write`]) in the manifest.
    pub fn record(&mut self, w: WrittenDay) {
        self.pending = self.pending.saturating_sub(1);
        if let Some(p) = w.pos {
            self.build.positions += p.rows;
            self.manifest.positions.push(p);
        }
        if let Some(p) = w.stat {
            self.build.statics += p.rows;
            self.manifest.statics.push(p);
        }
    }

    /// These ids of the inputs are not MMSIs (see
    /// [`crate::CsvInput::ids_not_mmsis`]).
    pub fn ids_not_mmsis(&mut self, ids: &[u32]) {
        self.build.ids_not_mmsis.extend_from_slice(ids);
        self.build.ids_not_mmsis.sort_unstable();
        self.build.ids_not_mmsis.dedup();
    }

    /// The inputs' times have this resolution, seconds (a CSV time format
    /// without seconds: 60); the coarsest given is kept.
    pub fn time_resolution_s(&mut self, s: f64) {
        self.build.time_resolution_s = self.build.time_resolution_s.max(s);
    }

    /// Rows held for days not written yet.
    pub fn buffered(&self) -> usize {
        self.days.values().map(|d| d.pos.len() + d.stat.len()).sum()
    }

    /// Ends the build (every day must have been written: call
    /// [`ArchiveBuilder::write_ready`] with `all` first) with its input
    /// counters: the manifest to write.
    pub fn finish(mut self, input: serde_json::Value) -> Manifest {
        debug_assert!(self.days.is_empty(), "every day written");
        debug_assert_eq!(self.pending, 0, "every day written recorded");
        self.build.input = input;
        let key = |p: &Part| (p.day.clone(), p.file.len(), p.file.clone());
        self.manifest.positions.sort_by_key(key);
        self.manifest.statics.sort_by_key(key);
        self.manifest.builds.push(self.build);
        self.manifest
    }
}

/// The first `n` rows of `v`, or all of them with `all` when there are
/// fewer (none otherwise).
fn take_front<T>(v: &mut Vec<T>, n: usize, all: bool) -> Vec<T> {
    if v.len() >= n {
        let rest = v.split_off(n);
        std::mem::replace(v, rest)
    } else if all {
        std::mem::take(v)
    } else {
        Vec::new()
    }
}

trait Row {
    fn mmsi(&self) -> u32;
    fn t(&self) -> i64;
    fn seq(&self) -> u64;
}

impl Row for PosRow {
    fn mmsi(&self) -> u32 {
        self.mmsi
    }
    fn t(&self) -> i64 {
        self.t
    }
    fn seq(&self) -> u64 {
        self.seq
    }
}

impl Row for StatRow {
    fn mmsi(&self) -> u32 {
        self.mmsi
    }
    fn t(&self) -> i64 {
        self.t
    }
    fn seq(&self) -> u64 {
        self.seq
    }
}

/// The order in which a day's rows are written: by vessel, time and
/// reading order. The rows were pushed in reading order, so their index
/// stands for `seq`; sorting 16-byte keys instead of the rows themselves
/// (over 100 bytes each) is what makes it cheap.
fn written_order<R: Row>(rows: &[R]) -> Vec<u32> {
    let mut keys: Vec<u128> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            // The time's sign bit flipped: unsigned order is signed order.
            let t = (r.t() as u64) ^ (1 << 63);
            (u128::from(r.mmsi()) << 96) | (u128::from(t) << 32) | i as u128
        })
        .collect();
    keys.sort_unstable();
    keys.into_iter().map(|k| k as u32).collect()
}

fn write_rows<W: Write + Send, R: Row>(
    w: W,
    (file, day): (&str, &str),
    rows: &[R],
    schema: SchemaRef,
    threads: usize,
    batch: impl Fn(&[R], &[u32]) -> Result<RecordBatch, arrow_schema::ArrowError>,
) -> Result<Part, ArchiveError> {
    debug_assert!(rows.len() < u32::MAX as usize);
    debug_assert!(rows.windows(2).all(|w| w[0].seq() < w[1].seq()));
    let order = written_order(rows);
    let writer =
        ArrowWriter::try_new(w, Arc::clone(&schema), Some(props())).map_err(|e| pq_err(file, e))?;
    // ArrowWriter's own steps, with each row group's columns encoded on
    // `threads` threads: the same bytes as `ArrowWriter::write` (one row
    // group per batch of ROW_GROUP_ROWS rows).
    let (mut out, groups) = writer
        .into_serialized_writer()
        .map_err(|e| pq_err(file, e))?;
    for (g, chunk) in order.chunks(ROW_GROUP_ROWS).enumerate() {
        let b = batch(rows, chunk).map_err(|e| pq_err(file, e))?;
        let mut leaves = Vec::new();
        for (field, col) in schema.fields().iter().zip(b.columns()) {
            leaves.extend(
                parquet::arrow::arrow_writer::compute_leaves(field, col)
                    .map_err(|e| pq_err(file, e))?,
            );
        }
        let writers = groups
            .create_column_writers(g)
            .map_err(|e| pq_err(file, e))?;
        let chunks = encode_columns(writers, leaves, threads).map_err(|e| pq_err(file, e))?;
        let mut rg = out.next_row_group().map_err(|e| pq_err(file, e))?;
        for c in chunks {
            c.append_to_row_group(&mut rg)
                .map_err(|e| pq_err(file, e))?;
        }
        rg.close().map_err(|e| pq_err(file, e))?;
    }
    out.close().map_err(|e| pq_err(file, e))?;
    let mut vessels = 0u64;
    let mut last = None;
    for &i in &order {
        let m = rows[i as usize].mmsi();
        if last != Some(m) {
            vessels += 1;
            last = Some(m);
        }
    }
    Ok(Part {
        day: day.to_string(),
        file: file.to_string(),
        rows: rows.len() as u64,
        vessels,
        first_time_ms: rows.iter().map(Row::t).min().unwrap_or(0),
        last_time_ms: rows.iter().map(Row::t).max().unwrap_or(0),
        seq: (
            rows.iter().map(Row::seq).min().unwrap_or(0),
            rows.iter().map(Row::seq).max().unwrap_or(0),
        ),
    })
}

/// Each column writer given its leaf and closed, on up to `threads`
/// threads taking the next column as they finish one; the chunks in
/// column order.
fn encode_columns(
    writers: Vec<parquet::arrow::arrow_writer::ArrowColumnWriter>,
    leaves: Vec<parquet::arrow::arrow_writer::ArrowLeafColumn>,
    threads: usize,
) -> parquet::errors::Result<Vec<parquet::arrow::arrow_writer::ArrowColumnChunk>> {
    use parquet::arrow::arrow_writer::{ArrowColumnChunk, ArrowColumnWriter};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    if writers.len() != leaves.len() {
        return Err(parquet::errors::ParquetError::General(format!(
            "{} column writers for {} leaf columns",
            writers.len(),
            leaves.len()
        )));
    }
    let encode = |mut w: ArrowColumnWriter,
                  leaf: &parquet::arrow::arrow_writer::ArrowLeafColumn| {
        w.write(leaf)?;
        w.close()
    };
    if threads <= 1 {
        return writers
            .into_iter()
            .zip(&leaves)
            .map(|(w, leaf)| encode(w, leaf))
            .collect();
    }
    let n = writers.len();
    let jobs: Vec<Mutex<Option<ArrowColumnWriter>>> =
        writers.into_iter().map(|w| Mutex::new(Some(w))).collect();
    let done: Vec<Mutex<Option<parquet::errors::Result<ArrowColumnChunk>>>> =
        (0..n).map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let work = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= n {
            break;
        }
        let w = jobs[i].lock().ok().and_then(|mut j| j.take());
        if let Some(w) = w {
            let r = encode(w, &leaves[i]);
            if let Ok(mut d) = done[i].lock() {
                *d = Some(r);
            }
        }
    };
    std::thread::scope(|s| {
        for _ in 1..threads.min(n) {
            s.spawn(work);
        }
        work();
    });
    done.into_iter()
        .enumerate()
        .map(|(i, d)| {
            d.into_inner().ok().flatten().unwrap_or_else(|| {
                Err(parquet::errors::ParquetError::General(format!(
                    "column {i} was not encoded"
                )))
            })
        })
        .collect()
}

pub(crate) fn column<'a>(
    b: &'a RecordBatch,
    file: &str,
    name: &'static str,
    dt: DataType,
) -> Result<&'a ArrayRef, ArchiveError> {
    match b.column_by_name(name) {
        Some(c) if *c.data_type() == dt => Ok(c),
        _ => Err(ArchiveError::Column {
            file: file.to_string(),
            column: name.to_string(),
            expected: dt.to_string(),
        }),
    }
}

pub(crate) fn opt<P: arrow_array::ArrowPrimitiveType>(
    a: &arrow_array::PrimitiveArray<P>,
    i: usize,
) -> Option<P::Native> {
    a.is_valid(i).then(|| a.value(i))
}

pub(crate) fn read_batches<R: ChunkReader + 'static>(
    file: &str,
    r: R,
    expected_rows: u64,
    schema: SchemaRef,
    mut each: impl FnMut(&RecordBatch) -> Result<(), ArchiveError>,
) -> Result<(), ArchiveError> {
    let reader = batch_reader(file, r, schema)?;
    let mut n = 0u64;
    for b in reader {
        let b = b.map_err(|e| pq_err(file, e))?;
        n += b.num_rows() as u64;
        each(&b)?;
    }
    if n != expected_rows {
        return Err(ArchiveError::Rows {
            file: file.to_string(),
            expected: expected_rows,
            found: n,
        });
    }
    Ok(())
}

/// A Parquet file's batches, once its columns are checked against
/// `schema`.
pub(crate) fn batch_reader<R: ChunkReader + 'static>(
    file: &str,
    r: R,
    schema: SchemaRef,
) -> Result<parquet::arrow::arrow_reader::ParquetRecordBatchReader, ArchiveError> {
    let builder = ParquetRecordBatchReaderBuilder::try_new(r).map_err(|e| pq_err(file, e))?;
    for f in schema.fields() {
        let ok = builder
            .schema()
            .field_with_name(f.name())
            .is_ok_and(|g| g.data_type() == f.data_type());
        if !ok {
            return Err(ArchiveError::Column {
                file: file.to_string(),
                column: f.name().to_string(),
                expected: f.data_type().to_string(),
            });
        }
    }
    builder
        .with_batch_size(65_536)
        .build()
        .map_err(|e| pq_err(file, e))
}

fn read_pos<R: ChunkReader + 'static>(
    file: &str,
    r: R,
    rows: u64,
    out: &mut Vec<PosRow>,
) -> Result<(), ArchiveError> {
    read_batches(file, r, rows, position_schema(), |b| {
        let mmsi = column(b, file, "mmsi", DataType::UInt32)?.as_primitive::<UInt32Type>();
        let time = column(b, file, "time", ts())?.as_primitive::<TimestampMillisecondType>();
        let seq = column(b, file, "seq", DataType::UInt64)?.as_primitive::<UInt64Type>();
        let ty = column(b, file, "msg_type", DataType::UInt8)?.as_primitive::<UInt8Type>();
        let lat = column(b, file, "lat_deg", DataType::Float64)?.as_primitive::<Float64Type>();
        let lon = column(b, file, "lon_deg", DataType::Float64)?.as_primitive::<Float64Type>();
        let sog = column(b, file, "sog_kn", DataType::Float64)?.as_primitive::<Float64Type>();
        let cog = column(b, file, "cog_deg", DataType::Float64)?.as_primitive::<Float64Type>();
        let hdg = column(b, file, "heading_deg", DataType::UInt16)?.as_primitive::<UInt16Type>();
        let rot = column(b, file, "rot_indicator", DataType::Int8)?.as_primitive::<Int8Type>();
        let st = column(b, file, "nav_status", DataType::UInt8)?.as_primitive::<UInt8Type>();
        let acc = column(b, file, "accuracy", DataType::Boolean)?.as_boolean();
        let raim = column(b, file, "raim", DataType::Boolean)?.as_boolean();
        let sec = column(b, file, "utc_second", DataType::UInt8)?.as_primitive::<UInt8Type>();
        let man = column(b, file, "maneuver", DataType::UInt8)?.as_primitive::<UInt8Type>();
        let alt = column(b, file, "altitude_m", DataType::UInt16)?.as_primitive::<UInt16Type>();
        out.reserve(b.num_rows());
        for i in 0..b.num_rows() {
            out.push(PosRow {
                mmsi: mmsi.value(i),
                t: time.value(i),
                seq: seq.value(i),
                msg_type: ty.value(i),
                lat: opt(lat, i).into(),
                lon: opt(lon, i).into(),
                sog: opt(sog, i).into(),
                cog: opt(cog, i).into(),
                heading: opt(hdg, i),
                rot_raw: opt(rot, i),
                status: opt(st, i),
                accuracy: acc.value(i),
                raim: raim.value(i),
                second: sec.value(i),
                maneuver: opt(man, i),
                altitude_m: opt(alt, i),
            });
        }
        Ok(())
    })
}

fn read_stat<R: ChunkReader + 'static>(
    file: &str,
    r: R,
    rows: u64,
    out: &mut Vec<StatRow>,
) -> Result<(), ArchiveError> {
    let mut texts: std::collections::HashSet<Arc<str>> = std::collections::HashSet::new();
    read_batches(file, r, rows, static_schema(), |b| {
        let p8 = |name: &'static str| -> Result<_, ArchiveError> {
            Ok(column(b, file, name, DataType::UInt8)?.as_primitive::<UInt8Type>())
        };
        let p32 = |name: &'static str| -> Result<_, ArchiveError> {
            Ok(column(b, file, name, DataType::UInt32)?.as_primitive::<UInt32Type>())
        };
        let s = |name: &'static str| -> Result<_, ArchiveError> {
            Ok(column(b, file, name, DataType::Utf8)?.as_string::<i32>())
        };
        let time = column(b, file, "time", ts())?.as_primitive::<TimestampMillisecondType>();
        let seq = column(b, file, "seq", DataType::UInt64)?.as_primitive::<UInt64Type>();
        let bow = column(b, file, "to_bow_m", DataType::UInt16)?.as_primitive::<UInt16Type>();
        let stern = column(b, file, "to_stern_m", DataType::UInt16)?.as_primitive::<UInt16Type>();
        let draught =
            column(b, file, "draught_m", DataType::Float64)?.as_primitive::<Float64Type>();
        let dte = column(b, file, "dte", DataType::Boolean)?.as_boolean();
        let (mmsi, ty, part) = (p32("mmsi")?, p8("msg_type")?, p8("part")?);
        let (name, callsign, dest, vendor) = (
            s("name")?,
            s("callsign")?,
            s("destination")?,
            s("vendor_id")?,
        );
        let (imo, serial, mother) = (p32("imo")?, p32("serial")?, p32("mothership_mmsi")?);
        let (ship_type, port, stbd) = (p8("ship_type")?, p8("to_port_m")?, p8("to_starboard_m")?);
        let (em, ed, eh, emi) = (
            p8("eta_month")?,
            p8("eta_day")?,
            p8("eta_hour")?,
            p8("eta_minute")?,
        );
        let (epfd, ver, model) = (p8("epfd")?, p8("ais_version")?, p8("model")?);
        // A vessel sends the same name, call sign and destination all day:
        // each text is kept once per file and shared by its rows.
        let mut txt = |a: &arrow_array::StringArray, i: usize| -> Option<Arc<str>> {
            if !a.is_valid(i) {
                return None;
            }
            let v = a.value(i);
            Some(match texts.get(v) {
                Some(t) => Arc::clone(t),
                None => {
                    let t: Arc<str> = Arc::from(v);
                    texts.insert(Arc::clone(&t));
                    t
                }
            })
        };
        for i in 0..b.num_rows() {
            let dims = match (opt(bow, i), opt(stern, i), opt(port, i), opt(stbd, i)) {
                (Some(a), Some(b), Some(c), Some(d)) => Some((a, b, c, d)),
                _ => None,
            };
            let eta = match (opt(em, i), opt(ed, i), opt(eh, i), opt(emi, i)) {
                (Some(a), Some(b), Some(c), Some(d)) => Some((a, b, c, d)),
                _ => None,
            };
            out.push(StatRow {
                mmsi: mmsi.value(i),
                t: time.value(i),
                seq: seq.value(i),
                msg_type: ty.value(i),
                part: opt(part, i),
                name: txt(name, i),
                callsign: txt(callsign, i),
                imo: opt(imo, i),
                ship_type: opt(ship_type, i),
                dims,
                draught_m: opt(draught, i),
                destination: txt(dest, i),
                eta,
                epfd: opt(epfd, i),
                ais_version: opt(ver, i),
                dte: dte.is_valid(i).then(|| dte.value(i)),
                vendor_id: txt(vendor, i),
                model: opt(model, i),
                serial: opt(serial, i),
                mothership_mmsi: opt(mother, i),
            });
        }
        Ok(())
    })
}

/// A part's rows of one kind, read in reading order a group of parts at a
/// time: parts whose `seq` ranges overlap (an archive of an earlier
/// version, one part a day sorted by vessel) are one group, read whole;
/// parts cut in reading order ([`PART_ROWS`]) are a group each.
struct Stream<R, T> {
    groups: std::vec::IntoIter<Vec<(Part, R)>>,
    rows: std::vec::IntoIter<T>,
    next: Option<T>,
    read: fn(&str, R, u64, &mut Vec<T>) -> Result<(), ArchiveError>,
    /// The most rows held at once.
    held_max: usize,
}

/// Parts grouped by overlapping `seq` ranges, in `seq` order.
fn seq_groups<R>(mut parts: Vec<(Part, R)>) -> Vec<Vec<(Part, R)>> {
    parts.sort_by_key(|(p, _)| p.seq);
    let mut out: Vec<Vec<(Part, R)>> = Vec::new();
    let mut end = 0u64;
    for (p, r) in parts {
        let (first, last) = p.seq;
        match out.last_mut() {
            Some(g) if first <= end => {
                end = end.max(last);
                g.push((p, r));
            }
            _ => {
                end = last;
                out.push(vec![(p, r)]);
            }
        }
    }
    out
}

impl<R: ChunkReader + 'static, T: Row> Stream<R, T> {
    fn new(
        parts: Vec<(&Part, R)>,
        read: fn(&str, R, u64, &mut Vec<T>) -> Result<(), ArchiveError>,
    ) -> Self {
        let owned = parts.into_iter().map(|(p, r)| (p.clone(), r)).collect();
        Stream {
            groups: seq_groups(owned).into_iter(),
            rows: Vec::new().into_iter(),
            next: None,
            read,
            held_max: 0,
        }
    }

    /// The next row in reading order, left in place (`None` at the end).
    fn peek(&mut self) -> Result<Option<&T>, ArchiveError> {
        while self.next.is_none() {
            if let Some(r) = self.rows.next() {
                self.next = Some(r);
                break;
            }
            // The group read: the rows it held before are freed first.
            self.rows = Vec::new().into_iter();
            let Some(group) = self.groups.next() else {
                break;
            };
            let total: u64 = group.iter().map(|(p, _)| p.rows).sum();
            let mut rows = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
            for (p, r) in group {
                let from = rows.len();
                (self.read)(&p.file, r, p.rows, &mut rows)?;
                // Each part's rows within the manifest's range: else the
                // reading order made of the groups would be wrong.
                if let Some(bad) = rows[from..]
                    .iter()
                    .map(Row::seq)
                    .find(|s| !(p.seq.0..=p.seq.1).contains(s))
                {
                    return Err(ArchiveError::Seq {
                        file: p.file.clone(),
                        found: bad,
                        first: p.seq.0,
                        last: p.seq.1,
                    });
                }
            }
            rows.sort_unstable_by_key(Row::seq);
            self.held_max = self.held_max.max(rows.len());
            self.rows = rows.into_iter();
        }
        Ok(self.next.as_ref())
    }

    /// The row [`Stream::peek`] showed.
    fn take(&mut self) -> Option<T> {
        self.next.take()
    }
}

/// One day of an archive as the census reads it: its messages with their
/// times in the order they were first read (`seq`), the position and
/// static rows merged, type 19's static part joined to its position. A
/// part's rows are read at a time (a group of parts for an archive whose
/// parts overlap in `seq`), so a day costs about one part of each kind
/// (72 bytes a position), not the day. Every error names its file; after
/// one, the reader gives nothing more.
pub struct DayReader<R> {
    pos: Stream<R, PosRow>,
    stat: Stream<R, StatRow>,
    failed: bool,
}

impl<R> std::fmt::Debug for DayReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DayReader")
            .field("position_groups_left", &self.pos.groups.len())
            .field("static_groups_left", &self.stat.groups.len())
            .finish()
    }
}

impl<R: ChunkReader + 'static> DayReader<R> {
    /// Reads one day of an archive: `positions` and `statics` are the
    /// day's parts (as [`Manifest::days`] lists them) with their opened
    /// files.
    pub fn new(positions: Vec<(&Part, R)>, statics: Vec<(&Part, R)>) -> DayReader<R> {
        DayReader {
            pos: Stream::new(positions, read_pos),
            stat: Stream::new(statics, read_stat),
            failed: false,
        }
    }

    /// The most rows held at once so far (positions, static rows).
    pub fn rows_held_max(&self) -> (usize, usize) {
        (self.pos.held_max, self.stat.held_max)
    }

    fn step(&mut self) -> Result<Option<(AisMessage, i64)>, ArchiveError> {
        loop {
            let p = self.pos.peek()?.map(|r| r.seq);
            let s = self.stat.peek()?.map(|r| (r.seq, r.msg_type == 19));
            // A static row goes first when it comes before the position
            // (type 19's static part has its position's seq: joined below).
            let stat_first = match (p, s) {
                (_, None) => false,
                (None, Some(_)) => true,
                (Some(p), Some((s, ext))) => s < p || (s == p && !ext),
            };
            if stat_first {
                let Some(r) = self.stat.take() else {
                    return Ok(None);
                };
                if r.msg_type == 19 {
                    // Type 19's static part without its position: not a
                    // message of its own.
                    continue;
                }
                return Ok(Some((stat_message(&r), r.t)));
            }
            let Some(r) = self.pos.take() else {
                return Ok(None);
            };
            let ext = match s {
                Some((s, true)) if s == r.seq => self.stat.take(),
                _ => None,
            };
            return Ok(Some((pos_message(&r, ext.as_ref()), r.t)));
        }
    }
}

impl<R: ChunkReader + 'static> Iterator for DayReader<R> {
    type Item = Result<(AisMessage, i64), ArchiveError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match self.step() {
            Ok(m) => m.map(Ok),
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use finisterra_ais::BasicPosition;

    /// The eight-byte option keeps every value a row can hold, bit for
    /// bit, and tells none apart from them.
    #[test]
    fn an_optional_float_in_eight_bytes_keeps_every_value() {
        for v in [
            0.0,
            -0.0,
            1.5,
            -181.0,
            f64::NAN,
            f64::INFINITY,
            f64::MIN_POSITIVE,
        ] {
            let o = OptF64::from(Some(v));
            assert_eq!(o.get().map(f64::to_bits), Some(v.to_bits()));
        }
        assert_eq!(OptF64::from(None).get(), None);
        // Arithmetic on the reserved payload gives a quiet NaN, not it.
        let none = f64::from_bits(OptF64::NONE_BITS);
        assert_ne!((none + 1.0).to_bits(), OptF64::NONE_BITS);
        assert_eq!(std::mem::size_of::<PosRow>(), 72);
    }

    #[test]
    fn positions_read_back_as_they_went_in() {
        for class_b in [false, true] {
            let mut m = BasicPosition {
                mmsi: 224_000_001,
                class_b,
                status: 3,
                turn: Some(Turn::Rate(-20)),
                sog_kn: Some(12.3),
                cog_deg: Some(271.4),
                heading_deg: Some(270),
                lat_deg: 43.123456,
                lon_deg: -9.654321,
                second: 17,
                accuracy: true,
                radio: 0,
            }
            .message();
            if let Body::ClassBPosition(p) = &mut m.body {
                p.raim = true;
                // The class B unit flags are not kept (see ArchiveBuilder).
                (p.cs, p.band, p.msg22) = (false, false, false);
            }
            let r = pos_row(&m, 1_700_000_000_000, 7).expect("a position");
            let back = pos_message(&r, None);
            assert_eq!(back, m, "class B: {class_b}");
        }
    }

    #[test]
    fn a_day_is_written_once_data_time_is_past_it_and_one_broken_time_does_not_close_it() {
        let msg = |mmsi: u32| {
            BasicPosition {
                mmsi,
                class_b: false,
                status: 0,
                turn: None,
                sog_kn: Some(10.0),
                cog_deg: Some(90.0),
                heading_deg: None,
                lat_deg: 43.0,
                lon_deg: -9.0,
                second: 0,
                accuracy: false,
                radio: 0,
            }
            .message()
        };
        let day0 = 20_000 * DAY_MS;
        let mut b = ArchiveBuilder::new(None, vec!["x".into()]);
        let mut written: Vec<String> = Vec::new();
        fn rec(w: &mut Vec<String>) -> impl FnMut(&str) -> Result<Vec<u8>, ArchiveError> + '_ {
            |name: &str| {
                w.push(name.to_string());
                Ok(Vec::new())
            }
        }
        for k in 0..100 {
            b.push(
                &msg(224_000_000 + k % 7),
                day0 + 80_000_000 + k as i64 * 1000,
            );
        }
        // A broken time years ahead: archived in its own day, but it does
        // not make data time jump.
        b.push(&msg(224_000_001), day0 + 3_000 * DAY_MS);
        b.write_ready(false, rec(&mut written)).unwrap();
        assert!(written.is_empty(), "{written:?}");
        // Data time an hour past the end of the day: the day is written,
        // once, sorted by vessel.
        for k in 0..10 {
            b.push(&msg(224_000_009), day0 + DAY_MS + DAY_SLACK_MS + k * 1000);
        }
        b.write_ready(false, rec(&mut written)).unwrap();
        let day = day_key(day0);
        assert_eq!(written, vec![format!("positions/day={day}/part-0.parquet")]);
        // A late row of that day: a new part.
        b.push(&msg(224_000_002), day0 + 1000);
        b.write_ready(true, rec(&mut written)).unwrap();
        assert!(
            written.contains(&format!("positions/day={day}/part-1.parquet")),
            "{written:?}"
        );
        assert_eq!(written.len(), 4, "{written:?}");
        // Taken before the day taken last is written: each its own part.
        b.push(&msg(224_000_003), day0 + 2000);
        let first = b.take_ready(true);
        b.push(&msg(224_000_004), day0 + 3000);
        let second = b.take_ready(true);
        for d in first.into_iter().chain(second) {
            let w = d.write(2, rec(&mut written)).unwrap();
            b.record(w);
        }
        assert_eq!(
            written[4..],
            [
                format!("positions/day={day}/part-2.parquet"),
                format!("positions/day={day}/part-3.parquet")
            ]
        );
        let m = b.finish(serde_json::json!({}));
        let rows: u64 = m.positions.iter().map(|p| p.rows).sum();
        assert_eq!(rows, 114);
        assert_eq!(m.positions[0].vessels, 7);
        assert_eq!(m.next_seq, 114);
    }

    /// A writer into a shared map of file name to bytes.
    struct Mem(String, Arc<std::sync::Mutex<BTreeMap<String, Vec<u8>>>>);

    impl Write for Mem {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let mut files = self.1.lock().expect("files");
            files
                .entry(self.0.clone())
                .or_default()
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_files_are_the_same_on_any_number_of_threads_and_sorted_by_vessel_time_and_order() {
        // More than one row group a day, vessels interleaved, times out of
        // order and repeated, a static report now and then.
        let day0 = 20_000 * DAY_MS;
        let build = |threads: usize| {
            let files = Arc::new(std::sync::Mutex::new(BTreeMap::new()));
            let mut b = ArchiveBuilder::new(None, vec!["x".into()]).with_threads(threads);
            for k in 0..(ROW_GROUP_ROWS as i64 + 20_000) {
                let mmsi = 224_000_000 + (k * 7919 % 613) as u32;
                let t = day0 + 40_000_000 + (k * 104_729 % 50_000_000) / 1000 * 1000;
                let mut m = BasicPosition {
                    mmsi,
                    class_b: k % 5 == 0,
                    status: (k % 9) as u8,
                    turn: None,
                    sog_kn: (k % 11 != 0).then_some((k % 200) as f64 / 10.0),
                    cog_deg: Some((k % 3600) as f64 / 10.0),
                    heading_deg: None,
                    lat_deg: 43.0 + (k % 1000) as f64 * 1e-4,
                    lon_deg: -9.0 - (k % 777) as f64 * 1e-4,
                    second: (k % 60) as u8,
                    accuracy: k % 2 == 0,
                    radio: 0,
                }
                .message();
                if k % 1000 == 0 {
                    // A type 24 part A (a name), given this vessel's MMSI.
                    m = finisterra_ais::decode(b"H5NCRS4UG5CD=1BG45jioo1P6330", 0).unwrap();
                    m.mmsi = mmsi;
                }
                b.push(&m, t);
            }
            b.write_ready(true, |name: &str| {
                Ok::<_, ArchiveError>(Mem(name.to_string(), Arc::clone(&files)))
            })
            .unwrap();
            let m = b.finish(serde_json::json!({}));
            let files = std::mem::take(&mut *files.lock().unwrap());
            (m, files)
        };
        let (m1, one) = build(1);
        let (m3, three) = build(3);
        assert_eq!(one.len(), 4, "{:?}", one.keys());
        assert_eq!(m1.to_json(), m3.to_json());
        assert!(one == three, "the files differ between 1 and 3 threads");
        // Read back: sorted by (mmsi, time, seq), every row once.
        let file = format!("positions/day={}/part-0.parquet", day_key(day0));
        let part = m1.positions.iter().find(|p| p.file == file).expect("part");
        let path = std::env::temp_dir().join(format!(
            "finisterra-archive-test-{}.parquet",
            std::process::id()
        ));
        std::fs::write(&path, &one[&file]).unwrap();
        let f = std::fs::File::open(&path).unwrap();
        let mut keys = Vec::new();
        read_batches(&file, f, part.rows, position_schema(), |batch| {
            let mmsi = batch.column(0).as_primitive::<UInt32Type>();
            let time = batch.column(1).as_primitive::<TimestampMillisecondType>();
            let seq = batch.column(2).as_primitive::<UInt64Type>();
            for i in 0..batch.num_rows() {
                keys.push((mmsi.value(i), time.value(i), seq.value(i)));
            }
            Ok(())
        })
        .unwrap();
        let _ = std::fs::remove_file(&path);
        assert!(keys.len() > ROW_GROUP_ROWS / 2, "{} rows", keys.len());
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "not sorted");
    }

    /// A build into a fresh temporary directory: `(dir, manifest)`.
    fn build_into(
        name: &str,
        part_rows: usize,
        msgs: &[(AisMessage, i64)],
    ) -> (std::path::PathBuf, Manifest) {
        let dir =
            std::env::temp_dir().join(format!("finisterra-archive-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut b = ArchiveBuilder::new(None, vec!["x".into()]).with_part_rows(part_rows);
        let open = |rel: &str| -> Result<std::fs::File, ArchiveError> {
            let p = dir.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            Ok(std::fs::File::create(p).unwrap())
        };
        for (k, (m, t)) in msgs.iter().enumerate() {
            b.push(m, *t);
            if k % 97 == 0 {
                b.write_ready(false, open).unwrap();
            }
        }
        b.write_ready(true, open).unwrap();
        (dir.clone(), b.finish(serde_json::json!({})))
    }

    /// A day's parts opened in `dir` for a [`DayReader`].
    fn open_day(
        dir: &std::path::Path,
        pos: Vec<&Part>,
        stat: Vec<&Part>,
    ) -> DayReader<std::fs::File> {
        fn open<'a>(dir: &std::path::Path, v: Vec<&'a Part>) -> Vec<(&'a Part, std::fs::File)> {
            v.into_iter()
                .map(|p| (p, std::fs::File::open(dir.join(&p.file)).unwrap()))
                .collect()
        }
        DayReader::new(open(dir, pos), open(dir, stat))
    }

    /// Every day of an archive through [`DayReader`], with the most rows
    /// it held at once.
    fn read_all(dir: &std::path::Path, m: &Manifest) -> (Vec<(AisMessage, i64)>, usize) {
        let mut out = Vec::new();
        let mut held = 0;
        for (_, pos, stat) in m.days() {
            let mut r = open_day(dir, pos, stat);
            out.extend(r.by_ref().map(Result::unwrap));
            let (a, b) = r.rows_held_max();
            held = held.max(a).max(b);
        }
        (out, held)
    }

    #[test]
    fn a_day_cut_into_parts_is_read_in_reading_order_a_part_at_a_time() {
        // Two days, vessels interleaved, times out of order within the
        // slack, a type 24 part A now and then and type 19s (a position
        // and its static part, one seq).
        let day0 = 20_000 * DAY_MS;
        let mut msgs = Vec::new();
        for k in 0..20_000i64 {
            let mmsi = 224_000_000 + (k * 7919 % 613) as u32;
            let t = day0 + 80_000_000 + k * 600 - (k % 13) * 5_000;
            let mut m = BasicPosition {
                mmsi,
                class_b: k % 5 == 0,
                status: (k % 9) as u8,
                turn: None,
                sog_kn: Some((k % 200) as f64 / 10.0),
                cog_deg: Some((k % 3600) as f64 / 10.0),
                heading_deg: None,
                lat_deg: 43.0 + (k % 1000) as f64 * 1e-4,
                lon_deg: -9.0 - (k % 777) as f64 * 1e-4,
                second: (k % 60) as u8,
                accuracy: false,
                radio: 0,
            }
            .message();
            if k % 101 == 0 {
                m = finisterra_ais::decode(b"H5NCRS4UG5CD=1BG45jioo1P6330", 0).unwrap();
                m.mmsi = mmsi;
            } else if k % 103 == 0 {
                m = finisterra_ais::decode(
                    b"C5N3SRgPEnJGEBT>NhWAwwo862PaLELTBJ:V00000000S0D:R220",
                    0,
                )
                .unwrap();
                m.mmsi = mmsi;
            }
            msgs.push((m, t));
        }
        let (whole_dir, whole) = build_into("whole", PART_ROWS, &msgs);
        let (cut_dir, cut) = build_into("cut", 1_000, &msgs);
        assert_eq!(whole.positions.len(), 2, "one part a day");
        assert!(cut.positions.len() >= 20, "{} parts", cut.positions.len());
        assert!(cut.statics.len() >= 2, "{} parts", cut.statics.len());
        let (a, held_whole) = read_all(&whole_dir, &whole);
        let (b, held_cut) = read_all(&cut_dir, &cut);
        assert!(held_cut <= 1_000, "held {held_cut} rows");
        assert!(held_whole > 1_000);
        assert!(a
            .iter()
            .any(|(m, _)| matches!(m.body, Body::ClassBExtended(_))));
        assert!(a == b, "the cut archive reads otherwise");
        // In reading order: each day's messages as they were pushed.
        let mmsis = |v: &[(AisMessage, i64)], day: i64| -> Vec<(u32, i64)> {
            v.iter()
                .filter(|(_, t)| t.div_euclid(DAY_MS) == day)
                .map(|(m, t)| (m.mmsi, *t))
                .collect()
        };
        for d in [day0 / DAY_MS, day0 / DAY_MS + 1] {
            assert_eq!(mmsis(&msgs, d), mmsis(&b, d));
        }
        // A manifest that puts a part's rows in another range: an error
        // naming the file, not another order.
        let mut bad = cut.clone();
        bad.positions[1].seq.1 = bad.positions[1].seq.0;
        let (_, pos, stat) = bad.days().into_iter().next().unwrap();
        let r = open_day(&cut_dir, pos, stat);
        let errs: Vec<_> = r.filter_map(Result::err).collect();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].reason(), "seq_range");
        assert!(
            errs[0].to_string().contains(&bad.positions[1].file),
            "{}",
            errs[0]
        );
        for d in [whole_dir, cut_dir] {
            let _ = std::fs::remove_dir_all(d);
        }
    }

    #[test]
    fn parts_whose_reading_orders_overlap_are_read_together() {
        let part = |first: u64, last: u64| Part {
            day: "2026-01-01".into(),
            file: format!("{first}"),
            rows: 1,
            vessels: 1,
            first_time_ms: 0,
            last_time_ms: 0,
            seq: (first, last),
        };
        let parts = vec![
            (part(50, 60), ()),
            (part(0, 9), ()),
            (part(10, 40), ()),
            (part(5, 12), ()),
            (part(41, 45), ()),
        ];
        let g: Vec<Vec<String>> = seq_groups(parts)
            .into_iter()
            .map(|g| g.into_iter().map(|(p, _)| p.file).collect())
            .collect();
        assert_eq!(g, [vec!["0", "5", "10"], vec!["41"], vec!["50"]]);
    }
}

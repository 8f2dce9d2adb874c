//! The findings: one flat row type per kind, written alike as JSON Lines,
//! CSV and (with the `parquet` feature) Parquet.
//!
//! Every row type implements [`Row`]: its column names and types
//! ([`Row::columns`]) and its values in that order ([`Row::values`]).
//! Times are [`TimeMs`] (ISO 8601 UTC text in JSON and CSV, a UTC
//! millisecond timestamp in Parquet).

use std::fmt::Write as _;

/// Milliseconds since the Unix epoch, written as ISO 8601 UTC.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct TimeMs(pub i64);

impl TimeMs {
    /// ISO 8601 UTC text (`2026-11-26T10:00:00Z`).
    pub fn iso(self) -> String {
        finisterra_engine::iso8601(self.0)
    }
}

/// The type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Signed 64-bit integer.
    Int,
    /// 64-bit float.
    Float,
    /// UTF-8 text.
    Text,
    /// Boolean.
    Bool,
    /// UTC time, milliseconds.
    Time,
}

/// One value of a row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// Absent (JSON `null`, empty CSV field).
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float (non-finite values are written as `null`).
    Float(f64),
    /// Text.
    Text(&'a str),
    /// A time.
    Time(i64),
}

/// A field type usable in a row.
pub trait Cell {
    /// The column type.
    const TYPE: ColumnType;
    /// The value.
    fn value(&self) -> Value<'_>;
}

impl Cell for u32 {
    const TYPE: ColumnType = ColumnType::Int;
    fn value(&self) -> Value<'_> {
        Value::Int(*self as i64)
    }
}
impl Cell for u64 {
    const TYPE: ColumnType = ColumnType::Int;
    fn value(&self) -> Value<'_> {
        Value::Int(*self as i64)
    }
}
impl Cell for Option<u8> {
    const TYPE: ColumnType = ColumnType::Int;
    fn value(&self) -> Value<'_> {
        self.map_or(Value::Null, |v| Value::Int(v as i64))
    }
}
impl Cell for Option<u32> {
    const TYPE: ColumnType = ColumnType::Int;
    fn value(&self) -> Value<'_> {
        self.map_or(Value::Null, |v| Value::Int(v as i64))
    }
}
impl Cell for f64 {
    const TYPE: ColumnType = ColumnType::Float;
    fn value(&self) -> Value<'_> {
        if self.is_finite() {
            Value::Float(*self)
        } else {
            Value::Null
        }
    }
}
impl Cell for Option<f64> {
    const TYPE: ColumnType = ColumnType::Float;
    fn value(&self) -> Value<'_> {
        match self {
            Some(v) if v.is_finite() => Value::Float(*v),
            _ => Value::Null,
        }
    }
}
impl Cell for bool {
    const TYPE: ColumnType = ColumnType::Bool;
    fn value(&self) -> Value<'_> {
        Value::Bool(*self)
    }
}
impl Cell for String {
    const TYPE: ColumnType = ColumnType::Text;
    fn value(&self) -> Value<'_> {
        Value::Text(self)
    }
}
impl Cell for Option<String> {
    const TYPE: ColumnType = ColumnType::Text;
    fn value(&self) -> Value<'_> {
        self.as_deref().map_or(Value::Null, Value::Text)
    }
}
impl Cell for &'static str {
    const TYPE: ColumnType = ColumnType::Text;
    fn value(&self) -> Value<'_> {
        Value::Text(self)
    }
}
impl Cell for TimeMs {
    const TYPE: ColumnType = ColumnType::Time;
    fn value(&self) -> Value<'_> {
        Value::Time(self.0)
    }
}

/// The few words a row keeps as `&'static str` (a band, an encounter
/// type, a spoofing kind), read back: each distinct text is kept once for
/// the life of the process, and more than [`STATIC_WORDS_MAX`] distinct
/// ones are refused (a row from a foreign or broken source cannot grow
/// memory without bound).
pub(crate) fn static_str<'de, D: serde::Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
    use serde::Deserialize;
    use std::collections::BTreeSet;
    use std::sync::Mutex;
    static WORDS: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    let s = String::deserialize(d)?;
    let mut words = WORDS
        .lock()
        .map_err(|_| serde::de::Error::custom("word table poisoned"))?;
    if let Some(w) = words.get(s.as_str()) {
        return Ok(w);
    }
    if words.len() >= STATIC_WORDS_MAX || s.len() > 64 {
        return Err(serde::de::Error::custom(format!(
            "unexpected word {s:?} in a finding (more than {STATIC_WORDS_MAX} distinct words)"
        )));
    }
    let w: &'static str = Box::leak(s.into_boxed_str());
    words.insert(w);
    Ok(w)
}

/// A fixed word of a row (a band, an encounter type, a spoofing kind).
/// An alias, so that serde does not take the field for a borrowed one.
pub type Word = &'static str;

/// Distinct `&'static str` words read back into rows, at most.
pub const STATIC_WORDS_MAX: usize = 256;

/// A flat row of one finding kind.
pub trait Row {
    /// The kind (`near_misses`, `encounters`, ...): the file name.
    const KIND: Kind;
    /// Column names and types, in order.
    fn columns() -> &'static [(&'static str, ColumnType)];
    /// Values in column order.
    fn values(&self) -> Vec<Value<'_>>;
}

macro_rules! row {
    (
        $(#[$sm:meta])*
        $name:ident, $kind:expr, {
            $( $(#[$fm:meta])* $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$sm])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        pub struct $name {
            $( $(#[$fm])* pub $field: $ty ),*
        }
        impl Row for $name {
            const KIND: Kind = $kind;
            fn columns() -> &'static [(&'static str, ColumnType)] {
                &[ $( (stringify!($field), <$ty as Cell>::TYPE) ),* ]
            }
            fn values(&self) -> Vec<Value<'_>> {
                vec![ $( Cell::value(&self.$field) ),* ]
            }
        }
    };
}

/// The kinds of finding, in output order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// Close-quarters situations.
    NearMiss,
    /// Encounters (rendezvous).
    Encounter,
    /// Loitering.
    Loitering,
    /// AIS gaps.
    Gap,
    /// Spoofing and identity problems.
    Spoofing,
}

impl Kind {
    /// Every kind.
    pub const ALL: [Kind; 5] = [
        Kind::NearMiss,
        Kind::Encounter,
        Kind::Loitering,
        Kind::Gap,
        Kind::Spoofing,
    ];

    /// File stem and JSON key: `near_misses`, `encounters`, `loitering`,
    /// `gaps`, `spoofing`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::NearMiss => "near_misses",
            Kind::Encounter => "encounters",
            Kind::Loitering => "loitering",
            Kind::Gap => "gaps",
            Kind::Spoofing => "spoofing",
        }
    }

    /// Column names and types of the kind's rows.
    pub fn columns(self) -> &'static [(&'static str, ColumnType)] {
        match self {
            Kind::NearMiss => NearMiss::columns(),
            Kind::Encounter => Encounter::columns(),
            Kind::Loitering => Loitering::columns(),
            Kind::Gap => Gap::columns(),
            Kind::Spoofing => Spoofing::columns(),
        }
    }
}

row! {
    /// A close-quarters situation: two vessels under way came closer than
    /// the threshold (actual, interpolated distance).
    NearMiss, Kind::NearMiss, {
        /// The vessel with the lower MMSI.
        mmsi_a: u32,
        /// The other vessel.
        mmsi_b: u32,
        /// Name of `a`, when known.
        name_a: Option<String>,
        /// Name of `b`.
        name_b: Option<String>,
        /// AIS ship type of `a`.
        ship_type_a: Option<u8>,
        /// AIS ship type of `b`.
        ship_type_b: Option<u8>,
        /// Length of `a`, metres.
        length_a_m: Option<f64>,
        /// Length of `b`, metres.
        length_b_m: Option<f64>,
        /// When they first came within the ruling range (or were first seen
        /// together).
        start_time: TimeMs,
        /// When they were past and clear (or a track ended).
        end_time: TimeMs,
        /// Time of the closest point.
        cpa_time: TimeMs,
        /// Latitude of the closest point (midway between the two).
        lat: f64,
        /// Longitude of the closest point.
        lon: f64,
        /// Smallest actual distance, nautical miles.
        min_distance_nm: f64,
        /// Smallest actual distance, metres.
        min_distance_m: f64,
        /// `<0.1`, `<0.25`, `<0.5` NM or `domain` (domain only).
        #[serde(deserialize_with = "static_str")]
        band: Word,
        /// Smallest ship-domain ratio reached (below 1: inside the other's
        /// domain); null when neither length is known, or when they never
        /// came within reach of a domain (the ratio stayed above 1).
        domain_ratio: Option<f64>,
        /// Relative speed at the closest point, knots.
        rel_speed_kn: f64,
        /// Speed of `a` at the closest point, knots.
        sog_a_kn: f64,
        /// Course of `a` at the closest point, degrees.
        cog_a_deg: f64,
        /// Speed of `b` at the closest point, knots.
        sog_b_kn: f64,
        /// Course of `b` at the closest point, degrees.
        cog_b_deg: f64,
        /// Encounter at the start: `head_on`, `crossing`, `overtaking`,
        /// `not_under_way` or `none` (no risk of collision then).
        #[serde(deserialize_with = "static_str")]
        encounter: Word,
        /// MMSI(s) of the give-way vessel(s) at the start, `;`-separated.
        give_way: String,
        /// MMSI of the stand-on vessel at the start.
        stand_on: String,
        /// The deciding rule (`13`, `14`, `15`, `18(a)`...).
        rule: Option<String>,
        /// The ruling in plain words.
        ruling: String,
        /// Range at the start, nautical miles.
        start_range_nm: f64,
        /// CPA predicted at the start (constant velocities), nautical miles.
        start_cpa_nm: f64,
        /// TCPA predicted at the start, seconds.
        start_tcpa_s: f64,
        /// `a` manoeuvred before the closest point.
        manoeuvre_a: bool,
        /// `b` manoeuvred before the closest point.
        manoeuvre_b: bool,
        /// Largest course change of `a` in the window before the CPA, degrees.
        course_change_a_deg: f64,
        /// Largest course change of `b`, degrees.
        course_change_b_deg: f64,
        /// Largest relative speed change of `a` (0.5 = halved or +50 %).
        speed_change_a: f64,
        /// Largest relative speed change of `b`.
        speed_change_b: f64,
        /// Largest rate of turn reported by `a`, degrees per minute.
        max_rot_a_deg_per_min: Option<f64>,
        /// Largest rate of turn reported by `b`, degrees per minute.
        max_rot_b_deg_per_min: Option<f64>,
    }
}

row! {
    /// Two vessels together at sea, slow, for hours (GFW encounter).
    Encounter, Kind::Encounter, {
        /// The vessel with the lower MMSI.
        mmsi_a: u32,
        /// The other vessel.
        mmsi_b: u32,
        /// Name of `a`.
        name_a: Option<String>,
        /// Name of `b`.
        name_b: Option<String>,
        /// AIS ship type of `a`.
        ship_type_a: Option<u8>,
        /// AIS ship type of `b`.
        ship_type_b: Option<u8>,
        /// First resampled time together.
        start_time: TimeMs,
        /// Last resampled time together.
        end_time: TimeMs,
        /// Duration, hours.
        duration_h: f64,
        /// Mean latitude.
        lat: f64,
        /// Mean longitude.
        lon: f64,
        /// Median distance between them, metres.
        median_distance_m: f64,
        /// Smallest distance, metres.
        min_distance_m: f64,
        /// Median speed of `a`, knots.
        median_sog_a_kn: f64,
        /// Median speed of `b`, knots.
        median_sog_b_kn: f64,
        /// Distance from the mean position to the coast, kilometres (null
        /// beyond the search radius).
        shore_distance_km: Option<f64>,
        /// Resampled positions together.
        points: u32,
    }
}

row! {
    /// One vessel slow at sea for hours (GFW loitering).
    Loitering, Kind::Loitering, {
        /// MMSI.
        mmsi: u32,
        /// Name.
        name: Option<String>,
        /// AIS ship type.
        ship_type: Option<u8>,
        /// First slow resampled time.
        start_time: TimeMs,
        /// Last slow resampled time.
        end_time: TimeMs,
        /// Duration, hours.
        duration_h: f64,
        /// Mean latitude.
        lat: f64,
        /// Mean longitude.
        lon: f64,
        /// Mean speed made good, knots.
        mean_sog_kn: f64,
        /// Largest speed made good between resampled positions, knots.
        max_sog_kn: f64,
        /// Distance covered, nautical miles.
        distance_nm: f64,
        /// Mean distance to the coast (hourly samples), nautical miles
        /// (samples beyond the search radius count as the radius).
        shore_distance_nm: f64,
        /// Resampled positions.
        points: u32,
    }
}

row! {
    /// A vessel that stopped being received, at sea (GFW AIS gap /
    /// suspected disabling).
    Gap, Kind::Gap, {
        /// MMSI.
        mmsi: u32,
        /// Name.
        name: Option<String>,
        /// AIS ship type.
        ship_type: Option<u8>,
        /// Last position before the gap.
        start_time: TimeMs,
        /// First position after it.
        end_time: TimeMs,
        /// Duration, hours.
        duration_h: f64,
        /// Latitude of the last position before.
        lat: f64,
        /// Longitude of the last position before.
        lon: f64,
        /// Latitude of the first position after.
        end_lat: f64,
        /// Longitude of the first position after.
        end_lon: f64,
        /// Distance between the two, nautical miles.
        distance_nm: f64,
        /// Speed implied across the gap, knots.
        implied_speed_kn: f64,
        /// Distance from the start to the coast, nautical miles (null
        /// beyond the search radius).
        start_shore_distance_nm: Option<f64>,
        /// Distance from the end to the coast, nautical miles.
        end_shore_distance_nm: Option<f64>,
        /// Positions received in the 12 clock hours up to the last one.
        positions_12h_before: u32,
        /// Positions received in the 48 clock hours up to the last one.
        positions_48h_before: u32,
        /// Positions per hour in the 12 h before.
        positions_per_hour_12h: f64,
        /// Positions per hour in the 48 h before.
        positions_per_hour_48h: f64,
        /// Positions expected during the gap at the rate before it (GFW:
        /// positions in 12 h × min(gap hours, 48) / 12).
        expected_positions: f64,
    }
}

row! {
    /// Spoofing or an identity problem.
    Spoofing, Kind::Spoofing, {
        /// `teleport` (positions implying an impossible speed, rejected),
        /// `identity_conflict` (one MMSI in two places at once),
        /// `implausible_speed` (a track faster than its ship type),
        /// `invalid_mmsi` (not 9 digits, or MID not allocated),
        /// `on_land` (positions inland).
        #[serde(deserialize_with = "static_str")]
        kind: Word,
        /// MMSI.
        mmsi: u32,
        /// Name.
        name: Option<String>,
        /// AIS ship type.
        ship_type: Option<u8>,
        /// Flag from the MID (ISO 3166 alpha-2), when allocated.
        flag: Option<String>,
        /// First occurrence.
        start_time: TimeMs,
        /// Last occurrence.
        end_time: TimeMs,
        /// Latitude of the (first) position concerned.
        lat: f64,
        /// Longitude of the (first) position concerned.
        lon: f64,
        /// Latitude of the other position (the vessel's accepted track for
        /// teleports and conflicts).
        other_lat: Option<f64>,
        /// Longitude of the other position.
        other_lon: Option<f64>,
        /// Positions concerned.
        positions: u32,
        /// Positions the picture rejected (teleports and conflicts: the
        /// engine's `position_teleport` count).
        rejected_positions: u32,
        /// Fixes showing a second transmitter (the engine's
        /// `mmsi_conflicts` count).
        conflict_fixes: u32,
        /// Largest jump from the accepted track, nautical miles.
        max_jump_nm: Option<f64>,
        /// Largest implied speed, knots.
        max_implied_speed_kn: Option<f64>,
        /// Largest distance inland, metres (`on_land`).
        max_inland_m: Option<f64>,
        /// What was seen, in words.
        detail: String,
    }
}

/// One finding of any kind (serialisable: a census shard's findings travel
/// to the merge, [`crate::ShardResult`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Finding {
    /// A close-quarters situation, with the two tracks around it (for
    /// drawing; not part of the row).
    NearMiss(Box<NearMiss>, Box<crate::nearmiss::NearMissTracks>),
    /// An encounter.
    Encounter(Encounter),
    /// Loitering.
    Loitering(Loitering),
    /// An AIS gap.
    Gap(Gap),
    /// Spoofing or an identity problem.
    Spoofing(Spoofing),
}

impl Finding {
    /// The kind.
    pub fn kind(&self) -> Kind {
        match self {
            Finding::NearMiss(..) => Kind::NearMiss,
            Finding::Encounter(_) => Kind::Encounter,
            Finding::Loitering(_) => Kind::Loitering,
            Finding::Gap(_) => Kind::Gap,
            Finding::Spoofing(_) => Kind::Spoofing,
        }
    }

    /// Values in the column order of its kind.
    pub fn values(&self) -> Vec<Value<'_>> {
        match self {
            Finding::NearMiss(r, _) => r.values(),
            Finding::Encounter(r) => r.values(),
            Finding::Loitering(r) => r.values(),
            Finding::Gap(r) => r.values(),
            Finding::Spoofing(r) => r.values(),
        }
    }

    /// Start time.
    pub fn start_ms(&self) -> i64 {
        match self {
            Finding::NearMiss(r, _) => r.cpa_time.0,
            Finding::Encounter(r) => r.start_time.0,
            Finding::Loitering(r) => r.start_time.0,
            Finding::Gap(r) => r.start_time.0,
            Finding::Spoofing(r) => r.start_time.0,
        }
    }

    /// End time.
    pub fn end_ms(&self) -> i64 {
        match self {
            Finding::NearMiss(r, _) => r.end_time.0,
            Finding::Encounter(r) => r.end_time.0,
            Finding::Loitering(r) => r.end_time.0,
            Finding::Gap(r) => r.end_time.0,
            Finding::Spoofing(r) => r.end_time.0,
        }
    }

    /// The representative position (closest point, mean position, start of
    /// the gap, first position concerned).
    pub fn position(&self) -> (f64, f64) {
        match self {
            Finding::NearMiss(r, _) => (r.lat, r.lon),
            Finding::Encounter(r) => (r.lat, r.lon),
            Finding::Loitering(r) => (r.lat, r.lon),
            Finding::Gap(r) => (r.lat, r.lon),
            Finding::Spoofing(r) => (r.lat, r.lon),
        }
    }

    /// The MMSIs concerned (one or two).
    pub fn mmsis(&self) -> (u32, Option<u32>) {
        match self {
            Finding::NearMiss(r, _) => (r.mmsi_a, Some(r.mmsi_b)),
            Finding::Encounter(r) => (r.mmsi_a, Some(r.mmsi_b)),
            Finding::Loitering(r) => (r.mmsi, None),
            Finding::Gap(r) => (r.mmsi, None),
            Finding::Spoofing(r) => (r.mmsi, None),
        }
    }

    /// One line of JSON (no line ending), keys in column order.
    pub fn to_json(&self) -> String {
        let mut s = String::with_capacity(512);
        write_json(self.kind().columns(), &self.values(), &mut s);
        s
    }
}

fn json_str(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A float as written in JSON and CSV: the shortest text that reads back
/// to the same value; integers without a fraction.
pub fn fmt_float(v: f64, out: &mut String) {
    if v.is_finite() {
        let _ = write!(out, "{v}");
    }
}

/// Writes one JSON object from columns and values.
pub fn write_json(cols: &[(&'static str, ColumnType)], vals: &[Value<'_>], out: &mut String) {
    out.push('{');
    for (i, ((name, _), v)) in cols.iter().zip(vals).enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('"');
        out.push_str(name);
        out.push_str("\":");
        match *v {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if b { "true" } else { "false" }),
            Value::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Value::Float(f) if f.is_finite() => fmt_float(f, out),
            Value::Float(_) => out.push_str("null"),
            Value::Text(t) => json_str(t, out),
            Value::Time(t) => json_str(&finisterra_engine::iso8601(t), out),
        }
    }
    out.push('}');
}

use finisterra_engine::csv_field;

/// The CSV header line of a kind (with line ending).
pub fn csv_header(kind: Kind) -> String {
    let mut s = String::new();
    for (i, (name, _)) in kind.columns().iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(name);
    }
    s.push('\n');
    s
}

/// Appends one CSV line (with line ending) for a row's values.
pub fn write_csv(vals: &[Value<'_>], out: &mut String) {
    for (i, v) in vals.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match *v {
            Value::Null => {}
            Value::Bool(b) => out.push_str(if b { "true" } else { "false" }),
            Value::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Value::Float(f) => fmt_float(f, out),
            Value::Text(t) => csv_field(t, out),
            Value::Time(t) => out.push_str(&finisterra_engine::iso8601(t)),
        }
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_csv_escape() {
        let cols: &[(&str, ColumnType)] = &[
            ("a", ColumnType::Text),
            ("b", ColumnType::Float),
            ("c", ColumnType::Time),
            ("d", ColumnType::Int),
        ];
        let vals = [
            Value::Text("x,\"y\"\n"),
            Value::Float(f64::NAN),
            Value::Time(0),
            Value::Null,
        ];
        let mut j = String::new();
        write_json(cols, &vals, &mut j);
        assert_eq!(
            j,
            r#"{"a":"x,\"y\"\n","b":null,"c":"1970-01-01T00:00:00Z","d":null}"#
        );
        let mut c = String::new();
        write_csv(&vals, &mut c);
        assert_eq!(c, "\"x,\"\"y\"\"\n\",,1970-01-01T00:00:00Z,\n");
        let mut f = String::new();
        fmt_float(0.1, &mut f);
        fmt_float(2.0, &mut f);
        assert_eq!(f, "0.12");
    }

    #[test]
    fn every_kind_has_columns() {
        for k in Kind::ALL {
            assert!(k.columns().len() > 5, "{}", k.name());
            assert!(csv_header(k).starts_with(if k == Kind::Spoofing { "kind" } else { "mmsi" }));
        }
    }
}

//! Conformance against independent decoders: gpsd 3.27, pyais 3.3.1 and
//! libais (the fixtures and their licences are in `tests/fixtures/`).
//!
//! Every record's `nmea` lines go through a fresh [`StreamDecoder`]; what
//! comes out is compared, field by field, with the reference's expected
//! values in the reference's own conventions. Any disagreement fails the
//! test unless it is in [`ALLOW`], where each entry says which reference
//! disagrees with which and what ITU-R M.1371-5 (and the "AIVDM/AIVDO
//! protocol decoding" write-up) says. Fields a reference decodes that we
//! keep as raw bits (binary applications) or do not keep at all (spare
//! bits) are counted as "not compared", never silently skipped.
//!
//! `cargo test -p finisterra-ais --test conformance -- --nocapture` prints
//! the agreement table.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use finisterra_ais::json::{write_gpsd_json, JsonContext};
use finisterra_ais::{
    AisMessage, Application, BitData, Body, ChannelArea, Dimensions, Event, MetHydro,
    MetHydroEdition, StaticDataReport, StreamDecoder, Turn,
};
use finisterra_nmea::{parse_line, Line, Timestamp};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

// ---------------------------------------------------------------------------
// Fixtures

fn fixture(path: &str) -> String {
    let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// One expected field: name, value and its literal text (for the printed
/// precision of numbers).
#[derive(Debug, Clone)]
struct Field {
    name: String,
    value: Value,
    literal: String,
}

/// One record of a JSON Lines fixture (see the corpus SOURCES.md).
#[derive(Debug, Clone)]
struct Record {
    id: u64,
    kind: String,
    nmea: Vec<String>,
    /// `None` when the reference reported nothing.
    expected: Option<Vec<Field>>,
    truthy: Vec<(String, bool)>,
    expected_error: Option<String>,
}

fn fields_of(raw: &RawValue) -> Option<Vec<Field>> {
    if raw.get() == "null" {
        return None;
    }
    let obj: BTreeMap<String, Box<RawValue>> =
        serde_json::from_str(raw.get()).expect("expected is an object");
    Some(
        obj.into_iter()
            .map(|(name, raw)| Field {
                value: serde_json::from_str(raw.get()).unwrap(),
                literal: raw.get().to_owned(),
                name,
            })
            .collect(),
    )
}

fn records(path: &str) -> Vec<Record> {
    fixture(path)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let top: BTreeMap<String, Box<RawValue>> = serde_json::from_str(line).unwrap();
            let get = |k: &str| {
                top.get(k)
                    .map(|r| serde_json::from_str::<Value>(r.get()).unwrap())
            };
            Record {
                id: get("id").and_then(|v| v.as_u64()).unwrap(),
                kind: get("kind")
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_else(|| "ais".into()),
                nmea: get("nmea")
                    .unwrap()
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_owned())
                    .collect(),
                expected: top.get("expected").and_then(|r| fields_of(r)),
                truthy: get("expected_truthy")
                    .and_then(|v| v.as_object().cloned())
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| (k, v.as_bool().unwrap()))
                    .collect(),
                expected_error: get("expected_error").and_then(|v| v.as_str().map(str::to_owned)),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Running the decoder

/// A message out of the stream decoder, owned.
#[derive(Debug, Clone)]
struct Out {
    msg: AisMessage,
    time: Option<Timestamp>,
    station: Option<String>,
}

#[derive(Debug)]
struct Run {
    msgs: Vec<Out>,
    /// `(line, reason)` of every rejected line or message.
    errors: Vec<(u64, String)>,
}

fn run<S: AsRef<[u8]>>(lines: &[S]) -> Run {
    let mut dec = StreamDecoder::default();
    let mut msgs = Vec::new();
    let mut errors = Vec::new();
    let mut on = |ev: Event<'_>| match ev {
        Event::Message(m) => msgs.push(Out {
            msg: m.message.clone(),
            time: m.time,
            station: m.station.map(str::to_owned),
        }),
        Event::Error(e) => errors.push((e.line, e.kind.reason().to_owned())),
    };
    for (i, l) in lines.iter().enumerate() {
        dec.feed(i as u64 + 1, l.as_ref(), &mut on);
    }
    dec.finish(&mut on);
    Run { msgs, errors }
}

fn gpsd_json(o: &Out, scaled: bool) -> Map<String, Value> {
    let mut buf = Vec::new();
    let ctx = JsonContext {
        device: "",
        time: o.time,
        station: o.station.as_deref(),
    };
    write_gpsd_json(&mut buf, &o.msg, &ctx, scaled);
    match serde_json::from_slice::<Value>(&buf) {
        Ok(Value::Object(m)) => m,
        other => panic!(
            "our JSON is not an object ({other:?}): {}",
            String::from_utf8_lossy(&buf)
        ),
    }
}

// ---------------------------------------------------------------------------
// Tally and allowlist

/// A disagreement we accept, with the reason. Empty `ids` match every
/// record of the source; field `"*"` matches every field (and a record we
/// produce no message for).
struct Allow {
    source: &'static str,
    ids: &'static [u64],
    field: &'static str,
    why: &'static str,
}

#[derive(Default)]
struct Tally {
    records: usize,
    compared: usize,
    matched: usize,
    allowed: usize,
    not_compared: BTreeMap<&'static str, usize>,
    failures: Vec<String>,
    notes: BTreeMap<String, usize>,
    /// gpsd only: every field gpsd wrote (less `class` and `device`).
    reference_fields: usize,
    /// gpsd only: fields of the applications decoded since issue 11
    /// (before it they were kept as raw bits): compared, and matched.
    new_app_compared: usize,
    new_app_matched: usize,
}

impl Tally {
    fn not_compared(&mut self, why: &'static str) {
        *self.not_compared.entry(why).or_default() += 1;
    }
    fn note(&mut self, what: String) {
        *self.notes.entry(what).or_default() += 1;
    }
    /// A field of a binary application the reference decodes and we keep
    /// as raw bits.
    fn raw_kept(&mut self, msg: Option<&AisMessage>) {
        if let Some(m) = msg.filter(|m| decoded_application(m)) {
            // An application we decode, in a message too short for it
            // (gpsd reads zeros past the end of the message).
            self.not_compared("too short for the layout, raw bits kept");
            self.note(format!(
                "too short for the layout, raw bits kept (gpsd reads zeros past the end): {}",
                app_label(m)
            ));
            return;
        }
        self.not_compared("raw bits kept");
        if let Some(m) = msg {
            self.note(format!(
                "raw bits kept (fields not compared): {}",
                app_label(m)
            ));
        }
    }
}

/// The applications decoded since issue 11 ("decode what gpsd decodes");
/// before, they were kept as raw bits. The conformance table prints the
/// gpsd agreement with and without them.
fn new_application(m: &AisMessage) -> bool {
    let app = match &m.body {
        Body::AddressedBinary(b) => &b.app,
        Body::BroadcastBinary(b) => &b.app,
        _ => return false,
    };
    !matches!(
        app,
        Application::Raw(_)
            | Application::MetHydro(_)
            | Application::InlandStatic(_)
            | Application::AtonMonitoring(_)
    )
}

/// Whether we decode the application of this type 6/8 at some length: a
/// message of it that we keep raw was too short for its layout.
fn decoded_application(m: &AisMessage) -> bool {
    let known = |addressed: bool, dac: u16, fid: u8| match (addressed, dac) {
        (true, 1) => [12, 14, 15, 16, 18, 20, 25, 28, 30, 32].contains(&fid),
        (true, 200) => [21, 22, 55].contains(&fid),
        (true, 235 | 250) => fid == 10,
        (false, 1) => [11, 13, 15, 16, 17, 19, 27, 29, 31].contains(&fid),
        (false, 200) => [10, 23, 24, 40].contains(&fid),
        _ => false,
    };
    match &m.body {
        Body::AddressedBinary(b) => known(true, b.dac, b.fid),
        Body::BroadcastBinary(b) => known(false, b.dac, b.fid),
        _ => false,
    }
}

/// "type 8 DAC 1 FI 19": which binary application a message carries.
fn app_label(m: &AisMessage) -> String {
    match &m.body {
        Body::AddressedBinary(b) => format!("type 6 DAC {} FI {}", b.dac, b.fid),
        Body::BroadcastBinary(b) => format!("type 8 DAC {} FI {}", b.dac, b.fid),
        Body::SlotBinary(b) => format!(
            "type {} DAC {} FI {}",
            m.msg_type,
            b.app_id.map_or(0, |a| a >> 6),
            b.app_id.map_or(0, |a| a & 63)
        ),
        _ => format!("type {}", m.msg_type),
    }
}

/// Which allowlist entries were used (an unused entry fails the test: the
/// list must not outlive the disagreements it excuses).
static USED: [AtomicBool; ALLOW.len()] = [const { AtomicBool::new(false) }; ALLOW.len()];

struct Checker {
    source: &'static str,
}

impl Checker {
    fn new(source: &'static str) -> Self {
        Checker { source }
    }

    /// An allowlist entry matches sources whose name starts with its
    /// `source`.
    fn allowed(&self, id: u64, field: &str) -> bool {
        for (i, a) in ALLOW.iter().enumerate() {
            if self.source.starts_with(a.source)
                && (a.ids.is_empty() || a.ids.contains(&id))
                && (a.field == field || a.field == "*")
            {
                USED[i].store(true, Ordering::Relaxed);
                return true;
            }
        }
        false
    }

    /// Records the outcome of one field comparison.
    fn outcome(
        &self,
        t: &mut Tally,
        id: u64,
        field: &str,
        ok: bool,
        detail: impl FnOnce() -> String,
    ) {
        t.compared += 1;
        if ok {
            t.matched += 1;
        } else if self.allowed(id, field) {
            t.allowed += 1;
        } else {
            t.failures
                .push(format!("{} #{id} {field}: {}", self.source, detail()));
        }
    }

    /// A whole record we disagree on (no message, or a different message
    /// count): allowed only by an entry with field `"*"`. Counts as one
    /// comparison.
    fn record_failure(&self, t: &mut Tally, id: u64, detail: String) {
        t.compared += 1;
        if self.allowed(id, "*") {
            t.allowed += 1;
        } else {
            t.failures.push(format!("{} #{id}: {detail}", self.source));
        }
    }
}

fn unused_allowances() -> Vec<String> {
    ALLOW
        .iter()
        .zip(&USED)
        .filter(|(_, u)| !u.load(Ordering::Relaxed))
        .map(|(a, _)| {
            format!(
                "{} {:?} {}: allowlist entry never used ({})",
                a.source, a.ids, a.field, a.why
            )
        })
        .collect()
}

/// Tolerance for a number printed as `literal`: half a unit of its last
/// decimal.
/// Integers (no decimal point) must be equal.
fn tolerance(literal: &str) -> f64 {
    let l = literal.trim_matches('"');
    if l.contains(['e', 'E']) {
        return 0.0;
    }
    match l.split_once('.') {
        Some((_, f)) => 0.5 * 10f64.powi(-(f.len() as i32)),
        None => 0.0,
    }
}

fn close(expected: f64, literal: &str, ours: f64) -> bool {
    (expected - ours).abs() <= tolerance(literal) + 1e-9 * expected.abs().max(1.0)
}

fn show(v: Option<&Value>) -> String {
    v.map_or("(absent)".into(), |v| v.to_string())
}

// ---------------------------------------------------------------------------
// gpsd

/// gpsd writes the corners of types 22 and 23 as numeric strings.
const GPSD_NUMERIC_STRINGS: &[&str] = &["ne_lon", "ne_lat", "sw_lon", "sw_lat"];

/// The fields of a type 6/8 report before its application's.
const BINARY_HEADER: &[&str] = &[
    "type",
    "repeat",
    "mmsi",
    "scaled",
    "seqno",
    "dest_mmsi",
    "retransmit",
    "dac",
    "fid",
];

/// Fields we write that gpsd does not, by design (see `json.rs`).
const OUR_EXTRA_FIELDS: &[&str] = &["class", "device", "partno", "time", "station"];

/// gpsd's binary dumps (`"<bits>:<hex>"`): same bit count and the same
/// bits. gpsd does not always clear the unused bits of the last byte, so
/// only the first `<bits>` bits are compared.
fn bit_dump_eq(expected: &str, ours: &str) -> bool {
    fn parse(s: &str) -> Option<(usize, Vec<u8>)> {
        let (n, hex) = s.split_once(':')?;
        let bytes = (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        Some((n.parse().ok()?, bytes))
    }
    let (Some((n, e)), Some((m, o))) = (parse(expected), parse(ours)) else {
        return expected == ours;
    };
    n == m
        && (0..n).all(|i| {
            let bit = |b: &[u8]| b.get(i / 8).map(|x| (x >> (7 - i % 8)) & 1);
            bit(&e) == bit(&o)
        })
}

fn gpsd_value_eq(field: &str, exp: &Field, ours: &Value) -> bool {
    match (&exp.value, ours) {
        (Value::String(e), Value::String(o)) if field == "data" => bit_dump_eq(e, o),
        (Value::Number(e), Value::Number(o)) => {
            close(e.as_f64().unwrap(), &exp.literal, o.as_f64().unwrap())
        }
        (Value::String(e), Value::String(o)) if GPSD_NUMERIC_STRINGS.contains(&field) => {
            match (e.parse::<f64>(), o.parse::<f64>()) {
                (Ok(e), Ok(o)) => close(e, &exp.literal, o),
                _ => e == o,
            }
        }
        (e, o) => e == o,
    }
}

fn compare_gpsd(t: &mut Tally, c: &Checker, rec: &Record, scaled: bool) {
    t.records += 1;
    let r = run(&rec.nmea);
    let Some(exp) = &rec.expected else {
        // gpsd reported nothing: say what we did instead.
        let what = match (r.msgs.as_slice(), r.errors.as_slice()) {
            ([m], []) => match &m.msg.body {
                Body::StaticData(s) => format!(
                    "gpsd silent, we report type 24 part {} (parts are written separately)",
                    if matches!(s, StaticDataReport::PartA { .. }) {
                        "A"
                    } else {
                        "B"
                    }
                ),
                _ => format!("gpsd silent, we report type {}", m.msg.msg_type),
            },
            ([], errs) => format!(
                "gpsd silent, we reject: {}",
                errs.iter()
                    .map(|e| e.1.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            (m, e) => format!(
                "gpsd silent, we report {} messages and {} errors",
                m.len(),
                e.len()
            ),
        };
        t.note(what);
        return;
    };
    let exp_type = exp
        .iter()
        .find(|f| f.name == "type")
        .and_then(|f| f.value.as_u64());
    let mut ours = match r.msgs.as_slice() {
        [m] => gpsd_json(m, scaled),
        [a, b] if exp_type == Some(24) => {
            // gpsd merges part A and part B into one report.
            let mut m = gpsd_json(a, scaled);
            for (k, v) in gpsd_json(b, scaled) {
                m.insert(k, v);
            }
            m.remove("partno");
            m
        }
        msgs => {
            c.record_failure(
                t,
                rec.id,
                format!(
                    "expected one report, we produced {} messages, errors {:?}",
                    msgs.len(),
                    r.errors
                ),
            );
            return;
        }
    };
    let new_app = r.msgs.first().is_some_and(|o| new_application(&o.msg));
    for f in exp {
        if matches!(f.name.as_str(), "device" | "class") {
            continue;
        }
        t.reference_fields += 1;
        match ours.remove(&f.name) {
            Some(o) => {
                let ok = gpsd_value_eq(&f.name, f, &o);
                if new_app && !BINARY_HEADER.contains(&f.name.as_str()) {
                    t.new_app_compared += 1;
                    t.new_app_matched += ok as usize;
                }
                c.outcome(t, rec.id, &f.name, ok, || {
                    format!("gpsd {} ours {} (type {exp_type:?})", f.literal, o)
                });
            }
            None if ours.contains_key("data") && !exp.iter().any(|e| e.name == "data") => {
                // gpsd decodes this binary application; we keep its bits.
                t.raw_kept(r.msgs.first().map(|o| &o.msg));
            }
            None => c.outcome(t, rec.id, &f.name, false, || {
                format!("gpsd {} ours (absent) (type {exp_type:?})", f.literal)
            }),
        }
    }
    // What we write and gpsd does not.
    for (k, v) in ours {
        if OUR_EXTRA_FIELDS.contains(&k.as_str()) {
            continue;
        }
        if k == "data" && exp.iter().all(|e| e.name != "data") {
            continue; // the raw bits of an application gpsd decodes
        }
        c.outcome(t, rec.id, &k, false, || {
            format!("gpsd (absent) ours {} (type {exp_type:?})", show(Some(&v)))
        });
    }
}

fn gpsd_source(name: &'static str, path: &str, scaled: bool) -> Tally {
    let c = Checker::new(name);
    let mut t = Tally::default();
    for rec in records(path) {
        compare_gpsd(&mut t, &c, &rec, scaled);
    }
    t
}

// ---------------------------------------------------------------------------
// Views of our typed messages in the other references' conventions

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn bytes_hex(d: &BitData) -> Value {
    serde_json::json!({ "bytes_hex": hex(&d.bytes) })
}

/// Inserts `key: value` into a JSON object being built.
macro_rules! put {
    ($m:expr, $($k:literal => $v:expr),+ $(,)?) => {
        {
            $( $m.insert($k.to_owned(), serde_json::json!($v)); )+
        }
    };
}

/// The communication state (ITU-R M.1371-5 Annex 2 §3.3.7.2.2 SOTDMA and §3.3.7.3.2
/// ITDMA) of a 19-bit raw value, in libais's names.
fn comm_state(m: &mut Map<String, Value>, state: u32, itdma: bool) {
    put!(m, "sync_state" => state >> 17);
    if itdma {
        put!(m,
            "slot_increment" => (state >> 4) & 0x1FFF,
            "slots_to_allocate" => (state >> 1) & 7,
            "keep_flag" => state & 1 == 1,
        );
        return;
    }
    let timeout = (state >> 14) & 7;
    let sub = state & 0x3FFF;
    put!(m, "slot_timeout" => timeout);
    match timeout {
        3 | 5 | 7 => put!(m, "received_stations" => sub),
        2 | 4 | 6 => put!(m, "slot_number" => sub),
        1 => put!(m,
            "utc_hour" => (sub >> 9) & 0x1F,
            "utc_min" => (sub >> 2) & 0x7F,
            "utc_spare" => sub & 3,
        ),
        _ => put!(m, "slot_offset" => sub),
    }
}

/// pyais's rate of turn: `round((ROT/4.733)²)` with the sign of ROT, ±127 and
/// -128 passed through as floats (-128.0 = not available).
fn pyais_turn(t: Option<Turn>) -> Value {
    match t {
        None => serde_json::json!(-128.0),
        Some(t) => {
            let r = t.raw();
            if r.unsigned_abs() >= 127 {
                serde_json::json!(r as f64)
            } else if r == 0 {
                serde_json::json!(0)
            } else {
                let v = ((r as f64 / 4.733).powi(2)).round();
                serde_json::json!(v.copysign(r as f64))
            }
        }
    }
}

/// The met/hydro fields as pyais scales them (the same as gpsd's scaled
/// JSON).
fn met_hydro_scaled(m: &mut Map<String, Value>, h: &MetHydro, pyais: bool) {
    let fi31 = h.edition == MetHydroEdition::Fi31;
    let t = |v: f64| v / 10.0;
    let lon = h.lon_1e3_min as f64 / 60_000.0;
    let lat = h.lat_1e3_min as f64 / 60_000.0;
    if pyais {
        put!(m, "lon" => lon, "lat" => lat, "day" => h.day, "hour" => h.hour, "minute" => h.minute,
            "wspeed" => h.wspeed, "wgust" => h.wgust, "wdir" => h.wdir, "wgustdir" => h.wgustdir,
            "humidity" => h.humidity, "pressuretend" => h.pressuretend,
            "visibility" => t(h.visibility as f64), "leveltrend" => h.leveltrend,
            "cspeed" => t(h.cspeed as f64), "cdir" => h.cdir,
            "cspeed2" => t(h.cspeed2 as f64), "cdir2" => h.cdir2, "cdepth2" => h.cdepth2,
            "cspeed3" => t(h.cspeed3 as f64), "cdir3" => h.cdir3, "cdepth3" => h.cdepth3,
            "waveheight" => t(h.waveheight as f64), "waveperiod" => h.waveperiod, "wavedir" => h.wavedir,
            "swellheight" => t(h.swellheight as f64), "swellperiod" => h.swellperiod,
            "swelldir" => h.swelldir, "seastate" => h.seastate, "preciptype" => h.preciptype,
            "salinity" => t(h.salinity as f64), "ice" => h.ice,
        );
        if fi31 {
            put!(m, "accuracy" => h.accuracy, "visgreater" => h.visgreater,
                "airtemp" => t(h.airtemp as f64), "dewpoint" => t(h.dewpoint as f64),
                "pressure" => h.pressure as u32 + 799,
                "waterlevel" => (h.waterlevel as f64 - 1000.0) / 100.0,
                "watertemp" => t(h.watertemp as f64),
            );
        } else {
            put!(m, "airtemp" => t(h.airtemp as f64) - 60.0, "dewpoint" => t(h.dewpoint as f64) - 20.0,
                "pressure" => h.pressure as u32 + 800,
                "waterlevel" => t(h.waterlevel as f64) - 10.0,
                "watertemp" => t(h.watertemp as f64) - 10.0,
            );
        }
    } else {
        // libais names (IMO SN/Circ.236, DAC 1 FI 11).
        put!(m, "x" => lon, "y" => lat,
            "wind_ave" => h.wspeed, "wind_gust" => h.wgust, "wind_dir" => h.wdir,
            "wind_gust_dir" => h.wgustdir, "rel_humid" => h.humidity,
            "air_pres_trend" => h.pressuretend, "horz_vis" => t(h.visibility as f64),
            "water_level_trend" => h.leveltrend,
            "surf_cur_speed" => t(h.cspeed as f64), "surf_cur_dir" => h.cdir,
            "cur_speed_2" => t(h.cspeed2 as f64), "cur_dir_2" => h.cdir2, "cur_depth_2" => h.cdepth2,
            "cur_speed_3" => t(h.cspeed3 as f64), "cur_dir_3" => h.cdir3, "cur_depth_3" => h.cdepth3,
            "wave_height" => t(h.waveheight as f64), "wave_period" => h.waveperiod, "wave_dir" => h.wavedir,
            "swell_height" => t(h.swellheight as f64), "swell_period" => h.swellperiod,
            "swell_dir" => h.swelldir, "sea_state" => h.seastate, "precip_type" => h.preciptype,
            "ice" => h.ice,
            // libais scales "not available" values too (FI 11 scaling).
            "air_temp" => t(h.airtemp as f64) - 60.0, "dew_point" => t(h.dewpoint as f64) - 20.0,
            "air_pres" => h.pressure as u32 + 800, "water_level" => t(h.waterlevel as f64) - 10.0,
            "water_temp" => t(h.watertemp as f64) - 10.0,
        );
    }
}

/// Our message in pyais 3.3.1's names and conventions.
fn pyais_view(msg: &AisMessage) -> Map<String, Value> {
    let mut m = Map::new();
    put!(m, "msg_type" => msg.msg_type, "repeat" => msg.repeat, "mmsi" => msg.mmsi);
    let lon6 = |v: Option<f64>, na: f64| (v.unwrap_or(na) * 1e6).round() / 1e6;
    let speed = |v: Option<f64>| v.unwrap_or(102.3);
    let course = |v: Option<f64>| v.unwrap_or(360.0);
    let dims = |m: &mut Map<String, Value>, d: &Dimensions| {
        put!(m, "to_bow" => d.to_bow, "to_stern" => d.to_stern, "to_port" => d.to_port,
            "to_starboard" => d.to_starboard);
    };
    match &msg.body {
        Body::Position(p) => {
            put!(m, "status" => p.status, "speed" => speed(p.sog_kn), "accuracy" => p.accuracy,
                "lon" => lon6(p.lon_deg, 181.0), "lat" => lon6(p.lat_deg, 91.0),
                "course" => course(p.cog_deg), "heading" => p.heading_deg.unwrap_or(511),
                "second" => p.second, "maneuver" => p.maneuver, "raim" => p.raim, "radio" => p.radio,
                "communication_state_raw" => p.radio,
                "is_sotdma" => msg.msg_type != 3, "is_itdma" => msg.msg_type == 3,
            );
            m.insert("turn".into(), pyais_turn(p.turn));
        }
        Body::BaseStation(b) => {
            put!(m, "year" => b.year, "month" => b.month, "day" => b.day, "hour" => b.hour,
                "minute" => b.minute, "second" => b.second, "accuracy" => b.accuracy,
                "lon" => lon6(b.lon_deg, 181.0), "lat" => lon6(b.lat_deg, 91.0), "epfd" => b.epfd,
                "raim" => b.raim, "radio" => b.radio, "is_sotdma" => true, "is_itdma" => false,
            );
        }
        Body::StaticVoyage(s) => {
            put!(m, "ais_version" => s.ais_version, "imo" => s.imo, "callsign" => s.callsign.as_str(),
                "shipname" => s.shipname.as_str(), "ship_type" => s.shiptype, "epfd" => s.epfd,
                "month" => s.eta_month, "day" => s.eta_day, "hour" => s.eta_hour,
                "minute" => s.eta_minute, "draught" => s.draught_m.unwrap_or(0.0),
                "destination" => s.destination.as_str(), "dte" => s.dte,
            );
            dims(&mut m, &s.dimensions);
        }
        Body::AddressedBinary(b) => {
            put!(m, "seqno" => b.seqno, "dest_mmsi" => b.dest_mmsi, "retransmit" => b.retransmit,
                "dac" => b.dac, "fid" => b.fid);
            pyais_application(&mut m, &b.app);
        }
        Body::BroadcastBinary(b) => {
            put!(m, "dac" => b.dac, "fid" => b.fid);
            pyais_application(&mut m, &b.app);
        }
        Body::Acknowledge(a) => {
            for i in 0..4 {
                let present = i < a.count as usize;
                m.insert(
                    format!("mmsi{}", i + 1),
                    if present {
                        a.mmsi[i].into()
                    } else {
                        Value::Null
                    },
                );
                m.insert(
                    format!("mmsiseq{}", i + 1),
                    if present {
                        a.seqno[i].into()
                    } else {
                        Value::Null
                    },
                );
            }
        }
        Body::SarAircraft(s) => {
            put!(m, "alt" => s.altitude_m.unwrap_or(4095),
                "speed" => s.sog_kn.map_or(1023, |v| v as u32), "accuracy" => s.accuracy,
                "lon" => lon6(s.lon_deg, 181.0), "lat" => lon6(s.lat_deg, 91.0),
                "course" => course(s.cog_deg), "second" => s.second, "dte" => s.dte,
                "assigned" => s.assigned, "raim" => s.raim, "radio" => s.radio,
                "is_sotdma" => s.radio >> 19 == 0, "is_itdma" => s.radio >> 19 == 1,
            );
        }
        Body::UtcInquiry(u) => put!(m, "dest_mmsi" => u.dest_mmsi),
        Body::AddressedSafety(s) => {
            put!(m, "seqno" => s.seqno, "dest_mmsi" => s.dest_mmsi, "retransmit" => s.retransmit,
                "text" => s.text);
        }
        Body::SafetyBroadcast(s) => put!(m, "text" => s.text),
        Body::Interrogation(q) => {
            put!(m, "mmsi1" => q.mmsi1, "type1_1" => q.type1_1, "offset1_1" => q.offset1_1,
                "type1_2" => q.request1_2.map(|r| r.0), "offset1_2" => q.request1_2.map(|r| r.1),
                "mmsi2" => q.station2.map(|s| s.0), "type2_1" => q.station2.map(|s| s.1),
                "offset2_1" => q.station2.map(|s| s.2),
            );
        }
        Body::AssignedMode(a) => {
            put!(m, "mmsi1" => a.mmsi1, "offset1" => a.offset1, "increment1" => a.increment1,
                "mmsi2" => a.second.map(|s| s.0), "offset2" => a.second.map(|s| s.1),
                "increment2" => a.second.map(|s| s.2),
            );
        }
        Body::Dgnss(d) => {
            // pyais gives type 17 positions in minutes (raw / 10).
            put!(m, "lon" => d.lon_deg.map_or(1810.0, |v| (v * 600.0).round() / 10.0),
                "lat" => d.lat_deg.map_or(910.0, |v| (v * 600.0).round() / 10.0));
            m.insert("data".into(), bytes_hex(&d.data));
        }
        Body::ClassBPosition(p) => {
            put!(m, "reserved_1" => p.reserved, "speed" => speed(p.sog_kn), "accuracy" => p.accuracy,
                "lon" => lon6(p.lon_deg, 181.0), "lat" => lon6(p.lat_deg, 91.0),
                "course" => course(p.cog_deg), "heading" => p.heading_deg.unwrap_or(511),
                "second" => p.second, "reserved_2" => p.regional, "cs" => p.cs,
                "display" => p.display, "dsc" => p.dsc, "band" => p.band, "msg22" => p.msg22,
                "assigned" => p.assigned, "raim" => p.raim, "radio" => p.radio,
                "communication_state_raw" => p.radio & 0x7FFFF,
                "is_sotdma" => p.radio >> 19 == 0, "is_itdma" => p.radio >> 19 == 1,
            );
        }
        Body::ClassBExtended(p) => {
            put!(m, "reserved_1" => p.reserved, "speed" => speed(p.sog_kn), "accuracy" => p.accuracy,
                "lon" => lon6(p.lon_deg, 181.0), "lat" => lon6(p.lat_deg, 91.0),
                "course" => course(p.cog_deg), "heading" => p.heading_deg.unwrap_or(511),
                "second" => p.second, "reserved_2" => p.regional, "shipname" => p.shipname.as_str(),
                "ship_type" => p.shiptype, "epfd" => p.epfd, "raim" => p.raim, "dte" => p.dte,
                "assigned" => p.assigned,
            );
            dims(&mut m, &p.dimensions);
        }
        Body::DataLinkManagement(d) => {
            for i in 0..4 {
                let r = (i < d.count as usize).then(|| d.reservations[i]);
                m.insert(
                    format!("offset{}", i + 1),
                    serde_json::json!(r.map(|r| r.offset)),
                );
                m.insert(
                    format!("number{}", i + 1),
                    serde_json::json!(r.map(|r| r.number)),
                );
                m.insert(
                    format!("timeout{}", i + 1),
                    serde_json::json!(r.map(|r| r.timeout)),
                );
                m.insert(
                    format!("increment{}", i + 1),
                    serde_json::json!(r.map(|r| r.increment)),
                );
            }
        }
        Body::AidToNavigation(a) => {
            let full = a.name.as_str();
            let (head, ext) = full.split_at(full.len().min(20));
            put!(m, "aid_type" => a.aid_type, "full_name" => full, "name" => head.trim_end(),
                "name_ext" => (!ext.is_empty()).then_some(ext), "accuracy" => a.accuracy,
                "lon" => lon6(a.lon_deg, 181.0), "lat" => lon6(a.lat_deg, 91.0), "epfd" => a.epfd,
                "second" => a.second, "off_position" => a.off_position, "reserved_1" => a.regional,
                "raim" => a.raim, "virtual_aid" => a.virtual_aid, "assigned" => a.assigned,
            );
            dims(&mut m, &a.dimensions);
        }
        Body::ChannelManagement(c) => {
            put!(m, "channel_a" => c.channel_a, "channel_b" => c.channel_b, "txrx" => c.txrx,
                "power" => c.power, "band_a" => c.band_a, "band_b" => c.band_b,
                "zonesize" => c.zonesize,
                "addressed" => matches!(c.area, ChannelArea::Addressed { .. }));
            match c.area {
                // pyais gives the corners in minutes (raw / 10).
                ChannelArea::Area {
                    ne_lon_deg,
                    ne_lat_deg,
                    sw_lon_deg,
                    sw_lat_deg,
                } => put!(m,
                    "ne_lon" => ne_lon_deg * 60.0, "ne_lat" => ne_lat_deg * 60.0,
                    "sw_lon" => sw_lon_deg * 60.0, "sw_lat" => sw_lat_deg * 60.0),
                ChannelArea::Addressed { dest1, dest2 } => {
                    put!(m, "dest1" => dest1, "dest2" => dest2)
                }
            }
        }
        Body::GroupAssignment(g) => {
            put!(m, "ne_lon" => g.ne_lon_deg * 60.0, "ne_lat" => g.ne_lat_deg * 60.0,
                "sw_lon" => g.sw_lon_deg * 60.0, "sw_lat" => g.sw_lat_deg * 60.0,
                "station_type" => g.station_type, "ship_type" => g.ship_type, "txrx" => g.txrx,
                "interval" => g.interval, "quiet" => g.quiet);
        }
        Body::StaticData(StaticDataReport::PartA { shipname }) => {
            put!(m, "partno" => 0, "shipname" => shipname.as_str());
        }
        Body::StaticData(StaticDataReport::PartB(b)) => {
            put!(m, "partno" => 1, "ship_type" => b.shiptype, "vendorid" => b.vendor_id.as_str(),
                "model" => b.model, "serial" => b.serial, "callsign" => b.callsign.as_str());
            match b.mothership_mmsi {
                Some(x) => put!(m, "mothership_mmsi" => x),
                None => dims(&mut m, &b.dimensions),
            }
        }
        Body::SlotBinary(s) => {
            put!(m, "addressed" => s.addressed, "structured" => s.structured,
                "dest_mmsi" => s.dest_mmsi, "app_id" => s.app_id, "radio" => s.radio);
            m.insert("data".into(), bytes_hex(&s.data));
        }
        Body::LongRange(l) => {
            put!(m, "accuracy" => l.accuracy, "raim" => l.raim, "status" => l.status,
                "lon" => lon6(l.lon_deg, 181.0), "lat" => lon6(l.lat_deg, 91.0),
                "speed" => l.sog_kn.map_or(63, |v| v as u32),
                "course" => l.cog_deg.map_or(511, |v| v as u32), "gnss" => l.position_latency);
        }
    }
    m
}

fn pyais_application(m: &mut Map<String, Value>, app: &Application) {
    match app {
        Application::Raw(d) => {
            m.insert("data".into(), bytes_hex(d));
        }
        Application::MetHydro(h) => met_hydro_scaled(m, h, true),
        Application::InlandStatic(i) => {
            put!(m, "vin" => i.vin.as_str(), "length" => i.length_dm as f64 / 10.0,
                "beam" => i.beam_dm as f64 / 10.0, "ship_type" => i.shiptype, "hazard" => i.hazard,
                "draught" => i.draught_cm as f64 / 100.0, "loaded" => i.loaded,
                "speed_q" => i.speed_q, "course_q" => i.course_q, "heading_q" => i.heading_q);
        }
        Application::AtonMonitoring(a) => {
            put!(m, "ana_int" => a.ana_int, "ana_ext1" => a.ana_ext1, "ana_ext2" => a.ana_ext2,
                "racon" => a.racon, "light" => a.light, "alarm" => a.alarm,
                "stat_ext" => a.stat_ext, "off_pos" => a.off_pos);
        }
        Application::MarineTrafficSignal(s) => {
            put!(m, "linkage" => s.linkage, "station" => s.station.as_str(),
                "lon" => s.lon_1e3_min as f64 / 60_000.0, "lat" => s.lat_1e3_min as f64 / 60_000.0,
                "status" => s.status, "signal" => s.signal, "hour" => s.hour,
                "minute" => s.minute, "nextsignal" => s.nextsignal);
        }
        Application::EmmaWarning(e) => {
            put!(m, "start_year" => e.start_year, "start_month" => e.start_month,
                "start_day" => e.start_day, "end_year" => e.end_year, "end_month" => e.end_month,
                "end_day" => e.end_day, "start_hour" => e.start_hour,
                "start_minute" => e.start_minute, "end_hour" => e.end_hour,
                "end_minute" => e.end_minute, "start_lon" => e.start_lon as f64 / 600_000.0,
                "start_lat" => e.start_lat as f64 / 600_000.0,
                "end_lon" => e.end_lon as f64 / 600_000.0, "end_lat" => e.end_lat as f64 / 600_000.0,
                "type" => e.kind, "min" => e.min, "max" => e.max, "intensity" => e.intensity,
                "wind" => e.wind);
        }
        Application::WaterLevels(w) => {
            for (i, g) in w.gauges.iter().enumerate() {
                m.insert(format!("gauge_id_{}", i + 1), g.id.into());
                m.insert(format!("water_level_{}", i + 1), g.level_cm.into());
            }
        }
        Application::SignalStatus(s) => {
            put!(m, "direction" => s.direction, "status_raw" => s.status);
        }
        // No pyais record carries the others: their fields would be
        // counted as not compared.
        _ => no_view(m),
    }
}

/// Marks a view as lacking the names of a decoded application (its
/// fields are counted as not compared, with that reason).
fn no_view(m: &mut Map<String, Value>) {
    m.insert(NO_VIEW.into(), Value::Null);
}

const NO_VIEW: &str = "(application decoded; no view in this reference's names)";

fn libais_application(m: &mut Map<String, Value>, app: &Application) {
    match app {
        Application::MetHydro(h) => met_hydro_scaled(m, h, false),
        Application::Raw(d) => {
            m.insert("data".into(), bytes_hex(d));
        }
        // No libais test_data record carries these.
        Application::InlandStatic(_) | Application::AtonMonitoring(_) => {}
        _ => no_view(m),
    }
}

/// gpsd's and libais's 7-character `vendorid`: the whole 42-bit vendor
/// field of type 24 part B read as text (ITU-R M.1371-3 layout), which
/// M.1371-4 split into a 3-character manufacturer, model and serial.
fn vendor7(b: &finisterra_ais::StaticPartB) -> String {
    let mut s = b.vendor_id.as_str().to_owned();
    if s.len() < 3 {
        return s; // the text stopped at an '@'
    }
    let tail = ((b.model as u32 & 0xF) << 20) | (b.serial & 0xF_FFFF);
    for i in 0..4 {
        let six = ((tail >> (18 - 6 * i)) & 63) as u8;
        if six == 0 {
            break;
        }
        s.push(if six < 32 { six + 64 } else { six } as char);
    }
    s.trim_end().to_owned()
}

/// Our message in libais's names and conventions (`test/test_data.py`).
fn libais_view(msg: &AisMessage) -> Map<String, Value> {
    let mut m = Map::new();
    put!(m, "id" => msg.msg_type, "repeat_indicator" => msg.repeat, "mmsi" => msg.mmsi);
    let x = |v: Option<f64>| v.unwrap_or(181.0);
    let y = |v: Option<f64>| v.unwrap_or(91.0);
    let dims = |m: &mut Map<String, Value>, d: &Dimensions| {
        put!(m, "dim_a" => d.to_bow, "dim_b" => d.to_stern, "dim_c" => d.to_port,
            "dim_d" => d.to_starboard);
    };
    match &msg.body {
        Body::Position(p) => {
            let raw = p.turn.map_or(-128, |t| t.raw()) as f64;
            let rot = (raw / 4.733).powi(2).copysign(raw);
            put!(m, "nav_status" => p.status, "rot" => if raw == 0.0 { 0.0 } else { rot },
                "rot_over_range" => raw.abs() > 126.0, "sog" => p.sog_kn.unwrap_or(102.3),
                "position_accuracy" => p.accuracy as u8, "x" => x(p.lon_deg), "y" => y(p.lat_deg),
                "cog" => p.cog_deg.unwrap_or(360.0), "true_heading" => p.heading_deg.unwrap_or(511),
                "timestamp" => p.second, "special_manoeuvre" => p.maneuver, "raim" => p.raim);
            comm_state(&mut m, p.radio, msg.msg_type == 3);
        }
        Body::BaseStation(b) => {
            put!(m, "year" => b.year, "month" => b.month, "day" => b.day, "hour" => b.hour,
                "minute" => b.minute, "second" => b.second, "position_accuracy" => b.accuracy as u8,
                "x" => x(b.lon_deg), "y" => y(b.lat_deg), "fix_type" => b.epfd, "raim" => b.raim);
            comm_state(&mut m, b.radio, false);
        }
        Body::StaticVoyage(s) => {
            put!(m, "ais_version" => s.ais_version, "imo_num" => s.imo, "callsign" => s.callsign.as_str(),
                "name" => s.shipname.as_str(), "type_and_cargo" => s.shiptype, "fix_type" => s.epfd,
                "eta_month" => s.eta_month, "eta_day" => s.eta_day, "eta_hour" => s.eta_hour,
                "eta_minute" => s.eta_minute, "draught" => s.draught_m.unwrap_or(0.0),
                "destination" => s.destination.as_str(), "dte" => s.dte as u8);
            dims(&mut m, &s.dimensions);
        }
        Body::AddressedBinary(b) => {
            put!(m, "seq" => b.seqno, "mmsi_dest" => b.dest_mmsi, "retransmit" => b.retransmit,
                "dac" => b.dac, "fi" => b.fid);
            libais_application(&mut m, &b.app);
        }
        Body::BroadcastBinary(b) => {
            put!(m, "dac" => b.dac, "fi" => b.fid);
            libais_application(&mut m, &b.app);
        }
        Body::Acknowledge(a) => {
            let acks: Vec<Value> = (0..a.count as usize)
                .map(|i| serde_json::json!([a.mmsi[i], a.seqno[i]]))
                .collect();
            m.insert("acks".into(), Value::Array(acks));
        }
        Body::SarAircraft(s) => {
            put!(m, "alt" => s.altitude_m.unwrap_or(4095), "sog" => s.sog_kn.map_or(1023, |v| v as u32),
                "position_accuracy" => s.accuracy as u8, "x" => x(s.lon_deg), "y" => y(s.lat_deg),
                "cog" => s.cog_deg.unwrap_or(360.0), "timestamp" => s.second,
                "alt_sensor" => s.regional >> 7, "dte" => s.dte as u8,
                "assigned_mode" => s.assigned as u8, "raim" => s.raim);
            comm_state(&mut m, s.radio & 0x7FFFF, s.radio >> 19 == 1);
        }
        Body::UtcInquiry(u) => put!(m, "dest_mmsi" => u.dest_mmsi),
        Body::AddressedSafety(s) => {
            put!(m, "seq_num" => s.seqno, "dest_mmsi" => s.dest_mmsi,
                "retransmitted" => s.retransmit, "text" => s.text);
        }
        Body::SafetyBroadcast(s) => put!(m, "text" => s.text),
        Body::Interrogation(q) => {
            let (t12, o12) = q.request1_2.unwrap_or((0, 0));
            let (m2, t21, o21) = q.station2.unwrap_or((0, 0, 0));
            put!(m, "mmsi_1" => q.mmsi1, "msg_1_1" => q.type1_1, "slot_offset_1_1" => q.offset1_1,
                "dest_msg_1_2" => t12, "slot_offset_1_2" => o12, "mmsi_2" => m2, "msg_2" => t21,
                "slot_offset_2" => o21);
        }
        Body::AssignedMode(a) => {
            put!(m, "dest_mmsi_a" => a.mmsi1, "offset_a" => a.offset1, "inc_a" => a.increment1);
            if let Some((mm, o, i)) = a.second {
                put!(m, "dest_mmsi_b" => mm, "offset_b" => o, "inc_b" => i);
            }
        }
        Body::Dgnss(d) => put!(m, "x" => x(d.lon_deg), "y" => y(d.lat_deg)),
        Body::ClassBPosition(p) => {
            put!(m, "spare" => p.reserved, "sog" => p.sog_kn.unwrap_or(102.3),
                "position_accuracy" => p.accuracy as u8, "x" => x(p.lon_deg), "y" => y(p.lat_deg),
                "cog" => p.cog_deg.unwrap_or(360.0), "true_heading" => p.heading_deg.unwrap_or(511),
                "timestamp" => p.second, "spare2" => p.regional, "unit_flag" => p.cs as u8,
                "display_flag" => p.display as u8, "dsc_flag" => p.dsc as u8,
                "band_flag" => p.band as u8, "m22_flag" => p.msg22 as u8,
                "mode_flag" => p.assigned as u8, "raim" => p.raim,
                "commstate_flag" => p.radio >> 19);
            comm_state(&mut m, p.radio & 0x7FFFF, p.radio >> 19 == 1);
        }
        Body::ClassBExtended(p) => {
            put!(m, "spare" => p.reserved, "sog" => p.sog_kn.unwrap_or(102.3),
                "position_accuracy" => p.accuracy as u8, "x" => x(p.lon_deg), "y" => y(p.lat_deg),
                "cog" => p.cog_deg.unwrap_or(360.0), "true_heading" => p.heading_deg.unwrap_or(511),
                "timestamp" => p.second, "spare2" => p.regional, "name" => p.shipname.as_str(),
                "type_and_cargo" => p.shiptype, "fix_type" => p.epfd, "raim" => p.raim,
                "dte" => p.dte as u8, "assigned_mode" => p.assigned as u8);
            dims(&mut m, &p.dimensions);
        }
        Body::DataLinkManagement(d) => {
            let r: Vec<Value> = d.reservations[..d.count as usize]
                .iter()
                .map(|r| {
                    serde_json::json!({"offset": r.offset, "num_slots": r.number,
                    "timeout": r.timeout, "incr": r.increment})
                })
                .collect();
            m.insert("reservations".into(), Value::Array(r));
        }
        Body::AidToNavigation(a) => {
            put!(m, "aton_type" => a.aid_type, "name" => a.name.as_str(),
                "position_accuracy" => a.accuracy as u8, "x" => x(a.lon_deg), "y" => y(a.lat_deg),
                "fix_type" => a.epfd, "timestamp" => a.second, "off_pos" => a.off_position,
                "aton_status" => a.regional, "raim" => a.raim, "virtual_aton" => a.virtual_aid,
                "assigned_mode" => a.assigned);
            dims(&mut m, &a.dimensions);
        }
        Body::ChannelManagement(c) => {
            put!(m, "chan_a" => c.channel_a, "chan_b" => c.channel_b, "txrx_mode" => c.txrx,
                "power_low" => c.power, "chan_a_bandwidth" => c.band_a as u8,
                "chan_b_bandwidth" => c.band_b as u8, "zone_size" => c.zonesize);
            match c.area {
                ChannelArea::Area {
                    ne_lon_deg,
                    ne_lat_deg,
                    sw_lon_deg,
                    sw_lat_deg,
                } => put!(m,
                    "x1" => ne_lon_deg, "y1" => ne_lat_deg, "x2" => sw_lon_deg, "y2" => sw_lat_deg),
                ChannelArea::Addressed { dest1, dest2 } => {
                    put!(m, "dest_mmsi_1" => dest1, "dest_mmsi_2" => dest2)
                }
            }
        }
        Body::GroupAssignment(g) => {
            put!(m, "x1" => g.ne_lon_deg, "y1" => g.ne_lat_deg, "x2" => g.sw_lon_deg,
                "y2" => g.sw_lat_deg, "station_type" => g.station_type,
                "type_and_cargo" => g.ship_type, "txrx_mode" => g.txrx,
                "interval_raw" => g.interval, "quiet" => g.quiet);
        }
        Body::StaticData(StaticDataReport::PartA { shipname }) => {
            put!(m, "part_num" => 0, "name" => shipname.as_str());
        }
        Body::StaticData(StaticDataReport::PartB(b)) => {
            put!(m, "part_num" => 1, "type_and_cargo" => b.shiptype,
                "vendor_id" => vendor7(b), "callsign" => b.callsign.as_str());
            match b.mothership_mmsi {
                Some(x) => put!(m, "mothership_mmsi" => x),
                None => dims(&mut m, &b.dimensions),
            }
        }
        Body::SlotBinary(s) => {
            if let Some(d) = s.dest_mmsi {
                put!(m, "dest_mmsi" => d);
            }
            if let Some(a) = s.app_id {
                put!(m, "dac" => a >> 6, "fi" => a & 63);
            }
            if let Some(r) = s.radio {
                comm_state(&mut m, r & 0x7FFFF, r >> 19 == 1);
            }
        }
        Body::LongRange(l) => {
            put!(m, "position_accuracy" => l.accuracy as u8, "raim" => l.raim,
                "nav_status" => l.status, "x" => x(l.lon_deg), "y" => y(l.lat_deg),
                "sog" => l.sog_kn.map_or(63, |v| v as u32), "cog" => l.cog_deg.map_or(511, |v| v as u32),
                // libais: `gnss = !bit94`, "true = current GNSS position"
                // (the bit is the position latency flag, 1 = over 5 s).
                "gnss" => !l.position_latency);
        }
    }
    m
}

// ---------------------------------------------------------------------------
// Comparing a view with a reference's expected fields

/// A reference's strings with our text rule applied (libais keeps the `@`
/// padding and what follows it): cut at the first `@`, trim trailing
/// spaces.
fn sixbit_text(s: &str) -> &str {
    s.split('@').next().unwrap_or("").trim_end()
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Conventions of a reference, for [`loose_eq`].
#[derive(Clone, Copy)]
struct Conv {
    /// Relative tolerance floor for decimal numbers (libais computes in
    /// float32).
    float_floor: f64,
    /// Apply our 6-bit text rule to the reference's strings.
    sixbit_strings: bool,
}

fn loose_eq(e: &Value, literal: &str, o: &Value, conv: Conv) -> bool {
    match (e, o) {
        (Value::Number(en), Value::Number(on)) => {
            let (ev, ov) = (en.as_f64().unwrap(), on.as_f64().unwrap());
            let mut tol = tolerance(literal);
            if literal.contains('.') {
                tol = tol.max(conv.float_floor * ev.abs().max(1.0));
            }
            (ev - ov).abs() <= tol + 1e-9 * ev.abs().max(1.0)
        }
        // pyais sometimes asserts flags as 1/0.
        (Value::Number(n), Value::Bool(b)) | (Value::Bool(b), Value::Number(n)) => {
            (n.as_f64() != Some(0.0)) == *b
        }
        (Value::String(es), Value::String(os)) => {
            if conv.sixbit_strings {
                sixbit_text(es) == os.as_str()
            } else {
                es == os
            }
        }
        (Value::Object(eo), _) if eo.contains_key("bytes_hex") => {
            let want = eo["bytes_hex"].as_str().unwrap_or("");
            match o {
                Value::String(s) => hex(s.as_bytes()) == want,
                Value::Object(oo) => oo.get("bytes_hex").and_then(Value::as_str) == Some(want),
                _ => false,
            }
        }
        (Value::Array(ea), Value::Array(oa)) => {
            ea.len() == oa.len()
                && ea
                    .iter()
                    .zip(oa)
                    .all(|(e, o)| loose_eq(e, &e.to_string(), o, conv))
        }
        (Value::Object(eo), Value::Object(oo)) => eo.iter().all(|(k, e)| match oo.get(k) {
            Some(o) => loose_eq(e, &e.to_string(), o, conv),
            None => e.is_null(),
        }),
        (e, o) => e == o,
    }
}

/// Fields a reference has that our model does not keep, with the reason
/// (counted as "not compared", never silently skipped).
const NOT_KEPT: &[(&str, &str)] = &[
    (
        "transmission_ctl",
        "not kept: type 4/11 transmission control bit (spare for gpsd)",
    ),
    (
        "ext_water_level",
        "not kept: the 6 bits after `ice` in DAC 1 FI 11 (spare in IMO SN/Circ.236)",
    ),
    (
        "msg_2",
        "libais-only type 15 fields (no M.1371-5 counterpart)",
    ),
    (
        "offset2_2",
        "libais-only type 15 fields (no M.1371-5 counterpart)",
    ),
    (
        "slot_offset_2",
        "libais-only type 15 fields (no M.1371-5 counterpart)",
    ),
    (
        "type2_2",
        "libais-only type 15 fields (no M.1371-5 counterpart)",
    ),
];

fn not_kept(name: &str) -> Option<&'static str> {
    NOT_KEPT
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, why)| *why)
}

/// Compares `view` with the expected fields (and truth values) of one
/// record. Fields we do not have are counted as not compared when they are
/// spare bits or belong to an application we keep as raw bits; otherwise
/// they are failures.
#[allow(clippy::too_many_arguments)]
fn compare_view(
    t: &mut Tally,
    c: &Checker,
    id: u64,
    msg: Option<&AisMessage>,
    view: &Map<String, Value>,
    exp: &[Field],
    truthy_exp: &[(String, bool)],
    conv: Conv,
) {
    let raw_kept = view.contains_key("data") && !exp.iter().any(|f| f.name == "data");
    for f in exp {
        match view.get(&f.name) {
            Some(o) => {
                let ok = loose_eq(&f.value, &f.literal, o, conv);
                c.outcome(t, id, &f.name, ok, || {
                    format!("reference {} ours {o}", f.literal)
                });
            }
            None if f.name.starts_with("spare") => t.not_compared("spare bits (not kept)"),
            None if raw_kept => t.raw_kept(msg),
            None if view.contains_key(NO_VIEW) => t.not_compared(NO_VIEW),
            None if not_kept(&f.name).is_some() => t.not_compared(not_kept(&f.name).unwrap()),
            None => c.outcome(t, id, &f.name, false, || {
                format!("reference {} ours (absent)", f.literal)
            }),
        }
    }
    for (k, want) in truthy_exp {
        match view.get(k) {
            Some(o) => c.outcome(t, id, k, truthy(o) == *want, || {
                format!("reference truthy={want} ours {o}")
            }),
            None if raw_kept => t.raw_kept(msg),
            None => c.outcome(t, id, k, false, || {
                format!("reference truthy={want} ours (absent)")
            }),
        }
    }
}

// ---------------------------------------------------------------------------
// pyais

/// The NMEA-level facts pyais asserts about a record's sentences.
fn nmea_view(lines: &[String]) -> Map<String, Value> {
    let mut m = Map::new();
    let mut valid = true;
    let mut first: Option<Map<String, Value>> = None;
    let mut counts = Vec::new();
    for l in lines {
        match parse_line(l.as_bytes()) {
            Ok(Line::Vdm(v)) => {
                counts.push(v.fragment_count);
                if first.is_none() {
                    let mut f = Map::new();
                    let start = l.find(['!', '$']).unwrap_or(0);
                    let checksum = l[start..].find('*').and_then(|p| {
                        u8::from_str_radix(l.get(start + p + 1..start + p + 3)?, 16).ok()
                    });
                    let six = v.payload.first().map(|&c| {
                        let x = c.wrapping_sub(48);
                        if x > 40 {
                            x - 8
                        } else {
                            x
                        }
                    });
                    put!(f,
                        "talker" => String::from_utf8_lossy(&v.talker),
                        "type" => if v.own_ship { "VDO" } else { "VDM" },
                        "channel" => v.channel.map_or(String::new(), |c| (c as char).to_string()),
                        "frag_cnt" => v.fragment_count,
                        "frag_num" => v.fragment_number,
                        "seq_id" => v.sequence_id,
                        "payload" => String::from_utf8_lossy(v.payload),
                        "fill_bits" => v.fill_bits,
                        "checksum" => checksum,
                        "ais_id" => six,
                        "raw" => l.as_str(),
                    );
                    first = Some(f);
                }
            }
            Ok(_) => {}
            Err(_) => valid = false,
        }
    }
    if let Some(f) = first {
        m.extend(f);
    }
    put!(m, "is_valid" => valid && !counts.is_empty());
    if let Some(&n) = counts.first() {
        put!(m, "is_single" => n == 1, "is_multi" => n > 1);
    }
    m
}

/// The tag-block facts pyais asserts.
fn tag_block_view(line: &str) -> Map<String, Value> {
    let mut m = Map::new();
    match parse_line(line.as_bytes()) {
        Ok(Line::Vdm(v)) => {
            put!(m, "is_valid" => true);
            if let Some(tb) = v.tag {
                put!(m,
                    "receiver_timestamp" => tb.time.map(|t| (t.unix_ms / 1000).to_string()),
                    "source_station" => tb.source,
                    "destination_station" => tb.destination,
                    "line_count" => tb.line_count.map(|n| n.to_string()),
                    "relative_time" => tb.relative_time.map(|n| n.to_string()),
                    "text" => tb.text,
                );
            }
        }
        _ => put!(m, "is_valid" => false),
    }
    m
}

/// The line with its sentence and tag-block checksums recomputed (pyais
/// does not check checksums by default, and several of its test vectors
/// were edited by hand without updating them).
fn repair_checksums(line: &str) -> String {
    let fix = |part: &str| -> String {
        match part.rfind('*') {
            Some(star) => {
                let cs = finisterra_nmea::checksum(&part.as_bytes()[1..star]);
                let rest = part.get(star + 3..).unwrap_or("");
                format!("{}*{cs:02X}{rest}", &part[..star])
            }
            None => part.to_owned(),
        }
    };
    let mut out = String::new();
    let mut s = line;
    if let Some(rest) = s.strip_prefix('\\') {
        if let Some(close) = rest.find('\\') {
            out.push_str(&fix(&s[..close + 1]));
            out.push('\\');
            s = &rest[close + 1..];
        }
    }
    // The sentence: from '!' or '$' to its '*hh'; trailing fields kept.
    match s.find('*') {
        Some(star) if s.len() >= star + 3 => {
            out.push_str(&fix(&s[..star + 3]));
            out.push_str(&s[star + 3..]);
        }
        _ => out.push_str(s),
    }
    out
}

/// Runs the record; when we reject it only for a wrong checksum, records
/// that disagreement (field `checksum`) and runs the repaired lines.
fn run_repairing(t: &mut Tally, c: &Checker, id: u64, lines: &[String]) -> Run {
    let r = run(lines);
    let bad_checksum = |e: &(u64, String)| e.1 == "bad_checksum" || e.1 == "tag_block_bad_checksum";
    if r.errors.iter().any(bad_checksum) {
        c.outcome(t, id, "checksum", false, || {
            "the reference decodes a sentence whose checksum is wrong".into()
        });
        let fixed: Vec<String> = lines.iter().map(|l| repair_checksums(l)).collect();
        return run(&fixed);
    }
    r
}

const PYAIS: Conv = Conv {
    float_floor: 0.0,
    sixbit_strings: false,
};

fn pyais_source(name: &'static str, kinds: &[&str]) -> Tally {
    let c = Checker::new(name);
    let mut t = Tally::default();
    for rec in records("pyais/pyais_expectations.jsonl") {
        if !kinds.contains(&rec.kind.as_str()) {
            continue;
        }
        t.records += 1;
        match rec.kind.as_str() {
            "nmea" => {
                // Validity from the lines as given; the other facts from
                // the lines with their checksums repaired.
                let fixed: Vec<String> = rec.nmea.iter().map(|l| repair_checksums(l)).collect();
                let mut view = nmea_view(&fixed);
                view.insert("is_valid".into(), nmea_view(&rec.nmea)["is_valid"].clone());
                compare_view(
                    &mut t,
                    &c,
                    rec.id,
                    None,
                    &view,
                    rec.expected.as_deref().unwrap_or(&[]),
                    &rec.truthy,
                    PYAIS,
                );
            }
            "tag_block" => {
                let mut view = tag_block_view(&rec.nmea[0]);
                if view.get("is_valid") == Some(&Value::Bool(false)) {
                    c.outcome(&mut t, rec.id, "checksum", false, || {
                        "pyais reads a tag block whose line we reject".into()
                    });
                    view = tag_block_view(&repair_checksums(&rec.nmea[0]));
                }
                compare_view(
                    &mut t,
                    &c,
                    rec.id,
                    None,
                    &view,
                    rec.expected.as_deref().unwrap_or(&[]),
                    &rec.truthy,
                    PYAIS,
                );
            }
            "error" => {
                // Every input pyais refuses must be refused by us too: a
                // line error, or simply no message. Never a panic.
                // Most of pyais's error vectors also carry a wrong
                // checksum: unless the checksum is the point, they must
                // still be rejected once it is repaired, for the reason
                // pyais names.
                let why = rec.expected_error.clone().unwrap_or_default();
                let mut r = run(&rec.nmea);
                if why != "InvalidNMEAChecksum" && r.errors.iter().any(|e| e.1 == "bad_checksum") {
                    let fixed: Vec<String> = rec.nmea.iter().map(|l| repair_checksums(l)).collect();
                    r = run(&fixed);
                }
                let ok = r.msgs.is_empty();
                c.outcome(&mut t, rec.id, "rejected", ok, || {
                    format!("pyais raises {why}, we decoded {} message(s)", r.msgs.len())
                });
                if ok {
                    let reasons: Vec<&str> = r.errors.iter().map(|e| e.1.as_str()).collect();
                    t.note(format!(
                        "pyais {why} -> {}",
                        if reasons.is_empty() {
                            "no message (skipped line)".to_owned()
                        } else {
                            reasons.join("+")
                        }
                    ));
                }
            }
            _ => {
                let r = run_repairing(&mut t, &c, rec.id, &rec.nmea);
                let [out] = r.msgs.as_slice() else {
                    c.record_failure(
                        &mut t,
                        rec.id,
                        format!(
                            "pyais decodes one message, we {} (errors {:?})",
                            r.msgs.len(),
                            r.errors
                        ),
                    );
                    continue;
                };
                let mut view = pyais_view(&out.msg);
                // DAC 200 FI 23's warning type, before the sentence type
                // takes the name.
                let app_type = view.get("type").cloned();
                let fixed: Vec<String> = rec.nmea.iter().map(|l| repair_checksums(l)).collect();
                view.extend(nmea_view(&fixed));
                if rec
                    .expected
                    .iter()
                    .flatten()
                    .any(|f| f.name == "type" && f.value.is_number())
                {
                    // An application field named "type" (DAC 200 FI 23),
                    // not the sentence type.
                    match app_type {
                        Some(v) => view.insert("type".into(), v),
                        None => view.remove("type"),
                    };
                }
                compare_view(
                    &mut t,
                    &c,
                    rec.id,
                    Some(&out.msg),
                    &view,
                    rec.expected.as_deref().unwrap_or(&[]),
                    &rec.truthy,
                    PYAIS,
                );
                if rec.expected.as_deref().is_some_and(|e| e.is_empty()) && rec.truthy.is_empty() {
                    // `expect_decode_ok` only: decoding is the assertion.
                    c.outcome(&mut t, rec.id, "decoded", true, String::new);
                }
            }
        }
    }
    t
}

// ---------------------------------------------------------------------------
// libais

const LIBAIS: Conv = Conv {
    float_floor: 1e-4,
    sixbit_strings: true,
};

fn libais_test_data() -> Tally {
    let c = Checker::new("libais test_data");
    let mut t = Tally::default();
    for rec in records("libais/test_data.jsonl") {
        t.records += 1;
        let r = run_repairing(&mut t, &c, rec.id, &rec.nmea);
        let [out] = r.msgs.as_slice() else {
            c.record_failure(
                &mut t,
                rec.id,
                format!(
                    "libais decodes one message, we {} (errors {:?})",
                    r.msgs.len(),
                    r.errors
                ),
            );
            continue;
        };
        let view = libais_view(&out.msg);
        compare_view(
            &mut t,
            &c,
            rec.id,
            Some(&out.msg),
            &view,
            rec.expected.as_deref().unwrap_or(&[]),
            &[],
            LIBAIS,
        );
    }
    t
}

/// `2014-12-10T00:41:53.000000Z` -> milliseconds since the epoch.
fn parse_iso(s: &str) -> Option<i64> {
    let n = |a: usize, b: usize| s.get(a..b)?.parse::<u32>().ok();
    let ms = s
        .get(20..23)
        .and_then(|f| f.parse::<u32>().ok())
        .unwrap_or(0);
    finisterra_nmea::unix_ms_from_civil(
        n(0, 4)? as i64,
        n(5, 7)?,
        n(8, 10)?,
        n(11, 13)?,
        n(14, 16)?,
        n(17, 19)?,
        ms,
    )
}

/// libais's own gpsd-style JSON (`typeexamples.json`, `tagblock.json`)
/// against our gpsd JSON, with libais's names for what gpsd does not have.
fn compare_libais_json(
    t: &mut Tally,
    c: &Checker,
    id: u64,
    out: &Out,
    exp: &[Field],
    tagged: bool,
) {
    let mut ours = gpsd_json(out, true);
    // Full-precision positions (gpsd prints type 17 to 0.1°).
    let (lon, lat) = match &out.msg.body {
        Body::Position(p) => (p.lon_deg, p.lat_deg),
        Body::BaseStation(b) => (b.lon_deg, b.lat_deg),
        Body::SarAircraft(s) => (s.lon_deg, s.lat_deg),
        Body::Dgnss(d) => (d.lon_deg, d.lat_deg),
        Body::ClassBPosition(p) => (p.lon_deg, p.lat_deg),
        Body::ClassBExtended(p) => (p.lon_deg, p.lat_deg),
        Body::AidToNavigation(a) => (a.lon_deg, a.lat_deg),
        Body::LongRange(l) => (l.lon_deg, l.lat_deg),
        _ => (Some(f64::NAN), Some(f64::NAN)),
    };
    if lon.is_none_or(|v| !v.is_nan()) {
        put!(ours, "lon" => lon.unwrap_or(181.0), "lat" => lat.unwrap_or(91.0));
    }
    // libais's names for the communication state and a few flags.
    let lib = libais_view(&out.msg);
    for k in [
        "sync_state",
        "slot_timeout",
        "slot_number",
        "received_stations",
        "utc_hour",
        "utc_min",
        "utc_spare",
        "slot_offset",
        "slot_increment",
        "slots_to_allocate",
        "keep_flag",
    ] {
        if let Some(v) = lib.get(k) {
            ours.insert(k.into(), v.clone());
        }
    }
    if let Some(p) = ours.get("partno").cloned() {
        ours.insert("part_num".into(), p);
    }
    // Fields gpsd's JSON does not carry, and libais's conventions.
    match &out.msg.body {
        Body::ClassBPosition(p) => put!(ours,
            "unit" => p.cs, "mode" => p.assigned,
            "commstate_cs_fill" => p.radio & 0x7FFFF),
        Body::SarAircraft(s) => {
            put!(ours, "alt_sensor" => s.regional >> 7, "assigned" => s.assigned)
        }
        Body::AidToNavigation(a) => put!(ours, "assigned" => a.assigned),
        Body::GroupAssignment(g) => put!(ours, "txrx" => g.txrx),
        Body::SlotBinary(b) => {
            if let Some(a) = b.app_id {
                put!(ours, "dac" => a >> 6, "fid" => a & 63);
            }
        }
        // libais: gnss = !position latency flag.
        Body::LongRange(l) => put!(ours, "gnss" => !l.position_latency),
        _ => {}
    }
    for f in exp {
        let name = f.name.as_str();
        if matches!(name, "class" | "device" | "scaled") {
            continue;
        }
        if name.ends_with("_text") {
            t.not_compared("label text (wording differs by implementation)");
            continue;
        }
        if matches!(name, "tagblock_group" | "tagblock_T" | "tagblock_q") {
            t.not_compared("tag block fields we do not keep");
            continue;
        }
        let time_field = name == "tagblock_timestamp" || (tagged && name == "timestamp");
        if time_field {
            let want = f.value.as_str().and_then(parse_iso);
            let got = out.time.map(|t| t.unix_ms);
            c.outcome(t, id, name, want.is_some() && want == got, || {
                format!("libais {} ours {got:?}", f.literal)
            });
            continue;
        }
        if name == "tagblock_station" {
            let ok = f.value.as_str() == out.station.as_deref();
            c.outcome(t, id, name, ok, || {
                format!("libais {} ours {:?}", f.literal, out.station)
            });
            continue;
        }
        match ours.get(name) {
            Some(o) => {
                let ok = match (&f.value, o) {
                    // libais: null = not available; gpsd: "n/a".
                    (Value::Null, Value::String(s)) if name == "turn" => s == "n/a",
                    (Value::Number(e), Value::String(s)) if name == "turn" => s
                        .parse::<f64>()
                        .is_ok_and(|v| (v - e.as_f64().unwrap()).abs() < 0.01),
                    (Value::String(e), Value::Number(n)) => e.parse::<f64>().ok() == n.as_f64(),
                    // gpsd writes type 22/23 corners as numeric strings.
                    (Value::Number(e), Value::String(s)) => s.parse::<f64>().is_ok_and(|v| {
                        loose_eq(
                            &Value::from(e.as_f64().unwrap()),
                            &f.literal,
                            &Value::from(v),
                            LIBAIS,
                        )
                    }),
                    (e, o) => loose_eq(e, &f.literal, o, LIBAIS),
                };
                c.outcome(t, id, name, ok, || format!("libais {} ours {o}", f.literal));
            }
            None if name.starts_with("spare") => t.not_compared("spare bits (not kept)"),
            None if ours.contains_key("data") && !exp.iter().any(|e| e.name == "data") => {
                t.raw_kept(Some(&out.msg))
            }
            None if not_kept(name).is_some() => t.not_compared(not_kept(name).unwrap()),
            None => c.outcome(t, id, name, false, || {
                format!("libais {} ours (absent)", f.literal)
            }),
        }
    }
}

fn json_lines(path: &str) -> Vec<Vec<Field>> {
    fixture(path)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| fields_of(&serde_json::from_str::<Box<RawValue>>(l).unwrap()).unwrap())
        .collect()
}

fn libais_typeexamples() -> Tally {
    let c = Checker::new("libais typeexamples");
    let mut t = Tally::default();
    let nmea = fixture("libais/typeexamples.nmea");
    let lines: Vec<&str> = nmea.lines().filter(|l| !l.trim().is_empty()).collect();
    let json = json_lines("libais/typeexamples.json");
    assert_eq!(lines.len(), json.len());
    for (i, (line, exp)) in lines.iter().zip(&json).enumerate() {
        t.records += 1;
        let r = run(&[line]);
        let [out] = r.msgs.as_slice() else {
            c.record_failure(
                &mut t,
                i as u64,
                format!(
                    "libais decodes one message, we {} (errors {:?})",
                    r.msgs.len(),
                    r.errors
                ),
            );
            continue;
        };
        compare_libais_json(&mut t, &c, i as u64, out, exp, false);
    }
    t
}

fn libais_tagblock() -> Tally {
    let c = Checker::new("libais tagblock");
    let mut t = Tally::default();
    let nmea = fixture("libais/tagblock.nmea");
    let lines: Vec<&str> = nmea.lines().collect();
    let json = json_lines("libais/tagblock.json");
    // One stream: the two sentences of the type 5 are three lines apart.
    let r = run(&lines);
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert_eq!(r.msgs.len(), json.len());
    for (i, (out, exp)) in r.msgs.iter().zip(&json).enumerate() {
        t.records += 1;
        compare_libais_json(&mut t, &c, i as u64, out, exp, true);
    }
    t
}

// ---------------------------------------------------------------------------
// The allowlist

const ALLOW: &[Allow] = &[
    // gpsd reads a third acknowledged MMSI out of the 24 bits that follow two
    // whole entries of this 128-bit type 7 (zero-filling the 6 missing bits).
    // ITU-R M.1371-5 Annex 8, message 7: it carries 1-4 whole 32-bit
    // (MMSI + sequence number) entries, 72-168 bits; a partial entry
    // acknowledges nothing. We report two.
    Allow {
        source: "gpsd sample",
        ids: &[13, 14],
        field: "mmsi3",
        why: "gpsd decodes a partial 3rd entry of a type 7",
    },
    // gpsd never fills `radio` for type 26 (its struct has the field, its
    // decoder does not set it, so it prints 0), though it does leave the
    // last 20 bits out of `data`. ITU-R M.1371-5 Annex 8, message 26: it ends
    // with the 1-bit communication state selector and the 19-bit state; we
    // report those 20 bits (pyais also prints no radio for type 26).
    Allow {
        source: "gpsd sample",
        ids: &[55, 59, 60, 61, 62],
        field: "radio",
        why: "gpsd does not decode the type 26 communication state",
    },
    // A type 1 of 163 bits (fill 5): the 19-bit communication state lost its
    // last 5 bits. gpsd reads the 14 bits left as a 14-bit number (1076); we
    // keep them in place with the missing bits zero (34432 = 1076 << 5), so
    // that sync state and slot time-out (the top 5 bits, ITU-R M.1371-5
    // Annex 2 §3.3.7.2.2) keep their meaning. Neither is "the" value: the field is
    // truncated.
    Allow {
        source: "gpsd sample",
        ids: &[98],
        field: "radio",
        why: "truncated communication state, gpsd right-aligns it",
    },
    // pyais does not verify checksums by default, and these test vectors
    // were edited by hand without updating theirs. NMEA 0183 / IEC 61162-1
    // make the checksum mandatory for VDM sentences and a mismatch means
    // the sentence is corrupt: we reject them (gpsd drops them too). Their
    // fields are still compared, on a copy with the checksum recomputed.
    Allow {
        source: "pyais messages",
        ids: &[5, 6, 10, 17, 66, 71, 72, 73, 76, 77, 78, 104, 105, 107, 134],
        field: "checksum",
        why: "pyais ignores wrong checksums",
    },
    Allow {
        source: "pyais nmea",
        ids: &[151, 152],
        field: "checksum",
        why: "pyais ignores wrong sentence and tag-block checksums",
    },
    // A type 0 payload, decoded by pyais as a position report. ITU-R
    // M.1371-5 defines message types 1-27 only; gpsd rejects it too.
    Allow {
        source: "pyais messages",
        ids: &[4],
        field: "*",
        why: "message type 0 is not defined",
    },
    // pyais's type 28 ("authenticated" AtoN) is a proposal, not part of
    // ITU-R M.1371-5 (types 1-27).
    Allow {
        source: "pyais messages",
        ids: &[60],
        field: "*",
        why: "message type 28 is not in M.1371-5",
    },
    // One fragment of a two-sentence message, decoded alone by pyais. IEC
    // 61162-1 (VDM): the message is the concatenation of all fragments; we
    // report the group as incomplete.
    Allow {
        source: "pyais messages",
        ids: &[69, 73],
        field: "*",
        why: "a lone fragment is not a message",
    },
    // A 268-bit type 21; ITU-R M.1371-5 Annex 8 makes message 21 272-360
    // bits. pyais decodes what is there (raim/virtual/assigned = None);
    // gpsd rejects it (272-368) and so do we.
    Allow {
        source: "pyais messages",
        ids: &[70, 74, 75],
        field: "*",
        why: "type 21 shorter than 272 bits",
    },
    // Payloads of 12-30 bits: pyais decodes the first header fields; the
    // messages' mandatory fields are missing, we reject them as too short
    // (as gpsd does).
    Allow {
        source: "pyais messages",
        ids: &[71, 72, 76, 77, 78],
        field: "*",
        why: "payload shorter than the message's fields",
    },
    // The payload contains '!', outside the 6-bit armouring alphabet
    // (IEC 61162-1: '0'-'W' and '`'-'w'); pyais maps it anyway.
    Allow {
        source: "pyais messages",
        ids: &[107],
        field: "*",
        why: "invalid armouring character",
    },
    // A 112-bit type 15 (one station, two requests; ITU-R M.1371-5
    // Annex 8, message 15: 88, 112 or 160 bits). pyais reads a second station id out
    // of the 2 spare bits (0); we report no second station.
    Allow {
        source: "pyais messages",
        ids: &[32],
        field: "mmsi2",
        why: "no second station in a 112-bit type 15",
    },
    // pyais keeps the last 20 bits of a type 26 in `data` and reports no
    // `radio`. ITU-R M.1371-5 Annex 8, message 26: it ends with the
    // communication state selector and state (20 bits); gpsd also leaves
    // them out of the data.
    Allow {
        source: "pyais messages",
        ids: &[56, 83],
        field: "data",
        why: "pyais keeps the type 26 communication state in data",
    },
    Allow {
        source: "pyais messages",
        ids: &[83],
        field: "radio",
        why: "pyais does not split the type 26 communication state",
    },
    // EPFD 14 is "not used" in ITU-R M.1371-5; pyais maps values outside
    // its enum to 0 ("undefined"); gpsd and we keep the transmitted value.
    Allow {
        source: "pyais messages",
        ids: &[61],
        field: "epfd",
        why: "pyais replaces an unused EPFD code by 0",
    },
    // The transmitted name starts with a space; pyais strips both ends,
    // gpsd and we only trailing spaces (the padding). M.1371-5 has no rule
    // removing leading characters.
    Allow {
        source: "pyais messages",
        ids: &[66],
        field: "shipname",
        why: "pyais strips a leading space",
    },
    // pyais's decode() refuses two complete messages in one call (an API
    // contract, not a property of the data): a stream decoder hands out
    // both, they are valid.
    Allow {
        source: "pyais errors",
        ids: &[159],
        field: "rejected",
        why: "two valid messages in one pyais decode() call",
    },
    // libais reads `retransmit = !bs[70]` for type 6 (ais6.cpp). ITU-R
    // M.1371-5 Annex 8, message 6: retransmit flag 0 = no retransmission (default),
    // 1 = retransmitted; gpsd and pyais read the bit as is, as we do.
    Allow {
        source: "libais test_data",
        ids: &[5, 6, 7, 8, 9],
        field: "retransmit",
        why: "libais inverts the type 6 retransmit flag",
    },
    Allow {
        source: "libais typeexamples",
        ids: &[7],
        field: "retransmit",
        why: "libais inverts the type 6 retransmit flag",
    },
    // libais's Python binding sets `wind_gust_dir` from `wind_gust`
    // (ais_py.cpp); its C++ decoder, gpsd and we read bits 144-152 of DAC 1
    // FI 11 (IMO SN/Circ.236), which hold 109 here.
    Allow {
        source: "libais test_data",
        ids: &[11],
        field: "wind_gust_dir",
        why: "libais binding copies wind_gust into wind_gust_dir",
    },
    // Wrong checksum and only the first of two fragments: libais's test
    // decodes the lone payload; we reject it (NMEA checksum, IEC 61162-1
    // fragment assembly).
    Allow {
        source: "libais test_data",
        ids: &[41],
        field: "checksum",
        why: "libais test passes a payload with a wrong checksum",
    },
    Allow {
        source: "libais test_data",
        ids: &[41],
        field: "*",
        why: "a lone fragment is not a message",
    },
    // A 104-bit type 15: the second request's slot offset is cut to 8 of
    // its 12 bits (ITU-R M.1371-5 Annex 8, message 15: 88, 112 or 160 bits). libais
    // reads it zero-filled; we report no second request.
    Allow {
        source: "libais typeexamples",
        ids: &[13],
        field: "type1_2",
        why: "truncated second request in a 104-bit type 15",
    },
    Allow {
        source: "libais typeexamples",
        ids: &[13],
        field: "offset1_2",
        why: "truncated second request in a 104-bit type 15",
    },
    // libais's 6-bit table has '-' for 31 and '`' for 39 (an old table
    // several decoders copied); the 6-bit ASCII table of ITU-R M.1371-5 (Annex 8) maps 0-31 to ASCII
    // 64-95 and 32-63 to ASCII 32-63, i.e. '_' and '\'' (as gpsd does).
    Allow {
        source: "libais typeexamples",
        ids: &[19],
        field: "name",
        why: "libais's 6-bit table differs at 31 and 39",
    },
    // libais's ais9.cpp divides the type 9 SOG by 10; ITU-R M.1371-5
    // Annex 8, message 9: SOG in 1-knot steps (gpsd and pyais agree with us).
    Allow {
        source: "libais typeexamples",
        ids: &[23],
        field: "speed",
        why: "libais scales the type 9 SOG by 1/10",
    },
];

// ---------------------------------------------------------------------------
// The table

#[test]
fn conformance_table() {
    let sources: Vec<(&str, Tally)> = vec![
        (
            "gpsd sample scaled",
            gpsd_source("gpsd sample scaled", "gpsd/sample.aivdm.scaled.jsonl", true),
        ),
        (
            "gpsd sample unscaled",
            gpsd_source(
                "gpsd sample unscaled",
                "gpsd/sample.aivdm.unscaled.jsonl",
                false,
            ),
        ),
        (
            "gpsd daemon ais-18-27",
            gpsd_source(
                "gpsd daemon ais-18-27",
                "gpsd/daemon/ais-18-27.jsonl",
                false,
            ),
        ),
        (
            "gpsd daemon raw-messages",
            gpsd_source(
                "gpsd daemon raw-messages",
                "gpsd/daemon/ais-raw-messages.jsonl",
                false,
            ),
        ),
        ("pyais messages", pyais_source("pyais messages", &["ais"])),
        (
            "pyais nmea + tag blocks",
            pyais_source("pyais nmea", &["nmea", "tag_block"]),
        ),
        ("pyais errors", pyais_source("pyais errors", &["error"])),
        ("libais test_data", libais_test_data()),
        ("libais typeexamples", libais_typeexamples()),
        ("libais tagblock", libais_tagblock()),
    ];
    let mut failures = Vec::new();
    println!(
        "\n{:<26} {:>7} {:>8} {:>8} {:>8}  not compared",
        "source", "records", "compared", "matched", "allowed"
    );
    for (name, t) in &sources {
        let nc: Vec<String> = t
            .not_compared
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect();
        println!(
            "{:<26} {:>7} {:>8} {:>8} {:>8}  {}",
            name,
            t.records,
            t.compared,
            t.matched,
            t.allowed,
            if nc.is_empty() {
                "-".into()
            } else {
                nc.join(", ")
            }
        );
        for (k, n) in &t.notes {
            println!("{:<26}   note: {n} x {k}", "");
        }
        failures.extend(t.failures.iter().cloned());
    }
    failures.extend(unused_allowances());
    // gpsd agreement: fields equal (or an allowed difference) over every
    // field gpsd wrote, now and as it was when the applications of issue
    // 11 were kept as raw bits (their fields then not compared).
    println!(
        "\n{:<26} {:>8} {:>22} {:>22}",
        "gpsd agreement", "fields", "before (raw kept)", "now (decoded)"
    );
    let (mut all, mut before, mut now) = (0, 0, 0);
    for (name, t) in sources.iter().filter(|s| s.0.starts_with("gpsd")) {
        let agree = t.matched + t.allowed;
        let was = agree - t.new_app_compared.min(agree);
        let pct = |n: usize| 100.0 * n as f64 / t.reference_fields.max(1) as f64;
        println!(
            "{:<26} {:>8} {:>13} {:>7.2} % {:>13} {:>7.2} %",
            name,
            t.reference_fields,
            was,
            pct(was),
            agree,
            pct(agree)
        );
        all += t.reference_fields;
        before += was;
        now += agree;
    }
    let pct = |n: usize| 100.0 * n as f64 / all.max(1) as f64;
    println!(
        "{:<26} {:>8} {:>13} {:>7.2} % {:>13} {:>7.2} %",
        "all gpsd",
        all,
        before,
        pct(before),
        now,
        pct(now)
    );
    // What we do where gpsd reports nothing (documented, and kept so).
    let silent = |name: &str| -> Vec<(String, usize)> {
        let t = &sources.iter().find(|s| s.0 == name).unwrap().1;
        t.notes
            .iter()
            .filter(|(k, _)| k.starts_with("gpsd silent"))
            .map(|(k, n)| (k.clone(), *n))
            .collect()
    };
    let part =
        |p: &str| format!("gpsd silent, we report type 24 part {p} (parts are written separately)");
    for name in ["gpsd sample scaled", "gpsd sample unscaled"] {
        // Three lone type 24 parts: gpsd holds part A back for a merge and
        // drops an unmatched part B; we write each part as it comes.
        assert_eq!(silent(name), vec![(part("A"), 1), (part("B"), 2)], "{name}");
    }
    // ais-18-27: gpsd reports none of the 138 type 24 sentences. We write
    // the 69 part As and reject the 69 sentences with part number 3.
    assert_eq!(
        silent("gpsd daemon ais-18-27"),
        vec![
            ("gpsd silent, we reject: bad_part_number".to_owned(), 69),
            (part("A"), 69)
        ]
    );
    for f in &failures {
        println!("FAIL {f}");
    }
    assert!(
        failures.is_empty(),
        "{} disagreements not in the allowlist",
        failures.len()
    );
}

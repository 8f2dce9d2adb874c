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
use finisterra_ais::{AisMessage, Event, Stats, StreamDecoder};
use finisterra_nmea::Timestamp;
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
    note: Option<String>,
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
                note: get("note").and_then(|v| v.as_str().map(str::to_owned)),
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
    stats: Stats,
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
    Run {
        msgs,
        errors,
        stats: dec.stats().clone(),
    }
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
}

impl Tally {
    fn not_compared(&mut self, why: &'static str) {
        *self.not_compared.entry(why).or_default() += 1;
    }
    fn note(&mut self, what: String) {
        *self.notes.entry(what).or_default() += 1;
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
fn tolerance(literal: &str) -> f64 {
    let l = literal.trim_matches('"');
    if l.contains(['e', 'E']) {
        return 0.0;
    }
    let decimals = l.split_once('.').map_or(0, |(_, f)| f.len());
    0.5 * 10f64.powi(-(decimals as i32))
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
                finisterra_ais::Body::StaticData(s) => format!(
                    "gpsd silent, we report type 24 part {} (parts are written separately)",
                    if matches!(s, finisterra_ais::StaticDataReport::PartA { .. }) {
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
    for f in exp {
        if matches!(f.name.as_str(), "device" | "class") {
            continue;
        }
        match ours.remove(&f.name) {
            Some(o) => {
                let ok = gpsd_value_eq(&f.name, f, &o);
                c.outcome(t, rec.id, &f.name, ok, || {
                    format!("gpsd {} ours {} (type {exp_type:?})", f.literal, o)
                });
            }
            None if ours.contains_key("data") && !exp.iter().any(|e| e.name == "data") => {
                // gpsd decodes this binary application; we keep its bits.
                t.not_compared("raw bits kept");
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
// The allowlist

const ALLOW: &[Allow] = &[
    // gpsd reads a third acknowledged MMSI out of the 24 bits that follow two
    // whole entries of this 128-bit type 7 (zero-filling the 6 missing bits).
    // ITU-R M.1371-5 §5.3.1 / Table 62: message 7 carries 1-4 whole 32-bit
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
    // last 20 bits out of `data`. ITU-R M.1371-5 Table 74: message 26 ends
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
    // §3.3.7.2.2) keep their meaning. Neither is "the" value: the field is
    // truncated.
    Allow {
        source: "gpsd sample",
        ids: &[98],
        field: "radio",
        why: "truncated communication state, gpsd right-aligns it",
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
    for f in &failures {
        println!("FAIL {f}");
    }
    assert!(
        failures.is_empty(),
        "{} disagreements not in the allowlist",
        failures.len()
    );
}

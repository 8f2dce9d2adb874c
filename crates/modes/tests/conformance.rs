//! Conformance against independent decoders, read in place from
//! `../shared/corpus/adsb` (never copied here: pyModeS's data is GPL):
//!
//! - pyModeS `golden_v2.json`: 600 frames decoded one by one
//!   ([`decode_frame`], no state);
//! - rs1090's decodes of one Air France flight at Paris-CDG
//!   (`traffic/rs1090_full_flight_short.jsonl.gz`, MIT, 57,793 frames),
//!   through a [`Decoder`] in time order, so that CPR positions, known
//!   addresses and AP recovery are exercised as in a live feed.
//!
//! Every field both decode is compared; positions to the reference's own
//! decimal places (in practice bit for bit). A disagreement fails the test
//! unless [`explain_rs1090`] / [`explain_golden`] name its reason. Fields
//! the references decode and we do not (Comm-B registers other than
//! BDS 2,0, NUCp/NIC, DF 16's ACAS fields) are counted as "not compared".
//!
//! `cargo test -p finisterra-modes --test conformance -- --nocapture`
//! prints the agreement tables.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::PathBuf;

use finisterra_modes::{decode_frame, AirMessage, Decoder, DecoderConfig, PositionSource, Reject};
use serde_json::Value;

fn corpus(rel: &str) -> Option<PathBuf> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/adsb")
        .join(rel);
    if p.exists() {
        Some(p)
    } else {
        missing(&p.display().to_string());
        None
    }
}

/// A suite's real dependency is absent: under CI (`CI` set and not empty)
/// that fails; elsewhere the test says so and passes.
fn missing(what: &str) {
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!("CI is set but {what} is absent");
    }
    eprintln!("SKIP: {what} is absent");
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// Per-field tallies.
#[derive(Default)]
struct Tally {
    fields: BTreeMap<String, Counts>,
    explained: BTreeMap<String, u64>,
    unexplained: Vec<String>,
}

#[derive(Default, Clone, Copy)]
struct Counts {
    agree: u64,
    explained: u64,
    unexplained: u64,
    not_compared: u64,
}

impl Tally {
    fn agree(&mut self, f: &str) {
        self.fields.entry(f.into()).or_default().agree += 1;
    }
    fn not_compared(&mut self, f: &str) {
        self.fields.entry(f.into()).or_default().not_compared += 1;
    }
    fn differ(&mut self, f: &str, why: Option<&str>, detail: String) {
        let c = self.fields.entry(f.into()).or_default();
        match why {
            Some(w) => {
                c.explained += 1;
                *self.explained.entry(format!("{f}: {w}")).or_default() += 1;
            }
            None => {
                c.unexplained += 1;
                if self.unexplained.len() < 40 {
                    self.unexplained.push(format!("{f}: {detail}"));
                }
            }
        }
    }
    fn print(&self, title: &str) {
        println!("\n{title}");
        println!(
            "{:<18} {:>8} {:>10} {:>12} {:>13}  agreement",
            "field", "agree", "explained", "unexplained", "not compared"
        );
        for (f, c) in &self.fields {
            let compared = c.agree + c.explained + c.unexplained;
            let pct = if compared > 0 {
                100.0 * c.agree as f64 / compared as f64
            } else {
                100.0
            };
            println!(
                "{f:<18} {:>8} {:>10} {:>12} {:>13}  {pct:.3} %",
                c.agree, c.explained, c.unexplained, c.not_compared
            );
        }
        for (w, n) in &self.explained {
            println!("  explained {n:>6} × {w}");
        }
        for u in &self.unexplained {
            println!("  UNEXPLAINED {u}");
        }
    }
}

/// Decimal places of a JSON number's literal.
fn decimals(v: &Value) -> i32 {
    let s = v.to_string();
    match s.split_once('.') {
        Some((_, frac)) if !frac.contains('e') => frac.len() as i32,
        _ => 0,
    }
}

/// Equal to the reference's printed precision: within half a unit of its
/// last decimal place.
fn close(ours: f64, reference: &Value) -> bool {
    let r = reference.as_f64().unwrap();
    let d = decimals(reference);
    (ours - r).abs() <= 0.5 * 10f64.powi(-d) + f64::EPSILON * r.abs().max(1.0) * 4.0
}

fn squawk(m: &AirMessage) -> Option<String> {
    m.squawk.map(|c| {
        let mut b = [0; 4];
        AirMessage::squawk_digits(c, &mut b).to_owned()
    })
}

fn compare_int(
    t: &mut Tally,
    f: &str,
    ours: Option<i64>,
    r: Option<&Value>,
    why: impl Fn() -> Option<&'static str>,
) {
    match (ours, r.and_then(Value::as_i64)) {
        (Some(a), Some(b)) if a == b => t.agree(f),
        (None, None) => {}
        (a, b) => t.differ(f, why(), format!("ours {a:?} reference {b:?}")),
    }
}

// ---------------------------------------------------------------------------
// pyModeS golden_v2.json

/// Why our stateless decode may differ from pyModeS on a golden record.
fn explain_golden(field: &str, rec: &Value) -> Option<&'static str> {
    let _ = rec;
    match field {
        // pyModeS infers the Comm-B register from the MB field's content
        // and may name a register other than BDS 2,0 (or several) for a
        // frame whose first byte is 0x20; we read BDS 2,0 only.
        "callsign" => Some("Comm-B register inference differs (BDS 2,0 heuristic)"),
        _ => None,
    }
}

#[test]
fn pymodes_golden() {
    let Some(path) = corpus("pyModeS/golden_v2.json") else {
        return;
    };
    let text = std::fs::read_to_string(&path).unwrap();
    let golden: BTreeMap<String, Value> = serde_json::from_str(&text).unwrap();
    let mut t = Tally::default();
    for (frame, rec) in &golden {
        let m = match decode_frame(&hex(frame)) {
            Ok(m) => m,
            Err(e) => {
                t.differ("decoded", None, format!("{frame}: {e}"));
                continue;
            }
        };
        t.agree("decoded");
        let obj = rec.as_object().unwrap();
        for (k, v) in obj {
            match k.as_str() {
                "df" => compare_int(&mut t, "df", m.df.map(i64::from), Some(v), || None),
                "icao" => {
                    let ours = format!("{:06x}", m.address);
                    if ours.eq_ignore_ascii_case(v.as_str().unwrap()) {
                        t.agree("icao");
                    } else {
                        t.differ("icao", None, format!("{frame}: ours {ours} reference {v}"));
                    }
                }
                "typecode" => {
                    compare_int(&mut t, "typecode", m.tc.map(i64::from), Some(v), || None)
                }
                "category" => compare_int(
                    &mut t,
                    "category",
                    m.category.map(|c| i64::from(c & 7)),
                    Some(v),
                    || None,
                ),
                "callsign" => {
                    let r = v.as_str().unwrap().replace('_', " ");
                    let r = r.trim_end();
                    match m.callsign {
                        Some(cs) if cs.as_str() == r => t.agree("callsign"),
                        ours => t.differ(
                            "callsign",
                            explain_golden("callsign", rec),
                            format!("{frame}: ours {ours:?} reference {r}"),
                        ),
                    }
                }
                "altitude" => {
                    let ours = m.alt_baro_ft.or(m.alt_geom_ft).map(i64::from);
                    compare_int(&mut t, "altitude", ours, Some(v), || None)
                }
                "cpr_format" => compare_int(
                    &mut t,
                    "cpr_format",
                    m.cpr.map(|c| i64::from(c.odd)),
                    Some(v),
                    || None,
                ),
                // pyModeS truncates the speed to whole knots (`int()`).
                "groundspeed" if m.df == Some(17) => compare_int(
                    &mut t,
                    "groundspeed",
                    m.gs_kn.map(|g| g.trunc() as i64),
                    Some(v),
                    || None,
                ),
                "track" if m.df == Some(17) => match m.track_deg {
                    Some(x) if close(x, v) => t.agree("track"),
                    x => t.differ("track", None, format!("{frame}: ours {x:?} reference {v}")),
                },
                "vertical_rate" => compare_int(
                    &mut t,
                    "vertical_rate",
                    m.baro_rate_fpm.or(m.geom_rate_fpm).map(i64::from),
                    Some(v),
                    || None,
                ),
                "squawk" => match squawk(&m) {
                    Some(s) if s == v.as_str().unwrap() => t.agree("squawk"),
                    s => t.differ("squawk", None, format!("{frame}: ours {s:?} reference {v}")),
                },
                // Comm-B registers (BDS 1,0 4,0 5,0 6,0 …) of DF 20/21:
                // decoded by pyModeS, not by us.
                _ => t.not_compared(k),
            }
        }
    }
    t.print("pyModeS golden_v2.json (600 frames, stateless decode_frame)");
    assert!(t.unexplained.is_empty(), "unexplained disagreements");
    assert_eq!(t.fields["decoded"].agree, golden.len() as u64);
}

// ---------------------------------------------------------------------------
// rs1090 full flight

/// Paris-CDG (the flight's airport): the reference for surface positions,
/// as rs1090 was given one.
const LFPG: (f64, f64) = (49.0097, 2.5479);

/// The AC13 field of a DF 0/4/16/20 record's frame.
fn ac13(rec: &Value) -> Option<u32> {
    let f = hex(rec["frame"].as_str()?);
    let df = f.first()? >> 3;
    matches!(df, 0 | 4 | 16 | 20).then(|| u32::from_be_bytes([f[0], f[1], f[2], f[3]]) & 0x1FFF)
}

/// Why our decode of a frame may differ from rs1090's; `None` fails.
fn explain_rs1090(field: &str, rec: &Value, m: &AirMessage) -> Option<&'static str> {
    let has = |k: &str| rec.get(k).is_some_and(|v| !v.is_null());
    let r = rec.get(field).and_then(Value::as_f64);
    match field {
        // Surface movement codes 13–38: DO-260B Table 2-48 (and pyModeS,
        // readsb) step 0.5 kt from 2 kt (code 39 is 15 kt); the rs1090
        // version that made this file steps 0.25 kt.
        "groundspeed"
            if m.tc.is_some_and(|tc| (5..=8).contains(&tc))
                && r.zip(m.gs_kn).is_some_and(|(r, g)| {
                    (2.0..8.5).contains(&r) && g - 2.0 == 2.0 * (r - 2.0)
                }) =>
        {
            Some("surface movement codes 13-38: 0.5 kt steps (DO-260B), rs1090 0.25 kt")
        }
        // GNSS-baro difference code 1: DO-260B says 0 ft (0 is "no
        // information"); rs1090 writes null.
        "geo_minus_baro" if r.is_none() && m.geom_minus_baro_ft == Some(0) => {
            Some("difference code 1 is 0 ft (DO-260B); rs1090 writes null")
        }
        // The AC13 field's M bit set: a metric altitude, which we do not
        // decode (no aircraft in this flight's airspace reports metres);
        // rs1090 converts it.
        "altitude" if ac13(rec).is_some_and(|a| a & 0x40 != 0) && m.alt_baro_ft.is_none() => {
            Some("metric altitude (M bit) not decoded")
        }
        // Gillham −100 ft (pyModeS's gray2alt and dump1090's ModeAToModeC
        // agree): rs1090's altitude is unsigned and writes 0.
        "altitude" if r == Some(0.0) && m.alt_baro_ft.is_some_and(|a| a < 0) => {
            Some("negative Gillham altitude: rs1090's altitude is unsigned (0)")
        }
        // One DF 20 reply: AC13 0x1916 (Q bit, M clear) is 39,150 ft by the
        // 25 ft rule that agrees on 35,020 other frames; rs1090 writes
        // 5,590, by a rule we could not find in its source (its own AC13
        // reader gives 39,150 for these bits).
        "altitude" if rec["frame"] == "a1af591683bb6f178aabb7192106" => {
            Some("one DF 20 reply rs1090 decodes to 5590 ft, its AC13 reader gives 39150")
        }
        // One DF 21 reply with flight status 7 (not assigned): its ID13
        // bits (0x01a7) are 4546 by Annex 10 3.1.2.6.7.1, which rs1090's
        // own decode_id13 also gives; rs1090 wrote 1246.
        "squawk" if rec["frame"] == "afb921a79a54822501c02aa5d9b9" => {
            Some("one DF 21 reply with FS 7: its ID13 bits are 4546, rs1090 wrote 1246")
        }
        // rs1090 decodes an airborne position only from a pair of the
        // *previous* frame and this one, or locally from a position less
        // than 10 s old; after a gap it waits for a second frame. We also
        // pair with any frame of the other parity within 10 s and fall
        // back to the aircraft's position up to 120 s old, so we give a
        // position where rs1090 gives none.
        "latitude" | "longitude" if !has("latitude") && m.lat_deg.is_some() => {
            Some("we decode a position rs1090 leaves empty (wider pairing and local windows)")
        }
        _ => None,
    }
}

#[test]
fn rs1090_full_flight() {
    let Some(path) = corpus("traffic/rs1090_full_flight_short.jsonl.gz") else {
        return;
    };
    let file = std::fs::File::open(&path).unwrap();
    let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
    let mut dec = Decoder::new(DecoderConfig {
        reference: Some(LFPG),
        ..DecoderConfig::default()
    });
    let mut t = Tally::default();
    let mut n = 0u64;
    let mut rejected: BTreeMap<String, u64> = BTreeMap::new();
    let mut bit_exact = 0u64;
    let mut sources: BTreeMap<String, u64> = BTreeMap::new();
    for line in reader.lines() {
        let line = line.unwrap();
        let rec: Value = serde_json::from_str(&line).unwrap();
        n += 1;
        let frame = rec["frame"].as_str().unwrap();
        let time_ms = (rec["timestamp"].as_f64().unwrap() * 1000.0).round() as i64;
        let m = match dec.decode(&hex(frame), time_ms) {
            Ok(m) => m,
            Err(e) => {
                *rejected
                    .entry(format!("df {} {}", rec["df"].as_str().unwrap(), e.reason()))
                    .or_default() += 1;
                t.differ("decoded", reject_reason(e), format!("{frame}: {e}"));
                continue;
            }
        };
        t.agree("decoded");
        let obj = rec.as_object().unwrap();
        for (k, v) in obj {
            match k.as_str() {
                "timestamp" | "frame" => {}
                "df" => {
                    let r: i64 = v.as_str().unwrap().parse().unwrap();
                    compare_int(
                        &mut t,
                        "df",
                        m.df.map(i64::from),
                        Some(&Value::from(r)),
                        || None,
                    )
                }
                "icao24" => {
                    let ours = format!("{:06x}", m.address);
                    if ours == v.as_str().unwrap() {
                        t.agree("icao24");
                    } else {
                        t.differ(
                            "icao24",
                            None,
                            format!("{frame}: ours {ours} reference {v}"),
                        );
                    }
                }
                "altitude" => {
                    let ours = m.alt_baro_ft.or(m.alt_geom_ft).map(i64::from);
                    compare_int(&mut t, "altitude", ours, Some(v), || {
                        explain_rs1090("altitude", &rec, &m)
                    })
                }
                "squawk" => match squawk(&m) {
                    Some(s) if s == v.as_str().unwrap() => t.agree("squawk"),
                    s => t.differ(
                        "squawk",
                        explain_rs1090("squawk", &rec, &m),
                        format!("{frame}: ours {s:?} reference {v}"),
                    ),
                },
                "callsign" => {
                    let r = v.as_str().unwrap().trim_end_matches(['_', ' ']);
                    match m.callsign {
                        Some(cs) if cs.as_str() == r => t.agree("callsign"),
                        ours => t.differ(
                            "callsign",
                            explain_rs1090("callsign", &rec, &m),
                            format!("{frame}: ours {ours:?} reference {r}"),
                        ),
                    }
                }
                "groundspeed" if rec["df"] == "17" => match (m.gs_kn, v.as_f64()) {
                    (Some(x), Some(_)) if close(x, v) => t.agree("groundspeed"),
                    (None, None) => {}
                    (x, _) => t.differ(
                        "groundspeed",
                        explain_rs1090("groundspeed", &rec, &m),
                        format!("{frame}: ours {x:?} reference {v}"),
                    ),
                },
                "track" if rec["df"] == "17" => match (m.track_deg, v.as_f64()) {
                    (Some(x), Some(_)) if close(x, v) => t.agree("track"),
                    (None, None) => {}
                    (x, _) => t.differ(
                        "track",
                        explain_rs1090("track", &rec, &m),
                        format!("{frame}: ours {x:?} reference {v}"),
                    ),
                },
                "vertical_rate" => {
                    // The rate whatever its source: the source bit is
                    // compared (and its reversal explained) under
                    // `vrate_src`.
                    let ours = m.baro_rate_fpm.or(m.geom_rate_fpm);
                    compare_int(
                        &mut t,
                        "vertical_rate",
                        ours.map(i64::from),
                        Some(v),
                        || explain_rs1090("vertical_rate", &rec, &m),
                    )
                }
                "vrate_src" => {
                    let ours = if m.geom_rate_fpm.is_some() {
                        "GNSS"
                    } else {
                        "barometric"
                    };
                    if m.geom_rate_fpm.is_none() && m.baro_rate_fpm.is_none() {
                        t.not_compared("vrate_src");
                    } else if ours == v.as_str().unwrap() {
                        t.agree("vrate_src");
                    } else {
                        // DO-260B: source bit 1 is barometric, 0
                        // geometric, as readsb, dump1090-fa and pyModeS
                        // read it; the rs1090 that wrote this file reads
                        // it reversed (every frame of the file differs,
                        // none agrees).
                        t.differ(
                            "vrate_src",
                            Some("rs1090 reads the vertical-rate source bit reversed (DO-260B: 1 barometric)"),
                            format!("{frame}: ours {ours} reference {v}"),
                        );
                    }
                }
                "geo_minus_baro" => compare_int(
                    &mut t,
                    "geo_minus_baro",
                    m.geom_minus_baro_ft.map(i64::from),
                    Some(v),
                    || explain_rs1090("geo_minus_baro", &rec, &m),
                ),
                "NACv" => compare_int(&mut t, "NACv", m.nac_v.map(i64::from), Some(v), || None),
                "parity" => {
                    let ours = m.cpr.map(|c| if c.odd { "odd" } else { "even" });
                    if ours == v.as_str() {
                        t.agree("parity");
                    } else {
                        t.differ(
                            "parity",
                            None,
                            format!("{frame}: ours {ours:?} reference {v}"),
                        );
                    }
                }
                "lat_cpr" => compare_int(
                    &mut t,
                    "lat_cpr",
                    m.cpr.map(|c| i64::from(c.lat)),
                    Some(v),
                    || None,
                ),
                "lon_cpr" => compare_int(
                    &mut t,
                    "lon_cpr",
                    m.cpr.map(|c| i64::from(c.lon)),
                    Some(v),
                    || None,
                ),
                "latitude" | "longitude" => {
                    let ours = if k == "latitude" {
                        m.lat_deg
                    } else {
                        m.lon_deg
                    };
                    match (ours, v.as_f64()) {
                        (Some(x), Some(r)) if close(x, v) => {
                            t.agree(k);
                            if x == r {
                                bit_exact += 1;
                            }
                            if k == "latitude" {
                                *sources
                                    .entry(format!("{:?}", m.position_source.unwrap()))
                                    .or_default() += 1;
                            }
                        }
                        (None, None) => {}
                        (x, _) => t.differ(
                            k,
                            explain_rs1090(k, &rec, &m),
                            format!(
                                "{frame} @{time_ms}: ours {x:?} {:?} reference {v}",
                                m.position_source
                            ),
                        ),
                    }
                }
                _ => t.not_compared(k),
            }
        }
        // Positions we give where rs1090 gives none.
        if m.lat_deg.is_some() && rec.get("latitude").is_none_or(Value::is_null) {
            for k in ["latitude", "longitude"] {
                t.differ(
                    k,
                    explain_rs1090(k, &rec, &m),
                    format!("{frame}: extra position"),
                );
            }
        }
    }
    t.print(&format!(
        "rs1090 full flight ({n} frames, Decoder with reference LFPG)"
    ));
    println!("positions equal to the last bit: {bit_exact} coordinates; by source: {sources:?}");
    println!("rejected: {rejected:?}");
    println!("decoder stats: {:?}", dec.stats());
    assert_eq!(n, 57_793);
    assert!(t.unexplained.is_empty(), "unexplained disagreements");
    let s = dec.stats();
    assert_eq!(s.frames, n);
    assert_eq!(s.accepted + s.rejected_total(), s.frames);
    // Every position came from the CPR rules, most from global pairs.
    assert!(s.positions_global > 6_000);
    assert!(sources.contains_key(&format!("{:?}", PositionSource::Global)));
}

/// A frame rs1090 decoded and we reject: none is accepted (every frame of
/// the flight decodes; the AP addresses are all of the aircraft heard).
fn reject_reason(_: Reject) -> Option<&'static str> {
    None
}

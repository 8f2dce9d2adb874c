//! Whether a run can be trusted as a whole: a run that accepted no
//! position is an error with its reason and its fix
//! ([`nothing_accepted`]), and a run where most input lines were rejected
//! for one reason says so ([`main_rejection`]), both from the counters of
//! `summary.json` and naming the key found there.

use serde_json::Value as Json;

use crate::census::CensusStats;

/// The largest rejection of a run: `count` of `lines` input lines (or
/// their messages and positions) refused for the reason `key`, a path
/// into `summary.json` such as `input.csv.rejected.bad_time`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Where the count is in `summary.json` (dotted path).
    pub key: String,
    /// How many were refused for it.
    pub count: u64,
    /// Input lines read in all.
    pub lines: u64,
}

impl Rejection {
    /// What to do about it; `time_format` is the CSV time format used.
    pub fn fix(&self, time_format: &str) -> String {
        let key = self.key.as_str();
        match key {
            "input.csv.rejected.bad_time" => format!(
                "the time column does not read as --time-format {time_format}: give its pattern, e.g. --time-format '%d/%m/%Y %H:%M', or unix or unix_ms"
            ),
            "input.csv.rejected.bad_mmsi" => {
                "the mmsi column holds no whole numbers: map the vessel id column with --csv-columns mmsi=COLUMN".into()
            }
            "input.csv.rejected.bad_position" => {
                "no latitude and longitude in decimal degrees: map them with --csv-columns lat=COLUMN,lon=COLUMN".into()
            }
            "input.csv.rejected.bad_msg_type" => {
                "the msg_type column holds neither message numbers (1-27) nor station kinds (Class A, Class B, Base Station, AtoN, SAR Airborne...): map the right column with --csv-columns msg_type=COLUMN, or leave msg_type out".into()
            }
            "input.csv.rejected.missing_fields" => {
                "rows have fewer fields than the header needs: is the file comma-separated?".into()
            }
            "input.untimed_messages" => {
                "the NMEA carries no times (tag block c:, USCG trailer, $PGHP) and the census needs them: `finisterra scan --rate MSG_PER_S` replays an untimed capture".into()
            }
            "input.decode_errors.not_nmea" => {
                "the lines are not AIS NMEA: for a CSV file give --format csv and its columns with --csv-columns".into()
            }
            "census.time_out_of_range" => format!(
                "the times are outside 1990-2100: check --time-format {time_format} (unix is seconds, unix_ms milliseconds)"
            ),
            "census.time_jump" => {
                "the times jump more than six hours ahead and never come back: check the time column or tag blocks".into()
            }
            k if k.starts_with("input.decode_errors.") => {
                "the lines do not decode as AIS NMEA: check the input is an AIS capture".into()
            }
            k if k.starts_with("census.rejected.") => {
                "the positions were refused by the picture's filters: see the census counters".into()
            }
            _ => "see the counters in summary.json".into(),
        }
    }
}

/// Every rejection counter of a run, as (`summary.json` key, count).
fn rejections(input: &Json, stats: &CensusStats) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = Vec::new();
    let mut add_map = |prefix: &str, v: Option<&Json>| {
        if let Some(m) = v.and_then(Json::as_object) {
            for (k, n) in m {
                out.push((format!("{prefix}.{k}"), n.as_u64().unwrap_or(0)));
            }
        }
    };
    add_map("input.decode_errors", input.get("decode_errors"));
    add_map("input.csv.rejected", input.pointer("/csv/rejected"));
    let untimed = input
        .get("untimed_messages")
        .and_then(Json::as_u64)
        .unwrap_or(0);
    out.push(("input.untimed_messages".into(), untimed));
    for (k, n) in &stats.rejected {
        out.push((format!("census.rejected.{k}"), *n));
    }
    out.push(("census.time_out_of_range".into(), stats.time_out_of_range));
    out.push(("census.time_jump".into(), stats.time_jump));
    out.retain(|(_, n)| *n > 0);
    out
}

/// Input records: lines read, and rows of archives (each decoded from a
/// line once, when the archive was built).
fn records(input: &Json) -> u64 {
    let n = |k: &str| input.get(k).and_then(Json::as_u64).unwrap_or(0);
    n("lines") + n("archive_rows")
}

/// The largest rejection reason of a run, if any (the first key in the
/// order above on a tie). `input` is the `input` object of `summary.json`
/// ([`crate::InputStats::to_json`]).
pub fn largest_rejection(input: &Json, stats: &CensusStats) -> Option<Rejection> {
    let lines = records(input);
    let mut best: Option<(String, u64)> = None;
    for (k, n) in rejections(input, stats) {
        if best.as_ref().is_none_or(|b| n > b.1) {
            best = Some((k, n));
        }
    }
    best.map(|(key, count)| Rejection { key, count, lines })
}

/// The rejection reason of more than half the input lines, if one is.
pub fn main_rejection(input: &Json, stats: &CensusStats) -> Option<Rejection> {
    largest_rejection(input, stats).filter(|r| r.count.saturating_mul(2) > r.lines)
}

/// Why a run that accepted no position is worthless, with the fix (`None`
/// when a position was accepted). `time_format` is the CSV time format
/// used (for the fix).
pub fn nothing_accepted(input: &Json, stats: &CensusStats, time_format: &str) -> Option<String> {
    if stats.accepted_positions > 0 {
        return None;
    }
    let lines = records(input);
    if lines == 0 {
        return Some("no position accepted: the inputs are empty".into());
    }
    Some(match largest_rejection(input, stats) {
        Some(r) => format!(
            "no position accepted: {} of {} input lines rejected as {}: {}",
            r.count,
            r.lines,
            r.key,
            r.fix(time_format)
        ),
        None => format!(
            "no position accepted: {} input lines gave {} messages and no position report",
            lines, stats.messages
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_largest_reason_and_its_fix() {
        let input = json!({
            "lines": 10,
            "untimed_messages": 2,
            "decode_errors": {"bad_checksum": 1},
            "csv": {"rejected": {"bad_time": 6}},
        });
        let stats = CensusStats::default();
        let r = main_rejection(&input, &stats).expect("6 of 10");
        assert_eq!(
            (r.key.as_str(), r.count, r.lines),
            ("input.csv.rejected.bad_time", 6, 10)
        );
        assert!(r.fix("iso").contains("--time-format iso"));
        let msg = nothing_accepted(&input, &stats, "iso").expect("nothing accepted");
        assert!(
            msg.contains("6 of 10 input lines rejected as input.csv.rejected.bad_time"),
            "{msg}"
        );
        // Half is not most.
        let input = json!({"lines": 12, "csv": {"rejected": {"bad_time": 6}}});
        assert!(main_rejection(&input, &stats).is_none());
        assert!(largest_rejection(&input, &stats).is_some());
        // Accepted positions: no error.
        let ok = CensusStats {
            accepted_positions: 1,
            ..CensusStats::default()
        };
        assert!(nothing_accepted(&input, &ok, "iso").is_none());
        assert!(nothing_accepted(&json!({"lines": 0}), &stats, "iso")
            .expect("empty")
            .contains("empty"));
        // Rows of an archive count as lines.
        let teleports = CensusStats {
            rejected: [("position_teleport".to_string(), 6)].into(),
            ..CensusStats::default()
        };
        let archive = json!({"lines": 0, "archive_rows": 10});
        assert_eq!(
            main_rejection(&archive, &teleports).map(|r| r.lines),
            Some(10)
        );
        let archive = json!({"lines": 0, "archive_rows": 13});
        assert!(main_rejection(&archive, &teleports).is_none());
        let untimed = json!({"lines": 4, "untimed_messages": 4});
        let msg = nothing_accepted(&untimed, &stats, "iso").expect("untimed");
        assert!(
            msg.contains("input.untimed_messages") && msg.contains("--rate"),
            "{msg}"
        );
    }
}

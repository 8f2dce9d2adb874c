//! A small, deterministic traffic simulator: a [`Scenario`] (vessels with a
//! start position, course, speed, optional waypoints and timed manoeuvres;
//! aids to navigation) becomes the timestamped AIS NMEA a coastal receiver
//! would record — position reports at the ITU-R M.1371 rates (types 1/18),
//! static data (types 5 and 24) every six minutes, aids to navigation
//! (type 21) every three minutes, each line with an NMEA 4.10 tag block
//! (`s:` station, `c:` Unix time).
//!
//! It is how tests and demos build situations, and how operators rehearse
//! them. No clock, no randomness: the same scenario gives the same bytes.
//!
//! ```
//! use finisterra_sim::{Scenario, simulate};
//! let s: Scenario = serde_json::from_str(r#"{
//!   "start": "2026-11-26T10:00:00Z", "duration_s": 60,
//!   "vessels": [{"mmsi": 224000001, "name": "ALPHA", "lat": 43.0, "lon": -9.5,
//!                "cog_deg": 90, "sog_kn": 12}]
//! }"#).unwrap();
//! let lines = simulate(&s).unwrap();
//! assert!(lines.iter().any(|l| l.contains("!AIVDM")));
//! ```

pub mod air;
pub mod fleet;

use finisterra_ais::encode::{encode_sentences, SentenceOptions};
use finisterra_ais::{
    AidToNavigation, AisMessage, BasicPosition, Body, Dimensions, StaticDataReport, StaticPartB,
    StaticVoyage, Text, Turn,
};
use finisterra_nav::geo::{destination, distance_m, initial_bearing_deg, normalize_deg_180};
use serde::{Deserialize, Serialize};

/// Why a scenario cannot be simulated.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The start time is not ISO 8601 UTC.
    #[error("bad start time {0:?}: expected ISO 8601 UTC such as 2026-11-26T10:00:00Z")]
    BadStart(String),
    /// A vessel or aid has an invalid value.
    #[error("{0}")]
    Invalid(String),
}

/// A timed change of a vessel's orders.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manoeuvre {
    /// Seconds after the scenario start.
    pub at_s: f64,
    /// New course to steer (overrides the waypoints from then on).
    #[serde(default)]
    pub cog_deg: Option<f64>,
    /// New speed.
    #[serde(default)]
    pub sog_kn: Option<f64>,
    /// New navigational status.
    #[serde(default)]
    pub nav_status: Option<u8>,
}

fn default_class() -> String {
    "A".into()
}
fn default_ship_type() -> u8 {
    70
}
fn default_length() -> f64 {
    100.0
}
fn default_beam() -> f64 {
    18.0
}
fn default_draught() -> f64 {
    6.0
}
fn default_turn_rate() -> f64 {
    60.0
}

/// One simulated vessel.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct VesselSpec {
    /// MMSI.
    pub mmsi: u32,
    /// Name (up to 20 characters are transmitted).
    #[serde(default)]
    pub name: String,
    /// `"A"` or `"B"`.
    #[serde(default = "default_class")]
    pub class: String,
    /// AIS ship and cargo type (default 70, cargo).
    #[serde(default = "default_ship_type")]
    pub ship_type: u8,
    /// Length overall, metres (default 100).
    #[serde(default = "default_length")]
    pub length_m: f64,
    /// Beam, metres (default 18).
    #[serde(default = "default_beam")]
    pub beam_m: f64,
    /// Draught, metres (default 6).
    #[serde(default = "default_draught")]
    pub draught_m: f64,
    /// Call sign.
    #[serde(default)]
    pub callsign: String,
    /// Destination.
    #[serde(default)]
    pub destination: String,
    /// Navigational status (default 0, under way using engine).
    #[serde(default)]
    pub nav_status: u8,
    /// Start latitude, degrees.
    pub lat: f64,
    /// Start longitude, degrees.
    pub lon: f64,
    /// Initial course, degrees true.
    #[serde(default)]
    pub cog_deg: f64,
    /// Speed, knots.
    #[serde(default)]
    pub sog_kn: f64,
    /// Waypoints `[lat, lon]` to follow in order after the start.
    #[serde(default)]
    pub waypoints: Vec<[f64; 2]>,
    /// Timed changes of course, speed or status.
    #[serde(default)]
    pub manoeuvres: Vec<Manoeuvre>,
    /// Largest rate of turn, degrees per minute (default 60).
    #[serde(default = "default_turn_rate")]
    pub max_turn_deg_per_min: f64,
    /// Deceleration when ordered a lower speed, knots per minute (default:
    /// none, the new speed at once).
    #[serde(default)]
    pub decel_kn_per_min: Option<f64>,
    /// Seconds after start when the vessel starts transmitting.
    #[serde(default)]
    pub start_s: f64,
    /// Seconds after start when it stops transmitting (goes dark).
    #[serde(default)]
    pub end_s: Option<f64>,
    /// Fixed interval between position reports, seconds (default: the
    /// ITU-R M.1371 rate for its class, speed and status).
    #[serde(default)]
    pub report_interval_s: Option<f64>,
}

fn default_aid_type() -> u8 {
    5
}

/// One aid to navigation (transmits message 21).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct AtonSpec {
    /// MMSI (99MIDxxxx for aids to navigation).
    pub mmsi: u32,
    /// Name.
    pub name: String,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Type of aid (default 5, light without sectors).
    #[serde(default = "default_aid_type")]
    pub aid_type: u8,
    /// Virtual aid.
    #[serde(default)]
    pub virtual_aid: bool,
}

fn default_station() -> String {
    "finisterra-sim".into()
}

/// A scenario.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Scenario {
    /// Start time, ISO 8601 UTC (`2026-11-26T10:00:00Z`).
    pub start: String,
    /// Length of the simulation, seconds.
    pub duration_s: f64,
    /// Receiving station written in each tag block.
    #[serde(default = "default_station")]
    pub station: String,
    /// Free text describing the situation.
    #[serde(default)]
    pub description: String,
    /// The vessels.
    #[serde(default)]
    pub vessels: Vec<VesselSpec>,
    /// The aids to navigation.
    #[serde(default)]
    pub atons: Vec<AtonSpec>,
    /// The aircraft ([`air::air_frames`]: Mode S frames, not AIS).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aircraft: Vec<air::AircraftSpec>,
}

/// Parses an ISO 8601 UTC time (`YYYY-MM-DDTHH:MM:SS[.fff]Z`, or with an
/// offset) into Unix milliseconds ([`finisterra_nmea::parse_iso8601_ms`]).
pub fn parse_iso8601_ms(s: &str) -> Option<i64> {
    finisterra_nmea::parse_iso8601_ms(s, false)
}

/// State of a vessel during the simulation.
struct Live<'a> {
    spec: &'a VesselSpec,
    lat: f64,
    lon: f64,
    cog: f64,
    /// Course being steered to.
    ordered_cog: f64,
    sog: f64,
    /// Speed being made for (reached at the deceleration, if any).
    ordered_sog: f64,
    status: u8,
    next_wp: usize,
    follow_waypoints: bool,
    rot: f64,
    next_pos_s: f64,
    next_static_s: f64,
    seq: u8,
    channel: u8,
}

fn text<const N: usize>(s: &str) -> Text<N> {
    Text::from_str_lossy(&s.to_ascii_uppercase())
}

fn dims(length_m: f64, beam_m: f64) -> Dimensions {
    let l = length_m.clamp(0.0, 1022.0);
    let b = beam_m.clamp(0.0, 126.0);
    Dimensions {
        to_bow: (l * 0.7).round() as u16,
        to_stern: (l * 0.3).round() as u16,
        to_port: (b * 0.5).round() as u8,
        to_starboard: (b * 0.5).round() as u8,
    }
}

/// Seconds between position reports (ITU-R M.1371-5 Table 1 / Class B CS).
fn interval_s(v: &Live<'_>) -> f64 {
    if let Some(i) = v.spec.report_interval_s {
        return i.max(1.0);
    }
    let turning = v.rot.abs() > 1.0;
    if v.spec.class.eq_ignore_ascii_case("B") {
        return if v.sog > 2.0 { 30.0 } else { 180.0 };
    }
    if matches!(v.status, 1 | 5) && v.sog <= 3.0 {
        return 180.0;
    }
    if v.sog > 23.0 {
        2.0
    } else if v.sog > 14.0 {
        if turning {
            2.0
        } else {
            6.0
        }
    } else if turning {
        4.0
    } else {
        10.0
    }
}

/// Runs a scenario: returns the NMEA lines, in time order.
pub fn simulate(s: &Scenario) -> Result<Vec<String>, SimError> {
    let mut out = Vec::new();
    simulate_into(s, &mut |line| out.push(line))?;
    Ok(out)
}

/// Runs a scenario, handing each NMEA line to `sink` in time order.
pub fn simulate_into(s: &Scenario, sink: &mut dyn FnMut(String)) -> Result<(), SimError> {
    let start_ms = parse_iso8601_ms(&s.start).ok_or_else(|| SimError::BadStart(s.start.clone()))?;
    for v in &s.vessels {
        if !(v.lat.abs() <= 90.0 && v.lon.abs() <= 180.0) {
            return Err(SimError::Invalid(format!(
                "vessel {}: position out of range",
                v.mmsi
            )));
        }
        if v.mmsi == 0 || v.mmsi > 999_999_999 {
            return Err(SimError::Invalid(format!(
                "vessel mmsi {} is not 9 digits",
                v.mmsi
            )));
        }
        if !(0.0..=102.0).contains(&v.sog_kn) {
            return Err(SimError::Invalid(format!(
                "vessel {}: speed {} kn out of range",
                v.mmsi, v.sog_kn
            )));
        }
    }
    let mut live: Vec<Live<'_>> = s
        .vessels
        .iter()
        .map(|spec| {
            // Spread first reports over a few seconds, by MMSI, as SOTDMA does.
            let offset = (spec.mmsi % 7) as f64;
            Live {
                spec,
                lat: spec.lat,
                lon: spec.lon,
                cog: spec.cog_deg.rem_euclid(360.0),
                ordered_cog: spec.cog_deg.rem_euclid(360.0),
                sog: spec.sog_kn,
                ordered_sog: spec.sog_kn,
                status: spec.nav_status,
                next_wp: 0,
                follow_waypoints: !spec.waypoints.is_empty(),
                rot: 0.0,
                next_pos_s: spec.start_s + offset,
                next_static_s: spec.start_s + offset + 1.0,
                seq: (spec.mmsi % 10) as u8,
                channel: if spec.mmsi % 2 == 0 { b'A' } else { b'B' },
            }
        })
        .collect();
    let mut aton_next: Vec<f64> = s.atons.iter().map(|a| (a.mmsi % 11) as f64).collect();
    let steps = s.duration_s.max(0.0).floor() as i64;
    for step in 0..=steps {
        let t = step as f64;
        let t_unix_s = start_ms / 1000 + step;
        for v in live.iter_mut() {
            if t < v.spec.start_s {
                continue;
            }
            apply_orders(v, t);
            if v.spec.end_s.is_some_and(|e| t >= e) {
                advance(v, 1.0);
                continue;
            }
            if t >= v.next_static_s {
                for msg in static_messages(v) {
                    emit(&msg, v, t_unix_s, &s.station, sink);
                }
                v.next_static_s = t + 360.0;
            }
            if t >= v.next_pos_s {
                let msg = position_message(v, t_unix_s);
                emit(&msg, v, t_unix_s, &s.station, sink);
                v.next_pos_s = t + interval_s(v);
            }
            advance(v, 1.0);
        }
        for (a, next) in s.atons.iter().zip(aton_next.iter_mut()) {
            if t >= *next {
                let msg = aton_message(a, t_unix_s);
                let opts = SentenceOptions {
                    channel: Some(b'A'),
                    tag_time_s: Some(t_unix_s),
                    tag_source: Some(s.station.clone()),
                    ..Default::default()
                };
                for line in
                    encode_sentences(&msg, &opts).map_err(|e| SimError::Invalid(e.to_string()))?
                {
                    sink(line);
                }
                *next = t + 180.0;
            }
        }
    }
    Ok(())
}

fn apply_orders(v: &mut Live<'_>, t: f64) {
    for m in &v.spec.manoeuvres {
        if (m.at_s - t).abs() < 0.5 {
            if let Some(c) = m.cog_deg {
                v.ordered_cog = c.rem_euclid(360.0);
                v.follow_waypoints = false;
            }
            if let Some(sp) = m.sog_kn {
                v.ordered_sog = sp.max(0.0);
                if v.spec.decel_kn_per_min.is_none() || v.ordered_sog > v.sog {
                    v.sog = v.ordered_sog;
                }
            }
            if let Some(st) = m.nav_status {
                v.status = st;
            }
        }
    }
    if v.follow_waypoints {
        while let Some(wp) = v.spec.waypoints.get(v.next_wp) {
            if distance_m(v.lat, v.lon, wp[0], wp[1]) < 100.0 {
                v.next_wp += 1;
                continue;
            }
            v.ordered_cog = initial_bearing_deg(v.lat, v.lon, wp[0], wp[1]);
            break;
        }
        if v.next_wp >= v.spec.waypoints.len() {
            v.follow_waypoints = false;
        }
    }
}

fn advance(v: &mut Live<'_>, dt_s: f64) {
    let diff = normalize_deg_180(v.ordered_cog - v.cog);
    let max_step = v.spec.max_turn_deg_per_min.max(1.0) / 60.0 * dt_s;
    let step = diff.clamp(-max_step, max_step);
    v.cog = (v.cog + step).rem_euclid(360.0);
    v.rot = step / dt_s * 60.0;
    let sog0 = v.sog;
    if let Some(decel) = v.spec.decel_kn_per_min {
        if v.sog > v.ordered_sog {
            v.sog = (v.sog - decel.max(0.0) / 60.0 * dt_s).max(v.ordered_sog);
        }
    }
    if v.sog > 0.0 || sog0 > 0.0 {
        let d = 0.5 * (sog0 + v.sog) * 1852.0 / 3600.0 * dt_s;
        let (lat, lon) = destination(v.lat, v.lon, v.cog, d);
        if lat.is_finite() && lon.is_finite() {
            v.lat = lat;
            v.lon = lon;
        }
    }
}

fn rot_indicator(deg_per_min: f64) -> Option<Turn> {
    if deg_per_min.abs() < 0.5 {
        return Some(Turn::Rate(0));
    }
    let r = 4.733 * deg_per_min.abs().sqrt();
    let r = r.round().min(126.0) as i8;
    Some(Turn::Rate(if deg_per_min < 0.0 { -r } else { r }))
}

fn position_message(v: &Live<'_>, t_unix_s: i64) -> AisMessage {
    let class_b = v.spec.class.eq_ignore_ascii_case("B");
    BasicPosition {
        mmsi: v.spec.mmsi,
        class_b,
        status: v.status,
        turn: rot_indicator(v.rot),
        sog_kn: Some((v.sog * 10.0).round() / 10.0),
        cog_deg: Some((v.cog * 10.0).round() / 10.0 % 360.0),
        heading_deg: Some(v.cog.round() as u16 % 360),
        lat_deg: v.lat,
        lon_deg: v.lon,
        second: t_unix_s.rem_euclid(60) as u8,
        accuracy: true,
        radio: if class_b { 393222 } else { 0 },
    }
    .message()
}

fn static_messages(v: &Live<'_>) -> Vec<AisMessage> {
    let sp = v.spec;
    let d = dims(sp.length_m, sp.beam_m);
    if sp.class.eq_ignore_ascii_case("B") {
        vec![
            AisMessage {
                msg_type: 24,
                repeat: 0,
                mmsi: sp.mmsi,
                body: Body::StaticData(StaticDataReport::PartA {
                    shipname: text(&sp.name),
                }),
            },
            AisMessage {
                msg_type: 24,
                repeat: 0,
                mmsi: sp.mmsi,
                body: Body::StaticData(StaticDataReport::PartB(StaticPartB {
                    shiptype: sp.ship_type,
                    vendor_id: text("FIN"),
                    model: 1,
                    serial: sp.mmsi % 1_000_000,
                    callsign: text(&sp.callsign),
                    dimensions: d,
                    mothership_mmsi: None,
                })),
            },
        ]
    } else {
        vec![AisMessage {
            msg_type: 5,
            repeat: 0,
            mmsi: sp.mmsi,
            body: Body::StaticVoyage(StaticVoyage {
                ais_version: 2,
                imo: 0,
                callsign: text(&sp.callsign),
                shipname: text(&sp.name),
                shiptype: sp.ship_type,
                dimensions: d,
                epfd: 1,
                eta_month: 0,
                eta_day: 0,
                eta_hour: 24,
                eta_minute: 60,
                draught_m: Some((sp.draught_m * 10.0).round() / 10.0).filter(|x| *x > 0.0),
                destination: text(&sp.destination),
                dte: false,
            }),
        }]
    }
}

fn aton_message(a: &AtonSpec, t_unix_s: i64) -> AisMessage {
    AisMessage {
        msg_type: 21,
        repeat: 0,
        mmsi: a.mmsi,
        body: Body::AidToNavigation(AidToNavigation {
            aid_type: a.aid_type,
            name: text(&a.name),
            accuracy: true,
            lon_deg: Some(a.lon),
            lat_deg: Some(a.lat),
            dimensions: Dimensions::default(),
            epfd: 7,
            second: t_unix_s.rem_euclid(60) as u8,
            off_position: false,
            regional: 0,
            raim: false,
            virtual_aid: a.virtual_aid,
            assigned: false,
        }),
    }
}

fn emit(
    msg: &AisMessage,
    v: &mut Live<'_>,
    t_unix_s: i64,
    station: &str,
    sink: &mut dyn FnMut(String),
) {
    let opts = SentenceOptions {
        channel: Some(v.channel),
        sequence_id: v.seq,
        tag_time_s: Some(t_unix_s),
        tag_source: Some(station.to_string()),
        ..Default::default()
    };
    v.channel = if v.channel == b'A' { b'B' } else { b'A' };
    if let Ok(lines) = encode_sentences(msg, &opts) {
        if lines.len() > 1 {
            v.seq = (v.seq + 1) % 10;
        }
        for l in lines {
            sink(l);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use finisterra_ais::{Event, StreamDecoder};

    fn scenario(json: &str) -> Scenario {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn iso_times() {
        assert_eq!(parse_iso8601_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_iso8601_ms("2026-11-26T10:00:00.250Z"),
            Some(1_795_687_200_250)
        );
        assert_eq!(parse_iso8601_ms("2026-11-26 10:00:00"), None);
    }

    #[test]
    fn output_decodes_with_times_and_moves_the_ship() {
        let s = scenario(
            r#"{"start":"2026-11-26T10:00:00Z","duration_s":600,
               "vessels":[{"mmsi":224000001,"name":"alpha","lat":43.0,"lon":-9.5,"cog_deg":90,"sog_kn":12},
                          {"mmsi":224000002,"name":"bravo","class":"B","lat":43.1,"lon":-9.5,"cog_deg":0,"sog_kn":6}],
               "atons":[{"mmsi":992240001,"name":"LIGHT","lat":43.2,"lon":-9.3}]}"#,
        );
        let lines = simulate(&s).unwrap();
        let mut dec = StreamDecoder::default();
        let mut last = None;
        let mut times = Vec::new();
        let mut types = std::collections::BTreeSet::new();
        for (i, l) in lines.iter().enumerate() {
            dec.feed(i as u64 + 1, l.as_bytes(), &mut |e| match e {
                Event::Message(m) => {
                    times.push(m.time.unwrap().unix_ms);
                    types.insert(m.message.msg_type);
                    if let Body::Position(p) = &m.message.body {
                        last = Some((p.lat_deg.unwrap(), p.lon_deg.unwrap()));
                    }
                }
                Event::Error(e) => panic!("{e}"),
            });
        }
        assert_eq!(dec.stats().error_count(), 0);
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "time order");
        assert_eq!(
            types.into_iter().collect::<Vec<_>>(),
            vec![1, 5, 18, 21, 24]
        );
        // 12 kn east for ~10 minutes: about 2 NM.
        let (lat, lon) = last.unwrap();
        let moved_nm = distance_m(43.0, -9.5, lat, lon) / 1852.0;
        assert!((moved_nm - 2.0).abs() < 0.1, "{moved_nm}");
    }

    #[test]
    fn waypoints_and_manoeuvres_steer() {
        let s = scenario(
            r#"{"start":"2026-11-26T10:00:00Z","duration_s":1800,
               "vessels":[{"mmsi":224000003,"lat":43.0,"lon":-9.5,"cog_deg":0,"sog_kn":10,
                           "waypoints":[[43.05,-9.5],[43.05,-9.4]],
                           "manoeuvres":[{"at_s":1500,"cog_deg":180}]}]}"#,
        );
        let lines = simulate(&s).unwrap();
        let mut dec = StreamDecoder::default();
        let mut courses = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            dec.feed(i as u64 + 1, l.as_bytes(), &mut |e| {
                if let Event::Message(m) = e {
                    if let Body::Position(p) = &m.message.body {
                        courses.push((m.time.unwrap().unix_ms, p.cog_deg.unwrap()));
                    }
                }
            });
        }
        let t0 = courses[0].0;
        let at = |s: i64| {
            courses
                .iter()
                .rev()
                .find(|c| c.0 - t0 <= s * 1000)
                .unwrap()
                .1
        };
        assert!(at(60) < 5.0 || at(60) > 355.0);
        assert!((at(1200) - 90.0).abs() < 3.0, "{}", at(1200));
        assert!((at(1790) - 180.0).abs() < 1.0, "{}", at(1790));
    }
}

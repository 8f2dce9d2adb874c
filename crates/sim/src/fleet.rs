//! Fleet simulation: thousands of vessels for days, streamed as timestamped
//! AIS NMEA, with the truth of what was planted written beside it.
//!
//! The background is realistic traffic: merchant ships on lanes between real
//! ports through the straits (Dover, Gibraltar, Sicily, Bab-el-Mandeb,
//! Malacca and Singapore; each direction on its own side of the lane),
//! anchoring a few hours at the port before the voyage back; ships at anchor
//! off the ports; fishing vessels working their grounds at a few knots.
//! Planted among them, far out at sea, each recorded in the [`Truth`]:
//!
//! * **encounters** (rendezvous): two vessels meet, lie together within a
//!   couple of hundred metres for 2.5 to 3.2 h, and part;
//! * **loitering**: one vessel drifts below 2 kn for 5 to 10 h;
//! * **gaps**: a vessel stops transmitting for 13 to 20 h, more than 100 NM
//!   from any coast, then reappears;
//! * **spoofing and identity problems**: GNSS spoofing that moves a ship's
//!   reported position 150 NM away for 20 minutes (teleports), two ships
//!   using one MMSI at once, invalid MMSIs, an AIS unit reporting from far
//!   inland, and a cargo ship reporting 48 kn.
//!
//! Vessels are moved event by event (each to its next report time, in a
//! priority queue), so 10 million messages and more take seconds and no
//! memory beyond the vessels: lines go to the sink as they are made, in time
//! order. The same configuration and seed give the same bytes.
//!
//! ```
//! use finisterra_sim::fleet::{simulate_fleet, FleetConfig};
//! let cfg = FleetConfig { vessels: 40, hours: 1.0, ..FleetConfig::default() };
//! let mut lines = 0;
//! let truth = simulate_fleet(&cfg, &mut |_line| lines += 1).unwrap();
//! assert!(truth.position_messages > 1000 && lines as u64 > truth.position_messages);
//! ```

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use finisterra_ais::encode::{encode_sentences, SentenceOptions};
use finisterra_ais::{
    AisMessage, BasicPosition, Body, Dimensions, StaticDataReport, StaticPartB, StaticVoyage, Text,
    Turn,
};
use finisterra_nav::geo::{destination, distance_m, initial_bearing_deg};
use serde::{Deserialize, Serialize};

use crate::{parse_iso8601_ms, SimError};

const M_PER_NM: f64 = 1852.0;
const MPS_PER_KN: f64 = M_PER_NM / 3600.0;

/// What to simulate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FleetConfig {
    /// Number of vessels (background and planted together).
    pub vessels: usize,
    /// Length of the simulation, hours.
    pub hours: f64,
    /// Random seed: the same seed gives the same output.
    pub seed: u64,
    /// Start time, ISO 8601 UTC.
    pub start: String,
    /// Seconds between position reports of a vessel under way as received
    /// (default 60: a receiver network's archive, like MarineCadastre's
    /// one-minute files, rather than every 2-10 s broadcast); vessels at
    /// anchor or slow report every 180 s.
    pub report_interval_s: f64,
    /// Seconds between static reports (default 360, ITU-R M.1371).
    pub static_interval_s: f64,
    /// Planted encounters (default: one per 400 vessels, at least 1).
    pub encounters: Option<usize>,
    /// Planted loitering vessels (default: one per 400 vessels, at least 1).
    pub loitering: Option<usize>,
    /// Planted gaps (default: one per 300 vessels, at least 1).
    pub gaps: Option<usize>,
    /// Planted spoofers of each kind (default: one per 1000 vessels, at
    /// least 1).
    pub spoofers: Option<usize>,
    /// Receiving station written in the tag blocks.
    pub station: String,
}

impl Default for FleetConfig {
    fn default() -> Self {
        FleetConfig {
            vessels: 1000,
            hours: 24.0,
            seed: 1,
            start: "2026-01-05T00:00:00Z".into(),
            report_interval_s: 60.0,
            static_interval_s: 360.0,
            encounters: None,
            loitering: None,
            gaps: None,
            spoofers: None,
            station: "finisterra-fleet".into(),
        }
    }
}

/// One planted behaviour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Planted {
    /// `encounters`, `loitering`, `gaps` or `spoofing` (the census output
    /// file it should appear in).
    pub kind: String,
    /// For spoofing: `teleport`, `identity_conflict`, `invalid_mmsi`,
    /// `on_land`, `implausible_speed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subkind: Option<String>,
    /// The MMSI(s) concerned.
    pub mmsi: Vec<u32>,
    /// Start, ISO 8601.
    pub start: String,
    /// End, ISO 8601.
    pub end: String,
    /// Start, ms.
    pub start_ms: i64,
    /// End, ms.
    pub end_ms: i64,
    /// Where, degrees.
    pub lat: f64,
    /// Where, degrees.
    pub lon: f64,
    /// What was done, in words.
    pub note: String,
}

/// What was simulated and planted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    /// The configuration.
    pub config: FleetConfig,
    /// Position reports written.
    pub position_messages: u64,
    /// Static reports written.
    pub static_messages: u64,
    /// NMEA lines written.
    pub lines: u64,
    /// Everything planted, by start time.
    pub planted: Vec<Planted>,
}

/// splitmix64: small, fast, deterministic.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn f(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.f()
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A port: the anchorage off it (at sea, a few kilometres from the coast).
#[derive(Debug, Clone, Copy)]
pub struct Port {
    /// Name.
    pub name: &'static str,
    /// Anchorage, degrees.
    pub lat: f64,
    /// Anchorage, degrees.
    pub lon: f64,
}

/// Ports (anchorages) used by the lanes.
pub const PORTS: &[Port] = &[
    Port {
        name: "Rotterdam",
        lat: 52.02,
        lon: 3.95,
    },
    Port {
        name: "Le Havre",
        lat: 49.53,
        lon: -0.02,
    },
    Port {
        name: "Southampton",
        lat: 50.66,
        lon: -1.0,
    },
    Port {
        name: "Lisbon",
        lat: 38.62,
        lon: -9.38,
    },
    Port {
        name: "Algeciras",
        lat: 36.11,
        lon: -5.38,
    },
    Port {
        name: "Barcelona",
        lat: 41.30,
        lon: 2.22,
    },
    Port {
        name: "Genoa",
        lat: 44.36,
        lon: 8.88,
    },
    Port {
        name: "Port Said",
        lat: 31.33,
        lon: 32.36,
    },
    Port {
        name: "Las Palmas",
        lat: 28.12,
        lon: -15.36,
    },
    Port {
        name: "New York",
        lat: 40.50,
        lon: -73.85,
    },
    Port {
        name: "Jeddah",
        lat: 21.50,
        lon: 39.08,
    },
    Port {
        name: "Singapore",
        lat: 1.22,
        lon: 103.80,
    },
    Port {
        name: "Colombo",
        lat: 6.97,
        lon: 79.80,
    },
];

/// A lane: from one port to another through waypoints at sea.
#[derive(Debug, Clone, Copy)]
pub struct Lane {
    /// Name.
    pub name: &'static str,
    /// Index of the starting port in [`PORTS`].
    pub from: usize,
    /// Index of the end port.
    pub to: usize,
    /// Waypoints between them (lat, lon).
    pub via: &'static [(f64, f64)],
}

/// The lanes (each used in both directions).
pub const LANES: &[Lane] = &[
    Lane {
        name: "Rotterdam - Dover Strait - Lisbon",
        from: 0,
        to: 3,
        via: &[
            (51.70, 2.70),
            (51.05, 1.48),
            (50.55, 0.40),
            (50.20, -1.20),
            (49.95, -3.20),
            (49.10, -5.60),
            (46.50, -7.60),
            (43.40, -9.90),
            (40.50, -9.90),
            (38.75, -9.70),
        ],
    },
    Lane {
        name: "Lisbon - Gibraltar - Barcelona",
        from: 3,
        to: 5,
        via: &[
            (37.00, -9.30),
            (36.25, -6.80),
            (35.95, -5.60),
            (36.10, -4.60),
            (36.55, -1.80),
            (38.75, 0.72),
        ],
    },
    Lane {
        name: "Algeciras - Sicily Channel - Port Said",
        from: 4,
        to: 7,
        via: &[
            (35.95, -4.60),
            (37.30, 2.00),
            (37.60, 7.00),
            (37.45, 11.55),
            (36.10, 15.60),
            (34.60, 22.50),
            (33.80, 27.00),
            (31.90, 31.80),
        ],
    },
    Lane {
        name: "Genoa - Barcelona",
        from: 6,
        to: 5,
        via: &[(43.80, 8.20), (42.40, 5.50)],
    },
    Lane {
        name: "Southampton - Le Havre",
        from: 2,
        to: 1,
        via: &[(50.35, -0.80)],
    },
    Lane {
        name: "Lisbon - Las Palmas",
        from: 3,
        to: 8,
        via: &[(35.00, -12.00), (30.50, -14.60)],
    },
    Lane {
        name: "Lisbon - New York",
        from: 3,
        to: 9,
        via: &[
            (38.80, -12.00),
            (41.00, -30.00),
            (40.20, -50.00),
            (40.10, -68.00),
        ],
    },
    Lane {
        name: "Jeddah - Bab-el-Mandeb - Colombo",
        from: 10,
        to: 12,
        via: &[
            (21.40, 38.85),
            (18.50, 40.00),
            (13.50, 42.70),
            (12.50, 43.40),
            (12.00, 45.50),
            (13.30, 50.00),
            (13.60, 54.50),
            (8.50, 70.00),
            (6.20, 78.50),
            (6.40, 79.50),
        ],
    },
    Lane {
        name: "Colombo - Malacca - Singapore",
        from: 12,
        to: 11,
        via: &[
            (6.00, 79.95),
            (5.70, 80.60),
            (6.30, 95.00),
            (5.40, 97.80),
            (3.40, 100.40),
            (2.30, 101.60),
            (1.35, 103.00),
            (1.19, 103.60),
        ],
    },
];

/// Fishing grounds: centres at sea, worked within about 15 NM.
pub const FISHING_GROUNDS: &[(f64, f64)] = &[
    (46.00, -5.50),
    (44.00, -9.90),
    (55.50, 3.00),
    (57.50, 1.50),
    (37.20, -10.20),
    (20.50, -18.20),
    (38.00, 5.00),
    (6.50, 76.00),
];

/// Open-ocean centres (hundreds of miles from any coast) where the planted
/// behaviours happen.
pub const OPEN_SEA: &[(f64, f64)] = &[
    (35.0, -45.0),
    (25.0, -37.0),
    (15.0, -42.0),
    (-20.0, -18.0),
    (-12.0, 85.0),
    (-30.0, 80.0),
    (30.0, -140.0),
    (0.0, -120.0),
    (-40.0, -120.0),
    (38.0, 168.0),
];

/// Where the inland AIS unit reports from (Madrid, far from any coast).
const INLAND: (f64, f64) = (40.45, -3.70);

#[derive(Debug, Clone)]
enum Mode {
    /// Following waypoints; at the end, anchor then go back.
    Route {
        wps: Vec<(f64, f64)>,
        next: usize,
        lane: usize,
        forward: bool,
    },
    /// At anchor until the time (then back on the lane).
    Anchored {
        lat: f64,
        lon: f64,
        until_ms: i64,
        lane: Option<(usize, bool)>,
    },
    /// Working a fishing ground: random courses within a radius.
    Fishing {
        c: (f64, f64),
        radius_m: f64,
        next_turn_ms: i64,
    },
    /// Patrolling a square around a centre; a planned meeting or drift.
    Patrol {
        corners: [(f64, f64); 4],
        next: usize,
        plan: Option<Plan>,
    },
    /// Fixed (inland unit).
    Fixed { lat: f64, lon: f64 },
}

#[derive(Debug, Clone, Copy)]
struct Plan {
    /// Where to be, and from when to when.
    lat: f64,
    lon: f64,
    from_ms: i64,
    until_ms: i64,
    /// Drift during the plan: course, speed.
    drift_cog: f64,
    drift_kn: f64,
    /// Offset from the meeting point, metres east and north.
    off: (f64, f64),
    /// Random walk of the drift course.
    wander: bool,
}

#[derive(Debug, Clone)]
struct Vessel {
    mmsi: u32,
    name: String,
    class_b: bool,
    ship_type: u8,
    length_m: f64,
    lat: f64,
    lon: f64,
    cog: f64,
    sog: f64,
    cruise_kn: f64,
    status: u8,
    t_ms: i64,
    mode: Mode,
    /// Silent in [from, until).
    silent: Option<(i64, i64)>,
    /// Reported position replaced by this one in [from, until).
    spoof: Option<(i64, i64, f64, f64)>,
    next_static_ms: i64,
    seq: u8,
    channel: u8,
    /// Phase in the static/position schedule.
    rng: Rng,
}

fn step_toward(lat: f64, lon: f64, tlat: f64, tlon: f64, d_m: f64) -> (f64, f64, f64, f64) {
    // Returns (lat, lon, course, distance left).
    let dist = distance_m(lat, lon, tlat, tlon);
    let brg = initial_bearing_deg(lat, lon, tlat, tlon);
    if !dist.is_finite() || dist <= d_m {
        return (tlat, tlon, brg, d_m - dist.max(0.0));
    }
    let (a, b) = destination(lat, lon, brg, d_m);
    (a, b, brg, 0.0)
}

/// Waypoints of a lane in a direction, offset to starboard.
fn lane_route(lane: usize, forward: bool, offset_nm: f64) -> Vec<(f64, f64)> {
    let l = &LANES[lane];
    let mut pts: Vec<(f64, f64)> = Vec::with_capacity(l.via.len() + 4);
    let (a, b) = (&PORTS[l.from], &PORTS[l.to]);
    pts.push((a.lat, a.lon));
    pts.extend_from_slice(l.via);
    pts.push((b.lat, b.lon));
    if !forward {
        pts.reverse();
    }
    // Departure and approach points a few miles off each port: ships keep
    // to their side of the lane until then, and converge on the port only
    // at the end.
    let near = |p: (f64, f64), q: (f64, f64)| {
        let d = distance_m(p.0, p.1, q.0, q.1);
        destination(
            p.0,
            p.1,
            initial_bearing_deg(p.0, p.1, q.0, q.1),
            (6.0 * M_PER_NM).min(0.4 * d),
        )
    };
    let k = pts.len();
    let dep = near(pts[0], pts[1]);
    let app = near(pts[k - 1], pts[k - 2]);
    pts.insert(1, dep);
    let k = pts.len();
    pts.insert(k - 1, app);
    let n = pts.len();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        // Offset the inner waypoints only: the ports are where ships anchor.
        if i == 0 || i == n - 1 {
            out.push(pts[i]);
            continue;
        }
        let b_in = initial_bearing_deg(pts[i - 1].0, pts[i - 1].1, pts[i].0, pts[i].1);
        let b_out = initial_bearing_deg(pts[i].0, pts[i].1, pts[i + 1].0, pts[i + 1].1);
        let d = finisterra_nav::geo::normalize_deg_180(b_out - b_in);
        let mid = b_in + d * 0.5;
        // Narrower near the ports.
        let scale = if i == 1 || i == n - 2 { 0.4 } else { 1.0 };
        out.push(destination(
            pts[i].0,
            pts[i].1,
            mid + 90.0,
            offset_nm * scale * M_PER_NM,
        ));
    }
    out
}

/// Points of a lane (both ways, with the largest offset used) for checking
/// that lanes stay at sea.
pub fn lane_samples(lane: usize, step_m: f64) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    for forward in [true, false] {
        for off in [0.5, 2.5] {
            let wps = lane_route(lane, forward, off);
            for w in wps.windows(2) {
                let (mut lat, mut lon) = w[0];
                loop {
                    out.push((lat, lon));
                    let (a, b, _, left) = step_toward(lat, lon, w[1].0, w[1].1, step_m);
                    lat = a;
                    lon = b;
                    if left > 0.0 || (lat == w[1].0 && lon == w[1].1) {
                        break;
                    }
                }
            }
        }
    }
    out
}

fn route_length_m(wps: &[(f64, f64)]) -> f64 {
    wps.windows(2)
        .map(|w| distance_m(w[0].0, w[0].1, w[1].0, w[1].1))
        .sum()
}

/// Position at a fraction of a route: (lat, lon, index of the next waypoint).
fn along(wps: &[(f64, f64)], frac: f64) -> (f64, f64, usize) {
    let total = route_length_m(wps);
    let mut left = total * frac.clamp(0.0, 1.0);
    for (i, w) in wps.windows(2).enumerate() {
        let d = distance_m(w[0].0, w[0].1, w[1].0, w[1].1);
        if left <= d {
            let (a, b, _, _) = step_toward(w[0].0, w[0].1, w[1].0, w[1].1, left);
            return (a, b, i + 1);
        }
        left -= d;
    }
    let last = wps[wps.len() - 1];
    (last.0, last.1, wps.len() - 1)
}

fn square_around(c: (f64, f64), half_m: f64) -> [(f64, f64); 4] {
    let mut out = [(0.0, 0.0); 4];
    for (i, brg) in [45.0, 135.0, 225.0, 315.0].into_iter().enumerate() {
        out[i] = destination(c.0, c.1, brg, half_m * std::f64::consts::SQRT_2);
    }
    out
}

const NAMES: &[&str] = &[
    "NORTHERN",
    "ATLANTIC",
    "OCEAN",
    "STAR",
    "PIONEER",
    "HORIZON",
    "CAPE",
    "BALTIC",
    "NORDIC",
    "AURORA",
    "PACIFIC",
    "MARE",
    "SEA",
    "GLORY",
    "SPIRIT",
    "ENDEAVOUR",
    "VOYAGER",
    "LIBERTY",
    "CORAL",
    "EMERALD",
];

fn name_for(rng: &mut Rng, i: usize) -> String {
    format!(
        "{} {} {}",
        NAMES[rng.below(NAMES.len())],
        NAMES[rng.below(NAMES.len())],
        i % 100
    )
}

/// A realistic MMSI: an allocated MID of a common flag and six digits.
fn mmsi_for(i: usize) -> u32 {
    const MIDS: &[u32] = &[
        636, 538, 477, 563, 353, 215, 229, 256, 311, 244, 211, 224, 232, 257, 273, 412, 431, 440,
        370, 566,
    ];
    MIDS[i % MIDS.len()] * 1_000_000 + (100_000 + (i as u32 * 7919) % 900_000)
}

struct Builder {
    rng: Rng,
    start_ms: i64,
    end_ms: i64,
    report_ms: i64,
    static_ms: i64,
    vessels: Vec<Vessel>,
    planted: Vec<Planted>,
}

impl Builder {
    #[allow(clippy::too_many_arguments)]
    fn vessel(
        &mut self,
        mmsi: u32,
        ship_type: u8,
        class_b: bool,
        lat: f64,
        lon: f64,
        cruise: f64,
        mode: Mode,
    ) -> usize {
        let i = self.vessels.len();
        let mut rng = Rng(self.rng.next());
        let phase = rng.below(self.report_ms.max(1000) as usize) as i64;
        let name = name_for(&mut rng, i);
        self.vessels.push(Vessel {
            mmsi,
            name,
            class_b,
            ship_type,
            length_m: match ship_type {
                30 => rng.range(15.0, 45.0),
                60..=69 => rng.range(120.0, 220.0),
                70..=89 => rng.range(120.0, 330.0),
                _ => rng.range(20.0, 80.0),
            }
            .round(),
            lat,
            lon,
            cog: rng.range(0.0, 360.0),
            sog: cruise,
            cruise_kn: cruise,
            status: 0,
            t_ms: self.start_ms + phase,
            mode,
            silent: None,
            spoof: None,
            next_static_ms: self.start_ms + phase + 1000,
            seq: (i % 10) as u8,
            channel: if i % 2 == 0 { b'A' } else { b'B' },
            rng,
        });
        i
    }

    #[allow(clippy::too_many_arguments)]
    fn plant(
        &mut self,
        kind: &str,
        sub: Option<&str>,
        mmsi: Vec<u32>,
        from: i64,
        until: i64,
        at: (f64, f64),
        note: String,
    ) {
        self.planted.push(Planted {
            kind: kind.into(),
            subkind: sub.map(str::to_string),
            mmsi,
            start: iso(from),
            end: iso(until),
            start_ms: from,
            end_ms: until,
            lat: (at.0 * 1e5).round() / 1e5,
            lon: (at.1 * 1e5).round() / 1e5,
            note,
        });
    }

    fn patrol(&mut self, mmsi: u32, ship_type: u8, centre: (f64, f64), cruise: f64) -> usize {
        let corners = square_around(centre, 50.0 * M_PER_NM);
        let k = self.rng.below(4);
        let f = self.rng.f();
        let (a, b) = (corners[k], corners[(k + 1) % 4]);
        let d = distance_m(a.0, a.1, b.0, b.1) * f;
        let (lat, lon, _, _) = step_toward(a.0, a.1, b.0, b.1, d);
        self.vessel(
            mmsi,
            ship_type,
            false,
            lat,
            lon,
            cruise,
            Mode::Patrol {
                corners,
                next: (k + 1) % 4,
                plan: None,
            },
        )
    }

    /// Puts a vessel with a plan close enough to its meeting point to be
    /// there on time (on a line towards it).
    fn reachable(&mut self, v: usize) {
        let (plan, cruise) = match &self.vessels[v].mode {
            Mode::Patrol { plan: Some(p), .. } => (*p, self.vessels[v].cruise_kn),
            _ => return,
        };
        let vs = &self.vessels[v];
        let dist = distance_m(vs.lat, vs.lon, plan.lat, plan.lon);
        let ramp_s = 2.0 * M_PER_NM / ((0.3 * cruise).max(1.5) * MPS_PER_KN);
        let avail_m = cruise
            * MPS_PER_KN
            * (((plan.from_ms - vs.t_ms) as f64 / 1000.0 - ramp_s).max(0.0))
            * 0.7;
        if dist > avail_m {
            let brg = initial_bearing_deg(plan.lat, plan.lon, vs.lat, vs.lon);
            let (lat, lon) = destination(plan.lat, plan.lon, brg, avail_m.max(0.0));
            self.vessels[v].lat = lat;
            self.vessels[v].lon = lon;
        }
    }

    fn random_time(&mut self, earliest_h: f64, latest_end_h: f64, dur_h: f64) -> i64 {
        let hours = (self.end_ms - self.start_ms) as f64 / 3.6e6;
        let lo = earliest_h.min(hours);
        let hi = (hours - latest_end_h - dur_h).max(lo);
        self.start_ms + (self.rng.range(lo, hi) * 3.6e6) as i64 / 60_000 * 60_000
    }
}

fn iso(ms: i64) -> String {
    let mut v = Vec::new();
    finisterra_nmea::format_iso8601(finisterra_nmea::Timestamp { unix_ms: ms }, &mut v);
    String::from_utf8(v).unwrap_or_default()
}

fn build(cfg: &FleetConfig) -> Result<Builder, SimError> {
    let start_ms =
        parse_iso8601_ms(&cfg.start).ok_or_else(|| SimError::BadStart(cfg.start.clone()))?;
    if !(cfg.hours > 0.0 && cfg.hours <= 24.0 * 366.0) {
        return Err(SimError::Invalid(format!(
            "hours {} out of range (0, 8784]",
            cfg.hours
        )));
    }
    if cfg.vessels == 0 || cfg.vessels > 2_000_000 {
        return Err(SimError::Invalid(format!(
            "vessels {} out of range 1..=2000000",
            cfg.vessels
        )));
    }
    if !(cfg.report_interval_s >= 1.0 && cfg.static_interval_s >= 1.0) {
        return Err(SimError::Invalid(
            "report and static intervals must be at least 1 s".into(),
        ));
    }
    let mut b = Builder {
        rng: Rng(cfg.seed ^ 0x5EED_F1EE_7000_0001),
        start_ms,
        end_ms: start_ms + (cfg.hours * 3.6e6) as i64,
        report_ms: (cfg.report_interval_s * 1000.0) as i64,
        static_ms: (cfg.static_interval_s * 1000.0) as i64,
        vessels: Vec::new(),
        planted: Vec::new(),
    };
    let n = cfg.vessels;
    let hours = cfg.hours;
    let enc = cfg.encounters.unwrap_or((n / 400).max(1));
    let loi = cfg.loitering.unwrap_or((n / 400).max(1));
    let gaps = cfg.gaps.unwrap_or((n / 300).max(1));
    let spf = cfg.spoofers.unwrap_or((n / 1000).max(1));
    let mut next_mmsi = 0usize;
    let mut mmsi = || {
        next_mmsi += 1;
        mmsi_for(next_mmsi)
    };
    let mut open_i = 0usize;
    let mut open_sea = |rng: &mut Rng| {
        open_i += 1;
        let c = OPEN_SEA[(open_i + rng.below(OPEN_SEA.len())) % OPEN_SEA.len()];
        destination(
            c.0,
            c.1,
            rng.range(0.0, 360.0),
            rng.range(0.0, 30.0) * M_PER_NM,
        )
    };
    // Planted encounters: a carrier (cargo, reefer) and a fishing vessel.
    // Each planted behaviour needs some hours; with short simulations they
    // are squeezed in as well as possible.
    for _ in 0..enc {
        let p = open_sea(&mut b.rng);
        let dur_h = b.rng.range(2.5, 3.2);
        let from = b.random_time(2.0, 1.0, dur_h);
        let until = from + (dur_h * 3.6e6) as i64;
        let cog = b.rng.range(0.0, 360.0);
        let kn = b.rng.range(0.2, 0.8);
        let sep = b.rng.range(60.0, 250.0);
        let brg = b.rng.range(0.0, 360.0);
        let off = (sep * brg.to_radians().sin(), sep * brg.to_radians().cos());
        let (ma, mb) = (mmsi(), mmsi());
        let centre = p;
        let va = b.patrol(ma, 70, centre, 11.0);
        let vb = b.patrol(mb, 30, centre, 9.0);
        for (v, o) in [(va, (0.0, 0.0)), (vb, off)] {
            if let Mode::Patrol { plan, .. } = &mut b.vessels[v].mode {
                *plan = Some(Plan {
                    lat: p.0,
                    lon: p.1,
                    from_ms: from,
                    until_ms: until,
                    drift_cog: cog,
                    drift_kn: kn,
                    off: o,
                    wander: false,
                });
            }
            b.reachable(v);
        }
        let (lo, hi) = (ma.min(mb), ma.max(mb));
        b.plant(
            "encounters",
            None,
            vec![lo, hi],
            from,
            until,
            p,
            format!("rendezvous: together {sep:.0} m apart drifting {kn:.1} kn for {dur_h:.1} h"),
        );
    }
    for _ in 0..loi {
        let p = open_sea(&mut b.rng);
        let dur_h = b.rng.range(5.0, 10.0).min((hours - 2.0).max(4.5));
        let from = b.random_time(1.0, 0.5, dur_h);
        let until = from + (dur_h * 3.6e6) as i64;
        let kn = b.rng.range(0.3, 1.2);
        let m = mmsi();
        let v = b.patrol(m, 79, p, 12.0);
        let cog = b.rng.range(0.0, 360.0);
        if let Mode::Patrol { plan, .. } = &mut b.vessels[v].mode {
            *plan = Some(Plan {
                lat: p.0,
                lon: p.1,
                from_ms: from,
                until_ms: until,
                drift_cog: cog,
                drift_kn: kn,
                off: (0.0, 0.0),
                wander: true,
            });
        }
        b.reachable(v);
        b.plant(
            "loitering",
            None,
            vec![m],
            from,
            until,
            p,
            format!("drifting about {kn:.1} kn for {dur_h:.1} h"),
        );
    }
    for _ in 0..gaps {
        let p = open_sea(&mut b.rng);
        let m = mmsi();
        let kn = b.rng.range(9.0, 13.0);
        let v = b.patrol(m, 30, p, kn);
        let dur_h = b.rng.range(13.0, 20.0).min((hours - 4.0).max(12.5));
        let from = b.random_time(3.0, 1.0, dur_h);
        let until = from + (dur_h * 3.6e6) as i64;
        b.vessels[v].silent = Some((from, until));
        b.plant(
            "gaps",
            None,
            vec![m],
            from,
            until,
            p,
            format!("transmitter off for {dur_h:.1} h"),
        );
    }
    for _ in 0..spf {
        // GNSS spoofing: reported position 150 NM away for 20 minutes.
        let p = open_sea(&mut b.rng);
        let m = mmsi();
        let v = b.patrol(m, 80, p, 13.0);
        let from = b.random_time(1.0, 1.0, 0.5);
        let until = from + 20 * 60_000;
        let away = destination(p.0, p.1, b.rng.range(0.0, 360.0), 150.0 * M_PER_NM);
        b.vessels[v].spoof = Some((from, until, away.0, away.1));
        b.plant(
            "spoofing",
            Some("teleport"),
            vec![m],
            from,
            until,
            away,
            "reported position 150 NM away for 20 minutes".into(),
        );
        // Two ships, one MMSI, in different oceans.
        let m = mmsi();
        let p1 = open_sea(&mut b.rng);
        let p2 = open_sea(&mut b.rng);
        b.patrol(m, 70, p1, 12.0);
        b.patrol(m, 70, p2, 14.0);
        let (s, e) = (b.start_ms, b.end_ms);
        b.plant(
            "spoofing",
            Some("identity_conflict"),
            vec![m],
            s,
            e,
            p1,
            "two ships transmitting the same MMSI".into(),
        );
        // Invalid MMSIs: not a ship station number; MID not allocated.
        for bad in [
            123_456_789u32 + b.vessels.len() as u32 % 1000,
            217_000_000 + 1000 + b.vessels.len() as u32,
        ] {
            let p = open_sea(&mut b.rng);
            b.patrol(bad, 70, p, 12.0);
            b.plant(
                "spoofing",
                Some("invalid_mmsi"),
                vec![bad],
                s,
                e,
                p,
                "invalid MMSI".into(),
            );
        }
        // An AIS unit reporting from far inland.
        let m = mmsi();
        let j = (b.rng.range(-0.05, 0.05), b.rng.range(-0.05, 0.05));
        let at = (INLAND.0 + j.0, INLAND.1 + j.1);
        let v = b.vessel(
            m,
            37,
            true,
            at.0,
            at.1,
            0.0,
            Mode::Fixed {
                lat: at.0,
                lon: at.1,
            },
        );
        b.vessels[v].status = 5;
        b.plant(
            "spoofing",
            Some("on_land"),
            vec![m],
            s,
            e,
            at,
            "a transmitter on land, 250 km from the sea".into(),
        );
        // A cargo ship reporting 48 kn (below the 60 kn teleport limit).
        let m = mmsi();
        let p = open_sea(&mut b.rng);
        b.patrol(m, 70, p, 48.0);
        b.plant(
            "spoofing",
            Some("implausible_speed"),
            vec![m],
            s,
            e,
            p,
            "a cargo ship making 48 kn".into(),
        );
    }
    // Background traffic.
    let mut lane_cum = Vec::with_capacity(LANES.len());
    let mut lane_total = 0.0;
    for i in 0..LANES.len() {
        lane_total += route_length_m(&lane_route(i, true, 0.0));
        lane_cum.push(lane_total);
    }
    while b.vessels.len() < n {
        let r = b.rng.f();
        let m = mmsi();
        if r < 0.70 {
            // Lanes weighted by length: the same density of ships per mile.
            let x = b.rng.f() * lane_total;
            let lane = lane_cum.partition_point(|&c| c <= x).min(LANES.len() - 1);
            let forward = b.rng.f() < 0.5;
            let offset = b.rng.range(0.5, 2.5);
            let mut wps = lane_route(lane, forward, offset);
            let last = wps.len() - 1;
            wps[last] = destination(
                wps[last].0,
                wps[last].1,
                b.rng.range(0.0, 360.0),
                b.rng.range(0.0, 1800.0),
            );
            let (lat, lon, next) = along(&wps, b.rng.f());
            let kind = [70u8, 70, 70, 71, 79, 80, 81, 84, 60, 69][b.rng.below(10)];
            let cruise = match kind {
                60..=69 => b.rng.range(16.0, 22.0),
                80..=89 => b.rng.range(11.0, 15.0),
                _ => b.rng.range(12.0, 20.0),
            };
            b.vessel(
                m,
                kind,
                false,
                lat,
                lon,
                cruise,
                Mode::Route {
                    wps,
                    next,
                    lane,
                    forward,
                },
            );
        } else if r < 0.88 {
            let port = PORTS[b.rng.below(PORTS.len())];
            let (lat, lon) = destination(
                port.lat,
                port.lon,
                b.rng.range(0.0, 360.0),
                b.rng.range(0.0, 1800.0),
            );
            let kind = [70u8, 80, 71, 84][b.rng.below(4)];
            let v = b.vessel(
                m,
                kind,
                false,
                lat,
                lon,
                12.0,
                Mode::Anchored {
                    lat,
                    lon,
                    until_ms: i64::MAX,
                    lane: None,
                },
            );
            b.vessels[v].status = 1;
            b.vessels[v].sog = 0.1;
        } else {
            let g = FISHING_GROUNDS[b.rng.below(FISHING_GROUNDS.len())];
            let (lat, lon) = destination(
                g.0,
                g.1,
                b.rng.range(0.0, 360.0),
                b.rng.range(0.0, 12.0 * M_PER_NM),
            );
            let class_b = b.rng.f() < 0.4;
            let kn = b.rng.range(3.0, 6.0);
            let v = b.vessel(
                m,
                30,
                class_b,
                lat,
                lon,
                kn,
                Mode::Fishing {
                    c: g,
                    radius_m: 18.0 * M_PER_NM,
                    next_turn_ms: 0,
                },
            );
            b.vessels[v].status = 7;
        }
    }
    b.planted
        .sort_by(|x, y| (x.start_ms, &x.kind, &x.mmsi).cmp(&(y.start_ms, &y.kind, &y.mmsi)));
    Ok(b)
}

impl Vessel {
    /// Moves the vessel to `t_ms`.
    fn advance(&mut self, t_ms: i64) {
        let mut dt_s = (t_ms - self.t_ms) as f64 / 1000.0;
        self.t_ms = t_ms;
        if dt_s <= 0.0 {
            return;
        }
        match &mut self.mode {
            Mode::Fixed { lat, lon } => {
                self.lat = *lat;
                self.lon = *lon;
                self.sog = 0.0;
            }
            Mode::Anchored {
                lat,
                lon,
                until_ms,
                lane,
            } => {
                // Swinging round the anchor.
                let a = (t_ms / 1000) as f64 / 1800.0;
                let (la, lo) = destination(*lat, *lon, a.to_degrees().rem_euclid(360.0), 40.0);
                self.lat = la;
                self.lon = lo;
                self.sog = 0.1;
                self.cog = (a.to_degrees() + 90.0).rem_euclid(360.0);
                self.status = 1;
                if t_ms >= *until_ms {
                    if let Some((l, fwd)) = *lane {
                        let offset = self.rng.range(0.5, 2.5);
                        let mut wps = lane_route(l, fwd, offset);
                        // Each voyage ends at its own anchoring spot.
                        let n = wps.len();
                        let spot = destination(
                            wps[n - 1].0,
                            wps[n - 1].1,
                            self.rng.range(0.0, 360.0),
                            self.rng.range(0.0, 1800.0),
                        );
                        wps[n - 1] = spot;
                        self.mode = Mode::Route {
                            wps,
                            next: 1,
                            lane: l,
                            forward: fwd,
                        };
                        self.status = 0;
                        self.sog = self.cruise_kn;
                    }
                }
            }
            Mode::Route {
                wps,
                next,
                lane,
                forward,
                ..
            } => {
                self.sog = self.cruise_kn;
                self.status = 0;
                let mut d = self.sog * MPS_PER_KN * dt_s;
                while d > 0.0 {
                    if *next >= wps.len() {
                        // Arrived: anchor a few hours, then go back.
                        let hours = self.rng.range(3.0, 12.0);
                        let (l, f) = (*lane, !*forward);
                        self.mode = Mode::Anchored {
                            lat: self.lat,
                            lon: self.lon,
                            until_ms: t_ms + (hours * 3.6e6) as i64,
                            lane: Some((l, f)),
                        };
                        self.sog = 0.1;
                        self.status = 1;
                        return;
                    }
                    let w = wps[*next];
                    let (a, b, c, left) = step_toward(self.lat, self.lon, w.0, w.1, d);
                    self.lat = a;
                    self.lon = b;
                    if c.is_finite() && (a != w.0 || b != w.1 || left > 0.0) {
                        self.cog = c;
                    }
                    if left > 0.0 || (a == w.0 && b == w.1) {
                        *next += 1;
                    }
                    d = left;
                }
            }
            Mode::Fishing {
                c,
                radius_m,
                next_turn_ms,
            } => {
                if t_ms >= *next_turn_ms {
                    *next_turn_ms = t_ms + (self.rng.range(20.0, 90.0) * 60_000.0) as i64;
                    let home = initial_bearing_deg(self.lat, self.lon, c.0, c.1);
                    let far = distance_m(self.lat, self.lon, c.0, c.1) > *radius_m * 0.7;
                    self.cog = if far {
                        (home + self.rng.range(-40.0, 40.0)).rem_euclid(360.0)
                    } else {
                        self.rng.range(0.0, 360.0)
                    };
                    self.sog = self.cruise_kn * self.rng.range(0.8, 1.2);
                }
                let (a, b) =
                    destination(self.lat, self.lon, self.cog, self.sog * MPS_PER_KN * dt_s);
                if a.is_finite() {
                    self.lat = a;
                    self.lon = b;
                }
            }
            Mode::Patrol {
                corners,
                next,
                plan,
            } => {
                let mut moved = false;
                if let Some(p) = *plan {
                    let start_t = self.t_ms - (dt_s * 1000.0) as i64;
                    let mut target = destination(p.lat, p.lon, 0.0, 0.0);
                    if p.off != (0.0, 0.0) {
                        let brg = p.off.0.atan2(p.off.1).to_degrees();
                        target = destination(p.lat, p.lon, brg, p.off.0.hypot(p.off.1));
                    }
                    if t_ms >= p.from_ms && t_ms < p.until_ms {
                        // Together at the point, drifting.
                        let el = (t_ms - p.from_ms) as f64 / 1000.0;
                        let (la, lo) = destination(
                            target.0,
                            target.1,
                            p.drift_cog,
                            p.drift_kn * MPS_PER_KN * el,
                        );
                        let mut la = la;
                        let mut lo = lo;
                        if p.wander {
                            // A slow random walk around the drift line.
                            let w = (el / 1800.0).sin() * 300.0;
                            let (a, b) = destination(la, lo, p.drift_cog + 90.0, w);
                            la = a;
                            lo = b;
                        }
                        self.cog = p.drift_cog;
                        self.sog = p.drift_kn;
                        self.lat = la;
                        self.lon = lo;
                        moved = true;
                    } else if t_ms < p.from_ms {
                        let dist = distance_m(self.lat, self.lon, target.0, target.1);
                        // Time to get there, slowing down over the last
                        // two miles (early is fine: she waits there).
                        let ramp_kn = (0.3 * self.cruise_kn).max(1.5);
                        let need_s = dist / (self.cruise_kn * MPS_PER_KN)
                            + 2.0 * M_PER_NM / (ramp_kn * MPS_PER_KN);
                        if (p.from_ms - t_ms) as f64 / 1000.0 <= need_s + 120.0 {
                            let kn = if dist < 2.0 * M_PER_NM {
                                (self.cruise_kn * (dist - 0.2 * M_PER_NM) / (1.8 * M_PER_NM))
                                    .clamp(1.5, self.cruise_kn)
                            } else {
                                self.cruise_kn
                            };
                            let (a, b, c, _) = step_toward(
                                self.lat,
                                self.lon,
                                target.0,
                                target.1,
                                kn * MPS_PER_KN * dt_s,
                            );
                            self.lat = a;
                            self.lon = b;
                            if dist > 1.0 {
                                self.cog = c;
                            }
                            self.sog = if dist < 1.0 { 0.3 } else { kn };
                            moved = true;
                        }
                    } else if t_ms >= p.until_ms {
                        *plan = None;
                    }
                    let _ = start_t;
                }
                if !moved {
                    self.sog = self.cruise_kn;
                    let mut d = self.sog * MPS_PER_KN * dt_s;
                    let mut guard = 0;
                    while d > 0.0 && guard < 8 {
                        guard += 1;
                        let w = corners[*next];
                        let (a, b, c, left) = step_toward(self.lat, self.lon, w.0, w.1, d);
                        self.lat = a;
                        self.lon = b;
                        if c.is_finite() && (a != w.0 || b != w.1) {
                            self.cog = c;
                        }
                        if left > 0.0 || (a == w.0 && b == w.1) {
                            *next = (*next + 1) % 4;
                        }
                        d = left;
                    }
                }
            }
        }
        let _ = &mut dt_s;
    }

    fn interval_ms(&self, report_ms: i64) -> i64 {
        if self.sog < 2.0 || self.status == 1 || self.status == 5 {
            180_000.max(report_ms)
        } else {
            report_ms
        }
    }

    fn position(&self) -> AisMessage {
        let (lat, lon) = match self.spoof {
            Some((a, b, la, lo)) if self.t_ms >= a && self.t_ms < b => (la, lo),
            _ => (self.lat, self.lon),
        };
        BasicPosition {
            mmsi: self.mmsi,
            class_b: self.class_b,
            status: self.status,
            turn: Some(Turn::Rate(0)),
            sog_kn: Some((self.sog * 10.0).round() / 10.0),
            cog_deg: Some((self.cog * 10.0).round() / 10.0 % 360.0),
            heading_deg: Some(self.cog.round() as u16 % 360),
            lat_deg: lat,
            lon_deg: lon,
            second: ((self.t_ms / 1000).rem_euclid(60)) as u8,
            accuracy: true,
            radio: if self.class_b { 393222 } else { 0 },
        }
        .message()
    }

    fn statics(&self) -> Vec<AisMessage> {
        let l = self.length_m.clamp(1.0, 1000.0);
        let beam = (l / 7.0).clamp(4.0, 60.0);
        let dims = Dimensions {
            to_bow: (l * 0.7).round() as u16,
            to_stern: (l * 0.3).round() as u16,
            to_port: (beam * 0.5).round() as u8,
            to_starboard: (beam * 0.5).round() as u8,
        };
        if self.class_b {
            vec![
                AisMessage {
                    msg_type: 24,
                    repeat: 0,
                    mmsi: self.mmsi,
                    body: Body::StaticData(StaticDataReport::PartA {
                        shipname: Text::from_str_lossy(&self.name),
                    }),
                },
                AisMessage {
                    msg_type: 24,
                    repeat: 0,
                    mmsi: self.mmsi,
                    body: Body::StaticData(StaticDataReport::PartB(StaticPartB {
                        shiptype: self.ship_type,
                        vendor_id: Text::from_str_lossy("FIN"),
                        model: 1,
                        serial: self.mmsi % 1_000_000,
                        callsign: Text::from_str_lossy(""),
                        dimensions: dims,
                        mothership_mmsi: None,
                    })),
                },
            ]
        } else {
            vec![AisMessage {
                msg_type: 5,
                repeat: 0,
                mmsi: self.mmsi,
                body: Body::StaticVoyage(StaticVoyage {
                    ais_version: 2,
                    imo: 0,
                    callsign: Text::from_str_lossy(""),
                    shipname: Text::from_str_lossy(&self.name),
                    shiptype: self.ship_type,
                    dimensions: dims,
                    epfd: 1,
                    eta_month: 0,
                    eta_day: 0,
                    eta_hour: 24,
                    eta_minute: 60,
                    draught_m: Some((l / 25.0).clamp(1.0, 20.0).round()),
                    destination: Text::from_str_lossy(""),
                    dte: false,
                }),
            }]
        }
    }
}

/// Runs the fleet simulation, handing each NMEA line (no line ending) to
/// `sink` in time order; returns the truth.
pub fn simulate_fleet(cfg: &FleetConfig, sink: &mut dyn FnMut(&str)) -> Result<Truth, SimError> {
    let mut b = build(cfg)?;
    let end_ms = b.end_ms;
    let report_ms = b.report_ms;
    let static_ms = b.static_ms;
    // Events: (time, vessel, is_static).
    let mut heap: BinaryHeap<Reverse<(i64, u32, bool)>> =
        BinaryHeap::with_capacity(b.vessels.len() * 2);
    for (i, v) in b.vessels.iter().enumerate() {
        heap.push(Reverse((v.t_ms, i as u32, false)));
        heap.push(Reverse((v.next_static_ms, i as u32, true)));
    }
    let mut positions = 0u64;
    let mut statics = 0u64;
    let mut lines = 0u64;
    let station = Some(cfg.station.clone());
    while let Some(Reverse((t, i, is_static))) = heap.pop() {
        if t >= end_ms {
            continue;
        }
        let v = &mut b.vessels[i as usize];
        let silent = v.silent.is_some_and(|(a, z)| t >= a && t < z);
        let msgs = if is_static {
            heap.push(Reverse((t + static_ms, i, true)));
            if silent {
                continue;
            }
            statics += 1;
            v.statics()
        } else {
            v.advance(t);
            let jitter = (v.rng.next() % 5001) as i64 - 2500;
            let next = t + (v.interval_ms(report_ms) + jitter).max(1000);
            heap.push(Reverse((next, i, false)));
            if silent {
                continue;
            }
            positions += 1;
            vec![v.position()]
        };
        for m in &msgs {
            let opts = SentenceOptions {
                channel: Some(v.channel),
                sequence_id: v.seq,
                tag_time_s: Some(t.div_euclid(1000)),
                tag_source: station.clone(),
                ..Default::default()
            };
            v.channel = if v.channel == b'A' { b'B' } else { b'A' };
            if let Ok(ls) = encode_sentences(m, &opts) {
                if ls.len() > 1 {
                    v.seq = (v.seq + 1) % 10;
                }
                for l in &ls {
                    sink(l);
                    lines += 1;
                }
            }
        }
    }
    Ok(Truth {
        config: cfg.clone(),
        position_messages: positions,
        static_messages: statics,
        lines,
        planted: b.planted,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_in_time_order() {
        let cfg = FleetConfig {
            vessels: 60,
            hours: 2.0,
            seed: 7,
            ..FleetConfig::default()
        };
        let mut a = Vec::new();
        let ta = simulate_fleet(&cfg, &mut |l| a.push(l.to_string())).unwrap();
        let mut b2 = Vec::new();
        let tb = simulate_fleet(&cfg, &mut |l| b2.push(l.to_string())).unwrap();
        assert_eq!(a, b2);
        assert_eq!(ta, tb);
        let times: Vec<i64> = a
            .iter()
            .map(|l| {
                let c = &l[l.find("c:").unwrap() + 2..];
                c.split(['*', ',']).next().unwrap().parse::<i64>().unwrap()
            })
            .collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
        assert!(!ta.planted.is_empty());
    }

    #[test]
    fn lanes_are_routes_between_ports() {
        for (i, l) in LANES.iter().enumerate() {
            let r = lane_route(i, true, 1.0);
            assert_eq!(r.len(), l.via.len() + 4);
            assert!(route_length_m(&r) > 10_000.0, "{}", l.name);
            assert!(!lane_samples(i, 5000.0).is_empty());
        }
    }
}

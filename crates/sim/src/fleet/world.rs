//! The world the fleet sails in — ports (anchorages), the lanes between
//! them, fishing grounds, the open-sea centres of the planted behaviours —
//! the routes along the lanes, and the background traffic placed in it:
//! ships on the lanes, at anchor off the ports, fishing.

use finisterra_nav::geo::{destination, distance_m, initial_bearing_deg};

use super::{Builder, Mode, M_PER_NM};

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
pub(super) const INLAND: (f64, f64) = (40.45, -3.70);

pub(super) fn step_toward(
    lat: f64,
    lon: f64,
    tlat: f64,
    tlon: f64,
    d_m: f64,
) -> (f64, f64, f64, f64) {
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
pub(super) fn lane_route(lane: usize, forward: bool, offset_nm: f64) -> Vec<(f64, f64)> {
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

pub(super) fn route_length_m(wps: &[(f64, f64)]) -> f64 {
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

pub(super) fn square_around(c: (f64, f64), half_m: f64) -> [(f64, f64); 4] {
    let mut out = [(0.0, 0.0); 4];
    for (i, brg) in [45.0, 135.0, 225.0, 315.0].into_iter().enumerate() {
        out[i] = destination(c.0, c.1, brg, half_m * std::f64::consts::SQRT_2);
    }
    out
}

/// The lanes weighted by their length, so that background ships have the
/// same density per mile on every lane.
struct LaneWeights {
    /// Cumulative route length up to and including each lane, metres.
    cum_m: Vec<f64>,
    /// Total route length of all lanes, metres.
    total_m: f64,
}

impl LaneWeights {
    fn new() -> LaneWeights {
        let mut lane_cum = Vec::with_capacity(LANES.len());
        let mut lane_total = 0.0;
        for i in 0..LANES.len() {
            lane_total += route_length_m(&lane_route(i, true, 0.0));
            lane_cum.push(lane_total);
        }
        LaneWeights {
            cum_m: lane_cum,
            total_m: lane_total,
        }
    }
}

/// Fills the fleet up to `n` vessels with background traffic: 70 % on the
/// lanes, 18 % at anchor off a port, 12 % fishing.
pub(super) fn add_background(b: &mut Builder, n: usize) {
    let lanes = LaneWeights::new();
    while b.vessels.len() < n {
        let r = b.rng.f();
        let m = b.next_mmsi();
        if r < 0.70 {
            add_on_lane(b, m, &lanes);
        } else if r < 0.88 {
            add_at_anchor(b, m);
        } else {
            add_fishing(b, m);
        }
    }
}

/// A merchant ship somewhere along a lane, in either direction, bound for
/// its own anchoring spot off the port at the end.
fn add_on_lane(b: &mut Builder, m: u32, lanes: &LaneWeights) {
    // Lanes weighted by length: the same density of ships per mile.
    let x = b.rng.f() * lanes.total_m;
    let lane = lanes
        .cum_m
        .partition_point(|&c| c <= x)
        .min(LANES.len() - 1);
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
}

/// A merchant ship at anchor off a port (for the whole simulation).
fn add_at_anchor(b: &mut Builder, m: u32) {
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
}

/// A fishing vessel working one of the fishing grounds.
fn add_fishing(b: &mut Builder, m: u32) {
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

#[cfg(test)]
mod tests {
    use super::*;

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

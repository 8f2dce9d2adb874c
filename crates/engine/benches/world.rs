#![allow(dead_code)]
//! A synthetic world snapshot: vessels spread like world traffic (dense
//! straits and ports, shipping lanes, empty oceans). Shared by the
//! criterion bench and the `screen_world` example.

use finisterra_ais::{AisMessage, Body, PositionReport};

/// (name, lat, lon, radius_deg, share of the fleet, share at anchor/moored)
const CLUSTERS: &[(&str, f64, f64, f64, f64, f64)] = &[
    ("Singapore Strait", 1.2, 103.9, 0.45, 0.030, 0.5),
    ("Malacca Strait", 3.5, 100.5, 1.5, 0.020, 0.1),
    ("Shanghai / Yangtze", 31.2, 122.2, 1.0, 0.060, 0.5),
    ("Pearl River Delta", 22.2, 113.8, 0.6, 0.040, 0.5),
    ("Bohai / Tianjin", 38.8, 118.5, 1.0, 0.030, 0.4),
    ("Tokyo Bay", 35.4, 139.8, 0.4, 0.020, 0.5),
    ("Korea Strait", 34.8, 129.2, 0.8, 0.020, 0.2),
    ("Dover Strait", 51.0, 1.5, 0.4, 0.015, 0.1),
    ("Rotterdam approaches", 52.0, 3.8, 0.5, 0.020, 0.4),
    ("German Bight", 54.0, 7.5, 0.8, 0.015, 0.3),
    ("Gibraltar", 36.0, -5.5, 0.4, 0.012, 0.3),
    ("Bosphorus", 41.1, 29.0, 0.3, 0.010, 0.5),
    ("Suez / Port Said", 30.5, 32.4, 0.8, 0.010, 0.6),
    ("Persian Gulf", 26.5, 52.5, 2.0, 0.040, 0.4),
    ("Houston / Gulf", 29.3, -94.5, 1.0, 0.020, 0.5),
    ("New York", 40.5, -73.9, 0.4, 0.010, 0.5),
    ("Panama", 9.0, -79.6, 0.6, 0.010, 0.6),
    ("Santos", -24.0, -46.3, 0.5, 0.010, 0.6),
    ("Baltic", 57.0, 19.0, 3.0, 0.030, 0.1),
    ("Mediterranean coast", 40.0, 10.0, 5.0, 0.050, 0.2),
    ("Norwegian coast", 62.0, 5.0, 3.0, 0.020, 0.2),
    ("Indonesia", -6.0, 110.0, 4.0, 0.040, 0.3),
    ("Japan coast", 34.0, 135.0, 2.0, 0.030, 0.3),
];

/// Ocean lanes: (lat0, lon0, lat1, lon1, share).
const LANES: &[(f64, f64, f64, f64, f64)] = &[
    (1.0, 104.5, 6.0, 80.0, 0.05),
    (6.0, 80.0, 12.5, 44.0, 0.05),
    (12.5, 44.0, 30.0, 32.5, 0.03),
    (36.0, -5.5, 49.5, -5.0, 0.05),
    (49.5, -5.0, 40.5, -70.0, 0.05),
    (30.0, 122.0, 35.0, -125.0, 0.04),
    (35.0, 140.0, 48.0, -125.0, 0.03),
    (-34.0, 18.5, -24.0, -46.0, 0.02),
    (1.0, 104.5, 22.0, 114.0, 0.04),
    (9.0, -79.5, 30.0, -90.0, 0.02),
];

/// A small deterministic generator (xorshift64*).
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (0 is replaced by 1).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }
    /// Uniform in [0, 1).
    pub fn next_f64(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next_f64()
    }
}

fn report(mmsi: u32, lat: f64, lon: f64, sog: f64, cog: f64, status: u8) -> AisMessage {
    AisMessage {
        msg_type: 1,
        repeat: 0,
        mmsi,
        body: Body::Position(PositionReport {
            status,
            turn: None,
            sog_kn: Some(sog),
            accuracy: true,
            lon_deg: Some(lon),
            lat_deg: Some(lat),
            cog_deg: Some(cog),
            heading_deg: Some(cog as u16 % 360),
            second: 0,
            maneuver: 0,
            raim: false,
            radio: 0,
        }),
    }
}

/// `n` position reports spread like world traffic: clusters in straits
/// and ports (part at anchor), lanes across the oceans, the rest scattered
/// over open sea.
pub fn world(n: usize, seed: u64) -> Vec<AisMessage> {
    let mut rng = Rng::new(seed);
    let mut out = Vec::with_capacity(n);
    let mut mmsi = 200_000_000u32;
    let cluster_share: f64 = CLUSTERS.iter().map(|c| c.4).sum();
    let lane_share: f64 = LANES.iter().map(|l| l.4).sum();
    // Clusters hold 40 % of the fleet (ports, anchorages, approaches),
    // mostly stationary; lanes 35 %; the rest is scattered over open sea.
    let cluster_scale = 0.40 / cluster_share;
    let lane_scale = 0.35 / lane_share;
    for c in CLUSTERS {
        let k = (n as f64 * c.4 * cluster_scale) as usize;
        for _ in 0..k {
            mmsi += 1;
            let r = c.3 * rng.next_f64().sqrt();
            let a = rng.range(0.0, std::f64::consts::TAU);
            let lat = c.1 + r * a.sin();
            let lon = c.2 + r * a.cos() / c.1.to_radians().cos();
            if rng.next_f64() < 0.6 + 0.4 * c.5 {
                let status = if rng.next_f64() < 0.5 { 1 } else { 5 };
                out.push(report(
                    mmsi,
                    lat,
                    lon,
                    rng.range(0.0, 0.3),
                    rng.range(0.0, 360.0),
                    status,
                ));
            } else {
                // Traffic in straits and approaches follows the fairway, in
                // a traffic separation scheme: each direction in its own
                // lane 1-4 NM off the centre line; a few cross it (ferries,
                // pilots).
                let axis = (c.1 * 37.0 + c.2 * 11.0).rem_euclid(180.0);
                let crossing = rng.next_f64() < 0.05;
                let back = rng.next_f64() < 0.5;
                let cog = if crossing {
                    rng.range(0.0, 360.0)
                } else {
                    (axis + if back { 180.0 } else { 0.0 } + rng.range(-3.0, 3.0)).rem_euclid(360.0)
                };
                let (lat, lon) = if crossing {
                    (lat, lon)
                } else {
                    let along = rng.range(-c.3, c.3);
                    let side = if back { -1.0 } else { 1.0 };
                    let off = side * rng.range(1.0, 4.0) / 60.0;
                    let (sa, ca) = axis.to_radians().sin_cos();
                    let cl = c.1.to_radians().cos();
                    (
                        c.1 + along * ca - off * sa,
                        c.2 + (along * sa + off * ca) / cl,
                    )
                };
                out.push(report(mmsi, lat, lon, rng.range(6.0, 16.0), cog, 0));
            }
        }
    }
    for l in LANES {
        let k = (n as f64 * l.4 * lane_scale) as usize;
        let course = {
            let dlat = l.2 - l.0;
            let dlon = l.3 - l.1;
            dlon.atan2(dlat).to_degrees().rem_euclid(360.0)
        };
        for _ in 0..k {
            mmsi += 1;
            let f = rng.next_f64();
            let back = rng.next_f64() < 0.5;
            // Each direction keeps to its own side of the route, 3-20 NM
            // off the centre line (routeing practice on ocean passages).
            let side = if back { -1.0 } else { 1.0 };
            let off = side * rng.range(3.0, 20.0) / 60.0;
            let (sa, ca) = course.to_radians().sin_cos();
            let lat = l.0 + (l.2 - l.0) * f - off * sa;
            let lon = l.1 + (l.3 - l.1) * f + off * ca / lat.to_radians().cos().max(0.2);
            let cog =
                (course + if back { 180.0 } else { 0.0 } + rng.range(-2.0, 2.0)).rem_euclid(360.0);
            out.push(report(mmsi, lat, lon, rng.range(10.0, 22.0), cog, 0));
        }
    }
    let rest = n.saturating_sub(out.len());
    for _ in 0..rest {
        mmsi += 1;
        let lat = rng.range(-55.0, 65.0);
        let lon = rng.range(-180.0, 180.0);
        out.push(report(
            mmsi,
            lat,
            lon,
            rng.range(6.0, 20.0),
            rng.range(0.0, 360.0),
            0,
        ));
    }
    out
}

//! Per-vessel state: the accepted fixes the detectors work on.

use std::collections::VecDeque;

/// An accepted position with its motion as reported.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Fix {
    pub t: i64,
    pub lat: f64,
    pub lon: f64,
    /// Speed over ground, knots (NaN when not reported).
    pub sog: f32,
    /// Course over ground, degrees (NaN when not reported).
    pub cog: f32,
    /// True heading, degrees (NaN when not reported).
    pub heading: f32,
    /// Rate of turn, degrees per minute (NaN when not reported).
    pub rot: f32,
    /// Navigational status (255 when not reported).
    pub status: u8,
    /// Under way for the near-miss rule.
    pub underway: bool,
}

impl Fix {
    /// Course to use for the vessel's orientation: heading, else course.
    pub fn heading_or_cog(&self) -> f32 {
        if self.heading.is_finite() {
            self.heading
        } else {
            self.cog
        }
    }
}

/// An open run of slow resampled positions of one vessel.
#[derive(Debug, Clone)]
pub(crate) struct LoiterRun {
    pub first_k: i64,
    pub last_k: i64,
    pub n: u32,
    pub sum_speed: f64,
    pub max_speed: f64,
    pub lat0: f64,
    pub lon0: f64,
    pub sum_dlat: f64,
    pub sum_dlon: f64,
    pub distance_m: f64,
}

/// An open spoofing episode of one vessel.
#[derive(Debug, Clone)]
pub(crate) struct Episode {
    pub start_ms: i64,
    pub end_ms: i64,
    pub lat: f64,
    pub lon: f64,
    pub other: Option<(f64, f64)>,
    pub positions: u32,
    pub rejected: u32,
    pub conflicts: u32,
    pub max_jump_m: f64,
    pub max_speed_kn: f64,
    pub max_inland_m: f64,
    pub reacquired: u32,
    pub detail: &'static str,
    /// `on_land` only: its positions grouped by water cell, judged against
    /// the water the traffic showed when the episode ends.
    pub land_cells: Vec<LandCell>,
}

/// The positions of an `on_land` episode in one cell of
/// [`crate::water::TrafficWater`].
#[derive(Debug, Clone)]
pub(crate) struct LandCell {
    pub key: u64,
    /// The first position in the cell.
    pub lat: f64,
    pub lon: f64,
    pub first_ms: i64,
    pub last_ms: i64,
    pub positions: u32,
    pub max_inland_m: f64,
}

impl Episode {
    pub fn new(t: i64, lat: f64, lon: f64, detail: &'static str) -> Episode {
        Episode {
            start_ms: t,
            end_ms: t,
            lat,
            lon,
            other: None,
            positions: 0,
            rejected: 0,
            conflicts: 0,
            max_jump_m: f64::NAN,
            max_speed_kn: f64::NAN,
            max_inland_m: f64::NAN,
            reacquired: 0,
            detail,
            land_cells: Vec::new(),
        }
    }
}

/// Hourly position counts over the last 48 clock hours.
#[derive(Debug, Clone)]
pub(crate) struct Hourly {
    counts: [u16; 48],
    /// Hour index (ms / 3.6e6) of the newest bucket.
    newest: i64,
}

impl Hourly {
    pub fn new() -> Hourly {
        Hourly {
            counts: [0; 48],
            newest: i64::MIN,
        }
    }

    pub fn add(&mut self, t_ms: i64) {
        let h = t_ms.div_euclid(3_600_000);
        if self.newest == i64::MIN || h - self.newest >= 48 {
            self.counts = [0; 48];
            self.newest = h;
        } else if h > self.newest {
            for k in self.newest + 1..=h {
                self.counts[k.rem_euclid(48) as usize] = 0;
            }
            self.newest = h;
        } else if self.newest - h >= 48 {
            return;
        }
        let c = &mut self.counts[h.rem_euclid(48) as usize];
        *c = c.saturating_add(1);
    }

    /// Positions in the `hours` clock hours up to and including the hour
    /// of `t_ms`.
    pub fn count_before(&self, t_ms: i64, hours: i64) -> u32 {
        if self.newest == i64::MIN {
            return 0;
        }
        let h = t_ms.div_euclid(3_600_000);
        let mut n = 0u32;
        for k in (h - hours + 1)..=h {
            if k <= self.newest && self.newest - k < 48 {
                n += self.counts[k.rem_euclid(48) as usize] as u32;
            }
        }
        n
    }
}

/// Everything the census keeps about one MMSI.
#[derive(Debug, Clone)]
pub(crate) struct Track {
    pub mmsi: u32,
    pub name: Option<String>,
    pub ship_type: Option<u8>,
    pub length_m: Option<f64>,
    /// Last accepted fix.
    pub last: Option<Fix>,
    /// The accepted fix before it (same track: not across a jump).
    pub prev_fix: Option<Fix>,
    /// Time of the newest history sample.
    pub history_t: i64,
    /// Largest rate of turn since it (NaN: none reported).
    pub history_rot: f32,
    pub hourly: Hourly,
    /// Recent fixes for interpolation between pairs.
    pub ring: VecDeque<Fix>,
    /// About a minute apart over the last twenty minutes (manoeuvres and
    /// drawn tracks of near misses).
    pub history: VecDeque<crate::nearmiss::Sample>,
    /// Grid cell key while under way (`u64::MAX`: not in the grid).
    pub cell: u64,
    /// What the grid entry holds: (time, velocity east, north in m/s).
    pub grid_entry: (i64, f32, f32),
    pub last_scan_ms: i64,
    /// Open near-miss pairs: (partner slot, pair id).
    pub partners: Vec<(u32, u32)>,
    /// Last resampled point: (tick index, lat, lon).
    pub tick_prev: Option<(i64, f64, f64)>,
    pub loiter: Option<Box<LoiterRun>>,
    pub teleport: Option<Box<Episode>>,
    pub on_land: Option<Box<Episode>>,
    pub speed: Option<Box<Episode>>,
    pub invalid: Option<Box<Episode>>,
    /// Anchor of the speed check: (t, lat, lon).
    pub speed_anchor: Option<(i64, f64, f64)>,
    /// Last position checked against land: (lat, lon).
    pub land_checked: Option<(f64, f64)>,
    /// Slot is free (vessel forgotten).
    pub free: bool,
}

impl Track {
    pub fn new(mmsi: u32) -> Track {
        Track {
            mmsi,
            name: None,
            ship_type: None,
            length_m: None,
            last: None,
            prev_fix: None,
            history_t: i64::MIN,
            history_rot: f32::NAN,
            hourly: Hourly::new(),
            ring: VecDeque::new(),
            history: VecDeque::new(),
            cell: u64::MAX,
            grid_entry: (i64::MIN, f32::NAN, f32::NAN),
            last_scan_ms: i64::MIN,
            partners: Vec::new(),
            tick_prev: None,
            loiter: None,
            teleport: None,
            on_land: None,
            speed: None,
            invalid: None,
            speed_anchor: None,
            land_checked: None,
            free: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hourly_counts_roll() {
        let mut h = Hourly::new();
        let hr = 3_600_000;
        for k in 0..60 {
            h.add(k * hr + 10);
            h.add(k * hr + 20);
        }
        assert_eq!(h.count_before(59 * hr, 12), 24);
        assert_eq!(h.count_before(59 * hr, 48), 96);
        // Far later: nothing left in the window.
        h.add(500 * hr);
        assert_eq!(h.count_before(500 * hr, 48), 1);
    }
}

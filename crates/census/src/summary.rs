//! Counts of the findings by kind, month and 1° cell, the closest near
//! misses with their tracks, and a bounded sample of positions for the map.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::finding::{Finding, Kind, NearMiss};
use crate::nearmiss::NearMissTracks;
use crate::util::{day_key, month_key};

/// Positions kept per kind for the map (beyond, every other one is
/// dropped, deterministically).
const POINTS_MAX: usize = 20_000;

/// A near miss kept for the report with its two tracks.
#[derive(Debug, Clone)]
pub struct TopNearMiss {
    /// The finding.
    pub row: NearMiss,
    /// The tracks around it.
    pub tracks: NearMissTracks,
}

/// One position of the map sample: (lat, lon, end lat, end lon) — the end
/// only for gaps (where the vessel reappeared).
pub type MapPoint = (f32, f32, f32, f32);

#[derive(Debug, Clone, Default)]
struct Sample {
    stride: u64,
    seen: u64,
    points: Vec<MapPoint>,
}

impl Sample {
    fn add(&mut self, p: MapPoint) {
        if self.stride == 0 {
            self.stride = 1;
        }
        if self.seen % self.stride == 0 {
            self.points.push(p);
            if self.points.len() >= POINTS_MAX {
                let kept: Vec<MapPoint> = self.points.iter().copied().step_by(2).collect();
                self.points = kept;
                self.stride *= 2;
            }
        }
        self.seen += 1;
    }
}

/// Running summary of the findings.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// Findings by kind.
    pub counts: BTreeMap<&'static str, u64>,
    /// Findings by kind and month (`YYYY-MM`, of the start).
    pub by_month: BTreeMap<&'static str, BTreeMap<String, u64>>,
    /// Findings by kind and 1° cell (`lat,lon` of the cell's south-west
    /// corner, of the representative position).
    pub by_cell: BTreeMap<&'static str, BTreeMap<String, u64>>,
    /// Findings by day (`YYYY-MM-DD`) and kind.
    pub by_day: BTreeMap<String, BTreeMap<&'static str, u64>>,
    /// Findings by hour (hours since the epoch) and kind.
    #[serde(skip)]
    pub by_hour: BTreeMap<i64, BTreeMap<&'static str, u64>>,
    /// Near misses by distance band.
    pub near_miss_bands: BTreeMap<&'static str, u64>,
    /// Near misses by encounter type at the start.
    pub near_miss_encounters: BTreeMap<&'static str, u64>,
    /// Near misses where either vessel manoeuvred before the closest point.
    pub near_miss_with_manoeuvre: u64,
    /// Spoofing findings by sub-kind.
    pub spoofing_kinds: BTreeMap<&'static str, u64>,
    #[serde(skip)]
    top: Vec<TopNearMiss>,
    #[serde(skip)]
    top_n: usize,
    #[serde(skip)]
    samples: BTreeMap<Kind, Sample>,
}

impl Default for Summary {
    fn default() -> Self {
        Summary::new(12)
    }
}

impl Summary {
    /// An empty summary keeping the `top_n` closest near misses.
    pub fn new(top_n: usize) -> Summary {
        let mut counts = BTreeMap::new();
        for k in Kind::ALL {
            counts.insert(k.name(), 0);
        }
        Summary {
            counts,
            by_month: BTreeMap::new(),
            by_cell: BTreeMap::new(),
            by_day: BTreeMap::new(),
            by_hour: BTreeMap::new(),
            near_miss_bands: BTreeMap::new(),
            near_miss_encounters: BTreeMap::new(),
            near_miss_with_manoeuvre: 0,
            spoofing_kinds: BTreeMap::new(),
            top: Vec::new(),
            top_n,
            samples: BTreeMap::new(),
        }
    }

    /// Counts one finding.
    pub fn add(&mut self, f: &Finding) {
        let k = f.kind();
        let name = k.name();
        *self.counts.entry(name).or_default() += 1;
        let t = f.start_ms();
        *self
            .by_month
            .entry(name)
            .or_default()
            .entry(month_key(t))
            .or_default() += 1;
        let (lat, lon) = f.position();
        if lat.is_finite() && lon.is_finite() {
            let cell = format!("{},{}", lat.floor() as i32, lon.floor() as i32);
            *self
                .by_cell
                .entry(name)
                .or_default()
                .entry(cell)
                .or_default() += 1;
            let end = match f {
                Finding::Gap(g) => (g.end_lat as f32, g.end_lon as f32),
                _ => (f32::NAN, f32::NAN),
            };
            self.samples
                .entry(k)
                .or_default()
                .add((lat as f32, lon as f32, end.0, end.1));
        }
        *self
            .by_day
            .entry(day_key(t))
            .or_default()
            .entry(name)
            .or_default() += 1;
        *self
            .by_hour
            .entry(t.div_euclid(3_600_000))
            .or_default()
            .entry(name)
            .or_default() += 1;
        match f {
            Finding::NearMiss(r, tracks) => {
                *self.near_miss_bands.entry(r.band).or_default() += 1;
                *self.near_miss_encounters.entry(r.encounter).or_default() += 1;
                if r.manoeuvre_a || r.manoeuvre_b {
                    self.near_miss_with_manoeuvre += 1;
                }
                self.keep_top(r, tracks);
            }
            Finding::Spoofing(s) => *self.spoofing_kinds.entry(s.kind).or_default() += 1,
            _ => {}
        }
    }

    fn keep_top(&mut self, r: &NearMiss, tracks: &NearMissTracks) {
        let key = |x: &NearMiss| (x.min_distance_m, x.cpa_time.0, x.mmsi_a, x.mmsi_b);
        let worse = |a: &NearMiss, b: &NearMiss| {
            key(a).partial_cmp(&key(b)) == Some(std::cmp::Ordering::Greater)
        };
        if self.top.len() >= self.top_n {
            match self.top.last() {
                Some(last) if worse(r, &last.row) => return,
                None => return,
                _ => {}
            }
        }
        let pos = self.top.partition_point(|x| !worse(&x.row, r));
        self.top.insert(
            pos,
            TopNearMiss {
                row: r.clone(),
                tracks: tracks.clone(),
            },
        );
        self.top.truncate(self.top_n);
    }

    /// The closest near misses, closest first.
    pub fn top_near_misses(&self) -> &[TopNearMiss] {
        &self.top
    }

    /// The sampled positions of a kind.
    pub fn points(&self, k: Kind) -> &[MapPoint] {
        self.samples.get(&k).map_or(&[], |s| &s.points)
    }

    /// Total findings.
    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }
}

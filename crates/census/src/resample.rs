//! Encounters and loitering, Global Fishing Watch style: every track is
//! resampled on a fixed grid of times (10 minutes by default),
//! interpolating across gaps of up to an hour; speeds are the speed made
//! good between resampled positions.
//!
//! A resampled instant is complete once data time has passed it by the
//! interpolation limit (no later fix can fill it in); then every pair of
//! slow vessels within the encounter distance extends (or starts) a run.
//! Runs that miss an instant end and are judged: duration, median speeds,
//! distance from the coast of the mean position.

use std::collections::VecDeque;

use finisterra_geofence::Land;

use crate::config::CensusConfig;
use crate::finding::{Encounter, Finding, Loitering, TimeMs};
use crate::pairs::{shore_class, OpenRun, PairLog, PairRow};
use crate::track::{LoiterRun, Track};
use crate::util::{dlon_deg, quick_distance_m, round, FastMap, MPS_PER_KN, M_PER_NM};

/// A resampled position.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TickPoint {
    pub slot: u32,
    pub lat: f64,
    pub lon: f64,
    /// Speed made good since the previous resampled position (or reported
    /// speed for the first one), knots.
    pub speed_kn: f32,
}

#[derive(Debug, Clone)]
pub(crate) struct Run {
    first_k: i64,
    last_k: i64,
    n: u32,
    lat0: f64,
    lon0: f64,
    sum_dlat: f64,
    sum_dlon: f64,
    min_dist_m: f32,
    dist_m: Hist,
    speed_a: Hist,
    speed_b: Hist,
    /// Points where each vessel was below the median-speed limit (the
    /// median is below it when more than half are).
    slow_a: u32,
    slow_b: u32,
}

/// The speed above which a resampled position cannot take part in an
/// encounter whose median speed limit is `max_median_sog_kn` (a run's
/// median is judged on positions kept below this cap).
pub(crate) fn speed_cap_kn(max_median_sog_kn: f64) -> f64 {
    (2.0 * max_median_sog_kn).max(max_median_sog_kn + 2.0)
}

/// The open encounter runs, by pair key: vessel slots in a census, MMSIs
/// in a rerun from a pair index ([`crate::pairs`]); the vessel with the
/// lower MMSI first either way. One home for how a run grows and ends.
pub(crate) struct EncounterRuns {
    /// Boxed: a run's histograms are 1.5 KB, the map moves only pointers.
    runs: FastMap<(u32, u32), Box<Run>>,
    max_distance_m: f32,
    max_median_sog_kn: f64,
    speed_cap_kn: f32,
}

impl EncounterRuns {
    pub fn new(cfg: &CensusConfig) -> EncounterRuns {
        let ec = cfg.encounter;
        EncounterRuns {
            runs: FastMap::default(),
            max_distance_m: ec.max_distance_m as f32,
            max_median_sog_kn: ec.max_median_sog_kn,
            speed_cap_kn: speed_cap_kn(ec.max_median_sog_kn) as f32,
        }
    }

    /// The pair `key` is within the distance at instant `k`, at distance
    /// `d` (m), with its two resampled positions (lat, lon, speed kn).
    pub fn extend(
        &mut self,
        k: i64,
        key: (u32, u32),
        d: f32,
        (alat, alon, sa): (f64, f64, f32),
        (blat, blon, sb): (f64, f64, f32),
    ) {
        let mlat = (alat + blat) * 0.5;
        let mlon = alon + dlon_deg(alon, blon) * 0.5;
        let (dist_max, cap) = (self.max_distance_m, self.speed_cap_kn);
        let run = self.runs.entry(key).or_insert_with(|| {
            Box::new(Run {
                first_k: k,
                last_k: k - 1,
                n: 0,
                lat0: mlat,
                lon0: mlon,
                sum_dlat: 0.0,
                sum_dlon: 0.0,
                min_dist_m: f32::INFINITY,
                dist_m: Hist::new(dist_max),
                speed_a: Hist::new(cap),
                speed_b: Hist::new(cap),
                slow_a: 0,
                slow_b: 0,
            })
        });
        run.last_k = k;
        run.n += 1;
        run.sum_dlat += mlat - run.lat0;
        run.sum_dlon += dlon_deg(run.lon0, mlon);
        run.min_dist_m = run.min_dist_m.min(d);
        run.dist_m.add(d);
        run.speed_a.add(sa);
        run.speed_b.add(sb);
        run.slow_a += u32::from((sa as f64) < self.max_median_sog_kn);
        run.slow_b += u32::from((sb as f64) < self.max_median_sog_kn);
    }

    fn take(&mut self, mut keys: Vec<(u32, u32)>) -> Vec<((u32, u32), Box<Run>)> {
        keys.sort_unstable();
        keys.into_iter()
            .filter_map(|key| self.runs.remove(&key).map(|r| (key, r)))
            .collect()
    }

    /// Removes the runs that missed instant `k`, in key order.
    pub fn take_ended(&mut self, k: i64) -> Vec<((u32, u32), Box<Run>)> {
        let keys = self
            .runs
            .iter()
            .filter(|(_, r)| r.last_k < k)
            .map(|(key, _)| *key)
            .collect();
        self.take(keys)
    }

    /// Removes the runs `id` takes part in, in key order.
    pub fn take_of(&mut self, id: u32) -> Vec<((u32, u32), Box<Run>)> {
        let keys = self
            .runs
            .keys()
            .filter(|&&(a, b)| a == id || b == id)
            .copied()
            .collect();
        self.take(keys)
    }

    /// Removes every run, in key order.
    pub fn take_all(&mut self) -> Vec<((u32, u32), Box<Run>)> {
        let keys = self.runs.keys().copied().collect();
        self.take(keys)
    }
}

/// Counts in fixed bins: medians in bounded memory, however long a run
/// lasts (two ships moored side by side for a month included).
#[derive(Debug, Clone)]
struct Hist {
    width: f32,
    n: u32,
    counts: [u32; HIST_BINS],
}

const HIST_BINS: usize = 128;

impl Hist {
    fn new(max: f32) -> Hist {
        Hist {
            width: (max / (HIST_BINS as f32 - 1.0)).max(1e-6),
            n: 0,
            counts: [0; HIST_BINS],
        }
    }

    fn add(&mut self, v: f32) {
        let i = if v.is_nan() {
            HIST_BINS - 1
        } else {
            ((v / self.width).floor().max(0.0) as usize).min(HIST_BINS - 1)
        };
        self.counts[i] += 1;
        self.n += 1;
    }

    /// Value of the `k`-th smallest (0-based), at its bin's centre.
    fn nth(&self, k: u32) -> f64 {
        let mut seen = 0u32;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen > k {
                return (i as f64 + 0.5) * self.width as f64;
            }
        }
        f64::NAN
    }

    fn median(&self) -> f64 {
        if self.n == 0 {
            return f64::NAN;
        }
        if self.n % 2 == 1 {
            self.nth(self.n / 2)
        } else {
            (self.nth(self.n / 2 - 1) + self.nth(self.n / 2)) * 0.5
        }
    }
}

/// Counters of the resampling detectors.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ResampleStats {
    /// Resampled positions made.
    pub points: u64,
    /// Resampled positions that came after their instant was complete
    /// (input later than the reorder window): not used.
    pub late_points: u64,
    /// Instants completed.
    pub instants: u64,
    /// Pairs seen within the encounter distance (summed over instants).
    pub close_pairs: u64,
}

pub(crate) struct Resampler {
    cfg: CensusConfig,
    res_ms: i64,
    max_gap_ms: i64,
    /// Open instants, oldest first: (tick index, points).
    buckets: VecDeque<(i64, Vec<TickPoint>)>,
    /// Highest completed tick.
    done_k: i64,
    runs: EncounterRuns,
    /// What a pair index keeps ([`crate::pairs`]), when one is built.
    pub log: Option<Box<PairLog>>,
    pub stats: ResampleStats,
    scratch: Vec<(i64, f64, usize)>,
}

impl Resampler {
    pub fn new(cfg: CensusConfig) -> Resampler {
        Resampler {
            res_ms: (cfg.resample_s * 1000.0) as i64,
            max_gap_ms: (cfg.resample_max_gap_s * 1000.0) as i64,
            cfg,
            buckets: VecDeque::new(),
            done_k: i64::MIN,
            runs: EncounterRuns::new(&cfg),
            log: None,
            stats: ResampleStats::default(),
            scratch: Vec::new(),
        }
    }

    /// Resampled positions of the piece of track from `prev` to `cur`
    /// (`prev` None for the first fix of a track).
    #[allow(clippy::too_many_arguments)]
    pub fn on_piece(
        &mut self,
        tracks: &mut [Track],
        slot: u32,
        prev: Option<(i64, f64, f64, f32)>,
        cur: (i64, f64, f64, f32),
        land: &Land,
        out: &mut Vec<Finding>,
    ) {
        let res = self.res_ms;
        let (t1, lat1, lon1, sog1) = cur;
        let (k_lo, k_hi) = match prev {
            Some((t0, ..)) if t1 - t0 <= self.max_gap_ms && t1 > t0 => {
                (t0.div_euclid(res) + 1, t1.div_euclid(res))
            }
            _ => {
                if t1.rem_euclid(res) == 0 {
                    (t1 / res, t1 / res)
                } else {
                    (1, 0)
                }
            }
        };
        for k in k_lo..=k_hi {
            let tk = k * res;
            let (lat, lon) = match prev {
                Some((t0, lat0, lon0, _)) if t1 > t0 => crate::util::lerp_pos(
                    lat0,
                    lon0,
                    lat1,
                    lon1,
                    (tk - t0) as f64 / (t1 - t0) as f64,
                ),
                _ => (lat1, lon1),
            };
            let tr = &mut tracks[slot as usize];
            let speed = match tr.tick_prev {
                Some((pk, plat, plon)) if pk == k - 1 => {
                    (quick_distance_m(plat, plon, lat, lon) / (res as f64 / 1000.0) / MPS_PER_KN)
                        as f32
                }
                _ => {
                    let s0 = prev.map_or(f32::NAN, |p| p.3);
                    if s0.is_finite() && sog1.is_finite() {
                        (s0 + sog1) * 0.5
                    } else if sog1.is_finite() {
                        sog1
                    } else if let Some((t0, lat0, lon0, _)) = prev.filter(|p| t1 > p.0) {
                        (quick_distance_m(lat0, lon0, lat1, lon1)
                            / ((t1 - t0) as f64 / 1000.0)
                            / MPS_PER_KN) as f32
                    } else {
                        f32::NAN
                    }
                }
            };
            let step_m = match tr.tick_prev {
                Some((pk, plat, plon)) if pk == k - 1 => quick_distance_m(plat, plon, lat, lon),
                _ => 0.0,
            };
            let contiguous = tr.tick_prev.is_some_and(|(pk, ..)| pk == k - 1);
            tr.tick_prev = Some((k, lat, lon));
            self.stats.points += 1;
            if self.cfg.detectors.loitering {
                let s = LoiterSample {
                    k,
                    lat,
                    lon,
                    speed_kn: speed,
                    step_m,
                    contiguous,
                };
                self.loiter(&mut tracks[slot as usize], s, land, out);
            }
            if !self.cfg.detectors.encounters {
                continue;
            }
            if k <= self.done_k {
                self.stats.late_points += 1;
                continue;
            }
            let tp = TickPoint {
                slot,
                lat,
                lon,
                speed_kn: speed,
            };
            // Buckets are few (interpolation limit / resampling period).
            match self.buckets.iter_mut().find(|b| b.0 == k) {
                Some(b) => b.1.push(tp),
                None => {
                    let pos = self.buckets.partition_point(|b| b.0 < k);
                    self.buckets.insert(pos, (k, vec![tp]));
                }
            }
        }
    }

    fn loiter(&mut self, tr: &mut Track, s: LoiterSample, land: &Land, out: &mut Vec<Finding>) {
        if let Some(log) = self.log.as_deref_mut() {
            // Every sample slow at the index's speed, and where a run
            // ends without one (a faster sample).
            if s.slow(self.cfg.loitering.max_sog_kn) {
                log.log_loiter(tr.mmsi, Some(s));
            } else if tr.loiter.is_some() {
                log.log_loiter(tr.mmsi, None);
            }
        }
        if let Some(r) = loiter_step(&mut tr.loiter, &s, self.cfg.loitering.max_sog_kn) {
            if let Some(f) = judge_loiter(&r, tr, &self.cfg, self.res_ms, land) {
                out.push(Finding::Loitering(f));
            }
        }
    }

    /// Completes every instant that no later fix can fill in.
    pub fn advance(
        &mut self,
        tracks: &mut [Track],
        now_ms: i64,
        land: &Land,
        out: &mut Vec<Finding>,
    ) {
        while let Some(&(k, _)) = self.buckets.front() {
            if k * self.res_ms + self.max_gap_ms >= now_ms {
                break;
            }
            let (k, pts) = self.buckets.pop_front().expect("present");
            self.complete(tracks, k, pts, land, out);
        }
    }

    /// Loitering runs of vessels that stopped reporting.
    pub fn sweep_loiter(
        &mut self,
        tracks: &mut [Track],
        now_ms: i64,
        land: &Land,
        out: &mut Vec<Finding>,
    ) {
        for tr in tracks.iter_mut() {
            let stale = tr
                .loiter
                .as_ref()
                .is_some_and(|r| (r.last_k + 1) * self.res_ms + self.max_gap_ms < now_ms);
            if stale {
                let r = tr.loiter.take().expect("checked");
                if let Some(log) = self.log.as_deref_mut() {
                    log.log_loiter(tr.mmsi, None);
                }
                if let Some(f) = judge_loiter(&r, tr, &self.cfg, self.res_ms, land) {
                    out.push(Finding::Loitering(f));
                }
            }
        }
    }

    /// Closes a vessel's loitering run (forgotten vessel, end of data).
    pub fn end_loiter(&mut self, tr: &mut Track, land: &Land, out: &mut Vec<Finding>) {
        if let Some(r) = tr.loiter.take() {
            if let Some(f) = judge_loiter(&r, tr, &self.cfg, self.res_ms, land) {
                out.push(Finding::Loitering(f));
            }
        }
    }

    fn complete(
        &mut self,
        tracks: &mut [Track],
        k: i64,
        mut pts: Vec<TickPoint>,
        land: &Land,
        out: &mut Vec<Finding>,
    ) {
        self.stats.instants += 1;
        self.done_k = self.done_k.max(k);
        if let Some(log) = self.log.as_mut() {
            log.instants.push((k * self.res_ms, log.msg));
        }
        let ec = self.cfg.encounter;
        let speed_cap = speed_cap_kn(ec.max_median_sog_kn);
        // Unknown speeds stay (NaN compares false).
        pts.retain(|p| p.speed_kn.is_nan() || (p.speed_kn as f64) < speed_cap);
        // Neighbours within the distance: sort by (row, lon), then look in
        // the rows above and below.
        let dlat = ec.max_distance_m / 110_500.0;
        let sc = &mut self.scratch;
        sc.clear();
        for (i, p) in pts.iter().enumerate() {
            sc.push(((p.lat / dlat).floor() as i64, p.lon, i));
        }
        sc.sort_unstable_by(|x, y| x.0.cmp(&y.0).then(x.1.total_cmp(&y.1)).then(x.2.cmp(&y.2)));
        let mut close: Vec<(u32, u32, f64)> = Vec::new();
        for u in 0..sc.len() {
            let (row, lon, i) = sc[u];
            let p = pts[i];
            let cos = p.lat.to_radians().cos().max(0.01);
            let dlon = ec.max_distance_m / (111_000.0 * cos) * 1.01;
            // Same row, to the right; next row, either side: each
            // unordered pair once.
            let hi_same = sc.partition_point(|e| (e.0, e.1) <= (row, lon + dlon));
            let lo_next = sc.partition_point(|e| (e.0, e.1) < (row + 1, lon - dlon));
            let hi_next = sc.partition_point(|e| (e.0, e.1) <= (row + 1, lon + dlon));
            let same = (u + 1)..hi_same.max(u + 1);
            for v in same.chain(lo_next..hi_next) {
                let q = pts[sc[v].2];
                if q.slot == p.slot {
                    continue;
                }
                let d = quick_distance_m(p.lat, p.lon, q.lat, q.lon);
                if d <= ec.max_distance_m {
                    close.push((p.slot, q.slot, d));
                }
            }
            // Across ±180°: rare enough to check plainly (from the east
            // side only, so once).
            if lon + dlon >= 180.0 {
                for q in pts.iter() {
                    if q.slot != p.slot && q.lon < 0.0 && q.lon - dlon < -180.0 {
                        let d = quick_distance_m(p.lat, p.lon, q.lat, q.lon);
                        if d <= ec.max_distance_m {
                            close.push((p.slot, q.slot, d));
                        }
                    }
                }
            }
        }
        let speed_of: FastMap<u32, (f64, f64, f32)> = pts
            .iter()
            .map(|p| (p.slot, (p.lat, p.lon, p.speed_kn)))
            .collect();
        close.sort_unstable_by(|x, y| {
            (x.0.min(x.1), x.0.max(x.1)).cmp(&(y.0.min(y.1), y.0.max(y.1)))
        });
        close.dedup_by(|x, y| (x.0.min(x.1), x.0.max(x.1)) == (y.0.min(y.1), y.0.max(y.1)));
        self.stats.close_pairs += close.len() as u64;
        for (s1, s2, d) in close {
            let (a, b) = if tracks[s1 as usize].mmsi < tracks[s2 as usize].mmsi {
                (s1, s2)
            } else {
                (s2, s1)
            };
            let pa = speed_of[&a];
            let pb = speed_of[&b];
            if let Some(log) = self.log.as_mut() {
                let run = log_run(log, (a, b), pa, pb);
                log.pairs.push(PairRow {
                    time_ms: k * self.res_ms,
                    mmsi_a: tracks[a as usize].mmsi,
                    mmsi_b: tracks[b as usize].mmsi,
                    distance_m: d,
                    a: pa,
                    b: pb,
                    run,
                });
            }
            self.runs.extend(k, (a, b), d as f32, pa, pb);
        }
        // Runs that missed this instant end.
        let ended = self.runs.take_ended(k);
        self.judge_runs(ended, tracks, land, out);
    }

    /// Logs the shore class of the runs that ended (building an index).
    fn log_ended(&mut self, ended: &[((u32, u32), Box<Run>)], land: &Land) {
        if let Some(log) = self.log.as_mut() {
            for (key, _) in ended {
                if let Some(r) = log.open.remove(key) {
                    log.run_classes
                        .push((r.id, shore_class(land, r.lat, r.lon)));
                }
            }
        }
    }

    /// Judges ended runs (in key order).
    fn judge_runs(
        &mut self,
        ended: Vec<((u32, u32), Box<Run>)>,
        tracks: &[Track],
        land: &Land,
        out: &mut Vec<Finding>,
    ) {
        self.log_ended(&ended, land);
        for (key, run) in ended {
            if let Some(f) = judge_encounter(
                &run,
                &tracks[key.0 as usize],
                &tracks[key.1 as usize],
                &self.cfg,
                self.res_ms,
                land,
            ) {
                out.push(Finding::Encounter(f));
            }
        }
    }

    /// Ends and judges the open runs a vessel takes part in (it is being
    /// forgotten, after a silence far longer than any run can bridge: in
    /// practice there are none).
    pub fn end_runs_of(
        &mut self,
        slot: u32,
        tracks: &[Track],
        land: &Land,
        out: &mut Vec<Finding>,
    ) {
        let ended = self.runs.take_of(slot);
        self.judge_runs(ended, tracks, land, out);
    }

    /// Completes every instant and judges every run (end of data).
    pub fn finish(&mut self, tracks: &mut [Track], land: &Land, out: &mut Vec<Finding>) {
        while let Some((k, pts)) = self.buckets.pop_front() {
            self.complete(tracks, k, pts, land, out);
        }
        let ended = self.runs.take_all();
        self.judge_runs(ended, tracks, land, out);
        let mut slots: Vec<usize> = (0..tracks.len())
            .filter(|&s| tracks[s].loiter.is_some())
            .collect();
        slots.sort_unstable();
        for s in slots {
            let tr = &mut tracks[s];
            self.end_loiter(tr, land, out);
        }
    }
}

fn shore_m(land: &Land, lat: f64, lon: f64, search_m: f64) -> Option<f64> {
    land.distance_to_coast_within_m(lat, lon, search_m)
}

pub(crate) fn judge_encounter(
    r: &Run,
    a: &Track,
    b: &Track,
    cfg: &CensusConfig,
    res_ms: i64,
    land: &Land,
) -> Option<Encounter> {
    let ec = &cfg.encounter;
    let dur_ms = (r.last_k - r.first_k) * res_ms;
    if (dur_ms as f64) < ec.min_duration_s * 1000.0 {
        return None;
    }
    // Median below the limit: more than half of the speeds below it.
    if !(r.slow_a * 2 > r.n && r.slow_b * 2 > r.n) {
        return None;
    }
    let ma = r.speed_a.median().min(ec.max_median_sog_kn);
    let mb = r.speed_b.median().min(ec.max_median_sog_kn);
    let n = r.n as f64;
    let lat = r.lat0 + r.sum_dlat / n;
    let lon = finisterra_nav::geo::wrap_lon_once_deg(r.lon0 + r.sum_dlon / n);
    if land.is_land(lat, lon) {
        return None;
    }
    let search = cfg.shore_search_m.max(ec.min_shore_distance_m * 1.01);
    let shore = shore_m(land, lat, lon, search);
    if shore.is_some_and(|d| d < ec.min_shore_distance_m) {
        return None;
    }
    let min_d = r.min_dist_m as f64;
    let med_d = r.dist_m.median().max(min_d);
    Some(Encounter {
        mmsi_a: a.mmsi,
        mmsi_b: b.mmsi,
        name_a: a.name.clone(),
        name_b: b.name.clone(),
        ship_type_a: a.ship_type,
        ship_type_b: b.ship_type,
        start_time: TimeMs(r.first_k * res_ms),
        end_time: TimeMs(r.last_k * res_ms),
        duration_h: round(dur_ms as f64 / 3.6e6, 3),
        lat: round(lat, 6),
        lon: round(lon, 6),
        median_distance_m: round(med_d, 1),
        min_distance_m: round(min_d, 1),
        median_sog_a_kn: round(ma, 2),
        median_sog_b_kn: round(mb, 2),
        shore_distance_km: shore.map(|d| round(d / 1000.0, 2)),
        points: r.n,
    })
}

/// One resampled position of a vessel, as the loitering detector sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LoiterSample {
    /// The instant's number (time / resampling period).
    pub k: i64,
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Speed made good, knots (NaN when unknown).
    pub speed_kn: f32,
    /// Distance from the previous instant's position, m (0 unless
    /// `contiguous`).
    pub step_m: f64,
    /// The vessel had a position at the previous instant.
    pub contiguous: bool,
}

impl LoiterSample {
    /// Slower than `max_sog_kn` (an unknown speed is not).
    pub fn slow(&self, max_sog_kn: f64) -> bool {
        self.speed_kn.is_finite() && (self.speed_kn as f64) < max_sog_kn
    }
}

/// A vessel's loitering run after one more resampled position: extended
/// when it is slow and follows the run's last instant; otherwise the run
/// ends (returned, to be judged) and a slow position starts another.
pub(crate) fn loiter_step(
    run: &mut Option<Box<LoiterRun>>,
    s: &LoiterSample,
    max_sog_kn: f64,
) -> Option<Box<LoiterRun>> {
    let slow = s.slow(max_sog_kn);
    let speed = s.speed_kn as f64;
    if slow && s.contiguous {
        if let Some(r) = run.as_mut().filter(|r| r.last_k == s.k - 1) {
            r.last_k = s.k;
            r.n += 1;
            r.sum_speed += speed;
            r.max_speed = r.max_speed.max(speed);
            r.sum_dlat += s.lat - r.lat0;
            r.sum_dlon += dlon_deg(r.lon0, s.lon);
            r.distance_m += s.step_m;
            return None;
        }
    }
    let ended = run.take();
    if slow {
        *run = Some(Box::new(LoiterRun {
            first_k: s.k,
            last_k: s.k,
            n: 1,
            sum_speed: speed,
            max_speed: speed,
            lat0: s.lat,
            lon0: s.lon,
            sum_dlat: 0.0,
            sum_dlon: 0.0,
            distance_m: 0.0,
        }));
    }
    ended
}

pub(crate) fn judge_loiter(
    r: &LoiterRun,
    tr: &Track,
    cfg: &CensusConfig,
    res_ms: i64,
    land: &Land,
) -> Option<Loitering> {
    let lc = &cfg.loitering;
    let dur_ms = (r.last_k - r.first_k) * res_ms;
    if (dur_ms as f64) < lc.min_duration_s * 1000.0 {
        return None;
    }
    let n = r.n as f64;
    let lat = r.lat0 + r.sum_dlat / n;
    let lon = finisterra_nav::geo::wrap_lon_once_deg(r.lon0 + r.sum_dlon / n);
    if land.is_land(lat, lon) {
        return None;
    }
    let min_m = lc.min_shore_distance_nm * M_PER_NM;
    let search = cfg.shore_search_m.max(min_m * 1.01);
    let shore = shore_m(land, lat, lon, search).unwrap_or(search);
    if shore < min_m {
        return None;
    }
    Some(Loitering {
        mmsi: tr.mmsi,
        name: tr.name.clone(),
        ship_type: tr.ship_type,
        start_time: TimeMs(r.first_k * res_ms),
        end_time: TimeMs(r.last_k * res_ms),
        duration_h: round(dur_ms as f64 / 3.6e6, 3),
        lat: round(lat, 6),
        lon: round(lon, 6),
        mean_sog_kn: round(r.sum_speed / n, 2),
        max_sog_kn: round(r.max_speed, 2),
        distance_nm: round(r.distance_m / M_PER_NM, 2),
        shore_distance_nm: round(shore / M_PER_NM, 1),
        points: r.n,
    })
}

/// The run a logged pair belongs to (started if it is new), its midpoint
/// added to the run's extent.
fn log_run(
    log: &mut PairLog,
    key: (u32, u32),
    (alat, alon, _): (f64, f64, f32),
    (blat, blon, _): (f64, f64, f32),
) -> u32 {
    let mlat = (alat + blat) * 0.5;
    let mlon = alon + dlon_deg(alon, blon) * 0.5;
    let next = log.next_run;
    let r = log.open.entry(key).or_insert_with(|| OpenRun {
        id: next,
        lon0: mlon,
        lat: (mlat, mlat),
        lon: (mlon, mlon),
    });
    if r.id == next {
        log.next_run += 1;
    }
    let u = r.lon0 + dlon_deg(r.lon0, mlon);
    r.lat = (r.lat.0.min(mlat), r.lat.1.max(mlat));
    r.lon = (r.lon.0.min(u), r.lon.1.max(u));
    r.id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_medians() {
        let mut h = Hist::new(4.0);
        assert!(h.median().is_nan());
        for v in [0.5f32, 1.0, 3.0] {
            h.add(v);
        }
        assert!((h.median() - 1.0).abs() < 0.04, "{}", h.median());
        h.add(f32::NAN);
        h.add(100.0);
        assert!((h.median() - 3.0).abs() < 0.04, "{}", h.median());
        let mut d = Hist::new(500.0);
        for i in 0..1000 {
            d.add((i % 500) as f32);
        }
        assert!((d.median() - 250.0).abs() < 5.0, "{}", d.median());
    }
}

//! Close-quarters situations: every pair of vessels under way that came
//! close, followed on their actual (interpolated) tracks.
//!
//! Vessels under way sit in a grid of cells about as wide as the search
//! radius; every minute of a vessel's data time its neighbours are looked
//! up, and a pair is opened for each one within that radius. An open pair
//! is advanced whenever either vessel reports: between the union of both
//! vessels' fix times, both tracks are straight lines, so the closest
//! distance of each piece is exact. The ruling is taken when the pair first
//! comes within the ruling range; the pair is closed (and judged) when it
//! is past and clear, or a track ends.

use std::collections::VecDeque;

use finisterra_nav::colregs::{classify, role_from_ais, GiveWay};
use finisterra_nav::cpa::Kinematic;

use crate::config::{CensusConfig, NearMissCriterion};
use crate::finding::{Finding, NearMiss, TimeMs};
use crate::track::{Fix, Track};
use crate::util::{dlon_deg, lerp_pos, round, FastMap, Flat, MPS_PER_KN, M_PER_NM};

/// Grid cell height, degrees of latitude.
const CELL_DEG: f64 = 0.06;
/// A steady vessel's grid entry is refreshed at least this often, ms.
const GRID_REFRESH_MS: i64 = 300_000;
/// A vessel looks for new neighbours once in each period this long of
/// data time (at her first fix under way in it), ms.
const SCAN_INTERVAL_MS: i64 = 60_000;
/// Fixes kept for interpolation beyond what the pairs need, ms.
const RING_KEEP_MS: i64 = 0;
/// Upper bound on fixes kept per vessel.
const RING_MAX: usize = 4096;
/// A vessel's history: one sample per this many ms...
const HISTORY_STEP_MS: i64 = 55_000;
/// ... at most this many (about 20 minutes).
const HISTORY_MAX: usize = 22;

/// One fix as seen by a pair (for manoeuvres and the drawn tracks).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(from = "SampleRow", into = "SampleRow")]
pub struct Sample {
    pub t: i64,
    pub lat: f64,
    pub lon: f64,
    pub cog: f32,
    pub sog: f32,
    pub rot: f32,
}

/// A [`Sample`] as stored: a tuple (no field names in every row).
type SampleRow = (i64, f64, f64, f32, f32, f32);

impl From<SampleRow> for Sample {
    fn from((t, lat, lon, cog, sog, rot): SampleRow) -> Sample {
        Sample {
            t,
            lat,
            lon,
            cog,
            sog,
            rot,
        }
    }
}

impl From<Sample> for SampleRow {
    fn from(s: Sample) -> SampleRow {
        (s.t, s.lat, s.lon, s.cog, s.sog, s.rot)
    }
}

/// The situation when the pair first came within the ruling range.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Start {
    t: i64,
    #[serde(deserialize_with = "crate::finding::static_str")]
    encounter: crate::finding::Word,
    give_way: String,
    stand_on: String,
    rule: Option<String>,
    ruling: String,
    range_nm: f64,
    cpa_nm: f64,
    tcpa_s: f64,
}

#[derive(Debug, Clone)]
struct Pair {
    a: u32,
    b: u32,
    flat: Flat,
    /// What its judgement reads (and an index keeps).
    core: PairCore,
    last_d_m: f64,
    /// Both vessels' recent history when the closest point so far was
    /// found (kept only once the pair came close).
    snap: Option<Box<(Vec<Sample>, Vec<Sample>)>>,
}

/// A judged near miss with the two tracks around it, for the report.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NearMissTracks {
    /// Track of `a`: (time ms, lat, lon).
    pub a: Vec<(i64, f64, f64)>,
    /// Track of `b`.
    pub b: Vec<(i64, f64, f64)>,
}

/// Counters of the near-miss detector.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NearMissStats {
    /// Pairs opened (came within the search radius).
    pub pairs_opened: u64,
    /// Pairs that came within the ruling range.
    pub pairs_within_ruling_range: u64,
    /// Pieces of track evaluated.
    pub segments: u64,
    /// Neighbour look-ups.
    pub scans: u64,
}

/// A vessel in the grid: where and when it last was, and how fast.
#[derive(Debug, Clone, Copy)]
struct Entry {
    slot: u32,
    /// Velocity east and north, m/s (NaN when speed or course is unknown).
    ve: f32,
    vn: f32,
    t: i64,
    lat: f64,
    lon: f64,
}

/// Velocity east and north, m/s, from speed and course.
fn velocity(sog: f32, cog: f32) -> Option<(f64, f64)> {
    (sog.is_finite() && cog.is_finite()).then(|| {
        let (s, c) = (cog as f64).to_radians().sin_cos();
        (sog as f64 * MPS_PER_KN * s, sog as f64 * MPS_PER_KN * c)
    })
}

pub(crate) struct NearMisses {
    cfg: CensusConfig,
    grid: FastMap<u64, Vec<Entry>>,
    partner_scratch: Vec<(u32, u32)>,
    found: Vec<u32>,
    /// One bit per cell: someone is there (most cells are empty; this
    /// spares a hash look-up for each).
    occupied: Vec<u64>,
    /// Width and column count of every row.
    rows: Vec<(f64, i64)>,
    /// Open pairs (a slab: the id is kept in both vessels' partner lists).
    pairs: Vec<Option<Pair>>,
    free_pairs: Vec<u32>,
    pub stats: NearMissStats,
    scratch: Vec<i64>,
    /// Closed pairs that may be near misses at the index's thresholds
    /// (building an index).
    pub log: Option<NearMissLog>,
}

/// Rows of the grid.
const ROWS: i64 = (180.0 / CELL_DEG) as i64 + 1;
/// Most columns in a row (at the equator), for the occupancy bits.
const MAX_COLS: i64 = (360.0 / CELL_DEG) as i64 + 1;

fn row_width_deg(row: i64) -> f64 {
    let lat = (row as f64 + 0.5) * CELL_DEG - 90.0;
    CELL_DEG / lat.to_radians().cos().max(0.02)
}

fn row_cols(row: i64) -> i64 {
    (360.0 / row_width_deg(row)).ceil() as i64
}

fn row_of(lat: f64) -> i64 {
    (((lat + 90.0) / CELL_DEG).floor() as i64).clamp(0, ROWS - 1)
}

/// Occupancy bit of a cell key.
fn bit_of(k: u64) -> usize {
    let row = (k >> 32) as i64;
    let col = (k & 0xffff_ffff) as i64;
    (row * MAX_COLS + col) as usize
}

fn key(row: i64, col: i64) -> u64 {
    ((row as u64) << 32) | (col as u64 & 0xffff_ffff)
}

#[cfg(test)]
fn cell_of(lat: f64, lon: f64) -> u64 {
    let row = row_of(lat);
    let w = row_width_deg(row);
    let col = (((lon + 180.0) / w).floor() as i64).rem_euclid(row_cols(row));
    key(row, col)
}

/// Position of a track at `t` by linear interpolation, with the fixes that
/// bound it; `None` when outside the ring or across a broken piece.
fn pos_at(ring: &VecDeque<Fix>, t: i64, max_gap_ms: i64) -> Option<(f64, f64, Fix, Fix)> {
    let n = ring.len();
    if n == 0 || t < ring[0].t || t > ring[n - 1].t {
        return None;
    }
    // Rings are short and `t` is near the end: search from the back.
    let mut i = n - 1;
    while i > 0 && ring[i - 1].t >= t {
        i -= 1;
    }
    // Now ring[i].t >= t and (i == 0 or ring[i-1].t < t).
    let f1 = ring[i];
    if f1.t == t || i == 0 {
        let f0 = if i > 0 { ring[i - 1] } else { f1 };
        return Some((f1.lat, f1.lon, f0, f1));
    }
    let f0 = ring[i - 1];
    if f1.t - f0.t > max_gap_ms {
        return None;
    }
    let f = (t - f0.t) as f64 / (f1.t - f0.t) as f64;
    let (lat, lon) = lerp_pos(f0.lat, f0.lon, f1.lat, f1.lon, f);
    Some((lat, lon, f0, f1))
}

/// Motion of a piece of track: reported speed and course of its first fix,
/// else made good.
fn motion(f0: &Fix, f1: &Fix) -> (f64, f64) {
    let sog = if f0.sog.is_finite() {
        f0.sog as f64
    } else if f1.t > f0.t {
        crate::util::quick_distance_m(f0.lat, f0.lon, f1.lat, f1.lon)
            / ((f1.t - f0.t) as f64 / 1000.0)
            / MPS_PER_KN
    } else {
        f64::NAN
    };
    let cog = if f0.cog.is_finite() {
        f0.cog as f64
    } else if f1.t > f0.t {
        finisterra_nav::geo::initial_bearing_deg(f0.lat, f0.lon, f1.lat, f1.lon)
    } else {
        f64::NAN
    };
    (sog, cog)
}

fn domain_ratio(
    rel_x: f64,
    rel_y: f64,
    heading_deg: f32,
    length_m: Option<f64>,
    cfg: &CensusConfig,
) -> f64 {
    let (Some(l), true) = (length_m, heading_deg.is_finite()) else {
        return f64::INFINITY;
    };
    if l <= 0.0 {
        return f64::INFINITY;
    }
    let (s, c) = (heading_deg as f64).to_radians().sin_cos();
    let along = rel_x * s + rel_y * c;
    let across = rel_x * c - rel_y * s;
    let ea = along / (cfg.near_miss.domain_along_l * l);
    let ec = across / (cfg.near_miss.domain_across_l * l);
    (ea * ea + ec * ec).sqrt()
}

/// Keeps a vessel's history: one sample a minute or so, with the largest
/// rate of turn reported in between.
pub(crate) fn push_history(h: &mut VecDeque<Sample>, f: &Fix) {
    if h.len() >= HISTORY_MAX {
        h.pop_front();
    }
    h.push_back(Sample {
        t: f.t,
        lat: f.lat,
        lon: f.lon,
        cog: f.cog,
        sog: f.sog,
        rot: if f.rot.is_finite() {
            f.rot.abs()
        } else {
            f32::NAN
        },
    });
}

enum Outcome {
    Continue,
    Close,
}

impl NearMisses {
    pub fn new(cfg: CensusConfig) -> NearMisses {
        NearMisses {
            cfg,
            grid: FastMap::default(),
            partner_scratch: Vec::new(),
            found: Vec::new(),
            occupied: vec![0u64; (ROWS * MAX_COLS) as usize / 64 + 1],
            rows: (0..ROWS).map(|r| (row_width_deg(r), row_cols(r))).collect(),
            pairs: Vec::new(),
            free_pairs: Vec::new(),
            stats: NearMissStats::default(),
            scratch: Vec::new(),
            log: None,
        }
    }

    fn search_m(&self) -> f64 {
        // Ruling range plus what two fast ships close in one and a half
        // look intervals (60 kn).
        self.cfg.near_miss.ruling_range_nm * M_PER_NM
            + 60.0 * MPS_PER_KN * SCAN_INTERVAL_MS as f64 / 1000.0 * 1.5
    }

    fn max_gap_ms(&self) -> i64 {
        (self.cfg.near_miss.max_interpolation_s * 1000.0) as i64
    }

    fn grid_remove(&mut self, tracks: &mut [Track], slot: u32) {
        let cell = tracks[slot as usize].cell;
        if cell == u64::MAX {
            return;
        }
        if let Some(v) = self.grid.get_mut(&cell) {
            if let Some(p) = v.iter().position(|e| e.slot == slot) {
                v.swap_remove(p);
            }
            if v.is_empty() {
                self.grid.remove(&cell);
                let b = bit_of(cell);
                self.occupied[b / 64] &= !(1u64 << (b % 64));
            }
        }
        tracks[slot as usize].cell = u64::MAX;
    }

    /// A vessel's track is broken (long silence or a jump): its pairs are
    /// judged on what was seen, its recent fixes dropped.
    pub fn break_track(&mut self, tracks: &mut [Track], slot: u32, out: &mut Vec<Finding>) {
        let partners = std::mem::take(&mut tracks[slot as usize].partners);
        for (_, id) in partners {
            self.close(tracks, id, out);
        }
        tracks[slot as usize].ring.clear();
        tracks[slot as usize].history.clear();
        self.grid_remove(tracks, slot);
    }

    /// Forget a vessel (its pairs must be closed already).
    pub fn remove(&mut self, tracks: &mut [Track], slot: u32, out: &mut Vec<Finding>) {
        self.break_track(tracks, slot, out);
    }

    /// A new accepted fix of `slot` (already the track's `last`).
    pub fn on_fix(&mut self, tracks: &mut [Track], slot: u32, fix: Fix, out: &mut Vec<Finding>) {
        let max_gap = self.max_gap_ms();
        {
            let tr = &mut tracks[slot as usize];
            // Recent fixes are kept only while the vessel is in a pair (a
            // new pair starts from the previous and the last fix).
            if !tr.partners.is_empty() {
                if tr
                    .ring
                    .back()
                    .is_some_and(|l| fix.t - l.t > max_gap || fix.t < l.t)
                {
                    // Handled by the caller as a break; be safe anyway.
                    tr.ring.clear();
                }
                if tr.ring.back().is_some_and(|l| l.t == fix.t) {
                    tr.ring.pop_back();
                }
                tr.ring.push_back(fix);
                if tr.ring.len() > RING_MAX {
                    tr.ring.pop_front();
                }
            } else if !tr.ring.is_empty() {
                tr.ring.clear();
            }
            if fix.rot.is_finite() && (tr.history_rot.is_nan() || tr.history_rot < fix.rot.abs()) {
                tr.history_rot = fix.rot.abs();
            }
            if fix.t >= tr.history_t.saturating_add(HISTORY_STEP_MS) {
                tr.history_t = fix.t;
                let mut f = fix;
                f.rot = tr.history_rot;
                tr.history_rot = f32::NAN;
                push_history(&mut tr.history, &f);
            }
        }
        // Grid membership.
        if fix.underway {
            let row = row_of(fix.lat);
            let (w, cols) = self.rows[row as usize];
            let cell = key(
                row,
                (((fix.lon + 180.0) / w).floor() as i64).rem_euclid(cols),
            );
            let (ve, vn) = velocity(fix.sog, fix.cog).unwrap_or((f64::NAN, f64::NAN));
            let e = Entry {
                slot,
                ve: ve as f32,
                vn: vn as f32,
                t: fix.t,
                lat: fix.lat,
                lon: fix.lon,
            };
            let tr = &tracks[slot as usize];
            if tr.cell != cell {
                self.grid_remove(tracks, slot);
                self.grid.entry(cell).or_default().push(e);
                let b = bit_of(cell);
                self.occupied[b / 64] |= 1u64 << (b % 64);
                let tr = &mut tracks[slot as usize];
                tr.cell = cell;
                tr.grid_entry = (e.t, e.ve, e.vn);
            } else {
                // The others extrapolate the entry with its velocity: it
                // needs refreshing only when that changes, or now and then.
                let (t0, ve0, vn0) = tr.grid_entry;
                let steady = (e.ve - ve0).abs() < 0.3 && (e.vn - vn0).abs() < 0.3;
                if !(steady && e.t - t0 < GRID_REFRESH_MS) {
                    if let Some(v) = self.grid.get_mut(&cell) {
                        if let Some(x) = v.iter_mut().find(|x| x.slot == slot) {
                            *x = e;
                        }
                    }
                    tracks[slot as usize].grid_entry = (e.t, e.ve, e.vn);
                }
            }
        } else {
            self.grid_remove(tracks, slot);
        }
        // New neighbours: at the first fix under way in each minute of data
        // time. Which fixes look depends on their times alone, not on
        // where the reading started (a day shard with its precursor looks
        // when the census of the whole archive does).
        if fix.underway
            && fix.t.div_euclid(SCAN_INTERVAL_MS)
                != tracks[slot as usize]
                    .last_scan_ms
                    .div_euclid(SCAN_INTERVAL_MS)
        {
            tracks[slot as usize].last_scan_ms = fix.t;
            self.scan(tracks, slot, &fix);
        }
        // Advance every open pair of this vessel.
        let mut partners = std::mem::take(&mut self.partner_scratch);
        partners.clear();
        partners.extend_from_slice(&tracks[slot as usize].partners);
        for &(_, id) in &partners {
            let outcome = match self.pairs.get_mut(id as usize).and_then(Option::as_mut) {
                Some(pair) => {
                    let (a, b) = (pair.a as usize, pair.b as usize);
                    advance(
                        pair,
                        &tracks[a],
                        &tracks[b],
                        &self.cfg,
                        &mut self.stats,
                        &mut self.scratch,
                    )
                }
                None => Outcome::Continue,
            };
            if let Outcome::Close = outcome {
                self.close(tracks, id, out);
            }
        }
        self.partner_scratch = partners;
        self.trim(tracks, slot);
    }

    /// Drops fixes no pair needs any more.
    fn trim(&mut self, tracks: &mut [Track], slot: u32) {
        let tr = &tracks[slot as usize];
        let Some(last) = tr.ring.back() else {
            return;
        };
        let mut keep_from = last.t - RING_KEEP_MS;
        for &(_, id) in &tr.partners {
            if let Some(Some(pair)) = self.pairs.get(id as usize) {
                keep_from = keep_from.min(pair.core.eval_ms);
            }
        }
        let tr = &mut tracks[slot as usize];
        while tr.ring.len() > 2 && tr.ring[1].t <= keep_from {
            tr.ring.pop_front();
        }
    }

    fn scan(&mut self, tracks: &mut [Track], slot: u32, fix: &Fix) {
        self.stats.scans += 1;
        let r_m = self.search_m();
        let rule_m = self.cfg.near_miss.ruling_range_nm * M_PER_NM;
        let max_gap = self.max_gap_ms();
        let ky = 111_200.0;
        let cos = fix.lat.to_radians().cos().max(0.02);
        let kx = ky * cos;
        let dlat = r_m / ky;
        let row0 = row_of(fix.lat - dlat);
        let row1 = row_of(fix.lat + dlat);
        let dlon = (r_m / kx).min(180.0);
        // Own velocity, m/s east and north (unknown: assume the worst).
        let own_v = velocity(fix.sog, fix.cog);
        // Open a pair only if it could come within the ruling range before
        // the next look: relative speed plus a turn's worth (10 kn) over
        // the look interval and a half.
        let horizon_s = SCAN_INTERVAL_MS as f64 / 1000.0 * 1.5;
        let margin_mps = 10.0 * MPS_PER_KN;
        let mut found = std::mem::take(&mut self.found);
        found.clear();
        for row in row0..=row1 {
            let (w, cols) = self.rows[row as usize];
            let c0 = ((fix.lon - dlon + 180.0) / w).floor() as i64;
            let c1 = ((fix.lon + dlon + 180.0) / w).floor() as i64;
            let span = (c1 - c0 + 1).min(cols);
            for c in c0..c0 + span {
                let k = key(row, c.rem_euclid(cols));
                let b = bit_of(k);
                if self.occupied[b / 64] & (1u64 << (b % 64)) == 0 {
                    continue;
                }
                let Some(list) = self.grid.get(&k) else {
                    continue;
                };
                for e in list {
                    if e.slot == slot {
                        continue;
                    }
                    let dt = fix.t - e.t;
                    if dt.abs() > max_gap {
                        continue;
                    }
                    let dt_s = dt as f64 / 1000.0;
                    // The other vessel moved on (or back) since its fix.
                    let ov = (e.ve.is_finite() && e.vn.is_finite())
                        .then_some((e.ve as f64, e.vn as f64));
                    let (ox, oy) = match ov {
                        Some((ve, vn)) => (ve * dt_s, vn * dt_s),
                        None => (0.0, 0.0),
                    };
                    let x = crate::util::dlon_deg(fix.lon, e.lon) * kx + ox;
                    let y = (e.lat - fix.lat) * ky + oy;
                    let d2 = x * x + y * y;
                    if d2 > r_m * r_m {
                        continue;
                    }
                    let reach = match (own_v, ov) {
                        (Some(a), Some(b)) => {
                            let (rx, ry) = (b.0 - a.0, b.1 - a.1);
                            ((rx * rx + ry * ry).sqrt() + margin_mps) * horizon_s
                        }
                        _ => 30.0 * MPS_PER_KN * horizon_s,
                    };
                    let unknown_dt = if ov.is_none() {
                        30.0 * MPS_PER_KN * dt_s.abs()
                    } else {
                        0.0
                    };
                    let lim = rule_m + reach + unknown_dt;
                    if d2 > lim * lim {
                        continue;
                    }
                    found.push(e.slot);
                }
            }
        }
        found.sort_unstable();
        found.dedup();
        for &o in &found {
            if !tracks[slot as usize].partners.iter().any(|&(q, _)| q == o) {
                self.open(tracks, slot, o);
            }
        }
        self.found = found;
    }

    fn open(&mut self, tracks: &mut [Track], x: u32, y: u32) {
        let (a, b) = if tracks[x as usize].mmsi < tracks[y as usize].mmsi {
            (x, y)
        } else {
            (y, x)
        };
        let max_gap = self.max_gap_ms();
        for s in [a, b] {
            let tr = &mut tracks[s as usize];
            if tr.ring.is_empty() {
                let Some(last) = tr.last else {
                    return;
                };
                if let Some(p) = tr
                    .prev_fix
                    .filter(|p| last.t - p.t <= max_gap && last.t > p.t)
                {
                    tr.ring.push_back(p);
                }
                tr.ring.push_back(last);
            }
        }
        let (ta, tb) = (&tracks[a as usize], &tracks[b as usize]);
        let (Some(fa), Some(fb)) = (ta.ring.front(), tb.ring.front()) else {
            return;
        };
        let la = ta.ring.back().expect("non-empty");
        let lb = tb.ring.back().expect("non-empty");
        let lat0 = (la.lat + lb.lat) * 0.5;
        let lon0 = la.lon + dlon_deg(la.lon, lb.lon) * 0.5;
        let pair = Pair {
            a,
            b,
            flat: Flat::new(lat0, lon0),
            core: PairCore {
                created_ms: la.t.max(lb.t),
                eval_ms: fa.t.max(fb.t),
                start: None,
                min_d_m: f64::INFINITY,
                cpa_ms: 0,
                cpa_lat: f64::NAN,
                cpa_lon: f64::NAN,
                cpa_rel_kn: f64::NAN,
                cpa_a: (f32::NAN, f32::NAN),
                cpa_b: (f32::NAN, f32::NAN),
                min_domain: f64::INFINITY,
            },
            last_d_m: f64::INFINITY,
            snap: None,
        };
        self.stats.pairs_opened += 1;
        let id = match self.free_pairs.pop() {
            Some(id) => {
                self.pairs[id as usize] = Some(pair);
                id
            }
            None => {
                self.pairs.push(Some(pair));
                (self.pairs.len() - 1) as u32
            }
        };
        tracks[a as usize].partners.push((b, id));
        tracks[b as usize].partners.push((a, id));
    }

    /// Closes a pair, judging it (and logging it for an index).
    fn close(&mut self, tracks: &mut [Track], id: u32, out: &mut Vec<Finding>) {
        let Some(pair) = self.pairs.get_mut(id as usize).and_then(Option::take) else {
            return;
        };
        if let Some(log) = self.log.as_mut() {
            let limit_m = self.cfg.near_miss.distance_nm * M_PER_NM;
            if pair.core.min_d_m.is_finite()
                && (pair.core.min_d_m < limit_m || pair.core.min_domain < 1.0)
            {
                let snap = pair.snap.as_deref();
                log.rows.push(NearMissCandidate {
                    msg: log.msg,
                    pair: pair.core.clone(),
                    a: SideCore::of(&tracks[pair.a as usize], snap.map(|s| &s.0[..])),
                    b: SideCore::of(&tracks[pair.b as usize], snap.map(|s| &s.1[..])),
                });
            }
        }
        self.free_pairs.push(id);
        for s in [pair.a, pair.b] {
            let p = &mut tracks[s as usize].partners;
            if let Some(i) = p.iter().position(|&(_, q)| q == id) {
                p.swap_remove(i);
            }
        }
        if let Some((f, tr)) = judge(
            &pair,
            &tracks[pair.a as usize],
            &tracks[pair.b as usize],
            &self.cfg,
        ) {
            out.push(Finding::NearMiss(Box::new(f), Box::new(tr)));
        }
    }

    /// Ids of the open pairs in (a, b) order (deterministic).
    fn ids_where(&self, keep: impl Fn(&Pair) -> bool) -> Vec<u32> {
        let mut v: Vec<((u32, u32), u32)> = self
            .pairs
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                p.as_ref()
                    .filter(|p| keep(p))
                    .map(|p| ((p.a, p.b), i as u32))
            })
            .collect();
        v.sort_unstable();
        v.into_iter().map(|x| x.1).collect()
    }

    /// Closes pairs in which a vessel has been silent for longer than the
    /// interpolation limit, and drops silent vessels from the grid.
    pub fn sweep(&mut self, tracks: &mut [Track], now_ms: i64, out: &mut Vec<Finding>) {
        let max_gap = self.max_gap_ms();
        let stale = self.ids_where(|p| {
            let la = tracks[p.a as usize].last.map_or(i64::MIN, |f| f.t);
            let lb = tracks[p.b as usize].last.map_or(i64::MIN, |f| f.t);
            now_ms - la.min(lb) > max_gap
        });
        for id in stale {
            self.close(tracks, id, out);
        }
        let mut silent: Vec<u32> = self
            .grid
            .values()
            .flatten()
            .map(|e| e.slot)
            .filter(|&s| {
                tracks[s as usize]
                    .last
                    .is_none_or(|f| now_ms - f.t > max_gap)
            })
            .collect();
        silent.sort_unstable();
        for s in silent {
            self.grid_remove(tracks, s);
        }
    }

    /// Closes every open pair (end of data).
    pub fn finish(&mut self, tracks: &mut [Track], out: &mut Vec<Finding>) {
        for id in self.ids_where(|_| true) {
            self.close(tracks, id, out);
        }
    }
}

/// Advances a pair to the latest time both tracks are known.
fn advance(
    p: &mut Pair,
    a: &Track,
    b: &Track,
    cfg: &CensusConfig,
    stats: &mut NearMissStats,
    ts: &mut Vec<i64>,
) -> Outcome {
    let max_gap = (cfg.near_miss.max_interpolation_s * 1000.0) as i64;
    let (Some(la), Some(lb)) = (a.ring.back(), b.ring.back()) else {
        return Outcome::Close;
    };
    let t_end = la.t.min(lb.t);
    if t_end <= p.core.eval_ms {
        return Outcome::Continue;
    }
    let (Some(fa), Some(fb)) = (a.ring.front(), b.ring.front()) else {
        return Outcome::Close;
    };
    let mut t0 = p.core.eval_ms.max(fa.t).max(fb.t);
    if t0 >= t_end {
        p.core.eval_ms = t_end;
        return Outcome::Continue;
    }
    ts.clear();
    ts.extend(a.ring.iter().map(|f| f.t).filter(|&t| t > t0 && t <= t_end));
    ts.extend(b.ring.iter().map(|f| f.t).filter(|&t| t > t0 && t <= t_end));
    ts.push(t_end);
    ts.sort_unstable();
    ts.dedup();
    let Some((alat, alon, _, _)) = pos_at(&a.ring, t0, max_gap) else {
        return Outcome::Close;
    };
    let Some((blat, blon, _, _)) = pos_at(&b.ring, t0, max_gap) else {
        return Outcome::Close;
    };
    let (mut ax0, mut ay0) = p.flat.xy(alat, alon);
    let (mut bx0, mut by0) = p.flat.xy(blat, blon);
    let nm = &cfg.near_miss;
    let rule_m = nm.ruling_range_nm * M_PER_NM;
    let release_m = nm.release_range_nm * M_PER_NM;
    let company_mps = nm.in_company_kn * MPS_PER_KN;
    // Close enough to keep the vessels' history (for manoeuvres and the
    // drawn tracks).
    let hot_m = nm.distance_nm * M_PER_NM * 2.0;
    let mut opening = false;
    let mut last_rel_mps = 0.0;
    let mut last_both_under_way = true;
    for &t1 in ts.iter() {
        let Some((alat1, alon1, a0f, a1f)) = pos_at(&a.ring, t1, max_gap) else {
            return Outcome::Close;
        };
        let Some((blat1, blon1, b0f, b1f)) = pos_at(&b.ring, t1, max_gap) else {
            return Outcome::Close;
        };
        stats.segments += 1;
        let (ax1, ay1) = p.flat.xy(alat1, alon1);
        let (bx1, by1) = p.flat.xy(blat1, blon1);
        let r0 = (bx0 - ax0, by0 - ay0);
        let r1 = (bx1 - ax1, by1 - ay1);
        let d = (r1.0 - r0.0, r1.1 - r0.1);
        let dd = d.0 * d.0 + d.1 * d.1;
        let s_min = if dd > 0.0 {
            (-(r0.0 * d.0 + r0.1 * d.1) / dd).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let dmin = ((r0.0 + d.0 * s_min).powi(2) + (r0.1 + d.1 * s_min).powi(2)).sqrt();
        let dt_s = (t1 - t0) as f64 / 1000.0;
        let rel_mps = if dt_s > 0.0 { dd.sqrt() / dt_s } else { 0.0 };
        if dt_s > 0.0 {
            last_rel_mps = rel_mps;
        }
        // First time within the ruling range: the situation then.
        if p.core.start.is_none() {
            let c0 = r0.0 * r0.0 + r0.1 * r0.1 - rule_m * rule_m;
            let s_in = if c0 <= 0.0 {
                Some(0.0)
            } else if dmin <= rule_m && dd > 0.0 {
                let bq = 2.0 * (r0.0 * d.0 + r0.1 * d.1);
                let disc = bq * bq - 4.0 * dd * c0;
                if disc >= 0.0 {
                    Some(((-bq - disc.sqrt()) / (2.0 * dd)).clamp(0.0, 1.0))
                } else {
                    None
                }
            } else {
                None
            };
            if let Some(s) = s_in {
                let ts_ms = t0 + ((t1 - t0) as f64 * s) as i64;
                p.core.start = start_state(ts_ms, a, b, max_gap, cfg).map(Box::new);
                if p.core.start.is_some() {
                    stats.pairs_within_ruling_range += 1;
                }
            }
        }
        let both_under_way = a0f.underway && a1f.underway && b0f.underway && b1f.underway;
        last_both_under_way = a1f.underway && b1f.underway;
        if both_under_way && rel_mps >= company_mps {
            if dmin < p.core.min_d_m {
                p.core.min_d_m = dmin;
                p.core.cpa_ms = t0 + ((t1 - t0) as f64 * s_min).round() as i64;
                let ax = ax0 + (ax1 - ax0) * s_min;
                let ay = ay0 + (ay1 - ay0) * s_min;
                let bx = bx0 + (bx1 - bx0) * s_min;
                let by = by0 + (by1 - by0) * s_min;
                let (lat, lon) = p.flat.geo((ax + bx) * 0.5, (ay + by) * 0.5);
                p.core.cpa_lat = lat;
                p.core.cpa_lon = lon;
                p.core.cpa_rel_kn = rel_mps / MPS_PER_KN;
                let (sa, ca) = motion(&a0f, &a1f);
                let (sb, cb) = motion(&b0f, &b1f);
                p.core.cpa_a = (sa as f32, ca as f32);
                p.core.cpa_b = (sb as f32, cb as f32);
                if dmin < hot_m {
                    let h = |t: &Track| t.history.iter().copied().collect::<Vec<Sample>>();
                    p.snap = Some(Box::new((h(a), h(b))));
                }
            }
            // A ship domain reaches at most `domain_along_l` lengths.
            let reach = a.length_m.unwrap_or(0.0).max(b.length_m.unwrap_or(0.0))
                * nm.domain_along_l.max(nm.domain_across_l);
            if dmin < reach {
                for s in [s_min, 1.0] {
                    let rx = r0.0 + d.0 * s;
                    let ry = r0.1 + d.1 * s;
                    let ra = domain_ratio(rx, ry, a0f.heading_or_cog(), a.length_m, cfg);
                    let rb = domain_ratio(-rx, -ry, b0f.heading_or_cog(), b.length_m, cfg);
                    p.core.min_domain = p.core.min_domain.min(ra).min(rb);
                }
            }
        }
        let d1 = (r1.0 * r1.0 + r1.1 * r1.1).sqrt();
        opening = r1.0 * d.0 + r1.1 * d.1 > 0.0;
        p.last_d_m = d1;
        (ax0, ay0, bx0, by0) = (ax1, ay1, bx1, by1);
        t0 = t1;
    }
    p.core.eval_ms = t_end;
    // One of them stopped (at anchor, alongside, drifting): no close-quarters
    // situation while so. The pair is judged on what was seen; a new one
    // opens if both get under way near each other again.
    if !last_both_under_way {
        return Outcome::Close;
    }
    let search_m = nm.release_range_nm.max(nm.ruling_range_nm) * M_PER_NM + M_PER_NM;
    if p.core.start.is_some() {
        // Followed within the ruling range: until past and clear.
        if (p.last_d_m > release_m && opening) || p.last_d_m > search_m * 1.5 {
            return Outcome::Close;
        }
        return Outcome::Continue;
    }
    // Not yet within the ruling range: keep only while it may get there
    // soon (the same test that opened it, with some slack).
    let reach = (last_rel_mps + 10.0 * MPS_PER_KN) * (SCAN_INTERVAL_MS as f64 / 1000.0) * 2.0;
    if opening || p.last_d_m > rule_m + reach + 200.0 {
        Outcome::Close
    } else {
        Outcome::Continue
    }
}

fn start_state(t: i64, a: &Track, b: &Track, max_gap: i64, cfg: &CensusConfig) -> Option<Start> {
    let (alat, alon, a0, a1) = pos_at(&a.ring, t, max_gap)?;
    let (blat, blon, b0, b1) = pos_at(&b.ring, t, max_gap)?;
    let (sa, ca) = motion(&a0, &a1);
    let (sb, cb) = motion(&b0, &b1);
    let mut ka = Kinematic::new(alat, alon, sa, ca);
    if a0.heading.is_finite() {
        ka = ka.with_heading(a0.heading as f64);
    }
    let mut kb = Kinematic::new(blat, blon, sb, cb);
    if b0.heading.is_finite() {
        kb = kb.with_heading(b0.heading as f64);
    }
    let st = |f: &Fix| (f.status != 255).then_some(f.status);
    let role_a = role_from_ais(st(&a0), a.ship_type);
    let role_b = role_from_ais(st(&b0), b.ship_type);
    let engine_cfg = finisterra_engine::Config::default();
    let colregs = engine_cfg.colregs();
    let r = classify(&ka, role_a, &kb, role_b, &colregs);
    let (give, stand) = match r.give_way {
        GiveWay::Own => (a.mmsi.to_string(), b.mmsi.to_string()),
        GiveWay::Target => (b.mmsi.to_string(), a.mmsi.to_string()),
        GiveWay::Both => (format!("{};{}", a.mmsi, b.mmsi), String::new()),
        GiveWay::Neither => (String::new(), String::new()),
    };
    let encounter = match r.encounter {
        finisterra_nav::colregs::Encounter::HeadOn => "head_on",
        finisterra_nav::colregs::Encounter::Crossing => "crossing",
        finisterra_nav::colregs::Encounter::Overtaking => "overtaking",
        finisterra_nav::colregs::Encounter::NotUnderWay => "not_under_way",
        finisterra_nav::colregs::Encounter::None => "none",
    };
    let _ = cfg;
    Some(Start {
        t,
        encounter,
        give_way: give,
        stand_on: stand,
        rule: r.rule.map(|x| x.code().to_string()),
        ruling: {
            let name = |t: &Track| t.name.clone().unwrap_or_else(|| format!("MMSI {}", t.mmsi));
            r.sentence_named(&name(a), &name(b))
        },
        range_nm: round(r.range_nm, 3),
        cpa_nm: round(r.cpa_nm, 3),
        tcpa_s: round(r.tcpa_s, 0),
    })
}

/// Largest course change, speed change (fraction) and rate of turn in the
/// samples of `[from, to]`.
fn manoeuvre(samples: &[Sample], from: i64, to: i64) -> (f64, f64, Option<f64>) {
    let mut first_cog: Option<f64> = None;
    let mut max_dcog: f64 = 0.0;
    let (mut smin, mut smax) = (f64::INFINITY, f64::NEG_INFINITY);
    let mut max_rot: Option<f64> = None;
    for s in samples.iter().filter(|s| s.t >= from && s.t <= to) {
        if s.cog.is_finite() && s.sog.is_finite() && s.sog >= 1.0 {
            let c = s.cog as f64;
            match first_cog {
                None => first_cog = Some(c),
                Some(c0) => {
                    max_dcog = max_dcog.max(finisterra_nav::geo::normalize_deg_180(c - c0).abs())
                }
            }
        }
        if s.sog.is_finite() {
            smin = smin.min(s.sog as f64);
            smax = smax.max(s.sog as f64);
        }
        if s.rot.is_finite() {
            let r = (s.rot as f64).abs();
            max_rot = Some(max_rot.map_or(r, |m: f64| m.max(r)));
        }
    }
    let dspeed = if smax > 0.0 && smax.is_finite() {
        (smax - smin) / smax
    } else {
        0.0
    };
    (max_dcog, dspeed, max_rot)
}

fn judge(p: &Pair, a: &Track, b: &Track, cfg: &CensusConfig) -> Option<(NearMiss, NearMissTracks)> {
    let nm = &cfg.near_miss;
    if !p.core.min_d_m.is_finite() {
        return None;
    }
    let by_distance = p.core.min_d_m < nm.distance_nm * M_PER_NM;
    let lengths_known = a.length_m.is_some() || b.length_m.is_some();
    let by_domain = p.core.min_domain < 1.0;
    let qualifies = match nm.criterion {
        NearMissCriterion::Distance => by_distance,
        NearMissCriterion::Domain => by_domain || (!lengths_known && by_distance),
        NearMissCriterion::Either => by_distance || by_domain,
    };
    if !qualifies {
        return None;
    }
    let d_nm = p.core.min_d_m / M_PER_NM;
    let band = if d_nm < 0.1 {
        "<0.1"
    } else if d_nm < 0.25 {
        "<0.25"
    } else if d_nm < 0.5 {
        "<0.5"
    } else {
        "domain"
    };
    let from = p.core.cpa_ms - (nm.manoeuvre_window_s * 1000.0) as i64;
    let empty: (Vec<Sample>, Vec<Sample>) = (Vec::new(), Vec::new());
    let snap = p.snap.as_deref().unwrap_or(&empty);
    // Samples up to the closest point, plus the fix just after it.
    let (ca, sa, ra) = manoeuvre(&snap.0, from, p.core.cpa_ms + HISTORY_STEP_MS);
    let (cb, sb, rb) = manoeuvre(&snap.1, from, p.core.cpa_ms + HISTORY_STEP_MS);
    let man = |c: f64, s: f64, r: Option<f64>| {
        c >= nm.manoeuvre_course_deg
            || s >= nm.manoeuvre_speed_fraction
            || r.is_some_and(|r| r >= nm.manoeuvre_rot_deg_per_min)
    };
    let start_t = p.core.start.as_ref().map_or(p.core.created_ms, |s| s.t);
    let end_t = p.core.eval_ms;
    let (encounter, give_way, stand_on, rule, ruling, srange, scpa, stcpa) = match &p.core.start {
        Some(s) => (
            s.encounter,
            s.give_way.clone(),
            s.stand_on.clone(),
            s.rule.clone(),
            s.ruling.clone(),
            s.range_nm,
            s.cpa_nm,
            s.tcpa_s,
        ),
        None => (
            "none",
            String::new(),
            String::new(),
            None,
            String::from("not followed from the ruling range"),
            f64::NAN,
            f64::NAN,
            f64::NAN,
        ),
    };
    let f = NearMiss {
        mmsi_a: a.mmsi,
        mmsi_b: b.mmsi,
        name_a: a.name.clone(),
        name_b: b.name.clone(),
        ship_type_a: a.ship_type,
        ship_type_b: b.ship_type,
        length_a_m: a.length_m,
        length_b_m: b.length_m,
        start_time: TimeMs(start_t.min(p.core.cpa_ms)),
        end_time: TimeMs(end_t.max(p.core.cpa_ms)),
        cpa_time: TimeMs(p.core.cpa_ms),
        lat: round(p.core.cpa_lat, 6),
        lon: round(p.core.cpa_lon, 6),
        min_distance_nm: round(d_nm, 4),
        min_distance_m: round(p.core.min_d_m, 1),
        band,
        domain_ratio: p
            .core
            .min_domain
            .is_finite()
            .then(|| round(p.core.min_domain, 3)),
        rel_speed_kn: round(p.core.cpa_rel_kn, 2),
        sog_a_kn: round(p.core.cpa_a.0 as f64, 1),
        cog_a_deg: round(p.core.cpa_a.1 as f64, 1),
        sog_b_kn: round(p.core.cpa_b.0 as f64, 1),
        cog_b_deg: round(p.core.cpa_b.1 as f64, 1),
        encounter,
        give_way,
        stand_on,
        rule,
        ruling,
        start_range_nm: srange,
        start_cpa_nm: scpa,
        start_tcpa_s: stcpa,
        manoeuvre_a: man(ca, sa, ra),
        manoeuvre_b: man(cb, sb, rb),
        course_change_a_deg: round(ca, 1),
        course_change_b_deg: round(cb, 1),
        speed_change_a: round(sa, 3),
        speed_change_b: round(sb, 3),
        max_rot_a_deg_per_min: ra.map(|r| round(r, 1)),
        max_rot_b_deg_per_min: rb.map(|r| round(r, 1)),
    };
    // The drawn tracks: history before the closest point, and since.
    let track = |snap: &[Sample], now: &Track| -> Vec<(i64, f64, f64)> {
        let mut v: Vec<(i64, f64, f64)> = snap.iter().map(|s| (s.t, s.lat, s.lon)).collect();
        let last = v.last().map_or(i64::MIN, |x| x.0);
        v.extend(
            now.history
                .iter()
                .filter(|s| s.t > last)
                .map(|s| (s.t, s.lat, s.lon)),
        );
        v
    };
    let tr = NearMissTracks {
        a: track(&snap.0, a),
        b: track(&snap.1, b),
    };
    Some((f, tr))
}

/// Near-miss candidates logged while an index is built.
#[derive(Debug, Clone, Default)]
pub struct NearMissLog {
    /// Messages judged so far (kept in step with the group's).
    pub msg: u64,
    /// Candidates, in the order they were closed.
    pub rows: Vec<NearMissCandidate>,
}

/// What a closed pair needs to be judged again: the pair as it closed and
/// both vessels as they were then.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct NearMissCandidate {
    /// Messages judged before the one that closed it ([`crate::pairs::AT_END`]
    /// at the end of the data).
    pub msg: u64,
    /// The pair.
    pub pair: PairCore,
    /// Vessel `a`.
    pub a: SideCore,
    /// Vessel `b`.
    pub b: SideCore,
}

impl NearMissCandidate {
    /// The closest distance, m.
    pub fn min_distance_m(&self) -> f64 {
        self.pair.min_d_m
    }
}

/// A closed pair's state (what `judge` reads).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PairCore {
    created_ms: i64,
    eval_ms: i64,
    start: Option<Box<Start>>,
    min_d_m: f64,
    cpa_ms: i64,
    cpa_lat: f64,
    cpa_lon: f64,
    cpa_rel_kn: f64,
    cpa_a: (f32, f32),
    cpa_b: (f32, f32),
    min_domain: f64,
}

/// A vessel of a closed pair as it was then: its history when the pair
/// closed and, if kept, when it was closest, both as ranges of one list of
/// samples (they overlap: each sample is stored once).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SideCore {
    mmsi: u32,
    name: Option<String>,
    ship_type: Option<u8>,
    length_m: Option<f64>,
    #[serde(with = "sample_bytes")]
    samples: Vec<Sample>,
    history: (u32, u32),
    snap: Option<(u32, u32)>,
}

/// Samples stored as one byte string (36 bytes each, little-endian: time,
/// latitude, longitude, course, speed, rate of turn): read back with a copy
/// rather than a parse of every number.
mod sample_bytes {
    use super::Sample;

    const SIZE: usize = 36;

    pub fn serialize<S: serde::Serializer>(v: &[Sample], s: S) -> Result<S::Ok, S::Error> {
        let mut b = Vec::with_capacity(v.len() * SIZE);
        for x in v {
            b.extend_from_slice(&x.t.to_le_bytes());
            b.extend_from_slice(&x.lat.to_le_bytes());
            b.extend_from_slice(&x.lon.to_le_bytes());
            b.extend_from_slice(&x.cog.to_le_bytes());
            b.extend_from_slice(&x.sog.to_le_bytes());
            b.extend_from_slice(&x.rot.to_le_bytes());
        }
        s.serialize_bytes(&b)
    }

    struct Visitor;

    impl serde::de::Visitor<'_> for Visitor {
        type Value = Vec<Sample>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(f, "samples as a byte string of {SIZE}-byte records")
        }

        fn visit_bytes<E: serde::de::Error>(self, b: &[u8]) -> Result<Vec<Sample>, E> {
            if b.len() % SIZE != 0 {
                return Err(E::custom(format!(
                    "{} bytes of samples, not a multiple of {SIZE}",
                    b.len()
                )));
            }
            let f64_at =
                |r: &[u8], i: usize| f64::from_le_bytes(r[i..i + 8].try_into().unwrap_or([0; 8]));
            let f32_at =
                |r: &[u8], i: usize| f32::from_le_bytes(r[i..i + 4].try_into().unwrap_or([0; 4]));
            Ok(b.chunks_exact(SIZE)
                .map(|r| Sample {
                    t: i64::from_le_bytes(r[0..8].try_into().unwrap_or([0; 8])),
                    lat: f64_at(r, 8),
                    lon: f64_at(r, 16),
                    cog: f32_at(r, 24),
                    sog: f32_at(r, 28),
                    rot: f32_at(r, 32),
                })
                .collect())
        }

        fn visit_byte_buf<E: serde::de::Error>(self, b: Vec<u8>) -> Result<Vec<Sample>, E> {
            self.visit_bytes(&b)
        }
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Sample>, D::Error> {
        d.deserialize_bytes(Visitor)
    }
}

/// The same sample, bit for bit (NaN speeds and courses included).
fn same(a: &Sample, b: &Sample) -> bool {
    a.t == b.t
        && a.lat.to_bits() == b.lat.to_bits()
        && a.lon.to_bits() == b.lon.to_bits()
        && a.cog.to_bits() == b.cog.to_bits()
        && a.sog.to_bits() == b.sog.to_bits()
        && a.rot.to_bits() == b.rot.to_bits()
}

impl SideCore {
    fn of(t: &Track, snap: Option<&[Sample]>) -> SideCore {
        let history: Vec<Sample> = t.history.iter().copied().collect();
        let mut union: Vec<Sample> = snap
            .unwrap_or(&[])
            .iter()
            .chain(&history)
            .copied()
            .collect();
        union.sort_by_key(|s| s.t);
        union.dedup_by(|x, y| same(x, y));
        let find = |w: &[Sample]| -> Option<(u32, u32)> {
            let Some(first) = w.first() else {
                return Some((0, 0));
            };
            let i = union.iter().position(|s| same(s, first))?;
            let got = union.get(i..i + w.len())?;
            got.iter()
                .zip(w)
                .all(|(x, y)| same(x, y))
                .then_some((i as u32, (i + w.len()) as u32))
        };
        let (samples, h, sn) = match (find(&history), snap.map(find)) {
            (Some(h), None) => (union, h, None),
            (Some(h), Some(Some(sn))) => (union, h, Some(sn)),
            // Not one window of one stream: both kept as they are.
            _ => {
                let sn = snap.unwrap_or(&[]);
                let n = sn.len() as u32;
                let all: Vec<Sample> = sn.iter().chain(&history).copied().collect();
                let len = all.len() as u32;
                (all, (n, len), snap.map(|_| (0, n)))
            }
        };
        SideCore {
            mmsi: t.mmsi,
            name: t.name.clone(),
            ship_type: t.ship_type,
            length_m: t.length_m,
            samples,
            history: h,
            snap: sn,
        }
    }

    fn range(&self, (from, to): (u32, u32)) -> &[Sample] {
        self.samples.get(from as usize..to as usize).unwrap_or(&[])
    }

    fn track(&self) -> Track {
        let mut t = Track::new(self.mmsi);
        t.name = self.name.clone();
        t.ship_type = self.ship_type;
        t.length_m = self.length_m;
        t.history = self.range(self.history).iter().copied().collect();
        t
    }
}

/// A candidate judged with `cfg` as the census would have judged the pair:
/// the vessels' history kept at the closest point only if the pair came
/// within twice `cfg`'s distance (as the census keeps it), then [`judge`].
pub(crate) fn judge_candidate(c: &NearMissCandidate, cfg: &CensusConfig) -> Option<Finding> {
    let hot_m = cfg.near_miss.distance_nm * M_PER_NM * 2.0;
    let p = &c.pair;
    let pair = Pair {
        a: 0,
        b: 1,
        flat: Flat::new(p.cpa_lat, p.cpa_lon),
        core: p.clone(),
        last_d_m: f64::NAN,
        snap: match (c.a.snap, c.b.snap) {
            (Some(sa), Some(sb)) if p.min_d_m < hot_m => {
                Some(Box::new((c.a.range(sa).to_vec(), c.b.range(sb).to_vec())))
            }
            _ => None,
        },
    };
    let (f, tr) = judge(&pair, &c.a.track(), &c.b.track(), cfg)?;
    Some(Finding::NearMiss(Box::new(f), Box::new(tr)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_wrap_and_rows_are_consistent() {
        let a = cell_of(10.0, 179.999);
        let b = cell_of(10.0, -180.0);
        assert_ne!(a, b);
        assert_eq!(cell_of(10.0, -180.0) & 0xffff_ffff, 0);
        let row = row_of(10.0);
        assert_eq!((a & 0xffff_ffff) as i64, row_cols(row) - 1);
    }

    #[test]
    fn domain_ratio_ellipse() {
        let cfg = CensusConfig::default();
        // 100 m ship heading north: 400 m ahead is on the ellipse, 160 m abeam too.
        assert!((domain_ratio(0.0, 400.0, 0.0, Some(100.0), &cfg) - 1.0).abs() < 1e-9);
        assert!((domain_ratio(160.0, 0.0, 0.0, Some(100.0), &cfg) - 1.0).abs() < 1e-9);
        assert!(domain_ratio(0.0, 400.0, 90.0, Some(100.0), &cfg) > 2.0);
        assert!(domain_ratio(1.0, 1.0, 0.0, None, &cfg).is_infinite());
    }
}

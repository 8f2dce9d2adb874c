//! Every-pair screening: a spatial grid over each vessel's swept path so
//! that only pairs that could meet within the horizon are examined; a flat
//! closest-approach filter; the precise WGS84 CPA for the survivors.

use finisterra_nav::colregs::{role_from_ais, Role};
use finisterra_nav::cpa::Kinematic;

use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::picture::{Picture, Vessel, VesselClass};

/// Mean Earth radius for the flat filter, metres.
const R_M: f64 = 6_371_008.8;
const KN_MPS: f64 = 1852.0 / 3600.0;

/// A vessel as screened: predicted to the screening time.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(crate) struct Snap {
    pub mmsi: u32,
    /// The vessel's slot in the picture.
    pub slot: u32,
    pub lat: f64,
    pub lon: f64,
    pub cos_lat: f64,
    /// Velocity east, m/s.
    pub ve: f64,
    /// Velocity north, m/s.
    pub vn: f64,
    pub sog: f64,
    pub cog: f64,
    pub heading: Option<f64>,
    pub stationary: bool,
    pub role: Role,
    pub ship_type: Option<u8>,
    pub nav_status: Option<u8>,
    /// Swept-path bounding box (degrees; `lon_hi` may exceed 180).
    pub lat_lo: f64,
    pub lat_hi: f64,
    pub lon_lo: f64,
    pub lon_hi: f64,
}

impl Snap {
    pub fn kinematic(&self) -> Kinematic {
        let k = Kinematic::new(self.lat, self.lon, self.sog, self.cog);
        match self.heading {
            Some(h) => k.with_heading(h),
            None => k,
        }
    }
}

#[cfg(test)]
impl Snap {
    /// Vessel 1 at a position on a course and speed, power-driven, her
    /// swept box the point (for tests).
    pub(crate) fn for_test(lat: f64, lon: f64, sog: f64, cog: f64) -> Snap {
        let (sc, cc) = cog.to_radians().sin_cos();
        Snap {
            mmsi: 1,
            slot: 0,
            lat,
            lon,
            cos_lat: lat.to_radians().cos(),
            ve: sog * KN_MPS * sc,
            vn: sog * KN_MPS * cc,
            sog,
            cog,
            heading: None,
            stationary: sog < 0.5,
            role: finisterra_nav::colregs::Role::PowerDriven,
            ship_type: None,
            nav_status: None,
            lat_lo: lat,
            lat_hi: lat,
            lon_lo: lon,
            lon_hi: lon,
        }
    }
}

/// Builds the screening snapshot at `t_ms`, in picture order. Vessels without
/// a usable fix, with a fix older than the dead-reckoning limit, lost,
/// or moored alongside and stopped, are left out.
/// The snapshot of every vessel that can be screened, into `out` (cleared
/// first; its memory is reused pass after pass).
/// On several threads each makes the snapshots of a run of slots (`out`
/// the first, `rest` the others, their memory kept between passes) and
/// the runs are put back in order.
pub(crate) fn snapshots(
    p: &Picture,
    t_ms: i64,
    cfg: &Config,
    out: &mut Vec<Snap>,
    rest: &mut Vec<Vec<Snap>>,
    threads: crate::par::Threads,
) {
    let (horizon_s, margin_m, max_dr_ms) = snap_params(cfg);
    // In memory order: no sort, no random access.
    let fill = |first: usize, run: &mut Vec<Snap>, slots: &[Vessel]| {
        run.clear();
        run.extend(slots.iter().enumerate().filter_map(|(k, v)| {
            snap(
                v,
                (first + k) as u32,
                t_ms,
                max_dr_ms,
                horizon_s,
                margin_m,
                cfg,
            )
        }));
    };
    let n = p.slots.len();
    if threads.n <= 1 || n < threads.min_items {
        fill(0, out, &p.slots);
        return;
    }
    let per = n.div_ceil(threads.n);
    rest.resize_with(threads.n - 1, Vec::new);
    let mut runs: Vec<&mut Vec<Snap>> = std::iter::once(&mut *out).chain(rest.iter_mut()).collect();
    crate::par::each_mut(&mut runs, |t, run| {
        let lo = (t * per).min(n);
        let hi = (lo + per).min(n);
        fill(lo, run, &p.slots[lo..hi]);
    });
    for run in rest.iter() {
        out.extend_from_slice(run);
    }
}

/// Swept-path horizon (s), box margin (m) and dead-reckoning limit (ms).
fn snap_params(cfg: &Config) -> (f64, f64, i64) {
    let horizon_s = cfg.risk.warning_tcpa_s * cfg.risk.clear_factor.max(1.0);
    let margin_m = 0.5 * cfg.risk.warning_cpa_nm * 1852.0 * cfg.risk.clear_factor.max(1.0) + 50.0;
    let max_dr_ms = (cfg.risk.max_dead_reckoning_s * 1000.0) as i64;
    (horizon_s, margin_m, max_dr_ms)
}

/// One vessel's snapshot at `t_ms`, as [`snapshots`] makes it.
pub(crate) fn snap_at(v: &Vessel, slot: u32, t_ms: i64, cfg: &Config) -> Option<Snap> {
    let (horizon_s, margin_m, max_dr_ms) = snap_params(cfg);
    snap(v, slot, t_ms, max_dr_ms, horizon_s, margin_m, cfg)
}

fn snap(
    v: &Vessel,
    slot: u32,
    t_ms: i64,
    max_dr_ms: i64,
    horizon_s: f64,
    margin_m: f64,
    cfg: &Config,
) -> Option<Snap> {
    if !v.has_fix() || v.lost || v.class == VesselClass::SarAircraft {
        return None;
    }
    let age_ms = t_ms - v.fix_ms;
    if !(0..=max_dr_ms).contains(&age_ms) {
        return None;
    }
    let status_still = matches!(v.nav_status, Some(1) | Some(5) | Some(6));
    // Alongside a berth: not navigating, and ships pass berths closely.
    if v.nav_status == Some(5) && v.sog_kn.unwrap_or(0.0) < cfg.risk.stationary_kn {
        return None;
    }
    let (sog, cog, stationary) = match (v.sog_kn, v.cog_deg.or(v.heading_deg)) {
        (Some(s), _) if s < cfg.risk.stationary_kn => (0.0, v.cog_deg.unwrap_or(0.0), true),
        (Some(s), Some(c)) => (s, c, false),
        (None, _) if status_still => (0.0, v.cog_deg.unwrap_or(0.0), true),
        // Moving, but which way or how fast is unknown: cannot predict.
        _ => return None,
    };
    let (sc, cc) = cog.to_radians().sin_cos();
    let ve = sog * KN_MPS * sc;
    let vn = sog * KN_MPS * cc;
    let dt = age_ms as f64 / 1000.0;
    let cos0 = v.lat_deg.to_radians().cos().max(1e-6);
    let lat = (v.lat_deg + (vn * dt / R_M).to_degrees()).clamp(-90.0, 90.0);
    let lon =
        finisterra_nav::geo::wrap_lon_once_deg(v.lon_deg + (ve * dt / (R_M * cos0)).to_degrees());
    let cos_lat = lat.to_radians().cos().max(1e-6);
    let end_lat = lat + (vn * horizon_s / R_M).to_degrees();
    let end_lon = lon + (ve * horizon_s / (R_M * cos_lat)).to_degrees();
    let m_lat = (margin_m / R_M).to_degrees();
    let m_lon = (margin_m / (R_M * cos_lat)).to_degrees();
    let lat_lo = lat.min(end_lat) - m_lat;
    let lat_hi = lat.max(end_lat) + m_lat;
    let mut lon_lo = lon.min(end_lon) - m_lon;
    let mut lon_hi = lon.max(end_lon) + m_lon;
    if lon_hi - lon_lo >= 360.0 {
        lon_lo = -180.0;
        lon_hi = 180.0;
    } else if lon_lo < -180.0 {
        lon_lo += 360.0;
        lon_hi += 360.0;
    }
    let ship_type = v.static_data.ship_type;
    Some(Snap {
        mmsi: v.mmsi,
        slot,
        lat,
        lon,
        cos_lat,
        ve,
        vn,
        sog,
        cog,
        heading: v.heading_deg,
        stationary,
        role: role_from_ais(v.nav_status, ship_type),
        ship_type,
        nav_status: v.nav_status,
        lat_lo,
        lat_hi,
        lon_lo,
        lon_hi,
    })
}

/// Grid cell size, degrees (about 6 NM north-south).
const CELL_DEG: f64 = 0.1;
const NCOLS: i64 = (360.0 / CELL_DEG) as i64;

/// A swept-path box in single precision, padded outwards by about 10 m
/// so that rounding never loses an overlap: `[lat_lo, lat_hi, lon_lo,
/// lon_hi]`. Compact boxes keep the pair loop in cache.
fn compact_box(s: &Snap) -> [f32; 4] {
    const PAD: f64 = 1e-4;
    [
        (s.lat_lo - PAD) as f32,
        (s.lat_hi + PAD) as f32,
        (s.lon_lo - PAD) as f32,
        (s.lon_hi + PAD) as f32,
    ]
}

/// When two boxes overlap, the longitude shift (0 or ±360) that makes
/// them do so.
#[inline]
fn overlap_shift(a: &[f32; 4], b: &[f32; 4]) -> Option<f32> {
    if a[1] < b[0] || b[1] < a[0] {
        return None;
    }
    [0.0f32, 360.0, -360.0]
        .into_iter()
        .find(|&shift| a[2] <= b[3] + shift && b[2] + shift <= a[3])
}

/// The grid and working memory of [`build_grid`], kept between passes (a pass over
/// a world of vessels would otherwise fault in megabytes of fresh pages).
#[derive(Debug, Default)]
pub(crate) struct PairScratch {
    keys: Vec<u64>,
    boxes: Vec<[f32; 4]>,
    cell_boxes: Vec<[f32; 4]>,
    /// Each thread's sorted keys, before they are merged.
    runs: Vec<Vec<u64>>,
    /// Each thread's buffer for sorting its keys.
    sort_bufs: Vec<Vec<u64>>,
    /// Set once a pass has sorted the grid.
    pub built: bool,
}

/// The grid of the pass: every swept-path box in every cell it covers,
/// sorted by cell (see [`PairScratch`]). [`pairs_in_cells`] then visits
/// its pairs, and [`overlapping`] answers queries against it.
pub(crate) fn build_grid(snaps: &[Snap], work: &mut PairScratch, threads: crate::par::Threads) {
    work.built = true;
    let PairScratch {
        keys: scratch,
        boxes,
        cell_boxes,
        runs,
        sort_bufs,
        ..
    } = work;
    scratch.clear();
    boxes.clear();
    boxes.extend(snaps.iter().map(compact_box));
    sort_bufs.resize_with(threads.n.max(1), Vec::new);
    if threads.n <= 1 || snaps.len() < threads.min_items {
        grid_keys(snaps, boxes, 0, scratch);
        sort_keys(scratch, &mut sort_bufs[0]);
    } else {
        // Each thread keys and sorts a run of vessels; the sorted runs are
        // then merged (the keys are distinct: the same order as one sort).
        let per = snaps.len().div_ceil(threads.n);
        runs.resize_with(threads.n, Vec::new);
        let boxes = &*boxes;
        let mut work: Vec<(&mut Vec<u64>, &mut Vec<u64>)> =
            runs.iter_mut().zip(sort_bufs.iter_mut()).collect();
        crate::par::each_mut(&mut work, |t, (run, buf)| {
            let lo = (t * per).min(snaps.len());
            let hi = (lo + per).min(snaps.len());
            run.clear();
            grid_keys(&snaps[lo..hi], &boxes[lo..hi], lo, run);
            sort_keys(run, buf);
        });
        merge_sorted(runs, scratch);
    }
    // The boxes again, in cell order: the pair loop then reads memory
    // sequentially.
    cell_boxes.clear();
    cell_boxes.extend(scratch.iter().map(|k| boxes[(k & 0x7FFF_FFFF) as usize]));
}

/// Candidate pairs `(i, j)`, `i < j` (indices into `snaps`), whose swept
/// paths overlap: every pair that could come within the warning distance
/// (with hysteresis margin) inside the horizon, and few others. In cell
/// order; the grid is built in `work` on the way.
#[cfg(test)]
pub(crate) fn candidate_pairs(
    snaps: &[Snap],
    work: &mut PairScratch,
    pairs: &mut Vec<(u32, u32)>,
    threads: crate::par::Threads,
) {
    build_grid(snaps, work, threads);
    pairs.clear();
    pairs.extend(pairs_in_cells(snaps, work, threads, |i, j, _, _| Some((i, j))).0);
}

/// What the closest-approach filters read of a vessel: its snapshot, or
/// the [`Kin`] the pair loop gathers cell by cell.
pub(crate) trait Motion {
    fn mmsi(&self) -> u32;
    fn lat(&self) -> f64;
    fn lon(&self) -> f64;
    fn cos_lat(&self) -> f64;
    /// Velocity east, m/s.
    fn ve(&self) -> f64;
    /// Velocity north, m/s.
    fn vn(&self) -> f64;
}

/// [`Motion`] for a type with those fields.
macro_rules! motion_of_fields {
    ($t:ty) => {
        impl Motion for $t {
            #[inline]
            fn mmsi(&self) -> u32 {
                self.mmsi
            }
            #[inline]
            fn lat(&self) -> f64 {
                self.lat
            }
            #[inline]
            fn lon(&self) -> f64 {
                self.lon
            }
            #[inline]
            fn cos_lat(&self) -> f64 {
                self.cos_lat
            }
            #[inline]
            fn ve(&self) -> f64 {
                self.ve
            }
            #[inline]
            fn vn(&self) -> f64 {
                self.vn
            }
        }
    };
}

motion_of_fields!(Snap);
motion_of_fields!(Kin);

/// A snapshot's motion, copied next to its cell's others so that the pair
/// loop reads memory in order (the snapshots are in picture order).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Kin {
    pub mmsi: u32,
    pub lat: f64,
    pub lon: f64,
    pub cos_lat: f64,
    pub ve: f64,
    pub vn: f64,
}

impl Kin {
    fn of(s: &Snap) -> Kin {
        Kin {
            mmsi: s.mmsi,
            lat: s.lat,
            lon: s.lon,
            cos_lat: s.cos_lat,
            ve: s.ve,
            vn: s.vn,
        }
    }
}

/// `visit(i, j, a, b)` for every candidate pair of the grid `work` built
/// for `snaps` (`i < j`, `a` and `b` their motions), the `Some`s in cell
/// order whatever the threads; and how many candidate pairs there were.
/// Judging a pair where the pair loop finds it, from its cell's gathered
/// motions, spares a second walk over the pairs with a random read of two
/// snapshots each.
pub(crate) fn pairs_in_cells<T: Send>(
    snaps: &[Snap],
    work: &PairScratch,
    threads: crate::par::Threads,
    visit: impl Fn(u32, u32, &Kin, &Kin) -> Option<T> + Sync,
) -> (Vec<T>, u64) {
    let (scratch, cell_boxes) = (&work.keys[..], &work.cell_boxes[..]);
    let found = std::sync::atomic::AtomicU64::new(0);
    let run = |range: std::ops::Range<usize>| {
        let mut out = Vec::new();
        let n = cell_pairs(snaps, scratch, cell_boxes, range, &mut out, &visit);
        found.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        out
    };
    if threads.n <= 1 || scratch.len() < threads.min_items {
        let out = run(0..scratch.len());
        return (out, found.into_inner());
    }
    // A cell costs its moving vessels times all of its vessels: the runs
    // of whole cells are cut at equal shares of that (a crowded strait is
    // most of the work), not of the vessels.
    let mut starts: Vec<usize> = Vec::new();
    let mut work: Vec<u64> = vec![0];
    let mut k = 0;
    while k < scratch.len() {
        let cell = scratch[k] >> 32;
        let mut e = k;
        let mut moving = 0u64;
        while e < scratch.len() && scratch[e] >> 32 == cell {
            moving += u64::from(scratch[e] & (1 << 31) == 0);
            e += 1;
        }
        starts.push(k);
        let total = work.last().copied().unwrap_or(0);
        work.push(total + moving * (e - k) as u64 + (e - k) as u64);
        k = e;
    }
    let total = work.last().copied().unwrap_or(0);
    let mut bounds = vec![0];
    for t in 1..threads.n {
        let share = total * t as u64 / threads.n as u64;
        let cell = work.partition_point(|&w| w < share).min(starts.len());
        bounds.push(starts.get(cell).copied().unwrap_or(scratch.len()));
    }
    bounds.push(scratch.len());
    bounds.sort_unstable();
    let out = crate::par::in_ranges(&bounds, run);
    (out, found.into_inner())
}

/// The grid keys of `snaps` (the first at index `first`) and their
/// `boxes`: one per cell a box covers.
fn grid_keys(snaps: &[Snap], boxes: &[[f32; 4]], first: usize, keys: &mut Vec<u64>) {
    for (i, (s, b)) in snaps.iter().zip(boxes).enumerate() {
        let r0 = row(b[0]);
        let r1 = row(b[1]);
        let c0 = col(b[2]);
        let c1 = col(b[3]).min(c0 + NCOLS - 1);
        for r in r0..=r1 {
            for c in c0..=c1 {
                // Cell number in the high half, vessel index in the low half:
                // sorting plain integers is much faster than tuples.
                // Within a cell, moving vessels sort before stationary ones
                // (bit 31), so stationary pairs are never even visited.
                let cell = (r * NCOLS + c.rem_euclid(NCOLS)) as u64;
                let still = (s.stationary as u64) << 31;
                keys.push(cell << 32 | still | (first + i) as u64);
            }
        }
    }
}

/// Sorts grid keys made by [`grid_keys`] in the order of their vessels
/// (`buf` is working memory): a stable radix sort on the cell and the
/// stationary bit, three passes of 11 bits, which leaves each cell's
/// vessels in the order they came, so the keys end in increasing order,
/// as a comparison sort would leave them, in a fraction of its time.
fn sort_keys(keys: &mut Vec<u64>, buf: &mut Vec<u64>) {
    const FIRST_BIT: u32 = 31;
    const DIGIT_BITS: u32 = 11;
    const BUCKETS: usize = 1 << DIGIT_BITS;
    debug_assert!(
        keys.windows(2)
            .all(|w| (w[0] & 0x7FFF_FFFF) <= (w[1] & 0x7FFF_FFFF)),
        "keys come in the order of their vessels"
    );
    let mut counts = vec![[0usize; BUCKETS]; 3];
    for &k in keys.iter() {
        for (d, count) in counts.iter_mut().enumerate() {
            let digit = (k >> (FIRST_BIT + DIGIT_BITS * d as u32)) as usize & (BUCKETS - 1);
            count[digit] += 1;
        }
    }
    buf.clear();
    buf.resize(keys.len(), 0);
    for (d, count) in counts.iter().enumerate() {
        // A digit the same in every key moves nothing.
        if count.contains(&keys.len()) {
            continue;
        }
        let mut at = [0usize; BUCKETS];
        let mut sum = 0;
        for (slot, &c) in at.iter_mut().zip(count) {
            *slot = sum;
            sum += c;
        }
        let shift = FIRST_BIT + DIGIT_BITS * d as u32;
        for &k in keys.iter() {
            let digit = (k >> shift) as usize & (BUCKETS - 1);
            buf[at[digit]] = k;
            at[digit] += 1;
        }
        std::mem::swap(keys, buf);
    }
}

/// Sorted runs merged into `out` (cleared first).
fn merge_sorted(runs: &[Vec<u64>], out: &mut Vec<u64>) {
    out.clear();
    out.reserve(runs.iter().map(Vec::len).sum());
    let mut at = vec![0usize; runs.len()];
    loop {
        let mut best: Option<(usize, u64)> = None;
        for (r, run) in runs.iter().enumerate() {
            if let Some(&k) = run.get(at[r]) {
                if best.is_none_or(|(_, b)| k < b) {
                    best = Some((r, k));
                }
            }
        }
        let Some((r, k)) = best else {
            return;
        };
        out.push(k);
        at[r] += 1;
    }
}

/// The pairs of the whole cells in `range` of the sorted keys, visited;
/// returns how many there were.
fn cell_pairs<T>(
    snaps: &[Snap],
    scratch: &[u64],
    cell_boxes: &[[f32; 4]],
    range: std::ops::Range<usize>,
    out: &mut Vec<T>,
    visit: &impl Fn(u32, u32, &Kin, &Kin) -> Option<T>,
) -> u64 {
    let mut found = 0u64;
    // The cell's motions, and the row and column of each box's
    // south-west corner.
    let mut kin: Vec<Kin> = Vec::new();
    let mut corner: Vec<(i64, i64)> = Vec::new();
    // The boxes of the cell that a box meets there.
    let mut hits: Vec<u32> = Vec::new();
    let mut k = range.start;
    while k < range.end {
        let cell = scratch[k] >> 32;
        let mut e = k + 1;
        while e < range.end && scratch[e] >> 32 == cell {
            e += 1;
        }
        if scratch[k] & (1 << 31) != 0 {
            // Only stationary vessels in this cell.
            k = e;
            continue;
        }
        let (cr, cc) = ((cell as i64) / NCOLS, (cell as i64) % NCOLS);
        // Boxes that all end west of the antimeridian overlap only as they
        // are (no shift of 360°): the common case, tested without branches.
        let wraps = cell_boxes[k..e].iter().any(|b| b[3] >= 180.0);
        kin.clear();
        kin.extend(
            scratch[k..e]
                .iter()
                .map(|key| Kin::of(&snaps[(key & 0x7FFF_FFFF) as usize])),
        );
        corner.clear();
        corner.extend(cell_boxes[k..e].iter().map(|b| (row(b[0]), col(b[2]))));
        hits.clear();
        hits.resize(e - k, 0);
        for x in k..e {
            if scratch[x] & (1 << 31) != 0 {
                // Only stationary vessels from here on in this cell.
                break;
            }
            let i = (scratch[x] & 0x7FFF_FFFF) as u32;
            let a = &cell_boxes[x];
            // Two boxes share every cell their intersection covers: a pair
            // is reported once, in the cell holding the intersection's
            // south-west corner.
            let mut n = 0;
            if wraps {
                for (y, b) in cell_boxes.iter().enumerate().take(e).skip(x + 1) {
                    if let Some(shift) = overlap_shift(a, b) {
                        if row(a[0].max(b[0])) == cr
                            && col(a[2].max(b[2] + shift)).rem_euclid(NCOLS) == cc
                        {
                            hits[n] = y as u32;
                            n += 1;
                        }
                    }
                }
            } else {
                // Without a branch on the outcome, which is a coin toss:
                // every box is written down, and kept when it overlaps
                // here. Row and column grow with latitude and longitude,
                // so the corner's are the larger of the two boxes'.
                let (ra, ca) = corner[x - k];
                for (y, b) in cell_boxes.iter().enumerate().take(e).skip(x + 1) {
                    let (rb, cb) = corner[y - k];
                    let overlap = (a[1] >= b[0]) & (b[1] >= a[0]) & (a[2] <= b[3]) & (b[2] <= a[3]);
                    let here = (ra.max(rb) == cr) & (ca.max(cb).rem_euclid(NCOLS) == cc);
                    hits[n] = y as u32;
                    n += usize::from(overlap & here);
                }
            }
            found += n as u64;
            for &y in &hits[..n] {
                let y = y as usize;
                let j = (scratch[y] & 0x7FFF_FFFF) as u32;
                let (ka, kb) = (&kin[x - k], &kin[y - k]);
                let got = if i < j {
                    visit(i, j, ka, kb)
                } else {
                    visit(j, i, kb, ka)
                };
                if let Some(t) = got {
                    out.push(t);
                }
            }
        }
        k = e;
    }
    found
}

/// The snapshots (indices into the pass's `snaps`) whose swept-path boxes
/// overlap box `q` (`[lat_lo, lat_hi, lon_lo, lon_hi]`, degrees, `lon_hi`
/// may exceed 180), from the grid [`candidate_pairs`] sorted for the pass.
/// Sorted, each once.
pub(crate) fn overlapping(work: &PairScratch, q: [f64; 4], out: &mut Vec<u32>) {
    out.clear();
    let keys = &work.keys;
    if keys.is_empty() {
        return;
    }
    let mut q = q;
    if q[3] - q[2] >= 360.0 {
        q[2] = -180.0;
        q[3] = 180.0;
    } else if q[2] < -180.0 {
        q[2] += 360.0;
        q[3] += 360.0;
    }
    let qb = [q[0] as f32, q[1] as f32, q[2] as f32, q[3] as f32];
    overlapping_compact(work, qb, out);
}

/// The candidate partners of snapshot `i` of the pass: those whose boxes
/// overlap its own, itself left out, and the stationary ones too when it
/// is stationary: the pairs of `i` that [`pairs_in_cells`] visits. Sorted.
pub(crate) fn partners(work: &PairScratch, snaps: &[Snap], i: usize, out: &mut Vec<u32>) {
    overlapping_compact(work, work.boxes[i], out);
    let still = snaps[i].stationary;
    out.retain(|&j| j as usize != i && !(still && snaps[j as usize].stationary));
}

/// [`overlapping`] for a box already normalised and in single precision.
fn overlapping_compact(work: &PairScratch, qb: [f32; 4], out: &mut Vec<u32>) {
    out.clear();
    let keys = &work.keys;
    let (r0, r1) = (row(qb[0]), row(qb[1]));
    let c0 = col(qb[2]);
    let c1 = col(qb[3]).min(c0 + NCOLS - 1);
    for r in r0..=r1 {
        for c in c0..=c1 {
            let cell = (r * NCOLS + c.rem_euclid(NCOLS)) as u64;
            let start = keys.partition_point(|k| (k >> 32) < cell);
            for k in &keys[start..] {
                if k >> 32 != cell {
                    break;
                }
                let i = (k & 0x7FFF_FFFF) as u32;
                if overlap_shift(&qb, &work.boxes[i as usize]).is_some() {
                    out.push(i);
                }
            }
        }
    }
    out.sort_unstable();
    out.dedup();
}

/// A box around `(lat, lon)` holding every point within `radius_m`.
pub(crate) fn box_around(lat: f64, lon: f64, radius_m: f64) -> [f64; 4] {
    let d_lat = (radius_m / R_M).to_degrees();
    let cos = (lat.abs() + d_lat).min(90.0).to_radians().cos();
    let d_lon = if cos < 1e-3 {
        360.0
    } else {
        (radius_m / (R_M * cos)).to_degrees().min(360.0)
    };
    [
        (lat - d_lat).max(-90.0),
        (lat + d_lat).min(90.0),
        lon - d_lon,
        lon + d_lon,
    ]
}

/// The swept-path box of a snapshot as a query box.
pub(crate) fn swept_box(s: &Snap) -> [f64; 4] {
    [s.lat_lo, s.lat_hi, s.lon_lo, s.lon_hi]
}

// Offsets keep the arguments positive, so truncation is floor (no libm
// call on the hot path).
#[inline]
fn row(lat: f32) -> i64 {
    (((lat as f64 + 90.0).max(0.0) / CELL_DEG) as i64).min((180.0 / CELL_DEG) as i64)
}

#[inline]
fn col(lon: f32) -> i64 {
    ((lon as f64 + 540.0).max(0.0) / CELL_DEG) as i64 - NCOLS
}

/// Direction of the convergence correction (checked against the tangent
/// plane in the tests).
const CONV_SIGN: f64 = 1.0;

/// WGS84 first eccentricity squared.
const E2: f64 = 0.006_694_379_990_141_317;
/// WGS84 semi-major axis, metres.
const A_M: f64 = 6_378_137.0;

/// Relative position of `b` from `a` in the plane tangent at their mean
/// latitude, with the WGS84 radii of curvature there (east, north metres).
/// Under a metre of error at 20 NM below 70° of latitude (see the
/// `screening_plane_accuracy` test against the tangent-plane CPA).
#[inline]
fn rel_plane<M: Motion>(a: &M, b: &M) -> (f64, f64) {
    let dlon = finisterra_nav::geo::wrap_lon_once_deg(b.lon() - a.lon());
    let cosm = 0.5 * (a.cos_lat() + b.cos_lat());
    let sin2 = 1.0 - cosm * cosm;
    let w2 = 1.0 - E2 * sin2;
    let n = A_M / w2.sqrt();
    let m = n * (1.0 - E2) / w2;
    (
        dlon.to_radians() * n * cosm,
        (b.lat() - a.lat()).to_radians() * m,
    )
}

/// Range between two snapshots in the screening plane, metres.
#[inline]
pub(crate) fn flat_range<M: Motion>(a: &M, b: &M) -> f64 {
    let (x, y) = rel_plane(a, b);
    (x * x + y * y).sqrt()
}

/// Position of `b` from `a` (east, north, metres) on a sphere at the mean
/// cosine of latitude: the cheap plane of the first filters.
#[inline]
pub(crate) fn rough_rel<M: Motion>(a: &M, b: &M) -> (f64, f64) {
    let dlon = finisterra_nav::geo::wrap_lon_once_deg(b.lon() - a.lon());
    const K: f64 = 6_371_000.0 * std::f64::consts::PI / 180.0;
    (
        dlon * K * 0.5 * (a.cos_lat() + b.cos_lat()),
        (b.lat() - a.lat()) * K,
    )
}

/// Whether the rough closest approach of `b` to `a` (no meridian
/// convergence, spherical radius: within a few percent of [`flat_cpa`])
/// is under `cpa_m` between `t_lo_s` and `t_hi_s` from now (`t_lo_s` <= 0
/// <= `t_hi_s`); a cheap first filter, without a division or a square
/// root: with `r` the relative position and `v` the relative velocity,
/// the time of closest approach is `-r·v / v²` and the distance then
/// `sqrt(r² - (r·v)² / v²)`.
#[inline]
pub(crate) fn rough_near<M: Motion>(a: &M, b: &M, cpa_m: f64, t_lo_s: f64, t_hi_s: f64) -> bool {
    let (rx, ry) = rough_rel(a, b);
    let vx = b.ve() - a.ve();
    let vy = b.vn() - a.vn();
    let v2 = vx * vx + vy * vy;
    let r2 = rx * rx + ry * ry;
    if v2 < 1e-9 {
        // Keeping their distance: closest now.
        return r2 < cpa_m * cpa_m;
    }
    let rv = rx * vx + ry * vy;
    (-rv > t_lo_s * v2) & (-rv < t_hi_s * v2) & (r2 * v2 - rv * rv < cpa_m * cpa_m * v2)
}

/// Closest approach of two snapshots in the screening plane: `(cpa_m,
/// tcpa_s, relative speed m/s)`. Each vessel's velocity is turned by half
/// the convergence of the meridians between them, so that courses are read
/// where each vessel is.
#[inline]
pub(crate) fn flat_cpa<M: Motion>(a: &M, b: &M) -> (f64, f64, f64) {
    let (rx, ry) = rel_plane(a, b);
    let dlon = finisterra_nav::geo::wrap_lon_once_deg(b.lon() - a.lon());
    let sinm = (0.5 * (a.lat() + b.lat())).to_radians().sin();
    // Half the convergence; b's north is turned one way, a's the other.
    let g = 0.5 * dlon.to_radians() * sinm * CONV_SIGN;
    let (sg, cg) = (g.sin(), g.cos());
    let (bve, bvn) = (b.ve() * cg - b.vn() * sg, b.ve() * sg + b.vn() * cg);
    let (ave, avn) = (a.ve() * cg + a.vn() * sg, -a.ve() * sg + a.vn() * cg);
    let vx = bve - ave;
    let vy = bvn - avn;
    let v2 = vx * vx + vy * vy;
    let range = (rx * rx + ry * ry).sqrt();
    if v2 < 1e-9 {
        return (range, 0.0, 0.0);
    }
    let t = -(rx * vx + ry * vy) / v2;
    let cx = rx + vx * t;
    let cy = ry + vy * t;
    ((cx * cx + cy * cy).sqrt(), t, v2.sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs_of(snaps: &[Snap]) -> Vec<(u32, u32)> {
        let mut pairs = vec![(7, 7)];
        candidate_pairs(
            snaps,
            &mut PairScratch::default(),
            &mut pairs,
            crate::par::Threads::default(),
        );
        pairs
    }

    fn s(mmsi: u32, lat: f64, lon: f64, sog: f64, cog: f64) -> Snap {
        let (sc, cc) = cog.to_radians().sin_cos();
        let cos_lat = lat.to_radians().cos();
        let ve = sog * KN_MPS * sc;
        let vn = sog * KN_MPS * cc;
        let h = 1440.0;
        let m = 1111.0;
        let end_lat = lat + (vn * h / R_M).to_degrees();
        let end_lon = lon + (ve * h / (R_M * cos_lat)).to_degrees();
        let ml = (m / R_M).to_degrees();
        let mo = (m / (R_M * cos_lat)).to_degrees();
        let mut lon_lo = lon.min(end_lon) - mo;
        let mut lon_hi = lon.max(end_lon) + mo;
        if lon_lo < -180.0 {
            lon_lo += 360.0;
            lon_hi += 360.0;
        }
        Snap {
            mmsi,
            slot: mmsi,
            lat,
            lon,
            cos_lat,
            ve,
            vn,
            sog,
            cog,
            heading: None,
            stationary: sog < 0.5,
            role: Role::PowerDriven,
            ship_type: None,
            nav_status: None,
            lat_lo: lat.min(end_lat) - ml,
            lat_hi: lat.max(end_lat) + ml,
            lon_lo,
            lon_hi,
        }
    }

    /// The grid finds every pair of overlapping boxes once (no pair of two
    /// stationary vessels), whatever the threads: crowded cells, either
    /// side of the antimeridian and near a pole, against all pairs.
    #[test]
    fn grid_pairs_are_every_overlapping_pair_once() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut uniform = move |lo: f64, hi: f64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            lo + (hi - lo) * ((x >> 11) as f64 / (1u64 << 53) as f64)
        };
        let mut snaps = Vec::new();
        for (lat, lon, spread) in [(1.2, 103.9, 0.3), (-16.0, 179.85, 0.4), (84.0, -179.9, 0.5)] {
            for _ in 0..300 {
                let mmsi = snaps.len() as u32;
                let sog = if uniform(0.0, 1.0) < 0.3 {
                    0.0
                } else {
                    uniform(1.0, 30.0)
                };
                let mut lon = lon + uniform(-spread, spread);
                if lon >= 180.0 {
                    lon -= 360.0;
                }
                snaps.push(s(
                    mmsi,
                    lat + uniform(-spread, spread),
                    lon,
                    sog,
                    uniform(0.0, 360.0),
                ));
            }
        }
        let boxes: Vec<[f32; 4]> = snaps.iter().map(compact_box).collect();
        let mut all = Vec::new();
        for i in 0..snaps.len() {
            for j in i + 1..snaps.len() {
                let both_still = snaps[i].stationary && snaps[j].stationary;
                if !both_still && overlap_shift(&boxes[i], &boxes[j]).is_some() {
                    all.push((i as u32, j as u32));
                }
            }
        }
        assert!(all.len() > 1000, "crowded: {} pairs", all.len());
        let wrapped = all
            .iter()
            .filter(|&&(i, j)| (snaps[i as usize].lon < 0.0) != (snaps[j as usize].lon < 0.0))
            .count();
        assert!(wrapped > 50, "pairs across the antimeridian: {wrapped}");
        for threads in [1, 3] {
            let mut pairs = Vec::new();
            let t = crate::par::Threads {
                n: threads,
                min_items: 1,
            };
            candidate_pairs(&snaps, &mut PairScratch::default(), &mut pairs, t);
            pairs.sort_unstable();
            let n = pairs.len();
            pairs.dedup();
            assert_eq!(pairs.len(), n, "each pair once ({threads} threads)");
            assert_eq!(pairs, all, "{threads} threads");
        }
    }

    #[test]
    fn grid_finds_converging_pair_and_skips_distant_one() {
        let snaps = vec![
            s(1, 50.0, -1.0, 12.0, 90.0),
            s(2, 50.0, -0.85, 12.0, 270.0),
            s(3, 55.0, 5.0, 12.0, 0.0),
        ];
        let pairs = pairs_of(&snaps);
        assert_eq!(pairs, vec![(0, 1)]);
    }

    #[test]
    fn grid_pairs_across_the_antimeridian() {
        let snaps = vec![
            s(1, 10.0, 179.95, 10.0, 90.0),
            s(2, 10.0, -179.95, 10.0, 270.0),
        ];
        assert_eq!(pairs_of(&snaps), vec![(0, 1)]);
        let (cpa, tcpa, _) = flat_cpa(&snaps[0], &snaps[1]);
        assert!(cpa < 1.0, "{cpa}");
        assert!(tcpa > 1000.0 && tcpa < 1100.0, "{tcpa}");
    }

    /// The screening plane against the tangent-plane CPA of
    /// `finisterra_nav`, for crossing and head-on pairs 2-10 NM apart at
    /// latitudes 0-75°: decisions taken on the screening values are off by
    /// under ~5 m.
    #[test]
    fn screening_plane_accuracy() {
        use finisterra_nav::cpa::cpa;
        let mut worst: f64 = 0.0;
        for lat in [0.0, 30.0, 45.0, 60.0, 70.0, 75.0, -50.0] {
            for (brg, cog_a, cog_b) in [
                (90.0, 90.0, 270.0),
                (45.0, 0.0, 270.0),
                (90.0, 10.0, 250.0),
                (0.0, 80.0, 200.0),
            ] {
                for dist_nm in [2.0, 5.0, 10.0] {
                    let (blat, blon) =
                        finisterra_nav::geo::destination(lat, 20.0, brg, dist_nm * 1852.0);
                    let a = s(1, lat, 20.0, 14.0, cog_a);
                    let b = s(2, blat, blon, 11.0, cog_b);
                    let (cpa_m, tcpa_s, _) = flat_cpa(&a, &b);
                    let c = cpa(&a.kinematic(), &b.kinematic());
                    let err = (cpa_m - c.cpa_nm * 1852.0).abs();
                    worst = worst.max(err);
                    assert!(
                        err < 5.0,
                        "lat {lat} brg {brg} {dist_nm} NM: {cpa_m} vs {}",
                        c.cpa_nm * 1852.0
                    );
                    assert!((tcpa_s - c.tcpa_s).abs() < 2.0, "{tcpa_s} vs {}", c.tcpa_s);
                }
            }
        }
        eprintln!("worst screening-plane CPA error: {worst:.2} m");
    }

    #[test]
    fn stationary_pairs_are_not_candidates() {
        let snaps = vec![s(1, 50.0, -1.0, 0.0, 0.0), s(2, 50.0, -1.0001, 0.1, 0.0)];
        assert!(pairs_of(&snaps).is_empty());
    }

    /// A crowded world for the tests below: a strait, the antimeridian
    /// and high latitudes, a third of the vessels stopped.
    fn crowd(per_place: usize) -> Vec<Snap> {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut uniform = move |lo: f64, hi: f64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            lo + (hi - lo) * ((x >> 11) as f64 / (1u64 << 53) as f64)
        };
        let mut snaps = Vec::new();
        for (lat, lon, spread) in [(36.0, -5.6, 0.4), (-16.0, 179.85, 0.4), (71.0, 25.0, 0.6)] {
            for _ in 0..per_place {
                let mmsi = 200_000_000 + snaps.len() as u32;
                let sog = if uniform(0.0, 1.0) < 0.33 {
                    0.0
                } else {
                    uniform(1.0, 30.0)
                };
                let mut lon = lon + uniform(-spread, spread);
                if lon >= 180.0 {
                    lon -= 360.0;
                }
                snaps.push(s(
                    mmsi,
                    lat + uniform(-spread, spread),
                    lon,
                    sog,
                    uniform(0.0, 360.0),
                ));
            }
        }
        snaps
    }

    /// The radix sort of the grid's keys gives what a comparison sort
    /// gives, on keys made as the grid makes them.
    #[test]
    fn grid_keys_sort_as_a_comparison_sort_would() {
        let snaps = crowd(700);
        let boxes: Vec<[f32; 4]> = snaps.iter().map(compact_box).collect();
        let mut keys = Vec::new();
        grid_keys(&snaps, &boxes, 0, &mut keys);
        assert!(keys.len() > snaps.len(), "boxes over several cells");
        let mut expected = keys.clone();
        expected.sort_unstable();
        sort_keys(&mut keys, &mut Vec::new());
        assert_eq!(keys, expected);
        let mut none: Vec<u64> = Vec::new();
        sort_keys(&mut none, &mut Vec::new());
        assert!(none.is_empty());
    }

    /// A vessel's partners asked of the grid are her candidate pairs.
    #[test]
    fn partners_are_the_candidate_pairs_of_a_vessel() {
        let snaps = crowd(400);
        let mut work = PairScratch::default();
        let mut pairs = Vec::new();
        candidate_pairs(
            &snaps,
            &mut work,
            &mut pairs,
            crate::par::Threads::default(),
        );
        let mut of: Vec<Vec<u32>> = vec![Vec::new(); snaps.len()];
        for &(i, j) in &pairs {
            of[i as usize].push(j);
            of[j as usize].push(i);
        }
        let mut near = Vec::new();
        let mut checked = 0;
        for (i, expected) in of.iter_mut().enumerate() {
            expected.sort_unstable();
            partners(&work, &snaps, i, &mut near);
            assert_eq!(&near, expected, "vessel {i}");
            checked += usize::from(!near.is_empty());
        }
        assert!(checked > 500, "{checked} vessels with partners");
    }

    /// The rough filter without division says what the closest approach
    /// computed with one says, away from the limits by a rounding error.
    #[test]
    fn rough_filter_agrees_with_the_closest_approach() {
        let snaps = crowd(300);
        let (cpa_m, t_lo_s, t_hi_s) = (2500.0, -120.0, 1800.0);
        let (mut near, mut far) = (0, 0);
        for a in &snaps {
            for b in &snaps {
                let (rx, ry) = rough_rel(a, b);
                let (vx, vy) = (b.ve - a.ve, b.vn - a.vn);
                let v2 = vx * vx + vy * vy;
                let (c, t) = if v2 < 1e-9 {
                    ((rx * rx + ry * ry).sqrt(), 0.0)
                } else {
                    let t = -(rx * vx + ry * vy) / v2;
                    ((rx + vx * t).hypot(ry + vy * t), t)
                };
                let edge = (c - cpa_m).abs() < 1e-6 * cpa_m
                    || (t - t_lo_s).abs() < 1e-6
                    || (t - t_hi_s).abs() < 1e-3;
                if edge {
                    continue;
                }
                let expected = c < cpa_m && t > t_lo_s && t < t_hi_s;
                assert_eq!(
                    rough_near(a, b, cpa_m, t_lo_s, t_hi_s),
                    expected,
                    "c {c} t {t}"
                );
                if expected {
                    near += 1;
                } else {
                    far += 1;
                }
            }
        }
        assert!(near > 1000 && far > 1000, "{near} near, {far} far");
    }
}

/// A snapshot moved on to `t_ms` by dead reckoning on its own velocity (no
/// trigonometry: the velocity and the cosine of latitude are the
/// snapshot's). Its swept-path box is left as it was.
#[inline]
pub(crate) fn moved_to(s: &Snap, from_ms: i64, t_ms: i64) -> Snap {
    let dt = (t_ms - from_ms) as f64 / 1000.0;
    let mut m = *s;
    if dt != 0.0 && !s.stationary {
        m.lat = (s.lat + (s.vn * dt / R_M).to_degrees()).clamp(-90.0, 90.0);
        m.lon = finisterra_nav::geo::wrap_lon_once_deg(
            s.lon + (s.ve * dt / (R_M * s.cos_lat)).to_degrees(),
        );
    }
    m
}

/// The vessels that reported since the last pass with a motion its grid
/// does not hold (new, re-acquired, turned, changed speed, off their
/// dead-reckoned track): their snapshot when they reported, found by the
/// cell of that position.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Movers {
    /// (snapshot, its time ms).
    entries: Vec<(Snap, i64)>,
    /// Entry of each picture slot.
    by_slot: crate::picture::FastMap<u32, u32>,
    cells: crate::picture::FastMap<(i32, i32), Vec<u32>>,
    /// Fastest of them, knots.
    max_sog_kn: f64,
}

/// Cell of a position in the movers' grid.
fn mover_cell(lat: f64, lon: f64) -> (i32, i32) {
    (
        ((lat + 90.0) / CELL_DEG).floor() as i32,
        ((finisterra_nav::geo::wrap_lon_once_deg(lon) + 180.0) / CELL_DEG).floor() as i32,
    )
}

impl Movers {
    /// Whether the indices of movers read from a snapshot hold, for a
    /// picture of `slots` vessels.
    pub(crate) fn check(&self, slots: usize) -> Result<(), String> {
        let n = self.entries.len();
        let bad = self.entries.iter().any(|(s, _)| s.slot as usize >= slots)
            || self.by_slot.values().any(|&k| k as usize >= n)
            || self.cells.values().flatten().any(|&k| k as usize >= n);
        if bad {
            Err("a mover out of the picture".to_string())
        } else {
            Ok(())
        }
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.by_slot.clear();
        self.cells.clear();
        self.max_sog_kn = 0.0;
    }

    pub(crate) fn contains(&self, slot: u32) -> bool {
        self.by_slot.contains_key(&slot)
    }

    /// A vessel's snapshot when she reported, and that time.
    pub(crate) fn get(&self, slot: u32) -> Option<&(Snap, i64)> {
        self.by_slot
            .get(&slot)
            .and_then(|&k| self.entries.get(k as usize))
    }

    /// Follows the picture's slots after vessels were forgotten
    /// (`slot_of`: a vessel's slot now; a vessel gone is dropped).
    pub(crate) fn remap(&mut self, slot_of: impl Fn(u32) -> Option<usize>) {
        let max_sog_kn = self.max_sog_kn;
        let entries = std::mem::take(&mut self.entries);
        self.clear();
        for (mut s, t_ms) in entries {
            if let Some(slot) = slot_of(s.mmsi) {
                s.slot = slot as u32;
                self.insert(s, t_ms);
            }
        }
        self.max_sog_kn = max_sog_kn;
    }

    /// Records (or replaces) a vessel's snapshot at `t_ms`.
    pub(crate) fn insert(&mut self, s: Snap, t_ms: i64) {
        let cell = mover_cell(s.lat, s.lon);
        self.max_sog_kn = self.max_sog_kn.max(s.sog.min(60.0));
        match self.by_slot.get(&s.slot) {
            Some(&k) => {
                let old = self.entries[k as usize].0;
                let old_cell = mover_cell(old.lat, old.lon);
                if old_cell != cell {
                    if let Some(list) = self.cells.get_mut(&old_cell) {
                        list.retain(|&e| e != k);
                    }
                    self.cells.entry(cell).or_default().push(k);
                }
                self.entries[k as usize] = (s, t_ms);
            }
            None => {
                let k = self.entries.len() as u32;
                self.entries.push((s, t_ms));
                self.by_slot.insert(s.slot, k);
                self.cells.entry(cell).or_default().push(k);
            }
        }
    }

    /// The movers that may lie within box `q` (degrees) at any time within
    /// `horizon_s` after they reported (their cell widened by how far the
    /// fastest could go), moved on to `t_ms`.
    pub(crate) fn near(&self, q: [f64; 4], horizon_s: f64, t_ms: i64, out: &mut Vec<Snap>) {
        if self.entries.is_empty() {
            return;
        }
        let reach_m = self.max_sog_kn * 1852.0 / 3600.0 * horizon_s + 100.0;
        let d_lat = (reach_m / R_M).to_degrees();
        let (lat_lo, lat_hi) = ((q[0] - d_lat).max(-90.0), (q[1] + d_lat).min(90.0));
        let cos = lat_lo.abs().max(lat_hi.abs()).min(89.0).to_radians().cos();
        let d_lon = (reach_m / (R_M * cos)).to_degrees();
        let (r0, r1) = (
            ((lat_lo + 90.0) / CELL_DEG).floor() as i32,
            ((lat_hi + 90.0) / CELL_DEG).floor() as i32,
        );
        let span = q[3] - q[2] + 2.0 * d_lon;
        let ncols = (360.0 / CELL_DEG) as i32;
        let c0 = ((q[2] - d_lon + 180.0) / CELL_DEG).floor() as i32;
        let c1 = if span >= 360.0 {
            c0 + ncols - 1
        } else {
            ((q[3] + d_lon + 180.0) / CELL_DEG).floor() as i32
        };
        for r in r0..=r1 {
            for c in c0..=c1.min(c0 + ncols - 1) {
                if let Some(list) = self.cells.get(&(r, c.rem_euclid(ncols))) {
                    for &k in list {
                        let (s, at) = &self.entries[k as usize];
                        out.push(moved_to(s, *at, t_ms));
                    }
                }
            }
        }
    }
}

//! The detectors of a census as independent groups: each group keeps its
//! own copy of the vessels' tracks and judges the [`Step`]s of the picture
//! ([`crate::census`]'s front: which positions count, which vessels come
//! and go) in their order. Groups share nothing mutable, so they can run
//! on threads of their own ([`crate::pool`]) and give, kind by kind, the
//! same findings in the same order as when they run one after the other on
//! one thread.

use std::collections::BTreeMap;
use std::sync::Arc;

use finisterra_geofence::mid::flag_of_mmsi;
use finisterra_geofence::Land;

use crate::census::{max_speed_for_type_kn, OnLandStats};
use crate::config::{CensusConfig, Detectors};
use crate::finding::{Finding, Gap, Spoofing, TimeMs};
use crate::nearmiss::{NearMissLog, NearMissStats, NearMisses};
use crate::pairs::{GapEnds, GapRow, PairLog, VesselEvent, VesselEventKind, AT_END};
use crate::resample::{ResampleStats, Resampler};
use crate::track::{Episode, Fix, LandCell, Track};
use crate::util::{quick_distance_m, round, FastMap, MPS_PER_KN, M_PER_NM};
use crate::water::TrafficWater;

/// What the picture did, in order: the input of every detector group.
#[derive(Debug, Clone)]
pub(crate) enum Step {
    /// Data time moved on to this time, ms (never back).
    Now(i64),
    /// A vessel takes this slot (the picture's numbering); `invalid`: why
    /// its MMSI cannot be one (only where MMSIs are checked).
    New {
        slot: u32,
        mmsi: u32,
        t: i64,
        invalid: Option<&'static str>,
    },
    /// The vessel in this slot is forgotten (long silence); the slot may
    /// be taken again.
    Forget(u32),
    /// Static data: a new name, ship type or length.
    Static {
        slot: u32,
        name: Option<Arc<str>>,
        ship_type: Option<u8>,
        length_m: Option<f64>,
    },
    /// A reported position (not a duplicate) of a vessel whose MMSI is
    /// invalid.
    Reported {
        slot: u32,
        t: i64,
        lat: f64,
        lon: f64,
    },
    /// The vessel's id is not an MMSI after all: no MMSI finding.
    NotMmsi(u32),
    /// An accepted fix (`reacquired`: the vessel was found at a new place
    /// after consistent rejected fixes).
    Fix {
        slot: u32,
        t: i64,
        fix: Fix,
        reacquired: bool,
    },
    /// A position rejected as a teleport, with the vessel's accepted
    /// position (lat, lon, time) if any.
    Teleport {
        slot: u32,
        t: i64,
        lat: f64,
        lon: f64,
        conflict: bool,
        main: Option<(f64, f64, i64)>,
    },
    /// The end of one message's steps.
    End,
}

/// Which detectors a group runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GroupKind {
    /// Near misses (pairs in a grid).
    NearMisses,
    /// Encounters and loitering (one resampled grid of times).
    Resampled,
    /// Gaps and spoofing (per vessel, and the traffic's water).
    Vessels,
}

impl GroupKind {
    pub const ALL: [GroupKind; 3] = [
        GroupKind::NearMisses,
        GroupKind::Resampled,
        GroupKind::Vessels,
    ];

    /// The detectors of `all` that this group runs.
    pub fn mask(self, all: Detectors) -> Detectors {
        let none = Detectors {
            near_misses: false,
            encounters: false,
            loitering: false,
            gaps: false,
            spoofing: false,
        };
        match self {
            GroupKind::NearMisses => Detectors {
                near_misses: all.near_misses,
                ..none
            },
            GroupKind::Resampled => Detectors {
                encounters: all.encounters,
                loitering: all.loitering,
                ..none
            },
            GroupKind::Vessels => Detectors {
                gaps: all.gaps,
                spoofing: all.spoofing,
                ..none
            },
        }
    }
}

/// The groups a census with these detectors needs, in their fixed order.
pub(crate) fn groups(
    cfg: &CensusConfig,
    land: &Arc<Land>,
    water: &Option<Arc<Land>>,
) -> Vec<Detect> {
    GroupKind::ALL
        .iter()
        .filter(|k| k.mask(cfg.detectors).any())
        .map(|&k| Detect::new(k, *cfg, land.clone(), water.clone()))
        .collect()
}

/// One group of detectors over its own copy of the tracks.
pub(crate) struct Detect {
    kind: GroupKind,
    cfg: CensusConfig,
    land: Arc<Land>,
    /// Lakes and rivers known as water.
    water: Option<Arc<Land>>,
    now_ms: i64,
    next_minute_ms: i64,
    next_hour_ms: i64,
    tracks: Vec<Track>,
    nm: NearMisses,
    rs: Resampler,
    /// Land or sea of 1° cells without coast.
    deep_cells: FastMap<u32, bool>,
    /// Water learnt from the run's traffic.
    traffic_water: TrafficWater,
    on_land: OnLandStats,
    findings: BTreeMap<String, u64>,
}

/// The counters of one group.
#[derive(Debug, Clone, Default)]
pub(crate) struct GroupStats {
    pub on_land: Option<OnLandStats>,
    pub near_miss: Option<NearMissStats>,
    pub resample: Option<ResampleStats>,
    pub findings: BTreeMap<String, u64>,
}

/// The findings decided at one message (or at the end) in an order of
/// their own — by end, start, vessels, then the row — not in the order of
/// the vessel slots or pair slabs that found them: slots are numbered by
/// when a vessel was first seen, which a census shard that starts later
/// sees differently. Findings are few; the row text is the last word.
pub(crate) fn canonical_order(found: &mut [Finding]) {
    if found.len() > 1 {
        found.sort_by_cached_key(|f| (f.end_ms(), f.start_ms(), f.mmsis(), f.to_json()));
    }
}

impl Detect {
    fn new(
        kind: GroupKind,
        mut cfg: CensusConfig,
        land: Arc<Land>,
        water: Option<Arc<Land>>,
    ) -> Detect {
        cfg.detectors = kind.mask(cfg.detectors);
        Detect {
            kind,
            nm: NearMisses::new(cfg),
            rs: Resampler::new(cfg),
            traffic_water: TrafficWater::new(
                cfg.spoofing.water_cell_m,
                cfg.spoofing.water_min_vessels,
            ),
            cfg,
            land,
            water,
            now_ms: i64::MIN,
            next_minute_ms: i64::MIN,
            next_hour_ms: i64::MIN,
            tracks: Vec::new(),
            deep_cells: FastMap::default(),
            on_land: OnLandStats::default(),
            findings: BTreeMap::new(),
        }
    }

    /// Logs what an index keeps: the resampling group its instants, close
    /// pairs and the vessels' identity changes, the per-vessel group its
    /// gap candidates.
    pub fn log_pairs(&mut self) {
        self.rs.log = Some(Box::default());
        if self.kind == GroupKind::NearMisses {
            self.nm.log = Some(NearMissLog::default());
        }
    }

    /// Logs a change of a vessel's identity for an index (one group logs
    /// them).
    fn log_event(
        &mut self,
        mmsi: u32,
        kind: VesselEventKind,
        name: Option<String>,
        ship_type: Option<u8>,
    ) {
        if self.kind != GroupKind::Resampled {
            return;
        }
        if let Some(log) = self.rs.log.as_deref_mut() {
            log.log_event(VesselEvent {
                msg: log.msg,
                mmsi,
                kind,
                name,
                ship_type,
            });
        }
    }

    /// Moves what was logged for a pair index into `into`.
    pub fn drain_pair_log(&mut self, into: &mut PairLog) {
        if let Some(log) = self.rs.log.as_mut() {
            log.drain_into(into);
        }
        if let Some(log) = self.nm.log.as_mut() {
            into.near_misses.append(&mut log.rows);
        }
    }

    /// The group's counters.
    pub fn stats(&self) -> GroupStats {
        let mut on_land = self.on_land.clone();
        on_land.traffic_water_cells = self.traffic_water.water_cells();
        GroupStats {
            on_land: (self.kind == GroupKind::Vessels).then_some(on_land),
            near_miss: (self.kind == GroupKind::NearMisses).then(|| self.nm.stats.clone()),
            resample: (self.kind == GroupKind::Resampled).then(|| self.rs.stats.clone()),
            findings: self.findings.clone(),
        }
    }

    fn count(&mut self, found: &[Finding]) {
        for f in found {
            *self
                .findings
                .entry(f.kind().name().to_string())
                .or_default() += 1;
        }
    }

    /// Judges `steps` in order; findings that became final go to `out`.
    pub fn apply(&mut self, steps: &[Step], out: &mut Vec<Finding>) {
        let start = out.len();
        let mut message = start;
        for s in steps {
            self.step(s, out);
            if matches!(s, Step::End) {
                canonical_order(&mut out[message..]);
                message = out.len();
            }
        }
        if out.len() > start {
            self.count(&out[start..]);
        }
    }

    /// Judges whatever is still open (end of data).
    pub fn finish(&mut self, out: &mut Vec<Finding>) {
        let start = out.len();
        if let Some(log) = self.rs.log.as_mut() {
            log.msg = AT_END;
        }
        if let Some(log) = self.nm.log.as_mut() {
            log.msg = AT_END;
        }
        self.nm.finish(&mut self.tracks, out);
        self.rs.finish(&mut self.tracks, &self.land, out);
        for slot in 0..self.tracks.len() {
            if !self.tracks[slot].free {
                self.close_episodes(slot, true, out);
            }
        }
        canonical_order(&mut out[start..]);
        self.count(&out[start..]);
    }

    fn step(&mut self, s: &Step, out: &mut Vec<Finding>) {
        match s {
            Step::Now(t) => {
                self.now_ms = *t;
                self.periodic(out);
            }
            Step::New {
                slot,
                mmsi,
                t,
                invalid,
            } => {
                let mut tr = Track::new(*mmsi);
                if let Some(reason) = invalid.filter(|_| self.cfg.detectors.spoofing) {
                    tr.invalid = Some(Box::new(Episode::new(*t, f64::NAN, f64::NAN, reason)));
                }
                self.log_event(*mmsi, VesselEventKind::New, None, None);
                let slot = *slot as usize;
                if slot == self.tracks.len() {
                    self.tracks.push(tr);
                } else {
                    self.tracks[slot] = tr;
                }
            }
            Step::Forget(slot) => {
                let mmsi = self.tracks[*slot as usize].mmsi;
                self.log_event(mmsi, VesselEventKind::Forget, None, None);
                self.forget(*slot, out)
            }
            Step::Static {
                slot,
                name,
                ship_type,
                length_m,
            } => {
                let tr = &mut self.tracks[*slot as usize];
                let mut changed = false;
                if let Some(n) = name {
                    if tr.name.as_deref() != Some(&**n) {
                        tr.name = Some(n.to_string());
                        changed = true;
                    }
                }
                if ship_type.is_some() {
                    changed |= tr.ship_type != *ship_type;
                    tr.ship_type = *ship_type;
                }
                if length_m.is_some() {
                    tr.length_m = *length_m;
                }
                if changed && self.rs.log.is_some() {
                    let (mmsi, name, ty) = (tr.mmsi, tr.name.clone(), tr.ship_type);
                    self.log_event(mmsi, VesselEventKind::Static, name, ty);
                }
            }
            Step::Reported { slot, t, lat, lon } => {
                if let Some(e) = self.tracks[*slot as usize].invalid.as_mut() {
                    if e.positions == 0 {
                        e.start_ms = *t;
                        e.lat = *lat;
                        e.lon = *lon;
                    }
                    e.positions += 1;
                    e.end_ms = *t;
                }
            }
            Step::NotMmsi(slot) => self.tracks[*slot as usize].invalid = None,
            Step::Fix {
                slot,
                t,
                fix,
                reacquired,
            } => {
                if *reacquired {
                    if let Some(e) = self.tracks[*slot as usize].teleport.as_mut() {
                        e.reacquired += 1;
                        e.end_ms = *t;
                    }
                }
                self.on_fix(*slot, *fix, *reacquired, out);
            }
            Step::Teleport {
                slot,
                t,
                lat,
                lon,
                conflict,
                main,
            } => self.on_teleport(*slot, *t, *lat, *lon, *conflict, *main, out),
            Step::End => {
                self.rs
                    .advance(&mut self.tracks, self.now_ms, &self.land, out);
                if let Some(log) = self.rs.log.as_mut() {
                    log.msg += 1;
                    if let Some(nm) = self.nm.log.as_mut() {
                        nm.msg = log.msg;
                    }
                }
            }
        }
    }

    fn periodic(&mut self, out: &mut Vec<Finding>) {
        let now = self.now_ms;
        if now >= self.next_minute_ms {
            self.next_minute_ms = (now.div_euclid(60_000) + 1) * 60_000;
            self.nm.sweep(&mut self.tracks, now, out);
        }
        if now >= self.next_hour_ms {
            let first = self.next_hour_ms == i64::MIN;
            self.next_hour_ms = (now.div_euclid(3_600_000) + 1) * 3_600_000;
            if !first {
                self.hourly(out);
            }
        }
    }

    /// Every hour: loitering runs of silent vessels, spoofing episodes
    /// that ended (the picture forgets silent vessels right after, by
    /// [`Step::Forget`]).
    fn hourly(&mut self, out: &mut Vec<Finding>) {
        let now = self.now_ms;
        self.rs.sweep_loiter(&mut self.tracks, now, &self.land, out);
        let gap_ms = (self.cfg.spoofing.episode_gap_s * 1000.0) as i64;
        for slot in 0..self.tracks.len() {
            if self.tracks[slot].free {
                continue;
            }
            let tr = &self.tracks[slot];
            let stale =
                |e: &Option<Box<Episode>>| e.as_ref().is_some_and(|e| now - e.end_ms > gap_ms);
            if stale(&tr.teleport) || stale(&tr.on_land) || stale(&tr.speed) {
                self.close_episodes(slot, false, out);
            }
        }
    }

    fn forget(&mut self, slot: u32, out: &mut Vec<Finding>) {
        self.nm.remove(&mut self.tracks, slot, out);
        self.rs.end_runs_of(slot, &self.tracks, &self.land, out);
        self.rs
            .end_loiter(&mut self.tracks[slot as usize], &self.land, out);
        self.close_episodes(slot as usize, true, out);
        self.tracks[slot as usize] = Track::new(0);
        self.tracks[slot as usize].free = true;
    }

    #[allow(clippy::too_many_arguments)]
    fn on_teleport(
        &mut self,
        slot: u32,
        t: i64,
        lat: f64,
        lon: f64,
        conflict: bool,
        main: Option<(f64, f64, i64)>,
        out: &mut Vec<Finding>,
    ) {
        if !self.cfg.detectors.spoofing {
            return;
        }
        let gap_ms = (self.cfg.spoofing.episode_gap_s * 1000.0) as i64;
        let open = self.tracks[slot as usize]
            .teleport
            .as_ref()
            .is_some_and(|e| t - e.end_ms <= gap_ms);
        if !open && self.tracks[slot as usize].teleport.is_some() {
            let e = self.tracks[slot as usize].teleport.take().expect("checked");
            if let Some(f) = self.episode_finding(slot as usize, &e, "teleport") {
                out.push(f);
            }
        }
        let tr = &mut self.tracks[slot as usize];
        let e = tr.teleport.get_or_insert_with(|| {
            Box::new(Episode::new(
                t,
                lat,
                lon,
                "positions implying an impossible speed",
            ))
        });
        e.end_ms = t;
        e.positions += 1;
        e.rejected += 1;
        if conflict {
            e.conflicts += 1;
        }
        if let Some((mlat, mlon, mt)) = main {
            if e.other.is_none() {
                e.other = Some((mlat, mlon));
            }
            let jump = finisterra_nav::geo::distance_m(mlat, mlon, lat, lon);
            if jump.is_finite() {
                e.max_jump_m = if e.max_jump_m.is_nan() {
                    jump
                } else {
                    e.max_jump_m.max(jump)
                };
                let dt_s = ((t - mt).max(1000)) as f64 / 1000.0;
                let v = jump / dt_s / MPS_PER_KN;
                e.max_speed_kn = if e.max_speed_kn.is_nan() {
                    v
                } else {
                    e.max_speed_kn.max(v)
                };
            }
        }
    }

    fn on_fix(&mut self, slot: u32, fix: Fix, jumped: bool, out: &mut Vec<Finding>) {
        let prev = self.tracks[slot as usize].last;
        let det = self.cfg.detectors;
        if let Some(p) = prev.filter(|_| det.gaps) {
            if (fix.t - p.t) as f64 >= self.cfg.gap.min_duration_s * 1000.0 {
                let tr = &self.tracks[slot as usize];
                let ends = GapEnds {
                    start: (p.t, p.lat, p.lon),
                    end: (fix.t, fix.lat, fix.lon),
                    p12: tr.hourly.count_before(p.t, 12),
                    p48: tr.hourly.count_before(p.t, 48),
                };
                if let Some(log) = self.rs.log.as_mut() {
                    log.gaps.push(GapRow {
                        msg: log.msg,
                        mmsi: tr.mmsi,
                        ends,
                    });
                }
                if let Some(g) = judge_gap(tr, &ends, &self.cfg, &self.land) {
                    out.push(Finding::Gap(g));
                }
            }
        }
        self.tracks[slot as usize].hourly.add(fix.t);
        let nm_gap_ms = (self.cfg.near_miss.max_interpolation_s * 1000.0) as i64;
        if det.near_misses && prev.is_some_and(|p| jumped || fix.t - p.t > nm_gap_ms) {
            self.nm.break_track(&mut self.tracks, slot, out);
        }
        if det.spoofing {
            self.check_land(slot as usize, &fix, jumped, out);
            self.check_speed(slot as usize, &fix, jumped, out);
        }
        {
            let tr = &mut self.tracks[slot as usize];
            tr.prev_fix = if jumped { None } else { prev };
            tr.last = Some(fix);
        }
        if det.near_misses {
            self.nm.on_fix(&mut self.tracks, slot, fix, out);
        }
        if !(det.encounters || det.loitering) {
            return;
        }
        let rprev = if jumped {
            None
        } else {
            prev.map(|p| (p.t, p.lat, p.lon, p.sog))
        };
        self.rs.on_piece(
            &mut self.tracks,
            slot,
            rprev,
            (fix.t, fix.lat, fix.lon, fix.sog),
            &self.land,
            out,
        );
    }

    fn check_land(&mut self, slot: usize, fix: &Fix, jumped: bool, out: &mut Vec<Finding>) {
        let min_inland = self.cfg.spoofing.on_land_min_inland_m;
        if min_inland < 0.0 {
            return;
        }
        // A 1° cell with no coast in it is all land or all sea: one answer
        // per cell.
        let bound = self.land.clearance_lower_bound_m(fix.lat, fix.lon);
        let inland = if bound > 0.0 {
            let key = ((fix.lat.floor() + 90.0) as u32) * 360 + (fix.lon.floor() + 180.0) as u32;
            let land = &self.land;
            let is_land = *self
                .deep_cells
                .entry(key)
                .or_insert_with(|| land.is_land(fix.lat, fix.lon));
            if !is_land {
                return;
            }
            let open = self.tracks[slot].on_land.is_some();
            if open && bound >= min_inland {
                bound
            } else {
                self.land
                    .distance_to_coast_within_m(fix.lat, fix.lon, self.cfg.shore_search_m)
                    .unwrap_or(self.cfg.shore_search_m)
            }
        } else {
            let reuse_m = (min_inland * 0.5).clamp(50.0, 500.0);
            let tr = &self.tracks[slot];
            if let Some((la, lo)) = tr.land_checked {
                if quick_distance_m(la, lo, fix.lat, fix.lon) < reuse_m {
                    // Same place as last checked: same answer (on land
                    // when the last fix was counted in the episode).
                    let inside = tr
                        .on_land
                        .as_ref()
                        .is_some_and(|e| e.end_ms == tr.last.map_or(i64::MIN, |l| l.t));
                    if inside {
                        self.on_land.beyond_margin += 1;
                        self.add_on_land(slot, fix, jumped, f64::NAN);
                    }
                    return;
                }
            }
            self.tracks[slot].land_checked = Some((fix.lat, fix.lon));
            if !self.land.is_land(fix.lat, fix.lon) {
                return;
            }
            self.land
                .distance_to_coast_within_m(fix.lat, fix.lon, self.cfg.shore_search_m)
                .unwrap_or(self.cfg.shore_search_m)
        };
        if inland < min_inland {
            return;
        }
        self.on_land.beyond_margin += 1;
        if self.in_inland_water(fix.lat, fix.lon) {
            self.on_land.inland_water += 1;
            return;
        }
        let gap_ms = (self.cfg.spoofing.episode_gap_s * 1000.0) as i64;
        if self.tracks[slot]
            .on_land
            .as_ref()
            .is_some_and(|e| fix.t - e.end_ms > gap_ms)
        {
            let e = self.tracks[slot].on_land.take().expect("checked");
            if let Some(f) = self.episode_finding(slot, &e, "on_land") {
                out.push(f);
            }
        }
        self.add_on_land(slot, fix, jumped, inland);
    }

    /// Within the margin of a lake or river of the inland-water layer.
    fn in_inland_water(&self, lat: f64, lon: f64) -> bool {
        let Some(w) = &self.water else {
            return false;
        };
        let margin_m = self.cfg.spoofing.on_land_min_inland_m;
        w.is_land(lat, lon) || w.distance_to_coast_within_m(lat, lon, margin_m).is_some()
    }

    /// One more position on land beyond the margin and outside the mapped
    /// waters: evidence of water if the vessel came there moving (under
    /// way, or from her previous fix at least a cell away, not across a
    /// jump), and part of her `on_land` episode, judged when it ends.
    fn add_on_land(&mut self, slot: usize, fix: &Fix, jumped: bool, inland_m: f64) {
        if self.traffic_water.is_water(fix.lat, fix.lon) {
            self.on_land.traffic_water += 1;
            return;
        }
        let tr = &self.tracks[slot];
        let came = !jumped
            && tr.last.is_some_and(|p| {
                quick_distance_m(p.lat, p.lon, fix.lat, fix.lon) >= self.cfg.spoofing.water_cell_m
            });
        if fix.underway || came {
            self.traffic_water.record(fix.lat, fix.lon, tr.mmsi);
        }
        let key = self.traffic_water.cell_of(fix.lat, fix.lon);
        let e = self.tracks[slot].on_land.get_or_insert_with(|| {
            Box::new(Episode::new(fix.t, fix.lat, fix.lon, "positions on land"))
        });
        e.end_ms = fix.t;
        e.positions += 1;
        let at = match e.land_cells.iter().rposition(|c| c.key == key) {
            Some(i) => i,
            None => {
                e.land_cells.push(LandCell {
                    key,
                    lat: fix.lat,
                    lon: fix.lon,
                    first_ms: fix.t,
                    last_ms: fix.t,
                    positions: 0,
                    max_inland_m: f64::NAN,
                });
                e.land_cells.len() - 1
            }
        };
        let c = &mut e.land_cells[at];
        c.last_ms = fix.t;
        c.positions += 1;
        if !inland_m.is_nan() {
            c.max_inland_m = if c.max_inland_m.is_nan() {
                inland_m
            } else {
                c.max_inland_m.max(inland_m)
            };
        }
    }

    /// An ended `on_land` episode without the positions in places the
    /// traffic has shown to be water by now (`None`: nothing left).
    fn on_land_remainder(&mut self, e: &Episode) -> Option<Episode> {
        let mut kept: Option<Episode> = None;
        for c in &e.land_cells {
            if self.traffic_water.is_water(c.lat, c.lon) {
                self.on_land.traffic_water += c.positions as u64;
                continue;
            }
            let k = kept.get_or_insert_with(|| {
                let mut k = Episode::new(c.first_ms, c.lat, c.lon, e.detail);
                k.end_ms = c.last_ms;
                k
            });
            if c.first_ms < k.start_ms {
                (k.start_ms, k.lat, k.lon) = (c.first_ms, c.lat, c.lon);
            }
            k.end_ms = k.end_ms.max(c.last_ms);
            k.positions += c.positions;
            if !c.max_inland_m.is_nan() {
                k.max_inland_m = if k.max_inland_m.is_nan() {
                    c.max_inland_m
                } else {
                    k.max_inland_m.max(c.max_inland_m)
                };
            }
        }
        let k = kept?;
        if k.positions < self.cfg.spoofing.on_land_min_positions.max(1) {
            self.on_land.too_few_positions += k.positions as u64;
            return None;
        }
        self.on_land.reported += k.positions as u64;
        Some(k)
    }

    fn check_speed(&mut self, slot: usize, fix: &Fix, jumped: bool, out: &mut Vec<Finding>) {
        let window_ms = (self.cfg.spoofing.speed_window_s * 1000.0) as i64;
        if window_ms <= 0 {
            return;
        }
        let tr = &mut self.tracks[slot];
        let Some(limit) = max_speed_for_type_kn(tr.ship_type) else {
            tr.speed_anchor = None;
            return;
        };
        let Some((t0, lat0, lon0)) = tr.speed_anchor.filter(|_| !jumped) else {
            tr.speed_anchor = Some((fix.t, fix.lat, fix.lon));
            return;
        };
        if fix.t - t0 < window_ms {
            return;
        }
        tr.speed_anchor = Some((fix.t, fix.lat, fix.lon));
        let d = quick_distance_m(lat0, lon0, fix.lat, fix.lon);
        let v = d / ((fix.t - t0) as f64 / 1000.0) / MPS_PER_KN;
        if v <= limit {
            return;
        }
        let gap_ms = (self.cfg.spoofing.episode_gap_s * 1000.0) as i64;
        if tr.speed.as_ref().is_some_and(|e| fix.t - e.end_ms > gap_ms) {
            let e = tr.speed.take().expect("checked");
            if let Some(f) = self.episode_finding(slot, &e, "implausible_speed") {
                out.push(f);
            }
        }
        let tr = &mut self.tracks[slot];
        let e = tr.speed.get_or_insert_with(|| {
            Box::new(Episode::new(
                t0,
                lat0,
                lon0,
                "track faster than its ship type can go",
            ))
        });
        e.end_ms = fix.t;
        e.positions += 1;
        e.other = Some((fix.lat, fix.lon));
        e.max_speed_kn = if e.max_speed_kn.is_nan() {
            v
        } else {
            e.max_speed_kn.max(v)
        };
    }

    /// Emits the vessel's finished episodes (all of them with `all`).
    fn close_episodes(&mut self, slot: usize, all: bool, out: &mut Vec<Finding>) {
        let now = self.now_ms;
        let gap_ms = (self.cfg.spoofing.episode_gap_s * 1000.0) as i64;
        let done =
            |e: &Option<Box<Episode>>| e.as_ref().is_some_and(|e| all || now - e.end_ms > gap_ms);
        let tr = &mut self.tracks[slot];
        let mut eps: Vec<(Box<Episode>, &'static str)> = Vec::new();
        if done(&tr.teleport) {
            eps.push((tr.teleport.take().expect("checked"), "teleport"));
        }
        if done(&tr.speed) {
            eps.push((tr.speed.take().expect("checked"), "implausible_speed"));
        }
        if done(&tr.on_land) {
            eps.push((tr.on_land.take().expect("checked"), "on_land"));
        }
        if all {
            if let Some(e) = tr.invalid.take() {
                if e.positions > 0 {
                    eps.push((e, "invalid_mmsi"));
                }
            }
        }
        for (e, kind) in eps {
            if let Some(f) = self.episode_finding(slot, &e, kind) {
                out.push(f);
            }
        }
    }

    fn episode_finding(&mut self, slot: usize, e: &Episode, kind: &'static str) -> Option<Finding> {
        let remainder;
        let e = if kind == "on_land" {
            remainder = self.on_land_remainder(e)?;
            &remainder
        } else {
            e
        };
        let tr = &self.tracks[slot];
        let kind = if kind == "teleport" && e.conflicts > 0 {
            "identity_conflict"
        } else {
            kind
        };
        let detail = match kind {
            "identity_conflict" => format!(
                "a second transmitter with this MMSI: {} of {} rejected positions were consistent with each other while the main track kept reporting",
                e.conflicts, e.rejected
            ),
            "teleport" if e.reacquired > 0 => format!(
                "{} positions implying an impossible speed; the vessel was then found at the new position",
                e.rejected
            ),
            _ => e.detail.to_string(),
        };
        let opt = |v: f64| v.is_finite().then_some(v);
        Some(Finding::Spoofing(Spoofing {
            kind,
            mmsi: tr.mmsi,
            name: tr.name.clone(),
            ship_type: tr.ship_type,
            flag: flag_of_mmsi(tr.mmsi).map(str::to_string),
            start_time: TimeMs(e.start_ms),
            end_time: TimeMs(e.end_ms),
            lat: round(e.lat, 6),
            lon: round(e.lon, 6),
            other_lat: e.other.map(|o| round(o.0, 6)),
            other_lon: e.other.map(|o| round(o.1, 6)),
            positions: e.positions,
            rejected_positions: e.rejected,
            conflict_fixes: e.conflicts,
            max_jump_nm: opt(e.max_jump_m).map(|m| round(m / M_PER_NM, 2)),
            max_implied_speed_kn: opt(e.max_speed_kn).map(|v| round(v, 1)),
            max_inland_m: opt(e.max_inland_m).map(|v| round(v, 0)),
            detail,
        }))
    }
}

fn shore_m(land: &Land, cfg: &CensusConfig, lat: f64, lon: f64, at_least_m: f64) -> Option<f64> {
    land.distance_to_coast_within_m(lat, lon, cfg.shore_search_m.max(at_least_m * 1.01))
}

/// A silence long enough ([`crate::config::GapConfig::min_duration_s`],
/// checked by the caller) judged as an AIS gap: both ends far enough
/// from the coast, and enough positions expected from the reception
/// before it. One home for the census and a rerun from the index.
pub(crate) fn judge_gap(tr: &Track, g: &GapEnds, cfg: &CensusConfig, land: &Land) -> Option<Gap> {
    let gc = &cfg.gap;
    let min_m = gc.min_shore_distance_nm * M_PER_NM;
    let (t0, lat0, lon0) = g.start;
    let (t1, lat1, lon1) = g.end;
    let s0 = shore_m(land, cfg, lat0, lon0, min_m);
    if s0.is_some_and(|d| d <= min_m) {
        return None;
    }
    let s1 = shore_m(land, cfg, lat1, lon1, min_m);
    if s1.is_some_and(|d| d <= min_m) {
        return None;
    }
    let (p12, p48) = (g.p12, g.p48);
    let gap_h = (t1 - t0) as f64 / 3.6e6;
    let expected = p12 as f64 * gap_h.min(48.0) / 12.0;
    if expected < gc.min_expected_positions {
        return None;
    }
    let dist_m = finisterra_nav::geo::distance_m(lat0, lon0, lat1, lon1);
    let dist_m = if dist_m.is_finite() {
        dist_m
    } else {
        quick_distance_m(lat0, lon0, lat1, lon1)
    };
    Some(Gap {
        mmsi: tr.mmsi,
        name: tr.name.clone(),
        ship_type: tr.ship_type,
        start_time: TimeMs(t0),
        end_time: TimeMs(t1),
        duration_h: round(gap_h, 3),
        lat: round(lat0, 6),
        lon: round(lon0, 6),
        end_lat: round(lat1, 6),
        end_lon: round(lon1, 6),
        distance_nm: round(dist_m / M_PER_NM, 2),
        implied_speed_kn: round(dist_m / M_PER_NM / gap_h, 2),
        start_shore_distance_nm: s0.map(|d| round(d / M_PER_NM, 1)),
        end_shore_distance_nm: s1.map(|d| round(d / M_PER_NM, 1)),
        positions_12h_before: p12,
        positions_48h_before: p48,
        positions_per_hour_12h: round(p12 as f64 / 12.0, 2),
        positions_per_hour_48h: round(p48 as f64 / 48.0, 2),
        expected_positions: round(expected, 1),
    })
}

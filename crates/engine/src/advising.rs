//! Advice for one vessel, safe against everything her new track can reach:
//! every vessel within reach over the advice horizon (not only those
//! already in risk with her or on her present swept path), the coast, aids
//! to navigation and user hazards; own ship turning and slowing as a ship
//! of her length does ([`finisterra_nav::manoeuvre`]).

use finisterra_nav::advice::OwnShip;
use finisterra_nav::conditions::Conditions;
use finisterra_nav::manoeuvre::Handling;

use crate::config::Config;
use crate::event::AdviceItem;
use crate::hazard::{self, AtonHazard, Geography};
use crate::rules;
use crate::screen::{
    box_around, flat_range, moved_to, overlapping, rough_rel, Movers, PairScratch, Snap,
};
use crate::statics::Statics;

const KN_MPS: f64 = 1852.0 / 3600.0;

/// Where the neighbours of a vessel come from: the swept-path grid of the
/// last screening pass and its snapshots, moved to the time of the advice
/// when that is later, and the vessels that reported since the pass with
/// a new motion (their place in the grid is out of date).
pub(crate) struct Neighbourhood<'a> {
    pub cfg: &'a Config,
    /// Names and facts of the vessels.
    pub statics: &'a dyn Statics,
    pub geo: &'a Geography,
    pub grid: &'a PairScratch,
    /// The pass's snapshots (indices of the grid).
    pub snaps: &'a [Snap],
    /// Time of the pass, ms.
    pub pass_ms: i64,
    /// The vessels that reported a new motion since the pass.
    pub movers: &'a Movers,
    /// Fastest vessel of the pass, knots.
    pub max_sog_kn: f64,
    pub atons: &'a [AtonHazard],
}

impl Neighbourhood<'_> {
    /// Every vessel that could come within the passing distance of `own`
    /// within the advice horizon, whatever own ship does (she keeps at
    /// most her speed): the target at `r` moving at `v` is kept when
    /// `min over t of |r + v·t| − s_own·t` is below the passing distance.
    /// As snapshots at `t_ms`.
    pub(crate) fn within_reach(&self, own: &Snap, t_ms: i64) -> Vec<Snap> {
        let adv = self.cfg.advice();
        let pass_m = adv.pass_nm * 1852.0;
        let horizon_s = adv.horizon_s;
        let moved_s = (t_ms.saturating_sub(self.pass_ms).clamp(0, 3_600_000) as f64) / 1000.0;
        let radius_m = (own.sog + self.max_sog_kn) * KN_MPS * horizon_s
            + pass_m
            + self.max_sog_kn * KN_MPS * moved_s
            + 100.0;
        let mut idx = Vec::new();
        let q = box_around(own.lat, own.lon, radius_m);
        overlapping(self.grid, q, &mut idx);
        let mut out: Vec<Snap> = Vec::with_capacity(idx.len());
        for &i in &idx {
            let s = &self.snaps[i as usize];
            if s.mmsi != own.mmsi && !self.movers.contains(s.slot) {
                out.push(moved_to(s, self.pass_ms, t_ms));
            }
        }
        self.movers.near(q, horizon_s, t_ms, &mut out);
        out.retain(|s| s.mmsi != own.mmsi);
        out.retain(|t| reachable(own, t, pass_m, horizon_s));
        out.sort_by_key(|s| s.mmsi);
        out.dedup_by_key(|s| s.mmsi);
        out
    }

    /// The advice items for `own` at `t_ms` (her duty from her rulings
    /// against the vessels within reach), and how many vessels were.
    pub(crate) fn plan_items(&self, own: &Snap, t_ms: i64) -> (Vec<AdviceItem>, usize) {
        let neighbours = self.within_reach(own, t_ms);
        let facts = self.statics.facts(own.mmsi);
        let length = facts.length_m;
        let handling = Handling::for_ship(length, own.sog, &self.cfg.advice());
        let safety_m = self.cfg.hazards.safety_nm * 1852.0;
        let have_fixed = self.geo.land.is_some()
            || !self.geo.hazards.is_empty()
            || !self.atons.is_empty()
            || !self.geo.zones.is_empty();
        let zones = &self.geo.zones;
        let routeing = !zones.is_empty();
        let probe = hazard::DangerProbe::new(self.geo, self.atons, self.cfg, own, safety_m);
        let trial = |cog: f64, sog: f64| {
            let mut t = *own;
            let (sc, cc) = cog.to_radians().sin_cos();
            t.cog = cog;
            t.sog = sog;
            t.ve = sog * KN_MPS * sc;
            t.vn = sog * KN_MPS * cc;
            // Never into a separation zone or against a lane's flow (Rule
            // 10), nor onto the coast, an aid or a hazard.
            (routeing && rules::tss_forbids(zones, self.cfg, &facts, own, t_ms, cog).is_some())
                || probe.any(&t)
        };
        // A vessel already standing into danger on her present course is the
        // hazard detector's to advise; here the dangers only rule out a
        // manoeuvre that would create one.
        let fixed: Option<&dyn Fn(f64, f64) -> bool> =
            (have_fixed && !trial(own.cog, own.sog)).then_some(&trial);
        let ship = OwnShip { handling, fixed };
        // Rule 19 towards the neighbours not in sight, if any.
        let conditions: Vec<Conditions> = if zones.has_restricted_visibility() {
            neighbours
                .iter()
                .map(|n| Conditions {
                    restricted_visibility: rules::not_in_sight(
                        zones,
                        t_ms,
                        own,
                        n,
                        flat_range(own, n) / 1852.0,
                    )
                    .is_some(),
                })
                .collect()
        } else {
            Vec::new()
        };
        let items = if conditions.iter().any(|c| c.restricted_visibility) {
            rules::plan_items_in(self.cfg, own, ship, &neighbours, &conditions)
        } else {
            crate::risk::plan_items_for(self.cfg, own, ship, &neighbours)
        };
        (items, neighbours.len())
    }
}

/// The advice items of every vessel in `wanted` (her MMSI, her index in
/// the pass's snapshots) and how many vessels were within her reach, in
/// that order, planned on up to `threads` threads: the same plans as one
/// [`Neighbourhood::plan_items`] after the other.
pub(crate) fn plan_many(
    hood: &Neighbourhood<'_>,
    wanted: &[(u32, usize)],
    t_ms: i64,
    threads: usize,
) -> Vec<(Vec<AdviceItem>, usize)> {
    // Plans differ in cost: each thread takes the next vessel not yet
    // taken, and the plans are put back in order.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let next = &next;
    let mut made: Vec<(usize, (Vec<AdviceItem>, usize))> = std::thread::scope(|scope| {
        let parts: Vec<_> = (0..threads.clamp(1, wanted.len().max(1)))
            .map(|_| {
                scope.spawn(move || {
                    let mut mine = Vec::new();
                    loop {
                        let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(&(_, i)) = wanted.get(k) else { break };
                        mine.push((k, hood.plan_items(&hood.snaps[i], t_ms)));
                    }
                    mine
                })
            })
            .collect();
        parts
            .into_iter()
            .flat_map(|h| match h.join() {
                Ok(items) => items,
                // A plan never panics; if one did, the pass would too.
                Err(e) => std::panic::resume_unwind(e),
            })
            .collect()
    });
    made.sort_unstable_by_key(|(k, _)| *k);
    made.into_iter().map(|(_, p)| p).collect()
}

/// Whether a target can come within `pass_m` of own ship within the
/// horizon, whatever own ship steers at no more than her speed.
fn reachable(own: &Snap, t: &Snap, pass_m: f64, horizon_s: f64) -> bool {
    let range = flat_range(own, t);
    let s_own = own.sog * KN_MPS;
    let s_t = t.sog * KN_MPS;
    // The flat plane is a few percent off at these ranges: margin.
    let limit = pass_m * 1.05 + 100.0 + range * 0.01;
    // A lower bound of the distance first: most far targets stop here.
    if range - (s_own + s_t) * horizon_s > limit {
        return false;
    }
    // Relative position of the target (east, north, m) and its velocity.
    let r = rough_rel(own, t);
    let v = (t.ve, t.vn);
    finisterra_nav::manoeuvre::reach_lower_bound_m(r, v, s_own, horizon_s) <= limit
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The closed form agrees with a brute-force scan of the bound, own
    /// ship still in one case of four (a target passing her mid-horizon was
    /// once lost to a discriminant rounded below zero).
    #[test]
    fn reach_agrees_with_a_brute_force_scan() {
        let mut state: u64 = 0x1234_5678_9ABC_DEF1;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let (pass_m, horizon_s) = (2334.0, 1800.0);
        let mut agree = 0;
        for i in 0..2_000 {
            let sog = if i % 4 == 0 { 0.0 } else { 25.0 * next() };
            let own = Snap::for_test(43.0, -9.0, sog, 360.0 * next());
            let t = Snap::for_test(
                43.0 + 0.6 * (next() - 0.5),
                -9.0 + 0.8 * (next() - 0.5),
                30.0 * next(),
                360.0 * next(),
            );
            let k = 6_371_000.0_f64.to_radians();
            let r = (
                (t.lon - own.lon) * k * 0.5 * (own.cos_lat + t.cos_lat),
                (t.lat - own.lat) * k,
            );
            let s = own.sog * KN_MPS;
            let brute = (0..=18_000)
                .map(|i| {
                    let x = i as f64 * 0.1;
                    (r.0 + t.ve * x).hypot(r.1 + t.vn * x) - s * x
                })
                .fold(f64::INFINITY, f64::min);
            let range = flat_range(&own, &t);
            let expect = brute <= pass_m * 1.05 + 100.0 + range * 0.01;
            // Far pairs are decided by the cheap bound alone.
            if reachable(&own, &t, pass_m, horizon_s) == expect {
                agree += 1;
            } else {
                // Only a hair's breadth from the line: the brute force samples.
                let margin = (brute - (pass_m * 1.05 + 100.0 + range * 0.01)).abs();
                assert!(margin < 5.0, "{own:?} {t:?} {brute}");
                agree += 1;
            }
        }
        assert_eq!(agree, 2_000);
    }
}

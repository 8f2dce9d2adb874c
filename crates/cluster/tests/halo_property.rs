//! No pair that can reach the warning level within the horizon is ever
//! split: for two vessels whose dead-reckoned motion at a screening time
//! passes the engine's first look, the home partition of each receives the
//! other's reported position. Drawn near cell edges and corners, across the
//! antimeridian and up to the poles, with fixes up to the engine's dead
//! reckoning limit old and speeds up to the picture's limit.

use finisterra_cluster::{Grid, Halo};
use finisterra_engine::Config;
use finisterra_nav::cpa::{cpa, Kinematic};
use finisterra_nav::geo::{destination, distance_m, MPS_PER_KN};
use proptest::prelude::*;

const CELLS: [f64; 5] = [5.0, 10.0, 15.0, 30.0, 45.0];

/// A coordinate near a cell edge (or anywhere, one time in four).
fn near_edge(range: f64, cell_ix: usize) -> impl Strategy<Value = f64> {
    let cell = CELLS[cell_ix];
    let n = (2.0 * range / cell) as i64;
    prop_oneof![
        3 => (0..=n, -1.5f64..1.5).prop_map(move |(k, d)| (-range + k as f64 * cell + d).clamp(-range, range)),
        1 => -range..range,
    ]
}

/// A value in `lo..=hi`, at its upper end one time in two (the pairs
/// that test the halo are the fastest, oldest, latest ones).
fn extreme(lo: f64, hi: f64) -> impl Strategy<Value = f64> {
    prop_oneof![1 => Just(hi), 1 => (hi - (hi - lo) * 0.01)..=hi, 2 => lo..=hi]
}

fn moved(lat: f64, lon: f64, cog_deg: f64, sog_kn: f64, dt_s: f64) -> (f64, f64) {
    destination(lat, lon, cog_deg, sog_kn * MPS_PER_KN * dt_s)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 20_000, max_global_rejects: 200_000, .. ProptestConfig::default() })]

    /// The lemma: any two points within the halo share a partition (each
    /// one's home receives the other).
    #[test]
    fn points_within_the_halo_reach_each_others_home(
        cell_ix in 0usize..5,
        parts in 1u32..64,
        lat in prop_oneof![3 => -89.9f64..89.9, 1 => 80.0f64..89.99, 1 => -89.99f64..-80.0],
        lon in -180.0f64..180.0,
        frac in 0.0f64..=1.0,
        bearing in 0.0f64..360.0,
        edge in any::<bool>(),
    ) {
        let grid = Grid::new(CELLS[cell_ix], parts).unwrap();
        let halo_m = Halo::ships(&Config::default()).total_m;
        let (lat, lon) = if edge {
            // Snap near a corner of the grid.
            let c = grid.cell_deg();
            ((lat / c).round() * c - 0.01 * lat.signum(), (lon / c).round() * c + 1e-6)
        } else {
            (lat, lon)
        };
        let lat = lat.clamp(-89.99, 89.99);
        let (blat, blon) = destination(lat, lon, bearing, frac * halo_m * 0.999);
        prop_assume!(distance_m(lat, lon, blat, blon) <= halo_m);
        let a = grid.partitions_for(lat, lon, halo_m).unwrap();
        let b = grid.partitions_for(blat, blon, halo_m).unwrap();
        prop_assert!(a.contains(b.home), "home of B {:?} not in A's {:?}", b, a);
        prop_assert!(b.contains(a.home), "home of A {:?} not in B's {:?}", a, b);
    }

    /// The claim: a pair that can reach the warning level within the
    /// horizon at a screening time is never split, whatever the age of
    /// either fix (up to the dead-reckoning limit).
    #[test]
    fn no_pair_that_can_reach_the_warning_level_is_split(
        cell_ix in 0usize..5,
        parts in prop_oneof![Just(4096u32), 2u32..64],
        lat_a in near_edge(84.0, 1),
        lon_a in near_edge(180.0, 1),
        sog_a in extreme(0.0, 60.0), cog_a in prop_oneof![(0..4).prop_map(|k| k as f64 * 90.0), 0.0f64..360.0], age_a in extreme(0.0, 600.0),
        sog_b in extreme(0.0, 60.0), cog_b in 0.0f64..360.0, age_b in extreme(0.0, 600.0),
        head_on in any::<bool>(),
        tcpa in extreme(0.0, 1584.0),
        miss_frac in 0.0f64..1.0, miss_bearing in 0.0f64..360.0,
    ) {
        let cfg = Config::default();
        let grid = Grid::new(CELLS[cell_ix], parts).unwrap();
        let halo = Halo::ships(&cfg);
        let cog_b = if head_on { (cog_a + 180.0) % 360.0 } else { cog_b };
        // A's snapshot at the pass, from her report `age_a` earlier.
        let (sa_lat, sa_lon) = moved(lat_a, lon_a, cog_a, sog_a, age_a);
        // B aimed at where A will be in `tcpa`, missing by up to the reach.
        let (ma_lat, ma_lon) = moved(sa_lat, sa_lon, cog_a, sog_a, tcpa);
        let (mb_lat, mb_lon) = destination(ma_lat, ma_lon, miss_bearing, miss_frac * halo.reach_m);
        let (sb_lat, sb_lon) = moved(mb_lat, mb_lon, cog_b, sog_b, -tcpa);
        let (lat_b, lon_b) = moved(sb_lat, sb_lon, cog_b, sog_b, -age_b);
        prop_assume!(lat_b.abs() < 89.99 && sa_lat.abs() < 89.99);
        let c = cpa(
            &Kinematic::new(sa_lat, sa_lon, sog_a, cog_a),
            &Kinematic::new(sb_lat, sb_lon, sog_b, cog_b),
        );
        let f = cfg.risk.clear_factor;
        let can_reach = c.cpa_nm * 1852.0 < halo.reach_m
            && c.tcpa_s > -120.0
            && c.tcpa_s < cfg.risk.warning_tcpa_s * f * 1.1;
        prop_assume!(can_reach);
        // The pair's part of the halo alone keeps it whole.
        let a = grid.partitions_for(lat_a, lon_a, halo.pair_m()).unwrap();
        let b = grid.partitions_for(lat_b, lon_b, halo.pair_m()).unwrap();
        prop_assert!(a.contains(b.home), "B's home {} misses A; A {:?}", b.home, a);
        prop_assert!(b.contains(a.home), "A's home {} misses B; B {:?}", a.home, b);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 20_000, .. ProptestConfig::default() })]

    /// The owner of a pair (the home of `a`) receives every vessel `c`
    /// that the advice of `a` or `b` can consider: within the advice reach
    /// of `b`'s dead-reckoned position, `b` within the pair's reach of
    /// `a`'s, all three reported up to the dead-reckoning limit earlier.
    #[test]
    fn the_owner_receives_every_neighbour_the_advice_considers(
        cell_ix in 0usize..5,
        parts in prop_oneof![Just(4096u32), 2u32..64],
        lat_a in near_edge(80.0, 1),
        lon_a in near_edge(180.0, 1),
        ab_frac in extreme(0.0, 1.0), ab_bearing in prop_oneof![(0..4).prop_map(|k| k as f64 * 90.0), 0.0f64..360.0],
        bc_frac in extreme(0.0, 1.0), bc_same in any::<bool>(), bc_bearing in 0.0f64..360.0,
        age_a in extreme(0.0, 600.0), cog_a in 0.0f64..360.0,
        age_c in extreme(0.0, 600.0), cog_c in 0.0f64..360.0,
        aligned in any::<bool>(),
    ) {
        let cfg = Config::default();
        let grid = Grid::new(CELLS[cell_ix], parts).unwrap();
        let halo = Halo::ships(&cfg);
        let v = cfg.picture.max_speed_kn;
        let pair_m = halo.approach_m + halo.reach_m;
        // Snapshots at the judgement: a, b within the pair's reach, c
        // within the advice's reach of b (straight on, to test the sum).
        let (sa_lat, sa_lon) = (lat_a, lon_a);
        let (sb_lat, sb_lon) = destination(sa_lat, sa_lon, ab_bearing, ab_frac * pair_m);
        // Aligned: all on one line, the reports pushed outwards (the
        // largest spread).
        let bearing = if bc_same || aligned { ab_bearing } else { bc_bearing };
        let (cog_a, cog_c) = if aligned {
            (ab_bearing, (ab_bearing + 180.0) % 360.0)
        } else {
            (cog_a, cog_c)
        };
        let (sc_lat, sc_lon) = destination(sb_lat, sb_lon, bearing, bc_frac * halo.advice_m);
        // Reported positions: moved back along their courses.
        let (ra_lat, ra_lon) = moved(sa_lat, sa_lon, cog_a, v, -age_a);
        let (rc_lat, rc_lon) = moved(sc_lat, sc_lon, cog_c, v, -age_c);
        prop_assume!(ra_lat.abs() < 89.99 && rc_lat.abs() < 89.99);
        let owner = grid.home(ra_lat, ra_lon).unwrap();
        let c = grid.partitions_for(rc_lat, rc_lon, halo.total_m).unwrap();
        prop_assert!(c.contains(owner), "owner {} misses c; c {:?}", owner, c);
    }
}

/// The halo is not vacuous: beyond it, homes do not reach each other on a
/// fine grid (so the property above tests something).
#[test]
fn beyond_the_halo_a_fine_grid_splits() {
    let grid = Grid::new(1.0, 4096).unwrap();
    let halo_m = Halo::ships(&Config::default()).total_m;
    let (lat, lon) = (10.5, 20.5);
    let (blat, blon) = destination(lat, lon, 90.0, 4.0 * halo_m);
    let a = grid.partitions_for(lat, lon, halo_m).unwrap();
    let b = grid.partitions_for(blat, blon, halo_m).unwrap();
    assert!(!a.contains(b.home) || a.halo.len() > 20, "{a:?} {b:?}");
}

//! An independent check of advice as a ship makes it: own ship and every
//! target stepped through time on the WGS84 ellipsoid (`destination`), own
//! ship turning at her rate of turn towards the new course and slowing at
//! her deceleration, as the simulator does; the smallest distance to any
//! target over the horizon.

#![allow(dead_code)]

use finisterra_nav::cpa::Kinematic;
use finisterra_nav::geo::{destination, distance_nm, normalize_deg_180, METRES_PER_NM};
use finisterra_nav::manoeuvre::Handling;

/// Time step, seconds.
pub const STEP_S: f64 = 0.25;

/// Own ship's position after each step when she turns by `signed_deg` and
/// slows to `new_sog_kn` at once, up to `horizon_s`.
pub fn own_track(
    own: &Kinematic,
    signed_deg: f64,
    new_sog_kn: f64,
    h: &Handling,
    horizon_s: f64,
) -> Vec<(f64, f64)> {
    let target_cog = own.cog_deg + signed_deg;
    let (mut lat, mut lon, mut cog, mut sog) = (own.lat_deg, own.lon_deg, own.cog_deg, own.sog_kn);
    let n = (horizon_s / STEP_S).ceil() as usize;
    let mut out = Vec::with_capacity(n + 1);
    out.push((lat, lon));
    for _ in 0..n {
        let diff = normalize_deg_180(target_cog - cog);
        let max = h.turn_deg_s * STEP_S;
        let cog1 = cog + diff.clamp(-max, max);
        let sog1 = if new_sog_kn < sog {
            (sog - h.decel_kn_s * STEP_S).max(new_sog_kn)
        } else {
            new_sog_kn
        };
        let d = 0.5 * (sog + sog1) * STEP_S / 3600.0 * METRES_PER_NM;
        (lat, lon) = destination(lat, lon, 0.5 * (cog + cog1), d);
        cog = cog1;
        sog = sog1;
        out.push((lat, lon));
    }
    out
}

/// Smallest distance (NM) from own ship's manoeuvring track to any target
/// keeping course and speed.
pub fn min_distance_nm(
    own: &Kinematic,
    targets: &[Kinematic],
    signed_deg: f64,
    new_sog_kn: f64,
    h: &Handling,
    horizon_s: f64,
) -> f64 {
    let track = own_track(own, signed_deg, new_sog_kn, h, horizon_s);
    let mut best = f64::INFINITY;
    for t in targets {
        for (k, &(lat, lon)) in track.iter().enumerate() {
            let run = t.sog_kn * (k as f64 * STEP_S) / 3600.0 * METRES_PER_NM;
            let (tl, tn) = destination(t.lat_deg, t.lon_deg, t.cog_deg, run);
            best = best.min(distance_nm(lat, lon, tl, tn));
        }
    }
    best
}

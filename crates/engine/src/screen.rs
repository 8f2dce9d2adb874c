//! Every-pair screening: a spatial grid over each vessel's swept path so
//! that only pairs that could meet within the horizon are examined; a flat
//! closest-approach filter; the precise WGS84 CPA for the survivors.

use finisterra_nav::colregs::{role_from_ais, Role};
use finisterra_nav::cpa::Kinematic;

use crate::config::Config;
use crate::picture::{Picture, Vessel, VesselClass};

/// Mean Earth radius for the flat filter, metres.
const R_M: f64 = 6_371_008.8;
const KN_MPS: f64 = 1852.0 / 3600.0;

/// A vessel as screened: predicted to the screening time.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Snap {
    pub mmsi: u32,
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

/// Builds the screening snapshot at `t_ms`, in MMSI order. Vessels without
/// a usable fix, with a fix older than the dead-reckoning limit, lost,
/// or moored alongside and stopped, are left out.
pub(crate) fn snapshots(p: &Picture, t_ms: i64, cfg: &Config) -> Vec<Snap> {
    let horizon_s = cfg.risk.warning_tcpa_s * cfg.risk.clear_factor.max(1.0);
    let margin_m = 0.5 * cfg.risk.warning_cpa_nm * 1852.0 * cfg.risk.clear_factor.max(1.0) + 50.0;
    let max_dr_ms = (cfg.risk.max_dead_reckoning_s * 1000.0) as i64;
    let mut out: Vec<Snap> = p
        .vessels
        .values()
        .filter_map(|v| snap(v, t_ms, max_dr_ms, horizon_s, margin_m, cfg))
        .collect();
    out.sort_unstable_by_key(|s| s.mmsi);
    out
}

fn snap(
    v: &Vessel,
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
    let mut lon = v.lon_deg + (ve * dt / (R_M * cos0)).to_degrees();
    if lon > 180.0 {
        lon -= 360.0;
    } else if lon < -180.0 {
        lon += 360.0;
    }
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

/// Grid cell size, degrees (about 3 NM north-south).
const CELL_DEG: f64 = 0.05;
const NCOLS: i64 = (360.0 / CELL_DEG) as i64;

fn overlaps(a: &Snap, b: &Snap) -> bool {
    if a.lat_hi < b.lat_lo || b.lat_hi < a.lat_lo {
        return false;
    }
    for shift in [0.0, 360.0, -360.0] {
        if a.lon_lo <= b.lon_hi + shift && b.lon_lo + shift <= a.lon_hi {
            return true;
        }
    }
    false
}

/// Candidate pairs `(i, j)`, `i < j` (indices into `snaps`), whose swept
/// paths overlap: every pair that could come within the warning distance
/// (with hysteresis margin) inside the horizon, and few others. Sorted.
pub(crate) fn candidate_pairs(snaps: &[Snap], scratch: &mut Vec<(i64, u32)>) -> Vec<(u32, u32)> {
    scratch.clear();
    for (i, s) in snaps.iter().enumerate() {
        let r0 = ((s.lat_lo + 90.0) / CELL_DEG).floor() as i64;
        let r1 = ((s.lat_hi + 90.0) / CELL_DEG).floor() as i64;
        let c0 = ((s.lon_lo + 180.0) / CELL_DEG).floor() as i64;
        let c1 = ((s.lon_hi + 180.0) / CELL_DEG).floor() as i64;
        let c1 = c1.min(c0 + NCOLS - 1);
        for r in r0..=r1 {
            for c in c0..=c1 {
                scratch.push((r * NCOLS + c.rem_euclid(NCOLS), i as u32));
            }
        }
    }
    scratch.sort_unstable();
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    let mut k = 0;
    while k < scratch.len() {
        let cell = scratch[k].0;
        let mut e = k + 1;
        while e < scratch.len() && scratch[e].0 == cell {
            e += 1;
        }
        for x in k..e {
            let i = scratch[x].1;
            let a = &snaps[i as usize];
            for &(_, j) in &scratch[x + 1..e] {
                let b = &snaps[j as usize];
                if a.stationary && b.stationary {
                    continue;
                }
                if overlaps(a, b) {
                    pairs.push(if i < j { (i, j) } else { (j, i) });
                }
            }
        }
        k = e;
    }
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

/// Flat-earth closest approach of two snapshots: `(cpa_m, tcpa_s,
/// relative speed m/s)`. Accurate to well under 1 % within tens of miles;
/// only used to decide which pairs get the precise computation.
#[inline]
pub(crate) fn flat_cpa(a: &Snap, b: &Snap) -> (f64, f64, f64) {
    let mut dlon = b.lon - a.lon;
    if dlon > 180.0 {
        dlon -= 360.0;
    } else if dlon < -180.0 {
        dlon += 360.0;
    }
    let cosm = 0.5 * (a.cos_lat + b.cos_lat);
    let rx = dlon.to_radians() * R_M * cosm;
    let ry = (b.lat - a.lat).to_radians() * R_M;
    let vx = b.ve - a.ve;
    let vy = b.vn - a.vn;
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

    #[test]
    fn grid_finds_converging_pair_and_skips_distant_one() {
        let snaps = vec![
            s(1, 50.0, -1.0, 12.0, 90.0),
            s(2, 50.0, -0.85, 12.0, 270.0),
            s(3, 55.0, 5.0, 12.0, 0.0),
        ];
        let mut scratch = Vec::new();
        let pairs = candidate_pairs(&snaps, &mut scratch);
        assert_eq!(pairs, vec![(0, 1)]);
    }

    #[test]
    fn grid_pairs_across_the_antimeridian() {
        let snaps = vec![
            s(1, 10.0, 179.95, 10.0, 90.0),
            s(2, 10.0, -179.95, 10.0, 270.0),
        ];
        let mut scratch = Vec::new();
        assert_eq!(candidate_pairs(&snaps, &mut scratch), vec![(0, 1)]);
        let (cpa, tcpa, _) = flat_cpa(&snaps[0], &snaps[1]);
        assert!(cpa < 1.0, "{cpa}");
        assert!(tcpa > 1000.0 && tcpa < 1100.0, "{tcpa}");
    }

    #[test]
    fn stationary_pairs_are_not_candidates() {
        let snaps = vec![s(1, 50.0, -1.0, 0.0, 0.0), s(2, 50.0, -1.0001, 0.1, 0.0)];
        let mut scratch = Vec::new();
        assert!(candidate_pairs(&snaps, &mut scratch).is_empty());
    }
}

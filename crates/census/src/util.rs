//! Small shared pieces: a deterministic hasher, flat local geometry.

use finisterra_nav::geo::{meridional_radius_m, prime_vertical_radius_m, wrap_lon_once_deg};

pub(crate) use finisterra_engine::{FastHasher, FastMap};

pub(crate) use finisterra_nav::geo::METRES_PER_NM as M_PER_NM;
pub(crate) const MPS_PER_KN: f64 = M_PER_NM / 3600.0;

/// Longitude difference `b - a` wrapped into [-180, 180].
#[inline]
pub(crate) fn dlon_deg(a: f64, b: f64) -> f64 {
    wrap_lon_once_deg(b - a)
}

/// A flat plane around a reference latitude with the WGS84 radii of
/// curvature there: metres per degree east and north. Within a few
/// nautical miles its error is far below AIS position noise.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Flat {
    pub lat0: f64,
    pub lon0: f64,
    pub kx: f64,
    pub ky: f64,
}

impl Flat {
    pub fn new(lat0: f64, lon0: f64) -> Flat {
        let r = std::f64::consts::PI / 180.0;
        Flat {
            lat0,
            lon0,
            kx: prime_vertical_radius_m(lat0) * lat0.to_radians().cos().max(1e-9) * r,
            ky: meridional_radius_m(lat0) * r,
        }
    }

    /// (east, north) metres of a position.
    #[inline]
    pub fn xy(&self, lat: f64, lon: f64) -> (f64, f64) {
        (
            dlon_deg(self.lon0, lon) * self.kx,
            (lat - self.lat0) * self.ky,
        )
    }

    /// Position of (east, north) metres.
    #[inline]
    pub fn geo(&self, x: f64, y: f64) -> (f64, f64) {
        let lon = wrap_lon_once_deg(self.lon0 + x / self.kx);
        (self.lat0 + y / self.ky, lon)
    }
}

/// Quick distance for nearby points (equirectangular at the mean latitude,
/// mean Earth radius), metres.
#[inline]
pub(crate) fn quick_distance_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    const R: f64 = 6_371_008.8;
    let x = dlon_deg(lon1, lon2).to_radians() * ((lat1 + lat2) * 0.5).to_radians().cos();
    let y = (lat2 - lat1).to_radians();
    R * (x * x + y * y).sqrt()
}

/// Linear interpolation of a position between two fixes (longitude across
/// ±180° handled).
#[inline]
pub(crate) fn lerp_pos(lat0: f64, lon0: f64, lat1: f64, lon1: f64, f: f64) -> (f64, f64) {
    let lat = lat0 + (lat1 - lat0) * f;
    let lon = wrap_lon_once_deg(lon0 + dlon_deg(lon0, lon1) * f);
    (lat, lon)
}

/// Month key `YYYY-MM` of a time.
pub(crate) fn month_key(t_ms: i64) -> String {
    let (y, m, ..) = finisterra_nmea::civil_from_unix_ms(t_ms);
    format!("{y:04}-{m:02}")
}

/// Day key `YYYY-MM-DD` of a time.
pub(crate) fn day_key(t_ms: i64) -> String {
    let (y, m, d, ..) = finisterra_nmea::civil_from_unix_ms(t_ms);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Rounds to `dec` decimals (output tidiness; deterministic).
#[inline]
pub(crate) fn round(v: f64, dec: i32) -> f64 {
    if !v.is_finite() {
        return v;
    }
    let p = 10f64.powi(dec);
    (v * p).round() / p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_round_trip_and_distance() {
        let f = Flat::new(43.0, 179.99);
        let (x, y) = f.xy(43.01, -179.99);
        assert!((x - 0.02 * f.kx).abs() < 1e-6 && (y - 0.01 * f.ky).abs() < 1e-6);
        let (lat, lon) = f.geo(x, y);
        assert!((lat - 43.01).abs() < 1e-9 && (lon + 179.99).abs() < 1e-9);
        let d = quick_distance_m(43.0, -9.0, 43.0, -8.99);
        let g = finisterra_nav::geo::distance_m(43.0, -9.0, 43.0, -8.99);
        assert!((d - g).abs() / g < 0.005, "{d} {g}");
    }

    #[test]
    fn lerp_and_keys() {
        let (lat, lon) = lerp_pos(0.0, 179.0, 2.0, -179.0, 0.75);
        assert!((lat - 1.5).abs() < 1e-12 && (lon + 179.5).abs() < 1e-12);
        assert_eq!(month_key(0), "1970-01");
        assert_eq!(day_key(86_400_000), "1970-01-02");
    }
}

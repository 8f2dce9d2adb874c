//! The sea in cells, the cells in partitions.
//!
//! A fixed latitude/longitude grid of square cells (`cell_deg` on a side,
//! a divisor of 180°), each cell given to one of `partitions` partitions by
//! a fixed mix of its row and column. Why a fixed grid rather than H3:
//!
//! - the halo becomes one box query with a bound that is *proved* (see
//!   [`Grid::partitions_for`]): on the ellipsoid a point within `d` metres
//!   lies within `d / M₀` radians of latitude (`M₀ = a(1 − e²)`, the
//!   smallest meridional radius) and within `d / (a cos φmax)` radians of
//!   longitude, so every cell that can hold a neighbour is enumerated. An H3
//!   k-ring needs a k that depends on the resolution's smallest edge, its
//!   pentagons and its distortion; the bound is looser and harder to state;
//! - the cell of a position is two divisions, no dependency, no table;
//! - cells are the unit of balance only through the partition map, and with
//!   halos of tens of nautical miles cells must be large anyway (hundreds
//!   of kilometres), where H3's equal areas buy little. The price: cells
//!   narrow toward the poles, where a halo spans more columns (at worst all
//!   of them above `90° − halo`), which costs copies only where there are
//!   few ships.

use finisterra_nav::geo::{WGS84_A_M, WGS84_E2};

/// A partition number, `0..partitions`.
pub type Partition = u16;

/// Why a grid cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GridError {
    /// The cell size does not divide 180°.
    #[error("cell size {0}° must divide 180° (e.g. 5, 10, 15, 30)")]
    CellSize(f64),
    /// No partitions, or more than the grid has cells... or than fit in u16.
    #[error("partitions must be between 1 and 4096, not {0}")]
    Partitions(u32),
    /// A halo that is not a finite positive distance.
    #[error("halo must be a finite distance of at least 0 m, not {0}")]
    Halo(f64),
}

impl GridError {
    /// A stable key for counting.
    pub fn reason(&self) -> &'static str {
        match self {
            GridError::CellSize(_) => "cell_size",
            GridError::Partitions(_) => "partitions",
            GridError::Halo(_) => "halo",
        }
    }
}

/// A cell: row from the south pole, column from the antimeridian.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cell {
    /// Row, 0 at 90° S.
    pub row: u32,
    /// Column, 0 at 180° W.
    pub col: u32,
}

/// Where one position goes: its home partition and every partition whose
/// halo it falls in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routing {
    /// The partition of the position's own cell.
    pub home: Partition,
    /// The other partitions within the halo, ascending, without `home`.
    pub halo: Vec<Partition>,
}

impl Routing {
    /// Home first, then the halo.
    pub fn all(&self) -> impl Iterator<Item = Partition> + '_ {
        std::iter::once(self.home).chain(self.halo.iter().copied())
    }

    /// Whether `p` receives the position.
    pub fn contains(&self, p: Partition) -> bool {
        self.home == p || self.halo.binary_search(&p).is_ok()
    }
}

/// The grid and its partition map.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grid {
    cell_deg: f64,
    rows: u32,
    cols: u32,
    partitions: u16,
}

/// Smallest meridional radius of curvature (at the equator), metres.
const MERIDIAN_MIN_M: f64 = WGS84_A_M * (1.0 - WGS84_E2);

/// Angles are widened by this much before cells are enumerated, degrees
/// (rounding of the divisions; a millimetre).
const EPS_DEG: f64 = 1e-8;

impl Grid {
    /// A grid of `cell_deg` cells in `partitions` partitions.
    pub fn new(cell_deg: f64, partitions: u32) -> Result<Grid, GridError> {
        let n = 180.0 / cell_deg;
        if !(cell_deg.is_finite() && cell_deg > 0.0 && cell_deg <= 180.0)
            || (n - n.round()).abs() > 1e-9
        {
            return Err(GridError::CellSize(cell_deg));
        }
        if !(1..=4096).contains(&partitions) {
            return Err(GridError::Partitions(partitions));
        }
        let rows = n.round() as u32;
        Ok(Grid {
            cell_deg,
            rows,
            cols: 2 * rows,
            partitions: partitions as u16,
        })
    }

    /// Cell size, degrees.
    pub fn cell_deg(&self) -> f64 {
        self.cell_deg
    }

    /// Number of partitions.
    pub fn partitions(&self) -> u16 {
        self.partitions
    }

    /// Rows and columns of cells.
    pub fn shape(&self) -> (u32, u32) {
        (self.rows, self.cols)
    }

    fn row_of(&self, lat_deg: f64) -> u32 {
        let r = ((lat_deg.clamp(-90.0, 90.0) + 90.0) / self.cell_deg).floor();
        (r.max(0.0) as u32).min(self.rows - 1)
    }

    fn col_of_index(&self, c: i64) -> u32 {
        c.rem_euclid(self.cols as i64) as u32
    }

    fn col_index(&self, lon_deg: f64) -> i64 {
        ((lon_deg + 180.0) / self.cell_deg).floor() as i64
    }

    /// The cell of a position (longitudes of any turn; 180° is −180°).
    pub fn cell_of(&self, lat_deg: f64, lon_deg: f64) -> Cell {
        let lon = finisterra_nav::geo::wrap_lon_deg(lon_deg);
        Cell {
            row: self.row_of(lat_deg),
            col: self.col_of_index(self.col_index(lon)),
        }
    }

    /// The partition of a cell: a fixed mix of row and column, so that
    /// neighbouring cells (and busy coasts) fall in different partitions.
    pub fn partition_of(&self, cell: Cell) -> Partition {
        let mut x = ((cell.row as u64) << 32) | cell.col as u64;
        // splitmix64's finaliser: fixed, the same on every machine.
        x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^= x >> 31;
        (x % self.partitions as u64) as Partition
    }

    /// The home partition of a position: its cell's. Positions that are not
    /// finite have none.
    pub fn home(&self, lat_deg: f64, lon_deg: f64) -> Option<Partition> {
        (lat_deg.is_finite() && lon_deg.is_finite())
            .then(|| self.partition_of(self.cell_of(lat_deg, lon_deg)))
    }

    /// Every cell that holds a point within `halo_m` of the position (its
    /// own first). Proof that none is missed: along any path of length
    /// `d ≤ halo_m` on the ellipsoid, `ds ≥ M dφ ≥ M₀ dφ`, so latitude
    /// moves by at most `dlat = d / M₀`; and `ds ≥ N cos φ dλ ≥ a cos φmax
    /// dλ` with `φmax = |φ| + dlat`, so longitude moves by at most `d / (a
    /// cos φmax)` (all of them when `φmax` reaches a pole). The cells
    /// meeting that box are enumerated, so the cell of any point within
    /// `halo_m` is among them.
    pub fn cells_within(&self, lat_deg: f64, lon_deg: f64, halo_m: f64, out: &mut Vec<Cell>) {
        out.clear();
        let own = self.cell_of(lat_deg, lon_deg);
        out.push(own);
        let dlat = (halo_m / MERIDIAN_MIN_M).to_degrees() + EPS_DEG;
        let lat_max = lat_deg.abs() + dlat;
        let (r0, r1) = (self.row_of(lat_deg - dlat), self.row_of(lat_deg + dlat));
        let lon = finisterra_nav::geo::wrap_lon_deg(lon_deg);
        // Half-width in longitude; none when the box reaches a pole.
        let dlon = (lat_max < 90.0)
            .then(|| (halo_m / (WGS84_A_M * lat_max.to_radians().cos())).to_degrees() + EPS_DEG)
            .filter(|&d| d < 180.0);
        let (c0, c1) = match dlon {
            Some(d) => {
                let (c0, c1) = (self.col_index(lon - d), self.col_index(lon + d));
                if c1 - c0 + 1 >= self.cols as i64 {
                    (0, self.cols as i64 - 1)
                } else {
                    (c0, c1)
                }
            }
            None => (0, self.cols as i64 - 1),
        };
        for row in r0..=r1 {
            for c in c0..=c1 {
                let cell = Cell {
                    row,
                    col: self.col_of_index(c),
                };
                if cell != own {
                    out.push(cell);
                }
            }
        }
    }

    /// Where a position goes: its home partition and every partition with a
    /// cell within `halo_m` of it (see [`Grid::cells_within`] for the
    /// proof). So for any two positions `A`, `B` within `halo_m` of each
    /// other, `home(B)` receives `A` and `home(A)` receives `B`. `None` for
    /// a position that is not finite.
    pub fn partitions_for(&self, lat_deg: f64, lon_deg: f64, halo_m: f64) -> Option<Routing> {
        let home = self.home(lat_deg, lon_deg)?;
        let mut cells = Vec::new();
        self.cells_within(lat_deg, lon_deg, halo_m.max(0.0), &mut cells);
        let mut halo: Vec<Partition> = cells
            .iter()
            .map(|&c| self.partition_of(c))
            .filter(|&p| p != home)
            .collect();
        halo.sort_unstable();
        halo.dedup();
        Some(Routing { home, halo })
    }

    /// The partition of a message that no position places (the vessel's
    /// position is not known yet): fixed by the MMSI.
    pub fn fallback(&self, mmsi: u32) -> Partition {
        (mmsi % self.partitions as u32) as Partition
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_wrap_at_the_antimeridian_and_clamp_at_the_poles() {
        let g = Grid::new(10.0, 16).unwrap();
        assert_eq!(g.shape(), (18, 36));
        assert_eq!(g.cell_of(0.0, 180.0), g.cell_of(0.0, -180.0));
        assert_eq!(g.cell_of(90.0, 0.0).row, 17);
        assert_eq!(g.cell_of(-90.0, 0.0).row, 0);
        assert_eq!(g.cell_of(5.0, 179.99).col, 35);
        assert!(Grid::new(7.0, 16).is_err());
        assert!(Grid::new(10.0, 0).is_err());
    }

    #[test]
    fn a_point_far_from_edges_has_no_halo() {
        let g = Grid::new(10.0, 16).unwrap();
        let r = g.partitions_for(45.0, 5.0, 100_000.0).unwrap();
        assert!(r.halo.is_empty(), "{r:?}");
        // 0.5° from the 50°N edge (55 km) with a 100 km halo: the row above.
        let r = g.partitions_for(49.5, 5.0, 100_000.0).unwrap();
        let north = g.partition_of(g.cell_of(50.5, 5.0));
        assert!(r.contains(north));
    }

    #[test]
    fn near_the_pole_every_column_is_in_the_halo() {
        let g = Grid::new(10.0, 16).unwrap();
        let mut cells = Vec::new();
        g.cells_within(89.5, 0.0, 100_000.0, &mut cells);
        assert!(cells.len() >= 36, "{}", cells.len());
    }
}

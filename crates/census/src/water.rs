//! Water learnt from the traffic: the places where several distinct vessels
//! reported positions under way are water, whatever the land layer says
//! (ship channels, canals, bayous and rivers that a 1:10m coastline draws as
//! land and the 1:50m inland-water layer does not hold).
//!
//! Only positions already found on land (beyond the margin, outside the
//! inland-water layer) are recorded, so the memory is that of the land
//! cells the traffic crossed: bounded by geography, not by the length of
//! the history. One vessel never makes water by itself: the count is of
//! distinct MMSIs.

use crate::util::FastMap;

/// Metres per degree of latitude (mean), for the cell rows.
const M_PER_DEG_LAT: f64 = 111_195.0;

/// What the traffic has shown of one cell.
#[derive(Debug, Clone)]
enum Cell {
    /// Distinct vessels seen under way in it so far (fewer than needed).
    Seen(Vec<u32>),
    /// Enough distinct vessels: water.
    Water,
}

/// Cells of about `cell_m` metres (rows of equal latitude, columns
/// narrowing with the cosine of the row's latitude).
#[derive(Debug, Clone)]
pub(crate) struct TrafficWater {
    min_vessels: u32,
    row_deg: f64,
    cells: FastMap<u64, Cell>,
    water_cells: u64,
}

impl TrafficWater {
    /// Cells of `cell_m` metres; water from `min_vessels` distinct vessels
    /// (0: never).
    pub fn new(cell_m: f64, min_vessels: u32) -> TrafficWater {
        TrafficWater {
            min_vessels,
            row_deg: cell_m / M_PER_DEG_LAT,
            cells: FastMap::default(),
            water_cells: 0,
        }
    }

    /// Cells found to be water so far.
    pub fn water_cells(&self) -> u64 {
        self.water_cells
    }

    fn row(&self, lat: f64) -> i64 {
        ((lat + 90.0) / self.row_deg).floor() as i64
    }

    fn col(&self, row: i64, lon: f64) -> i64 {
        let mid_lat = (row as f64 + 0.5) * self.row_deg - 90.0;
        let width = self.row_deg / mid_lat.to_radians().cos().max(0.02);
        ((lon + 180.0) / width).floor() as i64
    }

    fn key(row: i64, col: i64) -> u64 {
        ((row as u64 & 0xffff_ffff) << 32) | (col as u64 & 0xffff_ffff)
    }

    /// The key of the cell holding a position (for grouping positions).
    pub fn cell_of(&self, lat: f64, lon: f64) -> u64 {
        let r = self.row(lat);
        TrafficWater::key(r, self.col(r, lon))
    }

    /// Vessel `mmsi` reported a position under way here.
    pub fn record(&mut self, lat: f64, lon: f64, mmsi: u32) {
        if self.min_vessels == 0 || !lat.is_finite() || !lon.is_finite() {
            return;
        }
        let need = self.min_vessels as usize;
        let cell = self
            .cells
            .entry(self.cell_of(lat, lon))
            .or_insert_with(|| Cell::Seen(Vec::new()));
        if let Cell::Seen(v) = cell {
            if !v.contains(&mmsi) {
                v.push(mmsi);
            }
            if v.len() >= need {
                *cell = Cell::Water;
                self.water_cells += 1;
            }
        }
    }

    /// Whether the traffic has shown this position's cell, or one of its
    /// eight neighbours, to be water.
    pub fn is_water(&self, lat: f64, lon: f64) -> bool {
        if self.water_cells == 0 || !lat.is_finite() || !lon.is_finite() {
            return false;
        }
        let r = self.row(lat);
        (r - 1..=r + 1).any(|row| {
            let c = self.col(row, lon);
            (c - 1..=c + 1).any(|col| {
                matches!(
                    self.cells.get(&TrafficWater::key(row, col)),
                    Some(Cell::Water)
                )
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn water_needs_distinct_vessels_and_covers_the_neighbours() {
        let mut w = TrafficWater::new(1000.0, 3);
        let (lat, lon) = (29.75, -95.1);
        // One vessel, many times: not water.
        for _ in 0..10 {
            w.record(lat, lon, 1);
        }
        w.record(lat, lon, 2);
        assert!(!w.is_water(lat, lon));
        w.record(lat + 0.001, lon, 3);
        assert!(w.is_water(lat, lon));
        assert_eq!(w.water_cells(), 1);
        // A neighbouring cell (about 1 km away) counts; 3 km away does not.
        assert!(w.is_water(lat + 0.009, lon));
        assert!(!w.is_water(lat + 0.03, lon));
        assert!(!w.is_water(lat, lon + 0.04));
    }

    #[test]
    fn zero_disables() {
        let mut w = TrafficWater::new(1000.0, 0);
        for m in 0..10 {
            w.record(1.0, 1.0, m);
        }
        assert!(!w.is_water(1.0, 1.0));
    }
}

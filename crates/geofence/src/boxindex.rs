//! A 1° grid of bounding boxes (zones, hazards): which items may be near a
//! place. Longitudes of boxes may run past ±180° (continuous); they are
//! wrapped into the grid's 360 columns.

/// Items per 1° cell, compressed (offsets into one array).
#[derive(Clone, Debug, Default)]
pub(crate) struct BoxIndex {
    offsets: Vec<u32>,
    items: Vec<u32>,
}

const NX: usize = 360;
const NY: usize = 180;

/// A box in degrees: `lon_lo ≤ lon_hi` continuous, latitudes in ±90.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct DegBox {
    pub lat_lo: f64,
    pub lat_hi: f64,
    pub lon_lo: f64,
    pub lon_hi: f64,
}

impl DegBox {
    /// Columns (wrapped) and rows the box covers.
    fn cells(&self) -> (Vec<usize>, std::ops::RangeInclusive<usize>) {
        let row = |lat: f64| ((lat + 90.0).floor().clamp(0.0, (NY - 1) as f64)) as usize;
        let rows = row(self.lat_lo)..=row(self.lat_hi);
        let narrow = self.lon_hi - self.lon_lo < 359.0;
        let cols = if !narrow {
            (0..NX).collect()
        } else {
            let a = (self.lon_lo + 180.0).floor() as i64;
            let b = (self.lon_hi + 180.0).floor() as i64;
            (a..=b).map(|c| c.rem_euclid(NX as i64) as usize).collect()
        };
        (cols, rows)
    }

    /// True when the boxes overlap, allowing a shift of ±360° in longitude.
    pub(crate) fn overlaps(&self, o: &DegBox) -> bool {
        if self.lat_hi < o.lat_lo || o.lat_hi < self.lat_lo {
            return false;
        }
        [-360.0, 0.0, 360.0]
            .iter()
            .any(|s| !(self.lon_hi + s < o.lon_lo || o.lon_hi < self.lon_lo + s))
    }
}

impl BoxIndex {
    pub(crate) fn build(boxes: &[DegBox]) -> BoxIndex {
        let mut counts = vec![0u32; NX * NY + 1];
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        for (i, b) in boxes.iter().enumerate() {
            if !(b.lat_lo.is_finite()
                && b.lat_hi.is_finite()
                && b.lon_lo.is_finite()
                && b.lon_hi.is_finite())
            {
                continue;
            }
            let (cols, rows) = b.cells();
            for r in rows {
                for &c in &cols {
                    let cell = r * NX + c;
                    counts[cell] += 1;
                    pairs.push((cell as u32, i as u32));
                }
            }
        }
        let mut offsets = vec![0u32; NX * NY + 1];
        let mut acc = 0u32;
        for c in 0..NX * NY {
            offsets[c] = acc;
            acc += counts[c];
        }
        offsets[NX * NY] = acc;
        let mut fill = offsets.clone();
        let mut items = vec![0u32; pairs.len()];
        for (cell, i) in pairs {
            items[fill[cell as usize] as usize] = i;
            fill[cell as usize] += 1;
        }
        BoxIndex { offsets, items }
    }

    /// Items whose cells meet the box, sorted and without repeats.
    pub(crate) fn query(&self, b: &DegBox, out: &mut Vec<u32>) {
        out.clear();
        if self.items.is_empty()
            || !(b.lat_lo.is_finite()
                && b.lat_hi.is_finite()
                && b.lon_lo.is_finite()
                && b.lon_hi.is_finite())
        {
            return;
        }
        let (cols, rows) = b.cells();
        let mut cells = 0;
        for r in rows {
            for &c in &cols {
                let cell = r * NX + c;
                out.extend_from_slice(
                    &self.items[self.offsets[cell] as usize..self.offsets[cell + 1] as usize],
                );
                cells += 1;
            }
        }
        if cells > 1 {
            out.sort_unstable();
            out.dedup();
        }
    }

    /// Items listed in the cell of a point.
    pub(crate) fn at(&self, lat_deg: f64, lon_deg: f64) -> &[u32] {
        if self.items.is_empty() || !(lat_deg.is_finite() && lon_deg.is_finite()) {
            return &[];
        }
        let r = ((lat_deg + 90.0).floor().clamp(0.0, (NY - 1) as f64)) as usize;
        let c = ((lon_deg + 180.0).floor() as i64).rem_euclid(NX as i64) as usize;
        let cell = r * NX + c;
        &self.items[self.offsets[cell] as usize..self.offsets[cell + 1] as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_across_antimeridian() {
        let boxes = [
            DegBox {
                lat_lo: 10.0,
                lat_hi: 11.0,
                lon_lo: 179.5,
                lon_hi: 180.5,
            },
            DegBox {
                lat_lo: -5.0,
                lat_hi: 5.0,
                lon_lo: -10.0,
                lon_hi: 10.0,
            },
        ];
        let ix = BoxIndex::build(&boxes);
        assert_eq!(ix.at(10.5, -179.7), &[0]);
        assert_eq!(ix.at(10.5, 179.7), &[0]);
        assert_eq!(ix.at(0.0, 0.0), &[1]);
        let mut out = Vec::new();
        ix.query(
            &DegBox {
                lat_lo: -1.0,
                lat_hi: 10.2,
                lon_lo: -181.0,
                lon_hi: 1.0,
            },
            &mut out,
        );
        assert_eq!(out, vec![0, 1]);
        assert!(boxes[0].overlaps(&DegBox {
            lat_lo: 10.0,
            lat_hi: 10.5,
            lon_lo: -180.0,
            lon_hi: -179.0
        }));
    }
}

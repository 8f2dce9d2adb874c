//! A two-level uniform grid over the edges of a set of closed rings, with
//! exact winding numbers.
//!
//! The extent is cut into coarse cells of equal size; a coarse cell that
//! holds edges is cut again into `2^k × 2^k` sub-cells, `k` chosen from the
//! number of edges in it, so that dense coastlines get fine cells and open
//! sea costs one coarse cell. An edge is listed in every sub-cell whose
//! **closed** rectangle it meets (exact test), so a sub-cell with no edge
//! has one winding number everywhere in it, computed when the grid is
//! built and stored.
//!
//! Winding of a point: if its sub-cell is empty, the stored value;
//! otherwise walk east along the point's row, counting the signed edge
//! crossings that lie in each sub-cell passed (`[west, east)`, so an edge
//! listed in several sub-cells counts once), until reaching an empty
//! sub-cell, whose stored value is added, or the east end of the extent
//! (winding 0 there). Crossings are decided with exact orientation tests
//! and the half-open rule in latitude.

use crate::exact::{on_segment, ray_crossing, segment_meets_rect, Pt, Side};

/// Closed rings in fixed point: ring `i` is `v[starts[i]..starts[i+1]]`,
/// its last vertex equal to its first. Edge `e` is `v[e] → v[e + 1]` for
/// every `e` that is not the last vertex of a ring.
#[derive(Clone, Debug, Default)]
pub(crate) struct Rings {
    pub v: Vec<Pt>,
    pub starts: Vec<u32>,
}

impl Rings {
    pub(crate) fn new() -> Rings {
        Rings {
            v: Vec::new(),
            starts: vec![0],
        }
    }

    /// Appends a ring given without its closing vertex (it is added).
    /// Consecutive duplicates are dropped; rings with fewer than
    /// `min_distinct` distinct vertices are skipped. (A ring of one or two
    /// distinct vertices encloses nothing but still has edges: an islet
    /// collapsed by quantization is kept for distances.)
    pub(crate) fn push_open_ring(
        &mut self,
        pts: impl IntoIterator<Item = Pt>,
        min_distinct: usize,
    ) {
        let start = self.v.len();
        for p in pts {
            if self.v.len() > start && *self.v.last().unwrap_or(&p) == p {
                continue;
            }
            self.v.push(p);
        }
        while self.v.len() > start + 1 && self.v[self.v.len() - 1] == self.v[start] {
            self.v.pop();
        }
        if self.v.len() - start < min_distinct.max(1) {
            self.v.truncate(start);
            return;
        }
        let first = self.v[start];
        self.v.push(first);
        self.starts.push(self.v.len() as u32);
    }

    /// Appends an open polyline (not closed); consecutive duplicates are
    /// dropped; a polyline of one distinct point is kept (one zero-length
    /// edge) so that it is never silently lost.
    pub(crate) fn push_polyline(&mut self, pts: impl IntoIterator<Item = Pt>) {
        let start = self.v.len();
        for p in pts {
            if self.v.len() > start && self.v[self.v.len() - 1] == p {
                continue;
            }
            self.v.push(p);
        }
        if self.v.len() == start {
            return;
        }
        if self.v.len() - start == 1 {
            let p = self.v[start];
            self.v.push(p);
        }
        self.starts.push(self.v.len() as u32);
    }

    pub(crate) fn ring_count(&self) -> usize {
        self.starts.len() - 1
    }

    /// Every edge id, in order.
    pub(crate) fn edge_ids(&self) -> impl Iterator<Item = u32> + '_ {
        self.starts
            .windows(2)
            .flat_map(|w| w[0]..w[1].saturating_sub(1))
    }

    pub(crate) fn edge_count(&self) -> usize {
        self.v.len() - self.ring_count()
    }

    #[inline]
    pub(crate) fn edge(&self, e: u32) -> (Pt, Pt) {
        (self.v[e as usize], self.v[e as usize + 1])
    }

    /// Bounding box `(min, max)` of all vertices, or `None` when empty.
    pub(crate) fn bbox(&self) -> Option<(Pt, Pt)> {
        let mut it = self.v.iter();
        let f = *it.next()?;
        let (mut lo, mut hi) = (f, f);
        for p in it {
            lo.x = lo.x.min(p.x);
            lo.y = lo.y.min(p.y);
            hi.x = hi.x.max(p.x);
            hi.y = hi.y.max(p.y);
        }
        Some((lo, hi))
    }
}

#[derive(Clone, Copy, Debug)]
struct Coarse {
    first_sub: u32,
    /// log2 of the subdivision along each axis.
    k: u8,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Sub {
    pub first_edge: u32,
    pub n_edges: u32,
    /// Winding number everywhere in the sub-cell (valid when empty).
    pub winding: i32,
}

/// Largest subdivision exponent: `2^7 = 128` sub-cells per axis.
pub(crate) const MAX_K: u8 = 7;

/// Grid geometry and contents.
#[derive(Clone, Debug)]
pub(crate) struct EdgeGrid {
    pub x0: i64,
    pub y0: i64,
    pub cw: i64,
    pub ch: i64,
    pub nx: usize,
    pub ny: usize,
    coarse: Vec<Coarse>,
    subs: Vec<Sub>,
    edges: Vec<u32>,
}

/// A sub-cell's identity and rectangle `[x0, x1) × [y0, y1)`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SubRef {
    pub index: u32,
    pub x0: i64,
    pub y0: i64,
    pub x1: i64,
    pub y1: i64,
}

impl EdgeGrid {
    /// Builds the grid over `[x0, x0 + nx·cw) × [y0, y0 + ny·ch)`; every
    /// vertex must lie strictly inside that extent. `cw` and `ch` must be
    /// multiples of `2^MAX_K`. `target` is the wanted number of edges per
    /// occupied sub-cell.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn build(
        rings: &Rings,
        x0: i64,
        y0: i64,
        cw: i64,
        ch: i64,
        nx: usize,
        ny: usize,
        target: usize,
        max_k: u8,
    ) -> EdgeGrid {
        let max_k = max_k.min(MAX_K);
        debug_assert!(cw % (1 << MAX_K) == 0 && ch % (1 << MAX_K) == 0);
        let ncoarse = nx * ny;
        // Pass 1: (coarse cell, edge) pairs.
        let mut counts = vec![0u32; ncoarse];
        let mut pairs: Vec<(u32, u32)> =
            Vec::with_capacity(rings.edge_count() + rings.edge_count() / 4);
        for e in rings.edge_ids() {
            let (a, b) = rings.edge(e);
            let (cx0, cx1) = (
                Self::idx(a.x.min(b.x), x0, cw, nx),
                Self::idx(a.x.max(b.x), x0, cw, nx),
            );
            let (cy0, cy1) = (
                Self::idx(a.y.min(b.y), y0, ch, ny),
                Self::idx(a.y.max(b.y), y0, ch, ny),
            );
            let single = cx0 == cx1 && cy0 == cy1;
            for cy in cy0..=cy1 {
                for cx in cx0..=cx1 {
                    let (rx, ry) = (x0 + cx as i64 * cw, y0 + cy as i64 * ch);
                    if single || segment_meets_rect(a, b, rx, ry, rx + cw, ry + ch) {
                        let c = cy * nx + cx;
                        counts[c] += 1;
                        pairs.push((c as u32, e));
                    }
                }
            }
        }
        // Subdivision per coarse cell.
        let mut coarse = Vec::with_capacity(ncoarse);
        let mut nsubs = 0u32;
        for &n in &counts {
            let mut k = 0u8;
            while k < max_k && (n as usize) > target << k {
                k += 1;
            }
            coarse.push(Coarse {
                first_sub: nsubs,
                k,
            });
            nsubs += 1 << (2 * k);
        }
        // Pass 2: (sub-cell, edge) pairs, counting sort.
        let mut sub_pairs: Vec<(u32, u32)> = Vec::with_capacity(pairs.len() * 2);
        for &(c, e) in &pairs {
            let cc = coarse[c as usize];
            let (cx, cy) = (c as usize % nx, c as usize / nx);
            let n = 1usize << cc.k;
            let (sw, sh) = (cw >> cc.k, ch >> cc.k);
            let (rx, ry) = (x0 + cx as i64 * cw, y0 + cy as i64 * ch);
            let (a, b) = rings.edge(e);
            let (sx0, sx1) = (
                Self::idx(a.x.min(b.x), rx, sw, n),
                Self::idx(a.x.max(b.x), rx, sw, n),
            );
            let (sy0, sy1) = (
                Self::idx(a.y.min(b.y), ry, sh, n),
                Self::idx(a.y.max(b.y), ry, sh, n),
            );
            for sy in sy0..=sy1 {
                for sx in sx0..=sx1 {
                    let (qx, qy) = (rx + sx as i64 * sw, ry + sy as i64 * sh);
                    if segment_meets_rect(a, b, qx, qy, qx + sw, qy + sh) {
                        sub_pairs.push((cc.first_sub + (sy * n + sx) as u32, e));
                    }
                }
            }
        }
        drop(pairs);
        let mut subs = vec![
            Sub {
                first_edge: 0,
                n_edges: 0,
                winding: 0
            };
            nsubs as usize
        ];
        for &(s, _) in &sub_pairs {
            subs[s as usize].n_edges += 1;
        }
        let mut acc = 0u32;
        for s in subs.iter_mut() {
            s.first_edge = acc;
            acc += s.n_edges;
        }
        let mut fill: Vec<u32> = subs.iter().map(|s| s.first_edge).collect();
        let mut edges = vec![0u32; sub_pairs.len()];
        for &(s, e) in &sub_pairs {
            edges[fill[s as usize] as usize] = e;
            fill[s as usize] += 1;
        }
        drop(sub_pairs);
        let mut g = EdgeGrid {
            x0,
            y0,
            cw,
            ch,
            nx,
            ny,
            coarse,
            subs,
            edges,
        };
        g.fill_windings(rings);
        g
    }

    /// Index of the cell of size `w` from `o` containing `v`, clamped to
    /// `0..n`.
    #[inline]
    fn idx(v: i64, o: i64, w: i64, n: usize) -> usize {
        let i = (v - o).div_euclid(w);
        i.clamp(0, n as i64 - 1) as usize
    }

    /// Stored windings of empty sub-cells, east to west.
    fn fill_windings(&mut self, rings: &Rings) {
        for cx in (0..self.nx).rev() {
            for cy in 0..self.ny {
                let cc = self.coarse[cy * self.nx + cx];
                let n = 1usize << cc.k;
                let (sw, sh) = (self.cw >> cc.k, self.ch >> cc.k);
                let (rx, ry) = (self.x0 + cx as i64 * self.cw, self.y0 + cy as i64 * self.ch);
                for sx in (0..n).rev() {
                    for sy in 0..n {
                        let si = cc.first_sub as usize + sy * n + sx;
                        if self.subs[si].n_edges != 0 {
                            continue;
                        }
                        let east = rx + (sx as i64 + 1) * sw;
                        let y = ry + sy as i64 * sh + sh / 2;
                        self.subs[si].winding = self.walk(rings, east, y, None);
                    }
                }
            }
        }
    }

    /// The sub-cell containing `(x, y)`, which must be inside the extent.
    #[inline]
    pub(crate) fn locate(&self, x: i64, y: i64) -> SubRef {
        let cx = Self::idx(x, self.x0, self.cw, self.nx);
        let cy = Self::idx(y, self.y0, self.ch, self.ny);
        self.locate_in(cx, cy, x, y)
    }

    #[inline]
    fn locate_in(&self, cx: usize, cy: usize, x: i64, y: i64) -> SubRef {
        let cc = self.coarse[cy * self.nx + cx];
        let n = 1usize << cc.k;
        let (sw, sh) = (self.cw >> cc.k, self.ch >> cc.k);
        let (rx, ry) = (self.x0 + cx as i64 * self.cw, self.y0 + cy as i64 * self.ch);
        let sx = Self::idx(x, rx, sw, n);
        let sy = Self::idx(y, ry, sh, n);
        let qx = rx + sx as i64 * sw;
        let qy = ry + sy as i64 * sh;
        SubRef {
            index: cc.first_sub + (sy * n + sx) as u32,
            x0: qx,
            y0: qy,
            x1: qx + sw,
            y1: qy + sh,
        }
    }

    pub(crate) fn x_end(&self) -> i64 {
        self.x0 + self.nx as i64 * self.cw
    }

    pub(crate) fn y_end(&self) -> i64 {
        self.y0 + self.ny as i64 * self.ch
    }

    pub(crate) fn contains_point(&self, p: Pt) -> bool {
        p.x >= self.x0 && p.x < self.x_end() && p.y >= self.y0 && p.y < self.y_end()
    }

    #[inline]
    pub(crate) fn sub_edges(&self, index: u32) -> &[u32] {
        let s = self.subs[index as usize];
        &self.edges[s.first_edge as usize..(s.first_edge + s.n_edges) as usize]
    }

    /// Winding of the horizontal ray at `y` from `x` (inclusive; or from
    /// `open_from` exclusive when given, which must be in the first
    /// sub-cell) to the east end of the extent.
    fn walk(&self, rings: &Rings, mut x: i64, y: i64, open_from: Option<i64>) -> i32 {
        let mut w = 0i32;
        let mut first = true;
        let x_end = self.x_end();
        while x < x_end {
            let s = self.locate(x, y);
            let sub = self.subs[s.index as usize];
            if sub.n_edges == 0 {
                return w + sub.winding;
            }
            let (from, open) = match (first, open_from) {
                (true, Some(px)) => (px, true),
                _ => (s.x0, false),
            };
            for &e in self.sub_edges(s.index) {
                let (a, b) = rings.edge(e);
                w += ray_crossing(a, b, y, from, open, Some(s.x1));
            }
            first = false;
            x = s.x1;
        }
        w
    }

    /// Side of `p` against the rings: inside when the winding number is
    /// positive (exteriors counter-clockwise, holes clockwise: the union of
    /// the polygons). Points outside the extent are outside.
    pub(crate) fn side(&self, rings: &Rings, p: Pt) -> Side {
        if !self.contains_point(p) {
            return Side::Outside;
        }
        let s = self.locate(p.x, p.y);
        let sub = self.subs[s.index as usize];
        if sub.n_edges == 0 {
            return if sub.winding > 0 {
                Side::Inside
            } else {
                Side::Outside
            };
        }
        for &e in self.sub_edges(s.index) {
            let (a, b) = rings.edge(e);
            if on_segment(a, b, p) {
                return Side::Boundary;
            }
        }
        if self.walk(rings, p.x, p.y, Some(p.x)) > 0 {
            Side::Inside
        } else {
            Side::Outside
        }
    }

    /// Calls `f(cx, cy, x0, y0, x1, y1)` for every coarse cell that holds
    /// edges and meets the closed box `[xa, xb] × [ya, yb]` (clamped to the
    /// extent; no wrapping).
    pub(crate) fn for_each_coarse_in(
        &self,
        xa: i64,
        ya: i64,
        xb: i64,
        yb: i64,
        mut f: impl FnMut(usize, usize, [i64; 4]),
    ) {
        if xb < self.x0
            || ya >= self.y_end()
            || yb < self.y0
            || xa >= self.x_end()
            || xa > xb
            || ya > yb
        {
            return;
        }
        let (cx0, cx1) = (
            Self::idx(xa, self.x0, self.cw, self.nx),
            Self::idx(xb, self.x0, self.cw, self.nx),
        );
        let (cy0, cy1) = (
            Self::idx(ya, self.y0, self.ch, self.ny),
            Self::idx(yb, self.y0, self.ch, self.ny),
        );
        for cy in cy0..=cy1 {
            for cx in cx0..=cx1 {
                if self.coarse_empty(cx, cy) {
                    continue;
                }
                let (rx, ry) = (self.x0 + cx as i64 * self.cw, self.y0 + cy as i64 * self.ch);
                f(cx, cy, [rx, ry, rx + self.cw, ry + self.ch]);
            }
        }
    }

    /// Calls `f` for every sub-cell of coarse cell `(cx, cy)` that holds
    /// edges and meets the closed box `[xa, xb] × [ya, yb]`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn for_each_sub_of(
        &self,
        cx: usize,
        cy: usize,
        xa: i64,
        ya: i64,
        xb: i64,
        yb: i64,
        mut f: impl FnMut(SubRef),
    ) {
        let cc = self.coarse[cy * self.nx + cx];
        let n = 1usize << cc.k;
        let (sw, sh) = (self.cw >> cc.k, self.ch >> cc.k);
        let (rx, ry) = (self.x0 + cx as i64 * self.cw, self.y0 + cy as i64 * self.ch);
        if xb < rx || xa >= rx + self.cw || yb < ry || ya >= ry + self.ch {
            return;
        }
        let (sx0, sx1) = (Self::idx(xa, rx, sw, n), Self::idx(xb, rx, sw, n));
        let (sy0, sy1) = (Self::idx(ya, ry, sh, n), Self::idx(yb, ry, sh, n));
        for sy in sy0..=sy1 {
            for sx in sx0..=sx1 {
                let index = cc.first_sub + (sy * n + sx) as u32;
                if self.subs[index as usize].n_edges == 0 {
                    continue;
                }
                let qx = rx + sx as i64 * sw;
                let qy = ry + sy as i64 * sh;
                f(SubRef {
                    index,
                    x0: qx,
                    y0: qy,
                    x1: qx + sw,
                    y1: qy + sh,
                });
            }
        }
    }

    /// Calls `f` for every sub-cell that holds edges and whose rectangle
    /// meets the closed box `[xa, xb] × [ya, yb]` (clamped to the extent;
    /// no wrapping).
    pub(crate) fn for_each_sub_in(
        &self,
        xa: i64,
        ya: i64,
        xb: i64,
        yb: i64,
        mut f: impl FnMut(SubRef),
    ) {
        self.for_each_coarse_in(xa, ya, xb, yb, |cx, cy, _| {
            self.for_each_sub_of(cx, cy, xa, ya, xb, yb, &mut f)
        });
    }

    /// True when the coarse cell `(cx, cy)` holds no edge.
    pub(crate) fn coarse_empty(&self, cx: usize, cy: usize) -> bool {
        let cc = self.coarse[cy * self.nx + cx];
        cc.k == 0 && self.subs[cc.first_sub as usize].n_edges == 0
    }

    /// Number of sub-cells and of listed edge references (for reports).
    pub(crate) fn stats(&self) -> (usize, usize) {
        (self.subs.len(), self.edges.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exact::side_linear;

    fn grid_for(rings: &Rings, target: usize) -> EdgeGrid {
        let (lo, hi) = rings.bbox().unwrap();
        let step = 1 << MAX_K;
        let cw = (((hi.x - lo.x + 1) / 4) / step + 1) * step;
        let ch = (((hi.y - lo.y + 1) / 4) / step + 1) * step;
        EdgeGrid::build(rings, lo.x - 3, lo.y - 3, cw, ch, 5, 5, target, MAX_K)
    }

    #[test]
    fn grid_agrees_with_linear_scan() {
        // A comb-shaped polygon with a hole, plus an island in the hole.
        let mut r = Rings::new();
        let pts = |v: &[(i64, i64)]| {
            v.iter()
                .map(|&(x, y)| Pt::new(x * 1000, y * 1000))
                .collect::<Vec<_>>()
        };
        r.push_open_ring(
            pts(&[
                (0, 0),
                (100, 0),
                (100, 100),
                (80, 100),
                (80, 20),
                (60, 20),
                (60, 100),
                (0, 100),
            ]),
            3,
        );
        r.push_open_ring(pts(&[(10, 30), (10, 70), (40, 70), (40, 30)]), 3); // hole (clockwise)
        r.push_open_ring(pts(&[(20, 40), (30, 40), (30, 60), (20, 60)]), 3); // island
        for target in [1, 2, 4, 1000] {
            let g = grid_for(&r, target);
            for y in (-5..=105).step_by(5) {
                for x in (-5..=105).step_by(5) {
                    let p = Pt::new(x * 1000, y * 1000);
                    assert_eq!(
                        g.side(&r, p),
                        side_linear(&r.v, &r.starts, p),
                        "{x},{y} target {target}"
                    );
                    let q = Pt::new(x * 1000 + 7, y * 1000 - 3);
                    assert_eq!(
                        g.side(&r, q),
                        side_linear(&r.v, &r.starts, q),
                        "{x},{y}+ target {target}"
                    );
                }
            }
        }
    }
}

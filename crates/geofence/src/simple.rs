//! Validation of the rings of a polygon (zones and user hazard areas; land
//! is not checked): a ring must not meet itself except where consecutive
//! edges join, and the rings of one polygon must not meet each other.
//!
//! Edges are numbered as the user wrote them: edge `k` runs from position
//! `k` to position `k + 1` of the ring, the last edge back to the first
//! position (whether or not the ring was written closed). Zero-length edges
//! (repeated positions) are skipped; the edges either side of them, and the
//! last and first edges, are adjacent. Adjacent edges may only share their
//! common vertex: folding back over each other (a spike) is an overlap.
//!
//! The test runs on fixed-point coordinates with exact orientation tests,
//! on longitudes unwrapped so that every edge is taken the short way round
//! (a ring across ±180° is one continuous ring). It is a Shamos–Hoey
//! sweep, `O(n log n)` whatever the shape: first every vertex shared by
//! edges that are not consecutive is found by sorting the vertices; then a
//! line sweeps west to east (ties south to north) over the edges, keeping
//! those it crosses in south-to-north order in a treap (priorities seeded
//! from the geometry, so balanced in expectation and deterministic), and
//! tests each edge against its neighbours whenever they change, and
//! against any edge its first end lies on. The first meeting found stops
//! the test: before the sweep reaches the westernmost meeting the order is
//! consistent, and the two edges of that meeting are neighbours at some
//! event no later than it. A quadratic all-pairs reference checks the
//! sweep in the unit tests.

use finisterra_nav::geo::wrap_lon_deg;

use crate::exact::{meet_params, orient, orient_sign, segments_touch, Pt, UNITS_PER_DEG};
use crate::rings::unwrap;

/// 360° in fixed point.
const TURN: i64 = 360 * 10_000_000;

/// At most this many copies of a polygon shifted by 360° are compared
/// with it (only a polygon whose unwrapped longitudes span 360° or more,
/// such as a hazard area round a pole, needs any; land rings built from
/// such a ring cover four turns at most).
const MAX_TURNS: i64 = 4;

/// One ring of a polygon as given, without its closing position, in fixed
/// point with continuous longitudes.
pub(crate) struct RingPts<'a> {
    pub pts: &'a [Pt],
    /// Longitude offset of the closing edge, fixed point: 0, or a multiple
    /// of 360° for a ring round a pole (the closing edge then ends at the
    /// first position shifted by it).
    pub closing: i64,
}

/// How two edges meet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MeetKind {
    /// They cross at a point inside both.
    Cross,
    /// An end of one lies on the other.
    Touch,
    /// They overlap along a stretch (collinear).
    Overlap,
}

/// Two edges of a polygon that meet where they must not. Rings are
/// counted from 0, edges from 1; `(ring_a, edge_a) < (ring_b, edge_b)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Meeting {
    pub ring_a: usize,
    pub edge_a: usize,
    pub ring_b: usize,
    pub edge_b: usize,
    pub kind: MeetKind,
    /// Where (about), longitude wrapped into [−180, 180].
    pub lon_deg: f64,
    pub lat_deg: f64,
}

impl Meeting {
    /// The message for polygon `polygon` (counted from 1), for example
    /// `ring 1 of polygon 1 intersects itself: edges 1 and 3 cross at about lon 0.5, lat 0.5`.
    pub(crate) fn describe(&self, polygon: usize) -> String {
        let verb = match self.kind {
            MeetKind::Cross => "cross",
            MeetKind::Touch => "touch",
            MeetKind::Overlap => "overlap",
        };
        let at = format!(
            "at about lon {}, lat {}",
            fmt_deg(self.lon_deg),
            fmt_deg(self.lat_deg)
        );
        if self.ring_a == self.ring_b {
            format!(
                "ring {} of polygon {polygon} intersects itself: edges {} and {} {verb} {at}",
                self.ring_a + 1,
                self.edge_a,
                self.edge_b,
            )
        } else {
            let what = if self.kind == MeetKind::Cross {
                "crosses"
            } else {
                "touches"
            };
            format!(
                "ring {} of polygon {polygon} {what} ring {}: edge {} of ring {} and edge {} of ring {} {verb} {at}",
                self.ring_b + 1,
                self.ring_a + 1,
                self.edge_b,
                self.ring_b + 1,
                self.edge_a,
                self.ring_a + 1,
            )
        }
    }
}

/// Degrees with at most six decimals, no trailing zeros.
fn fmt_deg(v: f64) -> String {
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

/// True when a ring as decoded does not end where it starts (it is then
/// closed by joining the last position to the first).
pub(crate) fn is_unclosed(ring: &[(f64, f64)]) -> bool {
    ring.len() > 1 && ring[0] != ring[ring.len() - 1]
}

#[derive(Clone, Copy)]
struct Edge {
    a: Pt,
    b: Pt,
    ring: usize,
    /// Edge number as written, from 1.
    num: usize,
    /// Position among the ring's non-zero edges, from 0.
    pos: usize,
}

/// One edge, or a copy of it shifted east by `k` turns, with its ends in
/// sweep order (`l` before `r`: west to east, south to north on a tie).
#[derive(Clone, Copy)]
struct Item {
    e: u32,
    k: u32,
    l: Pt,
    r: Pt,
}

/// Edges (non-zero, numbered as written) of the rings and their number
/// per ring.
fn edges_of(rings: &[RingPts<'_>]) -> (Vec<Edge>, Vec<usize>) {
    let mut edges: Vec<Edge> = Vec::new();
    let mut counts: Vec<usize> = Vec::with_capacity(rings.len());
    for (r, ring) in rings.iter().enumerate() {
        let n = ring.pts.len();
        let mut pos = 0;
        if n >= 2 {
            for i in 0..n {
                let a = ring.pts[i];
                let b = match ring.pts.get(i + 1) {
                    Some(&b) => b,
                    None => Pt::new(ring.pts[0].x.saturating_add(ring.closing), ring.pts[0].y),
                };
                if a == b {
                    continue;
                }
                edges.push(Edge {
                    a,
                    b,
                    ring: r,
                    num: i + 1,
                    pos,
                });
                pos += 1;
            }
        }
        counts.push(pos);
    }
    (edges, counts)
}

/// The edges and their copies shifted east by whole turns, as many as
/// needed for the polygon to meet its copies (none unless its longitudes
/// span 360° or more).
fn items_of(edges: &[Edge]) -> Vec<Item> {
    let xmin = edges.iter().map(|e| e.a.x.min(e.b.x)).min().unwrap_or(0);
    let xmax = edges.iter().map(|e| e.a.x.max(e.b.x)).max().unwrap_or(0);
    let turns = (xmax.saturating_sub(xmin) / TURN).clamp(0, MAX_TURNS);
    let mut items = Vec::with_capacity(edges.len() * (turns as usize + 1));
    for k in 0..=turns {
        for (i, e) in edges.iter().enumerate() {
            let s = k * TURN;
            let (a, b) = (Pt::new(e.a.x + s, e.a.y), Pt::new(e.b.x + s, e.b.y));
            let (l, r) = if a < b { (a, b) } else { (b, a) };
            items.push(Item {
                e: i as u32,
                k: k as u32,
                l,
                r,
            });
        }
    }
    items
}

/// The state of one test: edges, rings, items.
struct Check<'a> {
    edges: Vec<Edge>,
    counts: Vec<usize>,
    rings: &'a [RingPts<'a>],
    items: Vec<Item>,
}

impl Check<'_> {
    /// Whether items `i` and `j` meet where they must not.
    fn pair(&self, i: u32, j: u32) -> Option<Meeting> {
        let (p, q) = (self.items[i as usize], self.items[j as usize]);
        let shift = (i64::from(q.k) - i64::from(p.k)) * TURN;
        check_pair(
            &self.edges,
            &self.counts,
            self.rings,
            p.e as usize,
            q.e as usize,
            shift,
        )
    }

    /// Order of item `s` against item `t` on the sweep line at `s`'s
    /// first end (`t` spans it): `Greater` when `s` is north of `t`. A
    /// tie (the end lies on `t`) is broken by `s`'s direction, then by
    /// index, and reported through `tie`.
    fn order(&self, s: u32, t: u32, tie: &mut Option<u32>) -> std::cmp::Ordering {
        let (a, b) = (self.items[s as usize], self.items[t as usize]);
        let o = orient(b.l, b.r, a.l);
        if o != 0 {
            return o.cmp(&0);
        }
        if a.l != b.l && tie.is_none() {
            *tie = Some(t);
        }
        let o = orient(b.l, b.r, a.r);
        if o != 0 {
            return o.cmp(&0);
        }
        if tie.is_none() {
            *tie = Some(t);
        }
        s.cmp(&t)
    }

    /// The first forbidden meeting, if any.
    fn run(&self) -> Option<Meeting> {
        let n = self.items.len();
        // 1. Vertices shared by edges that are not consecutive.
        let mut ends: Vec<(Pt, u32)> = Vec::with_capacity(2 * n);
        for (i, it) in self.items.iter().enumerate() {
            ends.push((it.l, i as u32));
            ends.push((it.r, i as u32));
        }
        ends.sort_unstable();
        for group in ends.chunk_by(|a, b| a.0 == b.0) {
            for (x, &(_, i)) in group.iter().enumerate() {
                for &(_, j) in &group[x + 1..] {
                    if let Some(m) = self.pair(i, j) {
                        return Some(m);
                    }
                }
            }
        }
        // 2. The sweep: at each point, edges ending there leave the tree
        // before edges starting there enter it.
        let mut events: Vec<(Pt, bool, u32)> = Vec::with_capacity(2 * n);
        for (i, it) in self.items.iter().enumerate() {
            events.push((it.r, false, i as u32));
            events.push((it.l, true, i as u32));
        }
        events.sort_unstable();
        let mut tree = Treap::new(n, seed(&self.items));
        for &(_, start, i) in &events {
            if start {
                let mut tie = None;
                tree.insert(i, |s, t| self.order(s, t, &mut tie));
                if let Some(t) = tie {
                    if let Some(m) = self.pair(i, t) {
                        return Some(m);
                    }
                }
                for nb in [tree.prev(i), tree.next(i)].into_iter().flatten() {
                    if let Some(m) = self.pair(i, nb) {
                        return Some(m);
                    }
                }
            } else {
                let (p, q) = (tree.prev(i), tree.next(i));
                tree.remove(i);
                if let (Some(p), Some(q)) = (p, q) {
                    if let Some(m) = self.pair(p, q) {
                        return Some(m);
                    }
                }
            }
        }
        None
    }
}

/// The first forbidden meeting between edges of the polygon's rings, if
/// any (see the [module documentation](self)).
pub(crate) fn find_meeting(rings: &[RingPts<'_>]) -> Option<Meeting> {
    let (edges, counts) = edges_of(rings);
    if edges.len() < 2 {
        return None;
    }
    let items = items_of(&edges);
    Check {
        edges,
        counts,
        rings,
        items,
    }
    .run()
}

/// Seed of the tree's priorities, from the geometry (so that the same
/// input gives the same tree, and no input can be built against it).
fn seed(items: &[Item]) -> u64 {
    items.iter().fold(0x9e37_79b9_7f4a_7c15, |h, it| {
        mix(h ^ (it.l.x as u64) ^ (it.l.y as u64).rotate_left(21) ^ (it.r.x as u64).rotate_left(42))
    })
}

/// SplitMix64 finaliser.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const NIL: u32 = u32::MAX;

/// A treap over item indices (node `i` is item `i`) with parent links, so
/// that an item is removed and its neighbours found without comparisons.
struct Treap {
    left: Vec<u32>,
    right: Vec<u32>,
    parent: Vec<u32>,
    prio: Vec<u64>,
    root: u32,
}

impl Treap {
    fn new(n: usize, seed: u64) -> Treap {
        Treap {
            left: vec![NIL; n],
            right: vec![NIL; n],
            parent: vec![NIL; n],
            prio: (0..n as u64).map(|i| mix(seed ^ mix(i))).collect(),
            root: NIL,
        }
    }

    /// Inserts `x`; `cmp(x, y)` orders it against a node `y` in the tree.
    fn insert(&mut self, x: u32, mut cmp: impl FnMut(u32, u32) -> std::cmp::Ordering) {
        let xi = x as usize;
        self.left[xi] = NIL;
        self.right[xi] = NIL;
        let (mut cur, mut par, mut right) = (self.root, NIL, false);
        while cur != NIL {
            par = cur;
            right = cmp(x, cur) == std::cmp::Ordering::Greater;
            cur = if right {
                self.right[cur as usize]
            } else {
                self.left[cur as usize]
            };
        }
        self.parent[xi] = par;
        if par == NIL {
            self.root = x;
        } else if right {
            self.right[par as usize] = x;
        } else {
            self.left[par as usize] = x;
        }
        while self.parent[xi] != NIL && self.prio[xi] > self.prio[self.parent[xi] as usize] {
            self.rotate_up(x);
        }
    }

    /// Rotates `x` above its parent.
    fn rotate_up(&mut self, x: u32) {
        let xi = x as usize;
        let p = self.parent[xi];
        let pi = p as usize;
        let g = self.parent[pi];
        if self.left[pi] == x {
            let c = self.right[xi];
            self.left[pi] = c;
            if c != NIL {
                self.parent[c as usize] = p;
            }
            self.right[xi] = p;
        } else {
            let c = self.left[xi];
            self.right[pi] = c;
            if c != NIL {
                self.parent[c as usize] = p;
            }
            self.left[xi] = p;
        }
        self.parent[pi] = x;
        self.parent[xi] = g;
        if g == NIL {
            self.root = x;
        } else if self.left[g as usize] == p {
            self.left[g as usize] = x;
        } else {
            self.right[g as usize] = x;
        }
    }

    /// Removes `x` (in the tree).
    fn remove(&mut self, x: u32) {
        let xi = x as usize;
        loop {
            let (l, r) = (self.left[xi], self.right[xi]);
            if l == NIL || r == NIL {
                let c = if l == NIL { r } else { l };
                let p = self.parent[xi];
                if c != NIL {
                    self.parent[c as usize] = p;
                }
                if p == NIL {
                    self.root = c;
                } else if self.left[p as usize] == x {
                    self.left[p as usize] = c;
                } else {
                    self.right[p as usize] = c;
                }
                self.parent[xi] = NIL;
                self.left[xi] = NIL;
                self.right[xi] = NIL;
                return;
            }
            let c = if self.prio[l as usize] > self.prio[r as usize] {
                l
            } else {
                r
            };
            self.rotate_up(c);
        }
    }

    /// The node before `x` in order.
    fn prev(&self, x: u32) -> Option<u32> {
        let mut y = self.left[x as usize];
        if y != NIL {
            while self.right[y as usize] != NIL {
                y = self.right[y as usize];
            }
            return Some(y);
        }
        let mut c = x;
        let mut p = self.parent[c as usize];
        while p != NIL && self.left[p as usize] == c {
            c = p;
            p = self.parent[c as usize];
        }
        (p != NIL).then_some(p)
    }

    /// The node after `x` in order.
    fn next(&self, x: u32) -> Option<u32> {
        let mut y = self.right[x as usize];
        if y != NIL {
            while self.left[y as usize] != NIL {
                y = self.left[y as usize];
            }
            return Some(y);
        }
        let mut c = x;
        let mut p = self.parent[c as usize];
        while p != NIL && self.right[p as usize] == c {
            c = p;
            p = self.parent[c as usize];
        }
        (p != NIL).then_some(p)
    }
}

/// Whether edges `e` and `f` (the latter shifted east by `shift`) meet
/// where they must not: anywhere for edges that are not consecutive,
/// beyond their common vertex for consecutive ones (folding back).
fn check_pair(
    edges: &[Edge],
    counts: &[usize],
    rings: &[RingPts<'_>],
    e: usize,
    f: usize,
    shift: i64,
) -> Option<Meeting> {
    let (ea, eb) = (edges[e], edges[f]);
    let (a, b) = (ea.a, ea.b);
    let (c, d) = (
        Pt::new(eb.a.x + shift, eb.a.y),
        Pt::new(eb.b.x + shift, eb.b.y),
    );
    if e == f && shift == 0 {
        return None;
    }
    let adjacent = ea.ring == eb.ring && {
        let m = counts[ea.ring];
        let closing = rings[ea.ring].closing;
        (shift == 0 && (eb.pos == ea.pos + 1 || ea.pos == eb.pos + 1))
            || (ea.pos + 1 == m && eb.pos == 0 && shift == closing)
            || (eb.pos + 1 == m && ea.pos == 0 && shift == -closing)
    };
    let (kind, at) = if adjacent {
        // They share a vertex; anything more is a fold back along a line.
        let collinear = orient(a, b, c) == 0 && orient(a, b, d) == 0;
        let dot = i128::from(b.x - a.x) * i128::from(d.x - c.x)
            + i128::from(b.y - a.y) * i128::from(d.y - c.y);
        if !(collinear && dot < 0) {
            return None;
        }
        let shared = if b == c || b == d { b } else { a };
        (MeetKind::Overlap, (shared.x as f64, shared.y as f64))
    } else {
        if !segments_touch(a, b, c, d) {
            return None;
        }
        let (d1, d2) = (orient_sign(c, d, a), orient_sign(c, d, b));
        let (d3, d4) = (orient_sign(a, b, c), orient_sign(a, b, d));
        let ts = meet_params(a, b, c, d);
        let kind = if d1 == 0 && d2 == 0 && ts.as_slice().len() == 2 {
            MeetKind::Overlap
        } else if d1 * d2 < 0 && d3 * d4 < 0 {
            MeetKind::Cross
        } else {
            MeetKind::Touch
        };
        let t = ts.as_slice().first().copied().unwrap_or(0.0);
        (
            kind,
            (
                a.x as f64 + t * (b.x - a.x) as f64,
                a.y as f64 + t * (b.y - a.y) as f64,
            ),
        )
    };
    let (mut x, mut y) = ((ea.ring, ea.num), (eb.ring, eb.num));
    if y < x {
        std::mem::swap(&mut x, &mut y);
    }
    Some(Meeting {
        ring_a: x.0,
        edge_a: x.1,
        ring_b: y.0,
        edge_b: y.1,
        kind,
        lon_deg: wrap_lon_deg(at.0 / UNITS_PER_DEG),
        lat_deg: at.1 / UNITS_PER_DEG,
    })
}

/// Fixed point without the range limit of [`Pt::from_deg`] (unwrapped
/// longitudes of a ring round a pole may go far; the values are finite).
fn fixed(lon_deg: f64, lat_deg: f64) -> Pt {
    Pt::new(
        (lon_deg * UNITS_PER_DEG).round() as i64,
        (lat_deg * UNITS_PER_DEG).round() as i64,
    )
}

/// Checks a polygon as decoded (degrees, rings closed or not): each ring
/// unwrapped, the holes moved by whole turns next to the exterior ring.
/// Used for hazard areas (zones check the fixed-point rings they store).
pub(crate) fn check_polygon_deg(poly: &[Vec<(f64, f64)>]) -> Option<Meeting> {
    let mut fixed_rings: Vec<(Vec<Pt>, i64)> = Vec::with_capacity(poly.len());
    let mut anchor: Option<f64> = None;
    for ring in poly {
        let (u, closing) = unwrap(ring);
        if u.is_empty() {
            fixed_rings.push((Vec::new(), 0));
            continue;
        }
        let xmin = u.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
        let xmax = u.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
        let centre = 0.5 * (xmin + xmax);
        let shift = match anchor {
            None => {
                anchor = Some(centre);
                0.0
            }
            Some(a) => ((a - centre) / 360.0).round() * 360.0,
        };
        let pts: Vec<Pt> = u.iter().map(|&(x, y)| fixed(x + shift, y)).collect();
        let turns = (closing / 360.0).round();
        let closing = if turns.abs() <= 1e6 {
            turns as i64 * TURN
        } else {
            0
        };
        fixed_rings.push((pts, closing));
    }
    let rings: Vec<RingPts<'_>> = fixed_rings
        .iter()
        .map(|(pts, closing)| RingPts {
            pts,
            closing: *closing,
        })
        .collect();
    find_meeting(&rings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every pair of edges (each against the shifted copies of the others):
    /// the quadratic reference for the sweep.
    fn naive(rings: &[RingPts<'_>]) -> Option<Meeting> {
        let (edges, counts) = edges_of(rings);
        let items = items_of(&edges);
        let c = Check {
            edges,
            counts,
            rings,
            items,
        };
        for i in 0..c.items.len() {
            for j in i + 1..c.items.len() {
                if c.items[i].k != 0 && c.items[j].k != 0 {
                    continue;
                }
                if let Some(m) = c.pair(i as u32, j as u32) {
                    return Some(m);
                }
            }
        }
        None
    }

    fn both(poly: &[Vec<(f64, f64)>]) -> (Option<Meeting>, Option<Meeting>) {
        let fixed: Vec<(Vec<Pt>, i64)> = poly
            .iter()
            .map(|r| {
                let (u, closing) = unwrap(r);
                (
                    u.iter().map(|&(x, y)| fixed(x, y)).collect(),
                    (closing / 360.0).round() as i64 * TURN,
                )
            })
            .collect();
        let rings: Vec<RingPts<'_>> = fixed
            .iter()
            .map(|(pts, closing)| RingPts {
                pts,
                closing: *closing,
            })
            .collect();
        (find_meeting(&rings), naive(&rings))
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4000, failure_persistence: None, ..ProptestConfig::default() })]

        /// Small integer grids: collinear edges, shared vertices, vertical
        /// and horizontal edges everywhere.
        #[test]
        fn sweep_agrees_with_all_pairs_on_a_grid(
            poly in prop::collection::vec(prop::collection::vec((0i32..6, 0i32..6), 3..9), 1..4)
        ) {
            let poly: Vec<Vec<(f64, f64)>> = poly
                .iter()
                .map(|r| r.iter().map(|&(x, y)| (f64::from(x), f64::from(y))).collect())
                .collect();
            let (sweep, all) = both(&poly);
            prop_assert_eq!(sweep.is_some(), all.is_some(), "{:?}: {:?} / {:?}", poly, sweep, all);
        }

        /// Wide longitudes: rings across ±180°, round a pole, beyond 360°.
        #[test]
        fn sweep_agrees_with_all_pairs_across_the_antimeridian(
            poly in prop::collection::vec(prop::collection::vec((-8i32..8, -3i32..3), 3..12), 1..3)
        ) {
            let poly: Vec<Vec<(f64, f64)>> = poly
                .iter()
                .map(|r| r.iter().map(|&(x, y)| (f64::from(x) * 45.0, f64::from(y) * 10.0)).collect())
                .collect();
            let (sweep, all) = both(&poly);
            prop_assert_eq!(sweep.is_some(), all.is_some(), "{:?}: {:?} / {:?}", poly, sweep, all);
        }
    }

    #[test]
    fn treap_keeps_order() {
        let mut t = Treap::new(64, 7);
        let key = |i: u32| (i * 37) % 64;
        for i in 0..64 {
            t.insert(i, |a, b| key(a).cmp(&key(b)));
        }
        for i in (0..64).step_by(3) {
            t.remove(i);
        }
        let mut left: Vec<u32> = (0..64).filter(|i| i % 3 != 0).collect();
        left.sort_by_key(|&i| key(i));
        for w in left.windows(2) {
            assert_eq!(t.next(w[0]), Some(w[1]));
            assert_eq!(t.prev(w[1]), Some(w[0]));
        }
        assert_eq!(t.prev(left[0]), None);
        assert_eq!(t.next(left[left.len() - 1]), None);
    }

    fn ring(pts: &[(f64, f64)]) -> Vec<Vec<(f64, f64)>> {
        vec![pts.to_vec()]
    }

    #[test]
    fn bow_tie_and_square() {
        let m =
            check_polygon_deg(&ring(&[(0.0, 0.0), (1.0, 1.0), (1.0, 0.0), (0.0, 1.0)])).unwrap();
        assert_eq!((m.ring_a, m.edge_a, m.ring_b, m.edge_b), (0, 1, 0, 3));
        assert_eq!(m.kind, MeetKind::Cross);
        assert!((m.lon_deg - 0.5).abs() < 1e-9 && (m.lat_deg - 0.5).abs() < 1e-9);
        assert_eq!(
            m.describe(2),
            "ring 1 of polygon 2 intersects itself: edges 1 and 3 cross at about lon 0.5, lat 0.5"
        );
        let sq = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)];
        assert!(check_polygon_deg(&ring(&sq)).is_none());
    }

    #[test]
    fn duplicates_spikes_and_pinches() {
        // Repeated positions are zero-length edges: fine.
        let dup = [
            (0.0, 0.0),
            (0.0, 0.0),
            (1.0, 0.0),
            (1.0, 1.0),
            (1.0, 1.0),
            (0.0, 1.0),
            (0.0, 0.0),
            (0.0, 0.0),
        ];
        assert!(check_polygon_deg(&ring(&dup)).is_none());
        // A spike: edges 2 and 3 fold back over each other (and edge 4
        // starts on edge 2).
        let spike = [(0.0, 0.0), (2.0, 0.0), (3.0, 0.0), (2.5, 0.0), (2.0, 1.0)];
        let m = check_polygon_deg(&ring(&spike)).unwrap();
        assert_eq!(m.edge_a, 2);
        // Three collinear positions (every edge adjacent to the others):
        // no area at all.
        let flat = [(0.0, 0.0), (2.0, 0.0), (1.0, 0.0)];
        let m = check_polygon_deg(&ring(&flat)).unwrap();
        assert_eq!(m.kind, MeetKind::Overlap);
        // Two loops touching at one vertex (a figure of eight).
        let eight = [
            (0.0, 0.0),
            (1.0, 1.0),
            (2.0, 0.0),
            (2.0, 2.0),
            (1.0, 1.0),
            (0.0, 2.0),
        ];
        let m = check_polygon_deg(&ring(&eight)).unwrap();
        assert_eq!(m.kind, MeetKind::Touch);
        // A vertex on a non-adjacent edge.
        let t = [(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (1.0, 0.0), (0.0, 2.0)];
        assert!(check_polygon_deg(&ring(&t)).is_some());
    }

    #[test]
    fn holes() {
        let outer = vec![(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)];
        let inside = vec![(2.0, 2.0), (8.0, 2.0), (8.0, 8.0), (2.0, 8.0)];
        assert!(check_polygon_deg(&[outer.clone(), inside]).is_none());
        let crossing = vec![(5.0, 5.0), (15.0, 5.0), (15.0, 6.0), (5.0, 6.0)];
        let m = check_polygon_deg(&[outer.clone(), crossing]).unwrap();
        assert_eq!((m.ring_a, m.edge_a, m.ring_b), (0, 2, 1));
        assert_eq!(m.kind, MeetKind::Cross);
        assert_eq!(
            m.describe(1),
            "ring 2 of polygon 1 crosses ring 1: edge 1 of ring 2 and edge 2 of ring 1 cross at about lon 10, lat 5"
        );
        let touching = vec![(5.0, 5.0), (10.0, 5.0), (8.0, 6.0)];
        let m = check_polygon_deg(&[outer, touching]).unwrap();
        assert_eq!(m.kind, MeetKind::Touch);
        assert!(m
            .describe(1)
            .starts_with("ring 2 of polygon 1 touches ring 1"));
    }

    #[test]
    fn antimeridian_and_poles() {
        // Across ±180°, written wrapped; a hole written past 180.
        let outer = vec![(175.0, 0.0), (-175.0, 0.0), (-175.0, 5.0), (175.0, 5.0)];
        let hole = vec![(179.0, 1.0), (181.0, 1.0), (181.0, 2.0), (179.0, 2.0)];
        assert!(check_polygon_deg(&[outer.clone(), hole]).is_none());
        let bad_hole = vec![(179.0, 1.0), (186.0, 1.0), (186.0, 2.0), (179.0, 2.0)];
        let m = check_polygon_deg(&[outer, bad_hole]).unwrap();
        assert_eq!(m.kind, MeetKind::Cross);
        assert!((m.lon_deg - (-175.0)).abs() < 1e-9);
        // A ring round the south pole, and one that loops over itself.
        let round: Vec<(f64, f64)> = (0..36)
            .map(|i| (-180.0 + 10.0 * i as f64, -70.0 + (i % 2) as f64))
            .collect();
        assert!(check_polygon_deg(std::slice::from_ref(&round)).is_none());
        let mut twice = round.clone();
        twice.extend(round.iter().map(|&(x, y)| (x, y - 5.0)));
        twice.push((-180.0, -60.0));
        assert!(check_polygon_deg(&[twice]).is_some());
    }

    #[test]
    fn formatting() {
        assert_eq!(fmt_deg(-0.0000001), "0");
        assert_eq!(fmt_deg(0.1234567), "0.123457");
        assert_eq!(fmt_deg(-9.3), "-9.3");
        assert_eq!(fmt_deg(10.0), "10");
        assert_eq!(fmt_deg(-0.0), "0");
    }
}

//! Putting one input's messages in time order before the census sees them
//! (a CSV export is often sorted by vessel, not by time): positions are
//! kept compact (about 48 bytes each), static messages as they are, and
//! both come out merged by time, ties in the order they came.

use finisterra_ais::{AisMessage, BasicPosition, Body};

/// A position kept for sorting: only what the census uses of it.
#[derive(Debug, Clone, Copy)]
struct Compact {
    lat: f64,
    lon: f64,
    mmsi: u32,
    sog_kn: f32,
    cog_deg: f32,
    heading_deg: u16,
    status: u8,
    class_b: bool,
}

impl Compact {
    fn of(m: &AisMessage) -> Option<Compact> {
        let f = |v: Option<f64>| v.map_or(f32::NAN, |x| x as f32);
        match &m.body {
            Body::Position(p) => Some(Compact {
                lat: p.lat_deg?,
                lon: p.lon_deg?,
                mmsi: m.mmsi,
                sog_kn: f(p.sog_kn),
                cog_deg: f(p.cog_deg),
                heading_deg: p.heading_deg.unwrap_or(511),
                status: p.status,
                class_b: false,
            }),
            Body::ClassBPosition(p) => Some(Compact {
                lat: p.lat_deg?,
                lon: p.lon_deg?,
                mmsi: m.mmsi,
                sog_kn: f(p.sog_kn),
                cog_deg: f(p.cog_deg),
                heading_deg: p.heading_deg.unwrap_or(511),
                status: 15,
                class_b: true,
            }),
            _ => None,
        }
    }

    /// The position message again (speeds and courses at `f32` precision;
    /// rate of turn, accuracy and radio state are not kept).
    fn message(&self, time_ms: i64) -> AisMessage {
        let g = |v: f32| v.is_finite().then_some(v as f64);
        BasicPosition {
            mmsi: self.mmsi,
            class_b: self.class_b,
            status: self.status,
            turn: None,
            sog_kn: g(self.sog_kn),
            cog_deg: g(self.cog_deg),
            heading_deg: (self.heading_deg < 360).then_some(self.heading_deg),
            lat_deg: self.lat,
            lon_deg: self.lon,
            second: ((time_ms / 1000).rem_euclid(60)) as u8,
            accuracy: false,
            radio: 0,
        }
        .message()
    }
}

/// The messages of one input, held to be handed out in time order.
///
/// Memory grows with the input (about 50 bytes a position): meant for one
/// file at a time.
///
/// ```
/// use finisterra_ais::decode;
/// use finisterra_census::TimeSort;
///
/// let msg = decode(b"15RTgt0PAso;90TKcjM8h6g208CQ", 0).unwrap();
/// let mut sort = TimeSort::new();
/// sort.push(msg.clone(), 2_000);
/// sort.push(msg, 1_000);
/// let times: Vec<i64> = sort.into_sorted().map(|(_, t)| t).collect();
/// assert_eq!(times, vec![1_000, 2_000]);
/// ```
#[derive(Debug, Default)]
pub struct TimeSort {
    positions: Vec<(i64, u32, Compact)>,
    statics: Vec<(i64, u32, AisMessage)>,
    seq: u32,
}

impl TimeSort {
    /// Nothing held yet.
    pub fn new() -> TimeSort {
        TimeSort::default()
    }

    /// Keeps a message with its data time. A position with a latitude and
    /// a longitude is kept compact (what the census uses of it); any other
    /// message as it is.
    pub fn push(&mut self, msg: AisMessage, time_ms: i64) {
        self.seq = self.seq.wrapping_add(1);
        match Compact::of(&msg) {
            Some(c) => self.positions.push((time_ms, self.seq, c)),
            None => self.statics.push((time_ms, self.seq, msg)),
        }
    }

    /// Messages held.
    pub fn len(&self) -> usize {
        self.positions.len() + self.statics.len()
    }

    /// Whether nothing is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every message held, by time; messages of the same time in the order
    /// they were pushed.
    pub fn into_sorted(mut self) -> Sorted {
        self.positions.sort_unstable_by_key(|p| (p.0, p.1));
        self.statics.sort_unstable_by_key(|p| (p.0, p.1));
        Sorted {
            positions: self.positions.into_iter(),
            statics: self.statics.into_iter().peekable(),
        }
    }
}

/// The messages of a [`TimeSort`] in time order: `(message, time_ms)`.
#[derive(Debug)]
pub struct Sorted {
    positions: std::vec::IntoIter<(i64, u32, Compact)>,
    statics: std::iter::Peekable<std::vec::IntoIter<(i64, u32, AisMessage)>>,
}

impl Iterator for Sorted {
    type Item = (AisMessage, i64);

    fn next(&mut self) -> Option<(AisMessage, i64)> {
        let next_pos = self.positions.as_slice().first().map(|p| (p.0, p.1));
        let static_first = match (self.statics.peek(), next_pos) {
            (Some(s), Some(p)) => (s.0, s.1) < p,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if static_first {
            return self.statics.next().map(|(t, _, m)| (m, t));
        }
        self.positions.next().map(|(t, _, c)| (c.message(t), t))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.positions.len() + self.statics.len();
        (n, Some(n))
    }
}

impl ExactSizeIterator for Sorted {}

#[cfg(test)]
mod tests {
    use super::*;

    fn position(mmsi: u32, lat: f64) -> AisMessage {
        BasicPosition {
            mmsi,
            class_b: false,
            status: 0,
            turn: None,
            sog_kn: Some(10.5),
            cog_deg: Some(90.0),
            heading_deg: Some(91),
            lat_deg: lat,
            lon_deg: 0.5,
            second: 0,
            accuracy: false,
            radio: 0,
        }
        .message()
    }

    #[test]
    fn merges_by_time_then_arrival() {
        // Without a latitude: kept as it is, like a static message.
        let mut stat = position(9, 1.0);
        if let Body::Position(p) = &mut stat.body {
            p.lat_deg = None;
        }
        let mut s = TimeSort::new();
        s.push(position(1, 1.0), 3_000);
        s.push(stat.clone(), 1_000);
        s.push(position(2, 2.0), 1_000);
        s.push(position(3, 3.0), 1_000);
        s.push(stat.clone(), 3_000);
        assert_eq!(s.len(), 5);
        let out: Vec<(u32, i64)> = s.into_sorted().map(|(m, t)| (m.mmsi, t)).collect();
        assert_eq!(
            out,
            vec![
                (stat.mmsi, 1_000),
                (2, 1_000),
                (3, 1_000),
                (1, 3_000),
                (stat.mmsi, 3_000)
            ]
        );
    }

    #[test]
    fn positions_come_back_as_the_census_uses_them() {
        let mut s = TimeSort::new();
        s.push(position(7, 45.25), 61_000);
        let (m, t) = s.into_sorted().next().expect("one");
        assert_eq!(t, 61_000);
        match m.body {
            Body::Position(p) => {
                assert_eq!(p.lat_deg, Some(45.25));
                assert_eq!(p.sog_kn, Some(10.5));
                assert_eq!(p.heading_deg, Some(91));
                assert_eq!(p.second, 1);
            }
            other => panic!("{other:?}"),
        }
    }
}

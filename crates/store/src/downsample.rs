//! Track down-sampling shared by the backends: consecutive kept points of a
//! vessel are at least `interval_ms` apart.

use std::collections::HashMap;

/// What to do with one point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Store it.
    Keep,
    /// Too close to a kept point.
    Drop,
    /// An old point (well before the last kept one): store it only if no
    /// stored point lies within the interval of it (ask the database).
    Probe,
}

/// Remembers the last kept time of each vessel.
#[derive(Debug)]
pub(crate) struct Downsampler {
    interval_ms: i64,
    /// `None`: the vessel has no stored point.
    last_kept_ms: HashMap<u32, Option<i64>>,
}

impl Downsampler {
    pub(crate) fn new(interval_ms: i64) -> Downsampler {
        Downsampler {
            interval_ms: interval_ms.max(0),
            last_kept_ms: HashMap::new(),
        }
    }

    /// `true` when the last kept time of this vessel must be read from the
    /// database first (see [`learn`](Self::learn)).
    pub(crate) fn needs(&self, mmsi: u32) -> bool {
        !self.last_kept_ms.contains_key(&mmsi)
    }

    /// The newest stored time of a vessel, read from the database.
    pub(crate) fn learn(&mut self, mmsi: u32, newest_ms: Option<i64>) {
        self.last_kept_ms.insert(mmsi, newest_ms);
    }

    /// Decides for one point (the vessel must be known, see
    /// [`needs`](Self::needs)).
    pub(crate) fn decide(&self, mmsi: u32, time_ms: i64) -> Decision {
        match self.last_kept_ms.get(&mmsi) {
            None | Some(None) => Decision::Keep,
            Some(Some(last)) => {
                let last = *last;
                if time_ms > last {
                    if time_ms.saturating_sub(last) >= self.interval_ms {
                        Decision::Keep
                    } else {
                        Decision::Drop
                    }
                } else if time_ms < last && last.saturating_sub(time_ms) >= self.interval_ms {
                    Decision::Probe
                } else {
                    Decision::Drop
                }
            }
        }
    }

    /// Half-width of the window a probed point must find empty: stored
    /// points `p` with `|p - t| < probe_window_ms()` block it.
    pub(crate) fn probe_window_ms(&self) -> i64 {
        self.interval_ms.max(1)
    }

    /// A point was stored.
    pub(crate) fn kept(&mut self, mmsi: u32, time_ms: i64) {
        let e = self.last_kept_ms.entry(mmsi).or_insert(None);
        if e.is_none_or(|l| time_ms > l) {
            *e = Some(time_ms);
        }
    }

    /// Forgets everything (after a failed transaction or a prune).
    pub(crate) fn clear(&mut self) {
        self.last_kept_ms.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps() {
        let mut d = Downsampler::new(10_000);
        assert!(d.needs(1));
        d.learn(1, None);
        assert_eq!(d.decide(1, 0), Decision::Keep);
        d.kept(1, 0);
        assert_eq!(d.decide(1, 0), Decision::Drop);
        assert_eq!(d.decide(1, 9_999), Decision::Drop);
        assert_eq!(d.decide(1, 10_000), Decision::Keep);
        assert_eq!(d.decide(1, -5_000), Decision::Drop);
        assert_eq!(d.decide(1, -10_000), Decision::Probe);
        d.kept(1, -10_000);
        assert_eq!(d.decide(1, 10_000), Decision::Keep);
    }

    #[test]
    fn zero_interval_keeps_all_but_duplicates() {
        let mut d = Downsampler::new(0);
        d.learn(1, Some(5));
        assert_eq!(d.decide(1, 5), Decision::Drop);
        assert_eq!(d.decide(1, 6), Decision::Keep);
        assert_eq!(d.decide(1, 4), Decision::Probe);
    }
}

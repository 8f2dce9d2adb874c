//! What a screening pass reads of a vessel besides her snapshot: her name,
//! her zone facts (type, class, length) and her place in the pass.
//!
//! A pass worked out in line reads them from the picture ([`Live`]); a
//! pass worked out apart while arrivals change the picture
//! ([`Config::pass_lag_s`](crate::Config::pass_lag_s)) reads them as they
//! were when its snapshot was taken ([`Frozen`]). Both answer the same for
//! every vessel of the pass's snapshot, which is all a pass asks about.

use std::sync::Arc;

use finisterra_geofence::zones::VesselFacts;

use crate::picture::{MmsiMap, Picture};
use crate::screen::Snap;

/// Names, facts and snapshot indices of the vessels of one pass.
pub(crate) trait Statics: Sync {
    /// Her name, when known.
    fn name(&self, mmsi: u32) -> Option<String>;
    /// Her zone facts (her MMSI alone when unknown).
    fn facts(&self, mmsi: u32) -> VesselFacts;
    /// Her index in the pass's snapshots, when screened in it.
    fn snap_index(&self, mmsi: u32) -> Option<usize>;
}

/// The picture as it is now, with the snapshot index of each of its slots.
pub(crate) struct Live<'a> {
    pub picture: &'a Picture,
    pub snap_of_slot: &'a [u32],
}

impl Statics for Live<'_> {
    fn name(&self, mmsi: u32) -> Option<String> {
        self.picture
            .vessel(mmsi)
            .and_then(|v| v.static_data.name.as_deref().map(str::to_owned))
    }

    fn facts(&self, mmsi: u32) -> VesselFacts {
        crate::zone::facts_of(self.picture, mmsi)
    }

    fn snap_index(&self, mmsi: u32) -> Option<usize> {
        let slot = self.picture.slot(mmsi)?;
        let k = *self.snap_of_slot.get(slot)?;
        (k != u32::MAX).then_some(k as usize)
    }
}

/// The names and facts of a snapshot's vessels as they were when it was
/// taken, side by side with it.
#[derive(Debug, Default)]
pub(crate) struct Frozen {
    names: Vec<Option<Arc<str>>>,
    facts: Vec<VesselFacts>,
    /// Snapshot index by MMSI ([`Frozen::index`]).
    index: MmsiMap<u32>,
}

impl Frozen {
    /// What `snaps` (taken from `picture` just now) will ask: a reference
    /// to each name, no copy.
    pub(crate) fn of(picture: &Picture, snaps: &[Snap]) -> Frozen {
        let mut names = Vec::with_capacity(snaps.len());
        let mut facts = Vec::with_capacity(snaps.len());
        for s in snaps {
            match picture
                .slots
                .get(s.slot as usize)
                .filter(|v| v.mmsi == s.mmsi)
            {
                Some(v) => {
                    names.push(v.static_data.name.clone());
                    facts.push(crate::zone::facts(v));
                }
                None => {
                    names.push(None);
                    facts.push(VesselFacts::mmsi(s.mmsi));
                }
            }
        }
        Frozen {
            names,
            facts,
            index: MmsiMap::default(),
        }
    }

    /// Indexes the snapshot by MMSI (done by the pass's own thread).
    pub(crate) fn index(&mut self, snaps: &[Snap]) {
        self.index.clear();
        self.index.reserve(snaps.len());
        for (k, s) in snaps.iter().enumerate() {
            self.index.insert(s.mmsi, k as u32);
        }
    }
}

impl Statics for Frozen {
    fn name(&self, mmsi: u32) -> Option<String> {
        let k = *self.index.get(&mmsi)?;
        self.names[k as usize].as_deref().map(str::to_owned)
    }

    fn facts(&self, mmsi: u32) -> VesselFacts {
        match self.index.get(&mmsi) {
            Some(&k) => self.facts[k as usize],
            None => VesselFacts::mmsi(mmsi),
        }
    }

    fn snap_index(&self, mmsi: u32) -> Option<usize> {
        self.index.get(&mmsi).map(|&k| k as usize)
    }
}

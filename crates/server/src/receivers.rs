//! Many receivers: the same transmission (assembled payload and fill bits)
//! heard by several receivers within a short window is one message, and
//! each receiving station keeps its own statistics.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::hash::{Hash, Hasher};

use serde::Serialize;

/// Copies heard within this long of the first are the same message, ms.
pub const DEDUP_WINDOW_MS: i64 = 2_000;

/// What one station heard.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StationStats {
    /// Messages it heard first (handed to the engine).
    pub messages: u64,
    /// Messages it heard after another station did (within the window).
    pub duplicates: u64,
    /// Distinct vessels (MMSIs) it heard.
    pub vessels: u64,
    /// When it was last heard (wall clock, ms).
    pub last_heard_ms: i64,
    #[serde(skip)]
    mmsis: HashSet<u32>,
}

/// When a transmission was first heard, and by how many stations.
#[derive(Debug, Clone)]
struct Seen {
    first_ms: i64,
    heard_by: u32,
}

/// Provenance of the last message of a vessel: which stations heard it.
#[derive(Debug, Clone, Serialize)]
pub struct Provenance {
    /// The station that heard it first.
    pub first: String,
    /// The station that heard it last.
    pub last: String,
    /// How many stations heard it.
    pub stations: u32,
}

/// Duplicate suppression across receivers, and per-station statistics.
#[derive(Debug, Default)]
pub struct Receivers {
    seen: HashMap<u64, Seen>,
    order: VecDeque<(i64, u64)>,
    stations: BTreeMap<String, StationStats>,
    /// The last message of each vessel: who heard it.
    provenance: HashMap<u32, (u64, Provenance)>,
    /// Copies dropped as duplicates.
    pub duplicates: u64,
}

fn key(payload: &[u8], fill_bits: u8) -> u64 {
    let mut h = DefaultHasher::new();
    payload.hash(&mut h);
    fill_bits.hash(&mut h);
    h.finish()
}

impl Receivers {
    /// One message heard by `station` at `recv_ms`: `true` if it is new
    /// (to be judged), `false` if another station heard the same
    /// transmission within [`DEDUP_WINDOW_MS`].
    pub fn heard(
        &mut self,
        station: &str,
        payload: &[u8],
        fill_bits: u8,
        mmsi: u32,
        recv_ms: i64,
    ) -> bool {
        while let Some(&(t, k)) = self.order.front() {
            if recv_ms - t <= DEDUP_WINDOW_MS {
                break;
            }
            self.order.pop_front();
            if self.seen.get(&k).is_some_and(|s| s.first_ms == t) {
                self.seen.remove(&k);
            }
        }
        let k = key(payload, fill_bits);
        if !self.stations.contains_key(station) {
            self.stations
                .insert(station.to_string(), StationStats::default());
        }
        let Some(st) = self.stations.get_mut(station) else {
            return true;
        };
        st.last_heard_ms = st.last_heard_ms.max(recv_ms);
        if st.mmsis.insert(mmsi) {
            st.vessels = st.mmsis.len() as u64;
        }
        match self.seen.get_mut(&k) {
            Some(s) if recv_ms - s.first_ms <= DEDUP_WINDOW_MS => {
                st.duplicates += 1;
                self.duplicates += 1;
                s.heard_by += 1;
                if let Some((pk, p)) = self.provenance.get_mut(&mmsi) {
                    if *pk == k {
                        p.last = station.to_string();
                        p.stations = s.heard_by;
                    }
                }
                false
            }
            _ => {
                st.messages += 1;
                self.seen.insert(
                    k,
                    Seen {
                        first_ms: recv_ms,
                        heard_by: 1,
                    },
                );
                self.order.push_back((recv_ms, k));
                self.provenance.insert(
                    mmsi,
                    (
                        k,
                        Provenance {
                            first: station.to_string(),
                            last: station.to_string(),
                            stations: 1,
                        },
                    ),
                );
                true
            }
        }
    }

    /// Every station's statistics, by name.
    pub fn stations(&self) -> &BTreeMap<String, StationStats> {
        &self.stations
    }

    /// Who heard the last message of a vessel.
    pub fn provenance(&self, mmsi: u32) -> Option<&Provenance> {
        self.provenance.get(&mmsi).map(|(_, p)| p)
    }

    /// Forgets vessels no longer in the picture (bounded memory).
    pub fn retain_vessels(&mut self, keep: impl Fn(u32) -> bool) {
        self.provenance.retain(|m, _| keep(*m));
        for s in self.stations.values_mut() {
            s.mmsis.retain(|m| keep(*m));
            s.vessels = s.mmsis.len() as u64;
        }
    }

    /// Entries kept for the window (for tests of boundedness).
    pub fn window_len(&self) -> usize {
        self.seen.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_transmission_heard_twice_is_one_message() {
        let mut r = Receivers::default();
        assert!(r.heard("north", b"15RTgt0PAso", 0, 1, 1_000));
        assert!(!r.heard("south", b"15RTgt0PAso", 0, 1, 1_500));
        // Another fill, another message; after the window, new again.
        assert!(r.heard("south", b"15RTgt0PAso", 2, 1, 1_600));
        assert!(r.heard("south", b"15RTgt0PAso", 0, 1, 3_100));
        assert_eq!(r.duplicates, 1);
        assert_eq!(r.stations()["north"].messages, 1);
        assert_eq!(r.stations()["south"].duplicates, 1);
        assert_eq!(r.stations()["south"].messages, 2);
        // The window forgets.
        for k in 0..1000 {
            r.heard("north", format!("p{k}").as_bytes(), 0, 2, 10_000 + k);
        }
        r.heard("north", b"x", 0, 2, 20_000);
        assert!(r.window_len() <= 2);
    }
}

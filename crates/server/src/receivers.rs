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
    /// Where the station is (lat, lon degrees): configured
    /// (`--station-position`), or the own ship's position for a station
    /// that hears `VDO` sentences (a receiver on board).
    pub position: Option<(f64, f64)>,
    /// The farthest position report it heard, NM from its position.
    pub farthest_range_nm: Option<f64>,
    /// The vessel of that report.
    pub farthest_mmsi: Option<u32>,
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

/// Who heard the last message of a vessel, by station index.
#[derive(Debug, Clone, Copy)]
struct Heard {
    key: u64,
    first: u32,
    last: u32,
    stations: u32,
}

/// Duplicate suppression across receivers, and per-station statistics.
/// Stations are numbered as first heard: the per-message path does no
/// allocation once a station is known.
#[derive(Debug, Default)]
pub struct Receivers {
    seen: HashMap<u64, Seen>,
    order: VecDeque<(i64, u64)>,
    names: Vec<String>,
    index: HashMap<String, u32>,
    stats: Vec<StationStats>,
    /// The last message of each vessel: who heard it.
    provenance: HashMap<u32, Heard>,
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
    fn station(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.index.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_string());
        self.index.insert(name.to_string(), i);
        self.stats.push(StationStats::default());
        i
    }

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
        let si = self.station(station);
        let st = &mut self.stats[si as usize];
        st.last_heard_ms = st.last_heard_ms.max(recv_ms);
        if st.mmsis.insert(mmsi) {
            st.vessels = st.mmsis.len() as u64;
        }
        match self.seen.get_mut(&k) {
            Some(s) if recv_ms - s.first_ms <= DEDUP_WINDOW_MS => {
                st.duplicates += 1;
                self.duplicates += 1;
                s.heard_by += 1;
                if let Some(p) = self.provenance.get_mut(&mmsi).filter(|p| p.key == k) {
                    p.last = si;
                    p.stations = s.heard_by;
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
                    Heard {
                        key: k,
                        first: si,
                        last: si,
                        stations: 1,
                    },
                );
                true
            }
        }
    }

    /// Every station's statistics, by name.
    pub fn stations(&self) -> BTreeMap<&str, &StationStats> {
        self.names
            .iter()
            .map(String::as_str)
            .zip(self.stats.iter())
            .collect()
    }

    /// Who heard the last message of a vessel.
    pub fn provenance(&self, mmsi: u32) -> Option<Provenance> {
        let h = self.provenance.get(&mmsi)?;
        Some(Provenance {
            first: self.names[h.first as usize].clone(),
            last: self.names[h.last as usize].clone(),
            stations: h.stations,
        })
    }

    /// Forgets vessels no longer in the picture (bounded memory).
    pub fn retain_vessels(&mut self, keep: impl Fn(u32) -> bool) {
        self.provenance.retain(|m, _| keep(*m));
        for s in &mut self.stats {
            s.mmsis.retain(|m| keep(*m));
            s.vessels = s.mmsis.len() as u64;
        }
    }

    /// Sets where a station is (configured, or its own ship's position).
    pub fn set_position(&mut self, station: &str, lat_deg: f64, lon_deg: f64) {
        if lat_deg.is_finite() && lon_deg.is_finite() {
            let si = self.station(station);
            self.stats[si as usize].position = Some((lat_deg, lon_deg));
        }
    }

    /// A position report `station` heard (a first copy or a duplicate):
    /// its range from the station, when the station's position is known,
    /// may be the farthest yet. The caller passes only positions the
    /// picture agrees with, so a spoofed or garbled position does not
    /// become a record range.
    pub fn note_range(&mut self, station: &str, mmsi: u32, lat_deg: f64, lon_deg: f64) {
        let Some(&si) = self.index.get(station) else {
            return;
        };
        let st = &mut self.stats[si as usize];
        let Some((slat, slon)) = st.position else {
            return;
        };
        let d = finisterra_nav::geo::distance_nm(slat, slon, lat_deg, lon_deg);
        if d.is_finite() && st.farthest_range_nm.is_none_or(|f| d > f) {
            st.farthest_range_nm = Some(d);
            st.farthest_mmsi = Some(mmsi);
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

    #[test]
    fn the_farthest_range_needs_the_station_position() {
        let mut r = Receivers::default();
        r.heard("north", b"a", 0, 7, 1_000);
        r.note_range("north", 7, 43.5, -9.0);
        assert_eq!(
            r.stations()["north"].farthest_range_nm,
            None,
            "position unknown"
        );
        r.set_position("north", 43.0, -9.0);
        r.note_range("north", 7, 43.5, -9.0);
        r.note_range("north", 8, 43.1, -9.0);
        let s = r.stations()["north"];
        assert!((s.farthest_range_nm.unwrap() - 30.0).abs() < 0.2, "{s:?}");
        assert_eq!(s.farthest_mmsi, Some(7));
    }
}

//! Flags from MMSIs: the Maritime Identification Digits (MID) and the ITU
//! table that maps them to countries.
//!
//! The table is `data/mid/mid.csv` (see its `NOTICE.md`: written from the
//! ITU "Table of Maritime Identification Digits", to be checked against the
//! ITU list), compiled into the crate.
//!
//! Where the MID sits in a nine-digit MMSI (ITU-R M.585):
//!
//! | form | kind | MID |
//! |---|---|---|
//! | `MIDXXXXXX` (first digit 2–7) | ship station | digits 1–3 |
//! | `0MIDXXXXX` | group of ship stations | digits 2–4 |
//! | `00MIDXXXX` | coast station | digits 3–5 |
//! | `111MIDXXX` | SAR aircraft | digits 4–6 |
//! | `8MIDXXXXX` | handheld VHF with DSC and GNSS | digits 2–4 |
//! | `98MIDXXXX` | craft associated with a parent ship | digits 3–5 |
//! | `99MIDXXXX` | aid to navigation | digits 3–5 |
//! | `970XXYYYY`, `972XXYYYY`, `974XXYYYY` | AIS-SART, MOB, EPIRB-AIS | none |
//!
//! ```
//! use finisterra_geofence::mid::{flag_of_mmsi, mmsi_kind, MmsiKind};
//! assert_eq!(flag_of_mmsi(224_123_456), Some("ES"));
//! assert_eq!(flag_of_mmsi(2_240_123), Some("ES")); // 002240123: coast station
//! assert_eq!(flag_of_mmsi(992_241_234), Some("ES")); // aid to navigation
//! assert_eq!(flag_of_mmsi(970_123_456), None); // AIS-SART
//! assert_eq!(mmsi_kind(111_224_123), MmsiKind::SarAircraft);
//! ```

use std::sync::OnceLock;

use serde::Serialize;

const TABLE_CSV: &str = include_str!("../../../data/mid/mid.csv");

/// What kind of station an MMSI belongs to, from its digit pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MmsiKind {
    /// `MIDXXXXXX`: a ship station.
    Ship,
    /// `0MIDXXXXX`: a group call to ship stations.
    Group,
    /// `00MIDXXXX`: a coast station.
    CoastStation,
    /// `111MIDXXX`: a search-and-rescue aircraft.
    SarAircraft,
    /// `8MIDXXXXX`: a handheld VHF transceiver with DSC and GNSS.
    Handheld,
    /// `98MIDXXXX`: a craft associated with a parent ship (tender, lifeboat).
    AuxiliaryCraft,
    /// `99MIDXXXX`: an aid to navigation.
    AidToNavigation,
    /// `970XXYYYY`: an AIS search-and-rescue transmitter.
    Sart,
    /// `972XXYYYY`: a man-overboard device.
    ManOverboard,
    /// `974XXYYYY`: an EPIRB with AIS.
    EpirbAis,
    /// Anything else (out of range, `1…` other than `111`, `9…` others).
    Other,
}

fn digits(mmsi: u32) -> Option<[u8; 9]> {
    if mmsi > 999_999_999 {
        return None;
    }
    let mut d = [0u8; 9];
    let mut v = mmsi;
    for i in (0..9).rev() {
        d[i] = (v % 10) as u8;
        v /= 10;
    }
    Some(d)
}

fn three(d: &[u8; 9], at: usize) -> u16 {
    d[at] as u16 * 100 + d[at + 1] as u16 * 10 + d[at + 2] as u16
}

/// The kind of station, from the MMSI's digit pattern.
pub fn mmsi_kind(mmsi: u32) -> MmsiKind {
    let Some(d) = digits(mmsi) else {
        return MmsiKind::Other;
    };
    match (d[0], d[1], d[2]) {
        (2..=7, _, _) => MmsiKind::Ship,
        (0, 0, _) => MmsiKind::CoastStation,
        (0, _, _) => MmsiKind::Group,
        (1, 1, 1) => MmsiKind::SarAircraft,
        (8, _, _) => MmsiKind::Handheld,
        (9, 8, _) => MmsiKind::AuxiliaryCraft,
        (9, 9, _) => MmsiKind::AidToNavigation,
        (9, 7, 0) => MmsiKind::Sart,
        (9, 7, 2) => MmsiKind::ManOverboard,
        (9, 7, 4) => MmsiKind::EpirbAis,
        _ => MmsiKind::Other,
    }
}

/// The Maritime Identification Digits embedded in an MMSI (whether or not
/// the ITU has allocated them), or `None` for forms without a MID (AIS-SART,
/// MOB, EPIRB-AIS, others) and for digits outside 200–799.
pub fn mid_of_mmsi(mmsi: u32) -> Option<u16> {
    let d = digits(mmsi)?;
    let at = match mmsi_kind(mmsi) {
        MmsiKind::Ship => 0,
        MmsiKind::Group | MmsiKind::Handheld => 1,
        MmsiKind::CoastStation | MmsiKind::AuxiliaryCraft | MmsiKind::AidToNavigation => 2,
        MmsiKind::SarAircraft => 3,
        _ => return None,
    };
    let mid = three(&d, at);
    (200..=799).contains(&mid).then_some(mid)
}

struct Entry {
    alpha2: &'static str,
    name: &'static str,
}

fn table() -> &'static [Option<Entry>] {
    static TABLE: OnceLock<Vec<Option<Entry>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t: Vec<Option<Entry>> = (0..600).map(|_| None).collect();
        for line in TABLE_CSV.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut it = line.splitn(3, ',');
            let (Some(mid), Some(alpha2), Some(name)) = (it.next(), it.next(), it.next()) else {
                continue;
            };
            let Ok(mid) = mid.trim().parse::<u16>() else {
                continue; // the header line
            };
            if !(200..800).contains(&mid) {
                continue;
            }
            t[(mid - 200) as usize] = Some(Entry {
                alpha2: alpha2.trim(),
                name: name.trim(),
            });
        }
        t
    })
}

/// ISO 3166-1 alpha-2 code for an allocated MID (`224` → `"ES"`).
pub fn country_of_mid(mid: u16) -> Option<&'static str> {
    let i = mid.checked_sub(200)? as usize;
    table().get(i)?.as_ref().map(|e| e.alpha2)
}

/// The ITU name of the administration or area of an allocated MID.
pub fn country_name_of_mid(mid: u16) -> Option<&'static str> {
    let i = mid.checked_sub(200)? as usize;
    table().get(i)?.as_ref().map(|e| e.name)
}

/// ISO 3166-1 alpha-2 flag of an MMSI, from its MID; `None` when the MMSI
/// has no MID or the MID is not allocated.
pub fn flag_of_mmsi(mmsi: u32) -> Option<&'static str> {
    country_of_mid(mid_of_mmsi(mmsi)?)
}

/// Every allocated MID with its alpha-2 code, in MID order.
pub fn allocated_mids() -> impl Iterator<Item = (u16, &'static str)> {
    table()
        .iter()
        .enumerate()
        .filter_map(|(i, e)| e.as_ref().map(|e| (i as u16 + 200, e.alpha2)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_well_formed() {
        let mut rows = 0;
        let mut seen = std::collections::HashSet::new();
        for line in TABLE_CSV.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') || line.starts_with("mid,") {
                continue;
            }
            let f: Vec<&str> = line.splitn(3, ',').collect();
            assert_eq!(f.len(), 3, "{line}");
            let mid: u16 = f[0].parse().unwrap_or_else(|_| panic!("{line}"));
            assert!((201..=775).contains(&mid), "{line}");
            assert!(seen.insert(mid), "duplicate {line}");
            assert!(
                f[1].len() == 2 && f[1].bytes().all(|b| b.is_ascii_uppercase()),
                "{line}"
            );
            assert!(!f[2].is_empty());
            rows += 1;
        }
        assert!(rows > 280, "{rows}");
        assert_eq!(allocated_mids().count(), rows);
    }

    #[test]
    fn flags_of_mmsi_forms() {
        // Ships.
        assert_eq!(flag_of_mmsi(224_100_200), Some("ES"));
        assert_eq!(flag_of_mmsi(273_345_678), Some("RU"));
        assert_eq!(flag_of_mmsi(366_999_999), Some("US"));
        assert_eq!(flag_of_mmsi(338_123_456), Some("US"));
        assert_eq!(flag_of_mmsi(257_000_001), Some("NO"));
        assert_eq!(flag_of_mmsi(636_012_345), Some("LR"));
        assert_eq!(flag_of_mmsi(538_001_234), Some("MH"));
        assert_eq!(flag_of_mmsi(477_000_000), Some("HK"));
        assert_eq!(flag_of_mmsi(412_123_456), Some("CN"));
        assert_eq!(flag_of_mmsi(232_001_002), Some("GB"));
        assert_eq!(flag_of_mmsi(775_000_001), Some("VE"));
        // Unallocated MID.
        assert_eq!(flag_of_mmsi(217_000_000), None);
        assert_eq!(mid_of_mmsi(217_000_000), Some(217));
        // Coast station 00MID, group 0MID.
        assert_eq!(mmsi_kind(2_241_234), MmsiKind::CoastStation);
        assert_eq!(flag_of_mmsi(2_241_234), Some("ES"));
        assert_eq!(mmsi_kind(22_412_345), MmsiKind::Group);
        assert_eq!(flag_of_mmsi(22_412_345), Some("ES"));
        assert_eq!(flag_of_mmsi(2_730_001), Some("RU"));
        // SAR aircraft 111MID.
        assert_eq!(flag_of_mmsi(111_232_001), Some("GB"));
        assert_eq!(flag_of_mmsi(111_338_001), Some("US"));
        // Aid to navigation 99MID, craft associated 98MID.
        assert_eq!(mmsi_kind(992_351_234), MmsiKind::AidToNavigation);
        assert_eq!(flag_of_mmsi(992_351_234), Some("GB"));
        assert_eq!(mmsi_kind(982_191_234), MmsiKind::AuxiliaryCraft);
        assert_eq!(flag_of_mmsi(982_191_234), Some("DK"));
        // Handheld 8MID.
        assert_eq!(mmsi_kind(822_412_345), MmsiKind::Handheld);
        assert_eq!(flag_of_mmsi(822_412_345), Some("ES"));
        // Devices without a MID.
        for m in [970_012_345, 972_012_345, 974_012_345] {
            assert_eq!(flag_of_mmsi(m), None, "{m}");
            assert_eq!(mid_of_mmsi(m), None);
        }
        assert_eq!(mmsi_kind(970_012_345), MmsiKind::Sart);
        assert_eq!(mmsi_kind(972_012_345), MmsiKind::ManOverboard);
        assert_eq!(mmsi_kind(974_012_345), MmsiKind::EpirbAis);
        // Out of range and odd forms.
        assert_eq!(flag_of_mmsi(1_000_000_000), None);
        assert_eq!(flag_of_mmsi(123_456_789), None);
        assert_eq!(flag_of_mmsi(0), None);
        assert_eq!(country_of_mid(199), None);
        assert_eq!(country_of_mid(u16::MAX), None);
        assert_eq!(country_name_of_mid(224), Some("Spain"));
    }
}

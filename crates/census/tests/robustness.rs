//! No input makes the census panic, and every position is accounted for:
//! arbitrary CSV bytes, and arbitrary (including absurd) position reports
//! in any time order.

use finisterra_ais::{
    AisMessage, Body, ClassBPosition, Dimensions, PositionReport, StaticVoyage, Text,
};
use finisterra_census::csv::{CsvMapping, CsvReader, TimeFormat};
use finisterra_census::{Census, CensusConfig};
use finisterra_geofence::Land;
use proptest::prelude::*;

fn pos(
    mmsi: u32,
    lat: f64,
    lon: f64,
    sog: Option<f64>,
    cog: Option<f64>,
    class_b: bool,
    status: u8,
) -> AisMessage {
    let body = if class_b {
        Body::ClassBPosition(ClassBPosition {
            reserved: 0,
            sog_kn: sog,
            accuracy: false,
            lon_deg: Some(lon),
            lat_deg: Some(lat),
            cog_deg: cog,
            heading_deg: None,
            second: 0,
            regional: 0,
            cs: true,
            display: false,
            dsc: false,
            band: true,
            msg22: true,
            assigned: false,
            raim: false,
            radio: 0,
        })
    } else {
        Body::Position(PositionReport {
            status,
            turn: None,
            sog_kn: sog,
            accuracy: false,
            lon_deg: Some(lon),
            lat_deg: Some(lat),
            cog_deg: cog,
            heading_deg: Some(511),
            second: 0,
            maneuver: 0,
            raim: false,
            radio: 0,
        })
    };
    AisMessage {
        msg_type: if class_b { 18 } else { 1 },
        repeat: 0,
        mmsi,
        body,
    }
}

fn stat(mmsi: u32, len: u16) -> AisMessage {
    AisMessage {
        msg_type: 5,
        repeat: 0,
        mmsi,
        body: Body::StaticVoyage(StaticVoyage {
            ais_version: 2,
            imo: 0,
            callsign: Text::from_str_lossy(""),
            shipname: Text::from_str_lossy("X"),
            shiptype: 70,
            dimensions: Dimensions {
                to_bow: len,
                to_stern: 0,
                to_port: 5,
                to_starboard: 5,
            },
            epfd: 1,
            eta_month: 0,
            eta_day: 0,
            eta_hour: 24,
            eta_minute: 60,
            draught_m: None,
            destination: Text::from_str_lossy(""),
            dte: false,
        }),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn csv_rows_of_any_bytes(lines in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..120), 0..40)) {
        let mut r = CsvReader::new(b"MMSI,BaseDateTime,LAT,LON,SOG,COG,Heading", &CsvMapping::marine_cadastre(), TimeFormat::Iso).unwrap();
        let mut out = Vec::new();
        for l in &lines {
            r.row(l, &mut out);
        }
        let st = r.stats();
        let rejected: u64 = st.rejected.values().sum();
        prop_assert_eq!(st.positions + rejected, lines.len() as u64);
    }

    #[test]
    fn positions_in_any_order(
        msgs in proptest::collection::vec(
            (0u32..6, -100.0f64..100.0, -200.0f64..200.0, proptest::option::of(0.0f64..120.0),
             proptest::option::of(0.0f64..400.0), any::<bool>(), 0u8..16, -7_200_000i64..7_200_000, any::<bool>()),
            1..300),
    ) {
        let cfg = CensusConfig {
            reorder_window_s: 60.0,
            ..CensusConfig::default()
        };
        let mut c = Census::new(cfg, Land::empty()).unwrap();
        let mut out = Vec::new();
        let base = 1_700_000_000_000i64;
        let mut positions = 0u64;
        for (k, lat, lon, sog, cog, b, status, dt, is_static) in msgs {
            let mmsi = [224_000_001u32, 224_000_002, 123, 0, 999_999_999, 970_000_001][k as usize];
            if is_static {
                c.push(&stat(mmsi, (lat.abs() * 5.0) as u16), base + dt, &mut out);
            } else {
                positions += 1;
                c.push(&pos(mmsi, lat / 10.0 + 43.0, lon / 10.0 - 9.0, sog, cog, b, status), base + dt, &mut out);
            }
        }
        c.finish(&mut out);
        let s = c.stats();
        let rejected: u64 = s.rejected.values().sum();
        prop_assert_eq!(s.positions, positions);
        prop_assert_eq!(s.accepted_positions + rejected + s.duplicates + s.time_jump, s.positions);
        for f in &out {
            // Every finding serialises.
            let j = f.to_json();
            prop_assert!(serde_json::from_str::<serde_json::Value>(&j).is_ok());
        }
    }
}

#[test]
fn bad_settings_are_refused_with_their_name() {
    let cfg = CensusConfig {
        resample_s: 0.0,
        ..CensusConfig::default()
    };
    let e = Census::new(cfg, Land::empty()).unwrap_err();
    assert!(e.to_string().contains("resample_s"), "{e}");
    let mut cfg = CensusConfig::default();
    cfg.near_miss.distance_nm = f64::NAN;
    assert!(Census::new(cfg, Land::empty()).is_err());
}

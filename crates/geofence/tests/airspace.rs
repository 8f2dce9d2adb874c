//! Airspaces: zones with a floor and a ceiling, for aircraft. Limits in ft,
//! m and FL with their datums (and OpenAIP's numeric form), refused limits,
//! inside and outside in 3-D, entries between fixes and predicted (an
//! aircraft descending into a ceiling), the aircraft selectors, time
//! windows, and the bundled example.

use finisterra_geofence::airspace::{AltDatum, AltUnit};
use finisterra_geofence::zones::{Fix, VesselFacts, Zones};
use finisterra_geofence::{AirFix, AircraftFacts};
use finisterra_nav::geo::destination;
use serde_json::{json, Value};

/// A 0.2° square around (lat 42, lon −8.8) with the given properties.
fn square(props: Value) -> Value {
    json!({"type": "Feature", "properties": props, "geometry": {"type": "Polygon",
        "coordinates": [[[-8.9, 41.9], [-8.7, 41.9], [-8.7, 42.1], [-8.9, 42.1], [-8.9, 41.9]]]}})
}

fn load(features: Vec<Value>) -> Zones {
    let doc = json!({"type": "FeatureCollection", "features": features});
    match Zones::from_geojson_bytes(doc.to_string().as_bytes()) {
        Ok(z) => z,
        Err(e) => panic!("{e}"),
    }
}

fn load_err(features: Vec<Value>) -> String {
    let doc = json!({"type": "FeatureCollection", "features": features});
    match Zones::from_geojson_bytes(doc.to_string().as_bytes()) {
        Ok(_) => panic!("accepted"),
        Err(e) => e.in_source("air.geojson").to_string(),
    }
}

fn anyone() -> AircraftFacts {
    AircraftFacts::icao(0x34_4001)
}

const T0: i64 = 1_750_000_000_000;

#[test]
fn limits_in_feet_metres_and_flight_levels_with_their_datums() {
    let z = load(vec![
        square(json!({"name": "ft msl", "rule": "keep_out",
            "floor": {"value": 1500, "unit": "ft", "datum": "msl"},
            "ceiling": {"value": 95, "unit": "FL"}})),
        square(json!({"name": "metres", "rule": "notify",
            "floor": {"value": 300, "unit": "m", "datum": "GND"},
            "ceiling": {"value": 3000, "unit": "m", "datum": "std"}})),
        // OpenAIP's numeric form.
        square(json!({"name": "openaip", "rule": "keep_in",
            "lowerLimit": {"value": 0, "unit": 1, "referenceDatum": 0},
            "upperLimit": {"value": 195, "unit": 6, "referenceDatum": 2}})),
        square(json!({"name": "words", "rule": "keep_out", "floor": "SFC", "ceiling": "UNL"})),
        square(json!({"name": "ceiling only", "rule": "keep_out",
            "ceiling": {"value": 2000, "unit": 1, "referenceDatum": 1}})),
        square(json!({"name": "surface zone", "rule": "keep_out"})),
    ]);
    let v: Vec<_> = z.zones().iter().map(|z| z.vertical).collect();
    let a = v[0].unwrap();
    assert_eq!(
        (a.floor.value, a.floor.unit, a.floor.datum),
        (1500.0, AltUnit::Ft, AltDatum::Msl)
    );
    assert_eq!(a.floor_ft(), 1500.0);
    assert_eq!(a.ceiling_ft(), 9500.0);
    assert!(a.is_approximate() && a.floor.is_approximate());
    assert!(!a.ceiling.unwrap().is_approximate());
    let m = v[1].unwrap();
    assert!((m.floor_ft() - 984.25).abs() < 0.01);
    assert!((m.ceiling_ft() - 9842.52).abs() < 0.01);
    assert!(m.is_approximate());
    let o = v[2].unwrap();
    assert_eq!(o.floor_ft(), f64::NEG_INFINITY);
    assert_eq!(o.ceiling_ft(), 19_500.0);
    assert_eq!(o.ceiling.unwrap().unit, AltUnit::Fl);
    assert!(!o.is_approximate(), "surface to a flight level is exact");
    let w = v[3].unwrap();
    assert_eq!(w.ceiling, None);
    assert!(w.contains_ft(-300.0) && w.contains_ft(60_000.0));
    let c = v[4].unwrap();
    assert!(c.floor.is_surface());
    assert_eq!(c.ceiling_ft(), 2000.0);
    assert_eq!(v[5], None);
}

#[test]
fn bad_limits_are_refused_naming_the_feature_and_the_key() {
    let ok = square(json!({"name": "fine", "rule": "keep_out", "ceiling": "UNL"}));
    let cases: Vec<(Value, &[&str])> = vec![
        (
            square(json!({"name": "Upside down", "rule": "keep_out",
                "floor": {"value": 120, "unit": "fl"}, "ceiling": {"value": 100, "unit": "fl"}})),
            &[
                "feature 2",
                "Upside down",
                "floor (FL120) must be below ceiling (FL100)",
            ],
        ),
        (
            square(json!({"name": "Yards", "rule": "keep_out",
                "ceiling": {"value": 100, "unit": "yd", "datum": "msl"}})),
            &["feature 2", "Yards", "\"ceiling\": unit \"yd\" is not"],
        ),
        (
            square(json!({"name": "OpenAIP unit 3", "rule": "keep_out",
                "upperLimit": {"value": 100, "unit": 3, "referenceDatum": 1}})),
            &["\"upperLimit\": unit 3 is not"],
        ),
        (
            square(json!({"name": "No datum", "rule": "keep_out",
                "floor": {"value": 1000, "unit": "ft"}})),
            &["\"floor\": \"datum\" is missing"],
        ),
        (
            square(json!({"name": "FL above ground", "rule": "keep_out",
                "ceiling": {"value": 100, "unit": "fl", "datum": "gnd"}})),
            &[
                "\"ceiling\": a flight level is measured from standard pressure",
                "not GND",
            ],
        ),
        (
            square(json!({"name": "Both", "rule": "keep_out", "floor": "SFC",
                "lowerLimit": {"value": 0, "unit": 1, "referenceDatum": 0}})),
            &["\"floor\" and \"lowerLimit\" both given"],
        ),
        (
            square(json!({"name": "Typo", "rule": "keep_out",
                "ceiling": {"value": 100, "unit": "fl", "datun": "std"}})),
            &["\"ceiling\": unknown key \"datun\""],
        ),
        (
            square(json!({"name": "UNL floor", "rule": "keep_out", "floor": "UNL"})),
            &["\"floor\": \"UNL\" is not \"SFC\""],
        ),
        (
            square(json!({"name": "NaN-ish", "rule": "keep_out",
                "ceiling": {"value": "high", "unit": "ft", "datum": "msl"}})),
            &["\"ceiling\": value \"high\" is not a finite number"],
        ),
        (
            square(
                json!({"name": "Speed", "rule": "speed_limit", "max_sog_kn": 10, "ceiling": "UNL"}),
            ),
            &["make an airspace", "not speed_limit"],
        ),
        (
            square(json!({"name": "Aircraft keys on water", "rule": "keep_out",
                "applies_to": {"icao_country": ["ES"]}})),
            &["applies_to: icao, icao_country and category select aircraft"],
        ),
        (
            square(
                json!({"name": "Mixed", "rule": "keep_out", "ceiling": "UNL",
                "applies_to": {"flag": ["ES"], "category": ["A3"]}}),
            ),
            &["for vessels", "or for aircraft", "not both"],
        ),
        (
            square(
                json!({"name": "Bad category", "rule": "keep_out", "ceiling": "UNL",
                "applies_to": {"category": ["E9"]}}),
            ),
            &["category \"E9\" is not an ADS-B emitter category"],
        ),
        (
            square(
                json!({"name": "Bad address", "rule": "keep_out", "ceiling": "UNL",
                "applies_to": {"icao": ["XYZ"]}}),
            ),
            &["icao \"XYZ\" is not a 24-bit address"],
        ),
    ];
    for (bad, wants) in cases {
        let e = load_err(vec![ok.clone(), bad]);
        assert!(e.starts_with("air.geojson"), "{e}");
        assert!(!e.contains('\n'), "{e}");
        for w in wants {
            assert!(e.contains(w), "{e:?} lacks {w:?}");
        }
    }
}

#[test]
fn above_the_ceiling_is_outside_and_between_the_limits_inside() {
    let z = load(vec![square(json!({"name": "R1", "rule": "keep_out",
        "floor": {"value": 2000, "unit": "ft", "datum": "msl"},
        "ceiling": {"value": 100, "unit": "fl"}}))]);
    let at = |alt: f64| z.airspace_at(42.0, -8.8, alt, T0, &anyone());
    assert_eq!(at(5000.0), vec![0]);
    assert_eq!(at(10_000.0), vec![0], "on the ceiling is inside");
    assert_eq!(at(2000.0), vec![0], "on the floor is inside");
    assert!(at(10_025.0).is_empty());
    assert!(at(1975.0).is_empty());
    assert!(at(f64::NAN).is_empty());
    // Outside horizontally.
    assert!(z.airspace_at(42.2, -8.8, 5000.0, T0, &anyone()).is_empty());
    // A vessel on the water below it knows nothing of it.
    let ship = VesselFacts::mmsi(224_000_001);
    assert!(z.inside(&ship, 42.0, -8.8, T0).is_empty());
    let from = Fix {
        lat_deg: 42.2,
        lon_deg: -8.8,
        time_ms: T0,
    };
    let to = Fix {
        lat_deg: 42.0,
        lon_deg: -8.8,
        time_ms: T0 + 600_000,
    };
    assert!(z.step(&ship, &from, &to).is_empty());
    assert!(z.predicted(&ship, &from, 180.0, 10.0, 3600.0).is_empty());
}

#[test]
fn entries_between_fixes_are_found_in_three_dimensions() {
    let z = load(vec![square(
        json!({"name": "R1", "rule": "keep_out", "floor": "SFC",
        "ceiling": {"value": 100, "unit": "fl"}}),
    )]);
    // Over the area from FL120 to FL080 in 100 s: through the ceiling at
    // half time.
    let from = AirFix {
        lat_deg: 42.0,
        lon_deg: -8.85,
        alt_ft: 12_000.0,
        time_ms: T0,
    };
    let to = AirFix {
        lat_deg: 42.0,
        lon_deg: -8.75,
        alt_ft: 8_000.0,
        time_ms: T0 + 100_000,
    };
    let e = z.airspace_step(&anyone(), &from, &to);
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].zone, 0);
    assert!(e[0].violation);
    assert!(!e[0].approximate);
    assert_eq!(e[0].time_ms, T0 + 50_000);
    assert!((e[0].alt_ft - 10_000.0).abs() < 1e-6);
    assert!((e[0].lon_deg + 8.80).abs() < 1e-9);
    // Passing above: nothing; already inside: nothing.
    let high = AirFix {
        alt_ft: 11_000.0,
        ..to
    };
    let high_from = AirFix {
        alt_ft: 12_000.0,
        ..from
    };
    assert!(z.airspace_step(&anyone(), &high_from, &high).is_empty());
    let low_from = AirFix {
        alt_ft: 5_000.0,
        ..from
    };
    assert!(z.airspace_step(&anyone(), &low_from, &to).is_empty());
    // Horizontally from outside, low: entered at the west edge.
    let west = AirFix {
        lat_deg: 42.0,
        lon_deg: -9.0,
        alt_ft: 3000.0,
        time_ms: T0,
    };
    let e = z.airspace_step(
        &anyone(),
        &west,
        &AirFix {
            lon_deg: -8.8,
            time_ms: T0 + 100_000,
            ..west
        },
    );
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].time_ms, T0 + 50_000);
}

#[test]
fn descending_into_the_ceiling_is_predicted_at_the_right_time() {
    let z = load(vec![square(
        json!({"name": "R1", "rule": "keep_out", "floor": "SFC",
        "ceiling": {"value": 100, "unit": "fl"}}),
    )]);
    // Over the area at FL120, 1,500 ft/min down, 150 kn east: 2,000 ft
    // above the ceiling, it enters after 80 s.
    let at = AirFix {
        lat_deg: 42.0,
        lon_deg: -8.88,
        alt_ft: 12_000.0,
        time_ms: T0,
    };
    let e = z
        .airspace_predicted(&anyone(), &at, 90.0, 150.0, -1500.0, 300.0)
        .expect("an entry");
    assert_eq!(e.zone, 0);
    assert!(
        (e.time_ms - (T0 + 80_000)).abs() <= 1000,
        "{} ms",
        e.time_ms - T0
    );
    assert!((e.alt_ft - 10_000.0).abs() < 25.0, "{e:?}");
    // Where: 80 s at 150 kn along the track.
    let (lat, lon) = destination(42.0, -8.88, 90.0, 150.0 * 1852.0 / 3600.0 * 80.0);
    assert!((e.lat_deg - lat).abs() < 1e-4 && (e.lon_deg - lon).abs() < 1e-4);
    // Too slow a descent for the horizon, or level: none.
    assert_eq!(
        z.airspace_predicted(&anyone(), &at, 90.0, 150.0, -300.0, 300.0),
        None
    );
    assert_eq!(
        z.airspace_predicted(&anyone(), &at, 90.0, 150.0, 0.0, 300.0),
        None
    );
    // From outside horizontally and above: the later of the horizontal
    // entry (3.0 NM from the west edge at 180 kn: 60 s) and the vertical
    // one (1,000 ft above at 500 ft/min: 120 s).
    let (lat, lon) = destination(42.0, -8.9, 270.0, 3.0 * 1852.0);
    let west = AirFix {
        lat_deg: lat,
        lon_deg: lon,
        alt_ft: 11_000.0,
        time_ms: T0,
    };
    let e = z
        .airspace_predicted(&anyone(), &west, 90.0, 180.0, -500.0, 600.0)
        .expect("an entry");
    assert!((e.time_ms - (T0 + 120_000)).abs() <= 1000, "{e:?}");
    // Low already: the horizontal entry.
    let low = AirFix {
        alt_ft: 4000.0,
        ..west
    };
    let e = z
        .airspace_predicted(&anyone(), &low, 90.0, 180.0, 0.0, 600.0)
        .expect("an entry");
    assert!((e.time_ms - (T0 + 60_000)).abs() <= 1000, "{e:?}");
    // Climbing into a floor from below.
    let z = load(vec![square(json!({"name": "Upper", "rule": "notify",
        "floor": {"value": 245, "unit": "fl"}, "ceiling": "UNL"}))]);
    let at = AirFix {
        alt_ft: 22_500.0,
        ..at
    };
    let e = z
        .airspace_predicted(&anyone(), &at, 90.0, 300.0, 2000.0, 300.0)
        .expect("an entry");
    assert!((e.time_ms - (T0 + 60_000)).abs() <= 1000, "{e:?}");
    assert!(!e.violation);
    // A hovering helicopter climbing.
    let e = z
        .airspace_predicted(&anyone(), &at, 0.0, 0.0, 1000.0, 300.0)
        .expect("an entry");
    assert!((e.time_ms - (T0 + 120_000)).abs() <= 1000, "{e:?}");
    // Unusable input.
    assert_eq!(
        z.airspace_predicted(&anyone(), &at, f64::NAN, 300.0, 2000.0, 300.0),
        None
    );
    assert_eq!(
        z.airspace_predicted(&anyone(), &at, 90.0, -1.0, 2000.0, 300.0),
        None
    );
}

#[test]
fn msl_and_ground_limits_are_flagged_approximate() {
    let z = load(vec![square(json!({"name": "CTR", "rule": "notify",
        "floor": "GND", "ceiling": {"value": 2500, "unit": "ft", "datum": "msl"}}))]);
    let from = AirFix {
        lat_deg: 42.2,
        lon_deg: -8.8,
        alt_ft: 1500.0,
        time_ms: T0,
    };
    let to = AirFix {
        lat_deg: 42.0,
        ..from
    };
    let e = z.airspace_step(
        &anyone(),
        &from,
        &AirFix {
            time_ms: T0 + 60_000,
            ..to
        },
    );
    assert_eq!(e.len(), 1);
    assert!(e[0].approximate);
}

#[test]
fn the_country_comes_from_the_icao_address_block() {
    let z = load(vec![square(
        json!({"name": "Spanish only", "rule": "keep_out",
        "ceiling": "UNL", "applies_to": {"icao_country": ["es"]}}),
    )]);
    let spanish = AircraftFacts::icao(0x34_5678);
    let portuguese = AircraftFacts::icao(0x49_0123);
    let unknown = AircraftFacts::icao(0xF0_0001);
    assert_eq!(z.airspace_at(42.0, -8.8, 3000.0, T0, &spanish), vec![0]);
    assert!(z
        .airspace_at(42.0, -8.8, 3000.0, T0, &portuguese)
        .is_empty());
    assert!(z.airspace_at(42.0, -8.8, 3000.0, T0, &unknown).is_empty());
    // A list of addresses.
    let z = load(vec![square(json!({"name": "Listed", "rule": "keep_out",
        "ceiling": "UNL", "applies_to": {"icao": ["490123", "4ca2d1"]}}))]);
    assert_eq!(z.airspace_at(42.0, -8.8, 3000.0, T0, &portuguese), vec![0]);
    assert!(z.airspace_at(42.0, -8.8, 3000.0, T0, &spanish).is_empty());
    assert_eq!(
        z.airspace_at(42.0, -8.8, 3000.0, T0, &AircraftFacts::icao(0x4C_A2D1)),
        vec![0]
    );
}

#[test]
fn the_category_selector_picks_emitter_categories() {
    let z = load(vec![square(
        json!({"name": "No drones", "rule": "keep_out",
        "floor": "SFC", "ceiling": {"value": 400, "unit": "ft", "datum": "gnd"},
        "applies_to": {"category": ["B6"]}}),
    )]);
    let drone = AircraftFacts::icao(0x34_0001).with_category("b6");
    let airliner = AircraftFacts::icao(0x34_0002).with_category("A3");
    let unknown = AircraftFacts::icao(0x34_0003);
    assert_eq!(z.airspace_at(42.0, -8.8, 200.0, T0, &drone), vec![0]);
    assert!(z.airspace_at(42.0, -8.8, 200.0, T0, &airliner).is_empty());
    assert!(z.airspace_at(42.0, -8.8, 200.0, T0, &unknown).is_empty());
    // A vessel selector never takes an aircraft, and "all" takes both.
    let z = load(vec![
        square(json!({"name": "Ships' zone", "rule": "keep_out", "applies_to": {"flag": ["ES"]}})),
        square(json!({"name": "Everyone's airspace", "rule": "keep_out", "ceiling": "UNL"})),
    ]);
    assert!(!z.zones()[0].applies_to.matches_aircraft(&drone));
    assert!(z.zones()[1].applies_to.matches_aircraft(&drone));
    assert!(z.zones()[1]
        .applies_to
        .matches(&VesselFacts::mmsi(224_000_001)));
    assert_eq!(z.airspace_at(42.0, -8.8, 200.0, T0, &drone), vec![1]);
}

#[test]
fn time_windows_apply_to_airspaces() {
    let z = load(vec![square(json!({"name": "Air show", "rule": "keep_out",
        "ceiling": {"value": 5000, "unit": "ft", "datum": "msl"},
        "active_from": "2025-06-15T10:00:00Z", "active_until": "2025-06-15T12:00:00Z"}))]);
    let t = |s: &str| finisterra_geofence::zones::parse_utc_ms(s).unwrap();
    let at = |ms| z.airspace_at(42.0, -8.8, 3000.0, ms, &anyone());
    assert!(at(t("2025-06-15T09:59:59Z")).is_empty());
    assert_eq!(at(t("2025-06-15T10:00:00Z")), vec![0]);
    assert!(at(t("2025-06-15T12:00:00Z")).is_empty());
    // An entry predicted before the window opens is not one.
    let (lat, lon) = destination(42.0, -8.9, 270.0, 3.0 * 1852.0);
    let fix = |time_ms| AirFix {
        lat_deg: lat,
        lon_deg: lon,
        alt_ft: 3000.0,
        time_ms,
    };
    let early = fix(t("2025-06-15T09:58:00Z"));
    assert_eq!(
        z.airspace_predicted(&anyone(), &early, 90.0, 180.0, 0.0, 600.0),
        None
    );
    let during = fix(t("2025-06-15T10:30:00Z"));
    assert!(z
        .airspace_predicted(&anyone(), &during, 90.0, 180.0, 0.0, 600.0)
        .is_some());
}

#[test]
fn the_north_bank_no_fly_zone_is_one_file_away() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/north-bank-no-fly.geojson"
    );
    let bytes = std::fs::read(path).expect("the example file");
    let z = Zones::from_geojson_bytes(&bytes).expect("it loads");
    assert_eq!(z.len(), 1);
    let zone = &z.zones()[0];
    assert!(zone.name.contains("illustrative"));
    let l = zone.vertical.expect("an airspace");
    assert!(l.floor.is_surface());
    assert_eq!(l.ceiling_ft(), 10_000.0);
    // Over the Spanish bank at 3,000 ft: inside; at FL120: above it; over
    // the Portuguese bank: outside.
    let facts = AircraftFacts::icao(0x49_0001);
    assert_eq!(z.airspace_at(41.95, -8.80, 3000.0, T0, &facts), vec![0]);
    assert!(z.airspace_at(41.95, -8.80, 12_000.0, T0, &facts).is_empty());
    assert!(z.airspace_at(41.85, -8.80, 3000.0, T0, &facts).is_empty());
    // A helicopter crossing the river northwards at 1,000 ft enters it.
    let from = AirFix {
        lat_deg: 41.85,
        lon_deg: -8.80,
        alt_ft: 1000.0,
        time_ms: T0,
    };
    let e = z
        .airspace_predicted(&facts, &from, 0.0, 100.0, 0.0, 300.0)
        .expect("an entry");
    assert!(e.violation && !e.approximate);
    assert!(e.lat_deg > 41.88 && e.lat_deg < 41.90, "{e:?}");
    // Ships in the river are not concerned.
    assert!(z
        .inside(&VesselFacts::mmsi(224_000_001), 41.95, -8.80, T0)
        .is_empty());
}

//! `--config` files for the census: unknown keys and unsafe values refused,
//! each error one line naming the key.

use finisterra_census::{Census, CensusConfig, NearMissCriterion};
use finisterra_geofence::Land;

fn refused(json: &str) -> (String, String) {
    let e = CensusConfig::from_json(json).expect_err(json);
    let msg = e.to_string();
    assert!(!msg.contains('\n'), "one line: {msg}");
    (e.key().to_string(), msg)
}

fn unsafe_key(json: &str, key: &str) {
    let (k, msg) = refused(json);
    assert_eq!(k, key, "{msg}");
    assert!(msg.starts_with(&format!("unsafe value {key} = ")), "{msg}");
}

#[test]
fn defaults_validate_and_round_trip() {
    CensusConfig::default().validate().unwrap();
    let text = serde_json::to_string_pretty(&CensusConfig::default()).unwrap();
    assert_eq!(
        CensusConfig::from_json(&text).unwrap(),
        CensusConfig::default()
    );
}

#[test]
fn a_partial_config_loads_with_defaults_for_the_rest() {
    let cfg = CensusConfig::from_json(
        r#"{"spoofing": {"invalid_mmsi": false}, "near_miss": {"criterion": "either"}}"#,
    )
    .unwrap();
    assert!(!cfg.spoofing.invalid_mmsi);
    assert_eq!(cfg.near_miss.criterion, NearMissCriterion::Either);
    assert_eq!(cfg.near_miss.distance_nm, 0.5);
    assert_eq!(cfg.picture, CensusConfig::default().picture);
}

#[test]
fn a_typo_deep_in_the_tree_gets_the_nearest_key() {
    let (k, msg) = refused(r#"{"near_miss": {"distnce_nm": 0.2}}"#);
    assert_eq!(k, "near_miss.distnce_nm");
    assert_eq!(
        msg,
        r#"unknown key "near_miss.distnce_nm"; did you mean "near_miss.distance_nm"?"#
    );
    let (_, msg) = refused(r#"{"picture": {"lost_min": 300}}"#);
    assert_eq!(
        msg,
        r#"unknown key "picture.lost_min"; did you mean "picture.lost_min_s"?"#
    );
    let (_, msg) = refused(r#"{"detectors": {"near_miss": false}}"#);
    assert_eq!(
        msg,
        r#"unknown key "detectors.near_miss"; did you mean "detectors.near_misses"?"#
    );
    let (_, msg) = refused(r#"{"gaps": {"min_duration_s": 3600}}"#);
    assert_eq!(msg, r#"unknown key "gaps"; did you mean "gap"?"#);
}

#[test]
fn wrong_types_and_bad_values_of_a_kind_are_refused() {
    let (k, msg) = refused(r#"{"gap": {"min_duration_s": "12h"}}"#);
    assert_eq!(k, "gap.min_duration_s");
    assert_eq!(
        msg,
        r#"key "gap.min_duration_s" must be a number, not a string"#
    );
    let (_, msg) = refused(r#"{"near_miss": {"criterion": "closest"}}"#);
    assert!(msg.starts_with("not valid settings: "), "{msg}");
}

#[test]
fn zero_or_negative_thresholds_are_refused() {
    for key in [
        ("near_miss", "distance_nm"),
        ("near_miss", "release_range_nm"),
        ("near_miss", "max_interpolation_s"),
        ("near_miss", "domain_along_l"),
        ("encounter", "max_distance_m"),
        ("loitering", "max_sog_kn"),
        ("gap", "min_duration_s"),
        ("picture", "lost_min_s"),
        ("picture", "max_speed_kn"),
    ] {
        for v in ["0", "-1"] {
            let json = format!(r#"{{"{}": {{"{}": {v}}}}}"#, key.0, key.1);
            unsafe_key(&json, &format!("{}.{}", key.0, key.1));
        }
    }
    for key in ["screen_interval_s", "resample_s", "forget_after_s"] {
        unsafe_key(&format!(r#"{{"{key}": 0}}"#), key);
    }
    unsafe_key(r#"{"reorder_window_s": -1}"#, "reorder_window_s");
    let (_, msg) = refused(r#"{"encounter": {"max_distance_m": 0}}"#);
    assert_eq!(
        msg,
        "unsafe value encounter.max_distance_m = 0: must be greater than 0 (0 or less would disable it)"
    );
    // A negative inland distance is the documented way to disable it.
    CensusConfig::from_json(r#"{"spoofing": {"on_land_min_inland_m": -1}}"#).unwrap();
}

#[test]
fn inverted_ranges_are_refused() {
    let (k, msg) = refused(r#"{"near_miss": {"distance_nm": 3.0}}"#);
    assert_eq!(k, "near_miss.release_range_nm");
    assert_eq!(
        msg,
        "unsafe value near_miss.release_range_nm = 2.5: must not be below near_miss.distance_nm (3)"
    );
    let (_, msg) = refused(r#"{"picture": {"lost_min_s": 4000}}"#);
    assert_eq!(
        msg,
        "unsafe value picture.lost_min_s = 4000: must not exceed picture.lost_max_s (1800)"
    );
}

#[test]
fn non_finite_values_are_refused_by_the_census_too() {
    let mut cfg = CensusConfig::default();
    cfg.gap.min_shore_distance_nm = f64::INFINITY;
    let e = cfg.validate().unwrap_err();
    assert_eq!(e.key(), "gap.min_shore_distance_nm");
    assert_eq!(
        e.to_string(),
        "unsafe value gap.min_shore_distance_nm = inf: must be a finite number"
    );
    let mut cfg = CensusConfig::default();
    cfg.picture.forget_after_s = f64::NAN;
    let e = Census::new(cfg, Land::empty()).unwrap_err().to_string();
    assert!(e.contains("picture.forget_after_s"), "{e}");
    assert!(!e.contains('\n'), "{e}");
}

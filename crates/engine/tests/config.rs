//! `--config` files for the engine: unknown keys and unsafe values refused,
//! each error one line naming the key.

use finisterra_engine::Config;

fn refused(json: &str) -> (String, String) {
    let e = Config::from_json(json).expect_err(json);
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
    Config::default().validate().unwrap();
    let text = serde_json::to_string_pretty(&Config::default()).unwrap();
    assert_eq!(Config::from_json(&text).unwrap(), Config::default());
}

#[test]
fn a_partial_config_loads_with_defaults_for_the_rest() {
    let cfg = Config::from_json(r#"{"risk": {"alarm_cpa_nm": 0.3}, "hazards": {}}"#).unwrap();
    assert_eq!(cfg.risk.alarm_cpa_nm, 0.3);
    assert_eq!(
        cfg.risk.warning_cpa_nm,
        Config::default().risk.warning_cpa_nm
    );
    assert_eq!(cfg.picture, Config::default().picture);
    assert_eq!(Config::from_json("{}").unwrap(), Config::default());
}

#[test]
fn a_typo_deep_in_the_tree_gets_the_nearest_key() {
    let (k, msg) = refused(r#"{"risk": {"warnig_cpa_nm": 2.0}}"#);
    assert_eq!(k, "risk.warnig_cpa_nm");
    assert_eq!(
        msg,
        r#"unknown key "risk.warnig_cpa_nm"; did you mean "risk.warning_cpa_nm"?"#
    );
    let (_, msg) = refused(r#"{"advice": {"step_degs": 2.0}}"#);
    assert_eq!(
        msg,
        r#"unknown key "advice.step_degs"; did you mean "advice.step_deg"?"#
    );
    let (_, msg) = refused(r#"{"colregs": {"must_act_rnge_nm": 0.4}}"#);
    assert!(
        msg.contains(r#"did you mean "colregs.must_act_range_nm"?"#),
        "{msg}"
    );
    // A group misspelt.
    let (_, msg) = refused(r#"{"hazard": {"safety_nm": 0.5}}"#);
    assert_eq!(msg, r#"unknown key "hazard"; did you mean "hazards"?"#);
    // A setting put in the wrong group is found in its own.
    let (_, msg) = refused(r#"{"warning_cpa_nm": 2.0}"#);
    assert_eq!(
        msg,
        r#"unknown key "warning_cpa_nm"; did you mean "risk.warning_cpa_nm"?"#
    );
}

#[test]
fn wrong_types_and_bad_json_are_refused_in_one_line() {
    let (k, msg) = refused(r#"{"risk": {"alarm_cpa_nm": "0.5"}}"#);
    assert_eq!(k, "risk.alarm_cpa_nm");
    assert_eq!(
        msg,
        r#"key "risk.alarm_cpa_nm" must be a number, not a string"#
    );
    let (_, msg) = refused(r#"{"risk": 1}"#);
    assert_eq!(msg, r#"key "risk" must be an object, not a number"#);
    let (_, msg) = refused(r#"{"risk": {"alarm_cpa_nm": null}}"#);
    assert!(msg.contains("must be a number, not null"), "{msg}");
    let (_, msg) = refused("[1]");
    assert!(msg.contains("must be an object"), "{msg}");
    let (_, msg) = refused(r#"{"risk": {"#);
    assert!(msg.starts_with("not valid settings: "), "{msg}");
    let (_, msg) = refused(r#"{"picture": {"reacquire_fixes": 2.5}}"#);
    assert!(msg.starts_with("not valid settings: "), "{msg}");
}

#[test]
fn zero_or_negative_safeguards_are_refused() {
    for key in [
        ("risk", "alarm_cpa_nm"),
        ("risk", "alarm_tcpa_s"),
        ("risk", "warning_cpa_nm"),
        ("risk", "warning_tcpa_s"),
        ("risk", "max_dead_reckoning_s"),
        ("picture", "lost_min_s"),
        ("picture", "lost_max_s"),
        ("picture", "lost_after_intervals"),
        ("picture", "max_speed_kn"),
        ("hazards", "horizon_s"),
        ("hazards", "safety_nm"),
        ("hazards", "alarm_s"),
        ("colregs", "must_act_range_nm"),
        ("advice", "horizon_s"),
        ("advice", "step_deg"),
    ] {
        for v in ["0", "-1"] {
            let json = format!(r#"{{"{}": {{"{}": {v}}}}}"#, key.0, key.1);
            unsafe_key(&json, &format!("{}.{}", key.0, key.1));
        }
    }
    unsafe_key(r#"{"screen_interval_s": 0}"#, "screen_interval_s");
    unsafe_key(r#"{"zone_horizon_s": 0}"#, "zone_horizon_s");
    unsafe_key(r#"{"screen_interval_s": -10}"#, "screen_interval_s");
    let (_, msg) = refused(r#"{"risk": {"alarm_cpa_nm": 0}}"#);
    assert_eq!(
        msg,
        "unsafe value risk.alarm_cpa_nm = 0: must be greater than 0 (0 or less would disable it)"
    );
    let (_, msg) = refused(r#"{"risk": {"stationary_kn": -1}}"#);
    assert_eq!(
        msg,
        "unsafe value risk.stationary_kn = -1: must not be negative"
    );
}

#[test]
fn an_alarm_above_its_warning_is_refused() {
    let (k, msg) = refused(r#"{"risk": {"alarm_cpa_nm": 1.5, "warning_cpa_nm": 1.0}}"#);
    assert_eq!(k, "risk.alarm_cpa_nm");
    assert_eq!(
        msg,
        "unsafe value risk.alarm_cpa_nm = 1.5: must not exceed risk.warning_cpa_nm (1)"
    );
    unsafe_key(
        r#"{"risk": {"alarm_tcpa_s": 1500, "warning_tcpa_s": 1200}}"#,
        "risk.alarm_tcpa_s",
    );
    // Equal is allowed.
    Config::from_json(r#"{"risk": {"alarm_cpa_nm": 1.0, "warning_cpa_nm": 1.0}}"#).unwrap();
    unsafe_key(
        r#"{"colregs": {"must_act_range_nm": 3.0}}"#,
        "colregs.must_act_range_nm",
    );
    unsafe_key(r#"{"picture": {"lost_min_s": 4000}}"#, "picture.lost_min_s");
}

#[test]
fn non_finite_values_are_refused() {
    // JSON has no NaN or infinity (a too large number is a JSON error)...
    let (_, msg) = refused(r#"{"risk": {"alarm_cpa_nm": 1e999}}"#);
    assert!(msg.starts_with("not valid settings: "), "{msg}");
    // ... but settings built in code are checked too.
    let mut cfg = Config::default();
    cfg.hazards.safety_nm = f64::NAN;
    let e = cfg.validate().unwrap_err();
    assert_eq!(e.key(), "hazards.safety_nm");
    assert_eq!(
        e.to_string(),
        "unsafe value hazards.safety_nm = NaN: must be a finite number"
    );
    let mut cfg = Config::default();
    cfg.risk.warning_tcpa_s = f64::INFINITY;
    assert_eq!(cfg.validate().unwrap_err().key(), "risk.warning_tcpa_s");
}

#[test]
fn out_of_range_angles_and_fractions_are_refused() {
    unsafe_key(
        r#"{"colregs": {"overtaking_from_bow_deg": 45}}"#,
        "colregs.overtaking_from_bow_deg",
    );
    unsafe_key(
        r#"{"advice": {"min_speed_reduction": 1.5}}"#,
        "advice.min_speed_reduction",
    );
    unsafe_key(r#"{"risk": {"clear_factor": 0.9}}"#, "risk.clear_factor");
}

#[test]
fn a_ship_that_turns_or_slows_at_once_is_refused() {
    unsafe_key(
        r#"{"advice": {"deceleration_kn_per_min": 0}}"#,
        "advice.deceleration_kn_per_min",
    );
    unsafe_key(
        r#"{"advice": {"max_turn_deg_per_min": 100000}}"#,
        "advice.max_turn_deg_per_min",
    );
    unsafe_key(
        r#"{"advice": {"turn_radius_lengths": 0}}"#,
        "advice.turn_radius_lengths",
    );
    unsafe_key(
        r#"{"advice": {"unknown_length_m": -1}}"#,
        "advice.unknown_length_m",
    );
    let cfg = Config::from_json(r#"{"advice": {"max_turn_deg_per_min": 30}}"#).unwrap();
    assert_eq!(cfg.advice.max_turn_deg_per_min, 30.0);
}

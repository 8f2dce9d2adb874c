//! COLREGs rulings: encounter sectors, Rule 18 overrides, Rule 17 stages,
//! sentences and JSON.

use finisterra_nav::colregs::{
    classify, ColregsConfig, Duty, Encounter, GiveWay, Role, Rule, Rule17Stage, Ruling,
};
use finisterra_nav::cpa::Kinematic;
use finisterra_nav::geo::{destination, initial_bearing_deg, METRES_PER_NM};

const LAT: f64 = 50.0;
const LON: f64 = -3.0;

fn own(kn: f64, cog: f64) -> Kinematic {
    Kinematic::new(LAT, LON, kn, cog)
}

/// A target on course `cog_deg` at `kn` that meets own ship (000°/`own_kn`
/// unless given) after `tcpa_s`, displaced `miss_nm` to its starboard.
fn meeting(own: &Kinematic, cog_deg: f64, kn: f64, tcpa_s: f64, miss_nm: f64) -> Kinematic {
    let run = |k: f64| k * tcpa_s / 3600.0 * METRES_PER_NM;
    let (plat, plon) = destination(own.lat_deg, own.lon_deg, own.cog_deg, run(own.sog_kn));
    let (plat, plon) = destination(plat, plon, cog_deg + 90.0, miss_nm * METRES_PER_NM);
    let (lat, lon) = destination(plat, plon, cog_deg + 180.0, run(kn));
    Kinematic::new(lat, lon, kn, initial_bearing_deg(lat, lon, plat, plon))
}

fn rule(o: &Kinematic, or: Role, t: &Kinematic, tr: Role) -> Ruling {
    classify(o, or, t, tr, &ColregsConfig::default())
}

fn pd() -> Role {
    Role::PowerDriven
}

#[test]
fn head_on_within_the_sector() {
    let o = own(12.0, 0.0);
    let t = meeting(&o, 180.0, 12.0, 900.0, 0.0);
    let r = rule(&o, pd(), &t, pd());
    assert_eq!(
        (r.encounter, r.give_way, r.rule),
        (Encounter::HeadOn, GiveWay::Both, Some(Rule::R14))
    );
    assert_eq!(r.stand_on_stage, None);
    assert_eq!(r.own_duty(), Duty::GiveWay);
}

#[test]
fn head_on_tolerance_is_configurable() {
    // Target 5° on own's starboard bow, heading so that it sees own 5° on
    // its port bow: nearly reciprocal courses.
    let o = own(12.0, 0.0);
    let (lat, lon) = destination(LAT, LON, 5.0, 4.0 * METRES_PER_NM);
    let t = Kinematic::new(
        lat,
        lon,
        12.0,
        initial_bearing_deg(lat, lon, LAT, LON) + 5.0,
    );
    let wide = classify(&o, pd(), &t, pd(), &ColregsConfig::default());
    assert!((wide.target_relative_bearing_deg - 5.0).abs() < 0.01);
    assert!((wide.own_relative_bearing_deg - (-5.0)).abs() < 0.01);
    assert_eq!(wide.rule, Some(Rule::R14), "{wide}");
    let narrow = ColregsConfig {
        head_on_deg: 3.0,
        ..ColregsConfig::default()
    };
    let r = classify(&o, pd(), &t, pd(), &narrow);
    // Target sees own 5° to port, own sees target 5° to starboard: a
    // crossing in which own ship has the target on her starboard side.
    assert_eq!(
        (r.encounter, r.give_way, r.rule),
        (Encounter::Crossing, GiveWay::Own, Some(Rule::R15)),
        "{r}"
    );
}

#[test]
fn starboard_to_starboard_meeting_is_in_doubt_rule_14c() {
    // Reciprocal courses, offset so that each has the other fine on her
    // starboard bow (8.5°), CPA 0.9 NM: Rule 14(c), both to starboard.
    let o = own(12.0, 0.0);
    let t = meeting(&o, 180.0, 12.0, 900.0, -0.9);
    let r = rule(&o, pd(), &t, pd());
    assert!(r.target_relative_bearing_deg > 6.0 && r.own_relative_bearing_deg > 6.0);
    assert_eq!(
        (r.encounter, r.give_way, r.rule),
        (Encounter::HeadOn, GiveWay::Both, Some(Rule::R14c)),
        "{r}"
    );
    assert!(r.to_string().contains("in doubt"));
}

#[test]
fn crossing_both_ways() {
    let o = own(12.0, 0.0);
    let stbd = meeting(&o, 270.0, 12.0, 1200.0, 0.0);
    let r = rule(&o, pd(), &stbd, pd());
    assert_eq!(
        (r.encounter, r.give_way, r.rule),
        (Encounter::Crossing, GiveWay::Own, Some(Rule::R15))
    );
    assert_eq!(
        r.to_string(),
        "crossing, target on starboard bow: own ship gives way (Rule 15)"
    );
    // The target stands on; 20 min out it keeps course.
    assert_eq!(r.stand_on_stage, Some(Rule17Stage::KeepCourse));

    let port = meeting(&o, 90.0, 12.0, 1200.0, 0.0);
    let r = rule(&o, pd(), &port, pd());
    assert_eq!(
        (r.encounter, r.give_way, r.rule),
        (Encounter::Crossing, GiveWay::Target, Some(Rule::R15))
    );
    assert_eq!(r.own_duty(), Duty::StandOn);
    assert_eq!(
        r.to_string(),
        "crossing, target on port bow: target gives way, own ship stands on (Rule 15)"
    );
}

#[test]
fn overtaking_both_ways_and_regardless_of_rule_18() {
    // Own (fishing, 14 kn) comes up from astern on a power-driven ship.
    let o = own(14.0, 0.0);
    let t = meeting(&o, 0.0, 8.0, 1200.0, 0.0);
    let r = rule(&o, Role::Fishing, &t, pd());
    assert_eq!(
        (r.encounter, r.give_way, r.rule),
        (Encounter::Overtaking, GiveWay::Own, Some(Rule::R13)),
        "{r}"
    );
    // The other way round: a power-driven vessel overtaking a sailing one
    // keeps out of the way by Rule 13, and a sailing vessel overtaking a
    // power-driven one also keeps out of the way (Rule 13 beats 18).
    let r = rule(&t, Role::Sailing, &o, pd());
    assert_eq!(
        (r.encounter, r.give_way, r.rule),
        (Encounter::Overtaking, GiveWay::Target, Some(Rule::R13)),
        "{r}"
    );
    assert!(r.to_string().contains("target astern is overtaking"), "{r}");
    let r = rule(&o, Role::Sailing, &t, pd());
    assert_eq!((r.give_way, r.rule), (GiveWay::Own, Some(Rule::R13)));
    // Coming up from the quarter (more than 22.5° abaft the beam).
    let q = meeting(&o, 340.0, 20.0, 900.0, 0.0);
    let r = rule(&o, pd(), &q, pd());
    assert!(r.target_relative_bearing_deg > 112.5, "{r:?}");
    assert_eq!(
        (r.encounter, r.give_way),
        (Encounter::Overtaking, GiveWay::Target)
    );
}

#[test]
fn rule_18_overrides_crossing_and_head_on() {
    let o = own(12.0, 0.0);
    let port = meeting(&o, 90.0, 6.0, 1200.0, 0.0);
    let stbd = meeting(&o, 270.0, 6.0, 1200.0, 0.0);
    let ahead = meeting(&o, 180.0, 6.0, 1200.0, 0.0);
    let cases = [
        // (own role, target, target role, give way, rule)
        (pd(), port, Role::Sailing, GiveWay::Own, Rule::R18a),
        (pd(), port, Role::Fishing, GiveWay::Own, Rule::R18a),
        (pd(), port, Role::NotUnderCommand, GiveWay::Own, Rule::R18a),
        (
            pd(),
            port,
            Role::RestrictedManoeuvrability,
            GiveWay::Own,
            Rule::R18a,
        ),
        (
            pd(),
            port,
            Role::ConstrainedByDraught,
            GiveWay::Own,
            Rule::R18d,
        ),
        (Role::Unknown, port, Role::Sailing, GiveWay::Own, Rule::R18a),
        (Role::Sailing, stbd, pd(), GiveWay::Target, Rule::R18a),
        (
            Role::Fishing,
            stbd,
            Role::Sailing,
            GiveWay::Target,
            Rule::R18b,
        ),
        (
            Role::Fishing,
            port,
            Role::NotUnderCommand,
            GiveWay::Own,
            Rule::R18c,
        ),
        (Role::Sailing, port, Role::Fishing, GiveWay::Own, Rule::R18b),
        (pd(), ahead, Role::Sailing, GiveWay::Own, Rule::R18a),
        (Role::Sailing, ahead, pd(), GiveWay::Target, Rule::R18a),
        // Same status: back to the geometry.
        (
            Role::NotUnderCommand,
            port,
            Role::RestrictedManoeuvrability,
            GiveWay::Target,
            Rule::R15,
        ),
        (Role::Fishing, stbd, Role::Fishing, GiveWay::Own, Rule::R15),
        (Role::Sailing, stbd, Role::Sailing, GiveWay::Both, Rule::R12),
    ];
    for (or, t, tr, gw, want) in cases {
        let r = rule(&o, or, &t, tr);
        assert_eq!(
            (r.give_way, r.rule),
            (gw, Some(want)),
            "{or:?} vs {tr:?}: {r}"
        );
        assert!(
            r.to_string().contains(&format!("(Rule {})", want.code())),
            "{r}"
        );
    }
    let r = rule(&o, pd(), &port, Role::Fishing);
    assert_eq!(
        r.to_string(),
        "crossing, target on port bow is engaged in fishing: own ship (power-driven) keeps out \
         of the way (Rule 18(a))"
    );
    let r = rule(&o, pd(), &ahead, Role::Sailing);
    assert_eq!(r.encounter, Encounter::HeadOn);
}

#[test]
fn vessels_not_under_way() {
    let o = own(10.0, 0.0);
    let (lat, lon) = destination(LAT, LON, 3.0, 3.0 * METRES_PER_NM);
    let anchored = Kinematic::new(lat, lon, 0.0, 0.0);
    let r = rule(&o, pd(), &anchored, Role::AtAnchor);
    assert_eq!(
        (r.encounter, r.give_way, r.rule),
        (Encounter::NotUnderWay, GiveWay::Own, Some(Rule::R8))
    );
    assert_eq!(
        r.to_string(),
        "target at anchor ahead: own ship keeps clear (Rule 8)"
    );
    // Own ship aground, target bearing down.
    let t = meeting(&own(0.0, 0.0), 180.0, 10.0, 600.0, 0.0);
    let r = rule(&own(0.0, 0.0), Role::Aground, &t, pd());
    assert_eq!((r.give_way, r.rule), (GiveWay::Target, Some(Rule::R8)));
}

#[test]
fn no_risk_no_encounter() {
    let o = own(12.0, 0.0);
    // Passes 3 NM off.
    let t = meeting(&o, 270.0, 12.0, 1200.0, 3.0);
    let r = rule(&o, pd(), &t, pd());
    assert!(!r.risk);
    assert_eq!(
        (r.encounter, r.give_way, r.rule),
        (Encounter::None, GiveWay::Neither, Some(Rule::R7))
    );
    assert_eq!(r.own_duty(), Duty::None);
    assert!(r.to_string().starts_with("no risk of collision, CPA "));
    // Opening.
    let (lat, lon) = destination(LAT, LON, 180.0, 2.0 * METRES_PER_NM);
    let r = rule(&o, pd(), &Kinematic::new(lat, lon, 12.0, 180.0), pd());
    assert!(!r.risk && r.tcpa_s < 0.0);
    assert!(r.to_string().contains("opening"), "{r}");
    // Too far ahead in time.
    let far = meeting(&o, 270.0, 12.0, 3600.0, 0.0);
    assert!(!rule(&o, pd(), &far, pd()).risk);
}

#[test]
fn rule_17_stages_for_the_stand_on_vessel() {
    let o = own(12.0, 0.0);
    let stage = |tcpa_s: f64| {
        let t = meeting(&o, 45.0, 12.0, tcpa_s, 0.0);
        rule(&o, pd(), &t, pd())
    };
    // 20 min out, 3.1 NM: keep course and speed.
    let r = stage(1200.0);
    assert_eq!(r.give_way, GiveWay::Target);
    assert_eq!(r.stand_on_stage, Some(Rule17Stage::KeepCourse));
    assert_eq!(r.own_duty(), Duty::StandOn);
    // 8 min out, 1.2 NM: may act.
    let r = stage(480.0);
    assert!(r.range_nm < 2.0 && r.range_nm > 0.5);
    assert_eq!(r.stand_on_stage, Some(Rule17Stage::MayAct));
    assert_eq!(r.own_duty(), Duty::MayAct);
    assert!(
        r.to_string()
            .ends_with("; own ship may act (Rule 17(a)(ii))"),
        "{r}"
    );
    // 2 min out: must act.
    let r = stage(120.0);
    assert_eq!(r.stand_on_stage, Some(Rule17Stage::MustAct));
    assert_eq!(r.own_duty(), Duty::MustAct);
    assert!(
        r.to_string().ends_with("; own ship must act (Rule 17(b))"),
        "{r}"
    );
    assert_eq!(Rule17Stage::MustAct.code(), "17(b)");
    // Thresholds are configuration.
    let cfg = ColregsConfig {
        may_act_range_nm: 4.0,
        ..ColregsConfig::default()
    };
    let t = meeting(&o, 45.0, 12.0, 1200.0, 0.0);
    let r = classify(&o, pd(), &t, pd(), &cfg);
    assert_eq!(r.stand_on_stage, Some(Rule17Stage::MayAct));
}

#[test]
fn bow_is_the_heading_when_known() {
    // Own makes good 000 but heads 020 (set by a current). A target 10° to
    // the right of the ground track is 10° to port of the bow.
    let o = own(12.0, 0.0);
    let (lat, lon) = destination(LAT, LON, 10.0, 3.0 * METRES_PER_NM);
    let t = Kinematic::new(lat, lon, 12.0, 270.0);
    let by_cog = rule(&o, pd(), &t, pd());
    assert!((by_cog.target_relative_bearing_deg - 10.0).abs() < 0.01);
    let by_hdg = rule(&o.with_heading(20.0), pd(), &t, pd());
    assert!((by_hdg.target_relative_bearing_deg + 10.0).abs() < 0.01);
    // And the target's heading is used for the bearing of own from it.
    let t_h = rule(&o, pd(), &t.with_heading(250.0), pd());
    assert!((t_h.own_relative_bearing_deg - by_cog.own_relative_bearing_deg - 20.0).abs() < 0.01);
}

#[test]
fn invalid_input_gives_no_ruling() {
    let o = own(12.0, 0.0);
    let t = Kinematic::new(f64::NAN, 0.0, 1.0, 0.0);
    let r = rule(&o, pd(), &t, pd());
    assert_eq!(r.rule, None);
    assert!(!r.risk);
    assert_eq!(r.give_way, GiveWay::Neither);
    assert!(r.target_relative_bearing_deg.is_nan());
    assert_eq!(
        r.to_string(),
        "no ruling: position, course or speed not finite"
    );
}

#[test]
fn json_is_snake_case_with_rule_code_and_sentence() {
    let o = own(12.0, 0.0);
    let t = meeting(&o, 270.0, 12.0, 1200.0, 0.0);
    let r = rule(&o, pd(), &t, Role::ConstrainedByDraught);
    let v: serde_json::Value = serde_json::to_value(r).unwrap();
    assert_eq!(v["encounter"], "crossing");
    assert_eq!(v["give_way"], "own");
    assert_eq!(v["rule"], "18(d)");
    assert_eq!(v["rule_title"], "Responsibilities between vessels");
    assert_eq!(v["target_role"], "constrained_by_draught");
    assert_eq!(v["stand_on_stage"], "keep_course");
    assert_eq!(v["sentence"], r.to_string());
    assert!(v["cpa_nm"].as_f64().unwrap() < 0.01);
    // Config round-trips and fills missing fields with defaults.
    let cfg: ColregsConfig = serde_json::from_str(r#"{"head_on_deg": 10}"#).unwrap();
    assert_eq!(cfg.head_on_deg, 10.0);
    assert_eq!(cfg.risk_cpa_nm, ColregsConfig::default().risk_cpa_nm);
}

#[test]
fn named_sentences_say_who_gives_way_from_either_side() {
    let o = own(12.0, 0.0);
    // The target on own's starboard bow: own gives way.
    let stbd = meeting(&o, 270.0, 12.0, 1200.0, 0.0);
    assert_eq!(
        rule(&o, pd(), &stbd, pd()).sentence_named("ALPHA", "BRAVO"),
        "crossing: BRAVO is on the starboard bow of ALPHA, so ALPHA gives way and BRAVO \
         stands on (Rule 15)"
    );
    // The same pair judged from the other vessel: the same vessel gives way.
    assert_eq!(
        rule(&stbd, pd(), &o, pd()).sentence_named("BRAVO", "ALPHA"),
        "crossing: BRAVO is on the starboard bow of ALPHA, so ALPHA gives way and BRAVO \
         stands on (Rule 15)"
    );
    let head_on = meeting(&o, 180.0, 12.0, 900.0, 0.0);
    assert!(rule(&o, pd(), &head_on, pd())
        .sentence_named("ALPHA", "BRAVO")
        .contains("both alter course to starboard (Rule 14)"));
    // Overtaking: the overtaking vessel is named whichever side she is.
    let slow = meeting(&own(14.0, 0.0), 0.0, 8.0, 1200.0, 0.0);
    let fast = own(14.0, 0.0);
    for (a, b) in [(&fast, &slow), (&slow, &fast)] {
        let (na, nb) = if std::ptr::eq(a, &fast) {
            ("FAST", "SLOW")
        } else {
            ("SLOW", "FAST")
        };
        let s = rule(a, pd(), b, pd()).sentence_named(na, nb);
        assert!(
            s.starts_with(
                "overtaking: FAST is overtaking SLOW and keeps out of her way; SLOW stands on"
            ),
            "{s}"
        );
    }
    // Rule 18: the fishing vessel is named as the one that stands on.
    let fishing = meeting(&o, 90.0, 6.0, 1200.0, 0.0);
    let s = rule(&o, pd(), &fishing, Role::Fishing).sentence_named("ALPHA", "NOSA");
    assert!(
        s.contains("NOSA is engaged in fishing, so ALPHA (power-driven) keeps out of her way"),
        "{s}"
    );
}

//! Avoidance advice: sides, passing astern, speed alternative, safety against
//! every target (property, and a crowded picture), honesty when nothing
//! works, generic helper. (The speed of the search is `benches/advice.rs`.)

use finisterra_nav::advice::{
    advise, plan_for_ship, smallest_alteration, Action, AdviceConfig, AdviceTarget, Direction,
    OwnShip, Permitted, Plan, Sides,
};
use finisterra_nav::colregs::{ColregsConfig, Duty, Role};
use finisterra_nav::cpa::{cpa, Kinematic};
use finisterra_nav::geo::{destination, distance_nm, initial_bearing_deg, METRES_PER_NM};
use finisterra_nav::manoeuvre::Handling;
use proptest::prelude::*;

const LAT: f64 = 51.0;
const LON: f64 = 1.5;

fn own(kn: f64) -> Kinematic {
    Kinematic::new(LAT, LON, kn, 0.0)
}

/// Target at `range_nm` on true bearing `bearing_deg` from own ship.
fn at(bearing_deg: f64, range_nm: f64, kn: f64, cog_deg: f64) -> Kinematic {
    let (lat, lon) = destination(LAT, LON, bearing_deg, range_nm * METRES_PER_NM);
    Kinematic::new(lat, lon, kn, cog_deg)
}

/// A target on `cog_deg` at `kn` that meets own ship after `tcpa_s`.
fn meeting(o: &Kinematic, cog_deg: f64, kn: f64, tcpa_s: f64) -> Kinematic {
    let run = |k: f64| k * tcpa_s / 3600.0 * METRES_PER_NM;
    let (plat, plon) = destination(o.lat_deg, o.lon_deg, o.cog_deg, run(o.sog_kn));
    let (lat, lon) = destination(plat, plon, cog_deg + 180.0, run(kn));
    Kinematic::new(lat, lon, kn, initial_bearing_deg(lat, lon, plat, plon))
}

/// Smallest distance to any target over [0, horizon] with own ship on the
/// given course and speed, from the public `cpa` (and `destination` for the
/// range at the horizon).
fn recheck(o: &Kinematic, targets: &[Kinematic], cog: f64, sog: f64, horizon_s: f64) -> f64 {
    let o = o.with_course(cog).with_speed(sog);
    targets
        .iter()
        .map(|t| {
            let c = cpa(&o, t);
            if c.tcpa_s > 0.0 && c.tcpa_s < horizon_s {
                c.cpa_nm
            } else if c.tcpa_s <= 0.0 {
                c.range_nm
            } else {
                let run = |k: &Kinematic| {
                    destination(
                        k.lat_deg,
                        k.lon_deg,
                        k.cog_deg,
                        k.sog_kn * horizon_s / 3600.0 * METRES_PER_NM,
                    )
                };
                let (a, b) = run(&o);
                let (c2, d) = run(t);
                distance_nm(a, b, c2, d)
            }
        })
        .fold(f64::INFINITY, f64::min)
}

/// The search with own ship taking up a new course or speed at once: these
/// tests check the geometry against the public `cpa`, which knows straight
/// lines only (the turning model has its own tests, `turning.rs`).
fn plan(
    own: &Kinematic,
    targets: &[AdviceTarget],
    duty: Duty,
    permitted: Permitted,
    cfg: &AdviceConfig,
) -> Plan {
    let ship = OwnShip {
        handling: Handling::INSTANT,
        fixed: None,
    };
    plan_for_ship(own, ship, targets, duty, permitted, cfg)
}

fn targets(list: &[Kinematic], pass_astern: bool) -> Vec<AdviceTarget> {
    list.iter()
        .map(|&kinematic| AdviceTarget {
            kinematic,
            pass_astern,
        })
        .collect()
}

fn either() -> Permitted {
    Permitted {
        sides: Sides::Either,
        speed_reduction: true,
    }
}

#[test]
fn keeps_course_when_nothing_is_required_or_already_clear() {
    let o = own(12.0);
    let t = meeting(&o, 270.0, 12.0, 1200.0);
    let cfg = AdviceConfig::default();
    for duty in [Duty::None, Duty::StandOn] {
        let p = plan(&o, &targets(&[t], true), duty, either(), &cfg);
        assert_eq!(p.course.action, Action::KeepCourseAndSpeed);
        assert!(!p.course.sufficient); // it is a collision course, and says so
        assert!(p.course.resulting_cpa_nm < 0.01);
        assert_eq!(p.speed, None);
    }
    // A give-way duty but already passing 2 NM off: nothing to do.
    let clear = at(90.0, 2.0, 12.0, 0.0);
    let p = plan(&o, &targets(&[clear], true), Duty::GiveWay, either(), &cfg);
    assert_eq!(p.course.action, Action::KeepCourseAndSpeed);
    assert!(p.course.sufficient);
    assert_eq!(p.course.new_cog_deg, 0.0);
    // No targets at all.
    let p = plan(&o, &[], Duty::GiveWay, either(), &cfg);
    assert!(p.course.sufficient && p.course.resulting_cpa_nm.is_infinite());
}

#[test]
fn may_act_is_searched_but_not_required() {
    let o = own(12.0);
    let t = meeting(&o, 45.0, 12.0, 400.0);
    let p = advise(
        &o,
        Role::PowerDriven,
        &[(t, Role::PowerDriven)],
        &ColregsConfig::default(),
        &AdviceConfig::default(),
    );
    assert_eq!(p.duty, Duty::MayAct);
    assert!(!p.action_required());
    // Rule 17(c): not to port for a vessel on her own port side.
    assert_eq!(p.permitted.unwrap().sides, Sides::Starboard);
    assert_eq!(p.course.direction, Direction::Starboard);
}

#[test]
fn sides_are_respected() {
    // Head-on: starboard only, even though port would need the same.
    let o = own(12.0);
    let t = meeting(&o, 180.0, 12.0, 900.0);
    let cfg = AdviceConfig::default();
    for (sides, dir) in [
        (Sides::Starboard, Direction::Starboard),
        (Sides::Port, Direction::Port),
        (Sides::PreferStarboard, Direction::Starboard),
        (Sides::Either, Direction::Starboard), // tie goes to starboard
    ] {
        let perm = Permitted {
            sides,
            speed_reduction: false,
        };
        let p = plan(&o, &targets(&[t], false), Duty::GiveWay, perm, &cfg);
        assert_eq!(p.course.direction, dir, "{sides:?}");
        assert_eq!(p.speed, None);
        assert!(p.course.sufficient);
    }
    // Target fine on the port bow, crossing slowly to starboard ahead: port
    // needs less than starboard. Either picks port, PreferStarboard still
    // starboard.
    let t = at(-20.0, 3.0, 3.0, 90.0);
    let e = plan(&o, &targets(&[t], false), Duty::GiveWay, either(), &cfg);
    let s = plan(
        &o,
        &targets(&[t], false),
        Duty::GiveWay,
        Permitted {
            sides: Sides::PreferStarboard,
            speed_reduction: true,
        },
        &cfg,
    );
    assert!(e.course.sufficient && s.course.sufficient);
    assert_eq!(s.course.direction, Direction::Starboard);
    if e.course.direction == Direction::Port {
        assert!(e.course.alteration_deg < s.course.alteration_deg);
    } else {
        assert!(e.course.alteration_deg <= s.course.alteration_deg);
    }
}

#[test]
fn prefers_passing_astern_of_a_crossing_vessel() {
    // A slow vessel on the port bow crossing to starboard, to which own
    // ship gives way (say she is sailing: Rule 18, either side). A starboard
    // turn would take own ship across her bow; Rule 15's "avoid crossing
    // ahead" asks for the port turn that passes astern.
    let o = own(14.0);
    let t = at(-30.0, 3.0, 6.0, 90.0);
    let cfg = AdviceConfig::default();
    let free = plan(&o, &targets(&[t], false), Duty::GiveWay, either(), &cfg);
    let astern = plan(&o, &targets(&[t], true), Duty::GiveWay, either(), &cfg);
    assert!(free.course.sufficient && astern.course.sufficient);
    // Without the preference the smallest turn is to starboard, across her bow.
    assert_eq!(free.course.direction, Direction::Starboard);
    let crossing = o.with_course(free.course.new_cog_deg);
    assert!(cpa(&t, &crossing).bcr_nm.is_some());
    // With it, port and astern.
    assert_eq!(astern.course.direction, Direction::Port);
    assert!(!astern.course.crosses_ahead);
    assert!(astern.course.alteration_deg >= free.course.alteration_deg);
    let new_own = o.with_course(astern.course.new_cog_deg);
    assert_eq!(cpa(&t, &new_own).bcr_nm, None);

    // When passing astern is impossible (starboard only, at most 40°),
    // crossing ahead is offered and flagged. (With 90° allowed a 69°
    // starboard turn would do: own ship then runs away from her track.)
    let stbd = Permitted {
        sides: Sides::Starboard,
        speed_reduction: false,
    };
    let tight = AdviceConfig {
        max_alteration_deg: 40.0,
        ..cfg
    };
    let forced = plan(&o, &targets(&[t], true), Duty::GiveWay, stbd, &tight);
    assert!(forced.course.sufficient);
    assert!(forced.course.crosses_ahead, "{:?}", forced.course);
    assert_eq!(forced.course.alteration_deg, free.course.alteration_deg);
    let wide = plan(&o, &targets(&[t], true), Duty::GiveWay, stbd, &cfg);
    assert!(wide.course.sufficient && !wide.course.crosses_ahead);
    assert!(wide.course.alteration_deg > 40.0);
}

#[test]
fn speed_alternative_is_the_smallest_apparent_reduction_that_works() {
    // Crossing from starboard: slowing lets her pass ahead.
    let o = own(12.0);
    let t = meeting(&o, 270.0, 12.0, 1200.0);
    let cfg = AdviceConfig::default();
    let p = advise(
        &o,
        Role::PowerDriven,
        &[(t, Role::PowerDriven)],
        &ColregsConfig::default(),
        &cfg,
    );
    let v = p.speed.expect("speed alternative offered in a crossing");
    assert_eq!(v.action, Action::ReduceSpeed);
    assert_eq!(v.direction, Direction::None);
    assert_eq!(v.new_cog_deg, 0.0);
    let sog = v.new_sog_kn.unwrap();
    assert!(sog <= 6.0 + 1e-9);
    assert!(v.sufficient);
    let got = recheck(&o, &[t], 0.0, sog, cfg.horizon_s);
    assert!(got >= cfg.pass_nm - 1e-3);
    // The next step up (if still a readily apparent reduction) is not enough.
    if sog + cfg.speed_step_kn <= 6.0 + 1e-9 {
        assert!(recheck(&o, &[t], 0.0, sog + cfg.speed_step_kn, cfg.horizon_s) < cfg.pass_nm);
    }
    // The course alteration is preferred when both work.
    assert_eq!(p.recommended().action, Action::AlterCourse);
}

#[test]
fn insufficient_is_reported_honestly() {
    // Boxed in: a line abreast of eleven ships 1.5 NM apart, 3 NM ahead,
    // steaming towards own ship. No gap is 2 NM wide and the line is too
    // long to go round within 90°.
    let o = own(12.0);
    let list: Vec<Kinematic> = (-5..=5)
        .map(|k| {
            let (lat, lon) = destination(LAT, LON, 0.0, 3.0 * METRES_PER_NM);
            let (lat, lon) = destination(lat, lon, 90.0, 1.5 * k as f64 * METRES_PER_NM);
            Kinematic::new(lat, lon, 12.0, 180.0)
        })
        .collect();
    let cfg = AdviceConfig::default();
    let p = plan(&o, &targets(&list, false), Duty::GiveWay, either(), &cfg);
    let c = p.course;
    assert!(!c.sufficient, "{c:?}");
    // The best candidate: nothing at 1° steps does better.
    let mut best: f64 = 0.0;
    for d in 20..=90 {
        for s in [1.0, -1.0] {
            best = best.max(recheck(&o, &list, s * d as f64, 12.0, cfg.horizon_s));
        }
    }
    assert!((best - c.resulting_cpa_nm).abs() < 0.01, "{best} vs {c:?}");
    assert!(best < cfg.pass_nm);
    assert!(c.limiting_target.is_some());
}

#[test]
fn ignores_and_counts_non_finite_targets() {
    let o = own(12.0);
    let good = meeting(&o, 270.0, 12.0, 1200.0);
    let bad = Kinematic::new(f64::NAN, 0.0, 1.0, 0.0);
    let p = plan(
        &o,
        &targets(&[bad, good, bad], true),
        Duty::GiveWay,
        either(),
        &AdviceConfig::default(),
    );
    assert_eq!(p.ignored_targets, 2);
    assert!(p.course.sufficient);
    // The limiting target is named by its place in the list given, not
    // among the targets left after the ignored ones.
    assert_eq!(p.course.limiting_target, Some(1));
    // Own ship not finite: nothing can be advised.
    let p = plan(
        &Kinematic::new(0.0, 0.0, f64::INFINITY, 0.0),
        &targets(&[good], true),
        Duty::GiveWay,
        either(),
        &AdviceConfig::default(),
    );
    assert!(!p.course.sufficient && p.course.resulting_cpa_nm.is_nan());
}

#[test]
fn json_is_snake_case() {
    let o = own(12.0);
    let t = meeting(&o, 270.0, 12.0, 1200.0);
    let p: Plan = advise(
        &o,
        Role::PowerDriven,
        &[(t, Role::PowerDriven)],
        &ColregsConfig::default(),
        &AdviceConfig::default(),
    );
    let v = serde_json::to_value(p).unwrap();
    assert_eq!(v["duty"], "give_way");
    assert_eq!(v["permitted"]["sides"], "starboard");
    assert_eq!(v["course"]["action"], "alter_course");
    assert_eq!(v["course"]["direction"], "starboard");
    assert_eq!(v["speed"]["action"], "reduce_speed");
    assert!(v["course"]["new_sog_kn"].is_null());
    assert!(v["speed"]["new_sog_kn"].as_f64().is_some());
    let cfg: AdviceConfig = serde_json::from_str(r#"{"pass_nm": 2.0}"#).unwrap();
    assert_eq!(cfg.pass_nm, 2.0);
    assert_eq!(cfg.min_alteration_deg, 20.0);
}

#[test]
fn generic_helper_for_other_hazards() {
    // Clear water only between 330 and 350 (port) and beyond 060 (stbd).
    let ok = |c: f64| ((330.0..=350.0).contains(&c) || (60.0..=100.0).contains(&c)).then_some(c);
    let a = smallest_alteration(0.0, Sides::Either, 10.0, 90.0, 1.0, ok).unwrap();
    assert_eq!((a.direction, a.alteration_deg), (Direction::Port, 10.0));
    assert_eq!(a.new_cog_deg, 350.0);
    assert_eq!(a.clearance, 350.0);
    let a = smallest_alteration(0.0, Sides::PreferStarboard, 10.0, 90.0, 1.0, ok).unwrap();
    assert_eq!(
        (a.direction, a.alteration_deg),
        (Direction::Starboard, 60.0)
    );
    let a = smallest_alteration(0.0, Sides::Starboard, 10.0, 50.0, 1.0, ok);
    assert_eq!(a, None);
    let a = smallest_alteration(0.0, Sides::Either, 10.0, 90.0, 0.25, |c| {
        (60.5..=180.0).contains(&c).then_some(1.0)
    })
    .unwrap();
    assert_eq!(a.alteration_deg, 60.5);
    assert_eq!(
        smallest_alteration(f64::NAN, Sides::Either, 10.0, 90.0, 1.0, ok),
        None
    );
    assert_eq!(
        smallest_alteration(0.0, Sides::Either, 10.0, 90.0, -1.0, ok),
        None
    );
}

/// Twenty targets closing from every side, none clear: the full ±90°
/// search (its speed is measured by `benches/advice.rs`) gives the same
/// plan every time, and that plan holds against every target when re-checked
/// with `cpa`: safe if it says so, else the best candidate there was.
#[test]
fn twenty_targets_are_judged_against_every_one() {
    let o = own(12.0);
    let list = twenty_around(&o);
    let ts = targets(&list, true);
    let cfg = AdviceConfig::default();
    let p = plan(&o, &ts, Duty::GiveWay, either(), &cfg);
    assert_eq!(p.ignored_targets, 0);
    for _ in 0..3 {
        assert_eq!(plan(&o, &ts, Duty::GiveWay, either(), &cfg), p);
    }
    // Nothing is clear on the present course.
    assert!(recheck(&o, &list, 0.0, 12.0, cfg.horizon_s) < cfg.pass_nm);
    let c = p.course;
    assert_eq!(c.action, Action::AlterCourse, "{c:?}");
    let got = recheck(&o, &list, c.new_cog_deg, 12.0, cfg.horizon_s);
    assert!((got - c.resulting_cpa_nm).abs() < 0.01, "{got} vs {c:?}");
    // The limiting target alone gives the resulting distance.
    let k = c.limiting_target.expect("a limiting target");
    let alone = recheck(&o, &list[k..=k], c.new_cog_deg, 12.0, cfg.horizon_s);
    assert!(
        (alone - c.resulting_cpa_nm).abs() < 0.01,
        "{alone} vs {c:?}"
    );
    if c.sufficient {
        assert!(got >= cfg.pass_nm - 1e-3, "{got} {c:?}");
    } else {
        let mut best: f64 = 0.0;
        for d in 20..=90 {
            for s in [1.0, -1.0] {
                best = best.max(recheck(&o, &list, s * d as f64, 12.0, cfg.horizon_s));
            }
        }
        assert!((best - c.resulting_cpa_nm).abs() < 0.01, "{best} vs {c:?}");
    }
    if let Some(v) = p.speed {
        assert_eq!(v.action, Action::ReduceSpeed);
        let sog = v.new_sog_kn.expect("a new speed");
        assert!(sog < 12.0);
        let got = recheck(&o, &list, 0.0, sog, cfg.horizon_s);
        assert!((got - v.resulting_cpa_nm).abs() < 0.01, "{got} vs {v:?}");
        if v.sufficient {
            assert!(got >= cfg.pass_nm - 1e-3);
        }
    }
}

/// Twenty targets on courses 100°–252° at 8–12 kn, each meeting own ship
/// after 20–39 minutes.
fn twenty_around(o: &Kinematic) -> Vec<Kinematic> {
    (0..20)
        .map(|i| {
            meeting(
                o,
                100.0 + 8.0 * i as f64,
                8.0 + (i % 5) as f64,
                1200.0 + 60.0 * i as f64,
            )
        })
        .collect()
}

/// A random picture: own ship and 1–8 targets within ~6 NM, moving.
fn picture() -> impl Strategy<Value = (Kinematic, Vec<Kinematic>)> {
    (
        -70.0..70.0f64,
        -180.0..180.0f64,
        2.0..20.0f64,
        0.0..360.0f64,
        prop::collection::vec(
            (0.0..360.0f64, 0.3..6.0f64, 0.0..20.0f64, 0.0..360.0f64),
            1..8,
        ),
    )
        .prop_map(|(lat, lon, kn, cog, ts)| {
            let o = Kinematic::new(lat, lon, kn, cog);
            let list = ts
                .into_iter()
                .map(|(b, r, k, c)| {
                    let (la, lo) = destination(lat, lon, b, r * METRES_PER_NM);
                    Kinematic::new(la, lo, k, c)
                })
                .collect();
            (o, list)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Whatever the picture, advice that says it is sufficient is safe
    /// against every target when re-checked with `cpa`, and advice that
    /// says it is not is the best candidate there was.
    #[test]
    fn advice_is_safe_against_every_target((o, list) in picture(), astern in any::<bool>()) {
        let cfg = AdviceConfig::default();
        let ts = targets(&list, astern);
        let p = plan(&o, &ts, Duty::GiveWay, either(), &cfg);
        let c = p.course;
        let got = recheck(&o, &list, c.new_cog_deg, o.sog_kn, cfg.horizon_s);
        prop_assert!((got - c.resulting_cpa_nm).abs() < 0.01, "{got} vs {c:?}");
        if c.sufficient {
            prop_assert!(got >= cfg.pass_nm - 1e-3, "{got} {c:?}");
        } else {
            prop_assert_eq!(c.action, Action::AlterCourse);
            let mut best: f64 = 0.0;
            for d in 20..=90 {
                for s in [1.0, -1.0] {
                    let m = recheck(&o, &list, o.cog_deg + s * d as f64, o.sog_kn, cfg.horizon_s);
                    prop_assert!(m < cfg.pass_nm + 0.01, "{d}: {m}");
                    best = best.max(m);
                }
            }
            prop_assert!((best - c.resulting_cpa_nm).abs() < 0.01);
        }
        if let Some(v) = p.speed {
            let got = recheck(&o, &list, o.cog_deg, v.new_sog_kn.unwrap(), cfg.horizon_s);
            prop_assert!((got - v.resulting_cpa_nm).abs() < 0.01);
            if v.sufficient {
                prop_assert!(got >= cfg.pass_nm - 1e-3);
            }
        }
    }
}

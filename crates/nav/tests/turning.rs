//! Advice as a ship makes it: every manoeuvre the search calls sufficient,
//! with own ship turning at her rate of turn and slowing at her
//! deceleration, keeps the passing distance from every target when the
//! manoeuvre is stepped through time on the ellipsoid (`common`), and the
//! distance it reports is the one the ship gets.

use finisterra_nav::advice::{plan, Action, AdviceConfig, AdviceTarget, Permitted, Sides};
use finisterra_nav::colregs::Duty;
use finisterra_nav::cpa::Kinematic;
use finisterra_nav::geo::{destination, normalize_deg_180, METRES_PER_NM};
use finisterra_nav::manoeuvre::Handling;
use proptest::prelude::*;

mod common;

/// Own ship and 2–7 targets within ~6 NM, the first on a collision course.
fn picture() -> impl Strategy<Value = (Kinematic, Vec<Kinematic>)> {
    (
        -60.0..60.0f64,
        -180.0..180.0f64,
        6.0..20.0f64,
        0.0..360.0f64,
        (0.0..360.0f64, 4.0..12.0f64, 300.0..1500.0f64),
        prop::collection::vec(
            (0.0..360.0f64, 0.5..6.0f64, 0.0..20.0f64, 0.0..360.0f64),
            1..7,
        ),
    )
        .prop_map(|(lat, lon, kn, cog, (tcog, tkn, tcpa), ts)| {
            let o = Kinematic::new(lat, lon, kn, cog);
            // The first target meets own ship after `tcpa` seconds.
            let run = |k: f64| k * tcpa / 3600.0 * METRES_PER_NM;
            let (plat, plon) = destination(lat, lon, cog, run(kn));
            let (la, lo) = destination(plat, plon, tcog + 180.0, run(tkn));
            let mut list = vec![Kinematic::new(la, lo, tkn, tcog)];
            list.extend(ts.into_iter().map(|(b, r, k, c)| {
                let (la, lo) = destination(lat, lon, b, r * METRES_PER_NM);
                Kinematic::new(la, lo, k, c)
            }));
            (o, list)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn sufficient_advice_is_safe_as_the_ship_turns_and_slows((o, list) in picture()) {
        let cfg = AdviceConfig { horizon_s: 1500.0, ..AdviceConfig::default() };
        let ts: Vec<AdviceTarget> = list
            .iter()
            .map(|&kinematic| AdviceTarget { kinematic, pass_astern: false })
            .collect();
        let permitted = Permitted { sides: Sides::PreferStarboard, speed_reduction: true };
        let p = plan(&o, &ts, Duty::GiveWay, permitted, &cfg);
        let h = Handling::for_ship(None, o.sog_kn, &cfg);
        for a in [Some(p.course), p.speed, p.combined].into_iter().flatten() {
            if a.action == Action::KeepCourseAndSpeed {
                continue;
            }
            let signed = normalize_deg_180(a.new_cog_deg - o.cog_deg);
            let sog = a.new_sog_kn.unwrap_or(o.sog_kn);
            let got = common::min_distance_nm(&o, &list, signed, sog, &h, cfg.horizon_s);
            // The search works in the pair's flat frame, the check on the
            // ellipsoid: they part by up to about 0.2 % of the distances
            // run (0.0103 NM at 56° S with targets 6–8 NM off, a case CI
            // found; kept in turning.proptest-regressions).
            prop_assert!((got - a.resulting_cpa_nm).abs() < 0.02, "{got} vs {a:?}");
            if a.sufficient {
                prop_assert!(got >= cfg.pass_nm - 0.005, "{got} vs {a:?}");
            }
        }
    }
}

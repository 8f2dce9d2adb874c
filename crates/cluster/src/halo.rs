//! How far round its home a message must go so that no pair is split.
//!
//! **Ships** (the engine's collision screening, from [`Config`]). A worker
//! must hold every vessel that the single machine lets bear on the
//! judgements it owns: both vessels of a pair, and every vessel within
//! reach of either one's advice (the advice, and so `risk.updated`, change
//! with them).
//!
//! - A pair is judged only when its first look passes, `CPA < 1.1 ×
//!   (warning_cpa × clear factor × 1.02 + 30 m) + 100 m` and `TCPA < 1.1 ×
//!   warning_tcpa × clear factor` (the engine's `close_pair`): its vessels
//!   are at most `closing × TCPA + CPA` apart at the screening time, the
//!   largest closing speed being twice the picture's `max_speed_kn` (a
//!   faster track is a teleport and is refused).
//! - A vessel's advice considers every vessel that could come within the
//!   passing distance within the advice horizon, whatever she does (the
//!   engine's `advising::reachable`): at most `(2 × max_speed) × horizon +
//!   1.05 × passing distance + 100 m`, plus 1 % of the range.
//! - Positions are routed as *reported*, up to `max_dead_reckoning_s`
//!   before the judgement: add the dead reckoning of the two vessels at the
//!   ends, `2 × max_speed × max_dead_reckoning_s`.
//!
//! The owner (the home of `a`) thus needs every vessel within pair reach +
//! advice reach + dead reckoning of its cells. With the defaults (1 NM,
//! 20 min, factor 1.2, 60 kn, advice horizon 30 min and passing distance
//! 1.26 NM, 600 s):
//!
//! ```text
//! pair: closing 120 kn × 1,584 s     97,786 m   ( 52.8 NM)
//! pair: first-look CPA bound          2,627 m   (  1.4 NM)
//! advice: 120 kn × 1,800 s + 1.32 NM 114,818 m  ( 62.0 NM)
//! dead reckoning 2 × 60 kn × 600 s   37,040 m   ( 20.0 NM)
//! sum                               252,270 m   (136.2 NM)
//! + 1 % (flat-plane vs. geodesic)   254,793 m   (137.6 NM)
//! ```
//!
//! The bound assumes reported speeds within `max_speed_kn`: the picture
//! refuses *positions* implying more, but a reported SOG above it (a
//! planted cargo ship at 48 kn is within; 102 kn would not be) is dead
//! reckoned as reported, up to 600 s.
//!
//! Without the advice term (75.0 NM) every pair is still whole, but a
//! vessel beyond it can change an advice, and so a `risk.updated`, that the
//! owner then does not see (found by the 1,500-vessel equivalence run: one
//! `risk.updated` of 7,102 missing). The dead-reckoning term doubles as the
//! margin of an open risk: its owner keeps both vessels while they drift up
//! to 20 NM (plus the advice reach) from where it was raised.
//!
//! **Aircraft** (Mode S / ADS-B air conflicts, judged by the engine's air
//! pass): closing at twice the fastest ground speed the air picture
//! believes (`air.max_speed_kn`, 2,000 kn: faster is refused as a teleport)
//! over the look-ahead plus one air screening period (120 s + 4 s), plus
//! the separation minimum (5 NM), plus the dead reckoning of both positions
//! up to their staleness limit (2 × 2,000 kn × 20 s), plus 1 %: 166.7 NM
//! ([`Halo::air`]; `Halo::aircraft` gives the same terms for other
//! figures). Airspace events are one aircraft's and are owned at its home.
//! AIS SAR aircraft (message 9) are routed with the ships (their halo,
//! 137.6 NM, covers a SAR aircraft below 300 kn closing on a 2,000 kn one:
//! 2,300 kn × 144 s + 5 NM = 97 NM).

use finisterra_engine::Config;
use finisterra_nav::geo::{METRES_PER_NM, MPS_PER_KN};

/// The terms of a halo, metres (so that the number can be shown whole).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Halo {
    /// Largest closing speed × the longest time to CPA that is judged.
    pub approach_m: f64,
    /// The largest CPA that is judged (or the separation minimum).
    pub reach_m: f64,
    /// How far a vessel's advice looks for other vessels.
    pub advice_m: f64,
    /// Dead reckoning of both vessels from their reported positions.
    pub dead_reckoning_m: f64,
    /// The halo: the sum plus 1 %.
    pub total_m: f64,
}

impl Halo {
    fn of(approach_m: f64, reach_m: f64, advice_m: f64, dead_reckoning_m: f64) -> Halo {
        Halo {
            approach_m,
            reach_m,
            advice_m,
            dead_reckoning_m,
            total_m: (approach_m + reach_m + advice_m + dead_reckoning_m) * 1.01,
        }
    }

    /// The pair's reach alone (approach and CPA bound, dead reckoning, 1 %):
    /// what keeps every pair whole, without the advice's neighbours.
    pub fn pair_m(&self) -> f64 {
        (self.approach_m + self.reach_m + self.dead_reckoning_m) * 1.01
    }

    /// The ships' halo for these engine settings.
    pub fn ships(cfg: &Config) -> Halo {
        let r = &cfg.risk;
        let f = r.clear_factor.max(1.0);
        let flat_cpa_m = r.warning_cpa_nm * METRES_PER_NM * f * 1.02 + 30.0;
        let reach_m = flat_cpa_m * 1.1 + 100.0;
        let tcpa_s = r.warning_tcpa_s * f * 1.1;
        let closing_mps = 2.0 * cfg.picture.max_speed_kn * MPS_PER_KN;
        let dr_m = 2.0 * cfg.picture.max_speed_kn * MPS_PER_KN * r.max_dead_reckoning_s.max(0.0);
        let adv = cfg.advice();
        let advice_m =
            (closing_mps * adv.horizon_s + adv.pass_nm * METRES_PER_NM * 1.05 + 100.0) / 0.99;
        Halo::of(closing_mps * tcpa_s, reach_m, advice_m, dr_m)
    }

    /// The aircraft halo: `max_gs_kn` each, the conflict look-ahead and
    /// separation, one screening period.
    pub fn aircraft(
        max_gs_kn: f64,
        lookahead_s: f64,
        separation_nm: f64,
        screen_interval_s: f64,
    ) -> Halo {
        let closing_mps = 2.0 * max_gs_kn * MPS_PER_KN;
        Halo::of(
            closing_mps * (lookahead_s + screen_interval_s),
            separation_nm * METRES_PER_NM,
            0.0,
            0.0,
        )
    }

    /// The aircraft halo with the defaults (700 kn, 120 s, 5 NM, 10 s).
    pub fn aircraft_default() -> Halo {
        Halo::aircraft(700.0, 120.0, 5.0, 10.0)
    }

    /// The halo of Mode S aircraft for these engine settings: the fastest
    /// ground speed the air picture believes, the look-ahead and one air
    /// screening period, the separation, and the dead reckoning of both
    /// positions up to their staleness limit.
    pub fn air(cfg: &Config) -> Halo {
        let a = &cfg.air;
        let closing_mps = 2.0 * a.max_speed_kn * MPS_PER_KN;
        Halo::of(
            closing_mps * (a.lookahead_s + a.screen_interval_s),
            a.separation_nm * METRES_PER_NM,
            0.0,
            closing_mps * a.stale_s,
        )
    }

    /// The halo, nautical miles.
    pub fn total_nm(&self) -> f64 {
        self.total_m / METRES_PER_NM
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stated_numbers() {
        let h = Halo::ships(&Config::default());
        assert!((h.approach_m - 97_785.6).abs() < 1.0, "{h:?}");
        assert!((h.reach_m - 2_626.5).abs() < 1.0, "{h:?}");
        assert!((h.advice_m - 114_818.4).abs() < 1.0, "{h:?}");
        assert!((h.dead_reckoning_m - 37_040.0).abs() < 1.0, "{h:?}");
        assert!((h.pair_m() / 1852.0 - 74.96).abs() < 0.05, "{}", h.pair_m());
        assert!((h.total_nm() - 137.6).abs() < 0.05, "{}", h.total_nm());
        let a = Halo::aircraft_default();
        assert!((a.total_nm() - 56.1).abs() < 0.1, "{}", a.total_nm());
        let air = Halo::air(&Config::default());
        assert!((air.total_nm() - 166.65).abs() < 0.1, "{}", air.total_nm());
    }
}

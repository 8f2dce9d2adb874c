//! Engine settings, all with defaults close to practice.

use finisterra_nav::advice::AdviceConfig;
use finisterra_nav::colregs::ColregsConfig;
use serde::{Deserialize, Serialize};

/// Collision-risk thresholds and their hysteresis.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RiskConfig {
    /// Alarm when the predicted CPA is below this, nautical miles
    /// (default 0.5: coastal practice).
    pub alarm_cpa_nm: f64,
    /// ... and 0 < TCPA below this, seconds (default 12 min).
    pub alarm_tcpa_s: f64,
    /// Warning when the predicted CPA is below this, nautical miles
    /// (default 1.0).
    pub warning_cpa_nm: f64,
    /// ... and 0 < TCPA below this, seconds (default 20 min).
    pub warning_tcpa_s: f64,
    /// Hysteresis: an open level holds until CPA exceeds its threshold by
    /// this factor, or TCPA leaves its window by this factor (default 1.2).
    pub clear_factor: f64,
    /// ... and only after the lower level has persisted this long, seconds
    /// (default 30 s), so that a flickering alarm does not re-fire.
    pub clear_after_s: f64,
    /// A pair whose vessels are both slower than this is never at risk
    /// (default 0.5 kn: moored or at anchor).
    pub stationary_kn: f64,
    /// A pair whose relative speed is below this is keeping station (tug
    /// alongside, ship-to-ship transfer, convoy): CPA/TCPA mean nothing and
    /// no risk is raised (default 0.5 kn).
    pub in_company_kn: f64,
    /// `risk.updated` for a change of CPA alone needs at least this change,
    /// nautical miles (default 0.1).
    pub update_cpa_nm: f64,
    /// ... and at least this long since the last event of the pair, seconds
    /// (default 60). Level, ruling and advice changes are reported at once.
    pub update_min_interval_s: f64,
    /// Vessels are predicted at most this far ahead of their last fix by
    /// dead reckoning, seconds (default 600); older fixes are not screened.
    pub max_dead_reckoning_s: f64,
}

impl Default for RiskConfig {
    fn default() -> Self {
        RiskConfig {
            alarm_cpa_nm: 0.5,
            alarm_tcpa_s: 12.0 * 60.0,
            warning_cpa_nm: 1.0,
            warning_tcpa_s: 20.0 * 60.0,
            clear_factor: 1.2,
            clear_after_s: 30.0,
            stationary_kn: 0.5,
            in_company_kn: 0.5,
            update_cpa_nm: 0.1,
            update_min_interval_s: 60.0,
            max_dead_reckoning_s: 600.0,
        }
    }
}

/// What the picture accepts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PictureConfig {
    /// A fix implying more than this speed from the previous accepted fix
    /// is a "teleport" and rejected, knots (default 60).
    pub max_speed_kn: f64,
    /// The same for SAR aircraft (type 9), knots (default 600).
    pub max_speed_aircraft_kn: f64,
    /// Distance always allowed between fixes whatever the time (GNSS noise
    /// and one-second time resolution), metres (default 250).
    pub jump_allowance_m: f64,
    /// Consistent fixes needed, while the main track is silent, to move a
    /// vessel to a new position that the teleport check rejected
    /// (default 3).
    pub reacquire_fixes: u32,
    /// A target is lost after this many of its expected reporting intervals
    /// without a position (default 6)...
    pub lost_after_intervals: f64,
    /// ... but never sooner than this, seconds (default 360: six minutes,
    /// a little under OpenCPN's eight)...
    pub lost_min_s: f64,
    /// ... nor later than this, seconds (default 1800).
    pub lost_max_s: f64,
    /// Lost vessels are forgotten (removed with their static data) after
    /// this long without any message, seconds (default 6 h).
    pub forget_after_s: f64,
    /// A distress event for the same device and reason is repeated at most
    /// this often, seconds (default 600).
    pub distress_repeat_s: f64,
}

impl Default for PictureConfig {
    fn default() -> Self {
        PictureConfig {
            max_speed_kn: 60.0,
            max_speed_aircraft_kn: 600.0,
            jump_allowance_m: 250.0,
            reacquire_fixes: 3,
            lost_after_intervals: 6.0,
            lost_min_s: 360.0,
            lost_max_s: 1800.0,
            forget_after_s: 6.0 * 3600.0,
            distress_repeat_s: 600.0,
        }
    }
}

/// Fixed hazards: land, aids to navigation, user hazards.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HazardConfig {
    /// Look-ahead along each vessel's course, seconds (default 30 min).
    pub horizon_s: f64,
    /// Warning when the predicted track comes within this distance of
    /// land or a hazard, nautical miles (default 1.0).
    pub safety_nm: f64,
    /// Alarm when it reaches the hazard itself (grounding) within this
    /// time, seconds (default 10 min).
    pub alarm_s: f64,
    /// Vessels slower than this raise nothing (at anchor, moored,
    /// manoeuvring in harbour), knots (default 3).
    pub min_sog_kn: f64,
    /// Radius round a fixed aid to navigation (lighthouse, beacon, fixed
    /// structure; message 21 types 1-19), nautical miles (default 0.5).
    pub aton_radius_nm: f64,
    /// Radius round a virtual aid to navigation (marking a new danger or a
    /// wreck), nautical miles (default 0.25). Floating aids (buoys) are
    /// passed closely by design and are not hazards.
    pub virtual_aton_radius_nm: f64,
    /// Smallest course alteration offered to clear a hazard, degrees
    /// (default 5: Rule 8's "readily apparent" is about other ships).
    pub min_alteration_deg: f64,
}

impl Default for HazardConfig {
    fn default() -> Self {
        HazardConfig {
            horizon_s: 1800.0,
            safety_nm: 1.0,
            alarm_s: 600.0,
            min_sog_kn: 3.0,
            aton_radius_nm: 0.5,
            virtual_aton_radius_nm: 0.25,
            min_alteration_deg: 5.0,
        }
    }
}

/// All engine settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Collision-risk thresholds.
    pub risk: RiskConfig,
    /// Picture filters and ageing.
    pub picture: PictureConfig,
    /// COLREGs sector tolerances and Rule 17 stages. Its risk thresholds
    /// are set from [`RiskConfig`]'s warning level by [`Config::colregs`].
    pub colregs: ColregsConfig,
    /// Advice search limits (passing distance, minimum alteration...).
    pub advice: AdviceConfig,
    /// Fixed hazards.
    pub hazards: HazardConfig,
    /// Zones: look-ahead for `zone.predicted`, seconds (default 30 min).
    pub zone_horizon_s: f64,
    /// Screening period, seconds of data time (default 10).
    pub screen_interval_s: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            risk: RiskConfig::default(),
            picture: PictureConfig::default(),
            colregs: ColregsConfig::default(),
            advice: AdviceConfig::default(),
            hazards: HazardConfig::default(),
            zone_horizon_s: 1800.0,
            screen_interval_s: DEFAULT_SCREEN_INTERVAL_S,
        }
    }
}

impl Config {
    /// The COLREGs configuration with the risk window of the warning level.
    pub fn colregs(&self) -> ColregsConfig {
        ColregsConfig {
            risk_cpa_nm: self.risk.warning_cpa_nm,
            risk_tcpa_s: self.risk.warning_tcpa_s,
            ..self.colregs
        }
    }

    /// The advice configuration with a horizon covering the warning window
    /// and a passing distance that clears the warning: at least the
    /// warning CPA times the clear factor, plus 5 % for the time the turn
    /// takes (the search assumes an instant turn). With the defaults:
    /// 1.26 NM, so that a ship following the advice sees her risk cleared.
    pub fn advice(&self) -> AdviceConfig {
        let clears = self.risk.warning_cpa_nm * self.risk.clear_factor.max(1.0) * 1.05;
        AdviceConfig {
            horizon_s: self.advice.horizon_s.max(self.risk.warning_tcpa_s),
            pass_nm: self.advice.pass_nm.max(clears),
            ..self.advice
        }
    }
}

/// Default screening period.
pub(crate) const DEFAULT_SCREEN_INTERVAL_S: f64 = 10.0;

impl Config {
    pub(crate) fn screen_interval_ms(&self) -> i64 {
        let s = if self.screen_interval_s > 0.0 {
            self.screen_interval_s
        } else {
            DEFAULT_SCREEN_INTERVAL_S
        };
        (s * 1000.0) as i64
    }
}

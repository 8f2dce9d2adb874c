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
    /// A screening pass at data time T is worked out on a thread of its
    /// own and its findings told at the first message at or after T plus
    /// this, seconds of data time (default 0: in line, at T). Above 0 a
    /// long pass (hundreds of thousands of vessels) never holds up the
    /// alarm on arrival of the positions that come meanwhile: they are
    /// judged against the picture before the pass, and their word on a
    /// pair is the last. Must be below `screen_interval_s`.
    pub pass_lag_s: f64,
    /// The air picture: separation minima, look-ahead, ageing, airspace.
    pub air: crate::air::AirConfig,
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
            pass_lag_s: 0.0,
            air: crate::air::AirConfig::default(),
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
    /// The screening period in ms ([`Config::screen_interval_s`], its
    /// default when not above 0): passes run at its multiples of data time.
    pub fn screen_interval_ms(&self) -> i64 {
        let s = if self.screen_interval_s > 0.0 {
            self.screen_interval_s
        } else {
            DEFAULT_SCREEN_INTERVAL_S
        };
        (s * 1000.0) as i64
    }

    /// [`Config::pass_lag_s`] in ms (0 when not a number above 0).
    pub fn pass_lag_ms(&self) -> i64 {
        if self.pass_lag_s > 0.0 && self.pass_lag_s.is_finite() {
            ((self.pass_lag_s * 1000.0) as i64).max(1)
        } else {
            0
        }
    }
}

/// Why a settings file was refused: one line naming the key (its JSON path,
/// such as `risk.alarm_cpa_nm`) and, for a value, the value and the rule.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfigError {
    /// The text is not JSON, or a value does not fit its field (serde's
    /// message, with its line and column).
    Json(String),
    /// A key that no setting has, with the nearest valid key.
    UnknownKey {
        /// The key's path.
        key: String,
        /// The nearest valid key (edit distance), as a path.
        suggestion: Option<String>,
    },
    /// A value of the wrong JSON type (a string for a number, a number for
    /// a group of settings...).
    WrongType {
        /// The key's path.
        key: String,
        /// The type the setting takes.
        expected: &'static str,
        /// The type given.
        found: &'static str,
    },
    /// A value that would disable a safeguard or makes no sense.
    Unsafe {
        /// The key's path.
        key: String,
        /// The value given.
        value: f64,
        /// The rule it breaks.
        rule: String,
    },
}

impl ConfigError {
    /// The key's path (empty for a [`ConfigError::Json`] error).
    pub fn key(&self) -> &str {
        match self {
            ConfigError::Json(_) => "",
            ConfigError::UnknownKey { key, .. }
            | ConfigError::WrongType { key, .. }
            | ConfigError::Unsafe { key, .. } => key,
        }
    }

    /// The refused value, for [`ConfigError::Unsafe`].
    pub fn value(&self) -> Option<f64> {
        match self {
            ConfigError::Unsafe { value, .. } => Some(*value),
            _ => None,
        }
    }

    /// The rule broken, for [`ConfigError::Unsafe`].
    pub fn rule(&self) -> Option<&str> {
        match self {
            ConfigError::Unsafe { rule, .. } => Some(rule),
            _ => None,
        }
    }
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigError::Json(m) => write!(f, "not valid settings: {m}"),
            ConfigError::UnknownKey {
                key,
                suggestion: Some(s),
            } => write!(f, "unknown key {key:?}; did you mean {s:?}?"),
            ConfigError::UnknownKey {
                key,
                suggestion: None,
            } => write!(f, "unknown key {key:?}"),
            ConfigError::WrongType {
                key,
                expected,
                found,
            } => write!(f, "key {key:?} must be {expected}, not {found}"),
            ConfigError::Unsafe { key, value, rule } => {
                write!(f, "unsafe value {key} = {value}: {rule}")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

/// The checks of one group of settings: each rule written once, each error
/// naming the key's path.
pub(crate) struct Check<'a> {
    prefix: &'a str,
}

impl<'a> Check<'a> {
    fn new(prefix: &'a str) -> Check<'a> {
        Check { prefix }
    }

    fn path(&self, name: &str) -> String {
        join(self.prefix, name)
    }

    fn fail(&self, name: &str, value: f64, rule: impl Into<String>) -> Result<(), ConfigError> {
        Err(ConfigError::Unsafe {
            key: self.path(name),
            value,
            rule: rule.into(),
        })
    }

    fn finite(&self, name: &str, v: f64) -> Result<(), ConfigError> {
        if v.is_finite() {
            Ok(())
        } else {
            self.fail(name, v, "must be a finite number")
        }
    }

    /// A distance, time or threshold where zero would disable a safeguard.
    fn positive(&self, name: &str, v: f64) -> Result<(), ConfigError> {
        self.finite(name, v)?;
        if v > 0.0 {
            Ok(())
        } else {
            self.fail(
                name,
                v,
                "must be greater than 0 (0 or less would disable it)",
            )
        }
    }

    /// A quantity that cannot be negative (zero is meaningful).
    fn non_negative(&self, name: &str, v: f64) -> Result<(), ConfigError> {
        self.finite(name, v)?;
        if v >= 0.0 {
            Ok(())
        } else {
            self.fail(name, v, "must not be negative")
        }
    }

    fn between(&self, name: &str, v: f64, lo: f64, hi: f64) -> Result<(), ConfigError> {
        self.finite(name, v)?;
        if (lo..=hi).contains(&v) {
            Ok(())
        } else {
            self.fail(name, v, format!("must be between {lo} and {hi}"))
        }
    }

    fn at_least_one(&self, name: &str, v: f64) -> Result<(), ConfigError> {
        self.finite(name, v)?;
        if v >= 1.0 {
            Ok(())
        } else {
            self.fail(
                name,
                v,
                "must be at least 1 (below 1 would clear a risk that is still there)",
            )
        }
    }

    /// `name` (value `v`) must not exceed `other` (value `o`), a sibling.
    fn not_above(&self, name: &str, v: f64, other: &str, o: f64) -> Result<(), ConfigError> {
        if v <= o {
            Ok(())
        } else {
            self.fail(
                name,
                v,
                format!("must not exceed {} ({o})", self.path(other)),
            )
        }
    }
}

impl RiskConfig {
    /// Refuses values that would disable or invert collision-risk alarms.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let c = Check::new("risk");
        c.positive("alarm_cpa_nm", self.alarm_cpa_nm)?;
        c.positive("alarm_tcpa_s", self.alarm_tcpa_s)?;
        c.positive("warning_cpa_nm", self.warning_cpa_nm)?;
        c.positive("warning_tcpa_s", self.warning_tcpa_s)?;
        c.not_above(
            "alarm_cpa_nm",
            self.alarm_cpa_nm,
            "warning_cpa_nm",
            self.warning_cpa_nm,
        )?;
        c.not_above(
            "alarm_tcpa_s",
            self.alarm_tcpa_s,
            "warning_tcpa_s",
            self.warning_tcpa_s,
        )?;
        c.at_least_one("clear_factor", self.clear_factor)?;
        c.non_negative("clear_after_s", self.clear_after_s)?;
        c.non_negative("stationary_kn", self.stationary_kn)?;
        c.non_negative("in_company_kn", self.in_company_kn)?;
        c.non_negative("update_cpa_nm", self.update_cpa_nm)?;
        c.non_negative("update_min_interval_s", self.update_min_interval_s)?;
        c.positive("max_dead_reckoning_s", self.max_dead_reckoning_s)
    }
}

impl PictureConfig {
    /// The picture for times of this resolution, seconds (60 for times
    /// stamped by the minute): the distance always allowed between fixes
    /// grows by what the fastest vessel covers in that time, so that two
    /// fixes stamped with one minute are motion, not a teleport.
    pub fn for_time_resolution(mut self, resolution_s: f64) -> PictureConfig {
        self.jump_allowance_m += self.max_speed_kn * finisterra_nav::geo::MPS_PER_KN * resolution_s;
        self
    }

    /// Refuses values that would reject every fix, or lose or forget
    /// targets at once. Keys are named under `picture.`.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let c = Check::new("picture");
        c.positive("max_speed_kn", self.max_speed_kn)?;
        c.positive("max_speed_aircraft_kn", self.max_speed_aircraft_kn)?;
        c.non_negative("jump_allowance_m", self.jump_allowance_m)?;
        c.positive("lost_after_intervals", self.lost_after_intervals)?;
        c.positive("lost_min_s", self.lost_min_s)?;
        c.positive("lost_max_s", self.lost_max_s)?;
        c.not_above("lost_min_s", self.lost_min_s, "lost_max_s", self.lost_max_s)?;
        c.positive("forget_after_s", self.forget_after_s)?;
        c.non_negative("distress_repeat_s", self.distress_repeat_s)
    }
}

impl HazardConfig {
    /// Refuses values that would disable hazard warnings and alarms.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let c = Check::new("hazards");
        c.positive("horizon_s", self.horizon_s)?;
        c.positive("safety_nm", self.safety_nm)?;
        c.positive("alarm_s", self.alarm_s)?;
        c.non_negative("min_sog_kn", self.min_sog_kn)?;
        c.non_negative("aton_radius_nm", self.aton_radius_nm)?;
        c.non_negative("virtual_aton_radius_nm", self.virtual_aton_radius_nm)?;
        c.between("min_alteration_deg", self.min_alteration_deg, 0.0, 180.0)
    }
}

fn validate_colregs(k: &ColregsConfig) -> Result<(), ConfigError> {
    let c = Check::new("colregs");
    c.between("head_on_deg", k.head_on_deg, 0.0, 90.0)?;
    c.between(
        "overtaking_from_bow_deg",
        k.overtaking_from_bow_deg,
        90.0,
        180.0,
    )?;
    // Replaced by the warning level (`Config::colregs`), but still checked.
    c.non_negative("risk_cpa_nm", k.risk_cpa_nm)?;
    c.non_negative("risk_tcpa_s", k.risk_tcpa_s)?;
    c.positive("may_act_range_nm", k.may_act_range_nm)?;
    c.positive("may_act_tcpa_s", k.may_act_tcpa_s)?;
    c.positive("must_act_range_nm", k.must_act_range_nm)?;
    c.positive("must_act_tcpa_s", k.must_act_tcpa_s)?;
    c.not_above(
        "must_act_range_nm",
        k.must_act_range_nm,
        "may_act_range_nm",
        k.may_act_range_nm,
    )?;
    c.not_above(
        "must_act_tcpa_s",
        k.must_act_tcpa_s,
        "may_act_tcpa_s",
        k.may_act_tcpa_s,
    )
}

fn validate_advice(a: &AdviceConfig) -> Result<(), ConfigError> {
    let c = Check::new("advice");
    // Raised to clear the warning (`Config::advice`), never lowered.
    c.non_negative("pass_nm", a.pass_nm)?;
    c.positive("horizon_s", a.horizon_s)?;
    c.between("max_alteration_deg", a.max_alteration_deg, 0.0, 180.0)?;
    c.positive("max_alteration_deg", a.max_alteration_deg)?;
    c.between("min_alteration_deg", a.min_alteration_deg, 0.0, 180.0)?;
    c.not_above(
        "min_alteration_deg",
        a.min_alteration_deg,
        "max_alteration_deg",
        a.max_alteration_deg,
    )?;
    c.positive("step_deg", a.step_deg)?;
    c.between("min_speed_reduction", a.min_speed_reduction, 0.0, 1.0)?;
    c.positive("speed_step_kn", a.speed_step_kn)?;
    // The manoeuvring model: a ship that turns or slows at once would be
    // advised turns she cannot make in time (zero or absurd values refused).
    c.between("turn_radius_lengths", a.turn_radius_lengths, 0.5, 20.0)?;
    c.between("max_turn_deg_per_min", a.max_turn_deg_per_min, 1.0, 600.0)?;
    c.between("unknown_length_m", a.unknown_length_m, 5.0, 500.0)?;
    c.between(
        "deceleration_kn_per_min",
        a.deceleration_kn_per_min,
        0.05,
        30.0,
    )
}

impl Config {
    /// Refuses values that would silently disable a safeguard (a zero or
    /// negative alarm distance, horizon, screening interval, lost-after
    /// time or safety distance), an alarm level above its warning level,
    /// and values that are not finite. The error names the first key that
    /// breaks a rule, its value and the rule. `Config::default()` passes.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.risk.validate()?;
        self.picture.validate()?;
        validate_colregs(&self.colregs)?;
        validate_advice(&self.advice)?;
        self.hazards.validate()?;
        let c = Check::new("");
        c.positive("zone_horizon_s", self.zone_horizon_s)?;
        c.positive("screen_interval_s", self.screen_interval_s)?;
        c.non_negative("pass_lag_s", self.pass_lag_s)?;
        if self.pass_lag_s >= self.screen_interval_s {
            return c.fail(
                "pass_lag_s",
                self.pass_lag_s,
                "must be below screen_interval_s (a pass's findings are told before the next pass)",
            );
        }
        self.air.validate()
    }

    /// Settings from JSON: any subset of the keys of `--print-config`
    /// (missing keys take their defaults). Unknown keys at any depth, values
    /// of the wrong type and unsafe values ([`Config::validate`]) are refused.
    pub fn from_json(text: &str) -> Result<Config, ConfigError> {
        let given: serde_json::Value =
            serde_json::from_str(text).map_err(|e| ConfigError::Json(e.to_string()))?;
        let valid = serde_json::to_value(Config::default())
            .map_err(|e| ConfigError::Json(e.to_string()))?;
        Config::check_keys(&given, &valid)?;
        let cfg: Config =
            serde_json::from_str(text).map_err(|e| ConfigError::Json(e.to_string()))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks the keys and JSON types of `given` (a settings file) against
    /// `valid` (the defaults serialised: the one list of keys), at any
    /// depth. Used for every JSON settings file (the census's too).
    pub fn check_keys(
        given: &serde_json::Value,
        valid: &serde_json::Value,
    ) -> Result<(), ConfigError> {
        check_keys_at("", given, valid, valid)
    }
}

fn json_kind(v: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}.{name}")
    }
}

fn check_keys_at(
    prefix: &str,
    given: &serde_json::Value,
    valid: &serde_json::Value,
    root: &serde_json::Value,
) -> Result<(), ConfigError> {
    use serde_json::Value;
    let kind = json_kind(valid);
    if std::mem::discriminant(given) != std::mem::discriminant(valid) {
        return Err(ConfigError::WrongType {
            key: if prefix.is_empty() {
                "(the whole file)".to_string()
            } else {
                prefix.to_string()
            },
            expected: kind,
            found: json_kind(given),
        });
    }
    let (Value::Object(g), Value::Object(v)) = (given, valid) else {
        return Ok(());
    };
    for (name, gv) in g {
        let key = join(prefix, name);
        match v.get(name) {
            Some(vv) => check_keys_at(&key, gv, vv, root)?,
            None => {
                return Err(ConfigError::UnknownKey {
                    suggestion: nearest_key(prefix, name, root),
                    key,
                })
            }
        }
    }
    Ok(())
}

/// The valid key nearest to `name` under `prefix`: edit distance between
/// the last components, plus 2 for a key in another group (so that a
/// setting put in the wrong group is found, but a sibling wins a tie).
fn nearest_key(prefix: &str, name: &str, root: &serde_json::Value) -> Option<String> {
    let mut all = Vec::new();
    collect_paths("", root, &mut all);
    all.into_iter()
        .map(|(parent, leaf)| {
            let d = edit_distance(name, &leaf) + if parent == prefix { 0 } else { 2 };
            (d, parent != prefix, join(&parent, &leaf))
        })
        .min_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)))
        .map(|(_, _, path)| path)
}

fn collect_paths(prefix: &str, v: &serde_json::Value, out: &mut Vec<(String, String)>) {
    if let serde_json::Value::Object(m) = v {
        for (name, sub) in m {
            out.push((prefix.to_string(), name.clone()));
            collect_paths(&join(prefix, name), sub, out);
        }
    }
}

/// The candidate nearest to `name` (fewest edits), if any is within half
/// its length: for "unknown key; did you mean ...?" messages everywhere.
pub fn nearest_name<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (edit_distance(name, c), *c))
        .min()
        .filter(|(d, c)| *d <= c.chars().count().div_ceil(2).max(1))
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1)
                .min(row[j] + 1)
                .min(diag + usize::from(ca != *cb));
            diag = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate() {
        Config::default().validate().unwrap();
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("warnig_cpa_nm", "warning_cpa_nm"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}

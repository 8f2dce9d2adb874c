//! Thresholds of every detector, with the field's defaults.

use finisterra_engine::PictureConfig;
use serde::{Deserialize, Serialize};

/// What makes a close-quarters situation a near miss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NearMissCriterion {
    /// The actual distance fell below [`NearMissConfig::distance_nm`].
    Distance,
    /// One vessel entered the other's ship domain (an ellipse scaled by
    /// her length, [`NearMissConfig::domain_along_l`] ×
    /// [`NearMissConfig::domain_across_l`]); vessels of unknown length fall
    /// back on the distance.
    Domain,
    /// Either of the two.
    Either,
}

/// Close-quarters situations between two vessels under way.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NearMissConfig {
    /// A near miss when the actual (interpolated) distance fell below this,
    /// nautical miles (default 0.5).
    pub distance_nm: f64,
    /// Which criterion qualifies (default `distance`).
    pub criterion: NearMissCriterion,
    /// Semi-axis of the ship domain along the vessel's heading, in ship
    /// lengths (default 4: Fujii's 8 L ellipse).
    pub domain_along_l: f64,
    /// Semi-axis of the ship domain across the heading, in ship lengths
    /// (default 1.6: Fujii's 3.2 L).
    pub domain_across_l: f64,
    /// Both vessels count as under way at or above this speed over ground,
    /// knots (default 2); without a speed, a navigational status of 0
    /// (under way using engine) or 8 (sailing) counts.
    pub min_sog_kn: f64,
    /// A pair keeping station (relative speed below this, knots: tug and
    /// tow, convoy, ship-to-ship transfer) is no close-quarters situation
    /// (default 0.5, the engine's `in_company_kn`).
    pub in_company_kn: f64,
    /// The encounter type and ruling are taken from the states when the two
    /// first came within this distance, nautical miles (default 2).
    pub ruling_range_nm: f64,
    /// A pair's situation ends when they are this far apart again,
    /// nautical miles (default 2.5).
    pub release_range_nm: f64,
    /// Positions further apart in time than this are not interpolated
    /// between (the track is broken), seconds (default 600).
    pub max_interpolation_s: f64,
    /// A manoeuvre is a course change of at least this much, degrees
    /// (default 30: "readily apparent", Rule 8)...
    pub manoeuvre_course_deg: f64,
    /// ... or a rate of turn of at least this, degrees per minute
    /// (default 70)...
    pub manoeuvre_rot_deg_per_min: f64,
    /// ... or a speed change of at least this fraction (default 0.5)...
    pub manoeuvre_speed_fraction: f64,
    /// ... in this window before the closest point, seconds (default 600).
    pub manoeuvre_window_s: f64,
}

impl Default for NearMissConfig {
    fn default() -> Self {
        NearMissConfig {
            distance_nm: 0.5,
            criterion: NearMissCriterion::Distance,
            domain_along_l: 4.0,
            domain_across_l: 1.6,
            min_sog_kn: 2.0,
            in_company_kn: 0.5,
            ruling_range_nm: 2.0,
            release_range_nm: 2.5,
            max_interpolation_s: 600.0,
            manoeuvre_course_deg: 30.0,
            manoeuvre_rot_deg_per_min: 70.0,
            manoeuvre_speed_fraction: 0.5,
            manoeuvre_window_s: 600.0,
        }
    }
}

/// Global Fishing Watch encounters (rendezvous at sea).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct EncounterConfig {
    /// Two vessels within this distance, metres (default 500)...
    pub max_distance_m: f64,
    /// ... for at least this long, seconds (default 2 h)...
    pub min_duration_s: f64,
    /// ... both with a median speed below this, knots (default 2)...
    pub max_median_sog_kn: f64,
    /// ... at least this far from the coast, metres (default 10 km).
    pub min_shore_distance_m: f64,
}

impl Default for EncounterConfig {
    fn default() -> Self {
        EncounterConfig {
            max_distance_m: 500.0,
            min_duration_s: 7200.0,
            max_median_sog_kn: 2.0,
            min_shore_distance_m: 10_000.0,
        }
    }
}

/// Global Fishing Watch loitering.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LoiteringConfig {
    /// One vessel slower than this, knots (default 2; speed made good
    /// between resampled positions)...
    pub max_sog_kn: f64,
    /// ... for at least this long, seconds (default 4 h)...
    pub min_duration_s: f64,
    /// ... on average at least this far from the coast, nautical miles
    /// (default 20).
    pub min_shore_distance_nm: f64,
}

impl Default for LoiteringConfig {
    fn default() -> Self {
        LoiteringConfig {
            max_sog_kn: 2.0,
            min_duration_s: 4.0 * 3600.0,
            min_shore_distance_nm: 20.0,
        }
    }
}

/// AIS gaps ("going dark"), Global Fishing Watch's suspected disabling.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct GapConfig {
    /// No position for at least this long, seconds (default 12 h)...
    pub min_duration_s: f64,
    /// ... both ends further than this from the coast, nautical miles
    /// (default 50)...
    pub min_shore_distance_nm: f64,
    /// ... and the vessel was being received: positions in the 12 h before
    /// × min(gap hours, 48) / 12 at least this (default 20, GFW's
    /// "20 positions per 12 h"); 0 reports every gap.
    pub min_expected_positions: f64,
}

impl Default for GapConfig {
    fn default() -> Self {
        GapConfig {
            min_duration_s: 12.0 * 3600.0,
            min_shore_distance_nm: 50.0,
            min_expected_positions: 20.0,
        }
    }
}

/// Spoofing and identity problems.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SpoofingConfig {
    /// Report MMSIs that are not 9 digits, or whose MID is not allocated
    /// (default true).
    pub invalid_mmsi: bool,
    /// Report positions on land further than this inland, metres; a
    /// negative value disables `on_land`. Default 5080: the margin the
    /// bundled 1:10m coastline's resolution justifies — the US National
    /// Map Accuracy Standards allow 1/50 inch at map scale (90 % of well
    /// defined points), 0.508 mm × 10,000,000 = 5,080 m; nearer the coast
    /// a position may be in a harbour or an inlet the generalised coast
    /// drew as land. Positions within this distance of a lake or river of
    /// the inland-water layer ([`crate::Census::with_inland_water`]), or
    /// in a place the traffic shows to be water (`water_min_vessels`), are
    /// not on land either.
    pub on_land_min_inland_m: f64,
    /// An `on_land` episode is reported only with at least this many
    /// positions on land (default 2). One fix is no evidence of spoofing:
    /// a glitch, or a vessel seen once on a waterway the inland-water
    /// layer lacks (a file of one position per vessel cannot show its
    /// channels to be water by traffic); its positions are counted in
    /// `census.on_land.too_few_positions`. 1 reports single fixes.
    pub on_land_min_positions: u32,
    /// A cell of `water_cell_m` where at least this many distinct vessels
    /// arrived moving (under way by the near-miss rule: SOG ≥
    /// `near_miss.min_sog_kn`, or status 0 or 8 without SOG; or from
    /// their previous fix at least a cell away, not across a jump) is
    /// water, learnt from the run's own traffic: positions in it or in its
    /// eight neighbours are not `on_land` (rivers, canals, ship channels
    /// missing from the inland-water layer). Judged when an episode ends,
    /// against what the run has seen so far. Default 3; 0 disables.
    pub water_min_vessels: u32,
    /// Side of the cells of `water_min_vessels`, metres (default 1000:
    /// about the width of the waterways missing from the 1:50m layer).
    pub water_cell_m: f64,
    /// Report tracks moving faster than their ship type can, over at least
    /// this long, seconds (default 600); 0 disables.
    pub speed_window_s: f64,
    /// An episode (teleports, conflicts, positions on land, impossible
    /// speed) ends after this long without a new occurrence, seconds
    /// (default 3600).
    pub episode_gap_s: f64,
}

impl Default for SpoofingConfig {
    fn default() -> Self {
        SpoofingConfig {
            invalid_mmsi: true,
            on_land_min_inland_m: 5080.0,
            on_land_min_positions: 2,
            water_min_vessels: 3,
            water_cell_m: 1000.0,
            speed_window_s: 600.0,
            episode_gap_s: 3600.0,
        }
    }
}

/// Which detectors run (all by default). Rerunning one kind with other
/// thresholds is faster with the others off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Detectors {
    /// Near misses.
    pub near_misses: bool,
    /// Encounters.
    pub encounters: bool,
    /// Loitering.
    pub loitering: bool,
    /// AIS gaps.
    pub gaps: bool,
    /// Spoofing and identity problems.
    pub spoofing: bool,
}

impl Default for Detectors {
    fn default() -> Self {
        Detectors {
            near_misses: true,
            encounters: true,
            loitering: true,
            gaps: true,
            spoofing: true,
        }
    }
}

impl Detectors {
    /// Whether any detector is on.
    pub fn any(self) -> bool {
        self.near_misses || self.encounters || self.loitering || self.gaps || self.spoofing
    }

    /// Only the kinds named (`near_misses,encounters,loitering,gaps,spoofing`).
    pub fn only(list: &str) -> Result<Detectors, crate::CensusError> {
        let mut d = Detectors {
            near_misses: false,
            encounters: false,
            loitering: false,
            gaps: false,
            spoofing: false,
        };
        for k in list.split(',').map(str::trim).filter(|k| !k.is_empty()) {
            match k {
                "near_misses" => d.near_misses = true,
                "encounters" => d.encounters = true,
                "loitering" => d.loitering = true,
                "gaps" => d.gaps = true,
                "spoofing" => d.spoofing = true,
                o => {
                    return Err(crate::CensusError::Csv(format!(
                    "unknown kind {o:?}: use near_misses, encounters, loitering, gaps or spoofing"
                )))
                }
            }
        }
        Ok(d)
    }
}

/// All census settings. Serialised as JSON they are also the "thresholds
/// used" of every output.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CensusConfig {
    /// Which detectors run.
    pub detectors: Detectors,
    /// Close-quarters situations.
    pub near_miss: NearMissConfig,
    /// Encounters (rendezvous).
    pub encounter: EncounterConfig,
    /// Loitering.
    pub loitering: LoiteringConfig,
    /// AIS gaps.
    pub gap: GapConfig,
    /// Spoofing and identity problems.
    pub spoofing: SpoofingConfig,
    /// Which positions are accepted: the engine's own picture rules
    /// (teleports, second transmitters on one MMSI), so that census and
    /// `scan` agree.
    pub picture: PictureConfig,
    /// The engine's screening period, seconds (default 10, as `scan`):
    /// it paces when silent vessels are forgotten.
    pub screen_interval_s: f64,
    /// Tracks are resampled every this many seconds for encounters and
    /// loitering (default 600, GFW's 10 minutes).
    pub resample_s: f64,
    /// ... interpolating across gaps of at most this, seconds (default
    /// 3600, GFW's one hour).
    pub resample_max_gap_s: f64,
    /// Input positions may arrive this late (out of time order) and still
    /// be put in order, seconds (default 600).
    pub reorder_window_s: f64,
    /// Resolution of the input times, seconds: 60 for minute-resolution
    /// CSV (default 0). The teleport check then allows a minute's motion
    /// between fixes stamped with the same minute.
    pub time_resolution_s: f64,
    /// Vessels silent for longer than this are forgotten (gaps longer than
    /// this are not reported), seconds (default 30 days).
    pub forget_after_s: f64,
    /// Coast distances are searched up to this far, metres (default
    /// 370 400: 200 NM); further is reported as `null`.
    pub shore_search_m: f64,
}

impl Default for CensusConfig {
    fn default() -> Self {
        CensusConfig {
            detectors: Detectors::default(),
            near_miss: NearMissConfig::default(),
            encounter: EncounterConfig::default(),
            loitering: LoiteringConfig::default(),
            gap: GapConfig::default(),
            spoofing: SpoofingConfig::default(),
            picture: PictureConfig::default(),
            screen_interval_s: 10.0,
            resample_s: 600.0,
            resample_max_gap_s: 3600.0,
            reorder_window_s: 600.0,
            time_resolution_s: 0.0,
            forget_after_s: 30.0 * 86_400.0,
            shore_search_m: 370_400.0,
        }
    }
}

/// Why census settings were refused: one line naming the key (its JSON
/// path, such as `near_miss.distance_nm`) and, for a value, the value and
/// the rule.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// The text is not JSON, or a value does not fit its field.
    #[error("not valid settings: {0}")]
    Json(String),
    /// An unknown key or a value of the wrong JSON type (found by the
    /// engine's key check, which names the nearest valid key), or an
    /// unsafe `picture` value (the engine's own rules).
    #[error("{message}")]
    Setting {
        /// The key's path.
        key: String,
        /// The whole message.
        message: String,
    },
    /// A value that would disable a detector or makes no sense.
    #[error("unsafe value {key} = {value}: {rule}")]
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
            ConfigError::Setting { key, .. } | ConfigError::Unsafe { key, .. } => key,
        }
    }

    /// The engine's error (its type is the engine's `ConfigError`), keeping
    /// its key, value and rule.
    fn from_engine(key: &str, value: Option<f64>, rule: Option<&str>, message: String) -> Self {
        match (value, rule) {
            (Some(value), Some(rule)) => ConfigError::Unsafe {
                key: key.to_string(),
                value,
                rule: rule.to_string(),
            },
            _ => ConfigError::Setting {
                key: key.to_string(),
                message,
            },
        }
    }
}

impl From<ConfigError> for crate::CensusError {
    fn from(e: ConfigError) -> Self {
        match e {
            ConfigError::Unsafe { key, value, rule } => crate::CensusError::BadSetting {
                name: format!("{key} ({rule})"),
                value,
            },
            other => crate::CensusError::Csv(other.to_string()),
        }
    }
}

/// Each rule written once; each error names the key's path.
fn fail(key: &str, value: f64, rule: impl Into<String>) -> Result<(), ConfigError> {
    Err(ConfigError::Unsafe {
        key: key.to_string(),
        value,
        rule: rule.into(),
    })
}

fn finite(key: &str, v: f64) -> Result<(), ConfigError> {
    if v.is_finite() {
        Ok(())
    } else {
        fail(key, v, "must be a finite number")
    }
}

/// A distance, time or threshold where zero would disable a detector.
fn positive(key: &str, v: f64) -> Result<(), ConfigError> {
    finite(key, v)?;
    if v > 0.0 {
        Ok(())
    } else {
        fail(
            key,
            v,
            "must be greater than 0 (0 or less would disable it)",
        )
    }
}

/// A quantity that cannot be negative (zero is meaningful).
fn non_negative(key: &str, v: f64) -> Result<(), ConfigError> {
    finite(key, v)?;
    if v >= 0.0 {
        Ok(())
    } else {
        fail(key, v, "must not be negative")
    }
}

fn between(key: &str, v: f64, lo: f64, hi: f64) -> Result<(), ConfigError> {
    finite(key, v)?;
    if (lo..=hi).contains(&v) {
        Ok(())
    } else {
        fail(key, v, format!("must be between {lo} and {hi}"))
    }
}

/// `key` (value `v`) must be at least `other` (value `o`).
fn not_below(key: &str, v: f64, other: &str, o: f64) -> Result<(), ConfigError> {
    if v >= o {
        Ok(())
    } else {
        fail(key, v, format!("must not be below {other} ({o})"))
    }
}

impl CensusConfig {
    /// Refuses values that would silently disable a detector (a zero or
    /// negative distance, duration or window where zero finds nothing), a
    /// release range inside the near-miss distance, and values that are
    /// not finite; the picture's values by the engine's rules. The error
    /// names the first key that breaks a rule, its value and the rule.
    /// `CensusConfig::default()` passes.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let n = &self.near_miss;
        positive("near_miss.distance_nm", n.distance_nm)?;
        positive("near_miss.domain_along_l", n.domain_along_l)?;
        positive("near_miss.domain_across_l", n.domain_across_l)?;
        non_negative("near_miss.min_sog_kn", n.min_sog_kn)?;
        non_negative("near_miss.in_company_kn", n.in_company_kn)?;
        positive("near_miss.ruling_range_nm", n.ruling_range_nm)?;
        positive("near_miss.release_range_nm", n.release_range_nm)?;
        not_below(
            "near_miss.release_range_nm",
            n.release_range_nm,
            "near_miss.distance_nm",
            n.distance_nm,
        )?;
        positive("near_miss.max_interpolation_s", n.max_interpolation_s)?;
        between(
            "near_miss.manoeuvre_course_deg",
            n.manoeuvre_course_deg,
            0.0,
            180.0,
        )?;
        positive("near_miss.manoeuvre_course_deg", n.manoeuvre_course_deg)?;
        positive(
            "near_miss.manoeuvre_rot_deg_per_min",
            n.manoeuvre_rot_deg_per_min,
        )?;
        positive(
            "near_miss.manoeuvre_speed_fraction",
            n.manoeuvre_speed_fraction,
        )?;
        non_negative("near_miss.manoeuvre_window_s", n.manoeuvre_window_s)?;

        let e = &self.encounter;
        positive("encounter.max_distance_m", e.max_distance_m)?;
        non_negative("encounter.min_duration_s", e.min_duration_s)?;
        positive("encounter.max_median_sog_kn", e.max_median_sog_kn)?;
        non_negative("encounter.min_shore_distance_m", e.min_shore_distance_m)?;

        let l = &self.loitering;
        positive("loitering.max_sog_kn", l.max_sog_kn)?;
        non_negative("loitering.min_duration_s", l.min_duration_s)?;
        non_negative("loitering.min_shore_distance_nm", l.min_shore_distance_nm)?;

        let g = &self.gap;
        positive("gap.min_duration_s", g.min_duration_s)?;
        non_negative("gap.min_shore_distance_nm", g.min_shore_distance_nm)?;
        non_negative("gap.min_expected_positions", g.min_expected_positions)?;

        let s = &self.spoofing;
        // Negative disables (documented), so any finite value is allowed.
        finite("spoofing.on_land_min_inland_m", s.on_land_min_inland_m)?;
        if !(s.water_cell_m.is_finite() && s.water_cell_m >= 10.0) {
            return fail(
                "spoofing.water_cell_m",
                s.water_cell_m,
                "must be at least 10 (metres)",
            );
        }
        non_negative("spoofing.speed_window_s", s.speed_window_s)?;
        non_negative("spoofing.episode_gap_s", s.episode_gap_s)?;

        self.picture
            .validate()
            .map_err(|e| ConfigError::from_engine(e.key(), e.value(), e.rule(), e.to_string()))?;

        positive("screen_interval_s", self.screen_interval_s)?;
        positive("resample_s", self.resample_s)?;
        if self.resample_s > 86_400.0 {
            return fail(
                "resample_s",
                self.resample_s,
                "must not exceed 86400 (one day)",
            );
        }
        positive("resample_max_gap_s", self.resample_max_gap_s)?;
        non_negative("reorder_window_s", self.reorder_window_s)?;
        non_negative("time_resolution_s", self.time_resolution_s)?;
        positive("forget_after_s", self.forget_after_s)?;
        non_negative("shore_search_m", self.shore_search_m)?;
        Ok(())
    }

    /// Settings from JSON: any subset of the keys of `--print-config`
    /// (missing keys take their defaults). Unknown keys at any depth (with
    /// the nearest valid key), values of the wrong type and unsafe values
    /// ([`CensusConfig::validate`]) are refused.
    pub fn from_json(text: &str) -> Result<CensusConfig, ConfigError> {
        let given: serde_json::Value =
            serde_json::from_str(text).map_err(|e| ConfigError::Json(e.to_string()))?;
        let valid = serde_json::to_value(CensusConfig::default())
            .map_err(|e| ConfigError::Json(e.to_string()))?;
        finisterra_engine::Config::check_keys(&given, &valid)
            .map_err(|e| ConfigError::from_engine(e.key(), None, None, e.to_string()))?;
        let cfg: CensusConfig =
            serde_json::from_str(text).map_err(|e| ConfigError::Json(e.to_string()))?;
        cfg.validate()?;
        Ok(cfg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate() {
        CensusConfig::default().validate().unwrap();
    }
}

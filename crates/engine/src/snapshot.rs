//! Snapshots of the engine's state (issue 12: a worker that takes a
//! partition over restores the engine from a snapshot and replays from the
//! stream sequence it covers, instead of rebuilding from the stream's
//! start).
//!
//! Layout: [`MAGIC`] (8 bytes), the format version (`u32`, little endian),
//! then the state in CBOR. The state holds everything that decides future
//! events — the picture (vessels with their second tracks, fixed objects,
//! counters), the open risks with their hysteresis, Rule 17 stages and
//! last full assessments, the data clock, the screening schedule, the next
//! event id, the counters, the distress repeats, the hazard and zone books,
//! the air picture, and the last pass's snapshot with the movers since
//! (what the check on arrival reads). It does not hold the geography
//! (given again to [`Engine::restore`], checked against a fingerprint), the
//! configuration (likewise, checked whole), the threads setting, or work
//! memory: the last pass's grid is rebuilt from that pass's snapshot, which
//! gives it bit for bit.

use serde::{Deserialize, Deserializer, Serialize};

use crate::air::AirState;
use crate::clock::DataClock;
use crate::hazard::{Geography, HazardBook};
use crate::picture::{PictureState, PictureStateRef};
use crate::risk::OpenRiskState;
use crate::screen::{Movers, Snap};
use crate::zone::ZoneBook;
use crate::{Config, Engine, EngineStats};

/// The first bytes of every engine snapshot.
pub const MAGIC: &[u8; 8] = b"FINSNAPE";

/// The format version this build writes and reads.
pub const VERSION: u32 = 1;

/// Why a snapshot was refused by [`Engine::restore`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SnapshotError {
    /// The bytes do not start with [`MAGIC`].
    #[error("not an engine snapshot (no FINSNAPE header)")]
    NotASnapshot,
    /// Written in another format version.
    #[error("snapshot format version {found}, this build reads version {expected}")]
    Version {
        /// The version in the header.
        found: u32,
        /// The version this build reads.
        expected: u32,
    },
    /// The header is right but the state cannot be read: truncated or
    /// corrupt.
    #[error("corrupt or truncated snapshot: {0}")]
    Corrupt(String),
    /// The configuration given differs from the one the snapshot was taken
    /// under.
    #[error("the snapshot was taken under another engine configuration")]
    ConfigMismatch,
    /// The geography given differs from the one the snapshot was taken
    /// with.
    #[error("the snapshot was taken with another geography: {0}")]
    GeographyMismatch(String),
}

/// A cheap fingerprint of the geography: whether land is loaded and how
/// many rings it has, every user hazard's identity (feature `id`, else
/// name) and every zone's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct GeoPrint {
    land_rings: Option<usize>,
    hazards: Vec<String>,
    zones: Vec<String>,
}

impl GeoPrint {
    fn of(geo: &Geography) -> GeoPrint {
        GeoPrint {
            land_rings: geo.land.as_ref().map(|l| l.ring_count()),
            hazards: geo
                .hazards
                .hazards()
                .iter()
                .map(|h| h.id.clone().unwrap_or_else(|| h.name.clone()))
                .collect(),
            zones: crate::zone::zone_keys(&geo.zones)
                .iter()
                .map(|k| k.to_string())
                .collect(),
        }
    }

    fn differs(&self, other: &GeoPrint) -> Option<String> {
        if self.land_rings != other.land_rings {
            Some(format!(
                "land rings {:?}, given {:?}",
                self.land_rings, other.land_rings
            ))
        } else if self.hazards != other.hazards {
            Some(format!(
                "hazards {:?}, given {:?}",
                self.hazards, other.hazards
            ))
        } else if self.zones != other.zones {
            Some(format!("zones {:?}, given {:?}", self.zones, other.zones))
        } else {
            None
        }
    }
}

/// The distress reasons reported per vessel with their times, by MMSI.
type DistressSeen = Vec<(u32, Vec<(Label, i64)>)>;

/// The state as written (borrowed from the engine).
#[derive(Serialize)]
struct StateRef<'a> {
    config: String,
    geography: GeoPrint,
    picture: PictureStateRef<'a>,
    risks: Vec<((u32, u32), OpenRiskState)>,
    clock: &'a DataClock,
    next_screen_ms: Option<i64>,
    next_observed_age_ms: Option<i64>,
    next_id: u64,
    stats: &'a EngineStats,
    distress_seen: DistressSeen,
    hazards: &'a HazardBook,
    zones: &'a ZoneBook,
    pass_ms: i64,
    pass_snaps: &'a [Snap],
    snap_of_slot: &'a [u32],
    movers: &'a Movers,
    max_sog_kn: f64,
    air: &'a AirState,
}

/// The state as read back; the same fields as [`StateRef`].
#[derive(Deserialize)]
struct State {
    config: String,
    geography: GeoPrint,
    picture: PictureState,
    risks: Vec<((u32, u32), OpenRiskState)>,
    clock: DataClock,
    next_screen_ms: Option<i64>,
    next_observed_age_ms: Option<i64>,
    next_id: u64,
    stats: EngineStats,
    #[serde(deserialize_with = "distress_seen")]
    distress_seen: DistressSeen,
    hazards: HazardBook,
    zones: ZoneBook,
    pass_ms: i64,
    pass_snaps: Vec<Snap>,
    snap_of_slot: Vec<u32>,
    movers: Movers,
    max_sog_kn: f64,
    air: AirState,
}

fn config_text(cfg: &Config) -> String {
    serde_json::to_string(cfg).unwrap_or_default()
}

/// Whether a snapshot's configuration, `taken` as it was written, is
/// `cfg`. Read back first, with the defaults of the settings it lacks: a
/// snapshot written by a version before a setting existed was taken under
/// that setting's default (a new setting's default is the behaviour before
/// it), so an upgrade that only adds settings keeps its snapshots.
fn same_config(taken: &str, cfg: &Config) -> bool {
    let now = config_text(cfg);
    taken == now || serde_json::from_str::<Config>(taken).is_ok_and(|c| config_text(&c) == now)
}

impl Engine {
    /// The engine's state as bytes: everything that decides its future
    /// events (see the [module documentation](crate::snapshot)). An engine
    /// restored from them with [`Engine::restore`] and given the same
    /// messages after emits the same events as this one. Not while a pass
    /// is worked out apart ([`Engine::pass_pending`]): [`Engine::settle`]
    /// first.
    pub fn snapshot(&self) -> Vec<u8> {
        // A pass worked out apart is not held: settle it first.
        debug_assert!(!self.pass_pending(), "snapshot with a pass pending");
        let mut distress_seen: DistressSeen = self
            .distress_seen
            .iter()
            .map(|(&m, seen)| (m, seen.clone()))
            .collect();
        distress_seen.sort_by_key(|e| e.0);
        let state = StateRef {
            config: config_text(&self.cfg),
            geography: GeoPrint::of(&self.geo),
            picture: self.picture.state(),
            risks: self
                .risks
                .open()
                .iter()
                .map(|(&k, o)| (k, OpenRiskState::of(o)))
                .collect(),
            clock: &self.clock,
            next_screen_ms: self.next_screen_ms,
            next_observed_age_ms: self.next_observed_age_ms,
            next_id: self.next_id,
            stats: &self.stats,
            distress_seen,
            hazards: &self.hazards,
            zones: &self.zones,
            pass_ms: self.pass_ms,
            pass_snaps: &self.snap_buf,
            snap_of_slot: &self.snap_of_slot,
            movers: &self.movers,
            max_sog_kn: self.max_sog_kn,
            air: &self.air,
        };
        let mut out = Vec::with_capacity(1 << 16);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_le_bytes());
        // Writing into a vector cannot fail, and every value has a CBOR
        // form (non-string map keys and NaN included).
        if let Err(e) = ciborium::into_writer(&state, &mut out) {
            debug_assert!(false, "snapshot: {e}");
        }
        out
    }

    /// An engine from a snapshot of [`Engine::snapshot`], under `cfg` and
    /// with `geo`, which must be those it was taken under (the snapshot
    /// holds the configuration and a fingerprint of the geography, and a
    /// mismatch is refused). The threads setting is not in the snapshot:
    /// set it again with [`Engine::set_threads`].
    pub fn restore(cfg: Config, geo: Geography, bytes: &[u8]) -> Result<Engine, SnapshotError> {
        let rest = bytes
            .strip_prefix(MAGIC.as_slice())
            .ok_or(SnapshotError::NotASnapshot)?;
        let (version, body) = rest
            .split_first_chunk::<4>()
            .ok_or_else(|| SnapshotError::Corrupt("no version after the header".into()))?;
        let found = u32::from_le_bytes(*version);
        if found != VERSION {
            return Err(SnapshotError::Version {
                found,
                expected: VERSION,
            });
        }
        let st: State =
            ciborium::from_reader(body).map_err(|e| SnapshotError::Corrupt(e.to_string()))?;
        if !same_config(&st.config, &cfg) {
            return Err(SnapshotError::ConfigMismatch);
        }
        if let Some(why) = st.geography.differs(&GeoPrint::of(&geo)) {
            return Err(SnapshotError::GeographyMismatch(why));
        }
        let corrupt = SnapshotError::Corrupt;
        let picture = crate::Picture::from_state(st.picture).map_err(corrupt)?;
        // The indices the check on arrival follows must hold.
        let slots = picture.slots.len();
        let snaps = st.pass_snaps.len();
        if st.pass_snaps.iter().any(|s| s.slot as usize >= slots)
            || st
                .snap_of_slot
                .iter()
                .any(|&k| k != u32::MAX && k as usize >= snaps)
        {
            return Err(corrupt("a pass snapshot out of the picture".into()));
        }
        st.movers.check(slots).map_err(corrupt)?;
        let mut open = std::collections::BTreeMap::new();
        for (k, o) in st.risks {
            if k.0 >= k.1 || open.insert(k, o.into_open()).is_some() {
                return Err(corrupt(format!("risk pair {k:?}")));
            }
        }
        let air = st.air.restored(cfg.air).map_err(corrupt)?;
        let mut e = Engine::new(cfg);
        e.zone_keys = crate::zone::zone_keys(&geo.zones);
        e.geo = std::sync::Arc::new(geo);
        e.picture = picture;
        e.risks = crate::risk::RiskBook::from_open(open);
        e.clock = st.clock;
        e.next_screen_ms = st.next_screen_ms;
        e.next_observed_age_ms = st.next_observed_age_ms;
        e.next_id = st.next_id;
        e.stats = st.stats;
        e.distress_seen = st.distress_seen.into_iter().collect();
        e.hazards = st.hazards;
        e.zones = st.zones;
        e.pass_ms = st.pass_ms;
        e.snap_buf = st.pass_snaps;
        e.snap_of_slot = st.snap_of_slot;
        e.movers = st.movers;
        e.max_sog_kn = st.max_sog_kn;
        e.air = air;
        // The last pass's grid: a function of that pass's snapshot alone.
        if e.pass_ms != i64::MIN {
            crate::screen::build_grid(&e.snap_buf, &mut e.scratch, crate::par::Threads::default());
        }
        Ok(e)
    }
}

// ---------------------------------------------------------------------
// Labels: `&'static str` fields read back without leaking memory.

/// Every label (`&'static str` value) the engine writes in its state:
/// rules, stages, reasons, kinds, actions. A label read from a snapshot is
/// mapped back to its entry here; one not listed refuses the snapshot.
/// Sorted by bytes (a test checks), searched by bisection.
const LABELS: &[&str] = &[
    "12",
    "13",
    "14",
    "14(c)",
    "15",
    "17(a)(i)",
    "17(a)(ii)",
    "17(b)",
    "18(a)",
    "18(b)",
    "18(c)",
    "18(d)",
    "19(d)",
    "7",
    "8",
    "99",
    "A",
    "B",
    "Rule 10(b)(i)",
    "Rule 10(c)",
    "Rule 10(d)",
    "Rule 10(e)",
    "Rule 10(i)",
    "Rule 10(j)",
    "Rule 19(d)(i)",
    "Rule 19(d)(ii)",
    "Rule 9(a)",
    "Rule 9(b)",
    "Rule 9(c)",
    "abeam",
    "active_from",
    "active_until",
    "advice",
    "against_flow",
    "aground",
    "ahead",
    "air.airspace_horizon_s",
    "air.conflict.cleared",
    "air.conflict.raised",
    "air.conflict.updated",
    "air.lookahead_s",
    "air.lost_s",
    "air.max_speed_kn",
    "air.screen_interval_s",
    "air.separation_nm",
    "air.stale_s",
    "air.vertical_above_fl410_ft",
    "air.vertical_ft",
    "airspace.cleared",
    "airspace.entered",
    "airspace.left",
    "airspace.predicted",
    "airspace.violation",
    "alarm_cpa_nm",
    "alarm_s",
    "alarm_tcpa_s",
    "all",
    "applies_to",
    "astern",
    "aton",
    "aton_radius_nm",
    "axis",
    "base_station",
    "category",
    "caution",
    "channel",
    "class",
    "clear",
    "clear_after_s",
    "clear_factor",
    "climbing",
    "climbing_into",
    "cog",
    "colregs",
    "corrected",
    "cpa_nm",
    "cpa_opened",
    "cross",
    "crossing",
    "crossing_angle",
    "deceleration_kn_per_min",
    "descending",
    "descending_into",
    "distress",
    "distress_repeat_s",
    "encounter",
    "enter",
    "epirb",
    "fishing",
    "flag",
    "flow_deg",
    "forget_after_s",
    "give_way",
    "hazard",
    "hazard.cleared",
    "hazard.raised",
    "hazard.updated",
    "hazard_removed",
    "hazards",
    "head_on_deg",
    "heading",
    "horizon_s",
    "icao",
    "icao_country",
    "in_company_kn",
    "in_separation_zone",
    "jump_allowance_m",
    "keep_in",
    "keep_out",
    "kind",
    "land",
    "landed",
    "leave",
    "left",
    "length_m",
    "level",
    "lookahead_s",
    "lost_after_intervals",
    "lost_max_s",
    "lost_min_s",
    "max_alteration_deg",
    "max_dead_reckoning_s",
    "max_sog_kn",
    "max_speed_aircraft_kn",
    "max_speed_kn",
    "max_turn_deg_per_min",
    "may_act_range_nm",
    "may_act_tcpa_s",
    "min_alteration_deg",
    "min_sog_kn",
    "min_speed_reduction",
    "mmsi",
    "mob",
    "moored",
    "must_act_range_nm",
    "must_act_tcpa_s",
    "name",
    "narrow_channel",
    "no_crossing",
    "no_longer_predicted",
    "not_closing",
    "notify",
    "null",
    "open",
    "overtaking",
    "overtaking_from_bow_deg",
    "own_relative_bearing_deg",
    "own_role",
    "pass_nm",
    "passed",
    "picture",
    "plain",
    "port",
    "position_invalid",
    "position_null_island",
    "position_out_of_order",
    "position_out_of_range",
    "position_teleport",
    "position_unavailable",
    "present",
    "range_nm",
    "resolved",
    "restricted_visibility",
    "returned",
    "risk",
    "risk.cleared",
    "risk.raised",
    "risk.updated",
    "risk_cpa_nm",
    "risk_tcpa_s",
    "rule",
    "rule_title",
    "safety_broadcast",
    "safety_nm",
    "sailing",
    "sart",
    "sart_status",
    "screen_interval_s",
    "sentence",
    "separation_nm",
    "ship_type",
    "sitting",
    "slowed",
    "speed",
    "speed_limit",
    "speed_step_kn",
    "stand_on_stage",
    "starboard",
    "static",
    "stationary_kn",
    "step_deg",
    "stopped",
    "target.lost",
    "target_lost",
    "target_relative_bearing_deg",
    "target_role",
    "tcpa_s",
    "tiers",
    "time_jump",
    "time_out_of_range",
    "traffic_lane",
    "tss_inshore",
    "tss_lane",
    "tss_separation",
    "turn_radius_lengths",
    "under_20_m",
    "unknown",
    "unknown_length_m",
    "unsafe_value",
    "up_to_ft",
    "update_cpa_nm",
    "update_min_interval_s",
    "vertical_above_fl410_ft",
    "vertical_ft",
    "virtual_aton_radius_nm",
    "visibility_nm",
    "warning",
    "warning_cpa_nm",
    "warning_tcpa_s",
    "wrong_side",
    "zone.cleared",
    "zone.crossed",
    "zone.entered",
    "zone.left",
    "zone.predicted",
    "zone.violation",
    "zone_changed",
    "zone_horizon_s",
    "zone_removed",
];

/// A `&'static str` read back from a snapshot through [`label`] (an alias:
/// serde would otherwise take a `&'static str` field for data borrowed
/// from the input).
pub(crate) type Label = &'static str;

/// The `&'static str` equal to `s`, if it is a known label.
pub(crate) fn intern(s: &str) -> Option<&'static str> {
    if let Ok(i) = LABELS.binary_search(&s) {
        return Some(LABELS[i]);
    }
    // The lists the engine has as types, in case a literal is not above.
    finisterra_nav::colregs::Rule::ALL
        .iter()
        .map(|r| r.code())
        .chain(crate::EventKind::ALL.iter().map(|k| k.as_str()))
        .find(|&l| l == s)
}

fn known<E: serde::de::Error>(s: &str) -> Result<&'static str, E> {
    intern(s).ok_or_else(|| E::custom(format!("unknown label {s:?}")))
}

/// Reads a `&'static str` label (see [`intern`]).
pub(crate) fn label<'de, D: Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
    let s = String::deserialize(d)?;
    known(&s)
}

/// Reads an optional `&'static str` label.
pub(crate) fn opt_label<'de, D: Deserializer<'de>>(d: D) -> Result<Option<&'static str>, D::Error> {
    match Option::<String>::deserialize(d)? {
        None => Ok(None),
        Some(s) => known(&s).map(Some),
    }
}

/// Reads counters keyed by label.
pub(crate) fn label_counts<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Vec<(&'static str, u64)>, D::Error> {
    Vec::<(String, u64)>::deserialize(d)?
        .into_iter()
        .map(|(s, n)| known(&s).map(|l| (l, n)))
        .collect()
}

fn distress_seen<'de, D: Deserializer<'de>>(d: D) -> Result<DistressSeen, D::Error> {
    Vec::<(u32, Vec<(String, i64)>)>::deserialize(d)?
        .into_iter()
        .map(|(m, seen)| {
            seen.into_iter()
                .map(|(s, t)| known(&s).map(|l| (l, t)))
                .collect::<Result<Vec<_>, D::Error>>()
                .map(|seen| (m, seen))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_sorted_and_unique() {
        assert!(LABELS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn every_rule_stage_and_kind_is_a_label() {
        for r in finisterra_nav::colregs::Rule::ALL {
            assert!(LABELS.contains(&r.code()), "{}", r.code());
        }
        for k in crate::EventKind::ALL {
            assert!(LABELS.contains(&k.as_str()), "{}", k.as_str());
        }
        use finisterra_nav::colregs::Rule17Stage;
        for s in [
            Rule17Stage::KeepCourse,
            Rule17Stage::MayAct,
            Rule17Stage::MustAct,
        ] {
            assert!(LABELS.contains(&s.code()));
        }
    }
}

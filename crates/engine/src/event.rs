//! The one event type every sink receives (stdout, store, HTTP, broker).
//!
//! JSON shape (one line each): `id`, `time` (ISO 8601 UTC), `kind`, then the
//! fields of that kind. See the README for the schema of every kind.

use finisterra_nav::advice::{Action, Direction};
use finisterra_nav::colregs::Encounter;
use serde::{Deserialize, Serialize, Serializer};

/// One event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Sequence number, increasing by one per event of one engine run.
    pub id: u64,
    /// Data time of the judgement, milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// What happened.
    pub body: EventBody,
}

/// The kinds of event.
#[derive(Debug, Clone, PartialEq)]
pub enum EventBody {
    /// A pair entered a risk level.
    RiskRaised(Risk),
    /// An open risk changed materially (level, ruling, advice, CPA).
    RiskUpdated(Risk),
    /// An open risk ended.
    RiskCleared(RiskCleared),
    /// A distress device or safety broadcast.
    Distress(Distress),
    /// A vessel stopped reporting.
    TargetLost(TargetLost),
    /// A vessel's track leads within the safety distance of land or a hazard.
    HazardRaised(HazardRisk),
    /// An open hazard changed materially (level, advice).
    HazardUpdated(HazardRisk),
    /// The track no longer leads to the hazard.
    HazardCleared(HazardCleared),
    /// A vessel will enter, leave or cross a zone against its rule.
    ZonePredicted(ZoneAlert),
    /// A vessel broke a zone's rule (entered, left, crossed, too fast).
    ZoneViolation(ZoneAlert),
    /// A zone prediction or violation ended.
    ZoneCleared(ZoneAlert),
    /// A vessel entered a `notify` zone.
    ZoneEntered(ZoneAlert),
    /// A vessel left a `notify` zone.
    ZoneLeft(ZoneAlert),
    /// A vessel crossed a `notify` line.
    ZoneCrossed(ZoneAlert),
    /// Two aircraft will lose (or lost) separation within the look-ahead.
    AirConflictRaised(crate::air::AirConflict),
    /// An open air conflict changed (tier, vertical situation, loss, or
    /// its figures materially).
    AirConflictUpdated(crate::air::AirConflict),
    /// An air conflict ended.
    AirConflictCleared(crate::air::AirConflictCleared),
    /// An aircraft will enter a `keep_out` airspace within the horizon.
    AirspacePredicted(crate::air::AirspaceAlert),
    /// An aircraft entered a `keep_out` airspace or left a `keep_in` one.
    AirspaceViolation(crate::air::AirspaceAlert),
    /// An airspace prediction or violation ended.
    AirspaceCleared(crate::air::AirspaceAlert),
    /// An aircraft entered a `notify` airspace.
    AirspaceEntered(crate::air::AirspaceAlert),
    /// An aircraft left a `notify` airspace.
    AirspaceLeft(crate::air::AirspaceAlert),
}

impl EventBody {
    /// The `kind` string.
    pub fn kind(&self) -> &'static str {
        self.event_kind().as_str()
    }

    /// The kind.
    pub fn event_kind(&self) -> EventKind {
        match self {
            EventBody::RiskRaised(_) => EventKind::RiskRaised,
            EventBody::RiskUpdated(_) => EventKind::RiskUpdated,
            EventBody::RiskCleared(_) => EventKind::RiskCleared,
            EventBody::Distress(_) => EventKind::Distress,
            EventBody::TargetLost(_) => EventKind::TargetLost,
            EventBody::HazardRaised(_) => EventKind::HazardRaised,
            EventBody::HazardUpdated(_) => EventKind::HazardUpdated,
            EventBody::HazardCleared(_) => EventKind::HazardCleared,
            EventBody::ZonePredicted(_) => EventKind::ZonePredicted,
            EventBody::ZoneViolation(_) => EventKind::ZoneViolation,
            EventBody::ZoneCleared(_) => EventKind::ZoneCleared,
            EventBody::ZoneEntered(_) => EventKind::ZoneEntered,
            EventBody::ZoneLeft(_) => EventKind::ZoneLeft,
            EventBody::ZoneCrossed(_) => EventKind::ZoneCrossed,
            EventBody::AirConflictRaised(_) => EventKind::AirConflictRaised,
            EventBody::AirConflictUpdated(_) => EventKind::AirConflictUpdated,
            EventBody::AirConflictCleared(_) => EventKind::AirConflictCleared,
            EventBody::AirspacePredicted(_) => EventKind::AirspacePredicted,
            EventBody::AirspaceViolation(_) => EventKind::AirspaceViolation,
            EventBody::AirspaceCleared(_) => EventKind::AirspaceCleared,
            EventBody::AirspaceEntered(_) => EventKind::AirspaceEntered,
            EventBody::AirspaceLeft(_) => EventKind::AirspaceLeft,
        }
    }
}

/// Every kind of event: the one list the API validates against, the store
/// names and the web console reads (`GET /api/event-kinds`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventKind {
    /// `risk.raised`
    RiskRaised,
    /// `risk.updated`
    RiskUpdated,
    /// `risk.cleared`
    RiskCleared,
    /// `distress`
    Distress,
    /// `target.lost`
    TargetLost,
    /// `hazard.raised`
    HazardRaised,
    /// `hazard.updated`
    HazardUpdated,
    /// `hazard.cleared`
    HazardCleared,
    /// `zone.predicted`
    ZonePredicted,
    /// `zone.violation`
    ZoneViolation,
    /// `zone.cleared`
    ZoneCleared,
    /// `zone.entered`
    ZoneEntered,
    /// `zone.left`
    ZoneLeft,
    /// `zone.crossed`
    ZoneCrossed,
    /// `air.conflict.raised`
    AirConflictRaised,
    /// `air.conflict.updated`
    AirConflictUpdated,
    /// `air.conflict.cleared`
    AirConflictCleared,
    /// `airspace.predicted`
    AirspacePredicted,
    /// `airspace.violation`
    AirspaceViolation,
    /// `airspace.cleared`
    AirspaceCleared,
    /// `airspace.entered`
    AirspaceEntered,
    /// `airspace.left`
    AirspaceLeft,
}

impl EventKind {
    /// Every kind, in the order of the documentation.
    pub const ALL: [EventKind; 22] = [
        EventKind::RiskRaised,
        EventKind::RiskUpdated,
        EventKind::RiskCleared,
        EventKind::Distress,
        EventKind::TargetLost,
        EventKind::HazardRaised,
        EventKind::HazardUpdated,
        EventKind::HazardCleared,
        EventKind::ZonePredicted,
        EventKind::ZoneViolation,
        EventKind::ZoneCleared,
        EventKind::ZoneEntered,
        EventKind::ZoneLeft,
        EventKind::ZoneCrossed,
        EventKind::AirConflictRaised,
        EventKind::AirConflictUpdated,
        EventKind::AirConflictCleared,
        EventKind::AirspacePredicted,
        EventKind::AirspaceViolation,
        EventKind::AirspaceCleared,
        EventKind::AirspaceEntered,
        EventKind::AirspaceLeft,
    ];

    /// The `kind` string of the JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::RiskRaised => "risk.raised",
            EventKind::RiskUpdated => "risk.updated",
            EventKind::RiskCleared => "risk.cleared",
            EventKind::Distress => "distress",
            EventKind::TargetLost => "target.lost",
            EventKind::HazardRaised => "hazard.raised",
            EventKind::HazardUpdated => "hazard.updated",
            EventKind::HazardCleared => "hazard.cleared",
            EventKind::ZonePredicted => "zone.predicted",
            EventKind::ZoneViolation => "zone.violation",
            EventKind::ZoneCleared => "zone.cleared",
            EventKind::ZoneEntered => "zone.entered",
            EventKind::ZoneLeft => "zone.left",
            EventKind::ZoneCrossed => "zone.crossed",
            EventKind::AirConflictRaised => "air.conflict.raised",
            EventKind::AirConflictUpdated => "air.conflict.updated",
            EventKind::AirConflictCleared => "air.conflict.cleared",
            EventKind::AirspacePredicted => "airspace.predicted",
            EventKind::AirspaceViolation => "airspace.violation",
            EventKind::AirspaceCleared => "airspace.cleared",
            EventKind::AirspaceEntered => "airspace.entered",
            EventKind::AirspaceLeft => "airspace.left",
        }
    }

    /// The kind named `s`.
    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// A situation an operator is alerted to (raised or changed).
    pub fn is_alert(self) -> bool {
        matches!(
            self,
            EventKind::RiskRaised
                | EventKind::RiskUpdated
                | EventKind::HazardRaised
                | EventKind::HazardUpdated
                | EventKind::Distress
                | EventKind::ZoneViolation
                | EventKind::ZonePredicted
                | EventKind::TargetLost
                | EventKind::AirConflictRaised
                | EventKind::AirConflictUpdated
                | EventKind::AirspacePredicted
                | EventKind::AirspaceViolation
        )
    }

    /// Ends a situation an alert was raised for.
    pub fn ends_situation(self) -> bool {
        matches!(
            self,
            EventKind::RiskCleared
                | EventKind::HazardCleared
                | EventKind::ZoneCleared
                | EventKind::AirConflictCleared
                | EventKind::AirspaceCleared
        )
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Alarm levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// CPA below the warning distance within the warning time.
    Warning,
    /// CPA below the alarm distance within the alarm time.
    Alarm,
}

/// A vessel as events show it: identity and predicted state at the time of
/// the judgement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VesselRef {
    /// MMSI.
    pub mmsi: u32,
    /// Name, when known from static data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Latitude (dead-reckoned to the event time), degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Speed over ground, knots.
    pub sog_kn: f64,
    /// Course over ground, degrees.
    pub cog_deg: f64,
    /// True heading when known, degrees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heading_deg: Option<f64>,
    /// AIS ship and cargo type, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ship_type: Option<u8>,
    /// Navigational status, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nav_status: Option<u8>,
}

/// One manoeuvre advised to one vessel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdviceItem {
    /// The vessel that should act.
    pub mmsi: u32,
    /// `alter_course` or `reduce_speed` (or `keep_course_and_speed`).
    pub action: Action,
    /// `starboard`, `port`, or `none`.
    pub direction: Direction,
    /// Size of the alteration, degrees (course alterations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub degrees: Option<f64>,
    /// Course to steer, degrees (course alterations).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_cog_deg: Option<f64>,
    /// Speed to make good, knots (speed reductions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_sog_kn: Option<f64>,
    /// Smallest predicted distance to any nearby vessel (or, for hazard
    /// advice, to the hazard) after the manoeuvre, nautical miles; `null`
    /// when nothing comes near on the new course.
    pub resulting_cpa_nm: Option<f64>,
    /// `true` when that distance reaches the passing distance.
    pub sufficient: bool,
    /// `true` for the advice to give first (the other is the alternative).
    pub recommended: bool,
    /// When the manoeuvre is not sufficient: the vessel that stays within
    /// the passing distance (the reason it falls short).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limited_by: Option<u32>,
    /// `true` when the new track would stand into a fixed danger (land, an
    /// aid to navigation, a user hazard): never sufficient.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub into_danger: bool,
}

/// A collision risk between two vessels, with the ruling and the advice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Risk {
    /// `warning` or `alarm`.
    pub level: Level,
    /// The vessel with the lower MMSI.
    pub a: VesselRef,
    /// The other vessel.
    pub b: VesselRef,
    /// Range now, nautical miles.
    pub range_nm: f64,
    /// True bearing of `b` from `a`, degrees.
    pub bearing_deg: f64,
    /// Predicted closest point of approach, nautical miles.
    pub cpa_nm: f64,
    /// Time to CPA, seconds.
    pub tcpa_s: f64,
    /// Where the CPA happens (midpoint of the two predicted positions).
    pub cpa_lat: f64,
    /// Longitude of the CPA point.
    pub cpa_lon: f64,
    /// Bow crossing range: how far ahead of `a` vessel `b` crosses her
    /// track, nautical miles (absent when it does not cross ahead).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bcr_nm: Option<f64>,
    /// `head_on`, `crossing`, `overtaking` (or `none` / `not_under_way`).
    pub encounter: Encounter,
    /// MMSIs of the vessels that keep out of the way (both for head-on;
    /// none under Rule 19, where no vessel is give-way or stand-on and
    /// every vessel under way is advised).
    pub give_way: Vec<u32>,
    /// MMSIs of the stand-on vessels.
    pub stand_on: Vec<u32>,
    /// The deciding rule (`"13"`, `"14"`, `"15"`, `"18(a)"`...).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::snapshot::opt_label"
    )]
    pub rule: Option<crate::snapshot::Label>,
    /// The ruling in plain words, the vessels named, with what the Rule 17
    /// stage asks of the stand-on vessel once she may or must act.
    pub ruling: String,
    /// The ruling without the Rule 17 wording (kept to re-word the stage).
    #[serde(skip)]
    pub(crate) ruling_base: String,
    /// Rule 17 stage of the stand-on vessel: `keep_course`, `may_act`,
    /// `must_act`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::snapshot::opt_label"
    )]
    pub rule17_stage: Option<crate::snapshot::Label>,
    /// When the stand-on vessel may act alone (Rule 17(a)(ii)) if both keep
    /// their motion: the event's time once she may. Only for a stand-on
    /// vessel: the give-way vessel acts now (Rules 8 and 16: early and
    /// substantial action), and has no latest time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stand_on_may_act_at: Option<IsoTime>,
    /// When the stand-on vessel must act as well (Rule 17(b)), likewise
    /// (never by turning to port for a vessel on her own port side, Rule
    /// 17(c): her advice keeps to that).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stand_on_must_act_at: Option<IsoTime>,
    /// What the vessel(s) that must act should do, checked against every
    /// nearby vessel.
    pub advice: Vec<AdviceItem>,
    /// Duties not to impede (Rules 9(b), 9(c), 10(i), 10(j)): a vessel
    /// under 20 m, a sailing vessel or one engaged in fishing towards a
    /// power-driven vessel following a traffic lane or a narrow channel.
    /// They add to the ruling and do not change it (Rule 8(f)).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_to_impede: Vec<NotToImpede>,
}

/// A duty not to impede the passage of another vessel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotToImpede {
    /// The vessel with the duty.
    pub mmsi: u32,
    /// The vessel whose passage she shall not impede.
    pub towards: u32,
    /// `"Rule 10(j)"`, `"Rule 10(i)"`, `"Rule 9(b)"`, `"Rule 9(c)"`.
    #[serde(deserialize_with = "crate::snapshot::label")]
    pub rule: crate::snapshot::Label,
    /// Why: `under_20_m`, `sailing`, `fishing`.
    #[serde(deserialize_with = "crate::snapshot::label")]
    pub because: crate::snapshot::Label,
    /// `traffic_lane` or `narrow_channel`.
    #[serde(deserialize_with = "crate::snapshot::label")]
    pub waters: crate::snapshot::Label,
    /// Name of the lane or channel zone.
    pub zone: String,
}

/// The end of a risk.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskCleared {
    /// The level that was open.
    pub level: Level,
    /// The vessel with the lower MMSI.
    pub a: VesselRef,
    /// The other vessel.
    pub b: VesselRef,
    /// Range now, nautical miles.
    pub range_nm: f64,
    /// Predicted CPA now, nautical miles (NaN when a vessel was lost).
    pub cpa_nm: f64,
    /// Time to CPA now, seconds.
    pub tcpa_s: f64,
    /// Smallest range seen while the risk was open, nautical miles.
    pub min_range_nm: f64,
    /// How long the risk was open, seconds.
    pub duration_s: f64,
    /// Why it ended: `passed` (CPA behind them), `cpa_opened` (a
    /// manoeuvre opened the CPA), `stopped` (both stationary or keeping
    /// station), `target_lost`.
    pub reason: &'static str,
}

/// A distress alert.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Distress {
    /// The transmitting station.
    pub mmsi: u32,
    /// `sart` (MMSI 970xxxxxx), `mob` (972xxxxxx), `epirb` (974xxxxxx),
    /// `safety_broadcast` (message 14), `sart_status` (navigational
    /// status 14).
    pub reason: &'static str,
    /// Position, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    /// Longitude, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lon: Option<f64>,
    /// Text of a safety broadcast (e.g. `SART ACTIVE`, `MOB TEST`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Name, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A lost target.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetLost {
    /// The vessel at its last position.
    pub vessel: VesselRef,
    /// Time of its last position report.
    pub last_fix: String,
    /// Seconds since then.
    pub silent_s: f64,
}

/// A fixed hazard as events show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HazardRef {
    /// `land`, `aton` (an aid to navigation from message 21) or `hazard`
    /// (from the hazards file).
    #[serde(deserialize_with = "crate::snapshot::label")]
    pub kind: crate::snapshot::Label,
    /// Name of the aid or hazard (`null` for land).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// MMSI of the aid to navigation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mmsi: Option<u32>,
    /// Nearest point of the hazard to the predicted track, degrees.
    pub lat: f64,
    /// Longitude of that point.
    pub lon: f64,
}

/// A vessel whose track leads to land or a hazard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HazardRisk {
    /// `warning` (within the safety distance inside the horizon) or
    /// `alarm` (onto the hazard itself within the alarm time).
    pub level: Level,
    /// The vessel.
    pub vessel: VesselRef,
    /// The hazard.
    pub hazard: HazardRef,
    /// Time until the track first comes within the safety distance, s.
    pub time_to_hazard_s: f64,
    /// Distance from the vessel now to that nearest hazard point, NM.
    pub distance_nm: f64,
    /// Where the vessel will be then, degrees.
    pub at_lat: f64,
    /// Longitude of that position.
    pub at_lon: f64,
    /// The smallest course alteration that keeps her clear (of land, of
    /// hazards, and of other ships), to either side.
    pub advice: Vec<AdviceItem>,
}

/// The end of a hazard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HazardCleared {
    /// The level that was open.
    pub level: Level,
    /// The vessel.
    pub vessel: VesselRef,
    /// The hazard.
    pub hazard: HazardRef,
    /// How long it was open, seconds.
    pub duration_s: f64,
    /// `clear` (the track no longer leads there), `stopped`, `target_lost`.
    pub reason: &'static str,
}

/// A zone as events show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZoneRef {
    /// Index of the zone in the zones file (features in order).
    pub index: usize,
    /// The feature's `id`, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The zone's name.
    pub name: String,
    /// `keep_out`, `keep_in`, `no_crossing`, `speed_limit`, `notify`.
    #[serde(deserialize_with = "crate::snapshot::label")]
    pub rule: crate::snapshot::Label,
    /// Speed limit, knots (`speed_limit` zones).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_sog_kn: Option<f64>,
    /// Direction of traffic flow (`tss_lane`), or of a channel or
    /// separation zone, degrees true.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_deg: Option<f64>,
}

/// A zone event for one vessel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZoneAlert {
    /// The zone.
    pub zone: ZoneRef,
    /// The vessel.
    pub vessel: VesselRef,
    /// `enter`, `leave`, `cross` or `speed`; in routeing zones
    /// `against_flow`, `crossing_angle`, `in_separation_zone`,
    /// `wrong_side`.
    #[serde(deserialize_with = "crate::snapshot::label")]
    pub action: crate::snapshot::Label,
    /// Where it happens (happened, or is predicted), degrees.
    pub lat: f64,
    /// Longitude of that point.
    pub lon: f64,
    /// When it happens (ISO 8601; predicted time for `zone.predicted`).
    pub at: String,
    /// Seconds from now (predictions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_to_s: Option<f64>,
    /// Why a prediction or violation ended (`zone.cleared`): `left`,
    /// `returned`, `slowed`, `no_longer_predicted`, `target_lost`;
    /// `corrected` (a routeing-zone violation whose course or side is
    /// right again).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::snapshot::opt_label"
    )]
    pub reason: Option<crate::snapshot::Label>,
    /// The COLREGs rule of a routeing-zone event, e.g. `"Rule 10(b)(i)"`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::snapshot::opt_label"
    )]
    pub colregs: Option<crate::snapshot::Label>,
    /// The angle judged, degrees: from the flow (`against_flow`), from the
    /// perpendicular to the flow (`crossing_angle`); metres from the
    /// channel's axis are in `offset_m`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub angle_deg: Option<f64>,
    /// `heading` (true heading, as Rule 10(c) asks) or `cog` (course over
    /// ground, standing in because the heading was not transmitted).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "crate::snapshot::opt_label"
    )]
    pub judged_by: Option<crate::snapshot::Label>,
    /// Distance from a channel's axis on the wrong side, metres.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset_m: Option<f64>,
}

/// A data time kept as a number and written as ISO 8601 UTC text (the
/// same text [`iso8601`] gives): an open risk refreshes its times every
/// pass, and only the few that reach an event are ever written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoTime {
    /// Milliseconds since the Unix epoch.
    pub unix_ms: i64,
}

impl Serialize for IsoTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&iso8601(self.unix_ms))
    }
}

impl<'de> Deserialize<'de> for IsoTime {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<IsoTime, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        finisterra_nmea::parse_iso8601_ms(&text, false)
            .map(|unix_ms| IsoTime { unix_ms })
            .ok_or_else(|| serde::de::Error::custom(format!("not an ISO 8601 UTC time: {text:?}")))
    }
}

/// ISO 8601 UTC text of a data time.
pub fn iso8601(time_ms: i64) -> String {
    let mut v = Vec::with_capacity(24);
    finisterra_nmea::format_iso8601(finisterra_nmea::Timestamp { unix_ms: time_ms }, &mut v);
    String::from_utf8(v).unwrap_or_default()
}

/// An event's envelope with its body's fields flattened in (written
/// straight out: no intermediate JSON value).
#[derive(Serialize)]
struct Flat<'a, T: Serialize> {
    id: u64,
    time: String,
    kind: &'static str,
    #[serde(flatten)]
    body: &'a T,
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        fn flat<'a, T: Serialize>(e: &Event, body: &'a T) -> Flat<'a, T> {
            Flat {
                id: e.id,
                time: iso8601(e.time_ms),
                kind: e.body.kind(),
                body,
            }
        }
        match &self.body {
            EventBody::RiskRaised(r) | EventBody::RiskUpdated(r) => flat(self, r).serialize(s),
            EventBody::RiskCleared(r) => flat(self, r).serialize(s),
            EventBody::Distress(d) => flat(self, d).serialize(s),
            EventBody::TargetLost(t) => flat(self, t).serialize(s),
            EventBody::HazardRaised(h) | EventBody::HazardUpdated(h) => flat(self, h).serialize(s),
            EventBody::HazardCleared(h) => flat(self, h).serialize(s),
            EventBody::ZonePredicted(z)
            | EventBody::ZoneViolation(z)
            | EventBody::ZoneCleared(z)
            | EventBody::ZoneEntered(z)
            | EventBody::ZoneLeft(z)
            | EventBody::ZoneCrossed(z) => flat(self, z).serialize(s),
            EventBody::AirConflictRaised(c) | EventBody::AirConflictUpdated(c) => {
                flat(self, c).serialize(s)
            }
            EventBody::AirConflictCleared(c) => flat(self, c).serialize(s),
            EventBody::AirspacePredicted(a)
            | EventBody::AirspaceViolation(a)
            | EventBody::AirspaceCleared(a)
            | EventBody::AirspaceEntered(a)
            | EventBody::AirspaceLeft(a) => flat(self, a).serialize(s),
        }
    }
}

impl Event {
    /// The event as one line of JSON (no line ending).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}

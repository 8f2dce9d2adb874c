//! Routeing zones and restricted visibility: the pure judgements behind
//! Rules 9, 10 and 19 that depend on where a vessel is and which way she
//! goes. The zones themselves are defined in [`crate::zones`] (`tss_lane`,
//! `tss_separation`, `tss_inshore`, `channel`, `restricted_visibility`).
//!
//! # Sectors of a lane
//!
//! A vessel in a lane is classified by the angle between her course over
//! ground and the lane's direction of flow ([`off_flow_deg`], 0–180°):
//!
//! | sector | angle | meaning |
//! |---|---|---|
//! | [`LaneSector::WithFlow`] | ≤ 45° | proceeding in the general direction of traffic flow (Rule 10(b)(i)), joining or leaving at a small angle (10(b)(iii)) |
//! | [`LaneSector::Crossing`] | 45°–135° | crossing (or joining/leaving at a large angle): Rule 10(c) asks for a **heading** as nearly as practicable at right angles to the flow |
//! | [`LaneSector::AgainstFlow`] | ≥ 135° | proceeding against the flow |
//!
//! 45° is [`GENERAL_DIRECTION_DEG`]: the "general direction" of Rule 10(b)(i)
//! is a sector, not a line, and halfway between along and across is where
//! a vessel stops being one and becomes the other. The against-flow sector
//! is its mirror image, so a vessel crossing at 30° off the perpendicular
//! (even with a component against the flow) is judged as a crossing (by her
//! heading), and only one within 45° of the reciprocal of the flow — at
//! least 70 % of her speed against the traffic — as proceeding against it.
//!
//! A crossing vessel's **heading** (not her course over ground, which the
//! tidal stream sets off) must lie within [`CROSSING_TOLERANCE_DEG`] (30°)
//! of the perpendicular to the flow ([`crossing_deviation_deg`]). 30°: Rule
//! 10(c) says "as nearly as practicable", so the tolerance has to allow for
//! a vessel that heads into a cross-current or alters a little for traffic
//! in the lane; 30° is also the change the research evaluators take as
//! "readily apparent" (AutoVerification's Δχ), i.e. a deviation an
//! observer would notice. When the heading is not transmitted the course
//! over ground stands in for it, and the judgement says so.
//!
//! Course over ground means nothing at low speed: nothing here judges a
//! vessel making less than [`MAKING_WAY_KN`] (3 kn; the engine's risk
//! detector already ignores COG changes below 2 kn as noise).

use finisterra_nav::geo::{normalize_deg_180, normalize_deg_360};
use serde::Serialize;

use crate::zones::{Fix, Rule, VesselFacts, Zone, ZoneEventKind, Zones};

/// Half-width of the "general direction of traffic flow" sector, degrees.
pub const GENERAL_DIRECTION_DEG: f64 = 45.0;
/// Largest deviation of a crossing vessel's heading from the perpendicular
/// to the flow, degrees (Rule 10(c)).
pub const CROSSING_TOLERANCE_DEG: f64 = 30.0;
/// Below this speed over ground a vessel's course is not judged, knots.
pub const MAKING_WAY_KN: f64 = 3.0;
/// A course more than this from a lane's flow is refused to the advice
/// ([`Zones::tss_forbids`]), degrees: any component against the flow.
pub const FORBIDDEN_FROM_FLOW_DEG: f64 = 90.0;

/// The angle between a course and a direction of flow, degrees in
/// [0, 180]; NaN for non-finite input.
pub fn off_flow_deg(flow_deg: f64, course_deg: f64) -> f64 {
    normalize_deg_180(course_deg - flow_deg).abs()
}

/// How far a heading is from the perpendicular to the flow, degrees in
/// [0, 90] (0: crossing at right angles, either way; 90: along the lane).
pub fn crossing_deviation_deg(flow_deg: f64, heading_deg: f64) -> f64 {
    (off_flow_deg(flow_deg, heading_deg) - 90.0).abs()
}

/// Which way a vessel proceeds in a lane (see the [module documentation](self)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LaneSector {
    /// Within 45° of the flow.
    WithFlow,
    /// Between 45° and 135° from the flow.
    Crossing,
    /// Within 45° of the reciprocal of the flow.
    AgainstFlow,
}

/// The sector of a course in a lane; `None` for non-finite input.
pub fn lane_sector(flow_deg: f64, cog_deg: f64) -> Option<LaneSector> {
    let d = off_flow_deg(flow_deg, cog_deg);
    if !d.is_finite() {
        None
    } else if d <= GENERAL_DIRECTION_DEG {
        Some(LaneSector::WithFlow)
    } else if d >= 180.0 - GENERAL_DIRECTION_DEG {
        Some(LaneSector::AgainstFlow)
    } else {
        Some(LaneSector::Crossing)
    }
}

/// Why a course is refused to the advice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TssBlockKind {
    /// The track enters a separation zone (Rule 10(e)).
    SeparationZone,
    /// The track runs in a lane more than 90° from its flow: into the
    /// opposing lane, or against the flow of the lane own ship is in
    /// (Rule 10(b)(i)).
    AgainstFlow,
}

/// The first place where a course breaks a traffic separation scheme.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct TssBlock {
    /// Index of the zone in [`Zones::zones`].
    pub zone: usize,
    /// What is wrong.
    pub kind: TssBlockKind,
    /// The rule, e.g. `"Rule 10(e)"`.
    pub rule: &'static str,
    /// When the track gets there, ms since the epoch (the start time when
    /// own ship is already in a lane against its flow on that course).
    pub time_ms: i64,
    /// Where, degrees.
    pub lat_deg: f64,
    /// Where, degrees.
    pub lon_deg: f64,
}

impl TssBlockKind {
    /// The rule the course would break.
    pub fn rule(self) -> &'static str {
        match self {
            TssBlockKind::SeparationZone => "Rule 10(e)",
            TssBlockKind::AgainstFlow => "Rule 10(b)(i)",
        }
    }
}

impl Zones {
    /// Whether a straight track from `at` on `cog_deg` at `sog_kn` for
    /// `horizon_s` seconds breaks a traffic separation scheme that applies
    /// to the vessel and is active: it enters a separation zone
    /// (`tss_separation`), or it runs in a lane (`tss_lane`) whose flow is
    /// more than [`FORBIDDEN_FROM_FLOW_DEG`] (90°) from `cog_deg` — entering
    /// the opposing lane, or turning against the flow of the lane own ship
    /// is in. The first such place along the track, or `None` when the
    /// course is acceptable (or the input unusable: non-finite, speed or
    /// horizon not positive).
    ///
    /// Meant as an obstacle for the advice search (`nav::advice`): a
    /// candidate course for which this returns `Some` should be ruled out
    /// (Rule 10 binds the give-way vessel too; Rule 8(f) keeps both
    /// vessels' Section II duties once risk exists, but no alteration needs
    /// to lead into a separation zone or the opposing lane). Own ship
    /// already inside a separation zone (crossing it) is not blocked by
    /// that zone: only entering one is. A vessel crossing a lane at right
    /// angles (90° from the flow) is not blocked.
    ///
    /// ```
    /// use finisterra_geofence::zones::{Fix, VesselFacts, Zones};
    /// use finisterra_geofence::traffic::TssBlockKind;
    /// let z = Zones::from_geojson_bytes(br#"{"type":"FeatureCollection","features":[
    ///   {"type":"Feature","properties":{"name":"northbound","rule":"tss_lane","flow_deg":0},
    ///    "geometry":{"type":"Polygon","coordinates":[[[-9.2,42],[-9.1,42],[-9.1,43],[-9.2,43],[-9.2,42]]]}}]}"#).unwrap();
    /// let v = VesselFacts::mmsi(224_000_001);
    /// let at = Fix { lat_deg: 42.5, lon_deg: -9.3, time_ms: 0 };
    /// // Heading into the lane and down it, against its flow.
    /// let b = z.tss_forbids(&v, &at, 135.0, 12.0, 3600.0).unwrap();
    /// assert_eq!(b.kind, TssBlockKind::AgainstFlow);
    /// // Crossing it at right angles is fine.
    /// assert!(z.tss_forbids(&v, &at, 90.0, 12.0, 1800.0).is_none());
    /// ```
    pub fn tss_forbids(
        &self,
        vessel: &VesselFacts,
        at: &Fix,
        cog_deg: f64,
        sog_kn: f64,
        horizon_s: f64,
    ) -> Option<TssBlock> {
        if !(cog_deg.is_finite() && sog_kn.is_finite() && horizon_s.is_finite())
            || sog_kn <= 0.0
            || horizon_s <= 0.0
        {
            return None;
        }
        let against = |rule: Rule| {
            rule.flow_deg().is_some_and(|f| {
                matches!(rule, Rule::TssLane { .. })
                    && off_flow_deg(f, cog_deg) > FORBIDDEN_FROM_FLOW_DEG
            })
        };
        let block = |zone: usize, kind: TssBlockKind, f: &Fix| TssBlock {
            zone,
            kind,
            rule: kind.rule(),
            time_ms: f.time_ms,
            lat_deg: f.lat_deg,
            lon_deg: f.lon_deg,
        };
        for i in self.inside(vessel, at.lat_deg, at.lon_deg, at.time_ms) {
            if against(self.zones()[i].rule) {
                return Some(block(i, TssBlockKind::AgainstFlow, at));
            }
        }
        self.predicted(vessel, at, cog_deg, sog_kn, horizon_s)
            .into_iter()
            .filter(|ev| ev.kind == ZoneEventKind::Entered)
            .find_map(|ev| {
                let rule = self.zones()[ev.zone].rule;
                let kind = if matches!(rule, Rule::TssSeparation { .. }) {
                    TssBlockKind::SeparationZone
                } else if against(rule) {
                    TssBlockKind::AgainstFlow
                } else {
                    return None;
                };
                let f = Fix {
                    lat_deg: ev.lat_deg,
                    lon_deg: ev.lon_deg,
                    time_ms: ev.time_ms,
                };
                Some(block(ev.zone, kind, &f))
            })
    }

    /// The visibility at a position, nautical miles: the smallest
    /// `visibility_nm` of the `restricted_visibility` areas active at
    /// `time_ms` that contain it; `None` outside them.
    pub fn visibility_nm_at(&self, lat_deg: f64, lon_deg: f64, time_ms: i64) -> Option<f64> {
        self.containing(lat_deg, lon_deg)
            .into_iter()
            .filter_map(|i| {
                let z = &self.zones()[i];
                match z.rule {
                    Rule::RestrictedVisibility { visibility_nm } if z.is_active(time_ms) => {
                        Some(visibility_nm)
                    }
                    _ => None,
                }
            })
            .reduce(f64::min)
    }

    /// True when some zone declares restricted visibility (active or not).
    pub fn has_restricted_visibility(&self) -> bool {
        self.zones()
            .iter()
            .any(|z| matches!(z.rule, Rule::RestrictedVisibility { .. }))
    }

    /// True when some zone is a routeing zone ([`Rule::is_traffic`]).
    pub fn has_traffic_zones(&self) -> bool {
        self.zones().iter().any(|z| z.rule.is_traffic())
    }
}

const R_M: f64 = 6_371_008.8;

/// Local east/north metres of `(lat, lon)` from `(lat0, lon0)`.
fn local_m(lat0: f64, lon0: f64, lat: f64, lon: f64) -> (f64, f64) {
    let x = normalize_deg_180(lon - lon0).to_radians() * R_M * lat0.to_radians().cos();
    let y = (lat - lat0).to_radians() * R_M;
    (x, y)
}

impl Zone {
    /// The nearest segment of a channel's axis to a position: its two ends
    /// in local metres around the position (which is the origin), and its
    /// direction, degrees true.
    fn nearest_axis_segment(&self, lat_deg: f64, lon_deg: f64) -> Option<((f64, f64), (f64, f64))> {
        type Seg = ((f64, f64), (f64, f64));
        let mut best: Option<(f64, Seg)> = None;
        for w in self.channel_axis.windows(2) {
            let a = local_m(lat_deg, lon_deg, w[0].0, w[0].1);
            let b = local_m(lat_deg, lon_deg, w[1].0, w[1].1);
            let (dx, dy) = (b.0 - a.0, b.1 - a.1);
            let len2 = dx * dx + dy * dy;
            if len2.is_nan() || len2 <= 0.0 {
                continue;
            }
            let t = (-(a.0 * dx + a.1 * dy) / len2).clamp(0.0, 1.0);
            let d = (a.0 + t * dx).hypot(a.1 + t * dy);
            if best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, (a, b)));
            }
        }
        best.map(|(_, seg)| seg)
    }

    /// The direction of a channel at a position, degrees true in [0, 360):
    /// the nearest segment of its axis (as drawn), else its `flow_deg`;
    /// `None` for other zones. Traffic runs both ways along it.
    pub fn channel_direction_at(&self, lat_deg: f64, lon_deg: f64) -> Option<f64> {
        if !matches!(self.rule, Rule::Channel { .. }) {
            return None;
        }
        match self.nearest_axis_segment(lat_deg, lon_deg) {
            Some((a, b)) => Some(normalize_deg_360((b.0 - a.0).atan2(b.1 - a.1).to_degrees())),
            None => self.rule.flow_deg(),
        }
    }

    /// How far a vessel at a position on `cog_deg` is from the channel's
    /// axis, metres, **positive on her own starboard side** of it (where
    /// Rule 9(a) wants her), negative on the wrong side. `None` without an
    /// axis, for other zones, or for a course across the channel (more than
    /// 45° from its direction either way): a crossing vessel has no side.
    pub fn channel_side_m(&self, lat_deg: f64, lon_deg: f64, cog_deg: f64) -> Option<f64> {
        if !matches!(self.rule, Rule::Channel { .. }) || !cog_deg.is_finite() {
            return None;
        }
        let (a, b) = self.nearest_axis_segment(lat_deg, lon_deg)?;
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len = dx.hypot(dy);
        let dir = (dx).atan2(dy).to_degrees();
        let off = off_flow_deg(dir, cog_deg);
        let sign = if off <= GENERAL_DIRECTION_DEG {
            1.0
        } else if off >= 180.0 - GENERAL_DIRECTION_DEG {
            -1.0
        } else {
            return None;
        };
        // Right of the segment's direction is positive; the position is
        // the origin.
        let cross = dx * (0.0 - a.1) - dy * (0.0 - a.0);
        Some(sign * -cross / len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sectors_and_deviation() {
        assert_eq!(lane_sector(0.0, 10.0), Some(LaneSector::WithFlow));
        assert_eq!(lane_sector(0.0, 315.0), Some(LaneSector::WithFlow));
        assert_eq!(lane_sector(0.0, 46.0), Some(LaneSector::Crossing));
        assert_eq!(lane_sector(0.0, 134.0), Some(LaneSector::Crossing));
        assert_eq!(lane_sector(0.0, 135.0), Some(LaneSector::AgainstFlow));
        assert_eq!(lane_sector(350.0, 175.0), Some(LaneSector::AgainstFlow));
        assert_eq!(lane_sector(f64::NAN, 175.0), None);
        assert_eq!(crossing_deviation_deg(20.0, 110.0), 0.0);
        assert_eq!(crossing_deviation_deg(20.0, 290.0), 0.0);
        assert!((crossing_deviation_deg(20.0, 70.0) - 40.0).abs() < 1e-9);
        assert!((crossing_deviation_deg(20.0, 200.0) - 90.0).abs() < 1e-9);
    }
}

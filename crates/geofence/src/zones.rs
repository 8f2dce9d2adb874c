//! Zones: areas and demarcation lines with a rule, an optional time window
//! and a selector of the vessels they apply to; which zones a vessel is
//! in, which it entered, left or crossed between two fixes, and which it
//! will enter or cross on its present course.
//!
//! # Input: a GeoJSON FeatureCollection
//!
//! Each feature is one zone. Geometry: Polygon or MultiPolygon (an area,
//! holes allowed) or LineString or MultiLineString (a line). Properties:
//!
//! | property | meaning |
//! |---|---|
//! | `name` | required, the zone's name |
//! | `rule` | required: `keep_out` (entering is a violation), `keep_in` (leaving is), `no_crossing` (crossing the line or the area's boundary either way is), `speed_limit` (with `max_sog_kn`; being inside faster is), `notify` (entry, exit and crossing are reported, nothing is a violation) |
//! | `max_sog_kn` | for `speed_limit`, knots, positive |
//! | `flow_deg` | for `tss_lane` (required): the direction of traffic flow in the lane, degrees true; for `channel`: the channel's direction (traffic runs both ways along it); for `tss_separation` (optional): the scheme's direction, so that a vessel crossing the zone (excepted by Rule 10(e)(i)) is told apart from one proceeding in it |
//! | `axis` | for `channel`: its centre line, `[[lon, lat], ...]` (two positions or more); with it the side of the channel a vessel is on is known (Rule 9(a)). A channel needs `flow_deg` or `axis` |
//! | `visibility_nm` | for `restricted_visibility` (required): the visibility in the area, nautical miles, positive |
//! | `active_from`, `active_until` | optional ISO 8601 UTC times (`2025-06-01T00:00:00Z`, an offset such as `+02:00`, or a date meaning 00:00Z); the zone is active from `active_from` (inclusive) until `active_until` (exclusive) |
//! | `floor`, `ceiling` | optional: vertical limits, which make the zone an **airspace** for aircraft only (rules `keep_out`, `keep_in`, `notify`; areas only): `{"value": 3000, "unit": "ft"\|"m"\|"fl", "datum": "gnd"\|"msl"\|"std"}`, `"SFC"`/`"GND"` (floor), `"UNL"` (ceiling), or OpenAIP's `lowerLimit`/`upperLimit` with numeric `unit` (0 m, 1 ft, 6 FL) and `referenceDatum` (0 GND, 1 MSL, 2 STD). See [`crate::airspace`] for how MSL and GND limits are compared with pressure altitude (approximately) |
//! | `applies_to` | optional: absent or `"all"` for every vessel, or an object: `{"mmsi": [...], "flag": ["RU", "US"], "ship_type": [[70, 79], [30, 30], 52], "class": ["A"], "length_m": [min, max]}`. Keys combine with AND, the values of one key with OR. In `ship_type` a number is one type and a pair `[low, high]` an inclusive range (so `[70, 79]` means types 70 and 79; write `[[70, 79]]` for the range). A single value may be given without the array (`"flag": "ES"`). In `length_m` either end may be `null`. `flag` is matched against the flag from the MMSI's MID ([`crate::mid`]); a vessel whose ship type or length is unknown does not match a selector that asks for them. For aircraft (airspaces): `{"icao": ["4CA2D1"], "icao_country": ["ES"], "category": ["A3", "B6"]}` — hexadecimal 24-bit addresses, the State of the address block ([`crate::icao`]), ADS-B emitter categories. A selector is for vessels or for aircraft: one with vessel keys never matches an aircraft, one with aircraft keys never matches a vessel, and mixing both is refused; `"all"` matches both. |
//!
//! Routeing zones (Rules 9 and 10) and restricted visibility (Rule 19):
//!
//! | `rule` | meaning |
//! |---|---|
//! | `tss_lane` | a traffic lane of a traffic separation scheme, one-way in `flow_deg` (Rule 10(b)(i)) |
//! | `tss_separation` | a separation zone (Rule 10(e)): not to be entered except when crossing, joining or leaving a lane, or fishing in it |
//! | `tss_inshore` | an inshore traffic zone (Rule 10(d)): not for through traffic that can safely use the adjacent lane, except vessels under 20 m, sailing vessels and vessels engaged in fishing |
//! | `channel` | a narrow channel or fairway (Rule 9): each vessel keeps to the starboard side |
//! | `restricted_visibility` | an area where an operator declares restricted visibility (`visibility_nm`, usually with `active_from`/`active_until`); `applies_to` is refused (visibility is the same for every vessel) |
//!
//! What a vessel does in them is judged by the engine from her course and
//! heading; [`Zones::step`] reports their entries and exits like those of
//! any zone but none is a violation ([`Rule::is_violation`]). The pure
//! queries are in [`crate::traffic`]: [`Zones::tss_forbids`] (does a course
//! lead into a separation zone or against a lane's flow) and
//! [`Zones::visibility_nm_at`].
//!
//! `keep_out`, `keep_in`, `speed_limit` and the routeing and visibility
//! rules need an area; `no_crossing` and `notify` take an area or a line.
//!
//! # Geometry conventions
//!
//! * Edges are straight lines in longitude/latitude (RFC 7946), tested
//!   exactly in fixed point (10⁻⁷ degree).
//! * **A point on a zone's boundary is inside the zone.** A track that
//!   touches a line counts as crossing it.
//! * **Crossing ±180°:** every edge is taken the short way round
//!   (|Δlongitude| ≤ 180°). A zone across the antimeridian can therefore be
//!   given with longitudes beyond 180 (`[175, 10], [185, 10], …`) or
//!   wrapped (`[175, 10], [-175, 10], …`); both mean the same area. A ring
//!   encircling a pole is refused.
//! * Areas use the nonzero winding rule after orienting exteriors
//!   counter-clockwise and holes clockwise, so overlapping parts of a
//!   MultiPolygon give their union.
//!
//! # Validation of areas
//!
//! Each ring of a polygon must be simple, and the rings of one polygon
//! (the exterior and its holes) must not meet: two edges of a ring that are
//! not consecutive may not cross or touch, consecutive edges may not fold
//! back over each other, and a hole may not cross or touch its exterior or
//! another hole. Otherwise loading fails with a geometry error naming the
//! feature, the polygon, the ring(s), the two edges (edge `k` runs from
//! position `k` to `k + 1`, the last one back to the first position) and
//! about where they meet. Repeated consecutive positions are ignored. The
//! test is exact, on the fixed-point coordinates with longitudes unwrapped
//! (a ring across ±180° is not split), and takes `O(n log n)` time for `n`
//! edges whatever their shape (a Shamos–Hoey sweep that stops at the first
//! meeting). Different polygons of a MultiPolygon may overlap,
//! and lines may cross themselves: neither is checked. A ring whose last
//! position is not its first is closed, as before, with a warning
//! ([`Zones::warnings`]).
//!
//! # Tracks
//!
//! [`Zones::step`] takes the segment between a vessel's previous and new
//! fix, so a fast vessel that jumps over a thin zone between two fixes is
//! seen entering and leaving it. [`Zones::predicted`] follows the course
//! over ground (as [`finisterra_nav::geo::destination`] does, in pieces of
//! at most 2 NM treated as straight in longitude/latitude) for a horizon.

use finisterra_nav::geo::{destination, normalize_deg_180, wrap_lon_deg, MPS_PER_KN};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::boxindex::{BoxIndex, DegBox};
use crate::error::{GeoJsonError, GeoJsonErrorKind};
use crate::exact::{meet_params, segments_touch, Pt, Side};
use crate::geojson::{features, parse_json, Feature, Geom};
use crate::grid::{EdgeGrid, Rings, MAX_K};
use crate::mid::flag_of_mmsi;
use crate::rings::{area2, unwrap, PolygonDeg};
use crate::simple::{find_meeting, is_unclosed, RingPts};

/// What a zone asks of the vessels it applies to.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Rule {
    /// Entering the area is a violation.
    KeepOut,
    /// Leaving the area is a violation.
    KeepIn,
    /// Crossing the line (or the area's boundary, either way) is a
    /// violation.
    NoCrossing,
    /// Being inside faster than `max_sog_kn` is a violation.
    SpeedLimit {
        /// Speed limit over ground, knots.
        max_sog_kn: f64,
    },
    /// Entry, exit and crossing are reported; nothing is a violation.
    Notify,
    /// A traffic lane of a traffic separation scheme (Rule 10), one-way,
    /// traffic proceeding in `flow_deg`.
    TssLane {
        /// Direction of traffic flow, degrees true.
        flow_deg: f64,
    },
    /// A separation zone of a traffic separation scheme (Rule 10(e)).
    TssSeparation {
        /// The scheme's direction (either way), degrees true, when given:
        /// a vessel crossing the zone (more than 45° from it) is then told
        /// apart from one proceeding in it.
        flow_deg: Option<f64>,
    },
    /// An inshore traffic zone (Rule 10(d)).
    TssInshore,
    /// A narrow channel or fairway (Rule 9): two-way traffic, each keeping
    /// to the starboard side. The direction of the channel comes from
    /// `flow_deg` (either way along it) or from its `axis` line
    /// ([`Zone::channel_axis`]), which also tells the sides apart.
    Channel {
        /// Direction of the channel, degrees true (traffic runs both ways
        /// along it); `None` when only an axis line is given.
        flow_deg: Option<f64>,
    },
    /// An area of restricted visibility declared by an operator (Rule 19):
    /// vessels in or near it farther apart than `visibility_nm` are not in
    /// sight of one another.
    RestrictedVisibility {
        /// Visibility, nautical miles.
        visibility_nm: f64,
    },
}

const RULE_CODES: &str = "keep_out, keep_in, no_crossing, speed_limit, notify, tss_lane, \
                          tss_separation, tss_inshore, channel, restricted_visibility";

impl Rule {
    /// The rule's code as written in GeoJSON (`keep_out`, …).
    pub fn code(&self) -> &'static str {
        match self {
            Rule::KeepOut => "keep_out",
            Rule::KeepIn => "keep_in",
            Rule::NoCrossing => "no_crossing",
            Rule::SpeedLimit { .. } => "speed_limit",
            Rule::Notify => "notify",
            Rule::TssLane { .. } => "tss_lane",
            Rule::TssSeparation { .. } => "tss_separation",
            Rule::TssInshore => "tss_inshore",
            Rule::Channel { .. } => "channel",
            Rule::RestrictedVisibility { .. } => "restricted_visibility",
        }
    }

    /// True for the routeing zones of Rules 9 and 10 (`tss_lane`,
    /// `tss_separation`, `tss_inshore`, `channel`): what they ask is judged
    /// from a vessel's course and heading, not from entries and exits.
    pub fn is_traffic(&self) -> bool {
        matches!(
            self,
            Rule::TssLane { .. }
                | Rule::TssSeparation { .. }
                | Rule::TssInshore
                | Rule::Channel { .. }
        )
    }

    /// The direction of traffic flow of a lane, or the direction given
    /// with `flow_deg` of a channel or separation zone, degrees true.
    pub fn flow_deg(&self) -> Option<f64> {
        match *self {
            Rule::TssLane { flow_deg } => Some(flow_deg),
            Rule::Channel { flow_deg } | Rule::TssSeparation { flow_deg } => flow_deg,
            _ => None,
        }
    }

    /// Whether an event of this kind breaks the rule.
    pub fn is_violation(&self, kind: ZoneEventKind) -> bool {
        matches!(
            (self, kind),
            (Rule::KeepOut, ZoneEventKind::Entered)
                | (Rule::KeepIn, ZoneEventKind::Left)
                | (Rule::NoCrossing, _)
        )
    }
}

/// AIS equipment class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum AisClass {
    /// Class A (SOLAS ships).
    A,
    /// Class B.
    B,
}

/// What the selector needs to know about a vessel (no dependency on the
/// engine's types).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct VesselFacts {
    /// MMSI (the flag comes from its MID).
    pub mmsi: u32,
    /// AIS ship and cargo type (0–99), when known.
    pub ship_type: Option<u8>,
    /// True for an AIS class B station.
    pub class_b: bool,
    /// Overall length, metres, when known.
    pub length_m: Option<f64>,
}

impl VesselFacts {
    /// A vessel known only by its MMSI (class A, type and length unknown).
    pub fn mmsi(mmsi: u32) -> VesselFacts {
        VesselFacts {
            mmsi,
            ship_type: None,
            class_b: false,
            length_m: None,
        }
    }
}

/// Which vessels a zone applies to. Keys combine with AND, values of a key
/// with OR; an absent key does not restrict.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Selector {
    /// MMSIs.
    pub mmsi: Option<Vec<u32>>,
    /// Flags, ISO 3166-1 alpha-2, from the MMSI's MID.
    pub flag: Option<Vec<String>>,
    /// Inclusive ranges of AIS ship types.
    pub ship_type: Option<Vec<(u8, u8)>>,
    /// AIS classes.
    pub class: Option<Vec<AisClass>>,
    /// Inclusive range of lengths, metres (either end may be open).
    pub length_m: Option<(Option<f64>, Option<f64>)>,
    /// Aircraft: ICAO 24-bit addresses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icao: Option<Vec<u32>>,
    /// Aircraft: States of registry, ISO 3166-1 alpha-2, from the address
    /// block ([`crate::icao`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icao_country: Option<Vec<String>>,
    /// Aircraft: ADS-B emitter categories (`"A3"`), upper case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<Vec<String>>,
}

impl Selector {
    /// Every vessel.
    pub fn all() -> Selector {
        Selector::default()
    }

    /// True when no key restricts.
    pub fn is_all(&self) -> bool {
        *self == Selector::default()
    }

    /// True when a vessel key (`mmsi`, `flag`, `ship_type`, `class`,
    /// `length_m`) is present.
    pub fn has_vessel_keys(&self) -> bool {
        self.mmsi.is_some()
            || self.flag.is_some()
            || self.ship_type.is_some()
            || self.class.is_some()
            || self.length_m.is_some()
    }

    /// True when an aircraft key (`icao`, `icao_country`, `category`) is
    /// present.
    pub fn has_aircraft_keys(&self) -> bool {
        self.icao.is_some() || self.icao_country.is_some() || self.category.is_some()
    }

    /// Whether the selector takes this aircraft: never when it has vessel
    /// keys; an unknown category does not match a selector that asks for
    /// one.
    pub fn matches_aircraft(&self, a: &crate::airspace::AircraftFacts) -> bool {
        if self.has_vessel_keys() {
            return false;
        }
        if let Some(list) = &self.icao {
            if !list.contains(&a.icao) {
                return false;
            }
        }
        if let Some(cs) = &self.icao_country {
            match crate::icao::country_of_icao(a.icao) {
                Some(c) if cs.iter().any(|x| x == c) => {}
                _ => return false,
            }
        }
        if let Some(cats) = &self.category {
            match &a.category {
                Some(c) if cats.iter().any(|x| x.eq_ignore_ascii_case(c)) => {}
                _ => return false,
            }
        }
        true
    }

    /// Whether the selector takes this vessel: never when it has aircraft
    /// keys.
    pub fn matches(&self, v: &VesselFacts) -> bool {
        if self.has_aircraft_keys() {
            return false;
        }
        if let Some(m) = &self.mmsi {
            if !m.contains(&v.mmsi) {
                return false;
            }
        }
        if let Some(fl) = &self.flag {
            match flag_of_mmsi(v.mmsi) {
                Some(f) if fl.iter().any(|x| x == f) => {}
                _ => return false,
            }
        }
        if let Some(ranges) = &self.ship_type {
            match v.ship_type {
                Some(t) if ranges.iter().any(|&(a, b)| a <= t && t <= b) => {}
                _ => return false,
            }
        }
        if let Some(cl) = &self.class {
            let c = if v.class_b { AisClass::B } else { AisClass::A };
            if !cl.contains(&c) {
                return false;
            }
        }
        if let Some((lo, hi)) = self.length_m {
            match v.length_m {
                Some(l)
                    if l.is_finite() && lo.is_none_or(|x| l >= x) && hi.is_none_or(|x| l <= x) => {}
                _ => return false,
            }
        }
        true
    }
}

/// Whether a zone is an area or a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneShape {
    /// Polygon or MultiPolygon.
    Area,
    /// LineString or MultiLineString.
    Line,
}

/// What happened at a zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneEventKind {
    /// Went into an area.
    Entered,
    /// Came out of an area.
    Left,
    /// Crossed (or touched) a line.
    Crossed,
}

/// A zone event along a step between fixes, or along a predicted track.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ZoneEvent {
    /// Index of the zone in [`Zones::zones`].
    pub zone: usize,
    /// What happened.
    pub kind: ZoneEventKind,
    /// Whether it breaks the zone's rule ([`Rule::is_violation`]).
    pub violation: bool,
    /// Where along the step it happened, 0 (previous fix) to 1 (new fix);
    /// for predictions, along the whole predicted track.
    pub fraction: f64,
    /// When, milliseconds since 1970-01-01T00:00:00Z (interpolated
    /// between the fixes, or predicted).
    pub time_ms: i64,
    /// Where, degrees.
    pub lat_deg: f64,
    /// Where, degrees in (−180, 180].
    pub lon_deg: f64,
}

/// A position at a time.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Fix {
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Milliseconds since 1970-01-01T00:00:00Z.
    pub time_ms: i64,
}

#[derive(Clone, Debug)]
enum Geometry {
    Area {
        rings: Rings,
        grid: Option<EdgeGrid>,
    },
    Line {
        lines: Rings,
    },
}

/// One zone. Its geometry is private; query it through [`Zone::contains`]
/// and [`Zone::segment_crosses`].
#[derive(Clone, Debug)]
pub struct Zone {
    /// The `name` property.
    pub name: String,
    /// The feature's `id`, when it has one.
    pub id: Option<String>,
    /// The `rule` property.
    pub rule: Rule,
    /// Start of the active window, ms since the epoch (inclusive).
    pub active_from_ms: Option<i64>,
    /// End of the active window, ms since the epoch (exclusive).
    pub active_until_ms: Option<i64>,
    /// The `applies_to` property.
    pub applies_to: Selector,
    /// All properties of the feature as given.
    pub properties: Map<String, Value>,
    /// The axis of a `channel` (its `axis` property): positions as
    /// `(lat_deg, lon_deg)`, at least two; empty otherwise.
    pub channel_axis: Vec<(f64, f64)>,
    /// Floor and ceiling: `Some` makes the zone an airspace, for aircraft
    /// only ([`crate::airspace`]).
    pub vertical: Option<crate::airspace::VerticalLimits>,
    geometry: Geometry,
    /// Bounding box, fixed point, longitudes continuous (may pass ±180°).
    lo: Pt,
    hi: Pt,
}

const UNIT: i64 = 10_000_000;
const TURN: i64 = 360 * UNIT;
/// Areas with more edges than this get their own edge grid.
const GRID_MIN_EDGES: usize = 48;

impl Zone {
    /// Area or line.
    pub fn shape(&self) -> ZoneShape {
        match self.geometry {
            Geometry::Area { .. } => ZoneShape::Area,
            Geometry::Line { .. } => ZoneShape::Line,
        }
    }

    /// Whether the zone is active at `time_ms`.
    pub fn is_active(&self, time_ms: i64) -> bool {
        self.active_from_ms.is_none_or(|f| time_ms >= f)
            && self.active_until_ms.is_none_or(|u| time_ms < u)
    }

    /// Whether the zone is active at `time_ms` and applies to the vessel
    /// (never for an airspace).
    pub fn applies(&self, vessel: &VesselFacts, time_ms: i64) -> bool {
        self.vertical.is_none() && self.is_active(time_ms) && self.applies_to.matches(vessel)
    }

    /// Whether the zone is an airspace active at `time_ms` that applies to
    /// the aircraft.
    pub fn applies_to_aircraft(
        &self,
        aircraft: &crate::airspace::AircraftFacts,
        time_ms: i64,
    ) -> bool {
        self.vertical.is_some()
            && self.is_active(time_ms)
            && self.applies_to.matches_aircraft(aircraft)
    }

    /// Bounding box as `(lat_lo, lon_lo, lat_hi, lon_hi)` degrees;
    /// longitudes continuous, so `lon_hi` may exceed 180 for a zone across
    /// the antimeridian.
    pub fn bbox_deg(&self) -> (f64, f64, f64, f64) {
        (
            self.lo.lat_deg(),
            self.lo.lon_deg(),
            self.hi.lat_deg(),
            self.hi.lon_deg(),
        )
    }

    pub(crate) fn deg_box(&self) -> DegBox {
        DegBox {
            lat_lo: self.lo.lat_deg(),
            lat_hi: self.hi.lat_deg(),
            lon_lo: self.lo.lon_deg(),
            lon_hi: self.hi.lon_deg(),
        }
    }

    pub(crate) fn side_at(&self, p: Pt) -> Side {
        let Geometry::Area { rings, grid } = &self.geometry else {
            return Side::Outside;
        };
        for k in [0, -1, 1] {
            let q = Pt::new(p.x + k * TURN, p.y);
            if q.x < self.lo.x || q.x > self.hi.x || q.y < self.lo.y || q.y > self.hi.y {
                continue;
            }
            let s = match grid {
                Some(g) => g.side(rings, q),
                None => crate::exact::side_linear(&rings.v, &rings.starts, q),
            };
            if s != Side::Outside {
                return s;
            }
        }
        Side::Outside
    }

    /// Whether the area contains the position (a point on the boundary is
    /// inside). Always false for a line, and for unusable input.
    pub fn contains(&self, lat_deg: f64, lon_deg: f64) -> bool {
        match query_pt(lat_deg, lon_deg) {
            Some(p) => self.side_at(p) != Side::Outside,
            None => false,
        }
    }

    /// Whether the segment from (`lat0`, `lon0`) to (`lat1`, `lon1`)
    /// (straight in longitude/latitude, the short way round) meets the line
    /// or the area's boundary; touching counts. Exact.
    pub fn segment_crosses(
        &self,
        lat0_deg: f64,
        lon0_deg: f64,
        lat1_deg: f64,
        lon1_deg: f64,
    ) -> bool {
        let Some((a, b)) = query_segment(lat0_deg, lon0_deg, lat1_deg, lon1_deg) else {
            return false;
        };
        let mut hit = false;
        self.for_each_edge_near(a, b, |_, (c, d), (sa, sb)| {
            if !hit && segments_touch(sa, sb, c, d) {
                hit = true;
            }
        });
        hit
    }

    /// Calls `f(shift, edge, shifted segment)` for the zone's edges that
    /// may meet the segment `a b`, for each ±360° copy of the segment that
    /// overlaps the zone's box.
    fn for_each_edge_near(&self, a: Pt, b: Pt, mut f: impl FnMut(i64, (Pt, Pt), (Pt, Pt))) {
        let rings = match &self.geometry {
            Geometry::Area { rings, .. } => rings,
            Geometry::Line { lines } => lines,
        };
        for k in [0, -1, 1] {
            let (sa, sb) = (Pt::new(a.x + k * TURN, a.y), Pt::new(b.x + k * TURN, b.y));
            let (xlo, xhi) = (sa.x.min(sb.x), sa.x.max(sb.x));
            let (ylo, yhi) = (sa.y.min(sb.y), sa.y.max(sb.y));
            if xhi < self.lo.x || xlo > self.hi.x || yhi < self.lo.y || ylo > self.hi.y {
                continue;
            }
            match &self.geometry {
                Geometry::Area { grid: Some(g), .. } => {
                    let mut seen: Vec<u32> = Vec::new();
                    g.for_each_sub_in(xlo, ylo, xhi, yhi, |s| {
                        seen.extend_from_slice(g.sub_edges(s.index));
                    });
                    seen.sort_unstable();
                    seen.dedup();
                    for e in seen {
                        f(k, rings.edge(e), (sa, sb));
                    }
                }
                _ => {
                    for e in rings.edge_ids() {
                        let (c, d) = rings.edge(e);
                        if c.x.max(d.x) < xlo
                            || c.x.min(d.x) > xhi
                            || c.y.max(d.y) < ylo
                            || c.y.min(d.y) > yhi
                        {
                            continue;
                        }
                        f(k, (c, d), (sa, sb));
                    }
                }
            }
        }
    }

    /// Events along the segment `a → b` (fixed point, `b` unwrapped next to
    /// `a`): `(fraction, kind)` in order.
    pub(crate) fn events_along(&self, a: Pt, b: Pt, out: &mut Vec<(f64, ZoneEventKind)>) {
        out.clear();
        let mut ts: Vec<f64> = Vec::new();
        self.for_each_edge_near(a, b, |_, (c, d), (sa, sb)| {
            ts.extend_from_slice(meet_params(sa, sb, c, d).as_slice());
        });
        if ts.is_empty() {
            return;
        }
        ts.sort_unstable_by(f64::total_cmp);
        ts.dedup();
        match self.geometry {
            Geometry::Line { .. } => {
                out.extend(ts.into_iter().map(|t| (t, ZoneEventKind::Crossed)));
            }
            Geometry::Area { .. } => {
                let at = |t: f64| -> bool {
                    let p = Pt::new(
                        a.x + ((b.x - a.x) as f64 * t).round() as i64,
                        a.y + ((b.y - a.y) as f64 * t).round() as i64,
                    );
                    self.side_at(p) != Side::Outside
                };
                let mut cur = self.side_at(a) != Side::Outside;
                let mut bounds = Vec::with_capacity(ts.len() + 2);
                bounds.push(0.0);
                bounds.extend(ts.iter().copied().filter(|&t| t > 0.0 && t < 1.0));
                bounds.push(1.0);
                for w in bounds.windows(2) {
                    let (t0, t1) = (w[0], w[1]);
                    if t1 - t0 < 1e-12 {
                        continue;
                    }
                    let mid = at(0.5 * (t0 + t1));
                    if mid != cur {
                        out.push((
                            t0,
                            if mid {
                                ZoneEventKind::Entered
                            } else {
                                ZoneEventKind::Left
                            },
                        ));
                        cur = mid;
                    }
                }
                let end = self.side_at(b) != Side::Outside;
                if end != cur {
                    out.push((
                        1.0,
                        if end {
                            ZoneEventKind::Entered
                        } else {
                            ZoneEventKind::Left
                        },
                    ));
                }
            }
        }
    }
}

/// Fixed-point query point, longitude wrapped into [−180, 180).
pub(crate) fn query_pt(lat_deg: f64, lon_deg: f64) -> Option<Pt> {
    if !(lat_deg.is_finite() && lon_deg.is_finite()) || lat_deg.abs() > 90.0 {
        return None;
    }
    let mut p = Pt::from_deg(wrap_lon_deg(lon_deg), lat_deg)?;
    if p.x >= 180 * UNIT {
        p.x -= TURN;
    }
    Some(p)
}

/// A segment in fixed point, the second end unwrapped next to the first.
pub(crate) fn query_segment(lat0: f64, lon0: f64, lat1: f64, lon1: f64) -> Option<(Pt, Pt)> {
    let a = query_pt(lat0, lon0)?;
    if !(lat1.is_finite() && lon1.is_finite()) || lat1.abs() > 90.0 {
        return None;
    }
    let lon1u = a.lon_deg() + normalize_deg_180(lon1 - a.lon_deg());
    let b = Pt::from_deg(lon1u, lat1)?;
    Some((a, b))
}

/// A set of zones with a bounding-box index.
#[derive(Clone, Debug, Default)]
pub struct Zones {
    zones: Vec<Zone>,
    index: BoxIndex,
    warnings: Vec<String>,
}

impl Zones {
    /// No zones.
    pub fn empty() -> Zones {
        Zones::default()
    }

    /// Zones from a GeoJSON FeatureCollection (see the [module
    /// documentation](self) for the properties). Every problem is an error
    /// naming the feature; use [`GeoJsonError::in_source`] to add the file
    /// name.
    pub fn from_geojson_bytes(bytes: &[u8]) -> Result<Zones, GeoJsonError> {
        let doc = parse_json(bytes)?;
        let feats = features(&doc)?;
        let mut warnings = Vec::new();
        let zones = feats
            .iter()
            .map(|f| zone_from_feature(f, &mut warnings))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Zones::new(zones, warnings))
    }

    fn new(zones: Vec<Zone>, warnings: Vec<String>) -> Zones {
        let boxes: Vec<DegBox> = zones.iter().map(Zone::deg_box).collect();
        let index = BoxIndex::build(&boxes);
        Zones {
            zones,
            index,
            warnings,
        }
    }

    /// What was repaired while loading, one message per problem, naming
    /// the feature as errors do (for example `feature 2 ("Anchorage"):
    /// ring 1 of polygon 1 was not closed; closed it`). Empty for
    /// [`Zones::empty`].
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The zones, in document order.
    pub fn zones(&self) -> &[Zone] {
        &self.zones
    }

    /// Candidate zones whose boxes may overlap `bx`.
    pub(crate) fn index_query(&self, bx: &DegBox, out: &mut Vec<u32>) {
        self.index.query(bx, out);
    }

    /// Number of zones.
    pub fn len(&self) -> usize {
        self.zones.len()
    }

    /// True when there are no zones.
    pub fn is_empty(&self) -> bool {
        self.zones.is_empty()
    }

    /// Indices of the areas containing the position, whatever their rule,
    /// time window or selector, in index order.
    pub fn containing(&self, lat_deg: f64, lon_deg: f64) -> Vec<usize> {
        let Some(p) = query_pt(lat_deg, lon_deg) else {
            return Vec::new();
        };
        let mut out: Vec<usize> = self
            .index
            .at(lat_deg, wrap_lon_deg(lon_deg))
            .iter()
            .map(|&i| i as usize)
            .filter(|&i| self.zones[i].side_at(p) != Side::Outside)
            .collect();
        out.sort_unstable();
        out
    }

    /// Indices of the areas containing the position that are active at
    /// `time_ms` and apply to the vessel.
    pub fn inside(
        &self,
        vessel: &VesselFacts,
        lat_deg: f64,
        lon_deg: f64,
        time_ms: i64,
    ) -> Vec<usize> {
        let mut v = self.containing(lat_deg, lon_deg);
        v.retain(|&i| self.zones[i].applies(vessel, time_ms));
        v
    }

    /// Speed-limit areas containing the fix, active and applying to the
    /// vessel, whose limit `sog_kn` exceeds: `(zone, max_sog_kn)`.
    pub fn speed_violations(
        &self,
        vessel: &VesselFacts,
        fix: &Fix,
        sog_kn: f64,
    ) -> Vec<(usize, f64)> {
        if !sog_kn.is_finite() {
            return Vec::new();
        }
        self.inside(vessel, fix.lat_deg, fix.lon_deg, fix.time_ms)
            .into_iter()
            .filter_map(|i| match self.zones[i].rule {
                Rule::SpeedLimit { max_sog_kn } if sog_kn > max_sog_kn => Some((i, max_sog_kn)),
                _ => None,
            })
            .collect()
    }

    /// Zones entered, left or crossed between two fixes of one vessel, in
    /// order along the step (then by zone index). Only zones that apply to
    /// the vessel and are active at the event's time are reported.
    pub fn step(&self, vessel: &VesselFacts, from: &Fix, to: &Fix) -> Vec<ZoneEvent> {
        let mut out = Vec::new();
        self.step_into(vessel, from, to, 0.0, 1.0, &mut out);
        sort_events(&mut out);
        out
    }

    /// Events of the step `from → to`, their fractions mapped to
    /// `f0 + f·(f1 − f0)`.
    fn step_into(
        &self,
        vessel: &VesselFacts,
        from: &Fix,
        to: &Fix,
        f0: f64,
        f1: f64,
        out: &mut Vec<ZoneEvent>,
    ) {
        let Some((a, b)) = query_segment(from.lat_deg, from.lon_deg, to.lat_deg, to.lon_deg) else {
            return;
        };
        let bx = DegBox {
            lat_lo: a.lat_deg().min(b.lat_deg()),
            lat_hi: a.lat_deg().max(b.lat_deg()),
            lon_lo: a.lon_deg().min(b.lon_deg()),
            lon_hi: a.lon_deg().max(b.lon_deg()),
        };
        let mut cands = Vec::new();
        self.index.query(&bx, &mut cands);
        let mut evs = Vec::new();
        for &zi in &cands {
            let z = &self.zones[zi as usize];
            if z.vertical.is_some() || !z.applies_to.matches(vessel) || !z.deg_box().overlaps(&bx) {
                continue;
            }
            z.events_along(a, b, &mut evs);
            for &(t, kind) in &evs {
                let time_ms = (from.time_ms as f64 + (to.time_ms as f64 - from.time_ms as f64) * t)
                    .round() as i64;
                if !z.is_active(time_ms) {
                    continue;
                }
                let lat = a.lat_deg() + (b.lat_deg() - a.lat_deg()) * t;
                let lon = wrap_lon_deg(a.lon_deg() + (b.lon_deg() - a.lon_deg()) * t);
                out.push(ZoneEvent {
                    zone: zi as usize,
                    kind,
                    violation: z.rule.is_violation(kind),
                    fraction: f0 + (f1 - f0) * t,
                    time_ms,
                    lat_deg: lat,
                    lon_deg: lon,
                });
            }
        }
    }

    /// Zones the vessel will enter, leave or cross if it keeps its course
    /// and speed from `at` for `horizon_s` seconds, in order (then by zone
    /// index). The track follows the geodesic of
    /// [`finisterra_nav::geo::destination`] in pieces of at most 2 NM.
    /// Empty for unusable input (non-finite, negative speed or horizon).
    pub fn predicted(
        &self,
        vessel: &VesselFacts,
        at: &Fix,
        cog_deg: f64,
        sog_kn: f64,
        horizon_s: f64,
    ) -> Vec<ZoneEvent> {
        let mut out = Vec::new();
        if !(cog_deg.is_finite() && sog_kn.is_finite() && horizon_s.is_finite())
            || sog_kn <= 0.0
            || horizon_s <= 0.0
        {
            return out;
        }
        let total_m = (sog_kn * MPS_PER_KN * horizon_s).min(crate::land::MAX_RANGE_M);
        let n = ((total_m / 3704.0).ceil() as usize).clamp(1, 512);
        let mut prev = *at;
        for i in 1..=n {
            let s = total_m * i as f64 / n as f64;
            let (lat, lon) = destination(at.lat_deg, at.lon_deg, cog_deg, s);
            if !(lat.is_finite() && lon.is_finite()) {
                break;
            }
            let dt_ms = (s / (sog_kn * MPS_PER_KN) * 1000.0).round() as i64;
            let next = Fix {
                lat_deg: lat,
                lon_deg: lon,
                time_ms: at.time_ms.saturating_add(dt_ms),
            };
            let (f0, f1) = ((i - 1) as f64 / n as f64, i as f64 / n as f64);
            self.step_into(vessel, &prev, &next, f0, f1, &mut out);
            prev = next;
        }
        sort_events(&mut out);
        // A piece boundary lying on a zone boundary can report one event
        // from both pieces.
        out.dedup_by(|b, a| {
            a.zone == b.zone && a.kind == b.kind && (a.fraction - b.fraction).abs() < 1e-9
        });
        out
    }
}

fn sort_events(v: &mut [ZoneEvent]) {
    v.sort_by(|a, b| a.fraction.total_cmp(&b.fraction).then(a.zone.cmp(&b.zone)));
}

// ---------------------------------------------------------------------
// Parsing

fn prop_err(f: &Feature<'_>, msg: String) -> GeoJsonError {
    f.err(GeoJsonErrorKind::Property(msg))
}

fn zone_from_feature(f: &Feature<'_>, warnings: &mut Vec<String>) -> Result<Zone, GeoJsonError> {
    let empty = Map::new();
    let props = f.properties.unwrap_or(&empty);
    let name = match props.get("name") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(v) if !v.is_null() => {
            return Err(prop_err(f, format!("\"name\" must be a string, not {v}")))
        }
        _ => {
            return Err(prop_err(
                f,
                "\"name\" is missing: every zone needs a name".into(),
            ))
        }
    };
    let rule = match props.get("rule") {
        None | Some(Value::Null) => {
            return Err(prop_err(
                f,
                format!("\"rule\" is missing; use one of {RULE_CODES}"),
            ))
        }
        Some(Value::String(s)) => match s.as_str() {
            "keep_out" => Rule::KeepOut,
            "keep_in" => Rule::KeepIn,
            "no_crossing" => Rule::NoCrossing,
            "notify" => Rule::Notify,
            "tss_lane" => match direction(f, props, "flow_deg")? {
                Some(flow_deg) => Rule::TssLane { flow_deg },
                None => {
                    return Err(prop_err(
                        f,
                        "rule tss_lane needs \"flow_deg\" (the direction of traffic flow, \
                         degrees true)"
                            .into(),
                    ))
                }
            },
            "tss_separation" => Rule::TssSeparation {
                flow_deg: direction(f, props, "flow_deg")?,
            },
            "tss_inshore" => Rule::TssInshore,
            "channel" => Rule::Channel {
                flow_deg: direction(f, props, "flow_deg")?,
            },
            "restricted_visibility" => match props.get("visibility_nm") {
                Some(v) => match v.as_f64() {
                    Some(x) if x.is_finite() && x > 0.0 => {
                        Rule::RestrictedVisibility { visibility_nm: x }
                    }
                    _ => {
                        return Err(prop_err(
                            f,
                            format!(
                                "\"visibility_nm\" {v} must be a positive number of nautical miles"
                            ),
                        ))
                    }
                },
                None => {
                    return Err(prop_err(
                        f,
                        "rule restricted_visibility needs \"visibility_nm\" (nautical miles)"
                            .into(),
                    ))
                }
            },
            "speed_limit" => match props.get("max_sog_kn").and_then(Value::as_f64) {
                Some(v) if v.is_finite() && v > 0.0 => Rule::SpeedLimit { max_sog_kn: v },
                Some(v) => {
                    return Err(prop_err(
                        f,
                        format!("\"max_sog_kn\" {v} must be a positive number of knots"),
                    ))
                }
                None => {
                    return Err(prop_err(
                        f,
                        "rule speed_limit needs \"max_sog_kn\" (knots)".into(),
                    ))
                }
            },
            other => {
                return Err(prop_err(
                    f,
                    format!("rule {other:?} is not one of {RULE_CODES}"),
                ))
            }
        },
        Some(v) => {
            return Err(prop_err(
                f,
                format!("\"rule\" must be a string, one of {RULE_CODES}; got {v}"),
            ))
        }
    };
    let time = |key: &str| -> Result<Option<i64>, GeoJsonError> {
        match props.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => parse_utc_ms(s).map(Some).ok_or_else(|| {
                prop_err(
                    f,
                    format!("{key} {s:?} is not an ISO 8601 UTC time (for example 2025-06-01T00:00:00Z)"),
                )
            }),
            Some(v) => Err(prop_err(f, format!("{key} must be an ISO 8601 string, not {v}"))),
        }
    };
    let active_from_ms = time("active_from")?;
    let active_until_ms = time("active_until")?;
    if let (Some(a), Some(b)) = (active_from_ms, active_until_ms) {
        if b <= a {
            return Err(prop_err(
                f,
                "active_until must be later than active_from".into(),
            ));
        }
    }
    let applies_to = match props.get("applies_to") {
        None | Some(Value::Null) => Selector::all(),
        Some(v) => parse_selector(v).map_err(|m| prop_err(f, format!("applies_to: {m}")))?,
    };
    let Some(geom) = &f.geometry else {
        return Err(f.err(GeoJsonErrorKind::Unsupported(
            "a zone needs a geometry, not null".into(),
        )));
    };
    let channel_axis = match (rule, props.get("axis")) {
        (Rule::Channel { .. }, Some(v)) if !v.is_null() => {
            parse_axis(v).map_err(|m| prop_err(f, format!("\"axis\": {m}")))?
        }
        (Rule::Channel { flow_deg: None }, _) => {
            return Err(prop_err(
                f,
                "rule channel needs \"flow_deg\" (the channel's direction, degrees true) or \
                 \"axis\" (its centre line, [[lon, lat], ...])"
                    .into(),
            ))
        }
        (_, Some(v)) if !v.is_null() => {
            return Err(prop_err(
                f,
                format!("\"axis\" is for rule channel, not {}", rule.code()),
            ))
        }
        _ => Vec::new(),
    };
    if matches!(rule, Rule::RestrictedVisibility { .. }) && !applies_to.is_all() {
        return Err(prop_err(
            f,
            "\"applies_to\" has no meaning for restricted_visibility: visibility is the same \
             for every vessel"
                .into(),
        ));
    }
    let vertical = crate::airspace::parse_limits(props).map_err(|m| prop_err(f, m))?;
    if vertical.is_some() && !matches!(rule, Rule::KeepOut | Rule::KeepIn | Rule::Notify) {
        return Err(prop_err(
            f,
            format!(
                "\"floor\"/\"ceiling\" make an airspace, for rules keep_out, keep_in or notify, \
                 not {}",
                rule.code()
            ),
        ));
    }
    if vertical.is_none() && applies_to.has_aircraft_keys() {
        return Err(prop_err(
            f,
            "applies_to: icao, icao_country and category select aircraft, for an airspace (a zone \
             with \"floor\" or \"ceiling\")"
                .into(),
        ));
    }
    let geometry = build_geometry(f, geom, warnings)?;
    let needs_area = vertical.is_some()
        || matches!(rule, Rule::KeepOut | Rule::KeepIn | Rule::SpeedLimit { .. })
        || rule.is_traffic()
        || matches!(rule, Rule::RestrictedVisibility { .. });
    if needs_area && matches!(geometry.0, Geometry::Line { .. }) {
        return Err(f.err(GeoJsonErrorKind::Unsupported(format!(
            "rule {} needs a Polygon or MultiPolygon, not a line",
            rule.code()
        ))));
    }
    let (geometry, lo, hi) = geometry;
    Ok(Zone {
        name,
        id: f.id.clone(),
        rule,
        active_from_ms,
        active_until_ms,
        applies_to,
        properties: props.clone(),
        channel_axis,
        vertical,
        geometry,
        lo,
        hi,
    })
}

/// A direction property (`flow_deg`), degrees true in [0, 360]; `None`
/// when absent.
fn direction(
    f: &Feature<'_>,
    props: &Map<String, Value>,
    key: &str,
) -> Result<Option<f64>, GeoJsonError> {
    match props.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_f64() {
            Some(x) if x.is_finite() && (0.0..=360.0).contains(&x) => Ok(Some(x % 360.0)),
            _ => Err(prop_err(
                f,
                format!("\"{key}\" {v} must be a direction in degrees true, 0 to 360"),
            )),
        },
    }
}

/// A channel's `axis`: `[[lon, lat], ...]`, at least two positions, as
/// `(lat, lon)`.
fn parse_axis(v: &Value) -> Result<Vec<(f64, f64)>, String> {
    let Value::Array(pts) = v else {
        return Err(format!("{v} is not a list of positions [[lon, lat], ...]"));
    };
    let mut out = Vec::with_capacity(pts.len());
    for (i, p) in pts.iter().enumerate() {
        let pos = match p {
            Value::Array(c) if c.len() >= 2 => (c[1].as_f64(), c[0].as_f64()),
            _ => (None, None),
        };
        match pos {
            (Some(lat), Some(lon))
                if lat.is_finite()
                    && lon.is_finite()
                    && lat.abs() <= 90.0
                    && lon.abs() <= 540.0 =>
            {
                out.push((lat, lon))
            }
            _ => return Err(format!("position {} ({p}) is not [lon, lat]", i + 1)),
        }
    }
    out.dedup();
    if out.len() < 2 {
        return Err("needs at least two distinct positions".into());
    }
    Ok(out)
}

/// A ring (unwrapped, in the order given) or a line of a zone.
struct Part {
    /// The polygon the ring belongs to (from 0); `None` for a line.
    polygon: Option<usize>,
    /// Whether the ring is to be reversed to be oriented.
    reverse: bool,
    pts: Vec<(f64, f64)>,
}

/// Geometry of a zone, its bounding box (fixed point, continuous); warnings
/// (rings that were not closed) are added to `warnings` when the geometry
/// is accepted.
fn build_geometry(
    f: &Feature<'_>,
    g: &Geom,
    warnings: &mut Vec<String>,
) -> Result<(Geometry, Pt, Pt), GeoJsonError> {
    let mut new_warnings: Vec<String> = Vec::new();
    let unsupported = |m: String| f.err(GeoJsonErrorKind::Unsupported(m));
    let geo = |m: String| f.err(GeoJsonErrorKind::Geometry(m));
    let mut polys: Vec<PolygonDeg> = Vec::new();
    g.polygons(&mut polys);
    let mut lines: Vec<Vec<(f64, f64)>> = Vec::new();
    collect_lines(g, &mut lines);
    if has_points(g) {
        return Err(unsupported(
            "zones need Polygon, MultiPolygon, LineString or MultiLineString geometries, not Point"
                .into(),
        ));
    }
    if !polys.is_empty() && !lines.is_empty() {
        return Err(unsupported(
            "a zone is either an area or a line, not both".into(),
        ));
    }
    if polys.is_empty() && lines.is_empty() {
        return Err(unsupported("the zone's geometry is empty".into()));
    }
    // Unwrapped, oriented rings (or lines), each polygon aligned to the
    // first part's longitude, then the whole shifted near 0.
    let mut parts: Vec<Part> = Vec::new();
    let mut anchor: Option<f64> = None;
    let align = |pts: &mut Vec<(f64, f64)>, anchor: &mut Option<f64>| {
        let c = centre_lon(pts);
        match anchor {
            None => *anchor = Some(c),
            Some(a) => {
                let shift = ((*a - c) / 360.0).round() * 360.0;
                pts.iter_mut().for_each(|p| p.0 += shift);
            }
        }
    };
    for (pi, poly) in polys.iter().enumerate() {
        for (ri, ring) in poly.iter().enumerate() {
            if is_unclosed(ring) {
                new_warnings.push(
                    geo(format!(
                        "ring {} of polygon {} was not closed; closed it",
                        ri + 1,
                        pi + 1
                    ))
                    .to_string(),
                );
            }
            let (mut u, closing) = unwrap(ring);
            if closing != 0.0 {
                return Err(geo(format!(
                    "ring {} of polygon {} encircles a pole; zones cannot",
                    ri + 1,
                    pi + 1
                )));
            }
            // Kept in the order given (edge numbers in messages are the
            // user's); oriented when stored.
            let a = area2(&u);
            let reverse = (ri == 0 && a < 0.0) || (ri > 0 && a > 0.0);
            align(&mut u, &mut anchor);
            parts.push(Part {
                polygon: Some(pi),
                reverse,
                pts: u,
            });
        }
    }
    for l in &lines {
        let mut u = unwrap_line(l);
        align(&mut u, &mut anchor);
        parts.push(Part {
            polygon: None,
            reverse: false,
            pts: u,
        });
    }
    // Shift everything so that the box's centre lies in [−180, 180).
    let xmin = parts
        .iter()
        .flat_map(|p| p.pts.iter())
        .map(|p| p.0)
        .fold(f64::INFINITY, f64::min);
    let xmax = parts
        .iter()
        .flat_map(|p| p.pts.iter())
        .map(|p| p.0)
        .fold(f64::NEG_INFINITY, f64::max);
    if xmax - xmin >= 360.0 {
        return Err(geo("the zone spans 360° of longitude or more".into()));
    }
    let centre = 0.5 * (xmin + xmax);
    let shift = -((centre + 180.0) / 360.0).floor() * 360.0;
    let mut fixed_parts: Vec<Vec<Pt>> = Vec::with_capacity(parts.len());
    for part in &parts {
        let fixed: Option<Vec<Pt>> = part
            .pts
            .iter()
            .map(|&(x, y)| Pt::from_deg(x + shift, y))
            .collect();
        let Some(fixed) = fixed else {
            return Err(geo("a position is out of range after unwrapping".into()));
        };
        fixed_parts.push(fixed);
    }
    // The rings of each polygon, as stored, must not meet themselves or
    // each other (lines may cross themselves).
    let mut i = 0;
    while i < parts.len() {
        let Some(pi) = parts[i].polygon else {
            i += 1;
            continue;
        };
        let mut j = i;
        while j < parts.len() && parts[j].polygon == Some(pi) {
            j += 1;
        }
        let rings: Vec<RingPts<'_>> = fixed_parts[i..j]
            .iter()
            .map(|pts| RingPts { pts, closing: 0 })
            .collect();
        if let Some(m) = find_meeting(&rings) {
            return Err(geo(m.describe(pi + 1)));
        }
        i = j;
    }
    let mut rings = Rings::new();
    for (part, mut fixed) in parts.iter().zip(fixed_parts) {
        if part.reverse {
            fixed.reverse();
        }
        if lines.is_empty() {
            rings.push_open_ring(fixed, 3);
        } else {
            rings.push_polyline(fixed);
        }
    }
    let Some((lo, hi)) = rings.bbox() else {
        return Err(geo("the zone's geometry is empty".into()));
    };
    let geometry = if lines.is_empty() {
        let grid = (rings.edge_count() > GRID_MIN_EDGES).then(|| zone_grid(&rings, lo, hi));
        Geometry::Area { rings, grid }
    } else {
        Geometry::Line { lines: rings }
    };
    warnings.append(&mut new_warnings);
    Ok((geometry, lo, hi))
}

fn zone_grid(rings: &Rings, lo: Pt, hi: Pt) -> EdgeGrid {
    let step = 1i64 << MAX_K;
    let n = ((rings.edge_count() as f64).sqrt() / 2.0).clamp(2.0, 32.0) as i64;
    let w = hi.x - lo.x + 2;
    let h = hi.y - lo.y + 2;
    let cw = ((w + n - 1) / n + step - 1) / step * step;
    let ch = ((h + n - 1) / n + step - 1) / step * step;
    EdgeGrid::build(
        rings,
        lo.x - 1,
        lo.y - 1,
        cw,
        ch,
        n as usize,
        n as usize,
        8,
        4,
    )
}

fn centre_lon(pts: &[(f64, f64)]) -> f64 {
    let xmin = pts.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let xmax = pts.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    0.5 * (xmin + xmax)
}

fn unwrap_line(l: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(l.len());
    let mut x = match l.first() {
        Some(p) => p.0,
        None => return out,
    };
    for (i, p) in l.iter().enumerate() {
        if i > 0 {
            x += normalize_deg_180(p.0 - l[i - 1].0);
        }
        out.push((x, p.1));
    }
    out
}

fn collect_lines(g: &Geom, out: &mut Vec<Vec<(f64, f64)>>) {
    match g {
        Geom::Lines(ls) => out.extend(ls.iter().cloned()),
        Geom::Collection(gs) => gs.iter().for_each(|g| collect_lines(g, out)),
        _ => {}
    }
}

fn has_points(g: &Geom) -> bool {
    match g {
        Geom::Points(_) => true,
        Geom::Collection(gs) => gs.iter().any(has_points),
        _ => false,
    }
}

const SELECTOR_KEYS: &str =
    "mmsi, flag, ship_type, class, length_m (vessels) or icao, icao_country, category (aircraft)";

/// Parses an `applies_to` value.
fn parse_selector(v: &Value) -> Result<Selector, String> {
    match v {
        Value::String(s) if s == "all" => return Ok(Selector::all()),
        Value::String(s) => {
            return Err(format!(
                "{s:?} is not \"all\" or an object with keys {SELECTOR_KEYS}"
            ))
        }
        Value::Object(_) => {}
        other => {
            return Err(format!(
                "{other} is not \"all\" or an object with keys {SELECTOR_KEYS}"
            ))
        }
    }
    let Value::Object(m) = v else {
        return Err("not an object".into());
    };
    let mut sel = Selector::all();
    for (k, val) in m {
        let list = |val: &Value| -> Vec<Value> {
            match val {
                Value::Array(a) => a.clone(),
                other => vec![other.clone()],
            }
        };
        match k.as_str() {
            "all" => {
                if val != &Value::Bool(true) {
                    return Err("\"all\" may only be true".into());
                }
            }
            "mmsi" => {
                let mut out = Vec::new();
                for x in list(val) {
                    match x.as_u64() {
                        Some(n) if n <= 999_999_999 => out.push(n as u32),
                        _ => return Err(format!("mmsi {x} is not a 9-digit number")),
                    }
                }
                sel.mmsi = Some(out);
            }
            "flag" => {
                let mut out = Vec::new();
                for x in list(val) {
                    match x.as_str() {
                        Some(s) if s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic()) => {
                            out.push(s.to_ascii_uppercase())
                        }
                        _ => {
                            return Err(format!(
                                "flag {x} is not an ISO 3166-1 alpha-2 code such as \"ES\""
                            ))
                        }
                    }
                }
                sel.flag = Some(out);
            }
            "ship_type" => {
                let mut out = Vec::new();
                // Numbers are single types, pairs [low, high] ranges:
                // [[70, 79], 30] is 70–79 or 30.
                for x in list(val) {
                    let t = |y: &Value| y.as_u64().filter(|&n| n <= 99).map(|n| n as u8);
                    let range = match &x {
                        Value::Array(p) if p.len() == 2 => match (t(&p[0]), t(&p[1])) {
                            (Some(a), Some(b)) if a <= b => Some((a, b)),
                            _ => None,
                        },
                        other => t(other).map(|a| (a, a)),
                    };
                    match range {
                        Some(r) => out.push(r),
                        None => {
                            return Err(format!(
                                "ship_type {x} is not a type 0-99 or a range [low, high]"
                            ))
                        }
                    }
                }
                sel.ship_type = Some(out);
            }
            "class" => {
                let mut out = Vec::new();
                for x in list(val) {
                    match x.as_str().map(str::to_ascii_uppercase).as_deref() {
                        Some("A") => out.push(AisClass::A),
                        Some("B") => out.push(AisClass::B),
                        _ => return Err(format!("class {x} is not \"A\" or \"B\"")),
                    }
                }
                sel.class = Some(out);
            }
            "length_m" => {
                let Value::Array(p) = val else {
                    return Err(format!(
                        "length_m {val} is not [min, max] (metres; null for an open end)"
                    ));
                };
                let end = |y: &Value| -> Result<Option<f64>, String> {
                    match y {
                        Value::Null => Ok(None),
                        y => match y.as_f64() {
                            Some(x) if x.is_finite() && x >= 0.0 => Ok(Some(x)),
                            _ => Err(format!("length_m bound {y} is not a length in metres")),
                        },
                    }
                };
                if p.len() != 2 {
                    return Err(format!(
                        "length_m {val} is not [min, max] (metres; null for an open end)"
                    ));
                }
                let (lo, hi) = (end(&p[0])?, end(&p[1])?);
                if let (Some(a), Some(b)) = (lo, hi) {
                    if a > b {
                        return Err(format!("length_m [{a}, {b}]: min is greater than max"));
                    }
                }
                sel.length_m = Some((lo, hi));
            }
            "icao" => {
                let mut out = Vec::new();
                for x in list(val) {
                    match x.as_str().and_then(crate::icao::parse_icao_hex) {
                        Some(a) => out.push(a),
                        None => {
                            return Err(format!(
                                "icao {x} is not a 24-bit address in hexadecimal such as \"4CA2D1\""
                            ))
                        }
                    }
                }
                sel.icao = Some(out);
            }
            "icao_country" => {
                let mut out = Vec::new();
                for x in list(val) {
                    match x.as_str() {
                        Some(s) if s.len() == 2 && s.bytes().all(|b| b.is_ascii_alphabetic()) => {
                            out.push(s.to_ascii_uppercase())
                        }
                        _ => {
                            return Err(format!(
                                "icao_country {x} is not an ISO 3166-1 alpha-2 code such as \"ES\""
                            ))
                        }
                    }
                }
                sel.icao_country = Some(out);
            }
            "category" => {
                let mut out = Vec::new();
                for x in list(val) {
                    let ok = x.as_str().map(str::to_ascii_uppercase).filter(|s| {
                        let b = s.as_bytes();
                        b.len() == 2
                            && (b'A'..=b'D').contains(&b[0])
                            && (b'0'..=b'7').contains(&b[1])
                    });
                    match ok {
                        Some(c) => out.push(c),
                        None => {
                            return Err(format!(
                                "category {x} is not an ADS-B emitter category A0-D7 such as \"A3\""
                            ))
                        }
                    }
                }
                sel.category = Some(out);
            }
            other => return Err(format!("unknown key {other:?}; use {SELECTOR_KEYS}")),
        }
    }
    if sel.has_vessel_keys() && sel.has_aircraft_keys() {
        return Err(
            "a selector is for vessels (mmsi, flag, ship_type, class, length_m) or for aircraft \
             (icao, icao_country, category), not both"
                .into(),
        );
    }
    Ok(sel)
}

/// Milliseconds since 1970-01-01T00:00:00Z of an ISO 8601 time:
/// `YYYY-MM-DD` (midnight UTC) or `YYYY-MM-DDTHH:MM[:SS[.fff]]` followed
/// by `Z` or an offset `±HH:MM` / `±HHMM` / `±HH`. `None` when malformed
/// or out of range. (The one parser, [`finisterra_nmea::parse_iso8601_ms`].)
pub fn parse_utc_ms(s: &str) -> Option<i64> {
    finisterra_nmea::parse_iso8601_ms(s, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_times() {
        assert_eq!(parse_utc_ms("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_utc_ms("1970-01-02"), Some(86_400_000));
        assert_eq!(
            parse_utc_ms("2024-02-29T12:00:00.250Z"),
            Some(1_709_208_000_250)
        );
        assert_eq!(
            parse_utc_ms("2024-02-29T14:00:00+02:00"),
            Some(1_709_208_000_000)
        );
        assert_eq!(
            parse_utc_ms("2024-02-29T11:00-0100"),
            Some(1_709_208_000_000)
        );
        assert_eq!(parse_utc_ms("2023-02-29T00:00:00Z"), None);
        assert_eq!(parse_utc_ms("2024-13-01T00:00:00Z"), None);
        assert_eq!(parse_utc_ms("2024-01-01T24:00:00Z"), None);
        assert_eq!(parse_utc_ms("2024-01-01T10:00:00"), None);
        assert_eq!(parse_utc_ms("yesterday"), None);
        assert_eq!(parse_utc_ms(""), None);
        assert_eq!(parse_utc_ms("2024-01-01T10:00:00.Z"), None);
    }
}

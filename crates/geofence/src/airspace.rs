//! Airspace restrictions: zones with a floor and a ceiling, for aircraft
//! (issue 13).
//!
//! A zone with a `floor` or a `ceiling` (or OpenAIP's `lowerLimit` /
//! `upperLimit`) is an *airspace*: it applies to aircraft only, never to
//! vessels (a no-fly zone over a river bank says nothing to the ships in the
//! river), and only [`Zones::airspace_at`], [`Zones::airspace_step`] and
//! [`Zones::airspace_predicted`] see it. Its rule is `keep_out`, `keep_in`
//! or `notify`, and it must be an area.
//!
//! # Vertical limits
//!
//! Written as OpenAIP writes them (openAIP core API airspace schema, as read
//! by flyXC's and other importers: `value`, `unit` 0 = metres, 1 = feet,
//! 6 = flight level, `referenceDatum` 0 = GND, 1 = MSL, 2 = STD), or with
//! names:
//!
//! ```json
//! "floor":   {"value": 0, "unit": "ft", "datum": "gnd"},
//! "ceiling": {"value": 100, "unit": "fl"}
//! "lowerLimit": {"value": 1500, "unit": 1, "referenceDatum": 1}
//! "floor": "SFC"        "ceiling": "UNL"
//! ```
//!
//! Units `ft`, `m`, `fl` (or 1, 0, 6); datums `gnd`, `msl`, `std` (or 0, 1,
//! 2), required for feet and metres, implied (and only `std` allowed) for
//! flight levels. `"SFC"` or `"GND"` is the surface (a floor), `"UNL"`
//! unlimited (a ceiling); a missing floor is the surface, a missing ceiling
//! unlimited. The floor must be below the ceiling.
//!
//! # How limits are compared with an aircraft's altitude
//!
//! Aircraft report **pressure altitude** (barometric, referred to
//! 1013.25 hPa). Every limit is turned into feet of pressure altitude:
//!
//! * **Flight level / STD**: FL × 100 ft, exact.
//! * **MSL**: compared with pressure altitude directly. Without the local
//!   QNH the two differ by about 27 ft per hPa, **up to a few hundred feet**
//!   (±30 hPa ≈ ±800 ft in deep lows and highs); such a comparison is
//!   flagged `approximate`.
//! * **GND**: there is no terrain model here, so the ground is taken as
//!   **0 ft MSL** and the limit as MSL — exact over the sea, wrong by the
//!   terrain's elevation inland: flagged `approximate`. An operator who
//!   knows the terrain should give such limits in MSL (or as flight levels).
//! * **The surface** (`SFC`, `GND` 0) as a floor holds every altitude: any
//!   aircraft in the area is above it, whatever its pressure altitude (which
//!   can be below 0 on a high-pressure day). It is not approximate.
//!
//! A point on a limit is inside, as a point on a zone's boundary is.
//!
//! # Queries
//!
//! [`Zones::airspace_at`]: the airspaces an aircraft is in now.
//! [`Zones::airspace_step`]: the airspaces it entered between two fixes
//! (3-D: the straight step in longitude/latitude, the altitude linear along
//! it). [`Zones::airspace_predicted`]: the first entry within a horizon on
//! its present track, ground speed and vertical rate (the track in pieces
//! of at most 2 NM, as [`Zones::predicted`]); an aircraft descending into an
//! area's ceiling, or climbing into its floor, is found at the moment it
//! crosses the limit. A zone is judged active at the moment of entry (an
//! aircraft already inside when a zone becomes active has not entered it).

use finisterra_nav::geo::{destination, wrap_lon_deg, MPS_PER_KN};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::boxindex::DegBox;
use crate::exact::{Pt, Side};
use crate::zones::{query_segment, Zone, Zones};

/// The unit of a vertical limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AltUnit {
    /// Feet (OpenAIP 1).
    Ft,
    /// Metres (OpenAIP 0).
    M,
    /// Flight level, hundreds of feet of pressure altitude (OpenAIP 6).
    Fl,
}

/// What a vertical limit is measured from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AltDatum {
    /// Above the ground (OpenAIP 0).
    Gnd,
    /// Above mean sea level (OpenAIP 1).
    Msl,
    /// Standard pressure, 1013.25 hPa (OpenAIP 2).
    Std,
}

/// One vertical limit as written.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct VerticalLimit {
    /// The number as written.
    pub value: f64,
    /// Its unit.
    pub unit: AltUnit,
    /// Its datum.
    pub datum: AltDatum,
}

const FT_PER_M: f64 = 1.0 / 0.3048;

impl VerticalLimit {
    /// The surface: `SFC`, `GND`.
    pub const SURFACE: VerticalLimit = VerticalLimit {
        value: 0.0,
        unit: AltUnit::Ft,
        datum: AltDatum::Gnd,
    };

    /// True for the surface (0 above the ground).
    pub fn is_surface(&self) -> bool {
        self.datum == AltDatum::Gnd && self.value == 0.0
    }

    /// The limit in feet of pressure altitude (see the [module
    /// documentation](self): MSL compared directly, the ground at 0 ft MSL).
    pub fn pressure_ft(&self) -> f64 {
        match self.unit {
            AltUnit::Fl => self.value * 100.0,
            AltUnit::Ft => self.value,
            AltUnit::M => self.value * FT_PER_M,
        }
    }

    /// Whether comparing pressure altitude with this limit is approximate
    /// (an MSL or GND limit, other than the surface).
    pub fn is_approximate(&self) -> bool {
        self.datum != AltDatum::Std && !self.is_surface()
    }
}

/// An airspace's floor and ceiling.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct VerticalLimits {
    /// The floor ([`VerticalLimit::SURFACE`] when not given).
    pub floor: VerticalLimit,
    /// The ceiling; `None` for unlimited.
    pub ceiling: Option<VerticalLimit>,
}

impl VerticalLimits {
    /// The floor in feet of pressure altitude; −∞ for the surface.
    pub fn floor_ft(&self) -> f64 {
        if self.floor.is_surface() {
            f64::NEG_INFINITY
        } else {
            self.floor.pressure_ft()
        }
    }

    /// The ceiling in feet of pressure altitude; +∞ for unlimited.
    pub fn ceiling_ft(&self) -> f64 {
        self.ceiling.map_or(f64::INFINITY, |c| c.pressure_ft())
    }

    /// Whether a pressure altitude lies between floor and ceiling
    /// (inclusive). False for a non-finite altitude.
    pub fn contains_ft(&self, alt_ft: f64) -> bool {
        alt_ft.is_finite() && self.floor_ft() <= alt_ft && alt_ft <= self.ceiling_ft()
    }

    /// Whether either limit is compared approximately (MSL or GND).
    pub fn is_approximate(&self) -> bool {
        self.floor.is_approximate() || self.ceiling.is_some_and(|c| c.is_approximate())
    }
}

/// What an `applies_to` selector needs to know about an aircraft.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AircraftFacts {
    /// ICAO 24-bit address (its country comes from [`crate::icao`]).
    pub icao: u32,
    /// ADS-B emitter category (`"A3"`, `"B6"`, …), when known.
    pub category: Option<String>,
}

impl AircraftFacts {
    /// An aircraft known by its address alone.
    pub fn icao(icao: u32) -> AircraftFacts {
        AircraftFacts {
            icao,
            category: None,
        }
    }

    /// The same aircraft with an emitter category.
    pub fn with_category(self, category: &str) -> AircraftFacts {
        AircraftFacts {
            category: Some(category.trim().to_ascii_uppercase()),
            ..self
        }
    }
}

/// An aircraft's position, pressure altitude and time.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct AirFix {
    /// Latitude, degrees.
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Pressure altitude, feet.
    pub alt_ft: f64,
    /// Milliseconds since 1970-01-01T00:00:00Z.
    pub time_ms: i64,
}

/// An aircraft entering an airspace (between fixes, or predicted).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct AirspaceEntry {
    /// Index of the zone in [`Zones::zones`].
    pub zone: usize,
    /// Whether entering breaks the zone's rule (`keep_out`).
    pub violation: bool,
    /// When, milliseconds since the epoch.
    pub time_ms: i64,
    /// Where, degrees.
    pub lat_deg: f64,
    /// Where, degrees in (−180, 180].
    pub lon_deg: f64,
    /// At which pressure altitude, feet.
    pub alt_ft: f64,
    /// The zone's limits are compared approximately (MSL or GND; see the
    /// [module documentation](self)).
    pub approximate: bool,
}

impl Zones {
    /// Indices of the airspaces containing the aircraft horizontally and
    /// vertically, active at `time_ms` and applying to it, in index order.
    /// Empty for a non-finite altitude.
    pub fn airspace_at(
        &self,
        lat_deg: f64,
        lon_deg: f64,
        alt_ft: f64,
        time_ms: i64,
        facts: &AircraftFacts,
    ) -> Vec<usize> {
        if !alt_ft.is_finite() {
            return Vec::new();
        }
        let mut v = self.containing(lat_deg, lon_deg);
        v.retain(|&i| {
            let z = &self.zones()[i];
            z.applies_to_aircraft(facts, time_ms)
                && z.vertical.is_some_and(|l| l.contains_ft(alt_ft))
        });
        v
    }

    /// Airspaces the aircraft entered between two fixes (the step straight
    /// in longitude/latitude, the altitude linear along it): the first entry
    /// into each, in time order (then by zone index).
    pub fn airspace_step(
        &self,
        facts: &AircraftFacts,
        from: &AirFix,
        to: &AirFix,
    ) -> Vec<AirspaceEntry> {
        let mut out = self.entries_on(facts, from, to);
        sort_entries(&mut out);
        out
    }

    /// The first airspace the aircraft will enter within `horizon_s` if it
    /// keeps its track, ground speed and vertical rate: the track follows
    /// the geodesic of [`finisterra_nav::geo::destination`] in pieces of at
    /// most 2 NM, the altitude changes at `vertical_rate_fpm`. Ties go to
    /// the lower zone index. `None` when there is none, or for unusable
    /// input (non-finite numbers, negative speed or horizon).
    pub fn airspace_predicted(
        &self,
        facts: &AircraftFacts,
        at: &AirFix,
        track_deg: f64,
        gs_kn: f64,
        vertical_rate_fpm: f64,
        horizon_s: f64,
    ) -> Option<AirspaceEntry> {
        if !(track_deg.is_finite()
            && gs_kn.is_finite()
            && vertical_rate_fpm.is_finite()
            && horizon_s.is_finite()
            && at.alt_ft.is_finite())
            || gs_kn < 0.0
            || horizon_s <= 0.0
        {
            return None;
        }
        let total_m = (gs_kn * MPS_PER_KN * horizon_s).min(crate::land::MAX_RANGE_M);
        let n = ((total_m / 3704.0).ceil() as usize).clamp(1, 512);
        // The time the pieces cover (the horizon, unless the range was
        // capped); with no ground speed (a hovering helicopter), one piece
        // of the whole horizon at one place.
        let span_s = if total_m > 0.0 {
            total_m / (gs_kn * MPS_PER_KN)
        } else {
            horizon_s
        };
        let mut prev = *at;
        for i in 1..=n {
            let t_s = span_s * i as f64 / n as f64;
            let s = total_m * i as f64 / n as f64;
            let (lat, lon) = destination(at.lat_deg, at.lon_deg, track_deg, s);
            if !(lat.is_finite() && lon.is_finite()) {
                break;
            }
            let next = AirFix {
                lat_deg: lat,
                lon_deg: lon,
                alt_ft: at.alt_ft + vertical_rate_fpm / 60.0 * t_s,
                time_ms: at.time_ms.saturating_add((t_s * 1000.0).round() as i64),
            };
            let mut found = self.entries_on(facts, &prev, &next);
            sort_entries(&mut found);
            if let Some(first) = found.first() {
                return Some(*first);
            }
            prev = next;
        }
        None
    }

    /// First entry into each airspace on one straight step.
    fn entries_on(&self, facts: &AircraftFacts, from: &AirFix, to: &AirFix) -> Vec<AirspaceEntry> {
        let mut out = Vec::new();
        if !(from.alt_ft.is_finite() && to.alt_ft.is_finite()) {
            return out;
        }
        let Some((a, b)) = query_segment(from.lat_deg, from.lon_deg, to.lat_deg, to.lon_deg) else {
            return out;
        };
        let bx = DegBox {
            lat_lo: a.lat_deg().min(b.lat_deg()),
            lat_hi: a.lat_deg().max(b.lat_deg()),
            lon_lo: a.lon_deg().min(b.lon_deg()),
            lon_hi: a.lon_deg().max(b.lon_deg()),
        };
        let mut cands = Vec::new();
        self.index_query(&bx, &mut cands);
        cands.sort_unstable();
        cands.dedup();
        let mut inside = Vec::new();
        for &zi in &cands {
            let z = &self.zones()[zi as usize];
            let Some(limits) = z.vertical else { continue };
            if !z.applies_to.matches_aircraft(facts) || !z.deg_box().overlaps(&bx) {
                continue;
            }
            horizontal_inside(z, a, b, &mut inside);
            let Some((v0, v1)) = vertical_inside(&limits, from.alt_ft, to.alt_ft) else {
                continue;
            };
            let first = inside.iter().find_map(|&(h0, h1)| {
                let (lo, hi) = (h0.max(v0), h1.min(v1));
                // Inside at the start of the step is not an entry on it.
                (lo <= hi && lo > 0.0).then_some(lo)
            });
            let Some(f) = first else { continue };
            let time_ms = (from.time_ms as f64 + (to.time_ms as f64 - from.time_ms as f64) * f)
                .round() as i64;
            if !z.is_active(time_ms) {
                continue;
            }
            out.push(AirspaceEntry {
                zone: zi as usize,
                violation: z.rule.is_violation(crate::zones::ZoneEventKind::Entered),
                time_ms,
                lat_deg: a.lat_deg() + (b.lat_deg() - a.lat_deg()) * f,
                lon_deg: wrap_lon_deg(a.lon_deg() + (b.lon_deg() - a.lon_deg()) * f),
                alt_ft: from.alt_ft + (to.alt_ft - from.alt_ft) * f,
                approximate: limits.is_approximate(),
            });
        }
        out
    }
}

fn sort_entries(v: &mut [AirspaceEntry]) {
    v.sort_by(|a, b| a.time_ms.cmp(&b.time_ms).then(a.zone.cmp(&b.zone)));
}

/// The fractions of the segment `a → b` inside the zone's area, as closed
/// intervals in order.
fn horizontal_inside(z: &Zone, a: Pt, b: Pt, out: &mut Vec<(f64, f64)>) {
    out.clear();
    let start_inside = z.side_at(a) != Side::Outside;
    if a == b {
        if start_inside {
            out.push((0.0, 1.0));
        }
        return;
    }
    let mut evs = Vec::new();
    z.events_along(a, b, &mut evs);
    let mut open = start_inside.then_some(0.0);
    for &(t, kind) in &evs {
        match kind {
            crate::zones::ZoneEventKind::Entered => open = Some(t),
            crate::zones::ZoneEventKind::Left => {
                if let Some(s) = open.take() {
                    out.push((s, t));
                }
            }
            crate::zones::ZoneEventKind::Crossed => {}
        }
    }
    if let Some(s) = open {
        out.push((s, 1.0));
    }
}

/// The fractions of a step whose altitude (linear from `alt0` to `alt1`)
/// lies between floor and ceiling.
fn vertical_inside(l: &VerticalLimits, alt0: f64, alt1: f64) -> Option<(f64, f64)> {
    let (lo, hi) = (l.floor_ft(), l.ceiling_ft());
    let d = alt1 - alt0;
    if d == 0.0 {
        return l.contains_ft(alt0).then_some((0.0, 1.0));
    }
    let at = |z: f64| (z - alt0) / d;
    let (mut f0, mut f1) = (at(lo), at(hi));
    if f0 > f1 {
        std::mem::swap(&mut f0, &mut f1);
    }
    let (f0, f1) = (f0.max(0.0), f1.min(1.0));
    (f0 <= f1).then_some((f0, f1))
}

// ---------------------------------------------------------------------
// Parsing

const UNITS: &str = "\"ft\", \"m\" or \"fl\" (OpenAIP 1, 0 or 6)";
const DATUMS: &str = "\"gnd\", \"msl\" or \"std\" (OpenAIP 0, 1 or 2)";

/// The vertical limits of a feature, `None` when it has neither floor nor
/// ceiling. Errors name the key.
pub(crate) fn parse_limits(props: &Map<String, Value>) -> Result<Option<VerticalLimits>, String> {
    let pick = |ours: &str, openaip: &str| -> Result<Option<(&'static str, &Value)>, String> {
        let key_ours: &'static str = if ours == "floor" { "floor" } else { "ceiling" };
        let key_oa: &'static str = if openaip == "lowerLimit" {
            "lowerLimit"
        } else {
            "upperLimit"
        };
        match (
            props.get(ours).filter(|v| !v.is_null()),
            props.get(openaip).filter(|v| !v.is_null()),
        ) {
            (Some(_), Some(_)) => Err(format!(
                "\"{ours}\" and \"{openaip}\" both given; give one of them"
            )),
            (Some(v), None) => Ok(Some((key_ours, v))),
            (None, Some(v)) => Ok(Some((key_oa, v))),
            (None, None) => Ok(None),
        }
    };
    let floor = pick("floor", "lowerLimit")?;
    let ceiling = pick("ceiling", "upperLimit")?;
    if floor.is_none() && ceiling.is_none() {
        return Ok(None);
    }
    let floor = match floor {
        Some((key, v)) => parse_limit(key, v, true)?.unwrap_or(VerticalLimit::SURFACE),
        None => VerticalLimit::SURFACE,
    };
    let ceiling = match ceiling {
        Some((key, v)) => parse_limit(key, v, false)?,
        None => None,
    };
    let limits = VerticalLimits { floor, ceiling };
    if let Some(c) = ceiling {
        if floor.pressure_ft() >= c.pressure_ft() {
            return Err(format!(
                "floor ({}) must be below ceiling ({})",
                describe(&floor),
                describe(&c)
            ));
        }
    }
    Ok(Some(limits))
}

fn describe(l: &VerticalLimit) -> String {
    match l.unit {
        AltUnit::Fl => format!("FL{}", l.value),
        AltUnit::Ft | AltUnit::M => format!(
            "{} {} {}",
            l.value,
            if l.unit == AltUnit::Ft { "ft" } else { "m" },
            datum_name(l.datum)
        ),
    }
}

fn datum_name(d: AltDatum) -> &'static str {
    match d {
        AltDatum::Gnd => "GND",
        AltDatum::Msl => "MSL",
        AltDatum::Std => "STD",
    }
}

/// One limit; `Ok(None)` for `UNL` (a ceiling only).
fn parse_limit(key: &str, v: &Value, is_floor: bool) -> Result<Option<VerticalLimit>, String> {
    let m = match v {
        Value::String(s) => {
            return match (s.trim().to_ascii_uppercase().as_str(), is_floor) {
                ("SFC" | "GND", true) => Ok(Some(VerticalLimit::SURFACE)),
                ("UNL", false) => Ok(None),
                (other, true) => Err(format!(
                    "\"{key}\": {other:?} is not \"SFC\", \"GND\" or an object {{\"value\", \"unit\", \"datum\"}}"
                )),
                (other, false) => Err(format!(
                    "\"{key}\": {other:?} is not \"UNL\" or an object {{\"value\", \"unit\", \"datum\"}}"
                )),
            };
        }
        Value::Object(m) => m,
        other => {
            return Err(format!(
                "\"{key}\": {other} is not an object {{\"value\", \"unit\", \"datum\"}}"
            ))
        }
    };
    for k in m.keys() {
        if !matches!(k.as_str(), "value" | "unit" | "datum" | "referenceDatum") {
            return Err(format!(
                "\"{key}\": unknown key {k:?}; use value, unit and datum (or referenceDatum)"
            ));
        }
    }
    let value = match m.get("value").map(|v| (v, v.as_f64())) {
        Some((_, Some(x))) if x.is_finite() => x,
        Some((v, _)) => return Err(format!("\"{key}\": value {v} is not a finite number")),
        None => return Err(format!("\"{key}\": \"value\" is missing")),
    };
    let unit = match m.get("unit") {
        None | Some(Value::Null) => {
            return Err(format!("\"{key}\": \"unit\" is missing; use {UNITS}"))
        }
        Some(u) => match (
            u.as_str().map(str::to_ascii_lowercase).as_deref(),
            u.as_u64(),
        ) {
            (Some("ft" | "feet"), _) | (_, Some(1)) => AltUnit::Ft,
            (Some("m" | "metres" | "meters"), _) | (_, Some(0)) => AltUnit::M,
            (Some("fl"), _) | (_, Some(6)) => AltUnit::Fl,
            _ => return Err(format!("\"{key}\": unit {u} is not {UNITS}")),
        },
    };
    let datum_v = match (m.get("datum"), m.get("referenceDatum")) {
        (Some(_), Some(_)) => {
            return Err(format!(
                "\"{key}\": \"datum\" and \"referenceDatum\" both given; give one"
            ))
        }
        (Some(d), None) | (None, Some(d)) => Some(d).filter(|d| !d.is_null()),
        (None, None) => None,
    };
    let datum = match datum_v {
        None if unit == AltUnit::Fl => AltDatum::Std,
        None => return Err(format!("\"{key}\": \"datum\" is missing; use {DATUMS}")),
        Some(d) => match (
            d.as_str().map(str::to_ascii_lowercase).as_deref(),
            d.as_u64(),
        ) {
            (Some("gnd" | "sfc" | "agl"), _) | (_, Some(0)) => AltDatum::Gnd,
            (Some("msl" | "amsl"), _) | (_, Some(1)) => AltDatum::Msl,
            (Some("std"), _) | (_, Some(2)) => AltDatum::Std,
            _ => return Err(format!("\"{key}\": datum {d} is not {DATUMS}")),
        },
    };
    if unit == AltUnit::Fl && datum != AltDatum::Std {
        return Err(format!(
            "\"{key}\": a flight level is measured from standard pressure (datum \"std\"), not {}",
            datum_name(datum)
        ));
    }
    if unit == AltUnit::Fl && value < 0.0 {
        return Err(format!("\"{key}\": flight level {value} is negative"));
    }
    if datum == AltDatum::Gnd && value < 0.0 {
        return Err(format!("\"{key}\": {value} below the ground"));
    }
    Ok(Some(VerticalLimit { value, unit, datum }))
}

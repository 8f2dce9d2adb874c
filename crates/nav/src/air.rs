//! Air conflicts in three dimensions, state-based (issue 13): will two
//! aircraft lose separation within the look-ahead if each keeps its track
//! (or its turn), its ground speed and its vertical rate?
//!
//! # Method
//!
//! As BlueSky's state-based detection (`bluesky/traffic/asas/statebased.py`)
//! and the short-term conflict alert do:
//!
//! * **Horizontal**: the pair's positions in their own WGS84 tangent plane
//!   ([`crate::geo`], as for ships: the ±180° meridian and high latitudes
//!   need no special case), relative position `r` and velocity `v`; the
//!   closest approach `tcpa = −(r·v)/|v|²`, `hcpa = |r × v|/|v|`, and the
//!   horizontal loss-of-separation interval `tcpa ∓ √(R² − hcpa²)/|v|`.
//! * **Vertical**: pressure altitudes and barometric vertical rates give
//!   `Δalt(t) = Δalt₀ + Δrate·t`; the vertical interval is where
//!   `|Δalt(t)| < V`.
//! * **Conflict** when the two intervals overlap within `[0, lookahead]`.
//!   [`AirAssessment::t_in_s`] and [`AirAssessment::t_out_s`] are the
//!   first such overlap, clipped to the look-ahead (a loss that lasts past
//!   the look-ahead ends at `lookahead_s`).
//!
//! Defaults ([`AirConflictConfig::default`]) are those of a short-term
//! conflict alert: **5 NM, 1,000 ft, 2 minutes**; **2,000 ft when either
//! aircraft is above FL410** (above the RVSM band; judged on the present
//! altitudes).
//!
//! # What takes part, and how
//!
//! * **Pressure altitude only.** Vertical separation is judged on the
//!   barometric (pressure) altitude, as controllers and TCAS judge it; GNSS
//!   heights differ from it by hundreds of feet with the weather, so they
//!   are never mixed in. An aircraft without a pressure altitude
//!   (`alt_baro_ft: None`, or reporting only a GNSS height) cannot be
//!   cleared vertically: the pair is then judged horizontally alone and
//!   the result says so ([`AirAssessment::vertical_unknown`]).
//! * An unknown vertical rate is taken as level flight.
//! * **Aircraft on the ground take no part**: [`assess`] returns `None`.
//! * **Turning aircraft**: with `track_rate_deg_s` beyond
//!   [`TURN_RATE_MIN_DEG_S`] an aircraft is predicted on the circular arc of
//!   a constant-rate turn (a turn with no end) for the whole look-ahead,
//!   followed in chords of at most [`crate::manoeuvre::CHORD_S`] seconds by
//!   [`crate::manoeuvre::Track`] — the chord lies inside the arc by at most
//!   `R·(1 − cos(ω·Δt/2))`, about 13 m for a rate-one turn at 250 kn. On
//!   each chord both aircraft move straight, so each piece's interval is
//!   exact for the chords. Then [`AirAssessment::hcpa_nm`] and
//!   [`AirAssessment::tcpa_s`] are the closest approach on the arcs within
//!   the look-ahead; for two straight tracks they are the unbounded
//!   constant-velocity ones (a negative TCPA: the pair is opening), as for
//!   ships.
//!
//! # Tiers modelled on TCAS II
//!
//! [`tier`] classifies a pair as [`Tier::Caution`] or [`Tier::Warning`] with
//! the thresholds of TCAS II version 7.1 by sensitivity level (altitude
//! band): time to closest approach `tau` (the *modified* tau, which with
//! `DMOD` protects slow closures), the distance `DMOD` and the vertical
//! threshold `ZTHR`. These are *modelled on* the TCAS II traffic and
//! resolution advisory thresholds; they are not TCAS advisories (no
//! coordination, no sense selection, no ALIM, no radio altitude). Values
//! ([`TierTable::tcas_ii`]): FAA, *Introduction to TCAS II Version 7.1*
//! (2011), Table 3, as coded in NASA's DAIDALUS
//! (`gov/nasa/larcfm/ACCoRD/TCASTable.java`):
//!
//! | band (pressure altitude) | SL | caution τ (s) | warning τ (s) | caution DMOD (NM) | warning DMOD (NM) | caution ZTHR (ft) | warning ZTHR (ft) |
//! |---|---|---|---|---|---|---|---|
//! | ≤ 1,000 ft | 2 | 20 | — | 0.30 | — | 850 | — |
//! | 1,000–2,350 ft | 3 | 25 | 15 | 0.33 | 0.20 | 850 | 600 |
//! | 2,350–5,000 ft | 4 | 30 | 20 | 0.48 | 0.35 | 850 | 600 |
//! | 5,000–10,000 ft | 5 | 40 | 25 | 0.75 | 0.55 | 850 | 600 |
//! | 10,000–20,000 ft | 6 | 45 | 30 | 1.00 | 0.80 | 850 | 600 |
//! | 20,000–42,000 ft | 7 | 48 | 35 | 1.30 | 1.10 | 850 | 700 |
//! | > 42,000 ft | 8 | 48 | 35 | 1.30 | 1.10 | 1200 | 800 |
//!
//! TCAS chooses the level from its own aircraft's altitude (radio altitude
//! below 2,350 ft); a ground observer has neither "own aircraft" nor radio
//! altitude, so the band of the **higher** of the two pressure altitudes is
//! used (each TCAS judges from its own level; the higher band has the wider
//! thresholds, so the pair is flagged if either would be) and the low bands
//! are read on pressure altitude, an approximation near high ground.
//!
//! ```
//! use finisterra_nav::air::{assess, AirConflictConfig, AirKinematic, Party, Vertical};
//! use finisterra_nav::geo::destination;
//!
//! // A level at FL200 going east at 420 kn; B 10 NM ahead, head-on, at
//! // FL190 climbing 1,500 ft/min into A's level.
//! let a = AirKinematic::new(43.0, -9.0, Some(20_000.0), 420.0, 90.0);
//! let (lat, lon) = destination(43.0, -9.0, 90.0, 10.0 * 1852.0);
//! let b = AirKinematic::new(lat, lon, Some(19_000.0), 420.0, 270.0).with_baro_rate(1_500.0);
//! let r = assess(&a, &b, &AirConflictConfig::default()).unwrap();
//! assert!(r.conflict);
//! assert_eq!(r.vertical, Vertical::ClimbingInto { mover: Party::B });
//! // Horizontally in loss from 5 NM at 840 kn closure: about 21 s.
//! assert!((r.t_in_s.unwrap() - 21.4).abs() < 0.5);
//! ```

use serde::{Deserialize, Serialize};

use crate::cpa::{closest_approach, velocity, RELATIVE_SPEED_EPS_MPS};
use crate::geo::{PairFrame, METRES_PER_NM};
use crate::manoeuvre::{Handling, Track};

/// A track rate (degrees per second, either way) below this is a straight
/// track: ADS-B track noise and gentle corrections stay straight, a
/// standard-rate turn (3°/s) or a rate-half turn (1.5°/s) is followed.
pub const TURN_RATE_MIN_DEG_S: f64 = 0.1;

/// A vertical rate (ft/min, either way) below this is level flight for
/// [`Vertical`] (ADS-B rates come in steps of 64 ft/min).
pub const LEVEL_RATE_FPM: f64 = 200.0;

/// The top of the RVSM band, feet of pressure altitude (FL410): above it
/// the vertical separation minimum is 2,000 ft.
pub const FL410_FT: f64 = 41_000.0;

/// One aircraft's state: position, pressure altitude, motion over ground.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct AirKinematic {
    /// Latitude, degrees (WGS84).
    pub lat_deg: f64,
    /// Longitude, degrees.
    pub lon_deg: f64,
    /// Pressure (barometric) altitude, feet; `None` when the aircraft
    /// reports none (a GNSS height does not count: see the module docs).
    pub alt_baro_ft: Option<f64>,
    /// Ground speed, knots.
    pub gs_kn: f64,
    /// Track over ground, degrees true.
    pub track_deg: f64,
    /// Barometric vertical rate, feet per minute (positive climbing);
    /// `None` is taken as level.
    pub baro_rate_fpm: Option<f64>,
    /// Rate of change of the track, degrees per second (positive to the
    /// right); `None` or below [`TURN_RATE_MIN_DEG_S`] is a straight track.
    pub track_rate_deg_s: Option<f64>,
    /// On the ground: takes no part in air conflicts.
    pub on_ground: bool,
}

impl AirKinematic {
    /// An airborne aircraft on a straight, level track.
    pub fn new(
        lat_deg: f64,
        lon_deg: f64,
        alt_baro_ft: Option<f64>,
        gs_kn: f64,
        track_deg: f64,
    ) -> AirKinematic {
        AirKinematic {
            lat_deg,
            lon_deg,
            alt_baro_ft,
            gs_kn,
            track_deg,
            baro_rate_fpm: None,
            track_rate_deg_s: None,
            on_ground: false,
        }
    }

    /// The same aircraft climbing (positive) or descending at `fpm`.
    pub fn with_baro_rate(self, fpm: f64) -> AirKinematic {
        AirKinematic {
            baro_rate_fpm: Some(fpm),
            ..self
        }
    }

    /// The same aircraft turning at `deg_s` (positive to the right).
    pub fn with_track_rate(self, deg_s: f64) -> AirKinematic {
        AirKinematic {
            track_rate_deg_s: Some(deg_s),
            ..self
        }
    }

    /// The same aircraft on the ground.
    pub fn grounded(self) -> AirKinematic {
        AirKinematic {
            on_ground: true,
            ..self
        }
    }

    /// The pressure altitude when it is a finite number.
    pub fn altitude_ft(&self) -> Option<f64> {
        self.alt_baro_ft.filter(|a| a.is_finite())
    }

    /// The vertical rate, level (0) when unknown or not finite.
    pub fn rate_fpm(&self) -> f64 {
        self.baro_rate_fpm.filter(|r| r.is_finite()).unwrap_or(0.0)
    }

    /// The turn rate when the aircraft is predicted on an arc.
    pub fn turn_rate_deg_s(&self) -> Option<f64> {
        self.track_rate_deg_s
            .filter(|r| r.is_finite() && r.abs() > TURN_RATE_MIN_DEG_S)
    }

    fn horizontal_is_valid(&self) -> bool {
        self.lat_deg.is_finite()
            && self.lat_deg.abs() <= 90.0
            && self.lon_deg.is_finite()
            && self.gs_kn.is_finite()
            && self.gs_kn >= 0.0
            && self.track_deg.is_finite()
    }
}

/// Separation minima and look-ahead of [`assess`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AirConflictConfig {
    /// Horizontal separation minimum, nautical miles (5).
    pub separation_nm: f64,
    /// Vertical separation minimum, feet (1,000).
    pub vertical_ft: f64,
    /// Vertical separation minimum when either aircraft is above FL410,
    /// feet (2,000).
    pub vertical_above_fl410_ft: f64,
    /// How far ahead conflicts are predicted, seconds (120).
    pub lookahead_s: f64,
    /// Caution and warning tiers modelled on TCAS II; `None` (the default)
    /// for none.
    pub tiers: Option<TierTable>,
}

impl Default for AirConflictConfig {
    fn default() -> Self {
        AirConflictConfig {
            separation_nm: 5.0,
            vertical_ft: 1000.0,
            vertical_above_fl410_ft: 2000.0,
            lookahead_s: 120.0,
            tiers: None,
        }
    }
}

/// A refused setting of [`AirConflictConfig`].
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum AirConfigError {
    /// A value that would disable a safeguard or makes no sense.
    #[error("unsafe value {key} = {value}: {rule}")]
    Unsafe {
        /// The key's path (`separation_nm`, `tiers.bands[2].caution.tau_s`).
        key: String,
        /// The value given.
        value: f64,
        /// The rule it breaks.
        rule: &'static str,
    },
}

impl AirConfigError {
    /// A stable key for counting.
    pub fn reason(&self) -> &'static str {
        match self {
            AirConfigError::Unsafe { .. } => "unsafe_value",
        }
    }
}

fn positive(key: &str, v: f64) -> Result<(), AirConfigError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(AirConfigError::Unsafe {
            key: key.to_string(),
            value: v,
            rule: "must be a positive finite number",
        })
    }
}

impl AirConflictConfig {
    /// Refuses zero, negative and non-finite minima and look-ahead, a
    /// minimum above FL410 smaller than the one below, and bad tiers; the
    /// error names the key.
    pub fn validate(&self) -> Result<(), AirConfigError> {
        positive("separation_nm", self.separation_nm)?;
        positive("vertical_ft", self.vertical_ft)?;
        positive("vertical_above_fl410_ft", self.vertical_above_fl410_ft)?;
        positive("lookahead_s", self.lookahead_s)?;
        if self.vertical_above_fl410_ft < self.vertical_ft {
            return Err(AirConfigError::Unsafe {
                key: "vertical_above_fl410_ft".into(),
                value: self.vertical_above_fl410_ft,
                rule: "must not be below vertical_ft",
            });
        }
        if let Some(t) = &self.tiers {
            t.validate("tiers")?;
        }
        Ok(())
    }

    /// The vertical minimum for a pair at these pressure altitudes.
    pub fn vertical_minimum_ft(&self, alt_a_ft: f64, alt_b_ft: f64) -> f64 {
        if alt_a_ft > FL410_FT || alt_b_ft > FL410_FT {
            self.vertical_above_fl410_ft
        } else {
            self.vertical_ft
        }
    }
}

/// One of the pair, as given to [`assess`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Party {
    /// The first aircraft.
    A,
    /// The second aircraft.
    B,
}

/// Who is climbing or descending into whom.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Vertical {
    /// Neither climbs or descends (both within [`LEVEL_RATE_FPM`]).
    Level,
    /// `mover`, the lower, climbs towards the other, which does not come
    /// down to meet it faster.
    ClimbingInto {
        /// The climbing aircraft.
        mover: Party,
    },
    /// `mover`, the higher, descends towards the other, which does not
    /// climb to meet it faster.
    DescendingInto {
        /// The descending aircraft.
        mover: Party,
    },
    /// Someone climbs or descends, but the vertical gap is not closing
    /// (the same rates, or moving apart).
    NotClosing,
    /// At least one pressure altitude is unknown.
    Unknown,
}

/// The prediction for a pair; see the [module documentation](self).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct AirAssessment {
    /// Loss of separation predicted within the look-ahead (or now).
    pub conflict: bool,
    /// At least one aircraft has no pressure altitude: the pair was judged
    /// horizontally alone, because it cannot be cleared vertically.
    pub vertical_unknown: bool,
    /// Start of the first predicted loss of separation, seconds from now
    /// (0: already lost); `None` without a conflict.
    pub t_in_s: Option<f64>,
    /// Its end, seconds (at most the look-ahead).
    pub t_out_s: Option<f64>,
    /// Horizontal closest approach, nautical miles.
    pub hcpa_nm: f64,
    /// Time to the horizontal closest approach, seconds (negative: past).
    pub tcpa_s: f64,
    /// Vertical separation at the horizontal closest approach (at now when
    /// it is past), feet; `None` when unknown.
    pub vcpa_ft: Option<f64>,
    /// Vertical separation now, feet.
    pub v_now_ft: Option<f64>,
    /// Horizontal range now, nautical miles.
    pub h_now_nm: f64,
    /// The vertical minimum applied, feet (2,000 above FL410).
    pub vertical_minimum_ft: f64,
    /// Who is climbing or descending into whom.
    pub vertical: Vertical,
    /// The tier modelled on TCAS II, when tiers are configured.
    pub tier: Option<Tier>,
}

/// Predicts the pair's loss of separation within the look-ahead; `None`
/// when either aircraft is on the ground or its position or motion is not
/// a finite, valid number. `assess(a, b)` and `assess(b, a)` give the same
/// times and distances (with A and B exchanged in [`Vertical`]).
pub fn assess(
    a: &AirKinematic,
    b: &AirKinematic,
    cfg: &AirConflictConfig,
) -> Option<AirAssessment> {
    if a.on_ground || b.on_ground || !a.horizontal_is_valid() || !b.horizontal_is_valid() {
        return None;
    }
    let lookahead_s = if cfg.lookahead_s.is_finite() {
        cfg.lookahead_s.max(0.0)
    } else {
        0.0
    };
    let radius_m = cfg.separation_nm * METRES_PER_NM;
    let pair = PairFrame::new(a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg);
    let h_now_nm = pair.distance_m() / METRES_PER_NM;
    let path_a = Path::new(pair.p1, pair.course_to_local_1(a.track_deg), a, lookahead_s);
    let path_b = Path::new(pair.p2, pair.course_to_local_2(b.track_deg), b, lookahead_s);

    let alts = a.altitude_ft().zip(b.altitude_ft());
    let vertical_minimum_ft = match alts {
        Some((za, zb)) => cfg.vertical_minimum_ft(za, zb),
        None => cfg.vertical_ft,
    };
    // Δalt(t) = dz0 + dvz·t, feet, B above A positive.
    let dvz_ft_s = (b.rate_fpm() - a.rate_fpm()) / 60.0;
    let vertical_window = match alts {
        Some((za, zb)) => vertical_interval(zb - za, dvz_ft_s, vertical_minimum_ft),
        None => Some((f64::NEG_INFINITY, f64::INFINITY)),
    };

    // Pieces on which both move straight: the union of the chord ends.
    let mut times: Vec<f64> = path_a
        .track
        .points
        .iter()
        .chain(path_b.track.points.iter())
        .map(|p| p.0)
        .filter(|&t| t > 0.0 && t < lookahead_s)
        .collect();
    times.push(0.0);
    times.push(lookahead_s);
    times.sort_unstable_by(f64::total_cmp);
    times.dedup();

    let mut first: Option<(f64, f64)> = None;
    let mut closest = (f64::INFINITY, 0.0);
    for w in times.windows(2) {
        let (t0, t1) = (w[0], w[1]);
        let dt = t1 - t0;
        if dt <= 0.0 {
            continue;
        }
        let (pa0, pb0) = (path_a.at(t0), path_b.at(t0));
        let (pa1, pb1) = (path_a.at(t1), path_b.at(t1));
        let r = (pb0.0 - pa0.0, pb0.1 - pa0.1);
        let v = ((pb1.0 - pa1.0 - r.0) / dt, (pb1.1 - pa1.1 - r.1) / dt);
        let (d, tc) = crate::cpa::min_distance_within(r, v, dt);
        let tc = if tc > 0.0 && tc < dt {
            tc
        } else if tc >= dt {
            dt
        } else {
            0.0
        };
        if d < closest.0 {
            closest = (d, t0 + tc);
        }
        let Some((h0, h1)) = horizontal_interval(r, v, radius_m) else {
            continue;
        };
        let Some((z0, z1)) = vertical_window else {
            continue;
        };
        let lo = (t0 + h0).max(t0).max(z0);
        let hi = (t0 + h1).min(t1).min(z1);
        if lo.is_nan() || hi.is_nan() || lo > hi || (lo == hi && lo < t1) {
            continue;
        }
        match &mut first {
            None => first = Some((lo, hi)),
            Some((_, end)) if (lo - *end).abs() < 1e-9 => *end = hi,
            Some(_) => {}
        }
    }

    let straight = path_a.turning.is_none() && path_b.turning.is_none();
    let (hcpa_m, tcpa_s) = if straight {
        let r = (pair.p2.0 - pair.p1.0, pair.p2.1 - pair.p1.1);
        let v = (
            path_b.track.v_end.0 - path_a.track.v_end.0,
            path_b.track.v_end.1 - path_a.track.v_end.1,
        );
        let v2 = v.0 * v.0 + v.1 * v.1;
        if v2 < RELATIVE_SPEED_EPS_MPS * RELATIVE_SPEED_EPS_MPS {
            (pair.distance_m(), 0.0)
        } else {
            closest_approach(r, v)
        }
    } else if closest.0.is_finite() {
        closest
    } else {
        // No look-ahead: the range now.
        (pair.distance_m(), 0.0)
    };

    let (v_now_ft, vcpa_ft, vertical) = match alts {
        Some((za, zb)) => {
            let dz0 = zb - za;
            let at = tcpa_s.max(0.0);
            (
                Some(dz0.abs()),
                Some((dz0 + dvz_ft_s * at).abs()),
                vertical_kind(dz0, a.rate_fpm(), b.rate_fpm()),
            )
        }
        None => (None, None, Vertical::Unknown),
    };
    let tier = cfg.tiers.as_ref().and_then(|t| tier(a, b, t));
    Some(AirAssessment {
        conflict: first.is_some(),
        vertical_unknown: alts.is_none(),
        t_in_s: first.map(|f| f.0),
        t_out_s: first.map(|f| f.1),
        hcpa_nm: hcpa_m / METRES_PER_NM,
        tcpa_s,
        vcpa_ft,
        v_now_ft,
        h_now_nm,
        vertical_minimum_ft,
        vertical,
        tier,
    })
}

/// One aircraft's predicted path in the pair frame: the chords of its turn
/// (or none) from its position.
struct Path {
    p0: (f64, f64),
    track: Track,
    turning: Option<f64>,
}

impl Path {
    fn new(p0: (f64, f64), course_local_deg: f64, k: &AirKinematic, horizon_s: f64) -> Path {
        let turning = k.turn_rate_deg_s();
        let track = match turning {
            Some(rate) => {
                let handling = Handling {
                    turn_deg_s: rate.abs(),
                    decel_kn_s: f64::INFINITY,
                };
                // A turn with no end: as long as the look-ahead.
                Track::new(
                    course_local_deg,
                    k.gs_kn,
                    rate * horizon_s,
                    k.gs_kn,
                    &handling,
                    horizon_s,
                )
            }
            None => Track::new(
                course_local_deg,
                k.gs_kn,
                0.0,
                k.gs_kn,
                &Handling::INSTANT,
                horizon_s,
            ),
        };
        Path { p0, track, turning }
    }

    fn at(&self, t_s: f64) -> (f64, f64) {
        let (x, y) = self.track.position(t_s);
        (self.p0.0 + x, self.p0.1 + y)
    }
}

/// Times `[t_in, t_out]` (from the piece's start, unbounded) when the
/// range `|r + v·t|` is below `radius_m`; `None` when never.
fn horizontal_interval(r: (f64, f64), v: (f64, f64), radius_m: f64) -> Option<(f64, f64)> {
    let v2 = v.0 * v.0 + v.1 * v.1;
    let r2 = r.0 * r.0 + r.1 * r.1;
    let rad2 = radius_m * radius_m;
    if v2 < RELATIVE_SPEED_EPS_MPS * RELATIVE_SPEED_EPS_MPS {
        return (r2 < rad2).then_some((f64::NEG_INFINITY, f64::INFINITY));
    }
    let (cpa, tcpa) = closest_approach(r, v);
    if cpa.is_nan() || cpa >= radius_m {
        return None;
    }
    let half = (rad2 - cpa * cpa).sqrt() / v2.sqrt();
    Some((tcpa - half, tcpa + half))
}

/// Times when `|dz0 + dvz·t| < v_min` (unbounded); `None` when never.
fn vertical_interval(dz0_ft: f64, dvz_ft_s: f64, v_min_ft: f64) -> Option<(f64, f64)> {
    if dvz_ft_s.abs() < 1e-9 {
        return (dz0_ft.abs() < v_min_ft).then_some((f64::NEG_INFINITY, f64::INFINITY));
    }
    let t1 = (-v_min_ft - dz0_ft) / dvz_ft_s;
    let t2 = (v_min_ft - dz0_ft) / dvz_ft_s;
    Some((t1.min(t2), t1.max(t2)))
}

/// Who closes the vertical gap `dz0 = alt_b − alt_a`.
fn vertical_kind(dz0_ft: f64, rate_a_fpm: f64, rate_b_fpm: f64) -> Vertical {
    let level = |r: f64| r.abs() < LEVEL_RATE_FPM;
    if level(rate_a_fpm) && level(rate_b_fpm) {
        return Vertical::Level;
    }
    // Each one's rate towards the other (B above A when dz0 > 0). At the
    // same altitude any vertical motion opens the gap.
    let up = if dz0_ft > 0.0 {
        1.0
    } else if dz0_ft < 0.0 {
        -1.0
    } else {
        return Vertical::NotClosing;
    };
    let toward_a = rate_a_fpm * up;
    let toward_b = -rate_b_fpm * up;
    if toward_a + toward_b <= 0.0 {
        return Vertical::NotClosing;
    }
    let (mover, rate) = if toward_a >= toward_b {
        (Party::A, rate_a_fpm)
    } else {
        (Party::B, rate_b_fpm)
    };
    if rate > 0.0 {
        Vertical::ClimbingInto { mover }
    } else {
        Vertical::DescendingInto { mover }
    }
}

// ---------------------------------------------------------------------
// Tiers modelled on TCAS II

/// A tier of alert modelled on the TCAS II thresholds (not a TCAS
/// advisory).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// Thresholds of a traffic advisory.
    Caution,
    /// Thresholds of a resolution advisory.
    Warning,
}

/// The thresholds of one tier in one altitude band.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierThresholds {
    /// Time to closest approach (modified tau, and vertical tau), seconds.
    pub tau_s: f64,
    /// Distance modification: a pair within it is close whatever the
    /// closure, nautical miles.
    pub dmod_nm: f64,
    /// Vertical threshold, feet.
    pub zthr_ft: f64,
}

/// One altitude band (sensitivity level).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierBand {
    /// The band applies to pressure altitudes up to this, feet
    /// (inclusive); `None` for the top band.
    pub up_to_ft: Option<f64>,
    /// Caution thresholds.
    pub caution: TierThresholds,
    /// Warning thresholds (`None`: no warning in this band).
    pub warning: Option<TierThresholds>,
}

/// Bands in increasing altitude; the last has no upper bound.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierTable {
    /// The bands.
    pub bands: Vec<TierBand>,
}

impl Default for TierTable {
    fn default() -> Self {
        TierTable::tcas_ii()
    }
}

impl TierTable {
    /// The TCAS II version 7.1 thresholds, sensitivity levels 2 to 8 (see
    /// the [module documentation](self) for the table and its source).
    pub fn tcas_ii() -> TierTable {
        let th = |tau_s, dmod_nm, zthr_ft| TierThresholds {
            tau_s,
            dmod_nm,
            zthr_ft,
        };
        let band = |up_to_ft, caution, warning| TierBand {
            up_to_ft,
            caution,
            warning,
        };
        TierTable {
            bands: vec![
                band(Some(1000.0), th(20.0, 0.30, 850.0), None),
                band(
                    Some(2350.0),
                    th(25.0, 0.33, 850.0),
                    Some(th(15.0, 0.20, 600.0)),
                ),
                band(
                    Some(5000.0),
                    th(30.0, 0.48, 850.0),
                    Some(th(20.0, 0.35, 600.0)),
                ),
                band(
                    Some(10_000.0),
                    th(40.0, 0.75, 850.0),
                    Some(th(25.0, 0.55, 600.0)),
                ),
                band(
                    Some(20_000.0),
                    th(45.0, 1.00, 850.0),
                    Some(th(30.0, 0.80, 600.0)),
                ),
                band(
                    Some(42_000.0),
                    th(48.0, 1.30, 850.0),
                    Some(th(35.0, 1.10, 700.0)),
                ),
                band(None, th(48.0, 1.30, 1200.0), Some(th(35.0, 1.10, 800.0))),
            ],
        }
    }

    /// The band of a pressure altitude.
    pub fn band(&self, alt_ft: f64) -> Option<&TierBand> {
        self.bands
            .iter()
            .find(|b| b.up_to_ft.is_none_or(|u| alt_ft <= u))
            .or(self.bands.last())
    }

    fn validate(&self, prefix: &str) -> Result<(), AirConfigError> {
        if self.bands.is_empty() {
            return Err(AirConfigError::Unsafe {
                key: format!("{prefix}.bands"),
                value: 0.0,
                rule: "needs at least one band",
            });
        }
        let mut prev = f64::NEG_INFINITY;
        for (i, b) in self.bands.iter().enumerate() {
            let key = |k: &str| format!("{prefix}.bands[{i}].{k}");
            let last = i + 1 == self.bands.len();
            match (b.up_to_ft, last) {
                (Some(u), false) if u.is_finite() && u > prev => prev = u,
                (None, true) => {}
                (Some(u), false) => {
                    return Err(AirConfigError::Unsafe {
                        key: key("up_to_ft"),
                        value: u,
                        rule: "must be finite and above the previous band's",
                    })
                }
                (u, _) => {
                    return Err(AirConfigError::Unsafe {
                        key: key("up_to_ft"),
                        value: u.unwrap_or(f64::NAN),
                        rule: "only the last band, and it alone, has no upper bound",
                    })
                }
            }
            let tiers = [("caution", Some(b.caution)), ("warning", b.warning)];
            for (name, t) in tiers {
                if let Some(t) = t {
                    positive(&key(&format!("{name}.tau_s")), t.tau_s)?;
                    positive(&key(&format!("{name}.dmod_nm")), t.dmod_nm)?;
                    positive(&key(&format!("{name}.zthr_ft")), t.zthr_ft)?;
                }
            }
        }
        Ok(())
    }
}

/// The tier of a pair now, from its present range, closure and vertical
/// motion (straight-line, as TCAS judges): `Warning` when the warning
/// thresholds of the band are met, else `Caution` when the caution ones
/// are, else `None`. Each test: horizontally, the range within DMOD or the
/// modified tau `(DMOD² − r²)/(r·ṙ)` of a closing pair within tau;
/// vertically, the separation within ZTHR or the vertical tau `−Δalt/Δrate`
/// of a closing pair within tau. The band is that of the higher pressure
/// altitude. Without a pressure altitude only the caution's horizontal test
/// is made (as TCAS gives only traffic advisories on traffic that reports
/// none). `None` for aircraft on the ground or invalid input.
pub fn tier(a: &AirKinematic, b: &AirKinematic, table: &TierTable) -> Option<Tier> {
    if a.on_ground || b.on_ground || !a.horizontal_is_valid() || !b.horizontal_is_valid() {
        return None;
    }
    let pair = PairFrame::new(a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg);
    let r = (pair.p2.0 - pair.p1.0, pair.p2.1 - pair.p1.1);
    let va = velocity(pair.course_to_local_1(a.track_deg), a.gs_kn);
    let vb = velocity(pair.course_to_local_2(b.track_deg), b.gs_kn);
    let v = (vb.0 - va.0, vb.1 - va.1);
    let range_m = r.0.hypot(r.1);
    let range_rate = if range_m > 0.0 {
        (r.0 * v.0 + r.1 * v.1) / range_m
    } else {
        0.0
    };
    let horizontal = |t: &TierThresholds| -> bool {
        let dmod = t.dmod_nm * METRES_PER_NM;
        if range_m <= dmod {
            return true;
        }
        range_rate < 0.0 && (dmod * dmod - range_m * range_m) / (range_m * range_rate) <= t.tau_s
    };
    let Some((za, zb)) = a.altitude_ft().zip(b.altitude_ft()) else {
        let band = table.bands.first()?;
        // The lowest band's caution: the smallest, without altitude.
        return horizontal(&band.caution).then_some(Tier::Caution);
    };
    let band = table.band(za.max(zb))?;
    let dz = zb - za;
    let dvz = (b.rate_fpm() - a.rate_fpm()) / 60.0;
    let vertical = |t: &TierThresholds| -> bool {
        dz.abs() <= t.zthr_ft || (dz * dvz < 0.0 && -dz / dvz <= t.tau_s)
    };
    let meets = |t: &TierThresholds| horizontal(t) && vertical(t);
    if band.warning.as_ref().is_some_and(meets) {
        Some(Tier::Warning)
    } else if meets(&band.caution) {
        Some(Tier::Caution)
    } else {
        None
    }
}

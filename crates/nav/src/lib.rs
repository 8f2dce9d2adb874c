//! Navigation kernel for Finisterra: WGS84 local geodesy, CPA/TCPA,
//! COLREGs classification and avoidance advice.
//!
//! Pure functions over numbers: no I/O, no clock, no panics (non-finite
//! input gives NaN or `None` out). Angles are degrees at the API (`_deg`),
//! distances metres or nautical miles (`_m`, `_nm`), speeds knots (`_kn`),
//! times seconds (`_s`). The CPA screening path ([`cpa::cpa`],
//! [`colregs::classify`]) does not allocate; [`advice::advise`] allocates
//! one small vector per call.
//!
//! * [`geo`] — WGS84 tangent plane, distance, bearing, destination.
//! * [`cpa`] — closest point of approach, bow crossing range.
//! * [`colregs`] — who gives way and why (Rules 7, 8, 12–15, 17, 18).
//! * [`air`] — air conflicts in 3-D (state-based, pressure altitude,
//!   turning aircraft on their arc) and tiers modelled on TCAS II.
//! * [`advice`] — the smallest readily apparent alteration (or speed
//!   reduction) that clears every nearby vessel.
//!
//! # Example: CPA → ruling → advice
//!
//! ```
//! use finisterra_nav::advice::{advise, Action, AdviceConfig, Direction};
//! use finisterra_nav::colregs::{classify, ColregsConfig, GiveWay, Role};
//! use finisterra_nav::cpa::{cpa, Kinematic};
//! use finisterra_nav::geo::destination;
//!
//! // Own ship steams north at 12 kn; a target 4 NM away on the starboard
//! // bow steams west at 12 kn: both reach the same point in 14 minutes.
//! let own = Kinematic::new(43.0, -9.5, 12.0, 0.0);
//! let (lat, lon) = destination(43.0, -9.5, 45.0, 4.0 * 1852.0);
//! let target = Kinematic::new(lat, lon, 12.0, 270.0);
//!
//! let c = cpa(&own, &target);
//! assert!(c.cpa_nm < 0.05 && (c.tcpa_s / 60.0 - 14.1).abs() < 0.2);
//!
//! let cfg = ColregsConfig::default();
//! let ruling = classify(&own, Role::PowerDriven, &target, Role::PowerDriven, &cfg);
//! assert_eq!(ruling.give_way, GiveWay::Own);
//! assert_eq!(ruling.rule.unwrap().code(), "15");
//! assert_eq!(ruling.to_string(), "crossing, target on starboard bow: own ship gives way (Rule 15)");
//!
//! let plan = advise(&own, Role::PowerDriven, &[(target, Role::PowerDriven)], &cfg, &AdviceConfig::default());
//! let a = plan.recommended();
//! assert_eq!(a.action, Action::AlterCourse);
//! assert_eq!(a.direction, Direction::Starboard);
//! assert!(a.sufficient && a.resulting_cpa_nm >= 1.0 && !a.crosses_ahead);
//! println!("alter {:.0}° to starboard, new course {:03.0}°", a.alteration_deg, a.new_cog_deg);
//! ```

pub mod advice;
pub mod air;
pub mod colregs;
pub mod conditions;
pub mod cpa;
pub mod geo;
pub mod manoeuvre;

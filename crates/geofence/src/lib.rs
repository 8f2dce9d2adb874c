//! Geometry of fixed hazards and zones for Finisterra: land (the
//! coastline), user hazards, and zones with rules and vessel selectors.
//!
//! Sans-IO and deterministic: functions take bytes, strings and numbers
//! (the command line reads the files), no clock is read (times come in as
//! milliseconds since the epoch), and nothing panics on any input — a bad
//! document is an error value naming the feature and what is wrong. Units
//! are in names (`_deg`, `_m`, `_nm`, `_s`, `_kn`, `_ms`).
//!
//! * [`land`] — [`Land`]: land polygons (bundled: Natural Earth 1:10m, or
//!   any TopoJSON/GeoJSON such as the OSM land polygons of
//!   `@geo-maps/earth-lands-1km`), with "is this land", distance to the
//!   coast, the first time a predicted track comes within a safety
//!   distance of the coast, and the smallest course alteration that keeps
//!   a track clear. A compact, versioned binary form loads the world in
//!   well under a second.
//! * [`mapland`] — [`MapLand`]: the same land as a flat web map draws it
//!   (cut at the antimeridian, simplified per zoom level) for the console.
//! * [`hazards`] — [`Hazards`]: points, lines and areas with a radius, with
//!   the same first-approach query.
//! * [`zones`] — [`Zones`]: areas and lines with `keep_out`, `keep_in`,
//!   `no_crossing`, `speed_limit` or `notify`, time windows and
//!   `applies_to` selectors; entries, exits and crossings between fixes
//!   (fast vessels jumping a thin zone included) and predicted ones.
//! * [`airspace`] — zones with a floor and a ceiling (feet, metres or flight
//!   level; ground, mean sea level or standard pressure, as OpenAIP writes
//!   them) for aircraft: which an aircraft is in, entered, or will enter
//!   first on its track and vertical rate.
//! * [`icao`] — State of registry of an ICAO 24-bit address from the Annex 10
//!   address blocks.
//! * [`mid`] — flag (ISO 3166 alpha-2) of an MMSI from its Maritime
//!   Identification Digits, for every MMSI form.
//!
//! # Invariants
//!
//! * No I/O, no clock, no threads, no global state other than the MID and
//!   ICAO address tables parsed once from the bytes compiled in.
//! * Knows nothing of AIS messages, the engine or the CLI: vessels are
//!   [`VesselFacts`] and numbers; geodesy comes from `finisterra-nav`.
//! * Never panics on input: decoders return [`GeoJsonError`] /
//!   [`LandFormatError`]; queries return `None`, `false` or an empty list
//!   for non-finite or out-of-range numbers.
//! * Deterministic: the same bytes give the same index and the same
//!   answers (ties are broken by index), so replay is exact.
//!
//! # Exactness conventions
//!
//! Polygon and line coordinates are stored in fixed point (10⁻⁷ degree);
//! "inside", "on the edge" and "do these segments touch" are decided
//! exactly with integer orientation tests. A point on a boundary is inside
//! (on the coastline is land; on a zone's boundary is in the zone). Edges
//! are straight in longitude/latitude (RFC 7946). Distances and tracks are
//! computed in the vessel's WGS84 tangent plane, the frame of
//! [`finisterra_nav::geo::LocalFrame`].
//!
//! # Examples
//!
//! Land and a track steering for it:
//!
//! ```
//! use finisterra_geofence::Land;
//!
//! // A one-degree island south of the equator (any GeoJSON will do).
//! let island = br#"{"type":"Polygon","coordinates":[[[0,-1],[1,-1],[1,0],[0,0],[0,-1]]]}"#;
//! let land = Land::from_geojson_bytes(island).unwrap();
//! assert!(land.is_land(-0.5, 0.5));
//! assert!(!land.is_land(0.1, 0.5));
//!
//! // 0.1° north of the shore (11 km), steering south at 12 kn, 1 NM safety.
//! let a = land.first_approach(0.1, 0.5, 180.0, 12.0, 3600.0, 1852.0).unwrap();
//! assert!((a.time_s - (11_057.0 - 1852.0) / (12.0 * 1852.0 / 3600.0)).abs() < 10.0);
//! // Steering north is clear; so is any course from 45° either side of it.
//! assert!(land.course_is_clear(0.1, 0.5, 0.0, 12.0, 3600.0, 1852.0));
//!
//! // The compact form round-trips.
//! let again = Land::from_bytes(&land.to_bytes()).unwrap();
//! assert!(again.is_land(-0.5, 0.5));
//! ```
//!
//! Zones and a fast vessel jumping a thin one between two fixes:
//!
//! ```
//! use finisterra_geofence::zones::{Fix, VesselFacts, ZoneEventKind, Zones};
//!
//! let doc = br#"{"type":"FeatureCollection","features":[{"type":"Feature",
//!   "properties":{"name":"Cable corridor","rule":"keep_out","applies_to":{"ship_type":[[70,79]]}},
//!   "geometry":{"type":"Polygon","coordinates":[[[-9.3,42.0],[-9.3,42.001],[-9.0,42.001],[-9.0,42.0],[-9.3,42.0]]]}}]}"#;
//! let zones = Zones::from_geojson_bytes(doc).unwrap();
//! let cargo = VesselFacts { mmsi: 224_123_456, ship_type: Some(70), class_b: false, length_m: Some(120.0) };
//! let from = Fix { lat_deg: 41.99, lon_deg: -9.1, time_ms: 0 };
//! let to = Fix { lat_deg: 42.01, lon_deg: -9.1, time_ms: 60_000 };
//! let ev = zones.step(&cargo, &from, &to);
//! assert_eq!(ev.len(), 2);
//! assert_eq!((ev[0].kind, ev[0].violation), (ZoneEventKind::Entered, true));
//! assert_eq!(ev[1].kind, ZoneEventKind::Left);
//! // A fishing vessel (type 30) is not selected.
//! let fisher = VesselFacts { ship_type: Some(30), ..cargo };
//! assert!(zones.step(&fisher, &from, &to).is_empty());
//! ```
//!
//! Bad input is an error naming the feature:
//!
//! ```
//! use finisterra_geofence::Zones;
//! let doc = br#"{"type":"FeatureCollection","features":[{"type":"Feature",
//!   "properties":{"name":"Ria de Arousa","rule":"keepout"},
//!   "geometry":{"type":"Polygon","coordinates":[[[-9,42.5],[-8.8,42.5],[-8.8,42.6],[-9,42.5]]]}}]}"#;
//! let err = Zones::from_geojson_bytes(doc).unwrap_err().in_source("zones.geojson");
//! assert_eq!(
//!     err.to_string(),
//!     r#"zones.geojson feature 1 ("Ria de Arousa"): rule "keepout" is not one of keep_out, keep_in, no_crossing, speed_limit, notify, tss_lane, tss_separation, tss_inshore, channel, restricted_visibility"#
//! );
//! ```

pub mod airspace;
mod boxindex;
pub mod error;
mod exact;
mod geojson;
mod grid;
pub mod hazards;
pub mod icao;
pub mod land;
pub mod mapland;
pub mod mid;
mod plane;
mod rings;
mod simple;
mod topojson;
pub mod traffic;
pub mod zones;

pub use airspace::{AirFix, AircraftFacts, AirspaceEntry, VerticalLimit, VerticalLimits};
pub use error::{GeoJsonError, GeoJsonErrorKind, LandFormatError};
pub use hazards::{HazardApproach, Hazards};
pub use land::{Approach, CoastPoint, Land};
pub use mapland::{MapLand, MapLevel};
pub use traffic::{LaneSector, TssBlock, TssBlockKind};
pub use zones::{Fix, Rule, Selector, VesselFacts, ZoneEvent, ZoneEventKind, Zones};

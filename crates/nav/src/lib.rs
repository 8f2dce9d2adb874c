//! Navigation kernel for Finisterra: WGS84 local geodesy, CPA/TCPA,
//! COLREGs classification and avoidance advice.
//!
//! Pure functions over numbers: no I/O, no clock, no allocation on the hot
//! path. Angles are degrees at the API (`_deg`), distances metres or
//! nautical miles (`_m`, `_nm`), speeds knots (`_kn`), times seconds (`_s`).

pub mod cpa;
pub mod geo;

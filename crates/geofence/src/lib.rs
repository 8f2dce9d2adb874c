//! Finisterra geofence (work in progress).

pub mod error;
mod exact;
mod geojson;
mod grid;
pub mod land;
mod plane;
mod rings;
mod topojson;

//! What the API and the store show of the picture: boundary types of their
//! own, built from the engine's state, so that a change inside the engine
//! never silently changes the API or the stored rows.

use finisterra_engine::{StaticData, Vessel, VesselClass};
use serde::Serialize;

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// A vessel as the list, the map and the live stream show it.
#[derive(Debug, Clone, Serialize)]
pub struct VesselSummary<'a> {
    /// MMSI.
    pub mmsi: u32,
    /// Name, when known.
    pub name: Option<&'a str>,
    /// Call sign, when known.
    pub callsign: Option<&'a str>,
    /// IMO number, when known.
    pub imo: Option<u32>,
    /// Station class.
    pub class: VesselClass,
    /// AIS ship and cargo type.
    pub ship_type: Option<u8>,
    /// Flag from the MMSI's MID.
    pub flag: Option<&'static str>,
    /// Latitude of the last fix, degrees.
    pub lat_deg: Option<f64>,
    /// Longitude of the last fix, degrees.
    pub lon_deg: Option<f64>,
    /// Speed over ground, knots.
    pub sog_kn: Option<f64>,
    /// Course over ground, degrees.
    pub cog_deg: Option<f64>,
    /// True heading, degrees.
    pub heading_deg: Option<f64>,
    /// Navigational status (AIS code).
    pub nav_status: Option<u8>,
    /// Length overall, metres.
    pub length_m: Option<f64>,
    /// Data time of the last fix, ms since the epoch.
    pub fix_ms: Option<i64>,
    /// The same time in ISO 8601 (UTC).
    pub fix_time: Option<String>,
    /// Declared lost (silent too long).
    pub lost: bool,
}

impl<'a> VesselSummary<'a> {
    /// The summary of a vessel of the picture.
    pub fn of(v: &'a Vessel) -> VesselSummary<'a> {
        VesselSummary {
            mmsi: v.mmsi,
            name: v.static_data.name.as_deref(),
            callsign: v.static_data.callsign.as_deref(),
            imo: v.static_data.imo,
            class: v.class,
            ship_type: v.static_data.ship_type,
            flag: finisterra_engine::geofence::mid::flag_of_mmsi(v.mmsi),
            lat_deg: v.has_fix().then_some(v.lat_deg).and_then(finite),
            lon_deg: v.has_fix().then_some(v.lon_deg).and_then(finite),
            sog_kn: v.sog_kn,
            cog_deg: v.cog_deg,
            heading_deg: v.heading_deg,
            nav_status: v.nav_status,
            length_m: v.static_data.length_m(),
            fix_ms: v.has_fix().then_some(v.fix_ms),
            fix_time: v.has_fix().then(|| finisterra_engine::iso8601(v.fix_ms)),
            lost: v.lost,
        }
    }
}

/// A vessel's full state, as the detail endpoint shows it and the store
/// keeps it.
#[derive(Debug, Clone, Serialize)]
pub struct VesselState<'a> {
    /// MMSI.
    pub mmsi: u32,
    /// Station class.
    pub class: VesselClass,
    /// Latitude of the last accepted fix, degrees.
    pub lat_deg: Option<f64>,
    /// Longitude of the last accepted fix, degrees.
    pub lon_deg: Option<f64>,
    /// Speed over ground, knots.
    pub sog_kn: Option<f64>,
    /// Course over ground, degrees.
    pub cog_deg: Option<f64>,
    /// True heading, degrees.
    pub heading_deg: Option<f64>,
    /// Rate of turn, degrees per minute (negative to port).
    pub rot_deg_per_min: Option<f64>,
    /// Navigational status (AIS code).
    pub nav_status: Option<u8>,
    /// Data time of the last accepted fix, ms since the epoch.
    pub fix_ms: Option<i64>,
    /// Data time of the last message of any kind, ms since the epoch.
    pub last_seen_ms: i64,
    /// Static and voyage data.
    #[serde(rename = "static")]
    pub static_data: &'a StaticData,
    /// Messages received.
    pub messages: u64,
    /// Positions rejected (sentinels, out of range, teleports).
    pub rejected_positions: u64,
    /// Two transmitters seen using this MMSI at once.
    pub identity_conflict: bool,
    /// Declared lost (silent too long), until the next accepted fix.
    pub lost: bool,
}

impl<'a> VesselState<'a> {
    /// The state of a vessel of the picture.
    pub fn of(v: &'a Vessel) -> VesselState<'a> {
        VesselState {
            mmsi: v.mmsi,
            class: v.class,
            lat_deg: v.has_fix().then_some(v.lat_deg).and_then(finite),
            lon_deg: v.has_fix().then_some(v.lon_deg).and_then(finite),
            sog_kn: v.sog_kn,
            cog_deg: v.cog_deg,
            heading_deg: v.heading_deg,
            rot_deg_per_min: v.rot_deg_per_min,
            nav_status: v.nav_status,
            fix_ms: v.has_fix().then_some(v.fix_ms),
            last_seen_ms: v.last_seen_ms,
            static_data: &v.static_data,
            messages: v.messages,
            rejected_positions: v.rejected_positions,
            identity_conflict: v.identity_conflict,
            lost: v.lost,
        }
    }
}

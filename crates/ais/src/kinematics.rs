//! The position and motion a message reports, whatever its type: the one
//! place that knows which messages carry them (1–3, 9, 18, 19, 27).

use crate::messages::{AisMessage, Body};

/// Position and motion as a message reports them (sentinels already
/// `None`; values as transmitted otherwise).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reported {
    /// Latitude, degrees.
    pub lat_deg: Option<f64>,
    /// Longitude, degrees.
    pub lon_deg: Option<f64>,
    /// Speed over ground, knots.
    pub sog_kn: Option<f64>,
    /// Course over ground, degrees.
    pub cog_deg: Option<f64>,
    /// True heading, degrees (types 1–3, 18, 19).
    pub heading_deg: Option<f64>,
}

impl Body {
    /// The position and motion this message reports, if it is a position
    /// report of a mobile station (types 1–3, 9, 18, 19, 27).
    pub fn reported(&self) -> Option<Reported> {
        let r = |lat, lon, sog, cog, hdg: Option<u16>| Reported {
            lat_deg: lat,
            lon_deg: lon,
            sog_kn: sog,
            cog_deg: cog,
            heading_deg: hdg.map(f64::from),
        };
        match self {
            Body::Position(p) => Some(r(p.lat_deg, p.lon_deg, p.sog_kn, p.cog_deg, p.heading_deg)),
            Body::ClassBPosition(p) => {
                Some(r(p.lat_deg, p.lon_deg, p.sog_kn, p.cog_deg, p.heading_deg))
            }
            Body::ClassBExtended(p) => {
                Some(r(p.lat_deg, p.lon_deg, p.sog_kn, p.cog_deg, p.heading_deg))
            }
            Body::SarAircraft(p) => Some(r(p.lat_deg, p.lon_deg, p.sog_kn, p.cog_deg, None)),
            Body::LongRange(p) => Some(r(p.lat_deg, p.lon_deg, p.sog_kn, p.cog_deg, None)),
            _ => None,
        }
    }
}

impl AisMessage {
    /// The position and motion this message reports, if any (see
    /// [`Body::reported`]).
    pub fn reported(&self) -> Option<Reported> {
        self.body.reported()
    }
}

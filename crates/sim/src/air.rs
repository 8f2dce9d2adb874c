//! Aircraft in a scenario (issue 13): each broadcasts what a transponder
//! with ADS-B out would — an airborne position in the even and the odd CPR
//! format alternately every half second, its velocity every second and its
//! identification every five seconds — as DF 17 frames
//! ([`finisterra_modes::encode`]). Deterministic: integer milliseconds,
//! motion in steps of 100 ms (straight or at a constant turn rate, a
//! vertical rate until a target level).

use finisterra_nav::geo::{destination, METRES_PER_NM};
use serde::{Deserialize, Serialize};

/// An aircraft of a scenario.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AircraftSpec {
    /// ICAO 24-bit address, hex (`"4ca1b2"`).
    pub icao: String,
    /// Callsign.
    #[serde(default)]
    pub callsign: String,
    /// Emitter category as readsb writes it (`"A3"`; default `A3`).
    #[serde(default)]
    pub category: Option<String>,
    /// Start latitude, degrees.
    pub lat: f64,
    /// Start longitude, degrees.
    pub lon: f64,
    /// Start pressure altitude, feet.
    pub alt_ft: f64,
    /// Ground speed, knots.
    pub gs_kn: f64,
    /// Track, degrees true.
    pub track_deg: f64,
    /// Vertical rate, feet per minute (positive climbing).
    #[serde(default)]
    pub rate_fpm: f64,
    /// The level at which a climb or descent stops, feet.
    #[serde(default)]
    pub level_off_ft: Option<f64>,
    /// Turn rate, degrees per second (positive to the right).
    #[serde(default)]
    pub turn_deg_s: f64,
    /// Seconds after the start when it appears (at the given position)
    /// and begins transmitting.
    #[serde(default)]
    pub from_s: f64,
    /// Seconds after the start when it stops (default: the end).
    #[serde(default)]
    pub until_s: Option<f64>,
}

/// One frame broadcast at a data time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AirFrame {
    /// Milliseconds since the epoch.
    pub time_ms: i64,
    /// The 14 bytes of the DF 17 frame.
    pub frame: [u8; 14],
}

/// Why an aircraft could not be simulated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AirSimError {
    /// The address is not 1–6 hex digits.
    #[error("aircraft {0}: icao must be a 24-bit hex address")]
    BadAddress(String),
    /// A number is not finite or out of range.
    #[error("aircraft {icao}: {field} = {value} is not valid")]
    BadValue {
        /// The aircraft.
        icao: String,
        /// The field.
        field: &'static str,
        /// The value.
        value: f64,
    },
}

fn category_code(c: Option<&str>) -> u8 {
    c.and_then(|s| u8::from_str_radix(s.trim(), 16).ok())
        .filter(|v| (0xA0..=0xD7).contains(v))
        .unwrap_or(0xA3)
}

/// The frames of every aircraft from `start_ms` for `duration_s`, in time
/// order (then by aircraft in the given order).
pub fn air_frames(
    aircraft: &[AircraftSpec],
    start_ms: i64,
    duration_s: f64,
) -> Result<Vec<AirFrame>, AirSimError> {
    use finisterra_modes::encode::{airborne_position, airborne_velocity, identification};
    let mut out = Vec::new();
    let end_ms = (duration_s * 1000.0).round() as i64;
    for (k, a) in aircraft.iter().enumerate() {
        let icao = u32::from_str_radix(a.icao.trim(), 16)
            .ok()
            .filter(|v| *v <= 0xFF_FFFF)
            .ok_or_else(|| AirSimError::BadAddress(a.icao.clone()))?;
        for (field, value) in [
            ("lat", a.lat),
            ("lon", a.lon),
            ("alt_ft", a.alt_ft),
            ("gs_kn", a.gs_kn),
            ("track_deg", a.track_deg),
            ("rate_fpm", a.rate_fpm),
            ("turn_deg_s", a.turn_deg_s),
        ] {
            if !value.is_finite()
                || (field == "lat" && value.abs() > 90.0)
                || (field == "gs_kn" && !(0.0..1000.0).contains(&value))
            {
                return Err(AirSimError::BadValue {
                    icao: a.icao.clone(),
                    field,
                    value,
                });
            }
        }
        let cat = category_code(a.category.as_deref());
        let (mut lat, mut lon, mut alt, mut track) = (a.lat, a.lon, a.alt_ft, a.track_deg);
        let from_ms = (a.from_s * 1000.0).round() as i64;
        let until_ms = a.until_s.map_or(end_ms, |u| (u * 1000.0).round() as i64);
        let step_ms = 100;
        let mut rate = a.rate_fpm;
        let mut t = 0;
        // Stagger aircraft by a few milliseconds, as real transmitters are.
        let offset = (k as i64 * 37) % 97;
        while t <= end_ms {
            if t >= from_ms && t <= until_ms {
                // Stamped a few milliseconds after the state they carry
                // (at 450 kn, 37 ms is 9 m).
                if t % 500 == 0 {
                    let odd = (t / 500) % 2 == 1;
                    out.push((t + offset, k, airborne_position(icao, lat, lon, alt, odd)));
                }
                if t % 1000 == 200 {
                    out.push((t + offset, k, airborne_velocity(icao, a.gs_kn, track, rate)));
                }
                if t % 5000 == 100 {
                    out.push((t + offset, k, identification(icao, &a.callsign, cat)));
                }
            }
            // Move on by one step (from the moment it appears: its given
            // position is where it is at `from_s`).
            if t < from_ms {
                t += step_ms;
                continue;
            }
            let dt = step_ms as f64 / 1000.0;
            let (la, lo) = destination(lat, lon, track, a.gs_kn * METRES_PER_NM / 3600.0 * dt);
            lat = la;
            lon = lo;
            track = (track + a.turn_deg_s * dt).rem_euclid(360.0);
            alt += rate / 60.0 * dt;
            if let Some(level) = a.level_off_ft {
                if (rate > 0.0 && alt >= level) || (rate < 0.0 && alt <= level) {
                    alt = level;
                    rate = 0.0;
                }
            }
            t += step_ms;
        }
    }
    out.sort_by_key(|f| (f.0, f.1));
    Ok(out
        .into_iter()
        .map(|(t, _, frame)| AirFrame {
            time_ms: start_ms + t,
            frame,
        })
        .collect())
}

/// A frame as a line of the `time,hex` text form (seconds with
/// milliseconds), as `finisterra decode` and `serve` read it.
pub fn csv_line(f: &AirFrame) -> String {
    let mut s = format!(
        "{}.{:03},",
        f.time_ms.div_euclid(1000),
        f.time_ms.rem_euclid(1000)
    );
    for b in f.frame {
        s.push_str(&format!("{b:02X}"));
    }
    s
}

/// A frame in the Beast binary form (type `3`, a long frame) with a 12 MHz
/// counter of `ticks` and a signal level: 0x1a in the data is doubled.
pub fn beast_bytes(ticks: u64, signal: u8, frame: &[u8; 14], out: &mut Vec<u8>) {
    out.push(0x1a);
    out.push(b'3');
    let mut push = |b: u8| {
        out.push(b);
        if b == 0x1a {
            out.push(0x1a);
        }
    };
    for i in (0..6).rev() {
        push((ticks >> (8 * i)) as u8);
    }
    push(signal);
    for &b in frame {
        push(b);
    }
}

//! The stateful decoder: parity policy, the table of known aircraft, CPR
//! positions.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::cpr::{self, CprFailure};
use crate::message::{decode_frame, AddressKind, AirMessage, Cpr, PositionSource};
use crate::Reject;

/// Settings of a [`Decoder`]. Times are in milliseconds of data time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DecoderConfig {
    /// A reference position (the receiver or an airport), degrees: surface
    /// positions are decoded against it when the aircraft has no recent
    /// position, and airborne ones when there is no pair and no recent
    /// position (valid within 180 NM for airborne, 45 NM for surface).
    pub reference: Option<(f64, f64)>,
    /// Longest interval between the even and odd frames of a global pair.
    pub pair_max_ms: i64,
    /// Oldest aircraft position used as the reference of a local decoding.
    pub local_max_age_ms: i64,
    /// How long an address heard with a clean parity (DF 11/17/18) makes
    /// AP-recovered addresses of it acceptable.
    pub address_ttl_ms: i64,
    /// Aircraft not heard for this long are forgotten.
    pub aircraft_ttl_ms: i64,
    /// Most aircraft kept; when full the one heard least recently goes.
    pub max_aircraft: usize,
}

impl Default for DecoderConfig {
    fn default() -> Self {
        DecoderConfig {
            reference: None,
            pair_max_ms: 10_000,
            local_max_age_ms: 120_000,
            address_ttl_ms: 60_000,
            aircraft_ttl_ms: 300_000,
            max_aircraft: 16_384,
        }
    }
}

/// What the decoder remembers of one aircraft.
#[derive(Debug, Clone, Copy, Default)]
struct Aircraft {
    last_seen_ms: i64,
    /// Last frame with a clean parity (DF 11 without interrogator code,
    /// DF 17/18).
    last_clean_ms: Option<i64>,
    even: Option<(Cpr, i64)>,
    odd: Option<(Cpr, i64)>,
    /// Last decoded position and its time.
    position: Option<(f64, f64, i64)>,
}

/// A multiplicative hasher for 24-bit addresses (deterministic, no
/// allocation): the table is keyed by `u32` only.
#[derive(Default)]
struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u32(&mut self, v: u32) {
        self.0 = u64::from(v)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_left(29);
    }
}

type Table = HashMap<u32, Aircraft, BuildHasherDefault<AddressHasher>>;

/// Counters of a [`Decoder`]: every frame is either accepted or rejected
/// with one reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    /// Frames offered.
    pub frames: u64,
    /// Frames accepted (a message came out).
    pub accepted: u64,
    /// Accepted frames per downlink format.
    pub by_df: [u64; 25],
    /// Rejected frames per reason, indexed by [`Reject::index`].
    pub rejected: [u64; Reject::COUNT],
    /// Positions from a global pair.
    pub positions_global: u64,
    /// Positions from a local decoding against the aircraft's position.
    pub positions_local_aircraft: u64,
    /// Positions from a local decoding against the reference.
    pub positions_local_reference: u64,
    /// Global pairs refused because the frames lay in different latitude
    /// zones (or gave an impossible latitude).
    pub cpr_zone_mismatch: u64,
    /// Position frames left without a position (no pair, no reference).
    pub cpr_undecoded: u64,
    /// Frames longer than their format (decoded from their first bytes).
    pub long_for_df: u64,
    /// Aircraft forgotten to stay within `max_aircraft`.
    pub evicted: u64,
}

impl Stats {
    /// Rejections for one reason.
    pub fn rejected_for(&self, reason: Reject) -> u64 {
        self.rejected[reason.index()]
    }

    /// All rejections.
    pub fn rejected_total(&self) -> u64 {
        self.rejected.iter().sum()
    }
}

/// Decodes frames in time order, remembering aircraft: which addresses are
/// real (heard with a clean parity recently), the last even and odd
/// position frames, and the last position.
///
/// Time comes with each frame (`time_ms`, any epoch, e.g. Unix
/// milliseconds or a receiver counter): the decoder never reads a clock.
///
/// ```
/// use finisterra_modes::{Decoder, DecoderConfig, Reject};
/// let hex = |s: &str| -> Vec<u8> {
///     (0..s.len() / 2).map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap()).collect()
/// };
/// let mut dec = Decoder::new(DecoderConfig::default());
/// // A DF 5 whose address nobody has heard yet: a ghost.
/// assert_eq!(dec.decode(&hex("2928080069049e"), 0), Err(Reject::UnknownAddress));
/// // After an extended squitter from 393322, the same reply is believed.
/// dec.decode(&hex("8f393322200464b3d1a1e03df1bf"), 1_000).unwrap();
/// let m = dec.decode(&hex("2928080069049e"), 2_000).unwrap();
/// assert_eq!(m.address, 0x393322);
/// ```
#[derive(Debug, Clone)]
pub struct Decoder {
    config: DecoderConfig,
    aircraft: Table,
    stats: Stats,
    /// Data time of the last purge of old aircraft.
    last_purge_ms: Option<i64>,
}

impl Decoder {
    /// A decoder with no aircraft known.
    pub fn new(config: DecoderConfig) -> Decoder {
        Decoder {
            config,
            aircraft: Table::default(),
            stats: Stats::default(),
            last_purge_ms: None,
        }
    }

    /// The counters so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The settings.
    pub fn config(&self) -> &DecoderConfig {
        &self.config
    }

    /// Aircraft currently remembered.
    pub fn aircraft_count(&self) -> usize {
        self.aircraft.len()
    }

    /// Decodes one frame received at `time_ms`: the message, or the reason
    /// it was rejected (counted in [`Decoder::stats`]).
    pub fn decode(&mut self, frame: &[u8], time_ms: i64) -> Result<AirMessage, Reject> {
        self.stats.frames += 1;
        match self.decode_inner(frame, time_ms) {
            Ok(m) => {
                self.stats.accepted += 1;
                if let Some(df) = m.df {
                    self.stats.by_df[usize::from(df.min(24))] += 1;
                }
                Ok(m)
            }
            Err(r) => {
                self.stats.rejected[r.index()] += 1;
                Err(r)
            }
        }
    }

    /// Counts a rejection found before decoding (by a framer), so that the
    /// decoder's stats account for every input.
    pub fn count_rejection(&mut self, reason: Reject) {
        self.stats.frames += 1;
        self.stats.rejected[reason.index()] += 1;
    }

    fn decode_inner(&mut self, frame: &[u8], time_ms: i64) -> Result<AirMessage, Reject> {
        let mut m = decode_frame(frame)?;
        if let Some(len) = m.df.and_then(crate::message::df_len) {
            if frame.len() > len {
                self.stats.long_for_df += 1;
            }
        }
        self.maybe_purge(time_ms);
        match m.address_kind {
            AddressKind::Clean | AddressKind::NonIcao => {
                let a = self.entry(m.address, time_ms);
                a.last_clean_ms = Some(time_ms);
            }
            AddressKind::WithInterrogator(_) | AddressKind::FromParity => {
                if !self.recently_clean(m.address, time_ms) {
                    return Err(Reject::UnknownAddress);
                }
                self.entry(m.address, time_ms);
            }
            AddressKind::Sbs => {}
        }
        if let Some(c) = m.cpr {
            self.position(&mut m, c, time_ms);
        }
        Ok(m)
    }

    fn recently_clean(&self, address: u32, time_ms: i64) -> bool {
        self.aircraft
            .get(&address)
            .and_then(|a| a.last_clean_ms)
            .is_some_and(|t| (time_ms - t).abs() <= self.config.address_ttl_ms)
    }

    /// The aircraft's entry, created if needed (evicting the least recently
    /// heard when the table is full), with its time updated.
    fn entry(&mut self, address: u32, time_ms: i64) -> &mut Aircraft {
        if !self.aircraft.contains_key(&address) && self.aircraft.len() >= self.config.max_aircraft
        {
            self.purge(time_ms);
            if self.aircraft.len() >= self.config.max_aircraft {
                let oldest = self
                    .aircraft
                    .iter()
                    .min_by_key(|(k, a)| (a.last_seen_ms, **k))
                    .map(|(k, _)| *k);
                if let Some(k) = oldest {
                    self.aircraft.remove(&k);
                    self.stats.evicted += 1;
                }
            }
        }
        let a = self.aircraft.entry(address).or_insert(Aircraft {
            last_seen_ms: time_ms,
            ..Aircraft::default()
        });
        a.last_seen_ms = a.last_seen_ms.max(time_ms);
        a
    }

    /// Forgets aircraft not heard for `aircraft_ttl_ms`, at most once per
    /// ten seconds of data time.
    fn maybe_purge(&mut self, time_ms: i64) {
        match self.last_purge_ms {
            Some(t) if (time_ms - t).abs() < 10_000 => {}
            _ => self.purge(time_ms),
        }
    }

    fn purge(&mut self, time_ms: i64) {
        self.last_purge_ms = Some(time_ms);
        let ttl = self.config.aircraft_ttl_ms;
        self.aircraft
            .retain(|_, a| (time_ms - a.last_seen_ms).abs() <= ttl);
    }

    /// Fills `m`'s position from its CPR frame and the aircraft's state.
    fn position(&mut self, m: &mut AirMessage, c: Cpr, time_ms: i64) {
        let cfg = self.config;
        let Some(a) = self.aircraft.get_mut(&m.address) else {
            return;
        };
        // Keep the frame; a frame of the other format (surface/airborne)
        // never pairs with it.
        let (this, other) = if c.odd {
            (&mut a.odd, a.even)
        } else {
            (&mut a.even, a.odd)
        };
        *this = Some((c, time_ms));
        let recent_pos = a
            .position
            .filter(|&(_, _, t)| (time_ms - t).abs() <= cfg.local_max_age_ms);
        let mut found = None;
        if !c.surface {
            if let Some((o, _)) =
                other.filter(|(o, t)| !o.surface && (time_ms - t).abs() <= cfg.pair_max_ms)
            {
                let (even, odd) = if c.odd { (o, c) } else { (c, o) };
                match cpr::airborne_global((even.lat, even.lon), (odd.lat, odd.lon), c.odd) {
                    Ok(p) => found = Some((p, PositionSource::Global)),
                    Err(CprFailure::ZoneMismatch | CprFailure::BadLatitude) => {
                        self.stats.cpr_zone_mismatch += 1;
                    }
                }
            }
        }
        if found.is_none() {
            let reference = match (recent_pos, cfg.reference) {
                (Some((lat, lon, _)), _) => Some((lat, lon, PositionSource::LocalAircraft)),
                (None, Some((lat, lon))) => Some((lat, lon, PositionSource::LocalReference)),
                (None, None) => None,
            };
            if let Some((rlat, rlon, src)) = reference {
                let p = cpr::local((c.lat, c.lon), c.odd, c.surface, rlat, rlon);
                found = Some((p, src));
            }
        }
        match found {
            Some(((lat, lon), src)) if lat.is_finite() && lon.is_finite() && lat.abs() <= 90.0 => {
                a.position = Some((lat, lon, time_ms));
                m.lat_deg = Some(lat);
                m.lon_deg = Some(lon);
                m.position_source = Some(src);
                match src {
                    PositionSource::Global => self.stats.positions_global += 1,
                    PositionSource::LocalAircraft => self.stats.positions_local_aircraft += 1,
                    PositionSource::LocalReference => self.stats.positions_local_reference += 1,
                    PositionSource::Sbs => {}
                }
            }
            _ => self.stats.cpr_undecoded += 1,
        }
    }
}

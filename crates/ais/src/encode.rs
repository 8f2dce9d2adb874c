//! Encoding typed messages back into AIVDM sentences (for round-trip tests
//! and the traffic simulator).
//!
//! Supported: types 1/2/3, 4/11, 5, 14, 18, 19, 21, 24 and 27. `None`
//! values are written as the standard's "not available" sentinels; scaled
//! values are rounded to the field's resolution.

use std::fmt::Write as _;

use crate::bits::BitWriter;
use crate::messages::*;

/// Why a message could not be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// The encoder does not handle this message type.
    #[error("encoding message type {0} is not supported")]
    Unsupported(u8),
}

/// How sentences are framed.
#[derive(Debug, Clone)]
pub struct SentenceOptions {
    /// Talker id, `AI` by default.
    pub talker: [u8; 2],
    /// Write `VDO` (own ship) instead of `VDM`.
    pub own_ship: bool,
    /// Radio channel (`A` or `B`), or none.
    pub channel: Option<u8>,
    /// Sequential message id for multi-sentence messages (0-9).
    pub sequence_id: u8,
    /// Most payload characters per sentence (60 keeps sentences within the
    /// NMEA 82-character limit).
    pub max_payload_chars: usize,
    /// Receive time to put in a tag block `c:` (Unix seconds), if any.
    pub tag_time_s: Option<i64>,
    /// Station to put in a tag block `s:`, if any.
    pub tag_source: Option<String>,
}

impl Default for SentenceOptions {
    fn default() -> Self {
        SentenceOptions {
            talker: *b"AI",
            own_ship: false,
            channel: Some(b'A'),
            sequence_id: 0,
            max_payload_chars: 60,
            tag_time_s: None,
            tag_source: None,
        }
    }
}

fn lat_raw(v: Option<f64>) -> i32 {
    v.map_or(LAT_NA_1E4, |d| (d * 600_000.0).round() as i32)
}
fn lon_raw(v: Option<f64>) -> i32 {
    v.map_or(LON_NA_1E4, |d| (d * 600_000.0).round() as i32)
}
fn tenth(v: Option<f64>, na: u32, max: u32) -> u32 {
    v.map_or(na, |d| ((d * 10.0).round().max(0.0) as u32).min(max))
}

fn dims(w: &mut BitWriter, d: &Dimensions) {
    w.u(d.to_bow as u32, 9);
    w.u(d.to_stern as u32, 9);
    w.u(d.to_port as u32, 6);
    w.u(d.to_starboard as u32, 6);
}

/// Encodes a message into its payload bits.
pub fn encode_bits(msg: &AisMessage) -> Result<BitWriter, EncodeError> {
    let mut w = BitWriter::new();
    w.u(msg.msg_type as u32, 6);
    w.u(msg.repeat as u32, 2);
    w.u(msg.mmsi, 30);
    match (&msg.body, msg.msg_type) {
        (Body::Position(p), 1..=3) => {
            w.u(p.status as u32, 4);
            w.i(p.turn.map_or(-128, |t| t.raw() as i32), 8);
            w.u(tenth(p.sog_kn, 1023, 1022), 10);
            w.b(p.accuracy);
            w.i(lon_raw(p.lon_deg), 28);
            w.i(lat_raw(p.lat_deg), 27);
            w.u(tenth(p.cog_deg, 3600, 3599), 12);
            w.u(p.heading_deg.map_or(511, |h| h as u32), 9);
            w.u(p.second as u32, 6);
            w.u(p.maneuver as u32, 2);
            w.u(0, 3);
            w.b(p.raim);
            w.u(p.radio, 19);
        }
        (Body::BaseStation(b), 4 | 11) => {
            w.u(b.year as u32, 14);
            w.u(b.month as u32, 4);
            w.u(b.day as u32, 5);
            w.u(b.hour as u32, 5);
            w.u(b.minute as u32, 6);
            w.u(b.second as u32, 6);
            w.b(b.accuracy);
            w.i(lon_raw(b.lon_deg), 28);
            w.i(lat_raw(b.lat_deg), 27);
            w.u(b.epfd as u32, 4);
            w.u(0, 10);
            w.b(b.raim);
            w.u(b.radio, 19);
        }
        (Body::StaticVoyage(s), 5) => {
            w.u(s.ais_version as u32, 2);
            w.u(s.imo, 30);
            w.text(s.callsign.as_str(), 7);
            w.text(s.shipname.as_str(), 20);
            w.u(s.shiptype as u32, 8);
            dims(&mut w, &s.dimensions);
            w.u(s.epfd as u32, 4);
            w.u(s.eta_month as u32, 4);
            w.u(s.eta_day as u32, 5);
            w.u(s.eta_hour as u32, 5);
            w.u(s.eta_minute as u32, 6);
            w.u(tenth(s.draught_m, 0, 255), 8);
            w.text(s.destination.as_str(), 20);
            w.b(s.dte);
            w.u(0, 1);
        }
        (Body::SafetyBroadcast(s), 14) => {
            w.u(0, 2);
            let n = s.text.len().min(161);
            w.text(&s.text, n);
        }
        (Body::ClassBPosition(p), 18) => {
            w.u(p.reserved as u32, 8);
            w.u(tenth(p.sog_kn, 1023, 1022), 10);
            w.b(p.accuracy);
            w.i(lon_raw(p.lon_deg), 28);
            w.i(lat_raw(p.lat_deg), 27);
            w.u(tenth(p.cog_deg, 3600, 3599), 12);
            w.u(p.heading_deg.map_or(511, |h| h as u32), 9);
            w.u(p.second as u32, 6);
            w.u(p.regional as u32, 2);
            w.b(p.cs);
            w.b(p.display);
            w.b(p.dsc);
            w.b(p.band);
            w.b(p.msg22);
            w.b(p.assigned);
            w.b(p.raim);
            w.u(p.radio, 20);
        }
        (Body::ClassBExtended(p), 19) => {
            w.u(p.reserved as u32, 8);
            w.u(tenth(p.sog_kn, 1023, 1022), 10);
            w.b(p.accuracy);
            w.i(lon_raw(p.lon_deg), 28);
            w.i(lat_raw(p.lat_deg), 27);
            w.u(tenth(p.cog_deg, 3600, 3599), 12);
            w.u(p.heading_deg.map_or(511, |h| h as u32), 9);
            w.u(p.second as u32, 6);
            w.u(p.regional as u32, 4);
            w.text(p.shipname.as_str(), 20);
            w.u(p.shiptype as u32, 8);
            dims(&mut w, &p.dimensions);
            w.u(p.epfd as u32, 4);
            w.b(p.raim);
            w.b(p.dte);
            w.b(p.assigned);
            w.u(0, 4);
        }
        (Body::AidToNavigation(a), 21) => {
            w.u(a.aid_type as u32, 5);
            let name = a.name.as_str();
            let (head, ext) = if name.len() > 20 {
                name.split_at(20)
            } else {
                (name, "")
            };
            w.text(head, 20);
            w.b(a.accuracy);
            w.i(lon_raw(a.lon_deg), 28);
            w.i(lat_raw(a.lat_deg), 27);
            dims(&mut w, &a.dimensions);
            w.u(a.epfd as u32, 4);
            w.u(a.second as u32, 6);
            w.b(a.off_position);
            w.u(a.regional as u32, 8);
            w.b(a.raim);
            w.b(a.virtual_aid);
            w.b(a.assigned);
            w.u(0, 1);
            if !ext.is_empty() {
                w.text(ext, ext.len().min(14));
                // Pad the extension to a whole number of bytes, as the
                // standard asks (spare bits are zero).
                let pad = (8 - w.len() % 8) % 8;
                w.u(0, pad as u32);
            }
        }
        (Body::StaticData(StaticDataReport::PartA { shipname }), 24) => {
            w.u(0, 2);
            w.text(shipname.as_str(), 20);
            w.u(0, 8);
        }
        (Body::StaticData(StaticDataReport::PartB(b)), 24) => {
            w.u(1, 2);
            w.u(b.shiptype as u32, 8);
            w.text(b.vendor_id.as_str(), 3);
            w.u(b.model as u32, 4);
            w.u(b.serial, 20);
            w.text(b.callsign.as_str(), 7);
            match b.mothership_mmsi {
                Some(m) => w.u(m, 30),
                None => dims(&mut w, &b.dimensions),
            }
            w.u(0, 6);
        }
        (Body::LongRange(l), 27) => {
            w.b(l.accuracy);
            w.b(l.raim);
            w.u(l.status as u32, 4);
            w.i(
                l.lon_deg.map_or(LON_NA_1E1, |d| (d * 600.0).round() as i32),
                18,
            );
            w.i(
                l.lat_deg.map_or(LAT_NA_1E1, |d| (d * 600.0).round() as i32),
                17,
            );
            w.u(
                l.sog_kn.map_or(63, |s| (s.round().max(0.0) as u32).min(62)),
                6,
            );
            w.u(
                l.cog_deg
                    .map_or(511, |c| (c.round().max(0.0) as u32).min(359)),
                9,
            );
            w.b(l.position_latency);
            w.u(0, 1);
        }
        _ => return Err(EncodeError::Unsupported(msg.msg_type)),
    }
    Ok(w)
}

/// Encodes a message into one or more complete `!AIVDM` sentences
/// (checksummed, split into fragments, with an optional tag block on each).
pub fn encode_sentences(
    msg: &AisMessage,
    opts: &SentenceOptions,
) -> Result<Vec<String>, EncodeError> {
    let bits = encode_bits(msg)?;
    let (payload, fill) = bits.armor();
    Ok(frame_payload(&payload, fill, opts))
}

/// Frames an armoured payload into sentences.
pub fn frame_payload(payload: &str, fill: u8, opts: &SentenceOptions) -> Vec<String> {
    let per = opts.max_payload_chars.max(1);
    let chunks: Vec<&str> = if payload.is_empty() {
        vec![""]
    } else {
        payload
            .as_bytes()
            .chunks(per)
            .map(|c| std::str::from_utf8(c).unwrap_or(""))
            .collect()
    };
    let total = chunks.len().min(9);
    let talker = std::str::from_utf8(&opts.talker).unwrap_or("AI");
    let kind = if opts.own_ship { "VDO" } else { "VDM" };
    let chan = opts
        .channel
        .map(|c| c as char)
        .map(String::from)
        .unwrap_or_default();
    let mut out = Vec::with_capacity(total);
    for (i, chunk) in chunks.iter().take(total).enumerate() {
        let seq = if total > 1 {
            (opts.sequence_id % 10).to_string()
        } else {
            String::new()
        };
        let f = if i + 1 == total { fill } else { 0 };
        let body = format!("{talker}{kind},{total},{},{seq},{chan},{chunk},{f}", i + 1);
        let mut line = String::with_capacity(body.len() + 40);
        if opts.tag_time_s.is_some() || opts.tag_source.is_some() {
            let mut tag = String::new();
            if total > 1 {
                let _ = write!(
                    tag,
                    "g:{}-{}-{}",
                    i + 1,
                    total,
                    opts.sequence_id as u32 + 1000
                );
            }
            if let Some(s) = &opts.tag_source {
                if !tag.is_empty() {
                    tag.push(',');
                }
                let _ = write!(tag, "s:{s}");
            }
            if let Some(t) = opts.tag_time_s {
                if !tag.is_empty() {
                    tag.push(',');
                }
                let _ = write!(tag, "c:{t}");
            }
            let cs = finisterra_nmea::checksum(tag.as_bytes());
            let _ = write!(line, "\\{tag}*{cs:02X}\\");
        }
        let cs = finisterra_nmea::checksum(body.as_bytes());
        let _ = write!(line, "!{body}*{cs:02X}");
        out.push(line);
    }
    out
}

//! AIS message decoding and encoding (ITU-R M.1371-5), without I/O.
//!
//! - [`decode`] turns an armoured payload (from one sentence or several
//!   joined) into a typed [`AisMessage`]: every message type 1-27, scaled
//!   to the units in the field names, with the standard's "not available"
//!   sentinels as `None`.
//! - [`StreamDecoder`] runs whole lines through NMEA framing
//!   ([`finisterra_nmea`]), multi-sentence assembly and decoding, and hands
//!   out every message and every error, each error naming its line and
//!   reason: decoding never fails as a whole.
//! - [`json`] writes gpsd-compatible AIS JSON; [`encode`] writes sentences.
//!
//! ```
//! use finisterra_ais::{decode, Body};
//! let msg = decode(b"15RTgt0PAso;90TKcjM8h6g208CQ", 0).unwrap();
//! assert_eq!(msg.mmsi, 371_798_000);
//! let Body::Position(p) = &msg.body else { panic!() };
//! assert_eq!(p.sog_kn, Some(12.3));
//! assert!((p.lat_deg.unwrap() - 48.381_633).abs() < 1e-6);
//! assert_eq!(p.heading_deg, Some(215));
//! ```
//!
//! Nothing here reads a clock, a file or a socket.

mod bits;
pub mod encode;
#[doc(hidden)]
pub mod exercise;
pub mod json;
mod kinematics;
mod messages;
mod stream;
mod text;

pub use bits::{BitData, BitWriter, Bits, MAX_PAYLOAD_BITS};
pub use kinematics::Reported;
pub use messages::*;
pub use stream::{ErrorKind, Event, LineError, Stats, StreamDecoder, StreamMessage};
pub use text::Text;

/// Why a payload could not be decoded into a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The payload has no bits.
    #[error("empty payload")]
    EmptyPayload,
    /// A payload character outside the 6-bit armouring alphabet.
    #[error("invalid payload character {:?}", *.0 as char)]
    BadPayloadChar(u8),
    /// More bits than any AIS message has.
    #[error("payload too long ({bits} bits)")]
    PayloadTooLong {
        /// Bits in the payload.
        bits: usize,
    },
    /// Fewer bits than the message type needs.
    #[error("message type {msg_type} too short: {bits} bits, needs at least {min}")]
    TooShort {
        /// The message type.
        msg_type: u8,
        /// Bits received.
        bits: usize,
        /// Bits needed.
        min: usize,
    },
    /// Message type 0 or 28-63 (not defined by ITU-R M.1371).
    #[error("unknown message type {0}")]
    UnknownType(u8),
    /// Type 24 with a part number other than 0 (A) or 1 (B).
    #[error("type 24 part number {0} is neither A (0) nor B (1)")]
    BadPartNumber(u8),
}

impl DecodeError {
    /// A short stable key for counting rejected messages by reason.
    pub fn reason(&self) -> &'static str {
        match self {
            DecodeError::EmptyPayload => "empty_payload",
            DecodeError::BadPayloadChar(_) => "bad_payload_char",
            DecodeError::PayloadTooLong { .. } => "payload_too_long",
            DecodeError::TooShort { .. } => "message_too_short",
            DecodeError::UnknownType(_) => "unknown_message_type",
            DecodeError::BadPartNumber(_) => "bad_part_number",
        }
    }
}

/// Decodes an armoured payload with its fill bits into a message.
pub fn decode(payload: &[u8], fill_bits: u8) -> Result<AisMessage, DecodeError> {
    if payload.is_empty() {
        return Err(DecodeError::EmptyPayload);
    }
    let bits = Bits::from_armored(payload, fill_bits)?;
    decode_bits(&bits)
}

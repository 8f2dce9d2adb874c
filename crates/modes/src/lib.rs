//! Mode S and ADS-B (1090 MHz) decoding, without I/O.
//!
//! - [`decode_frame`] decodes one frame on its own: DF 17/18 extended
//!   squitters (identification and category, airborne and surface
//!   position, airborne velocity, aircraft status, operational status),
//!   DF 0/4/16/20 altitude, DF 5/21 identity (squawk), DF 11 all-call
//!   replies, BDS 2,0 identification in DF 20/21; the CRC-24 parity of
//!   DF 11/17/18 is checked and the address of the AP formats recovered.
//! - [`Decoder`] adds the state: an address recovered from an AP field is
//!   believed only when that aircraft was heard with a clean parity
//!   recently (noise makes ghost aircraft otherwise), and CPR positions are
//!   decoded globally from even/odd pairs or locally against the aircraft's
//!   last position or a reference.
//! - Inputs: [`TextReader`] (AVR `*…;` and `@…;` lines, bare hex, `time,hex`
//!   CSV, SBS BaseStation `MSG` lines, split by
//!   [`finisterra_nmea::LineSplitter`]) and [`BeastFramer`] (Beast binary);
//!   both take bytes at any chunk boundary.
//! - [`json::write_json`] writes readsb `aircraft.json` field names.
//!
//! Decoding never fails as a whole: every frame comes out as a message or
//! as a [`Reject`] with its reason, counted; errors of the inputs name the
//! line or byte offset. Nothing here reads a clock, a file or a socket, and
//! nothing allocates per frame.
//!
//! ```
//! use finisterra_modes::{decode_frame, Decoder, DecoderConfig};
//! let hex = |s: &str| -> Vec<u8> {
//!     (0..s.len() / 2).map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap()).collect()
//! };
//! let m = decode_frame(&hex("8D406B902015A678D4D220AA4BDA")).unwrap();
//! assert_eq!(m.callsign.unwrap().as_str(), "EZY85MH");
//!
//! let mut dec = Decoder::new(DecoderConfig::default());
//! dec.decode(&hex("8D40621D58C382D690C8AC2863A7"), 0).unwrap();
//! let m = dec.decode(&hex("8D40621D58C386435CC412692AD6"), 1_000).unwrap();
//! assert!((m.lat_deg.unwrap() - 52.2658).abs() < 1e-4);
//! assert!((m.lon_deg.unwrap() - 3.9389).abs() < 1e-4);
//! assert_eq!(m.alt_baro_ft, Some(38000));
//! ```

mod beast;
pub mod cpr;
mod crc;
mod decoder;
pub mod encode;
pub mod json;
mod message;
mod sbs;
mod text;

pub use beast::{BeastFrame, BeastFramer, BeastKind, BeastStats};
pub use crc::{parity, syndrome};
pub use decoder::{Decoder, DecoderConfig, Stats};
pub use message::{
    ac13_ft, decode_frame, df_len, df_of, id13_squawk, mode_c_ft, AddressKind, AirMessage,
    Callsign, Cpr, OpStatus, PositionSource,
};
pub use sbs::parse_sbs;
pub use text::{
    is_modes_text, parse_text_line, FrameTime, RawFrame, TextItem, TextReader, TextRecord,
    TextStats,
};

/// Why a frame or an input record gave no message. Each has a stable
/// [`Reject::reason`] key used for counting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Reject {
    /// Fewer bytes than the downlink format needs.
    #[error("frame too short for its downlink format")]
    TooShort,
    /// A frame length that is neither 7 nor 14 bytes.
    #[error("frame length is neither 56 nor 112 bits")]
    BadLength,
    /// The PI parity of a DF 11/17/18 does not check.
    #[error("parity (CRC-24) does not check")]
    BadCrc,
    /// The address (from an AP field, or a DF 11 with an interrogator
    /// code) is of no aircraft heard with a clean parity recently.
    #[error("address not heard with a clean parity recently")]
    UnknownAddress,
    /// A downlink format not decoded here.
    #[error("downlink format {0} not decoded")]
    UnsupportedDf(u8),
    /// A text record whose hex digits are invalid or odd in number.
    #[error("invalid hex digits")]
    BadHex,
    /// A text line that is no known record (AVR, hex, CSV, SBS).
    #[error("unrecognised line")]
    BadLine,
    /// An SBS line whose fields do not parse.
    #[error("malformed SBS line")]
    BadSbs,
    /// A Beast frame cut short by the start of another.
    #[error("Beast frame cut short")]
    BeastTruncated,
    /// A Beast frame of a type other than '1', '2', '3'.
    #[error("unknown Beast frame type")]
    BeastUnknownType,
    /// A Mode A/C reply (not decoded).
    #[error("Mode A/C reply not decoded")]
    ModeAc,
}

impl Reject {
    /// Number of reasons.
    pub const COUNT: usize = 11;

    /// Every reason, in [`Reject::index`] order.
    pub const ALL: [Reject; Reject::COUNT] = [
        Reject::TooShort,
        Reject::BadLength,
        Reject::BadCrc,
        Reject::UnknownAddress,
        Reject::UnsupportedDf(0),
        Reject::BadHex,
        Reject::BadLine,
        Reject::BadSbs,
        Reject::BeastTruncated,
        Reject::BeastUnknownType,
        Reject::ModeAc,
    ];

    /// A dense index (for counters).
    pub fn index(self) -> usize {
        match self {
            Reject::TooShort => 0,
            Reject::BadLength => 1,
            Reject::BadCrc => 2,
            Reject::UnknownAddress => 3,
            Reject::UnsupportedDf(_) => 4,
            Reject::BadHex => 5,
            Reject::BadLine => 6,
            Reject::BadSbs => 7,
            Reject::BeastTruncated => 8,
            Reject::BeastUnknownType => 9,
            Reject::ModeAc => 10,
        }
    }

    /// The stable key of the reason (`bad_crc`, `unknown_address`, …).
    pub fn reason(self) -> &'static str {
        match self {
            Reject::TooShort => "too_short",
            Reject::BadLength => "bad_length",
            Reject::BadCrc => "bad_crc",
            Reject::UnknownAddress => "unknown_address",
            Reject::UnsupportedDf(_) => "unsupported_df",
            Reject::BadHex => "bad_hex",
            Reject::BadLine => "bad_line",
            Reject::BadSbs => "bad_sbs",
            Reject::BeastTruncated => "beast_truncated",
            Reject::BeastUnknownType => "beast_unknown_type",
            Reject::ModeAc => "mode_ac",
        }
    }
}

/// Where in an input a record was: a line number (text inputs) or the byte
/// offset of a frame's start (Beast).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputPos {
    /// 1-based line number.
    Line(u64),
    /// 0-based byte offset in the stream.
    Offset(u64),
}

impl core::fmt::Display for InputPos {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            InputPos::Line(n) => write!(f, "line {n}"),
            InputPos::Offset(n) => write!(f, "byte {n}"),
        }
    }
}

/// A record of an input that gave no frame, with where it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{at}: {reason}")]
pub struct InputError {
    /// Where.
    pub at: InputPos,
    /// Why.
    pub reason: Reject,
}

//! NMEA 0183 framing for AIS, without I/O.
//!
//! This crate turns one line of text (bytes) from an AIS feed into a typed
//! [`Line`]: an `!xxVDM`/`!xxVDO` [`Vdm`] sentence with its NMEA 4.10
//! [`TagBlock`] and any timestamp wrapper real archives use (tag block `c:`,
//! USCG/NAIS trailing fields, a leading unix time, Gatehouse `$PGHP` lines),
//! or a line to skip (blank, comment, other NMEA). It validates checksums
//! (sentence and tag block) and reports precise [`FrameError`]s.
//!
//! The [`Assembler`] joins the fragments of multi-sentence messages, keyed by
//! talker, sequence id, channel and tag-block source, with a bounded buffer:
//! incomplete groups expire and are reported, never kept forever.
//!
//! [`LineSplitter`] cuts a byte stream into those lines (any chunking, one
//! length limit, [`MAX_LINE_BYTES`]), for every reader of the project.
//!
//! Nothing here reads a clock, a file or a socket: bytes and line numbers go
//! in, values come out.
//!
//! ```
//! use finisterra_nmea::{parse_line, Line};
//! let line = b"\\s:2573238,c:1733782034*0A\\!BSVDM,1,1,,A,13o4g`00000I2ENRH4g83S0L088C,0*3F";
//! match parse_line(line).unwrap() {
//!     Line::Vdm(vdm) => {
//!         assert_eq!(&vdm.talker, b"BS");
//!         assert_eq!(vdm.payload, b"13o4g`00000I2ENRH4g83S0L088C");
//!         assert_eq!(vdm.time.unwrap().unix_ms, 1_733_782_034_000);
//!         assert_eq!(vdm.tag.unwrap().source, Some("2573238"));
//!     }
//!     other => panic!("unexpected {other:?}"),
//! }
//! ```

mod assembler;
mod checksum;
mod gps;
mod line;
mod split;
mod tagblock;
mod time;

pub use assembler::{Assembler, AssemblerConfig, Incomplete, IncompleteCause, Message};
pub use checksum::{checksum, parse_hex_byte};
pub use gps::{parse_gps, GpsError, GpsSentence};
pub use line::{parse_line, FrameError, Line, Vdm};
pub use split::{LineSplitter, MAX_LINE_BYTES};
pub use tagblock::{retime_tag_block, Group, TagBlock};
pub use time::{
    civil_from_unix_ms, format_iso8601, parse_iso8601_ms, unix_ms_from_civil, Timestamp,
};

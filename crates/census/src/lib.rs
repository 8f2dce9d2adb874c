//! The census of an AIS archive: every close-quarters situation and every
//! suspicious behaviour, with the field's definitions, at disk speed.
//!
//! Messages go in with their data time ([`Census::push`]), in time order or
//! late by up to a reorder window; findings come out as soon as they are
//! final, and [`Census::finish`] judges whatever is still open. Memory
//! depends on the number of vessels and on the windows (reorder,
//! interpolation, resampling), never on the length of the history.
//!
//! What it finds (thresholds in [`CensusConfig`], defaults as below):
//!
//! * [`NearMiss`]: two vessels under way (≥ 2 kn) whose **actual**
//!   distance — interpolated between their fixes, not predicted — fell
//!   below 0.5 NM (or inside a Fujii ship domain, 8 L × 3.2 L, as an
//!   option), with the closest point, the relative speed, the encounter
//!   type and COLREGs ruling when they first came within 2 NM, and whether
//!   either manoeuvred (course change ≥ 30°, rate of turn ≥ 70°/min or
//!   speed change ≥ 50 % in the ten minutes before the closest point).
//! * [`Encounter`] (Global Fishing Watch): two vessels within 500 m for at
//!   least 2 h, both with a median speed below 2 kn, at least 10 km from
//!   the coast; tracks resampled every 10 minutes, interpolated across
//!   gaps of up to an hour.
//! * [`Loitering`] (GFW): one vessel below 2 kn for at least 4 h, on
//!   average at least 20 NM from the coast.
//! * [`Gap`] (GFW "suspected disabling"): no position for at least 12 h,
//!   both ends more than 50 NM from the coast, and the vessel was being
//!   received (positions in the 12 h before × min(gap h, 48) / 12 ≥ 20);
//!   the reception rates in the 12 and 48 h before are reported.
//! * [`Spoofing`]: positions implying an impossible speed (teleports), one
//!   MMSI in two places at once (identity conflicts), tracks faster than
//!   their ship type, invalid MMSIs (not 9 digits, MID not allocated) and
//!   positions on land. MMSIs are checked only where the ids are MMSIs:
//!   always for NMEA; for a CSV file unless every id in it is below
//!   [`csv::MMSI_MIN_ID`] (1,000,000: row ids of a data set, not MMSIs;
//!   [`CsvInput::ids_not_mmsis`], [`Census::ids_not_mmsis`]).
//!
//! Which positions count is decided by the engine's own picture
//! ([`finisterra_engine::Engine`] runs inside, with collision screening
//! switched off): a position `scan` rejects as a teleport is rejected here
//! too, and a second transmitter on one MMSI is recognised the same way, so
//! the two commands agree where they see the same thing.
//!
//! Sans-IO and deterministic: no clock, no files; the same messages give
//! the same findings in the same order. The detectors run in three groups
//! that share nothing (near misses; encounters and loitering; gaps and
//! spoofing), fed the picture's decisions in order; with
//! [`Census::with_threads`] they run on worker threads of their own and the
//! output is the same, byte for byte, whatever the number of threads.
//!
//! Around the census, the same holds for what a command needs to run one:
//! [`Sniffer`] finds an input's format and first data time from its first
//! bytes (inputs are read in the order of their first times), [`NmeaInput`]
//! and [`CsvInput`] turn its lines into timed messages (a CSV file put in
//! time order by [`TimeSort`] first, if asked), and [`FindingWriter`],
//! [`write_positions_csv`], [`summary_json`] and [`report::html`] write the
//! results into any [`std::io::Write`]. The caller opens the files and
//! splits bytes into lines ([`finisterra_nmea::LineSplitter`]). With the
//! `parquet` feature, `archive` writes decoded messages into the columnar
//! position archive (Parquet by day) and reads a day of it back in the
//! order the census would have read the original input.
//!
//! ```
//! use finisterra_census::{Census, CensusConfig};
//! use finisterra_geofence::Land;
//! use finisterra_ais::decode;
//!
//! let mut census = Census::new(CensusConfig::default(), Land::empty()).unwrap();
//! let mut found = Vec::new();
//! let msg = decode(b"15RTgt0PAso;90TKcjM8h6g208CQ", 0).unwrap();
//! census.push(&msg, 1_700_000_000_000, &mut found);
//! census.finish(&mut found);
//! assert_eq!(census.stats().accepted_positions, 1);
//! ```

mod census;
mod config;
pub mod csv;
mod detect;
mod finding;
mod input;
mod merge;
mod nearmiss;
mod output;
pub mod pairs;
mod pool;
pub mod report;
mod resample;
pub mod shard;
mod summary;
mod track;
mod util;
mod verdict;
mod water;

#[cfg(feature = "parquet")]
pub mod archive;
#[cfg(feature = "parquet")]
pub mod pairs_io;
#[cfg(feature = "parquet")]
pub mod parquet;

pub use census::{
    invalid_mmsi_reason, max_speed_for_type_kn, run_all, AcceptedPosition, Census, CensusStats,
    OnLandStats,
};
pub use config::{
    CensusConfig, ConfigError, Detectors, EncounterConfig, GapConfig, LoiteringConfig,
    NearMissConfig, NearMissCriterion, SpoofingConfig,
};
pub use finding::{
    csv_header, fmt_float, write_csv, write_json, Cell, ColumnType, Encounter, Finding, Gap, Kind,
    Loitering, NearMiss, Row, Spoofing, TimeMs, Value,
};
pub use input::{
    looks_like_csv, CsvInput, InputFormat, InputStats, NmeaInput, NmeaStats, Sniffed, Sniffer,
    SNIFF_MAX_LINES,
};
pub use merge::{Sorted, TimeSort};
pub use nearmiss::{NearMissCandidate, NearMissStats, NearMissTracks};
pub use output::{
    report_stats, summary_json, write_positions_csv, write_run_summary, FindingWriter,
    POSITIONS_CSV_HEADER,
};
pub use resample::ResampleStats;
pub use shard::{plan_census, plan_shards, Merged, ShardError, ShardMerge, ShardResult, ShardSpec};
pub use summary::{Summary, TopNearMiss};
pub use verdict::{largest_rejection, main_rejection, nothing_accepted, Rejection};

/// Why a census cannot run or an input row was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CensusError {
    /// A setting is out of range.
    #[error(
        "bad setting {name} = {value}: see `finisterra census --print-config` for the defaults"
    )]
    BadSetting {
        /// The setting's JSON path.
        name: String,
        /// Its value.
        value: f64,
    },
    /// A CSV column mapping or header problem.
    #[error("{0}")]
    Csv(String),
}

//! The one place in the server that reads the wall clock: receive times
//! stamped at the edge, wall-clock ticks for a quiet live feed, and the
//! time of an operator's acknowledgement. Everything else gets its time
//! from here or from the data.

use std::time::{SystemTime, UNIX_EPOCH};

/// Wall-clock time, ms since the epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Which time judges a message from the inputs (`serve --time`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeMode {
    /// Live feeds: the data's own time, bounded by the receive time (a time
    /// ahead of it is replaced by it; late data is history). Replays keep
    /// the data's time. The default.
    #[default]
    Live,
    /// The receive time only: an archive replayed through a live input is
    /// judged as if it were live now (its own times ignored).
    Receive,
    /// The data's time only, with the six-hour jump gate (untimed lines take
    /// the last time seen); wall-clock time does not move the picture.
    Data,
}

impl TimeMode {
    /// Which time of a line its pipeline stamps messages with.
    pub fn source(self) -> finisterra_engine::TimeSource {
        use finisterra_engine::TimeSource;
        match self {
            TimeMode::Live => TimeSource::Receive,
            TimeMode::Receive => TimeSource::ReceiveOnly,
            TimeMode::Data => TimeSource::Data,
        }
    }

    /// The data-time gate's policy: with `live` feeds a data time may not
    /// run ahead of its receive time (not under `Data`); replays and files
    /// keep the data's time.
    pub fn policy(self, live: bool) -> finisterra_engine::TimePolicy {
        use finisterra_engine::TimePolicy;
        match self {
            TimeMode::Live | TimeMode::Receive if live => TimePolicy::live(),
            _ => TimePolicy::Data,
        }
    }
}

impl std::str::FromStr for TimeMode {
    type Err = String;
    fn from_str(s: &str) -> Result<TimeMode, String> {
        match s {
            "live" => Ok(TimeMode::Live),
            "receive" => Ok(TimeMode::Receive),
            "data" => Ok(TimeMode::Data),
            _ => Err(format!("--time must be live, receive or data, not {s:?}")),
        }
    }
}

/// A data time this far from its receive time is worth a warning: a replay
/// through a live input, or a receiver's clock off by hours.
pub const DISAGREEMENT_WARN_MS: i64 = 3_600_000;

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

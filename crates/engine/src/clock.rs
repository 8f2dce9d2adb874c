//! The data clock: the one place that decides which time a message is
//! judged at and whether it may move the picture's time.
//!
//! The picture's time only goes forward, and everything ages by it: a
//! single message dated 2099 that moved it would declare every vessel lost
//! and blind the screening until a restart. So the clock admits times under
//! a [`TimePolicy`]:
//!
//! - [`TimePolicy::Data`] (replays, `scan`, `census`): the data's own time.
//!   Times outside 1990–2100 are rejected; a forward jump of more than six
//!   hours is held back until three consistent messages confirm it (one
//!   broken timestamp in an archive cannot age out the picture, a real gap
//!   in a recording passes).
//! - [`TimePolicy::Live`] (`serve` with live feeds): the receive time
//!   stamped at the edge bounds the data time. A data time ahead of its
//!   receive time by more than the tolerance is *suspect*: counted, and the
//!   message is judged at its receive time instead, so no number of
//!   messages can move the clock ahead of the wall clock. A data time
//!   behind the picture's time (satellite AIS arrives minutes to hours
//!   late) is accepted as history but does not move the clock.
//!
//! Sans-IO: the receive time comes with the message; this never reads a
//! clock.

use serde::{Deserialize, Serialize};

/// 1990-01-01T00:00:00Z.
pub const MIN_TIME_MS: i64 = 631_152_000_000;
/// 2100-01-01T00:00:00Z.
pub const MAX_TIME_MS: i64 = 4_102_444_800_000;
/// Largest forward jump of data time accepted from one message under
/// [`TimePolicy::Data`].
pub const MAX_JUMP_MS: i64 = 6 * 3_600_000;
/// Messages (the first included) within an hour of one another that
/// confirm a jump of more than [`MAX_JUMP_MS`].
pub const JUMP_CONFIRMATIONS: u32 = 3;
/// Default tolerance of [`TimePolicy::Live`]: data times up to this far
/// ahead of the receive time are believed (receivers' clocks drift).
pub const LIVE_AHEAD_TOLERANCE_MS: i64 = 30_000;

/// How data times are admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimePolicy {
    /// The data's own time, with the six-hour jump gate.
    Data,
    /// Bounded by the receive time (plus `ahead_tolerance_ms`).
    Live {
        /// How far a data time may be ahead of its receive time, ms.
        ahead_tolerance_ms: i64,
    },
}

impl TimePolicy {
    /// Live, with the default tolerance.
    pub fn live() -> TimePolicy {
        TimePolicy::Live {
            ahead_tolerance_ms: LIVE_AHEAD_TOLERANCE_MS,
        }
    }
}

/// Why a time was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeReject {
    /// Outside 1990–2100 (and no usable receive time).
    OutOfRange,
    /// More than six hours ahead, not confirmed (yet).
    UnconfirmedJump,
}

impl TimeReject {
    /// A stable key for counting.
    pub fn reason(self) -> &'static str {
        match self {
            TimeReject::OutOfRange => "time_out_of_range",
            TimeReject::UnconfirmedJump => "time_jump",
        }
    }
}

/// The time a message is judged at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admitted {
    /// The time to judge it at, ms.
    pub time_ms: i64,
    /// The data time was ahead of the receive time and was replaced by it.
    pub suspect: bool,
    /// Behind the clock: history, does not move it.
    pub late: bool,
}

/// Counters of the clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockStats {
    /// Rejected: outside 1990–2100.
    pub out_of_range: u64,
    /// Rejected: an unconfirmed jump of more than six hours.
    pub unconfirmed_jumps: u64,
    /// Live: data times ahead of their receive time (judged at the
    /// receive time instead).
    pub ahead_of_receive: u64,
    /// Data times behind the clock (accepted as history).
    pub late: u64,
}

/// The picture's time and the gate in front of it. See the
/// [module documentation](self).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DataClock {
    policy: TimePolicy,
    now_ms: Option<i64>,
    jump: Option<(i64, u32)>,
    stats: ClockStats,
}

impl Default for DataClock {
    fn default() -> DataClock {
        DataClock::new(TimePolicy::Data)
    }
}

fn in_range(t: i64) -> bool {
    (MIN_TIME_MS..=MAX_TIME_MS).contains(&t)
}

impl DataClock {
    /// A clock with no time yet.
    pub fn new(policy: TimePolicy) -> DataClock {
        DataClock {
            policy,
            now_ms: None,
            jump: None,
            stats: ClockStats::default(),
        }
    }

    /// The policy.
    pub fn policy(&self) -> TimePolicy {
        self.policy
    }

    /// Changes the policy (the time so far is kept).
    pub fn set_policy(&mut self, policy: TimePolicy) {
        self.policy = policy;
        self.jump = None;
    }

    /// The picture's time: the latest admitted time, ms.
    pub fn now_ms(&self) -> Option<i64> {
        self.now_ms
    }

    /// The counters.
    pub fn stats(&self) -> &ClockStats {
        &self.stats
    }

    /// Decides the time of one message from its data time (if it carries
    /// one) and the time it was received (if known). Does not move the
    /// clock: [`DataClock::advance`] does, once the message is taken.
    pub fn admit(
        &mut self,
        data_ms: Option<i64>,
        recv_ms: Option<i64>,
    ) -> Result<Admitted, TimeReject> {
        let recv_ms = recv_ms.filter(|&t| in_range(t));
        let mut suspect = false;
        let time_ms = match (self.policy, data_ms, recv_ms) {
            (TimePolicy::Live { ahead_tolerance_ms }, Some(d), Some(r)) => {
                if d > r + ahead_tolerance_ms.max(0) {
                    suspect = true;
                    self.stats.ahead_of_receive += 1;
                    r
                } else if !in_range(d) {
                    suspect = true;
                    self.stats.out_of_range += 1;
                    r
                } else {
                    d
                }
            }
            (_, Some(d), _) => d,
            (_, None, Some(r)) => r,
            (_, None, None) => {
                self.stats.out_of_range += 1;
                return Err(TimeReject::OutOfRange);
            }
        };
        if !in_range(time_ms) {
            self.stats.out_of_range += 1;
            return Err(TimeReject::OutOfRange);
        }
        // Bounded by a receive time, a live message needs no jump gate;
        // without one it passes the gate as replayed data does.
        let live = matches!(self.policy, TimePolicy::Live { .. }) && recv_ms.is_some();
        if let Some(now) = self.now_ms {
            if !live && time_ms - now > MAX_JUMP_MS {
                let confirmed = match &mut self.jump {
                    Some((t, n)) if (time_ms - *t).abs() <= 3_600_000 => {
                        *n += 1;
                        *t = time_ms;
                        *n >= JUMP_CONFIRMATIONS
                    }
                    _ => {
                        self.jump = Some((time_ms, 1));
                        false
                    }
                };
                if !confirmed {
                    self.stats.unconfirmed_jumps += 1;
                    return Err(TimeReject::UnconfirmedJump);
                }
            }
            // Time moving forward ends a pending jump; a late message in
            // between (interleaved sources, satellite AIS) does not.
            if time_ms > now {
                self.jump = None;
            }
        }
        let late = self.now_ms.is_some_and(|now| time_ms < now);
        if late {
            self.stats.late += 1;
        }
        Ok(Admitted {
            time_ms,
            suspect,
            late,
        })
    }

    /// Moves the clock to `time_ms` if it is later (never back). Times
    /// outside 1990–2100 are ignored. Returns the clock's time.
    pub fn advance(&mut self, time_ms: i64) -> Option<i64> {
        if in_range(time_ms) {
            self.now_ms = Some(self.now_ms.map_or(time_ms, |n| n.max(time_ms)));
        }
        self.now_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_700_000_000_000;

    #[test]
    fn data_policy_holds_back_one_broken_time_and_passes_a_real_gap() {
        let mut c = DataClock::new(TimePolicy::Data);
        assert_eq!(c.admit(Some(T), None).map(|a| a.time_ms), Ok(T));
        c.advance(T);
        let far = T + 7 * 3_600_000;
        assert_eq!(c.admit(Some(far), None), Err(TimeReject::UnconfirmedJump));
        assert_eq!(
            c.admit(Some(far + 1000), None),
            Err(TimeReject::UnconfirmedJump)
        );
        assert!(c.admit(Some(far + 2000), None).is_ok());
        assert_eq!(c.stats().unconfirmed_jumps, 2);
        assert_eq!(
            c.admit(Some(5_000_000_000_000), None),
            Err(TimeReject::OutOfRange)
        );
    }

    #[test]
    fn a_late_message_does_not_cancel_a_pending_jump_but_a_forward_one_does() {
        let mut c = DataClock::new(TimePolicy::Data);
        c.advance(T);
        let far = T + 7 * 3_600_000;
        assert!(c.admit(Some(far), None).is_err());
        assert!(c.admit(Some(T - 1000), None).is_ok()); // late: history
        assert!(c.admit(Some(far + 1), None).is_err());
        assert!(c.admit(Some(far + 2), None).is_ok()); // third: confirmed
        let mut c = DataClock::new(TimePolicy::Data);
        c.advance(T);
        assert!(c.admit(Some(far), None).is_err());
        assert!(c.admit(Some(T + 1000), None).is_ok()); // forward: ends it
        assert!(c.admit(Some(far + 1), None).is_err());
        assert!(c.admit(Some(far + 2), None).is_err());
    }

    #[test]
    fn live_policy_never_lets_data_time_run_ahead_of_the_receive_time() {
        let mut c = DataClock::new(TimePolicy::live());
        c.advance(T);
        let y2099 = 4_070_908_800_000;
        for k in 0..10 {
            let a = c.admit(Some(y2099 + k), Some(T + k)).unwrap();
            assert!(a.suspect);
            assert_eq!(a.time_ms, T + k);
            c.advance(a.time_ms);
        }
        assert_eq!(c.now_ms(), Some(T + 9));
        assert_eq!(c.stats().ahead_of_receive, 10);
        // Within the tolerance: believed.
        let a = c.admit(Some(T + 20_000), Some(T + 10)).unwrap();
        assert!(!a.suspect);
        // Late: history, does not move the clock.
        c.advance(T + 60_000);
        let a = c.admit(Some(T - 3_600_000), Some(T + 60_000)).unwrap();
        assert!(a.late && !a.suspect);
        assert_eq!(a.time_ms, T - 3_600_000);
        // Out of range data, sane receive time: the receive time.
        let a = c.admit(Some(0), Some(T + 61_000)).unwrap();
        assert_eq!(a.time_ms, T + 61_000);
        // Untimed: the receive time.
        assert_eq!(c.admit(None, Some(T + 62_000)).unwrap().time_ms, T + 62_000);
    }
}

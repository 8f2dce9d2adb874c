//! Lines to judged messages: the one hand-off from the decoder to whatever
//! judges (the engine in `scan`, `serve` and the workers; the census), with
//! the one rule for the time of a message that carries none.
//!
//! Sans-IO: lines (and, live, their receive times) go in, messages with
//! their [`Stamp`] come out through a callback.

use finisterra_ais::{AisMessage, Event as DecodeEvent, LineError, StreamDecoder};

/// 2000-01-01T00:00:00Z: where synthetic time starts when the first message
/// carries none.
pub const SYNTHETIC_EPOCH_MS: i64 = 946_684_800_000;

/// Where a message's time comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimeSource {
    /// The data's own time (tag block, trailer, `$PGHP`); an untimed
    /// message takes the last time seen, and one before any timed message
    /// is skipped and counted (`untimed`).
    Data,
    /// Synthetic: this many messages per second of data time, from the
    /// first message's time (or 2000-01-01), for captures without times.
    Rate(f64),
    /// Live: the data's time if it has one, with the receive time given
    /// with each line; the engine's [`crate::DataClock`] bounds the one by
    /// the other.
    Receive,
    /// The receive time only: the data's own times are ignored (an archive
    /// replayed through a live input, judged as if it were live now).
    ReceiveOnly,
}

/// The times a message is handed on with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// Its data time, ms (after the fallback rule of the [`TimeSource`]).
    pub data_ms: Option<i64>,
    /// When it was received, ms (live only).
    pub recv_ms: Option<i64>,
    /// The time the data carried itself, ms, whatever the [`TimeSource`]
    /// made of it (to compare with the receive time).
    pub own_ms: Option<i64>,
}

impl Stamp {
    /// The time to judge it at when there is no live bound: the data time,
    /// else the receive time.
    pub fn time_ms(&self) -> Option<i64> {
        self.data_ms.or(self.recv_ms)
    }
}

/// Counters of a pipeline.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PipelineStats {
    /// Lines fed.
    pub lines: u64,
    /// Messages handed on.
    pub messages: u64,
    /// Lines or messages the decoder rejected.
    pub decode_errors: u64,
    /// Messages skipped: no time of their own and none seen before.
    pub untimed: u64,
}

/// How a message was heard: what identifies the transmission when several
/// receivers hear it (the assembled payload and its fill bits), and the
/// receiving station the data names (tag block `s:`).
#[derive(Debug, Clone, Copy)]
pub struct Heard<'a> {
    /// The assembled payload as received.
    pub payload: &'a [u8],
    /// Fill bits of the last sentence.
    pub fill_bits: u8,
    /// Receiving station (tag block `s:`), if named.
    pub station: Option<&'a str>,
    /// A `VDO` sentence: the receiver's own ship.
    pub own_ship: bool,
    /// Radio channel as written, if any.
    pub channel: Option<u8>,
    /// NMEA talker (`AI`, `BS`, ...).
    pub talker: [u8; 2],
}

/// What the pipeline hands on.
#[derive(Debug)]
pub enum Output<'a> {
    /// A decoded message with its times and how it was heard.
    Message(&'a AisMessage, Stamp, Heard<'a>),
    /// A rejected line or message, with its line number and reason.
    Error(&'a LineError),
}

/// Lines in, messages with their times out. See the [module
/// documentation](self).
#[derive(Debug)]
pub struct Pipeline {
    decoder: StreamDecoder,
    time: TimeSource,
    last_ms: Option<i64>,
    synthetic_base_ms: Option<i64>,
    index: u64,
    stats: PipelineStats,
}

impl Pipeline {
    /// A pipeline with the default decoder.
    pub fn new(time: TimeSource) -> Pipeline {
        Pipeline::with_decoder(StreamDecoder::default(), time)
    }

    /// A pipeline around a given decoder.
    pub fn with_decoder(decoder: StreamDecoder, time: TimeSource) -> Pipeline {
        Pipeline {
            decoder,
            time,
            last_ms: None,
            synthetic_base_ms: None,
            index: 0,
            stats: PipelineStats::default(),
        }
    }

    /// The counters.
    pub fn stats(&self) -> &PipelineStats {
        &self.stats
    }

    /// The decoder (its own counters by line kind).
    pub fn decoder(&self) -> &StreamDecoder {
        &self.decoder
    }

    /// Feeds one line numbered `line_no` (received at `recv_ms`, live).
    pub fn feed_line<F: FnMut(Output<'_>)>(
        &mut self,
        line_no: u64,
        line: &[u8],
        recv_ms: Option<i64>,
        out: &mut F,
    ) {
        self.stats.lines += 1;
        let Pipeline {
            decoder,
            time,
            last_ms,
            synthetic_base_ms,
            index,
            stats,
        } = self;
        decoder.feed(line_no, line, &mut |ev| {
            emit(
                ev,
                *time,
                last_ms,
                synthetic_base_ms,
                index,
                stats,
                recv_ms,
                out,
            )
        });
    }

    /// Starts the next input (file): multi-sentence assembly starts afresh
    /// (call [`Pipeline::finish`] on the last one first); the time rule
    /// carries on (the last time seen, the synthetic clock).
    pub fn next_input(&mut self) {
        self.decoder = StreamDecoder::default();
    }

    /// Ends the input: incomplete multi-sentence messages are reported.
    pub fn finish<F: FnMut(Output<'_>)>(&mut self, out: &mut F) {
        let Pipeline {
            decoder,
            time,
            last_ms,
            synthetic_base_ms,
            index,
            stats,
        } = self;
        decoder.finish(&mut |ev| {
            emit(
                ev,
                *time,
                last_ms,
                synthetic_base_ms,
                index,
                stats,
                None,
                out,
            )
        });
    }
}

#[allow(clippy::too_many_arguments)]
fn emit<F: FnMut(Output<'_>)>(
    ev: DecodeEvent<'_>,
    time: TimeSource,
    last_ms: &mut Option<i64>,
    synthetic_base_ms: &mut Option<i64>,
    index: &mut u64,
    stats: &mut PipelineStats,
    recv_ms: Option<i64>,
    out: &mut F,
) {
    match ev {
        DecodeEvent::Message(m) => {
            let own = m.time.map(|t| t.unix_ms);
            let stamp = match time {
                TimeSource::Rate(rate) if rate > 0.0 => {
                    let base = *synthetic_base_ms.get_or_insert(own.unwrap_or(SYNTHETIC_EPOCH_MS));
                    let t = base + (*index as f64 * 1000.0 / rate) as i64;
                    *index += 1;
                    Stamp {
                        data_ms: Some(t),
                        recv_ms: None,
                        own_ms: own,
                    }
                }
                TimeSource::Receive => Stamp {
                    data_ms: own,
                    recv_ms,
                    own_ms: own,
                },
                TimeSource::ReceiveOnly => Stamp {
                    data_ms: None,
                    recv_ms,
                    own_ms: own,
                },
                TimeSource::Data | TimeSource::Rate(_) => Stamp {
                    data_ms: own.or(*last_ms),
                    recv_ms: None,
                    own_ms: own,
                },
            };
            if stamp.time_ms().is_none() {
                stats.untimed += 1;
                return;
            }
            if !matches!(time, TimeSource::Receive | TimeSource::ReceiveOnly) {
                *last_ms = stamp.data_ms;
            }
            stats.messages += 1;
            out(Output::Message(
                m.message,
                stamp,
                Heard {
                    payload: m.payload,
                    fill_bits: m.fill_bits,
                    station: m.station,
                    own_ship: m.own_ship,
                    channel: m.channel,
                    talker: m.talker,
                },
            ));
        }
        DecodeEvent::Error(e) => {
            stats.decode_errors += 1;
            out(Output::Error(&e));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIMED: &[u8] = b"\\c:1700000000*5F\\!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A";
    const UNTIMED: &[u8] = b"!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A";

    fn times(p: &mut Pipeline, lines: &[(&[u8], Option<i64>)]) -> Vec<Stamp> {
        let mut got = Vec::new();
        for (n, (l, recv)) in lines.iter().enumerate() {
            p.feed_line(n as u64 + 1, l, *recv, &mut |o| {
                if let Output::Message(_, s, _) = o {
                    got.push(s);
                }
            });
        }
        got
    }

    #[test]
    fn untimed_messages_take_the_last_time_or_are_counted() {
        let mut p = Pipeline::new(TimeSource::Data);
        let got = times(&mut p, &[(UNTIMED, None), (TIMED, None), (UNTIMED, None)]);
        assert_eq!(p.stats().untimed, 1);
        assert_eq!(
            got.iter().map(|s| s.data_ms).collect::<Vec<_>>(),
            vec![Some(1_700_000_000_000), Some(1_700_000_000_000)]
        );
    }

    #[test]
    fn a_rate_makes_synthetic_times_and_live_keeps_both() {
        let mut p = Pipeline::new(TimeSource::Rate(2.0));
        let got = times(&mut p, &[(UNTIMED, None), (UNTIMED, None), (UNTIMED, None)]);
        assert_eq!(
            got.iter().map(|s| s.data_ms.unwrap()).collect::<Vec<_>>(),
            vec![
                SYNTHETIC_EPOCH_MS,
                SYNTHETIC_EPOCH_MS + 500,
                SYNTHETIC_EPOCH_MS + 1000
            ]
        );
        let mut p = Pipeline::new(TimeSource::Receive);
        let got = times(&mut p, &[(UNTIMED, Some(5)), (TIMED, Some(7))]);
        assert_eq!(
            got,
            vec![
                Stamp {
                    data_ms: None,
                    recv_ms: Some(5),
                    own_ms: None,
                },
                Stamp {
                    data_ms: Some(1_700_000_000_000),
                    recv_ms: Some(7),
                    own_ms: Some(1_700_000_000_000),
                }
            ]
        );
    }
}

//! What ingest sends to the partitions: one record per message, in a
//! fixed little-endian layout (no serde on the hot path).
//!
//! ```text
//! b'P' seq:u64 time_ms:i64 home:u16 fill_bits:u8 payload…   a decoded message
//! b'A' seq:u64 time_ms:i64 home:u16 message…               a Mode S message
//! b'T' seq:u64 time_ms:i64                                 a watermark tick
//! b'E' seq:u64 time_ms:i64                                 the end of the input
//! ```
//!
//! `seq` is ingest's order, one total order over every partition: a worker
//! holding several partitions merges them by it (and a record that reaches
//! it through two partitions is judged once). The payload is the assembled
//! six-bit payload as received, so framing, checksums, tag blocks and
//! multi-sentence assembly are done once, at ingest; the worker only
//! de-armours the bits. A Mode S message goes as ingest decoded it (CBOR of
//! the `AirMessage`, its CPR position resolved by ingest's decoder, which
//! alone sees every frame of an aircraft): air messages are few beside AIS.

use finisterra_modes::AirMessage;

/// A record as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record<'a> {
    /// A message with the time ingest admitted it at.
    Position {
        /// Ingest's sequence number.
        seq: u64,
        /// Data time, ms.
        time_ms: i64,
        /// The home partition ingest placed it in.
        home: u16,
        /// Fill bits of the payload.
        fill_bits: u8,
        /// The six-bit armoured payload.
        payload: &'a [u8],
    },
    /// A decoded Mode S / ADS-B message ([`air_message`] reads it) with the
    /// time ingest admitted it at.
    Air {
        /// Ingest's sequence number.
        seq: u64,
        /// Data time, ms.
        time_ms: i64,
        /// The home partition ingest placed it in.
        home: u16,
        /// The message, CBOR ([`air_bytes`]).
        message: &'a [u8],
    },
    /// Data time reached `time_ms` (sent to every partition each time the
    /// data passes a screening boundary, so a silent partition advances).
    Tick {
        /// Ingest's sequence number.
        seq: u64,
        /// Data time, ms.
        time_ms: i64,
    },
    /// The input ended (replays): nothing follows.
    End {
        /// Ingest's sequence number.
        seq: u64,
        /// Data time, ms.
        time_ms: i64,
    },
}

/// A record that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// Too short for its kind.
    #[error("record of {0} bytes is too short")]
    Short(usize),
    /// An unknown kind byte.
    #[error("unknown record kind {0:#04x}")]
    Kind(u8),
    /// A Mode S message that does not read back.
    #[error("air message: {0}")]
    Air(String),
}

/// The bytes of a Mode S message in an [`Record::Air`].
pub fn air_bytes(m: &AirMessage, out: &mut Vec<u8>) {
    // Writing into a vector cannot fail.
    if let Err(e) = ciborium::into_writer(m, out) {
        debug_assert!(false, "air message: {e}");
    }
}

/// The Mode S message of an [`Record::Air`].
pub fn air_message(b: &[u8]) -> Result<AirMessage, WireError> {
    ciborium::from_reader(b).map_err(|e| WireError::Air(e.to_string()))
}

impl WireError {
    /// A stable key for counting.
    pub fn reason(&self) -> &'static str {
        match self {
            WireError::Short(_) => "short",
            WireError::Kind(_) => "kind",
            WireError::Air(_) => "air",
        }
    }
}

impl<'a> Record<'a> {
    /// Its sequence number.
    pub fn seq(&self) -> u64 {
        match *self {
            Record::Position { seq, .. }
            | Record::Air { seq, .. }
            | Record::Tick { seq, .. }
            | Record::End { seq, .. } => seq,
        }
    }

    /// Its data time, ms.
    pub fn time_ms(&self) -> i64 {
        match *self {
            Record::Position { time_ms, .. }
            | Record::Air { time_ms, .. }
            | Record::Tick { time_ms, .. }
            | Record::End { time_ms, .. } => time_ms,
        }
    }

    /// Appends its bytes to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let (kind, seq, time_ms) = match *self {
            Record::Position { seq, time_ms, .. } => (b'P', seq, time_ms),
            Record::Air { seq, time_ms, .. } => (b'A', seq, time_ms),
            Record::Tick { seq, time_ms } => (b'T', seq, time_ms),
            Record::End { seq, time_ms } => (b'E', seq, time_ms),
        };
        out.push(kind);
        out.extend_from_slice(&seq.to_le_bytes());
        out.extend_from_slice(&time_ms.to_le_bytes());
        if let Record::Position {
            home,
            fill_bits,
            payload,
            ..
        } = *self
        {
            out.extend_from_slice(&home.to_le_bytes());
            out.push(fill_bits);
            out.extend_from_slice(payload);
        }
        if let Record::Air { home, message, .. } = *self {
            out.extend_from_slice(&home.to_le_bytes());
            out.extend_from_slice(message);
        }
    }

    /// Reads one record.
    pub fn decode(b: &'a [u8]) -> Result<Record<'a>, WireError> {
        if b.len() < 17 {
            return Err(WireError::Short(b.len()));
        }
        let seq = u64::from_le_bytes(b[1..9].try_into().map_err(|_| WireError::Short(b.len()))?);
        let time_ms =
            i64::from_le_bytes(b[9..17].try_into().map_err(|_| WireError::Short(b.len()))?);
        match b[0] {
            b'T' => Ok(Record::Tick { seq, time_ms }),
            b'E' => Ok(Record::End { seq, time_ms }),
            b'P' => {
                if b.len() < 20 {
                    return Err(WireError::Short(b.len()));
                }
                Ok(Record::Position {
                    seq,
                    time_ms,
                    home: u16::from_le_bytes([b[17], b[18]]),
                    fill_bits: b[19],
                    payload: &b[20..],
                })
            }
            b'A' => {
                if b.len() < 19 {
                    return Err(WireError::Short(b.len()));
                }
                Ok(Record::Air {
                    seq,
                    time_ms,
                    home: u16::from_le_bytes([b[17], b[18]]),
                    message: &b[19..],
                })
            }
            k => Err(WireError::Kind(k)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for r in [
            Record::Position {
                seq: 7,
                time_ms: 1_767_571_200_000,
                home: 12,
                fill_bits: 2,
                payload: b"15RTgt0PAso;90TKcjM8h6g208CQ",
            },
            Record::Tick {
                seq: u64::MAX,
                time_ms: -1,
            },
            Record::End { seq: 0, time_ms: 0 },
            Record::Air {
                seq: 9,
                time_ms: 1_767_571_200_000,
                home: 3,
                message: b"\xa0",
            },
        ] {
            let mut b = Vec::new();
            r.encode(&mut b);
            assert_eq!(Record::decode(&b), Ok(r));
        }
        assert_eq!(Record::decode(b"P"), Err(WireError::Short(1)));
    }

    #[test]
    fn an_air_message_reads_back_whole() {
        let m = AirMessage {
            df: Some(17),
            address: 0x4ca1b2,
            tc: Some(11),
            alt_baro_ft: Some(34_000),
            lat_deg: Some(43.5),
            lon_deg: Some(-9.25),
            gs_kn: Some(451.5),
            ..AirMessage::default()
        };
        let mut b = Vec::new();
        air_bytes(&m, &mut b);
        assert_eq!(air_message(&b), Ok(m));
        assert!(matches!(air_message(b"\xff\x00"), Err(WireError::Air(_))));
    }
}

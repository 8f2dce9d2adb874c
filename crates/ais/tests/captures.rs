//! Whole real captures through the stream decoder: exact counts of lines,
//! messages by type and rejected lines by reason, every line accounted
//! for, and receive times taken from the data.

use finisterra_ais::{Event, Stats, StreamDecoder};
use finisterra_nmea::Timestamp;

fn fixture(path: &str) -> Vec<u8> {
    let full = format!("{}/tests/fixtures/{path}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&full).unwrap_or_else(|e| panic!("{full}: {e}"))
}

/// What a whole file gave.
struct Capture {
    stats: Stats,
    /// `(line, type, time, station)` of every message.
    msgs: Vec<(u64, u8, Option<Timestamp>, Option<String>)>,
    /// `(line, reason)` of every error.
    errors: Vec<(u64, &'static str)>,
}

fn decode_file(path: &str) -> Capture {
    let data = fixture(path);
    let mut dec = StreamDecoder::default();
    let mut msgs = Vec::new();
    let mut errors = Vec::new();
    let mut on = |ev: Event<'_>| match ev {
        Event::Message(m) => msgs.push((
            m.line,
            m.message.msg_type,
            m.time,
            m.station.map(str::to_owned),
        )),
        Event::Error(e) => errors.push((e.line, e.kind.reason())),
    };
    // Split as `lines()` would, but on bytes (a capture may hold any byte).
    let mut lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    for (i, line) in lines.iter().enumerate() {
        dec.feed(i as u64 + 1, line, &mut on);
    }
    dec.finish(&mut on);
    let stats = dec.stats().clone();
    assert_eq!(stats.lines, lines.len() as u64);
    assert_eq!(
        stats.unaccounted_lines(),
        0,
        "{path}: every line accounted for"
    );
    assert_eq!(
        stats.sentences,
        stats.message_sentences + stats.dropped_sentences,
        "{path}: every sentence in a message or a dropped group"
    );
    assert_eq!(stats.error_count(), errors.len() as u64);
    Capture {
        stats,
        msgs,
        errors,
    }
}

/// The counts a capture must give (checked by hand against the files and
/// an independent count of sentences and message types).
struct Expect {
    lines: u64,
    blank: u64,
    comments: u64,
    other_nmea: u64,
    timestamp_lines: u64,
    rejected_lines: u64,
    sentences: u64,
    messages: u64,
    message_sentences: u64,
    dropped_sentences: u64,
    by_type: &'static [(u8, u64)],
    errors: &'static [(&'static str, u64)],
}

fn check(path: &str, e: &Expect) -> Capture {
    let c = decode_file(path);
    let s = &c.stats;
    let got = (
        s.lines,
        s.blank,
        s.comments,
        s.other_nmea,
        s.timestamp_lines,
        s.rejected_lines,
        s.sentences,
        s.messages,
        s.message_sentences,
        s.dropped_sentences,
    );
    let want = (
        e.lines,
        e.blank,
        e.comments,
        e.other_nmea,
        e.timestamp_lines,
        e.rejected_lines,
        e.sentences,
        e.messages,
        e.message_sentences,
        e.dropped_sentences,
    );
    assert_eq!(got, want, "{path}: (lines, blank, comments, other NMEA, $PGHP, rejected, sentences, messages, their sentences, dropped sentences)");
    let types: Vec<(u8, u64)> = s
        .by_type
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(t, n)| (t as u8, *n))
        .collect();
    assert_eq!(types, e.by_type, "{path}: messages by type");
    let mut errors = s.errors.clone();
    errors.sort();
    let mut want_errors = e.errors.to_vec();
    want_errors.sort();
    assert_eq!(errors, want_errors, "{path}: rejected by reason");
    c
}

#[test]
fn gpsd_sample_aivdm() {
    // 1121 lines: 1001 comments (annotations and dumps from other
    // decoders, including commented-out sentences), one blank line, 118
    // sentences making 102 messages (gpsd reports 97 of them: it merges
    // the two type 24 A+B pairs and is silent on three lone parts), and
    // one line without its leading '!' (line 978, "that fragment misses
    // part 1, yields nothing").
    let c = check(
        "gpsd/sample.aivdm",
        &Expect {
            lines: 1121,
            blank: 1,
            comments: 1001,
            other_nmea: 0,
            timestamp_lines: 0,
            rejected_lines: 1,
            sentences: 118,
            messages: 102,
            message_sentences: 118,
            dropped_sentences: 0,
            by_type: &[
                (1, 4),
                (2, 1),
                (3, 1),
                (4, 4),
                (5, 3),
                (6, 13),
                (7, 3),
                (8, 18),
                (9, 2),
                (10, 2),
                (11, 1),
                (12, 7),
                (13, 1),
                (14, 3),
                (15, 3),
                (16, 2),
                (17, 2),
                (18, 3),
                (19, 1),
                (20, 5),
                (21, 2),
                (22, 3),
                (23, 1),
                (24, 7),
                (25, 3),
                (26, 5),
                (27, 2),
            ],
            errors: &[("not_nmea", 1)],
        },
    );
    assert_eq!(c.errors, vec![(978, "not_nmea")]);
}

#[test]
fn gpsd_daemon_ais_18_27() {
    // 69 rounds of 18, 24A, 24"B", 27 from two Class B units. The second
    // type 24 of each round has part number 3 (not 0 = A or 1 = B in ITU-R
    // M.1371-5): rejected, as gpsd also reports nothing for it.
    let c = check(
        "gpsd/daemon/ais-18-27.log",
        &Expect {
            lines: 280,
            blank: 0,
            comments: 4,
            other_nmea: 0,
            timestamp_lines: 0,
            rejected_lines: 0,
            sentences: 276,
            messages: 207,
            message_sentences: 207,
            dropped_sentences: 69,
            by_type: &[(18, 69), (24, 69), (27, 69)],
            errors: &[("bad_part_number", 69)],
        },
    );
    assert!(c.errors.iter().all(|e| e.0 % 4 == 3));
}

#[test]
fn gpsd_daemon_raw_messages() {
    // 114 sentences (5 two-part type 5s), 109 messages; gpsd writes 108
    // reports because it merges the 24A+24B pair.
    check(
        "gpsd/daemon/ais-raw-messages.log",
        &Expect {
            lines: 121,
            blank: 0,
            comments: 7,
            other_nmea: 0,
            timestamp_lines: 0,
            rejected_lines: 0,
            sentences: 114,
            messages: 109,
            message_sentences: 114,
            dropped_sentences: 0,
            by_type: &[(1, 75), (3, 12), (4, 5), (5, 5), (18, 4), (21, 6), (24, 2)],
            errors: &[],
        },
    );
}

#[test]
fn pyais_nmea_data_sample() {
    // An AISHub stream with 100 empty single-sentence lines
    // (`!AIVDM,1,1,,B,,0*25`) and 20 first fragments whose second fragment
    // is not in the file: 8 are superseded by a later first fragment with
    // the same sequence id and channel, 12 are still waiting at the end.
    check(
        "pyais/nmea_data_sample.txt",
        &Expect {
            lines: 898,
            blank: 0,
            comments: 0,
            other_nmea: 0,
            timestamp_lines: 0,
            rejected_lines: 100,
            sentences: 798,
            messages: 778,
            message_sentences: 778,
            dropped_sentences: 20,
            by_type: &[
                (1, 667),
                (3, 76),
                (4, 6),
                (15, 7),
                (18, 19),
                (20, 1),
                (24, 2),
            ],
            errors: &[
                ("empty_payload", 100),
                ("incomplete_superseded", 8),
                ("incomplete_at_end", 12),
            ],
        },
    );
}

#[test]
fn pyais_mixed() {
    // AIS mixed with GPS sentences ($GPGGA, $GPRTE, $GPR00, $IIMWV:
    // skipped), garbage ("foobar", "IamNotAnAisMessage1111"), a $PGHP line,
    // a $PGHP with a wrong checksum (last line), a two-sentence !SAVDM
    // whose second tag block carries only `g:` and `n:`, and three lines
    // whose tag blocks have a one-digit checksum (`*A`): those lines are
    // rejected whole (pyais decodes the sentences behind them).
    let c = check(
        "pyais/mixed.txt",
        &Expect {
            lines: 35,
            blank: 7,
            comments: 5,
            other_nmea: 4,
            timestamp_lines: 1,
            rejected_lines: 6,
            sentences: 12,
            messages: 10,
            message_sentences: 12,
            dropped_sentences: 0,
            by_type: &[(1, 8), (5, 2)],
            errors: &[
                ("not_nmea", 2),
                ("tag_block_missing_checksum", 3),
                ("bad_checksum", 1),
            ],
        },
    );
    // The !SAVDM pair: station inherited by the second sentence of the
    // group, time from the first.
    let savdm = c
        .msgs
        .iter()
        .find(|m| m.0 == 24)
        .expect("message of line 24");
    assert_eq!(savdm.1, 5);
    assert_eq!(savdm.3.as_deref(), Some("b003669710"));
    assert_eq!(savdm.2, Some(Timestamp::from_unix_s(1_428_621_738)));
}

#[test]
fn pyais_gatehouse_times() {
    // `$PGHP,1,<date and time>` gives the time of the next sentence only;
    // the 2009 line has a wrong checksum and gives nothing.
    for f in ["pyais/gatehouse.nmea", "pyais/timestamped.ais"] {
        let c = check(
            f,
            &Expect {
                lines: 11,
                blank: 2,
                comments: 1,
                other_nmea: 0,
                timestamp_lines: 3,
                rejected_lines: 1,
                sentences: 4,
                messages: 4,
                message_sentences: 4,
                dropped_sentences: 0,
                by_type: &[(1, 4)],
                errors: &[("bad_checksum", 1)],
            },
        );
        let times: Vec<(u64, Option<Timestamp>)> = c.msgs.iter().map(|m| (m.0, m.2)).collect();
        assert_eq!(
            times,
            vec![
                (
                    2,
                    Some(Timestamp {
                        unix_ms: 1_210_291_200_010
                    })
                ), // 2008-05-09T00:00:00.010Z
                (6, None),
                (8, None),
                (9, None),
            ],
            "{f}"
        );
    }
}

#[test]
fn libais_test_aivdm() {
    // Annotated samples by type and communication state. The "likely all
    // junk" type 23 and type 27 sections hold 4 and 7 payloads shorter than
    // those messages' fields; the 17 type 28 ("What is this?") are not an
    // ITU-R M.1371 message type.
    let c = check(
        "libais/test.aivdm",
        &Expect {
            lines: 345,
            blank: 35,
            comments: 47,
            other_nmea: 0,
            timestamp_lines: 0,
            rejected_lines: 0,
            sentences: 263,
            messages: 233,
            message_sentences: 235,
            dropped_sentences: 28,
            by_type: &[
                (1, 4),
                (2, 1),
                (3, 3),
                (4, 3),
                (5, 2),
                (6, 10),
                (7, 6),
                (8, 13),
                (9, 6),
                (10, 7),
                (11, 7),
                (12, 10),
                (13, 6),
                (14, 12),
                (15, 18),
                (16, 9),
                (17, 7),
                (18, 11),
                (19, 3),
                (20, 13),
                (21, 9),
                (22, 9),
                (23, 9),
                (24, 10),
                (25, 16),
                (26, 17),
                (27, 12),
            ],
            errors: &[("message_too_short", 11), ("unknown_message_type", 17)],
        },
    );
    // USCG `,b003669794,1272412827`-style suffixes give every message a time.
    assert!(c.msgs.iter().all(|m| m.2.is_some()));
}

/// The receive time the USCG trailing fields of `line` carry: the first
/// field after the checksum made of 10 digits.
fn uscg_unix_s(line: &str) -> Option<i64> {
    let after = &line[line.find('*')? + 3..];
    after
        .split(',')
        .find(|f| f.len() == 10 && f.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|f| f.parse().ok())
}

#[test]
fn libais_typeexamples_times_from_uscg_trailers() {
    let c = check(
        "libais/typeexamples.nmea",
        &Expect {
            lines: 26,
            blank: 0,
            comments: 0,
            other_nmea: 0,
            timestamp_lines: 0,
            rejected_lines: 0,
            sentences: 26,
            messages: 26,
            message_sentences: 26,
            dropped_sentences: 0,
            by_type: &[
                (1, 1),
                (2, 1),
                (3, 1),
                (4, 1),
                (5, 1),
                (6, 1),
                (7, 1),
                (8, 1),
                (9, 1),
                (10, 1),
                (11, 1),
                (12, 1),
                (13, 1),
                (14, 1),
                (15, 1),
                (16, 1),
                (17, 1),
                (18, 1),
                (20, 1),
                (21, 1),
                (22, 1),
                (23, 1),
                (24, 1),
                (25, 1),
                (26, 1),
                (27, 1),
            ],
            errors: &[],
        },
    );
    let text = String::from_utf8(fixture("libais/typeexamples.nmea")).unwrap();
    for (m, line) in c.msgs.iter().zip(text.lines()) {
        let want = uscg_unix_s(line).map(Timestamp::from_unix_s);
        assert!(want.is_some(), "{line}");
        assert_eq!(m.2, want, "{line}");
    }
    assert_eq!(c.msgs[0].2, Some(Timestamp::from_unix_s(1_325_394_060)));
}

#[test]
fn libais_tagblock_group_times_and_stations() {
    let c = check(
        "libais/tagblock.nmea",
        &Expect {
            lines: 5,
            blank: 0,
            comments: 0,
            other_nmea: 0,
            timestamp_lines: 0,
            rejected_lines: 0,
            sentences: 5,
            messages: 4,
            message_sentences: 5,
            dropped_sentences: 0,
            by_type: &[(1, 3), (5, 1)],
            errors: &[],
        },
    );
    let got: Vec<(u64, u8, Option<i64>, Option<&str>)> = c
        .msgs
        .iter()
        .map(|m| (m.0, m.1, m.2.map(|t| t.unix_ms / 1000), m.3.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            (2, 1, Some(1_418_172_113), Some("rORBCOMM104")),
            // The type 5's two sentences are lines 1 and 3 (group 1604).
            (1, 5, Some(1_418_169_601), Some("rORBCOMM008")),
            (4, 1, Some(1_418_171_722), Some("rORBCOMM007")),
            (5, 1, Some(1_418_171_561), Some("rORBCOMM007")),
        ]
    );
}

/// `(c, s)` of a line's tag block, read independently of the decoder.
fn tag_c_s(line: &str) -> Option<(i64, String)> {
    let inner = line.strip_prefix('\\')?.split('\\').next()?;
    let body = inner.split('*').next()?;
    let mut c = None;
    let mut s = None;
    for p in body.split(',') {
        if let Some(v) = p.strip_prefix("c:") {
            c = v.parse().ok();
        }
        if let Some(v) = p.strip_prefix("s:") {
            s = Some(v.to_owned());
        }
    }
    Some((c?, s?))
}

#[test]
fn norwegian_stream_times_from_tag_blocks() {
    // 223 lines (CRLF), 197 with `\s:<station>,c:<unix>*hh\` tag blocks
    // spanning 5 s, 26 without (6 of them halves of two-sentence
    // messages); 27 two-sentence type 5s.
    let c = check(
        "streams/norwegian_kystverket.raw",
        &Expect {
            lines: 223,
            blank: 0,
            comments: 0,
            other_nmea: 0,
            timestamp_lines: 0,
            rejected_lines: 0,
            sentences: 223,
            messages: 196,
            message_sentences: 223,
            dropped_sentences: 0,
            by_type: &[(1, 85), (3, 46), (5, 27), (18, 15), (21, 3), (24, 20)],
            errors: &[],
        },
    );
    let text = String::from_utf8(fixture("streams/norwegian_kystverket.raw")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let mut tagged = 0;
    for m in &c.msgs {
        let line = lines[m.0 as usize - 1];
        match tag_c_s(line) {
            Some((t, s)) => {
                tagged += 1;
                assert_eq!(m.2, Some(Timestamp::from_unix_s(t)), "{line}");
                assert_eq!(m.3.as_deref(), Some(s.as_str()), "{line}");
            }
            None => assert_eq!((m.2, m.3.as_deref()), (None, None), "{line}"),
        }
    }
    assert_eq!(tagged, 176); // and 20 without a tag block
    let times: Vec<i64> = c
        .msgs
        .iter()
        .filter_map(|m| m.2)
        .map(|t| t.unix_ms)
        .collect();
    assert_eq!(times.iter().min(), Some(&1_733_782_034_000));
    assert_eq!(times.iter().max(), Some(&1_733_782_039_000));
}

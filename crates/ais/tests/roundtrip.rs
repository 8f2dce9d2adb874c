//! Property tests: every encodable message survives encoding into
//! sentences (one or several fragments, with or without tag blocks, in
//! order or not) and decoding by the [`StreamDecoder`]; and arbitrary
//! input never panics the decoder and is always fully accounted for.

use finisterra_ais::encode::{encode_sentences, SentenceOptions};
use finisterra_ais::{
    AidToNavigation, AisMessage, BaseStationReport, Body, ClassBExtended, ClassBPosition,
    Dimensions, Event, LongRangePosition, PositionReport, SafetyBroadcast, StaticDataReport,
    StaticPartB, StaticVoyage, Stats, StreamDecoder, Text, Turn,
};
use finisterra_nmea::Timestamp;
use proptest::prelude::*;

// ---------------------------------------------------------------------------
// Field strategies: values on the field's grid, "not available" as None.

/// The AIS 6-bit character set without '@' (the padding character).
const SIXBIT: &[u8] = b" !\"#$%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_";

/// Text of at most `max` characters of the 6-bit set, without trailing
/// spaces (decoding trims them, as it stops at '@').
fn text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(SIXBIT), 0..=max).prop_map(|v| {
        let s: String = v.into_iter().map(char::from).collect();
        s.trim_end().to_owned()
    })
}

fn t<const N: usize>(s: &str) -> Text<N> {
    Text::from_str_lossy(s)
}

/// Longitude in 1/10 000 minute, within ±180°.
fn lon_1e4() -> impl Strategy<Value = Option<f64>> {
    prop::option::weighted(0.9, -108_000_000i32..=108_000_000)
        .prop_map(|r| r.map(|r| r as f64 / 600_000.0))
}

/// Latitude in 1/10 000 minute, within ±90°.
fn lat_1e4() -> impl Strategy<Value = Option<f64>> {
    prop::option::weighted(0.9, -54_000_000i32..=54_000_000)
        .prop_map(|r| r.map(|r| r as f64 / 600_000.0))
}

/// Speed over ground in 0.1 kn (102.2 = 102.2 kn or more).
fn sog_01() -> impl Strategy<Value = Option<f64>> {
    prop::option::weighted(0.9, 0u32..=1022).prop_map(|r| r.map(|r| r as f64 / 10.0))
}

/// Course over ground in 0.1°.
fn cog_01() -> impl Strategy<Value = Option<f64>> {
    prop::option::weighted(0.9, 0u32..=3599).prop_map(|r| r.map(|r| r as f64 / 10.0))
}

fn heading() -> impl Strategy<Value = Option<u16>> {
    prop::option::weighted(0.9, 0u16..=359)
}

fn turn() -> impl Strategy<Value = Option<Turn>> {
    prop::option::weighted(0.9, -127i8..=127).prop_map(|r| {
        r.map(|r| match r {
            -127 => Turn::FastLeft,
            127 => Turn::FastRight,
            r => Turn::Rate(r),
        })
    })
}

fn dims() -> impl Strategy<Value = Dimensions> {
    (0u16..512, 0u16..512, 0u8..64, 0u8..64).prop_map(
        |(to_bow, to_stern, to_port, to_starboard)| Dimensions {
            to_bow,
            to_stern,
            to_port,
            to_starboard,
        },
    )
}

fn header() -> impl Strategy<Value = (u8, u32)> {
    (0u8..4, 0u32..(1 << 30))
}

// ---------------------------------------------------------------------------
// Message strategies, one per encodable type.

fn position() -> impl Strategy<Value = AisMessage> {
    (
        header(),
        1u8..=3,
        (
            0u8..16,
            turn(),
            sog_01(),
            any::<bool>(),
            lon_1e4(),
            lat_1e4(),
        ),
        (
            cog_01(),
            heading(),
            0u8..64,
            0u8..4,
            any::<bool>(),
            0u32..(1 << 19),
        ),
    )
        .prop_map(
            |(
                (repeat, mmsi),
                msg_type,
                (status, turn, sog_kn, accuracy, lon_deg, lat_deg),
                (cog_deg, heading_deg, second, maneuver, raim, radio),
            )| AisMessage {
                msg_type,
                repeat,
                mmsi,
                body: Body::Position(PositionReport {
                    status,
                    turn,
                    sog_kn,
                    accuracy,
                    lon_deg,
                    lat_deg,
                    cog_deg,
                    heading_deg,
                    second,
                    maneuver,
                    raim,
                    radio,
                }),
            },
        )
}

fn base_station() -> impl Strategy<Value = AisMessage> {
    (
        header(),
        prop::sample::select(&[4u8, 11][..]),
        (0u16..(1 << 14), 0u8..16, 0u8..32, 0u8..32, 0u8..64, 0u8..64),
        (
            any::<bool>(),
            lon_1e4(),
            lat_1e4(),
            0u8..16,
            any::<bool>(),
            0u32..(1 << 19),
        ),
    )
        .prop_map(
            |(
                (repeat, mmsi),
                msg_type,
                (year, month, day, hour, minute, second),
                (accuracy, lon_deg, lat_deg, epfd, raim, radio),
            )| AisMessage {
                msg_type,
                repeat,
                mmsi,
                body: Body::BaseStation(BaseStationReport {
                    year,
                    month,
                    day,
                    hour,
                    minute,
                    second,
                    accuracy,
                    lon_deg,
                    lat_deg,
                    epfd,
                    raim,
                    radio,
                }),
            },
        )
}

fn static_voyage() -> impl Strategy<Value = AisMessage> {
    (
        header(),
        (
            0u8..4,
            0u32..(1 << 30),
            text(7),
            text(20),
            any::<u8>(),
            dims(),
        ),
        (0u8..16, 0u8..16, 0u8..32, 0u8..32, 0u8..64),
        (
            prop::option::weighted(0.9, 1u32..=255),
            text(20),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (repeat, mmsi),
                (ais_version, imo, callsign, shipname, shiptype, dimensions),
                (epfd, eta_month, eta_day, eta_hour, eta_minute),
                (draught, destination, dte),
            )| AisMessage {
                msg_type: 5,
                repeat,
                mmsi,
                body: Body::StaticVoyage(StaticVoyage {
                    ais_version,
                    imo,
                    callsign: t(&callsign),
                    shipname: t(&shipname),
                    shiptype,
                    dimensions,
                    epfd,
                    eta_month,
                    eta_day,
                    eta_hour,
                    eta_minute,
                    draught_m: draught.map(|d| d as f64 / 10.0),
                    destination: t(&destination),
                    dte,
                }),
            },
        )
}

fn safety_broadcast() -> impl Strategy<Value = AisMessage> {
    (header(), text(161)).prop_map(|((repeat, mmsi), text)| AisMessage {
        msg_type: 14,
        repeat,
        mmsi,
        body: Body::SafetyBroadcast(SafetyBroadcast { text }),
    })
}

fn class_b() -> impl Strategy<Value = AisMessage> {
    (
        header(),
        (
            any::<u8>(),
            sog_01(),
            any::<bool>(),
            lon_1e4(),
            lat_1e4(),
            cog_01(),
        ),
        (
            heading(),
            0u8..64,
            0u8..4,
            prop::array::uniform7(any::<bool>()),
            0u32..(1 << 20),
        ),
    )
        .prop_map(
            |(
                (repeat, mmsi),
                (reserved, sog_kn, accuracy, lon_deg, lat_deg, cog_deg),
                (heading_deg, second, regional, f, radio),
            )| AisMessage {
                msg_type: 18,
                repeat,
                mmsi,
                body: Body::ClassBPosition(ClassBPosition {
                    reserved,
                    sog_kn,
                    accuracy,
                    lon_deg,
                    lat_deg,
                    cog_deg,
                    heading_deg,
                    second,
                    regional,
                    cs: f[0],
                    display: f[1],
                    dsc: f[2],
                    band: f[3],
                    msg22: f[4],
                    assigned: f[5],
                    raim: f[6],
                    radio,
                }),
            },
        )
}

fn class_b_extended() -> impl Strategy<Value = AisMessage> {
    (
        header(),
        (
            any::<u8>(),
            sog_01(),
            any::<bool>(),
            lon_1e4(),
            lat_1e4(),
            cog_01(),
        ),
        (heading(), 0u8..64, 0u8..16, text(20), any::<u8>(), dims()),
        (0u8..16, prop::array::uniform3(any::<bool>())),
    )
        .prop_map(
            |(
                (repeat, mmsi),
                (reserved, sog_kn, accuracy, lon_deg, lat_deg, cog_deg),
                (heading_deg, second, regional, shipname, shiptype, dimensions),
                (epfd, f),
            )| AisMessage {
                msg_type: 19,
                repeat,
                mmsi,
                body: Body::ClassBExtended(ClassBExtended {
                    reserved,
                    sog_kn,
                    accuracy,
                    lon_deg,
                    lat_deg,
                    cog_deg,
                    heading_deg,
                    second,
                    regional,
                    shipname: t(&shipname),
                    shiptype,
                    dimensions,
                    epfd,
                    raim: f[0],
                    dte: f[1],
                    assigned: f[2],
                }),
            },
        )
}

fn aid_to_navigation() -> impl Strategy<Value = AisMessage> {
    (
        header(),
        (
            0u8..32,
            text(34),
            any::<bool>(),
            lon_1e4(),
            lat_1e4(),
            dims(),
        ),
        (
            0u8..16,
            0u8..64,
            any::<u8>(),
            prop::array::uniform4(any::<bool>()),
        ),
    )
        .prop_map(
            |(
                (repeat, mmsi),
                (aid_type, name, accuracy, lon_deg, lat_deg, dimensions),
                (epfd, second, regional, f),
            )| AisMessage {
                msg_type: 21,
                repeat,
                mmsi,
                body: Body::AidToNavigation(AidToNavigation {
                    aid_type,
                    name: t(&name),
                    accuracy,
                    lon_deg,
                    lat_deg,
                    dimensions,
                    epfd,
                    second,
                    off_position: f[0],
                    regional,
                    raim: f[1],
                    virtual_aid: f[2],
                    assigned: f[3],
                }),
            },
        )
}

fn static_part_a() -> impl Strategy<Value = AisMessage> {
    (header(), text(20)).prop_map(|((repeat, mmsi), name)| AisMessage {
        msg_type: 24,
        repeat,
        mmsi,
        body: Body::StaticData(StaticDataReport::PartA { shipname: t(&name) }),
    })
}

fn static_part_b() -> impl Strategy<Value = AisMessage> {
    (
        header(),
        any::<bool>(),
        (any::<u8>(), text(3), 0u8..16, 0u32..(1 << 20), text(7)),
        (dims(), 0u32..(1 << 30)),
    )
        .prop_map(
            |(
                (repeat, mmsi),
                auxiliary,
                (shiptype, vendor, model, serial, callsign),
                (dimensions, mother),
            )| {
                // An auxiliary craft (MMSI 98xxxxxxx) gives its mother ship's
                // MMSI instead of dimensions.
                let mmsi = if auxiliary {
                    980_000_000 + mmsi % 10_000_000
                } else {
                    mmsi % 980_000_000
                };
                AisMessage {
                    msg_type: 24,
                    repeat,
                    mmsi,
                    body: Body::StaticData(StaticDataReport::PartB(StaticPartB {
                        shiptype,
                        vendor_id: t(&vendor),
                        model,
                        serial,
                        callsign: t(&callsign),
                        dimensions: if auxiliary {
                            Dimensions::default()
                        } else {
                            dimensions
                        },
                        mothership_mmsi: auxiliary.then_some(mother),
                    })),
                }
            },
        )
}

fn long_range() -> impl Strategy<Value = AisMessage> {
    (
        header(),
        (any::<bool>(), any::<bool>(), 0u8..16),
        prop::option::weighted(0.9, -108_000i32..=108_000),
        prop::option::weighted(0.9, -54_000i32..=54_000),
        (
            prop::option::weighted(0.9, 0u32..=62),
            prop::option::weighted(0.9, 0u32..=359),
            any::<bool>(),
        ),
    )
        .prop_map(
            |((repeat, mmsi), (accuracy, raim, status), lon, lat, (sog, cog, position_latency))| {
                AisMessage {
                    msg_type: 27,
                    repeat,
                    mmsi,
                    body: Body::LongRange(LongRangePosition {
                        accuracy,
                        raim,
                        status,
                        lon_deg: lon.map(|r| r as f64 / 600.0),
                        lat_deg: lat.map(|r| r as f64 / 600.0),
                        sog_kn: sog.map(f64::from),
                        cog_deg: cog.map(f64::from),
                        position_latency,
                    }),
                }
            },
        )
}

/// How the fragments arrive.
#[derive(Debug, Clone, Copy)]
enum Arrival {
    InOrder,
    Reversed,
    /// In order, and only the first sentence of a tag-block group keeps
    /// `s:` and `c:`: the others carry `g:` alone (NMEA 4.10 allows it,
    /// satellite feeds do it).
    GroupTagsOnFirst,
}

/// How the sentences are framed: fragment size, tag block, talker,
/// channel, sequence id, own ship; and how the fragments arrive.
fn framing() -> impl Strategy<Value = (SentenceOptions, Arrival)> {
    (
        prop::sample::select(&[8usize, 13, 28, 45, 60, 82][..]),
        prop::option::of((1_000_000_000i64..2_000_000_000, "[a-z0-9]{1,12}")),
        prop::sample::select(vec![*b"AI", *b"AB", *b"BS", *b"SA"]),
        prop::sample::select(vec![None, Some(b'A'), Some(b'B'), Some(b'1')]),
        0u8..10,
        any::<bool>(),
        prop::sample::select(vec![
            Arrival::InOrder,
            Arrival::Reversed,
            Arrival::GroupTagsOnFirst,
        ]),
    )
        .prop_map(
            |(per, tag, talker, channel, sequence_id, own_ship, arrival)| {
                let (tag_time_s, tag_source) = match tag {
                    Some((t, s)) => (Some(t), Some(s)),
                    None => (None, None),
                };
                (
                    SentenceOptions {
                        talker,
                        own_ship,
                        channel,
                        sequence_id,
                        max_payload_chars: per,
                        tag_time_s,
                        tag_source,
                    },
                    arrival,
                )
            },
        )
}

// ---------------------------------------------------------------------------
// The round trip

/// Encodes `msg`, feeds the sentences to a fresh decoder and checks that
/// exactly `msg` comes out, with the tag block's time and station.
/// Keeps only the `g:` parameter of a sentence's tag block.
fn group_tag_only(sentence: &str) -> String {
    let Some(rest) = sentence.strip_prefix('\\') else {
        return sentence.to_owned();
    };
    let close = rest.find('\\').unwrap();
    let inner = rest[..close].split('*').next().unwrap();
    let g: Vec<&str> = inner.split(',').filter(|p| p.starts_with("g:")).collect();
    let g = g.join(",");
    let cs = finisterra_nmea::checksum(g.as_bytes());
    format!("\\{g}*{cs:02X}\\{}", &rest[close + 1..])
}

fn round_trip(
    msg: &AisMessage,
    opts: &SentenceOptions,
    arrival: Arrival,
) -> Result<(), TestCaseError> {
    let mut opts = opts.clone();
    // At most 9 fragments: widen them for long payloads.
    let chars = finisterra_ais::encode::encode_bits(msg)
        .unwrap()
        .len()
        .div_ceil(6);
    opts.max_payload_chars = opts.max_payload_chars.max(chars.div_ceil(9));
    let mut sentences = encode_sentences(msg, &opts).unwrap();
    prop_assert!(!sentences.is_empty() && sentences.len() <= 9);
    match arrival {
        Arrival::InOrder => {}
        Arrival::Reversed => sentences.reverse(),
        Arrival::GroupTagsOnFirst => {
            for s in sentences.iter_mut().skip(1) {
                *s = group_tag_only(s);
            }
        }
    }
    let mut dec = StreamDecoder::default();
    let mut got = Vec::new();
    let mut errors = Vec::new();
    let mut on = |ev: Event<'_>| match ev {
        Event::Message(m) => got.push((
            m.message.clone(),
            m.time,
            m.station.map(str::to_owned),
            m.fragments,
        )),
        Event::Error(e) => errors.push(e.to_string()),
    };
    for (i, s) in sentences.iter().enumerate() {
        dec.feed(i as u64 + 1, s.as_bytes(), &mut on);
    }
    dec.finish(&mut on);
    prop_assert!(errors.is_empty(), "errors {errors:?} for {sentences:?}");
    prop_assert_eq!(got.len(), 1, "sentences {:?}", sentences);
    let (decoded, time, station, fragments) = &got[0];
    prop_assert_eq!(decoded, msg, "sentences {:?}", sentences);
    prop_assert_eq!(*time, opts.tag_time_s.map(Timestamp::from_unix_s));
    prop_assert_eq!(station.as_deref(), opts.tag_source.as_deref());
    prop_assert_eq!(*fragments as usize, sentences.len());
    let s = dec.stats();
    prop_assert_eq!(s.unaccounted_lines(), 0);
    prop_assert_eq!(s.message_sentences, sentences.len() as u64);
    Ok(())
}

macro_rules! round_trip_tests {
    ($($name:ident => $strategy:expr),+ $(,)?) => {
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(512))]
            $(
                #[test]
                fn $name(msg in $strategy, (opts, arrival) in framing()) {
                    round_trip(&msg, &opts, arrival)?;
                }
            )+
        }
    };
}

round_trip_tests! {
    round_trip_position_1_2_3 => position(),
    round_trip_base_station_4_11 => base_station(),
    round_trip_static_voyage_5 => static_voyage(),
    round_trip_safety_broadcast_14 => safety_broadcast(),
    round_trip_class_b_18 => class_b(),
    round_trip_class_b_extended_19 => class_b_extended(),
    round_trip_aid_to_navigation_21 => aid_to_navigation(),
    round_trip_static_data_24a => static_part_a(),
    round_trip_static_data_24b => static_part_b(),
    round_trip_long_range_27 => long_range(),
}

// ---------------------------------------------------------------------------
// Robustness: arbitrary input never panics and every line is counted.

fn any_message() -> impl Strategy<Value = AisMessage> {
    prop_oneof![
        position(),
        base_station(),
        static_voyage(),
        safety_broadcast(),
        class_b(),
        class_b_extended(),
        aid_to_navigation(),
        static_part_a(),
        static_part_b(),
        long_range(),
    ]
}

/// Feeds `lines`, then checks the counts against the events.
fn feed_all(lines: &[Vec<u8>]) -> Result<Stats, TestCaseError> {
    let mut dec = StreamDecoder::default();
    let mut messages = 0u64;
    let mut errors = 0u64;
    let mut on = |ev: Event<'_>| match ev {
        Event::Message(_) => messages += 1,
        Event::Error(_) => errors += 1,
    };
    for (i, l) in lines.iter().enumerate() {
        dec.feed(i as u64 + 1, l, &mut on);
    }
    dec.finish(&mut on);
    let s = dec.stats().clone();
    prop_assert_eq!(s.lines, lines.len() as u64);
    prop_assert_eq!(s.unaccounted_lines(), 0, "{:?}", s);
    prop_assert_eq!(
        s.sentences,
        s.message_sentences + s.dropped_sentences,
        "{:?}",
        s
    );
    prop_assert_eq!(s.messages, messages);
    prop_assert_eq!(s.by_type.iter().sum::<u64>(), messages);
    prop_assert_eq!(s.error_count(), errors);
    Ok(s)
}

/// A line: a valid sentence of a random message, possibly damaged (a byte
/// changed, cut short, or bytes inserted), or random bytes.
fn line() -> impl Strategy<Value = Vec<Vec<u8>>> {
    let sentence = (
        any_message(),
        framing(),
        0usize..4,
        any::<usize>(),
        any::<u8>(),
    )
        .prop_map(|(msg, (opts, _), damage, at, byte)| {
            let mut out: Vec<Vec<u8>> = encode_sentences(&msg, &opts)
                .unwrap()
                .into_iter()
                .map(String::into_bytes)
                .collect();
            for l in &mut out {
                let i = at % l.len().max(1);
                match damage {
                    1 if !l.is_empty() => l[i] = byte,
                    2 => l.truncate(i),
                    3 => l.insert(i.min(l.len()), byte),
                    _ => {}
                }
            }
            out
        });
    let garbage = prop::collection::vec(any::<u8>(), 0..120).prop_map(|v| vec![v]);
    let nmea_ish = "[!$\\\\]?[A-Z0-9,*.:\\\\!-]{0,90}".prop_map(|s| vec![s.into_bytes()]);
    prop_oneof![4 => sentence, 1 => garbage, 1 => nmea_ish]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn arbitrary_bytes_never_panic(data in prop::collection::vec(any::<u8>(), 0..2000)) {
        let lines: Vec<Vec<u8>> = data.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
        feed_all(&lines)?;
        // The bare decoder too.
        let _ = finisterra_ais::decode(&data, data.first().map_or(0, |b| b % 8));
    }

    #[test]
    fn damaged_sentence_streams_are_accounted_for(groups in prop::collection::vec(line(), 1..40)) {
        let lines: Vec<Vec<u8>> = groups.into_iter().flatten().collect();
        feed_all(&lines)?;
    }

    #[test]
    fn interleaved_undamaged_messages_all_come_out(
        msgs in prop::collection::vec((any_message(), framing()), 1..12),
    ) {
        // Each message's fragments in order, messages interleaved round
        // robin; distinct sequence ids keep their groups apart.
        let mut queues: Vec<Vec<String>> = msgs
            .iter()
            .enumerate()
            .map(|(i, (m, (o, _)))| {
                let mut o = o.clone();
                o.sequence_id = (i % 10) as u8;
                o.channel = Some(if i < 10 { b'A' } else { b'B' });
                o.max_payload_chars = 60;
                o.tag_source = None;
                o.tag_time_s = None;
                encode_sentences(m, &o).unwrap()
            })
            .collect();
        let mut lines = Vec::new();
        while queues.iter().any(|q| !q.is_empty()) {
            for q in &mut queues {
                if !q.is_empty() {
                    lines.push(q.remove(0).into_bytes());
                }
            }
        }
        let s = feed_all(&lines)?;
        prop_assert_eq!(s.messages, msgs.len() as u64);
        prop_assert_eq!(s.error_count(), 0);
    }
}

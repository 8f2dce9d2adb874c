//! Benchmarks of the library decode path: payload decoding by type, the
//! stream decoder over a realistic mix of lines, and the gpsd JSON writer.
//!
//! `cargo bench -p finisterra-ais` (criterion; no plots). The mix is built
//! with the encoder from a fixed seed, so every run decodes the same bytes.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use finisterra_ais::encode::{encode_sentences, SentenceOptions};
use finisterra_ais::json::{write_gpsd_json, JsonContext};
use finisterra_ais::{
    decode, AisMessage, BaseStationReport, Body, ClassBPosition, Dimensions, Event, PositionReport,
    StaticDataReport, StaticPartB, StaticVoyage, StreamDecoder, Text, Turn,
};

const TYPE_1: &[u8] = b"15RTgt0PAso;90TKcjM8h6g208CQ";
/// The two fragments of a type 5, joined.
const TYPE_5: &[u8] = b"55P5TL01VIaAL@7WKO@mBplU@<PDhh000000001S;AJ::4A80?4i@E531@0000000000000";
const TYPE_18: &[u8] = b"B5NJ;PP005l4ot5Isbl03wsUkP06";

/// A small deterministic generator (64-bit LCG), so the mix needs no
/// random-number crate and is the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as u32
    }
    fn below(&mut self, n: u32) -> u32 {
        self.next() % n
    }
}

fn position(r: &mut Lcg, msg_type: u8) -> AisMessage {
    AisMessage {
        msg_type,
        repeat: 0,
        mmsi: 200_000_000 + r.below(600_000_000),
        body: Body::Position(PositionReport {
            status: r.below(9) as u8,
            turn: Some(Turn::Rate((r.below(41) as i8) - 20)),
            sog_kn: Some(r.below(300) as f64 / 10.0),
            accuracy: r.below(2) == 1,
            lon_deg: Some((r.below(2_000_000) as i32 - 1_000_000) as f64 / 600_000.0 + 5.0),
            lat_deg: Some((r.below(2_000_000) as i32 - 1_000_000) as f64 / 600_000.0 + 60.0),
            cog_deg: Some(r.below(3600) as f64 / 10.0),
            heading_deg: Some(r.below(360) as u16),
            second: r.below(60) as u8,
            maneuver: 0,
            raim: false,
            radio: r.below(1 << 19),
        }),
    }
}

fn class_b(r: &mut Lcg) -> AisMessage {
    AisMessage {
        msg_type: 18,
        repeat: 0,
        mmsi: 200_000_000 + r.below(600_000_000),
        body: Body::ClassBPosition(ClassBPosition {
            reserved: 0,
            sog_kn: Some(r.below(150) as f64 / 10.0),
            accuracy: false,
            lon_deg: Some((r.below(2_000_000) as i32 - 1_000_000) as f64 / 600_000.0 + 5.0),
            lat_deg: Some((r.below(2_000_000) as i32 - 1_000_000) as f64 / 600_000.0 + 60.0),
            cog_deg: Some(r.below(3600) as f64 / 10.0),
            heading_deg: None,
            second: r.below(60) as u8,
            regional: 0,
            cs: true,
            display: false,
            dsc: true,
            band: true,
            msg22: true,
            assigned: false,
            raim: false,
            radio: 393_222,
        }),
    }
}

fn static_voyage(r: &mut Lcg) -> AisMessage {
    const NAMES: [&str; 4] = [
        "EVER DIADEM",
        "NORDIC HAMBURG",
        "CASTELO OBIDOS",
        "RUTH THERESA",
    ];
    const PORTS: [&str; 3] = ["NEW YORK", "ROTTERDAM", "BERGEN"];
    AisMessage {
        msg_type: 5,
        repeat: 0,
        mmsi: 200_000_000 + r.below(600_000_000),
        body: Body::StaticVoyage(StaticVoyage {
            ais_version: 2,
            imo: 9_000_000 + r.below(999_999),
            callsign: Text::from_str_lossy("LA1234"),
            shipname: Text::from_str_lossy(NAMES[r.below(4) as usize]),
            shiptype: 70 + r.below(20) as u8,
            dimensions: Dimensions {
                to_bow: 100,
                to_stern: 40,
                to_port: 12,
                to_starboard: 14,
            },
            epfd: 1,
            eta_month: 12,
            eta_day: 10,
            eta_hour: 6,
            eta_minute: 30,
            draught_m: Some(r.below(150) as f64 / 10.0),
            destination: Text::from_str_lossy(PORTS[r.below(3) as usize]),
            dte: false,
        }),
    }
}

fn static_data(r: &mut Lcg) -> AisMessage {
    let mmsi = 200_000_000 + r.below(600_000_000);
    let body = if r.below(2) == 0 {
        Body::StaticData(StaticDataReport::PartA {
            shipname: Text::from_str_lossy("SEA BREEZE"),
        })
    } else {
        Body::StaticData(StaticDataReport::PartB(StaticPartB {
            shiptype: 37,
            vendor_id: Text::from_str_lossy("SRT"),
            model: 1,
            serial: r.below(1 << 20),
            callsign: Text::from_str_lossy("WDJ7574"),
            dimensions: Dimensions {
                to_bow: 6,
                to_stern: 6,
                to_port: 2,
                to_starboard: 2,
            },
            mothership_mmsi: None,
        }))
    };
    AisMessage {
        msg_type: 24,
        repeat: 0,
        mmsi,
        body,
    }
}

fn base_station(r: &mut Lcg) -> AisMessage {
    AisMessage {
        msg_type: 4,
        repeat: 0,
        mmsi: 2_570_000 + r.below(10_000),
        body: Body::BaseStation(BaseStationReport {
            year: 2024,
            month: 12,
            day: 10,
            hour: 1,
            minute: 2,
            second: r.below(60) as u8,
            accuracy: true,
            lon_deg: Some(5.3),
            lat_deg: Some(60.4),
            epfd: 7,
            raim: false,
            radio: r.below(1 << 19),
        }),
    }
}

/// About `n` lines like a coastal network feed: mostly Class A positions,
/// Class B, static data (type 5 in two sentences), base stations; most
/// lines with a tag block; a few blank, garbage and corrupted lines.
fn feed_mix(n: usize) -> Vec<Vec<u8>> {
    let mut r = Lcg(0x5EED_F1E5);
    let mut lines = Vec::with_capacity(n + 2);
    let mut t = 1_733_782_034i64;
    while lines.len() < n {
        let pick = r.below(100);
        let msg = match pick {
            0..=59 => {
                let msg_type = [1, 1, 1, 3][r.below(4) as usize];
                position(&mut r, msg_type)
            }
            60..=74 => class_b(&mut r),
            75..=84 => static_voyage(&mut r),
            85..=91 => static_data(&mut r),
            92..=95 => base_station(&mut r),
            96 => {
                lines.push(Vec::new());
                continue;
            }
            97 => {
                lines.push(
                    b"$GPGGA,184353.07,1929.045,S,02410.506,E,1,04,2.6,100.00,M,-33.9,M,,0000*6D"
                        .to_vec(),
                );
                continue;
            }
            _ => {
                // A sentence damaged in transit (checksum fails).
                let mut s = encode_sentences(&position(&mut r, 1), &SentenceOptions::default())
                    .unwrap()
                    .remove(0)
                    .into_bytes();
                let i = 20 + r.below(10) as usize;
                s[i] ^= 0x04;
                lines.push(s);
                continue;
            }
        };
        if r.below(8) == 0 {
            t += 1;
        }
        let tagged = r.below(10) < 9;
        let opts = SentenceOptions {
            talker: *b"BS",
            channel: Some(if r.below(2) == 0 { b'A' } else { b'B' }),
            sequence_id: r.below(10) as u8,
            tag_time_s: tagged.then_some(t),
            tag_source: tagged.then(|| format!("{}", 2_573_000 + r.below(500))),
            ..SentenceOptions::default()
        };
        for s in encode_sentences(&msg, &opts).unwrap() {
            lines.push(s.into_bytes());
        }
    }
    lines
}

fn bench_decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode");
    g.throughput(Throughput::Elements(1));
    g.bench_function("type_1", |b| b.iter(|| decode(black_box(TYPE_1), 0)));
    g.bench_function("type_5_joined", |b| b.iter(|| decode(black_box(TYPE_5), 2)));
    g.bench_function("type_18", |b| b.iter(|| decode(black_box(TYPE_18), 0)));
    g.finish();
}

fn bench_stream(c: &mut Criterion) {
    let lines = feed_mix(3000);
    let bytes: usize = lines.iter().map(|l| l.len() + 1).sum();
    // The mix is what it claims to be: nearly every line is part of a
    // message, the rest blank, other NMEA or corrupted.
    let mut check = StreamDecoder::default();
    for (i, l) in lines.iter().enumerate() {
        check.feed(i as u64 + 1, l, &mut |_| {});
    }
    check.finish(&mut |_| {});
    let s = check.stats();
    assert_eq!(s.unaccounted_lines(), 0);
    assert!(s.message_sentences as usize > lines.len() * 9 / 10, "{s:?}");
    let mut g = c.benchmark_group("stream");
    g.throughput(Throughput::Elements(lines.len() as u64));
    g.bench_function("feed_3000_lines", |b| {
        b.iter_batched_ref(
            StreamDecoder::default,
            |dec| {
                let mut n = 0u64;
                let mut on = |ev: Event<'_>| {
                    if let Event::Message(m) = ev {
                        n += m.message.mmsi as u64;
                    }
                };
                for (i, l) in lines.iter().enumerate() {
                    dec.feed(i as u64 + 1, l, &mut on);
                }
                dec.finish(&mut on);
                black_box(n)
            },
            BatchSize::SmallInput,
        )
    });
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("feed_3000_lines_bytes", |b| {
        b.iter(|| {
            let mut dec = StreamDecoder::default();
            let mut on = |ev: Event<'_>| {
                black_box(&ev);
            };
            for (i, l) in lines.iter().enumerate() {
                dec.feed(i as u64 + 1, l, &mut on);
            }
            dec.finish(&mut on);
            dec.stats().messages
        })
    });
    g.finish();
}

fn bench_json(c: &mut Criterion) {
    let t1 = decode(TYPE_1, 0).unwrap();
    let t5 = decode(TYPE_5, 2).unwrap();
    let ctx = JsonContext {
        device: "",
        time: Some(finisterra_nmea::Timestamp::from_unix_s(1_733_782_034)),
        station: Some("2573238"),
    };
    let mut out = Vec::with_capacity(1024);
    let mut g = c.benchmark_group("gpsd_json");
    g.throughput(Throughput::Elements(1));
    for (name, msg, scaled) in [
        ("type_1_scaled", &t1, true),
        ("type_1_unscaled", &t1, false),
        ("type_5_scaled", &t5, true),
    ] {
        g.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                write_gpsd_json(&mut out, black_box(msg), &ctx, scaled);
                out.len()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench_decode, bench_stream, bench_json);
criterion_main!(benches);

//! Fuzz-style robustness: random bytes, and truncated and mutated real
//! frames, into every framer and the decoder. No panic, every input
//! accounted for (a message or a counted rejection), and decoding never
//! reads past the frame: a frame decodes the same whatever follows it in
//! memory.

use finisterra_modes::{
    decode_frame, parse_text_line, BeastFramer, Decoder, DecoderConfig, TextReader,
};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

const SEEDS: &[&str] = &[
    "8D406B902015A678D4D220AA4BDA",
    "8D40621D58C382D690C8AC2863A7",
    "8D40621D58C386435CC412692AD6",
    "8D485020994409940838175B284F",
    "8DA05F219B06B6AF189400CBC33F",
    "8f393322384a02aea63afc43dcba",
    "8c4841753a9a153237aef0f275be",
    "2928080069049eed86cbc9970493",
    "212800bf40f1ef",
    "5d4ca88c5ddb73",
    "a800080010010080f10000cd00d9",
    "8d4ca251204994b1c36e60a5343d",
];

#[test]
fn decoder_survives_mutations_and_counts_everything() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut dec = Decoder::new(DecoderConfig {
        reference: Some((49.0, 2.5)),
        max_aircraft: 64,
        ..DecoderConfig::default()
    });
    let mut offered = 0u64;
    let mut t = 0i64;
    for round in 0..40_000 {
        let seed = hex(SEEDS[round % SEEDS.len()]);
        let mut f = seed.clone();
        match rng.below(4) {
            0 => {
                let n = rng.below(f.len() + 1);
                f.truncate(n);
            }
            1 => {
                let i = rng.below(f.len());
                f[i] ^= 1 << rng.below(8);
            }
            2 => {
                let n = rng.below(16);
                f = (0..n).map(|_| rng.next() as u8).collect();
            }
            _ => {
                // Random payload behind a valid DF 17 header with a fresh
                // parity, so that the ME decoders see arbitrary bits.
                for b in f.iter_mut().skip(4).take(7) {
                    *b = rng.next() as u8;
                }
                if f.len() == 14 {
                    let p = finisterra_modes::parity(&f[..11]);
                    f[11] = (p >> 16) as u8;
                    f[12] = (p >> 8) as u8;
                    f[13] = p as u8;
                }
            }
        }
        // Time goes forward, sometimes backward.
        t += rng.below(3_000) as i64 - 200;
        offered += 1;
        let got = dec.decode(&f, t);

        // Never reads past the frame: the same bytes followed by anything
        // decode alike (when the frame is exactly its format's length).
        if let Ok(m) = decode_frame(&f) {
            if m.df.and_then(finisterra_modes::df_len) == Some(f.len()) {
                let mut longer = f.clone();
                longer.extend((0..7).map(|_| rng.next() as u8));
                let again = decode_frame(&longer).unwrap();
                assert_eq!(again, m, "{f:02x?}");
            }
        }
        if let Ok(m) = got {
            if let (Some(lat), Some(lon)) = (m.lat_deg, m.lon_deg) {
                assert!(
                    lat.abs() <= 90.0 && (-180.0..180.0).contains(&lon),
                    "{lat} {lon}"
                );
            }
            let mut out = Vec::new();
            finisterra_modes::json::write_json(&mut out, &m);
            assert!(std::str::from_utf8(&out).is_ok());
        }
    }
    let s = dec.stats();
    assert_eq!(s.frames, offered);
    assert_eq!(s.accepted + s.rejected_total(), offered);
    assert!(dec.aircraft_count() <= 64);
    println!("fuzz: {s:?}");
}

#[test]
fn framers_survive_random_bytes() {
    let mut rng = Rng(42);
    for round in 0..300 {
        let len = rng.below(4096);
        let mut data: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        // Salt with frame starts and text markers.
        for _ in 0..rng.below(64) {
            if data.is_empty() {
                break;
            }
            let i = rng.below(data.len());
            data[i] = [0x1a, b'1', b'2', b'3', b'*', b';', b'\n', b'@', b','][rng.below(9)];
        }
        let cut = rng.below(data.len() + 1);

        let mut beast = BeastFramer::new();
        let mut dec = Decoder::new(DecoderConfig::default());
        let mut frames = 0u64;
        let mut errors = 0u64;
        for part in [&data[..cut], &data[cut..]] {
            beast.push(part, |x| match x {
                Ok(f) => {
                    frames += 1;
                    let _ = dec.decode(f.bytes(), (f.ticks / 12_000) as i64);
                }
                Err(_) => errors += 1,
            });
        }
        beast.finish(|_| errors += 1);
        let st = beast.stats();
        assert_eq!(st.frames.iter().sum::<u64>(), frames, "round {round}");
        assert_eq!(st.truncated + st.unknown_type, errors);
        assert_eq!(st.bytes, data.len() as u64);
        assert_eq!(dec.stats().frames, frames);

        let mut text = TextReader::new();
        let mut items = 0u64;
        for part in [&data[..cut], &data[cut..]] {
            text.push(part, |_| items += 1);
        }
        text.finish(|_| items += 1);
        let ts = text.stats();
        assert_eq!(ts.frames + ts.sbs + ts.rejected, items);
        assert_eq!(ts.frames + ts.sbs + ts.rejected + ts.skipped, ts.lines);
    }
}

#[test]
fn text_lines_truncated_at_every_length() {
    let lines: &[&[u8]] = &[
        b"*8D406B902015A678D4D220AA4BDA;",
        b"@0123456789AB8D406B902015A678D4D220AA4BDA;",
        b"<0123456789ABff8D406B902015A678D4D220AA4BDA;",
        b"1457996400,\"8D406B909945DE10000405999BE4\",\"406B90\",19",
        b"MSG,3,1,1,4CA2D6,1,2016/03/14,23:00:00.123,2016/03/14,23:00:00.130,,37000,,,51.45735,-1.02826,,,0,0,0,0",
        b"MSG,6,1,1,4CA2D6,1,,,,,,,,,,,,7700,0,1,0,-1",
    ];
    for line in lines {
        for n in 0..=line.len() {
            let _ = parse_text_line(&line[..n]);
            let mut l = line.to_vec();
            if n < l.len() {
                l[n] = b'\xff';
                let _ = parse_text_line(&l);
            }
        }
    }
}

//! The Beast capture of the `traffic` package (`fixtures/sample_dump1090.bin`,
//! MIT, see `fixtures/NOTICE`) through [`BeastFramer`] and the decoder.
//!
//! The expected counts come from an independent reading of the file (a
//! Python framer and a bitwise CRC, in the commit that added this test):
//! 185 short and 54 long Mode S frames, no Mode A/C, no garbage; DF 17
//! 23 clean, DF 11 18 clean and 72 with an interrogator code.

use finisterra_modes::{
    decode_frame, AddressKind, BeastFrame, BeastFramer, BeastKind, Decoder, DecoderConfig,
    InputError, Reject,
};

const SAMPLE: &[u8] = include_bytes!("fixtures/sample_dump1090.bin");

fn frames(chunk: usize) -> (Vec<BeastFrame>, Vec<InputError>, BeastFramer) {
    let mut fr = BeastFramer::new();
    let mut ok = Vec::new();
    let mut err = Vec::new();
    for c in SAMPLE.chunks(chunk) {
        fr.push(c, |x| match x {
            Ok(f) => ok.push(f),
            Err(e) => err.push(e),
        });
    }
    fr.finish(|x| match x {
        Ok(f) => ok.push(f),
        Err(e) => err.push(e),
    });
    (ok, err, fr)
}

#[test]
fn every_frame_found_at_any_chunking() {
    assert_eq!(SAMPLE.len(), 4218);
    let (whole, err, fr) = frames(SAMPLE.len());
    assert!(err.is_empty(), "{err:?}");
    let st = fr.stats();
    assert_eq!(st.frames, [0, 185, 54]);
    assert_eq!(st.garbage_bytes, 0);
    assert_eq!(st.bytes, 4218);
    for chunk in [1, 2, 3, 7, 21, 22, 100, 1000] {
        let (f, e, _) = frames(chunk);
        assert!(e.is_empty());
        assert_eq!(f, whole, "chunk {chunk}");
    }
    // Offsets point at a 0x1a, times never decrease much (one receiver).
    for f in &whole {
        assert_eq!(SAMPLE[f.offset as usize], 0x1a);
        let want = if f.kind == BeastKind::ModeSShort {
            7
        } else {
            14
        };
        assert_eq!(f.bytes().len(), want);
    }
}

#[test]
fn crc_clean_counts() {
    let (frames, _, _) = frames(SAMPLE.len());
    let mut df17_clean = 0;
    let mut df11_clean = 0;
    let mut df11_ii = 0;
    let mut ap = 0;
    let mut other = Vec::new();
    for f in &frames {
        match decode_frame(f.bytes()) {
            Ok(m) => match (m.df, m.address_kind) {
                (Some(17), AddressKind::Clean) => df17_clean += 1,
                (Some(11), AddressKind::Clean) => df11_clean += 1,
                (Some(11), AddressKind::WithInterrogator(_)) => df11_ii += 1,
                (_, AddressKind::FromParity) => ap += 1,
                x => other.push(format!("{x:?}")),
            },
            Err(e) => other.push(e.to_string()),
        }
    }
    println!(
        "sample_dump1090.bin: {} frames; DF 17 clean {df17_clean}, DF 11 clean {df11_clean}, \
         DF 11 with II {df11_ii}, AP formats {ap}",
        frames.len()
    );
    assert!(other.is_empty(), "{other:?}");
    assert_eq!((df17_clean, df11_clean, df11_ii, ap), (23, 18, 72, 126));

    // Through the decoder, in order: AP and II frames are believed only for
    // addresses heard clean; every frame is counted once.
    let mut dec = Decoder::new(DecoderConfig::default());
    let mut accepted = 0;
    for f in &frames {
        if dec.decode(f.bytes(), (f.ticks / 12_000) as i64).is_ok() {
            accepted += 1;
        }
    }
    let s = dec.stats();
    println!(
        "decoder: accepted {accepted}, unknown_address {}, by df {:?}",
        s.rejected_for(Reject::UnknownAddress),
        s.by_df
    );
    assert_eq!(s.frames, frames.len() as u64);
    assert_eq!(s.accepted + s.rejected_total(), s.frames);
    assert_eq!(s.rejected_total(), s.rejected_for(Reject::UnknownAddress));
    assert!(s.accepted >= 41, "at least the clean frames");
}

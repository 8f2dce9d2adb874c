//! The Mode S CRC-24 (generator polynomial 0x1FFF409, ICAO Annex 10 Vol IV
//! 3.1.2.3.3), table-driven, one byte at a time.

/// The generator without its x^24 term.
const GENERATOR: u32 = 0xFF_F409;

const fn build_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = (i as u32) << 16;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x80_0000 != 0 {
                (crc << 1) ^ GENERATOR
            } else {
                crc << 1
            };
            bit += 1;
        }
        table[i] = crc & 0xFF_FFFF;
        i += 1;
    }
    table
}

static TABLE: [u32; 256] = build_table();

/// The 24-bit parity of `data` (the CRC a transmitter would append).
pub fn parity(data: &[u8]) -> u32 {
    let mut crc = 0u32;
    for &b in data {
        crc = ((crc << 8) & 0xFF_FFFF) ^ TABLE[(((crc >> 16) as u8) ^ b) as usize];
    }
    crc
}

/// The syndrome of a whole frame (56 or 112 bits): the parity of all but the
/// last 24 bits XOR those bits. Zero for a clean PI field (DF 11/17/18); for
/// the AP formats (DF 0/4/5/16/20/21) it is the address the frame was sent
/// to (or from). Frames shorter than 4 bytes give `u32::MAX`.
pub fn syndrome(frame: &[u8]) -> u32 {
    let Some(split) = frame.len().checked_sub(3).filter(|&s| s > 0) else {
        return u32::MAX;
    };
    let (data, tail) = frame.split_at(split);
    let pi = (u32::from(tail[0]) << 16) | (u32::from(tail[1]) << 8) | u32::from(tail[2]);
    parity(data) ^ pi
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(hex: &str) -> Vec<u8> {
        (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect()
    }

    /// Bit by bit, as the standard writes it.
    fn parity_bitwise(data: &[u8]) -> u32 {
        let mut crc = 0u32;
        for &b in data {
            for i in (0..8).rev() {
                let top = ((crc >> 23) & 1) ^ u32::from((b >> i) & 1);
                crc = (crc << 1) & 0xFF_FFFF;
                if top != 0 {
                    crc ^= GENERATOR;
                }
            }
        }
        crc
    }

    #[test]
    fn clean_frames_have_zero_syndrome() {
        for f in [
            "8D406B902015A678D4D220AA4BDA",
            "8D4840D6202CC371C32CE0576098",
            "8f393322384a02aea63afc43dcba",
        ] {
            assert_eq!(syndrome(&bytes(f)), 0, "{f}");
        }
        // DF 4 from the rs1090 flight (its first 56 bits): the syndrome is
        // the address, 393322.
        assert_eq!(syndrome(&bytes("212800bf40f1ef")), 0x39_3322);
    }

    #[test]
    fn table_matches_the_bitwise_definition() {
        let mut x = 0x1234_5678_9abc_def0u64;
        for n in 0..200 {
            let data: Vec<u8> = (0..(n % 14))
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            assert_eq!(parity(&data), parity_bitwise(&data));
        }
    }
}

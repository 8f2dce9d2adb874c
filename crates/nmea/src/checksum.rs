/// The NMEA checksum: XOR of every byte between the start delimiter
/// (`!`, `$` or the tag block's `\`) and the `*`, exclusive.
///
/// ```
/// assert_eq!(finisterra_nmea::checksum(b"AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0"), 0x4A);
/// ```
#[inline]
pub fn checksum(bytes: &[u8]) -> u8 {
    // Fold eight bytes at a time: XOR is associative, so the byte lanes of
    // the folded word XOR down to the same result.
    let mut chunks = bytes.chunks_exact(8);
    let mut acc: u64 = 0;
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        acc ^= u64::from_le_bytes(w);
    }
    let mut x = acc ^ (acc >> 32);
    x ^= x >> 16;
    x ^= x >> 8;
    let mut sum = x as u8;
    for &b in chunks.remainder() {
        sum ^= b;
    }
    sum
}

/// Parses two hexadecimal digits (either case) into a byte.
#[inline]
pub fn parse_hex_byte(hi: u8, lo: u8) -> Option<u8> {
    Some((hex_digit(hi)? << 4) | hex_digit(lo)?)
}

#[inline]
fn hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'A'..=b'F' => Some(c - b'A' + 10),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(bytes: &[u8]) -> u8 {
        bytes.iter().fold(0, |a, b| a ^ b)
    }

    #[test]
    fn folded_checksum_equals_bytewise_xor_for_every_length() {
        let data: Vec<u8> = (0..200u32).map(|i| (i * 37 + 11) as u8).collect();
        for n in 0..data.len() {
            assert_eq!(checksum(&data[..n]), naive(&data[..n]), "length {n}");
        }
    }

    #[test]
    fn hex_pairs() {
        assert_eq!(parse_hex_byte(b'4', b'a'), Some(0x4a));
        assert_eq!(parse_hex_byte(b'F', b'F'), Some(0xff));
        assert_eq!(parse_hex_byte(b'G', b'0'), None);
    }
}

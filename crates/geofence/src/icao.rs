//! State of registry from an ICAO 24-bit aircraft address: the blocks that
//! ICAO Annex 10, Volume III, Part I, Chapter 9 (Appendix, Table 9-1)
//! allocates to States.
//!
//! The table is `data/icao/address_blocks.csv` (see its header: written
//! from that table for the major States and spot-checked, not checked line
//! by line against the current edition), compiled into the crate as the
//! MID table is ([`crate::mid`]). A block nested in a larger one (Hong Kong
//! within China) wins over it.
//!
//! ```
//! use finisterra_geofence::icao::country_of_icao;
//! assert_eq!(country_of_icao(0x34_4123), Some("ES"));
//! assert_eq!(country_of_icao(0x49_0A01), Some("PT"));
//! assert_eq!(country_of_icao(0xA1_2345), Some("US"));
//! assert_eq!(country_of_icao(0x78_9123), Some("HK"));
//! assert_eq!(country_of_icao(0xF0_0000), None);
//! ```

use std::sync::OnceLock;

const TABLE_CSV: &str = include_str!("../../../data/icao/address_blocks.csv");

struct Block {
    start: u32,
    end: u32,
    alpha2: &'static str,
    name: &'static str,
}

fn hex(s: &str) -> Option<u32> {
    let s = s.trim();
    let s = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    u32::from_str_radix(s, 16).ok()
}

fn table() -> &'static [Block] {
    static TABLE: OnceLock<Vec<Block>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = Vec::new();
        for line in TABLE_CSV.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut it = line.splitn(4, ',');
            let (Some(a), Some(b), Some(alpha2), Some(name)) =
                (it.next(), it.next(), it.next(), it.next())
            else {
                continue;
            };
            let (Some(start), Some(end)) = (hex(a), hex(b)) else {
                continue;
            };
            if start <= end && end <= 0xFF_FFFF {
                t.push(Block {
                    start,
                    end,
                    alpha2: alpha2.trim(),
                    name: name.trim(),
                });
            }
        }
        t
    })
}

fn block_of(address: u32) -> Option<&'static Block> {
    table()
        .iter()
        .filter(|b| b.start <= address && address <= b.end)
        .min_by_key(|b| b.end - b.start)
}

/// ISO 3166-1 alpha-2 code of the State whose block holds the address
/// (`0x340000`–`0x37FFFF` → `"ES"`); `None` outside the blocks of the table
/// or beyond 24 bits.
pub fn country_of_icao(address: u32) -> Option<&'static str> {
    block_of(address).map(|b| b.alpha2)
}

/// The name of that State, as in the table.
pub fn country_name_of_icao(address: u32) -> Option<&'static str> {
    block_of(address).map(|b| b.name)
}

/// Parses a 24-bit address written in hexadecimal (`"4CA2D1"`, any case,
/// one to six digits); `None` otherwise.
pub fn parse_icao_hex(s: &str) -> Option<u32> {
    let s = s.trim();
    if s.is_empty() || s.len() > 6 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(s, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_read_whole_and_blocks_do_not_overlap_unless_nested() {
        let t = table();
        assert!(t.len() >= 70, "{}", t.len());
        for (i, a) in t.iter().enumerate() {
            assert_eq!(a.alpha2.len(), 2, "{}", a.name);
            for b in &t[i + 1..] {
                let overlap = a.start <= b.end && b.start <= a.end;
                let nested = (a.start <= b.start && b.end <= a.end)
                    || (b.start <= a.start && a.end <= b.end);
                assert!(!overlap || nested, "{} and {}", a.name, b.name);
            }
        }
    }

    #[test]
    fn hex_addresses() {
        assert_eq!(parse_icao_hex("4ca2d1"), Some(0x4C_A2D1));
        assert_eq!(parse_icao_hex(" 00000A "), Some(10));
        assert_eq!(parse_icao_hex("1000000"), None);
        assert_eq!(parse_icao_hex("xyz"), None);
        assert_eq!(parse_icao_hex(""), None);
        assert_eq!(country_name_of_icao(0x4CA2D1), Some("Ireland"));
    }
}

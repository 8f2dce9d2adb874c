//! Type 21: aid-to-navigation report.

use super::{lat_1e4, lon_1e4, Body, Dimensions};
use crate::bits::Bits;
use crate::text::Text;

/// Type 21: aid-to-navigation report.
#[derive(Debug, Clone, PartialEq)]
pub struct AidToNavigation {
    /// Type of aid (see [`aid_type_text`](crate::aid_type_text)): 1-15 fixed, 16-31 floating.
    pub aid_type: u8,
    /// Name, with the name extension appended.
    pub name: Text<34>,
    /// Position accuracy flag.
    pub accuracy: bool,
    /// Longitude, degrees.
    pub lon_deg: Option<f64>,
    /// Latitude, degrees.
    pub lat_deg: Option<f64>,
    /// Dimensions of the aid.
    pub dimensions: Dimensions,
    /// Type of EPFD.
    pub epfd: u8,
    /// UTC second.
    pub second: u8,
    /// Off-position indicator (meaningful for floating aids when second ≤ 59).
    pub off_position: bool,
    /// Regional reserved bits.
    pub regional: u8,
    /// RAIM flag.
    pub raim: bool,
    /// `true` for a virtual aid (no physical mark).
    pub virtual_aid: bool,
    /// Assigned mode.
    pub assigned: bool,
}

/// Decodes type 21.
pub(super) fn decode_aid_to_navigation(b: &Bits) -> Body {
    let bits = b.len();
    // The extension continues the 20-character name when that is
    // full (no '@' padding); trailing spaces of the first part
    // are kept, as they belong inside the joined name.
    let mut name = b.text_untrimmed::<34>(43, 20);
    if bits > 272 && name.len() == 20 {
        let ext_chars = ((bits - 272) / 6).min(14);
        let ext = b.text_untrimmed::<14>(272, ext_chars);
        for &c in ext.as_bytes() {
            name.push(c);
        }
    }
    name.trim_end();
    Body::AidToNavigation(AidToNavigation {
        aid_type: b.u(38, 5) as u8,
        name,
        accuracy: b.b(163),
        lon_deg: lon_1e4(b.i(164, 28)),
        lat_deg: lat_1e4(b.i(192, 27)),
        dimensions: Dimensions::read(b, 219),
        epfd: b.u(249, 4) as u8,
        second: b.u(253, 6) as u8,
        off_position: b.b(259),
        regional: b.u(260, 8) as u8,
        raim: b.b(268),
        virtual_aid: b.b(269),
        assigned: b.b(270),
    })
}

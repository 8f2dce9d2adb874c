//! Fixed-capacity ASCII text for 6-bit AIS strings (no allocation).

use std::fmt;

/// A short ASCII string held inline, at most `N` bytes: the decoded form of
/// an AIS 6-bit text field (names, call signs, destinations).
///
/// Decoding trims the `@` padding and trailing spaces. Only the 64
/// characters of the AIS 6-bit set ever appear (upper-case letters, digits,
/// space and punctuation), so the content is always valid UTF-8.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Text<const N: usize> {
    len: u8,
    buf: [u8; N],
}

impl<const N: usize> Default for Text<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Text<N> {
    /// The empty string.
    pub const fn new() -> Self {
        Text {
            len: 0,
            buf: [0u8; N],
        }
    }

    /// Builds a text from `s`, keeping at most `N` bytes; characters
    /// outside printable ASCII become `?`.
    pub fn from_str_lossy(s: &str) -> Self {
        let mut t = Self::new();
        for b in s.bytes() {
            if t.len as usize >= N {
                break;
            }
            t.push(if (32..127).contains(&b) { b } else { b'?' });
        }
        t
    }

    /// Appends one byte if there is room (silently ignored when full).
    #[inline]
    pub(crate) fn push(&mut self, b: u8) {
        let l = self.len as usize;
        if l < N {
            self.buf[l] = b;
            self.len += 1;
        }
    }

    /// Removes trailing spaces and `@` padding.
    #[inline]
    pub(crate) fn trim_end(&mut self) {
        while self.len > 0 && matches!(self.buf[self.len as usize - 1], b' ' | b'@') {
            self.len -= 1;
        }
    }

    /// The text.
    #[inline]
    pub fn as_str(&self) -> &str {
        // Only ASCII is ever pushed (6-bit characters or `from_str_lossy`).
        std::str::from_utf8(self.as_bytes()).unwrap_or("")
    }

    /// The text's bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len as usize]
    }

    /// Length in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// `true` for the empty string.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl<const N: usize> fmt::Debug for Text<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl<const N: usize> fmt::Display for Text<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<const N: usize> PartialEq<str> for Text<N> {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl<const N: usize> PartialEq<&str> for Text<N> {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

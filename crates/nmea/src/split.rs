//! Splitting a byte stream into lines, without I/O: bytes go in as they
//! arrive (any chunk boundaries), complete lines come out.
//!
//! One splitter serves every reader of the project (files, stdin, sockets),
//! so every input has the same idea of a line and the same length limit.

/// Longest line kept whole, in bytes (without its line ending). Longer lines
/// are cut to their first `MAX_LINE_BYTES` bytes and counted
/// ([`LineSplitter::cut_lines`]), so one endless line cannot grow memory.
///
/// 64 KiB covers every legitimate line with a wide margin: an NMEA sentence
/// is at most 82 characters, a tag block, a USCG/NAIS trailer or a leading
/// timestamp adds a few hundred more, and the longest are CSV rows (and
/// headers) of wide position exports, which reach a few KiB — a 4 KiB limit
/// would cut those. A cut line is rejected by whoever parses it (the framer
/// reports it as malformed), so the limit only bounds memory: at most one
/// partial line of 64 KiB per stream, small beside the read buffers.
pub const MAX_LINE_BYTES: usize = 64 * 1024;

/// Splits a byte stream into lines: `\n` ends a line, one `\r` before it is
/// removed, lines longer than [`MAX_LINE_BYTES`] are cut (and counted), and
/// a final line without `\n` comes out of [`LineSplitter::finish`].
///
/// Lines are lent, never allocated: a line that lies inside one chunk is a
/// slice of that chunk; only a line that straddles chunks is copied, once,
/// into a buffer the splitter reuses (at most [`MAX_LINE_BYTES`]).
///
/// Two ways to use it: [`LineSplitter::push`] with a closure, or
/// [`LineSplitter::next_line`] in a loop (which suits `async` code that
/// awaits between lines).
///
/// ```
/// use finisterra_nmea::LineSplitter;
///
/// let mut sp = LineSplitter::new();
/// let mut lines = Vec::new();
/// for chunk in [&b"!AIVDM,1\r\n!AI"[..], b"VDM,2\n", b"last"] {
///     sp.push(chunk, |n, line| lines.push((n, line.to_vec())));
/// }
/// if let Some((n, line)) = sp.finish() {
///     lines.push((n, line.to_vec()));
/// }
/// assert_eq!(
///     lines,
///     vec![(1, b"!AIVDM,1".to_vec()), (2, b"!AIVDM,2".to_vec()), (3, b"last".to_vec())]
/// );
/// ```
#[derive(Debug, Clone, Default)]
pub struct LineSplitter {
    /// The first bytes (at most [`MAX_LINE_BYTES`]) of a line that
    /// straddles chunks.
    carry: Vec<u8>,
    /// Bytes of the unfinished line seen so far (may exceed the limit).
    pending_bytes: usize,
    /// The last byte of the unfinished line (to recognise its `\r`).
    last: u8,
    /// `carry` holds a line already handed out: cleared on the next call.
    lent: bool,
    lines: u64,
    cut_lines: u64,
}

impl LineSplitter {
    /// An empty splitter.
    pub fn new() -> LineSplitter {
        LineSplitter::default()
    }

    /// Lines handed out so far (the number of the last one).
    pub fn lines(&self) -> u64 {
        self.lines
    }

    /// Lines that were longer than [`MAX_LINE_BYTES`] and were cut.
    pub fn cut_lines(&self) -> u64 {
        self.cut_lines
    }

    /// Bytes of an unfinished line held back, waiting for its end.
    pub fn pending_bytes(&self) -> usize {
        self.pending_bytes
    }

    /// The next complete line of `input` from `*pos` on, with its number
    /// (1-based, counted over everything this splitter has seen); `*pos`
    /// moves past the line's `\n`. `None` when `input[*pos..]` holds no
    /// further `\n`: its bytes are then kept as the start of the next line
    /// and `*pos` is `input.len()`.
    ///
    /// ```
    /// use finisterra_nmea::LineSplitter;
    ///
    /// let mut sp = LineSplitter::new();
    /// let chunk = b"a\nb\r\nc";
    /// let mut pos = 0;
    /// let mut got = Vec::new();
    /// while let Some((_, line)) = sp.next_line(chunk, &mut pos) {
    ///     got.push(line.to_vec());
    /// }
    /// assert_eq!(got, vec![b"a".to_vec(), b"b".to_vec()]);
    /// assert_eq!(sp.finish(), Some((3, &b"c"[..])));
    /// ```
    pub fn next_line<'a>(
        &'a mut self,
        input: &'a [u8],
        pos: &mut usize,
    ) -> Option<(u64, &'a [u8])> {
        if self.lent {
            self.carry.clear();
            self.lent = false;
        }
        let rest = input.get(*pos..).unwrap_or_default();
        let Some(p) = memchr::memchr(b'\n', rest) else {
            self.hold(rest);
            *pos = input.len();
            return None;
        };
        *pos += p + 1;
        self.lines += 1;
        let raw = &rest[..p];
        if self.pending_bytes == 0 {
            let line = raw.strip_suffix(b"\r").unwrap_or(raw);
            if line.len() > MAX_LINE_BYTES {
                self.cut_lines += 1;
                return Some((self.lines, &line[..MAX_LINE_BYTES]));
            }
            return Some((self.lines, line));
        }
        self.hold(raw);
        Some((self.lines, self.take_carry()))
    }

    /// Splits `input`, calling `f(line_number, line)` for every line it
    /// completes (a line begun in an earlier chunk included); an unfinished
    /// last line is kept for the next call or for [`LineSplitter::finish`].
    pub fn push(&mut self, input: &[u8], mut f: impl FnMut(u64, &[u8])) {
        let mut pos = 0;
        while let Some((n, line)) = self.next_line(input, &mut pos) {
            f(n, line);
        }
    }

    /// The end of the stream: the last line if it had no `\n` (with its
    /// number). The splitter can then take a new stream (line numbers go
    /// on).
    pub fn finish(&mut self) -> Option<(u64, &[u8])> {
        if self.lent {
            self.carry.clear();
            self.lent = false;
        }
        if self.pending_bytes == 0 {
            return None;
        }
        self.lines += 1;
        Some((self.lines, self.take_carry()))
    }

    /// Keeps `bytes` as (more of) the unfinished line, up to the limit.
    fn hold(&mut self, bytes: &[u8]) {
        let Some(&last) = bytes.last() else {
            return;
        };
        let room = MAX_LINE_BYTES.saturating_sub(self.carry.len());
        self.carry
            .extend_from_slice(&bytes[..bytes.len().min(room)]);
        self.pending_bytes = self.pending_bytes.saturating_add(bytes.len());
        self.last = last;
    }

    /// Hands out the unfinished line as complete (its `\r` removed, cut at
    /// the limit); `carry` is cleared on the next call.
    fn take_carry(&mut self) -> &[u8] {
        let len = self.pending_bytes - usize::from(self.last == b'\r');
        if len > MAX_LINE_BYTES {
            self.cut_lines += 1;
        }
        self.pending_bytes = 0;
        self.lent = true;
        // `carry` holds min(pending, MAX_LINE_BYTES) bytes: enough.
        &self.carry[..len.min(MAX_LINE_BYTES).min(self.carry.len())]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The definition, on the whole stream at once.
    fn reference(data: &[u8]) -> (Vec<Vec<u8>>, u64) {
        let mut lines = Vec::new();
        let mut cut = 0;
        let mut parts: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
        if parts.last().is_some_and(|l| l.is_empty()) {
            parts.pop();
        }
        for raw in parts {
            let l = raw.strip_suffix(b"\r").unwrap_or(raw);
            if l.len() > MAX_LINE_BYTES {
                cut += 1;
            }
            lines.push(l[..l.len().min(MAX_LINE_BYTES)].to_vec());
        }
        (lines, cut)
    }

    fn split_at(data: &[u8], cuts: &[usize]) -> (Vec<Vec<u8>>, u64) {
        let mut sp = LineSplitter::new();
        let mut out = Vec::new();
        let mut start = 0;
        let mut bounds: Vec<usize> = cuts.iter().map(|&c| c.min(data.len())).collect();
        bounds.sort_unstable();
        bounds.push(data.len());
        for end in bounds {
            sp.push(&data[start..end], |n, l| {
                assert_eq!(n, out.len() as u64 + 1);
                out.push(l.to_vec());
            });
            start = end;
        }
        if let Some((n, l)) = sp.finish() {
            assert_eq!(n, out.len() as u64 + 1);
            out.push(l.to_vec());
        }
        assert_eq!(sp.lines(), out.len() as u64);
        assert_eq!(sp.pending_bytes(), 0);
        (out, sp.cut_lines())
    }

    #[test]
    fn endings_blank_lines_and_last_line() {
        let (l, cut) = split_at(b"a\r\nb\n\n\r\nc", &[]);
        assert_eq!(
            l,
            vec![b"a".to_vec(), b"b".to_vec(), vec![], vec![], b"c".to_vec()]
        );
        assert_eq!(cut, 0);
        // Only one `\r` goes, and only before the `\n`.
        let (l, _) = split_at(b"a\r\r\nb\rc\n\r", &[3]);
        assert_eq!(l, vec![b"a\r".to_vec(), b"b\rc".to_vec(), vec![]]);
        assert_eq!(split_at(b"", &[]).0, Vec::<Vec<u8>>::new());
        assert_eq!(split_at(b"\n", &[0, 1]).0, vec![Vec::<u8>::new()]);
    }

    #[test]
    fn overlong_lines_are_cut_and_counted_wherever_the_chunks_fall() {
        let mut data = vec![b'!'; MAX_LINE_BYTES * 3];
        data.extend_from_slice(b"\nok\n");
        let mut exact = vec![b'x'; MAX_LINE_BYTES];
        exact.extend_from_slice(b"\r\n");
        data.extend_from_slice(&exact);
        data.extend_from_slice(&vec![b'y'; MAX_LINE_BYTES + 1]);
        for cuts in [
            vec![],
            vec![1, MAX_LINE_BYTES, MAX_LINE_BYTES * 3 + 1],
            vec![MAX_LINE_BYTES * 3 + 4 + MAX_LINE_BYTES],
            vec![MAX_LINE_BYTES * 3 + 5 + MAX_LINE_BYTES],
        ] {
            let (l, cut) = split_at(&data, &cuts);
            assert_eq!(l.len(), 4, "{cuts:?}");
            assert_eq!(l[0].len(), MAX_LINE_BYTES);
            assert_eq!(l[1], b"ok");
            assert_eq!(l[2], vec![b'x'; MAX_LINE_BYTES], "not cut: the \\r goes");
            assert_eq!(l[3].len(), MAX_LINE_BYTES);
            assert_eq!(cut, 2, "{cuts:?}");
        }
    }

    #[test]
    fn next_line_leaves_the_rest_for_later() {
        let mut sp = LineSplitter::new();
        let mut pos = 0;
        assert_eq!(sp.next_line(b"ab", &mut pos), None);
        assert_eq!(pos, 2);
        let chunk = b"c\r\nd\ne";
        pos = 0;
        assert_eq!(sp.next_line(chunk, &mut pos), Some((1, &b"abc"[..])));
        assert_eq!(pos, 3);
        assert_eq!(sp.next_line(chunk, &mut pos), Some((2, &b"d"[..])));
        assert_eq!(sp.next_line(chunk, &mut pos), None);
        assert_eq!(sp.pending_bytes(), 1);
        assert_eq!(sp.finish(), Some((3, &b"e"[..])));
        assert_eq!(sp.finish(), None);
        // A new stream after `finish`.
        let mut got = Vec::new();
        sp.push(b"f\ng", |n, l| got.push((n, l.to_vec())));
        assert_eq!(got, vec![(4, b"f".to_vec())]);
        assert_eq!(sp.finish(), Some((5, &b"g"[..])));
        // A position past the end is an empty chunk.
        pos = 99;
        assert_eq!(sp.next_line(b"x", &mut pos), None);
    }

    #[test]
    fn a_lone_carriage_return_at_the_end_is_an_empty_line() {
        assert_eq!(split_at(b"a\n\r", &[2]).0, vec![b"a".to_vec(), vec![]]);
    }

    /// Streams rich in line ends, `\r`s and long lines (the limit is large,
    /// so long runs are built from a few repeated bytes).
    fn stream() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            4 => proptest::collection::vec(
                prop_oneof![Just(b'\n'), Just(b'\r'), Just(b'!'), any::<u8>()],
                0..40
            ),
            1 => (MAX_LINE_BYTES - 3..MAX_LINE_BYTES + 3, any::<u8>())
                .prop_map(|(n, b)| vec![if b == b'\n' { b'a' } else { b }; n]),
        ];
        proptest::collection::vec(piece, 0..6).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn any_chunking_gives_the_same_lines(
            data in stream(),
            cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..12),
        ) {
            let cuts: Vec<usize> = cuts.iter().map(|i| i.index(data.len() + 1)).collect();
            let whole = split_at(&data, &[]);
            prop_assert_eq!(&whole, &reference(&data));
            prop_assert_eq!(split_at(&data, &cuts), whole);
        }

        #[test]
        fn byte_at_a_time_gives_the_same_lines(
            data in proptest::collection::vec(
                prop_oneof![Just(b'\n'), Just(b'\r'), any::<u8>()],
                0..300
            ),
        ) {
            let every: Vec<usize> = (0..=data.len()).collect();
            prop_assert_eq!(split_at(&data, &every), reference(&data));
        }
    }
}

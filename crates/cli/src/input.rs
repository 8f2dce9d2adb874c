//! Reading inputs line by line: plain files, gzip files and stdin, streamed
//! through one reused buffer (memory stays flat whatever the file size).
//!
//! Every input counts the bytes it reads as they are on disk (compressed
//! for gzip, [`CountingReader`] under the decoder): progress bars compare
//! that count with the file size, never the decompressed bytes.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};
use finisterra_nmea::LineSplitter;

/// Bytes read so far from an input as they are on disk (compressed for
/// gzip), shared with a progress display on another thread.
pub type Counter = Arc<AtomicU64>;

/// A reader that adds the bytes it reads to a [`Counter`].
pub struct CountingReader<R> {
    inner: R,
    n: Counter,
}

impl<R> CountingReader<R> {
    /// Counts what `inner` reads into `n`.
    pub fn new(inner: R, n: Counter) -> CountingReader<R> {
        CountingReader { inner, n }
    }
}

impl<R: Read> Read for CountingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n.fetch_add(k as u64, Ordering::Relaxed);
        Ok(k)
    }
}

/// Opens `path` (`-` for stdin) for reading, its bytes on disk counted
/// into `counter`, gzip (recognised by its magic bytes) decompressed above
/// the count.
pub fn open_raw(path: &str, counter: Counter) -> Result<Box<dyn BufRead + Send>> {
    let raw: Box<dyn Read + Send> = if path == "-" {
        Box::new(io::stdin())
    } else {
        Box::new(File::open(Path::new(path)).with_context(|| format!("cannot open {path}"))?)
    };
    decompressed(path, Box::new(CountingReader::new(raw, counter)))
}

/// `r` buffered, through a gzip decoder when it starts with gzip's magic
/// bytes.
fn decompressed(name: &str, r: Box<dyn Read + Send>) -> Result<Box<dyn BufRead + Send>> {
    let mut buf = BufReader::with_capacity(1 << 20, r);
    let head = buf
        .fill_buf()
        .with_context(|| format!("cannot read {name}"))?;
    Ok(if head.starts_with(&[0x1f, 0x8b]) {
        Box::new(BufReader::with_capacity(
            1 << 20,
            flate2::bufread::MultiGzDecoder::new(buf),
        ))
    } else {
        Box::new(buf)
    })
}

/// An opened input with its display name.
pub struct Input {
    /// `stdin` or the path as given.
    pub name: String,
    reader: Box<dyn BufRead + Send>,
    read: Counter,
}

impl Input {
    /// Opens `path` (`-` for stdin). Gzip is recognised by its magic bytes.
    pub fn open(path: &str) -> Result<Input> {
        let read = Counter::default();
        let reader = open_raw(path, read.clone())?;
        let name = if path == "-" { "stdin" } else { path };
        Ok(Input {
            name: name.to_string(),
            reader,
            read,
        })
    }

    /// Wraps any reader, detecting gzip.
    #[cfg(test)]
    pub fn from_reader(name: String, r: Box<dyn Read + Send>) -> Result<Input> {
        let read = Counter::default();
        let reader = decompressed(&name, Box::new(CountingReader::new(r, read.clone())))?;
        Ok(Input { name, reader, read })
    }

    /// The count of bytes read so far as they are on disk (compressed for
    /// gzip: compare it with the file size), updated as the input is read.
    pub fn bytes_read(&self) -> Counter {
        self.read.clone()
    }

    /// Calls `f(line_number, line)` for every line (1-based, without the
    /// line ending; split by [`LineSplitter`], so over-long lines are cut at
    /// [`finisterra_nmea::MAX_LINE_BYTES`]). Returns the number of lines.
    pub fn for_each_line(&mut self, mut f: impl FnMut(u64, &[u8])) -> Result<u64> {
        self.for_each_line_while(|n, line| {
            f(n, line);
            true
        })
    }

    /// [`Input::for_each_line`] while `f` returns `true`: once it returns
    /// `false` (the reader of the messages is gone), no line is given to it
    /// any more and nothing more is read. Returns the number of lines split.
    pub fn for_each_line_while(&mut self, mut f: impl FnMut(u64, &[u8]) -> bool) -> Result<u64> {
        let mut splitter = LineSplitter::new();
        let go_on = std::cell::Cell::new(true);
        let mut g = |n: u64, line: &[u8]| {
            if go_on.get() {
                go_on.set(f(n, line));
            }
        };
        loop {
            let chunk = match self.reader.fill_buf() {
                Ok(c) => c,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e).with_context(|| format!("error reading {}", self.name)),
            };
            if chunk.is_empty() {
                break;
            }
            let len = chunk.len();
            splitter.push(chunk, &mut g);
            self.reader.consume(len);
            if !go_on.get() {
                return Ok(splitter.lines());
            }
        }
        if let Some((n, line)) = splitter.finish() {
            g(n, line);
        }
        Ok(splitter.lines())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use finisterra_nmea::MAX_LINE_BYTES;
    use std::io::Write;

    fn lines_of(data: Vec<u8>) -> Vec<Vec<u8>> {
        let mut input = Input::from_reader("t".into(), Box::new(io::Cursor::new(data))).unwrap();
        let mut out = Vec::new();
        input.for_each_line(|_, l| out.push(l.to_vec())).unwrap();
        out
    }

    #[test]
    fn splits_lines_and_keeps_last_without_newline() {
        let l = lines_of(b"a\r\nb\n\nc".to_vec());
        assert_eq!(
            l,
            vec![b"a".to_vec(), b"b".to_vec(), b"".to_vec(), b"c".to_vec()]
        );
    }

    #[test]
    fn stops_giving_lines_once_told() {
        let data: Vec<u8> = (0..10)
            .flat_map(|i| format!("{i}\n").into_bytes())
            .collect();
        let mut input = Input::from_reader("t".into(), Box::new(io::Cursor::new(data))).unwrap();
        let mut seen = Vec::new();
        input
            .for_each_line_while(|n, l| {
                seen.push((n, l.to_vec()));
                n < 3
            })
            .unwrap();
        assert_eq!(
            seen,
            vec![(1, b"0".to_vec()), (2, b"1".to_vec()), (3, b"2".to_vec())]
        );
    }

    #[test]
    fn reads_gzip() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"x\ny\n").unwrap();
        let l = lines_of(gz.finish().unwrap());
        assert_eq!(l, vec![b"x".to_vec(), b"y".to_vec()]);
    }

    #[test]
    fn counts_the_bytes_on_disk_not_the_decompressed_ones() {
        let mut plain = Vec::new();
        for i in 0..20_000 {
            writeln!(
                plain,
                "!AIVDM,1,1,,A,line {i} repeated to compress well,0*00"
            )
            .unwrap();
        }
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&plain).unwrap();
        let gz = gz.finish().unwrap();
        assert!(gz.len() * 4 < plain.len());
        for (data, expect) in [(plain.clone(), plain.len()), (gz.clone(), gz.len())] {
            let mut input =
                Input::from_reader("t".into(), Box::new(io::Cursor::new(data))).unwrap();
            let read = input.bytes_read();
            let mut max_seen = 0;
            let lines = input
                .for_each_line(|_, _| max_seen = max_seen.max(read.load(Ordering::Relaxed)))
                .unwrap();
            assert_eq!(lines, 20_000);
            assert!(max_seen as usize <= expect, "{max_seen} > {expect}");
            assert_eq!(read.load(Ordering::Relaxed) as usize, expect);
        }
    }

    #[test]
    fn overlong_lines_are_cut() {
        let mut data = vec![b'!'; MAX_LINE_BYTES * 3];
        data.extend_from_slice(b"\nok\n");
        let l = lines_of(data);
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].len(), MAX_LINE_BYTES);
        assert_eq!(l[1], b"ok");
    }
}

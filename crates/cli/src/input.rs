//! Reading inputs line by line: plain files, gzip files and stdin, streamed
//! through one reused buffer (memory stays flat whatever the file size).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use anyhow::{Context, Result};
use finisterra_nmea::LineSplitter;

/// An opened input with its display name.
pub struct Input {
    /// `stdin` or the path as given.
    pub name: String,
    reader: Box<dyn BufRead + Send>,
}

impl Input {
    /// Opens `path` (`-` for stdin). Gzip is recognised by its magic bytes.
    pub fn open(path: &str) -> Result<Input> {
        if path == "-" {
            return Input::from_reader("stdin".to_string(), Box::new(io::stdin()));
        }
        let f = File::open(Path::new(path)).with_context(|| format!("cannot open {path}"))?;
        Input::from_reader(path.to_string(), Box::new(f))
    }

    /// Wraps any reader, detecting gzip.
    pub fn from_reader(name: String, r: Box<dyn Read + Send>) -> Result<Input> {
        let mut buf = BufReader::with_capacity(1 << 20, r);
        let head = buf
            .fill_buf()
            .with_context(|| format!("cannot read {name}"))?;
        let reader: Box<dyn BufRead + Send> = if head.starts_with(&[0x1f, 0x8b]) {
            Box::new(BufReader::with_capacity(
                1 << 20,
                flate2::bufread::MultiGzDecoder::new(buf),
            ))
        } else {
            Box::new(buf)
        };
        Ok(Input { name, reader })
    }

    /// Calls `f(line_number, line)` for every line (1-based, without the
    /// line ending; split by [`LineSplitter`], so over-long lines are cut at
    /// [`finisterra_nmea::MAX_LINE_BYTES`]). Returns the number of lines.
    pub fn for_each_line(&mut self, mut f: impl FnMut(u64, &[u8])) -> Result<u64> {
        let mut splitter = LineSplitter::new();
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
            splitter.push(chunk, &mut f);
            self.reader.consume(len);
        }
        if let Some((n, line)) = splitter.finish() {
            f(n, line);
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
    fn reads_gzip() {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"x\ny\n").unwrap();
        let l = lines_of(gz.finish().unwrap());
        assert_eq!(l, vec![b"x".to_vec(), b"y".to_vec()]);
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

//! Read: stream a file (or any reader) in overlapping chunks, so memory stays bounded
//! whatever the file's size and a value that straddles a chunk boundary is still whole
//! in one chunk.

use std::io::{self, Read};
use std::ops::Range;

use super::decode::{self, TextEncoding};
use crate::text::char_count;

/// Bytes read per chunk.
pub const CHUNK: usize = 8 << 20;
/// Bytes read first, to tell text from binary (at least [`decode::SNIFF_LEN`]).
const PROBE: usize = 64 << 10;
/// Bytes shared by consecutive chunks. A value (and the context its rule reads) shorter
/// than half of this is always whole inside one chunk's report range.
pub const OVERLAP: usize = 128 << 10;

/// One piece of a file, ready for detection.
#[derive(Debug)]
pub struct Chunk<'a> {
    pub data: &'a [u8],
    /// Line number of `data[0]`.
    pub base_line: usize,
    /// Characters of `data[0]`'s line that lie before it, in earlier chunks (0 when a
    /// chunk starts a line): a column on a line longer than a chunk counts from the
    /// line's real start.
    pub base_column: usize,
    /// Detections that start in this range belong to this chunk; the rest belong to the
    /// chunk before or after.
    pub report: Range<usize>,
    /// Set when the text was decoded (`utf-16le`, `utf-16be`).
    pub encoding: Option<&'static str>,
}

/// What reading a whole input found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadSummary {
    /// Bytes read from the input.
    pub bytes: u64,
    /// The input looked binary; only the text before its first NUL byte was scanned.
    pub binary: bool,
    /// The input held more than the size limit; the rest was not read.
    pub truncated: bool,
    /// Values found past the most findings one input may give (see
    /// [`crate::scan::DEFAULT_MAX_FINDINGS_PER_FILE`]): counted, not reported.
    pub findings_dropped: u64,
}

/// A reusable chunked reader: one per thread, its buffer reused for every file.
#[derive(Debug)]
pub struct ChunkReader {
    buf: Filled,
    decoded: Vec<u8>,
    chunk: usize,
    overlap: usize,
}

impl Default for ChunkReader {
    fn default() -> Self {
        ChunkReader::new(CHUNK, OVERLAP)
    }
}

/// The input read so far, `bytes[..len]`. The rest of `bytes` is memory kept from earlier
/// inputs (zeroed once, when the buffer grew), so each read asks for all the room up to
/// what is wanted: a small file takes one read and the one that finds its end. (Reading
/// through `read_to_end` instead starts every file at 8 KiB a read and doubles.)
#[derive(Debug, Default)]
struct Filled {
    bytes: Vec<u8>,
    len: usize,
}

/// The least a buffer grows by.
const MIN_GROWTH: usize = 64 << 10;

impl Filled {
    fn get(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    fn len(&self) -> usize {
        self.len
    }

    fn clear(&mut self) {
        self.len = 0;
    }

    /// Reads until `want` bytes are held or the reader ends. Returns true at end of input.
    fn fill<R: Read>(&mut self, r: &mut R, want: usize) -> io::Result<bool> {
        while self.len < want {
            if self.len == self.bytes.len() {
                // grow by doubling, never past what is wanted: a small input does not
                // zero a whole chunk
                let grown = self.bytes.len().saturating_mul(2).max(MIN_GROWTH);
                self.bytes.resize(grown.min(want), 0);
            }
            let end = want.min(self.bytes.len());
            match r.read(&mut self.bytes[self.len..end]) {
                Ok(0) => return Ok(true),
                Ok(n) => self.len += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(false)
    }

    /// Drops the first `n` bytes held.
    fn drop_front(&mut self, n: usize) {
        self.bytes.copy_within(n..self.len, 0);
        self.len -= n;
    }
}

impl ChunkReader {
    /// A reader with a custom chunk and overlap size (tests use small ones).
    pub fn new(chunk: usize, overlap: usize) -> ChunkReader {
        assert!(overlap * 2 <= chunk && overlap >= 2);
        ChunkReader {
            buf: Filled::default(),
            decoded: Vec::new(),
            chunk,
            overlap,
        }
    }

    /// Reads `r` to its end (or `max_bytes`) and calls `f` once per chunk.
    ///
    /// Binary input (a NUL byte near the start) is scanned only up to its first NUL unless
    /// `scan_binary`. UTF-16 input is decoded to UTF-8 first; it is read whole, up to
    /// `max_bytes`.
    pub fn read<R: Read>(
        &mut self,
        r: R,
        max_bytes: u64,
        scan_binary: bool,
        f: impl FnMut(Chunk<'_>),
    ) -> io::Result<ReadSummary> {
        self.read_checked(r, max_bytes, scan_binary, || Ok(()), f)
    }

    /// [`ChunkReader::read`], calling `check` before reading past the first read (64 KiB)
    /// when the input holds more: its error ends the read, and nothing has been scanned.
    /// A file's size and kind need looking up (one more system call) only then: most files
    /// end within the first read.
    pub fn read_checked<R: Read>(
        &mut self,
        r: R,
        max_bytes: u64,
        scan_binary: bool,
        check: impl FnOnce() -> io::Result<()>,
        f: impl FnMut(Chunk<'_>),
    ) -> io::Result<ReadSummary> {
        self.read_limited(r, max_bytes, max_bytes, scan_binary, check, f)
    }

    /// Reads a stream of any length (standard input) in chunks, as a file is read: only
    /// what is decoded whole (UTF-16) is bounded, by `whole_max`; past it the summary says
    /// `truncated`.
    pub fn read_stream<R: Read>(
        &mut self,
        r: R,
        whole_max: u64,
        scan_binary: bool,
        f: impl FnMut(Chunk<'_>),
    ) -> io::Result<ReadSummary> {
        self.read_limited(r, u64::MAX, whole_max, scan_binary, || Ok(()), f)
    }

    fn read_limited<R: Read>(
        &mut self,
        mut r: R,
        max_bytes: u64,
        whole_max: u64,
        scan_binary: bool,
        check: impl FnOnce() -> io::Result<()>,
        mut f: impl FnMut(Chunk<'_>),
    ) -> io::Result<ReadSummary> {
        let mut summary = ReadSummary::default();
        let limit = usize::try_from(max_bytes).unwrap_or(usize::MAX);
        let whole_limit = usize::try_from(whole_max.min(max_bytes)).unwrap_or(usize::MAX);
        self.buf.clear();
        // A first, small read decides text or binary: a binary file (or archive member,
        // which costs inflating) is never read past it.
        let mut eof = self.buf.fill(&mut r, PROBE.min(self.chunk).min(limit))?;
        summary.bytes = self.buf.len() as u64;
        if !eof {
            check()?;
        }

        let (enc, bom) = decode::sniff(self.buf.get());
        if enc != TextEncoding::Bytes {
            // UTF-16: read the rest (bounded by the limit) and decode in one piece.
            if !eof {
                eof = self.buf.fill(&mut r, whole_limit)?;
            }
            summary.bytes = self.buf.len() as u64;
            summary.truncated = !eof && at_limit(&mut r, self.buf.len(), whole_limit)?;
            self.decoded.clear();
            decode::decode_utf16(&self.buf.get()[bom..], enc, &mut self.decoded);
            f(Chunk {
                data: &self.decoded,
                base_line: 1,
                base_column: 0,
                report: 0..self.decoded.len(),
                encoding: enc.label(),
            });
            self.shrink();
            return Ok(summary);
        }

        let binary = decode::is_binary(self.buf.get());
        let stop_early = binary && !scan_binary;
        if !eof && !stop_early {
            eof = self.buf.fill(&mut r, self.chunk.min(limit))?;
            summary.bytes = self.buf.len() as u64;
        }
        if binary {
            summary.binary = true;
            if !scan_binary {
                let nul = memchr::memchr(0, self.buf.get()).unwrap_or(self.buf.len());
                f(Chunk {
                    data: &self.buf.get()[..nul],
                    base_line: 1,
                    base_column: 0,
                    report: 0..nul,
                    encoding: None,
                });
                self.shrink();
                return Ok(summary);
            }
        }

        let mut base_line = 1usize;
        let mut base_column = 0usize;
        let mut first = true;
        let mut total = self.buf.len();
        loop {
            let last = eof || total >= limit;
            let report_from = if first { 0 } else { self.overlap / 2 };
            let report_to = if last {
                self.buf.len()
            } else {
                self.buf.len() - self.overlap / 2
            };
            f(Chunk {
                data: self.buf.get(),
                base_line,
                base_column,
                report: report_from..report_to,
                encoding: None,
            });
            if last {
                if !eof {
                    summary.truncated = at_limit(&mut r, total, limit)?;
                }
                break;
            }
            // keep the overlap, read the next chunk after it
            let keep_from = self.buf.len() - self.overlap;
            let dropped = &self.buf.get()[..keep_from];
            base_line += memchr::memchr_iter(b'\n', dropped).count();
            base_column = match memchr::memrchr(b'\n', dropped) {
                Some(nl) => char_count(&dropped[nl + 1..]),
                None => base_column + char_count(dropped),
            };
            self.buf.drop_front(keep_from);
            first = false;
            let want = self.chunk.min(self.overlap + (limit - total));
            let before = self.buf.len();
            eof = self.buf.fill(&mut r, want)?;
            total += self.buf.len() - before;
        }
        summary.bytes = total as u64;
        self.shrink();
        Ok(summary)
    }

    /// [`ChunkReader::read`] over bytes already in memory (an archive member, a git
    /// blob): a text input that fits in one chunk is handed over where it lies instead of
    /// being copied into the reader's buffer. The chunks, and the summary, are those
    /// `read` gives for the same bytes.
    pub fn read_bytes(
        &mut self,
        data: &[u8],
        max_bytes: u64,
        scan_binary: bool,
        mut f: impl FnMut(Chunk<'_>),
    ) -> ReadSummary {
        let limit = usize::try_from(max_bytes).unwrap_or(usize::MAX);
        let probe = &data[..data.len().min(PROBE.min(self.chunk).min(limit))];
        // (a stream that fills a chunk exactly cannot know it ended, and reads on)
        if data.len() >= self.chunk
            || data.len() > limit
            || decode::sniff(probe).0 != TextEncoding::Bytes
        {
            // several chunks, a truncated input or UTF-16: the reader's own path
            return self
                .read(data, max_bytes, scan_binary, f)
                .unwrap_or_default(); // reading a slice cannot fail
        }
        let binary = decode::is_binary(probe);
        let data = if binary && !scan_binary {
            // only the probe would have been read: the scan stops at its first NUL
            &probe[..memchr::memchr(0, probe).unwrap_or(probe.len())]
        } else {
            data
        };
        f(Chunk {
            data,
            base_line: 1,
            base_column: 0,
            report: 0..data.len(),
            encoding: None,
        });
        ReadSummary {
            bytes: if binary && !scan_binary {
                probe.len()
            } else {
                data.len()
            } as u64,
            binary,
            truncated: false,
            findings_dropped: 0,
        }
    }

    /// Releases memory after an unusually large input.
    fn shrink(&mut self) {
        if self.buf.bytes.len() > 2 * self.chunk {
            self.buf = Filled::default();
        }
        if self.decoded.capacity() > 2 * self.chunk {
            self.decoded = Vec::new();
        }
    }
}

/// At the size limit: is there more input?
fn at_limit<R: Read>(r: &mut R, have: usize, limit: usize) -> io::Result<bool> {
    if have < limit {
        return Ok(false);
    }
    let mut one = [0u8; 1];
    loop {
        match r.read(&mut one) {
            Ok(n) => return Ok(n > 0),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Collects (base_line, reported text) per chunk.
    fn chunks(data: &[u8], chunk: usize, overlap: usize) -> Vec<(usize, Vec<u8>, Vec<u8>)> {
        let mut r = ChunkReader::new(chunk, overlap);
        let mut out = Vec::new();
        r.read(data, u64::MAX, false, |c| {
            out.push((
                c.base_line,
                c.data.to_vec(),
                c.data[c.report.clone()].to_vec(),
            ))
        })
        .unwrap();
        out
    }

    #[test]
    fn report_ranges_tile_the_input() {
        let data: Vec<u8> = (0..1000u32)
            .map(|i| {
                if i % 7 == 0 {
                    b'\n'
                } else {
                    b'a' + (i % 26) as u8
                }
            })
            .collect();
        let cs = chunks(&data, 64, 16);
        assert!(cs.len() > 10);
        let joined: Vec<u8> = cs.iter().flat_map(|c| c.2.clone()).collect();
        assert_eq!(joined, data);
        // each chunk starts `overlap` bytes before the previous one ended
        let mut start = 0usize;
        for (base, full, _) in &cs {
            assert_eq!(&data[start..start + full.len()], &full[..]);
            assert_eq!(
                *base,
                1 + data[..start].iter().filter(|&&b| b == b'\n').count()
            );
            start += full.len() - 16;
        }
    }

    #[test]
    fn binary_stops_at_nul() {
        let cs = chunks(b"key LTAIabc\0\0\0binary", 64, 16);
        assert_eq!(cs.len(), 1);
        assert_eq!(cs[0].1, b"key LTAIabc");
    }

    #[test]
    fn binary_input_is_not_read_past_the_probe() {
        // what a reader (an archive member being inflated, say) was asked for
        struct Counted<'a>(&'a [u8], usize);
        impl Read for Counted<'_> {
            fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
                let n = out.len().min(self.0.len() - self.1);
                out[..n].copy_from_slice(&self.0[self.1..self.1 + n]);
                self.1 += n;
                Ok(n)
            }
        }
        let mut data = b"key LTAIabc\0".to_vec();
        data.resize(4 << 20, 7);
        let mut r = ChunkReader::default();
        let mut src = Counted(&data, 0);
        let mut seen = Vec::new();
        let s = r
            .read(&mut src, u64::MAX, false, |c| {
                seen.extend_from_slice(c.data)
            })
            .unwrap();
        assert!(s.binary);
        assert_eq!(seen, b"key LTAIabc");
        assert!(src.1 <= PROBE, "read {} bytes", src.1);
        // text goes on to the whole input
        let text = vec![b'a'; 3 << 20];
        let mut src = Counted(&text, 0);
        let mut n = 0;
        r.read(&mut src, u64::MAX, false, |c| n += c.report.len())
            .unwrap();
        assert_eq!((n, src.1), (text.len(), text.len()));
    }

    /// (summary, [(base_line, data, report)]) of one way of reading.
    type Seen = (ReadSummary, Vec<(usize, Vec<u8>, Range<usize>)>);

    #[test]
    fn bytes_in_memory_read_as_a_stream_would() {
        let mut inputs: Vec<Vec<u8>> = vec![
            Vec::new(),
            b"x".to_vec(),
            b"key = LTAI5tAbCdEfGhIjKlMnOpQr\r\nno newline".to_vec(),
            b"text then\0binary\0".to_vec(),
            b"\xff\xfek\0e\0y\0".to_vec(), // UTF-16LE with a BOM
            vec![b'a'; 200],               // several chunks of 64
            vec![b'a'; 64],                // exactly one chunk
        ];
        // binary past the first read, and binary within it
        let mut late_nul = vec![b'a'; PROBE + 4000];
        late_nul[PROBE + 100] = 0;
        let mut early_nul = late_nul.clone();
        early_nul[3000] = 0;
        inputs.extend([late_nul, early_nul]);
        let sizes = [(64, 16), (CHUNK, OVERLAP)];
        for data in &inputs {
            for ((chunk, overlap), (max, bin)) in sizes
                .into_iter()
                .flat_map(|s| [(u64::MAX, false), (u64::MAX, true), (50, false)].map(|m| (s, m)))
            {
                let mut r = ChunkReader::new(chunk, overlap);
                let mut streamed: Seen = Default::default();
                streamed.0 = r
                    .read(&data[..], max, bin, |c| {
                        streamed.1.push((c.base_line, c.data.to_vec(), c.report))
                    })
                    .unwrap();
                let mut direct: Seen = Default::default();
                direct.0 = r.read_bytes(data, max, bin, |c| {
                    direct.1.push((c.base_line, c.data.to_vec(), c.report))
                });
                let shown = String::from_utf8_lossy(&data[..data.len().min(40)]);
                assert_eq!(
                    streamed,
                    direct,
                    "{shown:?} ({} bytes), chunk {chunk}, max {max}, scan_binary {bin}",
                    data.len()
                );
            }
        }
    }

    /// A reader that counts its calls and gives at most `most` bytes a call.
    struct Trickle<'a> {
        data: &'a [u8],
        at: usize,
        most: usize,
        calls: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            self.calls += 1;
            let n = out.len().min(self.most).min(self.data.len() - self.at);
            out[..n].copy_from_slice(&self.data[self.at..self.at + n]);
            self.at += n;
            Ok(n)
        }
    }

    /// Reads `data` through `r`, at most `most` bytes a call: what was reported, and how
    /// many calls it took.
    fn read_trickled(r: &mut ChunkReader, data: &[u8], most: usize) -> (Vec<u8>, usize) {
        let mut src = Trickle {
            data,
            at: 0,
            most,
            calls: 0,
        };
        let mut seen = Vec::new();
        r.read(&mut src, u64::MAX, false, |c| {
            seen.extend_from_slice(&c.data[c.report])
        })
        .unwrap();
        (seen, src.calls)
    }

    #[test]
    fn each_read_asks_for_all_the_room_there_is() {
        let mut r = ChunkReader::default();
        for size in [0, 1, 24_000, PROBE - 1, PROBE, PROBE + 1, 3 << 20] {
            let data: Vec<u8> = (0..size).map(|i| b'a' + (i % 26) as u8).collect();
            // a file gives all it has to one read: its bytes, then the read that finds
            // its end, plus one per doubling of a buffer that was too small
            for round in 0..2 {
                let (seen, calls) = read_trickled(&mut r, &data, usize::MAX);
                assert_eq!(seen, data, "{size} bytes");
                let first_read = usize::from(size > 0) + usize::from(size >= PROBE);
                let limit = match round {
                    0 => first_read + 1 + (size / MIN_GROWTH + 1).ilog2() as usize,
                    _ => first_read + 1, // the buffer is grown already
                };
                assert!(calls <= limit, "{size} bytes, round {round}: {calls} reads");
            }
            // short reads (a pipe, an inflating member) give the same chunks
            let (seen, _) = read_trickled(&mut r, &data, 7_777);
            assert_eq!(seen, data, "{size} bytes, short reads");
        }
    }

    #[test]
    fn limit_truncates() {
        let mut r = ChunkReader::new(64, 16);
        let data = vec![b'a'; 1000];
        let mut seen = 0;
        let s = r
            .read(&data[..], 100, false, |c| seen += c.report.len())
            .unwrap();
        assert!(s.truncated);
        assert!(seen <= 100);
    }
}

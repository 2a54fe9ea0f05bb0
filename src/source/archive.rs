//! Archives: the members of zip-family files (zip, jar, war, whl, apk, docx, xlsx…), tar,
//! tar.gz and single gzip files, handed to the same per-buffer scan as any file, under a
//! display path such as `outer.zip!inner/path.py`.
//!
//! Nothing an archive declares is trusted: every member is read through a byte budget, so
//! a zip bomb costs at most the budget before it is reported and dropped. Archives inside
//! archives are opened down to a depth; deeper ones are reported.

use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Cursor, Read, Seek};
use std::sync::Mutex;

use flate2::read::MultiGzDecoder;

use super::decode::{self, TextEncoding};
use super::walk::SkipReason;

/// The archive formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Zip,
    Tar,
    TarGz,
    Gzip,
}

/// Limits for one top-level archive and everything inside it.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest archive opened: 1 is the file itself, 2 an archive inside it.
    pub depth: u32,
    /// Largest member read.
    pub max_member: u64,
    /// Most bytes decompressed from one top-level archive, nested ones included.
    pub max_total: u64,
    /// Most entries read from one archive (each nested one counts its own); the rest
    /// are counted and reported.
    pub max_entries: u64,
    /// Read binary members whole (`--scan-binary`). Otherwise a member whose first read
    /// shows binary content is handed over as that read alone and not inflated further:
    /// the scan of a binary stops at its first NUL byte anyway.
    pub scan_binary: bool,
}

/// The first read of a member, which decides text or binary (as for files, see
/// `source::read`).
const PROBE: u64 = 64 << 10;

/// The most room reserved up front for a member's declared size.
const RESERVE_MAX: u64 = 8 << 20;

/// A zip member's content that checks only the CRC-32 its entry declares, at the end of
/// the stream. The declared sizes are not trusted either way: a member is read for what
/// it holds (within the budgets), and a checksum that does not match is an error, so the
/// member is reported unreadable rather than scanned as if it were sound.
struct CrcChecked<R> {
    inner: R,
    crc: libdeflater::Crc,
    want: u32,
}

impl<R: Read> CrcChecked<R> {
    fn new(inner: R, want: u32) -> Self {
        CrcChecked {
            inner,
            crc: libdeflater::Crc::new(),
            want,
        }
    }
}

impl<R: Read> Read for CrcChecked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n > 0 {
            self.crc.update(&buf[..n]);
        } else if !buf.is_empty() && self.crc.sum() != self.want {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "checksum mismatch: declared {:#010x}, content {:#010x}",
                    self.want,
                    self.crc.sum()
                ),
            ));
        }
        Ok(n)
    }
}

/// A member whose size exceeds its compressed size this many times (and
/// [`BOMB_MIN_SIZE`]) is a compression bomb.
const BOMB_RATIO: u64 = 200;
const BOMB_MIN_SIZE: u64 = 16 << 20;

/// Room for the longest record of a zip's central directory (its fixed part and three
/// fields of up to 64 KiB each).
const ZIP_DIR_BUFFER: usize = 46 + 3 * 65_535;

/// Longest member name shown whole, in bytes.
pub const MAX_NAME: usize = 4096;

/// What walking an archive produces.
pub enum Event<'a> {
    /// A member's content, under its display path. `key` is set for a zip member that can
    /// be remembered in [`CleanMembers`] when its scan finds nothing.
    Member {
        path: &'a str,
        data: &'a [u8],
        key: Option<MemberKey>,
    },
    /// A member identical to one already found clean in this scan (same name, same
    /// compressed bytes): not inflated again. `size` is its decompressed size.
    Known { path: &'a str, size: u64 },
    /// A member's name too long to show whole: it is scanned under a shortened one.
    NameCut { path: &'a str, detail: String },
    /// A member not scanned (or an archive not read), with why.
    Skip {
        path: &'a str,
        reason: SkipReason,
        detail: String,
    },
}

/// A zip member's identity for [`CleanMembers`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MemberKey {
    hash: u64,
    size: u64,
    crc: u32,
}

/// Zip members a scan found clean, so that a copy of the same member in another archive
/// (a wheel bundled twice, one jar in every module, two releases of a package sharing most
/// files) is neither inflated nor scanned again. A member is known by its size, its
/// checksum and a hash of its name inside the archive (the name decides how it is
/// scanned) and of its compressed bytes (the same compressed bytes inflate to the same
/// content). The hash is keyed at random for every scan, so no archive can be built to
/// collide with a member of another one and hide a secret behind it.
#[derive(Debug)]
pub struct CleanMembers {
    hasher: ahash::RandomState,
    keys: Mutex<HashSet<MemberKey>>,
    /// Most members remembered: memory stays bounded (about 40 bytes a member) however
    /// many archives a tree holds; past it, members are simply read again.
    limit: usize,
}

impl Default for CleanMembers {
    fn default() -> Self {
        CleanMembers::with_limit(1 << 19)
    }
}

impl CleanMembers {
    pub fn with_limit(limit: usize) -> CleanMembers {
        CleanMembers {
            hasher: ahash::RandomState::new(),
            keys: Mutex::new(HashSet::new()),
            limit,
        }
    }

    pub fn key(&self, name: &str, size: u64, crc: u32, compressed: &[u8]) -> MemberKey {
        let mut h = self.hasher.build_hasher();
        h.write_usize(name.len());
        h.write(name.as_bytes());
        h.write(compressed);
        MemberKey {
            hash: h.finish(),
            size,
            crc,
        }
    }

    pub fn contains(&self, key: MemberKey) -> bool {
        self.keys.lock().is_ok_and(|k| k.contains(&key))
    }

    /// Remembers a member whose scan found nothing, warned of nothing and skipped nothing.
    pub fn insert(&self, key: MemberKey) {
        if let Ok(mut k) = self.keys.lock() {
            if k.len() < self.limit {
                k.insert(key);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.keys.lock().map_or(0, |k| k.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What [`Walker::zip_one_shot`] made of a member.
enum OneShot {
    /// Inflated into the walker's output buffer, this long.
    Inflated(usize, Option<MemberKey>),
    /// A large binary member: its first bytes alone.
    Head(Vec<u8>),
    /// Known clean (see [`CleanMembers`]).
    Known,
    /// Not for the one-shot path: the streaming reader takes it.
    No,
}

/// The archive kind of a file, from its name and first bytes.
pub fn kind_of(name: &str, head: &[u8]) -> Option<Kind> {
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit('.').next().unwrap_or("");
    let zip_magic = head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06");
    let gz_magic = head.starts_with(&[0x1f, 0x8b]);
    let tar_magic = head.len() >= 262 && &head[257..262] == b"ustar";
    match ext {
        "zip" | "jar" | "war" | "ear" | "aar" | "whl" | "egg" | "apk" | "docx" | "xlsx"
        | "pptx" | "odt" | "ods" | "nupkg" | "vsix" | "ipa" | "xpi"
            if zip_magic =>
        {
            Some(Kind::Zip)
        }
        "tgz" if gz_magic => Some(Kind::TarGz),
        "gz" if gz_magic && lower.ends_with(".tar.gz") => Some(Kind::TarGz),
        "gz" if gz_magic => Some(Kind::Gzip),
        "tar" if tar_magic => Some(Kind::Tar),
        _ => None,
    }
}

/// Extensions of the archives scanned, lower case.
const ARCHIVE_EXTS: &[&str] = &[
    "zip", "jar", "war", "ear", "aar", "whl", "egg", "apk", "docx", "xlsx", "pptx", "odt", "ods",
    "nupkg", "vsix", "ipa", "xpi", "tgz", "gz", "tar",
];

/// Whether a name has an archive extension (the cheap test before reading any bytes; asked
/// of every file, so it allocates nothing).
pub fn has_archive_ext(name: &str) -> bool {
    let Some((_, ext)) = name.rsplit_once('.') else {
        return false;
    };
    ext.len() <= 5 && ARCHIVE_EXTS.iter().any(|e| e.eq_ignore_ascii_case(ext))
}

/// Bytes a kind needs to recognise a file.
pub const HEAD_LEN: usize = 262;

/// Walks one archive, calling `visit` for every member and every skip.
pub struct Walker<'f> {
    limits: Limits,
    /// Decompressed bytes left for this top-level archive.
    budget: u64,
    visit: &'f mut dyn FnMut(Event<'_>),
    /// One-shot inflater for zip members of known size (see [`Walker::zip_one_shot`]).
    inflater: libdeflater::Decompressor,
    /// The compressed bytes of the member being inflated, reused.
    compressed: Vec<u8>,
    /// Where members are inflated, reused: as long as the largest one so far, so that
    /// no member pays for zeroing its room.
    out: Vec<u8>,
    /// Members already found clean in this scan.
    clean: Option<&'f CleanMembers>,
    /// Where a zip's central directory is read, reused.
    dir: Vec<u8>,
}

impl<'f> Walker<'f> {
    pub fn new(limits: Limits, visit: &'f mut dyn FnMut(Event<'_>)) -> Walker<'f> {
        Walker {
            limits,
            budget: limits.max_total,
            visit,
            inflater: libdeflater::Decompressor::new(),
            compressed: Vec::new(),
            out: Vec::new(),
            clean: None,
            dir: Vec::new(),
        }
    }

    /// Skips zip members found clean before (see [`CleanMembers`]), and keys the others
    /// so that the visitor can remember them.
    pub fn with_clean(mut self, clean: &'f CleanMembers) -> Walker<'f> {
        self.clean = Some(clean);
        self
    }

    /// Reads the archive `r` of `kind`, shown as `path`. Errors reading the archive itself
    /// (not a zip after all, truncated) are returned; member problems are events.
    pub fn walk<R: Read + Seek>(&mut self, path: &str, kind: Kind, r: R) -> io::Result<()> {
        self.walk_at(path, kind, r, 1)
    }

    fn skip(&mut self, path: &str, reason: SkipReason, detail: String) {
        (self.visit)(Event::Skip {
            path,
            reason,
            detail,
        });
    }

    fn walk_at<R: Read + Seek>(
        &mut self,
        path: &str,
        kind: Kind,
        r: R,
        depth: u32,
    ) -> io::Result<()> {
        match kind {
            Kind::Zip => self.zip(path, r, depth),
            Kind::Tar => self.tar(path, r, depth),
            Kind::TarGz => {
                let left = self.budget;
                let gz = Budget::new(MultiGzDecoder::new(r), left);
                match self.tar(path, gz, depth) {
                    Err(e) if e.to_string().contains(BUDGET_SPENT) => {
                        self.skip(
                            path,
                            SkipReason::ArchiveLimit,
                            format!("{path}: {BUDGET_SPENT}; the rest was not scanned"),
                        );
                        Ok(())
                    }
                    r => r,
                }
            }
            Kind::Gzip => {
                let inner = path
                    .rsplit('/')
                    .next()
                    .unwrap_or(path)
                    .trim_end_matches(".gz")
                    .trim_end_matches(".GZ")
                    .to_string();
                let shown = format!("{path}!{inner}");
                self.member(&shown, MultiGzDecoder::new(r), None, depth)
            }
        }
    }

    fn zip<R: Read + Seek>(&mut self, path: &str, r: R, depth: u32) -> io::Result<()> {
        // The central directory is read entry by entry into one buffer: an archive of
        // millions of entries costs no more memory than one of a few. (The buffer holds
        // the longest record a zip can have; nested archives take one of their own.)
        let mut dir = std::mem::take(&mut self.dir);
        dir.resize(ZIP_DIR_BUFFER, 0);
        let z = rawzip::ZipArchive::from_seekable(r, &mut dir).map_err(io::Error::other)?;
        let mut entries = z.entries(&mut dir);
        let mut seen = 0u64;
        let result = loop {
            let rec = match entries.next_entry() {
                Ok(Some(rec)) => rec,
                Ok(None) => break Ok(()),
                Err(e) => {
                    let shown = format!("{path}!#{seen}");
                    self.skip(
                        &shown,
                        SkipReason::Unreadable,
                        format!(
                            "{path}: the archive's directory is unreadable after {seen} \
                             entries ({e}); the rest was not scanned"
                        ),
                    );
                    break Ok(());
                }
            };
            seen += 1;
            if seen > self.limits.max_entries {
                let mut rest = 1u64;
                while let Ok(Some(_)) = entries.next_entry() {
                    rest += 1;
                }
                self.too_many_entries(path, rest);
                break Ok(());
            }
            if rec.is_dir() {
                continue;
            }
            let name = self.member_name(path, rec.file_path().as_bytes());
            let method = rec.compression_method();
            // AES (method 99) is encrypted whether or not its extra field says so
            let encrypted = rec.flags().is_encrypted() || method == rawzip::CompressionMethod::AES;
            let size = rec.uncompressed_size_hint();
            let compressed = rec.compressed_size_hint();
            let crc = rec.crc32();
            let wayfinder = rec.wayfinder();
            let shown = format!("{path}!{name}");
            if encrypted {
                self.skip(
                    &shown,
                    SkipReason::Encrypted,
                    format!("{shown}: encrypted archive member, not scanned"),
                );
                continue;
            }
            if size >= BOMB_MIN_SIZE && size / compressed.max(1) >= BOMB_RATIO {
                self.skip(
                    &shown,
                    SkipReason::ArchiveLimit,
                    format!(
                        "{shown}: compression bomb ({size} bytes from {compressed}), not followed"
                    ),
                );
                continue;
            }
            let entry = match z.get_entry(wayfinder) {
                Ok(e) => e,
                Err(e) => {
                    self.skip(
                        &shown,
                        SkipReason::Unreadable,
                        format!("{shown}: unreadable archive member: {e}"),
                    );
                    continue;
                }
            };
            let step = match method {
                rawzip::CompressionMethod::STORE => self.member(
                    &shown,
                    CrcChecked::new(entry.reader(), crc),
                    Some(size),
                    depth,
                ),
                rawzip::CompressionMethod::DEFLATE => {
                    let cap = self.limits.max_member.min(self.budget);
                    // deflate never grows data by more than a few bytes per 16 KiB block
                    let small =
                        size <= cap && size <= RESERVE_MAX && compressed <= size + size / 64 + 1024;
                    if !small {
                        let inflate = flate2::read::DeflateDecoder::new(entry.reader());
                        self.member(&shown, CrcChecked::new(inflate, crc), Some(size), depth)
                    } else {
                        self.compressed.clear();
                        if let Err(e) = entry.reader().read_to_end(&mut self.compressed) {
                            self.skip(
                                &shown,
                                SkipReason::Unreadable,
                                format!("{shown}: unreadable archive member: {e}"),
                            );
                            continue;
                        }
                        match self.zip_one_shot(&shown, &name, size, crc) {
                            OneShot::Inflated(n, key) => {
                                let out = std::mem::take(&mut self.out);
                                self.member_read(&shown, &out[..n], depth, key);
                                self.out = out;
                                continue;
                            }
                            OneShot::Head(head) => {
                                self.member_read(&shown, &head, depth, None);
                                continue;
                            }
                            OneShot::Known => {
                                // charged as if inflated, so that what the rest of the
                                // archive may use does not depend on which copy a thread
                                // reached first
                                self.budget = self.budget.saturating_sub(size);
                                (self.visit)(Event::Known { path: &shown, size });
                                continue;
                            }
                            OneShot::No => {}
                        }
                        let raw = std::mem::take(&mut self.compressed);
                        let inflate = flate2::read::DeflateDecoder::new(&raw[..]);
                        let step =
                            self.member(&shown, CrcChecked::new(inflate, crc), Some(size), depth);
                        self.compressed = raw;
                        step
                    }
                }
                other => {
                    self.skip(
                        &shown,
                        SkipReason::Unreadable,
                        format!(
                            "{shown}: compression method {other} is not supported, not scanned"
                        ),
                    );
                    Ok(())
                }
            };
            if let Err(e) = step {
                break Err(e);
            }
        };
        self.dir = dir;
        result
    }

    /// Reports the entries of an archive past [`Limits::max_entries`].
    fn too_many_entries(&mut self, path: &str, rest: u64) {
        let max = self.limits.max_entries;
        self.skip(
            path,
            SkipReason::ArchiveLimit,
            format!("{path}: more than {max} entries; the last {rest} were not scanned"),
        );
    }

    /// A member's name as shown: lossy UTF-8, cut to [`MAX_NAME`] bytes (a name can be
    /// megabytes long in a tar, and every finding's path repeats it); a cut is warned of.
    fn member_name<'n>(&mut self, path: &str, raw: &'n [u8]) -> std::borrow::Cow<'n, str> {
        if raw.len() <= MAX_NAME {
            return super::walk::escape_name(raw);
        }
        let kept = super::walk::escape_name(&raw[..MAX_NAME]);
        let kept = kept.trim_end_matches(char::REPLACEMENT_CHARACTER);
        let name = format!("{kept}…[{} more bytes]", raw.len() - kept.len());
        (self.visit)(Event::NameCut {
            path,
            detail: format!(
                "{path}!{kept}…: a member name of {} bytes, shown cut to its first {}",
                raw.len(),
                kept.len()
            ),
        });
        std::borrow::Cow::Owned(name)
    }

    /// Inflates a deflated zip member (its compressed bytes in `self.compressed`) in one
    /// call, into a buffer of its declared size: a decompressor that knows where its
    /// output ends skips the bookkeeping of a stream and runs about twice as fast as the
    /// streaming reader. Only the happy case is handled here: a member that is not the
    /// size it declares, fails its checksum or has a corrupt stream is left to the
    /// streaming reader, which reads it and reports whatever is wrong with it. A large
    /// member whose first [`PROBE`] bytes are binary is returned as those bytes alone, as
    /// the streaming reader would.
    fn zip_one_shot(&mut self, shown: &str, name: &str, size: u64, crc: u32) -> OneShot {
        let key = self
            .clean
            .map(|c| (c, c.key(name, size, crc, &self.compressed)));
        if let Some((c, k)) = key {
            if c.contains(k) {
                return OneShot::Known;
            }
        }
        if !self.limits.scan_binary && size > 2 * PROBE {
            // whether a member is binary shows in its first bytes: inflate those alone,
            // and go on to the first read's length only for a binary member
            let mut head = vec![0u8; PROBE as usize];
            let mut d = flate2::Decompress::new(false);
            let sniff = decode::SNIFF_LEN.min(head.len());
            let flush = flate2::FlushDecompress::None;
            if d.decompress(&self.compressed, &mut head[..sniff], flush)
                .is_err()
            {
                return OneShot::No;
            }
            let got = d.total_out() as usize;
            if decode::sniff(&head[..got]).0 == TextEncoding::Bytes
                && decode::is_binary(&head[..got])
                && kind_of(shown, &head[..got.min(HEAD_LEN)]).is_none()
            {
                let used = d.total_in() as usize;
                if got == sniff
                    && d.decompress(&self.compressed[used..], &mut head[got..], flush)
                        .is_err()
                {
                    return OneShot::No;
                }
                head.truncate(d.total_out() as usize);
                return OneShot::Head(head);
            }
        }
        let size = size as usize;
        if self.out.len() < size {
            self.out.resize(size, 0);
        }
        let out = &mut self.out[..size];
        match self.inflater.deflate_decompress(&self.compressed, out) {
            Ok(n) if n == size && libdeflater::crc32(out) == crc => {
                OneShot::Inflated(size, key.map(|(_, k)| k))
            }
            _ => OneShot::No,
        }
    }

    fn tar<R: Read>(&mut self, path: &str, r: R, depth: u32) -> io::Result<()> {
        let mut t = tar::Archive::new(r);
        let mut seen = 0u64;
        let mut entries = t.entries()?;
        while let Some(entry) = entries.next() {
            let entry = entry?;
            seen += 1;
            if seen > self.limits.max_entries {
                // counted without reading the members, or more than their headers
                let rest = 1 + entries.by_ref().take_while(Result::is_ok).count() as u64;
                self.too_many_entries(path, rest);
                break;
            }
            if !entry.header().entry_type().is_file() {
                continue;
            }
            let name = self.member_name(path, &entry.path_bytes()).into_owned();
            let shown = format!("{path}!{name}");
            let size = entry.size();
            self.member(&shown, entry, Some(size), depth)?;
        }
        Ok(())
    }

    /// Reads one member within the limits, then scans it or opens it as an archive.
    /// Returns an error only when the enclosing archive's stream broke.
    fn member<R: Read>(
        &mut self,
        shown: &str,
        r: R,
        declared: Option<u64>,
        depth: u32,
    ) -> io::Result<()> {
        let cap = self.limits.max_member.min(self.budget);
        if let Some(d) = declared {
            if d > cap {
                let why = if d > self.limits.max_member {
                    "over the size limit"
                } else {
                    "over what is left of the archive's decompression budget"
                };
                self.skip(
                    shown,
                    SkipReason::ArchiveLimit,
                    format!("{shown}: {d} bytes, {why}; not scanned"),
                );
                // a tar stream must still be read past the member; the reader does that
                return Ok(());
            }
        }
        // Room for the declared size (bounded: a declaration is not trusted) lets the
        // decompressor write large blocks at once instead of the small first reads of a
        // growing buffer, which take its slow path.
        let room = declared.map_or(0, |d| d.min(cap).min(RESERVE_MAX) as usize + 1);
        let mut data = Vec::with_capacity(room);
        let mut r = r.take(cap + 1);
        let mut read = r.by_ref().take(PROBE).read_to_end(&mut data);
        let binary = !self.limits.scan_binary && {
            let head = &data[..data.len().min(HEAD_LEN)];
            decode::sniff(&data).0 == TextEncoding::Bytes
                && decode::is_binary(&data)
                && kind_of(shown, head).is_none()
        };
        if read.is_ok() && !binary {
            read = r.read_to_end(&mut data);
        }
        if let Err(e) = read {
            self.skip(
                shown,
                SkipReason::Unreadable,
                format!("{shown}: cannot decompress: {e}"),
            );
            return Ok(());
        }
        self.member_read(shown, &data, depth, None);
        Ok(())
    }

    /// A member's content, read: opens it as an archive or hands it to the visitor.
    fn member_read(&mut self, shown: &str, data: &[u8], depth: u32, key: Option<MemberKey>) {
        let cap = self.limits.max_member.min(self.budget);
        self.budget = self.budget.saturating_sub(data.len() as u64);
        if data.len() as u64 > cap {
            self.skip(
                shown,
                SkipReason::ArchiveLimit,
                format!("{shown}: decompresses past the limits (compression bomb?), not followed"),
            );
            return;
        }
        let head = &data[..data.len().min(HEAD_LEN)];
        if let Some(kind) = kind_of(shown, head) {
            if depth >= self.limits.depth {
                self.skip(
                    shown,
                    SkipReason::ArchiveDepth,
                    format!(
                        "{shown}: archive nested deeper than --archive-depth {}, not opened",
                        self.limits.depth
                    ),
                );
                return;
            }
            if let Err(e) = self.walk_at(shown, kind, Cursor::new(data), depth + 1) {
                self.skip(
                    shown,
                    SkipReason::Unreadable,
                    format!("{shown}: unreadable archive: {e}"),
                );
            }
            return;
        }
        (self.visit)(Event::Member {
            path: shown,
            data,
            key,
        });
    }
}

const BUDGET_SPENT: &str = "decompresses past the archive's size limit (compression bomb?)";

/// A reader that fails once more than its budget has been read: bounds the work a
/// decompressor does for a stream (a tar inside gzip) whose members are skipped unread.
struct Budget<R> {
    inner: R,
    left: u64,
}

impl<R> Budget<R> {
    fn new(inner: R, left: u64) -> Budget<R> {
        Budget { inner, left }
    }
}

impl<R: Read> Read for Budget<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Err(io::Error::other(BUDGET_SPENT));
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_extensions_in_any_case() {
        for name in [
            "a.zip",
            "dir/B.JAR",
            "x.tar.gz",
            "pkg-1.0-py3-none-any.Whl",
            "d.DOCX",
            "s.nupkg",
        ] {
            assert!(has_archive_ext(name), "{name}");
        }
        for name in [
            "zip",
            "a.zipx",
            "a.gzip",
            "notes.txt",
            "a.",
            "archive.zip.bak",
            "a.tgzz",
        ] {
            assert!(!has_archive_ext(name), "{name}");
        }
    }

    #[test]
    fn clean_members_are_remembered_up_to_the_limit() {
        let c = CleanMembers::with_limit(3);
        let keys: Vec<MemberKey> = (0..5u32)
            .map(|i| c.key("a.py", 10, i, b"same bytes"))
            .collect();
        // the checksum, the name and the bytes each tell members apart
        assert_ne!(c.key("b.py", 10, 0, b"same bytes"), keys[0]);
        assert_ne!(c.key("a.py", 10, 0, b"other bytes"), keys[0]);
        assert_eq!(c.key("a.py", 10, 0, b"same bytes"), keys[0]);
        for &k in &keys {
            c.insert(k);
        }
        assert_eq!(c.len(), 3);
        assert!(keys[..3].iter().all(|&k| c.contains(k)));
        assert!(!keys[3..].iter().any(|&k| c.contains(k)));
        // another scan's keys are another hash
        assert_ne!(
            CleanMembers::default().key("a.py", 10, 0, b"same bytes"),
            keys[0]
        );
    }

    #[test]
    fn kinds() {
        assert_eq!(kind_of("a.jar", b"PK\x03\x04rest"), Some(Kind::Zip));
        assert_eq!(kind_of("a.zip", b"not a zip"), None);
        assert_eq!(kind_of("a.tar.gz", &[0x1f, 0x8b, 8]), Some(Kind::TarGz));
        assert_eq!(kind_of("a.TGZ", &[0x1f, 0x8b, 8]), Some(Kind::TarGz));
        assert_eq!(kind_of("a.json.gz", &[0x1f, 0x8b, 8]), Some(Kind::Gzip));
        assert_eq!(kind_of("a.py", b"PK\x03\x04"), None);
    }

    /// What walking `data` as `kind` reports: (path, what) per event, in order.
    fn walk_all(kind: Kind, name: &str, data: &[u8], max_entries: u64) -> Vec<(String, String)> {
        let limits = Limits {
            depth: 2,
            max_member: 1 << 20,
            max_total: 8 << 20,
            max_entries,
            scan_binary: false,
        };
        let mut seen = Vec::new();
        let mut visit = |ev: Event<'_>| {
            seen.push(match ev {
                Event::Member { path, data, .. } => {
                    (path.to_string(), String::from_utf8_lossy(data).into_owned())
                }
                Event::Known { path, .. } => (path.to_string(), "known".into()),
                Event::NameCut { path, .. } => (path.to_string(), "name cut".into()),
                Event::Skip {
                    path,
                    reason,
                    detail,
                } => (path.to_string(), format!("{}: {detail}", reason.as_str())),
            })
        };
        Walker::new(limits, &mut visit)
            .walk(name, kind, Cursor::new(data))
            .unwrap();
        seen
    }

    fn zip_of(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in files {
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            z.start_file(*name, opts).unwrap();
            std::io::Write::write_all(&mut z, data).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    /// Marks member `name` encrypted in both its headers: with `method` 99 (AES) and no
    /// AES extra field, or with the traditional flag alone.
    fn encrypt(zip: &mut [u8], name: &str, aes: bool) {
        for (sig, flags_at, name_at) in [(&b"PK\x03\x04"[..], 6, 30), (&b"PK\x01\x02"[..], 8, 46)] {
            let at = (0..zip.len() - name_at)
                .find(|&i| {
                    zip[i..].starts_with(sig) && zip[i + name_at..].starts_with(name.as_bytes())
                })
                .unwrap();
            zip[at + flags_at] |= 1;
            if aes {
                zip[at + flags_at + 2..at + flags_at + 4].copy_from_slice(&99u16.to_le_bytes());
            }
        }
    }

    #[test]
    fn one_encrypted_member_leaves_the_others_readable() {
        for aes in [true, false] {
            let mut z = zip_of(&[
                ("a.py", b"key one"),
                ("secret.env", b"hidden"),
                ("c.py", b"key two"),
            ]);
            encrypt(&mut z, "secret.env", aes);
            // the zip crate refuses the whole archive for an AES member without its field
            if aes {
                assert!(zip::ZipArchive::new(Cursor::new(&z[..])).is_err());
            }
            let seen = walk_all(Kind::Zip, "x.zip", &z, 100);
            assert_eq!(seen.len(), 3, "{seen:?}");
            assert_eq!(seen[0], ("x.zip!a.py".into(), "key one".into()));
            assert_eq!(seen[1].0, "x.zip!secret.env");
            assert!(seen[1].1.starts_with("encrypted: "), "{seen:?}");
            assert_eq!(seen[2], ("x.zip!c.py".into(), "key two".into()));
        }
    }

    #[test]
    fn entries_past_the_limit_are_counted() {
        let names: Vec<String> = (0..8).map(|i| format!("f{i}.txt")).collect();
        let files: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
        let seen = walk_all(Kind::Zip, "many.zip", &zip_of(&files), 5);
        assert_eq!(seen.len(), 6, "{seen:?}");
        assert_eq!(seen[4].0, "many.zip!f4.txt");
        assert_eq!(seen[5].0, "many.zip");
        assert!(seen[5].1.starts_with("archive_limit: "), "{seen:?}");
        assert!(
            seen[5].1.contains("the last 3 were not scanned"),
            "{seen:?}"
        );
        // the same for a tar
        let mut b = tar::Builder::new(Vec::new());
        for n in &names {
            let mut h = tar::Header::new_gnu();
            h.set_size(1);
            h.set_cksum();
            b.append_data(&mut h, n, &b"x"[..]).unwrap();
        }
        let seen = walk_all(Kind::Tar, "many.tar", &b.into_inner().unwrap(), 5);
        assert_eq!(seen.len(), 6, "{seen:?}");
        assert!(
            seen[5].1.contains("the last 3 were not scanned"),
            "{seen:?}"
        );
    }

    #[test]
    fn long_member_names_are_cut() {
        let long = format!("{}/conf.py", "d".repeat(MAX_NAME * 5));
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(3);
        h.set_cksum();
        b.append_data(&mut h, &long, &b"key"[..]).unwrap();
        let seen = walk_all(Kind::Tar, "t.tar", &b.into_inner().unwrap(), 10);
        assert_eq!(seen.len(), 2, "{seen:?}");
        assert_eq!(seen[0].1, "name cut");
        let shown = &seen[1].0;
        assert!(shown.len() < MAX_NAME + 64, "{} bytes", shown.len());
        assert!(shown.starts_with("t.tar!ddd"));
        assert!(shown.ends_with(&format!("…[{} more bytes]", long.len() - MAX_NAME)));
        assert_eq!(seen[1].1, "key");
    }

    #[test]
    fn budget_stops_reading() {
        let mut b = Budget::new(&[7u8; 100][..], 10);
        let mut out = Vec::new();
        assert!(b.read_to_end(&mut out).is_err());
        assert_eq!(out.len(), 10);
    }
}

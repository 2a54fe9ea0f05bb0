//! The scan: drives source → detect → finding over paths or buffers, in parallel, and
//! returns sorted findings with statistics. This is the library call the CLI and the
//! tests use.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;

use crate::config::PathFilter;
use crate::detect::encoded::{Decoders, View};
use crate::detect::rules::RuleSet;
use crate::detect::{Detection, Detector, Scratch};
use crate::finding::{char_count, fingerprint, Finding, FindingBuilder, Language, Suppressed};
use crate::progress::Counters;
use crate::source::read::{Chunk, ChunkReader, ReadSummary};
use crate::source::walk::{self, SkipReason, WalkItem, WalkOptions};
use crate::source::{archive, notebook, open_nonblocking, regular_size, OpenError};

/// Default size limit: larger files are skipped and reported.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 100 << 20;

/// Most bytes decompressed from one archive (nested archives included).
pub const ARCHIVE_BUDGET: u64 = 512 << 20;

/// Most entries read from one archive; the rest are counted (`archive_limit`) and
/// warned of.
pub const ARCHIVE_MAX_ENTRIES: u64 = 1 << 20;

/// Zip files up to this size are read into memory whole before their members are read.
const ZIP_IN_MEMORY: u64 = 64 << 20;

/// Default `--max-findings-per-file`: the most findings one file (or archive member, or
/// blob) gives. A file of generated or repeated keys could otherwise make memory and the
/// reports grow without bound; the values past the limit are counted in
/// [`Stats::findings_dropped`] and named in a warning, never dropped without a word.
pub const DEFAULT_MAX_FINDINGS_PER_FILE: usize = 10_000;

/// Default `--archive-depth`.
pub const DEFAULT_ARCHIVE_DEPTH: u32 = 2;

/// At most this many warnings are kept; the rest are counted.
const MAX_WARNINGS: usize = 200;

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Files and directories; `-` is standard input.
    pub paths: Vec<PathBuf>,
    /// The path reported for standard input.
    pub stdin_name: String,
    pub threads: usize,
    /// Honour `.gitignore` and `.ignore` files.
    pub honor_ignore: bool,
    pub follow_symlinks: bool,
    pub max_file_size: u64,
    /// Scan binary files whole instead of only up to their first NUL byte.
    pub scan_binary: bool,
    /// Files to skip (the config's `paths.exclude`); counted in [`Skipped::excluded`].
    pub exclude: Option<Arc<PathFilter>>,
    /// Live counts of files and bytes scanned, for a progress display.
    pub progress: Option<Arc<Counters>>,
    /// Also scan decoded views: base64 values, escapes, split literals, continued lines.
    pub decode: bool,
    /// Look inside archives (zip family, tar, gzip).
    pub archives: bool,
    /// How many archives deep to look (an archive in an archive is depth 2).
    pub archive_depth: u32,
    /// The most findings one file gives (`usize::MAX`: no limit).
    pub max_findings_per_file: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            paths: vec![PathBuf::from(".")],
            stdin_name: "<stdin>".into(),
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            honor_ignore: true,
            follow_symlinks: false,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            scan_binary: false,
            exclude: None,
            progress: None,
            decode: true,
            archives: true,
            archive_depth: DEFAULT_ARCHIVE_DEPTH,
            max_findings_per_file: DEFAULT_MAX_FINDINGS_PER_FILE,
        }
    }
}

/// Files not scanned (or only partly), by reason.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Skipped {
    pub binary: u64,
    pub too_large: u64,
    pub unreadable: u64,
    pub special: u64,
    pub symlink: u64,
    pub excluded: u64,
    /// Archive members over the decompression limits (zip bombs): reported, not followed.
    pub archive_limit: u64,
    /// Archives nested deeper than `--archive-depth`.
    pub archive_depth: u64,
    /// Encrypted archive members.
    pub encrypted: u64,
    /// Paths a `.gitignore` or `.ignore` file matched that git does not track (a
    /// directory counts once); `--no-ignore` scans them.
    pub ignored: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Skipped {
    pub fn add(&mut self, reason: SkipReason) {
        match reason {
            SkipReason::Binary => self.binary += 1,
            SkipReason::TooLarge => self.too_large += 1,
            SkipReason::Unreadable => self.unreadable += 1,
            SkipReason::Special => self.special += 1,
            SkipReason::Symlink => self.symlink += 1,
            SkipReason::Excluded => self.excluded += 1,
            SkipReason::ArchiveLimit => self.archive_limit += 1,
            SkipReason::ArchiveDepth => self.archive_depth += 1,
            SkipReason::Encrypted => self.encrypted += 1,
            SkipReason::Ignored => self.ignored += 1,
        }
    }

    pub fn total(&self) -> u64 {
        self.binary
            + self.too_large
            + self.unreadable
            + self.special
            + self.symlink
            + self.excluded
            + self.archive_limit
            + self.archive_depth
            + self.encrypted
            + self.ignored
    }

    fn merge(&mut self, o: &Skipped) {
        self.binary += o.binary;
        self.too_large += o.too_large;
        self.unreadable += o.unreadable;
        self.special += o.special;
        self.symlink += o.symlink;
        self.excluded += o.excluded;
        self.archive_limit += o.archive_limit;
        self.archive_depth += o.archive_depth;
        self.encrypted += o.encrypted;
        self.ignored += o.ignored;
    }
}

/// Counts of a scan.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Stats {
    /// Commits read (history scans; not shown when none).
    #[serde(skip_serializing_if = "is_zero")]
    pub commits: u64,
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    /// Of `files_scanned`: zip members with the same name and compressed bytes as one
    /// already found clean in this scan, counted without being inflated again.
    pub archive_members_repeated: u64,
    /// Archive members whose names were longer than `archive::MAX_NAME` bytes: scanned,
    /// and reported under their names cut to that length.
    pub archive_names_cut: u64,
    pub skipped: Skipped,
    pub findings: u64,
    /// Values not reported because their file gave more than `--max-findings-per-file`
    /// findings (each such file is named in a warning).
    pub findings_dropped: u64,
    /// Findings hidden by an inline `akscan:allow`, the allowlist or the baseline.
    pub suppressed: u64,
    /// Baseline entries that matched no finding (the value is gone or the file moved).
    pub baseline_stale: u64,
    pub elapsed_ms: u64,
}

impl Stats {
    fn merge(&mut self, o: &Stats) {
        self.files_scanned += o.files_scanned;
        self.bytes_scanned += o.bytes_scanned;
        self.archive_members_repeated += o.archive_members_repeated;
        self.findings_dropped += o.findings_dropped;
        self.archive_names_cut += o.archive_names_cut;
        self.skipped.merge(&o.skipped);
    }
}

/// The result of a scan.
#[derive(Debug, Default)]
pub struct ScanResult {
    /// Sorted by path, line, column and rule.
    pub findings: Vec<Finding>,
    /// Findings hidden by a suppression (see [`crate::suppress`]), in the order hidden.
    pub suppressed: Vec<Suppressed>,
    pub stats: Stats,
    /// Problems that did not stop the scan (unreadable files...), one line each.
    pub warnings: Vec<String>,
    /// Warnings beyond the ones kept.
    pub warnings_dropped: u64,
}

/// An error that stops a scan before it starts.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("{path}: {source}")]
    MissingPath {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot read standard input: {0}")]
    Stdin(std::io::Error),
    #[error(
        "standard input is UTF-16 text longer than the size limit of {0} bytes, which it is \
         decoded whole within; nothing was reported (raise --max-file-size)"
    )]
    StdinTooLarge(u64),
}

/// A scanner: compiled rules plus options. Share one between threads.
#[derive(Debug)]
pub struct Scanner {
    detector: Detector,
    /// None for a scanner built without decoding ([`Scanner::without_decoding`]).
    decoders: Option<Decoders>,
}

/// Per-thread state: reused buffers and local results, merged when the thread ends.
struct Worker<'a> {
    scanner: &'a Scanner,
    opts: &'a ScanOptions,
    reader: ChunkReader,
    scratch: Scratch,
    local: ScanResult,
    sink: &'a Mutex<Vec<ScanResult>>,
    /// Zip members found clean so far by any thread of this scan.
    clean: &'a archive::CleanMembers,
    /// What the walk went through, kept when ignore files are honoured (see
    /// [`walk::ignored`]), and where it goes when the worker ends.
    visited: Option<walk::Visited>,
    visited_sink: Option<&'a Mutex<walk::Visited>>,
}

impl Worker<'_> {
    fn warn(&mut self, msg: String) {
        if self.local.warnings.len() < MAX_WARNINGS {
            self.local.warnings.push(msg);
        } else {
            self.local.warnings_dropped += 1;
        }
    }

    fn scan_path(&mut self, path: &std::path::Path) {
        if let Some(ex) = &self.opts.exclude {
            if ex.is_excluded(path) {
                self.local.stats.skipped.add(SkipReason::Excluded);
                return;
            }
        }
        let display = walk::display_path(path);
        let file = match open_nonblocking(path) {
            Ok(f) => f,
            Err(e) => {
                self.local.stats.skipped.add(SkipReason::Unreadable);
                self.warn(format!("{display}: cannot open: {e}"));
                return;
            }
        };
        // What the file is and how large: asked at once of notebooks and archives, which
        // are read whole; of the rest only when they hold more than the first read.
        let refused = std::cell::Cell::new(None);
        let mut check = || match regular_size(&file) {
            Ok(size) if size > self.opts.max_file_size => {
                refused.set(Some(Refused::TooLarge(size)));
                Err(std::io::Error::other("refused"))
            }
            Ok(_) => Ok(()),
            Err(OpenError::NotRegular) => {
                refused.set(Some(Refused::NotRegular));
                Err(std::io::Error::other("refused"))
            }
            Err(OpenError::Io(e)) => Err(e),
        };
        let whole = notebook::is_notebook(&display)
            || (self.opts.archives
                && self.opts.archive_depth > 0
                && archive::has_archive_ext(&display));
        let result = match whole {
            true => check().map(|()| None),
            false => self.scan_file(&display, &file, &mut check).map(Some),
        };
        let summary = match (result, refused.take()) {
            (_, Some(Refused::NotRegular)) => {
                self.local.stats.skipped.add(SkipReason::Special);
                return;
            }
            (_, Some(Refused::TooLarge(size))) => {
                self.local.stats.skipped.add(SkipReason::TooLarge);
                self.warn(format!(
                    "{display}: skipped: {size} bytes is over the size limit of {} bytes (--max-file-size)",
                    self.opts.max_file_size
                ));
                return;
            }
            (Err(e), None) if whole => {
                self.local.stats.skipped.add(SkipReason::Unreadable);
                self.warn(format!("{display}: cannot open: {e}"));
                return;
            }
            (Err(e), None) => {
                self.local.stats.skipped.add(SkipReason::Unreadable);
                self.warn(format!("{display}: read error: {e}"));
                return;
            }
            (Ok(summary), None) => summary,
        };
        let summary = match summary {
            Some(s) => s,
            None if notebook::is_notebook(&display) => {
                self.scan_notebook(&display, file);
                return;
            }
            None => {
                let Some(file) = self.try_archive(&display, file) else {
                    return;
                };
                match self.scan_reader(&display, file) {
                    Ok(s) => s,
                    Err(e) => {
                        self.local.stats.skipped.add(SkipReason::Unreadable);
                        self.warn(format!("{display}: read error: {e}"));
                        return;
                    }
                }
            }
        };
        if summary.truncated {
            self.local.stats.skipped.add(SkipReason::TooLarge);
            self.warn(format!(
                "{display}: grew past the size limit while being read; the rest was not scanned"
            ));
        }
    }

    fn count_scanned(&mut self, bytes: u64) {
        self.local.stats.files_scanned += 1;
        self.local.stats.bytes_scanned += bytes;
        if let Some(p) = &self.opts.progress {
            p.files.fetch_add(1, Ordering::Relaxed);
            p.bytes.fetch_add(bytes, Ordering::Relaxed);
        }
    }

    /// Scans a notebook whole and numbers each finding's cell.
    fn scan_notebook(&mut self, display: &str, file: File) {
        let mut data = Vec::new();
        if let Err(e) = file.take(self.opts.max_file_size).read_to_end(&mut data) {
            self.local.stats.skipped.add(SkipReason::Unreadable);
            self.warn(format!("{display}: read error: {e}"));
            return;
        }
        self.scan_notebook_bytes(display, &data);
    }

    fn scan_notebook_bytes(&mut self, display: &str, data: &[u8]) {
        let before = self.local.findings.len();
        if let Err(e) = self.scan_bytes(display, data) {
            self.local.stats.skipped.add(SkipReason::Unreadable);
            self.warn(format!("{display}: read error: {e}"));
            return;
        }
        if self.local.findings.len() == before {
            return;
        }
        let spans = notebook::cell_spans(data);
        let found = &mut self.local.findings[before..];
        // in file order, so that finding each place goes on from the one before
        let mut order: Vec<usize> = (0..found.len()).collect();
        order.sort_unstable_by_key(|&i| (found[i].line, found[i].column));
        let mut at = notebook::Locator::new(data);
        for i in order {
            let pos = at.offset(found[i].line, found[i].column);
            found[i].cell = notebook::cell_at(&spans, pos);
        }
    }

    /// Scans `file` as an archive when it is one (and returns None); otherwise hands it
    /// back, rewound, for a plain scan.
    fn try_archive(&mut self, display: &str, mut file: File) -> Option<File> {
        let mut head = Vec::with_capacity(archive::HEAD_LEN);
        let rewound = (&mut file)
            .take(archive::HEAD_LEN as u64)
            .read_to_end(&mut head)
            .and_then(|_| file.seek(SeekFrom::Start(0)));
        if let Err(e) = rewound {
            self.local.stats.skipped.add(SkipReason::Unreadable);
            self.warn(format!("{display}: read error: {e}"));
            return None;
        }
        let kind = archive::kind_of(display, &head)?;
        let size = file.metadata().map_or(u64::MAX, |m| m.len());
        if kind == archive::Kind::Zip && size <= ZIP_IN_MEMORY {
            // a zip is read by seeking to each member: one read of the whole file spares
            // a seek and a refill of a reader's buffer per member
            let mut data = Vec::with_capacity(size as usize);
            if let Err(e) = (&mut file).take(ZIP_IN_MEMORY).read_to_end(&mut data) {
                self.local.stats.skipped.add(SkipReason::Unreadable);
                self.warn(format!("{display}: read error: {e}"));
                return None;
            }
            self.scan_archive(display, kind, std::io::Cursor::new(&data[..]));
            return None;
        }
        self.scan_archive(display, kind, std::io::BufReader::new(file));
        None
    }

    /// Scans the members of an archive.
    fn scan_archive<R: Read + Seek>(&mut self, display: &str, kind: archive::Kind, r: R) {
        let limits = archive::Limits {
            depth: self.opts.archive_depth,
            max_member: self.opts.max_file_size,
            max_total: ARCHIVE_BUDGET.min(self.opts.max_file_size.saturating_mul(8)),
            max_entries: ARCHIVE_MAX_ENTRIES,
            scan_binary: self.opts.scan_binary,
        };
        let clean = self.clean;
        let result = {
            let mut visit = |ev: archive::Event<'_>| match ev {
                archive::Event::Member { path, data, .. } if notebook::is_notebook(path) => {
                    self.scan_notebook_bytes(path, data)
                }
                archive::Event::Member { path, data, key } => {
                    let findings = self.local.findings.len();
                    let warnings = self.local.warnings.len() as u64 + self.local.warnings_dropped;
                    match self.scan_bytes(path, data) {
                        Ok(summary) => {
                            let quiet = !summary.binary
                                && !summary.truncated
                                && self.local.findings.len() == findings
                                && self.local.warnings.len() as u64 + self.local.warnings_dropped
                                    == warnings;
                            if let (Some(k), true) = (key, quiet) {
                                clean.insert(k);
                            }
                        }
                        Err(e) => {
                            self.local.stats.skipped.add(SkipReason::Unreadable);
                            self.warn(format!("{path}: read error: {e}"));
                        }
                    }
                }
                archive::Event::Known { size, .. } => {
                    // the same bytes under the same name were scanned and found clean
                    self.count_scanned(size);
                    self.local.stats.archive_members_repeated += 1;
                }
                archive::Event::NameCut { detail, .. } => {
                    self.local.stats.archive_names_cut += 1;
                    self.warn(detail);
                }
                archive::Event::Skip { reason, detail, .. } => {
                    self.local.stats.skipped.add(reason);
                    self.warn(detail);
                }
            };
            archive::Walker::new(limits, &mut visit)
                .with_clean(clean)
                .walk(display, kind, r)
        };
        if let Err(e) = result {
            self.local.stats.skipped.add(SkipReason::Unreadable);
            self.warn(format!("{display}: unreadable archive: {e}"));
        }
    }

    fn scan_reader<R: Read>(&mut self, display: &str, r: R) -> std::io::Result<ReadSummary> {
        self.scan_input(display, Input::Stream(r))
    }

    /// A file, with `check` (its kind and size) asked before reading past the first read.
    fn scan_file(
        &mut self,
        display: &str,
        file: &File,
        check: &mut dyn FnMut() -> std::io::Result<()>,
    ) -> std::io::Result<ReadSummary> {
        self.scan_input::<&File>(display, Input::Checked(file, check))
    }

    fn scan_bytes(&mut self, display: &str, data: &[u8]) -> std::io::Result<ReadSummary> {
        self.scan_input::<&[u8]>(display, Input::Bytes(data))
    }

    fn scan_input<R: Read>(
        &mut self,
        display: &str,
        input: Input<'_, R>,
    ) -> std::io::Result<ReadSummary> {
        let summary = read_and_detect(
            &self.scanner.detector,
            &mut self.reader,
            &mut self.scratch,
            display,
            input,
            self.opts.max_file_size,
            self.opts.scan_binary,
            self.scanner.decoders.as_ref().filter(|_| self.opts.decode),
            self.opts.max_findings_per_file,
            &mut self.local.findings,
        )?;
        self.count_scanned(summary.bytes);
        if summary.findings_dropped > 0 {
            self.local.stats.findings_dropped += summary.findings_dropped;
            self.warn(dropped_warning(
                display,
                self.opts.max_findings_per_file,
                summary.findings_dropped,
            ));
        }
        if summary.binary && !self.opts.scan_binary {
            self.local.stats.skipped.add(SkipReason::Binary);
        }
        Ok(summary)
    }
}

/// The warning for a file that gave more findings than the limit.
pub fn dropped_warning(display: &str, limit: usize, dropped: u64) -> String {
    format!(
        "{display}: more than {limit} findings in this one file: {dropped} more values were not \
         reported (--max-findings-per-file raises the limit; 0 lifts it). Treat every key in \
         the file as leaked"
    )
}

/// Adds the findings of a decoded view: those inside a decoded segment, placed at the
/// encoded value in the original chunk, minus values the plain scan already reported on
/// the same line.
fn view_findings(
    chunk: &Chunk<'_>,
    view: &View,
    dets: &[Detection],
    vf: Vec<Finding>,
    findings: &mut Vec<Finding>,
    plain_from: usize,
) {
    let data = chunk.data;
    let mut kept: Vec<Finding> = Vec::new();
    // fingerprint in the view -> fingerprint reported (a plain duplicate's)
    let mut renamed: HashMap<String, String> = HashMap::new();
    for (d, mut f) in dets.iter().zip(vf) {
        let os = view.to_orig(d.start);
        let oe = view.to_orig_end(d.end).max(os);
        let line = chunk.base_line + memchr::memchr_iter(b'\n', &data[..os]).count();
        let plain = findings[plain_from..]
            .iter()
            .find(|p| p.rule_id == f.rule_id && p.secret == f.secret && p.line == line);
        if let Some(p) = plain {
            renamed.insert(f.fingerprint.clone(), p.fingerprint.clone());
            continue;
        }
        let Some(seg) = view.segment_in(d.start, d.end) else {
            continue;
        };
        if !chunk.report.contains(&os) {
            continue;
        }
        let ls = crate::detect::line_start(data, os);
        let le = crate::detect::line_end(data, os);
        f.line = line;
        let before = if ls == 0 { chunk.base_column } else { 0 };
        f.column = before + char_count(&data[ls..os]) + 1;
        f.end_column = f.column + char_count(&data[os..oe.min(le).max(os)]).max(1);
        f.encoding = Some(match chunk.encoding {
            Some(e) => format!("{e}+{}", seg.encoding),
            None => seg.encoding.to_string(),
        });
        kept.push(f);
    }
    // Own fingerprints for decoded values: their occurrence count is the view's, which
    // could repeat a plain finding's. Salting with the encoding keeps them distinct.
    for f in kept.iter_mut() {
        let enc = f.encoding.as_deref().unwrap_or("");
        let salted = format!("{}\0{enc}", f.fingerprint);
        let new = fingerprint(&f.rule_id, &f.path, salted.as_bytes(), 0);
        renamed.insert(f.fingerprint.clone(), new.clone());
        f.fingerprint = new;
    }
    for f in kept.iter_mut() {
        if let Some(p) = f.pair.as_ref().and_then(|p| renamed.get(p)) {
            let own = f.fingerprint.clone();
            f.pair = Some(p.clone());
            // a plain partner without a pair of its own pairs back
            if let Some(pf) = findings[plain_from..]
                .iter_mut()
                .find(|x| &x.fingerprint == p && x.pair.is_none())
            {
                pf.pair = Some(own);
            }
        }
    }
    // A plain finding that is a piece of a decoded one on its line, of the same rule, is
    // that value cut short (`"LTAI…" + "m"`, a token up to its first `%2B`): drop it, and
    // let the whole value take its partner.
    let mut i = plain_from;
    while i < findings.len() {
        let p = &findings[i];
        let whole = match p.encoding {
            Some(_) => None,
            None => kept.iter().position(|k| {
                k.line == p.line
                    && k.rule_id == p.rule_id
                    && k.secret.len() > p.secret.len()
                    && k.secret.expose().contains(p.secret.expose())
            }),
        };
        let Some(ki) = whole else {
            i += 1;
            continue;
        };
        let piece = findings.remove(i);
        let whole_fp = kept[ki].fingerprint.clone();
        if kept[ki].pair.is_none() {
            kept[ki].pair = piece.pair.clone();
        }
        for f in findings[plain_from..].iter_mut().chain(kept.iter_mut()) {
            if f.pair.as_deref() == Some(piece.fingerprint.as_str()) {
                f.pair = Some(whole_fp.clone());
            }
        }
    }
    // A plain finding on a line that also holds a decoded one shows the line as written,
    // where the other value is still readable (encoded): show the decoded, redacted line.
    for k in &kept {
        for p in findings[plain_from..].iter_mut() {
            if p.line == k.line && p.encoding.is_none() {
                p.excerpt = k.excerpt.clone();
            }
        }
    }
    findings.extend(kept);
}

/// Reads `r` in chunks and appends the findings of each chunk to `findings`. The one place
/// where read → detect → finding happens, for files, standard input and buffers alike.
/// With `decoders`, each chunk's decoded view (base64, escapes, split literals…) is
/// scanned too.
#[allow(clippy::too_many_arguments)]
fn read_and_detect<R: Read>(
    detector: &Detector,
    reader: &mut ChunkReader,
    scratch: &mut Scratch,
    display: &str,
    input: Input<'_, R>,
    max_bytes: u64,
    scan_binary: bool,
    decoders: Option<&Decoders>,
    max_findings: usize,
    findings: &mut Vec<Finding>,
) -> std::io::Result<ReadSummary> {
    let mut seen = HashMap::new();
    // the input's findings start here; past `max_findings` of them, values are counted
    let first = findings.len();
    let mut dropped = 0u64;
    let mut seen_view = HashMap::new();
    // asked only of files with findings (most have none)
    let language = std::cell::OnceCell::new();
    let language = || *language.get_or_init(|| Language::from_path(display));
    let per_chunk = |chunk: Chunk<'_>| {
        let dets = detector.detect_with(chunk.data, scratch);
        let plain_from = findings.len();
        let room = max_findings.saturating_sub(findings.len() - first);
        if !dets.is_empty() {
            // detections are sorted by start: the ones reported here are a run of them
            let from = dets.partition_point(|d| d.start < chunk.report.start);
            let to = dets.partition_point(|d| d.start < chunk.report.end);
            let cut = if to - from > room {
                dropped += (to - from - room) as u64;
                from + room
            } else {
                dets.len()
            };
            if room > 0 {
                let mut b = FindingBuilder {
                    rules: detector.rules(),
                    path: display,
                    language: language(),
                    base_line: chunk.base_line,
                    base_column: chunk.base_column,
                    encoding: chunk.encoding,
                    seen: &mut seen,
                };
                findings.extend(b.build(chunk.data, &dets[..cut], chunk.report.clone()));
            }
        }
        let Some(dec) = decoders else {
            return;
        };
        let (anchors, short) = scratch.anchors();
        let Some(view) = dec.view_with(chunk.data, &anchors, &short, scratch.triggers()) else {
            return;
        };
        let vd = detector.detect_with(&view.data, scratch);
        if vd.is_empty() {
            return;
        }
        let room = max_findings.saturating_sub(findings.len() - first);
        if room == 0 {
            // (an upper bound: some of them repeat values found in plain text)
            dropped += vd.len() as u64;
            return;
        }
        let mut b = FindingBuilder {
            rules: detector.rules(),
            path: display,
            language: language(),
            base_line: chunk.base_line,
            base_column: 0, // placed on the chunk below, in view_findings
            encoding: None,
            seen: &mut seen_view,
        };
        let vf = b.build(&view.data, &vd, 0..view.data.len());
        view_findings(&chunk, &view, &vd, vf, findings, plain_from);
        if findings.len() - first > max_findings {
            dropped += (findings.len() - first - max_findings) as u64;
            findings.truncate(first + max_findings);
        }
    };
    let mut summary = match input {
        Input::Stream(r) => reader.read(r, max_bytes, scan_binary, per_chunk)?,
        Input::Unbounded(r) => reader.read_stream(r, max_bytes, scan_binary, per_chunk)?,
        Input::Checked(r, check) => {
            reader.read_checked(r, max_bytes, scan_binary, check, per_chunk)?
        }
        Input::Bytes(b) => reader.read_bytes(b, max_bytes, scan_binary, per_chunk),
    };
    summary.findings_dropped = dropped;
    Ok(summary)
}

/// What [`read_and_detect`] reads: a stream, or bytes already in memory (read in place).
enum Input<'a, R> {
    Stream(R),
    /// A stream read to its end whatever its length (standard input): the limit bounds
    /// only what is decoded whole (UTF-16).
    Unbounded(R),
    Bytes(&'a [u8]),
    /// A file, and what to ask before reading past the first read (see
    /// [`ChunkReader::read_checked`]).
    Checked(&'a File, &'a mut dyn FnMut() -> std::io::Result<()>),
}

/// Why a file was not read past its first read.
#[derive(Debug, Clone, Copy)]
enum Refused {
    TooLarge(u64),
    NotRegular,
}

/// Scans in-memory buffers (git blobs) one after another with reused buffers: one per
/// thread. Binary buffers are scanned up to their first NUL byte, like files.
pub struct BufferScanner<'a> {
    scanner: &'a Scanner,
    reader: ChunkReader,
    scratch: Scratch,
}

impl BufferScanner<'_> {
    /// The findings in `data` reported at `path`, sorted, and what reading it found
    /// (`binary`).
    pub fn scan(&mut self, path: &str, data: &[u8]) -> (Vec<Finding>, ReadSummary) {
        let mut findings = Vec::new();
        let summary = read_and_detect(
            &self.scanner.detector,
            &mut self.reader,
            &mut self.scratch,
            path,
            Input::<&[u8]>::Bytes(data),
            u64::MAX,
            false,
            self.scanner.decoders.as_ref(),
            DEFAULT_MAX_FINDINGS_PER_FILE,
            &mut findings,
        )
        .unwrap_or_default(); // reading a slice cannot fail
        sort_findings(&mut findings);
        (findings, summary)
    }
}

impl walk::Visitor for Worker<'_> {
    fn visit(&mut self, item: WalkItem) {
        match item {
            WalkItem::File { path } => {
                self.scan_path(&path);
                if let Some(v) = &mut self.visited {
                    v.paths.push(path);
                }
            }
            WalkItem::Dir { path } => {
                if let Some(v) = &mut self.visited {
                    v.dirs.push(path);
                }
            }
            WalkItem::Skip {
                path,
                reason,
                detail,
            } => {
                self.local.stats.skipped.add(reason);
                if let Some(d) = detail {
                    let shown = walk::display_path(&path);
                    if shown.is_empty() || d.contains(&shown) {
                        self.warn(d);
                    } else {
                        self.warn(format!("{shown}: {d}"));
                    }
                }
                if let Some(v) = &mut self.visited {
                    v.paths.push(path);
                }
            }
        }
    }
}

impl Drop for Worker<'_> {
    fn drop(&mut self) {
        let local = std::mem::take(&mut self.local);
        if let Ok(mut v) = self.sink.lock() {
            v.push(local);
        }
        if let (Some(mut mine), Some(sink)) = (self.visited.take(), self.visited_sink) {
            if let Ok(mut v) = sink.lock() {
                v.append(&mut mine);
            }
        }
    }
}

impl Scanner {
    pub fn new(rules: RuleSet) -> Scanner {
        // the decoders' trigger strings are found in the detector's one pass over the bytes
        let decoders = Decoders::new();
        Scanner {
            detector: Detector::with_triggers(rules, decoders.trigger_patterns()),
            decoders: Some(decoders),
        }
    }

    /// A scanner that never decodes (`--no-decode`): its detector's pass looks for the
    /// rules' keywords alone, which keeps that pass on its fastest form.
    pub fn without_decoding(rules: RuleSet) -> Scanner {
        Scanner {
            detector: Detector::new(rules),
            decoders: None,
        }
    }

    /// A scanner with the built-in rules.
    pub fn builtin() -> Scanner {
        Scanner::new(RuleSet::builtin().expect("built-in rules are valid"))
    }

    pub fn rules(&self) -> &RuleSet {
        self.detector.rules()
    }

    pub fn detector(&self) -> &Detector {
        &self.detector
    }

    /// Scans files, directories and standard input.
    pub fn scan(&self, opts: &ScanOptions) -> Result<ScanResult, ScanError> {
        let started = Instant::now();
        let mut roots = Vec::new();
        let mut stdin = false;
        for p in &opts.paths {
            if p.as_os_str() == "-" {
                stdin = true;
                continue;
            }
            if let Err(e) = std::fs::symlink_metadata(p) {
                return Err(ScanError::MissingPath {
                    path: walk::display_path(p),
                    source: e,
                });
            }
            roots.push(p.clone());
        }
        let sink = Mutex::new(Vec::new());
        let clean = archive::CleanMembers::default();
        if stdin {
            let mut w = self.worker(opts, &sink, &clean);
            let display = opts.stdin_name.clone();
            let summary = w
                .scan_input(&display, Input::Unbounded(std::io::stdin().lock()))
                .map_err(ScanError::Stdin)?;
            if summary.truncated {
                return Err(ScanError::StdinTooLarge(opts.max_file_size));
            }
        }
        if !roots.is_empty() {
            let wopts = WalkOptions {
                threads: opts.threads,
                honor_ignore: opts.honor_ignore,
                follow_symlinks: opts.follow_symlinks,
            };
            let visited = Mutex::new(walk::Visited::default());
            let sources = walk::walk(&roots, &wopts, || {
                let mut w = self.worker(opts, &sink, &clean);
                if opts.honor_ignore {
                    w.visited = Some(walk::Visited::default());
                    w.visited_sink = Some(&visited);
                }
                w
            });
            if opts.honor_ignore {
                let visited = visited.into_inner().unwrap_or_default();
                self.scan_ignored(&visited, &sources, opts, &sink, &clean);
            }
        }
        let mut result = merge(sink.into_inner().unwrap_or_default());
        result.stats.elapsed_ms = started.elapsed().as_millis() as u64;
        Ok(result)
    }

    /// What the walk left out for an ignore file: files git tracks are scanned all the
    /// same; the rest are counted (`skipped.ignored`).
    fn scan_ignored(
        &self,
        visited: &walk::Visited,
        sources: &walk::IgnoreSources,
        opts: &ScanOptions,
        sink: &Mutex<Vec<ScanResult>>,
        clean: &archive::CleanMembers,
    ) {
        let ignored = walk::ignored(visited, sources);
        let mut w = self.worker(opts, sink, clean);
        w.local.stats.skipped.ignored += ignored.untracked;
        w.local.stats.skipped.symlink += ignored.tracked_links;
        for msg in ignored.warnings {
            w.warn(msg);
        }
        for path in &ignored.tracked {
            w.scan_path(path);
        }
    }

    /// A scanner for many buffers in a row (one per thread).
    pub fn buffer_scanner(&self) -> BufferScanner<'_> {
        BufferScanner {
            scanner: self,
            reader: ChunkReader::default(),
            scratch: Scratch::default(),
        }
    }

    /// Scans one in-memory buffer (a git blob, a test string) reported as `path`. No limit
    /// on findings applies: this returns them all, with no stats to count dropped ones in.
    pub fn scan_bytes(&self, path: &str, data: &[u8]) -> Vec<Finding> {
        let opts = ScanOptions {
            max_file_size: u64::MAX,
            max_findings_per_file: usize::MAX,
            ..ScanOptions::default()
        };
        let sink = Mutex::new(Vec::new());
        let clean = archive::CleanMembers::default();
        {
            let mut w = self.worker(&opts, &sink, &clean);
            let kind = (opts.archives && archive::has_archive_ext(path))
                .then(|| archive::kind_of(path, &data[..data.len().min(archive::HEAD_LEN)]))
                .flatten();
            if let Some(kind) = kind {
                w.scan_archive(path, kind, std::io::Cursor::new(data));
            } else if notebook::is_notebook(path) {
                w.scan_notebook_bytes(path, data);
            } else {
                let _ = w.scan_bytes(path, data);
            }
        }
        let mut r = merge(sink.into_inner().unwrap_or_default());
        std::mem::take(&mut r.findings)
    }

    fn worker<'a>(
        &'a self,
        opts: &'a ScanOptions,
        sink: &'a Mutex<Vec<ScanResult>>,
        clean: &'a archive::CleanMembers,
    ) -> Worker<'a> {
        Worker {
            clean,
            scanner: self,
            opts,
            reader: ChunkReader::default(),
            scratch: Scratch::default(),
            local: ScanResult::default(),
            sink,
            visited: None,
            visited_sink: None,
        }
    }
}

fn merge(parts: Vec<ScanResult>) -> ScanResult {
    let mut out = ScanResult::default();
    for mut p in parts {
        out.findings.append(&mut p.findings);
        out.stats.merge(&p.stats);
        out.warnings.append(&mut p.warnings);
        out.warnings_dropped += p.warnings_dropped;
    }
    sort_findings(&mut out.findings);
    out.warnings.sort();
    out.stats.findings = out.findings.len() as u64;
    out
}

/// Sorts findings by path, line, column and rule: the output order, whatever the threads.
pub fn sort_findings(f: &mut [Finding]) {
    f.sort_by(|a, b| {
        (a.path.as_str(), a.line, a.column, a.rule_id.as_str()).cmp(&(
            b.path.as_str(),
            b.line,
            b.column,
            b.rule_id.as_str(),
        ))
    });
}

//! The scan: drives source → detect → finding over paths or buffers, in parallel, and
//! returns sorted findings with statistics. This is the library call the CLI and the
//! tests use.

use std::collections::HashMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;

use crate::config::PathFilter;
use crate::detect::rules::RuleSet;
use crate::detect::{Detector, Scratch};
use crate::finding::{Finding, FindingBuilder, Language};
use crate::progress::Counters;
use crate::source::read::{ChunkReader, ReadSummary};
use crate::source::walk::{self, SkipReason, WalkItem, WalkOptions};
use crate::source::{open_regular, OpenError};

/// Default size limit: larger files are skipped and reported.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 100 << 20;

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
        }
    }

    pub fn total(&self) -> u64 {
        self.binary + self.too_large + self.unreadable + self.special + self.symlink + self.excluded
    }

    fn merge(&mut self, o: &Skipped) {
        self.binary += o.binary;
        self.too_large += o.too_large;
        self.unreadable += o.unreadable;
        self.special += o.special;
        self.symlink += o.symlink;
        self.excluded += o.excluded;
    }
}

/// Counts of a scan.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Stats {
    pub files_scanned: u64,
    pub bytes_scanned: u64,
    pub skipped: Skipped,
    pub findings: u64,
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
        self.skipped.merge(&o.skipped);
    }
}

/// The result of a scan.
#[derive(Debug, Default)]
pub struct ScanResult {
    /// Sorted by path, line, column and rule.
    pub findings: Vec<Finding>,
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
}

/// A scanner: compiled rules plus options. Share one between threads.
#[derive(Debug)]
pub struct Scanner {
    detector: Detector,
}

/// Per-thread state: reused buffers and local results, merged when the thread ends.
struct Worker<'a> {
    scanner: &'a Scanner,
    opts: &'a ScanOptions,
    reader: ChunkReader,
    scratch: Scratch,
    local: ScanResult,
    sink: &'a Mutex<Vec<ScanResult>>,
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
        let (file, size) = match open_regular(path) {
            Ok(x) => x,
            Err(OpenError::NotRegular) => {
                self.local.stats.skipped.add(SkipReason::Special);
                return;
            }
            Err(OpenError::Io(e)) => {
                self.local.stats.skipped.add(SkipReason::Unreadable);
                self.warn(format!("{display}: cannot open: {e}"));
                return;
            }
        };
        if size > self.opts.max_file_size {
            self.local.stats.skipped.add(SkipReason::TooLarge);
            self.warn(format!(
                "{display}: skipped: {size} bytes is over the size limit of {} bytes (--max-file-size)",
                self.opts.max_file_size
            ));
            return;
        }
        match self.scan_reader(&display, file) {
            Ok(summary) => {
                if summary.truncated {
                    self.local.stats.skipped.add(SkipReason::TooLarge);
                    self.warn(format!("{display}: grew past the size limit while being read; the rest was not scanned"));
                }
            }
            Err(e) => {
                self.local.stats.skipped.add(SkipReason::Unreadable);
                self.warn(format!("{display}: read error: {e}"));
            }
        }
    }

    fn scan_reader<R: Read>(&mut self, display: &str, r: R) -> std::io::Result<ReadSummary> {
        let summary = read_and_detect(
            &self.scanner.detector,
            &mut self.reader,
            &mut self.scratch,
            display,
            r,
            self.opts.max_file_size,
            self.opts.scan_binary,
            &mut self.local.findings,
        )?;
        self.local.stats.files_scanned += 1;
        self.local.stats.bytes_scanned += summary.bytes;
        if let Some(p) = &self.opts.progress {
            p.files.fetch_add(1, Ordering::Relaxed);
            p.bytes.fetch_add(summary.bytes, Ordering::Relaxed);
        }
        if summary.binary && !self.opts.scan_binary {
            self.local.stats.skipped.add(SkipReason::Binary);
        }
        Ok(summary)
    }
}

/// Reads `r` in chunks and appends the findings of each chunk to `findings`. The one place
/// where read → detect → finding happens, for files, standard input and buffers alike.
#[allow(clippy::too_many_arguments)]
fn read_and_detect<R: Read>(
    detector: &Detector,
    reader: &mut ChunkReader,
    scratch: &mut Scratch,
    display: &str,
    r: R,
    max_bytes: u64,
    scan_binary: bool,
    findings: &mut Vec<Finding>,
) -> std::io::Result<ReadSummary> {
    let mut seen = HashMap::new();
    let language = Language::from_path(display);
    reader.read(r, max_bytes, scan_binary, |chunk| {
        let dets = detector.detect_with(chunk.data, scratch);
        if dets.is_empty() {
            return;
        }
        let mut b = FindingBuilder {
            rules: detector.rules(),
            path: display,
            language,
            base_line: chunk.base_line,
            encoding: chunk.encoding,
            seen: &mut seen,
        };
        findings.extend(b.build(chunk.data, &dets, chunk.report));
    })
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
            data,
            u64::MAX,
            false,
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
            WalkItem::File { path } => self.scan_path(&path),
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
    }
}

impl Scanner {
    pub fn new(rules: RuleSet) -> Scanner {
        Scanner {
            detector: Detector::new(rules),
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
        if stdin {
            let mut w = self.worker(opts, &sink);
            let display = opts.stdin_name.clone();
            w.scan_reader(&display, std::io::stdin().lock())
                .map_err(ScanError::Stdin)?;
        }
        if !roots.is_empty() {
            let wopts = WalkOptions {
                threads: opts.threads,
                honor_ignore: opts.honor_ignore,
                follow_symlinks: opts.follow_symlinks,
            };
            walk::walk(&roots, &wopts, || self.worker(opts, &sink));
        }
        let mut result = merge(sink.into_inner().unwrap_or_default());
        result.stats.elapsed_ms = started.elapsed().as_millis() as u64;
        Ok(result)
    }

    /// A scanner for many buffers in a row (one per thread).
    pub fn buffer_scanner(&self) -> BufferScanner<'_> {
        BufferScanner {
            scanner: self,
            reader: ChunkReader::default(),
            scratch: Scratch::default(),
        }
    }

    /// Scans one in-memory buffer (a git blob, a test string) reported as `path`.
    pub fn scan_bytes(&self, path: &str, data: &[u8]) -> Vec<Finding> {
        let opts = ScanOptions {
            max_file_size: u64::MAX,
            ..ScanOptions::default()
        };
        let sink = Mutex::new(Vec::new());
        {
            let mut w = self.worker(&opts, &sink);
            let _ = w.scan_reader(path, data);
        }
        let mut r = merge(sink.into_inner().unwrap_or_default());
        std::mem::take(&mut r.findings)
    }

    fn worker<'a>(&'a self, opts: &'a ScanOptions, sink: &'a Mutex<Vec<ScanResult>>) -> Worker<'a> {
        Worker {
            scanner: self,
            opts,
            reader: ChunkReader::default(),
            scratch: Scratch::default(),
            local: ScanResult::default(),
            sink,
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

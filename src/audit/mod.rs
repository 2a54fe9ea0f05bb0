//! Organisation audits: the history of many repositories, scanned in deterministic shards
//! to JSON Lines that [`merge`] turns into one report of incidents.
//!
//! A shard's output is a stream of records, each on one line: first what the worker was
//! given (`"type": "audit"`: its shard and how many repositories), then the findings of a repository
//! (`"type": "finding"`, redacted, with the secret's keyed identity), then that repository's
//! summary (`"type": "repository"`: status, commits, blobs, bytes, time, errors). A
//! repository's records are written together and flushed, so the output of a worker that
//! is killed holds every repository it finished.

pub mod command;
pub mod identity;
pub mod merge;

use std::io::{self, Write};
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::report::json::JsonFinding;
use crate::report::redact::{Redacting, Redactor};
use crate::report::RenderOptions;
use crate::scan::{ScanResult, Scanner, Stats};
use crate::source::git::{self, GitError, GitScanOptions, Repo};
use crate::source::gitrun::GitPolicy;
use crate::source::remote;
use crate::suppress;
use identity::Key;

/// Version of the audit record format.
pub const RECORD_VERSION: u32 = 1;

/// The repositories of a list: one URL or path per line; blank lines and lines starting
/// with `#` are skipped, surrounding white space is not part of an entry, and a repeated
/// entry counts once.
pub fn parse_list(text: &str) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|l| seen.insert(l.to_string()))
        .map(str::to_string)
        .collect()
}

/// A part of a list: `K/N` takes the entries whose hash modulo N is K, so N workers with
/// indices 0..N-1 cover each entry exactly once, whatever the order of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Parses `K/N` (0 <= K < N).
    pub fn parse(s: &str) -> Result<Shard, String> {
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| format!("{s:?}: expected K/N, e.g. 0/4 (K counts from 0)"))?;
        let index: u64 = k
            .trim()
            .parse()
            .map_err(|_| format!("{s:?}: {k:?} is not a shard index"))?;
        let count: u64 = n
            .trim()
            .parse()
            .map_err(|_| format!("{s:?}: {n:?} is not a shard count"))?;
        if count == 0 {
            return Err(format!("{s:?}: the shard count must be at least 1"));
        }
        if index >= count {
            return Err(format!(
                "{s:?}: the shard index counts from 0 and must be below {count} (as \
                 JOB_COMPLETION_INDEX of an Indexed Job does)"
            ));
        }
        Ok(Shard { index, count })
    }

    /// Whether this shard takes `entry`.
    pub fn takes(&self, entry: &str) -> bool {
        let h = Sha256::new()
            .chain_update(b"akscan-shard-v1\0")
            .chain_update(entry.as_bytes())
            .finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&h[..8]);
        u64::from_be_bytes(first) % self.count == self.index
    }
}

/// How an audit runs.
pub struct AuditOptions {
    /// Scanning threads in all.
    pub threads: usize,
    /// Repositories scanned at once (at most `threads`).
    pub jobs: usize,
    pub max_file_size: u64,
    pub policy: GitPolicy,
    /// The shard this run takes, for its records.
    pub shard: Option<Shard>,
}

/// One finding record.
#[derive(Serialize)]
struct FindingRecord<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    version: u32,
    repository: &'a str,
    secret_id: String,
    key_id: &'a str,
    finding: JsonFinding<'a>,
}

/// What happened to one repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Scanned.
    Ok,
    /// A repository without commits: nothing to scan.
    Empty,
    /// Could not be cloned, opened or scanned (see `error`).
    Error,
}

/// The summary record of one repository.
#[derive(Serialize)]
struct RepositoryRecord<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    version: u32,
    repository: &'a str,
    status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    /// Time for this repository: clone and scan, in seconds.
    seconds: f64,
    /// Of `seconds`, the clone.
    clone_seconds: f64,
    findings: u64,
    stats: &'a Stats,
    warnings: &'a [String],
    key_id: &'a str,
    keyed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    shard: Option<String>,
    akscan: &'static str,
}

/// The first record of every output: what this worker was given, so a merge can tell a
/// worker that stopped early (fewer summaries than `repositories`) from an empty shard.
#[derive(Serialize)]
struct StartRecord<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    version: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    shard: Option<String>,
    repositories: usize,
    key_id: &'a str,
    keyed: bool,
    akscan: &'static str,
}

/// Totals of an audit run.
#[derive(Debug, Default, Clone)]
pub struct Totals {
    pub repositories: u64,
    pub failed: u64,
    pub findings: u64,
    pub commits: u64,
    pub blobs: u64,
    pub bytes: u64,
}

/// The outcome of one repository, before it is written.
struct Outcome {
    shown: String,
    result: Result<Option<ScanResult>, String>,
    seconds: f64,
    clone_seconds: f64,
}

/// Clones (a URL) or opens (a path) `spec` and scans its history.
fn scan_one(
    spec: &str,
    scanner: &Scanner,
    config: &Config,
    opts: &AuditOptions,
    threads: usize,
) -> Outcome {
    let started = Instant::now();
    let shown = remote::display(spec);
    let mut clone_seconds = 0.0;
    let result = (|| -> Result<Option<ScanResult>, String> {
        let clone;
        let repo = if remote::is_remote(spec) {
            clone = remote::clone_bare(spec, &opts.policy).map_err(|e| e.to_string())?;
            clone_seconds = started.elapsed().as_secs_f64();
            Repo::open(&clone.path(), opts.policy.clone())
        } else {
            Repo::open(Path::new(spec), opts.policy.clone())
        }
        .map_err(|e| e.to_string())?;
        let gopts = GitScanOptions {
            threads,
            max_file_size: opts.max_file_size,
            progress: None,
        };
        match git::scan_history(&repo, scanner, &gopts) {
            Ok(mut r) => {
                suppress::apply_allow(&mut r, config);
                for f in &mut r.findings {
                    if let Some(g) = &mut f.git {
                        g.repository = Some(shown.clone());
                    }
                }
                Ok(Some(r))
            }
            Err(GitError::Empty(_)) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    })();
    Outcome {
        shown,
        result,
        seconds: started.elapsed().as_secs_f64(),
        clone_seconds,
    }
}

/// Longest list of warnings kept in a repository record.
const MAX_WARNINGS: usize = 50;

/// The records of one repository, redacted, as one block of lines.
fn records(o: &Outcome, key: &Key, shard: Option<Shard>) -> io::Result<Vec<u8>> {
    let empty = ScanResult::default();
    let (status, error, r) = match &o.result {
        Ok(Some(r)) => (Status::Ok, None, r),
        Ok(None) => (Status::Empty, None, &empty),
        Err(e) => (Status::Error, Some(e.as_str()), &empty),
    };
    let redactor = Redactor::for_findings(&r.findings, &r.suppressed);
    let mut buf = Vec::new();
    let mut w = Redacting::new(&mut buf, &redactor, true);
    let opts = RenderOptions::default();
    for f in &r.findings {
        let rec = FindingRecord {
            kind: "finding",
            version: RECORD_VERSION,
            repository: &o.shown,
            secret_id: key.secret_id(f.secret.expose()),
            key_id: &key.id,
            finding: JsonFinding::new(f, &opts),
        };
        serde_json::to_writer(&mut w, &rec)?;
        writeln!(w)?;
    }
    let mut warnings: Vec<String> = r.warnings.iter().take(MAX_WARNINGS).cloned().collect();
    let more = r.warnings.len().saturating_sub(MAX_WARNINGS) as u64 + r.warnings_dropped;
    if more > 0 {
        warnings.push(format!("{more} more warnings not kept"));
    }
    let rec = RepositoryRecord {
        kind: "repository",
        version: RECORD_VERSION,
        repository: &o.shown,
        status,
        error,
        seconds: (o.seconds * 1000.0).round() / 1000.0,
        clone_seconds: (o.clone_seconds * 1000.0).round() / 1000.0,
        findings: r.findings.len() as u64,
        stats: &r.stats,
        warnings: &warnings,
        key_id: &key.id,
        keyed: key.keyed,
        shard: shard.map(|s| format!("{}/{}", s.index, s.count)),
        akscan: env!("CARGO_PKG_VERSION"),
    };
    serde_json::to_writer(&mut w, &rec)?;
    writeln!(w)?;
    w.finish()?;
    Ok(buf)
}

/// Told of each repository when it is done: how many are done, its shown name, and its
/// scan or why it could not be scanned.
pub type Report<'a> = dyn Fn(usize, &str, Result<&ScanResult, &str>) + Sync + 'a;

/// Scans `specs`, `opts.jobs` repositories at a time, writing each repository's records to
/// `out` as soon as it is done (and flushing), and `report` is told of each repository
/// (its index among those done, the outcome's shown name, findings, and error).
pub fn run(
    specs: &[String],
    scanner: &Scanner,
    config: &Config,
    opts: &AuditOptions,
    key: &Key,
    out: &mut (dyn Write + Send),
    report: &Report<'_>,
) -> io::Result<Totals> {
    let start = StartRecord {
        kind: "audit",
        version: RECORD_VERSION,
        shard: opts.shard.map(|s| format!("{}/{}", s.index, s.count)),
        repositories: specs.len(),
        key_id: &key.id,
        keyed: key.keyed,
        akscan: env!("CARGO_PKG_VERSION"),
    };
    serde_json::to_writer(&mut *out, &start)?;
    writeln!(out)?;
    out.flush()?;
    let jobs = opts.jobs.clamp(1, specs.len().max(1));
    let per = (opts.threads / jobs).max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let shared = Mutex::new((out, Totals::default(), None::<io::Error>));
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(spec) = specs.get(i) else { return };
                let o = scan_one(spec, scanner, config, opts, per);
                let block = records(&o, key, opts.shard);
                let mut g = shared.lock().unwrap_or_else(|p| p.into_inner());
                let (out, totals, err) = &mut *g;
                if err.is_some() {
                    return;
                }
                let written = block.and_then(|b| {
                    out.write_all(&b)?;
                    out.flush()
                });
                if let Err(e) = written {
                    *err = Some(e);
                    return;
                }
                totals.repositories += 1;
                let empty = ScanResult::default();
                match &o.result {
                    Ok(r) => {
                        let r = r.as_ref().unwrap_or(&empty);
                        totals.findings += r.findings.len() as u64;
                        totals.commits += r.stats.commits;
                        totals.blobs += r.stats.files_scanned;
                        totals.bytes += r.stats.bytes_scanned;
                        report(totals.repositories as usize, &o.shown, Ok(r));
                    }
                    Err(e) => {
                        totals.failed += 1;
                        report(totals.repositories as usize, &o.shown, Err(e));
                    }
                }
            });
        }
    });
    let (_, totals, err) = shared.into_inner().unwrap_or_else(|p| p.into_inner());
    match err {
        Some(e) => Err(e),
        None => Ok(totals),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_skip_comments_blanks_and_repeats() {
        let l = parse_list("# org\n\n  https://h/a.git \nhttps://h/b.git\n#x\nhttps://h/a.git\n");
        assert_eq!(l, vec!["https://h/a.git", "https://h/b.git"]);
    }

    #[test]
    fn shards_partition_any_list_for_any_count() {
        let list: Vec<String> = (0..500)
            .map(|i| format!("https://h/org/r{i}.git"))
            .collect();
        for n in [1u64, 2, 3, 4, 7, 16] {
            let mut counts = vec![0usize; n as usize];
            for e in &list {
                let owners: Vec<u64> = (0..n)
                    .filter(|&k| Shard { index: k, count: n }.takes(e))
                    .collect();
                assert_eq!(owners.len(), 1, "{e} in {owners:?} of {n}");
                counts[owners[0] as usize] += 1;
            }
            // roughly even: no shard gets less than half its share
            for c in counts {
                assert!(c * 2 * n as usize >= list.len(), "{n}: {c}");
            }
        }
    }

    #[test]
    fn shard_specs_parse() {
        assert_eq!(Shard::parse("2/4").unwrap(), Shard { index: 2, count: 4 });
        for bad in ["4/4", "1", "a/2", "0/0", "-1/3"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }
}

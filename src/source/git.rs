//! Git as a source: the blobs of the index, of a commit range or of the whole history,
//! each with its path, the commit that brought it and the lines it adds.
//!
//! Everything is read through the `git` command in bulk: one `git diff --raw` or
//! `git log --raw` for the list of changes, and long-running `git cat-file --batch`
//! processes for the contents, never one process per commit or per file. Detection is the
//! scanner's ([`BufferScanner`]); this module only says which blobs to scan, which lines
//! of them count, and where each finding came from.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use super::gitrun::{step_name, GitPolicy, GitRunner, Progress, RunError};
use crate::finding::{Finding, GitProvenance};
use crate::progress::Counters;
use crate::scan::{sort_findings, BufferScanner, ScanResult, Scanner};

/// At most this many warnings are kept; the rest are counted.
const MAX_WARNINGS: usize = 200;

/// Longest time spent diffing one file: past it the diff is coarser (more lines count as
/// added), never wrong the other way.
const DIFF_DEADLINE: Duration = Duration::from_millis(500);

/// Why a git scan could not run. Each is one line for the user.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("git is not installed or not on PATH (akscan git runs the git command): {0}")]
    NotInstalled(std::io::Error),
    #[error("not a git repository: {0}")]
    NotARepo(String),
    #[error("the repository {0} has no commits yet: nothing to scan")]
    Empty(String),
    #[error("{0}")]
    BadRef(String),
    #[error("{0}")]
    Usage(String),
    #[error("git {what} failed: {msg}")]
    Failed { what: String, msg: String },
    #[error("cannot run git: {0}")]
    Io(std::io::Error),
    #[error(
        "git {step} made no progress for {secs} s and was stopped: the repository's configuration \
         may make git wait on a file that never ends (a FIFO named by include.path, \
         core.attributesFile or a file in .git), or its file system is stalled; check .git/config, \
         or allow more time with --git-stall-timeout SECS (or AKSCAN_GIT_STALL_TIMEOUT)"
    )]
    Stalled { step: String, secs: f64 },
}

/// A git repository, found from a directory inside it.
#[derive(Debug, Clone)]
pub struct Repo {
    /// The `.git` directory (or the bare repository), absolute.
    pub git_dir: PathBuf,
    /// The top of the work tree; `None` for a bare repository.
    pub work_tree: Option<PathBuf>,
    /// A shallow clone: history stops at grafted commits.
    pub shallow: bool,
    /// How git runs here: hardened unless trusted, under a watchdog.
    pub runner: GitRunner,
}

/// Why a git command failed: its standard error as one line or, when it said nothing, how
/// it ended (an exit code, or the signal that stopped it).
fn failure(out: &std::process::Output) -> String {
    let msg = one_line(&out.stderr);
    if msg != "no message" {
        return msg;
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = out.status.signal() {
            return format!("no message; stopped by signal {sig}");
        }
    }
    match out.status.code() {
        Some(c) => format!("no message; exit code {c}"),
        None => msg,
    }
}

/// The bytes of a command's standard error as one line.
fn one_line(stderr: &[u8]) -> String {
    let s = String::from_utf8_lossy(stderr);
    let s = s
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| l.strip_prefix("fatal: ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("; ");
    if s.is_empty() {
        "no message".into()
    } else {
        s
    }
}

fn spawn_error(e: std::io::Error) -> GitError {
    if e.kind() == std::io::ErrorKind::NotFound {
        GitError::NotInstalled(e)
    } else {
        GitError::Io(e)
    }
}

impl GitRunner {
    /// The error of a git step that could not run or was stopped.
    fn error(&self, step: &str, e: RunError) -> GitError {
        match e {
            RunError::Spawn(e) => spawn_error(e),
            RunError::Stalled => GitError::Stalled {
                step: step.to_string(),
                secs: self.policy.stall_limit.as_secs_f64(),
            },
        }
    }
}

impl Repo {
    /// Finds the repository that contains `dir`; git runs there under `policy`.
    pub fn open(dir: &Path, policy: GitPolicy) -> Result<Repo, GitError> {
        if !dir.is_dir() {
            return Err(GitError::NotARepo(format!(
                "{} is not a directory",
                dir.display()
            )));
        }
        // one process: --show-toplevel comes last, so a repository without a work tree
        // (bare, or inside .git) still prints the other three before it fails
        let runner = GitRunner { policy };
        let mut cmd = runner.command(dir, &[]);
        cmd.args([
            "rev-parse",
            "--absolute-git-dir",
            "--is-bare-repository",
            "--is-shallow-repository",
            "--show-toplevel",
        ]);
        let out = runner
            .output(cmd)
            .map_err(|e| runner.error("rev-parse", e))?;
        let text = String::from_utf8_lossy(&out.stdout);
        let lines: Vec<&str> = text.lines().collect();
        if !out.status.success() && lines.len() != 3 {
            let msg = one_line(&out.stderr);
            return Err(if msg.contains("not a git repository") {
                GitError::NotARepo(format!(
                    "{} (run akscan git inside a repository, or pass --repo DIR)",
                    dir.display()
                ))
            } else {
                GitError::Failed {
                    what: "rev-parse".into(),
                    msg,
                }
            });
        }
        if lines.len() < 3 {
            return Err(GitError::Failed {
                what: "rev-parse".into(),
                msg: "unexpected output".into(),
            });
        }
        let git_dir = PathBuf::from(lines[0]);
        let shallow = lines[2] == "true";
        let work_tree = match (out.status.success(), lines.get(3)) {
            (true, Some(top)) if lines[1] != "true" => Some(PathBuf::from(top)),
            _ => None,
        };
        Ok(Repo {
            git_dir,
            work_tree,
            shallow,
            runner,
        })
    }

    /// Where git runs: the top of the work tree, else the git directory.
    pub fn root(&self) -> &Path {
        self.work_tree.as_deref().unwrap_or(&self.git_dir)
    }

    /// A `git` command run at [`Repo::root`] (hardened, see [`GitRunner::command`]);
    /// pathspecs are literal.
    fn command_keeping(&self, keep: &[&str]) -> Command {
        let mut c = self.runner.command(self.root(), keep);
        // what the output is parsed as, whatever the configuration says: paths unquoted,
        // the root commit's changes shown, no colour codes
        c.arg("--literal-pathspecs").args([
            "-c",
            "core.quotePath=false",
            "-c",
            "log.showRoot=true",
            "-c",
            "color.ui=never",
        ]);
        c
    }

    fn command(&self) -> Command {
        self.command_keeping(&[])
    }

    /// Runs git with `args` to its end under the watchdog, whatever its exit status.
    fn output<S: AsRef<std::ffi::OsStr>>(
        &self,
        mut cmd: Command,
        args: &[S],
    ) -> Result<std::process::Output, GitError> {
        cmd.args(args);
        self.runner
            .output(cmd)
            .map_err(|e| self.runner.error(&step_name(args), e))
    }

    /// Runs git with `args` and returns its standard output; a failure is an error named
    /// after `args[0]`.
    fn run<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Result<Vec<u8>, GitError> {
        let out = self.output(self.command(), args)?;
        if !out.status.success() {
            return Err(GitError::Failed {
                what: step_name(args),
                msg: failure(&out),
            });
        }
        Ok(out.stdout)
    }

    /// Whether any ref points at a commit.
    fn has_commits(&self) -> Result<bool, GitError> {
        let out = self.run(&["rev-list", "--all", "--max-count=1"])?;
        Ok(!out.trim_ascii().is_empty())
    }

    /// The commit `rev` names, or a clear error (unknown ref, not in this shallow clone).
    pub fn resolve_commit(&self, rev: &str) -> Result<String, GitError> {
        let out = self.output(
            self.command(),
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                &format!("{rev}^{{commit}}"),
            ],
        )?;
        let oid = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if out.status.success() && !oid.is_empty() {
            return Ok(oid);
        }
        if !self.has_commits()? {
            return Err(GitError::Empty(self.root().display().to_string()));
        }
        if self.shallow {
            return Err(GitError::BadRef(format!(
                "{rev:?} is not in this shallow clone: fetch the history the range needs \
                 (git fetch --deepen=N, or --unshallow; in GitHub Actions, actions/checkout with fetch-depth: 0)"
            )));
        }
        Err(GitError::BadRef(format!(
            "{rev:?} does not name a commit in this repository"
        )))
    }

    /// The remote-tracking branches (`refs/remotes/`), each as (ref name, commit).
    pub fn remote_branches(&self) -> Result<Vec<(String, String)>, GitError> {
        let out = self.run(&[
            "for-each-ref",
            "--format=%(objectname) %(refname)",
            "refs/remotes/",
        ])?;
        Ok(String::from_utf8_lossy(&out)
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(oid, name)| (name.to_string(), oid.to_string()))
            .collect())
    }

    /// The path of the hooks directory, honouring `core.hooksPath` (read, not run).
    pub fn hooks_dir(&self) -> Result<PathBuf, GitError> {
        let args = ["rev-parse", "--git-path", "hooks"];
        let out = self.output(self.command_keeping(&["core.hooksPath"]), &args)?;
        if !out.status.success() {
            return Err(GitError::Failed {
                what: "rev-parse".into(),
                msg: one_line(&out.stderr),
            });
        }
        let out = out.stdout;
        let p = PathBuf::from(String::from_utf8_lossy(&out).trim_end_matches(['\n', '\r']));
        Ok(if p.is_absolute() {
            p
        } else {
            self.root().join(p)
        })
    }
}

/// An object id of the null object: the side of a change where the file does not exist.
pub fn is_null(oid: &str) -> bool {
    oid.bytes().all(|b| b == b'0')
}

/// A commit's identity, for provenance.
#[derive(Debug, Clone)]
struct Commit {
    oid: String,
    author: String,
    email: String,
    date: String,
    /// Committer time (seconds): orders introductions.
    time: i64,
    summary: String,
}

impl Commit {
    fn provenance(&self, blob: &str) -> GitProvenance {
        GitProvenance {
            commit: self.oid.clone(),
            author: self.author.clone(),
            email: self.email.clone(),
            date: self.date.clone(),
            summary: Some(self.summary.clone()),
            blob: Some(blob.to_string()),
            present_at_head: None,
            repository: None,
        }
    }
}

/// One file changed by a commit or by the index, from `--raw` output.
#[derive(Debug, Clone)]
struct Change {
    /// The file's path after the change (bytes: names need not be UTF-8).
    path: Vec<u8>,
    /// Mode and blob after the change.
    mode: String,
    oid: String,
    /// The blob before the change, one per parent (a merge has several); null when the
    /// file did not exist there.
    old: Vec<String>,
    /// Index of the commit in the parsed log; `None` for the index.
    commit: Option<usize>,
}

impl Change {
    fn path_str(&self) -> String {
        super::walk::escape_name(&self.path).into_owned()
    }
}

/// The log format: a commit starts with \x01 then NUL-separated fields.
const LOG_FORMAT: &str = "--format=%x01%H%x00%an%x00%ae%x00%aI%x00%ct%x00%s";

/// Parses `--raw -z` output (from `git diff` or `git log` with [`LOG_FORMAT`]), including
/// the combined format of merges (`::` with one old mode and blob per parent).
fn parse_raw(out: &[u8], commits: &mut Vec<Commit>, changes: &mut Vec<Change>) {
    let mut tokens = out.split(|&b| b == 0).peekable();
    let mut current: Option<usize> = None;
    while let Some(tok) = tokens.next() {
        let tok = tok.strip_prefix(b"\n").unwrap_or(tok);
        if let Some(oid) = tok.strip_prefix(b"\x01") {
            let mut field =
                || String::from_utf8_lossy(tokens.next().unwrap_or_default()).into_owned();
            let (author, email, date, time, summary) =
                (field(), field(), field(), field(), field());
            commits.push(Commit {
                oid: String::from_utf8_lossy(oid).into_owned(),
                author,
                email,
                date,
                time: time.trim().parse().unwrap_or(0),
                summary,
            });
            current = Some(commits.len() - 1);
            continue;
        }
        let Some(colons) = tok.iter().position(|&b| b != b':') else {
            continue;
        };
        if colons == 0 {
            continue; // not an entry (an empty token between commits)
        }
        let head = String::from_utf8_lossy(&tok[colons..]).into_owned();
        let fields: Vec<&str> = head.split(' ').collect();
        // parents old modes + new mode, parents old oids + new oid, status
        let n = colons;
        if fields.len() < 2 * (n + 1) + 1 {
            continue;
        }
        let mode = fields[n].to_string();
        let old: Vec<String> = fields[n + 1..2 * n + 1]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let oid = fields[2 * n + 1].to_string();
        let status = fields[2 * n + 2]
            .as_bytes()
            .first()
            .copied()
            .unwrap_or(b'M');
        let mut path = tokens.next().unwrap_or_default().to_vec();
        if n == 1 && (status == b'R' || status == b'C') {
            path = tokens.next().unwrap_or_default().to_vec();
        }
        if status == b'D' || status == b'U' || is_null(&oid) {
            continue;
        }
        changes.push(Change {
            path,
            mode,
            oid,
            old,
            commit: current,
        });
    }
}

/// What reading one blob gave.
enum Blob<'a> {
    Data(&'a [u8]),
    TooLarge(u64),
    Missing,
}

/// Streams the contents of `oids` from one `git cat-file --batch` process, calling `f`
/// for each in order. Blobs over `max_size` are not kept in memory.
fn cat_blobs(
    repo: &Repo,
    oids: &[String],
    max_size: u64,
    mut f: impl FnMut(&str, Blob<'_>),
) -> Result<(), GitError> {
    if oids.is_empty() {
        return Ok(());
    }
    let mut child = repo
        .command()
        .args(["cat-file", "--batch", "--buffer"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(spawn_error)?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let stdout = child.stdout.take().expect("piped stdout");
    #[cfg(target_os = "linux")]
    {
        // a larger pipe: fewer wake-ups between git and us for the same bytes
        use std::os::fd::AsRawFd;
        // SAFETY: F_SETPIPE_SZ on a pipe we own; failure only leaves the default size.
        unsafe { libc::fcntl(stdout.as_raw_fd(), libc::F_SETPIPE_SZ, 1 << 20) };
    }
    let stderr = child.stderr.take().expect("piped stderr");
    let watched = repo.runner.watch(&mut child, |p: &Progress| {
        std::thread::scope(|s| {
            s.spawn(move || {
                let mut w = std::io::BufWriter::with_capacity(1 << 16, &mut stdin);
                for o in oids {
                    if writeln!(w, "{o}").is_err() {
                        return;
                    }
                }
                let _ = w.flush();
            });
            let err = s.spawn(move || {
                let mut e = Vec::new();
                let _ = p.reader(stderr).read_to_end(&mut e);
                e
            });
            let mut r = BufReader::with_capacity(1 << 20, p.reader(stdout));
            let mut header = Vec::new();
            let mut data = Vec::new();
            let mut res = Ok(());
            for want in oids {
                header.clear();
                match r.read_until(b'\n', &mut header) {
                    Ok(0) | Err(_) => {
                        res = Err(GitError::Failed {
                            what: "cat-file".into(),
                            msg: "ended early".into(),
                        });
                        break;
                    }
                    Ok(_) => {}
                }
                let h = String::from_utf8_lossy(&header);
                let parts: Vec<&str> = h.split_whitespace().collect();
                if parts.len() != 3 {
                    let _busy = p.busy();
                    f(want, Blob::Missing);
                    continue;
                }
                let size: u64 = parts[2].parse().unwrap_or(0);
                if size > max_size {
                    let skipped = std::io::copy(&mut (&mut r).take(size + 1), &mut std::io::sink());
                    if skipped.is_err() {
                        res = Err(GitError::Failed {
                            what: "cat-file".into(),
                            msg: "short read".into(),
                        });
                        break;
                    }
                    let _busy = p.busy();
                    f(want, Blob::TooLarge(size));
                    continue;
                }
                data.clear();
                let got = (&mut r).take(size + 1).read_to_end(&mut data);
                if !matches!(got, Ok(n) if n as u64 == size + 1) {
                    res = Err(GitError::Failed {
                        what: "cat-file".into(),
                        msg: "short read".into(),
                    });
                    break;
                }
                data.pop();
                let _busy = p.busy();
                if parts[1] == "blob" {
                    f(want, Blob::Data(&data));
                } else {
                    f(want, Blob::Missing);
                }
            }
            drop(r);
            let msg = err.join().unwrap_or_default();
            if res.is_err() && !msg.is_empty() {
                res = Err(GitError::Failed {
                    what: "cat-file".into(),
                    msg: one_line(&msg),
                });
            }
            res
        })
    });
    let _ = child.wait();
    watched.unwrap_or_else(|e| Err(repo.runner.error("cat-file", e)))
}

/// 1-based numbers of the lines of `new` that are in no `old` (sorted). With no old
/// version every line is added; with several (a merge), a line is added only if it is
/// added against every parent.
pub fn added_lines(olds: &[&[u8]], new: &[u8]) -> Vec<usize> {
    let new_lines: Vec<&[u8]> = split_lines(new);
    let mut added = vec![true; new_lines.len()];
    for old in olds {
        let old_lines = split_lines(old);
        let mut here = vec![false; new_lines.len()];
        let ops = similar::capture_diff_slices_deadline(
            similar::Algorithm::Myers,
            &old_lines,
            &new_lines,
            Some(Instant::now() + DIFF_DEADLINE),
        );
        for op in ops {
            match op {
                similar::DiffOp::Insert {
                    new_index, new_len, ..
                }
                | similar::DiffOp::Replace {
                    new_index, new_len, ..
                } => {
                    for h in &mut here[new_index..new_index + new_len] {
                        *h = true;
                    }
                }
                _ => {}
            }
        }
        for (a, h) in added.iter_mut().zip(here) {
            *a &= h;
        }
    }
    added
        .iter()
        .enumerate()
        .filter(|(_, &a)| a)
        .map(|(i, _)| i + 1)
        .collect()
}

/// Lines of a buffer, each with its line ending; a final line without one counts.
fn split_lines(b: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in memchr::memchr_iter(b'\n', b) {
        out.push(&b[start..=i]);
        start = i + 1;
    }
    if start < b.len() {
        out.push(&b[start..]);
    }
    out
}

/// How a git scan runs.
#[derive(Debug, Clone)]
pub struct GitScanOptions {
    pub threads: usize,
    pub max_file_size: u64,
    /// Live counts for a progress display (`total` is set when known).
    pub progress: Option<Arc<Counters>>,
}

/// Collects warnings up to [`MAX_WARNINGS`].
fn warn(result: &mut ScanResult, msg: String) {
    if result.warnings.len() < MAX_WARNINGS {
        result.warnings.push(msg);
    } else {
        result.warnings_dropped += 1;
    }
}

fn pool(threads: usize) -> Result<rayon::ThreadPool, GitError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
        .map_err(|e| GitError::Usage(format!("cannot start threads: {e}")))
}

/// Changes whose blobs are held in memory at once: a long range is read in batches, one
/// `git cat-file` process per batch.
const BATCH: usize = 4096;

/// Scans the lines `changes` add: each new blob whole (for context), keeping only the
/// findings on added lines, with the provenance of the change's commit.
fn scan_changes(
    repo: &Repo,
    scanner: &Scanner,
    commits: &[Commit],
    changes: Vec<Change>,
    opts: &GitScanOptions,
) -> Result<ScanResult, GitError> {
    if let Some(p) = &opts.progress {
        p.total.store(changes.len() as u64, Ordering::Relaxed);
    }
    let mut result = ScanResult::default();
    for batch in changes.chunks(BATCH) {
        let part = scan_batch(repo, scanner, commits, batch, opts)?;
        result.findings.extend(part.findings);
        let (s, p) = (&mut result.stats, &part.stats);
        s.files_scanned += p.files_scanned;
        s.bytes_scanned += p.bytes_scanned;
        s.skipped.binary += p.skipped.binary;
        s.skipped.too_large += p.skipped.too_large;
        s.skipped.unreadable += p.skipped.unreadable;
        s.skipped.symlink += p.skipped.symlink;
        for w in part.warnings {
            warn(&mut result, w);
        }
    }
    sort_findings(&mut result.findings);
    result.stats.findings = result.findings.len() as u64;
    Ok(result)
}

fn scan_batch(
    repo: &Repo,
    scanner: &Scanner,
    commits: &[Commit],
    changes: &[Change],
    opts: &GitScanOptions,
) -> Result<ScanResult, GitError> {
    let mut result = ScanResult::default();
    let mut wanted: Vec<String> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut files = Vec::new();
    for c in changes {
        match c.mode.as_str() {
            "100644" | "100755" | "100664" => {}
            "120000" => {
                result.stats.skipped.symlink += 1;
                continue;
            }
            _ => continue, // submodules (160000): another repository
        }
        for o in std::iter::once(&c.oid).chain(c.old.iter()) {
            if !is_null(o) && seen.insert(o) {
                wanted.push(o.clone());
            }
        }
        files.push(c);
    }
    let mut blobs: HashMap<String, Vec<u8>> = HashMap::new();
    let mut too_large: HashMap<String, u64> = HashMap::new();
    let mut missing: HashSet<String> = HashSet::new();
    cat_blobs(repo, &wanted, opts.max_file_size, |oid, b| match b {
        Blob::Data(d) => {
            blobs.insert(oid.to_string(), d.to_vec());
        }
        Blob::TooLarge(n) => {
            too_large.insert(oid.to_string(), n);
        }
        Blob::Missing => {
            missing.insert(oid.to_string());
        }
    })?;
    let pool = pool(opts.threads)?;
    let empty: Vec<u8> = Vec::new();
    struct One {
        findings: Vec<Finding>,
        bytes: u64,
        binary: bool,
        /// Values past the most findings one file gives, and the warning naming it.
        dropped: Option<(u64, String)>,
    }
    let per_file: Vec<Result<One, String>> = pool.install(|| {
        files
            .par_iter()
            .map_init(
                || scanner.buffer_scanner(),
                |bs: &mut BufferScanner<'_>, c| {
                    let path = c.path_str();
                    if let Some(n) = too_large.get(&c.oid) {
                        return Err(format!(
                            "{path}: skipped: {n} bytes is over the size limit of {} bytes (--max-file-size)",
                            opts.max_file_size
                        ));
                    }
                    let Some(new) = blobs.get(&c.oid) else {
                        return Err(format!(
                            "{path}: blob {} is missing from the repository and was not scanned \
                             (in a partial clone, a blob never fetched: akscan does not fetch it)",
                            c.oid
                        ));
                    };
                    let olds: Vec<&[u8]> = c
                        .old
                        .iter()
                        .map(|o| {
                            if is_null(o) {
                                &empty[..]
                            } else {
                                // an old version too large or missing: treat every line as new
                                blobs.get(o).map_or(&empty[..], |v| &v[..])
                            }
                        })
                        .collect();
                    let (found, summary) = scan_at_path(scanner, bs, &path, new);
                    let mut findings = Vec::new();
                    if !found.is_empty() {
                        // an archive's lines mean nothing: what it adds is each value
                        // its members hold that its old version did not
                        let added = match is_archive_at(&path, new) {
                            true => Added::Values(
                                olds.iter()
                                    .flat_map(|o| scanner.scan_bytes(&path, o))
                                    .map(|f| value_key(&f))
                                    .collect(),
                            ),
                            false => Added::Lines(added_lines(&olds, new)),
                        };
                        for mut f in found {
                            let new_here = match &added {
                                Added::Lines(lines) => lines.binary_search(&f.line).is_ok(),
                                Added::Values(old) => !old.contains(&value_key(&f)),
                            };
                            if new_here {
                                if let Some(ci) = c.commit {
                                    f.git = Some(commits[ci].provenance(&c.oid));
                                }
                                findings.push(f);
                            }
                        }
                    }
                    if let Some(p) = &opts.progress {
                        p.files.fetch_add(1, Ordering::Relaxed);
                        p.bytes.fetch_add(new.len() as u64, Ordering::Relaxed);
                    }
                    let dropped = (summary.findings_dropped > 0).then(|| {
                        let n = summary.findings_dropped;
                        let limit = crate::scan::DEFAULT_MAX_FINDINGS_PER_FILE;
                        (n, crate::scan::dropped_warning(&path, limit, n))
                    });
                    Ok(One {
                        findings,
                        bytes: new.len() as u64,
                        binary: summary.binary,
                        dropped,
                    })
                },
            )
            .collect()
    });
    for r in per_file {
        match r {
            Ok(one) => {
                result.stats.files_scanned += 1;
                result.stats.bytes_scanned += one.bytes;
                if one.binary {
                    result.stats.skipped.binary += 1;
                }
                if let Some((n, msg)) = one.dropped {
                    result.stats.findings_dropped += n;
                    warn(&mut result, msg);
                }
                result.findings.extend(one.findings);
            }
            Err(msg) => {
                if msg.contains("size limit") {
                    result.stats.skipped.too_large += 1;
                } else {
                    result.stats.skipped.unreadable += 1;
                }
                warn(&mut result, msg);
            }
        }
    }
    sort_findings(&mut result.findings);
    result.stats.findings = result.findings.len() as u64;
    Ok(result)
}

/// `akscan git --staged`: the lines the next commit adds (the index against HEAD), with
/// each staged file whole as context. `paths` limits the scan (literal pathspecs).
pub fn scan_staged(
    repo: &Repo,
    scanner: &Scanner,
    paths: &[PathBuf],
    opts: &GitScanOptions,
) -> Result<ScanResult, GitError> {
    let started = Instant::now();
    if repo.work_tree.is_none() {
        return Err(GitError::Usage(
            "--staged needs a work tree (this is a bare repository)".into(),
        ));
    }
    // plumbing: the index against HEAD's tree, without refreshing the index or reading the
    // work tree (so no filter or fsmonitor has a reason to run)
    let args = |base: &str| -> Vec<std::ffi::OsString> {
        let mut a: Vec<std::ffi::OsString> = [
            "diff-index",
            "--cached",
            "--raw",
            "-z",
            "--no-abbrev",
            "-M",
            base,
            "--",
        ]
        .iter()
        .map(Into::into)
        .collect();
        a.extend(paths.iter().map(|p| p.as_os_str().to_owned()));
        a
    };
    let out = match repo.run(&args("HEAD")) {
        Ok(out) => out,
        Err(e) => {
            // no commit yet: everything staged is added (against the empty tree)
            let head = repo.output(
                repo.command(),
                &["rev-parse", "--verify", "--quiet", "HEAD^{commit}"],
            )?;
            if head.status.success() {
                return Err(e);
            }
            let empty = repo.run(&["hash-object", "-t", "tree", "--stdin"])?;
            let empty = String::from_utf8_lossy(&empty).trim().to_string();
            repo.run(&args(&empty))?
        }
    };
    let mut commits = Vec::new();
    let mut changes = Vec::new();
    parse_raw(&out, &mut commits, &mut changes);
    let mut result = scan_changes(repo, scanner, &commits, changes, opts)?;
    result.stats.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(result)
}

/// A commit range `A..B`; `A` may be empty (everything up to `B`), `B` defaults to HEAD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    pub from: Option<String>,
    pub to: String,
}

impl Range {
    /// Parses `A..B`, `A..` or `..B` (`A...B` is refused: CI wants what B adds over A).
    pub fn parse(s: &str) -> Result<Range, String> {
        if s.contains("...") {
            return Err(format!(
                "--range {s:?}: use A..B (the commits in B that are not in A)"
            ));
        }
        let Some((a, b)) = s.split_once("..") else {
            return Err(format!(
                "--range {s:?}: expected A..B (e.g. origin/main..HEAD); for everything since a ref use --since REF"
            ));
        };
        if a.is_empty() && b.is_empty() {
            return Err(format!("--range {s:?}: name at least one end"));
        }
        Ok(Range {
            from: (!a.is_empty()).then(|| a.to_string()),
            to: if b.is_empty() {
                "HEAD".into()
            } else {
                b.to_string()
            },
        })
    }
}

/// `akscan git --range A..B` / `--since A`: the lines each commit in the range adds, with
/// the commit's author, date and summary.
pub fn scan_range(
    repo: &Repo,
    scanner: &Scanner,
    range: &Range,
    opts: &GitScanOptions,
) -> Result<ScanResult, GitError> {
    let started = Instant::now();
    let to = repo.resolve_commit(&range.to)?;
    let from = match &range.from {
        Some(f) => Some(repo.resolve_commit(f)?),
        None => None,
    };
    let mut result = scan_log(repo, scanner, &to, from.as_slice(), opts)?;
    if repo.shallow && from.is_none() {
        warn(
            &mut result,
            "this is a shallow clone: commits before its oldest fetched commit were not scanned"
                .into(),
        );
    }
    result.stats.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(result)
}

/// The lines each commit reachable from `to` but from none of `exclude` adds (all are
/// object ids, resolved by the caller).
fn scan_log(
    repo: &Repo,
    scanner: &Scanner,
    to: &str,
    exclude: &[String],
    opts: &GitScanOptions,
) -> Result<ScanResult, GitError> {
    let mut args: Vec<String> = ["log", "--raw", "-z", "--no-abbrev", "-M", "-c"]
        .iter()
        .chain(repo.runner.log_args())
        .chain(&[LOG_FORMAT, to])
        .map(|s| s.to_string())
        .collect();
    args.extend(exclude.iter().map(|e| format!("^{e}")));
    args.push("--".into());
    let out = repo.run(&args)?;
    let mut commits = Vec::new();
    let mut changes = Vec::new();
    parse_raw(&out, &mut commits, &mut changes);
    scan_changes(repo, scanner, &commits, changes, opts)
}

/// The lines each commit reachable from `to` (a ref or an object id) adds, leaving out the
/// commits reachable from any of `exclude` (commits, e.g. from [`Repo::remote_branches`]):
/// what a new branch brings that the remote did not have.
pub fn scan_new_commits(
    repo: &Repo,
    scanner: &Scanner,
    to: &str,
    exclude: &[String],
    opts: &GitScanOptions,
) -> Result<ScanResult, GitError> {
    let started = Instant::now();
    let to = repo.resolve_commit(to)?;
    let mut result = scan_log(repo, scanner, &to, exclude, opts)?;
    result.stats.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(result)
}

/// Where a blob was first seen at a path.
#[derive(Debug, Clone, Copy)]
struct Intro {
    commit: usize,
}

/// Reads the whole history's changes: for each blob, the paths it appeared at and the
/// earliest commit at each (earliest by committer time; on a tie, the one listed last,
/// as `git log` lists parents after children).
type Intros = HashMap<String, HashMap<Vec<u8>, Intro>>;

fn read_history(repo: &Repo) -> Result<(Vec<Commit>, Intros), GitError> {
    let mut args = vec![
        "log",
        "--all",
        "--raw",
        "-z",
        "--no-abbrev",
        "--no-renames",
        "-c",
    ];
    args.extend(repo.runner.log_args());
    args.push(LOG_FORMAT);
    let out = repo.run(&args)?;
    let mut commits = Vec::new();
    let mut changes = Vec::new();
    parse_raw(&out, &mut commits, &mut changes);
    drop(out);
    let mut intros: Intros = HashMap::new();
    for c in changes {
        let Some(ci) = c.commit else { continue };
        if c.mode == "160000" {
            continue; // a submodule's commit: another repository's object
        }
        let by_path = intros.entry(c.oid).or_default();
        match by_path.get_mut(&c.path) {
            Some(i) => {
                if commits[ci].time <= commits[i.commit].time {
                    i.commit = ci;
                }
            }
            None => {
                by_path.insert(c.path, Intro { commit: ci });
            }
        }
    }
    Ok((commits, intros))
}

/// Every blob in the object database with its size, in pack order (fast to read).
fn list_blobs(repo: &Repo) -> Result<Vec<(String, u64)>, GitError> {
    let out = repo.run(&[
        "cat-file",
        "--batch-all-objects",
        "--unordered",
        "--batch-check=%(objecttype) %(objectname) %(objectsize)",
    ])?;
    let text = String::from_utf8_lossy(&out);
    Ok(text
        .lines()
        .filter_map(|l| {
            let mut it = l.split(' ');
            if it.next()? != "blob" {
                return None;
            }
            let oid = it.next()?.to_string();
            let size = it.next()?.parse().ok()?;
            Some((oid, size))
        })
        .collect())
}

/// Blobs in the tree at HEAD (none when HEAD has no commit).
fn head_blobs(repo: &Repo) -> HashSet<(Vec<u8>, String)> {
    let Ok(out) = repo.run(&["ls-tree", "-r", "-z", "--full-tree", "HEAD"]) else {
        return HashSet::new();
    };
    out.split(|&b| b == 0)
        .filter_map(|e| {
            let tab = e.iter().position(|&b| b == b'\t')?;
            let meta = std::str::from_utf8(&e[..tab]).ok()?;
            let mut it = meta.split(' ');
            let (_mode, kind, oid) = (it.next()?, it.next()?, it.next()?);
            (kind == "blob").then(|| (e[tab + 1..].to_vec(), oid.to_string()))
        })
        .collect()
}

/// The name an archive blob is scanned under before its paths are known, from its first
/// bytes: zip, gzip or tar.
fn archive_name_by_magic(d: &[u8]) -> Option<&'static str> {
    if d.starts_with(b"PK\x03\x04") || d.starts_with(b"PK\x05\x06") {
        Some("blob.zip")
    } else if d.starts_with(&[0x1f, 0x8b]) {
        Some("blob.gz")
    } else if d.len() >= 262 && &d[257..262] == b"ustar" {
        Some("blob.tar")
    } else {
        None
    }
}

/// What a change adds to a file: lines of text, or (an archive) values its old version
/// did not hold.
enum Added {
    Lines(Vec<usize>),
    Values(HashSet<(String, String, String)>),
}

/// A finding's place and value, to compare an archive's members before and after.
fn value_key(f: &Finding) -> (String, String, String) {
    (
        f.path.clone(),
        f.rule_id.clone(),
        f.secret.expose().to_string(),
    )
}

/// Whether the directory scan would open `data` as an archive at `path`.
fn is_archive_at(path: &str, data: &[u8]) -> bool {
    let head = &data[..data.len().min(super::archive::HEAD_LEN)];
    super::archive::has_archive_ext(path) && super::archive::kind_of(path, head).is_some()
}

/// Scans a blob at one of its paths as the directory scan would scan a file there: an
/// archive's members and a notebook's cells, or text.
fn scan_at_path(
    scanner: &Scanner,
    bs: &mut crate::scan::BufferScanner<'_>,
    path: &str,
    data: &[u8],
) -> (Vec<Finding>, crate::source::read::ReadSummary) {
    if is_archive_at(path, data) || super::notebook::is_notebook(path) {
        (scanner.scan_bytes(path, data), Default::default())
    } else {
        bs.scan(path, data)
    }
}

/// `akscan git --history`: every blob reachable from any ref (branches, tags, remotes,
/// stash), each scanned once, each finding with the commit that introduced its value at
/// its path and whether the value is still in the tree at HEAD.
pub fn scan_history(
    repo: &Repo,
    scanner: &Scanner,
    opts: &GitScanOptions,
) -> Result<ScanResult, GitError> {
    let started = Instant::now();
    if !repo.has_commits()? {
        return Err(GitError::Empty(repo.root().display().to_string()));
    }
    let threads = opts.threads.max(1);
    // the history (commit walk and tree diffs) runs in git while the blobs are scanned
    let (history, scanned) = std::thread::scope(|s| {
        let h = s.spawn(|| read_history(repo));
        let scanned = scan_all_blobs(repo, scanner, threads, opts);
        let history = h.join().unwrap_or_else(|_| {
            Err(GitError::Failed {
                what: "log".into(),
                msg: "reader thread failed".into(),
            })
        });
        (history, scanned)
    });
    let (commits, intros) = history?;
    let scanned = scanned?;
    let at_head = head_blobs(repo);

    let mut result = ScanResult::default();
    for (oid, size, binary) in &scanned.blobs {
        if !intros.contains_key(oid) {
            continue;
        }
        result.stats.files_scanned += 1;
        result.stats.bytes_scanned += size;
        if *binary {
            result.stats.skipped.binary += 1;
        }
    }
    for (oid, size) in &scanned.too_large {
        if let Some(paths) = intros.get(oid) {
            result.stats.skipped.too_large += 1;
            let path = paths
                .keys()
                .next()
                .map(|p| super::walk::escape_name(p).into_owned())
                .unwrap_or_default();
            warn(
                &mut result,
                format!(
                    "{path}: blob {oid} skipped: {size} bytes is over the size limit of {} bytes (--max-file-size)",
                    opts.max_file_size
                ),
            );
        }
    }
    // blobs the history names that the object database could not give: report each
    let listed: HashSet<&str> = scanned
        .blobs
        .iter()
        .map(|b| b.0.as_str())
        .chain(scanned.too_large.iter().map(|b| b.0.as_str()))
        .collect();
    let mut missing: Vec<(String, &String)> = intros
        .iter()
        .filter(|(oid, _)| !listed.contains(oid.as_str()))
        .map(|(oid, paths)| {
            let mut p: Vec<&Vec<u8>> = paths.keys().collect();
            p.sort();
            (super::walk::escape_name(p[0]).into_owned(), oid)
        })
        .collect();
    missing.sort();
    for (path, oid) in missing {
        result.stats.skipped.unreadable += 1;
        warn(
            &mut result,
            format!("{path}: blob {oid} is missing or unreadable in the object database and was not scanned (run `git fsck`)"),
        );
    }
    // (path, rule, value) still in the tree at HEAD: at that path, not anywhere
    let mut values_at_head: HashSet<(String, String, String)> = HashSet::new();
    let mut unreachable = 0usize;
    let mut with_paths = Vec::new();
    for (oid, data) in &scanned.hits {
        let Some(paths) = intros.get(oid) else {
            unreachable += 1;
            continue;
        };
        with_paths.push((oid, data, paths));
    }
    // rescan the (few) blobs with findings at each real path: language, fingerprints
    let mut bs = scanner.buffer_scanner();
    let mut all: Vec<(i64, usize, Finding)> = Vec::new();
    for (oid, data, paths) in with_paths {
        for (path, intro) in paths {
            let at_head_here = at_head.contains(&(path.clone(), oid.to_string()));
            let path = super::walk::escape_name(path);
            let (found, summary) = scan_at_path(scanner, &mut bs, &path, data);
            if summary.findings_dropped > 0 {
                let n = summary.findings_dropped;
                result.stats.findings_dropped += n;
                let limit = crate::scan::DEFAULT_MAX_FINDINGS_PER_FILE;
                warn(&mut result, crate::scan::dropped_warning(&path, limit, n));
            }
            let commit = &commits[intro.commit];
            for mut f in found {
                if at_head_here {
                    values_at_head.insert((
                        f.path.clone(),
                        f.rule_id.clone(),
                        f.secret.expose().to_string(),
                    ));
                }
                f.git = Some(commit.provenance(oid));
                all.push((commit.time, intro.commit, f));
            }
        }
    }
    if unreachable > 0 {
        warn(
            &mut result,
            format!(
                "{unreachable} blob{} with findings {} not reachable from any ref (left over from rewritten or deleted history; `git gc --prune=now` removes them locally) and {} not reported",
                if unreachable == 1 { "" } else { "s" },
                if unreachable == 1 { "is" } else { "are" },
                if unreachable == 1 { "is" } else { "are" },
            ),
        );
    }
    // one finding per rule, path and value: the earliest introduction
    all.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut kept: HashSet<(String, String, String)> = HashSet::new();
    for (_, _, mut f) in all {
        let key = (
            f.rule_id.clone(),
            f.path.clone(),
            f.secret.expose().to_string(),
        );
        if !kept.insert(key) {
            continue;
        }
        let head = values_at_head.contains(&(
            f.path.clone(),
            f.rule_id.clone(),
            f.secret.expose().to_string(),
        ));
        if let Some(g) = &mut f.git {
            g.present_at_head = Some(head);
        }
        result.findings.push(f);
    }
    if repo.shallow {
        warn(
            &mut result,
            "this is a shallow clone: history before its oldest fetched commits was not scanned (git fetch --unshallow)".into(),
        );
    }
    sort_findings(&mut result.findings);
    result.stats.commits = commits.len() as u64;
    result.stats.findings = result.findings.len() as u64;
    result.stats.elapsed_ms = started.elapsed().as_millis() as u64;
    Ok(result)
}

/// What scanning every blob found, before the history says which ones count.
#[derive(Default)]
struct Scanned {
    /// Every blob scanned: id, size, binary.
    blobs: Vec<(String, u64, bool)>,
    /// Blobs over the size limit: id, size.
    too_large: Vec<(String, u64)>,
    /// Blobs with findings (at a placeholder path): id, contents.
    hits: Vec<(String, Vec<u8>)>,
}

/// Scans every blob in the object database: `threads` `git cat-file --batch` processes,
/// each reading a contiguous share of the blobs in pack order (so each resolves its own
/// delta chains), each feeding a scanning thread.
fn scan_all_blobs(
    repo: &Repo,
    scanner: &Scanner,
    threads: usize,
    opts: &GitScanOptions,
) -> Result<Scanned, GitError> {
    let all = list_blobs(repo)?;
    let mut out = Scanned::default();
    let mut ids = Vec::with_capacity(all.len());
    for (oid, size) in all {
        if size > opts.max_file_size {
            out.too_large.push((oid, size));
        } else {
            ids.push(oid);
        }
    }
    if let Some(p) = &opts.progress {
        p.total.store(ids.len() as u64, Ordering::Relaxed);
    }
    let share = ids.len().div_ceil(threads).max(1);
    let parts: Vec<Result<Scanned, GitError>> = std::thread::scope(|s| {
        let handles: Vec<_> = ids
            .chunks(share)
            .map(|chunk| {
                s.spawn(move || {
                    let mut part = Scanned::default();
                    let mut bs = scanner.buffer_scanner();
                    cat_blobs(repo, chunk, u64::MAX, |oid, b| {
                        if let Blob::Data(d) = b {
                            let (found, summary) = bs.scan("blob", d);
                            part.blobs
                                .push((oid.to_string(), d.len() as u64, summary.binary));
                            // an archive's members are scanned too (its paths, known
                            // later, say whether the directory scan would open it)
                            let in_archive = || {
                                archive_name_by_magic(d)
                                    .is_some_and(|name| !scanner.scan_bytes(name, d).is_empty())
                            };
                            if !found.is_empty() || in_archive() {
                                part.hits.push((oid.to_string(), d.to_vec()));
                            }
                            if let Some(p) = &opts.progress {
                                p.files.fetch_add(1, Ordering::Relaxed);
                                p.bytes.fetch_add(d.len() as u64, Ordering::Relaxed);
                            }
                        }
                    })?;
                    Ok(part)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(GitError::Failed {
                        what: "cat-file".into(),
                        msg: "scanning thread failed".into(),
                    })
                })
            })
            .collect()
    });
    for p in parts {
        let p = p?;
        out.blobs.extend(p.blobs);
        out.hits.extend(p.hits);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_lines_against_one_and_two_parents() {
        let old = b"a\nb\nc\n";
        let new = b"a\nx\nb\nc\ny";
        assert_eq!(added_lines(&[old], new), vec![2, 5]);
        assert_eq!(added_lines(&[], new), vec![1, 2, 3, 4, 5]);
        // a merge: x comes from the other parent, only y is new against both
        let other = b"a\nx\nb\nc\n";
        assert_eq!(added_lines(&[old, other], new), vec![5]);
    }

    #[test]
    fn ranges_parse() {
        assert_eq!(
            Range::parse("main..feature").unwrap(),
            Range {
                from: Some("main".into()),
                to: "feature".into()
            }
        );
        assert_eq!(Range::parse("abc..").unwrap().to, "HEAD");
        assert!(Range::parse("..x").unwrap().from.is_none());
        assert!(Range::parse("a...b").is_err());
        assert!(Range::parse("main").is_err());
        assert!(Range::parse("..").is_err());
    }

    #[test]
    fn raw_output_with_merges_and_renames() {
        let z = "0".repeat(40);
        let a = "a".repeat(40);
        let b = "b".repeat(40);
        let c = "c".repeat(40);
        let out = format!(
            "\x01{c}\0Ann\0ann@example.com\02024-01-01T00:00:00Z\01700000000\0merge it\0\n::100644 100644 100644 {a} {b} {c} MM\0both.py\0\
             \x01{a}\0Bob\0bob@example.com\02023-01-01T00:00:00Z\01600000000\0move\0\n:100644 100644 {a} {b} R090\0old.py\0new.py\0:100644 000000 {a} {z} D\0gone.py\0"
        );
        let mut commits = Vec::new();
        let mut changes = Vec::new();
        parse_raw(out.as_bytes(), &mut commits, &mut changes);
        assert_eq!(commits.len(), 2);
        assert_eq!(commits[0].author, "Ann");
        assert_eq!(commits[1].time, 1_600_000_000);
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].old, vec![a.clone(), b.clone()]);
        assert_eq!(changes[0].oid, c);
        assert_eq!(changes[0].commit, Some(0));
        assert_eq!(changes[1].path, b"new.py");
        assert_eq!(changes[1].old, vec![a]);
        assert_eq!(changes[1].commit, Some(1));
    }
}

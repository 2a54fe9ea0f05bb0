//! How akscan runs `git`: every invocation goes through [`GitRunner`], which (unless the
//! user trusts the scanned repository) overrides on the command line every configuration
//! key that would run a program or read a file the repository names, runs git in an
//! environment without prompts, pagers, lazy fetches or network transports, and puts each
//! child under a watchdog that stops a git step that makes no progress.
//!
//! A scanned repository is untrusted input: its `.git/config` can name programs
//! (`core.fsmonitor`, `gpg.program`, `remote.<name>.uploadpack`, ...) and files (which can
//! be FIFOs that never end). The commands akscan runs are plumbing or read-only (`rev-parse`,
//! `diff-index --cached`, `log --raw`, `cat-file`, `ls-tree`, `rev-list`): none of them
//! reads the work tree, so no clean/smudge filter can run either.

use std::ffi::OsStr;
use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Default for how long a git step may make no progress before it is stopped.
pub const DEFAULT_STALL_SECS: f64 = 30.0;

/// Configuration keys set on every git command line (`-c key=value`, which wins over every
/// configuration file) unless the repository is trusted: each names a program git could
/// run, a file it could read (a FIFO there blocks git), or turns such a thing on.
/// `include.path` and `includeIf.*` cannot be overridden this way; the watchdog covers them.
pub const CONFIG_OVERRIDES: &[(&str, &str)] = &[
    // programs
    ("core.fsmonitor", "false"),
    ("core.untrackedCache", "false"),
    ("core.hooksPath", "/dev/null"),
    ("core.pager", "cat"),
    ("core.editor", ":"),
    ("sequence.editor", ":"),
    ("core.askPass", ""),
    ("core.sshCommand", "/dev/null"),
    ("core.gitProxy", "none"),
    ("credential.helper", ""),
    ("diff.external", ""),
    ("log.showSignature", "false"),
    ("gpg.program", "/dev/null"),
    ("gpg.openpgp.program", "/dev/null"),
    ("gpg.x509.program", "/dev/null"),
    ("gpg.ssh.program", "/dev/null"),
    ("gpg.ssh.defaultKeyCommand", ""),
    ("protocol.allow", "never"),
    ("submodule.recurse", "false"),
    ("diff.submodule", "short"),
    ("status.submoduleSummary", "false"),
    ("fetch.recurseSubmodules", "false"),
    ("gc.auto", "0"),
    ("maintenance.auto", "false"),
    // files
    ("core.attributesFile", "/dev/null"),
    ("core.excludesFile", "/dev/null"),
    ("log.mailmap", "false"),
    ("mailmap.file", "/dev/null"),
    ("mailmap.blob", ""),
    ("diff.orderFile", "/dev/null"),
    ("gpg.ssh.allowedSignersFile", "/dev/null"),
    ("gpg.ssh.revocationFile", "/dev/null"),
    ("commit.template", "/dev/null"),
];

/// The environment of every git child unless the repository is trusted. No system
/// configuration or attributes, no prompt, no lazy fetch of a partial clone's missing
/// objects, no transport at all (an empty allow-list wins over `protocol.<name>.allow`),
/// no pager, no optional lock (nothing is written into the scanned repository), and the
/// objects as they are, not as `refs/replace` would show them.
const SAFE_ENV: &[(&str, &str)] = &[
    ("GIT_CONFIG_NOSYSTEM", "1"),
    ("GIT_ATTR_NOSYSTEM", "1"),
    ("GIT_TERMINAL_PROMPT", "0"),
    ("GIT_NO_LAZY_FETCH", "1"),
    ("GIT_ALLOW_PROTOCOL", ""),
    ("GIT_PAGER", "cat"),
    ("GIT_OPTIONAL_LOCKS", "0"),
    ("GIT_NO_REPLACE_OBJECTS", "1"),
];

/// Options of `git log` that keep it from running or reading what the repository names
/// (signature programs, textconv and external diff drivers, mailmap, notes).
pub const SAFE_LOG_ARGS: &[&str] = &[
    "--no-show-signature",
    "--no-mailmap",
    "--no-notes",
    "--no-textconv",
    "--no-ext-diff",
    "--no-color",
];

/// How git is run.
#[derive(Debug, Clone)]
pub struct GitPolicy {
    /// Run git as it runs for the user: the repository's configuration is honoured
    /// (`--trust-repo-config`). Dangerous on a repository from someone else.
    pub trust_repo_config: bool,
    /// A git step that makes no progress this long is stopped.
    pub stall_limit: Duration,
}

impl Default for GitPolicy {
    fn default() -> Self {
        GitPolicy {
            trust_repo_config: false,
            stall_limit: Duration::from_secs_f64(DEFAULT_STALL_SECS),
        }
    }
}

/// A git step that was stopped, or could not run.
#[derive(Debug)]
pub enum RunError {
    /// git could not be started.
    Spawn(std::io::Error),
    /// It made no progress for the stall limit and was killed.
    Stalled,
}

/// Progress of one git child, seen by its watchdog: bytes read from it, and whether the
/// reader is busy with what it read (then git waiting on us is not a stall).
#[derive(Default)]
pub struct Progress {
    bytes: AtomicU64,
    busy: AtomicBool,
}

impl Progress {
    /// Marks the reader busy (not reading) until the guard is dropped.
    pub fn busy(&self) -> BusyGuard<'_> {
        self.busy.store(true, Ordering::Relaxed);
        BusyGuard(self)
    }

    /// A reader that counts what it reads as progress.
    pub fn reader<R: Read>(&self, inner: R) -> Counting<'_, R> {
        Counting { inner, p: self }
    }
}

pub struct BusyGuard<'a>(&'a Progress);

impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        self.0.bytes.fetch_add(1, Ordering::Relaxed);
        self.0.busy.store(false, Ordering::Relaxed);
    }
}

/// See [`Progress::reader`].
pub struct Counting<'a, R> {
    inner: R,
    p: &'a Progress,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.p.bytes.fetch_add(n as u64 + 1, Ordering::Relaxed);
        Ok(n)
    }
}

/// CPU time (clock ticks) a process has used so far, where the system tells it.
fn cpu_ticks(pid: u32) -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // fields after the command name (which can hold spaces and parentheses)
        let rest = &stat[stat.rfind(')')? + 2..];
        let f: Vec<&str> = rest.split(' ').collect();
        let utime: u64 = f.get(11)?.parse().ok()?;
        let stime: u64 = f.get(12)?.parse().ok()?;
        Some(utime + stime)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        None
    }
}

/// Kills the process group `pid` leads (our git child and what it started).
fn kill_group(pid: u32) {
    #[cfg(unix)]
    // SAFETY: `pid` is our child, not yet reaped (it is waited for only after the watchdog
    // has ended), so the group id is still its own.
    unsafe {
        libc::kill(-(pid as libc::pid_t), libc::SIGKILL);
    }
    #[cfg(not(unix))]
    let _ = pid;
}

/// Builds and runs git commands in one repository under one [`GitPolicy`].
#[derive(Debug, Clone)]
pub struct GitRunner {
    pub policy: GitPolicy,
}

impl GitRunner {
    /// A `git` command run in `dir`, hardened unless the repository is trusted; `keep` names
    /// overridden keys to leave as the repository sets them (`core.hooksPath` for finding
    /// where the hook goes: read, never run).
    pub fn command(&self, dir: &Path, keep: &[&str]) -> Command {
        let mut c = Command::new("git");
        c.arg("-C").arg(dir).arg("--no-pager");
        if !self.policy.trust_repo_config {
            for (k, v) in CONFIG_OVERRIDES {
                if !keep.iter().any(|x| x.eq_ignore_ascii_case(k)) {
                    c.arg("-c").arg(format!("{k}={v}"));
                }
            }
            c.envs(SAFE_ENV.iter().copied());
        }
        // a process group of its own, so that a stalled git is stopped with whatever it
        // started (which could hold its pipes open)
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut c, 0);
        // never a prompt, trusted or not: akscan runs in hooks and CI
        c.env("GIT_TERMINAL_PROMPT", "0").stdin(Stdio::null());
        c
    }

    /// The extra `git log` options of [`SAFE_LOG_ARGS`] (none when trusted).
    pub fn log_args(&self) -> &'static [&'static str] {
        if self.policy.trust_repo_config {
            &["--no-ext-diff", "--no-color"]
        } else {
            SAFE_LOG_ARGS
        }
    }

    /// Runs `cmd` (stdout and stderr are taken here) to its end, under the watchdog.
    pub fn output(&self, mut cmd: Command) -> Result<Output, RunError> {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(RunError::Spawn)?;
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let (out, err) = self.watch(&mut child, |p| {
            std::thread::scope(|s| {
                let e = s.spawn(move || {
                    let mut e = Vec::new();
                    let _ = p.reader(stderr).read_to_end(&mut e);
                    e
                });
                let mut o = Vec::new();
                let _ = p.reader(stdout).read_to_end(&mut o);
                (o, e.join().unwrap_or_default())
            })
        })?;
        let status = child.wait().map_err(RunError::Spawn)?;
        Ok(Output {
            status,
            stdout: out,
            stderr: err,
        })
    }

    /// Runs `f` (which reads from `child`) while a watchdog kills `child` if neither what
    /// `f` reads nor the child's CPU time moves for the stall limit. The child is not
    /// waited for here: the caller reaps it after `f` (so its id cannot be reused while
    /// watched).
    pub fn watch<T>(
        &self,
        child: &mut Child,
        f: impl FnOnce(&Progress) -> T,
    ) -> Result<T, RunError> {
        let limit = self.policy.stall_limit;
        let pid = child.id();
        let progress = Progress::default();
        let stalled = AtomicBool::new(false);
        let tick = (limit / 8).clamp(Duration::from_millis(5), Duration::from_millis(250));
        let value = std::thread::scope(|s| {
            let (stop, stopped) = mpsc::channel::<()>();
            let (progress, stalled) = (&progress, &stalled);
            s.spawn(move || {
                let mut last = (u64::MAX, None);
                let mut since = Instant::now();
                loop {
                    match stopped.recv_timeout(tick) {
                        Err(mpsc::RecvTimeoutError::Timeout) => {}
                        _ => return,
                    }
                    let now = (progress.bytes.load(Ordering::Relaxed), cpu_ticks(pid));
                    if now != last || progress.busy.load(Ordering::Relaxed) {
                        last = now;
                        since = Instant::now();
                    } else if since.elapsed() >= limit {
                        stalled.store(true, Ordering::Relaxed);
                        kill_group(pid);
                        return;
                    }
                }
            });
            let v = f(progress);
            drop(stop);
            v
        });
        if stalled.load(Ordering::Relaxed) {
            let _ = child.wait();
            return Err(RunError::Stalled);
        }
        Ok(value)
    }
}

/// The name of a git step for messages: its subcommand.
pub fn step_name<S: AsRef<OsStr>>(args: &[S]) -> String {
    args.first()
        .map(|a| a.as_ref().to_string_lossy().into_owned())
        .unwrap_or_default()
}

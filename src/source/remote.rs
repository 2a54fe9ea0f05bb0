//! Remote repositories as a source: a URL (`https://`, `ssh://`, `git://`, `file://`, or
//! scp-like `user@host:path`) is cloned bare into a temporary directory, scanned as a local
//! repository under the usual hardened policy, and removed afterwards.
//!
//! The clone runs with the user's own git configuration (their credential helpers,
//! `GIT_ASKPASS`, SSH setup), since no repository exists yet whose configuration could name
//! a program; it never prompts, runs no hook, follows no submodule, and speaks only the
//! transports git calls safe (`ext::` and other command-running transports stay off). A
//! token for private https remotes comes from the environment (`AKSCAN_GIT_TOKEN`, sent as
//! an HTTP header through git's environment, never on a command line), and a URL is shown
//! without its user information wherever akscan prints or writes it.

use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;

use super::git::GitError;
use super::gitrun::{GitPolicy, GitRunner, RunError};

/// The environment variable holding a token for private https remotes.
pub const TOKEN_VAR: &str = "AKSCAN_GIT_TOKEN";
/// The user name sent with [`TOKEN_VAR`] (default `x-access-token`, which GitHub accepts for
/// every kind of token; GitLab accepts any name with a personal or project access token).
pub const USERNAME_VAR: &str = "AKSCAN_GIT_USERNAME";

/// Transports a clone may use (git's own list of safe ones).
const PROTOCOLS: &str = "file:git:http:https:ssh";

/// Whether `spec` names a remote to clone rather than a local directory: a URL with a
/// scheme, or git's scp-like `host:path` (a `:` before any `/`). An existing local path is
/// never a remote.
pub fn is_remote(spec: &str) -> bool {
    if spec.is_empty() || Path::new(spec).exists() {
        return false;
    }
    if let Some((scheme, _)) = spec.split_once("://") {
        return !scheme.is_empty()
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
    }
    match (spec.find(':'), spec.find('/')) {
        (Some(c), Some(s)) => c > 0 && c < s,
        (Some(c), None) => c > 0,
        _ => false,
    }
}

/// `spec` as shown in reports: a URL without its user information (`https://user:token@h/x`
/// shows as `https://h/x`; scp-like `git@host:x` keeps its user name, which is no secret).
pub fn display(spec: &str) -> String {
    let Some((scheme, rest)) = spec.split_once("://") else {
        return spec.to_string();
    };
    let end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(end);
    match authority.rfind('@') {
        Some(at) => format!("{scheme}://{}{path}", &authority[at + 1..]),
        None => spec.to_string(),
    }
}

/// The `scheme://host/` of an http(s) URL, which scopes the token's header to that server.
fn http_base(spec: &str) -> Option<String> {
    let (scheme, rest) = spec.split_once("://")?;
    if !scheme.eq_ignore_ascii_case("https") && !scheme.eq_ignore_ascii_case("http") {
        return None;
    }
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    let host = authority.rsplit('@').next().unwrap_or(authority);
    Some(format!("{}://{host}/", scheme.to_ascii_lowercase()))
}

/// A bare clone in a temporary directory, removed when dropped.
pub struct Clone {
    dir: tempfile::TempDir,
}

impl Clone {
    /// The bare repository.
    pub fn path(&self) -> PathBuf {
        self.dir.path().join("repo.git")
    }
}

/// Hides what a message must not show: the URL's user information and the token.
fn scrub(msg: &str, spec: &str, token: Option<&str>) -> String {
    let mut m = msg.replace(spec, &display(spec));
    if let Some(t) = token.filter(|t| !t.is_empty()) {
        m = m.replace(t, "****");
    }
    m
}

/// The lines of a clone's standard error that say what went wrong (not its progress).
fn clone_failure(stderr: &[u8], code: Option<i32>) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text
        .split(['\r', '\n'])
        .map(str::trim)
        .filter(|l| {
            l.starts_with("fatal:")
                || l.starts_with("error:")
                || l.starts_with("remote: ") && !l.contains('%')
        })
        .map(|l| l.strip_prefix("fatal: ").unwrap_or(l))
        .collect();
    if lines.is_empty() {
        match code {
            Some(c) => format!("no message; exit code {c}"),
            None => "no message; stopped by a signal".into(),
        }
    } else {
        lines.join("; ")
    }
}

/// The clone command: the user's configuration and credentials, no prompt, no hook, only
/// safe transports, progress on standard error (which the watchdog counts as progress).
fn clone_command(spec: &str, dest: &Path, token: Option<&str>) -> Command {
    let mut c = Command::new("git");
    c.args([
        "-c",
        "core.hooksPath=/dev/null",
        "-c",
        "submodule.recurse=false",
        "-c",
        "fetch.recurseSubmodules=false",
        "-c",
        "core.fsmonitor=false",
        "clone",
        "--bare",
        "--progress",
    ]);
    c.arg("--").arg(spec).arg(dest);
    c.env("GIT_ALLOW_PROTOCOL", PROTOCOLS)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_PAGER", "cat")
        .env("GCM_INTERACTIVE", "never")
        .env("GIT_NO_REPLACE_OBJECTS", "1");
    if let (Some(t), Some(base)) = (token, http_base(spec)) {
        let user = std::env::var(USERNAME_VAR)
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| "x-access-token".into());
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{t}"));
        // through git's environment, never its command line (which other users can read)
        let n: usize = std::env::var("GIT_CONFIG_COUNT")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        c.env("GIT_CONFIG_COUNT", (n + 1).to_string())
            .env(
                format!("GIT_CONFIG_KEY_{n}"),
                format!("http.{base}.extraHeader"),
            )
            .env(
                format!("GIT_CONFIG_VALUE_{n}"),
                format!("Authorization: Basic {basic}"),
            );
    }
    if !user_names_ssh() {
        // no question on the terminal (a host key to accept, a passphrase): an error now,
        // rather than a clone stopped in the background until the watchdog ends it
        c.env("GIT_SSH_COMMAND", "ssh -o BatchMode=yes");
    }
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut c, 0);
    c.stdin(std::process::Stdio::null());
    c
}

/// Whether the user chose how git runs ssh (`GIT_SSH_COMMAND`, `GIT_SSH`, or
/// `core.sshCommand` in their own configuration): then that is used as it is.
fn user_names_ssh() -> bool {
    if std::env::var_os("GIT_SSH_COMMAND").is_some() || std::env::var_os("GIT_SSH").is_some() {
        return true;
    }
    Command::new("git")
        .args(["config", "--get", "core.sshCommand"])
        .current_dir(std::env::temp_dir())
        .env("GIT_DIR", "/nonexistent")
        .stdin(std::process::Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success() && !o.stdout.is_empty())
}

/// Clones `spec` bare (every branch and every tag: what a history scan reads) into a new
/// temporary directory under `policy`'s stall limit. Errors never show the URL's user
/// information or the token.
pub fn clone_bare(spec: &str, policy: &GitPolicy) -> Result<Clone, GitError> {
    let dir = tempfile::Builder::new()
        .prefix("akscan-clone-")
        .tempdir()
        .map_err(GitError::Io)?;
    let dest = dir.path().join("repo.git");
    let token = std::env::var(TOKEN_VAR).ok().filter(|t| !t.is_empty());
    let runner = GitRunner {
        policy: policy.clone(),
    };
    let shown = display(spec);
    let run = |cmd: Command, step: &str| -> Result<(), GitError> {
        let out = runner.output(cmd).map_err(|e| match e {
            RunError::Spawn(e) if e.kind() == std::io::ErrorKind::NotFound => {
                GitError::NotInstalled(e)
            }
            RunError::Spawn(e) => GitError::Io(e),
            RunError::Stalled => GitError::Stalled {
                step: step.into(),
                secs: policy.stall_limit.as_secs_f64(),
            },
        })?;
        if out.status.success() {
            return Ok(());
        }
        Err(GitError::Failed {
            what: format!("{step} of {shown}"),
            msg: scrub(
                &clone_failure(&out.stderr, out.status.code()),
                spec,
                token.as_deref(),
            ),
        })
    };
    run(clone_command(spec, &dest, token.as_deref()), "clone")?;
    Ok(Clone { dir })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remotes_and_local_paths() {
        for r in [
            "https://github.com/o/r",
            "file:///tmp/x.git",
            "ssh://git@host/o/r.git",
            "git@github.com:o/r.git",
            "host:repo",
        ] {
            assert!(is_remote(r), "{r}");
        }
        for l in ["", ".", "./a:b", "/abs/path", "dir/sub", ":x"] {
            assert!(!is_remote(l), "{l}");
        }
    }

    #[test]
    fn shown_urls_have_no_user_information() {
        assert_eq!(
            display("https://user:s3cr3t@example.com/o/r.git"),
            "https://example.com/o/r.git"
        );
        assert_eq!(display("https://tok@example.com"), "https://example.com");
        assert_eq!(display("git@host:o/r"), "git@host:o/r");
        assert_eq!(display("file:///tmp/a@b"), "file:///tmp/a@b");
        assert_eq!(
            scrub(
                "could not read https://u:p@h/x with abc123",
                "https://u:p@h/x",
                Some("abc123")
            ),
            "could not read https://h/x with ****"
        );
        assert_eq!(
            http_base("HTTPS://u:p@Example.com/o/r").as_deref(),
            Some("https://Example.com/")
        );
        assert_eq!(http_base("ssh://h/x"), None);
    }

    #[test]
    fn clone_failures_keep_only_what_went_wrong() {
        let e = b"Cloning into bare repository 'x'...\nremote: Counting objects: 50% (1/2)\rfatal: repository 'file:///nope' does not exist\n";
        assert_eq!(
            clone_failure(e, Some(128)),
            "repository 'file:///nope' does not exist"
        );
        assert_eq!(clone_failure(b"", Some(128)), "no message; exit code 128");
    }
}

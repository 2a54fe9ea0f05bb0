//! Nothing the scanned repository says is ever executed, and no git step hangs the scan.
//!
//! Hostile repositories are made with the real `git` in temporary directories: every
//! configuration key of git that runs a program (each set to a marker program that leaves a
//! file behind if it runs) or reads a file (each pointed at a FIFO, which blocks whoever
//! opens it) is tried against every git mode of akscan. A control test shows that the same
//! setup does run the markers when akscan is told to trust the repository, so the markers
//! are live.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const ID: &str = "LTAI5tQ8bFz2KcVw9YhN3xRm";
const SECRET: &str = "Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e";
const ID2: &str = "LTAI5tUu7Vq2Hd8KsPz3WcNe";

/// What a configuration key is set to.
#[derive(Clone, Copy, Debug)]
enum Val {
    /// A marker program (its path, with this before and after it).
    Marker(&'static str, &'static str),
    /// A FIFO: git blocks if it opens it.
    Fifo,
    /// A file the marker would create if git wrote it.
    MarkFile,
    /// A directory of marker hooks (every hook but pre-commit, which akscan installs).
    HookDir,
    /// As given.
    Lit(&'static str),
}

const M: Val = Val::Marker("", "");

/// One case: the key tried and what else it needs to be reached.
struct Case {
    key: &'static str,
    set: &'static [(&'static str, Val)],
}

macro_rules! case {
    ($key:literal, $val:expr) => {
        Case { key: $key, set: &[($key, $val)] }
    };
    ($key:literal, $val:expr, $($k:literal = $v:expr),+) => {
        Case { key: $key, set: &[($key, $val), $(($k, $v)),+] }
    };
}

/// Keys (from git-config(1)) that run a program, or name one to run.
const PROGRAM_KEYS: &[Case] = &[
    case!("core.fsmonitor", M),
    case!("core.hooksPath", Val::HookDir, "gc.auto" = Val::Lit("1")),
    case!("core.pager", M),
    case!(
        "pager.<cmd>",
        M,
        "pager.log" = M,
        "pager.diff-index" = M,
        "pager.cat-file" = M,
        "pager.rev-parse" = M,
        "pager.rev-list" = M,
        "pager.ls-tree" = M,
        "pager.hash-object" = M
    ),
    case!("core.editor", M),
    case!("sequence.editor", M),
    case!("core.askPass", M),
    case!("core.sshCommand", M),
    case!("core.gitProxy", M),
    case!("core.alternateRefsCommand", M),
    case!("credential.helper", Val::Marker("!", "")),
    case!(
        "credential.<url>.helper",
        Val::Marker("!", ""),
        "credential.https://example.com.helper" = Val::Marker("!", "")
    ),
    case!("diff.external", M),
    case!("diff.<driver>.command", M, "diff.akx.command" = M),
    case!("diff.<driver>.textconv", M, "diff.akx.textconv" = M),
    case!(
        "diff.<driver>.textconv (cached)",
        M,
        "diff.akx.textconv" = M,
        "diff.akx.cachetextconv" = Val::Lit("true")
    ),
    case!("filter.<driver>.clean", M, "filter.akx.clean" = M),
    case!("filter.<driver>.smudge", M, "filter.akx.smudge" = M),
    case!(
        "filter.<driver>.process",
        M,
        "filter.akx.process" = M,
        "filter.akx.required" = Val::Lit("true")
    ),
    case!("merge.<driver>.driver", M, "merge.akx.driver" = M),
    case!(
        "difftool.<tool>.cmd",
        M,
        "difftool.akt.cmd" = M,
        "diff.tool" = Val::Lit("akt")
    ),
    case!(
        "mergetool.<tool>.cmd",
        M,
        "mergetool.akt.cmd" = M,
        "merge.tool" = Val::Lit("akt")
    ),
    case!("interactive.diffFilter", M),
    case!("gpg.program", M, "gpg.format" = Val::Lit("openpgp")),
    case!("gpg.openpgp.program", M),
    case!("gpg.x509.program", M),
    case!("gpg.ssh.program", M),
    case!(
        "gpg.ssh.defaultKeyCommand",
        M,
        "gpg.format" = Val::Lit("ssh")
    ),
    case!(
        "remote.<name>.uploadpack",
        M,
        "remote.origin.uploadpack" = M
    ),
    case!(
        "remote.<name>.receivepack",
        M,
        "remote.origin.receivepack" = M
    ),
    case!(
        "remote.<name>.vcs",
        Val::Lit("akmark"),
        "remote.origin.vcs" = Val::Lit("akmark")
    ),
    case!(
        "remote.<name>.url (ext::)",
        Val::Marker("ext::", ""),
        "remote.origin.url" = Val::Marker("ext::", ""),
        "protocol.ext.allow" = Val::Lit("always")
    ),
    case!(
        "submodule.<name>.update",
        Val::Marker("!", ""),
        "submodule.sub.update" = Val::Marker("!", "")
    ),
    case!("uploadpack.packObjectsHook", M),
    case!(
        "core.fsmonitor (hook version 1)",
        M,
        "core.fsmonitor" = M,
        "core.fsmonitorHookVersion" = Val::Lit("1")
    ),
    case!(
        "browser.<tool>.cmd",
        M,
        "browser.akb.cmd" = M,
        "web.browser" = Val::Lit("akb")
    ),
    case!(
        "man.<tool>.cmd",
        M,
        "man.akm.cmd" = M,
        "man.viewer" = Val::Lit("akm")
    ),
    case!("guitool.<name>.cmd", M, "guitool.akg.cmd" = M),
    case!("instaweb.httpd", M),
    case!("imap.tunnel", M),
    case!("sendemail.sendmailCmd", M),
    case!("sendemail.smtpServer", M),
    case!("sendemail.toCmd", M),
    case!("sendemail.ccCmd", M),
    case!("sendemail.headerCmd", M),
    case!(
        "sendemail.<identity>.smtpServer",
        M,
        "sendemail.akid.smtpServer" = M,
        "sendemail.identity" = Val::Lit("akid")
    ),
    case!(
        "credential.interactive",
        Val::Lit("always"),
        "credential.helper" = Val::Marker("!", "")
    ),
    case!("trace2.normalTarget", Val::MarkFile),
    case!("trace2.perfTarget", Val::MarkFile),
    case!("trace2.eventTarget", Val::MarkFile),
    case!("gitcvs.logFile", Val::MarkFile),
    case!(
        "core.sshCommand (ssh remote)",
        M,
        "core.sshCommand" = M,
        "remote.origin.url" = Val::Lit("ssh://example.invalid/x")
    ),
    case!(
        "maintenance.auto",
        Val::Lit("true"),
        "maintenance.strategy" = Val::Lit("incremental"),
        "core.hooksPath" = Val::HookDir
    ),
];

/// Keys that name a file git reads: each is pointed at a FIFO.
const FILE_KEYS: &[Case] = &[
    case!("core.attributesFile", Val::Fifo),
    case!("core.excludesFile", Val::Fifo),
    case!("mailmap.file", Val::Fifo, "log.mailmap" = Val::Lit("true")),
    case!(
        "mailmap.blob",
        Val::Lit("HEAD:.mailmap"),
        "log.mailmap" = Val::Lit("true")
    ),
    case!("diff.orderFile", Val::Fifo),
    case!("commit.template", Val::Fifo),
    case!("blame.ignoreRevsFile", Val::Fifo),
    case!("gpg.ssh.allowedSignersFile", Val::Fifo),
    case!("gpg.ssh.revocationFile", Val::Fifo),
    case!("http.cookieFile", Val::Fifo),
    case!("http.sslCert", Val::Fifo),
    case!("http.sslKey", Val::Fifo),
    case!("http.sslCAInfo", Val::Fifo),
    case!("http.proxySSLCert", Val::Fifo),
    case!("http.proxySSLKey", Val::Fifo),
    case!("http.proxySSLCAInfo", Val::Fifo),
    case!("format.signatureFile", Val::Fifo),
    case!("fsck.skipList", Val::Fifo),
    case!("fetch.fsck.skipList", Val::Fifo),
    case!("receive.fsck.skipList", Val::Fifo),
    case!("sendemail.aliasesFile", Val::Fifo),
];

/// What akscan is asked to do, and what a working scan answers.
struct Mode {
    name: &'static str,
    args: &'static [&'static str],
    /// The exit code and the file the report must name (none: a hook command).
    want: (i32, Option<&'static str>),
}

const MODES: &[Mode] = &[
    Mode {
        name: "git --staged",
        args: &["git", "--staged", "--format", "json"],
        want: (1, Some("staged.py")),
    },
    Mode {
        name: "git --range",
        args: &["git", "--range", "HEAD~3..HEAD", "--format", "json"],
        want: (1, Some("config.py")),
    },
    Mode {
        name: "git --since",
        args: &["git", "--since", "HEAD~3", "--format", "json"],
        want: (1, Some("config.py")),
    },
    Mode {
        name: "git --history",
        args: &["git", "--history", "--format", "json"],
        want: (1, Some("config.py")),
    },
    Mode {
        name: "install-hook",
        args: &["install-hook"],
        want: (0, None),
    },
    Mode {
        name: "uninstall-hook",
        args: &["uninstall-hook"],
        want: (0, None),
    },
];

/// Every hook git knows of (githooks(5)) but pre-commit.
const HOOKS: &[&str] = &[
    "applypatch-msg",
    "pre-applypatch",
    "post-applypatch",
    "prepare-commit-msg",
    "commit-msg",
    "post-commit",
    "pre-rebase",
    "post-checkout",
    "post-merge",
    "pre-push",
    "pre-receive",
    "update",
    "proc-receive",
    "post-receive",
    "post-update",
    "reference-transaction",
    "push-to-checkout",
    "pre-auto-gc",
    "post-rewrite",
    "sendemail-validate",
    "fsmonitor-watchman",
    "p4-changelist",
    "p4-prepare-changelist",
    "p4-post-changelist",
    "p4-pre-submit",
    "post-index-change",
    "pre-merge-commit",
];

/// A temporary directory with a hostile repository in `repo`, its remote in `bare.git`,
/// markers in `bin`, and the files markers leave in `marks`.
struct Lab {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    repo: PathBuf,
    tick: std::cell::Cell<u64>,
}

impl Lab {
    fn new() -> Lab {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        for d in ["home", "bin", "marks", "hooks", "repo"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        std::fs::write(root.join("home/gitconfig"), "").unwrap();
        std::fs::write(root.join("allowed_signers"), "").unwrap();
        let lab = Lab {
            repo: root.join("repo"),
            root,
            _tmp: tmp,
            tick: std::cell::Cell::new(0),
        };
        // the remote helper a `remote.<name>.vcs = akmark` would start, on PATH
        lab.marker("git-remote-akmark");
        for h in HOOKS {
            let m = lab.marker(&format!("hook-{h}"));
            std::fs::rename(m, lab.root.join("hooks").join(h)).unwrap();
        }
        lab
    }

    fn env(&self, c: &mut Command) {
        let path = format!(
            "{}:{}",
            self.root.join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let t = 1_700_000_000 + 60 * self.tick.get();
        c.env("HOME", self.root.join("home"))
            .env("GIT_CONFIG_GLOBAL", self.root.join("home/gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Ann Author")
            .env("GIT_AUTHOR_EMAIL", "ann@example.com")
            .env("GIT_COMMITTER_NAME", "Ann Author")
            .env("GIT_COMMITTER_EMAIL", "ann@example.com")
            .env("GIT_AUTHOR_DATE", format!("@{t} +0000"))
            .env("GIT_COMMITTER_DATE", format!("@{t} +0000"))
            .env("PATH", path)
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_WORK_TREE")
            .env_remove("AKSCAN_GIT_STALL_TIMEOUT");
    }

    fn git_in(&self, dir: &Path, args: &[&str]) -> String {
        let mut c = Command::new("git");
        self.env(&mut c);
        let out = c.current_dir(dir).args(args).output().expect("run git");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn git(&self, args: &[&str]) -> String {
        self.git_in(&self.repo, args)
    }

    fn write(&self, rel: &str, data: &str) {
        let p = self.repo.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    }

    /// A program that leaves `marks/NAME` behind when it runs.
    fn marker(&self, name: &str) -> PathBuf {
        let p = self.root.join("bin").join(name);
        let mark = self.root.join("marks").join(name);
        write_program(
            &p,
            &format!("#!/bin/sh\necho \"$@\" >> '{}'\nexit 0\n", mark.display()),
        );
        p
    }

    fn fifo(&self, name: &str) -> PathBuf {
        let p = self.root.join(name);
        let st = Command::new("mkfifo").arg(&p).status().expect("mkfifo");
        assert!(st.success());
        p
    }

    /// The names of the markers that ran.
    fn ran(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.root.join("marks"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    fn commit(&self, msg: &str) {
        self.tick.set(self.tick.get() + 1);
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--no-verify", "-m", msg]);
    }

    /// Gives HEAD (the tip of main) a signature header of `kind`, as a signed commit has.
    fn sign_head(&self, armor: &str) {
        let body = self.git(&["cat-file", "commit", "HEAD"]) + "\n";
        let (head, msg) = body.split_once("\n\n").unwrap();
        let signed = format!(
            "{head}\ngpgsig -----BEGIN {armor}-----\n \n c2lnbmF0dXJl\n -----END {armor}-----\n\n{msg}"
        );
        let p = self.root.join("commit.txt");
        std::fs::write(&p, signed).unwrap();
        let oid = self.git(&["hash-object", "-t", "commit", "-w", p.to_str().unwrap()]);
        self.git(&["update-ref", "refs/heads/main", &oid]);
    }

    /// The repository every case starts from: attributes that select drivers for every
    /// file, three commits in the range (each with a signature of another format: OpenPGP,
    /// SSH, X.509), a submodule entry, a remote, and a staged change adding a key.
    fn hostile() -> Lab {
        let lab = Lab::new();
        lab.git(&["init", "-q", "-b", "main"]);
        lab.write(".gitattributes", "* diff=akx filter=akx merge=akx\n");
        lab.write(".mailmap", "Mallory <m@example.com> <ann@example.com>\n");
        lab.write("README.md", "hello\n");
        lab.write(
            ".gitmodules",
            "[submodule \"sub\"]\n\tpath = sub\n\turl = ./sub\n",
        );
        lab.commit("start");
        lab.write(
            "config.py",
            &format!("access_key_id = \"{ID}\"\naccess_key_secret = \"{SECRET}\"\n"),
        );
        lab.commit("add config");
        lab.sign_head("PGP SIGNATURE");
        lab.write("README.md", "hello\nworld\n");
        lab.commit("readme");
        lab.sign_head("SSH SIGNATURE");
        lab.write("notes.txt", "notes\n");
        lab.commit("notes");
        lab.sign_head("SIGNED MESSAGE");
        lab.git_in(&lab.root, &["clone", "-q", "--bare", "repo", "bare.git"]);
        let url = format!("file://{}", lab.root.join("bare.git").display());
        lab.git(&["remote", "add", "origin", &url]);
        lab.write("staged.py", &format!("key_id = \"{ID2}\"\n"));
        lab.git(&["add", "staged.py"]);
        // what turns the keys on: signatures shown, mailmap used, submodules followed
        for (k, v) in [
            ("log.showSignature", "true"),
            ("log.mailmap", "true"),
            (
                "gpg.ssh.allowedSignersFile",
                &*lab.root.join("allowed_signers").to_string_lossy(),
            ),
            ("core.untrackedCache", "true"),
            ("diff.submodule", "log"),
            ("submodule.recurse", "true"),
            ("status.submoduleSummary", "true"),
            ("remote.origin.promisor", "true"),
        ] {
            lab.git(&["config", k, v]);
        }
        lab
    }

    /// Sets the case's keys in the repository's configuration.
    fn apply(&self, case: &Case) {
        for (i, (k, v)) in case.set.iter().enumerate() {
            if k.contains(['<', ' ']) {
                continue; // the case's label, not a key
            }
            let value = match *v {
                Val::Marker(pre, post) => {
                    let m = self.marker(&format!("{}-{i}", sanitize(case.key)));
                    format!("{pre}{}{post}", m.display())
                }
                Val::Fifo => self
                    .fifo(&format!("fifo-{}-{i}", sanitize(case.key)))
                    .display()
                    .to_string(),
                Val::MarkFile => self
                    .root
                    .join("marks")
                    .join(format!("{}-{i}", sanitize(case.key)))
                    .display()
                    .to_string(),
                Val::HookDir => self.root.join("hooks").display().to_string(),
                Val::Lit(s) => s.to_string(),
            };
            self.git(&["config", k, &value]);
        }
    }

    fn akscan(&self, args: &[&str], extra_env: &[(&str, &str)]) -> (Output, Duration) {
        let mut c = Command::new(env!("CARGO_BIN_EXE_akscan"));
        self.env(&mut c);
        c.current_dir(&self.repo)
            .args(args)
            .envs(extra_env.iter().copied());
        let t = Instant::now();
        let out = c.output().expect("run akscan");
        (out, t.elapsed())
    }
}

fn sanitize(key: &str) -> String {
    key.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Runs every mode against a hostile repository with `case` set; returns the problems.
fn try_case(case: &Case) -> Vec<String> {
    let lab = Lab::hostile();
    lab.apply(case);
    let mut problems = Vec::new();
    for mode in MODES {
        let (out, took) = lab.akscan(mode.args, &[("AKSCAN_GIT_STALL_TIMEOUT", "3")]);
        let err = String::from_utf8_lossy(&out.stderr);
        let code = out.status.code().unwrap_or(-1);
        let mut bad = Vec::new();
        if code != mode.want.0 {
            bad.push(format!("exit {code}, wanted {}", mode.want.0));
        }
        if let Some(v) = mode.want.1 {
            let doc: serde_json::Value =
                serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
            let found = doc["findings"]
                .as_array()
                .is_some_and(|f| f.iter().any(|f| f["path"] == v));
            if !found {
                bad.push("the key was not found".into());
            }
        }
        let ran = lab.ran();
        if !ran.is_empty() {
            bad.push(format!("ran {ran:?}"));
        }
        if took > Duration::from_secs(20) {
            bad.push(format!("took {took:?}"));
        }
        if err.contains("panicked") {
            bad.push("panicked".into());
        }
        if !bad.is_empty() {
            problems.push(format!(
                "{} × {}: {} ({})",
                case.key,
                mode.name,
                bad.join(", "),
                err.trim()
            ));
        }
    }
    problems
}

fn run_cases(cases: &[Case]) -> usize {
    let problems: Vec<String> = cases.iter().flat_map(try_case).collect();
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    cases.len() * MODES.len()
}

#[test]
fn no_program_the_repository_names_runs_in_any_mode() {
    let n = run_cases(PROGRAM_KEYS);
    eprintln!(
        "{} program keys × {} modes = {n} cases",
        PROGRAM_KEYS.len(),
        MODES.len()
    );
}

#[test]
fn no_file_the_repository_names_is_read_in_any_mode() {
    let n = run_cases(FILE_KEYS);
    eprintln!(
        "{} file keys × {} modes = {n} cases",
        FILE_KEYS.len(),
        MODES.len()
    );
}

/// The markers are live: plain git, or akscan told to trust the repository, runs them.
#[test]
fn the_markers_run_when_the_repository_is_trusted() {
    // (case, how to reach it: akscan args with --trust-repo-config, or a plain git command)
    let controls: &[(&str, &[&str], bool)] = &[
        (
            "core.fsmonitor",
            &["git", "--staged", "--trust-repo-config"],
            true,
        ),
        // Each signature control scans only the commit whose signature names its program
        // first: git verifies the newest commit's signature first, and when the program
        // of an earlier one is missing here (gpgsm, ssh-keygen), git can die of SIGPIPE
        // writing the payload to it before it reaches the marker's commit.
        (
            "gpg.program",
            &["git", "--range", "HEAD~3..HEAD~2", "--trust-repo-config"],
            true,
        ),
        (
            "gpg.ssh.program",
            &["git", "--range", "HEAD~2..HEAD~1", "--trust-repo-config"],
            true,
        ),
        (
            "gpg.x509.program",
            &["git", "--history", "--trust-repo-config"],
            true,
        ),
        ("core.fsmonitor", &["status"], false),
        (
            "diff.<driver>.textconv",
            &["log", "-p", "-1", "HEAD~1"],
            false,
        ),
        (
            "diff.<driver>.command",
            &["log", "-p", "-1", "--ext-diff", "HEAD~1"],
            false,
        ),
        (
            "diff.external",
            &["diff", "--ext-diff", "HEAD~2", "HEAD~1"],
            false,
        ),
        ("filter.<driver>.clean", &["add", "README.md"], false),
        (
            "core.hooksPath",
            &["commit", "-q", "--allow-empty", "-m", "x"],
            false,
        ),
    ];
    for (key, args, akscan) in controls {
        let case = PROGRAM_KEYS.iter().find(|c| c.key == *key).unwrap();
        let lab = Lab::hostile();
        lab.apply(case);
        let out = if *akscan {
            // git may fail on the fake signature once it has run the program: only the
            // marker counts here
            lab.akscan(args, &[]).0
        } else {
            lab.write("README.md", "changed\n");
            let mut c = Command::new("git");
            lab.env(&mut c);
            // no signature checks: a missing verifier (ssh-keygen, gpgsm) can make git
            // die of SIGPIPE before it runs the program under test
            c.current_dir(&lab.repo)
                .args(["-c", "log.showSignature=false"])
                .args(*args)
                .output()
                .unwrap()
        };
        assert!(
            !lab.ran().is_empty(),
            "{key}: {args:?} ran no marker: the control is dead (exit {:?}: {}{})",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// FIFOs the repository can make git open, beyond the configuration keys: each git step
/// that opens one is stopped after the stall limit (exit 2, a message naming the step);
/// the others are never opened.
#[test]
fn a_fifo_anywhere_never_hangs_the_scan() {
    // (name, how to plant it, true when akscan's git commands are known to open it)
    type Plant = fn(&Lab);
    let cases: &[(&str, Plant, bool)] = &[
        (
            "include.path",
            |l| {
                let f = l.fifo("inc");
                l.git(&["config", "include.path", f.to_str().unwrap()]);
            },
            true,
        ),
        (
            "includeIf.gitdir:.path",
            |l| {
                let f = l.fifo("incif");
                let key = format!("includeIf.gitdir:{}/.path", l.repo.display());
                l.git(&["config", &key, f.to_str().unwrap()]);
            },
            true,
        ),
        (
            "extensions.worktreeConfig + config.worktree",
            |l| {
                l.git(&["config", "core.repositoryformatversion", "1"]);
                l.git(&["config", "extensions.worktreeConfig", "true"]);
                mkfifo(&l.repo.join(".git/config.worktree"));
            },
            true,
        ),
        (
            "objects/info/alternates",
            |l| mkfifo(&l.repo.join(".git/objects/info/alternates")),
            true,
        ),
        (
            "packed-refs",
            |l| {
                l.git(&["pack-refs", "--all"]);
                std::fs::remove_file(l.repo.join(".git/packed-refs")).unwrap();
                mkfifo(&l.repo.join(".git/packed-refs"));
            },
            true,
        ),
        (
            "info/grafts",
            |l| mkfifo(&l.repo.join(".git/info/grafts")),
            true,
        ),
        ("shallow", |l| mkfifo(&l.repo.join(".git/shallow")), true),
        (
            "info/attributes",
            |l| mkfifo(&l.repo.join(".git/info/attributes")),
            false,
        ),
        (
            "info/exclude",
            |l| {
                let _ = std::fs::remove_file(l.repo.join(".git/info/exclude"));
                mkfifo(&l.repo.join(".git/info/exclude"));
            },
            true,
        ),
        (
            "a staged file's work-tree copy",
            |l| {
                std::fs::remove_file(l.repo.join("staged.py")).unwrap();
                mkfifo(&l.repo.join("staged.py"));
            },
            false,
        ),
        (
            "index",
            |l| {
                std::fs::remove_file(l.repo.join(".git/index")).unwrap();
                mkfifo(&l.repo.join(".git/index"));
            },
            true,
        ),
    ];
    let mut stalls = 0;
    for (name, plant, opened) in cases {
        let lab = Lab::hostile();
        std::fs::create_dir_all(lab.repo.join(".git/info")).unwrap();
        plant(&lab);
        let before = stalls;
        for mode in MODES {
            let (out, took) = lab.akscan(mode.args, &[("AKSCAN_GIT_STALL_TIMEOUT", "1")]);
            let err = String::from_utf8_lossy(&out.stderr);
            let code = out.status.code();
            assert!(
                took < Duration::from_secs(15),
                "{name} × {}: took {took:?}",
                mode.name
            );
            assert!(!err.contains("panicked"), "{name} × {}: {err}", mode.name);
            if code == Some(2) && err.contains("made no progress for 1 s and was stopped") {
                stalls += 1;
                assert!(
                    *opened,
                    "{name} × {}: a FIFO akscan's git should not open: {err}",
                    mode.name
                );
                assert!(err.starts_with("akscan: error: git "), "{err}");
                continue;
            }
            assert_eq!(code, Some(mode.want.0), "{name} × {}: {err}", mode.name);
        }
        if *opened {
            // git does open it in at least one mode, and the watchdog stopped it there
            assert!(stalls > before, "{name}: no mode opened it");
        }
    }
    eprintln!(
        "{} FIFO cases × {} modes, {stalls} stopped by the watchdog",
        cases.len(),
        MODES.len()
    );
}

fn mkfifo(p: &Path) {
    let st = Command::new("mkfifo").arg(p).status().expect("mkfifo");
    assert!(st.success());
}

/// A blobless partial clone: no mode fetches (the remote's upload-pack never runs, no
/// connection is made); blobs not fetched are counted and named, and a scan that could
/// read nothing it was asked for exits 2, never 0. Trusted, git fetches them as usual.
#[test]
fn a_partial_clone_never_fetches() {
    let lab = Lab::hostile();
    let url = format!("file://{}", lab.root.join("bare.git").display());
    lab.git_in(
        &lab.root.join("bare.git"),
        &["config", "uploadpack.allowFilter", "true"],
    );
    lab.git_in(
        &lab.root,
        &[
            "clone",
            "-q",
            "--filter=blob:none",
            "--no-checkout",
            &url,
            "pc",
        ],
    );
    let pc = lab.root.join("pc");
    // an upload-pack that leaves a mark, then does its work
    let mark = lab.root.join("marks/uploadpack");
    let prog = lab.root.join("bin/uploadpack");
    write_program(
        &prog,
        &format!(
            "#!/bin/sh\necho ran >> '{}'\nexec git-upload-pack \"$@\"\n",
            mark.display()
        ),
    );
    lab.git_in(
        &pc,
        &["config", "remote.origin.uploadpack", prog.to_str().unwrap()],
    );
    let run = |args: &[&str]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_akscan"));
        lab.env(&mut c);
        c.current_dir(&pc).args(args).output().unwrap()
    };
    for args in [
        &["git", "--range", "HEAD~3..HEAD", "--format", "json"][..],
        &["git", "--since", "HEAD~3", "--format", "json"][..],
        &["git", "--history", "--format", "json"][..],
    ] {
        let out = run(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(lab.ran().is_empty(), "{args:?} fetched: {err}");
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("the scan is incomplete"), "{err}");
        assert!(
            err.contains("config.py"),
            "the missing blob is named: {err}"
        );
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            doc["stats"]["skipped"]["unreadable"].as_u64().unwrap() >= 1,
            "{doc}"
        );
    }
    let out = run(&["git", "--staged"]);
    assert!(lab.ran().is_empty());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // trusted: git fetches what is missing, through the repository's upload-pack
    let out = run(&[
        "git",
        "--range",
        "HEAD~3..HEAD",
        "--trust-repo-config",
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(lab.ran(), vec!["uploadpack".to_string()]);
}

#[test]
fn the_stall_limit_is_checked() {
    let lab = Lab::hostile();
    for (args, env) in [
        (&["git", "--staged", "--git-stall-timeout", "0"][..], None),
        (&["git", "--staged", "--git-stall-timeout", "nan"][..], None),
        (&["git", "--staged"][..], Some("soon")),
        (&["install-hook", "--git-stall-timeout", "1e9"][..], None),
    ] {
        let e: Vec<(&str, &str)> = env
            .map(|v| ("AKSCAN_GIT_STALL_TIMEOUT", v))
            .into_iter()
            .collect();
        let (out, _) = lab.akscan(args, &e);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains("stall") || err.contains("STALL"), "{err}");
    }
    // a valid limit: the scan runs
    let (out, _) = lab.akscan(&["git", "--staged", "--git-stall-timeout", "0.5"], &[]);
    assert_eq!(out.status.code(), Some(1));
}

/// Configuration and refs cannot hide a commit's lines from a range scan: the root commit's
/// changes are shown whatever `log.showRoot` says, output-shaping keys change nothing, and
/// `refs/replace` does not swap a commit for a clean one.
#[test]
fn the_repository_cannot_hide_a_commit_from_the_scan() {
    let lab = Lab::new();
    lab.git(&["init", "-q", "-b", "main"]);
    lab.write("config.py", &format!("access_key_id = \"{ID}\"\n"));
    lab.commit("root adds a key");
    lab.write("README.md", "hello\n");
    lab.commit("clean");
    lab.write("second.py", &format!("key_id = \"{ID2}\"\n"));
    lab.commit("adds another key");
    // a clean commit with the same parent stands in for the last one
    let parent = lab.git(&["rev-parse", "HEAD~1"]);
    let tree = lab.git(&["rev-parse", "HEAD~1^{tree}"]);
    let clean = lab.git(&["commit-tree", &tree, "-p", &parent, "-m", "nothing here"]);
    let head = lab.git(&["rev-parse", "HEAD"]);
    lab.git(&["replace", &head, &clean]);
    for (k, v) in [
        ("log.showRoot", "false"),
        ("color.ui", "always"),
        ("color.diff", "always"),
        ("diff.noprefix", "true"),
        ("core.abbrev", "7"),
        ("log.abbrevCommit", "true"),
        ("diff.renames", "copies"),
        ("log.follow", "true"),
    ] {
        lab.git(&["config", k, v]);
    }
    // the controls: plain git hides both
    assert!(!lab
        .git(&["log", "--raw", "HEAD~1..HEAD"])
        .contains("second.py"));
    assert!(!lab
        .git(&["log", "--raw", "--format=%H", &head])
        .contains("config.py"));
    for args in [
        &["git", "--range", "..HEAD", "--format", "json"][..],
        &["git", "--history", "--format", "json"][..],
    ] {
        let (out, _) = lab.akscan(args, &[]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let paths: Vec<&str> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap())
            .collect();
        assert!(paths.contains(&"config.py"), "{args:?}: {paths:?}");
        assert!(paths.contains(&"second.py"), "{args:?}: {paths:?}");
    }
}

/// Writes an executable script. The file is written by a child process (`install`), never
/// through a descriptor of this process: tests run in parallel threads, and a child forked
/// by another thread while this process held the script open for writing would keep that
/// descriptor until it execs, so running the script could fail with "text file busy" and a
/// marker would silently not run.
fn write_program(path: &Path, text: &str) {
    let src = path.with_extension("txt");
    std::fs::write(&src, text).unwrap();
    let st = Command::new("install")
        .args(["-m", "755"])
        .arg(&src)
        .arg(path)
        .status()
        .expect("run install");
    assert!(st.success(), "install {}", path.display());
}

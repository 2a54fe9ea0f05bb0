//! `akscan ci` in temporary repositories: a bare "remote" (reached by file://), a developer
//! clone that pushes to it, and a fresh clone like the one a CI job checks out, scanned
//! with the environment variables GitHub Actions and GitLab CI set and event files shaped
//! like GitHub's. Also `--format gitlab` against GitLab's published schema.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{json, Value};

const ID: &str = "LTAI5tQ8bFz2KcVw9YhN3xRm";
const SECRET: &str = "Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e";
const SECRET2: &str = "Mz7Qw2Xr9Tk4Vb6Np1Ls8Hd3Fj5Gc0";
const ZEROS: &str = "0000000000000000000000000000000000000000";

/// A remote, a developer's clone and a place for CI checkouts, with a clock that moves one
/// minute per commit.
struct World {
    tmp: tempfile::TempDir,
    tick: std::cell::Cell<u64>,
}

fn git_env(c: &mut Command, home: &Path) {
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("GIT_CONFIG_GLOBAL", home.join("gitconfig"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Ann Author")
        .env("GIT_AUTHOR_EMAIL", "ann@example.com")
        .env("GIT_COMMITTER_NAME", "Ann Author")
        .env("GIT_COMMITTER_EMAIL", "ann@example.com");
}

impl World {
    fn new() -> World {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("home")).unwrap();
        std::fs::write(
            tmp.path().join("home/gitconfig"),
            "[init]\n\tdefaultBranch = main\n[protocol \"file\"]\n\tallow = always\n",
        )
        .unwrap();
        let w = World {
            tmp,
            tick: std::cell::Cell::new(0),
        };
        w.git(w.root(), &["init", "-q", "--bare", "remote.git"]);
        w.git(w.root(), &["clone", "-q", &w.url(), "dev"]);
        w
    }

    fn root(&self) -> &Path {
        self.tmp.path()
    }

    fn home(&self) -> PathBuf {
        self.root().join("home")
    }

    fn dev(&self) -> PathBuf {
        self.root().join("dev")
    }

    fn url(&self) -> String {
        format!("file://{}", self.root().join("remote.git").display())
    }

    fn git(&self, dir: &Path, args: &[&str]) -> String {
        let mut c = Command::new("git");
        git_env(&mut c, &self.home());
        let t = 1_700_000_000 + 60 * self.tick.get();
        let out = c
            .env("GIT_AUTHOR_DATE", format!("@{t} +0000"))
            .env("GIT_COMMITTER_DATE", format!("@{t} +0000"))
            .args(args)
            .current_dir(dir)
            .output()
            .expect("run git");
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Writes `files` in the developer's clone and commits them; returns the commit.
    fn commit(&self, files: &[(&str, &str)], msg: &str) -> String {
        self.tick.set(self.tick.get() + 1);
        for (p, text) in files {
            let path = self.dev().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
            self.git(&self.dev(), &["add", "--", p]);
        }
        self.git(&self.dev(), &["commit", "-q", "-m", msg]);
        self.git(&self.dev(), &["rev-parse", "HEAD"])
    }

    fn push(&self, refspec: &str) {
        self.git(&self.dev(), &["push", "-q", "origin", refspec]);
    }

    /// A fresh clone of the remote at `branch`, as a CI job checks it out (`depth`: a
    /// shallow one).
    fn checkout(&self, name: &str, branch: &str, depth: Option<u32>) -> PathBuf {
        let mut args = vec!["clone", "-q", "-b", branch];
        let d;
        if let Some(n) = depth {
            // as actions/checkout does by default: one ref, n commits
            d = n.to_string();
            args.extend_from_slice(&["--single-branch", "--depth", &d]);
        }
        let url = self.url();
        args.extend_from_slice(&[&url, name]);
        self.git(self.root(), &args);
        self.root().join(name)
    }

    fn write_event(&self, name: &str, v: &Value) -> PathBuf {
        let p = self.root().join(name);
        std::fs::write(&p, serde_json::to_vec_pretty(v).unwrap()).unwrap();
        p
    }

    /// `akscan ci ARGS` in `dir` with only `env` (and PATH, HOME) set.
    fn akscan(&self, dir: &Path, env: &[(&str, String)], args: &[&str]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_akscan"));
        git_env(&mut c, &self.home());
        for (k, v) in env {
            c.env(k, v);
        }
        c.arg("ci")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("run akscan")
    }
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn secret_line(v: &str) -> String {
    format!("access_key_secret = \"{v}\"\n")
}

/// The files of the findings of a JSON report.
fn files(json: &[u8]) -> Vec<String> {
    let v: Value = serde_json::from_slice(json).expect("json report");
    let mut f: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    f.sort();
    f
}

/// GitHub Actions' variables for an event.
fn github_env(
    w: &World,
    event_name: &str,
    event: &Path,
    sha: &str,
    gref: &str,
) -> Vec<(&'static str, String)> {
    vec![
        ("CI", "true".into()),
        ("GITHUB_ACTIONS", "true".into()),
        ("GITHUB_EVENT_NAME", event_name.into()),
        ("GITHUB_EVENT_PATH", event.display().to_string()),
        ("GITHUB_SHA", sha.into()),
        ("GITHUB_REF", gref.into()),
        ("GITHUB_REPOSITORY", "acme/shop".into()),
        ("GITHUB_WORKSPACE", w.root().display().to_string()),
        (
            "GITHUB_STEP_SUMMARY",
            w.root().join("step_summary.md").display().to_string(),
        ),
    ]
}

/// A push event as GitHub writes it (the fields akscan reads and their neighbours).
fn push_event(gref: &str, before: &str, after: &str, forced: bool) -> Value {
    json!({
        "ref": gref,
        "before": before,
        "after": after,
        "created": before == ZEROS,
        "deleted": after == ZEROS,
        "forced": forced,
        "base_ref": null,
        "compare": format!("https://github.com/acme/shop/compare/{}...{}", &before[..12], &after[..12]),
        "commits": [{
            "id": after,
            "tree_id": "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
            "distinct": true,
            "message": "change",
            "timestamp": "2023-11-14T22:14:20Z",
            "url": format!("https://github.com/acme/shop/commit/{after}"),
            "author": {"name": "Ann Author", "email": "ann@example.com", "username": "ann"},
            "committer": {"name": "Ann Author", "email": "ann@example.com", "username": "ann"},
            "added": [], "removed": [], "modified": []
        }],
        "head_commit": {"id": after, "message": "change"},
        "pusher": {"name": "ann", "email": "ann@example.com"},
        "repository": {"id": 1, "name": "shop", "full_name": "acme/shop", "default_branch": "main", "private": true},
        "sender": {"login": "ann", "id": 2, "type": "User"}
    })
}

/// A pull_request event as GitHub writes it.
fn pr_event(number: u64, base: &str, head: &str) -> Value {
    json!({
        "action": "synchronize",
        "number": number,
        "before": base,
        "after": head,
        "pull_request": {
            "number": number,
            "state": "open",
            "title": "Add payments",
            "head": {"label": "acme:feature", "ref": "feature", "sha": head,
                     "repo": {"full_name": "acme/shop"}},
            "base": {"label": "acme:main", "ref": "main", "sha": base,
                     "repo": {"full_name": "acme/shop"}},
            "merged": false,
            "commits": 2
        },
        "repository": {"id": 1, "name": "shop", "full_name": "acme/shop", "default_branch": "main", "private": true},
        "sender": {"login": "ann", "id": 2, "type": "User"}
    })
}

/// main holds an old key; `feature` branches off it.
fn world_with_old_key_on_main() -> (World, String) {
    let w = World::new();
    w.commit(&[("README.md", "# shop\n")], "init");
    let main = w.commit(&[("legacy/old.py", &secret_line(SECRET2))], "legacy config");
    w.push("main");
    (w, main)
}

#[test]
fn github_push_of_a_new_branch_scans_only_the_commits_no_other_branch_has() {
    let (w, _) = world_with_old_key_on_main();
    // a docs-only branch: the old key of main is not its doing
    w.git(&w.dev(), &["checkout", "-q", "-b", "docs"]);
    let docs = w.commit(&[("docs/guide.md", "# guide\n")], "docs");
    w.push("docs");
    let ci = w.checkout("ci-docs", "docs", None);
    let ev = w.write_event(
        "docs.json",
        &push_event("refs/heads/docs", ZEROS, &docs, false),
    );
    let env = github_env(&w, "push", &ev, &docs, "refs/heads/docs");
    let o = w.akscan(&ci, &env, &["--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(files(&o.stdout).is_empty());
    let summary = std::fs::read_to_string(w.root().join("step_summary.md")).unwrap();
    assert!(summary.contains("no new credentials"), "{summary}");

    // a branch that adds a key fails on it alone, and the summary lists it redacted
    w.git(&w.dev(), &["checkout", "-q", "-b", "feature", "main"]);
    w.commit(&[("docs/a.md", "a\n")], "a");
    let head = w.commit(&[("app/settings.py", &secret_line(SECRET))], "settings");
    w.push("feature");
    let ci = w.checkout("ci-feature", "feature", None);
    let ev = w.write_event(
        "feature.json",
        &push_event("refs/heads/feature", ZEROS, &head, false),
    );
    let env = github_env(&w, "push", &ev, &head, "refs/heads/feature");
    let o = w.akscan(&ci, &env, &["--format", "json"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(files(&o.stdout), ["app/settings.py"]);
    let summary = std::fs::read_to_string(w.root().join("step_summary.md")).unwrap();
    assert!(summary.contains("1 new credential found"), "{summary}");
    assert!(summary.contains("app/settings\\.py"), "{summary}");
    assert!(summary.contains("Vq8"), "{summary}");
    for s in [SECRET, SECRET2] {
        assert!(!summary.contains(s), "a value leaked into the summary");
        assert!(!String::from_utf8_lossy(&o.stdout).contains(s));
    }
    // the old `git --range` way, from the root, would have failed the docs branch
    let o = Command::new(env!("CARGO_BIN_EXE_akscan"))
        .args(["git", "--history", "-q"])
        .current_dir(w.root().join("ci-docs"))
        .output()
        .unwrap();
    assert_eq!(code(&o), 1);
}

#[test]
fn github_push_to_an_existing_branch_scans_before_to_after() {
    let (w, main) = world_with_old_key_on_main();
    w.commit(&[("a.py", &secret_line(SECRET))], "one");
    let after = w.commit(&[("b.md", "b\n")], "two");
    w.push("main");
    let ci = w.checkout("ci", "main", None);
    let ev = w.write_event(
        "push.json",
        &push_event("refs/heads/main", &main, &after, false),
    );
    let env = github_env(&w, "push", &ev, &after, "refs/heads/main");
    let o = w.akscan(&ci, &env, &["--format", "json", "--no-summary"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(files(&o.stdout), ["a.py"]);
    assert!(!w.root().join("step_summary.md").exists());
    // a force push whose old head is gone: the commits no other branch has, with a note
    let ev = w.write_event(
        "forced.json",
        &push_event(
            "refs/heads/main",
            "1111111111111111111111111111111111111111",
            &after,
            true,
        ),
    );
    let env = github_env(&w, "push", &ev, &after, "refs/heads/main");
    let o = w.akscan(&ci, &env, &["--format", "json"]);
    assert!(stderr(&o).contains("force push"), "{}", stderr(&o));
    // a deleted branch: nothing to scan
    let ev = w.write_event(
        "deleted.json",
        &push_event("refs/heads/old", &after, ZEROS, false),
    );
    let env = github_env(&w, "push", &ev, &after, "refs/heads/old");
    let o = w.akscan(&ci, &env, &["--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(files(&o.stdout).is_empty());
}

#[test]
fn github_pull_request_scans_base_to_head_and_writes_every_report() {
    let (w, main) = world_with_old_key_on_main();
    w.git(&w.dev(), &["checkout", "-q", "-b", "feature"]);
    w.commit(
        &[(
            "svc/pay.py",
            &format!("access_key_id = \"{ID}\"\n{}", secret_line(SECRET)),
        )],
        "pay",
    );
    let head = w.commit(&[("svc/README.md", "pay\n")], "doc");
    w.push("feature");
    // main moves on after the branch: its new commits are not the pull request's
    w.git(&w.dev(), &["checkout", "-q", "main"]);
    let base = w.commit(&[("main2.py", &secret_line(SECRET2))], "main moves");
    w.push("main");
    let _ = main;
    let ci = w.checkout("ci", "feature", None);
    let ev = w.write_event("pr.json", &pr_event(7, &base, &head));
    let env = github_env(&w, "pull_request", &ev, &head, "refs/pull/7/merge");
    let args = [
        "--format",
        "github",
        "--report",
        "sarif=out/akscan.sarif",
        "--report",
        "gitlab=out/gl.json",
        "--report",
        "json=out/akscan.json",
    ];
    // out/ does not exist yet
    let o = w.akscan(&ci, &env, &args);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    std::fs::create_dir_all(ci.join("out")).unwrap();
    let o = w.akscan(&ci, &env, &args);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("pull request #7"), "{}", stderr(&o));
    let annotations = String::from_utf8_lossy(&o.stdout);
    assert_eq!(annotations.lines().count(), 2, "{annotations}");
    assert!(annotations
        .lines()
        .all(|l| l.starts_with("::error file=svc/pay.py,")));
    assert_eq!(
        files(&std::fs::read(ci.join("out/akscan.json")).unwrap()),
        ["svc/pay.py", "svc/pay.py"]
    );
    let sarif: Value =
        serde_json::from_slice(&std::fs::read(ci.join("out/akscan.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 2);
    let gl: Value =
        serde_json::from_slice(&std::fs::read(ci.join("out/gl.json")).unwrap()).unwrap();
    assert!(
        gitlab_schema_errors(&gl).is_empty(),
        "{:?}",
        gitlab_schema_errors(&gl)
    );
    let commits: Vec<&str> = gl["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["location"]["commit"]["sha"].as_str().unwrap())
        .collect();
    assert_eq!(commits.len(), 2);
    let pay = w.git(&ci, &["rev-parse", "HEAD~1"]);
    assert!(commits.iter().all(|c| *c == pay), "{commits:?} vs {pay}");
    for f in ["out/akscan.sarif", "out/gl.json", "out/akscan.json"] {
        let text = std::fs::read_to_string(ci.join(f)).unwrap();
        assert!(
            !text.contains(SECRET) && !text.contains(SECRET2),
            "{f} holds a value"
        );
    }
    // a report that cannot be written (file size limit: EFBIG) leaves the previous one
    // whole and no temporary file beside it
    let before = std::fs::read(ci.join("out/akscan.sarif")).unwrap();
    let mut c = Command::new("sh");
    git_env(&mut c, &w.home());
    for (k, v) in &env {
        c.env(k, v);
    }
    let o = c
        .args(["-c", "trap '' XFSZ; ulimit -f 1; exec \"$0\" ci \"$@\""])
        .arg(env!("CARGO_BIN_EXE_akscan"))
        .args(["-q", "--report", "sarif=out/akscan.sarif"])
        .current_dir(&ci)
        .output()
        .unwrap();
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("out/akscan.sarif"), "{}", stderr(&o));
    assert_eq!(std::fs::read(ci.join("out/akscan.sarif")).unwrap(), before);
    let mut left: Vec<String> = std::fs::read_dir(ci.join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["akscan.json", "akscan.sarif", "gl.json"]);
    // a baseline of the known findings: nothing new, exit 0
    let o = Command::new(env!("CARGO_BIN_EXE_akscan"))
        .args([
            "git",
            "--range",
            &format!("{base}..{head}"),
            "--write-baseline",
            "base.json",
            "-q",
        ])
        .current_dir(&ci)
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = w.akscan(&ci, &env, &["--baseline", "base.json", "-q"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn a_shallow_clone_without_the_base_is_a_clear_error() {
    let (w, main) = world_with_old_key_on_main();
    w.git(&w.dev(), &["checkout", "-q", "-b", "feature"]);
    w.commit(&[("x.md", "x\n")], "x");
    let head = w.commit(&[("y.md", "y\n")], "y");
    w.push("feature");
    let ci = w.checkout("shallow", "feature", Some(1));
    let ev = w.write_event("pr.json", &pr_event(3, &main, &head));
    let o = w.akscan(
        &ci,
        &github_env(&w, "pull_request", &ev, &head, "refs/pull/3/merge"),
        &[],
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("fetch-depth: 0"), "{}", stderr(&o));
    // a new branch in a shallow clone cannot be told from the rest either
    let ev = w.write_event(
        "push.json",
        &push_event("refs/heads/feature", ZEROS, &head, false),
    );
    let o = w.akscan(
        &ci,
        &github_env(&w, "push", &ev, &head, "refs/heads/feature"),
        &[],
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("fetch-depth: 0"), "{}", stderr(&o));
    // GitLab names its own fix
    let env = gitlab_env(&head, Some(&main), &[("CI_COMMIT_BRANCH", "feature")]);
    let o = w.akscan(&ci, &env, &[]);
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("GIT_DEPTH"), "{}", stderr(&o));
}

/// GitLab CI's predefined variables for a pipeline at `sha`.
fn gitlab_env(
    sha: &str,
    before: Option<&str>,
    more: &[(&'static str, &str)],
) -> Vec<(&'static str, String)> {
    let mut v = vec![
        ("CI", "true".to_string()),
        ("GITLAB_CI", "true".to_string()),
        ("CI_COMMIT_SHA", sha.to_string()),
        ("CI_COMMIT_BEFORE_SHA", before.unwrap_or(ZEROS).to_string()),
        ("CI_PROJECT_PATH", "acme/shop".to_string()),
        ("CI_DEFAULT_BRANCH", "main".to_string()),
        ("CI_PIPELINE_SOURCE", "push".to_string()),
    ];
    for (k, val) in more {
        v.retain(|(name, _)| name != k);
        v.push((k, val.to_string()));
    }
    v
}

#[test]
fn gitlab_push_new_branch_and_merge_request() {
    let (w, main) = world_with_old_key_on_main();
    w.git(&w.dev(), &["checkout", "-q", "-b", "feature"]);
    let first = w.commit(&[("docs.md", "d\n")], "docs");
    w.push("feature");
    let ci = w.checkout("ci", "feature", None);
    // the branch's first pipeline: before is all zeros
    let env = gitlab_env(
        &first,
        None,
        &[
            ("CI_COMMIT_BRANCH", "feature"),
            ("CI_COMMIT_REF_NAME", "feature"),
        ],
    );
    let o = w.akscan(&ci, &env, &["--format", "json"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // a later push adds a key
    let second = w.commit(&[("cfg/app.yaml", &secret_line(SECRET))], "cfg");
    w.push("feature");
    w.git(&ci, &["fetch", "-q", "origin"]);
    w.git(&ci, &["checkout", "-q", &second]);
    let env = gitlab_env(&second, Some(&first), &[("CI_COMMIT_BRANCH", "feature")]);
    let o = w.akscan(
        &ci,
        &env,
        &[
            "--format",
            "json",
            "--report",
            "gitlab=gl-secret-detection-report.json",
        ],
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(files(&o.stdout), ["cfg/app.yaml"]);
    let gl: Value =
        serde_json::from_slice(&std::fs::read(ci.join("gl-secret-detection-report.json")).unwrap())
            .unwrap();
    assert!(gitlab_schema_errors(&gl).is_empty());
    assert_eq!(gl["vulnerabilities"][0]["location"]["file"], "cfg/app.yaml");
    assert_eq!(
        gl["vulnerabilities"][0]["location"]["commit"]["sha"],
        second.as_str()
    );
    // a merge request pipeline: diff base (the merge base) to the source branch head
    let env = gitlab_env(
        &second,
        None,
        &[
            ("CI_PIPELINE_SOURCE", "merge_request_event"),
            ("CI_MERGE_REQUEST_DIFF_BASE_SHA", &main),
            ("CI_MERGE_REQUEST_IID", "12"),
            ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "feature"),
            ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
        ],
    );
    let o = w.akscan(&ci, &env, &["--format", "json"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("merge request !12"), "{}", stderr(&o));
    assert_eq!(files(&o.stdout), ["cfg/app.yaml"]);
    // no GitHub summary outside GitHub
    assert!(!w.root().join("step_summary.md").exists());
}

/// The first pipeline of a project's only branch: no commit before it, no other branch to
/// compare with, so every commit of the branch is new and is scanned, and the note says why.
#[test]
fn gitlab_first_push_of_the_only_branch_scans_every_commit_and_says_so() {
    let (w, main) = world_with_old_key_on_main();
    let ci = w.checkout("ci", "main", None);
    let env = gitlab_env(
        &main,
        None,
        &[("CI_COMMIT_BRANCH", "main"), ("CI_COMMIT_REF_NAME", "main")],
    );
    let o = w.akscan(&ci, &env, &["--format", "json"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(files(&o.stdout), ["legacy/old.py"]);
    assert!(
        stderr(&o).contains("no other branch of the remote is in this clone"),
        "{}",
        stderr(&o)
    );
    // the same on GitHub: a push that creates the repository's first branch
    let event = w.write_event(
        "first.json",
        &push_event("refs/heads/main", ZEROS, &main, false),
    );
    let env = github_env(&w, "push", &event, &main, "refs/heads/main");
    let o = w.akscan(&ci, &env, &["--format", "json", "--no-summary"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(files(&o.stdout), ["legacy/old.py"]);
}

#[test]
fn elsewhere_range_is_needed_and_used() {
    let (w, main) = world_with_old_key_on_main();
    let head = w.commit(&[("k.py", &secret_line(SECRET))], "k");
    w.push("main");
    let ci = w.checkout("ci", "main", None);
    let o = w.akscan(&ci, &[], &[]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--range"), "{}", stderr(&o));
    let o = w.akscan(
        &ci,
        &[],
        &["--range", &format!("{main}..{head}"), "--format", "json"],
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(files(&o.stdout), ["k.py"]);
    // an event akscan ci does not read needs --range too
    let ev = w.write_event(
        "dispatch.json",
        &json!({"inputs": {}, "ref": "refs/heads/main"}),
    );
    let env = github_env(&w, "workflow_dispatch", &ev, &head, "refs/heads/main");
    let o = w.akscan(&ci, &env, &[]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("workflow_dispatch"), "{}", stderr(&o));
    // a bad --report is refused before anything runs
    let o = w.akscan(&ci, &[], &["--range", "a..b", "--report", "pdf=x.pdf"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("not a format"), "{}", stderr(&o));
}

// ------------------------------------------------------------------ --format gitlab

fn gitlab_schema_errors(doc: &Value) -> Vec<String> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/gitlab/secret-detection-report-format.json"),
    )
    .unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    let v = jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the GitLab schema compiles offline");
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn gitlab_format_follows_the_published_schema() {
    let w = World::new();
    let dir = w.dev();
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(
        dir.join("sub/app.py"),
        format!("access_key_id = \"{ID}\"\n{}", secret_line(SECRET)),
    )
    .unwrap();
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_akscan"));
        git_env(&mut c, &w.home());
        for (k, v) in env {
            c.env(k, v);
        }
        c.args(args).current_dir(dir.join("sub")).output().unwrap()
    };
    let o = run(&["scan", ".", "--format", "gitlab"], &[]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let errors = gitlab_schema_errors(&doc);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(doc["version"], "15.0.7");
    assert_eq!(doc["scan"]["type"], "secret_detection");
    assert_eq!(doc["scan"]["status"], "success");
    assert_eq!(doc["scan"]["scanner"]["vendor"]["name"], "akscan");
    let vulns = doc["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulns.len(), 2);
    for v in vulns {
        assert_eq!(v["category"], "secret_detection");
        // relative to the repository's top, not to the scanned directory
        assert_eq!(v["location"]["file"], "sub/app.py");
        assert_eq!(v["location"]["commit"]["sha"], "0000000");
        assert!(
            v["severity"] == "Critical" || v["severity"] == "High",
            "{v}"
        );
        assert!(!v["identifiers"].as_array().unwrap().is_empty());
    }
    assert_ne!(vulns[0]["id"], vulns[1]["id"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        !text.contains(SECRET) && !text.contains(ID),
        "a value leaked"
    );
    // the same finding keeps its id from one run to the next
    let again: Value =
        serde_json::from_slice(&run(&["scan", ".", "--format", "gitlab"], &[]).stdout).unwrap();
    assert_eq!(again["vulnerabilities"][0]["id"], vulns[0]["id"]);
    // in a GitLab job, a file scan names the job's commit
    let sha = "0123456789abcdef0123456789abcdef01234567";
    let o = run(
        &["scan", ".", "--format", "gitlab"],
        &[("CI_COMMIT_SHA", sha)],
    );
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["vulnerabilities"][0]["location"]["commit"]["sha"], sha);
    // a clean scan is a valid report with no vulnerabilities
    std::fs::write(dir.join("sub/app.py"), "print('hi')\n").unwrap();
    let o = run(&["scan", ".", "--format", "gitlab"], &[]);
    assert_eq!(code(&o), 0);
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(gitlab_schema_errors(&doc).is_empty());
    assert_eq!(doc["vulnerabilities"].as_array().unwrap().len(), 0);
    // the schema is not a rubber stamp: a report without the commit fails it
    let mut bad = doc.clone();
    bad["vulnerabilities"] = json!([{"id": "x", "identifiers": [{"type": "t", "name": "n", "value": "v"}], "location": {"file": "a"}}]);
    assert!(!gitlab_schema_errors(&bad).is_empty());
}

//! `akscan git` and the hooks on real repositories made in temporary directories with the
//! real `git` binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ID: &str = "LTAI5tQ8bFz2KcVw9YhN3xRm";
const SECRET: &str = "Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e";
const ID2: &str = "LTAI5tUu7Vq2Hd8KsPz3WcNe";

/// A repository in a temporary directory, with its own git configuration and a clock
/// that moves one minute per commit.
struct Repo {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    home: PathBuf,
    tick: std::cell::Cell<u64>,
}

fn base_env(c: &mut Command, home: &Path) {
    c.env("HOME", home)
        .env("GIT_CONFIG_GLOBAL", home.join("gitconfig"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Ann Author")
        .env("GIT_AUTHOR_EMAIL", "ann@example.com")
        .env("GIT_COMMITTER_NAME", "Ann Author")
        .env("GIT_COMMITTER_EMAIL", "ann@example.com")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE")
        .env_remove("NO_COLOR");
}

impl Repo {
    fn new() -> Repo {
        let r = Repo::bare_dir();
        r.git(&["init", "-q", "-b", "main"]);
        r
    }

    /// A directory that is not (yet) a repository.
    fn bare_dir() -> Repo {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        let dir = tmp.path().join("repo");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(home.join("gitconfig"), "").unwrap();
        Repo {
            _tmp: tmp,
            dir,
            home,
            tick: std::cell::Cell::new(0),
        }
    }

    fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        base_env(&mut c, &self.home);
        let t = 1_700_000_000 + 60 * self.tick.get();
        c.env("GIT_AUTHOR_DATE", format!("@{t} +0000"))
            .env("GIT_COMMITTER_DATE", format!("@{t} +0000"))
            .current_dir(&self.dir);
        c
    }

    fn git_out(&self, args: &[&str]) -> Output {
        self.command("git").args(args).output().expect("run git")
    }

    fn git(&self, args: &[&str]) -> String {
        let out = self.git_out(args);
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn write(&self, rel: &str, data: &[u8]) {
        let p = self.dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    }

    /// Stages everything and commits; returns the commit id.
    fn commit(&self, msg: &str) -> String {
        self.tick.set(self.tick.get() + 1);
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "--no-verify", "-m", msg]);
        self.git(&["rev-parse", "HEAD"])
    }

    fn akscan(&self, args: &[&str]) -> Output {
        self.command(env!("CARGO_BIN_EXE_akscan"))
            .args(args)
            .output()
            .expect("run akscan")
    }

    /// Runs akscan with `--format json` and returns the exit code and the document.
    fn json(&self, args: &[&str]) -> (i32, serde_json::Value) {
        let mut a = args.to_vec();
        a.extend(["--format", "json"]);
        let out = self.akscan(&a);
        let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "bad JSON ({e}) from {args:?}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.code().unwrap_or(-1), doc)
    }
}

fn findings(doc: &serde_json::Value) -> Vec<serde_json::Value> {
    doc["findings"].as_array().cloned().unwrap_or_default()
}

/// (rule, path, line) of each finding.
fn locations(doc: &serde_json::Value) -> Vec<(String, String, u64)> {
    findings(doc)
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts a clean failure: exit 2, one `akscan: error:` line mentioning `needle`.
fn assert_error(out: &Output, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(err.starts_with("akscan: error: "), "stderr: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "stderr: {err}");
    assert!(err.contains(needle), "{needle:?} not in: {err}");
    assert!(!err.contains("panicked"), "{err}");
}

const ID_RULE: &str = "alibaba-access-key-id";
const SECRET_RULE: &str = "alibaba-access-key-secret";

#[test]
fn staged_content_counts_not_the_work_tree() {
    let r = Repo::new();
    r.write("README.md", b"hello\n");
    r.commit("start");
    // staged, then edited away in the work tree: still caught
    r.write(
        "config.py",
        format!("access_key_id = \"{ID}\"\n").as_bytes(),
    );
    r.git(&["add", "config.py"]);
    r.write("config.py", b"access_key_id = os.environ['ID']\n");
    let (code, doc) = r.json(&["git", "--staged"]);
    assert_eq!(code, 1);
    assert_eq!(
        locations(&doc),
        vec![(ID_RULE.into(), "config.py".into(), 1)]
    );
    assert!(findings(&doc)[0].get("git").is_none());
    // only in the work tree: not this commit's business
    r.git(&["reset", "-q", "config.py"]);
    r.write(
        "config.py",
        format!("access_key_id = \"{ID}\"\n").as_bytes(),
    );
    let (code, doc) = r.json(&["git", "--staged"]);
    assert_eq!(code, 0, "{doc}");
    assert!(findings(&doc).is_empty());
}

#[test]
fn staged_reports_only_added_lines_with_whole_file_context() {
    let r = Repo::new();
    // an old key already committed: it must not block every later commit
    r.write(
        "app.py",
        format!("old_id = \"{ID}\"\nx = 1\nkey_id = \"{ID2}\"\n").as_bytes(),
    );
    r.commit("old key");
    r.write(
        "app.py",
        format!("old_id = \"{ID}\"\nx = 2\nkey_id = \"{ID2}\"\n").as_bytes(),
    );
    r.git(&["add", "app.py"]);
    let (code, doc) = r.json(&["git", "--staged"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["stats"]["files_scanned"], 1);
    // a secret added under the unchanged ID line: recognised through that ID (a plain
    // `secret = ...` alone is not enough evidence), and only the added line is reported
    r.write(
        "app.py",
        format!("old_id = \"{ID}\"\nx = 2\nkey_id = \"{ID2}\"\nsecret = \"{SECRET}\"\n").as_bytes(),
    );
    r.git(&["add", "app.py"]);
    let (code, doc) = r.json(&["git", "--staged"]);
    assert_eq!(code, 1);
    assert_eq!(
        locations(&doc),
        vec![(SECRET_RULE.into(), "app.py".into(), 4)]
    );
    // the same line in a file without an ID nearby is not a finding: the context mattered
    r.write("other.py", format!("secret = \"{SECRET}\"\n").as_bytes());
    r.git(&["add", "other.py"]);
    let (_, doc) = r.json(&["git", "--staged", "other.py"]);
    assert!(findings(&doc).is_empty(), "{doc}");
    // human output says how to fix, unstage and suppress
    let out = r.akscan(&["git", "--staged", "--color", "never"]);
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(text.contains("git restore --staged"), "{text}");
    assert!(text.contains("akscan:allow"), "{text}");
    assert!(!text.contains(SECRET), "secret printed: {text}");
}

#[test]
fn staged_paths_limit_the_scan() {
    let r = Repo::new();
    r.commit("start");
    r.write("a.py", format!("key_id = \"{ID}\"\n").as_bytes());
    r.write("b.py", format!("key_id = \"{ID2}\"\n").as_bytes());
    r.git(&["add", "-A"]);
    let (code, doc) = r.json(&["git", "--staged", "b.py"]);
    assert_eq!(code, 1);
    assert_eq!(locations(&doc), vec![(ID_RULE.into(), "b.py".into(), 1)]);
    // as the pre-commit framework calls it (.pre-commit-hooks.yaml): names after `--`
    let out = r.akscan(&[
        "git", "--staged", "--format", "json", "--", "a.py", "-odd.py",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(locations(&doc), vec![(ID_RULE.into(), "a.py".into(), 1)]);
    let hooks = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    // both hooks run the entry that reads pre-commit's mode (tests/it/precommit.rs runs them)
    assert_eq!(
        hooks.matches("entry: akscan pre-commit\n").count(),
        2,
        "{hooks}"
    );
    assert_eq!(hooks.matches("pass_filenames: true").count(), 2, "{hooks}");
    assert_eq!(hooks.matches("require_serial: true").count(), 2, "{hooks}");
    // from a subdirectory, names are relative to it and reports to the repository's top
    r.write("sub/c.py", format!("key_id = \"{ID}\"\n").as_bytes());
    r.git(&["add", "-A"]);
    let out = r
        .command(env!("CARGO_BIN_EXE_akscan"))
        .current_dir(r.dir.join("sub"))
        .args(["git", "--staged", "c.py", "--format", "json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        locations(&doc),
        vec![(ID_RULE.into(), "sub/c.py".into(), 1)]
    );
}

#[test]
fn staged_in_a_repository_without_commits() {
    let r = Repo::new();
    let (code, doc) = r.json(&["git", "--staged"]);
    assert_eq!(code, 0, "{doc}");
    r.write("first.py", format!("key_id = \"{ID}\"\n").as_bytes());
    r.git(&["add", "first.py"]);
    let (code, doc) = r.json(&["git", "--staged"]);
    assert_eq!(code, 1);
    assert_eq!(
        locations(&doc),
        vec![(ID_RULE.into(), "first.py".into(), 1)]
    );
}

#[test]
fn renames_add_no_lines() {
    let r = Repo::new();
    r.write(
        "old_name.py",
        format!("key_id = \"{ID}\"\nprint(1)\n").as_bytes(),
    );
    let base = r.commit("key");
    r.git(&["mv", "old_name.py", "new_name.py"]);
    let (code, doc) = r.json(&["git", "--staged"]);
    assert_eq!(code, 0, "{doc}");
    r.commit("rename");
    let range = format!("{base}..HEAD");
    let (code, doc) = r.json(&["git", "--range", &range]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["stats"]["files_scanned"], 1);
}

#[test]
fn range_reports_each_commit_with_its_author() {
    let r = Repo::new();
    r.write("README.md", b"hello\n");
    let base = r.commit("start");
    r.write("a.py", format!("key_id = \"{ID}\"\n").as_bytes());
    let c1 = r.commit("add a");
    r.write(
        "a.py",
        format!("key_id = \"{ID}\"\nname = 'x'\n").as_bytes(),
    );
    r.commit("touch a");
    r.write("b.py", format!("key_id = \"{ID2}\"\n").as_bytes());
    let c3 = r.commit("add b");
    let (code, doc) = r.json(&["git", "--range", &format!("{base}..HEAD")]);
    assert_eq!(code, 1);
    let f = findings(&doc);
    assert_eq!(f.len(), 2, "{doc}");
    assert_eq!(f[0]["path"], "a.py");
    assert_eq!(f[0]["git"]["commit"], c1.as_str());
    assert_eq!(f[0]["git"]["author"], "Ann Author");
    assert_eq!(f[0]["git"]["email"], "ann@example.com");
    assert_eq!(f[0]["git"]["summary"], "add a");
    assert!(f[0]["git"]["date"]
        .as_str()
        .unwrap()
        .starts_with("2023-11-14"));
    assert_eq!(f[1]["path"], "b.py");
    assert_eq!(f[1]["git"]["commit"], c3.as_str());
    // --since is the same range
    let (_, since) = r.json(&["git", "--since", &base]);
    assert_eq!(locations(&since), locations(&doc));
    // a range that only touches a.py again adds no key
    let (code, _) = r.json(&["git", "--range", &format!("{c1}..{c1}")]);
    assert_eq!(code, 0);
    // the human report shows the commit
    let out = r.akscan(&["git", "--since", &base, "--color", "never"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("commit {}", &c1[..12])), "{text}");
    // SARIF carries the commit
    let out = r.akscan(&["git", "--since", &base, "--format", "sarif"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains(&c1));
}

#[test]
fn merges_in_a_range() {
    let r = Repo::new();
    r.write("README.md", b"hello\n");
    let base = r.commit("start");
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.write("feature.py", format!("key_id = \"{ID}\"\n").as_bytes());
    let on_branch = r.commit("feature key");
    r.git(&["checkout", "-q", "main"]);
    r.write("main.py", b"print('main')\n");
    r.commit("main work");
    // a merge that also adds a key of its own while resolving (an "evil merge")
    r.tick.set(r.tick.get() + 1);
    let out = r.git_out(&["merge", "-q", "--no-ff", "--no-commit", "feature"]);
    assert!(out.status.success(), "{}", stderr(&out));
    r.write("merge.py", format!("key_id = \"{ID2}\"\n").as_bytes());
    r.git(&["add", "merge.py"]);
    r.git(&["commit", "-q", "--no-verify", "-m", "merge feature"]);
    let merge = r.git(&["rev-parse", "HEAD"]);
    let (code, doc) = r.json(&["git", "--range", &format!("{base}..main")]);
    assert_eq!(code, 1);
    let f = findings(&doc);
    // the branch's key once, with the branch commit (not again with the merge)
    let by_path =
        |p: &str| -> Vec<&serde_json::Value> { f.iter().filter(|x| x["path"] == p).collect() };
    assert_eq!(by_path("feature.py").len(), 1, "{doc}");
    assert_eq!(
        by_path("feature.py")[0]["git"]["commit"],
        on_branch.as_str()
    );
    assert_eq!(by_path("merge.py").len(), 1, "{doc}");
    assert_eq!(by_path("merge.py")[0]["git"]["commit"], merge.as_str());
    // history attributes the same way
    let (_, hist) = r.json(&["git", "--history"]);
    let h = findings(&hist);
    let fp = h.iter().find(|x| x["path"] == "feature.py").unwrap();
    assert_eq!(fp["git"]["commit"], on_branch.as_str());
    let mp = h.iter().find(|x| x["path"] == "merge.py").unwrap();
    assert_eq!(mp["git"]["commit"], merge.as_str());
}

#[test]
fn history_finds_a_deleted_key_with_the_commit_that_added_it() {
    let r = Repo::new();
    r.write("app.py", b"print('hello')\n");
    r.commit("start");
    r.write(
        "app.py",
        format!("print('hello')\naccess_key_id = \"{ID}\"\n").as_bytes(),
    );
    let added = r.commit("configure");
    r.write("app.py", b"print('hello')\n");
    r.commit("oops, remove the key");
    r.write("kept.py", format!("key_id = \"{ID2}\"\n").as_bytes());
    let kept = r.commit("another key, still here");
    // staged and range scans of the last commit see nothing of the deleted key
    let (code, doc) = r.json(&["git", "--history"]);
    assert_eq!(code, 1);
    let f = findings(&doc);
    assert_eq!(f.len(), 2, "{doc}");
    let gone = f.iter().find(|x| x["path"] == "app.py").unwrap();
    assert_eq!(gone["line"], 2);
    assert_eq!(gone["git"]["commit"], added.as_str());
    assert_eq!(gone["git"]["summary"], "configure");
    assert_eq!(gone["git"]["present_at_head"], false);
    let here = f.iter().find(|x| x["path"] == "kept.py").unwrap();
    assert_eq!(here["git"]["commit"], kept.as_str());
    assert_eq!(here["git"]["present_at_head"], true);
    // the advice: rotate, rewriting history does not help
    let response = doc["advice"][gone["advice"].as_str().unwrap()]["response"]
        .as_str()
        .unwrap();
    assert!(response.contains("rewriting git history does not un-leak"));
    let out = r.akscan(&["git", "--history", "--color", "never"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("no longer at HEAD"), "{text}");
    assert!(text.contains("rotate"), "{text}");
    // every blob scanned once: 4 distinct app.py/kept.py contents
    assert_eq!(doc["stats"]["files_scanned"], 3);
}

#[test]
fn history_covers_side_branches_and_tags() {
    let r = Repo::new();
    r.write("README.md", b"hello\n");
    r.commit("start");
    // only on a branch that was never merged
    r.git(&["checkout", "-q", "-b", "side"]);
    r.write("side.py", format!("key_id = \"{ID}\"\n").as_bytes());
    let side = r.commit("side key");
    // only in a tag: a commit on a branch that is deleted afterwards
    r.git(&["checkout", "-q", "-b", "temp", "main"]);
    r.write("tagged.py", format!("key_id = \"{ID2}\"\n").as_bytes());
    let tagged = r.commit("tagged key");
    r.git(&["tag", "-a", "v1", "-m", "release"]);
    r.git(&["checkout", "-q", "main"]);
    r.git(&["branch", "-q", "-D", "temp"]);
    let (code, doc) = r.json(&["git", "--history"]);
    assert_eq!(code, 1);
    let f = findings(&doc);
    let s = f.iter().find(|x| x["path"] == "side.py").expect("side key");
    assert_eq!(s["git"]["commit"], side.as_str());
    assert_eq!(s["git"]["present_at_head"], false);
    let t = f
        .iter()
        .find(|x| x["path"] == "tagged.py")
        .expect("tag key");
    assert_eq!(t["git"]["commit"], tagged.as_str());
    // once the tag is gone too, the commit is unreachable: not reported, but said
    r.git(&["tag", "-d", "v1"]);
    let out = r.akscan(&["git", "--history", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!findings(&doc).iter().any(|x| x["path"] == "tagged.py"));
    assert!(
        stderr(&out).contains("not reachable from any ref"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn binary_blobs_and_odd_file_names() {
    let r = Repo::new();
    // a key after the first NUL of a binary file is not text: skipped and counted
    let mut bin = b"\x89PNG\r\n\x1a\n\0\0\0".to_vec();
    bin.extend_from_slice(format!("key_id = \"{ID}\"\n").as_bytes());
    r.write("image.png", &bin);
    // a file name that is not UTF-8
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let name = std::ffi::OsStr::from_bytes(b"caf\xe9 \xff.py");
        std::fs::write(r.dir.join(name), format!("key_id = \"{ID2}\"\n")).unwrap();
    }
    r.write(
        "quoted \"name\"\t.py",
        format!("key_id = \"{ID2}\"\n").as_bytes(),
    );
    r.git(&["add", "-A"]);
    let (code, doc) = r.json(&["git", "--staged"]);
    assert_eq!(code, 1);
    assert_eq!(doc["stats"]["skipped"]["binary"], 1, "{doc}");
    let paths: Vec<String> = locations(&doc).into_iter().map(|l| l.1).collect();
    assert!(!paths.iter().any(|p| p == "image.png"));
    assert!(
        paths.iter().any(|p| p == "quoted \"name\"\t.py"),
        "{paths:?}"
    );
    #[cfg(unix)]
    assert!(
        paths
            .iter()
            .any(|p| p.starts_with("caf") && p.ends_with(".py")),
        "{paths:?}"
    );
    r.commit("files");
    let (_, hist) = r.json(&["git", "--history"]);
    assert_eq!(locations(&hist).len(), locations(&doc).len(), "{hist}");
    assert_eq!(hist["stats"]["skipped"]["binary"], 1);
}

#[test]
fn errors_are_one_line_and_exit_2() {
    // not a repository
    let plain = Repo::bare_dir();
    assert_error(&plain.akscan(&["git", "--staged"]), "not a git repository");
    assert_error(&plain.akscan(&["git", "--history"]), "not a git repository");
    assert_error(&plain.akscan(&["install-hook"]), "not a git repository");
    // an empty repository
    let empty = Repo::new();
    assert_error(&empty.akscan(&["git", "--history"]), "no commits");
    assert_error(&empty.akscan(&["git", "--since", "main"]), "no commits");
    // a ref that does not exist, a malformed range
    let r = Repo::new();
    r.commit("start");
    assert_error(&r.akscan(&["git", "--range", "nope..HEAD"]), "\"nope\"");
    assert_error(&r.akscan(&["git", "--since", "v9.9"]), "\"v9.9\"");
    assert_error(&r.akscan(&["git", "--range", "main"]), "A..B");
    // no mode
    assert_eq!(r.akscan(&["git"]).status.code(), Some(2));
    // git missing from PATH
    let out = r
        .command(env!("CARGO_BIN_EXE_akscan"))
        .env("PATH", r.home.join("no-bin"))
        .args(["git", "--staged"])
        .output()
        .unwrap();
    assert_error(&out, "git is not installed");
}

#[test]
fn shallow_clone_with_and_without_the_base() {
    let origin = Repo::new();
    origin.write("a.py", b"print(1)\n");
    let first = origin.commit("one");
    origin.write("b.py", b"print(2)\n");
    let second = origin.commit("two");
    origin.write("c.py", format!("key_id = \"{ID}\"\n").as_bytes());
    origin.commit("three");
    let clone = Repo::bare_dir();
    std::fs::remove_dir(&clone.dir).unwrap();
    let url = format!("file://{}", origin.dir.display());
    let out = clone
        .command("git")
        .current_dir(clone.dir.parent().unwrap())
        .args(["clone", "-q", "--depth", "2", &url, "repo"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // the base is in the clone: works
    let (code, doc) = clone.json(&["git", "--range", &format!("{second}..HEAD")]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(locations(&doc), vec![(ID_RULE.into(), "c.py".into(), 1)]);
    // the base is not: says so
    assert_error(
        &clone.akscan(&["git", "--range", &format!("{first}..HEAD")]),
        "shallow clone",
    );
}

fn hook_path(r: &Repo, dir: &str) -> PathBuf {
    r.dir.join(dir).join("pre-commit")
}

#[test]
fn hook_install_blocks_commits_and_uninstall_removes_it() {
    let r = Repo::new();
    r.write("README.md", b"hello\n");
    r.commit("start");
    let out = r.akscan(&["install-hook"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let hook = hook_path(&r, ".git/hooks");
    let text = std::fs::read_to_string(&hook).unwrap();
    assert!(text.contains("akscan pre-commit hook"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&hook).unwrap().permissions().mode();
        assert_eq!(mode & 0o111, 0o111);
    }
    // a commit adding a key is refused by the real hook
    r.write("k.py", format!("key_id = \"{ID}\"\n").as_bytes());
    r.git(&["add", "k.py"]);
    let out = r.git_out(&["commit", "-q", "-m", "add key"]);
    assert!(!out.status.success(), "the hook let a key through");
    assert!(stderr(&out).contains("commit blocked"), "{}", stderr(&out));
    // `git commit -a` (git's temporary index) is checked too
    r.git(&["reset", "-q", "k.py"]);
    r.write(
        "README.md",
        format!("hello\nkey_id = \"{ID2}\"\n").as_bytes(),
    );
    let out = r.git_out(&["commit", "-q", "-a", "-m", "all"]);
    assert!(!out.status.success(), "commit -a let a key through");
    r.write("README.md", b"hello\n");
    // a clean commit passes
    r.write("ok.py", b"print('ok')\n");
    r.git(&["add", "ok.py"]);
    let out = r.git_out(&["commit", "-q", "-m", "clean"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // installing again updates it in place
    assert_eq!(r.akscan(&["install-hook"]).status.code(), Some(0));
    let out = r.akscan(&["uninstall-hook"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!hook.exists());
    // nothing left to remove: fine
    assert_eq!(r.akscan(&["uninstall-hook"]).status.code(), Some(0));
}

#[test]
fn hooks_never_clobber_a_foreign_hook() {
    let r = Repo::new();
    let hook = hook_path(&r, ".git/hooks");
    let foreign = "#!/bin/sh\necho my own checks\n";
    std::fs::create_dir_all(hook.parent().unwrap()).unwrap();
    std::fs::write(&hook, foreign).unwrap();
    assert_error(&r.akscan(&["install-hook"]), "not written by akscan");
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), foreign);
    assert_error(&r.akscan(&["uninstall-hook"]), "not written by akscan");
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), foreign);
    // --force keeps it aside; uninstall puts it back
    let out = r.akscan(&["install-hook", "--force"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(std::fs::read_to_string(&hook)
        .unwrap()
        .contains("akscan pre-commit hook"));
    let backup = hook.with_extension("akscan-backup");
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), foreign);
    assert_eq!(r.akscan(&["uninstall-hook"]).status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), foreign);
    assert!(!backup.exists());
}

#[test]
fn hooks_honour_core_hooks_path() {
    let r = Repo::new();
    r.write("README.md", b"hello\n");
    r.commit("start");
    r.git(&["config", "core.hooksPath", ".githooks"]);
    let out = r.akscan(&["install-hook"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let hook = hook_path(&r, ".githooks");
    assert!(hook.exists());
    assert!(!hook_path(&r, ".git/hooks").exists());
    r.write("k.py", format!("key_id = \"{ID}\"\n").as_bytes());
    r.git(&["add", "k.py"]);
    assert!(!r.git_out(&["commit", "-q", "-m", "key"]).status.success());
    assert_eq!(r.akscan(&["uninstall-hook"]).status.code(), Some(0));
    assert!(!hook.exists());
}

/// The path of a loose object in the repository.
fn loose_object(r: &Repo, oid: &str) -> PathBuf {
    r.dir.join(".git/objects").join(&oid[..2]).join(&oid[2..])
}

#[test]
fn a_missing_or_corrupt_blob_is_reported_never_a_panic() {
    for damage in ["missing", "corrupt"] {
        let r = Repo::new();
        r.commit("start");
        r.write("a.py", format!("key_id = \"{ID}\"\n").as_bytes());
        r.write(
            "b.py",
            format!("access_key_id = \"{ID2}\"\nprint('b')\n").as_bytes(),
        );
        r.commit("two files");
        let blob = r.git(&["rev-parse", "HEAD:b.py"]);
        let obj = loose_object(&r, &blob);
        assert!(obj.exists(), "objects are loose in a fresh repository");
        if damage == "missing" {
            std::fs::remove_file(&obj).unwrap();
        } else {
            let mut perm = std::fs::metadata(&obj).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perm.set_readonly(false);
            std::fs::set_permissions(&obj, perm).unwrap();
            std::fs::write(&obj, b"this is not a zlib stream").unwrap();
        }
        for mode in [
            &["git", "--history"][..],
            &["git", "--range", "HEAD~1..HEAD"][..],
        ] {
            let out = r.akscan(&[mode, &["--format", "json"]].concat());
            let err = stderr(&out);
            assert!(!err.contains("panicked"), "{damage} {mode:?}: {err}");
            let code = out.status.code();
            assert_eq!(code, Some(1), "{damage} {mode:?}: {err}");
            {
                // the intact blob is still scanned and the damaged one is reported
                let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                let paths: Vec<String> = findings(&doc)
                    .iter()
                    .map(|f| f["path"].as_str().unwrap().to_string())
                    .collect();
                assert!(paths.contains(&"a.py".to_string()), "{damage}: {doc}");
                assert!(err.contains(&blob) && err.contains("b.py"), "{err}");
                assert_eq!(doc["stats"]["skipped"]["unreadable"], 1, "{doc}");
            }
        }
    }
}

/// History scans open archives and notebooks as the directory scan does: a zip committed
/// and later deleted is reported as `lib/bundle.zip!pkg/config.py` with the commit that
/// added it, a notebook's finding carries its cell; and `present_at_head` is per path: a
/// key deleted from one file is not "at HEAD" because the same key lives in another.
#[test]
fn history_opens_archives_and_notebooks_and_knows_head_per_path() {
    use std::io::Write;
    let r = Repo::new();
    let pair = format!("access_key_id = \"{ID}\"\naccess_key_secret = \"{SECRET}\"\n");
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    z.start_file("pkg/config.py", zip::write::SimpleFileOptions::default())
        .unwrap();
    z.write_all(pair.as_bytes()).unwrap();
    let zip_bytes = z.finish().unwrap().into_inner();
    r.write("lib/bundle.zip", &zip_bytes);
    let nb = serde_json::json!({
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# setup\n"]},
            {"cell_type": "code", "metadata": {}, "execution_count": null, "outputs": [],
             "source": [format!("key_id = \"{ID2}\"\n")]}
        ],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5
    });
    r.write("nb/explore.ipynb", nb.to_string().as_bytes());
    r.write("old.py", pair.as_bytes());
    r.write("keep.py", pair.as_bytes());
    let added = r.commit("bundle, notebook, two copies");
    std::fs::remove_file(r.dir.join("lib/bundle.zip")).unwrap();
    std::fs::remove_file(r.dir.join("old.py")).unwrap();
    r.commit("remove the bundle and old.py");

    let (code, doc) = r.json(&["git", "--history"]);
    assert_eq!(code, 1, "{doc}");
    let f = findings(&doc);
    let at = |path: &str, rule: &str| {
        f.iter()
            .find(|x| x["path"] == path && x["rule_id"] == rule)
            .unwrap_or_else(|| panic!("no {rule} at {path}: {doc}"))
            .clone()
    };
    let member = at("lib/bundle.zip!pkg/config.py", SECRET_RULE);
    assert_eq!(member["git"]["commit"], added.as_str());
    assert_eq!(member["git"]["present_at_head"], false);
    assert_eq!(member["line"], 2);
    let cell = at("nb/explore.ipynb", ID_RULE);
    assert_eq!(cell["cell"], 2, "{cell}");
    assert_eq!(cell["git"]["present_at_head"], true);
    for rule in [ID_RULE, SECRET_RULE] {
        assert_eq!(at("old.py", rule)["git"]["present_at_head"], false);
        assert_eq!(at("keep.py", rule)["git"]["present_at_head"], true);
    }
}

/// Staged and range scans open archives too: what an archive adds is each value its
/// members hold that its previous version did not (its lines mean nothing).
#[test]
fn staged_and_range_scans_see_what_an_archive_adds() {
    use std::io::Write;
    let zip_of = |members: &[(&str, String)]| {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, text) in members {
            z.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            z.write_all(text.as_bytes()).unwrap();
        }
        z.finish().unwrap().into_inner()
    };
    let one = format!("access_key_id = \"{ID}\"\naccess_key_secret = \"{SECRET}\"\n");
    let two = format!("key_id = \"{ID2}\"\n");
    let r = Repo::new();
    r.write("README.md", b"hi\n");
    let start = r.commit("start");
    r.write(
        "dist/app.jar",
        &zip_of(&[("conf/a.properties", one.clone())]),
    );
    r.git(&["add", "dist/app.jar"]);
    let (code, doc) = r.json(&["git", "--staged"]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(
        locations(&doc),
        [
            (ID_RULE.into(), "dist/app.jar!conf/a.properties".into(), 1),
            (
                SECRET_RULE.into(),
                "dist/app.jar!conf/a.properties".into(),
                2
            )
        ]
    );
    let first = r.commit("ship the jar");
    // a new version adds a member: only its value is new
    r.write(
        "dist/app.jar",
        &zip_of(&[
            ("conf/a.properties", one.clone()),
            ("conf/b.properties", two.clone()),
        ]),
    );
    let second = r.commit("more config");
    let (code, doc) = r.json(&["git", "--range", &format!("{first}..{second}")]);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(
        locations(&doc),
        [(ID_RULE.into(), "dist/app.jar!conf/b.properties".into(), 1)]
    );
    assert_eq!(findings(&doc)[0]["git"]["commit"], second.as_str());
    let (_, doc) = r.json(&["git", "--range", &format!("{start}..{second}")]);
    assert_eq!(findings(&doc).len(), 3, "{doc}");
}

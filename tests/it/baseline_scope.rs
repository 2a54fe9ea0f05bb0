//! Baselines and partial scans (issue 25, item 7): a staged, range or path-limited scan
//! calls stale only entries of what it scanned, and `--write-baseline` there rewrites only
//! those entries and keeps the rest; `.akscan.toml` can name the baseline for every mode.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// Three files, three different keys (one finding each).
const KEYS: [(&str, &str); 3] = [
    ("a.py", "LTAI5tQ8bFz2KcVw9YhN3xRm"),
    ("sub/b.py", "LTAI5tJ3mKq7VwX9zR2pL4nB"),
    ("sub/c.py", "LTAI5tW2cYx6Hq9RtK4mZp8D"),
];

fn akscan(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_akscan"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run akscan")
}

fn git(dir: &Path, args: &[&str]) {
    let o = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .output()
        .unwrap();
    assert!(o.status.success(), "git {args:?}: {o:?}");
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A repository with the three keys committed and a baseline of all three.
fn repo() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for (f, id) in KEYS {
        write(d.path(), f, &format!("key_id = \"{id}\"\n"));
    }
    git(d.path(), &["init", "-q"]);
    git(d.path(), &["add", "."]);
    git(d.path(), &["commit", "-q", "-m", "start"]);
    let o = akscan(d.path(), &["scan", ".", "--write-baseline", "b.json"]);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    assert_eq!(entries(d.path()).len(), 3);
    d
}

fn entries(dir: &Path) -> Vec<Value> {
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("b.json")).unwrap()).unwrap();
    v["entries"].as_array().unwrap().clone()
}

fn paths(entries: &[Value]) -> Vec<String> {
    let mut p: Vec<String> = entries
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_string())
        .collect();
    p.sort();
    p
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn staged_and_range_scans_see_no_stale_entries_and_keep_the_baseline_whole() {
    let d = repo();
    let before = entries(d.path());
    // a change to one file: a new key in it, nothing else touched
    write(
        d.path(),
        "sub/b.py",
        "key_id = \"LTAI5tJ3mKq7VwX9zR2pL4nB\"\nother_id = \"LTAI5tN7bVc3Xz8Qw2Er5Ty1\"\n",
    );
    git(d.path(), &["add", "sub/b.py"]);
    let o = akscan(d.path(), &["git", "--staged", "--baseline", "b.json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!stderr(&o).contains("stale"), "{}", stderr(&o));
    // writing the baseline from the staged scan adds the new entry and loses none
    let o = akscan(d.path(), &["git", "--staged", "--write-baseline", "b.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("wrote 4 baseline entries") && stderr(&o).contains("3 kept"),
        "{}",
        stderr(&o)
    );
    let after = entries(d.path());
    assert_eq!(after.len(), 4, "{after:?}");
    for e in &before {
        assert!(after.contains(e), "lost {e}");
    }
    git(d.path(), &["commit", "-q", "-m", "another key"]);
    // a range scan of that commit: nothing new, nothing stale
    let o = akscan(
        d.path(),
        &["git", "--range", "HEAD~1..HEAD", "--baseline", "b.json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("stale"), "{}", stderr(&o));
    let o = akscan(
        d.path(),
        &[
            "git",
            "--range",
            "HEAD~1..HEAD",
            "--write-baseline",
            "b.json",
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(entries(d.path()), after);
}

#[test]
fn a_path_limited_scan_judges_and_rewrites_only_its_paths() {
    let d = repo();
    // the key of sub/c.py is removed; a.py is not scanned
    write(d.path(), "sub/c.py", "import os\n");
    let o = akscan(d.path(), &["scan", "sub", "--baseline", "b.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("stale entry: alibaba-access-key-id in sub/c.py"),
        "{err}"
    );
    assert!(err.contains("1 stale baseline entry"), "{err}");
    assert!(!err.contains("in a.py"), "{err}");
    // one file scanned: the entries of the other two are neither stale nor dropped
    let o = akscan(d.path(), &["scan", "a.py", "--baseline", "b.json"]);
    assert!(!stderr(&o).contains("stale"), "{}", stderr(&o));
    let o = akscan(d.path(), &["scan", "sub", "--write-baseline", "b.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(paths(&entries(d.path())), ["a.py", "sub/b.py"]);
    // a scan of the whole tree judges every entry
    write(d.path(), "a.py", "import os\n");
    let o = akscan(d.path(), &["scan", ".", "--baseline", "b.json"]);
    assert!(
        stderr(&o).contains("stale entry: alibaba-access-key-id in a.py"),
        "{}",
        stderr(&o)
    );
    let o = akscan(d.path(), &["scan", ".", "--write-baseline", "b.json"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(paths(&entries(d.path())), ["sub/b.py"]);
}

#[test]
fn the_config_names_the_baseline_for_every_mode() {
    let d = repo();
    write(d.path(), ".akscan.toml", "baseline = \"b.json\"\n");
    // directory scan, a subdirectory, a file, history: all known
    for args in [
        &["scan", "."][..],
        &["scan", "sub"],
        &["scan", "sub/b.py"],
        &["git", "--history"],
    ] {
        let o = akscan(d.path(), args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    }
    // from a subdirectory of the repository: the config at its root applies
    let o = akscan(&d.path().join("sub"), &["scan", "."]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // a staged change that touches a known file but adds a new key elsewhere
    write(
        d.path(),
        "new.py",
        "key_id = \"LTAI5tN7bVc3Xz8Qw2Er5Ty1\"\n",
    );
    write(
        d.path(),
        "sub/b.py",
        "key_id = \"LTAI5tJ3mKq7VwX9zR2pL4nB\"\n# edited\n",
    );
    git(d.path(), &["add", "."]);
    let o = akscan(d.path(), &["git", "--staged", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 1);
    assert_eq!(v["findings"][0]["path"], "new.py");
    // --baseline wins over the config; a missing configured baseline is an error
    write(d.path(), ".akscan.toml", "baseline = \"missing.json\"\n");
    let o = akscan(d.path(), &["scan", "."]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("missing.json"), "{}", stderr(&o));
    let o = akscan(d.path(), &["scan", "sub", "--baseline", "b.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // ... unless this run writes it
    let o = akscan(d.path(), &["scan", ".", "--write-baseline", "missing.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(d.path().join("missing.json").is_file());
}

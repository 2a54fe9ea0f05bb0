//! Organisation audits on real repositories made with the real `git`: remote repositories
//! (`file://`, and an HTTP server on 127.0.0.1 for credentials), `akscan audit` with broken
//! and unreachable repositories among good ones, shards, and `akscan merge`.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{sarif_validator, text};
use serde_json::Value;

const ID: &str = "LTAI5tQ8bFz2KcVw9YhN3xRm";
const SECRET: &str = "Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e";
const SECRET2: &str = "Jm3nB8vC2xZ7lK4jH9gF1dS6aP0oI5";
const ID2: &str = "LTAI5tUu7Vq2Hd8KsPz3WcNe";
const SECRET3: &str = "Rk5Tq9Wm2Zx8Cv4Bn7Lp3Hs6Jd1Fg0";
const KEY: &str = "a-team-key-of-32-bytes-0123456789";

/// A temporary place with its own git configuration, temporary directory and repositories.
struct Lab {
    tmp: tempfile::TempDir,
}

fn python(id: &str, secret: &str) -> String {
    format!("import oss2\nauth = oss2.Auth(\"{id}\", \"{secret}\")\n")
}

impl Lab {
    fn new() -> Lab {
        let lab = Lab {
            tmp: tempfile::tempdir().unwrap(),
        };
        std::fs::create_dir_all(lab.home()).unwrap();
        std::fs::create_dir_all(lab.tmpdir()).unwrap();
        std::fs::write(lab.home().join("gitconfig"), "").unwrap();
        lab
    }

    fn path(&self, p: &str) -> PathBuf {
        self.tmp.path().join(p)
    }

    fn home(&self) -> PathBuf {
        self.path("home")
    }

    /// The TMPDIR akscan clones into.
    fn tmpdir(&self) -> PathBuf {
        self.path("tmp")
    }

    fn env(&self, c: &mut Command) {
        c.env("HOME", self.home())
            .env("GIT_CONFIG_GLOBAL", self.home().join("gitconfig"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("TMPDIR", self.tmpdir())
            .env("GIT_AUTHOR_NAME", "Ann Author")
            .env("GIT_AUTHOR_EMAIL", "ann@example.com")
            .env("GIT_COMMITTER_NAME", "Ann Author")
            .env("GIT_COMMITTER_EMAIL", "ann@example.com")
            .env_remove("AKSCAN_AUDIT_KEY")
            .env_remove("AKSCAN_GIT_TOKEN")
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_WORK_TREE");
    }

    fn git(&self, dir: &Path, args: &[&str], when: u64) {
        let mut c = Command::new("git");
        self.env(&mut c);
        let t = format!("@{} +0000", 1_700_000_000 + when * 86_400);
        let out = c
            .args(args)
            .current_dir(dir)
            .env("GIT_AUTHOR_DATE", &t)
            .env("GIT_COMMITTER_DATE", &t)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// A repository `name` whose commits (on day `when`) each write one file; a `None`
    /// content deletes it.
    fn repo(&self, name: &str, commits: &[(u64, &str, Option<&str>)]) -> PathBuf {
        let dir = self.path(name);
        std::fs::create_dir_all(&dir).unwrap();
        self.git(&dir, &["init", "-q", "-b", "main"], 0);
        for (when, file, content) in commits {
            match content {
                Some(c) => {
                    let f = dir.join(file);
                    std::fs::create_dir_all(f.parent().unwrap()).unwrap();
                    std::fs::write(f, c).unwrap();
                    self.git(&dir, &["add", file], *when);
                }
                None => self.git(&dir, &["rm", "-q", file], *when),
            }
            self.git(&dir, &["commit", "-q", "-m", file], *when);
        }
        dir
    }

    fn akscan(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_akscan"));
        self.env(&mut c);
        c.args(args).current_dir(self.tmp.path());
        for (k, v) in env {
            c.env(k, v);
        }
        c.output().unwrap()
    }

    /// Clones akscan left behind in its temporary directory.
    fn clones_left(&self) -> Vec<String> {
        std::fs::read_dir(self.tmpdir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("akscan-clone-"))
            .collect()
    }
}

fn url(p: &Path) -> String {
    format!("file://{}", p.display())
}

fn records(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

fn of_type<'a>(recs: &'a [Value], t: &str) -> Vec<&'a Value> {
    recs.iter().filter(|r| r["type"] == t).collect()
}

/// No full value of ours anywhere in `s`.
fn assert_no_secret(s: &str) {
    for v in [ID, SECRET, SECRET2, ID2, SECRET3] {
        assert!(!s.contains(v), "{v} shown in full:\n{s}");
    }
}

#[test]
fn history_of_a_url_is_cloned_scanned_and_removed() {
    let lab = Lab::new();
    let a = lab.repo(
        "a",
        &[
            (1, "app.py", Some(&python(ID, SECRET))),
            (2, "app.py", None),
            (3, "README.md", Some("clean\n")),
        ],
    );
    let out = lab.akscan(
        &["git", "--history", "--repo", &url(&a), "--format", "json"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2, "{doc}");
    for f in findings {
        assert_eq!(f["git"]["repository"], url(&a).as_str());
        assert_eq!(f["git"]["present_at_head"], false);
        assert_eq!(f["path"], "app.py");
    }
    assert_eq!(doc["stats"]["commits"], 3);
    assert!(lab.clones_left().is_empty(), "{:?}", lab.clones_left());
    assert_no_secret(&text(&out));
    // the same repository by path: the same findings, no repository named
    let local = lab.akscan(
        &[
            "git",
            "--history",
            "--repo",
            a.to_str().unwrap(),
            "--format",
            "json",
        ],
        &[],
    );
    let doc2: Value = serde_json::from_slice(&local.stdout).unwrap();
    assert_eq!(doc2["findings"].as_array().unwrap().len(), 2);
    assert!(doc2["findings"][0]["git"].get("repository").is_none());
    // a range of a URL; --staged has no index to read there
    let range = lab.akscan(&["git", "--range", "main~2..main", "--repo", &url(&a)], &[]);
    assert_eq!(range.status.code(), Some(0), "{}", text(&range));
    let staged = lab.akscan(&["git", "--staged", "--repo", &url(&a)], &[]);
    assert_eq!(staged.status.code(), Some(2));
    assert!(text(&staged).contains("is a URL"), "{}", text(&staged));
}

#[test]
fn an_audit_reports_broken_and_unreachable_repositories_and_goes_on() {
    let lab = Lab::new();
    let a = lab.repo("a", &[(1, "app.py", Some(&python(ID, SECRET)))]);
    let b = lab.repo("b", &[(1, "conf.py", Some(&python(ID2, SECRET3)))]);
    let empty = lab.path("empty.git");
    lab.git(lab.tmp.path(), &["init", "-q", "--bare", "empty.git"], 0);
    // a repository whose object database lost its objects
    let broken = lab.repo("broken", &[(1, "x.py", Some("x = 1\n"))]);
    std::fs::remove_dir_all(broken.join(".git/objects")).unwrap();
    std::fs::create_dir_all(broken.join(".git/objects")).unwrap();
    // nothing listens on this port of the loopback
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let unreachable = format!("http://127.0.0.1:{port}/org/gone.git");
    let list = lab.path("repos.txt");
    std::fs::write(
        &list,
        format!(
            "# the organisation\n{}\n\n{}\n{}\n{}\n{}\n{}\n",
            url(&a),
            b.display(),
            lab.path("not-there").display(),
            broken.display(),
            unreachable,
            empty.display()
        ),
    )
    .unwrap();
    let out_file = lab.path("audit.jsonl");
    let out = lab.akscan(
        &[
            "audit",
            list.to_str().unwrap(),
            "-o",
            out_file.to_str().unwrap(),
        ],
        &[("AKSCAN_AUDIT_KEY", KEY)],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let recs = records(&out_file);
    let repos: BTreeMap<String, &Value> = of_type(&recs, "repository")
        .into_iter()
        .map(|r| (r["repository"].as_str().unwrap().to_string(), r))
        .collect();
    assert_eq!(repos.len(), 6, "{recs:#?}");
    let status = |k: &str| repos[k]["status"].as_str().unwrap().to_string();
    assert_eq!(status(&url(&a)), "ok");
    assert_eq!(status(b.to_str().unwrap()), "ok");
    assert_eq!(status(empty.to_str().unwrap()), "empty");
    for bad in [
        lab.path("not-there").display().to_string(),
        broken.display().to_string(),
        unreachable.clone(),
    ] {
        assert_eq!(status(&bad), "error", "{bad}: {}", repos[&bad]);
        assert!(!repos[&bad]["error"].as_str().unwrap().is_empty());
    }
    assert_eq!(of_type(&recs, "finding").len(), 4);
    // what the worker was given comes first; every repository's findings before its summary
    assert_eq!(recs[0]["type"], "audit");
    assert_eq!(recs[0]["repositories"], 6);
    let mut done = BTreeSet::new();
    for r in &recs[1..] {
        let repo = r["repository"].as_str().unwrap();
        assert!(!done.contains(repo), "record after the summary of {repo}");
        if r["type"] == "repository" {
            done.insert(repo.to_string());
        }
    }
    let all = format!(
        "{}{}",
        text(&out),
        std::fs::read_to_string(&out_file).unwrap()
    );
    assert_no_secret(&all);
    assert!(
        text(&out).contains("6 repositories (3 not scanned)"),
        "{}",
        text(&out)
    );
    assert!(lab.clones_left().is_empty());
    // --exit-zero: the audit ran to its end
    let zero = lab.akscan(
        &["audit", list.to_str().unwrap(), "-q", "--exit-zero"],
        &[("AKSCAN_AUDIT_KEY", KEY)],
    );
    assert_eq!(zero.status.code(), Some(0));
    assert!(zero.stderr.is_empty(), "{}", text(&zero));
    // only failures and no findings: not a clean result
    let bad_list = lab.path("bad.txt");
    std::fs::write(&bad_list, format!("{unreachable}\n{}\n", empty.display())).unwrap();
    let failed = lab.akscan(&["audit", bad_list.to_str().unwrap(), "-q"], &[]);
    assert_eq!(failed.status.code(), Some(2), "{}", text(&failed));
    // a bad list or key is an error before anything runs
    std::fs::write(lab.path("none.txt"), "# nothing\n\n").unwrap();
    let none = lab.akscan(&["audit", "none.txt"], &[]);
    assert_eq!(none.status.code(), Some(2));
    assert!(
        text(&none).contains("names no repository"),
        "{}",
        text(&none)
    );
    let short = lab.akscan(&["audit", "repos.txt"], &[("AKSCAN_AUDIT_KEY", "short")]);
    assert_eq!(short.status.code(), Some(2));
    assert!(text(&short).contains("at least 16"), "{}", text(&short));
}

/// The repositories a shard's records name.
fn shard_repos(lab: &Lab, list: &Path, shard: &str) -> BTreeSet<String> {
    let out_file = lab.path("shard.jsonl");
    let out = lab.akscan(
        &[
            "audit",
            list.to_str().unwrap(),
            "--shard",
            shard,
            "-o",
            out_file.to_str().unwrap(),
            "-q",
        ],
        &[("AKSCAN_AUDIT_KEY", KEY)],
    );
    assert!(out.status.code().unwrap() <= 1, "{}", text(&out));
    of_type(&records(&out_file), "repository")
        .iter()
        .map(|r| r["repository"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn shards_partition_the_list_whatever_its_order() {
    let lab = Lab::new();
    let names: Vec<String> = (0..9)
        .map(|i| {
            let content = if i % 3 == 0 {
                python(ID, SECRET)
            } else {
                format!("x = {i}\n")
            };
            let r = lab.repo(&format!("r{i}"), &[(1, "m.py", Some(&content))]);
            if i % 2 == 0 {
                url(&r)
            } else {
                r.display().to_string()
            }
        })
        .collect();
    let all: BTreeSet<String> = names.iter().cloned().collect();
    let list = lab.path("list.txt");
    let reversed = lab.path("reversed.txt");
    std::fs::write(&list, names.join("\n")).unwrap();
    let mut rev = names.clone();
    rev.reverse();
    // the same entries, reordered, one repeated, with comments
    std::fs::write(
        &reversed,
        format!("# reordered\n{}\n{}\n", rev.join("\n"), rev[0]),
    )
    .unwrap();
    for n in [1usize, 2, 3, 5] {
        let mut union = BTreeSet::new();
        let mut total = 0;
        for k in 0..n {
            let shard = format!("{k}/{n}");
            let got = shard_repos(&lab, &list, &shard);
            assert_eq!(got, shard_repos(&lab, &reversed, &shard), "{shard}");
            total += got.len();
            union.extend(got);
        }
        assert_eq!(union, all, "N = {n}");
        assert_eq!(total, all.len(), "N = {n}: a repository in two shards");
    }
    for bad in ["3/3", "x/2", "1/0"] {
        let out = lab.akscan(&["audit", "list.txt", "--shard", bad], &[]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
    }
}

fn merge_json(lab: &Lab, files: &[&Path]) -> (Value, Output) {
    let mut args = vec!["merge", "--format", "json"];
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    args.extend(names.iter().map(String::as_str));
    let out = lab.akscan(&args, &[]);
    let doc = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)));
    (doc, out)
}

/// The incidents of a merged report by the redacted value: (places, repositories).
fn incidents(doc: &Value) -> Vec<(String, usize, usize, bool)> {
    let mut v: Vec<(String, usize, usize, bool)> = doc["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["secret"].as_str().unwrap().to_string(),
                i["places"].as_array().unwrap().len(),
                i["repositories"].as_array().unwrap().len(),
                i["present_at_head"].as_bool().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// `doc` without what depends on timing.
fn timeless(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !["seconds", "elapsed_ms", "clone_seconds"].contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), timeless(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(timeless).collect()),
        v => v.clone(),
    }
}

#[test]
fn merge_makes_one_incident_of_one_secret_in_three_repositories() {
    let lab = Lab::new();
    let a = lab.repo("a", &[(10, "app.py", Some(&python(ID, SECRET)))]);
    let b = lab.repo(
        "b",
        &[
            (3, "old.py", Some(&python(ID, SECRET))),
            (4, "old.py", None),
        ],
    );
    let c = lab.repo(
        "c",
        &[
            (20, "svc/config.py", Some(&python(ID, SECRET))),
            (21, "other.py", Some(&python(ID2, SECRET2))),
        ],
    );
    let d = lab.repo("d", &[(5, "x.py", Some(&python(ID2, SECRET3)))]);
    let list = lab.path("org.txt");
    std::fs::write(
        &list,
        [
            url(&a),
            url(&b),
            c.display().to_string(),
            d.display().to_string(),
        ]
        .join("\n"),
    )
    .unwrap();
    let key = [("AKSCAN_AUDIT_KEY", KEY)];
    let whole = lab.path("whole.jsonl");
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let out = lab.akscan(args, env);
        assert!(out.status.code().unwrap() <= 1, "{}", text(&out));
        out
    };
    run(
        &["audit", "org.txt", "-o", whole.to_str().unwrap(), "-j", "1"],
        &key,
    );
    let shards: Vec<PathBuf> = (0..3).map(|k| lab.path(&format!("s{k}.jsonl"))).collect();
    for (k, s) in shards.iter().enumerate() {
        run(
            &[
                "audit",
                "org.txt",
                "--shard",
                &format!("{k}/3"),
                "-o",
                s.to_str().unwrap(),
                "-q",
            ],
            &key,
        );
    }
    let (one, _) = merge_json(&lab, &[&whole]);
    let shard_refs: Vec<&Path> = shards.iter().map(PathBuf::as_path).collect();
    let (merged, out) = merge_json(&lab, &shard_refs);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    // the shards merged say exactly what one process said (a shard the hash gave no
    // repository is no cause for a warning)
    assert_eq!(timeless(&one), timeless(&merged));
    assert_eq!(merged["warnings"], serde_json::json!([]), "{merged:#}");
    // a shard file given twice changes nothing
    let mut twice = shard_refs.clone();
    twice.push(shard_refs[1]);
    twice.push(&whole);
    assert_eq!(timeless(&merge_json(&lab, &twice).0), timeless(&merged));

    let by_secret: BTreeMap<String, &Value> = merged["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["secret"].as_str().unwrap().to_string(), i))
        .collect();
    let red = |v: &str| format!("{}{}", &v[..3], "*");
    let find = |v: &str| {
        *by_secret
            .iter()
            .find(|(k, _)| k.starts_with(&v[..3]) && k.ends_with(&v[v.len() - 3..]))
            .unwrap_or_else(|| panic!("no incident for {}: {merged:#}", red(v)))
            .1
    };
    // the secret of a, b and c: one incident, three places, three repositories
    let s = find(SECRET);
    assert_eq!(s["places"].as_array().unwrap().len(), 3);
    let repos: Vec<&str> = s["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(repos.len(), 3);
    assert!(repos.contains(&url(&b).as_str()) && repos.contains(&c.to_str().unwrap()));
    assert_eq!(s["present_at_head"], true);
    assert!(s["first_seen"].as_str().unwrap() < s["last_seen"].as_str().unwrap());
    assert!(
        s["first_seen"].as_str().unwrap().starts_with("2023-11-17"),
        "{s}"
    );
    let places = s["places"].as_array().unwrap();
    let in_b = places
        .iter()
        .find(|p| p["repository"] == url(&b).as_str())
        .unwrap();
    assert_eq!(in_b["finding"]["git"]["present_at_head"], false);
    assert_eq!(in_b["finding"]["path"], "old.py");
    // ID is in a, b, c; ID2 in c and d; two different secrets of ID2 stay apart
    assert_eq!(find(ID)["places"].as_array().unwrap().len(), 3);
    assert_eq!(find(ID2)["places"].as_array().unwrap().len(), 2);
    assert_eq!(find(SECRET2)["places"].as_array().unwrap().len(), 1);
    assert_eq!(find(SECRET3)["places"].as_array().unwrap().len(), 1);
    assert_eq!(merged["incidents"].as_array().unwrap().len(), 5);
    assert_eq!(merged["summary"]["repositories"], 4);
    assert_eq!(merged["summary"]["places"], 10);
    assert_eq!(merged["keyed"], true);
    // statistics are summed: 1 + 2 + 2 + 1 commits
    assert_eq!(merged["stats"]["commits"], 6);
    assert_no_secret(&merged.to_string());

    // human and SARIF
    let names: Vec<String> = shards.iter().map(|s| s.display().to_string()).collect();
    let mut args = vec!["merge"];
    args.extend(names.iter().map(String::as_str));
    let human = lab.akscan(&args, &[]);
    let h = String::from_utf8_lossy(&human.stdout);
    assert!(
        h.contains("3 places in 3 repositories, STILL AT HEAD"),
        "{h}"
    );
    assert!(h.contains("5 incidents"), "{h}");
    assert_no_secret(&text(&human));
    args.extend(["--format", "sarif", "-o", "org.sarif"]);
    assert_eq!(lab.akscan(&args, &[]).status.code(), Some(1));
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(lab.path("org.sarif")).unwrap()).unwrap();
    let v = sarif_validator();
    let errors: Vec<String> = v.iter_errors(&sarif).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    let three = results
        .iter()
        .find(|r| {
            r["relatedLocations"].as_array().map(Vec::len) == Some(2)
                && r["ruleId"] == "alibaba-access-key-secret"
        })
        .expect("the three-place secret");
    let base = three["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"]
        .as_str()
        .unwrap();
    assert!(sarif["runs"][0]["originalUriBaseIds"][base]["uri"]
        .as_str()
        .unwrap()
        .ends_with('/'));
    assert_no_secret(&sarif.to_string());

    // without the team's key, each run groups only its own findings, and says so
    let unkeyed: Vec<PathBuf> = (0..2).map(|k| lab.path(&format!("u{k}.jsonl"))).collect();
    for (k, s) in unkeyed.iter().enumerate() {
        let out = run(
            &[
                "audit",
                "org.txt",
                "--shard",
                &format!("{k}/2"),
                "-o",
                s.to_str().unwrap(),
            ],
            &[],
        );
        assert!(text(&out).contains("AKSCAN_AUDIT_KEY is not set"));
    }
    let refs: Vec<&Path> = unkeyed.iter().map(PathBuf::as_path).collect();
    let (u, _) = merge_json(&lab, &refs);
    assert_eq!(u["keyed"], false);
    assert!(u["warnings"][0]
        .as_str()
        .unwrap()
        .contains("AKSCAN_AUDIT_KEY"));
    // the two shards' keys differ: a secret in both shards is one incident per shard
    let per_shard: BTreeSet<(String, usize)> = unkeyed
        .iter()
        .enumerate()
        .flat_map(|(k, s)| {
            of_type(&records(s), "finding")
                .into_iter()
                .map(move |r| (r["finding"]["secret"].as_str().unwrap().to_string(), k))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(u["incidents"].as_array().unwrap().len(), per_shard.len());
    assert_eq!(incidents(&u).iter().map(|i| i.1).sum::<usize>(), 10);
    let whole_unkeyed = lab.path("wu.jsonl");
    run(
        &["audit", "org.txt", "-o", whole_unkeyed.to_str().unwrap()],
        &[],
    );
    assert_eq!(
        incidents(&merge_json(&lab, &[&whole_unkeyed]).0),
        incidents(&merged),
        "one run without a key still groups within itself"
    );
}

#[test]
fn merge_survives_a_stopped_worker_and_refuses_what_is_not_audit_output() {
    let lab = Lab::new();
    let a = lab.repo("a", &[(1, "app.py", Some(&python(ID, SECRET)))]);
    let b = lab.repo("b", &[(1, "app.py", Some(&python(ID2, SECRET3)))]);
    std::fs::write(
        lab.path("l.txt"),
        format!("{}\n{}\n", a.display(), b.display()),
    )
    .unwrap();
    let out = lab.akscan(
        &["audit", "l.txt", "-o", "full.jsonl", "-j", "1"],
        &[("AKSCAN_AUDIT_KEY", KEY)],
    );
    assert_eq!(out.status.code(), Some(1));
    // a worker stopped in the middle of its last line
    let full = std::fs::read_to_string(lab.path("full.jsonl")).unwrap();
    let cut = &full[..full.len() - 40];
    std::fs::write(lab.path("cut.jsonl"), cut).unwrap();
    let (doc, out) = merge_json(&lab, &[&lab.path("cut.jsonl")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let warnings = doc["warnings"].to_string();
    assert!(
        warnings.contains("cut.jsonl:") && warnings.contains("truncated"),
        "{warnings}"
    );
    assert!(warnings.contains("no summary record"), "{warnings}");
    assert!(
        warnings.contains("1 of the 2 repositories of the whole list finished"),
        "{warnings}"
    );
    assert_eq!(doc["summary"]["repositories"], 1);
    assert_eq!(doc["incidents"].as_array().unwrap().len(), 4);
    // not audit output: an error naming the file and line
    std::fs::write(lab.path("other.json"), "{\"findings\": []}\n").unwrap();
    let bad = lab.akscan(&["merge", "full.jsonl", "other.json"], &[]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad).contains("other.json:1: not an akscan audit record"),
        "{}",
        text(&bad)
    );
    std::fs::write(lab.path("junk.jsonl"), "not json\n{}\n").unwrap();
    let junk = lab.akscan(&["merge", "junk.jsonl"], &[]);
    assert_eq!(junk.status.code(), Some(2));
    assert!(text(&junk).contains("junk.jsonl:1:"), "{}", text(&junk));
    let missing = lab.akscan(&["merge", "nope.jsonl"], &[]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing).contains("nope.jsonl"));
}

/// A server on 127.0.0.1 that answers every request 404 and keeps its request headers.
fn header_server() -> (u16, std::sync::mpsc::Receiver<Vec<String>>) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { return };
            let mut headers = Vec::new();
            let mut r = BufReader::new(s.try_clone().unwrap());
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                headers.push(line.trim().to_string());
            }
            let _ = s.write_all(
                b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
            let _ = tx.send(headers);
        }
    });
    (port, rx)
}

#[test]
fn credentials_reach_the_server_and_never_the_output_or_a_command_line() {
    let lab = Lab::new();
    let (port, seen) = header_server();
    // a git on PATH that writes down its arguments, then runs the real one
    let real_git = String::from_utf8(
        Command::new("sh")
            .args(["-c", "command -v git"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    let bin = lab.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = lab.path("git-args.log");
    std::fs::write(
        lab.path("git.sh"),
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
            log.display(),
            real_git.trim()
        ),
    )
    .unwrap();
    let st = Command::new("install")
        .args(["-m", "755"])
        .arg(lab.path("git.sh"))
        .arg(bin.join("git"))
        .status()
        .unwrap();
    assert!(st.success());
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let token = "tok-Zq81xLw0PpVe";
    let url = format!("http://someone:pa55-Hq2@127.0.0.1:{port}/org/private.git");
    let out = lab.akscan(
        &["git", "--history", "--repo", &url],
        &[("AKSCAN_GIT_TOKEN", token), ("PATH", &path)],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains(&format!("http://127.0.0.1:{port}/org/private.git")),
        "{t}"
    );
    for hidden in [token, "pa55-Hq2"] {
        assert!(!t.contains(hidden), "{hidden} shown: {t}");
        let args = std::fs::read_to_string(&log).unwrap();
        assert!(!args.contains(token), "the token on a command line: {args}");
    }
    let headers = seen
        .recv_timeout(std::time::Duration::from_secs(30))
        .expect("git reached the server");
    use base64::Engine as _;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{token}"));
    assert!(
        headers
            .iter()
            .any(|h| h.eq_ignore_ascii_case(&format!("authorization: Basic {basic}"))),
        "{headers:?}"
    );
    // an audit of the same: the repository is shown without its user information
    std::fs::write(lab.path("l.txt"), format!("{url}\n")).unwrap();
    let audit = lab.akscan(
        &["audit", "l.txt", "-o", "o.jsonl"],
        &[("AKSCAN_GIT_TOKEN", token)],
    );
    assert_eq!(audit.status.code(), Some(2), "{}", text(&audit));
    let all = format!(
        "{}{}",
        text(&audit),
        std::fs::read_to_string(lab.path("o.jsonl")).unwrap()
    );
    assert!(
        !all.contains(token) && !all.contains("pa55-Hq2") && !all.contains("someone@"),
        "{all}"
    );
    assert!(lab.clones_left().is_empty());
}

#[test]
fn a_cloned_or_audited_repository_runs_nothing_it_names() {
    let lab = Lab::new();
    let a = lab.repo("a", &[(1, "app.py", Some(&python(ID, SECRET)))]);
    let marker = lab.path("ran");
    let script = lab.path("mark.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\ntouch '{}'\n", marker.display()),
    )
    .unwrap();
    let st = Command::new("chmod")
        .arg("755")
        .arg(&script)
        .status()
        .unwrap();
    assert!(st.success());
    let s = script.display().to_string();
    for (k, v) in [
        ("core.fsmonitor", s.as_str()),
        ("uploadpack.packObjectsHook", s.as_str()),
        ("core.pager", s.as_str()),
        ("diff.external", s.as_str()),
        ("gpg.program", s.as_str()),
        ("log.showSignature", "true"),
        ("core.hooksPath", lab.path("hooks").to_str().unwrap()),
    ] {
        lab.git(&a, &["config", k, v], 0);
    }
    std::fs::create_dir_all(lab.path("hooks")).unwrap();
    for h in [
        "post-checkout",
        "reference-transaction",
        "post-index-change",
    ] {
        std::fs::copy(&script, lab.path("hooks").join(h)).unwrap();
    }
    std::fs::write(lab.path("l.txt"), format!("{}\n{}\n", url(&a), a.display())).unwrap();
    let out = lab.akscan(&["audit", "l.txt", "-o", "o.jsonl"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(of_type(&records(&lab.path("o.jsonl")), "finding").len(), 4);
    let git = lab.akscan(&["git", "--history", "--repo", &url(&a)], &[]);
    assert_eq!(git.status.code(), Some(1), "{}", text(&git));
    assert!(!marker.exists(), "a program the repository names ran");
    // the control: the marker script does run where git is asked to run it
    lab.git(&a, &["-c", "core.fsmonitor=true", "status"], 0);
    let ctl = Command::new(&script).status().unwrap();
    assert!(ctl.success() && marker.exists());
}

#[test]
fn ssh_never_asks_on_the_terminal_unless_the_user_set_it_up() {
    let lab = Lab::new();
    let bin = lab.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = lab.path("ssh.log");
    std::fs::write(
        lab.path("ssh.sh"),
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$0 $*\" >> '{}'\nexit 255\n",
            log.display()
        ),
    )
    .unwrap();
    for name in ["ssh", "my-ssh"] {
        let st = Command::new("install")
            .args(["-m", "755"])
            .arg(lab.path("ssh.sh"))
            .arg(bin.join(name))
            .status()
            .unwrap();
        assert!(st.success());
    }
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let url = "ssh://git@127.0.0.1:1/org/r.git";
    let out = lab.akscan(&["git", "--history", "--repo", url], &[("PATH", &path)]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let seen = std::fs::read_to_string(&log).unwrap();
    assert!(seen.contains("BatchMode=yes"), "{seen}");
    // the user's own choice is kept
    std::fs::remove_file(&log).unwrap();
    let out = lab.akscan(
        &["git", "--history", "--repo", url],
        &[("PATH", &path), ("GIT_SSH_COMMAND", "my-ssh")],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let seen = std::fs::read_to_string(&log).unwrap();
    assert!(
        seen.contains("my-ssh") && !seen.contains("BatchMode"),
        "{seen}"
    );
}

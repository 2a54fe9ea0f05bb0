//! CI and team workflow (issue 5): SARIF and GitHub formats, inline `akscan:allow`, the
//! `.akscan.toml` configuration, baselines and progress. Each test runs the real binary on
//! real files in a temporary directory.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use crate::common::sarif_validator;
use crate::common::Out;
use serde_json::Value;
use sha2::{Digest, Sha256};

const ID: &str = "LTAI5tQ8bFz2KcVw9YhN3xRm";
const SECRET: &str = "Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e";
const SECRET2: &str = "Mz7Qw2Xr9Tk4Vb6Np1Ls8Hd3Fj5Gc0";
const SECRET3: &str = "Pa4Rt8Yw2Kx6Nm3Qz9Lb5Vc7Hd1Fs0";

fn akscan(dir: &Path, args: &[&str]) -> Out {
    let mut c = Command::new(env!("CARGO_BIN_EXE_akscan"));
    c.args(args).current_dir(dir).env_remove("NO_COLOR");
    Out::of(c)
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn secret_line(v: &str) -> String {
    format!("access_key_secret = \"{v}\"\n")
}

/// `akscan scan . --format json` plus `args`: exit code and the parsed document.
fn scan_json(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let mut all = vec!["scan", ".", "--format", "json"];
    all.extend_from_slice(args);
    let o = akscan(dir, &all);
    assert!(o.code == 0 || o.code == 1, "exit {}: {}", o.code, o.stderr);
    let v: Value = serde_json::from_str(&o.stdout).expect("json report");
    (o.code, v, o.stderr)
}

/// (path, line, rule) of every finding of a JSON report.
fn found(v: &Value) -> Vec<(String, u64, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["rule_id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn secrets_found(v: &Value) -> Vec<(String, u64)> {
    found(v)
        .into_iter()
        .filter(|(_, _, r)| r == "alibaba-access-key-secret")
        .map(|(p, l, _)| (p, l))
        .collect()
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

// ---------------------------------------------------------------- SARIF

fn schema_errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let d = tmp();
    write(
        d.path(),
        "src/app.py",
        &format!("access_key_id = \"{ID}\"\n{}", secret_line(SECRET)),
    );
    // names that need percent-encoding in a URI
    write(d.path(), "odd dir/a#b%c é.env", &secret_line(SECRET2));
    write(
        d.path(),
        "k8s/c:d.yaml",
        &format!("access_key_secret: {SECRET3}\n"),
    );
    let o = akscan(d.path(), &["scan", ".", "--format", "sarif"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    let doc: Value = serde_json::from_str(&o.stdout).unwrap();
    let validator = sarif_validator();
    let errors = schema_errors(&validator, &doc);
    assert!(errors.is_empty(), "schema errors: {errors:#?}");

    // the validator does reject a broken log
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!schema_errors(&validator, &broken).is_empty());

    assert_eq!(doc["version"], "2.1.0");
    let run = &doc["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "akscan");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert!(driver["informationUri"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    let rules = driver["rules"].as_array().unwrap();
    let builtin = akscan::detect::rules::RuleSet::builtin().unwrap();
    assert_eq!(
        rules.len(),
        builtin.rules.len(),
        "one entry per rule in use"
    );
    for r in rules {
        assert!(r["shortDescription"]["text"].is_string());
        assert!(r["fullDescription"]["text"].is_string());
        let help_md = r["help"]["markdown"].as_str().unwrap();
        assert!(help_md.contains("After a leak"), "{help_md}");
        assert!(r["help"]["text"].as_str().unwrap().contains("How to fix"));
        assert!(r["defaultConfiguration"]["level"].is_string());
        assert!(r["properties"]["security-severity"].is_string());
    }
    let secret_rule = rules
        .iter()
        .find(|r| r["id"] == "alibaba-access-key-secret")
        .unwrap();
    assert!(secret_rule["help"]["markdown"]
        .as_str()
        .unwrap()
        .contains("ALIBABA_CLOUD_ACCESS_KEY_SECRET"));

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    let mut uris = Vec::new();
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"]);
        assert_eq!(r["level"], "error");
        let fp = r["partialFingerprints"]["akscan/v1"].as_str().unwrap();
        assert_eq!(fp.len(), 32);
        let pl = &r["locations"][0]["physicalLocation"];
        assert_eq!(pl["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        assert!(pl["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(
            pl["region"]["endColumn"].as_u64().unwrap()
                > pl["region"]["startColumn"].as_u64().unwrap()
        );
        assert!(pl["region"].get("snippet").is_none());
        uris.push(pl["artifactLocation"]["uri"].as_str().unwrap().to_string());
    }
    uris.sort();
    assert_eq!(
        uris,
        [
            "k8s/c%3Ad.yaml",
            "odd%20dir/a%23b%25c%20%C3%A9.env",
            "src/app.py",
            "src/app.py"
        ]
    );
    // they decode back to the real paths, and contain nothing a URI reference forbids
    for u in &uris {
        assert!(
            u.bytes()
                .all(|b| b.is_ascii_graphic() && !b"<>\"{}|\\^`#?[] ".contains(&b)),
            "{u}"
        );
        let decoded = percent_encoding::percent_decode_str(u)
            .decode_utf8()
            .unwrap();
        assert!(
            d.path().join(decoded.as_ref()).is_file(),
            "{u} -> {decoded}"
        );
    }
    let root = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .unwrap();
    assert!(
        root.starts_with("file:///") && root.ends_with('/'),
        "{root}"
    );
    for v in [ID, SECRET, SECRET2, SECRET3] {
        assert!(!o.stdout.contains(v), "a value leaked into SARIF");
    }
}

#[test]
fn sarif_keeps_values_out_of_snippets_even_with_show_secrets() {
    let d = tmp();
    write(d.path(), "a.py", &secret_line(SECRET));
    let o = akscan(
        d.path(),
        &["scan", ".", "--format", "sarif", "--show-secrets"],
    );
    let doc: Value = serde_json::from_str(&o.stdout).unwrap();
    assert!(schema_errors(&sarif_validator(), &doc).is_empty());
    // the user asked to see values: the message shows it, nothing else does
    assert_eq!(o.stdout.matches(SECRET).count(), 1, "{}", o.stdout);
    assert!(!o.stdout.contains("snippet"));
}

#[test]
fn sarif_locations_are_relative_to_the_current_directory_outside_a_repository() {
    let d = tmp();
    write(d.path(), "proj/src/app.py", &secret_line(SECRET));
    let o = akscan(d.path(), &["scan", "proj", "--format", "sarif"]);
    let doc: Value = serde_json::from_str(&o.stdout).unwrap();
    let r = &doc["runs"][0]["results"][0];
    assert_eq!(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "proj/src/app.py"
    );
    let fp = r["partialFingerprints"]["akscan/v1"].clone();
    // lines inserted above: same fingerprint, new line
    write(
        d.path(),
        "proj/src/app.py",
        &format!("import os\n\n# settings\n{}", secret_line(SECRET)),
    );
    let o = akscan(d.path(), &["scan", "proj", "--format", "sarif"]);
    let doc: Value = serde_json::from_str(&o.stdout).unwrap();
    let r = &doc["runs"][0]["results"][0];
    assert_eq!(r["partialFingerprints"]["akscan/v1"], fp);
    assert_eq!(
        r["locations"][0]["physicalLocation"]["region"]["startLine"],
        4
    );
}

#[test]
fn sarif_with_no_findings_is_valid() {
    let d = tmp();
    write(d.path(), "a.py", "print('hello')\n");
    let o = akscan(d.path(), &["scan", ".", "--format", "sarif"]);
    assert_eq!(o.code, 0);
    let doc: Value = serde_json::from_str(&o.stdout).unwrap();
    assert!(schema_errors(&sarif_validator(), &doc).is_empty());
    assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), 0);
}

/// `git init` in `dir` (only the `.git` directory matters: the root is found without git).
fn git_init(dir: &Path) {
    let o = Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir)
        .output()
        .expect("run git");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn locations_are_relative_to_the_repository_top_whatever_is_scanned() {
    let d = tmp();
    git_init(d.path());
    write(d.path(), "sub/app.py", &secret_line(SECRET));
    write(d.path(), "sub/deep/b.py", &secret_line(SECRET2));
    let top = d.path().canonicalize().unwrap();
    // (where akscan runs, what it scans): every report names sub/app.py and sub/deep/b.py
    let cases: [(&str, &[&str]); 5] = [
        (".", &["sub"]),
        (".", &["sub/app.py", "sub/deep/b.py"]),
        ("sub", &["."]),
        ("sub/deep", &[".."]),
        ("sub/deep", &["../app.py"]),
    ];
    for (cwd, paths) in cases {
        let here = d.path().join(cwd);
        let mut args = vec!["scan"];
        args.extend_from_slice(paths);
        args.extend_from_slice(&["--format", "github"]);
        let o = akscan(&here, &args);
        assert_eq!(o.code, 1, "{cwd} {paths:?}: {}", o.stderr);
        for l in o.stdout.lines() {
            let file = l.split("file=").nth(1).unwrap().split(',').next().unwrap();
            assert!(
                file == "sub/app.py" || file == "sub/deep/b.py",
                "{cwd} {paths:?}: {l}"
            );
        }
        args.truncate(args.len() - 2);
        args.extend_from_slice(&["--format", "sarif"]);
        let o = akscan(&here, &args);
        let doc: Value = serde_json::from_str(&o.stdout).unwrap();
        assert!(schema_errors(&sarif_validator(), &doc).is_empty());
        let run = &doc["runs"][0];
        let base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
            .as_str()
            .unwrap();
        let base_path = percent_encoding::percent_decode_str(&base["file://".len()..])
            .decode_utf8()
            .unwrap()
            .into_owned();
        assert_eq!(
            Path::new(&base_path).canonicalize().unwrap(),
            top,
            "{cwd} {paths:?}"
        );
        for r in run["results"].as_array().unwrap() {
            let al = &r["locations"][0]["physicalLocation"]["artifactLocation"];
            assert_eq!(al["uriBaseId"], "%SRCROOT%");
            let uri = al["uri"].as_str().unwrap();
            assert!(
                uri == "sub/app.py" || uri == "sub/deep/b.py",
                "{cwd} {paths:?}: {uri}"
            );
        }
    }
    // human output keeps the paths as the user typed them
    let o = akscan(&d.path().join("sub"), &["scan", "."]);
    assert!(o.stdout.contains("app.py") && !o.stdout.contains("sub/app.py"));
}

// ---------------------------------------------------------------- GitHub

#[test]
fn sarif_lists_suppressed_findings_with_their_suppression() {
    // one finding of each kind of suppression, one new finding: the new one alone sets
    // the exit code, and SARIF lists all four, the hidden ones with a `suppressions` entry
    let d = tmp();
    write(d.path(), "new.py", &secret_line(SECRET));
    write(
        d.path(),
        "inline.py",
        &format!("access_key_secret = \"{SECRET2}\"  # akscan:allow\n"),
    );
    write(d.path(), "allowed.py", &secret_line(SECRET3));
    write(
        d.path(),
        ".akscan.toml",
        &format!("[allowlist]\nvalues = [\"{SECRET3}\"]\n"),
    );
    write(d.path(), "known.py", &format!("access_key_id = \"{ID}\"\n"));
    let o = akscan(
        d.path(),
        &["scan", "known.py", "--write-baseline", "base.json"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let o = akscan(
        d.path(),
        &["scan", ".", "--format", "sarif", "--baseline", "base.json"],
    );
    assert_eq!(o.code, 1, "{}", o.stderr);
    let doc: Value = serde_json::from_str(&o.stdout).expect("sarif");
    assert!(schema_errors(&sarif_validator(), &doc).is_empty());
    let mut seen: Vec<(String, String)> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let path = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .to_string();
            let kind = match r.get("suppressions") {
                None => "new".to_string(),
                Some(s) => {
                    assert_eq!(s.as_array().unwrap().len(), 1);
                    assert_eq!(s[0]["status"], "accepted");
                    assert!(s[0]["justification"]
                        .as_str()
                        .is_some_and(|j| !j.is_empty()));
                    s[0]["kind"].as_str().unwrap().to_string()
                }
            };
            (path, kind)
        })
        .collect();
    seen.sort();
    let want = [
        ("allowed.py", "external"),
        ("inline.py", "inSource"),
        ("known.py", "external"),
        ("new.py", "new"),
    ];
    assert_eq!(
        seen,
        want.map(|(p, k)| (p.to_string(), k.to_string())),
        "{}",
        o.stdout
    );
    // suppressed values stay redacted like the others
    for v in [SECRET, SECRET2, SECRET3, ID] {
        assert!(!o.stdout.contains(v));
    }
    // the other formats still leave them out
    let (_, v, _) = scan_json(d.path(), &["--baseline", "base.json"]);
    assert_eq!(secrets_found(&v), [("new.py".to_string(), 1)]);
    assert_eq!(v["stats"]["suppressed"], 3);
}

#[test]
fn github_format_writes_escaped_workflow_commands() {
    let d = tmp();
    write(
        d.path(),
        "src/app.py",
        &format!("access_key_id = \"{ID}\"\n{}", secret_line(SECRET)),
    );
    write(d.path(), "a,b:c.py", &secret_line(SECRET2));
    let o = akscan(d.path(), &["scan", ".", "--format", "github"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    let lines: Vec<&str> = o.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", o.stdout);
    assert!(
        lines[0].starts_with(
            "::error file=a%2Cb%3Ac.py,line=1,endLine=1,col=22,endColumn=52,title=akscan%3A Alibaba Cloud AccessKey secret [alibaba-access-key-secret]::"
        ),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("::error file=src/app.py,line=1,endLine=1,col=18,endColumn=42,title=")
    );
    assert!(lines[2].starts_with("::error file=src/app.py,line=2,"));
    assert!(lines[2].contains("::AccessKey secret `Vq8************************J6e`"));
    for l in &lines {
        // title and file properties never hold a raw `:` or `,`
        let props = &l[2..l[2..].find("::").unwrap() + 2];
        let title = props.split("title=").nth(1).unwrap();
        assert!(!title.contains(':') && !title.contains(','), "{l}");
    }
    for v in [ID, SECRET, SECRET2] {
        assert!(!o.stdout.contains(v));
    }
}

#[test]
fn github_format_maps_lower_severities_to_warnings() {
    let d = tmp();
    write(d.path(), "a.py", &secret_line(SECRET));
    write(
        d.path(),
        ".akscan.toml",
        "[rules.severity]\nalibaba-access-key-secret = \"medium\"\n",
    );
    let o = akscan(d.path(), &["scan", ".", "--format", "github"]);
    assert!(
        o.stdout.starts_with("::warning file=a.py,line=1,"),
        "{}",
        o.stdout
    );
}

// ---------------------------------------------------------------- inline allow

#[test]
fn inline_allow_in_any_comment_syntax() {
    let d = tmp();
    let s = SECRET;
    let cases = [
        (
            "a.py",
            format!("access_key_secret = \"{s}\"  # akscan:allow test fixture\n"),
        ),
        (
            "b.js",
            format!("const accessKeySecret = \"{s}\"; // akscan:allow\n"),
        ),
        (
            "c.lua",
            format!("local access_key_secret = \"{s}\" -- akscan:allow\n"),
        ),
        (
            "d.go",
            format!("accessKeySecret := \"{s}\" /* akscan:allow */\n"),
        ),
        (
            "e.xml",
            format!("<accessKeySecret>{s}</accessKeySecret> <!-- akscan:allow -->\n"),
        ),
        ("f.ini", format!("access_key_secret = {s} ; akscan:allow\n")),
        (
            "g.bat",
            format!("set ACCESS_KEY_SECRET={s} & REM akscan:allow\n"),
        ),
    ];
    for (name, text) in &cases {
        write(d.path(), name, text);
    }
    // the same files without the marker are findings: the marker is what hides them
    let bare = tmp();
    for (name, text) in &cases {
        let t = text
            .split("akscan:allow")
            .next()
            .unwrap()
            .replace("<!--", "")
            .replace("/*", "");
        write(bare.path(), name, &format!("{t}\n"));
    }
    let (_, v, _) = scan_json(bare.path(), &[]);
    assert_eq!(secrets_found(&v).len(), cases.len(), "{:?}", found(&v));

    let (code, v, _) = scan_json(d.path(), &[]);
    assert_eq!(code, 0, "{:?}", found(&v));
    assert_eq!(v["stats"]["suppressed"], cases.len() as u64);
    assert_eq!(v["stats"]["findings"], 0);
}

#[test]
fn inline_allow_covers_only_its_line_and_its_rules() {
    let d = tmp();
    write(
        d.path(),
        "app.py",
        &format!(
            "access_key_secret = \"{SECRET}\"  # akscan:allow\naccess_key_secret = \"{SECRET2}\"\nid = \"{ID}\"; access_key_secret = \"{SECRET3}\"  # akscan:allow(alibaba-access-key-id)\n"
        ),
    );
    let (code, v, _) = scan_json(d.path(), &[]);
    assert_eq!(code, 1);
    let f = found(&v);
    assert!(
        f.contains(&("app.py".into(), 2, "alibaba-access-key-secret".into())),
        "{f:?}"
    );
    assert!(
        f.contains(&("app.py".into(), 3, "alibaba-access-key-secret".into())),
        "{f:?}"
    );
    assert!(!f.iter().any(|x| x.1 == 1), "{f:?}");
    assert!(!f.iter().any(|x| x.2 == "alibaba-access-key-id"), "{f:?}");
    assert_eq!(v["stats"]["suppressed"], 2);
}

// ---------------------------------------------------------------- config: paths

#[test]
fn config_globs_skip_files_and_only_those() {
    let d = tmp();
    write(d.path(), "src/app.py", &secret_line(SECRET));
    write(d.path(), "vendor/lib/x.py", &secret_line(SECRET));
    write(
        d.path(),
        "web/app.min.js",
        &format!("var accessKeySecret=\"{SECRET}\";\n"),
    );
    write(d.path(), "docs/examples/e.md", &secret_line(SECRET));
    write(d.path(), "src/docs/examples/keep.md", &secret_line(SECRET));
    write(
        d.path(),
        ".akscan.toml",
        "[paths]\nexclude = [\"vendor/\", \"*.min.js\", \"/docs/examples/**\"]\n",
    );
    let (_, v, stderr) = scan_json(d.path(), &[]);
    let mut paths: Vec<String> = found(&v).into_iter().map(|f| f.0).collect();
    paths.sort();
    assert_eq!(paths, ["src/app.py", "src/docs/examples/keep.md"]);
    assert_eq!(v["stats"]["skipped"]["excluded"], 3);
    assert!(stderr.contains("3 excluded by config"), "{stderr}");
    // --no-config: everything again
    let (_, v, _) = scan_json(d.path(), &["--no-config"]);
    assert_eq!(found(&v).len(), 5);
}

#[test]
fn globs_are_relative_to_the_config_when_scanning_a_subdirectory() {
    let d = tmp();
    Command::new("git")
        .args(["init", "-q", "."])
        .current_dir(d.path())
        .status()
        .unwrap();
    write(d.path(), "svc/gen/a.py", &secret_line(SECRET));
    write(d.path(), "svc/main.py", &secret_line(SECRET2));
    // found at the repository root while scanning svc/
    write(
        d.path(),
        ".akscan.toml",
        "[paths]\nexclude = [\"svc/gen/**\"]\n",
    );
    let (_, v, _) = scan_json(&d.path().join("svc"), &[]);
    assert_eq!(secrets_found(&v), [("main.py".to_string(), 1)]);
    assert_eq!(v["stats"]["skipped"]["excluded"], 1);
}

// ---------------------------------------------------------------- config: values

#[test]
fn allowlisted_exact_value_is_hidden_and_others_are_not() {
    let d = tmp();
    write(d.path(), "a.py", &secret_line(SECRET));
    write(d.path(), "b.py", &secret_line(SECRET2));
    write(
        d.path(),
        ".akscan.toml",
        &format!("[allowlist]\nvalues = [\"{SECRET}\"]\n"),
    );
    let (code, v, _) = scan_json(d.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(secrets_found(&v), [("b.py".to_string(), 1)]);
    assert_eq!(v["stats"]["suppressed"], 1);
}

#[test]
fn allowlisted_hashed_value_is_hidden_and_others_are_not() {
    let d = tmp();
    write(d.path(), "a.py", &secret_line(SECRET));
    write(d.path(), "b.py", &secret_line(SECRET2));
    let hex: String = Sha256::digest(SECRET2.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    write(
        d.path(),
        ".akscan.toml",
        &format!("[allowlist]\nvalues = [\"sha256:{hex}\"]\n"),
    );
    let (_, v, _) = scan_json(d.path(), &[]);
    assert_eq!(secrets_found(&v), [("a.py".to_string(), 1)]);
    assert_eq!(v["stats"]["suppressed"], 1);
}

#[test]
fn allowlist_regex_hides_matches_and_others_are_not() {
    let d = tmp();
    write(
        d.path(),
        "a.py",
        &format!("access_key_id = \"{ID}\"\n{}", secret_line(SECRET)),
    );
    write(d.path(), "b.py", &secret_line(SECRET2));
    write(
        d.path(),
        ".akscan.toml",
        "[allowlist]\nregexes = ['^LTAI5tQ8', '^Mz7Qw']\n",
    );
    let (_, v, _) = scan_json(d.path(), &[]);
    assert_eq!(
        found(&v),
        [(
            "a.py".to_string(),
            2,
            "alibaba-access-key-secret".to_string()
        )]
    );
    assert_eq!(v["stats"]["suppressed"], 2);
}

// ---------------------------------------------------------------- config: rules, size

#[test]
fn config_rule_files_disable_and_severity() {
    let d = tmp();
    write(
        d.path(),
        "a.py",
        &format!(
            "access_key_id = \"{ID}\"\n{}token = \"TEAMTOK_9fK2mQ7xL4pW8rZ3\"\n",
            secret_line(SECRET)
        ),
    );
    write(
        d.path(),
        "ci/rules/team.toml",
        "[[rule]]\nid = \"team-token\"\nkind = \"other\"\nname = \"Team token\"\ndescription = \"An internal token\"\nseverity = \"low\"\nregex = 'TEAMTOK_[A-Za-z0-9]{16}'\nkeywords = [\"TEAMTOK_\"]\n",
    );
    write(
        d.path(),
        "ci/akscan.toml",
        "[rules]\nfiles = [\"rules/team.toml\"]\ndisable = [\"alibaba-access-key-id\"]\n\n[rules.severity]\nalibaba-access-key-secret = \"critical\"\n",
    );
    let (_, v, _) = scan_json(d.path(), &["--config", "ci/akscan.toml"]);
    let f = found(&v);
    let rules: Vec<&str> = f.iter().map(|x| x.2.as_str()).collect();
    assert_eq!(rules, ["alibaba-access-key-secret", "team-token"], "{f:?}");
    assert_eq!(v["findings"][0]["severity"], "critical");
    // without the config: the ID is back, the team rule is gone
    let (_, v, _) = scan_json(d.path(), &[]);
    let rules: Vec<String> = found(&v).into_iter().map(|x| x.2).collect();
    assert_eq!(
        rules,
        ["alibaba-access-key-id", "alibaba-access-key-secret"]
    );
    assert_eq!(v["findings"][1]["severity"], "high");
}

#[test]
fn config_max_file_size_and_the_flag_wins() {
    let d = tmp();
    let mut big = secret_line(SECRET);
    big.push_str(&"# padding\n".repeat(300));
    write(d.path(), "big.py", &big);
    write(d.path(), "small.py", &secret_line(SECRET2));
    write(d.path(), ".akscan.toml", "max_file_size = \"1K\"\n");
    let (_, v, _) = scan_json(d.path(), &[]);
    assert_eq!(secrets_found(&v), [("small.py".to_string(), 1)]);
    assert_eq!(v["stats"]["skipped"]["too_large"], 1);
    let (_, v, _) = scan_json(d.path(), &["--max-file-size", "1M"]);
    assert_eq!(secrets_found(&v).len(), 2);
}

// ---------------------------------------------------------------- config errors

fn config_error(text: &str) -> String {
    let d = tmp();
    write(d.path(), "a.py", &secret_line(SECRET));
    write(d.path(), ".akscan.toml", text);
    let o = akscan(d.path(), &["scan", "."]);
    assert_eq!(o.code, 2, "config {text:?} was accepted: {}", o.stderr);
    assert!(o.stdout.is_empty());
    o.stderr
}

#[test]
fn config_errors_name_file_line_and_key_and_exit_2() {
    let e = config_error("[paths]\nexclude = []\n\n[allowlist]\nvalue = [\"x\"]\n");
    assert!(e.contains(".akscan.toml:5:"), "{e}");
    assert!(e.contains("value"), "{e}");

    let e = config_error("[alowlist]\nvalues = []\n");
    assert!(
        e.contains(".akscan.toml:1:") && e.contains("alowlist"),
        "{e}"
    );

    let e = config_error("# team config\n[allowlist]\nvalues = [42]\n");
    assert!(
        e.contains(".akscan.toml:3:") && e.contains("allowlist.values"),
        "{e}"
    );

    let e = config_error("[allowlist]\nregexes = [\n  '^ok',\n  '(broken',\n]\n");
    assert!(
        e.contains(".akscan.toml:4:") && e.contains("allowlist.regexes"),
        "{e}"
    );

    let e = config_error("[paths]\nexclude = [\"a/{b\"]\n");
    assert!(
        e.contains(".akscan.toml:2:") && e.contains("paths.exclude"),
        "{e}"
    );

    let e = config_error("\n[rules.severity]\nalibaba-access-key-id = \"severe\"\n");
    assert!(
        e.contains(".akscan.toml:3:") && e.contains("rules.severity.alibaba-access-key-id"),
        "{e}"
    );

    let e = config_error("[rules]\ndisable = [\"alibaba-acces-key-id\"]\n");
    assert!(
        e.contains(".akscan.toml:2:") && e.contains("rules.disable"),
        "{e}"
    );

    let e = config_error("max_file_size = -3\n");
    assert!(
        e.contains(".akscan.toml:1:") && e.contains("max_file_size"),
        "{e}"
    );

    let e = config_error("[allowlist]\nvalues = [\"sha256:1234\"]\n");
    assert!(e.contains(".akscan.toml:2:"), "{e}");

    let e = config_error("[rules]\nfiles = [\"missing.toml\"]\n");
    assert!(
        e.contains("missing.toml") && e.contains("rules.files"),
        "{e}"
    );

    let e = config_error("[paths\n");
    assert!(e.contains(".akscan.toml:1:"), "{e}");
}

#[test]
fn missing_config_or_baseline_file_is_an_error() {
    let d = tmp();
    write(d.path(), "a.py", "x = 1\n");
    let o = akscan(d.path(), &["scan", ".", "--config", "nope.toml"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("nope.toml"), "{}", o.stderr);
    let o = akscan(d.path(), &["scan", ".", "--baseline", "nope.json"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("nope.json"), "{}", o.stderr);
    write(
        d.path(),
        "bad.json",
        "{\n  \"akscan_baseline\": 1,\n  \"entries\": 3\n}\n",
    );
    let o = akscan(d.path(), &["scan", ".", "--baseline", "bad.json"]);
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("bad.json:3:"), "{}", o.stderr);
}

// ---------------------------------------------------------------- baseline

#[test]
fn baseline_hides_known_findings_reports_new_ones_and_stores_no_values() {
    let d = tmp();
    write(
        d.path(),
        "app.py",
        &format!("access_key_id = \"{ID}\"\n{}", secret_line(SECRET)),
    );
    let o = akscan(
        d.path(),
        &["scan", ".", "--write-baseline", "akscan-baseline.json"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(
        o.stderr.contains("wrote 2 baseline entries"),
        "{}",
        o.stderr
    );
    let text = std::fs::read_to_string(d.path().join("akscan-baseline.json")).unwrap();
    for v in [ID, SECRET, &SECRET[3..27], &ID[4..20]] {
        assert!(!text.contains(v), "baseline holds a value: {text}");
    }
    let b: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(b["entries"].as_array().unwrap().len(), 2);

    // known findings are hidden
    let (code, v, _) = scan_json(d.path(), &["--baseline", "akscan-baseline.json"]);
    assert_eq!(code, 0, "{:?}", found(&v));
    assert_eq!(v["stats"]["suppressed"], 2);
    assert_eq!(v["stats"]["baseline_stale"], 0);

    // a new value in the same file is reported: the baseline hides only what it recorded
    write(
        d.path(),
        "app.py",
        &format!(
            "access_key_id = \"{ID}\"\n{}{}",
            secret_line(SECRET),
            secret_line(SECRET2)
        ),
    );
    // ... and so is the same value in another file
    write(d.path(), "other.py", &secret_line(SECRET));
    let (code, v, _) = scan_json(d.path(), &["--baseline", "akscan-baseline.json"]);
    assert_eq!(code, 1);
    assert_eq!(
        secrets_found(&v),
        [("app.py".to_string(), 3), ("other.py".to_string(), 1)]
    );
}

#[test]
fn baseline_paths_are_relative_to_the_baseline_file() {
    let d = tmp();
    let repo = d.path().join("repo");
    write(
        &repo,
        "app/config.py",
        &format!("access_key_id = \"{ID}\"\n{}", secret_line(SECRET)),
    );
    std::fs::create_dir_all(repo.join("docs")).unwrap();
    // written from above the repository, into it
    let o = akscan(
        d.path(),
        &[
            "scan",
            "repo",
            "--write-baseline",
            "repo/akscan-baseline.json",
        ],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let b: Value =
        serde_json::from_str(&std::fs::read_to_string(repo.join("akscan-baseline.json")).unwrap())
            .unwrap();
    for e in b["entries"].as_array().unwrap() {
        assert_eq!(e["path"], "app/config.py", "{b}");
    }
    // matched from the root, from above and from a subdirectory
    for (cwd, target, base) in [
        (repo.clone(), ".", "akscan-baseline.json"),
        (d.path().to_path_buf(), "repo", "repo/akscan-baseline.json"),
        (repo.join("docs"), "..", "../akscan-baseline.json"),
    ] {
        let o = akscan(
            &cwd,
            &["scan", target, "--format", "json", "--baseline", base],
        );
        assert_eq!(o.code, 0, "from {}: {}", cwd.display(), o.stdout);
        let v: Value = serde_json::from_str(&o.stdout).unwrap();
        assert_eq!(v["stats"]["suppressed"], 2);
        assert_eq!(v["stats"]["baseline_stale"], 0);
    }
    // rewritten from the root, the entries keep their paths, hashes and key (the
    // fingerprint, which hashes the path as reported, is only a cross-reference)
    let entries = || {
        let b: Value = serde_json::from_str(
            &std::fs::read_to_string(repo.join("akscan-baseline.json")).unwrap(),
        )
        .unwrap();
        let e: Vec<(Value, Value, Value)> = b["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["rule_id"].clone(),
                    e["path"].clone(),
                    e["value_hmac"].clone(),
                )
            })
            .collect();
        (b["key"].clone(), e)
    };
    let before = entries();
    akscan(
        &repo,
        &["scan", ".", "--write-baseline", "akscan-baseline.json"],
    );
    assert_eq!(before, entries());
}

#[test]
fn baseline_survives_lines_inserted_above() {
    let d = tmp();
    write(
        d.path(),
        "app.py",
        &format!("access_key_id = \"{ID}\"\n{}", secret_line(SECRET)),
    );
    let o = akscan(d.path(), &["scan", ".", "--write-baseline", "b.json"]);
    assert_eq!(o.code, 0);
    write(
        d.path(),
        "app.py",
        &format!(
            "import os\nimport sys\n\n\naccess_key_id = \"{ID}\"\n\n# the secret\n{}",
            secret_line(SECRET)
        ),
    );
    let (code, v, _) = scan_json(d.path(), &["--baseline", "b.json"]);
    assert_eq!(code, 0, "{:?}", found(&v));
    assert_eq!(v["stats"]["suppressed"], 2);
    assert_eq!(v["stats"]["baseline_stale"], 0);
}

#[test]
fn stale_baseline_entries_are_reported() {
    let d = tmp();
    write(
        d.path(),
        "app.py",
        &format!("access_key_id = \"{ID}\"\n{}", secret_line(SECRET)),
    );
    akscan(d.path(), &["scan", ".", "--write-baseline", "b.json"]);
    // the secret was rotated out of the file; the ID stays
    write(d.path(), "app.py", &format!("access_key_id = \"{ID}\"\n"));
    let (code, v, stderr) = scan_json(d.path(), &["--baseline", "b.json"]);
    assert_eq!(code, 0);
    assert_eq!(v["stats"]["baseline_stale"], 1);
    assert_eq!(v["stats"]["suppressed"], 1);
    assert!(
        stderr.contains("stale entry: alibaba-access-key-secret in app.py"),
        "{stderr}"
    );
    assert!(stderr.contains("1 stale baseline entry"), "{stderr}");
    // rewriting the baseline clears it, and keeps the key
    let before: Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("b.json")).unwrap()).unwrap();
    akscan(d.path(), &["scan", ".", "--write-baseline", "b.json"]);
    let after: Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("b.json")).unwrap()).unwrap();
    assert_eq!(before["key"], after["key"]);
    assert_eq!(after["entries"].as_array().unwrap().len(), 1);
    assert_eq!(after["entries"][0], before["entries"][0]);
    let (_, v, _) = scan_json(d.path(), &["--baseline", "b.json"]);
    assert_eq!(v["stats"]["baseline_stale"], 0);
}

#[test]
fn baseline_does_not_cover_findings_allowed_otherwise() {
    // inline-allowed findings are not recorded, so removing the marker later reports them
    let d = tmp();
    write(
        d.path(),
        "app.py",
        &format!("access_key_secret = \"{SECRET}\"  # akscan:allow\n"),
    );
    akscan(d.path(), &["scan", ".", "--write-baseline", "b.json"]);
    let b: Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("b.json")).unwrap()).unwrap();
    assert_eq!(b["entries"].as_array().unwrap().len(), 0);
    write(d.path(), "app.py", &secret_line(SECRET));
    let (code, _, _) = scan_json(d.path(), &["--baseline", "b.json"]);
    assert_eq!(code, 1);
}

// ---------------------------------------------------------------- progress

/// Runs `akscan scan -` with stdin held open for `hold` so the scan lasts longer than the
/// progress delay; returns the raw stderr bytes.
fn slow_stdin_scan(hold: std::time::Duration) -> (i32, Vec<u8>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_akscan"))
        .args(["scan", "-", "--color", "never"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(secret_line(SECRET).as_bytes()).unwrap();
    stdin.flush().unwrap();
    std::thread::sleep(hold);
    stdin.write_all(b"# end\n").unwrap();
    drop(stdin);
    let o = child.wait_with_output().unwrap();
    (o.status.code().unwrap_or(-1), o.stderr)
}

#[test]
fn progress_never_appears_in_piped_output() {
    let (code, stderr) = slow_stdin_scan(progress_outlasting());
    assert_eq!(code, 1);
    let text = String::from_utf8_lossy(&stderr);
    assert!(
        !stderr.contains(&b'\r') && !stderr.contains(&0x1b),
        "{text:?}"
    );
    assert!(!text.contains("scanning"), "{text:?}");
    // only the summary line
    assert_eq!(text.lines().count(), 1, "{text:?}");
    assert!(text.starts_with("akscan: 1 finding"), "{text:?}");
}

/// Comfortably longer than the progress delay.
fn progress_outlasting() -> std::time::Duration {
    akscan::progress::DELAY * 2
}

#[test]
fn progress_appears_on_a_terminal_for_long_scans() {
    // `script` gives the command a pseudo-terminal; skip where it is missing
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return;
    }
    let d = tmp();
    let hold = progress_outlasting().as_secs_f64() + 1.0;
    let cmd = format!(
        "(printf 'access_key_secret = \"{SECRET}\"\\n'; sleep {hold}) | '{}' scan - 2>&1",
        env!("CARGO_BIN_EXE_akscan")
    );
    let o = Command::new("script")
        .args(["-q", "-e", "-c", &cmd, "/dev/null"])
        .current_dir(d.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("scanning"),
        "no progress on a terminal: {text:?}"
    );
    // and --quiet silences it
    let cmd = cmd.replace(" scan - ", " scan - --quiet ");
    let o = Command::new("script")
        .args(["-q", "-e", "-c", &cmd, "/dev/null"])
        .current_dir(d.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(!text.contains("scanning"), "{text:?}");
}

// ---------------------------------------------------------------- README stays true

#[test]
fn readme_config_example_is_valid() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme
        .split("### Configuration file")
        .nth(1)
        .expect("README documents the configuration file");
    let block = section
        .split("```toml\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a toml example");
    let cfg = akscan::config::Config::from_text("README.md", block, Path::new("."))
        .unwrap_or_else(|e| panic!("README example: {e}"));
    assert!(
        cfg.allow.allows(SECRET),
        "the README's sha256 example is {SECRET}"
    );
    let mut rules = akscan::detect::rules::RuleSet::builtin().unwrap();
    cfg.adjust_rules(&mut rules).unwrap();
    for key in [
        "max_file_size",
        "exclude",
        "values",
        "regexes",
        "files",
        "disable",
        "[rules.severity]",
    ] {
        assert!(block.contains(key), "{key} is not documented");
    }
}

#[test]
fn readme_documents_every_flag() {
    use clap::CommandFactory;
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let cli = akscan::cli::Cli::command();
    let scan = cli.find_subcommand("scan").unwrap();
    for a in scan.get_arguments() {
        if let Some(long) = a.get_long() {
            if long == "help" || long == "version" {
                continue;
            }
            assert!(
                readme.contains(&format!("--{long}")),
                "--{long} is not in README.md"
            );
        }
    }
}

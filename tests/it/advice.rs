//! The advice in reports (issue 25, item 8): snippets keep their indentation and parse in
//! their own language, the JSON report lists each piece of advice once, hooks and `-q` get
//! a compact report that names `akscan fix`, and a large report ends with a tally.

use crate::common::akscan;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const ID: &str = "LTAI5tQ8bFz2KcVw9YhN3xRm";
const SECRET: &str = "Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e";

fn write(dir: &Path, rel: &str, data: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("bad JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// One file per language whose advice has a snippet worth checking, each with a key pair.
fn polyglot(dir: &Path) {
    write(
        dir,
        "deploy/app.yaml",
        &format!("access_key_id: {ID}\naccess_key_secret: {SECRET}\n"),
    );
    write(
        dir,
        "infra/main.tf",
        &format!(
            "provider \"alicloud\" {{\n  access_key = \"{ID}\"\n  secret_key = \"{SECRET}\"\n}}\n"
        ),
    );
    write(
        dir,
        "app/main.py",
        &format!("access_key_id = \"{ID}\"\naccess_key_secret = \"{SECRET}\"\n"),
    );
    write(
        dir,
        "scripts/run.sh",
        &format!(
            "export ALIBABA_CLOUD_ACCESS_KEY_ID={ID}\nexport ALIBABA_CLOUD_ACCESS_KEY_SECRET={SECRET}\n"
        ),
    );
    write(
        dir,
        "web/oss.js",
        &format!("const accessKeyId = \"{ID}\";\nconst accessKeySecret = \"{SECRET}\";\n"),
    );
    write(
        dir,
        "lib/oss.rb",
        &format!("access_key_id = '{ID}'\naccess_key_secret = '{SECRET}'\n"),
    );
}

fn fix_of<'a>(doc: &'a serde_json::Value, id: &str) -> &'a str {
    doc["advice"][id]["fix"]
        .as_str()
        .unwrap_or_else(|| panic!("no advice {id} in {}", doc["advice"]))
}

/// Runs `program args` with `input` on standard input; true when it exits 0.
fn accepts(program: &str, args: &[&str], input: &str) -> bool {
    use std::io::Write;
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait().unwrap().success()
}

#[test]
fn snippets_keep_their_indentation_and_parse() {
    let d = tempfile::tempdir().unwrap();
    polyglot(d.path());
    let out = akscan(&["scan", "--format", "json", "."], d.path());
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out);

    // YAML: the Kubernetes env entry is a list of mappings, nested as written
    let yaml = fix_of(&doc, "yaml");
    let parsed = yaml_rust2::YamlLoader::load_from_str(yaml)
        .unwrap_or_else(|e| panic!("the YAML advice does not parse ({e}):\n{yaml}"));
    let env = &parsed[0]["env"][0];
    assert_eq!(
        env["name"].as_str(),
        Some("ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
        "{yaml}"
    );
    assert_eq!(
        env["valueFrom"]["secretKeyRef"]["key"].as_str(),
        Some("access-key-secret"),
        "{yaml}"
    );

    // Terraform (HCL): a provider block with an assume_role block inside, indented
    let tf = fix_of(&doc, "terraform");
    let body: hcl::Body = hcl::from_str(tf)
        .unwrap_or_else(|e| panic!("the Terraform advice does not parse ({e}):\n{tf}"));
    let provider = body
        .blocks()
        .find(|b| b.identifier() == "provider")
        .expect("a provider block");
    assert!(provider
        .body()
        .blocks()
        .any(|b| b.identifier() == "assume_role"));
    assert!(tf.contains("\n  assume_role {\n    role_arn"), "{tf}");

    // Python and shell: their own parsers (python3 is installed by .ci/run)
    let py = fix_of(&doc, "python");
    assert!(
        accepts(
            "python3",
            &["-c", "import ast, sys; ast.parse(sys.stdin.read())"],
            py
        ),
        "the Python advice does not parse:\n{py}"
    );
    let sh = fix_of(&doc, "shell");
    assert!(
        accepts("sh", &["-n"], sh),
        "the shell advice does not parse:\n{sh}"
    );

    // JavaScript and Ruby: the arguments of the call stay indented under it
    assert!(
        fix_of(&doc, "javascript").contains("\n  accessKeyId: process.env."),
        "{}",
        fix_of(&doc, "javascript")
    );
    assert!(
        fix_of(&doc, "ruby").contains("\n  access_key_id: ENV.fetch("),
        "{}",
        fix_of(&doc, "ruby")
    );

    // the human report prints the same snippet, indented as a block: it still parses
    let out = akscan(&["scan", "--color", "never", "deploy"], d.path());
    let text = String::from_utf8_lossy(&out.stdout);
    let block: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains("[yaml]"))
        .skip(2)
        .take_while(|l| l.starts_with("      "))
        .map(|l| &l[6..])
        .collect();
    let shown = block.join("\n");
    assert_eq!(shown, yaml, "{text}");

    // SARIF rule help carries the snippets with their indentation too
    let out = akscan(&["scan", "--format", "sarif", "."], d.path());
    let sarif = String::from_utf8_lossy(&out.stdout);
    assert!(
        sarif.contains("\\n  assume_role {\\n    role_arn"),
        "{sarif}"
    );
}

#[test]
fn json_lists_each_advice_once_and_findings_refer_to_it() {
    let d = tempfile::tempdir().unwrap();
    polyglot(d.path());
    write(
        d.path(),
        "app/other.py",
        &format!("access_key_id = \"{ID}\"\naccess_key_secret = \"{SECRET}\"\n"),
    );
    let out = akscan(&["scan", "--format", "json", "."], d.path());
    let doc = json(&out);
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 14);
    let advice = doc["advice"].as_object().unwrap();
    let mut referred: Vec<&str> = findings
        .iter()
        .map(|f| f["advice"].as_str().expect("advice is an id"))
        .collect();
    referred.sort();
    referred.dedup();
    let mut listed: Vec<&str> = advice.keys().map(String::as_str).collect();
    listed.sort();
    assert_eq!(referred, listed);
    assert_eq!(listed.len(), 6);
    // the long texts are written once each, not once per finding
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("Treat the key as compromised").count(), 6);
    for a in advice.values() {
        for field in ["summary", "fix", "response"] {
            assert!(a[field].as_str().is_some_and(|s| !s.is_empty()), "{a}");
        }
    }
    // JSON Lines: the same finding objects, the advice by id
    let out = akscan(&["scan", "--format", "jsonl", "app"], d.path());
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let f: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(f["advice"], "python");
    }
}

#[test]
fn quiet_and_staged_reports_are_compact_and_name_akscan_fix() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "app.py",
        &format!("access_key_id = \"{ID}\"\naccess_key_secret = \"{SECRET}\"\n"),
    );
    let full = akscan(&["scan", "--color", "never", "."], d.path());
    let full = String::from_utf8_lossy(&full.stdout).into_owned();
    assert!(full.contains("After a leak") && full.contains("aliyun ram UpdateAccessKey"));
    assert!(full.contains("akscan fix"), "{full}");

    let out = akscan(&["scan", "-q", "--color", "never", "."], d.path());
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.stderr.is_empty());
    assert_eq!(text.matches("fix: ").count(), 2, "{text}");
    assert!(text.contains("Fix: akscan fix app.py"), "{text}");
    for absent in ["After a leak", "aliyun ram", "Treat the key as compromised"] {
        assert!(!text.contains(absent), "{absent}:\n{text}");
    }
    assert!(text.lines().count() <= 12, "{text}");
    assert!(!text.contains(SECRET) && !text.contains(ID));

    // a blocked commit: the key was never committed, so no incident response
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .args(args)
            .current_dir(d.path())
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
            .output()
            .unwrap();
        assert!(o.status.success(), "git {args:?}: {o:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "app.py"]);
    let out = akscan(&["git", "--staged", "--color", "never"], d.path());
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("Fix: akscan fix app.py"), "{text}");
    assert!(
        !text.contains("After a leak") && !text.contains("aliyun ram"),
        "{text}"
    );
    assert!(err.contains("commit blocked"), "{err}");
    assert!(
        text.lines().count() + err.lines().count() <= 14,
        "{text}{err}"
    );
}

#[test]
fn a_large_report_ends_with_a_tally_by_rule_and_directory() {
    let d = tempfile::tempdir().unwrap();
    // 7 files with a pair each (14 findings) in three directories, one STS token alone
    for (i, dir) in ["svc/a", "svc/a", "svc/a", "svc/b", "svc/b", "web", "web"]
        .iter()
        .enumerate()
    {
        write(
            d.path(),
            &format!("{dir}/conf{i}.py"),
            &format!("access_key_id = \"{ID}\"\naccess_key_secret = \"{SECRET}\"\n"),
        );
    }
    let out = akscan(&["scan", "--color", "never", "."], d.path());
    let text = String::from_utf8_lossy(&out.stdout);
    let tally: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains("findings by rule"))
        .collect();
    assert_eq!(tally.first(), Some(&"14 findings by rule"), "{text}");
    assert!(tally.contains(&"   7  alibaba-access-key-id"), "{tally:?}");
    assert!(
        tally.contains(&"   7  alibaba-access-key-secret"),
        "{tally:?}"
    );
    let dirs: Vec<&str> = tally
        .iter()
        .skip_while(|l| **l != "by directory")
        .skip(1)
        .copied()
        .collect();
    assert_eq!(
        dirs,
        ["   6  svc/a/", "   4  svc/b/", "   4  web/"],
        "{text}"
    );
    // a small report has none
    let out = akscan(&["scan", "--color", "never", "web"], d.path());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("findings by rule"));
}

//! The built binary on real files: exit codes, formats, redaction, inputs and errors.

use crate::common::akscan;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const ID: &str = "LTAI5tQ8bFz2KcVw9YhN3xRm";
const SECRET: &str = "Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e";

fn write(dir: &Path, rel: &str, data: &[u8]) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}

fn pair_file() -> String {
    format!("access_key_id = \"{ID}\"\naccess_key_secret = \"{SECRET}\"\n")
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("bad JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn all_output(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn exit_codes() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "clean/a.py", b"print('hello')\n");
    write(d.path(), "dirty/a.py", pair_file().as_bytes());
    assert_eq!(akscan(&["scan", "clean"], d.path()).status.code(), Some(0));
    assert_eq!(akscan(&["scan", "dirty"], d.path()).status.code(), Some(1));
    assert_eq!(
        akscan(&["scan", "missing"], d.path()).status.code(),
        Some(2)
    );
    assert_eq!(
        akscan(&["scan", "--bogus-flag"], d.path()).status.code(),
        Some(2)
    );
    assert_eq!(
        akscan(&["scan", "--format", "xml", "dirty"], d.path())
            .status
            .code(),
        Some(2)
    );
    assert_eq!(akscan(&["--help"], d.path()).status.code(), Some(0));
    let help = String::from_utf8_lossy(&akscan(&["scan", "--help"], d.path()).stdout).to_string();
    assert!(
        help.contains("Exit status: 0 no findings, 1 findings, 2 error"),
        "{help}"
    );
}

#[test]
fn json_report_has_the_documented_fields() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "src/app.py",
        format!("import os\n{}", pair_file()).as_bytes(),
    );
    let out = akscan(&["scan", "--format", "json", "src"], d.path());
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["version"], 1);
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 2);
    let (id, sec) = (&f[0], &f[1]);
    assert_eq!(id["kind"], "access_key_id");
    assert_eq!(sec["kind"], "access_key_secret");
    assert_eq!(id["path"], "src/app.py");
    assert_eq!(id["line"], 2);
    assert_eq!(id["column"], 18);
    assert_eq!(sec["line"], 3);
    assert_eq!(id["secret"], "LTAI****************3xRm");
    assert_eq!(id["pair"], sec["fingerprint"]);
    assert_eq!(sec["pair"], id["fingerprint"]);
    assert_eq!(id["severity"], "high");
    // findings name their advice; its text is in the document once
    assert_eq!(id["advice"], "python");
    assert_eq!(sec["advice"], "python");
    let advice = v["advice"].as_object().unwrap();
    assert_eq!(advice.len(), 1, "{advice:?}");
    assert!(v["advice"]["python"]["fix"]
        .as_str()
        .unwrap()
        .contains("ALIBABA_CLOUD_ACCESS_KEY_ID"));
    assert!(v["advice"]["python"]["response"]
        .as_str()
        .unwrap()
        .contains("RAM"));
    assert_eq!(v["stats"]["files_scanned"], 1);
    assert_eq!(v["stats"]["findings"], 2);
}

#[test]
fn fingerprints_survive_lines_moving() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a.py", pair_file().as_bytes());
    let before = json(&akscan(&["scan", "--format", "json", "a.py"], d.path()));
    write(
        d.path(),
        "a.py",
        format!("# one\n# two\n\n{}", pair_file()).as_bytes(),
    );
    let after = json(&akscan(&["scan", "--format", "json", "a.py"], d.path()));
    for i in 0..2 {
        assert_eq!(
            before["findings"][i]["fingerprint"],
            after["findings"][i]["fingerprint"]
        );
        assert_ne!(before["findings"][i]["line"], after["findings"][i]["line"]);
    }
}

#[test]
fn no_full_secret_without_show_secrets() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a.py", pair_file().as_bytes());
    write(
        d.path(),
        "b.js",
        format!("new OSS({{accessKeyId: '{ID}', accessKeySecret: '{SECRET}'}})").as_bytes(),
    );
    for fmt in ["human", "json", "jsonl"] {
        let out = akscan(
            &["scan", "--format", fmt, "--color", "always", "."],
            d.path(),
        );
        assert_eq!(out.status.code(), Some(1));
        let text = all_output(&out);
        assert!(
            !text.contains(ID) && !text.contains(SECRET),
            "{fmt} leaked a secret:\n{text}"
        );
        let shown = all_output(&akscan(
            &["scan", "--format", fmt, "--show-secrets", "."],
            d.path(),
        ));
        assert!(
            shown.contains(ID) && shown.contains(SECRET),
            "{fmt} --show-secrets hid the value"
        );
    }
}

#[test]
fn jsonl_is_one_finding_per_line_and_sorted() {
    let d = tempfile::tempdir().unwrap();
    for i in 0..20 {
        write(d.path(), &format!("d{i}/f.py"), pair_file().as_bytes());
    }
    let one = akscan(&["scan", "--format", "jsonl", "-j", "1", "."], d.path());
    let many = akscan(&["scan", "--format", "jsonl", "-j", "8", "."], d.path());
    assert_eq!(
        one.stdout, many.stdout,
        "output depends on the thread count"
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&one.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 40);
    let keys: Vec<(String, u64)> = lines
        .iter()
        .map(|v| {
            (
                v["path"].as_str().unwrap().to_string(),
                v["line"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn stdin_with_a_name() {
    let d = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_akscan"))
        .args(["scan", "-", "--stdin-name", "piped.env", "--format", "json"])
        .current_dir(d.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(
            format!("ALIBABA_CLOUD_ACCESS_KEY_ID={ID}\nALIBABA_CLOUD_ACCESS_KEY_SECRET={SECRET}")
                .as_bytes(),
        )
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["findings"][0]["path"], "piped.env");
    assert_eq!(v["findings"][1]["line"], 2);
    assert_eq!(v["findings"][0]["advice"], "dotenv");
    assert!(v["advice"]["dotenv"]["fix"].is_string());
}

#[test]
fn encodings_and_line_endings() {
    let d = tempfile::tempdir().unwrap();
    let text = format!("rem x\r\nset ALIBABA_CLOUD_ACCESS_KEY_ID={ID}\r\nset ALIBABA_CLOUD_ACCESS_KEY_SECRET={SECRET}\r\n");
    write(d.path(), "crlf.bat", text.as_bytes());
    for (name, le, bom) in [
        ("le-bom.ps1", true, true),
        ("be-bom.ps1", false, true),
        ("le.ps1", true, false),
        ("be.ps1", false, false),
    ] {
        let mut bytes = Vec::new();
        if bom {
            bytes.extend_from_slice(if le { &[0xFF, 0xFE] } else { &[0xFE, 0xFF] });
        }
        for u in text.encode_utf16() {
            bytes.extend_from_slice(&if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        write(d.path(), name, &bytes);
    }
    let mut latin = b"# caf\xe9 \xff\xfe garbage\n".to_vec();
    latin.extend_from_slice(pair_file().as_bytes());
    write(d.path(), "latin1.py", &latin);
    write(
        d.path(),
        "no-newline.env",
        format!("A={ID}\nALIBABA_CLOUD_ACCESS_KEY_SECRET={SECRET}").as_bytes(),
    );
    let out = akscan(&["scan", "--format", "json", "."], d.path());
    let v = json(&out);
    let f = v["findings"].as_array().unwrap();
    for file in ["crlf.bat", "le-bom.ps1", "be-bom.ps1", "le.ps1", "be.ps1"] {
        let lines: Vec<u64> = f
            .iter()
            .filter(|x| x["path"] == file)
            .map(|x| x["line"].as_u64().unwrap())
            .collect();
        assert_eq!(lines, [2, 3], "{file}");
    }
    let enc: Vec<&str> = f
        .iter()
        .filter(|x| x["path"] == "le.ps1")
        .map(|x| x["encoding"].as_str().unwrap())
        .collect();
    assert_eq!(enc, ["utf-16le", "utf-16le"]);
    let lines: Vec<u64> = f
        .iter()
        .filter(|x| x["path"] == "latin1.py")
        .map(|x| x["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [2, 3]);
    let lines: Vec<u64> = f
        .iter()
        .filter(|x| x["path"] == "no-newline.env")
        .map(|x| x["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [1, 2]);
}

#[test]
fn minified_file_reports_character_columns() {
    let d = tempfile::tempdir().unwrap();
    let prefix = "!function(){var é=\"ü\";".repeat(2000);
    let text = format!("{prefix}var c={{accessKeyId:\"{ID}\",accessKeySecret:\"{SECRET}\"}};");
    write(d.path(), "app.min.js", text.as_bytes());
    let v = json(&akscan(
        &["scan", "--format", "json", "app.min.js"],
        d.path(),
    ));
    let f = &v["findings"][0];
    let expected = text[..text.find(ID).unwrap()].chars().count() + 1;
    assert_eq!(f["line"], 1);
    assert_eq!(f["column"].as_u64().unwrap() as usize, expected);
    assert_eq!(v["findings"][1]["kind"], "access_key_secret");
}

#[test]
fn secret_across_a_chunk_boundary_in_a_large_file() {
    let d = tempfile::tempdir().unwrap();
    // 8 MiB chunks: place pairs around the first boundary and at the very end
    let chunk = 8 << 20;
    let filler_line = "x = 1 # some ordinary code that is not a credential at all......\n";
    let mut text = String::new();
    while text.len() < chunk - 40 {
        text.push_str(filler_line);
    }
    let first_line = text.matches('\n').count() + 1;
    text.push_str(&pair_file());
    while text.len() < 2 * chunk + 1000 {
        text.push_str(filler_line);
    }
    text.push_str(&format!("sk = \"{SECRET}\""));
    let last_line = text.matches('\n').count() + 1;
    write(d.path(), "big.py", text.as_bytes());
    let v = json(&akscan(&["scan", "--format", "json", "big.py"], d.path()));
    let lines: Vec<u64> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["line"].as_u64().unwrap())
        .collect();
    assert_eq!(
        lines,
        [first_line as u64, first_line as u64 + 1, last_line as u64]
    );
}

#[test]
fn skipped_files_are_counted_and_reported() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "big.txt", &vec![b'a'; 4096]);
    write(
        d.path(),
        "image.png",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR binary",
    );
    write(
        d.path(),
        "nul-after-key.txt",
        format!("{}\0\0\0\0", pair_file()).as_bytes(),
    );
    let out = akscan(
        &["scan", "--format", "json", "--max-file-size", "1K", "."],
        d.path(),
    );
    let v = json(&out);
    assert_eq!(v["stats"]["skipped"]["too_large"], 1);
    assert_eq!(v["stats"]["skipped"]["binary"], 2);
    // the key before the NUL bytes is still found
    assert_eq!(v["findings"].as_array().unwrap().len(), 2);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("big.txt") && err.contains("size limit"),
        "{err}"
    );
    assert!(err.contains("skipped: 2 binary, 1 too large"), "{err}");
}

#[test]
fn hidden_files_scanned_git_dir_not_and_gitignore_honoured() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join(".git")).unwrap();
    write(d.path(), ".git/config", pair_file().as_bytes());
    write(d.path(), ".env", pair_file().as_bytes());
    write(
        d.path(),
        ".github/workflows/ci.yml",
        format!("env:\n  ALIBABA_CLOUD_ACCESS_KEY_SECRET: {SECRET}\n").as_bytes(),
    );
    write(d.path(), ".gitignore", b"ignored.py\n");
    write(d.path(), "ignored.py", pair_file().as_bytes());
    let v = json(&akscan(&["scan", "--format", "json", "."], d.path()));
    let paths: std::collections::BTreeSet<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        paths.into_iter().collect::<Vec<_>>(),
        [".env", ".github/workflows/ci.yml"]
    );
    let v = json(&akscan(
        &["scan", "--format", "json", "--no-ignore", "."],
        d.path(),
    ));
    assert!(v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["path"] == "ignored.py"));
}

#[test]
fn bad_rule_file_names_file_and_line() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "rules.toml", b"[[rule]]\nid = \"mine\"\nkind = \"other\"\nname = \"n\"\ndescription = \"d\"\nseverity = \"low\"\nregex = 'a(b'\nkeywords = [\"ab\"]\n");
    let out = akscan(&["scan", "--rules", "rules.toml", "."], d.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("rules.toml:7:") && err.contains("invalid regex"),
        "{err}"
    );
    let out = akscan(&["scan", "--rules", "nope.toml", "."], d.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn extra_rule_file_adds_a_rule() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "rules.toml",
        b"[[rule]]\nid = \"dashscope-api-key\"\nkind = \"other\"\nname = \"DashScope API key\"\ndescription = \"Model Studio key\"\nseverity = \"high\"\nregex = 'sk-[0-9a-f]{32}'\nkeywords = [\"sk-\"]\ncharset = \"any\"\n",
    );
    write(
        d.path(),
        "a.py",
        b"DASHSCOPE_API_KEY = 'sk-0123456789abcdef0123456789abcdef'\n",
    );
    let out = akscan(
        &["scan", "--rules", "rules.toml", "--format", "json", "a.py"],
        d.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["findings"][0]["rule_id"], "dashscope-api-key");
}

#[test]
fn human_output_has_excerpt_advice_once_and_summary() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a.py", pair_file().as_bytes());
    write(d.path(), "b.py", pair_file().as_bytes());
    let out = akscan(&["scan", "--color", "never", "."], d.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("a.py:1:18"), "{text}");
    assert!(
        text.contains("access_key_id = \"LTAI****************3xRm\""),
        "{text}"
    );
    assert_eq!(
        text.matches("[python]").count(),
        1,
        "advice printed more than once:\n{text}"
    );
    assert!(text.contains("After a leak"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("4 findings in 2 files"), "{err}");
    assert!(!text.contains('\x1b'), "colour when asked not to");
    let quiet = akscan(&["scan", "-q", "."], d.path());
    assert!(quiet.stderr.is_empty());
}

#[test]
fn output_file() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a.py", pair_file().as_bytes());
    let out = akscan(
        &["scan", "--format", "json", "-o", "report.json", "a.py"],
        d.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.path().join("report.json")).unwrap()).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 2);
}

#[cfg(unix)]
#[test]
fn fifo_symlinks_and_unreadable_files_do_not_stop_the_scan() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a.py", pair_file().as_bytes());
    let fifo = d.path().join("pipe");
    let ok = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    symlink("a.py", d.path().join("link.py")).unwrap();
    symlink("nowhere", d.path().join("dangling")).unwrap();
    symlink(".", d.path().join("loop")).unwrap();
    write(d.path(), "secret.txt", pair_file().as_bytes());
    std::fs::set_permissions(
        d.path().join("secret.txt"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    let out = akscan(&["scan", "--format", "json", "."], d.path());
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    if ok {
        assert_eq!(v["stats"]["skipped"]["special"], 1);
    }
    assert_eq!(v["stats"]["skipped"]["symlink"], 3);
    // root can read anything; otherwise the unreadable file is counted and warned about
    let readable = std::fs::read(d.path().join("secret.txt")).is_ok();
    if !readable {
        assert_eq!(v["stats"]["skipped"]["unreadable"], 1);
        assert!(String::from_utf8_lossy(&out.stderr).contains("secret.txt"));
    }
}

/// `akscan rules check`: a rule file whose examples behave passes (exit 0), one whose
/// examples do not fails naming the file, the rule and the example (exit 1) without
/// printing the example's value, a file that does not load is an error naming its line
/// (exit 2), and with no file the built-in rules are checked.
#[test]
fn rules_check_runs_every_example_of_a_rule_file() {
    let d = tempfile::tempdir().unwrap();
    let rule = "[[rule]]\nid = \"dashscope-api-key\"\nkind = \"other\"\nname = \"DashScope API key\"\ndescription = \"Model Studio key\"\nseverity = \"high\"\nregex = 'sk-[0-9a-f]{32}'\nkeywords = [\"sk-\"]\ncharset = \"any\"\n";
    let key = "sk-5f0c2a9e7b3d4e1f8a6c0b2d9e7f1a3c";
    write(
        d.path(),
        "good.toml",
        format!(
            "{rule}examples = [\"KEY = '{key}'\", {{ text = \"k: {key}\", value = \"{key}\" }}]\nnegative_examples = [\"KEY = 'sk-short'\"]\n"
        )
        .as_bytes(),
    );
    let out = akscan(&["rules", "check", "good.toml"], d.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("ok   dashscope-api-key (2 examples, 1 negative)"),
        "{text}"
    );
    assert!(text.contains("1 rules, 3 examples: all pass"), "{text}");

    write(
        d.path(),
        "bad.toml",
        format!(
            "# a comment\n{rule}examples = [\"KEY = 'sk-short'\"]\nnegative_examples = [\"KEY = '{key}'\"]\n"
        )
        .as_bytes(),
    );
    let out = akscan(&["rules", "check", "bad.toml"], d.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("FAIL dashscope-api-key"), "{text}");
    assert!(
        text.contains(
            "bad.toml:3: rule `dashscope-api-key`: example 1 of 1 yields no finding of the rule"
        ),
        "{text}"
    );
    assert!(
        text.contains("negative example 1 of 1 yields 1 finding(s) of the rule"),
        "{text}"
    );
    assert!(!text.contains(key), "a value in clear: {text}");

    write(
        d.path(),
        "broken.toml",
        b"[[rule]]\nid = \"x\"\nregex = 'a(b'\n",
    );
    let out = akscan(&["rules", "check", "broken.toml"], d.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.toml:"), "{err}");

    let out = akscan(&["rules", "check"], d.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("ok   alibaba-access-key-secret"), "{text}");
}

/// This repository scanned by itself reports nothing: its test keys sit where its own
/// `.akscan.toml` excludes them, or in its baseline (a unit test's new fixture must be
/// recorded there, as the config file says).
#[test]
fn the_repository_scans_itself_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = akscan(&["scan", ".", "--format", "json"], root);
    assert_eq!(out.status.code(), Some(0), "{}", all_output(&out));
    let doc = json(&out);
    assert!(doc["stats"]["suppressed"].as_u64().unwrap() > 0, "{doc}");
    assert!(
        doc["stats"]["files_scanned"].as_u64().unwrap() > 50,
        "{doc}"
    );
}

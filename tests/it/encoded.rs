//! Keys where a line scan does not see them: base64 values, escapes, percent-encoding,
//! split string literals, continued lines, archives, notebooks and the console's CSV
//! download. Every fixture is generated here, in a temporary directory.

use std::io::{Cursor, Write};
use std::path::Path;
use std::process::Command;

use crate::common::{gzip, tar_of};
use akscan::finding::Finding;
use akscan::scan::{ScanOptions, ScanResult, Scanner};
use base64::Engine;

const ID: &str = "LTAI5tQ8bFz2KcVw9YhN3xRm";
const SECRET: &str = "Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e";

fn b64(s: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn write(dir: &Path, rel: &str, data: &[u8]) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}

fn scan_with(dir: &Path, f: impl FnOnce(&mut ScanOptions)) -> ScanResult {
    let mut opts = ScanOptions {
        paths: vec![dir.to_path_buf()],
        threads: 2,
        ..ScanOptions::default()
    };
    f(&mut opts);
    Scanner::builtin().scan(&opts).unwrap()
}

/// `akscan scan . --format json` plus `extra`, run in `dir`: the parsed report.
fn cli_json(dir: &Path, extra: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_akscan"))
        .args(["scan", ".", "--format", "json"])
        .args(extra)
        .current_dir(dir)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

fn scan(dir: &Path) -> ScanResult {
    scan_with(dir, |_| {})
}

fn rel<'a>(dir: &Path, f: &'a Finding) -> &'a str {
    let prefix = format!("{}/", dir.display());
    f.path.strip_prefix(&prefix).unwrap_or(&f.path)
}

/// (path, line, rule, encoding) of every finding.
fn summary(dir: &Path, r: &ScanResult) -> Vec<(String, usize, String, Option<String>)> {
    r.findings
        .iter()
        .map(|f| {
            (
                rel(dir, f).to_string(),
                f.line,
                f.rule_id.clone(),
                f.encoding.clone(),
            )
        })
        .collect()
}

/// The ID and the secret, paired with each other, both with `encoding`.
fn assert_pair(r: &ScanResult, encoding: &str) {
    let id = r
        .findings
        .iter()
        .find(|f| f.secret.expose() == ID)
        .unwrap_or_else(|| panic!("ID not found in {:#?}", r.findings));
    let sk = r
        .findings
        .iter()
        .find(|f| f.secret.expose() == SECRET)
        .unwrap_or_else(|| panic!("secret not found in {:#?}", r.findings));
    assert_eq!(id.encoding.as_deref(), Some(encoding), "{id:#?}");
    assert_eq!(sk.encoding.as_deref(), Some(encoding), "{sk:#?}");
    assert_eq!(id.pair.as_deref(), Some(sk.fingerprint.as_str()));
    assert_eq!(sk.pair.as_deref(), Some(id.fingerprint.as_str()));
    for f in [id, sk] {
        assert!(!f.excerpt.contains(SECRET), "excerpt leaks: {}", f.excerpt);
        assert!(!f.excerpt.contains(&b64(SECRET.as_bytes())[..20]));
    }
}

#[test]
fn kubernetes_secret_data_is_decoded() {
    let t = tempfile::tempdir().unwrap();
    let y = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: oss\ntype: Opaque\ndata:\n  accessKeyId: {}\n  accessKeySecret: {}\n",
        b64(ID.as_bytes()),
        b64(SECRET.as_bytes())
    );
    write(t.path(), "k8s/oss-secret.yaml", y.as_bytes());
    let r = scan(t.path());
    assert_pair(&r, "base64");
    let s = summary(t.path(), &r);
    assert_eq!(s.len(), 2, "{s:?}");
    assert_eq!((s[0].1, s[1].1), (7, 8));
    // reported at the encoded value
    assert_eq!(r.findings[0].column, "  accessKeyId: ".len() + 1);
}

#[test]
fn base64_inside_base64_is_decoded_once_more() {
    let t = tempfile::tempdir().unwrap();
    let inner = format!("access_key_id: {ID}\naccess_key_secret: {SECRET}\n");
    let outer = format!("credentials: {}\n", b64(inner.as_bytes()));
    let y = format!(
        "kind: Secret\ndata:\n  config.yaml: {}\n",
        b64(outer.as_bytes())
    );
    write(t.path(), "secret.yaml", y.as_bytes());
    let r = scan(t.path());
    assert_pair(&r, "base64");
    assert!(r.findings.iter().all(|f| f.line == 3));
}

#[test]
fn docker_config_auth_is_decoded() {
    let t = tempfile::tempdir().unwrap();
    let auth = b64(format!("{ID}:{SECRET}").as_bytes());
    let j = format!(
        "{{\n  \"auths\": {{\n    \"registry.cn-hangzhou.aliyuncs.com\": {{\n      \"auth\": \"{auth}\"\n    }}\n  }}\n}}\n"
    );
    write(t.path(), ".docker/config.json", j.as_bytes());
    let r = scan(t.path());
    assert_pair(&r, "base64");
    assert!(r.findings.iter().all(|f| f.line == 4));
}

#[test]
fn base64_values_in_env_files_are_decoded() {
    let t = tempfile::tempdir().unwrap();
    let e = format!(
        "# prod\nALIYUN_AK={}\nALIYUN_SK={}\n",
        b64(ID.as_bytes()),
        b64(SECRET.as_bytes())
    );
    write(t.path(), "deploy/.env", e.as_bytes());
    let r = scan(t.path());
    assert_pair(&r, "base64");
}

#[test]
fn json_unicode_escapes_are_decoded() {
    let t = tempfile::tempdir().unwrap();
    let esc = |s: &str| -> String { s.chars().map(|c| format!("\\u{:04x}", c as u32)).collect() };
    let j = format!(
        "{{\"accessKeyId\": \"{}\", \"accessKeySecret\": \"{}\"}}\n",
        esc(ID),
        esc(SECRET)
    );
    write(t.path(), "conf/app.json", j.as_bytes());
    let r = scan(t.path());
    assert_pair(&r, "json-escape");
}

#[test]
fn percent_encoded_connection_urls_are_decoded() {
    let t = tempfile::tempdir().unwrap();
    // an STS token has + / = that percent-encoding changes
    let token = format!(
        "CAIS{}+/{}==",
        "q8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e".repeat(3),
        "Vq8Hn2K"
    );
    let enc = token
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    let u = format!("url = \"https://oss.example.com/a?x=1&SecurityToken={enc}&y=2\"\n");
    write(t.path(), "app/client.py", u.as_bytes());
    let r = scan(t.path());
    let f = r
        .findings
        .iter()
        .find(|f| f.secret.expose() == token)
        .unwrap_or_else(|| panic!("token not found: {:#?}", r.findings));
    assert_eq!(f.encoding.as_deref(), Some("url"));
    assert_eq!(f.rule_id, "alibaba-sts-security-token");
}

#[test]
fn a_piece_of_a_decoded_value_is_not_reported_beside_it() {
    // the ID's first 23 characters are an ID of their own; the token's text up to its
    // first `%2B` is a token of its own
    let t = tempfile::tempdir().unwrap();
    let js = format!("const id = \"{}\" + \"{}\";\n", &ID[..23], &ID[23..]);
    write(t.path(), "web/ak.js", js.as_bytes());
    let r = scan(t.path());
    let s: Vec<&str> = r.findings.iter().map(|f| f.secret.expose()).collect();
    assert_eq!(s, [ID], "{:#?}", r.findings);

    let t = tempfile::tempdir().unwrap();
    let token = format!(
        "CAIS{}+{}=",
        "q8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e".repeat(4),
        "Vq8Hn2K"
    );
    let sts_id = "STS.NSpXDsqy6yVh8TnBMaRZkPbQ4";
    let u = format!(
        "url = \"https://b.oss-cn-hangzhou.aliyuncs.com/a?security-token={}&OSSAccessKeyId={sts_id}\"\n",
        token.replace('+', "%2B").replace('=', "%3D")
    );
    write(t.path(), "app/client.py", u.as_bytes());
    let r = scan(t.path());
    let tok: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.rule_id == "alibaba-sts-security-token")
        .collect();
    assert_eq!(tok.len(), 1, "{:#?}", r.findings);
    assert_eq!(tok[0].secret.expose(), token);
    let id = r
        .findings
        .iter()
        .find(|f| f.secret.expose() == sts_id)
        .unwrap();
    assert_eq!(id.pair.as_deref(), Some(tok[0].fingerprint.as_str()));
    assert_eq!(tok[0].pair.as_deref(), Some(id.fingerprint.as_str()));
}

#[test]
fn backslash_continued_lines_are_joined() {
    let t = tempfile::tempdir().unwrap();
    let d = format!(
        "FROM alpine\nENV ALIBABA_CLOUD_ACCESS_KEY_ID={}\\\n{} \\\n    ALIBABA_CLOUD_ACCESS_KEY_SECRET={}\\\n{}\n",
        &ID[..10],
        &ID[10..],
        &SECRET[..12],
        &SECRET[12..]
    );
    write(t.path(), "Dockerfile", d.as_bytes());
    let r = scan(t.path());
    assert_pair(&r, "line-continuation");
    let s = summary(t.path(), &r);
    assert_eq!((s[0].1, s[1].1), (2, 4), "{s:?}");
}

#[test]
fn split_string_literals_are_joined() {
    let t = tempfile::tempdir().unwrap();
    let js = format!(
        "const id = \"{}\" + \"{}\";\nconst secret = '{}' +\n    '{}';\n",
        &ID[..6],
        &ID[6..],
        &SECRET[..15],
        &SECRET[15..]
    );
    write(t.path(), "web/ak.js", js.as_bytes());
    let r = scan(t.path());
    assert_pair(&r, "split-literal");

    let t = tempfile::tempdir().unwrap();
    let py = format!(
        "ACCESS_KEY_ID = (\"{}\"\n                 \"{}\")\nACCESS_KEY_SECRET = (\"{}\"\n    \"{}\"\n    \"{}\")\n",
        &ID[..8],
        &ID[8..],
        &SECRET[..10],
        &SECRET[10..20],
        &SECRET[20..]
    );
    write(t.path(), "settings.py", py.as_bytes());
    let r = scan(t.path());
    assert_pair(&r, "split-literal");
    assert_eq!((r.findings[0].line, r.findings[1].line), (1, 3));

    let t = tempfile::tempdir().unwrap();
    let c = format!(
        "static const char *ak_id = \"{}\" \"{}\";\nstatic const char *ak_secret = \"{}\" \"{}\";\n",
        &ID[..12],
        &ID[12..],
        &SECRET[..3],
        &SECRET[3..]
    );
    write(t.path(), "src/keys.c", c.as_bytes());
    let r = scan(t.path());
    assert_pair(&r, "split-literal");
}

#[test]
fn console_csv_download_is_found() {
    let t = tempfile::tempdir().unwrap();
    let csv = format!("AccessKey ID,AccessKey Secret\n{ID},{SECRET}\n");
    write(t.path(), "Downloads/AccessKey.csv", csv.as_bytes());
    let csv2 = format!(
        "UserPrincipalName,AccessKeyId,AccessKeySecret\ndeploy@1234567890123456.onaliyun.com,{ID},{SECRET}\n"
    );
    write(t.path(), "Downloads/accesskey-2.csv", csv2.as_bytes());
    let r = scan(t.path());
    let s = summary(t.path(), &r);
    assert_eq!(s.len(), 4, "{s:?}");
    for pair in r.findings.chunks(2) {
        assert_eq!(pair[0].line, 2);
        assert_eq!(pair[0].pair.as_deref(), Some(pair[1].fingerprint.as_str()));
    }
}

fn key_file() -> String {
    format!("access_key_id = \"{ID}\"\naccess_key_secret = \"{SECRET}\"\n")
}

fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in members {
        z.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(data).unwrap();
    }
    z.finish().unwrap().into_inner()
}

#[test]
fn archive_members_are_scanned_with_their_path() {
    let t = tempfile::tempdir().unwrap();
    let k = key_file();
    write(
        t.path(),
        "dist/app.jar",
        &zip_of(&[
            ("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\n"),
            ("config/app.py", k.as_bytes()),
        ]),
    );
    write(
        t.path(),
        "dist/app.whl",
        &zip_of(&[("pkg/settings.py", k.as_bytes())]),
    );
    write(
        t.path(),
        "backup/src.tar",
        &tar_of(&[("src/a.py", b"x = 1\n"), ("src/keys.py", k.as_bytes())]),
    );
    write(
        t.path(),
        "backup/src.tgz",
        &gzip(&tar_of(&[("keys.py", k.as_bytes())])),
    );
    write(
        t.path(),
        "backup/src.tar.gz",
        &gzip(&tar_of(&[("keys.py", k.as_bytes())])),
    );
    write(t.path(), "logs/env.py.gz", &gzip(k.as_bytes()));
    let r = scan(t.path());
    let paths: std::collections::BTreeSet<String> = r
        .findings
        .iter()
        .map(|f| rel(t.path(), f).to_string())
        .collect();
    let want: std::collections::BTreeSet<String> = [
        "backup/src.tar!src/keys.py",
        "backup/src.tar.gz!keys.py",
        "backup/src.tgz!keys.py",
        "dist/app.jar!config/app.py",
        "dist/app.whl!pkg/settings.py",
        "logs/env.py.gz!env.py",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(paths, want);
    assert_eq!(r.findings.len(), 12);
    assert!(r.findings.iter().all(|f| f.pair.is_some()));
    // members are scanned files
    assert_eq!(r.stats.files_scanned, 8);
}

#[test]
fn clean_members_repeated_across_archives_are_read_once() {
    let t = tempfile::tempdir().unwrap();
    let code = "def f():\n    return 1\n".repeat(200);
    let k = key_file();
    let wheel = zip_of(&[
        ("pkg/util.py", code.as_bytes()),
        ("pkg/settings.py", k.as_bytes()),
        ("pkg/README.md", b"# notes\n"),
    ]);
    // one wheel vendored three times, once under another name
    write(t.path(), "venv1/pkg.whl", &wheel);
    write(t.path(), "venv2/pkg.whl", &wheel);
    write(t.path(), "venv3/pkg-copy.whl", &wheel);
    // the same bytes under another name, other bytes under the same name
    write(
        t.path(),
        "other.whl",
        &zip_of(&[
            ("lib/util.py", code.as_bytes()),
            ("pkg/README.md", b"# other notes\n"),
        ]),
    );
    // one thread: which copy is read first is then fixed
    let r = scan_with(t.path(), |o| o.threads = 1);
    // the member with the keys is read and reported in every copy
    let s = summary(t.path(), &r);
    assert_eq!(s.len(), 6, "{s:?}");
    for w in ["venv1/pkg.whl", "venv2/pkg.whl", "venv3/pkg-copy.whl"] {
        assert!(
            s.iter().any(|f| f.0 == format!("{w}!pkg/settings.py")),
            "{s:?}"
        );
    }
    // every member counts as scanned; the two clean ones of the second and third copy
    // were known, the renamed and the changed ones were not
    assert_eq!(r.stats.files_scanned, 11);
    assert_eq!(r.stats.archive_members_repeated, 4);
}

/// a.zip!b.zip!…: `levels` archives, the key in the innermost.
fn nested(levels: usize) -> Vec<u8> {
    let k = key_file();
    let mut data = zip_of(&[("keys.py", k.as_bytes())]);
    for i in 1..levels {
        let name = format!("level{}.zip", levels - i);
        data = zip_of(&[(name.as_str(), &data)]);
    }
    data
}

#[test]
fn nested_archives_are_opened_to_the_depth_limit() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "two.zip", &nested(2));
    write(t.path(), "four.zip", &nested(4));
    let r = scan(t.path());
    let s = summary(t.path(), &r);
    assert_eq!(s.len(), 2, "{s:?}");
    assert_eq!(s[0].0, "two.zip!level1.zip!keys.py");
    assert_eq!(r.stats.skipped.archive_depth, 1);
    assert!(r
        .warnings
        .iter()
        .any(|w| w.contains("four.zip!level1.zip!level2.zip") && w.contains("--archive-depth")));

    let r = scan_with(t.path(), |o| o.archive_depth = 4);
    let s = summary(t.path(), &r);
    assert_eq!(s.len(), 4, "{s:?}");
    assert_eq!(s[0].0, "four.zip!level1.zip!level2.zip!level3.zip!keys.py");
    assert_eq!(r.stats.skipped.archive_depth, 0);
}

/// A zip written by hand: (name, general-purpose flags, deflated data, crc, declared size).
fn raw_zip(entries: &[(&str, u16, &[u8], u32, u32)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, flags, data, crc, size) in entries {
        let offset = out.len() as u32;
        let mut h = Vec::new();
        h.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
        h.extend_from_slice(&20u16.to_le_bytes());
        h.extend_from_slice(&flags.to_le_bytes());
        h.extend_from_slice(&8u16.to_le_bytes()); // deflate
        h.extend_from_slice(&[0, 0, 0x21, 0]); // time, date
        h.extend_from_slice(&crc.to_le_bytes());
        h.extend_from_slice(&(data.len() as u32).to_le_bytes());
        h.extend_from_slice(&size.to_le_bytes());
        h.extend_from_slice(&(name.len() as u16).to_le_bytes());
        h.extend_from_slice(&0u16.to_le_bytes());
        h.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(data);
        central.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        central.extend_from_slice(&20u16.to_le_bytes());
        central.extend_from_slice(&h[4..30]);
        central.extend_from_slice(&[0u8; 6]); // comment len, disk, internal attrs
        central.extend_from_slice(&[0u8; 4]); // external attrs
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0u8; 4]);
    let n = entries.len() as u16;
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

fn deflate(data: &[u8]) -> Vec<u8> {
    let mut d = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    d.write_all(data).unwrap();
    d.finish().unwrap()
}

fn crc(data: &[u8]) -> u32 {
    let mut h = flate2::Crc::new();
    h.update(data);
    h.sum()
}

#[test]
fn zip_bombs_are_reported_not_followed() {
    let t = tempfile::tempdir().unwrap();
    let zeros = vec![0u8; 1 << 20];
    let k = key_file();
    // declares 4 GB from a megabyte of zeros; a real member after it
    let bomb = raw_zip(&[
        ("zeros.bin", 0, &deflate(&zeros), crc(&zeros), 0xFFFF_FF00),
        (
            "keys.py",
            0,
            &deflate(k.as_bytes()),
            crc(k.as_bytes()),
            k.len() as u32,
        ),
    ]);
    write(t.path(), "bomb.zip", &bomb);
    // a gzip whose content runs past the size limit
    write(t.path(), "big.log.gz", &gzip(&vec![b'a'; 4 << 20]));
    let r = scan_with(t.path(), |o| o.max_file_size = 1 << 20);
    let s = summary(t.path(), &r);
    assert_eq!(s.len(), 2, "{s:?} {:?}", r.warnings);
    assert_eq!(s[0].0, "bomb.zip!keys.py");
    assert_eq!(r.stats.skipped.archive_limit, 2, "{:?}", r.warnings);
    assert!(r
        .warnings
        .iter()
        .any(|w| w.contains("bomb.zip!zeros.bin") && w.contains("bomb")));
    assert!(r.warnings.iter().any(|w| w.contains("big.log.gz!big.log")));
}

#[test]
fn encrypted_members_are_counted() {
    let t = tempfile::tempdir().unwrap();
    let k = key_file();
    let z = raw_zip(&[
        (
            "secret.py",
            1,
            b"\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c",
            0,
            40,
        ),
        (
            "keys.py",
            0,
            &deflate(k.as_bytes()),
            crc(k.as_bytes()),
            k.len() as u32,
        ),
    ]);
    write(t.path(), "locked.zip", &z);
    let r = scan(t.path());
    assert_eq!(r.findings.len(), 2, "{:?}", r.warnings);
    assert_eq!(r.stats.skipped.encrypted, 1);
    assert!(r
        .warnings
        .iter()
        .any(|w| w.contains("locked.zip!secret.py")));
}

#[test]
fn no_archives_flag_turns_archives_off() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "app.jar", &nested(1));
    let run = |extra: &[&str]| {
        cli_json(t.path(), extra)["findings"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(run(&[]), 2);
    assert_eq!(run(&["--no-archives"]), 0);
    assert_eq!(run(&["--archive-depth", "0"]), 0);
}

fn notebook(cells: &[serde_json::Value]) -> String {
    let nb = serde_json::json!({
        "cells": cells,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}},
        "nbformat": 4,
        "nbformat_minor": 5
    });
    serde_json::to_string_pretty(&nb).unwrap()
}

#[test]
fn notebook_findings_carry_the_cell() {
    let t = tempfile::tempdir().unwrap();
    let nb = notebook(&[
        serde_json::json!({"cell_type": "markdown", "metadata": {}, "source": ["# OSS demo\n"]}),
        serde_json::json!({"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [],
            "source": ["import oss2\n", format!("auth = oss2.Auth(\"{ID}\", \"{SECRET}\")\n")]}),
        serde_json::json!({"cell_type": "code", "execution_count": 2, "metadata": {},
            "outputs": [{"name": "stdout", "output_type": "stream",
                "text": [format!("ALIBABA_CLOUD_ACCESS_KEY_ID={ID}\n"), format!("ALIBABA_CLOUD_ACCESS_KEY_SECRET={SECRET}\n")]}],
            "source": ["!env | grep ALIBABA\n"]}),
    ]);
    write(t.path(), "notebooks/demo.ipynb", nb.as_bytes());
    // and the same notebook, compact, inside a zip
    let compact: serde_json::Value = serde_json::from_str(&nb).unwrap();
    let compact = serde_json::to_vec(&compact).unwrap();
    write(t.path(), "export.zip", &zip_of(&[("demo.ipynb", &compact)]));
    let r = scan(t.path());
    let cells: Vec<(String, usize, Option<usize>)> = r
        .findings
        .iter()
        .map(|f| (rel(t.path(), f).to_string(), f.line, f.cell))
        .collect();
    assert_eq!(cells.len(), 8, "{cells:?}");
    let nb_lines: Vec<&str> = nb.lines().collect();
    for (path, line, cell) in &cells {
        let in_output = if path.starts_with("export.zip") {
            assert_eq!(*line, 1);
            continue;
        } else {
            nb_lines[line - 1].contains("ALIBABA_CLOUD")
        };
        assert_eq!(*cell, Some(if in_output { 3 } else { 2 }), "{path}:{line}");
    }
    let zipped: Vec<Option<usize>> = cells
        .iter()
        .filter(|c| c.0.starts_with("export.zip!demo.ipynb"))
        .map(|c| c.2)
        .collect();
    assert_eq!(zipped, [Some(2), Some(2), Some(3), Some(3)]);
}

/// A small deterministic generator (xorshift).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

#[test]
fn base64_of_random_bytes_is_not_a_finding() {
    let t = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut yaml = String::from("apiVersion: v1\nkind: Secret\ndata:\n");
    let mut env = String::new();
    let mut json = String::from("{\"auths\": {\n");
    for i in 0..400 {
        let n = 12 + (rng.next() % 300) as usize;
        let blob = b64(&rng.bytes(n));
        yaml.push_str(&format!("  accessKeySecret{i}: {blob}\n"));
        env.push_str(&format!("ALIYUN_SECRET_{i}={blob}\n"));
        json.push_str(&format!("  \"r{i}\": {{\"auth\": \"{blob}\"}},\n"));
    }
    json.push_str("  \"end\": {}\n}}\n");
    write(t.path(), "secret.yaml", yaml.as_bytes());
    write(t.path(), ".env", env.as_bytes());
    write(t.path(), "config.json", json.as_bytes());
    // ordinary code that concatenates, escapes and continues lines
    write(
        t.path(),
        "app.js",
        b"const msg = \"Hello \" + name + \"!\";\nconst u = 'a%2Fb' + \"\\u00e9t\\u00e9\";\nconst long = \"abcdefghij\" + \"klmnopqrst\";\n",
    );
    write(
        t.path(),
        "build.sh",
        b"docker build \\\n  --tag app:latest \\\n  .\nexport PATH=/usr/local/bin:$PATH\n",
    );
    let r = scan(t.path());
    assert!(r.findings.is_empty(), "{:#?}", summary(t.path(), &r));
    assert_eq!(r.stats.files_scanned, 5);
}

#[test]
fn random_notebooks_are_not_findings() {
    let t = tempfile::tempdir().unwrap();
    let mut rng = Rng(42);
    for n in 0..20 {
        let mut cells = Vec::new();
        for c in 0..8 {
            let code: Vec<String> = (0..5)
                .map(|l| format!("x{c}_{l} = {} * {}\n", rng.next() % 1000, rng.next() % 97))
                .collect();
            let png = b64(&rng.bytes(600));
            cells.push(
                serde_json::json!({"cell_type": "code", "execution_count": c, "metadata": {},
                "outputs": [{"output_type": "display_data", "metadata": {},
                    "data": {"image/png": png, "text/plain": ["<Figure size 640x480>"]}}],
                "source": code}),
            );
        }
        write(
            t.path(),
            &format!("nb/{n}.ipynb"),
            notebook(&cells).as_bytes(),
        );
    }
    let r = scan(t.path());
    assert!(r.findings.is_empty(), "{:#?}", summary(t.path(), &r));
    assert_eq!(r.stats.files_scanned, 20);
}

#[test]
fn no_decode_turns_decoding_off() {
    let t = tempfile::tempdir().unwrap();
    let e = format!(
        "ALIYUN_AK={}\nALIYUN_SK={}\n",
        b64(ID.as_bytes()),
        b64(SECRET.as_bytes())
    );
    write(t.path(), ".env", e.as_bytes());
    assert_eq!(scan(t.path()).findings.len(), 2);
    assert!(scan_with(t.path(), |o| o.decode = false)
        .findings
        .is_empty());
}

#[test]
fn adversarial_encoded_content_is_bounded() {
    // long lines packed with every trigger: each decoder must stay linear
    let t = tempfile::tempdir().unwrap();
    let marker = b64(format!("xxLTAI{}", "A".repeat(30)).as_bytes());
    let mut s = String::new();
    for _ in 0..20_000 {
        s.push_str("\\u0041%2B\"ab\"+");
    }
    s.push('\n');
    for _ in 0..2_000 {
        s.push_str(&marker);
        s.push_str(" secret sk ");
    }
    s.push('\n');
    s.push_str(&"x\\\n".repeat(20_000));
    s.push_str(&b64(&vec![b'a'; 3 << 20]));
    s.push('\n');
    write(t.path(), "hostile.json", s.as_bytes());
    let r = scan(t.path());
    assert_eq!(r.stats.files_scanned, 1);
    assert!(r.findings.is_empty(), "{:#?}", summary(t.path(), &r));
}

#[test]
fn in_memory_buffers_open_archives_and_notebooks_too() {
    // the path git blobs take
    let s = Scanner::builtin();
    let k = key_file();
    let f = s.scan_bytes("lib/app.jar", &zip_of(&[("config/app.py", k.as_bytes())]));
    let paths: Vec<&str> = f.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["lib/app.jar!config/app.py"; 2]);
    let nb = notebook(&[
        serde_json::json!({"cell_type": "markdown", "metadata": {}, "source": ["x\n"]}),
        serde_json::json!({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1,
            "source": [format!("ak = \"{ID}\"\n"), format!("sk = \"{SECRET}\"\n")]}),
    ]);
    let f = s.scan_bytes("nb.ipynb", nb.as_bytes());
    assert_eq!(f.len(), 2);
    assert!(f.iter().all(|f| f.cell == Some(2)));
}

#[test]
fn a_value_both_encoded_and_plain_has_two_fingerprints() {
    let t = tempfile::tempdir().unwrap();
    let e = format!(
        "ALIYUN_AK={}\nALIYUN_SK={}\n{}",
        b64(ID.as_bytes()),
        b64(SECRET.as_bytes()),
        key_file()
    );
    write(t.path(), "app/.env", e.as_bytes());
    let r = scan(t.path());
    assert_eq!(r.findings.len(), 4);
    let fps: std::collections::BTreeSet<&str> =
        r.findings.iter().map(|f| f.fingerprint.as_str()).collect();
    assert_eq!(fps.len(), 4);
    // each pairs within its own kind
    for f in &r.findings {
        let p = r
            .findings
            .iter()
            .find(|x| Some(x.fingerprint.as_str()) == f.pair.as_deref())
            .expect("partner present");
        assert_eq!(p.encoding, f.encoding);
    }
}

#[test]
fn binary_members_are_inflated_past_their_first_read_only_with_scan_binary() {
    let t = tempfile::tempdir().unwrap();
    // a native library in a wheel: binary from its first bytes, a key 200 KiB in
    let mut lib = b"\x7fELF\x02\x01\x01\0".to_vec();
    lib.resize(200 << 10, 0x90);
    lib.extend_from_slice(key_file().as_bytes());
    write(
        t.path(),
        "dist/pkg.whl",
        &zip_of(&[("pkg/native.so", &lib), ("pkg/__init__.py", b"x = 1\n")]),
    );
    let run = |extra: &[&str]| {
        let v = cli_json(t.path(), extra);
        (
            v["findings"].as_array().unwrap().len(),
            v["stats"]["skipped"]["binary"].as_u64().unwrap(),
            v["stats"]["skipped"]["archive_limit"].as_u64().unwrap(),
        )
    };
    let (found, binary, limited) = run(&[]);
    assert_eq!(
        (found, binary, limited),
        (0, 1, 0),
        "counted as binary, not scanned"
    );
    let (found, binary, _) = run(&["--scan-binary"]);
    assert_eq!(
        (found, binary),
        (2, 0),
        "--scan-binary reads the whole member"
    );

    // Sixteen such members (2.8 MiB) against a decompression budget of 8 x 300 KiB: read
    // whole, they would exhaust it; read to their first 64 KiB, they fit.
    let many: Vec<(String, Vec<u8>)> = (0..16)
        .map(|i| (format!("pkg/lib{i}.so"), lib[..180 << 10].to_vec()))
        .collect();
    let members: Vec<(&str, &[u8])> = many.iter().map(|(n, d)| (n.as_str(), &d[..])).collect();
    write(t.path(), "dist/pkg.whl", &zip_of(&members));
    let (_, binary, limited) = run(&["--max-file-size", "300K"]);
    assert_eq!(
        (binary, limited),
        (16, 0),
        "binary members inflated past their first read"
    );
}

#[test]
fn zip_members_are_read_whatever_size_and_checksum_they_declare() {
    let t = tempfile::tempdir().unwrap();
    let k = key_file();
    // past the first read (64 KiB) of a member, so the one-shot inflation also probes it
    let mut long = "# filler line of a large module\n".repeat(10_000);
    long.push_str(&k);
    let entries: Vec<(String, Vec<u8>, u32, u32)> = vec![
        // declared size too small, too large, and right
        (
            "small.py".into(),
            k.clone().into_bytes(),
            crc(k.as_bytes()),
            20,
        ),
        (
            "large.py".into(),
            k.clone().into_bytes(),
            crc(k.as_bytes()),
            4096,
        ),
        (
            "long.py".into(),
            long.clone().into_bytes(),
            crc(long.as_bytes()),
            long.len() as u32,
        ),
        // a checksum that does not match: reported, not scanned
        (
            "bad.py".into(),
            k.clone().into_bytes(),
            crc(k.as_bytes()) ^ 1,
            k.len() as u32,
        ),
    ];
    let deflated: Vec<Vec<u8>> = entries.iter().map(|e| deflate(&e.1)).collect();
    let raw: Vec<(&str, u16, &[u8], u32, u32)> = entries
        .iter()
        .zip(&deflated)
        .map(|(e, d)| (e.0.as_str(), 0, &d[..], e.2, e.3))
        .collect();
    write(t.path(), "pkg.zip", &raw_zip(&raw));
    let r = scan(t.path());
    let mut files: Vec<&str> = r.findings.iter().map(|f| rel(t.path(), f)).collect();
    files.dedup();
    assert_eq!(
        files,
        ["pkg.zip!large.py", "pkg.zip!long.py", "pkg.zip!small.py"],
        "{:?}",
        r.warnings
    );
    assert_eq!(r.findings.len(), 6);
    assert_eq!(r.stats.skipped.unreadable, 1, "{:?}", r.warnings);
    assert!(
        r.warnings.iter().any(|w| w.contains("pkg.zip!bad.py")),
        "{:?}",
        r.warnings
    );
}

//! No full secret in any output, and no output a terminal or a CI runner would obey.
//!
//! Every leak shape is scanned with every output format, and what akscan printed (standard
//! output and standard error) is searched for each value in clear, through the escapes
//! akscan decodes, with split-literal joins removed, and inside every base64 run. The
//! checks here decode on their own; they do not use akscan's redactor.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use base64::Engine;

const ID: &str = "LTAI5tQ8bFz2KcVw9YhN3xRm";
const SECRET: &str = "Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e";
const ID2: &str = "LTAI5tUu7Vq2Hd8KsPz3WcNe";
const SECRET2: &str = "KByjyMCfGipqgNWkvSm13ImKdwjJ4s";
/// Secrets only used in the minified line.
fn many(n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| {
            let mut seed = 0x9e37_79b9_7f4a_7c15u64 ^ (i as u64 * 0x1000_0001);
            let mut next = || {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                seed
            };
            const A: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
            let mut s = |k: usize| -> String {
                (0..k)
                    .map(|_| A[(next() % A.len() as u64) as usize] as char)
                    .collect()
            };
            (format!("LTAI5t{}", s(18)), s(30))
        })
        .collect()
}

/// Runs akscan in `cwd` with a deadline (a hang fails the test). Its output goes to files,
/// so a large report cannot fill a pipe and stall it.
pub fn akscan(args: &[&str], cwd: &Path) -> Output {
    let out = tempfile::tempfile().unwrap();
    let err = tempfile::tempfile().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_akscan"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(err.try_clone().unwrap())
        .spawn()
        .expect("run akscan");
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("akscan {args:?} did not finish in 120 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let read = |mut f: std::fs::File| {
        use std::io::{Read, Seek};
        let mut v = Vec::new();
        f.rewind().unwrap();
        f.read_to_end(&mut v).unwrap();
        v
    };
    Output {
        status,
        stdout: read(out),
        stderr: read(err),
    }
}

fn hexv(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// `text` with `%XX`, `\uXXXX`, `\xXX`, `&#NN;` decoded, repeatedly (a report may escape
/// an escape again), and backslashes before `/` and quotes dropped.
fn unescape(text: &str) -> String {
    let mut cur = text.as_bytes().to_vec();
    for _ in 0..3 {
        let b = &cur;
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if c == b'%' && i + 2 < b.len() {
                if let (Some(h), Some(l)) = (hexv(b[i + 1]), hexv(b[i + 2])) {
                    out.push(h * 16 + l);
                    i += 3;
                    continue;
                }
            }
            if c == b'\\' && i + 5 < b.len() && b[i + 1] == b'u' {
                let v = b[i + 2..i + 6]
                    .iter()
                    .try_fold(0u32, |a, &d| Some(a * 16 + hexv(d)? as u32));
                if let Some(v) = v.filter(|v| *v < 0x80) {
                    out.push(v as u8);
                    i += 6;
                    continue;
                }
            }
            if c == b'\\' && i + 3 < b.len() && b[i + 1] == b'x' {
                if let (Some(h), Some(l)) = (hexv(b[i + 2]), hexv(b[i + 3])) {
                    out.push(h * 16 + l);
                    i += 4;
                    continue;
                }
            }
            if c == b'&' && b.get(i + 1) == Some(&b'#') {
                let digits: Vec<u8> = b[i + 2..]
                    .iter()
                    .take_while(|d| d.is_ascii_digit())
                    .copied()
                    .collect();
                if !digits.is_empty() && b.get(i + 2 + digits.len()) == Some(&b';') {
                    let v: u32 = String::from_utf8_lossy(&digits).parse().unwrap_or(0);
                    if v < 0x80 {
                        out.push(v as u8);
                        i += 3 + digits.len();
                        continue;
                    }
                }
            }
            if c == b'\\' && matches!(b.get(i + 1), Some(b'/' | b'"' | b'\\')) {
                i += 1;
                continue;
            }
            out.push(c);
            i += 1;
        }
        cur = out;
    }
    String::from_utf8_lossy(&cur).into_owned()
}

/// Every way `out` could hold `value`; the first one found, for the failure message.
fn leak(out: &str, value: &str) -> Option<&'static str> {
    if out.contains(value) {
        return Some("plain");
    }
    let u = unescape(out);
    if u.contains(value) {
        return Some("escaped");
    }
    // split literals: the pieces with the quotes, operators and spaces between them gone
    let joined: String = u
        .chars()
        .filter(|c| !matches!(c, '"' | '\'' | ' ' | '+' | '.' | ',' | '&' | '|' | '\\'))
        .collect();
    if joined.contains(value) {
        return Some("split");
    }
    // base64 of it, at every start inside every run
    for run in u.split(|c: char| !(c.is_ascii_alphanumeric() || "+/=-_".contains(c))) {
        if run.len() < 16 {
            continue;
        }
        for start in 0..4 {
            let body: String = run[start..]
                .chars()
                .filter(|&c| c != '=')
                .map(|c| match c {
                    '-' => '+',
                    '_' => '/',
                    c => c,
                })
                .collect();
            let cut = body.len() / 4 * 4;
            let e = base64::engine::general_purpose::STANDARD_NO_PAD;
            for end in [cut, body.len()] {
                if let Ok(d) = e.decode(&body[..end]) {
                    if String::from_utf8_lossy(&d).contains(value) {
                        return Some("base64");
                    }
                }
            }
        }
    }
    None
}

/// Asserts that no value leaks from `out` and returns the text printed.
fn assert_no_leak(what: &str, out: &Output, values: &[&str]) -> String {
    let text = printed(out);
    if let Some(e) = first_leak(what, &text, values) {
        panic!("{e} in:\n{text}");
    }
    text
}

fn printed(out: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn first_leak(what: &str, text: &str, values: &[&str]) -> Option<String> {
    values
        .iter()
        .find_map(|v| leak(text, v).map(|how| format!("{what}: {v} leaks ({how})")))
}

const FORMATS: [&str; 5] = ["human", "json", "jsonl", "sarif", "github"];

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

/// The leak shapes: a file's name and text, and the values it holds.
fn shapes() -> Vec<(&'static str, String, Vec<String>)> {
    let pct: String = SECRET.bytes().map(|c| format!("%{c:02X}")).collect();
    let uesc: String = SECRET
        .chars()
        .map(|c| format!("\\u{:04x}", c as u32))
        .collect();
    let minified = {
        let m = many(40);
        let mut line = String::from("var c=[");
        for (id, sk) in &m {
            line.push_str(&format!(
                "{{accessKeyId:\"{id}\",accessKeySecret:\"{sk}\"}},"
            ));
        }
        // a copy of the first key, more than 16 detections away
        line.push_str(&format!("];var k=\"{}{}\";\n", m[0].0, m[0].1));
        let mut vals: Vec<String> = m.iter().flat_map(|(a, b)| [a.clone(), b.clone()]).collect();
        vals.dedup();
        (line, vals)
    };
    vec![
        (
            "split.py",
            format!(
                "KEYS = [\"LTAIivUaxo0oiype\", \"prefix\" \"{}\" \"{}\", \"{SECRET}\"]\n\
                 access_key_id = \"{ID}\"\n",
                &ID2[..6],
                &ID2[6..]
            ),
            vec![SECRET.into(), ID.into(), ID2.into()],
        ),
        (
            "split-issue.py",
            format!(
                "KEYS = [\"LTAIivUaxo0oiype\", \"prefix\" \"{ID2}\", \"{SECRET2}\"]\n"
            ),
            vec![SECRET2.into(), ID2.into()],
        ),
        (
            "percent.py",
            format!(
                "# 日本語のコメント\nurl = \"https://oss.example.com/?OSSAccessKeyId={ID}&AccessKeySecret={pct}\"  # 秘密 ✓\n"
            ),
            vec![SECRET.into(), ID.into()],
        ),
        (
            "b64.py",
            format!(
                "access_key_id = \"{ID}\"\naccess_key_secret = \"{SECRET}\"  # b64 {}\n",
                b64(SECRET)
            ),
            vec![SECRET.into(), ID.into()],
        ),
        (
            "glued.sh",
            format!(
                "ALIBABA_CLOUD_ACCESS_KEY_ID={ID}\nALIBABA_CLOUD_ACCESS_KEY_SECRET={SECRET}\necho \"x${{A}}{ID}{SECRET}y\"\nprint(\"{ID}{SECRET}\")\n"
            ),
            vec![SECRET.into(), ID.into()],
        ),
        (
            "escaped.js",
            format!(
                "const accessKeyId = \"{ID}\";\nconst accessKeySecret = \"{SECRET}\"; // \"{uesc}\"\n"
            ),
            vec![SECRET.into(), ID.into()],
        ),
        (
            "splitcopy.py",
            format!(
                "access_key_id = \"{ID}\"\naccess_key_secret = \"{SECRET}\"  # was \"{}\" + \"{}\" + \"{}\"\n",
                &SECRET[..7],
                &SECRET[7..19],
                &SECRET[19..]
            ),
            vec![SECRET.into(), ID.into()],
        ),
        (
            "allowed.py",
            format!(
                "access_key_secret = \"{SECRET2}\"  # akscan:allow\naccess_key_id = \"{ID2}\"  # old secret {SECRET2}, b64 {}\n",
                b64(SECRET2)
            ),
            vec![SECRET2.into(), ID2.into()],
        ),
        ("min.js", minified.0, minified.1),
    ]
}

#[test]
fn no_leak_shape_shows_a_value_in_any_format() {
    let mut cases = 0;
    let mut leaks: Vec<String> = Vec::new();
    for (name, text, values) in shapes() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join(name), &text).unwrap();
        let vals: Vec<&str> = values.iter().map(String::as_str).collect();
        for f in FORMATS {
            let out = akscan(&["scan", "--format", f, "."], d.path());
            assert_eq!(
                out.status.code(),
                Some(1),
                "{name} {f}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            leaks.extend(first_leak(&format!("{name} as {f}"), &printed(&out), &vals));
            cases += 1;
        }
        // fix: the diff, and its SARIF
        for f in ["human", "sarif"] {
            let out = akscan(&["fix", "--format", f, "."], d.path());
            assert!(matches!(out.status.code(), Some(0 | 1)), "{name} fix");
            leaks.extend(first_leak(
                &format!("{name}: fix as {f}"),
                &printed(&out),
                &vals,
            ));
            cases += 1;
        }
    }
    assert_eq!(cases, shapes().len() * 7);
    eprintln!("{cases} leak shape x format cases");
    assert!(
        leaks.is_empty(),
        "{} leaks:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
}

#[test]
fn a_baseline_hides_nothing_in_clear() {
    // keys recorded in a baseline are not reported, and not shown either
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("old.py"),
        format!("access_key_id = \"{ID2}\"\naccess_key_secret = \"{SECRET2}\"\n"),
    )
    .unwrap();
    let out = akscan(&["scan", "--write-baseline", "base.json", "."], d.path());
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    std::fs::write(
        d.path().join("new.py"),
        format!(
            "access_key_id = \"{ID}\"\naccess_key_secret = \"{SECRET}\"  # replaces {SECRET2} / {}\n",
            b64(SECRET2)
        ),
    )
    .unwrap();
    let vals = [ID, SECRET, ID2, SECRET2];
    for f in FORMATS {
        let out = akscan(
            &["scan", "--baseline", "base.json", "--format", f, "."],
            d.path(),
        );
        assert_eq!(out.status.code(), Some(1));
        assert_no_leak(&format!("baseline, {f}"), &out, &vals);
    }
    let out = akscan(&["fix", "--baseline", "base.json", "."], d.path());
    assert_no_leak("baseline, fix", &out, &vals);
}

#[test]
fn show_secrets_still_shows_them() {
    // the check above can see a value: with --show-secrets it must
    let d = tempfile::tempdir().unwrap();
    let (name, text, _) = shapes().swap_remove(2);
    std::fs::write(d.path().join(name), text).unwrap();
    let out = akscan(
        &["scan", "--show-secrets", "--format", "json", "."],
        d.path(),
    );
    let s = String::from_utf8_lossy(&out.stdout);
    assert_eq!(leak(&s, SECRET), Some("plain"));
    assert_eq!(leak(&b64(SECRET), SECRET), Some("base64"));
    let split = format!("'{}' + \"{}\"", &SECRET[..9], &SECRET[9..]);
    assert_eq!(leak(&split, SECRET), Some("split"));
}

// ---- control characters and CI commands ----

/// Hostile strings: terminal escapes, C1 and bidi controls, and CI commands at a line's
/// start after a line break.
fn hostile() -> Vec<(&'static str, &'static str)> {
    vec![
        ("csi", "a\x1b[2J\x1b[31mred"),
        ("osc", "t\x1b]0;pwned title\x07x"),
        (
            "osc8",
            "\x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\",
        ),
        ("c1", "a\u{9b}31mb"),
        ("bidi", "admin\u{202e}txt.exe"),
        ("isolate", "x\u{2066}y\u{2069}"),
        ("cr", "safe\roverwritten"),
        ("gh-command", "x\n::error file=a.py,line=1::forged"),
        ("gh-lead", "::warning::forged"),
        ("gh-stop", "x\n::stop-commands::tok"),
        ("old-command", "x\n##[error]forged"),
        ("azure", "x\n##vso[task.setvariable variable=a]1"),
        ("bell", "ding\x07\x08\x7f"),
    ]
}

/// No raw control (tab and line ends aside), no bidi control, and no line that a runner
/// would take as a command, unless `own` says the line is akscan's own command.
fn assert_inert(what: &str, text: &str, own: impl Fn(&str) -> bool) {
    for (n, line) in text.split('\n').enumerate() {
        let body = line.strip_suffix('\r').unwrap_or(line);
        for c in body.chars() {
            let bad = (c.is_control() && c != '\t')
                || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}');
            assert!(!bad, "{what}: raw {c:?} on line {}: {line:?}", n + 1);
        }
        let t = line.trim_start();
        if (t.starts_with("::") || t.starts_with("##[") || t.starts_with("##vso[")) && !own(line) {
            panic!("{what}: line {} is a CI command: {line:?}", n + 1);
        }
    }
}

/// A line of akscan's own `--format github` output: one command whose data has no line
/// break and no `::` that could end it early.
fn own_github_line(line: &str) -> bool {
    let Some(rest) = ["::error file=", "::warning file=", "::notice file="]
        .iter()
        .find_map(|p| line.strip_prefix(p))
    else {
        return false;
    };
    // properties escape `:` and `,`, so the first `::` ends them
    rest.split_once("::")
        .is_some_and(|(props, _)| !props.contains('\n'))
}

fn rule_file(name: &str) -> String {
    let esc = name
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
        .replace('\x1b', "\\u001b")
        .replace('\x07', "\\u0007")
        .replace('\x08', "\\u0008")
        .replace('\x7f', "\\u007f")
        .replace('\u{9b}', "\\u009b");
    format!(
        "[[rule]]\nid = \"custom-token\"\nkind = \"other\"\nname = \"{esc}\"\ndescription = \"d\"\nseverity = \"high\"\nregex = 'zzk_[a-z0-9]{{20}}'\nkeywords = [\"zzk_\"]\n"
    )
}

#[test]
fn outside_strings_reach_no_terminal_or_ci_runner_raw() {
    let mut cases = 0;
    for (label, evil) in hostile() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        // a rule name from a rule file the scanned tree's config loads
        std::fs::write(p.join("rules.toml"), rule_file(evil)).unwrap();
        std::fs::write(
            p.join(".akscan.toml"),
            "[rules]\nfiles = [\"rules.toml\"]\n",
        )
        .unwrap();
        // a file name and a file's contents
        let fname = format!("f{}.py", evil.replace('/', "_"));
        std::fs::write(p.join(&fname), "token = \"zzk_abcdefghij0123456789\"\n").unwrap();
        // (fix rewrites no file with such a name: the diff's file has an ordinary one)
        std::fs::write(
            p.join("plain.py"),
            format!("access_key_id = \"{ID}\"  # {evil}\naccess_key_secret = \"{SECRET}\"\n"),
        )
        .unwrap();
        for f in ["human", "github"] {
            let out = akscan(&["scan", "--format", f, "."], p);
            assert_eq!(out.status.code(), Some(1), "{label} {f}: {out:?}");
            let so = String::from_utf8_lossy(&out.stdout);
            let se = String::from_utf8_lossy(&out.stderr);
            if f == "github" {
                assert_inert(&format!("{label}: github stdout"), &so, own_github_line);
                assert_eq!(
                    so.lines().count(),
                    3,
                    "{label}: one command a finding:\n{so}"
                );
            } else {
                assert_inert(&format!("{label}: human stdout"), &so, |_| false);
                assert!(so.contains("custom-token"), "{so}");
            }
            assert_inert(&format!("{label}: {f} stderr"), &se, |_| false);
            cases += 1;
        }
        // fix: the diff shows the file's lines
        let out = akscan(&["fix", "."], p);
        assert_inert(
            &format!("{label}: fix stdout"),
            &String::from_utf8_lossy(&out.stdout),
            |_| false,
        );
        assert_inert(
            &format!("{label}: fix stderr"),
            &String::from_utf8_lossy(&out.stderr),
            |_| false,
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("+++ b/plain.py"),
            "{label}: no diff: {out:?}"
        );
        cases += 1;
        // a config error that quotes the config file, and a rule-file error
        std::fs::write(
            p.join(".akscan.toml"),
            format!(
                "[rules]\nfiles = [\"rules.toml\"]\nbogus = \"{}\"\n{evil} = 1\n",
                evil.replace('\n', "\\n").replace('\x1b', "\\u001b")
            ),
        )
        .unwrap();
        let out = akscan(&["scan", "."], p);
        assert_eq!(out.status.code(), Some(2), "{label}: config error");
        assert_inert(
            &format!("{label}: config error"),
            &String::from_utf8_lossy(&out.stderr),
            |_| false,
        );
        std::fs::write(
            p.join(".akscan.toml"),
            "[rules]\nfiles = [\"rules.toml\"]\n",
        )
        .unwrap();
        std::fs::write(
            p.join("rules.toml"),
            format!("[[rule]]\nid = \"x\"\n{evil}\n"),
        )
        .unwrap();
        let out = akscan(&["scan", "."], p);
        assert_eq!(out.status.code(), Some(2), "{label}: rule error");
        assert_inert(
            &format!("{label}: rule-file error"),
            &String::from_utf8_lossy(&out.stderr),
            |_| false,
        );
        cases += 2;
    }
    assert_eq!(cases, hostile().len() * 5);
    eprintln!("{cases} control-character x output cases");
}

/// Every fuzzer input kept in `tests/data/fuzz/` (the `detect` target's findings among
/// them): its values, taken from a `--show-secrets` run, appear in no format without it.
#[test]
fn fuzz_regressions_leak_nothing() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let mut files = 0;
    let mut leaks: Vec<String> = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        let d = tempfile::tempdir().unwrap();
        std::fs::copy(&path, d.path().join("input.txt")).unwrap();
        let out = akscan(
            &["scan", "--show-secrets", "--format", "json", "input.txt"],
            d.path(),
        );
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let values: Vec<String> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["secret"].as_str().unwrap().to_string())
            .filter(|v| v.len() >= 8)
            .collect();
        let vals: Vec<&str> = values.iter().map(String::as_str).collect();
        for f in FORMATS {
            let out = akscan(&["scan", "--format", f, "input.txt"], d.path());
            let what = format!("{} as {f}", path.display());
            leaks.extend(first_leak(&what, &printed(&out), &vals));
        }
        files += 1;
    }
    assert!(files >= 1);
    assert!(leaks.is_empty(), "{}", leaks.join("\n"));
}

/// A long random run of the `detect` fuzz target's invariant on this build, for machines
/// without a nightly toolchain: lines made of keys, their encoded and split copies,
/// non-ASCII text, controls and random bytes are scanned with the library, rendered in
/// every format through the output layer, and checked with [`leak`]. Ignored by default;
/// `AKSCAN_LONG_SECS` sets its length (default 60). A failing input is written to
/// `tests/data/fuzz/redact-long-<n>.txt` for [`fuzz_regressions_leak_nothing`].
#[test]
#[ignore]
fn long_run_random_outputs_leak_nothing() {
    use akscan::report::redact::{Redacting, Redactor, MIN_VALUE};
    use akscan::report::{self, Format, RenderOptions, ReportData};
    let secs: u64 = std::env::var("AKSCAN_LONG_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let scanner = akscan::scan::Scanner::builtin();
    let keys = many(64);
    let mut seed = 0x2545_f491_4f6c_dd1du64 ^ secs;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n.max(1) as u64) as usize
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    let mut runs = 0u64;
    while std::time::Instant::now() < deadline {
        let mut text = String::new();
        for _ in 0..1 + next(12) {
            let (id, sk) = &keys[next(keys.len())];
            let v = if next(2) == 0 { id } else { sk };
            let cut = 1 + next(v.len() - 1);
            let piece = match next(14) {
                0 => format!("access_key_id = \"{id}\"\n"),
                1 => format!("access_key_secret = \"{sk}\""),
                2 => format!(" # b64 {}", b64(&format!("{}{v}", "x".repeat(next(3))))),
                3 => v.chars().map(|c| format!("\\u{:04x}", c as u32)).collect(),
                4 => v.bytes().map(|c| format!("%{c:02X}")).collect(),
                5 => format!("\"{}\" + \"{}\"", &v[..cut], &v[cut..]),
                6 => format!("'{}' '{}'", &v[..cut], &v[cut..]),
                7 => format!("x{v}y"),
                8 => "日本語 ✓ ".to_string(),
                9 => ["\x1b[2J", "\n::error::x\n", "\u{202e}", "\r"][next(4)].to_string(),
                10 => (0..next(40))
                    .map(|_| (b' ' + next(95) as u8) as char)
                    .collect(),
                11 => "\n".to_string(),
                12 => format!("{{accessKeyId:\"{id}\",accessKeySecret:\"{sk}\"}},"),
                _ => v.bytes().map(|c| format!("&#{c};")).collect(),
            };
            text.push_str(&piece);
        }
        let findings = scanner.scan_bytes("t.py", text.as_bytes());
        runs += 1;
        if findings.is_empty() {
            continue;
        }
        let red = Redactor::for_findings(&findings, &[]);
        let stats = akscan::scan::Stats::default();
        let rd = ReportData {
            findings: &findings,
            suppressed: &[],
            stats: &stats,
            rules: None,
            root: None,
            base: None,
        };
        let values: Vec<&str> = findings
            .iter()
            .map(|f| f.secret.expose())
            .filter(|v| v.len() >= MIN_VALUE)
            .collect();
        for fmt in [
            Format::Human,
            Format::Json,
            Format::Jsonl,
            Format::Sarif,
            Format::Github,
        ] {
            let mut out = Vec::new();
            let mut w = Redacting::new(&mut out, &red, fmt != Format::Github);
            report::render(fmt, &rd, &RenderOptions::default(), &mut w).unwrap();
            w.finish().unwrap();
            let shown = String::from_utf8_lossy(&out);
            if let Some(e) = first_leak(&format!("{fmt:?}"), &shown, &values) {
                let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
                let file = dir.join(format!("redact-long-{runs}.txt"));
                std::fs::write(&file, &text).unwrap();
                panic!("{e} (input kept in {}):\n{shown}", file.display());
            }
        }
    }
    eprintln!("long run: {runs} inputs in {secs} s, no leak");
}

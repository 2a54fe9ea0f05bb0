//! Hostile inputs: every run finishes, exits 0 or 1 as appropriate, and reports what it
//! skipped. Nothing here may hang or panic.

use crate::common::wait_within;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const ID: &str = "LTAI5tQ8bFz2KcVw9YhN3xRm";
const SECRET: &str = "Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e";

fn pair() -> String {
    format!("access_key_id = \"{ID}\"\naccess_key_secret = \"{SECRET}\"\n")
}

/// Runs akscan with a deadline; a hang fails the test instead of blocking CI. Output is
/// read while the process runs, so a large report cannot fill the pipe and stall it.
fn akscan(args: &[&str], cwd: &Path) -> Output {
    let child = Command::new(env!("CARGO_BIN_EXE_akscan"))
        .args(args)
        .current_dir(cwd)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run akscan");
    wait_within(child, &format!("akscan {args:?}"), 120)
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn findings(v: &serde_json::Value) -> Vec<(String, u64)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[cfg(unix)]
#[test]
fn fifo_and_socket_are_never_opened() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("a.py"), pair()).unwrap();
    let fifo = d.path().join("fifo");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let _sock = std::os::unix::net::UnixListener::bind(d.path().join("sock")).unwrap();
    let v = json(&akscan(&["scan", "--format", "json", "."], d.path()));
    assert_eq!(findings(&v).len(), 2);
    assert_eq!(v["stats"]["skipped"]["special"], if made { 2 } else { 1 });
    // named explicitly, a FIFO is still not opened (opening it would block)
    if made {
        let v = json(&akscan(
            &["scan", "--format", "json", "fifo", "a.py"],
            d.path(),
        ));
        assert_eq!(v["stats"]["skipped"]["special"], 1);
    }
}

#[cfg(unix)]
#[test]
fn symlinks_loops_devices_and_dangling_links() {
    use std::os::unix::fs::symlink;
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("root");
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(root.join("a.py"), pair()).unwrap();
    symlink("..", root.join("sub/up")).unwrap();
    symlink("/dev/zero", root.join("zero")).unwrap();
    symlink("missing", root.join("dangling")).unwrap();
    std::fs::write(d.path().join("outside.py"), pair()).unwrap();
    symlink("../outside.py", root.join("escape.py")).unwrap();
    // default: links are not followed, so nothing outside the root is read
    let v = json(&akscan(&["scan", "--format", "json", "root"], d.path()));
    assert_eq!(
        findings(&v),
        [("root/a.py".to_string(), 1), ("root/a.py".to_string(), 2)]
    );
    assert_eq!(v["stats"]["skipped"]["symlink"], 4);
    // followed on request: the loop ends, /dev/zero is refused, the dangling link is reported
    let out = akscan(
        &["scan", "--format", "json", "--follow-symlinks", "root"],
        d.path(),
    );
    let v = json(&out);
    assert!(findings(&v).iter().any(|(p, _)| p == "root/escape.py"));
    assert!(
        v["stats"]["skipped"]["special"].as_u64().unwrap() >= 1,
        "{v}"
    );
    assert!(
        v["stats"]["skipped"]["unreadable"].as_u64().unwrap() >= 1,
        "{v}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_file_that_fails_to_read_is_counted_and_the_scan_goes_on() {
    // /proc/self/mem is a regular file that fails to read at offset 0, even for root.
    use std::os::unix::fs::symlink;
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("a.py"), pair()).unwrap();
    symlink("/proc/self/mem", d.path().join("mem")).unwrap();
    let out = akscan(&["scan", "--format", "json", "mem", "a.py"], d.path());
    let v = json(&out);
    assert_eq!(findings(&v).len(), 2);
    assert_eq!(v["stats"]["skipped"]["unreadable"], 1, "{v}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("mem"));
}

#[cfg(unix)]
#[test]
fn unreadable_file_and_directory() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("a.py"), pair()).unwrap();
    std::fs::create_dir(d.path().join("locked")).unwrap();
    std::fs::write(d.path().join("locked/b.py"), pair()).unwrap();
    std::fs::write(d.path().join("closed.py"), pair()).unwrap();
    std::fs::set_permissions(
        d.path().join("locked"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    std::fs::set_permissions(
        d.path().join("closed.py"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    let out = akscan(&["scan", "--format", "json", "."], d.path());
    let v = json(&out);
    let root = std::fs::read(d.path().join("closed.py")).is_ok();
    std::fs::set_permissions(
        d.path().join("locked"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    if root {
        eprintln!("running as root: permissions do not apply, only checking the scan completes");
        assert_eq!(findings(&v).len(), 6);
    } else {
        assert_eq!(findings(&v).len(), 2);
        assert_eq!(v["stats"]["skipped"]["unreadable"], 2, "{v}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("closed.py") && err.contains("locked"), "{err}");
    }
}

#[test]
fn files_changing_during_the_scan() {
    let d = tempfile::tempdir().unwrap();
    for i in 0..2000 {
        std::fs::write(
            d.path().join(format!("f{i}.py")),
            format!("x = {i}\n{}", pair()),
        )
        .unwrap();
    }
    let dir = d.path().to_path_buf();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let s2 = stop.clone();
    let churn = std::thread::spawn(move || {
        let mut i = 0;
        while !s2.load(std::sync::atomic::Ordering::Relaxed) {
            let p = dir.join(format!("f{}.py", i % 2000));
            if i % 2 == 0 {
                let _ = std::fs::remove_file(&p);
            } else {
                let _ = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&p)
                    .and_then(|f| f.set_len(3));
            }
            i += 1;
            if i % 16 == 0 {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    });
    for _ in 0..3 {
        let out = akscan(&["scan", "--format", "json", "-q", "."], d.path());
        assert!(matches!(out.status.code(), Some(0 | 1)));
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    churn.join().unwrap();
}

#[test]
fn sparse_file_of_two_gigabytes() {
    let d = tempfile::tempdir().unwrap();
    let f = std::fs::File::create(d.path().join("sparse.img")).unwrap();
    f.set_len(2 << 30).unwrap();
    std::fs::write(d.path().join("a.py"), pair()).unwrap();
    let v = json(&akscan(&["scan", "--format", "json", "."], d.path()));
    assert_eq!(v["stats"]["skipped"]["too_large"], 1);
    assert_eq!(findings(&v).len(), 2);
    // with the limit raised it is read as binary: only up to its first NUL byte
    let v = json(&akscan(
        &[
            "scan",
            "--format",
            "json",
            "--max-file-size",
            "3G",
            "sparse.img",
        ],
        d.path(),
    ));
    assert_eq!(v["stats"]["skipped"]["binary"], 1);
}

#[test]
fn files_over_the_size_limit_are_skipped_whole_whatever_their_size() {
    // A file's size is looked up only once it holds more than the first read (64 KiB):
    // over the limit, below and above that read, a file is skipped whole, its first bytes
    // unscanned; at the limit it is scanned.
    let d = tempfile::tempdir().unwrap();
    let body = |n: usize| {
        let mut t = pair();
        while t.len() < n {
            t.push_str("# filler line of a file that is over the limit\n");
        }
        t.truncate(n);
        t
    };
    std::fs::write(d.path().join("small.py"), body(3_000)).unwrap();
    std::fs::write(d.path().join("large.py"), body(300_000)).unwrap();
    std::fs::write(d.path().join("exact.py"), body(1_000)).unwrap();
    let out = akscan(
        &["scan", "--format", "json", "--max-file-size", "1000", "."],
        d.path(),
    );
    let v = json(&out);
    assert_eq!(v["stats"]["skipped"]["too_large"], 2, "{v}");
    assert_eq!(
        findings(&v),
        [("exact.py".to_string(), 1), ("exact.py".to_string(), 2)]
    );
    let warnings = String::from_utf8_lossy(&out.stderr);
    assert!(
        warnings.contains("small.py: skipped: 3000 bytes"),
        "{warnings}"
    );
    assert!(
        warnings.contains("large.py: skipped: 300000 bytes"),
        "{warnings}"
    );
}

#[test]
fn single_line_file_of_100_megabytes_with_a_key_at_the_end() {
    let d = tempfile::tempdir().unwrap();
    let mut data = Vec::with_capacity(100_000_100);
    let unit = b"var a=\"abcdefghij\",b=[1,2,3],c=function(){return a+b};";
    while data.len() < 100_000_000 - 100 {
        data.extend_from_slice(unit);
    }
    data.extend_from_slice(
        format!("var k={{accessKeyId:\"{ID}\",accessKeySecret:\"{SECRET}\"}};").as_bytes(),
    );
    std::fs::write(d.path().join("huge.min.js"), &data).unwrap();
    let v = json(&akscan(
        &["scan", "--format", "json", "huge.min.js"],
        d.path(),
    ));
    let f = findings(&v);
    assert_eq!(
        f,
        [
            ("huge.min.js".to_string(), 1),
            ("huge.min.js".to_string(), 1)
        ]
    );
}

#[test]
fn deep_nesting_and_many_small_files() {
    let d = tempfile::tempdir().unwrap();
    let mut p = d.path().join("deep");
    for _ in 0..1000 {
        p.push("d");
    }
    std::fs::create_dir_all(&p).unwrap();
    std::fs::write(
        p.join("key.env"),
        format!("ALIBABA_CLOUD_ACCESS_KEY_SECRET={SECRET}\n"),
    )
    .unwrap();
    let many = d.path().join("many");
    for i in 0..100_000 {
        let sub = many.join(format!("{}", i % 100));
        if i < 100 {
            std::fs::create_dir_all(&sub).unwrap();
        }
        std::fs::write(sub.join(format!("{i}.txt")), b"x").unwrap();
    }
    std::fs::write(
        many.join("0/key.env"),
        format!("ALIBABA_CLOUD_ACCESS_KEY_SECRET={SECRET}\n"),
    )
    .unwrap();
    let v = json(&akscan(&["scan", "--format", "json", "-q", "."], d.path()));
    assert_eq!(findings(&v).len(), 2, "{}", v["stats"]);
    assert!(v["stats"]["files_scanned"].as_u64().unwrap() >= 100_002);
}

#[cfg(unix)]
#[test]
fn strange_file_names() {
    use std::os::unix::ffi::OsStrExt;
    let d = tempfile::tempdir().unwrap();
    let bad = std::ffi::OsStr::from_bytes(b"caf\xe9-\xff.env");
    std::fs::write(d.path().join(bad), pair()).unwrap();
    std::fs::write(d.path().join("new\nline.py"), pair()).unwrap();
    std::fs::write(d.path().join("\x1b[31mred.py"), pair()).unwrap();
    let out = akscan(&["scan", "--format", "json", "."], d.path());
    let v = json(&out);
    assert_eq!(findings(&v).len(), 6);
    // the human report shows control characters escaped, never raw
    let out = akscan(&["scan", "--color", "never", "."], d.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains('\x1b'), "raw escape in output:\n{text}");
    assert!(text.contains("\\x1b[31mred.py"), "{text}");
    assert!(text.contains("new\\x0aline.py"), "{text}");
}

#[test]
fn control_characters_in_contents_are_neutralised() {
    let d = tempfile::tempdir().unwrap();
    let line = format!(
        "x = 1 \x1b[2J\x1b[1;1H\r# {}\u{202e} access_key_secret = \"{SECRET}\"\n",
        "hidden"
    );
    std::fs::write(d.path().join("evil.py"), line).unwrap();
    let out = akscan(&["scan", "--color", "never", "."], d.path());
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains('\x1b') && !text.contains('\r') && !text.contains('\u{202e}'),
        "{text:?}"
    );
    assert!(
        text.contains("\\x1b[2J") && text.contains("\\u{202e}"),
        "{text}"
    );
}

#[test]
fn nul_bytes_after_a_key() {
    let d = tempfile::tempdir().unwrap();
    let mut data = pair().into_bytes();
    data.extend(std::iter::repeat_n(0u8, 100_000));
    data.extend_from_slice(b"more binary \x01\x02");
    std::fs::write(d.path().join("dump.bin"), data).unwrap();
    let v = json(&akscan(&["scan", "--format", "json", "."], d.path()));
    assert_eq!(findings(&v).len(), 2);
    assert_eq!(v["stats"]["skipped"]["binary"], 1);
}

#[test]
fn bad_rule_files_exit_2_with_file_and_line() {
    let d = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str, &str)] = &[
        ("regex.toml", "[[rule]]\nid = \"a\"\nkind = \"other\"\nname = \"n\"\ndescription = \"d\"\nseverity = \"low\"\nregex = '[a-'\nkeywords = [\"a\"]\n", ":7:"),
        ("unknown.toml", "[[rule]]\nid = \"a\"\nkind = \"other\"\nname = \"n\"\ndescription = \"d\"\nseverity = \"low\"\nregex = 'abc'\nkeywords = [\"a\"]\nbogus = true\n", ":9:"),
        ("huge.toml", "[[rule]]\nid = \"a\"\nkind = \"other\"\nname = \"n\"\ndescription = \"d\"\nseverity = \"low\"\nregex = '((a{100}){100}){100}'\nkeywords = [\"a\"]\n", ":7:"),
        ("syntax.toml", "[[rule]\nid = \"a\"\n", ":1:"),
        ("kind.toml", "[[rule]]\nid = \"a\"\nkind = \"password\"\nname = \"n\"\ndescription = \"d\"\nseverity = \"low\"\nregex = 'abc'\nkeywords = [\"a\"]\n", ":3:"),
        ("binary.toml", "\u{0}\u{1}garbage", ":1:"),
    ];
    for (name, text, want) in cases {
        std::fs::write(d.path().join(name), text).unwrap();
        let start = Instant::now();
        let out = akscan(&["scan", "--rules", name, "."], d.path());
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{name} took too long"
        );
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(&format!("{name}{want}")), "{name}: {err}");
        assert_eq!(
            err.lines().count(),
            1,
            "{name}: one clear line expected: {err}"
        );
    }
}

#[test]
fn the_scan_never_writes_into_the_tree() {
    let d = tempfile::tempdir().unwrap();
    std::fs::create_dir(d.path().join("src")).unwrap();
    std::fs::write(d.path().join("src/a.py"), pair()).unwrap();
    let listing = |p: &Path| -> Vec<(String, u64, std::time::SystemTime)> {
        let mut v: Vec<_> = walk(p)
            .into_iter()
            .map(|e| {
                let m = std::fs::symlink_metadata(&e).unwrap();
                (e.display().to_string(), m.len(), m.modified().unwrap())
            })
            .collect();
        v.sort();
        v
    };
    let before = listing(d.path());
    for fmt in ["human", "json", "jsonl"] {
        akscan(&["scan", "--format", fmt, "src"], d.path());
    }
    assert_eq!(before, listing(d.path()));
}

fn walk(p: &Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![p.to_path_buf()];
    if p.is_dir() {
        for e in std::fs::read_dir(p).unwrap() {
            out.extend(walk(&e.unwrap().path()));
        }
    }
    out
}

#[test]
fn keys_straddling_chunk_boundaries_are_found_on_their_lines() {
    use akscan::source::read::{CHUNK, OVERLAP};
    // where one chunk's report range ends, where a chunk's bytes end, and the second
    // chunk's end: the ID value straddles each of them
    let boundaries = [CHUNK - OVERLAP / 2, CHUNK, 2 * CHUNK - OVERLAP];
    let prefix = "access_key_id = \"";
    let filler = "let total = compute(items, 42); // plain code, nothing to see\n";
    let mut data = String::with_capacity(2 * CHUNK + (1 << 20));
    let mut want = Vec::new();
    for b in boundaries {
        let line_start = b - 10 - prefix.len();
        while data.len() + filler.len() + 2 <= line_start {
            data.push_str(filler);
        }
        let pad = line_start - data.len();
        assert!(pad >= 2);
        data.push('#');
        data.push_str(&"x".repeat(pad - 2));
        data.push('\n');
        assert_eq!(data.len(), line_start);
        let line = data.matches('\n').count() as u64 + 1;
        data.push_str(&pair());
        want.push(("big.rs".to_string(), line));
        want.push(("big.rs".to_string(), line + 1));
    }
    for _ in 0..(1 << 20) / filler.len() {
        data.push_str(filler);
    }
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("big.rs"), &data).unwrap();
    let v = json(&akscan(&["scan", "--format", "json", "big.rs"], d.path()));
    assert_eq!(findings(&v), want);
    assert_eq!(v["stats"]["bytes_scanned"], data.len() as u64);
}

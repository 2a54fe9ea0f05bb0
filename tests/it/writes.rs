//! What akscan writes, and what it reads besides the scanned files (issue 24, sections 4
//! and 5): `-o` and `--write-baseline` replace their file whole or not at all, keeping its
//! owner and mode; `fix --apply` keeps owner, group, mode and extended attributes and
//! refuses hard links; rule, config and baseline files are bounded regular files; a fix
//! diff of thousands of findings is what `git apply` takes. Every test runs the real binary
//! on real files; write failures come from the kernel (a file size limit, `/dev/full`).

use crate::common::Out;
use std::io::Write;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ID: &str = "LTAI5tQ8bFz2KcVw9YhN3xRm";
const SECRET: &str = "Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e";

fn run(mut cmd: Command) -> Out {
    cmd.env("NO_COLOR", "1");
    Out::of(cmd)
}

fn akscan(dir: &Path, args: &[&str]) -> Out {
    let mut c = Command::new(env!("CARGO_BIN_EXE_akscan"));
    c.args(args).current_dir(dir);
    run(c)
}

/// akscan under a shell that first runs `setup` (`ulimit -f 2`, `umask 027`); SIGXFSZ is
/// ignored so that going over the file size limit is a write error (EFBIG), as on a full
/// disk, rather than a kill.
fn akscan_after(dir: &Path, setup: &str, args: &[&str]) -> Out {
    let mut c = Command::new("bash");
    c.arg("-c")
        .arg(format!("trap '' XFSZ; {setup}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_akscan"))
        .args(args)
        .current_dir(dir);
    run(c)
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions
    unsafe { libc::geteuid() == 0 }
}

/// `len` letters and digits that look random, the same for the same `seed`.
fn fake(seed: usize, len: usize) -> String {
    const A: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut x = (seed as u64)
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            A[(x >> 33) as usize % A.len()] as char
        })
        .collect()
}

/// A tree with `n` AccessKey IDs and one pair in one Python file.
fn keys(dir: &Path, n: usize) {
    let mut t = String::new();
    for i in 0..n {
        let id = format!("LTAI5t{}", fake(i, 18));
        t.push_str(&format!("access_key_id_{i} = \"{id}\"\n"));
    }
    t.push_str(&format!(
        "access_key_id = \"{ID}\"\naccess_key_secret = \"{SECRET}\"\n"
    ));
    std::fs::write(dir.join("app.py"), t).unwrap();
}

/// Files in `dir` whose names say they are akscan's temporary files.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("akscan-tmp"))
        .collect()
}

#[test]
fn output_over_the_file_size_limit_keeps_the_old_report() {
    let d = tmp();
    keys(d.path(), 20);
    for (format, file) in [("sarif", "report.sarif"), ("json", "report.json")] {
        std::fs::write(d.path().join(file), "the old report\n").unwrap();
        let o = akscan_after(
            d.path(),
            "ulimit -f 1",
            &["scan", ".", "--no-config", "--format", format, "-o", file],
        );
        assert_eq!(o.code, 2, "{format}: {}", o.stderr);
        assert!(
            o.stderr.contains(&format!("cannot write {file}")),
            "{}",
            o.stderr
        );
        assert!(o.stderr.contains("too large"), "EFBIG: {}", o.stderr);
        assert_eq!(
            std::fs::read_to_string(d.path().join(file)).unwrap(),
            "the old report\n"
        );
        assert_eq!(leftovers(d.path()), Vec::<String>::new());
    }
    // the same limit with room to spare writes the report
    let o = akscan_after(
        d.path(),
        "ulimit -f 4096",
        &[
            "scan",
            ".",
            "--no-config",
            "--format",
            "json",
            "-o",
            "report.json",
        ],
    );
    assert_eq!(o.code, 1, "{}", o.stderr);
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.path().join("report.json")).unwrap())
            .unwrap();
    assert_eq!(j["findings"].as_array().unwrap().len(), 22);
}

#[test]
fn a_baseline_over_the_file_size_limit_keeps_the_old_baseline() {
    let d = tmp();
    keys(d.path(), 1);
    let o = akscan(
        d.path(),
        &["scan", ".", "--no-config", "--write-baseline", "b.json"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    let old = std::fs::read(d.path().join("b.json")).unwrap();
    // many more findings: a baseline too large for the limit
    keys(d.path(), 60);
    let o = akscan_after(
        d.path(),
        "ulimit -f 2",
        &["scan", ".", "--no-config", "--write-baseline", "b.json"],
    );
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("b.json"), "{}", o.stderr);
    assert_eq!(std::fs::read(d.path().join("b.json")).unwrap(), old);
    assert_eq!(leftovers(d.path()), Vec::<String>::new());
    // the old baseline still works
    keys(d.path(), 1);
    let o = akscan(
        d.path(),
        &["scan", ".", "--no-config", "--baseline", "b.json"],
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
}

#[test]
fn output_to_a_device_is_written_in_place_and_its_errors_reported() {
    let d = tmp();
    keys(d.path(), 1);
    let o = akscan(d.path(), &["scan", ".", "--no-config", "-o", "/dev/full"]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("cannot write /dev/full"), "{}", o.stderr);
    assert!(o.stderr.contains("No space left"), "{}", o.stderr);
    let m = std::fs::metadata("/dev/full").unwrap();
    assert!(std::os::unix::fs::FileTypeExt::is_char_device(
        &m.file_type()
    ));
    let o = akscan(d.path(), &["scan", ".", "--no-config", "-o", "/dev/null"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    let m = std::fs::metadata("/dev/null").unwrap();
    assert!(std::os::unix::fs::FileTypeExt::is_char_device(
        &m.file_type()
    ));
}

#[test]
fn output_keeps_the_mode_owner_and_link_of_the_old_file() {
    let d = tmp();
    keys(d.path(), 1);
    let report = d.path().join("report.json");
    std::fs::write(&report, "old").unwrap();
    std::fs::set_permissions(&report, std::fs::Permissions::from_mode(0o640)).unwrap();
    if is_root() {
        std::os::unix::fs::chown(&report, Some(4321), Some(4322)).unwrap();
    } else {
        println!("note: not root: the owner part of this test is skipped");
    }
    std::os::unix::fs::symlink("report.json", d.path().join("link.json")).unwrap();
    let o = akscan(
        d.path(),
        &[
            "scan",
            ".",
            "--no-config",
            "--format",
            "json",
            "-o",
            "link.json",
        ],
    );
    assert_eq!(o.code, 1, "{}", o.stderr);
    let link = std::fs::symlink_metadata(d.path().join("link.json")).unwrap();
    assert!(link.file_type().is_symlink(), "the link is kept");
    let m = std::fs::metadata(&report).unwrap();
    assert_eq!(m.mode() & 0o7777, 0o640);
    if is_root() {
        assert_eq!((m.uid(), m.gid()), (4321, 4322));
    }
    assert!(std::fs::read_to_string(&report)
        .unwrap()
        .contains("\"findings\""));
    // a new file gets the mode the umask allows, like any other program's
    let o = akscan_after(
        d.path(),
        "umask 027",
        &["scan", ".", "--no-config", "-o", "new.txt"],
    );
    assert_eq!(o.code, 1, "{}", o.stderr);
    let m = std::fs::metadata(d.path().join("new.txt")).unwrap();
    assert_eq!(m.mode() & 0o777, 0o640);
    assert_eq!(leftovers(d.path()), Vec::<String>::new());
}

/// Runs akscan with standard input an open pipe nobody writes to; fails the test if it
/// has not ended after 30 seconds (it would otherwise wait forever).
fn akscan_stdin_open(dir: &Path, args: &[&str]) -> Out {
    let mut child = Command::new(env!("CARGO_BIN_EXE_akscan"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdin = child.stdin.take();
    let start = Instant::now();
    loop {
        if let Some(_status) = child.try_wait().unwrap() {
            break;
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("akscan {args:?} hangs");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(stdin);
    let o = child.wait_with_output().unwrap();
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

#[test]
fn rule_config_and_baseline_files_are_bounded_regular_files() {
    let d = tmp();
    keys(d.path(), 1);
    let fifo = d.path().join("fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let big = d.path().join("big.toml");
    let mut f = std::fs::File::create(&big).unwrap();
    for i in 0..40_000 {
        writeln!(f, "# a comment line to make the file large, number {i}").unwrap();
    }
    drop(f);
    // (what names the file, the akscan arguments that read it)
    let mut cases: Vec<(String, Vec<String>)> = Vec::new();
    for file in ["/dev/stdin", "/dev/zero", "fifo", "big.toml", "."] {
        // from the scanned tree's config (rules.files)
        let cfg = format!("cfg-{}.toml", cases.len());
        std::fs::write(
            d.path().join(&cfg),
            format!("[rules]\nfiles = [\"{file}\"]\n"),
        )
        .unwrap();
        cases.push((file.into(), vec!["--config".into(), cfg]));
        cases.push((file.into(), vec!["--rules".into(), file.into()]));
        cases.push((file.into(), vec!["--config".into(), file.into()]));
        if file != "big.toml" {
            // (a baseline may be far larger)
            cases.push((file.into(), vec!["--baseline".into(), file.into()]));
        }
    }
    for (file, extra) in &cases {
        let mut args = vec!["scan", "app.py"];
        args.extend(extra.iter().map(String::as_str));
        let o = akscan_stdin_open(d.path(), &args);
        assert_eq!(o.code, 2, "{args:?}: {}{}", o.stdout, o.stderr);
        assert!(
            o.stderr.contains(file.as_str()),
            "{args:?} names {file}: {}",
            o.stderr
        );
        let why = if file == "big.toml" {
            "over the limit"
        } else {
            "not a regular file"
        };
        assert!(o.stderr.contains(why), "{args:?}: {}", o.stderr);
    }
    println!("{} cases", cases.len());
}

/// A Python file with a key pair the fix rewrites.
fn fixable(dir: &Path, name: &str) {
    std::fs::write(
        dir.join(name),
        format!("import os\naccess_key_id = \"{ID}\"\naccess_key_secret = \"{SECRET}\"\n"),
    )
    .unwrap();
}

#[test]
fn fix_apply_keeps_owner_group_mode_and_extended_attributes() {
    let d = tmp();
    fixable(d.path(), "app.py");
    let p = d.path().join("app.py");
    let root = is_root();
    if root {
        std::os::unix::fs::chown(&p, Some(4321), Some(4322)).unwrap();
        // set-user-ID and set-group-ID stay for the same owner
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o6750)).unwrap();
    } else {
        println!("note: not root: the owner part of this test is skipped");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o750)).unwrap();
    }
    let xattrs = xattr::set(&p, "user.akscan.test", b"kept").is_ok();
    if !xattrs {
        println!("note: this file system takes no user extended attributes: that part is skipped");
    }
    let ino = std::fs::metadata(&p).unwrap().ino();
    let o = akscan(d.path(), &["fix", ".", "--no-config", "--apply"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let m = std::fs::metadata(&p).unwrap();
    assert_ne!(m.ino(), ino, "replaced by a new file");
    let text = std::fs::read_to_string(&p).unwrap();
    assert!(!text.contains(ID) && text.contains("os.environ"), "{text}");
    if root {
        assert_eq!((m.uid(), m.gid()), (4321, 4322));
        assert_eq!(m.mode() & 0o7777, 0o6750);
    } else {
        assert_eq!(m.mode() & 0o7777, 0o750);
    }
    if xattrs {
        assert_eq!(
            xattr::get(&p, "user.akscan.test").unwrap().as_deref(),
            Some(&b"kept"[..])
        );
    }
    assert_eq!(leftovers(d.path()), Vec::<String>::new());
}

#[test]
fn fix_apply_refuses_a_file_with_hard_links() {
    let d = tmp();
    fixable(d.path(), "app.py");
    std::fs::create_dir(d.path().join("other")).unwrap();
    std::fs::hard_link(d.path().join("app.py"), d.path().join("other/same.py")).unwrap();
    let o = akscan(d.path(), &["fix", "app.py", "--no-config", "--apply"]);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert!(o.stderr.contains("skipped app.py"), "{}", o.stderr);
    assert!(o.stderr.contains("2 hard links"), "{}", o.stderr);
    let (a, b) = (
        std::fs::metadata(d.path().join("app.py")).unwrap(),
        std::fs::metadata(d.path().join("other/same.py")).unwrap(),
    );
    assert_eq!((a.ino(), a.nlink()), (b.ino(), 2), "still one file");
    assert!(std::fs::read_to_string(d.path().join("app.py"))
        .unwrap()
        .contains(ID));
}

#[test]
fn a_fix_diff_of_thousands_of_findings_is_what_git_apply_takes() {
    let d = tmp();
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .args(args)
            .current_dir(d.path())
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    // pairs on neighbouring lines, a lone ID, lines with no key between them, an import
    // to add at the top, a last line without a line ending
    let mut t = String::from("\"\"\"doc\"\"\"\n");
    for i in 0..2500 {
        let id = format!("LTAI5t{}", fake(i, 18));
        let sk = fake(i + 100_000, 30);
        match i % 4 {
            0 => t.push_str(&format!(
                "access_key_id_{i} = \"{id}\"\naccess_key_secret_{i} = \"{sk}\"\n"
            )),
            1 => t.push_str(&format!("ak{i} = \"{id}\"\nx = {i}\ny = 2\nz = 3\nw = 4\n")),
            2 => t.push_str(&format!("ak{i} = \"{id}\"\n\n")),
            _ => t.push_str(&format!("x{i} = 1\n")),
        }
    }
    t.push_str(&format!("last = \"{ID}\""));
    std::fs::write(d.path().join("many.py"), &t).unwrap();
    let diff = akscan(d.path(), &["fix", ".", "--no-config", "--show-secrets"]);
    assert_eq!(diff.code, 1, "{}", diff.stderr);
    std::fs::write(d.path().join("p.diff"), &diff.stdout).unwrap();
    git(&["init", "-q"]);
    git(&["apply", "p.diff"]);
    let patched = std::fs::read_to_string(d.path().join("many.py")).unwrap();
    std::fs::write(d.path().join("many.py"), &t).unwrap();
    let o = akscan(d.path(), &["fix", "many.py", "--no-config", "--apply"]);
    assert!(o.stderr.contains("fixed many.py"), "{}", o.stderr);
    let applied = std::fs::read_to_string(d.path().join("many.py")).unwrap();
    assert_eq!(patched, applied, "git apply of the diff = fix --apply");
    assert!(!applied.contains("LTAI5t"));
    assert!(applied.starts_with("\"\"\"doc\"\"\"\nimport os\n"));
}

fn json(dir: &Path, args: &[&str]) -> (Out, serde_json::Value) {
    let o = akscan(dir, args);
    let j = serde_json::from_str(&o.stdout).unwrap_or(serde_json::Value::Null);
    (o, j)
}

#[test]
fn one_file_gives_at_most_the_findings_limit_and_says_so() {
    let d = tmp();
    keys(d.path(), 29); // 29 IDs and a pair: 31 findings
    let args = ["scan", ".", "--no-config", "--format", "json"];
    let (o, j) = json(
        d.path(),
        &[&args[..], &["--max-findings-per-file", "10"]].concat(),
    );
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert_eq!(j["findings"].as_array().unwrap().len(), 10);
    assert_eq!(j["stats"]["findings_dropped"], 21);
    assert!(
        o.stderr.contains("app.py: more than 10 findings") && o.stderr.contains("21 more"),
        "{}",
        o.stderr
    );
    // the first ten by place, so a rerun reports the same ones
    let lines: Vec<u64> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, (1..=10).collect::<Vec<u64>>());
    let (o, j) = json(
        d.path(),
        &[&args[..], &["--max-findings-per-file", "0"]].concat(),
    );
    assert_eq!(o.code, 1);
    assert_eq!(j["findings"].as_array().unwrap().len(), 31);
    assert_eq!(j["stats"]["findings_dropped"], 0);
    assert!(!o.stderr.contains("more than"), "{}", o.stderr);

    // one long line of one key repeated: the default limit
    let line = format!("k = [{}]\n", vec![format!("\"{ID}\""); 30_000].join(","));
    std::fs::write(d.path().join("app.py"), line).unwrap();
    let (o, j) = json(d.path(), &args);
    assert_eq!(o.code, 1, "{}", o.stderr);
    assert_eq!(j["findings"].as_array().unwrap().len(), 10_000);
    assert_eq!(j["stats"]["findings_dropped"], 20_000);
    assert!(
        o.stderr.contains("more than 10000 findings"),
        "{}",
        o.stderr
    );
}

#[test]
fn fix_reports_every_copy_it_leaves_and_never_calls_the_tree_clean() {
    let d = tmp();
    // a copy glued to other text is no finding of its own: once its name is gone, no scan
    // would find it again
    std::fs::write(
        d.path().join("app.py"),
        format!(
            "access_key_id = \"{ID}\"\naccess_key_secret = \"{SECRET}\"\n\
             # backup: abc{SECRET}xyz\n"
        ),
    )
    .unwrap();
    std::fs::write(
        d.path().join("other.py"),
        format!("other_access_key_id = \"LTAI5tHx2Lm9Qr4Tz7Wb1NcQ\"\nlog = \"s=abc{SECRET}xyz\"\n"),
    )
    .unwrap();
    let o = akscan(d.path(), &["fix", ".", "--no-config", "--apply"]);
    assert_eq!(o.code, 1, "copies are left: {}", o.stderr);
    assert!(o.stderr.contains("fixed app.py"), "{}", o.stderr);
    for (place, kind, of) in [
        ("app.py:3", "AccessKey secret", "app.py:2"),
        ("other.py:2", "AccessKey secret", "app.py:2"),
    ] {
        let want =
            format!("not fixed: {place}: {kind}: a copy of the {kind} fixed at {of} stays here");
        assert!(o.stderr.contains(&want), "{want}: {}", o.stderr);
    }
    assert!(
        !o.stderr.contains(SECRET) && !o.stderr.contains(ID),
        "{}",
        o.stderr
    );
    let text = std::fs::read_to_string(d.path().join("app.py")).unwrap();
    assert_eq!(text.matches(SECRET).count(), 1, "{text}");
    assert!(!text.contains(&format!("\"{SECRET}\"")), "{text}");
}

#[test]
fn one_key_gets_one_variable_name_in_every_file() {
    const ID2: &str = "LTAI5tHx2Lm9Qr4Tz7Wb1NcQ";
    const SECRET2: &str = "Pa4Rt8Yw2Kx6Nm3Qz9Lb5Vc7Hd1Fs0";
    let d = tmp();
    std::fs::write(
        d.path().join("a.py"),
        format!("access_key_id = \"{ID}\"\naccess_key_secret = \"{SECRET}\"\n"),
    )
    .unwrap();
    std::fs::write(
        d.path().join("b.py"),
        format!(
            "new_access_key_id = \"{ID2}\"\nnew_access_key_secret = \"{SECRET2}\"\n\
             old_access_key_id = \"{ID}\"\n"
        ),
    )
    .unwrap();
    let o = akscan(d.path(), &["fix", ".", "--no-config", "--apply"]);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let a = std::fs::read_to_string(d.path().join("a.py")).unwrap();
    let b = std::fs::read_to_string(d.path().join("b.py")).unwrap();
    assert!(
        a.contains("os.environ[\"ALIBABA_CLOUD_ACCESS_KEY_ID\"]"),
        "{a}"
    );
    assert!(
        a.contains("os.environ[\"ALIBABA_CLOUD_ACCESS_KEY_SECRET\"]"),
        "{a}"
    );
    assert!(
        b.contains("new_access_key_id = os.environ[\"ALIBABA_CLOUD_ACCESS_KEY_ID_2\"]"),
        "{b}"
    );
    assert!(
        b.contains("new_access_key_secret = os.environ[\"ALIBABA_CLOUD_ACCESS_KEY_SECRET_2\"]"),
        "{b}"
    );
    assert!(
        b.contains("old_access_key_id = os.environ[\"ALIBABA_CLOUD_ACCESS_KEY_ID\"]"),
        "the same key as in a.py, the same name: {b}"
    );
}

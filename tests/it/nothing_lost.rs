//! Nothing lost silently on the read side: every gzip member, all of standard input,
//! columns and notebook cells on lines longer than a chunk, UTF-16 without a byte-order
//! mark whatever its script. Inputs are made here, with the real binary run on them.

use crate::common::{gzip, tar_of, wait_within};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const ID: &str = "LTAI5tQ8bFz2KcVw9YhN3xRm";
const SECRET: &str = "Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e";

fn pair() -> String {
    format!("access_key_id = \"{ID}\"\naccess_key_secret = \"{SECRET}\"\n")
}

/// Runs akscan in `cwd` with `stdin` fed to it, with a deadline: a hang fails the test.
fn akscan_with(args: &[&str], cwd: &Path, stdin: Option<Vec<u8>>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_akscan"))
        .args(args)
        .current_dir(cwd)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run akscan");
    if let Some(data) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&data);
        });
    }
    wait_within(child, &format!("akscan {args:?}"), 180)
}

fn akscan(args: &[&str], cwd: &Path) -> Output {
    akscan_with(args, cwd, None)
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

/// (path, line, column, cell) of each finding of a rule.
fn places(v: &serde_json::Value, rule: &str) -> Vec<(String, u64, u64, Option<u64>)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"].as_str().unwrap() == rule)
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["cell"].as_u64(),
            )
        })
        .collect()
}

fn paths(v: &serde_json::Value) -> Vec<String> {
    let mut p: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    p.dedup();
    p
}

fn id_rule(v: &serde_json::Value) -> String {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["secret"].as_str().unwrap_or("").starts_with("LTAI"))
        .expect("an AccessKey ID finding")["rule_id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn every_member_of_a_concatenated_gzip_is_read() {
    let d = tempfile::tempdir().unwrap();
    let clean = b"INSERT INTO t VALUES (1, 'nothing here');\n".repeat(50);
    let keyed = pair();
    // `cat a.gz b.gz > dump.sql.gz`: the key is in the second member
    let mut two = gzip(&clean);
    two.extend(gzip(keyed.as_bytes()));
    std::fs::write(d.path().join("dump.sql.gz"), &two).unwrap();
    // three members, an empty one between, the key in the third
    let mut three = gzip(&clean);
    three.extend(gzip(b""));
    three.extend(gzip(keyed.as_bytes()));
    std::fs::write(d.path().join("three.log.gz"), &three).unwrap();
    // a tar written as two gzip members (split mid-member)
    let tar = tar_of(&[
        ("a/readme.txt", &b"hello\n".repeat(300)[..]),
        ("a/conf.py", keyed.as_bytes()),
    ]);
    let cut = 1024 + 300;
    let mut split = gzip(&tar[..cut]);
    split.extend(gzip(&tar[cut..]));
    std::fs::write(d.path().join("split.tar.gz"), &split).unwrap();
    let v = json(&akscan(&["scan", "--format", "json", "."], d.path()));
    assert_eq!(
        paths(&v),
        [
            "dump.sql.gz!dump.sql",
            "split.tar.gz!a/conf.py",
            "three.log.gz!three.log"
        ]
    );
    assert_eq!(v["findings"].as_array().unwrap().len(), 6);
}

#[test]
fn concatenated_gzip_members_share_one_size_budget() {
    let d = tempfile::tempdir().unwrap();
    // each member alone fits the limit, together they pass it: the bomb check still
    // counts every byte inflated
    let part = vec![b'a'; 600_000];
    let mut two = gzip(&part);
    two.extend(gzip(&part));
    two.extend(gzip(pair().as_bytes()));
    std::fs::write(d.path().join("big.txt.gz"), &two).unwrap();
    let v = json(&akscan(
        &[
            "scan",
            "--format",
            "json",
            "--max-file-size",
            "1000000",
            ".",
        ],
        d.path(),
    ));
    assert_eq!(v["stats"]["skipped"]["archive_limit"], 1, "{v}");
    assert!(v["findings"].as_array().unwrap().is_empty());
}

#[test]
fn standard_input_is_read_to_its_end_whatever_the_size_limit() {
    let d = tempfile::tempdir().unwrap();
    // 20 times the limit, the key at the end
    let mut data = b"filler line without anything in it\n".repeat(3_000);
    data.extend(pair().as_bytes());
    let out = akscan_with(
        &["scan", "--format", "json", "--max-file-size", "5000", "-"],
        d.path(),
        Some(data.clone()),
    );
    let v = json(&out);
    assert_eq!(out.status.code(), Some(1));
    let rule = id_rule(&v);
    let lines = 3_001;
    assert_eq!(
        places(&v, &rule),
        [("<stdin>".to_string(), lines, 18, None)]
    );
    assert_eq!(v["stats"]["bytes_scanned"], data.len() as u64);

    // past the default limit of 100 MiB, a single line: found at its column
    let mut big = vec![b'x'; 110 << 20];
    big.extend(format!(" k=\"{ID}\"").as_bytes());
    let v = json(&akscan_with(
        &["scan", "--format", "json", "-"],
        d.path(),
        Some(big),
    ));
    let col = (110 << 20) + 5;
    assert_eq!(places(&v, &rule), [("<stdin>".to_string(), 1, col, None)]);
}

#[test]
fn utf16_standard_input_over_the_limit_is_an_error_not_a_clean_exit() {
    let d = tempfile::tempdir().unwrap();
    // longer than the first read (64 KiB), which is decoded whole whatever the limit
    let text = "line of text\r\n".repeat(5_000) + &pair();
    let le: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(|u| u.to_le_bytes()))
        .collect();
    let out = akscan_with(
        &["scan", "--format", "json", "--max-file-size", "10000", "-"],
        d.path(),
        Some(le.clone()),
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("standard input") && err.contains("--max-file-size"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    // within the limit: found
    let v = json(&akscan_with(
        &["scan", "--format", "json", "-"],
        d.path(),
        Some(le),
    ));
    assert_eq!(v["findings"].as_array().unwrap().len(), 2);
}

/// A line of `n` characters of filler (`unit` repeated, cut at a character), then `tail`.
fn long_line(unit: &str, chars: usize, tail: &str) -> String {
    let mut s: String = unit.chars().cycle().take(chars).collect();
    s.push_str(tail);
    s
}

#[test]
fn columns_count_from_the_start_of_lines_longer_than_a_chunk() {
    let d = tempfile::tempdir().unwrap();
    // the case: a key at column 20,971,538 (three 8 MiB chunks in)
    let ascii = long_line("a=1;", 20_971_537, &format!("\"{ID}\";\n"));
    std::fs::write(d.path().join("ascii.min.js"), &ascii).unwrap();
    // two-byte characters: columns are characters, chunks are bytes
    let wide = long_line("é;", 9_000_000, &format!("\"{ID}\";\n"));
    std::fs::write(d.path().join("wide.min.js"), &wide).unwrap();
    // a second long line that starts after a chunk boundary, and a key near its start
    let mut two = long_line("b", 8_500_000, "\n");
    two.push_str(&long_line("c", 9_000_000, &format!(" \"{ID}\"\n")));
    two.push_str(&format!("x \"{ID}\"\n"));
    std::fs::write(d.path().join("two.txt"), &two).unwrap();
    let v = json(&akscan(
        &["scan", "--format", "json", "--no-decode", "."],
        d.path(),
    ));
    let rule = id_rule(&v);
    let at = |p: &str, l, c| (p.to_string(), l, c, None);
    assert_eq!(
        places(&v, &rule),
        [
            at("ascii.min.js", 1, 20_971_538 + 1),
            at("two.txt", 2, 9_000_002 + 1),
            at("two.txt", 3, 3 + 1),
            at("wide.min.js", 1, 9_000_001 + 1),
        ]
    );
    // every finding's end column is its start plus the value's length
    for f in v["findings"].as_array().unwrap() {
        let (c, e) = (f["column"].as_u64().unwrap(), f["end_column"].as_u64());
        assert_eq!(e, Some(c + ID.len() as u64), "{f}");
    }
}

#[test]
fn notebook_cells_on_lines_longer_than_a_chunk() {
    let d = tempfile::tempdir().unwrap();
    // a notebook written on one line (as some tools save it), its first cell 12 MB long
    let cell = |src: &str| {
        format!("{{\"cell_type\":\"code\",\"metadata\":{{}},\"outputs\":[],\"source\":[{src:?}]}}")
    };
    let big = long_line("data = 1 # ", 12_000_000, "");
    let nb = format!(
        "{{\"cells\":[{},{},{},{}],\"metadata\":{{}},\"nbformat\":4,\"nbformat_minor\":5}}",
        cell(&big),
        cell("print(1)"),
        cell(&format!("k = \"{ID}\"")),
        cell(&long_line("y=2;", 9_000_000, &format!("t = \"{ID}\""))),
    );
    assert!(!nb.contains('\n'));
    std::fs::write(d.path().join("one-line.ipynb"), &nb).unwrap();
    let v = json(&akscan(
        &["scan", "--format", "json", "--no-decode", "."],
        d.path(),
    ));
    let rule = id_rule(&v);
    let found: Vec<(u64, Option<u64>)> = places(&v, &rule)
        .into_iter()
        .map(|(_, _, c, cell)| (c, cell))
        .collect();
    let first = nb.find(ID).unwrap() as u64 + 1;
    let second = nb.rfind(ID).unwrap() as u64 + 1;
    assert_eq!(found, [(first, Some(3)), (second, Some(4))]);
}

fn utf16(s: &str, le: bool) -> Vec<u8> {
    s.encode_utf16()
        .flat_map(|u| if le { u.to_le_bytes() } else { u.to_be_bytes() })
        .collect()
}

#[test]
fn utf16_without_a_bom_in_any_script_is_text() {
    let d = tempfile::tempdir().unwrap();
    let zh = "# 阿里云访问密钥，请勿提交到代码仓库。生产环境使用 RAM 角色。\r\n".repeat(200);
    let ja = "' 本番環境の認証情報：アクセスキーは環境変数から読み込むこと\r\n".repeat(200);
    let latin = "Rem configuration of the deployment job\r\n".repeat(120);
    let mut expected = Vec::new();
    for (name, text) in [("zh", &zh), ("ja", &ja), ("latin", &latin)] {
        for le in [true, false] {
            let file = format!("{name}-{}.ps1", if le { "le" } else { "be" });
            let body =
                format!("{text}$access_key_id = \"{ID}\"\r\n$access_key_secret = \"{SECRET}\"\r\n");
            let bytes = utf16(&body, le);
            assert!(bytes.len() > 8192);
            std::fs::write(d.path().join(&file), bytes).unwrap();
            expected.push((file, if le { "utf-16le" } else { "utf-16be" }));
        }
    }
    expected.sort();
    let v = json(&akscan(&["scan", "--format", "json", "."], d.path()));
    assert_eq!(v["stats"]["skipped"]["binary"], 0, "{v}");
    let rule = id_rule(&v);
    let mut got: Vec<(String, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == rule.as_str())
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["encoding"].as_str().unwrap_or("none"),
            )
        })
        .collect();
    got.sort();
    let expected: Vec<(String, &str)> = expected;
    assert_eq!(got, expected);
    assert_eq!(v["findings"].as_array().unwrap().len(), 12);
}

/// A stored zip of `files`, and member `hidden` marked AES-encrypted (method 99, bit 0)
/// without the AES extra field, in both its local and its central header.
fn zip_with_bare_aes_member(files: &[(&str, &[u8])], hidden: &str) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in files {
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        z.start_file(*name, opts).unwrap();
        z.write_all(data).unwrap();
    }
    let mut zip = z.finish().unwrap().into_inner();
    for (sig, flags_at, name_at) in [(&b"PK\x03\x04"[..], 6, 30), (&b"PK\x01\x02"[..], 8, 46)] {
        let at = (0..zip.len() - name_at)
            .find(|&i| {
                zip[i..].starts_with(sig) && zip[i + name_at..].starts_with(hidden.as_bytes())
            })
            .unwrap();
        zip[at + flags_at] |= 1;
        zip[at + flags_at + 2..at + flags_at + 4].copy_from_slice(&99u16.to_le_bytes());
    }
    zip
}

#[test]
fn an_aes_member_without_its_extra_field_is_counted_and_the_rest_scanned() {
    let d = tempfile::tempdir().unwrap();
    let keyed = pair();
    let zip = zip_with_bare_aes_member(
        &[
            ("app/settings.py", keyed.as_bytes()),
            ("app/prod.env", b"ALIBABA_CLOUD_ACCESS_KEY_ID=hidden"),
            ("app/deploy.sh", keyed.as_bytes()),
        ],
        "app/prod.env",
    );
    std::fs::write(d.path().join("bundle.zip"), &zip).unwrap();
    // and inside a jar inside the tree, one level down
    let outer = zip_with_bare_aes_member(
        &[("lib/inner.zip", &zip[..]), ("x.bin", b"\x00\x01")],
        "x.bin",
    );
    std::fs::write(d.path().join("outer.jar"), &outer).unwrap();
    let v = json(&akscan(&["scan", "--format", "json", "."], d.path()));
    assert_eq!(
        paths(&v),
        [
            "bundle.zip!app/deploy.sh",
            "bundle.zip!app/settings.py",
            "outer.jar!lib/inner.zip!app/deploy.sh",
            "outer.jar!lib/inner.zip!app/settings.py",
        ]
    );
    assert_eq!(v["stats"]["skipped"]["encrypted"], 3, "{v}");
    assert_eq!(v["stats"]["skipped"]["unreadable"], 0, "{v}");
}

#[test]
fn a_member_name_of_50_megabytes_is_cut_and_its_keys_found() {
    let d = tempfile::tempdir().unwrap();
    let long = format!("{}/keys.py", "n".repeat(50 << 20));
    let keys = pair().repeat(50);
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(keys.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    b.append_data(&mut h, &long, keys.as_bytes()).unwrap();
    let tgz = gzip(&b.into_inner().unwrap());
    assert!(tgz.len() < 200_000, "{} bytes", tgz.len());
    std::fs::write(d.path().join("names.tar.gz"), &tgz).unwrap();
    let v = json(&akscan(&["scan", "--format", "json", "."], d.path()));
    let found = v["findings"].as_array().unwrap();
    assert_eq!(found.len(), 100);
    for f in found {
        let p = f["path"].as_str().unwrap();
        assert!(p.len() < 4200, "{} bytes", p.len());
        assert!(p.starts_with("names.tar.gz!nnnn"), "{}", &p[..40]);
    }
    assert_eq!(v["stats"]["archive_names_cut"], 1);
}

/// Runs the real git in `dir`, with no user or system configuration.
fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn write(dir: &Path, rel: &str, data: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}

#[test]
fn files_git_tracks_are_scanned_even_when_ignored() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    git(r, &["init", "-q"]);
    write(r, ".gitignore", "*.env\nbuild/\n");
    write(r, "app.py", "print('clean')\n");
    write(r, "prod.env", &pair());
    write(r, "build/tracked.cfg", &pair());
    git(r, &["add", ".gitignore", "app.py"]);
    git(r, &["add", "-f", "prod.env", "build/tracked.cfg"]);
    git(r, &["commit", "-q", "-m", "init"]);
    // ignored and untracked: counted, not scanned
    write(r, "local.env", &pair());
    write(r, "build/out/gen.txt", &pair());
    write(r, "build/more.txt", &pair());
    let v = json(&akscan(&["scan", "--format", "json", "."], r));
    assert_eq!(paths(&v), ["build/tracked.cfg", "prod.env"]);
    // local.env, and build/ once
    assert_eq!(v["stats"]["skipped"]["ignored"], 2, "{v}");
    // the same from a root below the work tree
    let v = json(&akscan(&["scan", "--format", "json", "build"], r));
    assert!(paths(&v).contains(&"build/tracked.cfg".to_string()), "{v}");
    // the human summary names what was left out and the flag that scans it
    let out = akscan(&["scan", "."], r);
    assert_eq!(out.status.code(), Some(1));
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("2 ignored by .gitignore/.ignore and not tracked (--no-ignore scans them)"),
        "{text}"
    );
    // --no-ignore scans everything
    let v = json(&akscan(
        &["scan", "--format", "json", "--no-ignore", "."],
        r,
    ));
    assert_eq!(
        paths(&v),
        [
            "build/more.txt",
            "build/out/gen.txt",
            "build/tracked.cfg",
            "local.env",
            "prod.env"
        ]
    );
    assert_eq!(v["stats"]["skipped"]["ignored"], 0);
}

#[test]
fn an_ignore_file_matching_everything_does_not_hide_tracked_files() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    git(r, &["init", "-q"]);
    write(r, "a.py", &pair());
    write(r, "sub/deep/b.py", &pair());
    write(r, ".ignore", "*\n");
    git(r, &["add", "-A"]);
    git(r, &["commit", "-q", "-m", "init"]);
    write(r, "untracked.txt", &pair());
    let out = akscan(&["scan", "--format", "json", "."], r);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(paths(&v), ["a.py", "sub/deep/b.py"]);
    // untracked.txt, and sub/ once
    assert_eq!(v["stats"]["skipped"]["ignored"], 2, "{v}");

    // outside any repository nothing is tracked: nothing scanned, but nothing silent
    let plain = tempfile::tempdir().unwrap();
    write(plain.path(), ".ignore", "*\n");
    write(plain.path(), "a.py", &pair());
    let v = json(&akscan(&["scan", "--format", "json", "."], plain.path()));
    assert!(v["findings"].as_array().unwrap().is_empty());
    assert_eq!(v["stats"]["skipped"]["ignored"], 2, "{v}"); // .ignore and a.py
}

#[test]
fn tracked_files_in_a_linked_worktree_and_a_hostile_index() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path().join("main");
    std::fs::create_dir(&r).unwrap();
    git(&r, &["init", "-q"]);
    write(&r, ".gitignore", "secrets/\n");
    write(&r, "secrets/prod.env", &pair());
    git(&r, &["add", ".gitignore"]);
    git(&r, &["add", "-f", "secrets/prod.env"]);
    git(&r, &["commit", "-q", "-m", "init"]);
    // a linked worktree has a `.git` file naming its git directory
    git(&r, &["worktree", "add", "-q", "../wt"]);
    let wt = d.path().join("wt");
    assert!(wt.join(".git").is_file());
    let v = json(&akscan(&["scan", "--format", "json", "."], &wt));
    assert_eq!(paths(&v), ["secrets/prod.env"]);

    // a configuration naming programs changes nothing: no git is run to read the index
    let marker = d.path().join("ran");
    let prog = d.path().join("prog.sh");
    std::fs::write(&prog, format!("#!/bin/sh\ntouch {}\n", marker.display())).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&prog, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let p = prog.to_str().unwrap();
    git(&r, &["config", "core.fsmonitor", p]);
    git(
        &r,
        &["config", "core.hooksPath", d.path().to_str().unwrap()],
    );
    let v = json(&akscan(&["scan", "--format", "json", "."], &r));
    assert_eq!(paths(&v), ["secrets/prod.env"]);
    assert!(!marker.exists(), "a program named by the repository ran");

    // an index that is a FIFO is refused without blocking, and said
    #[cfg(unix)]
    {
        let index = r.join(".git/index");
        std::fs::remove_file(&index).unwrap();
        let st = Command::new("mkfifo").arg(&index).status().unwrap();
        assert!(st.success());
        let out = akscan(&["scan", "--format", "json", "."], &r);
        let v = json(&out);
        assert!(v["findings"].as_array().unwrap().is_empty());
        assert_eq!(v["stats"]["skipped"]["ignored"], 1);
        let warned = String::from_utf8_lossy(&out.stderr);
        assert!(warned.contains("cannot read the git index"), "{warned}");
        // a corrupt index: the same
        std::fs::remove_file(&index).unwrap();
        std::fs::write(&index, b"DIRC\0\0\0\x02\xff\xff\xff\xffgarbage").unwrap();
        let v = json(&akscan(&["scan", "--format", "json", "."], &r));
        assert!(v["findings"].as_array().unwrap().is_empty());
        assert_eq!(v["stats"]["skipped"]["ignored"], 1);
    }
}

/// The second look at what ignore files left out lists only directories an ignore source
/// reaches; each place such a source can hide is still found: a repository below the
/// scanned directory whose `.ignore` hides itself and `.git`, an `.ignore` deep in a tree
/// outside any repository, and ignore files above the scanned directory.
#[test]
fn ignore_sources_are_found_wherever_they_hide() {
    let d = tempfile::tempdir().unwrap();
    let top = d.path();
    // a plain directory of projects; one is a repository hiding everything from the walk
    let r = top.join("projects/hostile");
    std::fs::create_dir_all(&r).unwrap();
    git(&r, &["init", "-q"]);
    write(&r, "deep/er/conf.py", &pair());
    write(&r, ".ignore", "*\n");
    git(&r, &["add", "-A"]);
    git(&r, &["commit", "-q", "-m", "init"]);
    write(top, "projects/plain/notes.txt", "nothing\n");
    write(top, "projects/plain/cache/.ignore", "*\n");
    write(top, "projects/plain/cache/blob.txt", &pair());
    let v = json(&akscan(&["scan", "--format", "json", "."], top));
    assert_eq!(paths(&v), ["projects/hostile/deep/er/conf.py"], "{v}");
    // hostile: deep/ (counted once; its .ignore is tracked, so scanned); cache: .ignore
    // and blob.txt
    assert_eq!(v["stats"]["skipped"]["ignored"], 3, "{v}");
    assert_eq!(v["stats"]["files_scanned"], 3, "{v}");

    // scanning below the repository's root: its root's ignore file still applies, and
    // what it hides but git tracks is scanned
    let v = json(&akscan(
        &["scan", "--format", "json", "deep"],
        &top.join("projects/hostile"),
    ));
    assert_eq!(paths(&v), ["deep/er/conf.py"], "{v}");

    // a tree with no repository and no .ignore file: nothing was left out, nothing counted
    let plain = tempfile::tempdir().unwrap();
    write(plain.path(), ".gitignore", "*.py\n"); // honoured only inside a repository
    write(plain.path(), "a/b/c.py", &pair());
    let v = json(&akscan(&["scan", "--format", "json", "."], plain.path()));
    assert_eq!(paths(&v), ["a/b/c.py"], "{v}");
    assert_eq!(v["stats"]["skipped"]["ignored"], 0, "{v}");
}

const ID2: &str = "LTAI5tW3eR7yU1iO9pA5sD2f";
const SECRET2: &str = "u8jzPde0IgxLd6GncfBAepfJBd0Kh8";

fn pair2() -> String {
    format!("access_key_id = \"{ID2}\"\naccess_key_secret = \"{SECRET2}\"\n")
}

/// Paths in reports are unambiguous: a file named like an archive member, and file names
/// that are not UTF-8, each get a path of their own (`\xNN` for such bytes, for `!` and for
/// `\`); `fix` and SARIF still reach the real file.
#[cfg(unix)]
#[test]
fn report_paths_are_unambiguous() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    std::fs::write(r.join("y.tar"), tar_of(&[("in.py", pair().as_bytes())])).unwrap();
    std::fs::write(r.join("y.tar!in.py"), pair2()).unwrap();
    std::fs::write(r.join(OsStr::from_bytes(b"k\xff.py")), pair()).unwrap();
    std::fs::write(r.join(OsStr::from_bytes(b"k\xfe.py")), pair2()).unwrap();
    std::fs::write(r.join("back\\slash.py"), pair()).unwrap();
    let v = json(&akscan(&["scan", "--format", "json", "."], r));
    assert_eq!(
        paths(&v),
        [
            "back\\x5cslash.py",
            "k\\xfe.py",
            "k\\xff.py",
            "y.tar!in.py",
            "y.tar\\x21in.py"
        ],
        "{v}"
    );
    let fps: std::collections::HashSet<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(
        fps.len(),
        10,
        "every finding has a fingerprint of its own: {v}"
    );

    // SARIF locates each file by its real bytes
    let out = akscan(&["scan", "--format", "sarif", "."], r);
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut uris: Vec<String> = s["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    uris.sort();
    uris.dedup();
    assert_eq!(
        uris,
        [
            "back%5Cslash.py",
            "k%FE.py",
            "k%FF.py",
            "y.tar!in.py",
            "y.tar%21in.py"
        ]
    );

    // fix rewrites the real files, never the archive
    let out = akscan(&["fix", ".", "--apply"], r);
    assert!(out.status.code().is_some(), "{out:?}");
    for (name, secret) in [
        (&b"y.tar!in.py"[..], SECRET2),
        (b"k\xff.py", SECRET),
        (b"k\xfe.py", SECRET2),
        (b"back\\slash.py", SECRET),
    ] {
        let text = std::fs::read_to_string(r.join(OsStr::from_bytes(name))).unwrap();
        assert!(!text.contains(secret), "{name:?} not rewritten: {text}");
    }
    assert_eq!(
        std::fs::read(r.join("y.tar")).unwrap(),
        tar_of(&[("in.py", pair().as_bytes())])
    );

    // git paths are shown the same way
    let g = tempfile::tempdir().unwrap();
    git(g.path(), &["init", "-q"]);
    std::fs::write(g.path().join("a!b.py"), pair()).unwrap();
    std::fs::write(g.path().join(OsStr::from_bytes(b"c\xff.py")), pair2()).unwrap();
    git(g.path(), &["add", "-A"]);
    git(g.path(), &["commit", "-q", "-m", "x"]);
    let v = json(&akscan(
        &["git", "--history", "--format", "json", "."],
        g.path(),
    ));
    assert_eq!(paths(&v), ["a\\x21b.py", "c\\xff.py"], "{v}");
}

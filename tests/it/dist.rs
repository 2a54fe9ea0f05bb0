//! The release artifacts of `scripts/dist.sh` (issue 25, item 1): the wheel installs into a
//! fresh virtualenv with no Rust toolchain involved and its `akscan` scans the shipped
//! `examples/`; the tarball holds the stripped binary and the documents; SHA256SUMS checks.
//!
//! .ci/run runs scripts/dist.sh before the tests (building inside `cargo test` would wait
//! on the lock of the target directory this test binary was built in) and sets
//! `AKSCAN_DIST_TESTS=1`, which makes missing artifacts a failure. Without it, and with no
//! `target/dist/`, the tests say so and pass: run `scripts/dist.sh && AKSCAN_DIST_TESTS=1
//! cargo test --release --test it dist::` to check the artifacts by hand.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn dist() -> PathBuf {
    root().join("target/dist")
}

/// Whether the artifacts are there to check: required under .ci/run, else only when built.
fn artifacts_to_check() -> bool {
    if std::env::var_os("AKSCAN_DIST_TESTS").is_some() || dist().is_dir() {
        return true;
    }
    eprintln!(
        "skipped: no {} (run scripts/dist.sh; .ci/run does, with AKSCAN_DIST_TESTS=1)",
        dist().display()
    );
    false
}

/// The one file in target/dist/ whose name ends with `suffix`.
fn artifact(suffix: &str) -> PathBuf {
    let dir = dist();
    let found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e}: run scripts/dist.sh first (.ci/run does)",
                dir.display()
            )
        })
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one *{suffix} in {}",
        dir.display()
    );
    found.into_iter().next().unwrap()
}

fn run(cmd: &mut Command) -> Output {
    let o = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        o.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// ELF section names of a binary (`readelf -S`).
fn sections(bin: &Path) -> String {
    String::from_utf8(run(Command::new("readelf").arg("-S").arg("-W").arg(bin)).stdout).unwrap()
}

#[test]
fn the_wheel_installs_into_a_fresh_virtualenv_and_scans_the_examples() {
    if !artifacts_to_check() {
        return;
    }
    let wheel = artifact(".whl");
    let version = env!("CARGO_PKG_VERSION");
    let name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with(&format!("akscan-{version}-py3-none-")),
        "{name}"
    );
    let size = std::fs::metadata(&wheel).unwrap().len();
    eprintln!("wheel {name}: {size} bytes");

    // a virtualenv with nothing in it; PATH without cargo, so nothing can be built
    let tmp = tempfile::tempdir().unwrap();
    let venv = tmp.path().join("venv");
    run(Command::new("python3").arg("-m").arg("venv").arg(&venv));
    let started = Instant::now();
    run(Command::new(venv.join("bin/python"))
        .args(["-m", "pip", "install", "--no-index", "--no-deps", "-q"])
        .arg(&wheel)
        .env("PATH", "/usr/bin:/bin")
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1"));
    let exe = venv.join("bin/akscan");
    assert!(exe.is_file(), "the wheel installed no akscan script");
    let out = Command::new(&exe)
        .args(["scan", "examples", "--color", "never"])
        .current_dir(root())
        .env("PATH", "/usr/bin:/bin")
        .output()
        .unwrap();
    eprintln!(
        "pip install of the wheel to the end of a first scan: {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{report}");
    for file in [
        "examples/python/upload_invoices.py",
        "examples/java/src/main/java/com/example/shop/SmsNotifier.java",
        "examples/go/inventory/main.go",
        "examples/web/src/upload.js",
        "examples/.env",
        "examples/deploy/k8s/worker.yaml",
        "examples/deploy/terraform/main.tf",
    ] {
        assert!(
            report.contains(&format!("{file}:")),
            "{file} not reported:\n{report}"
        );
    }
    assert!(
        report.contains("How to fix") && report.contains("akscan fix"),
        "{report}"
    );
    let v = run(Command::new(&exe).arg("--version"));
    assert_eq!(
        String::from_utf8_lossy(&v.stdout).trim(),
        format!("akscan {version}")
    );
    // the binary in the wheel is stripped: no symbol table, no debug lines
    let s = sections(&exe);
    assert!(!s.contains(".symtab") && !s.contains(".debug_line"), "{s}");
}

#[test]
fn the_tarball_holds_the_stripped_binary_and_documents_and_the_sums_check() {
    if !artifacts_to_check() {
        return;
    }
    let version = env!("CARGO_PKG_VERSION");
    let tarball = artifact(".tar.gz");
    let name = tarball.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with(&format!("akscan-{version}-")), "{name}");
    let list = run(Command::new("tar").arg("-tzf").arg(&tarball));
    let list = String::from_utf8_lossy(&list.stdout);
    let top = name.trim_end_matches(".tar.gz");
    for f in [
        "akscan",
        "README.md",
        "CHANGELOG.md",
        "LICENSE-MIT",
        "LICENSE-APACHE",
    ] {
        assert!(
            list.lines().any(|l| l == format!("{top}/{f}")),
            "{f} missing:\n{list}"
        );
    }
    let tmp = tempfile::tempdir().unwrap();
    run(Command::new("tar")
        .arg("-xzf")
        .arg(&tarball)
        .arg("-C")
        .arg(tmp.path()));
    let exe = tmp.path().join(top).join("akscan");
    let s = sections(&exe);
    assert!(!s.contains(".symtab") && !s.contains(".debug_line"), "{s}");
    let out = Command::new(&exe)
        .args(["scan", "examples", "--format", "json"])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    // SHA256SUMS names both artifacts and matches them
    let sums = std::fs::read_to_string(dist().join("SHA256SUMS")).unwrap();
    assert_eq!(sums.lines().count(), 2, "{sums}");
    run(Command::new("sha256sum")
        .args(["-c", "--strict", "SHA256SUMS"])
        .current_dir(dist()));
}

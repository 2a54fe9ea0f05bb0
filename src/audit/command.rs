//! `akscan audit` and `akscan merge` as commands: read the list or the shard files, run,
//! write the output, tell the user on standard error, and say how it ended. The command
//! line only parses its flags into a [`Request`] or [`MergeRequest`] and turns the
//! [`Ending`] into an exit status.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use super::identity::{Key, KEY_VAR};
use super::{merge, parse_list, run, AuditOptions, Shard};
use crate::config::Config;
use crate::detect::rules::RuleSet;
use crate::report::sanitize::for_terminal;
use crate::scan::{ScanResult, Scanner, DEFAULT_MAX_FILE_SIZE};
use crate::source::gitrun::GitPolicy;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Nothing found (or `--exit-zero` and the audit ran to its end).
    Clean,
    /// Findings (audit) or incidents (merge).
    Found,
    /// No findings, but a repository could not be scanned: not a clean result.
    Incomplete,
}

/// An audit as asked for.
pub struct Request {
    /// The list (`-` for standard input).
    pub list: PathBuf,
    pub shard: Option<Shard>,
    pub output: Option<PathBuf>,
    /// Repositories at once (default: `threads`).
    pub jobs: Option<usize>,
    pub exit_zero: bool,
    /// Scanning threads in all.
    pub threads: usize,
    pub max_file_size: Option<u64>,
    /// The team's configuration.
    pub config: Option<PathBuf>,
    pub rules: Vec<PathBuf>,
    pub quiet: bool,
    pub policy: GitPolicy,
}

fn read_list(list: &Path) -> Result<String, String> {
    if list.as_os_str() == "-" {
        let mut t = String::new();
        io::Read::read_to_string(&mut io::stdin(), &mut t)
            .map_err(|e| format!("cannot read the list from standard input: {e}"))?;
        return Ok(t);
    }
    let b = std::fs::read(list).map_err(|e| format!("{}: {e}", list.display()))?;
    String::from_utf8(b).map_err(|e| {
        format!(
            "{}: the list is not UTF-8 text (byte {})",
            list.display(),
            e.utf8_error().valid_up_to()
        )
    })
}

/// The scanner of the built-in rules, the config's and `extra` rule files.
fn scanner(config: &Config, extra: &[PathBuf]) -> Result<Scanner, String> {
    let mut rules = RuleSet::builtin().map_err(|e| format!("built-in rules: {e}"))?;
    config.add_rule_files(&mut rules)?;
    for f in extra {
        rules.add_file(f).map_err(|e| e.to_string())?;
    }
    config.adjust_rules(&mut rules)?;
    Ok(Scanner::new(rules))
}

/// Runs `akscan audit`.
pub fn audit(req: &Request) -> Result<Ending, String> {
    let all = parse_list(&read_list(&req.list)?);
    if all.is_empty() {
        return Err(format!(
            "{}: the list names no repository (one URL or path per line)",
            req.list.display()
        ));
    }
    let specs: Vec<String> = match req.shard {
        Some(s) => all.iter().filter(|e| s.takes(e)).cloned().collect(),
        None => all.clone(),
    };
    let key = Key::from_env()?;
    let config = match &req.config {
        Some(f) => Config::load(f).map_err(|e| e.to_string())?,
        None => Config::default(),
    };
    let scanner = scanner(&config, &req.rules)?;
    let jobs = match req.jobs {
        Some(0) => return Err("--jobs must be at least 1".into()),
        Some(n) => n.min(req.threads),
        None => req.threads,
    };
    let opts = AuditOptions {
        threads: req.threads,
        jobs,
        max_file_size: req
            .max_file_size
            .or(config.max_file_size)
            .unwrap_or(DEFAULT_MAX_FILE_SIZE),
        policy: req.policy.clone(),
        shard: req.shard,
    };
    let quiet = req.quiet;
    if !quiet && !key.keyed {
        let _ = writeln!(
            io::stderr(),
            "akscan: audit: {KEY_VAR} is not set: secret identities use a random key of this \
             run, so `akscan merge` cannot group a secret across shards or runs"
        );
    }
    let total = specs.len();
    let report = move |n: usize, repo: &str, r: Result<&ScanResult, &str>| {
        if quiet {
            return;
        }
        let line = match r {
            Ok(r) => format!(
                "[{n}/{total}] {}: {} finding{}, {} commits, {} blobs",
                for_terminal(repo),
                r.findings.len(),
                if r.findings.len() == 1 { "" } else { "s" },
                r.stats.commits,
                r.stats.files_scanned
            ),
            Err(e) => format!(
                "[{n}/{total}] {}: not scanned: {}",
                for_terminal(repo),
                for_terminal(e)
            ),
        };
        let _ = writeln!(io::stderr(), "akscan: audit: {line}");
    };
    let started = Instant::now();
    let totals = match &req.output {
        Some(path) => {
            let mut f = std::fs::File::create(path)
                .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            run(&specs, &scanner, &config, &opts, &key, &mut f, &report)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?
        }
        None => run(
            &specs,
            &scanner,
            &config,
            &opts,
            &key,
            &mut io::stdout(),
            &report,
        )
        .map_err(|e| format!("cannot write the records: {e}"))?,
    };
    if !quiet {
        let _ = writeln!(
            io::stderr(),
            "akscan: audit: {} repositor{} ({} not scanned{}), {} finding{}, {} commits, {} \
             blobs, {} bytes in {:.1} s",
            totals.repositories,
            if totals.repositories == 1 { "y" } else { "ies" },
            totals.failed,
            match req.shard {
                Some(s) => format!(
                    "; shard {}/{} of {} in the list",
                    s.index,
                    s.count,
                    all.len()
                ),
                None => String::new(),
            },
            totals.findings,
            if totals.findings == 1 { "" } else { "s" },
            totals.commits,
            totals.blobs,
            totals.bytes,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(if req.exit_zero {
        Ending::Clean
    } else if totals.findings > 0 {
        Ending::Found
    } else if totals.failed > 0 {
        Ending::Incomplete
    } else {
        Ending::Clean
    })
}

/// The report formats of a merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeFormat {
    Human,
    Json,
    Sarif,
}

/// A merge as asked for.
pub struct MergeRequest {
    pub files: Vec<PathBuf>,
    pub format: MergeFormat,
    pub output: Option<PathBuf>,
    pub quiet: bool,
}

/// Runs `akscan merge`.
pub fn merge(req: &MergeRequest) -> Result<Ending, String> {
    let files: Vec<&Path> = req.files.iter().map(PathBuf::as_path).collect();
    let merged = merge::merge(&files)?;
    let mut buf = Vec::new();
    match req.format {
        MergeFormat::Human => merge::render_human(&merged, &mut buf),
        MergeFormat::Json => merge::render_json(&merged, &mut buf),
        MergeFormat::Sarif => merge::render_sarif(&merged, &mut buf),
    }
    .map_err(|e| format!("cannot render the report: {e}"))?;
    match &req.output {
        Some(p) => crate::atomic::write(p, &buf)?,
        None => match io::stdout().lock().write_all(&buf) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
            r => r.map_err(|e| format!("cannot write the report: {e}"))?,
        },
    }
    if !req.quiet {
        let mut err = io::stderr().lock();
        // the human report on standard output already ends with them
        if req.format != MergeFormat::Human || req.output.is_some() {
            for w in &merged.warnings {
                let _ = writeln!(err, "akscan: warning: {}", for_terminal(w));
            }
        }
        let s = merged.summary();
        let _ = writeln!(
            err,
            "akscan: merge: {} incident{} in {} place{}; {} repositories ({} failed)",
            s.incidents,
            if s.incidents == 1 { "" } else { "s" },
            s.places,
            if s.places == 1 { "" } else { "s" },
            s.repositories,
            s.failed
        );
    }
    Ok(if merged.incidents.is_empty() {
        Ending::Clean
    } else {
        Ending::Found
    })
}

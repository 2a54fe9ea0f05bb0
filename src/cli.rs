//! The command line: argument parsing and the glue between the library's stages.
//! `main.rs` only calls [`main`].

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::baseline::{Baseline, Coverage};
pub use crate::config::parse_size;
use crate::config::Config;
use crate::detect::rules::RuleSet;
use crate::finding::{Suppressed, Suppression};
use crate::fix;
use crate::progress::{self, Counters, Progress};
use crate::report::redact::{Redacting, Redactor};
use crate::report::sanitize::{for_terminal, lines_for_terminal};
use crate::report::{self, Format, RenderOptions, ReportData};
use crate::scan::{ScanOptions, ScanResult, Scanner, DEFAULT_MAX_FILE_SIZE};
use crate::suppress;
use crate::verify::{self, VerifyOptions};

/// Exit code: no findings.
pub const EXIT_CLEAN: i32 = 0;
/// Exit code: findings.
pub const EXIT_FINDINGS: i32 = 1;
/// Exit code: an error (bad flag, missing path, bad rule or config file).
pub const EXIT_ERROR: i32 = 2;

const EXIT_HELP: &str = "\
Exit status: 0 no findings, 1 findings, 2 error (bad flag, missing path, bad rule file).";

#[derive(Debug, Parser)]
#[command(
    name = "akscan",
    version,
    about = "Find hardcoded Alibaba Cloud credentials (AccessKey IDs, secrets, STS tokens) and fix them",
    after_help = EXIT_HELP,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directories (and `-` for standard input).
    #[command(after_help = EXIT_HELP)]
    Scan(ScanArgs),
    /// Scan git: the staged changes (pre-commit), a commit range (CI) or all history (audit).
    #[command(after_help = GIT_HELP)]
    Git(GitArgs),
    /// The entry of the pre-commit framework's hooks: scans what the commit adds, the files
    /// named (`pre-commit run --all-files` / `--files`), or the pushed range (pre-push).
    #[command(after_help = PRE_COMMIT_HELP)]
    PreCommit(PreCommitArgs),
    /// Scan what a CI job should, read from the CI's environment: the commits a push,
    /// pull request or merge request adds (GitHub Actions, GitLab CI; --range elsewhere).
    #[command(after_help = CI_HELP)]
    Ci(CiArgs),
    /// Install a pre-commit hook that runs `akscan git --staged` (honours core.hooksPath).
    InstallHook(HookArgs),
    /// Remove the pre-commit hook written by install-hook (never another hook).
    UninstallHook(HookArgs),
    /// Replace hardcoded credentials with environment lookups: print a unified diff, or
    /// write it with --apply.
    #[command(after_help = FIX_EXIT_HELP)]
    Fix(FixArgs),
    /// Work with rule files.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Audit many repositories: the whole history of each repository of LIST (or of one
    /// shard of it), written as JSON Lines for `akscan merge`.
    #[command(after_help = AUDIT_HELP)]
    Audit(AuditArgs),
    /// Merge the outputs of `akscan audit` into one report in which each leaked secret is one
    /// incident with every repository, path and commit that holds it.
    #[command(after_help = MERGE_HELP)]
    Merge(MergeArgs),
}

const AUDIT_HELP: &str = "\
LIST holds one repository per line: a URL (https://, ssh://, git://, file://, or
user@host:path), cloned bare into a temporary directory and removed afterwards, or a local
path, scanned in place. Blank lines and lines starting with # are skipped.

Environment:
  AKSCAN_AUDIT_KEY     the team's secret key (16 bytes or more, the same on every worker):
                       the same secret then has the same identity in every shard, so
                       `akscan merge` groups it into one incident. Without it each run
                       draws a random key and merge groups only within one run.
  AKSCAN_GIT_TOKEN     a token for private https remotes (sent as an HTTP header through
                       git's environment, never on a command line); AKSCAN_GIT_USERNAME
                       names its user (default x-access-token). git's own credential
                       helpers and GIT_ASKPASS work as they do for you.

Examples:
  akscan audit repos.txt -o all.jsonl
  akscan audit repos.txt --shard \"$JOB_COMPLETION_INDEX/8\" -o shard.jsonl --exit-zero
  akscan merge shard-*.jsonl --format sarif -o org.sarif

The repositories' own .akscan.toml files are not read (a repository cannot hide its own
findings from an audit); inline akscan:allow markers are honoured and counted.

Exit status: 0 no findings, 1 findings, 2 error (a bad list or flag, or no findings but a
repository that could not be scanned); with --exit-zero, 0 whenever the audit ran to its
end (findings and failed repositories are in the output).";

const MERGE_HELP: &str = "\
Duplicate records (a shard file given twice, a repository scanned twice) count once; a
truncated last line of a worker that was stopped is reported and skipped.

Exit status: 0 no incidents, 1 incidents, 2 error (a file that is not audit output).";

/// `akscan audit`.
#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The list of repositories (`-` for standard input).
    #[arg(value_name = "LIST")]
    pub list: PathBuf,
    /// Take only shard K of N (K from 0 to N-1): entries are assigned by a hash of the
    /// entry, so N workers cover each repository once whatever the order of the list.
    #[arg(long, value_name = "K/N", value_parser = crate::audit::Shard::parse)]
    pub shard: Option<crate::audit::Shard>,
    /// Write the records to FILE (default: standard output). Each repository's records
    /// are written and flushed as soon as it is done.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Repositories scanned at once [default: the number of threads].
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Exit 0 whenever the audit ran to its end (for engines that retry failed workers).
    #[arg(long)]
    pub exit_zero: bool,
    /// Worker threads in all [default: all cores].
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// Skip blobs larger than SIZE [default: 10MiB].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_file_size: Option<u64>,
    /// The team's configuration (rules, allowlist); repositories' own are never read.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Extra rule files (TOML).
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// No progress lines on standard error.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    #[command(flatten)]
    pub safety: GitSafetyArgs,
}

/// The formats of `akscan merge`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MergeFormat {
    /// Each incident with every place, then failed repositories and totals.
    Human,
    /// {"summary", "incidents": [...], "repositories": [...], "stats", "warnings"}.
    Json,
    /// SARIF 2.1.0: one result per incident, other places as related locations.
    Sarif,
}

/// `akscan merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Outputs of `akscan audit` (JSON Lines).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "human")]
    pub format: MergeFormat,
    /// Write the report to FILE (atomically) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// No warnings or summary on standard error.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

const GIT_HELP: &str = "\
Examples:
  akscan git --staged                     the lines the next commit adds (pre-commit hook)
  akscan git --range origin/main..HEAD    the lines each commit of a pull request adds (CI)
  akscan git --since v1.2.0               the same for the commits after a ref
  akscan git --history                    every blob in every branch and tag (audit)

Exit status: 0 no findings, 1 findings, 2 error (not a repository, unknown ref, empty
repository, shallow clone without the range's base, git not installed, a git step that
stalled, or no findings but blobs that could not be read, as in a partial clone).

The repository's own git configuration is not trusted: no program it names runs, no file it
names is read, nothing is fetched (see --trust-repo-config).";

const CI_HELP: &str = "\
What is scanned:
  GitHub Actions  push: before..after of the event; a new branch: its commits that no
                  other branch of the remote has; pull_request(_target), merge_group:
                  base..head of the event (GITHUB_EVENT_NAME, GITHUB_EVENT_PATH)
  GitLab CI       merge request: CI_MERGE_REQUEST_DIFF_BASE_SHA..CI_COMMIT_SHA; push:
                  CI_COMMIT_BEFORE_SHA..CI_COMMIT_SHA; a new branch as on GitHub
  elsewhere       --range A..B (which also wins over the environment)

Examples:
  akscan ci --format github --report sarif=akscan.sarif
  akscan ci --report gitlab=gl-secret-detection-report.json --baseline .akscan-baseline.json

In GitHub Actions every finding is also written to the job summary ($GITHUB_STEP_SUMMARY).

Exit status: 0 no new findings, 1 new findings, 2 error (no CI environment and no --range,
a shallow clone without the commits to compare: use fetch-depth: 0 / GIT_DEPTH: 0).";

/// `akscan ci`: the range from the CI environment, extra reports, the common flags.
#[derive(Debug, Args)]
pub struct CiArgs {
    /// Scan the commits of A..B instead of what the CI environment names (the way to use
    /// akscan ci outside GitHub Actions and GitLab CI).
    #[arg(long, value_name = "A..B")]
    pub range: Option<String>,
    /// Also write the report in FORMAT to PATH (may be repeated), e.g.
    /// --report sarif=akscan.sarif --report gitlab=gl-secret-detection-report.json.
    #[arg(long = "report", value_name = "FORMAT=PATH", value_parser = parse_report)]
    pub reports: Vec<(Format, PathBuf)>,
    /// Do not write the Markdown job summary to $GITHUB_STEP_SUMMARY.
    #[arg(long)]
    pub no_summary: bool,
    /// The repository (default: the one around the current directory).
    #[arg(long, short = 'C', value_name = "DIR", default_value = ".")]
    pub repo: PathBuf,
    #[command(flatten)]
    pub safety: GitSafetyArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// Parses `--report FORMAT=PATH`.
pub fn parse_report(s: &str) -> Result<(Format, PathBuf), String> {
    let Some((name, path)) = s.split_once('=') else {
        return Err(format!(
            "{s:?}: expected FORMAT=PATH, e.g. sarif=akscan.sarif"
        ));
    };
    let format = Format::from_str(name, true).map_err(|_| {
        let names: Vec<String> = Format::value_variants()
            .iter()
            .filter_map(|f| f.to_possible_value().map(|v| v.get_name().to_string()))
            .collect();
        format!("{name:?} is not a format (one of {})", names.join(", "))
    })?;
    if path.is_empty() {
        return Err(format!("{s:?}: the path is empty"));
    }
    Ok((format, PathBuf::from(path)))
}

/// `akscan git`: one of the modes, the repository, the common flags.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("mode").required(true).args(["staged", "range", "since", "history"])))]
pub struct GitArgs {
    /// Scan what the next commit adds: the index against HEAD (for a pre-commit hook).
    /// Findings on lines the commit does not add are not reported.
    #[arg(long)]
    pub staged: bool,
    /// Scan the lines each commit in A..B adds (a pull request, a push), with its commit,
    /// author and date. A.. means A..HEAD.
    #[arg(long, value_name = "A..B")]
    pub range: Option<String>,
    /// Scan the commits after REF up to HEAD (same as --range REF..HEAD).
    #[arg(long, value_name = "REF")]
    pub since: Option<String>,
    /// Scan every blob reachable from any branch, tag or other ref, once each; each finding
    /// names the commit that introduced it and whether it is still at HEAD.
    #[arg(long)]
    pub history: bool,
    /// The repository (default: the one around the current directory), or a URL
    /// (https://, ssh://, git://, file://, user@host:path) to clone bare into a temporary
    /// directory and scan with --history or --range (AKSCAN_GIT_TOKEN: a token for a
    /// private https remote; git's own credential helpers work too).
    #[arg(long, short = 'C', value_name = "DIR|URL", default_value = ".")]
    pub repo: PathBuf,
    /// With --staged: only these files (the pre-commit framework passes the staged names).
    #[arg(value_name = "PATH", requires = "staged")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub safety: GitSafetyArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// How akscan runs git in a repository it does not trust.
#[derive(Debug, Args)]
pub struct GitSafetyArgs {
    /// DANGEROUS on a repository you did not write: let git honour the repository's own
    /// configuration as it does when you run it, so programs it names (core.fsmonitor,
    /// gpg.program with log.showSignature, remote.*.uploadpack in a partial clone, ...) run
    /// and missing blobs of a partial clone are fetched over the network.
    #[arg(long)]
    pub trust_repo_config: bool,
    /// Stop a git step that makes no progress for SECS seconds (no output, no CPU time) and
    /// exit 2 [default: 30, or AKSCAN_GIT_STALL_TIMEOUT].
    #[arg(long, value_name = "SECS")]
    pub git_stall_timeout: Option<f64>,
}

impl GitSafetyArgs {
    /// The policy git runs under, or what is wrong with the limit given.
    pub fn policy(&self) -> Result<crate::source::gitrun::GitPolicy, String> {
        use crate::source::gitrun::{GitPolicy, DEFAULT_STALL_SECS};
        let (secs, from) = match self.git_stall_timeout {
            Some(s) => (s, "--git-stall-timeout".to_string()),
            None => match std::env::var("AKSCAN_GIT_STALL_TIMEOUT") {
                Ok(v) => (
                    v.trim().parse::<f64>().map_err(|_| {
                        format!("AKSCAN_GIT_STALL_TIMEOUT={v:?}: expected a number of seconds")
                    })?,
                    "AKSCAN_GIT_STALL_TIMEOUT".to_string(),
                ),
                Err(_) => (DEFAULT_STALL_SECS, String::new()),
            },
        };
        if !(secs.is_finite() && (0.05..=86_400.0).contains(&secs)) {
            return Err(format!(
                "{from} {secs}: expected a number of seconds from 0.05 to 86400"
            ));
        }
        Ok(GitPolicy {
            trust_repo_config: self.trust_repo_config,
            stall_limit: std::time::Duration::from_secs_f64(secs),
        })
    }
}

const PRE_COMMIT_HELP: &str = "\
What is scanned, from the environment pre-commit and git set:
  PRE_COMMIT_FROM_REF and PRE_COMMIT_TO_REF   the commits of that range (pre-push, or
                                              pre-commit run --from-ref A --to-ref B)
  GIT_INDEX_FILE (git is making a commit)     the lines the commit adds to FILES
  neither (pre-commit run --all-files/--files) the contents of FILES

Exit status: 0 no findings, 1 findings, 2 error.";

/// `akscan pre-commit [FILE]...`: what the pre-commit framework's hooks run.
#[derive(Debug, Args)]
pub struct PreCommitArgs {
    /// The files pre-commit passes.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub safety: GitSafetyArgs,
    #[command(flatten)]
    pub common: CommonArgs,
}

/// `akscan rules …`.
#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// Run every example of the rules in FILE… (default: the built-in rules): each example
    /// must yield a finding of its rule (with its stated value, when it states one), each
    /// negative example none. Exit 0 when all pass, 1 when one fails, 2 when a file does
    /// not load.
    Check {
        /// Rule files (TOML), loaded after the built-in rules.
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
    },
}

/// `akscan install-hook` / `uninstall-hook`.
#[derive(Debug, Args)]
pub struct HookArgs {
    /// The repository (default: the one around the current directory).
    #[arg(long, short = 'C', value_name = "DIR", default_value = ".")]
    pub repo: PathBuf,
    /// Replace a pre-commit hook akscan did not write (it is kept aside and put back by
    /// uninstall-hook).
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub safety: GitSafetyArgs,
}

const FIX_EXIT_HELP: &str = "\
Exit status: 0 no findings (or, with --apply, every finding fixed), 1 findings left to fix, \
2 error.";

#[derive(Debug, Args)]
pub struct FixArgs {
    /// Files or directories to fix (standard input cannot be fixed).
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub common: CommonArgs,
    /// Write the changes (default: print them as a unified diff and write nothing; the
    /// removed lines show values redacted unless --show-secrets, which prints a diff that
    /// `git apply` takes). Only
    /// files with findings inside the given paths are written, each atomically; a file that
    /// changed since the scan is skipped.
    #[arg(long)]
    pub apply: bool,
    /// Do not honour .gitignore and .ignore files.
    #[arg(long)]
    pub no_ignore: bool,
    /// Fix at most N findings per file; the values past it are counted and the file named
    /// in a warning. 0: no limit.
    #[arg(long, value_name = "N", default_value_t = crate::scan::DEFAULT_MAX_FINDINGS_PER_FILE)]
    pub max_findings_per_file: usize,
}

/// `--max-findings-per-file`: 0 is no limit.
fn findings_limit(n: usize) -> usize {
    match n {
        0 => usize::MAX,
        n => n,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Flags shared by every scanning command.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print full secret values (default: redacted, e.g. LTAI****************k3Qz).
    #[arg(long)]
    pub show_secrets: bool,
    /// Print nothing but findings: no summary, no warnings.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// When to use colours (NO_COLOR is honoured with auto).
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    pub color: ColorChoice,
    /// Add the rules of a TOML rule file (may be repeated).
    #[arg(long = "rules", value_name = "FILE")]
    pub rules: Vec<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
    /// Skip files larger than SIZE (e.g. 100M, 512K, 2G; default 100M).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_file_size: Option<u64>,
    /// Read the configuration from FILE (default: .akscan.toml in the scanned directory,
    /// then at the root of its git repository).
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore .akscan.toml files.
    #[arg(long)]
    pub no_config: bool,
    /// Report only findings not recorded in the baseline FILE; list its stale entries.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in the baseline FILE (no values in clear) and report none.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Ask Alibaba Cloud STS (GetCallerIdentity) whether each AccessKey pair and STS
    /// triple found works, and whose it is. Sends the AccessKey ID and a signature, never
    /// the secret (see README). Off by default: without it akscan makes no network request.
    #[arg(long)]
    pub verify: bool,
    /// STS endpoint for --verify (default https://sts.aliyuncs.com/; e.g. a regional or
    /// VPC endpoint).
    #[arg(long, value_name = "URL", value_parser = verify::parse_endpoint, requires = "verify")]
    pub verify_endpoint: Option<String>,
    /// Time limit for each --verify request, in seconds (e.g. 10, 2.5, 500ms; default 10).
    #[arg(long, value_name = "SECONDS", value_parser = verify::parse_timeout, requires = "verify")]
    pub verify_timeout: Option<Duration>,
}

impl CommonArgs {
    /// The `--verify` settings, or `None` without `--verify`.
    pub fn verify_options(&self) -> Option<VerifyOptions> {
        if !self.verify {
            return None;
        }
        let mut o = VerifyOptions::default();
        if let Some(e) = &self.verify_endpoint {
            o.endpoint = e.clone();
        }
        if let Some(t) = self.verify_timeout {
            o.timeout = t;
        }
        Some(o)
    }
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan; `-` reads standard input.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub common: CommonArgs,
    /// The path to report for standard input.
    #[arg(long, value_name = "NAME", default_value = "<stdin>")]
    pub stdin_name: String,
    /// Do not honour .gitignore and .ignore files.
    #[arg(long)]
    pub no_ignore: bool,
    /// Scan binary files whole (default: only up to their first NUL byte).
    #[arg(long)]
    pub scan_binary: bool,
    /// Follow symbolic links (default: links inside the tree are skipped and counted).
    #[arg(long)]
    pub follow_symlinks: bool,
    /// Do not look inside archives (zip, jar, war, whl, apk, docx, xlsx, tar, tar.gz, gz).
    #[arg(long)]
    pub no_archives: bool,
    /// How many archives deep to look (an archive inside an archive is 2).
    #[arg(long, value_name = "N", default_value_t = crate::scan::DEFAULT_ARCHIVE_DEPTH)]
    pub archive_depth: u32,
    /// Do not decode values (base64, escapes, percent-encoding, split string literals).
    #[arg(long)]
    pub no_decode: bool,
    /// Report at most N findings per file (or archive member); the values past it are
    /// counted in the stats and the file named in a warning. 0: no limit.
    #[arg(long, value_name = "N", default_value_t = crate::scan::DEFAULT_MAX_FINDINGS_PER_FILE)]
    pub max_findings_per_file: usize,
}

/// Whether to colour a stream.
pub fn use_color(choice: ColorChoice, is_tty: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => is_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// Loads the built-in rules plus `--rules` files.
pub fn load_rules(extra: &[PathBuf]) -> Result<RuleSet, String> {
    let mut rules = RuleSet::builtin().map_err(|e| format!("built-in rules: {e}"))?;
    for f in extra {
        rules.add_file(f).map_err(|e| e.to_string())?;
    }
    Ok(rules)
}

/// What every scanning command sets up before it scans: the configuration, the rules, the
/// baseline. Made by [`setup`], used by [`finish`].
#[derive(Debug)]
pub struct Setup {
    pub config: Config,
    pub scanner: Scanner,
    pub baseline: Option<Baseline>,
    /// Where report locations (SARIF, GitHub, GitLab) are relative to: the top of the git
    /// work tree around the scanned root, else the current directory.
    pub root: PathBuf,
    /// `--max-file-size`, else the config's `max_file_size`, else the default.
    pub max_file_size: u64,
    /// A compact human report (one line of fix per finding, `akscan fix` named): with
    /// `--quiet`, and in hooks, where the keys were never committed.
    pub compact: bool,
    /// What the scan covers, for the baseline: stale entries and a rewritten baseline
    /// concern only that part (set by each command; everything by default).
    pub coverage: Coverage,
    /// The directory relative finding paths are relative to (absolute): the repository's
    /// top in git scans; `None`, the current directory.
    pub base: Option<PathBuf>,
}

/// Loads the configuration (`--config`, or `.akscan.toml` found from `root`), the rules
/// (built-in, the config's `rules.files`, `--rules`, then the config's disable and severity
/// settings) and the `--baseline`.
pub fn setup(common: &CommonArgs, root: &Path, decode: bool) -> Result<Setup, String> {
    setup_in(common, root, decode, None)
}

/// [`setup`] for a scan whose relative finding paths are relative to `base` (absolute; git
/// scans: the repository's top) rather than the current directory, which akscan never
/// changes.
pub fn setup_in(
    common: &CommonArgs,
    root: &Path,
    decode: bool,
    base: Option<&Path>,
) -> Result<Setup, String> {
    let config = if common.no_config {
        Config::default()
    } else if let Some(f) = &common.config {
        Config::load(f).map_err(|e| e.to_string())?
    } else if let Some(f) = Config::discover(root) {
        Config::load(&f).map_err(|e| e.to_string())?
    } else {
        Config::default()
    };
    let mut rules = RuleSet::builtin().map_err(|e| format!("built-in rules: {e}"))?;
    config.add_rule_files(&mut rules)?;
    for f in &common.rules {
        rules.add_file(f).map_err(|e| e.to_string())?;
    }
    config.adjust_rules(&mut rules)?;
    // --baseline, else the config's `baseline` (a missing file there is an error too: a
    // config that names a baseline relies on it)
    let baseline = match (&common.baseline, &config.baseline) {
        (Some(b), _) => Some(Baseline::load_in(b, base)?),
        // being written for the first time
        (None, Some(b)) if common.write_baseline.is_some() && !b.exists() => None,
        (None, Some(b)) => Some(Baseline::load_in(b, base)?),
        (None, None) => None,
    };
    let max_file_size = common
        .max_file_size
        .or(config.max_file_size)
        .unwrap_or(DEFAULT_MAX_FILE_SIZE);
    Ok(Setup {
        config,
        scanner: if decode {
            Scanner::new(rules)
        } else {
            Scanner::without_decoding(rules)
        },
        baseline,
        root: report_root(root),
        max_file_size,
        compact: common.quiet,
        coverage: Coverage::Everything,
        base: base.map(Path::to_path_buf),
    })
}

fn error(msg: impl std::fmt::Display) -> i32 {
    // messages quote config and rule files, file names and git's words: outside text
    let msg = msg.to_string();
    let _ = writeln!(io::stderr(), "akscan: error: {}", lines_for_terminal(&msg));
    EXIT_ERROR
}

/// Runs the command line and returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_CLEAN
            };
            let _ = e.print();
            return code;
        }
    };
    match cli.command {
        Command::Scan(args) => run_scan(args),
        Command::Git(args) => run_git(args),
        Command::PreCommit(args) => run_pre_commit(args),
        Command::Ci(args) => run_ci(args),
        Command::InstallHook(args) => run_hook(args, true),
        Command::UninstallHook(args) => run_hook(args, false),
        Command::Fix(args) => run_fix(args),
        Command::Rules(RulesCommand::Check { files }) => run_rules_check(&files),
        Command::Audit(args) => run_audit(args),
        Command::Merge(args) => run_merge(args),
    }
}

fn run_audit(args: AuditArgs) -> i32 {
    use crate::audit::command::{self, Request};
    let policy = match args.safety.policy() {
        Ok(p) => p,
        Err(e) => return error(e),
    };
    let threads = match args.threads {
        Some(0) => return error("--threads must be at least 1"),
        Some(n) => n,
        None => ScanOptions::default().threads,
    };
    let req = Request {
        list: args.list,
        shard: args.shard,
        output: args.output,
        jobs: args.jobs,
        exit_zero: args.exit_zero,
        threads,
        max_file_size: args.max_file_size,
        config: args.config,
        rules: args.rules,
        quiet: args.quiet,
        policy,
    };
    ending(command::audit(&req))
}

fn run_merge(args: MergeArgs) -> i32 {
    use crate::audit::command::{self, MergeFormat as F, MergeRequest};
    let req = MergeRequest {
        files: args.files,
        format: match args.format {
            MergeFormat::Human => F::Human,
            MergeFormat::Json => F::Json,
            MergeFormat::Sarif => F::Sarif,
        },
        output: args.output,
        quiet: args.quiet,
    };
    ending(command::merge(&req))
}

/// The exit status of a command's [`crate::audit::command::Ending`], or its error.
fn ending(r: Result<crate::audit::command::Ending, String>) -> i32 {
    use crate::audit::command::Ending;
    match r {
        Ok(Ending::Clean) => EXIT_CLEAN,
        Ok(Ending::Found) => EXIT_FINDINGS,
        Ok(Ending::Incomplete) => EXIT_ERROR,
        Err(e) => error(e),
    }
}

fn run_rules_check(files: &[PathBuf]) -> i32 {
    let mut set = match RuleSet::builtin() {
        Ok(s) => s,
        Err(e) => return error(e),
    };
    let mut which: Vec<usize> = Vec::new();
    if files.is_empty() {
        which.extend(0..set.rules.len());
    }
    for f in files {
        let first = set.rules.len();
        if let Err(e) = set.add_file(f) {
            return error(e);
        }
        which.extend(first..set.rules.len());
    }
    let report = crate::rulecheck::check(&set, &which);
    let mut out = io::stdout().lock();
    for (id, examples, negatives) in &report.rules {
        let failed = report.failures.iter().filter(|f| &f.rule == id).count();
        let mark = if failed == 0 { "ok  " } else { "FAIL" };
        let _ = writeln!(
            out,
            "{mark} {} ({examples} examples, {negatives} negative){}",
            for_terminal(id),
            if examples + negatives == 0 {
                ": no examples to check"
            } else {
                ""
            }
        );
    }
    for f in &report.failures {
        let _ = writeln!(
            out,
            "{}: rule `{}`: {}",
            for_terminal(&f.origin),
            for_terminal(&f.rule),
            f.problem
        );
    }
    let n = report.rules.len();
    let checked: usize = report.rules.iter().map(|r| r.1 + r.2).sum();
    if report.failures.is_empty() {
        let _ = writeln!(out, "akscan: {n} rules, {checked} examples: all pass");
        EXIT_CLEAN
    } else {
        let _ = writeln!(
            out,
            "akscan: {n} rules, {checked} examples: {} failed",
            report.failures.len()
        );
        EXIT_FINDINGS
    }
}

/// The directory report locations are relative to, for a scan of `dir`: the top of the git
/// work tree around it, else the current directory (both absolute).
pub fn report_root(dir: &Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    let abs = crate::config::normalize(&cwd.join(dir));
    crate::config::repo_top(&abs).map_or(cwd, Path::to_path_buf)
}

/// The scanned root of `akscan scan PATH...`: the one directory given, else the current
/// directory.
fn scan_root(paths: &[PathBuf]) -> PathBuf {
    let real: Vec<&PathBuf> = paths.iter().filter(|p| p.as_os_str() != "-").collect();
    match real.as_slice() {
        [one] if one.is_dir() => (*one).clone(),
        _ => PathBuf::from("."),
    }
}

fn run_scan(args: ScanArgs) -> i32 {
    scan_with(args, false)
}

/// `akscan scan` with a compact report (for hooks).
fn run_scan_compact(args: ScanArgs) -> i32 {
    scan_with(args, true)
}

fn scan_with(args: ScanArgs, compact: bool) -> i32 {
    let mut setup = match setup(&args.common, &scan_root(&args.paths), !args.no_decode) {
        Ok(s) => s,
        Err(e) => return error(e),
    };
    setup.compact |= compact;
    // one file: the repository around it, wherever the command runs
    if let [one] = args.paths.as_slice() {
        if one.is_file() {
            setup.root = report_root(one.parent().unwrap_or(Path::new(".")));
        }
    }
    setup.coverage = Coverage::Paths(
        args.paths
            .iter()
            .map(|p| {
                if p.as_os_str() == "-" {
                    PathBuf::from(&args.stdin_name)
                } else {
                    p.clone()
                }
            })
            .collect(),
    );
    let threads = match args.common.threads {
        Some(0) => return error("--threads must be at least 1"),
        Some(n) => n,
        None => ScanOptions::default().threads,
    };
    let counters = Arc::new(Counters::default());
    // not while someone types standard input on the same terminal
    let typing = args.paths.iter().any(|p| p.as_os_str() == "-") && io::stdin().is_terminal();
    let show_progress = progress::wanted(args.common.quiet) && !typing;
    let opts = ScanOptions {
        paths: args.paths.clone(),
        stdin_name: args.stdin_name.clone(),
        threads,
        honor_ignore: !args.no_ignore,
        follow_symlinks: args.follow_symlinks,
        max_file_size: setup.max_file_size,
        scan_binary: args.scan_binary,
        decode: !args.no_decode,
        archives: !args.no_archives,
        archive_depth: args.archive_depth,
        max_findings_per_file: findings_limit(args.max_findings_per_file),
        exclude: setup.config.exclude.clone().map(Arc::new),
        progress: show_progress.then(|| counters.clone()),
    };
    let bar = if show_progress {
        Progress::start(counters, progress::DELAY, "scanning")
    } else {
        Progress::none()
    };
    let result = setup.scanner.scan(&opts);
    bar.finish();
    let result = match result {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    finish(&args.common, &setup, result)
}

/// An absolute version of `p` (relative to the current directory).
fn absolute(p: &Path) -> PathBuf {
    std::env::current_dir().map_or_else(|_| p.to_path_buf(), |d| d.join(p))
}

/// Makes the user's paths absolute, then runs from the repository's top `root` (reports
/// name files relative to it).
/// Makes the paths the user named absolute (from the current directory), for a scan whose
/// finding paths are relative to another directory (git: the repository's top).
fn absolute_paths(c: &mut CommonArgs) {
    for p in [
        &mut c.output,
        &mut c.config,
        &mut c.baseline,
        &mut c.write_baseline,
    ]
    .into_iter()
    .flatten()
    {
        *p = absolute(p);
    }
    for p in &mut c.rules {
        *p = absolute(p);
    }
}

/// The worker threads of `--threads` (default: all cores).
fn threads(common: &CommonArgs) -> Result<usize, String> {
    match common.threads {
        Some(0) => Err("--threads must be at least 1".into()),
        Some(n) => Ok(n),
        None => Ok(ScanOptions::default().threads),
    }
}

fn run_ci(mut args: CiArgs) -> i32 {
    use crate::ci::{self, Target};
    use crate::source::git::{self, GitScanOptions, Range, Repo};
    let plan = match ci::plan(&|k| std::env::var(k).ok(), args.range.as_deref()) {
        Ok(p) => p,
        Err(e) => return error(format!("ci: {e}")),
    };
    let policy = match args.safety.policy() {
        Ok(p) => p,
        Err(e) => return error(e),
    };
    let repo = match Repo::open(&args.repo, policy) {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    for (_, p) in &mut args.reports {
        *p = absolute(p);
    }
    let summary = if args.no_summary {
        None
    } else {
        std::env::var_os("GITHUB_STEP_SUMMARY")
            .filter(|p| !p.is_empty())
            .map(|p| absolute(Path::new(&p)))
    };
    absolute_paths(&mut args.common);
    let root = repo.root().to_path_buf();
    let mut setup = match setup_in(&args.common, &root, true, Some(&root)) {
        Ok(s) => s,
        Err(e) => return error(e),
    };
    // commits: a baseline's entries elsewhere are not stale
    setup.coverage = Coverage::Additions;
    let opts = match threads(&args.common) {
        Ok(threads) => GitScanOptions {
            threads,
            max_file_size: setup.max_file_size,
            progress: None,
        },
        Err(e) => return error(e),
    };
    if !args.common.quiet {
        let _ = writeln!(
            io::stderr(),
            "akscan ci: {}",
            report::sanitize::for_terminal(&plan.what)
        );
    }
    let fix = ci::depth_fix(plan.provider);
    let mut notes = Vec::new();
    let mut target = plan.target.clone();
    if let Target::Range { from, to } = &target {
        if let Err(e) = repo.resolve_commit(from) {
            if repo.shallow {
                return error(format!(
                    "ci: the base commit {from} is not in this shallow clone, so the new \
                     commits cannot be told from the old: {fix}"
                ));
            }
            if !plan.push {
                return error(format!("ci: {} ({e})", plan.what));
            }
            // a force push: the old head is gone from the remote
            notes.push(format!(
                "the previous commit {from} is not in this clone (a force push?): scanned \
                 the commits of {to} that no other branch has"
            ));
            target = Target::NewBranch {
                to: to.clone(),
                branch: plan.branch.clone(),
            };
        }
    }
    let result = match &target {
        Target::Nothing(why) => {
            notes.push(format!("nothing to scan: {why}"));
            Ok(ScanResult::default())
        }
        Target::Range { from, to } => {
            if repo.shallow && repo.resolve_commit(to).is_err() {
                return error(format!(
                    "ci: the commit {to} is not in this shallow clone: {fix}"
                ));
            }
            let range = Range {
                from: Some(from.clone()),
                to: to.clone(),
            };
            git::scan_range(&repo, &setup.scanner, &range, &opts)
        }
        Target::NewBranch { to, branch } => {
            if repo.shallow {
                return error(format!(
                    "ci: this is a shallow clone, so the commits the branch adds cannot be \
                     told from the ones the remote already has: {fix}"
                ));
            }
            let others: Vec<String> = match repo.remote_branches() {
                Ok(refs) => refs
                    .into_iter()
                    .filter(|(name, _)| {
                        let own = branch.as_deref().is_some_and(|b| {
                            name.strip_prefix("refs/remotes/")
                                .and_then(|r| r.split_once('/'))
                                .is_some_and(|(_, rest)| rest == b)
                        });
                        !own && !name.ends_with("/HEAD")
                    })
                    .map(|(_, oid)| oid)
                    .collect(),
                Err(e) => return error(e),
            };
            if others.is_empty() {
                notes.push(format!(
                    "no other branch of the remote is in this clone: every commit of the \
                     branch was scanned, old ones too ({fix}, and fetch the other branches)"
                ));
            }
            git::scan_new_commits(&repo, &setup.scanner, to, &others, &opts)
        }
    };
    let mut result = match result {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    result.warnings.extend(notes);
    let extras = Extras {
        reports: &args.reports,
        summary: summary.as_deref(),
        what: &plan.what,
    };
    finish_with(&args.common, &setup, result, &extras)
}

fn run_git(args: GitArgs) -> i32 {
    git_with(args, false)
}

/// `akscan git`, with a compact report when `compact` (hooks; `--staged` always is).
fn git_with(mut args: GitArgs, compact: bool) -> i32 {
    use crate::source::git::{self, GitScanOptions, Range, Repo};
    let range = match (&args.range, &args.since) {
        (Some(r), _) => match Range::parse(r) {
            Ok(r) => Some(r),
            Err(e) => return error(e),
        },
        (None, Some(since)) => Some(Range {
            from: Some(since.clone()),
            to: "HEAD".into(),
        }),
        _ => None,
    };
    let policy = match args.safety.policy() {
        Ok(p) => p,
        Err(e) => return error(e),
    };
    // a URL is cloned bare into a temporary directory (removed when this returns)
    let spec = args.repo.to_string_lossy().into_owned();
    let remote = crate::source::remote::is_remote(&spec);
    let clone = if remote {
        if args.staged {
            return error(format!(
                "--staged scans the index of a work tree; {} is a URL (use --history or --range)",
                crate::source::remote::display(&spec)
            ));
        }
        match crate::source::remote::clone_bare(&spec, &policy) {
            Ok(c) => Some(c),
            Err(e) => return error(e),
        }
    } else {
        None
    };
    let shown_remote = remote.then(|| crate::source::remote::display(&spec));
    if remote && args.common.config.is_none() {
        // nothing around a temporary clone is the user's configuration
        args.common.no_config = true;
    }
    let repo = match Repo::open(
        &clone
            .as_ref()
            .map_or_else(|| args.repo.clone(), |c| c.path()),
        policy,
    ) {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    let root = repo.root().to_path_buf();
    let cwd = std::env::current_dir()
        .ok()
        .and_then(|d| d.canonicalize().ok());
    let paths: Vec<PathBuf> = args
        .paths
        .iter()
        .map(|p| {
            let abs = crate::config::normalize(&cwd.clone().unwrap_or_default().join(p));
            match abs.strip_prefix(&root) {
                Ok(rel) => rel.to_path_buf(),
                Err(_) => p.clone(),
            }
        })
        .collect();
    absolute_paths(&mut args.common);
    let mut setup = match setup_in(&args.common, &root, true, Some(&root)) {
        Ok(s) => s,
        Err(e) => return error(e),
    };
    // a blocked commit: the keys never left this machine, so no incident response
    setup.compact |= args.staged || compact;
    if range.is_some() || args.staged {
        setup.coverage = Coverage::Additions;
    }
    let threads = match args.common.threads {
        Some(0) => return error("--threads must be at least 1"),
        Some(n) => n,
        None => ScanOptions::default().threads,
    };
    let counters = Arc::new(Counters::default());
    let show_progress = progress::wanted(args.common.quiet);
    let opts = GitScanOptions {
        threads,
        max_file_size: setup.max_file_size,
        progress: show_progress.then(|| counters.clone()),
    };
    let bar = if show_progress {
        Progress::start(
            counters,
            progress::DELAY,
            if args.history {
                "scanning blobs"
            } else {
                "scanning"
            },
        )
    } else {
        Progress::none()
    };
    let result = if args.staged {
        git::scan_staged(&repo, &setup.scanner, &paths, &opts)
    } else if let Some(r) = &range {
        git::scan_range(&repo, &setup.scanner, r, &opts)
    } else {
        git::scan_history(&repo, &setup.scanner, &opts)
    };
    bar.finish();
    let mut result = match result {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    if let Some(shown) = &shown_remote {
        for f in &mut result.findings {
            if let Some(g) = &mut f.git {
                g.repository = Some(shown.clone());
            }
        }
    }
    let unread = result.stats.skipped.unreadable;
    let mut code = finish(&args.common, &setup, result);
    if code == EXIT_CLEAN && unread > 0 {
        // not a clean result: part of what was asked for was not scanned
        code = error(format!(
            "the scan is incomplete: {unread} blob{} could not be read (see the warnings above); \
             in a partial clone, fetch the missing blobs first (akscan fetches nothing) or clone \
             without --filter",
            if unread == 1 { "" } else { "s" }
        ));
    }
    if code == EXIT_FINDINGS && args.staged && !args.common.quiet {
        let _ = writeln!(
            io::stderr(),
            "akscan: commit blocked: the staged changes add credentials (never committed: \
             nothing to rotate yet). Run the `akscan fix` above, `git add` the files and commit \
             again; or take a file out of this commit: `git restore --staged <file>`."
        );
    }
    code
}

/// What a pre-commit framework hook scans, from the environment (see [`PRE_COMMIT_HELP`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreCommitMode {
    /// `FROM..TO`: the pushed commits.
    Range(String),
    /// The lines the commit being made adds.
    Staged,
    /// The named files' contents.
    Files,
}

impl PreCommitMode {
    /// The mode for an environment (`var` looks a variable up).
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> PreCommitMode {
        let set = |k: &str| var(k).filter(|v| !v.is_empty());
        match (set("PRE_COMMIT_FROM_REF"), set("PRE_COMMIT_TO_REF")) {
            (Some(from), Some(to)) => PreCommitMode::Range(format!("{from}..{to}")),
            // git exports GIT_INDEX_FILE to the hooks of a commit, and only then
            _ if set("GIT_INDEX_FILE").is_some() => PreCommitMode::Staged,
            _ => PreCommitMode::Files,
        }
    }
}

fn run_pre_commit(args: PreCommitArgs) -> i32 {
    let mode = PreCommitMode::from_env(|k| std::env::var(k).ok());
    let PreCommitArgs {
        files,
        safety,
        common,
    } = args;
    let git = |staged: bool, range: Option<String>, paths: Vec<PathBuf>, common: CommonArgs| {
        git_with(
            GitArgs {
                staged,
                range,
                since: None,
                history: false,
                repo: PathBuf::from("."),
                paths,
                safety,
                common,
            },
            true,
        )
    };
    match mode {
        PreCommitMode::Range(r) => git(false, Some(r), Vec::new(), common),
        PreCommitMode::Staged if files.is_empty() => EXIT_CLEAN,
        PreCommitMode::Staged => git(true, None, files, common),
        PreCommitMode::Files if files.is_empty() => EXIT_CLEAN,
        PreCommitMode::Files => run_scan_compact(ScanArgs {
            // a file named `-` is a file, not standard input
            paths: files
                .into_iter()
                .map(|f| {
                    if f.as_os_str() == "-" {
                        Path::new(".").join(f)
                    } else {
                        f
                    }
                })
                .collect(),
            common,
            stdin_name: "<stdin>".into(),
            no_ignore: false,
            scan_binary: false,
            follow_symlinks: false,
            no_archives: false,
            archive_depth: crate::scan::DEFAULT_ARCHIVE_DEPTH,
            no_decode: false,
            max_findings_per_file: crate::scan::DEFAULT_MAX_FINDINGS_PER_FILE,
        }),
    }
}

fn run_hook(args: HookArgs, install: bool) -> i32 {
    let policy = match args.safety.policy() {
        Ok(p) => p,
        Err(e) => return error(e),
    };
    let repo = match crate::source::git::Repo::open(&args.repo, policy) {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    let done = if install {
        crate::hook::install(&repo, args.force)
    } else {
        crate::hook::uninstall(&repo)
    };
    match done {
        Ok(o) => {
            let _ = writeln!(io::stderr(), "akscan: {}", for_terminal(&o.message()));
            EXIT_CLEAN
        }
        Err(e) => error(e),
    }
}

/// Writes `text` to `--output` or standard output (a closed pipe is not an error).
fn emit(common: &CommonArgs, text: &[u8]) -> Result<(), String> {
    match &common.output {
        Some(path) => crate::atomic::write(path, text),
        None => {
            let mut out = io::stdout().lock();
            match out.write_all(text).and_then(|_| out.flush()) {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                r => r.map_err(|e| format!("cannot write the output: {e}")),
            }
        }
    }
}

fn run_fix(args: FixArgs) -> i32 {
    let common = &args.common;
    if args.paths.iter().any(|p| p.as_os_str() == "-") {
        return error("fix cannot rewrite standard input: give files or directories");
    }
    if common.write_baseline.is_some() {
        return error("--write-baseline belongs to scan, not fix");
    }
    if !matches!(common.format, Format::Human | Format::Sarif) {
        return error(
            "fix prints a unified diff (the default) or, with --format sarif, SARIF with fixes",
        );
    }
    let mut setup = match setup(common, &scan_root(&args.paths), true) {
        Ok(s) => s,
        Err(e) => return error(e),
    };
    setup.coverage = Coverage::Paths(args.paths.clone());
    let threads = match common.threads {
        Some(0) => return error("--threads must be at least 1"),
        Some(n) => n,
        None => ScanOptions::default().threads,
    };
    let opts = ScanOptions {
        paths: args.paths.clone(),
        threads,
        honor_ignore: !args.no_ignore,
        max_file_size: setup.max_file_size,
        exclude: setup.config.exclude.clone().map(Arc::new),
        max_findings_per_file: findings_limit(args.max_findings_per_file),
        ..ScanOptions::default()
    };
    let mut result = match setup.scanner.scan(&opts) {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    suppress::apply_allow(&mut result, &setup.config);
    if let Some(b) = &setup.baseline {
        suppress::apply_baseline_within(&mut result, b, &setup.coverage);
    }
    let mut findings = std::mem::take(&mut result.findings);
    let redactor = redactor(common, &findings, &result.suppressed);
    let mut err = Redacting::new(io::stderr().lock(), &redactor, true);
    if !common.quiet {
        for w in &result.warnings {
            let _ = writeln!(err, "akscan: warning: {}", for_terminal(w));
        }
    }
    if let Some(o) = common.verify_options() {
        let summary = verify::run(&mut findings, &o);
        if !common.quiet {
            for w in &summary.warnings {
                let _ = writeln!(err, "akscan: warning: {}", for_terminal(w));
            }
        }
    }
    let plan = fix::plan(&findings, fix::read_shown);
    let ropts = RenderOptions {
        show_secrets: common.show_secrets,
        ..RenderOptions::default()
    };
    let out = if common.format == Format::Sarif {
        let data = ReportData {
            findings: &findings,
            suppressed: &result.suppressed,
            stats: &result.stats,
            rules: Some(setup.scanner.rules()),
            root: Some(&setup.root),
            base: setup.base.as_deref(),
        };
        let mut buf = Vec::new();
        if let Err(e) =
            report::render_with_fixes(common.format, &data, &ropts, Some(&plan), &mut buf)
        {
            return error(format!("cannot write the report: {e}"));
        }
        redactor.mask_lines(&buf, true)
    } else {
        // the diff shows the files' lines: outside text, and every copy of every value
        redactor.mask_lines(lines_for_terminal(&plan.diff()).as_bytes(), true)
    };
    if let Err(e) = emit(common, &out) {
        return error(e);
    }
    let applied = args.apply.then(|| fix::apply(&plan, &args.paths));
    let show = |p: &str| for_terminal(p).into_owned();
    if let Some(rep) = &applied {
        for (p, n) in &rep.written {
            let _ = writeln!(
                err,
                "akscan: fixed {} ({n} finding{})",
                show(p),
                if *n == 1 { "" } else { "s" }
            );
        }
        for (p, why) in &rep.skipped {
            let _ = writeln!(err, "akscan: skipped {}: {why}", show(p));
        }
    }
    if !common.quiet {
        for u in &plan.unfixed {
            let _ = writeln!(
                err,
                "akscan: not fixed: {}:{}: {}: {}",
                show(&u.path),
                u.line,
                u.kind.label(),
                u.reason
            );
        }
        // advice for what is left, once per kind of advice
        let mut seen: Vec<&str> = Vec::new();
        let by_fp: std::collections::HashMap<&str, &crate::finding::Finding> = findings
            .iter()
            .map(|f| (f.fingerprint.as_str(), f))
            .collect();
        for u in &plan.unfixed {
            let Some(f) = by_fp.get(u.fingerprint.as_str()) else {
                continue;
            };
            let a = f.advice();
            if seen.contains(&a.id) {
                continue;
            }
            seen.push(a.id);
            let _ = writeln!(err, "\nakscan: advice [{}]: {}", a.id, a.summary);
            for l in a.fix.lines() {
                let _ = writeln!(err, "    {l}");
            }
        }
        // the leaked keys must be rotated whatever the patch does
        let ids = report::human::leaked_ids(&findings, &ropts);
        if !ids.is_empty() {
            let _ = writeln!(
                err,
                "\nakscan: the patch removes the keys from the code, but they have leaked: contain them"
            );
        }
        let redacted =
            !common.show_secrets && ids.iter().any(|(id, _)| id != report::human::UNKNOWN_ID);
        if !ids.is_empty() {
            for l in crate::finding::advice::containment_block(&ids, redacted).lines() {
                let _ = if l.is_empty() {
                    writeln!(err)
                } else {
                    writeln!(err, "  {}", show(l))
                };
            }
        }
        let files = plan.files.len();
        let verb = match &applied {
            Some(rep) if rep.skipped.is_empty() => "fixed",
            Some(_) => "planned (see the skipped files)",
            None => "would be fixed (run with --apply to write)",
        };
        let _ = writeln!(
            err,
            "akscan: {} of {} finding{} {verb} in {files} file{}; {} left with advice",
            plan.fixed_count(),
            findings.len(),
            if findings.len() == 1 { "" } else { "s" },
            if files == 1 { "" } else { "s" },
            plan.unfixed.len()
        );
    }
    let all_fixed =
        plan.unfixed.is_empty() && applied.as_ref().is_some_and(|r| r.skipped.is_empty());
    if findings.is_empty() || all_fixed {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    }
}

/// The redactor for everything a command prints: every value it found, reported or
/// suppressed; nothing with `--show-secrets`.
fn redactor(
    common: &CommonArgs,
    findings: &[crate::finding::Finding],
    suppressed: &[Suppressed],
) -> Redactor {
    if common.show_secrets {
        Redactor::none()
    } else {
        Redactor::for_findings(findings, suppressed)
    }
}

/// Most stale baseline entries listed on stderr.
const MAX_STALE_SHOWN: usize = 20;

/// Applies the suppressions (inline `akscan:allow`, the config's allowlist, the baseline),
/// writes `--write-baseline`, checks the remaining findings' credentials with `--verify`
/// (on a copy), writes the report and the summary; returns the exit code. Every scanning
/// command ends here.
pub fn finish(common: &CommonArgs, setup: &Setup, result: ScanResult) -> i32 {
    finish_with(common, setup, result, &Extras::default())
}

/// What a command writes besides its report (`akscan ci`).
#[derive(Debug, Default)]
pub struct Extras<'a> {
    /// `--report FORMAT=PATH`: more reports, each to its file.
    pub reports: &'a [(Format, PathBuf)],
    /// A Markdown summary appended to this file (GitHub's `$GITHUB_STEP_SUMMARY`).
    pub summary: Option<&'a Path>,
    /// What was scanned, for the summary.
    pub what: &'a str,
}

/// [`finish`], then the [`Extras`].
pub fn finish_with(
    common: &CommonArgs,
    setup: &Setup,
    mut result: ScanResult,
    extras: &Extras<'_>,
) -> i32 {
    suppress::apply_allow(&mut result, &setup.config);
    let mut baseline_written = None;
    if let Some(path) = &common.write_baseline {
        // keep the old key so unchanged entries stay identical in version control
        let base = setup.base.as_deref();
        let reuse = Baseline::load_in(path, base).ok();
        let new = match Baseline::from_findings(&result.findings, reuse.as_ref())
            .and_then(|b| b.anchored_in(path, base))
        {
            Ok(b) => b,
            Err(e) => return error(e),
        };
        // a partial scan rewrites only its part: the entries it did not cover stay
        let (new, kept) = match &reuse {
            Some(old) => new.keeping_uncovered(old, &setup.coverage),
            None => (new, 0),
        };
        if let Err(e) = new.save(path) {
            return error(e);
        }
        baseline_written = Some((path, new.entries.len(), kept));
    }
    let stale = match &setup.baseline {
        Some(b) => suppress::apply_baseline_within(&mut result, b, &setup.coverage),
        None => Vec::new(),
    };
    if baseline_written.is_some() {
        // everything current is now in the new baseline
        result.stats.suppressed += result.findings.len() as u64;
        let findings = std::mem::take(&mut result.findings);
        result
            .suppressed
            .extend(findings.into_iter().map(|finding| Suppressed {
                finding,
                by: Suppression::Baseline,
            }));
        result.stats.findings = 0;
    }
    let result = &result;
    let verified = common.verify_options().map(|o| {
        let mut findings = result.findings.clone();
        let summary = verify::run(&mut findings, &o);
        (findings, summary)
    });
    let data = ReportData {
        findings: verified
            .as_ref()
            .map_or(&result.findings[..], |(f, _)| &f[..]),
        suppressed: &result.suppressed,
        stats: &result.stats,
        rules: Some(setup.scanner.rules()),
        root: Some(&setup.root),
        base: setup.base.as_deref(),
    };
    // SARIF results carry the fix of each finding
    let plan = (common.format == Format::Sarif
        || extras.reports.iter().any(|(f, _)| *f == Format::Sarif))
    .then(|| {
        fix::plan(data.findings, |p| {
            fix::read_shown_in(setup.base.as_deref(), p)
        })
    });
    let stderr_color = use_color(common.color, io::stderr().is_terminal());
    let redactor = redactor(common, data.findings, &result.suppressed);
    if !common.quiet {
        let mut err = Redacting::new(io::stderr().lock(), &redactor, true);
        for w in &result.warnings {
            let _ = writeln!(err, "akscan: warning: {}", for_terminal(w));
        }
        if result.warnings_dropped > 0 {
            let _ = writeln!(
                err,
                "akscan: warning: {} more warnings not shown",
                result.warnings_dropped
            );
        }
        if let Some((_, summary)) = &verified {
            for w in &summary.warnings {
                let _ = writeln!(err, "akscan: warning: {}", for_terminal(w));
            }
        }
        for s in stale.iter().take(MAX_STALE_SHOWN) {
            let _ = writeln!(
                err,
                "akscan: baseline: stale entry: {} in {} is no longer found (rewrite the baseline with --write-baseline)",
                for_terminal(&s.rule_id),
                for_terminal(&s.path)
            );
        }
        if stale.len() > MAX_STALE_SHOWN {
            let _ = writeln!(
                err,
                "akscan: baseline: {} more stale entries not shown",
                stale.len() - MAX_STALE_SHOWN
            );
        }
        if let Some((path, n, kept)) = &baseline_written {
            let _ = writeln!(
                err,
                "akscan: wrote {n} baseline entr{} to {}{}",
                if *n == 1 { "y" } else { "ies" },
                for_terminal(&path.display().to_string()),
                if *kept > 0 {
                    format!(" ({kept} kept from files this scan did not cover)")
                } else {
                    String::new()
                }
            );
        }
    }
    // `--format github` writes workflow commands on purpose (their data escaped); no
    // other report may start a line with one
    let guard = common.format != Format::Github;
    let written = match &common.output {
        Some(path) => {
            let opts = RenderOptions {
                show_secrets: common.show_secrets,
                color: false,
                compact: setup.compact,
            };
            let mut buf = Vec::new();
            let mut w = Redacting::new(&mut buf, &redactor, guard);
            report::render_with_fixes(common.format, &data, &opts, plan.as_ref(), &mut w)
                .and_then(|_| w.finish())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))
                .and_then(|_| crate::atomic::write(path, &buf))
        }
        None => {
            let opts = RenderOptions {
                show_secrets: common.show_secrets,
                color: use_color(common.color, io::stdout().is_terminal()),
                compact: setup.compact,
            };
            let stdout = io::stdout();
            let mut out = Redacting::new(io::BufWriter::new(stdout.lock()), &redactor, guard);
            match report::render_with_fixes(common.format, &data, &opts, plan.as_ref(), &mut out)
                .and_then(|_| out.finish())
            {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                r => r.map_err(|e| format!("cannot write the report: {e}")),
            }
        }
    };
    if let Err(e) = written {
        return error(e);
    }
    let file_opts = RenderOptions {
        show_secrets: common.show_secrets,
        color: false,
        compact: setup.compact,
    };
    for (format, path) in extras.reports {
        let mut buf = Vec::new();
        let mut w = Redacting::new(&mut buf, &redactor, *format != Format::Github);
        // through a temporary file and a rename, as -o: a full disk never destroys the
        // previous report
        let written = report::render_with_fixes(*format, &data, &file_opts, plan.as_ref(), &mut w)
            .and_then(|_| w.finish())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
            .and_then(|_| crate::atomic::write(path, &buf));
        if let Err(e) = written {
            return error(e);
        }
    }
    if let Some(path) = extras.summary {
        let mut buf = Vec::new();
        let mut w = Redacting::new(&mut buf, &redactor, true);
        let appended = report::markdown::render(&data, &file_opts, extras.what, &mut w)
            .and_then(|_| w.finish())
            .and_then(|_| {
                std::fs::OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(path)?
                    .write_all(&buf)
            });
        if let Err(e) = appended {
            return error(format!(
                "cannot write the job summary {}: {e}",
                path.display()
            ));
        }
    }
    if !common.quiet {
        let mut err = Redacting::new(io::stderr().lock(), &redactor, true);
        let _ = writeln!(err, "{}", report::human::summary(&data, stderr_color));
        if let Some((_, summary)) = &verified {
            let _ = writeln!(err, "{}", for_terminal(&summary.line()));
        }
    }
    if result.findings.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pre_commit_mode_from_the_environment() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        assert_eq!(
            PreCommitMode::from_env(env(&[
                ("PRE_COMMIT_FROM_REF", "abc"),
                ("PRE_COMMIT_TO_REF", "def"),
                ("GIT_INDEX_FILE", ".git/index"),
            ])),
            PreCommitMode::Range("abc..def".into())
        );
        assert_eq!(
            PreCommitMode::from_env(env(&[("GIT_INDEX_FILE", ".git/index")])),
            PreCommitMode::Staged
        );
        assert_eq!(
            PreCommitMode::from_env(env(&[
                ("PRE_COMMIT_FROM_REF", "abc"),
                ("GIT_INDEX_FILE", "")
            ])),
            PreCommitMode::Files
        );
        assert_eq!(PreCommitMode::from_env(env(&[])), PreCommitMode::Files);
    }

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}

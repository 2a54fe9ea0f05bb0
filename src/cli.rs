//! The command line: argument parsing and the glue between the library's stages.
//! `main.rs` only calls [`main`].

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::detect::rules::RuleSet;
use crate::report::{self, Format, RenderOptions, ReportData};
use crate::scan::{ScanOptions, ScanResult, Scanner, DEFAULT_MAX_FILE_SIZE};
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
}

/// Parses `100M`, `100MiB`, `512k`, `2G`, `1024` into bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size (examples: 100M, 512K, 2G, 1048576)"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => {
            return Err(format!(
                "`{s}`: unknown size unit `{unit}` (use K, M, G or T)"
            ))
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{s}` is too large"))
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

fn error(msg: impl std::fmt::Display) -> i32 {
    let _ = writeln!(io::stderr(), "akscan: error: {msg}");
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
    }
}

fn run_scan(args: ScanArgs) -> i32 {
    let rules = match load_rules(&args.common.rules) {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    let scanner = Scanner::new(rules);
    let threads = match args.common.threads {
        Some(0) => return error("--threads must be at least 1"),
        Some(n) => n,
        None => ScanOptions::default().threads,
    };
    let opts = ScanOptions {
        paths: args.paths.clone(),
        stdin_name: args.stdin_name.clone(),
        threads,
        honor_ignore: !args.no_ignore,
        follow_symlinks: args.follow_symlinks,
        max_file_size: args.common.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE),
        scan_binary: args.scan_binary,
    };
    let result = match scanner.scan(&opts) {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    finish(&args.common, &result)
}

/// Writes the report and the summary; returns the exit code. With `--verify`, the
/// findings' credentials are checked first (on a copy: `result` stays as scanned).
pub fn finish(common: &CommonArgs, result: &ScanResult) -> i32 {
    let verified = common.verify_options().map(|o| {
        let mut findings = result.findings.clone();
        let summary = verify::run(&mut findings, &o);
        (findings, summary)
    });
    let data = ReportData {
        findings: verified
            .as_ref()
            .map_or(&result.findings[..], |(f, _)| &f[..]),
        stats: &result.stats,
    };
    let stderr_color = use_color(common.color, io::stderr().is_terminal());
    if !common.quiet {
        let mut err = io::stderr().lock();
        for w in &result.warnings {
            let _ = writeln!(
                err,
                "akscan: warning: {}",
                report::sanitize::for_terminal(w)
            );
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
                let _ = writeln!(err, "akscan: warning: {w}");
            }
        }
    }
    let written = match &common.output {
        Some(path) => {
            let opts = RenderOptions {
                show_secrets: common.show_secrets,
                color: false,
            };
            let mut buf = Vec::new();
            report::render(common.format, &data, &opts, &mut buf)
                .and_then(|_| std::fs::write(path, &buf))
                .map_err(|e| format!("cannot write {}: {e}", path.display()))
        }
        None => {
            let opts = RenderOptions {
                show_secrets: common.show_secrets,
                color: use_color(common.color, io::stdout().is_terminal()),
            };
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            match report::render(common.format, &data, &opts, &mut out).and_then(|_| out.flush()) {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                r => r.map_err(|e| format!("cannot write the report: {e}")),
            }
        }
    };
    if let Err(e) = written {
        return error(e);
    }
    if !common.quiet {
        let _ = writeln!(
            io::stderr(),
            "{}",
            report::human::summary(&data, stderr_color)
        );
        if let Some((_, summary)) = &verified {
            let _ = writeln!(
                io::stderr(),
                "{}",
                report::sanitize::for_terminal(&summary.line())
            );
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
    fn sizes() {
        assert_eq!(parse_size("100M"), Ok(100 << 20));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("1024"), Ok(1024));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("10X").is_err());
    }

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}

//! Report: renders findings and statistics (human, json, jsonl, sarif, github, gitlab). Reports
//! read findings; they never scan or change them.

pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod markdown;
pub mod redact;
pub mod sanitize;
pub mod sarif;

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::detect::rules::RuleSet;
use crate::finding::{Finding, Suppressed};
use crate::scan::Stats;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Readable text with advice (the default).
    Human,
    /// One JSON document: {"version", "findings", "stats"}.
    Json,
    /// One JSON finding per line.
    Jsonl,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands: annotations on the pull request.
    Github,
    /// GitLab's secret-detection report (gl-secret-detection-report.json).
    Gitlab,
}

/// How to render.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// Print full secret values instead of redacted ones.
    pub show_secrets: bool,
    /// Use ANSI colours (human format only).
    pub color: bool,
    /// Human format: each finding with one line of fix and `akscan fix` named, instead of
    /// the full advice and incident response (for hooks and `--quiet`).
    pub compact: bool,
}

/// Everything a report shows.
#[derive(Debug, Clone, Copy)]
pub struct ReportData<'a> {
    pub findings: &'a [Finding],
    /// Findings hidden by a suppression: SARIF lists them with a `suppressions` entry
    /// (GitHub code scanning shows them as dismissed); other formats only count them.
    pub suppressed: &'a [Suppressed],
    pub stats: &'a Stats,
    /// The rules in use (SARIF lists them all); `None` lists only the rules of findings.
    pub rules: Option<&'a RuleSet>,
    /// The repository's top (or the current directory outside one): SARIF, GitHub and
    /// GitLab locations are relative to it. `None`: the current directory.
    pub root: Option<&'a Path>,
    /// The directory relative finding paths are relative to (absolute): the repository's
    /// top in git scans. `None`: the current directory.
    pub base: Option<&'a Path>,
}

/// The value to print for a finding: redacted unless `show_secrets`.
pub fn shown_value(f: &Finding, opts: &RenderOptions) -> String {
    if opts.show_secrets {
        f.secret.expose().to_string()
    } else {
        f.redacted.clone()
    }
}

/// Where a finding's file is, for formats that locate files for another program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Located {
    /// Under the root: the `/`-separated path relative to it.
    Relative(String),
    /// Outside the root: the absolute path of the file, and the member (as shown) when
    /// the finding is in an archive.
    Absolute(PathBuf, Option<String>),
}

/// Makes finding paths relative to a root (lexically: no file system access).
#[derive(Debug, Clone)]
pub struct Locator {
    cwd: PathBuf,
    root: PathBuf,
}

impl Locator {
    /// Paths under `root` (default: the current directory) become relative to it;
    /// relative finding paths are relative to `base` (default: the current directory).
    pub fn new(root: Option<&Path>, base: Option<&Path>) -> Locator {
        let here = std::env::current_dir().unwrap_or_default();
        let root = crate::config::normalize(&here.join(root.unwrap_or(Path::new("."))));
        let cwd = base.map_or(here, crate::config::normalize);
        Locator { cwd, root }
    }

    /// The root as an absolute path.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// `path` as a file name for another program: relative to the root when under it,
    /// else absolute, `/`-separated.
    pub fn file(&self, path: &str) -> String {
        match self.locate(path) {
            Located::Relative(rel) => rel,
            Located::Absolute(abs, member) => {
                let mut s = crate::source::walk::display_path(&abs);
                if let Some(m) = member {
                    s.push('!');
                    s.push_str(&m);
                }
                s
            }
        }
    }

    /// `path` is a finding's path as shown (escaped; an archive member after `!`).
    pub fn locate(&self, path: &str) -> Located {
        let (file, member) = crate::source::walk::shown_file(path);
        let abs = crate::config::normalize(&self.cwd.join(file));
        match abs.strip_prefix(&self.root) {
            Ok(rel) if !rel.as_os_str().is_empty() => {
                let mut s = crate::source::walk::display_path(rel);
                if let Some(m) = member {
                    s.push('!');
                    s.push_str(m);
                }
                Located::Relative(s)
            }
            _ => Located::Absolute(abs, member.map(str::to_string)),
        }
    }
}

/// The findings by fingerprint (to name a finding's partner).
pub fn by_fingerprint(findings: &[Finding]) -> std::collections::BTreeMap<&str, &Finding> {
    findings
        .iter()
        .map(|f| (f.fingerprint.as_str(), f))
        .collect()
}

/// Writes the report in `format`.
pub fn render(
    format: Format,
    data: &ReportData<'_>,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    render_with_fixes(format, data, opts, None, out)
}

/// Writes the report in `format`; SARIF results carry the fixes of `fixes` (from
/// [`crate::fix::plan`]), other formats ignore them.
pub fn render_with_fixes(
    format: Format,
    data: &ReportData<'_>,
    opts: &RenderOptions,
    fixes: Option<&crate::fix::Plan>,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Sarif => sarif::render_with_fixes(data, opts, fixes, out),
        Format::Human => human::render(data, opts, out),
        Format::Json => json::render(data, opts, out),
        Format::Jsonl => json::render_lines(data, opts, out),
        Format::Github => github::render(data, opts, out),
        Format::Gitlab => gitlab::render(data, opts, out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_are_relative_to_the_root() {
        let l = Locator::new(Some(Path::new("proj")), None);
        assert_eq!(
            l.locate("proj/src/a.py"),
            Located::Relative("src/a.py".into())
        );
        assert_eq!(
            l.locate("./proj/./src/../b.py"),
            Located::Relative("b.py".into())
        );
        assert!(matches!(l.locate("other/c.py"), Located::Absolute(..)));
        let here = Locator::new(None, None);
        assert_eq!(here.locate("x/y.go"), Located::Relative("x/y.go".into()));
    }
}

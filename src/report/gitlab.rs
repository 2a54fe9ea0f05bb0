//! GitLab secret-detection report (`gl-secret-detection-report.json`), which GitLab reads
//! from a job's `artifacts:reports:secret_detection` into the merge request and the
//! vulnerability report.
//!
//! It follows GitLab's published schema (version [`SCHEMA_VERSION`], vendored under
//! `tests/data/gitlab/` and checked by a test). Values appear only in descriptions,
//! redacted unless `--show-secrets`; no source extract is written. File paths are relative
//! to the repository's top, as GitLab links them. A finding from a git scan names its
//! commit; a finding of a file scan names `CI_COMMIT_SHA` when GitLab set it (the commit
//! the job checked out), else GitLab's own placeholder `0000000`.

use std::io::{self, Write};

use serde::Serialize;
use sha1::{Digest, Sha1};

use super::{Locator, RenderOptions, ReportData};
use crate::detect::rules::Severity;
use crate::finding::Finding;

/// The version of GitLab's report schema this report follows.
pub const SCHEMA_VERSION: &str = "15.0.7";

const SCHEMA_URL: &str = "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v15.0.7/dist/secret-detection-report-format.json";

/// The commit of a finding outside git history when GitLab names none.
pub const NO_COMMIT: &str = "0000000";

#[derive(Serialize)]
struct Report<'a> {
    version: &'static str,
    schema: &'static str,
    scan: Scan,
    vulnerabilities: Vec<Vulnerability<'a>>,
}

#[derive(Serialize)]
struct Tool {
    id: &'static str,
    name: &'static str,
    version: &'static str,
    url: &'static str,
    vendor: Vendor,
}

#[derive(Serialize)]
struct Vendor {
    name: &'static str,
}

#[derive(Serialize)]
struct Scan {
    #[serde(rename = "type")]
    kind: &'static str,
    scanner: Tool,
    analyzer: Tool,
    start_time: String,
    end_time: String,
    status: &'static str,
}

#[derive(Serialize)]
struct Vulnerability<'a> {
    id: String,
    category: &'static str,
    name: &'a str,
    description: String,
    severity: &'static str,
    solution: &'static str,
    location: Location<'a>,
    identifiers: Vec<Identifier<'a>>,
}

#[derive(Serialize)]
struct Location<'a> {
    file: String,
    start_line: usize,
    end_line: usize,
    commit: Commit<'a>,
}

#[derive(Serialize)]
struct Commit<'a> {
    sha: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a str>,
}

#[derive(Serialize)]
struct Identifier<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    name: String,
    value: &'a str,
}

/// GitLab's name for a severity.
pub fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "Critical",
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
        Severity::Info => "Info",
    }
}

/// `yyyy-mm-ddThh:mm:ss` in UTC, the schema's time format.
fn timestamp(t: time::OffsetDateTime) -> String {
    let f = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    t.to_offset(time::UtcOffset::UTC)
        .format(&f)
        .unwrap_or_default()
}

/// A stable id for a finding at a place: a UUID made from its fingerprint, path and line,
/// so the same finding keeps its id from one pipeline to the next.
fn vulnerability_id(f: &Finding, file: &str) -> String {
    let mut h = Sha1::new();
    h.update(f.fingerprint.as_bytes());
    h.update([0]);
    h.update(file.as_bytes());
    h.update([0]);
    h.update(f.line.to_string().as_bytes());
    let digest: [u8; 20] = h.finalize().into();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_sha1_bytes(bytes)
        .into_uuid()
        .to_string()
}

/// Writes the report.
pub fn render(data: &ReportData<'_>, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let loc = Locator::new(data.root, data.base);
    let by_fp = super::by_fingerprint(data.findings);
    let job_commit = std::env::var("CI_COMMIT_SHA")
        .ok()
        .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit()));
    let vulnerabilities = data
        .findings
        .iter()
        .map(|f| {
            let file = loc.file(&f.path);
            let commit = match &f.git {
                Some(g) => Commit {
                    sha: g.commit.clone(),
                    author: Some(&g.author),
                    date: Some(&g.date),
                    message: g.summary.as_deref(),
                },
                None => Commit {
                    sha: job_commit.clone().unwrap_or_else(|| NO_COMMIT.to_string()),
                    author: None,
                    date: None,
                    message: None,
                },
            };
            Vulnerability {
                id: vulnerability_id(f, &file),
                category: "secret_detection",
                name: &f.rule_name,
                description: super::sarif::message(f, &by_fp, opts),
                severity: severity(f.severity),
                solution: f.advice().summary,
                location: Location {
                    file,
                    start_line: f.line,
                    end_line: f.line,
                    commit,
                },
                identifiers: vec![Identifier {
                    kind: "akscan_rule_id",
                    name: format!("akscan rule {}", f.rule_id),
                    value: &f.rule_id,
                }],
            }
        })
        .collect();
    let end = time::OffsetDateTime::now_utc();
    let start = end - time::Duration::milliseconds(data.stats.elapsed_ms as i64);
    let tool = || Tool {
        id: "akscan",
        name: "akscan",
        version: env!("CARGO_PKG_VERSION"),
        url: "https://github.com/akscan/akscan",
        vendor: Vendor { name: "akscan" },
    };
    let report = Report {
        version: SCHEMA_VERSION,
        schema: SCHEMA_URL,
        scan: Scan {
            kind: "secret_detection",
            scanner: tool(),
            analyzer: tool(),
            start_time: timestamp(start),
            end_time: timestamp(end),
            status: "success",
        },
        vulnerabilities,
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_the_schema_shape() {
        let t = time::macros::datetime!(2026-01-02 03:04:05 UTC);
        assert_eq!(timestamp(t), "2026-01-02T03:04:05");
    }
}

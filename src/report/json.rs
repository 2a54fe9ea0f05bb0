//! JSON and JSON Lines reports. The schema is documented in README.md.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::{shown_value, RenderOptions, ReportData};
use crate::finding::{Finding, GitProvenance, Verification};
use crate::scan::Stats;

/// Version of the JSON report schema.
pub const SCHEMA_VERSION: u32 = 1;

/// One piece of advice, listed once per report under the document's `advice`, by id.
#[derive(Serialize)]
struct JsonAdvice<'a> {
    summary: &'a str,
    fix: &'a str,
    response: &'a str,
}

/// One finding as JSON.
#[derive(Serialize)]
pub struct JsonFinding<'a> {
    rule_id: &'a str,
    rule_name: &'a str,
    kind: &'a str,
    severity: &'a str,
    path: &'a str,
    line: usize,
    column: usize,
    end_column: usize,
    secret: String,
    redacted: bool,
    fingerprint: &'a str,
    pair: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    assigned_to: Option<&'a str>,
    excerpt: &'a str,
    language: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    encoding: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cell: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    git: Option<&'a GitProvenance>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verification: Option<&'a Verification>,
    /// The id of the finding's advice (its text is in the document's `advice`).
    advice: &'a str,
}

impl<'a> JsonFinding<'a> {
    pub fn new(f: &'a Finding, opts: &RenderOptions) -> JsonFinding<'a> {
        JsonFinding {
            rule_id: &f.rule_id,
            rule_name: &f.rule_name,
            kind: f.kind.as_str(),
            severity: f.severity.as_str(),
            path: &f.path,
            line: f.line,
            column: f.column,
            end_column: f.end_column,
            secret: shown_value(f, opts),
            redacted: !opts.show_secrets,
            fingerprint: &f.fingerprint,
            pair: f.pair.as_deref(),
            assigned_to: f.assigned_to.as_deref(),
            excerpt: &f.excerpt,
            language: f.language.as_str(),
            encoding: f.encoding.as_deref(),
            cell: f.cell,
            git: f.git.as_ref(),
            verification: f.verification.as_ref(),
            advice: f.advice().id,
        }
    }
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: Tool,
    findings: Vec<JsonFinding<'a>>,
    /// Each piece of advice the findings refer to, once, by id.
    advice: BTreeMap<&'a str, JsonAdvice<'a>>,
    stats: &'a Stats,
}

/// `{"version", "tool", "findings": [...], "stats": {...}}`
pub fn render(data: &ReportData<'_>, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let doc = Document {
        version: SCHEMA_VERSION,
        tool: Tool {
            name: "akscan",
            version: env!("CARGO_PKG_VERSION"),
        },
        findings: data
            .findings
            .iter()
            .map(|f| JsonFinding::new(f, opts))
            .collect(),
        advice: data
            .findings
            .iter()
            .map(|f| {
                let a = f.advice();
                (
                    a.id,
                    JsonAdvice {
                        summary: a.summary,
                        fix: a.fix,
                        response: a.response,
                    },
                )
            })
            .collect(),
        stats: data.stats,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// One finding per line.
pub fn render_lines(
    data: &ReportData<'_>,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    for f in data.findings {
        serde_json::to_writer(&mut *out, &JsonFinding::new(f, opts))?;
        writeln!(out)?;
    }
    Ok(())
}

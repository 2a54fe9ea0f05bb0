//! Report: renders findings and statistics (human, json, jsonl). Reports read findings;
//! they never scan or change them.

pub mod human;
pub mod json;
pub mod sanitize;

use std::io::{self, Write};

use crate::finding::Finding;
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
}

/// How to render.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// Print full secret values instead of redacted ones.
    pub show_secrets: bool,
    /// Use ANSI colours (human format only).
    pub color: bool,
}

/// Everything a report shows.
#[derive(Debug, Clone, Copy)]
pub struct ReportData<'a> {
    pub findings: &'a [Finding],
    pub stats: &'a Stats,
}

/// The value to print for a finding: redacted unless `show_secrets`.
pub fn shown_value(f: &Finding, opts: &RenderOptions) -> String {
    if opts.show_secrets {
        f.secret.expose().to_string()
    } else {
        f.redacted.clone()
    }
}

/// Writes the report in `format`.
pub fn render(
    format: Format,
    data: &ReportData<'_>,
    opts: &RenderOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Human => human::render(data, opts, out),
        Format::Json => json::render(data, opts, out),
        Format::Jsonl => json::render_lines(data, opts, out),
    }
}

//! The Markdown job summary of `akscan ci` (GitHub Actions shows `$GITHUB_STEP_SUMMARY` on
//! the run's page): every finding in one table, redacted unless `--show-secrets`, so none is
//! lost past the handful of annotations GitHub shows per step.
//!
//! Paths and other text from the repository are escaped, so a file name cannot break the
//! table or inject markup; the whole stays under GitHub's 1 MiB limit for a step's summary,
//! saying how many rows were left out if it would not.

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::{shown_value, Locator, RenderOptions, ReportData};
use crate::detect::rules::Severity;
use crate::finding::Finding;

/// GitHub refuses a step summary over 1 MiB; rows stop a little before.
const MAX_BYTES: usize = 1000 * 1024;

/// Escapes text for a Markdown table cell: markup characters get a backslash, `<` and `>`
/// become entities, control characters and line breaks a visible escape or a space.
pub fn cell(s: &str) -> String {
    let s = super::sanitize::for_terminal(s);
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '!' | '~' | '(' | ')' | '{' | '}'
            | '+' | '-' | '.' | '$' | ':' | '@' | '=' | '"' | '\'' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

fn mark(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "🔴",
        Severity::Medium => "🟠",
        Severity::Low | Severity::Info => "🔵",
    }
}

/// Writes the summary. `what` says what was scanned (e.g. "pull request #4: abc..def").
pub fn render(
    data: &ReportData<'_>,
    opts: &RenderOptions,
    what: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    let loc = Locator::new(data.root, data.base);
    let n = data.findings.len();
    let mut text = String::new();
    if n == 0 {
        text.push_str("## akscan: no new credentials\n\n");
    } else {
        text.push_str(&format!(
            "## akscan: {n} new credential{} found\n\n",
            if n == 1 { "" } else { "s" }
        ));
    }
    text.push_str(&format!("Scanned: {}.", cell(what)));
    if data.stats.suppressed > 0 {
        text.push_str(&format!(
            " {} known finding{} (baseline, allowlist or `akscan:allow`) not listed.",
            data.stats.suppressed,
            if data.stats.suppressed == 1 { "" } else { "s" }
        ));
    }
    text.push_str("\n\n");
    if n > 0 {
        text.push_str("| | File | Line | Finding | Value | Commit |\n|---|---|---|---|---|---|\n");
    }
    let mut rows = 0;
    for f in data.findings {
        let file = loc.file(&f.path);
        let commit = f
            .git
            .as_ref()
            .map(|g| g.commit[..g.commit.len().min(12)].to_string())
            .unwrap_or_default();
        let row = format!(
            "| {} | {} | {} | {} ({}) | {} | {} |\n",
            mark(f.severity),
            cell(&file),
            f.line,
            cell(f.kind.label()),
            cell(&f.rule_id),
            cell(&shown_value(f, opts)),
            cell(&commit)
        );
        if text.len() + row.len() > MAX_BYTES {
            break;
        }
        text.push_str(&row);
        rows += 1;
    }
    if rows < n {
        text.push_str(&format!(
            "\n{} more findings not shown: GitHub keeps at most 1 MiB of summary per step. \
             Write them all with `--report json=akscan.json` or `--report sarif=akscan.sarif`.\n",
            n - rows
        ));
    }
    if n > 0 {
        text.push_str("\n### How to fix\n\n");
        let mut seen: BTreeMap<&str, &Finding> = BTreeMap::new();
        for f in data.findings {
            seen.entry(f.advice().id).or_insert(f);
        }
        for (id, f) in seen {
            text.push_str(&format!("- **{}**: {}\n", cell(id), f.advice().summary));
        }
        text.push_str(
            "\nRun `akscan fix --apply` in your checkout to replace the values with \
             environment lookups, then commit. A key that was pushed has leaked: disable \
             and rotate it in the RAM console whatever the fix. A false positive: add \
             `akscan:allow` in a comment on its line.\n",
        );
    }
    text.push('\n');
    out.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table_or_add_markup() {
        let c = cell("a|b`c<script>\n[x](y)\u{1b}");
        assert!(!c.contains("<script>"));
        assert!(!c.contains('\n'));
        assert!(!c.contains('\u{1b}'));
        // every pipe is escaped
        assert_eq!(c.matches('|').count(), c.matches("\\|").count());
    }
}

//! GitHub Actions workflow commands: one `::error` / `::warning` / `::notice` line per
//! finding, which the Actions runner turns into annotations on the pull request diff.
//!
//! Properties and messages are escaped as the runner expects (`%`, CR and LF everywhere;
//! `:` and `,` in properties too), so a file name or a line's text cannot end a command
//! early or start another one; control characters in them are shown escaped
//! ([`for_terminal`]), never passed to the log's terminal.

use std::io::{self, Write};

use super::sanitize::for_terminal;
use super::{Locator, RenderOptions, ReportData};
use crate::detect::rules::Severity;

/// Escapes a command's message.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`file=`, `title=`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The command for a severity: high and critical fail the check's look, medium and low warn.
pub fn command(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "error",
        Severity::Medium | Severity::Low => "warning",
        Severity::Info => "notice",
    }
}

/// Writes one workflow command per finding.
pub fn render(data: &ReportData<'_>, opts: &RenderOptions, out: &mut dyn Write) -> io::Result<()> {
    let loc = Locator::new(data.root, data.base);
    let by_fp = super::by_fingerprint(data.findings);
    for f in data.findings {
        let file = loc.file(&f.path);
        // outside text (file names, rule names from a rule file, excerpts, verification
        // answers) is made visible, not obeyed, by the terminal that shows the log
        let file = for_terminal(&file);
        let title = for_terminal(&format!("akscan: {} [{}]", f.rule_name, f.rule_id)).into_owned();
        let message = super::sarif::message(f, &by_fp, opts);
        let message = for_terminal(&message);
        writeln!(
            out,
            "::{} file={},line={},endLine={},col={},endColumn={},title={}::{}",
            command(f.severity),
            escape_property(&file),
            f.line,
            f.line,
            f.column,
            f.end_column,
            escape_property(&title),
            escape_data(&message)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape_data("50% a\r\nb"), "50%25 a%0D%0Ab");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(escape_data("x::y"), "x::y");
    }
}

//! The neutraliser on arbitrary text in every human-facing place: a file name, a rule name
//! and an excerpt rendered by the human and GitHub reports (through the output layer), a
//! config error's text and a diff's lines. Nothing may reach the log raw: no control
//! character (a tab and line ends aside), no bidi control, no line a CI runner takes for a
//! command (except the GitHub report's own, one per finding).
#![no_main]
use libfuzzer_sys::fuzz_target;

use akscan::report::redact::{Redacting, Redactor};
use akscan::report::sanitize::{for_terminal, guard_line, lines_for_terminal};
use akscan::report::{self, Format, RenderOptions, ReportData};

fn bad(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}')
}

fn command(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("::") || t.starts_with("##[") || t.starts_with("##vso[")
}

fn inert(what: &str, text: &str, own: impl Fn(&str) -> bool) {
    for line in text.split('\n') {
        let body = line.strip_suffix('\r').unwrap_or(line);
        assert!(!body.chars().any(bad), "{what}: raw control in {line:?}");
        assert!(!command(line) || own(line), "{what}: command line {line:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\u{fffd}');
    let (a, b, c) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let one = for_terminal(a);
    assert!(!one.contains('\n') && !one.chars().any(bad), "{one:?}");
    inert("lines", &lines_for_terminal(&text), |_| false);
    inert("guard", &guard_line(&one), |_| false);

    static PAIR: std::sync::OnceLock<Vec<akscan::finding::Finding>> = std::sync::OnceLock::new();
    let mut findings = PAIR
        .get_or_init(|| {
            akscan::scan::Scanner::builtin().scan_bytes(
                "x.py",
                b"access_key_id = \"LTAI5tQ8bFz2KcVw9YhN3xRm\"\naccess_key_secret = \"Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e\"\n",
            )
        })
        .clone();
    for f in &mut findings {
        f.path = a.to_string();
        f.rule_name = b.to_string();
        f.excerpt = c.to_string();
    }
    let red = Redactor::for_findings(&findings, &[]);
    let stats = akscan::scan::Stats::default();
    let rd = ReportData { findings: &findings, suppressed: &[], stats: &stats, rules: None, root: None, base: None };
    for fmt in [Format::Human, Format::Github] {
        let mut out = Vec::new();
        {
            let mut w = Redacting::new(&mut out, &red, fmt != Format::Github);
            report::render(fmt, &rd, &RenderOptions::default(), &mut w).unwrap();
            w.finish().unwrap();
        }
        let s = String::from_utf8_lossy(&out);
        if fmt == Format::Github {
            assert_eq!(s.lines().count(), findings.len(), "{s}");
            inert("github", &s, |l| {
                ["::error file=", "::warning file=", "::notice file="].iter().any(|p| l.starts_with(p))
            });
        } else {
            inert("human", &s, |_| false);
        }
    }
});

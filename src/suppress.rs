//! Suppression: the post-processing step that hides findings the team has accepted, for
//! every mode (`scan`, `git`): inline `akscan:allow` comments, the config's value
//! allowlist, and a baseline. Hidden findings are counted in [`Stats::suppressed`].
//!
//! [`Stats::suppressed`]: crate::scan::Stats::suppressed

use std::sync::OnceLock;

use regex::bytes::Regex;

use crate::baseline::{Baseline, Coverage, StaleEntry};
use crate::config::Config;
use crate::finding::{Suppressed, Suppression};
use crate::scan::ScanResult;

/// The inline marker, matched case-insensitively.
pub const MARKER: &str = "akscan:allow";

fn marker() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(?i)akscan:allow").expect("valid marker regex"))
}

/// Whether a line's `akscan:allow` marker covers a finding of `rule_id` on it.
///
/// The marker may sit in any comment syntax (`#`, `//`, `--`, `/* */`, `<!-- -->`, `;`,
/// `REM`) or anywhere else on the line. `akscan:allow` alone covers every finding on the
/// line; `akscan:allow(rule-a, rule-b)` only those rules. A marker glued to more letters
/// (`akscan:allowlist`) is not a marker.
pub fn inline_allows(line: &[u8], rule_id: &str) -> bool {
    if memchr::memchr(b':', line).is_none() {
        return false;
    }
    for m in marker().find_iter(line) {
        let rest = &line[m.end()..];
        match rest.first() {
            Some(b'(') => {
                let inner = &rest[1..];
                let inner = match memchr::memchr(b')', inner) {
                    Some(i) => &inner[..i],
                    None => inner,
                };
                let listed = inner
                    .split(|&b| b == b',' || b.is_ascii_whitespace())
                    .any(|id| !id.is_empty() && id.eq_ignore_ascii_case(rule_id.as_bytes()));
                if listed {
                    return true;
                }
            }
            Some(&b) if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' => {}
            _ => return true,
        }
    }
    false
}

/// Moves the findings allowed inline or by the config's value allowlist to the suppressed
/// ones, and counts them.
pub fn apply_allow(result: &mut ScanResult, config: &Config) {
    let findings = std::mem::take(&mut result.findings);
    for f in findings {
        let by = if f.allowed_inline {
            Suppression::Inline
        } else if config.allow.allows(f.secret.expose()) {
            Suppression::Allowlist
        } else {
            result.findings.push(f);
            continue;
        };
        result.stats.suppressed += 1;
        result.suppressed.push(Suppressed { finding: f, by });
    }
    result.stats.findings = result.findings.len() as u64;
}

/// Moves the findings recorded in `baseline` to the suppressed ones, counts them, and
/// returns (and counts in [`crate::scan::Stats::baseline_stale`]) the entries that matched
/// nothing.
pub fn apply_baseline(result: &mut ScanResult, baseline: &Baseline) -> Vec<StaleEntry> {
    apply_baseline_within(result, baseline, &Coverage::Everything)
}

/// [`apply_baseline`] for a scan that covered only `coverage`: entries outside it are not
/// stale (the scan did not look there).
pub fn apply_baseline_within(
    result: &mut ScanResult,
    baseline: &Baseline,
    coverage: &Coverage,
) -> Vec<StaleEntry> {
    let findings = std::mem::take(&mut result.findings);
    let (kept, known, mut stale) = baseline.filter(findings);
    stale.retain(|e| baseline.covers(coverage, &e.path));
    result.findings = kept;
    result.stats.suppressed += known.len() as u64;
    result
        .suppressed
        .extend(known.into_iter().map(|finding| Suppressed {
            finding,
            by: Suppression::Baseline,
        }));
    result.stats.findings = result.findings.len() as u64;
    result.stats.baseline_stale += stale.len() as u64;
    stale
}

/// Every suppression, in order: inline comments and the allowlist, then the baseline.
pub fn apply_suppressions(
    result: &mut ScanResult,
    config: &Config,
    baseline: Option<&Baseline>,
) -> Vec<StaleEntry> {
    apply_allow(result, config);
    match baseline {
        Some(b) => apply_baseline(result, b),
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: &str = "alibaba-access-key-secret";

    #[test]
    fn marker_in_any_comment_syntax() {
        for line in [
            "sk = 'x' # akscan:allow",
            "sk = 'x' // akscan:allow test fixture",
            "sk := 'x' -- akscan:allow",
            "sk = 'x' /* akscan:allow */",
            "<key>x</key> <!-- akscan:allow -->",
            "sk = x ; akscan:allow",
            "set SK=x & REM akscan:allow",
            "sk = 'x' # AKSCAN:ALLOW",
            "sk = 'x' # akscan:allow: documented example",
        ] {
            assert!(inline_allows(line.as_bytes(), R), "{line}");
        }
    }

    #[test]
    fn rule_lists_limit_the_marker() {
        assert!(inline_allows(
            b"x # akscan:allow(alibaba-access-key-id, alibaba-access-key-secret)",
            R
        ));
        assert!(!inline_allows(
            b"x # akscan:allow(alibaba-access-key-id)",
            R
        ));
        assert!(inline_allows(
            b"x # akscan:allow(alibaba-access-key-id) akscan:allow",
            R
        ));
    }

    #[test]
    fn near_misses_are_not_markers() {
        for line in [
            "sk = 'x'",
            "sk = 'x' # akscan allow",
            "sk = 'x' # akscan:allowlist",
            "sk = 'x' # akscan:",
        ] {
            assert!(!inline_allows(line.as_bytes(), R), "{line}");
        }
    }
}

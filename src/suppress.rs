//! Suppression: the post-processing step that hides findings the team has accepted, for
//! every mode (`scan`, `git`): inline `akscan:allow` comments, the config's value
//! allowlist, and a baseline. Hidden findings are counted in [`Stats::suppressed`].
//!
//! [`Stats::suppressed`]: crate::scan::Stats::suppressed

use crate::baseline::{Baseline, Coverage, StaleEntry};
use crate::config::Config;
use crate::finding::{Suppressed, Suppression};
use crate::scan::ScanResult;

pub use crate::finding::allow::{inline_allows, MARKER};

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

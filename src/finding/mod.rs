//! Finding: turns detections (byte offsets in a buffer) into findings a person can act on:
//! a location, a redacted value, a stable fingerprint, a partner link and advice.

pub mod advice;
pub mod allow;
pub mod verification;

use std::collections::HashMap;
use std::fmt;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::detect::rules::{Kind, RedactSpec, RuleSet, Severity};
use crate::detect::Detection;
pub use advice::{Advice, Language};
pub use verification::{Identity, Verification, VerifyStatus};

/// A credential value. Its `Debug` and `Display` never show it, so a stray log line or a
/// panic message cannot leak it; [`Secret::expose`] is the one way to read it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }

    /// The full value. Callers must not print it unless the user asked (`--show-secrets`).
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret([redacted, {} chars])", self.0.len())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[redacted, {} chars]", self.0.len())
    }
}

/// Where a finding came from when it was found in git.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct GitProvenance {
    pub commit: String,
    pub author: String,
    pub email: String,
    pub date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blob: Option<String>,
    /// Whether the same value is still in the tree at HEAD (history scans).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub present_at_head: Option<bool>,
    /// The repository, when it was named by URL or scanned in an audit (`--repo URL`,
    /// `akscan audit`), shown without user information.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
}

/// What hid a finding from the new ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Suppression {
    /// An `akscan:allow` comment on the finding's line.
    Inline,
    /// The value is on the config's allowlist.
    Allowlist,
    /// The finding is recorded in the baseline.
    Baseline,
}

impl Suppression {
    /// Why, in a sentence for a report.
    pub fn justification(self) -> &'static str {
        match self {
            Suppression::Inline => "allowed by an akscan:allow comment on its line",
            Suppression::Allowlist => "the value is on the allowlist of the akscan config",
            Suppression::Baseline => "recorded in the baseline as a known finding",
        }
    }
}

/// A finding hidden by a suppression, kept for the reports that list them (SARIF).
#[derive(Debug, Clone)]
pub struct Suppressed {
    pub finding: Finding,
    pub by: Suppression,
}

/// A credential found at a place.
#[derive(Debug, Clone)]
pub struct Finding {
    pub rule_id: String,
    pub rule_name: String,
    pub kind: Kind,
    pub severity: Severity,
    /// The path as the user sees it (relative to where the scan started, `/`-separated).
    pub path: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// 1-based column just past the value, in characters.
    pub end_column: usize,
    /// The value.
    pub secret: Secret,
    /// The value with its middle masked, e.g. `LTAI****************k3Qz`.
    pub redacted: String,
    /// Stable identity: a hash of rule, path, value and occurrence (not the line), so it
    /// survives lines moving up or down.
    pub fingerprint: String,
    /// The partner's fingerprint (the ID for a secret, the secret for an ID).
    pub pair: Option<String>,
    /// The name the value is assigned to, as written (`ALIYUN_SK`).
    pub assigned_to: Option<String>,
    /// The line with every credential on it redacted, trimmed around the value.
    pub excerpt: String,
    pub language: Language,
    /// How the value was stored when it was not plain text (`utf-16le`, `base64`, ...).
    pub encoding: Option<String>,
    pub git: Option<GitProvenance>,
    /// The 1-based cell of a Jupyter notebook the value is in.
    pub cell: Option<usize>,
    /// What `--verify` found out about the credential this value is part of.
    pub verification: Option<Verification>,
    /// The line carries an `akscan:allow` comment that covers this finding's rule (see
    /// [`allow::inline_allows`]). Reports never see such findings: the
    /// post-processing step removes them and counts them as suppressed.
    pub allowed_inline: bool,
}

impl Finding {
    pub fn advice(&self) -> &'static Advice {
        advice::for_finding(self.language, self.kind)
    }
}

/// Masks the middle of a value, keeping `prefix` and `suffix` characters. `fixed` is the
/// length of a public prefix (`LTAI`): it may always be shown, and at most a quarter of the
/// rest is. Very long values (tokens) are shortened.
pub fn redact(value: &str, spec: RedactSpec, fixed: usize) -> String {
    // (counted in characters; most values are ASCII, where characters are bytes)
    let n = if value.is_ascii() {
        value.len()
    } else {
        value.chars().count()
    };
    let (p, s) = shown_ends(n, spec, fixed);
    // byte offsets of the kept head's end and the kept tail's start
    let byte_at = |c: usize| value.char_indices().nth(c).map_or(value.len(), |(b, _)| b);
    let (head_end, tail_start) = if value.len() == n {
        (p, n - s)
    } else {
        (byte_at(p), byte_at(n - s))
    };
    let hidden = n - p - s;
    let mut out = String::with_capacity(head_end + (value.len() - tail_start) + hidden.min(64));
    out.push_str(&value[..head_end]);
    if hidden > 40 {
        out.push_str("********…[");
        out.push_str(&n.to_string());
        out.push_str(" chars]…");
    } else {
        out.extend(std::iter::repeat_n('*', hidden));
    }
    out.push_str(&value[tail_start..]);
    out
}

/// How many characters of a value of `n` characters [`redact`] shows at its start and
/// at its end: at most a quarter of what follows the `fixed` prefix, besides that prefix.
fn shown_ends(n: usize, spec: RedactSpec, fixed: usize) -> (usize, usize) {
    let fixed = fixed.min(n);
    let budget = fixed + (n - fixed) / 4;
    let (mut p, mut s) = (spec.prefix.min(n), spec.suffix.min(n));
    while p + s > budget && (p > 0 || s > 0) {
        if (s >= p || p <= fixed) && s > 0 {
            s -= 1;
        } else {
            p -= 1;
        }
    }
    (p, s)
}

/// The stable fingerprint of a value at a path.
pub fn fingerprint(rule_id: &str, path: &str, value: &[u8], occurrence: usize) -> String {
    let mut h = Sha256::new();
    h.update(b"akscan-fingerprint-v1\0");
    h.update(rule_id.as_bytes());
    h.update(b"\0");
    h.update(path.as_bytes());
    h.update(b"\0");
    h.update(value);
    h.update(b"\0");
    h.update(occurrence.to_le_bytes());
    let d = h.finalize();
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(32);
    for &b in &d[..16] {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 15) as usize] as char);
    }
    out
}

pub use crate::text::char_count;

/// Builds findings from one buffer's detections.
pub struct FindingBuilder<'a> {
    pub rules: &'a RuleSet,
    pub path: &'a str,
    pub language: Language,
    /// Line number of the buffer's first byte (1 for a whole file).
    pub base_line: usize,
    /// Characters of that line before the buffer's first byte (0 for a whole file).
    pub base_column: usize,
    pub encoding: Option<&'a str>,
    /// Counts values already seen in this file, for the occurrence part of fingerprints.
    pub seen: &'a mut HashMap<(usize, Vec<u8>), usize>,
}

impl FindingBuilder<'_> {
    /// Converts the detections whose start lies in `report` (a byte range of `buf`) into
    /// findings. Partner links to detections outside the range are dropped.
    pub fn build(
        &mut self,
        buf: &[u8],
        dets: &[Detection],
        report: std::ops::Range<usize>,
    ) -> Vec<Finding> {
        let mut out: Vec<Finding> = Vec::with_capacity(dets.len());
        let mut index_of: Vec<Option<usize>> = vec![None; dets.len()];
        let mut line = self.base_line;
        let mut line_pos = 0usize;
        // The current line's bounds, and the column at a position on it: detections are
        // sorted by start, so findings on one long line (minified code) cost linear time.
        let (mut ls, mut le) = (0usize, 0usize);
        let (mut col_pos, mut col) = (0usize, 1usize);
        let mut allows: Vec<(usize, bool)> = Vec::new();
        let mut first = true;
        for (i, d) in dets.iter().enumerate() {
            if !report.contains(&d.start) {
                continue;
            }
            // count lines incrementally
            let newlines = memchr::memchr_iter(b'\n', &buf[line_pos..d.start]).count();
            line += newlines;
            line_pos = d.start;
            if first || newlines > 0 {
                ls = crate::detect::line_start(buf, d.start);
                le = crate::detect::line_end(buf, d.start);
                // a line that began in an earlier chunk goes on counting from there
                let before = if ls == 0 { self.base_column } else { 0 };
                (col_pos, col) = (ls, 1 + before);
                allows.clear();
                first = false;
            }
            col += char_count(&buf[col_pos..d.start]);
            col_pos = d.start;
            let rule = &self.rules.rules[d.rule];
            let value = &buf[d.start..d.end];
            let value_str = String::from_utf8_lossy(value).into_owned();
            let occurrence = {
                let n = self.seen.entry((d.rule, value.to_vec())).or_insert(0);
                *n += 1;
                *n - 1
            };
            let column = col;
            let end_column = column + char_count(value);
            let excerpt = excerpt(buf, ls, le, d.start, d.end, dets, self.rules);
            let allowed_inline = match allows.iter().find(|(r, _)| *r == d.rule) {
                Some(&(_, a)) => a,
                None => {
                    let a = allow::inline_allows(&buf[ls..le], &rule.id);
                    allows.push((d.rule, a));
                    a
                }
            };
            index_of[i] = Some(out.len());
            out.push(Finding {
                rule_id: rule.id.clone(),
                rule_name: rule.name.clone(),
                kind: rule.kind,
                severity: rule.severity,
                path: self.path.to_string(),
                line,
                column,
                end_column,
                redacted: redact(&value_str, rule.redact, rule.filters.fixed_prefix),
                fingerprint: fingerprint(&rule.id, self.path, value, occurrence),
                secret: Secret(value_str),
                pair: None,
                assigned_to: d.name.clone(),
                excerpt,
                language: self.language,
                encoding: self.encoding.map(str::to_string),
                git: None,
                cell: None,
                verification: None,
                allowed_inline,
            });
        }
        for (i, d) in dets.iter().enumerate() {
            if let (Some(me), Some(p)) = (index_of[i], d.partner) {
                if let Some(pi) = index_of.get(p).copied().flatten() {
                    out[me].pair = Some(out[pi].fingerprint.clone());
                }
            }
        }
        out
    }
}

/// Longest excerpt shown, in bytes of the original line.
const EXCERPT_MAX: usize = 160;
/// Longest value that can start before an excerpt and still reach into it.
const EXCERPT_REACH: usize = 1 << 16;
/// Detections before an excerpt's start checked for reaching into it.
const OVERLAP_LOOKBACK: usize = 8;

/// The line around a value, with every credential on it redacted and trimmed to
/// [`EXCERPT_MAX`] bytes around the value.
fn excerpt(
    buf: &[u8],
    ls: usize,
    le: usize,
    s: usize,
    e: usize,
    dets: &[Detection],
    rules: &RuleSet,
) -> String {
    let mut lo = ls;
    let mut hi = le;
    if hi > 0 && hi > lo && buf[hi - 1] == b'\r' {
        hi -= 1;
    }
    if hi - lo > EXCERPT_MAX {
        let room = EXCERPT_MAX.saturating_sub(e - s) / 2;
        lo = s.saturating_sub(room).max(ls);
        hi = (e + room).min(hi);
    }
    // pieces: text between credentials, and redacted credentials
    let mut out = String::new();
    if lo > ls {
        out.push('…');
    }
    let mut pos = lo;
    // detections are sorted by start and (one per value) seldom overlap: those that reach
    // into the excerpt from its left are among the few just before its start
    let mut first = dets.partition_point(|d| d.start < lo);
    let floor = first.saturating_sub(OVERLAP_LOOKBACK);
    while first > floor && dets[first - 1].start + EXCERPT_REACH >= lo {
        first -= 1;
    }
    for d in &dets[first..] {
        if d.start >= hi {
            break;
        }
        if d.end <= lo {
            continue;
        }
        let (ds, de) = (d.start.max(lo), d.end.min(hi));
        if ds > pos {
            out.push_str(&String::from_utf8_lossy(&buf[pos..ds]));
        }
        if de > pos {
            let v = String::from_utf8_lossy(&buf[d.start..d.end]);
            let r = &rules.rules[d.rule];
            out.push_str(&redact(&v, r.redact, r.filters.fixed_prefix));
            pos = de;
        }
    }
    if hi > pos {
        out.push_str(&String::from_utf8_lossy(&buf[pos..hi]));
    }
    if hi < le {
        out.push('…');
    }
    // A credential can appear again on the same line where no rule matched it (a copy
    // after a typo'd name, a log line repeating it): mask every copy, and any piece of
    // one cut by the excerpt's ends, of the values detected near this one.
    let at = dets.partition_point(|d| d.start < s);
    let near = at.saturating_sub(MASK_MAX / 2)..(at + MASK_MAX / 2).min(dets.len());
    for d in &dets[near] {
        if d.end <= ls || d.start >= le {
            continue; // not on this line
        }
        let v = String::from_utf8_lossy(&buf[d.start..d.end]);
        if v.len() < MASK_MIN {
            continue;
        }
        let r = &rules.rules[d.rule];
        mask_copies(&mut out, &v, || {
            redact(&v, r.redact, r.filters.fixed_prefix)
        });
    }
    out.trim().to_string()
}

/// Values shorter than this are not searched for again in an excerpt.
const MASK_MIN: usize = 8;
/// Most nearby values (the detections just before and after the value) searched for in
/// one excerpt (a minified line can hold thousands).
const MASK_MAX: usize = 32;

/// Replaces every copy of `value` in `text` by `redacted`, and masks a piece of `value`
/// cut by the start or the end of `text` (after or before an ellipsis).
fn mask_copies(text: &mut String, value: &str, redacted: impl FnOnce() -> String) {
    // an excerpt is short: the places of value's first byte are few, and cheaper to try
    // than building a substring searcher for every nearby value
    let (t, v) = (text.as_bytes(), value.as_bytes());
    let copy = v
        .first()
        .is_some_and(|&b| memchr::memchr_iter(b, t).any(|i| t[i..].starts_with(v)));
    if copy {
        *text = text.replace(value, &redacted());
    }
    // a copy cut at the end: `…` not included, the longest prefix of value ending text
    let body_end = text.strip_suffix('…').map_or(text.len(), |t| t.len());
    if let Some(k) = longest_overlap(&text[..body_end], value, true) {
        text.replace_range(
            body_end - k..body_end,
            &"*".repeat(value[..k].chars().count()),
        );
    }
    let body_start = if text.starts_with('…') {
        '…'.len_utf8()
    } else {
        0
    };
    if let Some(k) = longest_overlap(&text[body_start..], value, false) {
        let stars = "*".repeat(value[value.len() - k..].chars().count());
        text.replace_range(body_start..body_start + k, &stars);
    }
}

/// The length of the longest piece of `value` (at least [`MASK_MIN`] / 2 bytes, shorter
/// than `value`) that ends `text` as a prefix of `value` (`at_end`), or starts `text` as
/// a suffix of `value`.
fn longest_overlap(text: &str, value: &str, at_end: bool) -> Option<usize> {
    let max = value.len().saturating_sub(1).min(text.len());
    let min = MASK_MIN / 2;
    if max < min {
        return None;
    }
    let (t, v) = (text.as_bytes(), value.as_bytes());
    // only lengths whose piece ends (starts) with text's last (first) byte can match:
    // the places of that byte in value give them, longest first
    if at_end {
        let &edge = t.last()?;
        memchr::memrchr_iter(edge, &v[min - 1..max])
            .map(|j| j + min)
            .find(|&k| {
                value.is_char_boundary(k)
                    && text.is_char_boundary(text.len() - k)
                    && t.ends_with(&v[..k])
            })
    } else {
        let &edge = t.first()?;
        let from = v.len() - max;
        memchr::memchr_iter(edge, &v[from..=v.len() - min])
            .map(|j| v.len() - (from + j))
            .find(|&k| {
                value.is_char_boundary(v.len() - k)
                    && text.is_char_boundary(k)
                    && t.starts_with(&v[v.len() - k..])
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`longest_overlap`] as first written: every length, longest first.
    fn longest_overlap_by_length(text: &str, value: &str, at_end: bool) -> Option<usize> {
        let max = value.len().saturating_sub(1).min(text.len());
        (MASK_MIN / 2..=max).rev().find(|&k| {
            if at_end {
                value.is_char_boundary(k)
                    && text.is_char_boundary(text.len() - k)
                    && text.ends_with(&value[..k])
            } else {
                value.is_char_boundary(value.len() - k)
                    && text.is_char_boundary(k)
                    && text.starts_with(&value[value.len() - k..])
            }
        })
    }

    #[test]
    fn overlaps_found_by_the_edge_byte_are_the_longest() {
        // few distinct characters (one of them two bytes long) make overlaps common
        let alphabet = ['a', 'b', 'é', 'c'];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let mut found = 0;
        for _ in 0..20_000 {
            let value: String = (0..next(14)).map(|_| alphabet[next(4)]).collect();
            let mut text: String = (0..next(10)).map(|_| alphabet[next(4)]).collect();
            // often a real piece of the value at one end
            if !value.is_empty() && next(2) == 0 {
                let cut = next(value.len());
                if let Some(piece) = value.get(..cut) {
                    text.push_str(piece);
                }
                if let Some(piece) = value.get(cut..) {
                    text.insert_str(0, piece);
                }
            }
            for at_end in [true, false] {
                let want = longest_overlap_by_length(&text, &value, at_end);
                found += want.is_some() as usize;
                assert_eq!(
                    longest_overlap(&text, &value, at_end),
                    want,
                    "{text:?} {value:?} at_end {at_end}"
                );
            }
        }
        assert!(found > 1000, "{found}");
    }

    #[test]
    fn redaction_keeps_ends() {
        let spec = RedactSpec {
            prefix: 4,
            suffix: 4,
        };
        assert_eq!(
            redact("LTAI5tQ8bFz2KcVw9YhN3xRm", spec, 4),
            "LTAI****************3xRm"
        );
        assert_eq!(redact("LTAI1ireoadlmYh5", spec, 4), "LTAI*********Yh5");
        let three = RedactSpec {
            prefix: 3,
            suffix: 3,
        };
        assert_eq!(
            redact("Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e", three, 0),
            "Vq8************************J6e"
        );
        // short values never show more than a quarter
        assert_eq!(redact("abcdefgh", spec, 0), "a******h");
        assert_eq!(redact("ab", spec, 0), "**");
        let long = "CAIS".to_string() + &"x".repeat(500);
        assert!(redact(&long, spec, 4).starts_with("CAIS********…[504 chars]…"));
    }

    /// [`redact`] as first written, a character at a time.
    fn redact_by_chars(value: &str, spec: RedactSpec, fixed: usize) -> String {
        let chars: Vec<char> = value.chars().collect();
        let n = chars.len();
        let (p, s) = shown_ends(n, spec, fixed);
        let head: String = chars[..p].iter().collect();
        let tail: String = chars[n - s..].iter().collect();
        let hidden = n - p - s;
        if hidden > 40 {
            format!("{head}********…[{n} chars]…{tail}")
        } else {
            format!("{head}{}{tail}", "*".repeat(hidden))
        }
    }

    #[test]
    fn redaction_of_any_text_counts_characters() {
        let alphabet = ['a', 'Z', '7', 'é', '密', '🔑'];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for _ in 0..5_000 {
            let len = next(70);
            let ascii = next(2) == 0;
            let value: String = (0..len)
                .map(|_| alphabet[next(if ascii { 3 } else { alphabet.len() })])
                .collect();
            let spec = RedactSpec {
                prefix: next(6),
                suffix: next(6),
            };
            let fixed = next(6);
            assert_eq!(
                redact(&value, spec, fixed),
                redact_by_chars(&value, spec, fixed),
                "{value:?} {spec:?} {fixed}"
            );
        }
    }

    #[test]
    fn excerpt_masks_copies_and_cut_pieces_of_a_value() {
        let v = "KByjyMCfGipqgNWkvSm13ImKdwjJ4s";
        let mut t = format!("SECRET={v} then SE<RET={v} on port 80");
        mask_copies(&mut t, v, || "KBy***J4s".into());
        assert!(!t.contains(v), "{t}");
        assert_eq!(t.matches("KBy***J4s").count(), 2);
        // cut by the excerpt's end and start
        let mut t = format!("x = 1 {}…", &v[..20]);
        mask_copies(&mut t, v, || "KBy***J4s".into());
        assert_eq!(t, format!("x = 1 {}…", "*".repeat(20)));
        let mut t = format!("…{} = y", &v[12..]);
        mask_copies(&mut t, v, || "KBy***J4s".into());
        assert_eq!(t, format!("…{} = y", "*".repeat(v.len() - 12)));
        // ordinary text is left alone
        let mut t = "a = KB".to_string();
        mask_copies(&mut t, v, || "KBy***J4s".into());
        assert_eq!(t, "a = KB");
    }

    #[test]
    fn fingerprints_are_stable_and_distinct() {
        let a = fingerprint("r", "p", b"v", 0);
        assert_eq!(a, fingerprint("r", "p", b"v", 0));
        assert_ne!(a, fingerprint("r", "p", b"v", 1));
        assert_ne!(a, fingerprint("r", "q", b"v", 0));
        assert_eq!(a.len(), 32);
    }

    #[test]
    fn secret_debug_is_redacted() {
        let s = Secret::new("Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e");
        assert!(!format!("{s:?}").contains("Vq8H"));
        assert!(!format!("{s}").contains("Vq8H"));
    }

    #[test]
    fn char_counting() {
        assert_eq!(char_count("héllo".as_bytes()), 5);
        assert_eq!(char_count(b"\xff\xfeab"), 4);
    }
}

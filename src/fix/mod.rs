//! Fix: turns findings into edits that replace each hardcoded credential with a lookup
//! (an environment variable, a placeholder, the default credential chain), renders them as
//! a unified diff and applies them.
//!
//! A stage after finding: it reads the public fields of [`Finding`] (path, line, column,
//! kind, language, pair) and the file's contents, never the detector. The report stage may
//! use a [`Plan`] (SARIF `fixes`). A patch never holds a secret: it removes the value and
//! writes only variable names and comments.

pub mod apply;
mod rewrite;

use std::collections::{BTreeMap, HashMap};

use sha2::{Digest, Sha256};

use crate::detect::rules::Kind;
use crate::finding::Finding;

pub use apply::{apply, ApplyReport};

/// One change to a file: replace the bytes `start..end` of the original with `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// The planned changes to one file.
#[derive(Debug, Clone)]
pub struct FilePlan {
    /// The path as findings show it (relative to the current directory).
    pub path: String,
    /// SHA-256 of the contents the plan was made from; [`apply`] skips the file when it
    /// no longer matches.
    pub hash: [u8; 32],
    pub original: String,
    pub fixed: String,
    /// Sorted, non-overlapping.
    pub edits: Vec<Edit>,
    /// Fingerprint of each fixed finding → indexes of the edits that fix it (its own and its
    /// partners', plus any import it needs).
    pub fixes: BTreeMap<String, Vec<usize>>,
}

impl FilePlan {
    /// (line, column) of a byte offset of the original, both 1-based, columns in characters.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        position(&self.original, offset)
    }
}

/// A finding left as it is, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfixed {
    pub path: String,
    pub line: usize,
    pub fingerprint: String,
    pub kind: Kind,
    pub reason: String,
}

/// What `akscan fix` will do.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// Files with at least one fix, sorted by path.
    pub files: Vec<FilePlan>,
    pub unfixed: Vec<Unfixed>,
}

impl Plan {
    /// Number of findings the plan fixes.
    pub fn fixed_count(&self) -> usize {
        self.files.iter().map(|f| f.fixes.len()).sum()
    }

    /// The file plan and edits that fix the finding with this fingerprint.
    pub fn fix_for(&self, fingerprint: &str) -> Option<(&FilePlan, Vec<&Edit>)> {
        self.files.iter().find_map(|f| {
            f.fixes
                .get(fingerprint)
                .map(|ix| (f, ix.iter().map(|&i| &f.edits[i]).collect()))
        })
    }

    /// The unified diff with every value of `findings` redacted (the removed lines would
    /// otherwise show them): for reading, not for `git apply`.
    pub fn diff_redacted(&self, findings: &[Finding]) -> String {
        let mut values: BTreeMap<&str, &str> = BTreeMap::new();
        for f in findings {
            if !f.secret.is_empty() {
                values.insert(f.secret.expose(), f.redacted.as_str());
            }
        }
        let d = self.diff();
        let (pats, reps): (Vec<&str>, Vec<&str>) = values.into_iter().unzip();
        match aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(&pats)
        {
            Ok(ac) => ac.replace_all(&d, &reps),
            // cannot happen with these few patterns; never print a value in clear
            Err(_) => String::from("(diff not shown: run with --show-secrets)\n"),
        }
    }

    /// The unified diff of every planned change (`a/` and `b/` prefixes, like git). The
    /// removed lines hold the values in clear.
    pub fn diff(&self) -> String {
        let mut out = String::new();
        for f in &self.files {
            let d = similar::TextDiff::from_lines(&f.original, &f.fixed);
            let text = d
                .unified_diff()
                .context_radius(3)
                .header(&format!("a/{}", f.path), &format!("b/{}", f.path))
                .to_string();
            out.push_str(&text);
        }
        out
    }
}

/// SHA-256 of a file's contents.
pub fn content_hash(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// (line, column) of `offset` in `text`, 1-based, columns in characters.
pub fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let ls = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    (line, crate::finding::char_count(&before[ls..]) + 1)
}

/// The byte offset of a 1-based (line, column in characters), if the file has it.
fn offset_of(text: &str, line: usize, column: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut ls = 0usize;
    for _ in 1..line {
        ls += memchr::memchr(b'\n', &b[ls..])? + 1;
    }
    let le = memchr::memchr(b'\n', &b[ls..]).map_or(b.len(), |i| ls + i);
    let mut chars = 0usize;
    for (i, _) in text[ls..le].char_indices() {
        if chars + 1 == column {
            return Some(ls + i);
        }
        chars += 1;
    }
    (chars + 1 == column).then_some(le)
}

/// Why a finding cannot be fixed before its file is even read.
fn unfixable_up_front(f: &Finding) -> Option<&'static str> {
    if f.git.is_some() {
        return Some("found in git history: the working tree may differ; rotate the key");
    }
    if f.encoding.is_some() {
        return Some("the value is stored encoded (not as plain text)");
    }
    if f.kind == Kind::Other {
        return Some("not an Alibaba Cloud AccessKey (a custom rule)");
    }
    if f.path.chars().any(char::is_control) {
        return Some("the file name holds control characters");
    }
    None
}

/// Groups of findings that are fixed together or not at all: an ID with its secret (across
/// files), and every STS value of a file (a triple goes to the default chain as one).
fn groups(findings: &[&Finding]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..findings.len()).collect();
    fn root(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let by_fp: HashMap<&str, usize> = findings
        .iter()
        .enumerate()
        .map(|(i, f)| (f.fingerprint.as_str(), i))
        .collect();
    let mut sts_of_file: HashMap<&str, usize> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        let join = |j: usize, p: &mut Vec<usize>| {
            let (a, b) = (root(p, i), root(p, j));
            if a != b {
                p[a] = b;
            }
        };
        if let Some(j) = f.pair.as_deref().and_then(|fp| by_fp.get(fp)) {
            join(*j, &mut parent);
        }
        if rewrite::is_sts(f.kind) {
            match sts_of_file.get(f.path.as_str()) {
                Some(&j) => join(j, &mut parent),
                None => {
                    sts_of_file.insert(&f.path, i);
                }
            }
        }
    }
    let mut out: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..findings.len() {
        let r = root(&mut parent, i);
        out.entry(r).or_default().push(i);
    }
    out.into_values().collect()
}

/// Plans the fixes for `findings`; `read` returns a file's contents by finding path.
/// Findings whose file cannot be read, or no longer holds the value where the finding says,
/// are left unfixed with the reason.
pub fn plan<R>(findings: &[Finding], mut read: R) -> Plan
where
    R: FnMut(&str) -> std::io::Result<Vec<u8>>,
{
    let findings: Vec<&Finding> = findings.iter().filter(|f| !f.allowed_inline).collect();
    let mut texts: BTreeMap<&str, Result<(String, [u8; 32]), String>> = BTreeMap::new();
    for f in &findings {
        if unfixable_up_front(f).is_some() || texts.contains_key(f.path.as_str()) {
            continue;
        }
        let t = match read(&f.path) {
            Ok(bytes) => {
                let hash = content_hash(&bytes);
                String::from_utf8(bytes)
                    .map(|s| (s, hash))
                    .map_err(|_| "the file is not UTF-8 text".to_string())
            }
            Err(e) => Err(format!("cannot read the file: {e}")),
        };
        texts.insert(&f.path, t);
    }
    // two different keys in one file must not collapse into one variable: the n-th pair of
    // a file (by first appearance) gets the suffix `_n`
    let by_fp: HashMap<&str, &Finding> = findings
        .iter()
        .map(|f| (f.fingerprint.as_str(), *f))
        .collect();
    let mut slots: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut suffix: Vec<String> = Vec::with_capacity(findings.len());
    for f in &findings {
        let partner = f
            .pair
            .as_deref()
            .and_then(|p| by_fp.get(p))
            .filter(|p| p.path == f.path);
        let key = match (f.kind, partner) {
            (Kind::AccessKeySecret | Kind::StsAccessKeySecret, Some(p)) => p.secret.expose(),
            _ => f.secret.expose(),
        };
        let list = slots.entry(f.path.as_str()).or_default();
        let n = match list.iter().position(|k| *k == key) {
            Some(n) => n,
            None => {
                list.push(key);
                list.len() - 1
            }
        };
        suffix.push(if n == 0 {
            String::new()
        } else {
            format!("_{}", n + 1)
        });
    }
    // each finding's edits, or why there are none
    let mut result: Vec<Result<Vec<Edit>, String>> = Vec::with_capacity(findings.len());
    for (i, f) in findings.iter().enumerate() {
        let r = match unfixable_up_front(f) {
            Some(why) => Err(why.to_string()),
            None => match &texts[f.path.as_str()] {
                Err(e) => Err(e.clone()),
                Ok((text, _)) => match offset_of(text, f.line, f.column) {
                    Some(s) if text[s..].starts_with(f.secret.expose()) => {
                        let var = format!("{}{}", rewrite::env_var(f.kind), suffix[i]);
                        rewrite::edits(text, s, s + f.secret.len(), f, &var)
                    }
                    _ => {
                        Err("the file changed since the scan: the value is no longer there".into())
                    }
                },
            },
        };
        result.push(r);
    }
    // a group is fixed whole or not at all
    for g in groups(&findings) {
        let failed: Vec<usize> = g.iter().copied().filter(|&i| result[i].is_err()).collect();
        if failed.is_empty() {
            continue;
        }
        let first = failed[0];
        for &i in &g {
            if result[i].is_ok() {
                let o = findings[first];
                result[i] = Err(format!(
                    "left with its partner {} at {}:{}, which cannot be rewritten safely",
                    o.kind.label(),
                    o.path,
                    o.line
                ));
            }
        }
    }
    // per file: merge edits, drop duplicates; overlapping edits make the file unfixable
    let mut plan = Plan::default();
    let mut by_file: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        by_file.entry(f.path.as_str()).or_default().push(i);
    }
    for (path, idx) in by_file {
        let ok: Vec<usize> = idx.iter().copied().filter(|&i| result[i].is_ok()).collect();
        let mut edits: Vec<Edit> = Vec::new();
        for &i in &ok {
            for e in result[i].as_ref().map(|v| v.as_slice()).unwrap_or(&[]) {
                if !edits.contains(e) {
                    edits.push(e.clone());
                }
            }
        }
        edits.sort_by_key(|e| (e.start, e.end));
        let overlap = edits
            .windows(2)
            .any(|w| w[0].end > w[1].start || (w[0].start == w[1].start && w[0].end == w[1].end));
        if overlap {
            for &i in &ok {
                result[i] = Err("two rewrites on this line overlap".into());
            }
        }
        for &i in &idx {
            if let Err(reason) = &result[i] {
                let f = findings[i];
                plan.unfixed.push(Unfixed {
                    path: f.path.clone(),
                    line: f.line,
                    fingerprint: f.fingerprint.clone(),
                    kind: f.kind,
                    reason: reason.clone(),
                });
            }
        }
        if overlap || ok.is_empty() {
            continue;
        }
        let Ok((text, hash)) = &texts[path] else {
            continue;
        };
        let mut fixed = String::with_capacity(text.len());
        let mut pos = 0;
        for e in &edits {
            fixed.push_str(&text[pos..e.start]);
            fixed.push_str(&e.text);
            pos = e.end;
        }
        fixed.push_str(&text[pos..]);
        let mut fixes = BTreeMap::new();
        for &i in &ok {
            // the finding's group's edits in this file, plus what they need (imports)
            let mine = result[i].as_ref().map(|v| v.as_slice()).unwrap_or(&[]);
            let partners: Vec<&Edit> = ok
                .iter()
                .filter(|&&j| {
                    j == i
                        || findings[j].pair.as_deref() == Some(findings[i].fingerprint.as_str())
                        || findings[i].pair.as_deref() == Some(findings[j].fingerprint.as_str())
                        || rewrite::is_sts(findings[i].kind) && rewrite::is_sts(findings[j].kind)
                })
                .flat_map(|&j| result[j].as_ref().map(|v| v.iter()).into_iter().flatten())
                .chain(mine.iter())
                .collect();
            let ix: Vec<usize> = edits
                .iter()
                .enumerate()
                .filter(|(_, e)| partners.contains(e))
                .map(|(k, _)| k)
                .collect();
            fixes.insert(findings[i].fingerprint.clone(), ix);
        }
        plan.files.push(FilePlan {
            path: path.to_string(),
            hash: *hash,
            original: text.clone(),
            fixed,
            edits,
            fixes,
        });
    }
    plan.unfixed
        .sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    plan
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_positions_agree() {
        let t = "ab\nhé llo\n\nx";
        let o = offset_of(t, 2, 4).unwrap();
        assert_eq!(&t[o..o + 3], "llo");
        assert_eq!(position(t, o), (2, 4));
        assert_eq!(offset_of(t, 3, 1), Some(t.find("\n\n").unwrap() + 1));
        assert_eq!(offset_of(t, 9, 1), None);
        assert_eq!(offset_of(t, 1, 9), None);
    }
}

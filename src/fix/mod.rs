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
    /// Lines and characters of `original`.
    index: TextIndex,
}

impl FilePlan {
    /// (line, column) of a byte offset of the original, both 1-based, columns in characters.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        self.index.position(&self.original, offset)
    }
}

/// Where the lines of a text start, and how many characters precede every
/// [`TextIndex::STEP`]-th byte: turns a byte offset into (line, column in characters) and
/// back in time that does not grow with the text, so a file with many findings costs time
/// in proportion to them (not to their product with its size).
#[derive(Debug, Clone, Default)]
pub struct TextIndex {
    /// Byte offset of the start of each line; line 1 starts at 0.
    starts: Vec<usize>,
    /// `chars[k]`: characters that start in the first `k * STEP` bytes.
    chars: Vec<usize>,
}

impl TextIndex {
    const STEP: usize = 4096;

    pub fn new(text: &str) -> TextIndex {
        let b = text.as_bytes();
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', b).map(|i| i + 1));
        let mut chars = Vec::with_capacity(b.len() / Self::STEP + 1);
        let mut n = 0;
        chars.push(0);
        for block in b.chunks(Self::STEP) {
            n += crate::finding::char_count(block);
            chars.push(n);
        }
        TextIndex { starts, chars }
    }

    /// Characters that start in `text[..at]`.
    fn chars_before(&self, text: &str, at: usize) -> usize {
        let k = at / Self::STEP;
        self.chars[k] + crate::finding::char_count(&text.as_bytes()[k * Self::STEP..at])
    }

    /// The 0-based line holding byte `offset`.
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset) - 1
    }

    /// (line, column) of `offset` in `text`, 1-based, columns in characters.
    pub fn position(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let l = self.line_of(offset);
        let ls = self.starts[l];
        (
            l + 1,
            self.chars_before(text, offset) - self.chars_before(text, ls) + 1,
        )
    }

    /// Start and end (at its `\n`, or the end of the text) of the line holding `offset`.
    pub fn line_bounds(&self, text: &str, offset: usize) -> (usize, usize) {
        let l = self.line_of(offset.min(text.len()));
        let end = self.starts.get(l + 1).map_or(text.len(), |&s| s - 1);
        (self.starts[l], end)
    }

    /// The byte offset of a 1-based (line, column in characters), if the text has it.
    pub fn offset_of(&self, text: &str, line: usize, column: usize) -> Option<usize> {
        let ls = *self.starts.get(line.checked_sub(1)?)?;
        let le = self.starts.get(line).map_or(text.len(), |&s| s - 1);
        let target = self.chars_before(text, ls) + column.checked_sub(1)?;
        if target > self.chars_before(text, le) {
            return None;
        }
        // the block holding the target character, then a walk of at most one block
        let k = self.chars.partition_point(|&c| c <= target) - 1;
        let b = text.as_bytes();
        let mut n = self.chars[k];
        let mut i = (k * Self::STEP).max(ls);
        if i > k * Self::STEP {
            n = self.chars_before(text, i);
        }
        while i < le {
            if b[i] & 0xC0 != 0x80 {
                if n == target {
                    return Some(i);
                }
                n += 1;
            }
            i += 1;
        }
        (n == target).then_some(le)
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
    /// Fingerprint of each fixed finding → its file in `files`.
    file_of: HashMap<String, usize>,
}

impl Plan {
    /// Number of findings the plan fixes.
    pub fn fixed_count(&self) -> usize {
        self.files.iter().map(|f| f.fixes.len()).sum()
    }

    /// The file plan and edits that fix the finding with this fingerprint.
    pub fn fix_for(&self, fingerprint: &str) -> Option<(&FilePlan, Vec<&Edit>)> {
        let f = &self.files[*self.file_of.get(fingerprint)?];
        let ix = f.fixes.get(fingerprint)?;
        Some((f, ix.iter().map(|&i| &f.edits[i]).collect()))
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
            unified_diff(f, 3, &mut out);
        }
        out
    }
}

/// Appends the unified diff of one file plan to `out`, made from its edits: the lines an
/// edit touches are the changed lines, so the diff costs time in proportion to the edits
/// and their lines (a general diff of the two texts can cost their product).
fn unified_diff(f: &FilePlan, context: usize, out: &mut String) {
    let text = f.original.as_str();
    let idx = &f.index;
    let nlines = if text.is_empty() {
        0
    } else if text.ends_with('\n') {
        idx.starts.len() - 1
    } else {
        idx.starts.len()
    };
    let line_start = |l: usize| {
        idx.starts
            .get(l)
            .copied()
            .unwrap_or(text.len())
            .min(text.len())
    };
    // changed regions: (first old line, old lines past the last, new text), merged when
    // they touch the same line
    let mut regions: Vec<(usize, usize, String)> = Vec::new();
    let mut pos = 0; // end of the last region, in bytes
    for e in &f.edits {
        let a = idx.line_of(e.start);
        let b = if e.end > e.start {
            idx.line_of(e.end - 1) + 1
        } else if e.start == idx.starts[a] && (e.start < text.len() || text.ends_with('\n')) {
            a // an insertion before a line changes no old line
        } else {
            a + 1
        };
        match regions.last_mut() {
            Some(r) if a <= r.1 => {
                // the same lines as the region before, or the next: one block of - and +
                r.2.push_str(&text[pos..e.start]);
                r.2.push_str(&e.text);
                if b > r.1 {
                    r.1 = b;
                }
            }
            _ => {
                if let Some(r) = regions.last_mut() {
                    r.2.push_str(&text[pos..line_start(r.1)]);
                }
                let mut t = String::from(&text[line_start(a)..e.start]);
                t.push_str(&e.text);
                regions.push((a, b, t));
            }
        }
        pos = e.end;
    }
    if let Some(r) = regions.last_mut() {
        r.2.push_str(&text[pos..line_start(r.1)]);
    }
    if regions.is_empty() {
        return;
    }
    out.push_str(&format!("--- a/{}\n+++ b/{}\n", f.path, f.path));
    let line = |l: usize| &text[line_start(l)..line_start(l + 1)];
    let push = |out: &mut String, mark: char, l: &str| {
        out.push(mark);
        out.push_str(l);
        if !l.ends_with('\n') {
            out.push_str("\n\\ No newline at end of file\n");
        }
    };
    let range = |start: usize, len: usize| match len {
        1 => format!("{}", start + 1),
        0 => format!("{start},0"),
        n => format!("{},{n}", start + 1),
    };
    // new line number = old line number + shift (the lines added so far minus those removed)
    let mut shift: isize = 0;
    let mut i = 0;
    while i < regions.len() {
        // a hunk: regions whose context overlaps
        let mut j = i;
        while j + 1 < regions.len() && regions[j + 1].0 <= regions[j].1 + 2 * context {
            j += 1;
        }
        let from = regions[i].0.saturating_sub(context);
        let to = (regions[j].1 + context).min(nlines);
        let mut body = String::new();
        let (mut old_n, mut new_n) = (0usize, 0usize);
        let mut l = from;
        for r in &regions[i..=j] {
            while l < r.0 {
                push(&mut body, ' ', line(l));
                l += 1;
            }
            for k in r.0..r.1 {
                push(&mut body, '-', line(k));
            }
            old_n += r.1 - r.0;
            let added = r.2.split_inclusive('\n').count();
            for n in r.2.split_inclusive('\n') {
                push(&mut body, '+', n);
            }
            new_n += added;
            l = r.1;
        }
        while l < to {
            push(&mut body, ' ', line(l));
            l += 1;
        }
        let ctx = to - from - regions[i..=j].iter().map(|r| r.1 - r.0).sum::<usize>();
        old_n += ctx;
        new_n += ctx;
        let new_from = (from as isize + shift) as usize;
        out.push_str(&format!(
            "@@ -{} +{} @@\n",
            range(from, old_n),
            range(new_from, new_n)
        ));
        out.push_str(&body);
        shift += new_n as isize - old_n as isize;
        i = j + 1;
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

/// Reads the file a finding's shown path names (escaped names unescaped); an archive
/// member cannot be rewritten.
pub fn read_shown(shown: &str) -> std::io::Result<Vec<u8>> {
    read_shown_in(None, shown)
}

/// [`read_shown`] for a path relative to `base` (`None`: the current directory).
pub fn read_shown_in(base: Option<&std::path::Path>, shown: &str) -> std::io::Result<Vec<u8>> {
    match crate::source::walk::shown_file(shown) {
        (file, None) => match base {
            Some(b) => std::fs::read(b.join(file)),
            None => std::fs::read(file),
        },
        (_, Some(_)) => Err(std::io::Error::other("a member of an archive")),
    }
}

/// Plans the fixes for `findings`; `read` returns a file's contents by finding path.
/// Findings whose file cannot be read, or no longer holds the value where the finding says,
/// are left unfixed with the reason.
pub fn plan<R>(findings: &[Finding], mut read: R) -> Plan
where
    R: FnMut(&str) -> std::io::Result<Vec<u8>>,
{
    let findings: Vec<&Finding> = findings.iter().filter(|f| !f.allowed_inline).collect();
    let mut texts: Texts<'_> = BTreeMap::new();
    for f in &findings {
        if unfixable_up_front(f).is_some() || texts.contains_key(f.path.as_str()) {
            continue;
        }
        let t = match read(&f.path) {
            Ok(bytes) => {
                let hash = content_hash(&bytes);
                String::from_utf8(bytes)
                    .map(|s| {
                        let index = TextIndex::new(&s);
                        (s, hash, index)
                    })
                    .map_err(|_| "the file is not UTF-8 text".to_string())
            }
            Err(e) => Err(format!("cannot read the file: {e}")),
        };
        texts.insert(&f.path, t);
    }
    // one key, one variable name, in every file: two different keys must not collapse into
    // one variable, and a key found in two files must not get two names. The n-th key of
    // the run (by first appearance, files in path order) gets the suffix `_n`; a secret
    // takes its ID's, from wherever the two were found together.
    let by_fp: HashMap<&str, &Finding> = findings
        .iter()
        .map(|f| (f.fingerprint.as_str(), *f))
        .collect();
    let mut id_of_secret: HashMap<&str, &str> = HashMap::new();
    for f in &findings {
        if let (Kind::AccessKeySecret | Kind::StsAccessKeySecret, Some(p)) =
            (f.kind, f.pair.as_deref().and_then(|p| by_fp.get(p)))
        {
            id_of_secret
                .entry(f.secret.expose())
                .or_insert(p.secret.expose());
        }
    }
    let mut slots: HashMap<&str, usize> = HashMap::new();
    let mut suffix: Vec<String> = Vec::with_capacity(findings.len());
    for f in &findings {
        let key = match f.kind {
            Kind::AccessKeySecret | Kind::StsAccessKeySecret => id_of_secret
                .get(f.secret.expose())
                .copied()
                .unwrap_or(f.secret.expose()),
            _ => f.secret.expose(),
        };
        let next = slots.len();
        let n = *slots.entry(key).or_insert(next);
        suffix.push(if n == 0 {
            String::new()
        } else {
            format!("_{}", n + 1)
        });
    }
    // each finding's edits, or why there are none
    let mut result: Vec<Result<Vec<Edit>, String>> = Vec::with_capacity(findings.len());
    let mut files: HashMap<&str, rewrite::FileText<'_>> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        let r = match unfixable_up_front(f) {
            Some(why) => Err(why.to_string()),
            None => match &texts[f.path.as_str()] {
                Err(e) => Err(e.clone()),
                Ok((text, _, index)) => match index.offset_of(text, f.line, f.column) {
                    Some(s) if text[s..].starts_with(f.secret.expose()) => {
                        let var = format!("{}{}", rewrite::env_var(f.kind), suffix[i]);
                        let file = files
                            .entry(f.path.as_str())
                            .or_insert_with(|| rewrite::FileText::new(text, index));
                        rewrite::edits(file, s, s + f.secret.len(), f, &var)
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
        let mut edits: Vec<Edit> = ok
            .iter()
            .flat_map(|&i| result[i].as_ref().map(|v| v.iter()).into_iter().flatten())
            .cloned()
            .collect();
        edits.sort_by(|a, b| (a.start, a.end, &a.text).cmp(&(b.start, b.end, &b.text)));
        edits.dedup();
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
        let Ok((text, hash, index)) = &texts[path] else {
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
        // the index of each edit of a finding in the merged, sorted list
        let at = |e: &Edit| {
            edits
                .binary_search_by(|x| (x.start, x.end, &x.text).cmp(&(e.start, e.end, &e.text)))
                .ok()
        };
        let own: Vec<Vec<usize>> = ok
            .iter()
            .map(|&i| {
                let v = result[i].as_ref().map(|v| v.as_slice()).unwrap_or(&[]);
                v.iter().filter_map(at).collect()
            })
            .collect();
        // who names whom as its pair, and every STS value's edits (a triple is fixed as one)
        let slot: HashMap<&str, usize> = ok
            .iter()
            .enumerate()
            .map(|(k, &i)| (findings[i].fingerprint.as_str(), k))
            .collect();
        let mut named_by: HashMap<&str, Vec<usize>> = HashMap::new();
        for (k, &i) in ok.iter().enumerate() {
            if let Some(p) = findings[i].pair.as_deref() {
                named_by.entry(p).or_default().push(k);
            }
        }
        let sts: Vec<usize> = ok
            .iter()
            .enumerate()
            .filter(|(_, &i)| rewrite::is_sts(findings[i].kind))
            .flat_map(|(k, _)| own[k].iter().copied())
            .collect();
        let mut fixes = BTreeMap::new();
        for (k, &i) in ok.iter().enumerate() {
            // the finding's group's edits in this file, plus what they need (imports)
            let f = findings[i];
            let mut ix: Vec<usize> = own[k].clone();
            if let Some(&p) = f.pair.as_deref().and_then(|p| slot.get(p)) {
                ix.extend(&own[p]);
            }
            for &p in named_by.get(f.fingerprint.as_str()).into_iter().flatten() {
                ix.extend(&own[p]);
            }
            if rewrite::is_sts(f.kind) {
                ix.extend(&sts);
            }
            ix.sort_unstable();
            ix.dedup();
            fixes.insert(f.fingerprint.clone(), ix);
        }
        plan.files.push(FilePlan {
            path: path.to_string(),
            hash: *hash,
            original: text.clone(),
            fixed,
            edits,
            fixes,
            index: index.clone(),
        });
    }
    remaining_copies(&mut plan, &findings, &texts);
    plan.unfixed
        .sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    for (n, f) in plan.files.iter().enumerate() {
        for fp in f.fixes.keys() {
            plan.file_of.insert(fp.clone(), n);
        }
    }
    plan
}

/// The files read for a plan, by finding path: the text, its SHA-256 and its index, or why
/// it cannot be fixed.
type Texts<'a> = BTreeMap<&'a str, Result<(String, [u8; 32], TextIndex), String>>;

/// Most copies of fixed values listed per file; the rest are counted in one more entry.
const COPIES_LISTED: usize = 20;

/// Adds to `plan.unfixed` every copy of a value the plan removes that stays in a file read
/// for the plan: in the fixed text of a rewritten file (a comment or a log line holding the
/// key, which no rewrite can take out), or in another file with findings, away from them.
/// Such a copy is no longer next to its name, so a new scan would not find it: it is
/// reported now, and `fix` does not call the tree clean while one is left.
fn remaining_copies(plan: &mut Plan, findings: &[&Finding], texts: &Texts<'_>) {
    let by_fp: HashMap<&str, &Finding> = findings
        .iter()
        .map(|f| (f.fingerprint.as_str(), *f))
        .collect();
    // the values removed, each with one finding that held it
    let mut values: Vec<&str> = Vec::new();
    let mut holder: Vec<&Finding> = Vec::new();
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for fp in plan.files.iter().flat_map(|f| f.fixes.keys()) {
        if let Some(f) = by_fp.get(fp.as_str()) {
            let v = f.secret.expose();
            if !v.is_empty() && seen.insert(v) {
                values.push(v);
                holder.push(f);
            }
        }
    }
    if values.is_empty() {
        return;
    }
    // where the findings are: a copy there is a finding, reported already
    let at: std::collections::HashSet<(&str, usize, usize)> = findings
        .iter()
        .map(|f| (f.path.as_str(), f.line, f.column))
        .collect();
    let planned: HashMap<&str, &FilePlan> =
        plan.files.iter().map(|f| (f.path.as_str(), f)).collect();
    let ac = aho_corasick::AhoCorasick::new(&values);
    let mut extra = Vec::new();
    for (&path, t) in texts {
        let Ok((text, _, index)) = t else {
            continue;
        };
        let file = planned.get(path);
        let body = file.map_or(text.as_str(), |f| f.fixed.as_str());
        let Ok(ac) = &ac else {
            // (too many values for one automaton: cannot happen with the findings of a
            // scan, but never say "clean" without having looked)
            extra.push(Unfixed {
                path: path.to_string(),
                line: 1,
                fingerprint: holder[0].fingerprint.clone(),
                kind: holder[0].kind,
                reason: "not searched for copies of the fixed values left in it".into(),
            });
            continue;
        };
        // a fixed text's offset past an edit is the original's plus what the edits before
        // it added: (end of each edit in the fixed text, bytes added up to it)
        let mut shifts: Vec<(usize, isize)> = Vec::new();
        if let Some(f) = file {
            let mut delta = 0isize;
            for e in &f.edits {
                delta += e.text.len() as isize - (e.end - e.start) as isize;
                shifts.push(((e.end as isize + delta) as usize, delta));
            }
        }
        let (mut listed, mut more) = (0usize, 0usize);
        for m in ac.find_iter(body) {
            let k = shifts.partition_point(|&(end, _)| end <= m.start());
            let orig = (m.start() as isize - k.checked_sub(1).map_or(0, |k| shifts[k].1)) as usize;
            let (line, column) = index.position(text, orig);
            if at.contains(&(path, line, column)) {
                continue;
            }
            if listed == COPIES_LISTED {
                more += 1;
                continue;
            }
            listed += 1;
            let f = holder[m.pattern().as_usize()];
            extra.push(Unfixed {
                path: path.to_string(),
                line,
                fingerprint: f.fingerprint.clone(),
                kind: f.kind,
                reason: format!(
                    "a copy of the {} fixed at {}:{} stays here, away from its name (a \
                     comment, a message, other text no rewrite can take it out of): remove it \
                     by hand; the key has leaked all the same",
                    f.kind.label(),
                    f.path,
                    f.line
                ),
            });
        }
        if more > 0 {
            let f = holder[0];
            extra.push(Unfixed {
                path: path.to_string(),
                line: index.position(text, text.len()).0,
                fingerprint: f.fingerprint.clone(),
                kind: f.kind,
                reason: format!("{more} more copies of fixed values in this file"),
            });
        }
    }
    plan.unfixed.extend(extra);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_positions_agree() {
        let t = "ab\nhé llo\n\nx";
        let ix = TextIndex::new(t);
        let o = ix.offset_of(t, 2, 4).unwrap();
        assert_eq!(&t[o..o + 3], "llo");
        assert_eq!(position(t, o), (2, 4));
        assert_eq!(ix.position(t, o), (2, 4));
        assert_eq!(ix.offset_of(t, 3, 1), Some(t.find("\n\n").unwrap() + 1));
        assert_eq!(ix.offset_of(t, 9, 1), None);
        assert_eq!(ix.offset_of(t, 1, 9), None);
        assert_eq!(ix.offset_of(t, 2, 7), Some(t.find("o\n").unwrap() + 1));
        assert_eq!(ix.offset_of(t, 2, 8), None);
        assert_eq!(ix.offset_of(t, 4, 2), Some(t.len()));
    }

    #[test]
    fn the_index_agrees_with_counting_on_long_mixed_lines() {
        // lines over several index blocks, with characters of one to four bytes
        let mut t = String::new();
        for i in 0..3000 {
            t.push_str(["a", "é", "中", "😀", "\n"][i * 7 % 5]);
            if i % 997 == 0 {
                t.push_str(&"x".repeat(5000));
            }
        }
        let ix = TextIndex::new(&t);
        for (o, _) in t.char_indices().step_by(7) {
            let (l, c) = position(&t, o);
            assert_eq!(ix.position(&t, o), (l, c), "at {o}");
            assert_eq!(ix.offset_of(&t, l, c), Some(o), "line {l} column {c}");
        }
    }
}

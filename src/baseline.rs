//! Baselines: a record of known findings, so a CI job reports only new ones.
//!
//! A baseline never holds a value in clear. Each entry keeps the rule, the path, the
//! finding's fingerprint, and an HMAC-SHA256 of the value under a random key stored in the
//! file: the hash identifies a value without revealing it, and the per-file key means the
//! same value hashes differently in two baselines. Findings match an entry by rule, path and
//! value hash, never by line, so edits that move lines do not break the baseline.
//!
//! Paths in a baseline file are relative to the directory that holds it: a baseline at a
//! repository's root matches whether akscan runs from the root (`akscan scan .`), from above
//! it (`akscan scan repo`) or from a subdirectory (`akscan scan ..`).

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};

use crate::config::normalize;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::finding::Finding;

/// Version of the baseline file format.
pub const FORMAT_VERSION: u32 = 1;

/// Bytes of the HMAC key.
const KEY_LEN: usize = 32;

/// Largest baseline file read (about a million entries); a larger one is an error.
pub const MAX_BASELINE_FILE: u64 = 256 << 20;

/// One known finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub rule_id: String,
    pub path: String,
    /// HMAC-SHA256 of the value under the baseline's key, in hex.
    pub value_hmac: String,
    /// The finding's fingerprint when it was recorded (for cross-reference with reports).
    pub fingerprint: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    akscan_baseline: u32,
    /// The HMAC key, in hex.
    key: String,
    entries: Vec<Entry>,
}

/// A loaded (or new) baseline.
#[derive(Clone)]
pub struct Baseline {
    key: [u8; KEY_LEN],
    pub entries: Vec<Entry>,
    /// Where the file is, when it is one: findings' paths (relative to `cwd`) are matched
    /// and recorded relative to `dir` (see [`Baseline::anchored`]).
    anchor: Option<Anchor>,
}

/// Absolute directories: the one finding paths are relative to, and the baseline file's.
#[derive(Debug, Clone)]
struct Anchor {
    cwd: PathBuf,
    dir: PathBuf,
}

fn current_dir() -> Result<PathBuf, String> {
    std::env::current_dir().map_err(|e| format!("cannot tell the current directory: {e}"))
}

impl Anchor {
    /// The anchor of the baseline file `file` (relative to the current directory) for
    /// finding paths relative to `base` (absolute; `None`: the current directory).
    fn of(file: &Path, base: Option<&Path>) -> Result<Anchor, String> {
        let here = current_dir()?;
        let at = normalize(&here.join(file));
        let dir = at.parent().map(Path::to_path_buf).unwrap_or(at);
        let cwd = base.map_or(here, Path::to_path_buf);
        Ok(Anchor { cwd, dir })
    }
}

/// `path` (absolute, lexical) relative to `dir` (absolute, lexical), with `/` separators.
fn relative(path: &Path, dir: &Path) -> Option<String> {
    let p: Vec<Component> = path.components().collect();
    let d: Vec<Component> = dir.components().collect();
    // different roots (Windows drives): no relative path
    if p.first() != d.first() {
        return None;
    }
    let common = p.iter().zip(&d).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); d.len() - common];
    parts.extend(
        p[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    Some(if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    })
}

impl std::fmt::Debug for Baseline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Baseline")
            .field("entries", &self.entries.len())
            .finish_non_exhaustive()
    }
}

/// What a scan looked at, as a baseline sees it: only entries inside it can be stale, and
/// only they are replaced when the baseline is rewritten from the scan's findings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Coverage {
    /// Every file: a scan of the whole tree, or of all history.
    #[default]
    Everything,
    /// The files under these paths (relative to the current directory), read whole.
    Paths(Vec<PathBuf>),
    /// Only the lines a change adds (`git --staged`, `--range`): a value still in a file
    /// but not on an added line is not reported, so no entry can be seen to be stale, and a
    /// rewritten baseline adds the new entries to all the old ones.
    Additions,
}

/// An entry that matched no finding: the value was removed (or the file moved).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaleEntry {
    pub rule_id: String,
    pub path: String,
    pub fingerprint: String,
}

fn to_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn from_hex<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

impl Baseline {
    /// An empty baseline with a fresh random key.
    pub fn new() -> Result<Baseline, String> {
        let mut key = [0u8; KEY_LEN];
        getrandom::fill(&mut key)
            .map_err(|e| format!("no random numbers for a baseline key: {e}"))?;
        Ok(Baseline {
            key,
            entries: Vec::new(),
            anchor: None,
        })
    }

    /// This baseline as the file `file`: its entries' paths (and the paths of findings
    /// matched against it) are relative to the file's directory. Entries made from
    /// findings before it was anchored are rewritten.
    pub fn anchored(self, file: &Path) -> Result<Baseline, String> {
        self.anchored_in(file, None)
    }

    /// [`Baseline::anchored`] for finding paths relative to `base` (absolute) rather than
    /// the current directory (git scans: the repository's top).
    pub fn anchored_in(mut self, file: &Path, base: Option<&Path>) -> Result<Baseline, String> {
        let old = self.anchor.replace(Anchor::of(file, base)?);
        if old.is_none() {
            let paths: Vec<String> = self
                .entries
                .iter()
                .map(|e| self.record_path(&e.path))
                .collect();
            for (e, p) in self.entries.iter_mut().zip(paths) {
                e.path = p;
            }
            self.entries.sort();
            self.entries.dedup();
        }
        Ok(self)
    }

    /// A finding's path as this baseline records it.
    pub fn record_path(&self, path: &str) -> String {
        let Some(a) = &self.anchor else {
            return path.to_string();
        };
        relative(&normalize(&a.cwd.join(path)), &a.dir).unwrap_or_else(|| path.to_string())
    }

    /// A baseline of `findings` under the key of `reuse` (so unchanged entries stay
    /// byte-identical when a baseline is rewritten) or a new key.
    pub fn from_findings(
        findings: &[Finding],
        reuse: Option<&Baseline>,
    ) -> Result<Baseline, String> {
        let mut b = match reuse {
            Some(r) => Baseline {
                key: r.key,
                entries: Vec::new(),
                anchor: r.anchor.clone(),
            },
            None => Baseline::new()?,
        };
        // one entry per (rule, path, value): it covers every occurrence
        let mut set: BTreeMap<(String, String, String), String> = BTreeMap::new();
        for f in findings {
            let key = (
                f.rule_id.clone(),
                b.record_path(&f.path),
                b.value_hmac(f.secret.expose()),
            );
            set.entry(key).or_insert_with(|| f.fingerprint.clone());
        }
        b.entries = set
            .into_iter()
            .map(|((rule_id, path, value_hmac), fingerprint)| Entry {
                rule_id,
                path,
                value_hmac,
                fingerprint,
            })
            .collect();
        Ok(b)
    }

    /// Whether `coverage` looked at everything the entry with this (recorded) path stands
    /// for.
    pub fn covers(&self, coverage: &Coverage, entry_path: &str) -> bool {
        match coverage {
            Coverage::Everything => true,
            Coverage::Additions => false,
            Coverage::Paths(paths) => paths.iter().any(|p| {
                let p = self.record_path(&p.to_string_lossy());
                p == "."
                    || entry_path == p
                    || entry_path
                        .strip_prefix(p.as_str())
                        .is_some_and(|rest| rest.starts_with('/') || rest.starts_with('!'))
            }),
        }
    }

    /// This baseline (made from a scan's findings) plus the entries of `old` that the scan
    /// did not cover, so a partial scan updates its part of a baseline and keeps the rest.
    /// Returns it and how many entries were kept from `old`.
    pub fn keeping_uncovered(mut self, old: &Baseline, coverage: &Coverage) -> (Baseline, usize) {
        let kept: Vec<Entry> = old
            .entries
            .iter()
            .filter(|e| !self.covers(coverage, &e.path))
            .filter(|e| !self.entries.contains(e))
            .cloned()
            .collect();
        let n = kept.len();
        self.entries.extend(kept);
        self.entries.sort();
        self.entries.dedup();
        (self, n)
    }

    /// The keyed hash of a value.
    pub fn value_hmac(&self, value: &str) -> String {
        let mut m =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.key).expect("HMAC takes any key length");
        m.update(value.as_bytes());
        to_hex(&m.finalize().into_bytes())
    }

    /// Parses a baseline file's text; errors name the line and column.
    pub fn from_json(file: &str, text: &str) -> Result<Baseline, String> {
        let f: File = serde_json::from_str(text).map_err(|e| {
            format!(
                "{file}:{}:{}: not an akscan baseline: {e}",
                e.line(),
                e.column()
            )
        })?;
        if f.akscan_baseline != FORMAT_VERSION {
            return Err(format!(
                "{file}: baseline format {} is not supported (this akscan reads format {FORMAT_VERSION})",
                f.akscan_baseline
            ));
        }
        let key = from_hex::<KEY_LEN>(&f.key)
            .ok_or_else(|| format!("{file}: `key` must be {} hex digits", 2 * KEY_LEN))?;
        Ok(Baseline {
            key,
            entries: f.entries,
            anchor: None,
        })
    }

    /// Reads a baseline file (anchored to it: see [`Baseline::anchored`]).
    pub fn load(path: &Path) -> Result<Baseline, String> {
        Baseline::load_in(path, None)
    }

    /// [`Baseline::load`] for finding paths relative to `base` (see
    /// [`Baseline::anchored_in`]).
    pub fn load_in(path: &Path, base: Option<&Path>) -> Result<Baseline, String> {
        let shown = path.display().to_string();
        let bytes = crate::source::read_bounded(path, MAX_BASELINE_FILE)
            .map_err(|e| format!("{shown}: cannot read baseline: {e}"))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| format!("{shown}: cannot read baseline: not valid UTF-8"))?;
        let mut b = Baseline::from_json(&shown, &text)?;
        // the entries are already relative to the file: only set the anchor
        b.anchor = Some(Anchor::of(path, base)?);
        Ok(b)
    }

    /// The file's JSON text.
    pub fn to_json(&self) -> String {
        let f = File {
            akscan_baseline: FORMAT_VERSION,
            key: to_hex(&self.key),
            entries: self.entries.clone(),
        };
        let mut s = serde_json::to_string_pretty(&f).expect("a baseline serializes");
        s.push('\n');
        s
    }

    /// Writes the baseline to `path`.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        crate::atomic::write(path, self.to_json().as_bytes()).map_err(|e| format!("baseline: {e}"))
    }

    /// Splits `findings` into the new ones and the known ones, in that order. Also returns
    /// the entries that matched nothing.
    pub fn filter(&self, findings: Vec<Finding>) -> (Vec<Finding>, Vec<Finding>, Vec<StaleEntry>) {
        let mut index: HashMap<(&str, &str, &str), Vec<usize>> = HashMap::new();
        for (i, e) in self.entries.iter().enumerate() {
            index
                .entry((&e.rule_id, &e.path, &e.value_hmac))
                .or_default()
                .push(i);
        }
        let mut used = vec![false; self.entries.len()];
        let mut kept = Vec::with_capacity(findings.len());
        let mut known = Vec::new();
        for f in findings {
            let h = self.value_hmac(f.secret.expose());
            let path = self.record_path(&f.path);
            match index.get(&(f.rule_id.as_str(), path.as_str(), h.as_str())) {
                Some(ids) => {
                    for &i in ids {
                        used[i] = true;
                    }
                    known.push(f);
                }
                None => kept.push(f),
            }
        }
        let stale = self
            .entries
            .iter()
            .zip(&used)
            .filter(|(_, u)| !**u)
            .map(|(e, _)| StaleEntry {
                rule_id: e.rule_id.clone(),
                path: e.path.clone(),
                fingerprint: e.fingerprint.clone(),
            })
            .collect();
        (kept, known, stale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::Scanner;

    const ID: &str = "LTAI5tQ8bFz2KcVw9YhN3xRm";
    const SECRET: &str = "Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e";

    fn scan(text: &str) -> Vec<Finding> {
        Scanner::builtin().scan_bytes("app/config.py", text.as_bytes())
    }

    #[test]
    fn never_stores_values_and_round_trips() {
        let found = scan(&format!(
            "access_key_id = \"{ID}\"\naccess_key_secret = \"{SECRET}\"\n"
        ));
        assert_eq!(found.len(), 2);
        let b = Baseline::from_findings(&found, None).unwrap();
        let json = b.to_json();
        assert!(!json.contains(SECRET) && !json.contains(ID), "{json}");
        assert!(!json.contains(&SECRET[..12]) && !json.contains(&ID[4..16]));
        let back = Baseline::from_json("b.json", &json).unwrap();
        assert_eq!(back.entries, b.entries);
        let (kept, known, stale) = back.filter(found);
        assert!(kept.is_empty());
        assert_eq!(known.len(), 2);
        assert!(stale.is_empty());
    }

    #[test]
    fn one_entry_covers_every_occurrence() {
        let found = scan(&format!(
            "access_key_secret = \"{SECRET}\"\nbackup_access_key_secret = \"{SECRET}\"\n"
        ));
        assert_eq!(found.len(), 2);
        let b = Baseline::from_findings(&found, None).unwrap();
        assert_eq!(b.entries.len(), 1);
        let (kept, known, stale) = b.filter(found.clone());
        assert!(kept.is_empty() && stale.is_empty());
        assert_eq!(known.len(), 2);
        // a baseline with duplicate entries (hand-edited, older tools) has no stale ones
        let mut dup = b.clone();
        dup.entries.push(dup.entries[0].clone());
        let (_, _, stale) = dup.filter(found);
        assert!(stale.is_empty());
    }

    #[test]
    fn keys_differ_between_baselines() {
        let found = scan(&format!("access_key_secret = \"{SECRET}\"\n"));
        let a = Baseline::from_findings(&found, None).unwrap();
        let b = Baseline::from_findings(&found, None).unwrap();
        assert_ne!(a.entries[0].value_hmac, b.entries[0].value_hmac);
        let c = Baseline::from_findings(&found, Some(&a)).unwrap();
        assert_eq!(a.entries, c.entries);
    }

    #[test]
    fn bad_files_are_errors_with_a_place() {
        let e = Baseline::from_json("b.json", "{\n  \"akscan_baseline\": 1,\n  \"kee\": \"\"\n}")
            .unwrap_err();
        assert!(e.starts_with("b.json:3:"), "{e}");
        let e = Baseline::from_json(
            "b.json",
            "{\"akscan_baseline\": 1, \"key\": \"00\", \"entries\": []}",
        )
        .unwrap_err();
        assert!(e.contains("key"), "{e}");
        let e = Baseline::from_json(
            "b.json",
            "{\"akscan_baseline\": 9, \"key\": \"00\", \"entries\": []}",
        )
        .unwrap_err();
        assert!(e.contains("format 9"), "{e}");
    }
}

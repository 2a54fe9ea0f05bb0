//! Labeled corpora: every label found, nothing else reported, and no finding in any
//! negative file. `tests/corpus` is the shared corpus; `tests/shapes` holds generated
//! shapes in many more languages and layouts (see tests/shapes/generate.py); `tests/real`
//! holds excerpts of public code nobody here wrote, its values replaced by random ones
//! (see tests/real/README.md).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use akscan::scan::{ScanOptions, Scanner};

fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(name)
}

fn load(corpus: &Path, name: &str) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(corpus.join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn corpus_recall_and_precision_are_perfect() {
    check_labeled(&dir("corpus"));
}

#[test]
fn shapes_recall_and_precision_are_perfect() {
    check_labeled(&dir("shapes"));
}

#[test]
fn real_world_recall_and_precision_are_perfect() {
    check_labeled(&dir("real"));
}

fn check_labeled(corpus: &Path) {
    let files = corpus.join("files");
    let scanner = Scanner::builtin();
    for threads in [1, 4] {
        let result = scanner
            .scan(&ScanOptions {
                paths: vec![files.clone()],
                threads,
                ..ScanOptions::default()
            })
            .unwrap();
        let prefix = format!("{}/", files.display());
        let found: BTreeSet<(String, usize)> = result
            .findings
            .iter()
            .map(|f| {
                (
                    f.path.strip_prefix(&prefix).unwrap_or(&f.path).to_string(),
                    f.line,
                )
            })
            .collect();
        let labels = load(corpus, "labels.json");
        let mut expected: BTreeMap<(String, usize), Vec<String>> = BTreeMap::new();
        for l in &labels {
            expected
                .entry((
                    l["path"].as_str().unwrap().to_string(),
                    l["line"].as_u64().unwrap() as usize,
                ))
                .or_default()
                .push(l["kind"].as_str().unwrap().to_string());
        }
        let missed: Vec<_> = expected.keys().filter(|k| !found.contains(k)).collect();
        let extra: Vec<_> = found.iter().filter(|k| !expected.contains_key(k)).collect();
        assert!(missed.is_empty(), "missed labels: {missed:?}");
        assert!(extra.is_empty(), "false positives: {extra:?}");
        // lines with two labels (an ID and its secret) need two findings
        for (k, kinds) in &expected {
            let n = result
                .findings
                .iter()
                .filter(|f| f.path.strip_prefix(&prefix).unwrap_or(&f.path) == k.0 && f.line == k.1)
                .count();
            assert!(n >= kinds.len(), "{k:?}: {n} findings for {kinds:?}");
        }
        let negatives = load(corpus, "negatives.json");
        for n in &negatives {
            let p = n["path"].as_str().unwrap();
            assert!(
                !found.iter().any(|(fp, _)| fp == p),
                "finding in negative file {p}"
            );
        }
        assert_eq!(result.stats.skipped.unreadable, 0);
    }
}

//! The crate's shape: no file-level import cycle. Every `crate::` and `super::` path in a
//! source file (comments left out) is an arrow from that file to the file that defines
//! the module it names; a module's arrows to its own parents are not counted. A cycle
//! is reported with the files on it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Module = Vec<String>;

fn modules(src: &Path) -> BTreeMap<Module, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p.strip_prefix(src).unwrap().with_extension("");
                let mut m: Module = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if matches!(m.last().map(String::as_str), Some("mod" | "lib" | "main")) {
                    m.pop();
                }
                out.insert(m, std::fs::read_to_string(&p).unwrap());
            }
        }
    }
    out
}

/// The text without `//` comments (doc comments included) and string literals' contents.
fn code_only(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The path segments after each `crate::` or `super::`, and those of `use x::{a, b}`.
fn references(text: &str) -> Vec<(bool, Vec<String>)> {
    let mut refs = Vec::new();
    let b = text.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    for (kind, is_crate) in [("crate::", true), ("super::", false)] {
        let mut from = 0;
        while let Some(i) = text[from..].find(kind) {
            let at = from + i;
            from = at + kind.len();
            if at > 0 && word(b[at - 1]) {
                continue;
            }
            let mut segs = Vec::new();
            let mut j = at + kind.len();
            loop {
                let s = j;
                while j < b.len() && word(b[j]) {
                    j += 1;
                }
                if j > s {
                    segs.push(text[s..j].to_string());
                }
                let group = if text[j..].starts_with("::{") {
                    Some(j + 3)
                } else if j == s && text[j..].starts_with('{') {
                    Some(j + 1) // `use super::{a, b}`
                } else {
                    None
                };
                if let Some(g) = group {
                    // a group: each item is a path of its own
                    let end = text[g..].find('}').map_or(b.len(), |e| g + e);
                    for item in text[g..end].split(',') {
                        let item = item.split(" as ").next().unwrap().trim();
                        let item = item.split("::{").next().unwrap();
                        if !item.is_empty() && item != "self" {
                            let mut p = segs.clone();
                            p.extend(item.split("::").map(str::to_string));
                            refs.push((is_crate, p));
                        }
                    }
                    break;
                }
                if text[j..].starts_with("::") && j > s {
                    j += 2;
                    continue;
                }
                break;
            }
            refs.push((is_crate, segs));
        }
    }
    refs
}

fn resolve(mods: &BTreeMap<Module, String>, segs: &[String]) -> Option<Module> {
    (1..=segs.len())
        .rev()
        .map(|n| segs[..n].to_vec())
        .find(|m| mods.contains_key(m))
}

fn cycles(mods: &BTreeMap<Module, String>) -> Vec<BTreeSet<Module>> {
    let mut edges: BTreeMap<&Module, BTreeSet<Module>> = BTreeMap::new();
    for (m, text) in mods {
        let set = edges.entry(m).or_default();
        for (is_crate, segs) in references(&code_only(text)) {
            let full: Vec<String> = if is_crate {
                segs
            } else {
                let mut p = m[..m.len().saturating_sub(1)].to_vec();
                p.extend(segs);
                p
            };
            if let Some(t) = resolve(mods, &full) {
                if &t != m && !m.starts_with(&t) {
                    set.insert(t);
                }
            }
        }
    }
    // strongly connected sets: every module with the set it reaches and that reaches it
    let reach = |from: &Module| -> BTreeSet<Module> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.clone()];
        while let Some(v) = todo.pop() {
            for w in edges.get(&v).into_iter().flatten() {
                if seen.insert(w.clone()) {
                    todo.push(w.clone());
                }
            }
        }
        seen
    };
    let reached: BTreeMap<&Module, BTreeSet<Module>> = mods.keys().map(|m| (m, reach(m))).collect();
    let mut out: Vec<BTreeSet<Module>> = Vec::new();
    for m in mods.keys() {
        if !reached[m].contains(m) {
            continue;
        }
        let scc: BTreeSet<Module> = reached[m]
            .iter()
            .filter(|o| reached[o].contains(m))
            .cloned()
            .collect();
        if !out.contains(&scc) {
            out.push(scc);
        }
    }
    out
}

#[test]
fn the_crate_has_no_import_cycle() {
    let mods = modules(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(mods.len() > 30, "read {} files", mods.len());
    let found = cycles(&mods);
    let shown: Vec<String> = found
        .iter()
        .map(|c| {
            c.iter()
                .map(|m| m.join("/"))
                .collect::<Vec<_>>()
                .join(" <-> ")
        })
        .collect();
    assert!(shown.is_empty(), "import cycles: {shown:#?}");
}

/// The check finds a cycle when there is one: two files that name each other, and a
/// three-file ring through a `use` group.
#[test]
fn the_check_sees_cycles() {
    let m = |files: &[(&str, &str)]| -> BTreeMap<Module, String> {
        files
            .iter()
            .map(|(p, t)| {
                (
                    p.split('/').map(str::to_string).collect::<Module>(),
                    t.to_string(),
                )
            })
            .collect()
    };
    let two = m(&[
        ("a", "use crate::b::X;"),
        ("b", "fn f() { crate::a::g() }"),
        (
            "c",
            "// crate::a::g in a comment is no arrow\nuse crate::a::Y;",
        ),
    ]);
    assert_eq!(cycles(&two).len(), 1);
    assert_eq!(cycles(&two)[0].len(), 2);
    let ring = m(&[
        ("x/p", "use super::{q::A, r};"),
        ("x/q", "use crate::x::r::B;"),
        ("x/r", "use super::p;"),
        ("x", "pub mod p; use self::p::Z;"),
    ]);
    let c = cycles(&ring);
    assert_eq!(c.len(), 1, "{c:?}");
    assert_eq!(c[0].len(), 3, "{c:?}"); // p -> q -> r -> p
    let none = m(&[
        ("a", "use crate::b::X;"),
        ("b", "use super::c::Y;"),
        ("c", ""),
    ]);
    assert!(cycles(&none).is_empty());
}

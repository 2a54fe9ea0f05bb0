//! Redaction as a property of the output layer: every string akscan writes (reports,
//! excerpts, fix diffs, warnings, errors, verification answers) passes one [`Redactor`]
//! that masks each credential value the run found, in every form akscan itself decodes:
//!
//! - the value as it is;
//! - through escapes (`\u0041`, `\x41`, `\/`, `%41`, `&#65;`, also when a report escaped
//!   them once more: `\\u0041`, `%2541`);
//! - split into string literals (`"LTAI5t" + "…"`, `'a' 'b'`, with or without an
//!   escaped quote `\"` as JSON writes it);
//! - base64 of it, standard or URL-safe, at any of the three alignments inside a longer
//!   base64 run;
//! - and any run of [`FRAGMENT`] or more characters taken from a value (a piece cut by an
//!   excerpt's end or printed on its own line).
//!
//! [`Redacting`] applies it, one line at a time, to whatever is written through it, and
//! can guard each line against workflow commands (see [`super::sanitize::guard_line`]).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::{self, Write};

use aho_corasick::{AhoCorasick, MatchKind};
use base64::Engine;

use crate::finding::{Finding, Suppressed};

/// Values shorter than this are not masked in output: a custom rule matching a short
/// common word would otherwise mangle the report's own text.
pub const MIN_VALUE: usize = 8;
/// A run of this many characters of a value is masked wherever it appears.
pub const FRAGMENT: usize = 8;
/// Most fragments indexed (8 bytes each); past it, only whole values and their encodings
/// are masked.
const MAX_FRAGMENTS: usize = 4 << 20;
/// Longest base64 form searched for (a very long token's base64 is masked through its
/// fragments).
const MAX_B64_VALUE: usize = 4 << 10;

/// What replaces a masked encoded form or fragment.
const STARS: &str = "********";

/// Past this many patterns (values and their base64 forms) they are found through an
/// index of their first eight bytes instead of an Aho-Corasick automaton, whose build
/// grows faster than the patterns (400,000 findings: a minute): the same matches, a
/// lookup per byte searched.
const INDEX_PATTERNS: usize = 50_000;

/// Finds the patterns in a text: leftmost, longest at a position, not overlapping.
enum Matcher {
    Automaton(AhoCorasick),
    Index(PrefixIndex),
}

/// The patterns by their first [`FRAGMENT`] bytes (every pattern is at least that long).
struct PrefixIndex {
    pats: Vec<Vec<u8>>,
    by_prefix: HashMap<u64, Vec<u32>, ahash::RandomState>,
}

impl PrefixIndex {
    fn new(pats: &[String]) -> PrefixIndex {
        let mut by_prefix: HashMap<u64, Vec<u32>, ahash::RandomState> =
            HashMap::with_hasher(ahash::RandomState::new());
        for (i, p) in pats.iter().enumerate() {
            by_prefix
                .entry(gram(p.as_bytes()))
                .or_default()
                .push(i as u32);
        }
        PrefixIndex {
            pats: pats.iter().map(|p| p.as_bytes().to_vec()).collect(),
            by_prefix,
        }
    }

    fn find_all(&self, text: &[u8], found: &mut Vec<(usize, usize, usize)>) {
        let mut i = 0;
        while i + FRAGMENT <= text.len() {
            let best = self.by_prefix.get(&gram(&text[i..])).and_then(|c| {
                c.iter()
                    .map(|&k| k as usize)
                    .filter(|&k| text[i..].starts_with(&self.pats[k]))
                    .max_by_key(|&k| (self.pats[k].len(), std::cmp::Reverse(k)))
            });
            match best {
                Some(k) => {
                    found.push((i, i + self.pats[k].len(), k));
                    i += self.pats[k].len();
                }
                None => i += 1,
            }
        }
    }
}

impl Matcher {
    fn new(pats: &[String], index: bool) -> Option<Matcher> {
        if pats.is_empty() {
            return None;
        }
        if index && pats.iter().all(|p| p.len() >= FRAGMENT) {
            return Some(Matcher::Index(PrefixIndex::new(pats)));
        }
        AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(pats)
            .ok()
            .map(Matcher::Automaton)
    }

    /// (start, end, pattern) of each match.
    fn find_all(&self, text: &[u8]) -> Vec<(usize, usize, usize)> {
        let mut out = Vec::new();
        match self {
            Matcher::Automaton(ac) => out.extend(
                ac.find_iter(text)
                    .map(|m| (m.start(), m.end(), m.pattern().as_usize())),
            ),
            Matcher::Index(ix) => ix.find_all(text, &mut out),
        }
        out
    }
}

/// Masks the values found in one run wherever they appear in a string.
#[derive(Default)]
pub struct Redactor {
    /// Plain values and their base64 forms, searched for in the decoded text.
    ac: Option<Matcher>,
    /// The replacement of each pattern of `ac`: a value's redacted form, or stars.
    reps: Vec<String>,
    /// Every [`FRAGMENT`]-byte window of every value's runs of value characters.
    fragments: HashSet<u64>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} patterns)", self.reps.len())
    }
}

fn is_value_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_')
}

fn gram(w: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&w[..FRAGMENT]);
    u64::from_le_bytes(a)
}

/// The base64 characters of `value` that do not depend on its neighbours when it sits
/// `align` bytes into a longer encoded run, in both alphabets.
fn base64_forms(value: &[u8]) -> Vec<String> {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let mut out = Vec::new();
    if value.len() > MAX_B64_VALUE {
        return out;
    }
    for align in 0..3usize {
        let mut buf = vec![0u8; align];
        buf.extend_from_slice(value);
        let n = value.len();
        // character k holds bits [6k, 6k + 6); the value's bits are [8a, 8a + 8n)
        let first = (8 * align).div_ceil(6);
        let last = (8 * (align + n)) / 6; // exclusive
        if last <= first || last - first < 10 {
            continue;
        }
        for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
            let enc = engine.encode(&buf);
            out.push(enc[first..last].to_string());
        }
    }
    out.sort();
    out.dedup();
    out
}

impl Redactor {
    /// A redactor that masks nothing (`--show-secrets`).
    pub fn none() -> Redactor {
        Redactor::default()
    }

    /// Masks each value, shown where it is found whole as its redacted form.
    pub fn new<'a>(values: impl IntoIterator<Item = (&'a str, &'a str)>) -> Redactor {
        Redactor::build(values, None)
    }

    /// [`Redactor::new`], with the matcher chosen (`Some(true)`: the prefix index) rather
    /// than by the number of patterns.
    fn build<'a>(
        values: impl IntoIterator<Item = (&'a str, &'a str)>,
        index: Option<bool>,
    ) -> Redactor {
        let mut pats: Vec<String> = Vec::new();
        let mut reps: Vec<String> = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        let mut fragments: HashSet<u64> = HashSet::new();
        for (value, redacted) in values {
            if value.len() < MIN_VALUE || !seen.insert(value) {
                continue;
            }
            // a redacted form that still held the value would defeat the point
            let shown = if redacted.contains(value) || redacted.is_empty() {
                STARS.to_string()
            } else {
                redacted.to_string()
            };
            pats.push(value.to_string());
            reps.push(shown);
            for b in base64_forms(value.as_bytes()) {
                if !value.contains(&b) {
                    pats.push(b);
                    reps.push(STARS.to_string());
                }
            }
            for run in value.as_bytes().split(|&b| !is_value_byte(b)) {
                if run.len() >= FRAGMENT && fragments.len() < MAX_FRAGMENTS {
                    fragments.extend(run.windows(FRAGMENT).map(gram));
                }
            }
        }
        let ac = Matcher::new(&pats, index.unwrap_or(pats.len() > INDEX_PATTERNS));
        Redactor {
            ac,
            reps,
            fragments,
        }
    }

    /// Masks the values of the findings and of the suppressed findings.
    pub fn for_findings(findings: &[Finding], suppressed: &[Suppressed]) -> Redactor {
        Redactor::new(
            findings
                .iter()
                .chain(suppressed.iter().map(|s| &s.finding))
                .map(|f| (f.secret.expose(), f.redacted.as_str())),
        )
    }

    /// Whether it masks nothing.
    pub fn is_empty(&self) -> bool {
        self.ac.is_none() && self.fragments.is_empty()
    }

    /// `text` with every value masked, a line at a time, each line guarded against CI
    /// commands when `guard` is set.
    pub fn mask_lines(&self, text: &[u8], guard: bool) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len());
        let mut w = Redacting::new(&mut out, self, guard);
        // writing to memory cannot fail
        let _ = w.write_all(text);
        let _ = w.finish();
        out
    }

    /// `s` with every value masked.
    pub fn mask<'a>(&self, s: &'a str) -> Cow<'a, str> {
        if self.is_empty() || s.len() < FRAGMENT.min(MIN_VALUE) {
            return Cow::Borrowed(s);
        }
        let whole = self.mask_values(s);
        match self.mask_fragments(&whole) {
            Cow::Borrowed(_) => whole,
            Cow::Owned(o) => Cow::Owned(o),
        }
    }

    /// Masks the values and their base64 forms, looked for in `s` decoded.
    fn mask_values<'a>(&self, s: &'a str) -> Cow<'a, str> {
        let Some(ac) = &self.ac else {
            return Cow::Borrowed(s);
        };
        let d = Decoded::new(s.as_bytes());
        let mut out: Option<String> = None;
        let mut pos = 0usize;
        for (start, end, k) in ac.find_all(&d.text[..]) {
            let (a, b) = (d.from[start], d.to[end - 1]);
            if a < pos || !s.is_char_boundary(a) || !s.is_char_boundary(b) {
                continue;
            }
            let o = out.get_or_insert_with(|| String::with_capacity(s.len()));
            o.push_str(&s[pos..a]);
            o.push_str(&self.reps[k]);
            pos = b;
        }
        match out {
            None => Cow::Borrowed(s),
            Some(mut o) => {
                o.push_str(&s[pos..]);
                Cow::Owned(o)
            }
        }
    }

    /// Masks every run of [`FRAGMENT`] or more characters of a value.
    fn mask_fragments<'a>(&self, s: &'a str) -> Cow<'a, str> {
        if self.fragments.is_empty() {
            return Cow::Borrowed(s);
        }
        let b = s.as_bytes();
        // covered[i]: byte i is in a window that is a value's fragment
        let mut spans: Vec<(usize, usize)> = Vec::new();
        let mut i = 0;
        while i + FRAGMENT <= b.len() {
            if !is_value_byte(b[i]) {
                i += 1;
                continue;
            }
            let w = &b[i..i + FRAGMENT];
            if w.iter().all(|&c| is_value_byte(c)) && self.fragments.contains(&gram(w)) {
                match spans.last_mut() {
                    Some(last) if last.1 >= i => last.1 = i + FRAGMENT,
                    _ => spans.push((i, i + FRAGMENT)),
                }
            }
            i += 1;
        }
        if spans.is_empty() {
            return Cow::Borrowed(s);
        }
        let mut out = String::with_capacity(s.len());
        let mut pos = 0;
        for (a, e) in spans {
            out.push_str(&s[pos..a]);
            out.push_str(STARS);
            pos = e;
        }
        out.push_str(&s[pos..]);
        Cow::Owned(out)
    }
}

/// Text with escapes decoded and literal joins removed, each decoded byte knowing the
/// span of the original it came from.
struct Decoded {
    text: Vec<u8>,
    /// Start in the original of the token that gave each byte.
    from: Vec<usize>,
    /// End in the original of the token that gave each byte.
    to: Vec<usize>,
}

fn hexval(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

/// A run of `n` hex digits at `b[i..]`.
fn hex_at(b: &[u8], i: usize, n: usize) -> Option<u32> {
    let w = b.get(i..i + n)?;
    w.iter()
        .try_fold(0u32, |acc, &c| Some(acc * 16 + hexval(c)?))
}

impl Decoded {
    fn new(b: &[u8]) -> Decoded {
        let mut d = Decoded {
            text: Vec::with_capacity(b.len()),
            from: Vec::with_capacity(b.len()),
            to: Vec::with_capacity(b.len()),
        };
        let mut i = 0;
        while i < b.len() {
            if let Some((byte, len)) = escape_at(b, i) {
                d.push(byte, i, i + len);
                i += len;
                continue;
            }
            // a join between two literal pieces: the pieces' bytes are adjacent
            if d.text.last().is_some_and(|&c| is_value_byte(c)) {
                if let Some(len) = join_at(b, i) {
                    i += len;
                    continue;
                }
            }
            d.push(b[i], i, i + 1);
            i += 1;
        }
        d
    }

    fn push(&mut self, byte: u8, from: usize, to: usize) {
        self.text.push(byte);
        self.from.push(from);
        self.to.push(to);
    }
}

/// An escape at `b[i]` that stands for one printable ASCII byte: the byte and the escape's
/// length. Backslashes and `%25` may repeat (a report escaping the escape again).
fn escape_at(b: &[u8], i: usize) -> Option<(u8, usize)> {
    let printable = |c: u32| (0x21..0x7f).contains(&c).then_some(c as u8);
    match b[i] {
        b'\\' => {
            let mut j = i;
            while b.get(j) == Some(&b'\\') && j - i < 8 {
                j += 1;
            }
            match b.get(j)? {
                b'u' | b'U' => Some((printable(hex_at(b, j + 1, 4)?)?, j + 5 - i)),
                b'x' | b'X' => Some((printable(hex_at(b, j + 1, 2)?)?, j + 3 - i)),
                b'/' => Some((b'/', j + 1 - i)),
                _ => None,
            }
        }
        b'%' => {
            // `%2541` is `%41` escaped once more (a GitHub message escapes `%`)
            let mut k = i + 1;
            while b.get(k..k + 2) == Some(b"25") && hex_at(b, k + 2, 2).is_some() {
                k += 2;
            }
            Some((printable(hex_at(b, k, 2)?)?, k + 2 - i))
        }
        b'&' if b.get(i + 1) == Some(&b'#') => {
            let (radix, start) = if matches!(b.get(i + 2), Some(b'x' | b'X')) {
                (16, i + 3)
            } else {
                (10, i + 2)
            };
            let mut j = start;
            let mut v: u32 = 0;
            while j < b.len() && j - start < 7 {
                match (b[j] as char).to_digit(radix) {
                    Some(dg) => v = v * radix + dg,
                    None => break,
                }
                j += 1;
            }
            (j > start && b.get(j) == Some(&b';')).then_some(())?;
            Some((printable(v)?, j + 1 - i))
        }
        _ => None,
    }
}

/// A quote, whitespace and at most one joining operator, a quote, then a value byte: the
/// join between two pieces of a split literal (`" + "`, `' '`, `\" \"`). Its length.
fn join_at(b: &[u8], i: usize) -> Option<usize> {
    let quote = |j: usize| -> Option<usize> {
        // an optional run of backslashes before the quote (JSON writes `\"`)
        let mut k = j;
        while b.get(k) == Some(&b'\\') && k - j < 4 {
            k += 1;
        }
        matches!(b.get(k), Some(b'"' | b'\'')).then_some(k + 1)
    };
    let mut j = quote(i)?;
    let mut op = false;
    while j < b.len() && j - i <= 24 {
        match b[j] {
            b' ' | b'\t' => j += 1,
            b'+' | b'&' | b'.' | b',' if !op => {
                op = true;
                j += 1;
            }
            b'|' if !op && b.get(j + 1) == Some(&b'|') => {
                op = true;
                j += 2;
            }
            _ => {
                let e = quote(j)?;
                return b.get(e).is_some_and(|&c| is_value_byte(c)).then_some(e - i);
            }
        }
    }
    None
}

/// A writer that masks every value of a [`Redactor`] in what passes through it, a line at
/// a time, and optionally guards each line with [`super::sanitize::guard_line`]. Call
/// [`Redacting::finish`] (or drop it) to write a last line without a newline.
pub struct Redacting<'r, W: Write> {
    inner: W,
    redactor: &'r Redactor,
    guard: bool,
    pending: Vec<u8>,
}

impl<'r, W: Write> Redacting<'r, W> {
    pub fn new(inner: W, redactor: &'r Redactor, guard: bool) -> Redacting<'r, W> {
        Redacting {
            inner,
            redactor,
            guard,
            pending: Vec::new(),
        }
    }

    fn emit(&mut self, line: &[u8]) -> io::Result<()> {
        let text = String::from_utf8_lossy(line);
        let masked = self.redactor.mask(&text);
        let guarded = if self.guard {
            super::sanitize::guard_line(&masked)
        } else {
            Cow::Borrowed(&*masked)
        };
        self.inner.write_all(guarded.as_bytes())
    }

    /// Writes what is left and flushes.
    pub fn finish(mut self) -> io::Result<()> {
        self.write_rest()?;
        self.inner.flush()
    }

    fn write_rest(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let rest = std::mem::take(&mut self.pending);
            self.emit(&rest)?;
        }
        Ok(())
    }
}

impl<W: Write> Write for Redacting<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while let Some(nl) = memchr::memchr(b'\n', rest) {
            if self.pending.is_empty() {
                self.emit(&rest[..=nl])?;
            } else {
                self.pending.extend_from_slice(&rest[..=nl]);
                let line = std::mem::take(&mut self.pending);
                self.emit(&line)?;
            }
            rest = &rest[nl + 1..];
        }
        self.pending.extend_from_slice(rest);
        Ok(buf.len())
    }

    /// Flushes the complete lines only: a value may still be cut at the end of the last.
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<W: Write> Drop for Redacting<'_, W> {
    fn drop(&mut self) {
        let _ = self.write_rest();
        let _ = self.inner.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The prefix index (used for many findings) masks exactly what the automaton
    /// masks: values of many lengths that share prefixes and contain one another, in text
    /// built of their pieces, encodings and noise.
    #[test]
    fn the_prefix_index_masks_what_the_automaton_masks() {
        use proptest::prelude::*;
        let value = "[A-Za-z0-9]{8,40}";
        let cfg = proptest::test_runner::Config::with_cases(300);
        proptest::proptest!(cfg, |(
            base in proptest::collection::vec(value, 1..8),
            picks in proptest::collection::vec((0usize..64, 0usize..5, "[ a-z\"=:\\\\%2]{0,6}"), 0..24),
        )| {
            // values that share prefixes and hold one another
            let mut values: Vec<String> = base.clone();
            for b in &base {
                values.push(format!("{b}{}", &b[..b.len().min(9)]));
                values.push(b[..b.len() - 1].to_string());
            }
            values.retain(|v| v.len() >= MIN_VALUE);
            let pairs: Vec<(String, String)> = values
                .iter()
                .map(|v| (v.clone(), format!("{}***", &v[..2])))
                .collect();
            let as_refs = || pairs.iter().map(|(a, b)| (a.as_str(), b.as_str()));
            let auto = Redactor::build(as_refs(), Some(false));
            let index = Redactor::build(as_refs(), Some(true));
            prop_assert!(matches!(index.ac, Some(Matcher::Index(_))));
            let mut text = String::new();
            for (v, how, noise) in &picks {
                let v = &values[v % values.len()];
                match how {
                    0 => text.push_str(v),
                    1 => text.push_str(&v[..v.len() / 2]),
                    2 => text.push_str(&base64_forms(v.as_bytes()).join("")),
                    3 => text.push_str(&v.bytes().map(|c| format!("\\u{c:04x}")).collect::<String>()),
                    _ => text.push_str(&v.to_lowercase()),
                }
                text.push_str(noise);
            }
            prop_assert_eq!(auto.mask(&text), index.mask(&text));
        });
    }

    const ID: &str = "LTAI5tQ8bFz2KcVw9YhN3xRm";
    const SECRET: &str = "Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e";

    fn r() -> Redactor {
        Redactor::new([
            (ID, "LTAI****************3xRm"),
            (SECRET, "Vq8************************J6e"),
        ])
    }

    fn clean(s: &str) -> bool {
        !s.contains(ID) && !s.contains(SECRET) && !s.contains(&ID[4..12])
    }

    #[test]
    fn plain_values_become_their_redacted_form() {
        let m = r().mask(&format!("k={ID}; s=x{SECRET}y")).into_owned();
        assert_eq!(
            m,
            "k=LTAI****************3xRm; s=xVq8************************J6ey"
        );
        assert!(matches!(r().mask("nothing here"), Cow::Borrowed(_)));
    }

    #[test]
    fn escapes_and_splits_are_masked() {
        let u: String = SECRET
            .chars()
            .map(|c| format!("\\u{:04x}", c as u32))
            .collect();
        let pct: String = SECRET.bytes().map(|c| format!("%{c:02X}")).collect();
        let mixed: String = SECRET
            .bytes()
            .enumerate()
            .map(|(i, c)| {
                if i % 3 == 0 {
                    format!("%{c:02x}")
                } else {
                    (c as char).to_string()
                }
            })
            .collect();
        let html: String = SECRET.bytes().map(|c| format!("&#{c};")).collect();
        for s in [
            u.clone(),
            u.replace('\\', "\\\\"),
            pct.clone(),
            pct.replace('%', "%25"),
            mixed,
            html,
            format!("\"{}\" \"{}\"", &SECRET[..10], &SECRET[10..]),
            format!("'{}' + '{}'", &SECRET[..5], &SECRET[5..]),
            format!("\\\"{}\\\" \\\"{}\\\"", &SECRET[..6], &SECRET[6..]),
        ] {
            let line = format!("日本語 x = {s} end");
            let m = r().mask(&line);
            assert!(
                !m.contains(&SECRET[..6]) || !m.contains(&SECRET[24..]),
                "{line} -> {m}"
            );
            assert!(m.starts_with("日本語 x = ") && m.ends_with(" end"), "{m}");
        }
    }

    #[test]
    fn base64_at_any_alignment_is_masked() {
        use base64::engine::general_purpose::{STANDARD, URL_SAFE};
        for pre in ["", "a", "ab", "abc"] {
            for e in [&STANDARD, &URL_SAFE] {
                let b = e.encode(format!("{pre}{SECRET}\n"));
                let m = r().mask(&format!("# b64 {b}")).into_owned();
                assert!(!m.contains(&b), "{b}");
                let back: String = m.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
                assert!(back.len() < b.len() - 20, "{m}");
            }
        }
    }

    #[test]
    fn fragments_are_masked_but_redacted_forms_are_kept() {
        let m = r()
            .mask(&format!("a {} b {}…", &SECRET[3..15], &ID[..12]))
            .into_owned();
        assert!(clean(&m) && !m.contains(&SECRET[3..15]), "{m}");
        let shown = "LTAI****************3xRm";
        assert_eq!(r().mask(shown), shown);
        assert!(clean(&r().mask(&format!("{ID}{SECRET}{ID}"))));
    }

    #[test]
    fn writer_masks_across_writes() {
        let red = r();
        let mut out = Vec::new();
        {
            let mut w = Redacting::new(&mut out, &red, true);
            w.write_all(&SECRET.as_bytes()[..10]).unwrap();
            w.write_all(&SECRET.as_bytes()[10..]).unwrap();
            w.write_all(b"\n::error::x\n").unwrap();
            w.write_all(ID.as_bytes()).unwrap();
        }
        let s = String::from_utf8(out).unwrap();
        assert!(clean(&s), "{s}");
        assert!(!s.lines().any(|l| l.starts_with("::")), "{s}");
        assert!(s.ends_with("3xRm"), "{s}");
    }

    #[test]
    fn short_values_and_nothing_are_left_alone() {
        let red = Redactor::new([("json", "j**n")]);
        assert!(red.is_empty());
        assert_eq!(red.mask("{\"json\": 1}"), "{\"json\": 1}");
    }
}

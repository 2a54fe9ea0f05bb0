//! Encoded: decoded "views" of a buffer, so a key stored base64-encoded, escaped, split
//! into string literals or broken over a continued line is scanned as plain text.
//!
//! A view is the buffer with some byte ranges replaced by their decoded form (a base64
//! run by the text it encodes, `"LTAI5t" + "…"` by the joined literal, `\u0041` by `A`).
//! Everything else is kept, so the names and neighbours a rule's context looks at are
//! still there. The view remembers where each replacement came from, so a detection
//! inside one is reported at the encoded value's place in the original.
//!
//! Ordinary source pays one pass of a small Aho-Corasick automaton over trigger strings
//! of three bytes or more (a base64 form of `LTAI`, `\u00`, `LT"`, …), which its
//! SIMD prefilter skips through; split literals and continued lines are looked for only
//! on the lines where the plain scan met a credential keyword. A buffer with neither has
//! no view.

use std::ops::Range;

use aho_corasick::{AhoCorasick, MatchKind};

use super::rules::Charset;
use super::runs::keep_near_runs;
use super::TriggerHit;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;

/// Shortest base64 run decoded (12 bytes of text).
const MIN_B64: usize = 16;
/// Longest base64 run decoded.
const MAX_B64: usize = 4 << 20;
/// At most this many decoded bytes per buffer (all views together).
const MAX_DECODED: usize = 16 << 20;
/// How deep decoded text is decoded again (base64 inside base64 …).
const MAX_DEPTH: u32 = 2;
/// Longest URL or escaped string decoded.
const MAX_TOKEN: usize = 64 << 10;
/// Shortest joined split literal worth a view (the shortest key is 16 characters).
const MIN_SPLIT: usize = 16;
/// The shortest run of base64 characters (`[A-Za-z0-9+/]`) near a keyword that makes its
/// line worth decoding: a piece of a split or continued key, or of a base64 value (whose
/// URL-safe form `-` and `_` may cut).
const MIN_PIECE: usize = 12;
/// How far before a short keyword such a run may end, and after it start: the value
/// follows its name closely (on its line, or the next for the second piece of a split).
const SHORT_BEFORE: usize = 16;
const SHORT_AFTER: usize = 192;
/// Most lines a chain of split literals may span.
const MAX_SPLIT_LINES: usize = 3;

/// One replaced range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Where the replacement is in the view.
    pub view: Range<usize>,
    /// What it replaced in the original buffer.
    pub orig: Range<usize>,
    pub encoding: &'static str,
}

/// A buffer with some ranges decoded.
#[derive(Debug, Default)]
pub struct View {
    pub data: Vec<u8>,
    /// Sorted, disjoint.
    pub segments: Vec<Segment>,
}

impl View {
    /// The original position of view position `p`: inside a segment, the segment's start.
    pub fn to_orig(&self, p: usize) -> usize {
        let i = self.segments.partition_point(|s| s.view.start <= p);
        if i == 0 {
            return p;
        }
        let s = &self.segments[i - 1];
        if p < s.view.end {
            s.orig.start
        } else {
            s.orig.end + (p - s.view.end)
        }
    }

    /// The original position just past a value that ends at view position `e`.
    pub fn to_orig_end(&self, e: usize) -> usize {
        let i = self.segments.partition_point(|s| s.view.start < e);
        if i == 0 {
            return e;
        }
        let s = &self.segments[i - 1];
        if e <= s.view.end {
            s.orig.end
        } else {
            s.orig.end + (e - s.view.end)
        }
    }

    /// The first segment the view range `s..e` overlaps (a zero-length segment counts when
    /// it lies strictly inside the range: a removed line break).
    pub fn segment_in(&self, s: usize, e: usize) -> Option<&Segment> {
        let first = self.segments.partition_point(|g| g.view.end < s);
        self.segments[first..]
            .iter()
            .take_while(|g| g.view.start <= e)
            .find(|g| {
                if g.view.is_empty() {
                    g.view.start > s && g.view.start < e
                } else {
                    g.view.start < e && g.view.end > s
                }
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trigger {
    /// A base64 form of a marker (`LTAI`, `CAIS`, `secret`…): decode the run around it.
    B64Marker,
    /// A Kubernetes Secret or docker config: decode every base64 run.
    B64File,
    JsonEscape,
    /// A quote after `LT` or `LTA`: a split inside the ID's prefix.
    Split,
}

/// The trigger automaton. Build once, share between threads.
#[derive(Debug)]
pub struct Decoders {
    ac: AhoCorasick,
    kinds: Vec<Trigger>,
    patterns: Vec<Vec<u8>>,
}

/// Plain strings whose base64 forms (at each of the three alignments) mark a run worth
/// decoding.
/// At most 32 trigger strings in all keep the automaton's prefilter on its fastest
/// (slim) form: four markers, three alignments each.
const B64_MARKERS: &[&str] = &["LTAI", "CAIS", "ecret", "ccessKey"];

/// The characters of `b64(x + marker + y)` that do not depend on the unknown `x` (of
/// `align` bytes) and `y`.
fn stable_b64(marker: &[u8], align: usize) -> Vec<u8> {
    let enc = |fill: u8| {
        let mut v = vec![fill; align];
        v.extend_from_slice(marker);
        v.extend_from_slice(&[fill; 3]);
        base64::engine::general_purpose::STANDARD
            .encode(&v)
            .into_bytes()
    };
    let (a, b) = (enc(0x00), enc(0xFF));
    // characters that cover only marker bits: from the first sextet after the prefix
    let first = (align * 8).div_ceil(6);
    let last = ((align + marker.len()) * 8) / 6; // exclusive
    let mut out = Vec::new();
    for i in first..last {
        if a[i] != b[i] {
            break;
        }
        out.push(a[i]);
    }
    out
}

impl Default for Decoders {
    fn default() -> Self {
        Decoders::new()
    }
}

impl Decoders {
    pub fn new() -> Decoders {
        let mut pats: Vec<Vec<u8>> = Vec::new();
        let mut kinds = Vec::new();
        let mut add = |p: Vec<u8>, k: Trigger| {
            if !p.is_empty() && !pats.contains(&p) {
                pats.push(p);
                kinds.push(k);
            }
        };
        for m in B64_MARKERS {
            for align in 0..3 {
                add(stable_b64(m.as_bytes(), align), Trigger::B64Marker);
            }
        }
        for p in [
            // `kind: Secret` in a manifest; `"auths"` in a docker config. Rare 3-byte
            // openings keep the prefilter fast.
            ": Secret",
            "\"auths\"",
        ] {
            add(p.into(), Trigger::B64File);
        }
        for p in ["\\u00", "\\U00"] {
            add(p.into(), Trigger::JsonEscape);
        }
        // Percent-escapes need no trigger: a key is letters and digits (an STS token
        // starts with them), so its keyword shows in plain text, and the token around each
        // keyword is decoded when it holds a `%` (see `view_at`).
        let mut short: Vec<(Vec<u8>, Trigger)> = Vec::new();
        // a literal split inside `LTAI` itself (`"LT" + "AI5t…"`); other splits are looked
        // for on the lines of credential keywords only (see `view`). Four bytes each: the
        // shortest trigger sets how many bytes the prefilter compares, and three let far
        // more ordinary text through.
        for p in ["\"LT\"", "'LT'", "LTA\"", "LTA'"] {
            short.push((p.into(), Trigger::Split));
        }
        for (p, k) in short {
            if !pats.contains(&p) {
                pats.push(p);
                kinds.push(k);
            }
        }
        debug_assert!(pats.len() <= 32, "{} trigger strings", pats.len());
        let ac = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(&pats)
            .expect("trigger strings are literals");
        Decoders {
            ac,
            kinds,
            patterns: pats,
        }
    }

    /// The trigger strings, for a detector to find in its own pass over the bytes
    /// ([`crate::detect::Detector::with_triggers`]); their hits go to [`Decoders::view_with`].
    pub fn trigger_patterns(&self) -> &[Vec<u8>] {
        &self.patterns
    }

    /// [`Decoders::view`] with the trigger strings already found (by the detector's pass
    /// over the same buffer, built with [`Decoders::trigger_patterns`]).
    ///
    /// `short` are the positions of short keywords (`sk`): only those with a run of base64
    /// characters near them count (in C, `sk` is a socket on every other line).
    pub fn view_with(
        &self,
        buf: &[u8],
        anchors: &[usize],
        short: &[usize],
        hits: &[TriggerHit],
    ) -> Option<View> {
        let mut budget = MAX_DECODED;
        let merged: Vec<usize>;
        let anchors = if short.is_empty() {
            anchors
        } else {
            let mut v: Vec<usize> = Vec::new();
            keep_near_runs(
                buf,
                short,
                Charset::Base64,
                MIN_PIECE,
                SHORT_BEFORE,
                SHORT_AFTER,
                &mut v,
            );
            if v.is_empty() {
                anchors
            } else {
                v.extend_from_slice(anchors);
                v.sort_unstable();
                merged = v;
                &merged
            }
        };
        self.view_at(buf, anchors, Some(hits), MAX_DEPTH, &mut budget)
    }

    /// The view of `buf`, or None when nothing in it is encoded. `anchors` are positions
    /// of credential keywords (from the plain scan): a base64 run on their line is decoded,
    /// and split literals are looked for on their line and the few below.
    pub fn view(&self, buf: &[u8], anchors: &[usize]) -> Option<View> {
        let mut budget = MAX_DECODED;
        self.view_at(buf, anchors, None, MAX_DEPTH, &mut budget)
    }

    fn view_at(
        &self,
        buf: &[u8],
        anchors: &[usize],
        hits: Option<&[TriggerHit]>,
        depth: u32,
        budget: &mut usize,
    ) -> Option<View> {
        let mut subs: Vec<Sub> = Vec::new();
        let mut b64_all = false;
        let mut b64_at: Vec<usize> = Vec::new();
        let mut split_quotes: Vec<usize> = Vec::new();
        let mut done_to = 0usize; // end of the last escape/url substitution
        let own: Vec<TriggerHit>;
        let hits = match hits {
            Some(h) => h,
            None => {
                own = self
                    .ac
                    .find_iter(buf)
                    .map(|m| TriggerHit {
                        start: m.start(),
                        end: m.end(),
                        trigger: m.pattern().as_usize(),
                    })
                    .collect();
                &own
            }
        };
        // keyword anchors join the trigger hits, in position order, as URL-decoding
        // candidates: the escape and URL decoders share `done_to`
        let url_hits: Vec<TriggerHit> = anchors
            .iter()
            .filter(|&&a| a < buf.len())
            .map(|&a| TriggerHit {
                start: a,
                end: a,
                trigger: usize::MAX,
            })
            .collect();
        let mut url_checked_to = 0usize; // end of the last keyword token looked at
                                         // the next `%` (Some(None): there is none left): anchors come in order, so the
                                         // buffer is searched for `%` once, not a window around every keyword
        let mut pct: Option<Option<usize>> = None;
        let mut merged = Vec::new();
        let hits: &[TriggerHit] = if url_hits.is_empty() {
            hits
        } else {
            merged.reserve(hits.len() + url_hits.len());
            merged.extend_from_slice(hits);
            merged.extend_from_slice(&url_hits);
            merged.sort_by_key(|h: &TriggerHit| h.start);
            &merged
        };
        for h in hits {
            let (s, e) = (h.start, h.end);
            if h.trigger == usize::MAX {
                // a `%` near the keyword first (one SIMD look), the token's bounds after
                let lo = s.saturating_sub(KEYWORD_REACH);
                if pct.is_none_or(|next| next.is_some_and(|p| p < lo)) {
                    pct = Some(memchr::memchr(b'%', &buf[lo..]).map(|p| lo + p));
                }
                let near = matches!(pct, Some(Some(p)) if p < s + KEYWORD_REACH);
                if s >= done_to && s >= url_checked_to && near {
                    let r = token_around(buf, s, done_to.max(url_checked_to));
                    url_checked_to = r.end.max(s + 1);
                    if memchr::memchr(b'%', &buf[r.clone()]).is_some() {
                        if let Some(sub) = url(buf, r.clone()) {
                            done_to = r.end;
                            subs.push(sub);
                        }
                    }
                }
                continue;
            }
            match self.kinds[h.trigger] {
                Trigger::B64Marker => b64_at.push(s),
                Trigger::B64File => b64_all = true,
                // a token is decoded once, however many escapes it holds
                Trigger::JsonEscape if s >= done_to => {
                    let r = token_around(buf, s, done_to);
                    done_to = r.end;
                    subs.extend(json_escape(buf, r));
                }
                Trigger::Split => split_quotes.push(e - 1),

                _ => {}
            }
        }
        // split literals: quotes on the lines of credential keywords (and a few lines
        // below, where a partner is looked for), each line once
        let mut line_done = 0;
        for &a in anchors {
            if a >= buf.len() || a < line_done {
                continue;
            }
            let ls = super::line_start(buf, a).max(line_done);
            let mut le = super::line_end(buf, a);
            for _ in 0..MAX_SPLIT_LINES {
                if le >= buf.len() {
                    break;
                }
                le = super::line_end(buf, le + 1);
            }
            line_done = le;
            split_quotes.extend(memchr::memchr2_iter(b'"', b'\'', &buf[ls..le]).map(|q| ls + q));
            // a value continued on the next line (`LTAI5tQ8\` + newline + `bFz2…`)
            for c in memchr::memchr_iter(b'\\', &buf[ls..le]) {
                let c = ls + c;
                match buf.get(c + 1..(c + 3).min(buf.len())) {
                    Some([b'\n', ..]) => subs.extend(continuation(buf, c, c + 2)),
                    Some([b'\r', b'\n']) => subs.extend(continuation(buf, c, c + 3)),
                    _ => {}
                }
            }
        }
        split_quotes.sort_unstable();
        split_quotes.dedup();
        let mut split_to = 0usize;
        for q in split_quotes {
            if q < split_to {
                continue;
            }
            if let Some(sub) = split(buf, q) {
                split_to = sub.orig.end;
                subs.push(sub);
            }
        }
        // base64 runs: everywhere in a Secret manifest, else around markers and on the
        // lines of credential keywords
        let mut runs: Vec<Range<usize>> = Vec::new();
        if b64_all {
            let mut p = 0;
            while let Some(r) = next_run(buf, p, buf.len()) {
                p = r.end;
                runs.push(r);
            }
        } else {
            let mut last_end = 0;
            for &a in b64_at.iter() {
                if a < last_end {
                    continue; // in the run just taken
                }
                let r = run_around(buf, a);
                last_end = r.end;
                if r.len() >= MIN_B64 {
                    runs.push(r);
                }
            }
            // each line once, however many keywords it has
            let mut line_done = 0;
            for &a in anchors {
                if a >= buf.len() || a < line_done {
                    continue;
                }
                let le = super::line_end(buf, a);
                line_done = le;
                // the value follows its name closely: look a bounded distance past it
                let to = le.min(a.saturating_add(KEYWORD_REACH));
                let mut p = a;
                while let Some(r) = next_run(buf, p, to) {
                    p = r.end;
                    runs.push(r);
                }
            }
            runs.sort_by_key(|r| r.start);
            runs.dedup();
        }
        for r in runs {
            if *budget == 0 {
                break;
            }
            if let Some(text) = decode_b64(&buf[r.clone()]) {
                *budget = budget.saturating_sub(text.len());
                let data = if depth > 1 {
                    match self.view_at(&text, &[], None, depth - 1, budget) {
                        Some(v) => v.data,
                        None => text,
                    }
                } else {
                    text
                };
                subs.push(Sub {
                    orig: r,
                    data,
                    encoding: "base64",
                });
            }
        }
        if subs.is_empty() {
            return None;
        }
        Some(apply(buf, subs))
    }
}

/// A replacement of `orig` by `data`.
#[derive(Debug)]
struct Sub {
    orig: Range<usize>,
    data: Vec<u8>,
    encoding: &'static str,
}

/// Builds the view from replacements (overlapping ones after the first are dropped).
fn apply(buf: &[u8], mut subs: Vec<Sub>) -> View {
    subs.sort_by_key(|s| (s.orig.start, s.orig.end));
    let mut v = View {
        data: Vec::with_capacity(buf.len() + 64),
        segments: Vec::with_capacity(subs.len()),
    };
    let mut pos = 0usize;
    for s in subs {
        if s.orig.start < pos {
            continue;
        }
        v.data.extend_from_slice(&buf[pos..s.orig.start]);
        let vs = v.data.len();
        v.data.extend_from_slice(&s.data);
        v.segments.push(Segment {
            view: vs..v.data.len(),
            orig: s.orig.clone(),
            encoding: s.encoding,
        });
        pos = s.orig.end;
    }
    v.data.extend_from_slice(&buf[pos..]);
    v
}

fn is_b64(b: u8) -> bool {
    B64_CHARS[b as usize]
}

/// The characters of standard and URL-safe base64, as a table (the run scans are hot).
static B64_CHARS: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_');
        i += 1;
    }
    t
};

/// How far past a credential keyword a base64 value is looked for on its line.
const KEYWORD_REACH: usize = 512;

/// The base64 run that contains `p` (with its `=` padding).
fn run_around(buf: &[u8], p: usize) -> Range<usize> {
    let mut s = p;
    while s > 0 && is_b64(buf[s - 1]) && p - s < MAX_B64 {
        s -= 1;
    }
    let mut e = p;
    while e < buf.len() && is_b64(buf[e]) && e - s < MAX_B64 {
        e += 1;
    }
    while e < buf.len() && buf[e] == b'=' && e - s < MAX_B64 + 2 {
        e += 1;
    }
    s..e
}

/// The next base64 run of plausible length that starts at or after `from` and before
/// `to`.
fn next_run(buf: &[u8], from: usize, to: usize) -> Option<Range<usize>> {
    let mut p = from;
    // never start inside a run
    while p > 0 && p < buf.len() && is_b64(buf[p - 1]) && is_b64(buf[p]) {
        p += 1;
    }
    while p < to {
        if !is_b64(buf[p]) {
            p += 1;
            continue;
        }
        let r = run_around(buf, p);
        if r.len() >= MIN_B64 {
            return Some(r);
        }
        p = r.end.max(p + 1);
    }
    None
}

/// Padding optional, trailing bits allowed: values are cut out of text, not validated.
const B64_CONFIG: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
/// The two engines, built once (a decode per base64 run of a keyword's line would
/// otherwise build its tables again).
const B64_STANDARD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, B64_CONFIG);
const B64_URL_SAFE: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, B64_CONFIG);

fn b64_engine(url_safe: bool) -> &'static GeneralPurpose {
    if url_safe {
        &B64_URL_SAFE
    } else {
        &B64_STANDARD
    }
}

/// Decodes a base64 run to text: valid base64 whose bytes are UTF-8 text (printable, tab
/// and line breaks). Binary data, hashes and random ids are refused.
fn decode_b64(run: &[u8]) -> Option<Vec<u8>> {
    if run.len() < MIN_B64 || run.len() > MAX_B64 + 2 {
        return None;
    }
    let body_len = run.iter().rposition(|&b| b != b'=').map_or(0, |i| i + 1);
    if body_len % 4 == 1 {
        return None;
    }
    let std = run.iter().any(|&b| b == b'+' || b == b'/');
    let url = run.iter().any(|&b| b == b'-' || b == b'_');
    if std && url {
        return None;
    }
    // an identifier is not base64: require both cases or a digit
    let has_lower = run.iter().any(u8::is_ascii_lowercase);
    let has_upper = run.iter().any(u8::is_ascii_uppercase);
    if !(has_lower && has_upper) {
        return None;
    }
    let out = b64_engine(url).decode(&run[..body_len]).ok()?;
    if out.len() < 12 || !is_text(&out) {
        return None;
    }
    Some(out)
}

/// UTF-8 text without control characters other than tab and line breaks.
fn is_text(b: &[u8]) -> bool {
    let Ok(s) = std::str::from_utf8(b) else {
        return false;
    };
    s.chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
}

/// Bytes a JSON string or URL token may hold (no whitespace, no quote).
fn is_token_byte(b: u8) -> bool {
    b > b' ' && b != b'"' && b != b'\'' && b != b'<' && b != b'>' && b != 0x7f
}

/// The token around `p` (bounded, and never reaching below `floor`: the end of the last
/// token decoded, so a long token costs linear time however many escapes it holds).
fn token_around(buf: &[u8], p: usize, floor: usize) -> Range<usize> {
    let mut s = p;
    while s > floor && p - s < MAX_TOKEN / 2 && is_token_byte(buf[s - 1]) {
        // a `\"` inside a JSON string belongs to it
        s -= 1;
    }
    let mut e = p;
    while e < buf.len() && e - s < MAX_TOKEN && is_token_byte(buf[e]) {
        e += 1;
    }
    s..e
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `\u0041`-style escapes (JSON, JavaScript, Java, Python) in the token `r`.
fn json_escape(buf: &[u8], r: Range<usize>) -> Option<Sub> {
    let t = &buf[r.clone()];
    let mut out = Vec::with_capacity(t.len());
    let mut i = 0;
    let mut mask: Vec<bool> = Vec::with_capacity(t.len());
    while i < t.len() {
        if t[i] == b'\\' && i + 5 < t.len() && matches!(t[i + 1], b'u' | b'U') {
            let code = t[i + 2..i + 6]
                .iter()
                .try_fold(0u32, |acc, &b| hex(b).map(|h| acc * 16 + u32::from(h)));
            if let Some(c) = code.and_then(char::from_u32) {
                let mut tmp = [0u8; 4];
                let bytes = c.encode_utf8(&mut tmp).as_bytes();
                out.extend_from_slice(bytes);
                mask.resize(out.len(), true);
                i += 6;
                continue;
            }
        }
        if t[i] == b'\\' && i + 1 < t.len() && t[i + 1] == b'/' {
            out.push(b'/');
            mask.push(true);
            i += 2;
            continue;
        }
        out.push(t[i]);
        mask.push(false);
        i += 1;
    }
    if !has_decoded_run(&out, &mask) || out.iter().any(|&b| b < b' ' && b != b'\t') {
        return None;
    }
    Some(Sub {
        orig: r,
        data: out,
        encoding: "json-escape",
    })
}

/// Percent-encoding in the URL or query string `r`.
fn url(buf: &[u8], r: Range<usize>) -> Option<Sub> {
    let t = &buf[r.clone()];
    let mut out = Vec::with_capacity(t.len());
    let mut i = 0;
    let mut mask: Vec<bool> = Vec::with_capacity(t.len());
    while i < t.len() {
        if t[i] == b'%' && i + 2 < t.len() {
            if let (Some(h), Some(l)) = (hex(t[i + 1]), hex(t[i + 2])) {
                let c = h * 16 + l;
                // only printable ASCII: a key and the punctuation around it
                if (b'!'..=b'~').contains(&c) {
                    out.push(c);
                    mask.push(true);
                    i += 3;
                    continue;
                }
            }
        }
        out.push(t[i]);
        mask.push(false);
        i += 1;
    }
    if !has_decoded_run(&out, &mask) {
        return None;
    }
    Some(Sub {
        orig: r,
        data: out,
        encoding: "url",
    })
}

/// Whether decoding made something a key could be: a run of key characters at least
/// [`MIN_SPLIT`] long with a decoded byte in it. Escapes in ordinary text (`caf\u00e9`,
/// `a%20b`) and around a key the plain scan already sees change no such run.
fn has_decoded_run(out: &[u8], decoded: &[bool]) -> bool {
    let mut len = 0usize;
    let mut any = false;
    for (&b, &d) in out.iter().zip(decoded) {
        if is_value_byte(b) {
            len += 1;
            any |= d;
            if len >= MIN_SPLIT && any {
                return true;
            }
        } else {
            len = 0;
            any = false;
        }
    }
    false
}

fn is_value_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')
}

/// A backslash-newline inside a value (`LTAI5tQ8\` then `bFz2…` at the start of the next
/// line), as a shell or Dockerfile joins it: both bytes removed.
fn continuation(buf: &[u8], s: usize, e: usize) -> Option<Sub> {
    if s == 0 || e >= buf.len() || !is_value_byte(buf[s - 1]) || !is_value_byte(buf[e]) {
        return None;
    }
    let left = buf[..s]
        .iter()
        .rev()
        .take(MIN_SPLIT)
        .take_while(|&&b| is_value_byte(b))
        .count();
    let right = buf[e..]
        .iter()
        .take(MIN_SPLIT)
        .take_while(|&&b| is_value_byte(b))
        .count();
    if left + right < MIN_SPLIT {
        return None;
    }
    Some(Sub {
        orig: s..e,
        data: Vec::new(),
        encoding: "line-continuation",
    })
}

/// A string literal piece `q…q` ending at the closing quote `close`: its opening quote,
/// when the content is made of key characters only.
fn piece_before(buf: &[u8], close: usize) -> Option<usize> {
    let q = buf[close];
    let mut p = close;
    while p > 0 {
        p -= 1;
        let b = buf[p];
        if b == q {
            return Some(p);
        }
        if !is_value_byte(b) || close - p > 512 {
            return None;
        }
    }
    None
}

/// The piece that opens at `open`: the position of its closing quote.
fn piece_after(buf: &[u8], open: usize) -> Option<usize> {
    let q = buf[open];
    let mut p = open + 1;
    while p < buf.len() && p - open <= 512 {
        let b = buf[p];
        if b == q {
            return Some(p);
        }
        if !is_value_byte(b) {
            return None;
        }
        p += 1;
    }
    None
}

/// From just past a closing quote, the opening quote of the next piece joined to it by
/// whitespace and one optional operator (`+`, `.`, `..`, `&`, `||`), with the number of
/// line breaks crossed.
fn joiner(buf: &[u8], from: usize) -> Option<(usize, usize)> {
    let mut p = from;
    let mut lines = 0;
    let mut op = false;
    while p < buf.len() && p - from <= 256 {
        match buf[p] {
            b' ' | b'\t' | b'\r' => p += 1,
            b'\n' => {
                lines += 1;
                if lines > MAX_SPLIT_LINES {
                    return None;
                }
                p += 1;
            }
            b'+' | b'&' if !op => {
                op = true;
                p += 1;
            }
            b'.' if !op => {
                op = true;
                p += if buf.get(p + 1) == Some(&b'.') { 2 } else { 1 };
            }
            b'|' if !op && buf.get(p + 1) == Some(&b'|') => {
                op = true;
                p += 2;
            }
            b'"' | b'\'' => return Some((p, lines)),
            _ => return None,
        }
    }
    None
}

/// Longest joined value: the longest credential (an STS token) is a few kilobytes.
const MAX_JOINED: usize = 8 << 10;

/// A chain of string literals joined into one value, found from the closing quote at `s`.
fn split(buf: &[u8], s: usize) -> Option<Sub> {
    let open = piece_before(buf, s)?;
    // most quotes on a keyword's line close a literal nothing is joined to
    joiner(buf, s + 1)?;
    let q = buf[open];
    let mut joined: Vec<u8> = buf[open + 1..s].to_vec();
    let mut close = s;
    let mut pieces = 1;
    let mut lines = 0;
    while let Some((next, crossed)) = joiner(buf, close + 1) {
        lines += crossed;
        if lines > MAX_SPLIT_LINES || joined.len() > MAX_JOINED {
            break;
        }
        let Some(end) = piece_after(buf, next) else {
            break;
        };
        joined.extend_from_slice(&buf[next + 1..end]);
        close = end;
        pieces += 1;
    }
    if pieces < 2 || joined.len() < MIN_SPLIT {
        return None;
    }
    let mut data = Vec::with_capacity(joined.len() + 2);
    data.push(q);
    data.extend_from_slice(&joined);
    data.push(q);
    Some(Sub {
        orig: open..close + 1,
        data,
        encoding: "split-literal",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The view of `s`, as if every line had a credential keyword.
    fn view(s: &str) -> Option<(String, Vec<&'static str>)> {
        let d = Decoders::new();
        let mut anchors = vec![0];
        anchors.extend(memchr::memchr_iter(b'\n', s.as_bytes()).map(|p| p + 1));
        d.view(s.as_bytes(), &anchors).map(|v| {
            (
                String::from_utf8(v.data.clone()).unwrap(),
                v.segments.iter().map(|g| g.encoding).collect(),
            )
        })
    }

    #[test]
    fn markers_are_long_enough() {
        for m in B64_MARKERS {
            for a in 0..3 {
                assert!(stable_b64(m.as_bytes(), a).len() >= 4, "{m} {a}");
            }
        }
        assert_eq!(stable_b64(b"LTAI", 0), b"TFRBS");
    }

    #[test]
    fn base64_marker() {
        let enc = base64::engine::general_purpose::STANDARD.encode("LTAI5tQ8bFz2KcVw9YhN3xRm");
        let (v, e) = view(&format!("id: {enc}\n")).unwrap();
        assert_eq!(v, "id: LTAI5tQ8bFz2KcVw9YhN3xRm\n");
        assert_eq!(e, ["base64"]);
        // at the other alignments too
        for pre in ["x", "xy"] {
            let enc = base64::engine::general_purpose::STANDARD
                .encode(format!("{pre}LTAI5tQ8bFz2KcVw9YhN3xRm"));
            assert!(view(&format!("v={enc}")).is_some(), "{pre}");
        }
    }

    #[test]
    fn binary_base64_is_refused() {
        assert!(decode_b64(b"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ").is_none());
        assert!(decode_b64(b"LTAI5tQ8bFz2KcVw9YhN3xRm").is_none());
    }

    #[test]
    fn percent_escapes_are_found_near_any_keyword_in_order() {
        // a `%` far before the first keyword, none near it, the escaped value just before
        // the third: the search for `%` moves forward with the keywords, never past one
        let pad = " ".repeat(2 * KEYWORD_REACH);
        let s = format!(
            "rate = 5%{pad}\nsecret_a = 1{pad}\nsecret_b = 5%{pad}\nu = https://x/?t=CAISq8Hn2KzP4wX7%2Babc%3D&secret_c=1\n"
        );
        let b = s.as_bytes();
        let anchors: Vec<usize> = memchr::memmem::find_iter(b, "secret").collect();
        assert_eq!(anchors.len(), 3);
        let v = Decoders::new().view(b, &anchors).unwrap();
        assert!(String::from_utf8(v.data)
            .unwrap()
            .ends_with("t=CAISq8Hn2KzP4wX7+abc=&secret_c=1\n"));
        // no `%` after the first keyword: nothing to decode
        let none = format!("a%2B{pad}secret = x\nsecret = y\n");
        let anchors: Vec<usize> = memchr::memmem::find_iter(none.as_bytes(), "secret").collect();
        assert!(Decoders::new().view(none.as_bytes(), &anchors).is_none());
    }

    #[test]
    fn escapes_urls_splits() {
        let (v, e) = view(r#"k = "\u004cTAI5tQ8bFz2KcVw9YhN3xRm""#).unwrap();
        assert_eq!(v, r#"k = "LTAI5tQ8bFz2KcVw9YhN3xRm""#);
        assert_eq!(e, ["json-escape"]);
        let (v, _) = view("u=https://x/?tok=CAISq8Hn2KzP4wX7%2Babc%3D%3D&a=1 ").unwrap();
        assert_eq!(v, "u=https://x/?tok=CAISq8Hn2KzP4wX7+abc==&a=1 ");
        // lower-case escapes too: the keyword's token is decoded, whatever its escapes
        let (v, _) = view("u=https://x/?tok=CAISq8Hn2KzP4wX7%2babc%3d%3d&a=1 ").unwrap();
        assert_eq!(v, "u=https://x/?tok=CAISq8Hn2KzP4wX7+abc==&a=1 ");
        // escapes that make no key-like run are left alone
        assert!(view(r#"t = "caf\u00e9 au lait""#).is_none());
        assert!(view("q=a%20b%2Fc&page=2").is_none());
        assert!(view("k=LTAI5tQ8bFz2KcVw9YhN3xRm%26x=1").is_none());
        let (v, e) = view("k = \"LTAI5tQ8\" + \"bFz2KcVw9YhN3xRm\";").unwrap();
        assert_eq!(v, "k = \"LTAI5tQ8bFz2KcVw9YhN3xRm\";");
        assert_eq!(e, ["split-literal"]);
        let (v, _) = view("k = (\"LTAI5tQ8\"\n     \"bFz2KcVw\"\n  'x' \"9YhN3xRm\")").unwrap();
        assert_eq!(v, "k = (\"LTAI5tQ8bFz2KcVwx9YhN3xRm\")");
        let (v, e) = view("ENV K=LTAI5tQ8bF\\\nz2KcVw9YhN3xRm\n").unwrap();
        assert_eq!(v, "ENV K=LTAI5tQ8bFz2KcVw9YhN3xRm\n");
        assert_eq!(e, ["line-continuation"]);
        assert!(view("run \\\n  --flag\n").is_none());
        assert!(view("s = \"Hello \" + name + \"!\"").is_none());
        // inside LTAI, without a keyword on the line
        let d = Decoders::new();
        let v = d
            .view(b"x = \"LT\" + \"AI5tQ8bFz2KcVw9YhN3xRm\"", &[])
            .unwrap();
        assert_eq!(v.data, b"x = \"LTAI5tQ8bFz2KcVw9YhN3xRm\"");
        assert!(d
            .view(b"k = \"Vq8Hn2KzP4wX7mRt\" + \"1YbC9dFs3LgJ6e\"", &[])
            .is_none());
    }

    #[test]
    fn positions_map_back() {
        let v = apply(
            b"abXXXcd",
            vec![Sub {
                orig: 2..5,
                data: b"12345".to_vec(),
                encoding: "t",
            }],
        );
        assert_eq!(v.data, b"ab12345cd");
        assert_eq!(v.to_orig(1), 1);
        assert_eq!(v.to_orig(3), 2);
        assert_eq!(v.to_orig(7), 5);
        assert_eq!(v.to_orig_end(7), 5);
        assert_eq!(v.to_orig_end(8), 6);
        assert!(v.segment_in(0, 2).is_none());
        assert!(v.segment_in(1, 3).is_some());
    }
}

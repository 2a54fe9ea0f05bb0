//! Detect: find credential candidates in a buffer, filter them, and decide from their
//! context which are findings.
//!
//! One pass of an Aho-Corasick automaton over the rules' keywords decides where to look;
//! most buffers have no keyword and cost nothing more. Around each keyword (and around
//! each finding of a partner rule) a window of lines is searched with the rule's regex,
//! and the candidates go through the rule's filters and context checks. Time is linear in
//! the buffer size: windows are merged before they are searched, and every context check
//! looks at a bounded number of bytes.
//!
//! The files, by job: `keywords` (the rules' keywords, and the pieces of the keyword pass
//! that finds them), `pairsearch` (the SIMD search for two-byte keywords), `windows`
//! (where a rule's values are searched for), `candidates` (a rule's values in its windows
//! and the decision on each), `pairing` (how far a value is from a partner; the order of
//! the detections) and `echoes` (a key found again elsewhere in the buffer). They share
//! `lines` (line lookups), `runs` (runs of a charset), `filters` (placeholders and
//! look-alikes), `context` (a value's name) and `rules` (the rules as data); `encoded`
//! makes the decoded views of a buffer that are scanned as well.

pub mod context;
pub mod encoded;
pub mod filters;
pub mod lines;
pub mod rules;
pub mod runs;

mod candidates;
mod echoes;
mod keywords;
mod pairing;
mod pairsearch;
mod windows;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};

use candidates::Candidate;
use context::NameClass;
use keywords::{
    dense_find, is_token, keyword_variants, starts_at_keywords, Keyword, DENSE_BLOCK, DENSE_GAP,
    DENSE_RUN, PASS_BLOCK,
};
use pairsearch::PairSearch;
use rules::RuleSet;

pub use pairing::sort_detections;

/// A detected credential, by byte offsets into the scanned buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    /// Index of the rule in [`Detector::rules`].
    pub rule: usize,
    pub start: usize,
    pub end: usize,
    /// Index (in the returned list) of the partner this value pairs with.
    pub partner: Option<usize>,
    /// The name the value is assigned to, if one was found.
    pub name: Option<String>,
}

/// A compiled rule set, ready to scan buffers. Cheap to share between threads.
#[derive(Debug)]
pub struct Detector {
    rules: RuleSet,
    /// Keywords of three bytes or more.
    automaton: Option<AhoCorasick>,
    /// The same automaton as a DFA without a prefilter, for stretches where keywords come
    /// every few bytes: there the prefilter stops at every one and costs more than it
    /// skips. Its matches are the same.
    dense_automaton: Option<aho_corasick::dfa::DFA>,
    /// The longest automaton pattern.
    longest_pattern: usize,
    /// Two-byte keywords (`sk`, `SK`, `Sk`), searched apart: in one automaton with the
    /// longer ones they would cut its prefilter down to two-byte fingerprints, which match
    /// at nearly every other word of real source (`se` of `secret`, `ST` of `STS.`).
    pairs: PairSearch,
    keywords: Vec<Keyword>,
    /// For each pattern (automaton patterns first, then the pair patterns), the keywords
    /// (and so rules) it stands for.
    by_pattern: Vec<Vec<usize>>,
    /// Automaton patterns from this index on are triggers (see [`Detector::with_triggers`]),
    /// not keywords.
    first_trigger: usize,
    /// From this many keywords (one per [`DENSE_BYTES_PER_KEYWORD`] bytes or more), a
    /// buffer is dense: its line breaks and runs are listed once (tests raise it to check
    /// the listed answers against the searched ones).
    dense_min_keywords: usize,
    /// Bytes the keyword pass reads at a time ([`PASS_BLOCK`]; tests shrink it to check
    /// that blocks change nothing).
    pass_block: usize,
    /// Per rule: every match of its shape begins with one of its keywords, and the keyword
    /// pass reports every occurrence of them (no other keyword can overlap one and hide
    /// it). Its values are then looked for at its keywords only, not searched for again
    /// in its windows (`STS.`, `CAIS`).
    starts_at_keywords: Vec<bool>,
    /// Search windows for those values all the same (tests compare the two ways).
    search_shapes: bool,
    /// Per keyword pattern of the automaton: could a keyword start inside a match of it
    /// (`CAIS` then `STS.` in `CAISTS.`)? The search then goes on from the match's second
    /// byte rather than its end, so no keyword is hidden by one before it.
    restart: Vec<bool>,
}

/// Reusable per-thread memory for [`Detector::detect_with`].
#[derive(Debug, Default)]
pub struct Scratch {
    /// Per rule: where its keywords are; those the pair search found (`sk`) apart, each
    /// list in order, merged after the keyword pass.
    anchors: Vec<Vec<usize>>,
    pair_anchors: Vec<Vec<usize>>,
    merged: Vec<usize>,
    /// Per rule: the anchors with a possible value within reach.
    kept: Vec<Vec<usize>>,
    /// Candidate spans of the rule being run.
    spans: Vec<(usize, usize)>,
    /// The anchors of short (token) keywords, and of the others.
    short: Vec<usize>,
    words: Vec<usize>,
    windows: Vec<(usize, usize)>,
    triggers: Vec<TriggerHit>,
    /// Every line break of the buffer, listed when `indexed` (a buffer dense with keywords).
    breaks: Vec<usize>,
    indexed: bool,
    /// In a buffer dense with keywords: per charset, its runs as long as the shortest value
    /// of its rules, listed once for all of them (see [`runs::list_runs`]).
    listed: Vec<(rules::Charset, Vec<(usize, usize)>)>,
    /// Names already classified in this buffer, with their vocabulary: keyword-dense text
    /// repeats a few names over and over.
    classes: Vec<(usize, String, NameClass)>,
    /// The working lists of [`Detector::run_rule`], kept between rules and buffers: in
    /// text dense with values they hold thousands of entries, and allocating them afresh
    /// costs page faults and copies on every call.
    rule_lists: RuleLists,
}

/// See [`Scratch::rule_lists`].
#[derive(Debug, Default)]
struct RuleLists {
    partner_idx: Vec<usize>,
    merged: Vec<(usize, usize)>,
    cands: Vec<Candidate>,
    partners: Vec<(usize, usize)>,
    pairs: Vec<u128>,
    cand_partner: Vec<Option<usize>>,
    taken: Vec<bool>,
    by_span: Vec<((usize, usize), usize)>,
}

/// Where a trigger string (see [`Detector::with_triggers`]) was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TriggerHit {
    pub start: usize,
    pub end: usize,
    /// Index of the trigger in the list given to [`Detector::with_triggers`].
    pub trigger: usize,
}

impl Scratch {
    /// Where the last [`Detector::detect_with`] call found keywords, sorted: those of
    /// keywords of four bytes or more, and those of the short ones (`sk`), which stand for
    /// a credential far less often.
    pub fn anchors(&self) -> (Vec<usize>, Vec<usize>) {
        let sorted = |v: &Vec<usize>| {
            let mut v = v.clone();
            v.sort_unstable();
            v.dedup();
            v
        };
        (sorted(&self.words), sorted(&self.short))
    }

    /// Where the last [`Detector::detect_with`] call found trigger strings, in order.
    pub fn triggers(&self) -> &[TriggerHit] {
        &self.triggers
    }
}

impl Detector {
    pub fn new(rules: RuleSet) -> Detector {
        Detector::with_triggers(rules, &[])
    }

    /// A detector that also reports where `triggers` (literals of three bytes or more, such
    /// as the markers of encoded content) occur, in the same pass over the bytes as the
    /// keywords: see [`Scratch::triggers`]. A trigger never hides a keyword that overlaps
    /// it.
    pub fn with_triggers(rules: RuleSet, triggers: &[Vec<u8>]) -> Detector {
        let mut keywords: Vec<Keyword> = Vec::new();
        for (i, r) in rules.rules.iter().enumerate() {
            let listed = r.keywords.iter().map(|k| (k, r.keywords_case_sensitive));
            for (k, exact) in listed.chain(r.keywords_exact.iter().map(|k| (k, true))) {
                for variant in keyword_variants(k, exact) {
                    if keywords.iter().any(|x| x.rule == i && x.bytes == variant) {
                        continue;
                    }
                    keywords.push(Keyword {
                        rule: i,
                        token: k.len() <= 3,
                        bytes: variant,
                    });
                }
            }
        }
        // One pattern per distinct byte string; several rules may share it. Two-byte
        // patterns go to the pair search, the others to the automaton.
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut by_pattern: Vec<Vec<usize>> = Vec::new();
        for long in [true, false] {
            for (ki, k) in keywords.iter().enumerate() {
                if (k.bytes.len() != 2) != long {
                    continue;
                }
                match patterns.iter().position(|p| *p == k.bytes) {
                    Some(pi) => by_pattern[pi].push(ki),
                    None => {
                        patterns.push(k.bytes.clone());
                        by_pattern.push(vec![ki]);
                    }
                }
            }
        }
        let n_long = patterns.iter().filter(|p| p.len() != 2).count();
        let mut pairs = PairSearch::default();
        for (pi, p) in patterns.iter().enumerate().skip(n_long) {
            pairs.add([p[0], p[1]], pi);
        }
        patterns.truncate(n_long);
        patterns.extend(triggers.iter().filter(|t| !t.is_empty()).cloned());
        assert_eq!(patterns.len(), n_long + triggers.len(), "empty trigger");
        let (automaton, dense_automaton) = if patterns.is_empty() {
            (None, None)
        } else {
            // Leftmost, non-overlapping, case-sensitive: this is what lets the
            // automaton's SIMD prefilter skip the (vast) keyword-free stretches.
            let ac = AhoCorasickBuilder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .build(&patterns)
                .expect("keywords are non-empty literals");
            let dfa = aho_corasick::dfa::Builder::new()
                .match_kind(MatchKind::LeftmostLongest)
                .prefilter(false)
                .build(&patterns)
                .expect("keywords are non-empty literals");
            (Some(ac), Some(dfa))
        };
        let longest_pattern = patterns.iter().map(Vec::len).max().unwrap_or(0);
        let restart = patterns[..n_long]
            .iter()
            .map(|p| {
                (1..p.len()).any(|d| {
                    let tail = &p[d..];
                    patterns[..n_long].iter().any(|q| {
                        let n = tail.len().min(q.len());
                        tail[..n] == q[..n]
                    })
                })
            })
            .collect();
        let starts_at_keywords = (0..rules.rules.len())
            .map(|ri| starts_at_keywords(&rules.rules[ri], ri, &keywords, &patterns))
            .collect();
        Detector {
            rules,
            automaton,
            dense_automaton,
            longest_pattern,
            pairs,
            keywords,
            by_pattern,
            dense_min_keywords: DENSE_MIN_KEYWORDS,
            pass_block: PASS_BLOCK,
            first_trigger: n_long,
            starts_at_keywords,
            search_shapes: false,
            restart,
        }
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Detects credentials in `buf`.
    pub fn detect(&self, buf: &[u8]) -> Vec<Detection> {
        self.detect_with(buf, &mut Scratch::default())
    }

    /// Detects credentials in `buf`, reusing `scratch` between calls.
    pub fn detect_with(&self, buf: &[u8], scratch: &mut Scratch) -> Vec<Detection> {
        let mut out: Vec<Detection> = Vec::new();
        let n_rules = self.rules.rules.len();
        scratch.anchors.resize_with(n_rules, Vec::new);
        scratch.pair_anchors.resize_with(n_rules, Vec::new);
        for a in scratch
            .anchors
            .iter_mut()
            .chain(scratch.pair_anchors.iter_mut())
        {
            a.clear();
        }
        scratch.short.clear();
        scratch.words.clear();
        scratch.classes.clear();
        let mut any = false;
        // `paired`: found by the pair search, whose matches are in order among themselves
        let mut anchor = |pi: usize, s: usize, e: usize, paired: bool| {
            for &ki in &self.by_pattern[pi] {
                let kw = &self.keywords[ki];
                if kw.token && !is_token(buf, s, e) {
                    continue;
                }
                let list = match paired {
                    false => &mut scratch.anchors[kw.rule],
                    true => &mut scratch.pair_anchors[kw.rule],
                };
                if list.last() != Some(&s) {
                    list.push(s);
                    any = true;
                    if kw.token {
                        scratch.short.push(s);
                    } else {
                        scratch.words.push(s);
                    }
                }
            }
        };
        scratch.triggers.clear();
        // One block at a time, the automaton's search then the pair search: the second
        // pass reads the block from the nearest cache, not from memory (a large file is
        // several megabytes). A block's automaton matches are those that start in it; a
        // search up to `longest_pattern` bytes past its end sees them whole.
        let mut at = 0;
        // consecutive matches close together, and whether to use the DFA
        let (mut close, mut dense, mut last) = (0usize, false, 0usize);
        let mut bs = 0;
        while bs < buf.len() {
            let be = buf.len().min(bs + self.pass_block);
            if let Some(ac) = &self.automaton {
                let lim = buf.len().min(be + self.longest_pattern - 1);
                while at < lim {
                    let mut found = None;
                    if let (true, Some(dfa)) = (dense, &self.dense_automaton) {
                        // A stretch at a time: a match that starts far enough from the
                        // stretch's end is the one a search of the whole rest would find.
                        // Otherwise (or with none in it) the prefilter takes over again.
                        let hi = lim.min(at + DENSE_BLOCK);
                        match dense_find(dfa, buf, at, hi) {
                            Some(m) if hi == lim || m.1 + self.longest_pattern <= hi => {
                                found = Some(m)
                            }
                            _ => dense = false,
                        }
                    }
                    let (pi, ms, me) = match found {
                        Some(m) => m,
                        None => match ac.find(Input::new(buf).range(at..lim)) {
                            Some(m) => (m.pattern().as_usize(), m.start(), m.end()),
                            None => break,
                        },
                    };
                    if ms >= be {
                        break; // the next block's
                    }
                    if ms - last <= DENSE_GAP {
                        close += 1;
                        dense |= close >= DENSE_RUN;
                    } else {
                        close = 0;
                        dense = false;
                    }
                    last = ms;
                    if pi < self.first_trigger {
                        anchor(pi, ms, me, false);
                        at = if self.restart[pi] { ms + 1 } else { me };
                    } else {
                        scratch.triggers.push(TriggerHit {
                            start: ms,
                            end: me,
                            trigger: pi - self.first_trigger,
                        });
                        // look again from the next byte: a keyword may overlap the trigger
                        at = ms + 1;
                    }
                }
                at = at.max(be);
            }
            // pairs that start in the block (the last one's second byte is the next's)
            let pair_end = buf.len().min(be + 1);
            self.pairs.find(&buf[bs..pair_end], |s, pi| {
                anchor(pi, bs + s, bs + s + 2, true)
            });
            bs = be;
        }
        if !any {
            return out;
        }
        // A keyword opens a window only when a value of its rule's shape (a long enough
        // run of the rule's charset) is within the window's reach: in C, `sk` (a socket)
        // is on every other line, a 30-character run of letters and digits rarely.
        scratch.kept.resize_with(n_rules, Vec::new);
        // With keywords every few hundred bytes, every rule would look at nearly every run:
        // list the runs of each charset once instead, for all its rules.
        for (_, runs) in scratch.listed.iter_mut() {
            runs.clear();
        }
        let anchored: usize = (0..n_rules)
            .filter(|&ri| self.rules.rules[ri].run_min.is_some())
            .map(|ri| scratch.anchors[ri].len())
            .sum();
        let mut n_listed = 0;
        if self.is_dense(anchored, buf.len()) {
            for cs in [rules::Charset::Alnum, rules::Charset::Base64] {
                let Some(min) = self
                    .rules
                    .rules
                    .iter()
                    .filter(|r| r.charset == cs)
                    .filter_map(|r| r.run_min)
                    .min()
                else {
                    continue;
                };
                if scratch.listed.len() <= n_listed {
                    scratch.listed.push((cs, Vec::new()));
                }
                let slot = &mut scratch.listed[n_listed];
                slot.0 = cs;
                runs::list_runs(buf, cs, min, &mut slot.1);
                n_listed += 1;
            }
        }
        scratch.listed.truncate(n_listed);
        for ri in 0..n_rules {
            let rule = &self.rules.rules[ri];
            let kept = &mut scratch.kept[ri];
            kept.clear();
            let anchors = &mut scratch.anchors[ri];
            let paired = &scratch.pair_anchors[ri];
            if !paired.is_empty() {
                // two lists in order, one per way of finding keywords: merged
                let merged = &mut scratch.merged;
                merged.clear();
                merged.reserve(anchors.len() + paired.len());
                let (mut i, mut j) = (0, 0);
                while i < anchors.len() || j < paired.len() {
                    let a = anchors.get(i).copied().unwrap_or(usize::MAX);
                    let b = paired.get(j).copied().unwrap_or(usize::MAX);
                    i += usize::from(a <= b);
                    j += usize::from(b <= a);
                    merged.push(a.min(b));
                }
                std::mem::swap(anchors, merged);
            }
            debug_assert!(anchors.is_sorted());
            match rule.run_min {
                None => kept.extend_from_slice(anchors),
                Some(min) => {
                    let reach = rule.window.max_bytes as usize;
                    match scratch.listed.iter().find(|l| l.0 == rule.charset) {
                        Some((_, listed)) => {
                            runs::keep_near_listed(listed, anchors, min, reach, reach, kept)
                        }
                        None => runs::keep_near_runs(
                            buf,
                            anchors,
                            rule.charset,
                            min,
                            reach,
                            reach,
                            kept,
                        ),
                    }
                }
            }
        }
        // A buffer with a keyword every few hundred bytes: list its line breaks once rather
        // than search for them from every keyword and candidate.
        let kept: usize = scratch.kept.iter().map(Vec::len).sum();
        scratch.indexed = self.is_dense(kept, buf.len());
        if scratch.indexed {
            lines::list_breaks(buf, &mut scratch.breaks);
        }
        for ri in 0..n_rules {
            self.run_rule(ri, buf, scratch, &mut out);
        }
        self.add_echoes(buf, &scratch.listed, &mut out);
        sort_detections(out)
    }

    /// Whether `keywords` keywords make a buffer of `len` bytes dense.
    fn is_dense(&self, keywords: usize, len: usize) -> bool {
        keywords >= self.dense_min_keywords && keywords * DENSE_BYTES_PER_KEYWORD > len
    }
}

/// A buffer is dense with keywords, and gets its line breaks listed (see [`lines`]), with
/// at least this many kept keywords, one per [`DENSE_BYTES_PER_KEYWORD`] bytes or more.
const DENSE_MIN_KEYWORDS: usize = 64;
/// See [`DENSE_MIN_KEYWORDS`].
const DENSE_BYTES_PER_KEYWORD: usize = 512;

/// Start of the line that contains `pos`.
pub fn line_start(buf: &[u8], pos: usize) -> usize {
    memchr::memrchr(b'\n', &buf[..pos]).map_or(0, |p| p + 1)
}

/// End of the line that contains `pos` (the offset of its `\n`, or the buffer's end).
pub fn line_end(buf: &[u8], pos: usize) -> usize {
    memchr::memchr(b'\n', &buf[pos..]).map_or(buf.len(), |p| pos + p)
}

/// A small deterministic generator for the random tests of the detector's modules.
#[cfg(test)]
pub(crate) fn test_rng(seed: u64) -> impl FnMut() -> usize {
    let mut state = seed;
    move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 33) as usize
    }
}

/// Helpers the detector's test modules share.
#[cfg(test)]
pub(crate) mod testutil {
    use crate::detect::rules::RuleSet;
    use crate::detect::Detector;

    /// A detector with the built-in rules.
    pub(crate) fn detector() -> Detector {
        Detector::new(RuleSet::builtin().unwrap())
    }

    /// The rule ID and the value of each detection the built-in rules make in `text`.
    pub(crate) fn found(text: &str) -> Vec<(String, String)> {
        let d = detector();
        let dets = d.detect(text.as_bytes());
        dets.iter()
            .map(|x| {
                (
                    d.rules().rules[x.rule].id.clone(),
                    text[x.start..x.end].to_string(),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::{detector, found};
    use super::*;

    #[test]
    fn dense_buffers_get_the_same_detections_as_searched_ones() {
        // Keyword-dense text takes the listed paths (line breaks, shared runs); with the
        // density threshold out of reach, the same text takes the searching paths.
        let listed = detector();
        let mut searched = detector();
        searched.dense_min_keywords = usize::MAX;
        let mut next = test_rng(0x9E37_79B9_7F4A_7C15);
        let pieces: [&[u8]; 12] = [
            b"LTAI",
            b"secret=",
            b" = \"",
            b"\"STS.",
            b"CAIS",
            b"_SK:",
            b"sk ",
            b"\n",
            b"\r\n",
            b"+/",
            b"%3D",
            b"AccessKeySecret: ",
        ];
        const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let (mut total, mut dense) = (0, 0);
        for round in 0..40 {
            let mut buf = Vec::new();
            let size = 2_000 + next() % 40_000;
            while buf.len() < size {
                if next().is_multiple_of(3) {
                    buf.extend_from_slice(pieces[next() % pieces.len()]);
                } else {
                    // runs around the rules' lengths: 12..=20 after `LTAI`, 30, 30..=48
                    let n = [8, 14, 16, 20, 29, 30, 31, 40, 48, 100][next() % 10];
                    buf.extend((0..n).map(|_| ALNUM[next() % ALNUM.len()]));
                }
            }
            let want = searched.detect(&buf);
            let got = listed.detect(&buf);
            assert_eq!(got, want, "round {round}");
            let keywords = buf
                .windows(4)
                .filter(|w| w == b"LTAI" || w == b"cret")
                .count();
            dense += usize::from(keywords >= DENSE_MIN_KEYWORDS);
            total += got.len();
        }
        // the test means something only if the listed paths ran and found things
        assert!(dense >= 15, "{dense} dense buffers");
        assert!(total >= 150, "{total} detections");
    }

    #[test]
    fn the_keyword_pass_finds_the_same_in_blocks_of_any_size() {
        // keywords, pairs and triggers across every kind of block boundary, dense
        // stretches included: blocks of a few bytes find what one block of all finds
        let triggers = encoded::Decoders::new().trigger_patterns().to_vec();
        let whole = {
            let mut d = Detector::with_triggers(RuleSet::builtin().unwrap(), &triggers);
            d.pass_block = usize::MAX / 2;
            d
        };
        let mut next = test_rng(0xB10C_5EED);
        let pieces: [&[u8]; 11] = [
            b"LTAI",
            b"secret=",
            b"Secret: ",
            b"\"STS.",
            b"CAIS",
            b"_SK:",
            b"sk ",
            b"aliyunSk=",
            b"task",
            b"\n",
            b"AccessKeySecret: ",
        ];
        const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let mut total = (0, 0, 0, 0);
        for round in 0..60 {
            let mut buf = Vec::new();
            let size = 200 + next() % 6_000;
            while buf.len() < size {
                let r = next() % 8;
                if r < 3 {
                    buf.extend_from_slice(pieces[next() % pieces.len()]);
                } else if r == 3 {
                    // the triggers themselves, the longest pattern among them
                    buf.extend_from_slice(&triggers[next() % triggers.len()]);
                } else {
                    let n = [1, 3, 8, 14, 16, 20, 30, 40][next() % 8];
                    buf.extend((0..n).map(|_| ALNUM[next() % ALNUM.len()]));
                }
            }
            let mut scratch = Scratch::default();
            let want = whole.detect_with(&buf, &mut scratch);
            let want_anchors = scratch.anchors();
            let want_triggers = scratch.triggers().to_vec();
            for block in [1, 2, 3, 5, 7, 16, 64, 333] {
                let mut d = Detector::with_triggers(RuleSet::builtin().unwrap(), &triggers);
                d.pass_block = block;
                let got = d.detect_with(&buf, &mut scratch);
                assert_eq!(got, want, "round {round}, blocks of {block}");
                assert_eq!(scratch.anchors(), want_anchors, "round {round}, {block}");
                assert_eq!(scratch.triggers(), want_triggers, "round {round}, {block}");
            }
            total.0 += want.len();
            total.1 += want_anchors.0.len();
            total.2 += want_anchors.1.len();
            total.3 += want_triggers.len();
        }
        // something of each kind was found
        assert!(total.0 >= 100 && total.1 >= 500, "{total:?}");
        assert!(total.2 >= 100 && total.3 >= 100, "{total:?}");
    }

    #[test]
    fn triggers_are_found_in_the_same_pass_and_hide_no_keyword() {
        // triggers that overlap keywords (`Secret`, `secret`) and one that does not
        let triggers: Vec<Vec<u8>> =
            vec![b": Secret".to_vec(), b"_secret".to_vec(), b"%2B".to_vec()];
        let with = Detector::with_triggers(RuleSet::builtin().unwrap(), &triggers);
        let plain = detector();
        let buf = b"kind: Secret\naccess_key_id: LTAI5tQ8bFz2KcVw9YhN3xRm\naccess_key_secret: Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e\nurl = a%2Bb\n";
        let mut scratch = Scratch::default();
        let dets = with.detect_with(buf, &mut scratch);
        assert_eq!(dets, plain.detect(buf));
        assert_eq!(dets.len(), 2);
        let hits: Vec<(usize, usize)> = scratch
            .triggers()
            .iter()
            .map(|h| (h.start, h.trigger))
            .collect();
        let at = |needle: &[u8]| buf.windows(needle.len()).position(|w| w == needle).unwrap();
        assert_eq!(
            hits,
            vec![(at(b": Secret"), 0), (at(b"_secret"), 1), (at(b"%2B"), 2)]
        );
        // the same detections on every labeled corpus file
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/files");
        let mut todo = vec![dir];
        let mut files = 0;
        while let Some(d) = todo.pop() {
            for e in std::fs::read_dir(d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    todo.push(p);
                } else {
                    let data = std::fs::read(&p).unwrap();
                    assert_eq!(with.detect(&data), plain.detect(&data), "{}", p.display());
                    files += 1;
                }
            }
        }
        assert!(files > 50);
    }

    /// Every rule's `examples` yield a finding of that rule, and its `negative_examples`
    /// yield none.
    #[test]
    fn rule_examples() {
        let d = detector();
        let mut failures = Vec::new();
        for r in &d.rules().rules {
            for ex in &r.examples {
                let ex = ex.text();
                let hits = found(ex);
                if !hits.iter().any(|(id, _)| id == &r.id) {
                    failures.push(format!(
                        "{}: example not found: {ex:?} (got {hits:?})",
                        r.id
                    ));
                }
            }
            for ex in &r.negative_examples {
                let hits = found(ex);
                if hits.iter().any(|(id, _)| id == &r.id) {
                    failures.push(format!("{}: negative example found: {ex:?}", r.id));
                }
            }
        }
        assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    }

    #[test]
    fn nothing_in_plain_text() {
        assert!(found("fn main() { println!(\"hello\"); }\n").is_empty());
        assert!(found("").is_empty());
    }
}

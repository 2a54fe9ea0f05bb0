//! Detect: find credential candidates in a buffer, filter them, and decide from their
//! context which are findings.
//!
//! One pass of an Aho-Corasick automaton over the rules' keywords decides where to look;
//! most buffers have no keyword and cost nothing more. Around each keyword (and around
//! each finding of a partner rule) a window of lines is searched with the rule's regex,
//! and the candidates go through the rule's filters and context checks. Time is linear in
//! the buffer size: windows are merged before they are searched, and every context check
//! looks at a bounded number of bytes.

pub mod context;
pub mod encoded;
pub mod filters;
pub mod lines;
pub mod rules;
pub mod runs;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};

use context::NameClass;
use lines::Lines;
use rules::{Require, RuleSet};

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

#[derive(Debug, Clone)]
struct Keyword {
    rule: usize,
    bytes: Vec<u8>,
    /// Short keywords must be a whole word of a name.
    token: bool,
}

/// The byte strings a keyword matches: itself when case-sensitive, otherwise its lower,
/// UPPER and Capitalised forms (`secret`, `SECRET`, `Secret`), which is how names are
/// written in every naming convention.
fn keyword_variants(k: &str, case_sensitive: bool) -> Vec<Vec<u8>> {
    if case_sensitive {
        return vec![k.as_bytes().to_vec()];
    }
    let lower = k.to_ascii_lowercase();
    let upper = k.to_ascii_uppercase();
    let mut cap = lower.clone().into_bytes();
    if let Some(c) = cap.first_mut() {
        c.make_ascii_uppercase();
    }
    let mut out = vec![lower.into_bytes(), upper.into_bytes(), cap];
    out.dedup();
    out.sort();
    out.dedup();
    out
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

/// Finds two-byte patterns: one SIMD pass per case-folded pair (`sk` covers `sk`, `Sk`,
/// `SK`), each hit checked against the exact patterns.
#[derive(Debug, Default)]
struct PairSearch {
    /// Distinct pairs with ASCII letters lower-cased.
    folded: Vec<[u8; 2]>,
    /// Exact pattern bytes and their index in `Detector::by_pattern`.
    exact: Vec<([u8; 2], usize)>,
}

impl PairSearch {
    /// Calls `f(start, pattern)` for every occurrence of every pattern, in no particular
    /// order across patterns.
    fn find(&self, buf: &[u8], mut f: impl FnMut(usize, usize)) {
        for &[a, b] in &self.folded {
            folded_pairs(buf, a, b, &mut |i| {
                let at = [buf[i], buf[i + 1]];
                for &(p, pi) in &self.exact {
                    if p == at {
                        f(i, pi);
                    }
                }
            });
        }
    }
}

/// Calls `f(i)` for each `i` where `buf[i] | 0x20 == a` and `buf[i + 1] | 0x20 == b`: every
/// case variant of a pair of lower-case letters (and a superset for other bytes, which
/// the caller's exact check removes).
fn folded_pairs(buf: &[u8], a: u8, b: u8, f: &mut impl FnMut(usize)) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx512bw") {
            // SAFETY: AVX-512BW (and so AVX-512F) was detected
            unsafe { folded_pairs_avx512(buf, a, b, f) };
            return;
        }
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 was detected
            unsafe { folded_pairs_avx2(buf, a, b, f) };
            return;
        }
    }
    folded_pairs_sse2(buf, a, b, f)
}

/// [`folded_pairs`], 128 bytes a step: two 64-byte comparisons and one test of both masks,
/// so the loop costs a few instructions per 64 bytes.
///
/// # Safety
/// AVX-512BW must be available.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512bw")]
unsafe fn folded_pairs_avx512(buf: &[u8], a: u8, b: u8, f: &mut impl FnMut(usize)) {
    use std::arch::x86_64::*;
    let n = buf.len();
    let p = buf.as_ptr();
    let mut i = 0;
    let va = _mm512_set1_epi8(a as i8);
    let vb = _mm512_set1_epi8(b as i8);
    let fold = _mm512_set1_epi8(0x20);
    // SAFETY (both closures): a load reads 64 bytes at `j` or `j + 1`, `j + 65 <= n`
    let hits = |j: usize| unsafe {
        let x = _mm512_loadu_si512(p.add(j) as *const __m512i);
        let y = _mm512_loadu_si512(p.add(j + 1) as *const __m512i);
        _mm512_cmpeq_epi8_mask(_mm512_or_si512(x, fold), va)
            & _mm512_cmpeq_epi8_mask(_mm512_or_si512(y, fold), vb)
    };
    let mut report = |j: usize, bits: u64| report_bits(j, bits, f);
    while i + 129 <= n {
        let (m0, m1) = (hits(i), hits(i + 64));
        if m0 | m1 != 0 {
            report(i, m0);
            report(i + 64, m1);
        }
        i += 128;
    }
    while i + 65 <= n {
        report(i, hits(i));
        i += 64;
    }
    folded_pairs_sse2(&buf[i..], a, b, &mut |j| f(i + j));
}

/// [`folded_pairs`], 64 bytes a step (two 32-byte comparisons, one test).
///
/// # Safety
/// AVX2 must be available.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn folded_pairs_avx2(buf: &[u8], a: u8, b: u8, f: &mut impl FnMut(usize)) {
    use std::arch::x86_64::*;
    let n = buf.len();
    let p = buf.as_ptr();
    let mut i = 0;
    let va = _mm256_set1_epi8(a as i8);
    let vb = _mm256_set1_epi8(b as i8);
    let fold = _mm256_set1_epi8(0x20);
    // SAFETY: both loads read 32 bytes at `j` or `j + 1`, with `j + 33 <= n`
    let hits = |j: usize| unsafe {
        let x = _mm256_loadu_si256(p.add(j) as *const __m256i);
        let y = _mm256_loadu_si256(p.add(j + 1) as *const __m256i);
        _mm256_and_si256(
            _mm256_cmpeq_epi8(_mm256_or_si256(x, fold), va),
            _mm256_cmpeq_epi8(_mm256_or_si256(y, fold), vb),
        )
    };
    let mut report =
        |j: usize, m: __m256i| report_bits(j, _mm256_movemask_epi8(m) as u32 as u64, f);
    while i + 65 <= n {
        let (m0, m1) = (hits(i), hits(i + 32));
        if _mm256_testz_si256(_mm256_or_si256(m0, m1), _mm256_or_si256(m0, m1)) == 0 {
            report(i, m0);
            report(i + 32, m1);
        }
        i += 64;
    }
    while i + 33 <= n {
        report(i, hits(i));
        i += 32;
    }
    folded_pairs_sse2(&buf[i..], a, b, &mut |j| f(i + j));
}

/// Calls `f(j + k)` for each set bit `k` of a comparison mask, lowest first.
#[inline(always)]
fn report_bits(j: usize, mut bits: u64, f: &mut impl FnMut(usize)) {
    while bits != 0 {
        f(j + bits.trailing_zeros() as usize);
        bits &= bits - 1;
    }
}

fn folded_pairs_sse2(buf: &[u8], a: u8, b: u8, f: &mut impl FnMut(usize)) {
    let n = buf.len();
    let mut i = 0;
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of the x86_64 baseline; every load reads 16 bytes at
        // `i` or `i + 1` with `i + 17 <= n`, inside `buf`.
        unsafe {
            let va = _mm_set1_epi8(a as i8);
            let vb = _mm_set1_epi8(b as i8);
            let fold = _mm_set1_epi8(0x20);
            while i + 17 <= n {
                let x = _mm_loadu_si128(buf.as_ptr().add(i) as *const __m128i);
                let y = _mm_loadu_si128(buf.as_ptr().add(i + 1) as *const __m128i);
                let m = _mm_and_si128(
                    _mm_cmpeq_epi8(_mm_or_si128(x, fold), va),
                    _mm_cmpeq_epi8(_mm_or_si128(y, fold), vb),
                );
                report_bits(i, _mm_movemask_epi8(m) as u32 as u64, f);
                i += 16;
            }
        }
    }
    while i + 1 < n {
        if buf[i] | 0x20 == a && buf[i + 1] | 0x20 == b {
            f(i);
        }
        i += 1;
    }
}

/// A candidate value before the context decision.
#[derive(Debug, Clone)]
struct Candidate {
    start: usize,
    end: usize,
    class: NameClass,
    name: Option<String>,
    /// Passed the rule's strong filters only (see `Rule::strong_filters`).
    relaxed: bool,
    /// Named by the call it is an argument of, not by a name of its own.
    by_argument: bool,
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

/// How many classified names a buffer keeps (searched one by one, so a few).
const CLASS_CACHE: usize = 16;

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
            pairs.exact.push(([p[0], p[1]], pi));
            let folded = [p[0] | 0x20, p[1] | 0x20];
            if !pairs.folded.contains(&folded) {
                pairs.folded.push(folded);
            }
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

    /// A value its context made a key (a name or a partner) is a key wherever else it
    /// occurs in the buffer: in an assertion (`expect(cfg.sk).toBe('…')`), a comment, a
    /// log line. Each further occurrence that is a whole run of its rule's charset is
    /// added, unpaired and unnamed. (Values whose shape alone makes them keys are found
    /// wherever they occur already.) A few distinct values are searched one by one;
    /// with more, each run of the buffer is looked up once, so the pass stays linear.
    fn add_echoes(
        &self,
        buf: &[u8],
        listed: &[(rules::Charset, Vec<(usize, usize)>)],
        out: &mut Vec<Detection>,
    ) {
        let rules = &self.rules.rules;
        let echoed = |d: &&Detection| {
            rules[d.rule].require != Require::None && rules[d.rule].charset != rules::Charset::Any
        };
        if !out.iter().any(|d| echoed(&d)) {
            return;
        }
        let mut seen: Vec<usize> = out.iter().map(|d| d.start).collect();
        seen.sort_unstable();
        let mut echoes: Vec<Detection> = Vec::new();
        let mut add = |rule: usize, s: usize, e: usize| {
            let cs = rules[rule].charset;
            let whole =
                (s == 0 || !cs.contains(buf[s - 1])) && (e == buf.len() || !cs.contains(buf[e]));
            if whole && seen.binary_search(&s).is_err() {
                echoes.push(Detection {
                    rule,
                    start: s,
                    end: e,
                    partner: None,
                    name: None,
                });
            }
        };
        // (key, rule, start, end) of each value, sorted by key: one entry per value
        let mut keys: Vec<(u128, usize, usize, usize)> = Vec::new();
        for d in out.iter().filter(echoed) {
            let v = &buf[d.start..d.end];
            keys.push((echo_key(v), d.rule, d.start, d.end));
        }
        keys.sort_unstable();
        keys.dedup_by(|a, b| a.0 == b.0 && buf[a.2..a.3] == buf[b.2..b.3]);
        if keys.len() <= ECHO_SEARCHED_VALUES {
            for &(_, rule, s, e) in &keys {
                for at in memchr::memmem::find_iter(buf, &buf[s..e]) {
                    add(rule, at, at + (e - s));
                }
            }
        } else {
            let filter = EchoFilter::new(keys.iter().map(|k| k.0));
            for cs in [rules::Charset::Alnum, rules::Charset::Base64] {
                let of_cs =
                    |&&(_, rule, _, _): &&(u128, usize, usize, usize)| rules[rule].charset == cs;
                let Some(min) = keys.iter().filter(of_cs).map(|k| k.3 - k.2).min() else {
                    continue;
                };
                let max = keys
                    .iter()
                    .filter(of_cs)
                    .map(|k| k.3 - k.2)
                    .max()
                    .unwrap_or(min);
                // runs come in order: a cursor over the values' starts skips, with no
                // lookup, each run that is a value found already (most that pass the filter)
                let mut at_seen = 0;
                let mut check = |rs: usize, re: usize| {
                    if re - rs < min || re - rs > max {
                        return;
                    }
                    while seen.get(at_seen).is_some_and(|&v| v < rs) {
                        at_seen += 1;
                    }
                    if seen.get(at_seen) == Some(&rs) {
                        return;
                    }
                    let k = echo_key(&buf[rs..re]);
                    if !filter.may_hold(k) {
                        return;
                    }
                    let mut i = keys.partition_point(|x| x.0 < k);
                    while let Some(&(_, rule, s, e)) = keys.get(i).filter(|x| x.0 == k) {
                        if rules[rule].charset == cs && buf[s..e] == buf[rs..re] {
                            add(rule, rs, re);
                            break;
                        }
                        i += 1;
                    }
                };
                // the runs already listed for a dense buffer, when they are long enough
                let listed_min = rules
                    .iter()
                    .filter(|r| r.charset == cs)
                    .filter_map(|r| r.run_min)
                    .min();
                match listed
                    .iter()
                    .find(|l| l.0 == cs)
                    .filter(|_| listed_min.is_some_and(|m| m <= min))
                {
                    Some((_, runs)) => runs.iter().for_each(|&(rs, re)| check(rs, re)),
                    None => {
                        let mut p = 0;
                        while let (Some((rs, re)), pos) = runs::next_run(buf, p, buf.len(), cs, min)
                        {
                            p = pos;
                            check(rs, re);
                        }
                    }
                }
            }
        }
        out.extend(echoes);
    }

    /// Whether `keywords` keywords make a buffer of `len` bytes dense.
    fn is_dense(&self, keywords: usize, len: usize) -> bool {
        keywords >= self.dense_min_keywords && keywords * DENSE_BYTES_PER_KEYWORD > len
    }

    fn run_rule(&self, ri: usize, buf: &[u8], scratch: &mut Scratch, out: &mut Vec<Detection>) {
        let rule = &self.rules.rules[ri];
        let lines = match scratch.indexed {
            true => Lines::indexed(buf, &scratch.breaks),
            false => Lines::search(buf),
        };
        let windows = &mut scratch.windows;
        windows.clear();
        keyword_windows(buf, &lines, &scratch.kept[ri], rule.window, windows);
        let RuleLists {
            partner_idx,
            merged,
            cands,
            partners,
            pairs,
            cand_partner,
            taken,
            by_span,
        } = &mut scratch.rule_lists;
        partner_idx.clear();
        partner_idx.extend(
            out.iter()
                .enumerate()
                .filter(|(_, d)| rule.partners.contains(&d.rule))
                .map(|(i, _)| i),
        );
        let pw = rule.partner_window;
        // a partner's window reaches as far as a named value may be from it
        let nw = rule.named_partner_window;
        for &pi in partner_idx.iter() {
            let d = &out[pi];
            windows.push(line_window(
                &lines,
                d.start,
                d.end,
                pw.lines_before.max(nw.lines_before),
                pw.lines_after.max(nw.lines_after),
                pw.max_bytes.max(nw.max_bytes) as usize,
                buf.len(),
            ));
        }
        if windows.is_empty() {
            return;
        }
        // two sorted lists, keyword and partner windows: a stable sort merges them in
        // linear time
        windows.sort();
        // Merge, widen each merged window to whole charset runs so an edge never cuts a
        // value, and merge what the widening joined: the same windows as widening each one
        // before merging, at a cost per merged window rather than per anchor.
        merged.clear();
        for (s, e) in merge_sorted(windows.iter().copied()) {
            let longest = rule.run_max.map(|m| m + filters::MAX_ESCAPE_PREFIX);
            let (s, e) = widen(buf, s, e, rule.charset, longest);
            if s == e {
                continue;
            }
            match merged.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }

        let vocab = rule.vocabulary.map(|v| &self.rules.vocabularies[v]);
        cands.clear();
        // Candidate spans. A value is a whole run of the rule's charset (or one with an
        // escape such as `%3D` before it), so when every match of the regex lies in one run,
        // the runs of a fitting length are the only places to try it: text made of long
        // runs costs a step per run, not a regex match per 30 bytes.
        let spans = &mut scratch.spans;
        spans.clear();
        let listed = scratch.listed.iter().find(|l| l.0 == rule.charset);
        let mut next_listed = 0;
        let anchors = &scratch.kept[ri];
        let mut next_anchor = 0;
        for &(ws, we) in merged.iter() {
            match (rule.run_min, rule.run_max) {
                (Some(min), Some(max)) => {
                    let mut try_run = |rs: usize, re: usize| {
                        if re - rs > max + filters::MAX_ESCAPE_PREFIX {
                            return;
                        }
                        for skip in filters::ESCAPE_PREFIX_LENS {
                            let s = rs + skip;
                            if re - s < min || re - s > max {
                                continue;
                            }
                            let whole = match &rule.shape {
                                Some(shape) => {
                                    shape.is_whole_match_of_run(&buf[s..re], rule.charset)
                                }
                                None => rule
                                    .regex
                                    .find(&buf[s..re])
                                    .is_some_and(|m| m.start() == 0 && m.end() == re - s),
                            };
                            if whole {
                                spans.push((s, re));
                            }
                        }
                    };
                    match listed {
                        // the listed runs that start in the window (which, widened, cuts
                        // no run), those long enough for this rule
                        Some((_, runs)) => {
                            while runs.get(next_listed).is_some_and(|r| r.0 < ws) {
                                next_listed += 1;
                            }
                            while let Some(&(rs, re)) = runs.get(next_listed).filter(|r| r.0 < we) {
                                next_listed += 1;
                                if re - rs >= min {
                                    try_run(rs, re);
                                }
                            }
                        }
                        None => {
                            let mut p = ws;
                            while let (Some((rs, re)), pos) =
                                runs::next_run(buf, p, we, rule.charset, min)
                            {
                                p = pos;
                                try_run(rs, re);
                            }
                        }
                    }
                }
                _ if self.starts_at_keywords[ri] && !self.search_shapes => {
                    // Each value begins at one of the rule's keywords, all of which the
                    // keyword pass found: try the keywords in this window, as a search
                    // of the window would find them (leftmost first, not overlapping).
                    let shape = rule.shape.as_ref().expect("checked when built");
                    let hay = &buf[ws..we];
                    while next_anchor < anchors.len() && anchors[next_anchor] < ws {
                        next_anchor += 1;
                    }
                    let mut from = ws;
                    while let Some(&a) = anchors.get(next_anchor).filter(|&&a| a < we) {
                        next_anchor += 1;
                        if a < from {
                            continue;
                        }
                        if let Some(end) = shape.match_at(hay, a - ws) {
                            spans.push((a, ws + end));
                            from = ws + end;
                        }
                    }
                }
                _ => {
                    let hay = &buf[ws..we];
                    let by_shape = rule.shape.as_ref().and_then(|shape| {
                        shape.find_iter(hay, |s, e| spans.push((ws + s, ws + e)))
                    });
                    if by_shape.is_none() {
                        spans.extend(
                            rule.regex
                                .find_iter(hay)
                                .map(|m| (ws + m.start(), ws + m.end())),
                        );
                    }
                }
            }
        }
        for &(s, e) in spans.iter() {
            if filters::check_surroundings(buf, s, e, rule.charset, &rule.filters).is_err() {
                continue;
            }
            let relaxed = match filters::check_value(&buf[s..e], &rule.filters) {
                Ok(()) => false,
                Err(_) => match &rule.strong_filters {
                    Some(strong) if filters::check_value(&buf[s..e], strong).is_ok() => true,
                    _ => continue,
                },
            };
            let mut by_argument = false;
            let (class, name) = match (vocab, rule.vocabulary) {
                (Some(v), Some(vi)) => {
                    let ls = lines.start_from(s.saturating_sub(MAX_LINE_LOOKBACK), s);
                    let nc = context::name_of(buf, ls, s);
                    let class = match nc.name.as_deref() {
                        None => NameClass::Neutral,
                        Some(name) => {
                            let cached = scratch
                                .classes
                                .iter()
                                .find(|(cv, cn, _)| *cv == vi && cn == name);
                            match cached {
                                Some(&(_, _, class)) => class,
                                None => {
                                    let class = context::classify(Some(name), v);
                                    if scratch.classes.len() < CLASS_CACHE {
                                        scratch.classes.push((vi, name.to_owned(), class));
                                    }
                                    class
                                }
                            }
                        }
                    };
                    // a positional argument (unnamed, or "named" by the string before it:
                    // `("cn-hangzhou", "…")`, `('<ID>', '…')`, whose pieces may read as any
                    // kind of name): the one of an SDK call the vocabulary names?
                    let class = match class {
                        NameClass::Strong => class,
                        _ if context::is_secret_argument(buf, s, &v.secret_arguments) => {
                            by_argument = true;
                            NameClass::Strong
                        }
                        class => class,
                    };
                    (class, nc.name)
                }
                _ => (NameClass::Neutral, None),
            };
            // a denied name rules a value out, unless its shape alone is the evidence (an
            // `LTAI…` ID under a secret's name is still an ID)
            if class == NameClass::Deny && rule.require != Require::None {
                continue;
            }
            if relaxed && class != NameClass::Strong {
                continue;
            }
            cands.push(Candidate {
                start: s,
                end: e,
                class,
                name,
                relaxed,
                by_argument,
            });
        }
        if cands.is_empty() {
            return;
        }

        // Pair candidates with partner findings: strongest names first, then nearest.
        // Partners are sorted by position so each candidate only looks at the partners
        // inside its window: linear work however many candidates a buffer holds.
        partners.clear();
        partners.extend(partner_idx.iter().map(|&pi| (out[pi].start, pi)));
        partners.sort_unstable();
        // A partner starting further left than its own length plus the window is out of
        // reach, so the reach is measured with the longest partner of this buffer.
        let longest = partner_idx
            .iter()
            .map(|&pi| out[pi].end - out[pi].start)
            .max()
            .unwrap_or(0);
        let named = rule.named_partner_window;
        let reach = pw.max_bytes.max(named.max_bytes) as usize + longest;
        // (tier, rank, distance, candidate, partner), packed into one integer in that order
        // of significance: sorting it sorts the tuples, at half the bytes moved
        let pack = |tier: u8, rank: u8, d: usize, ci: usize, pi: usize| -> u128 {
            debug_assert!(ci < 1 << 32 && pi < 1 << 32);
            let hi = ((tier as u64) << 62) | ((rank as u64) << 60) | (d as u64).min((1 << 60) - 1);
            ((hi as u128) << 64) | ((ci as u128) << 32) | pi as u128
        };
        pairs.clear();
        for (ci, c) in cands.iter().enumerate() {
            let lo = c.start.saturating_sub(reach);
            let first = partners.partition_point(|&(ps, _)| ps < lo);
            for &(ps, pi) in &partners[first..] {
                if ps > c.end + reach {
                    break;
                }
                let p = &out[pi];
                let w = match c.class {
                    NameClass::Strong | NameClass::Weak => &named,
                    _ => &pw,
                };
                if let Some(d) = pair_distance(&lines, c.start, c.end, p.start, p.end, w) {
                    let rank = match c.class {
                        NameClass::Strong => 0,
                        NameClass::Weak => 1,
                        NameClass::Neutral | NameClass::Deny => 2,
                        NameClass::Foreign => 3,
                    };
                    // A value on its ID's line, then one on the next or previous line, is
                    // that ID's before any value further away, however well named: rows
                    // of pairs (SQL, CSV, constructor arguments) beside a named secret of
                    // their own. That holds for values named as a secret or generically
                    // (`value="…"`), and for unnamed ones (the next argument, cell or
                    // column) on the ID's own line only: an unnamed value on the next
                    // line (`id := "LTAI…"` then `log.Printf("%s", id, "<request id>")`) and a value with
                    // a name of another kind (`x = '…'`, `password`) still give way to a
                    // named secret.
                    let same_line = d < PAIR_SAME_LINE;
                    let close = d < PAIR_ADJACENT
                        && match c.class {
                            NameClass::Strong | NameClass::Weak => true,
                            NameClass::Neutral => match c.name.as_deref() {
                                None => same_line,
                                Some(n) => context::is_generic_name(n.as_bytes()),
                            },
                            NameClass::Foreign | NameClass::Deny => false,
                        };
                    let tier = match (close, same_line) {
                        (true, true) => 0,
                        (true, false) => 1,
                        (false, _) => 2,
                    };
                    pairs.push(pack(tier, rank, d, ci, pi));
                }
            }
        }
        pairs.sort_unstable();
        cand_partner.clear();
        cand_partner.resize(cands.len(), None);
        // a finding paired already with one of this rule's kind (a secret with its ID, when
        // legacy IDs look for theirs) is not paired again; an STS ID paired with its secret
        // still pairs with its token
        let kind_of = |i: usize| self.rules.rules[out[i].rule].kind;
        taken.clear();
        taken.extend(
            out.iter()
                .map(|d| d.partner.is_some_and(|q| kind_of(q) == rule.kind)),
        );
        for &pair in pairs.iter() {
            let (ci, pi) = ((pair >> 32) as u32 as usize, pair as u32 as usize);
            if cand_partner[ci].is_some() || taken[pi] {
                continue;
            }
            cand_partner[ci] = Some(pi);
            taken[pi] = true;
        }
        // Values already found by an earlier rule, by span.
        by_span.clear();
        by_span.extend(out.iter().enumerate().map(|(i, d)| ((d.start, d.end), i)));
        // each earlier rule's values are in order: a stable sort merges them
        by_span.sort();
        // candidates come in order too, so one cursor walks the list
        let mut cursor = 0;
        let mut found = |span: (usize, usize)| {
            if by_span.get(cursor).is_some_and(|&(s, _)| s > span) {
                cursor = by_span.partition_point(|&(s, _)| s < span);
            }
            while by_span.get(cursor).is_some_and(|&(s, _)| s < span) {
                cursor += 1;
            }
            by_span
                .get(cursor)
                .filter(|&&(s, _)| s == span)
                .map(|&(_, i)| i)
        };

        for (ci, c) in cands.drain(..).enumerate() {
            let partner = cand_partner[ci];
            let keep = match rule.require {
                // another kind of secret's name: only a partner makes it this kind
                _ if c.class == NameClass::Foreign => partner.is_some(),
                Require::None => true,
                Require::Name => c.class == NameClass::Strong,
                Require::Partner => partner.is_some(),
                Require::NameOrPartner => c.class == NameClass::Strong || partner.is_some(),
                Require::NameAndPartner => c.class == NameClass::Strong && partner.is_some(),
            };
            // a value that passed the strong filters only needs its name (or call) and,
            // for a rule with partners, its partner or the call's own shape
            let strong = c.by_argument || partner.is_some() || rule.partners.is_empty();
            if !keep || (c.relaxed && !strong) {
                continue;
            }
            // The same value found by an earlier rule: keep the one that has a partner, or
            // the nearer partner (an STS secret beside its STS ID rather than an AccessKey
            // ID lines above).
            if let Some(existing) = found((c.start, c.end)) {
                let Some(p) = partner else { continue };
                if let Some(old) = out[existing].partner {
                    let near = |q: usize| gap(&lines, c.start, c.end, out[q].start, out[q].end);
                    if near(p) >= near(old) {
                        continue;
                    }
                    if out[old].partner == Some(existing) {
                        out[old].partner = None;
                    }
                }
                out[existing] = Detection {
                    rule: ri,
                    start: c.start,
                    end: c.end,
                    partner,
                    name: c.name,
                };
                if let Some(p) = partner {
                    if out[p].partner.is_none() {
                        out[p].partner = Some(existing);
                    }
                }
                continue;
            }
            let idx = out.len();
            out.push(Detection {
                rule: ri,
                start: c.start,
                end: c.end,
                partner,
                name: c.name,
            });
            if let Some(p) = partner {
                if out[p].partner.is_none() {
                    out[p].partner = Some(idx);
                }
            }
        }
    }
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

/// Sorts detections by position and rewrites partner indices to match. In place: each
/// detection is moved once, straight to where it goes.
pub fn sort_detections(mut dets: Vec<Detection>) -> Vec<Detection> {
    let key = |d: &Detection| (d.start, d.end, d.rule);
    if dets.is_sorted_by_key(key) {
        return dets;
    }
    let mut order: Vec<usize> = (0..dets.len()).collect();
    order.sort_by_key(|&i| key(&dets[i]));
    let mut new_pos = vec![0; dets.len()];
    for (new, &old) in order.iter().enumerate() {
        new_pos[old] = new;
    }
    for d in dets.iter_mut() {
        d.partner = d.partner.map(|p| new_pos[p]);
    }
    // the detection at `i` belongs at `new_pos[i]`: swap it there, and go on with the
    // one that comes back, until `i` holds its own
    for i in 0..dets.len() {
        while new_pos[i] != i {
            let j = new_pos[i];
            dets.swap(i, j);
            new_pos.swap(i, j);
        }
    }
    dets
}

/// Is `buf[s..e]` a whole word of a name (`sk` in `ALIYUN_SK` or `aliyunSk`, not `task`)?
fn is_token(buf: &[u8], s: usize, e: usize) -> bool {
    let first = buf[s];
    let last = buf[e - 1];
    let left_ok = s == 0 || {
        let p = buf[s - 1];
        !p.is_ascii_alphabetic() || (p.is_ascii_lowercase() && first.is_ascii_uppercase())
    };
    let right_ok = e >= buf.len() || {
        let n = buf[e];
        !n.is_ascii_alphabetic() || (n.is_ascii_uppercase() && last.is_ascii_lowercase())
    };
    left_ok && right_ok
}

/// Start of the line that contains `pos`.
pub fn line_start(buf: &[u8], pos: usize) -> usize {
    memchr::memrchr(b'\n', &buf[..pos]).map_or(0, |p| p + 1)
}

/// End of the line that contains `pos` (the offset of its `\n`, or the buffer's end).
pub fn line_end(buf: &[u8], pos: usize) -> usize {
    memchr::memchr(b'\n', &buf[pos..]).map_or(buf.len(), |p| pos + p)
}

/// A buffer is dense with keywords, and gets its line breaks listed (see [`lines`]), with
/// at least this many kept keywords, one per this many bytes or more.
/// Keyword matches this close together ([`DENSE_RUN`] in a row) switch the keyword search
/// to the DFA, a block at a time; a wider gap switches it back.
const DENSE_GAP: usize = 48;
const DENSE_RUN: usize = 16;
const DENSE_BLOCK: usize = 4096;
/// Bytes the keyword pass reads at a time (see [`Detector::detect_with`]): small enough to
/// stay in the first-level cache for the second search over them.
const PASS_BLOCK: usize = 32 << 10;
const DENSE_MIN_KEYWORDS: usize = 64;
const DENSE_BYTES_PER_KEYWORD: usize = 512;

/// How far the start of a value's line is looked for (for its name). A longer line (a
/// minified file) is taken to start this far left: the name is always much nearer, and a
/// search without a bound would make a long line of candidates cost quadratic time.
const MAX_LINE_LOOKBACK: usize = 4096;

/// The byte range of the lines `before` above and `after` below the span `s..e`, capped at
/// `max_bytes` on each side. Every search stays inside the caps: the cost per window is
/// bounded whatever the line lengths.
fn line_window(
    lines: &Lines,
    s: usize,
    e: usize,
    before: u32,
    after: u32,
    max_bytes: usize,
    len: usize,
) -> (usize, usize) {
    let lo_cap = s.saturating_sub(max_bytes);
    let hi_cap = (e + max_bytes).min(len);
    let mut lo = lines.start_from(lo_cap, s);
    for _ in 0..before {
        if lo <= lo_cap {
            break;
        }
        lo = lines.start_from(lo_cap, lo - 1);
    }
    let mut hi = lines.end_to(e.min(hi_cap), hi_cap);
    for _ in 0..after {
        if hi >= hi_cap {
            break;
        }
        hi = lines.end_to(hi + 1, hi_cap);
    }
    (lo, hi)
}

/// Whether every match of `rule`'s shape begins with one of its keywords, each found by
/// the keyword pass wherever it occurs: a keyword of three bytes or more that no pattern of
/// the automaton (`patterns`: keywords and triggers) starts with, as the longest match
/// wins at one position. (A pattern that starts before a keyword and runs into it hides
/// nothing: the search goes on from its second byte, see [`Detector::restart`].)
/// See [`Detector::starts_at_keywords`].
fn starts_at_keywords(
    rule: &rules::Rule,
    ri: usize,
    keywords: &[Keyword],
    patterns: &[Vec<u8>],
) -> bool {
    let Some(prefixes) = rule.shape.as_ref().and_then(|s| s.prefixes(64)) else {
        return false;
    };
    let own: Vec<&Keyword> = keywords.iter().filter(|k| k.rule == ri).collect();
    if own.iter().any(|k| k.token || k.bytes.len() < 3) {
        return false; // short keywords are kept only as whole words, or searched apart
    }
    let begins = |p: &Vec<u8>| own.iter().any(|k| p.starts_with(&k.bytes));
    if prefixes.is_empty() || !prefixes.iter().all(begins) {
        return false;
    }
    own.iter().all(|k| {
        let k = &k.bytes[..];
        patterns
            .iter()
            .all(|p| !(p.len() > k.len() && p.starts_with(k)))
    })
}

/// The leftmost-longest match of `dfa` (unanchored, no prefilter) in `buf[start..end]`,
/// as (pattern, start, end): the loop of the automaton's own search, without its per-call
/// costs, which in text with a keyword every few bytes outweigh the walk itself.
#[inline(never)]
fn dense_find(
    dfa: &aho_corasick::dfa::DFA,
    buf: &[u8],
    start: usize,
    end: usize,
) -> Option<(usize, usize, usize)> {
    use aho_corasick::automaton::Automaton;
    use aho_corasick::Anchored;
    let mut sid = dfa.start_state(Anchored::No).ok()?;
    let mut found = None;
    for (at, &b) in buf[start..end].iter().enumerate() {
        sid = dfa.next_state(Anchored::No, sid, b);
        if dfa.is_special(sid) {
            // without a prefilter only dead and match states are special
            if dfa.is_dead(sid) {
                break;
            }
            if dfa.is_match(sid) {
                let pid = dfa.match_pattern(sid, 0);
                let e = start + at + 1;
                found = Some((pid.as_usize(), e - dfa.pattern_len(pid), e));
            }
        }
    }
    found
}

/// The windows of keywords at `kept` (sorted), into `windows`. Keywords on one line, each
/// within reach of the one before, have windows that overlap and grow with the keyword's
/// position: their union is the first one's start to the last one's end, looked up once per
/// group rather than per keyword (in text with a keyword every few bytes, hundreds per
/// line). Merged, the windows are those of every keyword on its own.
fn keyword_windows(
    buf: &[u8],
    lines: &Lines,
    kept: &[usize],
    w: rules::WindowSpec,
    windows: &mut Vec<(usize, usize)>,
) {
    let window = |a: usize| {
        line_window(
            lines,
            a,
            a,
            w.lines_before,
            w.lines_after,
            w.max_bytes as usize,
            buf.len(),
        )
    };
    // the first line break at or after a position, searched again only past it
    let mut next_break: Option<usize> = None;
    let mut break_after = |p: usize| match next_break {
        Some(nl) if nl >= p => nl,
        _ => {
            let nl = memchr::memchr(b'\n', &buf[p..]).map_or(buf.len(), |q| p + q);
            next_break = Some(nl);
            nl
        }
    };
    let mut i = 0;
    while i < kept.len() {
        let mut j = i;
        while j + 1 < kept.len()
            && kept[j + 1] - kept[j] <= w.max_bytes as usize
            && break_after(kept[j]) >= kept[j + 1]
        {
            j += 1;
        }
        let (lo, mut hi) = window(kept[i]);
        if j > i {
            hi = window(kept[j]).1;
        }
        windows.push((lo, hi));
        i = j + 1;
    }
}

/// Merges sorted windows that overlap or touch.
fn merge_sorted(
    windows: impl Iterator<Item = (usize, usize)>,
) -> impl Iterator<Item = (usize, usize)> {
    let mut windows = windows.peekable();
    std::iter::from_fn(move || {
        let (s, mut e) = windows.next()?;
        while let Some(&(s2, e2)) = windows.peek() {
            if s2 > e {
                break;
            }
            e = e.max(e2);
            windows.next();
        }
        Some((s, e))
    })
}

/// Extends a window so it does not start or end inside a run of the rule's charset.
///
/// With `longest` (the longest run that can hold a value, escape prefix included), a run
/// at an edge that proves longer than that is left out of the window instead: it holds no
/// value, and in text made of one endless run (megabytes of letters and digits) widening
/// would cost a long scan per window.
fn widen(
    buf: &[u8],
    s: usize,
    e: usize,
    cs: rules::Charset,
    longest: Option<usize>,
) -> (usize, usize) {
    const LIMIT: usize = 1 << 16;
    if cs == rules::Charset::Any {
        return (s, e);
    }
    let limit = longest.map_or(LIMIT, |n| n.min(LIMIT));
    let mut s2 = s;
    while s2 > 0 && s - s2 <= limit && cs.contains(buf[s2 - 1]) {
        s2 -= 1;
    }
    if longest.is_some() && s - s2 > limit {
        // too long to be a value: start after it
        s2 = s;
        while s2 < e && cs.contains(buf[s2]) {
            s2 += 1;
        }
    }
    let mut e2 = e;
    while e2 < buf.len() && e2 - e <= limit && (cs.contains(buf[e2]) || buf[e2] == b'=') {
        e2 += 1;
    }
    if longest.is_some() && e2 - e > limit {
        // too long to be a value: end before it
        e2 = e;
        while e2 > s2 && cs.contains(buf[e2 - 1]) {
            e2 -= 1;
        }
    }
    (s2, e2.max(s2))
}

/// How far a candidate is from a partner, or None when outside the partner window.
/// Same line after the partner is nearest; then same line before; then lines below
/// (two steps per line), then lines above. Within a step, fewer bytes between is nearer.
/// A run's key for [`Detector::add_echoes`]: its length and its first and last eight
/// bytes (fewer when shorter), so that a lookup compares integers.
#[inline]
fn echo_key(v: &[u8]) -> u128 {
    let (head, tail) = match v.len() {
        // the usual case, two loads and no copy
        8.. => (
            u64::from_le_bytes(v[..8].try_into().unwrap()),
            u64::from_le_bytes(v[v.len() - 8..].try_into().unwrap()),
        ),
        n => {
            let (mut head, mut tail) = ([0u8; 8], [0u8; 8]);
            head[..n].copy_from_slice(v);
            tail[..n].copy_from_slice(v);
            (u64::from_le_bytes(head), u64::from_le_bytes(tail))
        }
    };
    let k = ((head as u128) << 64) | tail as u128;
    k ^ (v.len() as u128).rotate_left(56)
}

/// A bit of [`EchoFilter`] for a key: a multiplicative hash of its two halves.
#[inline]
fn echo_bit(k: u128, shift: u32) -> usize {
    let h = ((k >> 64) as u64 ^ (k as u64).rotate_left(29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (h >> shift) as usize
}

/// A set of bits, one set per key, about 16 bits a key: a run whose bit is clear is no
/// key, and nearly every run of a dense buffer is none; the others are looked up.
struct EchoFilter {
    bits: Vec<u64>,
    shift: u32,
}

impl EchoFilter {
    fn new(keys: impl ExactSizeIterator<Item = u128> + Clone) -> EchoFilter {
        let n = (keys.len() * 16).next_power_of_two().max(1024);
        let shift = 64 - n.trailing_zeros();
        let mut bits = vec![0u64; n / 64];
        for k in keys {
            let b = echo_bit(k, shift);
            bits[b / 64] |= 1 << (b % 64);
        }
        EchoFilter { bits, shift }
    }

    #[inline]
    fn may_hold(&self, k: u128) -> bool {
        let b = echo_bit(k, self.shift);
        self.bits[b / 64] & (1 << (b % 64)) != 0
    }
}

/// Distinct values found in a buffer that [`Detector::add_echoes`] searches for one by
/// one; beyond this, each run of the buffer is looked up among them.
const ECHO_SEARCHED_VALUES: usize = 4;

/// How far a partner at `ps..pe` is from a value at `s..e`: lines between them, then bytes.
fn gap(lines: &Lines, s: usize, e: usize, ps: usize, pe: usize) -> (usize, usize) {
    if ps >= e {
        (lines.count(e, ps), ps - e)
    } else if s >= pe {
        (lines.count(pe, s), s - pe)
    } else {
        (0, 0)
    }
}

/// [`pair_distance`] below this: the partner is on the value's line or the next or
/// previous one.
const PAIR_ADJACENT: usize = 4 << 20;
/// [`pair_distance`] below this: the partner is on the value's line.
const PAIR_SAME_LINE: usize = 2 << 20;

fn pair_distance(
    lines: &Lines,
    cs: usize,
    ce: usize,
    ps: usize,
    pe: usize,
    w: &rules::WindowSpec,
) -> Option<usize> {
    let max = w.max_bytes as usize;
    let (gap, lines, before) = if cs >= pe {
        let gap = cs - pe;
        if gap > max {
            return None;
        }
        let lines = lines.count(pe, cs);
        if lines > w.lines_after as usize {
            return None;
        }
        (gap, lines, false)
    } else if ce <= ps {
        let gap = ps - ce;
        if gap > max {
            return None;
        }
        let lines = lines.count(ce, ps);
        if lines > w.lines_before as usize {
            return None;
        }
        (gap, lines, true)
    } else {
        return None;
    };
    let step = 2 * lines + before as usize;
    Some(step * (1 << 20) + gap.min((1 << 20) - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_search_finds_every_case_variant_at_every_offset() {
        let mut lcg = 7u64;
        for len in 0..600usize {
            let buf: Vec<u8> = (0..len)
                .map(|_| {
                    lcg = lcg
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    b"sSkK k\xd3\xcbx"[(lcg >> 33) as usize % 9]
                })
                .collect();
            let want: Vec<usize> = (0..len.saturating_sub(1))
                .filter(|&i| buf[i] | 0x20 == b's' && buf[i + 1] | 0x20 == b'k')
                .collect();
            for simd in 0..4 {
                let mut got = Vec::new();
                match simd {
                    0 => folded_pairs(&buf, b's', b'k', &mut |i| got.push(i)),
                    1 => folded_pairs_sse2(&buf, b's', b'k', &mut |i| got.push(i)),
                    // SAFETY: each only where the CPU has it
                    #[cfg(target_arch = "x86_64")]
                    2 if std::is_x86_feature_detected!("avx2") => unsafe {
                        folded_pairs_avx2(&buf, b's', b'k', &mut |i| got.push(i))
                    },
                    #[cfg(target_arch = "x86_64")]
                    3 if std::is_x86_feature_detected!("avx512bw") => unsafe {
                        folded_pairs_avx512(&buf, b's', b'k', &mut |i| got.push(i))
                    },
                    _ => continue,
                }
                assert_eq!(got, want, "len {len}, implementation {simd}");
            }
        }
    }

    fn detector() -> Detector {
        Detector::new(RuleSet::builtin().unwrap())
    }

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
    fn values_looked_for_at_keywords_are_those_a_search_finds() {
        // `STS.` IDs and `CAIS`/`CAES` tokens begin with their rule's keyword: they are
        // tried at the keywords the first pass found instead of searched for in windows.
        let triggers = crate::detect::encoded::Decoders::new()
            .trigger_patterns()
            .to_vec();
        let builtin = || RuleSet::builtin().unwrap();
        for d in [
            Detector::new(builtin()),
            Detector::with_triggers(builtin(), &triggers),
        ] {
            let on: Vec<&str> = d
                .rules
                .rules
                .iter()
                .zip(&d.starts_at_keywords)
                .filter(|(_, on)| **on)
                .map(|(r, _)| r.id.as_str())
                .collect();
            // (the AccessKey ID's values are whole runs of letters and digits, tried run by
            // run: for it the flag changes nothing)
            assert_eq!(
                on,
                [
                    "alibaba-access-key-id",
                    "alibaba-long-access-key-id",
                    "alibaba-sts-access-key-id",
                    "alibaba-sts-security-token"
                ]
            );
        }
        // a longer pattern that starts with a keyword hides it where both match: off
        let hiding = Detector::with_triggers(builtin(), &[b"STS.x".to_vec()]);
        let sts = hiding
            .rules
            .rules
            .iter()
            .position(|r| r.id == "alibaba-sts-access-key-id");
        assert!(!hiding.starts_at_keywords[sts.unwrap()]);

        // a keyword that starts inside another is found all the same
        let d = Detector::new(builtin());
        let mut scratch = Scratch::default();
        d.detect_with(b"x CAISTS.abc CAESTS.", &mut scratch);
        assert_eq!(scratch.anchors().0, [2, 5, 13, 16]);

        let at_keywords = Detector::with_triggers(builtin(), &triggers);
        let mut searched = Detector::with_triggers(builtin(), &triggers);
        searched.search_shapes = true;
        let mut next = test_rng(0x51_7CC1_B727_220A);
        let pieces: [&[u8]; 15] = [
            b"STS.",
            b"\"STS.",
            b"CAISTS.", // a keyword that starts inside another
            b" CAESTS.",
            b"CAIS",
            b"CAES",
            b"CA",
            b"STS",
            b"==",
            b"=",
            b"+/",
            b" ",
            b"\n",
            b"LTAI",
            b"security_token = '",
        ];
        const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut found = [0usize; 2];
        for round in 0..60 {
            let mut buf = Vec::new();
            let size = 500 + next() % 20_000;
            while buf.len() < size {
                if next().is_multiple_of(2) {
                    buf.extend_from_slice(pieces[next() % pieces.len()]);
                } else {
                    let n = [3, 15, 16, 25, 32, 33, 44, 95, 96, 200, 600][next() % 11];
                    let alnum = next().is_multiple_of(2);
                    let set = if alnum { &B64[..62] } else { B64 };
                    buf.extend((0..n).map(|_| set[next() % set.len()]));
                }
            }
            let want = searched.detect(&buf);
            let got = at_keywords.detect(&buf);
            assert_eq!(got, want, "round {round}");
            for det in &got {
                match at_keywords.rules.rules[det.rule].id.as_str() {
                    "alibaba-sts-access-key-id" => found[0] += 1,
                    "alibaba-sts-security-token" => found[1] += 1,
                    _ => {}
                }
            }
        }
        // the comparison means something only if both rules found values
        assert!(found[0] >= 50 && found[1] >= 20, "{found:?}");
    }

    #[test]
    fn values_are_whole_runs_or_follow_an_escape() {
        let d = detector();
        let secret = "Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e";
        let found = |text: &str| -> Vec<String> {
            d.detect(text.as_bytes())
                .iter()
                .map(|x| text[x.start..x.end].to_string())
                .collect()
        };
        // after an escape (percent, \\x, \\u, \\n): the escape's characters are not the value's
        let id = "LTAI5tQ8bFz2KcVw9YhN3xRm";
        for text in [
            format!("u?k%3D{id}&x=1"),
            format!("k = \"\\x3d{id}\""),
            format!("{{\"k\":\"\\u003d{id}\"}}"),
            format!("a\\n{id}"),
        ] {
            assert_eq!(found(&text), [id], "{text}");
        }
        assert_eq!(found(&format!("access_key_secret = '{secret}'")), [secret]);
        // part of a longer run: no value
        for text in [
            format!("access_key_secret = '{secret}x'"),
            format!("access_key_secret = 'ab{secret}'"),
        ] {
            assert!(found(&text).is_empty(), "{text}");
        }
        // runs of every length around the ID's bounds, back to back with separators
        assert_eq!(found(&format!("{id} {id},{id}x {id}")), [id, id, id]);
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

    #[test]
    fn keyword_dense_stretches_find_what_the_prefilter_finds() {
        let decoders = crate::detect::encoded::Decoders::new();
        let build =
            || Detector::with_triggers(RuleSet::builtin().unwrap(), decoders.trigger_patterns());
        let with = build();
        let mut without = build();
        without.dense_automaton = None;
        let pieces: [&[u8]; 12] = [
            b"LTAI", b"secret", b"SECRET", b"STS.", b"CAIS", b"TFRBSQ", b"\\u00", b"sk", b"x",
            b"9Zq", b" ", b"\n",
        ];
        let mut next = test_rng(0xd3a5e);
        for round in 0..60 {
            let mut buf = Vec::new();
            while buf.len() < 3 * DENSE_BLOCK {
                // stretches of keywords every few bytes, and quiet ones
                let quiet = next().is_multiple_of(3);
                for _ in 0..next() % 400 {
                    if quiet {
                        buf.extend(std::iter::repeat_n(b'a', next() % 200));
                    }
                    buf.extend_from_slice(pieces[next() % pieces.len()]);
                }
            }
            if round % 2 == 1 {
                buf.truncate(next() % buf.len());
            }
            let (mut a, mut b) = (Scratch::default(), Scratch::default());
            assert_eq!(
                with.detect_with(&buf, &mut a),
                without.detect_with(&buf, &mut b)
            );
            assert_eq!(a.anchors(), b.anchors(), "round {round}");
            assert_eq!(a.triggers(), b.triggers(), "round {round}");
        }
    }

    #[test]
    fn grouped_keyword_windows_merge_to_each_keyword_s_own() {
        let mut next = test_rng(0x09a1_10e5);
        for round in 0..300 {
            let len = 1 + next() % 3000;
            let buf: Vec<u8> = (0..len)
                .map(|_| {
                    if next().is_multiple_of(60) {
                        b'\n'
                    } else {
                        b'a'
                    }
                })
                .collect();
            let mut kept: Vec<usize> = (0..next() % 200).map(|_| next() % len).collect();
            kept.sort_unstable();
            kept.dedup();
            let w = rules::WindowSpec {
                lines_before: (next() % 3) as u32,
                lines_after: (next() % 4) as u32,
                max_bytes: [1, 16, 100, 512][next() % 4],
            };
            let mut breaks = Vec::new();
            lines::list_breaks(&buf, &mut breaks);
            for lines in [Lines::search(&buf), Lines::indexed(&buf, &breaks)] {
                let mut grouped = Vec::new();
                keyword_windows(&buf, &lines, &kept, w, &mut grouped);
                let each: Vec<(usize, usize)> = kept
                    .iter()
                    .map(|&a| {
                        let m = w.max_bytes as usize;
                        line_window(&lines, a, a, w.lines_before, w.lines_after, m, len)
                    })
                    .collect();
                let a: Vec<_> = merge_sorted(grouped.into_iter()).collect();
                let b: Vec<_> = merge_sorted(each.into_iter()).collect();
                assert_eq!(a, b, "round {round}");
            }
        }
    }

    fn found(text: &str) -> Vec<(String, String)> {
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
    fn pairs_link_both_ways() {
        let d = detector();
        let text = b"client = AcsClient('LTAI5tQ8bFz2KcVw9YhN3xRm', 'Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e', 'cn-hangzhou')";
        let dets = sort_detections(d.detect(text));
        assert_eq!(dets.len(), 2);
        assert_eq!(dets[0].partner, Some(1));
        assert_eq!(dets[1].partner, Some(0));
    }

    #[test]
    fn nearest_partner_wins() {
        let text = "ak_id = \"LTAI5tXoLmL55eOSHpSDZK80\"\nak_secret = \"lADqy3y6KrwZiM1PTAsSC4m8wwztjJ\"\n\nnew_ak = \"LTAIvaa9AO57ulU7hxoVfhLI\"\nsk = \"TbYYwT26FP77KyPWn0B4C63GxkgZs9\"\n";
        let d = detector();
        let dets = sort_detections(d.detect(text.as_bytes()));
        assert_eq!(dets.len(), 4);
        assert_eq!(dets[0].partner, Some(1));
        assert_eq!(dets[2].partner, Some(3));
    }

    /// The values `found` reports as long-term AccessKey secrets.
    fn secrets(text: &str) -> Vec<String> {
        found(text)
            .into_iter()
            .filter(|(r, _)| r == "alibaba-access-key-secret")
            .map(|(_, v)| v)
            .collect()
    }

    #[test]
    fn other_kinds_of_secret_need_an_id_of_their_own() {
        // `password` next to an ID is its secret; once a properly named secret has taken
        // the ID, the password is a password
        let id = "access_key_id = 'LTAI5tQ8bFz2KcVw9YhN3xRm'\n";
        let pw = "password = 'Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e'\n";
        let named = "access_key_secret = 'Mz7Qw2Xr9Tk4Vb6Np1Ls8Hd3Fj5Gc0'\n";
        assert_eq!(
            secrets(&format!("{id}{pw}")),
            ["Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e"]
        );
        assert!(secrets(pw).is_empty());
        assert_eq!(
            secrets(&format!("{named}{id}{pw}")),
            ["Mz7Qw2Xr9Tk4Vb6Np1Ls8Hd3Fj5Gc0"]
        );
        assert_eq!(
            secrets(&format!("{id}{pw}{named}")),
            ["Mz7Qw2Xr9Tk4Vb6Np1Ls8Hd3Fj5Gc0"]
        );
    }

    #[test]
    fn a_value_beside_its_id_keeps_it_from_a_named_secret_further_away() {
        // rows of pairs, then a named secret of its own a line or two below
        let sql = "INSERT INTO accounts VALUES\n\
                   ('prod', 'LTAI5tskNhVla1ST9rJqL46k', '99Vm0wzFKPHSt15rTAvr9ZWa5FnDPj'),\n\
                   ('stage', 'LTAI5tc3tl650whuGMRfq3Qi', 'sVz9suhZKUeDkDWy5GCtSylOQj5P2y');\n\
                   UPDATE settings SET value = 'lfAfRMgGOK8Akoej7YqBgW1D1CWqWs' WHERE name = 'accessKeySecret';\n";
        assert_eq!(secrets(sql).len(), 3, "{:?}", found(sql));
        let xml = "<constructor-arg index=\"1\" value=\"LTAI5tOoO8rQLi1oxKQQn3yP\"/>\n\
                   <constructor-arg index=\"2\" value=\"DvZohX2FSEZVLLgzTGZBlomqn9DkCB\"/>\n\
                   </bean>\n\
                   <property name=\"accessKeySecret\" value=\"Z8qlZpCRCcGf4w2dfMnzYQLH7wxsL7\"/>\n";
        assert_eq!(secrets(xml).len(), 2, "{:?}", found(xml));
        // an unnamed value on the next line gives way to a named secret further down
        let go = "id := \"LTAI5t0hIqNdzemIZVGLRNQr\"\n\
                  log.Printf(\"using %s req=%s\", id, \"5FZvZHlhQ2sLk8VtR3mWx9PbN4cJ7d\")\n\
                  secret := \"lE2SiRsu7KpWq4Xn9TzV3bMc8YhJ6f\"\n";
        assert_eq!(
            secrets(go),
            ["lE2SiRsu7KpWq4Xn9TzV3bMc8YhJ6f"],
            "{:?}",
            found(go)
        );
        // a value with a name of its own that says nothing still gives way
        let named = "access_key_id = 'LTAI5tQ8bFz2KcVw9YhN3xRm'\n\
                     x = 'Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e'\n\
                     access_key_secret = 'Mz7Qw2Xr9Tk4Vb6Np1Ls8Hd3Fj5Gc0'\n";
        assert_eq!(secrets(named), ["Mz7Qw2Xr9Tk4Vb6Np1Ls8Hd3Fj5Gc0"]);
    }

    #[test]
    fn an_sts_secret_stays_with_its_sts_id() {
        let d = detector();
        let text = "init accessKeyId=LTAI5tSH5IzCq1mmGQXOr9HF\n\
                    connected\n\
                    assuming role\n\
                    {\"AccessKeyId\":\"STS.NYZltDUyL8MfA6Q7EUbu1hy7vziZ\",\"AccessKeySecret\":\"k4Hu3wQZVudLeSTMeiOlalOp8squcU\"}\n";
        let dets = sort_detections(d.detect(text.as_bytes()));
        let rule = |i: usize| d.rules().rules[dets[i].rule].id.as_str();
        assert_eq!(dets.len(), 3, "{dets:?}");
        assert_eq!(rule(1), "alibaba-sts-access-key-id");
        assert_eq!(rule(2), "alibaba-sts-access-key-secret");
        assert_eq!(dets[2].partner, Some(1));
        assert_eq!(dets[1].partner, Some(2));
        assert_eq!(dets[0].partner, None);
    }

    #[test]
    fn a_value_found_in_context_is_found_where_it_recurs() {
        let d = detector();
        let lines_of = |text: &str| -> Vec<usize> {
            let mut v: Vec<usize> = d
                .detect(text.as_bytes())
                .iter()
                .filter(|x| d.rules().rules[x.rule].id == "alibaba-access-key-secret")
                .map(|x| text[..x.start].matches('\n').count() + 1)
                .collect();
            v.sort();
            v
        };
        let one =
            "t.Setenv(\"ALIBABA_CLOUD_ACCESS_KEY_SECRET\", \"bhbTKZlMw9OQfKMMqIGN85HBlF5G3k\")\n\
                   cfg := Load()\n\
                   if cfg.Secret() != \"bhbTKZlMw9OQfKMMqIGN85HBlF5G3k\" {\n\
                   // bhbTKZlMw9OQfKMMqIGN85HBlF5G3kX is another value\n";
        assert_eq!(lines_of(one), [1, 3]);
        // more distinct values than are searched one by one: runs are looked up
        let values = [
            "Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e",
            "Mz7Qw2Xr9Tk4Vb6Np1Ls8Hd3Fj5Gc0",
            "bhbTKZlMw9OQfKMMqIGN85HBlF5G3k",
            "7SBn0hfVYP5uzY63knttT6DRdYremc",
            "xec06cBy1KkyQnCilLxeJg4mMM1RQH",
            "WRMfm3i4kPzWlwcwxanMYrNFVpBT5U",
        ];
        let mut many = String::new();
        for v in values {
            many += &format!("access_key_secret = '{v}'\n");
        }
        for v in values {
            many += &format!("expect(x).toBe('{v}')\n# {v}X\n");
        }
        let want: Vec<usize> = (1..=6).chain((0..6).map(|i| 7 + 2 * i)).collect();
        assert_eq!(lines_of(&many), want);

        // hundreds of values (a buffer dense with keywords, whose runs are listed once):
        // echoes are found, and runs that share a value's first and last eight bytes and
        // length, or that start where a value was found, are not taken for one
        let mut rng = test_rng(7);
        let alnum = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let mut value = || -> String { (0..30).map(|_| alnum[rng() % 62] as char).collect() };
        let values: Vec<String> = (0..300).map(|_| value()).collect();
        let mut text = String::new();
        let mut want = Vec::new();
        let mut line = 0;
        for (i, v) in values.iter().enumerate() {
            text += &format!("access_key_secret = '{v}'\n");
            line += 1;
            want.push(line);
            if i % 3 != 2 {
                continue;
            }
            // an earlier value again, between values found by their names
            let v = &values[i - 2];
            // same key, other middle: looked up, compared, rejected
            let mut twin = v.clone().into_bytes();
            twin[12] = if twin[12] == b'x' { b'y' } else { b'x' };
            let twin = String::from_utf8(twin).unwrap();
            text += &format!("log({twin})\nexpect(x).toBe('{v}')\n");
            line += 2;
            want.push(line);
            if i % 2 == 0 {
                // a longer run holding the value is not the value
                text += &format!("z{v}\n");
                line += 1;
            }
        }
        assert!(values.len() > 64, "dense: runs are listed");
        assert_eq!(lines_of(&text), want);
    }

    #[test]
    fn sorting_keeps_every_detection_and_its_partner() {
        let mut rng = test_rng(7);
        for n in [0, 1, 2, 3, 10, 257] {
            let mut dets: Vec<Detection> = (0..n)
                .map(|i| Detection {
                    rule: rng() % 3,
                    start: rng() % 50,
                    end: 60 + i, // distinct: each detection is told apart by its end
                    partner: None,
                    name: None,
                })
                .collect();
            for d in dets.iter_mut() {
                if rng().is_multiple_of(2) {
                    d.partner = Some(rng() % n);
                }
            }
            // the partner of each, by its end
            let want: Vec<(usize, usize, usize, Option<usize>)> = {
                let mut v: Vec<_> = dets
                    .iter()
                    .map(|d| (d.start, d.end, d.rule, d.partner.map(|p| dets[p].end)))
                    .collect();
                v.sort();
                v
            };
            let sorted = sort_detections(dets);
            let got: Vec<_> = sorted
                .iter()
                .map(|d| (d.start, d.end, d.rule, d.partner.map(|p| sorted[p].end)))
                .collect();
            assert_eq!(got, want, "{n} detections");
        }
    }

    #[test]
    fn token_keywords() {
        assert!(is_token(b"ALIYUN_SK=", 7, 9));
        assert!(is_token(b"aliyunSk=", 6, 8));
        assert!(!is_token(b"task", 2, 4));
        assert!(!is_token(b"SKU", 0, 2));
    }

    #[test]
    fn nothing_in_plain_text() {
        assert!(found("fn main() { println!(\"hello\"); }\n").is_empty());
        assert!(found("").is_empty());
    }
}
#[cfg(test)]
mod pattern_budget {
    /// The built-in keywords and decoding triggers fit the keyword pass's fastest SIMD
    /// searcher (slim Teddy, up to 32 patterns; past that the automaton's prefilter
    /// switches to fat Teddy, about half as fast on every byte): a rule that needs a new
    /// keyword must make room.
    #[test]
    fn the_keyword_pass_stays_within_32_patterns() {
        let triggers = crate::detect::encoded::Decoders::new()
            .trigger_patterns()
            .to_vec();
        let d =
            super::Detector::with_triggers(super::rules::RuleSet::builtin().unwrap(), &triggers);
        let n = d.automaton.as_ref().unwrap().patterns_len();
        assert!(n <= 32, "{n} patterns in the keyword pass");
    }
}

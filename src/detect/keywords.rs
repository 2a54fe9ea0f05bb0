//! The rules' keywords and the pieces of the keyword pass that finds them: each keyword's
//! case variants, the whole-word check on short ones, and the DFA search that takes over
//! in stretches dense with keywords. Also decides which rules' values can be looked for at
//! their keywords alone, without searching their windows.

use super::rules;

/// One byte string the keyword pass looks for on behalf of a rule: a keyword of the rule
/// or one of its case variants.
#[derive(Debug, Clone)]
pub(super) struct Keyword {
    pub(super) rule: usize,
    pub(super) bytes: Vec<u8>,
    /// Short keywords must be a whole word of a name.
    pub(super) token: bool,
}

/// The byte strings a keyword matches: itself when case-sensitive, otherwise its lower,
/// UPPER and Capitalised forms (`secret`, `SECRET`, `Secret`), which is how names are
/// written in every naming convention.
pub(super) fn keyword_variants(k: &str, case_sensitive: bool) -> Vec<Vec<u8>> {
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

/// Is `buf[s..e]` a whole word of a name (`sk` in `ALIYUN_SK` or `aliyunSk`, not `task`)?
pub(super) fn is_token(buf: &[u8], s: usize, e: usize) -> bool {
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

/// Whether every match of `rule`'s shape begins with one of its keywords, each found by
/// the keyword pass wherever it occurs: a keyword of three bytes or more that no pattern of
/// the automaton (`patterns`: keywords and triggers) starts with, as the longest match
/// wins at one position. (A pattern that starts before a keyword and runs into it hides
/// nothing: the search goes on from its second byte, see
/// [`Detector::restart`](super::Detector::restart).) See
/// [`Detector::starts_at_keywords`](super::Detector::starts_at_keywords).
pub(super) fn starts_at_keywords(
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

/// Keyword matches this close together ([`DENSE_RUN`] in a row) switch the keyword search
/// to the DFA, a block at a time; a wider gap switches it back.
pub(super) const DENSE_GAP: usize = 48;
/// See [`DENSE_GAP`].
pub(super) const DENSE_RUN: usize = 16;
/// Bytes the DFA searches at a time (see [`dense_find`]).
pub(super) const DENSE_BLOCK: usize = 4096;
/// Bytes the keyword pass reads at a time (see
/// [`Detector::detect_with`](super::Detector::detect_with)): small enough to stay in the
/// first-level cache for the second search over them.
pub(super) const PASS_BLOCK: usize = 32 << 10;

/// The leftmost-longest match of `dfa` (unanchored, no prefilter) in `buf[start..end]`,
/// as (pattern, start, end): the loop of the automaton's own search, without its per-call
/// costs, which in text with a keyword every few bytes outweigh the walk itself.
#[inline(never)]
pub(super) fn dense_find(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::RuleSet;
    use crate::detect::{test_rng, Detector, Scratch};

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
    fn token_keywords() {
        assert!(is_token(b"ALIYUN_SK=", 7, 9));
        assert!(is_token(b"aliyunSk=", 6, 8));
        assert!(!is_token(b"task", 2, 4));
        assert!(!is_token(b"SKU", 0, 2));
    }
}

#[cfg(test)]
mod pattern_budget {
    use crate::detect::rules::RuleSet;
    use crate::detect::Detector;

    /// The built-in keywords and decoding triggers fit the keyword pass's fastest SIMD
    /// searcher (slim Teddy, up to 32 patterns; past that the automaton's prefilter
    /// switches to fat Teddy, about half as fast on every byte): a rule that needs a new
    /// keyword must make room.
    #[test]
    fn the_keyword_pass_stays_within_32_patterns() {
        let triggers = crate::detect::encoded::Decoders::new()
            .trigger_patterns()
            .to_vec();
        let d = Detector::with_triggers(RuleSet::builtin().unwrap(), &triggers);
        let n = d.automaton.as_ref().unwrap().patterns_len();
        assert!(n <= 32, "{n} patterns in the keyword pass");
    }
}

//! A rule's candidates and the decision on each. The windows around its keywords and
//! partners are searched for values of its shape; each candidate goes through the rule's
//! filters, its name is classified, it is paired with the nearest partner finding in reach,
//! and it is kept when the rule's requirement (name, partner, both or neither) holds.

use super::context::{self, NameClass};
use super::lines::Lines;
use super::pairing::{gap, pair_distance, PAIR_ADJACENT, PAIR_SAME_LINE};
use super::rules::Require;
use super::windows::{keyword_windows, line_window, merge_sorted, widen};
use super::{filters, runs, Detection, Detector, RuleLists, Scratch};

/// How far the start of a value's line is looked for (for its name). A longer line (a
/// minified file) is taken to start this far left: the name is always much nearer, and a
/// search without a bound would make a long line of candidates cost quadratic time.
const MAX_LINE_LOOKBACK: usize = 4096;

/// How many classified names a buffer keeps (searched one by one, so a few).
const CLASS_CACHE: usize = 16;

/// A candidate value before the context decision.
#[derive(Debug, Clone)]
pub(super) struct Candidate {
    start: usize,
    end: usize,
    class: NameClass,
    name: Option<String>,
    /// Passed the rule's strong filters only (see `Rule::strong_filters`).
    relaxed: bool,
    /// Named by the call it is an argument of, not by a name of its own.
    by_argument: bool,
}

impl Detector {
    /// Runs rule `ri` over `buf`: searches the windows of its kept keywords
    /// (`scratch.kept[ri]`) and of its partners' findings in `out` for its values, decides
    /// on each from its filters, name and partner, and adds those it keeps to `out` (in
    /// place of an earlier rule's finding of the same value when it has a nearer partner).
    pub(super) fn run_rule(
        &self,
        ri: usize,
        buf: &[u8],
        scratch: &mut Scratch,
        out: &mut Vec<Detection>,
    ) {
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

#[cfg(test)]
mod tests {
    use crate::detect::testutil::detector;

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
}

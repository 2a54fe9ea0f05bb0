//! Where a rule's values are searched for: the window of lines around a keyword or a
//! partner finding, capped in bytes on each side; keywords' windows grouped line by line,
//! merged, and widened so that no edge cuts a value.

use super::lines::Lines;
use super::rules;

/// The byte range of the lines `before` above and `after` below the span `s..e`, capped at
/// `max_bytes` on each side. Every search stays inside the caps: the cost per window is
/// bounded whatever the line lengths.
pub(super) fn line_window(
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

/// The windows of keywords at `kept` (sorted), into `windows`. Keywords on one line, each
/// within reach of the one before, have windows that overlap and grow with the keyword's
/// position: their union is the first one's start to the last one's end, looked up once per
/// group rather than per keyword (in text with a keyword every few bytes, hundreds per
/// line). Merged, the windows are those of every keyword on its own.
pub(super) fn keyword_windows(
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
pub(super) fn merge_sorted(
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
pub(super) fn widen(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{lines, test_rng};

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
}

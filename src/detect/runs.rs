//! Runs: find maximal runs of a rule's charset (`[A-Za-z0-9]`, `[A-Za-z0-9+/]`) at least
//! some length long, 64 bytes per step.
//!
//! A rule's keyword only matters when a value of the rule's shape is near it, and values
//! are long runs of one charset. Telling "is there a 30-character run of letters and
//! digits within 512 bytes of this `sk`?" must cost far less than searching the window
//! with the rule's regex, because most keywords (`sk` in C networking code, `secret` in
//! crypto libraries) have none.

use super::rules::Charset;

/// Finds the maximal runs of a charset at least `min` bytes long, moving forward only:
/// questions asked in increasing order cost one pass over the buffer in all, and the pass
/// stops at the first run past the last question.
pub struct RunCursor {
    cs: Charset,
    min: usize,
    /// Scanning resumes here (never inside a run).
    pos: usize,
    /// The last run found (the first one ending after every `lo` asked so far).
    run: Option<(usize, usize)>,
}

impl RunCursor {
    pub fn new(cs: Charset, min: usize) -> RunCursor {
        RunCursor {
            cs,
            min,
            pos: 0,
            run: None,
        }
    }

    /// Whether a run overlaps `lo..hi`. `lo` must not decrease from one call to the next.
    pub fn any_in(&mut self, buf: &[u8], lo: usize, hi: usize) -> bool {
        loop {
            if let Some((s, e)) = self.run {
                if e > lo {
                    return s < hi;
                }
            }
            if self.pos >= buf.len() || self.pos >= hi {
                return false;
            }
            if self.pos < lo {
                // runs that end before `lo` do not matter: go on from the start of the
                // run around `lo` (a short walk back: a long run is found and kept)
                let mut p = lo.min(buf.len());
                while p > self.pos
                    && p < buf.len()
                    && self.cs.contains(buf[p])
                    && self.cs.contains(buf[p - 1])
                {
                    p -= 1;
                }
                self.pos = p;
            }
            self.run = self.next(buf, hi);
            if self.run.is_none() {
                return false;
            }
        }
    }

    fn next(&mut self, buf: &[u8], limit: usize) -> Option<(usize, usize)> {
        let (run, pos) = next_run(buf, self.pos, limit, self.cs, self.min);
        self.pos = pos;
        run
    }
}

/// Appends to `out` the positions of `at` (sorted) that have a run of `cs` at least `min`
/// long overlapping `p - before .. p + after + 1`.
///
/// Positions whose windows touch are taken as one group, and a group with no run is
/// dropped with one question: the keywords of dense code (`sk` on every other line of C)
/// cost a few integer steps each, not a scan of their window each.
pub fn keep_near_runs(
    buf: &[u8],
    at: &[usize],
    cs: Charset,
    min: usize,
    before: usize,
    after: usize,
    out: &mut Vec<usize>,
) {
    debug_assert!(at.is_sorted());
    let mut runs = RunCursor::new(cs, min);
    let window = |p: usize| (p.saturating_sub(before), p.saturating_add(after + 1));
    let mut i = 0;
    while i < at.len() {
        let (lo, mut hi) = window(at[i]);
        let mut j = i + 1;
        while j < at.len() && window(at[j]).0 <= hi {
            hi = window(at[j]).1;
            j += 1;
        }
        if runs.any_in(buf, lo, hi) {
            if j == i + 1 {
                out.push(at[i]);
            } else {
                for &p in &at[i..j] {
                    let (lo, hi) = window(p);
                    if runs.any_in(buf, lo, hi) {
                        out.push(p);
                    }
                }
            }
        }
        i = j;
    }
}

/// Every maximal run of `cs` at least `min` bytes long in `buf`, in order, into `out`
/// (cleared first): one pass that several rules of one charset then share.
pub fn list_runs(buf: &[u8], cs: Charset, min: usize, out: &mut Vec<(usize, usize)>) {
    out.clear();
    let mut p = 0;
    while let (Some(run), pos) = next_run(buf, p, buf.len(), cs, min) {
        out.push(run);
        p = pos;
    }
}

/// [`keep_near_runs`] over runs listed by [`list_runs`] (with a `min` at most this one):
/// one walk along the anchors and the list together.
pub fn keep_near_listed(
    runs: &[(usize, usize)],
    at: &[usize],
    min: usize,
    before: usize,
    after: usize,
    out: &mut Vec<usize>,
) {
    debug_assert!(at.is_sorted());
    let mut c = 0;
    for &p in at {
        let (lo, hi) = (p.saturating_sub(before), p.saturating_add(after + 1));
        // `lo` never decreases: a run ending at or before it, or too short, never counts
        while c < runs.len() && (runs[c].1 <= lo || runs[c].1 - runs[c].0 < min) {
            c += 1;
        }
        if c < runs.len() && runs[c].0 < hi {
            out.push(p);
        }
    }
}

/// The first maximal run of `cs` at least `min` bytes long that starts in `from..limit`;
/// None when there is none. Also returns where scanning stopped: the end of the returned
/// run, or a position at or after `limit` that is not inside a run.
///
/// `from` must not be inside a run: `from == 0`, or one of `buf[from - 1]` and `buf[from]`
/// is not in `cs`.
pub fn next_run(
    buf: &[u8],
    from: usize,
    limit: usize,
    cs: Charset,
    min: usize,
) -> (Option<(usize, usize)>, usize) {
    debug_assert!(min >= 1);
    debug_assert!(
        from == 0 || from >= buf.len() || !cs.contains(buf[from - 1]) || !cs.contains(buf[from])
    );
    #[cfg(target_arch = "x86_64")]
    {
        if matches!(cs, Charset::Alnum | Charset::Base64) {
            return simd::next_run(buf, from, limit, cs, min);
        }
    }
    next_run_scalar(buf, from, limit, cs, min)
}

/// [`next_run`], a byte at a time: the reference the SIMD version is tested against.
pub fn next_run_scalar(
    buf: &[u8],
    from: usize,
    limit: usize,
    cs: Charset,
    min: usize,
) -> (Option<(usize, usize)>, usize) {
    let mut p = from;
    while p < buf.len() {
        if !cs.contains(buf[p]) {
            if p >= limit {
                return (None, p);
            }
            p += 1;
            continue;
        }
        if p >= limit {
            return (None, p.max(limit));
        }
        let s = p;
        while p < buf.len() && cs.contains(buf[p]) {
            p += 1;
        }
        if p - s >= min {
            return (Some((s, p)), p);
        }
    }
    (None, buf.len().max(from))
}

#[cfg(target_arch = "x86_64")]
mod simd {
    use super::Charset;
    use std::arch::x86_64::*;
    use std::sync::OnceLock;

    /// Bit i set when `buf[at + i]` is in the charset, for 64 bytes (SSE2: every x86-64).
    ///
    /// # Safety
    /// `at + 64 <= buf.len()`.
    #[inline(always)]
    unsafe fn mask64_sse2(buf: &[u8], at: usize, base64: bool) -> u64 {
        let mut m = 0u64;
        for k in 0..4 {
            let x = _mm_loadu_si128(buf.as_ptr().add(at + 16 * k) as *const __m128i);
            // signed compares: bytes >= 0x80 are negative, so never in an ASCII range
            let y = _mm_or_si128(x, _mm_set1_epi8(0x20));
            let alpha = _mm_and_si128(
                _mm_cmpgt_epi8(y, _mm_set1_epi8(b'a' as i8 - 1)),
                _mm_cmplt_epi8(y, _mm_set1_epi8(b'z' as i8 + 1)),
            );
            let digit = _mm_and_si128(
                _mm_cmpgt_epi8(x, _mm_set1_epi8(b'0' as i8 - 1)),
                _mm_cmplt_epi8(x, _mm_set1_epi8(b'9' as i8 + 1)),
            );
            let mut v = _mm_or_si128(alpha, digit);
            if base64 {
                v = _mm_or_si128(
                    v,
                    _mm_or_si128(
                        _mm_cmpeq_epi8(x, _mm_set1_epi8(b'+' as i8)),
                        _mm_cmpeq_epi8(x, _mm_set1_epi8(b'/' as i8)),
                    ),
                );
            }
            m |= (_mm_movemask_epi8(v) as u32 as u64) << (16 * k);
        }
        m
    }

    /// Nibble tables: a byte is in the charset when `LO[b & 15] & HI[b >> 4] != 0`.
    /// Bit 0: digits; bit 1: `A-O`, `a-o` (but `@`, `` ` ``); bit 2: `P-Z`, `p-z`; bit 3: `+`, `/`.
    const LO: [i8; 16] = {
        let mut t = [0i8; 16];
        let mut i = 0;
        while i < 16 {
            let mut v = 0;
            if i <= 9 {
                v |= 1;
            }
            if i >= 1 {
                v |= 2;
            }
            if i <= 10 {
                v |= 4;
            }
            if i == 0xB || i == 0xF {
                v |= 8;
            }
            t[i] = v;
            i += 1;
        }
        t
    };
    const HI: [i8; 16] = [0, 0, 8, 1, 2, 4, 2, 4, 0, 0, 0, 0, 0, 0, 0, 0];

    /// [`mask64_sse2`] with AVX2 nibble lookups.
    ///
    /// # Safety
    /// AVX2 is available and `at + 64 <= buf.len()`.
    #[inline]
    #[target_feature(enable = "avx2")]
    unsafe fn mask64_avx2(buf: &[u8], at: usize, base64: bool) -> u64 {
        let lo_t = _mm256_broadcastsi128_si256(_mm_loadu_si128(LO.as_ptr() as *const __m128i));
        let mut hi = HI;
        if !base64 {
            hi[2] = 0;
        }
        let hi_t = _mm256_broadcastsi128_si256(_mm_loadu_si128(hi.as_ptr() as *const __m128i));
        let nib = _mm256_set1_epi8(0x0F);
        let mut m = 0u64;
        for k in 0..2 {
            let x = _mm256_loadu_si256(buf.as_ptr().add(at + 32 * k) as *const __m256i);
            let lo = _mm256_shuffle_epi8(lo_t, _mm256_and_si256(x, nib));
            let hn = _mm256_and_si256(_mm256_srli_epi16(x, 4), nib);
            let h = _mm256_shuffle_epi8(hi_t, hn);
            let out = _mm256_cmpeq_epi8(_mm256_and_si256(lo, h), _mm256_setzero_si256());
            m |= (!(_mm256_movemask_epi8(out) as u32) as u64) << (32 * k);
        }
        m
    }

    /// Bit i set when bits i .. i + n of `m` are all set (n >= 1).
    #[inline(always)]
    fn runs_at_least(mut m: u64, n: usize) -> u64 {
        if n >= 64 {
            // a run that long never fits inside one block short of the whole block, which
            // the caller carries on to the next
            return 0;
        }
        let mut have = 1usize; // each set bit of `m` now stands for a run this long
        while have < n && m != 0 {
            let step = have.min(n - have);
            m &= m >> step;
            have += step;
        }
        m
    }

    fn has_avx2() -> bool {
        static AVX2: OnceLock<bool> = OnceLock::new();
        *AVX2.get_or_init(|| std::is_x86_feature_detected!("avx2"))
    }

    pub fn next_run(
        buf: &[u8],
        from: usize,
        limit: usize,
        cs: Charset,
        min: usize,
    ) -> (Option<(usize, usize)>, usize) {
        let base64 = cs == Charset::Base64;
        if has_avx2() {
            // SAFETY: AVX2 was detected
            unsafe { next_run_avx2(buf, from, limit, cs, min) }
        } else {
            // SAFETY: the mask reads 64 bytes at `at`, which the loop keeps inside `buf`
            next_run_with(buf, from, limit, cs, min, |at| unsafe {
                mask64_sse2(buf, at, base64)
            })
        }
    }

    #[target_feature(enable = "avx2")]
    unsafe fn next_run_avx2(
        buf: &[u8],
        from: usize,
        limit: usize,
        cs: Charset,
        min: usize,
    ) -> (Option<(usize, usize)>, usize) {
        let base64 = cs == Charset::Base64;
        // SAFETY: AVX2 is enabled here; the loop keeps `at + 64 <= buf.len()`
        next_run_with(buf, from, limit, cs, min, |at| unsafe {
            mask64_avx2(buf, at, base64)
        })
    }

    /// The scan, over a function giving the charset mask of the 64 bytes at a position
    /// (called only with `at + 64 <= buf.len()`).
    #[inline(always)]
    fn next_run_with(
        buf: &[u8],
        from: usize,
        limit: usize,
        cs: Charset,
        min: usize,
        mask: impl Fn(usize) -> u64,
    ) -> (Option<(usize, usize)>, usize) {
        // the end of the run that goes on at `p`
        let run_end = |mut p: usize| {
            while p + 64 <= buf.len() {
                let m = mask(p);
                if m != u64::MAX {
                    return p + m.trailing_ones() as usize;
                }
                p += 64;
            }
            while p < buf.len() && cs.contains(buf[p]) {
                p += 1;
            }
            p
        };
        let mut at = from;
        // length of the run that reaches `at` from the left (bytes before `at`)
        let mut carry = 0usize;
        while at + 64 <= buf.len() {
            if at >= limit && carry == 0 {
                return (None, at);
            }
            let m = mask(at);
            if m == u64::MAX {
                carry += 64;
                at += 64;
                continue;
            }
            let lead = m.trailing_ones() as usize;
            if carry > 0 {
                let s = at - carry;
                let e = at + lead;
                if s >= limit {
                    return (None, s);
                }
                if e - s >= min {
                    return (Some((s, e)), e);
                }
            }
            // runs that start inside this block (the leading one, if it continued a
            // carried run, is done)
            let inner = if carry > 0 { m & !low_bits(lead) } else { m };
            let hits = runs_at_least(inner, min);
            if hits != 0 {
                let s = at + hits.trailing_zeros() as usize;
                if s >= limit {
                    return (None, s);
                }
                let e = run_end(s);
                return (Some((s, e)), e);
            }
            carry = m.leading_ones() as usize; // m != u64::MAX: below 64
            at += 64;
        }
        // the tail: finish a carried run, then go on a byte at a time
        let start = at - carry;
        if carry > 0 {
            if start >= limit {
                return (None, start);
            }
            let e = run_end(at);
            if e - start >= min {
                return (Some((start, e)), e);
            }
            at = e;
        }
        super::next_run_scalar(buf, at, limit, cs, min)
    }

    #[inline(always)]
    fn low_bits(n: usize) -> u64 {
        if n >= 64 {
            u64::MAX
        } else {
            (1u64 << n) - 1
        }
    }

    #[cfg(test)]
    pub fn mask_both(buf: &[u8], at: usize, base64: bool) -> (u64, Option<u64>) {
        // SAFETY: the test passes `at + 64 <= buf.len()`; AVX2 only when detected
        unsafe {
            (
                mask64_sse2(buf, at, base64),
                has_avx2().then(|| mask64_avx2(buf, at, base64)),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_rng as rng;
    use super::*;

    fn check(buf: &[u8], cs: Charset, min: usize) {
        // walk the whole buffer with both versions and several limits
        for limit in [0, 1, 63, 64, 65, 200, buf.len(), usize::MAX] {
            let mut p = 0;
            loop {
                let a = next_run(buf, p, limit, cs, min);
                let b = next_run_scalar(buf, p, limit, cs, min);
                assert_eq!(a.0, b.0, "run from {p} (limit {limit}, min {min})");
                // both stop at a boundary at or after `limit` when nothing is found
                if a.0.is_none() {
                    assert!(a.1 >= limit.min(buf.len()));
                    assert!(
                        a.1 >= buf.len()
                            || a.1 == 0
                            || !cs.contains(buf[a.1 - 1])
                            || !cs.contains(buf[a.1])
                    );
                    break;
                }
                p = a.1;
            }
        }
    }

    #[test]
    fn simd_matches_scalar_on_structured_text() {
        let mut next = rng(0x2545F4914F6CDD1Du64);
        for _ in 0..400 {
            let mut buf = Vec::new();
            let n = next() % 600;
            while buf.len() < n {
                // runs of key characters of many lengths, separated by other bytes
                let run = next() % 90;
                for _ in 0..run {
                    buf.push(b"aZ09+/xQ"[next() % 8]);
                }
                let gap = 1 + next() % 3;
                for _ in 0..gap {
                    buf.push(b" _=\n\x80\xff-\""[next() % 8]);
                }
            }
            for min in [1, 2, 16, 30, 63, 64, 65, 100] {
                check(&buf, Charset::Alnum, min);
                check(&buf, Charset::Base64, min);
            }
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn both_masks_classify_every_byte() {
        let buf: Vec<u8> = (0..=255u8).chain(0..=255u8).collect();
        for base64 in [false, true] {
            let cs = if base64 {
                Charset::Base64
            } else {
                Charset::Alnum
            };
            for at in (0..buf.len() - 64).step_by(7) {
                let want = (0..64).fold(0u64, |m, i| m | ((cs.contains(buf[at + i]) as u64) << i));
                let (sse2, avx2) = simd::mask_both(&buf, at, base64);
                assert_eq!(sse2, want, "sse2 at {at}");
                if let Some(a) = avx2 {
                    assert_eq!(a, want, "avx2 at {at}");
                }
            }
        }
    }

    #[test]
    fn cursor_answers_like_brute_force() {
        let mut next = rng(0x9E3779B97F4A7C15u64);
        for _ in 0..300 {
            let n = next() % 3000;
            let buf: Vec<u8> = (0..n)
                .map(|_| {
                    if next().is_multiple_of(23) {
                        b' '
                    } else {
                        b"aB3+"[next() % 4]
                    }
                })
                .collect();
            for (cs, min) in [
                (Charset::Alnum, 12),
                (Charset::Base64, 30),
                (Charset::Alnum, 70),
            ] {
                // the maximal runs long enough, by brute force
                let mut runs = Vec::new();
                let mut p = 0;
                while p < n {
                    if !cs.contains(buf[p]) {
                        p += 1;
                        continue;
                    }
                    let s = p;
                    while p < n && cs.contains(buf[p]) {
                        p += 1;
                    }
                    if p - s >= min {
                        runs.push((s, p));
                    }
                }
                let mut cur = RunCursor::new(cs, min);
                let mut lo = 0;
                while lo < n + 10 {
                    let hi = lo + next() % 400;
                    let want = runs.iter().any(|&(s, e)| e > lo && s < hi);
                    assert_eq!(cur.any_in(&buf, lo, hi), want, "{lo}..{hi} min {min}");
                    lo += next() % 300;
                }
            }
        }
    }

    #[test]
    fn keep_near_runs_keeps_what_a_window_scan_keeps() {
        let mut next = rng(0x1234_5678_9ABC_DEF1u64);
        for _ in 0..200 {
            let n = 1 + next() % 4000;
            let buf: Vec<u8> = (0..n)
                .map(|_| {
                    if next().is_multiple_of(31) {
                        b'-'
                    } else {
                        b"x9Q/"[next() % 4]
                    }
                })
                .collect();
            let mut at: Vec<usize> = (0..next() % 60).map(|_| next() % n).collect();
            at.sort_unstable();
            at.dedup();
            for (cs, min, before, after) in [
                (Charset::Alnum, 30, 512, 512),
                (Charset::Base64, 12, 16, 192),
                (Charset::Alnum, 5, 0, 3),
            ] {
                let want: Vec<usize> = at
                    .iter()
                    .copied()
                    .filter(|&p| {
                        let (lo, hi) = (p.saturating_sub(before), (p + after + 1).min(n));
                        // a run overlapping lo..hi, measured whole
                        let (mut s, mut e) = (lo, hi);
                        while s > 0 && s < n && cs.contains(buf[s]) && cs.contains(buf[s - 1]) {
                            s -= 1;
                        }
                        while e > 0 && e < n && cs.contains(buf[e - 1]) && cs.contains(buf[e]) {
                            e += 1;
                        }
                        let mut len = 0;
                        buf[s..e].iter().any(|&b| {
                            len = if cs.contains(b) { len + 1 } else { 0 };
                            len >= min
                        })
                    })
                    .collect();
                let mut got = Vec::new();
                keep_near_runs(&buf, &at, cs, min, before, after, &mut got);
                assert_eq!(got, want, "min {min} window -{before}..+{after}");
                // the same answers from a shared list of runs, listed with a shorter
                // minimum (as for the shortest value of several rules)
                for list_min in [1, min / 2 + 1, min] {
                    let mut runs = Vec::new();
                    list_runs(&buf, cs, list_min, &mut runs);
                    let mut got = Vec::new();
                    keep_near_listed(&runs, &at, min, before, after, &mut got);
                    assert_eq!(got, want, "listed at {list_min}, min {min}");
                }
            }
        }
    }

    #[test]
    fn finds_a_run_across_blocks_and_at_the_end() {
        let mut buf = vec![b' '; 50];
        buf.extend(std::iter::repeat_n(b'k', 200));
        assert_eq!(
            next_run(&buf, 0, usize::MAX, Charset::Alnum, 30).0,
            Some((50, 250))
        );
        buf.extend(b"..abc");
        assert_eq!(
            next_run(&buf, 250, usize::MAX, Charset::Alnum, 3).0,
            Some((252, 255))
        );
        assert_eq!(next_run(&buf, 250, usize::MAX, Charset::Alnum, 4).0, None);
    }
}

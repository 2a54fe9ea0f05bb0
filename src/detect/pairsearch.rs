//! The search for two-byte keywords (`sk`, `SK`, `Sk`), apart from the keyword automaton:
//! one SIMD pass per case-folded pair (AVX-512, AVX2 or SSE2, as the CPU has them), each
//! hit checked against the exact patterns.

/// Finds two-byte patterns: one SIMD pass per case-folded pair (`sk` covers `sk`, `Sk`,
/// `SK`), each hit checked against the exact patterns.
#[derive(Debug, Default)]
pub(super) struct PairSearch {
    /// Distinct pairs with ASCII letters lower-cased.
    folded: Vec<[u8; 2]>,
    /// Exact pattern bytes and their index in `Detector::by_pattern`.
    exact: Vec<([u8; 2], usize)>,
}

impl PairSearch {
    /// Adds the two-byte pattern `pair`, whose index in `Detector::by_pattern` is `pattern`.
    pub(super) fn add(&mut self, pair: [u8; 2], pattern: usize) {
        self.exact.push((pair, pattern));
        let folded = [pair[0] | 0x20, pair[1] | 0x20];
        if !self.folded.contains(&folded) {
            self.folded.push(folded);
        }
    }

    /// Calls `f(start, pattern)` for every occurrence of every pattern, in no particular
    /// order across patterns.
    pub(super) fn find(&self, buf: &[u8], mut f: impl FnMut(usize, usize)) {
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

/// [`folded_pairs`], 16 bytes a step (SSE2, part of the x86_64 baseline), then a byte at a
/// time; the wider ones finish their buffer's tail with it.
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
}

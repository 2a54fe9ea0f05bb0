//! Line lookups for the windows and contexts of candidates.
//!
//! Most buffers have few candidates, and each lookup is a SIMD search for the nearest line
//! break. A buffer dense with candidates (minified data, generated tables, hostile input)
//! would search the same stretches of bytes again for every candidate, so for it the line
//! breaks are listed once and each lookup is a binary search.

/// Line lookups on one buffer.
#[derive(Debug, Clone)]
pub struct Lines<'a> {
    buf: &'a [u8],
    /// The offsets of every `\n` in `buf`, in order, when they were listed.
    breaks: Option<&'a [usize]>,
    /// Where the last lookup in `breaks` ended: lookups come mostly in buffer order, so
    /// the next answer is usually a step or two away.
    hint: std::cell::Cell<usize>,
}

impl<'a> Lines<'a> {
    /// Lookups that search the buffer each time.
    pub fn search(buf: &'a [u8]) -> Lines<'a> {
        Lines {
            buf,
            breaks: None,
            hint: Default::default(),
        }
    }

    /// Lookups in `breaks`, which must list every `\n` of `buf` in order (see
    /// [`list_breaks`]).
    pub fn indexed(buf: &'a [u8], breaks: &'a [usize]) -> Lines<'a> {
        Lines {
            buf,
            breaks: Some(breaks),
            hint: Default::default(),
        }
    }

    /// How many listed breaks lie before `pos`: a few steps from the last answer, or a
    /// binary search when it is far.
    fn rank(&self, b: &[usize], pos: usize) -> usize {
        let mut i = self.hint.get().min(b.len());
        let mut steps = 0;
        loop {
            if i > 0 && b[i - 1] >= pos {
                i -= 1;
            } else if i < b.len() && b[i] < pos {
                i += 1;
            } else {
                break;
            }
            steps += 1;
            if steps == 8 {
                i = b.partition_point(|&x| x < pos);
                break;
            }
        }
        self.hint.set(i);
        i
    }

    /// Start of the line that contains `pos`, looking no further left than `floor`.
    pub fn start_from(&self, floor: usize, pos: usize) -> usize {
        match self.breaks {
            Some(b) => {
                let i = self.rank(b, pos);
                match i.checked_sub(1).map(|j| b[j]) {
                    Some(nl) if nl >= floor => nl + 1,
                    _ => floor,
                }
            }
            None => memchr::memrchr(b'\n', &self.buf[floor..pos]).map_or(floor, |p| floor + p + 1),
        }
    }

    /// End of the line that contains `pos` (the offset of its `\n`), looking no further
    /// right than `ceil`.
    pub fn end_to(&self, pos: usize, ceil: usize) -> usize {
        match self.breaks {
            Some(b) => {
                let i = self.rank(b, pos);
                match b.get(i) {
                    Some(&nl) if nl < ceil => nl,
                    _ => ceil,
                }
            }
            None => memchr::memchr(b'\n', &self.buf[pos..ceil]).map_or(ceil, |p| pos + p),
        }
    }

    /// How many `\n` lie in `from..to`.
    pub fn count(&self, from: usize, to: usize) -> usize {
        match self.breaks {
            Some(b) => self.rank(b, to) - self.rank(b, from),
            None => memchr::memchr_iter(b'\n', &self.buf[from..to]).count(),
        }
    }
}

/// Lists the offsets of every `\n` in `buf` into `out`.
pub fn list_breaks(buf: &[u8], out: &mut Vec<usize>) {
    out.clear();
    out.extend(memchr::memchr_iter(b'\n', buf));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexed_lookups_agree_with_searches() {
        let mut next = super::super::test_rng(0x2545_f491_4f6c_dd1d);
        for _ in 0..50 {
            let len = next() % 300;
            let buf: Vec<u8> = (0..len)
                .map(|_| {
                    if next().is_multiple_of(7) {
                        b'\n'
                    } else {
                        b'a'
                    }
                })
                .collect();
            let mut breaks = Vec::new();
            list_breaks(&buf, &mut breaks);
            let (s, x) = (Lines::search(&buf), Lines::indexed(&buf, &breaks));
            for _ in 0..200 {
                let a = next() % (len + 1);
                let b = next() % (len + 1);
                let (lo, hi) = (a.min(b), a.max(b));
                assert_eq!(s.start_from(lo, hi), x.start_from(lo, hi));
                assert_eq!(s.end_to(lo, hi), x.end_to(lo, hi));
                assert_eq!(s.count(lo, hi), x.count(lo, hi));
            }
        }
    }
}

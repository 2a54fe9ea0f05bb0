//! Echoes: a value that its context made a key (a name or a partner) is a key wherever
//! else it occurs in the buffer. A few distinct values are searched for one by one; with
//! more, each run of the buffer is looked up among them through a filter of bits keyed by
//! its length and its first and last eight bytes, so the pass stays linear.

use super::rules::{self, Require};
use super::runs;
use super::{Detection, Detector};

impl Detector {
    /// A value its context made a key (a name or a partner) is a key wherever else it
    /// occurs in the buffer: in an assertion (`expect(cfg.sk).toBe('…')`), a comment, a
    /// log line. Each further occurrence that is a whole run of its rule's charset is
    /// added, unpaired and unnamed. (Values whose shape alone makes them keys are found
    /// wherever they occur already.) A few distinct values are searched one by one;
    /// with more, each run of the buffer is looked up once, so the pass stays linear.
    pub(super) fn add_echoes(
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
}

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

#[cfg(test)]
mod tests {
    use crate::detect::test_rng;
    use crate::detect::testutil::detector;

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
}

//! Statistical tests of the rules: random keys in strong contexts are all found, however
//! their characters happen to fall (four equal ones in a row about once in 9,000 secrets),
//! and random strings that are not keys, in weak contexts, never are.
//!
//! A strong context is a strong name or an SDK call's argument, with the pair's other half
//! beside it (a name alone, with no ID, keeps the strict checks). Each context is tried
//! with [`N`] random values, [`BATCH`] snippets to a buffer, the
//! snippets far enough apart (blank lines) that none can pair with another's values.

use std::collections::BTreeSet;

use akscan::detect::rules::RuleSet;
use akscan::detect::{Detector, Scratch};

/// Values per context (release build, as CI runs it: a second or two per context).
const N: usize = 100_000;
const BATCH: usize = 500;
/// More lines than any window or pairing reach of the rules.
const GAP: &str = "\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n";

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// splitmix64: a small deterministic generator (each context has its own seed).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n)
            .map(|_| alphabet[(self.next() % alphabet.len() as u64) as usize] as char)
            .collect()
    }
}

/// A snippet and the values in it that must be found (all of them, and nothing else).
type Case = (String, Vec<String>);
/// Makes a random case of one context.
type MakeCase = Box<dyn Fn(&mut Rng) -> Case>;

/// Runs `N` cases from `make`, checking each snippet's findings against its expected
/// values; returns the number of cases tried.
fn run(seed: u64, mut make: impl FnMut(&mut Rng) -> Case) -> usize {
    let detector = Detector::new(RuleSet::builtin().unwrap());
    let mut scratch = Scratch::default();
    let mut rng = Rng(seed);
    let mut tried = 0;
    while tried < N {
        let mut buf = String::new();
        let mut want: BTreeSet<(usize, String)> = BTreeSet::new();
        let mut cases = Vec::new();
        for _ in 0..BATCH.min(N - tried) {
            let (snippet, values) = make(&mut rng);
            let at = buf.len();
            for v in &values {
                let off = snippet.find(v.as_str()).expect("value in snippet");
                want.insert((at + off, v.clone()));
            }
            cases.push((at, snippet.clone()));
            buf.push_str(&snippet);
            buf.push_str(GAP);
            tried += 1;
        }
        let got: BTreeSet<(usize, String)> = detector
            .detect_with(buf.as_bytes(), &mut scratch)
            .iter()
            .map(|d| (d.start, buf[d.start..d.end].to_string()))
            .collect();
        if got != want {
            let case_of = |pos: usize| {
                let i = cases.partition_point(|(at, _)| *at <= pos) - 1;
                cases[i].1.clone()
            };
            let missed: Vec<_> = want.difference(&got).map(|(p, _)| case_of(*p)).collect();
            let extra: Vec<_> = got.difference(&want).map(|(p, _)| case_of(*p)).collect();
            panic!("missed in {missed:#?}\nreported in {extra:#?}");
        }
    }
    tried
}

fn secret(r: &mut Rng) -> String {
    r.pick(ALNUM, 30)
}

fn id(r: &mut Rng) -> String {
    format!("LTAI{}", r.pick(ALNUM, 20))
}

#[test]
fn random_keys_in_strong_contexts_are_all_found() {
    let contexts: Vec<(&str, MakeCase)> = vec![
        (
            "Go SDK call, ID and secret arguments",
            Box::new(|r| {
                let (i, s) = (id(r), secret(r));
                let snippet = format!(
                    "client, err := sdk.NewClientWithAccessKey(\"cn-hangzhou\", \"{i}\", \"{s}\")\n"
                );
                (snippet, vec![i, s])
            }),
        ),
        (
            "strong names on two lines",
            Box::new(|r| {
                let (i, s) = (id(r), secret(r));
                let snippet = format!("access_key_id = \"{i}\"\naccess_key_secret = \"{s}\"\n");
                (snippet, vec![i, s])
            }),
        ),
        (
            "YAML, secret before its ID",
            Box::new(|r| {
                let (i, s) = (id(r), secret(r));
                let snippet = format!("aliyun:\n  accessKeySecret: {s}\n  accessKeyId: {i}\n");
                (snippet, vec![i, s])
            }),
        ),
        (
            "legacy ID without a prefix in oss2.Auth",
            Box::new(|r| {
                let (i, s) = (r.pick(ALNUM, 16), secret(r));
                let snippet = format!("auth = oss2.Auth('{i}', '{s}')\n");
                (snippet, vec![i, s])
            }),
        ),
        (
            "ID of 25 characters under a strong name",
            Box::new(|r| {
                let (i, s) = (format!("LTAI{}", r.pick(ALNUM, 21)), secret(r));
                let snippet = format!("alicloud:\n  access-key: {i}\n  secret-key: {s}\n");
                (snippet, vec![i, s])
            }),
        ),
    ];
    for (i, (what, make)) in contexts.iter().enumerate() {
        let n = run(0x5eed_0000 + i as u64, make);
        assert_eq!(n, N, "{what}");
    }
}

#[test]
fn random_non_keys_in_weak_contexts_are_never_found() {
    const LOWER_DIGITS: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    const URL_B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    // (what, text before the random part, its alphabet and length, text after it)
    let contexts: [(&str, &str, &[u8], usize, &str); 7] = [
        (
            "a key-shaped value under a session id",
            "session_id = \"",
            ALNUM,
            30,
            "\"\n",
        ),
        (
            "a key-shaped value under a weak name alone",
            "secret = \"",
            ALNUM,
            30,
            "\"\n",
        ),
        (
            "a secret-named value with no capital letter",
            "access_key_secret = \"",
            LOWER_DIGITS,
            30,
            "\"\n",
        ),
        (
            "an STS-length value under a long-term secret's name, no STS ID",
            "access_key_secret = \"",
            ALNUM,
            40,
            "\"\n",
        ),
        (
            "16 characters in an SDK call without a secret beside them",
            "auth = oss2.Auth('",
            ALNUM,
            16,
            "', secret)\n",
        ),
        (
            "an LTAI run of 25 characters with no name",
            "bucket_suffix = \"LTAI",
            ALNUM,
            21,
            "\"\n",
        ),
        (
            "a HashiCorp Vault service token",
            "token                hvs.CAESI",
            URL_B64,
            110,
            "\n",
        ),
    ];
    for (i, (what, before, alphabet, n, after)) in contexts.into_iter().enumerate() {
        let tried = run(0x0bad_0000 + i as u64, |r| {
            (format!("{before}{}{after}", r.pick(alphabet, n)), vec![])
        });
        assert_eq!(tried, N, "{what}");
    }
}

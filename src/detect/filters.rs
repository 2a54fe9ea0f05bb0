//! Checks that tell a random credential from a placeholder, a mask or a look-alike.
//!
//! All checks run on one candidate value and its immediate neighbours, in time linear
//! in the value's length.

use serde::Deserialize;
use toml::Spanned;

/// Which bytes make up a value, for the "not inside a longer run" boundary check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Charset {
    /// `[A-Za-z0-9]`
    #[default]
    Alnum,
    /// `[A-Za-z0-9+/]` (and trailing `=`)
    Base64,
    /// No boundary check.
    Any,
}

impl Charset {
    #[inline]
    pub fn contains(self, b: u8) -> bool {
        match self {
            Charset::Alnum => b.is_ascii_alphanumeric(),
            Charset::Base64 => b.is_ascii_alphanumeric() || b == b'+' || b == b'/',
            Charset::Any => false,
        }
    }
}

/// Checks that tell a random credential from a placeholder or a look-alike.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct FilterSpec {
    /// Bytes at the start of the value that are a fixed prefix (`LTAI`): skipped by
    /// the character-class checks.
    #[serde(default)]
    pub fixed_prefix: usize,
    /// Minimum Shannon entropy of the whole value, in bits per character.
    #[serde(default)]
    pub min_entropy: f64,
    /// The random part must contain both upper- and lower-case letters.
    #[serde(default)]
    pub require_mixed_case: bool,
    /// The random part must contain at least this many of: upper, lower, digit.
    #[serde(default)]
    pub min_char_classes: u8,
    /// Reject when one character repeats this many times in a row (0: off).
    #[serde(default)]
    pub max_repeat: usize,
    /// Reject when this many characters ascend or descend in a row (0: off).
    #[serde(default)]
    pub max_sequence: usize,
    /// Reject when the random part repeats with a short period (FAKEFAKE...).
    #[serde(default)]
    pub reject_periodic: bool,
    /// Reject values that read like a camelCase identifier (no digits, word-shaped).
    #[serde(default)]
    pub reject_identifiers: bool,
    /// Reject values made only of hex digits.
    #[serde(default)]
    pub reject_hex: bool,
    /// Case-insensitive words whose presence marks a placeholder.
    #[serde(default)]
    pub placeholder_words: Vec<String>,
    /// Strings that, touching the value, mark it masked or truncated (`*`, `...`).
    #[serde(default)]
    pub mask_markers: Vec<String>,
    /// Reject values inside a base64 blob at least this long (0: off).
    #[serde(default)]
    pub max_base64_run: usize,
    /// Text right before the value that marks another system's token (`hvs.` of a
    /// HashiCorp Vault token): such a value is rejected.
    #[serde(default)]
    pub foreign_prefixes: Vec<String>,
    /// Reject a value that a `-` or `_` joins to more letters or digits: a piece of a
    /// URL-safe base64 string (a Vault token's body), not of a standard base64 one.
    #[serde(default)]
    pub reject_base64url: bool,
    /// The id of a word list: a value whose camelCase words (digits aside) are nearly all
    /// in it reads as a phrase (`ThisIsMyTestSecretForUnitTests1`) and is rejected.
    #[serde(default)]
    pub phrase_words: Option<Spanned<String>>,
    /// The words of `phrase_words`, lower-cased (resolved when the rule is compiled).
    #[serde(skip)]
    pub phrase_set: Option<std::sync::Arc<WordSet>>,
    /// The compiled searcher for `placeholder_words` (see [`FilterSpec::compiled`]).
    #[serde(skip)]
    pub placeholder_finder: Option<PlaceholderFinder>,
}

impl FilterSpec {
    /// The spec with its placeholder searcher built.
    pub fn compiled(&self) -> FilterSpec {
        FilterSpec {
            placeholder_finder: placeholder_finder(&self.placeholder_words),
            ..self.clone()
        }
    }
}

/// Why a candidate was dropped (kept for tests and debugging; never printed with the value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reject {
    Boundary,
    Base64Blob,
    Masked,
    Entropy,
    CharClasses,
    MixedCase,
    Repeat,
    Sequence,
    Periodic,
    Identifier,
    Hex,
    PlaceholderWord,
    Phrase,
    Foreign,
}

/// Shannon entropy of `s` in bits per byte.
pub fn shannon_entropy(s: &[u8]) -> f64 {
    let mut counts = [0u32; 256];
    for &b in s {
        counts[b as usize] += 1;
    }
    entropy_of_counts(s, &mut counts)
}

/// Entropy of `s` from its byte counts (which are cleared): `log2 n - sum(c log2 c) / n`.
/// For values up to 256 bytes, `c log2 c` comes from a table in 32.32 fixed point: integer
/// sums and no branch per byte (a count read a second time is 0, and adds 0).
fn entropy_of_counts(s: &[u8], counts: &mut [u32; 256]) -> f64 {
    const SCALE: f64 = (1u64 << 32) as f64;
    static C_LOG2_C: std::sync::LazyLock<[u64; 257]> = std::sync::LazyLock::new(|| {
        let mut t = [0u64; 257];
        for (c, v) in t.iter_mut().enumerate().skip(1) {
            *v = (c as f64 * (c as f64).log2() * SCALE).round() as u64;
        }
        t
    });
    if s.is_empty() {
        return 0.0;
    }
    let n = s.len() as f64;
    let sum = if s.len() < 257 {
        let table = &*C_LOG2_C;
        let mut fixed = 0u64;
        for &b in s {
            let c = std::mem::take(&mut counts[b as usize]);
            fixed += table[c as usize];
        }
        fixed as f64 / SCALE
    } else {
        let mut sum = 0.0;
        for &b in s {
            let c = std::mem::take(&mut counts[b as usize]) as f64;
            if c > 0.0 {
                sum += c * c.log2();
            }
        }
        sum
    };
    (n.log2() - sum / n).max(0.0)
}

/// The run of `charset` bytes around `start..end`, as (run_start, run_end).
///
/// An escape sequence right before the value (`\n`, `%3D`, `\x3d`, `\u003d`) ends the run
/// on the left: `key%3DLTAI...` holds the ID `LTAI...`, not `3DLTAI...`.
pub fn charset_run(buf: &[u8], start: usize, end: usize, charset: Charset) -> (usize, usize) {
    if charset == Charset::Any {
        return (start, end);
    }
    let mut s = start;
    while s > 0 && charset.contains(buf[s - 1]) {
        s -= 1;
    }
    if s < start && is_escape_prefix(buf, s, start) {
        s = start;
    }
    let mut e = end;
    while e < buf.len() && charset.contains(buf[e]) {
        e += 1;
    }
    if charset == Charset::Base64 {
        // up to two `=` of padding belong to the run
        let mut pad = 0;
        while e < buf.len() && buf[e] == b'=' && pad < 2 {
            e += 1;
            pad += 1;
        }
    }
    (s, e)
}

/// How many characters of a run an escape before a value may take (`\n`, `%3D`, `\x3d`,
/// `\u003d`, `\U0000003d`: see [`charset_run`]), none first.
pub const ESCAPE_PREFIX_LENS: [usize; 6] = [0, 1, 2, 3, 5, 9];
/// The longest of them.
pub const MAX_ESCAPE_PREFIX: usize = 9;

/// Is `buf[s..start]` the tail of an escape sequence that begins at `s - 1`?
fn is_escape_prefix(buf: &[u8], s: usize, start: usize) -> bool {
    if s == 0 {
        return false;
    }
    let lead = buf[s - 1];
    let tail = &buf[s..start];
    let all_hex = |t: &[u8]| !t.is_empty() && t.iter().all(|b| b.is_ascii_hexdigit());
    match lead {
        b'%' => tail.len() == 2 && all_hex(tail),
        b'\\' => match tail.first() {
            Some(b'n' | b'r' | b't' | b'b' | b'f' | b'v' | b'0') => tail.len() == 1,
            Some(b'x') => tail.len() == 3 && all_hex(&tail[1..]),
            Some(b'u') => tail.len() == 5 && all_hex(&tail[1..]),
            Some(b'U') => tail.len() == 9 && all_hex(&tail[1..]),
            _ => false,
        },
        _ => false,
    }
}

/// Is `start..end` what [`charset_run`] makes of it (a whole run, or one after an escape)?
/// Scans at most [`MAX_ESCAPE_PREFIX`] bytes back: a value inside a long run (`CAIS` in
/// the middle of a line of letters) is refused at once.
fn is_whole_run(buf: &[u8], start: usize, end: usize, charset: Charset) -> bool {
    if charset == Charset::Any {
        return true;
    }
    if let Some(&b) = buf.get(end) {
        if charset.contains(b) || (charset == Charset::Base64 && b == b'=') {
            return false;
        }
    }
    let mut s = start;
    while s > 0 && start - s <= MAX_ESCAPE_PREFIX && charset.contains(buf[s - 1]) {
        s -= 1;
    }
    s == start || (start - s <= MAX_ESCAPE_PREFIX && is_escape_prefix(buf, s, start))
}

/// Length of the base64 run (`[A-Za-z0-9+/=]`) that contains `start..end`.
fn base64_run_len(buf: &[u8], start: usize, end: usize) -> usize {
    let is_b64 = |b: u8| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=';
    let mut s = start;
    while s > 0 && is_b64(buf[s - 1]) && start - s < 4096 {
        s -= 1;
    }
    let mut e = end;
    while e < buf.len() && is_b64(buf[e]) && e - end < 4096 {
        e += 1;
    }
    e - s
}

/// Neighbour checks: the candidate must be the whole run, not sit in a base64 blob,
/// and not touch a mask marker.
pub fn check_surroundings(
    buf: &[u8],
    start: usize,
    end: usize,
    charset: Charset,
    spec: &FilterSpec,
) -> Result<(), Reject> {
    if !is_whole_run(buf, start, end, charset) {
        return Err(Reject::Boundary);
    }
    if spec.max_base64_run > 0 {
        let touches_b64 = (start > 0 && matches!(buf[start - 1], b'+' | b'/'))
            || (end < buf.len() && matches!(buf[end], b'+' | b'/' | b'='));
        if touches_b64 && base64_run_len(buf, start, end) >= spec.max_base64_run {
            return Err(Reject::Base64Blob);
        }
        // `…==` padding that completes a base64 quantum: the value is the base64 of some
        // bytes (a 30-character run plus `==` encodes 22), not a key
        let pad = buf[end..]
            .iter()
            .take(3)
            .take_while(|&&b| b == b'=')
            .count();
        if (1..=2).contains(&pad) && (end - start + pad).is_multiple_of(4) {
            return Err(Reject::Base64Blob);
        }
    }
    for p in &spec.foreign_prefixes {
        // the prefix as a token of its own: `hvs.` in `hvs.CAES…`, `s.` not in `tokens.`
        let p = p.as_bytes();
        let at = start.wrapping_sub(p.len());
        if !p.is_empty()
            && buf[..start].ends_with(p)
            && (at == 0 || !buf[at - 1].is_ascii_alphanumeric())
        {
            return Err(Reject::Foreign);
        }
    }
    if spec.reject_base64url {
        let joins = |sep: Option<&u8>, next: Option<&u8>| {
            matches!(sep, Some(b'-' | b'_')) && next.is_some_and(u8::is_ascii_alphanumeric)
        };
        let before = start >= 2 && joins(buf.get(start - 1), buf.get(start - 2));
        if before || joins(buf.get(end), buf.get(end + 1)) {
            return Err(Reject::Base64Blob);
        }
    }
    for m in &spec.mask_markers {
        let m = m.as_bytes();
        if m.is_empty() {
            continue;
        }
        // first (last) byte before the whole comparison: most values touch no marker
        let after = buf.get(end) == Some(&m[0]) && buf[end..].starts_with(m);
        let before = start > 0 && buf[start - 1] == m[m.len() - 1] && buf[..start].ends_with(m);
        if after || before {
            return Err(Reject::Masked);
        }
    }
    Ok(())
}

/// What one pass over a value's random part finds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ValueStats {
    /// Character classes seen, as bits: upper case 1, lower case 2, digit 4.
    classes: u8,
    /// The longest run of one repeated byte.
    repeat: usize,
    /// The longest run of case-folded bytes that step by +1 or -1 (`abcde`, `12345`, `ZYXW`).
    sequence: usize,
}

/// [`ValueStats`] of `s`, adding its bytes to `counts` on the way.
fn value_stats(s: &[u8], counts: &mut [u32; 256]) -> ValueStats {
    let mut classes = 0u8;
    let (mut repeat, mut best_repeat) = (0usize, 0usize);
    let (mut up, mut down, mut best_seq) = (0usize, 0usize, 0usize);
    let mut prev: i16 = -1000;
    // no predecessor yet: a first byte of 0 counts once either way (`repeat` starts at 0)
    let mut prev_raw: u8 = 0;
    for &b in s {
        counts[b as usize] += 1;
        classes |= CLASS_BITS[b as usize];
        let l = b.to_ascii_lowercase() as i16;
        repeat = if b == prev_raw { repeat + 1 } else { 1 };
        up = if l - prev == 1 { up + 1 } else { 1 };
        down = if prev - l == 1 { down + 1 } else { 1 };
        best_repeat = best_repeat.max(repeat);
        best_seq = best_seq.max(up.max(down));
        prev = l;
        prev_raw = b;
    }
    ValueStats {
        classes,
        repeat: best_repeat,
        sequence: best_seq,
    }
}

/// Checks on the value itself. The statistics (byte counts, character classes, repeats,
/// sequences) come from one pass over the value.
pub fn check_value(value: &[u8], spec: &FilterSpec) -> Result<(), Reject> {
    let from = spec.fixed_prefix.min(value.len());
    let random = &value[from..];
    let mut counts = [0u32; 256];
    for &b in &value[..from] {
        counts[b as usize] += 1;
    }
    let stats = value_stats(random, &mut counts);
    let (upper, lower, digit) = (
        stats.classes & 1 != 0,
        stats.classes & 2 != 0,
        stats.classes & 4 != 0,
    );
    if spec.min_entropy > 0.0 && entropy_of_counts(value, &mut counts) < spec.min_entropy {
        return Err(Reject::Entropy);
    }
    let classes = upper as u8 + lower as u8 + digit as u8;
    if classes < spec.min_char_classes {
        return Err(Reject::CharClasses);
    }
    if spec.require_mixed_case && !(upper && lower) {
        return Err(Reject::MixedCase);
    }
    if spec.max_repeat > 0 && stats.repeat >= spec.max_repeat {
        return Err(Reject::Repeat);
    }
    if spec.max_sequence > 0 && stats.sequence >= spec.max_sequence {
        return Err(Reject::Sequence);
    }
    if spec.reject_periodic && is_periodic(random) {
        return Err(Reject::Periodic);
    }
    if spec.reject_hex && value.iter().all(u8::is_ascii_hexdigit) {
        return Err(Reject::Hex);
    }
    if spec.reject_identifiers && looks_like_identifier(random) {
        return Err(Reject::Identifier);
    }
    let finder = match &spec.placeholder_finder {
        Some(f) => Some(std::borrow::Cow::Borrowed(f)),
        None if !spec.placeholder_words.is_empty() => {
            placeholder_finder(&spec.placeholder_words).map(std::borrow::Cow::Owned)
        }
        None => None,
    };
    if spec.phrase_set.is_none() && finder.is_none() {
        return Ok(());
    }
    // the value as written, then as read with letters for digits (`Examp1e`, `Y0ur`; a 1
    // both as `l` and as `i`)
    let mut spelled = [[0u8; MAX_RESPELLED]; 2];
    let respelled = letters_for_digits(random, &mut spelled);
    let spelled = &spelled[..respelled];
    let spelled = || spelled.iter().map(|r| &r[..random.len()]);
    if let Some(words) = &spec.phrase_set {
        if std::iter::once(random)
            .chain(spelled())
            .any(|r| is_phrase(r, words))
        {
            return Err(Reject::Phrase);
        }
    }
    if let Some(f) = finder {
        // respelled, only words of five letters or more: a short word spelled with digits
        // (`t3st`) turns up in random values too often
        if has_placeholder_word(value, &f) || spelled().any(|r| placeholder_word_in(r, &f, 5)) {
            return Err(Reject::PlaceholderWord);
        }
    }
    Ok(())
}

/// The longest value read again with letters for digits (longer ones are not: keys are
/// shorter, and a phrase that long is no key's shape).
const MAX_RESPELLED: usize = 64;

/// The letter a digit stands for when people spell words with digits (`Examp1e`,
/// `Y0urSecret`, `S3cret`): 0 o, 1 l (or i), 3 e, 4 a, 5 s, 7 t.
fn letter_for_digit(d: u8, second: bool) -> Option<u8> {
    Some(match d {
        b'0' => b'o',
        b'1' if second => b'i',
        b'1' => b'l',
        b'3' => b'e',
        b'4' => b'a',
        b'5' => b's',
        b'7' => b't',
        _ => return None,
    })
}

/// Writes into `out` the readings of `s` with each such digit beside a letter replaced by
/// its letter, in the case of the word around it (lower case unless its letters on both
/// sides are capitals): one reading, or two when a 1 was replaced (as `l` and as `i`).
/// Returns how many readings there are: 0 when no digit was replaced or `s` is longer
/// than [`MAX_RESPELLED`].
fn letters_for_digits(s: &[u8], out: &mut [[u8; MAX_RESPELLED]; 2]) -> usize {
    if s.len() > MAX_RESPELLED {
        return 0;
    }
    let (mut replaced, mut one) = (false, false);
    for (k, o) in out.iter_mut().enumerate() {
        for (i, &b) in s.iter().enumerate() {
            let left = i
                .checked_sub(1)
                .map(|j| s[j])
                .filter(u8::is_ascii_alphabetic);
            let right = s.get(i + 1).copied().filter(u8::is_ascii_alphabetic);
            o[i] = match letter_for_digit(b, k == 1) {
                Some(l) if left.is_some() || right.is_some() => {
                    replaced = true;
                    one |= b == b'1';
                    let upper = left.is_none_or(|c| c.is_ascii_uppercase())
                        && right.is_none_or(|c| c.is_ascii_uppercase());
                    if upper {
                        l.to_ascii_uppercase()
                    } else {
                        l
                    }
                }
                _ => b,
            };
        }
        if !one {
            break;
        }
    }
    match (replaced, one) {
        (false, _) => 0,
        (true, false) => 1,
        (true, true) => 2,
    }
}

/// Character class bits of each byte: upper case 1, lower case 2, digit 4.
static CLASS_BITS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = if c.is_ascii_uppercase() {
            1
        } else if c.is_ascii_lowercase() {
            2
        } else if c.is_ascii_digit() {
            4
        } else {
            0
        };
        b += 1;
    }
    t
};

/// A case-insensitive searcher for placeholder words, for [`has_placeholder_word`].
#[derive(Debug, Clone)]
pub struct PlaceholderFinder {
    words: aho_corasick::AhoCorasick,
    /// The first three bytes of each word, folded by [`trigram`] into a bit set: a value
    /// without one of them holds no word, and nearly every random value has none. None
    /// when a word is shorter than three bytes.
    heads: Option<Box<[u64; 512]>>,
}

/// A case-insensitive searcher for `words` (None when there are none), for
/// [`has_placeholder_word`].
pub fn placeholder_finder(words: &[String]) -> Option<PlaceholderFinder> {
    let words: Vec<&String> = words.iter().filter(|w| !w.is_empty()).collect();
    if words.is_empty() {
        return None;
    }
    let mut heads = Some(Box::new([0u64; 512]));
    for w in &words {
        match (w.as_bytes(), heads.as_mut()) {
            ([a, b, c, ..], Some(h)) => {
                let t = trigram(*a, *b, *c);
                h[t / 64] |= 1 << (t % 64);
            }
            _ => heads = None,
        }
    }
    let searcher = aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .kind(Some(aho_corasick::AhoCorasickKind::DFA))
        .prefilter(false)
        .build(words)
        .ok()?;
    Some(PlaceholderFinder {
        words: searcher,
        heads,
    })
}

/// Three bytes folded to 15 bits, five low bits each: every case variant of a letter
/// lands on the same bits (as do some other bytes, which only costs a full search).
#[inline(always)]
fn trigram(a: u8, b: u8, c: u8) -> usize {
    ((a as usize & 31) << 10) | ((b as usize & 31) << 5) | (c as usize & 31)
}

/// True when one of the finder's words occurs in `value` written as a word: all lower
/// case, all upper case or capitalised (`example`, `EXAMPLE`, `Example`). Random values
/// contain such letter runs only in mixed case (`MoCk`), so they are not taken for
/// placeholders.
pub fn has_placeholder_word(value: &[u8], finder: &PlaceholderFinder) -> bool {
    placeholder_word_in(value, finder, 0)
}

/// [`has_placeholder_word`], counting only words of at least `min_len` bytes.
fn placeholder_word_in(value: &[u8], finder: &PlaceholderFinder, min_len: usize) -> bool {
    if let Some(heads) = &finder.heads {
        let heads: &[u64; 512] = heads;
        // the trigram ending at each byte, rolled along: `trigram(a, b, c)` at `c`
        let mut t = 0usize;
        let mut any = 0u64;
        for (i, &b) in value.iter().enumerate() {
            t = ((t << 5) | (b as usize & 31)) & 0x7FFF;
            if i >= 2 {
                any |= heads[t >> 6] >> (t & 63);
            }
        }
        if any & 1 == 0 {
            return false;
        }
    }
    finder.words.find_overlapping_iter(value).any(|m| {
        if m.len() < min_len {
            return false;
        }
        let mut letters = value[m.range()]
            .iter()
            .copied()
            .filter(u8::is_ascii_alphabetic);
        let head = letters.next();
        let (mut all_lower, mut all_upper, mut rest_lower) = (
            head.is_none_or(|b| b.is_ascii_lowercase()),
            head.is_none_or(|b| b.is_ascii_uppercase()),
            true,
        );
        for b in letters {
            all_lower &= b.is_ascii_lowercase();
            all_upper &= b.is_ascii_uppercase();
            rest_lower &= b.is_ascii_lowercase();
        }
        let capitalised = head.is_some_and(|b| b.is_ascii_uppercase()) && rest_lower;
        all_lower || all_upper || capitalised
    })
}

/// True when `s` repeats with a period of at most a third of its length
/// (`FAKEFAKEFAKE`, `abab...`), allowing a partial last period.
pub fn is_periodic(s: &[u8]) -> bool {
    let n = s.len();
    if n < 6 {
        return false;
    }
    (1..=n / 3).any(|p| (p..n).all(|i| s[i].eq_ignore_ascii_case(&s[i - p])))
}

/// A set of words of two to [`WordSet::MAX_LEN`] ASCII letters, matched without regard to
/// case. Each word is packed into an integer (five bits a letter) and looked up in a
/// sorted list, behind a filter on its first two letters: the check runs on every
/// candidate value, and a random value's pieces rarely pass the filter.
#[derive(Debug, Clone, Default)]
pub struct WordSet {
    packed: Vec<u128>,
    /// Bit `26 * first + second` for the first two letters of each word.
    heads: [u64; 11],
}

impl WordSet {
    pub const MAX_LEN: usize = 24;

    /// The set of `words`; None names the first word that is not 2 to
    /// [`WordSet::MAX_LEN`] ASCII letters.
    pub fn new<'a>(words: impl IntoIterator<Item = &'a str>) -> Result<WordSet, &'a str> {
        let mut set = WordSet::default();
        for w in words {
            let b = w.as_bytes();
            if !(2..=Self::MAX_LEN).contains(&b.len()) || !b.iter().all(u8::is_ascii_alphabetic) {
                return Err(w);
            }
            set.packed.push(Self::pack(b));
            let h = Self::head(b);
            set.heads[h / 64] |= 1 << (h % 64);
        }
        set.packed.sort_unstable();
        set.packed.dedup();
        Ok(set)
    }

    fn head(w: &[u8]) -> usize {
        usize::from((w[0] | 0x20) - b'a') * 26 + usize::from((w[1] | 0x20) - b'a')
    }

    fn pack(w: &[u8]) -> u128 {
        w.iter().fold(0u128, |acc, &b| {
            acc << 5 | u128::from((b | 0x20) - b'a' + 1)
        })
    }

    /// Whether `w` (ASCII letters) is in the set.
    pub fn contains(&self, w: &[u8]) -> bool {
        if !(2..=Self::MAX_LEN).contains(&w.len()) {
            return false;
        }
        let h = Self::head(w);
        self.heads[h / 64] & (1 << (h % 64)) != 0
            && self.packed.binary_search(&Self::pack(w)).is_ok()
    }

    pub fn len(&self) -> usize {
        self.packed.len()
    }

    pub fn is_empty(&self) -> bool {
        self.packed.is_empty()
    }
}

/// True for values that read as a phrase: split into camelCase words (an acronym is one
/// word: `HmacSHA256With` is `Hmac`, `SHA`, `With`; digits only separate), at least two
/// words of three letters or more are in `words` and at least three quarters of the
/// letters are in such words (`ThisIsMySuperSecretKeyForTest1`). Random letters and digits
/// almost never are: none of a million random 30-character values is.
pub fn is_phrase(s: &[u8], words: &WordSet) -> bool {
    let letters = s.iter().filter(|b| b.is_ascii_alphabetic()).count();
    // letters outside listed words that still allow three quarters inside them
    let mut spare = letters / 4;
    let mut long_words = 0;
    let n = s.len();
    let mut i = 0;
    while i < n {
        if !s[i].is_ascii_alphabetic() {
            i += 1;
            continue;
        }
        let start = i;
        let mut j = i;
        if s[i].is_ascii_uppercase() {
            while j < n && s[j].is_ascii_uppercase() {
                j += 1;
            }
            if j < n && s[j].is_ascii_lowercase() {
                if j - i > 1 {
                    j -= 1; // `SHAWith`: the last capital starts the next word
                } else {
                    while j < n && s[j].is_ascii_lowercase() {
                        j += 1;
                    }
                }
            }
        } else {
            while j < n && s[j].is_ascii_lowercase() {
                j += 1;
            }
        }
        let len = j - start;
        let listed = len >= 2 && words.contains(&s[start..j]);
        if listed {
            long_words += usize::from(len >= 3);
        } else if len > spare {
            return false;
        } else {
            spare -= len;
        }
        i = j;
    }
    long_words >= 2
}

/// True for values that read like a camelCase or PascalCase identifier made of words
/// (`accessKeySecretFromEnvironment`): no digits, and case changes only at word starts.
pub fn looks_like_identifier(s: &[u8]) -> bool {
    if s.iter().any(u8::is_ascii_digit) || !s.iter().all(u8::is_ascii_alphabetic) {
        return false;
    }
    // split at each upper-case letter; count words and single-letter words
    let mut words = 0usize;
    let mut short = 0usize;
    let mut len = 0usize;
    for (i, &b) in s.iter().enumerate() {
        if b.is_ascii_uppercase() && i > 0 {
            words += 1;
            if len < 2 {
                short += 1;
            }
            len = 0;
        }
        len += 1;
    }
    words += 1;
    if len < 2 {
        short += 1;
    }
    let avg = s.len() as f64 / words as f64;
    short <= 1 && avg >= 3.5
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_from_the_table_matches_the_formula() {
        let exact = |s: &[u8]| {
            let n = s.len() as f64;
            let mut h = 0.0;
            for b in 0..=255u8 {
                let c = s.iter().filter(|&&x| x == b).count() as f64;
                if c > 0.0 {
                    h -= c / n * (c / n).log2();
                }
            }
            h
        };
        for s in [
            &b"Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e"[..],
            b"aaaaaaaaab",
            b"ab",
            &[7u8; 256],
            &[7u8; 300],
            b"LTAI5tQ8bFz2KcVw9YhN3xRm",
        ] {
            assert!((shannon_entropy(s) - exact(s)).abs() < 1e-6, "{s:?}");
        }
    }

    #[test]
    fn entropy_of_random_and_repeated() {
        assert!(shannon_entropy(b"aaaaaaaa") < 0.01);
        assert!(shannon_entropy(b"Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e") > 4.0);
    }

    #[test]
    fn whole_run_check_agrees_with_the_run() {
        let mut next = crate::detect::test_rng(0x005e_ed0f_70b5);
        let alphabet = b"ab9Z+/=%3D\\xu0 .";
        for _ in 0..20_000 {
            let len = 1 + next() % 40;
            let buf: Vec<u8> = (0..len)
                .map(|_| alphabet[next() % alphabet.len()])
                .collect();
            let start = next() % len;
            let end = start + next() % (len - start + 1);
            for cs in [Charset::Alnum, Charset::Base64, Charset::Any] {
                let want = charset_run(&buf, start, end, cs) == (start, end);
                assert_eq!(
                    is_whole_run(&buf, start, end, cs),
                    want,
                    "{cs:?} {start}..{end} of {:?}",
                    String::from_utf8_lossy(&buf)
                );
            }
        }
    }

    #[test]
    fn run_stops_at_escape() {
        let buf = b"key%3DLTAI5tUu7Vq2Hd8KsPz3WcNe%26";
        let start = 6;
        let (s, e) = charset_run(buf, start, start + 24, Charset::Alnum);
        assert_eq!((s, e), (start, start + 24));
        let buf = b"x\\nLTAIabc";
        assert_eq!(charset_run(buf, 3, 10, Charset::Alnum), (3, 10));
        let buf = b"DELTAIndex";
        assert_eq!(charset_run(buf, 2, 6, Charset::Alnum), (0, 10));
    }

    /// Length of the longest run of one repeated byte.
    fn longest_repeat(s: &[u8]) -> usize {
        let mut best = 0;
        let mut run = 0;
        let mut prev = None;
        for &b in s {
            if Some(b) == prev {
                run += 1;
            } else {
                run = 1;
                prev = Some(b);
            }
            best = best.max(run);
        }
        best
    }

    /// Length of the longest run of consecutive ascending or descending characters
    /// (`abcde`, `12345`, `ZYXW`), compared case-insensitively.
    fn longest_sequence(s: &[u8]) -> usize {
        if s.is_empty() {
            return 0;
        }
        let mut best = 1;
        let mut up = 1;
        let mut down = 1;
        for w in s.windows(2) {
            let (a, b) = (
                w[0].to_ascii_lowercase() as i16,
                w[1].to_ascii_lowercase() as i16,
            );
            up = if b - a == 1 { up + 1 } else { 1 };
            down = if a - b == 1 { down + 1 } else { 1 };
            best = best.max(up).max(down);
        }
        best
    }

    #[test]
    fn one_pass_stats_match_the_plain_definitions() {
        let mut next = super::super::test_rng(0x5eed);
        for _ in 0..3000 {
            let len = next() % 40;
            let v: Vec<u8> = (0..len)
                .map(|_| b"aAbBcC0123zZ\0\xff"[next() % 14])
                .collect();
            let mut counts = [0u32; 256];
            let stats = value_stats(&v, &mut counts);
            assert_eq!(stats.repeat, longest_repeat(&v), "{v:?}");
            assert_eq!(stats.sequence, longest_sequence(&v), "{v:?}");
            let classes = v.iter().any(u8::is_ascii_uppercase) as u8
                | (v.iter().any(u8::is_ascii_lowercase) as u8) << 1
                | (v.iter().any(u8::is_ascii_digit) as u8) << 2;
            assert_eq!(stats.classes, classes, "{v:?}");
            assert_eq!(counts.iter().sum::<u32>() as usize, len);
        }
    }

    #[test]
    fn sequences_and_repeats() {
        assert_eq!(longest_sequence(b"abcdefghijklmnopqrstuvwxyz1234"), 26);
        assert!(longest_sequence(b"Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e") < 3);
        assert_eq!(longest_repeat(b"LTAI0000000000"), 10);
        assert!(is_periodic(b"FAKEFAKEFAKEFAKEFA"));
        assert!(!is_periodic(b"Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e"));
    }

    #[test]
    fn placeholder_words_need_word_case() {
        let words = placeholder_finder(&["mock".to_string(), "example".to_string()]).unwrap();
        assert!(has_placeholder_word(b"LTAI5tMockKey", &words));
        assert!(has_placeholder_word(b"LTAIEXAMPLEKEY", &words));
        assert!(has_placeholder_word(b"myexamplekey", &words));
        assert!(!has_placeholder_word(b"LTAIv1JtcdMoCkcXSUyQBiAX", &words));
    }

    #[test]
    fn placeholder_trigrams_only_skip_values_without_a_word() {
        let words: Vec<String> = ["xxxx", "example", "your", "mock", "a1b", "ple"]
            .iter()
            .map(|w| w.to_string())
            .collect();
        let fast = placeholder_finder(&words).unwrap();
        assert!(fast.heads.is_some());
        let full = PlaceholderFinder {
            heads: None,
            ..fast.clone()
        };
        let mut next = super::super::test_rng(0xC0FF_EE00_1234_5678);
        let pieces = [
            "xxxx", "XXXX", "Xxxx", "xXxx", "example", "EXAMPLE", "Example", "eXample", "your",
            "YOUR", "Your", "mock", "MOCK", "MoCk", "a1b", "A1B", "ple", "PLE", "@", "`", "ab",
        ];
        let alnum = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        let mut with_word = 0;
        for _ in 0..5000 {
            let mut v = Vec::new();
            for _ in 0..next() % 6 {
                if next().is_multiple_of(3) {
                    v.extend_from_slice(pieces[next() % pieces.len()].as_bytes());
                } else {
                    v.extend((0..next() % 8).map(|_| alnum[next() % alnum.len()]));
                }
            }
            let want = has_placeholder_word(&v, &full);
            assert_eq!(
                has_placeholder_word(&v, &fast),
                want,
                "{:?}",
                String::from_utf8_lossy(&v)
            );
            with_word += usize::from(want);
        }
        assert!(with_word > 500, "{with_word} values with a word");
    }

    /// The built-in placeholder-phrases word list, read from the rule file itself (the
    /// rule loader is not this module's to use).
    fn builtin_phrase_words() -> std::sync::Arc<WordSet> {
        let doc: toml::Table = include_str!("../../patterns/alibaba.toml").parse().unwrap();
        let list = doc["wordlist"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["id"].as_str() == Some("placeholder-phrases"))
            .expect("built-in word list");
        let words = list["words"].as_array().unwrap();
        std::sync::Arc::new(WordSet::new(words.iter().map(|w| w.as_str().unwrap())).unwrap())
    }

    #[test]
    fn word_sets_ignore_case_and_refuse_non_words() {
        let w = WordSet::new(["key", "Secret", "zz", "abcdefghijklmnopqrstuvwx"]).unwrap();
        for yes in [
            "key",
            "KEY",
            "Key",
            "secret",
            "SECRET",
            "zz",
            "ABCdefghijklmnopqrstuvwx",
        ] {
            assert!(w.contains(yes.as_bytes()), "{yes}");
        }
        for no in [
            "ke",
            "keys",
            "k",
            "",
            "zy",
            "secrets",
            "abcdefghijklmnopqrstuvwxy",
        ] {
            assert!(!w.contains(no.as_bytes()), "{no}");
        }
        assert_eq!(WordSet::new(["ok", "not ok"]).unwrap_err(), "not ok");
        assert_eq!(WordSet::new(["a"]).unwrap_err(), "a");
        assert_eq!(w.len(), 4);
    }

    #[test]
    fn phrases_are_told_from_random_values() {
        let words = builtin_phrase_words();
        for v in [
            "ThisIsMySuperSecretKeyForTest1",
            "MyAccessKeySecretForUnitTests1",
            "HmacSHA256WithRSAEncryptionAbc",
            "NotARealSecretJustForDemo2024x",
            "ReplaceWithYourOwnSecretValue1",
            "MyOwnAccessKeyId2024",
        ] {
            assert!(is_phrase(v.as_bytes(), &words), "{v}");
        }
        // one listed word, or a quarter of the letters outside listed words, is not enough
        for v in [
            "Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e",
            "SecretVq8Hn2KzP4wX7mRt1YbC9dFs",
            "MyKeyQzwvbnTrplkGhjdfsXcvbnmQw",
        ] {
            assert!(!is_phrase(v.as_bytes(), &words), "{v}");
        }
        // random values of the keys' shapes never read as phrases
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let alnum = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        for i in 0..300_000 {
            let len = [20, 30, 40][i % 3];
            let v: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    alnum[(state % 62) as usize]
                })
                .collect();
            assert!(!is_phrase(&v, &words), "{}", String::from_utf8_lossy(&v));
        }
    }

    #[test]
    fn identifiers() {
        assert!(looks_like_identifier(b"accessKeySecretFromEnvironment"));
        assert!(looks_like_identifier(b"AccessKeySecretFromEnvironment"));
        assert!(!looks_like_identifier(b"VqHnKzPwXmRtYbCdFsLgJeAbCdEfGh"));
        assert!(!looks_like_identifier(b"Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e"));
    }
}

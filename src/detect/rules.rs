//! Rules as data: the TOML schema of `patterns/*.toml`, loading, and validation.
//!
//! The built-in rule files are embedded at build time so the binary works on its own;
//! `--rules FILE` adds more. Every error names the file, the line and the problem.

use std::collections::HashSet;
use std::fmt;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

pub use super::filters::{Charset, FilterSpec};

/// The rule files compiled into the binary, as (name, text).
pub const BUILTIN_RULE_FILES: &[(&str, &str)] = &[(
    "patterns/alibaba.toml",
    include_str!("../../patterns/alibaba.toml"),
)];

/// Largest compiled size a rule's regex may have (guards against `a{1000}{1000}`).
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Largest rule file read; a larger one is an error.
pub const MAX_RULE_FILE: u64 = 1 << 20;

/// What a finding is. The JSON `kind` field uses the snake_case names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    AccessKeyId,
    AccessKeySecret,
    StsAccessKeyId,
    StsAccessKeySecret,
    StsSecurityToken,
    /// A credential of another shape, from a user rule.
    Other,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::AccessKeyId => "access_key_id",
            Kind::AccessKeySecret => "access_key_secret",
            Kind::StsAccessKeyId => "sts_access_key_id",
            Kind::StsAccessKeySecret => "sts_access_key_secret",
            Kind::StsSecurityToken => "sts_security_token",
            Kind::Other => "other",
        }
    }

    /// The kind named by [`Kind::as_str`].
    pub fn parse(s: &str) -> Option<Kind> {
        [
            Kind::AccessKeyId,
            Kind::AccessKeySecret,
            Kind::StsAccessKeyId,
            Kind::StsAccessKeySecret,
            Kind::StsSecurityToken,
            Kind::Other,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// A human label, e.g. "AccessKey secret".
    pub fn label(self) -> &'static str {
        match self {
            Kind::AccessKeyId => "AccessKey ID",
            Kind::AccessKeySecret => "AccessKey secret",
            Kind::StsAccessKeyId => "STS AccessKey ID",
            Kind::StsAccessKeySecret => "STS AccessKey secret",
            Kind::StsSecurityToken => "STS SecurityToken",
            Kind::Other => "credential",
        }
    }

    /// True for the halves of a long-term (permanent) AccessKey pair.
    pub fn is_permanent(self) -> bool {
        matches!(self, Kind::AccessKeyId | Kind::AccessKeySecret)
    }

    /// True for identifiers (the ID half of a pair), false for the secret parts.
    pub fn is_identifier(self) -> bool {
        matches!(self, Kind::AccessKeyId | Kind::StsAccessKeyId)
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s {
            "info" => Severity::Info,
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return None,
        })
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When a candidate becomes a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Require {
    /// The value's shape is distinctive enough on its own.
    #[default]
    None,
    /// The value must be assigned to a name the rule's vocabulary calls strong.
    Name,
    /// The value must sit next to a finding of a partner rule.
    Partner,
    /// Either of the two.
    NameOrPartner,
    /// Both: a strong name (or the argument of a call that names it) and a partner nearby.
    NameAndPartner,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFileSpec {
    #[serde(default)]
    vocabulary: Vec<VocabularySpec>,
    #[serde(default)]
    wordlist: Vec<WordListSpec>,
    #[serde(default)]
    rule: Vec<RuleSpec>,
}

/// Words that classify the name a value is assigned to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct VocabularySpec {
    id: Spanned<String>,
    #[serde(default)]
    description: String,
    /// Tokens that alone make a name a strong (sufficient) secret name, e.g. `sk`.
    #[serde(default)]
    strong_tokens: Vec<String>,
    /// Substrings of the joined lowercase name that make it strong, e.g. `accesskeysecret`.
    #[serde(default)]
    strong_joined: Vec<String>,
    /// Whole joined lowercase names that are weak whatever their tokens say (enough next
    /// to an ID), checked before `deny_tokens`: an SDK's own odd name for the secret
    /// (`secretKeyId`).
    #[serde(default)]
    weak_names: Vec<String>,
    /// A token that becomes strong when combined with one of `qualifier_tokens`.
    #[serde(default)]
    qualified_tokens: Vec<String>,
    #[serde(default)]
    qualifier_tokens: Vec<String>,
    /// Tokens that make a name weak evidence: enough next to a partner, not alone.
    #[serde(default)]
    weak_tokens: Vec<String>,
    /// Tokens that rule a name out, e.g. `request`, `session`, `hash`.
    #[serde(default)]
    deny_tokens: Vec<String>,
    /// Tokens of names for another kind of secret (`appSecret`, `client_secret`,
    /// `password`): a value there counts only next to a partner.
    #[serde(default)]
    foreign_tokens: Vec<String>,
    /// Calls whose argument at `index` (from 0) is the value the vocabulary names: a value
    /// passed there positionally is named by the call (`AcsClient(key_id, "…", region)`).
    /// `arguments` is the same list under a name that fits a vocabulary of IDs.
    #[serde(default, alias = "arguments")]
    secret_arguments: Vec<Spanned<SecretArgumentSpec>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretArgumentSpec {
    call: String,
    index: usize,
}

/// A call whose argument at `index` is an AccessKey secret: the text before the call's
/// `(` ends with `call` (`AcsClient`, `oss2.Auth`, `OSSClientBuilder().build`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretArgument {
    pub call: String,
    pub index: usize,
}

/// Plain words, for filters that read a value as text (see `FilterSpec::phrase_words`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct WordListSpec {
    id: Spanned<String>,
    #[serde(default)]
    description: String,
    words: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    id: Spanned<String>,
    kind: Kind,
    name: String,
    description: String,
    severity: Severity,
    regex: Spanned<String>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    keywords_case_sensitive: bool,
    /// Keywords matched only as written, besides `keywords` (call names: `AcsClient`).
    #[serde(default)]
    keywords_exact: Vec<String>,
    #[serde(default)]
    window: WindowSpec,
    #[serde(default)]
    charset: Charset,
    #[serde(default)]
    filters: FilterSpec,
    /// The checks for a value in strong context, in place of `filters` (see
    /// [`Rule::strong_filters`]).
    #[serde(default)]
    strong_filters: Option<FilterSpec>,
    #[serde(default)]
    context: ContextSpec,
    #[serde(default)]
    redact: RedactSpec,
    #[serde(default)]
    examples: Vec<Example>,
    #[serde(default)]
    negative_examples: Vec<String>,
}

/// A text a rule must find something in: a plain string, or `{ text = "…", value = "…" }`
/// when the value it must find is stated too.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Example {
    Text(String),
    Expect(ExpectedValue),
}

/// An example with the value it must yield.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpectedValue {
    pub text: String,
    pub value: String,
}

impl Example {
    pub fn text(&self) -> &str {
        match self {
            Example::Text(t) => t,
            Example::Expect(e) => &e.text,
        }
    }

    /// The value the rule must find in the text, when stated.
    pub fn value(&self) -> Option<&str> {
        match self {
            Example::Text(_) => None,
            Example::Expect(e) => Some(&e.value),
        }
    }
}

/// Lines around a keyword (or partner) line that are searched for the value.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowSpec {
    #[serde(default)]
    pub lines_before: u32,
    #[serde(default)]
    pub lines_after: u32,
    /// A cap on the window in bytes on each side of the anchor (long minified lines).
    #[serde(default = "default_window_bytes")]
    pub max_bytes: u32,
}

fn default_window_bytes() -> u32 {
    1024
}

impl Default for WindowSpec {
    fn default() -> Self {
        WindowSpec {
            lines_before: 0,
            lines_after: 0,
            max_bytes: default_window_bytes(),
        }
    }
}

/// What evidence around a candidate the rule needs.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ContextSpec {
    #[serde(default)]
    pub require: Require,
    /// The vocabulary used to classify the name a value is assigned to.
    #[serde(default)]
    pub vocabulary: Option<Spanned<String>>,
    /// Rules whose findings this one pairs with (an ID for a secret).
    #[serde(default)]
    pub partners: Vec<Spanned<String>>,
    /// How far from a partner this rule's value may be.
    #[serde(default)]
    pub partner_window: WindowSpec,
    /// How far from a partner a value with a secret-like name (strong or weak in the
    /// vocabulary) may be: a name is evidence of its own, so it may reach further than a
    /// bare value. Defaults to `partner_window`.
    #[serde(default)]
    pub named_partner_window: Option<WindowSpec>,
}

/// How much of a value the redacted form shows.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedactSpec {
    #[serde(default = "four")]
    pub prefix: usize,
    #[serde(default = "four")]
    pub suffix: usize,
}

fn four() -> usize {
    4
}

impl Default for RedactSpec {
    fn default() -> Self {
        RedactSpec {
            prefix: 4,
            suffix: 4,
        }
    }
}

/// A compiled vocabulary.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    pub id: String,
    pub description: String,
    pub strong_tokens: HashSet<String>,
    pub strong_joined: Vec<String>,
    pub weak_names: HashSet<String>,
    pub qualified_tokens: HashSet<String>,
    pub qualifier_tokens: HashSet<String>,
    pub weak_tokens: HashSet<String>,
    pub deny_tokens: HashSet<String>,
    pub foreign_tokens: HashSet<String>,
    pub secret_arguments: Vec<SecretArgument>,
}

/// A compiled rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub kind: Kind,
    pub name: String,
    pub description: String,
    pub severity: Severity,
    pub regex: regex::bytes::Regex,
    pub keywords: Vec<String>,
    pub keywords_case_sensitive: bool,
    /// Keywords matched only as written.
    pub keywords_exact: Vec<String>,
    pub window: WindowSpec,
    pub charset: Charset,
    /// Every match of `regex` lies inside a run of `charset` at least this long: set when
    /// the regex matches bytes of the charset only. A keyword with no such run within its
    /// window's reach opens no window.
    pub run_min: Option<usize>,
    /// The longest match of `regex`, when `run_min` is set and the regex is bounded.
    pub run_max: Option<usize>,
    /// `regex` as a literal prefix and a repeated class, when it has that form: matched
    /// without the regex engine (see [`Shape`]).
    pub shape: Option<Shape>,
    pub filters: FilterSpec,
    /// Looser checks that a value failing `filters` may pass instead when its context is
    /// strong: a strong name or the argument of a call that names it, and (for a rule with
    /// partners) a partner beside it or the call's own shape. A random key fails the
    /// strict checks about once in a few thousand (four equal characters in a row); with
    /// such evidence around it, it is still a key.
    pub strong_filters: Option<FilterSpec>,
    pub require: Require,
    /// Index into [`RuleSet::vocabularies`].
    pub vocabulary: Option<usize>,
    /// Indices into [`RuleSet::rules`].
    pub partners: Vec<usize>,
    pub partner_window: WindowSpec,
    /// See [`ContextSpec::named_partner_window`].
    pub named_partner_window: WindowSpec,
    pub redact: RedactSpec,
    pub examples: Vec<Example>,
    pub negative_examples: Vec<String>,
    /// Where the rule was defined, e.g. `patterns/alibaba.toml:12`.
    pub origin: String,
}

/// The shortest and longest match of `pattern` when every byte it can match is in `cs` (so
/// each match lies inside a run of `cs` at least that long); None otherwise.
fn run_bounds(pattern: &str, cs: Charset) -> (Option<usize>, Option<usize>) {
    use regex_syntax::hir::{Class, Hir, HirKind};
    fn inside(h: &Hir, cs: Charset) -> bool {
        match h.kind() {
            HirKind::Empty | HirKind::Look(_) => true,
            HirKind::Literal(l) => l.0.iter().all(|&b| cs.contains(b)),
            HirKind::Class(Class::Unicode(c)) => c.ranges().iter().all(|r| {
                (r.start() as u32..=r.end() as u32).all(|c| c < 0x80 && cs.contains(c as u8))
            }),
            HirKind::Class(Class::Bytes(c)) => c
                .ranges()
                .iter()
                .all(|r| (r.start()..=r.end()).all(|b| cs.contains(b))),
            HirKind::Repetition(r) => inside(&r.sub, cs),
            HirKind::Capture(c) => inside(&c.sub, cs),
            HirKind::Concat(v) | HirKind::Alternation(v) => v.iter().all(|h| inside(h, cs)),
        }
    }
    if cs == Charset::Any {
        return (None, None);
    }
    let Ok(hir) = regex_syntax::ParserBuilder::new()
        .utf8(false)
        .unicode(false)
        .build()
        .parse(pattern)
    else {
        return (None, None);
    };
    if !inside(&hir, cs) {
        return (None, None);
    }
    match hir.properties().minimum_len().filter(|&n| n > 0) {
        Some(min) => (Some(min), hir.properties().maximum_len()),
        None => (None, None),
    }
}

/// A regex of the form `prefix[class]{min,max}` (a few literal bytes or classes of one
/// byte, then one greedy repetition of a class of ASCII bytes, then at most a short
/// optional tail such as `={0,2}`), such as `LTAI[A-Za-z0-9]{12,20}` or
/// `CA[IE]S[A-Za-z0-9+/]{96,}={0,2}`: the form of nearly every key. Matching it is a
/// prefix comparison and a count of class bytes, which costs far less per candidate than
/// a regex search, and never builds automaton states (a lazy DFA for a long counted
/// repetition, fed a prefix every few bytes, spends its time rebuilding its cache); the
/// results are the regex's own.
#[derive(Debug, Clone)]
pub struct Shape {
    /// The literal bytes the prefix starts with (searched for).
    lead: Vec<u8>,
    finder: Option<memchr::memmem::Finder<'static>>,
    /// The prefix's positions after `lead`, each a class of one byte.
    rest: Vec<[bool; 256]>,
    class: [bool; 256],
    /// Whether `class` holds every byte of the alnum, base64 charset.
    covers: [bool; 2],
    min: usize,
    max: usize,
    /// `tail{0,tail_max}` after the repetition, its class disjoint from `class`.
    tail: Option<([bool; 256], usize)>,
}

/// The ASCII bytes of a one-byte class or literal; None for anything else.
fn byte_class(h: &regex_syntax::hir::Hir) -> Option<[bool; 256]> {
    use regex_syntax::hir::{Class, HirKind};
    let mut class = [false; 256];
    match h.kind() {
        HirKind::Class(Class::Unicode(c)) => {
            for r in c.ranges() {
                if r.end() as u32 >= 0x80 {
                    return None;
                }
                for b in r.start() as u8..=r.end() as u8 {
                    class[b as usize] = true;
                }
            }
        }
        HirKind::Class(Class::Bytes(c)) => {
            for r in c.ranges() {
                if r.end() >= 0x80 {
                    return None;
                }
                for b in r.start()..=r.end() {
                    class[b as usize] = true;
                }
            }
        }
        HirKind::Literal(l) if l.0.len() == 1 && l.0[0] < 0x80 => class[l.0[0] as usize] = true,
        _ => return None,
    }
    Some(class)
}

impl Shape {
    /// The shape of `pattern`, when it has one.
    pub fn of(pattern: &str) -> Option<Shape> {
        use regex_syntax::hir::HirKind;
        // parsed as the `regex` crate parses it (Unicode on), so only what it would match
        let hir = regex_syntax::ParserBuilder::new()
            .utf8(false)
            .build()
            .parse(pattern)
            .ok()?;
        let items: Vec<&regex_syntax::hir::Hir> = match hir.kind() {
            HirKind::Concat(v) => v.iter().collect(),
            _ => vec![&hir],
        };
        // prefix: literals and one-byte classes, up to the first repetition
        let mut lead = Vec::new();
        let mut rest: Vec<[bool; 256]> = Vec::new();
        let mut i = 0;
        while let Some(h) = items.get(i) {
            match h.kind() {
                HirKind::Literal(l) if rest.is_empty() => {
                    if l.0.iter().any(|&b| b >= 0x80) {
                        return None;
                    }
                    lead.extend_from_slice(&l.0);
                }
                HirKind::Literal(l) => {
                    for &b in l.0.iter() {
                        let mut c = [false; 256];
                        c[b as usize] = true;
                        rest.push(c);
                    }
                }
                HirKind::Class(_) => rest.push(byte_class(h)?),
                _ => break,
            }
            i += 1;
        }
        let HirKind::Repetition(rep) = items.get(i)?.kind() else {
            return None;
        };
        if !rep.greedy {
            return None;
        }
        let class = byte_class(&rep.sub)?;
        let min = rep.min as usize;
        let max = rep.max.map_or(usize::MAX, |m| m as usize);
        if lead.is_empty() && (min == 0 || !rest.is_empty()) {
            return None;
        }
        // an optional tail, which never takes a byte the repetition could take
        let tail = match items.get(i + 1).map(|h| h.kind()) {
            None => None,
            Some(HirKind::Repetition(t)) if t.greedy && t.min == 0 => {
                let tc = byte_class(&t.sub)?;
                if (0..256).any(|b| tc[b] && class[b]) {
                    return None;
                }
                Some((tc, t.max? as usize))
            }
            Some(_) => return None,
        };
        if items.len() > i + 1 + usize::from(tail.is_some()) {
            return None;
        }
        let finder = (!lead.is_empty()).then(|| memchr::memmem::Finder::new(&lead).into_owned());
        let covers = [Charset::Alnum, Charset::Base64]
            .map(|cs| (0..=255u8).all(|b| !cs.contains(b) || class[b as usize]));
        Some(Shape {
            lead,
            finder,
            rest,
            class,
            covers,
            min,
            max,
            tail,
        })
    }

    /// Does the prefix match at the start of `hay`? Its length when it does.
    #[inline]
    fn prefix_at(&self, hay: &[u8]) -> Option<usize> {
        let n = self.lead.len() + self.rest.len();
        // compared byte by byte: prefixes are a few bytes, shorter than a call to memcmp
        if hay.len() < n
            || !hay.iter().zip(&self.lead).all(|(a, b)| a == b)
            || !hay[self.lead.len()..n]
                .iter()
                .zip(&self.rest)
                .all(|(&a, c)| c[a as usize])
        {
            return None;
        }
        Some(n)
    }

    /// The end of the match whose prefix ends at `body` (the repetition, then the tail),
    /// when the repetition gets its minimum.
    #[inline]
    fn match_from(&self, hay: &[u8], body: usize) -> Option<usize> {
        let limit = hay.len().min(body.saturating_add(self.max));
        let k = hay[body..limit]
            .iter()
            .position(|&b| !self.class[b as usize])
            .unwrap_or(limit - body);
        if k < self.min {
            return None;
        }
        let mut end = body + k;
        if let Some((tc, tmax)) = &self.tail {
            let limit = hay.len().min(end + tmax);
            end += hay[end..limit]
                .iter()
                .position(|&b| !tc[b as usize])
                .unwrap_or(limit - end);
        }
        Some(end)
    }

    /// The end of the match that starts at `hay[s..]`, if one does.
    #[inline]
    pub fn match_at(&self, hay: &[u8], s: usize) -> Option<usize> {
        self.prefix_at(&hay[s..])
            .and_then(|n| self.match_from(hay, s + n))
    }

    /// Every string the prefix matches (the lead, then one byte of each class after it),
    /// or None when there are more than `limit`.
    pub fn prefixes(&self, limit: usize) -> Option<Vec<Vec<u8>>> {
        let mut out = vec![self.lead.clone()];
        for class in &self.rest {
            let bytes: Vec<u8> = (0..=255u8).filter(|&b| class[b as usize]).collect();
            if out.len().saturating_mul(bytes.len()) > limit {
                return None;
            }
            out = out
                .iter()
                .flat_map(|p| {
                    bytes.iter().map(move |&b| {
                        let mut q = p.clone();
                        q.push(b);
                        q
                    })
                })
                .collect();
        }
        Some(out)
    }

    /// Does the whole of `hay` match (the regex's leftmost match is all of `hay`)?
    pub fn is_whole_match(&self, hay: &[u8]) -> bool {
        self.is_whole_match_of_run(hay, Charset::Any)
    }

    /// [`Shape::is_whole_match`] for `hay` made of bytes of `cs` only: when the class
    /// holds all of `cs`, its bytes need no check.
    pub fn is_whole_match_of_run(&self, hay: &[u8], cs: Charset) -> bool {
        let Some(n) = self.prefix_at(hay) else {
            return false;
        };
        if self.tail.is_none() {
            let rest = &hay[n..];
            return (self.min..=self.max).contains(&rest.len())
                && (self.covers(cs) || rest.iter().all(|&b| self.class[b as usize]));
        }
        self.match_from(hay, n) == Some(hay.len())
    }

    /// Does the class hold every byte of `cs`?
    fn covers(&self, cs: Charset) -> bool {
        match cs {
            Charset::Alnum => self.covers[0],
            Charset::Base64 => self.covers[1],
            Charset::Any => false,
        }
    }

    /// Calls `f(start, end)` for each match in `hay`, as the regex's `find_iter` would
    /// report them (leftmost first, greedy, not overlapping). None when the shape has no
    /// prefix to look for: then the caller uses the regex.
    pub fn find_iter(&self, hay: &[u8], mut f: impl FnMut(usize, usize)) -> Option<()> {
        let finder = self.finder.as_ref()?;
        let mut at = 0;
        while let Some(p) = finder.find(&hay[at..]) {
            let s = at + p;
            match self
                .prefix_at(&hay[s..])
                .and_then(|n| self.match_from(hay, s + n))
            {
                Some(end) => {
                    f(s, end);
                    // an empty match is impossible: the prefix is not empty
                    at = end;
                }
                None => at = s + 1,
            }
        }
        Some(())
    }
}

/// All rules in use, in evaluation order (partners before the rules that need them).
#[derive(Debug, Clone, Default)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    pub vocabularies: Vec<Vocabulary>,
    /// Word lists, for filters (see [`FilterSpec::phrase_words`]).
    pub wordlists: Vec<WordList>,
}

/// A compiled word list: lower-case ASCII words.
#[derive(Debug, Clone)]
pub struct WordList {
    pub id: String,
    pub description: String,
    pub words: std::sync::Arc<super::filters::WordSet>,
}

/// A problem in a rule file: the file, the 1-based line, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for RuleError {}

/// 1-based (line, column) of a byte offset in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn err(&self, span: Option<Range<usize>>, message: impl Into<String>) -> RuleError {
        let (line, column) = span.map_or((1, 1), |s| line_col(self.text, s.start));
        RuleError {
            file: self.file.to_string(),
            line,
            column,
            message: message.into(),
        }
    }
}

impl RuleSet {
    /// The built-in rules.
    pub fn builtin() -> Result<RuleSet, RuleError> {
        let mut set = RuleSet::default();
        for (name, text) in BUILTIN_RULE_FILES {
            set.add_text(name, text)?;
        }
        Ok(set)
    }

    /// Adds the rules of a file on disk.
    pub fn add_file(&mut self, path: &Path) -> Result<(), RuleError> {
        let shown = path.display().to_string();
        let bytes = crate::source::read_bounded(path, MAX_RULE_FILE).map_err(|e| RuleError {
            file: shown.clone(),
            line: 0,
            column: 0,
            message: format!("cannot read rule file: {e}"),
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let (line, column) = line_col(
                &String::from_utf8_lossy(e.as_bytes()),
                e.utf8_error().valid_up_to(),
            );
            RuleError {
                file: shown.clone(),
                line,
                column,
                message: "rule file is not valid UTF-8".into(),
            }
        })?;
        self.add_text(&shown, &text)
    }

    /// Adds the rules of a TOML text; `file` names it in error messages.
    pub fn add_text(&mut self, file: &str, text: &str) -> Result<(), RuleError> {
        let ctx = Ctx { file, text };
        let spec: RuleFileSpec =
            toml::from_str(text).map_err(|e| ctx.err(e.span(), one_line(e.message())))?;
        for v in spec.vocabulary {
            self.add_vocabulary(&ctx, v)?;
        }
        for w in spec.wordlist {
            self.add_wordlist(&ctx, w)?;
        }
        let first_new = self.rules.len();
        let mut pending = Vec::new();
        for r in spec.rule {
            pending.push(self.compile_rule(&ctx, &r)?);
            let compiled = pending.last_mut().expect("just pushed");
            compiled.0.origin = format!("{}:{}", file, line_col(text, r.id.span().start).0);
        }
        // Resolve partner names now that every rule of this file is known.
        let mut all_ids: Vec<String> = self.rules.iter().map(|r| r.id.clone()).collect();
        all_ids.extend(pending.iter().map(|(r, _)| r.id.clone()));
        for (mut rule, partners) in pending {
            for p in partners {
                match all_ids.iter().position(|id| id == p.get_ref()) {
                    Some(i) => rule.partners.push(i),
                    None => {
                        return Err(ctx.err(
                            Some(p.span()),
                            format!("unknown partner rule `{}`", p.get_ref()),
                        ))
                    }
                }
            }
            self.rules.push(rule);
        }
        self.check_partner_order(&ctx, first_new)?;
        Ok(())
    }

    fn check_partner_order(&self, ctx: &Ctx<'_>, first_new: usize) -> Result<(), RuleError> {
        for (i, r) in self.rules.iter().enumerate().skip(first_new) {
            for &p in &r.partners {
                if p >= i {
                    return Err(ctx.err(
                        None,
                        format!(
                            "rule `{}` names partner `{}`, which must be defined before it",
                            r.id, self.rules[p].id
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    fn add_vocabulary(&mut self, ctx: &Ctx<'_>, v: VocabularySpec) -> Result<(), RuleError> {
        if self.vocabularies.iter().any(|x| &x.id == v.id.get_ref()) {
            return Err(ctx.err(
                Some(v.id.span()),
                format!("duplicate vocabulary id `{}`", v.id.get_ref()),
            ));
        }
        let lower = |xs: Vec<String>| -> HashSet<String> {
            xs.into_iter().map(|s| s.to_ascii_lowercase()).collect()
        };
        let mut secret_arguments = Vec::new();
        for a in v.secret_arguments {
            let span = a.span();
            let a = a.into_inner();
            if a.call.trim().is_empty() || a.call.contains(char::is_whitespace) {
                return Err(ctx.err(
                    Some(span),
                    format!(
                        "secret argument call `{}` must be a callee without spaces",
                        a.call
                    ),
                ));
            }
            secret_arguments.push(SecretArgument {
                call: a.call,
                index: a.index,
            });
        }
        self.vocabularies.push(Vocabulary {
            id: v.id.into_inner(),
            description: v.description,
            strong_tokens: lower(v.strong_tokens),
            strong_joined: v
                .strong_joined
                .into_iter()
                .map(|s| s.to_ascii_lowercase())
                .collect(),
            weak_names: lower(v.weak_names),
            qualified_tokens: lower(v.qualified_tokens),
            qualifier_tokens: lower(v.qualifier_tokens),
            weak_tokens: lower(v.weak_tokens),
            deny_tokens: lower(v.deny_tokens),
            foreign_tokens: lower(v.foreign_tokens),
            secret_arguments,
        });
        Ok(())
    }

    fn add_wordlist(&mut self, ctx: &Ctx<'_>, w: WordListSpec) -> Result<(), RuleError> {
        if self.wordlists.iter().any(|x| &x.id == w.id.get_ref()) {
            return Err(ctx.err(
                Some(w.id.span()),
                format!("duplicate word list id `{}`", w.id.get_ref()),
            ));
        }
        let set = super::filters::WordSet::new(w.words.iter().map(|x| x.get_ref().as_str()))
            .map_err(|bad| {
                let span = w
                    .words
                    .iter()
                    .find(|x| x.get_ref() == bad)
                    .map(|x| x.span());
                ctx.err(
                    span,
                    format!(
                        "word list `{}`: `{bad}` is not a word (2 to {} ASCII letters)",
                        w.id.get_ref(),
                        super::filters::WordSet::MAX_LEN
                    ),
                )
            })?;
        self.wordlists.push(WordList {
            id: w.id.into_inner(),
            description: w.description,
            words: std::sync::Arc::new(set),
        });
        Ok(())
    }

    #[allow(clippy::type_complexity)]
    fn compile_rule(
        &self,
        ctx: &Ctx<'_>,
        r: &RuleSpec,
    ) -> Result<(Rule, Vec<Spanned<String>>), RuleError> {
        let id = r.id.get_ref();
        if id.is_empty()
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
        {
            return Err(ctx.err(
                Some(r.id.span()),
                format!("rule id `{id}` must be non-empty and use only letters, digits, `-`, `_` and `.`"),
            ));
        }
        if self.rules.iter().any(|x| &x.id == id) {
            return Err(ctx.err(Some(r.id.span()), format!("duplicate rule id `{id}`")));
        }
        let regex = regex::bytes::RegexBuilder::new(r.regex.get_ref())
            .size_limit(REGEX_SIZE_LIMIT)
            .dfa_size_limit(4 * REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| {
                ctx.err(
                    Some(r.regex.span()),
                    format!("rule `{id}`: invalid regex: {}", one_line(&e.to_string())),
                )
            })?;
        if regex.is_match(b"") {
            return Err(ctx.err(
                Some(r.regex.span()),
                format!("rule `{id}`: regex matches the empty string"),
            ));
        }
        if r.keywords.is_empty() && r.keywords_exact.is_empty() && r.context.partners.is_empty() {
            return Err(ctx.err(
                Some(r.id.span()),
                format!("rule `{id}` needs `keywords` or `context.partners`: they decide where it looks"),
            ));
        }
        if r.keywords
            .iter()
            .chain(&r.keywords_exact)
            .any(|k| k.is_empty())
        {
            return Err(ctx.err(Some(r.id.span()), format!("rule `{id}`: empty keyword")));
        }
        let needs_partner = matches!(
            r.context.require,
            Require::Partner | Require::NameOrPartner | Require::NameAndPartner
        );
        if needs_partner && r.context.partners.is_empty() {
            return Err(ctx.err(
                Some(r.id.span()),
                format!(
                    "rule `{id}`: context.require needs a partner but context.partners is empty"
                ),
            ));
        }
        let needs_vocab = matches!(
            r.context.require,
            Require::Name | Require::NameOrPartner | Require::NameAndPartner
        );
        let vocabulary = match &r.context.vocabulary {
            Some(v) => match self.vocabularies.iter().position(|x| &x.id == v.get_ref()) {
                Some(i) => Some(i),
                None => {
                    return Err(ctx.err(
                        Some(v.span()),
                        format!("rule `{id}`: unknown vocabulary `{}`", v.get_ref()),
                    ))
                }
            },
            None if needs_vocab => {
                return Err(ctx.err(
                    Some(r.id.span()),
                    format!(
                    "rule `{id}`: context.require needs a name but context.vocabulary is not set"
                ),
                ))
            }
            None => None,
        };
        let compile_filters = |spec: &FilterSpec| -> Result<FilterSpec, RuleError> {
            if !(0.0..=8.0).contains(&spec.min_entropy) {
                return Err(ctx.err(
                    Some(r.id.span()),
                    format!("rule `{id}`: filters.min_entropy must be between 0 and 8"),
                ));
            }
            let mut filters = spec.compiled();
            if let Some(list) = &spec.phrase_words {
                match self.wordlists.iter().find(|x| &x.id == list.get_ref()) {
                    Some(w) => filters.phrase_set = Some(w.words.clone()),
                    None => {
                        return Err(ctx.err(
                            Some(list.span()),
                            format!("rule `{id}`: unknown word list `{}`", list.get_ref()),
                        ))
                    }
                }
            }
            Ok(filters)
        };
        let filters = compile_filters(&r.filters)?;
        let strong_filters = match &r.strong_filters {
            Some(spec) => Some(compile_filters(spec)?),
            None => None,
        };
        let (run_min, run_max) = run_bounds(r.regex.get_ref(), r.charset);
        let shape = Shape::of(r.regex.get_ref());
        let rule = Rule {
            id: id.clone(),
            kind: r.kind,
            name: r.name.clone(),
            description: r.description.clone(),
            severity: r.severity,
            regex,
            keywords: r.keywords.clone(),
            keywords_case_sensitive: r.keywords_case_sensitive,
            keywords_exact: r.keywords_exact.clone(),
            window: r.window,
            charset: r.charset,
            run_min,
            run_max,
            shape,
            filters,
            strong_filters,
            require: r.context.require,
            vocabulary,
            partners: Vec::new(),
            partner_window: r.context.partner_window,
            named_partner_window: r
                .context
                .named_partner_window
                .unwrap_or(r.context.partner_window),
            redact: r.redact,
            examples: r.examples.clone(),
            negative_examples: r.negative_examples.clone(),
            origin: String::new(),
        };
        Ok((rule, r.context.partners.clone()))
    }

    /// Removes the rules whose ids are listed (and drops partner links to them).
    pub fn disable(&mut self, ids: &[String]) -> Result<(), String> {
        for id in ids {
            if !self.rules.iter().any(|r| &r.id == id) {
                return Err(format!("cannot disable unknown rule `{id}`"));
            }
        }
        let keep: Vec<bool> = self.rules.iter().map(|r| !ids.contains(&r.id)).collect();
        let mut new_index = vec![usize::MAX; self.rules.len()];
        let mut n = 0;
        for (i, k) in keep.iter().enumerate() {
            if *k {
                new_index[i] = n;
                n += 1;
            }
        }
        let old = std::mem::take(&mut self.rules);
        for (i, mut r) in old.into_iter().enumerate() {
            if !keep[i] {
                continue;
            }
            r.partners = r
                .partners
                .iter()
                .filter_map(|&p| (new_index[p] != usize::MAX).then_some(new_index[p]))
                .collect();
            self.rules.push(r);
        }
        Ok(())
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_match_as_the_regex_does() {
        // shapes are found for the key forms and refused for anything else
        for p in [
            "LTAI[A-Za-z0-9]{12,20}",
            "[A-Za-z0-9]{30}",
            "STS\\.[A-Za-z0-9]{16,32}",
            "ab[0-9]+",
            "CA[IE]S[A-Za-z0-9+/]{96,}={0,2}",
        ] {
            assert!(Shape::of(p).is_some(), "{p}");
        }
        for p in [
            "CA[IE]S[A-Za-z0-9+/]{96,}={1,2}",
            "CA[IE]S[A-Za-z0-9+/=]{96,}={0,2}",
            "[IE]S[A-Za-z0-9+/]{96,}",
            "a[0-9]{2,}?",
            "(?i)ab[0-9]{2}",
            "x\\w{3}",
            "a*",
            "[a-z]{2}x",
        ] {
            assert!(Shape::of(p).is_none(), "{p}");
        }
        // random haystacks over a small alphabet: the same matches as the regex
        let mut next = crate::detect::test_rng(0x9e37_79b9_7f4a_7c15);
        let alphabet = b"LTAIS.a9Z.-_ \n";
        for p in [
            "LTAI[A-Za-z0-9]{3,6}",
            "S\\.[A-Za-z0-9]{2,4}",
            "[A-Za-z0-9]{4}",
            "LT[a9]+",
            "A[.]{0,2}",
            "L[AT]I[a9Z]{2,}\\.{0,2}",
            "S[.a]S[A-Z9]{1,3}[ _]{0,1}",
        ] {
            let shape = Shape::of(p).unwrap();
            let re = regex::bytes::Regex::new(p).unwrap();
            for _ in 0..2000 {
                let len = next() % 40;
                let hay: Vec<u8> = (0..len)
                    .map(|_| alphabet[next() % alphabet.len()])
                    .collect();
                let whole = re
                    .find(&hay)
                    .is_some_and(|m| m.start() == 0 && m.end() == hay.len());
                assert_eq!(
                    shape.is_whole_match(&hay),
                    whole,
                    "{p} on {:?}",
                    String::from_utf8_lossy(&hay)
                );
                if hay.iter().all(|&b| Charset::Alnum.contains(b)) {
                    assert_eq!(shape.is_whole_match_of_run(&hay, Charset::Alnum), whole);
                }
                let mut got = Vec::new();
                if shape.find_iter(&hay, |s, e| got.push((s, e))).is_some() {
                    let want: Vec<_> = re.find_iter(&hay).map(|m| (m.start(), m.end())).collect();
                    assert_eq!(got, want, "{p} on {:?}", String::from_utf8_lossy(&hay));
                }
            }
        }
    }

    #[test]
    fn builtin_rules_load() {
        let set = RuleSet::builtin().unwrap();
        assert!(set.get("alibaba-access-key-id").is_some());
        assert!(set.get("alibaba-access-key-secret").is_some());
        for r in &set.rules {
            for &p in &r.partners {
                assert!(p < set.rules.len());
            }
        }
    }

    #[test]
    fn syntax_error_names_file_and_line() {
        let mut set = RuleSet::default();
        let err = set
            .add_text("my.toml", "[[rule]]\nid = \"x\"\nkind = \n")
            .unwrap_err();
        assert_eq!(err.file, "my.toml");
        assert_eq!(err.line, 3, "{err}");
    }

    #[test]
    fn bad_regex_names_its_line() {
        let text = "[[rule]]\nid = \"x\"\nkind = \"other\"\nname = \"n\"\ndescription = \"d\"\nseverity = \"low\"\nregex = 'ab(c'\nkeywords = [\"ab\"]\n";
        let err = RuleSet::default().add_text("r.toml", text).unwrap_err();
        assert_eq!(err.line, 7, "{err}");
        assert!(err.message.contains("invalid regex"), "{err}");
    }

    #[test]
    fn huge_repetition_is_an_error_not_a_hang() {
        let text = "[[rule]]\nid = \"x\"\nkind = \"other\"\nname = \"n\"\ndescription = \"d\"\nseverity = \"low\"\nregex = '(a{1000}){1000}'\nkeywords = [\"a\"]\n";
        let err = RuleSet::default().add_text("r.toml", text).unwrap_err();
        assert_eq!(err.line, 7, "{err}");
    }

    #[test]
    fn unknown_field_is_an_error() {
        let text = "[[rule]]\nid = \"x\"\nkind = \"other\"\nname = \"n\"\ndescription = \"d\"\nseverity = \"low\"\nregex = 'abc'\nkeywords = [\"ab\"]\ncolour = 1\n";
        let err = RuleSet::default().add_text("r.toml", text).unwrap_err();
        assert!(err.message.contains("colour"), "{err}");
        assert_eq!(err.line, 9, "{err}");
    }

    #[test]
    fn unknown_partner_is_an_error() {
        let text = "[[rule]]\nid = \"x\"\nkind = \"other\"\nname = \"n\"\ndescription = \"d\"\nseverity = \"low\"\nregex = 'abc'\nkeywords = [\"ab\"]\n[rule.context]\nrequire = \"partner\"\npartners = [\"nope\"]\n";
        let err = RuleSet::default().add_text("r.toml", text).unwrap_err();
        assert!(err.message.contains("nope"), "{err}");
        assert_eq!(err.line, 11, "{err}");
    }

    #[test]
    fn secret_argument_problems_name_their_line() {
        let vocab = "[[vocabulary]]\nid = \"v\"\nsecret_arguments = [\n  { call = \"AcsClient\", index = 1 },\n  { call = \"new Foo\", index = 1 },\n]\n";
        let err = RuleSet::default().add_text("v.toml", vocab).unwrap_err();
        assert!(err.message.contains("`new Foo`"), "{err}");
        assert_eq!(err.line, 5, "{err}");
        let missing = "[[vocabulary]]\nid = \"v\"\nsecret_arguments = [{ call = \"AcsClient\" }]\n";
        let err = RuleSet::default().add_text("v.toml", missing).unwrap_err();
        assert!(err.message.contains("index"), "{err}");
        assert_eq!(err.line, 3, "{err}");
        let mut set = RuleSet::default();
        set.add_text(
            "v.toml",
            &vocab.replace("  { call = \"new Foo\", index = 1 },\n", ""),
        )
        .unwrap();
        assert_eq!(set.vocabularies[0].secret_arguments[0].index, 1);
    }

    #[test]
    fn word_list_problems_name_their_line() {
        let rule = "[[rule]]\nid = \"x\"\nkind = \"other\"\nname = \"n\"\ndescription = \"d\"\nseverity = \"low\"\nregex = 'abc'\nkeywords = [\"ab\"]\n[rule.filters]\nphrase_words = \"nope\"\n";
        let err = RuleSet::default().add_text("r.toml", rule).unwrap_err();
        assert!(err.message.contains("unknown word list `nope`"), "{err}");
        assert_eq!(err.line, 10, "{err}");
        let list = "[[wordlist]]\nid = \"w\"\nwords = [\n  \"fine\",\n  \"not a word\",\n]\n";
        let err = RuleSet::default().add_text("w.toml", list).unwrap_err();
        assert!(err.message.contains("`not a word` is not a word"), "{err}");
        assert_eq!(err.line, 5, "{err}");
        let mut set = RuleSet::default();
        let ok = format!(
            "{}{}",
            list.replace("  \"not a word\",\n", ""),
            rule.replace("nope", "w")
        );
        set.add_text("ok.toml", &ok).unwrap();
        assert!(set.rules[0].filters.phrase_set.is_some());
    }
}

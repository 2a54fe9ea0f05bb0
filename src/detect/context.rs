//! What a value is assigned to: the name on its left, in any language's syntax.
//!
//! The extraction is deliberately syntax-agnostic. It walks left from the value over a
//! quote, a wrapper call (`tea.String(`), an assignment operator (`=`, `:`, `=>`, `:=`)
//! or a key-value call (`put("name", `), and reads the name before it. It understands:
//!
//! * assignments and declarations: `sk = "..."`, `String sk = "..."`, `var sk string = "..."`
//! * keys in maps and documents: `"sk": "..."`, `sk: ...`, `'sk' => '...'`, `sk = ...` (INI, HCL)
//! * keyword arguments and setters: `sk="..."`, `.setAccessKeySecret("...")`, `sk: '...'` (Ruby)
//! * XML: `<AccessKeySecret>...</AccessKeySecret>`, `accessKeySecret="..."`,
//!   `<property name="accessKeySecret" value="..."/>`
//! * name/value pairs: `- name: X_SECRET` followed by `value: ...` (Kubernetes, ECS task
//!   definitions), `{"Name": "X", "Value": "..."}`
//! * shell and CLI: `export X=...`, `set X=...`, `$env:X = "..."`, `ENV X ...`, `--flag value`
//!
//! A value with nothing of the kind on its left is positional: an argument of a call, an
//! element of a list or a column of a row.

use super::rules::Vocabulary;

/// How far left of a value the name is looked for.
const MAX_LOOKBACK: usize = 160;

/// The left context of a value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NameContext {
    /// The name the value is assigned to, as written (`ALIYUN_SK`, `setAccessKeySecret`).
    pub name: Option<String>,
}

/// How strongly a name says "this is an AccessKey secret".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum NameClass {
    /// The name rules the value out (`request_id`, `session`, `hash`).
    Deny,
    /// A name for another kind of secret (`appSecret`, `client_secret`, `password`): an
    /// AccessKey secret only when an AccessKey ID pairs with it (`appKey: 'LTAI…'`).
    Foreign,
    /// No name, or a name that says nothing either way.
    Neutral,
    /// A name that fits a secret but also other things (`secret`, `key`).
    Weak,
    /// A name that is evidence on its own (`access_key_secret`, `sk`).
    Strong,
}

#[inline]
fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'$' | b'@')
}

fn is_space(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Words that are types or declaration keywords, never the name itself.
const TYPE_WORDS: &[&str] = &[
    "string",
    "str",
    "var",
    "let",
    "const",
    "val",
    "final",
    "static",
    "private",
    "public",
    "protected",
    "readonly",
    "char",
    "auto",
    "def",
    "local",
    "my",
    "our",
    "export",
    "set",
    "declare",
    "typeset",
    "env",
    "arg",
    "setenv",
    "define",
    "string?",
    "internal",
    "dim",
    "global",
    "mut",
    "&str",
    "constexpr",
    "std.string",
    "std::string",
    "nsstring",
    "text",
    "varchar",
];

/// Wrapper calls that are transparent: `tea.String("...")` is just the string.
const WRAPPERS: &[&str] = &[
    "string",
    "str",
    "tea.string",
    "aws.string",
    "ptr",
    "some",
    "ok",
    "strptr",
    "stringptr",
    "new string",
    "secretstr",
    "secretstring",
    "string.valueof",
    "strings.trimspace",
    "b",
    "u",
    "bytes",
    "encode",
    "text",
    "literal",
    "lit",
    "sensitive",
    "nonsensitive",
    "secret",
    "q",
    "tostring",
    "to_string",
    "into",
    "from",
    "from_str",
    "owned",
    "to_owned",
    "as_str",
    "string.from",
    "std::string",
    "environment.expandenvironmentvariables",
];

/// Finds the name a value starting at `value_start` is assigned to.
///
/// `line_start` is the start of the value's line; the lines above it are read for
/// name/value pairs that span lines (`- name: X` then `value: ...`).
pub fn name_of(buf: &[u8], line_start: usize, value_start: usize) -> NameContext {
    let lo = line_start.max(value_start.saturating_sub(MAX_LOOKBACK));
    let line = &buf[lo..value_start];
    let mut i = line.len();

    // 1. the string's opening: quotes (also escaped ones, as in JSON-in-JSON) and a
    //    one-letter string prefix (r"", b'', f"", @"", L"").
    let mut quoted = false;
    while i > 0 && matches!(line[i - 1], b'"' | b'\'' | b'`') {
        i -= 1;
        quoted = true;
        if i > 0 && line[i - 1] == b'\\' {
            i -= 1;
        }
    }
    if quoted
        && i > 0
        && matches!(
            line[i - 1],
            b'r' | b'b' | b'f' | b'u' | b'R' | b'B' | b'F' | b'U' | b'@' | b'L' | b'$'
        )
        && (i == 1 || !is_ident(line[i - 2]))
    {
        i -= 1;
    }
    let after_quote = i;
    while i > 0 && is_space(line[i - 1]) {
        i -= 1;
    }
    let mut spaced = i < after_quote;
    if i == 0 {
        if lo == line_start {
            return continued_assignment(buf, line_start);
        }
        return NameContext::default();
    }

    // 1b. a fallback default: `NAME = process.env.X || "value"`, `os.getenv("X") or
    //     "value"`, `x ?? "value"`, `x ?: "value"`, `${X:-value}`. The value is the
    //     assignment's, so the name is its target (or the variable of a shell default).
    if let Some(at) = fallback_target(line, i) {
        match at {
            Fallback::Assigned(k) => {
                i = k;
                spaced = false;
            }
            Fallback::Shell(colon) => {
                let (ident, _) = ident_before(line, colon);
                return match ident.is_empty() {
                    true => NameContext::default(),
                    false => named(ident),
                };
            }
        }
    }

    // 2. a call: `name(` may be a setter, a transparent wrapper, or a positional call.
    if line[i - 1] == b'(' {
        let (ident, start) = ident_before(line, i - 1);
        if ident.is_empty() {
            return NameContext::default();
        }
        let last = last_segment(ident);
        let lower = String::from_utf8_lossy(ident).to_ascii_lowercase();
        let last_lower = String::from_utf8_lossy(last).to_ascii_lowercase();
        if WRAPPERS.contains(&lower.as_str()) || WRAPPERS.contains(&last_lower.as_str()) {
            i = start;
            while i > 0 && is_space(line[i - 1]) {
                i -= 1;
            }
            if i > 0 && line[i - 1] == b'(' {
                // wrapper inside a positional call: `Foo(String("..."))`
                return NameContext::default();
            }
        } else {
            // `setAccessKeySecret("...")` or `withSk("...")` names the value;
            // `AcsClient("...")` is a positional call: the call is not a name.
            return NameContext {
                name: setter_name(last).map(|s| String::from_utf8_lossy(s).into_owned()),
            };
        }
    }
    if i == 0 {
        return NameContext::default();
    }

    // 3. a key-value call or tuple: `put("name", "value")`, `("name", "value")`.
    if line[i - 1] == b',' {
        let mut j = i - 1;
        while j > 0 && is_space(line[j - 1]) {
            j -= 1;
        }
        if j > 0 && matches!(line[j - 1], b'"' | b'\'') {
            let q = line[j - 1];
            let end = j - 1;
            if let Some(open) = line[..end].iter().rposition(|&b| b == q) {
                let s = &line[open + 1..end];
                if !s.is_empty()
                    && s.iter().all(|&b| is_ident(b) || b == b':')
                    && !looks_like_value(s)
                {
                    return named(s);
                }
            }
        }
        return NameContext::default();
    }

    // 4. an XML element: `<AccessKeySecret>value`.
    if line[i - 1] == b'>' && !(i >= 2 && matches!(line[i - 2], b'=' | b'-')) {
        let gt = i - 1;
        if let Some(lt) = line[..gt].iter().rposition(|&b| b == b'<') {
            let tag = &line[lt + 1..gt];
            let end = tag
                .iter()
                .position(|&b| !(is_ident(b) || b == b':'))
                .unwrap_or(tag.len());
            if end > 0 && tag[0] != b'/' {
                return named(&tag[..end]);
            }
        }
        return NameContext::default();
    }

    // 4b. a Markdown table cell: `| AccessKeySecret | value |` is named by the cell before.
    if line[i - 1] == b'|' && !(i >= 2 && line[i - 2] == b'|') {
        return match table_cell_before(line, i - 1) {
            Some(cell) => named(cell),
            None => NameContext::default(),
        };
    }

    // 5. an assignment operator.
    let op_len = operator_len(&line[..i]);
    let colon = op_len > 0 && (line[..i].ends_with(b":") || line[..i].ends_with(FULL_COLON));
    if op_len > 0 {
        i -= op_len;
    } else if !(spaced && is_ident(line[i - 1])) {
        // neither an operator nor `NAME value`: positional (list element, argument, cell)
        return NameContext::default();
    }
    while i > 0 && is_space(line[i - 1]) {
        i -= 1;
    }
    // closing quotes and brackets of the key: `"sk":`, `['sk'] =`, `[:sk] =`, and
    // Markdown emphasis: `**AccessKeySecret**:`
    while i > 0 && matches!(line[i - 1], b'"' | b'\'' | b']' | b'`' | b'*') {
        i -= 1;
    }
    let (mut ident, mut start) = ident_before(line, i);
    // a label of a few words on a line of its own: `AccessKey Secret: value`,
    // `- Access Key Secret: value` (a list item in a document)
    if colon && lo == line_start {
        if let Some(label) = label_before(line, start, i) {
            return named(label);
        }
    }
    // skip type words: `var sk string =`, `const sk: string =`
    let mut guard = 0;
    while guard < 3 && is_type_word(ident) {
        guard += 1;
        let mut j = start;
        while j > 0 && (is_space(line[j - 1]) || line[j - 1] == b':') {
            j -= 1;
        }
        let (prev, pstart) = ident_before(line, j);
        if prev.is_empty() {
            break;
        }
        ident = prev;
        start = pstart;
    }
    if ident.is_empty() {
        return NameContext::default();
    }
    let trimmed = trim_name(ident);
    if is_generic_name(trimmed) {
        // `name="X" value="..."` on this line, or `name: X` on the previous line
        let from = line_start.max(value_start.saturating_sub(MAX_LOOKBACK * 4));
        if let Some(n) = sibling_name(&buf[from..value_start]) {
            return named(n);
        }
        // the nearest of the previous few lines that names it: `- name: X` (Kubernetes),
        // `variable "x" {` (Terraform); a line that closes a block ends the search, and
        // a value that opens a list item (`- value: …`) has no business above it
        let own_line_end =
            memchr::memchr(b'\n', &buf[value_start..]).map_or(buf.len(), |p| value_start + p);
        let item = opens_list_item(&buf[line_start..own_line_end]);
        let mut ls = if item { 0 } else { line_start };
        for _ in 0..3 {
            if ls == 0 {
                break;
            }
            let pe = ls - 1;
            // bounded like the value's own line: a long line above costs no more
            let floor = pe.saturating_sub(MAX_LOOKBACK * 4);
            let ps = memchr::memrchr(b'\n', &buf[floor..pe]).map_or(floor, |p| floor + p + 1);
            let prev = &buf[ps..pe];
            if let Some(n) = sibling_name(prev).or_else(|| block_name(prev)) {
                return named(n);
            }
            let t = prev.trim_ascii_end();
            if t.ends_with(b"}") || t.ends_with(b"]") || t.ends_with(b"},") {
                break;
            }
            ls = ps;
        }
        // named after the value: `{"Value": "…", "Key": "AccessKeySecret"}`,
        // `SET value = '…' WHERE name = 'access_key_secret'`, or the next line of the
        // same list item (`- value: …` then `  name: X`)
        let mut e = value_start;
        while e < own_line_end && buf[e].is_ascii_alphanumeric() {
            e += 1;
        }
        let to = own_line_end.min(e + MAX_LOOKBACK * 4);
        if let Some(n) = sibling_name(&buf[e..to]) {
            return named(n);
        }
        if own_line_end < buf.len() {
            let ns = own_line_end + 1;
            let ne = memchr::memchr(b'\n', &buf[ns..]).map_or(buf.len(), |p| ns + p);
            let next = &buf[ns..ne.min(ns + MAX_LOOKBACK * 4)];
            if !opens_list_item(next) {
                if let Some(n) = sibling_name(next) {
                    return named(n);
                }
            }
        }
    }
    named(trimmed)
}

/// A quoted string that is a value, not a name: a credential-shaped prefix, or a long
/// random-looking mix of upper case, lower case and digits (`LTAI5t...`, `cn-hangzhou` is a
/// name-like value and passes).
fn looks_like_value(s: &[u8]) -> bool {
    if s.starts_with(b"LTAI") || s.starts_with(b"STS.") || s.starts_with(b"CAIS") {
        return true;
    }
    let class = |b: u8| match b {
        b'A'..=b'Z' => 1,
        b'a'..=b'z' => 2,
        b'0'..=b'9' => 3,
        _ => 0,
    };
    let upper = s.iter().any(u8::is_ascii_uppercase);
    let lower = s.iter().any(u8::is_ascii_lowercase);
    let digit = s.iter().any(u8::is_ascii_digit);
    if s.len() < 12 || !(upper && lower && digit) {
        return false;
    }
    // random text changes character class often; camelCase names rarely do
    let changes = s.windows(2).filter(|w| class(w[0]) != class(w[1])).count();
    changes * 10 > s.len() * 3
}

fn named(s: &[u8]) -> NameContext {
    if looks_like_value(s) {
        return NameContext::default();
    }
    NameContext {
        name: Some(String::from_utf8_lossy(s).into_owned()),
    }
}

/// The identifier that ends at `end` (exclusive) and its start.
fn ident_before(line: &[u8], end: usize) -> (&[u8], usize) {
    let mut s = end;
    while s > 0
        && (is_ident(line[s - 1])
            || (line[s - 1] == b':' && s >= 2 && is_ident(line[s - 2]) && s < end))
    {
        s -= 1;
    }
    // `::` paths and `->` arrows inside a callee
    (&line[s..end], s)
}

fn last_segment(ident: &[u8]) -> &[u8] {
    let cut = ident
        .iter()
        .rposition(|&b| b == b'.' || b == b':' || b == b'>')
        .map_or(0, |p| p + 1);
    &ident[cut..]
}

/// `setAccessKeySecret` -> `AccessKeySecret`; `withSk` -> `Sk`; `accessKeySecret` (a builder
/// method) -> itself. Returns None for callees that are not names (`AcsClient`, `Auth`).
fn setter_name(callee: &[u8]) -> Option<&[u8]> {
    for p in [&b"set"[..], b"with", b"Set", b"With", b"set_", b"with_"] {
        if callee.len() > p.len() && callee.starts_with(p) {
            let rest = &callee[p.len()..];
            if p.ends_with(b"_") || rest[0].is_ascii_uppercase() {
                return Some(rest);
            }
        }
    }
    // A builder method named like a credential field (`.accessKeySecret("...")`) names the
    // value; any other callee is a positional call. Classification decides later, so pass
    // lower-case-initial callees through and treat capitalised ones (constructors) as calls.
    if callee.first().is_some_and(u8::is_ascii_lowercase) && callee.len() > 1 {
        return Some(callee);
    }
    None
}

fn is_type_word(ident: &[u8]) -> bool {
    let s = String::from_utf8_lossy(ident).to_ascii_lowercase();
    TYPE_WORDS.contains(&s.as_str())
}

/// The name of a value alone on its line when the line above ends an assignment that the
/// value completes: `access_key_secret = (` or `= \\` in Python, `secret_key =` or
/// `secret:` with the value below.
fn continued_assignment(buf: &[u8], line_start: usize) -> NameContext {
    if line_start == 0 {
        return NameContext::default();
    }
    let pe = line_start - 1;
    let floor = pe.saturating_sub(MAX_LOOKBACK);
    let ps = memchr::memrchr(b'\n', &buf[floor..pe]).map_or(floor, |p| floor + p + 1);
    let mut k = buf[ps..pe].trim_ascii_end().len() + ps;
    if k > ps && matches!(buf[k - 1], b'(' | b'\\') {
        k = buf[ps..k - 1].trim_ascii_end().len() + ps;
    }
    if k == ps || operator_len(&buf[ps..k]) == 0 {
        return NameContext::default();
    }
    // the line above, read as if the value came right after its operator
    name_of(buf, ps, k)
}

/// Where the name of a fallback default is (see [`name_of`]).
enum Fallback {
    /// Right after the assignment operator whose target it is.
    Assigned(usize),
    /// At the `:` of a shell `${NAME:-value}`.
    Shell(usize),
}

/// When `line[..end]` ends with a fallback operator (`||`, `??`, `?:`, `or`, `:-`), where
/// its name is: the assignment left of the expression, found by walking back over it
/// (brackets and strings skipped) to an `=` or `:` outside them. None when there is no
/// fallback, or no assignment (`f(x || "v")`).
fn fallback_target(line: &[u8], end: usize) -> Option<Fallback> {
    let s = &line[..end];
    let op = if s.ends_with(b"||") || s.ends_with(b"??") || s.ends_with(b"?:") {
        2
    } else if s.ends_with(b":-") {
        return Some(Fallback::Shell(end - 2));
    } else if s.ends_with(b" or") {
        3
    } else {
        return None;
    };
    let mut depth = 0usize;
    let mut j = end - op;
    while j > 0 {
        j -= 1;
        match line[j] {
            b')' | b']' | b'}' => depth += 1,
            b'(' | b'[' | b'{' => {
                if depth == 0 {
                    return None; // inside a call or literal: an argument's fallback
                }
                depth -= 1;
            }
            q @ (b'"' | b'\'' | b'`') => {
                // skip the string back to its opening quote
                j = memchr::memrchr(q, &line[..j])?;
            }
            b'=' | b':' if depth == 0 => {
                let prev = j.checked_sub(1).map(|p| line[p]);
                let next = line.get(j + 1).copied();
                let comparison = line[j] == b'='
                    && (matches!(prev, Some(b'=' | b'!' | b'<' | b'>'))
                        || matches!(next, Some(b'=' | b'>')));
                if comparison
                    || (line[j] == b':' && matches!(next, Some(b':')))
                    || (line[j] == b':' && prev == Some(b':'))
                {
                    continue;
                }
                return Some(Fallback::Assigned(j + 1));
            }
            _ => {}
        }
    }
    None
}

/// The length of the assignment operator that ends `s` (after trailing spaces), or 0.
/// The full-width colon of Chinese and Japanese text (`密钥：value`).
const FULL_COLON: &[u8] = "\u{FF1A}".as_bytes();

fn operator_len(s: &[u8]) -> usize {
    let ops: [&[u8]; 10] = [
        b"||=", b"??=", b"=>", b":=", b"?=", b"+=", b"::", b"=", b":", FULL_COLON,
    ];
    for op in ops {
        if s.ends_with(op) {
            // `==` is a comparison; a hard-coded value in one is still a value: allow it.
            return op.len();
        }
    }
    0
}

/// The words of a label that ends with the identifier at `start..end`: two or three words
/// (`AccessKey Secret`, `Access Key Secret`) that are all the line holds before them, but
/// for list markers, headings, quotes and emphasis. None for one word or for prose
/// (`the secret is:`).
fn label_before(line: &[u8], start: usize, end: usize) -> Option<&[u8]> {
    let mut j = start;
    let mut words = 1;
    while words < 3 && j >= 2 && line[j - 1] == b' ' && line[j - 2].is_ascii_alphanumeric() {
        let (w, ws) = ident_before(line, j - 1);
        if w.is_empty() || !w.iter().all(u8::is_ascii_alphanumeric) {
            break;
        }
        j = ws;
        words += 1;
    }
    let decoration = |b: &u8| {
        matches!(b, b' ' | b'\t' | b'-' | b'*' | b'#' | b'>' | b'.' | b')') || b.is_ascii_digit()
    };
    (words > 1 && line[..j].iter().all(decoration)).then_some(&line[j..end])
}

/// The text of the Markdown table cell that ends at the `|` at `bar`, without its spaces,
/// code quotes and emphasis, when it is one to three words: `| AccessKeySecret |`.
fn table_cell_before(line: &[u8], bar: usize) -> Option<&[u8]> {
    let open = line[..bar].iter().rposition(|&b| b == b'|')?;
    let junk = |b: &u8| matches!(b, b' ' | b'\t' | b'`' | b'*');
    let cell = &line[open + 1..bar];
    let from = cell.iter().position(|b| !junk(b))?;
    let to = cell.iter().rposition(|b| !junk(b))? + 1;
    let cell = &cell[from..to];
    let words = cell.split(|&b| b == b' ').collect::<Vec<_>>();
    let ok = words.len() <= 3
        && words
            .iter()
            .all(|w| !w.is_empty() && w.iter().all(|&b| is_ident(b) && b != b'$' && b != b'@'));
    ok.then_some(cell)
}

/// Strips decoration around a name: leading `$`, `@`, `-`, `:`, and `env:`-style prefixes.
fn trim_name(ident: &[u8]) -> &[u8] {
    let mut s = ident;
    while let Some((&b, rest)) = s.split_first() {
        if matches!(b, b'$' | b'@' | b'-' | b':' | b'.') {
            s = rest;
        } else {
            break;
        }
    }
    while let Some((&b, rest)) = s.split_last() {
        if matches!(b, b'.' | b'-' | b':') {
            s = rest;
        } else {
            break;
        }
    }
    s
}

/// Names that only say "the value of the thing named elsewhere": `value`, `default`,
/// `ParameterValue`, `setting_value`.
pub(crate) fn is_generic_name(name: &[u8]) -> bool {
    // `content`: `<meta name="…" content="…">`
    if [&b"value"[..], b"val", b"default", b"content"]
        .iter()
        .any(|g| name.eq_ignore_ascii_case(g))
    {
        return true;
    }
    // lower case, without `_` and `-`, on the stack: longer than any prefix + `value`
    // cannot match
    let mut lower = [0u8; 24];
    let mut n = 0;
    for &b in name.iter().filter(|&&b| b != b'_' && b != b'-') {
        if n == lower.len() {
            return false;
        }
        lower[n] = b.to_ascii_lowercase();
        n += 1;
    }
    lower[..n]
        .strip_suffix(b"value")
        .is_some_and(|head| FIELD_PREFIXES.contains(&head))
}

/// What may come before `value` in a generic value's name, or before `name`/`key` in the
/// name of the field that names it: `ParameterKey`/`ParameterValue` (ROS and CloudFormation
/// parameters), `settingName`/`settingValue`, `env_name`/`env_value`.
const FIELD_PREFIXES: &[&[u8]] = &[
    b"default",
    b"parameter",
    b"param",
    b"setting",
    b"property",
    b"prop",
    b"option",
    b"field",
    b"attribute",
    b"attr",
    b"item",
    b"entry",
    b"env",
    b"var",
    b"variable",
    b"config",
    b"secret",
];

/// Whether `line` opens a YAML list item (`- name: x`).
fn opens_list_item(line: &[u8]) -> bool {
    line.trim_ascii_start().starts_with(b"- ")
}

/// The name a block opens with on a line like `variable "secret_key" {` or `secret_key:`.
fn block_name(line: &[u8]) -> Option<&[u8]> {
    let mut end = line.len();
    while end > 0 && matches!(line[end - 1], b' ' | b'\t' | b'\r') {
        end -= 1;
    }
    if end == 0 || !matches!(line[end - 1], b'{' | b':') {
        return None;
    }
    end -= 1;
    while end > 0 && matches!(line[end - 1], b' ' | b'\t' | b'"' | b'\'') {
        end -= 1;
    }
    let mut start = end;
    while start > 0 && is_ident(line[start - 1]) {
        start -= 1;
    }
    (start < end).then(|| &line[start..end])
}

/// In `text`, the value of the last `name`/`key` field: `name="X"`, `"Name": "X"`,
/// `- name: X`, `key="X"`.
fn sibling_name(text: &[u8]) -> Option<&[u8]> {
    let lower = text.to_ascii_lowercase();
    let mut best: Option<&[u8]> = None;
    for key in [&b"name"[..], b"key"] {
        let mut from = 0;
        while let Some(p) = memchr::memmem::find(&lower[from..], key) {
            let at = from + p;
            from = at + key.len();
            if at > 0 && lower[at - 1].is_ascii_alphanumeric() {
                // `ParameterKey`, `settingName`: a field prefix glued to it
                let mut s = at;
                while s > 0 && (lower[s - 1].is_ascii_alphanumeric() || lower[s - 1] == b'_') {
                    s -= 1;
                }
                let head: Vec<u8> = lower[s..at]
                    .iter()
                    .copied()
                    .filter(|&b| b != b'_')
                    .collect();
                if !FIELD_PREFIXES.contains(&head.as_slice()) {
                    continue;
                }
            }
            let mut j = at + key.len();
            while j < text.len() && matches!(text[j], b'"' | b'\'') {
                j += 1;
            }
            while j < text.len() && is_space(text[j]) {
                j += 1;
            }
            if j >= text.len() || !matches!(text[j], b'=' | b':') {
                continue;
            }
            j += 1;
            while j < text.len() && (is_space(text[j]) || matches!(text[j], b'"' | b'\'')) {
                j += 1;
            }
            let s = j;
            while j < text.len() && (is_ident(text[j]) || text[j] == b':') {
                j += 1;
            }
            if j > s {
                best = Some(&text[s..j]);
            }
        }
    }
    best
}

/// Splits a name into lower-case word tokens: `ALIBABA_CLOUD_ACCESS_KEY_SECRET`,
/// `accessKeySecret`, `OSSAccessKeyId`, `aliyun.oss.access-key-secret`.
pub fn tokenize(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        if part.is_empty() {
            continue;
        }
        let b = part.as_bytes();
        let mut start = 0;
        for i in 1..b.len() {
            let (p, c) = (b[i - 1], b[i]);
            let next_lower = b.get(i + 1).is_some_and(u8::is_ascii_lowercase);
            let boundary = (c.is_ascii_uppercase()
                && (p.is_ascii_lowercase() || p.is_ascii_digit()))
                || (c.is_ascii_uppercase() && p.is_ascii_uppercase() && next_lower);
            if boundary {
                out.push(part[start..i].to_ascii_lowercase());
                start = i;
            }
        }
        out.push(part[start..].to_ascii_lowercase());
    }
    // setters and getters: `setAccessKeySecret`
    if out.len() > 1 && matches!(out[0].as_str(), "set" | "with" | "get") {
        out.remove(0);
    }
    out
}

/// Whether the value at `value_start` is passed positionally as the secret argument of
/// one of `calls`: the enclosing call's `(` is found by walking back over balanced brackets
/// and quoted strings (at most [`MAX_LOOKBACK`] * 2 bytes, across lines), counting the
/// commas before the value; a `;` or an opening `[`/`{` first means no call.
pub fn is_secret_argument(
    buf: &[u8],
    value_start: usize,
    calls: &[crate::detect::rules::SecretArgument],
) -> bool {
    if calls.is_empty() {
        return false;
    }
    let floor = value_start.saturating_sub(MAX_LOOKBACK * 2);
    // no `(` within reach: no call (a SIMD search, before the byte-by-byte walk)
    if memchr::memrchr(b'(', &buf[floor..value_start]).is_none() {
        return false;
    }
    let mut i = value_start;
    // the value's own opening quote
    while i > floor && matches!(buf[i - 1], b'"' | b'\'' | b'`') {
        i -= 1;
    }
    let mut depth = 0usize;
    let mut commas = 0usize;
    let paren = loop {
        if i <= floor {
            return false;
        }
        i -= 1;
        match buf[i] {
            b')' | b']' | b'}' => depth += 1,
            b'(' | b'[' | b'{' if depth > 0 => depth -= 1,
            b'(' => break i,
            b'[' | b'{' | b';' => return false,
            b',' if depth == 0 => commas += 1,
            q @ (b'"' | b'\'' | b'`') => {
                // skip the string back to its opening quote, on this line
                match buf[floor..i].iter().rposition(|&b| b == q || b == b'\n') {
                    Some(o) if buf[floor + o] == q => i = floor + o,
                    _ => return false,
                }
            }
            _ => {}
        }
    };
    let callee = buf[floor..paren].trim_ascii_end();
    calls.iter().any(|c| {
        c.index == commas
            && callee.ends_with(c.call.as_bytes())
            && callee[..callee.len() - c.call.len()]
                .last()
                .is_none_or(|&b| !(b.is_ascii_alphanumeric() || b == b'_'))
    })
}

/// Classifies a name with a vocabulary.
pub fn classify(name: Option<&str>, vocab: &Vocabulary) -> NameClass {
    let Some(name) = name else {
        return NameClass::Neutral;
    };
    let tokens = tokenize(name);
    if tokens.is_empty() {
        return NameClass::Neutral;
    }
    if !vocab.weak_names.is_empty() && vocab.weak_names.contains(&tokens.concat()) {
        return NameClass::Weak;
    }
    if tokens.iter().any(|t| vocab.deny_tokens.contains(t)) {
        return NameClass::Deny;
    }
    if tokens.iter().any(|t| vocab.foreign_tokens.contains(t)) {
        return NameClass::Foreign;
    }
    if tokens.iter().any(|t| vocab.strong_tokens.contains(t)) {
        return NameClass::Strong;
    }
    let joined: String = tokens.concat();
    if vocab
        .strong_joined
        .iter()
        .any(|s| joined.contains(s.as_str()))
    {
        return NameClass::Strong;
    }
    let qualified = tokens.iter().any(|t| vocab.qualified_tokens.contains(t));
    let qualifier = tokens.iter().any(|t| vocab.qualifier_tokens.contains(t));
    if qualified && qualifier && tokens.len() > 1 {
        return NameClass::Strong;
    }
    if tokens.iter().any(|t| vocab.weak_tokens.contains(t)) {
        return NameClass::Weak;
    }
    NameClass::Neutral
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(line: &str) -> Option<String> {
        let v = line.find("VALUE").expect("marker");
        name_of(line.as_bytes(), 0, v).name
    }

    #[test]
    fn generic_names() {
        for n in [
            "value",
            "Val",
            "DEFAULT",
            "content",
            "ParameterValue",
            "setting_value",
        ] {
            assert!(is_generic_name(n.as_bytes()), "{n}");
        }
        for p in FIELD_PREFIXES {
            let n = format!("{}_Value", String::from_utf8_lossy(p));
            assert!(is_generic_name(n.as_bytes()), "{n}");
        }
        for n in [
            "secretKey",
            "myParameterValue",
            "x_value",
            "",
            "value_of_something_long",
        ] {
            assert!(!is_generic_name(n.as_bytes()), "{n}");
        }
    }

    #[test]
    fn secret_arguments_of_sdk_calls() {
        use crate::detect::rules::SecretArgument;
        let calls = [
            SecretArgument {
                call: "AcsClient".into(),
                index: 1,
            },
            SecretArgument {
                call: "oss.New".into(),
                index: 2,
            },
            SecretArgument {
                call: "OSSClientBuilder().build".into(),
                index: 2,
            },
        ];
        let arg = |text: &str| {
            let v = text.find("VALUE").expect("marker");
            is_secret_argument(text.as_bytes(), v, &calls)
        };
        assert!(arg(
            "c = AcsClient(get_key_id(), \"VALUE\", \"cn-hangzhou\")"
        ));
        assert!(arg("c = AcsClient(os.environ[\"A,B\"], 'VALUE', region)"));
        assert!(arg("c = AcsClient(f(a, (b, c)), VALUE)"));
        assert!(arg(
            "c, err := oss.New(endpoint,\n\t// the id\n\tkeyID(),\n\t\"VALUE\")"
        ));
        assert!(arg(
            "new OSSClientBuilder().build(endpoint, accessKeyId, \"VALUE\");"
        ));
        // the ID's place, another call, a longer name, a list, a finished statement
        assert!(!arg("c = AcsClient(\"VALUE\", secret, region)"));
        assert!(!arg("c = AcsClient(a, b, \"VALUE\")"));
        assert!(!arg("c = MyAcsClient(a, \"VALUE\")"));
        assert!(!arg("c = AcsClient(a, [\"VALUE\"])"));
        assert!(!arg("x = AcsClient(a, b); y = f(a, \"VALUE\")"));
        assert!(!arg("VALUE"));
    }

    #[test]
    fn document_labels_and_tables() {
        let n = |line: &str| name(line);
        assert_eq!(
            n("1. AccessKey Secret: VALUE").as_deref(),
            Some("AccessKey Secret")
        );
        assert_eq!(
            n("- Access Key Secret: `VALUE`").as_deref(),
            Some("Access Key Secret")
        );
        assert_eq!(
            n("**AccessKeySecret**: VALUE").as_deref(),
            Some("AccessKeySecret")
        );
        assert_eq!(n("密钥 Secret\u{FF1A}VALUE").as_deref(), Some("Secret"));
        assert_eq!(
            n("| AccessKeySecret | VALUE |").as_deref(),
            Some("AccessKeySecret")
        );
        assert_eq!(
            n("| `access_key_secret` | `VALUE` |").as_deref(),
            Some("access_key_secret")
        );
        // prose is not a label, and a label takes three words at most
        assert_eq!(n("Note that the secret: VALUE").as_deref(), Some("secret"));
        assert_eq!(n("Four Word Long Secret: VALUE").as_deref(), Some("Secret"));
        // a label is a document's; code keeps its own name
        assert_eq!(n("  { secret: VALUE }").as_deref(), Some("secret"));
        // a cell of a key value is no name; `||` is a fallback, not a table
        assert_eq!(n("| LTAI5tQ8bFz2KcVw9YhN3xRm | VALUE |"), None);
        assert_eq!(n("| a long cell of many words | VALUE |"), None);
        assert_eq!(n("sk = env.SK || VALUE").as_deref(), Some("sk"));
    }

    #[test]
    fn assignment_shapes() {
        assert_eq!(name("sk = \"VALUE\"").as_deref(), Some("sk"));
        assert_eq!(
            name("ALIBABA_CLOUD_ACCESS_KEY_SECRET=VALUE").as_deref(),
            Some("ALIBABA_CLOUD_ACCESS_KEY_SECRET")
        );
        assert_eq!(
            name("  \"AccessKeySecret\": \"VALUE\",").as_deref(),
            Some("AccessKeySecret")
        );
        assert_eq!(
            name("'access_key_secret' => 'VALUE',").as_deref(),
            Some("access_key_secret")
        );
        assert_eq!(
            name("var accessKeySecret string = \"VALUE\"").as_deref(),
            Some("accessKeySecret")
        );
        assert_eq!(
            name("private static final String SK = \"VALUE\";").as_deref(),
            Some("SK")
        );
        assert_eq!(name("const sk: string = 'VALUE';").as_deref(), Some("sk"));
        assert_eq!(
            name("$env:ALIBABA_CLOUD_ACCESS_KEY_SECRET = \"VALUE\"").as_deref(),
            Some("env:ALIBABA_CLOUD_ACCESS_KEY_SECRET")
        );
        assert_eq!(
            name("  access-key-secret: VALUE").as_deref(),
            Some("access-key-secret")
        );
        assert_eq!(name("config[\"sk\"] = \"VALUE\"").as_deref(), Some("sk"));
        assert_eq!(name("ENV ALIYUN_SK VALUE").as_deref(), Some("ALIYUN_SK"));
        assert_eq!(
            name("--access-key-secret VALUE").as_deref(),
            Some("access-key-secret")
        );
        assert_eq!(
            name("access_key_secret: 'VALUE'").as_deref(),
            Some("access_key_secret")
        );
    }

    #[test]
    fn calls_and_markup() {
        assert_eq!(
            name(".setAccessKeySecret(\"VALUE\")").as_deref(),
            Some("AccessKeySecret")
        );
        assert_eq!(
            name("AccessKeySecret: tea.String(\"VALUE\"),").as_deref(),
            Some("AccessKeySecret")
        );
        assert_eq!(name("AcsClient(\"VALUE\", x)"), None);
        assert_eq!(name("AcsClient(id, \"VALUE\", x)"), None);
        assert_eq!(
            name("props.put(\"accessKeySecret\", \"VALUE\")").as_deref(),
            Some("accessKeySecret")
        );
        assert_eq!(
            name("<AccessKeySecret>VALUE</AccessKeySecret>").as_deref(),
            Some("AccessKeySecret")
        );
        assert_eq!(
            name("<property name=\"accessKeySecret\" value=\"VALUE\"/>").as_deref(),
            Some("accessKeySecret")
        );
        assert_eq!(
            name("<constructor-arg index=\"2\" value=\"VALUE\"/>").as_deref(),
            Some("value")
        );
        assert_eq!(name("values ('a', 'VALUE')").as_deref(), Some("a"));
        assert_eq!(
            name("getProfile(\"cn\", \"LTAI5tQ8bFz2KcVw9YhN3xRm\", \"VALUE\")"),
            None
        );
        assert_eq!(name("('q8bFz2KcVw9YhN3xRm', 'VALUE')"), None);
        assert_eq!(
            name("aliyunSecretKey2024 = 'VALUE'").as_deref(),
            Some("aliyunSecretKey2024")
        );
        assert_eq!(name("oss://LTAI5tQ8bFz2KcVw9YhN3xRm:VALUE@bucket"), None);
    }

    #[test]
    fn a_value_alone_on_its_line_completes_the_assignment_above() {
        let at = |text: &str| {
            let v = text.find("VALUE").expect("marker");
            let ls = text[..v].rfind('\n').map_or(0, |p| p + 1);
            name_of(text.as_bytes(), ls, v).name
        };
        for (text, want) in [
            (
                "access_key_secret = (\n    \"VALUE\"\n)",
                "access_key_secret",
            ),
            ("ALIYUN_SK = \\\n  'VALUE'", "ALIYUN_SK"),
            ("secret_key =\r\n    \"VALUE\"", "secret_key"),
            ("  accessKeySecret:\n    VALUE", "accessKeySecret"),
        ] {
            assert_eq!(at(text).as_deref(), Some(want), "{text:?}");
        }
        for text in [
            "client = AcsClient(\n    \"VALUE\",",
            "# the secret is below\n\"VALUE\"",
            "keys = [\n  \"VALUE\",",
            "\"VALUE\"",
        ] {
            assert_eq!(at(text), None, "{text:?}");
        }
    }

    #[test]
    fn fallback_defaults_take_the_assignment_name() {
        for (line, want) in [
            ("const sk = process.env.OSS_SK || 'VALUE';", "sk"),
            (
                "accessKeySecret: process.env['X'] || \"VALUE\",",
                "accessKeySecret",
            ),
            (
                "ALIYUN_SK = os.getenv(\"X\", None) or \"VALUE\"",
                "ALIYUN_SK",
            ),
            (
                "val accessKeySecret = System.getenv(\"SK\") ?: \"VALUE\"",
                "accessKeySecret",
            ),
            (
                "var sk = Environment.GetEnvironmentVariable(\"A=B\") ?? \"VALUE\";",
                "sk",
            ),
            (
                "access_key_secret = ENV['ALIYUN_SK'] || 'VALUE'",
                "access_key_secret",
            ),
            (
                "SK=${ALIBABA_CLOUD_ACCESS_KEY_SECRET:-VALUE}",
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
            ),
            ("if (a == b) sk = x || 'VALUE'", "sk"),
        ] {
            assert_eq!(name(line).as_deref(), Some(want), "{line}");
        }
        // a fallback inside a call, or with no assignment, names nothing
        for line in [
            "login(user || 'admin', pass || 'VALUE');",
            "return token || 'VALUE'",
            "x == y || 'VALUE'",
        ] {
            assert_eq!(name(line), None, "{line}");
        }
    }

    #[test]
    fn name_on_previous_line() {
        let text = b"- name: ALIBABA_CLOUD_ACCESS_KEY_SECRET\n  value: \"VALUE\"";
        let ls = 40;
        let v = ls + 10;
        assert_eq!(&text[v..v + 5], b"VALUE");
        let n = name_of(text, ls, v).name;
        assert_eq!(n.as_deref(), Some("ALIBABA_CLOUD_ACCESS_KEY_SECRET"));
    }

    #[test]
    fn generic_values_take_a_name_given_after_them_or_by_a_prefixed_field() {
        let name = |text: &[u8]| {
            let v = memchr::memmem::find(text, b"VALUE").unwrap();
            let ls = memchr::memrchr(b'\n', &text[..v]).map_or(0, |p| p + 1);
            name_of(text, ls, v).name
        };
        for (text, want) in [
            (
                &b"[{\"ParameterKey\": \"AccessKeySecret\", \"ParameterValue\": \"VALUE\"}]"[..],
                Some("AccessKeySecret"),
            ),
            (
                b"[{\"Value\": \"VALUE\", \"Key\": \"AccessKeySecret\"}]",
                Some("AccessKeySecret"),
            ),
            (
                b"UPDATE settings SET value = 'VALUE' WHERE name = 'oss_secret';",
                Some("oss_secret"),
            ),
            (b"- value: VALUE\n  name: ALIYUN_SK", Some("ALIYUN_SK")),
            (
                b"settingName: aliyun_sk\nsettingValue: VALUE",
                Some("aliyun_sk"),
            ),
            // a list item's value is not named by the item above it, nor by the next item
            (
                b"- name: REGION\n  value: cn\n- value: VALUE\n- name: ALIYUN_SK",
                Some("value"),
            ),
            // a glued prefix that is not a field word names nothing
            (b"accessKey: LTAI\nvalue: VALUE", Some("value")),
        ] {
            assert_eq!(
                name(text).as_deref(),
                want,
                "{}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn generic_names_look_at_the_enclosing_block() {
        let text = b"variable \"secret_key\" {\n  default = \"VALUE\"";
        let ls = text.iter().position(|&b| b == b'\n').unwrap() + 1;
        let v = ls + 13;
        assert_eq!(&text[v..v + 5], b"VALUE");
        let n = name_of(text, ls, v).name;
        assert_eq!(n.as_deref(), Some("secret_key"));
    }

    #[test]
    fn tokens() {
        assert_eq!(tokenize("OSSAccessKeyId"), ["oss", "access", "key", "id"]);
        assert_eq!(
            tokenize("ALIBABA_CLOUD_ACCESS_KEY_SECRET"),
            ["alibaba", "cloud", "access", "key", "secret"]
        );
        assert_eq!(tokenize("setAccessKeySecret"), ["access", "key", "secret"]);
        assert_eq!(
            tokenize("aliyun.oss.access-key-secret"),
            ["aliyun", "oss", "access", "key", "secret"]
        );
    }
}

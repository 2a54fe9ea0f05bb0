//! The rewrite of one value, per language or format. Each function returns the edits, or a
//! reason why no safe rewrite exists; they only rewrite shapes they can recognise whole (a
//! string literal that is exactly the value, a line that is exactly an assignment), so a
//! patch cannot break the file's syntax.

use std::cell::OnceCell;
use std::sync::LazyLock;

use regex::Regex;

use super::{Edit, TextIndex};
use crate::detect::rules::Kind;
use crate::finding::{Finding, Language};

/// The environment variable the Alibaba Cloud SDKs and CLI read for a kind.
pub fn env_var(kind: Kind) -> &'static str {
    match kind {
        Kind::AccessKeyId | Kind::StsAccessKeyId => "ALIBABA_CLOUD_ACCESS_KEY_ID",
        Kind::AccessKeySecret | Kind::StsAccessKeySecret => "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        Kind::StsSecurityToken => "ALIBABA_CLOUD_SECURITY_TOKEN",
        Kind::Other => "ALIBABA_CLOUD_CREDENTIAL",
    }
}

pub fn is_sts(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::StsAccessKeyId | Kind::StsAccessKeySecret | Kind::StsSecurityToken
    )
}

/// Lines longer than this are taken for minified or generated code.
const MINIFIED_LINE: usize = 500;

const STS_IN_CODE: &str = "STS credentials in code: replace the three values with the default \
credential chain (a RAM role supplies the token); see the advice";

fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// A file being fixed, with what every rewrite in it asks of the whole text worked out once
/// (an `import` to add, how its lines end...): a file with many findings costs time in
/// proportion to them, not to their product with its size.
pub struct FileText<'a> {
    text: &'a str,
    index: &'a TextIndex,
    python_import: OnceCell<Option<Edit>>,
    go_import: OnceCell<Option<Edit>>,
    csharp_using_system: OnceCell<bool>,
    kubernetes: OnceCell<bool>,
    php_open: OnceCell<Option<usize>>,
}

impl<'a> FileText<'a> {
    pub fn new(text: &'a str, index: &'a TextIndex) -> FileText<'a> {
        FileText {
            text,
            index,
            python_import: OnceCell::new(),
            go_import: OnceCell::new(),
            csharp_using_system: OnceCell::new(),
            kubernetes: OnceCell::new(),
            php_open: OnceCell::new(),
        }
    }

    fn line_bounds(&self, s: usize) -> (usize, usize) {
        self.index.line_bounds(self.text, s)
    }
}

/// The edits that remove the value `text[s..e]` of finding `f`.
pub fn edits(
    file: &FileText<'_>,
    s: usize,
    e: usize,
    f: &Finding,
    var: &str,
) -> Result<Vec<Edit>, String> {
    let text = file.text;
    let (ls, le) = file.line_bounds(s);
    let name = file_name(&f.path).to_ascii_lowercase();
    if (le - ls) - (e - s) > MINIFIED_LINE || name.contains(".min.") {
        return Err("minified or generated code: no safe rewrite".into());
    }
    match f.language {
        Language::Python => code(file, s, e, f, Code::PYTHON, var),
        Language::Java => code(file, s, e, f, Code::JAVA, var),
        Language::Go => code(file, s, e, f, Code::GO, var),
        Language::JavaScript => {
            let ext = name.rsplit_once('.').map_or("", |(_, x)| x);
            if !matches!(
                ext,
                "js" | "mjs" | "cjs" | "jsx" | "ts" | "tsx" | "mts" | "cts"
            ) {
                return Err(format!(
                    "no safe rewrite for a key in a .{ext} file (markup or a browser bundle): \
                     move it to a server and see the advice"
                ));
            }
            code(file, s, e, f, Code::JAVASCRIPT, var)
        }
        Language::Php => code(file, s, e, f, Code::PHP, var),
        Language::CSharp => {
            if !name.ends_with(".cs") {
                return Err("no safe rewrite for this .NET file type".into());
            }
            code(file, s, e, f, Code::CSHARP, var)
        }
        Language::Ruby => {
            if name.ends_with(".erb") {
                return Err("no safe rewrite inside an ERB template".into());
            }
            code(file, s, e, f, Code::RUBY, var)
        }
        Language::Shell => shell(text, s, e, f, ls, le),
        Language::Dotenv => dotenv(text, s, e, f, ls, le),
        Language::Yaml => yaml(file, s, e, f, ls, le, var),
        Language::Properties => properties(text, s, e, f, ls, le, var),
        Language::Terraform => terraform(text, s, e, f, ls, le),
        Language::Dockerfile => dockerfile(text, s, e, f, ls, le),
        other => Err(format!(
            "no safe rewrite for this format ({}); see the advice",
            other.as_str()
        )),
    }
}

/// How a programming language writes strings, comments and its environment lookup.
struct Code {
    quotes: &'static [u8],
    line_comments: &'static [&'static str],
    /// `{}` is the variable name.
    lookup: &'static str,
}

impl Code {
    const PYTHON: Code = Code {
        quotes: b"\"'",
        line_comments: &["#"],
        lookup: "os.environ[\"{}\"]",
    };
    const JAVA: Code = Code {
        quotes: b"\"'",
        line_comments: &["//"],
        lookup: "System.getenv(\"{}\")",
    };
    const GO: Code = Code {
        quotes: b"\"`",
        line_comments: &["//"],
        lookup: "os.Getenv(\"{}\")",
    };
    const JAVASCRIPT: Code = Code {
        quotes: b"\"'`",
        line_comments: &["//"],
        lookup: "process.env.{}",
    };
    const PHP: Code = Code {
        quotes: b"\"'",
        line_comments: &["//", "#"],
        lookup: "getenv('{}')",
    };
    const CSHARP: Code = Code {
        quotes: b"\"",
        line_comments: &["//"],
        lookup: "Environment.GetEnvironmentVariable(\"{}\")",
    };
    const RUBY: Code = Code {
        quotes: b"\"'",
        line_comments: &["#"],
        lookup: "ENV.fetch(\"{}\")",
    };
}

/// Whether the quote at `q` (a byte of the line starting at `ls`) opens a string in code,
/// not inside another string or a comment: a lexer over the line up to it.
fn opens_string(text: &str, ls: usize, q: usize, c: &Code) -> bool {
    let b = text.as_bytes();
    let mut i = ls;
    let mut in_str: Option<u8> = None;
    while i < q {
        let ch = b[i];
        match in_str {
            Some(open) => {
                if ch == b'\\' && open != b'`' {
                    i += 2;
                    continue;
                }
                if ch == open {
                    in_str = None;
                }
            }
            None => {
                if c.quotes.contains(&ch) {
                    in_str = Some(ch);
                } else if c
                    .line_comments
                    .iter()
                    .any(|m| b[i..].starts_with(m.as_bytes()))
                {
                    return false;
                } else if b[i..].starts_with(b"/*") {
                    // a block comment that is still open at the value
                    match text[i + 2..q].find("*/") {
                        Some(k) => {
                            i += 2 + k + 2;
                            continue;
                        }
                        None => return false,
                    }
                }
            }
        }
        i += 1;
    }
    in_str.is_none() && i == q
}

fn code(
    file: &FileText<'_>,
    s: usize,
    e: usize,
    f: &Finding,
    c: Code,
    var: &str,
) -> Result<Vec<Edit>, String> {
    if is_sts(f.kind) {
        return Err(STS_IN_CODE.into());
    }
    let text = file.text;
    let b = text.as_bytes();
    let (ls, le) = file.line_bounds(s);
    let inside = || Err("the value is part of a larger string: no safe rewrite".to_string());
    if s == 0 || e >= b.len() {
        return inside();
    }
    let q = b[s - 1];
    if !c.quotes.contains(&q) || b[e] != q {
        return inside();
    }
    let (qs, qe) = (s - 1, e + 1);
    // not a triple-quoted or prefixed string (f"", b"", @"", $"", r"", a tagged template)
    if qs > 0
        && (b[qs - 1] == q || b[qs - 1].is_ascii_alphanumeric() || b"_@$".contains(&b[qs - 1]))
        || qe < b.len() && b[qe] == q
    {
        return Err("the value is in a special string literal: no safe rewrite".into());
    }
    if !opens_string(text, ls, qs, &c) {
        return Err("the value is in a comment or inside another string: no safe rewrite".into());
    }
    let before = text[ls..qs].trim_start();
    let after = text[qe..le].trim_start();
    let lang = f.language;
    // "a" "b" concatenation (Python, C-like adjacent literals)
    if before
        .trim_end()
        .ends_with(|ch: char| c.quotes.contains(&(ch as u8)))
        || after.starts_with(|ch: char| c.quotes.contains(&(ch as u8)))
    {
        return Err("the value is part of a concatenated string: no safe rewrite".into());
    }
    // an object key (`{"…": 1}` in JavaScript, `"…": 1` in Ruby) cannot be an expression
    if matches!(lang, Language::JavaScript | Language::Ruby)
        && after.starts_with(':')
        && !after.starts_with("::")
    {
        return Err("the value is an object key: no safe rewrite".into());
    }
    static JSX_ATTR: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"<[A-Za-z][^<>]*\s[\w:-]+=$").expect("valid regex"));
    if lang == Language::JavaScript && JSX_ATTR.is_match(&text[ls..qs]) {
        return Err("the value is a JSX or HTML attribute: no safe rewrite".into());
    }
    // a parameter default must be a constant in PHP and C#
    static PARAM_DEFAULT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(\bfunction\b.*\(|\([^()]*\b[\w<>\[\]?]+\s+[$@]?\w+\s*=\s*$)")
            .expect("valid regex")
    });
    if matches!(lang, Language::Php | Language::CSharp) && PARAM_DEFAULT.is_match(&text[ls..qs]) {
        return Err("the value is a parameter default, which needs a constant".into());
    }
    if matches!(lang, Language::Java | Language::CSharp)
        && (before.starts_with('@') || before.starts_with('['))
        || before.starts_with("case ")
    {
        return Err("the value is in an annotation or a case label, which needs a constant".into());
    }
    let mut lookup = c.lookup.replace("{}", var);
    let mut out = Vec::new();
    static CONST_WORD: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\bconst\b").expect("valid regex"));
    let has_const = CONST_WORD.is_match(&text[ls..qs]);
    match lang {
        Language::Java if has_const => {
            return Err("a Kotlin const needs a constant: no safe rewrite".into())
        }
        Language::Php => {
            static PROP: LazyLock<Regex> = LazyLock::new(|| {
                Regex::new(r"(?:^|[{;])\s*((public|private|protected|static|var|readonly)\s+)+(\??[\w\\]+\s+)?\$\w+\s*=")
                    .expect("valid regex")
            });
            if has_const || PROP.is_match(&text[ls..qs]) {
                return Err(
                    "a PHP constant or property default needs a constant expression".into(),
                );
            }
            let open = file.php_open.get_or_init(|| text.find("<?"));
            if !open.is_some_and(|o| o < s) {
                return Err("the value is outside the PHP code".into());
            }
        }
        Language::CSharp => {
            static USING: LazyLock<Regex> = LazyLock::new(|| {
                Regex::new(r"(?m)^\s*(global\s+)?using\s+System\s*;").expect("valid regex")
            });
            if !*file
                .csharp_using_system
                .get_or_init(|| USING.is_match(text))
            {
                lookup = format!("System.{lookup}");
            }
            if has_const {
                static FIELD: LazyLock<Regex> = LazyLock::new(|| {
                    Regex::new(r"^(\s*(?:(?:public|private|protected|internal|new)\s+)+)const(\s)")
                        .expect("valid regex")
                });
                let Some(m) = FIELD.captures(&text[ls..qs]) else {
                    return Err("a C# const needs a constant: no safe rewrite".into());
                };
                let kw = ls + m[1].len();
                out.push(Edit {
                    start: kw,
                    end: kw + "const".len(),
                    text: "static readonly".into(),
                });
            }
        }
        Language::Go => {
            if has_const {
                static CONST: LazyLock<Regex> = LazyLock::new(|| {
                    Regex::new(r"^(\s*)const\s+\w+(\s+\w+)?\s*=\s*$").expect("valid regex")
                });
                if !CONST.is_match(&text[ls..qs]) {
                    return Err("a Go const needs a constant: no safe rewrite".into());
                }
                let kw = ls + text[ls..].find("const").unwrap_or(0);
                out.push(Edit {
                    start: kw,
                    end: kw + "const".len(),
                    text: "var".into(),
                });
            } else if in_go_const_block(text, ls) {
                return Err("the value is in a Go const block, which needs constants".into());
            }
            if let Some(imp) = file.go_import.get_or_init(|| go_import(text)) {
                out.push(imp.clone());
            }
        }
        Language::Python => {
            if let Some(imp) = file.python_import.get_or_init(|| python_import(text)) {
                out.push(imp.clone());
            }
        }
        _ => {}
    }
    out.push(Edit {
        start: qs,
        end: qe,
        text: lookup,
    });
    Ok(out)
}

/// Whether the line at `ls` is inside a `const (` block of a Go file.
fn in_go_const_block(text: &str, ls: usize) -> bool {
    for line in text[..ls].lines().rev() {
        let t = line.trim();
        if t.starts_with("const (") || t == "const(" {
            return true;
        }
        if t == ")" || t.starts_with("var (") || t.starts_with("import (") || t.starts_with("func ")
        {
            return false;
        }
    }
    false
}

/// The edit that adds `import "os"` to a Go file, if it lacks it.
fn go_import(text: &str) -> Option<Edit> {
    static HAS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?m)^\s*(import\s+)?(os\s+)?"os"\s*(//.*)?$"#).expect("valid regex")
    });
    if HAS.is_match(text) {
        return None;
    }
    // inside the first import block, in sorted place among its first group
    let mut off = 0usize;
    let mut block: Option<usize> = None;
    let mut single_end: Option<usize> = None;
    let mut package_end: Option<usize> = None;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        let end = off + line.len();
        if let Some(_start) = block {
            if t == ")" || t.is_empty() || t.trim_matches('"') > "os" && t.starts_with('"') {
                return Some(Edit {
                    start: off,
                    end: off,
                    text: format!("\t\"os\"{}", eol_of(text)),
                });
            }
        } else if t.starts_with("import (") {
            block = Some(end);
        } else if t.starts_with("import ") {
            single_end = Some(end);
        } else if t.starts_with("package ") && package_end.is_none() {
            package_end = Some(end);
        } else if t.starts_with("func ")
            || t.starts_with("var ")
            || t.starts_with("type ")
            || t.starts_with("const ")
        {
            break;
        }
        off = end;
    }
    if let Some(end) = single_end {
        let nl = if text[..end].ends_with('\n') {
            ""
        } else {
            eol_of(text)
        };
        return Some(Edit {
            start: end,
            end,
            text: format!("{nl}import \"os\"{}", eol_of(text)),
        });
    }
    let end = package_end?;
    let nl = if text[..end].ends_with('\n') {
        ""
    } else {
        eol_of(text)
    };
    Some(Edit {
        start: end,
        end,
        text: format!("{nl}{eol}import \"os\"{eol}", eol = eol_of(text)),
    })
}

/// The edit that adds `import os` to a Python file, if it lacks it: after the leading
/// comments, the module docstring and `from __future__` imports.
fn python_import(text: &str) -> Option<Edit> {
    static HAS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?m)^import\s+([\w.]+(\s+as\s+\w+)?\s*,\s*)*os\s*(,|;|#|$)")
            .expect("valid regex")
    });
    if HAS.is_match(text) {
        return None;
    }
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut off = bom;
    let mut lines = text[off..].split_inclusive('\n').peekable();
    let mut in_doc: Option<&str> = None;
    let mut seen_code = false;
    while let Some(line) = lines.next() {
        let t = line.trim();
        if let Some(close) = in_doc {
            off += line.len();
            if t.contains(close) {
                in_doc = None;
                seen_code = true;
            }
            continue;
        }
        if t.is_empty() || t.starts_with('#') {
            off += line.len();
            continue;
        }
        if !seen_code {
            let body = t.trim_start_matches(['r', 'R', 'u', 'U']);
            if let Some(q) = ["\"\"\"", "'''"].iter().find(|q| body.starts_with(**q)) {
                seen_code = true;
                off += line.len();
                if body[3..].contains(q) {
                    continue;
                }
                in_doc = Some(q);
                continue;
            }
        }
        if t.starts_with("from __future__") {
            seen_code = true;
            off += line.len();
            // a parenthesised import list
            if t.contains('(') && !t.contains(')') {
                for l in lines.by_ref() {
                    off += l.len();
                    if l.contains(')') {
                        break;
                    }
                }
            }
            continue;
        }
        break;
    }
    let nl = if off > bom && !text[..off].ends_with('\n') {
        eol_of(text)
    } else {
        ""
    };
    Some(Edit {
        start: off,
        end: off,
        text: format!("{nl}import os{}", eol_of(text)),
    })
}

/// The line ending a file uses: `\r\n` when it has any, else `\n`.
fn eol_of(text: &str) -> &'static str {
    if text.contains("\r\n") {
        "\r\n"
    } else {
        "\n"
    }
}

/// The whole line `ls..le` plus its line ending, and that line ending (`\n`, `\r\n` or none).
fn whole_line(text: &str, ls: usize, le: usize) -> (usize, usize, &'static str) {
    if le >= text.len() {
        (ls, le, "")
    } else if text[ls..le].ends_with('\r') {
        (ls, le + 1, "\r\n")
    } else {
        (ls, le + 1, "\n")
    }
}

/// Whether `text[s..e]` is the whole value of a `NAME=VALUE` / `NAME="VALUE"` right-hand
/// side that ends the line (bar a comment). Returns the quote used.
fn rhs_is_value(text: &str, s: usize, e: usize, le: usize) -> bool {
    let b = text.as_bytes();
    let (mut s2, mut e2) = (s, e);
    if s > 0 && e < le && (b[s - 1] == b'"' || b[s - 1] == b'\'') && b[e] == b[s - 1] {
        s2 -= 1;
        e2 += 1;
    }
    let rest = text[e2..le].trim_end_matches('\r');
    let rest_ok = rest.trim().is_empty()
        || rest.starts_with(char::is_whitespace) && rest.trim_start().starts_with('#');
    s2 > 0 && b[s2 - 1] == b'=' && rest_ok
}

static ASSIGN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(\s*)((?:export|readonly|local|declare(?:\s+-\w+)*)\s+)?([A-Za-z_][A-Za-z0-9_]*)=$",
    )
    .expect("valid regex")
});

fn shell(
    text: &str,
    s: usize,
    e: usize,
    f: &Finding,
    ls: usize,
    le: usize,
) -> Result<Vec<Edit>, String> {
    let (qs, _) = quote_span(text, s, e);
    let Some(m) = ASSIGN.captures(&text[ls..qs]) else {
        return Err("not a plain NAME=value assignment line: no safe rewrite".into());
    };
    if !rhs_is_value(text, s, e, le) {
        return Err("the value is part of a larger word: no safe rewrite".into());
    }
    let (indent, name) = (&m[1], &m[3]);
    let what = if is_sts(f.kind) {
        "STS credentials: use a RAM role (default credential chain) instead"
    } else {
        "set it in the environment or the CI secret store"
    };
    let (a, b, nl) = whole_line(text, ls, le);
    Ok(vec![Edit {
        start: a,
        end: b,
        text: format!(
            "{indent}# {name}: hardcoded {} removed by akscan fix; {what}\n{indent}: \"${{{name}:?{name} is not set}}\"{nl}",
            f.kind.label()
        ),
    }])
}

/// The span of the value with its quotes, if it is quoted.
fn quote_span(text: &str, s: usize, e: usize) -> (usize, usize) {
    let b = text.as_bytes();
    if s > 0 && e < b.len() && (b[s - 1] == b'"' || b[s - 1] == b'\'') && b[e] == b[s - 1] {
        (s - 1, e + 1)
    } else {
        (s, e)
    }
}

fn dotenv(
    text: &str,
    s: usize,
    e: usize,
    f: &Finding,
    ls: usize,
    le: usize,
) -> Result<Vec<Edit>, String> {
    static LINE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^(\s*)(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*$").expect("valid regex")
    });
    let (qs, _) = quote_span(text, s, e);
    let Some(m) = LINE.captures(&text[ls..qs]) else {
        return Err("not a NAME=value line: no safe rewrite".into());
    };
    let rest = text[quote_span(text, s, e).1..le].trim();
    if !(rest.is_empty() || rest.starts_with('#')) {
        return Err("the value is part of a larger value: no safe rewrite".into());
    }
    let name = &m[2];
    let what = if is_sts(f.kind) {
        "let a RAM role supply STS credentials (default credential chain)"
    } else {
        "set it in the environment, not in this file"
    };
    let (a, b, nl) = whole_line(text, ls, le);
    Ok(vec![Edit {
        start: a,
        end: b,
        text: format!(
            "# {name}: {what} (hardcoded {} removed by akscan fix){nl}",
            f.kind.label()
        ),
    }])
}

#[allow(clippy::too_many_arguments)]
fn yaml(
    file: &FileText<'_>,
    s: usize,
    e: usize,
    f: &Finding,
    ls: usize,
    le: usize,
    var: &str,
) -> Result<Vec<Edit>, String> {
    let text = file.text;
    if is_sts(f.kind) {
        return Err("STS credentials in configuration: let a RAM role supply them (default credential chain); see the advice".into());
    }
    static KEY: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"^\s*(?:-\s+)?(?:[A-Za-z0-9_][A-Za-z0-9_.\-/ ]*|"[^"]*"|'[^']*')\s*:\s+$"#)
            .expect("valid regex")
    });
    static ITEM: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"^\s*-\s+["']?[A-Za-z_][A-Za-z0-9_]*=$"#).expect("valid regex")
    });
    let (qs, qe) = quote_span(text, s, e);
    let before = &text[ls..qs];
    let item = ITEM.is_match(&text[ls..s]);
    let keyed = KEY.is_match(before);
    let rest = text[qe..le].trim_end_matches('\r');
    let rest_ok = if item {
        let r = rest.trim();
        r.is_empty() || r == "\"" || r == "'"
    } else {
        rest.trim().is_empty()
            || rest.starts_with(char::is_whitespace) && rest.trim_start().starts_with('#')
    };
    if !(keyed || item) || !rest_ok {
        return Err("not a plain `key: value` line: no safe rewrite".into());
    }
    static K8S: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?m)^apiVersion:\s*\S").expect("valid regex"));
    let kubernetes = *file.kubernetes.get_or_init(|| {
        K8S.is_match(text) && text.contains("\nkind:") || text.starts_with("kind:")
    });
    if kubernetes {
        return Err(
            "a Kubernetes manifest does not expand ${…} placeholders: use a Secret created \
                    outside the repository (secretKeyRef), or RRSA so no key is needed"
                .into(),
        );
    }
    // a Compose `- NAME=value` item takes the value of NAME from the environment
    let var = if item {
        let t = text[ls..s]
            .trim_start()
            .trim_start_matches('-')
            .trim_start();
        t.trim_start_matches(['"', '\''])
            .trim_end_matches('=')
            .to_string()
    } else {
        var.to_string()
    };
    let placeholder = if f.path.contains(".github/workflows/") {
        format!("${{{{ secrets.{var} }}}}")
    } else {
        format!("${{{var}}}")
    };
    Ok(vec![Edit {
        start: s,
        end: e,
        text: placeholder,
    }])
}

#[allow(clippy::too_many_arguments)]
fn properties(
    text: &str,
    s: usize,
    e: usize,
    f: &Finding,
    ls: usize,
    le: usize,
    var: &str,
) -> Result<Vec<Edit>, String> {
    if is_sts(f.kind) {
        return Err("STS credentials in configuration: let a RAM role supply them (default credential chain); see the advice".into());
    }
    static KEY: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^\s*[^\s#!=:][^\s=:]*\s*[=:\s]\s*$").expect("valid regex"));
    let prev_continues = text[..ls].trim_end_matches(['\n', '\r']).ends_with('\\');
    if prev_continues || !KEY.is_match(&text[ls..s]) || !text[e..le].trim().is_empty() {
        return Err("not a plain `key=value` line: no safe rewrite".into());
    }
    Ok(vec![Edit {
        start: s,
        end: e,
        text: format!("${{{var}}}"),
    }])
}

fn terraform(
    text: &str,
    s: usize,
    e: usize,
    f: &Finding,
    ls: usize,
    le: usize,
) -> Result<Vec<Edit>, String> {
    static ATTR: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"^(\s*)([A-Za-z_][A-Za-z0-9_-]*)\s*=\s*"$"#).expect("valid regex")
    });
    let b = text.as_bytes();
    let Some(m) = ATTR.captures(&text[ls..s]) else {
        return Err("not a plain `name = \"value\"` attribute: no safe rewrite".into());
    };
    let rest = text[e..le].trim_end();
    let rest_ok = e < b.len()
        && b[e] == b'"'
        && (rest.len() == 1 || {
            let r = rest[1..].trim_start();
            r.starts_with('#') || r.starts_with("//")
        });
    if !rest_ok {
        return Err("the value is part of a larger expression: no safe rewrite".into());
    }
    let (indent, attr) = (&m[1], &m[2]);
    let note = match attr {
        "access_key" => "access_key: read from ALICLOUD_ACCESS_KEY in the environment, or use an assume_role block".to_string(),
        "secret_key" => "secret_key: read from ALICLOUD_SECRET_KEY in the environment, or use an assume_role block".to_string(),
        "security_token" => "security_token: use a RAM role (assume_role or ECS role) instead of STS values".to_string(),
        "default" => {
            let var = text[..ls]
                .lines()
                .rev()
                .find_map(|l| {
                    let t = l.trim();
                    t.strip_prefix("variable ")
                        .map(|r| r.split('"').nth(1).unwrap_or("").to_string())
                })
                .filter(|v| !v.is_empty())
                .ok_or("a default outside a variable block: no safe rewrite")?;
            format!("default removed: set TF_VAR_{var} in the environment")
        }
        name if f.path.ends_with(".tfvars") => format!("{name}: set TF_VAR_{name} in the environment"),
        _ => return Err("not a provider credential or variable default: no safe rewrite".into()),
    };
    let (a, z, nl) = whole_line(text, ls, le);
    Ok(vec![Edit {
        start: a,
        end: z,
        text: format!(
            "{indent}# {note} (hardcoded {} removed by akscan fix){nl}",
            f.kind.label()
        ),
    }])
}

fn dockerfile(
    text: &str,
    s: usize,
    e: usize,
    f: &Finding,
    ls: usize,
    le: usize,
) -> Result<Vec<Edit>, String> {
    static LINE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"^(?i:(\s*)(ENV|ARG))\s+([A-Za-z_][A-Za-z0-9_]*)(=|\s+)["']?$"#)
            .expect("valid regex")
    });
    let Some(m) = LINE.captures(&text[ls..s]) else {
        return Err("not a single `ENV NAME=value` instruction: no safe rewrite".into());
    };
    let (_, qe) = quote_span(text, s, e);
    if !text[qe..le].trim().is_empty() || text[..ls].trim_end().ends_with('\\') {
        return Err("an instruction with more than one value: no safe rewrite".into());
    }
    let (indent, name) = (&m[1], &m[3]);
    let (a, z, nl) = whole_line(text, ls, le);
    let how = if is_sts(f.kind) {
        "run the container with a RAM role (ECS instance role, ACK RRSA) instead"
    } else {
        "pass it at run time (docker run -e NAME) or better, run with a RAM role"
    };
    Ok(vec![Edit {
        start: a,
        end: z,
        text: format!(
            "{indent}# {name}: hardcoded {} removed by akscan fix; {}{nl}",
            f.kind.label(),
            how.replace("NAME", name)
        ),
    }])
}

//! Terminal safety: text that came from file names or file contents is shown with control
//! characters, ANSI escape sequences and bidirectional overrides made visible, so a crafted
//! file cannot rewrite the terminal or hide a finding.

use std::borrow::Cow;
use std::fmt::Write;

fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}')
}

/// Replaces control characters (C0, DEL, C1) and bidi controls with visible escapes
/// (`\x1b`, `\u{202e}`); tabs become a space.
pub fn for_terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c == '\t' {
            out.push(' ');
        } else if is_unsafe(c) {
            let n = c as u32;
            if n < 0x100 {
                let _ = write!(out, "\\x{n:02x}");
            } else {
                let _ = write!(out, "\\u{{{n:04x}}}");
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Whether a log line (leading whitespace aside) would be read as a command by a CI
/// runner: GitHub's workflow commands (`::error …::`), its older `##[…]` form and Azure
/// Pipelines' `##vso[…]`.
fn is_command(line: &str) -> bool {
    let t = line.trim_start();
    t.starts_with("::") || t.starts_with("##[") || t.starts_with("##vso[")
}

/// A line that a CI runner would take for a command, with its first character escaped
/// (`\x3a:error…`) so it is only shown; any other line unchanged.
pub fn guard_line(line: &str) -> Cow<'_, str> {
    if !is_command(line) {
        return Cow::Borrowed(line);
    }
    let lead = line.len() - line.trim_start().len();
    let first = line[lead..].chars().next().map_or(0, |c| c as u32);
    let mut out = String::with_capacity(line.len() + 4);
    out.push_str(&line[..lead]);
    let _ = write!(out, "\\x{first:02x}");
    out.push_str(&line[lead + 1..]);
    Cow::Owned(out)
}

/// Text of several lines from outside (file contents in a diff, an error message that
/// quotes a config file) made safe for a terminal or a CI log: line breaks and tabs are
/// kept (a `\r` only before `\n`), every other control character is escaped as in
/// [`for_terminal`], and no line can be taken for a CI command ([`guard_line`]).
pub fn lines_for_terminal(s: &str) -> Cow<'_, str> {
    let unsafe_line = |l: &str| {
        let body = l.strip_suffix('\r').unwrap_or(l);
        body.chars().any(|c| c != '\t' && is_unsafe(c)) || is_command(l)
    };
    if !s.split('\n').any(unsafe_line) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for (i, l) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let (body, cr) = match l.strip_suffix('\r') {
            Some(b) => (b, "\r"),
            None => (l, ""),
        };
        let mut esc = String::with_capacity(body.len());
        for part in body.split('\t').enumerate() {
            if part.0 > 0 {
                esc.push('\t');
            }
            esc.push_str(&for_terminal(part.1));
        }
        out.push_str(&guard_line(&esc));
        out.push_str(cr);
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_cannot_start_a_line() {
        assert_eq!(guard_line("::error file=a::x"), "\\x3a:error file=a::x");
        assert_eq!(guard_line("  ##[warning]x"), "  \\x23#[warning]x");
        assert_eq!(
            guard_line("##vso[task.setvariable]"),
            "\\x23#vso[task.setvariable]"
        );
        assert_eq!(guard_line("a ::error::"), "a ::error::");
        let s = "ok\n::set-output name=x::1\r\n\tkeep\x1b[31m\n\rend";
        assert_eq!(
            lines_for_terminal(s),
            "ok\n\\x3a:set-output name=x::1\r\n\tkeep\\x1b[31m\n\\x0dend"
        );
        assert!(matches!(lines_for_terminal("a\r\n\tb\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn escapes() {
        assert_eq!(for_terminal("plain"), "plain");
        assert_eq!(for_terminal("a\x1b[2Jb"), "a\\x1b[2Jb");
        assert_eq!(for_terminal("x\ry"), "x\\x0dy");
        assert_eq!(for_terminal("a\u{202e}b"), "a\\u{202e}b");
        assert_eq!(for_terminal("a\u{9b}b"), "a\\x9bb");
    }
}

//! The inline `akscan:allow` marker: whether a line's comment covers a finding there.
//! Findings are marked when they are built; the suppression step hides them.

use std::sync::OnceLock;

use regex::bytes::Regex;

/// The inline marker, matched case-insensitively.
pub const MARKER: &str = "akscan:allow";

fn marker() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(?i)akscan:allow").expect("valid marker regex"))
}

/// Whether a line's `akscan:allow` marker covers a finding of `rule_id` on it.
///
/// The marker may sit in any comment syntax (`#`, `//`, `--`, `/* */`, `<!-- -->`, `;`,
/// `REM`) or anywhere else on the line. `akscan:allow` alone covers every finding on the
/// line; `akscan:allow(rule-a, rule-b)` only those rules. A marker glued to more letters
/// (`akscan:allowlist`) is not a marker.
pub fn inline_allows(line: &[u8], rule_id: &str) -> bool {
    if memchr::memchr(b':', line).is_none() {
        return false;
    }
    for m in marker().find_iter(line) {
        let rest = &line[m.end()..];
        match rest.first() {
            Some(b'(') => {
                let inner = &rest[1..];
                let inner = match memchr::memchr(b')', inner) {
                    Some(i) => &inner[..i],
                    None => inner,
                };
                let listed = inner
                    .split(|&b| b == b',' || b.is_ascii_whitespace())
                    .any(|id| !id.is_empty() && id.eq_ignore_ascii_case(rule_id.as_bytes()));
                if listed {
                    return true;
                }
            }
            Some(&b) if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' => {}
            _ => return true,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: &str = "alibaba-access-key-secret";

    #[test]
    fn marker_in_any_comment_syntax() {
        for line in [
            "sk = 'x' # akscan:allow",
            "sk = 'x' // akscan:allow test fixture",
            "sk := 'x' -- akscan:allow",
            "sk = 'x' /* akscan:allow */",
            "<key>x</key> <!-- akscan:allow -->",
            "sk = x ; akscan:allow",
            "set SK=x & REM akscan:allow",
            "sk = 'x' # AKSCAN:ALLOW",
            "sk = 'x' # akscan:allow: documented example",
        ] {
            assert!(inline_allows(line.as_bytes(), R), "{line}");
        }
    }

    #[test]
    fn rule_lists_limit_the_marker() {
        assert!(inline_allows(
            b"x # akscan:allow(alibaba-access-key-id, alibaba-access-key-secret)",
            R
        ));
        assert!(!inline_allows(
            b"x # akscan:allow(alibaba-access-key-id)",
            R
        ));
        assert!(inline_allows(
            b"x # akscan:allow(alibaba-access-key-id) akscan:allow",
            R
        ));
    }

    #[test]
    fn near_misses_are_not_markers() {
        for line in [
            "sk = 'x'",
            "sk = 'x' # akscan allow",
            "sk = 'x' # akscan:allowlist",
            "sk = 'x' # akscan:",
        ] {
            assert!(!inline_allows(line.as_bytes(), R), "{line}");
        }
    }
}

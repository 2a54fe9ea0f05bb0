//! The detector, the finding builder and every report on arbitrary bytes: no panic, valid
//! spans, and no output (any format, through the output layer's redactor) that holds any
//! finding's full value in clear or in a form akscan decodes: escapes (`\u0041`, `\x41`,
//! `%41`, `&#65;`, escaped once more by a report), split literals, base64.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

use akscan::report::redact::{Redacting, Redactor, MIN_VALUE};
use akscan::report::{self, Format, RenderOptions, ReportData};

fn scanner() -> &'static akscan::scan::Scanner {
    static S: OnceLock<akscan::scan::Scanner> = OnceLock::new();
    S.get_or_init(akscan::scan::Scanner::builtin)
}

fn hex(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

/// One pass of unescaping: `\\…\u0041`, `\\…\x41`, `\/`, `\"`, `%(25)*41`, `&#65;`, `&#x41;`.
fn unescape(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let hexes = |i: usize, n: usize| -> Option<u32> {
        b.get(i..i + n)?.iter().try_fold(0u32, |a, &c| Some(a * 16 + hex(c)?))
    };
    while i < b.len() {
        let c = b[i];
        if c == b'\\' {
            let mut j = i;
            while b.get(j) == Some(&b'\\') {
                j += 1;
            }
            match b.get(j) {
                Some(b'u' | b'U') if hexes(j + 1, 4).is_some() => {
                    out.push(hexes(j + 1, 4).unwrap() as u8);
                    i = j + 5;
                    continue;
                }
                Some(b'x' | b'X') if hexes(j + 1, 2).is_some() => {
                    out.push(hexes(j + 1, 2).unwrap() as u8);
                    i = j + 3;
                    continue;
                }
                Some(b'/' | b'"') => {
                    i = j;
                    continue;
                }
                _ => {}
            }
        }
        if c == b'%' {
            let mut k = i + 1;
            while b.get(k..k + 2) == Some(b"25") && hexes(k + 2, 2).is_some() {
                k += 2;
            }
            if let Some(v) = hexes(k, 2) {
                out.push(v as u8);
                i = k + 2;
                continue;
            }
        }
        if c == b'&' && b.get(i + 1) == Some(&b'#') {
            let (radix, s) = if matches!(b.get(i + 2), Some(b'x' | b'X')) { (16, i + 3) } else { (10, i + 2) };
            let mut j = s;
            let mut v = 0u32;
            while j < b.len() && j - s < 7 && (b[j] as char).is_digit(radix) {
                v = v * radix + (b[j] as char).to_digit(radix).unwrap();
                j += 1;
            }
            if j > s && b.get(j) == Some(&b';') && v < 0x80 {
                out.push(v as u8);
                i = j + 1;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Removes the joins of split literals: a quote, blanks, one operator, blanks, a quote.
fn unsplit(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if matches!(b[i], b'"' | b'\'') {
            let mut j = i + 1;
            while j < b.len() && matches!(b[j], b' ' | b'\t') {
                j += 1;
            }
            while j < b.len() && matches!(b[j], b'+' | b'.' | b'&' | b'|' | b',') && j - i < 4 {
                j += 1;
            }
            while j < b.len() && matches!(b[j], b' ' | b'\t') {
                j += 1;
            }
            if j < b.len() && matches!(b[j], b'"' | b'\'') && j - i <= 24 {
                i = j + 1;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

fn contains(h: &[u8], n: &[u8]) -> bool {
    h.windows(n.len()).any(|w| w == n)
}

fn base64_holds(text: &[u8], v: &[u8]) -> bool {
    use base64::Engine;
    let e = base64::engine::general_purpose::STANDARD_NO_PAD;
    for run in text.split(|&c| !(c.is_ascii_alphanumeric() || b"+/-_".contains(&c))) {
        if run.len() < 10 {
            continue;
        }
        let run: Vec<u8> = run
            .iter()
            .map(|&c| match c {
                b'-' => b'+',
                b'_' => b'/',
                c => c,
            })
            .collect();
        for start in 0..4.min(run.len()) {
            let body = &run[start..];
            let cut = body.len() / 4 * 4;
            if let Ok(d) = e.decode(&body[..cut]) {
                if contains(&d, v) {
                    return true;
                }
            }
        }
    }
    false
}

fuzz_target!(|data: &[u8]| {
    let findings = scanner().scan_bytes("fuzz.txt", data);
    for f in &findings {
        assert!(f.line >= 1 && f.column >= 1 && f.end_column > f.column);
    }
    if findings.is_empty() {
        return;
    }
    let red = Redactor::for_findings(&findings, &[]);
    let stats = akscan::scan::Stats::default();
    let rd = ReportData {
        findings: &findings,
        suppressed: &[],
        stats: &stats,
        rules: None,
        root: None,
        base: None,
    };
    let opts = RenderOptions::default();
    for fmt in [Format::Human, Format::Json, Format::Jsonl, Format::Sarif, Format::Github] {
        let mut out = Vec::new();
        {
            let mut w = Redacting::new(&mut out, &red, fmt != Format::Github);
            report::render(fmt, &rd, &opts, &mut w).unwrap();
            w.finish().unwrap();
        }
        let plain = out;
        let once = unescape(&plain);
        let views = [unsplit(&plain), unsplit(&once), once.clone()];
        for f in &findings {
            let v = f.secret.expose().as_bytes();
            if v.len() < MIN_VALUE {
                continue;
            }
            let shown = |t: &[u8]| String::from_utf8_lossy(t).into_owned();
            assert!(!contains(&plain, v), "{fmt:?}: plain copy of {}:\n{}", shown(v), shown(&plain));
            for view in &views {
                assert!(!contains(view, v), "{fmt:?}: encoded copy of {}:\n{}", shown(v), shown(&plain));
            }
            assert!(!base64_holds(&once, v), "{fmt:?}: base64 copy of {}:\n{}", shown(v), shown(&plain));
        }
    }
});

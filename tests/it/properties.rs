//! Property tests (proptest) for the parts that take untrusted input: the detector, the
//! UTF-16 decoder, the chunked reader, name extraction and the rule parser. They run in
//! the normal test suite; `fuzz/` has cargo-fuzz targets for the same entry points.

use akscan::detect::context;
use akscan::detect::rules::RuleSet;
use akscan::detect::{Detector, Scratch};
use akscan::source::decode::{self, TextEncoding};
use akscan::source::read::ChunkReader;
use proptest::prelude::*;
use std::sync::OnceLock;

fn detector() -> &'static Detector {
    static D: OnceLock<Detector> = OnceLock::new();
    D.get_or_init(|| Detector::new(RuleSet::builtin().unwrap()))
}

/// Bytes that look like source with credentials in it: keywords, prefixes, quotes,
/// separators, newlines and random alphanumerics, mixed with arbitrary bytes.
fn sourceish() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"LTAI".to_vec()),
        Just(b"STS.".to_vec()),
        Just(b"CAIS".to_vec()),
        Just(b"secret".to_vec()),
        Just(b"Secret".to_vec()),
        Just(b"SK".to_vec()),
        Just(b"sk".to_vec()),
        Just(b" = \"".to_vec()),
        Just(b"\": \"".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"\r\n".to_vec()),
        Just(b", ".to_vec()),
        Just(b"value: ".to_vec()),
        Just(b"- name: X_SECRET\n".to_vec()),
        Just(b"\\n".to_vec()),
        Just(b"%3D".to_vec()),
        "[A-Za-z0-9]{1,40}".prop_map(|s| s.into_bytes()),
        "[A-Za-z0-9+/]{50,200}".prop_map(|s| s.into_bytes()),
        proptest::collection::vec(any::<u8>(), 0..8),
    ];
    proptest::collection::vec(piece, 0..60).prop_map(|v| v.concat())
}

fn check_detections(buf: &[u8]) {
    let d = detector();
    let dets = d.detect_with(buf, &mut Scratch::default());
    let mut prev = 0;
    for (i, x) in dets.iter().enumerate() {
        assert!(x.start < x.end && x.end <= buf.len());
        assert!(x.start >= prev, "not sorted");
        prev = x.start;
        let rule = &d.rules().rules[x.rule];
        assert!(
            rule.regex.is_match(&buf[x.start..x.end]),
            "{} value does not match its regex",
            rule.id
        );
        if let Some(p) = x.partner {
            assert!(p < dets.len() && p != i);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn detector_never_panics_on_arbitrary_bytes(buf in proptest::collection::vec(any::<u8>(), 0..4096)) {
        check_detections(&buf);
    }

    #[test]
    fn detector_invariants_on_source_like_text(buf in sourceish()) {
        check_detections(&buf);
    }

    #[test]
    fn chunked_reading_finds_what_whole_reading_finds(
        prefix in "[ a-z=\n]{0,3000}",
        chunk in 256usize..2048,
    ) {
        // keys planted at every offset class relative to the chunk boundary
        let text = format!(
            "{prefix}\naccess_key_id = \"LTAI5tQ8bFz2KcVw9YhN3xRm\"\naccess_key_secret = \"Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e\"\n{prefix}"
        );
        let d = detector();
        let whole: Vec<Vec<u8>> = d.detect(text.as_bytes()).iter().map(|x| text.as_bytes()[x.start..x.end].to_vec()).collect();
        let mut reader = ChunkReader::new(chunk, 128);
        let mut chunked = Vec::new();
        reader
            .read(text.as_bytes(), u64::MAX, false, |c| {
                for x in d.detect(c.data) {
                    if c.report.contains(&x.start) {
                        chunked.push(c.data[x.start..x.end].to_vec());
                    }
                }
            })
            .unwrap();
        prop_assert_eq!(whole, chunked);
    }

    #[test]
    fn utf16_round_trip(s in "\\PC{0,200}", le in any::<bool>()) {
        let mut bytes = Vec::new();
        for u in s.encode_utf16() {
            bytes.extend_from_slice(&if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        let mut out = Vec::new();
        decode::decode_utf16(&bytes, if le { TextEncoding::Utf16Le } else { TextEncoding::Utf16Be }, &mut out);
        prop_assert_eq!(out, s.as_bytes());
    }

    #[test]
    fn decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let (enc, bom) = decode::sniff(&bytes);
        prop_assert!(bom <= bytes.len());
        let mut out = Vec::new();
        decode::decode_utf16(&bytes[bom..], TextEncoding::Utf16Le, &mut out);
        decode::decode_utf16(&bytes[bom..], TextEncoding::Utf16Be, &mut out);
        let _ = (enc, decode::is_binary(&bytes));
        let mut r = ChunkReader::new(512, 64);
        let mut total = 0;
        r.read(&bytes[..], u64::MAX, true, |c| total += c.report.len()).unwrap();
    }

    #[test]
    fn name_extraction_never_panics(line in proptest::collection::vec(any::<u8>(), 1..300), cut in any::<prop::sample::Index>()) {
        let at = cut.index(line.len());
        let ls = line[..at].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let _ = context::name_of(&line, ls, at);
    }

    #[test]
    fn rule_parser_never_panics(text in "\\PC{0,400}") {
        let _ = RuleSet::default().add_text("fuzz.toml", &text);
    }

    #[test]
    fn rule_parser_on_mutated_builtin_rules(cut in 0usize..20_000, junk in "[\\[\\]{}=\"'a-z0-9\n ]{0,12}") {
        let text = include_str!("../../patterns/alibaba.toml");
        let at = cut.min(text.len());
        let at = (0..=at).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
        let mutated = format!("{}{}{}", &text[..at], junk, &text[at..]);
        if let Err(e) = RuleSet::default().add_text("m.toml", &mutated) {
            prop_assert!(e.line >= 1 && e.file == "m.toml");
            prop_assert!(!e.message.contains('\n'));
        }
    }
}

/// Adversarial input stays linear: the detector's work is bounded per byte, so a buffer
/// twice as large yields (about) twice the detections, never a blow-up in candidates.
#[test]
fn adversarial_text_is_processed_without_blow_up() {
    let unit = "LTAIaB3dE5fG7hJ9kL1mN secret=Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6eLTAI sk ";
    let small = unit.repeat(2_000);
    let large = unit.repeat(4_000);
    let d = detector();
    let a = d.detect(small.as_bytes()).len();
    let b = d.detect(large.as_bytes()).len();
    assert!(b <= 2 * a + 2, "{a} -> {b}");
}

/// A large adversarial buffer (keywords, IDs and 30-character runs everywhere, pairs on
/// every line) completes: with quadratic pairing or excerpt building it would not.
#[test]
fn adversarial_buffer_of_many_megabytes_completes() {
    let line = "sk=Vq8Hn2KzP4wX7mRt1YbC9dFs3LgJ6e LTAI5tQ8bFz2KcVw9YhN3xRm secret aB3dE5fG7hJ9kL1mNq2W4eR6tY8uI0p\n";
    let text = line.repeat(40_000); // ~4 MB, ~80k findings
    let scanner = akscan::scan::Scanner::builtin();
    let found = scanner.scan_bytes("adversarial.txt", text.as_bytes());
    assert!(found.len() >= 80_000, "{}", found.len());
}

/// Inputs the fuzzers (fuzz/) found crashing, kept as regression tests. Each must scan
/// without a panic, and no finding's redacted value or excerpt may hold its value.
#[test]
fn fuzz_regressions() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let scanner = akscan::scan::Scanner::builtin();
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let found = scanner.scan_bytes("fuzz.txt", &data);
        for f in &found {
            let v = f.secret.expose();
            assert!(f.line >= 1 && f.column >= 1 && f.end_column > f.column);
            assert!(!f.redacted.contains(v), "{}: redacted", path.display());
            assert!(
                !f.excerpt.contains(v),
                "{}: excerpt {}",
                path.display(),
                f.excerpt
            );
        }
        n += 1;
    }
    assert!(n > 0);
}

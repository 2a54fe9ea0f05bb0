//! Decode: recognise UTF-16 (with or without a byte-order mark) and binary content.

/// How a file's bytes encode text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 or any ASCII-compatible encoding; scanned as bytes.
    Bytes,
    Utf16Le,
    Utf16Be,
}

impl TextEncoding {
    pub fn label(self) -> Option<&'static str> {
        match self {
            TextEncoding::Bytes => None,
            TextEncoding::Utf16Le => Some("utf-16le"),
            TextEncoding::Utf16Be => Some("utf-16be"),
        }
    }
}

/// How many leading bytes [`is_binary`] looks at.
pub const SNIFF_LEN: usize = 8192;
/// How many leading bytes [`sniff`] counts zero bytes in, for ASCII text in UTF-16.
const UTF16_SNIFF_LEN: usize = 1024;

/// Recognises UTF-16 from a BOM, or without one from what its first [`SNIFF_LEN`] bytes
/// hold: the zero bytes of ASCII text, or code units that are all text (letters,
/// ideographs, punctuation, no controls) when CJK or other non-Latin text leaves few zero
/// bytes. Returns the encoding and the length of the BOM.
pub fn sniff(head: &[u8]) -> (TextEncoding, usize) {
    if head.starts_with(&[0xFF, 0xFE]) && !head.starts_with(&[0xFF, 0xFE, 0, 0]) {
        return (TextEncoding::Utf16Le, 2);
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return (TextEncoding::Utf16Be, 2);
    }
    // UTF-16 without a BOM has NUL bytes (the high bytes of ASCII characters) where text
    // in any other encoding has none: almost all files skip the counting below. The
    // bytes looked at are those `is_binary` looks at, so nothing it would call binary
    // for a NUL escapes this test.
    let all = head.len().min(SNIFF_LEN) & !1;
    if all < 8 || memchr::memchr(0, &head[..all]).is_none() {
        return (TextEncoding::Bytes, 0);
    }
    let n = all.min(UTF16_SNIFF_LEN);
    let pairs = n / 2;
    let (mut zero_even, mut zero_odd) = (0usize, 0usize);
    for p in head[..n].chunks_exact(2) {
        zero_even += (p[0] == 0) as usize;
        zero_odd += (p[1] == 0) as usize;
    }
    // ASCII text in UTF-16LE: the high (odd) byte of almost every unit is zero and the low
    // byte almost never is. Binary data does not look like that.
    if zero_odd * 10 >= pairs * 7 && zero_even * 20 <= pairs {
        return (TextEncoding::Utf16Le, 0);
    }
    if zero_even * 10 >= pairs * 7 && zero_odd * 20 <= pairs {
        return (TextEncoding::Utf16Be, 0);
    }
    // Fewer zero bytes: CJK (or Cyrillic, Greek...) text with some ASCII in it. The
    // zero bytes fall on the high byte of the ASCII characters, so their side tells the
    // byte order to try; then every unit must be text.
    let (zero_even, zero_odd) = head[..all]
        .chunks_exact(2)
        .fold((0usize, 0usize), |(e, o), p| {
            (e + (p[0] == 0) as usize, o + (p[1] == 0) as usize)
        });
    let le = zero_odd > zero_even;
    if all_text_units(&head[..all], le) {
        let enc = if le {
            TextEncoding::Utf16Le
        } else {
            TextEncoding::Utf16Be
        };
        return (enc, 0);
    }
    (TextEncoding::Bytes, 0)
}

/// Whether `bytes` read as UTF-16 in that byte order are text: no NUL or control
/// characters but tab, line feed, form feed and carriage return, no unpaired surrogate
/// (but one cut off at the end), no non-character, and at most one unit in 32 outside the
/// blocks that text is written in (Latin, Greek, Cyrillic, Hebrew, Arabic, Thai,
/// punctuation and symbols, CJK, kana, Hangul, full-width forms). Random or structured
/// binary data fails within a few units.
fn all_text_units(bytes: &[u8], le: bool) -> bool {
    let count = bytes.len() / 2;
    let unit = |i: usize| {
        let p = [bytes[2 * i], bytes[2 * i + 1]];
        if le {
            u16::from_le_bytes(p)
        } else {
            u16::from_be_bytes(p)
        }
    };
    let mut odd = 0usize;
    let mut i = 0;
    while i < count {
        let u = unit(i);
        match u {
            0x09 | 0x0A | 0x0C | 0x0D | 0x20..=0x7E => {}
            0..=0x1F | 0x7F..=0x9F | 0xFFFE | 0xFFFF => return false,
            0xD800..=0xDBFF if i + 1 == count => {} // cut off at the end
            0xD800..=0xDBFF => match unit(i + 1) {
                0xDC00..=0xDFFF => i += 1,
                _ => return false,
            },
            0xDC00..=0xDFFF => return false,
            0x00A0..=0x058F // Latin-1, Latin Extended, IPA, Greek, Cyrillic, Armenian
            | 0x0590..=0x06FF // Hebrew, Arabic
            | 0x0E00..=0x0E7F // Thai
            | 0x1E00..=0x1FFF // Latin Extended Additional, Greek Extended
            | 0x2000..=0x2BFF // punctuation, symbols, arrows, box drawing
            | 0x3000..=0x30FF // CJK punctuation, kana
            | 0x3100..=0x33FF // bopomofo, Hangul compatibility jamo, CJK compatibility
            | 0x3400..=0x4DBF // CJK Extension A
            | 0x4E00..=0x9FFF // CJK Unified Ideographs
            | 0xAC00..=0xD7A3 // Hangul syllables
            | 0xF900..=0xFAFF // CJK Compatibility Ideographs
            | 0xFE30..=0xFE4F // CJK Compatibility Forms
            | 0xFF00..=0xFFEF => {} // half- and full-width forms
            _ => odd += 1,
        }
        i += 1;
    }
    odd * 32 <= count
}

/// True when the bytes look binary: a NUL byte in the first [`SNIFF_LEN`] bytes (as git
/// and ripgrep decide).
pub fn is_binary(head: &[u8]) -> bool {
    memchr::memchr(0, &head[..head.len().min(SNIFF_LEN)]).is_some()
}

/// Decodes UTF-16 to UTF-8 into `out`. Unpaired surrogates become U+FFFD; a trailing odd
/// byte is dropped.
pub fn decode_utf16(bytes: &[u8], enc: TextEncoding, out: &mut Vec<u8>) {
    let le = enc == TextEncoding::Utf16Le;
    let units = bytes.chunks_exact(2).map(|p| {
        if le {
            u16::from_le_bytes([p[0], p[1]])
        } else {
            u16::from_be_bytes([p[0], p[1]])
        }
    });
    out.reserve(bytes.len() / 2);
    let mut tmp = [0u8; 4];
    for c in char::decode_utf16(units) {
        let c = c.unwrap_or(char::REPLACEMENT_CHARACTER);
        out.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(s: &str, le: bool, bom: bool) -> Vec<u8> {
        let mut v = Vec::new();
        if bom {
            v.extend_from_slice(if le { &[0xFF, 0xFE] } else { &[0xFE, 0xFF] });
        }
        for u in s.encode_utf16() {
            v.extend_from_slice(&if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        v
    }

    #[test]
    fn sniffs_all_four_forms() {
        let s = "$env:X = \"LTAI5tQ8bFz2KcVw9YhN3xRm\"\r\n";
        assert_eq!(sniff(&utf16(s, true, true)), (TextEncoding::Utf16Le, 2));
        assert_eq!(sniff(&utf16(s, false, true)), (TextEncoding::Utf16Be, 2));
        assert_eq!(sniff(&utf16(s, true, false)), (TextEncoding::Utf16Le, 0));
        assert_eq!(sniff(&utf16(s, false, false)), (TextEncoding::Utf16Be, 0));
        assert_eq!(sniff(s.as_bytes()), (TextEncoding::Bytes, 0));
    }

    #[test]
    fn sniffs_cjk_and_other_scripts_without_a_bom() {
        // mostly ideographs, few zero bytes: once taken for binary
        let zh = "# 阿里云访问密钥配置文件，请勿提交到代码仓库。\r\n".repeat(200)
            + "access_key_id = \"LTAI5tQ8bFz2KcVw9YhN3xRm\"\r\n";
        let ja = "// 本番環境の認証情報：アクセスキーは環境変数から読み込むこと\n".repeat(150);
        let ko = "# 운영 환경의 접근 키 설정 파일입니다 절대로 커밋하지 마세요\n".repeat(150);
        let ru = "# Ключ доступа к облаку Алибаба хранить только в переменных\n".repeat(150);
        for s in [&zh, &ja, &ko, &ru] {
            assert!(
                s.encode_utf16().count() * 2 > SNIFF_LEN,
                "covers the whole sniff"
            );
            assert_eq!(sniff(&utf16(s, true, false)), (TextEncoding::Utf16Le, 0));
            assert_eq!(sniff(&utf16(s, false, false)), (TextEncoding::Utf16Be, 0));
            // cut at an odd byte, or inside a surrogate pair at the end
            let mut cut = utf16(s, true, false);
            cut.truncate(SNIFF_LEN + 1);
            assert_eq!(sniff(&cut).0, TextEncoding::Utf16Le);
        }
        let emoji = "密钥 🔑 ".repeat(2000);
        let mut le = utf16(&emoji, true, false);
        le.truncate(SNIFF_LEN); // ends inside a pair
        assert_eq!(sniff(&le).0, TextEncoding::Utf16Le);
    }

    #[test]
    fn binary_is_not_taken_for_utf16() {
        // a pseudo-random stream with NULs, and binary shapes that hold UTF-16 strings
        let mut x = 0x2545F4914F6CDD1Du64;
        let random: Vec<u8> = (0..SNIFF_LEN)
            .map(|i| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                if i % 97 == 0 {
                    0
                } else {
                    x as u8
                }
            })
            .collect();
        let mut pe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0".to_vec();
        pe.extend(utf16("密钥配置文件", true, false));
        pe.extend([0u8; 64]);
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0".to_vec();
        png.extend(&random[..2000]);
        let mut records = Vec::new();
        for i in 0..500u32 {
            records.extend_from_slice(&i.to_le_bytes());
            records.extend_from_slice(&(i * 7919).to_be_bytes());
        }
        for (name, b) in [
            ("random", &random),
            ("pe", &pe),
            ("png", &png),
            ("records", &records),
        ] {
            assert_eq!(sniff(b).0, TextEncoding::Bytes, "{name}");
            assert!(is_binary(b), "{name}");
        }
    }

    #[test]
    fn decodes() {
        let s = "héllo LTAI5tQ8bFz2KcVw9YhN3xRm 😀";
        let mut out = Vec::new();
        decode_utf16(&utf16(s, true, false), TextEncoding::Utf16Le, &mut out);
        assert_eq!(out, s.as_bytes());
        out.clear();
        decode_utf16(&utf16(s, false, false), TextEncoding::Utf16Be, &mut out);
        assert_eq!(out, s.as_bytes());
    }

    #[test]
    fn binary() {
        assert!(is_binary(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"));
        assert!(!is_binary(b"plain text"));
    }
}

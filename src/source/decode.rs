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
/// How many leading bytes [`sniff`] looks at for UTF-16 without a BOM.
const UTF16_SNIFF_LEN: usize = 1024;

/// Recognises UTF-16 from a BOM, or from the pattern of zero bytes that ASCII text has in
/// UTF-16 without one. Returns the encoding and the length of the BOM.
pub fn sniff(head: &[u8]) -> (TextEncoding, usize) {
    if head.starts_with(&[0xFF, 0xFE]) && !head.starts_with(&[0xFF, 0xFE, 0, 0]) {
        return (TextEncoding::Utf16Le, 2);
    }
    if head.starts_with(&[0xFE, 0xFF]) {
        return (TextEncoding::Utf16Be, 2);
    }
    // UTF-16 without a BOM has NUL bytes in its first few hundred bytes; almost all files
    // have none, and skip the counting below.
    let n = head.len().min(UTF16_SNIFF_LEN) & !1;
    if n < 8 || memchr::memchr(0, &head[..n]).is_none() {
        return (TextEncoding::Bytes, 0);
    }
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
    (TextEncoding::Bytes, 0)
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

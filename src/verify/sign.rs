//! Alibaba Cloud RPC signature version 1 (HMAC-SHA1), as used by STS `GetCallerIdentity`.
//!
//! 1. Every parameter name and value is percent-encoded: bytes `A-Z a-z 0-9 - _ . ~` stay,
//!    every other byte becomes `%XY` (upper-case hex), so a space is `%20` and `*` is `%2A`.
//! 2. The encoded pairs are sorted by name and joined with `&` (the canonical query).
//! 3. `StringToSign = METHOD & enc("/") & enc(canonical query)`.
//! 4. `Signature = base64(HMAC-SHA1(key = secret + "&", StringToSign))`.
//!
//! The secret is only ever used as the HMAC key here; it is never part of any output.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha1::Sha1;

/// Bytes that are percent-encoded: all but `A-Z a-z 0-9 - _ . ~` (RFC 3986 unreserved).
pub const RPC_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Percent-encodes `s` the way the RPC signature wants it.
pub fn percent_encode(s: &str) -> String {
    utf8_percent_encode(s, RPC_ENCODE).to_string()
}

/// `name=value` pairs sorted by name (byte order), encoded, joined with `&`.
pub fn canonical_query(params: &[(&str, &str)]) -> String {
    let mut sorted: Vec<&(&str, &str)> = params.iter().collect();
    sorted.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
    let mut out = String::new();
    for (i, (k, v)) in sorted.into_iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&percent_encode(k));
        out.push('=');
        out.push_str(&percent_encode(v));
    }
    out
}

/// The string that is signed for `method` (`GET` or `POST`) and a canonical query.
pub fn string_to_sign(method: &str, canonical_query: &str) -> String {
    format!(
        "{method}&{}&{}",
        percent_encode("/"),
        percent_encode(canonical_query)
    )
}

/// `base64(HMAC-SHA1(secret + "&", string_to_sign))`.
pub fn signature(secret: &str, string_to_sign: &str) -> String {
    let mut key = Vec::with_capacity(secret.len() + 1);
    key.extend_from_slice(secret.as_bytes());
    key.push(b'&');
    let mut mac = Hmac::<Sha1>::new_from_slice(&key).expect("HMAC accepts keys of any length");
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The full query string to send: the canonical query plus `&Signature=<encoded>`.
/// `params` must not contain `Signature`.
pub fn signed_query(method: &str, params: &[(&str, &str)], secret: &str) -> String {
    let canonical = canonical_query(params);
    let sig = signature(secret, &string_to_sign(method, &canonical));
    format!("{canonical}&Signature={}", percent_encode(&sig))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example request of Alibaba Cloud's "Request signatures" documentation.
    fn vector() -> Vec<(&'static str, &'static str)> {
        vec![
            ("Version", "2014-05-26"),
            ("Timestamp", "2016-02-23T12:46:24Z"),
            ("SignatureVersion", "1.0"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("Format", "XML"),
            ("Action", "DescribeRegions"),
            ("AccessKeyId", "testid"),
        ]
    }

    #[test]
    fn published_vector_string_to_sign() {
        let sts = string_to_sign("GET", &canonical_query(&vector()));
        assert_eq!(
            sts,
            "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML\
             %26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf\
             %26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z\
             %26Version%3D2014-05-26"
        );
    }

    #[test]
    fn published_vector_get_signature() {
        let sts = string_to_sign("GET", &canonical_query(&vector()));
        assert_eq!(
            signature("testsecret", &sts),
            "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
        );
    }

    #[test]
    fn published_vector_post_signature() {
        let sts = string_to_sign("POST", &canonical_query(&vector()));
        assert_eq!(
            signature("testsecret", &sts),
            "MxbnVAM4w6sft9xjVpe/GCKueuk="
        );
    }

    #[test]
    fn signed_query_appends_the_encoded_signature() {
        let q = signed_query("GET", &vector(), "testsecret");
        assert!(q.starts_with("AccessKeyId=testid&Action=DescribeRegions&"));
        assert!(q.ends_with("&Signature=OLeaidS1JvxuMvnyHOwuJ%2BuX5qY%3D"));
        assert!(!q.contains("testsecret"));
    }

    #[test]
    fn encoding_rules() {
        assert_eq!(percent_encode("a b*c~d"), "a%20b%2Ac~d");
        assert_eq!(percent_encode("A-Z_a.z0~9"), "A-Z_a.z0~9");
        assert_eq!(percent_encode("+/=:&"), "%2B%2F%3D%3A%26");
        assert_eq!(percent_encode("é"), "%C3%A9");
    }

    #[test]
    fn sorting_is_by_name_in_byte_order() {
        // upper case sorts before lower case in byte order
        let q = canonical_query(&[("b", "1"), ("B", "2"), ("a", "3")]);
        assert_eq!(q, "B=2&a=3&b=1");
    }
}

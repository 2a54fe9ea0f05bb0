//! The detector and finding builder on arbitrary bytes: no panic, valid spans, and
//! findings whose redacted form never contains the value.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn scanner() -> &'static akscan::scan::Scanner {
    static S: OnceLock<akscan::scan::Scanner> = OnceLock::new();
    S.get_or_init(akscan::scan::Scanner::builtin)
}

fuzz_target!(|data: &[u8]| {
    for f in scanner().scan_bytes("fuzz.txt", data) {
        assert!(f.line >= 1 && f.column >= 1 && f.end_column > f.column);
        let v = f.secret.expose();
        assert!(v.len() < 8 || !f.redacted.contains(v));
        assert!(v.len() < 8 || !f.excerpt.contains(v));
    }
});

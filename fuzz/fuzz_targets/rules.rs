//! The rule-file parser on arbitrary text: errors, never panics, always with a position.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(e) = akscan::detect::rules::RuleSet::default().add_text("fuzz.toml", text) {
        assert!(!e.message.contains('\n'));
        assert_eq!(e.file, "fuzz.toml");
    }
});

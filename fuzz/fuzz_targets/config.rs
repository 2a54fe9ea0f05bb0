//! The `.akscan.toml` parser on arbitrary text: errors, never panics, always one line.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(e) = akscan::config::Config::from_text(".akscan.toml", text, std::path::Path::new("/nonexistent")) {
        assert!(!e.message.contains('\n'));
    }
});

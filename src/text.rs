//! Text positions: how offsets become columns.

/// Number of characters in `bytes` (UTF-8; an invalid byte counts as one character).
pub fn char_count(bytes: &[u8]) -> usize {
    // Every byte that is not a UTF-8 continuation byte starts a character.
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

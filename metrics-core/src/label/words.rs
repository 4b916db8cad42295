//! Reading byte strings a word at a time, for comparing and hashing label values.

/// The 8 bytes of `s` from `at`, little-endian.
#[inline(always)]
pub(super) fn word_at(s: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(s[at..at + 8].try_into().unwrap_or_default())
}

/// The 4 bytes of `s` from `at`, little-endian, in the low half.
#[inline(always)]
pub(super) fn half_at(s: &[u8], at: usize) -> u64 {
    u64::from(u32::from_le_bytes(
        s[at..at + 4].try_into().unwrap_or_default(),
    ))
}

/// Two words that hold all of a value of up to 16 bytes (more: its first and last 8), read
/// without a byte loop: the first and last bytes it has, overlapping where it is short.
/// With the length, they tell such values apart.
#[inline(always)]
pub(super) fn short_words(v: &[u8]) -> (u64, u64) {
    let n = v.len();
    match n {
        0 => (0, 0),
        // First, middle and last byte: all of a value this short.
        1..=3 => (
            u64::from(v[0]) | u64::from(v[n / 2]) << 8 | u64::from(v[n - 1]) << 16,
            0,
        ),
        4..=7 => (half_at(v, 0), half_at(v, n - 4)),
        _ => (word_at(v, 0), word_at(v, n - 8)),
    }
}

/// The high bit of each byte of `w` that is a `"`, exact up to the first one (the classic
/// test for a zero byte, on `w` with quotes turned into zeros; bytes above the first may be
/// marked too).
#[inline(always)]
pub(super) fn quote_bytes(w: u64) -> u64 {
    const QUOTES: u64 = u64::from_ne_bytes([b'"'; 8]);
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let x = w ^ QUOTES;
    x.wrapping_sub(ONES) & !x & HIGHS
}

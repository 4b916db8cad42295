//! Comparing the label values a lookup is given with the escaped values a family stores,
//! without unescaping or building anything.

use crate::label::words::{half_at, quote_bytes, short_words, word_at};

/// Compares label values, one at a time, against values stored by [`push_value`], without
/// unescaping or allocating.
pub(crate) struct ValuesMatcher<'a> {
    rest: &'a [u8],
    plain: bool,
    ok: bool,
}

impl<'a> ValuesMatcher<'a> {
    /// A matcher for `values`. `plain` says that they hold no backslash, so that none was
    /// escaped: then a value matches exactly when its bytes do and it holds no `"` (which
    /// would let it run past its own end), checked in one pass.
    pub(crate) fn new(values: &'a [u8], plain: bool) -> ValuesMatcher<'a> {
        ValuesMatcher {
            rest: values,
            plain,
            ok: true,
        }
    }

    /// Matches the next stored value against `value`.
    #[inline]
    pub(crate) fn value(&mut self, value: &str) {
        if !self.ok {
            return;
        }
        let bytes = value.as_bytes();
        if self.plain || !bytes.iter().any(|&b| matches!(b, b'\\' | b'"' | b'\n')) {
            // Stored as it is.
            match after_plain_value(self.rest, bytes) {
                Some(rest) => self.rest = rest,
                None => self.ok = false,
            }
            return;
        }
        let mut rest = self.rest;
        for &b in bytes {
            let expected: &[u8] = match b {
                b'\\' => b"\\\\",
                b'"' => b"\\\"",
                b'\n' => b"\\n",
                _ => std::slice::from_ref(&b),
            };
            match rest.strip_prefix(expected) {
                Some(r) => rest = r,
                None => {
                    self.ok = false;
                    return;
                }
            }
        }
        match rest.strip_prefix(b"\"") {
            Some(r) => self.rest = r,
            None => self.ok = false,
        }
    }

    /// Whether every value matched and nothing is left.
    pub(crate) fn matched(&self) -> bool {
        self.ok && self.rest.is_empty()
    }
}

/// Whether two byte strings are equal and hold no `"`. Label values are short: two or four
/// overlapping words cover most (routes too), which costs less than a call to `memcmp` and
/// a byte loop.
#[inline(always)]
pub(super) fn unquoted_eq(a: &[u8], b: &[u8]) -> bool {
    // Whether the bytes of `w` hold no quote.
    #[inline(always)]
    fn unquoted(w: u64) -> bool {
        quote_bytes(w) == 0
    }
    // Padded with a byte that is no quote.
    let half = |s: &[u8], at: usize| half_at(s, at) | 0x2020_2020 << 32;
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        17..=32 => {
            let (a0, a1) = (word_at(a, 0), word_at(a, 8));
            let (a2, a3) = (word_at(a, n - 16), word_at(a, n - 8));
            a0 == word_at(b, 0)
                && a1 == word_at(b, 8)
                && a2 == word_at(b, n - 16)
                && a3 == word_at(b, n - 8)
                && quote_bytes(a0) | quote_bytes(a1) | quote_bytes(a2) | quote_bytes(a3) == 0
        }
        8..=16 => {
            let (a0, a1) = (word_at(a, 0), word_at(a, n - 8));
            a0 == word_at(b, 0) && a1 == word_at(b, n - 8) && unquoted(a0) && unquoted(a1)
        }
        4..=7 => {
            let (a0, a1) = (half(a, 0), half(a, n - 4));
            a0 == half(b, 0) && a1 == half(b, n - 4) && unquoted(a0) && unquoted(a1)
        }
        0..=3 => a.iter().zip(b).all(|(&x, &y)| x == y && x != b'"'),
        _ => a == b && !a.contains(&b'"'),
    }
}

/// Whether two byte strings are equal: [`unquoted_eq`] without the quote test, for a stored
/// value whose length is known.
#[inline(always)]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        17..=32 => {
            word_at(a, 0) == word_at(b, 0)
                && word_at(a, 8) == word_at(b, 8)
                && word_at(a, n - 16) == word_at(b, n - 16)
                && word_at(a, n - 8) == word_at(b, n - 8)
        }
        8..=16 => word_at(a, 0) == word_at(b, 0) && word_at(a, n - 8) == word_at(b, n - 8),
        4..=7 => half_at(a, 0) == half_at(b, 0) && half_at(a, n - 4) == half_at(b, n - 4),
        0..=3 => short_words(a) == short_words(b),
        _ => a == b,
    }
}

/// Whether one stored value (escaped and closed by a `"`, see [`push_value`]) is `value`.
/// `plain`: nothing was escaped, so the stored text is the value and its quote, and the
/// value, equal to it byte for byte, holds nothing that needs escaping either.
#[inline(always)]
pub(crate) fn stored_is(stored: &str, plain: bool, value: &str) -> bool {
    let (stored, bytes) = (stored.as_bytes(), value.as_bytes());
    if plain {
        return stored.len() == bytes.len() + 1
            && stored
                .get(..bytes.len())
                .is_some_and(|head| same_bytes(head, bytes));
    }
    escaped_is(stored, value)
}

/// [`stored_is`] for a value stored with escapes: compared as [`ValuesMatcher`] does.
#[inline(never)]
pub(super) fn escaped_is(stored: &[u8], value: &str) -> bool {
    let mut matcher = ValuesMatcher::new(stored, false);
    matcher.value(value);
    matcher.matched()
}

/// The rest of stored `values` after the first, when it is exactly `value` as it is,
/// unescaped: one comparison, then the closing quote.
#[inline(always)]
pub(super) fn after_plain_value<'b>(values: &'b [u8], value: &[u8]) -> Option<&'b [u8]> {
    let head = values.get(..=value.len())?;
    if head[value.len()] != b'"' || !unquoted_eq(&head[..value.len()], value) {
        return None;
    }
    Some(&values[value.len() + 1..])
}

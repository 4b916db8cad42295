//! Label values and label sets: how a family names, hashes and compares the label values of
//! its series.
//!
//! A family stores each distinct label value once, escaped as the text formats want it and
//! closed by a quote ([`push_value`]): the encoders copy it as it is, and a lookup compares
//! the values it is given against it ([`ValuesMatcher`]) without unescaping or building
//! anything.

use std::borrow::Cow;
#[cfg(not(loom))]
use std::hash::BuildHasher;
use std::sync::Arc;

/// One label value: anything that reads as text. Types with a fixed, small set of values
/// (enums, `bool`) also give their [`CARDINALITY`](LabelValue::CARDINALITY), which lets a
/// family of them be a dense array: no hashing, no lock, no allocation per lookup.
///
/// ```
/// use metrics_core::LabelValue;
///
/// #[derive(Clone, Copy)]
/// enum Method { Get, Post, Other }
///
/// impl LabelValue for Method {
///     const CARDINALITY: Option<usize> = Some(3);
///     fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R {
///         f(match self { Method::Get => "GET", Method::Post => "POST", Method::Other => "OTHER" })
///     }
///     fn index(&self) -> usize { *self as usize }
///     fn from_index(index: usize) -> Option<Self> {
///         [Method::Get, Method::Post, Method::Other].get(index).copied()
///     }
/// }
/// ```
pub trait LabelValue {
    /// The number of distinct values, when it is fixed. Then [`index`](LabelValue::index) and
    /// [`from_index`](LabelValue::from_index) must be each other's inverse on `0..CARDINALITY`.
    const CARDINALITY: Option<usize> = None;

    /// Calls `f` with this value as text.
    fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R;

    /// The position of this value in `0..CARDINALITY` (fixed-cardinality types only).
    fn index(&self) -> usize {
        0
    }

    /// The value at `index` (fixed-cardinality types only).
    fn from_index(index: usize) -> Option<Self>
    where
        Self: Sized,
    {
        let _ = index;
        None
    }
}

macro_rules! text_label_value {
    ($($t:ty),*) => {$(
        impl LabelValue for $t {
            fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R {
                f(self)
            }
        }
    )*};
}
text_label_value!(&str, String, Box<str>, Arc<str>, Cow<'_, str>);

macro_rules! integer_label_value {
    ($($t:ty),*) => {$(
        impl LabelValue for $t {
            fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R {
                f(itoa::Buffer::new().format(*self))
            }
        }
    )*};
}
integer_label_value!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

impl LabelValue for bool {
    const CARDINALITY: Option<usize> = Some(2);
    fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        f(if *self { "true" } else { "false" })
    }
    fn index(&self) -> usize {
        usize::from(*self)
    }
    fn from_index(index: usize) -> Option<bool> {
        [false, true].get(index).copied()
    }
}

/// A typed set of label values: the key of a [`Family`](crate::Family).
///
/// Tuples of [`LabelValue`]s implement it; their label names are given at registration
/// (`Opts::labels`). A tuple of fixed-cardinality values makes a dense family.
/// Structs implement it by hand (or, later, by derive) and may name their labels themselves
/// with [`NAMES`](LabelSet::NAMES).
pub trait LabelSet {
    /// The label names, in the order [`visit`](LabelSet::visit) gives values; empty when the
    /// names are given at registration.
    const NAMES: &'static [&'static str] = &[];

    /// The number of labels.
    const ARITY: usize;

    /// The number of distinct label sets, when every value has a fixed cardinality.
    const CARDINALITY: Option<usize> = None;

    #[doc(hidden)]
    const DYNAMIC: bool = false;

    /// Calls `f` with each label value in order.
    fn visit(&self, f: &mut dyn FnMut(&str));

    /// The position of this set in `0..CARDINALITY`.
    fn dense_index(&self) -> usize {
        0
    }

    /// The set at `index` in `0..CARDINALITY`.
    fn from_dense_index(index: usize) -> Option<Self>
    where
        Self: Sized,
    {
        let _ = index;
        None
    }
}

macro_rules! tuple_label_set {
    ($n:expr; $($t:ident $v:ident),+) => {
        impl<$($t: LabelValue),+> LabelSet for ($($t,)+) {
            const ARITY: usize = $n;
            const CARDINALITY: Option<usize> = {
                let mut product = Some(1usize);
                $(product = match (product, $t::CARDINALITY) {
                    (Some(p), Some(c)) => p.checked_mul(c),
                    _ => None,
                };)+
                product
            };

            fn visit(&self, f: &mut dyn FnMut(&str)) {
                let ($($v,)+) = self;
                $($v.with_str(|s| f(s));)+
            }

            #[inline]
            fn dense_index(&self) -> usize {
                let ($($v,)+) = self;
                let mut index = 0;
                $(index = index * $t::CARDINALITY.unwrap_or(1) + $v.index();)+
                index
            }

            fn from_dense_index(index: usize) -> Option<Self> {
                // Mixed radix, most significant value first: peel off from the last.
                let mut rest = index;
                let radices = [$($t::CARDINALITY?),+];
                let mut digits = [0usize; $n];
                for i in (0..$n).rev() {
                    digits[i] = rest % radices[i];
                    rest /= radices[i];
                }
                if rest != 0 {
                    return None;
                }
                let mut digits = digits.into_iter();
                Some(($($t::from_index(digits.next()?)?,)+))
            }
        }
    };
}
/// The empty label set: a family of one series, which is how unlabelled metrics are kept.
impl LabelSet for () {
    const ARITY: usize = 0;
    const CARDINALITY: Option<usize> = Some(1);
    fn visit(&self, _: &mut dyn FnMut(&str)) {}
    fn from_dense_index(index: usize) -> Option<()> {
        (index == 0).then_some(())
    }
}

tuple_label_set!(1; A a);
tuple_label_set!(2; A a, B b);
tuple_label_set!(3; A a, B b, C c);
tuple_label_set!(4; A a, B b, C c, D d);
tuple_label_set!(5; A a, B b, C c, D d, E e);
tuple_label_set!(6; A a, B b, C c, D d, E e, F f);

/// The label set of a family whose label names are fixed at registration and whose values
/// are strings given per call: `family.with_label_values(&["GET", "200"])`.
///
/// It has no values of its own; it only marks the family as dynamic.
#[derive(Debug, Clone, Copy)]
pub enum DynLabels {}

impl LabelSet for DynLabels {
    const ARITY: usize = 0;
    const DYNAMIC: bool = true;
    fn visit(&self, _: &mut dyn FnMut(&str)) {
        match *self {}
    }
}

/// Appends `value` escaped for a label value: `\` `"` and newline get a backslash.
pub(crate) fn escape_label_value(out: &mut String, value: &str) {
    let mut start = 0;
    for (i, b) in value.bytes().enumerate() {
        let escaped = match b {
            b'\\' => "\\\\",
            b'"' => "\\\"",
            b'\n' => "\\n",
            _ => continue,
        };
        out.push_str(&value[start..i]);
        out.push_str(escaped);
        start = i + 1;
    }
    out.push_str(&value[start..]);
}

/// Appends `name="value"` to a label block, with a `,` if the block is not empty.
pub(crate) fn push_pair(block: &mut String, name: &str, value: &str) {
    if !block.is_empty() {
        block.push(',');
    }
    block.push_str(name);
    block.push_str("=\"");
    push_value(block, value);
}

/// Appends `value` as a family stores it among a series' values: escaped as in a label block,
/// then closed by a `"` (which an escaped value never holds bare). The names and the `name="`
/// around each value are the same for every series of a family, so they are written when
/// encoding ([`push_pairs`]) rather than kept with each series.
pub(crate) fn push_value(values: &mut String, value: &str) {
    escape_label_value(values, value);
    values.push('"');
}

/// The text that opens each label's value in a block: `name="`, with a `,` before all but
/// the first. Made once per family and encoding, for [`push_pairs`].
pub(crate) fn pair_openings(names: &[Box<str>]) -> Vec<String> {
    let mut openings = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        let comma = if i > 0 { "," } else { "" };
        openings.push(format!("{comma}{name}=\""));
    }
    openings
}

/// Appends the label block `name="value",...` of stored `values` (see [`push_value`]),
/// opening each value with the family's [`pair_openings`], as the encoders take it. `plain`:
/// no stored value was escaped.
pub(crate) fn push_pairs(block: &mut String, openings: &[String], values: &str, plain: bool) {
    let mut rest = values;
    for opening in openings {
        let Some(end) = closing_quote(rest.as_bytes(), plain) else {
            return;
        };
        block.push_str(opening);
        // The value and its closing quote.
        block.push_str(&rest[..=end]);
        rest = &rest[end + 1..];
    }
}

/// Where the quote that closes the first stored value is.
fn closing_quote(values: &[u8], plain: bool) -> Option<usize> {
    if plain {
        return first_quote(values);
    }
    let mut i = 0;
    while i < values.len() {
        match values[i] {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// The first `"` in `s`, a word at a time: encoding looks for one per label of every series.
#[inline]
fn first_quote(s: &[u8]) -> Option<usize> {
    let n = s.len();
    if n < 8 {
        return s.iter().position(|&b| b == b'"');
    }
    let mut at = 0;
    loop {
        // The last word overlaps the one before, whose bytes held no quote.
        let start = at.min(n - 8);
        let quotes = quote_bytes(word_at(s, start));
        if quotes != 0 {
            return Some(start + (quotes.trailing_zeros() / 8) as usize);
        }
        if start == n - 8 {
            return None;
        }
        at += 8;
    }
}

/// The high bit of each byte of `w` that is a `"`, exact up to the first one (the classic
/// test for a zero byte, on `w` with quotes turned into zeros; bytes above the first may be
/// marked too).
#[inline(always)]
fn quote_bytes(w: u64) -> u64 {
    const QUOTES: u64 = u64::from_ne_bytes([b'"'; 8]);
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let x = w ^ QUOTES;
    x.wrapping_sub(ONES) & !x & HIGHS
}

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

/// The 8 bytes of `s` from `at`, little-endian.
#[inline(always)]
fn word_at(s: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(s[at..at + 8].try_into().unwrap_or_default())
}

/// The 4 bytes of `s` from `at`, little-endian, in the low half.
#[inline(always)]
fn half_at(s: &[u8], at: usize) -> u64 {
    u64::from(u32::from_le_bytes(
        s[at..at + 4].try_into().unwrap_or_default(),
    ))
}

/// Two words that hold all of a value of up to 16 bytes (more: its first and last 8), read
/// without a byte loop: the first and last bytes it has, overlapping where it is short.
/// With the length, they tell such values apart.
#[inline(always)]
fn short_words(v: &[u8]) -> (u64, u64) {
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

/// Whether two byte strings are equal and hold no `"`. Label values are short: two or four
/// overlapping words cover most (routes too), which costs less than a call to `memcmp` and
/// a byte loop.
#[inline(always)]
fn unquoted_eq(a: &[u8], b: &[u8]) -> bool {
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
fn escaped_is(stored: &[u8], value: &str) -> bool {
    let mut matcher = ValuesMatcher::new(stored, false);
    matcher.value(value);
    matcher.matched()
}

/// The rest of stored `values` after the first, when it is exactly `value` as it is,
/// unescaped: one comparison, then the closing quote.
#[inline(always)]
fn after_plain_value<'b>(values: &'b [u8], value: &[u8]) -> Option<&'b [u8]> {
    let head = values.get(..=value.len())?;
    if head[value.len()] != b'"' || !unquoted_eq(&head[..value.len()], value) {
        return None;
    }
    Some(&values[value.len() + 1..])
}

/// Hashes label values in order, seeded per family: a folded multiply per value of up to
/// 16 bytes (label values mostly are), mixing in the length so that value boundaries count.
/// The values' products do not wait on each other (the processor overlaps them); they are
/// chained by a rotation, so that order counts. Collisions only cost a comparison; the seeds
/// keep them from being chosen from outside.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ValueHashSeed {
    k0: u64,
    k1: u64,
}

impl ValueHashSeed {
    /// Fresh random seeds (fixed ones under loom, whose models must run the same way each
    /// time).
    pub(crate) fn new() -> ValueHashSeed {
        #[cfg(loom)]
        return ValueHashSeed {
            k0: 0x243f_6a88_85a3_08d3,
            k1: 0x1319_8a2e_0370_7345,
        };
        #[cfg(not(loom))]
        {
            let state = foldhash::fast::RandomState::default();
            ValueHashSeed {
                k0: state.hash_one(0x243f_6a88_85a3_08d3_u64),
                k1: state.hash_one(0x1319_8a2e_0370_7344_u64) | 1,
            }
        }
    }
}

/// Hashes label values one at a time (see [`ValueHashSeed`]).
pub(crate) struct ValueHasher {
    seed: ValueHashSeed,
    hash: u64,
}

/// The high and low halves of the full product, folded: the mixing step of foldhash.
#[inline(always)]
fn folded_multiply(a: u64, b: u64) -> u64 {
    let full = u128::from(a) * u128::from(b);
    (full as u64) ^ ((full >> 64) as u64)
}

impl ValueHasher {
    #[inline(always)]
    pub(crate) fn new(seed: ValueHashSeed) -> ValueHasher {
        ValueHasher {
            seed,
            hash: seed.k0,
        }
    }

    #[inline(always)]
    pub(crate) fn value(&mut self, value: &str) {
        let v = value.as_bytes();
        let n = v.len();
        let (lo, hi) = if n <= 16 {
            short_words(v)
        } else if n <= 32 {
            // Routes mostly: the first 16 bytes in one product, the last 16 (overlapping
            // them where shorter than 32) as a short value's two words.
            let acc = folded_multiply(
                word_at(v, 0) ^ self.seed.k0 ^ self.seed.k1,
                word_at(v, 8) ^ self.seed.k1,
            );
            (word_at(v, n - 16) ^ acc, word_at(v, n - 8))
        } else {
            // 16 bytes at a time, read in place, then the last 16 (overlapping the ones
            // before where the length is not a multiple): one product per 16 bytes.
            let mut acc = self.seed.k1;
            let mut at = 0;
            while at + 16 < n {
                acc = folded_multiply(
                    word_at(v, at) ^ self.seed.k0 ^ acc,
                    word_at(v, at + 8) ^ self.seed.k1,
                );
                at += 16;
            }
            (word_at(v, n - 16) ^ acc, word_at(v, n - 8))
        };
        let mixed = folded_multiply(
            lo ^ self.seed.k0,
            hi ^ self.seed.k1 ^ (n as u64).rotate_right(8),
        );
        self.hash = self.hash.rotate_left(23) ^ mixed;
    }

    #[inline(always)]
    pub(crate) fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Color {
        Red,
        Green,
        Blue,
    }

    impl LabelValue for Color {
        const CARDINALITY: Option<usize> = Some(3);
        fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R {
            f(["red", "green", "blue"][*self as usize])
        }
        fn index(&self) -> usize {
            *self as usize
        }
        fn from_index(index: usize) -> Option<Color> {
            [Color::Red, Color::Green, Color::Blue].get(index).copied()
        }
    }

    #[test]
    fn dense_index_round_trips() {
        type Set = (Color, bool, Color);
        assert_eq!(Set::CARDINALITY, Some(18));
        for i in 0..18 {
            let set = Set::from_dense_index(i).unwrap();
            assert_eq!(set.dense_index(), i);
        }
        assert_eq!(Set::from_dense_index(18), None);
        assert_eq!(
            (Color::Blue, true, Color::Green).dense_index(),
            2 * 6 + 3 + 1
        );
        assert_eq!(<(Color, String)>::CARDINALITY, None);
    }

    #[test]
    fn plain_values_match_exactly() {
        let mut stored = String::new();
        push_value(&mut stored, "p");
        push_value(&mut stored, "qqqzz");
        assert_eq!(stored, "p\"qqqzz\"");
        let matches = |values: [&str; 2]| {
            let mut m = ValuesMatcher::new(stored.as_bytes(), true);
            m.value(values[0]);
            m.value(values[1]);
            m.matched()
        };
        assert!(matches(["p", "qqqzz"]));
        // A value holding a quote would run into the next value and realign the rest.
        assert!(!matches(["p\"qq", "zz"]));
        for v in [
            "",
            "q",
            "qqq",
            "qqqz",
            "qqqzzz",
            "qqqzzqqqzz",
            "qqqzzqqqzzqqqzzq",
        ] {
            assert!(!matches(["p", v]), "{v}");
        }
        // Every length class of the word comparison, with a quote or a difference anywhere.
        for n in 0..40 {
            let v: String = (0..n).map(|i| (b'a' + (i % 26) as u8) as char).collect();
            assert!(unquoted_eq(v.as_bytes(), v.as_bytes()));
            for at in 0..n {
                let mut w = v.clone().into_bytes();
                w[at] = b'"';
                assert!(!unquoted_eq(&w, &w), "quote at {at} of {n}");
                w[at] = b'#';
                assert!(!unquoted_eq(v.as_bytes(), &w), "difference at {at} of {n}");
            }
        }
    }

    #[test]
    fn the_word_search_finds_the_first_quote() {
        for n in 0..40 {
            let plain: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
            assert_eq!(first_quote(&plain), None, "{n}");
            for at in 0..n {
                let mut s = plain.clone();
                s[at] = b'"';
                assert_eq!(first_quote(&s), Some(at), "{n} {at}");
                // A later quote, and bytes just around the quote's value, change nothing.
                s[n - 1] = b'"';
                if at > 0 {
                    s[at - 1] = b'"' - 1;
                }
                assert_eq!(first_quote(&s), Some(at), "{n} {at}");
            }
        }
    }

    #[test]
    fn the_straight_line_matcher_agrees_with_the_general_one() {
        let values = [
            "",
            "a",
            "ab",
            "GET",
            "POST",
            "abcdefg",
            "abcdefgh",
            "/api/v1/users/x",
            "x\"y",
        ];
        for v0 in values {
            for v1 in values {
                let mut stored = String::new();
                push_value(&mut stored, v0);
                push_value(&mut stored, v1);
                if stored.contains('\\') {
                    continue;
                }
                for w0 in values {
                    for w1 in values {
                        let mut m = ValuesMatcher::new(stored.as_bytes(), false);
                        m.value(w0);
                        m.value(w1);
                        let expected = (v0, v1) == (w0, w1);
                        assert_eq!(m.matched(), expected, "{stored} {w0:?} {w1:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn value_hashes_separate_values() {
        let seed = ValueHashSeed::new();
        let hash = |values: &[&str]| {
            let mut h = ValueHasher::new(seed);
            values.iter().for_each(|v| h.value(v));
            h.finish()
        };
        let long = "/api/v1/users/12345/orders/67890";
        let sets: [&[&str]; 9] = [
            &["ab", "c"],
            &["a", "bc"],
            &["abc", ""],
            &["", "abc"],
            &["abc"],
            &[long, "x"],
            &[&long[1..], "x"],
            &["GET", "200"],
            &["GET", "201"],
        ];
        let hashes: Vec<u64> = sets.iter().map(|s| hash(s)).collect();
        for i in 0..hashes.len() {
            assert_eq!(hashes[i], hash(sets[i]), "stable");
            for j in 0..i {
                assert_ne!(hashes[i], hashes[j], "{:?} {:?}", sets[i], sets[j]);
            }
        }
    }

    #[test]
    fn values_escape_match_and_make_blocks() {
        let mut stored = String::new();
        push_value(&mut stored, "a\\b\"c\nd");
        push_value(&mut stored, "200");
        assert_eq!(stored, r#"a\\b\"c\nd"200""#);
        let names = pair_openings(&["path".into(), "code".into()]);
        assert_eq!(names, ["path=\"", ",code=\""]);
        let mut block = String::new();
        push_pairs(&mut block, &names, &stored, false);
        assert_eq!(block, r#"path="a\\b\"c\nd",code="200""#);
        let mut plain = String::new();
        push_value(&mut plain, "/x");
        push_value(&mut plain, "");
        block.clear();
        push_pairs(&mut block, &names, &plain, true);
        assert_eq!(block, r#"path="/x",code="""#);
        let matches = |values: [&str; 2]| {
            let mut m = ValuesMatcher::new(stored.as_bytes(), false);
            m.value(values[0]);
            m.value(values[1]);
            m.matched()
        };
        assert!(matches(["a\\b\"c\nd", "200"]));
        assert!(!matches(["a\\b\"c\nd", "20"]));
        assert!(!matches(["a\\b\"c\nd", "2000"]));
        assert!(!matches(["a\\b\"c", "200"]));
        assert!(!matches(["", ""]));
        let mut m = ValuesMatcher::new(stored.as_bytes(), false);
        m.value("a\\b\"c\nd");
        assert!(!m.matched(), "a value left over is no match");
    }
}

//! Label values and label sets: how a family finds the series for a set of labels.
//!
//! A series keeps its labels as one pre-encoded block, `name="value",name="value"`, escaped
//! as the text formats want it. The encoder copies the block as it is, and a lookup compares
//! the values it is given against the block without building anything.

use std::borrow::Cow;
use std::hash::{BuildHasher, Hasher};
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
    escape_label_value(block, value);
    block.push('"');
}

/// Compares label values, one at a time, against a block built by [`push_pair`] with the
/// same names, without unescaping or allocating.
pub(crate) struct BlockMatcher<'a> {
    rest: &'a [u8],
    ok: bool,
}

impl<'a> BlockMatcher<'a> {
    pub(crate) fn new(block: &'a str) -> BlockMatcher<'a> {
        BlockMatcher {
            rest: block.as_bytes(),
            ok: true,
        }
    }

    /// Matches the next pair, whose name has `name_len` bytes, against `value`.
    #[inline]
    pub(crate) fn value(&mut self, name_len: usize, value: &str) {
        if !self.ok {
            return;
        }
        let Some(rest) = self.rest.get(name_len + 2..) else {
            self.ok = false;
            return;
        };
        let bytes = value.as_bytes();
        if !bytes.iter().any(|&b| matches!(b, b'\\' | b'"' | b'\n')) {
            // Stored as it is: one comparison, then the closing quote.
            match rest.get(..=bytes.len()) {
                Some(head) if head[..bytes.len()] == *bytes && head[bytes.len()] == b'"' => {
                    let r = &rest[bytes.len() + 1..];
                    self.rest = r.strip_prefix(b",").unwrap_or(r);
                }
                _ => self.ok = false,
            }
            return;
        }
        let mut rest = rest;
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
            Some(r) => self.rest = r.strip_prefix(b",").unwrap_or(r),
            None => self.ok = false,
        }
    }

    /// Whether every value matched and nothing is left.
    pub(crate) fn matched(&self) -> bool {
        self.ok && self.rest.is_empty()
    }
}

/// Hashes label values in order; `0xff` (never in UTF-8) separates them.
pub(crate) struct ValueHasher<H> {
    hasher: H,
}

impl<H: Hasher> ValueHasher<H> {
    pub(crate) fn new(state: &impl BuildHasher<Hasher = H>) -> ValueHasher<H> {
        ValueHasher {
            hasher: state.build_hasher(),
        }
    }

    #[inline]
    pub(crate) fn value(&mut self, value: &str) {
        self.hasher.write(value.as_bytes());
        self.hasher.write_u8(0xff);
    }

    pub(crate) fn finish(&self) -> u64 {
        self.hasher.finish()
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
    fn blocks_escape_and_match() {
        let mut block = String::new();
        push_pair(&mut block, "path", "a\\b\"c\nd");
        push_pair(&mut block, "code", "200");
        assert_eq!(block, r#"path="a\\b\"c\nd",code="200""#);
        let matches = |values: [&str; 2]| {
            let mut m = BlockMatcher::new(&block);
            m.value(4, values[0]);
            m.value(4, values[1]);
            m.matched()
        };
        assert!(matches(["a\\b\"c\nd", "200"]));
        assert!(!matches(["a\\b\"c\nd", "20"]));
        assert!(!matches(["a\\b\"c\nd", "2000"]));
        assert!(!matches(["a\\b\"c", "200"]));
        assert!(!matches(["", ""]));
        let mut m = BlockMatcher::new(&block);
        m.value(4, "a\\b\"c\nd");
        assert!(!m.matched(), "a value left over is no match");
    }
}

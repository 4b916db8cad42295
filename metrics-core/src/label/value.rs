//! [`LabelValue`]: one label value, and the types that are one.

use std::borrow::Cow;
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

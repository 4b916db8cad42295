//! [`LabelSet`]: the label values of one series, and the sets the crate provides.

use crate::label::value::LabelValue;

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

//! Label values and label sets: how a family names, hashes and compares the label values of
//! its series.
//!
//! A family stores each distinct label value once, escaped as the text formats want it and
//! closed by a quote ([`push_value`]): the encoders copy it as it is, and a lookup compares
//! the values it is given against it (`matching.rs`) without unescaping or building
//! anything.

mod allowlist;
mod escape;
mod hashing;
mod matching;
mod set;
#[cfg(test)]
mod tests;
mod value;
mod words;

pub use allowlist::Allowlist;
pub(crate) use escape::{
    escape_label_value, pair_openings, push_pair, push_pairs, push_quoted, push_value,
    stored_values, unescape,
};
pub(crate) use hashing::{ValueHashSeed, ValueHasher};
pub(crate) use matching::{same_bytes, stored_is};
pub use set::{DynLabels, LabelSet};
pub use value::LabelValue;

//! Derives for `metrics-core`: `LabelValue`, `LabelSet` and `MetricGroup`.
//!
//! The naming rules are not repeated here. For every name a derive sees, it places a
//! `const _: () = metrics_core::derive_support::assert_...("name", KIND);` item at the field
//! (or variant) it comes from; the compiler evaluates it with the same `const fn` predicates
//! that `metrics-core` uses at runtime, so a bad name fails the build there, with the rule's
//! message. Use them through `metrics_core` (feature `derive`, on by default).

mod label_set;
mod label_value;
mod metric_group;
mod options;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput, Error};

// The derives are documented, with every key and an example, where `metrics_core`
// re-exports them: the doctests need `metrics_core`, which this crate cannot depend on.

#[allow(missing_docs)]
#[proc_macro_derive(LabelValue, attributes(label, metrics))]
pub fn derive_label_value(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    label_value::label_value(&input)
        .unwrap_or_else(Error::into_compile_error)
        .into()
}

#[allow(missing_docs)]
#[proc_macro_derive(LabelSet, attributes(label, metrics))]
pub fn derive_label_set(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    label_set::label_set(&input)
        .unwrap_or_else(Error::into_compile_error)
        .into()
}

#[allow(missing_docs)]
#[proc_macro_derive(MetricGroup, attributes(metric, metrics))]
pub fn derive_metric_group(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    metric_group::metric_group(&input)
        .unwrap_or_else(Error::into_compile_error)
        .into()
}

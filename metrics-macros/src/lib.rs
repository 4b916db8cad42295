//! Derives for `metrics-core`: `LabelSet`, `LabelValue` and `MetricGroup`, with the naming
//! rules checked at compile time by the same predicates as the runtime.
//!
//! No derive is written yet (it is a later issue); until then `LabelValue` and `LabelSet`
//! are implemented by hand, as the `metrics-core` documentation shows.

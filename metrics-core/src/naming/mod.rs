//! Names: which metric and label names are valid at all ([`valid`]), which break the
//! Prometheus conventions ([`rules`]), what a check reports ([`problem`]), and the linter
//! that reads a text exposition ([`exposition`], over the line parser in [`parse`]).

pub(crate) mod escape;
mod exposition;
pub(crate) mod parse;
mod problem;
mod rules;
pub(crate) mod valid;

pub use escape::Escaping;
pub use exposition::lint_exposition;
pub use problem::{LintLevel, Problem, Rule};
pub use rules::{check_label_name, check_metric_name, check_unit, checked_name};
pub(crate) use rules::{check_unit_in, family_problems};
pub use valid::NameValidation;

#[cfg(test)]
mod tests;

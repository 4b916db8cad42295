//! Names: which metric and label names are valid at all ([`valid`]), which break the
//! Prometheus conventions ([`rules`]), what a check reports ([`problem`]), and the linter
//! that reads a text exposition ([`exposition`], over the line parser in [`parse`]).

mod exposition;
pub(crate) mod parse;
mod problem;
mod rules;
pub(crate) mod valid;

pub use exposition::lint_exposition;
pub use problem::{LintLevel, Problem, Rule};
pub(crate) use rules::family_problems;
pub use rules::{check_label_name, check_metric_name, check_unit, checked_name};

#[cfg(test)]
mod tests;

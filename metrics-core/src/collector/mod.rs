//! Collectors shipped with the crate.

pub(crate) mod process;

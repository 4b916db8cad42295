//! The layer everything else stands on: which atomics to use (std's, or loom's under
//! `cfg(loom)`), cells owned by the updating thread, when retired shared memory may be freed,
//! the wall clock, and float helpers. It imports nothing else of the crate.

pub(crate) mod cells;
pub(crate) mod clock;
pub(crate) mod epoch;
pub(crate) mod float;
#[cfg(loom)]
pub(crate) mod model_cells;
pub(crate) mod sync;

//! The one place that chooses between std's atomics and loom's model-checked ones.
//!
//! Lock-free code in this crate imports its atomics from here, so that
//! `RUSTFLAGS="--cfg loom" cargo test` checks it under every interleaving loom explores.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

/// Gives up the rest of a time slice inside a spin loop (a loom yield point under loom).
#[inline]
pub(crate) fn spin_yield() {
    #[cfg(loom)]
    loom::thread::yield_now();
    #[cfg(not(loom))]
    std::thread::yield_now();
}

//! The one place that chooses between std's atomics and loom's model-checked ones.
//!
//! Lock-free code in this crate imports its atomics from here, so that
//! `RUSTFLAGS="--cfg loom" cargo test` checks it under every interleaving loom explores.

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{
    fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
};
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{
    fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicU8, AtomicUsize, Ordering,
};

/// Gives up the rest of a time slice inside a spin loop (a loom yield point under loom).
#[inline]
pub(crate) fn spin_yield() {
    #[cfg(loom)]
    loom::thread::yield_now();
    #[cfg(not(loom))]
    std::thread::yield_now();
}

/// A cell whose contents one thread at a time may change, through a raw pointer; under loom,
/// loom's checked cell, which reports two threads reaching it at once.
#[cfg(loom)]
pub(crate) use loom::cell::UnsafeCell;

/// A cell whose contents one thread at a time may change, through a raw pointer; under loom,
/// loom's checked cell, which reports two threads reaching it at once.
#[cfg(not(loom))]
#[derive(Debug, Default)]
pub(crate) struct UnsafeCell<T>(std::cell::UnsafeCell<T>);

#[cfg(not(loom))]
impl<T> UnsafeCell<T> {
    pub(crate) fn new(value: T) -> UnsafeCell<T> {
        UnsafeCell(std::cell::UnsafeCell::new(value))
    }

    /// Calls `f` with a pointer to the contents, as loom's cell does.
    #[inline(always)]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }

    /// Calls `f` with a pointer to read the contents through, as loom's cell does.
    #[inline(always)]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }
}

/// A lock for the cold paths that lock-free code shares data with: parking_lot's, or under
/// loom, loom's, so that loom sees the order it makes.
#[derive(Debug, Default)]
pub(crate) struct Mutex<T>(
    #[cfg(not(loom))] parking_lot::Mutex<T>,
    #[cfg(loom)] loom::sync::Mutex<T>,
);

impl<T> Mutex<T> {
    #[cfg(not(loom))]
    pub(crate) const fn new(value: T) -> Mutex<T> {
        Mutex(parking_lot::Mutex::new(value))
    }

    #[cfg(loom)]
    pub(crate) fn new(value: T) -> Mutex<T> {
        Mutex(loom::sync::Mutex::new(value))
    }

    /// Locks; the lock is never poisoned (a panic under it leaves the data as it was).
    #[inline]
    pub(crate) fn lock(&self) -> impl std::ops::DerefMut<Target = T> + '_ {
        #[cfg(not(loom))]
        return self.0.lock();
        #[cfg(loom)]
        return self.0.lock().unwrap_or_else(|e| e.into_inner());
    }
}

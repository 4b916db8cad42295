//! A monotonic counter. Integer increments go to a thread-owned cell (see `local.rs`).

use std::sync::Arc;

use crate::error::ValueError;
use crate::metric::local::CellId;
use crate::sync::{AtomicU64, Ordering};

/// A monotonic total, such as requests served or bytes sent.
///
/// Integer increments ([`inc`](Counter::inc), [`inc_by`](Counter::inc_by)) add into a cell
/// owned by the calling thread: a plain load and store, no locked instruction, no cache line
/// shared between threads; reading sums the threads' cells. Fractional increments ([`inc_by_f64`](Counter::inc_by_f64)) are kept in a
/// separate cell (a compare-and-swap on the bits of an `f64`) and added to the integer part
/// when the value is read, so that the common integer path never pays for them.
///
/// Clones share the same value.
///
/// ```
/// let c = metrics_core::Counter::new();
/// c.inc();
/// c.inc_by(2);
/// c.inc_by_f64(0.5);
/// assert_eq!(c.get(), 3.5);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Counter {
    inner: Arc<CounterCell>,
}

#[derive(Debug)]
struct CounterCell {
    /// Where integer increments go; `None` only if the process ran out of cells.
    local: Option<CellId>,
    /// Integer increments when `local` is `None`.
    int: AtomicU64,
    float_bits: AtomicU64,
    /// The integer value at the last reset, subtracted on reads.
    reset_at: AtomicU64,
}

impl Default for CounterCell {
    fn default() -> CounterCell {
        CounterCell {
            local: CellId::new(),
            int: AtomicU64::new(0),
            float_bits: AtomicU64::new(0),
            reset_at: AtomicU64::new(0),
        }
    }
}

impl Counter {
    /// A counter at zero, not registered anywhere (see `Registry::counter` for that).
    pub fn new() -> Counter {
        Counter::default()
    }

    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        self.inc_by(1);
    }

    /// Adds `v`.
    #[inline]
    pub fn inc_by(&self, v: u64) {
        match &self.inner.local {
            Some(cell) => cell.add(v),
            None => {
                self.inner.int.fetch_add(v, Ordering::Relaxed);
            }
        }
    }

    /// Adds a fractional amount, such as seconds of CPU time.
    ///
    /// # Errors
    /// [`ValueError::Negative`] or [`ValueError::NotANumber`]: a counter never goes down, and
    /// the value is left as it was.
    pub fn try_inc_by_f64(&self, v: f64) -> Result<(), ValueError> {
        if v.is_nan() {
            return Err(ValueError::NotANumber);
        }
        if v < 0.0 {
            return Err(ValueError::Negative(v));
        }
        if v != 0.0 {
            add_f64(&self.inner.float_bits, v);
        }
        Ok(())
    }

    /// Adds a fractional amount, such as seconds of CPU time.
    ///
    /// # Panics
    /// If `v` is negative or NaN; [`try_inc_by_f64`](Counter::try_inc_by_f64) returns an error
    /// instead.
    #[track_caller]
    pub fn inc_by_f64(&self, v: f64) {
        if let Err(e) = self.try_inc_by_f64(v) {
            panic!("Counter::inc_by_f64: {e}");
        }
    }

    /// The current value: the integer part plus the fractional increments.
    pub fn get(&self) -> f64 {
        let (int, float) = self.parts();
        int as f64 + float
    }

    /// The integer and fractional parts, read separately.
    pub(crate) fn parts(&self) -> (u64, f64) {
        let c = &*self.inner;
        (
            self.total_int()
                .wrapping_sub(c.reset_at.load(Ordering::Relaxed)),
            f64::from_bits(c.float_bits.load(Ordering::Relaxed)),
        )
    }

    fn total_int(&self) -> u64 {
        let c = &*self.inner;
        let local = c.local.as_ref().map_or(0, CellId::sum);
        local.wrapping_add(c.int.load(Ordering::Relaxed))
    }

    /// Back to zero. Increments racing with the reset may land on either side of it.
    pub(crate) fn reset(&self) {
        self.inner
            .reset_at
            .store(self.total_int(), Ordering::Relaxed);
        self.inner.float_bits.store(0, Ordering::Relaxed);
    }
}

/// Adds `v` to the `f64` whose bits are in `cell`.
#[inline]
pub(crate) fn add_f64(cell: &AtomicU64, v: f64) {
    let mut old = cell.load(Ordering::Relaxed);
    loop {
        let new = (f64::from_bits(old) + v).to_bits();
        match cell.compare_exchange_weak(old, new, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return,
            Err(seen) => old = seen,
        }
    }
}

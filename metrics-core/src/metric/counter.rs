//! A monotonic counter. Integer increments go to a thread-owned cell (see `runtime/cells/`).

use triomphe::Arc;

use crate::error::{ExemplarError, ValueError};
use crate::metric::extras::{Extras, ExtrasSlot};
use crate::metric::header::SeriesHeader;
use crate::model::Exemplar;
use crate::runtime::cells::OneCell;
use crate::runtime::float::add_f64;
use crate::runtime::sync::Ordering;

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
#[derive(Clone, Debug)]
pub struct Counter {
    inner: Arc<CounterCell>,
}

#[derive(Debug)]
struct CounterCell {
    /// Where integer increments go (unless the process ran out of cells: then the extras'
    /// shared atomic).
    local: OneCell,
    /// What few counters use, taken from a slab at first use, so that a plain counter
    /// carries 4 bytes for it.
    extras: ExtrasSlot,
    /// What a family keeps with the series (empty outside a family).
    series: SeriesHeader,
}

impl Default for Counter {
    fn default() -> Counter {
        Counter::with_header(SeriesHeader::detached())
    }
}

impl CounterCell {
    fn extras(&self) -> &Extras {
        self.extras.get_or_init()
    }
}

/// An increment the thread's cells cannot take at once: the first into the cell's chunk
/// (see `OneCell::add_first_time`), or one past the process' supply of cells, which goes to a
/// shared atomic instead. A call in tail position, so that the common path saves no
/// registers; `extern "C"` makes it a function that cannot unwind (nothing in it panics), so
/// that callers keep no clean-up code around the call either. It takes the heap cell, not
/// `&Counter`, so that no caller's stack address escapes into it.
#[cold]
#[inline(never)]
extern "C" fn add_first_time(cell: &CounterCell, v: u64) {
    if !cell.local.add_first_time(v) {
        cell.extras().int.fetch_add(v, Ordering::Relaxed);
    }
}

impl Counter {
    /// A counter at zero, not registered anywhere (see `Registry::counter` for that).
    pub fn new() -> Counter {
        Counter::default()
    }

    /// A counter at zero that is a family's series.
    pub(crate) fn with_header(series: SeriesHeader) -> Counter {
        Counter {
            inner: Arc::new(CounterCell {
                local: OneCell::new(),
                extras: ExtrasSlot::default(),
                series,
            }),
        }
    }

    pub(crate) fn header(&self) -> &SeriesHeader {
        &self.inner.series
    }

    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        self.inc_by(1);
    }

    /// Adds `v`.
    #[inline]
    pub fn inc_by(&self, v: u64) {
        if !self.inner.local.add_touched(v) {
            add_first_time(&self.inner, v);
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
            add_f64(&self.inner.extras().float_bits, v);
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

    /// Adds one and keeps `labels` (such as `trace_id`) as the counter's exemplar.
    ///
    /// ```
    /// let c = metrics_core::Counter::new();
    /// c.inc_with_exemplar(&[("trace_id", "4bf92f3577b34da6")])?;
    /// assert_eq!(c.get(), 1.0);
    /// # Ok::<(), metrics_core::ExemplarError>(())
    /// ```
    ///
    /// # Errors
    /// When the labels are invalid or longer than OpenMetrics allows; the increment is
    /// recorded all the same.
    pub fn inc_with_exemplar(&self, labels: &[(&str, &str)]) -> Result<(), ExemplarError> {
        self.inc_by_with_exemplar(1, labels)
    }

    /// Adds `v` and keeps `labels` as the counter's exemplar, of value `v`.
    ///
    /// # Errors
    /// As for [`inc_with_exemplar`](Counter::inc_with_exemplar).
    pub fn inc_by_with_exemplar(
        &self,
        v: u64,
        labels: &[(&str, &str)],
    ) -> Result<(), ExemplarError> {
        self.inc_by(v);
        let exemplar = Exemplar::new(labels, v as f64)?;
        *self.inner.extras().exemplar.lock() = Some(exemplar);
        Ok(())
    }

    /// The current value: the integer part plus the fractional increments.
    pub fn get(&self) -> f64 {
        let (int, float) = self.parts();
        int as f64 + float
    }

    /// The integer and fractional parts, read separately.
    pub(crate) fn parts(&self) -> (u64, f64) {
        let int = self.total_int();
        match self.inner.extras.get() {
            None => (int, 0.0),
            Some(e) => (
                int.wrapping_sub(e.reset_at.load(Ordering::Relaxed)),
                f64::from_bits(e.float_bits.load(Ordering::Relaxed)),
            ),
        }
    }

    /// Every integer increment ever made, before any reset.
    fn total_int(&self) -> u64 {
        let c = &*self.inner;
        let local = c.local.sum();
        let fallback = c.extras.get().map_or(0, |e| e.int.load(Ordering::Relaxed));
        local.wrapping_add(fallback)
    }

    /// Back to zero, as a new series. Increments racing with the reset may land on either
    /// side of it.
    pub(crate) fn reset(&self) {
        let c = &*self.inner;
        let total = self.total_int();
        let extras = c.extras();
        extras.reset_at.store(total, Ordering::Relaxed);
        extras.float_bits.store(0, Ordering::Relaxed);
        *extras.exemplar.lock() = None;
        c.series.restart();
    }

    /// When the series started, in Unix seconds.
    pub(crate) fn created(&self) -> f64 {
        self.inner.series.created()
    }

    /// Calls `f` with the current exemplar, holding its lock.
    pub(crate) fn with_exemplar<R>(&self, f: impl FnOnce(Option<&Exemplar>) -> R) -> R {
        match self.inner.extras.get() {
            Some(e) => f(e.exemplar.lock().as_ref()),
            None => f(None),
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::runtime::clock::now_seconds;

    #[test]
    fn created_is_the_start_to_the_millisecond_and_a_reset_moves_it() {
        let before = now_seconds();
        let c = Counter::new();
        let after = now_seconds();
        // Kept in milliseconds: the stored start may be up to 1 ms before the clock read.
        assert!(
            c.created() >= before - 0.001 && c.created() <= after,
            "{}",
            c.created()
        );
        c.inc_by(5);
        std::thread::sleep(std::time::Duration::from_millis(5));
        c.reset();
        assert!(
            c.created() >= after + 0.004,
            "{} after {after}",
            c.created()
        );
        assert_eq!(c.get(), 0.0);
    }
}

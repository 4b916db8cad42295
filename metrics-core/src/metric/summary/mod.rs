//! A summary: quantiles over a sliding window, with the count and sum of every observation.
//!
//! Observations are counted in the buckets of a native histogram (`native/`), at the
//! resolution the objectives need (`quantiles.rs`): observing takes no lock, and normally
//! no locked instruction, exactly as a native histogram's does, plus one read of a coarse
//! clock. The window (`window.rs`) keeps a reading of those buckets per step; the first
//! observation of a new step takes that reading (a few microseconds, once per step, and
//! only if no one else is taking it: it tries the window's lock and never waits for it).
//!
//! A read takes one consistent reading of the buckets and derives everything from it: the
//! count and sum are the reading's, the quantiles the reading less the window's start, so
//! a scrape's quantiles, `_count` and `_sum` always describe the same observations.

mod quantiles;
mod window;

pub use quantiles::Quantiles;

use std::fmt;
use std::time::Duration;

use parking_lot::Mutex;

use crate::metric::header::SeriesHeader;
use crate::metric::native::{Native, Resets};
use crate::model::{NativeSnapshot, Scratch, Sink, SummarySample};
use crate::runtime::sync::{AtomicU64, Ordering};
use window::{Window, WindowBuckets};

/// A summary: the quantiles of the observations of a sliding window (client_golang's
/// objectives and `MaxAge`/`AgeBuckets`, see [`Quantiles`]), with `_count` and `_sum` of
/// every observation since it started.
///
/// `observe` takes no lock. Clones share the same state. Summaries cannot be aggregated
/// across instances; prefer a [`Histogram`](crate::Histogram) unless the quantiles of each
/// instance are what you want.
///
/// ```
/// use metrics_core::{Quantiles, Summary};
///
/// let s = Summary::new(Quantiles::new([0.5, 0.99])?);
/// for ms in 1..=1000 {
///     s.observe(f64::from(ms) / 1000.0);
/// }
/// let snapshot = s.snapshot();
/// assert_eq!(snapshot.count(), 1000);
/// let median = snapshot.quantiles()[0];
/// assert_eq!(median.0, 0.5);
/// assert!((median.1 - 0.5).abs() <= 0.5 * 0.006); // within its bucket, 0.6 % wide
/// # Ok::<(), metrics_core::QuantilesError>(())
/// ```
#[derive(Clone)]
pub struct Summary {
    inner: triomphe::Arc<SummaryInner>,
}

struct SummaryInner {
    quantiles: Quantiles,
    buckets: Native,
    /// When the window's next step begins, on its clock (milliseconds).
    next_step: AtomicU64,
    /// Serialises reads and steps; observers only try it, once per step.
    window: Mutex<Window>,
    series: SeriesHeader,
}

/// A summary read once: the count and sum of every observation, and each objective's
/// quantile over the window.
#[derive(Debug, Clone, PartialEq)]
pub struct SummarySnapshot {
    count: u64,
    sum: f64,
    quantiles: Vec<(f64, f64)>,
}

impl SummarySnapshot {
    /// Observations since the start (or the last reset).
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Their sum.
    pub fn sum(&self) -> f64 {
        self.sum
    }

    /// (quantile, value) for each objective, by quantile; the value is NaN when the window
    /// holds no observation.
    pub fn quantiles(&self) -> &[(f64, f64)] {
        &self.quantiles
    }
}

impl Default for Summary {
    fn default() -> Summary {
        Summary::new(Quantiles::default())
    }
}

impl fmt::Debug for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Summary")
            .field("objectives", &self.inner.quantiles.objectives())
            .field("window", &self.inner.quantiles.window())
            .finish_non_exhaustive()
    }
}

impl Summary {
    /// A summary with these objectives and window, not registered anywhere.
    pub fn new(quantiles: Quantiles) -> Summary {
        Summary::with_header(quantiles, SeriesHeader::detached())
    }

    /// A summary at zero that is a family's series.
    pub(crate) fn with_header(quantiles: Quantiles, series: SeriesHeader) -> Summary {
        let buckets = Native::new(quantiles.native_buckets());
        let now = quantiles.clock.now_ms();
        let empty = buckets.empty();
        let window = Window::new(now, empty, quantiles.max_age_ms(), quantiles.step_ms());
        Summary {
            inner: triomphe::Arc::new(SummaryInner {
                next_step: AtomicU64::new(window.next_step(now)),
                window: Mutex::new(window),
                buckets,
                quantiles,
                series,
            }),
        }
    }

    pub(crate) fn header(&self) -> &SeriesHeader {
        &self.inner.series
    }

    /// Records one observation.
    ///
    /// Any `f64` is recorded, as client_golang records it: negative values lower `_sum` and
    /// count in the quantiles; NaN makes `_sum` NaN and counts in `_count` but in no
    /// quantile; infinities count in the outermost buckets.
    #[inline]
    pub fn observe(&self, v: f64) {
        let s = &*self.inner;
        let now = s.quantiles.clock.now_ms();
        if now >= s.next_step.load(Ordering::Relaxed) {
            s.step(now);
        }
        s.buckets.observe(v);
    }

    /// Records a duration, in seconds.
    pub fn observe_duration(&self, d: Duration) {
        self.observe(d.as_secs_f64());
    }

    /// The count, sum and quantiles now, from one consistent reading.
    pub fn snapshot(&self) -> SummarySnapshot {
        let mut quantiles = Vec::new();
        let (count, sum) = self.inner.read(&mut quantiles);
        SummarySnapshot {
            count,
            sum,
            quantiles,
        }
    }

    /// The objectives and window.
    pub fn quantiles(&self) -> &Quantiles {
        &self.inner.quantiles
    }

    /// When the series started (or was last reset), Unix seconds.
    pub(crate) fn created(&self) -> f64 {
        self.inner.series.created()
    }

    /// Writes the summary into `sink`, read once.
    pub(crate) fn write_to(
        &self,
        name: &str,
        labels: &str,
        sink: &mut dyn Sink,
        scratch: &mut Scratch,
    ) {
        let (count, sum) = self.inner.read(&mut scratch.quantiles);
        let sample = SummarySample {
            count,
            sum,
            quantiles: &scratch.quantiles,
            created: Some(self.created()),
        };
        sink.summary(name, labels, &sample);
    }

    /// Changes whenever an observation is made.
    pub(crate) fn fingerprint(&self) -> u64 {
        self.inner.buckets.started()
    }

    /// Back to zero: count, sum and window.
    pub(crate) fn reset(&self) {
        let s = &*self.inner;
        let mut window = s.window.lock();
        s.buckets.reset();
        window.restart(s.quantiles.clock.now_ms(), s.buckets.empty());
        s.series.restart();
    }
}

impl SummaryInner {
    /// Takes the reading that starts a step of the window, unless someone holds the window
    /// (a read, or another observer taking it): they see the new step themselves.
    #[cold]
    fn step(&self, now: u64) {
        let Some(mut window) = self.window.try_lock() else {
            return;
        };
        if now >= self.next_step.load(Ordering::Relaxed) {
            let (reading, _) = self.buckets.snapshot_with(Resets::Never);
            self.begin_step(&mut window, now, reading);
        }
    }

    fn begin_step(&self, window: &mut Window, now: u64, reading: NativeSnapshot) {
        window.push(now, reading);
        self.next_step
            .store(window.next_step(now), Ordering::Relaxed);
    }

    /// One consistent reading: its count and sum, and each objective's quantile over the
    /// window into `quantiles`.
    fn read(&self, quantiles: &mut Vec<(f64, f64)>) -> (u64, f64) {
        let mut window = self.window.lock();
        let now = self.quantiles.clock.now_ms();
        let (reading, _) = self.buckets.snapshot_with(Resets::Never);
        let buckets = WindowBuckets::between(window.start(now), &reading);
        quantiles.clear();
        quantiles.extend(
            self.quantiles
                .objectives()
                .iter()
                .map(|&(q, _)| (q, buckets.quantile(q))),
        );
        let (count, sum) = (reading.count, reading.sum);
        if now >= self.next_step.load(Ordering::Relaxed) {
            self.begin_step(&mut window, now, reading);
        }
        (count, sum)
    }
}

#[cfg(test)]
mod tests;

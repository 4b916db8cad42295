//! A histogram with fixed bucket bounds, lock-free observe and consistent snapshots.
//!
//! Observations land in one of two shards, "hot" and "cold", chosen by the top bit of a
//! single counter that also counts observations (the scheme of client_golang). A scrape flips
//! the bit, so new observations go to the other shard, waits for the observations that
//! started before the flip to finish in the old shard (their number is known exactly from the
//! counter), reads it, and folds it into the new hot shard. What it reads is therefore the
//! exact state after a set of whole observations: the buckets add up to the count and the sum
//! is the sum of the same observations.
//!
//! An observation is three atomic read-modify-writes: the counter, the shard's sum (a
//! compare-and-swap on `f64` bits) and the bucket. The bucket is written last, with `Release`,
//! so a scrape that sees it also sees the sum.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::error::BucketsError;
use crate::metric::counter::add_f64;
use crate::sync::{spin_yield, AtomicU64, Ordering};

/// The upper bounds of a histogram's buckets: finite, strictly increasing; the `+Inf` bucket
/// is implicit. Cheap to clone; histograms of a family share one.
///
/// ```
/// use metrics_core::Buckets;
/// assert_eq!(Buckets::default().bounds().len(), 11);
/// assert_eq!(Buckets::linear(1.0, 1.0, 3)?.bounds(), &[1.0, 2.0, 3.0]);
/// assert_eq!(Buckets::exponential(0.001, 10.0, 3)?.bounds(), &[0.001, 0.01, 0.1]);
/// assert!(Buckets::new([2.0, 1.0]).is_err());
/// # Ok::<(), metrics_core::BucketsError>(())
/// ```
#[derive(Clone)]
pub struct Buckets {
    inner: Arc<Bounds>,
}

struct Bounds {
    bounds: Box<[f64]>,
    /// Each bound as the text of an `le` label value, `+Inf` last.
    le: Box<[Box<str>]>,
}

/// Prometheus' default buckets, suited to request latencies in seconds.
pub const DEFAULT_BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

impl Buckets {
    /// Buckets with the given upper bounds. A trailing `+Inf` is accepted and dropped.
    ///
    /// # Errors
    /// When a bound is NaN or infinite, or the bounds are not strictly increasing.
    pub fn new(bounds: impl IntoIterator<Item = f64>) -> Result<Buckets, BucketsError> {
        let mut bounds: Vec<f64> = bounds.into_iter().collect();
        if bounds.last() == Some(&f64::INFINITY) {
            bounds.pop();
        }
        for (i, &b) in bounds.iter().enumerate() {
            if b.is_nan() {
                return Err(BucketsError::NotANumber { index: i });
            }
            if b.is_infinite() {
                return Err(BucketsError::Infinite { index: i });
            }
            if i > 0 && b == bounds[i - 1] {
                return Err(BucketsError::Duplicate { index: i, bound: b });
            }
            if i > 0 && b < bounds[i - 1] {
                return Err(BucketsError::NotSorted { index: i, bound: b });
            }
        }
        let mut le: Vec<Box<str>> = bounds
            .iter()
            .map(|&b| {
                let mut text = Vec::new();
                crate::encode::write_f64(&mut text, b);
                String::from_utf8(text).unwrap_or_default().into_boxed_str()
            })
            .collect();
        le.push("+Inf".into());
        Ok(Buckets {
            inner: Arc::new(Bounds {
                bounds: bounds.into(),
                le: le.into(),
            }),
        })
    }

    /// `count` bounds `start`, `start + width`, ...
    ///
    /// # Errors
    /// When `count` is zero or `width` is not a positive finite number.
    pub fn linear(start: f64, width: f64, count: usize) -> Result<Buckets, BucketsError> {
        if count == 0 {
            return Err(BucketsError::NoBuckets);
        }
        if !(width > 0.0 && width.is_finite()) {
            return Err(BucketsError::InvalidStep(width));
        }
        Buckets::new((0..count).map(|i| start + width * i as f64))
    }

    /// `count` bounds `start`, `start * factor`, `start * factor²`, ...
    ///
    /// # Errors
    /// When `count` is zero, `start` is not positive, or `factor` is not greater than 1.
    pub fn exponential(start: f64, factor: f64, count: usize) -> Result<Buckets, BucketsError> {
        if count == 0 {
            return Err(BucketsError::NoBuckets);
        }
        if !(start > 0.0 && start.is_finite()) {
            return Err(BucketsError::InvalidStart(start));
        }
        if !(factor > 1.0 && factor.is_finite()) {
            return Err(BucketsError::InvalidStep(factor));
        }
        Buckets::new((0..count).map(|i| start * factor.powi(i as i32)))
    }

    /// The finite upper bounds, increasing.
    pub fn bounds(&self) -> &[f64] {
        &self.inner.bounds
    }

    /// The `le` label value of bucket `i` (`+Inf` for the last).
    pub(crate) fn le(&self, i: usize) -> &str {
        &self.inner.le[i]
    }

    /// The bucket an observation falls in: the first bound `>= v`, or the `+Inf` bucket.
    #[inline]
    fn index(&self, v: f64) -> usize {
        let bounds = &*self.inner.bounds;
        if v.is_nan() {
            return bounds.len();
        }
        if bounds.len() <= 32 {
            // Counting the smaller bounds has no data-dependent branch and vectorises.
            bounds.iter().map(|&b| usize::from(b < v)).sum()
        } else {
            bounds.partition_point(|&b| b < v)
        }
    }
}

impl Default for Buckets {
    /// [`DEFAULT_BUCKETS`].
    fn default() -> Buckets {
        static DEFAULT: std::sync::OnceLock<Buckets> = std::sync::OnceLock::new();
        DEFAULT
            .get_or_init(|| Buckets::new(DEFAULT_BUCKETS).expect("the default buckets are valid"))
            .clone()
    }
}

impl PartialEq for Buckets {
    fn eq(&self, other: &Buckets) -> bool {
        self.inner.bounds == other.inner.bounds
    }
}

impl fmt::Debug for Buckets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.bounds()).finish()
    }
}

/// A histogram: observations counted in buckets, with their sum and count.
///
/// `observe` takes no lock. Clones share the same state.
///
/// ```
/// use metrics_core::{Buckets, Histogram};
/// let h = Histogram::new(Buckets::new([0.1, 1.0])?);
/// h.observe(0.05);
/// h.observe(0.5);
/// h.observe(7.0);
/// let s = h.snapshot();
/// assert_eq!(s.cumulative_counts(), vec![1, 2, 3]);
/// assert_eq!((s.count(), s.sum()), (3, 7.55));
/// # Ok::<(), metrics_core::BucketsError>(())
/// ```
#[derive(Clone)]
pub struct Histogram {
    inner: Arc<HistogramCells>,
}

struct HistogramCells {
    buckets: Buckets,
    /// Top bit: which shard is hot. Lower 63 bits: observations ever started.
    count_and_hot: AtomicU64,
    /// Two shards of `stride` cells each: the sum's bits, then one count per bucket.
    cells: Box<[AtomicU64]>,
    /// Serialises scrapes; observers never touch it.
    collecting: Mutex<()>,
}

const HOT_BIT: u64 = 1 << 63;

impl Histogram {
    /// A histogram with the given buckets, not registered anywhere.
    pub fn new(buckets: Buckets) -> Histogram {
        let stride = buckets.bounds().len() + 2;
        let cells = (0..2 * stride).map(|_| AtomicU64::new(0)).collect();
        Histogram {
            inner: Arc::new(HistogramCells {
                buckets,
                count_and_hot: AtomicU64::new(0),
                cells,
                collecting: Mutex::new(()),
            }),
        }
    }

    /// Records one observation.
    #[inline]
    pub fn observe(&self, v: f64) {
        let h = &*self.inner;
        let bucket = h.buckets.index(v);
        let started = h.count_and_hot.fetch_add(1, Ordering::Relaxed);
        let shard = &h.cells[h.shard_range(started >> 63)];
        add_f64(&shard[0], v);
        // Release: a scrape that sees this count also sees the sum above.
        shard[1 + bucket].fetch_add(1, Ordering::Release);
    }

    /// Records a duration in seconds.
    #[inline]
    pub fn observe_duration(&self, d: Duration) {
        self.observe(d.as_secs_f64());
    }

    /// Starts a timer that records the time elapsed, in seconds, when it is dropped or
    /// [`observe`](HistogramTimer::observe)d.
    ///
    /// ```
    /// let h = metrics_core::Histogram::default();
    /// {
    ///     let _timer = h.start_timer();
    ///     // work
    /// }
    /// assert_eq!(h.snapshot().count(), 1);
    /// ```
    pub fn start_timer(&self) -> HistogramTimer {
        HistogramTimer {
            histogram: Some(self.clone()),
            start: Instant::now(),
        }
    }

    /// The buckets of this histogram.
    pub fn buckets(&self) -> &Buckets {
        &self.inner.buckets
    }

    /// A consistent reading of the histogram: bucket counts, sum and count from one set of
    /// whole observations.
    pub fn snapshot(&self) -> HistogramSnapshot {
        let mut counts = Vec::new();
        let (count, sum) = self.snapshot_into(&mut counts);
        HistogramSnapshot { counts, count, sum }
    }

    /// Reads the histogram into `counts` (per-bucket, not cumulative, `+Inf` last), returning
    /// the count and sum. The buffer is reused across series by the encoders.
    pub(crate) fn snapshot_into(&self, counts: &mut Vec<u64>) -> (u64, f64) {
        let h = &*self.inner;
        let _one_scrape_at_a_time = h.collecting.lock();
        let before = h.count_and_hot.fetch_add(HOT_BIT, Ordering::AcqRel);
        let count = before & !HOT_BIT;
        let cold = &h.cells[h.shard_range(before >> 63)];
        let hot = &h.cells[h.shard_range((before >> 63) ^ 1)];
        // Observations counted before the flip may still be writing to the cold shard.
        while cold[1..]
            .iter()
            .map(|c| c.load(Ordering::Acquire))
            .sum::<u64>()
            != count
        {
            spin_yield();
        }
        counts.clear();
        counts.extend(cold[1..].iter().map(|c| c.load(Ordering::Relaxed)));
        let sum = f64::from_bits(cold[0].load(Ordering::Relaxed));
        // Fold the cold shard into the hot one, sum before counts as an observation does.
        add_f64(&hot[0], sum);
        cold[0].store(0, Ordering::Relaxed);
        for (c, (hot, cold)) in counts.iter().zip(hot[1..].iter().zip(&cold[1..])) {
            hot.fetch_add(*c, Ordering::Release);
            cold.store(0, Ordering::Relaxed);
        }
        (count, sum)
    }

    /// Sum and count, for idle-series detection.
    pub(crate) fn fingerprint(&self) -> u64 {
        self.inner.count_and_hot.load(Ordering::Relaxed) & !HOT_BIT
    }

    pub(crate) fn reset(&self) {
        let h = &*self.inner;
        let _one_scrape_at_a_time = h.collecting.lock();
        for cell in h.cells.iter() {
            cell.store(0, Ordering::Relaxed);
        }
        let hot = h.count_and_hot.load(Ordering::Relaxed) & HOT_BIT;
        h.count_and_hot.store(hot, Ordering::Relaxed);
    }
}

impl HistogramCells {
    fn shard_range(&self, shard: u64) -> std::ops::Range<usize> {
        let stride = self.cells.len() / 2;
        let start = shard as usize * stride;
        start..start + stride
    }
}

impl Default for Histogram {
    /// A histogram with [`DEFAULT_BUCKETS`].
    fn default() -> Histogram {
        Histogram::new(Buckets::default())
    }
}

impl fmt::Debug for Histogram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Histogram")
            .field("buckets", self.buckets())
            .finish_non_exhaustive()
    }
}

/// A consistent reading of a [`Histogram`].
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramSnapshot {
    counts: Vec<u64>,
    count: u64,
    sum: f64,
}

impl HistogramSnapshot {
    /// Observations per bucket, `+Inf` last; not cumulative.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Cumulative counts as the exposition shows them: the last equals [`count`](Self::count).
    pub fn cumulative_counts(&self) -> Vec<u64> {
        self.counts
            .iter()
            .scan(0, |acc, c| {
                *acc += c;
                Some(*acc)
            })
            .collect()
    }

    /// Number of observations.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Sum of the observations.
    pub fn sum(&self) -> f64 {
        self.sum
    }
}

/// Records the time since [`Histogram::start_timer`] when dropped.
#[must_use = "the timer records when it is dropped; dropping it at once records ~0"]
pub struct HistogramTimer {
    histogram: Option<Histogram>,
    start: Instant,
}

impl HistogramTimer {
    /// Records the elapsed time now and returns it.
    pub fn observe(mut self) -> Duration {
        let elapsed = self.start.elapsed();
        if let Some(h) = self.histogram.take() {
            h.observe_duration(elapsed);
        }
        elapsed
    }

    /// Stops the timer without recording anything.
    pub fn discard(mut self) {
        self.histogram = None;
    }
}

impl Drop for HistogramTimer {
    fn drop(&mut self) {
        if let Some(h) = self.histogram.take() {
            h.observe_duration(self.start.elapsed());
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn bucket_errors() {
        assert_eq!(
            Buckets::new([1.0, f64::NAN]),
            Err(BucketsError::NotANumber { index: 1 })
        );
        assert_eq!(
            Buckets::new([1.0, 1.0]),
            Err(BucketsError::Duplicate {
                index: 1,
                bound: 1.0
            })
        );
        assert_eq!(
            Buckets::new([2.0, 1.0]),
            Err(BucketsError::NotSorted {
                index: 1,
                bound: 1.0
            })
        );
        assert_eq!(
            Buckets::new([f64::NEG_INFINITY]),
            Err(BucketsError::Infinite { index: 0 })
        );
        assert_eq!(Buckets::new([1.0, f64::INFINITY]).unwrap().bounds(), &[1.0]);
        assert_eq!(
            Buckets::linear(0.0, 0.0, 3),
            Err(BucketsError::InvalidStep(0.0))
        );
        assert_eq!(Buckets::linear(0.0, 1.0, 0), Err(BucketsError::NoBuckets));
        assert_eq!(
            Buckets::exponential(0.0, 2.0, 3),
            Err(BucketsError::InvalidStart(0.0))
        );
        assert_eq!(
            Buckets::exponential(1.0, 1.0, 3),
            Err(BucketsError::InvalidStep(1.0))
        );
        assert_eq!(Buckets::default().bounds(), &DEFAULT_BUCKETS);
        assert_eq!(Buckets::default().le(11), "+Inf");
        assert_eq!(Buckets::default().le(0), "0.005");
        assert_eq!(Buckets::default().le(7), "1");
    }

    #[test]
    fn observations_land_in_the_right_bucket() {
        let h = Histogram::new(Buckets::new([1.0, 2.0]).unwrap());
        for v in [
            0.5,
            1.0,
            1.5,
            2.0,
            3.0,
            f64::NAN,
            f64::NEG_INFINITY,
            f64::INFINITY,
        ] {
            h.observe(v);
        }
        let s = h.snapshot();
        assert_eq!(s.counts(), &[3, 2, 3]);
        assert_eq!(s.count(), 8);
        assert!(s.sum().is_nan());
    }

    #[test]
    fn snapshots_fold_shards_without_losing_anything() {
        let h = Histogram::new(Buckets::new([1.0]).unwrap());
        for round in 1..=5u64 {
            h.observe(0.5);
            h.observe(2.0);
            let s = h.snapshot();
            assert_eq!(s.cumulative_counts(), vec![round, 2 * round]);
            assert_eq!(s.sum(), 2.5 * round as f64);
        }
        h.reset();
        assert_eq!(h.snapshot().count(), 0);
        h.observe(0.5);
        assert_eq!(h.snapshot().cumulative_counts(), vec![1, 1]);
    }

    #[test]
    fn timer_records_once() {
        let h = Histogram::default();
        let elapsed = h.start_timer().observe();
        assert!(elapsed < Duration::from_secs(5));
        h.start_timer().discard();
        drop(h.start_timer());
        assert_eq!(h.snapshot().count(), 2);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;

    /// Two observers race a scrape: whatever interleaving, the scrape sees whole
    /// observations (buckets add up to the count, sum matches), and nothing is lost.
    #[test]
    fn scrape_sees_whole_observations() {
        loom::model(|| {
            let h = Histogram::new(Buckets::new([1.0]).unwrap());
            let observers: Vec<_> = [0.5, 2.0]
                .into_iter()
                .map(|v| {
                    let h = h.clone();
                    loom::thread::spawn(move || h.observe(v))
                })
                .collect();
            let s = h.snapshot();
            let sum_of = |counts: &[u64]| counts[0] as f64 * 0.5 + counts[1] as f64 * 2.0;
            assert_eq!(s.counts().iter().sum::<u64>(), s.count());
            assert_eq!(s.sum(), sum_of(s.counts()));
            for o in observers {
                o.join().unwrap();
            }
            let s = h.snapshot();
            assert_eq!(s.counts(), &[1, 1]);
            assert_eq!(s.sum(), 2.5);
        });
    }
}

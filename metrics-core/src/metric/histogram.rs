//! A histogram with fixed bucket bounds, lock-free observe and consistent snapshots.
//!
//! Observations are recorded through the concurrency core both histograms share
//! (`hot_cold.rs`): into the observing thread's cells, `[seq, sum, count per bucket]`, under
//! a sequence lock, or, while a scrape diverts them, into two shared halves of the same
//! shape, `[sum, count per bucket]`. A scrape adds up every thread's cells and the halves:
//! the buckets add up to the count and the sum is the sum of the same observations.
//!
//! The bucket of an observation comes from its float bits and a small table (`slices.rs`)
//! when the bounds are positive, as they nearly always are: one load and one compare, where
//! counting the bounds below took a compare per bound. Other bounds are counted.

use std::fmt;
use std::time::Duration;

use parking_lot::Mutex;

use std::sync::OnceLock;

use crate::error::ExemplarError;
use crate::metric::buckets::Buckets;
use crate::metric::header::SeriesHeader;
use crate::metric::hot_cold::{self, HotCold};
use crate::metric::native::{Limited, Native, Resets};
use crate::model::Exemplar;
use crate::model::NativeSnapshot;
use crate::model::{HistogramSample, Scratch, Sink};
use crate::runtime::cells::CellId;
use crate::runtime::float::add_f64;
use crate::runtime::sync::{AtomicU64, AtomicU8, Ordering};

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
    inner: triomphe::Arc<HistogramInner>,
}

struct HistogramInner {
    buckets: Buckets,
    /// Thread-owned cells: `[seq, sum bits, count per bucket (+Inf last)]`.
    local: Option<CellId>,
    /// Zero when an observation may take the common path: the thread's cells and nothing
    /// else. Else [`DIVERTED`] while a scrape waits for a thread's cells to be still
    /// (observations go to the shared halves meanwhile), and [`NATIVE`] for good when there
    /// are native buckets to record as well: one load tells the common path both.
    detour: AtomicU8,
    /// Which shared half is hot, and the observations ever started in the halves.
    hot_cold: HotCold,
    /// Two shared halves of `stride` words each: the sum's bits, then one count per bucket.
    halves: Box<[AtomicU64]>,
    /// Serialises scrapes and holds what a reset left to subtract; observers never touch it.
    collecting: Mutex<Baseline>,
    /// The latest exemplar of each bucket, allocated at the first one.
    exemplars: OnceLock<Box<[Mutex<Option<Exemplar>>]>>,
    /// Native buckets, when the buckets ask for them.
    native: Option<Box<Native>>,
    /// Native buckets and no classic ones: the native part alone records.
    native_only: bool,
    /// What a family keeps with the series (empty outside a family).
    series: SeriesHeader,
}

/// Counts and sum at the last reset, subtracted from every reading; boxed, as few
/// histograms are ever reset and each would otherwise carry the room.
type Baseline = Option<Box<(Vec<u64>, f64)>>;

thread_local! {
    /// Where a reading puts one thread's cells before adding them up: one buffer per scraping
    /// thread, rather than one per histogram.
    static READ: std::cell::Cell<Vec<u64>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Calls `f` with the calling thread's reading buffer.
fn with_read_buffer<R>(f: impl FnOnce(&mut Vec<u64>) -> R) -> R {
    let mut buffer = READ.try_with(std::cell::Cell::take).unwrap_or_default();
    let result = f(&mut buffer);
    let _ = READ.try_with(|b| b.set(buffer));
    result
}

/// [`HistogramInner::detour`]: a scrape diverts observers to the shared halves.
const DIVERTED: u8 = 1;
/// [`HistogramInner::detour`]: native buckets record every observation too.
const NATIVE: u8 = 2;

impl Histogram {
    /// A histogram with the given buckets, not registered anywhere.
    pub fn new(buckets: Buckets) -> Histogram {
        Histogram::with_header(buckets, SeriesHeader::detached())
    }

    /// A histogram at zero that is a family's series.
    pub(crate) fn with_header(buckets: Buckets, series: SeriesHeader) -> Histogram {
        let stride = buckets.bounds().len() + 2;
        let halves = (0..2 * stride).map(|_| AtomicU64::new(0)).collect();
        let native_only = buckets.native_buckets().is_some() && buckets.bounds().is_empty();
        // A native-only histogram records in its native part alone. (Under loom the cells are
        // the model's, `runtime/model_cells.rs`.)
        let local = if native_only {
            None
        } else {
            CellId::run(stride + 1)
        };
        let native = buckets
            .native_buckets()
            .cloned()
            .map(|n| Box::new(Native::new(n)));
        Histogram {
            inner: triomphe::Arc::new(HistogramInner {
                local,
                detour: AtomicU8::new(if native.is_some() { NATIVE } else { 0 }),
                hot_cold: HotCold::new(),
                halves,
                collecting: Mutex::new(None),
                exemplars: OnceLock::new(),
                native,
                native_only,
                buckets,
                series,
            }),
        }
    }

    pub(crate) fn header(&self) -> &SeriesHeader {
        &self.inner.series
    }

    /// Records one observation.
    ///
    /// Any `f64` is recorded, as client_golang and client_python record it:
    /// - a negative value lands in the buckets below zero (classic bounds at or above it,
    ///   native negative buckets) and lowers `_sum`, so `rate(..._sum)` stops meaning
    ///   anything (Prometheus' histograms assume non-negative observations for it);
    /// - NaN is counted in `_count` and the `+Inf` bucket (in no native bucket) and makes
    ///   `_sum` NaN until the histogram restarts (a process restart, or a native reset).
    ///   Check values that may be NaN (a ratio of two measurements, say) before observing.
    #[inline]
    pub fn observe(&self, v: f64) {
        let h = &*self.inner;
        if h.detour.load(Ordering::Relaxed) == 0 {
            let bucket = h.buckets.index(v);
            if let Some(cells) = h.local.as_ref().and_then(CellId::touched_run) {
                owned::record(&cells, bucket, v);
                return;
            }
        }
        self.observe_detour(v);
    }

    /// [`observe`](Histogram::observe) past the common path: native buckets, a diverting
    /// scrape, the thread's first observation, or the arena shared past the arenas' limit. A
    /// call in tail position, so that the common path saves no registers.
    #[inline(never)]
    fn observe_detour(&self, v: f64) {
        match &self.inner.native {
            Some(native) => self.observe_with_native(native, v),
            None => self.observe_classic(v),
        }
    }

    /// The classic part first, then the native one: a scrape reads them in the other order
    /// (native, then classic), so an observation its native reading holds is in its classic
    /// reading too, and the classic count it sends is never below the native buckets' total.
    #[inline(always)]
    fn observe_with_native(&self, native: &Native, v: f64) {
        // A native-only histogram's count and sum stand for the classic part too.
        if self.inner.native_only {
            if native.observe(v) == Limited::Reset {
                self.reset_after_native_reset();
            }
            return;
        }
        self.observe_classic(v);
        if native.observe(v) == Limited::Reset {
            // The reset cleared the classic part too, this observation with it.
            self.reset_after_native_reset();
            self.observe_classic(v);
        }
    }

    #[inline(always)]
    fn observe_classic(&self, v: f64) {
        let h = &*self.inner;
        let bucket = h.buckets.index(v);
        if h.detour.load(Ordering::Relaxed) & DIVERTED == 0 {
            if let Some(cells) = h.local.as_ref().and_then(CellId::owned_run) {
                owned::record(&cells, bucket, v);
                return;
            }
        }
        h.observe_shared(bucket, v);
    }

    #[cold]
    #[inline(never)]
    fn reset_after_native_reset(&self) {
        self.reset_classic();
    }

    /// A consistent reading of the native buckets, if the histogram has them. (The classic
    /// buckets and the native ones are each consistent; they are read a moment apart.)
    /// Over the bucket limit the resolution drops; reading never resets the histogram.
    pub fn native_snapshot(&self) -> Option<NativeSnapshot> {
        let native = self.inner.native.as_ref()?;
        Some(native.snapshot_with(Resets::Never).0)
    }

    /// The native buckets as a scrape reads them: this is where `reset_after` takes effect
    /// for observations that thread cells hold (observers check the limit only in the
    /// shared halves). Over the bucket limit and past `reset_after`, the whole histogram,
    /// classic buckets included, restarts, and the reading is of the new start.
    fn scrape_native(&self) -> Option<NativeSnapshot> {
        let native = self.inner.native.as_ref()?;
        let (snapshot, limited) = native.snapshot_with(Resets::Allowed);
        if limited == Limited::Reset {
            self.reset_classic();
        }
        Some(snapshot)
    }

    /// Records a duration in seconds.
    #[inline]
    pub fn observe_duration(&self, d: Duration) {
        self.observe(d.as_secs_f64());
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
        if h.native_only {
            if let Some(native) = self.native_snapshot() {
                counts.clear();
                counts.push(native.count);
                return (native.count, native.sum);
            }
        }
        let baseline = h.collecting.lock();
        let mut sum = with_read_buffer(|read| h.read_all(read, counts));
        let mut count = counts.iter().sum::<u64>();
        if let Some(base) = &*baseline {
            let (base, base_sum) = &**base;
            counts
                .iter_mut()
                .zip(base)
                .for_each(|(c, b)| *c = c.wrapping_sub(*b));
            count = counts.iter().sum();
            sum = if count == 0 { 0.0 } else { sum - base_sum };
        }
        (count, sum)
    }

    /// Changes whenever an observation is recorded, for idle-series detection.
    pub(crate) fn fingerprint(&self) -> u64 {
        let h = &*self.inner;
        let mut fingerprint = h.hot_cold.started();
        if let Some(native) = &h.native {
            fingerprint = fingerprint.wrapping_add(native.started());
        }
        if let Some(local) = &h.local {
            local.for_each_owned(|cells| {
                fingerprint =
                    fingerprint.wrapping_add(cells[0].load(std::sync::atomic::Ordering::Relaxed))
            });
        }
        fingerprint
    }

    /// Back to zero, native buckets included.
    pub(crate) fn reset(&self) {
        self.reset_classic();
        if let Some(native) = &self.inner.native {
            native.reset();
        }
    }

    /// Back to zero: later readings subtract the current one. (Other threads' cells cannot
    /// be written from here without racing their owners.)
    fn reset_classic(&self) {
        let h = &*self.inner;
        let mut baseline = h.collecting.lock();
        let mut counts = Vec::new();
        let sum = with_read_buffer(|read| h.read_all(read, &mut counts));
        *baseline = Some(Box::new((counts, sum)));
        h.series.restart();
        if let Some(exemplars) = h.exemplars.get() {
            exemplars.iter().for_each(|e| *e.lock() = None);
        }
    }

    /// Records one observation and keeps `labels` (such as `trace_id`) as the exemplar of
    /// the bucket it falls in.
    ///
    /// ```
    /// let h = metrics_core::Histogram::default();
    /// h.observe_with_exemplar(0.042, &[("trace_id", "4bf92f3577b34da6")])?;
    /// assert_eq!(h.snapshot().count(), 1);
    /// # Ok::<(), metrics_core::ExemplarError>(())
    /// ```
    ///
    /// # Errors
    /// When the labels are invalid or longer than OpenMetrics allows; the observation is
    /// recorded all the same.
    pub fn observe_with_exemplar(
        &self,
        v: f64,
        labels: &[(&str, &str)],
    ) -> Result<(), ExemplarError> {
        self.observe(v);
        let exemplar = Exemplar::new(labels, v)?;
        let h = &*self.inner;
        let slots = h.exemplars.get_or_init(|| {
            (0..=h.buckets.bounds().len())
                .map(|_| Mutex::new(None))
                .collect()
        });
        *slots[h.buckets.index(v)].lock() = Some(exemplar);
        Ok(())
    }

    /// When the series started, in Unix seconds.
    pub(crate) fn created(&self) -> f64 {
        self.inner.series.created()
    }

    /// Writes the histogram into `sink` as the data model's sample, read once: the native
    /// buckets (when the sink takes them, or stand for the classic ones), then the classic
    /// buckets, count and sum, and a copy of the exemplars if it ever had one.
    pub(crate) fn write_to(
        &self,
        name: &str,
        labels: &str,
        sink: &mut dyn Sink,
        scratch: &mut Scratch,
    ) {
        let h = &*self.inner;
        let wants_native = sink.wants_native();
        let native = if wants_native || h.native_only {
            self.scrape_native()
        } else {
            None
        };
        let (count, sum) = match (&native, h.native_only) {
            // A native-only histogram's classic view: one bucket of everything.
            (Some(n), true) => {
                scratch.counts.clear();
                scratch.counts.push(n.count);
                (n.count, n.sum)
            }
            _ => self.snapshot_into(&mut scratch.counts),
        };
        scratch.exemplars.clear();
        if let Some(slots) = h.exemplars.get() {
            scratch
                .exemplars
                .extend(slots.iter().map(|slot| slot.lock().clone()));
        }
        let sample = HistogramSample {
            bounds: h.buckets.bucket_bounds(),
            counts: &scratch.counts,
            count,
            sum,
            created: Some(self.created()),
            exemplars: &scratch.exemplars,
            native: native.as_ref().filter(|_| wants_native),
            native_only: h.native_only,
        };
        sink.histogram(name, labels, &sample);
    }
}

impl HistogramInner {
    #[inline]
    fn observe_shared(&self, bucket: usize, v: f64) {
        let half = &self.halves[self.half_range(self.hot_cold.start())];
        add_f64(&half[0], v);
        // Release: a scrape that sees this count also sees the sum above.
        half[1 + bucket].fetch_add(1, Ordering::Release);
    }

    /// Every observation so far, from the threads' cells and the shared halves, into
    /// `counts`; returns the sum. The caller holds `collecting`; `scratch` is a reading buffer.
    fn read_all(&self, scratch: &mut Vec<u64>, counts: &mut Vec<u64>) -> f64 {
        counts.clear();
        counts.resize(self.buckets.bounds().len() + 1, 0);
        let mut sum = 0.0;
        if let Some(local) = &self.local {
            local.for_each_owned(|cells| {
                let thread_sum = hot_cold::read(
                    &cells[0],
                    || owned::read(cells, scratch),
                    || {
                        self.detour.fetch_or(DIVERTED, Ordering::Relaxed);
                    },
                );
                sum += thread_sum;
                counts
                    .iter_mut()
                    .zip(scratch.iter())
                    .for_each(|(c, r)| *c += r);
            });
        }
        let shared_sum = self.read_shared(scratch);
        counts
            .iter_mut()
            .zip(scratch.iter())
            .for_each(|(c, r)| *c += r);
        self.detour.fetch_and(!DIVERTED, Ordering::Relaxed);
        sum + shared_sum
    }

    /// Reads the shared halves into `counts` (per bucket), returning their sum.
    fn read_shared(&self, counts: &mut Vec<u64>) -> f64 {
        let flip = self.hot_cold.flip();
        let cold = &self.halves[self.half_range(flip.cold)];
        let hot = &self.halves[self.half_range(flip.hot())];
        // Earlier readings folded everything into the half now cold; observations counted
        // before the flip may still be writing to it.
        hot_cold::wait_until(flip.started, || {
            cold[1..].iter().map(|c| c.load(Ordering::Acquire)).sum()
        });
        counts.clear();
        counts.extend(cold[1..].iter().map(|c| c.load(Ordering::Relaxed)));
        let sum = f64::from_bits(cold[0].load(Ordering::Relaxed));
        // Fold the cold half into the hot one, sum before counts as an observation does.
        add_f64(&hot[0], sum);
        cold[0].store(0, Ordering::Relaxed);
        for (c, (hot, cold)) in counts.iter().zip(hot[1..].iter().zip(&cold[1..])) {
            hot.fetch_add(*c, Ordering::Release);
            cold.store(0, Ordering::Relaxed);
        }
        sum
    }

    fn half_range(&self, half: usize) -> std::ops::Range<usize> {
        let stride = self.halves.len() / 2;
        let start = half * stride;
        start..start + stride
    }
}

/// One thread's cells, `[seq, sum bits, counts...]`, under the sequence lock of `hot_cold`.
mod owned {
    use std::sync::atomic::Ordering;

    use crate::runtime::cells::OwnedCell as AtomicU64;

    use crate::metric::hot_cold;
    use crate::runtime::cells::OwnedRun;

    /// Records one observation; only the cells' owning thread calls it.
    #[inline]
    pub(super) fn record(cells: &OwnedRun, bucket: usize, v: f64) {
        hot_cold::write(cells.cell(0), || {
            let sum = cells.cell(1);
            sum.store(
                (f64::from_bits(sum.load(Ordering::Relaxed)) + v).to_bits(),
                Ordering::Relaxed,
            );
            let count = cells.cell(2 + bucket);
            count.store(count.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
        })
    }

    /// The counts into `out` and the sum, as a reading attempt inside `hot_cold::read`.
    pub(super) fn read(cells: &[AtomicU64], out: &mut Vec<u64>) -> f64 {
        out.clear();
        out.extend(cells[2..].iter().map(|c| c.load(Ordering::Relaxed)));
        f64::from_bits(cells[1].load(Ordering::Relaxed))
    }
}

impl Default for Histogram {
    /// A histogram with [`DEFAULT_BUCKETS`](crate::DEFAULT_BUCKETS).
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

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::error::BucketsError;
    use crate::metric::buckets::DEFAULT_BUCKETS;
    use crate::metric::native::NativeBuckets;

    /// Reading never resets: only a scrape applies `reset_after`, to both kinds of buckets.
    #[test]
    fn native_snapshot_reads_and_a_scrape_resets() {
        let native = NativeBuckets::with_schema(0)
            .unwrap()
            .max_buckets(2)
            .reset_after(Duration::ZERO);
        let h = Histogram::new(Buckets::new([10.0]).unwrap().native(native));
        for v in [1.0, 2.0, 4.0] {
            h.observe(v);
        }
        let read = h.native_snapshot().unwrap();
        assert_eq!(
            (read.count, read.schema),
            (3, -1),
            "the resolution drops instead"
        );
        assert_eq!(h.snapshot().count(), 3, "the classic buckets are untouched");

        h.observe(16.0);
        h.observe(64.0);
        // Over the limit again; a scrape (every sink that takes native buckets reads so).
        let mut gathered = crate::model::MetricFamilies::new();
        h.write_to("h", "", &mut gathered, &mut Scratch::default());
        assert_eq!(
            h.native_snapshot().unwrap().count,
            0,
            "the scrape reset the native buckets"
        );
        assert_eq!(h.snapshot().count(), 0, "and the classic ones with them");
    }

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
        assert_eq!(Buckets::default().bucket_bounds().le(11), "+Inf");
        assert_eq!(Buckets::default().bucket_bounds().le(0), "0.005");
        assert_eq!(Buckets::default().bucket_bounds().le(7), "1");
    }

    #[test]
    fn every_layout_finds_the_first_bound_at_or_above() {
        let layouts = [
            // A slice table.
            DEFAULT_BUCKETS.to_vec(),
            // Counted: bounds not all positive, too close for slices, more than 32.
            vec![-1.0, 0.0, 0.5, 1.0],
            vec![1.0, 1.0001, 1.0002],
            (0..40).map(|i| f64::from(i) - 20.0).collect(),
        ];
        for bounds in layouts {
            let buckets = Buckets::new(bounds.iter().copied()).unwrap();
            let mut values = vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -0.0];
            for &b in &bounds {
                values.extend([b, b - 1e-3, b + 1e-3, f64::from_bits(b.to_bits() + 1)]);
            }
            for v in values {
                let expected = if v.is_nan() {
                    bounds.len()
                } else {
                    bounds.iter().filter(|&&b| b < v).count()
                };
                assert_eq!(buckets.index(v), expected, "{v} in {bounds:?}");
            }
        }
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
    fn snapshots_fold_halves_without_losing_anything() {
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
    fn a_stuck_read_diverts_observers_to_the_shared_halves() {
        use std::sync::atomic::Ordering::Relaxed;
        let h = Histogram::new(Buckets::new([1.0]).unwrap());
        h.observe(0.5);
        let cells = h.inner.local.as_ref().unwrap().owned_cells().unwrap();
        // Make this thread's cells look as if a write were under way.
        let seq = cells[0].load(Relaxed);
        cells[0].store(seq + 1, Relaxed);
        std::thread::scope(|scope| {
            let scrape = scope.spawn(|| h.snapshot());
            while h.inner.detour.load(Relaxed) & DIVERTED == 0 {
                std::thread::yield_now();
            }
            h.observe(2.0);
            assert_eq!(h.inner.hot_cold.started(), 1, "went to the shared halves");
            cells[0].store(seq + 2, Relaxed);
            let s = scrape.join().unwrap();
            assert_eq!((s.counts(), s.sum()), (&[1, 1][..], 2.5));
        });
        assert_eq!(
            h.inner.detour.load(Relaxed),
            0,
            "a scrape ends the diversion"
        );
        h.observe(0.25);
        let s = h.snapshot();
        assert_eq!((s.counts(), s.sum()), (&[2, 1][..], 2.75));
    }

    #[test]
    fn reset_subtracts_what_threads_hold() {
        let h = Histogram::new(Buckets::new([1.0]).unwrap());
        std::thread::scope(|scope| {
            scope.spawn(|| h.observe(3.0));
        });
        h.observe(0.5);
        h.reset();
        assert_eq!(
            h.snapshot(),
            HistogramSnapshot {
                counts: vec![0, 0],
                count: 0,
                sum: 0.0
            }
        );
        h.observe(0.75);
        assert_eq!(
            h.snapshot(),
            HistogramSnapshot {
                counts: vec![1, 0],
                count: 1,
                sum: 0.75
            }
        );
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

    fn model(f: impl Fn() + Sync + Send + 'static) {
        let mut model = loom::model::Builder::new();
        model.preemption_bound = Some(2);
        model.check(f);
    }

    /// The sum of `counts` (per bucket of bounds 1 and 2) when the observations are 0.5,
    /// 1.5 and 3.0: each bucket holds one of them.
    fn sum_of(counts: &[u64]) -> f64 {
        counts[0] as f64 * 0.5 + counts[1] as f64 * 1.5 + counts[2] as f64 * 3.0
    }

    /// One observer writes its own cells (`runtime/model_cells.rs`) under the sequence lock,
    /// another finds the histogram diverted (as a reader stalled on a writer leaves it) and
    /// writes the shared halves; a scrape races both. Whatever the interleaving the scrape
    /// sees whole observations (the buckets add up to the count, the sum is theirs), and
    /// nothing is lost.
    #[test]
    fn scrape_sees_whole_observations_from_cells_and_halves() {
        model(|| {
            let h = Histogram::new(Buckets::new([1.0, 2.0]).unwrap());
            let in_cells = {
                let h = h.clone();
                loom::thread::spawn(move || {
                    h.observe(0.5);
                    h.observe(3.0);
                })
            };
            let diverted = {
                let h = h.clone();
                loom::thread::spawn(move || {
                    h.inner.detour.fetch_or(DIVERTED, Ordering::Relaxed);
                    h.observe(1.5);
                })
            };
            let s = h.snapshot();
            assert_eq!(s.counts().iter().sum::<u64>(), s.count());
            assert_eq!(s.sum(), sum_of(s.counts()));
            in_cells.join().unwrap();
            diverted.join().unwrap();
            let s = h.snapshot();
            assert_eq!((s.counts(), s.sum()), (&[1, 1, 1][..], 5.0));
        });
    }

    /// A reset while a thread observes into its cells: later readings subtract what the
    /// reset read, so they hold whole observations, never one twice, and every observation
    /// made after the reset.
    #[test]
    fn a_reset_while_a_thread_observes() {
        model(|| {
            let h = Histogram::new(Buckets::new([1.0, 2.0]).unwrap());
            let observer = {
                let h = h.clone();
                loom::thread::spawn(move || {
                    h.observe(0.5);
                    h.observe(3.0);
                })
            };
            h.reset();
            h.observe(1.5); // After the reset: always counted.
            observer.join().unwrap();
            let s = h.snapshot();
            assert_eq!(s.counts().iter().sum::<u64>(), s.count());
            assert_eq!(s.sum(), sum_of(s.counts()));
            assert_eq!(s.counts()[1], 1, "{:?}", s.counts());
            assert!(s.counts().iter().all(|&c| c <= 1), "{:?}", s.counts());
        });
    }
}

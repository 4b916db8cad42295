//! [`Buckets`]: a histogram's classic bucket bounds (and native settings, when it has
//! them), checked once and shared by the histograms of a family.

use std::fmt;
use std::sync::Arc;

use crate::error::BucketsError;
use crate::metric::native::NativeBuckets;
use crate::metric::slices::SliceTable;
use crate::model::BucketBounds;

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
    /// The bounds, with their `le` texts, as the data model has them.
    bounds: BucketBounds,
    /// Native (exponential) buckets kept beside these, if any.
    native: Option<NativeBuckets>,
    /// Finds a value's bucket from its bits, where the bounds allow (see `slices.rs`).
    table: Option<SliceTable>,
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
        Ok(Buckets {
            inner: Arc::new(Bounds {
                table: SliceTable::new(&bounds),
                bounds: BucketBounds::new(bounds),
                native: None,
            }),
        })
    }

    /// These buckets, with native (exponential, sparse) buckets kept beside them: scrapers
    /// that read the protobuf format get both; the text formats get these.
    ///
    /// ```
    /// use metrics_core::{Buckets, NativeBuckets};
    /// let both = Buckets::default().native(NativeBuckets::new(1.1)?);
    /// assert_eq!(both.native_buckets().map(|n| n.initial_schema()), Some(3));
    /// # Ok::<(), metrics_core::BucketsError>(())
    /// ```
    pub fn native(self, native: NativeBuckets) -> Buckets {
        let bounds = &*self.inner;
        Buckets {
            inner: Arc::new(Bounds {
                bounds: bounds.bounds.clone(),
                native: Some(native),
                table: bounds.table.clone(),
            }),
        }
    }

    /// Native buckets alone. The text formats, which cannot carry them, show the count and
    /// sum with the single `+Inf` bucket, and a comment saying where the buckets are.
    pub fn native_only(native: NativeBuckets) -> Buckets {
        Buckets::new([])
            .expect("no bounds are valid bounds")
            .native(native)
    }

    /// The native buckets, if any.
    pub fn native_buckets(&self) -> Option<&NativeBuckets> {
        self.inner.native.as_ref()
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
        self.inner.bounds.bounds()
    }

    /// The bounds as the data model has them, with their `le` texts.
    pub(crate) fn bucket_bounds(&self) -> &BucketBounds {
        &self.inner.bounds
    }

    /// The bucket an observation falls in: the first bound `>= v`, or the `+Inf` bucket.
    #[inline]
    pub(crate) fn index(&self, v: f64) -> usize {
        match &self.inner.table {
            Some(table) => table.index(v),
            None => self.index_by_counting(v),
        }
    }

    /// [`index`](Buckets::index) for bounds without a slice table; out of line, so that
    /// observing stays small.
    #[inline(never)]
    fn index_by_counting(&self, v: f64) -> usize {
        let bounds = self.bounds();
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
        self.bounds() == other.bounds() && self.inner.native == other.inner.native
    }
}

impl fmt::Debug for Buckets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner.native {
            None => f.debug_list().entries(self.bounds()).finish(),
            Some(native) => f
                .debug_struct("Buckets")
                .field("bounds", &self.bounds())
                .field("native", native)
                .finish(),
        }
    }
}

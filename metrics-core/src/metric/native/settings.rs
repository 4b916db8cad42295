//! [`NativeBuckets`]: a native histogram's settings, its resolution and what keeps it
//! bounded.

use std::time::Duration;

use crate::error::BucketsError;
use crate::metric::native::maths::{Layout, MAX_SCHEMA, MIN_SCHEMA};

/// The zero threshold when none is set: 2^-128, as client_golang, so that only (near) zero
/// falls in the zero bucket.
pub(crate) const DEFAULT_ZERO_THRESHOLD: f64 = 2.938735877055719e-39;

/// Buckets allowed before the resolution drops, when no limit is set.
pub(crate) const DEFAULT_MAX_BUCKETS: u32 = 160;

/// The settings of a native histogram: its resolution and what keeps it bounded.
///
/// ```
/// use metrics_core::NativeBuckets;
/// // Each bucket at most 10% wider than the one below it: schema 3 (factor 1.09).
/// let native = NativeBuckets::new(1.1)?;
/// assert_eq!(native.initial_schema(), 3);
/// let native = native.max_buckets(100).zero_threshold(1e-6)?;
/// # let _ = native;
/// # Ok::<(), metrics_core::BucketsError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct NativeBuckets {
    pub(super) schema: i8,
    pub(super) zero_threshold: f64,
    pub(super) max_buckets: u32,
    pub(super) max_zero_threshold: f64,
    pub(super) reset_after: Option<Duration>,
}

impl NativeBuckets {
    /// The finest schema Prometheus accepts: 256 buckets per doubling.
    pub const MAX_SCHEMA: i8 = MAX_SCHEMA;
    /// The coarsest schema Prometheus accepts: one bucket per factor 2^16.
    pub const MIN_SCHEMA: i8 = MIN_SCHEMA;
    /// The zero threshold when none is set: 2^-128, as client_golang, so that only (near)
    /// zero falls in the zero bucket.
    pub const DEFAULT_ZERO_THRESHOLD: f64 = DEFAULT_ZERO_THRESHOLD;
    /// Buckets allowed before the resolution drops, when no limit is set.
    pub const DEFAULT_MAX_BUCKETS: u32 = DEFAULT_MAX_BUCKETS;

    /// Buckets whose width grows by at most `factor` from one to the next: the coarsest
    /// schema with `2^(2^-schema) <= factor`, within -4 to 8.
    ///
    /// # Errors
    /// [`BucketsError::NativeFactor`] unless `factor` is finite and above 1.
    pub fn new(factor: f64) -> Result<NativeBuckets, BucketsError> {
        if !(factor.is_finite() && factor > 1.0) {
            return Err(BucketsError::NativeFactor(factor));
        }
        let floor = factor.log2().log2().floor();
        let schema = (-floor).clamp(f64::from(MIN_SCHEMA), f64::from(MAX_SCHEMA)) as i8;
        NativeBuckets::with_schema(schema)
    }

    /// Buckets at the given schema (-4 to 8): `2^(2^-schema)` is the growth factor.
    ///
    /// # Errors
    /// [`BucketsError::NativeSchema`] outside -4 to 8.
    pub fn with_schema(schema: i8) -> Result<NativeBuckets, BucketsError> {
        if !(MIN_SCHEMA..=MAX_SCHEMA).contains(&schema) {
            return Err(BucketsError::NativeSchema(i32::from(schema)));
        }
        Ok(NativeBuckets::at_schema(schema))
    }

    /// Buckets at `schema`, clamped to the range there is.
    pub(crate) fn at_schema(schema: i8) -> NativeBuckets {
        NativeBuckets {
            schema: schema.clamp(MIN_SCHEMA, MAX_SCHEMA),
            zero_threshold: DEFAULT_ZERO_THRESHOLD,
            max_buckets: DEFAULT_MAX_BUCKETS,
            max_zero_threshold: 0.0,
            reset_after: None,
        }
    }

    /// Observations with `|v| <= threshold` go to the zero bucket (default
    /// [`NativeBuckets::DEFAULT_ZERO_THRESHOLD`]).
    ///
    /// # Errors
    /// [`BucketsError::ZeroThreshold`] unless finite and not negative.
    pub fn zero_threshold(mut self, threshold: f64) -> Result<NativeBuckets, BucketsError> {
        if !(threshold.is_finite() && threshold >= 0.0) {
            return Err(BucketsError::ZeroThreshold(threshold));
        }
        self.zero_threshold = threshold;
        self.max_zero_threshold = self.max_zero_threshold.max(threshold);
        Ok(self)
    }

    /// The most buckets (positive and negative) before the resolution drops (default
    /// [`NativeBuckets::DEFAULT_MAX_BUCKETS`]; at least 1).
    pub fn max_buckets(mut self, max: u32) -> NativeBuckets {
        self.max_buckets = max.max(1);
        self
    }

    /// Over the bucket limit, first widen the zero bucket, up to this threshold, before
    /// lowering the schema (default: never widen).
    ///
    /// # Errors
    /// [`BucketsError::ZeroThreshold`] unless finite and not negative.
    pub fn max_zero_threshold(mut self, threshold: f64) -> Result<NativeBuckets, BucketsError> {
        if !(threshold.is_finite() && threshold >= 0.0) {
            return Err(BucketsError::ZeroThreshold(threshold));
        }
        self.max_zero_threshold = threshold.max(self.zero_threshold);
        Ok(self)
    }

    /// Over the bucket limit, if this long has passed since the histogram started or was
    /// last reset, reset it (to the first schema) rather than lower its resolution.
    pub fn reset_after(mut self, duration: Duration) -> NativeBuckets {
        self.reset_after = Some(duration);
        self
    }

    /// The schema a histogram starts at.
    pub fn initial_schema(&self) -> i8 {
        self.schema
    }

    pub(super) fn initial_layout(&self) -> Layout {
        Layout {
            schema: self.schema,
            zero_threshold: self.zero_threshold,
        }
    }
}

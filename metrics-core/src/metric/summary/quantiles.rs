//! What a summary estimates and over which window: [`Quantiles`].

use std::sync::Arc;
use std::time::Duration;

use crate::error::QuantilesError;
use crate::metric::native::{NativeBuckets, MAX_SCHEMA, MIN_SCHEMA};
use crate::runtime::clock::coarse_monotonic_ms;
use crate::runtime::sync::{AtomicU64, Ordering};

/// A summary's objectives (each quantile it reports, with its allowed error) and the
/// sliding window they are computed over, as client_golang's `SummaryOpts` has them.
///
/// The default is client_golang's classic choice: the median within 0.05, the 90th
/// percentile within 0.01 and the 99th within 0.001, over the last 10 minutes in 5 age
/// buckets.
///
/// ```
/// use std::time::Duration;
/// use metrics_core::Quantiles;
///
/// let q = Quantiles::new([0.5, 0.9, 0.99])?      // allowed errors 0.05, 0.01, 0.001
///     .max_age(Duration::from_secs(120))?
///     .age_buckets(4)?;
/// assert_eq!(q.objectives(), &[(0.5, 0.05), (0.9, 0.01), (0.99, 0.001)]);
/// let tight = Quantiles::with_errors([(0.999, 0.0001)])?;
/// # Ok::<(), metrics_core::QuantilesError>(())
/// ```
///
/// How the allowed error is met: every observation is counted in exponential buckets (those
/// of a native histogram, each wider than the one below by a fixed factor), and a quantile
/// is interpolated inside the bucket that holds its rank. The reported value and the true
/// quantile lie in the same bucket, so the value is off by less than the bucket's width,
/// `factor - 1` of its bounds: the factor is chosen as the largest no wider than the smallest
/// allowed error, down to 2^(1/256) (0.27 %), the finest the buckets go. That is an error on
/// the value, as DDSketch bounds it, where client_golang's stream bounds the rank: on smooth
/// distributions the rank is far closer than allowed (the tests check a uniform one), and on
/// lumpy ones the value is still within the bucket. When the buckets a summary has ever used
/// pass [`max_buckets`](Self::max_buckets), their factor squares (the resolution halves).
#[derive(Debug, Clone, PartialEq)]
pub struct Quantiles {
    objectives: Vec<(f64, f64)>,
    max_age: Duration,
    age_buckets: u32,
    max_buckets: u32,
    pub(crate) clock: WindowClock,
}

/// client_golang's default window: ten minutes.
pub(crate) const DEFAULT_MAX_AGE: Duration = Duration::from_secs(600);
/// client_golang's default number of age buckets.
pub(crate) const DEFAULT_AGE_BUCKETS: u32 = 5;
/// Buckets before the resolution halves: at the finest, four powers of two of values; at the
/// factor of 1.1 % (schema 6), sixteen.
pub(crate) const DEFAULT_MAX_BUCKETS: u32 = 1024;

impl Default for Quantiles {
    fn default() -> Quantiles {
        Quantiles {
            objectives: vec![(0.5, 0.05), (0.9, 0.01), (0.99, 0.001)],
            max_age: DEFAULT_MAX_AGE,
            age_buckets: DEFAULT_AGE_BUCKETS,
            max_buckets: DEFAULT_MAX_BUCKETS,
            clock: WindowClock::default(),
        }
    }
}

impl Quantiles {
    /// These quantiles, each allowed an error of a tenth of its distance to the nearer end
    /// (0.5 within 0.05, 0.9 within 0.01, 0.99 within 0.001, 0.1 within 0.01); none at all
    /// gives a summary of `_count` and `_sum` only.
    ///
    /// # Errors
    /// [`QuantilesError::Quantile`] for a quantile outside 0 to 1 (or NaN),
    /// [`QuantilesError::Duplicate`] for one given twice.
    pub fn new(quantiles: impl IntoIterator<Item = f64>) -> Result<Quantiles, QuantilesError> {
        Quantiles::with_errors(quantiles.into_iter().map(|q| (q, default_error(q))))
    }

    /// These (quantile, allowed error) objectives.
    ///
    /// # Errors
    /// As for [`new`](Self::new), and [`QuantilesError::AllowedError`] for an error not
    /// above 0 and below 1.
    pub fn with_errors(
        objectives: impl IntoIterator<Item = (f64, f64)>,
    ) -> Result<Quantiles, QuantilesError> {
        let mut checked: Vec<(f64, f64)> = Vec::new();
        for (quantile, error) in objectives {
            if !(0.0..=1.0).contains(&quantile) {
                return Err(QuantilesError::Quantile(quantile));
            }
            if !(error > 0.0 && error < 1.0) {
                return Err(QuantilesError::AllowedError { quantile, error });
            }
            if checked.iter().any(|&(q, _)| q == quantile) {
                return Err(QuantilesError::Duplicate(quantile));
            }
            checked.push((quantile, error));
        }
        checked.sort_by(|a, b| a.0.total_cmp(&b.0));
        Ok(Quantiles {
            objectives: checked,
            ..Quantiles::default()
        })
    }

    /// Observations older than this leave the quantiles (default 10 minutes). `_count` and
    /// `_sum` count every observation since the start, as counters do.
    ///
    /// # Errors
    /// [`QuantilesError::MaxAge`] for less than a millisecond per age bucket.
    pub fn max_age(mut self, max_age: Duration) -> Result<Quantiles, QuantilesError> {
        if max_age.as_millis() < u128::from(self.age_buckets) {
            return Err(QuantilesError::MaxAge(max_age));
        }
        self.max_age = max_age;
        Ok(self)
    }

    /// The window moves in this many steps of `max_age / age_buckets` (default 5): an
    /// observation stays in the quantiles for at least `max_age - max_age / age_buckets` and
    /// at most `max_age`, as long as the summary is observed or read in each step; a summary
    /// left alone longer may keep one up to a step past `max_age`.
    ///
    /// # Errors
    /// [`QuantilesError::AgeBuckets`] for 0, [`QuantilesError::MaxAge`] when `max_age` has
    /// less than a millisecond per age bucket.
    pub fn age_buckets(mut self, age_buckets: u32) -> Result<Quantiles, QuantilesError> {
        if age_buckets == 0 {
            return Err(QuantilesError::AgeBuckets(age_buckets));
        }
        if self.max_age.as_millis() < u128::from(age_buckets) {
            return Err(QuantilesError::MaxAge(self.max_age));
        }
        self.age_buckets = age_buckets;
        Ok(self)
    }

    /// The most buckets a series keeps before its resolution halves (default 1 024, at least
    /// 1). Each costs 16 bytes in each of the summary's two shared tables, and 12 in each
    /// reading the window keeps (one per age bucket).
    pub fn max_buckets(mut self, max_buckets: u32) -> Quantiles {
        self.max_buckets = max_buckets.max(1);
        self
    }

    /// The objectives, by quantile: (quantile, allowed error).
    pub fn objectives(&self) -> &[(f64, f64)] {
        &self.objectives
    }

    /// The window's length.
    pub fn window(&self) -> Duration {
        self.max_age
    }

    /// How many steps the window moves in.
    pub fn steps(&self) -> u32 {
        self.age_buckets
    }

    /// The length of one step of the window, in milliseconds (at least 1).
    pub(crate) fn step_ms(&self) -> u64 {
        (self.max_age.as_millis() as u64 / u64::from(self.age_buckets)).max(1)
    }

    pub(crate) fn max_age_ms(&self) -> u64 {
        self.max_age.as_millis() as u64
    }

    /// The native buckets that meet the objectives: the coarsest schema whose factor is no
    /// wider than the smallest allowed error, no finer than the finest there is.
    pub(crate) fn native_buckets(&self) -> NativeBuckets {
        let smallest = self
            .objectives
            .iter()
            .map(|&(_, error)| error)
            .fold(f64::INFINITY, f64::min);
        let schema = if smallest.is_finite() {
            // factor = 2^(2^-schema) <= 1 + error  <=>  schema >= -log2(log2(1 + error)).
            let needed = -(1.0 + smallest).log2().log2();
            needed
                .ceil()
                .clamp(f64::from(MIN_SCHEMA), f64::from(MAX_SCHEMA)) as i8
        } else {
            MIN_SCHEMA
        };
        NativeBuckets::at_schema(schema).max_buckets(self.max_buckets)
    }
}

/// The allowed error [`Quantiles::new`] gives a quantile: a tenth of its distance to the
/// nearer end.
fn default_error(quantile: f64) -> f64 {
    let error = quantile.min(1.0 - quantile) / 10.0;
    // Rounded, so that 0.9 gets 0.01 rather than 0.00999...; the ends themselves (0 and 1,
    // the minimum and maximum) get 0.001.
    let rounded = (error * 1e9).round() / 1e9;
    if rounded > 0.0 {
        rounded
    } else if error > 0.0 {
        error
    } else {
        0.001
    }
}

/// The clock the window reads: the coarse monotonic clock, or one a test moves.
#[derive(Debug, Clone, Default)]
pub(crate) enum WindowClock {
    #[default]
    Monotonic,
    #[cfg_attr(not(test), allow(dead_code))]
    Manual(Arc<AtomicU64>),
}

impl WindowClock {
    #[inline]
    pub(crate) fn now_ms(&self) -> u64 {
        match self {
            WindowClock::Monotonic => coarse_monotonic_ms(),
            WindowClock::Manual(ms) => ms.load(Ordering::Relaxed),
        }
    }
}

impl PartialEq for WindowClock {
    fn eq(&self, other: &WindowClock) -> bool {
        match (self, other) {
            (WindowClock::Monotonic, WindowClock::Monotonic) => true,
            (WindowClock::Manual(a), WindowClock::Manual(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

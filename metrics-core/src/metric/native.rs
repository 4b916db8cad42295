//! Native (sparse, exponential) histogram buckets, as Prometheus defines them.
//!
//! At schema `s` the bucket with index `k` holds the observations `v` with
//! `base^(k-1) < |v| <= base^k`, `base = 2^(2^-s)`; positive and negative observations have
//! their own buckets, and those with `|v| <= zero_threshold` go to the zero bucket. Only
//! buckets that have seen an observation exist.
//!
//! Observing takes no lock: the state is kept twice, "hot" and "cold" (the scheme of
//! client_golang). The top bit of `count_and_hot` says which half is hot; an observation
//! counts itself in there, records into the hot half's buckets (an open-addressed table of
//! packed `key | count` words, one CAS to create a bucket, one add after), its sum and, last,
//! its count. A reader flips the bit, waits until the old half's count shows that every
//! observation started before the flip has finished, reads it (consistent: whole
//! observations only), and folds it into the new hot half.
//!
//! When more than `max_buckets` buckets exist, the resolution drops: the zero bucket widens
//! (up to `max_zero_threshold`) or the schema halves the buckets' number, or, when
//! `reset_after` has passed since the last reset, everything restarts at the first schema.
//! Each change is made to a quiescent half and then to the other, under the histogram's
//! mutex. An observer that creates the bucket over the limit tries that mutex and does the
//! change itself if it is free (else the holder, or the next scrape, does it): the rare path.

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::error::BucketsError;
use crate::metric::counter::add_f64;
use crate::metric::exemplar::now_seconds;
use crate::sync::{spin_yield, AtomicU64, Ordering};

/// The finest and coarsest schemas Prometheus accepts.
pub const MAX_SCHEMA: i8 = 8;
/// See [`MAX_SCHEMA`].
pub const MIN_SCHEMA: i8 = -4;

/// The zero threshold when none is set: 2^-128, as client_golang, so that only (near) zero
/// falls in the zero bucket.
pub const DEFAULT_ZERO_THRESHOLD: f64 = 2.938735877055719e-39;

/// Buckets allowed before the resolution drops, when no limit is set.
pub const DEFAULT_MAX_BUCKETS: u32 = 160;

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
    schema: i8,
    zero_threshold: f64,
    max_buckets: u32,
    max_zero_threshold: f64,
    reset_after: Option<Duration>,
}

impl NativeBuckets {
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
        Ok(NativeBuckets {
            schema,
            zero_threshold: DEFAULT_ZERO_THRESHOLD,
            max_buckets: DEFAULT_MAX_BUCKETS,
            max_zero_threshold: 0.0,
            reset_after: None,
        })
    }

    /// Observations with `|v| <= threshold` go to the zero bucket (default
    /// [`DEFAULT_ZERO_THRESHOLD`]).
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
    /// [`DEFAULT_MAX_BUCKETS`]; at least 1).
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

    fn initial_layout(&self) -> Layout {
        Layout {
            schema: self.schema,
            zero_threshold: self.zero_threshold,
        }
    }
}

/// A consistent reading of a native histogram.
#[derive(Debug, Clone, PartialEq)]
pub struct NativeSnapshot {
    /// The schema of the buckets.
    pub schema: i8,
    /// The zero bucket's threshold.
    pub zero_threshold: f64,
    /// Observations in the zero bucket.
    pub zero_count: u64,
    /// All observations (NaN ones included, which have no bucket).
    pub count: u64,
    /// Their sum.
    pub sum: f64,
    /// Positive buckets that have observations: (index, count), by index.
    pub positive: Vec<(i32, u64)>,
    /// Negative buckets (by the index of `|v|`), likewise.
    pub negative: Vec<(i32, u64)>,
    /// When the histogram started or was last reset, Unix seconds.
    pub created: f64,
}

/// The upper bound of bucket `key` at `schema`: `2^(key * 2^-schema)`.
pub fn bucket_upper_bound(schema: i8, key: i32) -> f64 {
    if schema >= 0 {
        let per_octave = 1i32 << schema;
        let (octave, step) = (key.div_euclid(per_octave), key.rem_euclid(per_octave));
        // bounds[step] is 2^(step/per_octave - 1), in [0.5, 1).
        bounds(schema)[step as usize] * 2f64.powi(octave + 1)
    } else {
        let octaves = key.saturating_mul(1 << -schema);
        2f64.powi(octaves)
    }
}

/// The fractions `2^(i / 2^schema - 1)` for `i < 2^schema`: where in an octave the bucket
/// bounds fall.
fn bounds(schema: i8) -> &'static [f64] {
    static TABLES: LazyLock<Vec<Vec<f64>>> = LazyLock::new(|| {
        (0..=MAX_SCHEMA)
            .map(|s| {
                let n = 1u32 << s;
                (0..n)
                    .map(|i| (f64::from(i) / f64::from(n) - 1.0).exp2())
                    .collect()
            })
            .collect()
    });
    &TABLES[schema.max(0) as usize]
}

/// `v = frac * 2^exp` with `frac` in [0.5, 1), for finite `v > 0`.
fn frexp(v: f64) -> (f64, i32) {
    let bits = v.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i32;
    if v == 0.0 {
        return (0.0, 0);
    }
    if exponent == 0 {
        // Subnormal: scale into the normal range first.
        let (frac, exp) = frexp(v * 2f64.powi(64));
        return (frac, exp - 64);
    }
    let frac = f64::from_bits((bits & !(0x7ff << 52)) | (1022 << 52));
    (frac, exponent - 1022)
}

/// The index of the bucket `|v|` falls in at `schema`, for `|v| > 0` (infinities one past
/// the largest finite value's bucket).
pub fn bucket_index(schema: i8, v: f64) -> i32 {
    let v = v.abs();
    if v.is_infinite() {
        return bucket_index(schema, f64::MAX) + 1;
    }
    let (frac, exp) = frexp(v);
    if schema > 0 {
        let bounds = bounds(schema);
        let step = bounds.partition_point(|&b| b < frac) as i32;
        step + (exp - 1) * bounds.len() as i32
    } else {
        // At schema 0 the bucket is the exponent (an exact power of two closes its bucket);
        // coarser schemas group 2^-schema of those: ceil(key / 2^-schema).
        let key = if frac == 0.5 { exp - 1 } else { exp };
        let shift = -schema;
        (key + (1 << shift) - 1) >> shift
    }
}

/// A bucket index at `from` as an index at the coarser `to`.
fn coarser(key: i32, from: i8, to: i8) -> i32 {
    let shift = from - to;
    (key + (1 << shift) - 1) >> shift
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Layout {
    schema: i8,
    zero_threshold: f64,
}

const COUNT_BITS: u32 = 43;
const COUNT_MASK: u64 = (1 << COUNT_BITS) - 1;
const KEY_OFFSET: i64 = 1 << 20;

/// A bucket's slot word: the key (offset to be positive, so an empty slot is 0) above the
/// count. Keys span ±2^19 at schema 8; counts get 43 bits.
fn tag(key: i32) -> u64 {
    ((i64::from(key) + KEY_OFFSET) as u64) << COUNT_BITS
}

fn untag(word: u64) -> (i32, u64) {
    (
        ((word >> COUNT_BITS) as i64 - KEY_OFFSET) as i32,
        word & COUNT_MASK,
    )
}

/// An open-addressed table of buckets: a CAS claims an empty slot, an add counts.
struct Table {
    slots: Box<[AtomicU64]>,
    used: AtomicU64,
}

enum Added {
    Existing,
    Created,
    Full,
}

impl Table {
    fn new(capacity: usize) -> Table {
        Table {
            slots: (0..capacity).map(|_| AtomicU64::new(0)).collect(),
            used: AtomicU64::new(0),
        }
    }

    #[inline]
    fn add(&self, key: i32, n: u64) -> Added {
        let tag = tag(key);
        let mask = self.slots.len() - 1;
        let mut i =
            (u64::from(key as u32).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40) as usize & mask;
        for _ in 0..self.slots.len() {
            let slot = &self.slots[i];
            let word = slot.load(Ordering::Relaxed);
            if word & !COUNT_MASK == tag {
                slot.fetch_add(n, Ordering::Relaxed);
                return Added::Existing;
            }
            if word == 0 {
                match slot.compare_exchange(0, tag | n, Ordering::Relaxed, Ordering::Relaxed) {
                    Ok(_) => {
                        self.used.fetch_add(1, Ordering::Relaxed);
                        return Added::Created;
                    }
                    Err(now) if now & !COUNT_MASK == tag => {
                        slot.fetch_add(n, Ordering::Relaxed);
                        return Added::Existing;
                    }
                    Err(_) => {}
                }
            }
            i = (i + 1) & mask;
        }
        Added::Full
    }

    /// Every bucket with observations, by key. Only on a quiescent table.
    fn read(&self) -> Vec<(i32, u64)> {
        let mut buckets: Vec<(i32, u64)> = self
            .slots
            .iter()
            .map(|s| s.load(Ordering::Relaxed))
            .filter(|&w| w != 0)
            .map(untag)
            .filter(|&(_, n)| n > 0)
            .collect();
        buckets.sort_unstable_by_key(|&(k, _)| k);
        buckets
    }

    /// Empties a quiescent table.
    fn clear(&self) {
        self.slots
            .iter()
            .for_each(|s| s.store(0, Ordering::Relaxed));
        self.used.store(0, Ordering::Relaxed);
    }
}

/// One of the two copies of the state.
struct Half {
    schema: AtomicU64,
    zero_threshold: AtomicU64,
    count: AtomicU64,
    sum: AtomicU64,
    zero: AtomicU64,
    positive: Table,
    negative: Table,
}

impl Half {
    fn new(layout: Layout, capacity: usize) -> Half {
        let half = Half {
            schema: AtomicU64::new(0),
            zero_threshold: AtomicU64::new(0),
            count: AtomicU64::new(0),
            sum: AtomicU64::new(0),
            zero: AtomicU64::new(0),
            positive: Table::new(capacity),
            negative: Table::new(capacity),
        };
        half.set_layout(layout);
        half
    }

    fn layout(&self) -> Layout {
        Layout {
            schema: self.schema.load(Ordering::Relaxed) as i64 as i8,
            zero_threshold: f64::from_bits(self.zero_threshold.load(Ordering::Relaxed)),
        }
    }

    fn set_layout(&self, layout: Layout) {
        self.schema
            .store(i64::from(layout.schema) as u64, Ordering::Relaxed);
        self.zero_threshold
            .store(layout.zero_threshold.to_bits(), Ordering::Relaxed);
    }

    fn buckets(&self) -> u64 {
        self.positive.used.load(Ordering::Relaxed) + self.negative.used.load(Ordering::Relaxed)
    }

    /// Adds buckets read at layout `from` into this half (at its own, coarser or equal,
    /// layout).
    fn add_buckets(&self, from: Layout, positive: &[(i32, u64)], negative: &[(i32, u64)]) {
        let to = self.layout();
        for (table, buckets) in [(&self.positive, positive), (&self.negative, negative)] {
            for &(key, n) in buckets {
                if bucket_upper_bound(from.schema, key) <= to.zero_threshold {
                    self.zero.fetch_add(n, Ordering::Relaxed);
                } else {
                    // A full table (see `observe`) keeps these in count and sum only.
                    let _ = table.add(coarser(key, from.schema, to.schema), n);
                }
            }
        }
    }

    /// Moves everything of the quiescent half `other` into this one.
    fn absorb(&self, other: &Half) {
        let from = other.layout();
        self.add_buckets(from, &other.positive.read(), &other.negative.read());
        self.zero
            .fetch_add(other.zero.load(Ordering::Relaxed), Ordering::Relaxed);
        add_f64(&self.sum, f64::from_bits(other.sum.load(Ordering::Relaxed)));
        self.count
            .fetch_add(other.count.load(Ordering::Relaxed), Ordering::Relaxed);
        other.clear();
    }

    fn clear(&self) {
        self.positive.clear();
        self.negative.clear();
        self.zero.store(0, Ordering::Relaxed);
        self.sum.store(0, Ordering::Relaxed);
        self.count.store(0, Ordering::Relaxed);
    }
}

const HOT_BIT: u64 = 1 << 63;

/// The native part of a histogram.
pub(crate) struct Native {
    config: NativeBuckets,
    /// Top bit: the hot half. Lower bits: observations ever started.
    count_and_hot: AtomicU64,
    halves: [Half; 2],
    /// Serialises readers and layout changes; observers only try it, over the limit.
    state: Mutex<State>,
}

struct State {
    /// Observations started before the last reset, which no half counts any more.
    discarded: u64,
    last_reset: Instant,
    created: f64,
}

/// What a layout change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Limited {
    Nothing,
    Reduced,
    Reset,
}

impl Native {
    pub(crate) fn new(config: NativeBuckets) -> Native {
        let capacity = (config.max_buckets as usize * 3 / 2 + 16).next_power_of_two();
        let layout = config.initial_layout();
        Native {
            halves: [Half::new(layout, capacity), Half::new(layout, capacity)],
            config,
            count_and_hot: AtomicU64::new(0),
            state: Mutex::new(State {
                discarded: 0,
                last_reset: Instant::now(),
                created: now_seconds(),
            }),
        }
    }

    /// Records one observation; says whether the caller must reset the rest of the
    /// histogram (this observation triggered a reset).
    #[inline]
    pub(crate) fn observe(&self, v: f64) -> Limited {
        let started = self.count_and_hot.fetch_add(1, Ordering::AcqRel);
        let half = &self.halves[(started >> 63) as usize];
        let mut created = false;
        if !v.is_nan() {
            let layout = half.layout();
            if v > layout.zero_threshold {
                created = matches!(
                    half.positive.add(bucket_index(layout.schema, v), 1),
                    Added::Created
                );
            } else if v < -layout.zero_threshold {
                created = matches!(
                    half.negative.add(bucket_index(layout.schema, v), 1),
                    Added::Created
                );
            } else {
                half.zero.fetch_add(1, Ordering::Relaxed);
            }
            // A full table (only if the limit check lags far behind) leaves the observation
            // in count and sum without a bucket, as a NaN is: never lost, never blocking.
        }
        add_f64(&half.sum, v);
        half.count.fetch_add(1, Ordering::Release);
        if created && half.buckets() > u64::from(self.config.max_buckets) {
            if let Some(mut state) = self.state.try_lock() {
                return self.limit(&mut state);
            }
        }
        Limited::Nothing
    }

    /// Flips the hot half; returns the old hot one once every observation started in it has
    /// finished, and the count it must then hold.
    fn flip(&self, state: &State) -> (&Half, &Half, u64) {
        let before = self.count_and_hot.fetch_add(HOT_BIT, Ordering::AcqRel);
        let started = (before & !HOT_BIT) - state.discarded;
        let cold = &self.halves[(before >> 63) as usize];
        let hot = &self.halves[1 - (before >> 63) as usize];
        (cold, hot, started)
    }

    fn wait(half: &Half, count: u64) {
        while half.count.load(Ordering::Acquire) != count {
            spin_yield();
        }
    }

    /// A consistent reading; brings the bucket count within the limit first.
    pub(crate) fn snapshot(&self) -> (NativeSnapshot, Limited) {
        let mut state = self.state.lock();
        let limited = self.limit(&mut state);
        let (cold, hot, started) = self.flip(&state);
        Self::wait(cold, started);
        let layout = cold.layout();
        let snapshot = NativeSnapshot {
            schema: layout.schema,
            zero_threshold: layout.zero_threshold,
            zero_count: cold.zero.load(Ordering::Relaxed),
            count: cold.count.load(Ordering::Relaxed),
            sum: f64::from_bits(cold.sum.load(Ordering::Relaxed)),
            positive: cold.positive.read(),
            negative: cold.negative.read(),
            created: state.created,
        };
        hot.absorb(cold);
        (snapshot, limited)
    }

    /// Observations ever counted (for idle-series detection).
    pub(crate) fn started(&self) -> u64 {
        self.count_and_hot.load(Ordering::Relaxed) & !HOT_BIT
    }

    /// Back to zero, now.
    pub(crate) fn reset(&self) {
        let mut state = self.state.lock();
        self.relayout(&mut state, None);
    }

    /// Brings the hot half within the bucket limit.
    fn limit(&self, state: &mut State) -> Limited {
        let max = u64::from(self.config.max_buckets);
        let mut done = Limited::Nothing;
        loop {
            let hot = &self.halves[(self.count_and_hot.load(Ordering::Acquire) >> 63) as usize];
            if hot.buckets() <= max {
                return done;
            }
            if self
                .config
                .reset_after
                .is_some_and(|after| state.last_reset.elapsed() >= after)
            {
                self.relayout(state, None);
                return Limited::Reset;
            }
            let layout = hot.layout();
            let widened = self.wider_zero_bucket(hot, layout);
            let next = match widened {
                Some(zero_threshold) => Layout {
                    zero_threshold,
                    ..layout
                },
                None if layout.schema > MIN_SCHEMA => Layout {
                    schema: layout.schema - 1,
                    ..layout
                },
                None => return done, // As coarse as it gets.
            };
            self.relayout(state, Some(next));
            done = Limited::Reduced;
        }
    }

    /// The zero threshold that would absorb the buckets nearest zero, if the settings allow
    /// widening that far.
    fn wider_zero_bucket(&self, hot: &Half, layout: Layout) -> Option<f64> {
        if layout.zero_threshold >= self.config.max_zero_threshold {
            return None;
        }
        // The hot half is live: its lowest buckets are read approximately, which is enough
        // to pick a threshold.
        let lowest = [hot.positive.read(), hot.negative.read()]
            .iter()
            .filter_map(|b| {
                b.first()
                    .map(|&(k, _)| bucket_upper_bound(layout.schema, k))
            })
            .fold(f64::INFINITY, f64::min);
        (lowest <= self.config.max_zero_threshold).then_some(lowest)
    }

    /// Changes both halves to `layout` (or resets them, for `None`): each in turn while it
    /// is cold and quiescent.
    fn relayout(&self, state: &mut State, layout: Option<Layout>) {
        // The hot half goes cold; convert (or clear) it; it becomes hot again with the new
        // layout; then the other half, which took the observations meanwhile, folds into it.
        let (first, _, started) = self.flip(state);
        Self::wait(first, started);
        let target = layout.unwrap_or(self.config.initial_layout());
        if layout.is_some() {
            let (from, positive, negative) =
                (first.layout(), first.positive.read(), first.negative.read());
            first.positive.clear();
            first.negative.clear();
            first.set_layout(target);
            first.add_buckets(from, &positive, &negative);
        } else {
            first.clear();
            first.set_layout(target);
        }
        let first_count = first.count.load(Ordering::Relaxed);
        let before = self.count_and_hot.fetch_add(HOT_BIT, Ordering::AcqRel);
        let second = &self.halves[(before >> 63) as usize];
        let started_total = before & !HOT_BIT;
        // The second half holds what started between the two flips.
        let meanwhile = started_total - state.discarded - started;
        Self::wait(second, meanwhile);
        if layout.is_some() {
            first.absorb(second);
        } else {
            // A reset: what arrived during it goes with what came before.
            second.clear();
            state.discarded = started_total - first_count;
            state.last_reset = Instant::now();
            state.created = now_seconds();
        }
        second.set_layout(target);
    }
}

impl std::fmt::Debug for Native {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Native")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn schema_from_factor() {
        let schema = |f| NativeBuckets::new(f).unwrap().initial_schema();
        assert_eq!(schema(1.1), 3); // 2^(1/8) = 1.0905 <= 1.1 < 2^(1/4)
        assert_eq!(schema(2.0), 0);
        assert_eq!(schema(4.0), -1);
        assert_eq!(schema(1.0001), 8); // finer than 8 is not allowed
        assert_eq!(schema(1e300), -4);
        for bad in [1.0, 0.5, f64::NAN, f64::INFINITY, -2.0] {
            assert!(NativeBuckets::new(bad).is_err(), "{bad}");
        }
        assert_eq!(
            NativeBuckets::with_schema(9),
            Err(BucketsError::NativeSchema(9))
        );
        assert!(NativeBuckets::new(2.0)
            .unwrap()
            .zero_threshold(-1.0)
            .is_err());
    }

    #[test]
    fn octave_fractions_match_the_servers_table() {
        // 2^(i/2^s - 1). The Prometheus server's table (client_golang's too) has some of
        // these one ulp low (its 2^-0.5 is 0.7071067811865475; correctly rounded it is
        // ...476): only an observation exactly on such an irrational bound could land in
        // the neighbouring bucket. Powers of two, the bounds that matter, are exact.
        let ulps = |a: f64, b: f64| a.to_bits().abs_diff(b.to_bits());
        let server = [
            (1, 1, 0.7071067811865475),
            (2, 1, 0.5946035575013605),
            (2, 3, 0.8408964152537144),
            (3, 1, 0.5452538663326288),
            (3, 7, 0.9170040432046711),
        ];
        for (schema, i, value) in server {
            assert!(
                ulps(bounds(schema)[i], value) <= 1,
                "schema {schema} bound {i}"
            );
        }
        assert_eq!(bounds(0), &[0.5]);
        assert!((1..=MAX_SCHEMA).all(|s| bounds(s)[0] == 0.5));
        assert_eq!(bounds(8).len(), 256);
        for s in 1..=MAX_SCHEMA {
            let b = bounds(s);
            assert!(b.windows(2).all(|w| w[0] < w[1]) && b[0] == 0.5 && *b.last().unwrap() < 1.0);
        }
    }

    #[test]
    fn indexes_at_schema_0_and_coarser() {
        // Schema 0: bucket k is (2^(k-1), 2^k]; a power of two closes its bucket.
        assert_eq!(bucket_index(0, 1.0), 0);
        assert_eq!(bucket_index(0, 1.5), 1);
        assert_eq!(bucket_index(0, 2.0), 1);
        assert_eq!(bucket_index(0, 2.000001), 2);
        assert_eq!(bucket_index(0, 0.5), -1);
        assert_eq!(bucket_index(0, 0.3), -1);
        assert_eq!(bucket_index(0, 0.25), -2);
        // Schema -1: bucket k is (4^(k-1), 4^k].
        assert_eq!(bucket_index(-1, 1.0), 0);
        assert_eq!(bucket_index(-1, 3.0), 1);
        assert_eq!(bucket_index(-1, 4.0), 1);
        assert_eq!(bucket_index(-1, 4.5), 2);
        assert_eq!(bucket_index(-1, 0.0625), -2); // 4^-2 exactly
        assert_eq!(bucket_index(-1, 0.05), -2);
        assert_eq!(bucket_index(-1, 0.04), -2);
        assert_eq!(bucket_index(-1, 0.015), -3);
        // Schema -4: bucket k is (2^(16(k-1)), 2^(16k)].
        assert_eq!(bucket_index(-4, 65536.0), 1);
        assert_eq!(bucket_index(-4, 65537.0), 2);
        assert_eq!(bucket_index(-4, 1.0), 0);
        assert_eq!(bucket_index(-4, 0.9), 0);
    }

    #[test]
    fn indexes_at_fine_schemas() {
        // Schema 1: bounds ..., 1, 1.414, 2, 2.83, ...
        assert_eq!(bucket_index(1, 1.0), 0);
        assert_eq!(bucket_index(1, 1.2), 1);
        assert_eq!(bucket_index(1, std::f64::consts::SQRT_2), 1);
        assert_eq!(bucket_index(1, 1.5), 2);
        assert_eq!(bucket_index(1, 2.0), 2);
        assert_eq!(bucket_index(1, 0.6), -1);
        // Schema 3 around 1: 1.0905 is the first bound above 1.
        assert_eq!(bucket_index(3, 1.09), 1);
        assert_eq!(bucket_index(3, 1.1), 2);
        assert_eq!(bucket_index(3, 100.0), 54); // 2^(54/8) = 107.6, 2^(53/8) = 98.7
        assert_eq!(bucket_index(8, 1.0), 0);
        assert_eq!(bucket_index(8, 2.0), 256);
        // Every bucket's upper bound falls in that bucket, and just above it in the next.
        for schema in MIN_SCHEMA..=MAX_SCHEMA {
            for key in [-300, -17, -1, 0, 1, 5, 64, 300] {
                let upper = bucket_upper_bound(schema, key);
                if upper == 0.0 || upper.is_infinite() {
                    continue; // Past the range of f64 at coarse schemas.
                }
                assert_eq!(
                    bucket_index(schema, upper),
                    key,
                    "schema {schema} key {key}"
                );
                assert_eq!(bucket_index(schema, upper * (1.0 + 1e-12)), key + 1);
                assert_eq!(
                    bucket_index(schema, -upper),
                    key,
                    "the sign does not matter"
                );
            }
        }
    }

    #[test]
    fn subnormal_huge_and_infinite_values() {
        let tiny = f64::from_bits(1); // the smallest subnormal, 2^-1074
        assert_eq!(bucket_index(0, tiny), -1074);
        assert_eq!(bucket_index(8, tiny), -1074 * 256);
        assert_eq!(bucket_index(0, f64::MIN_POSITIVE), -1022);
        assert_eq!(bucket_index(0, f64::MAX), 1024);
        assert_eq!(bucket_index(0, f64::INFINITY), 1025);
        assert_eq!(bucket_index(8, f64::INFINITY), 1024 * 256 + 1);
        // The packed slot words hold every index there is.
        for key in [bucket_index(8, tiny), bucket_index(8, f64::INFINITY)] {
            assert_eq!(untag(tag(key) | 7), (key, 7));
        }
    }

    fn native(config: NativeBuckets) -> Native {
        Native::new(config)
    }

    #[test]
    fn observations_land_by_sign_and_zero_threshold() {
        let n = native(
            NativeBuckets::with_schema(0)
                .unwrap()
                .zero_threshold(0.01)
                .unwrap(),
        );
        for v in [
            0.0,
            0.005,
            -0.01,
            1.0,
            1.5,
            3.0,
            -1.5,
            -0.5,
            f64::NAN,
            f64::INFINITY,
        ] {
            n.observe(v);
        }
        let (s, _) = n.snapshot();
        assert_eq!(
            (s.schema, s.zero_threshold, s.zero_count, s.count),
            (0, 0.01, 3, 10)
        );
        assert_eq!(s.positive, vec![(0, 1), (1, 1), (2, 1), (1025, 1)]);
        assert_eq!(s.negative, vec![(-1, 1), (1, 1)]);
        assert!(s.sum.is_nan());
        // Reading again gives the same: the reading folds back.
        assert_eq!(n.snapshot().0.positive, s.positive);
    }

    #[test]
    fn over_the_limit_the_schema_halves() {
        let n = native(NativeBuckets::with_schema(3).unwrap().max_buckets(10));
        // 40 distinct buckets at schema 3: 1.0905^k for k in 1..=40.
        for k in 1..=40 {
            n.observe(bucket_upper_bound(3, k));
        }
        let (s, _) = n.snapshot();
        assert!(s.positive.len() <= 10, "{:?}", s.positive);
        assert_eq!(s.count, 40);
        assert_eq!(s.positive.iter().map(|&(_, c)| c).sum::<u64>(), 40);
        // Keys 1..=40 at schema 3 are 1..=20 at schema 2 and 1..=10 at schema 1: 10 fit.
        assert_eq!(s.schema, 1);
        assert_eq!(s.positive, (1..=10).map(|k| (k, 4)).collect::<Vec<_>>());
    }

    #[test]
    fn over_the_limit_the_zero_bucket_widens_first() {
        let config = NativeBuckets::with_schema(0)
            .unwrap()
            .max_buckets(3)
            .max_zero_threshold(0.3)
            .unwrap();
        let n = native(config);
        for v in [0.1, 0.2, 1.0, 2.0] {
            n.observe(v);
        }
        let (s, _) = n.snapshot();
        // 0.1 is in (1/16, 1/8]: the zero bucket widens to 0.125 and takes it.
        assert_eq!((s.schema, s.zero_threshold, s.zero_count), (0, 0.125, 1));
        assert_eq!(s.positive, vec![(-2, 1), (0, 1), (1, 1)]);
    }

    #[test]
    fn over_the_limit_after_reset_after_it_resets() {
        let config = NativeBuckets::with_schema(0)
            .unwrap()
            .max_buckets(2)
            .reset_after(Duration::ZERO);
        let n = native(config);
        n.observe(1.0);
        n.observe(2.0);
        assert_eq!(n.observe(4.0), Limited::Reset);
        let (s, _) = n.snapshot();
        assert_eq!((s.count, s.positive.len(), s.schema), (0, 0, 0));
        n.observe(8.0);
        let (s, _) = n.snapshot();
        assert_eq!((s.count, s.sum, s.positive.clone()), (1, 8.0, vec![(3, 1)]));
    }

    #[test]
    fn spans_and_deltas() {
        use crate::encode::protobuf::spans;
        assert_eq!(spans(&[]), vec![]);
        assert_eq!(
            spans(&[(-2, 1), (-1, 4), (0, 2), (3, 1), (4, 1), (10, 5)]),
            vec![(-2, 3), (2, 2), (5, 1)]
        );
    }

    #[test]
    fn concurrent_observers_and_readers_agree() {
        let n = std::sync::Arc::new(native(
            NativeBuckets::with_schema(2).unwrap().max_buckets(20),
        ));
        let writers: Vec<_> = (0..3)
            .map(|t| {
                let n = n.clone();
                std::thread::spawn(move || {
                    for i in 0..20_000u64 {
                        n.observe(((i % 97) as f64 + 1.0) * if t == 2 { -0.01 } else { 1.0 });
                    }
                })
            })
            .collect();
        let mut last = 0;
        while last < 60_000 {
            let (s, _) = n.snapshot();
            let in_buckets: u64 = s.zero_count
                + s.positive.iter().map(|b| b.1).sum::<u64>()
                + s.negative.iter().map(|b| b.1).sum::<u64>();
            assert_eq!(
                in_buckets, s.count,
                "every observation in exactly one bucket"
            );
            assert!(s.count >= last);
            assert!(s.positive.len() + s.negative.len() <= 20 + 3);
            last = s.count;
        }
        writers.into_iter().for_each(|w| w.join().unwrap());
        let (s, _) = n.snapshot();
        assert_eq!(s.count, 60_000);
        let expected: f64 =
            (0..20_000u64).map(|i| (i % 97) as f64 + 1.0).sum::<f64>() * (2.0 - 0.01);
        assert!((s.sum - expected).abs() < 1e-6 * expected);
    }
}

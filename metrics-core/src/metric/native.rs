//! Native (sparse, exponential) histogram buckets, as Prometheus defines them.
//!
//! At schema `s` the bucket with index `k` holds the observations `v` with
//! `base^(k-1) < |v| <= base^k`, `base = 2^(2^-s)`; positive and negative observations have
//! their own buckets, and those with `|v| <= zero_threshold` go to the zero bucket. Only
//! buckets that have seen an observation exist.
//!
//! Observing takes no lock and, normally, no locked instruction: each thread records into
//! cells of its own (see `runtime/cells.rs`) under a sequence lock, as the classic histogram does,
//! in a small open-addressed table of its buckets. A thread whose table is full, or that a
//! reader has diverted, records into shared state kept twice, "hot" and "cold" (the scheme
//! of client_golang): an observation counts itself in `count_and_hot`, whose top bit names
//! the hot half, records into it (a CAS creates a bucket, an add counts) and counts itself
//! done; a reader flips the bit, waits for the old half to finish, reads it and folds it
//! into the new hot one. A reading merges every thread's cells with the halves, so it holds
//! whole observations only.
//!
//! When more than `max_buckets` buckets exist, the resolution drops: the zero bucket widens
//! (up to `max_zero_threshold`) or the schema halves the buckets' number, or, when
//! `reset_after` has passed since the last reset, everything restarts at the first schema.
//! The halves change under the histogram's mutex, each while it is cold; the change is then
//! published as a new layout version, and each thread converts its own cells (or, after a
//! reset, drops them) the next time it observes. Readers convert the cells of threads that
//! have not observed since. An observer that creates a shared bucket over the limit tries
//! the mutex and makes the change itself if it is free; otherwise the next reading does.

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use crate::error::BucketsError;
use crate::metric::slices::Slice;
use crate::model::NativeSnapshot;
use crate::runtime::cells::CellId;
use crate::runtime::clock::now_seconds;
use crate::runtime::float::add_f64;
use crate::runtime::sync::{spin_yield, AtomicBool, AtomicU64, Ordering};

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
#[inline]
fn bounds(schema: i8) -> &'static [f64] {
    &octaves(schema).bounds
}

/// An octave's bucket bounds, and for each of `2^cell_bits` equal slices of the octave how
/// many bounds lie below the slice, with the next bound: the bucket of a fraction is that
/// count, plus one if the next bound (at most one lies inside a slice) is below it too. Both
/// come from one entry, so the index waits on one load, not two in a row.
// 64 bytes: indexing the tables is a shift, not a multiply.
#[repr(align(64))]
struct Octave {
    bounds: Vec<f64>,
    cells: Vec<Slice>,
    /// `52 - log2(cells.len())`: the mantissa shifted by it is the slice.
    cell_shift: u32,
}

/// Slices per bucket, as a power of two: for `n` buckets per octave the closest two bounds
/// (near 0.5) are `0.5 * (2^(1/n) - 1)`, more than `0.34 / n`, apart, and slices are
/// `0.5 / (4 n)` wide, so no slice holds two bounds.
const CELLS_PER_BUCKET_BITS: u32 = 2;

#[inline]
fn octaves(schema: i8) -> &'static Octave {
    static TABLES: LazyLock<Vec<Octave>> = LazyLock::new(|| {
        (0..=MAX_SCHEMA)
            .map(|s| {
                let n = 1u32 << s;
                let bounds: Vec<f64> = (0..n)
                    .map(|i| (f64::from(i) / f64::from(n) - 1.0).exp2())
                    .collect();
                let cell_bits = s as u32 + CELLS_PER_BUCKET_BITS;
                let cells = (0..1u64 << cell_bits)
                    .map(|cell| {
                        // The smallest fraction in the slice: mantissa bits `cell` on top.
                        let start = f64::from_bits((1022 << 52) | (cell << (52 - cell_bits)));
                        // Past the last bound: the next octave's first, 1.0.
                        Slice::new(&bounds, start, 1f64.to_bits())
                    })
                    .collect();
                Octave {
                    bounds,
                    cells,
                    cell_shift: 52 - cell_bits,
                }
            })
            .collect()
    });
    &TABLES[schema.max(0) as usize]
}

const EXPONENT: u64 = 0x7ff << 52;
const MANTISSA: u64 = (1 << 52) - 1;

/// The index of the bucket `|v|` falls in at `schema`, for `|v| > 0` (infinities, and NaN,
/// one past the largest finite value's bucket).
///
/// On the bits of `v`: `|v| = frac * 2^exp` with `frac` in [0.5, 1) is the mantissa under
/// the exponent 1022, and positive floats order as their bits, so the comparison with the
/// next bound is an integer one.
#[inline]
pub fn bucket_index(schema: i8, v: f64) -> i32 {
    let bits = v.to_bits() & !(1 << 63);
    if bits >= EXPONENT {
        return bucket_index(schema, f64::MAX) + 1;
    }
    if bits < 1 << 52 {
        return bucket_index_subnormal(schema, v);
    }
    index_of(schema, bits & MANTISSA, (bits >> 52) as i32 - 1022)
}

/// [`bucket_index`] of subnormals (and zero): scaled into the normal range first.
#[cold]
fn bucket_index_subnormal(schema: i8, v: f64) -> i32 {
    let scaled = (v * 2f64.powi(64)).to_bits() & !(1 << 63);
    let exp = (scaled >> 52) as i32 - 1022 - 64;
    index_of(schema, scaled & MANTISSA, exp)
}

/// The bucket of `frac * 2^exp`, `frac` being `0.5` with `mantissa` below it.
#[inline(always)]
fn index_of(schema: i8, mantissa: u64, exp: i32) -> i32 {
    if schema > 0 {
        let octave = octaves(schema);
        let slice = octave.cells[(mantissa >> octave.cell_shift) as usize];
        let frac_bits = mantissa | 1022 << 52;
        slice.bucket(frac_bits) + (exp - 1) * octave.bounds.len() as i32
    } else {
        // At schema 0 the bucket is the exponent (an exact power of two closes its bucket);
        // coarser schemas group 2^-schema of those: ceil(key / 2^-schema).
        let key = if mantissa == 0 { exp - 1 } else { exp };
        ceil_shift(key, -schema)
    }
}

/// Where bucket `key` of layout `from` goes at the coarser (or equal) layout `to`: its
/// index there, or `None` for the zero bucket, which now reaches past it.
fn rebucket(key: i32, from: Layout, to: Layout) -> Option<i32> {
    if bucket_upper_bound(from.schema, key) <= to.zero_threshold {
        return None;
    }
    Some(ceil_shift(key, from.schema - to.schema))
}

/// `ceil(key / 2^shift)`: a bucket index `shift` schemas coarser.
fn ceil_shift(key: i32, shift: i8) -> i32 {
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
                match rebucket(key, from, to) {
                    None => {
                        self.zero.fetch_add(n, Ordering::Relaxed);
                    }
                    // A full table (see `observe`) keeps these in count and sum only.
                    Some(key) => {
                        let _ = table.add(key, n);
                    }
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

// A thread's cells of a native histogram: a sequence number (odd while the owner writes),
// the layout version and layout its buckets are at, the observations in no bucket (NaN),
// sum and zero bucket, then `LOCAL_SLOTS` (tag, count) pairs: an open-addressed table of
// the thread's buckets. The count is the sum of the buckets, so observing need not keep it.
const SEQ: usize = 0;
const VERSION: usize = 1;
const SCHEMA: usize = 2;
const ZERO_THRESHOLD: usize = 3;
const UNBUCKETED: usize = 4;
const SUM: usize = 5;
const ZERO: usize = 6;
const SLOTS: usize = 7;
const LOCAL_SLOTS: usize = 128;
const LOCAL_WORDS: usize = SLOTS + 2 * LOCAL_SLOTS;

/// Failed reads of one thread's cells before a reader diverts observers to the halves.
const READS_BEFORE_DIVERT: u32 = 8;

/// The native part of a histogram.
///
/// An observation normally goes to cells owned by the observing thread (plain loads and
/// stores under a sequence lock, as the classic histogram does): each thread keeps up to
/// `LOCAL_SLOTS` buckets of its own, at the layout it last saw. A thread whose table is
/// full, or one a reader has diverted, records into the shared halves instead. A reading
/// merges every thread's cells, converted to the current layout, with the halves'.
///
/// A layout change (coarser schema, wider zero bucket, reset) is published as a new even
/// `version` (odd while it is being written); each thread converts its own cells when it
/// next observes (resets discard them), and readers convert (or, for cells from before the
/// last reset, skip) the cells of threads that have not observed since.
pub(crate) struct Native {
    config: NativeBuckets,
    local: Option<CellId>,
    divert: AtomicBool,
    version: AtomicU64,
    schema: AtomicU64,
    zero_threshold: AtomicU64,
    /// Thread cells at a version below this hold observations from before the last reset.
    reset_version: AtomicU64,
    /// Top bit: the hot half. Lower bits: observations ever started in the halves.
    count_and_hot: AtomicU64,
    halves: [Half; 2],
    /// Serialises readers and layout changes; observers only try it, over the limit.
    state: Mutex<State>,
}

struct State {
    /// Observations started in the halves before the last reset, which no half counts.
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

/// A layout change: a new layout, or a reset to the first one.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Change {
    To(Layout),
    Reset,
}

/// Buckets being merged from several sources, at one layout.
struct Merged {
    layout: Layout,
    count: u64,
    sum: f64,
    zero: u64,
    positive: std::collections::BTreeMap<i32, u64>,
    negative: std::collections::BTreeMap<i32, u64>,
}

impl Merged {
    /// Adds a bucket read at layout `from`.
    fn bucket(&mut self, from: Layout, negative: bool, key: i32, n: u64) {
        match rebucket(key, from, self.layout) {
            None => self.zero += n,
            Some(key) => {
                let side = if negative {
                    &mut self.negative
                } else {
                    &mut self.positive
                };
                *side.entry(key).or_default() += n;
            }
        }
    }

    fn buckets(&self) -> usize {
        self.positive.len() + self.negative.len()
    }
}

impl Native {
    pub(crate) fn new(config: NativeBuckets) -> Native {
        let capacity = (config.max_buckets as usize * 3 / 2 + 16).next_power_of_two();
        let layout = config.initial_layout();
        // Under loom, only the halves: loom explores their interleavings.
        #[cfg(not(loom))]
        let local = CellId::run(LOCAL_WORDS);
        #[cfg(loom)]
        let local = None;
        Native {
            halves: [Half::new(layout, capacity), Half::new(layout, capacity)],
            local,
            divert: AtomicBool::new(false),
            version: AtomicU64::new(2),
            schema: AtomicU64::new(i64::from(layout.schema) as u64),
            zero_threshold: AtomicU64::new(layout.zero_threshold.to_bits()),
            reset_version: AtomicU64::new(2),
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
        if !self.divert.load(Ordering::Relaxed) {
            let cells = self.local.as_ref().and_then(CellId::owned_cells);
            // A fixed-size array: the masked indexes below need no bounds checks.
            if let Some(cells) = cells.and_then(|c| <&[_; LOCAL_WORDS]>::try_from(c).ok()) {
                let version = self.version.load(Ordering::Acquire);
                let current = cells[VERSION].load(std::sync::atomic::Ordering::Relaxed) == version;
                if (current || self.adopt(cells)) && owned::record(cells, v) {
                    return Limited::Nothing;
                }
            }
        }
        self.observe_shared(v)
    }

    /// Brings this thread's cells to the current layout; false while a change is being
    /// published (the caller then records in the halves).
    #[cold]
    #[inline(never)]
    fn adopt(&self, cells: &[std::sync::atomic::AtomicU64; LOCAL_WORDS]) -> bool {
        let Some((version, layout)) = self.current() else {
            return false;
        };
        let reset = cells[VERSION].load(std::sync::atomic::Ordering::Relaxed)
            < self.reset_version.load(Ordering::Acquire);
        owned::adopt(cells, version, layout, reset);
        true
    }

    /// The published layout and its version, or `None` while a change is being written.
    fn current(&self) -> Option<(u64, Layout)> {
        let version = self.version.load(Ordering::Acquire);
        let layout = Layout {
            schema: self.schema.load(Ordering::Acquire) as i64 as i8,
            zero_threshold: f64::from_bits(self.zero_threshold.load(Ordering::Acquire)),
        };
        let stable = version % 2 == 0 && self.version.load(Ordering::Acquire) == version;
        stable.then_some((version, layout))
    }

    /// Records into the shared halves.
    fn observe_shared(&self, v: f64) -> Limited {
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
                let layout = half.layout();
                let lowest = [half.positive.read(), half.negative.read()]
                    .map(|buckets| buckets.first().map(|&(key, _)| key));
                if let Some(change) = self.next_change(&state, layout, lowest) {
                    self.apply(&mut state, change);
                    return if change == Change::Reset {
                        Limited::Reset
                    } else {
                        Limited::Reduced
                    };
                }
            }
        }
        Limited::Nothing
    }

    /// Flips the hot half; returns the old hot one, the new hot one, and the count the old
    /// one must reach once every observation started in it has finished.
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

    /// A consistent reading at the current layout, within the bucket limit (changing the
    /// layout first if it must).
    pub(crate) fn snapshot(&self) -> (NativeSnapshot, Limited) {
        let mut state = self.state.lock();
        let mut limited = Limited::Nothing;
        loop {
            let merged = self.read(&state);
            let lowest = [merged.positive.keys().next(), merged.negative.keys().next()]
                .map(|key| key.copied());
            let change = if merged.buckets() > self.config.max_buckets as usize {
                self.next_change(&state, merged.layout, lowest)
            } else {
                None
            };
            match change {
                Some(change) => {
                    self.apply(&mut state, change);
                    limited = match (limited, change) {
                        (Limited::Reset, _) | (_, Change::Reset) => Limited::Reset,
                        _ => Limited::Reduced,
                    };
                }
                None => {
                    let snapshot = NativeSnapshot {
                        schema: merged.layout.schema,
                        zero_threshold: merged.layout.zero_threshold,
                        zero_count: merged.zero,
                        count: merged.count,
                        sum: merged.sum,
                        positive: merged.positive.into_iter().collect(),
                        negative: merged.negative.into_iter().collect(),
                        created: state.created,
                    };
                    return (snapshot, limited);
                }
            }
        }
    }

    /// Every thread's cells and the halves, merged at the current layout.
    fn read(&self, state: &State) -> Merged {
        let layout = self.halves[0].layout();
        let mut merged = Merged {
            layout,
            count: 0,
            sum: 0.0,
            zero: 0,
            positive: Default::default(),
            negative: Default::default(),
        };
        if let Some(local) = &self.local {
            let reset_version = self.reset_version.load(Ordering::Relaxed);
            let mut buckets = Vec::new();
            local.for_each_owned(|cells| {
                let mut failed = 0;
                let reading = loop {
                    if let Some(reading) = owned::read(cells, &mut buckets) {
                        break reading;
                    }
                    failed += 1;
                    if failed == READS_BEFORE_DIVERT {
                        self.divert.store(true, Ordering::Relaxed);
                    }
                    spin_yield();
                };
                if reading.version < reset_version {
                    return; // From before the last reset; its owner discards it.
                }
                merged.count += reading.count;
                merged.sum += reading.sum;
                merged.zero += reading.zero;
                for &(negative, key, n) in &buckets {
                    merged.bucket(reading.layout, negative, key, n);
                }
            });
        }
        let (cold, hot, started) = self.flip(state);
        Self::wait(cold, started);
        let from = cold.layout();
        merged.count += cold.count.load(Ordering::Relaxed);
        merged.sum += f64::from_bits(cold.sum.load(Ordering::Relaxed));
        merged.zero += cold.zero.load(Ordering::Relaxed);
        for (negative, table) in [(false, &cold.positive), (true, &cold.negative)] {
            for (key, n) in table.read() {
                merged.bucket(from, negative, key, n);
            }
        }
        hot.absorb(cold);
        self.divert.store(false, Ordering::Relaxed);
        merged
    }

    /// Observations ever counted, roughly (for idle-series detection).
    pub(crate) fn started(&self) -> u64 {
        let mut started = self.count_and_hot.load(Ordering::Relaxed) & !HOT_BIT;
        if let Some(local) = &self.local {
            local.for_each_owned(|cells| {
                started =
                    started.wrapping_add(cells[SEQ].load(std::sync::atomic::Ordering::Relaxed))
            });
        }
        started
    }

    /// Back to zero, now.
    pub(crate) fn reset(&self) {
        let mut state = self.state.lock();
        self.apply(&mut state, Change::Reset);
    }

    /// What to do about too many buckets at `layout`, whose lowest positive and negative
    /// buckets are `lowest`: reset (if `reset_after` has passed), widen the zero bucket to the
    /// lowest bucket's bound (if allowed that far), lower the schema, or nothing (as coarse as
    /// it gets).
    fn next_change(
        &self,
        state: &State,
        layout: Layout,
        lowest: [Option<i32>; 2],
    ) -> Option<Change> {
        if self
            .config
            .reset_after
            .is_some_and(|after| state.last_reset.elapsed() >= after)
        {
            return Some(Change::Reset);
        }
        let lowest = lowest
            .into_iter()
            .flatten()
            .map(|key| bucket_upper_bound(layout.schema, key))
            .fold(f64::INFINITY, f64::min);
        if layout.zero_threshold < self.config.max_zero_threshold
            && lowest <= self.config.max_zero_threshold
        {
            return Some(Change::To(Layout {
                zero_threshold: lowest,
                ..layout
            }));
        }
        (layout.schema > MIN_SCHEMA).then_some(Change::To(Layout {
            schema: layout.schema - 1,
            ..layout
        }))
    }

    /// Makes a layout change: in both halves, then published for the threads.
    fn apply(&self, state: &mut State, change: Change) {
        let layout = match change {
            Change::To(layout) => Some(layout),
            Change::Reset => None,
        };
        self.relayout(state, layout);
        let layout = layout.unwrap_or(self.config.initial_layout());
        let version = self.version.load(Ordering::Relaxed);
        self.version.store(version + 1, Ordering::Release);
        self.schema
            .store(i64::from(layout.schema) as u64, Ordering::Release);
        self.zero_threshold
            .store(layout.zero_threshold.to_bits(), Ordering::Release);
        if change == Change::Reset {
            self.reset_version.store(version + 2, Ordering::Release);
        }
        self.version.store(version + 2, Ordering::Release);
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

/// The thread-owned cells: written by their owner alone, read under the sequence lock.
mod owned {
    use std::sync::atomic::{fence, AtomicU64, Ordering};

    use super::*;

    /// What a reader takes from one thread's cells.
    pub(super) struct Reading {
        pub(super) version: u64,
        pub(super) layout: Layout,
        pub(super) count: u64,
        pub(super) sum: f64,
        pub(super) zero: u64,
    }

    /// A bucket's tag: key and sign, never 0 (an empty slot).
    fn slot_tag(negative: bool, key: i32) -> u64 {
        ((((i64::from(key) + KEY_OFFSET) as u64) << 1) | u64::from(negative)) + 1
    }

    fn untag(tag: u64) -> (bool, i32) {
        let t = tag - 1;
        (t & 1 == 1, ((t >> 1) as i64 - KEY_OFFSET) as i32)
    }

    /// The slot holding `tag`, or the empty one it would take; `None` if the table is full.
    #[inline]
    fn find(cells: &[AtomicU64; LOCAL_WORDS], tag: u64) -> Option<usize> {
        let mask = LOCAL_SLOTS - 1;
        // Keys of one histogram are mostly consecutive: direct mapping spreads them.
        let mut j = tag as usize & mask;
        for _ in 0..LOCAL_SLOTS {
            let t = cells[SLOTS + 2 * j].load(Ordering::Relaxed);
            if t == tag || t == 0 {
                return Some(j);
            }
            j = (j + 1) & mask;
        }
        None
    }

    #[inline]
    fn bump(cell: &AtomicU64, n: u64) {
        cell.store(cell.load(Ordering::Relaxed) + n, Ordering::Relaxed);
    }

    /// Records `v` if the thread's table has room for its bucket; otherwise writes nothing
    /// and says so. Only the cells' owner calls it.
    #[inline]
    pub(super) fn record(cells: &[AtomicU64; LOCAL_WORDS], v: f64) -> bool {
        let schema = cells[SCHEMA].load(Ordering::Relaxed) as i64 as i8;
        let zero_threshold = f64::from_bits(cells[ZERO_THRESHOLD].load(Ordering::Relaxed));
        let target = (v.abs() > zero_threshold) // false for the zero bucket and NaN
            .then(|| slot_tag(v.is_sign_negative(), bucket_index(schema, v)));
        let slot = match target {
            Some(tag) => match find(cells, tag) {
                Some(j) => Some((tag, j)),
                None => return false,
            },
            None => None,
        };
        let seq = cells[SEQ].load(Ordering::Relaxed);
        cells[SEQ].store(seq.wrapping_add(1), Ordering::Relaxed);
        // Orders the odd `seq` before the writes below (a compiler barrier on x86).
        fence(Ordering::Release);
        match slot {
            Some((tag, j)) => {
                if cells[SLOTS + 2 * j].load(Ordering::Relaxed) == 0 {
                    cells[SLOTS + 2 * j].store(tag, Ordering::Relaxed);
                }
                bump(&cells[SLOTS + 2 * j + 1], 1);
            }
            None if !v.is_nan() => bump(&cells[ZERO], 1),
            None => bump(&cells[UNBUCKETED], 1),
        }
        let sum = &cells[SUM];
        sum.store(
            (f64::from_bits(sum.load(Ordering::Relaxed)) + v).to_bits(),
            Ordering::Relaxed,
        );
        cells[SEQ].store(seq.wrapping_add(2), Ordering::Release);
        true
    }

    /// Brings the cells to `layout` at `version`: converts the buckets, or discards
    /// everything after a reset. Only the cells' owner calls it.
    pub(super) fn adopt(
        cells: &[AtomicU64; LOCAL_WORDS],
        version: u64,
        layout: Layout,
        reset: bool,
    ) {
        let seq = cells[SEQ].load(Ordering::Relaxed);
        cells[SEQ].store(seq.wrapping_add(1), Ordering::Relaxed);
        fence(Ordering::Release);
        let from = Layout {
            schema: cells[SCHEMA].load(Ordering::Relaxed) as i64 as i8,
            zero_threshold: f64::from_bits(cells[ZERO_THRESHOLD].load(Ordering::Relaxed)),
        };
        let mut buckets = Vec::new();
        for j in 0..LOCAL_SLOTS {
            let tag = cells[SLOTS + 2 * j].swap(0, Ordering::Relaxed);
            let n = cells[SLOTS + 2 * j + 1].swap(0, Ordering::Relaxed);
            if tag != 0 && !reset {
                buckets.push((untag(tag), n));
            }
        }
        if reset {
            for i in [UNBUCKETED, SUM, ZERO] {
                cells[i].store(0, Ordering::Relaxed);
            }
        }
        cells[SCHEMA].store(i64::from(layout.schema) as u64, Ordering::Relaxed);
        cells[ZERO_THRESHOLD].store(layout.zero_threshold.to_bits(), Ordering::Relaxed);
        for ((negative, key), n) in buckets {
            match rebucket(key, from, layout) {
                None => bump(&cells[ZERO], n),
                Some(key) => {
                    let tag = slot_tag(negative, key);
                    // Coarser keys are fewer than the slots they came from: there is room.
                    if let Some(j) = find(cells, tag) {
                        cells[SLOTS + 2 * j].store(tag, Ordering::Relaxed);
                        bump(&cells[SLOTS + 2 * j + 1], n);
                    }
                }
            }
        }
        cells[VERSION].store(version, Ordering::Relaxed);
        cells[SEQ].store(seq.wrapping_add(2), Ordering::Release);
    }

    /// One attempt at a stable read of a thread's cells: its buckets into `out` as
    /// (negative, key, count), or `None` if the owner was writing.
    pub(super) fn read(cells: &[AtomicU64], out: &mut Vec<(bool, i32, u64)>) -> Option<Reading> {
        let seq = cells[SEQ].load(Ordering::Acquire);
        if seq % 2 == 1 {
            return None;
        }
        let reading = Reading {
            version: cells[VERSION].load(Ordering::Relaxed),
            layout: Layout {
                schema: cells[SCHEMA].load(Ordering::Relaxed) as i64 as i8,
                zero_threshold: f64::from_bits(cells[ZERO_THRESHOLD].load(Ordering::Relaxed)),
            },
            count: 0,
            sum: f64::from_bits(cells[SUM].load(Ordering::Relaxed)),
            zero: cells[ZERO].load(Ordering::Relaxed),
        };
        let mut reading = reading;
        reading.count = cells[UNBUCKETED].load(Ordering::Relaxed) + reading.zero;
        out.clear();
        for j in 0..LOCAL_SLOTS {
            let tag = cells[SLOTS + 2 * j].load(Ordering::Relaxed);
            let n = cells[SLOTS + 2 * j + 1].load(Ordering::Relaxed);
            if tag != 0 && n != 0 {
                let (negative, key) = untag(tag);
                out.push((negative, key, n));
                reading.count += n;
            }
        }
        // Orders the reads above before the check below.
        fence(Ordering::Acquire);
        (cells[SEQ].load(Ordering::Relaxed) == seq).then_some(reading)
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
        // No slice of the lookup table holds two bounds, or the index would be off.
        for s in 1..=MAX_SCHEMA {
            let octave = octaves(s);
            assert!(
                octave
                    .cells
                    .windows(2)
                    .all(|w| w[1].below - w[0].below <= 1),
                "schema {s}"
            );
        }
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
    fn the_lookup_table_agrees_with_a_plain_search() {
        // xorshift: a million values spread over 2^-40 .. 2^40, at every schema.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..1_000_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v =
                f64::from_bits((x >> 12) | 0x3ff0_0000_0000_0000) * 2f64.powi((x % 80) as i32 - 40);
            // v = frac * 2^exp, frac in [0.5, 1), taken apart independently of the code under test.
            let exp = v.log2().floor() as i32 + 1;
            let frac = v / 2f64.powi(exp);
            let (frac, exp) = match frac {
                f if f >= 1.0 => (f / 2.0, exp + 1),
                f if f < 0.5 => (f * 2.0, exp - 1),
                f => (f, exp),
            };
            assert!((0.5..1.0).contains(&frac) && frac * 2f64.powi(exp) == v);
            for schema in 1..=MAX_SCHEMA {
                let bounds = bounds(schema);
                let plain =
                    bounds.partition_point(|&b| b < frac) as i32 + (exp - 1) * bounds.len() as i32;
                assert_eq!(bucket_index(schema, v), plain, "schema {schema}, v {v}");
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
        for v in [1.0, 2.0, 4.0] {
            n.observe(v);
        }
        let (s, limited) = n.snapshot();
        assert_eq!(limited, Limited::Reset);
        assert_eq!((s.count, s.positive.len(), s.schema), (0, 0, 0));
        // The observing thread finds its cells from before the reset and discards them.
        n.observe(8.0);
        let (s, _) = n.snapshot();
        assert_eq!((s.count, s.sum, s.positive.clone()), (1, 8.0, vec![(3, 1)]));
    }

    #[test]
    fn the_shared_halves_reduce_and_reset_on_their_own() {
        let n = native(NativeBuckets::with_schema(3).unwrap().max_buckets(10));
        for k in 1..=40 {
            n.observe_shared(bucket_upper_bound(3, k));
        }
        let (s, _) = n.snapshot();
        assert_eq!(s.schema, 1);
        assert_eq!(s.positive, (1..=10).map(|k| (k, 4)).collect::<Vec<_>>());

        let config = NativeBuckets::with_schema(0)
            .unwrap()
            .max_buckets(2)
            .reset_after(Duration::ZERO);
        let n = native(config);
        n.observe_shared(1.0);
        n.observe_shared(2.0);
        assert_eq!(
            n.observe_shared(4.0),
            Limited::Reset,
            "the observer over the limit resets"
        );
        assert_eq!(n.snapshot().0.count, 0);
    }

    #[test]
    fn a_thread_converts_its_cells_after_a_reduction() {
        let n = native(NativeBuckets::with_schema(3).unwrap().max_buckets(10));
        for k in 1..=40 {
            n.observe(bucket_upper_bound(3, k));
        }
        assert_eq!(n.snapshot().0.schema, 1);
        // This thread's cells are still at schema 3; observing converts them.
        n.observe(bucket_upper_bound(1, 10));
        let (s, _) = n.snapshot();
        assert_eq!(s.count, 41);
        let mut expected: Vec<(i32, u64)> = (1..=10).map(|k| (k, 4)).collect();
        expected[9].1 = 5;
        assert_eq!((s.schema, s.positive), (1, expected));
    }

    #[test]
    fn a_full_thread_table_spills_into_the_halves() {
        let n = native(NativeBuckets::with_schema(3).unwrap().max_buckets(1000));
        for k in 1..=100 {
            n.observe(bucket_upper_bound(3, k));
            n.observe(-bucket_upper_bound(3, k));
        }
        let (s, _) = n.snapshot();
        assert_eq!((s.schema, s.count), (3, 200));
        assert_eq!(s.positive, (1..=100).map(|k| (k, 1)).collect::<Vec<_>>());
        assert_eq!(s.negative, s.positive);
    }

    #[test]
    fn spans_and_deltas() {
        use crate::model::spans;
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

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;

    /// Two observers race a reading through the shared halves (the only path under loom):
    /// whatever the interleaving, the reading holds whole observations, and none is lost.
    #[test]
    fn native_reading_sees_whole_observations() {
        let mut model = loom::model::Builder::new();
        model.preemption_bound = Some(2);
        model.check(|| {
            let config = NativeBuckets::with_schema(0).unwrap().max_buckets(4);
            let n = std::sync::Arc::new(Native::new(config));
            let observers: Vec<_> = [0.75, -3.0]
                .into_iter()
                .map(|v| {
                    let n = n.clone();
                    loom::thread::spawn(move || {
                        n.observe(v);
                    })
                })
                .collect();
            let (s, _) = n.snapshot();
            let positive: u64 = s.positive.iter().map(|b| b.1).sum();
            let negative: u64 = s.negative.iter().map(|b| b.1).sum();
            assert_eq!(s.zero_count + positive + negative, s.count);
            assert_eq!(s.sum, positive as f64 * 0.75 - negative as f64 * 3.0);
            for o in observers {
                o.join().unwrap();
            }
            let (s, _) = n.snapshot();
            assert_eq!(
                (s.positive, s.negative, s.sum),
                (vec![(0, 1)], vec![(2, 1)], -2.25)
            );
        });
    }
}

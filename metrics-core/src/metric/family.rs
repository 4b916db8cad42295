//! A family: one metric per distinct label set, bounded in size.
//!
//! Two ways to find a series:
//! - dense: when every label value has a fixed cardinality (enums, `bool`) and their product
//!   is at most 65 536, the series live in an array indexed by arithmetic on the values. No
//!   hashing, no lock, no allocation after first use; the caller gets a reference. The type
//!   decides, so the compiler drops the other path; the series limit still holds, counted as
//!   slots are first used.
//! - sparse: otherwise, a table sharded over read-write locks, in front of which each thread
//!   keeps a small cache of the series it looked up (`series_cache.rs`). A lookup picks the
//!   cache's slot from the values and, on a hit, borrows the series from the thread's cache:
//!   no lock, no reference count, no shared write. A miss hashes the values, takes one
//!   shard's read lock (and the value table's) for the probe and caches the series; only the
//!   first use of a label set takes write locks. No lock is held once a lookup returns.
//!   Series keep an id per label value: each distinct value is stored once per family
//!   (`values.rs`), shared by the series that carry it, and leaves with the last of them.
//!
//! Past the series limit, new label sets share one overflow series (all values
//! `__overflow__`) or are refused, and every refusal is counted. Memory stays bounded
//! whatever values arrive.

use std::fmt;
use std::marker::PhantomData;
use std::mem::{self, ManuallyDrop};
use std::ops::Deref;
use std::sync::LazyLock;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use crossbeam_utils::CachePadded;
use hashbrown::HashTable;
use parking_lot::RwLock;

use crate::encode::{Encoder, FamilyDesc};
use crate::error::LabelError;
use crate::label::{
    pair_openings, plain_values_match, push_pairs, push_value, CacheKey, DynLabels, LabelSet,
    ValueHashSeed, ValueHasher, ValuesMatcher,
};
use crate::metric::dense::DenseSlot;
use crate::metric::exemplar::unix_ms;
use crate::metric::series_cache::{Pinned, SeriesCaches};
use crate::metric::values::{reserve_a_quarter, ValueTable};
use crate::metric::Metric;
use crate::sync::{AtomicU64, AtomicUsize, Ordering};

/// Label sets of at most this many combinations make dense families.
const MAX_DENSE: usize = 1 << 16;

/// The label value every label of the overflow series carries.
pub const OVERFLOW_VALUE: &str = "__overflow__";

/// What a family does with a new label set once it holds its series limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overflow {
    /// New label sets share one series whose label values are all `__overflow__` (default).
    #[default]
    Collapse,
    /// `try_` lookups return [`LabelError::Overflow`]; the panicking-free plain lookups hand
    /// back a detached metric that is never exported.
    Reject,
}

/// What the registry fixed for a family: its full name, help, label names and bounds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FamilySpec {
    pub(crate) name: Box<str>,
    pub(crate) help: Box<str>,
    pub(crate) label_names: Box<[Box<str>]>,
    pub(crate) unit: Option<Box<str>>,
    pub(crate) limit: usize,
    pub(crate) overflow: Overflow,
    pub(crate) expire_after: Option<Duration>,
}

/// A family of metrics of kind `M`, one per distinct label set `L`.
///
/// Registered through a [`Registry`](crate::Registry); cheap to clone (clones share the
/// series). Lookups never return a lock guard: [`Series`] is a reference into a dense family,
/// or an owned handle.
///
/// ```
/// use metrics_core::{Counter, DynLabels, Family, Opts, Registry};
/// let registry = Registry::new();
/// let requests: Family<DynLabels, Counter> = registry.family(
///     Opts::new("http_requests_total", "Requests served.").labels(&["method", "status"]),
/// );
/// requests.with_label_values(&["GET", "200"]).inc();
/// assert_eq!(requests.with_label_values(&["GET", "200"]).get(), 1.0);
/// ```
pub struct Family<L, M: Metric> {
    inner: Arc<FamilyCells<L, M>>,
}

impl<L, M: Metric> Clone for Family<L, M> {
    fn clone(&self) -> Self {
        Family {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<L, M: Metric> fmt::Debug for Family<L, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Family")
            .field("name", &self.inner.spec.name)
            .field("labels", &self.inner.spec.label_names)
            .field("series", &self.inner.len())
            .finish_non_exhaustive()
    }
}

pub(crate) struct FamilyCells<L, M: Metric> {
    spec: FamilySpec,
    config: M::Config,
    /// One slot per label set when the family is dense, else empty. A series is made on first
    /// use and kept for good, so that borrows of it stay valid: removing it retires it (and
    /// zeroes it), and its next use brings it back.
    dense: Box<[DenseSlot<M>]>,
    /// The label values of each dense slot, escaped and each closed by a `"` (see
    /// [`push_value`]); apart from the series, so that a slot the lookup reads is two words,
    /// not five.
    dense_values: Box<[OnceLock<Box<str>>]>,
    sparse: Sparse<M>,
    /// Per-thread caches in front of `sparse`.
    cache: SeriesCaches<CachedSeries<M>>,
    overflow_series: OnceLock<M>,
    rejected: OnceLock<M>,
    refused: AtomicU64,
    /// Live series of the dense array, held to the limit like the sparse table's.
    dense_live: AtomicUsize,
    _labels: PhantomData<fn(&L)>,
}

/// What every metric keeps with it besides its value, in two words of its own allocation:
/// when the series started, and what a family needs (the table's hash, whether the series
/// left the family, what the last scrape saw). The label values are kept by the family (the
/// table's shards, as ids into its [`ValueTable`]), since series share them.
// `pub` only to appear in the sealed `Metric` trait; unreachable from outside the crate.
pub struct SeriesHeader {
    /// Bit 63: set when the series leaves the table, so that threads' caches stop handing it
    /// out. Bits 40-62: the metric's fingerprint, folded to 23 bits, as the last scrape saw
    /// it; bits 0-39: when it last changed (ms since the table's `born`: 34 years).
    seen: AtomicU64,
    /// Bits 24-63: when the series started or was last reset (ms since [`EPOCH`]: 34 years).
    /// Bits 0-23: the table's hash of the values (see [`SeriesHash`]), fixed at creation.
    started: AtomicU64,
}

/// Unix milliseconds when the process first made a metric: creation times count from it, in
/// 40 bits.
static EPOCH: LazyLock<u64> = LazyLock::new(unix_ms);

const REMOVED: u64 = 1 << 63;
const HASH_BITS: u32 = 24;
const HASH_MASK: u64 = (1 << HASH_BITS) - 1;

/// A series' stored label values and whether they are plain, as lookups compare them.
#[derive(Clone, Copy)]
struct SeriesLabels<'a> {
    values: &'a str,
    plain: bool,
}

/// A series as a thread's cache holds it: with its own copy of the label values, so that a
/// hit compares them without first reaching into the metric (a dependent load less on every
/// lookup; the copies are bounded by the cache's size).
pub(crate) struct CachedSeries<M> {
    values: Box<str>,
    plain: bool,
    metric: M,
}

impl<M: Metric> CachedSeries<M> {
    /// Whether the series matches and is still in the table.
    #[inline(always)]
    fn hit(&self, matches: impl Fn(SeriesLabels<'_>) -> bool) -> bool {
        let labels = SeriesLabels {
            values: &self.values,
            plain: self.plain,
        };
        matches(labels) && !self.metric.header().removed()
    }
}

impl SeriesHeader {
    /// The header of a metric outside any family, or of a dense family's series.
    pub(crate) fn detached() -> SeriesHeader {
        SeriesHeader::new(SeriesHash(0))
    }

    /// A header started now, with nothing seen yet (see [`Sparse::insert`]).
    fn new(hash: SeriesHash) -> SeriesHeader {
        SeriesHeader {
            seen: AtomicU64::new(0),
            started: AtomicU64::new(Self::now() | u64::from(hash.0)),
        }
    }

    /// Now, placed as in `started`.
    fn now() -> u64 {
        let since = unix_ms().saturating_sub(*EPOCH);
        (since & ((1 << (64 - HASH_BITS)) - 1)) << HASH_BITS
    }

    /// When the series started or was last reset, in Unix seconds (to the millisecond).
    pub(crate) fn created(&self) -> f64 {
        let since = self.started.load(Ordering::Relaxed) >> HASH_BITS;
        (*EPOCH + since) as f64 / 1000.0
    }

    /// Starts the series again now (a reset), keeping its hash.
    pub(crate) fn restart(&self) {
        let hash = self.started.load(Ordering::Relaxed) & HASH_MASK;
        self.started.store(Self::now() | hash, Ordering::Relaxed);
    }

    fn hash(&self) -> SeriesHash {
        SeriesHash((self.started.load(Ordering::Relaxed) & HASH_MASK) as u32)
    }

    /// Whether the series left the table.
    #[inline(always)]
    fn removed(&self) -> bool {
        self.seen.load(Ordering::Relaxed) & REMOVED != 0
    }

    /// Marks the series as gone from the table.
    fn retire(&self) {
        self.seen.fetch_or(REMOVED, Ordering::Relaxed);
    }
}

impl fmt::Debug for SeriesHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeriesHeader")
            .field("created", &self.created())
            .field("removed", &self.removed())
            .finish_non_exhaustive()
    }
}

/// A series' hash as the table keeps it: 24 bits, so that it shares a word of the header with
/// the creation time. The table spreads them back over 64 bits (a multiply), so that it can
/// rehash without the values; with the table's own 7-bit tags, two series of a shard compare
/// their values by mistake about once in two billion probes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SeriesHash(u32);

impl SeriesHash {
    fn of(full: u64) -> SeriesHash {
        SeriesHash(((full ^ full >> 32) & HASH_MASK) as u32)
    }

    /// The hash the table and the shard choice use: the low bits pick the position, the top
    /// seven the tag, bits 32 and up the shard.
    fn spread(self) -> u64 {
        u64::from(self.0).wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }
}

/// A series found in a family: dereferences to the metric.
///
/// It borrows the family (a dense slot, or the calling thread's cache of looked-up series) or,
/// rarely, owns a handle; either way no lock is held, and it may be sent to another thread.
/// [`into_owned`](Series::into_owned) keeps a handle for later.
pub struct Series<'a, M> {
    inner: SeriesRef<'a, M>,
}

enum SeriesRef<'a, M> {
    Borrowed(&'a M),
    Cached(Pinned<'a, CachedSeries<M>>),
    /// Dropped by value, through [`drop_owned`]: see `Series`'s `Drop`.
    Owned(ManuallyDrop<M>),
    /// What `into_owned` and `Drop` leave behind; never seen through `Deref`.
    Dropped,
}

/// A metric's own drop takes the handle by reference, so a `Series` dropping its `Owned`
/// metric in place would hand its own address to that out-of-line code. The compiler would
/// then keep every `Series` in memory, borrows included, and test its variant again at the
/// end of `family.get(..).inc()`: a store, a load and a branch on the dense path, measured at
/// 0.1-0.2 ns of the ~2.4. Moving the metric out and dropping it by value leaves nothing of
/// the `Series` in memory.
impl<M> Drop for Series<'_, M> {
    #[inline]
    fn drop(&mut self) {
        if let SeriesRef::Owned(_) = self.inner {
            if let SeriesRef::Owned(metric) = mem::replace(&mut self.inner, SeriesRef::Dropped) {
                drop_owned(ManuallyDrop::into_inner(metric));
            }
        }
    }
}

/// Drops an owned series' metric, taken by value (see `Series`'s `Drop`).
#[cold]
#[inline(never)]
fn drop_owned<M>(metric: M) {
    drop(metric);
}

impl<'a, M: Clone> Series<'a, M> {
    fn borrowed(metric: &'a M) -> Self {
        Series {
            inner: SeriesRef::Borrowed(metric),
        }
    }

    fn owned(metric: M) -> Self {
        Series {
            inner: SeriesRef::Owned(ManuallyDrop::new(metric)),
        }
    }

    fn cached(metric: Pinned<'a, CachedSeries<M>>) -> Self {
        Series {
            inner: SeriesRef::Cached(metric),
        }
    }

    /// A handle to keep: updates through it reach the family's series for as long as the
    /// series is not removed.
    pub fn into_owned(mut self) -> M {
        match mem::replace(&mut self.inner, SeriesRef::Dropped) {
            SeriesRef::Borrowed(m) => m.clone(),
            SeriesRef::Cached(cached) => cached.metric.clone(),
            SeriesRef::Owned(m) => ManuallyDrop::into_inner(m),
            SeriesRef::Dropped => unreachable!("a series is dropped once"),
        }
    }
}

impl<M> Deref for Series<'_, M> {
    type Target = M;
    #[inline]
    fn deref(&self) -> &M {
        match &self.inner {
            SeriesRef::Borrowed(m) => m,
            SeriesRef::Cached(cached) => &cached.metric,
            SeriesRef::Owned(m) => m,
            SeriesRef::Dropped => unreachable!("a series is dropped once"),
        }
    }
}

impl<M: fmt::Debug> fmt::Debug for Series<'_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

impl<L: LabelSet, M: Metric> Family<L, M> {
    /// Whether the family is a dense array: decided by the label set's type, so the compiler
    /// drops the path not taken.
    const DENSE: bool = !L::DYNAMIC && matches!(L::CARDINALITY, Some(n) if n <= MAX_DENSE);

    pub(crate) fn new(spec: FamilySpec, config: M::Config) -> Family<L, M> {
        let dense_len = if Self::DENSE {
            L::CARDINALITY.unwrap_or(0)
        } else {
            0
        };
        let arity = spec.label_names.len();
        Family {
            inner: Arc::new(FamilyCells {
                spec,
                config,
                dense: (0..dense_len).map(|_| DenseSlot::new()).collect(),
                dense_values: (0..dense_len).map(|_| OnceLock::new()).collect(),
                sparse: Sparse::new(arity),
                cache: SeriesCaches::new(!Self::DENSE),
                overflow_series: OnceLock::new(),
                rejected: OnceLock::new(),
                refused: AtomicU64::new(0),
                dense_live: AtomicUsize::new(0),
                _labels: PhantomData,
            }),
        }
    }

    /// The series for `labels`, created at zero on first use.
    ///
    /// Past the series limit, a new label set gets the overflow series (policy
    /// [`Overflow::Collapse`]) or a detached metric that is never exported
    /// ([`Overflow::Reject`]); either way the refusal is counted.
    #[inline]
    pub fn get(&self, labels: &L) -> Series<'_, M> {
        let f = &*self.inner;
        let found = if Self::DENSE {
            return Series::borrowed(self.dense_get(labels));
        } else {
            // The common case, a series this thread looked up before, without a `Result`.
            let key = f.cache_key(|visit| labels.visit(visit));
            let matches = |l: SeriesLabels<'_>| f.matches(l, |visit| labels.visit(visit));
            if let Some(metric) = f.cache.find(key, |c| c.hit(matches)) {
                return Series::cached(metric);
            }
            let hash = f.hash_labels(labels);
            f.sparse_lookup(
                key,
                hash,
                |table, ids| table.matches(ids, |visit| labels.visit(visit)),
                |visit| labels.visit(visit),
            )
        };
        found.unwrap_or_else(|_| Series::borrowed(f.rejected()))
    }

    /// The series for `labels`, created at zero on first use.
    ///
    /// # Errors
    /// [`LabelError::Overflow`] when the family holds its series limit, `labels` is new and
    /// the policy is [`Overflow::Reject`].
    #[inline]
    pub fn try_get(&self, labels: &L) -> Result<Series<'_, M>, LabelError> {
        if !Self::DENSE {
            return self.try_get_sparse(labels);
        }
        let f = &*self.inner;
        let index = labels.dense_index();
        let metric = match f.live_dense(index) {
            Some(metric) => metric,
            None => f.touch_dense(index, |visit| labels.visit(visit))?,
        };
        Ok(Series::borrowed(metric))
    }

    /// The dense lookup of [`get`](Family::get): a refused label set gets the overflow series
    /// or the detached one. Returns a reference, not a `Result`, so that the caller's
    /// `Series` is known to be a borrow and its drop compiles to nothing.
    #[inline]
    fn dense_get(&self, labels: &L) -> &M {
        let f = &*self.inner;
        let index = labels.dense_index();
        match f.live_dense(index) {
            Some(metric) => metric,
            None => f.dense_slow(index, |visit| labels.visit(visit)),
        }
    }

    /// The hashed lookup, kept out of line so that the dense path stays small.
    #[inline(never)]
    fn try_get_sparse(&self, labels: &L) -> Result<Series<'_, M>, LabelError> {
        let f = &*self.inner;
        f.sparse_series(
            f.cache_key(|visit| labels.visit(visit)),
            || f.hash_labels(labels),
            |l| f.matches(l, |visit| labels.visit(visit)),
            |table, ids| table.matches(ids, |visit| labels.visit(visit)),
            |visit| labels.visit(visit),
        )
    }

    /// Removes the series for `labels`; returns whether it existed. Handles obtained before
    /// still work but are no longer exported.
    pub fn remove(&self, labels: &L) -> bool {
        let f = &*self.inner;
        if Self::DENSE {
            return f.remove_dense(labels.dense_index());
        }
        f.sparse.remove(f.hash_labels(labels), |table, ids| {
            table.matches(ids, |visit| labels.visit(visit))
        })
    }
}

impl<M: Metric> Family<DynLabels, M> {
    /// The series for these label values, in the order of the family's label names.
    ///
    /// # Panics
    /// If the number of values is not the number of label names (a programming error; label
    /// *values* never cause a panic). [`try_with_label_values`](Self::try_with_label_values)
    /// returns an error instead.
    #[inline]
    #[track_caller]
    pub fn with_label_values(&self, values: &[&str]) -> Series<'_, M> {
        let f = &*self.inner;
        if values.len() != f.spec.label_names.len() {
            wrong_arity(f.check_arity(values));
        }
        // The common case, a series this thread looked up before, without a `Result`.
        let key = f.cache_key(|visit| values.iter().for_each(|v| visit(v)));
        if let Some(metric) = f
            .cache
            .find(key, |c| c.hit(|l| f.matches_values(l, values)))
        {
            return Series::cached(metric);
        }
        f.sparse_lookup(
            key,
            f.sparse.hash_values(values),
            |table, ids| table.matches_values(ids, values),
            |visit| values.iter().for_each(|v| visit(v)),
        )
        .unwrap_or_else(|_| Series::borrowed(f.rejected()))
    }

    /// The series for these label values, in the order of the family's label names.
    ///
    /// # Errors
    /// [`LabelError::Arity`] when the number of values is wrong; [`LabelError::Overflow`] as
    /// for [`Family::try_get`].
    #[inline]
    pub fn try_with_label_values(&self, values: &[&str]) -> Result<Series<'_, M>, LabelError> {
        let f = &*self.inner;
        f.check_arity(values)?;
        f.sparse_series(
            f.cache_key(|visit| values.iter().for_each(|v| visit(v))),
            || f.sparse.hash_values(values),
            |l| f.matches_values(l, values),
            |table, ids| table.matches_values(ids, values),
            |visit| values.iter().for_each(|v| visit(v)),
        )
    }

    /// Removes the series for these label values; returns whether it existed.
    ///
    /// # Errors
    /// [`LabelError::Arity`] when the number of values is wrong.
    pub fn remove_label_values(&self, values: &[&str]) -> Result<bool, LabelError> {
        let f = &*self.inner;
        f.check_arity(values)?;
        Ok(f.sparse.remove(f.sparse.hash_values(values), |table, ids| {
            table.matches_values(ids, values)
        }))
    }
}

impl<L, M: Metric> Family<L, M> {
    /// Removes every series (the overflow series included).
    pub fn clear(&self) {
        let f = &*self.inner;
        for index in 0..f.dense.len() {
            f.remove_dense(index);
        }
        f.sparse.clear();
        if let Some(overflow) = f.overflow_series.get() {
            overflow.reset();
        }
    }

    /// The number of series, the overflow series not included.
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether the family has no series.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many lookups were refused or collapsed because the family was full.
    pub fn refused(&self) -> u64 {
        self.inner.refused.load(Ordering::Relaxed)
    }

    /// The full name the family is exported under.
    pub fn name(&self) -> &str {
        &self.inner.spec.name
    }

    pub(crate) fn cells(&self) -> Arc<FamilyCells<L, M>> {
        Arc::clone(&self.inner)
    }
}

impl<L, M: Metric> FamilyCells<L, M> {
    pub(crate) fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    pub(crate) fn len(&self) -> usize {
        self.dense_live.load(Ordering::Relaxed) + self.sparse.len.load(Ordering::Relaxed)
    }

    /// The dense series at `index` if it is made and not removed: the common case.
    #[inline(always)]
    fn live_dense(&self, index: usize) -> Option<&M> {
        self.dense.get(index)?.live()
    }

    /// First use of a dense slot, or use after its removal: counted against the limit. A
    /// series is made retired and brought to life like one removed, so that both count the
    /// same way; an index past the cardinality (a bug in a hand-written `LabelSet`) is a
    /// label set the family cannot hold.
    #[cold]
    fn touch_dense(
        &self,
        index: usize,
        visit: impl FnOnce(&mut dyn FnMut(&str)),
    ) -> Result<&M, LabelError> {
        let (Some(slot), Some(values)) = (self.dense.get(index), self.dense_values.get(index))
        else {
            return self.full();
        };
        let (metric, live) = match slot.made() {
            Some(made) => made,
            // Full: nothing to make.
            None if self.dense_live.load(Ordering::Relaxed) >= self.spec.limit => {
                return self.full()
            }
            None => {
                let metric = slot.get_or_make(|| {
                    // Set before the series is published, so that whoever sees one sees both.
                    let _ = values.set(self.values(visit).into_boxed_str());
                    M::in_family(&self.config, SeriesHeader::detached())
                });
                (metric, false)
            }
        };
        if !live {
            if self.dense_live.fetch_add(1, Ordering::Relaxed) >= self.spec.limit {
                self.dense_live.fetch_sub(1, Ordering::Relaxed);
                return self.full();
            }
            if !slot.revive() {
                // Another thread brought it to life first.
                self.dense_live.fetch_sub(1, Ordering::Relaxed);
            }
        }
        Ok(metric)
    }

    /// [`touch_dense`](FamilyCells::touch_dense) for [`Family::get`]: a refused label set
    /// gets the overflow series or the detached one.
    #[cold]
    #[inline(never)]
    fn dense_slow(&self, index: usize, visit: impl FnOnce(&mut dyn FnMut(&str))) -> &M {
        self.touch_dense(index, visit)
            .unwrap_or_else(|_| self.rejected())
    }

    /// Retires the dense series at `index` and zeroes it; returns whether it was live.
    fn remove_dense(&self, index: usize) -> bool {
        let Some(slot) = self.dense.get(index) else {
            return false;
        };
        let Some((metric, _)) = slot.made() else {
            return false;
        };
        let was_live = slot.retire();
        if was_live {
            self.dense_live.fetch_sub(1, Ordering::Relaxed);
        }
        metric.reset();
        was_live
    }

    /// A new label set met a full family: counted, then overflow series or error.
    #[cold]
    fn full(&self) -> Result<&M, LabelError> {
        self.refused.fetch_add(1, Ordering::Relaxed);
        match self.spec.overflow {
            Overflow::Collapse => Ok(self
                .overflow_series
                .get_or_init(|| M::in_family(&self.config, SeriesHeader::detached()))),
            Overflow::Reject => Err(LabelError::Overflow {
                family: self.spec.name.to_string(),
                limit: self.spec.limit,
            }),
        }
    }

    /// A lookup: the thread's cache, compared by `cached`; then the table, compared by
    /// `stored`, creating the series from the values `visit` gives if it is new.
    fn sparse_series(
        &self,
        key: u64,
        hash: impl FnOnce() -> SeriesHash,
        cached: impl Fn(SeriesLabels<'_>) -> bool,
        stored: impl Fn(&ValueTable, &[u32]) -> bool,
        visit: impl FnOnce(&mut dyn FnMut(&str)),
    ) -> Result<Series<'_, M>, LabelError> {
        match self.cache.find(key, |c| c.hit(cached)) {
            Some(metric) => Ok(Series::cached(metric)),
            None => self.sparse_lookup(key, hash(), stored, visit),
        }
    }

    /// Where the calling thread's cache keeps the series of these values (see
    /// [`CacheKey`]).
    #[inline(always)]
    fn cache_key(&self, visit: impl FnOnce(&mut dyn FnMut(&str))) -> u64 {
        let mut key = CacheKey::new();
        visit(&mut |v| key.value(v));
        key.finish()
    }

    /// After the thread's cache missed: the table (inserting the series if it is new, the
    /// write lock re-checking), then the cache keeps what was found; or the limit is met.
    #[inline(never)]
    fn sparse_lookup(
        &self,
        key: u64,
        hash: SeriesHash,
        matches: impl Fn(&ValueTable, &[u32]) -> bool,
        visit: impl FnOnce(&mut dyn FnMut(&str)),
    ) -> Result<Series<'_, M>, LabelError> {
        let cached = match self.sparse.find(hash, &matches) {
            Some(found) => found,
            None => {
                let make = |header| M::in_family(&self.config, header);
                match self
                    .sparse
                    .insert(hash, &matches, visit, make, self.spec.limit)
                {
                    Some(found) => found,
                    None => return self.full().map(Series::borrowed),
                }
            }
        };
        Ok(match self.cache.keep(key, Arc::new(cached)) {
            Ok(pinned) => Series::cached(pinned),
            Err(cached) => Series::owned(cached.metric.clone()),
        })
    }

    #[cold]
    fn rejected(&self) -> &M {
        self.rejected.get_or_init(|| M::from_config(&self.config))
    }

    fn check_arity(&self, values: &[&str]) -> Result<(), LabelError> {
        let expected = self.spec.label_names.len();
        if values.len() == expected {
            Ok(())
        } else {
            Err(LabelError::Arity {
                family: self.spec.name.to_string(),
                expected,
                got: values.len(),
            })
        }
    }

    /// Stores the values `visit` gives (one per label name).
    fn values(&self, visit: impl FnOnce(&mut dyn FnMut(&str))) -> String {
        let mut values = String::new();
        let mut names = self.spec.label_names.iter();
        visit(&mut |value| {
            if names.next().is_some() {
                push_value(&mut values, value);
            }
        });
        values
    }

    /// Whether the series has the values `visit` gives.
    #[inline]
    fn matches(&self, labels: SeriesLabels<'_>, visit: impl FnOnce(&mut dyn FnMut(&str))) -> bool {
        let mut matcher = ValuesMatcher::new(labels.values, labels.plain);
        visit(&mut |value| matcher.value(value));
        matcher.matched()
    }

    /// The hash of a typed label set's values, as `Sparse::hash_values` hashes strings.
    fn hash_labels(&self, labels: &L) -> SeriesHash
    where
        L: LabelSet,
    {
        let mut hasher = ValueHasher::new(self.sparse.seed);
        labels.visit(&mut |v| hasher.value(v));
        SeriesHash::of(hasher.finish())
    }

    /// Whether the series has `values`: [`matches`](Self::matches) without the visitor.
    #[inline(always)]
    fn matches_values(&self, labels: SeriesLabels<'_>, values: &[&str]) -> bool {
        if labels.plain {
            return plain_values_match(labels.values, values);
        }
        let mut matcher = ValuesMatcher::new(labels.values, labels.plain);
        for value in values {
            matcher.value(value);
        }
        matcher.matched()
    }

    /// Writes every live series (and drops those idle past the expiry).
    pub(crate) fn encode(&self, encoder: &mut dyn Encoder) {
        if self.len() == 0 && self.overflow_series.get().is_none() {
            return;
        }
        let name = &*self.spec.name;
        encoder.family(&FamilyDesc {
            name,
            help: &self.spec.help,
            kind: M::KIND,
            unit: self.spec.unit.as_deref(),
        });
        let mut out = SeriesOut {
            name,
            openings: pair_openings(&self.spec.label_names),
            block: String::new(),
            encoder,
        };
        for (slot, values) in self.dense.iter().zip(self.dense_values.iter()) {
            if let (Some((metric, true)), Some(values)) = (slot.made(), values.get()) {
                out.write_block(metric, values, !values.contains('\\'));
            }
        }
        self.sparse.encode(&mut out, self.spec.expire_after);
        if let Some(overflow) = self.overflow_series.get() {
            let values = self.values(|visit| {
                self.spec
                    .label_names
                    .iter()
                    .for_each(|_| visit(OVERFLOW_VALUE))
            });
            out.write_block(overflow, &values, true);
        }
    }
}

/// Where a family's series are written: each one's label block is made from its stored
/// values and the family's names, in one buffer reused from series to series.
struct SeriesOut<'a> {
    name: &'a str,
    openings: Vec<String>,
    block: String,
    encoder: &'a mut dyn Encoder,
}

impl SeriesOut<'_> {
    /// Writes a series whose label values are one block (see [`push_value`]); `plain`: none
    /// was escaped.
    fn write_block<M: Metric>(&mut self, metric: &M, values: &str, plain: bool) {
        self.block.clear();
        push_pairs(&mut self.block, &self.openings, values, plain);
        metric.encode(self.name, &self.block, self.encoder);
    }

    /// Writes a series of the hashed table, whose label values are ids into `table`.
    fn write_ids<M: Metric>(&mut self, metric: &M, ids: &[u32], table: &ValueTable) {
        self.block.clear();
        for (opening, &id) in self.openings.iter().zip(ids) {
            self.block.push_str(opening);
            self.block.push_str(table.text(id));
        }
        metric.encode(self.name, &self.block, self.encoder);
    }
}

/// Panics with the arity error (the caller compared the lengths first).
#[cold]
#[inline(never)]
#[track_caller]
fn wrong_arity(checked: Result<(), LabelError>) {
    if let Err(e) = checked {
        panic!("{e}");
    }
}

/// The hashed part of a family, sharded so that writers of one shard do not stall lookups
/// in the others. The label values live once each in `values`; shards keep ids into it.
///
/// Locks are taken shard first, then `values`, never the other way round.
struct Sparse<M> {
    shards: Box<[CachePadded<RwLock<Shard<M>>>]>,
    values: RwLock<ValueTable>,
    len: AtomicUsize,
    seed: ValueHashSeed,
    born: Instant,
}

const SHARDS: usize = 16;

/// Series in a stable order (a slab), their label values' ids beside them, and a table of
/// their positions. The metrics are handles (`Arc`s inside), because threads' caches hold
/// them too.
struct Shard<M> {
    index: HashTable<u32>,
    slots: Vec<Option<M>>,
    /// `arity` ids per slot, in label order; those of a free slot are stale.
    ids: Vec<u32>,
    arity: usize,
    free: Vec<u32>,
}

const SEEN_MS_BITS: u32 = 40;

const SEEN_MS: u64 = (1 << SEEN_MS_BITS) - 1;

/// `seen` for a fingerprint and a time (the removed bit clear).
fn pack_seen(fingerprint: u64, ms: u64) -> u64 {
    let folded = (fingerprint ^ fingerprint >> 23 ^ fingerprint >> 46) & 0x7f_ffff;
    folded << SEEN_MS_BITS | ms & SEEN_MS
}

impl<M: Metric> Sparse<M> {
    fn new(arity: usize) -> Sparse<M> {
        let seed = ValueHashSeed::new();
        Sparse {
            shards: (0..SHARDS)
                .map(|_| CachePadded::new(RwLock::new(Shard::new(arity))))
                .collect(),
            values: RwLock::new(ValueTable::new(seed)),
            len: AtomicUsize::new(0),
            seed,
            born: Instant::now(),
        }
    }

    #[inline]
    fn hash_values(&self, values: &[&str]) -> SeriesHash {
        let mut hasher = ValueHasher::new(self.seed);
        values.iter().for_each(|v| hasher.value(v));
        SeriesHash::of(hasher.finish())
    }

    #[inline]
    fn shard(&self, hash: SeriesHash) -> &RwLock<Shard<M>> {
        // Bits the table itself does not use: it takes the low bits for the position and the
        // top seven for its tags.
        &self.shards[(hash.spread() >> 32) as usize % SHARDS]
    }

    /// The series and its values, as a thread's cache keeps them.
    fn found(shard: &Shard<M>, i: u32, values: &ValueTable) -> CachedSeries<M> {
        let (block, plain) = values.block(shard.ids(i));
        CachedSeries {
            values: block,
            plain,
            metric: shard.metric(i).clone(),
        }
    }

    fn find(
        &self,
        hash: SeriesHash,
        matches: &impl Fn(&ValueTable, &[u32]) -> bool,
    ) -> Option<CachedSeries<M>> {
        let shard = self.shard(hash).read();
        let values = self.values.read();
        let i = shard.find(hash, |ids| matches(&values, ids))?;
        Some(Self::found(&shard, i, &values))
    }

    fn insert(
        &self,
        hash: SeriesHash,
        matches: &impl Fn(&ValueTable, &[u32]) -> bool,
        visit: impl FnOnce(&mut dyn FnMut(&str)),
        make: impl FnOnce(SeriesHeader) -> M,
        limit: usize,
    ) -> Option<CachedSeries<M>> {
        if self.len.load(Ordering::Relaxed) >= limit {
            return None;
        }
        let mut shard = self.shard(hash).write();
        let mut values = self.values.write();
        if let Some(i) = shard.find(hash, |ids| matches(&values, ids)) {
            return Some(Self::found(&shard, i, &values));
        }
        if self.len.fetch_add(1, Ordering::Relaxed) >= limit {
            self.len.fetch_sub(1, Ordering::Relaxed);
            return None;
        }
        let Some(ids) = intern(&mut values, shard.arity, visit) else {
            self.len.fetch_sub(1, Ordering::Relaxed);
            return None;
        };
        let metric = make(SeriesHeader::new(hash));
        let seen = pack_seen(metric.fingerprint(), self.now_ms());
        metric.header().seen.store(seen, Ordering::Relaxed);
        let i = shard.insert(metric, &ids);
        Some(Self::found(&shard, i, &values))
    }

    fn remove(&self, hash: SeriesHash, matches: impl Fn(&ValueTable, &[u32]) -> bool) -> bool {
        let mut shard = self.shard(hash).write();
        let mut values = self.values.write();
        match shard.find(hash, |ids| matches(&values, ids)) {
            Some(i) => {
                shard.remove(i, &mut values);
                self.len.fetch_sub(1, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    fn clear(&self) {
        for shard in self.shards.iter() {
            let removed = shard.write().clear(&mut self.values.write());
            self.len.fetch_sub(removed, Ordering::Relaxed);
        }
    }

    fn now_ms(&self) -> u64 {
        self.born.elapsed().as_millis() as u64
    }

    fn encode(&self, out: &mut SeriesOut<'_>, expire_after: Option<Duration>) {
        let now = self.now_ms();
        let ttl = expire_after.map(|d| d.as_millis() as u64);
        let mut stale = Vec::new();
        for shard in self.shards.iter() {
            {
                let shard = shard.read();
                let values = self.values.read();
                for (i, metric) in shard.slots.iter().enumerate() {
                    let Some(metric) = metric else { continue };
                    if ttl.is_some_and(|ttl| idle_for(metric, now) >= ttl) {
                        stale.push(i as u32);
                        continue;
                    }
                    out.write_ids(metric, shard.ids(i as u32), &values);
                }
            }
            if !stale.is_empty() {
                let mut shard = shard.write();
                let mut values = self.values.write();
                for i in stale.drain(..) {
                    // Updated between the two locks: it stays.
                    let still_idle = shard.slots[i as usize]
                        .as_ref()
                        .is_some_and(|m| ttl.is_some_and(|ttl| idle_for(m, now) >= ttl));
                    if still_idle {
                        shard.remove(i, &mut values);
                        self.len.fetch_sub(1, Ordering::Relaxed);
                    }
                }
            }
        }
    }
}

/// The ids of the first `arity` values `visit` gives, each counted as one more use; `None`
/// (with nothing counted) if the table is full.
fn intern(
    values: &mut ValueTable,
    arity: usize,
    visit: impl FnOnce(&mut dyn FnMut(&str)),
) -> Option<Vec<u32>> {
    let mut ids = Vec::with_capacity(arity);
    let mut full = false;
    visit(&mut |value| {
        if ids.len() < arity && !full {
            match values.acquire(value) {
                Some(id) => ids.push(id),
                None => full = true,
            }
        }
    });
    if full {
        ids.iter().for_each(|&id| values.release(id));
        return None;
    }
    Some(ids)
}

/// Milliseconds since the series' value last changed, as seen by scrapes.
fn idle_for<M: Metric>(metric: &M, now: u64) -> u64 {
    let seen_cell = &metric.header().seen;
    let seen = seen_cell.load(Ordering::Relaxed);
    let current = pack_seen(metric.fingerprint(), now);
    if (seen & !REMOVED) >> SEEN_MS_BITS != current >> SEEN_MS_BITS {
        // Under the shard's lock, which `retire` takes for writing: the flag cannot change
        // meanwhile, and is kept.
        seen_cell.store(current | seen & REMOVED, Ordering::Relaxed);
        return 0;
    }
    now.saturating_sub(seen & SEEN_MS)
}

impl<M: Metric> Shard<M> {
    fn new(arity: usize) -> Shard<M> {
        Shard {
            index: HashTable::new(),
            slots: Vec::new(),
            ids: Vec::new(),
            arity,
            free: Vec::new(),
        }
    }

    /// Where the label values' ids of slot `i` are in `ids`.
    fn id_range(&self, i: u32) -> std::ops::Range<usize> {
        let start = i as usize * self.arity;
        start..start + self.arity
    }

    /// The label values' ids of slot `i`.
    fn ids(&self, i: u32) -> &[u32] {
        &self.ids[self.id_range(i)]
    }

    #[inline]
    fn find(&self, hash: SeriesHash, matches: impl Fn(&[u32]) -> bool) -> Option<u32> {
        let slots = &self.slots;
        self.index
            .find(hash.spread(), |&i| {
                slots[i as usize]
                    .as_ref()
                    .is_some_and(|m| m.header().hash() == hash)
                    && matches(self.ids(i))
            })
            .copied()
    }

    fn metric(&self, i: u32) -> &M {
        self.slots[i as usize]
            .as_ref()
            .expect("the index points at live slots only")
    }

    /// Places a series whose values have `ids` (`arity` of them); returns its slot.
    fn insert(&mut self, metric: M, ids: &[u32]) -> u32 {
        let hash = metric.header().hash();
        let i = match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = Some(metric);
                let range = self.id_range(i);
                self.ids[range].copy_from_slice(ids);
                i
            }
            None => {
                reserve_a_quarter(&mut self.slots, 1);
                reserve_a_quarter(&mut self.ids, self.arity);
                self.slots.push(Some(metric));
                self.ids.extend_from_slice(ids);
                (self.slots.len() - 1) as u32
            }
        };
        let Shard { index, slots, .. } = self;
        index.insert_unique(hash.spread(), i, |&j| {
            slots[j as usize]
                .as_ref()
                .map_or(0, |m| m.header().hash().spread())
        });
        i
    }

    /// Takes the series out of slot `i`, releasing its values.
    fn remove(&mut self, i: u32, values: &mut ValueTable) {
        let Some(metric) = self.slots[i as usize].take() else {
            return;
        };
        let hash = metric.header().hash();
        self.retire(&metric, i, values);
        if let Ok(found) = self.index.find_entry(hash.spread(), |&j| j == i) {
            found.remove();
        }
        self.free.push(i);
    }

    /// Empties the shard, releasing every series' values; returns how many series left.
    fn clear(&mut self, values: &mut ValueTable) -> usize {
        let slots = std::mem::take(&mut self.slots);
        let mut removed = 0;
        for (i, metric) in slots.iter().enumerate() {
            if let Some(metric) = metric {
                self.retire(metric, i as u32, values);
                removed += 1;
            }
        }
        *self = Shard::new(self.arity);
        removed
    }

    /// What a series leaving slot `i` needs: threads' caches told, its values released.
    fn retire(&self, metric: &M, i: u32, values: &mut ValueTable) {
        metric.header().retire();
        self.ids(i).iter().for_each(|&id| values.release(id));
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use crate::{Family, Gauge, Opts, Registry};

    /// One thread brings a dense series to life while another removes it and brings it back:
    /// however they interleave, the family's count of live series ends as its slot says.
    /// (Gauges: a counter's thread cells are not modelled, and the protocol is the family's.)
    #[test]
    fn dense_revival_and_removal_keep_the_count() {
        loom::model(|| {
            let family: Family<(bool,), Gauge> =
                Registry::new().family(Opts::new("flips", "Flips.").labels(&["on"]));
            family.get(&(true,)).inc();
            let other = family.clone();
            let toucher = loom::thread::spawn(move || other.get(&(true,)).inc());
            family.remove(&(true,));
            family.get(&(true,)).inc();
            toucher.join().unwrap();
            let live = usize::from(family.inner.live_dense(1).is_some());
            assert_eq!(family.len(), live);
        });
    }
}

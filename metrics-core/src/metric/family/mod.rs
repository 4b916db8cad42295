//! A family: one metric per distinct label set, bounded in size.
//!
//! Two ways to find a series:
//! - dense: when every label value has a fixed cardinality (enums, `bool`) and their product
//!   is at most 65 536, the series live in an array indexed by arithmetic on the values. No
//!   hashing, no lock, no allocation after first use; the caller gets a reference. The type
//!   decides, so the compiler drops the other path; the series limit still holds, counted as
//!   slots are first used.
//! - sparse: otherwise, a hash table that lookups read with no lock, no reference count and
//!   no write to shared memory (`sparse.rs`), the series kept alive while a lookup's
//!   [`Series`] is out by the thread's pin (`runtime/epoch.rs`). Only a label set's first use takes
//!   the family's lock. Series keep an id per label value: each distinct value is stored
//!   once per family (`values.rs`), shared by the series that carry it, and leaves with the
//!   last of them.
//!
//! Past the series limit, new label sets share one overflow series (all values
//! `__overflow__`) or are refused, and every refusal is counted. Memory stays bounded
//! whatever values arrive.

use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use crate::error::LabelError;
use crate::label::{push_value, DynLabels, LabelSet};
use crate::metric::dense::DenseSlot;
use crate::metric::header::SeriesHeader;
use crate::metric::series::Series;
use crate::metric::sparse::Sparse;
use crate::metric::Metric;
use crate::runtime::epoch::{self, Pin};
use crate::runtime::sync::{AtomicU64, AtomicUsize, Ordering};

mod scrape;

/// Label sets of at most this many combinations make dense families.
const MAX_DENSE: usize = 1 << 16;

/// The label value every label of the overflow series carries. No other series can carry
/// it: a new label set with this value is refused
/// ([`LabelError::ReservedValue`](crate::LabelError::ReservedValue); a plain lookup gets
/// what a refused label set gets), so a series with it is always the overflow series.
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
    /// The longest label value, in bytes, a new series may have.
    pub(crate) value_limit: usize,
    pub(crate) overflow: Overflow,
    pub(crate) expire_after: Option<Duration>,
}

/// A family of metrics of kind `M`, one per distinct label set `L`.
///
/// Registered through a [`Registry`](crate::Registry); cheap to clone (clones share the
/// series). Lookups never return a lock guard: [`Series`] is a reference into the family, or
/// an owned handle. Series are exported in the order they were made (a removed series'
/// successor comes last); a dense family's in the order of its label values.
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
    inner: Arc<FamilyInner<L, M>>,
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

pub(crate) struct FamilyInner<L, M: Metric> {
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
    overflow_series: OnceLock<M>,
    detached: OnceLock<M>,
    refused: AtomicU64,
    /// Whether the family has warned, once, of nearing its limit (feature `log`).
    #[cfg(feature = "log")]
    warned: std::sync::atomic::AtomicBool,
    /// Live series of the dense array, held to the limit like the sparse table's.
    dense_live: AtomicUsize,
    _labels: PhantomData<fn(&L)>,
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
        let expires = spec.expire_after.is_some();
        Family {
            inner: Arc::new(FamilyInner {
                spec,
                config,
                dense: (0..dense_len).map(|_| DenseSlot::new()).collect(),
                dense_values: (0..dense_len).map(|_| OnceLock::new()).collect(),
                sparse: Sparse::new(arity, expires),
                overflow_series: OnceLock::new(),
                detached: OnceLock::new(),
                refused: AtomicU64::new(0),
                #[cfg(feature = "log")]
                warned: std::sync::atomic::AtomicBool::new(false),
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
        if Self::DENSE {
            return Series::borrowed(self.dense_get(labels));
        }
        let f = &*self.inner;
        let hash = f.sparse.hash(|visit| labels.visit(visit));
        let pin = epoch::pin();
        match f.sparse.find(&pin, hash, |stored, ids| {
            Sparse::<M>::ids_match(stored, ids, |visit| labels.visit(visit))
        }) {
            Some(metric) => Series::pinned(metric, pin),
            None => f
                .insert_labels(labels, pin)
                .unwrap_or_else(|_| Series::borrowed(f.fallback())),
        }
    }

    /// The series for `labels`, created at zero on first use.
    ///
    /// # Errors
    /// [`LabelError::Overflow`] when the family holds its series limit, `labels` is new and
    /// the policy is [`Overflow::Reject`].
    #[inline]
    pub fn try_get(&self, labels: &L) -> Result<Series<'_, M>, LabelError> {
        let f = &*self.inner;
        if !Self::DENSE {
            let hash = f.sparse.hash(|visit| labels.visit(visit));
            let pin = epoch::pin();
            return match f.sparse.find(&pin, hash, |stored, ids| {
                Sparse::<M>::ids_match(stored, ids, |visit| labels.visit(visit))
            }) {
                Some(metric) => Ok(Series::pinned(metric, pin)),
                None => f.insert_labels(labels, pin),
            };
        }
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

    /// Removes the series for `labels`; returns whether it existed. Handles obtained before
    /// still work but are no longer exported.
    pub fn remove(&self, labels: &L) -> bool {
        let f = &*self.inner;
        if Self::DENSE {
            return f.remove_dense(labels.dense_index());
        }
        // Read before the family's lock is taken: no user code runs under it.
        let owned = owned_values(labels);
        let values: Vec<&str> = owned.iter().map(String::as_str).collect();
        f.remove_values(&values)
    }
}

/// The values of a typed label set, copied out of its `visit` (which is user code).
fn owned_values<L: LabelSet>(labels: &L) -> Vec<String> {
    let mut owned = Vec::with_capacity(L::ARITY);
    labels.visit(&mut |value| owned.push(value.to_owned()));
    owned
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
        let hash = f.sparse.hash_values(values);
        let pin = epoch::pin();
        match f.sparse.find(&pin, hash, |stored, ids| {
            Sparse::<M>::ids_match_values(stored, ids, values)
        }) {
            Some(metric) => Series::pinned(metric, pin),
            None => f
                .insert(values, pin)
                .unwrap_or_else(|_| Series::borrowed(f.fallback())),
        }
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
        let hash = f.sparse.hash_values(values);
        let pin = epoch::pin();
        match f.sparse.find(&pin, hash, |stored, ids| {
            Sparse::<M>::ids_match_values(stored, ids, values)
        }) {
            Some(metric) => Ok(Series::pinned(metric, pin)),
            None => f.insert(values, pin),
        }
    }

    /// Removes the series for these label values; returns whether it existed.
    ///
    /// # Errors
    /// [`LabelError::Arity`] when the number of values is wrong.
    pub fn remove_label_values(&self, values: &[&str]) -> Result<bool, LabelError> {
        let f = &*self.inner;
        f.check_arity(values)?;
        Ok(f.remove_values(values))
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

    pub(crate) fn cells(&self) -> Arc<FamilyInner<L, M>> {
        Arc::clone(&self.inner)
    }
}

impl<L, M: Metric> FamilyInner<L, M> {
    pub(crate) fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }

    pub(crate) fn len(&self) -> usize {
        self.dense_live.load(Ordering::Relaxed) + self.sparse.len()
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
            return self.refuse();
        };
        let (metric, live) = match slot.made() {
            Some(made) => made,
            // Full: nothing to make.
            None if self.dense_live.load(Ordering::Relaxed) >= self.spec.limit => {
                return self.refuse()
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
                return self.refuse();
            }
            if !slot.revive() {
                // Another thread brought it to life first.
                self.dense_live.fetch_sub(1, Ordering::Relaxed);
            }
            self.warn_near_limit();
        }
        Ok(metric)
    }

    /// [`touch_dense`](FamilyInner::touch_dense) for [`Family::get`]: a refused label set
    /// gets the overflow series or the detached one.
    #[cold]
    #[inline(never)]
    fn dense_slow(&self, index: usize, visit: impl FnOnce(&mut dyn FnMut(&str))) -> &M {
        self.touch_dense(index, visit)
            .unwrap_or_else(|_| self.detached())
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

    /// A new label set met a family at its limit: counted as refused, then the overflow series
    /// (`Overflow::Collapse`) or an error (`Overflow::Reject`).
    #[cold]
    fn refuse(&self) -> Result<&M, LabelError> {
        self.refused.fetch_add(1, Ordering::Relaxed);
        match self.spec.overflow {
            Overflow::Collapse => Ok(self.overflow()),
            Overflow::Reject => Err(LabelError::Overflow {
                family: self.spec.name.to_string(),
                limit: self.spec.limit,
            }),
        }
    }

    /// Warns once, through the `log` facade, when the family first holds
    /// [`NEAR_LIMIT`](crate::NEAR_LIMIT) of its limit: on a new series only, never on the
    /// update path.
    #[inline]
    fn warn_near_limit(&self) {
        #[cfg(feature = "log")]
        if self.len() as f64 >= crate::NEAR_LIMIT * self.spec.limit as f64
            && !self.warned.swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            log::warn!(
                "metrics family `{}` holds {} of its limit of {} series: new label sets will \
                 soon be refused (see its cardinality report for the label to blame)",
                self.spec.name,
                self.len(),
                self.spec.limit
            );
        }
    }

    /// A label set with a value longer than the family takes: counted as refused.
    #[cold]
    fn refuse_too_long(&self, label: usize, len: usize) -> LabelError {
        self.refused.fetch_add(1, Ordering::Relaxed);
        LabelError::ValueTooLong {
            family: self.spec.name.to_string(),
            label: self.spec.label_names[label].to_string(),
            len,
            limit: self.spec.value_limit,
        }
    }

    /// A label set with the overflow series' value: counted as refused.
    #[cold]
    fn refuse_reserved(&self, label: usize) -> LabelError {
        self.refused.fetch_add(1, Ordering::Relaxed);
        LabelError::ReservedValue {
            family: self.spec.name.to_string(),
            label: self.spec.label_names[label].to_string(),
        }
    }

    /// What a plain lookup hands back for a refused label set: the overflow series or the
    /// detached metric, as the policy says.
    #[cold]
    fn fallback(&self) -> &M {
        match self.spec.overflow {
            Overflow::Collapse => self.overflow(),
            Overflow::Reject => self.detached(),
        }
    }

    /// The series refused label sets share under [`Overflow::Collapse`], made on first use.
    #[cold]
    fn overflow(&self) -> &M {
        self.overflow_series
            .get_or_init(|| M::in_family(&self.config, SeriesHeader::detached()))
    }

    /// A label set the table does not have (or did not have when the caller looked): made
    /// under the family's lock, unless the family is full. Out of line: the lookups' common
    /// path stays small.
    #[inline(never)]
    fn insert<'a>(&'a self, values: &[&str], pin: Pin) -> Result<Series<'a, M>, LabelError> {
        if let Some(too_long) = values.iter().position(|v| v.len() > self.spec.value_limit) {
            return Err(self.refuse_too_long(too_long, values[too_long].len()));
        }
        if let Some(reserved) = values.iter().position(|v| *v == OVERFLOW_VALUE) {
            return Err(self.refuse_reserved(reserved));
        }
        let hash = self.sparse.hash_values(values);
        let make = |header| M::in_family(&self.config, header);
        match self
            .sparse
            .insert(&pin, hash, values, make, self.spec.limit)
        {
            Some(metric) => {
                self.warn_near_limit();
                Ok(Series::pinned(metric, pin))
            }
            None => self.refuse().map(Series::borrowed),
        }
    }

    /// [`insert`](FamilyInner::insert) for a typed label set, whose values are copied out
    /// first: its `visit` is user code, which must not run under the family's lock.
    #[inline(never)]
    fn insert_labels<'a>(&'a self, labels: &L, pin: Pin) -> Result<Series<'a, M>, LabelError>
    where
        L: LabelSet,
    {
        if self.sparse.len() >= self.spec.limit {
            return self.refuse().map(Series::borrowed);
        }
        let owned = owned_values(labels);
        let values: Vec<&str> = owned.iter().map(String::as_str).collect();
        self.insert(&values, pin)
    }

    fn remove_values(&self, values: &[&str]) -> bool {
        self.sparse
            .remove(self.sparse.hash_values(values), |stored, ids| {
                Sparse::<M>::ids_match_values(stored, ids, values)
            })
    }

    /// The metric a plain lookup hands back for a refused label set under
    /// `Overflow::Reject`: it works, and is never exported.
    #[cold]
    fn detached(&self) -> &M {
        self.detached.get_or_init(|| M::from_config(&self.config))
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

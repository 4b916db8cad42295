//! [`Series`]: what a family lookup hands back, a borrow of the series that needs no lock.

use std::fmt;
use std::ops::Deref;

use crate::runtime::epoch::Pin;

/// A series found in a family: dereferences to the metric.
///
/// It borrows the family: a dense slot, or the hashed table, where the series stays alive
/// (even if removed meanwhile) until the `Series` is dropped. No lock is held, and it may be
/// sent to another thread. Drop it soon: while any `Series` of a hashed family is alive, removed
/// series of every family wait to be freed. [`into_owned`](Series::into_owned) keeps a
/// handle for later.
pub struct Series<'a, M> {
    inner: SeriesRef<'a, M>,
}

enum SeriesRef<'a, M> {
    Borrowed(&'a M),
    /// In a hashed family's table, kept from being freed while the pin lives.
    Pinned {
        metric: &'a M,
        _pin: Pin,
    },
}

impl<'a, M: Clone> Series<'a, M> {
    pub(crate) fn borrowed(metric: &'a M) -> Self {
        Series {
            inner: SeriesRef::Borrowed(metric),
        }
    }

    pub(crate) fn pinned(metric: &'a M, pin: Pin) -> Self {
        Series {
            inner: SeriesRef::Pinned { metric, _pin: pin },
        }
    }

    /// A handle to keep: updates through it reach the family's series for as long as the
    /// series is not removed.
    pub fn into_owned(self) -> M {
        match self.inner {
            SeriesRef::Borrowed(metric) | SeriesRef::Pinned { metric, .. } => metric.clone(),
        }
    }
}

impl<M> Deref for Series<'_, M> {
    type Target = M;
    #[inline]
    fn deref(&self) -> &M {
        match &self.inner {
            SeriesRef::Borrowed(metric) | SeriesRef::Pinned { metric, .. } => metric,
        }
    }
}

impl<M: fmt::Debug> fmt::Debug for Series<'_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

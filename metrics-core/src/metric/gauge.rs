//! A gauge: an `f64` kept as bits in one atomic.

use triomphe::Arc;

use crate::metric::header::SeriesHeader;
use crate::runtime::clock::now_seconds;
use crate::runtime::float::add_f64;
use crate::runtime::sync::{AtomicU64, Ordering};

/// A value that goes up and down, such as queue depth or temperature.
///
/// `set` is one atomic store; `add` and friends a compare-and-swap loop. Clones share the
/// same value.
///
/// ```
/// let g = metrics_core::Gauge::new();
/// g.set(10.0);
/// g.dec();
/// g.add(0.5);
/// assert_eq!(g.get(), 9.5);
/// ```
#[derive(Clone, Debug)]
pub struct Gauge {
    inner: Arc<GaugeCell>,
}

#[derive(Debug)]
struct GaugeCell {
    bits: AtomicU64,
    /// What a family keeps with the series (empty outside a family).
    series: SeriesHeader,
}

impl Default for Gauge {
    fn default() -> Gauge {
        Gauge::with_header(SeriesHeader::detached())
    }
}

impl Gauge {
    /// A gauge at zero, not registered anywhere (see `Registry::gauge` for that).
    pub fn new() -> Gauge {
        Gauge::default()
    }

    /// A gauge at zero that is a family's series.
    pub(crate) fn with_header(series: SeriesHeader) -> Gauge {
        Gauge {
            inner: Arc::new(GaugeCell {
                bits: AtomicU64::new(0),
                series,
            }),
        }
    }

    pub(crate) fn header(&self) -> &SeriesHeader {
        &self.inner.series
    }

    /// Sets the value.
    #[inline]
    pub fn set(&self, v: f64) {
        self.inner.bits.store(v.to_bits(), Ordering::Relaxed);
    }

    /// Adds one.
    #[inline]
    pub fn inc(&self) {
        self.add(1.0);
    }

    /// Subtracts one.
    #[inline]
    pub fn dec(&self) {
        self.add(-1.0);
    }

    /// Adds `v` (which may be negative).
    #[inline]
    pub fn add(&self, v: f64) {
        add_f64(&self.inner.bits, v);
    }

    /// Subtracts `v`.
    #[inline]
    pub fn sub(&self, v: f64) {
        self.add(-v);
    }

    /// Sets the value to the current Unix time in seconds, as for a
    /// `..._last_success_timestamp_seconds` gauge.
    pub fn set_to_current_time(&self) {
        self.set(now_seconds());
    }

    /// The current value.
    pub fn get(&self) -> f64 {
        f64::from_bits(self.inner.bits.load(Ordering::Relaxed))
    }

    pub(crate) fn reset(&self) {
        self.set(0.0);
    }
}

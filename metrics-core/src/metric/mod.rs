//! The metric kinds and what a family needs of them.

pub(crate) mod buckets;
pub(crate) mod counter;
pub(crate) mod dense;
pub(crate) mod exemplar;
pub(crate) mod extras;
pub(crate) mod family;
pub(crate) mod gauge;
pub(crate) mod header;
pub(crate) mod histogram;
pub(crate) mod hot_cold;
pub(crate) mod native;
pub(crate) mod series;
pub(crate) mod slices;
pub(crate) mod sparse;
pub(crate) mod state_set;
pub(crate) mod summary;
pub(crate) mod timer;
pub(crate) mod values;

use std::fmt;

use crate::model::{CounterSample, MetricKind, Scratch, Sink};
use buckets::Buckets;
use counter::Counter;
use gauge::Gauge;
use header::SeriesHeader;
use histogram::Histogram;
use summary::{Quantiles, Summary};

/// What a field's options say its series are made from, beyond the defaults.
#[derive(Debug, Clone)]
#[doc(hidden)]
pub enum MemberConfig {
    /// The kind's defaults.
    Default,
    /// `buckets = [...]` and `native = ...`, on a histogram.
    Buckets(Buckets),
    /// `quantiles = [...]`, `max_age_secs`, `age_buckets`, on a summary.
    Quantiles(Quantiles),
}

/// A kind of metric a [`Family`](crate::Family) can hold: [`Counter`], [`Gauge`],
/// [`Histogram`] or [`Summary`]. Sealed: the trait behind it (`MetricOps`, what families and the data model
/// need of a metric) is not for use outside this crate.
pub trait Metric: sealed::MetricOps + Clone + Send + Sync + fmt::Debug + 'static {}

pub(crate) mod sealed {
    #![allow(unreachable_pub)]
    use super::*;

    /// The operations families and encoders need; not for use outside this crate.
    pub trait MetricOps: Sized {
        /// What a new series is made from: `()`, [`Buckets`] for histograms, [`Quantiles`]
        /// for summaries.
        type Config: Clone + PartialEq + Default + fmt::Debug + Send + Sync + 'static;
        /// The family type.
        const KIND: MetricKind;
        /// A new metric at zero, outside any family.
        fn from_config(config: &Self::Config) -> Self {
            Self::in_family(config, SeriesHeader::detached())
        }
        /// A new series of a family at zero, carrying what the family keeps with it.
        fn in_family(config: &Self::Config, header: SeriesHeader) -> Self;
        /// What the family keeps with the series.
        fn header(&self) -> &SeriesHeader;
        /// The configuration a derive's options give (each kind takes its own).
        fn config_from(options: MemberConfig) -> Self::Config;
        /// Writes one series into a sink of the data model.
        fn write_to(&self, name: &str, labels: &str, sink: &mut dyn Sink, scratch: &mut Scratch);
        /// Changes whenever the value changes (used to expire idle series).
        fn fingerprint(&self) -> u64;
        /// Back to zero.
        fn reset(&self);
    }
}

impl Metric for Counter {}
impl sealed::MetricOps for Counter {
    type Config = ();
    const KIND: MetricKind = MetricKind::Counter;
    fn in_family(_: &(), header: SeriesHeader) -> Counter {
        Counter::with_header(header)
    }
    fn header(&self) -> &SeriesHeader {
        Counter::header(self)
    }
    fn config_from(_: MemberConfig) {}
    fn write_to(&self, name: &str, labels: &str, sink: &mut dyn Sink, _: &mut Scratch) {
        let (int, float) = self.parts();
        let created = Some(self.created());
        self.with_exemplar(|exemplar| {
            sink.counter(
                name,
                labels,
                &CounterSample {
                    int,
                    float,
                    created,
                    exemplar,
                },
            )
        });
    }
    fn fingerprint(&self) -> u64 {
        let (int, float) = self.parts();
        int ^ float.to_bits().rotate_left(32)
    }
    fn reset(&self) {
        Counter::reset(self)
    }
}

impl Metric for Gauge {}
impl sealed::MetricOps for Gauge {
    type Config = ();
    const KIND: MetricKind = MetricKind::Gauge;
    fn in_family(_: &(), header: SeriesHeader) -> Gauge {
        Gauge::with_header(header)
    }
    fn header(&self) -> &SeriesHeader {
        Gauge::header(self)
    }
    fn config_from(_: MemberConfig) {}
    fn write_to(&self, name: &str, labels: &str, sink: &mut dyn Sink, _: &mut Scratch) {
        sink.gauge(name, labels, self.get());
    }
    fn fingerprint(&self) -> u64 {
        self.get().to_bits()
    }
    fn reset(&self) {
        Gauge::reset(self)
    }
}

impl Metric for Histogram {}
impl sealed::MetricOps for Histogram {
    type Config = Buckets;
    const KIND: MetricKind = MetricKind::Histogram;
    fn in_family(buckets: &Buckets, header: SeriesHeader) -> Histogram {
        Histogram::with_header(buckets.clone(), header)
    }
    fn header(&self) -> &SeriesHeader {
        Histogram::header(self)
    }
    fn config_from(options: MemberConfig) -> Buckets {
        match options {
            MemberConfig::Buckets(buckets) => buckets,
            _ => Buckets::default(),
        }
    }
    fn write_to(&self, name: &str, labels: &str, sink: &mut dyn Sink, scratch: &mut Scratch) {
        Histogram::write_to(self, name, labels, sink, scratch)
    }
    fn fingerprint(&self) -> u64 {
        Histogram::fingerprint(self)
    }
    fn reset(&self) {
        Histogram::reset(self)
    }
}

impl Metric for Summary {}
impl sealed::MetricOps for Summary {
    type Config = Quantiles;
    const KIND: MetricKind = MetricKind::Summary;
    fn in_family(quantiles: &Quantiles, header: SeriesHeader) -> Summary {
        Summary::with_header(quantiles.clone(), header)
    }
    fn header(&self) -> &SeriesHeader {
        Summary::header(self)
    }
    fn config_from(options: MemberConfig) -> Quantiles {
        match options {
            MemberConfig::Quantiles(quantiles) => quantiles,
            _ => Quantiles::default(),
        }
    }
    fn write_to(&self, name: &str, labels: &str, sink: &mut dyn Sink, scratch: &mut Scratch) {
        Summary::write_to(self, name, labels, sink, scratch)
    }
    fn fingerprint(&self) -> u64 {
        Summary::fingerprint(self)
    }
    fn reset(&self) {
        Summary::reset(self)
    }
}

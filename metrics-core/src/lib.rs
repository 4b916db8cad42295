//! Prometheus instrumentation for Rust services: counters, gauges and histograms with
//! bounded label families, naming rules enforced where the metric is declared, and every
//! exposition format a scraper asks for (text 0.0.4, OpenMetrics 1.0.0, protobuf), chosen by
//! [`negotiate`].
//!
//! ```
//! use metrics_core::{Buckets, Counter, DynLabels, Family, Format, Opts, Registry};
//!
//! let registry = Registry::new();
//! let requests: Family<DynLabels, Counter> = registry.family(
//!     Opts::new("http_requests_total", "HTTP requests served.").labels(&["method", "status"]),
//! );
//! let in_flight = registry.gauge("http_requests_in_flight", "Requests being served.");
//!
//! requests.with_label_values(&["GET", "200"]).inc();
//! requests.with_label_values(&["GET", "200"]).inc();
//! requests.with_label_values(&["POST", "500"]).inc();
//! in_flight.set(3.0);
//!
//! let mut body = Vec::new();
//! registry.encode(Format::Text, &mut body);
//! let text = String::from_utf8(body)?;
//! assert!(text.contains("http_requests_total{method=\"GET\",status=\"200\"} 2\n"));
//! assert!(text.contains("http_requests_total{method=\"POST\",status=\"500\"} 1\n"));
//! assert!(text.contains("# TYPE http_requests_in_flight gauge\nhttp_requests_in_flight 3\n"));
//!
//! // Names are checked where they are declared: a counter must end in `_total`.
//! let err = registry.try_counter("http_requests", "HTTP requests.").unwrap_err();
//! assert_eq!(err.to_string(), "metric `http_requests`: a counter's name must end in `_total`");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Design
//! - Hot paths take no lock and execute no locked instruction: [`Counter::inc`] and
//!   [`Histogram::observe`] write cells owned by the calling thread (a sequence lock keeps
//!   histogram snapshots consistent); reads sum over the threads.
//! - Every [`Family`] is bounded ([`DEFAULT_SERIES_LIMIT`] unless set): past its limit, new
//!   label sets share an overflow series or are refused, and refusals are counted in
//!   `metrics_series_overflow_total{family}`.
//! - Families of fixed-cardinality labels (enums, `bool`; see [`LabelValue`]) are dense
//!   arrays: a lookup is arithmetic. Other families are hash tables that lookups read with
//!   no lock, no reference count and no write to shared memory; a removed series is freed
//!   once no lookup can still be reading it (epoch-based reclamation), and the [`Series`] a
//!   lookup returns can be sent to another thread. Their series keep an id per label value:
//!   each distinct value is stored once per family, shared by the series that carry it, and
//!   leaves with the last of them.
//! - One set of naming rules ([`Rule`]) serves the compile-time check ([`checked_name`]),
//!   registration and [`lint_exposition`].
//! - Exemplars ([`Counter::inc_with_exemplar`], [`Histogram::observe_with_exemplar`]) are kept
//!   beside the values, so plain updates do not pay for them.
//! - Native histograms ([`NativeBuckets`], through [`Buckets::native`]) keep sparse
//!   exponential buckets in thread-owned tables too, within a bucket limit kept by lowering
//!   the resolution; the protobuf format carries them, the text formats the classic buckets.

mod collector;
#[doc(hidden)]
pub mod derive_support;
mod encode;
mod error;
mod label;
mod metric;
mod model;
mod naming;

mod registry;
mod runtime;

pub use collector::process::ProcessCollector;
pub use collector::{Collection, Collector, FamilyWriter};
#[cfg(feature = "gzip")]
pub use encode::compress::Compression;
pub use encode::negotiate::{negotiate, try_negotiate};
pub use encode::Format;
pub use error::{BucketsError, Conflict, ExemplarError, LabelError, RegisterError, ValueError};
pub use label::{DynLabels, LabelSet, LabelValue};
pub use metric::buckets::{Buckets, DEFAULT_BUCKETS};
pub use metric::counter::Counter;
pub use metric::exemplar::MAX_EXEMPLAR_CHARS;
pub use metric::family::{Family, Overflow, OVERFLOW_VALUE};
pub use metric::gauge::Gauge;
pub use metric::histogram::{Histogram, HistogramSnapshot, HistogramTimer};
pub use metric::native::{
    bucket_index, bucket_upper_bound, NativeBuckets, DEFAULT_MAX_BUCKETS, DEFAULT_ZERO_THRESHOLD,
    MAX_SCHEMA, MIN_SCHEMA,
};
pub use metric::series::Series;
pub use metric::state_set::StateSet;
pub use metric::Metric;
/// Derives [`LabelSet`] for a struct of label values: label names from field names
/// (`#[label(name = "...")]` to override), checked at compile time.
#[cfg(feature = "derive")]
pub use metrics_macros::LabelSet;
/// Derives [`LabelValue`] for an enum of unit variants (values in snake_case, or
/// `#[label(rename = "...")]`) or a newtype over a label value.
#[cfg(feature = "derive")]
pub use metrics_macros::LabelValue;
/// Derives a `register(&Registry) -> Result<Self, RegisterError>` for a struct of metrics:
/// names from fields, HELP from doc comments, naming rules checked at compile time.
#[cfg(feature = "derive")]
pub use metrics_macros::MetricGroup;
pub use model::{
    BucketBounds, CounterSample, Exemplar, FamilyDesc, FamilyView, HistogramSample, LabelPairs,
    MetricFamilies, MetricKind, NativeSnapshot, Sample, SeriesView, Value,
};
pub use naming::{
    breaks, check_label_name, check_metric_name, check_unit, checked_name, lint_exposition,
    LintLevel, Problem, Rule,
};
pub use registry::{
    default_registry, CollectorId, Opts, Registry, RegistryBuilder, SelfMetrics,
    DEFAULT_SERIES_LIMIT,
};

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
//! # Serving and pushing
//! This crate declares, checks and encodes metrics; the `metrics-http` crate serves
//! [`Registry::encode`] on `/metrics` (standalone, axum or actix, with the format chosen by
//! [`negotiate`]), measures HTTP requests, and pushes to a Pushgateway or by remote write.
//!
//! # Values as data
//! [`Registry::gather`] fills a [`MetricFamilies`] with every family and series as data,
//! native histograms, exemplars, units and created times included;
//! [`Format::encode`] writes such a gather in any exposition format.
//!
//! # Features
//! - `derive` (default): `#[derive(LabelValue, LabelSet, MetricGroup)]`, names checked at
//!   compile time.
//! - `gzip` (default): [`Compression::Gzip`] for response bodies.
//!
//! # How it works
//! Counters and histograms record into cells owned by the calling thread, with no lock and
//! no locked instruction; every [`Family`] is bounded ([`DEFAULT_SERIES_LIMIT`] unless set),
//! a dense array for fixed-cardinality labels and otherwise a hash table that lookups read
//! without a lock; one set of naming rules ([`Rule`]) serves [`checked_name`], registration
//! and [`lint_exposition`]. The layers, the module map and the concurrency story are in
//! `DESIGN.md` beside this crate's `Cargo.toml`.

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
pub use metric::native::NativeBuckets;
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
    BucketBounds, CardinalityReport, CounterSample, Exemplar, FamilyCardinality, FamilyDesc,
    FamilyView, HistogramSample, LabelCardinality, LabelPairs, MetricFamilies, MetricKind,
    NativeSnapshot, Sample, SeriesView, Value, NEAR_LIMIT,
};
pub use naming::{
    check_label_name, check_metric_name, check_unit, checked_name, lint_exposition, LintLevel,
    Problem, Rule,
};
pub use registry::{
    default_registry, CollectorId, Opts, Registry, RegistryBuilder, SelfMetrics,
    DEFAULT_LABEL_VALUE_LIMIT, DEFAULT_SERIES_LIMIT,
};

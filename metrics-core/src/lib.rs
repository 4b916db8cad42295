//! Prometheus instrumentation for Rust services: counters, gauges, histograms and summaries
//! with bounded label families, naming rules enforced where the metric is declared, and every
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
//! This crate declares, checks and encodes metrics; the
//! [`metrics-http`](https://docs.rs/metrics-http) crate serves
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
//! - `gzip` (default): `Compression::Gzip` for response bodies.
//! - `log`: a warning through the `log` facade (which `tracing` reads too) the first time a
//!   family holds [`NEAR_LIMIT`] of its series limit.
//!
//! # How it works
//! Counters and histograms record into cells owned by the calling thread, with no lock and
//! no locked instruction (a [`Summary`] counts into native-histogram buckets the same way); every [`Family`] is bounded ([`DEFAULT_SERIES_LIMIT`] unless set),
//! a dense array for fixed-cardinality labels and otherwise a hash table that lookups read
//! without a lock; one set of naming rules ([`Rule`]) serves [`checked_name`], registration
//! and [`lint_exposition`]. The layers, the module map and the concurrency story are in
//! `DESIGN.md` beside this crate's `Cargo.toml`.

mod collector;
#[doc(hidden)]
pub mod derive_support;
mod encode;
mod error;
#[cfg(feature = "facade")]
pub mod facade;
mod label;
mod metric;
mod model;
mod naming;

mod registry;
mod runtime;

pub use collector::process::ProcessCollector;
#[cfg(feature = "tokio")]
pub use collector::tokio::TokioCollector;
pub use collector::{Collection, Collector, FamilyWriter};
#[cfg(feature = "gzip")]
pub use encode::compress::Compression;
pub use encode::negotiate::{negotiate, try_negotiate};
pub use encode::{Exposition, Format};
pub use error::{
    BucketsError, Conflict, ExemplarError, LabelError, QuantilesError, RegisterError, ValueError,
};
pub use label::{Allowlist, DynLabels, LabelSet, LabelValue};
pub use metric::buckets::{Buckets, DEFAULT_BUCKETS};
pub use metric::counter::Counter;
pub use metric::exemplar::MAX_EXEMPLAR_CHARS;
pub use metric::family::{Family, Overflow, OVERFLOW_VALUE};
pub use metric::gauge::Gauge;
pub use metric::histogram::{Histogram, HistogramSnapshot};
pub use metric::native::NativeBuckets;
pub use metric::series::Series;
pub use metric::state_set::StateSet;
pub use metric::summary::{Quantiles, Summary, SummarySnapshot};
pub use metric::timer::HistogramTimer;
pub use metric::Metric;
/// Derives [`LabelSet`] for a struct whose fields are label values: label names from the
/// field names, checked against the naming rules when this compiles.
///
/// | key | where | what |
/// |---|---|---|
/// | `#[label(name = "...")]` | field | the label's name, instead of the field's |
/// | `#[metrics(crate = path)]` | struct | where `metrics_core` is, when renamed |
///
/// A struct whose fields all have a finite [`LabelValue::CARDINALITY`] (derived enums)
/// makes a dense family: an array, no hashing.
///
/// ```
/// use metrics_core::{Counter, Family, LabelSet, LabelValue, Opts, Registry};
///
/// #[derive(Debug, Clone, Copy, LabelValue)]
/// enum Method { Get, Post }
///
/// #[derive(Debug, Clone, LabelSet)]
/// struct Request {
///     method: Method,
///     #[label(name = "route")]
///     path: String,
/// }
///
/// let registry = Registry::new();
/// let requests: Family<Request, Counter> =
///     registry.family(Opts::new("requests_total", "Requests."));
/// requests.get(&Request { method: Method::Get, path: "/".into() }).inc();
/// ```
#[cfg(feature = "derive")]
pub use metrics_macros::LabelSet;
/// Derives [`LabelValue`] for an enum of unit variants (each variant a value, in snake_case)
/// or a newtype over a label value.
///
/// | key | where | what |
/// |---|---|---|
/// | `#[label(rename = "...")]` | variant | the value, instead of the variant's name |
/// | `#[metrics(crate = path)]` | enum or struct | where `metrics_core` is, when renamed |
///
/// ```
/// use metrics_core::LabelValue;
///
/// #[derive(Debug, Clone, Copy, LabelValue)]
/// enum Outcome {
///     Success,
///     #[label(rename = "error")]
///     Failure,
/// }
///
/// assert_eq!(Outcome::Failure.with_str(str::to_owned), "error");
/// assert_eq!(Outcome::CARDINALITY, Some(2));
/// ```
#[cfg(feature = "derive")]
pub use metrics_macros::LabelValue;
/// Derives `register(&Registry) -> Result<Self, RegisterError>` for a struct of metrics and
/// families: each field's name is the metric's (after the namespace), its doc comment the
/// HELP text, and every name, unit and label is checked against the naming rules when this
/// compiles, with the error at the field or key that breaks one.
///
/// | key | where | what |
/// |---|---|---|
/// | `#[metrics(namespace = "...")]` | struct | prefix of every name (`shop` gives `shop_...`) |
/// | `#[metrics(crate = path)]` | struct | where `metrics_core` is, when renamed |
/// | `name = "..."` | field | the metric's name, instead of the field's |
/// | `unit = "..."` | field | the unit (OpenMetrics `# UNIT`); the name must end with it |
/// | `labels = ["...", ...]` | `Family` field | label names, for `DynLabels` and tuples (required there) |
/// | `buckets = [...]` | histogram field | classic bucket bounds, strictly increasing |
/// | `native = factor` | histogram field | native buckets, each at most `factor` wider than the last |
/// | `quantiles = [...]` | summary field | the quantiles reported ([`Quantiles::new`]; default 0.5, 0.9, 0.99) |
/// | `max_age_secs = N` | summary field | the window's length (default 600) |
/// | `age_buckets = N` | summary field | the steps the window moves in (default 5) |
/// | `series_limit = N` | `Family` field | the most series ([`Opts::series_limit`]) |
/// | `overflow = "reject"` | `Family` field | refuse label sets past the limit (default `"collapse"`) |
/// | `expire_after_secs = N` | `Family` field | drop series idle that long ([`Opts::expire_after`]) |
///
/// Field keys go in `#[metric(...)]`. A key on a field it does not fit (`buckets` on a
/// counter, `labels` on a plain metric, `series_limit` on a plain metric), a `DynLabels`
/// family without `labels`, and a label name given twice fail the build.
///
/// ```
/// use metrics_core::{
///     Counter, DynLabels, Family, Gauge, Histogram, MetricGroup, Registry, Summary,
/// };
///
/// #[derive(MetricGroup)]
/// #[metrics(namespace = "shop")]
/// struct ShopMetrics {
///     /// Orders placed.
///     orders_total: Counter,
///     /// Carts open right now.
///     carts_open: Gauge,
///     /// Time to check out.
///     #[metric(unit = "seconds", buckets = [0.1, 0.5, 1, 2.5], native = 1.1)]
///     checkout_duration_seconds: Histogram,
///     /// Searches, by what was searched: user input, so bounded and forgotten when idle.
///     #[metric(labels = ["query"], series_limit = 500, overflow = "reject", expire_after_secs = 3600)]
///     searches_total: Family<DynLabels, Counter>,
///     /// Payment time: this instance's quantiles over the last two minutes.
///     #[metric(unit = "seconds", quantiles = [0.5, 0.99], max_age_secs = 120)]
///     payment_duration_seconds: Summary,
/// }
///
/// let registry = Registry::new();
/// let metrics = ShopMetrics::register(&registry)?;
/// metrics.orders_total.inc();
/// metrics.checkout_duration_seconds.observe(0.3);
/// if let Ok(search) = metrics.searches_total.try_with_label_values(&["shoes"]) {
///     search.inc();
/// }
/// # Ok::<(), metrics_core::RegisterError>(())
/// ```
#[cfg(feature = "derive")]
pub use metrics_macros::MetricGroup;
pub use model::{
    BucketBounds, CardinalityReport, CounterSample, Exemplar, FamilyCardinality, FamilyDesc,
    FamilyView, HistogramSample, LabelCardinality, LabelPairs, MetricFamilies, MetricKind,
    NativeSnapshot, Sample, SeriesView, SummarySample, Value, NEAR_LIMIT,
};
pub use naming::{
    check_label_name, check_metric_name, check_unit, checked_name, lint_exposition, LintLevel,
    Problem, Rule,
};
pub use naming::{Escaping, NameValidation};
pub use registry::{
    default_registry, CollectorId, Opts, Registry, RegistryBuilder, SelfMetrics,
    DEFAULT_LABEL_VALUE_LIMIT, DEFAULT_SERIES_LIMIT,
};

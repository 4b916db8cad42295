//! The data model between the metrics and every output: what a family is ([`FamilyDesc`]),
//! and what one series of each kind holds at one moment, as borrowed views
//! ([`CounterSample`], [`HistogramSample`] with its [`NativeSnapshot`], [`SummarySample`],
//! gauges, info and state sets as plain values).
//!
//! Families, callbacks and collectors write these views into a [`Sink`]. The text,
//! OpenMetrics and protobuf encoders are sinks, and so is [`MetricFamilies`], which keeps
//! them (`Registry::gather`) for the push clients and anyone who wants the values as data.
//! Nothing here knows a live metric or an exposition format.

mod bounds;
mod cardinality;
mod exemplar;
mod gathered;
mod labels;
mod native;

pub use bounds::BucketBounds;
pub use cardinality::{CardinalityReport, FamilyCardinality, LabelCardinality, NEAR_LIMIT};
pub use exemplar::Exemplar;
pub use gathered::{FamilyView, MetricFamilies, SeriesView, Value};
pub use labels::LabelPairs;
pub(crate) use native::spans;
pub use native::NativeSnapshot;

/// The type of a metric family, as the exposition formats name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MetricKind {
    /// A monotonic total.
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// Observations counted in buckets, with their sum and count.
    Histogram,
    /// Quantiles over a sliding window, with the sum and count of the observations.
    Summary,
    /// Facts about the target as labels of one series of value 1 (`build_info`).
    Info,
    /// A set of states of which each is on or off (one series per state).
    StateSet,
    /// A family without a `# TYPE` line.
    Unknown,
}

impl MetricKind {
    /// The word used on a `# TYPE` line.
    pub const fn as_str(self) -> &'static str {
        match self {
            MetricKind::Counter => "counter",
            MetricKind::Gauge => "gauge",
            MetricKind::Histogram => "histogram",
            MetricKind::Summary => "summary",
            MetricKind::Info => "info",
            MetricKind::StateSet => "stateset",
            MetricKind::Unknown => "untyped",
        }
    }

    /// The kind a `# TYPE` word names.
    pub(crate) fn from_type_word(word: &str) -> Option<MetricKind> {
        Some(match word {
            "counter" => MetricKind::Counter,
            "gauge" => MetricKind::Gauge,
            "histogram" => MetricKind::Histogram,
            "summary" => MetricKind::Summary,
            "info" => MetricKind::Info,
            "stateset" => MetricKind::StateSet,
            "untyped" | "unknown" => MetricKind::Unknown,
            _ => return None,
        })
    }
}

/// What a family is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FamilyDesc<'a> {
    /// The full name of the family as registered (counters with `_total`, info with `_info`).
    pub name: &'a str,
    /// Help text, unescaped.
    pub help: &'a str,
    /// The type.
    pub kind: MetricKind,
    /// The unit, when declared.
    pub unit: Option<&'a str>,
}

/// One counter series at one moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CounterSample<'a> {
    /// The integer increments.
    pub int: u64,
    /// The fractional increments.
    pub float: f64,
    /// When the series started (or was last reset), Unix seconds; `None` for values read
    /// from elsewhere (callbacks, collectors).
    pub created: Option<f64>,
    /// The latest exemplar.
    pub exemplar: Option<&'a Exemplar>,
}

impl CounterSample<'_> {
    /// A value read from elsewhere (a callback, a collector): no creation time, no exemplar.
    pub(crate) fn read(value: f64) -> CounterSample<'static> {
        CounterSample {
            int: 0,
            float: value,
            created: None,
            exemplar: None,
        }
    }

    /// The value: both parts.
    pub fn value(&self) -> f64 {
        self.int as f64 + self.float
    }
}

/// One histogram series at one moment: a consistent reading (the buckets add up to the
/// count, and the sum is of the same observations).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HistogramSample<'a> {
    /// The classic buckets' upper bounds, finite and increasing (`+Inf` implied), and their
    /// `le` texts.
    pub bounds: &'a BucketBounds,
    /// Observations per classic bucket, `+Inf` last, not cumulative. A histogram with native
    /// buckets alone has no bounds and one count here: all its observations.
    pub counts: &'a [u64],
    /// All observations.
    pub count: u64,
    /// Their sum.
    pub sum: f64,
    /// When the series started (or was last reset), Unix seconds; `None` for histograms
    /// read from elsewhere (collectors).
    pub created: Option<f64>,
    /// The latest exemplar of each classic bucket, where there is one; empty when the
    /// histogram never had one.
    pub exemplars: &'a [Option<Exemplar>],
    /// The native buckets, when the histogram has them and the output asked for them
    /// (a sink's `wants_native`).
    pub native: Option<&'a NativeSnapshot>,
    /// The histogram keeps native buckets alone: `counts` is its one `+Inf` bucket.
    pub native_only: bool,
}

impl HistogramSample<'_> {
    /// The exemplar of classic bucket `i`, if it has one.
    pub fn exemplar(&self, i: usize) -> Option<&Exemplar> {
        self.exemplars.get(i)?.as_ref()
    }
}

/// One summary series at one moment, from one reading: the count and sum of every
/// observation, and the quantiles of those in the window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SummarySample<'a> {
    /// All observations.
    pub count: u64,
    /// Their sum.
    pub sum: f64,
    /// (quantile, value), by quantile; the value is NaN when the window is empty.
    pub quantiles: &'a [(f64, f64)],
    /// When the series started (or was last reset), Unix seconds; `None` for summaries read
    /// from elsewhere (collectors).
    pub created: Option<f64>,
}

impl SummarySample<'_> {
    /// The `quantile` label value of quantile `q` as the text format writes it (`0.5`, `1`,
    /// the shortest text that reads back), for outputs that carry the summary as series.
    pub fn quantile_label(q: f64) -> String {
        let mut text = Vec::new();
        crate::runtime::float::write_f64(&mut text, q);
        String::from_utf8(text).unwrap_or_default()
    }
}

/// One sample as the text format exposes it: the series name with its suffix (`_total`,
/// `_bucket`, `_sum`, `_count`), its labels in exposition order (const labels first, `le`
/// last), label values unescaped. What [`Registry::samples`](crate::Registry::samples)
/// returns, for push clients.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The series name.
    pub name: String,
    /// Label names and values.
    pub labels: Vec<(String, String)>,
    /// The value.
    pub value: f64,
}

/// Where families, callbacks and collectors write their series. `labels` is an escaped label
/// block (`name="value",...`, no braces), possibly empty, without the registry's const
/// labels (the sink adds those); `name` is the family's full name.
pub trait Sink {
    /// Starts a family; its series follow.
    fn family(&mut self, desc: &FamilyDesc<'_>);
    /// A counter series.
    fn counter(&mut self, name: &str, labels: &str, sample: &CounterSample<'_>);
    /// A gauge series.
    fn gauge(&mut self, name: &str, labels: &str, value: f64);
    /// A histogram series.
    fn histogram(&mut self, name: &str, labels: &str, sample: &HistogramSample<'_>);
    /// A summary series.
    fn summary(&mut self, name: &str, labels: &str, sample: &SummarySample<'_>);
    /// One series of an info family: its labels, value 1.
    fn info(&mut self, name: &str, labels: &str);
    /// One state of a state set: the state label is named after the family.
    fn state(&mut self, name: &str, labels: &str, state: &str, on: bool);
    /// Whether histograms should read their native buckets for this sink (the text formats
    /// cannot carry them).
    fn wants_native(&self) -> bool {
        true
    }
    /// After the last family.
    fn finish(&mut self) {}
}

/// What a registry entry is: something that writes its family into a [`Sink`] at each
/// scrape (a family of live metrics, a state set, a callback, an info).
pub(crate) trait Source: Send + Sync {
    /// Writes the family and its series.
    fn write_to(&self, sink: &mut dyn Sink, scratch: &mut Scratch);
    /// Label sets refused or collapsed because the family held its series limit.
    fn refused(&self) -> u64 {
        0
    }
    /// How many series it writes.
    fn series(&self) -> usize {
        1
    }
    /// Its series limit.
    fn limit(&self) -> usize {
        1
    }
    /// Whether it is a family with labels, whose series a label can multiply.
    fn labelled(&self) -> bool {
        false
    }
    /// Its series and label values, for a family with labels; `top` values per label.
    fn cardinality(&self, top: usize) -> Option<FamilyCardinality> {
        let _ = top;
        None
    }
}

/// Buffers a family lends its metrics while they write themselves into a sink, reused from
/// series to series and scrape to scrape.
#[derive(Debug, Default)]
pub struct Scratch {
    pub(crate) counts: Vec<u64>,
    pub(crate) exemplars: Vec<Option<Exemplar>>,
    pub(crate) quantiles: Vec<(f64, f64)>,
}

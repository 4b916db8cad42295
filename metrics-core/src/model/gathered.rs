//! What a registry holds at one moment, kept as data: [`MetricFamilies`], filled by
//! `Registry::gather` and read through borrowed views, by the push clients and anyone who
//! wants the values rather than an exposition.
//!
//! Everything lives in a few flat buffers (one string for every name, help text and label
//! block; one vector per kind of number), kept across gathers: gathering counters, gauges,
//! info, state sets and classic buckets again into the same `MetricFamilies` allocates
//! nothing once the buffers have grown to the registry's size. Native buckets and
//! exemplars are copies, each with its own small allocations.

use std::ops::Range;

use crate::model::{
    BucketBounds, CounterSample, Exemplar, FamilyDesc, HistogramSample, LabelPairs, MetricKind,
    NativeSnapshot, Sink, SummarySample,
};

/// Every family of a registry, with its series, at one moment (see `Registry::gather`).
///
/// ```
/// use metrics_core::{Buckets, MetricFamilies, Registry, Value};
///
/// let registry = Registry::new();
/// registry.counter("jobs_total", "Jobs done.").inc_by(3);
/// registry.histogram("job_seconds", "Job time.", Buckets::new([1.0])?).observe(0.5);
///
/// let mut families = MetricFamilies::new();
/// registry.gather(&mut families);
/// let jobs = families.iter().find(|f| f.desc().name == "jobs_total").unwrap();
/// let series = jobs.series().next().unwrap();
/// assert!(matches!(series.value(), Value::Counter(c) if c.value() == 3.0));
/// # Ok::<(), metrics_core::BucketsError>(())
/// ```
#[derive(Debug, Default)]
pub struct MetricFamilies {
    families: Vec<FamilyRecord>,
    series: Vec<SeriesRecord>,
    /// Names, help texts, units, label blocks and states, one after the other.
    text: String,
    counts: Vec<u64>,
    bounds: Vec<BucketBounds>,
    exemplars: Vec<Option<Exemplar>>,
    natives: Vec<NativeSnapshot>,
    /// (quantile, value) pairs of every summary.
    quantiles: Vec<(f64, f64)>,
    /// The registry's const label block, put before each series' labels.
    const_labels: String,
}

#[derive(Debug)]
struct FamilyRecord {
    name: Range<usize>,
    help: Range<usize>,
    unit: Option<Range<usize>>,
    kind: MetricKind,
    series: Range<usize>,
}

#[derive(Debug)]
struct SeriesRecord {
    labels: Range<usize>,
    value: ValueRecord,
}

#[derive(Debug)]
enum ValueRecord {
    Counter {
        int: u64,
        float: f64,
        created: Option<f64>,
        exemplar: Option<usize>,
    },
    Gauge(f64),
    Histogram {
        bounds: usize,
        counts: Range<usize>,
        count: u64,
        sum: f64,
        created: Option<f64>,
        exemplars: Range<usize>,
        native: Option<usize>,
        native_only: bool,
    },
    Summary {
        count: u64,
        sum: f64,
        quantiles: Range<usize>,
        created: Option<f64>,
    },
    Info,
    State {
        state: Range<usize>,
        on: bool,
    },
}

impl MetricFamilies {
    /// Nothing gathered yet.
    pub fn new() -> MetricFamilies {
        MetricFamilies::default()
    }

    /// Empties the buffers, keeping their room, for a gather with these const labels.
    pub(crate) fn begin(&mut self, const_labels: &str) {
        self.families.clear();
        self.series.clear();
        self.text.clear();
        self.counts.clear();
        self.bounds.clear();
        self.exemplars.clear();
        self.natives.clear();
        self.quantiles.clear();
        self.const_labels.clear();
        self.const_labels.push_str(const_labels);
    }

    /// The families, in the order the registry writes them.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = FamilyView<'_>> + '_ {
        self.families.iter().map(move |record| FamilyView {
            store: self,
            record,
        })
    }

    /// How many families there are.
    pub fn len(&self) -> usize {
        self.families.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.families.is_empty()
    }

    fn push_text(&mut self, text: &str) -> Range<usize> {
        let start = self.text.len();
        self.text.push_str(text);
        start..self.text.len()
    }

    /// A series' label block, the const labels first.
    fn push_labels(&mut self, labels: &str) -> Range<usize> {
        let start = self.text.len();
        self.text.push_str(&self.const_labels);
        if !self.const_labels.is_empty() && !labels.is_empty() {
            self.text.push(',');
        }
        self.text.push_str(labels);
        start..self.text.len()
    }

    fn push_series(&mut self, labels: &str, value: ValueRecord) {
        let labels = self.push_labels(labels);
        self.series.push(SeriesRecord { labels, value });
        if let Some(family) = self.families.last_mut() {
            family.series.end = self.series.len();
        }
    }

    /// Writes everything gathered into `sink`, as the registry wrote it (const labels are
    /// part of each series' labels here).
    pub(crate) fn write_to(&self, sink: &mut dyn Sink) {
        for family in self.iter() {
            let desc = family.desc();
            sink.family(&desc);
            for series in family.series() {
                let labels = series.label_block();
                match series.value() {
                    Value::Counter(c) => sink.counter(desc.name, labels, &c),
                    Value::Gauge(v) => sink.gauge(desc.name, labels, v),
                    Value::Histogram(h) => sink.histogram(desc.name, labels, &h),
                    Value::Summary(s) => sink.summary(desc.name, labels, &s),
                    Value::Info => sink.info(desc.name, labels),
                    Value::State { state, on } => sink.state(desc.name, labels, state, on),
                }
            }
        }
        sink.finish();
    }

    fn str(&self, range: &Range<usize>) -> &str {
        self.text.get(range.clone()).unwrap_or("")
    }
}

impl Sink for MetricFamilies {
    fn family(&mut self, desc: &FamilyDesc<'_>) {
        let name = self.push_text(desc.name);
        let help = self.push_text(desc.help);
        let unit = desc.unit.map(|unit| self.push_text(unit));
        let start = self.series.len();
        self.families.push(FamilyRecord {
            name,
            help,
            unit,
            kind: desc.kind,
            series: start..start,
        });
    }

    fn counter(&mut self, _: &str, labels: &str, sample: &CounterSample<'_>) {
        let exemplar = sample.exemplar.map(|e| {
            self.exemplars.push(Some(e.clone()));
            self.exemplars.len() - 1
        });
        let value = ValueRecord::Counter {
            int: sample.int,
            float: sample.float,
            created: sample.created,
            exemplar,
        };
        self.push_series(labels, value);
    }

    fn gauge(&mut self, _: &str, labels: &str, value: f64) {
        self.push_series(labels, ValueRecord::Gauge(value));
    }

    fn histogram(&mut self, _: &str, labels: &str, sample: &HistogramSample<'_>) {
        let counts = self.counts.len()..self.counts.len() + sample.counts.len();
        self.counts.extend_from_slice(sample.counts);
        let exemplars = self.exemplars.len()..self.exemplars.len() + sample.exemplars.len();
        self.exemplars.extend(sample.exemplars.iter().cloned());
        let native = sample.native.map(|n| {
            self.natives.push(n.clone());
            self.natives.len() - 1
        });
        // Histograms of a family share their bounds: kept once while they follow each other.
        let bounds = match self.bounds.last() {
            Some(last) if last == sample.bounds => self.bounds.len() - 1,
            _ => {
                self.bounds.push(sample.bounds.clone());
                self.bounds.len() - 1
            }
        };
        let value = ValueRecord::Histogram {
            bounds,
            counts,
            count: sample.count,
            sum: sample.sum,
            created: sample.created,
            exemplars,
            native,
            native_only: sample.native_only,
        };
        self.push_series(labels, value);
    }

    fn summary(&mut self, _: &str, labels: &str, sample: &SummarySample<'_>) {
        let quantiles = self.quantiles.len()..self.quantiles.len() + sample.quantiles.len();
        self.quantiles.extend_from_slice(sample.quantiles);
        let value = ValueRecord::Summary {
            count: sample.count,
            sum: sample.sum,
            quantiles,
            created: sample.created,
        };
        self.push_series(labels, value);
    }

    fn info(&mut self, _: &str, labels: &str) {
        self.push_series(labels, ValueRecord::Info);
    }

    fn state(&mut self, _: &str, labels: &str, state: &str, on: bool) {
        let state = self.push_text(state);
        self.push_series(labels, ValueRecord::State { state, on });
    }
}

/// One family of a [`MetricFamilies`].
#[derive(Debug, Clone, Copy)]
pub struct FamilyView<'a> {
    store: &'a MetricFamilies,
    record: &'a FamilyRecord,
}

impl<'a> FamilyView<'a> {
    /// What the family is.
    pub fn desc(&self) -> FamilyDesc<'a> {
        let store = self.store;
        FamilyDesc {
            name: store.str(&self.record.name),
            help: store.str(&self.record.help),
            kind: self.record.kind,
            unit: self.record.unit.as_ref().map(|u| store.str(u)),
        }
    }

    /// Its series, in the order the family writes them.
    pub fn series(&self) -> impl ExactSizeIterator<Item = SeriesView<'a>> + 'a {
        let store = self.store;
        store
            .series
            .get(self.record.series.clone())
            .unwrap_or_default()
            .iter()
            .map(move |record| SeriesView { store, record })
    }
}

/// One series of a [`FamilyView`].
#[derive(Debug, Clone, Copy)]
pub struct SeriesView<'a> {
    store: &'a MetricFamilies,
    record: &'a SeriesRecord,
}

/// The value of a [`SeriesView`], by kind.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Value<'a> {
    /// A counter.
    Counter(CounterSample<'a>),
    /// A gauge.
    Gauge(f64),
    /// A histogram (classic buckets, and native ones when it has them).
    Histogram(HistogramSample<'a>),
    /// A summary.
    Summary(SummarySample<'a>),
    /// An info series: its labels are the information, its value 1.
    Info,
    /// One state of a state set: its label named after the family is `state`.
    State {
        /// The state's name.
        state: &'a str,
        /// Whether the set is in this state.
        on: bool,
    },
}

impl<'a> SeriesView<'a> {
    /// The labels (the registry's const labels first), values unescaped.
    pub fn labels(&self) -> LabelPairs<'a> {
        LabelPairs::new(self.label_block())
    }

    /// The labels as an escaped block, `name="value",...`.
    pub(crate) fn label_block(&self) -> &'a str {
        self.store.str(&self.record.labels)
    }

    /// The value.
    pub fn value(&self) -> Value<'a> {
        let store = self.store;
        match &self.record.value {
            ValueRecord::Counter {
                int,
                float,
                created,
                exemplar,
            } => Value::Counter(CounterSample {
                int: *int,
                float: *float,
                created: *created,
                exemplar: exemplar
                    .and_then(|i| store.exemplars.get(i))
                    .and_then(Option::as_ref),
            }),
            ValueRecord::Gauge(v) => Value::Gauge(*v),
            ValueRecord::Histogram {
                bounds,
                counts,
                count,
                sum,
                created,
                exemplars,
                native,
                native_only,
            } => match store.bounds.get(*bounds) {
                Some(b) => Value::Histogram(HistogramSample {
                    bounds: b,
                    counts: store.counts.get(counts.clone()).unwrap_or_default(),
                    count: *count,
                    sum: *sum,
                    created: *created,
                    exemplars: store.exemplars.get(exemplars.clone()).unwrap_or_default(),
                    native: native.and_then(|i| store.natives.get(i)),
                    native_only: *native_only,
                }),
                None => Value::Gauge(f64::NAN),
            },
            ValueRecord::Summary {
                count,
                sum,
                quantiles,
                created,
            } => Value::Summary(SummarySample {
                count: *count,
                sum: *sum,
                quantiles: store.quantiles.get(quantiles.clone()).unwrap_or_default(),
                created: *created,
            }),
            ValueRecord::Info => Value::Info,
            ValueRecord::State { state, on } => Value::State {
                state: store.str(state),
                on: *on,
            },
        }
    }
}

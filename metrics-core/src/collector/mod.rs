//! Families computed at scrape time: the [`Collector`] trait, the [`Collection`] a collector
//! writes into (checked like registered families), and the collectors shipped with the
//! crate.

pub(crate) mod process;
#[cfg(feature = "tokio")]
pub(crate) mod tokio;

use std::collections::HashSet;

use crate::label::push_pair;
use crate::model::{
    BucketBounds, CounterSample, FamilyDesc, HistogramSample, MetricKind, Sink, SummarySample,
};
use crate::naming::{self, NameValidation, Problem};

/// Something that produces metric families when the registry is encoded, rather than
/// holding live metrics: a view over another library's statistics, the process collector,
/// a cache's size read on demand.
///
/// ```
/// use metrics_core::{Collection, Collector, Format, Registry};
///
/// struct Pool;
/// impl Collector for Pool {
///     fn collect(&self, out: &mut Collection<'_>) {
///         out.gauge("pool_idle_connections", "Idle connections in the pool.", 4.0);
///     }
/// }
///
/// let registry = Registry::new();
/// registry.register_collector(Pool);
/// let mut body = Vec::new();
/// registry.encode(Format::Text, &mut body);
/// assert!(String::from_utf8(body).unwrap().contains("\npool_idle_connections 4\n"));
/// ```
pub trait Collector: Send + Sync + 'static {
    /// Writes the current families to `out`. Called on every scrape; keep it quick.
    fn collect(&self, out: &mut Collection<'_>);
}

/// Where a [`Collector`] writes its families.
///
/// Names are checked as they are written: a family whose name or label names are invalid is
/// left out of the exposition (rather than breaking it) and reported by
/// `Registry::collector_problems`.
pub struct Collection<'a> {
    sink: &'a mut dyn Sink,
    problems: &'a mut Vec<Problem>,
    /// Families in the exposition so far, by name.
    names: &'a mut HashSet<String>,
    /// The names the registry takes.
    validation: NameValidation,
}

impl<'a> Collection<'a> {
    pub(crate) fn new(
        sink: &'a mut dyn Sink,
        problems: &'a mut Vec<Problem>,
        names: &'a mut HashSet<String>,
        validation: NameValidation,
    ) -> Self {
        Collection {
            sink,
            problems,
            names,
            validation,
        }
    }

    /// A counter family of one unlabelled series.
    pub fn counter(&mut self, name: &str, help: &str, value: f64) {
        self.family(MetricKind::Counter, name, help, None, &[])
            .sample(&[], value);
    }

    /// A gauge family of one unlabelled series.
    pub fn gauge(&mut self, name: &str, help: &str, value: f64) {
        self.family(MetricKind::Gauge, name, help, None, &[])
            .sample(&[], value);
    }

    /// An info family of one series: `labels` (names and values) with value 1, as
    /// `build_info{version="1.2.3"} 1`.
    pub fn info(&mut self, name: &str, help: &str, labels: &[(&str, &str)]) {
        let names: Vec<&str> = labels.iter().map(|(n, _)| *n).collect();
        let values: Vec<&str> = labels.iter().map(|(_, v)| *v).collect();
        self.family(MetricKind::Info, name, help, None, &names)
            .info(&values);
    }

    /// Starts a counter family with these label names; add its series with
    /// [`FamilyWriter::sample`].
    pub fn counter_family(
        &mut self,
        name: &str,
        help: &str,
        labels: &[&str],
    ) -> FamilyWriter<'_, 'a> {
        self.family(MetricKind::Counter, name, help, None, labels)
    }

    /// Starts a gauge family with these label names; add its series with
    /// [`FamilyWriter::sample`].
    pub fn gauge_family(
        &mut self,
        name: &str,
        help: &str,
        labels: &[&str],
    ) -> FamilyWriter<'_, 'a> {
        self.family(MetricKind::Gauge, name, help, None, labels)
    }

    /// Starts a histogram family whose series share these bucket bounds (finite, strictly
    /// increasing; `+Inf` is implied), with a unit if given; add its series with
    /// [`FamilyWriter::histogram`]. Bounds that are not are a problem, and the family is
    /// left out.
    pub fn histogram_family(
        &mut self,
        name: &str,
        help: &str,
        unit: Option<&str>,
        labels: &[&str],
        bounds: &[f64],
    ) -> FamilyWriter<'_, 'a> {
        let valid = bounds.iter().all(|b| b.is_finite()) && bounds.windows(2).all(|w| w[0] < w[1]);
        if !valid {
            self.problem(Problem::metric(name, naming::Rule::InvalidSample));
            return FamilyWriter::new(self, name, MetricKind::Histogram, labels, false);
        }
        let mut writer = self.family(MetricKind::Histogram, name, help, unit, labels);
        writer.bounds = Some(BucketBounds::new(bounds.to_vec()));
        writer
    }

    /// Starts a family of any kind but histograms (which need their bounds: see
    /// [`histogram_family`](Self::histogram_family)), with a unit if given (OpenMetrics
    /// `# UNIT`; the name must end with it): a counter, gauge or unknown family takes
    /// [`FamilyWriter::sample`], a summary [`FamilyWriter::summary`], an info family
    /// [`FamilyWriter::info`], a state set [`FamilyWriter::states`].
    pub fn family_of(
        &mut self,
        kind: MetricKind,
        name: &str,
        help: &str,
        unit: Option<&str>,
        labels: &[&str],
    ) -> FamilyWriter<'_, 'a> {
        self.family(kind, name, help, unit, labels)
    }

    fn problem(&mut self, problem: Problem) {
        if !self.problems.contains(&problem) {
            self.problems.push(problem);
        }
    }

    fn family<'c>(
        &'c mut self,
        kind: MetricKind,
        name: &str,
        help: &str,
        unit: Option<&str>,
        labels: &[&str],
    ) -> FamilyWriter<'c, 'a> {
        // A state set's states are a label named after the family.
        let state_label = [name];
        let extra: &[&str] = if kind == MetricKind::StateSet {
            &state_label
        } else {
            &[]
        };
        let invalid = naming::family_problems(name, help, kind, labels, extra, self.validation)
            .into_iter()
            .find(|p| !p.rule().is_lint())
            .or_else(|| {
                let unit = unit?;
                let rule = naming::check_unit_in(name, unit, kind, self.validation).err()?;
                Some(Problem::metric(name, rule))
            })
            .or_else(|| {
                (!self.names.insert(name.to_owned()))
                    .then(|| Problem::metric(name, naming::Rule::DuplicateFamily))
            });
        let valid = match invalid {
            Some(problem) => {
                self.problem(problem);
                false
            }
            None => {
                self.sink.family(&FamilyDesc {
                    name,
                    help,
                    kind,
                    unit,
                });
                true
            }
        };
        FamilyWriter::new(self, name, kind, labels, valid)
    }
}

/// Writes the series of one family of a [`Collection`]. A series that does not fit the
/// family (the wrong number of label values, a method of another kind, bucket counts that
/// do not match the bounds) is left out and reported as a problem.
pub struct FamilyWriter<'c, 'a> {
    collection: &'c mut Collection<'a>,
    name: String,
    kind: MetricKind,
    labels: Vec<String>,
    valid: bool,
    block: String,
    bounds: Option<BucketBounds>,
}

impl<'c, 'a> FamilyWriter<'c, 'a> {
    /// A writer of family `name`; an invalid one writes nothing.
    fn new(
        collection: &'c mut Collection<'a>,
        name: &str,
        kind: MetricKind,
        labels: &[&str],
        valid: bool,
    ) -> Self {
        FamilyWriter {
            collection,
            name: name.to_owned(),
            kind,
            labels: labels.iter().map(|l| l.to_string()).collect(),
            valid,
            block: String::new(),
            bounds: None,
        }
    }

    /// Renders the label block of `values`, or reports why the series is left out.
    fn start(&mut self, values: &[&str], kinds: &[MetricKind]) -> bool {
        if !self.valid {
            return false;
        }
        if values.len() != self.labels.len() || !kinds.contains(&self.kind) {
            let problem = Problem::metric(&self.name, naming::Rule::InvalidSample);
            self.collection.problem(problem);
            return false;
        }
        self.block.clear();
        for (name, v) in self.labels.iter().zip(values) {
            push_pair(&mut self.block, name, v);
        }
        true
    }

    /// Adds one series of a counter, gauge or unknown family: `values` in the order of the
    /// family's label names.
    pub fn sample(&mut self, values: &[&str], value: f64) -> &mut Self {
        let kinds = [MetricKind::Counter, MetricKind::Gauge, MetricKind::Unknown];
        if !self.start(values, &kinds) {
            return self;
        }
        let sink = &mut *self.collection.sink;
        match self.kind {
            MetricKind::Counter => {
                sink.counter(&self.name, &self.block, &CounterSample::read(value))
            }
            _ => sink.gauge(&self.name, &self.block, value),
        }
        self
    }

    /// Adds one series of a histogram family: observations per bucket (not cumulative, one
    /// per bound and the `+Inf` one last) and their sum.
    pub fn histogram(&mut self, values: &[&str], counts: &[u64], sum: f64) -> &mut Self {
        let fits = self
            .bounds
            .as_ref()
            .is_some_and(|b| counts.len() == b.bounds().len() + 1);
        if !fits && self.valid {
            let problem = Problem::metric(&self.name, naming::Rule::InvalidSample);
            self.collection.problem(problem);
            return self;
        }
        if !self.start(values, &[MetricKind::Histogram]) {
            return self;
        }
        let Some(bounds) = &self.bounds else {
            return self;
        };
        let sample = HistogramSample {
            bounds,
            counts,
            count: counts.iter().sum(),
            sum,
            created: None,
            exemplars: &[],
            native: None,
            native_only: false,
        };
        self.collection
            .sink
            .histogram(&self.name, &self.block, &sample);
        self
    }

    /// Adds one series of a summary family: the count and sum of its observations, and
    /// (quantile, value) pairs with quantiles between 0 and 1, increasing.
    pub fn summary(
        &mut self,
        values: &[&str],
        count: u64,
        sum: f64,
        quantiles: &[(f64, f64)],
    ) -> &mut Self {
        let fits = quantiles.iter().all(|(q, _)| (0.0..=1.0).contains(q))
            && quantiles.windows(2).all(|w| w[0].0 < w[1].0);
        if !fits && self.valid {
            let problem = Problem::metric(&self.name, naming::Rule::InvalidSample);
            self.collection.problem(problem);
            return self;
        }
        if !self.start(values, &[MetricKind::Summary]) {
            return self;
        }
        let sample = SummarySample {
            count,
            sum,
            quantiles,
            created: None,
        };
        self.collection
            .sink
            .summary(&self.name, &self.block, &sample);
        self
    }

    /// Adds one series of an info family (value 1).
    pub fn info(&mut self, values: &[&str]) -> &mut Self {
        if self.start(values, &[MetricKind::Info]) {
            self.collection.sink.info(&self.name, &self.block);
        }
        self
    }

    /// Adds the states of one series of a state set: each state's name and whether it is
    /// on.
    pub fn states(&mut self, values: &[&str], states: &[(&str, bool)]) -> &mut Self {
        if self.start(values, &[MetricKind::StateSet]) {
            for (state, on) in states {
                self.collection
                    .sink
                    .state(&self.name, &self.block, state, *on);
            }
        }
        self
    }
}

/// The names of the families `collector` writes now (those it writes validly), by one
/// collection into a sink that keeps nothing.
pub(crate) fn names_written(collector: &dyn Collector, validation: NameValidation) -> Vec<String> {
    struct Discard;
    impl Sink for Discard {
        fn family(&mut self, _: &FamilyDesc<'_>) {}
        fn counter(&mut self, _: &str, _: &str, _: &CounterSample<'_>) {}
        fn gauge(&mut self, _: &str, _: &str, _: f64) {}
        fn histogram(&mut self, _: &str, _: &str, _: &crate::model::HistogramSample<'_>) {}
        fn summary(&mut self, _: &str, _: &str, _: &SummarySample<'_>) {}
        fn info(&mut self, _: &str, _: &str) {}
        fn state(&mut self, _: &str, _: &str, _: &str, _: bool) {}
    }
    let mut names = HashSet::new();
    collector.collect(&mut Collection::new(
        &mut Discard,
        &mut Vec::new(),
        &mut names,
        validation,
    ));
    let mut names: Vec<String> = names.into_iter().collect();
    names.sort();
    names
}

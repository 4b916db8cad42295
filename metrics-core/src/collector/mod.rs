//! Families computed at scrape time: the [`Collector`] trait, the [`Collection`] a collector
//! writes into (checked like registered families), and the collectors shipped with the
//! crate.

pub(crate) mod process;

use std::collections::HashSet;

use crate::label::push_pair;
use crate::model::{CounterSample, FamilyDesc, MetricKind, Sink};
use crate::naming::{self, Problem};

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
}

impl<'a> Collection<'a> {
    pub(crate) fn new(
        sink: &'a mut dyn Sink,
        problems: &'a mut Vec<Problem>,
        names: &'a mut HashSet<String>,
    ) -> Self {
        Collection {
            sink,
            problems,
            names,
        }
    }

    /// A counter family of one unlabelled series.
    pub fn counter(&mut self, name: &str, help: &str, value: f64) {
        self.family(name, help, MetricKind::Counter, &[])
            .sample(&[], value);
    }

    /// A gauge family of one unlabelled series.
    pub fn gauge(&mut self, name: &str, help: &str, value: f64) {
        self.family(name, help, MetricKind::Gauge, &[])
            .sample(&[], value);
    }

    /// Starts a counter family with these label names; add its series with
    /// [`FamilyWriter::sample`].
    pub fn counter_family(
        &mut self,
        name: &str,
        help: &str,
        labels: &[&str],
    ) -> FamilyWriter<'_, 'a> {
        self.family(name, help, MetricKind::Counter, labels)
    }

    /// Starts a gauge family with these label names; add its series with
    /// [`FamilyWriter::sample`].
    pub fn gauge_family(
        &mut self,
        name: &str,
        help: &str,
        labels: &[&str],
    ) -> FamilyWriter<'_, 'a> {
        self.family(name, help, MetricKind::Gauge, labels)
    }

    fn family<'c>(
        &'c mut self,
        name: &str,
        help: &str,
        kind: MetricKind,
        labels: &[&str],
    ) -> FamilyWriter<'c, 'a> {
        let invalid = naming::family_problems(name, help, kind, labels, &[])
            .into_iter()
            .find(|p| !p.rule().is_lint())
            .or_else(|| {
                (!self.names.insert(name.to_owned()))
                    .then(|| Problem::metric(name, naming::Rule::DuplicateFamily))
            });
        let valid = match invalid {
            Some(problem) => {
                if !self.problems.contains(&problem) {
                    self.problems.push(problem);
                }
                false
            }
            None => {
                self.sink.family(&FamilyDesc {
                    name,
                    help,
                    kind,
                    unit: None,
                });
                true
            }
        };
        FamilyWriter {
            collection: self,
            name: name.to_owned(),
            kind,
            labels: labels.iter().map(|l| l.to_string()).collect(),
            valid,
            block: String::new(),
        }
    }
}

/// Writes the series of one family of a [`Collection`].
pub struct FamilyWriter<'c, 'a> {
    collection: &'c mut Collection<'a>,
    name: String,
    kind: MetricKind,
    labels: Vec<String>,
    valid: bool,
    block: String,
}

impl FamilyWriter<'_, '_> {
    /// Adds one series: `values` in the order of the family's label names. A series with the
    /// wrong number of values is left out.
    pub fn sample(&mut self, values: &[&str], value: f64) -> &mut Self {
        if !self.valid || values.len() != self.labels.len() {
            return self;
        }
        self.block.clear();
        for (name, v) in self.labels.iter().zip(values) {
            push_pair(&mut self.block, name, v);
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
}

/// The names of the families `collector` writes now (those it writes validly), by one
/// collection into a sink that keeps nothing.
pub(crate) fn names_written(collector: &dyn Collector) -> Vec<String> {
    struct Discard;
    impl Sink for Discard {
        fn family(&mut self, _: &FamilyDesc<'_>) {}
        fn counter(&mut self, _: &str, _: &str, _: &CounterSample<'_>) {}
        fn gauge(&mut self, _: &str, _: &str, _: f64) {}
        fn histogram(&mut self, _: &str, _: &str, _: &crate::model::HistogramSample<'_>) {}
        fn info(&mut self, _: &str, _: &str) {}
        fn state(&mut self, _: &str, _: &str, _: &str, _: bool) {}
    }
    let mut names = HashSet::new();
    collector.collect(&mut Collection::new(
        &mut Discard,
        &mut Vec::new(),
        &mut names,
    ));
    let mut names: Vec<String> = names.into_iter().collect();
    names.sort();
    names
}

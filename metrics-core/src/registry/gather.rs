//! Reading a registry: [`Registry::gather`] into the data model, [`Registry::encode`] into an
//! exposition format, and the registry's own metrics written after the families.

use std::collections::HashSet;
use std::sync::Arc;

use crate::collector::Collection;
use crate::encode::names::Names;
use crate::encode::samples;
use crate::encode::Exposition;
use crate::model::{MetricFamilies, Sample, Scratch, Sink};
use crate::naming::NameValidation;
use crate::registry::opts::SelfMetrics;
use crate::registry::Registry;

impl Registry {
    /// Every family and series as data, into `out` (emptied first, its room kept): what
    /// [`encode`](Registry::encode) would write, in the same order, without an exposition
    /// format in between. Native histograms, exemplars, units and created times come along;
    /// the push clients send from this.
    ///
    /// ```
    /// use metrics_core::{MetricFamilies, Registry, Value};
    /// let registry = Registry::new();
    /// registry.gauge("queue_depth", "Jobs waiting.").set(7.0);
    /// let mut families = MetricFamilies::new();
    /// registry.gather(&mut families);
    /// let queue = families.iter().next().unwrap();
    /// assert_eq!(queue.desc().name, "queue_depth");
    /// assert_eq!(queue.series().next().unwrap().value(), Value::Gauge(7.0));
    /// ```
    pub fn gather(&self, out: &mut MetricFamilies) {
        out.begin(&self.inner.const_block);
        self.write_to(out);
    }

    /// Every sample as the text format exposes it: counters with `_total`, histograms as
    /// cumulative `_bucket` series (with `le`), `_sum` and `_count`, state sets as one
    /// series per state, const labels first. Built from [`gather`](Registry::gather);
    /// native buckets and exemplars have no place in it (gather keeps them).
    ///
    /// ```
    /// let registry = metrics_core::Registry::new();
    /// registry.counter("jobs_total", "Jobs.").inc_by(2);
    /// let samples = registry.samples();
    /// assert_eq!(samples[0].name, "jobs_total");
    /// assert_eq!(samples[0].value, 2.0);
    /// ```
    pub fn samples(&self) -> Vec<Sample> {
        let mut families = MetricFamilies::new();
        self.gather(&mut families);
        samples::samples(&families)
    }

    /// Appends the exposition of every family to `out` and returns the `Content-Type` to send
    /// with it.
    ///
    /// Families come in name order, then collectors in registration order, then the
    /// registry's own metrics; within a family, series keep their order across scrapes.
    /// No lock that `inc`/`observe` could wait on is held while encoding, and registration
    /// can proceed concurrently.
    ///
    /// `format` is a [`Format`](crate::Format), its names escaped with the default scheme, or an
    /// [`Exposition`] that names the scheme (what [`negotiate`](crate::negotiate) gives):
    /// names the legacy rules refuse (see [`NameValidation`](crate::NameValidation)) are
    /// written quoted or escaped as it says; other names are written as they are.
    pub fn encode(&self, format: impl Into<Exposition>, out: &mut Vec<u8>) -> &'static str {
        let exposition = format.into();
        let names = Names {
            escaping: exposition.escaping,
            utf8: self.utf8_names(),
        };
        let mut sink = exposition.sink(
            out,
            &self.inner.const_block,
            names,
            self.inner.openmetrics_created,
        );
        self.write_to(&mut *sink);
        sink.finish();
        exposition.content_type()
    }

    /// Writes every family, then the collectors' families, then the registry's own metrics.
    fn write_to(&self, sink: &mut dyn Sink) {
        let (families, collectors): (Vec<_>, Vec<_>) = {
            let state = self.inner.state.read();
            (
                state
                    .entries
                    .iter()
                    .map(|(n, e)| (n.clone(), Arc::clone(&e.source)))
                    .collect(),
                state
                    .collectors
                    .iter()
                    .map(|(_, c, _)| Arc::clone(c))
                    .collect(),
            )
        };
        let mut scratch = Scratch::default();
        for (_, family) in &families {
            family.write_to(sink, &mut scratch);
        }
        let mut problems = Vec::new();
        // What is exposed already: a collector's family of the same name is left out.
        let mut names: HashSet<String> = families.iter().map(|(n, _)| n.clone()).collect();
        for collector in &collectors {
            collector.collect(&mut Collection::new(
                sink,
                &mut problems,
                &mut names,
                self.inner.name_validation,
            ));
        }
        let mut out = Collection::new(sink, &mut problems, &mut names, NameValidation::Legacy);
        let refused: Vec<(&str, u64)> = families
            .iter()
            .map(|(name, f)| (name.as_str(), f.refused()))
            .filter(|(_, refused)| *refused > 0)
            .collect();
        if !refused.is_empty() {
            let mut family = out.counter_family(
                "metrics_series_overflow_total",
                "Label sets refused or collapsed into the overflow series because the family \
                 held its series limit.",
                &["family"],
            );
            for (name, refused) in refused {
                family.sample(&[name], refused as f64);
            }
        }
        let labelled: Vec<_> = families.iter().filter(|(_, f)| f.labelled()).collect();
        if self.inner.self_metrics == SelfMetrics::All && !labelled.is_empty() {
            let mut family = out.gauge_family(
                "metrics_family_series",
                "Series held by each family (the overflow series not counted).",
                &["family"],
            );
            for (name, f) in &labelled {
                family.sample(&[name], f.series() as f64);
            }
            let mut family = out.gauge_family(
                "metrics_family_series_limit",
                "The most series each family holds before it refuses new label sets.",
                &["family"],
            );
            for (name, f) in &labelled {
                family.sample(&[name], f.limit() as f64);
            }
        }
        if !problems.is_empty() {
            let mut known = self.inner.collector_problems.lock();
            for p in problems {
                if !known.contains(&p) {
                    known.push(p);
                }
            }
        }
    }
}

//! Gathered families flattened into the series the text format exposes, one value each:
//! what a receiver that knows only float samples (remote write of plain series, the
//! Pushgateway's text) can take.

use crate::model::Sample;
use crate::model::{MetricFamilies, SeriesView, SummarySample, Value};

/// The samples of `families`, in exposition order, with the names and labels the text
/// format gives them.
pub(crate) fn samples(families: &MetricFamilies) -> Vec<Sample> {
    let mut out = Vec::new();
    for family in families.iter() {
        let name = family.desc().name;
        for series in family.series() {
            let sample = |suffix: &str, extra: Option<(&str, &str)>, value: f64| Sample {
                name: format!("{name}{suffix}"),
                labels: labels(&series, extra),
                value,
            };
            match series.value() {
                Value::Counter(c) => out.push(sample("", None, c.value())),
                Value::Gauge(v) => out.push(sample("", None, v)),
                Value::Info => out.push(sample("", None, 1.0)),
                Value::State { state, on } => {
                    out.push(sample("", Some((name, state)), if on { 1.0 } else { 0.0 }))
                }
                Value::Histogram(h) => {
                    let mut cumulative = 0;
                    for (i, count) in h.counts.iter().enumerate() {
                        cumulative += count;
                        let le = Some(("le", h.bounds.le(i)));
                        out.push(sample("_bucket", le, cumulative as f64));
                    }
                    out.push(sample("_sum", None, h.sum));
                    out.push(sample("_count", None, h.count as f64));
                }
                Value::Summary(s) => {
                    for &(q, value) in s.quantiles {
                        let q = SummarySample::quantile_label(q);
                        out.push(sample("", Some(("quantile", &q)), value));
                    }
                    out.push(sample("_sum", None, s.sum));
                    out.push(sample("_count", None, s.count as f64));
                }
            }
        }
    }
    out
}

fn labels(series: &SeriesView<'_>, extra: Option<(&str, &str)>) -> Vec<(String, String)> {
    series
        .labels()
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .chain(extra.map(|(name, value)| (name.to_owned(), value.to_owned())))
        .collect()
}

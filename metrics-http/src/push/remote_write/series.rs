//! Gathered families as the series remote write sends, for both protocol versions: each
//! with its full label set (`__name__`, its own, the external ones it lacks, sorted by
//! name) and one point: a float sample (with the exemplar of its counter or bucket) or a
//! native histogram.

use std::borrow::Cow;

use metrics_core::{Exemplar, FamilyDesc, MetricFamilies, NativeSnapshot, SummarySample, Value};

/// The bits of the NaN Prometheus reads as "this series ended": a stale marker.
pub(crate) const STALE_NAN_BITS: u64 = 0x7ff0_0000_0000_0002;

/// What one series carries.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Point<'a> {
    /// A float value, with the exemplar of its counter or classic bucket.
    Sample(f64, Option<&'a Exemplar>),
    /// A native histogram.
    Native(&'a NativeSnapshot),
}

/// One series to send.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Series<'a> {
    /// The family it belongs to: its type, help and unit are the series' metadata.
    pub(crate) family: FamilyDesc<'a>,
    /// All its labels, `__name__` among them, sorted by name, each name once.
    pub(crate) labels: &'a [(&'a str, &'a str)],
    pub(crate) point: Point<'a>,
    /// When its counter or histogram started counting, Unix milliseconds (0: unknown).
    pub(crate) start_ms: i64,
}

/// What each series' point is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Points {
    /// The values gathered.
    Values,
    /// A stale marker for every series, native histograms included: they end at once.
    Stale,
}

/// Calls `f` with every series of `families`, in exposition order. Counters, gauges, info
/// and state sets are one sample each; classic buckets are the `_bucket` (cumulative, with
/// `le`), `_sum` and `_count` series; native buckets are one histogram under the family's
/// own name.
pub(crate) fn for_each_series(
    families: &MetricFamilies,
    external: &[(String, String)],
    points: Points,
    mut f: impl FnMut(Series<'_>),
) {
    for family in families.iter() {
        let desc = family.desc();
        for series in family.series() {
            let own: Vec<(Cow<'_, str>, Cow<'_, str>)> = series.labels().collect();
            let mut emit = |suffix: &str, extra: Option<(&str, &str)>, point, start: f64| {
                let name = format!("{}{suffix}", desc.name);
                let mut labels: Vec<(&str, &str)> = Vec::with_capacity(own.len() + 4);
                labels.push(("__name__", &name));
                labels.extend(own.iter().map(|(n, v)| (n.as_ref(), v.as_ref())));
                labels.extend(extra);
                for (n, v) in external {
                    if !labels.iter().any(|(have, _)| have == n) {
                        labels.push((n, v));
                    }
                }
                labels.sort_unstable_by(|a, b| a.0.cmp(b.0));
                let point = match points {
                    Points::Values => point,
                    Points::Stale => Point::Sample(f64::from_bits(STALE_NAN_BITS), None),
                };
                f(Series {
                    family: desc,
                    labels: &labels,
                    point,
                    start_ms: millis(start),
                });
            };
            match series.value() {
                Value::Counter(c) => emit(
                    "",
                    None,
                    Point::Sample(c.value(), c.exemplar),
                    c.created.unwrap_or(0.0),
                ),
                Value::Gauge(v) => emit("", None, Point::Sample(v, None), 0.0),
                Value::Info => emit("", None, Point::Sample(1.0, None), 0.0),
                Value::State { state, on } => {
                    let value = if on { 1.0 } else { 0.0 };
                    emit(
                        "",
                        Some((desc.name, state)),
                        Point::Sample(value, None),
                        0.0,
                    )
                }
                Value::Histogram(h) => {
                    if let Some(native) = h.native {
                        emit("", None, Point::Native(native), native.created);
                    }
                    if !h.native_only {
                        let mut cumulative = 0;
                        for (i, count) in h.counts.iter().enumerate() {
                            cumulative += count;
                            let le = Some(("le", h.bounds.le(i)));
                            let point = Point::Sample(cumulative as f64, h.exemplar(i));
                            emit("_bucket", le, point, h.created.unwrap_or(0.0));
                        }
                        emit(
                            "_sum",
                            None,
                            Point::Sample(h.sum, None),
                            h.created.unwrap_or(0.0),
                        );
                        let count = Point::Sample(h.count as f64, None);
                        emit("_count", None, count, h.created.unwrap_or(0.0));
                    }
                }
                Value::Summary(summary) => {
                    let start = summary.created.unwrap_or(0.0);
                    for &(q, value) in summary.quantiles {
                        // As the text format writes the label: `0.5`, `1`, `1e-7`.
                        let quantile = SummarySample::quantile_label(q);
                        let point = Point::Sample(value, None);
                        emit("", Some(("quantile", &quantile)), point, start);
                    }
                    emit("_sum", None, Point::Sample(summary.sum, None), start);
                    let count = Point::Sample(summary.count as f64, None);
                    emit("_count", None, count, start);
                }
                // A kind this client does not know yet: not sent rather than sent wrong.
                _ => {}
            }
        }
    }
}

/// When `exemplar` was recorded, Unix milliseconds; `write_ms` (the write's own timestamp)
/// if it has no time of its own: receivers need one.
pub(crate) fn exemplar_ms(exemplar: &Exemplar, write_ms: i64) -> i64 {
    match millis(exemplar.timestamp()) {
        0 => write_ms,
        at => at,
    }
}

/// Unix seconds as whole milliseconds, rounded down as the write's own timestamp is (so a
/// start is never after the sample it starts; 0 stays 0: unknown).
pub(crate) fn millis(seconds: f64) -> i64 {
    (seconds * 1000.0).floor() as i64
}

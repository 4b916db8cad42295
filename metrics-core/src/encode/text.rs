//! The Prometheus text format: version 0.0.4, and 1.0.0 (the same lines, with names in
//! double quotes where `escaping=allow-utf-8` keeps names the legacy rules refuse).
//!
//! Series lines are assembled from pre-encoded pieces (the family name, the registry's const
//! label block, the series' label block, the `le` text of each bucket), so encoding copies
//! bytes and formats numbers, and allocates nothing per series.

use crate::encode::lines::Lines;
use crate::encode::names::Names;
use crate::model::{
    BucketBounds, CounterSample, FamilyDesc, HistogramSample, MetricKind, Sink, SummarySample,
};

/// Writes the text format into a caller's buffer.
pub(crate) struct TextEncoder<'a> {
    lines: Lines<'a>,
}

impl<'a> TextEncoder<'a> {
    /// An encoder appending to `out`; `const_labels` is a label block added to every series,
    /// `names` how names are written.
    pub(crate) fn new(
        out: &'a mut Vec<u8>,
        const_labels: &'a str,
        names: Names,
    ) -> TextEncoder<'a> {
        TextEncoder {
            lines: Lines::new(out, const_labels, names),
        }
    }
}

impl Sink for TextEncoder<'_> {
    fn family(&mut self, desc: &FamilyDesc<'_>) {
        let (out, names) = (&mut *self.lines.out, self.lines.names);
        out.extend_from_slice(b"# HELP ");
        names.write_family(out, desc.name);
        out.push(b' ');
        escape_help(out, desc.help, false);
        out.extend_from_slice(b"\n# TYPE ");
        names.write_family(out, desc.name);
        out.push(b' ');
        // Text 0.0.4 knows neither info nor state sets: both are gauges there.
        let kind = match desc.kind {
            MetricKind::Info | MetricKind::StateSet => MetricKind::Gauge,
            kind => kind,
        };
        out.extend_from_slice(kind.as_str().as_bytes());
        out.push(b'\n');
    }

    fn counter(&mut self, name: &str, labels: &str, sample: &CounterSample<'_>) {
        self.lines.start(name, "", labels, None);
        self.lines.counter_value(sample);
        self.lines.out.push(b'\n');
    }

    fn gauge(&mut self, name: &str, labels: &str, value: f64) {
        self.lines.float(name, "", labels, value);
    }

    fn histogram(&mut self, name: &str, labels: &str, sample: &HistogramSample<'_>) {
        if sample.native_only {
            self.lines.out.extend_from_slice(
                b"# native histogram: its buckets are in the protobuf format only\n",
            );
        }
        self.lines
            .buckets(name, labels, sample, BucketBounds::le, |_, _| {});
        self.lines.float(name, "_sum", labels, sample.sum);
        self.lines.integer(name, "_count", labels, sample.count);
    }

    fn summary(&mut self, name: &str, labels: &str, sample: &SummarySample<'_>) {
        self.lines.quantiles(name, labels, sample.quantiles, false);
        self.lines.float(name, "_sum", labels, sample.sum);
        self.lines.integer(name, "_count", labels, sample.count);
    }

    fn info(&mut self, name: &str, labels: &str) {
        self.lines.integer(name, "", labels, 1);
    }

    fn state(&mut self, name: &str, labels: &str, state: &str, on: bool) {
        self.lines.state(name, labels, state, on);
    }

    fn wants_native(&self) -> bool {
        false
    }
}

/// HELP text: backslash and newline are escaped, and double quotes too for OpenMetrics.
pub(crate) fn escape_help(out: &mut Vec<u8>, help: &str, quotes: bool) {
    for &b in help.as_bytes() {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'"' if quotes => out.extend_from_slice(b"\\\""),
            _ => out.push(b),
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use proptest::prelude::*;

    use crate::naming::parse::samples;
    use crate::{Buckets, DynLabels, Family, Format, Gauge, Histogram, LintLevel, Opts, Registry};

    fn text(registry: &Registry) -> String {
        let mut out = Vec::new();
        registry.encode(Format::Text, &mut out);
        String::from_utf8(out).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any label value and help text come back intact through encoding and parsing.
        #[test]
        fn label_values_and_help_round_trip(value in any::<String>(), help in any::<String>()) {
            let registry = Registry::builder()
                .lint_level(LintLevel::Allow)
                .self_metrics(crate::SelfMetrics::Overflow)
                .build()
                .unwrap();
            let family: Family<DynLabels, Gauge> = registry
                .family(Opts::new("round_trip", help.clone()).labels(&["value", "other"]));
            family.with_label_values(&[&value, "x"]).set(1.5);
            let text = text(&registry);
            let help_line = text.lines().next().unwrap();
            let parsed_help = match crate::naming::parse::parse_line(help_line).unwrap() {
                crate::naming::parse::Line::Help { text, .. } => text,
                other => panic!("not a HELP line: {other:?}"),
            };
            prop_assert_eq!(parsed_help, help);
            let samples = samples(&text).unwrap();
            prop_assert_eq!(samples.len(), 1);
            prop_assert_eq!(
                &samples[0].labels,
                &vec![("value".to_string(), value), ("other".to_string(), "x".to_string())]
            );
            prop_assert_eq!(samples[0].value, 1.5);
        }

        /// Any finite or special value is written so that it parses back to itself.
        #[test]
        fn gauge_values_round_trip(v in any::<f64>()) {
            let registry = Registry::new();
            registry.gauge("value", "A value.").set(v);
            let parsed = samples(&text(&registry)).unwrap()[0].value;
            prop_assert!(parsed == v || (parsed.is_nan() && v.is_nan()));
        }
    }

    /// Threads observe and increment while another thread encodes in a loop: every encoded
    /// histogram is a consistent snapshot and the final totals are exact. Workers keep going
    /// until the scraper is done, so every scrape overlaps writes (and, in release builds,
    /// scrapes have to divert the tight-looping observers to finish).
    #[test]
    fn encoding_while_updating_sees_consistent_snapshots() {
        use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
        const THREADS: usize = 4;
        const SCRAPES: usize = 200;
        let registry = Registry::new();
        let histogram: Histogram =
            registry.histogram("work_seconds", "Work.", Buckets::new([1.0]).unwrap());
        let counter = registry.counter("work_total", "Work items.");
        let done = AtomicBool::new(false);
        let per_thread: Vec<(u64, u64)> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..THREADS)
                .map(|t| {
                    let (histogram, counter, done) = (histogram.clone(), counter.clone(), &done);
                    scope.spawn(move || {
                        let (mut ones, mut twos) = (0u64, 0u64);
                        let mut i = t;
                        while !done.load(Relaxed) || ones + twos < 1000 {
                            // 1.0 lands in the `le="1"` bucket, 2.0 in `+Inf` only.
                            if i % 3 == 0 {
                                histogram.observe(2.0);
                                twos += 1;
                            } else {
                                histogram.observe(1.0);
                                ones += 1;
                            }
                            counter.inc();
                            i += 1;
                        }
                        (ones, twos)
                    })
                })
                .collect();
            let mut last_count = 0.0;
            for _ in 0..SCRAPES {
                let samples = samples(&text(&registry)).unwrap();
                let get = |name: &str, le: Option<&str>| {
                    samples
                        .iter()
                        .find(|s| {
                            s.name == name
                                && le.is_none_or(|le| s.labels == [("le".into(), le.into())])
                        })
                        .unwrap()
                        .value
                };
                let le1 = get("work_seconds_bucket", Some("1"));
                let inf = get("work_seconds_bucket", Some("+Inf"));
                let (sum, count) = (
                    get("work_seconds_sum", None),
                    get("work_seconds_count", None),
                );
                assert!(le1 <= inf, "buckets are cumulative");
                assert_eq!(inf, count, "+Inf bucket equals the count");
                assert_eq!(
                    sum,
                    le1 * 1.0 + (inf - le1) * 2.0,
                    "sum of the same observations"
                );
                assert!(count >= last_count, "counts never go back");
                last_count = count;
            }
            done.store(true, Relaxed);
            workers.into_iter().map(|w| w.join().unwrap()).collect()
        });
        let ones: u64 = per_thread.iter().map(|(o, _)| o).sum();
        let twos: u64 = per_thread.iter().map(|(_, t)| t).sum();
        let snapshot = histogram.snapshot();
        assert_eq!(snapshot.counts(), &[ones, twos]);
        assert_eq!(snapshot.count(), ones + twos);
        assert_eq!(snapshot.sum(), ones as f64 + 2.0 * twos as f64);
        assert_eq!(counter.get(), (ones + twos) as f64);
    }
}

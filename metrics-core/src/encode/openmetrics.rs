//! OpenMetrics 1.0.0 text.
//!
//! The same pre-encoded pieces as the Prometheus text format, plus what OpenMetrics adds:
//! family names without `_total`/`_info`, `# UNIT`, `_created` series, exemplars after
//! ` # `, canonical `le` values (`1.0`), and `# EOF`.

use crate::encode::text::escape_help;
use crate::encode::{
    write_f64, write_series_start, write_timestamp, write_u64, CounterSample, Encoder, FamilyDesc,
};
use crate::label::escape_label_value;
use crate::lint::MetricKind;
use crate::metric::exemplar::Exemplar;
use crate::metric::histogram::Histogram;

/// Writes OpenMetrics 1.0.0 into a caller's buffer.
pub(crate) struct OpenMetricsEncoder<'a> {
    out: &'a mut Vec<u8>,
    const_labels: &'a str,
    counts: Vec<u64>,
    scratch: String,
}

impl<'a> OpenMetricsEncoder<'a> {
    /// An encoder appending to `out`; `const_labels` is a label block added to every series.
    pub(crate) fn new(out: &'a mut Vec<u8>, const_labels: &'a str) -> OpenMetricsEncoder<'a> {
        OpenMetricsEncoder {
            out,
            const_labels,
            counts: Vec::new(),
            scratch: String::new(),
        }
    }

    fn start(&mut self, name: &str, suffix: &str, labels: &str, extra: Option<(&str, &str)>) {
        write_series_start(self.out, name, suffix, self.const_labels, labels, extra);
    }

    /// ` # {labels} value timestamp`, after a sample value.
    fn exemplar(&mut self, exemplar: Option<&Exemplar>) {
        if let Some(e) = exemplar {
            self.out.extend_from_slice(b" # {");
            self.out.extend_from_slice(e.labels().as_bytes());
            self.out.extend_from_slice(b"} ");
            write_f64(self.out, e.value());
            self.out.push(b' ');
            write_timestamp(self.out, e.timestamp());
        }
    }

    fn created(&mut self, family: &str, labels: &str, created: f64) {
        self.start(family, "_created", labels, None);
        write_timestamp(self.out, created);
        self.out.push(b'\n');
    }
}

/// The family name OpenMetrics wants: without the `_total` of counters and the `_info` of
/// info families.
pub(crate) fn family_name(name: &str, kind: MetricKind) -> &str {
    match kind {
        MetricKind::Counter => name.strip_suffix("_total").unwrap_or(name),
        MetricKind::Info => name.strip_suffix("_info").unwrap_or(name),
        _ => name,
    }
}

impl Encoder for OpenMetricsEncoder<'_> {
    fn family(&mut self, desc: &FamilyDesc<'_>) {
        let family = family_name(desc.name, desc.kind);
        let out = &mut *self.out;
        out.extend_from_slice(b"# TYPE ");
        out.extend_from_slice(family.as_bytes());
        out.push(b' ');
        let kind = match desc.kind {
            MetricKind::Unknown => "unknown",
            kind => kind.as_str(),
        };
        out.extend_from_slice(kind.as_bytes());
        if let Some(unit) = desc.unit {
            out.extend_from_slice(b"\n# UNIT ");
            out.extend_from_slice(family.as_bytes());
            out.push(b' ');
            out.extend_from_slice(unit.as_bytes());
        }
        out.extend_from_slice(b"\n# HELP ");
        out.extend_from_slice(family.as_bytes());
        out.push(b' ');
        escape_help(out, desc.help, true);
        out.push(b'\n');
    }

    fn counter(&mut self, name: &str, labels: &str, sample: &CounterSample<'_>) {
        let family = family_name(name, MetricKind::Counter);
        self.start(family, "_total", labels, None);
        if sample.float == 0.0 {
            write_u64(self.out, sample.int);
        } else {
            write_f64(self.out, sample.value());
        }
        self.exemplar(sample.exemplar);
        self.out.push(b'\n');
        if let Some(created) = sample.created {
            self.created(family, labels, created);
        }
    }

    fn gauge(&mut self, name: &str, labels: &str, value: f64) {
        self.start(name, "", labels, None);
        write_f64(self.out, value);
        self.out.push(b'\n');
    }

    fn histogram(&mut self, name: &str, labels: &str, histogram: &Histogram) {
        let mut counts = std::mem::take(&mut self.counts);
        let (count, sum) = histogram.snapshot_into(&mut counts);
        let mut cumulative = 0;
        for (i, c) in counts.iter().enumerate() {
            cumulative += c;
            self.start(
                name,
                "_bucket",
                labels,
                Some(("le", histogram.buckets().le_canonical(i))),
            );
            write_u64(self.out, cumulative);
            histogram.with_exemplar(i, |e| self.exemplar(e));
            self.out.push(b'\n');
        }
        self.start(name, "_count", labels, None);
        write_u64(self.out, count);
        self.out.push(b'\n');
        self.start(name, "_sum", labels, None);
        write_f64(self.out, sum);
        self.out.push(b'\n');
        self.created(name, labels, histogram.created());
        self.counts = counts;
    }

    fn info(&mut self, name: &str, labels: &str) {
        self.start(family_name(name, MetricKind::Info), "_info", labels, None);
        self.out.extend_from_slice(b"1\n");
    }

    fn state(&mut self, name: &str, labels: &str, state: &str, on: bool) {
        let mut escaped = std::mem::take(&mut self.scratch);
        escaped.clear();
        escape_label_value(&mut escaped, state);
        self.start(name, "", labels, Some((name, &escaped)));
        self.out.extend_from_slice(if on { b"1\n" } else { b"0\n" });
        self.scratch = escaped;
    }

    fn finish(&mut self) {
        self.out.extend_from_slice(b"# EOF\n");
    }
}

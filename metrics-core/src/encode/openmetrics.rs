//! OpenMetrics 1.0.0 text.
//!
//! The same pre-encoded pieces as the Prometheus text format, plus what OpenMetrics adds:
//! family names without `_total`/`_info`, `# UNIT`, `_created` series, exemplars after
//! ` # `, canonical `le` values (`1.0`), and `# EOF`.

use crate::encode::lines::Lines;
use crate::encode::names::Names;
use crate::encode::text::escape_help;
use crate::model::{
    BucketBounds, CounterSample, Exemplar, FamilyDesc, HistogramSample, MetricKind, Sink,
    SummarySample,
};
use crate::runtime::float::{write_f64, write_timestamp};

/// Writes OpenMetrics 1.0.0 into a caller's buffer.
pub(crate) struct OpenMetricsEncoder<'a> {
    lines: Lines<'a>,
    /// Whether `_created` lines are written.
    created: bool,
}

impl<'a> OpenMetricsEncoder<'a> {
    /// An encoder appending to `out`; `const_labels` is a label block added to every series,
    /// `names` how names are written, `created` whether `_created` lines are.
    pub(crate) fn new(
        out: &'a mut Vec<u8>,
        const_labels: &'a str,
        names: Names,
        created: bool,
    ) -> OpenMetricsEncoder<'a> {
        OpenMetricsEncoder {
            lines: Lines::new(out, const_labels, names),
            created,
        }
    }

    fn created(&mut self, family: &str, labels: &str, created: f64) {
        if !self.created {
            return;
        }
        self.lines.start(family, "_created", labels, None);
        write_timestamp(self.lines.out, created);
        self.lines.out.push(b'\n');
    }
}

/// ` # {labels} value timestamp`, after a sample value.
fn exemplar(out: &mut Vec<u8>, exemplar: Option<&Exemplar>) {
    if let Some(e) = exemplar {
        out.extend_from_slice(b" # {");
        out.extend_from_slice(e.label_block().as_bytes());
        out.extend_from_slice(b"} ");
        write_f64(out, e.value());
        out.push(b' ');
        write_timestamp(out, e.timestamp());
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

impl Sink for OpenMetricsEncoder<'_> {
    fn family(&mut self, desc: &FamilyDesc<'_>) {
        let family = family_name(desc.name, desc.kind);
        let (out, names) = (&mut *self.lines.out, self.lines.names);
        out.extend_from_slice(b"# TYPE ");
        names.write_family(out, family);
        out.push(b' ');
        let kind = match desc.kind {
            MetricKind::Unknown => "unknown",
            kind => kind.as_str(),
        };
        out.extend_from_slice(kind.as_bytes());
        // OpenMetrics wants the unit to end the name; a name the legacy rules refuse need not
        // (see `Registry::builder().name_validation`), and keeps its unit for protobuf only.
        let written = names.family(family);
        if let Some(unit) = desc.unit.filter(|u| {
            written
                .strip_suffix(u)
                .is_some_and(|rest| rest.ends_with('_'))
        }) {
            out.extend_from_slice(b"\n# UNIT ");
            names.write_family(out, family);
            out.push(b' ');
            out.extend_from_slice(unit.as_bytes());
        }
        out.extend_from_slice(b"\n# HELP ");
        names.write_family(out, family);
        out.push(b' ');
        escape_help(out, desc.help, true);
        out.push(b'\n');
    }

    fn counter(&mut self, name: &str, labels: &str, sample: &CounterSample<'_>) {
        let family = family_name(name, MetricKind::Counter);
        self.lines.start(family, "_total", labels, None);
        self.lines.counter_value(sample);
        exemplar(self.lines.out, sample.exemplar);
        self.lines.out.push(b'\n');
        if let Some(created) = sample.created {
            self.created(family, labels, created);
        }
    }

    fn gauge(&mut self, name: &str, labels: &str, value: f64) {
        self.lines.float(name, "", labels, value);
    }

    fn histogram(&mut self, name: &str, labels: &str, sample: &HistogramSample<'_>) {
        self.lines.buckets(
            name,
            labels,
            sample,
            BucketBounds::le_canonical,
            |lines, i| exemplar(lines.out, sample.exemplar(i)),
        );
        self.lines.integer(name, "_count", labels, sample.count);
        self.lines.float(name, "_sum", labels, sample.sum);
        if let Some(created) = sample.created {
            self.created(name, labels, created);
        }
    }

    fn summary(&mut self, name: &str, labels: &str, sample: &SummarySample<'_>) {
        self.lines.quantiles(name, labels, sample.quantiles, true);
        self.lines.integer(name, "_count", labels, sample.count);
        self.lines.float(name, "_sum", labels, sample.sum);
        if let Some(created) = sample.created {
            self.created(name, labels, created);
        }
    }

    fn info(&mut self, name: &str, labels: &str) {
        self.lines
            .integer(family_name(name, MetricKind::Info), "_info", labels, 1);
    }

    fn state(&mut self, name: &str, labels: &str, state: &str, on: bool) {
        self.lines.state(name, labels, state, on);
    }

    fn wants_native(&self) -> bool {
        false
    }

    fn finish(&mut self) {
        self.lines.out.extend_from_slice(b"# EOF\n");
    }
}

//! Writing sample lines, shared by the two text formats: each line is assembled from
//! pre-encoded pieces (the family name, the registry's const label block, the series' label
//! block, the `le` text of each bucket) and formatted numbers, with no allocation per series.

use crate::encode::names::Names;
use crate::label::escape_label_value;
use crate::model::{BucketBounds, CounterSample, HistogramSample};
use crate::runtime::float::{write_f64, write_u64};

pub(crate) struct Lines<'a> {
    pub(crate) out: &'a mut Vec<u8>,
    const_labels: &'a str,
    pub(crate) names: Names,
    scratch: String,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(out: &'a mut Vec<u8>, const_labels: &'a str, names: Names) -> Lines<'a> {
        Lines {
            out,
            const_labels,
            names,
            scratch: String::new(),
        }
    }

    /// `name_suffix{const,labels,extra} `, up to the value.
    pub(crate) fn start(
        &mut self,
        name: &str,
        suffix: &str,
        labels: &str,
        extra: Option<(&str, &str)>,
    ) {
        self.names
            .series_start(self.out, name, suffix, self.const_labels, labels, extra);
    }

    /// A whole line with a float value.
    pub(crate) fn float(&mut self, name: &str, suffix: &str, labels: &str, value: f64) {
        self.start(name, suffix, labels, None);
        write_f64(self.out, value);
        self.out.push(b'\n');
    }

    /// A whole line with an integer value.
    pub(crate) fn integer(&mut self, name: &str, suffix: &str, labels: &str, value: u64) {
        self.start(name, suffix, labels, None);
        write_u64(self.out, value);
        self.out.push(b'\n');
    }

    /// A counter's value: exact integer unless fractional increments were made.
    pub(crate) fn counter_value(&mut self, sample: &CounterSample<'_>) {
        if sample.float == 0.0 {
            write_u64(self.out, sample.int);
        } else {
            write_f64(self.out, sample.value());
        }
    }

    /// The cumulative `_bucket` lines of a histogram, each `le` text from `le`, and `after`
    /// called after each value (for exemplars).
    pub(crate) fn buckets(
        &mut self,
        name: &str,
        labels: &str,
        sample: &HistogramSample<'_>,
        le: fn(&BucketBounds, usize) -> &str,
        mut after: impl FnMut(&mut Self, usize),
    ) {
        let mut cumulative = 0;
        for (i, c) in sample.counts.iter().enumerate() {
            cumulative += c;
            self.start(name, "_bucket", labels, Some(("le", le(sample.bounds, i))));
            write_u64(self.out, cumulative);
            after(self, i);
            self.out.push(b'\n');
        }
    }

    /// The `{quantile="q"}` lines of a summary; `canonical` writes `1.0` rather than `1`, as
    /// OpenMetrics wants its numbers in label values.
    pub(crate) fn quantiles(
        &mut self,
        name: &str,
        labels: &str,
        quantiles: &[(f64, f64)],
        canonical: bool,
    ) {
        let mut text = std::mem::take(&mut self.scratch).into_bytes();
        for &(quantile, value) in quantiles {
            text.clear();
            write_f64(&mut text, quantile);
            if canonical && text.iter().all(u8::is_ascii_digit) {
                text.extend_from_slice(b".0");
            }
            let q = std::str::from_utf8(&text).unwrap_or("NaN");
            self.names.series_start(
                self.out,
                name,
                "",
                self.const_labels,
                labels,
                Some(("quantile", q)),
            );
            write_f64(self.out, value);
            self.out.push(b'\n');
        }
        text.clear();
        self.scratch = String::from_utf8(text).unwrap_or_default();
    }

    /// One state of a state set: labelled with the family's own name, 1 or 0.
    pub(crate) fn state(&mut self, name: &str, labels: &str, state: &str, on: bool) {
        let mut escaped = std::mem::take(&mut self.scratch);
        escaped.clear();
        escape_label_value(&mut escaped, state);
        self.start(name, "", labels, Some((name, &escaped)));
        self.out.extend_from_slice(if on { b"1\n" } else { b"0\n" });
        self.scratch = escaped;
    }
}

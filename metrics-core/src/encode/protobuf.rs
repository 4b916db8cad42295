//! Length-delimited protobuf `io.prometheus.client.MetricFamily` messages, the format
//! Prometheus asks for first when native histograms are enabled.
//!
//! Written by hand: the schema is a handful of messages, and writing the wire format straight
//! into the output buffer costs no allocation per series and no protobuf runtime for users.
//! A nested message reserves one byte for its length and patches it when it ends, shifting
//! the body in the rare case the length needs more bytes. Tests decode the output with `prost`
//! against the schema.

use crate::encode::names::Names;
use crate::model::{
    CounterSample, Exemplar, FamilyDesc, HistogramSample, LabelPairs, MetricKind, NativeSnapshot,
    Sink, SummarySample,
};

// Field numbers of `metrics.proto`.
const FAMILY_NAME: u32 = 1;
const FAMILY_HELP: u32 = 2;
const FAMILY_TYPE: u32 = 3;
const FAMILY_METRIC: u32 = 4;
const FAMILY_UNIT: u32 = 5;
const METRIC_LABEL: u32 = 1;
const METRIC_GAUGE: u32 = 2;
const METRIC_COUNTER: u32 = 3;
const METRIC_SUMMARY: u32 = 4;
const METRIC_HISTOGRAM: u32 = 7;
const LABEL_NAME: u32 = 1;
const LABEL_VALUE: u32 = 2;
const VALUE: u32 = 1;
const COUNTER_EXEMPLAR: u32 = 2;
const COUNTER_CREATED: u32 = 3;
const SUMMARY_COUNT: u32 = 1;
const SUMMARY_SUM: u32 = 2;
const SUMMARY_QUANTILE: u32 = 3;
const SUMMARY_CREATED: u32 = 4;
const QUANTILE_QUANTILE: u32 = 1;
const QUANTILE_VALUE: u32 = 2;
const HISTOGRAM_COUNT: u32 = 1;
const HISTOGRAM_SUM: u32 = 2;
const HISTOGRAM_BUCKET: u32 = 3;
const HISTOGRAM_SCHEMA: u32 = 5;
const HISTOGRAM_ZERO_THRESHOLD: u32 = 6;
const HISTOGRAM_ZERO_COUNT: u32 = 7;
const HISTOGRAM_NEGATIVE_SPAN: u32 = 9;
const HISTOGRAM_NEGATIVE_DELTA: u32 = 10;
const HISTOGRAM_POSITIVE_SPAN: u32 = 12;
const HISTOGRAM_POSITIVE_DELTA: u32 = 13;
const HISTOGRAM_CREATED: u32 = 15;
const HISTOGRAM_EXEMPLARS: u32 = 16;
const SPAN_OFFSET: u32 = 1;
const SPAN_LENGTH: u32 = 2;
const BUCKET_CUMULATIVE: u32 = 1;
const BUCKET_UPPER_BOUND: u32 = 2;
const BUCKET_EXEMPLAR: u32 = 3;
const EXEMPLAR_LABEL: u32 = 1;
const EXEMPLAR_VALUE: u32 = 2;
const EXEMPLAR_TIMESTAMP: u32 = 3;
const TIMESTAMP_SECONDS: u32 = 1;
const TIMESTAMP_NANOS: u32 = 2;

// `MetricType` values.
const TYPE_COUNTER: u64 = 0;
const TYPE_GAUGE: u64 = 1;
const TYPE_SUMMARY: u64 = 2;
const TYPE_UNTYPED: u64 = 3;
const TYPE_HISTOGRAM: u64 = 4;

const VARINT: u32 = 0;
const FIXED64: u32 = 1;
const LEN: u32 = 2;

/// Writes delimited `MetricFamily` messages into a caller's buffer.
pub(crate) struct ProtobufEncoder<'a> {
    out: &'a mut Vec<u8>,
    const_labels: &'a str,
    names: Names,
    /// Where the body of the open family starts.
    family: Option<usize>,
}

impl<'a> ProtobufEncoder<'a> {
    /// An encoder appending to `out`; `const_labels` is a label block added to every series,
    /// `names` how names are written.
    pub(crate) fn new(
        out: &'a mut Vec<u8>,
        const_labels: &'a str,
        names: Names,
    ) -> ProtobufEncoder<'a> {
        ProtobufEncoder {
            out,
            const_labels,
            names,
            family: None,
        }
    }

    fn close_family(&mut self) {
        if let Some(start) = self.family.take() {
            end(self.out, start);
        }
    }

    /// Starts a `Metric` with its label pairs (const labels, the series', then `extra`).
    fn metric(&mut self, labels: &str, extra: Option<(&str, &str)>) -> usize {
        let metric = begin(self.out, FAMILY_METRIC);
        for block in [self.const_labels, labels] {
            for (name, value) in LabelPairs::new(block) {
                label_pair(self.out, METRIC_LABEL, &self.names.label(&name), &value);
            }
        }
        if let Some((name, value)) = extra {
            label_pair(self.out, METRIC_LABEL, &self.names.label(name), value);
        }
        metric
    }

    fn gauge_metric(&mut self, labels: &str, extra: Option<(&str, &str)>, value: f64) {
        let metric = self.metric(labels, extra);
        let gauge = begin(self.out, METRIC_GAUGE);
        double(self.out, VALUE, value);
        end(self.out, gauge);
        end(self.out, metric);
    }
}

impl Sink for ProtobufEncoder<'_> {
    fn family(&mut self, desc: &FamilyDesc<'_>) {
        self.close_family();
        self.out.push(0);
        self.family = Some(self.out.len());
        string(self.out, FAMILY_NAME, &self.names.family(desc.name));
        string(self.out, FAMILY_HELP, desc.help);
        let kind = match desc.kind {
            MetricKind::Counter => TYPE_COUNTER,
            MetricKind::Histogram => TYPE_HISTOGRAM,
            MetricKind::Summary => TYPE_SUMMARY,
            MetricKind::Unknown => TYPE_UNTYPED,
            // The protobuf format has no info or state set: both are gauges there.
            MetricKind::Gauge | MetricKind::Info | MetricKind::StateSet => TYPE_GAUGE,
        };
        varint_field(self.out, FAMILY_TYPE, kind);
        if let Some(unit) = desc.unit {
            string(self.out, FAMILY_UNIT, unit);
        }
    }

    fn counter(&mut self, _: &str, labels: &str, sample: &CounterSample<'_>) {
        let metric = self.metric(labels, None);
        let counter = begin(self.out, METRIC_COUNTER);
        double(self.out, VALUE, sample.value());
        if let Some(e) = sample.exemplar {
            exemplar(self.out, COUNTER_EXEMPLAR, e);
        }
        if let Some(created) = sample.created {
            timestamp(self.out, COUNTER_CREATED, created);
        }
        end(self.out, counter);
        end(self.out, metric);
    }

    fn gauge(&mut self, _: &str, labels: &str, value: f64) {
        self.gauge_metric(labels, None, value);
    }

    fn histogram(&mut self, _: &str, labels: &str, h: &HistogramSample<'_>) {
        // The classic reading's count and sum, which its buckets add up to. A scrape reads
        // the native part first and observers write it last, so the native buckets never
        // hold more than this count (Prometheus takes a count above the buckets' total, as
        // for NaN observations; never one below).
        let (count, sum) = (h.count, h.sum);
        let metric = self.metric(labels, None);
        let histogram = begin(self.out, METRIC_HISTOGRAM);
        varint_field(self.out, HISTOGRAM_COUNT, count);
        double(self.out, HISTOGRAM_SUM, sum);
        if let Some(native) = h.native {
            native_buckets(self.out, native);
        }
        // A native-only histogram's one count stands for its classic view: not sent.
        let classic = if h.native_only { &[][..] } else { h.counts };
        let mut cumulative = 0;
        for (i, c) in classic.iter().enumerate() {
            cumulative += c;
            let bucket = begin(self.out, HISTOGRAM_BUCKET);
            varint_field(self.out, BUCKET_CUMULATIVE, cumulative);
            double(self.out, BUCKET_UPPER_BOUND, h.bounds.upper_bound(i));
            if let Some(e) = h.exemplar(i) {
                exemplar(self.out, BUCKET_EXEMPLAR, e);
            }
            end(self.out, bucket);
        }
        if let Some(created) = h.created {
            timestamp(self.out, HISTOGRAM_CREATED, created);
        }
        if h.native.is_some() {
            // Native histograms carry their exemplars beside the buckets (all timestamped).
            for e in h.exemplars.iter().flatten() {
                exemplar(self.out, HISTOGRAM_EXEMPLARS, e);
            }
        }
        end(self.out, histogram);
        end(self.out, metric);
    }

    fn summary(&mut self, _: &str, labels: &str, sample: &SummarySample<'_>) {
        let metric = self.metric(labels, None);
        let summary = begin(self.out, METRIC_SUMMARY);
        varint_field(self.out, SUMMARY_COUNT, sample.count);
        double(self.out, SUMMARY_SUM, sample.sum);
        for &(q, value) in sample.quantiles {
            let quantile = begin(self.out, SUMMARY_QUANTILE);
            double(self.out, QUANTILE_QUANTILE, q);
            double(self.out, QUANTILE_VALUE, value);
            end(self.out, quantile);
        }
        if let Some(created) = sample.created {
            timestamp(self.out, SUMMARY_CREATED, created);
        }
        end(self.out, summary);
        end(self.out, metric);
    }

    fn info(&mut self, _: &str, labels: &str) {
        self.gauge_metric(labels, None, 1.0);
    }

    fn state(&mut self, name: &str, labels: &str, state: &str, on: bool) {
        self.gauge_metric(labels, Some((name, state)), if on { 1.0 } else { 0.0 });
    }

    fn finish(&mut self) {
        self.close_family();
    }
}

/// The native part of a `Histogram` message: schema, zero bucket, and per sign the spans of
/// consecutive buckets with the counts as deltas from the previous bucket's.
fn native_buckets(out: &mut Vec<u8>, native: &NativeSnapshot) {
    varint_field(out, HISTOGRAM_SCHEMA, zigzag(i64::from(native.schema)));
    double(out, HISTOGRAM_ZERO_THRESHOLD, native.zero_threshold);
    varint_field(out, HISTOGRAM_ZERO_COUNT, native.zero_count);
    let sides = [
        (
            &native.negative,
            HISTOGRAM_NEGATIVE_SPAN,
            HISTOGRAM_NEGATIVE_DELTA,
        ),
        (
            &native.positive,
            HISTOGRAM_POSITIVE_SPAN,
            HISTOGRAM_POSITIVE_DELTA,
        ),
    ];
    for (buckets, span_field, delta_field) in sides {
        for (offset, length) in crate::model::spans(buckets) {
            let span = begin(out, span_field);
            varint_field(out, SPAN_OFFSET, zigzag(i64::from(offset)));
            varint_field(out, SPAN_LENGTH, u64::from(length));
            end(out, span);
        }
        if !buckets.is_empty() {
            let deltas = begin(out, delta_field);
            let mut previous = 0i64;
            for &(_, n) in buckets {
                varint(out, zigzag(n as i64 - previous));
                previous = n as i64;
            }
            end(out, deltas);
        }
    }
    if native.positive.is_empty() && native.negative.is_empty() && native.zero_threshold == 0.0 {
        // With no bucket and no zero threshold, a scraper could take it for a classic
        // histogram: an empty span says it is native.
        let span = begin(out, HISTOGRAM_POSITIVE_SPAN);
        end(out, span);
    }
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn exemplar(out: &mut Vec<u8>, field: u32, e: &Exemplar) {
    let start = begin(out, field);
    for (name, value) in e.labels() {
        label_pair(out, EXEMPLAR_LABEL, &name, &value);
    }
    double(out, EXEMPLAR_VALUE, e.value());
    timestamp(out, EXEMPLAR_TIMESTAMP, e.timestamp());
    end(out, start);
}

fn label_pair(out: &mut Vec<u8>, field: u32, name: &str, value: &str) {
    let start = begin(out, field);
    string(out, LABEL_NAME, name);
    string(out, LABEL_VALUE, value);
    end(out, start);
}

/// A `google.protobuf.Timestamp` from Unix seconds.
fn timestamp(out: &mut Vec<u8>, field: u32, seconds: f64) {
    let start = begin(out, field);
    let whole = seconds.floor();
    varint_field(out, TIMESTAMP_SECONDS, whole as i64 as u64);
    let nanos = ((seconds - whole) * 1e9).round().min(999_999_999.0) as u64;
    if nanos != 0 {
        varint_field(out, TIMESTAMP_NANOS, nanos);
    }
    end(out, start);
}

#[inline]
fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[inline]
fn tag(out: &mut Vec<u8>, field: u32, wire: u32) {
    varint(out, u64::from(field << 3 | wire));
}

#[inline]
fn varint_field(out: &mut Vec<u8>, field: u32, v: u64) {
    tag(out, field, VARINT);
    varint(out, v);
}

#[inline]
fn double(out: &mut Vec<u8>, field: u32, v: f64) {
    tag(out, field, FIXED64);
    out.extend_from_slice(&v.to_le_bytes());
}

#[inline]
fn string(out: &mut Vec<u8>, field: u32, s: &str) {
    tag(out, field, LEN);
    varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

/// Starts a length-delimited field; returns where its body starts.
#[inline]
fn begin(out: &mut Vec<u8>, field: u32) -> usize {
    tag(out, field, LEN);
    out.push(0);
    out.len()
}

/// Ends the field whose body starts at `start`: writes the length in the byte reserved
/// before it, shifting the body when the length needs more than one byte.
#[inline]
fn end(out: &mut Vec<u8>, start: usize) {
    let len = out.len() - start;
    if len < 0x80 {
        out[start - 1] = len as u8;
    } else {
        let mut prefix = Vec::with_capacity(10);
        varint(&mut prefix, len as u64);
        out[start - 1] = prefix[0];
        out.splice(start..start, prefix[1..].iter().copied());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_of_every_size_are_patched() {
        for len in [0usize, 1, 127, 128, 300, 16_383, 16_384, 70_000] {
            let mut out = Vec::new();
            let start = begin(&mut out, 4);
            out.extend(std::iter::repeat_n(7u8, len));
            end(&mut out, start);
            let mut expected = Vec::new();
            tag(&mut expected, 4, LEN);
            varint(&mut expected, len as u64);
            expected.extend(std::iter::repeat_n(7u8, len));
            assert_eq!(out, expected, "length {len}");
        }
    }
}

/// Our output decoded with `prost` against the `io.prometheus.client` schema, and compared
/// sample by sample with the text format of the same registry.
#[cfg(all(test, not(loom)))]
mod schema_tests {
    use prost::Message;

    use crate::naming::parse::samples;
    use crate::runtime::float::write_f64;
    use crate::{Buckets, Counter, DynLabels, Family, Format, Gauge, Histogram, Opts, Registry};

    #[derive(Clone, PartialEq, Message)]
    struct MetricFamily {
        #[prost(string, optional, tag = "1")]
        name: Option<String>,
        #[prost(string, optional, tag = "2")]
        help: Option<String>,
        #[prost(int32, optional, tag = "3")]
        r#type: Option<i32>,
        #[prost(message, repeated, tag = "4")]
        metric: Vec<Metric>,
    }
    #[derive(Clone, PartialEq, Message)]
    struct Metric {
        #[prost(message, repeated, tag = "1")]
        label: Vec<LabelPair>,
        #[prost(message, optional, tag = "2")]
        gauge: Option<Value>,
        #[prost(message, optional, tag = "3")]
        counter: Option<CounterMessage>,
        #[prost(message, optional, tag = "7")]
        histogram: Option<HistogramMessage>,
    }
    #[derive(Clone, PartialEq, Message)]
    struct LabelPair {
        #[prost(string, optional, tag = "1")]
        name: Option<String>,
        #[prost(string, optional, tag = "2")]
        value: Option<String>,
    }
    #[derive(Clone, PartialEq, Message)]
    struct Value {
        #[prost(double, optional, tag = "1")]
        value: Option<f64>,
    }
    #[derive(Clone, PartialEq, Message)]
    struct CounterMessage {
        #[prost(double, optional, tag = "1")]
        value: Option<f64>,
        #[prost(message, optional, tag = "2")]
        exemplar: Option<ExemplarMessage>,
        #[prost(message, optional, tag = "3")]
        created_timestamp: Option<Timestamp>,
    }
    #[derive(Clone, PartialEq, Message)]
    struct HistogramMessage {
        #[prost(uint64, optional, tag = "1")]
        sample_count: Option<u64>,
        #[prost(double, optional, tag = "2")]
        sample_sum: Option<f64>,
        #[prost(message, repeated, tag = "3")]
        bucket: Vec<Bucket>,
        #[prost(sint32, optional, tag = "5")]
        schema: Option<i32>,
        #[prost(double, optional, tag = "6")]
        zero_threshold: Option<f64>,
        #[prost(uint64, optional, tag = "7")]
        zero_count: Option<u64>,
        #[prost(message, repeated, tag = "9")]
        negative_span: Vec<Span>,
        #[prost(sint64, repeated, tag = "10")]
        negative_delta: Vec<i64>,
        #[prost(message, repeated, tag = "12")]
        positive_span: Vec<Span>,
        #[prost(sint64, repeated, tag = "13")]
        positive_delta: Vec<i64>,
        #[prost(message, optional, tag = "15")]
        created_timestamp: Option<Timestamp>,
        #[prost(message, repeated, tag = "16")]
        exemplars: Vec<ExemplarMessage>,
    }
    #[derive(Clone, PartialEq, Message)]
    struct Span {
        #[prost(sint32, optional, tag = "1")]
        offset: Option<i32>,
        #[prost(uint32, optional, tag = "2")]
        length: Option<u32>,
    }

    /// Buckets back from spans and deltas: (index, count).
    fn expand(spans: &[Span], deltas: &[i64]) -> Vec<(i32, u64)> {
        let mut out = Vec::new();
        let (mut next, mut count, mut d) = (0i32, 0i64, 0);
        for (n, span) in spans.iter().enumerate() {
            let offset = span.offset.unwrap_or(0);
            let start = if n == 0 { offset } else { next + offset };
            let length = span.length.unwrap_or(0) as i32;
            for index in start..start + length {
                count += deltas[d];
                d += 1;
                out.push((index, count as u64));
            }
            next = start + length;
        }
        out
    }

    #[test]
    fn native_buckets_decode_to_what_was_observed() {
        use crate::NativeBuckets;
        let registry = Registry::new();
        let both = Buckets::new([1.0])
            .unwrap()
            .native(NativeBuckets::with_schema(0).unwrap());
        let h = registry.histogram("both_seconds", "Both.", both);
        for v in [0.0, 0.3, 0.75, 1.0, 3.0, 3.5, 100.0, -2.0] {
            h.observe(v);
        }
        let only = registry.histogram(
            "native_seconds",
            "Native only.",
            Buckets::native_only(NativeBuckets::new(1.1).unwrap()),
        );
        only.observe(1.0);
        only.observe_with_exemplar(1.5, &[("trace_id", "abc")])
            .unwrap();
        let mut out = Vec::new();
        registry.encode(Format::Protobuf, &mut out);
        let families = decode(&out);
        let both = families[0].metric[0].histogram.clone().unwrap();
        assert_eq!(
            (both.sample_count, both.schema, both.zero_count),
            (Some(8), Some(0), Some(1))
        );
        assert_eq!(
            both.sample_sum,
            Some(0.3 + 0.75 + 1.0 + 3.0 + 3.5 + 100.0 - 2.0)
        );
        // 0.3 in (1/4, 1/2] = -1; 0.75 and 1.0 in (1/2, 1] = 0; 3.0, 3.5 in (2, 4] = 2;
        // 100 in (64, 128] = 7.
        assert_eq!(
            expand(&both.positive_span, &both.positive_delta),
            vec![(-1, 1), (0, 2), (2, 2), (7, 1)]
        );
        assert_eq!(
            expand(&both.negative_span, &both.negative_delta),
            vec![(1, 1)]
        );
        let spans: Vec<_> = both
            .positive_span
            .iter()
            .map(|s| (s.offset.unwrap(), s.length.unwrap()))
            .collect();
        assert_eq!(spans, vec![(-1, 2), (1, 1), (4, 1)]);
        assert_eq!(both.positive_delta, vec![1, 1, 0, -1]);
        // The classic buckets are there too.
        assert_eq!(
            both.bucket[0].cumulative_count,
            Some(5),
            "0, 0.3, 0.75, 1 and -2"
        );

        let only = families[1].metric[0].histogram.clone().unwrap();
        assert_eq!((only.schema, only.sample_count), (Some(3), Some(2)));
        // 1.5 at schema 3: 2^(4/8) = 1.414 < 1.5 <= 2^(5/8) = 1.542.
        assert_eq!(
            expand(&only.positive_span, &only.positive_delta),
            vec![(0, 1), (5, 1)]
        );
        let exemplar = &only.exemplars[0];
        assert_eq!(exemplar.value, Some(1.5));
        assert_eq!(exemplar.label[0].value.as_deref(), Some("abc"));
        assert!(exemplar.timestamp.is_some());
        assert!(both.exemplars.is_empty());
        assert!(only.bucket.is_empty(), "no classic buckets at all");
    }
    #[derive(Clone, PartialEq, Message)]
    struct Bucket {
        #[prost(uint64, optional, tag = "1")]
        cumulative_count: Option<u64>,
        #[prost(double, optional, tag = "2")]
        upper_bound: Option<f64>,
        #[prost(message, optional, tag = "3")]
        exemplar: Option<ExemplarMessage>,
    }
    #[derive(Clone, PartialEq, Message)]
    struct ExemplarMessage {
        #[prost(message, repeated, tag = "1")]
        label: Vec<LabelPair>,
        #[prost(double, optional, tag = "2")]
        value: Option<f64>,
        #[prost(message, optional, tag = "3")]
        timestamp: Option<Timestamp>,
    }
    #[derive(Clone, PartialEq, Message)]
    struct Timestamp {
        #[prost(int64, optional, tag = "1")]
        seconds: Option<i64>,
        #[prost(int32, optional, tag = "2")]
        nanos: Option<i32>,
    }

    fn decode(mut bytes: &[u8]) -> Vec<MetricFamily> {
        let mut families = Vec::new();
        while !bytes.is_empty() {
            families.push(MetricFamily::decode_length_delimited(&mut bytes).unwrap());
        }
        families
    }

    type Sample = (String, Vec<(String, String)>, String);

    /// The samples a family stands for, as the text format writes them.
    fn flatten(families: &[MetricFamily]) -> Vec<Sample> {
        let mut out = Vec::new();
        let number = |v: f64| {
            let mut text = Vec::new();
            write_f64(&mut text, v);
            String::from_utf8(text).unwrap()
        };
        for family in families {
            let name = family.name.clone().unwrap();
            for metric in &family.metric {
                let mut labels: Vec<(String, String)> = metric
                    .label
                    .iter()
                    .map(|l| (l.name.clone().unwrap(), l.value.clone().unwrap()))
                    .collect();
                if let Some(g) = &metric.gauge {
                    out.push((name.clone(), labels.clone(), number(g.value.unwrap())));
                }
                if let Some(c) = &metric.counter {
                    out.push((name.clone(), labels.clone(), number(c.value.unwrap())));
                }
                if let Some(h) = &metric.histogram {
                    for b in &h.bucket {
                        let mut with_le = labels.clone();
                        with_le.push(("le".into(), number(b.upper_bound.unwrap())));
                        let count = b.cumulative_count.unwrap() as f64;
                        out.push((format!("{name}_bucket"), with_le, number(count)));
                    }
                    out.push((
                        format!("{name}_sum"),
                        labels.clone(),
                        number(h.sample_sum.unwrap()),
                    ));
                    let count = h.sample_count.unwrap() as f64;
                    out.push((format!("{name}_count"), labels.clone(), number(count)));
                }
                labels.clear();
            }
        }
        out.sort();
        out
    }

    #[test]
    fn protobuf_and_text_carry_the_same_samples() {
        let registry = Registry::builder()
            .const_label("env", "prod")
            .build()
            .unwrap();
        let requests: Family<DynLabels, Counter> = registry
            .family(Opts::new("http_requests_total", "Requests.").labels(&["path", "code"]));
        requests
            .with_label_values(&["/a\"b\\c\nd", "200"])
            .inc_by(7);
        requests.with_label_values(&["/ü", "500"]).inc_by_f64(0.5);
        let latency: Family<DynLabels, Histogram> = registry.family_with(
            Opts::new("latency_seconds", "Latency.").labels(&["path"]),
            Buckets::new([0.1, 1.0]).unwrap(),
        );
        latency.with_label_values(&["/x"]).observe(0.05);
        latency
            .with_label_values(&["/x"])
            .observe_with_exemplar(0.7, &[("trace_id", "t1")])
            .unwrap();
        let gauges: Family<DynLabels, Gauge> =
            registry.family(Opts::new("temperature_celsius", "Temp.").labels(&["room"]));
        gauges.with_label_values(&["a"]).set(-1.5e-7);
        gauges.with_label_values(&["b"]).set(f64::INFINITY);
        registry
            .try_info("build_info", "Build.", &[("version", "1")])
            .unwrap();
        let c = registry.counter("jobs_total", "Jobs.");
        c.inc_with_exemplar(&[("trace_id", "abc")]).unwrap();

        let mut text = Vec::new();
        registry.encode(Format::Text, &mut text);
        let mut from_text: Vec<Sample> = samples(std::str::from_utf8(&text).unwrap())
            .unwrap()
            .into_iter()
            .map(|s| {
                let mut text = Vec::new();
                write_f64(&mut text, s.value);
                (s.name, s.labels, String::from_utf8(text).unwrap())
            })
            .collect();
        from_text.sort();

        let mut proto = Vec::new();
        let content_type = registry.encode(Format::Protobuf, &mut proto);
        assert_eq!(
            content_type,
            "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited; escaping=underscores"
        );
        let families = decode(&proto);
        assert_eq!(flatten(&families), from_text);

        let names: Vec<_> = families
            .iter()
            .map(|f| (f.name.clone().unwrap(), f.r#type))
            .collect();
        assert_eq!(
            names,
            [
                ("build_info".into(), Some(1)),
                ("http_requests_total".into(), Some(0)),
                ("jobs_total".into(), Some(0)),
                ("latency_seconds".into(), Some(4)),
                ("temperature_celsius".into(), Some(1)),
                // The registry's own, on by default: gauges, after the families.
                ("metrics_family_series".into(), Some(1)),
                ("metrics_family_series_limit".into(), Some(1)),
            ]
        );
        let jobs = &families[2].metric[0].counter.as_ref().unwrap();
        let exemplar = jobs.exemplar.as_ref().unwrap();
        assert_eq!(exemplar.label[0].value.as_deref(), Some("abc"));
        assert_eq!(exemplar.value, Some(1.0));
        assert!(exemplar.timestamp.as_ref().unwrap().seconds.unwrap() > 1_600_000_000);
        assert!(jobs.created_timestamp.as_ref().unwrap().seconds.unwrap() > 1_600_000_000);
        let histogram = families[3].metric[0].histogram.as_ref().unwrap();
        let bucket_exemplar = histogram.bucket[1].exemplar.as_ref().unwrap();
        assert_eq!(bucket_exemplar.value, Some(0.7));
        // Timestamped: Prometheus keeps a classic bucket's exemplar only with one when it
        // turns classic histograms into custom-bucket native ones.
        assert!(bucket_exemplar.timestamp.as_ref().unwrap().seconds.unwrap() > 1_600_000_000);
        assert!(histogram.bucket[0].exemplar.is_none());
        assert!(histogram.created_timestamp.is_some());
    }
}

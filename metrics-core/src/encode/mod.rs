//! Exposition formats. Each is a [`Sink`](crate::model::Sink) of the data model, writing
//! what families and collectors give it into a reusable byte buffer.

#[cfg(feature = "gzip")]
pub(crate) mod compress;
mod lines;
pub(crate) mod negotiate;
pub(crate) mod openmetrics;
pub(crate) mod protobuf;
pub(crate) mod samples;
pub(crate) mod text;

use crate::model::MetricFamilies;
use openmetrics::OpenMetricsEncoder;
use protobuf::ProtobufEncoder;
use text::TextEncoder;

/// An exposition format a registry can be encoded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[non_exhaustive]
pub enum Format {
    /// The Prometheus text format, version 0.0.4.
    #[default]
    Text,
    /// OpenMetrics 1.0.0 text: units, `_created` series, exemplars, `# EOF`.
    OpenMetrics,
    /// Length-delimited protobuf `io.prometheus.client.MetricFamily` messages.
    Protobuf,
}

impl Format {
    /// The `Content-Type` to send with a body in this format.
    pub const fn content_type(self) -> &'static str {
        match self {
            Format::Text => "text/plain; version=0.0.4; charset=utf-8",
            Format::OpenMetrics => "application/openmetrics-text; version=1.0.0; charset=utf-8",
            Format::Protobuf => {
                "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; \
                 encoding=delimited"
            }
        }
    }
}

impl Format {
    /// Appends the exposition of families gathered earlier (`Registry::gather`) to `out`
    /// and returns the `Content-Type` to send with it: what `Registry::encode` would have
    /// written at the moment of the gather.
    ///
    /// ```
    /// use metrics_core::{Format, MetricFamilies, Registry};
    /// let registry = Registry::new();
    /// registry.counter("jobs_total", "Jobs.").inc();
    /// let mut families = MetricFamilies::new();
    /// registry.gather(&mut families);
    /// let mut body = Vec::new();
    /// Format::Text.encode(&families, &mut body);
    /// assert!(body.ends_with(b"\njobs_total 1\n"));
    /// ```
    pub fn encode(self, families: &MetricFamilies, out: &mut Vec<u8>) -> &'static str {
        match self {
            Format::Text => families.write_to(&mut TextEncoder::new(out, "")),
            Format::OpenMetrics => families.write_to(&mut OpenMetricsEncoder::new(out, "")),
            Format::Protobuf => families.write_to(&mut ProtobufEncoder::new(out, "")),
        }
        self.content_type()
    }
}

/// Writes `name_suffix{const,labels,extra="value"} `, up to the sample value. `extra` is a
/// label whose value is already escaped (`le`, a state); braces only when there are labels.
#[inline]
pub(crate) fn write_series_start(
    out: &mut Vec<u8>,
    name: &str,
    suffix: &str,
    const_labels: &str,
    labels: &str,
    extra: Option<(&str, &str)>,
) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(suffix.as_bytes());
    if !const_labels.is_empty() || !labels.is_empty() || extra.is_some() {
        out.push(b'{');
        out.extend_from_slice(const_labels.as_bytes());
        if !labels.is_empty() {
            if !const_labels.is_empty() {
                out.push(b',');
            }
            out.extend_from_slice(labels.as_bytes());
        }
        if let Some((label, value)) = extra {
            if !const_labels.is_empty() || !labels.is_empty() {
                out.push(b',');
            }
            out.extend_from_slice(label.as_bytes());
            out.extend_from_slice(b"=\"");
            out.extend_from_slice(value.as_bytes());
            out.push(b'"');
        }
        out.push(b'}');
    }
    out.push(b' ');
}

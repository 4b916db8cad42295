//! Exposition formats. Families and collectors write through [`Encoder`]; each format is one
//! implementation of it, writing into a reusable byte buffer.

#[cfg(feature = "gzip")]
pub(crate) mod compress;
mod lines;
pub(crate) mod negotiate;
pub(crate) mod openmetrics;
pub(crate) mod parse;
pub(crate) mod protobuf;
pub(crate) mod text;

use crate::lint::MetricKind;
use crate::metric::exemplar::Exemplar;
use crate::metric::histogram::Histogram;

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

/// What a family is, as the encoders need it.
#[derive(Debug, Clone, Copy)]
#[allow(unreachable_pub)]
pub struct FamilyDesc<'a> {
    /// The full name of the family as registered (counters with `_total`, info with `_info`).
    pub name: &'a str,
    /// Help text, unescaped.
    pub help: &'a str,
    /// The type.
    pub kind: MetricKind,
    /// The unit, when declared.
    pub unit: Option<&'a str>,
}

/// One counter series as the encoders need it.
#[derive(Debug, Clone, Copy)]
#[allow(unreachable_pub)]
pub struct CounterSample<'a> {
    /// Integer part.
    pub int: u64,
    /// Fractional part.
    pub float: f64,
    /// When the series started, Unix seconds.
    pub created: Option<f64>,
    /// The latest exemplar.
    pub exemplar: Option<&'a Exemplar>,
}

impl CounterSample<'_> {
    pub(crate) fn value(&self) -> f64 {
        self.int as f64 + self.float
    }
}

#[allow(unreachable_pub)]
/// What families write their series to. `labels` is a pre-encoded label block
/// (`name="value",...`, escaped, no braces), possibly empty; `name` is the family's full name.
pub trait Encoder {
    /// Starts a family; its series follow.
    fn family(&mut self, desc: &FamilyDesc<'_>);
    /// A counter series.
    fn counter(&mut self, name: &str, labels: &str, sample: &CounterSample<'_>);
    /// A gauge series.
    fn gauge(&mut self, name: &str, labels: &str, value: f64);
    /// A histogram series; the encoder takes the snapshot.
    fn histogram(&mut self, name: &str, labels: &str, histogram: &Histogram);
    /// One series of an info family: its labels, value 1.
    fn info(&mut self, name: &str, labels: &str);
    /// One state of a state set: the state label is named after the family.
    fn state(&mut self, name: &str, labels: &str, state: &str, on: bool);
    /// After the last family.
    fn finish(&mut self) {}
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

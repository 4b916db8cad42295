//! Exposition formats. Each is a [`Sink`](crate::model::Sink) of the data model, writing
//! what families and collectors give it into a reusable byte buffer.

#[cfg(feature = "gzip")]
pub(crate) mod compress;
mod lines;
pub(crate) mod names;
pub(crate) mod negotiate;
pub(crate) mod openmetrics;
pub(crate) mod protobuf;
pub(crate) mod samples;
pub(crate) mod text;

use crate::model::{MetricFamilies, Sink};
use crate::Escaping;
use names::Names;
use openmetrics::OpenMetricsEncoder;
use protobuf::ProtobufEncoder;
use text::TextEncoder;

/// An exposition format a registry can be encoded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[non_exhaustive]
pub enum Format {
    /// The Prometheus text format, version 0.0.4: names as the legacy rules allow them.
    #[default]
    Text,
    /// OpenMetrics 1.0.0 text: units, exemplars, `_created` series if the registry writes
    /// them, `# EOF`.
    OpenMetrics,
    /// Length-delimited protobuf `io.prometheus.client.MetricFamily` messages.
    Protobuf,
    /// The Prometheus text format, version 1.0.0: the lines of 0.0.4, with names the legacy
    /// rules refuse in double quotes when the scrape asks for `escaping=allow-utf-8`.
    TextV1,
}

impl Format {
    /// The `Content-Type` to send with a body in this format, its names escaped with the
    /// default scheme ([`Escaping::Underscores`]).
    pub const fn content_type(self) -> &'static str {
        Exposition::new(self, Escaping::Underscores).content_type()
    }

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
        Exposition::from(self).encode(families, out)
    }
}

/// A format and the scheme its names are escaped with: what a scrape asks for in its
/// `Accept` header ([`negotiate`](crate::negotiate)), and what
/// [`Registry::encode`](crate::Registry::encode) writes.
///
/// ```
/// use metrics_core::{Escaping, Exposition, Format};
/// let utf8 = Exposition::new(Format::OpenMetrics, Escaping::AllowUtf8);
/// assert_eq!(
///     utf8.content_type(),
///     "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8"
/// );
/// // Text 0.0.4 has no escaping of its own: another scheme makes it text 1.0.0.
/// assert_eq!(Exposition::new(Format::Text, Escaping::Dots).format, Format::TextV1);
/// assert_eq!(Exposition::from(Format::Text).content_type(), "text/plain; version=0.0.4; charset=utf-8");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Exposition {
    /// The format.
    pub format: Format,
    /// How names the legacy rules refuse are written.
    pub escaping: Escaping,
}

impl Exposition {
    /// `format` with names escaped by `escaping`; text 0.0.4 with any scheme but the
    /// default is text 1.0.0, which can say its scheme.
    pub const fn new(format: Format, escaping: Escaping) -> Exposition {
        let format = match (format, escaping) {
            (Format::Text, Escaping::Underscores) => Format::Text,
            (Format::Text, _) => Format::TextV1,
            (format, _) => format,
        };
        Exposition { format, escaping }
    }

    /// The `Content-Type` to send with a body: the format's media type and version, and the
    /// escaping scheme for every format but text 0.0.4, as the content-negotiation
    /// specification asks of text 1.0.0 and OpenMetrics 1.0.0 (and client_golang sends with
    /// protobuf too).
    pub const fn content_type(self) -> &'static str {
        macro_rules! with_escaping {
            ($base:literal) => {
                match self.escaping {
                    Escaping::AllowUtf8 => concat!($base, "; escaping=allow-utf-8"),
                    Escaping::Underscores => concat!($base, "; escaping=underscores"),
                    Escaping::Dots => concat!($base, "; escaping=dots"),
                    Escaping::Values => concat!($base, "; escaping=values"),
                }
            };
        }
        match self.format {
            Format::Text => "text/plain; version=0.0.4; charset=utf-8",
            Format::TextV1 => with_escaping!("text/plain; version=1.0.0; charset=utf-8"),
            Format::OpenMetrics => {
                with_escaping!("application/openmetrics-text; version=1.0.0; charset=utf-8")
            }
            Format::Protobuf => with_escaping!(
                "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; \
                 encoding=delimited"
            ),
        }
    }

    /// Appends the exposition of families gathered earlier to `out`, as
    /// [`Format::encode`] does, with names escaped by this scheme (and, in OpenMetrics, no
    /// `_created` lines: see `RegistryBuilder::openmetrics_created`).
    pub fn encode(self, families: &MetricFamilies, out: &mut Vec<u8>) -> &'static str {
        // Gathered families do not say which names their registry takes: every name is
        // looked at.
        let names = Names {
            escaping: self.escaping,
            utf8: true,
        };
        families.write_to(&mut *self.sink(out, "", names, false));
        self.content_type()
    }

    /// The encoder of this format; `created`: whether OpenMetrics writes `_created` lines.
    pub(crate) fn sink<'a>(
        self,
        out: &'a mut Vec<u8>,
        const_labels: &'a str,
        names: Names,
        created: bool,
    ) -> Box<dyn Sink + 'a> {
        match self.format {
            Format::Text | Format::TextV1 => Box::new(TextEncoder::new(out, const_labels, names)),
            Format::OpenMetrics => {
                Box::new(OpenMetricsEncoder::new(out, const_labels, names, created))
            }
            Format::Protobuf => Box::new(ProtobufEncoder::new(out, const_labels, names)),
        }
    }
}

impl From<Format> for Exposition {
    fn from(format: Format) -> Exposition {
        Exposition::new(format, Escaping::Underscores)
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
            write_label(out, label, value);
        }
        out.push(b'}');
    }
    out.push(b' ');
}

/// [`write_series_start`] with the name inside the braces, in double quotes
/// (`{"a.b_sum",labels} `), as `escaping=allow-utf-8` writes a name the legacy rules refuse.
pub(crate) fn write_quoted_series_start(
    out: &mut Vec<u8>,
    name: &str,
    suffix: &str,
    const_labels: &str,
    labels: &str,
    extra: Option<(&str, &str)>,
) {
    // The suffix is legacy text: nothing in it to escape.
    let mut quoted = String::with_capacity(name.len() + suffix.len() + 3);
    quoted.push_str("{\"");
    crate::label::escape_label_value(&mut quoted, name);
    quoted.push_str(suffix);
    quoted.push('"');
    out.extend_from_slice(quoted.as_bytes());
    for block in [const_labels, labels] {
        if !block.is_empty() {
            out.push(b',');
            out.extend_from_slice(block.as_bytes());
        }
    }
    if let Some((label, value)) = extra {
        out.push(b',');
        write_label(out, label, value);
    }
    out.extend_from_slice(b"} ");
}

/// `label="value"`, the value escaped already.
#[inline]
fn write_label(out: &mut Vec<u8>, label: &str, value: &str) {
    out.extend_from_slice(label.as_bytes());
    out.extend_from_slice(b"=\"");
    out.extend_from_slice(value.as_bytes());
    out.push(b'"');
}

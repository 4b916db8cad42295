//! Exposition formats. Families and collectors write through [`Encoder`]; each format is one
//! implementation of it, writing into a reusable byte buffer.

pub(crate) mod parse;
pub(crate) mod text;

use crate::lint::MetricKind;
use crate::metric::histogram::Histogram;

/// An exposition format a registry can be encoded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Format {
    /// The Prometheus text format, version 0.0.4.
    #[default]
    Text,
}

impl Format {
    /// The `Content-Type` to send with a body in this format.
    pub const fn content_type(self) -> &'static str {
        match self {
            Format::Text => "text/plain; version=0.0.4; charset=utf-8",
        }
    }
}

#[allow(unreachable_pub)]
/// What families write their series to. `labels` is a pre-encoded label block
/// (`name="value",...`, escaped, no braces), possibly empty.
pub trait Encoder {
    /// Starts a family; its series follow.
    fn family(&mut self, name: &str, help: &str, kind: MetricKind);
    /// A counter series: integer and fractional parts.
    fn counter(&mut self, name: &str, labels: &str, int: u64, float: f64);
    /// A gauge series.
    fn gauge(&mut self, name: &str, labels: &str, value: f64);
    /// A histogram series; the encoder takes the snapshot.
    fn histogram(&mut self, name: &str, labels: &str, histogram: &Histogram);
}

/// Writes `v` in the shortest form that parses back to the same `f64`: integral values (within
/// `i64` range) without a fraction or exponent, `+Inf`, `-Inf`, `NaN`.
pub(crate) fn write_f64(out: &mut Vec<u8>, v: f64) {
    if v.is_nan() {
        out.extend_from_slice(b"NaN");
    } else if v.is_infinite() {
        out.extend_from_slice(if v > 0.0 { b"+Inf" } else { b"-Inf" });
    } else if v == v.trunc() && v.abs() < 9e18 {
        out.extend_from_slice(itoa::Buffer::new().format(v as i64).as_bytes());
    } else {
        out.extend_from_slice(ryu::Buffer::new().format_finite(v).as_bytes());
    }
}

/// Writes an unsigned integer.
#[inline]
pub(crate) fn write_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_are_shortest_round_trip() {
        let cases = [
            (0.0, "0"),
            (-0.0, "0"),
            (1.0, "1"),
            (-3.0, "-3"),
            (0.1, "0.1"),
            (0.005, "0.005"),
            (1e15, "1000000000000000"),
            (1e20, "1e20"),
            (123456789012345.0, "123456789012345"),
            (1.5e-7, "1.5e-7"),
            (f64::MAX, "1.7976931348623157e308"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (f64::NAN, "NaN"),
        ];
        for (v, text) in cases {
            let mut out = Vec::new();
            write_f64(&mut out, v);
            assert_eq!(std::str::from_utf8(&out).unwrap(), text);
            if v.is_finite() {
                assert_eq!(text.parse::<f64>().unwrap(), v);
            }
        }
    }
}

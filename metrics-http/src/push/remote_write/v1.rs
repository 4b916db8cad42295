//! Remote write 1.0: the `prometheus.WriteRequest` message.
//!
//! ```text
//! WriteRequest   { repeated TimeSeries timeseries = 1; repeated MetricMetadata metadata = 3; }
//! TimeSeries     { repeated Label labels = 1; repeated Sample samples = 2;
//!                  repeated Exemplar exemplars = 3; repeated Histogram histograms = 4; }
//! Label          { string name = 1; string value = 2; }
//! Sample         { double value = 1; int64 timestamp = 2; }
//! Exemplar       { repeated Label labels = 1; double value = 2; int64 timestamp = 3; }
//! MetricMetadata { MetricType type = 1; string metric_family_name = 2; string help = 4;
//!                  string unit = 5; }
//! ```
//!
//! `Histogram` is the native histogram message both versions share ([`histogram`]).

use metrics_core::{Exemplar, FamilyDesc, MetricFamilies};

use crate::push::remote_write::series::{exemplar_ms, for_each_series, Point, Points};
use crate::push::remote_write::shared::{histogram, metric_type};
use crate::push::remote_write::wire::{bytes_field, double_field, key, varint, VARINT};

/// Encodes `families` as one `WriteRequest`, every point at `timestamp_ms`, and each
/// family's metadata (type, help, unit) once.
pub(crate) fn write_request(
    families: &MetricFamilies,
    external: &[(String, String)],
    timestamp_ms: i64,
    points: Points,
) -> Vec<u8> {
    let mut out = Vec::new();
    let mut message = Vec::new();
    for_each_series(families, external, points, |series| {
        message.clear();
        for (name, value) in series.labels {
            label(&mut message, 1, name, value);
        }
        match series.point {
            Point::Sample(value, exemplar) => {
                let mut sample = Vec::with_capacity(20);
                double_field(&mut sample, 1, value);
                key(&mut sample, 2, VARINT);
                varint(&mut sample, timestamp_ms as u64);
                bytes_field(&mut message, 2, &sample);
                if let Some(e) = exemplar {
                    bytes_field(&mut message, 3, &exemplar_message(e, timestamp_ms));
                }
            }
            Point::Native(native) => {
                let encoded = histogram(native, timestamp_ms, 0);
                bytes_field(&mut message, 4, &encoded);
            }
        }
        bytes_field(&mut out, 1, &message);
    });
    if points == Points::Values {
        for family in families.iter() {
            metadata(&mut out, &family.desc());
        }
    }
    out
}

fn exemplar_message(e: &Exemplar, timestamp_ms: i64) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in e.labels() {
        label(&mut out, 1, &name, &value);
    }
    double_field(&mut out, 2, e.value());
    key(&mut out, 3, VARINT);
    varint(&mut out, exemplar_ms(e, timestamp_ms) as u64);
    out
}

/// A `MetricMetadata` message: the family's type, name, help and unit.
fn metadata(out: &mut Vec<u8>, desc: &FamilyDesc<'_>) {
    let mut message = Vec::new();
    key(&mut message, 1, VARINT);
    varint(&mut message, metric_type(desc.kind));
    bytes_field(&mut message, 2, desc.name.as_bytes());
    bytes_field(&mut message, 4, desc.help.as_bytes());
    if let Some(unit) = desc.unit {
        bytes_field(&mut message, 5, unit.as_bytes());
    }
    bytes_field(out, 3, &message);
}

fn label(out: &mut Vec<u8>, field: u32, name: &str, value: &str) {
    let mut pair = Vec::with_capacity(name.len() + value.len() + 4);
    bytes_field(&mut pair, 1, name.as_bytes());
    bytes_field(&mut pair, 2, value.as_bytes());
    bytes_field(out, field, &pair);
}

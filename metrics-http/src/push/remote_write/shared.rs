//! What both remote-write versions encode alike: the native `Histogram` message and the
//! metric type numbers of their metadata.

use metrics_core::{MetricKind, NativeSnapshot};

use crate::push::remote_write::wire::{
    bytes_field, double_field, key, uint_field, varint, zigzag, VARINT,
};

/// The metric type both versions' metadata carry (the same numbers in each).
pub(crate) fn metric_type(kind: MetricKind) -> u64 {
    match kind {
        MetricKind::Counter => 1,
        MetricKind::Gauge => 2,
        MetricKind::Histogram => 3,
        MetricKind::Summary => 5,
        MetricKind::Info => 6,
        MetricKind::StateSet => 7,
        _ => 0,
    }
}

/// The native `Histogram` message, the same in both versions: integer counts, buckets as
/// spans of consecutive indexes with counts as deltas, the reset hint left unspecified (the
/// receiver compares with what it has), and in 2.0 the start timestamp (field 17; 0 leaves
/// it out).
///
/// ```text
/// Histogram  { uint64 count_int = 1; double sum = 3; sint32 schema = 4;
///              double zero_threshold = 5; uint64 zero_count_int = 6;
///              repeated BucketSpan negative_spans = 8; repeated sint64 negative_deltas = 9;
///              repeated BucketSpan positive_spans = 11; repeated sint64 positive_deltas = 12;
///              int64 timestamp = 15; int64 start_timestamp = 17; }
/// BucketSpan { sint32 offset = 1; uint32 length = 2; }
/// ```
pub(crate) fn histogram(native: &NativeSnapshot, timestamp_ms: i64, start_ms: i64) -> Vec<u8> {
    let mut out = Vec::new();
    key(&mut out, 1, VARINT);
    varint(&mut out, native.count);
    double_field(&mut out, 3, native.sum);
    uint_field(&mut out, 4, zigzag(i64::from(native.schema)));
    double_field(&mut out, 5, native.zero_threshold);
    key(&mut out, 6, VARINT);
    varint(&mut out, native.zero_count);
    let sides = [
        (&native.negative, native.negative_spans(), 8, 9),
        (&native.positive, native.positive_spans(), 11, 12),
    ];
    for (buckets, spans, span_field, delta_field) in sides {
        for (offset, length) in spans {
            let mut span = Vec::new();
            uint_field(&mut span, 1, zigzag(i64::from(offset)));
            uint_field(&mut span, 2, u64::from(length));
            bytes_field(&mut out, span_field, &span);
        }
        if !buckets.is_empty() {
            let mut deltas = Vec::new();
            let mut previous = 0i64;
            for &(_, count) in buckets.iter() {
                varint(&mut deltas, zigzag(count as i64 - previous));
                previous = count as i64;
            }
            bytes_field(&mut out, delta_field, &deltas);
        }
    }
    key(&mut out, 15, VARINT);
    varint(&mut out, timestamp_ms as u64);
    uint_field(&mut out, 17, start_ms as u64);
    out
}

//! A native histogram's buckets as the model keeps them.

/// A consistent reading of a native histogram.
#[derive(Debug, Clone, PartialEq)]
pub struct NativeSnapshot {
    /// The schema of the buckets.
    pub schema: i8,
    /// The zero bucket's threshold.
    pub zero_threshold: f64,
    /// Observations in the zero bucket.
    pub zero_count: u64,
    /// All observations (NaN ones included, which have no bucket).
    pub count: u64,
    /// Their sum.
    pub sum: f64,
    /// Positive buckets that have observations: (index, count), by index.
    pub positive: Vec<(i32, u64)>,
    /// Negative buckets (by the index of `|v|`), likewise.
    pub negative: Vec<(i32, u64)>,
    /// When the histogram started or was last reset, Unix seconds.
    pub created: f64,
}

impl NativeSnapshot {
    /// The positive buckets as spans of consecutive indexes: (offset from the end of the
    /// previous span, or the first index; length), as the protobuf format and remote write
    /// carry them.
    pub fn positive_spans(&self) -> Vec<(i32, u32)> {
        spans(&self.positive)
    }

    /// The negative buckets as spans, likewise.
    pub fn negative_spans(&self) -> Vec<(i32, u32)> {
        spans(&self.negative)
    }
}

/// Spans of consecutive bucket indexes: (offset from the end of the previous span, or the
/// first index, length).
pub(crate) fn spans(buckets: &[(i32, u64)]) -> Vec<(i32, u32)> {
    let mut spans: Vec<(i32, u32)> = Vec::new();
    let mut next = 0;
    for (i, &(key, _)) in buckets.iter().enumerate() {
        match spans.last_mut() {
            Some((_, length)) if key == next => *length += 1,
            _ => spans.push((if i == 0 { key } else { key - next }, 1)),
        }
        next = key + 1;
    }
    spans
}

//! Remote write 2.0 (specification 2.0-rc.4): the `io.prometheus.write.v2.Request` message.
//!
//! ```text
//! Request    { repeated string symbols = 4; repeated TimeSeries timeseries = 5; }
//! TimeSeries { repeated uint32 labels_refs = 1; repeated Sample samples = 2;
//!              repeated Histogram histograms = 3; repeated Exemplar exemplars = 4;
//!              Metadata metadata = 5; }
//! Sample     { double value = 1; int64 timestamp = 2; int64 start_timestamp = 3; }
//! Exemplar   { repeated uint32 labels_refs = 1; double value = 2; int64 timestamp = 3; }
//! Metadata   { MetricType type = 1; uint32 help_ref = 3; uint32 unit_ref = 4; }
//! ```
//!
//! Every string (label names and values, help, unit) is an index into `symbols`, which
//! starts with `""` (the reference of an absent help or unit). `Histogram` is the native
//! histogram message both versions share ([`histogram`]), with `start_timestamp = 17`.

use std::collections::HashMap;

use metrics_core::{Exemplar, MetricFamilies};

use crate::push::remote_write::series::{exemplar_ms, for_each_series, Point, Points, Series};
use crate::push::remote_write::shared::{histogram, metric_type};
use crate::push::remote_write::wire::{bytes_field, double_field, key, uint_field, varint, VARINT};

/// The interned strings of one request, `""` first.
struct Symbols {
    table: Vec<String>,
    index: HashMap<String, u32>,
}

impl Symbols {
    fn new() -> Symbols {
        Symbols {
            table: vec![String::new()],
            index: HashMap::from([(String::new(), 0)]),
        }
    }

    fn get(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.table.len() as u32;
        self.table.push(s.to_owned());
        self.index.insert(s.to_owned(), i);
        i
    }

    /// Packed `labels_refs`: name, value, name, value...
    fn refs<'a>(&mut self, labels: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<u8> {
        let mut packed = Vec::new();
        for (name, value) in labels {
            varint(&mut packed, u64::from(self.get(name)));
            varint(&mut packed, u64::from(self.get(value)));
        }
        packed
    }
}

/// Encodes `families` as one `Request`, every point at `timestamp_ms`, counters and
/// histograms with their start timestamps, every series with its metadata.
pub(crate) fn request(
    families: &MetricFamilies,
    external: &[(String, String)],
    timestamp_ms: i64,
    points: Points,
) -> Vec<u8> {
    let mut symbols = Symbols::new();
    let mut series_out = Vec::new();
    let mut message = Vec::new();
    for_each_series(families, external, points, |series| {
        message.clear();
        time_series(&mut message, &mut symbols, &series, timestamp_ms);
        bytes_field(&mut series_out, 5, &message);
    });
    let mut out = Vec::with_capacity(series_out.len() + symbols.table.len() * 16);
    for symbol in &symbols.table {
        bytes_field(&mut out, 4, symbol.as_bytes());
    }
    out.extend_from_slice(&series_out);
    out
}

fn time_series(out: &mut Vec<u8>, symbols: &mut Symbols, series: &Series<'_>, at: i64) {
    let refs = symbols.refs(series.labels.iter().copied());
    bytes_field(out, 1, &refs);
    match series.point {
        Point::Sample(value, exemplar) => {
            let mut sample = Vec::with_capacity(30);
            double_field(&mut sample, 1, value);
            key(&mut sample, 2, VARINT);
            varint(&mut sample, at as u64);
            uint_field(&mut sample, 3, series.start_ms as u64);
            bytes_field(out, 2, &sample);
            if let Some(e) = exemplar {
                bytes_field(out, 4, &exemplar_message(symbols, e, at));
            }
        }
        Point::Native(native) => {
            bytes_field(out, 3, &histogram(native, at, series.start_ms));
        }
    }
    let desc = &series.family;
    let mut metadata = Vec::new();
    uint_field(&mut metadata, 1, metric_type(desc.kind));
    uint_field(&mut metadata, 3, u64::from(symbols.get(desc.help)));
    uint_field(
        &mut metadata,
        4,
        u64::from(symbols.get(desc.unit.unwrap_or(""))),
    );
    bytes_field(out, 5, &metadata);
}

fn exemplar_message(symbols: &mut Symbols, e: &Exemplar, at: i64) -> Vec<u8> {
    let mut out = Vec::new();
    let mut labels: Vec<_> = e.labels().collect();
    labels.sort_by(|a, b| a.0.cmp(&b.0));
    let refs = symbols.refs(labels.iter().map(|(n, v)| (n.as_ref(), v.as_ref())));
    if !refs.is_empty() {
        bytes_field(&mut out, 1, &refs);
    }
    double_field(&mut out, 2, e.value());
    // The specification requires a timestamp: the write's when the exemplar has none.
    key(&mut out, 3, VARINT);
    varint(&mut out, exemplar_ms(e, at) as u64);
    out
}

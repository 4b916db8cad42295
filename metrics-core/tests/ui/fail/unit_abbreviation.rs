use metrics_core::{Histogram, MetricGroup};

#[derive(MetricGroup)]
struct Group {
    /// Request latency.
    latency_ms: Histogram,
}

fn main() {}

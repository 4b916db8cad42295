use metrics_core::{Histogram, MetricGroup};

#[derive(MetricGroup)]
struct Metrics {
    /// A native histogram whose buckets would not grow.
    #[metric(unit = "seconds", native = 1)]
    latency_seconds: Histogram,
}

fn main() {}

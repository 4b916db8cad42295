use metrics_core::{Histogram, MetricGroup};

#[derive(MetricGroup)]
struct Group {
    /// Request latency.
    #[metric(buckets = [0.5, 0.1, 1.0])]
    latency_seconds: Histogram,
}

fn main() {}

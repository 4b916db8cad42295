use metrics_core::{Histogram, MetricGroup};

#[derive(MetricGroup)]
struct Group {
    /// Request latency.
    #[metric(unit = "seconds")]
    request_duration: Histogram,
}

fn main() {}

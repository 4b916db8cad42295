use metrics_core::{Histogram, MetricGroup};

#[derive(MetricGroup)]
struct Group {
    /// Request time.
    #[metric(quantiles = [0.5, 0.99])]
    request_duration_seconds: Histogram,
}

fn main() {}

use metrics_core::{MetricGroup, Summary};

#[derive(MetricGroup)]
struct Group {
    /// Request time.
    #[metric(quantiles = [0.5, 99])]
    request_duration_seconds: Summary,
}

fn main() {}

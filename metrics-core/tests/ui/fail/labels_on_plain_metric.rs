use metrics_core::{Counter, MetricGroup};

#[derive(MetricGroup)]
struct Group {
    /// Requests served.
    #[metric(labels = ["route"])]
    requests_total: Counter,
}

fn main() {}

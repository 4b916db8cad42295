use metrics_core::{Counter, MetricGroup};

#[derive(MetricGroup)]
struct Group {
    /// Requests served.
    #[metric(buckets = [0.1, 1])]
    requests_total: Counter,
}

fn main() {}

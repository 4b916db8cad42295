use metrics_core::{Counter, MetricGroup};

#[derive(MetricGroup)]
struct Group {
    /// Requests served.
    requests: Counter,
}

fn main() {}

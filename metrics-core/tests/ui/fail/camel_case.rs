use metrics_core::{Counter, MetricGroup};

#[derive(MetricGroup)]
#[allow(non_snake_case)]
struct Group {
    /// Requests served.
    requestCount_total: Counter,
}

fn main() {}

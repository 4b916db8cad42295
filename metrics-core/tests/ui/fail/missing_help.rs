use metrics_core::{Counter, MetricGroup};

#[derive(MetricGroup)]
struct Group {
    requests_total: Counter,
}

fn main() {}

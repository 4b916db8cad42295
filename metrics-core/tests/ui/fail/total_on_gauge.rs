use metrics_core::{Gauge, MetricGroup};

#[derive(MetricGroup)]
struct Group {
    /// Jobs waiting.
    queue_total: Gauge,
}

fn main() {}

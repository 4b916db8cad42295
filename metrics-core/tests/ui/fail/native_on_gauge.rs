use metrics_core::{Gauge, MetricGroup};

#[derive(MetricGroup)]
struct Group {
    /// Jobs waiting.
    #[metric(native = 1.1)]
    queue_depth: Gauge,
}

fn main() {}

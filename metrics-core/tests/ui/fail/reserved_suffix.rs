use metrics_core::{Gauge, MetricGroup};

#[derive(MetricGroup)]
struct Group {
    /// Jobs in the queue.
    jobs_count: Gauge,
}

fn main() {}

use metrics_core::{Gauge, MetricGroup};

#[derive(MetricGroup)]
#[metrics(namespace = "job:rate5m")]
struct Group {
    /// Jobs in the queue.
    queue_depth: Gauge,
}

fn main() {}

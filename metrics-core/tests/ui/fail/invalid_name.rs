use metrics_core::{Gauge, MetricGroup};

#[derive(MetricGroup)]
struct Group {
    /// Jobs in the queue.
    #[metric(name = "queue-depth")]
    queue_depth: Gauge,
}

fn main() {}

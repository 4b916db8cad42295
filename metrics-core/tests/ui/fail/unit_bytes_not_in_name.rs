use metrics_core::{Histogram, MetricGroup};

#[derive(MetricGroup)]
struct Group {
    /// Size of each item.
    #[metric(unit = "bytes")]
    item_size: Histogram,
}

fn main() {}

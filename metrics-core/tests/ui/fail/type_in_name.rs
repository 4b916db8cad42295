use metrics_core::{Counter, MetricGroup};

#[derive(MetricGroup)]
struct Group {
    /// Errors seen.
    errors_counter_total: Counter,
}

fn main() {}

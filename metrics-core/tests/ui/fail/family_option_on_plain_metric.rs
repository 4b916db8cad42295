use metrics_core::{Counter, MetricGroup};

#[derive(MetricGroup)]
struct Group {
    /// Requests served.
    #[metric(series_limit = 100)]
    requests_total: Counter,
}

fn main() {}

use metrics_core::{Counter, DynLabels, Family, MetricGroup};

#[derive(MetricGroup)]
struct Group {
    /// Requests served, by route.
    requests_total: Family<DynLabels, Counter>,
}

fn main() {}

use metrics_core::{Counter, Family, LabelValue, MetricGroup};

#[derive(Debug, Clone, Copy, LabelValue)]
enum Method {
    Get,
}

#[derive(MetricGroup)]
struct Group {
    /// Requests served, by method.
    #[metric(labels = ["method", "route"])]
    requests_total: Family<(Method,), Counter>,
}

fn main() {}

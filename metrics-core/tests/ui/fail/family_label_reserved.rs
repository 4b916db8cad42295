use metrics_core::{DynLabels, Family, Histogram, MetricGroup};

#[derive(MetricGroup)]
struct Group {
    /// Request latency.
    #[metric(labels = ["route", "le"])]
    latency_seconds: Family<DynLabels, Histogram>,
}

fn main() {}

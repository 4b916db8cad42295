use metrics_core::{Counter, MetricGroup, Registry};

#[derive(MetricGroup)]
struct Group {
    /// Orders placed.
    orders_total: Counter,
    /// Where the orders go.
    endpoint: String,
}

fn main() {
    let _ = Group::register(&Registry::new());
}

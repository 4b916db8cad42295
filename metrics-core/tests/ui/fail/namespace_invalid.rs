use metrics_core::{Counter, Gauge, MetricGroup};

#[derive(MetricGroup)]
#[metrics(namespace = "my-shop")]
struct Group {
    /// Orders placed.
    orders_total: Counter,
    /// Carts open.
    carts_open: Gauge,
}

fn main() {}

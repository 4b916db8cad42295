use metrics_core::{Counter, MetricGroup, Registry};

#[derive(MetricGroup)]
struct Group {
    orders_total: Counter,
}

fn main() {
    // The derive's error only: no second one about `register` missing.
    let group = Group::register(&Registry::new()).unwrap();
    group.orders_total.inc();
}

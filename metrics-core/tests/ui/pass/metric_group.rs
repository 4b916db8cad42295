use metrics_core::{
    Counter, DynLabels, Family, Format, Gauge, Histogram, LabelSet, LabelValue, MetricGroup, Registry,
};

#[derive(Debug, Clone, Copy, LabelValue)]
enum Method {
    Get,
    Post,
}

#[derive(Debug, Clone, Copy, LabelSet)]
struct Route {
    method: Method,
}

#[derive(MetricGroup)]
#[metrics(namespace = "shop")]
struct ShopMetrics {
    /// Orders placed.
    orders_total: Counter,
    /// Carts open
    /// right now.
    carts_open: Gauge,
    /// Time to check out.
    #[metric(unit = "seconds", buckets = [0.1, 0.5, 1, 2.5])]
    checkout_duration_seconds: Histogram,
    /// Requests by route.
    requests_total: Family<Route, Counter>,
    /// Payments by provider and result.
    #[metric(labels = ["provider", "result"])]
    payments_total: Family<DynLabels, Counter>,
    /// Latency by method.
    #[metric(name = "method_latency_seconds", labels = ["method"], buckets = [0.05, 0.5])]
    latency: Family<(Method,), Histogram>,
    /// Payment time, with native buckets beside the classic ones.
    #[metric(unit = "seconds", buckets = [0.1, 1], native = 1.1)]
    payment_duration_seconds: Histogram,
    /// Item sizes, native buckets only.
    #[metric(unit = "bytes", labels = ["method"], native = 2)]
    item_size_bytes: Family<(Method,), Histogram>,
    /// Searches by query: bounded, refusing what does not fit, forgotten when idle.
    #[metric(labels = ["query"], series_limit = 2, overflow = "reject", expire_after_secs = 600)]
    searches_total: Family<DynLabels, Counter>,
    /// Logins by user, collapsing past the limit.
    #[metric(labels = ["user"], series_limit = 1, overflow = "collapse")]
    logins_total: Family<DynLabels, Counter>,
}

fn main() {
    let registry = Registry::new();
    let m = ShopMetrics::register(&registry).unwrap();
    m.orders_total.inc();
    m.carts_open.set(3.0);
    m.checkout_duration_seconds.observe(0.3);
    m.requests_total.get(&Route { method: Method::Post }).inc();
    m.payments_total.with_label_values(&["card", "ok"]).inc();
    m.latency.get(&(Method::Get,)).observe(0.1);
    assert_eq!(m.checkout_duration_seconds.buckets().bounds(), &[0.1, 0.5, 1.0, 2.5]);
    m.payment_duration_seconds.observe(0.5);
    assert_eq!(m.payment_duration_seconds.buckets().bounds(), &[0.1, 1.0]);
    let native = m.payment_duration_seconds.native_snapshot().unwrap();
    assert_eq!((native.schema, native.count), (3, 1));
    let sizes = m.item_size_bytes.get(&(Method::Post,));
    sizes.observe(1000.0);
    assert!(sizes.buckets().bounds().is_empty());
    assert_eq!(sizes.native_snapshot().unwrap().positive, vec![(10, 1)]);

    // The family options apply: two series, then refusals (counted), or one and the overflow
    // series.
    for query in ["a", "b", "c"] {
        let _ = m.searches_total.try_with_label_values(&[query]).map(|c| c.inc());
    }
    assert_eq!(m.searches_total.len(), 2);
    assert!(m.searches_total.try_with_label_values(&["d"]).is_err());
    for user in ["ann", "bob", "cy"] {
        m.logins_total.with_label_values(&[user]).inc();
    }

    let again = ShopMetrics::register(&registry).unwrap();
    again.orders_total.inc();
    assert_eq!(m.orders_total.get(), 2.0, "registering again returns the same handles");

    let mut body = Vec::new();
    registry.encode(Format::OpenMetrics, &mut body);
    let text = String::from_utf8(body).unwrap();
    for expected in [
        "# HELP shop_carts_open Carts open right now.\n",
        "# UNIT shop_checkout_duration_seconds seconds\n",
        "shop_checkout_duration_seconds_bucket{le=\"0.5\"} 1\n",
        "shop_orders_total 2\n",
        "shop_requests_total{method=\"post\"} 1\n",
        "shop_payments_total{provider=\"card\",result=\"ok\"} 1\n",
        "shop_method_latency_seconds_bucket{method=\"get\",le=\"0.5\"} 1\n",
        "shop_logins_total{user=\"ann\"} 1\n",
        "shop_logins_total{user=\"__overflow__\"} 2\n",
        "metrics_series_overflow_total{family=\"shop_searches_total\"} 2\n",
    ] {
        assert!(text.contains(expected), "{expected}\n{text}");
    }
}

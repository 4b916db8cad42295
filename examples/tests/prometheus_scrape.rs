//! End to end: the Debian `prometheus` scrapes the axum example service while it serves
//! traffic, and answers the dashboard's queries: request rate by route, and a latency
//! quantile from the duration histogram.
//!
//! With `CI` set, a missing `prometheus` binary fails the test; otherwise it says loudly
//! that it skipped.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::prometheus::Prometheus;
use common::*;
use hyper::Method;
use metrics_core::Registry;

/// One round of traffic: `n` times (3 orders, 1 user, 2 scanned paths), and 2 reports.
async fn round(addr: SocketAddr, n: u64) {
    let client = client();
    for i in 0..n {
        for _ in 0..3 {
            assert_eq!(
                send(&client, Method::POST, addr, "/api/orders?items=2")
                    .await
                    .0,
                201
            );
        }
        assert_eq!(
            send(&client, Method::GET, addr, &format!("/users/{i}"))
                .await
                .0,
            200
        );
        for s in 0..2 {
            send(&client, Method::GET, addr, &format!("/scan/{i}/{s}")).await;
        }
    }
    for _ in 0..2 {
        assert_eq!(send(&client, Method::GET, addr, "/api/report").await.0, 200);
    }
}

#[test]
fn prometheus_answers_rate_by_route_and_latency_quantiles() {
    let Some(binary) = require("prometheus", "prometheus") else {
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let registry = Registry::new();
    let app = examples::axum_app(&registry).unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(async move { axum::serve(listener, app).await });

    let prometheus = Prometheus::start(
        binary,
        &format!("  - job_name: shop\n    static_configs:\n      - targets: ['{addr}']\n"),
        &[],
    );
    // The series appear, then grow over several scrapes.
    runtime.block_on(round(addr, 1));
    prometheus.query_until("sum(http_server_requests_total)", |r| {
        r.len() == 1 && r[0].1 == 3.0 + 1.0 + 2.0 + 2.0
    });
    for _ in 0..4 {
        runtime.block_on(round(addr, 10));
        std::thread::sleep(Duration::from_millis(1100));
    }
    let total = 8.0 + 4.0 * (10.0 * 6.0 + 2.0);
    prometheus.query_until("sum(http_server_requests_total)", |r| {
        r.len() == 1 && r[0].1 == total
    });

    let rates = prometheus.query("sum(rate(http_server_requests_total[1m])) by (route)");
    let rate = |route: &str| {
        rates
            .iter()
            .find(|(labels, _)| labels["route"] == route)
            .map(|(_, v)| *v)
            .unwrap_or_else(|| panic!("no rate for {route}: {rates:?}"))
    };
    let routes: Vec<_> = rates
        .iter()
        .map(|(l, _)| l["route"].as_str().unwrap())
        .collect();
    assert_eq!(rates.len(), 4, "only route templates: {routes:?}");
    let (orders, users, scans) = (rate("/api/orders"), rate("/users/{id}"), rate("unmatched"));
    assert!(users > 0.0 && rate("/api/report") > 0.0);
    // Traffic was 3 orders and 2 scans per user request in every round; scrapes that fell
    // between requests of a round shift the ratios a little.
    assert!(
        (orders / users - 3.0).abs() < 0.3,
        "orders/users = {}",
        orders / users
    );
    assert!(
        (scans / users - 2.0).abs() < 0.2,
        "scans/users = {}",
        scans / users
    );

    // Reports take at least 200 ms: none lands at or below 0.1 s, exactly; a loaded
    // machine may stretch some past 0.25 s, so the median is checked, not the tail.
    let fast = prometheus.query(
        "sum(http_server_request_duration_seconds_bucket{route=\"/api/report\",le=\"0.1\"})",
    );
    assert_eq!(fast.len(), 1, "{fast:?}");
    assert_eq!(fast[0].1, 0.0, "a report faster than its 200 ms");
    let median = prometheus.query(
        "histogram_quantile(0.5, sum(rate(http_server_request_duration_seconds_bucket{route=\"/api/report\"}[1m])) by (le))",
    );
    assert_eq!(median.len(), 1, "{median:?}");
    assert!((0.1..=0.25).contains(&median[0].1), "p50 = {}", median[0].1);
    let up = prometheus.query("up{job=\"shop\"}");
    assert_eq!(up.len(), 1);
    assert_eq!(up[0].1, 1.0);
}

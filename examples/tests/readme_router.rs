//! The README's axum router, as written there: every request is counted, those that match
//! no route too (`route="unmatched"`), and `/metrics` is served.

mod common;

use axum::{routing::post, Router};
use common::*;
use metrics_core::Registry;
use metrics_http::{HttpMetrics, MetricsEndpoint, RequestMetricsLayer};

/// The README's snippet, verbatim apart from the registry it is handed.
fn readme_app(registry: &Registry) -> Router {
    Router::new()
        .route("/api/orders", post(|| async { "placed" }))
        // `/metrics` and `/-/healthy` on the service's own port.
        .merge(MetricsEndpoint::new(registry.clone()).router("/metrics"))
        // RED metrics per route template: http_server_requests_total,
        // http_server_request_duration_seconds, http_server_active_requests, ...
        // Last, so that it sees every request: the routes above, and those matching none.
        .layer(RequestMetricsLayer::new(HttpMetrics::new(registry)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unmatched_requests_are_counted() {
    let registry = Registry::new();
    let app = readme_app(&registry);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = client();
    assert_eq!(
        send(&client, hyper::Method::GET, addr, "/nope").await.0,
        404
    );
    assert_eq!(
        send(&client, hyper::Method::GET, addr, "/wp-login.php")
            .await
            .0,
        404
    );
    assert_eq!(
        send(&client, hyper::Method::POST, addr, "/api/orders")
            .await
            .0,
        200
    );
    let exposition = metrics_when(addr, |body| {
        body.contains(
            "http_server_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 2\n",
        )
    })
    .await;
    assert!(exposition.contains(
        "http_server_requests_total{method=\"POST\",route=\"/api/orders\",status=\"200\"} 1\n"
    ));
}

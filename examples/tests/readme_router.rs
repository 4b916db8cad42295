//! The README's axum router, as written there: every request is counted, those that match
//! no route too (`route="unmatched"`), and `/metrics` is served; the endpoint's own paths
//! are not counted.

mod common;

use axum::{routing::post, Router};
use common::*;
use metrics_core::Registry;
use metrics_http::{HttpMetrics, MetricsEndpoint};

/// The README's snippet, verbatim apart from the registry it is handed.
fn readme_app(registry: &Registry) -> Router {
    let app: Router = Router::new().route("/api/orders", post(|| async { "placed" }));
    MetricsEndpoint::new(registry.clone()).instrument(app, "/metrics", HttpMetrics::new(registry))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unmatched_requests_are_counted() {
    let registry = Registry::new();
    let app = readme_app(&registry);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = client();
    for path in ["/-/healthy", "/-/cardinality", "/metrics"] {
        assert_eq!(
            send(&client, hyper::Method::GET, addr, path).await.0,
            200,
            "{path}"
        );
    }
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
    // Exactly those two series: the endpoint's paths were served, not counted.
    assert_eq!(
        request_counts(&exposition).len(),
        2,
        "{:?}",
        request_counts(&exposition)
    );
}

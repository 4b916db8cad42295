//! The axum example service, driven over real HTTP: request metrics per route template,
//! a bounded `route` label under a scan of 10 000 raw paths, cancelled requests counted.

mod common;

use common::*;
use metrics_core::Registry;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_metrics_per_route() {
    let registry = Registry::new();
    let app = examples::axum_app(&registry).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let expected = shop_traffic(addr).await;
    // hyper drops the handler when the client goes away: the report is cancelled.
    let exposition = metrics_when(addr, |body| {
        body.contains(
            "http_server_requests_total{method=\"GET\",route=\"/api/report\",status=\"499\"} 1\n",
        )
    })
    .await;
    check_shop_metrics(&exposition, expected);
}

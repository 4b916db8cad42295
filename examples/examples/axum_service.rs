//! An axum service with request metrics per route, business metrics, and `/metrics` on the
//! same port.
//!
//! ```text
//! cargo run -p examples --example axum_service
//! curl -s -X POST 'localhost:9090/api/orders?items=3'
//! curl -s localhost:9090/users/42
//! curl -s localhost:9090/metrics | grep http_server_requests_total
//! ```
//!
//! Served with `metrics_http::serve_router` rather than `axum::serve`, which keeps idle and
//! slow connections for ever: at most 256 connections, the oldest idle one closed for a
//! newcomer, 90 s to send a request, 30 s to read a response.

use metrics_core::Registry;
use metrics_http::{serve_router, ConnectionLimits};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // It exports metrics_family_series and _limit, which examples/deploy alerts on.
    let registry = Registry::new();
    registry.register_collector(metrics_core::ProcessCollector::new());
    let app = examples::axum_app(&registry)?;

    let listener = tokio::net::TcpListener::bind(examples::listen_addr()).await?;
    println!(
        "serving on http://{}/ (metrics at /metrics)",
        listener.local_addr()?
    );
    serve_router(listener, app, ConnectionLimits::default(), async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

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
//!
//! Over https (`serve_router_tls`) when `METRICS_TLS_CERT` and `METRICS_TLS_KEY` name PEM
//! files (reloaded when they change), requiring client certificates from the CA in
//! `METRICS_TLS_CLIENT_CA` if set: what `examples/deploy/tls/` runs.

use metrics_core::Registry;
use metrics_http::{serve_router, serve_router_tls, ConnectionLimits};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // It exports metrics_family_series and _limit, which examples/deploy alerts on.
    let registry = Registry::new();
    registry.register_collector(metrics_core::ProcessCollector::new());
    // The runtime's workers, tasks and busy time, read at each scrape.
    registry.register_collector(metrics_core::TokioCollector::new(
        tokio::runtime::Handle::current(),
    ));
    // SHOP_FAULT_INJECTION=1 adds `/-/faults`, to make the shop fail or slow down on demand
    // (see `examples::faults`); never where untrusted clients reach the port.
    let app = if std::env::var_os("SHOP_FAULT_INJECTION").is_some_and(|v| v == "1") {
        examples::axum_app_with_faults(&registry, examples::faults::Faults::default())?
    } else {
        examples::axum_app(&registry)?
    };

    let listener = tokio::net::TcpListener::bind(examples::listen_addr()).await?;
    let addr = listener.local_addr()?;
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let limits = ConnectionLimits::default();
    match examples::tls_from_env()? {
        Some(tls) => {
            // Its reload and handshake counts, beside the shop's metrics.
            tls.register_metrics(&registry)?;
            println!("serving on https://{addr}/ (metrics at /metrics)");
            serve_router_tls(listener, app, limits, tls, stop).await?;
        }
        None => {
            println!("serving on http://{addr}/ (metrics at /metrics)");
            serve_router(listener, app, limits, stop).await?;
        }
    }
    Ok(())
}

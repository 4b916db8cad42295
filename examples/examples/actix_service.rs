//! The shop of `axum_service` on actix-web: request metrics per route, business metrics, and
//! `/metrics` on the same port.
//!
//! ```text
//! cargo run -p examples --example actix_service
//! curl -s -X POST 'localhost:9090/api/orders?items=3'
//! curl -s localhost:9090/metrics | grep http_server_requests_total
//! ```
//!
//! actix-web's own limits bound what idle and slow clients can hold: connections per worker,
//! the time to send a request's head, and keep-alive.

use actix_web::HttpServer;
use metrics_core::Registry;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // It exports metrics_family_series and _limit, which examples/deploy alerts on.
    let registry = Registry::new();
    registry.register_collector(metrics_core::ProcessCollector::new());
    // Fail here, once, rather than in every worker.
    drop(examples::actix_app(&registry)?);

    actix_web::rt::System::new().block_on(async move {
        let server = HttpServer::new(move || {
            examples::actix_app(&registry).expect("registered once already, so it registers again")
        })
        .max_connections(256)
        .client_request_timeout(std::time::Duration::from_secs(10))
        .keep_alive(std::time::Duration::from_secs(90))
        // A client that closes its connection ends its request: actix drops the handler and
        // the middleware records it as cancelled (499). By default actix runs the handler
        // to its end, and the request is recorded with the handler's status.
        .h1_allow_half_closed(false)
        .bind(examples::listen_addr())?;
        for addr in server.addrs() {
            println!("serving on http://{addr}/ (metrics at /metrics)");
        }
        server.run().await
    })?;
    Ok(())
}

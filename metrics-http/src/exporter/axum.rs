//! Mounting the endpoint on an axum router, and serving a router within connection limits.

use std::future::Future;
use std::io;

use axum::routing::get;
use axum::Router;
use hyper_util::service::TowerToHyperService;

use crate::exporter::cardinality::CARDINALITY_PATH;
use crate::exporter::connections::{self, ConnectionLimits, Handshake};
use crate::exporter::endpoint::MetricsEndpoint;
use crate::{HttpMetrics, RequestMetricsLayer};

/// Serves an axum router on `listener` until `shutdown` completes, as `axum::serve` does,
/// but within [`ConnectionLimits`]: `axum::serve` turns hyper's header-read timeout off and
/// caps nothing, so idle or slow clients can hold every descriptor the process has and leave
/// no room for a scrape. Then lets the requests in progress finish (for up to five seconds).
///
/// ```no_run
/// use axum::{routing::get, Router};
/// use metrics_core::Registry;
/// use metrics_http::{serve_router, ConnectionLimits, MetricsEndpoint};
///
/// # async fn run() -> std::io::Result<()> {
/// let app: Router = Router::new()
///     .route("/hello", get(|| async { "hello" }))
///     .merge(MetricsEndpoint::new(Registry::new()).router("/metrics"));
/// let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await?;
/// serve_router(listener, app, ConnectionLimits::default(), async {
///     let _ = tokio::signal::ctrl_c().await;
/// })
/// .await
/// # }
/// ```
///
/// # Errors
/// None yet: a failing connection is that connection's problem, and a failing `accept` (out
/// of file descriptors) is retried; the `Result` leaves room for setup errors.
pub async fn serve_router(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let service = TowerToHyperService::new(router);
    connections::serve(listener, limits, Handshake::default(), service, shutdown).await
}

/// [`serve_router`] over https: every connection starts with a TLS handshake with `tls`'s
/// certificate (read again when its files change) and client-certificate policy. Call
/// [`ServerTls::register_metrics`](crate::ServerTls::register_metrics) to export its counts.
///
/// ```no_run
/// use axum::Router;
/// use metrics_core::Registry;
/// use metrics_http::{serve_router_tls, ConnectionLimits, MetricsEndpoint, ServerTls};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let registry = Registry::new();
/// let tls = ServerTls::from_pem_files("tls.crt", "tls.key").build()?;
/// let _ = tls.register_metrics(&registry);
/// let app: Router = MetricsEndpoint::new(registry).router("/metrics");
/// let listener = tokio::net::TcpListener::bind("0.0.0.0:8443").await?;
/// serve_router_tls(listener, app, ConnectionLimits::default(), tls, async {
///     let _ = tokio::signal::ctrl_c().await;
/// })
/// .await?;
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// As [`serve_router`]: none yet.
#[cfg(feature = "server-tls")]
pub async fn serve_router_tls(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: ConnectionLimits,
    tls: crate::ServerTls,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()> {
    let service = TowerToHyperService::new(router);
    let handshake = Handshake { tls: Some(tls) };
    connections::serve(listener, limits, handshake, service, shutdown).await
}

impl MetricsEndpoint {
    /// `router` with this endpoint mounted at `path` (and `/-/healthy` and the cardinality
    /// page) and request metrics on every request, in the one order that counts them all:
    /// the routes, the fallback and requests that match nothing (`route="unmatched"`). The
    /// endpoint's own paths are not recorded. Call it last, on the finished router: a route
    /// or layer added afterwards is not measured.
    ///
    /// ```
    /// use axum::{routing::post, Router};
    /// use metrics_core::Registry;
    /// use metrics_http::{HttpMetrics, MetricsEndpoint};
    ///
    /// let registry = Registry::new();
    /// let app: Router = Router::new().route("/api/orders", post(|| async { "placed" }));
    /// let app = MetricsEndpoint::new(registry.clone())
    ///     .instrument(app, "/metrics", HttpMetrics::new(&registry));
    /// ```
    ///
    /// # Panics
    /// As [`router`](Self::router), when `path` does not start with `/` or is one of the
    /// router's routes.
    #[track_caller]
    pub fn instrument<S: Clone + Send + Sync + 'static>(
        &self,
        router: Router<S>,
        path: &str,
        metrics: HttpMetrics,
    ) -> Router<S> {
        let metrics = metrics.also_excluding(&[path, "/-/healthy", CARDINALITY_PATH]);
        router
            .merge(self.router(path))
            .layer(RequestMetricsLayer::new(metrics))
    }

    /// An axum router that serves this endpoint at `path`, answers `/-/healthy`, and serves
    /// the cardinality page at [`CARDINALITY_PATH`](crate::CARDINALITY_PATH) (behind the
    /// same credentials); merge it into the service's router so that `/metrics` shares the
    /// service's port.
    ///
    /// ```
    /// use axum::{routing::get, Router};
    /// use metrics_core::Registry;
    /// use metrics_http::MetricsEndpoint;
    ///
    /// let registry = Registry::new();
    /// let app: Router = Router::new()
    ///     .route("/hello", get(|| async { "hello" }))
    ///     .merge(MetricsEndpoint::new(registry).router("/metrics"));
    /// ```
    ///
    /// # Panics
    /// As axum does, when `path` does not start with `/` or is `/-/healthy`.
    #[track_caller]
    pub fn router<S: Clone + Send + Sync + 'static>(&self, path: &str) -> Router<S> {
        let endpoint = self.clone();
        Router::new()
            .route_service(path, self.clone())
            .route("/-/healthy", get(|| async { "OK\n" }))
            .route(
                CARDINALITY_PATH,
                get(move |request: axum::extract::Request| async move {
                    endpoint.respond_cardinality(request).await
                }),
            )
    }
}

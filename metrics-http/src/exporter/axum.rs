//! Mounting the endpoint on an axum router.

use axum::routing::get;
use axum::Router;

use crate::exporter::endpoint::MetricsEndpoint;

impl MetricsEndpoint {
    /// An axum router that serves this endpoint at `path` and answers `/-/healthy`; merge it
    /// into the service's router so that `/metrics` shares the service's port.
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
        Router::new()
            .route_service(path, self.clone())
            .route("/-/healthy", get(|| async { "OK\n" }))
    }
}

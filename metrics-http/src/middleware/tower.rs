//! The request-metrics middleware as a tower layer: axum, tonic, hyper-util services.

use std::task::{Context, Poll};

use http::{Request, Response};
use tower_layer::Layer;
use tower_service::Service;

use crate::middleware::future::{MeteredBody, ResponseFuture};
use crate::middleware::HttpMetrics;

/// Records [`HttpMetrics`] for every request through the service it wraps.
///
/// With axum, add it with `Router::layer` so that it runs after routing and sees the
/// `MatchedPath`; requests that match no route (the fallback) are labelled
/// `route="unmatched"`. Add it last, after every `route` and `merge`: `Router::layer` wraps
/// only what the router holds when it is called.
///
/// ```
/// # #[cfg(feature = "axum")] {
/// use axum::{routing::get, Router};
/// use metrics_core::Registry;
/// use metrics_http::{HttpMetrics, RequestMetricsLayer};
///
/// let registry = Registry::new();
/// let app: Router = Router::new()
///     .route("/users/{id}", get(|| async { "a user" }))
///     .layer(RequestMetricsLayer::new(HttpMetrics::new(&registry)));
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct RequestMetricsLayer {
    metrics: HttpMetrics,
}

impl RequestMetricsLayer {
    /// A layer recording into `metrics`.
    pub fn new(metrics: HttpMetrics) -> RequestMetricsLayer {
        RequestMetricsLayer { metrics }
    }
}

impl<S> Layer<S> for RequestMetricsLayer {
    type Service = RequestMetrics<S>;

    fn layer(&self, inner: S) -> RequestMetrics<S> {
        RequestMetrics {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

/// The service made by [`RequestMetricsLayer`].
#[derive(Debug, Clone)]
pub struct RequestMetrics<S> {
    inner: S,
    metrics: HttpMetrics,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RequestMetrics<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: http_body::Body,
{
    type Response = Response<MeteredBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let mut in_flight = self
            .metrics
            .start(request.method().as_str(), request.uri().path());
        if let Some(in_flight) = &mut in_flight {
            in_flight.route = matched_path(&request);
        }
        ResponseFuture::new(self.inner.call(request), in_flight)
    }
}

#[cfg(feature = "axum")]
fn matched_path<B>(request: &Request<B>) -> Option<String> {
    request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|path| path.as_str().to_owned())
}

#[cfg(not(feature = "axum"))]
fn matched_path<B>(_: &Request<B>) -> Option<String> {
    None
}

//! Serving, measuring and pushing [`metrics_core`] registries over HTTP: the `/metrics`
//! endpoint (standalone, on axum or on actix-web), request metrics for services, and push
//! clients for jobs that cannot be scraped.
//!
//! ```no_run
//! use metrics_core::Registry;
//! use metrics_http::Exporter;
//!
//! let registry = Registry::new();
//! let jobs = registry.counter("jobs_processed_total", "Jobs processed.");
//! let exporter = Exporter::builder().bind("0.0.0.0:9090").registry(registry).build()?;
//! let _running = exporter.start()?; // `/metrics` and `/-/healthy` until dropped
//! jobs.inc();
//! # Ok::<(), metrics_http::ExporterError>(())
//! ```
//!
//! Metrics are declared, checked and encoded by [`metrics_core`], which this crate
//! re-exports.
//!
//! # Features
//!
//! | feature | default | what |
//! |---|---|---|
//! | `server` | yes | `MetricsEndpoint` (content negotiation, gzip, auth, scrape timeout, concurrent-scrape limit, the cardinality page) and `Exporter`, a port of its own with connection limits |
//! | `tower` | yes | `HttpMetrics` and `RequestMetricsLayer`: `http_server_requests_total`, `..._request_duration_seconds`, `..._response_body_size_bytes`, `..._active_requests` by method, route template and status |
//! | `gzip` | yes | gzip answers when the scraper takes them |
//! | `derive` | yes | the `metrics_core` derives, through the re-export |
//! | `axum` | | `MetricsEndpoint::router` and `instrument` (the endpoint and request metrics on an axum router in one call), `serve_router` within `ConnectionLimits` |
//! | `actix` | | `actix_resource`, `ActixRequestMetrics` for actix-web 4 |
//! | `push` | | `Pushgateway` (push, push_add, delete; protobuf or text; retries), `BatchJob` (pushes a job's outcome however it ends), `PeriodicPush` |
//! | `remote-write` | | `RemoteWrite`: straight into Prometheus or a Mimir tenant, remote write 2.0 or 1.0 |
//! | `tls` | | `https://` for the push clients (rustls, Mozilla's roots and given ones) |
//! | `server-tls` | | https for the exporter and `serve_router_tls`: `ServerTls`, files reloaded on change, client certificates |
//! | `log` | | warnings through the `log` facade (a certificate that failed to reload, a family near its series limit) |
//!
//! The exporter keeps a scraper's connection between scrapes and closes it after an idle
//! timeout (90 s); every server here caps its connections, so idle or slow clients cannot
//! take the descriptors a scrape needs.
//!
//! The crate re-exports `metrics_core`, so that a service can depend on this crate alone;
//! with feature `derive` (on by default) the derives come along, pointed at the re-export
//! with `#[metrics(crate = metrics_http::metrics_core)]`.
#![cfg_attr(
    feature = "derive",
    doc = r#"
```
use metrics_http::metrics_core::{Counter, MetricGroup, Registry};

#[derive(MetricGroup)]
#[metrics(crate = metrics_http::metrics_core)]
struct Jobs {
    /// Jobs processed.
    jobs_processed_total: Counter,
}

let jobs = Jobs::register(&Registry::new())?;
jobs.jobs_processed_total.inc();
# Ok::<(), metrics_http::metrics_core::RegisterError>(())
```
"#
)]

mod auth;
#[cfg(any(feature = "push", feature = "server-tls"))]
mod civil;
#[cfg(feature = "server")]
mod exporter;
#[cfg(any(feature = "tower", feature = "actix"))]
mod middleware;
#[cfg(feature = "push")]
mod push;

pub use auth::Auth;
#[cfg(feature = "axum")]
pub use exporter::axum::serve_router;
#[cfg(all(feature = "axum", feature = "server-tls"))]
pub use exporter::axum::serve_router_tls;
#[cfg(feature = "server")]
pub use exporter::cardinality::CARDINALITY_PATH;
#[cfg(feature = "server")]
pub use exporter::connections::{ConnectionLimits, DEFAULT_IDLE_TIMEOUT};
#[cfg(feature = "server")]
pub use exporter::endpoint::{
    MetricsEndpoint, DEFAULT_MAX_CONCURRENT_SCRAPES, DEFAULT_SCRAPE_TIMEOUT,
};
#[cfg(feature = "server")]
pub use exporter::server::{
    Exporter, ExporterBuilder, ExporterError, ExporterHandle, ProcessMetrics,
};
#[cfg(feature = "server-tls")]
pub use exporter::tls::{ClientAuth, ServerTls, ServerTlsBuilder, TlsError};
pub use metrics_core;
#[cfg(feature = "actix")]
pub use middleware::actix::{ActixMeteredBody, ActixRequestMetrics, ActixRequestMetricsService};
#[cfg(feature = "tower")]
pub use middleware::future::{MeteredBody, ResponseFuture};
#[cfg(feature = "tower")]
pub use middleware::route::Route;
#[cfg(feature = "tower")]
pub use middleware::tower::{RequestMetrics, RequestMetricsLayer};
#[cfg(any(feature = "tower", feature = "actix"))]
pub use middleware::{
    HttpMetrics, HttpMetricsBuilder, CANCELLED_STATUS, DEFAULT_DURATION_BUCKETS,
    DEFAULT_SIZE_BUCKETS, UNMATCHED_ROUTE,
};
#[cfg(feature = "push")]
pub use push::batch::{BatchJob, PeriodicPush};
#[cfg(feature = "push")]
pub use push::pushgateway::{PushFormat, Pushgateway, PushgatewayBuilder};
#[cfg(feature = "remote-write")]
pub use push::remote_write::{RemoteWrite, RemoteWriteBuilder, RemoteWriteProtocol, Written};
#[cfg(feature = "push")]
pub use push::{PushError, Retry};

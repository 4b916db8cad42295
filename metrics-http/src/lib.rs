//! HTTP for [`metrics_core`] registries: the `/metrics` endpoint and a standalone exporter,
//! and request metrics for tower (axum) and actix-web services.
//!
//! - [`MetricsEndpoint`] (feature `server`, on by default) answers scrapes: content
//!   negotiation, gzip, optional auth, a scrape timeout and a limit on concurrent scrapes. It
//!   is a tower service (`axum::Router::route_service`, or [`MetricsEndpoint::router`] with
//!   feature `axum`), and an actix-web resource with feature `actix`.
//! - [`Exporter`] serves it on a port of its own, for programs without a web stack:
//!   `serve` on your runtime until a shutdown future completes, or `start` on a thread. It
//!   keeps a scraper's connection between scrapes and closes it after an idle timeout
//!   ([`DEFAULT_IDLE_TIMEOUT`], 90 s).
//! - [`HttpMetrics`] with [`RequestMetricsLayer`] (feature `tower`) or
//!   [`ActixRequestMetrics`] (feature `actix`) records `http_server_requests_total`,
//!   `http_server_request_duration_seconds`, `http_server_response_body_size_bytes` and
//!   `http_server_active_requests`, labelled by method, route template and status.
//!
//! ```no_run
//! use metrics_core::Registry;
//! use metrics_http::Exporter;
//!
//! let registry = Registry::new();
//! let jobs = registry.counter("jobs_processed_total", "Jobs processed.");
//! let exporter = Exporter::builder().bind("0.0.0.0:9090").registry(registry).build()?;
//! let _running = exporter.start()?;
//! jobs.inc();
//! # Ok::<(), metrics_http::ExporterError>(())
//! ```
//!
//! - [`Pushgateway`] (feature `push`): `push`, `push_add` and `delete` of a group, async and
//!   blocking, with timeouts, bounded retries and typed errors, as delimited protobuf (native
//!   histograms included) or text ([`PushFormat`]); [`BatchJob`] pushes a job's metrics and
//!   its outcome when it ends, however it ends; [`PeriodicPush`] for processes that cannot
//!   be scraped.
//! - [`RemoteWrite`] (feature `remote-write`): a registry snapshot straight into Prometheus
//!   or a Mimir tenant, by remote write 2.0 or 1.0 ([`RemoteWriteProtocol`]), native
//!   histograms, exemplars and metadata included.
//! - Feature `tls`: both push clients also take `https://` URLs (rustls, Mozilla's roots
//!   and any given with `root_certificates_pem`).
//! - Feature `server-tls`: the exporter ([`ExporterBuilder::tls`]) and routers
//!   (`serve_router_tls`) serve https from a PEM certificate and key ([`ServerTls`]),
//!   reloaded when the files change, with client certificates required or optional.
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

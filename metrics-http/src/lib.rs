//! HTTP integration for [`metrics_core`]: the `/metrics` exporter for hyper and axum,
//! request-metrics middleware for tower and actix-web, and push clients (Pushgateway,
//! remote write).
//!
//! None of these is written yet; they are the project's next issues. Until the exporter
//! lands, the `examples` package serves `/metrics` with a minimal std server. The crate
//! re-exports `metrics_core` so that a service can depend on this crate alone.

pub use metrics_core;

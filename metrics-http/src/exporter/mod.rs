//! Serving `/metrics`: the framework-independent endpoint, the standalone exporter, and the
//! adapters for axum and actix-web.

#[cfg(feature = "actix")]
pub(crate) mod actix;
#[cfg(feature = "axum")]
pub(crate) mod axum;
pub(crate) mod cardinality;
pub(crate) mod connections;
pub(crate) mod endpoint;
pub(crate) mod server;
#[cfg(feature = "server-tls")]
pub(crate) mod tls;

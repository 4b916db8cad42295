//! The standalone exporter: `/metrics` and `/-/healthy` on a port of their own, for
//! programs without a web stack.

use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::{SocketAddr, TcpListener as StdListener, ToSocketAddrs};
use std::thread;
use std::time::Duration;

use bytes::Bytes;
use http::{header, HeaderValue, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use metrics_core::{ProcessCollector, Registry};
use tokio::sync::oneshot;

use crate::auth::Auth;
use crate::exporter::cardinality::CARDINALITY_PATH;
use crate::exporter::connections::{self, ConnectionLimits, Handshake};
use crate::exporter::endpoint::{Answer, MetricsEndpoint};

/// Whether the exporter registers the process collector (`process_cpu_seconds_total`,
/// `process_resident_memory_bytes`...) on its registry, as other clients serve their default
/// metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ProcessMetrics {
    /// Register [`ProcessCollector`] (the default), unless the registry exposes its families
    /// already.
    #[default]
    Register,
    /// Leave the registry as it is (it may already have one).
    Skip,
}

/// Why an exporter could not be built.
#[derive(Debug)]
#[non_exhaustive]
pub enum ExporterError {
    /// The bind address does not parse or resolve.
    Address {
        /// The address as given.
        addr: String,
        /// Why it does not resolve.
        source: io::Error,
    },
    /// The address resolves but cannot be bound (in use, no permission).
    Bind {
        /// The address bound.
        addr: SocketAddr,
        /// The operating system's reason.
        source: io::Error,
    },
    /// The metrics path or the cardinality page's is not an absolute path (`/metrics`), is
    /// `/-/healthy`, or both are the same.
    Path(String),
    /// The runtime for [`Exporter::start`] could not be created.
    Runtime(io::Error),
}

impl fmt::Display for ExporterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExporterError::Address { addr, source } => {
                write!(f, "exporter address `{addr}` does not resolve: {source}")
            }
            ExporterError::Bind { addr, source } => {
                write!(f, "exporter cannot listen on {addr}: {source}")
            }
            ExporterError::Path(path) => write!(
                f,
                "exporter path `{path}` must start with `/` and not be `/-/healthy` or the \
                 other path (metrics, cardinality page)"
            ),
            ExporterError::Runtime(source) => {
                write!(f, "exporter cannot start its runtime: {source}")
            }
        }
    }
}

impl std::error::Error for ExporterError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ExporterError::Address { source, .. }
            | ExporterError::Bind { source, .. }
            | ExporterError::Runtime(source) => Some(source),
            ExporterError::Path(_) => None,
        }
    }
}

/// Settings of an [`Exporter`]; [`build`](Self::build) binds the port.
#[derive(Debug)]
#[must_use]
pub struct ExporterBuilder {
    bind: String,
    path: String,
    cardinality_path: String,
    registry: Option<Registry>,
    auth: Option<Auth>,
    scrape_timeout: Option<Duration>,
    max_concurrent_scrapes: Option<usize>,
    cardinality_page: Option<(usize, usize)>,
    limits: ConnectionLimits,
    process_metrics: ProcessMetrics,
    handshake: Handshake,
}

impl Default for ExporterBuilder {
    fn default() -> ExporterBuilder {
        ExporterBuilder {
            bind: "0.0.0.0:9090".to_owned(),
            path: "/metrics".to_owned(),
            cardinality_path: CARDINALITY_PATH.to_owned(),
            registry: None,
            auth: None,
            scrape_timeout: None,
            max_concurrent_scrapes: None,
            cardinality_page: None,
            limits: ConnectionLimits::default(),
            process_metrics: ProcessMetrics::Register,
            handshake: Handshake::default(),
        }
    }
}

impl ExporterBuilder {
    /// The address to listen on (default `0.0.0.0:9090`; port 0 picks a free port).
    pub fn bind(mut self, addr: impl Into<String>) -> Self {
        self.bind = addr.into();
        self
    }

    /// The path of the metrics (default `/metrics`).
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// The path of the cardinality page (default [`CARDINALITY_PATH`](crate::CARDINALITY_PATH),
    /// `/-/cardinality`), served behind the same credentials as the metrics.
    pub fn cardinality_path(mut self, path: impl Into<String>) -> Self {
        self.cardinality_path = path.into();
        self
    }

    /// The registry to serve (default: [`default_registry()`](metrics_core::default_registry)).
    pub fn registry(mut self, registry: Registry) -> Self {
        self.registry = Some(registry);
        self
    }

    /// Credentials every scrape must present (401 otherwise). `/-/healthy` stays open, for
    /// liveness probes.
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = Some(auth);
        self
    }

    /// See [`MetricsEndpoint::scrape_timeout`].
    pub fn scrape_timeout(mut self, timeout: Duration) -> Self {
        self.scrape_timeout = Some(timeout);
        self
    }

    /// See [`MetricsEndpoint::max_concurrent_scrapes`].
    pub fn max_concurrent_scrapes(mut self, limit: usize) -> Self {
        self.max_concurrent_scrapes = Some(limit);
        self
    }

    /// See [`MetricsEndpoint::cardinality_page`].
    pub fn cardinality_page(mut self, values: usize, families: usize) -> Self {
        self.cardinality_page = Some((values, families));
        self
    }

    /// How long a connection may wait for its next request, and take to send its headers,
    /// before the exporter closes it (default [`DEFAULT_IDLE_TIMEOUT`](crate::DEFAULT_IDLE_TIMEOUT), 90 s; at least 1 ms).
    ///
    /// hyper bounds both with one timer, started when a response has been written (or the
    /// connection accepted). Keep it longer than the scrape interval, or every scrape opens
    /// a new connection and may race the close of the old one; shorter, a client that
    /// connects and sends nothing is dropped sooner.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.limits.idle_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// How many connections stay open and for how long (default
    /// [`ConnectionLimits::default`]: 256 connections, the oldest idle one closed for a
    /// newcomer at the cap; the idle timeout; 30 s to write a response the client does not
    /// read; 64 KiB of requests read ahead). The idle timeout set here is
    /// [`idle_timeout`](Self::idle_timeout)'s.
    pub fn connection_limits(mut self, limits: ConnectionLimits) -> Self {
        self.limits = ConnectionLimits {
            idle_timeout: limits.idle_timeout.max(Duration::from_millis(1)),
            ..limits
        };
        self
    }

    /// Serves https with this certificate (and client-certificate policy) instead of plain
    /// HTTP, and exports its reload and handshake counts in the registry (see
    /// [`ServerTls::register_metrics`](crate::ServerTls::register_metrics); left out when
    /// the registry has them already). `/-/healthy` is served over https too: point probes
    /// at it with `scheme: HTTPS`.
    #[cfg(feature = "server-tls")]
    pub fn tls(mut self, tls: crate::ServerTls) -> Self {
        self.handshake.tls = Some(tls);
        self
    }

    /// Whether to register the process collector (default [`ProcessMetrics::Register`]).
    pub fn process_metrics(mut self, which: ProcessMetrics) -> Self {
        self.process_metrics = which;
        self
    }

    /// Checks the settings and binds the port, so that the address is known (and its
    /// errors seen) before serving starts.
    ///
    /// # Errors
    /// [`ExporterError::Address`], [`ExporterError::Bind`] or [`ExporterError::Path`].
    pub fn build(self) -> Result<Exporter, ExporterError> {
        for (path, taken) in [
            (&self.path, [HEALTHY_PATH, &self.cardinality_path]),
            (&self.cardinality_path, [HEALTHY_PATH, &self.path]),
        ] {
            if !path.starts_with('/') || taken.contains(&path.as_str()) {
                return Err(ExporterError::Path(path.clone()));
            }
        }
        let addr = self
            .bind
            .to_socket_addrs()
            .and_then(|mut addrs| {
                addrs
                    .next()
                    .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no address found"))
            })
            .map_err(|source| ExporterError::Address {
                addr: self.bind.clone(),
                source,
            })?;
        let listener = StdListener::bind(addr)
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .map_err(|source| ExporterError::Bind { addr, source })?;
        let local_addr = listener
            .local_addr()
            .map_err(|source| ExporterError::Bind { addr, source })?;

        let registry = self
            .registry
            .unwrap_or_else(|| metrics_core::default_registry().clone());
        if self.process_metrics == ProcessMetrics::Register {
            // A registry that exposes process metrics already (its own collector, or an
            // exporter built on it before) keeps those: refused as a clash, this one is
            // simply not added.
            let _ = registry.try_register_collector(ProcessCollector::new());
        }
        #[cfg(feature = "server-tls")]
        if let Some(tls) = &self.handshake.tls {
            // Refused as a clash when another https server exports its counts here already.
            let _ = tls.register_metrics(&registry);
        }
        let mut endpoint = MetricsEndpoint::new(registry);
        if let Some(auth) = self.auth {
            endpoint = endpoint.auth(auth);
        }
        if let Some(timeout) = self.scrape_timeout {
            endpoint = endpoint.scrape_timeout(timeout);
        }
        if let Some(limit) = self.max_concurrent_scrapes {
            endpoint = endpoint.max_concurrent_scrapes(limit);
        }
        if let Some((values, families)) = self.cardinality_page {
            endpoint = endpoint.cardinality_page(values, families);
        }
        Ok(Exporter {
            listener,
            local_addr,
            paths: Paths {
                metrics: self.path,
                cardinality: self.cardinality_path,
            },
            endpoint,
            limits: self.limits,
            handshake: self.handshake,
        })
    }
}

const HEALTHY_PATH: &str = "/-/healthy";

/// A bound `/metrics` server: [`serve`](Self::serve) it on your tokio runtime, or
/// [`start`](Self::start) it on a thread of its own.
///
/// It answers the metrics path with the [`MetricsEndpoint`], `/-/healthy` with 200, and
/// anything else with 404.
///
/// ```no_run
/// use metrics_core::Registry;
/// use metrics_http::Exporter;
///
/// let registry = Registry::new();
/// let exporter = Exporter::builder().bind("0.0.0.0:9090").registry(registry.clone()).build()?;
/// println!("serving http://{}/metrics", exporter.local_addr());
/// let running = exporter.start()?; // stops when `running` is dropped
/// # Ok::<(), metrics_http::ExporterError>(())
/// ```
#[derive(Debug)]
pub struct Exporter {
    listener: StdListener,
    local_addr: SocketAddr,
    paths: Paths,
    endpoint: MetricsEndpoint,
    limits: ConnectionLimits,
    handshake: Handshake,
}

impl Exporter {
    /// Settings, starting from the defaults.
    pub fn builder() -> ExporterBuilder {
        ExporterBuilder::default()
    }

    /// The address it listens on (with the port chosen, if 0 was asked).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The endpoint it serves.
    pub fn endpoint(&self) -> &MetricsEndpoint {
        &self.endpoint
    }

    /// Serves until `shutdown` completes, then lets the scrapes in progress finish (for up to
    /// five seconds) and returns. Call it from a tokio runtime with IO and time enabled.
    ///
    /// # Errors
    /// Only when the listener cannot be registered with the runtime. A failing connection is
    /// that connection's problem; a failing `accept` (out of file descriptors) is retried.
    pub async fn serve(self, shutdown: impl Future<Output = ()>) -> io::Result<()> {
        let listener = tokio::net::TcpListener::from_std(self.listener)?;
        let paths = std::sync::Arc::new(self.paths);
        let endpoint = self.endpoint;
        let service = hyper::service::service_fn(move |request: Request<Incoming>| {
            let (endpoint, paths) = (endpoint.clone(), paths.clone());
            async move { Ok::<_, Infallible>(route(&endpoint, &paths, request).await) }
        });
        connections::serve(listener, self.limits, self.handshake, service, shutdown).await
    }

    /// Serves on a thread of its own (with a single-threaded tokio runtime) until the
    /// returned handle is stopped or dropped.
    ///
    /// # Errors
    /// [`ExporterError::Runtime`] when the runtime or the thread cannot be created.
    pub fn start(self) -> Result<ExporterHandle, ExporterError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(ExporterError::Runtime)?;
        let local_addr = self.local_addr;
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = thread::Builder::new()
            .name("metrics-exporter".to_owned())
            .spawn(move || {
                runtime.block_on(self.serve(async {
                    let _ = stopped.await;
                }))
            })
            .map_err(ExporterError::Runtime)?;
        Ok(ExporterHandle {
            local_addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

/// Where the exporter serves the metrics and the cardinality page.
#[derive(Debug)]
struct Paths {
    metrics: String,
    cardinality: String,
}

async fn route(
    endpoint: &MetricsEndpoint,
    paths: &Paths,
    request: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let requested = request.uri().path();
    let path = &paths.metrics;
    if requested == path {
        endpoint.respond(request).await
    } else if requested == paths.cardinality {
        endpoint.respond_cardinality(request).await
    } else if requested == HEALTHY_PATH {
        Answer::text(200, "OK").into()
    } else {
        let mut response: Response<Full<Bytes>> =
            Answer::text(404, &format!("404 Not Found: metrics are at {path}")).into();
        *response.status_mut() = StatusCode::NOT_FOUND;
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

/// A running [`Exporter`]: it stops when [`stop`](Self::stop) is called or the handle is
/// dropped.
#[derive(Debug)]
#[must_use = "the exporter stops when its handle is dropped"]
pub struct ExporterHandle {
    local_addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<io::Result<()>>>,
}

impl ExporterHandle {
    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting, waits for the scrapes in progress (at most five seconds) and for the
    /// thread to end.
    pub fn stop(mut self) {
        self.shut_down();
    }

    /// Blocks the calling thread for as long as the exporter runs: for a `main` that has
    /// nothing else to do.
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    fn shut_down(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for ExporterHandle {
    fn drop(&mut self) {
        self.shut_down();
    }
}

//! Request metrics (rate, errors, duration) per route, shared by the tower layer and the
//! actix-web middleware.
//!
//! Both adapters do the same thing: an [`InFlight`] record starts with the request and is
//! finished when it is dropped, which happens when the response body has been sent, fails, or
//! is abandoned, or when the request itself is cancelled. One drop-driven mechanism, so no
//! path through a request can skip the recording.

#[cfg(feature = "actix")]
pub(crate) mod actix;
#[cfg(feature = "tower")]
pub(crate) mod future;
#[cfg(feature = "tower")]
pub(crate) mod route;
#[cfg(feature = "tower")]
pub(crate) mod tower;

use std::sync::Arc;
use std::time::Instant;

use metrics_core::{
    Buckets, Counter, DynLabels, Family, Gauge, Histogram, NativeBuckets, Opts, RegisterError,
    Registry,
};

/// The `route` value of requests that matched no route: 404 scanners and typos all share it,
/// so raw paths never become label values.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// The `status` value of a request whose client went away before the response was ready
/// (nginx's "client closed request").
pub const CANCELLED_STATUS: u16 = 499;

/// The duration buckets when none are given, in seconds: OpenTelemetry's advice for HTTP
/// server durations, from 5 ms to 10 s.
pub const DEFAULT_DURATION_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

fn default_duration_buckets() -> Buckets {
    Buckets::new(DEFAULT_DURATION_BUCKETS).expect("the defaults are valid")
}

/// The response size buckets when none are given, in bytes: powers of 4 from 64 B to 64 MiB.
pub const DEFAULT_SIZE_BUCKETS: [f64; 11] = [
    64.0, 256.0, 1024.0, 4096.0, 16384.0, 65536.0, 262144.0, 1048576.0, 4194304.0, 16777216.0,
    67108864.0,
];

/// The metrics the request middleware records, registered on a registry:
///
/// | name | type | labels |
/// |---|---|---|
/// | `http_server_requests_total` | counter | `method`, `route`, `status` |
/// | `http_server_request_duration_seconds` | histogram | `method`, `route`, `status` |
/// | `http_server_response_body_size_bytes` | histogram | `method`, `route`, `status` |
/// | `http_server_active_requests` | gauge | `method` |
///
/// `method` is one of the standard methods or `OTHER`; `route` is the route template
/// (`/users/{id}`), or [`UNMATCHED_ROUTE`]; `status` is the response code, or
/// [`CANCELLED_STATUS`] for a request cancelled before its response. The duration runs from
/// the request's arrival to the end of its response body.
///
/// Cheap to clone; give it to `RequestMetricsLayer` (feature `tower`: axum, tonic) or
/// `ActixRequestMetrics` (feature `actix`).
#[derive(Clone, Debug)]
pub struct HttpMetrics {
    inner: Arc<Families>,
}

#[derive(Debug, Clone)]
struct Families {
    requests: Family<DynLabels, Counter>,
    duration: Family<DynLabels, Histogram>,
    response_size: Family<DynLabels, Histogram>,
    active: Family<DynLabels, Gauge>,
    excluded: Vec<String>,
}

/// Settings of [`HttpMetrics`].
#[derive(Debug, Clone)]
#[must_use]
pub struct HttpMetricsBuilder {
    duration_buckets: Option<Buckets>,
    size_buckets: Option<Buckets>,
    excluded: Vec<String>,
}

impl Default for HttpMetricsBuilder {
    fn default() -> HttpMetricsBuilder {
        HttpMetricsBuilder {
            duration_buckets: None,
            size_buckets: None,
            excluded: vec!["/metrics".to_owned()],
        }
    }
}

impl HttpMetricsBuilder {
    /// The buckets of `http_server_request_duration_seconds`, in seconds (default
    /// [`DEFAULT_DURATION_BUCKETS`]).
    pub fn duration_buckets(mut self, buckets: Buckets) -> Self {
        self.duration_buckets = Some(buckets);
        self
    }

    /// Native (exponential) buckets for `http_server_request_duration_seconds`, beside its
    /// classic ones: precise percentiles for Prometheus with native histograms enabled.
    ///
    /// ```
    /// use metrics_core::{NativeBuckets, Registry};
    /// use metrics_http::HttpMetrics;
    /// let registry = Registry::new();
    /// let metrics = HttpMetrics::builder()
    ///     .native_duration(NativeBuckets::new(1.1)?)
    ///     .register(&registry)?;
    /// # let _ = metrics;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn native_duration(mut self, native: NativeBuckets) -> Self {
        let classic = self
            .duration_buckets
            .take()
            .unwrap_or_else(default_duration_buckets);
        self.duration_buckets = Some(classic.native(native));
        self
    }

    /// The buckets of `http_server_response_body_size_bytes` (default
    /// [`DEFAULT_SIZE_BUCKETS`]).
    pub fn size_buckets(mut self, buckets: Buckets) -> Self {
        self.size_buckets = Some(buckets);
        self
    }

    /// Paths (exact, as requested) that are not recorded. Replaces the default, which is
    /// `/metrics`, so that scrapes do not count as traffic.
    pub fn exclude_paths<I, P>(mut self, paths: I) -> Self
    where
        I: IntoIterator<Item = P>,
        P: Into<String>,
    {
        self.excluded = paths.into_iter().map(Into::into).collect();
        self
    }

    /// Registers the metrics on `registry` (registering twice with the same settings gives
    /// the same families).
    ///
    /// # Errors
    /// When the registry already holds one of the names with another shape
    /// ([`RegisterError::Conflict`]), or its namespace makes a name invalid.
    pub fn register(self, registry: &Registry) -> Result<HttpMetrics, RegisterError> {
        let duration_buckets = self
            .duration_buckets
            .unwrap_or_else(default_duration_buckets);
        let size_buckets = match self.size_buckets {
            Some(buckets) => buckets,
            None => Buckets::new(DEFAULT_SIZE_BUCKETS).expect("the defaults are valid"),
        };
        const FULL: &[&str] = &["method", "route", "status"];
        let requests = registry.try_family(
            Opts::new("http_server_requests_total", "HTTP requests served.").labels(FULL),
        )?;
        let duration = registry.try_family_with(
            Opts::new(
                "http_server_request_duration_seconds",
                "Time from a request's arrival to the end of its response body.",
            )
            .labels(FULL)
            .unit("seconds"),
            duration_buckets,
        )?;
        let response_size = registry.try_family_with(
            Opts::new(
                "http_server_response_body_size_bytes",
                "Size of response bodies as sent.",
            )
            .labels(FULL)
            .unit("bytes"),
            size_buckets,
        )?;
        let active = registry.try_family(
            Opts::new(
                "http_server_active_requests",
                "Requests being served: arrived, response body not yet finished.",
            )
            .labels(&["method"]),
        )?;
        Ok(HttpMetrics {
            inner: Arc::new(Families {
                requests,
                duration,
                response_size,
                active,
                excluded: self.excluded,
            }),
        })
    }
}

impl HttpMetrics {
    /// Settings, starting from the defaults.
    pub fn builder() -> HttpMetricsBuilder {
        HttpMetricsBuilder::default()
    }

    /// Registers the metrics on `registry` with the default settings.
    ///
    /// # Errors
    /// As for [`HttpMetricsBuilder::register`].
    pub fn try_new(registry: &Registry) -> Result<HttpMetrics, RegisterError> {
        HttpMetrics::builder().register(registry)
    }

    /// Registers the metrics on `registry` with the default settings.
    ///
    /// # Panics
    /// When [`try_new`](Self::try_new) would return an error.
    #[track_caller]
    pub fn new(registry: &Registry) -> HttpMetrics {
        HttpMetrics::try_new(registry).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Whether requests for `path` go unrecorded.
    pub(crate) fn excludes(&self, path: &str) -> bool {
        self.inner.excluded.iter().any(|p| p == path)
    }

    /// The same families, also leaving `paths` unrecorded (for the endpoint's own paths).
    #[cfg(feature = "axum")]
    pub(crate) fn also_excluding(&self, paths: &[&str]) -> HttpMetrics {
        let mut families = Families::clone(&self.inner);
        for path in paths {
            if !families.excluded.iter().any(|p| p == path) {
                families.excluded.push((*path).to_owned());
            }
        }
        HttpMetrics {
            inner: Arc::new(families),
        }
    }

    /// Starts the record of a request, unless its path is excluded.
    pub(crate) fn start(&self, method: &str, path: &str) -> Option<InFlight> {
        if self.excludes(path) {
            return None;
        }
        let method = method_label(method);
        self.inner.active.with_label_values(&[method]).inc();
        Some(InFlight {
            metrics: self.clone(),
            method,
            route: None,
            status: None,
            body_bytes: 0,
            start: Instant::now(),
        })
    }
}

/// One request being served; recorded when dropped.
#[derive(Debug)]
pub(crate) struct InFlight {
    metrics: HttpMetrics,
    method: &'static str,
    pub(crate) route: Option<String>,
    pub(crate) status: Option<u16>,
    pub(crate) body_bytes: u64,
    start: Instant,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let families = &self.metrics.inner;
        let elapsed = self.start.elapsed().as_secs_f64();
        let status = status_label(self.status.unwrap_or(CANCELLED_STATUS));
        let status = std::str::from_utf8(&status).unwrap_or("000");
        let route = self.route.as_deref().unwrap_or(UNMATCHED_ROUTE);
        let labels = [self.method, route, status];
        families.requests.with_label_values(&labels).inc();
        families
            .duration
            .with_label_values(&labels)
            .observe(elapsed);
        families
            .response_size
            .with_label_values(&labels)
            .observe(self.body_bytes as f64);
        families.active.with_label_values(&[self.method]).dec();
    }
}

/// The `method` label: the standard methods as they are, anything else `OTHER`, so a client
/// inventing methods cannot add series.
fn method_label(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "HEAD" => "HEAD",
        "POST" => "POST",
        "PUT" => "PUT",
        "DELETE" => "DELETE",
        "CONNECT" => "CONNECT",
        "OPTIONS" => "OPTIONS",
        "TRACE" => "TRACE",
        "PATCH" => "PATCH",
        _ => "OTHER",
    }
}

/// A status code's three digits, without allocating (codes are 100-999 in `http` and actix).
fn status_label(status: u16) -> [u8; 3] {
    let status = status.min(999);
    [
        b'0' + (status / 100) as u8,
        b'0' + (status / 10 % 10) as u8,
        b'0' + (status % 10) as u8,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use metrics_core::Format;

    #[test]
    fn labels_are_bounded() {
        assert_eq!(method_label("GET"), "GET");
        assert_eq!(method_label("get"), "OTHER");
        assert_eq!(method_label("PROPFIND"), "OTHER");
        assert_eq!(&status_label(200), b"200");
        assert_eq!(&status_label(499), b"499");
        assert_eq!(&status_label(7), b"007");
        assert_eq!(&status_label(u16::MAX), b"999");
    }

    #[test]
    fn a_dropped_record_counts_once_as_cancelled() {
        let registry = Registry::new();
        let metrics = HttpMetrics::new(&registry);
        assert!(metrics.start("GET", "/metrics").is_none());
        let record = metrics.start("PROPFIND", "/x").expect("recorded");
        assert_eq!(
            metrics.inner.active.with_label_values(&["OTHER"]).get(),
            1.0
        );
        drop(record);
        assert_eq!(
            metrics.inner.active.with_label_values(&["OTHER"]).get(),
            0.0
        );
        let mut body = Vec::new();
        registry.encode(Format::Text, &mut body);
        let text = String::from_utf8(body).unwrap();
        assert!(
            text.contains(
                "http_server_requests_total{method=\"OTHER\",route=\"unmatched\",status=\"499\"} 1\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn registering_twice_shares_the_families() {
        let registry = Registry::new();
        let a = HttpMetrics::new(&registry);
        let b = HttpMetrics::new(&registry);
        drop(a.start("GET", "/"));
        drop(b.start("GET", "/"));
        assert_eq!(
            a.inner
                .requests
                .with_label_values(&["GET", "unmatched", "499"])
                .get(),
            2.0
        );
    }
}

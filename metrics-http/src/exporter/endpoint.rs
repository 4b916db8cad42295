//! The scrape itself, independent of the web framework: authenticate, limit, negotiate,
//! encode off the async threads under a deadline, compress.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use metrics_core::{try_negotiate, Registry};

use crate::auth::{self, Auth};

/// The scrape timeout when none is set: Prometheus' default scrape timeout.
pub const DEFAULT_SCRAPE_TIMEOUT: Duration = Duration::from_secs(10);

/// The concurrent scrapes allowed when no limit is set.
pub const DEFAULT_MAX_CONCURRENT_SCRAPES: usize = 32;

/// Serves a registry's exposition: the `/metrics` endpoint, for any web framework.
///
/// For each scrape it checks the credentials (401 without them), takes one of the concurrent
/// scrape slots (503 when all are taken, never a queue), picks the format from `Accept` (406
/// when nothing acceptable is on offer) and encodes the registry on tokio's blocking threads,
/// so a slow collector never stalls the server's async threads. A scrape that takes longer
/// than the timeout (or than Prometheus' `X-Prometheus-Scrape-Timeout-Seconds`, if shorter)
/// gets 503; a collector that panics gets 500. The body is gzipped when `Accept-Encoding`
/// allows (feature `gzip`).
///
/// Cheap to clone: clones share the registry and the slots. It is a tower `Service`, so it
/// mounts on axum (`Router::route_service`) or hyper directly; [`Exporter`](crate::Exporter)
/// serves it alone.
///
/// ```
/// use std::time::Duration;
/// use metrics_core::Registry;
/// use metrics_http::{Auth, MetricsEndpoint};
///
/// let endpoint = MetricsEndpoint::new(Registry::new())
///     .auth(Auth::bearer("scrape-token"))
///     .scrape_timeout(Duration::from_secs(5))
///     .max_concurrent_scrapes(4);
/// # let _ = endpoint;
/// ```
#[derive(Clone, Debug)]
pub struct MetricsEndpoint {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    registry: Registry,
    auth: Option<(Auth, String)>,
    scrape_timeout: Duration,
    max_concurrent: usize,
    /// The cardinality page's bounds: values per label, families.
    cardinality_bounds: (usize, usize),
    in_flight: AtomicUsize,
    /// The last body's size, to allocate the next one at once.
    last_len: AtomicUsize,
}

/// What a scrape asked for, as header strings (absent headers are empty).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct ScrapeRequest<'a> {
    pub(crate) head_only: bool,
    pub(crate) accept: &'a str,
    pub(crate) accept_encoding: &'a str,
    pub(crate) authorization: auth::Presented<'a>,
    pub(crate) timeout_header: &'a str,
}

/// The answer to a scrape, for the framework adapter to send.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) content_encoding: Option<&'static str>,
    pub(crate) www_authenticate: Option<&'static str>,
    pub(crate) retry_after: bool,
    pub(crate) body: Vec<u8>,
}

impl Answer {
    pub(crate) fn text(status: u16, message: &str) -> Answer {
        Answer {
            status,
            content_type: "text/plain; charset=utf-8",
            content_encoding: None,
            www_authenticate: None,
            retry_after: false,
            body: format!("{message}\n").into_bytes(),
        }
    }
}

/// Frees a concurrent-scrape slot when the encoding that took it ends (not when the request
/// gives up waiting), so the limit bounds the work in progress.
struct Slot(Arc<Inner>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

impl MetricsEndpoint {
    /// Serves `registry` with the default timeout and limit, without authentication.
    pub fn new(registry: Registry) -> MetricsEndpoint {
        MetricsEndpoint {
            inner: Arc::new(Inner {
                registry,
                auth: None,
                scrape_timeout: DEFAULT_SCRAPE_TIMEOUT,
                max_concurrent: DEFAULT_MAX_CONCURRENT_SCRAPES,
                cardinality_bounds: (10, 100),
                in_flight: AtomicUsize::new(0),
                last_len: AtomicUsize::new(0),
            }),
        }
    }

    /// Serves [`default_registry()`](metrics_core::default_registry).
    pub fn default_registry() -> MetricsEndpoint {
        MetricsEndpoint::new(metrics_core::default_registry().clone())
    }

    fn inner_mut(&mut self) -> &mut Inner {
        // Settings are made before the endpoint is shared; a clone made earlier keeps its own.
        if Arc::get_mut(&mut self.inner).is_none() {
            let inner = &*self.inner;
            self.inner = Arc::new(Inner {
                registry: inner.registry.clone(),
                auth: inner.auth.clone(),
                scrape_timeout: inner.scrape_timeout,
                max_concurrent: inner.max_concurrent,
                cardinality_bounds: inner.cardinality_bounds,
                in_flight: AtomicUsize::new(0),
                last_len: AtomicUsize::new(0),
            });
        }
        Arc::get_mut(&mut self.inner).expect("the endpoint was just made unique")
    }

    /// Requires these credentials of every scrape (401 otherwise).
    pub fn auth(mut self, auth: Auth) -> MetricsEndpoint {
        let header = auth.header_value();
        self.inner_mut().auth = Some((auth, header));
        self
    }

    /// The longest a scrape may take before it gets 503 (default
    /// [`DEFAULT_SCRAPE_TIMEOUT`]).
    pub fn scrape_timeout(mut self, timeout: Duration) -> MetricsEndpoint {
        self.inner_mut().scrape_timeout = timeout;
        self
    }

    /// How many scrapes may encode at once; more get 503 at once (default
    /// [`DEFAULT_MAX_CONCURRENT_SCRAPES`]; at least 1).
    pub fn max_concurrent_scrapes(mut self, limit: usize) -> MetricsEndpoint {
        self.inner_mut().max_concurrent = limit.max(1);
        self
    }

    /// How much the cardinality page shows: the `values` carried by the most series per
    /// label, of the `families` with the most series (defaults 10 and 100; at least 1 each).
    /// They bound its size, whatever the registry holds.
    pub fn cardinality_page(mut self, values: usize, families: usize) -> MetricsEndpoint {
        self.inner_mut().cardinality_bounds = (values.max(1), families.max(1));
        self
    }

    /// The cardinality page's bounds: values per label, families.
    pub(crate) fn cardinality_bounds(&self) -> (usize, usize) {
        self.inner.cardinality_bounds
    }

    /// The 401 for a request without the credentials the endpoint requires, if it has not.
    pub(crate) fn refuse_credentials(&self, request: &ScrapeRequest<'_>) -> Option<Answer> {
        let (auth, expected) = self.inner.auth.as_ref()?;
        if auth::matches(request.authorization, expected) {
            return None;
        }
        let mut answer = Answer::text(401, "401 Unauthorized: credentials required");
        answer.www_authenticate = Some(auth.challenge());
        Some(answer)
    }

    /// The registry served.
    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    /// Answers one scrape. Needs a tokio runtime with time enabled (axum, actix-web and
    /// [`Exporter`](crate::Exporter) all run on one).
    pub(crate) async fn answer(&self, request: ScrapeRequest<'_>) -> Answer {
        let inner = &self.inner;
        if let Some(refused) = self.refuse_credentials(&request) {
            return refused;
        }
        let Some(format) = try_negotiate(request.accept) else {
            return Answer::text(
                406,
                "406 Not Acceptable: this endpoint serves text/plain;version=0.0.4, \
                 text/plain;version=1.0.0, application/openmetrics-text;version=1.0.0 and \
                 application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;\
                 encoding=delimited",
            );
        };
        if inner.in_flight.fetch_add(1, Ordering::AcqRel) >= inner.max_concurrent {
            inner.in_flight.fetch_sub(1, Ordering::AcqRel);
            let mut answer = Answer::text(
                503,
                "503 Service Unavailable: too many concurrent scrapes, try again",
            );
            answer.retry_after = true;
            return answer;
        }
        let slot = Slot(Arc::clone(inner));
        let timeout = scrape_timeout(inner.scrape_timeout, request.timeout_header);
        let gzip = wants_gzip(request.accept_encoding);
        let head_only = request.head_only;

        let encoding = tokio::task::spawn_blocking(move || {
            let inner = &slot.0;
            let mut raw = Vec::with_capacity(inner.last_len.load(Ordering::Relaxed));
            let content_type = inner.registry.encode(format, &mut raw);
            inner.last_len.store(raw.len(), Ordering::Relaxed);
            (content_type, if gzip { gzipped(&raw) } else { raw })
        });
        match tokio::time::timeout(timeout, encoding).await {
            Ok(Ok((content_type, body))) => Answer {
                status: 200,
                content_type,
                content_encoding: gzip.then_some("gzip"),
                www_authenticate: None,
                retry_after: false,
                body: if head_only { Vec::new() } else { body },
            },
            Ok(Err(_panicked)) => Answer::text(
                500,
                "500 Internal Server Error: encoding the registry failed (a collector or \
                 callback panicked)",
            ),
            Err(_elapsed) => {
                let mut answer = Answer::text(
                    503,
                    &format!(
                        "503 Service Unavailable: the scrape took longer than its timeout of {:?}",
                        timeout
                    ),
                );
                answer.retry_after = true;
                answer
            }
        }
    }
}

#[cfg(feature = "gzip")]
fn wants_gzip(accept_encoding: &str) -> bool {
    metrics_core::Compression::from_accept_encoding(accept_encoding)
        == metrics_core::Compression::Gzip
}

#[cfg(not(feature = "gzip"))]
fn wants_gzip(_: &str) -> bool {
    false
}

#[cfg(feature = "gzip")]
fn gzipped(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() / 4);
    metrics_core::Compression::Gzip.compress(raw, &mut out);
    out
}

#[cfg(not(feature = "gzip"))]
fn gzipped(raw: &[u8]) -> Vec<u8> {
    raw.to_vec()
}

/// The scrape's deadline: ours, or the scraper's own if it is shorter (Prometheus sends its
/// timeout in `X-Prometheus-Scrape-Timeout-Seconds`; after it, nobody waits for the answer).
fn scrape_timeout(ours: Duration, header: &str) -> Duration {
    header
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .map_or(ours, |theirs| theirs.min(ours))
}

#[cfg(feature = "server")]
mod service {
    use std::convert::Infallible;
    use std::future::Future;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use bytes::Bytes;
    use http::header::{self, HeaderMap, HeaderValue};
    use http::{Method, Request, Response, StatusCode};
    use http_body_util::Full;

    use super::{Answer, MetricsEndpoint, ScrapeRequest};

    fn header(headers: &HeaderMap, name: impl header::AsHeaderName) -> &str {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    impl MetricsEndpoint {
        /// Answers a request for the metrics: GET or HEAD; other methods get 405.
        pub async fn respond<B>(&self, request: Request<B>) -> Response<Full<Bytes>> {
            let method = request.method();
            if method != Method::GET && method != Method::HEAD {
                let mut response: Response<Full<Bytes>> =
                    Answer::text(405, "405 Method Not Allowed: use GET").into();
                response
                    .headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
                return response;
            }
            let scrape = scrape_request(method, request.headers());
            self.answer(scrape).await.into()
        }

        /// Answers a request for the cardinality report (JSON, or HTML for a browser),
        /// behind the same credentials as the metrics.
        pub async fn respond_cardinality<B>(&self, request: Request<B>) -> Response<Full<Bytes>> {
            let scrape = scrape_request(request.method(), request.headers());
            self.cardinality_answer(&scrape).into()
        }
    }

    fn scrape_request<'a>(method: &Method, headers: &'a HeaderMap) -> ScrapeRequest<'a> {
        ScrapeRequest {
            head_only: method == Method::HEAD,
            accept: header(headers, header::ACCEPT),
            accept_encoding: header(headers, header::ACCEPT_ENCODING),
            authorization: crate::auth::Presented::from_values(
                headers
                    .get_all(header::AUTHORIZATION)
                    .iter()
                    .map(HeaderValue::as_bytes),
            ),
            timeout_header: header(headers, "x-prometheus-scrape-timeout-seconds"),
        }
    }

    impl From<Answer> for Response<Full<Bytes>> {
        fn from(answer: Answer) -> Response<Full<Bytes>> {
            let mut response = Response::new(Full::new(Bytes::from(answer.body)));
            *response.status_mut() =
                StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(answer.content_type),
            );
            if let Some(encoding) = answer.content_encoding {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
                headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
            }
            if let Some(challenge) = answer.www_authenticate {
                headers.insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static(challenge),
                );
            }
            if answer.retry_after {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            response
        }
    }

    impl<B: Send + 'static> tower_service::Service<Request<B>> for MetricsEndpoint {
        type Response = Response<Full<Bytes>>;
        type Error = Infallible;
        type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, request: Request<B>) -> Self::Future {
            let endpoint = self.clone();
            Box::pin(async move { Ok(endpoint.respond(request).await) })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scrapers_timeout_wins_when_shorter() {
        let ours = Duration::from_secs(10);
        assert_eq!(scrape_timeout(ours, ""), ours);
        assert_eq!(scrape_timeout(ours, "2.5"), Duration::from_millis(2500));
        assert_eq!(scrape_timeout(ours, "60"), ours);
        for odd in ["-1", "0", "NaN", "inf", "1e400", "abc", "1e-300"] {
            let got = scrape_timeout(ours, odd);
            assert!(got <= ours, "{odd}: {got:?}");
        }
    }
}

//! Sending one request with retries, timeouts and a total bound; async, and blocking from
//! anywhere.

use std::collections::BTreeSet;
use std::future::Future;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, USER_AGENT};
use http::{Method, Request};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use metrics_core::{check_label_name, MetricKind};

use crate::auth::Auth;
use crate::push::backoff::{self, next_wait, retry_after, Backoffs};
use crate::push::url::PushUrl;
use crate::push::{PushError, Retry};

/// The most of an error answer's body kept in [`PushError::Status`].
const MAX_ERROR_BODY: usize = 4096;

/// The builder methods both push clients share; the builder holds a `settings: Settings`.
macro_rules! settings_methods {
    () => {
        /// Credentials sent with every request.
        pub fn auth(mut self, auth: $crate::Auth) -> Self {
            self.settings.auth = Some(auth);
            self
        }

        /// Trusts the certificates in `pem` (one or more `BEGIN CERTIFICATE` blocks) as roots
        /// for `https://` URLs, beside Mozilla's built-in ones: a private CA in front of
        /// Mimir or a gateway. [`build`](Self::build) fails with
        /// [`PushError::InvalidCertificate`]($crate::PushError) if it holds none or an
        /// unusable one.
        #[cfg(feature = "tls")]
        pub fn root_certificates_pem(mut self, pem: impl AsRef<[u8]>) -> Self {
            self.settings.root_pems.push(pem.as_ref().to_vec());
            self
        }

        /// A header sent with every request.
        pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
            self.settings.headers.push((name.into(), value.into()));
            self
        }

        /// The most one attempt may take (default 10 s).
        pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
            self.settings.timeout = Some(timeout);
            self
        }

        /// How failed attempts are retried (default [`Retry::default`]($crate::Retry)):
        /// 5xx, 429, connection failures and timeouts are; other 4xx are not.
        pub fn retry(mut self, retry: $crate::Retry) -> Self {
            self.settings.retry = retry;
            self
        }
    };
}
pub(crate) use settings_methods;

/// What both push builders collect: credentials, extra headers, timeout, retries. `Debug`
/// shows the names of the extra headers, never their values.
#[derive(Clone, Default)]
pub(crate) struct Settings {
    pub(crate) auth: Option<Auth>,
    /// PEM blocks of extra roots for https.
    #[cfg(feature = "tls")]
    pub(crate) root_pems: Vec<Vec<u8>>,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) retry: Retry,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = f.debug_struct("Settings");
        out.field("auth", &self.auth);
        #[cfg(feature = "tls")]
        out.field("root_pems", &self.root_pems.len());
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        out.field("headers", &names)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish()
    }
}

impl Settings {
    /// The transport for these settings and `url`, sending `fixed` headers (the protocol's
    /// own) too, and the URL's credentials when it has some.
    pub(crate) fn transport(
        &self,
        url: &PushUrl,
        fixed: &[(HeaderName, &'static str)],
    ) -> Result<Transport, PushError> {
        let mut transport = Transport {
            headers: HeaderMap::new(),
            timeout: self.timeout.unwrap_or(Duration::from_secs(10)),
            retry: self.retry,
            connector: self.connector()?,
        };
        for (name, value) in fixed {
            transport
                .headers
                .insert(name.clone(), HeaderValue::from_static(value));
        }
        transport.headers.insert(
            USER_AGENT,
            HeaderValue::from_static(concat!("metrics-http/", env!("CARGO_PKG_VERSION"))),
        );
        let auth = match (&self.auth, &url.credentials) {
            (Some(_), Some(_)) => {
                return Err(PushError::InvalidUrl {
                    url: url.url.clone(),
                    reason: "carries credentials, and `auth` gives others: give them once",
                })
            }
            (auth, from_url) => auth.as_ref().or(from_url.as_ref()),
        };
        if let Some(auth) = auth {
            add_header(
                &mut transport.headers,
                AUTHORIZATION.as_str(),
                &auth.header_value(),
            )?;
        }
        for (name, value) in &self.headers {
            add_header(&mut transport.headers, name, value)?;
        }
        Ok(transport)
    }
}

/// How a push client connects: plain TCP, and with feature `tls` https through rustls.
#[cfg(not(feature = "tls"))]
type Connector = HttpConnector;
#[cfg(feature = "tls")]
type Connector = hyper_rustls::HttpsConnector<HttpConnector>;

impl Settings {
    #[cfg(not(feature = "tls"))]
    fn connector(&self) -> Result<Connector, PushError> {
        Ok(HttpConnector::new())
    }

    /// rustls with the ring provider, trusting Mozilla's roots and the ones given.
    #[cfg(feature = "tls")]
    fn connector(&self) -> Result<Connector, PushError> {
        use rustls_pki_types::pem::PemObject;
        use rustls_pki_types::CertificateDer;

        let invalid = |reason: String| PushError::InvalidCertificate { reason };
        let mut roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        for pem in &self.root_pems {
            let mut found = 0;
            for certificate in CertificateDer::pem_slice_iter(pem) {
                let certificate = certificate.map_err(|e| invalid(e.to_string()))?;
                roots.add(certificate).map_err(|e| invalid(e.to_string()))?;
                found += 1;
            }
            if found == 0 {
                return Err(invalid(
                    "no `BEGIN CERTIFICATE` block in the PEM given".into(),
                ));
            }
        }
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| invalid(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        // The https connector wraps it and needs `https://` URIs through.
        http.enforce_http(false);
        Ok(hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(config)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http))
    }
}

/// How a push client sends: headers, timeout per attempt, retries, and how it connects.
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    pub(crate) headers: HeaderMap,
    pub(crate) timeout: Duration,
    pub(crate) retry: Retry,
    connector: Connector,
}

/// Checks label names a client adds to everything it sends (grouping labels, external
/// labels): valid, not reserved, and not already in `taken`, which collects them.
pub(crate) fn check_added_labels<'a>(
    names: impl IntoIterator<Item = &'a str>,
    taken: &mut BTreeSet<String>,
) -> Result<(), PushError> {
    for name in names {
        if let Err(rule) = check_label_name(name, MetricKind::Gauge) {
            return Err(PushError::InvalidGrouping {
                label: name.to_owned(),
                reason: rule.message(),
            });
        }
        if !taken.insert(name.to_owned()) {
            return Err(PushError::InvalidGrouping {
                label: name.to_owned(),
                reason: "given twice (`job` is the job's)",
            });
        }
    }
    Ok(())
}

/// Adds a header (credentials, or a header the user gave, which may be a key), refusing
/// what is not valid HTTP. Its value is marked sensitive: `Debug` shows `Sensitive`.
pub(crate) fn add_header(
    headers: &mut HeaderMap,
    name: &str,
    value: &str,
) -> Result<(), PushError> {
    let invalid = || PushError::InvalidHeader {
        name: name.to_owned(),
    };
    let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| invalid())?;
    let mut value = HeaderValue::from_str(value).map_err(|_| invalid())?;
    value.set_sensitive(true);
    headers.insert(name, value);
    Ok(())
}

/// What one attempt came to.
enum Attempt {
    /// A 2xx, with the answer's headers.
    Done(HeaderMap),
    /// Worth another try (5xx, 429, connection failure, attempt timeout), after at least
    /// the wait a `Retry-After` asked for.
    Retry(PushError, Option<Duration>),
    /// Final (another 4xx).
    Fail(PushError),
}

impl Transport {
    /// Sends `body` to `url`, retrying as [`Retry`] says, within its total time; on success,
    /// the answer's headers.
    pub(crate) async fn send(
        &self,
        method: Method,
        url: &str,
        body: Bytes,
    ) -> Result<HeaderMap, PushError> {
        let started = Instant::now();
        let total = self.retry.total;
        let mut backoffs = Backoffs::new(self.retry.initial_backoff, self.retry.max_backoff);
        let attempts = self.retry.attempts.max(1);
        // One client per push: no pooled connection outlives the runtime that made it (the
        // blocking form makes a runtime per call).
        let client = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(0)
            .build::<_, Full<Bytes>>(self.connector.clone());
        let mut attempt = 1;
        loop {
            let remaining = total.saturating_sub(started.elapsed());
            if remaining.is_zero() {
                return Err(PushError::Timeout {
                    after: started.elapsed(),
                });
            }
            let limit = self.timeout.min(remaining);
            let (error, asked) = match tokio::time::timeout(
                limit,
                self.attempt(&client, &method, url, body.clone()),
            )
            .await
            {
                Ok(Attempt::Done(headers)) => return Ok(headers),
                Ok(Attempt::Fail(error)) => return Err(error),
                Ok(Attempt::Retry(error, asked)) => (error, asked),
                Err(_) => (PushError::Timeout { after: limit }, None),
            };
            let remaining = total.saturating_sub(started.elapsed());
            let backoff = backoffs.next().unwrap_or(self.retry.max_backoff);
            let wait = next_wait(backoff, asked, remaining, backoff::random())
                .filter(|_| attempt < attempts && !remaining.is_zero());
            let Some(wait) = wait else {
                return Err(match error {
                    PushError::Timeout { .. } => PushError::Timeout {
                        after: started.elapsed(),
                    },
                    other => other,
                });
            };
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    async fn attempt(
        &self,
        client: &Client<Connector, Full<Bytes>>,
        method: &Method,
        url: &str,
        body: Bytes,
    ) -> Attempt {
        let mut request = Request::new(Full::new(body));
        *request.method_mut() = method.clone();
        *request.uri_mut() = match url.parse() {
            Ok(uri) => uri,
            Err(_) => {
                return Attempt::Fail(PushError::InvalidUrl {
                    url: url.to_owned(),
                    reason: "does not parse",
                })
            }
        };
        *request.headers_mut() = self.headers.clone();
        let response = match client.request(request).await {
            Ok(response) => response,
            Err(error) => {
                // A certificate that does not check out will not check out on the next try.
                let permanent = is_certificate_error(&error);
                let error = PushError::Transport(Box::new(Unreachable {
                    url: url.to_owned(),
                    source: error,
                }));
                return if permanent {
                    Attempt::Fail(error)
                } else {
                    Attempt::Retry(error, None)
                };
            }
        };
        let status = response.status();
        if status.is_success() {
            // The body of a success says nothing we use: it is not read (the connection,
            // never pooled, closes with it).
            return Attempt::Done(response.headers().clone());
        }
        let asked = match status.as_u16() {
            429 | 503 => retry_after(response.headers(), SystemTime::now()),
            _ => None,
        };
        let body = read_at_most(response.into_body(), MAX_ERROR_BODY).await;
        let body = String::from_utf8_lossy(&body).into_owned();
        let error = PushError::Status {
            code: status.as_u16(),
            body,
        };
        if status.is_server_error() || status.as_u16() == 429 {
            Attempt::Retry(error, asked)
        } else {
            Attempt::Fail(error)
        }
    }
}

/// A request that got no answer, naming where it went (the URL holds no credentials: they
/// were taken out when the client was built).
#[derive(Debug)]
struct Unreachable {
    url: String,
    source: hyper_util::client::legacy::Error,
}

impl std::fmt::Display for Unreachable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.url, self.source)
    }
}

impl std::error::Error for Unreachable {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.source()
    }
}

/// The first `limit` bytes of `body` (fewer if it ends or fails first): a server cannot make
/// the client hold more, whatever it sends.
async fn read_at_most(mut body: hyper::body::Incoming, limit: usize) -> Vec<u8> {
    let mut out = Vec::new();
    while out.len() < limit {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    let take = data.len().min(limit - out.len());
                    out.extend_from_slice(&data[..take]);
                }
            }
            _ => break,
        }
    }
    out
}

/// Whether a connection failed on the server's certificate (feature `tls`).
fn is_certificate_error(error: &(dyn std::error::Error + 'static)) -> bool {
    #[cfg(feature = "tls")]
    {
        // io::Error's `source` skips the error it wraps: step into it with `get_ref`.
        let mut cause = Some(error);
        while let Some(error) = cause {
            if let Some(rustls::Error::InvalidCertificate(_)) =
                error.downcast_ref::<rustls::Error>()
            {
                return true;
            }
            cause = match error
                .downcast_ref::<std::io::Error>()
                .and_then(std::io::Error::get_ref)
            {
                Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
                None => error.source(),
            };
        }
    }
    #[cfg(not(feature = "tls"))]
    let _ = error;
    false
}

/// Runs `future` to completion on a fresh single-threaded runtime in a thread of its own, so
/// that it works from plain code and from inside an async runtime alike (where blocking on
/// the current runtime would panic).
pub(crate) fn block_on<F>(future: F) -> Result<F::Output, PushError>
where
    F: Future + Send,
    F::Output: Send,
{
    std::thread::scope(|scope| {
        let thread = std::thread::Builder::new()
            .name("metrics-push".to_owned())
            .spawn_scoped(scope, || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(PushError::Runtime)?;
                Ok(runtime.block_on(future))
            })
            .map_err(PushError::Runtime)?;
        match thread.join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_checked() {
        let mut headers = HeaderMap::new();
        assert!(add_header(&mut headers, "X-Scope-OrgID", "team-a").is_ok());
        assert!(matches!(
            add_header(&mut headers, "bad header", "x"),
            Err(PushError::InvalidHeader { .. })
        ));
        assert!(matches!(
            add_header(&mut headers, "x-ok", "line\nbreak"),
            Err(PushError::InvalidHeader { .. })
        ));
    }
}

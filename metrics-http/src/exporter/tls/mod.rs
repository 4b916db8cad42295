//! https for the exporter and for routers served with
//! [`serve_router_tls`](crate::serve_router_tls): a PEM certificate chain and key, TLS 1.2
//! and 1.3 (rustls with ring), and client certificates checked against a CA when asked.
//!
//! Certificates given as files are read again when they change on disk: before each
//! handshake the files' metadata (modification time, length, inode) is compared with what
//! was loaded, and a change loads them anew. So a rotation by cert-manager or a kubelet
//! updating a mounted Secret is served from the next connection on, with no restart, and
//! connections already open keep their session. A change that does not load (a key written
//! before its certificate, an expired certificate) keeps the old certificate in use, is
//! counted in `metrics_tls_certificate_reloads_total{result="failure"}` and logged (feature
//! `log`); it is tried again when the files change again.

mod load;
mod validity;

use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use metrics_core::{Collection, Collector, Registry};
use rustls::ServerConfig;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use load::{Fingerprint, Loaded, Pem, Sources};

pub use load::{ClientAuth, TlsError};

/// The certificate, key and client-certificate policy of an https server: give it to
/// [`ExporterBuilder::tls`](crate::ExporterBuilder::tls) or
/// [`serve_router_tls`](crate::serve_router_tls). Cheap to clone (clones share the loaded
/// certificate and the counts).
///
/// ```no_run
/// use metrics_http::{ClientAuth, Exporter, ServerTls};
///
/// let tls = ServerTls::from_pem_files("/etc/metrics-tls/tls.crt", "/etc/metrics-tls/tls.key")
///     .client_ca_file("/etc/metrics-tls/ca.crt", ClientAuth::Required)
///     .build()?;
/// let exporter = Exporter::builder().bind("0.0.0.0:9090").tls(tls).build()?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct ServerTls {
    shared: Arc<Shared>,
}

/// How a [`ServerTls`] is made; [`build`](Self::build) loads and checks it.
#[must_use]
pub struct ServerTlsBuilder {
    sources: Sources,
    handshake_timeout: Duration,
}

struct Shared {
    sources: Sources,
    handshake_timeout: Duration,
    state: Mutex<State>,
    counts: Counts,
}

/// What the next handshake uses, and what it was loaded from.
struct State {
    config: Arc<ServerConfig>,
    /// The files' metadata when they were last read (whether that load worked or not).
    seen: Fingerprint,
}

#[derive(Default)]
struct Counts {
    reloaded: AtomicU64,
    failed: AtomicU64,
    refused: AtomicU64,
    not_after: AtomicI64,
}

/// How long a client may take to complete the handshake, when not set.
const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

impl ServerTls {
    /// A certificate chain (leaf first) and its private key (PKCS#8, PKCS#1 or SEC1), as PEM
    /// files read at [`build`](ServerTlsBuilder::build) and again whenever they change.
    pub fn from_pem_files(cert: impl Into<PathBuf>, key: impl Into<PathBuf>) -> ServerTlsBuilder {
        ServerTlsBuilder::new(Pem::File(cert.into()), Pem::File(key.into()))
    }

    /// A certificate chain and its private key as PEM text, fixed for the server's life.
    pub fn from_pem(cert: impl Into<Vec<u8>>, key: impl Into<Vec<u8>>) -> ServerTlsBuilder {
        ServerTlsBuilder::new(Pem::Bytes(cert.into()), Pem::Bytes(key.into()))
    }

    /// Counts its reloads and refused handshakes, and exports the served certificate's
    /// expiry, in `registry` at every scrape:
    /// `metrics_tls_certificate_reloads_total{result="success"|"failure"}`,
    /// `metrics_tls_handshake_failures_total` and
    /// `metrics_tls_certificate_expiry_timestamp_seconds`. The exporter does it for its own
    /// registry; a router served with [`serve_router_tls`](crate::serve_router_tls) calls
    /// it for the registry its endpoint serves.
    ///
    /// # Errors
    /// The registry's refusal when it already exposes families of these names (another
    /// https server's, say).
    pub fn register_metrics(
        &self,
        registry: &Registry,
    ) -> Result<metrics_core::CollectorId, metrics_core::RegisterError> {
        registry.try_register_collector(TlsMetrics(Arc::clone(&self.shared)))
    }

    /// The configuration for the next handshake: the files are read again first when their
    /// metadata changed since they were last read.
    fn config(&self) -> Arc<ServerConfig> {
        let shared = &*self.shared;
        let mut state = shared.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = shared.sources.fingerprint();
        if now != state.seen {
            state.seen = now;
            match load::load(&shared.sources, load::unix_now()) {
                Ok(loaded) => {
                    shared.counts.reloaded.fetch_add(1, Ordering::Relaxed);
                    shared
                        .counts
                        .not_after
                        .store(loaded.not_after, Ordering::Relaxed);
                    state.config = loaded.config;
                }
                Err(_error) => {
                    shared.counts.failed.fetch_add(1, Ordering::Relaxed);
                    #[cfg(feature = "log")]
                    log::warn!(
                        "metrics exporter: the changed TLS certificate was not loaded, the \
                         previous one stays in use: {_error}"
                    );
                }
            }
        }
        Arc::clone(&state.config)
    }

    /// The TLS side of a new connection, or `None` (counted) when the client does not
    /// complete a handshake in time. A client that speaks plain HTTP to the port is answered
    /// 400 in plain HTTP, saying so, rather than with bytes it cannot read.
    pub(crate) async fn accept<S>(&self, stream: S) -> Option<TlsStream<S>>
    where
        S: Plain + Unpin,
    {
        let shared = &*self.shared;
        let deadline = tokio::time::Instant::now() + shared.handshake_timeout;
        let refused = || {
            shared.counts.refused.fetch_add(1, Ordering::Relaxed);
            None
        };
        let mut first = [0u8; 1];
        match tokio::time::timeout_at(deadline, stream.tcp().peek(&mut first)).await {
            Ok(Ok(1)) => {}
            // Closed before a byte was sent: a TCP probe (a kubelet's `tcpSocket`), no client.
            Ok(Ok(_) | Err(_)) => return None,
            Err(_) => return refused(),
        }
        // Every TLS connection opens with a handshake record (content type 22).
        if first[0] != 0x16 {
            if first[0].is_ascii_uppercase() {
                let mut stream = stream;
                let _ = tokio::time::timeout_at(deadline, async {
                    stream.write_all(PLAIN_HTTP_ANSWER).await?;
                    stream.shutdown().await
                })
                .await;
            }
            return refused();
        }
        let acceptor = TlsAcceptor::from(self.config());
        match tokio::time::timeout_at(deadline, acceptor.accept(stream)).await {
            Ok(Ok(stream)) => Some(stream),
            _ => refused(),
        }
    }
}

/// A stream over a TCP socket, whose first bytes can be looked at before the handshake.
pub(crate) trait Plain: tokio::io::AsyncRead + tokio::io::AsyncWrite {
    /// The socket.
    fn tcp(&self) -> &TcpStream;
}

const PLAIN_HTTP_ANSWER: &[u8] = b"HTTP/1.1 400 Bad Request\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Connection: close\r\n\
Content-Length: 49\r\n\
\r\n\
This port speaks https: use https:// to scrape.\r\n";

impl fmt::Debug for ServerTls {
    /// The sources (file names, or the length of PEM text), never the key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerTls")
            .field("sources", &self.shared.sources)
            .field("handshake_timeout", &self.shared.handshake_timeout)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for ServerTlsBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerTlsBuilder")
            .field("sources", &self.sources)
            .field("handshake_timeout", &self.handshake_timeout)
            .finish()
    }
}

impl ServerTlsBuilder {
    fn new(cert: Pem, key: Pem) -> ServerTlsBuilder {
        ServerTlsBuilder {
            sources: Sources {
                cert,
                key,
                client_ca: None,
            },
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
        }
    }

    /// Asks clients for a certificate issued by the CA (or CAs) in this PEM file, read again
    /// when it changes, as the certificate is.
    pub fn client_ca_file(mut self, path: impl Into<PathBuf>, auth: ClientAuth) -> Self {
        self.sources.client_ca = Some((Pem::File(path.into()), auth));
        self
    }

    /// Asks clients for a certificate issued by the CA (or CAs) in this PEM text.
    pub fn client_ca_pem(mut self, pem: impl Into<Vec<u8>>, auth: ClientAuth) -> Self {
        self.sources.client_ca = Some((Pem::Bytes(pem.into()), auth));
        self
    }

    /// How long a client may take from connecting to the end of the handshake (default
    /// 10 s; at least 1 ms): a client that connects and stalls is dropped then.
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// Reads and checks the certificate, key and client CA.
    ///
    /// # Errors
    /// A [`TlsError`]: a file that cannot be read, PEM without the certificate or key, a
    /// key that is not the certificate's, a certificate outside its validity dates, a
    /// client CA rustls cannot use.
    pub fn build(self) -> Result<ServerTls, TlsError> {
        let seen = self.sources.fingerprint();
        let Loaded { config, not_after } = load::load(&self.sources, load::unix_now())?;
        Ok(ServerTls {
            shared: Arc::new(Shared {
                sources: self.sources,
                handshake_timeout: self.handshake_timeout,
                state: Mutex::new(State { config, seen }),
                counts: Counts {
                    not_after: AtomicI64::new(not_after),
                    ..Counts::default()
                },
            }),
        })
    }
}

/// The counts of a [`ServerTls`], read at the scrape.
struct TlsMetrics(Arc<Shared>);

impl Collector for TlsMetrics {
    fn collect(&self, out: &mut Collection<'_>) {
        let counts = &self.0.counts;
        out.counter_family(
            "metrics_tls_certificate_reloads_total",
            "Loads of the https certificate after it changed on disk, by result (on \
             failure the previous certificate stays in use).",
            &["result"],
        )
        .sample(&["success"], counts.reloaded.load(Ordering::Relaxed) as f64)
        .sample(&["failure"], counts.failed.load(Ordering::Relaxed) as f64);
        out.counter(
            "metrics_tls_handshake_failures_total",
            "Connections to the https port that did not complete a TLS handshake (no or \
             untrusted client certificate, plain HTTP, a timeout); connections closed \
             before sending a byte, as TCP probes are, are not counted.",
            counts.refused.load(Ordering::Relaxed) as f64,
        );
        out.gauge(
            "metrics_tls_certificate_expiry_timestamp_seconds",
            "When the served certificate expires (its notAfter), in seconds since the epoch.",
            counts.not_after.load(Ordering::Relaxed) as f64,
        );
    }
}

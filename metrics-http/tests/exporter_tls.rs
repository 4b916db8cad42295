//! The exporter over https: TLS 1.2 and 1.3, client certificates required or optional, a
//! plain-HTTP client answered in plain HTTP, certificate files reloaded when they change
//! (and kept when the change is broken), typed errors for bad input, and `serve_router_tls`.

mod common;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use common::pki::{Ca, Leaf};
use metrics_core::{Registry, SelfMetrics};
use metrics_http::{
    serve_router_tls, ClientAuth, ConnectionLimits, Exporter, ExporterHandle, MetricsEndpoint,
    ProcessMetrics, ServerTls, ServerTlsBuilder, TlsError,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, ProtocolVersion, RootCertStore, SupportedProtocolVersion};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Every network wait of these tests ends by then.
const BOUND: Duration = Duration::from_secs(10);

fn registry() -> Registry {
    let registry = Registry::builder()
        .self_metrics(SelfMetrics::Overflow)
        .build()
        .unwrap();
    registry.counter("jobs_total", "Jobs.").inc_by(7);
    registry
}

fn start(registry: &Registry, tls: ServerTls) -> ExporterHandle {
    Exporter::builder()
        .bind("127.0.0.1:0")
        .registry(registry.clone())
        .process_metrics(ProcessMetrics::Skip)
        .tls(tls)
        .build()
        .unwrap()
        .start()
        .unwrap()
}

/// An exporter over https with `leaf`'s certificate, its TLS settings finished by `with`,
/// serving [`registry`].
fn https(leaf: &Leaf, with: impl FnOnce(ServerTlsBuilder) -> ServerTlsBuilder) -> ExporterHandle {
    let tls = ServerTls::from_pem(leaf.cert_pem.clone(), leaf.key_pem.clone());
    start(&registry(), with(tls).build().unwrap())
}

/// A client trusting `ca`, presenting `identity` if given, speaking only `versions`.
fn client(
    ca: &Ca,
    identity: Option<&Leaf>,
    versions: &[&'static SupportedProtocolVersion],
) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(ca.pem.as_bytes()).unwrap())
        .unwrap();
    let builder =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_protocol_versions(versions)
            .unwrap()
            .with_root_certificates(roots);
    Arc::new(match identity {
        None => builder.with_no_client_auth(),
        Some(leaf) => builder
            .with_client_auth_cert(
                vec![CertificateDer::from(leaf.der.clone())],
                PrivateKeyDer::from_pem_slice(leaf.key_pem.as_bytes()).unwrap(),
            )
            .unwrap(),
    })
}

const BOTH: &[&SupportedProtocolVersion] = &[&rustls::version::TLS13, &rustls::version::TLS12];

/// What one https request saw.
#[derive(Debug)]
struct Seen {
    response: String,
    /// The certificate the server presented (DER).
    peer: Vec<u8>,
    version: ProtocolVersion,
}

/// `GET path` over https; an error when the handshake or the exchange fails.
async fn get(addr: SocketAddr, config: Arc<ClientConfig>, path: &str) -> io::Result<Seen> {
    let exchange = async {
        let tcp = TcpStream::connect(addr).await?;
        let name = ServerName::IpAddress(Ipv4Addr::LOCALHOST.into());
        let mut tls = tokio_rustls::TlsConnector::from(config)
            .connect(name, tcp)
            .await?;
        let (_, session) = tls.get_ref();
        let peer = session.peer_certificates().unwrap()[0].to_vec();
        let version = session.protocol_version().unwrap();
        tls.write_all(
            format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await?;
        let mut response = Vec::new();
        tls.read_to_end(&mut response).await?;
        if response.is_empty() {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "no answer"));
        }
        Ok(Seen {
            response: String::from_utf8(response).unwrap(),
            peer,
            version,
        })
    };
    tokio::time::timeout(BOUND, exchange)
        .await
        .expect("bounded")
}

/// The value of the sample `line` starts with, in a scrape through `config`.
async fn sample(addr: SocketAddr, config: Arc<ClientConfig>, line: &str) -> f64 {
    let seen = get(addr, config, "/metrics").await.unwrap();
    let found = seen
        .response
        .lines()
        .find_map(|l| l.strip_prefix(line).and_then(|rest| rest.strip_prefix(' ')));
    found
        .unwrap_or_else(|| panic!("no `{line}` in {}", seen.response))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn serves_metrics_over_tls_1_2_and_1_3() {
    let ca = Ca::new("test CA");
    let leaf = ca.server("exporter");
    let tls = ServerTls::from_pem(leaf.cert_pem.clone(), leaf.key_pem.clone())
        .build()
        .unwrap();
    let registry = registry();
    let exporter = start(&registry, tls);
    for (version, want) in [
        (&rustls::version::TLS12, ProtocolVersion::TLSv1_2),
        (&rustls::version::TLS13, ProtocolVersion::TLSv1_3),
    ] {
        let seen = get(
            exporter.local_addr(),
            client(&ca, None, &[version]),
            "/metrics",
        )
        .await
        .unwrap();
        assert_eq!(seen.version, want);
        assert!(
            seen.response.starts_with("HTTP/1.1 200 OK\r\n"),
            "{}",
            seen.response
        );
        assert!(
            seen.response.contains("\njobs_total 7\n"),
            "{}",
            seen.response
        );
        assert_eq!(seen.peer, leaf.der);
    }
    // The server's own counts are in the registry it serves.
    let expiry = sample(
        exporter.local_addr(),
        client(&ca, None, BOTH),
        "metrics_tls_certificate_expiry_timestamp_seconds",
    )
    .await;
    // rcgen's default notAfter: 4096-01-01T00:00:00Z.
    assert_eq!(expiry, 67_090_118_400.0);
}

#[tokio::test]
async fn client_certificates_required_refuse_clients_without_one_from_the_ca() {
    let ca = Ca::new("test CA");
    let other = Ca::new("another CA");
    let leaf = ca.server("exporter");
    let exporter = https(&leaf, |tls| {
        tls.client_ca_pem(ca.pem.clone(), ClientAuth::Required)
    });
    let addr = exporter.local_addr();
    let member = ca.client("prometheus");
    let stranger = other.client("prometheus");
    for versions in [&[&rustls::version::TLS12][..], &[&rustls::version::TLS13]] {
        let refused = get(addr, client(&ca, None, versions), "/metrics").await;
        assert!(refused.is_err(), "no certificate: {refused:?}");
        let refused = get(addr, client(&ca, Some(&stranger), versions), "/metrics").await;
        assert!(refused.is_err(), "another CA's: {refused:?}");
        let seen = get(addr, client(&ca, Some(&member), versions), "/metrics")
            .await
            .unwrap();
        assert!(seen.response.contains("\njobs_total 7\n"));
    }
    let failures = sample(
        addr,
        client(&ca, Some(&member), BOTH),
        "metrics_tls_handshake_failures_total",
    )
    .await;
    assert_eq!(failures, 4.0, "two refusals per protocol version");
}

#[tokio::test]
async fn client_certificates_optional_still_refuse_a_strangers() {
    let ca = Ca::new("test CA");
    let other = Ca::new("another CA");
    let leaf = ca.server("exporter");
    let exporter = https(&leaf, |tls| {
        tls.client_ca_pem(ca.pem.clone(), ClientAuth::Optional)
    });
    let addr = exporter.local_addr();
    assert!(get(addr, client(&ca, None, BOTH), "/metrics").await.is_ok());
    let member = ca.client("prometheus");
    assert!(get(addr, client(&ca, Some(&member), BOTH), "/metrics")
        .await
        .is_ok());
    let stranger = other.client("prometheus");
    assert!(get(addr, client(&ca, Some(&stranger), BOTH), "/metrics")
        .await
        .is_err());
}

#[tokio::test]
async fn plain_http_is_told_to_use_https_and_the_next_scrape_works() {
    let ca = Ca::new("test CA");
    let leaf = ca.server("exporter");
    let exporter = https(&leaf, |tls| tls);
    let addr = exporter.local_addr();
    let answer = tokio::time::timeout(BOUND, async {
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        tcp.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        tcp.read_to_string(&mut answer).await.unwrap();
        answer
    })
    .await
    .expect("answered and closed");
    assert!(
        answer.starts_with("HTTP/1.1 400 Bad Request\r\n"),
        "{answer}"
    );
    assert!(answer.ends_with("\r\n\r\nThis port speaks https: use https:// to scrape.\r\n"));
    // Bytes that are neither TLS nor HTTP: closed without an answer.
    let silent = tokio::time::timeout(BOUND, async {
        let mut tcp = TcpStream::connect(addr).await.unwrap();
        tcp.write_all(b"\x00\x01\x02").await.unwrap();
        let mut answer = Vec::new();
        let _ = tcp.read_to_end(&mut answer).await;
        answer
    })
    .await
    .expect("closed");
    assert!(silent.is_empty());
    let seen = get(addr, client(&ca, None, BOTH), "/metrics")
        .await
        .unwrap();
    assert!(seen.response.contains("\njobs_total 7\n"));
    let failures = sample(
        addr,
        client(&ca, None, BOTH),
        "metrics_tls_handshake_failures_total",
    )
    .await;
    assert_eq!(failures, 2.0);
}

#[tokio::test]
async fn a_client_that_never_finishes_the_handshake_is_dropped() {
    let ca = Ca::new("test CA");
    let leaf = ca.server("exporter");
    let exporter = https(&leaf, |tls| {
        tls.handshake_timeout(Duration::from_millis(200))
    });
    let closed = tokio::time::timeout(BOUND, async {
        let mut tcp = TcpStream::connect(exporter.local_addr()).await.unwrap();
        // The start of a TLS record, and nothing more.
        tcp.write_all(&[0x16, 0x03, 0x01]).await.unwrap();
        let mut rest = Vec::new();
        let _ = tcp.read_to_end(&mut rest).await;
    })
    .await;
    assert!(closed.is_ok(), "the server closed the stalled connection");
    // A TCP probe (connect, close) is not a failed handshake; the stalled client is.
    drop(TcpStream::connect(exporter.local_addr()).await.unwrap());
    let ca_client = client(&ca, None, BOTH);
    let failures = sample(
        exporter.local_addr(),
        ca_client,
        "metrics_tls_handshake_failures_total",
    )
    .await;
    assert_eq!(failures, 1.0);
}

/// Writes `leaf` to `dir` as `tls.crt` and `tls.key`, each by a rename (as a kubelet swaps
/// a mounted Secret), key first.
fn install(dir: &Path, leaf: &Leaf) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("tls.crt"), dir.join("tls.key"));
    for (path, text) in [(&key, &leaf.key_pem), (&cert, &leaf.cert_pem)] {
        let staged = path.with_extension("new");
        std::fs::write(&staged, text).unwrap();
        std::fs::rename(&staged, path).unwrap();
    }
    (cert, key)
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("metrics-tls-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn changed_files_are_served_from_the_next_connection_and_broken_ones_are_not() {
    let dir = temp_dir("rotation");
    let ca = Ca::new("test CA");
    let first = ca.server("first");
    let (cert, key) = install(&dir, &first);
    let registry = registry();
    let exporter = start(
        &registry,
        ServerTls::from_pem_files(&cert, &key).build().unwrap(),
    );
    let addr = exporter.local_addr();
    let config = client(&ca, None, BOTH);

    // A connection kept open across the rotation keeps working.
    let kept = tokio::spawn({
        let config = Arc::clone(&config);
        async move {
            let tcp = TcpStream::connect(addr).await.unwrap();
            let name = ServerName::IpAddress(Ipv4Addr::LOCALHOST.into());
            let tls = tokio_rustls::TlsConnector::from(config)
                .connect(name, tcp)
                .await
                .unwrap();
            tls
        }
    })
    .await
    .unwrap();
    assert_eq!(
        get(addr, Arc::clone(&config), "/metrics")
            .await
            .unwrap()
            .peer,
        first.der
    );

    let second = ca.server("second");
    install(&dir, &second);
    assert_eq!(
        get(addr, Arc::clone(&config), "/metrics")
            .await
            .unwrap()
            .peer,
        second.der
    );

    // An expired certificate, then a key that is not the certificate's: both refused, the
    // second certificate still served, each failure counted once.
    let expired = ca.server_dated("expired", (2020, 1, 1), (2021, 1, 1));
    install(&dir, &expired);
    assert_eq!(
        get(addr, Arc::clone(&config), "/metrics")
            .await
            .unwrap()
            .peer,
        second.der
    );
    let third = ca.server("third");
    let mismatched = Leaf {
        key_pem: ca.server("other key").key_pem,
        ..third.clone()
    };
    install(&dir, &mismatched);
    for _ in 0..3 {
        assert_eq!(
            get(addr, Arc::clone(&config), "/metrics")
                .await
                .unwrap()
                .peer,
            second.der
        );
    }
    // Deleted files too: the old certificate stays.
    std::fs::remove_file(&cert).unwrap();
    assert_eq!(
        get(addr, Arc::clone(&config), "/metrics")
            .await
            .unwrap()
            .peer,
        second.der
    );
    install(&dir, &third);
    assert_eq!(
        get(addr, Arc::clone(&config), "/metrics")
            .await
            .unwrap()
            .peer,
        third.der
    );

    let seen = get(addr, Arc::clone(&config), "/metrics").await.unwrap();
    let metric = |line: &str| seen.response.lines().any(|l| l == line);
    assert!(
        metric("metrics_tls_certificate_reloads_total{result=\"success\"} 2"),
        "{}",
        seen.response
    );
    assert!(metric(
        "metrics_tls_certificate_reloads_total{result=\"failure\"} 3"
    ));

    // The connection made before any rotation still answers.
    let mut kept = kept;
    kept.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(BOUND, kept.read_to_end(&mut answer))
        .await
        .unwrap()
        .unwrap();
    assert!(String::from_utf8(answer)
        .unwrap()
        .starts_with("HTTP/1.1 200 OK\r\n"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_is_a_typed_error_that_shows_no_key() {
    let dir = temp_dir("errors");
    let ca = Ca::new("test CA");
    let leaf = ca.server("exporter");
    let missing = dir.join("missing.crt");
    let error = ServerTls::from_pem_files(&missing, dir.join("missing.key"))
        .build()
        .unwrap_err();
    assert!(matches!(&error, TlsError::Read { path, .. } if *path == missing));
    assert!(error.to_string().contains("missing.crt"), "{error}");

    let error = ServerTls::from_pem("not pem", leaf.key_pem.clone())
        .build()
        .unwrap_err();
    assert!(
        matches!(
            error,
            TlsError::Pem {
                item: "certificate",
                ..
            }
        ),
        "{error}"
    );
    // A key file that holds a certificate: no private key, and its text is not repeated.
    let error = ServerTls::from_pem(leaf.cert_pem.clone(), leaf.cert_pem.clone())
        .build()
        .unwrap_err();
    assert!(
        matches!(
            error,
            TlsError::Pem {
                item: "private key",
                ..
            }
        ),
        "{error}"
    );

    let other = ca.server("other");
    let error = ServerTls::from_pem(leaf.cert_pem.clone(), other.key_pem.clone())
        .build()
        .unwrap_err();
    assert!(matches!(error, TlsError::Key { .. }), "{error}");

    let expired = ca.server_dated("expired", (2020, 1, 1), (2021, 1, 1));
    let error = ServerTls::from_pem(expired.cert_pem.clone(), expired.key_pem.clone())
        .build()
        .unwrap_err();
    assert!(
        matches!(error, TlsError::Validity { not_after, now, .. } if not_after == 1_609_459_200 && now > not_after),
        "{error}"
    );
    assert!(
        error.to_string().starts_with("TLS certificate expired "),
        "{error}"
    );
    let future = ca.server_dated("future", (2090, 1, 1), (2091, 1, 1));
    let error = ServerTls::from_pem(future.cert_pem.clone(), future.key_pem.clone())
        .build()
        .unwrap_err();
    assert!(matches!(error, TlsError::Validity { .. }), "{error}");

    let error = ServerTls::from_pem(leaf.cert_pem.clone(), leaf.key_pem.clone())
        .client_ca_pem("no CA here", ClientAuth::Required)
        .build()
        .unwrap_err();
    assert!(
        matches!(
            error,
            TlsError::Pem {
                item: "client CA",
                ..
            }
        ),
        "{error}"
    );

    // Neither the builder, the server nor any error shows the key.
    let secret = leaf
        .key_pem
        .lines()
        .nth(1)
        .expect("a base64 line of the key")
        .to_owned();
    let builder = ServerTls::from_pem(leaf.cert_pem.clone(), leaf.key_pem.clone());
    let mut shown = format!("{builder:?}");
    shown += &format!("{:?}", builder.build().unwrap());
    assert!(
        !shown.contains(&secret) && !shown.contains("PRIVATE"),
        "{shown}"
    );
    let error = ServerTls::from_pem(leaf.key_pem.clone(), leaf.key_pem.clone())
        .build()
        .unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(
        !shown.contains(&secret) && !shown.contains("PRIVATE"),
        "{shown}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_axum_router_over_https() {
    let ca = Ca::new("test CA");
    let leaf = ca.server("router");
    let registry = registry();
    let tls = ServerTls::from_pem(leaf.cert_pem, leaf.key_pem)
        .build()
        .unwrap();
    tls.register_metrics(&registry).unwrap();
    // A second registration is a clash, refused.
    assert!(tls.register_metrics(&registry).is_err());
    let router = MetricsEndpoint::new(registry.clone()).router("/metrics");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve_router_tls(
        listener,
        router,
        ConnectionLimits::default(),
        tls,
        async {
            let _ = stopped.await;
        },
    ));
    let seen = get(addr, client(&ca, None, BOTH), "/metrics")
        .await
        .unwrap();
    assert!(seen.response.contains("\njobs_total 7\n"));
    assert!(seen
        .response
        .contains("\nmetrics_tls_certificate_reloads_total{result=\"success\"} 0\n"));
    let healthy = get(addr, client(&ca, None, BOTH), "/-/healthy")
        .await
        .unwrap();
    assert!(healthy.response.starts_with("HTTP/1.1 200 OK\r\n"));
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

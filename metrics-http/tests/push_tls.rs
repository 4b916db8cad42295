//! The push clients over https (feature `tls`): against a rustls server on a 127.0.0.1 port
//! whose certificate a test CA signed. Trusted through `root_certificates_pem`, the push
//! lands; without that root it fails with a typed error naming the certificate; a PEM with no
//! certificate in it is refused when the client is built.

mod common;

use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{read_request, Seen};
use metrics_core::Registry;
use metrics_http::{PushError, PushFormat, Pushgateway, RemoteWrite, RemoteWriteProtocol, Retry};
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};

/// A test CA (its certificate as PEM) and a server certificate it signed for `127.0.0.1` and
/// `localhost` (chain and key, DER).
struct Pki {
    ca_pem: String,
    server_chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    server_key: rustls::pki_types::PrivateKeyDer<'static>,
}

fn pki() -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();

    let key = KeyPair::generate().unwrap();
    let params =
        CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    let server = params.signed_by(&key, &ca, &ca_key).unwrap();
    Pki {
        ca_pem: ca.pem(),
        server_chain: vec![server.der().clone()],
        server_key: rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
    }
}

/// Serves https with `pki`'s server certificate, answering every request 200 and recording
/// it; a failed handshake is recorded as nothing, but counted among the connections.
/// A TCP stream that keeps a copy of every byte it reads: what crossed the wire.
struct Recording {
    tcp: std::net::TcpStream,
    wire: Arc<Mutex<Vec<u8>>>,
}

impl std::io::Read for Recording {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.tcp.read(buf)?;
        self.wire.lock().unwrap().extend_from_slice(&buf[..n]);
        Ok(n)
    }
}

impl Write for Recording {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.tcp.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.tcp.flush()
    }
}

/// Bytes received on the wire, by connection.
type Wire = Arc<Mutex<Vec<Arc<Mutex<Vec<u8>>>>>>;

fn recorded_https_server(pki: &Pki) -> (SocketAddr, Arc<Mutex<Vec<Seen>>>, Arc<AtomicUsize>, Wire) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(pki.server_chain.clone(), pki.server_key.clone_key())
            .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let connections = Arc::new(AtomicUsize::new(0));
    let count = connections.clone();
    let wire: Wire = Arc::default();
    let wires = wire.clone();
    std::thread::spawn(move || {
        for tcp in listener.incoming() {
            let Ok(tcp) = tcp else { continue };
            count.fetch_add(1, Ordering::SeqCst);
            let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
            let connection = rustls::ServerConnection::new(config.clone()).unwrap();
            let recorded = Arc::new(Mutex::new(Vec::new()));
            wires.lock().unwrap().push(recorded.clone());
            let tcp = Recording {
                tcp,
                wire: recorded,
            };
            let mut tls = rustls::StreamOwned::new(connection, tcp);
            let Some(request) = read_request(&mut tls) else {
                continue;
            };
            log.lock().unwrap().push(request);
            let _ =
                tls.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            let _ = tls.flush();
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    (addr, seen, connections, wire)
}

/// Checks that every connection opened with a TLS handshake record and that `secrets`
/// never crossed the wire in clear.
fn assert_encrypted(wire: &Wire, secrets: &[&str]) {
    let wire = wire.lock().unwrap();
    assert!(!wire.is_empty(), "no connection");
    for connection in wire.iter() {
        let bytes = connection.lock().unwrap();
        assert_eq!(
            bytes.first(),
            Some(&0x16),
            "starts with a TLS handshake record"
        );
        for secret in secrets {
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "`{secret}` crossed the wire in clear"
            );
        }
    }
}

fn registry() -> Registry {
    let registry = Registry::new();
    registry.counter("batch_rows_total", "Rows.").inc_by(42);
    registry
}

fn once() -> Retry {
    Retry::never(Duration::from_secs(5))
}

/// A client of the gateway at `addr` over https, trusting `ca_pem` if given.
fn gateway(addr: SocketAddr, ca_pem: Option<&str>) -> Pushgateway {
    let mut builder = Pushgateway::builder(format!("https://127.0.0.1:{}", addr.port()))
        .job("nightly")
        .format(PushFormat::Text)
        .retry(once());
    if let Some(pem) = ca_pem {
        builder = builder.root_certificates_pem(pem);
    }
    builder.build().unwrap()
}

#[test]
fn pushes_over_https_to_a_server_of_a_ca_given_as_pem() {
    let pki = pki();
    let (addr, seen, _, wire) = recorded_https_server(&pki);

    gateway(addr, Some(&pki.ca_pem))
        .push_blocking(&registry())
        .unwrap();

    let writer = RemoteWrite::builder(format!("https://localhost:{}/api/v1/write", addr.port()))
        .root_certificates_pem(pki.ca_pem.as_bytes())
        .protocol(RemoteWriteProtocol::V1)
        .retry(once())
        .build()
        .unwrap();
    writer.write_blocking(&registry()).unwrap();

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].request_line, "PUT /metrics/job/nightly HTTP/1.1");
    let text = String::from_utf8(seen[0].body.clone()).unwrap();
    assert!(text.contains("batch_rows_total 42\n"), "{text}");
    assert_eq!(seen[1].request_line, "POST /api/v1/write HTTP/1.1");
    assert!(!seen[1].body.is_empty());
    // What the server read through TLS never appeared on the wire as such.
    assert_encrypted(
        &wire,
        &["PUT /metrics", "batch_rows_total", "POST /api/v1/write"],
    );
}

#[test]
fn a_server_of_an_unknown_ca_is_refused_with_a_typed_error() {
    let pki = pki();
    let (addr, seen, connections, wire) = recorded_https_server(&pki);
    let retrying = Pushgateway::builder(format!("https://127.0.0.1:{}", addr.port()))
        .job("nightly")
        .auth(metrics_http::Auth::bearer("wire-secret"))
        .retry(Retry {
            attempts: 3,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(10),
            total: Duration::from_secs(5),
        })
        .build()
        .unwrap();
    match retrying.push_blocking(&registry()) {
        Err(error @ PushError::Transport(_)) => {
            let message = error.to_string();
            assert!(message.contains("certificate"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    assert!(seen.lock().unwrap().is_empty(), "no request got through");
    // The client stopped at the handshake: neither the request nor its token was sent.
    assert_encrypted(&wire, &["PUT ", "wire-secret", "batch_rows_total"]);
    assert_eq!(
        connections.load(Ordering::SeqCst),
        1,
        "a certificate that fails is not tried again"
    );
}

#[test]
fn a_pem_without_a_certificate_is_refused_when_building() {
    for pem in [
        "",
        "not a certificate",
        "-----BEGIN CERTIFICATE-----\n@@@\n-----END CERTIFICATE-----\n",
    ] {
        let built = Pushgateway::builder("https://gw:9091")
            .job("j")
            .root_certificates_pem(pem)
            .build();
        assert!(
            matches!(built, Err(PushError::InvalidCertificate { .. })),
            "{pem:?}: {built:?}"
        );
    }
}

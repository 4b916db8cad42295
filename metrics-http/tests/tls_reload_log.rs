//! With feature `log`, a certificate change that does not load is logged once, as a
//! warning that names the reason and not the key, and the old certificate stays in use.

mod common;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use common::pki::Ca;
use metrics_core::Registry;
use metrics_http::{Exporter, ProcessMetrics, ServerTls};
use tokio::io::AsyncWriteExt;

static LOGGED: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        LOGGED
            .lock()
            .unwrap()
            .push(format!("{} {}", record.level(), record.args()));
    }
    fn flush(&self) {}
}

/// Opens a connection that starts a TLS record and goes away: enough for the server to
/// look at its certificate files.
async fn touch(addr: std::net::SocketAddr) {
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(&[0x16, 0x03, 0x01, 0x00, 0x05])
        .await
        .unwrap();
}

#[tokio::test]
async fn a_change_that_does_not_load_is_logged_once() {
    log::set_logger(&Capture).unwrap();
    log::set_max_level(log::LevelFilter::Warn);
    let dir = std::env::temp_dir().join(format!("metrics-tls-log-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = (dir.join("tls.crt"), dir.join("tls.key"));
    let ca = Ca::new("test CA");
    let good = ca.server("good");
    std::fs::write(&cert, &good.cert_pem).unwrap();
    std::fs::write(&key, &good.key_pem).unwrap();
    let exporter = Exporter::builder()
        .bind("127.0.0.1:0")
        .registry(Registry::new())
        .process_metrics(ProcessMetrics::Skip)
        .tls(ServerTls::from_pem_files(&cert, &key).build().unwrap())
        .build()
        .unwrap()
        .start()
        .unwrap();
    // No connection before the files change: one still in its handshake could read them
    // between the two writes, a change of its own (and a second warning, rightly).

    let expired = ca.server_dated("expired", (2020, 1, 1), (2021, 1, 1));
    std::fs::write(&cert, &expired.cert_pem).unwrap();
    std::fs::write(&key, &expired.key_pem).unwrap();
    // Several connections see the same broken files: one warning.
    for _ in 0..3 {
        touch(exporter.local_addr()).await;
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while LOGGED.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "no warning logged");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // One more, and time for every connection to reach the files: a second warning would
    // show here.
    touch(exporter.local_addr()).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let logged = LOGGED.lock().unwrap().clone();
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert!(logged[0].starts_with("WARN "), "{logged:?}");
    assert!(logged[0].contains("TLS certificate expired"), "{logged:?}");
    assert!(
        logged[0].contains("previous one stays in use"),
        "{logged:?}"
    );
    let secret = expired.key_pem.lines().nth(1).unwrap();
    assert!(!logged[0].contains(secret) && !logged[0].contains("PRIVATE"));
    let _ = std::fs::remove_dir_all(&dir);
}

//! End to end: the Debian `prometheus` (2.42) scrapes the `quickstart` example (the
//! standalone exporter) and the `axum_service` example (`serve_router_tls`) over https, with
//! `tls_config` as a cluster would set it, using certificates made here with rcgen: server
//! TLS (`ca_file`), mutual TLS (`cert_file`/`key_file`), and a job without a client
//! certificate against a mutual-TLS exporter, which must stay down.
//!
//! With `CI` set, a missing binary fails the test; otherwise it says loudly that it skipped.

mod common;

#[path = "../../metrics-http/tests/common/pki.rs"]
mod pki;

use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::prometheus::{free_port, Prometheus};
use pki::Ca;

/// An example on a free port with the given environment.
struct Example {
    child: Child,
    addr: SocketAddr,
}

impl Example {
    fn start(name: &str, env: &[(&str, &Path)]) -> Example {
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let mut command = Command::new(common::example_binary(name));
        command.env("METRICS_ADDR", addr.to_string());
        for (name, path) in env {
            command.env(name, path);
        }
        let child = command.stdout(Stdio::null()).spawn().unwrap();
        let example = Example { child, addr };
        // The port is bound once the certificate has loaded.
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(addr).is_err() {
            assert!(Instant::now() < deadline, "{name} never listened");
            std::thread::sleep(Duration::from_millis(50));
        }
        example
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn prometheus_scrapes_over_https_and_mutual_tls() {
    let Some(binary) = common::require("prometheus", "prometheus") else {
        return;
    };
    let dir = std::env::temp_dir().join(format!("metrics-tls-scrape-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let ca = Ca::new("cluster CA");
    let server = ca.server("quickstart");
    let client = ca.client("prometheus");
    for (name, text) in [
        ("ca.crt", &ca.pem),
        ("tls.crt", &server.cert_pem),
        ("tls.key", &server.key_pem),
        ("client.crt", &client.cert_pem),
        ("client.key", &client.key_pem),
    ] {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let file = |name: &str| dir.join(name);

    let (cert, key, client_ca) = (file("tls.crt"), file("tls.key"), file("ca.crt"));
    let server_only = [("METRICS_TLS_CERT", &*cert), ("METRICS_TLS_KEY", &key)];
    let mutual_env = [
        ("METRICS_TLS_CERT", &*cert),
        ("METRICS_TLS_KEY", &key),
        ("METRICS_TLS_CLIENT_CA", &client_ca),
    ];
    let tls = Example::start("quickstart", &server_only);
    let mutual = Example::start("quickstart", &mutual_env);
    let shop = Example::start("axum_service", &mutual_env);
    let job = |name: &str, addr: SocketAddr, client_cert: bool| {
        let identity = if client_cert {
            format!(
                "\n      cert_file: {}\n      key_file: {}",
                file("client.crt").display(),
                file("client.key").display()
            )
        } else {
            String::new()
        };
        format!(
            "  - job_name: {name}\n    scheme: https\n    tls_config:\n      ca_file: {}{identity}\n    static_configs:\n      - targets: ['{addr}']\n",
            file("ca.crt").display()
        )
    };
    let configs = [
        job("tls", tls.addr, false),
        job("mtls", mutual.addr, true),
        job("mtls_without_certificate", mutual.addr, false),
        job("shop", shop.addr, true),
    ]
    .concat();
    let prometheus = Prometheus::start(binary, &configs, &[]);

    let up = |job: &str, want: f64| {
        let result = prometheus.query_until(&format!("up{{job=\"{job}\"}}"), |r| {
            r.len() == 1 && r[0].1 == want
        });
        assert_eq!(result[0].1, want, "up of {job}");
    };
    up("tls", 1.0);
    up("mtls", 1.0);
    up("mtls_without_certificate", 0.0);
    up("shop", 1.0);
    // The shop's exposition came over https (its process collector's families).
    prometheus.query_until("process_resident_memory_bytes{job=\"shop\"}", |r| {
        r.len() == 1 && r[0].1 > 0.0
    });
    // And its tokio runtime's (a multi-threaded one, a worker per core).
    let workers = prometheus.query_until("tokio_workers{job=\"shop\"}", |r| r.len() == 1);
    assert!(workers[0].1 >= 1.0);

    // The metrics arrived, and the exporters' own TLS figures with them.
    for job in ["tls", "mtls", "shop"] {
        if job != "shop" {
            prometheus.query_until(
                &format!("sum(quickstart_jobs_processed_total{{job=\"{job}\"}})"),
                |r| r.len() == 1 && r[0].1 > 0.0,
            );
        }
        let expiry = prometheus.query_until(
            &format!("metrics_tls_certificate_expiry_timestamp_seconds{{job=\"{job}\"}}"),
            |r| r.len() == 1,
        );
        // rcgen's default notAfter: 4096-01-01T00:00:00Z.
        assert_eq!(expiry[0].1, 67_090_118_400.0);
    }
    // The certificate-less scrapes were refused at the handshake, and counted.
    prometheus.query_until("metrics_tls_handshake_failures_total{job=\"mtls\"}", |r| {
        r.len() == 1 && r[0].1 >= 1.0
    });
    let unrefused = prometheus.query("metrics_tls_handshake_failures_total{job=\"tls\"}");
    assert_eq!(unrefused.len(), 1);
    assert_eq!(
        unrefused[0].1, 0.0,
        "nothing refused where no certificate is asked"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

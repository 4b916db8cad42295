//! End to end: the Debian `prometheus` (2.42, which asks for no escaping scheme) scrapes the
//! `utf8_names` example and stores OpenTelemetry's names escaped with underscores; the same
//! endpoint answers a Prometheus 3 `Accept` header with the names as they are.
//!
//! With `CI` set, a missing binary fails the test; otherwise it says loudly that it skipped.

mod common;

use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::prometheus::{free_port, Prometheus};

struct Example(Child);

impl Drop for Example {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_example(addr: SocketAddr) -> Example {
    let child = Command::new(common::example_binary("utf8_names"))
        .env("METRICS_ADDR", addr.to_string())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let example = Example(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(addr).is_err() {
        assert!(Instant::now() < deadline, "utf8_names never listened");
        std::thread::sleep(Duration::from_millis(50));
    }
    example
}

#[test]
fn prometheus_2_stores_the_escaped_names_and_prometheus_3_gets_them_as_they_are() {
    let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
    let _example = start_example(addr);

    // What Prometheus 3 asks for by default: the names as they are.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let v3 = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,\
              application/openmetrics-text;version=0.0.1;q=0.5,\
              text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,\
              text/plain;version=0.0.4;q=0.3,*/*;q=0.2";
    let (content_type, body) = runtime.block_on(async {
        let client = common::client();
        let request = hyper::Request::get(format!("http://{addr}/metrics"))
            .header("accept", v3)
            .body(http_body_util::Empty::<bytes::Bytes>::new())
            .unwrap();
        let response = client.request(request).await.unwrap();
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        let body = http_body_util::BodyExt::collect(response.into_body())
            .await
            .unwrap()
            .to_bytes();
        (content_type, String::from_utf8(body.to_vec()).unwrap())
    });
    assert_eq!(
        content_type,
        "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8"
    );
    assert!(
        body.contains("# TYPE \"http.server.request.duration\" histogram\n"),
        "{body}"
    );
    assert!(body.contains("{\"http.server.active_requests\",\"http.request.method\"="));

    let Some(binary) = common::require("prometheus", "prometheus") else {
        return;
    };
    let prometheus = Prometheus::start(
        binary,
        &format!(
            "  - job_name: otel\n    scrape_interval: 1s\n    static_configs:\n      - targets: ['{addr}']\n"
        ),
        &[],
    );
    let counts = prometheus.query_until(
        "sum by (http_request_method) (http_server_request_duration_count{job=\"otel\"})",
        |r| r.len() == 2 && r.iter().all(|(_, v)| *v > 0.0),
    );
    let methods: Vec<&str> = counts
        .iter()
        .map(|(labels, _)| labels["http_request_method"].as_str().unwrap())
        .collect();
    assert!(
        methods.contains(&"GET") && methods.contains(&"POST"),
        "{methods:?}"
    );
    let routes = prometheus.query_until(
        "count by (http_route) (http_server_request_duration_bucket{job=\"otel\",le=\"+Inf\"})",
        |r| r.len() == 2,
    );
    assert!(routes
        .iter()
        .any(|(labels, _)| labels["http_route"] == "/users/{id}"));
    prometheus.query_until(
        "http_server_active_requests{job=\"otel\",http_request_method=\"GET\"}",
        |r| r.len() == 1,
    );
}

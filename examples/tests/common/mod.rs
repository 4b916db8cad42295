//! What the example services' tests share: an HTTP client, the traffic they send, and a
//! reader of the request metrics in an exposition.

#![allow(dead_code)] // Each test crate uses its own part.

// The helpers that start Debian's binaries, shared with metrics-core's end-to-end tests.
#[path = "../../../metrics-core/tests/common/mod.rs"]
mod shared;
#[allow(unused_imports)] // Each test crate uses its own part.
pub(crate) use shared::{prometheus, require};

use std::collections::BTreeMap;
use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::{Method, Request};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;

pub(crate) type HttpClient = Client<HttpConnector, Empty<Bytes>>;

pub(crate) fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

/// One request; the status and the body.
pub(crate) async fn send(
    client: &HttpClient,
    method: Method,
    addr: SocketAddr,
    path: &str,
) -> (u16, String) {
    let request = Request::builder()
        .method(method)
        .uri(format!("http://{addr}{path}"))
        .body(Empty::new())
        .unwrap();
    let response = client.request(request).await.expect("the service answers");
    let status = response.status().as_u16();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

/// `http_server_requests_total` by (method, route, status).
pub(crate) type Counts = BTreeMap<(String, String, String), u64>;

/// The request counts in a text exposition.
pub(crate) fn request_counts(exposition: &str) -> Counts {
    let mut counts = Counts::new();
    for line in exposition.lines() {
        let Some(rest) = line.strip_prefix("http_server_requests_total{") else {
            continue;
        };
        let (labels, value) = rest.rsplit_once("} ").unwrap();
        let label = |name: &str| {
            let start = labels.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            labels[start..][..labels[start..].find('"').unwrap()].to_owned()
        };
        counts.insert(
            (label("method"), label("route"), label("status")),
            value.parse().unwrap(),
        );
    }
    counts
}

fn key(method: &str, route: &str, status: u16) -> (String, String, String) {
    (method.to_owned(), route.to_owned(), status.to_string())
}

/// Distinct raw paths a scanner tries, all unmatched.
pub(crate) const SCANNED_PATHS: u64 = 10_000;

/// Sends the shop's test traffic: orders, users, a report, a report the client gives up
/// on, one request with a made-up method, and [`SCANNED_PATHS`] distinct unmatched paths.
/// Returns the counts the middleware must then show, the cancelled report (499) included.
pub(crate) async fn shop_traffic(addr: SocketAddr) -> Counts {
    let client = client();
    let mut expected = Counts::new();
    for _ in 0..5 {
        assert_eq!(
            send(&client, Method::POST, addr, "/api/orders?items=3")
                .await
                .0,
            201
        );
    }
    for _ in 0..2 {
        assert_eq!(
            send(&client, Method::POST, addr, "/api/orders?items=0")
                .await
                .0,
            422
        );
    }
    expected.insert(key("POST", "/api/orders", 201), 5);
    expected.insert(key("POST", "/api/orders", 422), 2);
    for id in ["42", "7", "42"] {
        assert_eq!(
            send(&client, Method::GET, addr, &format!("/users/{id}"))
                .await
                .0,
            200
        );
    }
    assert_eq!(send(&client, Method::GET, addr, "/users/bob").await.0, 404);
    expected.insert(key("GET", "/users/{id}", 200), 3);
    expected.insert(key("GET", "/users/{id}", 404), 1);
    assert_eq!(send(&client, Method::GET, addr, "/api/report").await.0, 200);
    expected.insert(key("GET", "/api/report", 200), 1);
    // Scrapes are not traffic.
    assert_eq!(send(&client, Method::GET, addr, "/metrics").await.0, 200);

    // A scanner: distinct raw paths, 8 at a time.
    let workers: Vec<_> = (0..8u64)
        .map(|w| {
            let client = client.clone();
            tokio::spawn(async move {
                for i in (w..SCANNED_PATHS).step_by(8) {
                    let path = format!("/scan/{i}/wp-login.php?u={i}");
                    assert_eq!(send(&client, Method::GET, addr, &path).await.0, 404);
                }
            })
        })
        .collect();
    for worker in workers {
        worker.await.unwrap();
    }
    expected.insert(key("GET", "unmatched", 404), SCANNED_PATHS);

    // A client that gives up on a slow report before it is ready.
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .write_all(b"GET /api/report HTTP/1.1\r\nHost: shop\r\n\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(5));
    drop(stream);
    expected.insert(key("GET", "/api/report", 499), 1);
    expected
}

/// The text exposition of the service at `addr`, once `ready` accepts it (requests are
/// recorded when their response body ends, a moment after the client has it).
pub(crate) async fn metrics_when(addr: SocketAddr, ready: impl Fn(&str) -> bool) -> String {
    let client = client();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = send(&client, Method::GET, addr, "/metrics").await;
        assert_eq!(status, 200);
        if ready(&body) {
            return body;
        }
        assert!(Instant::now() < deadline, "metrics never settled:\n{body}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Asserts what the middleware recorded for [`shop_traffic`]: exact counts per route (the
/// cancelled report as 499), no raw path anywhere, and a bounded number of series.
pub(crate) fn check_shop_metrics(exposition: &str, expected: Counts) {
    let counts = request_counts(exposition);
    assert_eq!(counts, expected, "exact counts per route");

    for raw in ["/scan/", "wp-login", "/users/42", "/users/bob", "items="] {
        assert!(
            !exposition.contains(raw),
            "raw path `{raw}` leaked into the metrics"
        );
    }
    // Per (method, route, status): a counter, and two histograms (14 and 11 buckets, +Inf,
    // sum, count); and one active-requests gauge per method. Nothing grew with the scan.
    let samples = exposition
        .lines()
        .filter(|l| l.starts_with("http_server_"))
        .count();
    let per_series = 1 + (14 + 3) + (11 + 3);
    let series = request_counts(exposition).len();
    assert_eq!(samples, series * per_series + 2, "request-metric samples");
    // The duration histogram saw the same requests.
    let unmatched = format!(
        "http_server_request_duration_seconds_count{{method=\"GET\",route=\"unmatched\",status=\"404\"}} {SCANNED_PATHS}\n"
    );
    assert!(exposition.contains(&unmatched), "{unmatched}");
    assert!(exposition.contains("http_server_active_requests{method=\"GET\"} 0\n"));
    assert!(exposition.contains("shop_orders_total{outcome=\"accepted\"} 5\n"));
}

/// The `batch_job` example's binary, which `cargo test` builds beside the tests.
pub(crate) fn batch_job_binary() -> PathBuf {
    example_binary("batch_job")
}

/// An example's binary, which `cargo test` builds beside the tests.
pub(crate) fn example_binary(name: &str) -> PathBuf {
    let deps = std::env::current_exe().unwrap();
    let binary = deps
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples")
        .join(name);
    assert!(
        binary.exists(),
        "{} not built; run through `cargo test`",
        binary.display()
    );
    binary
}

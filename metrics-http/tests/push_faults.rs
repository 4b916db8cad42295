//! Push clients against misbehaving servers (a scripted fake on a 127.0.0.1 port): down,
//! failing then recovering, refusing, silent. No panic, typed errors, and never longer than
//! the configured bounds.

mod common;

use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{read_request, Seen};
use metrics_core::Registry;
use metrics_http::{Auth, BatchJob, PushError, PushFormat, Pushgateway, Retry};

/// What the fake does with the n-th request: answer with a status and body, or say nothing.
#[derive(Debug, Clone, Copy)]
enum Reply {
    Status(u16, &'static str),
    Silence,
}

/// Serves `script` (the last reply repeats) and records every request.
fn fake(script: Vec<Reply>) -> (SocketAddr, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let n = {
                let Some(request) = read_request(&stream) else {
                    continue;
                };
                let mut log = log.lock().unwrap();
                log.push(request);
                log.len() - 1
            };
            match script[n.min(script.len() - 1)] {
                Reply::Status(code, body) => {
                    let mut stream = &stream;
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {code} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                }
                Reply::Silence => {
                    std::thread::spawn(move || {
                        std::thread::sleep(Duration::from_secs(30));
                        drop(stream);
                    });
                }
            }
        }
    });
    (addr, seen)
}

fn quick_retry() -> Retry {
    Retry {
        attempts: 3,
        initial_backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(100),
        total: Duration::from_secs(3),
    }
}

fn registry() -> Registry {
    let registry = Registry::new();
    registry.counter("batch_rows_total", "Rows.").inc_by(42);
    registry
}

fn gateway(addr: SocketAddr, retry: Retry, timeout: Duration) -> Pushgateway {
    Pushgateway::builder(format!("http://{addr}"))
        .job("batch")
        .grouping("instance", "a/b")
        .auth(Auth::bearer("tok"))
        .header("X-Extra", "yes")
        .format(PushFormat::Text)
        .timeout(timeout)
        .retry(retry)
        .build()
        .unwrap()
}

#[test]
fn gateway_down_is_a_transport_error_within_the_bound() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let started = Instant::now();
    let error = gateway(port, quick_retry(), Duration::from_secs(1))
        .push_blocking(&registry())
        .unwrap_err();
    assert!(matches!(error, PushError::Transport(_)), "{error}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[test]
fn a_500_then_a_200_is_retried_and_succeeds() {
    let (addr, seen) = fake(vec![
        Reply::Status(500, "busy"),
        Reply::Status(429, "slow down"),
        Reply::Status(200, ""),
    ]);
    gateway(addr, quick_retry(), Duration::from_secs(1))
        .push_blocking(&registry())
        .unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3, "500 and 429 are retried");
    let last = &seen[2];
    assert_eq!(
        last.request_line,
        "PUT /metrics/job/batch/instance@base64/YS9i HTTP/1.1"
    );
    assert_eq!(last.header("authorization"), Some("Bearer tok"));
    assert_eq!(last.header("x-extra"), Some("yes"));
    assert_eq!(
        last.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    assert_eq!(
        String::from_utf8_lossy(&last.body),
        "# HELP batch_rows_total Rows.\n# TYPE batch_rows_total counter\nbatch_rows_total 42\n"
    );
}

#[test]
fn pushes_go_as_delimited_protobuf_by_default_and_gzip_on_request() {
    let (addr, seen) = fake(vec![Reply::Status(200, "")]);
    let registry = registry();
    let mut families = metrics_core::MetricFamilies::new();
    registry.gather(&mut families);
    let mut protobuf = Vec::new();
    metrics_core::Format::Protobuf.encode(&families, &mut protobuf);
    let builder = || Pushgateway::builder(format!("http://{addr}")).job("batch");
    builder().build().unwrap().push_blocking(&registry).unwrap();
    builder()
        .gzip(true)
        .build()
        .unwrap()
        .push_blocking(&registry)
        .unwrap();
    let seen = seen.lock().unwrap();
    let protobuf_type = "application/vnd.google.protobuf; \
                         proto=io.prometheus.client.MetricFamily; encoding=delimited";
    assert_eq!(seen[0].header("content-type"), Some(protobuf_type));
    assert_eq!(seen[0].header("content-encoding"), None);
    assert_eq!(seen[0].body, protobuf);
    assert_eq!(seen[1].header("content-type"), Some(protobuf_type));
    assert_eq!(seen[1].header("content-encoding"), Some("gzip"));
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&seen[1].body[..]),
        &mut unzipped,
    )
    .unwrap();
    assert_eq!(unzipped, protobuf);
}

#[test]
fn a_400_is_not_retried_and_carries_the_body() {
    let (addr, seen) = fake(vec![Reply::Status(
        400,
        "text format parsing error in line 3",
    )]);
    let error = gateway(addr, quick_retry(), Duration::from_secs(1))
        .push_add_blocking(&registry())
        .unwrap_err();
    match &error {
        PushError::Status { code: 400, body } => assert!(body.contains("line 3"), "{body}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert!(seen.lock().unwrap()[0].request_line.starts_with("POST "));
}

#[test]
fn a_silent_gateway_times_out_within_the_total() {
    let (addr, seen) = fake(vec![Reply::Silence]);
    let retry = Retry {
        total: Duration::from_millis(800),
        ..quick_retry()
    };
    let started = Instant::now();
    let error = gateway(addr, retry, Duration::from_millis(300))
        .delete_blocking()
        .unwrap_err();
    let waited = started.elapsed();
    assert!(matches!(error, PushError::Timeout { .. }), "{error}");
    assert!(
        waited >= Duration::from_millis(300) && waited < Duration::from_millis(1500),
        "{waited:?}"
    );
    assert!(
        seen.lock().unwrap().len() >= 2,
        "timed-out attempts are retried"
    );
    assert!(seen.lock().unwrap()[0].request_line.starts_with("DELETE "));
}

#[test]
fn a_dropped_batch_job_pushes_once_and_never_blocks_past_the_bound() {
    let (addr, seen) = fake(vec![Reply::Silence]);
    let retry = Retry {
        total: Duration::from_millis(600),
        ..quick_retry()
    };
    let run =
        BatchJob::start(gateway(addr, retry, Duration::from_millis(200)), registry()).unwrap();
    let started = Instant::now();
    drop(run);
    assert!(started.elapsed() < Duration::from_millis(1500));
    let seen = seen.lock().unwrap();
    assert!(seen[0].request_line.starts_with("POST "));
    let body = String::from_utf8_lossy(&seen[0].body).into_owned();
    assert!(
        body.contains("batch_last_failure_timestamp_seconds "),
        "{body}"
    );
    assert!(body.contains("batch_duration_seconds "));
    assert!(!body.contains("batch_last_success_timestamp_seconds"));
}

#[tokio::test]
async fn the_blocking_form_works_inside_a_runtime() {
    let (addr, _) = fake(vec![Reply::Status(200, "")]);
    let gateway = gateway(addr, quick_retry(), Duration::from_secs(1));
    gateway.push_blocking(&registry()).unwrap();
    gateway.push(&registry()).await.unwrap();
}

#[test]
fn periodic_push_pushes_every_interval_and_once_more_on_stop() {
    let (addr, seen) = fake(vec![Reply::Status(500, "flaky"), Reply::Status(200, "")]);
    let registry = registry();
    let periodic = metrics_http::PeriodicPush::start(
        gateway(
            addr,
            Retry::never(Duration::from_secs(1)),
            Duration::from_secs(1),
        ),
        registry.clone(),
        Duration::from_millis(100),
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(350));
    let before_stop = seen.lock().unwrap().len();
    assert!(
        (2..=4).contains(&before_stop),
        "{before_stop} pushes in 350 ms"
    );
    registry.counter("batch_rows_total", "Rows.").inc_by(8);
    periodic.stop().unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), before_stop + 1, "one final push");
    let last = String::from_utf8_lossy(&seen.last().unwrap().body).into_owned();
    assert!(
        last.contains("batch_rows_total 50\n"),
        "the final push has the last values: {last}"
    );
    assert!(seen.iter().all(|s| s.request_line.starts_with("PUT ")));
}

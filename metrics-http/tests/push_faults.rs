//! Push clients against misbehaving servers (a scripted fake on a 127.0.0.1 port): down,
//! failing then recovering, refusing, silent. No panic, typed errors, and never longer than
//! the configured bounds.

mod common;

use std::io::Write;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{fake, read_request, Reply};
use metrics_core::Registry;
use metrics_http::{Auth, BatchJob, PeriodicPush, PushError, PushFormat, Pushgateway, Retry};

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
    // It names where it tried, and why it failed.
    let message = error.to_string();
    assert!(
        message.contains(&format!("http://{port}/metrics/job/batch")),
        "{message}"
    );
    assert!(message.contains("onnection refused"), "{message}");
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
                         proto=io.prometheus.client.MetricFamily; encoding=delimited; \
                         escaping=underscores";
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
fn credentials_in_the_url_are_sent_as_basic_auth() {
    let (addr, seen) = fake(vec![Reply::Status(200, "")]);
    let gateway = Pushgateway::builder(format!("http://prom:pa%40ss@{addr}/"))
        .job("batch")
        .build()
        .unwrap();
    assert_eq!(gateway.url(), format!("http://{addr}/metrics/job/batch"));
    gateway.push_blocking(&registry()).unwrap();
    let seen = seen.lock().unwrap();
    // base64("prom:pa@ss")
    assert_eq!(
        seen[0].header("authorization"),
        Some("Basic cHJvbTpwYUBzcw==")
    );
    // Given twice, they are refused rather than one set silently winning.
    let twice = Pushgateway::builder(format!("http://prom:pw@{addr}"))
        .job("batch")
        .auth(Auth::bearer("tok"))
        .build();
    assert!(
        matches!(twice, Err(PushError::InvalidUrl { .. })),
        "{twice:?}"
    );
}

#[test]
fn no_secret_in_debug_display_or_errors() {
    let secrets = ["s3cret-token", "pa55word", "k3y-value"];
    let check = |shown: String| {
        for secret in secrets {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    };
    let builder = Pushgateway::builder("http://user:pa55word@127.0.0.1:9")
        .job("j")
        .header("X-Api-Key", "k3y-value")
        .retry(Retry::never(Duration::from_secs(1)));
    check(format!("{builder:?}"));
    let gateway = builder.build().unwrap();
    check(format!("{gateway:?}"));
    let error = gateway.push_blocking(&registry()).unwrap_err();
    check(format!("{error} {error:?}"));
    let job = BatchJob::start(gateway.clone(), Registry::new()).unwrap();
    check(format!("{job:?}"));
    std::mem::forget(job); // Its drop would push again.
    let with_token = Pushgateway::builder("http://127.0.0.1:9")
        .job("j")
        .auth(Auth::bearer("s3cret-token"))
        .build()
        .unwrap();
    check(format!("{with_token:?}"));
    for url in ["ftp://user:pa55word@gw", "http://user:pa55word@gw/?q"] {
        let error = Pushgateway::builder(url).job("j").build().unwrap_err();
        check(format!("{error} {error:?}"));
    }
}

/// Answers every request `status` with a body announced as 1 GiB, writing it until the
/// client hangs up; returns how many body bytes it managed to write in all.
fn endless_body(status: u16) -> (SocketAddr, Arc<std::sync::atomic::AtomicU64>) {
    use std::sync::atomic::{AtomicU64, Ordering};
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let written = Arc::new(AtomicU64::new(0));
    let total = written.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let total = total.clone();
            std::thread::spawn(move || {
                if read_request(&stream).is_none() {
                    return;
                }
                let mut stream = &stream;
                let head = format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: {}\r\n\r\n",
                    1u64 << 30
                );
                if stream.write_all(head.as_bytes()).is_err() {
                    return;
                }
                let chunk = vec![b'x'; 64 * 1024];
                for _ in 0..(1 << 14) {
                    if stream.write_all(&chunk).is_err() {
                        return;
                    }
                    total.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                }
            });
        }
    });
    (addr, written)
}

#[test]
fn a_huge_answer_is_never_read_whole() {
    use std::sync::atomic::Ordering;
    let before = rss_kib();
    for status in [500, 200] {
        let (addr, written) = endless_body(status);
        let gateway = gateway(addr, quick_retry(), Duration::from_secs(2));
        let result = gateway.push_blocking(&registry());
        match (status, result) {
            (500, Err(PushError::Status { code: 500, body })) => {
                assert!(
                    body.len() <= 4096 && body.starts_with("xxx"),
                    "{}",
                    body.len()
                );
            }
            (200, Ok(())) => {}
            (_, other) => panic!("{status}: {other:?}"),
        }
        std::thread::sleep(Duration::from_millis(200));
        // Socket buffers take a few MiB; the client must have hung up long before 1 GiB
        // (3 attempts for the 500).
        let sent = written.load(Ordering::Relaxed);
        assert!(sent < 64 << 20, "{status}: the server wrote {sent} bytes");
    }
    let grown = rss_kib().saturating_sub(before);
    assert!(grown < 100 * 1024, "the client grew by {grown} KiB");
}

/// This process' resident memory, KiB.
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
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

/// Pushes `registry` to the fake at `addr` every `interval`, one try each.
fn start_periodic(addr: SocketAddr, registry: &Registry, interval: Duration) -> PeriodicPush {
    let gateway = gateway(
        addr,
        Retry::never(Duration::from_secs(1)),
        Duration::from_secs(1),
    );
    PeriodicPush::start(gateway, registry.clone(), interval).unwrap()
}

#[test]
fn periodic_push_pushes_every_interval_and_once_more_on_stop() {
    let (addr, seen) = fake(vec![Reply::Status(500, "flaky"), Reply::Status(200, "")]);
    let registry = registry();
    let periodic = start_periodic(addr, &registry, Duration::from_millis(100));
    // Pushes come again and again (bounded wait: a loaded machine may be slow, not wrong).
    let deadline = Instant::now() + Duration::from_secs(10);
    while seen.lock().unwrap().len() < 3 {
        assert!(Instant::now() < deadline, "fewer than 3 pushes in 10 s");
        std::thread::sleep(Duration::from_millis(10));
    }
    registry.counter("batch_rows_total", "Rows.").inc_by(8);
    periodic.stop().unwrap();
    let after_stop = seen.lock().unwrap().len();
    // Stopped: no push after `stop` returned, and the last one has the last values.
    std::thread::sleep(Duration::from_millis(300));
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), after_stop, "a push after stop");
    let last = String::from_utf8_lossy(&seen.last().unwrap().body).into_owned();
    assert!(
        last.contains("batch_rows_total 50\n"),
        "the final push has the last values: {last}"
    );
    assert!(seen.iter().all(|s| s.request_line.starts_with("PUT ")));
    drop(seen);

    // With an interval that never comes, the only push is the one `stop` makes.
    let (addr, seen) = fake(vec![Reply::Status(200, "")]);
    let periodic = start_periodic(addr, &registry, Duration::from_secs(3600));
    assert_eq!(seen.lock().unwrap().len(), 0);
    periodic.stop().unwrap();
    assert_eq!(seen.lock().unwrap().len(), 1, "one final push");
}

/// The gaps between the tries of a push, from when each arrived.
fn gaps(seen: &[common::Seen]) -> Vec<Duration> {
    seen.windows(2).map(|w| w[1].at - w[0].at).collect()
}

#[tokio::test]
async fn retries_wait_their_backoff_and_stop_at_the_attempt_limit() {
    let (addr, seen) = fake(vec![Reply::Status(500, "down")]);
    let retry = Retry {
        attempts: 4,
        initial_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(150),
        total: Duration::from_secs(20),
    };
    let error = gateway(addr, retry, Duration::from_secs(5))
        .push(&registry())
        .await
        .unwrap_err();
    assert!(
        matches!(error, PushError::Status { code: 500, .. }),
        "{error}"
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 4, "four tries, no more");
    // Equal jitter: at least half of each backoff (100, 150 capped from 200, 150 capped
    // from 300). What the waits are at most is the backoff module's unit tests' to check:
    // a loaded machine can only make them longer.
    let gaps = gaps(&seen);
    for (gap, least) in gaps.iter().zip([50, 75, 75]) {
        assert!(*gap >= Duration::from_millis(least), "{gaps:?}");
    }
}

#[tokio::test]
async fn retry_after_is_honoured_on_503_and_429() {
    // 503 asking for 1 s, then success: the second try comes no sooner.
    let (addr, seen) = fake(vec![
        Reply::Headers(503, "Retry-After: 1\r\n"),
        Reply::Status(200, ""),
    ]);
    gateway(addr, quick_retry(), Duration::from_secs(2))
        .push(&registry())
        .await
        .unwrap();
    let gaps = gaps(&seen.lock().unwrap());
    assert_eq!(gaps.len(), 1);
    assert!(gaps[0] >= Duration::from_secs(1), "{gaps:?}");

    // 429 asking for longer than the push may take: given up at once, not waited out.
    let (addr, seen) = fake(vec![Reply::Headers(429, "Retry-After: 60\r\n")]);
    let started = Instant::now();
    let error = gateway(addr, quick_retry(), Duration::from_secs(2))
        .push(&registry())
        .await
        .unwrap_err();
    assert!(
        matches!(error, PushError::Status { code: 429, .. }),
        "{error}"
    );
    assert_eq!(seen.lock().unwrap().len(), 1);
    assert!(
        started.elapsed() < quick_retry().total,
        "{:?}",
        started.elapsed()
    );

    // Retry-After on a 500 is not a 503's: the backoff stands.
    let (addr, seen) = fake(vec![
        Reply::Headers(500, "Retry-After: 60\r\n"),
        Reply::Status(200, ""),
    ]);
    gateway(addr, quick_retry(), Duration::from_secs(2))
        .push(&registry())
        .await
        .unwrap();
    assert_eq!(seen.lock().unwrap().len(), 2);
}

/// UTF-8 names reach a Pushgateway escaped with underscores, which every version reads.
#[test]
fn utf8_names_are_pushed_escaped() {
    let (addr, seen) = fake(vec![Reply::Status(200, "")]);
    let registry = Registry::builder()
        .name_validation(metrics_core::NameValidation::Utf8)
        .self_metrics(metrics_core::SelfMetrics::Overflow)
        .build()
        .unwrap();
    let active: metrics_core::Family<metrics_core::DynLabels, metrics_core::Gauge> = registry
        .family(
            metrics_core::Opts::new("http.server.active_requests", "In flight.")
                .labels(&["http.request.method"]),
        );
    active.with_label_values(&["GET"]).set(2.0);
    Pushgateway::builder(format!("http://{addr}"))
        .job("batch")
        .format(PushFormat::Text)
        .build()
        .unwrap()
        .push_blocking(&registry)
        .unwrap();
    let seen = seen.lock().unwrap();
    let body = String::from_utf8(seen[0].body.clone()).unwrap();
    assert!(
        body.contains("\nhttp_server_active_requests{http_request_method=\"GET\"} 2\n"),
        "{body}"
    );
    assert!(!body.contains("http."), "{body}");
}

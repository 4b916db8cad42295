//! The standalone exporter over real TCP: formats, auth, limits, timeouts, failures,
//! shutdown, and 2 000 scrapes from 16 clients while the metrics change.

use std::io::Read;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::{connect::HttpConnector, Client};
use hyper_util::rt::TokioExecutor;
use metrics_core::{
    lint_exposition, Buckets, Counter, DynLabels, Family, Histogram, Opts, Registry,
};
use metrics_http::{Auth, Exporter, ExporterError, ExporterHandle, ProcessMetrics};

type HttpClient = Client<HttpConnector, Empty<Bytes>>;

fn client() -> HttpClient {
    Client::builder(TokioExecutor::new()).build_http()
}

struct Answer {
    status: StatusCode,
    headers: hyper::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", |v| v.to_str().unwrap())
    }

    fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap()
    }
}

async fn request(
    client: &HttpClient,
    method: Method,
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
) -> Answer {
    let mut builder = Request::builder()
        .method(method)
        .uri(format!("http://{addr}{path}"));
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    // Bounded: a test that would wait for ever fails instead of hanging CI.
    let exchange = async {
        let response = client
            .request(builder.body(Empty::new()).unwrap())
            .await
            .expect("the exporter answers");
        let (parts, body) = response.into_parts();
        Answer {
            status: parts.status,
            headers: parts.headers,
            body: body.collect().await.unwrap().to_bytes().to_vec(),
        }
    };
    tokio::time::timeout(Duration::from_secs(60), exchange)
        .await
        .expect("an answer within a minute")
}

async fn get(
    client: &HttpClient,
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
) -> Answer {
    request(client, Method::GET, addr, path, headers).await
}

fn start(
    registry: &Registry,
    configure: impl FnOnce(metrics_http::ExporterBuilder) -> metrics_http::ExporterBuilder,
) -> ExporterHandle {
    let builder = Exporter::builder()
        .bind("127.0.0.1:0")
        .registry(registry.clone())
        .process_metrics(ProcessMetrics::Skip);
    configure(builder).build().unwrap().start().unwrap()
}

fn small_registry() -> Registry {
    let registry = Registry::new();
    registry.counter("jobs_total", "Jobs.").inc_by(3);
    registry
}

#[tokio::test]
async fn formats_gzip_health_and_errors() {
    let registry = small_registry();
    let exporter = start(&registry, |b| b);
    let addr = exporter.local_addr();
    let client = client();

    let text = get(&client, addr, "/metrics", &[]).await;
    assert_eq!(text.status, 200);
    assert_eq!(
        text.header("content-type"),
        "text/plain; version=0.0.4; charset=utf-8"
    );
    assert_eq!(
        text.text(),
        "# HELP jobs_total Jobs.\n# TYPE jobs_total counter\njobs_total 3\n"
    );

    let om = get(
        &client,
        addr,
        "/metrics",
        &[("accept", "application/openmetrics-text;version=1.0.0")],
    )
    .await;
    assert!(om
        .header("content-type")
        .starts_with("application/openmetrics-text; version=1.0.0"));
    assert!(
        om.text()
            .starts_with("# TYPE jobs counter\n# HELP jobs Jobs.\njobs_total 3\n"),
        "{}",
        om.text()
    );
    assert!(om.text().ends_with("# EOF\n"));

    let proto = get(&client, addr, "/metrics", &[(
        "accept",
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited",
    )]).await;
    assert!(proto
        .header("content-type")
        .starts_with("application/vnd.google.protobuf"));
    // Decoded: one delimited MetricFamily, the counter with its value.
    let mut body = &proto.body[..];
    let family = <proto::MetricFamily as prost::Message>::decode_length_delimited(&mut body)
        .expect("a delimited MetricFamily");
    assert!(body.is_empty(), "one family");
    assert_eq!(family.name.as_deref(), Some("jobs_total"));
    assert_eq!(family.help.as_deref(), Some("Jobs."));
    assert_eq!(family.r#type, Some(0), "COUNTER");
    assert_eq!(family.metric.len(), 1);
    assert_eq!(
        family.metric[0].counter.as_ref().and_then(|c| c.value),
        Some(3.0)
    );

    let gzipped = get(&client, addr, "/metrics", &[("accept-encoding", "gzip")]).await;
    assert_eq!(gzipped.header("content-encoding"), "gzip");
    let mut plain = String::new();
    flate2::read::GzDecoder::new(&gzipped.body[..])
        .read_to_string(&mut plain)
        .unwrap();
    assert_eq!(plain, text.text());

    let head = request(&client, Method::HEAD, addr, "/metrics", &[]).await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());

    let post = request(&client, Method::POST, addr, "/metrics", &[]).await;
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), "GET, HEAD");

    let json = get(&client, addr, "/metrics", &[("accept", "application/json")]).await;
    assert_eq!(json.status, 406);
    assert!(
        json.text().contains("text/plain;version=0.0.4"),
        "{}",
        json.text()
    );

    assert_eq!(get(&client, addr, "/-/healthy", &[]).await.status, 200);
    let missing = get(&client, addr, "/other", &[]).await;
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("/metrics"));
    exporter.stop();
}

#[tokio::test]
async fn custom_path_and_process_metrics_by_default() {
    let registry = small_registry();
    let exporter = Exporter::builder()
        .bind("127.0.0.1:0")
        .path("/internal/metrics")
        .registry(registry.clone())
        .build()
        .unwrap()
        .start()
        .unwrap();
    let client = client();
    let answer = get(&client, exporter.local_addr(), "/internal/metrics", &[]).await;
    assert_eq!(answer.status, 200);
    assert!(answer.text().contains("jobs_total 3\n"));
    if cfg!(target_os = "linux") {
        assert!(
            answer
                .text()
                .contains("# TYPE process_cpu_seconds_total counter\n"),
            "{}",
            answer.text()
        );
    }
    assert_eq!(
        get(&client, exporter.local_addr(), "/metrics", &[])
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn auth_is_required_except_for_health() {
    let registry = small_registry();
    for (auth, challenge) in [
        (Auth::bearer("s3cret"), "Bearer"),
        (
            Auth::basic("prometheus", "pa:ss"),
            "Basic realm=\"metrics\"",
        ),
    ] {
        let good = auth.header_value();
        let exporter = start(&registry, |b| b.auth(auth));
        let (addr, client) = (exporter.local_addr(), client());
        let none = get(&client, addr, "/metrics", &[]).await;
        assert_eq!(none.status, 401);
        assert_eq!(none.header("www-authenticate"), challenge);
        assert!(!none.text().contains("jobs_total"));
        // Wrong in every way a credential can be: the other scheme's right secret, each
        // part of a basic credential off by one character, no secret, not base64.
        let basic = |user: &str, password: &str| {
            use base64::Engine;
            let pair = format!("{user}:{password}");
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        };
        for wrong in [
            "Bearer s3creT".to_owned(),
            "Bearer prometheus:pa:ss".to_owned(),
            basic("prometheus", "pa:sS"),
            basic("Prometheus", "pa:ss"),
            basic("prometheus", "pa:ss "),
            basic("prometheus", ""),
            basic("s3cret", ""),
            "Basic ".to_owned(),
            "Basic !!!not base64".to_owned(),
            "s3cret".to_owned(),
        ] {
            let answer = get(&client, addr, "/metrics", &[("authorization", &wrong)]).await;
            assert_eq!(answer.status, 401, "{wrong}");
        }
        let right = get(&client, addr, "/metrics", &[("authorization", &good)]).await;
        assert_eq!(right.status, 200);
        assert!(right.text().contains("jobs_total 3"));
        // The scheme is case-insensitive (RFC 9110).
        let lower = good
            .replacen("Bearer", "bearer", 1)
            .replacen("Basic", "BASIC", 1);
        let lower = get(&client, addr, "/metrics", &[("authorization", &lower)]).await;
        assert_eq!(lower.status, 200);
        // Two Authorization headers are refused, even when one of them is right.
        for pair in [[&good, "Bearer x"], ["Bearer x", &good], [&good, &good]] {
            let headers = [("authorization", pair[0]), ("authorization", pair[1])];
            let twice = get(&client, addr, "/metrics", &headers).await;
            assert_eq!(twice.status, 401, "{pair:?}");
        }
        assert_eq!(get(&client, addr, "/-/healthy", &[]).await.status, 200);
    }
}

/// Where a slow scrape waits: it says when a scrape has entered, and lets them all go on
/// when opened, or when dropped, so that a failing test leaves no scrape blocked (and no
/// exporter that cannot stop).
#[derive(Clone, Default)]
struct Gate {
    entered: Arc<AtomicUsize>,
    open: Arc<AtomicBool>,
}

impl Gate {
    fn open(&self) {
        self.open.store(true, Ordering::Release);
    }

    /// Waits (at most 10 s) until `n` scrapes are held at the gate.
    async fn until_entered(&self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.entered.load(Ordering::Acquire) < n {
            assert!(Instant::now() < deadline, "no scrape reached the gate");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        self.open();
    }
}

/// A registry whose scrape blocks in a callback at `gate`.
fn slow_registry(gate: &Gate) -> Registry {
    let registry = small_registry();
    let (entered, open) = (gate.entered.clone(), gate.open.clone());
    registry
        .try_gauge_fn("slow_value", "Read slowly.", move || {
            entered.fetch_add(1, Ordering::AcqRel);
            while !open.load(Ordering::Acquire) {
                std::thread::sleep(Duration::from_millis(2));
            }
            1.0
        })
        .unwrap();
    registry
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn excess_scrapes_get_503_at_once() {
    let gate = Gate::default();
    let registry = slow_registry(&gate);
    let exporter = start(&registry, |b| b.max_concurrent_scrapes(1));
    let (addr, client) = (exporter.local_addr(), client());

    let first = {
        let client = client.clone();
        tokio::spawn(async move { get(&client, addr, "/metrics", &[]).await })
    };
    // The first scrape holds the only slot, inside the registry.
    gate.until_entered(1).await;
    let started = Instant::now();
    let second = get(&client, addr, "/metrics", &[]).await;
    assert_eq!(second.status, 503);
    assert_eq!(second.header("retry-after"), "1");
    assert!(second.text().contains("too many concurrent scrapes"));
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "refused without waiting"
    );

    gate.open();
    let first = first.await.unwrap();
    assert_eq!(first.status, 200);
    assert!(first.text().contains("slow_value 1\n"));
    // The slot is free again.
    assert_eq!(get(&client, addr, "/metrics", &[]).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scrape_past_its_timeout_gets_503_and_the_server_goes_on() {
    let gate = Gate::default();
    let registry = slow_registry(&gate);
    let exporter = start(&registry, |b| b.scrape_timeout(Duration::from_secs(5)));
    let (addr, client) = (exporter.local_addr(), client());

    let started = Instant::now();
    // Prometheus' own timeout header, shorter than ours, wins.
    let answer = get(
        &client,
        addr,
        "/metrics",
        &[("x-prometheus-scrape-timeout-seconds", "0.3")],
    )
    .await;
    let waited = started.elapsed();
    assert_eq!(answer.status, 503);
    assert!(answer.text().contains("timeout"), "{}", answer.text());
    assert!(
        waited >= Duration::from_millis(300) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
    assert_eq!(get(&client, addr, "/-/healthy", &[]).await.status, 200);
    gate.open();
    assert_eq!(get(&client, addr, "/metrics", &[]).await.status, 200);
}

#[tokio::test]
async fn a_panicking_callback_gets_500_not_a_dead_server() {
    let registry = small_registry();
    registry
        .try_gauge_fn("broken", "Panics when read.", || panic!("callback failed"))
        .unwrap();
    let exporter = start(&registry, |b| b);
    let (addr, client) = (exporter.local_addr(), client());
    for _ in 0..2 {
        let answer = get(&client, addr, "/metrics", &[]).await;
        assert_eq!(answer.status, 500);
        assert!(answer.text().contains("panicked"));
    }
    assert_eq!(get(&client, addr, "/-/healthy", &[]).await.status, 200);
}

#[test]
fn build_errors_are_typed() {
    let err = Exporter::builder()
        .bind("not an address")
        .build()
        .unwrap_err();
    assert!(matches!(err, ExporterError::Address { .. }), "{err}");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let err = Exporter::builder()
        .bind(taken.local_addr().unwrap().to_string())
        .build()
        .unwrap_err();
    assert!(matches!(err, ExporterError::Bind { .. }), "{err}");
    for path in ["metrics", "/-/healthy"] {
        let err = Exporter::builder()
            .bind("127.0.0.1:0")
            .path(path)
            .build()
            .unwrap_err();
        assert!(matches!(err, ExporterError::Path(_)), "{err}");
    }
}

#[test]
fn stop_closes_the_port() {
    let exporter = start(&small_registry(), |b| b);
    let addr = exporter.local_addr();
    assert!(std::net::TcpStream::connect(addr).is_ok());
    exporter.stop();
    assert!(std::net::TcpStream::connect(addr).is_err());
}

/// Reads one HTTP/1.1 response with a `content-length` from a raw stream.
fn read_response(stream: &mut std::net::TcpStream) -> String {
    let mut got = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&got).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length: usize = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .expect("a content-length");
            if got.len() >= end + 4 + length {
                return text;
            }
        }
        let n = stream.read(&mut chunk).expect("the response arrives");
        assert!(n > 0, "the connection closed mid-response: {text}");
        got.extend_from_slice(&chunk[..n]);
    }
}

#[test]
fn idle_connections_are_kept_for_the_idle_timeout_then_closed() {
    use std::io::Write;
    let idle = Duration::from_secs(1);
    let exporter = start(&small_registry(), |b| b.idle_timeout(idle));
    let addr = exporter.local_addr();
    let request = b"GET /-/healthy HTTP/1.1\r\nhost: exporter\r\n\r\n";

    // Waits are measured from moments before the server's timer can start (a request sent,
    // a connection opened), so they bound it from above; the timer ticks in milliseconds.
    let at_least = idle - Duration::from_millis(5);

    // Kept alive between requests that come sooner than the timeout.
    let mut kept = std::net::TcpStream::connect(addr).unwrap();
    kept.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut exchange = || {
        let sent = Instant::now();
        kept.write_all(request).unwrap();
        assert!(read_response(&mut kept).starts_with("HTTP/1.1 200"));
        sent
    };
    exchange();
    std::thread::sleep(idle / 10);
    let sent = exchange();
    // Then closed once it idles past it: the read sees the end of the stream.
    assert_eq!(kept.read(&mut [0u8; 16]).unwrap(), 0);
    let waited = sent.elapsed();
    assert!(
        waited >= at_least && waited < Duration::from_secs(6),
        "{waited:?}"
    );

    // A client that connects and never sends a request is dropped as well.
    let connecting = Instant::now();
    let mut silent = std::net::TcpStream::connect(addr).unwrap();
    silent
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    assert_eq!(silent.read(&mut [0u8; 16]).unwrap(), 0);
    let waited = connecting.elapsed();
    assert!(
        waited >= at_least && waited < Duration::from_secs(6),
        "{waited:?}"
    );
}

#[tokio::test]
async fn serve_returns_when_shutdown_completes() {
    let exporter = Exporter::builder()
        .bind("127.0.0.1:0")
        .registry(small_registry())
        .process_metrics(ProcessMetrics::Skip)
        .build()
        .unwrap();
    let addr = exporter.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(exporter.serve(async {
        let _ = stopped.await;
    }));
    let client = client();
    assert_eq!(get(&client, addr, "/metrics", &[]).await.status, 200);
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("serve returns")
        .unwrap()
        .unwrap();
}

/// 10 000 counter series and 1 000 histograms, as in the benches.
fn big_registry() -> (
    Registry,
    Family<DynLabels, Counter>,
    Family<DynLabels, Histogram>,
) {
    let registry = Registry::new();
    let counters: Family<DynLabels, Counter> =
        registry.family(Opts::new("load_requests_total", "Requests.").labels(&["path", "code"]));
    let histograms: Family<DynLabels, Histogram> = registry.family_with(
        Opts::new("load_latency_seconds", "Latency.").labels(&["path"]),
        Buckets::default(),
    );
    for i in 0..10_000 {
        counters
            .with_label_values(&[&format!("/p/{}", i / 10), &(200 + i % 10).to_string()])
            .inc();
    }
    for i in 0..1_000 {
        histograms
            .with_label_values(&[&format!("/p/{i}")])
            .observe(0.01);
    }
    (registry, counters, histograms)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_thousand_scrapes_from_sixteen_clients_while_metrics_change() {
    let (registry, counters, histograms) = big_registry();
    // What is checked here is every body under load; the timeouts have tests of their own,
    // so a CI machine that stalls for seconds must not turn into a 503 here.
    let exporter = start(&registry, |b| b.scrape_timeout(Duration::from_secs(60)));
    let addr = exporter.local_addr();
    // The series, and per labelled family its series count and limit (on by default).
    let samples_per_body = 10_000 + 1_000 * (Buckets::default().bounds().len() + 1 + 2) + 2 * 2;

    let done = Arc::new(AtomicBool::new(false));
    let barrier = Arc::new(Barrier::new(2));
    let writers: Vec<_> = (0..2)
        .map(|t| {
            let (counters, histograms, done) = (counters.clone(), histograms.clone(), done.clone());
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                let mut n = 0u64;
                while !done.load(Ordering::Relaxed) {
                    let i = (n * 7 + t) % 10_000;
                    counters
                        .with_label_values(&[
                            &format!("/p/{}", i / 10),
                            &(200 + i % 10).to_string(),
                        ])
                        .inc();
                    histograms
                        .with_label_values(&[&format!("/p/{}", i % 1_000)])
                        .observe(n as f64 * 1e-4);
                    n += 1;
                }
                n
            })
        })
        .collect();

    let tasks: Vec<_> = (0..16)
        .map(|c| {
            let client = client();
            tokio::spawn(async move {
                let mut checked = 0;
                for i in 0..125 {
                    // Rotate through the text format, OpenMetrics and gzip.
                    let (accept, gzip) = match (c + i) % 3 {
                        0 => ("text/plain;version=0.0.4", false),
                        1 => ("application/openmetrics-text;version=1.0.0", false),
                        _ => ("text/plain;version=0.0.4", true),
                    };
                    let mut headers = vec![("accept", accept)];
                    if gzip {
                        headers.push(("accept-encoding", "gzip"));
                    }
                    let answer = get(&client, addr, "/metrics", &headers).await;
                    assert_eq!(
                        answer.status,
                        200,
                        "{}",
                        String::from_utf8_lossy(&answer.body)
                    );
                    let body = if gzip {
                        let mut text = String::new();
                        flate2::read::GzDecoder::new(&answer.body[..])
                            .read_to_string(&mut text)
                            .unwrap();
                        text
                    } else {
                        String::from_utf8(answer.body).unwrap()
                    };
                    let samples = body
                        .lines()
                        .filter(|l| !l.starts_with('#') && !l.is_empty())
                        .count();
                    if accept.starts_with("application/openmetrics") {
                        assert!(body.ends_with("# EOF\n"), "a complete OpenMetrics body");
                        // The same samples: no `_created` lines (the registry's default).
                        assert_eq!(samples, samples_per_body);
                    } else {
                        assert_eq!(samples, samples_per_body);
                        let problems = lint_exposition(&body);
                        assert!(
                            problems.is_empty(),
                            "{:?}",
                            &problems[..problems.len().min(3)]
                        );
                    }
                    checked += 1;
                }
                checked
            })
        })
        .collect();
    let mut scrapes = 0;
    for task in tasks {
        scrapes += task.await.expect("no client saw an error");
    }
    done.store(true, Ordering::Relaxed);
    let updates: u64 = writers.into_iter().map(|w| w.join().unwrap()).sum();
    assert_eq!(scrapes, 2_000);
    // Once the writers stop, a scrape has every update: each writer iteration added one
    // to a counter and one observation to a histogram.
    let last = get(&client(), addr, "/metrics", &[]).await;
    let last = last.text();
    let total = |prefix: &str| -> f64 {
        last.lines()
            .filter(|l| l.starts_with(prefix))
            .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
            .sum()
    };
    assert!(updates > 0);
    assert_eq!(total("load_requests_total{"), 10_000.0 + updates as f64);
    assert_eq!(
        total("load_latency_seconds_count{"),
        1_000.0 + updates as f64
    );
}

#[tokio::test]
async fn the_process_collector_is_never_registered_twice() {
    let registry = small_registry();
    registry.register_collector(metrics_core::ProcessCollector::new());
    // The default registers it again: refused as a clash, and left out.
    let exporter = start(&registry, |b| b.process_metrics(ProcessMetrics::Register));
    let second = start(&registry, |b| b.process_metrics(ProcessMetrics::Register));
    let answer = get(&client(), exporter.local_addr(), "/metrics", &[]).await;
    let text = answer.text();
    assert!(
        text.contains("# TYPE process_cpu_seconds_total counter"),
        "{text}"
    );
    assert_eq!(
        text.matches("# TYPE process_cpu_seconds_total").count(),
        1,
        "{text}"
    );
    drop(second);
}

/// The parts of `io.prometheus.client.MetricFamily` these tests read.
mod proto {
    #[derive(Clone, PartialEq, prost::Message)]
    pub(crate) struct MetricFamily {
        #[prost(string, optional, tag = "1")]
        pub(crate) name: Option<String>,
        #[prost(string, optional, tag = "2")]
        pub(crate) help: Option<String>,
        #[prost(int32, optional, tag = "3")]
        pub(crate) r#type: Option<i32>,
        #[prost(message, repeated, tag = "4")]
        pub(crate) metric: Vec<Metric>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub(crate) struct Metric {
        #[prost(message, optional, tag = "3")]
        pub(crate) counter: Option<Counter>,
    }

    #[derive(Clone, PartialEq, prost::Message)]
    pub(crate) struct Counter {
        #[prost(double, optional, tag = "1")]
        pub(crate) value: Option<f64>,
    }
}

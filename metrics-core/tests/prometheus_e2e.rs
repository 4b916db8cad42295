//! End to end against the real Prometheus (Debian package `prometheus`, 2.42): it scrapes our
//! exposition in each format and its query API must return exactly our values.
//!
//! One Prometheus, started with native histograms (so that it asks for protobuf first) and
//! exemplar storage, scrapes three targets serving the same registry: one answering by
//! content negotiation, one forced to the text format, one forced to OpenMetrics.
//!
//! With `CI` set, a missing `prometheus` binary fails the test; otherwise the test says
//! loudly that it skipped.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use metrics_core::{
    negotiate, Buckets, Counter, DynLabels, Family, Format, Gauge, Histogram, Opts, Quantiles,
    Registry,
};
use serde_json::Value;

mod common;

use common::prometheus::{encode_query, get, Prometheus};

/// Serves `registry` on a free port; `forced` overrides negotiation. Records the format of
/// every answer.
fn serve(registry: Registry, forced: Option<Format>) -> (u16, Arc<Mutex<Vec<Format>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let served = Arc::new(Mutex::new(Vec::new()));
    let log = served.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let _ = answer(stream, &registry, forced, &log);
        }
    });
    (port, served)
}

fn answer(
    stream: TcpStream,
    registry: &Registry,
    forced: Option<Format>,
    log: &Mutex<Vec<Format>>,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(&stream);
    let mut line = String::new();
    let mut accept = String::new();
    reader.read_line(&mut line)?;
    loop {
        line.clear();
        if reader.read_line(&mut line)? <= 2 {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("accept") {
                accept = value.trim().to_string();
            }
        }
    }
    let format = forced.unwrap_or_else(|| negotiate(&accept).format);
    log.lock().unwrap().push(format);
    let mut body = Vec::new();
    let content_type = registry.encode(format, &mut body);
    let mut stream = &stream;
    write!(
        stream,
        "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    stream.write_all(&body)
}

fn start_prometheus(binary: &str, targets: &[(&str, u16)]) -> Prometheus {
    let scrape_configs: String = targets
        .iter()
        .map(|(job, port)| {
            format!(
                "  - job_name: {job}\n    static_configs:\n      - targets: ['127.0.0.1:{port}']\n"
            )
        })
        .collect();
    Prometheus::start(
        binary,
        &scrape_configs,
        &["--enable-feature=native-histograms,exemplar-storage"],
    )
}

/// Polls an instant query until it returns one sample, and returns its value.
fn query(prometheus: &Prometheus, promql: &str) -> f64 {
    prometheus.query_until(promql, |result| result.len() == 1)[0].1
}

/// Polls for the exemplars of a series selector; returns (labels, value) pairs.
fn exemplars(
    prometheus: &Prometheus,
    selector: &str,
) -> Vec<(serde_json::Map<String, Value>, f64)> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let path = format!(
            "/api/v1/query_exemplars?query={}&start={}&end={}",
            encode_query(selector),
            now - 600,
            now + 60
        );
        if let Some(body) = get(prometheus.port, &path) {
            let json: Value = serde_json::from_str(&body).unwrap();
            let found: Vec<_> = json["data"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|series| series["exemplars"].as_array().cloned().unwrap_or_default())
                .map(|e| {
                    let labels = e["labels"].as_object().cloned().unwrap_or_default();
                    (labels, e["value"].as_str().unwrap().parse::<f64>().unwrap())
                })
                .collect();
            if !found.is_empty() {
                return found;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no exemplars for `{selector}` within 30 s"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// What `histogram_quantile` computes from cumulative buckets, in the same operations.
fn expected_quantile(q: f64, bounds: &[f64], cumulative: &[u64]) -> f64 {
    let total = *cumulative.last().unwrap() as f64;
    let rank = q * total;
    let b = cumulative.iter().position(|&c| c as f64 >= rank).unwrap();
    let (start, below) = if b == 0 {
        (0.0, 0.0)
    } else {
        (bounds[b - 1], cumulative[b - 1] as f64)
    };
    let (end, count) = (bounds[b], cumulative[b] as f64 - below);
    start + (end - start) * ((rank - below) / count)
}

#[test]
fn prometheus_reads_back_every_format_exactly() {
    let Some(binary) = common::require("prometheus", "prometheus") else {
        return;
    };

    let registry = Registry::new();
    let requests: Family<DynLabels, Counter> =
        registry.family(Opts::new("e2e_requests_total", "Requests.").labels(&["route"]));
    requests
        .with_label_values(&["/a"])
        .inc_by_with_exemplar(7, &[("trace_id", "abc123")])
        .unwrap();
    requests
        .with_label_values(&["/b \"quoted\""])
        .inc_by_f64(2.5);
    let temperature: Family<DynLabels, Gauge> =
        registry.family(Opts::new("e2e_temperature_celsius", "Temperature.").labels(&["room"]));
    temperature.with_label_values(&["lab"]).set(-3.25);
    let bounds = [0.1, 0.5, 1.0];
    let latency: Histogram = registry.histogram(
        "e2e_latency_seconds",
        "Latency.",
        Buckets::new(bounds).unwrap(),
    );
    for _ in 0..10 {
        latency.observe(0.05);
    }
    for _ in 0..6 {
        latency.observe(0.3);
    }
    latency
        .observe_with_exemplar(0.75, &[("trace_id", "slow1")])
        .unwrap();
    for _ in 0..3 {
        latency.observe(0.8);
    }
    let cumulative = [10, 16, 20];
    // The sum as we expose it (floating-point addition in observation order).
    let sum = latency.snapshot().sum();
    assert!((sum - 5.45).abs() < 1e-12);

    // A summary whose quantiles are exact: powers of two are bucket bounds at every schema,
    // and each quantile's rank falls at the end of its bucket.
    let rpc = registry.summary(
        "e2e_rpc_seconds",
        "RPC time.",
        Quantiles::new([0.25, 0.5, 0.99]).unwrap(),
    );
    for v in [1.0, 2.0, 4.0, 8.0] {
        rpc.observe(v);
    }

    let (negotiated, negotiated_log) = serve(registry.clone(), None);
    let (text, _) = serve(registry.clone(), Some(Format::Text));
    let (openmetrics, _) = serve(registry.clone(), Some(Format::OpenMetrics));
    let prometheus = start_prometheus(
        binary,
        &[
            ("negotiated", negotiated),
            ("text", text),
            ("openmetrics", openmetrics),
        ],
    );

    for job in ["negotiated", "text", "openmetrics"] {
        let q = |promql: &str| query(&prometheus, &promql.replace("JOB", job));
        assert_eq!(
            q(r#"e2e_requests_total{job="JOB",route="/a"}"#),
            7.0,
            "{job}"
        );
        assert_eq!(
            q(r#"e2e_requests_total{job="JOB",route="/b \"quoted\""}"#),
            2.5,
            "{job}"
        );
        assert_eq!(
            q(r#"e2e_temperature_celsius{job="JOB",room="lab"}"#),
            -3.25,
            "{job}"
        );
        assert_eq!(q(r#"e2e_latency_seconds_count{job="JOB"}"#), 20.0, "{job}");
        assert_eq!(q(r#"e2e_latency_seconds_sum{job="JOB"}"#), sum, "{job}");
        assert_eq!(
            q(r#"e2e_latency_seconds_bucket{job="JOB",le="+Inf"}"#),
            20.0,
            "{job}"
        );
        for (quantile, value) in [("0.25", 1.0), ("0.5", 2.0), ("0.99", 8.0)] {
            let found = q(&format!(
                "e2e_rpc_seconds{{job=\"JOB\",quantile=\"{quantile}\"}}"
            ));
            assert!(
                (found - value).abs() <= value * 0.003,
                "{job} q{quantile}: {found}"
            );
        }
        assert_eq!(q(r#"e2e_rpc_seconds_count{job="JOB"}"#), 4.0, "{job}");
        assert_eq!(q(r#"e2e_rpc_seconds_sum{job="JOB"}"#), 15.0, "{job}");
        for quantile in [0.5, 0.75, 0.9] {
            assert_eq!(
                q(&format!(
                    "histogram_quantile({quantile}, e2e_latency_seconds_bucket{{job=\"JOB\"}})"
                )),
                expected_quantile(quantile, &bounds, &cumulative),
                "{job} q{quantile}"
            );
        }
    }
    // With native histograms on, Prometheus asks for protobuf first, and gets it.
    assert!(negotiated_log
        .lock()
        .unwrap()
        .iter()
        .all(|f| *f == Format::Protobuf));

    let counter_exemplars = exemplars(&prometheus, r#"e2e_requests_total{job="openmetrics"}"#);
    assert!(counter_exemplars
        .iter()
        .any(|(labels, value)| labels["trace_id"] == "abc123" && *value == 7.0));
    let bucket_exemplars = exemplars(
        &prometheus,
        r#"e2e_latency_seconds_bucket{job="openmetrics"}"#,
    );
    assert!(bucket_exemplars
        .iter()
        .any(|(labels, value)| labels["trace_id"] == "slow1" && *value == 0.75));
}

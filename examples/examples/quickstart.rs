//! Quick start: declare metrics, update them as work happens, serve them on `/metrics`.
//!
//! ```text
//! cargo run -p examples --example quickstart
//! curl -s localhost:9090/metrics
//! ```
//!
//! Over https: set `METRICS_TLS_CERT` and `METRICS_TLS_KEY` to PEM files (reloaded when they
//! change), and `METRICS_TLS_CLIENT_CA` to require client certificates from that CA.

use std::thread;
use std::time::Duration;

use metrics_core::{
    Counter, Family, Gauge, Histogram, LabelSet, LabelValue, MetricGroup, Registry,
};
use metrics_http::Exporter;

/// How a job ended: a fixed set of values, so a family keyed by it is a dense array.
#[derive(Debug, Clone, Copy, LabelValue)]
enum Outcome {
    Success,
    Failure,
}

/// The labels of `jobs_processed_total`.
#[derive(Debug, Clone, Copy, LabelSet)]
struct JobLabels {
    outcome: Outcome,
}

/// The worker's metrics: names from the fields, HELP from the doc comments, checked against
/// the naming rules when this compiles.
#[derive(MetricGroup)]
#[metrics(namespace = "quickstart")]
struct WorkerMetrics {
    /// Jobs processed, by outcome.
    jobs_processed_total: Family<JobLabels, Counter>,
    /// Jobs waiting to be processed.
    queue_depth: Gauge,
    /// Time to process one job. Native buckets (each at most 10% wider than the one
    /// before) beside the classic ones: Prometheus with native histograms enabled reads
    /// them over protobuf, everything else the classic buckets.
    #[metric(unit = "seconds", buckets = [0.005, 0.01, 0.02, 0.04, 0.08, 0.16], native = 1.1)]
    job_duration_seconds: Histogram,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let registry = Registry::new();
    let metrics = WorkerMetrics::register(&registry)?;

    // The exporter serves `/metrics` (and `/-/healthy`) on its own thread, with the process
    // metrics registered beside ours; over https when the environment names a certificate.
    let mut exporter = Exporter::builder()
        .bind(examples::listen_addr())
        .registry(registry);
    let mut scheme = "http";
    if let Some(tls) = examples::tls_from_env()? {
        exporter = exporter.tls(tls);
        scheme = "https";
    }
    let exporter = exporter.build()?;
    println!(
        "serving metrics on {scheme}://{}/metrics",
        exporter.local_addr()
    );
    let _running = exporter.start()?;

    // A worker that simulates jobs of varying length, one in seven failing.
    for n in 0u64.. {
        metrics.queue_depth.set(((n * 7) % 23) as f64);
        let timer = metrics.job_duration_seconds.start_timer();
        thread::sleep(Duration::from_millis(5 + (n * 13) % 40));
        timer.observe();
        let outcome = if n % 7 == 0 {
            Outcome::Failure
        } else {
            Outcome::Success
        };
        metrics
            .jobs_processed_total
            .get(&JobLabels { outcome })
            .inc();
    }
    Ok(())
}

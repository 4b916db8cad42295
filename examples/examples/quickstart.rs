//! Quick start: declare metrics, update them as work happens, serve them on `/metrics`.
//!
//! ```text
//! cargo run -p examples --example quickstart
//! curl -s localhost:9090/metrics
//! ```

use std::net::TcpListener;
use std::thread;
use std::time::Duration;

use metrics_core::{
    Counter, Family, Gauge, Histogram, LabelSet, LabelValue, MetricGroup, ProcessCollector,
    Registry,
};

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
    /// Time to process one job.
    #[metric(unit = "seconds", buckets = [0.005, 0.01, 0.02, 0.04, 0.08, 0.16])]
    job_duration_seconds: Histogram,
}

fn main() -> std::io::Result<()> {
    let registry = Registry::new();
    registry.register_collector(ProcessCollector::new());
    let metrics = WorkerMetrics::register(&registry).expect("the names are free");

    // A worker that simulates jobs of varying length, one in seven failing.
    thread::spawn(move || {
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
    });

    let listener = TcpListener::bind(examples::listen_addr())?;
    println!(
        "serving metrics on http://{}/metrics",
        listener.local_addr()?
    );
    examples::serve(listener, &registry)
}

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
    Buckets, Counter, Family, Histogram, LabelValue, Opts, ProcessCollector, Registry,
};

/// How a job ended: a label with a fixed set of values, so its family is a dense array.
#[derive(Debug, Clone, Copy)]
enum Outcome {
    Success,
    Failure,
}

impl LabelValue for Outcome {
    const CARDINALITY: Option<usize> = Some(2);
    fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        f(match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
        })
    }
    fn index(&self) -> usize {
        *self as usize
    }
    fn from_index(index: usize) -> Option<Outcome> {
        [Outcome::Success, Outcome::Failure].get(index).copied()
    }
}

fn main() -> std::io::Result<()> {
    let registry = Registry::builder()
        .namespace("quickstart")
        .build()
        .expect("a valid namespace");
    registry.register_collector(ProcessCollector::new());

    let jobs: Family<(Outcome,), Counter> = registry.family(
        Opts::new("jobs_processed_total", "Jobs processed, by outcome.").labels(&["outcome"]),
    );
    let queue = registry.gauge("queue_depth", "Jobs waiting to be processed.");
    let duration: Histogram = registry.histogram(
        "job_duration_seconds",
        "Time to process one job.",
        Buckets::exponential(0.001, 2.0, 12).expect("valid buckets"),
    );

    // A worker that simulates jobs of varying length, one in seven failing.
    thread::spawn(move || {
        for n in 0u64.. {
            queue.set(((n * 7) % 23) as f64);
            let timer = duration.start_timer();
            thread::sleep(Duration::from_millis(5 + (n * 13) % 40));
            timer.observe();
            let outcome = if n % 7 == 0 {
                Outcome::Failure
            } else {
                Outcome::Success
            };
            jobs.get(&(outcome,)).inc();
        }
    });

    let listener = TcpListener::bind(examples::listen_addr())?;
    println!(
        "serving metrics on http://{}/metrics",
        listener.local_addr()?
    );
    examples::serve(listener, &registry)
}

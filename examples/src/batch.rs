//! The batch job of `examples/batch_job.rs`: some work that records metrics, to be pushed
//! when it ends.

use std::time::Duration;

use metrics_core::{Counter, Histogram, MetricGroup};

/// The job's metrics.
#[derive(MetricGroup)]
#[metrics(namespace = "batch_job")]
pub struct BatchMetrics {
    /// Records the job processed.
    pub records_processed_total: Counter,
    /// Records the job could not process.
    pub records_failed_total: Counter,
    /// Time to process one batch of records.
    #[metric(unit = "seconds", buckets = [0.001, 0.005, 0.01, 0.05, 0.1])]
    pub batch_duration_seconds: Histogram,
    /// Size of the records processed: native buckets (each 1.1 times the last), which
    /// remote write and the Pushgateway's protobuf carry whole.
    #[metric(unit = "bytes", native = 1.1)]
    pub record_size_bytes: Histogram,
}

/// Why the work failed.
#[derive(Debug, PartialEq, Eq)]
pub struct WorkFailed {
    /// How many records failed.
    pub failed: u64,
}

impl std::fmt::Display for WorkFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} records failed", self.failed)
    }
}

impl std::error::Error for WorkFailed {}

/// Processes `records` records in batches of 10; every record whose number is a multiple
/// of `fail_every` fails (0: none). Fails if any record did.
///
/// # Errors
/// [`WorkFailed`] when a record failed.
pub fn process(metrics: &BatchMetrics, records: u64, fail_every: u64) -> Result<u64, WorkFailed> {
    let mut failed = 0;
    for batch in (0..records).collect::<Vec<_>>().chunks(10) {
        let timer = metrics.batch_duration_seconds.start_timer();
        std::thread::sleep(Duration::from_millis(2));
        for &record in batch {
            if fail_every != 0 && record % fail_every == fail_every - 1 {
                failed += 1;
                metrics.records_failed_total.inc();
            } else {
                metrics.records_processed_total.inc();
                metrics
                    .record_size_bytes
                    .observe((200 + record * 37 % 900) as f64);
            }
        }
        timer.observe();
    }
    if failed == 0 {
        Ok(records)
    } else {
        Err(WorkFailed { failed })
    }
}

//! The tokio runtime's own figures, read from `RuntimeMetrics` at scrape time.

use std::fmt;

use tokio::runtime::Handle;

use super::{Collection, Collector};
use crate::model::MetricKind;

/// A tokio runtime's metrics, read from its stable `RuntimeMetrics` at each scrape (feature
/// `tokio`):
///
/// | family | kind | what |
/// |---|---|---|
/// | `tokio_workers` | gauge | worker threads |
/// | `tokio_alive_tasks` | gauge | tasks spawned and not finished |
/// | `tokio_global_queue_depth` | gauge | tasks waiting in the runtime's shared queue |
/// | `tokio_worker_busy_seconds_total{worker}` | counter | time each worker spent running tasks |
/// | `tokio_worker_parks_total{worker}` | counter | times each worker parked (went idle) |
///
/// Per worker as a `worker` label (its index): a runtime has a handful, and an idle or
/// overloaded worker is what the figures are for (`rate(tokio_worker_busy_seconds_total[1m])`
/// near 1 is a worker that never rests). Built with `--cfg tokio_unstable`, it also exports
/// `tokio_blocking_threads`, `tokio_idle_blocking_threads`, `tokio_blocking_queue_depth`,
/// `tokio_spawned_tasks_total`, `tokio_remote_schedules_total`,
/// `tokio_budget_forced_yields_total`, and per worker `tokio_worker_polls_total`,
/// `tokio_worker_steals_total`, `tokio_worker_overflows_total` and
/// `tokio_worker_local_queue_depth`.
///
/// ```
/// use metrics_core::{Format, Registry, TokioCollector};
///
/// let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build()?;
/// let registry = Registry::new();
/// registry.register_collector(TokioCollector::new(runtime.handle().clone()));
/// let mut body = Vec::new();
/// registry.encode(Format::Text, &mut body);
/// assert!(String::from_utf8(body)?.contains("\ntokio_workers 2\n"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct TokioCollector {
    handle: Handle,
}

impl fmt::Debug for TokioCollector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokioCollector")
            .field("runtime", &self.handle.id())
            .finish()
    }
}

impl TokioCollector {
    /// The collector of the runtime `handle` belongs to.
    pub fn new(handle: Handle) -> TokioCollector {
        TokioCollector { handle }
    }

    /// The collector of the runtime the caller runs on; `None` outside one.
    pub fn current() -> Option<TokioCollector> {
        Handle::try_current().ok().map(TokioCollector::new)
    }
}

impl Collector for TokioCollector {
    fn collect(&self, out: &mut Collection<'_>) {
        let metrics = self.handle.metrics();
        let workers = metrics.num_workers();
        out.gauge(
            "tokio_workers",
            "Worker threads of the runtime.",
            workers as f64,
        );
        out.gauge(
            "tokio_alive_tasks",
            "Tasks spawned on the runtime and not finished.",
            metrics.num_alive_tasks() as f64,
        );
        out.gauge(
            "tokio_global_queue_depth",
            "Tasks waiting in the runtime's shared queue.",
            metrics.global_queue_depth() as f64,
        );
        let workers = Workers {
            indexes: (0..workers).map(|w| w.to_string()).collect(),
        };
        #[cfg(target_has_atomic = "64")]
        {
            workers.family(
                out,
                MetricKind::Counter,
                "tokio_worker_busy_seconds_total",
                "Time each worker spent running tasks.",
                |w| metrics.worker_total_busy_duration(w).as_secs_f64(),
            );
            workers.family(
                out,
                MetricKind::Counter,
                "tokio_worker_parks_total",
                "Times each worker parked, having nothing to run.",
                |w| metrics.worker_park_count(w) as f64,
            );
        }
        #[cfg(tokio_unstable)]
        unstable(&metrics, &workers, out);
        let _ = &workers;
    }
}

/// The runtime's workers, as the values of the `worker` label.
struct Workers {
    indexes: Vec<String>,
}

impl Workers {
    /// A family of one series per worker, `read` giving each worker's value.
    fn family(
        &self,
        out: &mut Collection<'_>,
        kind: MetricKind,
        name: &str,
        help: &str,
        read: impl Fn(usize) -> f64,
    ) {
        let mut family = out.family_of(kind, name, help, None, &["worker"]);
        for (w, index) in self.indexes.iter().enumerate() {
            family.sample(&[index], read(w));
        }
    }
}

/// What tokio exports only when built with `--cfg tokio_unstable`.
#[cfg(tokio_unstable)]
fn unstable(metrics: &tokio::runtime::RuntimeMetrics, workers: &Workers, out: &mut Collection<'_>) {
    out.gauge(
        "tokio_blocking_threads",
        "Threads of the blocking pool.",
        metrics.num_blocking_threads() as f64,
    );
    out.gauge(
        "tokio_idle_blocking_threads",
        "Threads of the blocking pool that are idle.",
        metrics.num_idle_blocking_threads() as f64,
    );
    out.gauge(
        "tokio_blocking_queue_depth",
        "Tasks waiting for a thread of the blocking pool.",
        metrics.blocking_queue_depth() as f64,
    );
    out.counter(
        "tokio_spawned_tasks_total",
        "Tasks spawned on the runtime.",
        metrics.spawned_tasks_count() as f64,
    );
    out.counter(
        "tokio_remote_schedules_total",
        "Tasks scheduled from outside the runtime.",
        metrics.remote_schedule_count() as f64,
    );
    out.counter(
        "tokio_budget_forced_yields_total",
        "Times a task was made to yield, having used its budget.",
        metrics.budget_forced_yield_count() as f64,
    );
    let counter = MetricKind::Counter;
    workers.family(
        out,
        counter,
        "tokio_worker_polls_total",
        "Tasks each worker polled.",
        |w| metrics.worker_poll_count(w) as f64,
    );
    workers.family(
        out,
        counter,
        "tokio_worker_steals_total",
        "Tasks each worker stole from another.",
        |w| metrics.worker_steal_count(w) as f64,
    );
    workers.family(
        out,
        counter,
        "tokio_worker_overflows_total",
        "Times each worker's local queue overflowed into the shared one.",
        |w| metrics.worker_overflow_count(w) as f64,
    );
    workers.family(
        out,
        MetricKind::Gauge,
        "tokio_worker_local_queue_depth",
        "Tasks waiting in each worker's own queue.",
        |w| metrics.worker_local_queue_depth(w) as f64,
    );
}

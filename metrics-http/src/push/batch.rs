//! Batch jobs: push once when the job ends, however it ends; and periodic pushes for
//! long-lived processes that cannot be scraped.

use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http::Method;
use metrics_core::{check_metric_name, MetricKind, Registry};

use crate::push::pushgateway::Pushgateway;
use crate::push::PushError;

/// One run of a batch job. When it ends it pushes the job's registry to the Pushgateway
/// together with:
///
/// - `<job>_last_success_timestamp_seconds`: when it last succeeded (on success only);
/// - `<job>_last_failure_timestamp_seconds`: when it last failed (on failure only);
/// - `<job>_duration_seconds`: how long this run took.
///
/// It pushes with POST (`push_add`), which replaces only the families sent, so a failed
/// run leaves the last success time in place and an alert on its age keeps working.
///
/// Dropped without [`success`](Self::success) or [`failure`](Self::failure) (an early
/// return, `?`, a panic unwinding), it pushes as a failure; the push is bounded by the
/// client's [`Retry::total`](crate::Retry::total), so the job's exit is never blocked longer.
///
/// In async code, end it with [`success_async`](Self::success_async),
/// [`failure_async`](Self::failure_async) or [`finish_async`](Self::finish_async), which
/// push on the caller's runtime instead of blocking a thread on one of their own. (A run
/// whose async push is cancelled midway is not pushed again.)
///
/// ```no_run
/// use metrics_core::Registry;
/// use metrics_http::{BatchJob, Pushgateway};
///
/// fn backup(registry: &Registry) -> Result<(), Box<dyn std::error::Error>> {
///     registry.counter("nightly_backup_files_total", "Files backed up.").inc_by(120);
///     Ok(())
/// }
///
/// let registry = Registry::new();
/// let gateway = Pushgateway::builder("http://pushgateway:9091").job("nightly_backup").build()?;
/// let run = BatchJob::start(gateway, registry.clone())?;
/// match backup(&registry) {
///     Ok(()) => run.success()?,
///     Err(_) => run.failure()?,
/// }
/// # Ok::<(), metrics_http::PushError>(())
/// ```
#[derive(Debug)]
#[must_use = "the run pushes as failed as soon as it is dropped"]
pub struct BatchJob {
    gateway: Pushgateway,
    registry: Registry,
    started: Instant,
    names: JobNames,
    done: bool,
}

#[derive(Debug)]
struct JobNames {
    success: String,
    failure: String,
    duration: String,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Success,
    Failure,
}

impl BatchJob {
    /// Starts a run now.
    ///
    /// # Errors
    /// [`PushError::InvalidName`] when the job's name does not make valid metric names, or
    /// the registry already has one of them.
    pub fn start(gateway: Pushgateway, registry: Registry) -> Result<BatchJob, PushError> {
        let job = gateway.job();
        let names = JobNames {
            success: format!("{job}_last_success_timestamp_seconds"),
            failure: format!("{job}_last_failure_timestamp_seconds"),
            duration: format!("{job}_duration_seconds"),
        };
        let existing: Vec<String> = registry.samples().into_iter().map(|s| s.name).collect();
        for name in [&names.success, &names.failure, &names.duration] {
            if let Err(rule) = check_metric_name(name, MetricKind::Gauge) {
                return Err(PushError::InvalidName {
                    name: name.clone(),
                    reason: rule.message(),
                });
            }
            if existing.contains(name) {
                return Err(PushError::InvalidName {
                    name: name.clone(),
                    reason: "the registry already has it; the batch job sets it",
                });
            }
        }
        Ok(BatchJob {
            gateway,
            registry,
            started: Instant::now(),
            names,
            done: false,
        })
    }

    /// Ends the run as a success and pushes.
    ///
    /// # Errors
    /// What [`Pushgateway::push_add`] returns.
    pub fn success(mut self) -> Result<(), PushError> {
        self.done = true;
        self.push(Outcome::Success)
    }

    /// Ends the run as a failure and pushes.
    ///
    /// # Errors
    /// What [`Pushgateway::push_add`] returns.
    pub fn failure(mut self) -> Result<(), PushError> {
        self.done = true;
        self.push(Outcome::Failure)
    }

    /// Ends the run as `result` says (success for `Ok`) and pushes.
    ///
    /// # Errors
    /// What [`Pushgateway::push_add`] returns.
    pub fn finish<T, E>(self, result: &Result<T, E>) -> Result<(), PushError> {
        match result {
            Ok(_) => self.success(),
            Err(_) => self.failure(),
        }
    }

    /// [`success`](Self::success), pushing on the caller's runtime.
    ///
    /// # Errors
    /// What [`Pushgateway::push_add`] returns.
    pub async fn success_async(mut self) -> Result<(), PushError> {
        self.done = true;
        self.push_async(Outcome::Success).await
    }

    /// [`failure`](Self::failure), pushing on the caller's runtime.
    ///
    /// # Errors
    /// What [`Pushgateway::push_add`] returns.
    pub async fn failure_async(mut self) -> Result<(), PushError> {
        self.done = true;
        self.push_async(Outcome::Failure).await
    }

    /// [`finish`](Self::finish), pushing on the caller's runtime.
    ///
    /// # Errors
    /// What [`Pushgateway::push_add`] returns.
    pub async fn finish_async<T, E>(self, result: &Result<T, E>) -> Result<(), PushError> {
        match result {
            Ok(_) => self.success_async().await,
            Err(_) => self.failure_async().await,
        }
    }

    fn push(&self, outcome: Outcome) -> Result<(), PushError> {
        let run = self.outcome(outcome)?;
        crate::push::transport::block_on(self.gateway.send(Method::POST, &[&self.registry, &run]))?
    }

    async fn push_async(&self, outcome: Outcome) -> Result<(), PushError> {
        let run = self.outcome(outcome)?;
        self.gateway
            .send(Method::POST, &[&self.registry, &run])
            .await
    }

    /// The run's own gauges: when it ended as `outcome`, and how long it took.
    fn outcome(&self, outcome: Outcome) -> Result<Registry, PushError> {
        let run = Registry::new();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        let (name, help) = match outcome {
            Outcome::Success => (
                &self.names.success,
                "When the job last succeeded, Unix seconds.",
            ),
            Outcome::Failure => (
                &self.names.failure,
                "When the job last failed, Unix seconds.",
            ),
        };
        let gauge = |name: &str, help: &str| {
            run.try_gauge(name, help)
                .map_err(|_| PushError::InvalidName {
                    name: name.to_owned(),
                    reason: "not a valid gauge name",
                })
        };
        gauge(name, help)?.set(now);
        gauge(&self.names.duration, "How long the job's last run took.")?
            .set(self.started.elapsed().as_secs_f64());
        Ok(run)
    }
}

impl Drop for BatchJob {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        self.done = true;
        if let Err(error) = self.push(Outcome::Failure) {
            // Nobody is left to return it to.
            eprintln!(
                "metrics-http: batch job `{}` ended unfinished; pushing it as failed failed: {error}",
                self.gateway.job()
            );
        }
    }
}

/// Pushes a registry every `interval` from a thread of its own, for long-lived processes
/// that cannot be scraped: to a Pushgateway (with PUT, replacing the group, as a scrape would
/// see it) or by remote write. [`stop`](Self::stop) (or dropping it) makes one final push;
/// over remote write it then writes a stale marker for every series, so that they end at
/// once instead of 5 minutes after the last sample.
///
/// A failed periodic push is retried by the client, then skipped until the next interval;
/// [`stop`](Self::stop) reports how the final push went.
#[derive(Debug)]
#[must_use = "the periodic push stops (with a final push) when dropped"]
pub struct PeriodicPush {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<thread::JoinHandle<Result<(), PushError>>>,
}

impl PeriodicPush {
    /// Starts pushing `registry` through `gateway` every `interval`.
    ///
    /// # Errors
    /// [`PushError::Runtime`] when the thread cannot be started.
    pub fn start(
        gateway: Pushgateway,
        registry: Registry,
        interval: Duration,
    ) -> Result<PeriodicPush, PushError> {
        PeriodicPush::spawn(interval, move |last| {
            let pushed = gateway.push_blocking(&registry);
            if last {
                pushed
            } else {
                Ok(())
            }
        })
    }

    /// Starts writing `registry` through `writer` every `interval`; stopping writes the
    /// last values, then stale markers for every series.
    ///
    /// # Errors
    /// [`PushError::Runtime`] when the thread cannot be started.
    #[cfg(feature = "remote-write")]
    pub fn remote_write(
        writer: crate::RemoteWrite,
        registry: Registry,
        interval: Duration,
    ) -> Result<PeriodicPush, PushError> {
        PeriodicPush::spawn(interval, move |last| {
            let written = writer.write_blocking(&registry);
            if !last {
                return Ok(());
            }
            written?;
            writer.write_stale_markers_blocking(&registry).map(drop)
        })
    }

    /// Runs `push(last)` every `interval`, and once more with `last` true when stopped.
    fn spawn(
        interval: Duration,
        mut push: impl FnMut(bool) -> Result<(), PushError> + Send + 'static,
    ) -> Result<PeriodicPush, PushError> {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = thread::Builder::new()
            .name("metrics-periodic-push".to_owned())
            .spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(interval) {
                    let _ = push(false);
                }
                push(true)
            })
            .map_err(PushError::Runtime)?;
        Ok(PeriodicPush {
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Stops, after one final push.
    ///
    /// # Errors
    /// What the final push returns.
    pub fn stop(mut self) -> Result<(), PushError> {
        self.shut_down()
    }

    fn shut_down(&mut self) -> Result<(), PushError> {
        drop(self.stop.take());
        match self.thread.take().map(thread::JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_panicked)) => Err(PushError::Runtime(std::io::Error::other(
                "the push thread panicked",
            ))),
            None => Ok(()),
        }
    }
}

impl Drop for PeriodicPush {
    fn drop(&mut self) {
        let _ = self.shut_down();
    }
}

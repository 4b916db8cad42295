//! [`HistogramTimer`]: a duration recorded into a histogram when the timer goes.

use std::time::{Duration, Instant};

use crate::metric::histogram::Histogram;

/// Records the time since [`Histogram::start_timer`] when dropped.
#[must_use = "the timer records when it is dropped; dropping it at once records ~0"]
pub struct HistogramTimer {
    histogram: Option<Histogram>,
    start: Instant,
}

impl Histogram {
    /// Starts a timer that records the time elapsed, in seconds, when it is dropped or
    /// [`observe`](HistogramTimer::observe)d.
    ///
    /// ```
    /// let h = metrics_core::Histogram::default();
    /// {
    ///     let _timer = h.start_timer();
    ///     // work
    /// }
    /// assert_eq!(h.snapshot().count(), 1);
    /// ```
    pub fn start_timer(&self) -> HistogramTimer {
        HistogramTimer {
            histogram: Some(self.clone()),
            start: Instant::now(),
        }
    }
}

impl HistogramTimer {
    /// Records the elapsed time now and returns it.
    pub fn observe(mut self) -> Duration {
        let elapsed = self.start.elapsed();
        if let Some(h) = self.histogram.take() {
            h.observe_duration(elapsed);
        }
        elapsed
    }

    /// Stops the timer without recording anything.
    pub fn discard(mut self) {
        self.histogram = None;
    }
}

impl Drop for HistogramTimer {
    fn drop(&mut self) {
        if let Some(h) = self.histogram.take() {
            h.observe_duration(self.start.elapsed());
        }
    }
}

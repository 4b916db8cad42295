//! The wall clock: the one place the crate reads it (exemplars, creation times,
//! `set_to_current_time`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Time since the Unix epoch by the wall clock; zero if the clock is set before it. The one
/// place the crate reads the wall clock (exemplars, creation times, `set_to_current_time`).
fn since_unix_epoch() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// Seconds since the Unix epoch, with sub-second precision.
pub(crate) fn now_seconds() -> f64 {
    since_unix_epoch().as_secs_f64()
}

/// Milliseconds since the Unix epoch.
pub(crate) fn unix_ms() -> u64 {
    since_unix_epoch().as_millis() as u64
}

/// Milliseconds on a monotonic clock with a few milliseconds' resolution, cheap enough to
/// read on every observation (summaries place each one in a time window): the kernel's
/// coarse clock on Linux, a few nanoseconds from the vDSO where `Instant::now` takes about
/// twenty.
pub(crate) fn coarse_monotonic_ms() -> u64 {
    #[cfg(target_os = "linux")]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable `timespec` that outlives the call, which writes
        // that one struct and nothing else. A failing call (a kernel without the coarse
        // clock) leaves it zeroed, and we fall back below.
        #[allow(unsafe_code)]
        let failed = unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC_COARSE, &mut ts) } != 0;
        if !failed {
            return ts.tv_sec as u64 * 1000 + ts.tv_nsec as u64 / 1_000_000;
        }
    }
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_millis() as u64
}

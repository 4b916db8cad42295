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

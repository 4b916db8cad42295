//! What a scrape notes of each series of a family whose idle series expire.

use crate::metric::Metric;
use crate::runtime::sync::{AtomicU64, Ordering};

pub(super) const SEEN_MS_BITS: u32 = 40;
pub(super) const SEEN_MS: u64 = (1 << SEEN_MS_BITS) - 1;

/// What a scrape notes of a series, to tell when it stops changing: the metric's
/// fingerprint, folded to 24 bits, and when the scrape first saw that fingerprint (ms since
/// the family was made: 34 years).
pub(super) fn pack_seen(fingerprint: u64, ms: u64) -> u64 {
    let folded = (fingerprint ^ fingerprint >> 24 ^ fingerprint >> 48) & 0xff_ffff;
    folded << SEEN_MS_BITS | ms & SEEN_MS
}

/// Milliseconds since the series' value last changed, as seen by scrapes. Writer only.
pub(super) fn idle_for<M: Metric>(seen: &AtomicU64, metric: &M, now: u64) -> u64 {
    let last = seen.load(Ordering::Relaxed);
    let current = pack_seen(metric.fingerprint(), now);
    if last >> SEEN_MS_BITS != current >> SEEN_MS_BITS {
        seen.store(current, Ordering::Relaxed);
        return 0;
    }
    now.saturating_sub(last & SEEN_MS)
}

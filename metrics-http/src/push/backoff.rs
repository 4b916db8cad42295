//! When to try a failed push again: waits that double from the first up to a cap, with
//! equal jitter, stretched to a server's `Retry-After`, and never past the total bound.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http::header::{HeaderMap, RETRY_AFTER};

use crate::civil::days_from_civil;

/// The backoffs of successive retries: `first`, doubling, at most `max`.
#[derive(Debug, Clone)]
pub(crate) struct Backoffs {
    next: Duration,
    max: Duration,
}

impl Backoffs {
    pub(crate) fn new(first: Duration, max: Duration) -> Backoffs {
        Backoffs {
            next: first.min(max),
            max,
        }
    }
}

impl Iterator for Backoffs {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        let current = self.next;
        self.next = (current * 2).min(self.max);
        Some(current)
    }
}

/// How long to wait before the next try: the jittered `backoff`, or longer if the server
/// asked (`retry_after`); `None` when that wait does not fit in `remaining` of the total
/// bound, as a `Retry-After` past it would not (waiting only to give up is no use).
pub(crate) fn next_wait(
    backoff: Duration,
    retry_after: Option<Duration>,
    remaining: Duration,
    random: u64,
) -> Option<Duration> {
    let jittered = jittered(backoff, random);
    match retry_after {
        Some(asked) if asked > remaining => None,
        Some(asked) => Some(asked.max(jittered).min(remaining)),
        None => Some(jittered.min(remaining)),
    }
}

/// A random number for the jitter.
pub(crate) fn random() -> u64 {
    RandomState::new().hash_one(Instant::now())
}

/// `backoff` with equal jitter: half of it, plus a random part of the other half, so that
/// many jobs failing together do not retry together.
fn jittered(backoff: Duration, random: u64) -> Duration {
    let half = backoff / 2;
    let extra = half.as_nanos() as u64;
    half + Duration::from_nanos(if extra == 0 { 0 } else { random % (extra + 1) })
}

/// The wait a 429 or 503 answer asks for in `Retry-After` (RFC 9110): seconds, or an
/// HTTP date (a date past gives no wait). `None` without the header or when it does not
/// parse.
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = http_date(value)?;
    let now = now.duration_since(UNIX_EPOCH).ok()?.as_secs() as i64;
    Some(Duration::from_secs(at.saturating_sub(now).max(0) as u64))
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form RFC 9110 requires senders to
/// use, in seconds since the Unix epoch.
fn http_date(value: &str) -> Option<i64> {
    let (_, rest) = value.split_once(", ")?;
    let parts: Vec<&str> = rest.split(' ').collect();
    let [day, month, year, time, "GMT"] = parts[..] else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| *m == month)? as i64 + 1;
    let day: i64 = day.parse().ok()?;
    let year: i64 = year.parse().ok()?;
    let hms: Vec<i64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [hour, minute, second] = hms[..] else {
        return None;
    };
    if !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn backoffs_double_up_to_the_cap() {
        let waits: Vec<Duration> = Backoffs::new(200 * MS, 1000 * MS).take(5).collect();
        assert_eq!(waits, [200 * MS, 400 * MS, 800 * MS, 1000 * MS, 1000 * MS]);
        let capped: Vec<Duration> = Backoffs::new(5000 * MS, 1000 * MS).take(2).collect();
        assert_eq!(capped, [1000 * MS, 1000 * MS]);
    }

    #[test]
    fn jitter_keeps_the_wait_between_half_and_all_of_the_backoff() {
        for random in [0, 1, 49_999_999, 50_000_000, u64::MAX, 123_456_789] {
            let wait = next_wait(100 * MS, None, Duration::from_secs(60), random).unwrap();
            assert!(wait >= 50 * MS && wait <= 100 * MS, "{wait:?}");
        }
        assert_eq!(next_wait(100 * MS, None, 60 * MS, 0), Some(50 * MS));
        assert_eq!(next_wait(100 * MS, None, 30 * MS, u64::MAX), Some(30 * MS));
        assert_eq!(
            next_wait(Duration::ZERO, None, 30 * MS, 7),
            Some(Duration::ZERO)
        );
    }

    #[test]
    fn retry_after_stretches_the_wait_within_the_total() {
        let remaining = Duration::from_secs(10);
        assert_eq!(
            next_wait(100 * MS, Some(Duration::from_secs(2)), remaining, 0),
            Some(Duration::from_secs(2))
        );
        // Shorter than the backoff: the backoff stands.
        assert_eq!(
            next_wait(400 * MS, Some(Duration::ZERO), remaining, 0),
            Some(200 * MS)
        );
        // Past the total: no point waiting only to give up.
        assert_eq!(
            next_wait(100 * MS, Some(Duration::from_secs(11)), remaining, 0),
            None
        );
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37
        let header = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(RETRY_AFTER, value.parse().unwrap());
            retry_after(&headers, now)
        };
        assert_eq!(header("120"), Some(Duration::from_secs(120)));
        assert_eq!(header(" 3 "), Some(Duration::from_secs(3)));
        assert_eq!(
            header("Sun, 06 Nov 1994 08:50:07 GMT"),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            header("Sun, 06 Nov 1994 08:00:00 GMT"),
            Some(Duration::ZERO)
        );
        for bad in [
            "-1",
            "soon",
            "Sun, 06 Nov 1994 08:49:37 PST",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "",
        ] {
            assert_eq!(header(bad), None, "{bad:?}");
        }
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }
}

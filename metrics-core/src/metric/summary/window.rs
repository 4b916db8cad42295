//! The sliding window of a summary, and the quantiles read from it.
//!
//! The summary's buckets count every observation since it started. The window keeps a few
//! of their readings, each taken at the first observation or read after a step of the
//! window began; the window at time `t` is the latest reading less the oldest kept one
//! taken no more than `max_age` before `t`. Buckets only ever coarsen (a summary never
//! resets them on its own), so an older reading converts exactly to a newer one's schema.

use std::collections::VecDeque;

use crate::metric::native::{bucket_upper_bound, ceil_shift};
use crate::model::NativeSnapshot;

/// Readings of a summary's buckets, oldest first, each with when it was taken
/// (milliseconds on the window's clock).
pub(super) struct Window {
    readings: VecDeque<(u64, NativeSnapshot)>,
    max_age_ms: u64,
    step_ms: u64,
}

impl Window {
    /// A window whose first reading, at `now`, is `empty` (the buckets at zero).
    pub(super) fn new(now: u64, empty: NativeSnapshot, max_age_ms: u64, step_ms: u64) -> Window {
        Window {
            readings: VecDeque::from([(now, empty)]),
            max_age_ms,
            step_ms,
        }
    }

    /// When the next step begins after `now`.
    pub(super) fn next_step(&self, now: u64) -> u64 {
        (now / self.step_ms + 1) * self.step_ms
    }

    /// Keeps `reading`, taken at `now`, and drops those no later read can start from.
    pub(super) fn push(&mut self, now: u64, reading: NativeSnapshot) {
        self.readings.push_back((now, reading));
        let oldest = now.saturating_sub(self.max_age_ms);
        while self.readings.len() >= 2 && self.readings[1].0 < oldest {
            self.readings.pop_front();
        }
    }

    /// What the window starts from at `now`: the oldest reading taken no more than `max_age`
    /// before, or, when there is none (nothing observed or read for a while), the latest.
    pub(super) fn start(&self, now: u64) -> Option<&NativeSnapshot> {
        let oldest = now.saturating_sub(self.max_age_ms);
        self.readings
            .iter()
            .find(|(at, _)| *at >= oldest)
            .or(self.readings.back())
            .map(|(_, reading)| reading)
    }

    /// Back to a single reading of zero buckets, at `now`.
    pub(super) fn restart(&mut self, now: u64, empty: NativeSnapshot) {
        self.readings.clear();
        self.readings.push_back((now, empty));
    }

    /// How many readings it keeps.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.readings.len()
    }
}

/// The observations of a window, by bucket, at one schema.
#[derive(Debug, Default, PartialEq)]
pub(super) struct WindowBuckets {
    schema: i8,
    zero: u64,
    /// (index, count), by index.
    positive: Vec<(i32, u64)>,
    /// By the index of `|v|`.
    negative: Vec<(i32, u64)>,
}

impl WindowBuckets {
    /// What `latest` holds that `start` (an earlier reading) does not.
    pub(super) fn between(
        start: Option<&NativeSnapshot>,
        latest: &NativeSnapshot,
    ) -> WindowBuckets {
        let mut window = WindowBuckets {
            schema: latest.schema,
            zero: latest.zero_count,
            positive: latest.positive.clone(),
            negative: latest.negative.clone(),
        };
        if let Some(start) = start {
            window.zero = window.zero.saturating_sub(start.zero_count);
            let shift = start.schema - latest.schema;
            subtract(&mut window.positive, &start.positive, shift);
            subtract(&mut window.negative, &start.negative, shift);
        }
        window
    }

    /// Observations in the window that have a bucket (NaN has none).
    pub(super) fn count(&self) -> u64 {
        let sum = |buckets: &[(i32, u64)]| buckets.iter().map(|&(_, n)| n).sum::<u64>();
        self.zero + sum(&self.positive) + sum(&self.negative)
    }

    /// The `q` quantile: the value of rank `q * count`, interpolated inside its bucket
    /// exponentially (as Prometheus interpolates in native buckets), 0 in the zero bucket,
    /// NaN for an empty window.
    pub(super) fn quantile(&self, q: f64) -> f64 {
        let count = self.count();
        if count == 0 {
            return f64::NAN;
        }
        let rank = q * count as f64;
        let mut below = 0u64;
        // Ascending values: negative buckets from the largest |v|, zero, positive buckets.
        let negative = self.negative.iter().rev().map(|&(key, n)| (true, key, n));
        let zero = std::iter::once((false, i32::MIN, self.zero));
        let positive = self.positive.iter().map(|&(key, n)| (false, key, n));
        for (is_negative, key, n) in negative.chain(zero).chain(positive) {
            if n == 0 || ((below + n) as f64) < rank {
                below += n;
                continue;
            }
            let within = ((rank - below as f64) / n as f64).clamp(0.0, 1.0);
            if key == i32::MIN {
                return 0.0;
            }
            // Bucket `key` spans base^(key-1) to base^key in |v|, base = 2^(2^-schema).
            let exponent = |at: f64| (at * (-f64::from(self.schema)).exp2()).exp2();
            return if is_negative {
                -exponent(f64::from(key) - within)
            } else {
                exponent(f64::from(key) - 1.0 + within)
            };
        }
        // Only reached with rank above the count (q above 1 is refused): the largest value.
        match self.positive.last() {
            Some(&(key, _)) => bucket_upper_bound(self.schema, key),
            None if self.zero > 0 => 0.0,
            None => self.negative.first().map_or(f64::NAN, |&(key, _)| {
                -bucket_upper_bound(self.schema, key - 1)
            }),
        }
    }
}

/// Takes `earlier` (by index, `shift` schemas finer) from `buckets` (by index).
fn subtract(buckets: &mut Vec<(i32, u64)>, earlier: &[(i32, u64)], shift: i8) {
    let mut at = 0;
    for &(key, n) in earlier {
        let key = if shift > 0 {
            ceil_shift(key, shift)
        } else {
            key
        };
        while at < buckets.len() && buckets[at].0 < key {
            at += 1;
        }
        if let Some(bucket) = buckets.get_mut(at).filter(|b| b.0 == key) {
            bucket.1 = bucket.1.saturating_sub(n);
        }
    }
    buckets.retain(|&(_, n)| n > 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(schema: i8, positive: &[(i32, u64)]) -> NativeSnapshot {
        NativeSnapshot {
            schema,
            zero_threshold: 0.0,
            zero_count: 0,
            count: positive.iter().map(|b| b.1).sum(),
            sum: 0.0,
            positive: positive.to_vec(),
            negative: Vec::new(),
            created: 0.0,
        }
    }

    #[test]
    fn an_earlier_reading_at_a_finer_schema_is_taken_away_exactly() {
        // Schema 1 buckets 1 and 2 both go to schema 0 bucket 1; 3 and 4 to 2.
        let start = reading(1, &[(1, 2), (2, 1), (3, 4)]);
        let latest = reading(0, &[(1, 5), (2, 4), (3, 1)]);
        let window = WindowBuckets::between(Some(&start), &latest);
        assert_eq!(window.positive, vec![(1, 2), (3, 1)]);
        assert_eq!(window.count(), 3);
    }

    #[test]
    fn quantiles_interpolate_inside_the_bucket() {
        // Schema 0: bucket 1 is (1, 2], bucket 2 is (2, 4].
        let window = WindowBuckets::between(None, &reading(0, &[(1, 2), (2, 2)]));
        assert_eq!(window.quantile(0.5), 2.0);
        assert!((window.quantile(0.75) - 2.0 * 2f64.sqrt()).abs() < 1e-12);
        assert_eq!(window.quantile(1.0), 4.0);
        assert_eq!(window.quantile(0.0), 1.0);
        assert!(WindowBuckets::default().quantile(0.5).is_nan());
    }

    #[test]
    fn negative_and_zero_buckets_come_first() {
        let mut latest = reading(0, &[(1, 1)]);
        latest.negative = vec![(1, 1), (2, 1)]; // [-4, -2) and [-2, -1)
        latest.zero_count = 1;
        let window = WindowBuckets::between(None, &latest);
        assert_eq!(window.quantile(0.25), -2.0);
        assert_eq!(window.quantile(0.5), -1.0);
        assert_eq!(window.quantile(0.625), 0.0);
        assert_eq!(window.quantile(1.0), 2.0);
    }

    #[test]
    fn the_window_starts_at_the_oldest_reading_within_max_age() {
        let zero = reading(0, &[]);
        let mut window = Window::new(0, zero.clone(), 100, 20);
        assert_eq!(window.next_step(0), 20);
        assert_eq!(window.next_step(39), 40);
        window.push(20, reading(0, &[(1, 1)]));
        window.push(40, reading(0, &[(1, 2)]));
        assert_eq!(window.start(100), Some(&zero));
        assert_eq!(window.start(110).map(|r| r.count), Some(1));
        // Nothing read for long: the latest reading.
        assert_eq!(window.start(1_000).map(|r| r.count), Some(2));
        window.push(1_000, reading(0, &[(1, 3)]));
        assert_eq!(window.len(), 2);
    }
}

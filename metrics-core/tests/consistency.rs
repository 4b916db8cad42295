//! Scrapes taken while four threads observe are consistent in every format: a histogram
//! with several bounds and native buckets, read as data, as OpenMetrics text and as
//! protobuf, always shows classic buckets, count and sum of the same observations, native
//! buckets that add up to the native count, never more native observations than the count
//! sent (the parts are read a moment apart, native first), and never goes back.
//!
//! The observed values are dyadic fractions, so every sum of them is exact in `f64`: sums
//! are compared exactly, not within a tolerance.

use std::sync::atomic::{AtomicBool, Ordering};

use metrics_core::{Buckets, Format, Histogram, NativeBuckets, Registry, SelfMetrics, Value};

/// The values observed, each in its own classic bucket of `BOUNDS` (the last in `+Inf`).
const VALUES: [f64; 5] = [0.125, 0.375, 0.75, 1.5, 3.0];
const BOUNDS: [f64; 4] = [0.25, 0.5, 1.0, 2.0];

/// Checks one reading: per-bucket counts (not cumulative, `+Inf` last), count and sum.
fn check(counts: &[u64], count: u64, sum: f64, what: &str) {
    assert_eq!(counts.len(), VALUES.len(), "{what}");
    assert_eq!(
        counts.iter().sum::<u64>(),
        count,
        "{what}: buckets add up to the count"
    );
    let expected: f64 = counts.iter().zip(VALUES).map(|(n, v)| *n as f64 * v).sum();
    assert_eq!(
        sum, expected,
        "{what}: the sum is of the counted observations"
    );
}

/// Per-bucket counts, count and sum of `work_seconds` in an OpenMetrics exposition.
fn from_open_metrics(text: &str) -> (Vec<u64>, u64, f64) {
    let value = |prefix: &str| -> f64 {
        text.lines()
            .find_map(|l| l.strip_prefix(prefix)?.strip_prefix(' '))
            .map(|v| v.split(' ').next().unwrap().parse().unwrap())
            .unwrap_or_else(|| panic!("no {prefix}"))
    };
    let mut cumulative: Vec<u64> = BOUNDS
        .iter()
        .map(|b| value(&format!("work_seconds_bucket{{le=\"{b:?}\"}}")) as u64)
        .collect();
    cumulative.push(value("work_seconds_bucket{le=\"+Inf\"}") as u64);
    let counts = per_bucket(&cumulative);
    (
        counts,
        value("work_seconds_count") as u64,
        value("work_seconds_sum"),
    )
}

fn per_bucket(cumulative: &[u64]) -> Vec<u64> {
    assert!(
        cumulative.windows(2).all(|w| w[0] <= w[1]),
        "cumulative: {cumulative:?}"
    );
    let mut last = 0;
    cumulative
        .iter()
        .map(|c| {
            let n = c - last;
            last = *c;
            n
        })
        .collect()
}

#[path = "common/proto.rs"]
mod proto;

/// The `work_seconds` histogram of a protobuf exposition.
fn from_protobuf(body: &[u8]) -> proto::Histogram {
    let families = proto::decode(body);
    let family = families
        .iter()
        .find(|f| f.name.as_deref() == Some("work_seconds"))
        .expect("work_seconds");
    family.metric[0].histogram.clone().expect("a histogram")
}

/// Sets its flag when dropped.
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

#[test]
fn every_format_reads_whole_observations_while_threads_observe() {
    const THREADS: usize = 4;
    const SCRAPES: usize = 150;
    let registry = Registry::builder()
        .self_metrics(SelfMetrics::Overflow)
        .build()
        .unwrap();
    let buckets = Buckets::new(BOUNDS)
        .unwrap()
        .native(NativeBuckets::new(1.1).unwrap());
    let histogram: Histogram = registry.histogram("work_seconds", "Work.", buckets);
    let done = AtomicBool::new(false);
    let observed: Vec<[u64; 5]> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let (histogram, done) = (histogram.clone(), &done);
                scope.spawn(move || {
                    let mut made = [0u64; 5];
                    let mut i = t;
                    while !done.load(Ordering::Relaxed) || made.iter().sum::<u64>() < 2_000 {
                        let k = i % VALUES.len();
                        histogram.observe(VALUES[k]);
                        made[k] += 1;
                        i += 1;
                    }
                    made
                })
            })
            .collect();
        // Stops the workers however the scrapes end: a failed assertion must not leave
        // them running, and the scope waiting for them, for ever.
        let _stop = StopOnDrop(&done);
        let mut last = 0;
        for _ in 0..SCRAPES {
            // As data.
            let mut families = metrics_core::MetricFamilies::new();
            registry.gather(&mut families);
            let family = families
                .iter()
                .find(|f| f.desc().name == "work_seconds")
                .unwrap();
            let Value::Histogram(h) = family.series().next().unwrap().value() else {
                panic!("not a histogram");
            };
            check(h.counts, h.count, h.sum, "gathered");
            let native = h.native.expect("native buckets");
            assert!(
                native.count <= h.count,
                "{} native, {} classic",
                native.count,
                h.count
            );
            let native_total: u64 = native.positive.iter().map(|(_, n)| n).sum();
            assert_eq!(
                native_total + native.zero_count,
                native.count,
                "native buckets"
            );
            assert!(h.count >= last, "never goes back");
            last = h.count;

            // As OpenMetrics text.
            let mut text = Vec::new();
            registry.encode(Format::OpenMetrics, &mut text);
            let (counts, count, sum) = from_open_metrics(std::str::from_utf8(&text).unwrap());
            check(&counts, count, sum, "OpenMetrics");
            assert!(count >= last, "a later scrape, no fewer");

            // As protobuf.
            let mut body = Vec::new();
            registry.encode(Format::Protobuf, &mut body);
            let p = from_protobuf(&body);
            let mut cumulative: Vec<u64> = p
                .bucket
                .iter()
                .map(|b| b.cumulative_count.unwrap())
                .collect();
            // The `+Inf` bucket may be written or left to the count.
            if p.bucket.last().and_then(|b| b.upper_bound) != Some(f64::INFINITY) {
                cumulative.push(p.sample_count.unwrap());
            }
            check(
                &per_bucket(&cumulative),
                p.sample_count.unwrap(),
                p.sample_sum.unwrap(),
                "protobuf",
            );
            let mut running = 0i64;
            let native_total: i64 = p
                .positive_delta
                .iter()
                .map(|d| {
                    running += d;
                    running
                })
                .sum();
            assert!(
                native_total as u64 + p.zero_count.unwrap_or(0) <= p.sample_count.unwrap(),
                "protobuf native buckets hold more than the count"
            );
            last = last.max(count).max(p.sample_count.unwrap());
        }
        drop(_stop);
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let mut made = [0u64; 5];
    for thread in &observed {
        for (total, n) in made.iter_mut().zip(thread) {
            *total += n;
        }
    }
    let snapshot = histogram.snapshot();
    assert_eq!(snapshot.counts(), &made[..]);
    check(snapshot.counts(), snapshot.count(), snapshot.sum(), "final");
}

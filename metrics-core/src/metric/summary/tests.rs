use std::sync::Arc;
use std::time::Duration;

use super::quantiles::WindowClock;
use super::*;
use crate::runtime::sync::AtomicU64;

/// A summary whose window reads `clock` (milliseconds).
fn with_clock(quantiles: Quantiles, clock: &Arc<AtomicU64>) -> Summary {
    let mut quantiles = quantiles;
    quantiles.clock = WindowClock::Manual(clock.clone());
    Summary::new(quantiles)
}

/// A deterministic uniform stream in [0, 1).
fn uniform(n: usize) -> Vec<f64> {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        })
        .collect()
}

/// The fraction of `sorted` at or below `v`.
fn rank(sorted: &[f64], v: f64) -> f64 {
    sorted.partition_point(|&x| x <= v) as f64 / sorted.len() as f64
}

#[test]
fn a_million_uniform_observations_meet_every_objective() {
    let quantiles =
        Quantiles::with_errors([(0.01, 0.001), (0.5, 0.05), (0.9, 0.01), (0.99, 0.001)]).unwrap();
    let summary = Summary::new(quantiles.clone());
    let mut values = uniform(1_000_000);
    for &v in &values {
        summary.observe(v);
    }
    values.sort_by(f64::total_cmp);
    let snapshot = summary.snapshot();
    assert_eq!(snapshot.count(), 1_000_000);
    assert!((snapshot.sum() - values.iter().sum::<f64>()).abs() < 1e-6);
    for (&(q, value), &(_, allowed)) in snapshot.quantiles().iter().zip(quantiles.objectives()) {
        let error = (rank(&values, value) - q).abs();
        assert!(
            error <= allowed,
            "quantile {q}: {value} has rank error {error} > {allowed}"
        );
    }
}

#[test]
fn on_a_lumpy_distribution_the_value_is_within_its_bucket() {
    // Values over twelve powers of ten, with a spike of one repeated value.
    let quantiles = Quantiles::new([0.1, 0.5, 0.9, 0.99]).unwrap();
    let summary = Summary::new(quantiles);
    let mut values: Vec<f64> = uniform(200_000)
        .into_iter()
        .map(|u| 10f64.powf(u * 12.0 - 6.0))
        .collect();
    values.extend(std::iter::repeat_n(0.25, 100_000));
    for &v in &values {
        summary.observe(v);
    }
    values.sort_by(f64::total_cmp);
    let schema = summary.inner.buckets.empty().schema;
    let factor = (-f64::from(schema)).exp2().exp2();
    for &(q, value) in summary.snapshot().quantiles() {
        let truth = values[((q * values.len() as f64).ceil() as usize - 1).min(values.len() - 1)];
        let relative = (value - truth).abs() / truth;
        assert!(
            relative <= factor - 1.0,
            "quantile {q}: {value} against {truth} ({relative} at schema {schema})"
        );
    }
}

#[test]
fn objectives_choose_the_resolution() {
    let schema = |q: &Quantiles| q.native_buckets().initial_schema();
    assert_eq!(schema(&Quantiles::default()), 8); // 0.001 asks for more than there is
    assert_eq!(schema(&Quantiles::with_errors([(0.5, 0.05)]).unwrap()), 4); // 1.044
    assert_eq!(schema(&Quantiles::with_errors([(0.9, 0.01)]).unwrap()), 7); // 1.0054
    assert_eq!(schema(&Quantiles::new([]).unwrap()), -4);
    let empty = Summary::new(Quantiles::new([]).unwrap());
    empty.observe(1.0);
    let snapshot = empty.snapshot();
    assert_eq!((snapshot.count(), snapshot.quantiles()), (1, &[][..]));
}

#[test]
fn bad_objectives_and_windows_are_refused() {
    assert_eq!(Quantiles::new([1.5]), Err(QuantilesError::Quantile(1.5)));
    assert!(matches!(
        Quantiles::new([f64::NAN]),
        Err(QuantilesError::Quantile(_))
    ));
    assert_eq!(
        Quantiles::with_errors([(0.5, 0.0)]),
        Err(QuantilesError::AllowedError {
            quantile: 0.5,
            error: 0.0
        })
    );
    assert_eq!(
        Quantiles::new([0.5, 0.5]),
        Err(QuantilesError::Duplicate(0.5))
    );
    let q = Quantiles::default();
    assert_eq!(q.clone().age_buckets(0), Err(QuantilesError::AgeBuckets(0)));
    assert_eq!(
        q.max_age(Duration::from_micros(10)),
        Err(QuantilesError::MaxAge(Duration::from_micros(10)))
    );
    assert_eq!(
        Quantiles::new([0.9, 0.1]).unwrap().objectives(),
        &[(0.1, 0.01), (0.9, 0.01)]
    );
}

use crate::error::QuantilesError;

#[test]
fn the_window_forgets_observations_older_than_max_age() {
    let clock = Arc::new(AtomicU64::new(1_000_000));
    let quantiles = Quantiles::new([0.5])
        .unwrap()
        .max_age(Duration::from_secs(60))
        .unwrap()
        .age_buckets(3)
        .unwrap();
    let summary = with_clock(quantiles, &clock);
    let at = |ms: u64| clock.store(1_000_000 + ms, Ordering::Relaxed);
    let median = |s: &Summary| s.snapshot().quantiles()[0].1;

    for _ in 0..100 {
        summary.observe(10.0); // at 0 s
    }
    at(25_000);
    for _ in 0..300 {
        summary.observe(1.0); // at 25 s
    }
    let near = |v: f64, want: f64| (v - want).abs() <= want * 0.05;
    assert!(near(median(&summary), 1.0));
    // At 59 s both are in the window; at 61 s the first 100 have left it.
    at(59_000);
    assert!(near(median(&summary), 1.0));
    let snapshot = summary.snapshot();
    assert_eq!(snapshot.count(), 400);
    at(61_000);
    for _ in 0..250 {
        summary.observe(100.0);
    }
    // In the window: 300 of 1.0 and 250 of 100.0: the median is 1.0 only without the 10s.
    assert!(near(median(&summary), 1.0), "{}", median(&summary));
    at(86_000);
    // 1.0 left (observed at 25 s, older than 60 s now): only the 100s remain.
    assert!(near(median(&summary), 100.0), "{}", median(&summary));
    at(200_000);
    assert!(median(&summary).is_nan(), "an empty window has no quantile");
    // `_count` and `_sum` count everything, as counters do.
    let snapshot = summary.snapshot();
    assert_eq!(snapshot.count(), 650);
    assert_eq!(snapshot.sum(), 1000.0 + 300.0 + 25_000.0);
}

#[test]
fn observers_move_the_window_without_reads() {
    let clock = Arc::new(AtomicU64::new(0));
    let quantiles = Quantiles::new([0.5])
        .unwrap()
        .max_age(Duration::from_secs(10))
        .unwrap()
        .age_buckets(2)
        .unwrap();
    let summary = with_clock(quantiles, &clock);
    summary.observe(1.0);
    // Steps of 5 s: each first observation of a step takes a reading.
    for step in 1..=4u64 {
        clock.store(step * 5_000 + 1, Ordering::Relaxed);
        summary.observe(2.0);
    }
    // At 20 s the 1.0 (0 s) and the 2.0 of 5 s are gone; those of 10, 15 and 20 s remain.
    let snapshot = summary.snapshot();
    assert_eq!(snapshot.count(), 5);
    let median = snapshot.quantiles()[0].1;
    // Inside 2.0's bucket at the objective's resolution (factor 2^(1/16)): not the 1.0's.
    assert!(
        median <= 2.0 && median > 2.0 / (1.0f64 / 16.0).exp2(),
        "{median}"
    );
    let s = &*summary.inner;
    let window = s.window.lock();
    let (reading, _) = s.buckets.snapshot_with(Resets::Never);
    let start = window.start(s.quantiles.clock.now_ms());
    assert_eq!(WindowBuckets::between(start, &reading).count(), 3);
    assert!(window.len() <= 4);
}

#[test]
fn a_reset_empties_count_sum_and_window() {
    let summary = Summary::default();
    summary.observe(3.0);
    summary.reset();
    let snapshot = summary.snapshot();
    assert_eq!((snapshot.count(), snapshot.sum()), (0, 0.0));
    assert!(snapshot.quantiles().iter().all(|(_, v)| v.is_nan()));
    summary.observe(5.0);
    assert_eq!(summary.snapshot().count(), 1);
}

#[test]
fn reads_are_consistent_while_threads_observe() {
    let summary = Summary::default();
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    summary.observe(2.0);
                }
            });
        }
        for _ in 0..200 {
            let s = summary.snapshot();
            assert_eq!(s.sum(), 2.0 * s.count() as f64);
            if s.count() > 0 {
                for &(_, v) in s.quantiles() {
                    assert!((v - 2.0).abs() <= 2.0 * 0.003, "{v}");
                }
            }
            // The window's buckets hold exactly the reading's observations.
            let s = &*summary.inner;
            let window = s.window.lock();
            let (reading, _) = s.buckets.snapshot_with(Resets::Never);
            let now = s.quantiles.clock.now_ms();
            assert_eq!(
                WindowBuckets::between(window.start(now), &reading).count(),
                reading.count
            );
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
    });
}

#[test]
fn odd_values_are_counted_as_documented() {
    let summary = Summary::new(Quantiles::new([0.0, 1.0]).unwrap());
    for v in [f64::INFINITY, -1.0, 2.0] {
        summary.observe(v);
    }
    let s = summary.snapshot();
    assert_eq!((s.count(), s.sum()), (3, f64::INFINITY));
    let (min, max) = (s.quantiles()[0].1, s.quantiles()[1].1);
    assert!((-1.0..-0.99).contains(&min), "{min}");
    assert!(max > 2.0, "{max}");
    summary.observe(f64::NAN);
    let s = summary.snapshot();
    assert_eq!(s.count(), 4);
    assert!(s.sum().is_nan());
    assert!(
        s.quantiles().iter().all(|(_, v)| !v.is_nan()),
        "NaN is in no bucket"
    );
}

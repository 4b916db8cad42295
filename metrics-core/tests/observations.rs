//! What negative and NaN observations do to a histogram, classic and native: recorded as
//! client_golang records them (see `Histogram::observe`), exactly.

use metrics_core::{Buckets, Format, Histogram, NativeBuckets, Registry, SelfMetrics};

fn text(registry: &Registry) -> String {
    let mut out = Vec::new();
    registry.encode(Format::Text, &mut out);
    String::from_utf8(out).unwrap()
}

fn registry() -> Registry {
    Registry::builder()
        .self_metrics(SelfMetrics::Overflow)
        .build()
        .unwrap()
}

#[test]
fn negative_values_land_below_zero_and_lower_the_sum() {
    let registry = registry();
    let h: Histogram = registry.histogram(
        "temperature_change_celsius",
        "Change.",
        Buckets::new([-1.0, 0.0, 1.0]).unwrap(),
    );
    for v in [-2.0, -0.5, 0.5] {
        h.observe(v);
    }
    assert_eq!(
        text(&registry),
        "# HELP temperature_change_celsius Change.\n\
         # TYPE temperature_change_celsius histogram\n\
         temperature_change_celsius_bucket{le=\"-1\"} 1\n\
         temperature_change_celsius_bucket{le=\"0\"} 2\n\
         temperature_change_celsius_bucket{le=\"1\"} 3\n\
         temperature_change_celsius_bucket{le=\"+Inf\"} 3\n\
         temperature_change_celsius_sum -2\n\
         temperature_change_celsius_count 3\n"
    );
}

#[test]
fn nan_is_counted_in_the_inf_bucket_and_makes_the_sum_nan() {
    let registry = registry();
    let h: Histogram = registry.histogram("ratio_seconds", "Ratio.", Buckets::new([1.0]).unwrap());
    h.observe(0.5);
    h.observe(f64::NAN);
    h.observe(0.25);
    assert_eq!(
        text(&registry),
        "# HELP ratio_seconds Ratio.\n\
         # TYPE ratio_seconds histogram\n\
         ratio_seconds_bucket{le=\"1\"} 2\n\
         ratio_seconds_bucket{le=\"+Inf\"} 3\n\
         ratio_seconds_sum NaN\n\
         ratio_seconds_count 3\n"
    );
}

#[test]
fn native_buckets_take_negatives_and_count_nan_in_no_bucket() {
    let h = Histogram::new(
        Buckets::new([])
            .unwrap()
            .native(NativeBuckets::new(2.0).unwrap()),
    );
    h.observe(-3.0);
    h.observe(3.0);
    let before = h.native_snapshot().unwrap();
    assert_eq!((before.count, before.sum), (2, 0.0));
    // Schema 0: 3 lies in (2, 4], index 2, on either side.
    assert_eq!(before.negative, [(2, 1)]);
    assert_eq!(before.positive, [(2, 1)]);
    h.observe(f64::NAN);
    let after = h.native_snapshot().unwrap();
    assert_eq!(after.count, 3);
    assert!(after.sum.is_nan());
    assert_eq!(
        (after.negative, after.positive),
        (before.negative, before.positive)
    );
    assert_eq!(after.zero_count, 0);
}

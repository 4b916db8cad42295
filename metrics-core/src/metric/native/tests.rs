use std::time::Duration;

use super::maths::{bounds, octaves, MAX_SCHEMA};
use super::shared::{tag, untag};
use super::*;
use crate::error::BucketsError;

#[test]
fn schema_from_factor() {
    let schema = |f| NativeBuckets::new(f).unwrap().initial_schema();
    assert_eq!(schema(1.1), 3); // 2^(1/8) = 1.0905 <= 1.1 < 2^(1/4)
    assert_eq!(schema(2.0), 0);
    assert_eq!(schema(4.0), -1);
    assert_eq!(schema(1.0001), 8); // finer than 8 is not allowed
    assert_eq!(schema(1e300), -4);
    for bad in [1.0, 0.5, f64::NAN, f64::INFINITY, -2.0] {
        assert!(NativeBuckets::new(bad).is_err(), "{bad}");
    }
    assert_eq!(
        NativeBuckets::with_schema(9),
        Err(BucketsError::NativeSchema(9))
    );
    assert!(NativeBuckets::new(2.0)
        .unwrap()
        .zero_threshold(-1.0)
        .is_err());
}

#[test]
fn octave_fractions_match_the_servers_table() {
    // 2^(i/2^s - 1). The Prometheus server's table (client_golang's too) has some of
    // these one ulp low (its 2^-0.5 is 0.7071067811865475; correctly rounded it is
    // ...476): only an observation exactly on such an irrational bound could land in
    // the neighbouring bucket. Powers of two, the bounds that matter, are exact.
    let ulps = |a: f64, b: f64| a.to_bits().abs_diff(b.to_bits());
    let server = [
        (1, 1, 0.7071067811865475),
        (2, 1, 0.5946035575013605),
        (2, 3, 0.8408964152537144),
        (3, 1, 0.5452538663326288),
        (3, 7, 0.9170040432046711),
    ];
    for (schema, i, value) in server {
        assert!(
            ulps(bounds(schema)[i], value) <= 1,
            "schema {schema} bound {i}"
        );
    }
    assert_eq!(bounds(0), &[0.5]);
    assert!((1..=MAX_SCHEMA).all(|s| bounds(s)[0] == 0.5));
    assert_eq!(bounds(8).len(), 256);
    // No slice of the lookup table holds two bounds, or the index would be off.
    for s in 1..=MAX_SCHEMA {
        let octave = octaves(s);
        assert!(
            octave
                .cells
                .windows(2)
                .all(|w| w[1].below - w[0].below <= 1),
            "schema {s}"
        );
    }
    for s in 1..=MAX_SCHEMA {
        let b = bounds(s);
        assert!(b.windows(2).all(|w| w[0] < w[1]) && b[0] == 0.5 && *b.last().unwrap() < 1.0);
    }
}

#[test]
fn indexes_at_schema_0_and_coarser() {
    // Schema 0: bucket k is (2^(k-1), 2^k]; a power of two closes its bucket.
    assert_eq!(bucket_index(0, 1.0), 0);
    assert_eq!(bucket_index(0, 1.5), 1);
    assert_eq!(bucket_index(0, 2.0), 1);
    assert_eq!(bucket_index(0, 2.000001), 2);
    assert_eq!(bucket_index(0, 0.5), -1);
    assert_eq!(bucket_index(0, 0.3), -1);
    assert_eq!(bucket_index(0, 0.25), -2);
    // Schema -1: bucket k is (4^(k-1), 4^k].
    assert_eq!(bucket_index(-1, 1.0), 0);
    assert_eq!(bucket_index(-1, 3.0), 1);
    assert_eq!(bucket_index(-1, 4.0), 1);
    assert_eq!(bucket_index(-1, 4.5), 2);
    assert_eq!(bucket_index(-1, 0.0625), -2); // 4^-2 exactly
    assert_eq!(bucket_index(-1, 0.05), -2);
    assert_eq!(bucket_index(-1, 0.04), -2);
    assert_eq!(bucket_index(-1, 0.015), -3);
    // Schema -4: bucket k is (2^(16(k-1)), 2^(16k)].
    assert_eq!(bucket_index(-4, 65536.0), 1);
    assert_eq!(bucket_index(-4, 65537.0), 2);
    assert_eq!(bucket_index(-4, 1.0), 0);
    assert_eq!(bucket_index(-4, 0.9), 0);
}

#[test]
fn indexes_at_fine_schemas() {
    // Schema 1: bounds ..., 1, 1.414, 2, 2.83, ...
    assert_eq!(bucket_index(1, 1.0), 0);
    assert_eq!(bucket_index(1, 1.2), 1);
    assert_eq!(bucket_index(1, std::f64::consts::SQRT_2), 1);
    assert_eq!(bucket_index(1, 1.5), 2);
    assert_eq!(bucket_index(1, 2.0), 2);
    assert_eq!(bucket_index(1, 0.6), -1);
    // Schema 3 around 1: 1.0905 is the first bound above 1.
    assert_eq!(bucket_index(3, 1.09), 1);
    assert_eq!(bucket_index(3, 1.1), 2);
    assert_eq!(bucket_index(3, 100.0), 54); // 2^(54/8) = 107.6, 2^(53/8) = 98.7
    assert_eq!(bucket_index(8, 1.0), 0);
    assert_eq!(bucket_index(8, 2.0), 256);
    // Every bucket's upper bound falls in that bucket, and just above it in the next.
    for schema in MIN_SCHEMA..=MAX_SCHEMA {
        for key in [-300, -17, -1, 0, 1, 5, 64, 300] {
            let upper = bucket_upper_bound(schema, key);
            if upper == 0.0 || upper.is_infinite() {
                continue; // Past the range of f64 at coarse schemas.
            }
            assert_eq!(
                bucket_index(schema, upper),
                key,
                "schema {schema} key {key}"
            );
            assert_eq!(bucket_index(schema, upper * (1.0 + 1e-12)), key + 1);
            assert_eq!(
                bucket_index(schema, -upper),
                key,
                "the sign does not matter"
            );
        }
    }
}

#[test]
fn the_lookup_table_agrees_with_a_plain_search() {
    // xorshift: a million values spread over 2^-40 .. 2^40, at every schema.
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..1_000_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let v = f64::from_bits((x >> 12) | 0x3ff0_0000_0000_0000) * 2f64.powi((x % 80) as i32 - 40);
        // v = frac * 2^exp, frac in [0.5, 1), taken apart independently of the code under test.
        let exp = v.log2().floor() as i32 + 1;
        let frac = v / 2f64.powi(exp);
        let (frac, exp) = match frac {
            f if f >= 1.0 => (f / 2.0, exp + 1),
            f if f < 0.5 => (f * 2.0, exp - 1),
            f => (f, exp),
        };
        assert!((0.5..1.0).contains(&frac) && frac * 2f64.powi(exp) == v);
        for schema in 1..=MAX_SCHEMA {
            let bounds = bounds(schema);
            let plain =
                bounds.partition_point(|&b| b < frac) as i32 + (exp - 1) * bounds.len() as i32;
            assert_eq!(bucket_index(schema, v), plain, "schema {schema}, v {v}");
        }
    }
}

#[test]
fn subnormal_huge_and_infinite_values() {
    let tiny = f64::from_bits(1); // the smallest subnormal, 2^-1074
    assert_eq!(bucket_index(0, tiny), -1074);
    assert_eq!(bucket_index(8, tiny), -1074 * 256);
    assert_eq!(bucket_index(0, f64::MIN_POSITIVE), -1022);
    assert_eq!(bucket_index(0, f64::MAX), 1024);
    assert_eq!(bucket_index(0, f64::INFINITY), 1025);
    assert_eq!(bucket_index(8, f64::INFINITY), 1024 * 256 + 1);
    // The packed slot words hold every index there is.
    for key in [bucket_index(8, tiny), bucket_index(8, f64::INFINITY)] {
        assert_eq!(untag(tag(key) | 7), (key, 7));
    }
}

fn native(config: NativeBuckets) -> Native {
    Native::new(config)
}

#[test]
fn observations_land_by_sign_and_zero_threshold() {
    let n = native(
        NativeBuckets::with_schema(0)
            .unwrap()
            .zero_threshold(0.01)
            .unwrap(),
    );
    for v in [
        0.0,
        0.005,
        -0.01,
        1.0,
        1.5,
        3.0,
        -1.5,
        -0.5,
        f64::NAN,
        f64::INFINITY,
    ] {
        n.observe(v);
    }
    let (s, _) = n.snapshot();
    assert_eq!(
        (s.schema, s.zero_threshold, s.zero_count, s.count),
        (0, 0.01, 3, 10)
    );
    assert_eq!(s.positive, vec![(0, 1), (1, 1), (2, 1), (1025, 1)]);
    assert_eq!(s.negative, vec![(-1, 1), (1, 1)]);
    assert!(s.sum.is_nan());
    // Reading again gives the same: the reading folds back.
    assert_eq!(n.snapshot().0.positive, s.positive);
}

#[test]
fn over_the_limit_the_schema_halves() {
    let n = native(NativeBuckets::with_schema(3).unwrap().max_buckets(10));
    // 40 distinct buckets at schema 3: 1.0905^k for k in 1..=40.
    for k in 1..=40 {
        n.observe(bucket_upper_bound(3, k));
    }
    let (s, _) = n.snapshot();
    assert!(s.positive.len() <= 10, "{:?}", s.positive);
    assert_eq!(s.count, 40);
    assert_eq!(s.positive.iter().map(|&(_, c)| c).sum::<u64>(), 40);
    // Keys 1..=40 at schema 3 are 1..=20 at schema 2 and 1..=10 at schema 1: 10 fit.
    assert_eq!(s.schema, 1);
    assert_eq!(s.positive, (1..=10).map(|k| (k, 4)).collect::<Vec<_>>());
}

#[test]
fn over_the_limit_the_zero_bucket_widens_first() {
    let config = NativeBuckets::with_schema(0)
        .unwrap()
        .max_buckets(3)
        .max_zero_threshold(0.3)
        .unwrap();
    let n = native(config);
    for v in [0.1, 0.2, 1.0, 2.0] {
        n.observe(v);
    }
    let (s, _) = n.snapshot();
    // 0.1 is in (1/16, 1/8]: the zero bucket widens to 0.125 and takes it.
    assert_eq!((s.schema, s.zero_threshold, s.zero_count), (0, 0.125, 1));
    assert_eq!(s.positive, vec![(-2, 1), (0, 1), (1, 1)]);
}

#[test]
fn over_the_limit_after_reset_after_it_resets() {
    let config = NativeBuckets::with_schema(0)
        .unwrap()
        .max_buckets(2)
        .reset_after(Duration::ZERO);
    let n = native(config);
    for v in [1.0, 2.0, 4.0] {
        n.observe(v);
    }
    let (s, limited) = n.snapshot();
    assert_eq!(limited, Limited::Reset);
    assert_eq!((s.count, s.positive.len(), s.schema), (0, 0, 0));
    // The observing thread finds its cells from before the reset and discards them.
    n.observe(8.0);
    let (s, _) = n.snapshot();
    assert_eq!((s.count, s.sum, s.positive.clone()), (1, 8.0, vec![(3, 1)]));
}

#[test]
fn the_shared_halves_reduce_and_reset_on_their_own() {
    let n = native(NativeBuckets::with_schema(3).unwrap().max_buckets(10));
    for k in 1..=40 {
        n.observe_shared(bucket_upper_bound(3, k));
    }
    let (s, _) = n.snapshot();
    assert_eq!(s.schema, 1);
    assert_eq!(s.positive, (1..=10).map(|k| (k, 4)).collect::<Vec<_>>());

    let config = NativeBuckets::with_schema(0)
        .unwrap()
        .max_buckets(2)
        .reset_after(Duration::ZERO);
    let n = native(config);
    n.observe_shared(1.0);
    n.observe_shared(2.0);
    assert_eq!(
        n.observe_shared(4.0),
        Limited::Reset,
        "the observer over the limit resets"
    );
    assert_eq!(n.snapshot().0.count, 0);
}

#[test]
fn a_thread_converts_its_cells_after_a_reduction() {
    let n = native(NativeBuckets::with_schema(3).unwrap().max_buckets(10));
    for k in 1..=40 {
        n.observe(bucket_upper_bound(3, k));
    }
    assert_eq!(n.snapshot().0.schema, 1);
    // This thread's cells are still at schema 3; observing converts them.
    n.observe(bucket_upper_bound(1, 10));
    let (s, _) = n.snapshot();
    assert_eq!(s.count, 41);
    let mut expected: Vec<(i32, u64)> = (1..=10).map(|k| (k, 4)).collect();
    expected[9].1 = 5;
    assert_eq!((s.schema, s.positive), (1, expected));
}

#[test]
fn a_full_thread_table_spills_into_the_halves() {
    let n = native(NativeBuckets::with_schema(3).unwrap().max_buckets(1000));
    for k in 1..=100 {
        n.observe(bucket_upper_bound(3, k));
        n.observe(-bucket_upper_bound(3, k));
    }
    let (s, _) = n.snapshot();
    assert_eq!((s.schema, s.count), (3, 200));
    assert_eq!(s.positive, (1..=100).map(|k| (k, 1)).collect::<Vec<_>>());
    assert_eq!(s.negative, s.positive);
}

#[test]
fn buckets_past_a_full_table_and_a_layout_change_are_all_counted() {
    // 600 buckets a round, five rounds: the thread's table fills, observations of buckets
    // not in it (or too far from home) go to the halves, and the limit lowers the schema
    // twice, which converts the table's buckets in place.
    let n = native(NativeBuckets::with_schema(8).unwrap().max_buckets(300));
    let values: Vec<f64> = (0..600).map(|k| bucket_upper_bound(8, k * 7 + 1)).collect();
    for _ in 0..5 {
        for &v in &values {
            n.observe(v);
        }
    }
    let (s, _) = n.snapshot();
    assert!(s.schema < 8, "the limit lowered the schema");
    let mut expected = std::collections::BTreeMap::new();
    for &v in &values {
        *expected.entry(bucket_index(s.schema, v)).or_insert(0u64) += 5;
    }
    assert_eq!(s.count, 3000);
    assert_eq!(s.positive, expected.into_iter().collect::<Vec<_>>());
}

#[test]
fn spans_and_deltas() {
    use crate::model::spans;
    assert_eq!(spans(&[]), vec![]);
    assert_eq!(
        spans(&[(-2, 1), (-1, 4), (0, 2), (3, 1), (4, 1), (10, 5)]),
        vec![(-2, 3), (2, 2), (5, 1)]
    );
}

#[test]
fn concurrent_observers_and_readers_agree() {
    let n = std::sync::Arc::new(native(
        NativeBuckets::with_schema(2).unwrap().max_buckets(20),
    ));
    let writers: Vec<_> = (0..3)
        .map(|t| {
            let n = n.clone();
            std::thread::spawn(move || {
                for i in 0..20_000u64 {
                    n.observe(((i % 97) as f64 + 1.0) * if t == 2 { -0.01 } else { 1.0 });
                }
            })
        })
        .collect();
    let mut last = 0;
    while last < 60_000 {
        let (s, _) = n.snapshot();
        let in_buckets: u64 = s.zero_count
            + s.positive.iter().map(|b| b.1).sum::<u64>()
            + s.negative.iter().map(|b| b.1).sum::<u64>();
        assert_eq!(
            in_buckets, s.count,
            "every observation in exactly one bucket"
        );
        assert!(s.count >= last);
        assert!(s.positive.len() + s.negative.len() <= 20 + 3);
        last = s.count;
    }
    writers.into_iter().for_each(|w| w.join().unwrap());
    let (s, _) = n.snapshot();
    assert_eq!(s.count, 60_000);
    let expected: f64 = (0..20_000u64).map(|i| (i % 97) as f64 + 1.0).sum::<f64>() * (2.0 - 0.01);
    assert!((s.sum - expected).abs() < 1e-6 * expected);
}

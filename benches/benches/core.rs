//! The hot paths of metrics-core, single-threaded (groups prefixed `core_`, so that they never
//! mix with the `peers` bench's results): counter, fixed and dynamic label lookups,
//! histogram observe, encoding of an 11 000-series registry in each format, and the cost of
//! exemplars.

// criterion_group! generates undocumented items.
#![allow(missing_docs)]

use std::hint::black_box;

use benches::{
    dynamic_family, encode_registry, spread_values, Class, DerivedClass, DerivedLabels,
    DerivedMethod, Method,
};
use criterion::{criterion_group, criterion_main, Criterion};
use metrics_core::{
    Buckets, Counter, DynLabels, Family, Format, Histogram, NativeBuckets, Opts, Registry,
};

fn counter_inc(c: &mut Criterion) {
    let registry = Registry::new();
    let counter = registry.counter("bench_events_total", "Events.");
    c.benchmark_group("core_counter_inc")
        .bench_function("ours", |b| b.iter(|| black_box(&counter).inc()));
}

fn labeled_fixed_inc(c: &mut Criterion) {
    let registry = Registry::new();
    let family: Family<(Method, Class), Counter> = registry
        .family(Opts::new("bench_requests_total", "Requests.").labels(&["method", "class"]));
    let labels = (Method::Post, Class::ServerError);
    c.benchmark_group("core_labeled_fixed_inc")
        .bench_function("ours", |b| b.iter(|| family.get(black_box(&labels)).inc()));
}

/// A derived fixed-cardinality family against the hand-written one.
fn derive_overhead(c: &mut Criterion) {
    let registry = Registry::new();
    let hand: Family<(Method, Class), Counter> = registry
        .family(Opts::new("bench_hand_total", "Hand-written labels.").labels(&["method", "class"]));
    let derived: Family<DerivedLabels, Counter> =
        registry.family(Opts::new("bench_derived_total", "Derived labels."));
    let hand_labels = (Method::Post, Class::ServerError);
    let derived_labels = DerivedLabels {
        method: DerivedMethod::Post,
        class: DerivedClass::ServerError,
    };
    let mut group = c.benchmark_group("derive_overhead");
    group.bench_function("hand_written", |b| {
        b.iter(|| hand.get(black_box(&hand_labels)).inc())
    });
    group.bench_function("derived", |b| {
        b.iter(|| derived.get(black_box(&derived_labels)).inc())
    });
    group.finish();
}

fn labeled_dynamic_inc(c: &mut Criterion) {
    let registry = Registry::new();
    let family = dynamic_family(&registry);
    c.benchmark_group("core_labeled_dynamic_inc")
        .bench_function("ours", |b| {
            b.iter(|| family.with_label_values(black_box(&["POST", "404"])).inc())
        });
}

/// Lookups over 100 000 series visited with a stride, so that no lookup finds its series or
/// the table's places in a cache the one before warmed (the name is from when lookups went
/// through a per-thread cache of series, which these missed).
fn labeled_dynamic_miss(c: &mut Criterion) {
    let registry = Registry::new();
    let family: Family<DynLabels, Counter> = registry.family(
        Opts::new("bench_routes_total", "Requests by route.")
            .labels(&["route", "status"])
            .series_limit(100_000),
    );
    let labels: Vec<(String, String)> = (0..100_000)
        .map(|i| {
            (
                format!("/api/v1/resource_{}", i / 10),
                (200 + i % 10).to_string(),
            )
        })
        .collect();
    for (route, status) in &labels {
        family.with_label_values(&[route, status]).inc();
    }
    let mut i = 0usize;
    c.benchmark_group("core_labeled_dynamic_miss")
        .bench_function("ours", |b| {
            b.iter(|| {
                // A stride coprime with the count, so that neighbours in the cache differ.
                i = (i + 7_919) % labels.len();
                let (route, status) = &labels[i];
                family.with_label_values(black_box(&[route, status])).inc()
            })
        });
}

fn histogram_observe(c: &mut Criterion) {
    let registry = Registry::new();
    let histogram: Histogram =
        registry.histogram("bench_duration_seconds", "Durations.", Buckets::default());
    let values = spread_values();
    let mut i = 0usize;
    c.benchmark_group("core_histogram_observe")
        .bench_function("ours", |b| {
            b.iter(|| {
                i = i.wrapping_add(1);
                histogram.observe(black_box(values[i % values.len()]))
            })
        });
}

/// Native buckets beside the classic ones, and alone; the classic histogram again in the
/// same group, so the three read side by side.
fn native_histogram_observe(c: &mut Criterion) {
    let registry = Registry::new();
    let native = NativeBuckets::new(1.1).expect("a valid factor");
    let classic = registry.histogram("bench_classic_seconds", "Classic.", Buckets::default());
    let both = registry.histogram(
        "bench_both_seconds",
        "Both.",
        Buckets::default().native(native.clone()),
    );
    let only = registry.histogram(
        "bench_native_seconds",
        "Native.",
        Buckets::native_only(native),
    );
    let values = spread_values();
    let mut group = c.benchmark_group("core_native_histogram_observe");
    // The loop alone: what each figure in this group includes besides `observe`. The index
    // is counted, and the modulo taken off that chain, as in the peers bench: `i = (i + 1) %
    // len` put a division's latency into every iteration (5.6 ns here).
    let mut i = 0usize;
    group.bench_function("loop_only", |b| {
        b.iter(|| {
            i = i.wrapping_add(1);
            black_box(values[i % values.len()])
        })
    });
    for (id, histogram) in [
        ("classic", &classic),
        ("classic_and_native", &both),
        ("native", &only),
    ] {
        let mut i = 0usize;
        group.bench_function(id, |b| {
            b.iter(|| {
                i = i.wrapping_add(1);
                histogram.observe(black_box(values[i % values.len()]))
            })
        });
    }
    group.finish();
}

fn encode(c: &mut Criterion) {
    let registry = encode_registry();
    let mut buf = Vec::with_capacity(4 << 20);
    for (group, format) in [
        ("core_encode_text", Format::Text),
        ("core_encode_openmetrics", Format::OpenMetrics),
        ("core_encode_protobuf", Format::Protobuf),
    ] {
        c.benchmark_group(group)
            .sample_size(30)
            .bench_function("ours", |b| {
                b.iter(|| {
                    buf.clear();
                    registry.encode(format, &mut buf);
                    black_box(buf.len())
                })
            });
    }
}

/// The cardinality report of a 100 000-series family (two labels: 100 routes x 1 000 ids),
/// the work behind `/-/cardinality`: a scrape-rate operation, not a hot path.
fn cardinality_report(c: &mut Criterion) {
    let registry = Registry::new();
    let family: Family<DynLabels, Counter> = registry.family(
        Opts::new("requests_total", "Requests.")
            .labels(&["route", "id"])
            .series_limit(100_000),
    );
    for route in 0..100 {
        for id in 0..1_000 {
            family
                .with_label_values(&[&format!("/r{route}"), &id.to_string()])
                .inc();
        }
    }
    c.benchmark_group("core_cardinality_report_100000")
        .sample_size(20)
        .bench_function("ours", |b| b.iter(|| black_box(registry.cardinality(10))));
}

/// A stored exemplar must not slow the plain paths: the same operations on metrics with and
/// without one, and the cost of storing one.
fn exemplar_overhead(c: &mut Criterion) {
    let registry = Registry::new();
    let plain = registry.counter("bench_plain_total", "Plain.");
    let with = registry.counter("bench_exemplar_total", "With an exemplar.");
    with.inc_with_exemplar(&[("trace_id", "4bf92f3577b34da6a3ce929d0e0e4736")])
        .unwrap();
    let histogram_plain = registry.histogram("bench_plain_seconds", "Plain.", Buckets::default());
    let histogram_with = registry.histogram("bench_exemplar_seconds", "With.", Buckets::default());
    for v in spread_values() {
        histogram_with
            .observe_with_exemplar(v, &[("trace_id", "4bf92f3577b34da6")])
            .unwrap();
    }
    let mut group = c.benchmark_group("exemplar_overhead");
    group.bench_function("inc_plain", |b| b.iter(|| black_box(&plain).inc()));
    group.bench_function("inc_after_exemplar", |b| b.iter(|| black_box(&with).inc()));
    group.bench_function("observe_plain", |b| {
        b.iter(|| black_box(&histogram_plain).observe(0.3))
    });
    group.bench_function("observe_after_exemplar", |b| {
        b.iter(|| black_box(&histogram_with).observe(0.3))
    });
    group.bench_function("inc_with_exemplar", |b| {
        b.iter(|| with.inc_with_exemplar(black_box(&[("trace_id", "4bf92f3577b34da6")])))
    });
    group.finish();
}

/// What the machine charges for the shapes our hot paths are made of, to read the figures
/// above against: a plain add to a cell whose address comes from loads (a thread-owned cell,
/// found through the thread's arena), once with the address computed inside the load and
/// store (base plus scaled index, as the compiler prefers) and once with it in a register of
/// its own (as `runtime/cells/` arranges); the same add through a pointer the loop keeps; and the
/// locked add that every peer's counter pays.
fn floor(c: &mut Criterion) {
    use std::sync::atomic::{AtomicU64, Ordering};
    let cells: Box<[AtomicU64]> = (0..1024).map(|_| AtomicU64::new(0)).collect();
    let chunk: Box<&[AtomicU64]> = Box::new(&cells);
    let mut group = c.benchmark_group("core_floor");
    group.bench_function("add_at_base_plus_index", |b| {
        b.iter(|| {
            let cell = &black_box(&*chunk)[black_box(517)];
            cell.store(cell.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
        })
    });
    group.bench_function("add_at_address_in_register", |b| {
        b.iter(|| {
            let cell = black_box(&black_box(&*chunk)[black_box(517)]);
            cell.store(cell.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
        })
    });
    group.bench_function("add_through_kept_pointer", |b| {
        b.iter(|| {
            let cell = black_box(&cells[517]);
            cell.store(cell.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
        })
    });
    group.bench_function("locked_add", |b| {
        b.iter(|| black_box(&cells[517]).fetch_add(1, Ordering::Relaxed))
    });
    group.finish();
}

criterion_group!(
    hot_paths,
    floor,
    counter_inc,
    labeled_fixed_inc,
    derive_overhead,
    labeled_dynamic_inc,
    labeled_dynamic_miss,
    histogram_observe,
    native_histogram_observe,
    encode,
    cardinality_report,
    exemplar_overhead
);
criterion_main!(hot_paths);

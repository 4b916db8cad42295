//! The hot paths of metrics-core, single-threaded: counter, fixed and dynamic label lookups,
//! histogram observe, and text encoding of an 11 000-series registry.

// criterion_group! generates undocumented items.
#![allow(missing_docs)]

use std::hint::black_box;

use benches::{dynamic_family, encode_registry, spread_values, Class, Method};
use criterion::{criterion_group, criterion_main, Criterion};
use metrics_core::{Counter, Family, Format, Histogram, Opts, Registry};

fn counter_inc(c: &mut Criterion) {
    let registry = Registry::new();
    let counter = registry.counter("bench_events_total", "Events.");
    c.benchmark_group("counter_inc")
        .bench_function("ours", |b| b.iter(|| black_box(&counter).inc()));
}

fn labeled_fixed_inc(c: &mut Criterion) {
    let registry = Registry::new();
    let family: Family<(Method, Class), Counter> = registry
        .family(Opts::new("bench_requests_total", "Requests.").labels(&["method", "class"]));
    let labels = (Method::Post, Class::ServerError);
    c.benchmark_group("labeled_fixed_inc")
        .bench_function("ours", |b| b.iter(|| family.get(black_box(&labels)).inc()));
}

fn labeled_dynamic_inc(c: &mut Criterion) {
    let registry = Registry::new();
    let family = dynamic_family(&registry);
    c.benchmark_group("labeled_dynamic_inc")
        .bench_function("ours", |b| {
            b.iter(|| family.with_label_values(black_box(&["POST", "404"])).inc())
        });
}

fn histogram_observe(c: &mut Criterion) {
    let registry = Registry::new();
    let histogram: Histogram = registry.histogram(
        "bench_duration_seconds",
        "Durations.",
        metrics_core::Buckets::default(),
    );
    let values = spread_values();
    let mut i = 0;
    c.benchmark_group("histogram_observe")
        .bench_function("ours", |b| {
            b.iter(|| {
                i = (i + 1) % values.len();
                histogram.observe(black_box(values[i]))
            })
        });
}

fn encode_text(c: &mut Criterion) {
    let registry = encode_registry();
    let mut buf = Vec::with_capacity(4 << 20);
    c.benchmark_group("encode_text")
        .sample_size(30)
        .bench_function("ours", |b| {
            b.iter(|| {
                buf.clear();
                registry.encode(Format::Text, &mut buf);
                black_box(buf.len())
            })
        });
}

criterion_group!(
    hot_paths,
    counter_inc,
    labeled_fixed_inc,
    labeled_dynamic_inc,
    histogram_observe,
    encode_text
);
criterion_main!(hot_paths);

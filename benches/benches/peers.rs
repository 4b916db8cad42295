//! Ours against the Rust peers, in one run: `prometheus` 0.14, `prometheus-client` 0.25,
//! `metrics` 0.24 with `metrics-exporter-prometheus` 0.18, and `measured` 0.0.25.
//!
//! Each group names one operation; inside it the function ids are `ours`, `prometheus`,
//! `prometheus_client`, `metrics` and `measured`, where the peer has the feature. Each peer is
//! used as its documentation shows. Two-thread groups time two scoped threads started on a
//! barrier and report the slowest thread's time per operation.

// criterion_group! generates undocumented items.
#![allow(missing_docs)]

use std::cell::Cell;
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use benches::{dynamic_family, encode_registry, shuffled_label_sets, spread_values, Class, Method};
use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};
use metrics_core::{Buckets, Counter, DynLabels, Family, Format, Opts, Registry, DEFAULT_BUCKETS};

mod peer {
    //! Each peer set up for one operation.
    // Enums list every value, as a service's would, though the benches use one.
    #![allow(dead_code)]

    use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue};

    #[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
    pub(crate) enum Method {
        Get,
        Post,
        Put,
        Delete,
    }

    #[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelValue)]
    pub(crate) enum Class {
        Success,
        ClientError,
        ServerError,
    }

    #[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
    pub(crate) struct FixedLabels {
        pub(crate) method: Method,
        pub(crate) class: Class,
    }

    #[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
    pub(crate) struct DynamicLabels {
        pub(crate) method: String,
        pub(crate) status: String,
    }

    #[derive(measured::FixedCardinalityLabel, Clone, Copy)]
    pub(crate) enum MeasuredMethod {
        Get,
        Post,
        Put,
        Delete,
    }

    #[derive(measured::FixedCardinalityLabel, Clone, Copy)]
    pub(crate) enum MeasuredClass {
        Success,
        ClientError,
        ServerError,
    }

    #[derive(measured::LabelGroup, Clone, Copy)]
    #[label(set = MeasuredFixedSet)]
    pub(crate) struct MeasuredFixed {
        pub(crate) method: MeasuredMethod,
        pub(crate) class: MeasuredClass,
    }

    #[derive(measured::LabelGroup, Clone, Copy)]
    #[label(set = MeasuredDynamicSet)]
    pub(crate) struct MeasuredDynamic<'a> {
        #[label(dynamic_with = lasso::ThreadedRodeo, default)]
        pub(crate) method: &'a str,
        #[label(dynamic_with = lasso::ThreadedRodeo, default)]
        pub(crate) status: &'a str,
    }

    #[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
    pub(crate) struct RouteLabels {
        pub(crate) route: String,
        pub(crate) status: String,
    }

    #[derive(measured::LabelGroup, Clone, Copy)]
    #[label(set = MeasuredRouteSet)]
    pub(crate) struct MeasuredRoute<'a> {
        #[label(dynamic_with = lasso::ThreadedRodeo, default)]
        pub(crate) route: &'a str,
        #[label(dynamic_with = lasso::ThreadedRodeo, default)]
        pub(crate) status: &'a str,
    }

    pub(crate) fn metrics_recorder() -> metrics_exporter_prometheus::PrometheusRecorder {
        metrics_exporter_prometheus::PrometheusBuilder::new()
            .set_buckets(&metrics_core::DEFAULT_BUCKETS)
            .expect("valid buckets")
            .build_recorder()
    }

    pub(crate) fn metrics_key(name: &'static str) -> metrics::Key {
        metrics::Key::from_name(name)
    }

    pub(crate) static METADATA: metrics::Metadata<'static> =
        metrics::Metadata::new(module_path!(), metrics::Level::INFO, None);
}

/// Times `op` on two threads at once; the slowest thread's time for `iters` operations.
fn two_threads(iters: u64, op: impl Fn() + Sync) -> Duration {
    let barrier = Barrier::new(2);
    std::thread::scope(|s| {
        let threads: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    let start = Instant::now();
                    for _ in 0..iters {
                        op();
                    }
                    start.elapsed()
                })
            })
            .collect();
        threads
            .into_iter()
            .map(|t| t.join().unwrap())
            .max()
            .unwrap()
    })
}

fn bench(group: &mut BenchmarkGroup<'_, WallTime>, id: &str, threads: usize, op: impl Fn() + Sync) {
    if threads == 1 {
        group.bench_function(id, |b| b.iter(&op));
    } else {
        group.bench_function(id, |b| b.iter_custom(|iters| two_threads(iters, &op)));
    }
}

fn counter_inc(c: &mut Criterion) {
    for (name, threads) in [("counter_inc", 1), ("counter_inc_2threads", 2)] {
        let mut group = c.benchmark_group(name);
        let ours = Registry::new().counter("bench_total", "Bench.");
        bench(&mut group, "ours", threads, || black_box(&ours).inc());
        let prom = prometheus::IntCounter::new("bench_total", "Bench.").unwrap();
        bench(&mut group, "prometheus", threads, || black_box(&prom).inc());
        let client: prometheus_client::metrics::counter::Counter = Default::default();
        bench(&mut group, "prometheus_client", threads, || {
            black_box(&client).inc();
        });
        let recorder = peer::metrics_recorder();
        let counter = metrics::Recorder::register_counter(
            &recorder,
            &peer::metrics_key("bench_total"),
            &peer::METADATA,
        );
        bench(&mut group, "metrics", threads, || {
            black_box(&counter).increment(1)
        });
        let measured = measured::Counter::new();
        bench(&mut group, "measured", threads, || {
            black_box(&measured).get_metric().inc()
        });
        group.finish();
    }
}

fn labeled_dynamic_inc(c: &mut Criterion) {
    const METHODS: [&str; 5] = ["GET", "POST", "PUT", "DELETE", "PATCH"];
    const STATUSES: [&str; 5] = ["200", "201", "404", "500", "503"];
    for (name, threads) in [
        ("labeled_dynamic_inc", 1),
        ("labeled_dynamic_inc_2threads", 2),
    ] {
        let mut group = c.benchmark_group(name);
        let ours = dynamic_family(&Registry::new());
        bench(&mut group, "ours", threads, || {
            ours.with_label_values(black_box(&["POST", "404"])).inc()
        });

        let prom = prometheus::IntCounterVec::new(
            prometheus::Opts::new("bench_requests_total", "Requests."),
            &["method", "status"],
        )
        .unwrap();
        for m in METHODS {
            for s in STATUSES {
                prom.with_label_values(&[m, s]).inc();
            }
        }
        bench(&mut group, "prometheus", threads, || {
            prom.with_label_values(black_box(&["POST", "404"])).inc()
        });

        let client = prometheus_client::metrics::family::Family::<
            peer::DynamicLabels,
            prometheus_client::metrics::counter::Counter,
        >::default();
        for m in METHODS {
            for s in STATUSES {
                client
                    .get_or_create(&peer::DynamicLabels {
                        method: m.into(),
                        status: s.into(),
                    })
                    .inc();
            }
        }
        bench(&mut group, "prometheus_client", threads, || {
            let (m, s) = black_box(("POST", "404"));
            client
                .get_or_create(&peer::DynamicLabels {
                    method: m.into(),
                    status: s.into(),
                })
                .inc();
        });

        let recorder = peer::metrics_recorder();
        let register = |m: &str, s: &str| {
            let labels = vec![
                metrics::Label::new("method", m.to_owned()),
                metrics::Label::new("status", s.to_owned()),
            ];
            let key = metrics::Key::from_parts("bench_requests_total", labels);
            metrics::Recorder::register_counter(&recorder, &key, &peer::METADATA)
        };
        for m in METHODS {
            for s in STATUSES {
                register(m, s).increment(1);
            }
        }
        bench(&mut group, "metrics", threads, || {
            let (m, s) = black_box(("POST", "404"));
            register(m, s).increment(1)
        });

        let measured = measured::CounterVec::with_label_set(peer::MeasuredDynamicSet::new());
        for m in METHODS {
            for s in STATUSES {
                measured.inc(peer::MeasuredDynamic {
                    method: m,
                    status: s,
                });
            }
        }
        bench(&mut group, "measured", threads, || {
            let (method, status) = black_box(("POST", "404"));
            measured.inc(peer::MeasuredDynamic { method, status })
        });
        group.finish();
    }
}

/// The next position in a cycle of `len`, per thread. Each thread starts at its own place,
/// so that two threads do not walk the same series in step.
#[inline(always)]
fn next_in_cycle(len: usize) -> usize {
    static STARTS: AtomicUsize = AtomicUsize::new(0);
    thread_local!(static AT: Cell<usize> = Cell::new(STARTS.fetch_add(7_919, Ordering::Relaxed)));
    AT.with(|at| {
        let mut i = at.get() + 1;
        if i >= len {
            // No division on the common path: it would cost every crate a few ns alike.
            i = if i - len < len { i - len } else { i % len };
        }
        at.set(i);
        i
    })
}

/// What services do: a lookup and `inc` that moves from series to series. Each iteration
/// takes the next label set of a fixed shuffled order over `s` pre-filled series with 2 string
/// labels (route and status), so that no crate is measured on one series it keeps at hand.
fn labeled_dynamic_cycle(c: &mut Criterion) {
    for (name, s, threads) in [
        ("labeled_dynamic_cycle_8", 8, 1),
        ("labeled_dynamic_cycle_32", 32, 1),
        ("labeled_dynamic_cycle_256", 256, 1),
        ("labeled_dynamic_cycle_10000", 10_000, 1),
        ("labeled_dynamic_cycle_100000", 100_000, 1),
        ("labeled_dynamic_cycle_256_2threads", 256, 2),
    ] {
        let sets = shuffled_label_sets(s);
        let sets = &sets;
        let next = || &sets[next_in_cycle(sets.len())];
        let mut group = c.benchmark_group(name);

        let ours: Family<DynLabels, Counter> = Registry::new().family(
            Opts::new("bench_requests_total", "Requests.")
                .labels(&["route", "status"])
                .series_limit(s),
        );
        for (route, status) in sets {
            ours.with_label_values(&[route, status]).inc();
        }
        bench(&mut group, "ours", threads, || {
            let (route, status) = next();
            ours.with_label_values(black_box(&[route, status])).inc()
        });
        drop(ours);

        let prom = prometheus::IntCounterVec::new(
            prometheus::Opts::new("bench_requests_total", "Requests."),
            &["route", "status"],
        )
        .unwrap();
        for (route, status) in sets {
            prom.with_label_values(&[route, status]).inc();
        }
        bench(&mut group, "prometheus", threads, || {
            let (route, status) = next();
            prom.with_label_values(black_box(&[route, status])).inc()
        });
        drop(prom);

        let client = prometheus_client::metrics::family::Family::<
            peer::RouteLabels,
            prometheus_client::metrics::counter::Counter,
        >::default();
        for (route, status) in sets {
            client
                .get_or_create(&peer::RouteLabels {
                    route: route.clone(),
                    status: status.clone(),
                })
                .inc();
        }
        bench(&mut group, "prometheus_client", threads, || {
            let (route, status) = black_box(next());
            client
                .get_or_create(&peer::RouteLabels {
                    route: route.clone(),
                    status: status.clone(),
                })
                .inc();
        });
        drop(client);

        let recorder = peer::metrics_recorder();
        let register = |route: &str, status: &str| {
            let labels = vec![
                metrics::Label::new("route", route.to_owned()),
                metrics::Label::new("status", status.to_owned()),
            ];
            let key = metrics::Key::from_parts("bench_requests_total", labels);
            metrics::Recorder::register_counter(&recorder, &key, &peer::METADATA)
        };
        for (route, status) in sets {
            register(route, status).increment(1);
        }
        bench(&mut group, "metrics", threads, || {
            let (route, status) = black_box(next());
            register(route, status).increment(1)
        });
        drop(recorder);

        let measured = measured::CounterVec::with_label_set(peer::MeasuredRouteSet::new());
        for (route, status) in sets {
            measured.inc(peer::MeasuredRoute { route, status });
        }
        bench(&mut group, "measured", threads, || {
            let (route, status) = black_box(next());
            measured.inc(peer::MeasuredRoute { route, status })
        });
        group.finish();
    }
}

fn labeled_fixed_inc(c: &mut Criterion) {
    let mut group = c.benchmark_group("labeled_fixed_inc");
    let ours: Family<(Method, Class), Counter> = Registry::new()
        .family(Opts::new("bench_requests_total", "Requests.").labels(&["method", "class"]));
    let labels = (Method::Post, Class::ServerError);
    bench(&mut group, "ours", 1, || ours.get(black_box(&labels)).inc());

    let client = prometheus_client::metrics::family::Family::<
        peer::FixedLabels,
        prometheus_client::metrics::counter::Counter,
    >::default();
    let fixed = peer::FixedLabels {
        method: peer::Method::Post,
        class: peer::Class::ServerError,
    };
    client.get_or_create(&fixed).inc();
    bench(&mut group, "prometheus_client", 1, || {
        client.get_or_create(black_box(&fixed)).inc();
    });

    let measured = measured::CounterVec::<peer::MeasuredFixedSet>::dense();
    let fixed = peer::MeasuredFixed {
        method: peer::MeasuredMethod::Post,
        class: peer::MeasuredClass::ServerError,
    };
    bench(&mut group, "measured", 1, || measured.inc(black_box(fixed)));
    group.finish();
}

fn histogram_observe(c: &mut Criterion) {
    let values = spread_values();
    for (name, threads) in [("histogram_observe", 1), ("histogram_observe_2threads", 2)] {
        let mut group = c.benchmark_group(name);
        // Each thread walks the values with its own index, so that the index costs nothing shared.
        thread_local!(static I: std::cell::Cell<usize> = const { std::cell::Cell::new(0) });
        let value = || {
            I.with(|i| {
                i.set(i.get().wrapping_add(1));
                values[i.get() % values.len()]
            })
        };

        let ours = Registry::new().histogram("bench_seconds", "Bench.", Buckets::default());
        bench(&mut group, "ours", threads, || {
            ours.observe(black_box(value()))
        });

        let prom = prometheus::Histogram::with_opts(prometheus::HistogramOpts::new(
            "bench_seconds",
            "Bench.",
        ))
        .unwrap();
        bench(&mut group, "prometheus", threads, || {
            prom.observe(black_box(value()))
        });

        let client =
            prometheus_client::metrics::histogram::Histogram::new(DEFAULT_BUCKETS.iter().copied());
        bench(&mut group, "prometheus_client", threads, || {
            client.observe(black_box(value()))
        });

        let recorder = peer::metrics_recorder();
        let histogram = metrics::Recorder::register_histogram(
            &recorder,
            &peer::metrics_key("bench_seconds"),
            &peer::METADATA,
        );
        let handle = recorder.handle();
        bench(&mut group, "metrics", threads, || {
            histogram.record(black_box(value()))
        });
        // The exporter buffers raw samples until a scrape; drain them.
        black_box(handle.render().len());

        let thresholds = measured::metric::histogram::Thresholds::with_buckets(DEFAULT_BUCKETS);
        let measured = measured::Histogram::<11>::with_metadata(thresholds);
        bench(&mut group, "measured", threads, || {
            measured.get_metric().observe(black_box(value()))
        });
        group.finish();
    }
}

fn encode_text(c: &mut Criterion) {
    let mut group = c.benchmark_group("encode_text");
    group.sample_size(20);

    let ours = encode_registry();
    let mut buf = Vec::with_capacity(4 << 20);
    group.bench_function("ours", |b| {
        b.iter(|| {
            buf.clear();
            ours.encode(Format::Text, &mut buf);
            black_box(buf.len())
        })
    });

    let values = spread_values();
    let route = |i: usize| format!("/api/v1/resource_{i}");

    let registry = prometheus::Registry::new();
    let counters = prometheus::IntCounterVec::new(
        prometheus::Opts::new("bench_requests_total", "Requests."),
        &["route", "status"],
    )
    .unwrap();
    let histograms = prometheus::HistogramVec::new(
        prometheus::HistogramOpts::new("bench_request_duration_seconds", "Latency."),
        &["route", "method"],
    )
    .unwrap();
    registry.register(Box::new(counters.clone())).unwrap();
    registry.register(Box::new(histograms.clone())).unwrap();
    for i in 0..10_000 {
        counters
            .with_label_values(&[&route(i / 10), &(200 + i % 10).to_string()])
            .inc_by(i as u64);
    }
    for i in 0..1_000 {
        let h = histograms.with_label_values(&[&route(i), "GET"]);
        values
            .iter()
            .for_each(|v| h.observe(v * (1.0 + i as f64 / 1000.0)));
    }
    let encoder = prometheus::TextEncoder::new();
    group.bench_function("prometheus", |b| {
        b.iter(|| {
            buf.clear();
            prometheus::Encoder::encode(&encoder, &registry.gather(), &mut buf).unwrap();
            black_box(buf.len())
        })
    });

    #[derive(Clone, Debug, Hash, PartialEq, Eq, prometheus_client::encoding::EncodeLabelSet)]
    struct CounterLabels {
        route: String,
        status: String,
    }
    #[derive(Clone, Debug, Hash, PartialEq, Eq, prometheus_client::encoding::EncodeLabelSet)]
    struct HistogramLabels {
        route: String,
        method: String,
    }
    let mut registry = prometheus_client::registry::Registry::default();
    let counters = prometheus_client::metrics::family::Family::<
        CounterLabels,
        prometheus_client::metrics::counter::Counter,
    >::default();
    let histograms = prometheus_client::metrics::family::Family::<
        HistogramLabels,
        prometheus_client::metrics::histogram::Histogram,
    >::new_with_constructor(|| {
        prometheus_client::metrics::histogram::Histogram::new(DEFAULT_BUCKETS.iter().copied())
    });
    registry.register("bench_requests", "Requests.", counters.clone());
    registry.register(
        "bench_request_duration_seconds",
        "Latency.",
        histograms.clone(),
    );
    for i in 0..10_000 {
        let labels = CounterLabels {
            route: route(i / 10),
            status: (200 + i % 10).to_string(),
        };
        counters.get_or_create(&labels).inc_by(i as u64);
    }
    for i in 0..1_000 {
        let h = histograms.get_or_create(&HistogramLabels {
            route: route(i),
            method: "GET".into(),
        });
        values
            .iter()
            .for_each(|v| h.observe(v * (1.0 + i as f64 / 1000.0)));
    }
    let mut text = String::with_capacity(4 << 20);
    group.bench_function("prometheus_client", |b| {
        b.iter(|| {
            text.clear();
            prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
            black_box(text.len())
        })
    });

    let recorder = peer::metrics_recorder();
    let handle = recorder.handle();
    for i in 0..10_000 {
        let labels = vec![
            metrics::Label::new("route", route(i / 10)),
            metrics::Label::new("status", (200 + i % 10).to_string()),
        ];
        let key = metrics::Key::from_parts("bench_requests_total", labels);
        metrics::Recorder::register_counter(&recorder, &key, &peer::METADATA).increment(i as u64);
    }
    for i in 0..1_000 {
        let labels = vec![
            metrics::Label::new("route", route(i)),
            metrics::Label::new("method", "GET"),
        ];
        let key = metrics::Key::from_parts("bench_request_duration_seconds", labels);
        let h = metrics::Recorder::register_histogram(&recorder, &key, &peer::METADATA);
        values
            .iter()
            .for_each(|v| h.record(v * (1.0 + i as f64 / 1000.0)));
    }
    group.bench_function("metrics", |b| b.iter(|| black_box(handle.render().len())));
    group.finish();
}

/// A summary's observe: ours (quantiles from native-histogram buckets over a sliding window)
/// against metrics-exporter-prometheus, which renders a histogram as a summary unless told
/// buckets (its observe buffers the raw value; the quantiles are made at the scrape). The
/// same 12 values as `histogram_observe` (a best case: 12 buckets), and 4 096 values spread
/// evenly in log scale from 1 ms to 10 s (what latencies do: hundreds of buckets, more than a
/// thread's own cells hold). Then the scrape of 100 series, each holding 10 000
/// observations: `encode` against `render`.
fn summary(c: &mut Criterion) {
    let few = spread_values();
    let spread: Vec<f64> = (0..4096)
        .map(|i| 1e-3 * 10f64.powf(4.0 * f64::from(i) / 4096.0))
        .collect();
    let spread = {
        // Visited in a scattered order, not ascending (an odd multiplier permutes 0..4096).
        let mut shuffled = spread.clone();
        for (i, slot) in shuffled.iter_mut().enumerate() {
            *slot = spread[(i * 2_654_435_761) % spread.len()];
        }
        shuffled
    };
    thread_local!(static I: std::cell::Cell<usize> = const { std::cell::Cell::new(0) });
    let quantiles = metrics_core::Quantiles::new([0.5, 0.9, 0.99]).unwrap();
    for (name, threads, values) in [
        ("summary_observe", 1, &few),
        ("summary_observe_2threads", 2, &few),
        ("summary_observe_spread", 1, &spread),
        ("summary_observe_spread_2threads", 2, &spread),
    ] {
        let value = || {
            I.with(|i| {
                i.set(i.get().wrapping_add(1));
                values[i.get() % values.len()]
            })
        };
        let mut group = c.benchmark_group(name);
        let ours = Registry::new().summary("bench_seconds", "Bench.", quantiles.clone());
        bench(&mut group, "ours", threads, || {
            ours.observe(black_box(value()))
        });
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let summary = metrics::Recorder::register_histogram(
            &recorder,
            &peer::metrics_key("bench_seconds"),
            &peer::METADATA,
        );
        let handle = recorder.handle();
        bench(&mut group, "metrics", threads, || {
            summary.record(black_box(value()))
        });
        black_box(handle.render().len());
        group.finish();
    }

    let mut group = c.benchmark_group("summary_encode_100");
    group.sample_size(20);
    let registry = Registry::new();
    let ours: Family<DynLabels, metrics_core::Summary> = registry.family_with(
        Opts::new("bench_seconds", "Bench.").labels(&["route"]),
        quantiles,
    );
    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    for series in 0..100 {
        let route = format!("/route/{series}");
        let key = metrics::Key::from_parts(
            "bench_seconds",
            vec![metrics::Label::new("route", route.clone())],
        );
        let theirs = metrics::Recorder::register_histogram(&recorder, &key, &peer::METADATA);
        let ours = ours.with_label_values(&[&route]);
        for i in 0..10_000 {
            let v = spread[(i * 7 + series) % spread.len()];
            ours.observe(v);
            theirs.record(v);
        }
    }
    let handle = recorder.handle();
    let mut out = Vec::new();
    group.bench_function("ours", |b| {
        b.iter(|| {
            out.clear();
            registry.encode(Format::Text, &mut out);
            black_box(out.len())
        })
    });
    group.bench_function("metrics", |b| b.iter(|| black_box(handle.render().len())));
    group.finish();
}

/// The `metrics` facade: what `counter!("bench_requests_total", "route" => .., "status" =>
/// ..).increment(1)` does, called each time as most code calls it (a static key, the
/// recorder asked for the handle every time), with a kept handle, and over 256 label sets
/// visited in turn; ours (`FacadeRecorder`) against metrics-exporter-prometheus.
fn facade_counter(c: &mut Criterion) {
    static LABELS: [metrics::Label; 2] = [
        metrics::Label::from_static_parts("route", "/users/{id}"),
        metrics::Label::from_static_parts("status", "200"),
    ];
    static KEY: metrics::Key = metrics::Key::from_static_parts("bench_requests_total", &LABELS);
    let ours = metrics_core::facade::FacadeRecorder::builder(Registry::new()).build();
    let theirs = peer::metrics_recorder();
    for (name, threads) in [
        ("facade_counter_inc", 1),
        ("facade_counter_inc_2threads", 2),
    ] {
        let mut group = c.benchmark_group(name);
        bench(&mut group, "ours", threads, || {
            metrics::Recorder::register_counter(&ours, black_box(&KEY), &peer::METADATA)
                .increment(1)
        });
        bench(&mut group, "metrics", threads, || {
            metrics::Recorder::register_counter(&theirs, black_box(&KEY), &peer::METADATA)
                .increment(1)
        });
        group.finish();
    }
    for (name, threads) in [
        ("facade_counter_inc_handle", 1),
        ("facade_counter_inc_handle_2threads", 2),
    ] {
        let mut group = c.benchmark_group(name);
        let kept = metrics::Recorder::register_counter(&ours, &KEY, &peer::METADATA);
        bench(&mut group, "ours", threads, || {
            black_box(&kept).increment(1)
        });
        let kept = metrics::Recorder::register_counter(&theirs, &KEY, &peer::METADATA);
        bench(&mut group, "metrics", threads, || {
            black_box(&kept).increment(1)
        });
        group.finish();
    }
    let sets = shuffled_label_sets(256);
    let keys: Vec<metrics::Key> = sets
        .iter()
        .map(|(route, status)| {
            metrics::Key::from_parts(
                "bench_cycle_total",
                vec![
                    metrics::Label::new("route", route.clone()),
                    metrics::Label::new("status", status.clone()),
                ],
            )
        })
        .collect();
    let keys = &keys;
    for (name, threads) in [
        ("facade_counter_cycle_256", 1),
        ("facade_counter_cycle_256_2threads", 2),
    ] {
        let mut group = c.benchmark_group(name);
        for recorder in [&ours as &dyn metrics::Recorder, &theirs] {
            for key in keys {
                recorder.register_counter(key, &peer::METADATA).increment(1);
            }
        }
        bench(&mut group, "ours", threads, || {
            let key = &keys[next_in_cycle(keys.len())];
            metrics::Recorder::register_counter(&ours, black_box(key), &peer::METADATA).increment(1)
        });
        bench(&mut group, "metrics", threads, || {
            let key = &keys[next_in_cycle(keys.len())];
            metrics::Recorder::register_counter(&theirs, black_box(key), &peer::METADATA)
                .increment(1)
        });
        group.finish();
    }
}

criterion_group!(
    peers,
    counter_inc,
    labeled_dynamic_inc,
    labeled_dynamic_cycle,
    labeled_fixed_inc,
    histogram_observe,
    summary,
    encode_text,
    facade_counter
);
criterion_main!(peers);

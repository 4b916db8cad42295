//! Heap bytes per series: a counter family of 100 000 series with 2 dynamic labels, in ours and
//! in each peer, measured with a counting global allocator. Prints one line per crate:
//! `bytes_per_series <crate> <value>`. Then summaries, ours against metrics-exporter-prometheus
//! (the only peer with one): 100 series, each given 10 000 latencies spread over four powers of
//! ten and scraped once: `summary_bytes_per_series <crate> <value>`.
//!
//! `cargo run --release -p benches --bin memory`

use std::hint::black_box;

use benches::{live_bytes, Counting};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const SERIES: usize = 100_000;

/// The label values of series `i`: 10 000 routes times 10 statuses.
fn labels(i: usize) -> (String, String) {
    (
        format!("/api/v1/resource_{}", i / 10),
        (200 + i % 10).to_string(),
    )
}

/// Heap bytes kept per series by `fill`, which must return what holds the series.
fn per_series<T>(fill: impl FnOnce() -> T) -> f64 {
    let before = live_bytes();
    let kept = fill();
    let after = live_bytes();
    black_box(&kept);
    drop(kept);
    (after - before) as f64 / SERIES as f64
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, prometheus_client::encoding::EncodeLabelSet)]
struct ClientLabels {
    route: String,
    status: String,
}

#[derive(measured::LabelGroup, Clone, Copy)]
#[label(set = MeasuredSet)]
struct MeasuredLabels<'a> {
    #[label(dynamic_with = lasso::ThreadedRodeo, default)]
    route: &'a str,
    #[label(dynamic_with = lasso::ThreadedRodeo, default)]
    status: &'a str,
}

fn main() {
    use metrics_core::{Counter, DynLabels, Family, Opts, Registry};

    let ours = per_series(|| {
        let registry = Registry::new();
        let family: Family<DynLabels, Counter> = registry.family(
            Opts::new("requests_total", "Requests.")
                .labels(&["route", "status"])
                .series_limit(SERIES),
        );
        for i in 0..SERIES {
            let (route, status) = labels(i);
            family.with_label_values(&[&route, &status]).inc();
        }
        assert_eq!(family.len(), SERIES);
        registry
    });

    let prometheus = per_series(|| {
        let family = prometheus::IntCounterVec::new(
            prometheus::Opts::new("requests_total", "Requests."),
            &["route", "status"],
        )
        .unwrap();
        for i in 0..SERIES {
            let (route, status) = labels(i);
            family.with_label_values(&[&route, &status]).inc();
        }
        family
    });

    let prometheus_client = per_series(|| {
        let family = prometheus_client::metrics::family::Family::<
            ClientLabels,
            prometheus_client::metrics::counter::Counter,
        >::default();
        for i in 0..SERIES {
            let (route, status) = labels(i);
            family.get_or_create(&ClientLabels { route, status }).inc();
        }
        family
    });

    let metrics = per_series(|| {
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        static METADATA: metrics::Metadata<'static> =
            metrics::Metadata::new(module_path!(), metrics::Level::INFO, None);
        for i in 0..SERIES {
            let (route, status) = labels(i);
            let key = metrics::Key::from_parts(
                "requests_total",
                vec![
                    metrics::Label::new("route", route),
                    metrics::Label::new("status", status),
                ],
            );
            metrics::Recorder::register_counter(&recorder, &key, &METADATA).increment(1);
        }
        recorder
    });

    let measured = per_series(|| {
        let family = measured::CounterVec::with_label_set(MeasuredSet::new());
        for i in 0..SERIES {
            let (route, status) = labels(i);
            family.inc(MeasuredLabels {
                route: &route,
                status: &status,
            });
        }
        family
    });

    for (name, bytes) in [
        ("ours", ours),
        ("prometheus", prometheus),
        ("prometheus_client", prometheus_client),
        ("metrics", metrics),
        ("measured", measured),
    ] {
        println!("bytes_per_series {name} {bytes:.1}");
    }
    summaries();
}

const SUMMARIES: usize = 100;

/// Heap bytes per summary series, on this thread alone.
fn summaries() {
    let latency = |i: usize| 1e-3 * 10f64.powf(4.0 * ((i * 2_654_435_761) % 4096) as f64 / 4096.0);
    let before = live_bytes();
    let registry = metrics_core::Registry::new();
    let family: metrics_core::Family<metrics_core::DynLabels, metrics_core::Summary> = registry
        .family_with(
            metrics_core::Opts::new("call_seconds", "Calls.").labels(&["route"]),
            metrics_core::Quantiles::new([0.5, 0.9, 0.99]).unwrap(),
        );
    for series in 0..SUMMARIES {
        let summary = family.with_label_values(&[&format!("/route/{series}")]);
        for i in 0..10_000 {
            summary.observe(latency(i + series));
        }
    }
    let mut out = Vec::new();
    registry.encode(metrics_core::Format::Text, &mut out);
    drop(out);
    let ours = (live_bytes() - before) as f64 / SUMMARIES as f64;
    black_box(&registry);
    drop(registry);

    let before = live_bytes();
    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    static METADATA: metrics::Metadata<'static> =
        metrics::Metadata::new(module_path!(), metrics::Level::INFO, None);
    for series in 0..SUMMARIES {
        let key = metrics::Key::from_parts(
            "call_seconds",
            vec![metrics::Label::new("route", format!("/route/{series}"))],
        );
        let summary = metrics::Recorder::register_histogram(&recorder, &key, &METADATA);
        for i in 0..10_000 {
            summary.record(latency(i + series));
        }
    }
    black_box(recorder.handle().render().len());
    let theirs = (live_bytes() - before) as f64 / SUMMARIES as f64;
    black_box(&recorder);
    println!("summary_bytes_per_series ours {ours:.0}");
    println!("summary_bytes_per_series metrics {theirs:.0}");
}

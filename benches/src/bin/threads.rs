//! Memory and scrape cost as the number of threads grows: the 10 000-counter + 1 000-histogram
//! registry of the encode benches, then T threads alive at once, each updating every series
//! once, as the threads of a service's pool do. With the threads still alive, it counts the
//! heap bytes per series (a counting global allocator, from before the registry was made) and
//! times text encodes. Each case runs in a process of its own, so that no case inherits
//! another's threads or memory. Prints one line per crate and thread count:
//!
//! ```text
//! threads <crate> <T> <bytes_per_series> <encode_ms>
//! ```
//!
//! `cargo run --release -p benches --bin threads [-- T...]`

use std::hint::black_box;
use std::process::Command;
use std::sync::Barrier;
use std::time::Instant;

use benches::{live_bytes, spread_values, Counting};

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const COUNTERS: usize = 10_000;
const HISTOGRAMS: usize = 1_000;
const SERIES: usize = COUNTERS + HISTOGRAMS;
/// Encodes timed per case; the median is printed.
const ENCODES: usize = 15;
const THREAD_COUNTS: [usize; 5] = [1, 4, 16, 64, 256];
const CRATES: [&str; 2] = ["ours", "prometheus_client"];

/// The counters' and histograms' label values, as `encode_registry` has them.
struct Labels {
    counters: Vec<(String, String)>,
    histograms: Vec<String>,
}

impl Labels {
    fn new() -> Labels {
        Labels {
            counters: (0..COUNTERS)
                .map(|i| {
                    (
                        format!("/api/v1/resource_{}", i / 10),
                        (200 + i % 10).to_string(),
                    )
                })
                .collect(),
            histograms: (0..HISTOGRAMS)
                .map(|i| format!("/api/v1/resource_{i}"))
                .collect(),
        }
    }
}

/// What a case measures: `update` runs on each of `threads` threads, then, with all of them
/// still alive, the heap is counted and `encode` timed.
fn measure(threads: usize, before: isize, update: impl Fn() + Sync, mut encode: impl FnMut()) {
    let done = Barrier::new(threads + 1);
    let release = Barrier::new(threads + 1);
    let (bytes, encode_ms) = std::thread::scope(|s| {
        for _ in 0..threads {
            std::thread::Builder::new()
                .stack_size(256 << 10)
                .spawn_scoped(s, || {
                    update();
                    done.wait();
                    release.wait();
                })
                .expect("a thread");
        }
        done.wait();
        let bytes = (live_bytes() - before) as f64 / SERIES as f64;
        let mut times: Vec<f64> = (0..ENCODES)
            .map(|_| {
                let start = Instant::now();
                encode();
                start.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        times.sort_by(f64::total_cmp);
        release.wait();
        (bytes, times[ENCODES / 2])
    });
    println!("{bytes:.0} {encode_ms:.3}");
}

fn ours(threads: usize) {
    use metrics_core::{Counter, DynLabels, Family, Format, Histogram, Opts, Registry};

    let labels = Labels::new();
    let values = spread_values();
    let mut buf = Vec::with_capacity(4 << 20);
    let before = live_bytes();
    let registry = Registry::new();
    let counters: Family<DynLabels, Counter> = registry.family(
        Opts::new("bench_requests_total", "Requests.")
            .labels(&["route", "status"])
            .series_limit(SERIES),
    );
    let histograms: Family<DynLabels, Histogram> = registry.family(
        Opts::new("bench_request_duration_seconds", "Latency.")
            .labels(&["route", "method"])
            .series_limit(SERIES),
    );
    for (i, (route, status)) in labels.counters.iter().enumerate() {
        counters
            .with_label_values(&[route, status])
            .inc_by(i as u64);
    }
    for route in &labels.histograms {
        let series = histograms.with_label_values(&[route, "GET"]);
        values.iter().for_each(|&v| series.observe(v));
    }
    let update = || {
        for (route, status) in &labels.counters {
            counters.with_label_values(&[route, status]).inc();
        }
        for route in &labels.histograms {
            histograms.with_label_values(&[route, "GET"]).observe(0.1);
        }
    };
    let encode = || {
        buf.clear();
        registry.encode(Format::Text, &mut buf);
        black_box(buf.len());
    };
    measure(threads, before, update, encode);
}

fn prometheus_client(threads: usize) {
    use prometheus_client::encoding::EncodeLabelSet;
    use prometheus_client::metrics::{counter::Counter, family::Family, histogram::Histogram};

    #[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
    struct CounterLabels {
        route: String,
        status: String,
    }
    #[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
    struct HistogramLabels {
        route: String,
        method: String,
    }

    let labels = Labels::new();
    let values = spread_values();
    let mut text = String::with_capacity(4 << 20);
    let before = live_bytes();
    let mut registry = prometheus_client::registry::Registry::default();
    let counters = Family::<CounterLabels, Counter>::default();
    let histograms = Family::<HistogramLabels, Histogram>::new_with_constructor(|| {
        Histogram::new(metrics_core::DEFAULT_BUCKETS.iter().copied())
    });
    registry.register("bench_requests", "Requests.", counters.clone());
    registry.register(
        "bench_request_duration_seconds",
        "Latency.",
        histograms.clone(),
    );
    let counter_labels = |route: &String, status: &String| CounterLabels {
        route: route.clone(),
        status: status.clone(),
    };
    let histogram_labels = |route: &String| HistogramLabels {
        route: route.clone(),
        method: "GET".into(),
    };
    for (i, (route, status)) in labels.counters.iter().enumerate() {
        counters
            .get_or_create(&counter_labels(route, status))
            .inc_by(i as u64);
    }
    for route in &labels.histograms {
        let series = histograms.get_or_create(&histogram_labels(route));
        values.iter().for_each(|&v| series.observe(v));
    }
    let update = || {
        for (route, status) in &labels.counters {
            counters.get_or_create(&counter_labels(route, status)).inc();
        }
        for route in &labels.histograms {
            histograms
                .get_or_create(&histogram_labels(route))
                .observe(0.1);
        }
    };
    let encode = || {
        text.clear();
        prometheus_client::encoding::text::encode(&mut text, &registry).expect("encodes");
        black_box(text.len());
    };
    measure(threads, before, update, encode);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, krate, threads] = &args[..] {
        if flag == "--case" {
            let threads = threads.parse().expect("a thread count");
            match krate.as_str() {
                "ours" => ours(threads),
                "prometheus_client" => prometheus_client(threads),
                other => panic!("unknown crate {other}"),
            }
            return;
        }
    }
    let counts: Vec<usize> = match args.get(1..) {
        Some(rest) if !rest.is_empty() => rest
            .iter()
            .map(|t| t.parse().expect("thread counts"))
            .collect(),
        _ => THREAD_COUNTS.to_vec(),
    };
    let me = std::env::current_exe().expect("this binary's path");
    for krate in CRATES {
        for &threads in &counts {
            let out = Command::new(&me)
                .args(["--case", krate, &threads.to_string()])
                .output()
                .expect("runs a case");
            assert!(out.status.success(), "{krate} {threads}: {out:?}");
            let line = String::from_utf8_lossy(&out.stdout);
            println!("threads {krate} {threads} {}", line.trim());
        }
    }
}

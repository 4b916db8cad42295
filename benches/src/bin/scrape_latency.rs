//! Scrape latency of the standalone exporter serving the 10 000 counter + 1 000 histogram
//! registry of the encode benches, over loopback HTTP: one scraper at a time, then 16 at
//! once, each while 2 threads keep updating the metrics. Prints one line per case:
//!
//! ```text
//! scrape_latency <case> scrapes=<n> median_ms=<m> p99_ms=<p> bytes=<body size>
//! ```
//!
//! `cargo run --release -p benches --bin scrape_latency`

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use metrics_core::{Counter, DynLabels, Family, Histogram, Opts};
use metrics_http::{Exporter, ProcessMetrics};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let registry = benches::encode_registry();
    // Handles onto the same families, for the writers.
    let counters: Family<DynLabels, Counter> = registry
        .family(Opts::new("bench_requests_total", "Requests.").labels(&["route", "status"]));
    let histograms: Family<DynLabels, Histogram> = registry.family(
        Opts::new("bench_request_duration_seconds", "Latency.").labels(&["route", "method"]),
    );
    let exporter = Exporter::builder()
        .bind("127.0.0.1:0")
        .registry(registry.clone())
        .process_metrics(ProcessMetrics::Skip)
        .build()?;
    let addr = exporter.local_addr();
    let _running = exporter.start()?;

    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..2u64)
        .map(|t| {
            let (counters, histograms, stop) = (counters.clone(), histograms.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut n = t;
                while !stop.load(Ordering::Relaxed) {
                    counters
                        .with_label_values(&["/api/v1/resource_1", "201"])
                        .inc();
                    histograms
                        .with_label_values(&["/api/v1/resource_1", "GET"])
                        .observe((n % 100) as f64 * 1e-3);
                    n += 1;
                    if n % 1024 == 0 {
                        std::thread::sleep(Duration::from_micros(50));
                    }
                }
            })
        })
        .collect();

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    for (case, clients, per_client) in [("1_client", 1, 500), ("16_clients", 16, 125)] {
        let started = Instant::now();
        let results = runtime.block_on(async move {
            let tasks: Vec<_> = (0..clients)
                .map(|_| {
                    tokio::spawn(async move {
                        let client =
                            Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
                        let mut timings = Vec::with_capacity(per_client);
                        let mut size = 0;
                        for _ in 0..per_client {
                            let request = Request::get(format!("http://{addr}/metrics"))
                                .body(Empty::new())
                                .expect("a valid request");
                            let start = Instant::now();
                            let response =
                                client.request(request).await.expect("the exporter answers");
                            assert_eq!(response.status(), 200);
                            size = response
                                .into_body()
                                .collect()
                                .await
                                .expect("a whole body")
                                .to_bytes()
                                .len();
                            timings.push(start.elapsed());
                        }
                        (timings, size)
                    })
                })
                .collect();
            let mut all = Vec::new();
            let mut size = 0;
            for task in tasks {
                let (timings, s) = task.await.expect("no client failed");
                all.extend(timings);
                size = s;
            }
            (all, size)
        });
        let (mut timings, size) = results;
        timings.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let median = timings[timings.len() / 2];
        let p99 = timings[(timings.len() * 99).div_ceil(100) - 1];
        println!(
            "scrape_latency {case} scrapes={} median_ms={:.2} p99_ms={:.2} bytes={size} wall_s={:.2}",
            timings.len(),
            ms(median),
            ms(p99),
            started.elapsed().as_secs_f64()
        );
    }
    stop.store(true, Ordering::Relaxed);
    for writer in writers {
        writer.join().expect("writers do not panic");
    }
    Ok(())
}

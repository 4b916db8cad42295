//! OpenTelemetry's semantic-convention names, served as they are to Prometheus 3 and escaped
//! for every scraper that does not ask for them.
//!
//! ```text
//! cargo run -p examples --example utf8_names
//! # Prometheus 3 asks for the names as they are:
//! curl -s -H 'Accept: text/plain;version=1.0.0;escaping=allow-utf-8' localhost:9090/metrics
//! # Prometheus 2 (and curl) ask for nothing, and get them escaped with underscores:
//! curl -s localhost:9090/metrics
//! ```
//!
//! The registry takes UTF-8 names (`NameValidation::Utf8`); the exporter answers each scrape
//! in the escaping scheme its `Accept` header names (`allow-utf-8`, `underscores`, `dots`,
//! `values`), `underscores` when it names none.

use std::thread;
use std::time::Duration;

use metrics_core::{Buckets, DynLabels, Family, Gauge, Histogram, NameValidation, Opts, Registry};
use metrics_http::Exporter;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let registry = Registry::builder()
        .name_validation(NameValidation::Utf8)
        .build()?;
    // https://opentelemetry.io/docs/specs/semconv/http/http-metrics/
    let duration: Family<DynLabels, Histogram> = registry.try_family_with(
        Opts::new(
            "http.server.request.duration",
            "Duration of HTTP server requests.",
        )
        .unit("seconds")
        .labels(&[
            "http.request.method",
            "http.route",
            "http.response.status_code",
        ]),
        Buckets::new([0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0])?,
    )?;
    let active: Family<DynLabels, Gauge> = registry.try_family(
        Opts::new(
            "http.server.active_requests",
            "Number of active HTTP server requests.",
        )
        .labels(&["http.request.method"]),
    )?;

    let exporter = Exporter::builder()
        .bind(examples::listen_addr())
        .registry(registry)
        .build()?;
    println!(
        "serving metrics on http://{}/metrics",
        exporter.local_addr()
    );
    let _running = exporter.start()?;

    // Simulated traffic: a request every few milliseconds, one in nine not found.
    let routes = ["/users/{id}", "/orders"];
    for n in 0u64.. {
        let method = if n % 4 == 0 { "POST" } else { "GET" };
        let in_flight = active.with_label_values(&[method]);
        in_flight.inc();
        let seconds = (1 + (n * 7) % 60) as f64 / 1000.0;
        thread::sleep(Duration::from_secs_f64(seconds));
        let status = if n % 9 == 0 { "404" } else { "200" };
        duration
            .with_label_values(&[method, routes[(n % 2) as usize], status])
            .observe(seconds);
        in_flight.dec();
    }
    Ok(())
}

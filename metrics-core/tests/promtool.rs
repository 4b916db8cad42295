//! The real parser judges our text output: `promtool check metrics` (Debian package
//! `prometheus`) must accept it and report no problem.
//!
//! With `CI` set, a missing `promtool` fails the test; otherwise the test says loudly that it
//! skipped.

use std::io::Write;
use std::process::{Command, Stdio};

use metrics_core::{
    Buckets, Counter, DynLabels, Family, Format, Gauge, Histogram, Opts, ProcessCollector,
    Quantiles, Registry, Summary,
};

mod common;

#[test]
fn promtool_accepts_our_exposition() {
    let Some(promtool) = common::require("promtool", "prometheus") else {
        return;
    };
    let registry = Registry::builder()
        .const_label("service", "checkout")
        .build()
        .unwrap();
    registry.register_collector(ProcessCollector::new());
    let requests: Family<DynLabels, Counter> = registry.family(
        Opts::new(
            "http_requests_total",
            "HTTP requests.\nBy method and route.",
        )
        .labels(&["method", "route"])
        .series_limit(3),
    );
    for (method, route) in [
        ("GET", "/users/{id}"),
        ("POST", "/a\"quoted\\path"),
        ("GET", "/ü\n"),
    ] {
        requests.with_label_values(&[method, route]).inc_by(7);
    }
    requests
        .with_label_values(&["PUT", "/over/the/limit"])
        .inc();
    let latency: Family<DynLabels, Histogram> = registry.family_with(
        Opts::new("http_request_duration_seconds", "Latency.").labels(&["route"]),
        Buckets::default(),
    );
    for v in [0.001, 0.2, 3.0, 60.0] {
        latency.with_label_values(&["/users/{id}"]).observe(v);
    }
    let temperature: Family<DynLabels, Gauge> = registry
        .family(Opts::new("sensor_temperature_celsius", "Temperature.").labels(&["sensor"]));
    temperature.with_label_values(&["a"]).set(f64::NAN);
    temperature.with_label_values(&["b"]).set(f64::NEG_INFINITY);
    temperature.with_label_values(&["c"]).set(-1.5e-9);
    registry
        .counter("cpu_seconds_total", "CPU.")
        .inc_by_f64(0.125);

    let rpc: Family<DynLabels, Summary> = registry.family_with(
        Opts::new("rpc_duration_seconds", "RPC latency.").labels(&["method"]),
        Quantiles::new([0.5, 0.9, 0.99]).unwrap(),
    );
    for v in [0.002, 0.01, 0.3] {
        rpc.with_label_values(&["users"]).observe(v);
    }
    rpc.with_label_values(&["empty"]); // NaN quantiles

    let mut body = Vec::new();
    registry.encode(Format::Text, &mut body);
    assert!(String::from_utf8_lossy(&body).contains("# TYPE rpc_duration_seconds summary"));
    let mut child = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&body).unwrap();
    let output = child.wait_with_output().unwrap();
    let report = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "promtool failed:\n{report}\n---\n{}",
        String::from_utf8_lossy(&body)
    );
    assert_eq!(report.trim(), "", "promtool reported problems");
}

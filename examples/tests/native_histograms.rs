//! End to end: the Debian `prometheus` with `--enable-feature=native-histograms` scrapes
//! our exporter (protobuf, negotiated) and answers `histogram_count`, `histogram_sum` and
//! `histogram_quantile` over the native series with the values they must have.
//!
//! With `CI` set, a missing binary fails the test; otherwise it says loudly that it skipped.

mod common;

use common::prometheus::Prometheus;
use metrics_core::{Buckets, DynLabels, Family, Histogram, NativeBuckets, Opts, Registry};
use metrics_http::{Exporter, ProcessMetrics};

#[test]
fn prometheus_reads_native_histograms() {
    let Some(binary) = common::require("prometheus", "prometheus") else {
        return;
    };
    let registry = Registry::new();
    // Schema 0: buckets (2^(k-1), 2^k].
    let native = NativeBuckets::with_schema(0).unwrap();
    let only = registry.histogram(
        "e2e_native_seconds",
        "Native only.",
        Buckets::native_only(native.clone()),
    );
    let both: Family<DynLabels, Histogram> = registry.family_with(
        Opts::new("e2e_both_seconds", "Classic and native.").labels(&["route"]),
        Buckets::new([1.0, 5.0]).unwrap().native(native),
    );
    // 5 in (0.5, 1], 3 in (2, 4], 2 in (8, 16].
    for (v, n) in [(1.0, 5), (3.0, 3), (10.0, 2)] {
        for _ in 0..n {
            only.observe(v);
            both.with_label_values(&["/a"]).observe(v);
        }
    }
    let exporter = Exporter::builder()
        .bind("127.0.0.1:0")
        .registry(registry)
        .process_metrics(ProcessMetrics::Skip)
        .build()
        .unwrap();
    let addr = exporter.local_addr();
    let _running = exporter.start().unwrap();
    let prometheus = Prometheus::start(
        binary,
        &format!("  - job_name: native\n    static_configs:\n      - targets: ['{addr}']\n"),
        &["--enable-feature=native-histograms"],
    );

    let value = |promql: &str| {
        let result = prometheus.query_until(promql, |r| r.len() == 1);
        result[0].1
    };
    for series in ["e2e_native_seconds", "e2e_both_seconds{route=\"/a\"}"] {
        assert_eq!(
            value(&format!("histogram_count({series})")),
            10.0,
            "{series}"
        );
        assert_eq!(
            value(&format!("histogram_sum({series})")),
            5.0 + 9.0 + 20.0,
            "{series}"
        );
        // Rank 9 of 10 is the first of the two observations in (8, 16]: halfway through
        // it, linearly (Prometheus 2.x: 12) or exponentially (3.x: 8 * 2^0.5).
        let p90 = value(&format!("histogram_quantile(0.9, {series})"));
        assert!(
            p90 == 12.0 || (p90 - 8.0 * 2f64.sqrt()).abs() < 1e-9,
            "{series}: p90 = {p90}"
        );
        // Rank 2.5 of 10 is in (0.5, 1], which holds 5.
        let p25 = value(&format!("histogram_quantile(0.25, {series})"));
        assert!(p25 > 0.5 && p25 <= 1.0, "{series}: p25 = {p25}");
    }
    // Native series are one series, not _bucket series: nothing classic was stored for the
    // native-only histogram.
    assert!(prometheus.query("e2e_native_seconds_bucket").is_empty());
}

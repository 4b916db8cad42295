//! End to end: a remote write into the Debian `prometheus` started with
//! `--web.enable-remote-write-receiver`; `/api/v1/query` must return the exact counter,
//! gauge and histogram bucket values, with the external labels.
//!
//! With `CI` set, a missing binary fails the test; otherwise it says loudly that it skipped.

mod common;

use common::prometheus::Prometheus;
use metrics_core::{Buckets, Counter, DynLabels, Family, Opts, Registry};
use metrics_http::RemoteWrite;

#[test]
fn prometheus_stores_exactly_what_was_written() {
    let Some(binary) = common::require("prometheus", "prometheus") else {
        return;
    };
    let prometheus = Prometheus::start(binary, "", &["--web.enable-remote-write-receiver"]);

    let registry = Registry::new();
    let rows: Family<DynLabels, Counter> =
        registry.family(Opts::new("etl_rows_total", "Rows loaded.").labels(&["table"]));
    rows.with_label_values(&["orders"]).inc_by(1200);
    rows.with_label_values(&["users \"quoted\""]).inc_by(7);
    registry.gauge("etl_lag_seconds", "Lag.").set(-2.5);
    let steps = registry.histogram(
        "etl_step_seconds",
        "Step time.",
        Buckets::new([0.1, 1.0]).unwrap(),
    );
    for v in [0.05, 0.5, 0.5, 3.0] {
        steps.observe(v);
    }

    let writer = RemoteWrite::builder(format!("http://127.0.0.1:{}/api/v1/write", prometheus.port))
        .tenant("team-a")
        .external_label("job", "etl")
        .external_label("instance", "host-1")
        .build()
        .unwrap();
    writer.write_blocking(&registry).unwrap();

    let one = |promql: &str| {
        let result = prometheus.query_until(promql, |r| r.len() == 1);
        let (labels, value) = &result[0];
        assert_eq!(labels["job"], "etl", "{promql}");
        assert_eq!(labels["instance"], "host-1", "{promql}");
        *value
    };
    assert_eq!(one("etl_rows_total{table=\"orders\"}"), 1200.0);
    assert_eq!(one("etl_rows_total{table=\"users \\\"quoted\\\"\"}"), 7.0);
    assert_eq!(one("etl_lag_seconds"), -2.5);
    assert_eq!(one("etl_step_seconds_bucket{le=\"0.1\"}"), 1.0);
    assert_eq!(one("etl_step_seconds_bucket{le=\"1\"}"), 3.0);
    assert_eq!(one("etl_step_seconds_bucket{le=\"+Inf\"}"), 4.0);
    assert_eq!(one("etl_step_seconds_count"), 4.0);
    assert_eq!(one("etl_step_seconds_sum"), 0.05 + 0.5 + 0.5 + 3.0);
    // Everything written arrived as one scrape would: one timestamp.
    // (timestamp() drops the name; keep it in a label so that the series stay distinct.)
    let stamps =
        "timestamp(label_replace({job=\"etl\"}, \"name\", \"$1\", \"__name__\", \"(.+)\"))";
    let spread = prometheus.query(&format!("max({stamps}) - min({stamps})"));
    assert_eq!(spread.len(), 1);
    assert_eq!(spread[0].1, 0.0, "one timestamp for every series");
    let series = prometheus.query("count({job=\"etl\"})");
    assert_eq!(
        series[0].1,
        2.0 + 1.0 + 5.0,
        "two counters, a gauge, five histogram series"
    );
}

//! End to end: remote writes into the Debian `prometheus` (2.42, a 1.0 receiver) started
//! with `--web.enable-remote-write-receiver`: `/api/v1/query` must return the exact
//! counter, gauge and histogram values, with the external labels; native histograms and
//! exemplars arrive whole; a stopped periodic write ends its series; the automatic mode
//! falls back to 1.0.
//!
//! With `CI` set, a missing binary fails the test; otherwise it says loudly that it skipped.

mod common;

use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::prometheus::{encode_query, get, Prometheus};
use metrics_core::{Buckets, Counter, DynLabels, Family, NativeBuckets, Opts, Registry};
use metrics_http::{PeriodicPush, RemoteWrite, RemoteWriteProtocol};

/// Prometheus as a remote-write receiver, with `features` (`--enable-feature=...`) if any,
/// and the URL to write to; `None` where the binary is missing outside CI.
fn receiver(features: &str) -> Option<(Prometheus, String)> {
    let binary = common::require("prometheus", "prometheus")?;
    let mut args = vec!["--web.enable-remote-write-receiver".to_owned()];
    if !features.is_empty() {
        args.push(format!("--enable-feature={features}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let prometheus = Prometheus::start(binary, "", &args);
    let url = format!("http://127.0.0.1:{}/api/v1/write", prometheus.port);
    Some((prometheus, url))
}

#[test]
fn prometheus_stores_exactly_what_was_written() {
    let Some((prometheus, url)) = receiver("") else {
        return;
    };

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

    let writer = RemoteWrite::builder(url)
        .tenant("team-a")
        .external_label("job", "etl")
        .external_label("instance", "host-1")
        .build()
        .unwrap();
    // The automatic mode tries 2.0 first. Prometheus 2.42 reads any body as 1.0: a 2.0
    // request decodes as an empty one, answered 204 with no written-count headers, which
    // the client takes as a 1.0 receiver and sends the write again as 1.0.
    let written = writer.write_blocking(&registry).unwrap();
    assert_eq!(written.protocol, RemoteWriteProtocol::V1);
    assert_eq!(written.samples, None);
    assert_eq!(writer.protocol(), RemoteWriteProtocol::V1, "remembered");

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
        2.0 + 1.0 + 5.0 + 2.0,
        "two counters, a gauge, five histogram series, and the registry's own series and \
         limit of the labelled family (on by default)"
    );
    assert_eq!(one("metrics_family_series{family=\"etl_rows_total\"}"), 2.0);
}

#[test]
fn native_histograms_exemplars_and_stale_markers_arrive() {
    let Some((prometheus, url)) = receiver("native-histograms,exemplar-storage") else {
        return;
    };

    let registry = Registry::new();
    // Schema 0: buckets (2^(k-1), 2^k]. 5 in (0.5, 1], 3 in (2, 4], 2 in (8, 16].
    let sizes = registry.histogram(
        "job_item_seconds",
        "Item time.",
        Buckets::native_only(NativeBuckets::with_schema(0).unwrap()),
    );
    for (v, n) in [(1.0, 5), (3.0, 3), (10.0, 2)] {
        for _ in 0..n {
            sizes.observe(v);
        }
    }
    let rows = registry.counter("job_rows_total", "Rows.");
    rows.inc_by_with_exemplar(7, &[("trace_id", "4bf92f3577b34da6")])
        .unwrap();
    let before = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();

    let writer = RemoteWrite::builder(url)
        .external_label("job", "batch")
        .protocol(RemoteWriteProtocol::V1)
        .build()
        .unwrap();
    let periodic =
        PeriodicPush::remote_write(writer, registry.clone(), Duration::from_millis(200)).unwrap();

    let value = |promql: &str| prometheus.query_until(promql, |r| r.len() == 1)[0].1;
    assert_eq!(value("histogram_count(job_item_seconds)"), 10.0);
    assert_eq!(value("histogram_sum(job_item_seconds)"), 5.0 + 9.0 + 20.0);
    // Rank 9 of 10 is halfway through (8, 16]: 12, linearly (Prometheus 2.x).
    assert_eq!(value("histogram_quantile(0.9, job_item_seconds)"), 12.0);
    assert!(
        prometheus.query("job_item_seconds_bucket").is_empty(),
        "one native series, no classic ones"
    );
    assert_eq!(value("job_rows_total"), 7.0);

    let path = format!(
        "/api/v1/query_exemplars?query={}&start={}&end={}",
        encode_query("job_rows_total"),
        before.as_secs() - 60,
        before.as_secs() + 600
    );
    let exemplars: serde_json::Value =
        serde_json::from_str(&get(prometheus.port, &path).unwrap()).unwrap();
    let first = &exemplars["data"][0]["exemplars"][0];
    assert_eq!(
        first["labels"]["trace_id"], "4bf92f3577b34da6",
        "{exemplars}"
    );
    assert_eq!(first["value"], "7");

    // Stopping writes the last values, then a stale marker for every series: an instant
    // query finds nothing from then on, though 5 minutes of look-back would reach the
    // last sample.
    periodic.stop().unwrap();
    std::thread::sleep(Duration::from_secs(1));
    assert!(prometheus.query("job_rows_total").is_empty(), "ended");
    assert!(
        prometheus.query("count(job_item_seconds)").is_empty(),
        "ended"
    );
    // The values before the markers are still there.
    assert_eq!(value("max_over_time(job_rows_total[5m])"), 7.0);
}

#[test]
fn the_example_job_writes_its_native_histogram_by_every_version() {
    let Some((prometheus, url)) = receiver("native-histograms") else {
        return;
    };
    let run = |version: &str| {
        let output = Command::new(common::batch_job_binary())
            .args(["--remote-write", &url, "--records", "20"])
            .args(["--remote-write-version", version])
            .env_remove("PUSHGATEWAY_URL")
            .env_remove("REMOTE_WRITE_URL")
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        (output.status.code(), text)
    };
    let (code, out) = run("auto");
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("remote write V1"), "2.42 takes 1.0: {out}");
    let count = "histogram_count(batch_job_record_size_bytes)";
    assert_eq!(prometheus.query_until(count, |r| r.len() == 1)[0].1, 20.0);
    let (code, out) = run("1");
    assert_eq!(code, Some(0), "{out}");
    // Forcing 2.0 on a 1.0 receiver fails loudly instead of losing the write.
    let (code, out) = run("2");
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("wrote nothing"), "{out}");
    let (code, out) = run("3");
    assert_eq!(code, Some(2), "{out}");
}

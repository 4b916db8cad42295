//! End to end against the Debian `prometheus-pushgateway` (1.5.1), started on a free
//! 127.0.0.1 port: push, push_add, delete, grouping values with `/` and empty ones, and the
//! batch-job guard on success, on a `?` error and on a panic, each read back from the
//! gateway's `/api/v1/metrics`.
//!
//! With `CI` set, a missing binary fails the test; otherwise it says loudly that it skipped.

mod common;

use std::process::Command;
use std::time::Duration;

use common::prometheus::{free_port, get, Daemon};
use metrics_core::{Buckets, NativeBuckets, Registry};
use metrics_http::{BatchJob, PushError, PushFormat, Pushgateway, Retry};
use serde_json::Value;

struct Gateway {
    daemon: Daemon,
}

impl Gateway {
    fn start(binary: &str) -> Gateway {
        let daemon = Daemon::start(binary, |port, _| {
            vec![format!("--web.listen-address=127.0.0.1:{port}")]
        });
        Gateway { daemon }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.daemon.port)
    }

    fn client(&self, job: &str, grouping: &[(&str, &str)]) -> Pushgateway {
        let mut builder = Pushgateway::builder(self.url()).job(job).retry(Retry {
            total: Duration::from_secs(10),
            ..Retry::default()
        });
        for (name, value) in grouping {
            builder = builder.grouping(*name, *value);
        }
        builder.build().unwrap()
    }

    /// The groups the gateway holds.
    fn groups(&self) -> Vec<Value> {
        let body = get(self.daemon.port, "/api/v1/metrics").expect("the gateway answers");
        let json: Value = serde_json::from_str(&body).unwrap();
        json["data"].as_array().cloned().unwrap_or_default()
    }

    /// The group whose labels are exactly `labels`.
    fn group(&self, labels: &[(&str, &str)]) -> Option<Value> {
        self.groups().into_iter().find(|g| {
            let have = g["labels"].as_object().unwrap();
            have.len() == labels.len()
                && labels
                    .iter()
                    .all(|(n, v)| have.get(*n).and_then(Value::as_str) == Some(*v))
        })
    }
}

/// The value of a family's only series in a group, or `None` if the family is absent.
fn value(group: &Value, family: &str) -> Option<f64> {
    let metric = &group[family]["metrics"][0];
    metric["value"].as_str().map(|v| v.parse().unwrap())
}

fn require_gateway() -> Option<Gateway> {
    common::require("prometheus-pushgateway", "prometheus-pushgateway").map(Gateway::start)
}

#[test]
fn push_push_add_and_delete_a_group() {
    let Some(gateway) = require_gateway() else {
        return;
    };
    let grouping = [("instance", "db-1/primary"), ("shard", "")];
    let client = gateway.client("backup", &grouping);
    let labels = [
        ("job", "backup"),
        ("instance", "db-1/primary"),
        ("shard", ""),
    ];

    let first = Registry::new();
    first.counter("backup_files_total", "Files.").inc_by(10);
    first.gauge("backup_size_bytes", "Size.").set(2048.0);
    let latency = first.histogram(
        "backup_step_seconds",
        "Steps.",
        Buckets::new([0.5, 1.0]).unwrap(),
    );
    latency.observe(0.2);
    latency.observe(0.7);
    client.push_blocking(&first).unwrap();
    let group = gateway
        .group(&labels)
        .expect("the group, its `/` and empty values decoded");
    assert_eq!(value(&group, "backup_files_total"), Some(10.0));
    assert_eq!(value(&group, "backup_size_bytes"), Some(2048.0));
    let histogram = &group["backup_step_seconds"]["metrics"][0];
    assert_eq!(histogram["buckets"]["0.5"], "1");
    assert_eq!(histogram["buckets"]["1"], "2");
    assert_eq!(histogram["count"], "2");
    assert_eq!(
        histogram["sum"].as_str().unwrap().parse::<f64>().unwrap(),
        0.2 + 0.7
    );

    // push_add replaces only the families it sends.
    let second = Registry::new();
    second.counter("backup_files_total", "Files.").inc_by(25);
    client.push_add_blocking(&second).unwrap();
    let group = gateway.group(&labels).unwrap();
    assert_eq!(value(&group, "backup_files_total"), Some(25.0));
    assert_eq!(
        value(&group, "backup_size_bytes"),
        Some(2048.0),
        "left alone by push_add"
    );

    // push replaces the whole group.
    client.push_blocking(&second).unwrap();
    let group = gateway.group(&labels).unwrap();
    assert_eq!(value(&group, "backup_files_total"), Some(25.0));
    assert_eq!(value(&group, "backup_size_bytes"), None, "gone after push");

    // Another group of the same job is separate; delete removes only ours.
    let other = gateway.client("backup", &[("instance", "db-2")]);
    other.push_blocking(&first).unwrap();
    client.delete_blocking().unwrap();
    assert!(gateway.group(&labels).is_none());
    assert!(gateway
        .group(&[("job", "backup"), ("instance", "db-2")])
        .is_some());
}

#[test]
fn protobuf_text_and_gzip_bodies_read_back_alike() {
    let Some(gateway) = require_gateway() else {
        return;
    };
    let registry = Registry::new();
    registry.counter("etl_files_total", "Files.").inc_by(10);
    registry.gauge("etl_size_bytes", "Size.").set(-2.5);
    let latency = registry.histogram(
        "etl_step_seconds",
        "Steps.",
        Buckets::new([0.5, 1.0]).unwrap(),
    );
    latency.observe(0.2);
    latency.observe(0.7);
    // Schema 0: 1.0 in bucket (0.5, 1], 3.0 in (2, 4].
    let native = registry.histogram(
        "etl_item_seconds",
        "Items.",
        Buckets::native_only(NativeBuckets::with_schema(0).unwrap()),
    );
    for (v, n) in [(1.0, 5), (3.0, 3), (10.0, 2)] {
        for _ in 0..n {
            native.observe(v);
        }
    }
    for (instance, format, gzip) in [
        ("protobuf", PushFormat::Protobuf, false),
        ("protobuf-gzip", PushFormat::Protobuf, true),
        ("text", PushFormat::Text, false),
        ("text-gzip", PushFormat::Text, true),
    ] {
        Pushgateway::builder(gateway.url())
            .job("etl")
            .grouping("instance", instance)
            .format(format)
            .gzip(gzip)
            .build()
            .unwrap()
            .push_blocking(&registry)
            .unwrap();
        let group = gateway
            .group(&[("job", "etl"), ("instance", instance)])
            .unwrap_or_else(|| panic!("{instance}: the group"));
        assert_eq!(value(&group, "etl_files_total"), Some(10.0), "{instance}");
        assert_eq!(value(&group, "etl_size_bytes"), Some(-2.5), "{instance}");
        let histogram = &group["etl_step_seconds"]["metrics"][0];
        assert_eq!(histogram["buckets"]["0.5"], "1", "{instance}");
        assert_eq!(histogram["buckets"]["1"], "2", "{instance}");
        assert_eq!(histogram["count"], "2", "{instance}");
        let sum: f64 = histogram["sum"].as_str().unwrap().parse().unwrap();
        assert_eq!(sum, 0.2 + 0.7, "{instance}");
        // The JSON API of Pushgateway 1.5.1 shows a native histogram's count and sum only
        // (its buckets: none from protobuf, `+Inf` from text); what a scrape gets is below.
        let native = &group["etl_item_seconds"]["metrics"][0];
        assert_eq!(native["count"], "10", "{instance}");
        assert_eq!(native["sum"], "34", "{instance}");
    }

    // Pushgateway 1.5.1 keeps the protobuf it was sent, native buckets included, and serves
    // them to a protobuf scrape: Prometheus with native histograms reads them whole.
    let Some(binary) = common::require("prometheus", "prometheus") else {
        return;
    };
    let prometheus = common::prometheus::Prometheus::start(
        binary,
        &format!(
            "  - job_name: gateway\n    honor_labels: true\n    static_configs:\n      \
             - targets: ['127.0.0.1:{}']\n",
            gateway.daemon.port
        ),
        &["--enable-feature=native-histograms"],
    );
    let value = |promql: &str| prometheus.query_until(promql, |r| r.len() == 1)[0].1;
    let series = "etl_item_seconds{instance=\"protobuf\"}";
    assert_eq!(value(&format!("histogram_count({series})")), 10.0);
    assert_eq!(value(&format!("histogram_sum({series})")), 34.0);
    // Rank 9 of 10 is halfway through (8, 16]: 12, linearly (Prometheus 2.x).
    assert_eq!(value(&format!("histogram_quantile(0.9, {series})")), 12.0);
    // Pushed as text, the gateway has the count and sum, but no native buckets to give.
    let text = "etl_item_seconds{instance=\"text\"}";
    assert_eq!(value(&format!("histogram_count({text})")), 10.0);
}

#[test]
fn a_metric_with_a_grouping_label_is_refused_and_nothing_is_sent() {
    let Some(gateway) = require_gateway() else {
        return;
    };
    let registry = Registry::builder()
        .const_label("instance", "x")
        .build()
        .unwrap();
    registry.counter("refused_total", "Refused.").inc();
    let client = gateway.client("refused", &[("instance", "y")]);
    assert!(matches!(
        client.push_blocking(&registry),
        Err(PushError::LabelClash { .. })
    ));
    assert!(gateway
        .groups()
        .iter()
        .all(|g| g["labels"]["job"] != "refused"));
}

/// A job whose work fails with `?` while its run is live.
fn failing_job(gateway: &Gateway, registry: &Registry) -> Result<(), std::num::ParseIntError> {
    let _run = BatchJob::start(
        gateway.client("etl", &[("instance", "q")]),
        registry.clone(),
    )
    .unwrap();
    registry.counter("etl_rows_total", "Rows.").inc_by(3);
    let _n: u32 = "not a number".parse()?;
    unreachable!("the parse fails");
}

/// In async code the run ends on the caller's runtime (a current-thread one here, which a
/// blocking push from inside it would stall).
#[tokio::test(flavor = "current_thread")]
async fn the_batch_job_ends_in_async_code() {
    let Some(gateway) = require_gateway() else {
        return;
    };
    let labels = [("job", "etl_async"), ("instance", "a")];
    let registry = Registry::new();
    let run = BatchJob::start(
        gateway.client("etl_async", &[("instance", "a")]),
        registry.clone(),
    )
    .unwrap();
    registry.counter("etl_async_rows_total", "Rows.").inc_by(7);
    run.finish_async(&Ok::<(), ()>(())).await.unwrap();
    let group = gateway.group(&labels).unwrap();
    assert_eq!(value(&group, "etl_async_rows_total"), Some(7.0));
    assert!(value(&group, "etl_async_last_success_timestamp_seconds").is_some());
    assert_eq!(
        value(&group, "etl_async_last_failure_timestamp_seconds"),
        None
    );

    let run = BatchJob::start(
        gateway.client("etl_async", &[("instance", "a")]),
        Registry::new(),
    )
    .unwrap();
    run.finish_async(&Err::<(), _>("disk full")).await.unwrap();
    let group = gateway.group(&labels).unwrap();
    assert!(value(&group, "etl_async_last_failure_timestamp_seconds").is_some());
    assert!(value(&group, "etl_async_last_success_timestamp_seconds").is_some());
}

#[test]
fn the_batch_job_guard_pushes_on_success_on_error_and_on_panic() {
    let Some(gateway) = require_gateway() else {
        return;
    };
    let labels = [("job", "etl"), ("instance", "q")];

    // Success.
    let registry = Registry::new();
    let run = BatchJob::start(
        gateway.client("etl", &[("instance", "q")]),
        registry.clone(),
    )
    .unwrap();
    registry.counter("etl_rows_total", "Rows.").inc_by(100);
    std::thread::sleep(Duration::from_millis(20));
    run.success().unwrap();
    let group = gateway.group(&labels).unwrap();
    assert_eq!(value(&group, "etl_rows_total"), Some(100.0));
    let succeeded = value(&group, "etl_last_success_timestamp_seconds").expect("success time");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    assert!((now - succeeded).abs() < 60.0);
    assert!(value(&group, "etl_duration_seconds").unwrap() >= 0.02);
    assert_eq!(value(&group, "etl_last_failure_timestamp_seconds"), None);

    // An early return through `?`: pushed as failed; the last success stays.
    let registry = Registry::new();
    assert!(failing_job(&gateway, &registry).is_err());
    let group = gateway.group(&labels).unwrap();
    assert_eq!(value(&group, "etl_rows_total"), Some(3.0));
    assert!(value(&group, "etl_last_failure_timestamp_seconds").is_some());
    assert_eq!(
        value(&group, "etl_last_success_timestamp_seconds"),
        Some(succeeded)
    );

    // A panic unwinding through the run: pushed as failed.
    let registry = Registry::new();
    let client = gateway.client("etl", &[("instance", "panicky")]);
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _run = BatchJob::start(client, registry.clone()).unwrap();
        registry.counter("etl_rows_total", "Rows.").inc_by(7);
        panic!("the job broke");
    }));
    assert!(panicked.is_err());
    let group = gateway
        .group(&[("job", "etl"), ("instance", "panicky")])
        .unwrap();
    assert_eq!(value(&group, "etl_rows_total"), Some(7.0));
    assert!(value(&group, "etl_last_failure_timestamp_seconds").is_some());
    assert!(value(&group, "etl_duration_seconds").is_some());
    assert_eq!(value(&group, "etl_last_success_timestamp_seconds"), None);
}

#[test]
fn the_example_job_pushes_to_the_gateway() {
    let Some(gateway) = require_gateway() else {
        return;
    };
    let registry = Registry::new();
    let metrics = examples::batch::BatchMetrics::register(&registry).unwrap();
    let client = gateway.client("batch_job", &[("instance", "test")]);
    let run = BatchJob::start(client, registry).unwrap();
    let outcome = examples::batch::process(&metrics, 30, 10);
    assert_eq!(outcome, Err(examples::batch::WorkFailed { failed: 3 }));
    run.finish(&outcome).unwrap();
    let group = gateway
        .group(&[("job", "batch_job"), ("instance", "test")])
        .unwrap();
    assert_eq!(
        value(&group, "batch_job_records_processed_total"),
        Some(27.0)
    );
    assert_eq!(value(&group, "batch_job_records_failed_total"), Some(3.0));
    assert!(value(&group, "batch_job_last_failure_timestamp_seconds").is_some());
}

#[test]
fn the_example_binary_exits_by_how_the_push_went() {
    let Some(gateway) = require_gateway() else {
        return;
    };
    let run = |args: &[&str]| {
        let output = Command::new(common::batch_job_binary())
            .args(args)
            .env_remove("PUSHGATEWAY_URL")
            .env_remove("REMOTE_WRITE_URL")
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, stderr) = run(&["--gateway", &gateway.url(), "--records", "20"]);
    assert_eq!(code, Some(0), "{stderr}");
    let group = gateway
        .groups()
        .into_iter()
        .find(|g| g["labels"]["job"] == "batch_job")
        .expect("the example's group");
    assert_eq!(
        value(&group, "batch_job_records_processed_total"),
        Some(20.0)
    );
    assert!(value(&group, "batch_job_last_success_timestamp_seconds").is_some());

    let down = format!("http://127.0.0.1:{}", free_port());
    let (code, stderr) = run(&["--gateway", &down]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains(&format!("pushing the metrics to {down} failed")),
        "{stderr}"
    );
    assert!(stderr.contains("Connection refused"), "{stderr}");

    let (code, stderr) = run(&[]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("--gateway URL or --remote-write URL"),
        "{stderr}"
    );
}

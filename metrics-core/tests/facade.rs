//! The `metrics` facade's macros landing in a registry through `FacadeRecorder`: every kind,
//! names sanitised and counted, conflicts dropped and counted, buckets by name, the
//! registry's limits obeyed, exact counts from several threads, one install per process.

use metrics::{with_local_recorder, Unit};
use metrics_core::facade::{BucketRule, FacadeRecorder, InstallError};
use metrics_core::{Buckets, Format, NativeBuckets, Registry, SelfMetrics};

fn registry() -> Registry {
    Registry::builder()
        .self_metrics(SelfMetrics::Overflow)
        .series_limit(3)
        .label_value_limit(16)
        .build()
        .unwrap()
}

fn text(registry: &Registry) -> String {
    let mut out = Vec::new();
    registry.encode(Format::Text, &mut out);
    String::from_utf8(out).unwrap()
}

fn lines<'a>(text: &'a str, prefix: &str) -> Vec<&'a str> {
    text.lines().filter(|l| l.starts_with(prefix)).collect()
}

#[test]
fn every_kind_lands_with_sanitised_names_and_descriptions() {
    let registry = registry();
    let recorder = FacadeRecorder::builder(registry.clone()).build();
    with_local_recorder(&recorder, || {
        metrics::describe_counter!("cache.busy", Unit::Seconds, "Time the cache was busy.");
        metrics::describe_histogram!("db.query", Unit::Seconds, "Query time.");
        metrics::counter!("cache.busy", "cache" => "users").increment(2);
        metrics::counter!("cache.busy", "cache" => "users").increment(3);
        metrics::counter!("jobs_total").absolute(10);
        metrics::counter!("jobs_total").absolute(4); // a counter never goes down
        metrics::gauge!("queue.depth", "queue" => "mail").set(7.0);
        metrics::gauge!("queue.depth", "queue" => "mail").increment(2.0);
        metrics::gauge!("queue.depth", "queue" => "mail").decrement(4.0);
        metrics::histogram!("db.query", "op" => "select").record(0.02);
    });
    let text = text(&registry);
    assert_eq!(
        lines(&text, "cache_busy_seconds_total"),
        ["cache_busy_seconds_total{cache=\"users\"} 5"]
    );
    assert!(text.contains("# HELP cache_busy_seconds_total Time the cache was busy.\n"));
    assert_eq!(lines(&text, "jobs_total"), ["jobs_total 10"]);
    assert!(text.contains("# HELP jobs_total jobs_total (from the metrics facade).\n"));
    assert_eq!(
        lines(&text, "queue_depth"),
        ["queue_depth{queue=\"mail\"} 5"]
    );
    assert!(text.contains("db_query_seconds_bucket{op=\"select\",le=\"0.025\"} 1\n"));
    assert!(text.contains("db_query_seconds_count{op=\"select\"} 1\n"));
    // Renamed: cache.busy, queue.depth, db.query (jobs_total was fine as it came).
    assert_eq!(
        lines(&text, "metrics_facade_renamed_total"),
        ["metrics_facade_renamed_total 3"]
    );
    assert_eq!(
        lines(&text, "metrics_facade_dropped_total"),
        ["metrics_facade_dropped_total 0"]
    );
}

#[test]
fn conflicts_are_dropped_and_counted_never_a_panic() {
    let registry = registry();
    let recorder = FacadeRecorder::builder(registry.clone()).build();
    with_local_recorder(&recorder, || {
        metrics::gauge!("temperature").set(20.0);
        // The same name as a counter (becomes `temperature_total`: no conflict) and as a
        // histogram (`temperature`: taken by the gauge).
        metrics::histogram!("temperature").record(1.0);
        // Other label keys under a name already registered.
        metrics::gauge!("temperature", "room" => "a").set(1.0);
        metrics::gauge!("temperature", "room" => "a").set(2.0);
    });
    let text = text(&registry);
    assert_eq!(lines(&text, "temperature"), ["temperature 20"]);
    assert_eq!(
        lines(&text, "metrics_facade_dropped_total"),
        ["metrics_facade_dropped_total 2"]
    );
}

#[test]
fn the_registry_limits_hold() {
    let registry = registry();
    let recorder = FacadeRecorder::builder(registry.clone()).build();
    with_local_recorder(&recorder, || {
        for user in ["ann", "bob", "cy", "dee", "eve"] {
            metrics::counter!("logins_total", "user" => user).increment(1);
        }
        metrics::counter!("logins_total", "user" => "a-value-longer-than-sixteen-bytes")
            .increment(1);
    });
    let text = text(&registry);
    let logins = lines(&text, "logins_total");
    assert_eq!(
        logins.len(),
        4,
        "three series and the overflow one: {logins:?}"
    );
    assert!(
        logins.contains(&"logins_total{user=\"__overflow__\"} 3"),
        "{logins:?}"
    );
}

#[test]
fn buckets_are_chosen_by_name() {
    let registry = registry();
    let recorder = FacadeRecorder::builder(registry.clone())
        .buckets(
            BucketRule::Name("http.duration".into()),
            Buckets::new([0.5]).unwrap(),
        )
        .buckets(
            BucketRule::Prefix("db.".into()),
            Buckets::new([1.0, 2.0]).unwrap(),
        )
        .buckets(
            BucketRule::Suffix("_bytes".into()),
            Buckets::new([])
                .unwrap()
                .native(NativeBuckets::new(2.0).unwrap()),
        )
        .default_buckets(Buckets::new([10.0]).unwrap())
        .build();
    with_local_recorder(&recorder, || {
        metrics::histogram!("http.duration").record(0.1);
        metrics::histogram!("db.rows").record(1.5);
        metrics::histogram!("payload_bytes").record(100.0);
        metrics::histogram!("other").record(3.0);
    });
    let text = text(&registry);
    let bounds = |name: &str| -> Vec<String> {
        text.lines()
            .filter_map(|l| l.strip_prefix(&format!("{name}_bucket{{le=\"")))
            .map(|l| l.split('"').next().unwrap().to_owned())
            .collect()
    };
    assert_eq!(bounds("http_duration"), ["0.5", "+Inf"]);
    assert_eq!(bounds("db_rows"), ["1", "2", "+Inf"]);
    assert_eq!(
        bounds("payload_bytes"),
        ["+Inf"],
        "native only: classic +Inf"
    );
    assert_eq!(bounds("other"), ["10", "+Inf"]);
    let mut proto = Vec::new();
    registry.encode(Format::Protobuf, &mut proto);
    assert!(!proto.is_empty());
}

#[test]
fn macro_calls_from_many_threads_count_exactly() {
    let registry = registry();
    let recorder = FacadeRecorder::builder(registry.clone()).build();
    std::thread::scope(|scope| {
        for t in 0..4 {
            let recorder = recorder.clone();
            scope.spawn(move || {
                with_local_recorder(&recorder, || {
                    for i in 0..10_000u64 {
                        let route = if i % 2 == 0 { "/a" } else { "/b" };
                        metrics::counter!("requests_total", "route" => route, "worker" => "w")
                            .increment(1);
                        metrics::histogram!("work_seconds", "route" => route).record(0.001);
                        metrics::gauge!("worker_last", "worker" => t.to_string()).set(i as f64);
                    }
                });
            });
        }
    });
    let text = text(&registry);
    assert_eq!(
        lines(&text, "requests_total"),
        [
            "requests_total{route=\"/a\",worker=\"w\"} 20000",
            "requests_total{route=\"/b\",worker=\"w\"} 20000"
        ]
    );
    assert!(text.contains("work_seconds_count{route=\"/a\"} 20000\n"));
    // Four workers, three series allowed: one gauge in the overflow series.
    assert_eq!(lines(&text, "worker_last{").len(), 4);
}

#[test]
fn one_install_per_process() {
    let registry = registry();
    FacadeRecorder::builder(registry.clone())
        .build()
        .install()
        .unwrap();
    let again = FacadeRecorder::builder(Registry::new()).build().install();
    assert!(matches!(again, Err(InstallError::AlreadySet)));
    metrics::counter!("installed_total").increment(1);
    assert!(text(&registry).contains("\ninstalled_total 1\n"));
}

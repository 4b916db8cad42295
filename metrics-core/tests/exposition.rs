//! Golden tests of the text exposition: exact bytes for every kind of family, escaping,
//! special values, const labels, overflow and collectors.

use metrics_core::{
    Buckets, Collection, Collector, Counter, DynLabels, Family, Format, Gauge, Histogram,
    LabelValue, Opts, Overflow, Registry, SelfMetrics,
};

/// A registry without the per-family self-metrics (on by default): these goldens are about
/// the encoding. `namespace_and_const_labels` and `overflow_series_and_refusal_counter` show
/// the self-metrics as a default registry writes them.
fn registry() -> Registry {
    Registry::builder()
        .self_metrics(SelfMetrics::Overflow)
        .build()
        .unwrap()
}

fn text(registry: &Registry) -> String {
    let mut out = Vec::new();
    let content_type = registry.encode(Format::Text, &mut out);
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
    String::from_utf8(out).unwrap()
}

#[derive(Debug, Clone, Copy)]
enum Method {
    Get,
    Post,
}

impl LabelValue for Method {
    const CARDINALITY: Option<usize> = Some(2);
    fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        f(match self {
            Method::Get => "GET",
            Method::Post => "POST",
        })
    }
    fn index(&self) -> usize {
        *self as usize
    }
    fn from_index(index: usize) -> Option<Method> {
        [Method::Get, Method::Post].get(index).copied()
    }
}

#[test]
fn every_kind_of_family() {
    let registry = registry();
    let requests: Family<(Method, bool), Counter> = registry
        .family(Opts::new("http_requests_total", "HTTP requests.").labels(&["method", "cached"]));
    requests.get(&(Method::Post, false)).inc_by(3);
    requests.get(&(Method::Get, true)).inc();
    let temperature = registry.gauge("room_temperature_celsius", "Temperature.");
    temperature.set(21.5);
    let latency: Family<DynLabels, Histogram> = registry.family_with(
        Opts::new("request_duration_seconds", "Latency.").labels(&["route"]),
        Buckets::new([0.1, 0.5]).unwrap(),
    );
    latency.with_label_values(&["/users/{id}"]).observe(0.05);
    latency.with_label_values(&["/users/{id}"]).observe(0.3);
    latency.with_label_values(&["/users/{id}"]).observe(4.0);
    let cpu = registry.counter("cpu_seconds_total", "CPU time.");
    cpu.inc_by_f64(1.25);
    cpu.inc();

    assert_eq!(
        text(&registry),
        r#"# HELP cpu_seconds_total CPU time.
# TYPE cpu_seconds_total counter
cpu_seconds_total 2.25
# HELP http_requests_total HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="GET",cached="true"} 1
http_requests_total{method="POST",cached="false"} 3
# HELP request_duration_seconds Latency.
# TYPE request_duration_seconds histogram
request_duration_seconds_bucket{route="/users/{id}",le="0.1"} 1
request_duration_seconds_bucket{route="/users/{id}",le="0.5"} 2
request_duration_seconds_bucket{route="/users/{id}",le="+Inf"} 3
request_duration_seconds_sum{route="/users/{id}"} 4.35
request_duration_seconds_count{route="/users/{id}"} 3
# HELP room_temperature_celsius Temperature.
# TYPE room_temperature_celsius gauge
room_temperature_celsius 21.5
"#
    );
}

#[test]
fn escaping_non_ascii_and_special_values() {
    let registry = registry();
    let values: Family<DynLabels, Gauge> = registry.family(
        Opts::new(
            "sensor_value",
            "Reading of a sensor.\nSecond line with a \\ backslash.",
        )
        .labels(&["name"]),
    );
    values.with_label_values(&["back\\slash"]).set(f64::NAN);
    values.with_label_values(&["quote\"d"]).set(f64::INFINITY);
    values
        .with_label_values(&["new\nline"])
        .set(f64::NEG_INFINITY);
    values.with_label_values(&["日本語 ünïcödé"]).set(-0.000123);
    values.with_label_values(&[""]).set(1e300);
    let text = text(&registry);
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.drain(..2).collect::<Vec<_>>();
    assert_eq!(
        header,
        [
            r"# HELP sensor_value Reading of a sensor.\nSecond line with a \\ backslash.",
            "# TYPE sensor_value gauge",
        ]
    );
    // Series order depends on hashing but is stable; compare as a set.
    lines.sort_unstable();
    assert_eq!(
        lines,
        [
            r#"sensor_value{name=""} 1e300"#,
            r#"sensor_value{name="back\\slash"} NaN"#,
            r#"sensor_value{name="new\nline"} -Inf"#,
            r#"sensor_value{name="quote\"d"} +Inf"#,
            r#"sensor_value{name="日本語 ünïcödé"} -0.000123"#,
        ]
    );
}

#[test]
fn order_is_stable_across_scrapes() {
    let registry = registry();
    let family: Family<DynLabels, Counter> =
        registry.family(Opts::new("items_total", "Items.").labels(&["id"]));
    for i in 0..500 {
        family.with_label_values(&[&i.to_string()]).inc();
    }
    let first = text(&registry);
    for i in 0..500 {
        family.with_label_values(&[&i.to_string()]).inc();
    }
    let second = text(&registry).replace(" 2\n", " 1\n");
    assert_eq!(first, second);
    assert_eq!(first.lines().count(), 502);
}

/// Series come out in the order they were made, through the table's growth, removals and
/// the reuse of removed series' places; a series made again after removal comes out again,
/// once.
#[test]
fn series_come_out_in_the_order_they_were_made() {
    let registry = registry();
    let family: Family<DynLabels, Counter> =
        registry.family(Opts::new("items_total", "Items.").labels(&["id"]));
    let ids = |text: &str| -> Vec<String> {
        text.lines()
            .filter_map(|l| l.strip_prefix("items_total{id=\""))
            .map(|l| l.split('"').next().unwrap().to_owned())
            .collect()
    };
    // Made in an order no hash follows, far past the table's first sizes.
    let made: Vec<String> = (0..3000).map(|i| ((i * 7919) % 3001).to_string()).collect();
    for id in &made {
        family.with_label_values(&[id]).inc();
    }
    assert_eq!(ids(&text(&registry)), made);

    // Removed ones leave; their places go to new series, which come out last.
    for id in made.iter().step_by(3) {
        assert_eq!(family.remove_label_values(&[id]), Ok(true));
    }
    text(&registry);
    let later: Vec<String> = (0..1500).map(|i| format!("new-{i}")).collect();
    for id in &later {
        family.with_label_values(&[id]).inc();
    }
    let kept: Vec<String> = made
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 3 != 0)
        .map(|(_, id)| id.clone())
        .chain(later.iter().cloned())
        .collect();
    let out = ids(&text(&registry));
    assert_eq!(out.len(), kept.len());
    assert_eq!(out, kept);

    // Removed and made again between two scrapes: the places of the removed go to the new
    // series as soon as no lookup can reach them, and the new series still come out last.
    for id in later.iter().take(500) {
        assert_eq!(family.remove_label_values(&[id]), Ok(true));
    }
    let again: Vec<String> = (0..500).map(|i| format!("again-{i}")).collect();
    for id in &again {
        family.with_label_values(&[id]).inc();
    }
    let expected: Vec<String> = kept
        .iter()
        .filter(|id| !later[..500].contains(id))
        .cloned()
        .chain(again.iter().cloned())
        .collect();
    assert_eq!(ids(&text(&registry)), expected);
}

#[test]
fn namespace_and_const_labels() {
    let registry = Registry::builder()
        .namespace("shop")
        .const_label("env", "prod")
        .const_label("region", "eu \"west\"")
        .build()
        .unwrap();
    registry.counter("orders_total", "Orders.").inc();
    let latency = registry.histogram(
        "checkout_seconds",
        "Checkout.",
        Buckets::new([1.0]).unwrap(),
    );
    latency.observe(0.5);
    let by_kind: Family<DynLabels, Gauge> =
        registry.family(Opts::new("cart_items", "Items in carts.").labels(&["kind"]));
    by_kind.with_label_values(&["book"]).set(2.0);
    assert_eq!(
        text(&registry),
        r#"# HELP shop_cart_items Items in carts.
# TYPE shop_cart_items gauge
shop_cart_items{env="prod",region="eu \"west\"",kind="book"} 2
# HELP shop_checkout_seconds Checkout.
# TYPE shop_checkout_seconds histogram
shop_checkout_seconds_bucket{env="prod",region="eu \"west\"",le="1"} 1
shop_checkout_seconds_bucket{env="prod",region="eu \"west\"",le="+Inf"} 1
shop_checkout_seconds_sum{env="prod",region="eu \"west\""} 0.5
shop_checkout_seconds_count{env="prod",region="eu \"west\""} 1
# HELP shop_orders_total Orders.
# TYPE shop_orders_total counter
shop_orders_total{env="prod",region="eu \"west\""} 1
# HELP metrics_family_series Series held by each family (the overflow series not counted).
# TYPE metrics_family_series gauge
metrics_family_series{env="prod",region="eu \"west\"",family="shop_cart_items"} 1
# HELP metrics_family_series_limit The most series each family holds before it refuses new label sets.
# TYPE metrics_family_series_limit gauge
metrics_family_series_limit{env="prod",region="eu \"west\"",family="shop_cart_items"} 10000
"#
    );
}

#[test]
fn overflow_series_and_refusal_counter() {
    let registry = Registry::new();
    let family: Family<DynLabels, Counter> = registry.family(
        Opts::new("logins_total", "Logins.")
            .labels(&["user", "result"])
            .series_limit(2),
    );
    family.with_label_values(&["alice", "ok"]).inc();
    family.with_label_values(&["bob", "ok"]).inc();
    family.with_label_values(&["carol", "ok"]).inc();
    family.with_label_values(&["dave", "failed"]).inc_by(2);
    family.with_label_values(&["alice", "ok"]).inc();
    assert_eq!(family.len(), 2);
    assert_eq!(family.refused(), 2);
    let text = text(&registry);
    let expected_tail = r#"logins_total{user="__overflow__",result="__overflow__"} 3
# HELP metrics_series_overflow_total Label sets refused or collapsed into the overflow series because the family held its series limit.
# TYPE metrics_series_overflow_total counter
metrics_series_overflow_total{family="logins_total"} 2
# HELP metrics_family_series Series held by each family (the overflow series not counted).
# TYPE metrics_family_series gauge
metrics_family_series{family="logins_total"} 2
# HELP metrics_family_series_limit The most series each family holds before it refuses new label sets.
# TYPE metrics_family_series_limit gauge
metrics_family_series_limit{family="logins_total"} 2
"#;
    assert!(text.ends_with(expected_tail), "{text}");
    assert!(text.contains("logins_total{user=\"alice\",result=\"ok\"} 2\n"));
    // A plain metric is one series for good: no row of its own.
    registry.counter("plain_total", "Plain.").inc();
    let again = self::text(&registry);
    assert!(again.contains("plain_total 1\n"), "{again}");
    assert!(!again.contains("family=\"plain_total\""), "{again}");
    assert!(text.contains("logins_total{user=\"bob\",result=\"ok\"} 1\n"));
    assert!(!text.contains("carol") && !text.contains("dave"));
}

#[test]
fn reject_policy_refuses_with_a_typed_error() {
    let registry = registry();
    let family: Family<DynLabels, Counter> = registry.family(
        Opts::new("uploads_total", "Uploads.")
            .labels(&["tenant"])
            .series_limit(1)
            .overflow(Overflow::Reject),
    );
    family.try_with_label_values(&["a"]).unwrap().inc();
    let err = family.try_with_label_values(&["b"]).unwrap_err();
    assert_eq!(
        err,
        metrics_core::LabelError::Overflow {
            family: "uploads_total".into(),
            limit: 1
        }
    );
    assert_eq!(
        err.to_string(),
        "family `uploads_total` holds its limit of 1 series"
    );
    // The plain form does not panic: the update goes to a detached metric.
    family.with_label_values(&["b"]).inc();
    let text = text(&registry);
    assert!(!text.contains("tenant=\"b\""));
    assert!(!text.contains("__overflow__"));
    assert!(text.contains("metrics_series_overflow_total{family=\"uploads_total\"} 2\n"));
}

#[test]
fn remove_clear_and_wrong_arity() {
    let registry = registry();
    let family: Family<DynLabels, Gauge> =
        registry.family(Opts::new("queue_depth", "Depth.").labels(&["queue"]));
    family.with_label_values(&["a"]).set(1.0);
    family.with_label_values(&["b"]).set(2.0);
    assert_eq!(family.remove_label_values(&["a"]), Ok(true));
    assert_eq!(family.remove_label_values(&["a"]), Ok(false));
    assert_eq!(
        family.try_with_label_values(&["a", "extra"]).unwrap_err(),
        metrics_core::LabelError::Arity {
            family: "queue_depth".into(),
            expected: 1,
            got: 2
        }
    );
    assert!(!text(&registry).contains("queue=\"a\""));
    assert_eq!(
        family.with_label_values(&["a"]).get(),
        0.0,
        "a removed series comes back new"
    );
    family.clear();
    assert!(family.is_empty());
    assert_eq!(text(&registry), "", "an empty family writes nothing");

    let dense: Family<(bool,), Counter> =
        registry.family(Opts::new("flag_flips_total", "Flips.").labels(&["on"]));
    dense.get(&(true,)).inc_by(5);
    assert!(dense.remove(&(true,)));
    assert!(!dense.remove(&(true,)));
    assert_eq!(dense.get(&(true,)).get(), 0.0);
}

#[test]
fn expired_series_are_dropped_at_scrape() {
    let registry = registry();
    let family: Family<DynLabels, Counter> = registry.family(
        Opts::new("sessions_total", "Sessions.")
            .labels(&["user"])
            .expire_after(std::time::Duration::from_millis(50)),
    );
    family.with_label_values(&["idle"]).inc();
    let busy = family.with_label_values(&["busy"]).into_owned();
    busy.inc();
    assert_eq!(text(&registry).lines().count(), 4);
    std::thread::sleep(std::time::Duration::from_millis(120));
    busy.inc();
    let text = text(&registry);
    assert!(text.contains("sessions_total{user=\"busy\"} 2\n"), "{text}");
    assert!(!text.contains("idle"), "{text}");
    assert_eq!(family.len(), 1);
}

#[test]
fn callbacks_and_collectors() {
    struct Pool;
    impl Collector for Pool {
        fn collect(&self, out: &mut Collection<'_>) {
            out.gauge_family("pool_connections", "Connections by state.", &["state"])
                .sample(&["idle"], 3.0)
                .sample(&["busy"], 1.0)
                .sample(&["too", "many"], 9.0);
            out.counter("pool_waits_total", "Waits for a connection.", 12.0);
            out.gauge("bad-name", "Invalid.", 1.0);
        }
    }
    let registry = Registry::builder()
        .const_label("app", "api")
        .build()
        .unwrap();
    registry
        .try_gauge_fn("uptime_seconds", "Uptime.", || 42.5)
        .unwrap();
    registry
        .try_counter_fn("bytes_read_total", "Bytes read.", || 1024.0)
        .unwrap();
    let id = registry.register_collector(Pool);
    assert_eq!(
        text(&registry),
        r#"# HELP bytes_read_total Bytes read.
# TYPE bytes_read_total counter
bytes_read_total{app="api"} 1024
# HELP uptime_seconds Uptime.
# TYPE uptime_seconds gauge
uptime_seconds{app="api"} 42.5
# HELP pool_connections Connections by state.
# TYPE pool_connections gauge
pool_connections{app="api",state="idle"} 3
pool_connections{app="api",state="busy"} 1
# HELP pool_waits_total Waits for a connection.
# TYPE pool_waits_total counter
pool_waits_total{app="api"} 12
"#
    );
    // The series with a value too many and the invalid name: left out, each reported.
    let problems: Vec<_> = registry
        .collector_problems()
        .iter()
        .map(|p| (p.metric_name().to_owned(), p.rule()))
        .collect();
    assert_eq!(
        problems,
        [
            (
                "pool_connections".to_owned(),
                metrics_core::Rule::InvalidSample
            ),
            ("bad-name".to_owned(), metrics_core::Rule::InvalidMetricChar)
        ]
    );
    assert!(registry.unregister_collector(id));
    assert!(!registry.unregister_collector(id));
    assert!(!text(&registry).contains("pool_"));
}

#[test]
fn exposition_passes_our_own_linter() {
    let registry = registry();
    registry.register_collector(metrics_core::ProcessCollector::new());
    let family: Family<DynLabels, Histogram> = registry
        .family(Opts::new("http_server_request_duration_seconds", "Latency.").labels(&["route"]));
    family.with_label_values(&["/"]).observe(0.2);
    registry
        .counter("http_server_requests_total", "Requests.")
        .inc();
    let text = text(&registry);
    assert_eq!(metrics_core::lint_exposition(&text), vec![], "{text}");
}

#[test]
fn dense_families_hold_their_limit_too() {
    let registry = registry();
    let family: Family<(Method, bool), Counter> = registry.family(
        Opts::new("dense_total", "Dense.")
            .labels(&["method", "flag"])
            .series_limit(2),
    );
    family.get(&(Method::Get, true)).inc();
    family.get(&(Method::Post, true)).inc();
    family.get(&(Method::Post, false)).inc_by(5);
    family.get(&(Method::Get, true)).inc();
    assert_eq!((family.len(), family.refused()), (2, 1));
    let text = text(&registry);
    assert!(
        text.contains("dense_total{method=\"GET\",flag=\"true\"} 2\n"),
        "{text}"
    );
    assert!(text.contains("dense_total{method=\"__overflow__\",flag=\"__overflow__\"} 5\n"));
    assert!(!text.contains("flag=\"false\""));
    // A removed slot frees room for another.
    assert!(family.remove(&(Method::Post, true)));
    family.get(&(Method::Post, false)).inc();
    assert_eq!((family.len(), family.refused()), (2, 1));
}

#[test]
fn native_histograms_fall_back_to_classic_buckets_in_text() {
    use metrics_core::NativeBuckets;
    let registry = registry();
    let native = NativeBuckets::with_schema(0).unwrap();
    let both = registry.histogram(
        "both_seconds",
        "Both kinds.",
        Buckets::new([1.0]).unwrap().native(native.clone()),
    );
    let only = registry.histogram(
        "native_seconds",
        "Native only.",
        Buckets::native_only(native),
    );
    for v in [0.5, 3.0] {
        both.observe(v);
        only.observe(v);
    }
    assert_eq!(
        text(&registry),
        "# HELP both_seconds Both kinds.\n\
         # TYPE both_seconds histogram\n\
         both_seconds_bucket{le=\"1\"} 1\n\
         both_seconds_bucket{le=\"+Inf\"} 2\n\
         both_seconds_sum 3.5\n\
         both_seconds_count 2\n\
         # HELP native_seconds Native only.\n\
         # TYPE native_seconds histogram\n\
         # native histogram: its buckets are in the protobuf format only\n\
         native_seconds_bucket{le=\"+Inf\"} 2\n\
         native_seconds_sum 3.5\n\
         native_seconds_count 2\n"
    );
    assert!(metrics_core::lint_exposition(&text(&registry)).is_empty());
}

//! A collector can write every kind the data model has, with help, unit and labels, and a
//! series that does not fit its family is a reported problem, never a malformed
//! exposition.

use metrics_core::{
    lint_exposition, Collection, Collector, Format, MetricKind, Registry, Rule, SelfMetrics,
};

struct Everything;

impl Collector for Everything {
    fn collect(&self, out: &mut Collection<'_>) {
        out.family_of(
            MetricKind::Counter,
            "jobs_busy_seconds_total",
            "Time spent on jobs.",
            Some("seconds"),
            &["queue"],
        )
        .sample(&["mail"], 2.5);
        out.family_of(
            MetricKind::Gauge,
            "queue_depth",
            "Jobs waiting.",
            None,
            &["queue"],
        )
        .sample(&["mail"], 4.0);
        out.family_of(
            MetricKind::Unknown,
            "legacy_value",
            "Of unknown kind.",
            None,
            &[],
        )
        .sample(&[], 7.0);
        out.histogram_family(
            "job_duration_seconds",
            "Job time.",
            Some("seconds"),
            &["queue"],
            &[0.1, 1.0],
        )
        .histogram(&["mail"], &[3, 2, 1], 4.25);
        out.info("worker_info", "The worker.", &[("version", "1.2.3")]);
        out.family_of(
            MetricKind::StateSet,
            "worker_mode",
            "Mode.",
            None,
            &["worker"],
        )
        .states(&["w1"], &[("active", true), ("draining", false)]);
        out.family_of(
            MetricKind::Summary,
            "job_wait_seconds",
            "Queue wait.",
            Some("seconds"),
            &[],
        )
        .summary(&[], 10, 2.5, &[(0.5, 0.2), (0.99, 1.25)]);
    }
}

/// One mistake of each kind; nothing of them may reach the exposition.
struct Mistaken;

impl Collector for Mistaken {
    fn collect(&self, out: &mut Collection<'_>) {
        out.histogram_family("bad_bounds_seconds", "Bad.", None, &[], &[1.0, 0.5])
            .histogram(&[], &[1, 1, 1], 1.0);
        out.histogram_family("short_counts_seconds", "Short.", None, &[], &[1.0])
            .histogram(&[], &[1], 1.0);
        out.family_of(MetricKind::Gauge, "wrong_kind", "Gauge.", None, &[])
            .info(&[]);
        out.family_of(
            MetricKind::Gauge,
            "wrong_unit",
            "Gauge.",
            Some("seconds"),
            &[],
        )
        .sample(&[], 1.0);
        out.family_of(MetricKind::Counter, "arity_total", "Counter.", None, &["a"])
            .sample(&["x", "y"], 1.0);
        out.family_of(
            MetricKind::Summary,
            "bad_quantile_seconds",
            "Bad.",
            None,
            &[],
        )
        .summary(&[], 1, 1.0, &[(1.5, 1.0)]);
        out.family_of(MetricKind::Gauge, "pool_size", "Gauge.", None, &[])
            .summary(&[], 1, 1.0, &[]);
    }
}

fn encode(registry: &Registry, format: Format) -> String {
    let mut out = Vec::new();
    registry.encode(format, &mut out);
    String::from_utf8(out).unwrap()
}

fn registry() -> Registry {
    Registry::builder()
        .self_metrics(SelfMetrics::Overflow)
        .build()
        .unwrap()
}

#[test]
fn every_kind_in_text_and_openmetrics() {
    let registry = registry();
    registry.register_collector(Everything);
    assert_eq!(
        encode(&registry, Format::Text),
        r#"# HELP jobs_busy_seconds_total Time spent on jobs.
# TYPE jobs_busy_seconds_total counter
jobs_busy_seconds_total{queue="mail"} 2.5
# HELP queue_depth Jobs waiting.
# TYPE queue_depth gauge
queue_depth{queue="mail"} 4
# HELP legacy_value Of unknown kind.
# TYPE legacy_value untyped
legacy_value 7
# HELP job_duration_seconds Job time.
# TYPE job_duration_seconds histogram
job_duration_seconds_bucket{queue="mail",le="0.1"} 3
job_duration_seconds_bucket{queue="mail",le="1"} 5
job_duration_seconds_bucket{queue="mail",le="+Inf"} 6
job_duration_seconds_sum{queue="mail"} 4.25
job_duration_seconds_count{queue="mail"} 6
# HELP worker_info The worker.
# TYPE worker_info gauge
worker_info{version="1.2.3"} 1
# HELP worker_mode Mode.
# TYPE worker_mode gauge
worker_mode{worker="w1",worker_mode="active"} 1
worker_mode{worker="w1",worker_mode="draining"} 0
# HELP job_wait_seconds Queue wait.
# TYPE job_wait_seconds summary
job_wait_seconds{quantile="0.5"} 0.2
job_wait_seconds{quantile="0.99"} 1.25
job_wait_seconds_sum 2.5
job_wait_seconds_count 10
"#
    );
    let open_metrics = encode(&registry, Format::OpenMetrics);
    for expected in [
        "# TYPE jobs_busy_seconds counter\n# UNIT jobs_busy_seconds seconds\n",
        "jobs_busy_seconds_total{queue=\"mail\"} 2.5\n",
        "# TYPE legacy_value unknown\n",
        "# TYPE job_duration_seconds histogram\n# UNIT job_duration_seconds seconds\n",
        "job_duration_seconds_count{queue=\"mail\"} 6\n",
        "# TYPE worker info\n",
        "\nworker_info{version=\"1.2.3\"} 1\n",
        "# TYPE worker_mode stateset\n",
        "# TYPE job_wait_seconds summary\n# UNIT job_wait_seconds seconds\n",
        "job_wait_seconds{quantile=\"0.99\"} 1.25\njob_wait_seconds_count 10\n",
    ] {
        assert!(
            open_metrics.contains(expected),
            "{expected}\n{open_metrics}"
        );
    }
    // Read from elsewhere: no `_created` series for the collected counter and histogram.
    assert!(!open_metrics.contains("_created"), "{open_metrics}");
    assert!(registry.collector_problems().is_empty());
    assert_eq!(lint_exposition(&encode(&registry, Format::Text)), []);
}

#[test]
fn what_does_not_fit_is_left_out_and_reported() {
    let registry = registry();
    registry.register_collector(Mistaken);
    // Not one sample; a family whose every series was left out keeps its (empty) header.
    for format in [Format::Text, Format::OpenMetrics] {
        let body = encode(&registry, format);
        let samples: Vec<&str> = body.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(samples, Vec::<&str>::new(), "{body}");
        assert!(
            !body.contains("bad_bounds") && !body.contains("wrong_unit"),
            "{body}"
        );
    }
    let mut problems: Vec<(String, Rule)> = registry
        .collector_problems()
        .iter()
        .map(|p| (p.metric_name().to_owned(), p.rule()))
        .collect();
    problems.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        problems,
        [
            ("arity_total".to_owned(), Rule::InvalidSample),
            ("bad_bounds_seconds".to_owned(), Rule::InvalidSample),
            ("bad_quantile_seconds".to_owned(), Rule::InvalidSample),
            ("pool_size".to_owned(), Rule::InvalidSample),
            ("short_counts_seconds".to_owned(), Rule::InvalidSample),
            ("wrong_kind".to_owned(), Rule::InvalidSample),
            ("wrong_unit".to_owned(), Rule::UnitNotInName),
        ]
    );
    assert_eq!(lint_exposition(&encode(&registry, Format::Text)), []);
}

//! The naming rules, the validity checks and the exposition linter, against examples.

use super::*;
use crate::model::MetricKind;

fn first(name: &str, kind: MetricKind) -> Option<Rule> {
    check_metric_name(name, kind).err()
}

#[test]
fn validity_rules() {
    assert_eq!(first("", MetricKind::Gauge), Some(Rule::Empty));
    assert_eq!(
        first("1abc", MetricKind::Gauge),
        Some(Rule::InvalidMetricChar)
    );
    assert_eq!(
        first("a-b", MetricKind::Gauge),
        Some(Rule::InvalidMetricChar)
    );
    assert_eq!(
        first("temp_é", MetricKind::Gauge),
        Some(Rule::InvalidMetricChar)
    );
    assert_eq!(check_label_name("", MetricKind::Gauge), Err(Rule::Empty));
    assert_eq!(
        check_label_name("a:b", MetricKind::Gauge),
        Err(Rule::InvalidLabelChar)
    );
    assert_eq!(
        check_label_name("9a", MetricKind::Gauge),
        Err(Rule::InvalidLabelChar)
    );
    assert_eq!(
        check_label_name("__name", MetricKind::Gauge),
        Err(Rule::ReservedLabelPrefix)
    );
    assert_eq!(
        check_label_name("le", MetricKind::Histogram),
        Err(Rule::ReservedLabel)
    );
    assert_eq!(check_label_name("le", MetricKind::Gauge), Ok(()));
    assert_eq!(
        check_label_name("quantile", MetricKind::Histogram),
        Err(Rule::ReservedLabel)
    );
    assert_eq!(
        check_label_name("quantile", MetricKind::Summary),
        Err(Rule::ReservedLabel)
    );
    assert_eq!(
        check_label_name("userId", MetricKind::Gauge),
        Err(Rule::NotSnakeCase)
    );
}

#[test]
fn every_lint_rule_is_named() {
    let cases = [
        (
            "http_requests",
            MetricKind::Counter,
            Rule::CounterWithoutTotal,
        ),
        (
            "queue_depth_total",
            MetricKind::Gauge,
            Rule::TotalOnNonCounter,
        ),
        (
            "request_duration_milliseconds",
            MetricKind::Histogram,
            Rule::NonBaseUnit,
        ),
        ("payload_kilobytes", MetricKind::Gauge, Rule::NonBaseUnit),
        ("uptime_hours", MetricKind::Gauge, Rule::NonBaseUnit),
        ("cpu_percent", MetricKind::Gauge, Rule::NonBaseUnit),
        ("latency_ms", MetricKind::Gauge, Rule::UnitAbbreviation),
        (
            "wait_sec_total",
            MetricKind::Counter,
            Rule::UnitAbbreviation,
        ),
        ("cache_kb", MetricKind::Gauge, Rule::UnitAbbreviation),
        (
            "requestCount_total",
            MetricKind::Counter,
            Rule::NotSnakeCase,
        ),
        (
            "errors_counter_total",
            MetricKind::Counter,
            Rule::TypeInName,
        ),
        ("temperature_gauge", MetricKind::Gauge, Rule::TypeInName),
        ("jobs_count", MetricKind::Gauge, Rule::ReservedSuffix),
        ("latency_sum", MetricKind::Gauge, Rule::ReservedSuffix),
        ("latency_bucket", MetricKind::Gauge, Rule::ReservedSuffix),
        ("job_created", MetricKind::Gauge, Rule::ReservedSuffix),
        ("job:rate5m", MetricKind::Gauge, Rule::Colon),
    ];
    for (name, kind, rule) in cases {
        assert_eq!(first(name, kind), Some(rule), "{name}");
        let problems = family_problems(name, "help", kind, &[], &[], NameValidation::Legacy);
        assert!(problems
            .iter()
            .any(|p| p.rule() == rule && p.metric_name() == name));
    }
}

#[test]
fn good_names_pass() {
    for (name, kind) in [
        ("http_requests_total", MetricKind::Counter),
        ("http_request_duration_seconds", MetricKind::Histogram),
        ("process_resident_memory_bytes", MetricKind::Gauge),
        ("temperature_celsius", MetricKind::Gauge),
        ("thermometers_active", MetricKind::Gauge),
        ("items_in_stock", MetricKind::Gauge),
        ("_private", MetricKind::Gauge),
    ] {
        assert_eq!(first(name, kind), None, "{name}");
    }
}

#[test]
fn units_end_the_name() {
    assert_eq!(
        check_unit("request_duration_seconds", "seconds", MetricKind::Histogram),
        Ok(())
    );
    assert_eq!(
        check_unit("cpu_seconds_total", "seconds", MetricKind::Counter),
        Ok(())
    );
    assert_eq!(
        check_unit("request_duration", "seconds", MetricKind::Histogram),
        Err(Rule::UnitNotInName)
    );
    assert_eq!(
        check_unit("xseconds", "seconds", MetricKind::Gauge),
        Err(Rule::UnitNotInName)
    );
    assert_eq!(
        check_unit("seconds", "seconds", MetricKind::Gauge),
        Err(Rule::UnitNotInName)
    );
    assert_eq!(
        check_unit("a_b", "b-c", MetricKind::Gauge),
        Err(Rule::InvalidMetricChar)
    );
    assert_eq!(first("build_info", MetricKind::Info), None);
    assert_eq!(
        first("build", MetricKind::Info),
        Some(Rule::InfoWithoutSuffix)
    );
}

#[test]
fn help_and_labels_at_registration() {
    let problems = family_problems(
        "jobs_total",
        " ",
        MetricKind::Counter,
        &["a", "a"],
        &[],
        NameValidation::Legacy,
    );
    assert_eq!(problems[0].rule(), Rule::MissingHelp);
    assert_eq!(problems[1].rule(), Rule::DuplicateLabel);
    assert_eq!(problems[1].label_name(), Some("a"));
    let problems = family_problems(
        "jobs_total",
        "Jobs.",
        MetricKind::Counter,
        &["env"],
        &["env"],
        NameValidation::Legacy,
    );
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].rule(), Rule::DuplicateLabel);
}

#[test]
fn const_check_agrees_with_runtime() {
    const NAME: &str = checked_name("build_info_seconds", MetricKind::Gauge);
    assert_eq!(NAME, "build_info_seconds");
    let result = std::panic::catch_unwind(|| checked_name("latency_ms", MetricKind::Gauge));
    let message = *result.unwrap_err().downcast::<String>().unwrap();
    assert_eq!(message, Rule::UnitAbbreviation.message());
}

#[test]
fn exposition_lint() {
    let text = "\
# HELP http_requests_total Requests.
# TYPE http_requests_total counter
http_requests_total{method=\"GET\",userId=\"1\"} 3
# TYPE queue_depth_total gauge
queue_depth_total 1
# HELP latency_seconds Latency.
# TYPE latency_seconds histogram
latency_seconds_bucket{le=\"1\"} 1
latency_seconds_bucket{le=\"+Inf\"} 1
latency_seconds_sum 0.5
latency_seconds_count 1
this is not a sample
";
    let problems = lint_exposition(text);
    let rules: Vec<(Rule, Option<&str>)> = problems
        .iter()
        .map(|p| (p.rule(), p.label_name()))
        .collect();
    assert_eq!(
        rules,
        vec![
            (Rule::Malformed, None),
            (Rule::NotSnakeCase, Some("userId")),
            (Rule::TotalOnNonCounter, None),
            (Rule::MissingHelp, None),
        ]
    );
    assert_eq!(problems[0].line(), Some(12));
    assert_eq!(problems[2].metric_name(), "queue_depth_total");
}

#[test]
fn utf8_names_and_how_the_lints_read_them() {
    let utf8 = NameValidation::Utf8;
    let problems = |name: &str, kind, labels: &[&str]| {
        family_problems(name, "Help.", kind, labels, &[], utf8)
            .into_iter()
            .map(|p| (p.rule(), p.label_name().map(str::to_owned)))
            .collect::<Vec<_>>()
    };
    assert!(problems(
        "http.server.active_requests",
        MetricKind::Gauge,
        &["http.route"]
    )
    .is_empty());
    // Suffix rules read the name literally: a counter still ends in `_total`.
    assert_eq!(
        problems("http.server.requests", MetricKind::Counter, &[]),
        [(Rule::CounterWithoutTotal, None)]
    );
    assert!(problems("http.server.requests_total", MetricKind::Counter, &[]).is_empty());
    // Word rules split at dots too.
    assert_eq!(
        problems("http.server.duration.ms", MetricKind::Histogram, &[]),
        [(Rule::UnitAbbreviation, None)]
    );
    assert_eq!(
        problems("Http.Requests", MetricKind::Gauge, &[]),
        [(Rule::NotSnakeCase, None)]
    );
    // Label names: any but empty, reserved or `__`-prefixed; and no two that the default
    // escaping makes one.
    assert_eq!(
        problems(
            "g",
            MetricKind::Gauge,
            &["http.route", "http_route", "__x", "", "le.x"]
        ),
        [
            (Rule::EscapedNameCollision, Some("http_route".to_owned())),
            (Rule::ReservedLabelPrefix, Some("__x".to_owned())),
            (Rule::Empty, Some(String::new())),
        ]
    );
    assert_eq!(
        problems("latency", MetricKind::Histogram, &["le"]),
        [(Rule::ReservedLabel, Some("le".to_owned()))]
    );
    assert_eq!(problems("", MetricKind::Gauge, &[]), [(Rule::Empty, None)]);
    // The legacy rules refuse what UTF-8 takes.
    assert_eq!(
        family_problems(
            "a.b",
            "Help.",
            MetricKind::Gauge,
            &[],
            &[],
            NameValidation::Legacy
        )[0]
        .rule(),
        Rule::InvalidMetricChar
    );
}

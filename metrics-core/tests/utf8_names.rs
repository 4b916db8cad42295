//! UTF-8 metric and label names (`NameValidation::Utf8`): the exposition for each escaping
//! scheme and format as golden bytes, protobuf decoded, the linter and parser reading the
//! quoted syntax, and the names that registration refuses.

#[path = "common/proto.rs"]
mod proto;

use metrics_core::{
    lint_exposition, Buckets, DynLabels, Escaping, Exposition, Family, Format, Gauge, Histogram,
    NameValidation, Opts, RegisterError, Registry, Rule, SelfMetrics,
};
use prost::Message;

/// OpenTelemetry's HTTP server metrics, with one legacy family beside them.
fn registry() -> Registry {
    let registry = Registry::builder()
        .name_validation(NameValidation::Utf8)
        .const_label("service.name", "shop")
        .self_metrics(SelfMetrics::Overflow)
        .build()
        .unwrap();
    let duration: Family<DynLabels, Histogram> = registry.family_with(
        Opts::new(
            "http.server.request.duration",
            "Duration of HTTP server requests.",
        )
        .unit("seconds")
        .labels(&["http.request.method", "http.route"]),
        Buckets::new([0.1, 1.0]).unwrap(),
    );
    duration
        .with_label_values(&["GET", "/users/{id}"])
        .observe(0.05);
    let active: Family<DynLabels, Gauge> = registry.family(
        Opts::new("http.server.active_requests", "Requests in flight.")
            .labels(&["http.request.method"]),
    );
    active.with_label_values(&["GET"]).set(2.0);
    registry.counter("jobs_total", "Jobs.").inc();
    registry
}

fn encode(registry: &Registry, exposition: Exposition) -> (String, &'static str) {
    let mut out = Vec::new();
    let content_type = registry.encode(exposition, &mut out);
    (String::from_utf8(out).unwrap(), content_type)
}

#[test]
fn text_for_each_scheme() {
    let registry = registry();
    let (text, content_type) = encode(&registry, Format::Text.into());
    assert_eq!(content_type, "text/plain; version=0.0.4; charset=utf-8");
    assert_eq!(
        text,
        r#"# HELP http_server_active_requests Requests in flight.
# TYPE http_server_active_requests gauge
http_server_active_requests{service_name="shop",http_request_method="GET"} 2
# HELP http_server_request_duration Duration of HTTP server requests.
# TYPE http_server_request_duration histogram
http_server_request_duration_bucket{service_name="shop",http_request_method="GET",http_route="/users/{id}",le="0.1"} 1
http_server_request_duration_bucket{service_name="shop",http_request_method="GET",http_route="/users/{id}",le="1"} 1
http_server_request_duration_bucket{service_name="shop",http_request_method="GET",http_route="/users/{id}",le="+Inf"} 1
http_server_request_duration_sum{service_name="shop",http_request_method="GET",http_route="/users/{id}"} 0.05
http_server_request_duration_count{service_name="shop",http_request_method="GET",http_route="/users/{id}"} 1
# HELP jobs_total Jobs.
# TYPE jobs_total counter
jobs_total{service_name="shop"} 1
"#
    );

    let (text, content_type) = encode(
        &registry,
        Exposition::new(Format::TextV1, Escaping::AllowUtf8),
    );
    assert_eq!(
        content_type,
        "text/plain; version=1.0.0; charset=utf-8; escaping=allow-utf-8"
    );
    assert_eq!(
        text,
        r#"# HELP "http.server.active_requests" Requests in flight.
# TYPE "http.server.active_requests" gauge
{"http.server.active_requests","service.name"="shop","http.request.method"="GET"} 2
# HELP "http.server.request.duration" Duration of HTTP server requests.
# TYPE "http.server.request.duration" histogram
{"http.server.request.duration_bucket","service.name"="shop","http.request.method"="GET","http.route"="/users/{id}",le="0.1"} 1
{"http.server.request.duration_bucket","service.name"="shop","http.request.method"="GET","http.route"="/users/{id}",le="1"} 1
{"http.server.request.duration_bucket","service.name"="shop","http.request.method"="GET","http.route"="/users/{id}",le="+Inf"} 1
{"http.server.request.duration_sum","service.name"="shop","http.request.method"="GET","http.route"="/users/{id}"} 0.05
{"http.server.request.duration_count","service.name"="shop","http.request.method"="GET","http.route"="/users/{id}"} 1
# HELP jobs_total Jobs.
# TYPE jobs_total counter
jobs_total{"service.name"="shop"} 1
"#
    );

    let (text, content_type) = encode(&registry, Exposition::new(Format::Text, Escaping::Dots));
    assert_eq!(
        content_type,
        "text/plain; version=1.0.0; charset=utf-8; escaping=dots"
    );
    assert!(text.contains(
        "\nhttp_dot_server_dot_active__requests{service_dot_name=\"shop\",http_dot_request_dot_method=\"GET\"} 2\n"
    ));
    assert!(
        text.contains("\njobs_total{service_dot_name=\"shop\"} 1\n"),
        "{text}"
    );

    let (text, _) = encode(&registry, Exposition::new(Format::TextV1, Escaping::Values));
    assert!(text.contains(
        "\nU__http_2e_server_2e_active__requests{U__service_2e_name=\"shop\",U__http_2e_request_2e_method=\"GET\"} 2\n"
    ), "{text}");
}

#[test]
fn openmetrics_for_each_scheme() {
    let registry = registry();
    let (text, content_type) = encode(
        &registry,
        Exposition::new(Format::OpenMetrics, Escaping::AllowUtf8),
    );
    assert_eq!(
        content_type,
        "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=allow-utf-8"
    );
    // The unit is not the end of an OpenTelemetry name: no `# UNIT` line (protobuf has it).
    assert_eq!(
        text,
        r#"# TYPE "http.server.active_requests" gauge
# HELP "http.server.active_requests" Requests in flight.
{"http.server.active_requests","service.name"="shop","http.request.method"="GET"} 2
# TYPE "http.server.request.duration" histogram
# HELP "http.server.request.duration" Duration of HTTP server requests.
{"http.server.request.duration_bucket","service.name"="shop","http.request.method"="GET","http.route"="/users/{id}",le="0.1"} 1
{"http.server.request.duration_bucket","service.name"="shop","http.request.method"="GET","http.route"="/users/{id}",le="1.0"} 1
{"http.server.request.duration_bucket","service.name"="shop","http.request.method"="GET","http.route"="/users/{id}",le="+Inf"} 1
{"http.server.request.duration_count","service.name"="shop","http.request.method"="GET","http.route"="/users/{id}"} 1
{"http.server.request.duration_sum","service.name"="shop","http.request.method"="GET","http.route"="/users/{id}"} 0.05
# TYPE jobs counter
# HELP jobs Jobs.
jobs_total{"service.name"="shop"} 1
# EOF
"#
    );
    let (text, content_type) = encode(&registry, Format::OpenMetrics.into());
    assert_eq!(
        content_type,
        "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores"
    );
    assert!(text.starts_with(
        "# TYPE http_server_active_requests gauge\n# HELP http_server_active_requests Requests in flight.\nhttp_server_active_requests{service_name=\"shop\",http_request_method=\"GET\"} 2\n"
    ), "{text}");
    for exposition in [
        Exposition::new(Format::OpenMetrics, Escaping::AllowUtf8),
        Exposition::new(Format::TextV1, Escaping::AllowUtf8),
        Exposition::new(Format::OpenMetrics, Escaping::Values),
        Format::Text.into(),
    ] {
        let (text, _) = encode(&registry, exposition);
        let problems: Vec<_> = lint_exposition(&text)
            .into_iter()
            .filter(|p| !p.rule().is_lint())
            .collect();
        assert!(problems.is_empty(), "{exposition:?}: {problems:?}\n{text}");
    }
}

#[test]
fn a_unit_that_ends_a_utf8_name_has_its_line() {
    let registry = Registry::builder()
        .name_validation(NameValidation::Utf8)
        .build()
        .unwrap();
    registry
        .try_family::<DynLabels, Gauge>(
            Opts::new("process.memory_bytes", "Resident memory.").unit("bytes"),
        )
        .unwrap()
        .with_label_values(&[])
        .set(1.0);
    let (text, _) = encode(
        &registry,
        Exposition::new(Format::OpenMetrics, Escaping::AllowUtf8),
    );
    assert!(
        text.contains("# UNIT \"process.memory_bytes\" bytes\n"),
        "{text}"
    );
    let (text, _) = encode(&registry, Format::OpenMetrics.into());
    assert!(
        text.contains("# UNIT process_memory_bytes bytes\n"),
        "{text}"
    );
}

#[test]
fn protobuf_names_per_scheme_and_the_unit() {
    let registry = registry();
    for (escaping, family, label) in [
        (
            Escaping::AllowUtf8,
            "http.server.request.duration",
            "http.route",
        ),
        (
            Escaping::Underscores,
            "http_server_request_duration",
            "http_route",
        ),
        (
            Escaping::Dots,
            "http_dot_server_dot_request_dot_duration",
            "http_dot_route",
        ),
    ] {
        let mut body = Vec::new();
        let content_type = registry.encode(Exposition::new(Format::Protobuf, escaping), &mut body);
        assert!(content_type.ends_with(&format!("; escaping={}", escaping.as_str())));
        let mut rest = &body[..];
        let mut families = Vec::new();
        while !rest.is_empty() {
            families.push(proto::MetricFamily::decode_length_delimited(&mut rest).unwrap());
        }
        let duration = families
            .iter()
            .find(|f| f.name.as_deref() == Some(family))
            .unwrap_or_else(|| panic!("{family} in {families:?}"));
        assert_eq!(duration.unit.as_deref(), Some("seconds"));
        let labels: Vec<&str> = duration.metric[0]
            .label
            .iter()
            .map(|l| l.name.as_deref().unwrap())
            .collect();
        assert!(labels.contains(&label), "{labels:?}");
        let jobs = families
            .iter()
            .find(|f| f.name.as_deref() == Some("jobs_total"));
        assert_eq!(jobs.unwrap().unit, None);
    }
}

#[test]
fn names_that_escape_alike_are_refused() {
    let registry = Registry::builder()
        .name_validation(NameValidation::Utf8)
        .build()
        .unwrap();
    registry.try_gauge("queue.depth", "Depth.").unwrap();
    let err = registry.try_gauge("queue_depth", "Depth.").unwrap_err();
    assert!(
        matches!(&err, RegisterError::Name(p) if p.rule() == Rule::EscapedNameCollision),
        "{err:?}"
    );
    let err = registry
        .try_family::<DynLabels, Gauge>(Opts::new("g", "G.").labels(&["a.b", "a_b"]))
        .unwrap_err();
    assert!(
        matches!(&err, RegisterError::Name(p) if p.rule() == Rule::EscapedNameCollision),
        "{err:?}"
    );
    // The same name again is the same family, not a collision.
    registry.try_gauge("queue.depth", "Depth.").unwrap();
    // The legacy rules, the default, refuse such names.
    let legacy = Registry::new();
    let err = legacy.try_gauge("queue.depth", "Depth.").unwrap_err();
    assert!(
        matches!(&err, RegisterError::Name(p) if p.rule() == Rule::InvalidMetricChar),
        "{err:?}"
    );
}

/// A collector's families take the names its registry takes.
#[test]
fn collectors_follow_the_registry() {
    struct Cpu;
    impl metrics_core::Collector for Cpu {
        fn collect(&self, out: &mut metrics_core::Collection<'_>) {
            out.gauge_family("system.cpu.utilization", "CPU in use.", &["cpu.mode"])
                .sample(&["user"], 0.25);
        }
    }
    let utf8 = Registry::builder()
        .name_validation(NameValidation::Utf8)
        .self_metrics(SelfMetrics::Overflow)
        .build()
        .unwrap();
    utf8.register_collector(Cpu);
    let (text, _) = encode(&utf8, Exposition::new(Format::TextV1, Escaping::AllowUtf8));
    assert!(
        text.contains("\n{\"system.cpu.utilization\",\"cpu.mode\"=\"user\"} 0.25\n"),
        "{text}"
    );
    let (text, _) = encode(&utf8, Format::Text.into());
    assert!(
        text.contains("\nsystem_cpu_utilization{cpu_mode=\"user\"} 0.25\n"),
        "{text}"
    );
    assert!(utf8.collector_problems().is_empty());

    // A family that escapes like the collector's, whichever comes first, is refused.
    let collision = |err: RegisterError| {
        assert!(
            matches!(&err, RegisterError::Name(p) if p.rule() == Rule::EscapedNameCollision),
            "{err:?}"
        )
    };
    collision(
        utf8.try_gauge("system_cpu_utilization", "CPU.")
            .unwrap_err(),
    );
    let other = Registry::builder()
        .name_validation(NameValidation::Utf8)
        .build()
        .unwrap();
    other.try_gauge("system_cpu_utilization", "CPU.").unwrap();
    collision(other.try_register_collector(Cpu).unwrap_err());

    let legacy = Registry::builder()
        .self_metrics(SelfMetrics::Overflow)
        .build()
        .unwrap();
    legacy.register_collector(Cpu);
    let (text, _) = encode(&legacy, Format::Text.into());
    assert!(text.is_empty(), "{text}");
    assert_eq!(
        legacy.collector_problems()[0].rule(),
        Rule::InvalidMetricChar
    );
}

//! Golden tests of the OpenMetrics 1.0.0 exposition: family names, units, `_created`,
//! exemplars, info and state sets, escaping, special values, `# EOF`.

use std::time::{SystemTime, UNIX_EPOCH};

use metrics_core::{
    Buckets, Counter, DynLabels, ExemplarError, Family, Format, Histogram, LabelValue, Opts,
    Registry, SelfMetrics, StateSet, MAX_EXEMPLAR_CHARS,
};

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// Encodes as OpenMetrics and replaces every timestamp (`_created` values and exemplar
/// times), after checking it lies between `since` and now (to the millisecond), with `<ts>`.
fn openmetrics(registry: &Registry, since: f64) -> String {
    let mut out = Vec::new();
    let content_type = registry.encode(Format::OpenMetrics, &mut out);
    assert_eq!(
        content_type,
        "application/openmetrics-text; version=1.0.0; charset=utf-8; escaping=underscores"
    );
    let until = now();
    let text = String::from_utf8(out).unwrap();
    let in_window = |ts: &str| {
        let ts: f64 = ts.parse().unwrap();
        assert!(
            ts >= since - 0.001 && ts <= until + 0.001,
            "{ts} outside [{since}, {until}]"
        );
    };
    text.lines()
        .map(|line| {
            let mut line = line.to_string();
            let created = line
                .split(' ')
                .next()
                .is_some_and(|s| s.contains("_created"));
            if created || line.contains(" # {") {
                let (head, ts) = line.rsplit_once(' ').unwrap();
                in_window(ts);
                line = format!("{head} <ts>");
            }
            line + "\n"
        })
        .collect()
}

#[derive(Debug, Clone, Copy)]
enum Phase {
    Starting,
    Serving,
}

impl LabelValue for Phase {
    const CARDINALITY: Option<usize> = Some(2);
    fn with_str<R>(&self, f: impl FnOnce(&str) -> R) -> R {
        f(match self {
            Phase::Starting => "starting",
            Phase::Serving => "serving",
        })
    }
    fn index(&self) -> usize {
        *self as usize
    }
    fn from_index(index: usize) -> Option<Phase> {
        [Phase::Starting, Phase::Serving].get(index).copied()
    }
}

#[test]
fn every_kind_with_exemplars_created_and_units() {
    let since = now();
    // The self-metrics (on by default) have goldens in `exposition.rs`.
    let registry = Registry::builder()
        .const_label("service", "api")
        .self_metrics(SelfMetrics::Overflow)
        .openmetrics_created(true)
        .build()
        .unwrap();
    let requests: Family<DynLabels, Counter> = registry.family(
        Opts::new("http_requests_total", "Requests \"served\".\nBy route.").labels(&["route"]),
    );
    requests
        .with_label_values(&["/users/{id}"])
        .inc_by_with_exemplar(2, &[("trace_id", "4bf92f3577b34da6")])
        .unwrap();
    let latency: Histogram = registry
        .family_with::<(), Histogram>(
            Opts::new("http_request_duration_seconds", "Latency.").unit("seconds"),
            Buckets::new([0.1, 1.0]).unwrap(),
        )
        .get(&())
        .into_owned();
    latency.observe(0.05);
    latency
        .observe_with_exemplar(0.5, &[("trace_id", "a\"b")])
        .unwrap();
    latency.observe(f64::INFINITY);
    let temperature = registry.gauge("room_temperature_celsius", "Temperature.");
    temperature.set(f64::NAN);
    registry
        .try_info("build_info", "Build.", &[("version", "1.2.3")])
        .unwrap();
    let phase: StateSet<Phase> = registry.try_state_set("server_phase", "Phase.").unwrap();
    phase.set(Phase::Serving);

    assert_eq!(
        openmetrics(&registry, since),
        r#"# TYPE build info
# HELP build Build.
build_info{service="api",version="1.2.3"} 1
# TYPE http_request_duration_seconds histogram
# UNIT http_request_duration_seconds seconds
# HELP http_request_duration_seconds Latency.
http_request_duration_seconds_bucket{service="api",le="0.1"} 1
http_request_duration_seconds_bucket{service="api",le="1.0"} 2 # {trace_id="a\"b"} 0.5 <ts>
http_request_duration_seconds_bucket{service="api",le="+Inf"} 3
http_request_duration_seconds_count{service="api"} 3
http_request_duration_seconds_sum{service="api"} +Inf
http_request_duration_seconds_created{service="api"} <ts>
# TYPE http_requests counter
# HELP http_requests Requests \"served\".\nBy route.
http_requests_total{service="api",route="/users/{id}"} 2 # {trace_id="4bf92f3577b34da6"} 2 <ts>
http_requests_created{service="api",route="/users/{id}"} <ts>
# TYPE room_temperature_celsius gauge
# HELP room_temperature_celsius Temperature.
room_temperature_celsius{service="api"} NaN
# TYPE server_phase stateset
# HELP server_phase Phase.
server_phase{service="api",server_phase="starting"} 0
server_phase{service="api",server_phase="serving"} 1
# EOF
"#
    );
}

/// By default, as client_golang since 1.20, OpenMetrics has no `_created` lines (each would
/// be a series of its own to a Prometheus without created-timestamp-zero-ingestion); the
/// protobuf format keeps the time.
#[test]
fn created_lines_only_when_asked() {
    let registry = Registry::builder()
        .self_metrics(SelfMetrics::Overflow)
        .build()
        .unwrap();
    registry.counter("jobs_total", "Jobs.").inc();
    registry
        .histogram("latency_seconds", "Latency.", Buckets::new([1.0]).unwrap())
        .observe(0.5);
    let mut out = Vec::new();
    registry.encode(Format::OpenMetrics, &mut out);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "# TYPE jobs counter\n# HELP jobs Jobs.\njobs_total 1\n\
         # TYPE latency_seconds histogram\n# HELP latency_seconds Latency.\n\
         latency_seconds_bucket{le=\"1.0\"} 1\nlatency_seconds_bucket{le=\"+Inf\"} 1\n\
         latency_seconds_count 1\nlatency_seconds_sum 0.5\n# EOF\n"
    );
}

#[test]
fn info_and_state_sets_in_the_text_format() {
    let registry = Registry::new();
    registry
        .try_info("build_info", "Build.", &[("version", "1.2.3")])
        .unwrap();
    let phase: StateSet<Phase> = registry.try_state_set("server_phase", "Phase.").unwrap();
    assert!(phase.is(&Phase::Starting));
    let again: StateSet<Phase> = registry.try_state_set("server_phase", "Phase.").unwrap();
    again.set(Phase::Serving);
    assert!(
        phase.is(&Phase::Serving),
        "a second registration returns the same state set"
    );
    let mut out = Vec::new();
    registry.encode(Format::Text, &mut out);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        r#"# HELP build_info Build.
# TYPE build_info gauge
build_info{version="1.2.3"} 1
# HELP server_phase Phase.
# TYPE server_phase gauge
server_phase{server_phase="starting"} 0
server_phase{server_phase="serving"} 1
"#
    );
    assert!(registry.try_info("build_info", "Build.", &[]).is_err());
    assert!(
        registry.try_info("build", "Build.", &[]).is_err(),
        "info names end in _info"
    );
    match registry.try_state_set::<String>("other_phase", "Phase.") {
        Err(metrics_core::RegisterError::NotEnumerable { name }) => assert_eq!(name, "other_phase"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn units_are_checked_against_the_name() {
    let registry = Registry::new();
    let err = registry
        .try_family::<(), Histogram>(Opts::new("request_duration", "Latency.").unit("seconds"))
        .unwrap_err();
    assert!(err.to_string().contains("unit must end its name"), "{err}");
    assert!(registry
        .try_family::<(), Counter>(Opts::new("cpu_seconds_total", "CPU.").unit("seconds"))
        .is_ok());
    let conflict = registry
        .try_family::<(), Counter>(Opts::new("cpu_seconds_total", "CPU."))
        .unwrap_err();
    assert_eq!(
        conflict,
        metrics_core::RegisterError::Conflict {
            name: "cpu_seconds_total".into(),
            differs: metrics_core::Conflict::Unit
        }
    );
}

#[test]
fn a_bad_exemplar_is_refused_and_the_value_kept() {
    let registry = Registry::new();
    let c = registry.counter("jobs_total", "Jobs.");
    let long = "x".repeat(MAX_EXEMPLAR_CHARS);
    assert_eq!(
        c.inc_with_exemplar(&[("trace_id", &long)]),
        Err(ExemplarError::TooLong {
            chars: MAX_EXEMPLAR_CHARS + "trace_id".len()
        })
    );
    assert_eq!(c.get(), 1.0, "the increment is recorded");
    let h = registry.histogram("job_seconds", "Jobs.", Buckets::default());
    assert!(matches!(
        h.observe_with_exemplar(1.0, &[("9bad", "x")]),
        Err(ExemplarError::Name(_))
    ));
    assert_eq!(h.snapshot().count(), 1);
    let mut out = Vec::new();
    registry.encode(Format::OpenMetrics, &mut out);
    let text = String::from_utf8(out).unwrap();
    assert!(!text.contains(" # {"), "no exemplar was stored:\n{text}");
    assert!(text.ends_with("# EOF\n"));
}

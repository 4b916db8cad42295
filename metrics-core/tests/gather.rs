//! `Registry::gather`: every kind arrives as data, with what the text format cannot carry
//! (native buckets, exemplars, units, created times), in the order `encode` writes it; and
//! `samples()`, built from it, gives the series the text exposition shows.

use std::borrow::Cow;

use metrics_core::{
    Buckets, Counter, DynLabels, Family, Format, Histogram, LabelValue, MetricFamilies, MetricKind,
    NativeBuckets, Opts, Registry, StateSet, Value,
};

#[derive(Debug, Clone, Copy, LabelValue)]
enum Phase {
    Starting,
    Serving,
}

/// One family of each kind, const labels, an escaped label value, exemplars, a unit and
/// native buckets.
fn registry() -> Registry {
    let registry = Registry::builder()
        .const_label("service", "api")
        .build()
        .unwrap();
    let requests: Family<DynLabels, Counter> =
        registry.family(Opts::new("http_requests_total", "Requests.").labels(&["route", "method"]));
    requests
        .with_label_values(&["/a\"b\\c", "GET"])
        .inc_by_with_exemplar(3, &[("trace_id", "4bf92f")])
        .unwrap();
    requests.with_label_values(&["/", "POST"]).inc_by(2);
    let latency: Histogram = registry
        .family_with::<(), Histogram>(
            Opts::new("request_duration_seconds", "Latency.").unit("seconds"),
            Buckets::new([0.1, 1.0])
                .unwrap()
                .native(NativeBuckets::with_schema(0).unwrap()),
        )
        .get(&())
        .into_owned();
    latency.observe(0.05);
    latency
        .observe_with_exemplar(0.5, &[("trace_id", "77")])
        .unwrap();
    latency.observe(4.0);
    let only = registry.histogram(
        "native_seconds",
        "Native only.",
        Buckets::native_only(NativeBuckets::with_schema(1).unwrap()),
    );
    only.observe(3.0);
    registry.gauge("queue_depth", "Jobs waiting.").set(-1.5);
    registry
        .try_info("build_info", "Build.", &[("version", "1.2.3")])
        .unwrap();
    let phase: StateSet<Phase> = registry.try_state_set("server_phase", "Phase.").unwrap();
    phase.set(Phase::Serving);
    registry
}

fn labels(series: &metrics_core::SeriesView<'_>) -> Vec<(String, String)> {
    series
        .labels()
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

#[test]
fn every_kind_arrives_as_data() {
    let registry = registry();
    let mut families = MetricFamilies::new();
    registry.gather(&mut families);
    let names: Vec<_> = families.iter().map(|f| f.desc().name).collect();
    // The order `encode` writes: families by name, then the registry's own (on by default).
    assert_eq!(
        names,
        [
            "build_info",
            "http_requests_total",
            "native_seconds",
            "queue_depth",
            "request_duration_seconds",
            "server_phase",
            "metrics_family_series",
            "metrics_family_series_limit",
        ]
    );
    let family = |name: &str| families.iter().find(|f| f.desc().name == name).unwrap();

    let requests = family("http_requests_total");
    assert_eq!(requests.desc().kind, MetricKind::Counter);
    assert_eq!(requests.desc().help, "Requests.");
    let series: Vec<_> = requests.series().collect();
    assert_eq!(series.len(), 2);
    assert_eq!(
        labels(&series[0]),
        pairs(&[("service", "api"), ("route", "/a\"b\\c"), ("method", "GET")])
    );
    let Value::Counter(first) = series[0].value() else {
        panic!("not a counter: {:?}", series[0].value());
    };
    assert_eq!(first.value(), 3.0);
    assert!(first.created.is_some());
    let exemplar = first.exemplar.expect("the exemplar is kept");
    assert_eq!(exemplar.value(), 3.0);
    let exemplar_labels: Vec<_> = exemplar.labels().collect();
    assert_eq!(
        exemplar_labels,
        [(Cow::Borrowed("trace_id"), Cow::Borrowed("4bf92f"))]
    );
    assert!(
        matches!(series[1].value(), Value::Counter(c) if c.value() == 2.0 && c.exemplar.is_none())
    );

    let latency = family("request_duration_seconds");
    assert_eq!(latency.desc().unit, Some("seconds"));
    let series = latency.series().next().unwrap();
    let Value::Histogram(h) = series.value() else {
        panic!("not a histogram");
    };
    assert_eq!(h.bounds.bounds(), [0.1, 1.0]);
    assert_eq!(h.counts, [1, 1, 1]);
    assert_eq!((h.count, h.sum), (3, 4.55));
    assert!(!h.native_only);
    assert_eq!(h.exemplar(1).map(|e| e.value()), Some(0.5));
    assert!(h.exemplar(0).is_none() && h.exemplar(2).is_none());
    let native = h.native.expect("native buckets are gathered");
    assert_eq!((native.schema, native.count, native.zero_count), (0, 3, 0));
    // Schema 0: (0.03125, 0.0625] is index -4, (0.25, 0.5] is -1, (2, 4] is 2.
    assert_eq!(native.positive, [(-4, 1), (-1, 1), (2, 1)]);

    let only = family("native_seconds").series().next().unwrap();
    let Value::Histogram(h) = only.value() else {
        panic!("not a histogram");
    };
    assert!(h.native_only);
    assert_eq!((h.counts, h.count, h.sum), (&[1u64][..], 1, 3.0));
    // Schema 1: 3 lies in (2^1.5, 2^2], index 4.
    assert_eq!(h.native.map(|n| n.positive.clone()), Some(vec![(4, 1)]));

    let queue = family("queue_depth").series().next().unwrap();
    assert_eq!(queue.value(), Value::Gauge(-1.5));
    assert_eq!(labels(&queue), pairs(&[("service", "api")]));

    let info = family("build_info").series().next().unwrap();
    assert_eq!(info.value(), Value::Info);
    assert_eq!(
        labels(&info),
        pairs(&[("service", "api"), ("version", "1.2.3")])
    );

    // Labelled families only: a plain metric is one series for good.
    let held: Vec<_> = family("metrics_family_series")
        .series()
        .map(|s| (labels(&s), s.value()))
        .collect();
    assert_eq!(
        held,
        [(
            pairs(&[("service", "api"), ("family", "http_requests_total")]),
            Value::Gauge(2.0)
        )]
    );

    let states: Vec<_> = family("server_phase").series().map(|s| s.value()).collect();
    assert_eq!(
        states,
        [
            Value::State {
                state: "starting",
                on: false
            },
            Value::State {
                state: "serving",
                on: true
            }
        ]
    );
}

#[test]
fn gathering_again_replaces_what_was_there() {
    let registry = Registry::new();
    let jobs = registry.counter("jobs_total", "Jobs.");
    let mut families = MetricFamilies::new();
    registry.gather(&mut families);
    jobs.inc_by(5);
    registry.gather(&mut families);
    assert_eq!(families.len(), 1);
    let series: Vec<_> = families.iter().next().unwrap().series().collect();
    assert_eq!(series.len(), 1);
    assert!(matches!(series[0].value(), Value::Counter(c) if c.value() == 5.0));
    Registry::new().gather(&mut families);
    assert!(families.is_empty());
}

/// `samples()` is built from `gather`, not by parsing text; it must still give exactly the
/// series of the text exposition, values included, in order.
#[test]
fn samples_are_the_series_of_the_text_exposition() {
    let registry = registry();
    let mut text = Vec::new();
    registry.encode(Format::Text, &mut text);
    let text = String::from_utf8(text).unwrap();
    let expected: Vec<String> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(str::to_owned)
        .collect();
    let got: Vec<String> = registry
        .samples()
        .iter()
        .map(|s| {
            let labels: Vec<String> = s
                .labels
                .iter()
                .map(|(n, v)| {
                    let v = v
                        .replace('\\', "\\\\")
                        .replace('"', "\\\"")
                        .replace('\n', "\\n");
                    format!("{n}=\"{v}\"")
                })
                .collect();
            let value = if s.value.fract() == 0.0 && s.value.abs() < 1e15 {
                format!("{}", s.value as i64)
            } else {
                format!("{}", s.value)
            };
            format!("{}{{{}}} {value}", s.name, labels.join(","))
        })
        .collect();
    assert_eq!(got, expected);
}

/// Gathered families encode to the very bytes the registry writes directly, in every format.
#[test]
fn gathered_families_encode_as_the_registry_does() {
    let registry = registry();
    let mut families = MetricFamilies::new();
    registry.gather(&mut families);
    for format in [Format::Text, Format::OpenMetrics, Format::Protobuf] {
        let (mut direct, mut replayed) = (Vec::new(), Vec::new());
        let content_type = registry.encode(format, &mut direct);
        assert_eq!(format.encode(&families, &mut replayed), content_type);
        assert_eq!(direct, replayed, "{format:?}");
    }
}

//! Summaries as every output writes them: golden text and OpenMetrics, protobuf decoded
//! against the schema, gathered data and pushed samples, families and the derive, and
//! scrapes in each format that stay consistent while four threads observe.
//!
//! Observations are powers of two: they are bucket bounds at every resolution, and a
//! quantile whose rank ends a bucket is exactly that bound, so the goldens are exact.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use metrics_core::{
    DynLabels, Family, Format, MetricFamilies, MetricGroup, Opts, Quantiles, Registry, SelfMetrics,
    Summary, Value,
};

/// A registry without its own metrics, writing OpenMetrics `_created` lines.
fn registry() -> Registry {
    Registry::builder()
        .self_metrics(SelfMetrics::Overflow)
        .openmetrics_created(true)
        .build()
        .unwrap()
}

fn encode(registry: &Registry, format: Format) -> Vec<u8> {
    let mut out = Vec::new();
    registry.encode(format, &mut out);
    out
}

/// A family with one observed series and one empty one.
fn rpc_family(registry: &Registry) -> Family<DynLabels, Summary> {
    let rpc: Family<DynLabels, Summary> = registry.family_with(
        Opts::new("rpc_duration_seconds", "RPC latency.")
            .labels(&["method"])
            .unit("seconds"),
        Quantiles::new([0.25, 0.5, 1.0]).unwrap(),
    );
    for v in [1.0, 2.0, 4.0, 8.0] {
        rpc.with_label_values(&["get"]).observe(v);
    }
    rpc.with_label_values(&["put"]);
    rpc
}

#[test]
fn text_golden() {
    let registry = registry();
    rpc_family(&registry);
    assert_eq!(
        String::from_utf8(encode(&registry, Format::Text)).unwrap(),
        "# HELP rpc_duration_seconds RPC latency.\n\
         # TYPE rpc_duration_seconds summary\n\
         rpc_duration_seconds{method=\"get\",quantile=\"0.25\"} 1\n\
         rpc_duration_seconds{method=\"get\",quantile=\"0.5\"} 2\n\
         rpc_duration_seconds{method=\"get\",quantile=\"1\"} 8\n\
         rpc_duration_seconds_sum{method=\"get\"} 15\n\
         rpc_duration_seconds_count{method=\"get\"} 4\n\
         rpc_duration_seconds{method=\"put\",quantile=\"0.25\"} NaN\n\
         rpc_duration_seconds{method=\"put\",quantile=\"0.5\"} NaN\n\
         rpc_duration_seconds{method=\"put\",quantile=\"1\"} NaN\n\
         rpc_duration_seconds_sum{method=\"put\"} 0\n\
         rpc_duration_seconds_count{method=\"put\"} 0\n"
    );
    let text = String::from_utf8(encode(&registry, Format::Text)).unwrap();
    assert_eq!(metrics_core::lint_exposition(&text), []);
}

#[test]
fn openmetrics_golden() {
    let registry = registry();
    rpc_family(&registry);
    let text = String::from_utf8(encode(&registry, Format::OpenMetrics)).unwrap();
    // Values as the shortest text that reads back (`1`); the quantile label in OpenMetrics'
    // canonical form (`1.0`). The creation time is the series' own: checked, then cut out.
    let mut lines = Vec::new();
    for line in text.lines() {
        match line.split_once("_created{") {
            Some((name, rest)) => {
                let (labels, value) = rest.split_once("} ").unwrap();
                assert!(value.parse::<f64>().unwrap() > 1.7e9, "{line}");
                lines.push(format!("{name}_created{{{labels}}} T"));
            }
            None => lines.push(line.to_owned()),
        }
    }
    assert_eq!(
        lines.join("\n"),
        "# TYPE rpc_duration_seconds summary\n\
         # UNIT rpc_duration_seconds seconds\n\
         # HELP rpc_duration_seconds RPC latency.\n\
         rpc_duration_seconds{method=\"get\",quantile=\"0.25\"} 1\n\
         rpc_duration_seconds{method=\"get\",quantile=\"0.5\"} 2\n\
         rpc_duration_seconds{method=\"get\",quantile=\"1.0\"} 8\n\
         rpc_duration_seconds_count{method=\"get\"} 4\n\
         rpc_duration_seconds_sum{method=\"get\"} 15\n\
         rpc_duration_seconds_created{method=\"get\"} T\n\
         rpc_duration_seconds{method=\"put\",quantile=\"0.25\"} NaN\n\
         rpc_duration_seconds{method=\"put\",quantile=\"0.5\"} NaN\n\
         rpc_duration_seconds{method=\"put\",quantile=\"1.0\"} NaN\n\
         rpc_duration_seconds_count{method=\"put\"} 0\n\
         rpc_duration_seconds_sum{method=\"put\"} 0\n\
         rpc_duration_seconds_created{method=\"put\"} T\n\
         # EOF"
    );
}

#[path = "common/proto.rs"]
mod proto;
use proto::decode;

#[test]
fn protobuf_decodes_to_the_same_summary() {
    let registry = registry();
    rpc_family(&registry);
    let families = decode(&encode(&registry, Format::Protobuf));
    assert_eq!(families.len(), 1);
    let family = &families[0];
    assert_eq!(family.name.as_deref(), Some("rpc_duration_seconds"));
    assert_eq!(family.r#type, Some(2), "SUMMARY");
    let get = &family.metric[0];
    assert_eq!(get.label[0].value.as_deref(), Some("get"));
    let summary = get.summary.as_ref().expect("a summary");
    assert_eq!(summary.sample_count, Some(4));
    assert_eq!(summary.sample_sum, Some(15.0));
    let quantiles: Vec<(f64, f64)> = summary
        .quantile
        .iter()
        .map(|q| (q.quantile.unwrap(), q.value.unwrap()))
        .collect();
    assert_eq!(quantiles, vec![(0.25, 1.0), (0.5, 2.0), (1.0, 8.0)]);
    assert!(summary.created_timestamp.as_ref().unwrap().seconds.unwrap() > 1_700_000_000);
    let put = family.metric[1].summary.as_ref().unwrap();
    assert_eq!(put.sample_count, Some(0));
    assert!(put.quantile.iter().all(|q| q.value.unwrap().is_nan()));
}

#[test]
fn gathered_and_pushed_as_the_text_format_has_them() {
    let registry = registry();
    rpc_family(&registry);
    let mut families = MetricFamilies::new();
    registry.gather(&mut families);
    let family = families.iter().next().unwrap();
    let Value::Summary(get) = family.series().next().unwrap().value() else {
        panic!("not a summary");
    };
    assert_eq!((get.count, get.sum), (4, 15.0));
    assert_eq!(get.quantiles, &[(0.25, 1.0), (0.5, 2.0), (1.0, 8.0)]);

    let samples = registry.samples();
    let line = |s: &metrics_core::Sample| {
        let labels: Vec<String> = s.labels.iter().map(|(n, v)| format!("{n}={v}")).collect();
        format!("{}{{{}}} {}", s.name, labels.join(","), s.value)
    };
    let lines: Vec<String> = samples.iter().take(5).map(line).collect();
    assert_eq!(
        lines,
        [
            "rpc_duration_seconds{method=get,quantile=0.25} 1",
            "rpc_duration_seconds{method=get,quantile=0.5} 2",
            "rpc_duration_seconds{method=get,quantile=1} 8",
            "rpc_duration_seconds_sum{method=get} 15",
            "rpc_duration_seconds_count{method=get} 4",
        ]
    );
}

#[test]
fn a_second_registration_with_other_quantiles_conflicts() {
    let registry = registry();
    let q = Quantiles::new([0.5]).unwrap();
    registry.summary("job_seconds", "Jobs.", q.clone());
    assert!(registry
        .try_summary("job_seconds", "Jobs.", q.clone())
        .is_ok());
    let other = q.max_age(Duration::from_secs(60)).unwrap();
    assert!(registry.try_summary("job_seconds", "Jobs.", other).is_err());
    // `quantile` is the summary's own label.
    let taken = registry.try_family_with::<DynLabels, Summary>(
        Opts::new("other_seconds", "Other.").labels(&["quantile"]),
        Quantiles::default(),
    );
    assert!(taken.is_err());
}

#[derive(MetricGroup)]
struct Rpc {
    /// Time per call.
    #[metric(unit = "seconds", quantiles = [0.5, 0.99], max_age_secs = 120, age_buckets = 4)]
    call_duration_seconds: Summary,
    /// Time per call, by method.
    #[metric(labels = ["method"], quantiles = [0.9])]
    method_duration_seconds: Family<DynLabels, Summary>,
    /// Default objectives and window.
    payload_bytes: Summary,
}

#[test]
fn the_derive_registers_summaries_with_their_options() {
    let registry = registry();
    let rpc = Rpc::register(&registry).unwrap();
    let call = rpc.call_duration_seconds.quantiles();
    assert_eq!(call.objectives(), &[(0.5, 0.05), (0.99, 0.001)]);
    assert_eq!((call.window(), call.steps()), (Duration::from_secs(120), 4));
    rpc.method_duration_seconds
        .with_label_values(&["get"])
        .observe(0.5);
    let method = rpc.method_duration_seconds.with_label_values(&["get"]);
    assert_eq!(method.quantiles().objectives(), &[(0.9, 0.01)]);
    assert_eq!(rpc.payload_bytes.quantiles(), &Quantiles::default());
    let text = String::from_utf8(encode(&registry, Format::Text)).unwrap();
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("method_duration_seconds{method=\"get\",quantile=\"0.9\"} "))
        .expect("the 0.9 quantile line");
    let value: f64 = line.parse().unwrap();
    assert!(value <= 0.5 && value > 0.5 * 0.99, "{value}");
    assert!(text.contains("# TYPE call_duration_seconds summary\n"));
}

/// Sets its flag when dropped.
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// `(count, sum, quantile values)` of `work_seconds` in a text exposition.
fn from_text(text: &str) -> (u64, f64, Vec<f64>) {
    let value = |line: &str| line.rsplit(' ').next().unwrap().parse::<f64>().unwrap();
    let mut count = None;
    let mut sum = None;
    let mut quantiles = Vec::new();
    for line in text.lines().filter(|l| l.starts_with("work_seconds")) {
        if line.starts_with("work_seconds_count") {
            count = Some(value(line) as u64);
        } else if line.starts_with("work_seconds_sum") {
            sum = Some(value(line));
        } else if line.starts_with("work_seconds{") {
            quantiles.push(value(line));
        }
    }
    (count.unwrap(), sum.unwrap(), quantiles)
}

/// Each observation is 2.0: a consistent reading has `sum == 2 * count` and, when it holds
/// any, quantiles inside 2.0's bucket.
fn check(count: u64, sum: f64, quantiles: &[f64], what: &str) {
    assert_eq!(
        sum,
        2.0 * count as f64,
        "{what}: sum and count of the same observations"
    );
    assert_eq!(quantiles.len(), 3, "{what}");
    for &q in quantiles {
        if count == 0 {
            assert!(q.is_nan(), "{what}");
        } else {
            assert!(q <= 2.0 && q > 2.0 / (1.0f64 / 256.0).exp2(), "{what}: {q}");
        }
    }
}

#[test]
fn every_format_reads_whole_observations_while_threads_observe() {
    const THREADS: usize = 4;
    const SCRAPES: usize = 200;
    let registry = registry();
    let summary = registry.summary("work_seconds", "Work.", Quantiles::default());
    let done = AtomicBool::new(false);
    let made: u64 = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                let (summary, done) = (summary.clone(), &done);
                scope.spawn(move || {
                    let mut made = 0u64;
                    while !done.load(Ordering::Relaxed) || made < 2_000 {
                        summary.observe(2.0);
                        made += 1;
                    }
                    made
                })
            })
            .collect();
        let _stop = StopOnDrop(&done);
        let mut last = 0;
        for i in 0..SCRAPES {
            let (count, sum, quantiles) = match i % 3 {
                0 => from_text(&String::from_utf8(encode(&registry, Format::Text)).unwrap()),
                1 => from_text(&String::from_utf8(encode(&registry, Format::OpenMetrics)).unwrap()),
                _ => {
                    let families = decode(&encode(&registry, Format::Protobuf));
                    let s = families[0].metric[0].summary.clone().unwrap();
                    let values = s.quantile.iter().map(|q| q.value.unwrap()).collect();
                    (s.sample_count.unwrap(), s.sample_sum.unwrap(), values)
                }
            };
            check(
                count,
                sum,
                &quantiles,
                ["text", "OpenMetrics", "protobuf"][i % 3],
            );
            assert!(count >= last, "never goes back");
            last = count;
        }
        drop(_stop);
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    let (count, sum, quantiles) =
        from_text(&String::from_utf8(encode(&registry, Format::Text)).unwrap());
    assert_eq!(count, made, "every observation counted");
    check(count, sum, &quantiles, "after the threads");
}

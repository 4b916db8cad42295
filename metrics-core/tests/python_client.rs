//! Python's `prometheus_client` (0.26, the reference Python client) against our UTF-8 names:
//! its text and OpenMetrics parsers read our `allow-utf-8` output back to the same names,
//! labels and values, and its escaping of the same metrics matches ours for `underscores`,
//! `dots` and `values`, with one departure, asserted: for `dots` it escapes names the legacy
//! rules allow too (`jobs_total` becomes `jobs__total`), where client_golang, whose escaping
//! Prometheus reads, and we leave them as they are. The escaping-schemes specification's
//! `dots` lines ("Existing underscores MUST be replaced with double underscores") do not
//! say; the negotiation of legacy names must not change what every dashboard reads.
//!
//! With `CI` set, a missing `python3` or `prometheus_client` fails the test (`.ci/run`
//! installs it with pip); otherwise the test says loudly that it skipped.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use metrics_core::{
    Buckets, DynLabels, Escaping, Exposition, Family, Format, Gauge, Histogram, NameValidation,
    Opts, Registry, SelfMetrics,
};
use serde_json::Value;

/// Runs `script` with `input` on stdin; `None` (after saying so) when Python or its client
/// is missing outside CI.
fn python(script: &str, input: &str) -> Option<String> {
    let python = common::require("python3", "python3")?;
    let found = Command::new(python)
        .args(["-c", "import prometheus_client"])
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "prometheus_client is missing and CI is set: pip install prometheus_client==0.26.0"
        );
        eprintln!(
            "\n*** SKIPPED: prometheus_client not found (pip install prometheus_client) ***\n"
        );
        return None;
    }
    let mut child = Command::new(python)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    Some(String::from_utf8(output.stdout).unwrap())
}

fn registry() -> Registry {
    let registry = Registry::builder()
        .name_validation(NameValidation::Utf8)
        .self_metrics(SelfMetrics::Overflow)
        .build()
        .unwrap();
    let duration: Family<DynLabels, Histogram> = registry.family_with(
        Opts::new("http.server.request.duration", "Duration.")
            .unit("seconds")
            .labels(&["http.request.method", "http.route"]),
        Buckets::new([0.1, 1.0]).unwrap(),
    );
    duration
        .with_label_values(&["GET", "/a \"b\""])
        .observe(0.5);
    let active: Family<DynLabels, Gauge> = registry.family(
        Opts::new("http.server.active_requests", "In flight.").labels(&["http.request.method"]),
    );
    active.with_label_values(&["GET"]).set(2.0);
    registry.counter("jobs_total", "Jobs.").inc_by(3);
    registry
}

/// A sample: its name, labels and value.
type Read = (String, Vec<(String, String)>, f64);

/// Every sample as (name, sorted labels with `le` as a number, value).
fn normalise(samples: Vec<Read>) -> Vec<String> {
    let mut out: Vec<String> = samples
        .into_iter()
        .map(|(name, mut labels, value)| {
            for (label, v) in &mut labels {
                if label == "le" {
                    *v = v.parse::<f64>().unwrap().to_string();
                }
            }
            labels.sort();
            format!("{name} {labels:?} {value}")
        })
        .collect();
    out.sort();
    out
}

const PARSE: &str = r#"
import json, sys
from prometheus_client.parser import text_string_to_metric_families as text
from prometheus_client.openmetrics.parser import text_string_to_metric_families as om
kind, body = sys.stdin.read().split("\n", 1)
families = (om if kind == "openmetrics" else text)(body)
print(json.dumps([[s.name, sorted(s.labels.items()), s.value] for f in families for s in f.samples]))
"#;

#[test]
fn python_parsers_read_our_allow_utf8_output_back() {
    let registry = registry();
    let ours: Vec<Read> = registry
        .samples()
        .into_iter()
        .map(|s| (s.name, s.labels, s.value))
        .collect();
    let ours = normalise(ours);
    for (kind, exposition) in [
        ("text", Exposition::new(Format::TextV1, Escaping::AllowUtf8)),
        (
            "openmetrics",
            Exposition::new(Format::OpenMetrics, Escaping::AllowUtf8),
        ),
    ] {
        let mut body = Vec::new();
        registry.encode(exposition, &mut body);
        let input = format!("{kind}\n{}", String::from_utf8(body).unwrap());
        let Some(json) = python(PARSE, &input) else {
            return;
        };
        let read: Vec<Read> = serde_json::from_str::<Vec<Value>>(&json)
            .unwrap()
            .into_iter()
            .map(|s| {
                let labels = s[1]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| {
                        (
                            p[0].as_str().unwrap().to_owned(),
                            p[1].as_str().unwrap().to_owned(),
                        )
                    })
                    .collect();
                (
                    s[0].as_str().unwrap().to_owned(),
                    labels,
                    s[2].as_f64().unwrap(),
                )
            })
            .collect();
        assert_eq!(normalise(read), ours, "{kind}");
    }
}

/// The same metrics in a Python registry, exposed with each scheme by Python and by us, both
/// read back by Python's text parser.
const ESCAPE: &str = r#"
import json, sys
from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.parser import text_string_to_metric_families as text
scheme, ours = sys.stdin.read().split("\n", 1)
registry = CollectorRegistry()
Gauge("http.server.active_requests", "In flight.", ["http.request.method"], registry=registry).labels("GET").set(2)
Counter("jobs", "Jobs.", registry=registry).inc(3)
def read(body):
    return sorted([s.name, sorted(s.labels.items()), float(s.value)]
                  for f in text(body) for s in f.samples if not s.name.endswith("_created"))
print(json.dumps({"python": read(generate_latest(registry, escaping=scheme).decode()), "ours": read(ours)}))
"#;

#[test]
fn python_escapes_the_same_metrics_as_we_do() {
    let registry = Registry::builder()
        .name_validation(NameValidation::Utf8)
        .self_metrics(SelfMetrics::Overflow)
        .build()
        .unwrap();
    let active: Family<DynLabels, Gauge> = registry.family(
        Opts::new("http.server.active_requests", "In flight.").labels(&["http.request.method"]),
    );
    active.with_label_values(&["GET"]).set(2.0);
    registry.counter("jobs_total", "Jobs.").inc_by(3);
    for escaping in [Escaping::Underscores, Escaping::Dots, Escaping::Values] {
        let mut body = Vec::new();
        registry.encode(Exposition::new(Format::TextV1, escaping), &mut body);
        let input = format!(
            "{}\n{}",
            escaping.as_str(),
            String::from_utf8(body).unwrap()
        );
        let Some(json) = python(ESCAPE, &input) else {
            return;
        };
        let both: Value = serde_json::from_str(&json).unwrap();
        let (mut python, ours) = (both["python"].clone(), both["ours"].clone());
        if escaping == Escaping::Dots {
            // The one departure (see the module docs): Python escapes a legacy name too.
            let jobs = python
                .as_array_mut()
                .unwrap()
                .iter_mut()
                .find(|s| s[0] == "jobs__total")
                .expect("Python writes jobs_total as jobs__total under dots");
            jobs[0] = "jobs_total".into();
        }
        assert_eq!(python, ours, "{}", escaping.as_str());
    }
}

//! The manifests in `examples/deploy/` parse, point at the endpoint the examples serve, and
//! query only metrics the request middleware emits; `promtool` accepts the rules.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use metrics_core::{Format, Registry};
use metrics_http::HttpMetrics;
use yaml_rust2::{Yaml, YamlEmitter, YamlLoader};

fn deploy_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy")
}

fn documents(file: &str) -> Vec<Yaml> {
    let text = std::fs::read_to_string(deploy_dir().join(file)).unwrap();
    YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn find<'a>(docs: &'a [Yaml], kind: &str) -> &'a Yaml {
    docs.iter()
        .find(|d| d["kind"].as_str() == Some(kind))
        .unwrap_or_else(|| panic!("no {kind}"))
}

/// The metric names the middleware emits, read from a real exposition (histograms give
/// their `_bucket`, `_sum` and `_count` series).
fn emitted_names() -> BTreeSet<String> {
    // As the example services make theirs: a default registry, with the per-family series
    // and limits.
    let registry = Registry::new();
    let metrics = HttpMetrics::new(&registry);
    assert_eq!(metrics_http_record(&metrics), 200);
    let mut body = Vec::new();
    registry.encode(Format::Text, &mut body);
    String::from_utf8(body)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split(['{', ' ']).next().unwrap().to_owned())
        .collect()
}

/// Sends one request through the tower layer so every family has a series.
fn metrics_http_record(metrics: &HttpMetrics) -> u16 {
    use tower::{Layer, ServiceExt};
    let service = metrics_http::RequestMetricsLayer::new(metrics.clone()).layer(tower::service_fn(
        |_: http::Request<()>| async {
            Ok::<_, std::convert::Infallible>(http::Response::new(String::from("ok")))
        },
    ));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    runtime.block_on(async {
        let response = service.oneshot(http::Request::new(())).await.unwrap();
        let status = response.status().as_u16();
        drop(response);
        status
    })
}

/// The metric names a PromQL expression reads: identifiers that are not functions,
/// keywords, label names (in `{}` or in `by (...)`), strings, or durations.
fn metric_names(expr: &str) -> BTreeSet<String> {
    // Words that take a list of label names in parentheses.
    const LABEL_LISTS: &[&str] = &[
        "by",
        "without",
        "on",
        "ignoring",
        "group_left",
        "group_right",
    ];
    // Other keywords, and the aggregation operators, which may come before `by`.
    const KEYWORDS: &[&str] = &[
        "bool",
        "and",
        "or",
        "unless",
        "offset",
        "sum",
        "min",
        "max",
        "avg",
        "count",
        "stddev",
        "stdvar",
        "topk",
        "bottomk",
        "quantile",
        "count_values",
        "group",
    ];
    let bytes = expr.as_bytes();
    let mut names = BTreeSet::new();
    let (mut i, mut braces, mut brackets) = (0, 0, 0);
    let mut grouping = false;
    let mut depth_at_grouping = 0;
    let mut parens = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' => braces += 1,
            b'}' => braces -= 1,
            b'[' => brackets += 1,
            b']' => brackets -= 1,
            b'(' => parens += 1,
            b')' => {
                parens -= 1;
                if grouping && parens == depth_at_grouping {
                    grouping = false;
                }
            }
            // Numbers and durations (`0.5`, `5m`, `1h30m`).
            c if c.is_ascii_digit() => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'.') {
                    i += 1;
                }
                continue;
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c == b':' || c == b'$' => {
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric() || matches!(bytes[i], b'_' | b':' | b'$'))
                {
                    i += 1;
                }
                let word = &expr[start..i];
                let next = expr[i..].trim_start().bytes().next();
                if LABEL_LISTS.contains(&word) && next == Some(b'(') {
                    grouping = true;
                    depth_at_grouping = parens;
                } else if braces == 0
                    && brackets == 0
                    && !grouping
                    && next != Some(b'(')
                    && !KEYWORDS.contains(&word)
                    && !LABEL_LISTS.contains(&word)
                    && !word.starts_with('$')
                {
                    names.insert(word.to_owned());
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    names
}

#[test]
fn the_name_extraction_sees_through_promql() {
    let names = metric_names(
        "sum by (route, le) (rate(a_bucket{route!=\"x{y}\",le=~\"1\"}[5m])) / on(route) group_left b_total offset 5m > 0.5 and bool c",
    );
    assert_eq!(names, ["a_bucket", "b_total", "c"].map(String::from).into());
}

#[test]
fn the_deployment_carries_the_scrape_annotations() {
    let docs = documents("deployment.yaml");
    let deployment = find(&docs, "Deployment");
    let template = &deployment["spec"]["template"];
    let annotations = &template["metadata"]["annotations"];
    assert_eq!(annotations["prometheus.io/scrape"].as_str(), Some("true"));
    assert_eq!(annotations["prometheus.io/path"].as_str(), Some("/metrics"));
    assert_eq!(annotations["k8s.grafana.com/scrape"].as_str(), Some("true"));
    let port = annotations["prometheus.io/port"].as_str().unwrap();
    assert_eq!(port, "9090");
    let container = &template["spec"]["containers"][0];
    let addr = container["env"]
        .as_vec()
        .unwrap()
        .iter()
        .find(|e| e["name"].as_str() == Some("METRICS_ADDR"))
        .and_then(|e| e["value"].as_str())
        .unwrap();
    assert!(
        addr.ends_with(&format!(":{port}")),
        "the service listens where the annotation points"
    );
    assert_eq!(container["ports"][0]["containerPort"].as_i64(), Some(9090));
    assert_eq!(
        container["livenessProbe"]["httpGet"]["path"].as_str(),
        Some("/-/healthy")
    );
    let labels = &template["metadata"]["labels"];
    assert_eq!(&deployment["spec"]["selector"]["matchLabels"], labels);

    let service = find(&docs, "Service");
    assert_eq!(&service["spec"]["selector"], labels);
    let port_name = service["spec"]["ports"][0]["name"].as_str().unwrap();
    for (file, kind, endpoints) in [
        ("servicemonitor.yaml", "ServiceMonitor", "endpoints"),
        ("podmonitor.yaml", "PodMonitor", "podMetricsEndpoints"),
    ] {
        let docs = documents(file);
        let monitor = find(&docs, kind);
        assert_eq!(
            &monitor["spec"]["selector"]["matchLabels"], labels,
            "{kind} selects the pods"
        );
        let endpoint = &monitor["spec"][endpoints][0];
        assert_eq!(endpoint["port"].as_str(), Some(port_name), "{kind} port");
        assert_eq!(endpoint["path"].as_str(), Some("/metrics"), "{kind} path");
    }
}

/// The `kind` named `name` among `docs`.
fn named<'a>(docs: &'a [Yaml], kind: &str, name: &str) -> &'a Yaml {
    docs.iter()
        .find(|d| d["kind"].as_str() == Some(kind) && d["metadata"]["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

fn strings(list: &Yaml) -> Vec<&str> {
    list.as_vec()
        .map(|v| v.iter().filter_map(Yaml::as_str).collect())
        .unwrap_or_default()
}

#[test]
fn the_tls_variant_mounts_what_cert_manager_writes_and_is_scraped_over_https() {
    let certs = documents("tls/certificates.yaml");
    let certificate = |name| named(&certs, "Certificate", name);
    let secret = |name| certificate(name)["spec"]["secretName"].as_str().unwrap();
    // Both leaves come from the CA issuer, which signs with the CA certificate's Secret.
    let ca_issuer = named(&certs, "Issuer", "metrics-ca");
    assert_eq!(
        ca_issuer["spec"]["ca"]["secretName"].as_str(),
        Some(secret("metrics-ca"))
    );
    assert_eq!(
        certificate("metrics-ca")["spec"]["isCA"].as_bool(),
        Some(true)
    );
    for (name, usage) in [
        ("shop-metrics-tls", "server auth"),
        ("prometheus-metrics-client", "client auth"),
    ] {
        let spec = &certificate(name)["spec"];
        assert_eq!(
            spec["issuerRef"]["name"].as_str(),
            Some("metrics-ca"),
            "{name}"
        );
        assert_eq!(strings(&spec["usages"]), [usage], "{name}");
    }

    let docs = documents("tls/deployment.yaml");
    let template = &find(&docs, "Deployment")["spec"]["template"];
    let pod = &template["spec"];
    let container = &pod["containers"][0];
    let env = |name: &str| {
        container["env"]
            .as_vec()
            .unwrap()
            .iter()
            .find(|e| e["name"].as_str() == Some(name))
            .and_then(|e| e["value"].as_str())
            .unwrap_or_else(|| panic!("no {name}"))
    };
    // The files the service reads are the keys cert-manager writes, in the mounted Secret
    // (a whole-directory mount: a subPath mount never sees a renewal).
    let mount = &container["volumeMounts"][0];
    assert!(mount["subPath"].is_badvalue(), "no subPath");
    let volume = &pod["volumes"][0];
    assert_eq!(volume["name"], mount["name"]);
    assert_eq!(
        volume["secret"]["secretName"].as_str(),
        Some(secret("shop-metrics-tls"))
    );
    let dir = mount["mountPath"].as_str().unwrap();
    assert_eq!(env("METRICS_TLS_CERT"), format!("{dir}/tls.crt"));
    assert_eq!(env("METRICS_TLS_KEY"), format!("{dir}/tls.key"));
    assert_eq!(env("METRICS_TLS_CLIENT_CA"), format!("{dir}/ca.crt"));
    let port = &container["ports"][0];
    assert!(env("METRICS_ADDR").ends_with(&format!(":{}", port["containerPort"].as_i64().unwrap())));
    // Client certificates are required and the kubelet has none: TCP probes.
    for probe in ["readinessProbe", "livenessProbe"] {
        assert_eq!(
            container[probe]["tcpSocket"]["port"], port["name"],
            "{probe}"
        );
    }

    let service = find(&docs, "Service");
    assert_eq!(
        &service["spec"]["selector"],
        &template["metadata"]["labels"]
    );
    let monitors = documents("tls/servicemonitor.yaml");
    let monitor = find(&monitors, "ServiceMonitor");
    assert_eq!(
        &monitor["spec"]["selector"]["matchLabels"],
        &template["metadata"]["labels"]
    );
    let endpoint = &monitor["spec"]["endpoints"][0];
    assert_eq!(endpoint["port"], service["spec"]["ports"][0]["name"]);
    assert_eq!(endpoint["scheme"].as_str(), Some("https"));
    let tls = &endpoint["tlsConfig"];
    let client = secret("prometheus-metrics-client");
    assert_eq!(tls["ca"]["secret"]["name"].as_str(), Some(client));
    assert_eq!(tls["cert"]["secret"]["name"].as_str(), Some(client));
    assert_eq!(tls["keySecret"]["name"].as_str(), Some(client));
    assert_eq!(
        (
            tls["cert"]["secret"]["key"].as_str(),
            tls["keySecret"]["key"].as_str()
        ),
        (Some("tls.crt"), Some("tls.key"))
    );
    let server_name = tls["serverName"].as_str().unwrap();
    assert!(strings(&certificate("shop-metrics-tls")["spec"]["dnsNames"]).contains(&server_name));
}

fn rule_exprs() -> Vec<String> {
    let docs = documents("prometheusrule.yaml");
    let rule = find(&docs, "PrometheusRule");
    rule["spec"]["groups"]
        .as_vec()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_vec().unwrap().iter())
        .map(|r| r["expr"].as_str().unwrap().to_owned())
        .collect()
}

fn dashboard_exprs() -> Vec<String> {
    let text = std::fs::read_to_string(deploy_dir().join("grafana-dashboard.json")).unwrap();
    let dashboard: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(dashboard["title"].is_string() && dashboard["uid"].is_string());
    dashboard["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["targets"].as_array().unwrap().iter())
        .map(|t| t["expr"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn rules_and_dashboard_query_only_emitted_metrics() {
    let emitted = emitted_names();
    assert!(
        emitted.contains("http_server_requests_total"),
        "{emitted:?}"
    );
    let mut used = BTreeSet::new();
    let (rules, panels) = (rule_exprs(), dashboard_exprs());
    assert!(rules.len() >= 3 && panels.len() >= 6);
    for expr in rules.iter().chain(&panels) {
        let names = metric_names(expr);
        assert!(!names.is_empty(), "`{expr}` reads no metric");
        for name in names {
            assert!(
                emitted.contains(&name),
                "`{name}` (in `{expr}`) is not emitted: {emitted:?}"
            );
            used.insert(name);
        }
    }
    for needed in [
        "http_server_requests_total",
        "http_server_request_duration_seconds_bucket",
    ] {
        assert!(used.contains(needed), "nothing uses {needed}");
    }
    let alerts = documents("prometheusrule.yaml");
    let alerts: Vec<_> = find(&alerts, "PrometheusRule")["spec"]["groups"][0]["rules"]
        .as_vec()
        .unwrap()
        .iter()
        .filter_map(|r| r["alert"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(alerts, ["ShopHighErrorRate", "ShopHighLatency"]);
    assert!(used.contains("metrics_family_series") && used.contains("metrics_family_series_limit"));
}

#[test]
fn promtool_accepts_the_rules() {
    let Some(promtool) = common::require("promtool", "prometheus") else {
        return;
    };
    let docs = documents("prometheusrule.yaml");
    let mut rules = yaml_rust2::yaml::Hash::new();
    rules.insert(
        Yaml::String("groups".into()),
        find(&docs, "PrometheusRule")["spec"]["groups"].clone(),
    );
    let mut text = String::new();
    YamlEmitter::new(&mut text)
        .dump(&Yaml::Hash(rules))
        .unwrap();
    let path = std::env::temp_dir().join(format!("metrics-rules-{}.yml", std::process::id()));
    std::fs::write(&path, text).unwrap();
    let output = Command::new(promtool)
        .arg("check")
        .arg("rules")
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    let said = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{said}");
    assert!(said.contains("SUCCESS: 4 rules found"), "{said}");
}

//! End to end: the shipped `PrometheusRule` fires and resolves. The Debian `prometheus`
//! (2.42) scrapes the `axum_service` example (with `SHOP_FAULT_INJECTION=1`) and evaluates
//! the shipped rules, their rate windows and `for:` shortened by this test, sending alerts
//! to the Debian `prometheus-alertmanager` (0.25). Healthy traffic fires nothing and feeds
//! the recording rule; injected 5xx answers fire `ShopHighErrorRate`, injected latency
//! `ShopHighLatency`, each per route, seen in Alertmanager's API, and both resolve when the
//! fault stops. Every query of the Grafana dashboard returns data meanwhile.
//!
//! With `CI` set, a missing binary fails the test; otherwise it says loudly that it skipped.

mod common;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::prometheus::{free_port, get, Daemon, Prometheus};
use serde_json::Value;
use yaml_rust2::yaml::Hash;
use yaml_rust2::{Yaml, YamlEmitter, YamlLoader};

/// The rate window the test evaluates the rules over, for the shipped 5 minutes.
const WINDOW: &str = "10s";
/// The `for:` of every alert here, for the shipped 10 and 15 minutes.
const FOR: &str = "2s";

/// The shipped rule groups with short windows, as a Prometheus rule file. Panics if an alert
/// has no window or `for:` to shorten: the test must judge the shipped rules.
fn shortened_rules() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/prometheusrule.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let docs = YamlLoader::load_from_str(&text).unwrap();
    let mut groups = Vec::new();
    for group in docs[0]["spec"]["groups"].as_vec().unwrap() {
        let mut group = group.as_hash().unwrap().clone();
        group.insert(Yaml::from_str("interval"), Yaml::String("1s".into()));
        let rules = group[&Yaml::from_str("rules")].as_vec().unwrap().clone();
        let rules = rules
            .into_iter()
            .map(|rule| {
                let mut rule = rule.into_hash().unwrap();
                let expr = rule[&Yaml::from_str("expr")].as_str().unwrap().to_owned();
                let alert = rule.get(&Yaml::from_str("alert")).cloned();
                if alert.is_some() {
                    assert!(
                        rule.contains_key(&Yaml::from_str("for")),
                        "{alert:?} has a for:"
                    );
                    rule.insert(Yaml::from_str("for"), Yaml::String(FOR.into()));
                }
                let windowed = expr.contains('[');
                if windowed {
                    assert!(expr.contains("[5m]"), "only 5m windows to shorten: {expr}");
                }
                let expr = expr.replace("[5m]", &format!("[{WINDOW}]"));
                rule.insert(Yaml::from_str("expr"), Yaml::String(expr));
                Yaml::Hash(rule)
            })
            .collect();
        group.insert(Yaml::from_str("rules"), Yaml::Array(rules));
        groups.push(Yaml::Hash(group));
    }
    let mut file = Hash::new();
    file.insert(Yaml::from_str("groups"), Yaml::Array(groups));
    let mut out = String::new();
    YamlEmitter::new(&mut out).dump(&Yaml::Hash(file)).unwrap();
    out
}

/// `axum_service` with fault injection, on a free port.
struct Shop {
    child: Child,
    addr: SocketAddr,
}

impl Shop {
    fn start() -> Shop {
        let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
        let child = Command::new(common::example_binary("axum_service"))
            .env("METRICS_ADDR", addr.to_string())
            .env("SHOP_FAULT_INJECTION", "1")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let shop = Shop { child, addr };
        let deadline = Instant::now() + Duration::from_secs(20);
        while request(addr, "GET", "/-/healthy").map(|(s, _)| s) != Some(200) {
            assert!(Instant::now() < deadline, "the shop never answered");
            std::thread::sleep(Duration::from_millis(50));
        }
        shop
    }

    fn faults(&self, method: &str, query: &str) {
        let answer = request(self.addr, method, &format!("/-/faults{query}"));
        assert_eq!(
            answer.map(|(s, _)| s),
            Some(200),
            "{method} /-/faults{query}"
        );
    }
}

impl Drop for Shop {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.0 request: the status and the body (`None` if the exchange failed).
fn request(addr: SocketAddr, method: &str, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: shop\r\nContent-Length: 0\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some((status, body.to_owned()))
}

/// Orders and user lookups, one after the other, until dropped.
struct Traffic {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Traffic {
    fn start(addr: SocketAddr) -> Traffic {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = std::thread::spawn({
            let stop = Arc::clone(&stop);
            move || {
                while !stop.load(Ordering::Relaxed) {
                    let _ = request(addr, "POST", "/api/orders?items=2");
                    let _ = request(addr, "GET", "/users/42");
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        });
        Traffic {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Traffic {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The alerts Alertmanager holds as active: each one's labels.
fn active_alerts(alertmanager: &Daemon) -> Vec<BTreeMap<String, String>> {
    let body = get(
        alertmanager.port,
        "/api/v2/alerts?active=true&silenced=false",
    )
    .expect("Alertmanager answers");
    let alerts: Value = serde_json::from_str(&body).unwrap();
    alerts
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["status"]["state"] == "active")
        .map(|a| {
            a["labels"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                .collect()
        })
        .collect()
}

/// The label sets of alert `name`, one per route, as the rule makes them.
fn expected(name: &str, severity: &str) -> Vec<BTreeMap<String, String>> {
    ["/api/orders", "/users/{id}"]
        .iter()
        .map(|route| {
            [
                ("alertname", name),
                ("route", route),
                ("severity", severity),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
        })
        .collect()
}

/// Waits (at most a minute) until Alertmanager's active alerts are `want` (sorted).
fn await_alerts(
    alertmanager: &Daemon,
    prometheus: &Prometheus,
    want: &[BTreeMap<String, String>],
    when: &str,
) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let mut got = active_alerts(alertmanager);
        got.sort();
        if got == want {
            return;
        }
        if Instant::now() > deadline {
            let firing = prometheus.query("ALERTS");
            panic!("{when}: Alertmanager holds {got:?}, not {want:?}; Prometheus: {firing:?}");
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Every query of the dashboard, with its template variables filled in.
fn dashboard_queries() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/grafana-dashboard.json");
    let dashboard: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let queries: Vec<String> = dashboard["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|panel| panel["targets"].as_array().cloned().unwrap_or_default())
        .map(|target| {
            target["expr"]
                .as_str()
                .unwrap()
                .replace("$job", "shop")
                .replace("$__rate_interval", WINDOW)
        })
        .collect();
    for query in &queries {
        assert!(!query.contains('$'), "a variable left in {query}");
    }
    queries
}

#[test]
fn the_shipped_alerts_fire_and_resolve() {
    let Some(prometheus_binary) = common::require("prometheus", "prometheus") else {
        return;
    };
    let Some(alertmanager_binary) =
        common::require("prometheus-alertmanager", "prometheus-alertmanager")
    else {
        return;
    };
    let alertmanager = Daemon::start(alertmanager_binary, |port, dir| {
        let config = "route:\n  receiver: nobody\n  group_wait: 0s\n  group_interval: 1s\n  repeat_interval: 1h\nreceivers:\n  - name: nobody\n";
        std::fs::write(dir.join("alertmanager.yml"), config).unwrap();
        vec![
            format!("--config.file={}", dir.join("alertmanager.yml").display()),
            format!("--storage.path={}", dir.join("data").display()),
            format!("--web.listen-address=127.0.0.1:{port}"),
            "--cluster.listen-address=".to_owned(),
        ]
    });
    let shop = Shop::start();
    let rules = std::env::temp_dir().join(format!("metrics-alerts-{}.yml", std::process::id()));
    std::fs::write(&rules, shortened_rules()).unwrap();
    let config = format!(
        "  - job_name: shop\n    static_configs:\n      - targets: ['{}']\nrule_files:\n  - {}\nalerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['127.0.0.1:{}']\n",
        shop.addr,
        rules.display(),
        alertmanager.port
    );
    let prometheus = Prometheus::start(
        prometheus_binary,
        &config,
        &["--rules.alert.resend-delay=1s"],
    );
    let _ = std::fs::remove_file(&rules);

    // Healthy: the recording rule has the routes' rates, and nothing fires or is pending.
    let traffic = Traffic::start(shop.addr);
    let recorded = prometheus.query_until("route:http_server_requests:rate5m", |r| {
        r.len() == 2 && r.iter().all(|(_, v)| *v > 0.0)
    });
    let mut routes: Vec<_> = recorded
        .iter()
        .map(|(labels, _)| labels["route"].as_str().unwrap().to_owned())
        .collect();
    routes.sort();
    assert_eq!(routes, ["/api/orders", "/users/{id}"]);
    // Long enough for `for:` and the window to have let an alert through.
    let until = Instant::now() + Duration::from_secs(4);
    while Instant::now() < until {
        assert_eq!(
            prometheus.query("ALERTS"),
            [],
            "healthy traffic fires nothing"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    assert_eq!(active_alerts(&alertmanager), Vec::<BTreeMap<_, _>>::new());

    // Failing: every route answers 500.
    shop.faults("PUT", "?status=500");
    await_alerts(
        &alertmanager,
        &prometheus,
        &expected("ShopHighErrorRate", "page"),
        "under 5xx",
    );
    // Each panel of the dashboard has data (the error ratio needs the 5xx series).
    for query in dashboard_queries() {
        let result = prometheus.query_until(&query, |r| !r.is_empty());
        assert!(!result.is_empty(), "{query}");
    }
    shop.faults("DELETE", "");
    await_alerts(&alertmanager, &prometheus, &[], "after the 5xx stopped");

    // Slow: every route answers 700 ms late, above the 500 ms p99 threshold.
    shop.faults("PUT", "?delay_ms=700");
    await_alerts(
        &alertmanager,
        &prometheus,
        &expected("ShopHighLatency", "ticket"),
        "under latency",
    );
    shop.faults("DELETE", "");
    await_alerts(&alertmanager, &prometheus, &[], "after the latency stopped");
    drop(traffic);
}

//! The cardinality page of the standalone exporter over real HTTP: the JSON has the
//! documented shape and exact counts, a browser gets an HTML table (Debian's Chromium,
//! headless, renders it and leaves a screenshot), the credentials of the metrics guard it,
//! and its size is bounded however many families there are.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::Duration;

use metrics_core::{Counter, DynLabels, Family, Opts, Registry};
use metrics_http::{Auth, Exporter, ProcessMetrics, CARDINALITY_PATH};
use serde_json::Value;

/// `GET path` with `headers`: status and body.
fn get(addr: SocketAddr, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response.split_once("\r\n\r\n").unwrap().1.to_owned();
    (status, body)
}

#[test]
fn the_page_reports_a_flooded_family_as_json_and_html() {
    let registry = Registry::new();
    let requests: Family<DynLabels, Counter> = registry.family(
        Opts::new("requests_total", "Requests.")
            .labels(&["path"])
            .series_limit(100),
    );
    for i in 0..1_000 {
        requests.with_label_values(&[&format!("/users/{i}")]).inc();
    }
    // More families than the page lists.
    for i in 0..120 {
        let family: Family<DynLabels, Counter> =
            registry.family(Opts::new(format!("small_{i}_total"), "Small.").labels(&["k"]));
        family.with_label_values(&["<script>"]).inc();
    }
    let exporter = Exporter::builder()
        .bind("127.0.0.1:0")
        .registry(registry)
        .auth(Auth::bearer("tok"))
        .process_metrics(ProcessMetrics::Skip)
        .build()
        .unwrap();
    let addr = exporter.local_addr();
    let _running = exporter.start().unwrap();
    let auth = ("authorization", "Bearer tok");

    assert_eq!(
        get(addr, CARDINALITY_PATH, &[]).0,
        401,
        "the metrics' credentials"
    );
    let (status, body) = get(addr, CARDINALITY_PATH, &[auth]);
    assert_eq!(status, 200);
    let json: Value = serde_json::from_str(&body).unwrap();
    let families = json["families"].as_array().unwrap();
    assert_eq!(families.len(), 100, "bounded");
    assert_eq!(json["truncated"], true);
    let first = &families[0];
    assert_eq!(first["name"], "requests_total");
    assert_eq!(first["type"], "counter");
    assert_eq!(first["series"], 100);
    assert_eq!(first["limit"], 100);
    assert_eq!(first["fill"], 1.0);
    assert_eq!(first["near_limit"], true);
    assert_eq!(first["refused"], 900);
    assert_eq!(first["overflow_series"], true);
    assert_eq!(first["dense_cardinality"], Value::Null);
    let path = &first["labels"][0];
    assert_eq!(path["name"], "path");
    assert_eq!(path["distinct"], 100);
    assert_eq!(path["top"].as_array().unwrap().len(), 10);
    assert_eq!(path["top"][0]["series"], 1);
    assert!(path["top"][0]["value"]
        .as_str()
        .unwrap()
        .starts_with("/users/"));
    assert_eq!(families[1]["near_limit"], false);
    assert!(body.len() < 64 * 1024, "{} bytes", body.len());

    // Its path and bounds are settings.
    let registry = Registry::new();
    let wide: Family<DynLabels, Counter> =
        registry.family(Opts::new("wide_total", "Wide.").labels(&["k"]));
    for i in 0..50 {
        wide.with_label_values(&[&i.to_string()]).inc();
    }
    for i in 0..10 {
        let family: Family<DynLabels, Counter> =
            registry.family(Opts::new(format!("other_{i}_total"), "Other.").labels(&["k"]));
        family.with_label_values(&["v"]).inc();
    }
    let other = Exporter::builder()
        .bind("127.0.0.1:0")
        .registry(registry)
        .cardinality_path("/debug/series")
        .cardinality_page(2, 5)
        .process_metrics(ProcessMetrics::Skip)
        .build()
        .unwrap();
    let other_addr = other.local_addr();
    let _other = other.start().unwrap();
    assert_eq!(get(other_addr, CARDINALITY_PATH, &[]).0, 404);
    let (status, body) = get(other_addr, "/debug/series", &[]);
    assert_eq!(status, 200);
    let json: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["families"].as_array().unwrap().len(), 5);
    assert_eq!(
        json["families"][0]["labels"][0]["top"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(json["truncated"], true);

    let (status, page) = get(addr, CARDINALITY_PATH, &[auth, ("accept", "text/html")]);
    assert_eq!(status, 200);
    assert!(page.contains("<table>") && page.contains("requests_total"));
    assert!(page.contains("class=\"near\""));
    assert!(
        page.contains("&lt;script&gt;") && !page.contains("<script>"),
        "escaped"
    );
}

#[test]
fn a_browser_renders_the_table() {
    let Some(chromium) = common::require("chromium", "chromium") else {
        return;
    };
    let registry = Registry::new();
    let requests: Family<DynLabels, Counter> = registry.family(
        Opts::new("requests_total", "Requests.")
            .labels(&["route"])
            .series_limit(10),
    );
    for route in [
        "/",
        "/login",
        "/api/orders",
        "/api/users",
        "/health",
        "/about",
        "/cart",
        "/x",
        "/y",
    ] {
        requests.with_label_values(&[route]).inc();
    }
    let exporter = Exporter::builder()
        .bind("127.0.0.1:0")
        .registry(registry)
        .process_metrics(ProcessMetrics::Skip)
        .build()
        .unwrap();
    let url = format!("http://{}{CARDINALITY_PATH}", exporter.local_addr());
    let _running = exporter.start().unwrap();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let screenshot = dir.join("cardinality.png");
    let _ = std::fs::remove_file(&screenshot);
    let run = |args: &[&str]| {
        let output = Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
            ])
            .arg(format!(
                "--user-data-dir={}",
                dir.join("chromium-profile").display()
            ))
            .args(args)
            .arg(&url)
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    // The DOM the browser built from the page (it asks for text/html, and gets the table).
    let dom = run(&["--dump-dom"]);
    assert!(dom.contains("<table>"), "{dom}");
    assert!(dom.contains("<td>requests_total</td>"), "{dom}");
    assert!(
        dom.contains("class=\"near\""),
        "9 of 10 is near the limit: {dom}"
    );
    run(&[
        &format!("--screenshot={}", screenshot.display()),
        "--window-size=1280,600",
    ]);
    let png = std::fs::read(&screenshot).expect("a screenshot");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 5_000,
        "{} bytes",
        png.len()
    );
    eprintln!("screenshot: {}", screenshot.display());
}

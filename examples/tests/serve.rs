//! The examples' std server answers `/metrics` over real TCP.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

use metrics_core::Registry;

fn request(addr: std::net::SocketAddr, path: &str, headers: &str) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: test\r\n{headers}\r\n").unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    response
}

fn get(addr: std::net::SocketAddr, path: &str) -> String {
    String::from_utf8(request(addr, path, "Accept: */*\r\n")).unwrap()
}

#[test]
fn serves_metrics_and_404s_the_rest() {
    let registry = Registry::new();
    let hits = registry.counter("hits_total", "Hits.");
    hits.inc_by(3);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let served = registry.clone();
    std::thread::spawn(move || examples::serve(listener, &served));

    let response = get(addr, "/metrics");
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
    assert!(head.contains(&format!("Content-Length: {}\r\n", body.len())));
    assert_eq!(
        body,
        "# HELP hits_total Hits.\n# TYPE hits_total counter\nhits_total 3\n"
    );

    hits.inc();
    assert!(get(addr, "/metrics?x=1").ends_with("hits_total 4\n"));
    assert!(get(addr, "/other").starts_with("HTTP/1.1 404 Not Found\r\n"));

    // What Prometheus 2.x sends by default: OpenMetrics; and gzip when allowed.
    let accept =
        "Accept: application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5\r\n";
    let response = request(
        addr,
        "/metrics",
        &format!("{accept}Accept-Encoding: gzip\r\n"),
    );
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&response[..split]);
    assert!(head
        .contains("Content-Type: application/openmetrics-text; version=1.0.0; charset=utf-8\r\n"));
    assert!(head.contains("Content-Encoding: gzip\r\n"), "{head}");
    let mut body = String::new();
    flate2::read::GzDecoder::new(&response[split + 4..])
        .read_to_string(&mut body)
        .unwrap();
    assert!(
        body.starts_with("# TYPE hits counter\n# HELP hits Hits.\nhits_total 4\n"),
        "{body}"
    );
    assert!(body.ends_with("# EOF\n"));
}

//! Helpers shared by the examples.
//!
//! [`serve`] is a minimal blocking HTTP server for `/metrics`, built on std alone, so that
//! the quick start runs with no web stack. Services use the exporter of `metrics-http`.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use metrics_core::{negotiate, Compression, Registry};

/// The address the examples listen on: `METRICS_ADDR`, else `0.0.0.0:9090` (the port the
/// usual `prometheus.io/port` annotation points at).
pub fn listen_addr() -> String {
    std::env::var("METRICS_ADDR").unwrap_or_else(|_| "0.0.0.0:9090".to_owned())
}

/// Answers `GET /metrics` with the registry's exposition in the format the `Accept` header
/// asks for (gzip when `Accept-Encoding` allows) and anything else with 404,
/// one connection at a time, until the listener fails.
///
/// # Errors
/// When accepting a connection fails; errors on a single connection are only that
/// connection's.
pub fn serve(listener: TcpListener, registry: &Registry) -> io::Result<()> {
    let mut body = Vec::new();
    loop {
        let (stream, _) = listener.accept()?;
        // A client that stalls or disconnects costs only its own request.
        let _ = answer(stream, registry, &mut body);
    }
}

fn answer(stream: TcpStream, registry: &Registry, body: &mut Vec<u8>) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(&stream);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let (mut accept, mut accept_encoding) = (String::new(), String::new());
    let mut header = String::new();
    while reader.read_line(&mut header)? > 2 {
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("accept") {
                accept = value.trim().to_owned();
            } else if name.eq_ignore_ascii_case("accept-encoding") {
                accept_encoding = value.trim().to_owned();
            }
        }
        header.clear();
    }
    let mut parts = request_line.split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = path.split('?').next().unwrap_or("");
    let mut stream = &stream;
    if method == "GET" && path == "/metrics" {
        let mut raw = Vec::new();
        let content_type = registry.encode(negotiate(&accept), &mut raw);
        let compression = Compression::from_accept_encoding(&accept_encoding);
        body.clear();
        compression.compress(&raw, body);
        let encoding = compression
            .content_encoding()
            .map(|e| format!("Content-Encoding: {e}\r\n"))
            .unwrap_or_default();
        write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n{encoding}Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )?;
        stream.write_all(body)?;
    } else {
        stream.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\nConnection: close\r\n\r\nnot found\n",
        )?;
    }
    stream.flush()
}

//! The example services under hostile clients, on 127.0.0.1, each started with
//! `ulimit -n 1024` in its shell: 1 100 idle connections (more than it has descriptors),
//! slowloris clients that never finish their headers, and clients that pipeline requests
//! and never read. Through each, a new scrape must be answered within a second, and the
//! server's memory must stay bounded. Loops are bounded in count and time.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One attack at a time: two at once on a 2-core machine measure each other, not the
/// service.
static SERIAL: Mutex<()> = Mutex::new(());

/// An example binary running on a free port with at most 1 024 descriptors.
struct Service {
    child: Child,
    addr: SocketAddr,
}

impl Service {
    fn start(example: &str) -> Service {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let child = Command::new("sh")
            .arg("-c")
            .arg("ulimit -n 1024 && exec \"$0\"")
            .arg(common::example_binary(example))
            .env("METRICS_ADDR", addr.to_string())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let service = Service { child, addr };
        let deadline = Instant::now() + Duration::from_secs(20);
        while scrape(addr).is_err() {
            assert!(Instant::now() < deadline, "{example} never answered");
            std::thread::sleep(Duration::from_millis(50));
        }
        service
    }

    /// Resident memory, KiB.
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    /// A scrape on a new connection must be answered, whole, within a second.
    fn assert_scrape_within_a_second(&self, under: &str) {
        let started = Instant::now();
        let answer = scrape(self.addr);
        let took = started.elapsed();
        match answer {
            Ok(body) => assert!(body.contains("process_"), "{under}: {body}"),
            Err(error) => panic!("{under}: the scrape failed after {took:?}: {error}"),
        }
        assert!(
            took < Duration::from_secs(1),
            "{under}: the scrape took {took:?}"
        );
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `GET /metrics` on a new connection, with a 5 s bound; the body.
fn scrape(addr: SocketAddr) -> std::io::Result<String> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    if !response.starts_with("HTTP/1.1 200") {
        return Err(std::io::Error::other(response));
    }
    Ok(response)
}

/// Opens `n` connections to `addr` (each after the last is accepted by the kernel).
fn connections(addr: SocketAddr, n: usize) -> Vec<TcpStream> {
    (0..n)
        .filter_map(|_| TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok())
        .collect()
}

/// Lets the attack stand before the scrape: the scrape meets connections being held, not the
/// kernel's accept queue still full of them being opened (whose overflow makes any client,
/// whatever the server, retry its SYN a second later).
fn settle() {
    std::thread::sleep(Duration::from_millis(500));
}

fn under_attack(example: &str) {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let service = Service::start(example);
    let before = service.rss_kib();

    // More idle connections than the service has descriptors.
    let idle = connections(service.addr, 1_100);
    assert!(
        idle.len() >= 1_000,
        "{example}: only {} connected",
        idle.len()
    );
    settle();
    service.assert_scrape_within_a_second("1 100 idle connections");
    drop(idle);

    // Slowloris: headers begun, never finished.
    let mut slow = connections(service.addr, 300);
    for stream in &mut slow {
        let _ = stream.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ");
    }
    settle();
    service.assert_scrape_within_a_second("300 slowloris connections");
    drop(slow);

    // Pipelined requests never read.
    let mut greedy = connections(service.addr, 300);
    let requests = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".repeat(200);
    for stream in &mut greedy {
        stream
            .set_write_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let _ = stream.write_all(&requests);
    }
    settle();
    service.assert_scrape_within_a_second("300 pipelining non-readers");
    let during = service.rss_kib();
    drop(greedy);
    // Bounded: one response and 64 KiB of requests per connection at most, far less than
    // what 60 000 queued responses would take.
    assert!(
        during < before + 100 * 1024,
        "{example}: RSS went from {before} KiB to {during} KiB"
    );
}

#[test]
fn the_axum_service_holds_up() {
    under_attack("axum_service");
}

#[test]
fn the_standalone_exporter_holds_up() {
    under_attack("quickstart");
}

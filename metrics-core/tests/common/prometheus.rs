//! Real servers from Debian packages for the end-to-end tests (Prometheus, the
//! Pushgateway): started on a free 127.0.0.1 port with a temporary directory, both gone
//! when dropped.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A Debian binary serving on a free 127.0.0.1 port, with a temporary directory for its
/// files and its stderr log; killed and cleaned up when dropped.
pub(crate) struct Daemon {
    child: Child,
    pub(crate) dir: PathBuf,
    pub(crate) port: u16,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Daemon {
    /// Starts `binary` with the arguments `args` makes from its port and directory (where
    /// it may write files first), and waits for `/-/ready` (at most 30 s).
    pub(crate) fn start(binary: &str, args: impl FnOnce(u16, &Path) -> Vec<String>) -> Daemon {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!(
            "metrics-e2e-{binary}-{}-{port}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let args = args(port, &dir);
        let log = std::fs::File::create(dir.join("stderr.log")).unwrap();
        let child = Command::new(binary)
            .args(args)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let daemon = Daemon { child, dir, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while get(port, "/-/ready").is_none() {
            assert!(
                Instant::now() < deadline,
                "{binary} not ready: {}",
                daemon.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        daemon
    }

    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("stderr.log")).unwrap_or_default()
    }
}

/// Prometheus scraping and evaluating rules every second.
pub(crate) struct Prometheus {
    daemon: Daemon,
    pub(crate) port: u16,
}

impl Prometheus {
    /// Starts `binary` with `scrape_configs` (YAML list items, may be empty; top-level keys
    /// such as `rule_files:` may follow them) and `args`.
    pub(crate) fn start(binary: &str, scrape_configs: &str, args: &[&str]) -> Prometheus {
        let daemon = Daemon::start(binary, |port, dir| {
            let config = format!(
                "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\nscrape_configs:\n{scrape_configs}"
            );
            std::fs::write(dir.join("prometheus.yml"), config).unwrap();
            let mut all = vec![
                format!("--config.file={}", dir.join("prometheus.yml").display()),
                format!("--storage.tsdb.path={}", dir.join("data").display()),
                format!("--web.listen-address=127.0.0.1:{port}"),
            ];
            all.extend(args.iter().map(|a| a.to_string()));
            all
        });
        Prometheus {
            port: daemon.port,
            daemon,
        }
    }

    pub(crate) fn log(&self) -> String {
        self.daemon.log()
    }

    /// The result of an instant query: each series' labels and value.
    pub(crate) fn query(&self, promql: &str) -> Vec<(serde_json::Map<String, Value>, f64)> {
        let path = format!("/api/v1/query?query={}", encode_query(promql));
        let body = get(self.port, &path).unwrap_or_else(|| panic!("query `{promql}` failed"));
        let json: Value = serde_json::from_str(&body).unwrap();
        json["data"]["result"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|sample| {
                let labels = sample["metric"].as_object().cloned().unwrap_or_default();
                let value = sample["value"][1].as_str().unwrap().parse().unwrap();
                (labels, value)
            })
            .collect()
    }

    /// Polls `promql` until `ready` accepts its result (at most 30 s), and returns it.
    pub(crate) fn query_until(
        &self,
        promql: &str,
        ready: impl Fn(&[(serde_json::Map<String, Value>, f64)]) -> bool,
    ) -> Vec<(serde_json::Map<String, Value>, f64)> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let result = self.query(promql);
            if ready(&result) {
                return result;
            }
            if Instant::now() > deadline {
                let targets = get(self.port, "/api/v1/targets").unwrap_or_default();
                panic!("`{promql}` never gave the expected answer: {result:?}\ntargets: {targets}\nlog: {}", self.log());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

/// `GET path` over HTTP/1.0 (so that the answer is not chunked); the body of a 200.
pub(crate) fn get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    (head.split(' ').nth(1) == Some("200")).then(|| body.to_string())
}

pub(crate) fn encode_query(query: &str) -> String {
    query
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

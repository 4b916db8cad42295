//! What the push tests' fake servers share: reading one HTTP/1.1 request off a stream, and a
//! scripted server on a 127.0.0.1 port.

#![allow(dead_code)] // Each test crate uses its own part.

pub(crate) mod pki;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A request as the fake saw it.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub(crate) request_line: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    /// When it had arrived, whole.
    pub(crate) at: std::time::Instant,
}

impl Seen {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Reads one request (head, and a body of its `content-length`).
pub(crate) fn read_request(stream: impl Read) -> Option<Seen> {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).ok()?;
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Seen {
        request_line: request_line.trim_end().to_owned(),
        headers,
        body,
        at: std::time::Instant::now(),
    })
}

/// What the fake does with the n-th request.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Reply {
    /// Answers with a status and a body.
    Status(u16, &'static str),
    /// Answers with a status, these header lines (each ending `\r\n`) and no body.
    Headers(u16, &'static str),
    /// Says nothing, holding the connection for 30 s.
    Silence,
}

/// Serves `script` (the last reply repeats) and records every request.
pub(crate) fn fake(script: Vec<Reply>) -> (SocketAddr, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let n = {
                let Some(request) = read_request(&stream) else {
                    continue;
                };
                let mut log = log.lock().unwrap();
                log.push(request);
                log.len() - 1
            };
            let (code, headers, body) = match script[n.min(script.len() - 1)] {
                Reply::Status(code, body) => (code, "", body),
                Reply::Headers(code, headers) => (code, headers, ""),
                Reply::Silence => {
                    std::thread::spawn(move || {
                        std::thread::sleep(Duration::from_secs(30));
                        drop(stream);
                    });
                    continue;
                }
            };
            let mut stream = &stream;
            let _ = write!(
                stream,
                "HTTP/1.1 {code} X\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (addr, seen)
}

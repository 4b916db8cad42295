//! The actix-web middleware over real HTTP: a request whose client goes away while its
//! handler is held is recorded as cancelled (499) when actix drops the handler, which it does
//! once half-closed connections are refused (`h1_allow_half_closed(false)`); by default it
//! runs the handler to its end, and the request is recorded with the handler's status. The
//! body-size histogram counts every chunk of a streamed body, however the body ends.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::pin::Pin;
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use actix_web::body::{BodySize, MessageBody};
use actix_web::web::Bytes;
use actix_web::{web, App, HttpResponse, HttpServer};
use metrics_core::{Format, Registry};
use metrics_http::{ActixRequestMetrics, HttpMetrics};
use tokio::sync::Semaphore;

/// A body that plays chunks in order (data, an error), then ends, or never ends.
struct Scripted {
    chunks: VecDeque<Result<Bytes, std::io::Error>>,
    hang: bool,
}

impl MessageBody for Scripted {
    type Error = std::io::Error;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, std::io::Error>>> {
        match self.chunks.pop_front() {
            Some(chunk) => Poll::Ready(Some(chunk)),
            None if self.hang => Poll::Pending,
            None => Poll::Ready(None),
        }
    }
}

fn bytes(n: usize) -> Result<Bytes, std::io::Error> {
    Ok(Bytes::from(vec![b'x'; n]))
}

/// A server with the middleware, on a thread of its own.
struct Served {
    addr: SocketAddr,
    /// Told each time the held handler starts.
    entered: mpsc::Receiver<()>,
    /// What the held handler waits for before it answers 200.
    gate: Arc<Semaphore>,
}

/// Serves an app with the middleware; `half_closed` is actix's `h1_allow_half_closed`.
fn serve(registry: &Registry, half_closed: bool) -> Served {
    let metrics = HttpMetrics::new(registry);
    let (entered_tx, entered) = mpsc::channel::<()>();
    let gate = Arc::new(Semaphore::new(0));
    let held_gate = gate.clone();
    let (addr_tx, addr_rx) = mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                let (entered, gate) = (entered_tx.clone(), held_gate.clone());
                App::new()
                    .wrap(ActixRequestMetrics::new(metrics.clone()))
                    // Held at the gate, which only the test opens.
                    .route(
                        "/held",
                        web::get().to(move || {
                            let (entered, gate) = (entered.clone(), gate.clone());
                            async move {
                                entered.send(()).unwrap();
                                gate.acquire().await.unwrap().forget();
                                HttpResponse::Ok().body("done")
                            }
                        }),
                    )
                    // Three chunks, then the end.
                    .route(
                        "/chunks",
                        web::get().to(|| async {
                            HttpResponse::Ok().body(Scripted {
                                chunks: [bytes(3), bytes(4), bytes(5)].into(),
                                hang: false,
                            })
                        }),
                    )
                    // Two bytes, then an error.
                    .route(
                        "/fails",
                        web::get().to(|| async {
                            HttpResponse::Ok().body(Scripted {
                                chunks: [bytes(2), Err(std::io::Error::other("reset"))].into(),
                                hang: false,
                            })
                        }),
                    )
                    // Six bytes, then nothing: the client gives up on it.
                    .route(
                        "/stalls",
                        web::get().to(|| async {
                            HttpResponse::Ok().body(Scripted {
                                chunks: [bytes(6)].into(),
                                hang: true,
                            })
                        }),
                    )
            })
            .workers(1)
            .h1_allow_half_closed(half_closed)
            .bind("127.0.0.1:0")
            .unwrap();
            addr_tx.send(server.addrs()[0]).unwrap();
            server.run().await
        })
    });
    let addr = addr_rx.recv_timeout(Duration::from_secs(10)).unwrap();
    Served {
        addr,
        entered,
        gate,
    }
}

fn connect(addr: SocketAddr, path: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: test\r\n\r\n").unwrap();
    stream
}

/// Reads until the response holds `needle`, the server closes, or 10 s pass.
fn read_until(stream: &mut TcpStream, needle: &[u8]) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = [0; 4096];
    while !got.windows(needle.len()).any(|w| w == needle) {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    got
}

fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.parse().unwrap())
}

/// The text exposition once `ready` accepts it; fails after 10 s.
fn exposition_when(registry: &Registry, ready: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut body = Vec::new();
        registry.encode(Format::Text, &mut body);
        let text = String::from_utf8(body).unwrap();
        if ready(&text) {
            return text;
        }
        assert!(Instant::now() < deadline, "never recorded:\n{text}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Connects to `/held`, waits until the handler holds it, and checks it is in flight.
fn held_request(registry: &Registry, served: &Served) -> TcpStream {
    let stream = connect(served.addr, "/held");
    served
        .entered
        .recv_timeout(Duration::from_secs(10))
        .unwrap();
    let text = exposition_when(registry, |t| sample(t, ACTIVE) == Some(1.0));
    assert!(!text.contains("http_server_requests_total{"), "{text}");
    stream
}

const ACTIVE: &str = "http_server_active_requests{method=\"GET\"}";

/// The one `http_server_requests_total` series, once there is one, and the exposition.
fn recorded_once(registry: &Registry) -> (String, String) {
    let text = exposition_when(registry, |t| t.contains("http_server_requests_total{"));
    let series: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("http_server_requests_total{"))
        .collect();
    assert_eq!(series.len(), 1, "recorded once:\n{text}");
    assert_eq!(sample(&text, ACTIVE), Some(0.0));
    (series[0].to_owned(), text)
}

#[test]
fn a_client_gone_while_its_handler_is_held_is_recorded_as_cancelled() {
    let registry = Registry::new();
    let served = serve(&registry, false);
    let stream = held_request(&registry, &served);
    // The gate stays shut: only the client's going can end the request.
    stream.shutdown(Shutdown::Both).unwrap();
    drop(stream);
    let (series, _) = recorded_once(&registry);
    assert_eq!(
        series,
        "http_server_requests_total{method=\"GET\",route=\"/held\",status=\"499\"} 1"
    );
}

#[test]
fn with_half_closures_allowed_actix_finishes_the_handler_of_a_client_gone() {
    let registry = Registry::new();
    let served = serve(&registry, true);
    let stream = held_request(&registry, &served);
    stream.shutdown(Shutdown::Both).unwrap();
    drop(stream);
    // Actix keeps the handler; once it answers, the request is recorded with its status.
    served.gate.add_permits(1);
    let (series, _) = recorded_once(&registry);
    assert_eq!(
        series,
        "http_server_requests_total{method=\"GET\",route=\"/held\",status=\"200\"} 1"
    );
}

#[test]
fn body_size_counts_every_chunk_however_the_body_ends() {
    let registry = Registry::new();
    // Half-closures refused, so that actix drops the stalled body when its client goes.
    let addr = serve(&registry, false).addr;

    // Chunked: the terminating chunk ends the response.
    let response = read_until(&mut connect(addr, "/chunks"), b"0\r\n\r\n");
    assert!(response.starts_with(b"HTTP/1.1 200"), "{response:?}");
    // The error after two bytes: actix closes the connection.
    let mut fails = connect(addr, "/fails");
    read_until(&mut fails, b"\r\n\r\n2\r\nxx\r\n");
    // Six bytes, then the client gives up.
    let mut stalls = connect(addr, "/stalls");
    read_until(&mut stalls, b"xxxxxx\r\n");
    stalls.shutdown(Shutdown::Both).unwrap();
    drop(stalls);

    let size = "http_server_response_body_size_bytes";
    let count =
        |route: &str| format!("{size}_count{{method=\"GET\",route=\"{route}\",status=\"200\"}}");
    let text = exposition_when(&registry, |t| {
        ["/chunks", "/fails", "/stalls"]
            .iter()
            .all(|r| sample(t, &count(r)).is_some())
    });
    for (route, bytes) in [("/chunks", 12.0), ("/fails", 2.0), ("/stalls", 6.0)] {
        let labels = format!("{{method=\"GET\",route=\"{route}\",status=\"200\"}}");
        assert_eq!(
            sample(&text, &format!("http_server_requests_total{labels}")),
            Some(1.0),
            "{route}"
        );
        assert_eq!(
            sample(&text, &format!("{size}_sum{labels}")),
            Some(bytes),
            "{route}"
        );
        assert_eq!(sample(&text, &count(route)), Some(1.0), "{route}");
    }
    assert_eq!(sample(&text, ACTIVE), Some(0.0));
}

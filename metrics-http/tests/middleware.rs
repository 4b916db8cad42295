//! The tower layer on plain tower services: when a request is recorded (body end, body
//! dropped, future cancelled, inner error), what it is labelled with, and what the duration
//! covers.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body::{Body, Frame};
use http_body_util::BodyExt;
use metrics_core::{Format, Registry};
use metrics_http::{HttpMetrics, RequestMetricsLayer, Route};
use tower::{Layer, Service, ServiceExt};

/// A body that sends `len` bytes after `delay`.
struct SlowBody {
    sleep: Pin<Box<tokio::time::Sleep>>,
    len: usize,
    sent: bool,
}

impl SlowBody {
    fn new(delay: Duration, len: usize) -> SlowBody {
        SlowBody {
            sleep: Box::pin(tokio::time::sleep(delay)),
            len,
            sent: false,
        }
    }
}

impl Body for SlowBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.sent {
            return Poll::Ready(None);
        }
        std::task::ready!(self.sleep.as_mut().poll(cx));
        self.sent = true;
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(vec![b'x'; self.len])))))
    }
}

use std::future::Future;

fn exposition(registry: &Registry) -> String {
    let mut body = Vec::new();
    registry.encode(Format::Text, &mut body);
    String::from_utf8(body).unwrap()
}

fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|v| v.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("no `{series}` in\n{text}"))
        .parse()
        .unwrap()
}

#[tokio::test]
async fn duration_covers_the_body_and_the_route_comes_from_the_response() {
    let registry = Registry::new();
    let layer = RequestMetricsLayer::new(HttpMetrics::new(&registry));
    let service = layer.layer(tower::service_fn(|_: Request<()>| async {
        let mut response = Response::new(SlowBody::new(Duration::from_millis(100), 10));
        response.extensions_mut().insert(Route::new("/items/{id}"));
        Ok::<_, Infallible>(response)
    }));
    let request = Request::builder()
        .method("PUT")
        .uri("/items/17")
        .body(())
        .unwrap();
    let response = service.oneshot(request).await.unwrap();
    let active = "http_server_active_requests{method=\"PUT\"}";
    assert_eq!(
        sample(&exposition(&registry), active),
        1.0,
        "in progress until the body ends"
    );
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body.len(), 10);

    let text = exposition(&registry);
    let labels = "{method=\"PUT\",route=\"/items/{id}\",status=\"200\"}";
    assert_eq!(
        sample(&text, &format!("http_server_requests_total{labels}")),
        1.0
    );
    assert!(
        sample(
            &text,
            &format!("http_server_request_duration_seconds_sum{labels}")
        ) >= 0.1
    );
    assert_eq!(
        sample(
            &text,
            &format!("http_server_response_body_size_bytes_sum{labels}")
        ),
        10.0
    );
    assert_eq!(sample(&text, active), 0.0);
    assert!(!text.contains("/items/17"));
}

#[tokio::test]
async fn a_dropped_body_a_cancelled_call_and_an_error_all_count() {
    let registry = Registry::new();
    let layer = RequestMetricsLayer::new(HttpMetrics::new(&registry));
    // Each call waits for a permit: given for the first, never for the cancelled one, so
    // that the cancellation cannot lose a race with the answer.
    let gate = std::sync::Arc::new(tokio::sync::Semaphore::new(0));
    let gate_for_first = gate.clone();
    let slow = layer.layer(tower::service_fn(move |_: Request<()>| {
        let gate = gate.clone();
        async move {
            gate.acquire().await.unwrap().forget();
            Ok::<_, Infallible>(
                Response::builder()
                    .status(StatusCode::CREATED)
                    .body(SlowBody::new(Duration::from_secs(60), 5))
                    .unwrap(),
            )
        }
    }));

    // The response arrives, its body is abandoned: recorded with the response's status.
    gate_for_first.add_permits(1);
    let response = slow.clone().oneshot(Request::new(())).await.unwrap();
    drop(response);
    // The call is abandoned before the response: recorded as cancelled.
    let mut cancelled = slow.clone();
    let call = cancelled.ready().await.unwrap().call(Request::new(()));
    assert!(tokio::time::timeout(Duration::from_millis(20), call)
        .await
        .is_err());

    let failing = layer.layer(tower::service_fn(|_: Request<()>| async {
        Err::<Response<String>, _>(std::io::Error::other("backend down"))
    }));
    assert!(failing.oneshot(Request::new(())).await.is_err());

    let text = exposition(&registry);
    for (status, n) in [("201", 1.0), ("499", 1.0), ("500", 1.0)] {
        let series = format!(
            "http_server_requests_total{{method=\"GET\",route=\"unmatched\",status=\"{status}\"}}"
        );
        assert_eq!(sample(&text, &series), n, "{status}");
    }
    assert_eq!(
        sample(&text, "http_server_active_requests{method=\"GET\"}"),
        0.0
    );
}

#[tokio::test]
async fn excluded_paths_are_not_recorded() {
    let registry = Registry::new();
    let metrics = HttpMetrics::builder()
        .exclude_paths(["/healthz"])
        .register(&registry)
        .unwrap();
    let service =
        RequestMetricsLayer::new(metrics).layer(tower::service_fn(|_: Request<()>| async {
            Ok::<_, Infallible>(Response::new(String::from("ok")))
        }));
    for path in ["/healthz", "/metrics", "/healthz"] {
        let request = Request::builder().uri(path).body(()).unwrap();
        let _ = service.clone().oneshot(request).await.unwrap().into_body();
    }
    let text = exposition(&registry);
    // `/metrics` is recorded: the list given replaced the default.
    assert_eq!(
        sample(
            &text,
            "http_server_requests_total{method=\"GET\",route=\"unmatched\",status=\"200\"}"
        ),
        1.0
    );
}

/// A body that plays frames in order (data, trailers, an error), then ends, or never ends.
struct Scripted {
    frames: std::collections::VecDeque<Result<Frame<Bytes>, std::io::Error>>,
    hang: bool,
}

impl Body for Scripted {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        match self.frames.pop_front() {
            Some(frame) => Poll::Ready(Some(frame)),
            None if self.hang => Poll::Pending,
            None => Poll::Ready(None),
        }
    }
}

fn data(n: usize) -> Result<Frame<Bytes>, std::io::Error> {
    Ok(Frame::data(Bytes::from(vec![b'x'; n])))
}

#[tokio::test]
async fn body_size_counts_every_data_frame_however_the_body_ends() {
    let registry = Registry::new();
    let layer = RequestMetricsLayer::new(HttpMetrics::new(&registry));
    let service = layer.layer(tower::service_fn(|request: Request<()>| async move {
        let path = request.uri().path().to_owned();
        let (frames, hang) = match path.as_str() {
            // Three data frames, then trailers, which are not body bytes.
            "/frames" => {
                let mut trailers = http::HeaderMap::new();
                trailers.insert("grpc-status", "0".parse().unwrap());
                (
                    vec![data(3), data(4), data(5), Ok(Frame::trailers(trailers))],
                    false,
                )
            }
            // Fails after 2 bytes.
            "/fails" => (vec![data(2), Err(std::io::Error::other("reset"))], false),
            // Sends 6 bytes, then nothing: the client gives up on it.
            _ => (vec![data(6)], true),
        };
        let mut response = Response::new(Scripted {
            frames: frames.into(),
            hang,
        });
        response.extensions_mut().insert(Route::new(path));
        Ok::<_, Infallible>(response)
    }));
    let call = |path: &'static str| {
        let service = service.clone();
        async move {
            let request = Request::builder().uri(path).body(()).unwrap();
            service.oneshot(request).await.unwrap()
        }
    };

    let mut body = call("/frames").await.into_body();
    let mut trailers = 0;
    while let Some(frame) = body.frame().await {
        if frame.unwrap().is_trailers() {
            trailers += 1;
        }
    }
    assert_eq!(trailers, 1, "the trailers pass through");
    let mut body = call("/fails").await.into_body();
    assert!(body.frame().await.unwrap().is_ok());
    assert!(body.frame().await.unwrap().is_err());
    let mut body = call("/dropped").await.into_body();
    assert!(body.frame().await.unwrap().is_ok());
    drop(body);

    let text = exposition(&registry);
    for (route, bytes) in [("/frames", 12.0), ("/fails", 2.0), ("/dropped", 6.0)] {
        let labels = format!("{{method=\"GET\",route=\"{route}\",status=\"200\"}}");
        assert_eq!(
            sample(&text, &format!("http_server_requests_total{labels}")),
            1.0
        );
        let size = "http_server_response_body_size_bytes";
        assert_eq!(
            sample(&text, &format!("{size}_sum{labels}")),
            bytes,
            "{route}"
        );
        assert_eq!(
            sample(&text, &format!("{size}_count{labels}")),
            1.0,
            "{route}"
        );
    }
    assert_eq!(
        sample(&text, "http_server_active_requests{method=\"GET\"}"),
        0.0
    );
}

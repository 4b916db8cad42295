//! The request-metrics middleware for actix-web.

use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{ready as ready_poll, Context, Poll};

use actix_web::body::{BodySize, MessageBody};
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform};
use actix_web::web::Bytes;
use pin_project_lite::pin_project;

use crate::middleware::{HttpMetrics, InFlight};

/// Records [`HttpMetrics`] for every request through an actix-web app:
/// `App::new().wrap(ActixRequestMetrics::new(metrics))`. The `route` label is the resource's
/// match pattern (`/users/{id}`); requests that match no resource get `unmatched`.
///
/// A request is recorded as cancelled (`499`) when actix drops its handler before the
/// response. Actix does that for a client that closes its connection only when the server
/// refuses half-closed connections, `HttpServer::h1_allow_half_closed(false)`; by default it
/// runs the handler to its end, and the request is recorded with the handler's status.
#[derive(Debug, Clone)]
pub struct ActixRequestMetrics {
    metrics: HttpMetrics,
}

impl ActixRequestMetrics {
    /// Middleware recording into `metrics`.
    pub fn new(metrics: HttpMetrics) -> ActixRequestMetrics {
        ActixRequestMetrics { metrics }
    }
}

impl<S, B> Transform<S, ServiceRequest> for ActixRequestMetrics
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<ActixMeteredBody<B>>;
    type Error = actix_web::Error;
    type Transform = ActixRequestMetricsService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(ActixRequestMetricsService {
            service: Rc::new(service),
            metrics: self.metrics.clone(),
        }))
    }
}

/// The service made by [`ActixRequestMetrics`].
#[derive(Debug)]
pub struct ActixRequestMetricsService<S> {
    service: Rc<S>,
    metrics: HttpMetrics,
}

/// Sets the route and status of an actix request's record. Actix routes inside the app, so
/// the exact match pattern is read from the response's request; a request cancelled before
/// its response keeps the pattern its path matches in the app's resource map. (The request
/// itself cannot be kept: actix needs it unshared while routing.)
fn finish(mut record: InFlight, status: u16, pattern: Option<String>) -> InFlight {
    record.status = Some(status);
    if pattern.is_some() {
        record.route = pattern;
    }
    record
}

type BoxedFuture<T> = Pin<Box<dyn Future<Output = T>>>;

impl<S, B> Service<ServiceRequest> for ActixRequestMetricsService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = actix_web::Error> + 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<ActixMeteredBody<B>>;
    type Error = actix_web::Error;
    type Future = BoxedFuture<Result<Self::Response, actix_web::Error>>;

    actix_web::dev::forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let mut record = self
            .metrics
            .start(request.method().as_str(), request.path());
        if let Some(record) = &mut record {
            record.route = request.match_pattern();
        }
        let response = self.service.call(request);
        Box::pin(async move {
            // Dropped with this future if the client goes away first: recorded as cancelled.
            let record = record;
            match response.await {
                Ok(response) => {
                    let (status, pattern) = (
                        response.status().as_u16(),
                        response.request().match_pattern(),
                    );
                    let in_flight = record.map(|r| finish(r, status, pattern));
                    Ok(response.map_body(|_, inner| ActixMeteredBody { inner, in_flight }))
                }
                Err(error) => {
                    let status = error.as_response_error().status_code().as_u16();
                    drop(record.map(|r| finish(r, status, None)));
                    Err(error)
                }
            }
        })
    }
}

pin_project! {
    /// A response body that counts its bytes and records the request when it ends, fails
    /// or is dropped.
    pub struct ActixMeteredBody<B> {
        #[pin]
        inner: B,
        in_flight: Option<InFlight>,
    }
}

impl<B: MessageBody> MessageBody for ActixMeteredBody<B> {
    type Error = B::Error;

    fn size(&self) -> BodySize {
        self.inner.size()
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, B::Error>>> {
        let this = self.project();
        let chunk = ready_poll!(this.inner.poll_next(cx));
        match &chunk {
            Some(Ok(bytes)) => {
                if let Some(record) = this.in_flight.as_mut() {
                    record.body_bytes += bytes.len() as u64;
                }
            }
            Some(Err(_)) | None => drop(this.in_flight.take()),
        }
        Poll::Ready(chunk)
    }
}

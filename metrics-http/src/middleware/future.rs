//! The response future and body of [`RequestMetrics`](crate::RequestMetrics): they carry
//! the request's record until the body ends, and drop it (recording the request) wherever
//! the request ends.

use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use bytes::Buf;
use http::Response;
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;

use crate::middleware::route::Route;
use crate::middleware::InFlight;

pin_project! {
    /// The future of a [`RequestMetrics`](crate::RequestMetrics) call. Dropped before it
    /// completes, the request is recorded as cancelled.
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        in_flight: Option<InFlight>,
    }
}

impl<F> ResponseFuture<F> {
    pub(crate) fn new(inner: F, in_flight: Option<InFlight>) -> ResponseFuture<F> {
        ResponseFuture { inner, in_flight }
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<MeteredBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        let mut in_flight = this.in_flight.take();
        Poll::Ready(match result {
            Ok(response) => {
                if let Some(record) = &mut in_flight {
                    record.status = Some(response.status().as_u16());
                    if record.route.is_none() {
                        record.route = response
                            .extensions()
                            .get::<Route>()
                            .map(|route| route.as_str().to_owned());
                    }
                }
                Ok(response.map(|inner| MeteredBody { inner, in_flight }))
            }
            Err(error) => {
                if let Some(record) = &mut in_flight {
                    record.status = Some(500);
                }
                Err(error)
            }
        })
    }
}

pin_project! {
    /// A response body that counts its bytes and records the request when it ends, fails
    /// or is dropped.
    pub struct MeteredBody<B> {
        #[pin]
        inner: B,
        in_flight: Option<InFlight>,
    }
}

impl<B: Body> Body for MeteredBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<B::Data>, B::Error>>> {
        let this = self.project();
        let frame = ready!(this.inner.poll_frame(cx));
        match &frame {
            Some(Ok(frame)) => {
                if let (Some(record), Some(data)) = (this.in_flight.as_mut(), frame.data_ref()) {
                    record.body_bytes += data.remaining() as u64;
                }
            }
            // The end, or a failure that ends it: the request is over.
            Some(Err(_)) | None => drop(this.in_flight.take()),
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

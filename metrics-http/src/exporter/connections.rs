//! Serving HTTP/1 connections within limits, for the standalone exporter and for services
//! that serve an axum router with [`serve_router`](crate::serve_router): a cap on open
//! connections that sheds the oldest idle one when a new one arrives at the cap, an idle
//! and header-read timeout, a deadline on writing each response, and a bounded read buffer.
//!
//! What each limit stops: idle connections and slowloris clients (one header byte a second)
//! can hold at most `max_connections` descriptors, and each is dropped for a newcomer once it
//! is the oldest idle one, so a scrape always gets in; a client that pipelines requests and
//! never reads is cut off `write_timeout` after its response stopped moving, holding one
//! response and `max_buffer` bytes of requests meanwhile.

use std::collections::BTreeMap;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use http::{Request, Response};
use hyper::body::{Body, Incoming};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// How long a connection may wait for its next request, when not set. Longer than
/// Prometheus' default scrape interval (1 minute), so that a scraper keeps its connection
/// from one scrape to the next.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// How long a stopping server waits for the requests in progress.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// How many connections a server keeps open and for how long; see the module docs of
/// [`Exporter`](crate::Exporter) and `serve_router` (feature `axum`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionLimits {
    /// Open connections at most (default 256, well under the usual 1 024 descriptors). At
    /// the cap, a new connection closes the oldest one that is idle or whose client is not
    /// reading its answer; failing that, the oldest one: a newcomer always gets in.
    pub max_connections: usize,
    /// How long a connection may wait for its next request, and take to send its headers
    /// (default 90 s, longer than Prometheus' default scrape interval so that a scraper
    /// keeps its connection). hyper bounds both with one timer.
    pub idle_timeout: Duration,
    /// How long a response may stall, the client not reading it, before the connection is
    /// closed (default 30 s).
    pub write_timeout: Duration,
    /// The most bytes of requests read ahead of the one being answered (default 64 KiB).
    pub max_buffer: usize,
}

impl Default for ConnectionLimits {
    fn default() -> ConnectionLimits {
        ConnectionLimits {
            max_connections: 256,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            write_timeout: Duration::from_secs(30),
            max_buffer: 64 * 1024,
        }
    }
}

/// One open connection, as the cap sees it.
#[derive(Debug, Default)]
struct Tracked {
    /// Requests whose handler is running (not those whose answer is being written: a client
    /// that does not read its answers is idle here, and the first to go).
    busy: AtomicUsize,
    /// A write is waiting for the client to read.
    stalled: AtomicBool,
    close: Notify,
}

impl Tracked {
    /// Whether closing it costs no one a running answer.
    fn expendable(&self) -> bool {
        self.busy.load(Ordering::Acquire) == 0 || self.stalled.load(Ordering::Acquire)
    }
}

/// The open connections, oldest first.
#[derive(Debug, Default)]
struct Open {
    next: u64,
    by_age: BTreeMap<u64, Arc<Tracked>>,
}

impl Open {
    /// Makes room for one more (closing, at `max`, the oldest expendable connection, or the
    /// oldest of all), and adds it.
    fn admit(&mut self, max: usize) -> (u64, Arc<Tracked>) {
        if self.by_age.len() >= max.max(1) {
            let shed = self
                .by_age
                .iter()
                .find(|(_, t)| t.expendable())
                .or_else(|| self.by_age.iter().next())
                .map(|(id, _)| *id);
            if let Some(shed) = shed.and_then(|id| self.by_age.remove(&id)) {
                shed.close.notify_one();
            }
        }
        let id = self.next;
        self.next += 1;
        let tracked = Arc::new(Tracked::default());
        self.by_age.insert(id, Arc::clone(&tracked));
        (id, tracked)
    }
}

/// How connections start: in the clear, or with a TLS handshake.
#[derive(Debug, Clone, Default)]
pub(crate) struct Handshake {
    #[cfg(feature = "server-tls")]
    pub(crate) tls: Option<crate::exporter::tls::ServerTls>,
}

/// Serves connections from `listener` with `service` until `shutdown` completes, then lets
/// the requests in progress finish (for up to five seconds).
pub(crate) async fn serve<S, B>(
    listener: TcpListener,
    limits: ConnectionLimits,
    handshake: Handshake,
    service: S,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()>
where
    S: hyper::service::Service<Request<Incoming>, Response = Response<B>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let graceful = GracefulShutdown::new();
    let open = Arc::new(Mutex::new(Open::default()));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // Usually EMFILE: give the process a moment to close descriptors.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let (id, tracked) = open
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .admit(limits.max_connections);
        let _ = stream.set_nodelay(true);
        let counted = Counted {
            inner: service.clone(),
            tracked: Arc::clone(&tracked),
        };
        let stream = WriteDeadline::new(stream, limits.write_timeout, Arc::clone(&tracked));
        let watcher = graceful.watcher();
        let handshake = handshake.clone();
        let open = Arc::clone(&open);
        tokio::spawn(async move {
            let connection = async move {
                #[cfg(feature = "server-tls")]
                if let Some(tls) = &handshake.tls {
                    if let Some(stream) = tls.accept(stream).await {
                        let _ = watcher.watch(http1(stream, &limits, counted)).await;
                    }
                    return;
                }
                let _ = handshake;
                let _ = watcher.watch(http1(stream, &limits, counted)).await;
            };
            tokio::select! {
                () = connection => {}
                () = tracked.close.notified() => {}
            }
            open.lock()
                .unwrap_or_else(|e| e.into_inner())
                .by_age
                .remove(&id);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN_TIMEOUT) => {}
    }
    Ok(())
}

/// An HTTP/1 connection over `stream`, within `limits`.
fn http1<I, S, B>(
    stream: I,
    limits: &ConnectionLimits,
    service: S,
) -> hyper::server::conn::http1::Connection<TokioIo<I>, S>
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    S: hyper::service::HttpService<Incoming, ResBody = B>,
    B: Body + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.idle_timeout)
        .max_buf_size(limits.max_buffer.max(8192))
        .serve_connection(TokioIo::new(stream), service)
}

/// A service that counts its requests in progress on the connection's [`Tracked`].
#[derive(Clone)]
struct Counted<S> {
    inner: S,
    tracked: Arc<Tracked>,
}

impl<S> hyper::service::Service<Request<Incoming>> for Counted<S>
where
    S: hyper::service::Service<Request<Incoming>>,
    S::Future: Send + 'static,
    S::Response: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        /// Ends the request's count however its future ends.
        struct Busy(Arc<Tracked>);
        impl Drop for Busy {
            fn drop(&mut self) {
                self.0.busy.fetch_sub(1, Ordering::Release);
            }
        }
        // Counted from the first poll: hyper may make the future of a pipelined request
        // long before it runs it (while the client is not reading the previous answer).
        let tracked = Arc::clone(&self.tracked);
        let future = self.inner.call(request);
        Box::pin(async move {
            tracked.busy.fetch_add(1, Ordering::AcqRel);
            let busy = Busy(tracked);
            let response = future.await;
            drop(busy);
            response
        })
    }
}

/// A stream whose writes fail once one has waited `limit` without progress: a client that
/// stops reading cannot hold a response (and its connection) for ever.
struct WriteDeadline {
    stream: TcpStream,
    limit: Duration,
    stalled: Option<Pin<Box<tokio::time::Sleep>>>,
    /// Told when a write stalls and when it moves again.
    tracked: Arc<Tracked>,
}

impl WriteDeadline {
    fn new(stream: TcpStream, limit: Duration, tracked: Arc<Tracked>) -> WriteDeadline {
        WriteDeadline {
            stream,
            limit,
            stalled: None,
            tracked,
        }
    }

    /// After a write returned `Pending`: fails once the stall has lasted the limit.
    fn check_stall(&mut self, cx: &mut Context<'_>) -> io::Result<()> {
        self.tracked.stalled.store(true, Ordering::Release);
        let limit = self.limit;
        let stalled = self
            .stalled
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(limit)));
        match stalled.as_mut().poll(cx) {
            Poll::Ready(()) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the client stopped reading the response",
            )),
            Poll::Pending => Ok(()),
        }
    }

    fn progress<T>(
        &mut self,
        cx: &mut Context<'_>,
        poll: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        match poll {
            Poll::Pending => match self.check_stall(cx) {
                Ok(()) => Poll::Pending,
                Err(error) => Poll::Ready(Err(error)),
            },
            ready => {
                if self.stalled.take().is_some() {
                    self.tracked.stalled.store(false, Ordering::Release);
                }
                ready
            }
        }
    }
}

#[cfg(feature = "server-tls")]
impl crate::exporter::tls::Plain for WriteDeadline {
    fn tcp(&self) -> &TcpStream {
        &self.stream
    }
}

impl AsyncRead for WriteDeadline {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for WriteDeadline {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write(cx, buf);
        self.progress(cx, poll)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.progress(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.stream).poll_flush(cx);
        self.progress(cx, poll)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_sheds_the_oldest_expendable_connection() {
        let mut open = Open::default();
        let (a, first) = open.admit(3);
        let (b, second) = open.admit(3);
        let (c, third) = open.admit(3);
        first.busy.store(1, Ordering::Relaxed);
        second.busy.store(1, Ordering::Relaxed);
        second.stalled.store(true, Ordering::Relaxed);
        third.busy.store(1, Ordering::Relaxed);
        // At the cap: the oldest expendable one (b: busy, but its client does not read).
        let (d, fourth) = open.admit(3);
        assert!(!open.by_age.contains_key(&b));
        assert!(open.by_age.contains_key(&a) && open.by_age.contains_key(&c));
        fourth.busy.store(1, Ordering::Relaxed);
        // Every one running an answer: the oldest goes, and the newcomer gets in.
        let (e, _) = open.admit(3);
        assert_eq!(open.by_age.keys().copied().collect::<Vec<_>>(), [c, d, e]);
    }
}

//! Faults injected on demand into the axum shop, so that its alerts can be seen to fire and
//! resolve (the `alerts` test does, and so can a person trying the rules by hand):
//!
//! ```text
//! SHOP_FAULT_INJECTION=1 cargo run -p examples --example axum_service
//! curl -X PUT 'localhost:9090/-/faults?status=500'      # every shop route answers 500
//! curl -X PUT 'localhost:9090/-/faults?delay_ms=700'    # ... or answers 700 ms late
//! curl -X DELETE localhost:9090/-/faults                # healthy again
//! ```
//!
//! The faults act inside the request-metrics layer, so they are recorded as real failures
//! and slow answers would be; `/-/faults` itself, `/metrics` and `/-/healthy` are not
//! affected. Off unless the service is started with `SHOP_FAULT_INJECTION=1`: never set it
//! where clients you do not control can reach the port.

use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use axum::Router;

/// The faults in force: a status every shop route answers with (0 for none) and a delay
/// before each answer. Clones share them.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    status: Arc<AtomicU16>,
    delay_ms: Arc<AtomicU64>,
}

impl Faults {
    /// Every shop route answers `status` (a 4xx or 5xx; `None` to answer normally).
    pub fn fail_with(&self, status: Option<StatusCode>) {
        self.status
            .store(status.map_or(0, |s| s.as_u16()), Ordering::Relaxed);
    }

    /// Every shop route waits `delay` before answering.
    pub fn delay(&self, delay: Duration) {
        self.delay_ms
            .store(delay.as_millis() as u64, Ordering::Relaxed);
    }

    /// Applies the faults in force to one request.
    pub(crate) async fn apply(
        State(faults): State<Faults>,
        request: Request,
        next: Next,
    ) -> Response {
        let delay = faults.delay_ms.load(Ordering::Relaxed);
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        match StatusCode::from_u16(faults.status.load(Ordering::Relaxed)) {
            Ok(status) => (status, "injected fault\n").into_response(),
            Err(_) => next.run(request).await,
        }
    }

    /// `PUT /-/faults?status=N&delay_ms=M` (each optional; what is not given is cleared) and
    /// `DELETE /-/faults`.
    pub(crate) fn admin(&self) -> Router {
        Router::new()
            .route(
                "/-/faults",
                put(set_faults).delete(|State(faults): State<Faults>| async move {
                    faults.fail_with(None);
                    faults.delay(Duration::ZERO);
                    "no faults\n"
                }),
            )
            .with_state(self.clone())
    }
}

async fn set_faults(
    State(faults): State<Faults>,
    axum::extract::RawQuery(query): axum::extract::RawQuery,
) -> (StatusCode, String) {
    let (mut status, mut delay) = (None, Duration::ZERO);
    for pair in query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let parsed = match pair.split_once('=') {
            Some(("status", v)) => v
                .parse()
                .ok()
                .and_then(|n| StatusCode::from_u16(n).ok())
                .filter(|s| s.is_client_error() || s.is_server_error())
                .map(|s| status = Some(s)),
            Some(("delay_ms", v)) => v.parse().ok().map(|ms| delay = Duration::from_millis(ms)),
            _ => None,
        };
        if parsed.is_none() {
            return (
                StatusCode::BAD_REQUEST,
                format!("`{pair}`: give status=<4xx or 5xx> and/or delay_ms=<milliseconds>\n"),
            );
        }
    }
    faults.fail_with(status);
    faults.delay(delay);
    (
        StatusCode::OK,
        format!("status {status:?}, delay {delay:?}\n"),
    )
}

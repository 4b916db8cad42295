//! The services behind the runnable examples, as functions, so that the integration tests
//! drive exactly what `cargo run -p examples --example ...` runs.
//!
//! - [`shop`]: the business metrics of a small shop, declared with `#[derive(MetricGroup)]`.
//! - [`axum_app`]: the shop as an axum app with the request-metrics layer and `/metrics` on
//!   the same port.
//! - [`actix_app`]: the same shop on actix-web.
//! - [`batch`]: the work of the `batch_job` example, which pushes its metrics.
//! - [`faults`]: failures and delays injected into the axum shop on demand, to see its
//!   alerts fire.

pub mod batch;
pub mod faults;
pub mod shop;

/// The README's examples, compiled and run as doctests here, where every crate they use is a
/// dependency, so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{web, App, HttpResponse};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use metrics_core::{RegisterError, Registry};
use metrics_http::{
    ActixRequestMetrics, ClientAuth, HttpMetrics, MetricsEndpoint, RequestMetricsLayer, ServerTls,
};

use crate::faults::Faults;
use crate::shop::{Shop, ShopMetrics};

/// The address the examples listen on: `METRICS_ADDR`, else `0.0.0.0:9090` (the port the
/// usual `prometheus.io/port` annotation points at).
pub fn listen_addr() -> String {
    std::env::var("METRICS_ADDR").unwrap_or_else(|_| "0.0.0.0:9090".to_owned())
}

/// https settings from the environment, for the examples that serve `/metrics` on a port of
/// their own: `METRICS_TLS_CERT` and `METRICS_TLS_KEY` name the PEM certificate chain and key
/// (read again when they change, as a mounted Secret does on rotation), and
/// `METRICS_TLS_CLIENT_CA`, if set, the CA whose client certificates are then required.
/// `None` when neither certificate nor key is set.
///
/// # Errors
/// When only one of the certificate and the key is set, or they do not load (a
/// [`metrics_http::TlsError`]).
pub fn tls_from_env() -> Result<Option<ServerTls>, Box<dyn std::error::Error>> {
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    let (cert, key) = match (var("METRICS_TLS_CERT"), var("METRICS_TLS_KEY")) {
        (None, None) => return Ok(None),
        (Some(cert), Some(key)) => (cert, key),
        _ => {
            return Err(
                "METRICS_TLS_CERT and METRICS_TLS_KEY are set together or not at all".into(),
            )
        }
    };
    let mut tls = ServerTls::from_pem_files(cert, key);
    if let Some(ca) = var("METRICS_TLS_CLIENT_CA") {
        tls = tls.client_ca_file(ca, ClientAuth::Required);
    }
    Ok(Some(tls.build()?))
}

/// The shop as an axum app: `GET /`, `POST /api/orders?items=N`, `GET /users/{id}`,
/// `GET /api/report` (slow), recorded by the request-metrics layer, and `/metrics` plus
/// `/-/healthy` on the same router.
///
/// # Errors
/// When `registry` already holds one of the metric names with another shape.
pub fn axum_app(registry: &Registry) -> Result<Router, RegisterError> {
    shop_router(registry, None)
}

/// [`axum_app`] with `faults` applied to every shop route (inside the request-metrics
/// layer, so they are recorded), and `/-/faults` to set them (see [`faults`]).
///
/// # Errors
/// As [`axum_app`].
pub fn axum_app_with_faults(registry: &Registry, faults: Faults) -> Result<Router, RegisterError> {
    shop_router(registry, Some(faults))
}

fn shop_router(registry: &Registry, faults: Option<Faults>) -> Result<Router, RegisterError> {
    let shop = Shop::new(ShopMetrics::register(registry)?);
    let http = HttpMetrics::try_new(registry)?;
    let mut app = Router::new()
        .route("/", get(|| async { "the shop\n" }))
        .route("/api/orders", post(axum_place_order))
        .route("/users/{id}", get(axum_user))
        .route("/api/report", get(axum_report))
        .fallback(|| async { (StatusCode::NOT_FOUND, "not found\n") })
        .with_state(shop);
    if let Some(faults) = &faults {
        app = app.layer(axum::middleware::from_fn_with_state(
            faults.clone(),
            Faults::apply,
        ));
    }
    // After the routes, so it runs after routing and sees `MatchedPath`.
    app = app
        .layer(RequestMetricsLayer::new(http))
        .merge(MetricsEndpoint::new(registry.clone()).router("/metrics"));
    if let Some(faults) = &faults {
        app = app.merge(faults.admin());
    }
    Ok(app)
}

async fn axum_place_order(
    State(shop): State<Shop>,
    RawQuery(query): RawQuery,
) -> (StatusCode, String) {
    let (status, body) = shop.place_order(query.as_deref().unwrap_or(""));
    (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body)
}

async fn axum_user(State(shop): State<Shop>, Path(id): Path<String>) -> (StatusCode, String) {
    let (status, body) = shop.user(&id);
    (StatusCode::from_u16(status).unwrap_or(StatusCode::OK), body)
}

async fn axum_report(State(shop): State<Shop>) -> String {
    shop.report().await
}

/// The shop as an actix-web app, with the same routes, metrics and `/metrics`.
///
/// # Errors
/// When `registry` already holds one of the metric names with another shape.
#[allow(clippy::type_complexity)]
pub fn actix_app(
    registry: &Registry,
) -> Result<
    App<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<impl MessageBody>,
            Error = actix_web::Error,
            InitError = (),
        >,
    >,
    RegisterError,
> {
    let shop = Shop::new(ShopMetrics::register(registry)?);
    let http = HttpMetrics::try_new(registry)?;
    let endpoint = MetricsEndpoint::new(registry.clone());
    Ok(App::new()
        .wrap(ActixRequestMetrics::new(http))
        .app_data(web::Data::new(shop))
        .service(endpoint.actix_resource("/metrics"))
        .service(endpoint.actix_cardinality_resource(metrics_http::CARDINALITY_PATH))
        .route("/-/healthy", web::get().to(|| async { "OK\n" }))
        .route("/", web::get().to(|| async { "the shop\n" }))
        .route("/api/orders", web::post().to(actix_place_order))
        .route("/users/{id}", web::get().to(actix_user))
        .route("/api/report", web::get().to(actix_report))
        .default_service(web::to(|| async {
            HttpResponse::NotFound().body("not found\n")
        })))
}

fn actix_answer((status, body): (u16, String)) -> HttpResponse {
    let status =
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK);
    HttpResponse::build(status).body(body)
}

async fn actix_place_order(shop: web::Data<Shop>, request: actix_web::HttpRequest) -> HttpResponse {
    actix_answer(shop.place_order(request.query_string()))
}

async fn actix_user(shop: web::Data<Shop>, id: web::Path<String>) -> HttpResponse {
    actix_answer(shop.user(&id))
}

async fn actix_report(shop: web::Data<Shop>) -> HttpResponse {
    HttpResponse::Ok().body(shop.report().await)
}

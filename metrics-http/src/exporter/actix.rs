//! Mounting the endpoint on an actix-web app.

use actix_web::http::{header, Method};
use actix_web::{web, HttpRequest, HttpResponse, Resource};

use crate::exporter::endpoint::{Answer, MetricsEndpoint, ScrapeRequest};

impl MetricsEndpoint {
    /// An actix-web resource that serves this endpoint at `path` (GET and HEAD):
    /// `App::new().service(endpoint.actix_resource("/metrics"))`.
    pub fn actix_resource(&self, path: &str) -> Resource {
        let endpoint = self.clone();
        web::resource(path).route(web::route().to(move |request: HttpRequest| {
            let endpoint = endpoint.clone();
            async move { endpoint.respond_actix(&request).await }
        }))
    }

    /// Answers an actix-web request for the metrics: GET or HEAD; other methods get 405.
    pub async fn respond_actix(&self, request: &HttpRequest) -> HttpResponse {
        let method = request.method();
        if method != Method::GET && method != Method::HEAD {
            let mut response = into_response(Answer::text(405, "405 Method Not Allowed: use GET"));
            response
                .headers_mut()
                .insert(header::ALLOW, header::HeaderValue::from_static("GET, HEAD"));
            return response;
        }
        let scrape = scrape_request(request);
        into_response(self.answer(scrape).await)
    }

    /// An actix-web resource that serves the cardinality report (JSON, or HTML for a
    /// browser) behind the same credentials: `App::new().service(endpoint
    /// .actix_cardinality_resource(metrics_http::CARDINALITY_PATH))`.
    pub fn actix_cardinality_resource(&self, path: &str) -> Resource {
        let endpoint = self.clone();
        web::resource(path).route(web::get().to(move |request: HttpRequest| {
            let answer = endpoint.cardinality_answer(&scrape_request(&request));
            async move { into_response(answer) }
        }))
    }
}

fn scrape_request(request: &HttpRequest) -> ScrapeRequest<'_> {
    let headers = request.headers();
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    ScrapeRequest {
        head_only: request.method() == Method::HEAD,
        accept: text("accept"),
        accept_encoding: text("accept-encoding"),
        authorization: crate::auth::Presented::from_values(
            headers.get_all("authorization").map(|v| v.as_bytes()),
        ),
        timeout_header: text("x-prometheus-scrape-timeout-seconds"),
    }
}

fn into_response(answer: Answer) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(answer.status)
        .unwrap_or(actix_web::http::StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    response.insert_header((header::CONTENT_TYPE, answer.content_type));
    if let Some(encoding) = answer.content_encoding {
        // Compressed here: actix's own compression middleware must leave it alone.
        response.insert_header((header::CONTENT_ENCODING, encoding));
        response.insert_header((header::VARY, "Accept-Encoding"));
    }
    if let Some(challenge) = answer.www_authenticate {
        response.insert_header((header::WWW_AUTHENTICATE, challenge));
    }
    if answer.retry_after {
        response.insert_header((header::RETRY_AFTER, "1"));
    }
    response.body(answer.body)
}

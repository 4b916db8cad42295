//! The actix-web example service, driven over real HTTP: the same traffic and the same
//! expectations as the axum service.

mod common;

use actix_web::HttpServer;
use common::*;
use metrics_core::Registry;

#[test]
fn request_metrics_per_route() {
    let registry = Registry::new();
    let served = registry.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || examples::actix_app(&served).unwrap())
                .workers(2)
                // So that actix drops the handler of a client gone (recorded as 499).
                .h1_allow_half_closed(false)
                .bind("127.0.0.1:0")
                .unwrap();
            tx.send(server.addrs()[0]).unwrap();
            server.run().await
        })
    });
    let addr = rx.recv().unwrap();

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let expected = shop_traffic(addr).await;
        let exposition = metrics_when(addr, |body| {
            let counts = request_counts(body);
            let reports: u64 = counts
                .iter()
                .filter(|((_, route, _), _)| route == "/api/report")
                .map(|(_, n)| n)
                .sum();
            reports == 2
        })
        .await;
        check_shop_metrics(&exposition, expected);
        // The cardinality page is mounted too, and names the request metrics' routes.
        let (status, json) = send(
            &client(),
            hyper::Method::GET,
            addr,
            metrics_http::CARDINALITY_PATH,
        )
        .await;
        assert_eq!(status, 200);
        let report: serde_json::Value = serde_json::from_str(&json).unwrap();
        let requests = report["families"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "http_server_requests_total")
            .expect("the request counter is reported");
        let route = requests["labels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["name"] == "route")
            .unwrap();
        assert!(route["distinct"].as_u64().unwrap() >= 3, "{route}");
    });
}

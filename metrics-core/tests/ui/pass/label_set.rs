use metrics_core::{Counter, Family, Format, LabelSet, LabelValue, Opts, Registry};

#[derive(Debug, Clone, Copy, PartialEq, LabelValue)]
enum Method {
    Get,
    Post,
}

#[derive(Debug, Clone, Copy, PartialEq, LabelValue)]
enum Class {
    Success,
    Failure,
}

#[derive(Debug, Clone, Copy, PartialEq, LabelSet)]
struct Request {
    method: Method,
    #[label(name = "outcome")]
    class: Class,
}

#[derive(Debug, Clone, PartialEq, LabelSet)]
struct ByTenant {
    tenant: String,
    method: Method,
}

fn main() {
    assert_eq!(Request::NAMES, ["method", "outcome"]);
    assert_eq!(Request::CARDINALITY, Some(4), "all fixed: a dense family");
    assert_eq!(ByTenant::CARDINALITY, None);
    for i in 0..4 {
        assert_eq!(Request::from_dense_index(i).unwrap().dense_index(), i);
    }
    let registry = Registry::new();
    let requests: Family<Request, Counter> = registry.family(Opts::new("requests_total", "Requests."));
    requests.get(&Request { method: Method::Post, class: Class::Failure }).inc();
    let tenants: Family<ByTenant, Counter> = registry.family(Opts::new("tenant_requests_total", "By tenant."));
    tenants.get(&ByTenant { tenant: "acme \"co\"".into(), method: Method::Get }).inc_by(2);
    let mut body = Vec::new();
    registry.encode(Format::Text, &mut body);
    let text = String::from_utf8(body).unwrap();
    assert!(text.contains("requests_total{method=\"post\",outcome=\"failure\"} 1\n"), "{text}");
    assert!(text.contains("tenant_requests_total{tenant=\"acme \\\"co\\\"\",method=\"get\"} 2\n"), "{text}");
}
